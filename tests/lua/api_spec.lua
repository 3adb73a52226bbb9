-- The scripting API: reading and writing annotations through documents, the schema's say
-- over what may be written, saving through the atomic writer, lazy iteration.
local T = require('helpers')
local stance = require('stance')

local SCHEMA = [[
format stance 1

target engagement
target sanctions
stance favor
stance against
role claim
role premise
relation supports
label favor
  stance favor
label against
  stance against
label premise
  role premise
]]

-- "Ä" and "—" are several bytes each: code points and bytes differ
local TEXT = 'Älpha talks now. Sanctions failed — twice.\nEngage them.\n'

local function corpus(files, schema)
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  if schema == false then
    os.remove(d .. '/.stance/schema.stance')
  else
    T.write(d .. '/.stance/schema.stance', schema or SCHEMA)
  end
  for name, text in pairs(files or { ['a.txt'] = TEXT }) do
    T.write(d .. '/' .. name, text)
  end
  local c = assert(stance.open(d))
  c.annotator = 'ana'
  return c, d
end

local function ann_path(d, who, doc)
  return ('%s/.stance/annotations/%s/%s.stance'):format(d, who, doc)
end

describe('scripting API', function()
  after_each(T.cleanup)

  it('annotates in code points and gives back bytes, lines and columns', function()
    local c, d = corpus()
    local doc = assert(c:document('a.txt'))
    local a = assert(doc:annotate({ start = 17, stop = 42, label = 'against', target = 'sanctions' }))
    assert.are.equal('Sanctions failed — twice.', a.quote)
    assert.are.equal('ana', a.annotator)
    assert.are.equal('against', a.stance, 'the label sets the stance')
    assert.are.equal('a.txt', a.document)
    assert.are.same({ { 17, 42 } }, a.spans)
    local sp = a:spans_full()[1]
    assert.are.equal(18, sp.byte_start) -- Ä is two bytes
    assert.are.equal(TEXT:find('Sanctions', 1, true) - 1, sp.byte_start)
    assert.are.equal(sp.byte_start + #'Sanctions failed — twice.', sp.byte_stop)
    assert.are.same({ 1, 19 }, { a:position() })
    assert.are.equal(a.quote, a:text())
    assert.falsy(T.exists(ann_path(d, 'ana', 'a.txt')), 'nothing is written before save()')
    assert.is_true(c:save())
    local written = T.read(ann_path(d, 'ana', 'a.txt'))
    assert.truthy(written:find('span 17-42', 1, true))
    assert.truthy(written:find('quote "Sanctions failed — twice."', 1, true))
    assert.truthy(written:find('annotator ana', 1, true))
    assert.truthy(written:find('hash sha256:' .. require('stance.core').sha256(TEXT), 1, true))
    -- a fresh corpus object reads it back
    local again = assert(stance.open(d)):document('a.txt')
    local list = again:annotations()
    assert.are.equal(1, #list)
    assert.are.equal(a.id, list[1].id)
    local _, errs = T.stance_run({ 'check', d })
    assert.truthy(errs:find('0 errors', 1, true), errs)
  end)

  it('reads annotations lazily: every field there, pairs() sees them, and they stay snapshots', function()
    local c, d = corpus()
    local doc = c:document('a.txt')
    local made = assert(doc:annotate({ start = 17, stop = 42, label = 'against', target = 'sanctions', note = 'n1' }))
    assert(doc:annotate({ spans = { { 0, 5 }, { 6, 11 } }, label = 'favor', target = 'engagement' }))
    assert.is_true(c:save())
    local again = assert(stance.open(d)):document('a.txt')
    local list = again:annotations()
    assert.are.equal(2, #list)
    local a = list[1].id == made.id and list[1] or list[2]
    local b = a == list[1] and list[2] or list[1]
    -- every field as the annotation made in this process has it
    local want = require('stance.annotation').fields(made)
    local got = require('stance.annotation').fields(a)
    for _, k in ipairs({ 'id', 'kind', 'label', 'target', 'stance', 'note', 'quote', 'prefix', 'suffix', 'created',
      'annotator', 'document', 'start', 'stop' }) do
      assert.are.same(want[k], got[k], k)
    end
    assert.are.same({ { 17, 42 } }, got.spans)
    assert.are.same({ 0, 11 }, { b.start, b.stop })
    assert.are.same({ { 0, 5 }, { 6, 11 } }, b.spans)
    assert.are.equal('Sanctions failed — twice.', a:text())
    assert.truthy(tostring(a):find(a.id, 1, true))
    -- pairs() (Lua 5.4) sees every field, not only those asked for
    if _VERSION ~= 'Lua 5.1' then
      local seen = {}
      for k in pairs(b) do
        seen[k] = true
      end
      for _, k in ipairs({ 'id', 'label', 'stance', 'target', 'quote', 'spans', 'annotator', 'document', 'start' }) do
        assert.is_true(seen[k], k)
      end
    end
    -- changing the layer leaves the annotations read before as they were (snapshots)
    local b_label = b.label
    local updated = assert(a:update({ note = 'n2' }))
    assert.are.equal('n2', updated.note)
    assert.are.equal('n1', a.note)
    assert(b:delete())
    assert.are.equal(b_label, b.label)
    assert.are.equal(a.id, again:annotations()[1].id)
    assert.are.equal(1, #again:annotations())
    assert(again:annotate({ start = 43, stop = 55, label = 'favor', target = 'engagement', annotator = 'ana' }))
    assert.is_true(again.corpus:save())
    local written = T.read(ann_path(d, 'ana', 'a.txt'))
    assert.truthy(written:find('note "n2"', 1, true), written)
    assert.falsy(written:find('span 0-5', 1, true), written)
    assert.truthy(written:find('span 43-55', 1, true), written)
  end)

  it('refuses what the schema forbids with nil and a message, and writes nothing', function()
    local c, d = corpus()
    local doc = c:document('a.txt')
    local cases = {
      { { start = 0, stop = 5, label = 'favor', target = 'trade' }, "unknown target 'trade'" },
      { { start = 0, stop = 5, label = 'maybe' }, "unknown label 'maybe'" },
      { { start = 0, stop = 5, label = 'favor', stance = 'sideways' }, "unknown stance 'sideways'" },
      { { start = 0, stop = 5, label = 'favor', role = 'joke' }, "unknown role 'joke'" },
      { { start = 0, stop = 5 }, 'needs a label' },
      { { start = 5, stop = 5, label = 'favor' }, 'empty or outside' },
      { { start = 40, stop = 400, label = 'favor' }, 'empty or outside' },
      { { spans = { { 0, 5 }, { 3, 8 } }, label = 'favor' }, 'overlap' },
      { { start = 0, stop = 5, label = 'favor', confidence = 2 }, 'confidence' },
      { { start = 0, stop = 5, label = 'favor', stance = 'against' }, "label 'favor' sets stance favor, not against" },
    }
    for _, case in ipairs(cases) do
      local a, err = doc:annotate(case[1])
      assert.is_nil(a)
      assert.truthy(err:find(case[2], 1, true), err)
    end
    local _, err = doc:annotate({ start = 0, stop = 5, label = 'favor', target = 'trade' })
    assert.truthy(err:find('schema has engagement, sanctions', 1, true), err)
    assert.is_true(c:save())
    assert.falsy(T.exists(ann_path(d, 'ana', 'a.txt')))
  end)

  it('raises on misuse', function()
    local c = corpus()
    local doc = c:document('a.txt')
    assert.has_error(function() doc:annotate('favor') end)
    assert.has_error(function() doc:annotate({ label = 'favor' }) end)
    assert.has_error(function() doc:annotate({ start = 0, stop = 3, label = 7 }) end)
    -- an offset that is no whole number is named, not a traceback from deep inside
    local ok, err = pcall(doc.annotate, doc, { start = 0.5, stop = 3, label = 'favor' })
    assert.is_false(ok)
    assert.truthy(tostring(err):find('start must be a whole number (a code point offset), got 0.5', 1, true), err)
    ok, err = pcall(doc.annotate, doc, { spans = { { 0, 2 }, { 4, 6.5 } }, label = 'favor' })
    assert.is_false(ok)
    assert.truthy(tostring(err):find('spans[2][2] must be a whole number', 1, true), err)
  end)

  it('updates, moves and deletes annotations, and deleting drops relations to them', function()
    local c, d = corpus()
    local doc = c:document('a.txt')
    local claim = assert(doc:annotate({ start = 17, stop = 42, label = 'against', target = 'sanctions',
      role = 'claim' }))
    local premise = assert(doc:annotate({ start = 0, stop = 16, label = 'premise' }))
    local rel = assert(doc:relate(premise.id, claim.id, 'supports'))
    assert.are.equal('supports', rel.type)
    local _, err = doc:relate(premise.id, 'nosuchid0000', 'supports')
    assert.truthy(err:find('no annotation nosuchid0000', 1, true), err)
    _, err = doc:relate(premise.id, claim.id, 'refutes')
    assert.truthy(err:find("unknown relation type 'refutes'", 1, true), err)

    local moved = assert(claim:update({ spans = { { 17, 33 } }, note = 'the first half' }))
    assert.are.equal('Sanctions failed', moved.quote)
    assert.are.equal('the first half', moved.note)
    assert.truthy(moved.modified)
    _, err = moved:update({ target = 'trade' })
    assert.truthy(err:find("unknown target 'trade'", 1, true))
    assert.are.equal('sanctions', doc:annotations({ label = 'against' })[1].target)
    local cleared = assert(moved:update({ note = false }))
    assert.is_nil(cleared.note)
    -- a new label brings its stance; the old label's goes
    local relabelled = assert(cleared:update({ label = 'favor' }))
    assert.are.equal('favor', relabelled.stance)
    assert.are.equal('claim', relabelled.role)
    _, err = relabelled:update({ stance = 'against' })
    assert.truthy(err:find("label 'favor' sets stance favor", 1, true), err)
    _, err = relabelled:update({ label = 'premise' })
    assert.truthy(err:find("label 'premise' sets role premise, not claim", 1, true), err)
    relabelled = assert(relabelled:update({ label = 'premise', role = false }))
    assert.is_nil(relabelled.stance)
    assert.are.equal('premise', relabelled.role)
    assert(relabelled:update({ label = 'against', role = 'claim' }))

    assert.is_true(c:save())
    local text = T.read(ann_path(d, 'ana', 'a.txt'))
    assert.truthy(text:find('span 17-33', 1, true))
    assert.truthy(text:find('relation ' .. rel.id, 1, true))

    assert.is_true(premise:delete())
    assert.are.same({}, doc:relations())
    assert.is_true(c:save())
    text = T.read(ann_path(d, 'ana', 'a.txt'))
    assert.falsy(text:find(premise.id, 1, true))
    assert.falsy(text:find('relation', 1, true))
  end)

  it('sets every field a label gives (target, stance, role), on any schema, and relabels by the same rule', function()
    -- labels that fix a target and a stance at once, as in the study's schema (../shared/study)
    local schema = SCHEMA .. [[
label sanctions-against
  target sanctions
  stance against
  ask role
label engagement-favor
  target engagement
  stance favor
  ask role
label for
  stance favor
  ask target role
]]
    local schemas = { { 'inline', schema } }
    if T.shared and T.exists(T.shared .. '/study/schema.stance') then
      schemas[#schemas + 1] = { 'the study', T.read(T.shared .. '/study/schema.stance') }
    end
    for _, sc in ipairs(schemas) do
      local c = corpus(nil, sc[2])
      local doc = c:document('a.txt')
      local a = assert(doc:annotate({ start = 17, stop = 42, label = 'sanctions-against', role = 'claim' }), sc[1])
      assert.are.same({ 'sanctions', 'against', 'claim' }, { a.target, a.stance, a.role }, sc[1])
      local _, err = doc:annotate({ start = 0, stop = 16, label = 'sanctions-against', target = 'engagement' })
      assert.truthy(err and err:find("label 'sanctions-against' sets target sanctions, not engagement", 1, true), err)
      -- a new label brings its own target and stance
      local b = assert(a:update({ label = 'engagement-favor' }))
      assert.are.same({ 'engagement', 'favor', 'claim' }, { b.target, b.stance, b.role }, sc[1])
      -- a label that asks for the target keeps the one there (the answer); its stance replaces
      local general = sc[1] == 'inline' and 'for' or 'favor'
      local g = assert(b:update({ label = general }))
      assert.are.same({ 'engagement', 'favor', 'claim' }, { g.target, g.stance, g.role }, sc[1])
      local back = assert(g:update({ label = 'sanctions-against' }))
      assert.are.same({ 'sanctions', 'against' }, { back.target, back.stance }, sc[1])
      -- the document's stance through a label takes the label's target too
      local dl = assert(doc:set_label({ label = 'sanctions-against' }))
      assert.are.same({ 'sanctions', 'against' }, { dl.target, dl.stance }, sc[1])
      assert.is_nil(dl.role)
    end
  end)

  it('filters by annotator, label, target, stance, role and range', function()
    local c, d = corpus()
    local doc = c:document('a.txt')
    assert(doc:annotate({ start = 17, stop = 42, label = 'against', target = 'sanctions', role = 'claim' }))
    assert(doc:annotate({ start = 43, stop = 55, label = 'favor', target = 'engagement' }))
    assert(doc:annotate({ start = 0, stop = 16, label = 'favor', target = 'engagement', annotator = 'ben' }))
    assert.is_true(c:save())
    assert.truthy(T.exists(ann_path(d, 'ben', 'a.txt')))
    local function ids(list)
      local out = {}
      for i, a in ipairs(list) do
        out[i] = a.annotator .. ':' .. a.quote
      end
      table.sort(out)
      return out
    end
    assert.are.equal(3, #doc:annotations())
    assert.are.same({ 'ana', 'ben' }, doc:annotators())
    assert.are.same({ 'ana', 'ben' }, c:annotators())
    assert.are.same({ 'ben:Älpha talks now.' }, ids(doc:annotations({ annotator = 'ben' })))
    assert.are.same({ 'ana:Engage them.', 'ben:Älpha talks now.' }, ids(doc:annotations({ label = 'favor' })))
    assert.are.same({ 'ana:Sanctions failed — twice.' }, ids(doc:annotations({ target = 'sanctions' })))
    assert.are.same({ 'ana:Sanctions failed — twice.' }, ids(doc:annotations({ stance = 'against' })))
    assert.are.same({ 'ana:Sanctions failed — twice.' }, ids(doc:annotations({ role = 'claim' })))
    assert.are.same({ 'ana:Engage them.', 'ana:Sanctions failed — twice.' },
      ids(doc:annotations({ range = { 40, 45 } })))
    assert.are.same({}, doc:annotations({ range = { 16, 17 } }))
    assert.are.same({ 'ana:Engage them.' }, ids(doc:annotations({ annotator = { 'ana' }, target = 'engagement' })))
  end)

  it('takes every annotator\'s layer, and no folder that is none (empty, hidden, a link), nor any twice', function()
    local c, d = corpus({ ['a.txt'] = TEXT, ['b.txt'] = TEXT })
    local doc = c:document('a.txt')
    assert(doc:annotate({ start = 0, stop = 5, label = 'favor', target = 'engagement', annotator = 'ben' }))
    assert(doc:annotate({ start = 6, stop = 11, label = 'favor', target = 'engagement', annotator = 'ana' }))
    assert(c:document('b.txt'):annotate({ start = 0, stop = 5, label = 'favor', target = 'engagement',
      annotator = 'cy' }))
    assert.is_true(c:save())
    local ann = d .. '/.stance/annotations'
    assert(os.execute(('mkdir -p %s/empty/sub %s/.hidden && cp %s %s/.hidden/ && ln -s %s %s/zoe'):format(
      T.q(ann), T.q(ann), T.q(ann_path(d, 'ben', 'a.txt')), T.q(ann), T.q(ann .. '/ben'), T.q(ann))))
    local function who(list)
      local out = {}
      for i, a in ipairs(list) do
        out[i] = a.annotator .. ':' .. a.quote
      end
      return out
    end
    for _, fresh in ipairs({ false, true }) do
      local c2 = fresh and assert(stance.open(d)) or c
      assert.are.same({ 'ana:talks', 'ben:Älpha' }, who(c2:document('a.txt'):annotations()))
      assert.are.same({ 'cy:Älpha' }, who(c2:document('b.txt'):annotations()))
      assert.are.same({ 'ana', 'ben', 'cy' }, c2:annotators())
    end
    -- an annotator whose layer is not saved yet is one too
    local c3 = assert(stance.open(d))
    local b = c3:document('b.txt')
    assert(b:annotate({ start = 6, stop = 11, label = 'favor', target = 'engagement', annotator = 'dan' }))
    assert.are.same({ 'cy:Älpha', 'dan:talks' }, who(b:annotations()))
  end)

  it('sets one document label per target and annotator', function()
    local c = corpus()
    local doc = c:document('a.txt')
    assert(doc:set_label({ target = 'engagement', stance = 'favor' }))
    assert(doc:set_label({ target = 'engagement', stance = 'against', note = 'on reflection' }))
    assert(doc:set_label({ target = 'sanctions', stance = 'against' }))
    local labels = doc:labels({ target = 'engagement' })
    assert.are.equal(1, #labels)
    assert.are.equal('against', labels[1].stance)
    assert.are.equal(2, #doc:labels())
    local _, err = doc:set_label({ target = 'trade', stance = 'favor' })
    assert.truthy(err:find("unknown target 'trade'", 1, true))
    assert.is_true(c:save())
    local again = assert(stance.open(c.root)):document('a.txt')
    assert.are.equal(2, #again:labels())
  end)

  it('keeps each annotator\'s status of a document in its file, written even when empty', function()
    local c = corpus()
    local doc = c:document('a.txt')
    assert.are.equal('not-started', doc:status())
    assert(doc:set_status('done'))
    assert.is_true(c:save())
    local path = c.root .. '/.stance/annotations/ana/a.txt.stance'
    local text = T.read(path)
    assert.truthy(text:find('\n  annotator ana\n  status done\n', 1, true))
    local again = assert(stance.open(c.root))
    again.annotator = 'ana'
    assert.are.equal('done', again:document('a.txt'):status())
    assert.are.equal('not-started', again:document('a.txt'):status('ben'))
    assert(again:document('a.txt'):annotate({ start = 0, stop = 5, label = 'favor', annotator = 'ben' }))
    assert.are.equal('in-progress', again:document('a.txt'):status('ben'))
    assert.has_error(function() doc:set_status('finished') end)
  end)

  it('merges the status three-way: the side that changed it, in progress when both did', function()
    local core = require('stance.core')
    local function store(status)
      local s = core.store()
      s:set_header('document', 'a.txt')
      if status then s:set_header('status', status) end
      return s
    end
    local merge = require('stance.merge')
    local function merged(b, o, t)
      return merge.stores(b and store(b) or nil, store(o), store(t)).store:header().status
    end
    assert.are.equal('done', merged(nil, nil, 'done'))
    assert.are.equal('done', merged('in-progress', 'in-progress', 'done'))
    assert.are.equal('done', merged('in-progress', 'done', 'in-progress'))
    assert.are.equal('in-progress', merged(nil, 'done', 'in-progress'))
    assert.are.equal('done', merged(nil, 'done', 'done'))
  end)

  it('writes what any schema allows when the corpus has none', function()
    local c = corpus(nil, false)
    local doc = c:document('a.txt')
    assert(doc:annotate({ start = 0, stop = 5, label = 'anything', target = 'whatever' }))
    assert.is_true(c:save())
  end)

  it('merges a file that changed on disk instead of overwriting it, and never writes over errors', function()
    local c, d = corpus()
    local doc = c:document('a.txt')
    assert(doc:annotate({ start = 0, stop = 5, label = 'favor' }))
    assert.is_true(c:save())
    local path = ann_path(d, 'ana', 'a.txt')
    local mine = T.read(path)
    -- a change not saved yet; someone else changes the file meanwhile
    local mine2 = assert(doc:annotate({ start = 6, stop = 11, label = 'favor' }))
    local theirs = mine:gsub('label favor', 'label against')
    T.write(path, theirs)
    local ok, err, merged = c:save()
    assert.is_true(ok, err)
    assert.are.same({ { path = path, theirs = 1, ours = 1, conflicts = 0, conflict_ids = {} } }, merged)
    local after = require('stance.core').read(T.read(path))
    assert.are.equal(2, after:count('annotation'))
    assert.are.equal('favor', after:get(mine2.id).label) -- ours
    local labels = after:tally('label')
    assert.are.equal(1, labels.against) -- theirs
    assert.are.equal(2, #doc:annotations({ annotator = 'ana' })) -- the layer holds the merge
    local ok2, err2 = c:save()
    assert.is_true(ok2, err2)
    -- a file with a syntax error is read as far as it goes and never overwritten
    local broken = theirs .. '\nannotation zzzz\n  span x-y\n'
    T.write(path, broken)
    local c2 = assert(stance.open(d))
    local doc2 = c2:document('a.txt')
    assert.are.equal(1, #doc2:annotations({ annotator = 'ana' }))
    assert(doc2:annotate({ start = 6, stop = 11, label = 'favor', annotator = 'ana' }))
    ok, err = c2:save()
    assert.is_nil(ok)
    assert.truthy(err:find('error', 1, true), err)
    assert.are.equal(broken, T.read(path))
  end)

  it('iterates lazily: documents no longer in use are let go', function()
    local files = {}
    local body = ('Sanctions should stay until talks resume. '):rep(1200) -- ~50 KB
    for i = 1, 200 do
      files[('d%03d.txt'):format(i)] = body .. i
    end
    local c = corpus(files)
    collectgarbage('collect')
    local before = collectgarbage('count')
    local n, peak = 0, 0
    for doc in c:documents() do
      n = n + 1
      assert(doc:text())
      assert(#doc:annotations() == 0)
      if n % 20 == 0 then
        collectgarbage('collect')
        peak = math.max(peak, collectgarbage('count') - before)
      end
    end
    assert.are.equal(200, n)
    -- 200 documents are 10 MB of text; holding them all would show here
    assert.is_true(peak < 2500, ('%.0f KB kept while iterating'):format(peak))
  end)
end)
