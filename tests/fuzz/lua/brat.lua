-- Fuzz harness of the brat reader and writer (tests/fuzz/brat.c). For any .ann file and
-- document:
--   - reading never raises: what cannot be read is a problem with a line and column;
--   - what it reads is valid records that a store takes and writes as a file that reads
--     back without error;
--   - what the export writes is read back by the reader without a problem, and exporting
--     again what that import reads gives the same bytes (a fixed point);
--   - the common lines in C (brat_read.fast) make what brat_read.records makes, byte for
--     byte once written, with the same names to declare; a file it does not take is one
--     brat_read.records reports a problem of or holds an uncommon line (see M.same below).
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

local brat = require('stance.interop.brat')
local declare = require('stance.interop.declare')

-- The import as brat_io makes it without the C path, with IDs 000000000001, 2, ... in the
-- order records are minted: the written store, the number of records, the names to declare
-- and whether every line was taken as it is (no problem, every record stored).
local function slow(text, doc, opts)
  local n, new_id = 0, core.new_id
  core.new_id = function()
    n = n + 1
    return ('%012d'):format(n)
  end
  local ok, recs, problems = pcall(read.records, ann.parse(text), doc, opts)
  core.new_id = new_id
  assert(ok, recs)
  local model = core.text(doc)
  local store, wanted, clean = core.store(), declare.new(), #problems == 0
  for _, r in ipairs(recs) do
    read.context(r, doc, model)
    if store:add(r) then
      declare.record(wanted, r)
    else
      clean = false
    end
  end
  return store:write(), #recs, wanted, clean
end

-- Whether the lines of `text` are only those brat_read.fast takes (brat.h).
local function common_lines(text)
  local d = ann.parse(text)
  if #d.events + #d.equivs + #d.notes + #d.norms > 0 then return false end
  local t, seen = {}, {}
  for _, e in ipairs(d.entities) do
    if #e.spans ~= 1 or e.type == brat.DOCUMENT_TYPE then return false end
    t[e.id] = true
  end
  -- (one Target, Stance, Role each on a T)
  for _, a in ipairs(d.attributes) do
    local key = a.name .. '\0' .. a.target
    if not brat.FIELD_OF[a.name] or a.value == nil or not t[a.target] or seen[key] then return false end
    seen[key] = true
  end
  for _, r in ipairs(d.relations) do
    if r.args[1][1] ~= 'Arg1' or r.args[2][1] ~= 'Arg2' then return false end
  end
  return true
end

--- Both paths of an import agree: brat_read.fast gives what brat_read.records gives (its
--- file byte for byte, with the same IDs, and the same names to declare), and takes a file
--- of common lines that the Lua reader takes without a problem.
local function same(text, doc, schema)
  local opts = { schema = schema, rename = brat.renamer(schema, nil) }
  local lines = select(2, text:gsub('\n', '')) + 1
  local ids = {}
  for i = 1, lines do
    ids[i] = ('%012d'):format(i)
  end
  opts.ids = table.concat(ids)
  local store, n, used = read.fast(text, core.text(doc), opts)
  local file, count, wanted, clean = slow(text, doc, opts)
  if not store then
    assert(not (clean and common_lines(text)), 'the C path refuses a file of common lines the Lua reader takes')
    return
  end
  assert(clean, 'the C path takes a file the Lua reader reports a problem of')
  assert(n == count, ('the C path makes %d records, the Lua reader %d'):format(n, count))
  assert(store:write() == file, 'the C path writes what the Lua reader makes:\n' .. store:write() .. '\n--\n' .. file)
  for _, k in ipairs({ 'label', 'relation', 'target', 'stance', 'role' }) do
    for name in pairs(wanted[k]) do
      assert(used[k][name], ('the C path does not declare %s %s'):format(k, name))
    end
    for name in pairs(used[k]) do
      assert(wanted[k][name], ('the C path declares %s %s, which the records do not use'):format(k, name))
    end
  end
end

--- The side file of an export's statuses (stance-status.tsv): never raises, takes only known
--- statuses, says every other line with its place; what the export writes of it reads back.
local function statuses(input)
  local said, last = 0, lines_of(input)
  local report = { warn = function(_, _, line, col)
    assert(line >= 1 and line <= last and col >= 1, 'a line of stance-status.tsv said without its place')
    said = said + 1
  end }
  local io_ = require('stance.interop.brat_io')
  local got = io_.read_statuses(input, 'stance-status.tsv', report)
  local list = {}
  for doc, status in pairs(got) do
    assert(type(doc) == 'string' and require('stance.interop.brat').STATUS[status], 'an unknown status taken')
    list[#list + 1] = { doc, 'layer\t\\n', status }
  end
  -- what the export writes of those paths (tabs, line ends, backslashes) reads back the same
  local back = io_.read_statuses(io_.status_tsv(list), 'stance-status.tsv', { warn = function()
    error('the statuses the export writes read back with a warning')
  end })
  for doc, status in pairs(got) do
    assert(back[doc] == status, 'a path of stance-status.tsv does not read back: ' .. ('%q'):format(doc))
  end
end

return function(input)
  statuses(input)
  local text, doc = input:match('^(.-)%z(.*)$')
  if not text then text, doc = input, DOCUMENT end
  same(text, doc, SCHEMA)
  same(text, doc, nil)
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
