-- Watches, for the whole Neovim suite, every call of a deprecated Neovim function made by
-- this checkout's code (lua/, plugin/, tests/): the API functions that Neovim's own API
-- metadata marks deprecated (nvim_buf_add_highlight, nvim_get_hl_by_name, ... on the version
-- under test), and every vim.deprecate() (what `:checkhealth vim.deprecated` reports). The
-- summary handler turns what was seen into one test that passes only when nothing was.
local M = { calls = {}, watched = 0 }

local root = os.getenv('STANCE_ROOT') or vim.fn.getcwd()

--- The first frame of our own code on the stack (beyond this file), as "file:line".
local function ours()
  for level = 3, 40 do
    local info = debug.getinfo(level, 'Sl')
    if not info then return nil end
    local src = info.source or ''
    if src:sub(1, 1) == '@' then
      local path = src:sub(2)
      if path:sub(1, 1) ~= '/' then path = root .. '/' .. path end
      local rel = path:sub(#root + 2)
      if path:sub(1, #root + 1) == root .. '/' and not rel:find('^tests/helpers/deprecated%.lua')
        and (rel:find('^lua/') or rel:find('^plugin/') or rel:find('^tests/')) then
        return rel .. ':' .. tostring(info.currentline)
      end
    end
  end
end

local function record(what)
  local where = ours()
  if not where then return end
  local key = what .. ' at ' .. where
  if not M.calls[key] then
    M.calls[key] = true
    M.calls[#M.calls + 1] = key
  end
end

--- Start watching.
function M.watch()
  local level = vim.fn.api_info().version.api_level
  for _, f in ipairs(vim.fn.api_info().functions) do
    local since = tonumber(f.deprecated_since)
    local fn = vim.api[f.name]
    if since and since <= level and type(fn) == 'function' then
      M.watched = M.watched + 1
      vim.api[f.name] = function(...)
        record(f.name)
        return fn(...)
      end
    end
  end
  local deprecate = vim.deprecate
  if deprecate then
    M.watched = M.watched + 1
    vim.deprecate = function(name, ...)
      record('vim.deprecate(' .. tostring(name) .. ')')
      return deprecate(name, ...)
    end
  end
  _G.STANCE_DEPRECATED = M
end

return M
