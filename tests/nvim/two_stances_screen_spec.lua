-- Two stances of one annotator toward one target over the very same text (favor, then against
-- of one sentence: a stray second create) are said on the screen (tmux, the study's schema,
-- stances favor and against only) the moment the second is made: agreement and the exports
-- count only one of them. The same text toward another target is no contradiction: nothing said.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

describe('two stances of yours over one text', function()
  after_each(T.cleanup)

  it('are said when the second is made, naming both and the key that deletes one', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = T.tmux({ DOC }, { cwd = d, width = 200, height = 40, ready = 'Doug Bandow',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    local said = 'this text is now both favor and against toward engagement in your layer'
    tmux.driving_to_quit(nv, function()
      nv:keys(':call search("sensitive")', 'Enter')
      nv:key('gsis', '1 engagement-favor', 'the label question')
      nv:key('1', 'role:', 'the role question')
      local screen = nv:key('c', tmux.colored('sensitive'), 'annotated favor')
      assert.is_nil(tmux.plain(screen):find(said, 1, true))
      -- the same sentence toward another target: no contradiction
      nv:key('gsis', '1 engagement-favor', 'the label question')
      nv:key('4', 'role:', 'the role question')
      nv:key('c', function(sc) return not tmux.plain(sc):find('role:', 1, true) end, 'sanctions against made')
      vim.loop.sleep(300)
      assert.is_nil(tmux.plain(nv:screen()):find(said, 1, true))
      -- against toward engagement over the very same text
      nv:key('gsis', '1 engagement-favor', 'the label question')
      nv:key('2', 'role:', 'the role question')
      screen = nv:key('c', tmux.has(said), 'the contradiction said')
      tmux.one_line(nv, screen, said, said .. ': agreement counts one of them; delete the one not meant '
        .. '(gX on it)')
      local n = nv:lua([[return #require('stance.editor.session').get().store:records('annotation')]])
      assert.are.equal(3, n)
      assert.is_nil((nv:deprecated()))
    end)
  end)
end)
