--- Finding a corpus: its root is the nearest folder, from a path upward, that holds the
--- marker folder `.stance/`. Works in both hosts.
local M = {}

--- The marker folder's name.
M.marker = '.stance'
--- Where annotation files live below the root: one folder per annotator, then the
--- document's own path with ".stance" added.
M.annotations = '.stance/annotations'

local slugs = {} -- name -> slug, made once per process

--- A name safe as one folder name (annotators are free text).
---@param name string
---@return string
function M.slug(name)
  local s = slugs[name]
  if s then return s end
  s = name:gsub('[/\\%c]', '_'):gsub('^%.+', '_')
  s = s ~= '' and s or '_'
  slugs[name] = s
  return s
end

--- The annotation file of `annotator` for the document at `doc` (relative to `root`).
---@param root string
---@param annotator string
---@param doc string
---@return string
function M.annotation_path(root, annotator, doc)
  return root .. '/' .. M.annotations .. '/' .. M.slug(annotator) .. '/' .. doc .. '.stance'
end

--- Every annotation file of the corpus at `root`, as absolute paths, sorted.
---@param root string
---@return string[]
function M.annotation_files(root)
  local dir = root .. '/' .. M.annotations
  local out = {}
  for _, e in ipairs(require('stance.fs').list(dir, { 'stance' }) or {}) do
    out[#out + 1] = dir .. '/' .. e.path
  end
  return out
end

local H = {}

--- Whether the folder `dir` (absolute) is inside a marker folder (a path part `.stance`).
function H.inside_marker(dir)
  local m = '/' .. M.marker
  return dir:find(m .. '/', 1, true) ~= nil or dir:sub(-#m) == m
end

local function is_dir(path)
  local st = require('stance.core').stat(path)
  return st ~= nil and st.type == 'directory'
end

--- Whether `dir` holds the marker folder, and it is not a link out of `dir` (a corpus whose
--- .stance/ is elsewhere would read and write there).
local function marked(dir)
  local marker = (dir == '/' and '' or dir) .. '/' .. M.marker
  if not is_dir(marker) then return false end
  local real = require('stance.core').realpath(marker)
  return real == marker or (real ~= nil and real:sub(1, #dir + 1) == (dir == '/' and '/' or dir .. '/'))
end

--- The corpus root at or above `path` (a file or a folder), or nil; and the real path of
--- `path` (links resolved), which the root is at or above.
---@param path string
---@return string|nil root absolute path
---@return string|nil real `path` resolved
function M.find(path)
  local resolved = require('stance.core').realpath(path)
  if not resolved then return nil end
  local real = resolved
  if not is_dir(real) then real = real:match('^(.*)/[^/]*$') end
  while real and real ~= '' do
    -- a folder inside a corpus's .stance/ is never a root: a `.stance/` committed in an
    -- annotator's folder would make that layer a corpus of its own, its documents not there
    -- (its checks and re-anchoring off), doc/format.md 8.4
    if marked(real) and not H.inside_marker(real) then return real, resolved end
    real = real:match('^(.*)/[^/]*$')
  end
  if marked('/') then return '/', resolved end
  return nil
end

--- The corpus root of the folder that holds the file `path`, the file itself not resolved:
--- a file that is a link out of its corpus still belongs to it (and is then refused by
--- every read confined to the root), instead of to wherever the link leads.
---@param path string
---@return string|nil root absolute path
function M.of_file(path)
  local dir = path:match('^(.*)/[^/]*$')
  if dir == nil then dir = '.' elseif dir == '' then dir = '/' end
  return M.find(dir)
end

return M
