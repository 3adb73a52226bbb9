--- A cache of each open layer, beside the corpus (`.stance/cache/`): the store as it is in
--- memory once placed in the document (snapshot.h), keyed by the stamps (size, time, inode)
--- of the annotation file and of the document. Opening the document again loads it without
--- parsing the annotation file or checking quotes; any change of either file makes the key
--- differ and the file is read as usual. It is written when Neovim is idle, never in the
--- way of typing, and can be deleted at any time.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

local K = require('stance.cachekey')

--- Where the cache of `annotator`'s layer of the session's document lives.
function M.path(s, annotator)
  return K.path(s.corpus.root, annotator, s.rel)
end

--- The key the cache must carry: both files as they are now, and how the buffer shows the
--- document; nil when the buffer does not show the file as it is on disk.
function M.key(s, ann_stamp)
  local bo = require('stance.compat').bo(s.buf)
  if bo.modified or s.edited or not (bo.fileencoding == '' or bo.fileencoding == 'utf-8') then return nil end
  return K.key(ann_stamp, K.stamp(vim.api.nvim_buf_get_name(s.buf)), bo.fileformat, bo.bomb)
end

--- The layer from the cache, or nil (no cache, or made from other files).
---@return stance.Store|nil
function M.load(s, annotator, ann_stamp)
  -- (the key is worked out only when there is a cache: a first open has none)
  local data = require('stance.fs').read(M.path(s, annotator), s.corpus.root)
  if not data then return nil end
  local key = M.key(s, ann_stamp)
  if not key then return nil end
  return require('stance.core').from_snapshot(data, key)
end

--- Write the cache of the session's own layer now, if the store is what the file says.
function M.write(s)
  if s.detached or s.dirty or s.readonly or not s.file.exists then return false end
  local stamp = require('stance.editor.session').stamp(s.path)
  if stamp ~= s.file.stamp then return false end
  local key = M.key(s, stamp)
  if not key then return false end
  -- inside the corpus only (a committed .stance/cache link is not written through)
  return require('stance.fs').write_inside(s.corpus.root, M.path(s, s.annotator), s.store:snapshot(key), nil,
    { cache = true }) == true
end

--- The sessions whose cache is written when Neovim has been idle for a while (one timer
--- for all: not a timer made at each first open).
local H = { pending = setmetatable({}, { __mode = 'k' }), timer = nil }

--- Write the cache of the session's layer when Neovim has been idle for a while.
function M.later(s)
  if s.detached then return end
  H.pending[s] = true
  H.timer = H.timer or require('stance.compat').uv.new_timer()
  H.timer:stop()
  H.timer:start(M.delay, 0, function()
    vim.schedule(function()
      local list = H.pending
      H.pending = setmetatable({}, { __mode = 'k' })
      for each in pairs(list) do
        M.write(each)
      end
    end)
  end)
end

--- Forget a session's pending write (it is detached).
function M.cancel(s)
  H.pending[s] = nil
end

M.delay = 3000

return M
