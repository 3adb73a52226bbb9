--- What may be written: the checks every writer goes through (scripts, the editor, imports),
--- so that nothing the schema forbids reaches a file. Misuse (wrong types) raises; a value
--- the schema does not allow is a runtime failure: nil, err.
local M = {}

local fields = {
  annotation = { 'label', 'target', 'stance', 'role', 'confidence', 'note', 'author' },
  relation = { 'type', 'note', 'author' },
  doclabel = { 'label', 'target', 'stance', 'note', 'author' },
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

--- Check the fields of a record of `kind` against `schema` (may be nil).
---@param kind "annotation"|"relation"|"doclabel"
---@param rec table
---@param schema table|nil
---@return boolean|nil ok
---@return string|nil err
function M.record(kind, rec, schema)
  for key, v in pairs(rec) do
    if type(key) == 'string' and fields[kind] and v ~= false and v ~= nil then
      local known_field = false
      for _, f in ipairs(fields[kind]) do
        if f == key then known_field = true end
      end
      if known_field and type(v) ~= 'string' and not (key == 'confidence' and type(v) == 'number') then
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
  for _, pair in ipairs({ { 'label', 'label' }, { 'target', 'target' }, { 'stance', 'stance' },
    { 'role', 'role' }, { 'type', 'relation' } }) do
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

--- Fill in what the record's label sets in the schema (its stance, its role), as the
--- editor does when the label's key is pressed; a record that contradicts its label is
--- refused. Changes `rec` in place.
---@param rec table
---@param schema table|nil
---@return boolean|nil ok
---@return string|nil err
function M.apply_label(rec, schema)
  local entry = schema and type(rec.label) == 'string' and schema.by.label[rec.label]
  if not entry then return true end
  for _, field in ipairs({ 'stance', 'role' }) do
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
    if s[1] < 0 or s[2] > cps or s[1] >= s[2] then
      return nil, ('span %d-%d is empty or outside the document (0-%d)'):format(s[1], s[2], cps)
    end
    if i > 1 and s[1] < spans[i - 1][2] then return nil, 'spans overlap' end
  end
  return true
end

return M
