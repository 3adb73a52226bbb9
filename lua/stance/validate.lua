--- What may be written: the checks every writer goes through (scripts, the editor, imports),
--- so that nothing the schema forbids reaches a file. Misuse (wrong types) raises; a value
--- the schema does not allow is a runtime failure: nil, err.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

local record_fields = {
  annotation = { label = true, target = true, stance = true, role = true, confidence = true, note = true,
    author = true },
  relation = { type = true, note = true, author = true },
  doclabel = { label = true, target = true, stance = true, note = true, author = true },
}

--- The names a schema knows for `kind` ("target", "stance", "role", "label", "relation"),
--- or nil when the schema lists none (then anything goes).
local function known(schema, kind)
  if not schema or next(schema.by[kind]) == nil then return nil end
  return schema.by[kind]
end

local function list(schema, kind)
  local names = {}
  for _, e in ipairs(schema[({ target = 'targets', stance = 'stances', role = 'roles', label = 'labels',
    relation = 'relations' })[kind]]) do
    names[#names + 1] = e.name
  end
  return table.concat(names, ', ')
end

-- The fields that name an entry of the schema, and the kind of entry each names.
local NAMED = { { 'label', 'label' }, { 'target', 'target' }, { 'stance', 'stance' }, { 'role', 'role' },
  { 'type', 'relation' } }

--- Check the fields of a record of `kind` against `schema` (may be nil).
---@param kind "annotation"|"relation"|"doclabel"
---@param rec table
---@param schema table|nil
---@return boolean|nil ok
---@return string|nil err
function M.record(kind, rec, schema)
  local fields = record_fields[kind]
  for key, v in pairs(rec) do
    if fields and v ~= false and fields[key] then
      if type(v) ~= 'string' and not (key == 'confidence' and type(v) == 'number') then
        error(('%s should be a string, got %s'):format(key, type(v)), 3)
      end
    end
  end
  if kind == 'annotation' and (rec.label == nil or rec.label == false) then
    return nil, 'an annotation needs a label'
  end
  if kind == 'relation' and (rec.type == nil or rec.type == false) then return nil, 'a relation needs a type' end
  if kind == 'doclabel' and not rec.label and not rec.stance then
    return nil, 'a document label needs a label or a stance'
  end
  for _, pair in ipairs(NAMED) do
    local field, kind_name = pair[1], pair[2]
    local v = rec[field]
    local names = known(schema, kind_name)
    if type(v) == 'string' and names and not names[v] then
      return nil, ("unknown %s '%s' (schema has %s)"):format(field == 'type' and 'relation type' or field, v,
        list(schema, kind_name))
    end
  end
  if rec.confidence ~= nil and rec.confidence ~= false then
    local c = tonumber(rec.confidence)
    if not c or c < 0 or c > 1 then return nil, 'confidence should be a number from 0 to 1' end
  end
  return true
end

local DOCLABEL_FIELDS, LABEL_FIELDS = { 'target', 'stance' }, { 'target', 'stance', 'role' }
--- The fields a label of the schema can set on a record of `kind` (in this order; one list
--- for all callers: not to be changed).
---@param kind "annotation"|"doclabel"|string
---@return string[]
function M.label_fields(kind)
  if kind == 'doclabel' then return DOCLABEL_FIELDS end
  return LABEL_FIELDS
end

--- Fill in what the record's label sets in the schema (its target, stance and role), as
--- the editor does when the label's key is pressed; a record that contradicts its label is
--- refused. Changes `rec` in place.
---@param rec table
---@param schema table|nil
---@param kind string|nil "annotation" (default) or "doclabel"
---@return boolean|nil ok
---@return string|nil err
function M.apply_label(rec, schema, kind)
  local entry = schema and type(rec.label) == 'string' and schema.by.label[rec.label]
  if not entry then return true end
  for _, field in ipairs(M.label_fields(kind or rec.kind)) do
    local want = entry[field]
    if want then
      if rec[field] == nil or rec[field] == false then
        rec[field] = want
      elseif rec[field] ~= want then
        return nil, ("label '%s' sets %s %s, not %s"):format(rec.label, field, want, tostring(rec[field]))
      end
    end
  end
  return true
end

--- The label fields (target, stance, role) record `rec` has after `fields` change its label.
--- What the old label set or asked for goes with it, unless the new label asks for it too
--- (then it stays, as the answer); the new label sets its own; what no label governed
--- stays; `fields` may name any of them (false removes it). A record that would contradict
--- its new label is refused.
---@param rec table the record before the change
---@param fields table the change, with `label`
---@param schema table|nil
---@param kind string "annotation" or "doclabel"
---@return table|nil fields { label, target, stance, role } (nil: none)
---@return string|nil err
function M.relabel(rec, fields, schema, kind)
  local function entry(name) return schema and type(name) == 'string' and schema.by.label[name] or {} end
  local function asks(e)
    local set = {}
    for _, a in ipairs(e.ask or {}) do
      set[a] = true
    end
    return set
  end
  local before, after = entry(rec.label), entry(fields.label)
  local asked_before, asked_after = asks(before), asks(after)
  local out = { label = fields.label }
  for _, f in ipairs(M.label_fields(kind)) do
    if fields[f] ~= nil then
      out[f] = fields[f] or nil
    elseif rec[f] ~= nil then
      local governed = before[f] ~= nil or asked_before[f]
      if not governed or asked_after[f] then out[f] = rec[f] end
    end
  end
  local ok, err = M.apply_label(out, schema, kind)
  if not ok then return nil, err end
  return out
end

--- Check spans against a document of `cps` code points: non-empty, inside, not overlapping.
---@param spans integer[][]
---@param cps integer
---@return boolean|nil ok
---@return string|nil err
function M.spans(spans, cps)
  if type(spans) ~= 'table' or #spans == 0 then error('spans should be a list of {start, stop}', 3) end
  for i, s in ipairs(spans) do
    if type(s) ~= 'table' or type(s[1]) ~= 'number' or type(s[2]) ~= 'number' then
      error(('spans[%d] should be {start, stop}'):format(i), 3)
    end
    if s[1] ~= math.floor(s[1]) or s[2] ~= math.floor(s[2]) then
      error(('spans[%d] should be whole numbers (code point offsets), got {%s, %s}'):format(i, tostring(s[1]),
        tostring(s[2])), 3)
    end
    if not M.inside({ s }, cps) then
      return nil, ('span %d-%d is empty or outside the document (0-%d)'):format(s[1], s[2], cps)
    end
    if i > 1 and s[1] < spans[i - 1][2] then return nil, 'spans overlap' end
  end
  return true
end

--- Whether every span of a record read from a file is non-empty and inside a document of
--- `cps` code points (one that is not is an orphan whose text is gone, or a hostile file's:
--- agreement and curation leave it out).
---@param spans integer[][]|nil
---@param cps integer
---@return boolean
function M.inside(spans, cps)
  for _, sp in ipairs(spans or {}) do
    if sp[1] < 0 or sp[2] > cps or sp[1] >= sp[2] then return false end
  end
  return true
end

return M
