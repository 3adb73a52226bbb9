--- The annotate operator (`gs` by default): over any motion or text object (`gsis` the
--- sentence, `gsip` the paragraph, `gs$`), over a visual selection (blockwise: one span per
--- line, a discontinuous annotation), over lines (`gss`, with a count), and `:Stance annotate`
--- over a range. Asks for the label with one key; `.` repeats with the same label.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local R = require('stance.modules') -- (modules required at first use, kept)
local H = { fresh = false, fields = nil, preset = nil }

local where = R['stance.editor.where']

local OPFUNC = "v:lua.require'stance.editor.operator'.opfunc"

--- 'operatorfunc' set to ours (the API at once: vim.o goes through Lua metatables first).
function H.set_opfunc()
  vim.api.nvim_set_option_value('operatorfunc', OPFUNC, { scope = 'global' })
end

--- Byte spans of the region between marks `m1` and `m2` (e.g. "[" and "]") for `kind`
--- ("char", "line", "block"; or "v", "V", CTRL-V).
function M.region(buf, m1, m2, kind)
  local p1 = vim.api.nvim_buf_get_mark(buf, m1)
  local p2 = vim.api.nvim_buf_get_mark(buf, m2)
  local r1, c1, r2, c2 = p1[1] - 1, p1[2], p2[1] - 1, p2[2]
  if r2 < r1 or (r2 == r1 and c2 < c1) then r1, c1, r2, c2 = r2, c2, r1, c1 end
  local lines = vim.api.nvim_buf_get_lines(buf, r1, r2 + 1, false)
  where.remember(buf, r1, lines) -- (their offsets are asked again: trimmed, drawn)
  local function line_len(r) return #(lines[r - r1 + 1] or '') end
  if kind == 'line' or kind == 'V' then
    return { { where.offset(buf, r1, 0), where.offset(buf, r2, line_len(r2)) } }
  end
  if kind == 'block' or kind == '\22' then
    local lo, hi = math.min(c1, c2), math.max(c1, c2)
    local spans = {}
    for r = r1, r2 do
      local len = line_len(r)
      local a = math.min(lo, len)
      local b = math.min(hi + where.char_len(lines[r - r1 + 1], hi), len)
      if b > a then spans[#spans + 1] = { where.offset(buf, r, a), where.offset(buf, r, b) } end
    end
    return spans
  end
  local last = lines[#lines] or ''
  local e = math.min(c2 + where.char_len(last, c2), #last)
  if c2 >= #last and r2 < vim.api.nvim_buf_line_count(buf) - 1 then e = #last end
  return { { where.offset(buf, r1, math.min(c1, line_len(r1))), where.offset(buf, r2, e) } }
end

--- `spans` (buffer bytes) without the white space at their ends, and without the empty ones.
function H.trimmed(s, spans)
  return R['stance.editor.spans_edit'].trimmed(s, spans)
end

--- The annotations whose spans `spans` could replace: those under byte `origin` (where the
--- cursor was when the operator started; or its {row, col} as nvim_win_get_cursor() gives
--- it, the text unchanged since), else those the spans overlap; none whose spans are
--- already these.
function H.resizable(s, spans, origin)
  if type(origin) == 'table' then origin = where.offset(s.buf, origin[1] - 1, origin[2]) end
  local hits = origin and where.under(s.store, origin) or {}
  if #hits == 0 then hits = s.store:query(spans[1][1], spans[#spans][2]) end
  local out, seen = {}, {}
  for _, h in ipairs(hits) do
    -- a version of a merge conflict is not resized: one version is kept first (gX)
    local rec = not seen[h.id] and not h.conflict and s.store:get(h.id)
    seen[h.id] = true
    if rec and rec.kind == 'annotation' and not rec.orphan and not vim.deep_equal(rec.spans, spans) then
      out[#out + 1] = rec
    end
  end
  return out
end

--- The choice offered with the labels when the region can resize annotations: <Tab> (short,
--- so that the prompt still fits on the command line when the labels do).
function H.resize_choice(recs)
  if #recs == 0 then return nil end
  return { { key = '<Tab>', text = #recs == 1 and 'resize it' or 'resize one', value = { resize = recs } } }
end

--- The choices of the region `spans` besides the labels: <Tab> resizes an annotation to it
--- (see H.resizable), `+` adds it to one as another span, `-` takes it out of one
--- (stance.editor.spans_edit); looked for only when the question is shown or one of their
--- keys is typed (a label typed at once needs none of it).
function H.lazy_span_choices(s, spans, origin, schema)
  local keys, make = R['stance.editor.spans_edit'].choices(s, spans, origin, schema)
  table.insert(keys, 1, '<Tab>')
  return { keys = keys, make = function()
    local out = H.resize_choice(H.resizable(s, spans, origin)) or {}
    return vim.list_extend(out, make())
  end }
end

--- Which of `recs` to resize: the only one, or the one picked by number.
function H.which(s, recs)
  return R['stance.editor.nav'].pick_record(s, recs, 'resize')
end

--- Give annotation `rec` the spans `spans` (its ID, note, relations and dates stay).
function M.resize(s, rec, spans)
  local ok, err = R['stance.editor.ops'].resize(s, rec.id, spans)
  if not ok then return R['stance.notify'].line(err, vim.log.levels.ERROR) end
  R['stance.editor.spans_edit'].remember(s, rec.id)
  R['stance.compat'].echo(('resized %s: "%s"'):format(R['stance.editor.nav'].describe(rec),
    R['stance.editor.nav'].quote(s.buf, spans, 60)))
  return ok
end

--- Annotate `spans` (buffer bytes, trimmed of white space) in the current buffer, or, when
--- the annotator chooses so, make them the spans of an annotation there.
local function annotate(spans, fields, origin)
  local session = R['stance.editor.session']
  local s, err = session.current()
  if not s then return R['stance.notify'].error(err) end
  local layer = R['stance.editor.render'].layer_of(s)
  if not layer.own then
    return R['stance.notify'].error(("this window shows %s's layer: annotate in yours"):format(layer.name))
  end
  -- refused before the prompts: an annotation made now could not be saved
  if s.readonly then return R['stance.notify'].line(s.readonly, vim.log.levels.ERROR) end
  local trimmed = H.trimmed(s, spans)
  if #trimmed == 0 then return R['stance.notify'].warn('nothing to annotate there (only white space)') end
  if not fields then
    local schema = s.corpus:schema()
    local extra = not H.preset and H.lazy_span_choices(s, trimmed, origin, schema) or nil
    fields = R['stance.editor.prompt'].label(schema, H.preset, extra, nil, s.rel)
    if not fields then return end
    local nav = R['stance.editor.nav']
    if fields.resize then
      H.fields = nil -- `.` asks again
      local rec = H.which(s, fields.resize)
      return rec and M.resize(s, rec, trimmed)
    elseif fields.add_to then
      H.fields = nil
      local rec = nav.pick_record(s, fields.add_to, 'add to')
      return rec and R['stance.editor.spans_edit'].add(s, rec, trimmed)
    elseif fields.take_from then
      H.fields = nil
      local rec = nav.pick_record(s, fields.take_from, 'take out of')
      return rec and R['stance.editor.spans_edit'].remove(s, rec, trimmed)
    end
  end
  H.fields = fields
  local rec, aerr = R['stance.editor.ops'].create(s, trimmed, fields)
  if not rec then return R['stance.notify'].line(aerr, vim.log.levels.ERROR) end
  R['stance.editor.spans_edit'].remember(s, rec.id)
  return rec
end

--- 'operatorfunc': called by g@ with the kind of motion.
---@param kind string "char", "line" or "block"
function M.opfunc(kind)
  local fields = nil
  if not H.fresh then fields = H.fields end -- `.`: the same label again
  local origin = H.fresh and H.origin or nil
  H.fresh = false
  annotate(M.region(0, '[', ']', kind), fields, origin)
end

--- The `gs` mapping (an expression mapping): start the operator.
---@return string
function M.start(preset)
  H.fresh = true
  H.preset = preset
  H.origin = vim.api.nvim_win_get_cursor(0) -- (made an offset only if asked: H.resizable)
  H.set_opfunc()
  return 'g@'
end

--- `gss`: the current line (and count - 1 more).
---@return string
function M.line()
  H.fresh = true
  H.preset = nil
  H.origin = vim.api.nvim_win_get_cursor(0)
  H.set_opfunc()
  return 'g@_'
end

--- `gs` in visual mode.
function M.visual()
  local mode = vim.fn.mode()
  local origin = where.cursor()
  vim.cmd('normal! \27') -- leave visual mode: sets '< and '>
  H.fresh = false
  H.preset = nil
  local rec = annotate(M.region(0, '<', '>', mode), nil, origin)
  -- `.` after a visual annotate works on a motion, with the same label
  if rec then H.set_opfunc() end
end

--- The fields of `:Stance annotate LABEL [VALUE ...] [FIELD=VALUE ...]`: each VALUE is the
--- name of a target, stance or role of the schema (the first kind that has it; without a
--- schema, the first is the target); FIELD is target, stance, role or note. Or nil and an
--- error.
function H.command_fields(args, schema)
  local fields = { label = args[1] }
  local usage = ':Stance annotate LABEL [TARGET|STANCE|ROLE ...] [FIELD=VALUE ...]'
  for i = 2, #args do
    local k, v = args[i]:match('^(%w+)=(.*)$')
    if k then
      if not ({ target = true, stance = true, role = true, note = true })[k] then
        return nil, ("cannot set '%s' (target, stance, role, note)"):format(k)
      end
      fields[k] = v
    else
      local kind = nil
      for _, f in ipairs({ 'target', 'stance', 'role' }) do
        if not kind and schema and schema.by[f][args[i]] and fields[f] == nil then kind = f end
      end
      if not kind and not schema and fields.target == nil then kind = 'target' end
      if not kind then return nil, ("'%s' is no target, stance or role of the schema (%s)"):format(args[i], usage) end
      fields[kind] = args[i]
    end
  end
  return fields
end

--- :[range]Stance annotate [LABEL [VALUE ...] [FIELD=VALUE ...]]: the lines of the range, or
--- the visual selection when the command was typed from it. What the label asks for and
--- the command does not give is asked for.
---@param args string[]
---@param cmd table
function M.command(args, cmd)
  local s, serr = R['stance.editor.session'].current()
  if not s then return R['stance.notify'].error(serr) end
  if s.readonly then return R['stance.notify'].line(s.readonly, vim.log.levels.ERROR) end
  local fields = nil
  if args[1] then
    local err
    fields, err = H.command_fields(args, s.corpus:schema())
    if not fields then return R['stance.notify'].error(err) end
    fields = R['stance.editor.prompt'].label(s.corpus:schema(), fields, nil, nil, s.rel)
    if not fields then return end
  end
  annotate(M.command_region(cmd), fields)
end

--- The byte spans a command means: the visual selection when it was typed from one, else
--- the lines of its range (the cursor's line without one).
---@param cmd table
---@return integer[][]
function M.command_region(cmd)
  local vmode = vim.fn.visualmode()
  local vs, ve = vim.api.nvim_buf_get_mark(0, '<'), vim.api.nvim_buf_get_mark(0, '>')
  if cmd.range == 2 and vs[1] == cmd.line1 and ve[1] == cmd.line2 and vmode ~= '' and vmode ~= 'V' then
    return M.region(0, '<', '>', vmode)
  end
  local l1, l2 = cmd.line1, cmd.line2
  if cmd.range == 0 then l1, l2 = vim.fn.line('.'), vim.fn.line('.') end
  local last = vim.api.nvim_buf_get_lines(0, l2 - 1, l2, false)[1] or ''
  return { { where.offset(0, l1 - 1, 0), where.offset(0, l2 - 1, #last) } }
end

--- :[range]Stance edit spans [add|remove]: the range (or the visual selection it was typed
--- from) becomes the spans of the annotation under the cursor, else of the one the range
--- overlaps; with `add`, another span of one (stance.editor.spans_edit); with `remove`, taken
--- out of one.
---@param cmd table
---@param how string|nil nil, "add" or "remove"
function M.edit_spans(cmd, how)
  local s, err = R['stance.editor.session'].current()
  if not s then return R['stance.notify'].error(err) end
  if how and how ~= 'add' and how ~= 'remove' then
    return R['stance.notify'].error(("usage: :'<,'>Stance edit spans [add|remove] (not '%s')"):format(how))
  end
  if cmd.range == 0 then
    return R['stance.notify'].error(("which text? select it, then :'<,'>Stance edit spans%s (or gs over a motion)")
      :format(how and (' ' .. how) or ''))
  end
  local spans = H.trimmed(s, M.command_region(cmd))
  if how then return R['stance.editor.spans_edit'].command(how, spans) end
  if #spans == 0 then return R['stance.notify'].warn('nothing there (only white space)') end
  local recs = H.resizable(s, spans, where.cursor())
  if #recs == 0 then
    return R['stance.notify'].error('no annotation under the cursor or in the range to resize')
  end
  local rec = H.which(s, recs)
  return rec and M.resize(s, rec, spans)
end

return M
