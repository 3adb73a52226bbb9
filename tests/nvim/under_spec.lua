-- Marks after annotations before Neovim 0.10 (stance.editor.under): whether they fit after a
-- line in every window of its buffer, and the words their line under it quotes. What the
-- screen shows is tested in tmux (study_e2e_spec).
local under = require('stance.editor.under')

describe('marks under a line', function()
  local chunks = { { ' sanctions-against', 'StanceVirtText' }, { ' [1 supports →]', 'StanceRelation' } } -- 33 cells

  it('fit after a line only where every window has room on its last row', function()
    local wide = { width = 100, wrap = true, strict = false }
    local narrow = { width = 40, wrap = true, strict = false }
    local short = ('x'):rep(50)
    assert.is_true(under.fits({ wide }, short, chunks)) -- 50 + 1 + 33 <= 100
    assert.is_false(under.fits({ wide, narrow }, short, chunks)) -- 10 used on its 2nd row of 40: 44 > 40
    assert.is_true(under.fits({ wide }, ('x'):rep(150), chunks)) -- 50 used on its 2nd row
    assert.is_false(under.fits({ wide }, ('x'):rep(180), chunks)) -- 80 used
    assert.is_false(under.fits({ wide }, ('x'):rep(200), chunks)) -- both rows full
    -- 'nowrap': past the window's edge is out of sight
    assert.is_false(under.fits({ { width = 100, wrap = false } }, ('x'):rep(150), chunks))
    -- 'linebreak' and the like: a line that wraps is not measured, it takes the line under it
    assert.is_false(under.fits({ { width = 100, wrap = true, strict = true } }, ('x'):rep(150), chunks))
    assert.is_true(under.fits({ { width = 100, wrap = true, strict = true } }, short, chunks))
    -- wide characters count two cells
    assert.is_false(under.fits({ wide }, ('語'):rep(40), chunks))
  end)

  it('quote the last words before the mark', function()
    local line = 'The U.S. also came under fire. A foreign ministry spokesman criticized Washington.'
    assert.are.equal('…also came under fire.', under.tail(line, #'The U.S. also came under fire.'))
    assert.are.equal('The U.S.', under.tail(line, #'The U.S.'))
    assert.are.equal('…' .. ('y'):rep(40), under.tail(('y'):rep(100), 100)) -- one long word: its end
    -- a paragraph of a megabyte: only its end is read
    local big = ('word '):rep(200000) .. 'the end.'
    assert.are.equal('…word word the end.', under.tail(big, #big)) -- four words
  end)
end)
