--- JSON Lines: one object per row, fields in the documented order, those without a value
--- left out; each object says its `kind` (annotation, relation, doclabel), sentences
--- aside.
local M = {}

---@param out file* where to write
---@param unit string a unit of stance.export.rows (its kinds of rows)
---@param extra string[]|nil fields after the fixed ones (stance.export.rows.meta_fields)
---@param lossy fun(path: string, line: integer|nil, what: string, n: integer)|nil told of a row
--- whose strings held bytes of invalid UTF-8 (written as U+FFFD: JSON is UTF-8)
---@return fun(row: table)
function M.writer(out, unit, extra, lossy)
  local json = require('stance.json')
  local rows = require('stance.export.rows')
  local fields = {}
  for kind, list in pairs(rows.fields) do
    local all = {}
    for _, f in ipairs(list) do
      all[#all + 1] = f
    end
    for _, f in ipairs(extra or {}) do
      all[#all + 1] = f
    end
    fields[kind] = all
  end
  unit = rows.units[unit][1]
  -- a list of records as a JSON array, each record's fields in the order of `keys`
  local function ordered_array(list, keys)
    for i, l in ipairs(list) do list[i] = json.ordered(l, keys) end
    return json.array(list)
  end
  return function(row)
    if row.labels then
      row.labels = ordered_array(row.labels, { 'annotator', 'label', 'target', 'stance', 'role' })
    end
    if row.suggestions then
      row.suggestions = ordered_array(row.suggestions, { 'annotator', 'label', 'target', 'stance', 'confidence' })
    end
    if row.spans then row.spans = json.array(row.spans) end
    if row.done then row.done = json.array(row.done) end
    if row.targets then row.targets = json.array(row.targets) end
    local text, invalid = json.encode_counted(json.ordered(row, fields[row.kind or unit]))
    if invalid > 0 and lossy then
      lossy(row.document or '?', row.line, ('%s%s'):format(row.kind or unit,
        row.id and (' %s of %s'):format(row.id, row.annotator or '?') or ''), invalid)
    end
    out:write(text, '\n')
  end
end

return M
