--- brat standoff (.ann files and annotation.conf), read and written without losing what the
--- other side can hold. brat offsets count code points of the document, like ours; a
--- discontinuous span is `A B;C D` and its text the parts joined by one space.
---
--- Mapping: T (text-bound) -> annotation, its type the label; R -> relation (Arg1 -> Arg2);
--- #AnnotatorNotes -> note; A/M attributes, N normalizations, E events and * equivalences
--- are kept as attributes of the records (`brat-attr NAME [VALUE]`, `brat-norm TYPE REF
--- [TEXT]`), events as relations from the trigger to each argument (type `EventType:Role`,
--- `brat-event ID`), equivalences as relations (`brat-equiv N`), so that they come back.
local M = {}
local H = {}

---@class stance.BratDoc
---@field entities table[] { id, type, spans = {{a, b}}, text, line }
---@field attributes table[] { id, name, target, value, line }
---@field relations table[] { id, type, args = {{role, target}}, line }
---@field notes table[] { id, kind, target, text, line }
---@field norms table[] { id, type, target, ref, text, line }
---@field events table[] { id, type, trigger, args = {{role, target}}, line }
---@field equivs table[] { type, members = {...}, line }
---@field problems table[] { line, col, message }

--- Parse an .ann file. Never fails: bad lines are problems (line, col), the rest is read.
---@param text string
---@return stance.BratDoc
function M.parse(text)
  local d = { entities = {}, attributes = {}, relations = {}, notes = {}, norms = {}, events = {}, equivs = {},
    problems = {} }
  local n = 0
  for line in (text .. '\n'):gmatch('(.-)\r?\n') do
    n = n + 1
    if line ~= '' then
      local ok, err = pcall(H.line, d, line, n)
      if not ok then
        d.problems[#d.problems + 1] = { line = n, col = 1, message = (tostring(err):gsub('^.-:%d+: ', '')) }
      end
    end
  end
  return d
end

local function fail(msg) error(msg, 0) end

function H.line(d, line, n)
  local id, rest = line:match('^(%S+)\t(.*)$')
  if not id then fail('expected an ID and a tab') end
  local kind = id:sub(1, 1)
  if kind == 'T' then
    local head, text = rest:match('^([^\t]*)\t(.*)$')
    if not head then fail('T line without its text') end
    local typ, offs = head:match('^(%S+) (.+)$')
    if not typ then fail('T line needs TYPE START END') end
    local spans = {}
    for part in (offs .. ';'):gmatch('([^;]*);') do
      local a, b = part:match('^%s*(%d+) (%d+)%s*$')
      if not a then fail(("bad offsets '%s'"):format(part)) end
      spans[#spans + 1] = { tonumber(a), tonumber(b) }
    end
    d.entities[#d.entities + 1] = { id = id, type = typ, spans = spans, text = text, line = n }
  elseif kind == 'A' or kind == 'M' then
    local name, target, value = rest:match('^(%S+) (%S+) ?(%S*)%s*$')
    if not name then fail('A line needs NAME TARGET [VALUE]') end
    d.attributes[#d.attributes + 1] = { id = id, name = name, target = target, value = value ~= '' and value or nil,
      line = n }
  elseif kind == 'R' then
    local typ, args = rest:match('^(%S+) ([^\t]*)')
    if not typ then fail('R line needs TYPE Arg1:ID Arg2:ID') end
    local list = {}
    for role, target in args:gmatch('(%S+):(%S+)') do
      list[#list + 1] = { role, target }
    end
    if #list ~= 2 then fail('a relation needs two arguments') end
    d.relations[#d.relations + 1] = { id = id, type = typ, args = list, line = n }
  elseif kind == '#' then
    local k, target, text = rest:match('^(%S+) (%S+)\t?(.*)$')
    if not k then fail('# line needs TYPE TARGET and a text') end
    d.notes[#d.notes + 1] = { id = id, kind = k, target = target, text = text, line = n }
  elseif kind == 'N' then
    local typ, target, ref, text = rest:match('^(%S+) (%S+) (%S+)\t?(.*)$')
    if not typ then fail('N line needs TYPE TARGET REF') end
    d.norms[#d.norms + 1] = { id = id, type = typ, target = target, ref = ref, text = text, line = n }
  elseif kind == 'E' then
    local head = rest:match('^([^\t]*)')
    local typ, trigger = head:match('^([^:%s]+):(%S+)')
    if not typ then fail('E line needs TYPE:TRIGGER') end
    local list = {}
    for role, target in head:gsub('^%S+', ''):gmatch('(%S+):(%S+)') do
      list[#list + 1] = { role, target }
    end
    d.events[#d.events + 1] = { id = id, type = typ, trigger = trigger, args = list, line = n }
  elseif id == '*' then
    local typ, members = rest:match('^(%S+) (.+)$')
    if not typ then fail('* line needs TYPE and IDs') end
    local list = {}
    for m in members:gmatch('%S+') do
      list[#list + 1] = m
    end
    d.equivs[#d.equivs + 1] = { type = typ, members = list, line = n }
  else
    fail(("unknown line '%s' (T, A, M, R, E, N, #, *)"):format(id))
  end
end

local function q(s) return require('stance.core').quote(s) end

local utf8_len = require('stance.utf8').len
local function word(s)
  local core = require('stance.core')
  return core.is_word(s) and s or core.quote(s)
end

--- Records for our store from a parsed .ann against the document's text (for checking
--- span texts). Returns the records and problems ({line, col, message}) for what was
--- skipped.
---@param d stance.BratDoc
---@param text string the document
---@return table[] records
---@return table[] problems
function M.records(d, text)
  local core = require('stance.core')
  local model = core.text(text)
  local cps = model:cps()
  local problems = {}
  for _, p in ipairs(d.problems) do
    problems[#problems + 1] = p
  end
  local by_id, recs, extras = {}, {}, {}
  local function extra(id, line)
    extras[id] = extras[id] or {}
    table.insert(extras[id], line)
  end
  local function new_id() return core.new_id() end
  for _, e in ipairs(d.entities) do
    local parts, bad = {}, nil
    for i, sp in ipairs(e.spans) do
      if sp[1] >= sp[2] or sp[2] > cps or (i > 1 and sp[1] < e.spans[i - 1][2]) then
        bad = ('offsets %d-%d are outside the document (%d code points) or out of order'):format(sp[1], sp[2], cps)
        break
      end
      parts[i] = text:sub(model:cp_to_byte(sp[1]) + 1, model:cp_to_byte(sp[2]))
    end
    if not bad and table.concat(parts, ' ') ~= e.text then
      bad = ("its text '%s' is not the document's at those offsets ('%s')"):format(e.text, table.concat(parts, ' '))
    end
    if bad then
      problems[#problems + 1] = { line = e.line, col = 1, message = ('%s skipped: %s'):format(e.id, bad) }
    else
      local rec = { kind = 'annotation', id = new_id(), spans = e.spans, label = e.type, quote = e.text }
      by_id[e.id] = rec
      recs[#recs + 1] = rec
    end
  end
  for _, r in ipairs(d.relations) do
    local from, to = by_id[r.args[1][2]], by_id[r.args[2][2]]
    if not from or not to then
      problems[#problems + 1] = { line = r.line, col = 1, message = ('%s skipped: it links %s'):format(r.id,
        not from and r.args[1][2] or r.args[2][2]) .. ', which is not an imported annotation' }
    else
      local rec = { kind = 'relation', id = new_id(), type = r.type, from = from.id, to = to.id }
      if r.args[1][1] ~= 'Arg1' or r.args[2][1] ~= 'Arg2' then
        rec.extras_lines = { ('brat-args %s %s'):format(word(r.args[1][1]), word(r.args[2][1])) }
      end
      by_id[r.id] = rec
      recs[#recs + 1] = rec
    end
  end
  for _, ev in ipairs(d.events) do
    local trig = by_id[ev.trigger]
    if not trig then
      problems[#problems + 1] = { line = ev.line, col = 1, message = ('%s skipped: its trigger %s is not an imported '
        .. 'annotation'):format(ev.id, ev.trigger) }
    else
      if #ev.args == 0 then extra(trig, ('brat-event %s %s'):format(word(ev.id), word(ev.type))) end
      for i, a in ipairs(ev.args) do
        local target = by_id[a[2]]
        if target then
          recs[#recs + 1] = { kind = 'relation', id = new_id(), type = ev.type .. ':' .. a[1], from = trig.id,
            to = target.id, extras_lines = { ('brat-event %s %d'):format(word(ev.id), i) } }
        else
          problems[#problems + 1] = { line = ev.line, col = 1, message = ('%s: argument %s:%s is not an imported '
            .. 'annotation; left out'):format(ev.id, a[1], a[2]) }
        end
      end
      by_id[ev.id] = trig
    end
  end
  for k, eq in ipairs(d.equivs) do
    for i = 2, #eq.members do
      local a, b = by_id[eq.members[i - 1]], by_id[eq.members[i]]
      if a and b then
        recs[#recs + 1] = { kind = 'relation', id = new_id(), type = eq.type, from = a.id, to = b.id,
          extras_lines = { ('brat-equiv %d'):format(k) } }
      else
        problems[#problems + 1] = { line = eq.line, col = 1, message = ('* %s: %s is not an imported annotation; '
          .. 'left out'):format(eq.type, eq.members[a and i or i - 1]) }
      end
    end
  end
  for _, a in ipairs(d.attributes) do
    local rec = by_id[a.target]
    if rec then
      extra(rec, ('brat-attr %s%s'):format(word(a.name), a.value and (' ' .. word(a.value)) or ''))
    else
      problems[#problems + 1] = { line = a.line, col = 1, message = ('%s skipped: its target %s is not imported')
        :format(a.id, a.target) }
    end
  end
  for _, nt in ipairs(d.notes) do
    local rec = by_id[nt.target]
    if not rec then
      problems[#problems + 1] = { line = nt.line, col = 1, message = ('%s skipped: its target %s is not imported')
        :format(nt.id, nt.target) }
    elseif nt.kind == 'AnnotatorNotes' and rec.note == nil then
      rec.note = nt.text
    else
      extra(rec, ('brat-note %s %s'):format(word(nt.kind), q(nt.text)))
    end
  end
  for _, nm in ipairs(d.norms) do
    local rec = by_id[nm.target]
    if rec then
      extra(rec, ('brat-norm %s %s %s'):format(word(nm.type), word(nm.ref), q(nm.text or '')))
    else
      problems[#problems + 1] = { line = nm.line, col = 1, message = ('%s skipped: its target %s is not imported')
        :format(nm.id, nm.target) }
    end
  end
  for _, rec in ipairs(recs) do
    local lines = rec.extras_lines or {}
    for _, l in ipairs(extras[rec] or {}) do
      lines[#lines + 1] = l
    end
    rec.extras_lines = nil
    if #lines > 0 then rec.extras = table.concat(lines, '\n') .. '\n' end
  end
  return recs, problems
end

--- The brat-* attributes of a record, parsed: list of { name, values }.
local function brat_extras(rec)
  if not rec.extras then return {} end
  local out = {}
  -- the store keeps them as lines without their indentation
  for _, l in ipairs(require('stance.core').markup_lines('r x\n' .. rec.extras:gsub('[^\n]+', '  %0'))) do
    if l.kind == 'attribute' and l.name:match('^brat%-') then out[#out + 1] = { l.name, l.values } end
  end
  return out
end

--- The .ann text of a store's records (spans in code points of `text`).
---@param store stance.Store
---@param text string the document
---@param used table|nil filled with the types written (for M.conf), over several documents
---@return string ann
---@return table used { entities = {type = true}, relations = {type = {from, to}}, attributes, events }
function M.write(store, text, used)
  local core = require('stance.core')
  local model = core.text(text)
  used = used or {}
  for _, k in ipairs({ 'entities', 'relations', 'attributes', 'events' }) do
    used[k] = used[k] or {}
  end
  local out, tid = {}, {}
  local n = { T = 0, R = 0, A = 0, N = 0, ['#'] = 0, E = 0 }
  local function next_id(k)
    n[k] = n[k] + 1
    return k .. n[k]
  end
  local anns = store:records('annotation')
  table.sort(anns, function(a, b) return a.spans[1][1] < b.spans[1][1] end)
  local function attrs_and_notes(rec, bid)
    for _, x in ipairs(brat_extras(rec)) do
      local name, v = x[1], x[2]
      if name == 'brat-attr' then
        out[#out + 1] = ('%s\t%s %s%s'):format(next_id('A'), v[1], bid, v[2] and (' ' .. v[2]) or '')
        used.attributes[v[1]] = used.attributes[v[1]] or {}
        used.attributes[v[1]][v[2] or true] = true
      elseif name == 'brat-note' then
        out[#out + 1] = ('%s\t%s %s\t%s'):format(next_id('#'), v[1], bid, v[2] or '')
      elseif name == 'brat-norm' then
        out[#out + 1] = ('%s\t%s %s %s\t%s'):format(next_id('N'), v[1], bid, v[2], v[3] or '')
      end
    end
    if rec.note then
      out[#out + 1] = ('%s\tAnnotatorNotes %s\t%s'):format(next_id('#'), bid, (rec.note:gsub('\n', ' ')))
    end
  end
  for _, rec in ipairs(anns) do
    if not rec.conflict or rec.conflict == 'ours' then
      local id = next_id('T')
      tid[rec.id] = id
      local offs, parts = {}, {}
      -- as brat does, a span over line ends is written as one fragment per line
      for _, sp in ipairs(rec.spans) do
        local a = sp[1]
        local piece = text:sub(model:cp_to_byte(sp[1]) + 1, model:cp_to_byte(sp[2]))
        for frag, sep in (piece .. '\n'):gmatch('([^\r\n]*)(\r?\n?)') do
          local len = utf8_len(frag)
          if len > 0 then
            offs[#offs + 1] = a .. ' ' .. (a + len)
            parts[#parts + 1] = frag
          end
          a = a + len + utf8_len(sep)
          if sep == '' then break end
        end
      end
      local typ = (rec.label or 'annotation'):gsub('%s', '_')
      used.entities[typ] = true
      out[#out + 1] = ('%s\t%s %s\t%s'):format(id, typ, table.concat(offs, ';'), table.concat(parts, ' '))
    end
  end
  for _, rec in ipairs(anns) do
    if tid[rec.id] then attrs_and_notes(rec, tid[rec.id]) end
  end
  local events, equivs = {}, {}
  for _, rel in ipairs(store:records('relation')) do
    local from, to = tid[rel.from], tid[rel.to]
    if from and to then
      local ev, eq, args
      for _, x in ipairs(brat_extras(rel)) do
        if x[1] == 'brat-event' then ev = x[2] end
        if x[1] == 'brat-equiv' then eq = x[2] end
        if x[1] == 'brat-args' then args = x[2] end
      end
      if ev then
        local typ, role = rel.type:match('^(.-):([^:]+)$')
        events[ev[1]] = events[ev[1]] or { type = typ, trigger = from, args = {} }
        events[ev[1]].args[tonumber(ev[2]) or (#events[ev[1]].args + 1)] = role .. ':' .. to
      elseif eq then
        local k = eq[1]
        equivs[k] = equivs[k] or { type = rel.type, members = { from } }
        table.insert(equivs[k].members, to)
      else
        local id = next_id('R')
        out[#out + 1] = ('%s\t%s %s:%s %s:%s\t'):format(id, rel.type, args and args[1] or 'Arg1', from,
          args and args[2] or 'Arg2', to)
        local fr, tr = store:get(rel.from), store:get(rel.to)
        used.relations[rel.type] = used.relations[rel.type] or { from = {}, to = {} }
        used.relations[rel.type].from[(fr.label or 'annotation')] = true
        used.relations[rel.type].to[(tr.label or 'annotation')] = true
        attrs_and_notes(rel, id)
      end
    end
  end
  for _, rec in ipairs(anns) do
    for _, x in ipairs(brat_extras(rec)) do
      if x[1] == 'brat-event' and tid[rec.id] then
        events[x[2][1]] = events[x[2][1]] or { type = x[2][2], trigger = tid[rec.id], args = {} }
      end
    end
  end
  local names = {}
  for k in pairs(events) do
    names[#names + 1] = k
  end
  table.sort(names)
  for _, k in ipairs(names) do
    local ev = events[k]
    local args = {}
    for _, a in pairs(ev.args) do
      args[#args + 1] = a
    end
    out[#out + 1] = ('%s\t%s:%s%s'):format(next_id('E'), ev.type, ev.trigger,
      #args > 0 and (' ' .. table.concat(args, ' ')) or '')
    used.events[ev.type] = true
  end
  local eqk = {}
  for k in pairs(equivs) do
    eqk[#eqk + 1] = k
  end
  table.sort(eqk)
  for _, k in ipairs(eqk) do
    out[#out + 1] = ('*\t%s %s'):format(equivs[k].type, table.concat(equivs[k].members, ' '))
  end
  return table.concat(out, '\n') .. (#out > 0 and '\n' or ''), used
end

--- An annotation.conf for what `used` (from M.write, merged over documents) holds.
---@param used table
---@return string
function M.conf(used)
  local function sorted(t)
    local out = {}
    for k in pairs(t) do
      out[#out + 1] = k
    end
    table.sort(out)
    return out
  end
  local lines = { '# written by stance export --to brat', '[entities]' }
  for _, e in ipairs(sorted(used.entities)) do
    lines[#lines + 1] = e
  end
  lines[#lines + 1] = '[relations]'
  for _, r in ipairs(sorted(used.relations)) do
    local v = used.relations[r]
    lines[#lines + 1] = ('%s\tArg1:%s, Arg2:%s'):format(r, table.concat(sorted(v.from), '|'),
      table.concat(sorted(v.to), '|'))
  end
  lines[#lines + 1] = '<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>'
  lines[#lines + 1] = '[events]'
  for _, e in ipairs(sorted(used.events)) do
    lines[#lines + 1] = e
  end
  lines[#lines + 1] = '[attributes]'
  for _, a in ipairs(sorted(used.attributes)) do
    local vals = {}
    for v in pairs(used.attributes[a]) do
      if v ~= true then vals[#vals + 1] = v end
    end
    table.sort(vals)
    lines[#lines + 1] = #vals > 0 and ('%s\tArg:<ANY>, Value:%s'):format(a, table.concat(vals, '|'))
      or ('%s\tArg:<ANY>'):format(a)
  end
  return table.concat(lines, '\n') .. '\n'
end

--- Types named in an annotation.conf: { entities = {...}, relations = {...}, attributes = {...} }.
---@param text string
---@return table
function M.parse_conf(text)
  local out = { entities = {}, relations = {}, attributes = {}, events = {} }
  local section
  for line in (text .. '\n'):gmatch('(.-)\r?\n') do
    local s = line:match('^%[(%w+)%]')
    if s then
      section = s
    elseif line:match('%S') and not line:match('^%s*#') and section and out[section] then
      local name = line:match('^%s*!?([^%s\t]+)')
      if name and not name:match('^<') then table.insert(out[section], name) end
    end
  end
  return out
end

return M
