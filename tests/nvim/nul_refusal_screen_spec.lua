-- An annotation over a NUL byte of the document, refused on the screen (tmux, read right
-- after each key): no value of the format can keep a NUL in the quote (doc/format.md 8.4),
-- so the editor says why on one line (whole in :messages), draws nothing, and the layer file
-- stays as it was, :w or not. Each Neovim of the matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = 'nul.txt'
-- a NUL byte inside the second sentence (code point 46: "A first sentence ... here.\n" is 36)
local TEXT = 'A first sentence that is fine here.\nThe second wor\0d of this sentence holds a NUL byte.\n'

describe('an annotation over a NUL byte on the screen', function()
  after_each(T.cleanup)

  it('is refused with why on one line, nothing drawn, the layer file unchanged', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    T.write(d .. '/' .. DOC, TEXT)
    -- ana's layer: the first sentence, annotated before
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(DOC))
    assert(doc:annotate({ start = 0, stop = 35, label = 'engagement-favor', role = 'claim', annotator = 'ana' }))
    assert(c:save())
    local file = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
    local before = assert(T.read(file))
    local nv = tmux.open({ DOC }, { cwd = d, width = 160, ready = 'A first sentence',
      init = "require('stance').setup({ annotator = 'ana' })" })
    tmux.driving_to_quit(nv, function()
      local screen = nv:wait(tmux.colored('A first sentence'), 'ana\'s annotation drawn')
      -- Neovim shows the NUL as ^@
      assert.truthy(tmux.plain(screen):find('The second wor^@d', 1, true), tmux.plain(screen))
      nv:keys('2G')
      nv:key('g', nil)
      nv:key('s', nil)
      nv:key('i', nil)
      screen = nv:key('s', 'engagement', 'the labels asked')
      assert.truthy(tmux.plain(screen):find('engagement-favor', 1, true), tmux.plain(screen))
      nv:key('1', nil)
      local why = 'the text of 36-87 holds a NUL byte (code point 50): an annotation\'s quote cannot keep one'
      screen = nv:key('c', tmux.has(why), 'the refusal')
      tmux.one_line(nv, screen, why, why .. ' (doc/format.md 8.4); annotate the text before or after it')
      assert.falsy(tmux.colored('The second')(screen), tmux.row(screen, 'The second'))
      assert.are.equal(1, nv:lua('return require("stance.editor.session").get().store:count("annotation")'))
      -- written: the file as it was
      nv:keys(':w')
      screen = nv:key('Enter', 'written to your layer', ':w')
      assert.falsy(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
      assert.are.equal(before, T.read(file))
    end)
    assert.are.equal(before, T.read(file))
  end)
end)
