--- Annotations follow the text: every edit of the buffer (typed, pasted, undone, done by a
--- plugin) reaches the store through nvim_buf_attach's on_bytes, and spans shift, grow,
--- shrink or collapse in C. An annotation whose text was deleted collapses; if the same
--- text comes back at the same place (undo, or `p` right after `d`) it gets its spans back.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

--- A deleted annotation that may come back: { id, pos, len, before = spans relative to pos }.
local function remember_collapse(s, d, pos, old_end)
  for _, t in ipairs(d) do
    local empty = true
    for _, sp in ipairs(t.after) do
      if sp[2] > sp[1] then empty = false end
    end
    if empty then
      local rel = {}
      for i, sp in ipairs(t.before) do
        rel[i] = { sp[1] - pos, sp[2] - pos }
      end
      s.collapsed[#s.collapsed + 1] = { id = t.id, pos = pos, len = old_end - pos, before = rel }
      if #s.collapsed > 200 then table.remove(s.collapsed, 1) end
    end
  end
end

--- Deleted annotations remembered at a place follow later edits; an edit over the place
--- forgets them.
local function follow(s, pos, old_end, new_end)
  local keep = {}
  for _, c in ipairs(s.collapsed) do
    if c.pos >= old_end and not (pos == old_end and c.pos == pos) then
      c.pos = c.pos + new_end - old_end
      keep[#keep + 1] = c
    elseif c.pos < pos or (pos == old_end and c.pos == pos) then
      keep[#keep + 1] = c
    end
  end
  s.collapsed = keep
end

--- Text of length `len` was inserted at `pos`: annotations collapsed by deleting exactly that
--- much text there take back their spans (also when a save made them orphans meanwhile).
local function restore_collapsed(s, pos, len)
  local keep = {}
  for _, c in ipairs(s.collapsed) do
    local rec = c.pos == pos and c.len == len and s.store:get(c.id)
    if rec then
      local spans = {}
      for i, sp in ipairs(c.before) do
        spans[i] = { pos + sp[1], pos + sp[2] }
      end
      s.store:update(c.id, { spans = spans })
      if rec.orphan then
        s.store:mark(c.id, 'orphan', false)
        s:forget(nil, true)
      end
      s.store:mark(c.id, 'touched', true)
    else
      keep[#keep + 1] = c
    end
  end
  s.collapsed = keep
end

---@param s stance.Session
function M.attach(s)
  local function on_bytes(_, buf, _, _, _, pos, _, _, old_len, _, _, new_len)
    if s.detached or require('stance.editor.session').by_buf[buf] ~= s then return true end
    s.frame, s.frame_text = nil, nil
    s.edited = true
    s.rewrite = true -- offsets of what is in the file may have moved: no appending
    local old_end, new_end = pos + old_len, pos + new_len
    local stores = { s.store, s.trash }
    for _, o in pairs(s.others) do
      stores[#stores + 1] = o.store
    end
    local n, d = s.store:shift(pos, old_end, new_end, s.CONTEXT_BYTES, true)
    for i = 2, #stores do
      stores[i]:shift(pos, old_end, new_end, 0)
    end
    if #s.collapsed > 0 then
      if new_len > 0 and old_len == 0 then restore_collapsed(s, pos, new_len) end
      follow(s, pos, old_end, new_end)
    end
    if old_len > 0 and n > 0 then remember_collapse(s, d, pos, old_end) end
    if n > 0 or s.store:count('annotation') > 0 then s:changed(true) end
  end
  vim.api.nvim_buf_attach(s.buf, false, {
    on_bytes = on_bytes,
    on_reload = function()
      -- :edit! read the file again: start over from the annotation file
      vim.schedule(function()
        local session = require('stance.editor.session')
        if session.by_buf[s.buf] == s then
          session.detach(s.buf)
          session.attach(s.buf)
        end
      end)
    end,
    on_detach = function()
      require('stance.editor.session').detach(s.buf)
    end,
  })
end

return M
