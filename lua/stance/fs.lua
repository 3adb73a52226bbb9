--- File helpers for both hosts (plain Lua has no folders): reading, making folders,
--- listing, relative paths. Runtime failures return nil, err.
local M = {}

--- The whole content of a regular file (never a FIFO, a device or a folder: what a corpus
--- names is read only if it is a file). With `root`, only when it resolves inside that
--- folder (after `..` and links): what a corpus's files name is never read from elsewhere.
---@param path string
---@param root string|nil
---@return string|nil content
---@return string|nil err
---@return string|nil code "ENOENT", "EOUTSIDE", "ENOTREG", "EISDIR", "EREAD"
function M.read(path, root)
  -- in C: one read into a buffer of the file's size (io.read('a') copies as it grows)
  return require('stance.core').readfile(path, root and { root = root } or nil)
end

---@param path string
---@return boolean
function M.exists(path)
  return require('stance.core').exists(path)
end

--- Whether `path` is a regular file that resolves inside `root` (links and .. resolved).
---@param path string
---@param root string
---@return boolean
function M.is_file_inside(path, root)
  local core = require('stance.core')
  local real, real_root = core.realpath(path), core.realpath(root)
  if not real or not real_root then return false end
  if real_root ~= '/' and real:sub(1, #real_root + 1) ~= real_root .. '/' then return false end
  local st = core.stat(real)
  return st ~= nil and st.type == 'file'
end

---@param path string
---@return boolean
function M.is_dir(path)
  local st = require('stance.core').stat(path)
  return st ~= nil and st.type == 'directory'
end

--- Make `path` and its missing parents. With `root` (a folder above `path`), every folder
--- from there down is made from the root, one part at a time, never through a link that
--- leads out of it (core.mkdir_inside: refused before anything is made there, also when a
--- folder is swapped for a link meanwhile); the root's own parents are made first.
---@param path string
---@param root string|nil
---@return boolean|nil ok
---@return string|nil err
---@return string|nil code "EOUTSIDE" for a link or ".." out of the root
function M.mkdir_p(path, root)
  local core = require('stance.core')
  local r = root and root:gsub('/+$', '')
  if r == '' then r = '/' end
  if r and (path == r or path:sub(1, #r + 1) == r .. '/' or (r == '/' and path:sub(1, 1) == '/')) then
    if not M.is_dir(r) then
      local ok, err = M.mkdir_p(r)
      if not ok then return nil, err end
    end
    local ok, err, code = core.mkdir_inside(r, path)
    if ok then return true end
    if code == 'EOUTSIDE' then return nil, ('cannot make %s: %s; not written through'):format(path, err), code end
    return nil, ('cannot make %s: %s'):format(path, err), code
  end
  local acc = path:sub(1, 1) == '/' and '' or '.'
  for part in path:gmatch('[^/]+') do
    acc = acc .. '/' .. part
    local ok, err = core.mkdir(acc)
    if not ok then return nil, ('cannot make %s: %s'):format(acc, err) end
  end
  return true
end

--- Replace the file at `path` inside the corpus at `root` with `data`, atomically, under its
--- lock (see core.write_atomic): nothing is written through a link out of the root.
---@param root string
---@param path string
---@param data string
---@param expect string|nil the SHA-256 the file must still have ("" = must not exist)
---@param opts {cache: boolean|nil, stamp: string|nil}|nil
---@return boolean|nil ok
---@return table|string|nil info {stamp, hash}, or the error
---@return string|nil code
function M.write_inside(root, path, data, expect, opts)
  local ok, err, code = M.mkdir_p(M.dirname(path), root)
  if not ok then return nil, err, code or 'EWRITE' end
  local o = { root = root }
  for k, v in pairs(opts or {}) do
    o[k] = v
  end
  return require('stance.core').write_atomic(path, data, expect, o)
end

---@param path string
---@return string
function M.dirname(path)
  return path:match('^(.*)/[^/]*$') or '.'
end

--- `path` relative to `base` when it is below it, else `path` unchanged.
---@param path string
---@param base string
---@return string
function M.relative(path, base)
  if base:sub(-1) ~= '/' then base = base .. '/' end
  if path:sub(1, #base) == base then return path:sub(#base + 1) end
  return path
end

--- Absolute form of `path` (without resolving links), against the current directory.
---@param path string
---@return string
function M.absolute(path)
  if path:sub(1, 1) == '/' then return path end
  local cwd = os.getenv('PWD') or require('stance.core').realpath('.') or '.'
  local out = cwd .. '/' .. path
  out = out:gsub('/%./', '/'):gsub('/%.$', ''):gsub('//+', '/')
  return out
end

--- Whether `rel` (a path relative to the folder `root`) stays inside `root` once links are
--- resolved: it has no empty, `.` or `..` part, and the deepest part of it that exists
--- (itself, when it exists) resolves inside `root`; folders made below that part are then
--- inside too. For every path that comes from data (an import, a file's header).
---@param root string
---@param rel string
---@return boolean|nil ok
---@return string|nil err why not
function M.inside(root, rel)
  local core = require('stance.core')
  if rel == '' or rel:sub(1, 1) == '/' then return nil, ('%s is not a relative path'):format(rel) end
  for part in (rel .. '/'):gmatch('([^/]*)/') do
    if part == '' or part == '.' or part == '..' then
      return nil, ("%s has a part '%s'"):format(rel, part)
    end
  end
  local rroot = core.realpath(root)
  if not rroot then return nil, ('%s does not exist'):format(root) end
  local existing, p = root, root
  for part in rel:gmatch('[^/]+') do
    p = p .. '/' .. part
    if not core.stat(p) then break end
    existing = p
  end
  local real = core.realpath(existing)
  if not real or (real ~= rroot and real:sub(1, #rroot + 1) ~= rroot .. '/') then
    return nil, ('%s leads out of %s (a link?)'):format(rel, root)
  end
  return true
end

--- Files below `dir` with one of the endings in `ext` (nil: all), sorted: a list of
--- {path = relative path, size = bytes, error = message|nil}.
---@param dir string
---@param ext string[]|nil
---@return table[]|nil
---@return string|nil err
function M.list(dir, ext)
  return require('stance.core').list(dir, ext and { ext = ext } or nil)
end

return M
