--- Every change the annotator makes to annotations (never to the text) goes through here:
--- checked against the schema, applied to the session's store, recorded for undo and redo,
--- then drawn and saved. Removed annotations wait in the session's trash store, which
--- follows the text like the live one, so undo puts them back where their text is now.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local R = require('stance.modules') -- (modules required at first use, kept)
local H = {}

--- The time now (UTC, to the second), made a string once a second.
local function now()
  local t = os.time()
  if H.now_t ~= t then H.now_t, H.now_s = t, os.date('!%Y-%m-%dT%H:%M:%SZ', t) end
  return H.now_s
end

--- The text's place in its undo tree (:help changenr()): annotation operations are
--- stamped with it, so that `u` and <C-r> know whether the text or the annotations changed
--- last.
function H.seq(s)
  -- (the buffer is nearly always the current one: asked at once, not through nvim_buf_call,
  -- which saves and restores the window's state around the call)
  if s.buf == vim.api.nvim_get_current_buf() then return vim.fn.changenr() end
  return vim.api.nvim_buf_call(s.buf, vim.fn.changenr)
end

--- A record was added and nothing else changed: it can be appended to the file.
function H.added(s, id)
  s.added = s.added or {}
  s.added[#s.added + 1] = id
end

--- Record an operation: `undo` and `redo` are lists of steps ({op, id, ...}). Anything but
--- an addition needs the whole file written again.
function H.record(s, what, undo, redo)
  if what ~= 'annotate' and what ~= 'link' and what ~= 'document stance' then s.rewrite = true end
  -- what is drawn from relations and document stances is made again only after this
  if what ~= 'annotate' then s.meta_version = (s.meta_version or 0) + 1 end
  local g = s.grouped
  if g then -- part of one operation of several (M.as_one): recorded when it ends
    table.insert(g.undo, 1, undo)
    g.redo[#g.redo + 1] = redo
    return
  end
  s.undo[#s.undo + 1] = { what = what, undo = undo, redo = redo, seq = H.seq(s) }
  if #s.undo > 1000 then table.remove(s.undo, 1) end
  s.redo = {}
end

--- Move record `id` between the live store and the trash (with its relations); with `side`,
--- that version of a merge conflict.
function H.move(from, to, id, side)
  local rec = from:get(id, side)
  if not rec then return nil end
  rec.slot, rec.line, rec.touched, rec.orphan = nil, nil, nil, nil
  from:remove(id, side)
  local ok, err = to:add(rec)
  if not ok then error(err, 0) end
  return rec
end

--- Give record `id` of `store` another conflict mark: version `from` (nil: the record
--- without a mark) becomes version `to` (nil: no mark, the conflict is over).
function H.remark(store, id, from, to)
  local rec = store:get(id, from)
  if not rec then error(('no record %s%s'):format(id, from and ' (' .. from .. ')' or ''), 0) end
  rec.slot, rec.line, rec.touched, rec.orphan = nil, nil, nil, nil
  rec.conflict = to
  store:remove(id, from)
  local ok, err = store:add(rec)
  if not ok then error(err, 0) end
end

--- Take a record of the live store (a table of it) out of the drawing cache and the counts.
function H.leave_rec(s, rec)
  if rec then
    s:count(rec, -1)
    s:forget(rec.slot)
    H.damage(s, rec)
  end
end

--- Put a record of the live store (a table of it, as it is now) into the counts.
function H.enter_rec(s, rec)
  if rec then
    s:count(rec, 1)
    s:forget(rec.slot)
    H.damage(s, rec)
  end
end

--- What must be drawn again when record `rec` comes or goes: its spans, or for a relation
--- those of both of its annotations (their marks change).
function H.damage(s, rec)
  if rec.kind == 'relation' then
    s:damage(s.store:get(rec.from))
    s:damage(s.store:get(rec.to))
  else
    s:damage(rec)
  end
end

--- Take record `id` of the live store out of the drawing cache and the counts.
function H.leave(s, id)
  H.leave_rec(s, s.store:get(id))
end

--- Put record `id` of the live store (back) into the counts; its slot is drawn afresh.
function H.enter(s, id)
  H.enter_rec(s, s.store:get(id))
end

--- Apply steps (undo or redo) to the session.
function H.apply(s, steps)
  for _, st in ipairs(steps) do
    if st.op == 'restore_version' then -- a version of a conflict, back from the trash
      H.move(s.trash, s.store, st.id, st.side)
      H.enter_rec(s, s.store:get(st.id, st.side))
    elseif st.op == 'trash_version' then
      H.leave_rec(s, s.store:get(st.id, st.side))
      H.move(s.store, s.trash, st.id, st.side)
    elseif st.op == 'remark' then -- version st.from becomes version st.to (nil: no mark)
      H.leave_rec(s, s.store:get(st.id, st.from))
      H.remark(s.store, st.id, st.from, st.to)
      H.enter_rec(s, s.store:get(st.id, st.to))
    elseif st.op == 'restore' then
      H.move(s.trash, s.store, st.id)
      s.store:mark(st.id, 'touched', true)
      H.enter(s, st.id)
    elseif st.op == 'trash' then
      H.leave(s, st.id)
      H.move(s.store, s.trash, st.id)
    elseif st.op == 'set' then
      H.leave(s, st.id)
      local ok, err = s.store:update(st.id, st.fields)
      if not ok then error(err, 0) end
      if st.fields.spans then s.store:mark(st.id, 'touched', true) end
      H.enter(s, st.id)
    end
  end
end

local function changed(s)
  s:changed()
  if s.suggestions then R['stance.editor.suggest'].relearn(s) end
end

--- The text of the buffer's byte range [a, b) with leading and trailing white space left
--- out: where an annotation of that range starts and ends.
function M.trim(buf, a, b)
  local total = R['stance.editor.where'].size(buf)
  if b > total then b = total end
  if a >= b then return a, b end
  local where = R['stance.editor.where']
  local r1, c1 = where.pos(buf, a)
  local r2 = where.pos(buf, b - 1)
  local text = where.text(buf, r1, r2) .. '\n'
  local base = a - c1
  local sub = text:sub(a - base + 1, b - base)
  local lead = #sub:match('^%s*')
  local trail = #sub:match('%s*$')
  if lead == #sub then return a, a end
  return a + lead, b - trail
end

--- Whether the text of `spans` (buffer bytes) can be a quote: not when it holds a NUL byte,
--- which no value can keep (doc/format.md 8.4; scripts refuse it the same way, stance.layer).
---@return boolean|nil ok
---@return string|nil err
function H.no_nul(s, spans)
  local frame = s:get_frame()
  local quote = frame:context(spans, 0)
  if not quote:find('\0', 1, true) then return true end
  local cps = {}
  for i, sp in ipairs(spans) do
    cps[i] = { frame:buf_to_cp(sp[1]), frame:buf_to_cp(sp[2]) }
  end
  return nil, R['stance.layer'].nul_in_quote(quote, cps)
end

--- Create an annotation over `spans` (buffer bytes) with `fields` (label, target, ...).
---@param s stance.Session
---@param spans integer[][]
---@param fields table
---@return table|nil record
---@return string|nil err
function M.create(s, spans, fields)
  if s.readonly then return nil, s.readonly end
  local validate = R['stance.validate']
  local schema = s.corpus:schema()
  local rec = { kind = 'annotation', id = fields.id or R['stance.core'].new_id() }
  for k, v in pairs(fields) do
    rec[k] = v
  end
  local ok, err = validate.record('annotation', rec, schema)
  if not ok then return nil, err end
  ok, err = validate.apply_label(rec, schema, 'annotation')
  if not ok then return nil, err end
  err = R['stance.schema'].out_of_scope(schema, rec.target, s.rel)
  if err then return nil, err end
  if #spans > 1 then table.sort(spans, function(x, y) return x[1] < y[1] end) end
  local total = R['stance.editor.where'].size(s.buf)
  ok, err = validate.spans(spans, total)
  if not ok then return nil, err end
  ok, err = H.no_nul(s, spans)
  if not ok then return nil, err end
  rec.spans = spans
  rec.author = rec.author or (s.annotator ~= s.store:header('annotator') and s.annotator or nil)
  rec.created = now()
  ok, err = s.store:add(rec)
  if not ok then return nil, err end
  s.store:mark(rec.id, 'touched', true)
  local live = s.store:get(rec.id)
  H.enter_rec(s, live)
  H.added(s, rec.id)
  H.record(s, 'annotate', { { op = 'trash', id = rec.id } }, { { op = 'restore', id = rec.id } })
  changed(s)
  H.say_contradicted(s, live)
  return live
end

--- Say when annotation `rec`, just made, gives another stance toward the same target over
--- the very text of an annotation of the layer (favor and against of one sentence: a
--- stray second create): agreement and the exports count one of them (stance check warns
--- at it too), so the one not meant should go.
function H.say_contradicted(s, rec)
  if not rec or not rec.stance or not rec.spans or #rec.spans == 0 then return end
  for _, h in ipairs(s.store:query(rec.spans[1][1], rec.spans[#rec.spans][2])) do
    local o = h.id ~= rec.id and not h.conflict and s.store:get(h.id)
    if o and o.kind == 'annotation' and o.stance and o.stance ~= rec.stance and o.target == rec.target
      and not o.orphan and vim.deep_equal(o.spans, rec.spans) then
      local del = (R['stance.config'].get().mappings or {}).delete
      R['stance.notify'].line(('this text is now both %s and %s%s in your layer: agreement counts one of them;'
        .. ' delete the one not meant%s'):format(o.stance, rec.stance, rec.target and (' toward ' .. rec.target) or '',
        (del and del ~= '') and (' (' .. del .. ' on it)') or ''), vim.log.levels.WARN)
      return
    end
  end
end

--- Whether a record's field `old` (nil when it has none) is already what `new` sets (false
--- removes the field; spans compared span by span).
---@return boolean
function M.same(old, new)
  if new == false or new == nil then return old == nil end
  if type(old) == 'table' and type(new) == 'table' then return vim.deep_equal(old, new) end
  return old == new
end

--- Change fields of annotation (or relation) `id`: label (which brings its target, stance and role),
--- target, stance, role, note, type; false removes a field. Fields given the values they have
--- change nothing: the record is returned as it was, with `unchanged` true.
---@return table|nil record
---@return string|nil err
---@return boolean|nil unchanged
function M.update(s, id, fields)
  if s.readonly then return nil, s.readonly end
  local rec = s.store:get(id)
  if not rec then return nil, ('no annotation %s'):format(id) end
  local validate = R['stance.validate']
  local schema = s.corpus:schema()
  local merged = {}
  for k, v in pairs(rec) do
    merged[k] = v
  end
  local change = {}
  for k, v in pairs(fields) do
    merged[k] = v ~= false and v or nil
    change[k] = v
  end
  local ok, err = validate.record(rec.kind, merged, schema)
  if not ok then return nil, err end
  if rec.kind ~= 'relation' then
    local label_fields = validate.label_fields(rec.kind)
    if fields.label then
      -- a new label brings its target, stance and role (see validate.relabel)
      local check
      check, err = validate.relabel(rec, fields, schema, rec.kind)
      if not check then return nil, err end
      for _, f in ipairs(label_fields) do
        merged[f] = check[f]
      end
    end
    ok, err = validate.apply_label(merged, schema, rec.kind)
    if not ok then return nil, err end
    if merged.target ~= rec.target then
      err = R['stance.schema'].out_of_scope(schema, merged.target, s.rel)
      if err then return nil, err end
    end
    for _, f in ipairs(label_fields) do
      if merged[f] ~= rec[f] then change[f] = merged[f] or false end
    end
  end
  -- a field given the value it has is no change: an edit that changes none is no edit (no
  -- `modified`, no write, no undo step), else it would conflict with a collaborator's edit
  for k, v in pairs(change) do
    if M.same(rec[k], v) then change[k] = nil end
  end
  if next(change) == nil then return rec, nil, true end
  change.modified = now()
  local back = {}
  for k in pairs(change) do
    if rec[k] == nil then back[k] = false else back[k] = rec[k] end
  end
  H.leave(s, id)
  ok, err = s.store:update(id, change)
  H.enter(s, id)
  if not ok then return nil, err end
  H.record(s, 'edit', { { op = 'set', id = id, fields = back } }, { { op = 'set', id = id, fields = change } })
  changed(s)
  return s.store:get(id)
end

--- Give annotation `id` new spans (buffer bytes): its ID, fields, note, relations and
--- creation time stay; its quote follows at the next save.
---@param s stance.Session
---@param id string
---@param spans integer[][]
---@return table|nil record
---@return string|nil err
---@return boolean|nil unchanged the spans it has: nothing changed
function M.resize(s, id, spans)
  if s.readonly then return nil, s.readonly end
  local rec = s.store:get(id)
  if not rec or rec.kind ~= 'annotation' then return nil, ('no annotation %s'):format(id) end
  local copy = {}
  for i, sp in ipairs(spans) do
    copy[i] = { sp[1], sp[2] }
  end
  table.sort(copy, function(x, y) return x[1] < y[1] end)
  local total = R['stance.editor.where'].size(s.buf)
  local ok, err = R['stance.validate'].spans(copy, total)
  if not ok then return nil, err end
  ok, err = H.no_nul(s, copy)
  if not ok then return nil, err end
  if M.same(rec.spans, copy) then return rec, nil, true end -- the spans it has: no change
  local change = { spans = copy, modified = now() }
  local back = { spans = rec.spans, modified = rec.modified or false }
  H.leave(s, id)
  ok, err = s.store:update(id, change)
  s.store:mark(id, 'touched', true)
  H.enter(s, id)
  if not ok then return nil, err end
  H.record(s, 'resize', { { op = 'set', id = id, fields = back } }, { { op = 'set', id = id, fields = change } })
  changed(s)
  return s.store:get(id)
end

--- Remove annotation `id` and the relations that point to it, or relation `id`.
---@return boolean|nil ok
---@return string|nil err
function M.remove(s, id)
  if s.readonly then return nil, s.readonly end
  local rec = s.store:get(id)
  if not rec then return nil, ('no annotation %s'):format(id) end
  local undo, redo = {}, {}
  for _, rel in ipairs(s.store:records('relation')) do
    if rel.from == id or rel.to == id then
      H.leave(s, rel.id)
      H.move(s.store, s.trash, rel.id)
      undo[#undo + 1] = { op = 'restore', id = rel.id }
      redo[#redo + 1] = { op = 'trash', id = rel.id }
    end
  end
  H.leave(s, id)
  H.move(s.store, s.trash, id)
  table.insert(undo, 1, { op = 'restore', id = id })
  table.insert(redo, 1, { op = 'trash', id = id })
  H.record(s, rec.kind == 'relation' and 'unlink' or 'delete', undo, redo)
  changed(s)
  return true
end

--- End a merge conflict over annotation `id` (|stance-git|): delete version `side` ("ours"
--- or "theirs") and keep the other, whose mark goes; or, with `keep`, keep version `side`
--- and delete the other. A version alone (the other side deleted the annotation) is deleted
--- with its relations, or kept. One undo step brings both versions back.
---@param s stance.Session
---@param id string
---@param side "ours"|"theirs"
---@param keep boolean|nil
---@return string|nil what "kept ours", "deleted", ...
---@return string|nil err
function M.resolve(s, id, side, keep)
  if s.readonly then return nil, s.readonly end
  if side ~= 'ours' and side ~= 'theirs' then error('resolve: side must be "ours" or "theirs"', 2) end
  if not s.store:get(id, side) then return nil, ('no %s version of annotation %s'):format(side, id) end
  local other = side == 'ours' and 'theirs' or 'ours'
  local kept, gone = side, other
  if not keep then kept, gone = other, side end
  local undo, redo = {}, {}
  if s.store:get(id, gone) then
    redo[#redo + 1] = { op = 'trash_version', id = id, side = gone }
    undo[#undo + 1] = { op = 'restore_version', id = id, side = gone }
  end
  local what
  if s.store:get(id, kept) then
    redo[#redo + 1] = { op = 'remark', id = id, from = kept, to = nil }
    table.insert(undo, 1, { op = 'remark', id = id, from = nil, to = kept })
    what = ('kept %s'):format(kept)
  else
    -- the version alone deleted: the annotation goes, and the relations that point to it
    for _, rel in ipairs(s.store:records('relation')) do
      if rel.from == id or rel.to == id then
        redo[#redo + 1] = { op = 'trash', id = rel.id }
        undo[#undo + 1] = { op = 'restore', id = rel.id }
      end
    end
    what = 'deleted'
  end
  H.apply(s, redo)
  H.record(s, 'resolve', undo, redo)
  changed(s)
  return what
end

--- Add a record that is not a span: a relation or the document's own label.
---@param kind "relation"|"doclabel"
---@return table|nil record
---@return string|nil err
function M.add(s, kind, fields)
  if s.readonly then return nil, s.readonly end
  local validate = R['stance.validate']
  local schema = s.corpus:schema()
  local rec = { kind = kind, id = R['stance.core'].new_id() }
  for k, v in pairs(fields) do
    rec[k] = v
  end
  local ok, err = validate.record(kind, rec, schema)
  if not ok then return nil, err end
  if kind == 'doclabel' then
    ok, err = validate.apply_label(rec, schema, kind)
    if not ok then return nil, err end
    err = R['stance.schema'].out_of_scope(schema, rec.target, s.rel)
    if err then return nil, err end
  end
  rec.created = now()
  ok, err = s.store:add(rec)
  if not ok then return nil, err end
  H.enter(s, rec.id)
  H.added(s, rec.id)
  H.record(s, kind == 'relation' and 'link' or 'document stance', { { op = 'trash', id = rec.id } },
    { { op = 'restore', id = rec.id } })
  changed(s)
  return s.store:get(rec.id)
end

--- Make the operations that `fn()` applies through this module (create, update, remove,
--- add, ...) one operation: one `u` undoes all of them, in reverse order, and one <C-r>
--- redoes them. Inside another M.as_one, they are part of that one. Returns what `fn`
--- returns (two values); an error in `fn` is raised again after what it applied before is
--- recorded.
---@param s stance.Session
---@param what string what the operation is called
---@param fn fun(): any, any
---@return any
---@return any
function M.as_one(s, what, fn)
  if s.grouped then return fn() end
  s.grouped = { undo = {}, redo = {} }
  local ok, a, b, c = pcall(fn)
  local g = s.grouped
  s.grouped = nil
  if #g.redo > 0 then
    local undo, redo = {}, {}
    for _, steps in ipairs(g.undo) do
      vim.list_extend(undo, steps)
    end
    for _, steps in ipairs(g.redo) do
      vim.list_extend(redo, steps)
    end
    H.record(s, what, undo, redo)
  end
  if not ok then error(a, 0) end
  return a, b, c
end

--- What an undone or redone operation says when its annotation is no longer there.
H.GONE = '%s: its annotation was changed or deleted on disk since (another annotator, a script)'

--- Whether every step of `steps` finds its record where it acts: not so once another process
--- deleted (or changed) the annotation an operation made, and the layer was read again.
function H.applies(s, steps)
  for _, st in ipairs(steps) do
    local op = st.op
    local found
    if op == 'restore_version' then found = s.trash:get(st.id, st.side)
    elseif op == 'trash_version' then found = s.store:get(st.id, st.side)
    elseif op == 'remark' then found = s.store:get(st.id, st.from)
    elseif op == 'restore' then found = s.trash:get(st.id)
    else found = s.store:get(st.id) end
    if not found then return false end
  end
  return true
end

--- Undo the last annotation operation. Returns what was undone, or nil (and why, when its
--- annotation is no longer there: the operation is dropped).
---@return string|nil what
---@return string|nil gone
function M.undo(s)
  local e = s.undo[#s.undo]
  if not e then return nil end
  if not H.applies(s, e.undo) then
    table.remove(s.undo)
    return nil, H.GONE:format(e.what)
  end
  table.remove(s.undo)
  s.rewrite = true
  s.meta_version = (s.meta_version or 0) + 1
  H.apply(s, e.undo)
  s.redo[#s.redo + 1] = e
  e.seq = H.seq(s)
  changed(s)
  return e.what
end

--- Redo the last undone annotation operation. Returns what was redone, or nil (and why, as
--- M.undo).
---@return string|nil what
---@return string|nil gone
function M.redo(s)
  local e = s.redo[#s.redo]
  if not e then return nil end
  if not H.applies(s, e.redo) then
    table.remove(s.redo)
    return nil, H.GONE:format(e.what)
  end
  table.remove(s.redo)
  s.rewrite = true
  s.meta_version = (s.meta_version or 0) + 1
  H.apply(s, e.redo)
  e.seq = H.seq(s)
  s.undo[#s.undo + 1] = e
  changed(s)
  return e.what
end

--- Whether `u` should undo an annotation operation rather than text: the last annotation
--- operation came after the last change of the text.
function M.undo_is_ours(s)
  local e = s.undo[#s.undo]
  return e ~= nil and e.seq == H.seq(s)
end

--- Whether <C-r> should redo an annotation operation.
function M.redo_is_ours(s)
  local e = s.redo[#s.redo]
  return e ~= nil and e.seq == H.seq(s)
end

return M
