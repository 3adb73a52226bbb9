--- Finding a corpus: its root is the nearest folder, from a path upward, that holds the
--- marker folder `.stance/`. Works in both hosts.
local M = {}

--- The marker folder's name.
M.marker = '.stance'

local function is_dir(path)
  local st = require('stance.core').stat(path)
  return st ~= nil and st.type == 'directory'
end

--- The corpus root at or above `path` (a file or a folder), or nil.
---@param path string
---@return string|nil root absolute path
function M.find(path)
  local real = require('stance.core').realpath(path)
  if not real then return nil end
  if not is_dir(real) then real = real:match('^(.*)/[^/]*$') end
  while real and real ~= '' do
    if is_dir(real .. '/' .. M.marker) then return real end
    real = real:match('^(.*)/[^/]*$')
  end
  if is_dir('/' .. M.marker) then return '/' end
  return nil
end

return M
