--- Adding text to an annotation as another span, and taking text out of its spans: a claim
--- in two clauses with an aside between them is one discontinuous annotation (brat's, W3C's:
--- several spans). `+` in the label question of `gs` adds the motion's text to the annotation
--- made (or changed) last in the buffer, or to one under the cursor; `-` takes it out of the
--- annotation(s) it overlaps; `:[range]Stance edit spans add|remove` does the same for a range.
--- The annotation keeps its ID, label, note, relations and creation time; one undo step.
local M = {}
local R = require('stance.modules') -- (modules required at first use, kept)

--- `spans` sorted, those that overlap or touch joined.
---@param spans integer[][]
---@return integer[][]
function M.joined(spans)
  local sorted = {}
  for i, sp in ipairs(spans) do
    sorted[i] = { sp[1], sp[2] }
  end
  table.sort(sorted, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[2] < y[2]) end)
  local out = {}
  for _, sp in ipairs(sorted) do
    local last = out[#out]
    if last and sp[1] <= last[2] then
      if sp[2] > last[2] then last[2] = sp[2] end
    else
      out[#out + 1] = sp
    end
  end
  return out
end

--- `spans` without what `cut` covers (both lists of {start, stop}); pieces left empty go.
---@param spans integer[][]
---@param cut integer[][]
---@return integer[][]
function M.without(spans, cut)
  local pieces = M.joined(spans)
  for _, c in ipairs(M.joined(cut)) do
    local next_pieces = {}
    for _, p in ipairs(pieces) do
      if c[2] <= p[1] or c[1] >= p[2] then
        next_pieces[#next_pieces + 1] = p
      else
        if c[1] > p[1] then next_pieces[#next_pieces + 1] = { p[1], c[1] } end
        if c[2] < p[2] then next_pieces[#next_pieces + 1] = { c[2], p[2] } end
      end
    end
    pieces = next_pieces
  end
  return pieces
end

--- Whether `outer` covers all of `inner`.
local function covers(outer, inner)
  return #M.without(inner, outer) == 0
end

--- Whether annotation `rec` can have its spans changed (not a version of a merge conflict:
--- one is kept first; not an orphan, whose text is gone).
local function changeable(rec)
  return rec and rec.kind == 'annotation' and not rec.orphan and not rec.conflict
end

--- The annotations `spans` (buffer bytes, trimmed) could be added to: those under byte
--- `origin` (the cursor; or {row, col} as nvim_win_get_cursor gives it), then the one made or
--- changed last in the buffer (M.remember); none that covers them already.
---@param s stance.Session
---@param spans integer[][]
---@param origin integer|integer[]|nil
---@return table[] records
function M.addable(s, spans, origin)
  local where = R['stance.editor.where']
  if type(origin) == 'table' then origin = where.offset(s.buf, origin[1] - 1, origin[2]) end
  local out, seen = {}, {}
  local function consider(id)
    if seen[id] then return end
    seen[id] = true
    local rec = s.store:get(id)
    if changeable(rec) and not covers(rec.spans, spans) then out[#out + 1] = rec end
  end
  for _, h in ipairs(origin and where.under(s.store, origin) or {}) do
    consider(h.id)
  end
  if s.last_annotation then consider(s.last_annotation) end
  return out
end

--- The annotations `spans` could be taken out of: those they overlap that keep some text
--- (an annotation they cover whole is deleted with gX, not emptied).
---@param s stance.Session
---@param spans integer[][]
---@return table[] records
function M.removable(s, spans)
  local out, seen = {}, {}
  for _, sp in ipairs(spans) do
    for _, h in ipairs(s.store:query(sp[1], sp[2])) do
      if not seen[h.id] then
        seen[h.id] = true
        local rec = s.store:get(h.id)
        if changeable(rec) then
          local left = M.trimmed(s, M.without(rec.spans, spans))
          if #left > 0 and not vim.deep_equal(left, rec.spans) then out[#out + 1] = rec end
        end
      end
    end
  end
  return out
end

--- `spans` (buffer bytes) without white space at their ends, and without the empty ones.
---@param s stance.Session
---@param spans integer[][]
---@return integer[][]
function M.trimmed(s, spans)
  local ops = R['stance.editor.ops']
  local out = {}
  for _, sp in ipairs(spans) do
    local a, b = ops.trim(s.buf, sp[1], sp[2])
    if b > a then out[#out + 1] = { a, b } end
  end
  return out
end

--- Remember annotation `id` as the one made or changed last in the buffer of `s` (what `+`
--- adds to).
---@param s stance.Session
---@param id string|nil
function M.remember(s, id)
  if id then s.last_annotation = id end
end

--- The choices `+` and `-` of the label question for the region `spans`, made only when the
--- question is shown or one of the keys is typed; a key a label of `schema` has is left to
--- that label.
---@param s stance.Session
---@param spans integer[][]
---@param origin integer|integer[]|nil
---@param schema table|nil
---@return string[] keys
---@return fun(): table[] make
function M.choices(s, spans, origin, schema)
  local taken = {}
  for _, l in ipairs(schema and schema.labels or {}) do
    if l.key then taken[l.key] = true end
  end
  local keys = {}
  if not taken['+'] then keys[#keys + 1] = '+' end
  if not taken['-'] then keys[#keys + 1] = '-' end
  local function make()
    local out = {}
    if not taken['+'] then
      local recs = M.addable(s, spans, origin)
      if #recs > 0 then
        out[#out + 1] = { key = '+', text = #recs == 1 and 'add to it' or 'add to one', value = { add_to = recs } }
      end
    end
    if not taken['-'] then
      local recs = M.removable(s, spans)
      if #recs > 0 then
        out[#out + 1] = { key = '-', text = #recs == 1 and 'take out of it' or 'take out of one',
          value = { take_from = recs } }
      end
    end
    return out
  end
  return keys, make
end

--- Add `spans` to annotation `rec` (one undo step). Returns the annotation, or nil (said).
---@param s stance.Session
---@param rec table
---@param spans integer[][]
---@return table|nil
function M.add(s, rec, spans)
  local new = M.joined(vim.list_extend(vim.deepcopy(rec.spans), spans))
  return M.set(s, rec, new, 'added to')
end

--- Take `spans` out of annotation `rec` (one undo step). Returns the annotation, or nil (said).
---@param s stance.Session
---@param rec table
---@param spans integer[][]
---@return table|nil
function M.remove(s, rec, spans)
  local left = M.trimmed(s, M.without(rec.spans, spans))
  if #left == 0 then
    return R['stance.notify'].error(('that is all of %s: gX deletes it'):format(R['stance.editor.nav'].describe(rec)))
  end
  return M.set(s, rec, left, 'took text out of')
end

--- Give `rec` the spans `spans`, saying what it covers now.
function M.set(s, rec, spans, verb)
  local ok, err = R['stance.editor.ops'].resize(s, rec.id, spans)
  if not ok then return R['stance.notify'].line(err, vim.log.levels.ERROR) end
  M.remember(s, rec.id)
  local nav = R['stance.editor.nav']
  R['stance.compat'].echo(('%s %s: %d span%s, "%s" (u undoes it)'):format(verb, nav.describe(ok), #ok.spans,
    #ok.spans == 1 and '' or 's', nav.quote(s.buf, ok.spans, 60)))
  return ok
end

--- :[range]Stance edit spans add|remove: the range (or the visual selection it was typed
--- from) added to the annotation under the cursor or made last, or taken out of those it
--- overlaps (several: a key picks one).
---@param how string "add" or "remove"
---@param spans integer[][] the range's spans, trimmed
---@return table|nil
function M.command(how, spans)
  local s, err = R['stance.editor.session'].current()
  if not s then return R['stance.notify'].error(err) end
  if s.readonly then return R['stance.notify'].line(s.readonly, vim.log.levels.ERROR) end
  if #spans == 0 then return R['stance.notify'].warn('nothing there (only white space)') end
  local add = how == 'add'
  local recs = add and M.addable(s, spans, R['stance.editor.where'].cursor()) or M.removable(s, spans)
  if #recs == 0 then
    return R['stance.notify'].error(add
      and 'no annotation to add it to: annotate the first part (gs), then add this one'
      or 'no annotation there keeps some text without it (gX deletes one)')
  end
  local rec = R['stance.editor.nav'].pick_record(s, recs, add and 'add to' or 'take out of')
  return rec and (add and M.add or M.remove)(s, rec, spans)
end

return M
