-- Annotations of layers read in place from the layer cache (`stance run`: a view, no store)
-- behave as those of a parsed layer: every field, every method, pairs(), fields set by a
-- script, fields read again and again, changes saved, errors; on the study's corpus and schema.
local T = require('helpers')
local stance = require('stance')
local Annotation = require('stance.annotation')
local Corpus = require('stance.corpus')

local DOCS = { '000_6358a7516b2472dd.txt', '001_6520dcfa8ca08700.txt', '002_c6bce5e05bd0fd45.txt',
  '003_7e305a588b2246b7.txt', '004_e35aa5ebcc029514.txt' }

-- every name a script may ask for: the format's fields, what records carry, the annotation's own
local KEYS = { 'id', 'kind', 'annotator', 'document', 'label', 'target', 'stance', 'role', 'quote', 'prefix',
  'suffix', 'note', 'start', 'stop', 'spans', 'confidence', 'author', 'created', 'modified', 'type', 'from', 'to',
  'orphan', 'line', 'slot', 'touched', 'extras', 'comments', 'inner', 'nothing', 'position', 'text', 'update',
  'delete', 'spans_full', 1, true }

local function sleep(s) os.execute('sleep ' .. s) end

--- The study's corpus annotated: the fixture's layer (our annotation of the study) and one
--- made through the API with every kind of record and field (ana).
local function study()
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  T.write(d .. '/.stance/schema.stance', T.read(T.shared .. '/study/schema.stance'))
  for _, name in ipairs(DOCS) do
    T.write(d .. '/' .. name, T.read(T.shared .. '/corpus/' .. name))
    T.write(d .. '/.stance/annotations/fixture/' .. name .. '.stance',
      T.read(T.root .. '/tests/fixtures/study/annotations/fixture/' .. name .. '.stance'))
  end
  local c = assert(stance.open(d))
  local schema = c:schema()
  for i, name in ipairs(DOCS) do
    local doc = assert(c:document(name))
    local first = assert(doc:annotate({ spans = { { 0, 12 }, { 20, 31 } }, label = schema.labels[i].name,
      note = ('a "note"\nof %d'):format(i), confidence = 0.75, author = 'ana', annotator = 'ana' }))
    local second = assert(doc:annotate({ start = 40 + i, stop = 90, label = schema.labels[i + 1].name,
      annotator = 'ana' }))
    assert(doc:relate(first.id, second.id, schema.relations[1].name, { annotator = 'ana', note = 'because' }))
    assert(doc:set_label({ target = schema.targets[1].name, stance = schema.stances[1].name, annotator = 'ana' }))
  end
  assert(c:save())
  sleep(0.3) -- (older than the racy window below: the files go into the cache)
  -- the cache made by a first pass
  local first = assert(stance.open(d))
  for doc in first:documents() do
    doc:annotations()
  end
  return d
end

--- The corpus at d opened without the layer cache (annotations: lazy tables of a parse).
local function fresh(d)
  local c = assert(stance.open(d))
  c._lcache = false
  return c
end

--- Whether `doc`'s layer of `who` was read in place from the layer cache.
local function in_place(doc, who)
  local layer = doc:layer(who)
  return rawget(layer.file, 'view') ~= nil and rawget(layer.file, 'store') == nil
end

local function same_value(a, b, what)
  if type(a) == 'function' or type(b) == 'function' then
    assert.are.equal(a, b, what) -- (the same method)
  else
    assert.are.same(a, b, what)
  end
end

describe('annotations read in place from the layer cache', function()
  local racy
  before_each(function()
    racy = Corpus.LAYER_CACHE_RACY_MS
    Corpus.LAYER_CACHE_RACY_MS = 100
  end)
  after_each(function()
    Corpus.LAYER_CACHE_RACY_MS = racy
    T.cleanup()
  end)

  it('read every field and answer every method as a parse\'s annotations, on the study', function()
    if not T.shared then return pending('../shared (the study and its corpus) is not there') end
    local d = study()
    local old, new = fresh(d), assert(stance.open(d))
    local n = 0
    for _, name in ipairs(DOCS) do
      local od, nd = assert(old:document(name)), assert(new:document(name))
      for _, kind in ipairs({ 'annotations', 'relations', 'labels' }) do
        for _, filter in ipairs({ {}, { annotator = 'fixture' }, { annotator = { 'ana', 'fixture' } },
          { label = 'engagement-favor' }, { range = { 0, 100 } }, { target = 'human-rights', stance = 'favor' } }) do
          local oa, na = od[kind](od, filter), nd[kind](nd, filter)
          assert.are.equal(#oa, #na, kind)
          for i = 1, #oa do
            local o, a = oa[i], na[i]
            assert.are.equal('table', type(o))
            assert.are.equal('table', type(a))
            for _, k in ipairs(KEYS) do
              same_value(o[k], a[k], kind .. ' ' .. tostring(k))
            end
            assert.are.same(Annotation.fields(o), Annotation.fields(a))
            assert.are.equal(tostring(o), tostring(a))
            assert.are.equal(0, #a)
            assert.are.equal(getmetatable(a).__index, getmetatable(o).__index)
            if kind == 'annotations' then
              assert.are.same({ o:position() }, { a:position() })
              assert.are.equal(o:text(), a:text())
              assert.are.same(o:spans_full(), a:spans_full())
            end
            if _VERSION ~= 'Lua 5.1' then -- (LuaJIT's pairs() does not ask a lazy annotation)
              local po, pa = {}, {}
              for k, v in pairs(o) do po[k] = v end
              for k, v in pairs(a) do pa[k] = v end
              assert.are.same(po, pa)
            end
            n = n + 1
          end
        end
      end
    end
    assert.truthy(n > 200)
    assert.are.equal(2 * #DOCS, new:layer_cache():stats().hits)
    for _, name in ipairs(DOCS) do
      assert.truthy(in_place(new:document(name), 'fixture'))
      assert.falsy(in_place(old:document(name), 'fixture'))
    end
  end)

  it('keep the fields a script sets, as a table does, and stay snapshots of the layer', function()
    if not T.shared then return pending('../shared (the study and its corpus) is not there') end
    local d = study()
    local old, new = fresh(d), assert(stance.open(d))
    local o = assert(old:document(DOCS[2])):annotations({ annotator = 'ana' })[1]
    local a = assert(new:document(DOCS[2])):annotations({ annotator = 'ana' })[1]
    assert.truthy(in_place(new:document(DOCS[2]), 'ana'))
    for _, x in ipairs({ o, a }) do
      local note = x.note
      x.note = 'mine'
      x.score = 3
      x[1] = 'first'
      assert.are.equal('mine', x.note)
      assert.are.equal(3, x.score)
      assert.are.equal('first', x[1])
      x.note = nil -- (the record's value shows again)
      assert.are.equal(note, x.note)
      x.label = 'not in the schema' -- (a snapshot's field: the layer is not changed)
      assert.are.equal('not in the schema', x.label)
      x.position = function() return 7, 7 end
      assert.are.same({ 7, 7 }, { x:position() })
      x.position = nil
      assert.has_error(function() x[nil] = 1 end)
      -- spans: one table, which the script may change and keep
      local spans = x.spans
      assert.are.equal(spans, x.spans)
      spans[1][1] = 999
      assert.are.equal(999, x.spans[1][1])
      -- a field read again and again (kept after the first read) stays the record's
      for _ = 1, 3 do
        assert.are.equal(note, x.note)
        assert.are.equal(o.id, x.id)
      end
    end
    -- sorted by fields read many times, as a table is
    local function order(list)
      table.sort(list, function(p, q)
        if p.stop ~= q.stop then return p.stop > q.stop end
        return p.id < q.id
      end)
      local ids = {}
      for i, x in ipairs(list) do ids[i] = x.id .. ' ' .. tostring(x.target) .. ' ' .. x.start end
      return ids
    end
    assert.are.same(order(old:document(DOCS[5]):annotations()), order(new:document(DOCS[5]):annotations()))
    local fo, fa = Annotation.fields(o), Annotation.fields(a)
    assert.are.same(fo, fa)
    assert.are.equal('not in the schema', fa.label)
    assert.are.equal(3, fa.score)
    -- the layer still has the record as it was
    assert.are_not.equal('not in the schema', new:document(DOCS[2]):annotations({ annotator = 'ana' })[1].label)
    -- kept past the pass, in a table of the script's
    local kept = {}
    for doc in new:documents() do
      for _, x in ipairs(doc:annotations({ annotator = 'fixture' })) do
        kept[#kept + 1] = x
      end
    end
    collectgarbage()
    collectgarbage()
    local want = {}
    for doc in old:documents() do
      for _, x in ipairs(doc:annotations({ annotator = 'fixture' })) do
        want[#want + 1] = Annotation.fields(x)
      end
    end
    assert.are.equal(#want, #kept)
    for i, x in ipairs(kept) do
      assert.are.same(want[i], Annotation.fields(x))
    end
  end)

  it('change and delete as a parse\'s annotations, corpus:save() writing the same files', function()
    if not T.shared then return pending('../shared (the study and its corpus) is not there') end
    local d1 = study()
    local d2 = T.tmpdir()
    assert(os.execute(('cp -a %s/. %s'):format(T.q(d1), T.q(d2))))
    sleep(0.3) -- (the copies' cache: made again, their identities are new)
    for doc in assert(stance.open(d2)):documents() do
      doc:annotations()
    end
    -- d1 without the cache (parsed), d2 with it (read in place): the same script on each
    local function script(c)
      local doc = assert(c:document(DOCS[3]))
      local anns = doc:annotations({ annotator = 'fixture' })
      local keep = anns[1]
      local note_before = keep.note
      local up, err = anns[1]:update({ note = 'changed', label = 'engagement-against' })
      assert(up, err)
      assert.are.equal(note_before, keep.note) -- a snapshot
      local bad, berr = anns[2]:update({ label = 'no-such-label' })
      assert.is_nil(bad)
      local ok, rerr = pcall(function() return anns[2]:update('not a table') end)
      assert(anns[3]:delete())
      local rel = doc:relations({ annotator = 'ana' })[1]
      assert(rel:update({ note = 'changed too' }))
      assert(doc:labels({ annotator = 'ana' })[1]:delete())
      assert(c:save())
      return { up.note, up.label, up.stance, berr, ok, (tostring(rerr):gsub('^.-:%d+: ', '')),
        type(keep), #doc:annotations({ annotator = 'fixture' }) }
    end
    local r1 = script(fresh(d1))
    local c2 = assert(stance.open(d2))
    assert.truthy(in_place(c2:document(DOCS[3]), 'fixture'))
    local r2 = script(c2)
    assert.are.same(r1, r2)
    local function without_times(s) return (s:gsub('\n  modified [^\n]*', '')) end
    for _, who in ipairs({ 'fixture', 'ana' }) do
      for _, name in ipairs(DOCS) do
        local p = '/.stance/annotations/' .. who .. '/' .. name .. '.stance'
        assert.are.equal(without_times(T.read(d1 .. p)), without_times(T.read(d2 .. p)), p)
      end
    end
    -- and read back through the cache (the changed files are read again: stale entries)
    sleep(0.3)
    local a, b = fresh(d2), assert(stance.open(d2))
    for _, name in ipairs(DOCS) do
      local oa, na = a:document(name):annotations(), b:document(name):annotations()
      assert.are.equal(#oa, #na)
      for i = 1, #oa do
        assert.are.same(Annotation.fields(oa[i]), Annotation.fields(na[i]))
      end
    end
  end)

  it('a stale cache: a file changed since is read again, its annotations as a parse gives them', function()
    if not T.shared then return pending('../shared (the study and its corpus) is not there') end
    local d = study()
    local p = d .. '/.stance/annotations/fixture/' .. DOCS[4] .. '.stance'
    T.write(p, (T.read(p):gsub('role premise', 'role claim')))
    local c = assert(stance.open(d))
    local anns = c:document(DOCS[4]):annotations({ annotator = 'fixture' })
    assert.falsy(in_place(c:document(DOCS[4]), 'fixture')) -- (read and parsed: not from the cache)
    local want = fresh(d):document(DOCS[4]):annotations({ annotator = 'fixture' })
    assert.are.equal(#want, #anns)
    for i = 1, #want do
      assert.are.same(Annotation.fields(want[i]), Annotation.fields(anns[i]))
      assert.are_not.equal('premise', anns[i].role)
    end
    assert.are.equal(1, c:layer_cache():stats().stale)
    -- the other documents still from the cache
    assert.truthy(in_place(c:document(DOCS[1]), 'fixture'))
  end)
end)
