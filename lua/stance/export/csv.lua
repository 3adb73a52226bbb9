--- CSV (RFC 4180): a header line, then one line per row; fields quoted when they hold a
--- comma, quote or line end. Spans are "start-stop start-stop"; a sentence's labels are
--- "annotator:label:target:stance:role" joined by ";".
local M = {}

local function field(v)
  if v == nil then return '' end
  v = tostring(v)
  if v:find('[,"\r\n]') then return '"' .. v:gsub('"', '""') .. '"' end
  return v
end

---@param out file*
---@param unit "annotation"|"sentence"
---@return fun(row: table)
function M.writer(out, unit)
  local fields = unit == 'sentence' and require('stance.export.rows').sentence_fields
    or require('stance.export.rows').annotation_fields
  out:write(table.concat(fields, ','), '\r\n')
  return function(row)
    local cells = {}
    for i, f in ipairs(fields) do
      local v = row[f]
      if f == 'spans' and v then
        local parts = {}
        for k, sp in ipairs(v) do
          parts[k] = sp[1] .. '-' .. sp[2]
        end
        v = table.concat(parts, ' ')
      elseif f == 'labels' and v then
        local parts = {}
        for k, l in ipairs(v) do
          parts[k] = table.concat({ l.annotator or '', l.label or '', l.target or '', l.stance or '',
            l.role or '' }, ':')
        end
        v = table.concat(parts, ';')
      end
      cells[i] = field(v)
    end
    out:write(table.concat(cells, ','), '\r\n')
  end
end

return M
