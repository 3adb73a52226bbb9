--- Positions in a buffer: byte offsets (what the store holds) and (row, col) (what Neovim
--- shows), and the annotations under the cursor.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

--- (row, col), both 0-based, of byte offset `off` of `buf`.
---@return integer row
---@return integer col
function M.pos(buf, off)
  local lines = vim.api.nvim_buf_line_count(buf)
  local lo, hi = 0, lines
  -- the last row whose start is <= off
  while hi - lo > 1 do
    local mid = math.floor((lo + hi) / 2)
    if vim.api.nvim_buf_get_offset(buf, mid) <= off then lo = mid else hi = mid end
  end
  return lo, off - vim.api.nvim_buf_get_offset(buf, lo)
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

--- Put the cursor of the current window on byte offset `off`.
function M.jump(off)
  local row, col = M.pos(0, off)
  vim.api.nvim_win_set_cursor(0, { row + 1, col })
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
    return a.start > b.start
  end)
  return hits
end

--- The session of the current buffer and the innermost annotation under the cursor (or a
--- message saying why there is none).
---@return stance.Session|nil
---@return table|string record, or the error
function M.annotation_here()
  local session = require('stance.editor.session')
  local s, err = session.current()
  if not s then return nil, err end
  local layer = require('stance.editor.render').layer_of(s)
  if not layer.own then
    return nil, ("this window shows %s's layer, which is read, never written here (gK inspects it)"):format(layer.name)
  end
  local hits = M.under(s.store, M.cursor())
  if #hits == 0 then return nil, 'no annotation under the cursor' end
  return s, s.store:get(hits[1].id)
end

return M
