--- What a quit about to happen (QuitPre) will do: go ahead or be refused by Neovim (E37,
--- E162), decided before anything is closed, from the command line that runs it and the
--- conditions Neovim checks after QuitPre (ex_quit, ex_quit_all, ex_exit: a buffer changed
--- without !, 'hidden', other windows and tab pages, hidden buffers changed even with !).
--- When it cannot be known (ZZ, ZQ, a <Cmd> mapping or a script with changes somewhere,
--- 'confirm', 'autowriteall', more files in the argument list) it says so (nil).
local M = {}
local H = {}

--- Commands by the shortest names Neovim takes for them.
M.QUIT = { q = 'quit' }
M.QUIT_ALL = { qa = 'qall', quita = 'quitall' }
M.EXIT = { wq = 'wq', x = 'xit', exi = 'exit' }
M.WRITE_ALL = { wa = 'wall', wqa = 'wqall', xa = 'xall' }
H.MODIFIERS = { sil = 'silent', conf = 'confirm', keepa = 'keepalt', noa = 'noautocmd', uns = 'unsilent',
  verb = 'verbose', keepj = 'keepjumps', lockm = 'lockmarks', keepp = 'keeppatterns' }

--- Whether `word` is a name of the command of shortest name `short` and full name `full`.
---@param word string
---@param short string
---@param full string
---@return boolean
function M.is(word, short, full)
  return #word >= #short and full:sub(1, #word) == word
end

--- Whether `word` names one of the commands of `set` (one of the tables above).
---@param word string
---@param set table<string, string>
---@return boolean
function M.one_of(word, set)
  for short, full in pairs(set) do
    if M.is(word, short, full) then return true end
  end
  return false
end

---@class stance.ExCommand
---@field name string the command as typed (`q`, `wqa`)
---@field bang boolean
---@field plain boolean no range or count before it, no :confirm before it

--- The commands of an Ex command line (modifiers left out; "|" separates them, as it does
--- for these commands).
---@param line string
---@return stance.ExCommand[]
function M.commands(line)
  local out = {}
  for piece in (line .. '|'):gmatch('([^|]*)|') do
    local rest = piece:gsub('^[%s:]+', '')
    local plain = true
    for _ = 1, 8 do -- modifiers: `silent! qa!`
      local w, tail = rest:match('^(%a+)!?%s+(.*)$')
      local mod = false
      for short, full in pairs(H.MODIFIERS) do
        if w and M.is(w, short, full) then
          mod = true
          if full == 'confirm' then plain = false end
        end
      end
      if not mod then break end
      rest = tail
    end
    local name, bang, after = rest:match('^(%a+)(!?)%s*(.*)$')
    if name then
      out[#out + 1] = { name = name, bang = bang == '!', plain = plain and after == '' }
    elseif rest:match('%S') then
      out[#out + 1] = { name = '', bang = false, plain = false } -- a range, a count: `2q`
    end
  end
  return out
end

--- CmdlineLeave of ":": the command line about to run, known to M.will_quit until the loop
--- turns (a quit from it runs before).
function M.cmdline_leave()
  local ev = vim.v.event
  if type(ev) ~= 'table' or ev.abort or ev.cmdtype ~= ':' then return end
  H.line = vim.fn.getcmdline()
  vim.schedule(function() H.line = nil end)
end

--- Whether Neovim counts buffer `buf` as changed (bufIsChanged: never a scratch buffer).
function H.changed(buf)
  if not vim.api.nvim_buf_is_loaded(buf) or not vim.bo[buf].modified then return false end
  local bt = vim.bo[buf].buftype
  return bt ~= 'nofile' and bt ~= 'terminal' and bt ~= 'prompt'
end

--- Whether buffer `buf` may be left hidden (buf_hide()).
function H.hides(buf)
  local bh = vim.bo[buf].bufhidden
  if bh == 'hide' then return true end
  if bh ~= '' then return false end
  return vim.o.hidden
end

--- The buffers changed: all of them, and those shown in no window (but `except`).
function H.changes(except)
  local any, hidden = false, false
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if H.changed(b) then
      any = true
      if b ~= except and #vim.fn.win_findbuf(b) == 0 then hidden = true end
    end
  end
  return any, hidden
end

--- Would the quit whose QuitPre runs now, in window `win`, go ahead once the other windows of
--- its tab page (side windows only) are closed? true: it goes ahead (close them); false: Neovim
--- refuses it with them open too (close nothing); nil: it cannot be known here, or Neovim
--- refuses it only in the last window (a buffer in no window changed: E162 after :q!, :wq).
--- A `:q` without ! of a changed buffer that 'hidden' would let go, in the only tab page, is
--- made to refuse with E37 as in the last window (its 'bufhidden' "unload" until the loop
--- turns), not to close the window and leave the side windows alone; with another tab page
--- Neovim closes the window and keeps the buffer hidden, and so does this.
---@param win integer the current window, the one the quit closes
---@return boolean|nil
function M.will_quit(win)
  local cmds = H.line and M.commands(H.line) or {}
  local c = #cmds == 1 and cmds[1].plain and cmds[1] or nil
  local buf = vim.api.nvim_win_get_buf(win)
  local any, hidden = H.changes(buf)
  local more = vim.fn.argc() > 1 and vim.fn.argidx() < vim.fn.argc() - 1 -- E173 maybe
  if not c then
    if not any and not more then return true end -- whatever the command and its !
    return nil
  end
  local bang = c.bang
  if (any and (vim.o.confirm or vim.o.autowriteall)) or (more and not bang) then return nil end
  if M.one_of(c.name, M.QUIT_ALL) then return bang or not any end
  local quit, exit = M.one_of(c.name, M.QUIT), M.one_of(c.name, M.EXIT)
  if not quit and not exit then return nil end
  local tabs = #vim.api.nvim_list_tabpages()
  if quit and not bang and H.changed(buf) and #vim.fn.win_findbuf(buf) <= 1 then
    -- E37 (check_changed) whatever the windows when the buffer cannot be hidden; when 'hidden'
    -- lets it go, Neovim refuses only in the last window of the last tab page (ex_quit:
    -- only_one_window() then check_changed_any()), where this window is once the side windows
    -- are closed: refused so (E37, not E162) with them open too. With another tab page the
    -- window (its tab page) closes and the buffer stays hidden: that quit goes ahead.
    if not H.hides(buf) then return false end
    if tabs == 1 then
      H.unload_once(buf)
      return false
    end
  end
  if tabs > 1 then return true end -- the window closes, Neovim stays
  -- the last window: Neovim ends unless a buffer is changed (one in no window, even with !;
  -- :wq and :x wrote the current one before QuitPre)
  if (bang and hidden) or (not bang and any) then return nil end
  return true
end

--- Buffer `buf` not hidden by a quit until the loop turns ('bufhidden' "unload").
function H.unload_once(buf)
  local was = vim.bo[buf].bufhidden
  vim.bo[buf].bufhidden = 'unload'
  vim.schedule(function()
    if vim.api.nvim_buf_is_valid(buf) and vim.bo[buf].bufhidden == 'unload' then vim.bo[buf].bufhidden = was end
  end)
end

return M
