--- Side windows of text that the plugin shows beside the document (`:Stance legend`,
--- `:Stance summary`): a vertical split at the right, as wide as its longest line (within
--- the width it may take), read-only, wiped when closed, `q` closes it; :q in the document
--- closes them with it when no other window is left. Their lines wrap (at blanks, the rows
--- after the first indented), whatever their width: a window opened beside one later (the
--- summary beside the legend) makes it narrower, and its lines were cut at its edge.
local M = {}
local H = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

--- The cells the widest of `lines` takes.
---@param lines string[]
---@return integer
function M.width(lines)
  local w = 0
  for _, l in ipairs(lines) do
    w = math.max(w, vim.fn.strdisplaywidth(l))
  end
  return w
end

--- Open `lines` in a new window at the right of the screen, `max` cells wide at most (with
--- 'wrap': nothing is cut off, also when another window narrows it later). The cursor goes there with `enter`, else
--- stays in the current window.
---@param lines string[]
---@param name string the buffer's name
---@param max integer
---@param what string what it is, for the mapping of `q`
---@param enter boolean|nil
---@return integer buf
---@return integer win
function M.open(lines, name, max, what, enter)
  local here = vim.api.nvim_get_current_win()
  vim.cmd('botright vsplit')
  local win = vim.api.nvim_get_current_win()
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_win_set_buf(win, buf)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  pcall(vim.api.nvim_buf_set_name, buf, name)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].modifiable = false
  local need = M.width(lines) + 1 -- a column to spare: the end of the longest line stays clear
  H.dress(win, what, true, math.max(1, math.min(need, max)))
  vim.keymap.set('n', 'q', '<Cmd>close<CR>', { buffer = buf, desc = 'stance: close the ' .. what })
  H.on_quit()
  if not enter then vim.api.nvim_set_current_win(here) end
  return buf, win
end

--- The options of side window `win` (of kind `what`), `width` cells wide, wrapping or not.
function H.dress(win, what, wrap, width)
  local wo = vim.wo[win]
  wo.number, wo.relativenumber, wo.signcolumn, wo.foldcolumn = false, false, 'no', '0'
  if vim.fn.exists('+statuscolumn') == 1 then wo.statuscolumn = '' end
  wo.wrap = wrap
  -- wrapped at blanks, the rows after the first under the line's text ("  7 name  what": 4 in)
  wo.linebreak, wo.breakindent, wo.breakindentopt = true, true, 'shift:4'
  vim.api.nvim_win_set_width(win, width)
  vim.api.nvim_win_set_var(win, 'stance_panel', what)
end

--- Whether window `win` is one of these side windows.
---@param win integer
---@return boolean
function M.is_panel(win)
  local ok, what = pcall(vim.api.nvim_win_get_var, win, 'stance_panel')
  return ok and what ~= nil
end

--- :q (:wq, :x, ZZ, ZQ, :qa) in the last window that is not a side window of ours closes those
--- first: the legend is never left alone at full width, and Neovim quits when it was the last.
--- Whether the quit will go ahead is decided before anything is closed (stance.editor.quit_check,
--- from the command line and the conditions of E37/E162): a quit that Neovim will refuse closes
--- nothing, so no frame is drawn without them. Only when that cannot be known (ZQ, ZZ, a
--- mapping or a script, with a buffer changed somewhere) are they closed with their buffers kept,
--- and put back as they were (H.restore) when the quit did not happen.
function H.on_quit()
  if H.quit_set then return end
  H.quit_set = true
  local group = vim.api.nvim_create_augroup('stance_panel', { clear = true })
  vim.api.nvim_create_autocmd('CmdlineLeave', { group = group, pattern = ':',
    callback = function() require('stance.editor.quit_check').cmdline_leave() end })
  vim.api.nvim_create_autocmd('QuitPre', {
    group = group,
    callback = function()
      local cur = vim.api.nvim_get_current_win()
      if M.is_panel(cur) then return end
      local panels = {}
      for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
        if win ~= cur and vim.api.nvim_win_get_config(win).relative == '' then
          if not M.is_panel(win) then return end
          panels[#panels + 1] = win
        end
      end
      if #panels == 0 or require('stance.editor.quit_check').will_quit(cur) == false then return end
      local closed = {}
      for _, win in ipairs(panels) do -- all measured before any is closed
        local buf = vim.api.nvim_win_get_buf(win)
        closed[#closed + 1] = { buf = buf, width = vim.api.nvim_win_get_width(win), wrap = vim.wo[win].wrap,
          what = vim.api.nvim_win_get_var(win, 'stance_panel'), bufhidden = vim.bo[buf].bufhidden }
      end
      for i, win in ipairs(panels) do
        vim.bo[closed[i].buf].bufhidden = 'hide' -- kept until the quit is known to have happened
        pcall(vim.api.nvim_win_close, win, true)
      end
      H.pending = { win = cur, closed = closed }
      vim.schedule(H.restore)
    end,
  })
end

--- After a QuitPre that closed the side windows: the quit did not happen when its window is
--- still there; they are opened again, in their order, as wide as they were.
function H.restore()
  local p = H.pending
  H.pending = nil
  if not p then return end
  local back = vim.api.nvim_win_is_valid(p.win)
  local here = back and vim.api.nvim_get_current_win()
  for _, c in ipairs(p.closed) do
    if vim.api.nvim_buf_is_valid(c.buf) then
      if back and #vim.fn.win_findbuf(c.buf) == 0 then
        vim.cmd('noautocmd botright vsplit')
        local win = vim.api.nvim_get_current_win()
        vim.api.nvim_win_set_buf(win, c.buf)
        H.dress(win, c.what, c.wrap, c.width)
        vim.bo[c.buf].bufhidden = c.bufhidden
      elseif not back then
        pcall(vim.api.nvim_buf_delete, c.buf, { force = true }) -- its tab page closed: wiped, as a close does
      else
        vim.bo[c.buf].bufhidden = c.bufhidden
      end
    end
  end
  -- as wide as they were, once all are there (each split took from the ones opened before)
  for _ = 1, 2 do
    for _, c in ipairs(back and p.closed or {}) do
      local win = vim.fn.bufwinid(c.buf)
      if win > 0 then vim.api.nvim_win_set_width(win, c.width) end
    end
  end
  if here and vim.api.nvim_win_is_valid(here) then vim.api.nvim_set_current_win(here) end
end

return M
