--- Relations between annotations: `gL` (`:Stance link`) on one annotation, then on the other;
--- their marks after both ends ("[1 supports →]", "[→ 1 supports]"), for whatever layer a
--- window draws; their list (`:Stance list relations`). Messages quote the texts, not IDs.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

H.link_from = nil

--- The annotation under the cursor to link from or to: the only one there, or the one
--- picked by number (`verb` says which end); nil and a message, or nil when cancelled.
function H.end_here(verb)
  local s, recs = require('stance.editor.where').annotations_here()
  if not s then return nil, recs end
  local plain = {}
  for _, rec in ipairs(recs) do
    if not rec.conflict then plain[#plain + 1] = rec end
  end
  -- short: one line of the command line, no Press ENTER (:help stance-git says more)
  if #plain == 0 then return nil, 'in conflict (ours/theirs of a merge): gX or :Stance keep ends it' end
  local rec = require('stance.editor.nav').pick_record(s, plain, verb)
  if not rec then return nil end
  return s, rec
end

--- :Stance link [TYPE]: first on the source annotation, then on the target one. Where
--- several annotations are under the cursor, each end is picked by number.
function M.link(args)
  local s, rec = H.end_here(H.link_from and 'link to' or 'link from')
  if not s then
    if rec then require('stance.notify').error(rec) end
    return
  end
  if s.readonly then -- before both ends are picked and the type asked
    H.link_from = nil
    return require('stance.notify').line(s.readonly, vim.log.levels.ERROR)
  end
  if not H.link_from or H.link_from.buf ~= s.buf or not s.store:get(H.link_from.id) then
    H.link_from = { buf = s.buf, id = rec.id, type = args[1] }
    require('stance.compat').echo(('link from %s "%s": go to the other annotation and link again (gL)')
      :format(rec.label or '', require('stance.editor.nav').quote(s.buf, rec.spans, 40)))
    return 'pending'
  end
  local from = H.link_from
  H.link_from = nil
  if from.id == rec.id then return require('stance.notify').warn('an annotation cannot be linked to itself') end
  local type_ = args[1] or from.type or require('stance.editor.prompt').one(s.corpus:schema(), 'relation')
  if not type_ then return end
  local ok, err = require('stance.editor.ops').add(s, 'relation', { from = from.id, to = rec.id, type = type_ })
  if not ok then return require('stance.notify').line(err, vim.log.levels.ERROR) end
  local src = s.store:get(from.id)
  require('stance.compat').echo(('linked: %s %s %s'):format(H.end_text(s, src, 30), type_, H.end_text(s, rec, 30)))
  return ok
end

--- An end of a relation as messages and lists show it: its label and its words.
function H.end_text(s, r, max)
  if not r then return '(gone)' end
  local label = r.label or table.concat({ r.target or '', r.stance or '' }, ' '):gsub('^ +', ''):gsub(' +$', '')
  label = label ~= '' and label .. ' ' or ''
  if r.orphan or not r.spans then return ('%s"%s" (orphan)'):format(label, r.quote or '') end
  return ('%s"%s"'):format(label, require('stance.editor.nav').quote(s.buf, r.spans, max))
end

--- :Stance unlink: remove a relation of an annotation under the cursor (from it or to it),
--- picked by number when there are several. One operation: `u` brings it back.
function M.unlink()
  local s, recs = require('stance.editor.where').annotations_here()
  if not s then return require('stance.notify').error(recs) end
  local here = {}
  for _, rec in ipairs(recs) do
    here[rec.id] = true
  end
  local rels = {}
  for _, rel in ipairs(s.store:records('relation')) do
    if here[rel.from] or here[rel.to] then rels[#rels + 1] = rel end
  end
  if #rels == 0 then return require('stance.notify').error('no relation from or to the annotation under the cursor') end
  table.sort(rels, function(a, b) return a.id < b.id end)
  local function describe(rel, max)
    return ('%s %s %s'):format(H.end_text(s, s.store:get(rel.from), max), rel.type or '?',
      H.end_text(s, s.store:get(rel.to), max))
  end
  local rel = rels[1]
  if #rels > 1 then
    local entries = {}
    for i, r in ipairs(rels) do
      if i > 9 then break end
      entries[i] = { key = tostring(i), name = describe(r, 20), rel = r }
    end
    local e = require('stance.editor.prompt').pick('unlink', entries)
    if not e then return end
    rel = e.rel
  end
  local text = describe(rel, 30)
  local ok, err = require('stance.editor.ops').remove(s, rel.id)
  if not ok then return require('stance.notify').line(err, vim.log.levels.ERROR) end
  require('stance.compat').echo(('unlinked: %s (u brings it back)'):format(text))
  return true
end

--- Per annotation ID of `layer`: the marks of its relations ({text, group} chunks), made
--- again only when relations or document stances may have changed (not at each new
--- annotation: listing the records of a 100k-annotation layer takes milliseconds). A
--- relation shows at both ends: "[1 supports →]" after its source, "[→ 1 supports]" after
--- its target, numbered in the order of the sources. Another annotator's are numbered in
--- their layer, which their marks name ("[ben 1 supports →]"): two layers on one screen
--- (shown over yours, or side by side) do not show the same mark for two relations.
function M.marks(s, layer)
  s.rel_cache = s.rel_cache or {}
  local c = s.rel_cache[layer.name]
  local n = layer.store:count('relation')
  if c and c.version == (s.meta_version or 0) and c.store == layer.store and c.n == n then return c.marks end
  if n == 0 then
    s.rel_cache[layer.name] = { version = s.meta_version or 0, store = layer.store, n = 0, marks = {} }
    return s.rel_cache[layer.name].marks
  end
  local rels = layer.store:records('relation')
  local store = layer.store
  local function first(id)
    local r = store:get(id)
    return r and r.spans and r.spans[1] and r.spans[1][1] or math.huge
  end
  table.sort(rels, function(x, y)
    local fx, fy = first(x.from), first(y.from)
    if fx ~= fy then return fx < fy end
    return x.id < y.id
  end)
  local marks = {}
  local function add(id, text)
    marks[id] = marks[id] or {}
    table.insert(marks[id], { ' ' .. text, 'StanceRelation' })
  end
  local whose = layer.own and '' or (layer.name .. ' ')
  for i, rel in ipairs(rels) do
    add(rel.from, ('[%s%d %s →]'):format(whose, i, rel.type or '?'))
    add(rel.to, ('[→ %s%d %s]'):format(whose, i, rel.type or '?'))
  end
  s.rel_cache[layer.name] = { version = s.meta_version or 0, store = layer.store, n = n, marks = marks }
  return marks
end

--- Location-list items of the relations of the session's layer: one per relation, at its
--- source, with its type and the labels and texts of both ends.
function M.items(s)
  local items = {}
  local function text(id, max)
    return H.end_text(s, s.store:get(id), max)
  end
  local rels = s.store:records('relation')
  local function first(id)
    local r = s.store:get(id)
    return r and not r.orphan and r.spans and r.spans[1][1] or math.huge
  end
  table.sort(rels, function(a, b)
    if first(a.from) ~= first(b.from) then return first(a.from) < first(b.from) end
    return a.id < b.id
  end)
  for i, rel in ipairs(rels) do
    local from = s.store:get(rel.from)
    local item = { bufnr = s.buf,
      text = ('[%d] %s %s %s'):format(i, text(rel.from, 40), rel.type or '?', text(rel.to, 40)) }
    if from and from.spans and not from.orphan then
      local r1, c1 = require('stance.editor.where').pos(s.buf, from.spans[1][1])
      item.lnum, item.col = r1 + 1, c1 + 1
    else
      item.valid = 0
    end
    items[#items + 1] = item
  end
  return items
end

return M
