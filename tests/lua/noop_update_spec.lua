-- An update that gives fields the values they have changes nothing (the team's workflow on
-- the study: an unchanged record marked `modified` conflicted with a collaborator's edit of
-- it at the next pull): no `modified`, the file as it was after a save; an update that does
-- change a field still marks it.
local T = require('helpers')

local DOC = '000_6358a7516b2472dd.txt'

describe('a script\'s update with the values a record has', function()
  after_each(T.cleanup)

  it('changes nothing: no modified, the layer file byte for byte as it was', function()
    local d = require('helpers.study').with_layer('ben', DOC,
      { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local path = d .. '/.stance/annotations/ben/' .. DOC .. '.stance'
    local before = T.read(path)
    local c = assert(require('stance').open(d))
    local a = assert(c:document(DOC):annotations({ annotator = 'ben' })[1])
    assert.are.equal('claim', a.role)
    assert.is_nil(a.modified)
    local spans = {}
    for i, sp in ipairs(a.spans) do spans[i] = { sp[1], sp[2] } end
    for _, fields in ipairs({ { role = 'claim' }, { label = 'engagement-favor' },
      { label = 'engagement-favor', role = 'claim', target = a.target, stance = a.stance },
      { spans = spans }, { note = false } }) do
      local same = assert(a:update(fields))
      assert.is_nil(same.modified)
      assert.are.equal('claim', same.role)
    end
    assert(c:save())
    assert.are.equal(before, T.read(path))
    -- a real change is one still
    local changed = assert(a:update({ role = 'premise', label = 'engagement-favor' }))
    assert.are.equal('premise', changed.role)
    assert.truthy(changed.modified)
  end)
end)
