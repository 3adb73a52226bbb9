--- The annotate operator (`gs` by default): over any motion or text object (`gsis` the
--- sentence, `gsip` the paragraph, `gs$`), over a visual selection (blockwise: one span per
--- line, a discontinuous annotation), over lines (`gss`, with a count), and `:Stance annotate`
--- over a range. Asks for the label with one key; `.` repeats with the same label.
local M = {}
local H = { fresh = false, fields = nil, preset = nil }

local where = require('stance.editor.where')

local OPFUNC = "v:lua.require'stance.editor.operator'.opfunc"

--- Byte spans of the region between marks `m1` and `m2` (e.g. "[" and "]") for `kind`
--- ("char", "line", "block"; or "v", "V", CTRL-V).
function M.region(buf, m1, m2, kind)
  local p1 = vim.api.nvim_buf_get_mark(buf, m1)
  local p2 = vim.api.nvim_buf_get_mark(buf, m2)
  local r1, c1, r2, c2 = p1[1] - 1, p1[2], p2[1] - 1, p2[2]
  if r2 < r1 or (r2 == r1 and c2 < c1) then r1, c1, r2, c2 = r2, c2, r1, c1 end
  local lines = vim.api.nvim_buf_get_lines(buf, r1, r2 + 1, false)
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

--- Annotate `spans` (buffer bytes, trimmed of white space) in the current buffer.
local function annotate(spans, fields)
  local session = require('stance.editor.session')
  local s, err = session.current()
  if not s then return require('stance.notify').error(err) end
  local ops = require('stance.editor.ops')
  local trimmed = {}
  for _, sp in ipairs(spans) do
    local a, b = ops.trim(s.buf, sp[1], sp[2])
    if b > a then trimmed[#trimmed + 1] = { a, b } end
  end
  if #trimmed == 0 then return require('stance.notify').warn('nothing to annotate there (only white space)') end
  if not fields then
    fields = require('stance.editor.prompt').label(s.corpus:schema(), H.preset)
    if not fields then return end
  end
  H.fields = fields
  local rec, aerr = ops.create(s, trimmed, fields)
  if not rec then return require('stance.notify').error(aerr) end
  return rec
end

--- 'operatorfunc': called by g@ with the kind of motion.
---@param kind string "char", "line" or "block"
function M.opfunc(kind)
  local fields = nil
  if not H.fresh then fields = H.fields end -- `.`: the same label again
  H.fresh = false
  annotate(M.region(0, '[', ']', kind), fields)
end

--- The `gs` mapping (an expression mapping): start the operator.
---@return string
function M.start(preset)
  H.fresh = true
  H.preset = preset
  vim.o.operatorfunc = OPFUNC
  return 'g@'
end

--- `gss`: the current line (and count - 1 more).
---@return string
function M.line()
  H.fresh = true
  H.preset = nil
  vim.o.operatorfunc = OPFUNC
  return 'g@_'
end

--- `gs` in visual mode.
function M.visual()
  local mode = vim.fn.mode()
  vim.cmd('normal! \27') -- leave visual mode: sets '< and '>
  H.fresh = false
  H.preset = nil
  local rec = annotate(M.region(0, '<', '>', mode), nil)
  -- `.` after a visual annotate works on a motion, with the same label
  if rec then vim.o.operatorfunc = OPFUNC end
end

--- :[range]Stance annotate [label] [target]: the lines of the range, or the visual selection
--- when the command was typed from it.
---@param args string[]
---@param cmd table
function M.command(args, cmd)
  local fields = nil
  if args[1] then
    fields = { label = args[1], target = args[2] }
    local s = require('stance.editor.session').get()
    local schema = s and s.corpus:schema()
    local entry = schema and schema.by.label[args[1]]
    if entry and entry.ask and not args[2] then
      fields = require('stance.editor.prompt').label(schema, { label = args[1] })
      if not fields then return end
    end
  end
  local spans
  local vmode = vim.fn.visualmode()
  local vs, ve = vim.api.nvim_buf_get_mark(0, '<'), vim.api.nvim_buf_get_mark(0, '>')
  if cmd.range == 2 and vs[1] == cmd.line1 and ve[1] == cmd.line2 and vmode ~= '' and vmode ~= 'V' then
    spans = M.region(0, '<', '>', vmode)
  else
    local l1, l2 = cmd.line1, cmd.line2
    if cmd.range == 0 then l1, l2 = vim.fn.line('.'), vim.fn.line('.') end
    local last = vim.api.nvim_buf_get_lines(0, l2 - 1, l2, false)[1] or ''
    spans = { { where.offset(0, l1 - 1, 0), where.offset(0, l2 - 1, #last) } }
  end
  annotate(spans, fields)
end

return M
