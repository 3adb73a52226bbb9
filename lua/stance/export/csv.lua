--- CSV (RFC 4180): a header line, then one line per row, every column present (empty when
--- without a value); fields quoted when they hold a comma, quote or line end. One kind of
--- row per file. Spans are "start-stop start-stop"; a sentence's labels are
--- "annotator:label:target:stance:role" joined by ";", the annotators who are done and the
--- targets the document belongs to joined by ";" (in a name, `\`, `:` and `;` are written
--- `\\`, `\:` and `\;`, so that the fields
--- split back exactly); the model's suggestions over it (when exported) likewise as
--- "annotator:label:target:stance:probability"; true is `true`.
local M = {}

--- A name inside a list field: the separators it holds escaped with a backslash.
local function part(v)
  return (tostring(v or ''):gsub('[\\:;]', '\\%0'))
end

--- Whether a spreadsheet would take a cell for a formula: it starts with `=`, `+`, `-`, `@`,
--- a tab or a carriage return (OWASP, "CSV Injection").
---@param v string
---@return boolean
function M.formula_like(v)
  return v:find('^[=+%-@\t\r]') ~= nil
end

local function field(v, safe)
  if v == nil then return '' end
  v = tostring(v)
  -- (--spreadsheet-safe: a single quote first, which a spreadsheet shows as text; a number is
  -- never changed, -0.5 stays a number)
  if safe and M.formula_like(v) and not tonumber(v) then v = "'" .. v end
  if v:find('[,"\r\n]') then return '"' .. v:gsub('"', '""') .. '"' end
  return v
end

---@param out file*
---@param unit string a unit of stance.export.rows with one kind of row
---@param extra string[]|nil columns after the fixed ones (stance.export.rows.meta_fields)
---@param _ any (the jsonl writer's `lossy`)
---@param opts {spreadsheet_safe: boolean|nil}|nil
---@return fun(row: table)
function M.writer(out, unit, extra, _, opts)
  local safe = opts and opts.spreadsheet_safe
  local rows = require('stance.export.rows')
  local fields = {}
  for _, f in ipairs(rows.fields[rows.units[unit][1]]) do
    fields[#fields + 1] = f
  end
  for _, f in ipairs(extra or {}) do
    fields[#fields + 1] = f
  end
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
          parts[k] = table.concat({ part(l.annotator), part(l.label), part(l.target), part(l.stance),
            part(l.role) }, ':')
        end
        v = table.concat(parts, ';')
      elseif f == 'suggestions' and v then
        local parts = {}
        for k, l in ipairs(v) do
          parts[k] = table.concat({ part(l.annotator), part(l.label), part(l.target), part(l.stance),
            l.confidence and ('%.3f'):format(l.confidence) or '' }, ':')
        end
        v = table.concat(parts, ';')
      elseif (f == 'done' or f == 'targets') and v then
        local parts = {}
        for k, name in ipairs(v) do
          parts[k] = part(name)
        end
        v = table.concat(parts, ';')
      end
      cells[i] = field(v, safe)
    end
    out:write(table.concat(cells, ','), '\r\n')
  end
end

return M
