--- A document's annotations loaded on threads while Neovim reads the document itself: at
--- BufReadPre the annotation file and the document are read, the file parsed and the
--- document's frame and hash made (core.load); the session takes the result when it attaches
--- at BufReadPost. Nothing is started when the layer cache will serve the open.
local M = {}

---@type table<integer, {load: userdata, path: string, stamp: string, annotator: string}>
M.pending = {}

--- The cache of this version of the annotation file exists: it is faster than any parse.
local function cached(root, annotator, rel, stamp)
  local K = require('stance.cachekey')
  local path = K.path(root, annotator, rel)
  if not require('stance.fs').is_file_inside(path, root) then return false end
  local f = io.open(path, 'rb')
  if not f then return false end
  local head = f:read(512) or ''
  f:close()
  return head:find(K.key_start(stamp), 1, true) ~= nil
end

--- Start loading the layer of the buffer's document, if it is a document of a corpus.
---@param buf integer
---@param file string the file about to be read
function M.start(buf, file)
  M.cancel(buf)
  local session = require('stance.editor.session')
  if session.by_buf[buf] then return end -- read again (:edit!): the session keeps its layer
  local name = vim.fn.fnamemodify(file, ':p')
  local corpus, rel = session.locate(name)
  if not corpus then return end
  local annotator = require('stance.whoami').name()
  local path = require('stance.root').annotation_path(corpus.root, annotator, rel)
  local stamp = require('stance.cachekey').stamp(path)
  if stamp == '' or cached(corpus.root, annotator, rel, stamp) then return end
  -- a file that is not a regular file inside the corpus is left to the session (which says why)
  if not require('stance.fs').is_file_inside(path, corpus.root) then return end
  local load = require('stance.core').load(path, name,
    { vocab = require('stance.schema').vocab(corpus:schema()) })
  if load then M.pending[buf] = { load = load, path = path, stamp = stamp, annotator = annotator } end
end

--- What was loaded for `buf`, if it is `annotator`'s file at `path`, still as it was (stamp):
--- the table load:wait() gives; else nil (the caller reads the file itself).
---@return table|nil
function M.take(buf, annotator, path, stamp)
  local p = M.pending[buf]
  if not p then return nil end
  if p.annotator ~= annotator or p.path ~= path or p.stamp ~= stamp then
    M.cancel(buf)
    return nil
  end
  M.pending[buf] = nil
  local r = p.load:wait()
  if not r or not r.store then return nil end
  return r
end

--- Loads nobody will take, kept until their threads have finished: collecting one
--- earlier would make Neovim wait for them.
M.draining = {}

local function drain()
  for i = #M.draining, 1, -1 do
    if M.draining[i]:finished() then table.remove(M.draining, i) end
  end
  if #M.draining > 0 then vim.defer_fn(drain, 50) end
end

--- Forget the load of `buf`, if any (its threads finish, then what they made is freed).
function M.cancel(buf)
  local p = M.pending[buf]
  M.pending[buf] = nil
  if not p then return end
  M.draining[#M.draining + 1] = p.load
  if #M.draining == 1 then vim.defer_fn(drain, 50) end
end

return M
