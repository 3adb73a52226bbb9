-- The folders of a layer (adversary 14, findings 14, 5 and 4): a link at an annotator's
-- folder or at any folder between it and the file (`ana/sub -> ../ben/sub`) is never read
-- through nor written through, and a folder whose name stance never makes (`zed\x`) is no
-- layer: every command says so, with the link and where it leads (stance.layer_link). On the
-- study (../shared: favor/against only) and on the bundled example.
local T = require('helpers')

local D3 = '003_7e305a588b2246b7.txt'

--- The study's five articles with the fixture annotations as ana's layer, and D3 also in
--- sub/ with ben's layer on it; nil when ../shared is not here.
local function study()
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  local fx = T.root .. '/tests/fixtures/study'
  os.execute(('mkdir -p %s/.stance/annotations/ana %s/.stance/annotations/ben/sub %s/sub && cp %s/corpus/*.txt %s/ && '
    .. 'cp %s/schema.stance %s/.stance/ && cp %s/%s %s/sub/'):format(T.q(d), T.q(d), T.q(d), T.q(T.shared), T.q(d),
    T.q(fx), T.q(d), T.q(d), D3, T.q(d)))
  local names = T.run('ls ' .. T.q(fx .. '/annotations/fixture'))
  for _, f in ipairs(T.lines((names:gsub('\n$', '')))) do
    local text = T.read(fx .. '/annotations/fixture/' .. f):gsub('annotator fixture', 'annotator ana')
    T.write(d .. '/.stance/annotations/ana/' .. f, text)
  end
  local ben = T.read(d .. '/.stance/annotations/ana/' .. D3 .. '.stance'):gsub('annotator ana', 'annotator ben')
    :gsub('document "' .. D3:gsub('%p', '%%%0') .. '"', 'document "sub/' .. D3 .. '"')
  T.write(d .. '/.stance/annotations/ben/sub/' .. D3 .. '.stance', ben)
  return d
end

local function script(d, body)
  T.write(d .. '/s.lua', body)
  return T.stance_run({ 'run', 's.lua' }, nil, d)
end

local SUB = ".stance/annotations/ana/sub:1:1: a link to .stance/annotations/ben/sub: a layer's folders must be its own; "
  .. "nothing in it read as ana's nor written through"

describe('a layer whose folders are not its own', function()
  after_each(T.cleanup)

  it('a link at a folder between (ana/sub -> ../ben/sub): said by every command, nothing read nor written through (the study)',
    function()
      local d = study()
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      os.execute(('ln -s ../ben/sub %s/.stance/annotations/ana/sub'):format(T.q(d)))
      local ben_file = d .. '/.stance/annotations/ben/sub/' .. D3 .. '.stance'
      local ben_before = T.read(ben_file)
      -- check: an error at the link's line 1
      local out, err, code = T.stance_run({ 'check' }, nil, d)
      assert.are.equal(1, code, out .. err)
      assert.truthy(out:find(SUB:gsub(':1:1: ', ':1:1: error: ', 1), 1, true), out)
      -- fmt of the file through the link: refused, naming the link
      out, err, code = T.stance_run({ 'fmt', '.stance/annotations/ana/sub/' .. D3 .. '.stance' }, nil, d)
      assert.are.equal(1, code, out .. err)
      assert.truthy(err:find('in .stance/annotations/ana/sub, a link to .stance/annotations/ben/sub', 1, true), err)
      -- export: ben's records once, as ben's; the link left out with a word, exit 1
      out, err, code = T.stance_run({ 'export', '--to', 'csv' }, nil, d)
      assert.are.equal(1, code, err)
      assert.truthy(err:find("nothing in it read as ana's nor written through; left out", 1, true), err)
      assert.is_nil(out:find('sub/' .. D3 .. ',ana,', 1, true), out)
      assert.truthy(out:find('sub/' .. D3 .. ',ben,', 1, true), out)
      -- stats: exit 1
      out, err, code = T.stance_run({ 'stats' }, nil, d)
      assert.are.equal(1, code, out .. err)
      -- a script: ana has nothing there, and her save is refused, naming the link; ben's file untouched
      out, err, code = script(d, ([[
local c = assert(stance.open('.'))
local doc = assert(c:document('sub/%s'))
print(#doc:annotations({ annotator = 'ana' }), #doc:annotations({ annotator = 'ben' }) > 0)
local ok, aerr = doc:annotate({ start = 0, stop = 5, label = 'sanctions-against', annotator = 'ana' })
print(ok == nil, aerr)
assert(c:save())
]]):format(D3))
      assert.are.equal(1, code, out .. err)
      assert.truthy(out:find('^0\ttrue\ntrue\t.stance/annotations/ana/sub/' .. D3:gsub('%p', '%%%0')
        .. '%.stance:1:1: in %.stance/annotations/ana/sub, a link to %.stance/annotations/ben/sub'), out)
      assert.truthy(err:find(SUB, 1, true), err)
      assert.are.equal(ben_before, T.read(ben_file))
    end)

  it("an annotator's folder that is a link (inside the corpus or out of it): said, not read, not written through",
    function()
      local d = T.example_corpus()
      local A = d .. '/.stance/annotations'
      local away = T.tmpdir()
      os.execute(('cp -r %s/ana %s/ && mv %s/ben %s/zoe && ln -s zoe %s/ben && ln -s %s/ana %s/out'):format(T.q(A),
        T.q(away), T.q(A), T.q(A), T.q(A), T.q(away), T.q(A)))
      local zoe = A .. '/zoe/01_charge_works.txt.stance'
      local before = T.read(zoe)
      local out, err, code = T.stance_run({ 'check' }, nil, d)
      assert.are.equal(1, code, out .. err)
      assert.truthy(out:find(".stance/annotations/ben:1:1: error: a link to .stance/annotations/zoe: an annotator's "
        .. "folder must be a folder of its own; never read as ben's layer nor written through", 1, true), out)
      assert.truthy(out:find('.stance/annotations/out:1:1: error: a link to ', 1, true), out)
      assert.truthy(out:find("(outside the corpus): an annotator's folder must be a folder of its own", 1, true), out)
      out, err, code = T.stance_run({ 'export', '--to', 'csv' }, nil, d)
      assert.are.equal(1, code, err)
      assert.truthy(err:find("never read as ben's layer nor written through; left out", 1, true), err)
      assert.truthy(err:find("never read as out's layer nor written through; left out", 1, true), err)
      assert.is_nil(out:find('\n[^,\n]+%.txt,ben,'), out)
      assert.is_nil(out:find('\n[^,\n]+%.txt,out,'), out)
      assert.truthy(out:find('\n[^,\n]+%.txt,zoe,'), out)
      out, err, code = script(d, [[
local c = assert(stance.open('.'))
local doc = assert(c:document('01_charge_works.txt'))
local ok, aerr = doc:annotate({ start = 0, stop = 5, label = 'favor', target = 'congestion-charge', annotator = 'ben' })
print(ok == nil, aerr)
assert(c:save())
]])
      assert.are.equal(1, code, out .. err)
      assert.truthy(out:find("true\t.stance/annotations/ben/01_charge_works.txt.stance:1:1: in .stance/annotations/ben, "
        .. 'a link to .stance/annotations/zoe', 1, true), out)
      assert.are.equal(before, T.read(zoe))
    end)

  it('a folder whose name stance never makes is no layer, and is said (the example)', function()
    local d = T.example_corpus()
    local A = d .. '/.stance/annotations'
    local F = '01_charge_works.txt.stance'
    local one = T.read(A .. '/ana/' .. F)
    T.write(A .. '/zed_x/' .. F, (one:gsub('annotator ana', 'annotator zed_x')))
    T.write(A .. '/zed\\x/' .. F, (one:gsub('annotator ana', 'annotator "zed\\\\x"')))
    T.write(A .. '/esc\27[31m/' .. F, one)
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(out:find('.stance/annotations/zed\\x/' .. F .. ":1:1: error: in .stance/annotations/zed\\x, a folder "
      .. "named zed\\x, a name stance never gives a layer's folder (zed\\x's layer is written into zed_x)", 1, true), out)
    assert.truthy(out:find('.stance/annotations/esc\\x1b[31m/' .. F .. ':1:1: error:', 1, true), out)
    assert.is_nil(out:find('\27', 1, true))
    -- export: zed_x's file once, as zed_x's; the others left out with a word, exit 1
    out, err, code = T.stance_run({ 'export', '--to', 'csv' }, nil, d)
    assert.are.equal(1, code, err)
    assert.truthy(err:find("a name stance never gives a layer's folder", 1, true), err)
    local _, zx = out:gsub('\n01_charge_works%.txt,zed_x,', '')
    local _, ana = out:gsub('\n01_charge_works%.txt,ana,', '')
    assert.are.equal(ana, zx)
    assert.is_nil(out:find('zed\\', 1, true), out)
    assert.is_nil(out:find('esc', 1, true), out)
    -- a script: the layers are the folders stance makes
    out, err, code = script(d, [[
local c = assert(stance.open('.'))
print(table.concat(c:annotators(), ','))
local seen = {}
for _, a in ipairs(assert(c:document('01_charge_works.txt')):annotations()) do seen[a.annotator] = true end
local names = {}
for k in pairs(seen) do names[#names + 1] = k end
table.sort(names)
print(table.concat(names, ','))
]])
    assert.are.equal(1, code, out .. err)
    assert.are.equal('ana,ben,zed_x\nana,ben,zed_x\n', out)
    assert.truthy(err:find("stance: .stance/annotations/zed\\x:1:1: a folder named zed\\x, a name stance never gives", 1,
      true), err)
    assert.truthy(err:find('stance: .stance/annotations/esc\\x1b[31m:1:1: a folder named', 1, true), err)
    out, err, code = T.stance_run({ 'agree' }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find("a folder named zed\\x, a name stance never gives", 1, true), err)
    -- stats: exit 1
    out, err, code = T.stance_run({ 'stats' }, nil, d)
    assert.are.equal(1, code, out .. err)
  end)
end)
