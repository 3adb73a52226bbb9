--- Finding annotations again in a document that changed since they were written (its hash
--- differs from the one the file recorded): each one is kept (its quote is where it was),
--- moved (found elsewhere: the exact quote nearest with the best context, or approximately,
--- see :help stance-reanchor) or orphaned (kept in the file, never dropped). Both hosts.
local M = {}
local H = {}

---@class stance.ReanchorResult
---@field checked boolean false when the document has the recorded hash (nothing to do)
---@field document string|nil path of the document, relative to the root
---@field missing boolean|nil the document is not there
---@field refused string|nil why the document was not read: it resolves outside the corpus, or
--- is not a regular file (a device, a FIFO, a folder)
---@field kept integer
---@field moved integer
---@field fuzzy integer of the moved, found with a changed quote
---@field orphaned integer
---@field unsearched integer of the orphans, those not searched for: the work budget of the
--- document ran out (see :help stance-reanchor)
---@field unverified integer of the kept, those without a quote in a document that changed: their
--- offsets were taken as they are, with nothing to check them against (M.unverified)
---@field recorded string|nil the hash the file records (sha256:...)
---@field outcomes table[] { id, line, outcome = "moved"|"fuzzy"|"orphan"|"unverified", from = {a, b}, to = {a, b} }
---@field store stance.Store the annotations placed in the text (buffer bytes), when checked
---@field frame stance.Frame
---@field text string the document

--- Why `doc` (an annotation file's `document`) is not a document of the corpus at `root`,
--- or nil when it is or is not there (then reading it says so). Checked on the path as it
--- resolves, so that `a/../.git/config` is `.git/config`.
function H.not_a_document(root, doc)
  local core = require('stance.core')
  local real, rroot = core.realpath(root .. '/' .. doc), core.realpath(root)
  if not real or not rroot then return nil end
  local rel = real:sub(1, #rroot + 1) == rroot .. '/' and real:sub(#rroot + 2) or nil
  if not rel then return nil end -- outside: reading refuses it, with its reason
  H.corpora = H.corpora or {}
  local c = H.corpora[rroot]
  if c == nil then
    c = require('stance').open(rroot) or false
    H.corpora[rroot] = c
  end
  if c and not c:is_document(rel) then
    return ('%s is not a document of the corpus (its include and exclude globs, hidden folders)'):format(rel)
  end
  return nil
end

--- The document whose annotations the file at `path` holds by its place (its path below its
--- annotator's folder, `.stance` taken off), nil when it is no file of an annotator's folder of
--- the corpus at `root`: what decides, over the file's `document` record (doc/format.md 8.4).
---@param root string
---@param path string
---@return string|nil
function M.document_of(root, path)
  local fs = require('stance.fs')
  local dir = fs.absolute(root .. '/' .. require('stance.root').annotations) .. '/'
  local abs = fs.absolute(path)
  if abs:sub(1, #dir) ~= dir then return nil end
  return abs:sub(#dir + 1):match('^[^/]+/(.+)%.stance$')
end

--- The error when the `document` record of the annotation file at `path` (read as `store`,
--- its text `text`) names another document than its place does (M.document_of): at the
--- record's line; nil when they agree, or the file has no place or no record.
---@param root string
---@param path string
---@param store stance.Store
---@param text string|nil
---@return table|nil problem {line, col, severity, message}
function M.mismatch(root, path, store, text)
  local said = store:header().document
  local placed = said and M.document_of(root, path)
  if not placed or said == placed then return nil end
  local line = 1
  if text then
    local at = text:sub(1, 9) == 'document ' and 1 or text:find('\ndocument ')
    if at and at > 1 then
      local _, nl = text:sub(1, at):gsub('\n', '')
      line = nl + 1
    end
  end
  return { line = line, col = 1, severity = 'error', message = ('document %q names another document than the '
    .. "file's place (%s): the place decides (exports, scripts, agreement and stance check read it as %s's); fix the "
    .. 'record (stance fmt --reanchor leaves the file alone until then)'):format(said, placed, placed) }
end

--- The annotations of `store` that cannot be known to be in place: without a quote (nothing to
--- find them again by, nor to check their offsets against), in a file whose recorded hash
--- `recorded` is not the document's `current` (both `sha256:...`; a file without a hash says
--- nothing of a change). Their offsets are kept, but they may now cover other words: no writer
--- records the new hash over them (doc/format.md 8.3). Orphans are not counted (already said).
---@param store stance.Store
---@param recorded string|nil
---@param current string|nil
---@return table[] { id, line, from = {a, b} }, in the file's order
function M.unverified(store, recorded, current)
  local out = {}
  if not recorded or not current or recorded == current then return out end
  for _, r in ipairs(store:records('annotation')) do
    if r.quote == nil and not r.orphan and r.spans and #r.spans > 0 then
      out[#out + 1] = { id = r.id, line = r.line, from = { r.spans[1][1], r.spans[#r.spans][2] } }
    end
  end
  table.sort(out, function(x, y) return (x.line or 0) < (y.line or 0) end)
  return out
end

--- The hash a writer records for `store` in a document whose hash is `current`: `current`,
--- unless the file holds annotations that cannot be known to be in place (M.unverified), then
--- the one it records (their offsets count in that text, and the change stays known).
---@param store stance.Store
---@param current string
---@return string|nil
function M.hash_to_record(store, current)
  local recorded = store:header().hash
  if recorded and recorded ~= current and #M.unverified(store, recorded, current) > 0 then return recorded end
  return current
end

--- Re-anchor the annotation file `store` (read from a file below corpus `root`).
---@param root string
---@param store stance.Store
---@param opts {force: boolean|nil, progress: fun(done: integer, total: integer)|nil, document: string|nil}|nil
--- force: check even when the hash matches; progress: called as the annotations are gone
--- through; document: the document of the file's place (M.document_of), which decides over
--- its `document` record
---@return stance.ReanchorResult
function M.run(root, store, opts)
  opts = opts or {}
  local core = require('stance.core')
  local h = store:header()
  local doc = opts.document or h.document
  local res = { checked = false, document = doc, kept = 0, moved = 0, fuzzy = 0, orphaned = 0, unverified = 0,
    outcomes = {}, recorded = h.hash }
  if not doc then return res end
  -- the header is the file's word, not ours: only a document of the corpus is read (a
  -- regular file inside it that its globs take: never .git/config, whose text would be
  -- copied into the file as context)
  local why = H.not_a_document(root, doc)
  if why then
    res.refused = why
    return res
  end
  local text, err, code = require('stance.fs').read(root .. '/' .. doc, root)
  if not text then
    if code == 'ENOENT' then
      res.missing = true
    else
      res.refused = err
    end
    return res
  end
  local hash = core.sha256(text)
  local recorded = h.hash and h.hash:gsub('^sha256:', '') or nil
  if recorded == hash and not opts.force then return res end
  res.checked = true
  -- a file without a hash (written by hand, by another tool) says nothing of a change
  res.changed = recorded ~= nil and recorded ~= hash
  local before = {}
  for _, r in ipairs(store:records('annotation')) do
    before[r.id] = { spans = r.spans, line = r.line }
  end
  -- (as read: their offsets in code points, before the anchoring places them in the text)
  local unverified = res.changed and M.unverified(store, h.hash, 'sha256:' .. hash) or {}
  local frame = core.frame(text)
  local a = frame:anchor(store, { progress = opts.progress })
  res.kept, res.moved, res.orphaned, res.fuzzy = a.placed, a.moved, a.orphaned, a.fuzzy or 0
  res.unsearched = a.unsearched or 0
  local fuzzy = {}
  for _, id in ipairs(a.fuzzy_ids or {}) do
    fuzzy[id] = true
  end
  for _, id in ipairs(a.moved_ids) do
    local r = store:get(id)
    local was = before[id]
    res.outcomes[#res.outcomes + 1] = {
      id = id, line = was.line, outcome = fuzzy[id] and 'fuzzy' or 'moved',
      from = { was.spans[1][1], was.spans[#was.spans][2] },
      to = { frame:buf_to_cp(r.spans[1][1]), frame:buf_to_cp(r.spans[#r.spans][2]) },
    }
  end
  for _, id in ipairs(a.orphan_ids) do
    local was = before[id]
    res.outcomes[#res.outcomes + 1] = { id = id, line = was.line, outcome = 'orphan',
      from = { was.spans[1][1], was.spans[#was.spans][2] } }
  end
  -- kept where the file says, with nothing to check them by: said, never taken as placed
  -- (one past the text's end is an orphan: said as such)
  local orphan = {}
  for _, id in ipairs(a.orphan_ids) do
    orphan[id] = true
  end
  for _, u in ipairs(unverified) do
    if not orphan[u.id] then
      res.outcomes[#res.outcomes + 1] = { id = u.id, line = u.line, outcome = 'unverified', from = u.from }
      res.unverified = res.unverified + 1
    end
  end
  res.kept = res.kept - res.unverified
  table.sort(res.outcomes, function(x, y) return (x.line or 0) < (y.line or 0) end)
  res.store, res.frame, res.text, res.hash = store, frame, text, 'sha256:' .. hash
  return res
end

--- The line of the `document` record in an annotation file's text (1 when unknown).
local function document_line(text)
  if not text then return 1 end
  local at = text:find('\ndocument[ \t]') or (text:find('^document[ \t]') and 0)
  if not at then return 1 end
  return select(2, text:sub(1, at):gsub('\n', '')) + 1
end

--- The outcomes as problems of the annotation file ({line, col, severity, message}).
---@param res stance.ReanchorResult
---@param text string|nil the annotation file's text (for the line of its `document` record)
---@return table[]
function M.problems(res, text)
  local out = {}
  if res.refused then
    out[1] = { line = document_line(text), col = 1, severity = 'error',
      message = ('document %q is not read: %s (a document is a regular file inside the corpus)'):format(res.document,
        res.refused) }
    return out
  end
  if res.missing then
    out[1] = { line = document_line(text), col = 1, severity = 'warning',
      message = ('document %s is not there: its annotations cannot be checked'):format(res.document) }
    return out
  end
  for _, o in ipairs(res.outcomes) do
    local msg
    if o.outcome == 'unverified' then
      msg = ('annotation %s cannot be re-anchored: no quote, and %s changed since it was annotated: %d-%d may now '
        .. 'cover other words; check it and annotate it again (the file keeps its hash until then)'):format(o.id,
        res.document, o.from[1], o.from[2])
    elseif o.outcome == 'orphan' then
      msg = ('annotation %s: its text (%d-%d) is no longer in %s; kept as an orphan'):format(o.id, o.from[1],
        o.from[2], res.document)
    else
      msg = ('annotation %s moved%s: %d-%d is now %d-%d (stance fmt --reanchor writes it)'):format(o.id,
        o.outcome == 'fuzzy' and ' (its text changed)' or '', o.from[1], o.from[2], o.to[1], o.to[2])
    end
    out[#out + 1] = { line = o.line or 1, col = 1, severity = 'warning', message = msg }
  end
  if (res.unsearched or 0) > 0 then
    out[#out + 1] = { line = document_line(text), col = 1, severity = 'warning',
      message = ('%d annotation(s) not searched for in %s: the work budget of re-anchoring ran out '
        .. '(a very large or repetitive document); kept as orphans'):format(res.unsearched, res.document) }
  end
  return out
end

--- The file's new text after re-anchoring: moved annotations at their new place with
--- fresh quote and context, orphans as they were, the document's hash (none when it holds
--- an orphan: its offsets count in no one text; the hash it had, orphans or not, when it holds
--- annotations without a quote that could not be checked, doc/format.md 8.3).
---@param res stance.ReanchorResult
---@param context integer|nil code points of prefix and suffix (default 32)
---@return string
function M.write(res, context)
  res.frame:refresh(res.store, context or 32)
  if (res.unverified or 0) > 0 then
    -- the text their offsets count in (kept by the writer with orphans too)
    res.store:set_header('hash', res.recorded)
  else
    res.store:set_header('hash', (res.orphaned or 0) == 0 and res.hash or nil)
  end
  return res.frame:write(res.store)
end

return M
