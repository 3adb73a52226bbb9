--- JSON Lines: one object per row, fields in the documented order.
local M = {}

---@param out file* where to write
---@param unit "annotation"|"sentence"
---@return fun(row: table)
function M.writer(out, unit)
  local json = require('stance.json')
  local fields = unit == 'sentence' and require('stance.export.rows').sentence_fields
    or require('stance.export.rows').annotation_fields
  return function(row)
    if row.labels then
      for i, l in ipairs(row.labels) do
        row.labels[i] = json.ordered(l, { 'annotator', 'label', 'target', 'stance', 'role' })
      end
      row.labels = json.array(row.labels)
    end
    if row.spans then row.spans = json.array(row.spans) end
    out:write(json.encode(json.ordered(row, fields)), '\n')
  end
end

return M
