--- Watching an annotation file for changes made by others (a `git pull`, a script, another
--- Neovim): through its folder, where a file replaced by a rename is seen too.
local M = {}

--- Watch the file at `path`: `on_change` runs a moment (100 ms) after it changes, once for a
--- burst of events.
---@param path string
---@param on_change fun()
---@return userdata|nil handle the fs_event (stop it with M.stop); nil where none can be made
function M.start(path, on_change)
  local uv = require('stance.compat').uv
  local dir, base = path:match('^(.*)/([^/]+)$')
  local ev = dir and uv.new_fs_event and uv.new_fs_event()
  if not ev then return nil end
  local pending = false
  local ok = pcall(ev.start, ev, dir, {}, function(err, name)
    if err or (name and name ~= base) or pending then return end
    pending = true
    vim.defer_fn(function()
      pending = false
      on_change()
    end, 100)
  end)
  if ok then return ev end
  if not ev:is_closing() then ev:close() end
  return nil
end

--- Stop a watch made by M.start (nil: nothing to stop).
---@param ev userdata|nil
function M.stop(ev)
  if not ev then return end
  pcall(ev.stop, ev)
  if not ev:is_closing() then ev:close() end
end

return M
