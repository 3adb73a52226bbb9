--- One layer as a brat .ann file (the mapping is in stance.interop.brat): the records
--- become a brat document (stance.interop.brat_canon gives it its canonical order and IDs,
--- which depend on what is written only, never on our record IDs, so that the same
--- annotations give the same bytes, after a re-import too).
local M = {}
local H = {}

local brat = require('stance.interop.brat')
local ann = require('stance.interop.brat_ann')

--- What the .ann files of an export use, for annotation.conf and visual.conf (see
--- stance.interop.brat_conf); one over all documents.
---@return table
function M.new_used()
  return { entities = {}, triggers = {}, relations = {}, equivs = {}, events = {}, attributes = {},
    names = { label = {}, relation = {}, target = {}, stance = {}, role = {} } }
end

---@class stance.BratWriteOptions
---@field used table|nil from M.new_used(), filled
---@field orphans table<string, boolean>|nil IDs of annotations no longer in the text (left out)

--- The .ann text of a layer's records (spans in code points of `text`), and problems
--- ({ id, message }) for what could not be written.
---@param store userdata the stance.store
---@param text string the document
---@param opts stance.BratWriteOptions|nil
---@return string ann
---@return table[] problems
function M.write(store, text, opts)
  opts = opts or {}
  local st = { text = text, model = require('stance.core').text(text), used = opts.used or M.new_used(),
    orphans = opts.orphans or {}, problems = {}, pid = {},
    doc = { entities = {}, events = {}, relations = {}, equivs = {}, attributes = {}, norms = {}, notes = {} } }
  H.textbounds(st, store)
  H.links(st, store)
  H.attributes_and_notes(st, store)
  local canon = require('stance.interop.brat_canon')
  canon.order(st.doc)
  canon.used(st.doc, st.used)
  return canon.format(st.doc), st.problems
end

function H.problem(st, id, fmt, ...)
  st.problems[#st.problems + 1] = { id = id, message = fmt:format(...) }
end

--- Records of a kind as the export sees them: the 'ours' side of a conflict.
function H.records(st, store, kind)
  local out = {}
  for _, r in ipairs(store:records(kind)) do
    if r.conflict == 'theirs' then
      H.problem(st, r.id, '%s %s has an unresolved conflict: its version marked ours is exported', kind, r.id)
    else
      out[#out + 1] = r
    end
  end
  return out
end

--- The names a layer's records use, added to `seen` (by kind: label, relation, target,
--- stance, role), for brat.brat_names.
---@param store userdata
---@param seen table
function M.names_used(store, seen)
  for kind in pairs(brat.FORM) do
    seen[kind] = seen[kind] or {}
  end
  local linked = {}
  for _, r in ipairs(store:records('relation')) do
    linked[r.from], linked[r.to] = true, true
  end
  for _, rkind in ipairs({ 'annotation', 'doclabel', 'relation' }) do
    for _, r in ipairs(store:records(rkind)) do
      if r.label then seen.label[r.label] = true end
      -- an annotation that an import would take for a document label
      if rkind == 'annotation' and r.label == brat.DOCUMENT_TYPE and r.stance and not linked[r.id] then
        seen.document_type = true
      end
      if r.type then seen.relation[r.type] = true end
      for _, f in ipairs({ 'target', 'stance', 'role' }) do
        if r[f] then seen[f][r[f]] = true end
      end
    end
  end
end

--- Give `used` the brat names of the export (brat.brat_names), remembering for
--- #stance-name those that changed.
---@param used table from M.new_used()
---@param schema stance.Schema|nil
---@param seen table from M.names_used
function M.plan_names(used, schema, seen)
  used.brat = brat.brat_names(schema, seen)
  for kind, map in pairs(used.brat) do
    for name, b in pairs(map) do
      if b ~= name then used.names[kind][b] = name end
    end
  end
end

--- A name as brat stores it, remembered for #stance-name when it changed.
function H.name(st, kind, name)
  local b = brat.brat_name(st.used, kind, name)
  if b ~= name then st.used.names[kind][b] = name end
  return b
end

--- A text for the end of an N or # line: line ends become blanks.
local function flat(s)
  return table.concat((ann.split_breaks(s or '')), ' ')
end

--- Fragments of spans (code points) as brat makes them: one per line, since a T line's
--- text cannot hold a line end. { {a, b, text}, ... }
function H.fragments(st, spans)
  local frags = {}
  for _, sp in ipairs(spans) do
    local b1, b2 = st.model:cp_to_byte(sp[1]), st.model:cp_to_byte(sp[2])
    local pos = b1
    local pieces, seps = ann.split_breaks(st.text:sub(b1 + 1, b2))
    for i, piece in ipairs(pieces) do
      if #piece > 0 then
        frags[#frags + 1] = { st.model:byte_to_cp(pos), st.model:byte_to_cp(pos + #piece), piece }
      end
      pos = pos + #piece + #(seps[i] or '')
    end
  end
  return frags
end

--- Where a document label goes: the first line with text, without its blanks.
function H.carrier(st)
  if st.carrier == nil then
    st.carrier = false
    local pos = 0
    local pieces, seps = ann.split_breaks(st.text)
    for i, piece in ipairs(pieces) do
      local a, b = piece:find('%S.*%S')
      if not a then a, b = piece:find('%S') end
      if a then
        st.carrier = { st.model:byte_to_cp(pos + a - 1), st.model:byte_to_cp(pos + b), piece:sub(a, b) }
        break
      end
      pos = pos + #piece + #(seps[i] or '')
    end
  end
  return st.carrier or nil
end

function H.textbounds(st, store)
  local doc = st.doc
  for _, rec in ipairs(H.records(st, store, 'annotation')) do
    if st.orphans[rec.id] then
      H.problem(st, rec.id, 'annotation %s is an orphan (its text is no longer in the document): not exported', rec.id)
    else
      local frags = H.fragments(st, rec.spans)
      if #frags == 0 then
        H.problem(st, rec.id, 'annotation %s covers only line ends, which brat cannot hold: not exported', rec.id)
      else
        local t = { pid = 't' .. rec.id, frags = frags, type = H.name(st, 'label', rec.label or 'annotation') }
        doc.entities[#doc.entities + 1] = t
        st.pid[rec.id] = t.pid
      end
    end
  end
  for _, rec in ipairs(H.records(st, store, 'doclabel')) do
    local c = H.carrier(st)
    if not c then
      H.problem(st, rec.id, 'document label %s: the document has no text to carry it in brat: not exported', rec.id)
    else
      local t = { pid = 't' .. rec.id, frags = { c }, type = brat.DOCUMENT_TYPE }
      doc.entities[#doc.entities + 1] = t
      st.pid[rec.id] = t.pid
    end
  end
end

--- The values of a record's brat-* attributes by name (the first of each).
function H.brat_extras(rec)
  local by = {}
  for _, x in ipairs(brat.extras(rec)) do
    if by[x[1]] == nil then by[x[1]] = x[2] end
  end
  return by
end

function H.event(st, key, typ, trigger)
  local e = st.events[key]
  if not e then
    e = { pid = 'e' .. key, type = typ, trigger = trigger, args = {} }
    st.events[key] = e
    st.doc.events[#st.doc.events + 1] = e
  end
  return e
end

--- Sort the relations of the layer into event arguments, equivalences and relations.
function H.links(st, store)
  st.events, st.groups = {}, {}
  local doc = st.doc
  for _, rec in ipairs(H.records(st, store, 'annotation')) do
    if st.pid[rec.id] then
      for _, x in ipairs(brat.extras(rec)) do
        if x[1] == 'brat-event' and x[2][1] and x[2][2] then H.event(st, x[2][1], x[2][2], st.pid[rec.id]) end
      end
    end
  end
  local pending = {}
  for _, rel in ipairs(H.records(st, store, 'relation')) do
    local x = H.brat_extras(rel)
    local from, to = st.pid[rel.from], st.pid[rel.to]
    if not from or not to then
      H.problem(st, rel.id, 'relation %s: its %s annotation is not exported: not exported', rel.id,
        from and 'target' or 'source')
    else
      local a = x['brat-from-event'] and { event = x['brat-from-event'][1] } or { pid = from }
      local b = x['brat-to-event'] and { event = x['brat-to-event'][1] } or { pid = to }
      local ev, eq = x['brat-event'], x['brat-equiv']
      if ev and ev[1] and rel.type:match('^.+:[^:]+$') then
        local typ, role = rel.type:match('^(.+):([^:]+)$')
        local e = H.event(st, ev[1], typ, from)
        if e.trigger ~= from then
          H.problem(st, rel.id, 'relation %s: argument of event %s from another trigger: not exported', rel.id, ev[1])
        else
          e.args[#e.args + 1] = { tonumber(ev[2]) or math.huge, role, b, rel.id }
        end
      elseif eq and eq[1] then
        local g = st.groups[eq[1]]
        if not g then
          g = { type = H.name(st, 'relation', rel.type), refs = { a } }
          st.groups[eq[1]] = g
          doc.equivs[#doc.equivs + 1] = g
        end
        g.refs[#g.refs + 1] = b
      else
        local args = x['brat-args'] or {}
        pending[#pending + 1] = { rel = rel, r = { pid = 'r' .. rel.id, type = H.name(st, 'relation', rel.type),
          r1 = args[1] or 'Arg1', r2 = args[2] or 'Arg2' }, a = a, b = b }
        st.pid[rel.id] = 'r' .. rel.id
      end
    end
  end
  -- an end that is an event: its key is known now
  for _, e in ipairs(doc.events) do
    table.sort(e.args, function(p, q)
      if p[1] ~= q[1] then return p[1] < q[1] end
      return p[4] < q[4]
    end)
    local args = {}
    for _, a in ipairs(e.args) do
      local ref = H.ref(st, a[3], a[4])
      if ref then args[#args + 1] = { a[2], ref } end
    end
    e.args = args
  end
  for _, p in ipairs(pending) do
    p.r.a, p.r.b = H.ref(st, p.a, p.rel.id), H.ref(st, p.b, p.rel.id)
    if p.r.a and p.r.b then doc.relations[#doc.relations + 1] = p.r end
  end
  for _, g in ipairs(doc.equivs) do
    local members, seen = {}, {}
    for _, r in ipairs(g.refs) do
      local pid = H.ref(st, r, '*')
      if pid and not seen[pid] then
        seen[pid] = true
        members[#members + 1] = pid
      end
    end
    g.members, g.refs = members, nil
  end
  local kept = {}
  for _, g in ipairs(doc.equivs) do
    if #g.members >= 2 then kept[#kept + 1] = g end
  end
  doc.equivs = kept
end

--- The provisional ID of a relation's end ({pid = ...} or {event = KEY}), or nil (reported).
function H.ref(st, e, id)
  if e.pid then return e.pid end
  local ev = st.events[e.event]
  if not ev then
    H.problem(st, id, 'relation %s names the brat event %s, which is not exported: not exported', id, e.event)
  end
  return ev and ev.pid
end

--- The records that carry brat lines, with their provisional IDs.
function H.carriers(st, store)
  local out = {}
  for _, kind in ipairs({ 'annotation', 'doclabel', 'relation' }) do
    for _, rec in ipairs(H.records(st, store, kind)) do
      local pid = st.pid[rec.id]
      if pid then out[#out + 1] = { rec = rec, pid = pid } end
    end
  end
  return out
end

function H.attributes_and_notes(st, store)
  local doc = st.doc
  local function attr(pid, name, value)
    if pid then doc.attributes[#doc.attributes + 1] = { target = pid, name = name, value = value } end
  end
  local function note(pid, kind, text, lines)
    if not pid then return end
    -- a note of several lines: one # line each, which brat shows together and the import
    -- joins again
    for _, piece in ipairs(lines and ann.split_breaks(text) or { flat(text) }) do
      doc.notes[#doc.notes + 1] = { target = pid, kind = kind, text = piece }
    end
  end
  local function norm(pid, typ, ref, text)
    if pid and typ and ref then
      doc.norms[#doc.norms + 1] = { target = pid, type = typ, ref = ref, text = flat(text) }
    end
  end
  local function event(key) return st.events[key] and st.events[key].pid end
  for _, c in ipairs(H.carriers(st, store)) do
    local rec, pid = c.rec, c.pid
    if rec.kind ~= 'relation' then
      for _, f in ipairs({ 'target', 'stance', 'role' }) do
        if rec[f] then attr(pid, brat.NAME_OF[f], H.name(st, f, rec[f])) end
      end
      if rec.kind == 'doclabel' and rec.label then attr(pid, 'Label', H.name(st, 'label', rec.label)) end
      if rec.confidence then attr(pid, 'Confidence', brat.value(rec.confidence)) end
    end
    if rec.note then note(pid, 'AnnotatorNotes', rec.note, true) end
    for _, x in ipairs(brat.extras(rec)) do
      local name, v = x[1], x[2]
      -- (a value as brat writes one: a blank in it would make another line of it, which a
      -- re-import reads otherwise)
      if name == 'brat-attr' and v[1] then
        attr(pid, v[1], v[2] and brat.value(v[2]))
      elseif name == 'brat-event-attr' and v[1] and v[2] then
        attr(event(v[1]), v[2], v[3] and brat.value(v[3]))
      elseif name == 'brat-note' and v[1] then
        note(pid, v[1], v[2])
      elseif name == 'brat-event-note' and v[1] and v[2] then
        note(event(v[1]), v[2], v[3])
      elseif name == 'brat-norm' then
        norm(pid, v[1], v[2], v[3])
      elseif name == 'brat-event-norm' and v[1] then
        norm(event(v[1]), v[2], v[3], v[4])
      elseif not name:match('^brat%-') then
        if #v <= 1 then
          attr(pid, name, v[1] and brat.value(v[1]))
        else
          H.problem(st, rec.id, '%s: attribute %s has %d values and a brat attribute one: not exported', rec.id, name,
            #v)
        end
      end
    end
  end
end

return M
