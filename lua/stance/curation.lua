--- Curation of one document into the `gold` layer: the places where annotators' layers
--- meet (annotations per target where they overlap, document stances per target, relations
--- between those places), which of them every annotator agrees on and which are disputed,
--- and the decisions. Agreed places go into gold as soon as a curation opens (a relation
--- waits until its ends are there); disputed ones take one annotator's version, the
--- curator's own (a version with some fields changed), or nothing. A record taken as an
--- annotator made it keeps that annotator as its `author`; one the curator changed has the
--- curator as author, and the curation state says whose version it was made from.
--- Rejections and those origins are kept in .stance/curation/, so that they stay decided.
--- No Neovim here: `:Stance curate`
--- (stance.editor.curation_panel) is the panel over it; scripts can use it as well.
local M = {}
local H = {}

M.GOLD = 'gold'

--- What an annotation, a document stance or a relation says, for comparing versions.
H.FIELDS = { 'label', 'target', 'stance', 'role' }

--- Attributes never copied into gold: the store's own, where a record was, merge marks,
--- the quote and context (made again from the text).
H.NOT_COPIED = { kind = true, id = true, spans = true, line = true, slot = true, touched = true, orphan = true,
  conflict = true, quote = true, prefix = true, suffix = true, from = true, to = true }

function H.signature(rec)
  local parts = {}
  for _, sp in ipairs(rec.spans or {}) do
    parts[#parts + 1] = sp[1] .. '-' .. sp[2]
  end
  for _, f in ipairs(H.FIELDS) do
    parts[#parts + 1] = rec[f] or ''
  end
  return table.concat(parts, '|')
end

--- Whether every annotator has a version and all are the same; the place's key.
function H.compare(p, names, prefix, sig)
  local sigs = {}
  for _, name in ipairs(names) do
    local list = {}
    for _, rec in ipairs(p.versions[name] or {}) do
      list[#list + 1] = sig(rec)
    end
    table.sort(list)
    sigs[#sigs + 1] = table.concat(list, ';')
  end
  p.unanimous = sigs[1] ~= ''
  for i = 2, #sigs do
    if sigs[i] ~= sigs[1] then p.unanimous = false end
  end
  p.key = prefix .. table.concat(sigs, '/')
end

function H.first(rec)
  return rec.spans[1][1], rec.spans[#rec.spans][2]
end

function H.overlaps(a1, b1, a2, b2)
  return a1 < b2 and a2 < b1
end

--- Annotation places: per target (false: none), the clusters of overlapping annotations
--- across the layers; also, per layer, which place each annotation is in, and how many
--- annotations were left out (a span outside the text).
function H.annotation_places(layers, names, target_rank, cps)
  local inside = require('stance.validate').inside
  local all, outside = {}, 0
  for _, name in ipairs(names) do
    for _, rec in ipairs(layers[name] and layers[name]:placed_records('annotation') or {}) do
      if rec.spans and #rec.spans > 0 and not rec.conflict and (rec.orphan or not inside(rec.spans, cps)) then
        outside = outside + 1
      elseif rec.spans and #rec.spans > 0 and not rec.conflict then
        local a, b = H.first(rec)
        all[#all + 1] = { a = a, b = b, t = rec.target or false, name = name, rec = rec }
      end
    end
  end
  local function trank(t)
    if t == false then return math.huge end
    return target_rank[t] or (#target_rank + 1)
  end
  table.sort(all, function(x, y)
    if x.t ~= y.t then
      local rx, ry = trank(x.t), trank(y.t)
      if rx ~= ry then return rx < ry end
      return tostring(x.t) < tostring(y.t)
    end
    if x.a ~= y.a then return x.a < y.a end
    if x.b ~= y.b then return x.b < y.b end
    return H.signature(x.rec) < H.signature(y.rec)
  end)
  local places, cur, where = {}, nil, {}
  for _, e in ipairs(all) do
    if cur and cur.target == e.t and e.a < cur.stop then
      if e.b > cur.stop then cur.stop = e.b end
    else
      cur = { kind = 'annotation', target = e.t, start = e.a, stop = e.b, versions = {} }
      places[#places + 1] = cur
    end
    cur.versions[e.name] = cur.versions[e.name] or {}
    table.insert(cur.versions[e.name], e.rec)
    where[e.name .. '\0' .. e.rec.id] = cur
  end
  for _, p in ipairs(places) do
    H.compare(p, names, 'annotation:' .. tostring(p.target) .. ':', H.signature)
  end
  return places, where, outside
end

--- Document stance places: one per target any annotator gave the document a stance toward.
function H.doclabel_places(layers, names, target_rank)
  local by, order = {}, {}
  for _, name in ipairs(names) do
    for _, rec in ipairs(layers[name] and layers[name]:records('doclabel') or {}) do
      if not rec.conflict then
        local t = rec.target or false
        if not by[t] then
          by[t] = { kind = 'doclabel', target = t, versions = {} }
          order[#order + 1] = t
        end
        by[t].versions[name] = by[t].versions[name] or {}
        table.insert(by[t].versions[name], rec)
      end
    end
  end
  table.sort(order, function(x, y)
    local rx, ry = x and target_rank[x] or math.huge, y and target_rank[y] or math.huge
    if rx ~= ry then return rx < ry end
    return tostring(x) < tostring(y)
  end)
  local out = {}
  for i, t in ipairs(order) do
    out[i] = by[t]
    H.compare(by[t], names, 'doclabel:' .. tostring(t) .. ':', H.signature)
  end
  return out
end

--- Relation places: the relations between the same two annotation places.
function H.relation_places(layers, names, where, index)
  local by, order = {}, {}
  for _, name in ipairs(names) do
    for _, rel in ipairs(layers[name] and layers[name]:records('relation') or {}) do
      local from, to = where[name .. '\0' .. tostring(rel.from)], where[name .. '\0' .. tostring(rel.to)]
      if from and to and not rel.conflict then
        local k = index[from] .. '>' .. index[to]
        if not by[k] then
          by[k] = { kind = 'relation', from = from, to = to, versions = {} }
          order[#order + 1] = by[k]
        end
        by[k].versions[name] = by[k].versions[name] or {}
        table.insert(by[k].versions[name], rel)
      end
    end
  end
  table.sort(order, function(x, y)
    if index[x.from] ~= index[y.from] then return index[x.from] < index[y.from] end
    return index[x.to] < index[y.to]
  end)
  for _, p in ipairs(order) do
    H.compare(p, names, 'relation:' .. p.from.key .. '>' .. p.to.key .. ':', function(rel) return rel.type or '' end)
  end
  return order
end

--- Every place of the document across `names`' layers, in the order they are curated:
--- document stances, annotations by position, relations. Annotations with a span outside
--- the text are not places (their number is the second result).
---@param doc stance.Document
---@param names string[]
---@return table[] places { kind, target, start, stop, from, to, versions = {[name] = {rec, ...}}, key, unanimous }
---@return integer outside annotations left out: a span outside the text
function M.places(doc, names)
  local layers = {}
  for _, name in ipairs(names) do
    layers[name] = doc:layer(name)
  end
  local schema = doc.corpus:schema()
  local target_rank = {}
  for i, t in ipairs(schema and schema.targets or {}) do
    target_rank[t.name] = i
  end
  local model = doc:model()
  local ann, where, outside = H.annotation_places(layers, names, target_rank, model and model:cps() or 0)
  -- annotations in the order of the text (then of targets)
  local index = {}
  for i, p in ipairs(ann) do
    index[p] = i
  end
  table.sort(ann, function(x, y)
    if x.start ~= y.start then return x.start < y.start end
    if x.stop ~= y.stop then return x.stop < y.stop end
    return index[x] < index[y]
  end)
  for i, p in ipairs(ann) do
    index[p] = i
  end
  local out = H.doclabel_places(layers, names, target_rank)
  for _, p in ipairs(ann) do
    out[#out + 1] = p
  end
  for _, p in ipairs(H.relation_places(layers, names, where, index)) do
    out[#out + 1] = p
  end
  return out, outside
end

-- ---- the curation of a document -----------------------------------------------------------

--- The curation state file of a document: the rejections, which leave nothing in gold.
function H.state_path(c, rel)
  return require('stance.curation_state').path(c.root, rel)
end

--- The layers among `names` (and gold) whose files have errors: what could not be read of
--- them would be taken for "no annotation" there, and an agreed place computed without it
--- written to gold; so the curation is refused until they are fixed or left out. Nil when
--- every file reads completely; else { unreadable = { {name, where, errors}, ... }, others
--- = names readable }, and the message.
function H.unreadable(corpus, doc, names, gold)
  local first_error = require('stance.annfile').first_error
  local bad, others, parts = {}, {}, {}
  for _, name in ipairs(names) do
    local layer, err = doc:layer(name)
    local where, n
    if not layer then
      where, n = err, 1
    else
      where, n = first_error(layer.file.path, layer.file.problems, corpus.root)
    end
    if where then
      bad[#bad + 1] = { name = name, where = where, errors = n }
      parts[#parts + 1] = require('stance.annfile').errors_said(name, where, n)
    else
      others[#others + 1] = name
    end
  end
  local gwhere, gn = first_error(gold.file.path, gold.file.problems, corpus.root)
  if #bad == 0 and not gwhere then return nil end
  -- what to do first, then where (the editor says it on one line, cut where the screen ends)
  local msg
  if gwhere then
    msg = ("cannot curate %s: fix gold's file first (stance check lists its errors), curation would not be saved"
      .. ' over it; %s'):format(doc.path, require('stance.annfile').errors_said('gold', gwhere, gn))
  else
    local broken = {}
    for _, b in ipairs(bad) do broken[#broken + 1] = b.name end
    msg = ('cannot curate %s: fix %s (stance check lists every error)%s; %s; what could not be read would'
      .. ' count as "no annotation" (and a place agreed without it would go into gold)'):format(doc.path,
      #broken == 1 and ("%s's file"):format(broken[1]) or ('the files of ' .. table.concat(broken, ', ')),
      #others >= 2 and (', or curate without it: only %s'):format(table.concat(others, ',')) or '',
      table.concat(parts, '; '))
  end
  return { unreadable = bad, others = others, gold = gwhere }, msg
end

--- A copy of a curation state (what it was when read: the base of the merge at a save).
function H.copy_state(state)
  local json = require('stance.json')
  return json.decode(json.encode(state))
end

---@class stance.Curation
---@field corpus stance.Corpus
---@field doc stance.Document
---@field names string[] the annotators compared
---@field gold table stance.Layer
---@field places table[] every place (see M.places)
---@field disputed table[] the places annotators disagree on, in order
---@field agreed table[] the places every annotator agrees on
---@field outside integer annotations not curated: a span outside the text (orphans)
---@field curator string who curates: the author of what they change

--- Open the curation of document `path` among `names` (default: every person with a layer
--- on it, see corpus:is_person) by `curator` (default: the corpus's annotator, see
--- stance.whoami): its places; nothing is written yet (see apply_agreed). Refused while the
--- file of one of them (or gold's) has errors (`stance check`): what could not be read of it
--- would be taken for "no annotation".
---@param corpus stance.Corpus
---@param path string
---@param names string[]|nil
---@param curator string|nil
---@return stance.Curation|nil
---@return string|nil err
---@return table|nil unreadable when refused for files with errors: { unreadable = { {name, where, errors},
--- ... }, others = the annotators whose files read completely, gold = where gold's first error is }
function M.open(corpus, path, names, curator)
  local doc, err = corpus:document(path)
  if not doc then return nil, err end
  if not names or #names == 0 then
    names = {}
    for _, n in ipairs(doc:annotators()) do
      if corpus:is_person(n) then names[#names + 1] = n end
    end
  end
  if #names < 2 then
    return nil, ('curation needs two annotators or more on %s (it has %s)'):format(path,
      #names == 0 and 'none' or table.concat(names, ', '))
  end
  local gold, gerr = doc:layer(M.GOLD)
  if not gold then return nil, gerr end
  local broken, berr = H.unreadable(corpus, doc, names, gold)
  if broken then return nil, berr, broken end
  -- a state file that cannot be parsed holds decisions: refused until fixed, never written over
  local state, serr = require('stance.curation_state').load(corpus, doc.path)
  if not state then return nil, serr end
  local places, outside = M.places(doc, names)
  local cur = { corpus = corpus, doc = doc, rel = doc.path, names = names, gold = gold, places = places,
    outside = outside, curator = curator or corpus.annotator, disputed = {}, agreed = {},
    state = state, state_base = H.copy_state(state) }
  for _, p in ipairs(cur.places) do
    table.insert(p.unanimous and cur.agreed or cur.disputed, p)
  end
  return setmetatable(cur, { __index = M })
end

--- The status of each annotator on the document ("done", "in-progress", "not-started").
function M:statuses()
  local out = {}
  for _, name in ipairs(self.names) do
    out[name] = self.doc:status(name) or 'not-started'
  end
  return out
end

--- The records of `kind` in gold for which `keep(rec)` holds.
function H.gold(cur, kind, keep)
  local out = {}
  for _, rec in ipairs(cur.gold:records(kind)) do
    if keep(rec) then out[#out + 1] = rec end
  end
  return out
end

--- Gold's annotations in place `p` (same target, overlapping).
function H.gold_in(cur, p)
  return H.gold(cur, 'annotation', function(rec)
    local a, b = H.first(rec)
    return (rec.target or false) == p.target and H.overlaps(a, b, p.start, p.stop)
  end)
end

--- The gold annotation standing for annotator's annotation `rec` in place `p`: the one
--- overlapping it the most (then the first).
function H.gold_end(cur, p, rec)
  local best, best_n = nil, 0
  for _, g in ipairs(H.gold_in(cur, p)) do
    local n = 0
    for _, s in ipairs(g.spans) do
      for _, t in ipairs(rec.spans) do
        n = n + math.max(0, math.min(s[2], t[2]) - math.max(s[1], t[1]))
      end
    end
    if n > best_n or not best then best, best_n = g, n end
  end
  return best
end

--- Gold's relations between places `p.from` and `p.to`.
function H.gold_relations(cur, p)
  local from, to = {}, {}
  for _, g in ipairs(H.gold_in(cur, p.from)) do
    from[g.id] = true
  end
  for _, g in ipairs(H.gold_in(cur, p.to)) do
    to[g.id] = true
  end
  return H.gold(cur, 'relation', function(rel) return from[rel.from] and to[rel.to] end)
end

function H.gold_doclabels(cur, p)
  return H.gold(cur, 'doclabel', function(rec) return (rec.target or false) == p.target end)
end

--- How place `p` stands: "accepted" (gold has something there), "rejected" (decided: gold
--- keeps nothing), or nil (open). A relation whose end was rejected is "dropped".
---@return string|nil
function M:resolved(p)
  -- two curators' decisions merged into a conflict: open until decided again
  if (self.state.conflicts or {})[p.key] then return nil end
  if self.state.rejected[p.key] then return 'rejected' end
  if p.kind == 'annotation' then
    return #H.gold_in(self, p) > 0 and 'accepted' or nil
  elseif p.kind == 'doclabel' then
    return #H.gold_doclabels(self, p) > 0 and 'accepted' or nil
  end
  if #H.gold_relations(self, p) > 0 then return 'accepted' end
  for _, e in ipairs({ p.from, p.to }) do
    if self:resolved(e) == 'rejected' then return 'dropped' end
  end
  return nil
end

--- Gold's records in place `p`.
function H.gold_at(cur, p)
  if p.kind == 'annotation' then return H.gold_in(cur, p) end
  if p.kind == 'doclabel' then return H.gold_doclabels(cur, p) end
  return H.gold_relations(cur, p)
end

--- Where gold and the curation record disagree on place `p`, in words (nil: they do not):
--- two curators' decisions merged into a conflict (stance.curation_merge), a place the record
--- rejected that gold holds, one it accepted that gold lacks or holds more records of than
--- the version taken has (gold changed by hand, by a merge of two curators' golds, by a script).
--- The second result: "conflict", "rejected", "accepted" or "twice"; the third, gold's records
--- there.
---@return string|nil message
---@return string|nil kind
---@return table[]|nil records
function M:disagreement(p)
  local st = self.state
  local CM = require('stance.curation_merge')
  local c = (st.conflicts or {})[p.key]
  if type(c) == 'table' then
    return ('two curators decided it differently (ours %s, theirs %s; merged): open until decided again'):format(
      CM.said(c.ours), CM.said(c.theirs)), 'conflict', H.gold_at(self, p)
  end
  local recs = H.gold_at(self, p)
  if st.rejected[p.key] and #recs > 0 then
    return ('the curation record rejected it, but gold holds it (%d record(s)): decide it again'):format(#recs),
      'rejected', recs
  end
  local acc = (st.accepted or {})[p.key]
  if acc ~= nil and #recs == 0 then
    return ('the curation record %s, but gold has nothing here: decide it again'):format(
      CM.said({ accepted = acc })), 'accepted', recs
  end
  -- the same decision made by two curators, their golds merged: each added its copy
  local whose = type(acc) == 'table' and acc.version or acc
  local n = type(whose) == 'string' and p.versions[whose] and #p.versions[whose]
  if n and #recs > n then
    return ('the curation record %s (%d record(s)), but gold holds %d here (two curators\' golds merged?):'
      .. ' decide it again'):format(CM.said({ accepted = acc }), n, #recs), 'twice', recs
  end
  return nil
end

--- Every place where gold and the curation record disagree (see disagreement), in order:
--- { { place, message, kind, records }, ... }.
---@return table[]
function M:disagreements()
  local out = {}
  for _, p in ipairs(self.places) do
    local msg, kind, recs = self:disagreement(p)
    if msg then out[#out + 1] = { place = p, message = msg, kind = kind, records = recs } end
  end
  return out
end

--- Whether the ends of relation place `p` are in gold.
function H.ends_in_gold(cur, p)
  return #H.gold_in(cur, p.from) > 0 and #H.gold_in(cur, p.to) > 0
end

--- The fields of `rec` to copy into gold.
function H.copy(rec, author)
  local out = {}
  for k, v in pairs(rec) do
    if not H.NOT_COPIED[k] then out[k] = v end
  end
  if author and not out.author then out.author = author end
  return out
end

--- Remove what gold has in place `p`.
function H.clear(cur, p)
  local list
  if p.kind == 'annotation' then
    list = H.gold_in(cur, p)
  elseif p.kind == 'doclabel' then
    list = H.gold_doclabels(cur, p)
  else
    list = H.gold_relations(cur, p)
  end
  for _, rec in ipairs(list) do
    cur.gold:remove(rec.id)
    cur.state.based_on[rec.id] = nil
  end
end

--- Whether `changes` change any field of `rec` (false: removes it).
function H.changed(rec, changes)
  for k, v in pairs(changes or {}) do
    if (v == false and rec[k] ~= nil) or (v ~= false and rec[k] ~= v) then return true end
  end
  return false
end

--- Write records `recs` (a version of place `p`, from annotator `author`) into gold, with
--- `changes` over each (the curator's own version). A record the changes change is the
--- curator's: its author, made now (not when the annotator made theirs); the state keeps
--- whose version it came from. A record taken as it was keeps its annotator as author.
function H.write(cur, p, recs, author, changes)
  for _, rec in ipairs(recs) do
    local fields = H.copy(rec, author)
    local own = H.changed(fields, changes)
    for k, v in pairs(changes or {}) do
      if v == false then fields[k] = nil else fields[k] = v end
    end
    if own then
      fields.author, fields.created, fields.modified = cur.curator, nil, nil
    end
    local ok, err
    if p.kind == 'annotation' then
      fields.spans = rec.spans
      ok, err = cur.gold:add('annotation', fields)
    elseif p.kind == 'doclabel' then
      ok, err = cur.gold:add('doclabel', fields)
    else
      local ann = H.annotation_of(cur, author, rec)
      local from = ann.from and H.gold_end(cur, p.from, ann.from)
      local to = ann.to and H.gold_end(cur, p.to, ann.to)
      if not from or not to then
        return nil, 'the ends of this relation are not in gold: decide them first'
      end
      fields.from, fields.to = from.id, to.id
      ok, err = cur.gold:add('relation', fields)
    end
    if not ok then return nil, err end
    if own then cur.state.based_on[ok.id] = author end
  end
  return true
end

--- Whose version gold's record `id` was made from when the curator changed it (nil: it is
--- an annotator's record as they made it, or not the curation's).
---@return string|nil
function M:based_on(id)
  return self.state.based_on[id]
end

--- The annotations a relation of `name` links.
function H.annotation_of(cur, name, rel)
  local layer = cur.doc:layer(name)
  return { from = layer and layer.file.store:get(rel.from), to = layer and layer.file.store:get(rel.to) }
end

--- Write every agreed place gold does not have yet (relations once their ends are there).
---@return integer added places written
function M:apply_agreed()
  local n = 0
  for _, p in ipairs(self.agreed) do
    if not self:resolved(p) and (p.kind ~= 'relation' or H.ends_in_gold(self, p)) then
      if H.write(self, p, p.versions[self.names[1]], self.names[1]) then n = n + 1 end
    end
  end
  return n
end

--- Accept annotator `name`'s version of place `p` (no version: gold keeps nothing there).
---@return boolean|nil ok
---@return string|nil err
function M:accept(p, name)
  local recs = p.versions[name]
  if p.kind == 'relation' and recs and not H.ends_in_gold(self, p) then
    return nil, 'the ends of this relation are not in gold: decide them first'
  end
  H.clear(self, p)
  H.decide(self, p, nil)
  if not recs then
    H.decide(self, p, 'rejected')
    self.decided = true
    return true
  end
  local ok, err = H.write(self, p, recs, name)
  if not ok then return nil, err end
  H.decide(self, p, name)
  self.decided = true
  self:apply_agreed()
  return true
end

--- Your own version of place `p`: annotator `base`'s version with `changes` (fields; false
--- removes one); every attribute not in `changes` is kept (spans, role, note, ...).
---@return boolean|nil ok
---@return string|nil err
function M:own(p, base, changes)
  local recs = p.versions[base]
  if not recs then return nil, ('%s has no version here'):format(base) end
  if p.kind == 'relation' and not H.ends_in_gold(self, p) then
    return nil, 'the ends of this relation are not in gold: decide them first'
  end
  -- checked on copies first, so that gold is not cleared for a version the schema refuses
  local validate = require('stance.validate')
  local schema = self.corpus:schema()
  for _, rec in ipairs(recs) do
    local fields = H.copy(rec, base)
    for k, v in pairs(changes) do
      if v == false then fields[k] = nil else fields[k] = v end
    end
    local kind = p.kind
    local ok, err = validate.record(kind, fields, schema)
    if ok and kind ~= 'relation' then ok, err = validate.apply_label(fields, schema) end
    if not ok then return nil, err end
  end
  H.clear(self, p)
  H.decide(self, p, nil)
  local ok, err = H.write(self, p, recs, base, changes)
  if not ok then return nil, err end
  self.decided = true
  -- another target: this place keeps nothing for its own (the new one belongs to the
  -- other target's place, if there is one)
  if p.kind ~= 'relation' and changes.target ~= nil and (changes.target or false) ~= p.target then
    H.decide(self, p, 'rejected')
  else
    H.decide(self, p, { version = base, changed = changes })
  end
  self:apply_agreed()
  return true
end

--- Record the decision of place `p` in the state: 'rejected', whose version gold took (a name,
--- or { version = NAME, changed = {...} } for the curator's own), or nil (none yet). A
--- decision ends a conflict of two curators' decisions there (stance.curation_merge).
function H.decide(cur, p, d)
  local st = cur.state
  st.rejected[p.key] = nil
  if st.accepted then st.accepted[p.key] = nil end
  if st.conflicts then
    st.conflicts[p.key] = nil
    if next(st.conflicts) == nil then st.conflicts = nil end
  end
  if d == 'rejected' then
    st.rejected[p.key] = true
  elseif d ~= nil then
    st.accepted = st.accepted or {}
    st.accepted[p.key] = d
  end
end

--- Reject every version of place `p`: gold keeps nothing there.
function M:reject(p)
  H.clear(self, p)
  H.decide(self, p, 'rejected')
  self.decided = true
end

---@class stance.CurationCounts
---@field disputed integer places annotators disagree on
---@field resolved integer of them, decided
---@field agreed integer places every annotator agrees on
---@field in_gold integer of them, in gold
---@field pending integer agreed relations waiting for their ends
---@field dropped integer agreed relations whose end was rejected
---@field done boolean nothing left to decide or to write

---@return stance.CurationCounts
function M:counts()
  local c = { disputed = #self.disputed, resolved = 0, agreed = #self.agreed, in_gold = 0, pending = 0, dropped = 0 }
  for _, p in ipairs(self.disputed) do
    if self:resolved(p) then c.resolved = c.resolved + 1 end
  end
  for _, p in ipairs(self.agreed) do
    local r = self:resolved(p)
    if r == 'accepted' then
      c.in_gold = c.in_gold + 1
    elseif r == 'dropped' or r == 'rejected' then
      c.dropped = c.dropped + 1
    else
      c.pending = c.pending + 1
    end
  end
  c.done = c.resolved == c.disputed and c.pending == 0
  return c
end

--- The annotators compared whose own layer does not mark the document done (in progress):
--- a sentence they have not annotated is not "no stance" yet, they may not have read it.
---@return string[]
function M:not_done()
  local out, st = {}, self:statuses()
  for _, n in ipairs(self.names) do
    if st[n] ~= 'done' then out[#out + 1] = n end
  end
  return out
end

--- Gold's status at the next save, and why. Done only when nothing is left to decide and
--- either every annotator compared is done with the document ("annotators-done"), gold was
--- done already ("kept"), or the curator said so (`mark`: "marked"); while an annotator is in
--- progress, a gold with nothing left stays in progress ("waiting"): what nobody has read yet
--- would count as "no stance" for the model, stance eval and stance report. A gold marked
--- done with places left to decide (an annotator's layer changed after it) stays done until
--- the first decision of this curation ("stale"), then is in progress ("open") until the last.
---@return string status "done" or "in-progress"
---@return string why "annotators-done", "kept", "marked", "waiting", "stale" or "open"
function M:gold_status()
  local c = self:counts()
  local now = self.gold:status()
  if not c.done then
    if now == 'done' and not self.decided then return 'done', 'stale' end
    return 'in-progress', 'open'
  end
  if self.marked then return self.marked, 'marked' end
  if now == 'done' then return 'done', 'kept' end
  if #self:not_done() == 0 then return 'done', 'annotators-done' end
  return 'in-progress', 'waiting'
end

--- The curator's own word on gold's status (saved with the next `save`): "done" marks it
--- done though an annotator is still in progress (every sentence without an annotation in
--- gold then counts as "no stance"; the state file keeps who said so, `done_by`); refused
--- while something is left to decide. "in-progress" takes it back (until nothing is left and
--- every annotator is done, see gold_status).
---@param status string "done" or "in-progress"
---@return boolean|nil ok
---@return string|nil err
function M:mark(status)
  if status ~= 'done' and status ~= 'in-progress' then
    error(('status should be done or in-progress, got %s'):format(tostring(status)), 2)
  end
  local c = self:counts()
  if status == 'done' and not c.done then
    local left = (c.disputed - c.resolved) + c.pending
    return nil, ('gold of %s not marked done: %d place(s) left to decide'):format(self.rel, left)
  end
  self.marked = status
  return true
end

--- The fingerprint of what annotator `name`'s layer gives the curation (its annotations where
--- they are, document stances, relations with their ends; not notes of the file, order or IDs):
--- "sha256:...", or nil when it has no layer. Kept in the state (`layers`) when a save leaves
--- nothing to decide, so that a stale gold names the layers changed since (stance.curation_stale).
---@param name string
---@return string|nil
function M:fingerprint(name)
  local layer = self.doc:layer(name)
  if not layer then return nil end
  local list = {}
  for _, rec in ipairs(layer:placed_records('annotation')) do
    if not rec.conflict then list[#list + 1] = 'a:' .. H.signature(rec) end
  end
  for _, rec in ipairs(layer:records('doclabel')) do
    if not rec.conflict then list[#list + 1] = 'd:' .. H.signature(rec) end
  end
  local store = layer.file.store
  for _, rel in ipairs(layer:records('relation')) do
    local from, to = store:get(rel.from), store:get(rel.to)
    if not rel.conflict then
      list[#list + 1] = ('r:%s:%s>%s'):format(rel.type or '', from and H.signature(from) or '?',
        to and H.signature(to) or '?')
    end
  end
  table.sort(list)
  return 'sha256:' .. require('stance.core').sha256(table.concat(list, '\n'))
end

--- Write gold (its status: see gold_status) and the curation state.
--- The state file may have changed since the curation opened (another curator's session, a
--- script, a pull through `stance merge`): the decisions made here are merged into what it
--- has now (stance.curation_merge: the base is the state as this curation read it), written
--- only over the bytes just read (else merged again), and the merge becomes this curation's
--- state. A value changed both here and there differently (`based_on` of one gold record)
--- keeps this curation's: said in the second result ("curation state ...: N conflict(s) ...").
---@return boolean|nil ok
---@return string|nil err_or_conflicts the error (ok nil), or what merged with a conflict
function M:save()
  local cs = require('stance.curation_state')
  -- the state file was changed since (a pull) and cannot be parsed now: not written over
  local _, serr = cs.load(self.corpus, self.rel)
  if serr then return nil, serr end
  self.gold:set_status((self:gold_status()))
  -- whom this curation compared: `stance check` and `stance report` compare the same people
  -- when they look whether a gold marked done still decides everything
  self.state.annotators = self.names
  -- a conflict of two curators' decisions whose place is no longer there (a layer changed
  -- since: its places are new, open) has nothing left to decide
  if self.state.conflicts then
    local keys = {}
    for _, p in ipairs(self.places) do
      keys[p.key] = true
    end
    for k in pairs(self.state.conflicts) do
      if not keys[k] then self.state.conflicts[k] = nil end
    end
    if next(self.state.conflicts) == nil then self.state.conflicts = nil end
  end
  -- the layers everything was decided with: a stale gold names those changed since
  if self:counts().done then
    local fps = {}
    for _, n in ipairs(self.names) do
      fps[n] = self:fingerprint(n)
    end
    self.state.layers = fps
  end
  -- the curator's word, kept: a gold done while an annotator is in progress was meant so
  if self.marked == 'done' then
    self.state.done_by = self.curator or true
  elseif self.marked == 'in-progress' or self.gold:status() ~= 'done' then
    self.state.done_by = nil
  end
  local ok, err = self.gold:save()
  if not ok then return nil, err end
  local json = require('stance.json')
  for _ = 1, 8 do
    local disk, derr, hash = cs.load(self.corpus, self.rel)
    if not disk then return nil, derr end
    local merged, conflicts = require('stance.curation_merge').states(self.state_base, self.state, disk)
    merged.rejected, merged.based_on = merged.rejected or {}, merged.based_on or {}
    if next(merged.accepted or {}) == nil then merged.accepted = nil end
    if next(merged.conflicts or {}) == nil then merged.conflicts = nil end
    -- inside the corpus only (a committed .stance/curation link is not written through)
    local code
    ok, err, code = require('stance.fs').write_inside(self.corpus.root, H.state_path(self.corpus, self.rel),
      json.encode(merged) .. '\n', hash)
    if ok then
      self.state, self.state_base = merged, H.copy_state(merged)
      if #conflicts == 0 then return true end
      -- a value changed on both sides keeps yours; a place decided differently is open again
      local words = {}
      for i, c in ipairs(conflicts) do
        words[i] = c:match('^place ') and c or ('yours kept: ' .. c)
      end
      return true, ('curation state %s/%s.json: %d conflict(s), changed here and in the file meanwhile (another'
        .. ' curator, a pull): %s'):format(cs.dir, self.rel, #conflicts,
        require('stance.utf8').printable(table.concat(words, ', ')))
    end
    if code ~= 'ECHANGED' then return nil, err end
  end
  return nil, ('%s/%s.json keeps changing on disk; the curation state was not saved, try again'):format(cs.dir,
    self.rel)
end

return M
