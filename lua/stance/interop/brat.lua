--- brat standoff and a corpus: the vocabulary the reader (stance.interop.brat_read), the
--- writer (brat_write) and the configuration files (brat_conf) share.
---
--- Mapping (:help stance-brat, doc/format.md section 10):
--- - T -> an annotation (type = label; discontinuous spans kept); a T of type
---   `Document_label` that nothing links to -> a document label (the document's stance).
--- - A/M `Target`, `Stance`, `Role` -> the annotation's target, stance, role; `Label` on a
---   document label -> its label; `Confidence` (0 to 1) -> its confidence; an attribute the
---   schema declares (`attribute NAME`) -> that attribute of the record; any other ->
---   `brat-attr NAME [VALUE]`.
--- - R -> a relation (`brat-args` when its roles are not Arg1, Arg2).
--- - E -> relations from the trigger's annotation to each argument, type `TYPE:ROLE`,
---   `brat-event KEY INDEX` (KEY: the event's brat ID); an event without arguments is
---   `brat-event KEY TYPE` on its trigger. What names an event (an argument, a relation's
---   end, an attribute, a note, a normalization) says so: `brat-to-event KEY`,
---   `brat-from-event KEY`, `brat-event-attr KEY ...`, `brat-event-note KEY ...`,
---   `brat-event-norm KEY ...`.
--- - `*` -> relations from the first member to each other one, `brat-equiv GROUP INDEX`.
--- - #AnnotatorNotes -> the note (several lines: one # line each); other # -> `brat-note`;
---   N -> `brat-norm TYPE REF TEXT`.
local M = {}

--- The type of the T that carries a document label (brat has no document-level
--- annotation: as brat's authors advise, a text-bound annotation at the start stands in).
M.DOCUMENT_TYPE = 'Document_label'

--- The layer's statuses (the annotator's progress on the document): in a brat export's
--- stance-status.tsv (stance.interop.brat_io); exports before session 13 wrote them as an
--- attribute `Status` on a `Document_label` T of its own, which an import still reads.
M.STATUS = { done = true, ['in-progress'] = true }

--- brat attribute names for record fields (both ways).
M.FIELD_OF = { Target = 'target', Stance = 'stance', Role = 'role' }
M.NAME_OF = { target = 'Target', stance = 'Stance', role = 'Role', label = 'Label', confidence = 'Confidence' }

--- Record attributes the brat mapping uses (declared in the schema by an import).
M.ATTRIBUTES = {
  ['brat-attr'] = 'a brat attribute: NAME [VALUE]',
  ['brat-args'] = 'the role names of a brat relation (when not Arg1 Arg2)',
  ['brat-event'] = 'part of a brat event: KEY INDEX (an argument) or KEY TYPE (an event without arguments)',
  ['brat-equiv'] = 'part of a brat equivalence: GROUP INDEX',
  ['brat-from-event'] = 'a relation from the brat event KEY',
  ['brat-to-event'] = 'a relation to the brat event KEY',
  ['brat-event-attr'] = 'an attribute of the brat event KEY: KEY NAME [VALUE]',
  ['brat-event-note'] = 'a note on the brat event KEY: KEY TYPE TEXT',
  ['brat-event-norm'] = 'a normalization of the brat event KEY: KEY TYPE REF TEXT',
  ['brat-note'] = 'a brat note other than AnnotatorNotes: TYPE TEXT',
  ['brat-norm'] = 'a brat normalization: TYPE REF TEXT',
}

local function each_cp(s, f)
  return (s:gsub('.[\128-\191]*', f))
end

--- A type name as brat stores it (its configuration takes [A-Za-z0-9_-] only: others
--- become `_`, one per character).
---@param s string
---@return string
function M.storage(s)
  if s:match('^[%w_%-]+$') then return s end
  local out = each_cp(s, function(c) return c:match('^[%w_%-]$') and c or '_' end)
  return out ~= '' and out or '_'
end

--- A value as a brat attribute value (no blanks, line ends, `,`, `|`, `<`, `>`).
---@param s string
---@return string
function M.value(s)
  if s ~= '' and not s:find('[%s%c,|<>\128-\255]') then return s end
  local out = each_cp(s, function(c)
    if c:match('^[%s,|<>]$') or require('stance.interop.brat_ann').has_break(c) then return '_' end
    return c
  end)
  return out ~= '' and out or '_'
end

--- How each kind of name is stored in brat: types in their storage form, attribute values
--- as values.
M.FORM = { label = M.storage, relation = M.storage, target = M.value, stance = M.value, role = M.value }

--- The brat name of every name an export writes, never the same for two names (`a b` and
--- `a_b` would both be stored as `a_b`): a name brat can store as it is keeps it; another
--- takes its storage form, with `-2`, `-3`, ... when a name before it has that already (the
--- schema's names first, in its order, then the others by name). A label `Document_label`
--- keeps it unless an annotation of it has a stance and no link (`seen.document_type`): an
--- import would take it for a document label.
---@param schema stance.Schema|nil
---@param seen table the names the records use, by kind ({ [kind] = { [name] = true } })
---@return table<string, table<string, string>> by kind: name -> brat name
function M.brat_names(schema, seen)
  local out = {}
  for kind, form in pairs(M.FORM) do
    local list, listed, rest = {}, {}, {}
    for _, e in ipairs(schema and schema[kind .. 's'] or {}) do
      if not listed[e.name] then
        listed[e.name] = true
        list[#list + 1] = e.name
      end
    end
    for n in pairs(seen[kind] or {}) do
      if not listed[n] then rest[#rest + 1] = n end
    end
    table.sort(rest)
    for _, n in ipairs(rest) do
      list[#list + 1] = n
    end
    local taken, map = { [kind == 'label' and seen.document_type and M.DOCUMENT_TYPE or ''] = true }, {}
    for _, n in ipairs(list) do
      if form(n) == n and not taken[n] then
        taken[n], map[n] = true, n
      end
    end
    for _, n in ipairs(list) do
      if not map[n] then
        local b, k = form(n), 1
        local try = b
        while taken[try] do
          k = k + 1
          try = b .. '-' .. k
        end
        taken[try], map[n] = true, try
      end
    end
    out[kind] = map
  end
  return out
end

--- The brat name of `name` (of `kind`) in an export whose names `used.brat` holds (see
--- M.brat_names), else its storage form.
---@param used table|nil see brat_write.new_used
---@param kind string
---@param name string
---@return string
function M.brat_name(used, kind, name)
  local map = used and used.brat and used.brat[kind]
  return map and map[name] or M.FORM[kind](name)
end

--- The attributes of a record beyond the standard ones, parsed: list of { name, values }.
---@param rec table a store record
---@return table[]
function M.extras(rec)
  if not rec.extras then return {} end
  local out = {}
  -- the store keeps them as lines without their indentation
  local text = 'r x\n' .. rec.extras:gsub('[^\n]+', '  %0')
  for _, l in ipairs(require('stance.core').markup_lines(text)) do
    if l.kind == 'attribute' then out[#out + 1] = { l.name, l.values } end
  end
  return out
end

--- One attribute line for a record's extras: name and values (up to the first nil),
--- quoted when needed.
---@param name string
---@param ... string|integer|nil
---@return string
function M.extra_line(name, ...)
  local core = require('stance.core')
  local parts = { name }
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    if v == nil then break end
    v = tostring(v)
    parts[#parts + 1] = core.is_word(v) and v or core.quote(v)
  end
  return table.concat(parts, ' ')
end

--- Names back from brat: `rename(kind, name)` (kind: label, relation, target, stance,
--- role) gives the schema's name that brat stored as `name` ("Climate change" stored as
--- Climate_change), from the `#stance-name` lines of annotation.conf, else from the schema.
---@param schema stance.Schema|nil
---@param conf_names table|nil { [kind] = { [brat] = name } } (see brat_conf.parse)
---@return fun(kind: string, name: string): string
function M.renamer(schema, conf_names)
  local by = {}
  local function index(kind)
    if by[kind] then return by[kind] end
    local t, list = {}, schema and schema.by[kind] or {}
    local form = (kind == 'label' or kind == 'relation') and M.storage or M.value
    for name in pairs(list) do
      local b = form(name)
      if b ~= name then t[b] = t[b] == nil and name or false end
    end
    by[kind] = t
    return t
  end
  return function(kind, name)
    local c = conf_names and conf_names[kind] and conf_names[kind][name]
    if c then return c end
    if schema and schema.by[kind] and schema.by[kind][name] then return name end
    return index(kind)[name] or name
  end
end

return M
