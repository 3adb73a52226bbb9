-- :Stance list opens the location list and Neovim puts the cursor there: the commands about
-- the whole document (:Stance done, :Stance save) then work on the document the list belongs
-- to, and those about the annotation under the cursor (:Stance delete) say to go back, on the study's schema,
-- read on the screen (tmux) right after each key. (`:Stance done` there said "this buffer has
-- no file".)
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

local has = require('helpers.tmux').has

describe('commands typed in the location list of :Stance list', function()
  local nv
  after_each(function()
    if nv then nv:close() end
    nv = nil
    T.cleanup()
  end)

  it(':Stance done marks the document of the list; :Stance delete says to go back', function()
    if not T.shared or not T.exists(T.shared .. '/corpus/' .. DOC) then
      return pending('../shared/corpus is not here')
    end
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance/annotations/tester && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && '
      .. 'cp %s %s/.stance/annotations/tester/'):format(T.q(d), T.q(T.shared), T.q(d),
      T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d),
      T.q(T.root .. '/tests/fixtures/study/annotations/fixture/' .. DOC .. '.stance'), T.q(d)))
    local path = d .. '/.stance/annotations/tester/' .. DOC .. '.stance'
    T.write(path, (T.read(path):gsub('\n  status done\n', '\n'):gsub('annotator fixture', 'annotator tester')))
    nv = T.tmux({ DOC }, { cwd = d, width = 140, height = 30, ready = 'Trump Should Offer', init = [[
require('stance').setup({ annotator = 'tester', autosave = { delay = 60000 } })
]] })
    nv:keys(':')
    nv:type('Stance list')
    nv:key('Enter', has('Location List'), 'the location list')
    assert.are.equal('qf', nv:lua('return vim.bo.filetype'), 'the cursor is in the list')
    nv:keys(':')
    nv:type('Stance done')
    local screen = nv:key('Enter', has('done for tester'), 'the document marked done')
    assert.falsy(has('no file')(screen), tmux.plain(screen))
    assert.truthy(T.read(path):find('\n  status done\n', 1, true), 'written done')
    nv:keys(':')
    nv:type('Stance delete')
    screen = nv:key('Enter', has('this is a list'), 'told to go back')
    assert.falsy(has('E5108')(screen), tmux.plain(screen))
  end)
end)
