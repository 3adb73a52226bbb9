--- Files an import or export writes below one folder, all at once: each path is checked
--- when it is added (it stays inside the folder: no `..`, no link leading out), nothing
--- is written until commit(), which writes every file atomically, all of them flushed to the
--- disk together (core.write_files) instead of one after the other.
local M = {}
M.__index = M

--- A new batch of files below `root`.
---@param root string
---@return table
function M.new(root)
  return setmetatable({ root = root, files = {}, dirs = {}, dir_list = {} }, M)
end

--- Add the file `rel` (relative to the root) with `data`; `expect` as for
--- core.write_atomic ("" = must not exist yet). Returns true, or nil and why the path is
--- refused.
---@param rel string
---@param data string
---@param expect string|nil
---@return boolean|nil ok
---@return string|nil err
function M:add(rel, data, expect)
  local fs = require('stance.fs')
  local ok, err = fs.inside(self.root, rel)
  if not ok then return nil, err end
  -- an annotation file that is a link (even a broken one) is never replaced (stance.layer_link)
  local link = require('stance.layer_link').refusal(self.root .. '/' .. rel, self.root, true)
  if link then return nil, link end
  local dir = rel:match('^(.*)/[^/]*$')
  if dir and not self.dirs[dir] then
    self.dirs[dir] = true
    self.dir_list[#self.dir_list + 1] = dir
  end
  self.files[#self.files + 1] = { self.root .. '/' .. rel, data, expect }
  return true
end

--- Take back the file `rel` added last (a document whose other file was refused).
---@param rel string
function M:drop(rel)
  local last = self.files[#self.files]
  if last and last[1] == self.root .. '/' .. rel then self.files[#self.files] = nil end
end

--- How many files are waiting.
---@return integer
function M:count() return #self.files end

--- Make the folders (checked again once made) and write every file. Returns true, or nil
--- and the error.
---@return boolean|nil ok
---@return string|nil err
function M:commit()
  local fs = require('stance.fs')
  table.sort(self.dir_list)
  for _, dir in ipairs(self.dir_list) do
    local ok, err = fs.inside(self.root, dir)
    if ok then ok, err = fs.mkdir_p(self.root .. '/' .. dir, self.root) end
    if ok then ok, err = fs.inside(self.root, dir) end
    if not ok then return nil, err end
  end
  local ok, err = require('stance.core').write_files(self.files)
  if not ok then return nil, err end
  return true
end

return M
