--- The corpus's sentences in the buffer: the units that export, agreement and the model
--- count (the C splitter, which knows "U.S." and "Mr." and quotes), found paragraph by
--- paragraph around the cursor, so that `gsis` annotates exactly one analysis unit. They
--- serve the sentence text objects (`is`, `as`), the sentence motions (`)`, `(`) and the
--- motions to the next sentence without a stance (`]u`, `[u`, :Stance next-unannotated).
--- With the schema's `unit line` (one post per line) a unit is a line: each line is its own
--- "paragraph", never crossed.
local M = {}
local H = { cache = {} }

local where = require('stance.editor.where')

local CHUNK = 256 -- lines read at once while looking for a paragraph's ends

--- A blank line ends a paragraph (as for the C splitter: only spaces, tabs, carriage returns).
function H.blank(line)
  return line:find('[^ \t\r]') == nil
end

--- The rows [r1, r2] (0-based) of the paragraph that holds `row`, or nil when it is blank.
function H.paragraph(buf, row)
  local count = vim.api.nvim_buf_line_count(buf)
  if row < 0 or row >= count then return nil end
  if H.blank(vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or '') then return nil end
  local r1, r2 = row, row
  while r1 > 0 do
    local from = math.max(0, r1 - CHUNK)
    local lines = vim.api.nvim_buf_get_lines(buf, from, r1, false)
    local stop = nil
    for i = #lines, 1, -1 do
      if H.blank(lines[i]) then
        stop = from + i
        break
      end
    end
    if stop then
      r1 = stop
      break
    end
    r1 = from
  end
  while r2 < count - 1 do
    local to = math.min(count, r2 + 1 + CHUNK)
    local lines = vim.api.nvim_buf_get_lines(buf, r2 + 1, to, false)
    local stop = nil
    for i, l in ipairs(lines) do
      if H.blank(l) then
        stop = r2 + i - 1
        break
      end
    end
    if stop then
      r2 = stop
      break
    end
    r2 = to - 1
  end
  return r1, r2
end

--- The next (or previous, `back`) row from `row` on that is not blank, or nil.
function H.non_blank(buf, row, back)
  local count = vim.api.nvim_buf_line_count(buf)
  while row >= 0 and row < count do
    local from, to = row, math.min(count, row + CHUNK)
    if back then from, to = math.max(0, row - CHUNK + 1), row + 1 end
    local lines = vim.api.nvim_buf_get_lines(buf, from, to, false)
    local first, last, step = 1, #lines, 1
    if back then first, last, step = #lines, 1, -1 end
    for i = first, last, step do
      if not H.blank(lines[i]) then return from + i - 1 end
    end
    row = back and from - 1 or to
  end
  return nil
end

--- The corpus's unit for the buffer: 'sentence' or 'line' (stance.Corpus.unit).
function H.unit(buf)
  local s = require('stance.editor.session').get(buf)
  return s and s.corpus and s.corpus:unit() or 'sentence'
end

--- The sentences of the paragraph of rows [r1, r2]: a list of {start, stop} (buffer bytes).
function H.split(buf, r1, r2, unit)
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local c = H.cache[buf]
  if c and c.tick == tick and c.r1 == r1 and c.r2 == r2 and c.unit == unit then return c.list end
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, r1, r2 + 1, false), '\n')
  local base = vim.api.nvim_buf_get_offset(buf, r1)
  local list = {}
  for i, sp in ipairs(require('stance.core').text(text):sentences(unit)) do
    list[i] = { base + sp.start, base + sp.stop }
  end
  H.cache[buf] = { tick = tick, r1 = r1, r2 = r2, unit = unit, list = list }
  return list
end

--- The sentences of the paragraph at or after (before, `back`) row `row`, and its rows.
function H.paragraph_from(buf, row, back)
  local r = H.non_blank(buf, row, back)
  if not r then return nil end
  local unit = H.unit(buf)
  local r1, r2
  if unit == 'line' then
    r1, r2 = r, r -- a line is its own unit: never joined to the next
  else
    r1, r2 = H.paragraph(buf, r)
  end
  return H.split(buf, r1, r2, unit), r1, r2
end

--- The sentences of the buffer from byte `off` on (back: before it, last first), one
--- paragraph at a time: an iterator of {start, stop}.
---@param buf integer
---@param off integer
---@param back boolean|nil
function M.iter(buf, off, back)
  local row = where.pos(buf, off)
  local list, r1, r2 = H.paragraph_from(buf, row, back)
  local i = 0
  if list and back then i = #list + 1 end
  return function()
    while list do
      i = i + (back and -1 or 1)
      local sp = list[i]
      if sp then
        if (back and sp[1] < off) or (not back and sp[2] > off) then return sp end
      else
        if back then
          list, r1, r2 = H.paragraph_from(buf, r1 - 1, true)
          i = list and #list + 1 or 0
        else
          list, r1, r2 = H.paragraph_from(buf, r2 + 1, false)
          i = 0
        end
      end
    end
    return nil
  end
end

--- The sentence that holds byte `off` (or, in the white space between two, the next one;
--- after the last, the last one), or nil when the buffer has none.
---@return integer[]|nil {start, stop}
function M.at(buf, off)
  local nxt = M.iter(buf, off)()
  if nxt then return nxt end
  return M.iter(buf, off, true)()
end

--- `is` / `as` (count sentences, in operator-pending or visual mode): the sentence under the
--- cursor, `as` with the white space after it (before it, for the last of a paragraph).
---@param around boolean
function M.select(around)
  local buf = vim.api.nvim_get_current_buf()
  local count = math.max(vim.v.count1, 1)
  local off = where.cursor()
  local mode = vim.fn.mode()
  local a = nil
  if mode == 'v' then
    -- an existing selection grows by a sentence
    local v = vim.fn.getpos('v')
    local vstart = where.offset(buf, v[2] - 1, v[3] - 1)
    if vstart ~= off then
      a = math.min(vstart, off)
      off = math.max(vstart, off) + 1
    end
  end
  local it = M.iter(buf, off)
  local first = it()
  if not first then
    first = M.iter(buf, off, true)()
    if not first then return end
  end
  local last = first
  for _ = 2, count do
    last = it() or last
  end
  local b = last[2]
  a = a or first[1]
  if around then
    -- the white space up to the next sentence of the paragraph (rows one apart at most: a
    -- blank row between them would end it), else back to the previous one
    local after = it()
    if after and where.pos(buf, after[1]) - where.pos(buf, b) <= 1 then
      b = after[1]
    else
      local before = M.iter(buf, a, true)()
      if before and where.pos(buf, a) - where.pos(buf, before[2]) <= 1 then a = before[2] end
    end
  end
  where.select(a, b)
end

--- Move the cursor to the start of the `count`-th next sentence (`back`: the start of this
--- one, or of the one before): the `)` and `(` motions.
---@param back boolean
function M.move(back)
  local buf = vim.api.nvim_get_current_buf()
  local off = where.cursor()
  local target = nil
  for _ = 1, math.max(vim.v.count1, 1) do
    local sp
    if back then
      sp = M.iter(buf, off, true)()
    else
      local it = M.iter(buf, off)
      sp = it()
      if sp and sp[1] <= off then sp = it() end
    end
    if not sp then break end
    target, off = sp[1], sp[1]
  end
  if not target then
    if back then return where.jump(0) end
    -- after the last sentence: the end of the buffer, as Vim's `)` goes
    local last = vim.api.nvim_buf_line_count(buf) - 1
    local line = vim.api.nvim_buf_get_lines(buf, last, last + 1, false)[1] or ''
    vim.api.nvim_win_set_cursor(0, { last + 1, math.max(0, #line - 1) })
    return where.open_folds('block')
  end
  where.jump(target)
end

--- Whether annotations of `store` give sentence [a, b) a stance (toward `target`, when given):
--- a span of one counts for it by the rule of agreement and exports (stance.agreement.items
--- .counts: it overlaps the sentence by at least half of the shorter of the two), so `]u`
--- stops where they count no stance.
function M.has_stance(store, a, b, target)
  local n, slots, starts, stops = store:spans(a, b)
  local counts = require('stance.agreement.items').counts
  for i = 1, n do
    if counts(starts[i], stops[i], a, b) then
      local rec = store:at(slots[i])
      if rec and rec.kind == 'annotation' and rec.stance and not rec.orphan
        and (target == nil or rec.target == target) then
        return true
      end
    end
  end
  return false
end

--- The start of the `count`-th next (previous) sentence without a stance (toward `target`),
--- or nil.
---@param s stance.Session
---@param off integer
---@param back boolean
---@param target string|nil
---@param count integer|nil
---@param here boolean|nil a sentence starting at `off` counts (the first one, from 1,1)
---@return integer|nil
function M.unannotated(s, off, back, target, count, here)
  for sp in M.iter(s.buf, off, back) do
    if (sp[1] ~= off or here) and not M.has_stance(s.store, sp[1], sp[2], target) then
      count = (count or 1) - 1
      if count <= 0 then return sp[1] end
    end
  end
  return nil
end

--- `]u`, `[u`, :Stance next-unannotated [TARGET]: to the next (previous) sentence that has no
--- stance (toward TARGET) yet.
---@param back boolean
---@param target string|nil
---@param count integer|nil
function M.jump_unannotated(back, target, count)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  if target then
    local schema = s.corpus:schema()
    if schema and next(schema.by.target) and not schema.by.target[target] then
      return require('stance.notify').error(("unknown target '%s'"):format(target))
    end
    if not require('stance.schema').in_scope(schema, target, s.rel) then
      return require('stance.compat').echo(("not one of %s's documents (the schema's `documents`)"):format(target))
    end
  end
  local from = where.cursor()
  -- from the first line's first column (a document just opened), the sentence starting there
  -- (a headline) is the next one, until a ]u or [u has landed there (H.at_start)
  local here = not back and from == 0 and H.at_start[s.buf] == nil
  local off = M.unannotated(s, from, back, target, count or vim.v.count1, here)
  if not off then
    return require('stance.compat').echo(('every sentence %s the cursor has a stance%s'):format(
      back and 'before' or 'after', target and (' toward ' .. target) or ''))
  end
  vim.cmd("normal! m'")
  where.jump(off)
  if off == 0 then H.landed_at_start(s.buf, from ~= 0) end
  return off
end

--- Buffers where ]u or [u landed on the first sentence at 1,1: the next ]u goes on from
--- there (it does not stay) until the cursor moves.
H.at_start = {}

--- A jump landed at 1,1 of `buf` (`moved`: from elsewhere, so that Neovim will see the
--- cursor move once for the jump itself): forgotten when the cursor moves after it.
function H.landed_at_start(buf, moved)
  H.at_start[buf] = moved and 'moving' or 'here'
  local group = vim.api.nvim_create_augroup('stance_unannotated_' .. buf, { clear = true })
  vim.api.nvim_create_autocmd({ 'CursorMoved', 'BufLeave' }, { group = group, buffer = buf, callback = function()
    if H.at_start[buf] == 'moving' then
      H.at_start[buf] = 'here'
      return
    end
    H.at_start[buf] = nil
    return true -- the autocommand is removed
  end })
end

return M
