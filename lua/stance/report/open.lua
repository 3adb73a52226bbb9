--- Open a file in the desktop's viewer: vim.ui.open in Neovim 0.10+, else xdg-open (open on
--- macOS) started without a shell in Neovim, and through one in the host (plain Lua has no
--- other way to start a program), the path quoted so that it is one word whatever it holds.
local M = {}

--- The program that opens files here.
function M.program()
  local mac = (vim and vim.fn.has('mac') == 1) or (not vim and io.popen and (function()
    local p = io.popen('uname -s 2>/dev/null')
    local s = p and p:read('*l') or ''
    if p then p:close() end
    return s == 'Darwin'
  end)())
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
  -- single quotes keep every byte of the path literal; a quote inside is closed, escaped, reopened
  local quoted = "'" .. path:gsub("'", "'\\''") .. "'"
  local ok = os.execute(prog .. ' ' .. quoted .. ' >/dev/null 2>&1 &')
  if not ok then return nil, ('%s could not open %s'):format(prog, path) end
  return true
end

return M
