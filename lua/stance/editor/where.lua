--- Positions in a buffer: byte offsets (what the store holds) and (row, col) (what Neovim
--- shows), and the annotations under the cursor.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local R = require('stance.modules') -- (modules required at first use, kept)
local H = { sizes = setmetatable({}, { __mode = 'k' }), memo = {}, buffers = 0, MAX_ROWS = 256, RECENT = 8 }

--- Where rows of a buffer start (byte offsets), as asked of Neovim since its text last
--- changed (`b:changedtick`), with the lengths of the rows whose text was read: creating an
--- annotation asks the same two or three rows over and over (the operator's region, its
--- white space trimmed, the rows drawn again), and each answer walks Neovim's blocks of
--- lines, the more so the longer the document (in a 10 MB one: thousands of instructions a
--- call on Neovim 0.10+, a fifth of a keypress).
---@param buf integer a buffer number (not 0)
---@return table { tick, starts = {row -> offset}, lens = {row -> bytes}, recent = {row, ...} }
function H.rows(buf)
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local m = H.memo[buf]
  if not m or m.tick ~= tick or m.n > H.MAX_ROWS then
    if not m then -- (kept for a few buffers: those of wiped ones go)
      H.buffers = H.buffers + 1
      if H.buffers > 8 then H.memo, H.buffers = {}, 1 end
    end
    m = { tick = tick, starts = {}, lens = {}, texts = {}, recent = {}, n = 0 }
    H.memo[buf] = m
  end
  return m
end

--- Byte offset of the start of row `row` (0-based) of `buf`.
function H.start(buf, row)
  local m = H.rows(buf)
  local at = m.starts[row]
  if not at then
    at = vim.api.nvim_buf_get_offset(buf, row)
    m.starts[row], m.n = at, m.n + 1
  end
  return at
end

--- Note the text of rows `first`.. of `buf` (a list of lines, as read now), so that M.pos
--- finds offsets on them without asking Neovim.
---@param buf integer
---@param first integer 0-based row of lines[1]
---@param lines string[]
function M.remember(buf, first, lines)
  if buf == 0 then buf = vim.api.nvim_get_current_buf() end
  if #lines > H.MAX_ROWS then return end
  local m = H.rows(buf)
  for i, l in ipairs(lines) do
    H.know(m, first + i - 1, #l)
    m.texts[first + i - 1] = l
  end
end

--- The text of rows `first`..`last` of `buf` as one string (lines joined by "\n"): those
--- noted by M.remember since the text last changed (the operator's region, trimmed next),
--- else read now.
---@param buf integer
---@param first integer
---@param last integer
---@return string
function M.text(buf, first, last)
  if buf == 0 then buf = vim.api.nvim_get_current_buf() end
  local texts = H.rows(buf).texts
  if first == last and texts[first] then return texts[first] end
  local lines = {}
  for r = first, last do
    local l = texts[r]
    if not l then return table.concat(vim.api.nvim_buf_get_lines(buf, first, last + 1, false), '\n') end
    lines[#lines + 1] = l
  end
  return table.concat(lines, '\n')
end

--- Note the length of `row` in memo `m`, one of the rows M.pos looks at first (the last few
--- noted: those of the change being made).
function H.know(m, row, len)
  if m.lens[row] == nil then m.n = m.n + 1 end
  m.lens[row] = len
  local recent = m.recent
  for i = 1, #recent do
    if recent[i] == row then return end
  end
  table.insert(recent, 1, row)
  recent[H.RECENT + 1] = nil
end

--- (row, col), both 0-based, of byte offset `off` of `buf`.
---@return integer row
---@return integer col
function M.pos(buf, off)
  local api = vim.api
  if buf == 0 then buf = api.nvim_get_current_buf() end
  -- a row whose start and length are known since the text last changed
  local m = H.rows(buf)
  for _, r in ipairs(m.recent) do
    local start = m.starts[r]
    if start and start <= off and off <= start + m.lens[r] then return r, off - start end
  end
  -- in the current buffer, Neovim finds the row in one call (byte2line), where a search of
  -- rows by their offsets makes ~17 calls on 100k rows. byte2line counts a line break as
  -- 'fileformat' does (two bytes in "dos"), buffer offsets one byte each: its row is taken
  -- when its start and its length confirm it (always, unless "dos").
  if buf == api.nvim_get_current_buf() then
    local row = vim.fn.byte2line(off + 1) - 1
    if row >= 0 then
      local start = H.start(buf, row)
      local line = api.nvim_buf_get_lines(buf, row, row + 1, false)[1]
      if line and start <= off and off <= start + #line then
        H.know(m, row, #line)
        return row, off - start
      end
    end
  end
  local lines = api.nvim_buf_line_count(buf)
  local lo, hi = 0, lines
  -- the last row whose start is <= off
  while hi - lo > 1 do
    local mid = math.floor((lo + hi) / 2)
    if H.start(buf, mid) <= off then lo = mid else hi = mid end
  end
  return lo, off - H.start(buf, lo)
end

--- The size of `buf` in bytes (the offset after its last line), kept until its text changes:
--- Neovim counts it from its blocks of lines at each call (~3k instructions on 10 MB, as much
--- as the rest of a small API call), and creating one annotation asked three times.
---@param buf integer
---@return integer
function M.size(buf)
  local api = vim.api
  if buf == 0 then buf = api.nvim_get_current_buf() end
  local tick = api.nvim_buf_get_changedtick(buf)
  local c = H.sizes[buf]
  if c and c[1] == tick then return c[2] end
  local n = api.nvim_buf_get_offset(buf, api.nvim_buf_line_count(buf))
  H.sizes[buf] = { tick, n }
  return n
end

--- Byte offset of (row, col), 0-based.
function M.offset(buf, row, col)
  if buf == 0 then buf = vim.api.nvim_get_current_buf() end
  return H.start(buf, row) + col
end

--- Byte offset of the cursor of window `win` (default: current).
function M.cursor(win)
  win = win or 0
  local c = vim.api.nvim_win_get_cursor(win)
  return M.offset(vim.api.nvim_win_get_buf(win), c[1] - 1, c[2])
end

--- Open the folds at the cursor of window `win` (default: current) as Vim's own motions do:
--- when 'foldopen' has `flag` (or "all"), in Normal mode only (not for an operator, not in
--- Visual mode). A mapping bypasses 'foldopen' (see :help 'foldopen'), so our motions ask here.
---@param flag string  a 'foldopen' item: "block" for our motions, "quickfix" for list jumps
---@param win integer|nil
function M.open_folds(flag, win)
  if vim.api.nvim_get_mode().mode ~= 'n' then return end
  local fdo = ',' .. vim.o.foldopen .. ','
  if not (fdo:find(',' .. flag .. ',', 1, true) or fdo:find(',all,', 1, true)) then return end
  vim.api.nvim_win_call(win or 0, function()
    if vim.fn.foldclosed('.') ~= -1 then vim.cmd('normal! zv') end
  end)
end

--- Put the cursor of the current window on byte offset `off`; open the folds there per
--- 'foldopen' "block", as `]]`, `(`, `{` do.
function M.jump(off)
  local row, col = M.pos(0, off)
  vim.api.nvim_win_set_cursor(0, { row + 1, col })
  M.open_folds('block')
end

--- Select bytes [a, b) of the current buffer in characterwise visual mode (from any mode:
--- in operator-pending mode, the operator then works on it).
function M.select(a, b)
  local buf = vim.api.nvim_get_current_buf()
  local r1, c1 = M.pos(buf, a)
  local r2, c2 = M.pos(buf, b - 1)
  local line = vim.api.nvim_buf_get_lines(buf, r2, r2 + 1, false)[1] or ''
  -- the last character's first byte
  while c2 > 0 and (line:byte(c2 + 1) or 0) >= 0x80 and (line:byte(c2 + 1) or 0) < 0xC0 do
    c2 = c2 - 1
  end
  if vim.fn.mode():match('^[vV\22]') then vim.cmd('normal! \27') end
  vim.api.nvim_win_set_cursor(0, { r1 + 1, c1 })
  vim.cmd('normal! v')
  vim.api.nvim_win_set_cursor(0, { r2 + 1, c2 })
end

--- Bytes of the character that starts at byte `col` of `line` (1 at the end).
function M.char_len(line, col)
  local c = line:byte(col + 1)
  if not c then return 1 end
  if c >= 0xF0 then return 4 elseif c >= 0xE0 then return 3 elseif c >= 0xC0 then return 2 end
  return 1
end

--- Annotations of store `store` whose spans contain byte `off`, innermost (shortest) first:
--- a list of {id, span, start, stop}.
function M.under(store, off)
  local hits = store:query(off, off + 1)
  table.sort(hits, function(a, b)
    local la, lb = a.stop - a.start, b.stop - b.start
    if la ~= lb then return la < lb end
    if a.start ~= b.start then return a.start > b.start end
    -- the same words: in a fixed order (by ID, then ours before theirs)
    if a.id ~= b.id then return a.id < b.id end
    return (a.conflict or '') < (b.conflict or '')
  end)
  return hits
end

--- The record of a hit of `store:query()`: for a version of a merge conflict (both have
--- the hit's ID), that version.
---@param store table
---@param hit table {id, conflict?}
---@return table|nil record
function M.record(store, hit)
  return store:get(hit.id, hit.conflict)
end

--- The records of `store` whose spans contain byte `off`, innermost first, each once (both
--- versions of a merge conflict are two).
---@param store table
---@param off integer
---@return table[] records
function M.records_under(store, off)
  local out, seen = {}, {}
  for _, h in ipairs(M.under(store, off)) do
    local key = h.id .. '\0' .. (h.conflict or '')
    if not seen[key] then
      seen[key] = true
      out[#out + 1] = M.record(store, h)
    end
  end
  return out
end

--- The annotations under the cursor in the current window's own layer, innermost first, each
--- record once (both versions of a merge conflict are two), or a message saying why there
--- are none.
---@return stance.Session|nil
---@return table[]|string records, or the error
function M.annotations_here()
  local session = R['stance.editor.session']
  local s, err = session.current()
  if not s then return nil, err end
  local layer = R['stance.editor.render'].layer_of(s)
  if not layer.own then
    return nil, ("this window shows %s's layer, which is read, never written here (gK inspects it)"):format(layer.name)
  end
  local out = M.records_under(s.store, M.cursor())
  if #out == 0 then return nil, 'no annotation under the cursor' end
  return s, out
end

--- The session of the current buffer and the innermost annotation under the cursor (or a
--- message saying why there is none). A version of a merge conflict is refused (an
--- annotation in conflict is changed by keeping one version first).
---@return stance.Session|nil
---@return table|string record, or the error
function M.annotation_here()
  local s, recs = M.annotations_here()
  if not s then return nil, recs end
  local rec = recs[1]
  if rec.conflict then
    -- short: one line of the command line, no Press ENTER (:help stance-git says more)
    return nil, 'in conflict (ours/theirs of a merge): gX or :Stance keep ends it'
  end
  return s, rec
end

return M
