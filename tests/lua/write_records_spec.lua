-- frame:write_records(store, ids): the text of new records to append to the file, and whether
-- the result is canonical too (they come after every other record); when it is not, the editor
-- appends all the same and writes the file whole a moment later (tryout 15, finding 1).
local core = require('stance.core')

describe('frame:write_records', function()
  -- spans in buffer bytes; "é" is two bytes, one code point
  local text = 'Été un. Deux ici. Trois là. Quatre.\n'

  local function store(...)
    local s = core.store()
    s:set_header('document', 'd.txt')
    for _, r in ipairs({ ... }) do
      assert(s:add(r))
    end
    return s
  end

  --- Add the records `...` to `s`; the text of `ids` appended is the canonical text of all.
  local function appends(frame, s, ids, ...)
    local before = frame:write(s)
    for _, r in ipairs({ ... }) do
      assert(s:add(r))
    end
    local chunk, last = frame:write_records(s, ids)
    assert.is_true(last)
    assert.are.equal(frame:write(s), before .. chunk)
  end

  local function ann(id, a, b)
    return { kind = 'annotation', id = id, label = 'claim', spans = { { a, b } } }
  end

  it('appends an annotation after every other one: the result is the canonical text', function()
    appends(core.frame(text), store(ann('a', 0, 8), ann('b', 10, 18)), { 'c' }, ann('c', 20, 29))
  end)

  it('several new ones in any order: written in the canonical order', function()
    appends(core.frame(text), store(ann('a', 0, 8)), { 'd', 'c', 'd' }, ann('d', 30, 37), ann('c', 20, 29))
  end)

  it('not last for an annotation before another, or tied with one of a later ID', function()
    local frame = core.frame(text)
    local s = store(ann('a', 0, 8), ann('b', 20, 29))
    assert(s:add(ann('c', 10, 18)))
    assert.is_false(select(2, frame:write_records(s, { 'c' })))
    s = store(ann('z', 10, 18))
    assert(s:add(ann('c', 10, 18)))
    assert.is_false(select(2, frame:write_records(s, { 'c' })))
    -- the same span and a later ID: after it
    s = store(ann('a', 10, 18))
    assert(s:add(ann('c', 10, 18)))
    assert.is_true(select(2, frame:write_records(s, { 'c' })))
  end)

  it('not last for an annotation when the file has a relation (relations come last)', function()
    local frame = core.frame(text)
    local s = store(ann('a', 0, 8), ann('b', 10, 18),
      { kind = 'relation', id = 'r', type = 'supports', from = 'a', to = 'b' })
    assert(s:add(ann('c', 20, 29)))
    assert.is_false(select(2, frame:write_records(s, { 'c' })))
    -- a relation of a later ID than every other: appended
    assert(s:remove('c'))
    appends(frame, s, { 's' }, { kind = 'relation', id = 's', type = 'supports', from = 'b', to = 'a' })
  end)

  it('not last: written all the same, in the canonical order among themselves', function()
    local frame = core.frame(text)
    local s = store(ann('a', 0, 8), ann('b', 20, 29))
    assert(s:add(ann('d', 30, 37)))
    assert(s:add(ann('c', 10, 18)))
    local chunk, last = frame:write_records(s, { 'd', 'c' })
    assert.is_false(last)
    assert.truthy(chunk:find('annotation c.*annotation d'))
  end)

  it('a record no longer there is skipped; none at all is the empty text', function()
    local frame = core.frame(text)
    local s = store(ann('a', 0, 8))
    assert.are.equal('', frame:write_records(s, { 'gone' }))
  end)
end)
