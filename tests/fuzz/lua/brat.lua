-- Fuzz harness of the brat reader and writer (tests/fuzz/brat.c). For any .ann file and
-- document:
--   - reading never raises: what cannot be read is a problem with a line and column;
--   - what it reads is valid records that a store takes and writes as a file that reads
--     back without error;
--   - what the export writes is read back by the reader without a problem, and exporting
--     again what that import reads gives the same bytes (a fixed point).
local ann = require('stance.interop.brat_ann')
local read = require('stance.interop.brat_read')
local write = require('stance.interop.brat_write')
local core = require('stance.core')

local DOCUMENT = 'Alpha binds Beta and Gamma.\nDelta activates the binding of Alpha.\nÉpsilon 😀 is here,\r\nsaid Zeta.\n'

-- A schema whose labels set a target and a stance: what a label sets is given to each
-- record, and one that contradicts it is left out (with what links to it)
local SCHEMA = require('stance.schema').parse(table.concat({ 'format stance 1', 'target t', 'stance For',
  'stance Against', 'label Protein', '  target t', '  stance For', 'label Binding', '  stance Against', '' }, '\n'))

local function lines_of(s)
  local n = 1
  for _ in s:gmatch('\n') do
    n = n + 1
  end
  return n
end

--- Records of an .ann into a store (as the import makes them).
local function import(text, doc)
  local d = ann.parse(text)
  local last = lines_of(text)
  for _, p in ipairs(d.problems) do
    assert(p.line >= 1 and p.line <= last and p.col >= 1, 'a problem without its place')
  end
  local recs, problems, layer = read.records(d, doc, { schema = SCHEMA })
  for _, p in ipairs(problems) do
    assert(p.line >= 1 and p.line <= last and p.col >= 1 and type(p.message) == 'string', 'a problem without its place')
  end
  local store = core.store()
  if layer.status then store:set_header('status', layer.status) end
  for _, r in ipairs(recs) do
    assert(store:add(r))
  end
  return store
end

--- The .ann an export writes of a store, with its names planned as `stance export` plans
--- them (never two names on one brat name).
local function export(store, doc)
  local used, seen = write.new_used(), {}
  write.names_used(store, seen)
  write.plan_names(used, nil, seen)
  return (write.write(store, doc, { used = used }))
end

return function(input)
  local text, doc = input:match('^(.-)%z(.*)$')
  if not text then text, doc = input, DOCUMENT end
  local store = import(text, doc)
  local file = store:write()
  local back, problems = core.read(file)
  assert(back, 'the store writes a file that reads')
  for _, p in ipairs(problems) do
    assert(p.severity ~= 'error', 'the written file reads without error: ' .. tostring(p.message))
  end
  local out = export(store, doc)
  local d = ann.parse(out)
  assert(#d.problems == 0, 'the export reads back: ' .. (d.problems[1] and d.problems[1].message or ''))
  local again = export(import(out, doc), doc)
  assert(again == out, 'export(import(export(x))) == export(x)')
end
