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

--- The key the cache must carry: the annotation file's stamp, the document's stamp when the
--- buffer read it (the text the store is placed in: never the file as it is now, which may
--- have changed on disk under an open buffer), and how the buffer shows the document; nil
--- when the buffer does not show the file as it was read.
function M.key(s, ann_stamp)
  local bo = require('stance.compat').bo(s.buf)
  if bo.modified or s.edited or not (bo.fileencoding == '' or bo.fileencoding == 'utf-8') then return nil end
  return K.key(ann_stamp, s.doc_stamp or '', bo.fileformat, bo.bomb)
end

--- How many annotations of a layer from the cache have their quote checked against the
--- buffer's text (a key that matches a store placed in another text is then found out).
M.CHECKS = 8

--- Whether the quotes of a few annotations of `store` (placed in the buffer: spans in buffer
--- bytes) are the buffer's text at their spans.
---@return boolean
function M.quotes_hold(s, store)
  if require('stance.compat').buf_option(s.buf, 'fileformat') == 'dos' then return true end
  -- (byte2line and line2byte read the current buffer: a reload by :checktime or the
  -- curation panel may attach a buffer that is not)
  if vim.api.nvim_get_current_buf() ~= s.buf then
    local held
    vim.api.nvim_buf_call(s.buf, function() held = M.quotes_hold(s, store) end)
    return held
  end
  local checked, slot, misses = 0, 0, 0
  while checked < M.CHECKS and misses < 64 do
    slot = slot + 1
    local r = store:at(slot)
    if r == nil then
      misses = misses + 1
    elseif r.kind == 'annotation' and not r.orphan and not r.touched and r.spans and #r.spans == 1 and r.quote then
      checked = checked + 1
      local a, b = r.spans[1][1], r.spans[1][2]
      local l1, l2 = vim.fn.byte2line(a + 1), vim.fn.byte2line(math.max(b, a + 1))
      if l1 < 1 or l2 < 1 then return false end
      local lines = vim.api.nvim_buf_get_lines(s.buf, l1 - 1, l2, false)
      local text = table.concat(lines, '\n')
      local start = a - (vim.fn.line2byte(l1) - 1)
      if text:sub(start + 1, start + (b - a)) ~= r.quote then return false end
    end
    if slot > 4096 then break end
  end
  return true
end

--- The layer from the cache, or nil (no cache, or made from other files).
---@return stance.Store|nil
function M.load(s, annotator, ann_stamp)
  -- (the key is worked out only when there is a cache: a first open has none)
  local data = require('stance.fs').read(M.path(s, annotator), s.corpus.root)
  if not data then return nil end
  local key = M.key(s, ann_stamp)
  if not key then return nil end
  local store = require('stance.core').from_snapshot(data, key)
  if store and not M.quotes_hold(s, store) then return nil end
  return store
end

--- Write the cache of the session's own layer now, if the store is what the file says.
function M.write(s)
  if s.detached or s.dirty or s.readonly or not s.file.exists then return false end
  local stamp = require('stance.editor.session').stamp(s.path)
  if stamp ~= s.file.stamp then return false end
  local key = M.key(s, stamp)
  if not key then return false end
  -- the document changed on disk under the buffer: the store is placed in the text as read,
  -- which no file has now; nothing is cached (the next open reads the layer and places it)
  if K.stamp(vim.api.nvim_buf_get_name(s.buf)) ~= s.doc_stamp then return false end
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
