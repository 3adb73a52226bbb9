-- A file whose `document` record names another document than its place (adversary 14,
-- finding 6): the place decides, for every command (export, scripts, check's re-anchoring);
-- check reports the record at its line as an error, and `stance fmt --reanchor` leaves the
-- file alone instead of making its annotations orphans of the other document. On the study
-- (../shared: favor/against only) and the bundled example.
local T = require('helpers')

local function corpus()
  if T.shared and T.exists(T.shared .. '/study/schema.stance') then
    local d = T.tmpdir()
    local fx = T.root .. '/tests/fixtures/study'
    os.execute(('mkdir -p %s/.stance/annotations/ana && cp %s/corpus/*.txt %s/ && cp %s/schema.stance %s/.stance/')
      :format(T.q(d), T.q(T.shared), T.q(d), T.q(fx), T.q(d)))
    local names = T.run('ls ' .. T.q(fx .. '/annotations/fixture'))
    local files = T.lines((names:gsub('\n$', '')))
    for _, f in ipairs(files) do
      T.write(d .. '/.stance/annotations/ana/' .. f,
        (T.read(fx .. '/annotations/fixture/' .. f):gsub('annotator fixture', 'annotator ana')))
    end
    local other
    for _, f in ipairs(T.lines(T.run('ls ' .. T.q(d) .. ' | grep "\\.txt$"'):gsub('\n$', ''))) do
      if f .. '.stance' ~= files[1] then other = f break end
    end
    return d, files[1]:sub(1, -8), other
  end
  return T.example_corpus(), '01_charge_works.txt', '03_charge_evidence.txt'
end

describe('a document record that names another document than the file', function()
  after_each(T.cleanup)

  it('is an error at its line in check; export, scripts and check read the file as its place says; fmt --reanchor leaves it', function()
    local d, doc, other = corpus()
    local rel = '.stance/annotations/ana/' .. doc .. '.stance'
    local file = d .. '/' .. rel
    local before = T.read(file)
    local _, n = before:gsub('\nannotation ', '')
    assert.truthy(n > 0)
    local changed = before:gsub('\ndocument "[^"\n]*"', '\ndocument "' .. other .. '"', 1)
    assert.are_not.equal(before, changed)
    T.write(file, changed)
    local line = select(2, changed:sub(1, changed:find('\ndocument ')):gsub('\n', '')) + 1
    -- check: the record named, at its line; the annotations checked against their place's document
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(out:find(('%s:%d:1: error: document "%s" names another document than the file\'s place (%s): the '
      .. 'place decides'):format(rel, line, other, doc), 1, true), out)
    assert.is_nil(out:find('orphan', 1, true), out)
    assert.is_nil(out:find('no longer in', 1, true), out)
    -- fmt --reanchor: refused, the file untouched
    out, err, code = T.stance_run({ 'fmt', '--reanchor', rel }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find(('%s:%d:1: document "%s" names another'):format(rel, line, other), 1, true), err)
    assert.are.equal(changed, T.read(file))
    -- export and a script: the annotations on the place's document, none orphaned
    out = T.stance_run({ 'export', '--to', 'csv' }, nil, d)
    local _, rows = out:gsub('\n' .. doc:gsub('%p', '%%%0') .. ',ana,', '')
    assert.are.equal(n, rows)
    T.write(d .. '/s.lua', ([[
local c = assert(stance.open('.'))
local on, orphans = 0, 0
for _, a in ipairs(assert(c:document('%s')):annotations({ annotator = 'ana' })) do
  on = on + 1
  if a.orphan then orphans = orphans + 1 end
end
print(on, orphans, #assert(c:document('%s')):annotations({ annotator = 'ana' }))
]]):format(doc, other))
    out, err = T.stance_run({ 'run', 's.lua' }, nil, d)
    local other_file = d .. '/.stance/annotations/ana/' .. other .. '.stance'
    local theirs = T.exists(other_file) and select(2, T.read(other_file):gsub('\nannotation ', '')) or 0
    assert.are.equal(('%d\t0\t%d\n'):format(n, theirs), out, err)
  end)
end)
