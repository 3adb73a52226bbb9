-- Where two annotators disagree, from the agreement API (`corpus:agreement`, the items of
-- `stance agree`, :help stance-agreement): every (sentence, target) item to which they gave
-- different stances (one of them perhaps none), on the documents both marked done, one per
-- line as path:line:col for the quickfix list; then Cohen's κ of each target. The documents
-- left out for a layer file with errors are listed on stderr.
--
--   stance run disagreements.lua A B [DIR]
local a_name, b_name, dir = arg[1], arg[2], arg[3] or '.'
if not a_name or not b_name then
  io.stderr:write('usage: stance run disagreements.lua ANNOTATOR_A ANNOTATOR_B [DIR]\n')
  os.exit(2)
end

local corpus = assert(stance.open(dir))
local report = assert(corpus:agreement({ annotators = { a_name, b_name }, fields = { 'stance' },
  disagreements = true }))
local field = report.fields[1]

--- A value of the report: a stance, or "-" for no stance (JSON null in the report).
local function show(v)
  return type(v) == 'string' and v or '-'
end

for _, d in ipairs(field.disagreements) do
  local text = d.text:gsub('%s+', ' ')
  if #text > 70 then text = text:sub(1, utf8.offset(text, 68) - 1) .. '...' end
  print(('%s:%d:%d: %s: %s %s | %s %s | %s'):format(d.path, d.line, d.col, show(d.target), a_name,
    show(d.values[a_name]), b_name, show(d.values[b_name]), text))
end

-- the documents left out for a layer file with errors (stance run says the file's first error
-- too, and exits 1), on stderr: the lines above stay a quickfix list (those not done by both are
-- the summary's "both marked done")
local both, kappas = 0, {}
for _, doc in ipairs(report.documents) do
  if not doc.left_out then both = both + 1 end
  for _, b in ipairs(doc.broken or {}) do
    io.stderr:write(('left out: %s: %s\'s file has %d error(s), the first at %s\n'):format(doc.path, b.annotator,
      b.errors, b.where))
  end
end
for _, t in ipairs(field.targets or {}) do
  kappas[#kappas + 1] = ('%s %s'):format(show(t.target), t.kappa and ('%.3f'):format(t.kappa) or '-')
end
print(('%d of %d (sentence, target) items differ in %d documents both %s and %s marked done; kappa: %s'):format(
  #field.disagreements, field.pooled.items, both, a_name, b_name, table.concat(kappas, ', ')))
