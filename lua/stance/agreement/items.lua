--- The items of agreement on a corpus (:help stance-agreement says the same in prose, for a
--- methods section): which layers are compared, which documents count, the units, and the
--- value each annotator gives each item. The items go into tallies
--- (stance.agreement.coefficients); stance.agreement turns them into the report.
---
--- Fields compared:
---   stance    items (unit, target), value the stance toward the target or "no stance"
---   role      items (unit), value the role or "no role"
---   label     items (unit), value the label of annotations that set no target, stance or
---             role (plain categories), or "no label"
---   document  items (document, target), value the document's stance toward the target
--- "No value" is `false` in the tallies: it never equals a value of the schema, whatever
--- its name (a stance called `none` is a stance).
local M = {}
local H = {}

local C = require('stance.agreement.coefficients')

M.FIELDS = { 'stance', 'role', 'label', 'document' }
M.UNITS = { sentence = true, token = true }

---@class stance.AgreementOptions
---@field annotators string[]|nil layers compared (default: every layer that is a person's)
---@field unit "sentence"|"token"|"span"|nil default "sentence"
---@field fields string[]|nil some of stance, role, label, document (default: those the corpus has)
---@field targets string[]|nil only these targets
---@field documents string[]|nil only these documents (paths relative to the root)
---@field in_progress boolean|nil count documents in progress as if done
---@field disagreements boolean|nil list the items annotators disagree on, with their text

-- ---- layers and documents -----------------------------------------------------------------

--- The layers compared (two or more) and those left out (each {layer, reason}).
---@return string[]|nil names
---@return table[]|string left_out, or the error
function M.layers(corpus, opts)
  local names, left = H.layers(corpus, opts)
  if names and #names < 2 then
    local why = {}
    for _, l in ipairs(left) do
      why[#why + 1] = l.layer .. ': ' .. l.reason
    end
    return nil, ('agreement needs two annotators or more (%s: %s%s)'):format(
      opts.annotators and 'asked for' or 'people here', #names == 0 and 'none' or table.concat(names, ', '),
      #why > 0 and ('; not counted: ' .. table.concat(why, '; ')) or '')
  end
  return names, left
end

function H.layers(corpus, opts)
  local left = {}
  if opts.annotators then
    local all, err = require('stance.layer_names').check(corpus, opts.annotators)
    if not all then return nil, err end
    local names, seen = {}, {}
    for _, n in ipairs(opts.annotators) do
      if not seen[n] then
        seen[n] = true
        names[#names + 1] = n
      end
    end
    for _, n in ipairs(all) do
      if not seen[n] then left[#left + 1] = { layer = n, reason = 'not asked for' } end
    end
    return names, left
  end
  local names = {}
  for _, n in ipairs(corpus:annotators()) do
    local person, what = corpus:is_person(n)
    if person then
      names[#names + 1] = n
    else
      left[#left + 1] = { layer = n, reason = 'not a person: ' .. what }
    end
  end
  return names, left
end

--- Whether each annotator counts on the document: its status, and why it does not count.
function M.statuses(doc, names, in_progress)
  local has = {}
  for _, n in ipairs(doc:annotators()) do
    has[n] = true
  end
  local status, counted, layers = {}, {}, {}
  for r, name in ipairs(names) do
    local st = 'not-started'
    if has[name] then
      local layer, err = doc:layer(name)
      if not layer then return nil, err end
      st = layer:status()
      layers[r] = layer
    end
    status[name] = st
    counted[r] = st == 'done' or (in_progress and st == 'in-progress') or false
  end
  return status, counted, layers
end

--- Why a document is left out: fewer than two annotators count on it (`broken`: the names
--- whose file of it has errors, left out of it).
function M.left_out_reason(names, status, in_progress, broken)
  local parts, any_broken = {}, false
  for _, name in ipairs(names) do
    local st = status[name]
    if broken and broken[name] then any_broken = true end
    if broken and broken[name] == 'conflicts' then
      parts[#parts + 1] = name .. "'s file holds an unresolved merge conflict"
    elseif broken and broken[name] then
      parts[#parts + 1] = name .. "'s file has errors"
    elseif st == 'not-started' then
      parts[#parts + 1] = name .. ' not started'
    elseif st == 'in-progress' and not in_progress then
      parts[#parts + 1] = name .. ' in progress'
    end
  end
  -- (a file with errors leaves out an annotator who marked the document done: not "done" then)
  return ('fewer than two annotators %s ('):format(any_broken and 'counted' or 'done') .. table.concat(parts, ', ')
    .. ')'
end

-- ---- units --------------------------------------------------------------------------------

--- The units of a document: parallel arrays of starts and stops (code points, sorted, not
--- overlapping) and a function giving a unit's place and text.
function H.units(doc, unit)
  local starts, stops = {}, {}
  local model, merr = doc:model()
  if not model then return nil, merr end
  if unit == 'sentence' then
    local list, err = doc:sentences()
    if not list then return nil, err end
    for i, s in ipairs(list) do
      starts[i], stops[i] = s.start, s.stop
    end
    return { starts = starts, stops = stops, cps = model:cps(), where = function(i)
      local s = list[i]
      return { start = s.start, stop = s.stop, line = s.line, col = s.col, text = s.text }
    end }
  end
  local t = model
  local words = t:words()
  for i, w in ipairs(words) do
    starts[i], stops[i] = t:byte_to_cp(w.start), t:byte_to_cp(w.stop)
  end
  local text = doc:text()
  return { starts = starts, stops = stops, cps = t:cps(), where = function(i)
    local w = words[i]
    local line, col = t:pos(w.start)
    return { start = starts[i], stop = stops[i], line = line + 1, col = col + 1, text = text:sub(w.start + 1, w.stop) }
  end }
end

--- The first unit whose stop is after `a` (binary search), or #stops + 1.
function H.first_after(stops, a)
  local lo, hi = 1, #stops + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if stops[mid] > a then hi = mid else lo = mid + 1 end
  end
  return lo
end

--- The units an annotation counts toward, each with the parts of it inside the unit. Each
--- span of the annotation counts on its own (a discontinuous annotation's pieces are not
--- pooled): a span counts for a unit it overlaps by at least half of the shorter of the two
--- (in code points), and the annotation counts for every unit one of its spans counts for,
--- with the parts of those spans. The one rule of agreement, the model's examples
--- (src/modeljob.c's classes_of applies it span by span too) and the sentence exports
--- (stance.export.rows).
---@param units {starts: integer[], stops: integer[]} sorted, not overlapping (code points)
---@param spans integer[][] the annotation's { start, stop } (code points)
---@return table[] { {unit index, { {lo, hi}, ... }}, ... } in the order of the units
function M.units_of(units, spans)
  local parts, order = {}, {}
  for _, sp in ipairs(spans) do
    local a, b = sp[1], sp[2]
    local i = H.first_after(units.stops, a)
    while i <= #units.starts and units.starts[i] < b do
      local lo, hi = math.max(a, units.starts[i]), math.min(b, units.stops[i])
      if hi > lo and M.counts(a, b, units.starts[i], units.stops[i]) then
        if not parts[i] then
          parts[i] = {}
          order[#order + 1] = i
        end
        parts[i][#parts[i] + 1] = { lo, hi }
      end
      i = i + 1
    end
  end
  table.sort(order)
  local out = {}
  for k, i in ipairs(order) do
    out[k] = { i, parts[i] }
  end
  return out
end

--- Whether span [a, b) counts for unit [ua, ub): they overlap by at least half of the
--- shorter of the two (code points).
---@return boolean
function M.counts(a, b, ua, ub)
  local over = math.min(b, ub) - math.max(a, ua)
  return over > 0 and 2 * over >= math.min(b - a, ub - ua)
end

--- The value one annotator gives one item when they gave several: the one whose parts
--- cover the most of the unit, then the first by `before`; and how many there were.
---@param by_v table an ordered map (keys, map) value -> { {lo, hi}, ... }
---@param before fun(a: string, b: string): boolean
---@return string value
---@return integer count
function M.pick(by_v, before)
  local vals = {}
  for i, v in ipairs(by_v.keys) do
    vals[i] = v
  end
  table.sort(vals, before)
  local best, best_n = nil, -1
  for _, v in ipairs(vals) do
    local n = H.covered(by_v.map[v])
    if n > best_n then best, best_n = v, n end
  end
  return best, #vals
end

--- Code points covered by a list of {lo, hi} (overlaps counted once).
function H.covered(parts)
  table.sort(parts, function(x, y) return x[1] < y[1] end)
  local n, at = 0, nil
  for _, p in ipairs(parts) do
    local lo = at and math.max(p[1], at) or p[1]
    if p[2] > lo then
      n = n + (p[2] - lo)
      at = p[2]
    end
  end
  return n
end

-- ---- fields -------------------------------------------------------------------------------

--- The value order of a field: the schema's names, then others sorted; `rank` of a value.
function M.ranker(entries)
  local rank = {}
  for i, e in ipairs(entries or {}) do
    rank[e.name] = i
  end
  return function(v) return rank[v] end
end

function M.before(rank)
  return function(x, y)
    local rx, ry = rank(x), rank(y)
    if rx and ry then return rx < ry end
    if rx or ry then return rx ~= nil end
    return x < y
  end
end

--- A field being tallied. Its values are the schema's (`schema_values`, so that every
--- confusion matrix has the same rows) and those found in the files; `given` says whether
--- anyone gave one.
function H.field(name, raters, schema_values, schema_groups, per_target)
  local f = {
    name = name, raters = raters, per_target = per_target, given = false,
    value_rank = M.ranker(schema_values), group_rank = M.ranker(schema_groups),
    groups = {}, group_list = {}, values = {}, value_list = {},
    pooled = C.tally(raters), docs = {}, several = {}, not_counted = {}, disagreements = {},
  }
  for _, e in ipairs(schema_values or {}) do
    if not f.values[e.name] then
      f.values[e.name] = true
      f.value_list[#f.value_list + 1] = e.name
    end
  end
  return f
end

--- The schema's plain labels: those that set no target, stance or role and ask nothing.
function H.plain_labels(schema)
  local out = {}
  for _, e in ipairs(schema and schema.labels or {}) do
    if not e.target and not e.stance and not e.role and not (e.ask and #e.ask > 0) then out[#out + 1] = e end
  end
  return out
end

--- The group (target, or `false` for none) of a field, made on first use: the items of the
--- documents seen before (nobody gave a value there) are added to it then.
function H.group(f, key)
  local g = f.groups[key]
  if g then return g end
  g = { key = key, tally = C.tally(f.raters) }
  f.groups[key] = g
  f.group_list[#f.group_list + 1] = key
  for _, d in ipairs(f.docs) do
    if d.empty_row and d.units > 0 and H.in_scope(f, key, d.path) then
      g.tally:add(d.empty_row, d.units)
      f.pooled:add(d.empty_row, d.units)
      d.tally:add(d.empty_row, d.units)
    end
  end
  return g
end

function H.value(f, v)
  f.given = true
  if not f.values[v] then
    f.values[v] = true
    f.value_list[#f.value_list + 1] = v
  end
end

function H.count(t, key, n)
  t[key] = (t[key] or 0) + (n or 1)
end

--- What record `rec` says, field by field in a fixed order: a list of {field, what}, `what`
--- being {group (target, or false), value} or why it is not counted. `targets_in_schema`:
--- the schema's targets (a set: a stance toward another target is not counted, its
--- "unknown_target"), or true when it has some, or false.
function M.says(rec, targets_in_schema)
  local out = {}
  if rec.stance then
    if rec.target and type(targets_in_schema) == 'table' and not targets_in_schema[rec.target] then
      out[#out + 1] = { 'stance', 'unknown_target' }
    elseif rec.target then
      out[#out + 1] = { 'stance', { rec.target, rec.stance } }
    elseif targets_in_schema then
      out[#out + 1] = { 'stance', 'without_target' }
    else
      out[#out + 1] = { 'stance', { false, rec.stance } }
    end
  end
  if rec.role then out[#out + 1] = { 'role', { false, rec.role } } end
  if not rec.target and not rec.stance and not rec.role and rec.label then
    out[#out + 1] = { 'label', { false, rec.label } }
  end
  return out
end

--- A map that remembers the order its keys came in (`keys`), so that it is walked with
--- ipairs: pairs() can drop entries under LuaJIT's compiler (LuaJIT issues 827, 1510).
function H.ordered()
  return { keys = {}, map = {} }
end

function H.at(o, key, make)
  local v = o.map[key]
  if v == nil then
    v = make()
    o.map[key] = v
    o.keys[#o.keys + 1] = key
  end
  return v
end

--- One annotator's values on a document: per field an ordered map group -> ordered map unit
--- -> value (only where an annotation counts). Several values for one (unit, group): the
--- value covering the most of the unit, then the first in the schema (then by name);
--- counted in f.several.
function H.winners(fields, units, records, name, targets_in_schema, only_targets)
  local cover = {} -- field -> group -> unit -> value -> parts
  -- what a record said once more (same field, group, value and spans) adds nothing: its
  -- units are not looked up again, and a part already in a (unit, value)'s list is not added
  -- again, so that thousands of copies of one annotation cost what one does (adversary15 #10)
  local said_once, part_seen = {}, {}
  for _, rec in ipairs(records) do
    for _, said in ipairs(M.says(rec, targets_in_schema)) do
      local fname, what = said[1], said[2]
      local f = fields[fname]
      if f then
        if rec.conflict then
          H.count(f.not_counted, 'in_conflict')
        elseif type(what) == 'string' then
          H.count(f.not_counted, what)
        elseif only_targets and f.per_target and not only_targets[what[1]] then
          H.count(f.not_counted, 'other_target')
        elseif not require('stance.validate').inside(rec.spans, units.cps) then
          H.count(f.not_counted, 'outside_text')
        elseif rec.orphan then
          H.count(f.not_counted, 'orphan')
        else
          local key = H.said_key(fname, what, rec.spans)
          local nhits = said_once[key]
          if nhits == nil then
            local hits = rec.spans and #rec.spans > 0 and M.units_of(units, rec.spans) or {}
            said_once[key] = #hits
            nhits = #hits
            for _, hit in ipairs(hits) do
              cover[fname] = cover[fname] or H.ordered()
              local by_u = H.at(cover[fname], what[1], H.ordered)
              local by_v = H.at(by_u, hit[1], H.ordered)
              local parts = H.at(by_v, what[2], function() return {} end)
              local seen = part_seen[parts]
              if not seen then
                seen = {}
                part_seen[parts] = seen
              end
              for _, p in ipairs(hit[2]) do
                local pk = p[1] .. '-' .. p[2]
                if not seen[pk] then
                  seen[pk] = true
                  parts[#parts + 1] = p
                end
              end
            end
          end
          if nhits == 0 then H.count(f.not_counted, 'outside_units') end
        end
      end
    end
  end
  local out = {}
  for _, fname in ipairs(M.FIELDS) do
    local f, by_g = fields[fname], cover[fname]
    if by_g then
      local before = M.before(f.value_rank)
      local groups = H.ordered()
      out[fname] = groups
      for _, g in ipairs(by_g.keys) do
        local by_u = by_g.map[g]
        local win = H.at(groups, g, H.ordered)
        for _, u in ipairs(by_u.keys) do
          local best, n = M.pick(by_u.map[u], before)
          if n > 1 then H.count(f.several, name) end
          H.at(win, u, function() return best end)
        end
      end
    end
  end
  return out
end

--- A key of what a record says for a field: the field, the group, the value and the spans.
function H.said_key(fname, what, spans)
  local parts = { fname, tostring(what[1]), tostring(what[2]) }
  for _, sp in ipairs(spans or {}) do
    parts[#parts + 1] = sp[1] .. '-' .. sp[2]
  end
  return table.concat(parts, '\0')
end

--- Document stances of one annotator: an ordered map target -> {[1] = stance} (one unit:
--- the document); several for one target: the first in the schema, then by name.
function H.doc_stances(f, records, targets_in_schema, only_targets, name)
  local by = H.ordered()
  for _, rec in ipairs(records) do
    if rec.stance then
      local t = rec.target or (not targets_in_schema and false) or nil
      if rec.conflict then
        H.count(f.not_counted, 'in_conflict')
      elseif t and type(targets_in_schema) == 'table' and not targets_in_schema[t] then
        H.count(f.not_counted, 'unknown_target')
      elseif t == nil then
        H.count(f.not_counted, 'without_target')
      elseif only_targets and not only_targets[t] then
        H.count(f.not_counted, 'other_target')
      else
        local list = H.at(by, t, function() return {} end)
        list[#list + 1] = rec.stance
      end
    end
  end
  local before = M.before(f.value_rank)
  local out = H.ordered()
  for _, t in ipairs(by.keys) do
    local list = by.map[t]
    table.sort(list, before)
    local one = H.at(out, t, H.ordered)
    H.at(one, 1, function() return list[1] end)
    for i = 2, #list do
      if list[i] ~= list[1] then
        H.count(f.several, name)
        break
      end
    end
  end
  return out
end

--- Add the items of one document to a field: every unit of every group, from the winners of
--- the annotators who count (`counted[r]`: ordered maps group -> unit -> value), nil
--- (missing) for the others.
function H.add_document(f, path, nunits, where, counted, winners, names, want_disagreements)
  local m = f.raters
  local empty = {}
  for r = 1, m do
    if counted[r] then empty[r] = false end
  end
  -- groups the annotators of this document use, made before its items are added (in the
  -- schema's order, then by name: the order of the report does not depend on a hash table)
  local new, seen = {}, {}
  for r = 1, m do
    for _, g in ipairs(winners[r] and winners[r].keys or {}) do
      if not f.groups[g] and not seen[g] then
        seen[g] = true
        new[#new + 1] = g
      end
    end
  end
  table.sort(new, H.group_before(f))
  for _, g in ipairs(new) do
    H.group(f, g)
  end
  if not f.per_target then H.group(f, false) end
  local d = { path = path, units = nunits, empty_row = empty, tally = C.tally(m) }
  f.docs[#f.docs + 1] = d
  for _, g in ipairs(f.group_list) do
    if H.in_scope(f, g, path) then H.add_group(f, g, d, path, nunits, where, counted, winners, names,
        want_disagreements) end
  end
end

--- Whether document `path` counts for group `g` of field `f`: a target's items come from the
--- documents the schema's `documents` of it names (every one without); outside them "no
--- annotation" is not "no stance" toward it (another target's document).
function H.in_scope(f, g, path)
  if not f.schema or not g then return true end
  return require('stance.schema').in_scope(f.schema, g, path)
end

--- The items of document `path` in group `g` (see H.add_document).
function H.add_group(f, g, d, path, nunits, where, counted, winners, names, want_disagreements)
  local m = f.raters
  do
    local group = f.groups[g]
    local touched, list, by_r = {}, {}, {}
    for r = 1, m do
      local win = winners[r] and winners[r].map[g]
      by_r[r] = win and win.map or {}
      for _, u in ipairs(win and win.keys or {}) do
        H.value(f, win.map[u])
        if not touched[u] then
          touched[u] = true
          list[#list + 1] = u
        end
      end
    end
    table.sort(list)
    -- the document's items of the group, then added to the group's, the field's and the
    -- document's tallies at once
    local t = C.tally(m)
    local rest = nunits - #list
    if rest > 0 then t:add(d.empty_row, rest) end
    for _, u in ipairs(list) do
      local row = {}
      local first, differ = nil, false
      for r = 1, m do
        if counted[r] then
          local v = by_r[r][u] or false
          row[r] = v
          if first == nil then first = v elseif v ~= first then differ = true end
        end
      end
      t:add(row)
      if differ and want_disagreements then
        local values = {}
        for r = 1, m do
          if counted[r] then values[names[r]] = row[r] end
        end
        local place = where(u)
        place.path, place.field, place.target, place.values = path, f.name, g, values
        f.disagreements[#f.disagreements + 1] = place
      end
    end
    group.tally:merge(t)
    f.pooled:merge(t)
    d.tally:merge(t)
  end
end

-- ---- orders -----------------------------------------------------------------------------

--- Order of groups: the schema's targets, then others by name, then "no target" (false).
function H.group_before(f)
  local by_name = M.before(f.group_rank)
  return function(x, y)
    if x == false or y == false then return y == false and x ~= false end
    return by_name(x, y)
  end
end

--- A sorted copy of `list`.
function H.sorted(list, before)
  local out = {}
  for i, v in ipairs(list) do
    out[i] = v
  end
  table.sort(out, before)
  return out
end

--- The groups (targets; `false` for none) of a field in the order of the report.
---@return (string|false)[]
function M.groups(f)
  return H.sorted(f.group_list, H.group_before(f))
end

--- The values of a field in the order of the report: the schema's, then others by name,
--- then `false` (no value).
---@return (string|false)[]
function M.values(f)
  local list = H.sorted(f.value_list, M.before(f.value_rank))
  list[#list + 1] = false
  return list
end

--- What the report says about the layers counted on a document: one annotated another
--- version of the text; one's file has records that could not be read (not counted); records
--- whose target or stance the schema does not have, or without the target or stance their
--- label sets (H.unknown_values).
function H.warnings(doc, entry, names, counted, layers, schema)
  local hash = doc:hash()
  local list = {}
  for r, who in ipairs(names) do
    local file = counted[r] and layers[r] and layers[r].file
    -- a folder's name may hold a line end: quoted then, to stay on the warning's line
    local name = who:find('%c') and ('%q'):format(who):gsub('\\\n', '\\n') or who
    if file then
      local recorded = file.store:header().hash
      if recorded and hash and recorded ~= hash then
        list[#list + 1] = ('%s annotated another version of the text (counted where its words are now; those'
          .. ' not found are not counted: stance check lists them, stance fmt --reanchor writes the new places)')
          :format(name)
      end
      entry.not_as_meant = (entry.not_as_meant or 0) + H.unknown_values(list, name, file, schema)
    end
  end
  for _, b in ipairs(entry.broken or {}) do
    local name = b.annotator:find('%c') and ('%q'):format(b.annotator):gsub('\\\n', '\\n') or b.annotator
    if b.conflicts then
      list[#list + 1] = require('stance.layer_conflicts').said(name, b.where, b.conflicts,
        ('%s is left out of this document (none of it counted, not even as no stance; stance check lists them)')
          :format(name))
    else
      list[#list + 1] = require('stance.annfile').errors_said(name, b.where, b.errors,
        ('%s is left out of this document (none of it counted, not even as no stance; stance check lists them)')
          :format(name))
    end
  end
  if #list > 0 then entry.warnings = list end
end

--- Warnings (into `list`) for the records of annotator `name`'s `file` that the figures
--- cannot count as their annotator meant: a target or stance the schema does not have (a
--- typo: "sanction"), or a label that sets a target or stance the record does not have (a line
--- deleted by hand: counted toward no target). One line for each kind, with how many and the
--- first's place (file:line); stance check lists every one. Returns how many.
---@return integer
function H.unknown_values(list, name, file, schema)
  if not schema then return 0 end
  local validate = require('stance.validate')
  local found = {}
  local function note(key, rec, what, effect)
    local f = found[key]
    if not f then
      f = { n = 0, line = rec.line or 1, what = what, effect = effect }
      found[key] = f
      found[#found + 1] = key
    end
    f.n = f.n + 1
  end
  for _, kind in ipairs({ 'annotation', 'doclabel' }) do
    for _, rec in ipairs(file.store:records(kind)) do
      if not rec.conflict then
        for _, field in ipairs({ 'target', 'stance' }) do
          local v = rec[field]
          local known = schema.by[field]
          if type(v) == 'string' and known and next(known) ~= nil and not known[v] then
            note(field .. '\0' .. v, rec, ("%s '%s', which the schema does not have"):format(field, v),
              field == 'target' and 'not counted' or 'counted as a value of its own')
          end
        end
        local entry = type(rec.label) == 'string' and schema.by.label[rec.label]
        for _, field in ipairs(entry and validate.label_fields(kind) or {}) do
          if field ~= 'role' and entry[field] and (rec[field] == nil or rec[field] == false) then
            note('no ' .. field .. '\0' .. rec.label, rec, ("no %s, where its label '%s' sets %s %s"):format(field,
              rec.label, field, entry[field]), field == 'target' and 'not counted' or 'counted as no stance')
          end
        end
      end
    end
  end
  local where = file.path and require('stance.fs').relative(file.path, file.root or '') or name
  local total = 0
  for _, key in ipairs(found) do
    local f = found[key]
    total = total + f.n
    list[#list + 1] = ('%s: %d record%s with %s (the first at %s:%d): %s; stance check lists them')
      :format(name, f.n, f.n == 1 and '' or 's', f.what, where, f.line, f.effect)
  end
  return total
end

--- The annotators counted on `doc` whose file of it has errors, or holds records of an
--- unresolved merge conflict: left out of it (`counted[r]` false), never counted as "no
--- stance" where their lost (or undecided) records were. Returns them as {annotator, path,
--- where (PATH:LINE:COL: message), errors, conflicts (how many records are in conflict, for a
--- file left out for them)}, and the set of their names (true, or 'conflicts').
function H.broken(doc, names, counted, layers)
  local list, set = require('stance.json').array(), {}
  for r, name in ipairs(names) do
    local file = layers[r] and layers[r].file
    -- (a folder at the file's name: read as nothing, which would be "not started" unsaid)
    if file and not (counted[r] or rawget(file, 'folder')) then file = nil end
    if file then
      local where, n = require('stance.annfile').first_error(file.path, file.problems, doc.corpus.root)
      if where then
        counted[r] = false
        set[name] = true
        list[#list + 1] = { annotator = name, path = doc.path, where = where, errors = n }
        -- said to the host as a document's read says it (stance run: on stderr, counted)
        require('stance.layer_errors').meet({ annotator = name, path = doc.path, file = file.path, where = where,
          errors = n })
      else
        -- records of an unresolved merge conflict: two versions where the annotator has not
        -- decided (stance.layer_conflicts); the file left out as one with errors is
        local cwhere, cn = require('stance.layer_conflicts').first(file.path, file.problems, doc.corpus.root)
        if cwhere then
          counted[r] = false
          set[name] = 'conflicts'
          list[#list + 1] = { annotator = name, path = doc.path, where = cwhere, errors = 0, conflicts = cn }
        end
      end
    end
  end
  return list, set
end

--- The layers left out of a document because their file has errors, over every document of
--- `entries` (M.walk): {annotator, path, where, errors}. An agreement with any is incomplete.
---@return table[]
function M.incomplete(entries)
  local out = require('stance.json').array()
  for _, e in ipairs(entries) do
    for _, b in ipairs(e.broken or {}) do
      out[#out + 1] = b
    end
  end
  return out
end

--- Walk the documents (`opts.documents` or the corpus's, sorted by path) with the status
--- of each annotator: `each(doc, entry, counted, layers)` for those on which two annotators
--- or more count. Returns the entries of every document ({path, status, counted, left_out}).
---@return table[]|nil entries
---@return string|nil err
function M.walk(corpus, names, opts, each)
  local paths = H.sorted(opts.documents or corpus:paths())
  local entries = require('stance.json').array()
  for _, path in ipairs(paths) do
    local doc, derr = corpus:document(path)
    if not doc then return nil, derr end
    local status, counted, layers = M.statuses(doc, names, opts.in_progress)
    if not status then return nil, counted end
    local entry = { path = path, status = status, counted = require('stance.json').array() }
    entries[#entries + 1] = entry
    local broken, broken_set = H.broken(doc, names, counted, layers)
    if #broken > 0 then entry.broken = broken end
    for r, name in ipairs(names) do
      if counted[r] then entry.counted[#entry.counted + 1] = name end
    end
    if #entry.counted < 2 then
      entry.left_out = M.left_out_reason(names, status, opts.in_progress, broken_set)
      if #broken > 0 then H.warnings(doc, entry, names, counted, layers, corpus:schema()) end
    else
      H.warnings(doc, entry, names, counted, layers, corpus:schema())
      local ok, err = each(doc, entry, counted, layers)
      if not ok then return nil, err end
    end
  end
  return entries
end

-- ---- the whole corpus ---------------------------------------------------------------------

--- The targets asked for (`list`, nil: every one) as a set, checked against the schema's
--- when it has targets (else they are checked against the annotations, see no_target).
---@param schema table|nil
---@param list string[]|nil
---@return table<string, boolean>|nil wanted nil: every target
---@return string|nil err a target the schema does not have
function M.wanted_targets(schema, list)
  if not list then return nil end
  local set = {}
  for _, t in ipairs(list) do
    if schema and #schema.targets > 0 and not schema.by.target[t] then
      local known = {}
      for _, e in ipairs(schema.targets) do
        known[#known + 1] = e.name
      end
      return nil, ("unknown target '%s' (the schema has %s)"):format(t, table.concat(known, ', '))
    end
    set[t] = true
  end
  return set
end

--- The error for target `t` asked for when the schema has no targets and no annotation
--- counted names it.
---@param t string
---@return string
function M.no_target(t)
  return ("unknown target '%s' (the schema lists no targets, and no annotation counted names it)"):format(t)
end

--- Build the items of `corpus`: the tallies of every field, per group (target) and pooled,
--- and the documents with the status of each annotator.
---@param corpus stance.Corpus
---@param opts stance.AgreementOptions
---@return table|nil items
---@return string|nil err
function M.build(corpus, opts)
  local unit = opts.unit or 'sentence'
  if not M.UNITS[unit] then error(("unit should be sentence or token, got '%s'"):format(tostring(unit)), 2) end
  local names, left = M.layers(corpus, opts)
  if not names then return nil, left end
  local schema = corpus:schema()
  local targets_in_schema = schema and #schema.targets > 0
  -- (a record toward a target the schema does not have is not counted: M.says)
  local known_targets = targets_in_schema and schema.by.target or false
  local only_targets, terr = M.wanted_targets(schema, opts.targets)
  if terr then return nil, terr end
  local m = #names
  local fields = {
    stance = H.field('stance', m, schema and schema.stances, schema and schema.targets, true),
    role = H.field('role', m, schema and schema.roles, nil, false),
    label = H.field('label', m, H.plain_labels(schema), nil, false),
    document = H.field('document', m, schema and schema.stances, schema and schema.targets, true),
  }
  -- a target's items only in its documents (the schema's `documents`)
  if require('stance.schema').scoped(schema) then fields.stance.schema, fields.document.schema = schema, schema end
  -- the schema's targets are groups from the start, in its order
  if targets_in_schema then
    for _, e in ipairs(schema.targets) do
      if not only_targets or only_targets[e.name] then
        H.group(fields.stance, e.name)
        H.group(fields.document, e.name)
      end
    end
  end
  local out = { unit = unit, annotators = names, not_counted = left, in_progress = opts.in_progress and true or false,
    fields = fields, targets_in_schema = targets_in_schema and true or false }
  local entries, err = M.walk(corpus, names, opts, function(doc, entry, counted, layers)
    local units, uerr = H.units(doc, unit)
    if not units then return nil, uerr end
    entry.units = #units.starts
    local winners, doc_winners = {}, {}
    for r, name in ipairs(names) do
      if counted[r] then
        local layer = layers[r]
        winners[r] = H.winners(fields, units, layer:placed_records('annotation'), name, known_targets,
          only_targets)
        doc_winners[r] = H.doc_stances(fields.document, layer:records('doclabel'), known_targets, only_targets,
          name)
      end
    end
    for _, fname in ipairs({ 'stance', 'role', 'label' }) do
      local per = {}
      for r = 1, m do
        per[r] = winners[r] and winners[r][fname]
      end
      H.add_document(fields[fname], doc.path, #units.starts, units.where, counted, per, names, opts.disagreements)
    end
    H.add_document(fields.document, doc.path, 1, function() return { line = 1, col = 1 } end, counted, doc_winners,
      names, opts.disagreements)
    return true
  end)
  if not entries then return nil, err end
  -- without targets in the schema, a target asked for must be one the annotations name
  if only_targets and not targets_in_schema then
    for _, t in ipairs(opts.targets) do
      if not fields.stance.groups[t] and not fields.document.groups[t] then return nil, M.no_target(t) end
    end
  end
  out.documents = entries
  out.incomplete = M.incomplete(entries)
  return out
end

return M
