-- The span arithmetic of adding text to an annotation and taking it out (stance.editor.spans_edit):
-- spans kept sorted, overlapping or touching ones joined, a cut splitting a span in two.
local E = require('stance.editor.spans_edit')

describe('spans of an annotation', function()
  it('are joined when they overlap or touch, sorted, and never changed in place', function()
    local a = { { 30, 40 }, { 0, 10 } }
    assert.are.same({ { 0, 10 }, { 30, 40 } }, E.joined(a))
    assert.are.same({ { 30, 40 }, { 0, 10 } }, a)
    assert.are.same({ { 0, 40 } }, E.joined({ { 0, 10 }, { 10, 40 } }))
    assert.are.same({ { 0, 40 } }, E.joined({ { 5, 40 }, { 0, 10 }, { 20, 30 } }))
    assert.are.same({ { 0, 10 }, { 11, 12 } }, E.joined({ { 11, 12 }, { 0, 10 }, { 0, 3 } }))
    assert.are.same({}, E.joined({}))
  end)

  it('lose what a cut covers: a span split in two, ends cut, pieces left empty dropped', function()
    assert.are.same({ { 0, 10 }, { 20, 30 } }, E.without({ { 0, 30 } }, { { 10, 20 } }))
    assert.are.same({ { 5, 30 } }, E.without({ { 0, 30 } }, { { 0, 5 } }))
    assert.are.same({ { 0, 25 } }, E.without({ { 0, 30 } }, { { 25, 40 } }))
    assert.are.same({}, E.without({ { 0, 30 } }, { { 0, 30 } }))
    assert.are.same({ { 0, 10 } }, E.without({ { 0, 10 }, { 20, 30 } }, { { 15, 35 } }))
    assert.are.same({ { 0, 2 }, { 4, 6 }, { 8, 10 } }, E.without({ { 0, 10 } }, { { 6, 8 }, { 2, 4 } }))
    assert.are.same({ { 0, 10 } }, E.without({ { 0, 10 } }, { { 10, 20 } })) -- touching: nothing cut
  end)
end)
