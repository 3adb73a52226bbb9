-- What a political-science student's tryout of the editor found on the study
-- (../shared/study, ../shared/corpus), read on the screen (tmux) right after each key with no
-- redraw key in between: one-line messages after `:Stance edit`; every target of the schema
-- in `:Stance summary`, those without an annotation with zeros; no ghost left on a sentence
-- annotated again by <C-r> while another window took the cursor; :Stance search and kwic
-- answering from the buffer of a document open with unsaved changes (hits and places).
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- The study with ana's layer on DOC: two sentences toward engagement and sanctions (none
--- toward human-rights or denuclearization-first); nil without ../shared.
local function study()
  return require('helpers.study').with_layer('ana', DOC, {
    { sentence = 1, label = 'engagement-favor', role = 'premise' },
    { sentence = 3, label = 'sanctions-against', role = 'premise' },
  })
end

local driving = tmux.driving

local function start(d)
  return T.tmux({ DOC }, { cwd = d, width = 120, height = 40, ready = DOC,
    init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
end

local count = tmux.count

describe('the tryout of a political-science student', function()
  after_each(T.cleanup)

  it('leaves no ghost on a sentence annotated again by <C-r> when :Stance summary takes the cursor at once', function()
    if not T.shared then return pending('../shared/corpus is not here') end
    local doc = '004_e35aa5ebcc029514.txt'
    local d = require('helpers.study').annotated(doc) -- nobody has read doc
    local nv = tmux.open({ doc }, { cwd = d, width = 120, height = 40, ready = 'Washington Post',
      init = "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true" })
    driving(nv, function()
      nv:keys(':Stance suggest', 'Enter')
      nv:wait('suggestion(s)', 'the suggestions', 60)
      local label = nv:lua([[
        local x = require('stance.editor.session').get().suggestions[1]
        require('stance.editor.where').jump(x.start)
        return ('%s %s %.2f?'):format(x.target, x.class, x.p)]])
      local screen = nv:keys(':echo ""', 'Enter')
      local shown = count(screen, label)
      assert.is_true(shown >= 1, tmux.plain(screen))
      nv:key('g', nil)
      nv:key('+', has('role:'), 'the role prompt')
      nv:key('p', function(sc) return count(sc, label) == shown - 1 end, 'accepted: its ghost gone')
      -- u: the annotation goes, and the model (learning again) suggests it again
      nv:key('u', function(sc) return count(sc, label) == shown end, 'the ghost back after u', 60)
      -- <C-r>, then the summary at once (it takes the cursor), then q
      nv:key('C-r', nil)
      nv:keys(':Stance summary')
      nv:key('Enter', has('stance of ' .. doc), 'the summary')
      -- the sentence is annotated: its ghost is gone (the document is shown beside the summary),
      -- and stays gone once the model learnt again
      nv:wait(function(sc) return count(sc, label) == shown - 1 end, 'the ghost gone after <C-r>')
      nv:key('q', function(sc) return not has('stance of ' .. doc)(sc) end, 'the summary closed')
      nv:wait(function() return nv:lua([[return require('stance.editor.session').get().suggest_job == nil]]) end,
        'the model learnt again', 60)
      screen = nv:keys(':echo ""', 'Enter')
      assert.are.equal(shown - 1, count(screen, label))
    end)
  end)

  it(':Stance search and :Stance kwic answer from the buffer of a document with unsaved changes', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local doc = '004_e35aa5ebcc029514.txt'
    local nv = T.tmux({ doc }, { cwd = d, width = 120, height = 40, ready = doc,
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    driving(nv, function()
      -- indexed as saved first (a search before the edit)
      nv:keys(':Stance search antagonize')
      nv:key('Enter', has('|30 col 198|'), 'the hit in the file')
      nv:keys('C-w', 'p', ':setlocal modifiable noreadonly', 'Enter')
      nv:keys('g', 'g', 'O')
      nv:type('A zebracorn line.')
      nv:key('Escape', has('A zebracorn line.'), 'a line added, not written')
      nv:keys(':Stance search zebracorn')
      local screen = nv:key('Enter', has('|1 col 3| A zebracorn line.'), 'the hit in the unsaved line')
      assert.falsy(has('no hit for zebracorn')(screen), tmux.plain(screen))
      nv:keys(':Stance search antagonize')
      nv:key('Enter', has('|31 col 198|'), 'the hit where the buffer has it')
      -- <CR> in the quickfix list: the line of the buffer that holds it
      nv:key('Enter', function() return nv:lua('return vim.fn.line(".")') == 31 end, 'the jump')
      assert.truthy(nv:lua([[return vim.api.nvim_get_current_line()]]):find('antagonize', 1, true))
      -- the concordance too
      nv:keys(':cclose', 'Enter', 'g', 'g', ':Stance kwic antagonize')
      nv:key('Enter', has('  antagonize  '), 'the concordance')
      assert.are.equal(31, nv:lua('return vim.b.stance_kwic[1].line'))
      nv:key('Enter', function() return nv:lua('return vim.fn.line(".")') == 31 end, 'the jump from the concordance')
    end)
  end)

  it(':Stance edit says what it changed, on one line', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    driving(start(d), function(nv)
      nv:wait(has('Trump Should Offer'), 'the document')
      nv:keys(':Stance edit role claim')
      local screen = nv:key('Enter', has('edited: engagement-favor'), 'the edit said')
      assert.truthy(has('claim "Trump Should Offer')(screen), tmux.plain(screen))
      assert.falsy(has('Press ENTER')(screen), tmux.plain(screen))
    end)
  end)

  it(':Stance summary lists every target of the schema, with zeros where nothing is annotated', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    driving(start(d), function(nv)
      nv:keys(':Stance summary')
      local screen = nv:key('Enter', has('denuclearization-first: favor 0 (0%), against 0 (0%)'), 'the summary')
      assert.truthy(has('human-rights: favor 0 (0%), against 0 (0%)')(screen), tmux.plain(screen))
      assert.truthy(has('engagement: favor 1 (100%), against 0 (0%)')(screen), tmux.plain(screen))
      assert.falsy(has('no annotation with a stance yet')(screen), tmux.plain(screen))
    end)
  end)
end)
