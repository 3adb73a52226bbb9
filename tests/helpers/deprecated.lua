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

--- Where the code of lua/ and plugin/ names a function that the Neovim under test
--- deprecates: an API function its metadata marks deprecated, or a vim.* function its
--- runtime passes to vim.deprecate(). lua/stance/compat.lua is left out: it is where a
--- deprecated function is the feature-detected fallback for older versions.
---@return string[] "path:line: name"
function M.named_in_code()
  local names = {}
  local level = vim.fn.api_info().version.api_level
  for _, f in ipairs(vim.fn.api_info().functions) do
    local since = tonumber(f.deprecated_since)
    if since and since <= level and f.name:find('^nvim_') then names[#names + 1] = f.name end
  end
  local seen = {}
  for _, file in ipairs(vim.api.nvim_get_runtime_file('lua/**/*.lua', true)) do
    if file:sub(1, #root) ~= root then
      local f = io.open(file, 'rb')
      local text = f and f:read('*a') or ''
      if f then f:close() end
      for name in text:gmatch("vim%.deprecate%(%s*'(vim%.[%w_.]+)") do
        if not seen[name] and name ~= 'vim.validate' then
          seen[name] = true
          names[#names + 1] = name
        end
      end
    end
  end
  local out = {}
  local files = vim.fn.globpath(root, 'lua/**/*.lua', false, true)
  vim.list_extend(files, vim.fn.globpath(root, 'plugin/**/*.lua', false, true))
  for _, file in ipairs(files) do
    if not file:find('/lua/stance/compat%.lua$') then
      local n = 0
      for line in io.lines(file) do
        n = n + 1
        for _, name in ipairs(names) do
          local at = line:find(name, 1, true)
          local after = at and line:sub(at + #name, at + #name)
          if at and not after:match('[%w_]') and not line:sub(1, at - 1):match('%-%-') then
            out[#out + 1] = ('%s:%d: %s'):format(file:sub(#root + 2), n, name)
          end
        end
      end
    end
  end
  return out
end

return M
