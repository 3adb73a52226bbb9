--- One layer as a brat .ann file (the mapping is in stance.interop.brat). The same
--- annotations always give the same bytes: brat IDs are numbered in an order that depends
--- on the annotations only (positions, types, values), never on our record IDs, so that a
--- re-export after a re-import diffs clean.
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
    orphans = opts.orphans or {}, problems = {}, id = {}, type_of = {}, order = {}, out = {}, is_trigger = {} }
  H.textbounds(st, store)
  H.links(st, store)
  H.events(st)
  for _, t in ipairs(st.textbounds) do
    if not st.is_trigger[t.bid] then st.used.entities[t.type] = true end
  end
  H.relations(st)
  H.equivs(st)
  H.attributes(st, store)
  H.notes(st, store)
  local out = st.out
  return table.concat(out, '\n') .. (#out > 0 and '\n' or ''), st.problems
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

function H.name(st, kind, name, form)
  local b = (form or brat.storage)(name)
  if b ~= name then st.used.names[kind][b] = name end
  return b
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
      local a, b = piece:find('%S.*%S'), select(2, piece:find('%S.*%S'))
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

--- A text for the end of an N or # line: line ends become blanks.
local function flat(s)
  local pieces = ann.split_breaks(s or '')
  return table.concat(pieces, ' ')
end

--- Text-bound annotations in document order (ties broken by everything they say).
function H.before(x, y)
  local fx, fy = x.frags, y.frags
  if fx[1][1] ~= fy[1][1] then return fx[1][1] < fy[1][1] end
  if fx[#fx][2] ~= fy[#fy][2] then return fx[#fx][2] < fy[#fy][2] end
  if #fx ~= #fy then return #fx < #fy end
  for i = 1, #fx do
    if fx[i][1] ~= fy[i][1] then return fx[i][1] < fy[i][1] end
    if fx[i][2] ~= fy[i][2] then return fx[i][2] < fy[i][2] end
  end
  if x.type ~= y.type then return x.type < y.type end
  if x.sig ~= y.sig then return x.sig < y.sig end
  return x.rec.id < y.rec.id
end

--- A note as brat holds it: its lines (brat cuts lines at more characters than LF).
local function note_lines(s)
  return table.concat((ann.split_breaks(s)), '\n')
end

--- What a record says in brat, for ordering equal spans: its type, values, notes and
--- attributes as the export writes them (and the import reads them back), without what an
--- export renumbers (record IDs; brat's event and equivalence keys and indexes). So the
--- order depends only on the output, and exporting what an import of it reads gives it
--- again.
function H.content(rec)
  local parts = { rec.type and brat.storage(rec.type) or '' }
  if rec.kind ~= 'relation' then
    for _, f in ipairs({ 'target', 'stance', 'role', 'confidence' }) do
      parts[#parts + 1] = rec[f] and brat.value(rec[f]) or ''
    end
    parts[#parts + 1] = rec.kind == 'doclabel' and rec.label and brat.value(rec.label) or ''
  end
  parts[#parts + 1] = rec.note and note_lines(rec.note) or ''
  for _, x in ipairs(brat.extras(rec)) do
    local name, v = x[1], x[2]
    if name == 'brat-event' then
      v = { rec.kind == 'relation' and '' or tostring(v[2] or '') } -- the type of an event without arguments
    elseif name == 'brat-equiv' or name == 'brat-from-event' or name == 'brat-to-event' then
      v = {}
    elseif name:match('^brat%-event%-') then
      local rest = {}
      for i = 2, #v do
        rest[i - 1] = v[i]
      end
      v = rest
    elseif not name:match('^brat%-') then
      name, v = 'brat-attr', { name, v[1] and brat.value(v[1]) }
    end
    if name:match('note$') or name:match('norm$') then v[#v] = v[#v] and flat(v[#v]) end
    parts[#parts + 1] = name .. ' ' .. table.concat(v, ' ')
  end
  return table.concat(parts, '\1')
end

--- Signatures that tell apart annotations of the same spans and content by what links
--- them to others (two rounds of refinement: their links, then their neighbours' links),
--- so that the order of brat IDs never depends on our record IDs. Hashed: a signature
--- stays small however many links an annotation has.
function H.link_signatures(list, relations)
  local sha = require('stance.core').sha256
  local by_id, links = {}, {}
  for _, t in ipairs(list) do
    by_id[t.rec.id] = t
    t.sig = sha(H.content(t.rec))
    links[t] = {}
  end
  for _, rel in ipairs(relations) do
    local a, b = by_id[rel.from], by_id[rel.to]
    if a and b then
      local c = H.content(rel)
      table.insert(links[a], { '>' .. c, b })
      table.insert(links[b], { '<' .. c, a })
    end
  end
  for _ = 1, 2 do
    local next_sig = {}
    for _, t in ipairs(list) do
      local parts = {}
      for i, l in ipairs(links[t]) do
        local o = l[2]
        parts[i] = ('%s %d-%d %s %s'):format(l[1], o.frags[1][1], o.frags[#o.frags][2], o.type, o.sig)
      end
      table.sort(parts)
      next_sig[t] = sha(H.content(t.rec) .. '\2' .. table.concat(parts, '\3'))
    end
    for _, t in ipairs(list) do
      t.sig = next_sig[t]
    end
  end
end

function H.textbounds(st, store)
  local list = {}
  for _, rec in ipairs(H.records(st, store, 'annotation')) do
    if st.orphans[rec.id] then
      H.problem(st, rec.id, 'annotation %s is an orphan (its text is no longer in the document): not exported', rec.id)
    else
      local frags = H.fragments(st, rec.spans)
      if #frags == 0 then
        H.problem(st, rec.id, 'annotation %s covers only line ends, which brat cannot hold: not exported', rec.id)
      else
        list[#list + 1] = { rec = rec, frags = frags, type = H.name(st, 'label', rec.label or 'annotation') }
      end
    end
  end
  for _, rec in ipairs(H.records(st, store, 'doclabel')) do
    local c = H.carrier(st)
    if not c then
      H.problem(st, rec.id, 'document label %s: the document has no text to carry it in brat: not exported', rec.id)
    else
      list[#list + 1] = { rec = rec, frags = { c }, type = brat.DOCUMENT_TYPE }
    end
  end
  H.link_signatures(list, H.records(st, store, 'relation'))
  table.sort(list, H.before)
  st.textbounds = list
  for i, t in ipairs(list) do
    t.bid = 'T' .. i
    st.id[t.rec.id], st.type_of[t.bid], st.order[t.bid] = t.bid, t.type, i
    local offs, texts = {}, {}
    for k, f in ipairs(t.frags) do
      offs[k], texts[k] = f[1] .. ' ' .. f[2], f[3]
    end
    st.out[#st.out + 1] = ('%s\t%s %s\t%s'):format(t.bid, t.type, table.concat(offs, ';'), table.concat(texts, ' '))
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

--- Sort the relations of the layer into event arguments, equivalences and relations.
function H.links(st, store)
  st.events, st.groups, st.rels = {}, {}, {}
  for _, t in ipairs(st.textbounds) do
    if t.rec.kind == 'annotation' then
      for _, x in ipairs(brat.extras(t.rec)) do
        if x[1] == 'brat-event' and x[2][1] and x[2][2] then
          H.event(st, x[2][1], x[2][2], t.bid)
        end
      end
    end
  end
  for _, rel in ipairs(H.records(st, store, 'relation')) do
    local x = H.brat_extras(rel)
    local from, to = st.id[rel.from], st.id[rel.to]
    if not from or not to then
      H.problem(st, rel.id, 'relation %s: its %s annotation is not exported: not exported', rel.id,
        from and 'target' or 'source')
    else
      local a = x['brat-from-event'] and { event = x['brat-from-event'][1] } or { t = from }
      local b = x['brat-to-event'] and { event = x['brat-to-event'][1] } or { t = to }
      local ev, eq = x['brat-event'], x['brat-equiv']
      if ev and ev[1] and rel.type:match('^.+:[^:]+$') then
        local typ, role = rel.type:match('^(.+):([^:]+)$')
        local e = H.event(st, ev[1], typ, from)
        if e.trigger ~= from then
          H.problem(st, rel.id, 'relation %s: argument of event %s from another trigger: not exported', rel.id, ev[1])
        else
          e.args[#e.args + 1] = { tonumber(ev[2]) or math.huge, role, b, rel }
        end
      elseif eq and eq[1] then
        local g = st.groups[eq[1]]
        if not g then
          g = { type = H.name(st, 'relation', rel.type), members = { { 1, a } } }
          st.groups[eq[1]] = g
        end
        g.members[#g.members + 1] = { tonumber(eq[2]) or math.huge, b }
      else
        local args = x['brat-args'] or {}
        st.rels[#st.rels + 1] = { rec = rel, type = H.name(st, 'relation', rel.type), a = a, b = b,
          r1 = args[1] or 'Arg1', r2 = args[2] or 'Arg2' }
      end
    end
  end
end

function H.event(st, key, typ, trigger)
  local e = st.events[key]
  if not e then
    e = { key = key, type = typ, trigger = trigger, args = {} }
    st.events[key] = e
  end
  return e
end

--- "E12" before "E2"? No: numbers inside keys compare as numbers.
function H.natural(a, b)
  local pa, pb = a:gsub('%d+', function(d) return ('%020d'):format(tonumber(d) or 0) end),
    b:gsub('%d+', function(d) return ('%020d'):format(tonumber(d) or 0) end)
  if pa ~= pb then return pa < pb end
  return a < b
end

function H.events(st)
  local list = {}
  for _, e in pairs(st.events) do
    list[#list + 1] = e
  end
  table.sort(list, function(x, y)
    if st.order[x.trigger] ~= st.order[y.trigger] then return st.order[x.trigger] < st.order[y.trigger] end
    return H.natural(x.key, y.key)
  end)
  st.eid = {}
  for i, e in ipairs(list) do
    e.bid = 'E' .. i
    st.eid[e.key] = e.bid
    st.type_of[e.bid] = e.type
    st.order[e.bid] = #st.textbounds + i
  end
  st.event_list = list
  for _, e in ipairs(list) do
    table.sort(e.args, function(x, y)
      if x[1] ~= y[1] then return x[1] < y[1] end
      return x[4].id < y[4].id
    end)
    local parts, counts = {}, {}
    for _, a in ipairs(e.args) do
      local ref = H.ref(st, a[3], a[4].id)
      if ref then
        parts[#parts + 1] = a[2] .. ':' .. ref
        local base = a[2]:gsub('%d+$', '')
        counts[base] = (counts[base] or 0) + 1
        H.add_type(st.used.events, e.type, 'types', base, st.type_of[ref])
      end
    end
    st.out[#st.out + 1] = ('%s\t%s:%s%s'):format(e.bid, e.type, e.trigger, #parts > 0 and (' ' .. table.concat(parts,
      ' ')) or '')
    local u = st.used.events[e.type] or { types = {}, seen = {} }
    st.used.events[e.type] = u
    u.seen[#u.seen + 1] = counts
    st.used.triggers[st.type_of[e.trigger]] = true
    st.is_trigger[e.trigger] = true
  end
end

--- t[k][field][sub] is a set; add v.
function H.add_type(t, k, field, sub, v)
  t[k] = t[k] or { types = {}, seen = {} }
  local f = t[k][field]
  f[sub] = f[sub] or {}
  f[sub][v] = true
end

--- The brat ID of a relation's end ({t = 'T3'} or {event = KEY}), or nil (reported).
function H.ref(st, e, id)
  if e.t then return e.t end
  local bid = st.eid and st.eid[e.event]
  if not bid then H.problem(st, id, 'relation %s names the brat event %s, which is not exported: not exported', id,
    e.event) end
  return bid
end

function H.relations(st)
  local lines = {}
  for _, r in ipairs(st.rels) do
    local a, b = H.ref(st, r.a, r.rec.id), H.ref(st, r.b, r.rec.id)
    if a and b then
      lines[#lines + 1] = { a = a, b = b, r = r }
      local key = r.r1 .. ' ' .. r.r2
      st.used.relations[r.type] = st.used.relations[r.type] or {}
      local u = st.used.relations[r.type][key] or { from = {}, to = {} }
      st.used.relations[r.type][key] = u
      u.from[st.type_of[a]], u.to[st.type_of[b]] = true, true
    end
  end
  table.sort(lines, function(x, y)
    if x.a ~= y.a then return st.order[x.a] < st.order[y.a] end
    if x.b ~= y.b then return st.order[x.b] < st.order[y.b] end
    if x.r.type ~= y.r.type then return x.r.type < y.r.type end
    if x.r.r1 ~= y.r.r1 then return x.r.r1 < y.r.r1 end
    if x.r.r2 ~= y.r.r2 then return x.r.r2 < y.r.r2 end
    return tostring(x.r.rec.note or '') < tostring(y.r.rec.note or '')
  end)
  for i, l in ipairs(lines) do
    l.bid = 'R' .. i
    st.id[l.r.rec.id] = l.bid
    st.order[l.bid] = 2 * 2 ^ 40 + i
    st.type_of[l.bid] = l.r.type
    st.out[#st.out + 1] = ('%s\t%s %s:%s %s:%s\t'):format(l.bid, l.r.type, l.r.r1, l.a, l.r.r2, l.b)
  end
end

function H.equivs(st)
  local lines = {}
  for _, g in pairs(st.groups) do
    table.sort(g.members, function(x, y) return x[1] < y[1] end)
    local ids, seen = {}, {}
    for _, m in ipairs(g.members) do
      local r = H.ref(st, m[2], '*')
      if r and not seen[r] then
        seen[r] = true
        ids[#ids + 1] = r
      end
    end
    if #ids >= 2 then
      lines[#lines + 1] = { type = g.type, ids = ids }
      st.used.equivs[g.type] = st.used.equivs[g.type] or {}
      for _, r in ipairs(ids) do
        st.used.equivs[g.type][st.type_of[r]] = true
      end
    end
  end
  table.sort(lines, function(x, y)
    if x.type ~= y.type then return x.type < y.type end
    for i = 1, math.min(#x.ids, #y.ids) do
      if x.ids[i] ~= y.ids[i] then return st.order[x.ids[i]] < st.order[y.ids[i]] end
    end
    return #x.ids < #y.ids
  end)
  for _, l in ipairs(lines) do
    st.out[#st.out + 1] = ('*\t%s %s'):format(l.type, table.concat(l.ids, ' '))
  end
end

--- The records that carry brat lines, with their brat IDs.
function H.carriers(st, store)
  local out = {}
  for _, t in ipairs(st.textbounds) do
    out[#out + 1] = { rec = t.rec, bid = t.bid }
  end
  for _, rel in ipairs(H.records(st, store, 'relation')) do
    local bid = st.id[rel.id]
    if bid and bid:sub(1, 1) == 'R' then out[#out + 1] = { rec = rel, bid = bid } end
  end
  return out
end

function H.attributes(st, store)
  local list, seq = {}, 0
  local function add(bid, name, value, id)
    if not bid then return end
    seq = seq + 1
    list[#list + 1] = { bid = bid, name = name, value = value, seq = seq }
    local u = st.used.attributes[name] or { values = {}, on = {}, valueless = false }
    st.used.attributes[name] = u
    if value then u.values[value] = true else u.valueless = true end
    u.on[st.type_of[bid]] = true
    return id
  end
  for _, c in ipairs(H.carriers(st, store)) do
    local rec, bid = c.rec, c.bid
    if rec.kind ~= 'relation' then
      for _, f in ipairs({ 'target', 'stance', 'role' }) do
        if rec[f] then add(bid, brat.NAME_OF[f], H.name(st, f, rec[f], brat.value)) end
      end
      if rec.kind == 'doclabel' and rec.label then add(bid, 'Label', H.name(st, 'label', rec.label, brat.value)) end
      if rec.confidence then add(bid, 'Confidence', brat.value(rec.confidence)) end
    end
    for _, x in ipairs(brat.extras(rec)) do
      local name, v = x[1], x[2]
      if name == 'brat-attr' and v[1] then
        add(bid, v[1], v[2])
      elseif name == 'brat-event-attr' and v[1] and v[2] then
        add(st.eid[v[1]], v[2], v[3])
      elseif not name:match('^brat%-') then
        if #v <= 1 then
          add(bid, name, v[1] and brat.value(v[1]))
        else
          H.problem(st, rec.id, '%s: attribute %s has %d values and a brat attribute one: not exported', rec.id, name,
            #v)
        end
      end
    end
  end
  table.sort(list, function(x, y)
    if x.bid ~= y.bid then return st.order[x.bid] < st.order[y.bid] end
    if x.name ~= y.name then return x.name < y.name end
    if (x.value or '') ~= (y.value or '') then return (x.value or '') < (y.value or '') end
    return x.seq < y.seq
  end)
  for i, a in ipairs(list) do
    st.out[#st.out + 1] = ('A%d\t%s %s%s'):format(i, a.name, a.bid, a.value and (' ' .. a.value) or '')
  end
end


function H.notes(st, store)
  local notes, norms, seq = {}, {}, 0
  local function note(bid, kind, text)
    if not bid then return end
    -- a note of several lines: one # line each, which brat shows together and the import
    -- joins again
    for _, piece in ipairs((ann.split_breaks(text))) do
      seq = seq + 1
      notes[#notes + 1] = { bid = bid, kind = kind, text = piece, seq = seq }
    end
  end
  local function norm(bid, typ, ref, text)
    if not bid or not typ or not ref then return end
    seq = seq + 1
    norms[#norms + 1] = { bid = bid, type = typ, ref = ref, text = flat(text), seq = seq }
  end
  for _, c in ipairs(H.carriers(st, store)) do
    if c.rec.note then note(c.bid, 'AnnotatorNotes', c.rec.note) end
    for _, x in ipairs(brat.extras(c.rec)) do
      local v = x[2]
      if x[1] == 'brat-note' and v[1] then
        note(c.bid, v[1], flat(v[2]))
      elseif x[1] == 'brat-event-note' and v[1] and v[2] then
        note(st.eid[v[1]], v[2], flat(v[3]))
      elseif x[1] == 'brat-norm' then
        norm(c.bid, v[1], v[2], v[3])
      elseif x[1] == 'brat-event-norm' and v[1] then
        norm(st.eid[v[1]], v[2], v[3], v[4])
      end
    end
  end
  local function by_target(x, y)
    if x.bid ~= y.bid then return st.order[x.bid] < st.order[y.bid] end
    return x.seq < y.seq
  end
  table.sort(norms, by_target)
  table.sort(notes, by_target)
  for i, n in ipairs(norms) do
    st.out[#st.out + 1] = ('N%d\t%s %s %s\t%s'):format(i, n.type, n.bid, n.ref, n.text)
  end
  for i, n in ipairs(notes) do
    st.out[#st.out + 1] = ('#%d\t%s %s\t%s'):format(i, n.kind, n.bid, n.text)
  end
end

return M
