--- Positions in a buffer: byte offsets (what the store holds) and (row, col) (what Neovim
--- shows), and the annotations under the cursor.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = { sizes = setmetatable({}, { __mode = 'k' }) }

--- (row, col), both 0-based, of byte offset `off` of `buf`.
---@return integer row
---@return integer col
function M.pos(buf, off)
  local api = vim.api
  -- in the current buffer, Neovim finds the row in one call (byte2line), where a search of
  -- rows by their offsets makes ~17 calls on 100k rows. byte2line counts a line break as
  -- 'fileformat' does (two bytes in "dos"), buffer offsets one byte each: in "dos" its row is
  -- taken only when the offsets of that row and the next confirm it.
  if buf == 0 or buf == api.nvim_get_current_buf() then
    local row = vim.fn.byte2line(off + 1) - 1
    if row >= 0 then
      local start = api.nvim_buf_get_offset(buf, row)
      if start <= off and (require('stance.compat').buf_option(buf, 'fileformat') ~= 'dos'
          or row + 1 >= api.nvim_buf_line_count(buf) or api.nvim_buf_get_offset(buf, row + 1) > off) then
        return row, off - start
      end
    end
  end
  local lines = api.nvim_buf_line_count(buf)
  local lo, hi = 0, lines
  -- the last row whose start is <= off
  while hi - lo > 1 do
    local mid = math.floor((lo + hi) / 2)
    if api.nvim_buf_get_offset(buf, mid) <= off then lo = mid else hi = mid end
  end
  return lo, off - api.nvim_buf_get_offset(buf, lo)
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
  return vim.api.nvim_buf_get_offset(buf, row) + col
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
  local session = require('stance.editor.session')
  local s, err = session.current()
  if not s then return nil, err end
  local layer = require('stance.editor.render').layer_of(s)
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
