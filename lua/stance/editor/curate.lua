--- Curation: `:Stance curate` walks through the places where the annotators of a document
--- disagree, one by one, with the text, each annotator's version and the progress; the
--- curator accepts a version, makes their own, or rejects them all. Decisions are written as
--- the `gold` layer (rejections in .stance/curation/, so that they stay decided).
local M = {}
local H = {}

M.GOLD = 'gold'

local FIELDS = { 'label', 'target', 'stance', 'role' }

--- What an annotation says, for comparing versions.
local function signature(rec)
  local parts = {}
  for _, sp in ipairs(rec.spans) do
    parts[#parts + 1] = sp[1] .. '-' .. sp[2]
  end
  for _, f in ipairs(FIELDS) do
    parts[#parts + 1] = rec[f] or ''
  end
  return table.concat(parts, '|')
end

--- Places of the document where annotations overlap, across `names`' layers: a list of
--- { start, stop, key, versions = { [name] = {rec, ...} }, unanimous = bool }.
---@param doc stance.Document
---@param names string[]
---@return table[]
function M.places(doc, names)
  local all = {}
  for _, name in ipairs(names) do
    local layer = doc:layer(name)
    for _, rec in ipairs(layer and layer:records('annotation') or {}) do
      if rec.spans and #rec.spans > 0 and not rec.conflict then
        all[#all + 1] = { a = rec.spans[1][1], b = rec.spans[#rec.spans][2], name = name, rec = rec }
      end
    end
  end
  table.sort(all, function(x, y)
    if x.a ~= y.a then return x.a < y.a end
    return x.b < y.b
  end)
  local places, cur = {}, nil
  for _, e in ipairs(all) do
    if cur and e.a < cur.stop then
      if e.b > cur.stop then cur.stop = e.b end
    else
      cur = { start = e.a, stop = e.b, versions = {} }
      places[#places + 1] = cur
    end
    cur.versions[e.name] = cur.versions[e.name] or {}
    table.insert(cur.versions[e.name], e.rec)
  end
  for _, p in ipairs(places) do
    local sigs = {}
    for _, name in ipairs(names) do
      local list = {}
      for _, rec in ipairs(p.versions[name] or {}) do
        list[#list + 1] = signature(rec)
      end
      table.sort(list)
      sigs[#sigs + 1] = table.concat(list, ';')
    end
    p.unanimous = true
    for i = 2, #sigs do
      if sigs[i] ~= sigs[1] then p.unanimous = false end
    end
    if sigs[1] == '' then p.unanimous = false end
    p.key = table.concat(sigs, '/')
  end
  return places
end

--- The curation state file of a document: decisions that leave nothing in gold.
function H.state_path(c, rel)
  return ('%s/.stance/curation/%s.json'):format(c.root, rel)
end

function H.load_state(c, rel)
  local text = require('stance.fs').read(H.state_path(c, rel))
  local ok, t = pcall(function() return text and require('stance.json').decode(text) end)
  return ok and type(t) == 'table' and t or { rejected = {} }
end

function H.save_state(st)
  local fs = require('stance.fs')
  local path = H.state_path(st.corpus, st.rel)
  local ok, err = fs.mkdir_p(fs.dirname(path))
  if ok then ok, err = require('stance.core').write_atomic(path, require('stance.json').encode(st.state) .. '\n') end
  if not ok then require('stance.notify').error(err) end
end

--- Whether the gold layer has an annotation over place `p`, or the place was rejected.
function H.resolved(st, p)
  if st.state.rejected[p.key] then return 'rejected' end
  for _, rec in ipairs(st.gold:records('annotation')) do
    local a, b = rec.spans[1][1], rec.spans[#rec.spans][2]
    if a < p.stop and p.start < b then return 'accepted' end
  end
  return nil
end

function H.counts(st)
  local done = 0
  for _, p in ipairs(st.todo) do
    if H.resolved(st, p) then done = done + 1 end
  end
  return done, #st.todo
end

--- Remove what gold has over place `p`.
function H.clear(st, p)
  for _, rec in ipairs(st.gold:records('annotation')) do
    local a, b = rec.spans[1][1], rec.spans[#rec.spans][2]
    if a < p.stop and p.start < b then st.gold:remove(rec.id) end
  end
end

function H.save_gold(st)
  local ok, err = st.gold:save()
  if not ok then return require('stance.notify').error(err) end
  local s = require('stance.editor.session').by_buf[st.doc_buf]
  if s and s.others[M.GOLD] then
    local shown = s.others[M.GOLD].shown
    s.others[M.GOLD] = nil
    local layer = require('stance.editor.layers').load(s, M.GOLD)
    if layer then layer.shown = shown end
    s:forget()
    require('stance.editor.render').redraw(s.buf)
  end
end

--- Accept the version of annotator `name` for the current place.
function M.accept(st, name)
  local p = st.todo[st.index]
  if not p then return end
  H.clear(st, p)
  for _, rec in ipairs(p.versions[name] or {}) do
    local fields = { spans = rec.spans, author = name, note = rec.note }
    for _, f in ipairs(FIELDS) do
      fields[f] = rec[f]
    end
    local ok, err = st.gold:add('annotation', fields)
    if not ok then return require('stance.notify').error(err) end
  end
  st.state.rejected[p.key] = nil
  if not p.versions[name] then st.state.rejected[p.key] = true end -- "none" accepted: nothing there
  H.save_state(st)
  H.save_gold(st)
  M.next(st)
end

--- Make the curator's own version of the current place: a label (and what it asks) over the
--- span of the first version.
function M.edit(st)
  local p = st.todo[st.index]
  if not p then return end
  local fields = require('stance.editor.prompt').label(st.corpus:schema())
  if not fields then return end
  local spans
  for _, name in ipairs(st.names) do
    if not spans and p.versions[name] then spans = p.versions[name][1].spans end
  end
  H.clear(st, p)
  fields.spans = spans
  local ok, err = st.gold:add('annotation', fields)
  if not ok then return require('stance.notify').error(err) end
  st.state.rejected[p.key] = nil
  H.save_state(st)
  H.save_gold(st)
  M.next(st)
end

--- Reject every version: gold keeps nothing over the current place.
function M.reject(st)
  local p = st.todo[st.index]
  if not p then return end
  H.clear(st, p)
  st.state.rejected[p.key] = true
  H.save_state(st)
  H.save_gold(st)
  M.next(st)
end

--- Accept every place where all annotators agree.
function M.accept_agreed(st)
  local n = 0
  for _, p in ipairs(st.agreed) do
    if not H.resolved(st, p) then
      for _, rec in ipairs(p.versions[st.names[1]]) do
        local fields = { spans = rec.spans, note = rec.note }
        for _, f in ipairs(FIELDS) do
          fields[f] = rec[f]
        end
        if st.gold:add('annotation', fields) then n = n + 1 end
      end
    end
  end
  H.save_gold(st)
  require('stance.compat').echo(('accepted %d annotation(s) all annotators agree on'):format(n))
  M.render(st)
end

--- Go to the next (or previous) unresolved place; stay when there is none.
function M.next(st, back)
  local n = #st.todo
  for step = 1, n do
    local i = back and ((st.index - 1 - step) % n) + 1 or ((st.index - 1 + step) % n) + 1
    if not H.resolved(st, st.todo[i]) then
      st.index = i
      break
    end
  end
  M.render(st)
end

--- Draw the panel and show the place in the document's window.
function M.render(st)
  if not vim.api.nvim_buf_is_valid(st.buf) then return end
  local p = st.todo[st.index]
  local done, total = H.counts(st)
  local lines = { ('curation of %s: %d of %d disagreements resolved'):format(st.rel, done, total), '' }
  local hls = {}
  if not p then
    lines[#lines + 1] = 'nothing to curate: the annotators agree everywhere'
  else
    local text = st.doc:text()
    local model = st.doc:model()
    local function slice(a, b) return text:sub(model:cp_to_byte(a) + 1, model:cp_to_byte(b)) end
    local state = H.resolved(st, p)
    lines[#lines + 1] = ('disagreement %d of %d%s'):format(st.index, total, state and (' (' .. state .. ')') or '')
    lines[#lines + 1] = ''
    for _, l in ipairs(vim.split(slice(p.start, p.stop), '\n', { plain = true })) do
      lines[#lines + 1] = '  ' .. l
    end
    lines[#lines + 1] = ''
    for i, name in ipairs(st.names) do
      local vs = p.versions[name]
      if not vs then
        lines[#lines + 1] = ('[%d] %s: (no annotation)'):format(i, name)
      else
        for j, rec in ipairs(vs) do
          local bits = {}
          for _, f in ipairs(FIELDS) do
            if rec[f] and (f == 'label' or rec[f] ~= rec.label) then bits[#bits + 1] = rec[f] end
          end
          lines[#lines + 1] = ('%s %s: %s  "%s"'):format(j == 1 and ('[' .. i .. ']') or '   ', name,
            table.concat(bits, ' '), slice(rec.spans[1][1], rec.spans[#rec.spans][2]):gsub('%s+', ' '))
          local group = require('stance.editor.highlight').for_record(rec)
          hls[#hls + 1] = { #lines - 1, group }
        end
      end
    end
  end
  lines[#lines + 1] = ''
  lines[#lines + 1] = '1-9 accept a version   e your own   x reject all'
  lines[#lines + 1] = 'n/p next/previous   a accept agreements   q quit'
  vim.bo[st.buf].modifiable = true
  vim.api.nvim_buf_set_lines(st.buf, 0, -1, false, lines)
  vim.bo[st.buf].modifiable = false
  local ns = vim.api.nvim_create_namespace('stance_curate')
  vim.api.nvim_buf_clear_namespace(st.buf, ns, 0, -1)
  for _, h in ipairs(hls) do
    require('stance.compat').add_highlight(st.buf, ns, h[2], h[1], 0, -1)
  end
  if p and vim.api.nvim_win_is_valid(st.doc_win) then
    local s = require('stance.editor.session').by_buf[st.doc_buf]
    if s then
      local off = s:get_frame():cp_to_buf(p.start)
      local row, col = require('stance.editor.where').pos(st.doc_buf, off)
      vim.api.nvim_win_set_cursor(st.doc_win, { row + 1, col })
      vim.api.nvim_win_call(st.doc_win, function() vim.cmd('normal! zz') end)
    end
  end
end

--- :Stance curate [A,B,...]: start curating the current document.
---@param names string[]|nil annotators (default: all but gold)
---@return table|nil state
function M.start(names)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  if vim.bo[s.buf].modified then
    return require('stance.notify').error('write the document first: curation works on the text as saved')
  end
  local doc = assert(s.corpus:document(s.rel))
  if not names or #names == 0 then
    names = {}
    for _, n in ipairs(doc:annotators()) do
      if n ~= M.GOLD then names[#names + 1] = n end
    end
  end
  if #names < 2 then
    return require('stance.notify').error(('curation needs two annotators or more on %s (it has %s)'):format(s.rel,
      #names == 0 and 'none' or table.concat(names, ', ')))
  end
  local gold, gerr = doc:layer(M.GOLD)
  if not gold then return require('stance.notify').error(gerr) end
  local st = { corpus = s.corpus, doc = doc, rel = s.rel, names = names, gold = gold, doc_buf = s.buf,
    doc_win = vim.api.nvim_get_current_win(), index = 1, todo = {}, agreed = {} }
  st.state = H.load_state(s.corpus, s.rel)
  st.state.rejected = st.state.rejected or {}
  for _, p in ipairs(M.places(doc, names)) do
    table.insert(p.unanimous and st.agreed or st.todo, p)
  end
  vim.cmd('botright vsplit')
  vim.cmd('vertical resize ' .. math.max(50, math.floor(vim.o.columns * 0.4)))
  st.buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_win_set_buf(0, st.buf)
  pcall(vim.api.nvim_buf_set_name, st.buf, 'stance://curate/' .. s.rel)
  vim.bo[st.buf].bufhidden = 'wipe'
  vim.wo.wrap = true
  local function map(lhs, fn)
    vim.keymap.set('n', lhs, fn, { buffer = st.buf, nowait = true, silent = true })
  end
  for i, name in ipairs(names) do
    if i <= 9 then map(tostring(i), function() M.accept(st, name) end) end
  end
  map('e', function() M.edit(st) end)
  map('x', function() M.reject(st) end)
  map('n', function() M.next(st) end)
  map('p', function() M.next(st, true) end)
  map('a', function() M.accept_agreed(st) end)
  map('q', function() vim.cmd('close') end)
  if #st.todo > 0 and H.resolved(st, st.todo[1]) then M.next(st) else M.render(st) end
  M.current = st
  return st
end

M.counts = H.counts
M.resolved = H.resolved

return M
