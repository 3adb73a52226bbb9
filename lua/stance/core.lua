-- Loads the compiled module (src/*.c) for the Lua ABI that is running.
--
-- In a checkout (Neovim's runtimepath, lazy.nvim with build = "make") the library is
-- build/<abi>/stance/core.so next to this file's lua/ folder, wherever the current
-- directory is. Installed (make install, luarocks) it is found on package.cpath. The
-- `stance` executable preloads it, so this file is not read there.

local abi = (jit or _VERSION == 'Lua 5.1') and '5.1' or _VERSION:match('%d+%.%d+')

---@return string|nil root of the checkout holding this file
local function checkout_root()
  local source = debug.getinfo(1, 'S').source
  if source:sub(1, 1) ~= '@' then return nil end
  local path = source:sub(2):gsub('\\', '/')
  if path:sub(1, 1) ~= '/' and not path:match('^%a:') then path = './' .. path end
  return (path:match('^(.*)/lua/stance/core%.lua$'))
end

local function exists(path)
  local f = io.open(path, 'rb')
  if f then f:close() end
  return f ~= nil
end

local root = checkout_root()
local candidates = {}
if root then candidates[#candidates + 1] = root .. '/build/' .. abi .. '/stance/core.so' end
local searchpath = package.searchpath
if searchpath then
  candidates[#candidates + 1] = searchpath('stance.core', package.cpath)
else -- Lua 5.1 without package.searchpath
  for template in package.cpath:gmatch('[^;]+') do
    candidates[#candidates + 1] = (template:gsub('%?', 'stance/core'))
  end
end

for _, path in ipairs(candidates) do
  if exists(path) then
    local open, err = package.loadlib(path, 'luaopen_stance_core')
    if not open then
      error(('stance.nvim: cannot load %s: %s\nRebuild it: run `make` in %s'):format(
        path, err, root or 'the plugin directory'), 0)
    end
    return open()
  end
end

error(('stance.nvim: the C module is not built for Lua %s. Run `make` in %s'):format(
  abi, root or 'the plugin directory'), 0)
