-- Adversary 15, finding 14, in the editor (tmux, the screen read right after each key): a
-- folder committed at the name of ana's layer file of a document of the study is a layer file
-- in error: opening the document as ana says so (where, what), the buffer is attached and
-- protected (no W10 from a key typed), nothing is written there.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

describe('a folder at the name of your layer file', function()
  after_each(T.cleanup)

  it('is said on open as an error of your layer; the document stays protected', function()
    if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then
      return pending('../shared/study is not here')
    end
    local d = T.tmpdir()
    local fx = T.root .. '/tests/fixtures/study'
    local A = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
    os.execute(('mkdir -p %s && cp %s/corpus/*.txt %s/ && cp %s/schema.stance %s/.stance/'):format(T.q(A),
      T.q(T.shared), T.q(d), T.q(fx), T.q(d)))
    T.write(A .. '/x.stance', T.read(fx .. '/annotations/fixture/' .. DOC .. '.stance'))
    local nv = T.tmux({ DOC }, { cwd = d, width = 220, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'ana' })" })
    tmux.driving_to_quit(nv, function()
      local screen = nv:wait(has('your layer has 1 error(s): fix it to annotate'), 'said on open')
      local messages = nv:lua("return vim.fn.execute('messages')")
      assert.truthy(messages:find('.stance/annotations/ana/' .. DOC .. '.stance:1:1: a folder, not an annotation file',
        1, true), messages)
      assert.falsy(has('Is a directory')(screen), tmux.plain(screen))
      assert.truthy(nv:lua("return require('stance.editor.session').get() ~= nil"), 'attached')
      assert.are.equal(false, nv:lua('return vim.bo.modifiable'))
      screen = nv:keys('x')
      assert.falsy(has('W10')(screen), tmux.plain(screen))
    end)
    assert.are.equal('directory', require('stance.core').stat(A).type)
  end)
end)
