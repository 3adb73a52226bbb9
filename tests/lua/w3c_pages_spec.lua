-- A W3C AnnotationCollection whose items are in pages (`first` an AnnotationPage, each page
-- linking to the next by `next`, embedded or as a file next to the collection): every page
-- is read; a loop, a `next` out of the import's folder (`..`, an absolute path, a link out,
-- an IRI) or a page that is not JSON refuses the import (nothing written), said at its
-- place, the page file's line and column; a `total` that is not the count read is said.
local T = require('helpers')
local json = require('stance.json')

local SCHEMA = 'format stance 1\ntarget tax\nstance favor\nstance against\nlabel tax-favor\n  target tax\n'
  .. '  stance favor\n'
local TEXT = 'Alpha beta gamma.\nDelta epsilon zeta.\n'
-- the words annotated, one per item
local WORDS = { { 0, 5 }, { 6, 10 }, { 11, 16 }, { 18, 23 }, { 24, 31 } }

local function corpus() return T.init_corpus(SCHEMA, TEXT) end
local stance = T.stance_in

local function item(i)
  return { ['@context'] = 'http://www.w3.org/ns/anno.jsonld', type = 'Annotation', id = 'http://ex.org/a' .. i,
    creator = { type = 'Person', name = 'zoe' },
    body = { type = 'TextualBody', purpose = 'tagging', value = 'tax-favor' },
    target = { source = 'doc.txt', selector = { type = 'TextPositionSelector', start = WORDS[i][1],
      ['end'] = WORDS[i][2] } } }
end

local function page(id, items, nxt)
  return { ['@context'] = 'http://www.w3.org/ns/anno.jsonld', id = id, type = 'AnnotationPage',
    items = json.array(items), next = nxt }
end

--- A collection in folder `dir`: coll.json (page 1 embedded, next page2.json), page2.json
--- (next pages/3.json), pages/3.json (its next embedded); `edit(files)` may change them
--- (decoded values by name) before they are written. Returns the collection's path.
local function collection(dir, edit, total)
  local files = {
    ['coll.json'] = { ['@context'] = 'http://www.w3.org/ns/anno.jsonld', id = 'http://ex.org/coll',
      type = 'AnnotationCollection', total = total or 5, first = page('http://ex.org/p1', { item(1) }, 'page2.json') },
    ['page2.json'] = page('page2.json', { item(2), item(3) }, 'pages/3.json'),
    ['pages/3.json'] = page('pages/3.json', { item(4) }, page('http://ex.org/p4', { item(5) })),
  }
  if edit then edit(files) end
  for name, v in pairs(files) do
    T.write(dir .. '/' .. name, type(v) == 'string' and v or json.encode(v))
  end
  return dir .. '/coll.json'
end

local function spans(d)
  local doc = assert(assert(require('stance').open(d)):document('doc.txt'))
  local out = {}
  for _, a in ipairs(doc:annotations({ annotator = 'zoe' })) do
    out[#out + 1] = a.spans[1][1] .. '-' .. a.spans[1][2]
  end
  table.sort(out)
  return out
end

describe('W3C collections in pages', function()
  after_each(T.cleanup)

  it('reads every page: embedded, in files next to the collection, in a folder below it', function()
    local src = collection(T.tmpdir())
    local d = corpus()
    local out, err, code = stance(d, 'import --from w3c ' .. T.q(src))
    assert.are.equal(0, code, out .. err)
    assert.are.equal('', err)
    assert.truthy(out:find('imported 5 record(s) into 1 layer(s)', 1, true), out)
    assert.are.same({ '0-5', '11-16', '18-23', '24-31', '6-10' }, spans(d))
    -- a total that is not the count read is said (at the collection), and the items imported
    local src2 = collection(T.tmpdir(), nil, 7)
    local d2 = corpus()
    out, err, code = stance(d2, 'import --from w3c ' .. T.q(src2))
    assert.are.equal(0, code, out .. err)
    assert.truthy(err:find("coll.json:1:1: warning: the collection's total is 7, but its 4 page(s) hold 5 item(s)", 1,
      true), err)
    assert.are.equal(5, #spans(d2))
  end)

  it('takes "next": null and "first": null as no page (review: both refused the import)', function()
    -- the last page says "next": null; a lone page says "next": null
    local src = collection(T.tmpdir(), function(f)
      f['pages/3.json'] = page('pages/3.json', { item(4) }, page('http://ex.org/p4', { item(5) }, json.null))
    end)
    local d = corpus()
    local out, err, code = stance(d, 'import --from w3c ' .. T.q(src))
    assert.are.equal(0, code, out .. err)
    assert.are.equal(5, #spans(d))
    local dir = T.tmpdir()
    T.write(dir .. '/one.json', json.encode(page('http://ex.org/p', { item(1), item(2) }, json.null)))
    d = corpus()
    out, err, code = stance(d, 'import --from w3c ' .. T.q(dir .. '/one.json'))
    assert.are.equal(0, code, out .. err)
    assert.are.same({ '0-5', '6-10' }, spans(d))
    -- an empty collection: "first": null
    T.write(dir .. '/none.json', json.encode({ ['@context'] = 'http://www.w3.org/ns/anno.jsonld',
      type = 'AnnotationCollection', total = 0, first = json.null }))
    d = corpus()
    local _, err2 = stance(d, 'import --from w3c ' .. T.q(dir .. '/none.json'))
    assert.is_nil(err2:find('AnnotationPage', 1, true), err2)
    assert.is_nil(err2:find('error:', 1, true), err2)
  end)

  it('says where each record of a page file is wrong: that file, its line and column', function()
    local src = collection(T.tmpdir(), function(f)
      f['page2.json'] = '{"type": "AnnotationPage", "next": "pages/3.json",\n "items": [' .. json.encode(item(2))
        .. ',\n  {"type": "Annotation", "target": 5}]}'
    end, 6)
    local d = corpus()
    local out, err, code = stance(d, 'import --from w3c ' .. T.q(src))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('/page2.json:3:3: warning: annotation 3 (no id) skipped', 1, true), err)
    assert.are.equal(4, #spans(d)) -- (item 3 replaced by the broken one)
  end)

  local refusals = {
    ['a page whose next is itself'] = { function(f) f['page2.json'].next = 'page2.json' end,
      nil, 'page 3 (page2.json) is a page read before: the pages loop' },
    ['a next back to the first page by its id'] = { function(f) f['pages/3.json'].next = 'http://ex.org/p1' end,
      nil, 'page 4 (http://ex.org/p1) is a page read before: the pages loop' },
    ['a next back to the collection\'s file'] = { function(f) f['page2.json'].next = './coll.json' end,
      nil, 'page 3 (./coll.json) is a file read before: the pages loop' },
    ['a next with ..'] = { function(f) f['pages/3.json'].next = '../page2.json' end,
      nil, "page 4 (../page2.json) has a part '..': it leads out of the import's folder" },
    ['an absolute next'] = { function(f) f['page2.json'].next = '/etc/passwd' end,
      nil, 'page 3 (/etc/passwd) is an absolute path' },
    ['a next that is a URL'] = { function(f) f['page2.json'].next = 'https://example.org/anno/page3' end,
      nil, 'page 3 (https://example.org/anno/page3) is an IRI, not a file next to the collection: nothing is '
      .. 'fetched' },
  }
  for name, r in pairs(refusals) do
    it('refuses ' .. name .. ', and writes nothing', function()
      local dir = T.tmpdir()
      local src = collection(dir, r[1])
      local d = corpus()
      local out, err, code = stance(d, 'import --from w3c ' .. T.q(src))
      assert.are.equal(1, code, out .. err)
      assert.truthy(err:find(r[3], 1, true), err)
      -- (an error: it refuses the whole import, never a warning)
      assert.truthy(err:find(': error: ' .. r[3], 1, true), err)
      assert.truthy(err:find('nothing imported', 1, true), err)
      assert.is_false(T.exists(d .. '/.stance/annotations/zoe'))
      assert.falsy(T.read(d .. '/.stance/schema.stance'):find('imported', 1, true))
    end)
  end

  it('refuses a next that is a link out of the folder, and a page that is not JSON, at its line and column',
    function()
      local outside = T.tmpdir()
      T.write(outside .. '/p.json', json.encode(page('p', { item(2) })))
      local dir = T.tmpdir()
      local src = collection(dir, function(f) f['page2.json'] = nil end)
      T.run(('ln -s %s %s'):format(T.q(outside .. '/p.json'), T.q(dir .. '/page2.json')))
      local d = corpus()
      local out, err, code = stance(d, 'import --from w3c ' .. T.q(src))
      assert.are.equal(1, code, out .. err)
      assert.truthy(err:find('page 2 (page2.json): page2.json leads out of', 1, true), err)
      assert.is_false(T.exists(d .. '/.stance/annotations/zoe'))
      -- a page that is not JSON: its file, line and column
      local dir2 = T.tmpdir()
      local src2 = collection(dir2, function(f)
        f['page2.json'] = '{"type": "AnnotationPage",\n "next": "pages/3.json",\n "items": [,]}\n'
      end)
      out, err, code = stance(d, 'import --from w3c ' .. T.q(src2))
      assert.are.equal(1, code, out .. err)
      assert.truthy(err:find(dir2 .. '/page2.json:3:12: error: ', 1, true), err)
      assert.truthy(err:find('page 2 (' .. dir2 .. '/page2.json) is not JSON', 1, true), err)
      assert.is_false(T.exists(d .. '/.stance/annotations/zoe'))
      -- nor is a page that is missing
      local dir3 = T.tmpdir()
      local src3 = collection(dir3, function(f) f['pages/3.json'] = nil end)
      out, err, code = stance(d, 'import --from w3c ' .. T.q(src3))
      assert.are.equal(1, code, out .. err)
      assert.truthy(err:find('page 3 (pages/3.json): no such file next to the collection', 1, true), err)
    end)
end)
