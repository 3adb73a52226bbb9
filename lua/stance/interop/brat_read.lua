--- A parsed .ann file (stance.interop.brat_ann) as records of one layer: what each brat
--- line becomes is in stance.interop.brat. Nothing is written here: the records are
--- checked against the document first, and what cannot be placed is reported, not lost
--- silently.
local M = {}
local H = {}

local brat = require('stance.interop.brat')
local ann = require('stance.interop.brat_ann')

---@class stance.BratReadOptions
---@field rename fun(kind: string, name: string): string|nil see brat.renamer
---@field declared table<string, boolean>|nil attributes the schema declares (kept as themselves)
---@field schema stance.Schema|nil what a label sets is given to its records, and a record that
---       contradicts its label is left out (as every writer does)
---@field model userdata|nil core.text(text), when the caller has it

--- Records for our store from a parsed .ann against the document's text. Returns the
--- records (with fresh IDs, quote, prefix and suffix) and problems ({line, col, message,
--- skipped = true when something was left out}).
---@param d stance.BratDoc
---@param text string the document
---@param opts stance.BratReadOptions|nil
---@return table[] records
---@return table[] problems
---@return table layer { status = "done"|"in-progress"|nil }: what the file says of the layer
function M.records(d, text, opts)
  opts = opts or {}
  local core = require('stance.core')
  -- ref: the record each imported ID stands for; event_of: the event key of an ID that is
  -- an event (its record is the trigger's); origins[i]: the line recs[i] comes from
  local st = {
    text = text, model = opts.model or core.text(text), rename = H.cached(opts.rename or function(_, n) return n end),
    declared = opts.declared or {}, problems = {}, recs = {}, ref = {}, event_of = {}, extras = {}, status_t = {},
    origins = {},
  }
  st.cps = st.model:cps()
  -- (each code point one byte: offsets are bytes)
  st.bytes = st.cps == #text
  for _, p in ipairs(d.problems) do
    st.problems[#st.problems + 1] = { line = p.line, col = p.col, message = p.message .. '; line skipped',
      skipped = true }
  end
  H.entities(st, d)
  H.events(st, d)
  H.relations(st, d)
  H.equivs(st, d)
  H.attributes(st, d)
  H.notes(st, d)
  H.norms(st, d)
  for _, rec in ipairs(st.recs) do
    local lines = st.extras[rec]
    if lines then rec.extras = table.concat(lines, '\n') .. '\n' end
  end
  if opts.schema then H.labels(st, opts.schema) end
  table.sort(st.problems, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    return a.col < b.col
  end)
  return st.recs, st.problems, { status = st.status }
end

--- The records of an .ann (its text, not parsed) of the common lines only (T lines of one
--- fragment, A Target, Stance or Role on a T, R Arg1:T Arg2:T; nothing M.records would
--- report), made in C straight into a store as M.records and an import make them (with
--- prefix and suffix; src/brat.h). Returns the store, the number of records and the names
--- they use ({ [kind] = { [name] = true } }, kind: label, relation, target, stance, role);
--- nil when the file holds anything else: M.records reads it.
---@param ann_text string the .ann file
---@param model userdata core.text of the document
---@param opts stance.BratReadOptions|nil (rename and schema; `ids`, for tests: 12 characters
---       per record, in the order M.records mints them)
---@return userdata|nil store
---@return integer|nil records
---@return table|nil used
function M.fast(ann_text, model, opts)
  opts = opts or {}
  local rename, schema = opts.rename or function(_, n) return n end, opts.schema
  local store, n, used = require('stance.core').brat_fast(ann_text, model, function(kind, name)
    local r = rename(kind, name)
    -- what the label sets (validate.apply_label)
    local e = kind == 'label' and schema and type(r) == 'string' and schema.by.label[r]
    if e then return r, e.target, e.stance, e.role end
    return r
  end, opts.ids)
  if not store then return nil end
  return store, n, used
end

--- Give an annotation record (as M.records makes it) its prefix and suffix: the 32 code
--- points of the document before and after it (brat_io, and src/bratfast.c in C).
---@param rec table
---@param text string the document
---@param model userdata core.text of it
function M.context(rec, text, model)
  if rec.kind ~= 'annotation' then return end
  local cps = model:cps()
  local spans = rec.spans
  local first, last = spans[1][1], spans[#spans][2]
  local a, b = first > 32 and first - 32 or 0, last + 32 < cps and last + 32 or cps
  if cps == #text then
    -- (each code point one byte: offsets are bytes)
    rec.prefix, rec.suffix = text:sub(a + 1, first), text:sub(last + 1, b)
  else
    rec.prefix = text:sub(model:cp_to_byte(a) + 1, model:cp_to_byte(first))
    rec.suffix = text:sub(model:cp_to_byte(last) + 1, model:cp_to_byte(b))
  end
end

function H.problem(st, obj, col, skipped, fmt, ...)
  st.problems[#st.problems + 1] = { line = obj.line, col = obj.col + (col or 1) - 1, message = fmt:format(...),
    skipped = skipped }
end

--- `rename` with its answers kept (it is called for each record with a few names).
function H.cached(rename)
  local by = {}
  return function(kind, name)
    if name == nil then return rename(kind, name) end
    local t = by[kind]
    if not t then
      t = {}
      by[kind] = t
    end
    local v = t[name]
    if v == nil then
      v = rename(kind, name)
      t[name] = v == nil and false or v
      return v
    end
    if v == false then return nil end
    return v
  end
end

--- Add a record made from the line `origin`.
function H.add(st, rec, origin)
  local n = #st.recs + 1
  st.recs[n], st.origins[n] = rec, origin
end

function H.extra(st, rec, name, ...)
  st.extras[rec] = st.extras[rec] or {}
  table.insert(st.extras[rec], brat.extra_line(name, ...))
end

--- The document's text at code points [a, b).
function H.slice(st, a, b)
  if st.bytes then return st.text:sub(a + 1, b) end
  return st.text:sub(st.model:cp_to_byte(a) + 1, st.model:cp_to_byte(b))
end

--- Check a T's fragments and text as brat does; returns the sorted spans and the quote,
--- or nil and why.
function H.place(st, e)
  if #e.spans == 1 then return H.place_one(st, e) end
  local parts = {}
  for i, sp in ipairs(e.spans) do
    if sp[2] > st.cps then
      return nil, ('offsets %d %d are past the end of the document (%d characters)'):format(sp[1], sp[2], st.cps)
    end
    if sp[1] == sp[2] then
      return nil, ('offsets %d %d cover no character (a stance annotation covers at least one)'):format(sp[1], sp[2])
    end
    parts[i] = H.slice(st, sp[1], sp[2])
  end
  local spans = {}
  for i, sp in ipairs(e.spans) do
    spans[i] = { sp[1], sp[2] }
  end
  table.sort(spans, function(a, b) return a[1] < b[1] end)
  for i = 2, #spans do
    if spans[i][1] < spans[i - 1][2] then return nil, 'its fragments overlap' end
  end
  local ref = table.concat(parts, ' ')
  local given = e.text
  -- brat takes as many characters as the spans cover and ignores what follows (a blank,
  -- often); an old-style discontinuous text (parts not separated) is accepted too
  local ok = given ~= nil and (given:sub(1, #ref) == ref or (#parts > 1 and given:sub(1, #ref - #parts + 1)
    == table.concat(parts)))
  if not ok and given ~= nil and given:match('%S') then
    return nil, ("its text '%s' is not the document's at those offsets ('%s')"):format(given, ref)
  end
  -- fragments that only line ends separate are one span (brat cuts a selection at each
  -- line end, and so does the export)
  local merged = { spans[1] }
  for i = 2, #spans do
    local gap = H.slice(st, merged[#merged][2], spans[i][1])
    if gap ~= '' and table.concat((ann.split_breaks(gap))) == '' then
      merged[#merged] = { merged[#merged][1], spans[i][2] }
    else
      merged[#merged + 1] = spans[i]
    end
  end
  local sorted = {}
  for i, sp in ipairs(merged) do
    sorted[i] = H.slice(st, sp[1], sp[2])
  end
  return merged, table.concat(sorted, ' '), not ok
end

--- H.place for a T of one fragment (most of them).
function H.place_one(st, e)
  local a, b = e.spans[1][1], e.spans[1][2]
  if b > st.cps then
    return nil, ('offsets %d %d are past the end of the document (%d characters)'):format(a, b, st.cps)
  end
  if a == b then
    return nil, ('offsets %d %d cover no character (a stance annotation covers at least one)'):format(a, b)
  end
  local ref = H.slice(st, a, b)
  local given = e.text
  local ok = given ~= nil and (given == ref or given:sub(1, #ref) == ref)
  if not ok and given ~= nil and given:match('%S') then
    return nil, ("its text '%s' is not the document's at those offsets ('%s')"):format(given, ref)
  end
  return e.spans, ref, not ok
end

function H.entities(st, d)
  local core = require('stance.core')
  -- placed: the spans and quote of each T placed (by its index), and whether any is a
  -- Document_label T (only those can be document labels or carry the layer's status)
  local spans_of, quote_of, labels = {}, {}, false
  for i, e in ipairs(d.entities) do
    local spans, quote, filled = H.place(st, e)
    if not spans then
      H.problem(st, e, 1, true, '%s skipped: %s', e.id, quote)
    else
      if filled then H.problem(st, e, 1, false, '%s has no text after its offsets; taken from the document', e.id) end
      spans_of[i], quote_of[i] = spans, quote
      if e.type == brat.DOCUMENT_TYPE then labels = true end
    end
  end
  local linked, carries, status_of, attached = {}, {}, {}, {}
  if labels then
    local placed = {}
    for i, e in ipairs(d.entities) do
      if spans_of[i] then placed[e.id] = true end
    end
    -- a Document_label T that nothing imported links to, with a Stance or a Label (what a
    -- document label needs), is a document label; else an annotation
    linked = H.linked(d, placed)
    -- the layer's status is a Status (done, in-progress) on such a T; one that carries
    -- nothing else is no record
    for _, a in ipairs(d.attributes) do
      if (a.name == 'Stance' or a.name == 'Label') and a.value then carries[a.target] = true end
      if a.name == 'Status' and brat.STATUS[a.value or ''] then
        status_of[a.target] = a.value
      else
        attached[a.target] = true
      end
    end
    for _, list in ipairs({ d.notes, d.norms }) do
      for _, n in ipairs(list) do
        attached[n.target] = true
      end
    end
  end
  local rename, ref = st.rename, st.ref
  for i, e in ipairs(d.entities) do
    local spans = spans_of[i]
    local free = labels and spans and e.type == brat.DOCUMENT_TYPE and not linked[e.id]
    if free and status_of[e.id] then
      st.status_t[e.id] = true
      if st.status == nil or status_of[e.id] < st.status then st.status = status_of[e.id] end
    end
    if free and status_of[e.id] and not carries[e.id] and not attached[e.id] then
      spans = nil
    end
    if spans then
      local rec
      if free and carries[e.id] then
        rec = { kind = 'doclabel', id = core.new_id() }
      else
        rec = { kind = 'annotation', id = core.new_id(), spans = spans, label = rename('label', e.type),
          quote = quote_of[i] }
      end
      H.add(st, rec, e)
      ref[e.id] = rec
    end
  end
end

--- What each annotation's and document label's label sets in the schema, given to it; one
--- that contradicts its label is left out (reported at its T line), and so is what links to
--- it.
function H.labels(st, schema)
  local validate = require('stance.validate')
  local gone, kept = {}, {}
  for i, rec in ipairs(st.recs) do
    if rec.kind ~= 'relation' then
      local ok, why = validate.apply_label(rec, schema, rec.kind)
      if not ok then
        gone[rec.id] = st.origins[i]
        H.problem(st, st.origins[i], 1, true, '%s skipped: %s', st.origins[i].id, why)
      end
    end
  end
  if next(gone) == nil then return end
  for i, rec in ipairs(st.recs) do
    local lost = gone[rec.id] or rec.kind == 'relation' and (gone[rec.from] or gone[rec.to])
    if not lost then
      kept[#kept + 1] = rec
    elseif rec.kind == 'relation' then
      local o = st.origins[i]
      H.problem(st, o, 1, true, '%s skipped: it links %s, which is skipped', o.id or ('* ' .. o.type), lost.id)
    end
  end
  st.recs = kept
end

--- The IDs that an imported relation, event or equivalence links to (the T lines among them
--- are annotations, not document labels), given the T lines that were placed: an event is
--- imported when its trigger is such a T, a relation when both its ends are imported, an
--- equivalence when two different members of it are.
function H.linked(d, placed)
  local alive, linked = {}, {}
  for id in pairs(placed) do
    alive[id] = true
  end
  local events = {}
  for _, ev in ipairs(d.events) do
    if placed[ev.trigger] and not alive[ev.id] then
      alive[ev.id] = true
      events[#events + 1] = ev
    end
  end
  for _, ev in ipairs(events) do
    linked[ev.trigger] = true
    for _, a in ipairs(ev.args) do
      if alive[a[2]] then linked[a[2]] = true end
    end
  end
  for _, r in ipairs(d.relations) do
    local a, b = r.args[1][2], r.args[2][2]
    if alive[a] and alive[b] then linked[a], linked[b] = true, true end
  end
  for _, q in ipairs(d.equivs) do
    local distinct, n = {}, 0
    for _, m in ipairs(q.members) do
      if alive[m] and not distinct[m] then
        distinct[m] = true
        n = n + 1
      end
    end
    if n >= 2 then
      for m in pairs(distinct) do
        linked[m] = true
      end
    end
  end
  return linked
end

--- The record and event key (nil: not an event) an ID names, or nil after reporting the
--- problem (at column `col` of the line: see H.col).
function H.resolve(st, obj, id, col, what)
  local r = st.ref[id]
  if r and r.kind == 'annotation' then return r, st.event_of[id] end
  H.problem(st, obj, H.col(obj, col), true, '%s: %s names %s, which is %s', obj.id or ('* ' .. obj.type), what, id,
    r and 'not an annotation' or 'not in this file (or was skipped)')
  return nil
end

function H.col(obj, c) return c and (c - obj.col + 1) or 1 end

function H.events(st, d)
  -- every event first (an argument may be another event), then their arguments
  local ok = {}
  for _, ev in ipairs(d.events) do
    local r = st.ref[ev.trigger]
    if r and r.kind == 'annotation' and not st.event_of[ev.trigger] then
      st.ref[ev.id], st.event_of[ev.id] = r, ev.id
      ok[#ok + 1] = ev
    else
      H.problem(st, ev, H.col(ev, ev.trigger_col), true, '%s skipped: its trigger %s is %s', ev.id, ev.trigger,
        r and 'not a text annotation' or 'not in this file (or was skipped)')
    end
  end
  local core = require('stance.core')
  for _, ev in ipairs(ok) do
    local trig = st.ref[ev.id]
    if #ev.args == 0 then H.extra(st, trig, 'brat-event', ev.id, ev.type) end
    for i, a in ipairs(ev.args) do
      local to, to_event = H.resolve(st, ev, a[2], a[3], 'argument ' .. a[1])
      if to then
        local rec = { kind = 'relation', id = core.new_id(), type = ev.type .. ':' .. a[1], from = trig.id,
          to = to.id }
        H.add(st, rec, ev)
        H.extra(st, rec, 'brat-event', ev.id, i)
        if to_event then H.extra(st, rec, 'brat-to-event', to_event) end
      end
    end
  end
end

function H.relations(st, d)
  local core = require('stance.core')
  local rename, ref = st.rename, st.ref
  for _, r in ipairs(d.relations) do
    local x, y = r.args[1], r.args[2]
    local a, a_event = H.resolve(st, r, x[2], x[3], x[1])
    local b, b_event
    if a then b, b_event = H.resolve(st, r, y[2], y[3], y[1]) end
    if b then
      local rec = { kind = 'relation', id = core.new_id(), type = rename('relation', r.type), from = a.id, to = b.id }
      H.add(st, rec, r)
      if x[1] ~= 'Arg1' or y[1] ~= 'Arg2' then H.extra(st, rec, 'brat-args', x[1], y[1]) end
      if a_event then H.extra(st, rec, 'brat-from-event', a_event) end
      if b_event then H.extra(st, rec, 'brat-to-event', b_event) end
      ref[r.id] = rec
    end
  end
end

function H.equivs(st, d)
  local core = require('stance.core')
  for g, q in ipairs(d.equivs) do
    -- a set: a member named twice is one member
    local members, events, have = {}, {}, {}
    for i, m in ipairs(q.members) do
      local r, event = H.resolve(st, q, m, q.cols[i], 'member')
      local key = r and (event or r)
      if r and not have[key] then
        have[key] = true
        members[#members + 1], events[#members + 1] = r, event or false
      end
    end
    if #members < 2 then
      H.problem(st, q, 1, true, '* %s skipped: fewer than two different members of it are imported', q.type)
    else
      local first = members[1]
      for i = 2, #members do
        local rec = { kind = 'relation', id = core.new_id(), type = st.rename('relation', q.type), from = first.id,
          to = members[i].id }
        H.add(st, rec, q)
        H.extra(st, rec, 'brat-equiv', g, i)
        if events[1] then H.extra(st, rec, 'brat-from-event', events[1]) end
        if events[i] then H.extra(st, rec, 'brat-to-event', events[i]) end
      end
    end
  end
end

--- The record an attribute, note or normalization is on, or nil after the problem.
function H.target(st, obj)
  local r = st.ref[obj.target]
  if not r then
    H.problem(st, obj, H.col(obj, obj.target_col), true, '%s skipped: its target %s is not in this file (or was '
      .. 'skipped)', obj.id, obj.target)
  end
  return r, r and st.event_of[obj.target]
end

-- Attribute names of records in the format (section 4): never taken for a brat attribute.
H.FIELDS = { span = true, type = true, from = true, to = true, label = true, target = true, stance = true,
  role = true, confidence = true, quote = true, prefix = true, suffix = true, note = true, author = true,
  created = true, modified = true, conflict = true }

function H.attributes(st, d)
  -- when a T has an attribute twice (Stance For, Stance Against), the least value is the
  -- field and the others are kept as brat-attr: the same whatever the order of the lines
  -- (least[name][target])
  local least = {}
  for _, a in ipairs(d.attributes) do
    if a.value then
      local by = least[a.name]
      if not by then
        by = {}
        least[a.name] = by
      end
      local v = by[a.target]
      if v == nil or a.value < v then by[a.target] = a.value end
    end
  end
  for _, a in ipairs(d.attributes) do
    -- (the layer's status, taken by H.entities)
    local rec, event
    if not (a.name == 'Status' and st.status_t[a.target] and brat.STATUS[a.value or '']) then
      rec, event = H.target(st, a)
    end
    local first = a.value ~= nil and least[a.name][a.target] == a.value
    if rec then
      local field = brat.FIELD_OF[a.name]
      if event then
        H.extra(st, rec, 'brat-event-attr', event, a.name, a.value)
      elseif field and first and rec.kind ~= 'relation' and rec[field] == nil
        and (field ~= 'role' or rec.kind == 'annotation') then
        rec[field] = st.rename(field, a.value)
      elseif a.name == 'Label' and first and rec.kind == 'doclabel' and rec.label == nil then
        rec.label = st.rename('label', a.value)
      elseif a.name == 'Confidence' and first and rec.kind == 'annotation' and rec.confidence == nil
        and tonumber(a.value or '') and tonumber(a.value) >= 0 and tonumber(a.value) <= 1 then
        rec.confidence = a.value
      elseif st.declared[a.name] and a.name:match('^[a-z][a-z0-9_-]*$') and not a.name:match('^brat%-')
        and not H.FIELDS[a.name] then
        H.extra(st, rec, a.name, a.value)
      else
        H.extra(st, rec, 'brat-attr', a.name, a.value)
      end
    end
  end
end

function H.notes(st, d)
  for _, nt in ipairs(d.notes) do
    local rec, event = H.target(st, nt)
    if rec then
      if event then
        H.extra(st, rec, 'brat-event-note', event, nt.kind, nt.text)
      elseif nt.kind == 'AnnotatorNotes' then
        -- several notes on one annotation are the lines of its note
        rec.note = rec.note and (rec.note .. '\n' .. nt.text) or nt.text
      else
        H.extra(st, rec, 'brat-note', nt.kind, nt.text)
      end
    end
  end
end

function H.norms(st, d)
  for _, nm in ipairs(d.norms) do
    local rec, event = H.target(st, nm)
    if rec then
      if event then
        H.extra(st, rec, 'brat-event-norm', event, nm.type, nm.ref, nm.text or '')
      else
        H.extra(st, rec, 'brat-norm', nm.type, nm.ref, nm.text or '')
      end
    end
  end
end

return M
