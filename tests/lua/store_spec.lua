-- The store from Lua: reading, records, queries, edits, writing; annotation files on disk.
local T = require('helpers')
local core = require('stance.core')

local sample = [[
format stance 1

document "a.txt"
  annotator ana

annotation x2
  span 30-40
  label claim
  target sanctions

annotation x1
  span 10-20 25-28
  label premise
  note
    | two
    | lines

relation r1
  type supports
  from x1
  to x2
]]

describe('store', function()
  after_each(T.cleanup)

  it('reads records into tables and writes them back canonically', function()
    local s, problems = core.read(sample)
    assert.are.same({}, problems)
    assert.are.equal(2, s:count())
    assert.are.equal(1, s:count('relation'))
    local x1 = s:get('x1')
    assert.are.same({ { 10, 20 }, { 25, 28 } }, x1.spans)
    assert.are.equal('two\nlines', x1.note)
    assert.are.equal(11, x1.line)
    assert.are.same({ document = 'a.txt', annotator = 'ana' }, s:header())
    local ids = {}
    for _, r in ipairs(s:records()) do
      ids[#ids + 1] = r.id
    end
    assert.are.same({ 'x1', 'x2', 'r1' }, ids)
    -- canonical order: x1 (starts at 10) before x2 (at 30)
    assert.are.equal(table.concat({
      'format stance 1', '', 'document "a.txt"', '  annotator ana', '',
      'annotation x1', '  span 10-20 25-28', '  label premise', '  note', '    | two', '    | lines', '',
      'annotation x2', '  span 30-40', '  label claim', '  target sanctions', '',
      'relation r1', '  type supports', '  from x1', '  to x2', '',
    }, '\n'), s:write())
  end)

  it('answers overlap queries, including discontinuous spans', function()
    local s = core.read(sample)
    local function ids(list)
      local out = {}
      for _, h in ipairs(list) do
        out[#out + 1] = h.id .. ':' .. h.span
      end
      return table.concat(out, ' ')
    end
    assert.are.equal('x1:1', ids(s:query(0, 11)))
    assert.are.equal('', ids(s:query(20, 25)))
    assert.are.equal('x1:2 x2:1', ids(s:query(27, 31)))
    assert.are.equal('x2:1', ids(s:query(39)))
    assert.are.equal('', ids(s:query(40)))
  end)

  it('adds, updates, renames and removes records', function()
    local s = core.store()
    assert.is_true(s:add({ id = 'a', spans = { { 5, 9 } }, label = 'claim', stance = 'favor' }))
    local ok, err, code = s:add({ id = 'a', spans = { { 1, 2 } }, label = 'x' })
    assert.is_nil(ok)
    assert.are.equal('id a is taken', err)
    assert.are.equal('EDUP', code)
    ok, err = s:add({ id = 'b', spans = { { 5, 5 } }, label = 'x' })
    assert.is_nil(ok)
    assert.truthy(err:find('non%-empty'))
    ok, err = s:add({ id = 'c', kind = 'relation', spans = { { 1, 2 } }, type = 'supports', label = 'x' })
    assert.is_nil(ok)
    assert.are.equal('a relation has no label', err)
    assert.is_true(s:update('a', { stance = 'against', note = 'why', spans = { { 1, 3 }, { 7, 8 } } }))
    assert.are.equal('against', s:get('a').stance)
    assert.is_true(s:update('a', { note = false }))
    assert.is_nil(s:get('a').note)
    assert.are.equal('a', s:query(2)[1].id)
    assert.is_true(s:update('a', { id = 'z' }))
    assert.is_nil(s:get('a'))
    assert.are.equal('z', s:query(7)[1].id)
    local _, _, code2 = s:update('nope', { label = 'x' })
    assert.are.equal('ENOENT', code2)
    local _, err2 = s:update('z', { type = 'supports' })
    assert.are.equal('this record has no field type', err2)
    assert.is_true(s:remove('z'))
    assert.are.same({}, s:query(0, 100))
    assert.are.equal(0, s:count())
    assert.has_error(function() s:add('nope') end)
  end)

  it('adds a record whatever else its table holds, and one whose fields its metatable gives', function()
    local s = core.store()
    assert.is_true(s:add({ id = 'a', spans = { { 1, 2 } }, label = 'x', [1] = 'list part', other = {}, [true] = 1 }))
    assert.is_true(s:add(setmetatable({ id = 'b' }, { __index = { spans = { { 3, 4 } }, label = 'y', note = 'n' } })))
    assert.are.equal('y', s:get('b').label)
    assert.are.equal('n', s:get('b').note)
    -- problems are found in the order of the fields, however the table is laid out
    local _, err = s:add({ id = 'c', kind = 'relation', note = {}, label = 'x', type = 't' })
    assert.are.equal('a relation has no label', err)
    _, err = s:add({ id = 'c', kind = 'relation', note = {}, type = 't' })
    assert.are.equal('note should be a string', err)
    _, err = s:add({ kind = 'annotation', spans = { { 1, 2 } } })
    assert.are.equal('a record needs an id', err)
    _, err = s:add({ id = 'd', kind = 'rel' })
    assert.are.equal('kind should be annotation, relation or doclabel', err)
  end)

  it('finds records by field', function()
    local s = core.read(sample)
    assert.are.equal('x2', s:find({ target = 'sanctions' })[1].id)
    assert.are.equal(0, #s:find({ target = 'engagement' }))
    assert.are.equal('r1', s:find({ kind = 'relation' })[1].id)
  end)

  it('tallies the values of a field, however many there are, and counts orphans', function()
    local s = core.store()
    for i = 1, 2000 do
      assert(s:add({ kind = 'annotation', id = 'a' .. i, spans = { { i, i + 1 } }, label = 'l' .. (i % 300),
        stance = (i % 3 == 0) and 'favor' or nil }))
    end
    s:mark('a3', 'orphan', true)
    local labels, n = s:tally('label'), 0
    for k, v in pairs(labels) do
      if k:sub(1, 1) == 'l' then
        n = n + 1
        local i = tonumber(k:sub(2))
        assert.are.equal(math.floor((2000 - (i == 0 and 300 or i)) / 300) + 1, v, k)
      end
    end
    assert.are.equal(300, n)
    assert.are.same({ favor = 666, [''] = 1334, orphans = 1, conflicts = 0 }, s:tally('stance'))
    assert.are.equal(1, s:orphans())
    assert.are.same({}, s:tally('label', 'relation'))
  end)

  it('cross-tabulates two fields in one pass, a record in conflict once, a record without the second not at all',
    function()
      local s = core.store()
      for i = 1, 900 do
        assert(s:add({ kind = 'annotation', id = 'a' .. i, spans = { { i, i + 1 } }, label = 'x',
          target = (i % 3 == 0) and 't' .. (i % 2) or nil, stance = (i % 5 ~= 0) and ('s' .. (i % 4)) or nil }))
      end
      local want = {}
      for i = 1, 900 do
        if i % 5 ~= 0 then
          local t = (i % 3 == 0) and 't' .. (i % 2) or ''
          want[t] = want[t] or {}
          want[t]['s' .. (i % 4)] = (want[t]['s' .. (i % 4)] or 0) + 1
        end
      end
      assert.are.same(want, s:crosstab('target', 'stance'))
      assert.are.same({}, s:crosstab('target', 'stance', 'doclabel'))
      local merged = core.read(table.concat({ 'format stance 1', '', 'annotation c1', '  span 0-4', '  label x',
        '  target t', '  stance pro', '  conflict ours', '', 'annotation c1', '  span 0-4', '  label x', '  target t',
        '  stance con', '  conflict theirs', '' }, '\n'))
      assert.are.same({ t = { pro = 1 } }, merged:crosstab('target', 'stance'))
      assert.has_error(function() s:crosstab('nope', 'stance') end)
    end)

  it('checks values against a vocabulary', function()
    local _, problems = core.read(sample, { vocab = { label = { 'claim' }, target = { 'engagement' } } })
    assert.are.equal(2, #problems)
    assert.are.equal("unknown target 'sanctions' (schema has engagement)", problems[1].message)
    assert.are.equal('warning', problems[1].severity)
    assert.are.equal("unknown label 'premise' (schema has claim)", problems[2].message)
  end)

  it('checks values against a vocabulary made once (core.vocab), as against its table', function()
    local values = { label = { 'claim' }, target = { 'engagement' } }
    local _, want = core.read(sample, { vocab = values })
    local v = core.vocab(values)
    local dir = T.tmpdir()
    local path = dir .. '/a.txt.stance'
    T.write(path, sample)
    for _ = 1, 3 do -- lent, not taken: it serves again
      local _, got = core.read(sample, { vocab = v })
      assert.are.same(want, got)
      local _, from_file = core.read_file(path, { vocab = v })
      assert.are.same(want, from_file)
    end
    -- a load on its own thread takes a copy of it
    T.write(dir .. '/a.txt', ('x'):rep(50))
    local load = core.load(path, dir .. '/a.txt', { vocab = v })
    v = nil -- luacheck: ignore 311
    collectgarbage()
    local r = load:wait()
    assert.are.same(want, r.problems)
    -- the document is not hashed while it loads: its frame hashes its bytes when asked
    assert.is_nil(r.hash)
    assert.are.equal(core.sha256(('x'):rep(50)), r.frame:sha256())
    assert.has_error(function() core.vocab('claim') end)
  end)

  it('reads a file with its document: the frame of the document, hashed when asked', function()
    local doc = '\239\187\191Ça va.\r\nNon.\r\n'
    local store, problems, frame, extra = core.read('format stance 1\n\ndocument "a.txt"\n\n', { document = doc, crlf = true })
    assert.truthy(store)
    assert.are.same({}, problems)
    assert.is_nil(extra)
    assert.are.equal(core.sha256(doc), frame:sha256())
    assert.are.equal(core.sha256('x'), core.frame('x'):sha256())
    assert.are.equal(core.sha256(''), core.frame(''):sha256())
  end)

  it('mints ids that do not repeat', function()
    local seen = {}
    for _ = 1, 10000 do
      local id = core.new_id()
      assert.truthy(id:match('^[a-z2-7]+$') and #id == 12)
      assert.is_nil(seen[id])
      seen[id] = true
    end
  end)
end)

describe('annotation files', function()
  local annfile = require('stance.annfile')
  after_each(T.cleanup)

  it('saves atomically, keeping permissions, and only when something changed', function()
    local d = T.tmpdir()
    local path = d .. '/sub/dir/a.txt.stance'
    local f = assert(annfile.read(path))
    assert.are.equal('', f.hash)
    f.store:set_header('document', 'a.txt')
    assert.is_true(f.store:add({ id = 'a1', spans = { { 1, 4 } }, label = 'claim' }))
    assert.is_true(annfile.save(f))
    assert.are.equal(f.store:write(), T.read(path))
    os.execute('chmod 640 ' .. T.q(path))
    f.store:update('a1', { note = 'n' })
    assert.is_true(annfile.save(f))
    assert.are.equal(tonumber('640', 8), core.stat(path).mode)
    assert.is_false(annfile.save(f)) -- nothing changed: not written
    local leftovers = core.list(d .. '/sub/dir')
    assert.are.equal(1, #leftovers) -- no temporary file left behind
  end)

  it('merges a file that changed on disk since it was read, never overwriting the change', function()
    local d = T.tmpdir()
    local path = d .. '/a.stance'
    T.write(path, 'format stance 1\n\ndocument "x.txt"\n\nannotation mine01\n  span 0-3\n  label claim\n')
    local f = assert(annfile.read(path))
    -- someone else adds a record and changes ours; we add another
    T.write(path, 'format stance 1\n\ndocument "x.txt"\n\nannotation mine01\n  span 0-3\n  label claim\n'
      .. '  note "theirs"\n\nannotation their1\n  span 5-9\n  label claim\n')
    assert.is_true(f.store:add({ id = 'mine02', spans = { { 10, 12 } }, label = 'claim' }))
    assert.is_true(annfile.save(f))
    local store = core.read(T.read(path))
    assert.truthy(store:get('their1'))
    assert.truthy(store:get('mine02'))
    assert.are.equal('theirs', store:get('mine01').note)
    assert.are.same({ theirs = 2, ours = 1, conflicts = 0, conflict_ids = {} }, f.merged)
    assert.truthy(f.store:get('their1')) -- the file object holds the merge
    assert.are.equal(core.sha256(T.read(path)), f.hash)
  end)

  it('refuses instead of merging when told so, and when the file now has errors', function()
    local d = T.tmpdir()
    local path = d .. '/a.stance'
    T.write(path, 'format stance 1\n')
    local f = assert(annfile.read(path))
    T.write(path, 'format stance 1\n\n# someone else wrote this\n')
    f.store:set_header('document', 'x.txt')
    local ok, err, code = annfile.save(f, { merge = false })
    assert.is_nil(ok)
    assert.are.equal('ECHANGED', code)
    assert.truthy(err:find('changed on disk'))
    assert.truthy(T.read(path):find('someone else'))
    T.write(path, 'format stance 1\n\nannotation a\n  span 1-2\n  label "oops\n')
    ok, err, code = annfile.save(f)
    assert.is_nil(ok)
    assert.are.equal('ECHANGED', code)
    assert.truthy(err:find('now has errors'), err)
    assert.truthy(T.read(path):find('oops'))
  end)

  it('refuses to overwrite a file it could not read completely', function()
    local d = T.tmpdir()
    local path = d .. '/a.stance'
    local broken = 'format stance 1\n\nannotation a\n  span 1-2\n  label "oops\n\nannotation b\n  span 3-4\n  label x\n'
    T.write(path, broken)
    local f = assert(annfile.read(path))
    assert.are.equal(1, f.errors)
    assert.are.equal(1, f.store:count())
    local ok, err, code = annfile.save(f)
    assert.is_nil(ok)
    assert.are.equal('EPROBLEMS', code)
    assert.truthy(err:find('not overwritten'))
    assert.are.equal(broken, T.read(path))
    assert.is_true(annfile.save(f, { force = true }))
    assert.falsy(T.read(path):find('oops'))
  end)
end)

describe('schema', function()
  local schema = require('stance.schema')
  for _, case in ipairs({
    { 'format stance 1\nstance favor\nstance favor\n',
      '3:1: stance favor is defined twice: here and at .stance/schema.stance:2:1, the one every command uses (keep one)' },
    { 'format stance 1\n<<<<<<< HEAD\nstance favor\n=======\nstance favour\n>>>>>>> theirs\n', '2:1: ' .. schema.CONFLICT },
    { 'format stance 1\nlabel a\n  key ab\n', "3:3: key 'ab' should be one letter, digit or sign" },
    { 'format stance 1\nlabel a\n  key x\nlabel b\n  key x\n', "5:1: key 'x' of label b is taken by label a" },
    { 'format stance 1\ntarget t\n  color red\n', "3:3: color 'red' should be #rrggbb" },
    { 'format stance 1\nstance favor\nlabel l\n  stance favour\n', "4:1: label l: unknown stance 'favour'" },
    { 'format stance 1\nlabel l\n  ask colour\n', "3:3: `ask` takes target, stance or role, not 'colour'" },
    { 'format stance 1\nwidget w\n', "2:1: unknown record 'widget' (a schema has target, stance, role, relation, label, attribute and corpus records)" },
    { 'stance favor\n', '1:1: missing `format stance 1` at the top of the file' },
  }) do
    it('reports ' .. case[2], function()
      local _, problems = schema.parse(case[1])
      assert.are.equal(case[2], ('%d:%d: %s'):format(problems[1].line, problems[1].col, problems[1].message))
    end)
  end
end)

describe('store for redraws', function()
  it('gives flat lists of slots and offsets, and records by slot', function()
    local s = core.read(sample)
    local n, slots, starts, stops = s:spans(0, 35)
    assert.are.equal(3, n)
    assert.are.same({ 10, 25, 30 }, starts)
    assert.are.same({ 20, 28, 40 }, stops)
    assert.are.equal('x1', s:at(slots[1]).id)
    assert.are.equal(slots[1], slots[2])
    assert.are.equal('x2', s:at(slots[3]).id)
    assert.are.equal(3, s:overlaps(0, 35))
    assert.are.equal(0, s:overlaps(20, 25))
    s:remove('x2')
    assert.is_nil(s:at(slots[3]))
    assert.are.equal(2, s:overlaps(0, 35))
  end)

  it('gives what drawing a record needs by slot, without a table (brief)', function()
    local s = core.read(sample)
    local _, slots = s:spans(0, 35)
    local id, label, stance, target, role, conflict, nspans, last_end = s:brief(slots[1])
    assert.are.equal('x1', id)
    assert.are.equal('premise', label)
    assert.is_nil(stance)
    assert.is_nil(target)
    assert.is_nil(role)
    assert.is_nil(conflict)
    assert.are.equal(2, nspans)
    assert.are.equal(28, last_end)
    id, label, stance, target, role, conflict, nspans, last_end = s:brief(slots[3])
    assert.are.same({ 'x2', 'claim', 'sanctions', 1, 40 }, { id, label, target, nspans, last_end })
    assert.is_nil(stance or role or conflict)
    s:remove('x2')
    assert.are.equal(0, select('#', s:brief(slots[3])))
    assert.are.equal(0, select('#', s:brief(99)))
  end)
end)

describe('store lazily', function()
  it('lends small tables of its slots and gives each field as records() does, then copies itself', function()
    local s = core.read(sample)
    local mt = { tag = 'the template' }
    local layer = {}
    local lazy = s:lazy('annotation', layer, mt)
    local recs = s:records('annotation')
    assert.are.equal(#recs, #lazy)
    -- one metatable for them all: the template's fields, the layer and the store
    local shared = getmetatable(lazy[1])
    assert.are.equal('the template', shared.tag)
    assert.are.equal(layer, shared._layer)
    assert.are.equal(s, shared._store)
    for i, o in ipairs(lazy) do
      assert.are.equal(shared, getmetatable(o))
      assert.are.same({ '_slot' }, (function()
        local keys = {}
        for k in next, o do keys[#keys + 1] = k end
        return keys
      end)())
      for k, v in pairs(recs[i]) do
        assert.are.same(v, s:field(o._slot, k), k)
      end
      assert.are.equal(recs[i].spans[1][1], s:field(o._slot, 'start'))
      assert.are.equal(recs[i].spans[#recs[i].spans][2], s:field(o._slot, 'stop'))
      assert.is_nil(s:field(o._slot, 'nothing'))
    end
    assert.is_nil(s:field(0, 'id'))
    assert.is_nil(s:field(1e9, 'id'))
    assert.are.equal(#s:records('relation'), #s:lazy('relation', layer, mt))
    assert.has_error(function() s:lazy('nothing', layer, mt) end)
    -- a copy holds the same, and changes apart
    local c = s:copy()
    assert.are.equal(s:write(), c:write())
    assert(c:remove(recs[1].id))
    assert.are_not.equal(s:write(), c:write())
    assert.are.equal(recs[1].id, s:field(lazy[1]._slot, 'id'))
  end)

  it('appends to a list, and reads fields through the index function of lazy annotations', function()
    local s = core.read(sample)
    local methods = { hello = function(self) return 'hi ' .. self.id end }
    local mt = { __index = core.lazy_index(methods) }
    local layer = { annotator = 'ana', doc = { path = 'a.txt' } }
    local out = s:lazy('annotation', layer, mt, { 'first' })
    local recs = s:records('annotation')
    assert.are.equal(#recs + 1, #out)
    assert.are.equal('first', out[1])
    local a = out[2]
    assert.are.equal('hi ' .. recs[1].id, a:hello())
    assert.are.equal('ana', a.annotator)
    assert.are.equal('a.txt', a.document)
    assert.are.same(recs[1].spans, a.spans)
    assert.are.equal(recs[1].spans[1][1], a.start)
    assert.are.equal(recs[1].label, a.label)
    assert.are.equal(recs[1].label, rawget(a, 'label'), 'kept once read')
    assert.is_nil(a.nothing)
    assert.is_nil(a[1])
    assert.is_nil(rawget(a, 'nothing'))
    -- every name a record has (what records() gives, and the rest field() knows) as field() gives it
    for i = 2, #out do
      local o = out[i]
      local names = { 'id', 'kind', 'spans', 'start', 'stop', 'line', 'slot', 'orphan', 'touched', 'extras',
        'comments', 'inner', 'label', 'target', 'stance', 'role', 'note', 'quote', 'prefix', 'suffix', 'created',
        'modified', 'author', 'confidence', 'conflict', 'type', 'from', 'to' }
      for k in pairs(recs[i - 1]) do names[#names + 1] = k end
      for _, k in ipairs(names) do
        assert.are.same(s:field(o._slot, k), o[k], k)
      end
      assert.are.equal(layer, o._layer)
      assert.are.equal(s, o._store)
    end
    -- a table that is not one of them (no store, no slot) has no fields
    assert.is_nil(setmetatable({}, mt).label)
    assert.are.equal(methods.hello, setmetatable({}, mt).hello)
  end)

  it('gives one header by name', function()
    local s = core.read(sample)
    s:set_header('hash', 'sha256:' .. ('a'):rep(64))
    assert.are.equal('sha256:' .. ('a'):rep(64), s:header('hash'))
    assert.are.equal(s:header().hash, s:header('hash'))
    assert.is_nil(s:header('status'))
    assert.has_error(function() s:header('nothing') end)
  end)
end)
