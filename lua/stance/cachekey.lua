--- The editor's layer cache (see :help stance-cache): where it lives and the key it must
--- carry, the same from Neovim and from `stance warm`. Both hosts.
local M = {}

--- Bumped when the places a layer is given in its text may change (a cache keeps the places
--- made when it was saved): 2, re-anchoring's edges held by the context.
M.VERSION = 2

--- Stamp of a file: size, time, inode ("" when there is none); the same as the writers'
--- (core.write_atomic, core.append_file) return.
---@param path string
---@return string
function M.stamp(path)
  return require('stance.core').stamp(path)
end

--- Where the cache of `annotator`'s layer of document `rel` lives.
function M.path(root, annotator, rel)
  return ('%s/.stance/cache/%s/%s.snap'):format(root, require('stance.root').slug(annotator), rel)
end

--- The key: both files' stamps and how the document is shown ("unix" or "dos", BOM).
function M.key(ann_stamp, doc_stamp, fileformat, bomb)
  if ann_stamp == '' or doc_stamp == '' then return nil end
  return ('%s%s|%s|%s'):format(M.key_start(ann_stamp), doc_stamp, fileformat, bomb and 'bom' or '')
end

--- How every key made for the annotation file at `ann_stamp` starts.
---@param ann_stamp string
---@return string
function M.key_start(ann_stamp)
  return ('v%d|%s|'):format(M.VERSION, ann_stamp)
end

--- How Neovim shows a file's text with its default 'fileformats' ("unix,dos"): "dos" when
--- every line ends in CR LF; and whether it starts with a UTF-8 BOM.
function M.format_of(text)
  local lf = select(2, text:gsub('\n', ''))
  local crlf = select(2, text:gsub('\r\n', ''))
  return (lf > 0 and crlf == lf) and 'dos' or 'unix', text:sub(1, 3) == '\239\187\191'
end

return M
