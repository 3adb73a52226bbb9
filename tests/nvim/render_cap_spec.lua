-- The marks of one screen row are bounded (stance.editor.render.MAX_PER_ROW): thousands of
-- annotations over one place (a hostile layer, adversary15 #10) draw the first ones, and the
-- plan notes when every visible row is full, so that the rest are not even looked at.
local T = require('helpers')

describe('render', function()
  after_each(T.cleanup)

  local function grid(top, bot, len)
    local starts = {}
    for r = top, bot + 1 do
      starts[r] = r * (len + 1)
    end
    return { top = top, bot = bot, starts = starts, rows = {}, text = {}, row_of = function(off)
      if off < starts[top] then return top - 1 end
      local r = math.floor(off / (len + 1))
      return r > bot + 1 and bot + 1 or r
    end }
  end

  it('draws at most MAX_PER_ROW marks and ends on a row, and says when every row is full', function()
    local render = require('stance.editor.render')
    local max = render.MAX_PER_ROW
    local g = grid(0, 2, 9) -- three rows of 9 bytes
    for i = 1, max + 500 do
      render.place(g, 0, 30, { id = 'a' .. i })
      render.place_end(g, 29, { { ' x', 'StanceVirtText' } })
    end
    for r = 0, 2 do
      local n = 0
      for _, m in ipairs(g.rows[r]) do
        if not m.cue then n = n + 1 end
      end
      assert.are.equal(max, n)
    end
    assert.are.equal(max, #g.rows[2].ends)
    assert.are.equal(3, g.full) -- every visible row
    -- a span on fewer rows: only its rows fill up
    local h = grid(0, 2, 9)
    for i = 1, max do
      render.place(h, 0, 5, { id = 'b' .. i })
    end
    assert.are.equal(1, h.full)
    assert.is_nil(h.rows[1])
    -- cues (lexicon highlights) are not annotations: never dropped for them
    render.place(g, 0, 3, { span = 'StanceCue' }, true)
    assert.is_true(g.rows[0][#g.rows[0]].cue)
  end)
end)
