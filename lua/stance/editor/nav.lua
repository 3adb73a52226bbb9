--- Moving between annotations (`]a`, `[a`, with counts) and listing them (:Stance list, in
--- the location list: all, one label, the orphans, the conflicts).
local M = {}
local H = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

local where = require('stance.editor.where')

--- The first span start after byte `off` (or the last before it, `back`), or nil. Looks in
--- growing windows around `off`, so that it costs the same on any size of document.
local function neighbour(store, off, back, total)
  local w = 4096
  while true do
    local best
    if back then
      local a = math.max(0, off - w)
      local n, _, ss = store:spans(a, off)
      for i = 1, n do
        if ss[i] < off and (not best or ss[i] > best) then best = ss[i] end
      end
      if best or a == 0 then return best end
    else
      local b = math.min(total + 1, off + 1 + w)
      local n, _, ss = store:spans(off + 1, b)
      for i = 1, n do
        if ss[i] > off and (not best or ss[i] < best) then best = ss[i] end
      end
      if best or b > total then return best end
    end
    w = w * 16
  end
end

--- Jump `count` annotations forward (or back).
---@param back boolean
---@param count integer|nil
function M.jump(back, count)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local off = where.cursor()
  local total = require('stance.editor.where').size(s.buf)
  local moved = false
  local store = require('stance.editor.render').layer_of(s).store -- the side view's, there
  for _ = 1, math.max(count or vim.v.count1, 1) do
    local nxt = neighbour(store, off, back, total)
    if not nxt then break end
    off, moved = nxt, true
  end
  if not moved then
    H.stale = back and 'no annotation before the cursor' or 'no annotation after the cursor'
    return require('stance.notify').warn(H.stale)
  end
  vim.cmd("normal! m'")
  where.jump(off)
  if H.stale then H.clear_stale() end
end

--- After a jump that worked: the message of one that did not ("no annotation after the
--- cursor") goes from the message area, when it is still the last message there (ours, never
--- a message of yours or of another plugin since). It stays in :messages.
function H.clear_stale()
  local said = '(stance) ' .. H.stale
  H.stale = nil
  local ok, all = pcall(vim.fn.execute, 'messages')
  if not ok then return end
  local last = all:match('([^\n]*)\n*$')
  if last == said then vim.api.nvim_echo({ { '' } }, false, {}) end
end

--- The buffer text of spans, one line, shortened.
function M.quote(buf, spans, max)
  local parts = {}
  for i, sp in ipairs(spans) do
    local r1, c1 = where.pos(buf, sp[1])
    local r2, c2 = where.pos(buf, sp[2])
    local ok, text = pcall(vim.api.nvim_buf_get_text, buf, r1, c1, r2, c2, {})
    parts[i] = ok and table.concat(text, ' ') or ''
  end
  local q = table.concat(parts, ' … '):gsub('%s+', ' ')
  max = max or 80
  if vim.fn.strchars(q) > max then q = vim.fn.strcharpart(q, 0, max - 1) .. '…' end
  return q
end

local function describe(rec)
  local bits = { rec.label or '?' }
  if rec.target then bits[#bits + 1] = '→ ' .. rec.target end
  if rec.stance and rec.stance ~= rec.label then bits[#bits + 1] = rec.stance end
  if rec.role and rec.role ~= rec.label then bits[#bits + 1] = rec.role end
  if rec.conflict then bits[#bits + 1] = '[conflict ' .. rec.conflict .. ']' end
  return table.concat(bits, ' ')
end
M.describe = describe

--- Which of the annotations `recs` (of session `s`) to act on: the only one, or the one
--- picked by number (its label, target, stance, role, conflict mark and words shown): the
--- first nine. nil when the choice was cancelled.
---@param s stance.Session
---@param recs table[]
---@param verb string what is done to it ("delete", "resize", ...)
---@return table|nil record
function M.pick_record(s, recs, verb)
  if #recs == 1 then return recs[1] end
  local entries = {}
  for i, rec in ipairs(recs) do
    if i > 9 then break end
    local name = ('%s "%s"'):format(describe(rec), M.quote(s.buf, rec.spans, 30))
    entries[i] = { key = tostring(i), name = name, rec = rec }
  end
  local e = require('stance.editor.prompt').pick(verb, entries)
  return e and e.rec
end

--- Fill the location list with the document's annotations (`filter`: a label, target or
--- stance, "orphans", "conflicts"; or "relations" for the relations); open it. Returns the
--- number of items.
---@param filter string|nil
---@return integer|nil
function M.list(filter)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local items, title = H.list_items(s, filter)
  vim.fn.setloclist(0, {}, ' ', { title = title, items = items })
  -- kept up to date while it is open (H.lists, M.lists_changed)
  H.lists[vim.api.nvim_get_current_win()] = { buf = s.buf, filter = filter, title = title }
  if #items == 0 then
    if filter == 'relations' then
      require('stance.notify').warn('no relations in this document (gL on one annotation, then on the other)')
    else
      require('stance.notify').warn(filter and filter ~= '' and ('no annotation matches %s'):format(filter)
        or 'no annotations in this document')
    end
  else
    vim.cmd('lopen')
  end
  return #items
end

--- The location lists :Stance list made, by window: { buf, filter, title }.
H.lists = {}

--- The items and the title of the location list of `filter` (see M.list) for session `s`.
function H.list_items(s, filter)
  if filter == 'relations' then
    return require('stance.editor.relations').items(s), ('stance: %s (relations)'):format(s.rel)
  end
  local items = {}
  local recs = s.store:records('annotation')
  table.sort(recs, function(a, b)
    if (a.orphan or false) ~= (b.orphan or false) then return not a.orphan end
    return a.spans[1][1] < b.spans[1][1]
  end)
  for _, rec in ipairs(recs) do
    local keep = filter == nil or filter == ''
      or (filter == 'orphans' and rec.orphan)
      or (filter == 'conflicts' and rec.conflict ~= nil)
      or rec.label == filter or rec.stance == filter or rec.target == filter
    if keep then
      if rec.orphan then
        items[#items + 1] = { bufnr = s.buf, text = ('orphan: %s: "%s" (text not found; id %s)'):format(
          describe(rec), rec.quote or '', rec.id), valid = 0 }
      else
        local r1, c1 = where.pos(s.buf, rec.spans[1][1])
        local r2, c2 = where.pos(s.buf, rec.spans[#rec.spans][2])
        items[#items + 1] = { bufnr = s.buf, lnum = r1 + 1, col = c1 + 1, end_lnum = r2 + 1, end_col = c2 + 1,
          text = ('%s: %s'):format(describe(rec), M.quote(s.buf, rec.spans)) }
      end
    end
  end
  local what = filter and filter ~= '' and (' (' .. filter .. ')') or ''
  return items, ('stance: %s%s'):format(s.rel, what)
end

--- The annotations of session `s` changed: its location lists still open (made by :Stance
--- list, not replaced since) are made again after this key, the entry selected kept when
--- the list is as long (an annotation deleted takes its relations out of the list).
---@param s stance.Session
function M.lists_changed(s)
  if next(H.lists) == nil or H.lists_pending then return end
  H.lists_pending = true
  vim.schedule(function()
    H.lists_pending = false
    for win, l in pairs(H.lists) do
      local cur = vim.api.nvim_win_is_valid(win) and vim.fn.getloclist(win, { title = 0, idx = 0 })
      if not cur or cur.title ~= l.title then
        H.lists[win] = nil
      elseif l.buf == s.buf and require('stance.editor.session').by_buf[s.buf] == s then
        local items, title = H.list_items(s, l.filter)
        vim.fn.setloclist(win, {}, 'r', { title = title, items = items,
          idx = math.max(1, math.min(cur.idx or 1, #items)) })
      end
    end
  end)
end

--- Completion for :Stance list: labels, stances and targets of the schema, orphans, conflicts,
--- relations.
function M.complete_filter(arglead)
  local out = { 'orphans', 'conflicts', 'relations' }
  local s = require('stance.editor.session').get()
  local schema = s and s.corpus:schema()
  for _, kind in ipairs({ 'labels', 'stances', 'targets' }) do
    for _, e in ipairs(schema and schema[kind] or {}) do
      out[#out + 1] = e.name
    end
  end
  return vim.tbl_filter(function(x) return x:sub(1, #arglead) == arglead end, out)
end

return M
