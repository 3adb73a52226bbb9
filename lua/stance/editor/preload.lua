--- A document's annotations loaded on threads while Neovim reads the document itself
--- (core.load): at BufReadPre, the layer cache when there is one for these files (the store
--- as it was placed in the document, and the annotation file's bytes); else the annotation
--- file and the document are read, the file parsed, the document's frame and hash made and
--- the store placed in it. The session takes the result when it attaches at BufReadPost.
local M = {}
require('stance.editor.events').define() -- the autocommands that serve this module (once)
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

---@type table<integer, {load: userdata, path: string, stamp: string, annotator: string}>
M.pending = {}

--- Annotation files smaller than this (bytes) are read at attach, not on threads.
M.MIN_SIZE = 256 * 1024

--- Start loading the layer of the buffer's document, if it is a document of a corpus.
---@param buf integer
---@param file string the file about to be read
function M.start(buf, file)
  M.cancel(buf)
  local session = require('stance.editor.session')
  local name = vim.fn.fnamemodify(file, ':p')
  -- the document as it is about to be read: what the layer will be placed in (a stamp taken
  -- after the read could be of a text changed since; one taken before errs on the safe side)
  M.doc_stamps[buf] = { name = name, stamp = require('stance.cachekey').stamp(name) }
  local s = session.by_buf[buf]
  if s then
    -- read again (:edit!, 'autoread' after a change on disk): the session keeps its layer and
    -- is attached again once the text is read; what is not saved is saved now, while the
    -- buffer still holds the text its spans and quotes are placed in
    if s.dirty and not s.readonly then require('stance.editor.persist').save(s, { force = true }) end
    return
  end
  local corpus, rel = session.locate(name)
  if not corpus then return end
  M.where[buf] = { name = name, corpus = corpus, rel = rel }
  local annotator = require('stance.whoami').name(corpus.root)
  if not annotator then return end -- a reserved name: the session says so, and reads nothing
  local path = require('stance.root').annotation_path(corpus.root, annotator, rel)
  local K = require('stance.cachekey')
  local stamp = K.stamp(path)
  -- a small file is read at attach: starting threads would cost more than they save
  if stamp == '' or (tonumber(stamp:match('^(%d+):')) or 0) < M.MIN_SIZE then return end
  local doc_stamp = K.stamp(name)
  if doc_stamp == '' then return end
  -- the cache's key starts with both files' stamps; how the buffer shows the text (its
  -- 'fileformat', a BOM) is known once it is read, and checked then (session.read_layer)
  -- a file that is not a regular file inside the corpus is left to the session (which says
  -- why); a cache that is not one is not tried
  local fs = require('stance.fs')
  if not fs.is_file_inside(path, corpus.root) then return end
  local snapshot = K.path(corpus.root, annotator, rel)
  local cached = fs.is_file_inside(snapshot, corpus.root)
  local load = require('stance.core').load(path, name, { vocab = corpus:vocab(),
    snapshot = cached and snapshot or nil, key = cached and (K.key_start(stamp) .. doc_stamp .. '|') or nil })
  if load then M.pending[buf] = { load = load, path = path, stamp = stamp, annotator = annotator } end
end

--- The document's stamp taken at BufReadPre, by buffer: what the buffer's text was read from.
---@type table<integer, {name: string, stamp: string}>
M.doc_stamps = {}

--- The stamp of the file `name` as it was when `buf` began reading it (taken once), or nil;
--- '' (no layer cache used or made) when the file changed while it was read (a `git checkout`
--- meanwhile): the buffer's text is then of neither stamp, and a load started from the
--- cache of the text before is dropped.
---@param buf integer
---@param name string
---@return string|nil
function M.doc_stamp(buf, name)
  local w = M.doc_stamps[buf]
  M.doc_stamps[buf] = nil
  if not (w and w.name == name) then return nil end
  if w.stamp ~= require('stance.cachekey').stamp(name) then
    M.cancel(buf)
    return ''
  end
  return w.stamp
end

--- Where the document of `buf` was found at BufReadPre, by buffer: the session takes it at
--- BufReadPost instead of looking again.
---@type table<integer, {name: string, corpus: table, rel: string}>
M.where = {}

--- The corpus and relative path start() found for `buf`, if it was for the file `name`
--- (taken once).
---@return table|nil corpus
---@return string|nil rel
function M.located(buf, name)
  local w = M.where[buf]
  M.where[buf] = nil
  if w and w.name == name then return w.corpus, w.rel end
  return nil
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
