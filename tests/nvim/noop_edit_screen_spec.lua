-- An edit that changes no field is no change (the team's workflow on the study: `:Stance edit
-- role claim` on a claim marked the record `modified`, and a collaborator's edit of its role
-- then conflicted at the pull): nothing written, no `modified`, no undo step, a message that
-- says nothing changed; by :Stance edit, by the relabel key with the same answers, by a
-- note written as it was, by :Stance doc with the stance it has. A real edit still is one. Neovim in tmux on the study
-- of ../shared, the screen read right after each key, then the file.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

describe('an edit that changes nothing, in a terminal', function()
  after_each(T.cleanup)

  it('says so and writes nothing: :Stance edit, gS answered the same, :Stance doc', function()
    local study = require('helpers.study')
    local d = study.with_layer('ben', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local path = d .. '/.stance/annotations/ben/' .. DOC .. '.stance'
    local before = T.read(path)
    local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'ben', autosave = { delay = 50 } })" })
    tmux.driving(nv, function()
      nv:wait(has('Trump Should Offer'), 'the document')
      nv:keys('gg', ']a')
      local function unchanged(what)
        local screen = nv:wait(has('nothing changed: engagement-favor → engagement favor claim "Doug Bandow" is so already'), what)
        assert.is_nil(tmux.plain(screen):find('edited:', 1, true), tmux.plain(screen))
        assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
        assert.are.equal(0, nv:lua("return #require('stance.editor.session').get().undo"))
        nv:keys(':echo ""', 'Enter')
      end
      nv:keys(':Stance edit role claim')
      nv:key('Enter', nil)
      unchanged(':Stance edit role claim')
      nv:keys(':Stance edit label engagement-favor role claim')
      nv:key('Enter', nil)
      unchanged(':Stance edit label engagement-favor role claim')
      nv:key('gS', nil)
      nv:key('1', has('role'), 'the role asked')
      nv:key('c', nil)
      unchanged('gS 1 c')
      -- its note (it has none) written empty: nothing changed
      nv:key('gC', nil)
      nv:keys(':w')
      nv:key('Enter', has('(stance) nothing changed: the note is as it was'), 'the note written as it was')
      assert.are.equal(0, nv:lua("return #require('stance.editor.session').get(vim.fn.bufnr('" .. DOC .. "')).undo"))
      nv:keys(':q', 'Enter')
      nv:keys(':Stance doc favor engagement')
      nv:key('Enter', nil)
      nv:keys(':Stance doc favor engagement')
      nv:key('Enter', has('nothing changed: document stance toward engagement: favor'), ':Stance doc again')
      nv:keys(":lua require('stance.editor.persist').save(require('stance.editor.session').get(), { force = true })",
        'Enter')
      nv:settle(300)
      local after = T.read(path)
      assert.is_nil(after:find('\n  modified ', 1, true), after)
      -- only the document stance was added
      assert.are.equal(before, (after:gsub('\ndoclabel [^\n]*\n[^\n]*\n[^\n]*\n[^\n]*\n', '', 1)))
      -- a real edit is one still
      nv:keys(':Stance edit role premise')
      nv:key('Enter', has('edited: engagement-favor → engagement favor premise "Doug Bandow"'), 'a real edit')
      -- (the document stance, then this edit)
      assert.are.equal(2, nv:lua("return #require('stance.editor.session').get().undo"))
    end)
  end)
end)
