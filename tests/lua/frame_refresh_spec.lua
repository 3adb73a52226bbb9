-- frame:refresh(store, context[, ids]): the quotes and contexts of touched annotations made
-- again from the text; with `ids`, of those annotations only (what an append writes), the
-- others keeping their fields and their mark.
local core = require('stance.core')

describe('frame:refresh', function()
  local text = 'Ça va. Non, ça ne va pas.\n'

  local function store()
    local s = core.store()
    assert(s:add({ kind = 'annotation', id = 'a', label = 'claim', spans = { { 0, 7 } } }))
    assert(s:add({ kind = 'annotation', id = 'b', label = 'claim', spans = { { 8, 27 } } }))
    assert(s:mark('a', 'touched', true))
    assert(s:mark('b', 'touched', true))
    return s
  end

  it('refreshes every touched annotation', function()
    local s = store()
    local n, collapsed = core.frame(text):refresh(s, 4)
    assert.are.equal(2, n)
    assert.are.same({}, collapsed)
    assert.are.equal('Ça va.', s:get('a').quote)
    assert.are.equal('Non, ça ne va pas.', s:get('b').quote)
  end)

  it('with IDs, refreshes only those (an unknown ID is skipped)', function()
    local s = store()
    local frame = core.frame(text)
    local n, collapsed = frame:refresh(s, 4, { 'b', 'nobody' })
    assert.are.equal(1, n)
    assert.are.same({}, collapsed)
    assert.are.equal('Non, ça ne va pas.', s:get('b').quote)
    assert.are.equal('va. ', s:get('b').prefix)
    assert.is_nil(s:get('a').quote)
    assert.are.equal(1, s:marked('touched')) -- a, still to refresh
    assert.are.equal(0, (frame:refresh(s, 4, {})))
    assert.has_error(function() frame:refresh(s, 4, { 1 }) end)
  end)
end)
