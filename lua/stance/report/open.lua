--- Open a file in the desktop's viewer: vim.ui.open in Neovim 0.10+, else xdg-open (open on
--- macOS), started without a shell (jobstart in Neovim, core.run in the host): the path is
--- one argument whatever bytes it holds.
local M = {}

--- The program that opens files here.
function M.program()
  local mac
  if vim then
    mac = vim.fn.has('mac') == 1
  else -- macOS's own system folder, without starting uname
    mac = require('stance.core').stat('/System/Library/CoreServices') ~= nil
  end
  return mac and 'open' or 'xdg-open'
end

--- Open `path`.
---@param path string
---@return boolean|nil ok
---@return string|nil err
function M.open(path)
  if vim then
    if vim.ui and vim.ui.open then
      local _, err = vim.ui.open(path)
      if err then return nil, err end
      return true
    end
    local prog = M.program()
    if vim.fn.executable(prog) ~= 1 then return nil, prog .. ' is not installed: open ' .. path .. ' by hand' end
    vim.fn.jobstart({ prog, path }, { detach = true })
    return true
  end
  local prog = M.program()
  -- its output discarded, not read: the program it starts may keep it open
  local status, err = require('stance.core').run({ prog, path }, { output = false })
  if not status then return nil, ('%s could not be started (%s): open %s by hand'):format(prog, err, path) end
  if status ~= 0 then return nil, ('%s could not open %s (exit status %d)'):format(prog, path, status) end
  return true
end

return M
