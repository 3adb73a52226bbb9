--- The canonical form of a brat document (as stance.interop.brat_write makes it, with
--- provisional IDs): its lines in a fixed order and its IDs (T1, E1, R1, A1, N1, #1)
--- numbered by what the lines say, never by the provisional IDs. Text-bound annotations
--- come by position; those of the same span and type are told apart by what is attached
--- to them and by what links them to others (refined over the links three times), so
--- that the same annotations give the same bytes, and exporting what the import of an
--- export reads gives that export again.
local M = {}
local H = {}

---@class stance.BratDraft
---@field entities table[] { pid, type, frags = {{a, b, text}, ...} }
---@field events table[] { pid, type, trigger = pid, args = {{role, pid}, ...} }
---@field relations table[] { pid, type, r1, a = pid, r2, b = pid }
---@field equivs table[] { type, members = {pid, ...} }
---@field attributes table[] { target = pid, name, value|nil }
---@field norms table[] { target = pid, type, ref, text }
---@field notes table[] { target = pid, kind, text } (in order)

local function sha(s) return require('stance.core').sha256(s) end

--- Order the document and give it its brat IDs (`bid` of each object; `order` numbers).
---@param doc stance.BratDraft
function M.order(doc)
  local sig = H.signatures(doc)
  local ents = doc.entities
  table.sort(ents, function(x, y)
    local fx, fy = x.frags, y.frags
    for i = 1, math.min(#fx, #fy) do
      if fx[i][1] ~= fy[i][1] then return fx[i][1] < fy[i][1] end
      if fx[i][2] ~= fy[i][2] then return fx[i][2] < fy[i][2] end
    end
    if #fx ~= #fy then return #fx < #fy end
    if x.type ~= y.type then return x.type < y.type end
    return sig[x.pid] < sig[y.pid]
  end)
  local bid, order = {}, {}
  doc.bid, doc.order = bid, order
  for i, t in ipairs(ents) do
    bid[t.pid], order[t.pid] = 'T' .. i, i
  end
  table.sort(doc.events, function(x, y)
    if order[x.trigger] ~= order[y.trigger] then return order[x.trigger] < order[y.trigger] end
    return sig[x.pid] < sig[y.pid]
  end)
  for i, e in ipairs(doc.events) do
    bid[e.pid], order[e.pid] = 'E' .. i, #ents + i
  end
  table.sort(doc.relations, function(x, y)
    if x.a ~= y.a then return order[x.a] < order[y.a] end
    if x.b ~= y.b then return order[x.b] < order[y.b] end
    if x.type ~= y.type then return x.type < y.type end
    if x.r1 ~= y.r1 then return x.r1 < y.r1 end
    if x.r2 ~= y.r2 then return x.r2 < y.r2 end
    return sig[x.pid] < sig[y.pid]
  end)
  for i, r in ipairs(doc.relations) do
    bid[r.pid], order[r.pid] = 'R' .. i, #ents + #doc.events + i
  end
  -- an equivalence is a set: its members in document order
  for _, q in ipairs(doc.equivs) do
    table.sort(q.members, function(a, b) return order[a] < order[b] end)
  end
  table.sort(doc.equivs, function(x, y)
    if x.type ~= y.type then return x.type < y.type end
    for i = 1, math.min(#x.members, #y.members) do
      if x.members[i] ~= y.members[i] then return order[x.members[i]] < order[y.members[i]] end
    end
    return #x.members < #y.members
  end)
  local function by_target(keys)
    return function(x, y)
      if x.target ~= y.target then return order[x.target] < order[y.target] end
      for _, k in ipairs(keys) do
        local a, b = x[k], y[k]
        -- (numbers as numbers: a note's 10th line after its 9th)
        if type(a) ~= 'number' or type(b) ~= 'number' then a, b = tostring(a or ''), tostring(b or '') end
        if a ~= b then return a < b end
      end
      return false
    end
  end
  for i, n in ipairs(doc.notes) do
    n.seq = i
  end
  H.stable_sort(doc.attributes, by_target({ 'name', 'value' }))
  H.stable_sort(doc.norms, by_target({ 'type', 'ref', 'text' }))
  H.stable_sort(doc.notes, by_target({ 'seq' }))
end

--- table.sort with ties kept in their order.
function H.stable_sort(list, less)
  for i, x in ipairs(list) do
    x._i = i
  end
  table.sort(list, function(a, b)
    if less(a, b) then return true end
    if less(b, a) then return false end
    return a._i < b._i
  end)
  for _, x in ipairs(list) do
    x._i = nil
  end
end

--- What each object says and what links it, refined three times: pid -> signature.
function H.signatures(doc)
  local label, edges = {}, {}
  local function node(pid, s)
    label[pid], edges[pid] = s, {}
  end
  local function edge(a, name, b)
    if edges[a] and edges[b] then
      table.insert(edges[a], { name .. '>', b })
      table.insert(edges[b], { name .. '<', a })
    end
  end
  for _, t in ipairs(doc.entities) do
    local offs = {}
    for i, f in ipairs(t.frags) do
      offs[i] = f[1] .. ' ' .. f[2]
    end
    node(t.pid, 'T ' .. t.type .. ' ' .. table.concat(offs, ';'))
  end
  for _, e in ipairs(doc.events) do
    node(e.pid, 'E ' .. e.type)
  end
  for _, r in ipairs(doc.relations) do
    node(r.pid, ('R %s %s %s'):format(r.type, r.r1, r.r2))
  end
  for i, q in ipairs(doc.equivs) do
    node('*' .. i, '* ' .. q.type)
  end
  for _, e in ipairs(doc.events) do
    edge(e.pid, 'trigger', e.trigger)
    for _, a in ipairs(e.args) do
      edge(e.pid, 'arg ' .. a[1], a[2])
    end
  end
  for _, r in ipairs(doc.relations) do
    edge(r.pid, 'arg1', r.a)
    edge(r.pid, 'arg2', r.b)
  end
  for i, q in ipairs(doc.equivs) do
    for _, m in ipairs(q.members) do
      edge('*' .. i, 'member', m)
    end
  end
  -- what is attached: attributes and normalizations as sets, notes in their order
  local attached = {}
  local function attach(pid, s, ordered)
    if not label[pid] then return end
    attached[pid] = attached[pid] or { set = {}, seq = {} }
    table.insert(ordered and attached[pid].seq or attached[pid].set, s)
  end
  for _, a in ipairs(doc.attributes) do
    attach(a.target, 'A ' .. a.name .. ' ' .. (a.value or ''))
  end
  for _, n in ipairs(doc.norms) do
    attach(n.target, ('N %s %s %s'):format(n.type, n.ref, n.text))
  end
  for _, n in ipairs(doc.notes) do
    attach(n.target, ('# %s %s'):format(n.kind, n.text), true)
  end
  local sig = {}
  for pid, l in pairs(label) do
    local a = attached[pid]
    if a then
      table.sort(a.set)
      l = l .. '\1' .. table.concat(a.set, '\2') .. '\1' .. table.concat(a.seq, '\2')
    end
    label[pid] = l
    sig[pid] = sha(l)
  end
  for _ = 1, 3 do
    local next_sig = {}
    for pid, list in pairs(edges) do
      local parts = {}
      for i, e in ipairs(list) do
        parts[i] = e[1] .. sig[e[2]]
      end
      table.sort(parts)
      next_sig[pid] = sha(label[pid] .. '\3' .. table.concat(parts, '\4'))
    end
    sig = next_sig
  end
  return sig
end

--- The .ann text of an ordered document.
---@param doc stance.BratDraft
---@return string
function M.format(doc)
  local bid, out = doc.bid, {}
  for _, t in ipairs(doc.entities) do
    local offs, texts = {}, {}
    for k, f in ipairs(t.frags) do
      offs[k], texts[k] = f[1] .. ' ' .. f[2], f[3]
    end
    out[#out + 1] = ('%s\t%s %s\t%s'):format(bid[t.pid], t.type, table.concat(offs, ';'), table.concat(texts, ' '))
  end
  for _, e in ipairs(doc.events) do
    local args = {}
    for i, a in ipairs(e.args) do
      args[i] = a[1] .. ':' .. bid[a[2]]
    end
    out[#out + 1] = ('%s\t%s:%s%s'):format(bid[e.pid], e.type, bid[e.trigger],
      #args > 0 and (' ' .. table.concat(args, ' ')) or '')
  end
  for _, r in ipairs(doc.relations) do
    out[#out + 1] = ('%s\t%s %s:%s %s:%s\t'):format(bid[r.pid], r.type, r.r1, bid[r.a], r.r2, bid[r.b])
  end
  for _, q in ipairs(doc.equivs) do
    local ids = {}
    for i, m in ipairs(q.members) do
      ids[i] = bid[m]
    end
    out[#out + 1] = ('*\t%s %s'):format(q.type, table.concat(ids, ' '))
  end
  for i, a in ipairs(doc.attributes) do
    out[#out + 1] = ('A%d\t%s %s%s'):format(i, a.name, bid[a.target], a.value and (' ' .. a.value) or '')
  end
  for i, n in ipairs(doc.norms) do
    out[#out + 1] = ('N%d\t%s %s %s\t%s'):format(i, n.type, bid[n.target], n.ref, n.text)
  end
  for i, n in ipairs(doc.notes) do
    out[#out + 1] = ('#%d\t%s %s\t%s'):format(i, n.kind, bid[n.target], n.text)
  end
  return table.concat(out, '\n') .. (#out > 0 and '\n' or '')
end

--- Add what the document uses to `used` (see brat_write.new_used), for the configuration.
---@param doc stance.BratDraft
---@param used table
function M.used(doc, used)
  local type_of, trigger = {}, {}
  for _, t in ipairs(doc.entities) do
    type_of[t.pid] = t.type
  end
  for _, e in ipairs(doc.events) do
    type_of[e.pid] = e.type
  end
  for _, r in ipairs(doc.relations) do
    type_of[r.pid] = r.type
  end
  for _, e in ipairs(doc.events) do
    trigger[e.trigger] = true
    used.triggers[type_of[e.trigger]] = true
    local u = used.events[e.type] or { types = {}, seen = {} }
    used.events[e.type] = u
    local counts = {}
    for _, a in ipairs(e.args) do
      local base = a[1]:gsub('%d+$', '')
      counts[base] = (counts[base] or 0) + 1
      u.types[base] = u.types[base] or {}
      u.types[base][type_of[a[2]]] = true
    end
    u.seen[#u.seen + 1] = counts
  end
  for _, t in ipairs(doc.entities) do
    if not trigger[t.pid] then used.entities[t.type] = true end
  end
  for _, r in ipairs(doc.relations) do
    local key = r.r1 .. ' ' .. r.r2
    used.relations[r.type] = used.relations[r.type] or {}
    local u = used.relations[r.type][key] or { from = {}, to = {} }
    used.relations[r.type][key] = u
    u.from[type_of[r.a]], u.to[type_of[r.b]] = true, true
  end
  for _, q in ipairs(doc.equivs) do
    used.equivs[q.type] = used.equivs[q.type] or {}
    for _, m in ipairs(q.members) do
      used.equivs[q.type][type_of[m]] = true
    end
  end
  for _, a in ipairs(doc.attributes) do
    local u = used.attributes[a.name] or { values = {}, on = {}, valueless = false }
    used.attributes[a.name] = u
    if a.value then u.values[a.value] = true else u.valueless = true end
    u.on[type_of[a.target]] = true
  end
end

return M
