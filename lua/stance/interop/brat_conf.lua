--- brat's configuration files: annotation.conf (the types and attributes of a collection:
--- brat's checker refuses annotations it does not declare) and visual.conf (labels and
--- colors), written for an export from what its .ann files use and from the schema, and
--- read on import for what they declare.
local M = {}

--- The first words of the annotation.conf an export writes (which tells a former export's folder).
M.HEADER = '# written by stance export --to brat'
local H = {}

local brat = require('stance.interop.brat')

local sorted = require('stance.interop.declare').sorted

local function names(list)
  local out = {}
  for _, e in ipairs(list or {}) do
    out[#out + 1] = e.name
  end
  return out
end

--- The values an attribute is declared with, in order (annotation.conf and visual.conf
--- list them alike): the schema's, then those the data adds.
---@param used table see brat_write.new_used
---@param schema stance.Schema|nil
---@param name string the brat attribute
---@return string[]
function M.values(used, schema, name)
  local field = brat.FIELD_OF[name]
  local list, seen = {}, {}
  local function add(v)
    if not seen[v] then
      seen[v] = true
      list[#list + 1] = v
    end
  end
  if field and schema then
    for _, n in ipairs(names(schema[field .. 's'])) do
      add(brat.brat_name(used, field, n))
    end
  end
  if name == 'Status' then
    -- (both, so that brat's annotators can set either)
    add('done')
    add('in-progress')
  end
  local u = used.attributes[name]
  for _, v in ipairs(sorted(u and u.values)) do
    add(v)
  end
  return list
end

--- The attributes declared: those used, and Target, Stance and Role when the schema has
--- values for them (so that brat's annotators can set them).
function H.attribute_names(used, schema)
  local set = {}
  for n in pairs(used.attributes) do
    set[n] = true
  end
  for name, field in pairs(brat.FIELD_OF) do
    if schema and #schema[field .. 's'] > 0 then set[name] = true end
  end
  return sorted(set)
end

--- "favor" -> "favor" with a non-breaking hyphen: brat's drawing settings read "-" as ",".
local function glyph(s) return (s:gsub('%-', '\226\128\145')) end

--- Event role cardinality as brat writes it: "" (one), "?", "*", "+".
function H.repeat_mark(seen, base)
  local lo, hi = math.huge, 0
  for _, counts in ipairs(seen) do
    local c = counts[base] or 0
    lo, hi = math.min(lo, c), math.max(hi, c)
  end
  if hi <= 1 then return lo >= 1 and '' or '?' end
  return lo >= 1 and '+' or '*'
end

--- annotation.conf for an export.
---@param used table filled by brat_write over every document
---@param schema stance.Schema|nil
---@return string
function M.annotation(used, schema)
  local lines = { M.HEADER .. ': the types and attributes of these documents' }
  local kinds = sorted(used.names)
  for _, kind in ipairs(kinds) do
    for _, b in ipairs(sorted(used.names[kind])) do
      -- how our names came out in brat's storage form, for stance import to restore them
      lines[#lines + 1] = ('#stance-name %s %s %s'):format(kind, b, require('stance.core').quote(used.names[kind][b]))
    end
  end
  local events = {}
  for t in pairs(used.events) do
    events[t] = true
  end
  for t in pairs(used.triggers) do
    events[t] = true
  end
  lines[#lines + 1] = '[entities]'
  -- the schema's labels in its order (brat offers them so), then the others by name
  local entities, listed = {}, {}
  for _, l in ipairs(schema and schema.labels or {}) do
    local t = brat.brat_name(used, 'label', l.name)
    if not listed[t] and not events[t] then
      listed[t] = true
      lines[#lines + 1] = t
    end
  end
  for t in pairs(used.entities) do
    entities[t] = true
  end
  for _, t in ipairs(sorted(entities)) do
    if not events[t] and not listed[t] then lines[#lines + 1] = t end
  end
  lines[#lines + 1] = '[relations]'
  H.relations(lines, used, schema, events)
  lines[#lines + 1] = '<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>'
  lines[#lines + 1] = '[events]'
  for _, t in ipairs(sorted(events)) do
    local u = used.events[t]
    local args = {}
    for _, base in ipairs(sorted(u and u.types)) do
      args[#args + 1] = ('%s%s:%s'):format(base, H.repeat_mark(u.seen, base), table.concat(sorted(u.types[base]), '|'))
    end
    lines[#lines + 1] = #args > 0 and (t .. '\t' .. table.concat(args, ', ')) or t
  end
  lines[#lines + 1] = '[attributes]'
  for _, name in ipairs(H.attribute_names(used, schema)) do
    local u = used.attributes[name] or { on = {}, values = {} }
    local on = sorted(u.on)
    if brat.FIELD_OF[name] then table.insert(on, 1, '<ENTITY>') end
    local values = M.values(used, schema, name)
    lines[#lines + 1] = ('%s\tArg:%s%s'):format(name, table.concat(on, '|'),
      #values > 0 and (', Value:' .. table.concat(values, '|')) or '')
  end
  return table.concat(lines, '\n') .. '\n'
end

--- Relation types of the schema that brat shows as relations (not the `TYPE:ROLE` of event
--- arguments, nor equivalences): brat name -> schema entry.
function H.plain_relations(used, schema)
  local out = {}
  for _, r in ipairs(schema and schema.relations or {}) do
    local b = brat.brat_name(used, 'relation', r.name)
    if not r.name:find(':', 1, true) and not used.equivs[b] then out[b] = r end
  end
  return out
end

function H.relations(lines, used, schema, events)
  local declared = H.plain_relations(used, schema)
  for _, t in ipairs(sorted(used.relations)) do
    for _, roles in ipairs(sorted(used.relations[t])) do
      local u = used.relations[t][roles]
      local r1, r2 = roles:match('^(%S+) (%S+)$')
      local from, to = sorted(u.from), sorted(u.to)
      -- a type of the schema may link any two entities in brat too (events are named)
      if declared[t] then
        from, to = H.with_entity(from, events), H.with_entity(to, events)
      end
      lines[#lines + 1] = ('%s\t%s:%s, %s:%s'):format(t, r1, table.concat(from, '|'), r2, table.concat(to, '|'))
    end
  end
  for _, t in ipairs(sorted(declared)) do
    if not used.relations[t] then lines[#lines + 1] = ('%s\tArg1:<ENTITY>, Arg2:<ENTITY>'):format(t) end
  end
  for _, t in ipairs(sorted(used.equivs)) do
    local types = table.concat(sorted(used.equivs[t]), '|')
    lines[#lines + 1] = ('%s\tArg1:%s, Arg2:%s, <REL-TYPE>:symmetric-transitive'):format(t, types, types)
  end
end

--- <ENTITY> and those of `types` that are event types.
function H.with_entity(types, events)
  local out = { '<ENTITY>' }
  for _, t in ipairs(types) do
    if events[t] then out[#out + 1] = t end
  end
  return out
end

--- The color a label is drawn in: its own, else its stance's, else its target's.
function H.label_color(schema, l)
  if l.color then return l.color end
  for _, f in ipairs({ 'stance', 'target' }) do
    local e = l[f] and schema.by[f][l[f]]
    if e and e.color then return e.color end
  end
  return nil
end

--- A display form for visual.conf's [labels] (no tabs, no `|`).
local function display(s) return (s:gsub('[\t|%c]', ' ')) end

--- visual.conf for an export: display names and colors from the schema.
---@param used table
---@param schema stance.Schema|nil
---@return string
function M.visual(used, schema)
  local lines = { '# written by stance export --to brat: names and colors from the schema', '[labels]' }
  local drawing = {
    'SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken',
    'ARC_DEFAULT\tcolor:black, arrowHead:triangle-5',
    'ATTRIBUTE_DEFAULT\tglyph:*',
  }
  local labels = {}
  if used.entities[brat.DOCUMENT_TYPE] then labels[#labels + 1] = brat.DOCUMENT_TYPE .. ' | Document | Doc' end
  local by_brat = {}
  for kind, map in pairs(used.names) do
    for b, name in pairs(map) do
      by_brat[kind .. ' ' .. b] = name
    end
  end
  local plain = {}
  for _, r in pairs(H.plain_relations(used, schema)) do
    plain[#plain + 1] = r
  end
  table.sort(plain, function(a, b) return a.name < b.name end)
  for _, kind in ipairs({ 'label', 'relation' }) do
    local list = kind == 'label' and (schema and schema.labels or {}) or plain
    for _, e in ipairs(list) do
      local b = brat.brat_name(used, kind, e.name)
      local shown = e.title or (b ~= e.name and e.name) or nil
      if shown then labels[#labels + 1] = ('%s | %s'):format(b, display(shown)) end
      local color = kind == 'label' and H.label_color(schema, e) or e.color
      if color then
        drawing[#drawing + 1] = ('%s\t%s:%s'):format(b, kind == 'label' and 'bgColor' or 'color', color)
      end
    end
  end
  for key, name in pairs(by_brat) do
    local kind, b = key:match('^(%S+) (.*)$')
    if (kind == 'label' or kind == 'relation') and not (schema and schema.by[kind][name])
      and not name:find(':', 1, true) then
      labels[#labels + 1] = ('%s | %s'):format(b, display(name))
    end
  end
  table.sort(labels)
  for _, l in ipairs(labels) do
    lines[#lines + 1] = l
  end
  for _, name in ipairs(H.attribute_names(used, schema)) do
    local field = brat.FIELD_OF[name]
    local values = M.values(used, schema, name)
    if field and #values > 0 then
      local glyphs, colors = {}, {}
      for i, v in ipairs(values) do
        glyphs[i] = glyph(v)
        local e
        for _, x in ipairs(schema and schema[field .. 's'] or {}) do
          if brat.brat_name(used, field, x.name) == v then e = x end
        end
        colors[i] = e and e.color or 'black'
      end
      drawing[#drawing + 1] = ('%s\tglyph:%s, glyphColor:%s'):format(name, table.concat(glyphs, '|'),
        table.concat(colors, '|'))
    end
  end
  lines[#lines + 1] = '[drawing]'
  for _, d in ipairs(drawing) do
    lines[#lines + 1] = d
  end
  return table.concat(lines, '\n') .. '\n'
end

--- What an annotation.conf declares: { entities = {...}, relations = {...}, events =
--- {...}, attributes = { [name] = {values...} }, names = { [kind] = { [brat] = name } } }.
---@param text string
---@return table
function M.parse(text)
  local out = { entities = {}, relations = {}, events = {}, attributes = {}, names = {} }
  local section
  for line in (text .. '\n'):gmatch('(.-)\r?\n') do
    local kind, b, rest = line:match('^#stance%-name (%S+) (%S+) (.+)$')
    if kind then
      local l = require('stance.core').markup_lines('x ' .. rest .. '\n')[1]
      if l and l.values and l.values[1] then
        out.names[kind] = out.names[kind] or {}
        out.names[kind][b] = l.values[1]
      end
    end
    local s = line:match('^%s*%[(%w+)%]%s*$')
    if s then
      section = s
    elseif line:match('%S') and not line:match('^%s*#') and not line:match('^%s*<[%w_-]+>%s*=')
      and not line:match('^%s*%-+%s*$') and section and out[section] then
      local terms, args = line:match('^%s*(%S+)%s*(.*)$')
      local name = terms and terms:match('^!?([^|]+)')
      if name and not name:match('^<') then
        if section == 'attributes' then
          local values = {}
          for v in (args:match('Value:([^,%s]+)') or ''):gmatch('[^|]+') do
            values[#values + 1] = v
          end
          out.attributes[name] = values
        else
          table.insert(out[section], name)
        end
      end
    end
  end
  return out
end

--- How a visual.conf shows types and attribute values: { titles = { [type] = full name },
--- colors = { [type] = color } (a span's bgColor, an arc's color), values = { [attribute] =
--- { [value] = glyph color } } }. Colors as written (the caller keeps those it can use).
---@param text string
---@return table
function M.parse_visual(text)
  local out = { titles = {}, colors = {}, values = {} }
  local section
  for line in (text .. '\n'):gmatch('(.-)\r?\n') do
    local s = line:match('^%s*%[(%w+)%]%s*$')
    if s then
      section = s
    elseif not line:match('^%s*#') and line:match('%S') then
      if section == 'labels' then
        local name, full = line:match('^%s*([^|]-)%s*|%s*([^|]-)%s*|')
        if not name then name, full = line:match('^%s*([^|]-)%s*|%s*([^|]-)%s*$') end
        if name and name ~= '' and full ~= '' then out.titles[name] = out.titles[name] or full end
      elseif section == 'drawing' then
        local name, rest = line:match('^%s*(%S+)%s+(.*)$')
        if name then
          local glyphs, gcolors = rest:match('glyph:([^,]*)'), rest:match('glyphColor:([^,%s]*)')
          local color = rest:match('bgColor:([^,%s]+)') or rest:match('%f[%w]color:([^,%s]+)')
          if color then out.colors[name] = color end
          if glyphs and gcolors then
            local vs, cs = {}, {}
            for v in glyphs:gmatch('[^|]+') do
              -- (an export writes a value's hyphens as non-breaking ones)
              vs[#vs + 1] = (v:gsub('^%s+', ''):gsub('%s+$', ''):gsub('\226\128\145', '-'))
            end
            for c in gcolors:gmatch('[^|]+') do
              cs[#cs + 1] = c
            end
            local map = {}
            for i, v in ipairs(vs) do
              map[v] = cs[i]
            end
            out.values[name] = map
          end
        end
      end
    end
  end
  return out
end

return M
