-- A document changed while it was closed (a line inserted at its top, the annotation file
-- not written since): opening it finds every annotation again, moved by the line, says so,
-- and draws them on their words; ]a goes to them; the file written at the end has their new
-- places. Read on the screen (tmux, capture-pane -e) right after each key.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '01_charge_works.txt'
local LINE = 'Editor’s note: a line added at the top after the annotations were made.\n'

describe('opening a document edited since its annotations were saved', function()
  after_each(T.cleanup)

  it('finds them moved by a line inserted at the top, draws them there, ]a reaches them, :qa writes them', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/ && rm -f %s/.stance/index.bin'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d),
      T.q(d)))
    local path = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
    local before = assert(require('stance.core').read(assert(T.read(path))))
    local n = #before:records('annotation')
    T.write(d .. '/' .. DOC, LINE .. assert(T.read(d .. '/' .. DOC)))
    local nv = T.tmux({ DOC }, { cwd = d, width = 200, height = 30, ready = 'Editor',
      init = "require('stance').setup({ annotator = 'ana' })" })
    tmux.driving_to_quit(nv, function()
      -- said once it is open, and drawn: the annotations on their words, the new line plain
      nv:wait(tmux.has(('text changed since saved: %d moved, 0 orphaned'):format(n)), 'the message of the moved annotations')
      local screen = nv:wait(tmux.colored('Traffic inside'), 'an annotation drawn on its words')
      assert.truthy(tmux.colored('Retail footfall')(screen), tmux.plain(screen))
      local row = tmux.row(screen, 'Editor')
      assert.is_nil(tmux.style_of(row, 'Editor').bg, 'the inserted line is not annotated')
      local by = tmux.row(screen, 'By Marta')
      assert.is_nil(tmux.style_of(by, 'By Marta').bg, 'nor the line that was not')
      -- ]a from the top: the title (now the second line), then the next one
      nv:keys('gg')
      nv:key(']a', function() return nv:cursor() == 2 end, ']a on the title, one line down')
      local lnum, col = 0, nil
      for l in (LINE .. assert(T.read(T.root .. '/doc/example/corpus/' .. DOC))):gmatch('([^\n]*)\n') do
        lnum = lnum + 1
        col = l:find('Traffic inside', 1, true)
        if col then break end
      end
      nv:key(']a', function(sc)
        return (select(2, tmux.row(sc, 'Traffic inside'))) == nv:cursor() and tmux.has(lnum .. ',' .. col)(sc)
      end, ']a on the next annotation, at its first word')
      assert.truthy(tmux.colored('Traffic inside')(nv:screen()))
    end)
    -- written at the end: every span moved by the line's code points, each quote the text there
    local after = assert(require('stance.core').read(assert(T.read(path))))
    local text = assert(T.read(d .. '/' .. DOC))
    local model = require('stance.core').text(text)
    local shift = model:byte_to_cp(#LINE)
    for _, r in ipairs(after:records('annotation')) do
      local was = before:get(r.id)
      assert.are.equal(was.spans[1][1] + shift, r.spans[1][1], r.id)
      if #r.spans == 1 then
        assert.are.equal(r.quote, text:sub(model:cp_to_byte(r.spans[1][1]) + 1, model:cp_to_byte(r.spans[1][2])))
      end
    end
    assert.are.equal(n, #after:records('annotation'))
  end)
end)
