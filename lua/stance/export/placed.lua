--- A layer's records as an export sees them: placed in its document's text as it is now.
--- Each quote is checked where the file places it, whatever hash the file records (a file
--- written by an older stance recorded the hash with its orphans; a collaborator's may
--- record offsets of another text under the right hash). When one is not there, or the
--- document changed since the file was written (its hash differs), or a span lies past its
--- end, every annotation is re-anchored as `stance check` does, in memory (the file is not
--- touched); those that cannot be found again are orphans, which an export reports and still
--- accounts for, instead of failing on them; so are, in a document that changed, those without
--- a quote (nothing to find them again by, doc/format.md 8.3).
local M = {}

--- Whether every annotation of `store` that has a quote has it at its spans in `text`
--- (`model`: core.text(text)); the parts of a discontinuous one joined by a space.
local function quotes_hold(store, text, model)
  for _, r in ipairs(store:records('annotation')) do
    if r.quote then
      local parts = {}
      for i, sp in ipairs(r.spans) do
        parts[i] = text:sub(model:cp_to_byte(sp[1]) + 1, model:cp_to_byte(sp[2]))
      end
      if table.concat(parts, ' ') ~= r.quote then return false end
    end
  end
  return true
end

---@class stance.Placed
---@field store userdata records with spans in code points of the text now
---@field orphans table<string, boolean> IDs of annotations whose text is no longer there
---@field moved integer annotations found at another place
---@field problems table[] { id, line, message }

--- Place the records of `layer` in the text of its document.
---@param layer stance.Layer
---@param text string the document's text now
---@return stance.Placed
function M.layer(layer, text)
  local core = require('stance.core')
  local store = layer.file.store
  local out = { store = store, orphans = {}, moved = 0, problems = {} }
  local recorded = (store:header().hash or ''):gsub('^sha256:', '')
  local model = core.text(text)
  local cps = model:cps()
  local fits = true
  for _, r in ipairs(store:records('annotation')) do
    if r.spans[#r.spans][2] > cps then fits = false end
  end
  local now = core.sha256(text)
  if fits and recorded == now and quotes_hold(store, text, model) then return out end
  -- a copy, re-anchored in the text now
  local copy = core.read(store:write())
  local frame = core.frame(text)
  local res = frame:anchor(copy)
  local orphan = {}
  for _, id in ipairs(res.orphan_ids or {}) do
    orphan[id] = true
  end
  -- back to code points (orphans keep their old place, clamped to the text)
  local placed = core.read(frame:write(copy))
  out.store, out.moved = placed, res.moved or 0
  -- the document changed since the file was written: an annotation without a quote cannot
  -- be known to be in place (nothing to check its offsets by), an orphan here too
  local changed = recorded ~= '' and recorded ~= now
  for _, r in ipairs(store:records('annotation')) do
    if orphan[r.id] then
      out.orphans[r.id] = true
      out.problems[#out.problems + 1] = { id = r.id, line = r.line, message = ('annotation %s: its text is no longer '
        .. 'in the document (an orphan; `stance check` lists it)'):format(r.id) }
    elseif changed and r.quote == nil then
      out.orphans[r.id] = true
      out.problems[#out.problems + 1] = { id = r.id, line = r.line, message = ('annotation %s: no quote, and the '
        .. 'document changed since it was annotated: it cannot be re-anchored (an orphan; `stance check` lists it)')
        :format(r.id) }
    end
  end
  return out
end

return M
