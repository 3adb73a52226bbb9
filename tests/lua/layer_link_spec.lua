-- A layer file that is a symbolic link (tryout 9, item 5): one rule everywhere
-- (stance.layer_link). It is never read as its folder's annotator's layer, never written
-- through, and every command that meets it says so, with the file and where it leads: check,
-- fmt, scripts, agree, export, stats, report. On the study (../shared: favor/against only)
-- and on the bundled example.
local T = require('helpers')

local D3 = '003_7e305a588b2246b7.txt'

--- The study's five articles with the fixture annotations as ana's layer, and eve's layer on
--- D3 a link to ana's; nil when ../shared is not here.
local function study()
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  local fx = T.root .. '/tests/fixtures/study'
  os.execute(('mkdir -p %s/.stance/annotations/ana %s/.stance/annotations/eve && cp %s/corpus/*.txt %s/ && '
    .. 'cp %s/schema.stance %s/.stance/'):format(T.q(d), T.q(d), T.q(T.shared), T.q(d), T.q(fx), T.q(d)))
  local names = T.run('ls ' .. T.q(fx .. '/annotations/fixture'))
  for _, f in ipairs(T.lines((names:gsub('\n$', '')))) do
    local text = T.read(fx .. '/annotations/fixture/' .. f):gsub('annotator fixture', 'annotator ana')
    T.write(d .. '/.stance/annotations/ana/' .. f, text)
  end
  os.execute(('ln -s ../ana/%s.stance %s/.stance/annotations/eve/%s.stance'):format(D3, T.q(d), D3))
  return d
end

local function link_said(who, doc, to)
  return ('.stance/annotations/%s/%s.stance:1:1: a link to .stance/annotations/%s/%s.stance: a layer must be a file'
    .. " of its own; never read as %s's nor written through"):format(who, doc, to, doc, who)
end

local function script(d, body)
  T.write(d .. '/s.lua', body)
  return T.stance_run({ 'run', 's.lua' }, nil, d)
end

describe('a layer file that is a symbolic link', function()
  after_each(T.cleanup)

  it('is said by check, fmt, scripts, agree, export, stats and report, and read by none (the study)', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local said = link_said('eve', D3, 'ana')
    local ana_before = T.read(d .. '/.stance/annotations/ana/' .. D3 .. '.stance')
    -- check: an error at its line 1, nothing else of the file (it is not read)
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(out:find(said:gsub(':1:1: ', ':1:1: error: ', 1), 1, true), out)
    assert.is_nil(out:find("annotator ana in eve's folder", 1, true), out)
    -- fmt: refused, the link left as it is
    out, err, code = T.stance_run({ 'fmt', '.stance/annotations/eve/' .. D3 .. '.stance' }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find(said, 1, true), err)
    -- scripts: no layer of eve's on that document, said once on stderr
    out, err, code = script(d, ([[
local c = assert(stance.open('.'))
local doc = assert(c:document('%s'))
local st, serr = doc:status('eve')
print(#doc:annotations({ annotator = 'eve' }), #doc:annotations({ annotator = 'ana' }) > 0, st, serr ~= nil,
  table.concat(doc:annotators(), ','))
]]):format(D3))
    assert.are.equal(1, code, out .. err) -- (a layer left out: said, and the run exits 1)
    assert.are.equal('0\ttrue\tnil\ttrue\tana\n', out)
    local _, n = err:gsub(said:gsub('%p', '%%%0'), '')
    assert.are.equal(1, n, err)
    -- agree naming eve: no layer, and the link named
    out, err, code = T.stance_run({ 'agree', '--annotators', 'ana,eve' }, nil, d)
    assert.are_not.equal(0, code, out)
    assert.truthy(err:find("no layer 'eve' in the corpus (it has ana); " .. said, 1, true), err)
    -- agree over the people: the link said, not counted, exit 1
    out, err, code = T.stance_run({ 'agree' }, nil, d)
    assert.truthy(err:find(said, 1, true), out .. err)
    assert.are.equal(1, code, out .. err)
    -- export: left out with a word, exit 1; no row of eve's
    out, err, code = T.stance_run({ 'export', '--to', 'jsonl' }, nil, d)
    assert.are.equal(1, code, err)
    assert.truthy(err:find('a link to .stance/annotations/ana/' .. D3 .. '.stance: a layer must be a file of its own; '
      .. "never read as eve's nor written through; left out", 1, true), err)
    assert.is_nil(out:find('"annotator":"eve"', 1, true))
    -- stats: not counted, exit 1
    out, err, code = T.stance_run({ 'stats' }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find("never read as eve's nor written through; left out (not counted)", 1, true), err)
    -- report: said, not counted
    out, err, code = T.stance_run({ 'report', '--no-model', '--output', d .. '/out' }, nil, d)
    assert.are.equal(0, code, out .. err)
    assert.truthy(err:find('stance report: ' .. said .. '; not counted', 1, true), err)
    -- curation: refused, as for a layer with errors, naming the link
    local c = assert(require('stance').open(d))
    local cur, cerr = require('stance.curation').open(c, D3, { 'ana', 'eve' })
    assert.is_nil(cur)
    assert.truthy(cerr:find('cannot curate ' .. D3 .. ": fix eve's file", 1, true), cerr)
    assert.truthy(cerr:find("eve's file has 1 error(s), the first at " .. said, 1, true), cerr)
    -- an import does not replace it (brat, W3C: their layer is refused at its place)
    T.write(d .. '/in.jsonl', require('stance.json').encode({ ['@context'] = 'http://www.w3.org/ns/anno.jsonld',
      type = 'Annotation', body = { { type = 'TextualBody', purpose = 'tagging', value = 'sanctions-against' } },
      target = { source = 'urn:stance:document:' .. D3, selector = { type = 'TextQuoteSelector', exact = 'the' } } })
      .. '\n')
    out, err, code = T.stance_run({ 'import', '--from', 'w3c', '--annotator', 'eve', 'in.jsonl' }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('in.jsonl:1:1: warning: ' .. said .. '; its 1 record(s) skipped', 1, true), err)
    -- nothing written through the link, nor the link replaced
    assert.are.equal(ana_before, T.read(d .. '/.stance/annotations/ana/' .. D3 .. '.stance'))
    assert.are.equal('../ana/' .. D3 .. '.stance\n',
      T.run('readlink ' .. T.q(d .. '/.stance/annotations/eve/' .. D3 .. '.stance')))
  end)

  it('scan makes what each link says once (the study, the example)', function()
    local ll = require('stance.layer_link')
    local function once(d, who, doc, to)
      local real, calls = ll.message, 0
      ll.message = function(...)
        calls = calls + 1
        return real(...)
      end
      local ok, links = pcall(ll.scan, d)
      ll.message = real
      assert(ok, links)
      assert.are.equal(1, #links)
      assert.are.equal(1, calls, 'the message made once per link')
      assert.are.equal(link_said(who, doc, to), links[1].said)
      assert.are.equal(ll.refusal(links[1].path, d), links[1].said)
    end
    local d = study()
    if d then once(d, 'eve', D3, 'ana') end
    local e = T.example_corpus()
    local doc = '01_charge_works.txt'
    os.execute(('mkdir -p %s/.stance/annotations/zed && ln -s ../ana/%s.stance %s/.stance/annotations/zed/%s.stance')
      :format(T.q(e), doc, T.q(e), doc))
    assert.truthy(T.exists(e .. '/.stance/annotations/ana/' .. doc .. '.stance'))
    once(e, 'zed', doc, 'ana')
    if not d then pending('../shared/study and ../shared/corpus are not here') end
  end)

  it('is never written through by a script, nor replaced (the example corpus)', function()
    local d = T.example_corpus()
    local doc = '02_charge_unfair.txt'
    local ben = d .. '/.stance/annotations/ben/' .. doc .. '.stance'
    os.remove(ben)
    os.execute(('ln -s ../ana/%s.stance %s'):format(doc, T.q(ben)))
    local ana_before = T.read(d .. '/.stance/annotations/ana/' .. doc .. '.stance')
    local said = link_said('ben', doc, 'ana')
    local out, err, code = script(d, ([[
local c = assert(stance.open('.'))
local doc = assert(c:document('%s'))
local ok, aerr = doc:annotate({ start = 0, stop = 5, label = 'favor', target = 'congestion-charge', annotator = 'ben' })
print(ok == nil, aerr)
local sok, serr = doc:set_status('done', 'ben')
print(sok == nil, serr)
assert(c:save())
]]):format(doc))
    assert.are.equal(1, code, out .. err)
    assert.are.equal(('true\t%s\ntrue\t%s\n'):format(said, said), out)
    assert.are.equal(ana_before, T.read(d .. '/.stance/annotations/ana/' .. doc .. '.stance'))
    assert.are.equal('../ana/' .. doc .. '.stance\n', T.run('readlink ' .. T.q(ben)))
    -- a link out of the corpus, and a broken one: the same rule, where they lead said
    local outside = T.tmpdir() .. '/x.stance'
    T.write(outside, ana_before)
    os.remove(ben)
    os.execute(('ln -s %s %s'):format(T.q(outside), T.q(ben)))
    out = T.stance_run({ 'check' }, nil, d)
    assert.truthy(out:find('.stance/annotations/ben/' .. doc .. '.stance:1:1: error: a link to ' .. outside
      .. " (outside the corpus): a layer must be a file of its own; never read as ben's nor written through", 1, true), out)
    os.remove(ben)
    os.execute(('ln -s ../ana/gone.stance %s'):format(T.q(ben)))
    out = T.stance_run({ 'check' }, nil, d)
    assert.truthy(out:find('.stance/annotations/ben/' .. doc .. '.stance:1:1: error: a link to ../ana/gone.stance '
      .. "(not there): a layer must be a file of its own; never read as ben's nor written through", 1, true), out)
  end)
end)
