-- Documents whose names or places no file can have (adversary15 #8): a name of 249-255 bytes
-- has no layer file (NAME.stance would be over 255 bytes): check says so, the readers see
-- no layer (not an error), a save says why. A document deeper than PATH_MAX from / (#7):
-- left out with the reason, the rest of the corpus read.
local T = require('helpers')

local function example()
  local d = T.tmpdir()
  os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
  return d
end

describe('a document name too long for a layer file', function()
  after_each(T.cleanup)

  it('is said by check, read as without layers, and a save says why', function()
    local d = example()
    local name = ('a'):rep(246) .. '.txt' -- 250 bytes: the layer's name would be 257
    T.write(d .. '/' .. name, 'A short document about sanctions.\n')
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code, err)
    assert.truthy(out:find(name .. ":1:1: warning: the document's name is too long for a layer file (250 bytes",
      1, true), out)
    assert.truthy(out:find('248 bytes or fewer', 1, true), out)
    -- stats counts it, without an error over layer files that cannot exist
    local sout, serr, scode = T.stance_run({ 'stats' }, nil, d)
    assert.are.equal(0, scode, serr)
    assert.falsy(serr:find('File name too long', 1, true), serr)
    assert.truthy(sout ~= '')
    -- the scripting API: the document has no layer; saving one says why
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(name))
    assert(doc:annotate({ start = 0, stop = 7, label = 'favor', annotator = 'ana' }))
    local ok, serr2 = c:save()
    assert.is_falsy(ok)
    assert.truthy(tostring(serr2):find('a document named with at most 248 bytes can have one', 1, true),
      tostring(serr2))
    -- a name of 248 bytes is fine
    local fine = ('b'):rep(244) .. '.txt'
    T.write(d .. '/' .. fine, 'Another one.\n')
    c = assert(require('stance').open(d))
    assert(assert(c:document(fine)):annotate({ start = 0, stop = 7, label = 'favor', annotator = 'ana' }))
    assert(c:save())
    assert.truthy(T.exists(d .. '/.stance/annotations/ana/' .. fine .. '.stance'))
  end)

  it('says a place deeper than PATH_MAX from / and reads the rest of the corpus', function()
    local d = example()
    -- 83 folders of 49 bytes: 4066 bytes below the root (git checks such a tree out)
    local rel = ('/' .. ('d'):rep(48)):rep(83):sub(2)
    local py = ("import os; os.chdir(%q); os.makedirs(%q); open(%q, 'w').write('Deep zorblax text.\\n')")
      :format(d, rel, rel .. '/deep.txt')
    local pout, perr, pcode = T.run(('python3 -c %s 2>&1'):format(T.q(py)))
    assert.are.equal(0, pcode, pout .. perr)
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code, err)
    assert.truthy(out:find('warning: path too long: over PATH_MAX', 1, true), out)
    assert.truthy(out:find('ENAMETOOLONG', 1, true), out)
    for _, cmd in ipairs({ { 'index' }, { 'stats' }, { 'search', '--count', 'sanctions' } }) do
      local _, cerr, ccode = T.stance_run(cmd, nil, d)
      assert.are.equal(0, ccode, cmd[1] .. ': ' .. cerr)
    end
    T.run(('python3 -c %s'):format(T.q(("import shutil, os; os.chdir(%q); shutil.rmtree(%q)"):format(d,
      rel:match('^[^/]+')))))
  end)

  it('check warns at a pile of more than a thousand annotations over one place', function()
    local d = example()
    local doc = '01_charge_works.txt'
    local body = { ('format stance 1\n\ndocument "%s"\n  annotator zed\n  status done\n'):format(doc) }
    for i = 1, 1001 do
      body[#body + 1] = ('\nannotation p%d\n  span 0-5\n  label claim\n'):format(i)
    end
    T.write(d .. '/.stance/annotations/zed/' .. doc .. '.stance', table.concat(body))
    local out = T.stance_run({ 'check', '--quiet' }, nil, d)
    assert.truthy(out:find('zed/' .. doc .. '.stance:7:1: warning: 1001 annotations over the same span 0-5 (the first: '
      .. 'p1)', 1, true), out)
    -- a thousand is not yet a pile
    table.remove(body)
    T.write(d .. '/.stance/annotations/zed/' .. doc .. '.stance', table.concat(body))
    out = T.stance_run({ 'check', '--quiet' }, nil, d)
    assert.falsy(out:find('annotations over the same span', 1, true), out)
  end)
end)
