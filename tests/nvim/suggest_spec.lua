-- Suggestions as an annotator sees them: Neovim in tmux on the study (../shared/study's schema,
-- our annotation of four of the five articles, tests/fixtures/study), the fifth article
-- opened, `:Stance suggest`, then g+ and g- on ghosts; the screen read (with its colors) right
-- after each key, with no redraw key in between; then the files on disk.
local T = require('helpers')
local tmux = require('helpers.tmux')

local count = tmux.count

describe('suggestions in a terminal', function()
  after_each(T.cleanup)

  local run = T.shared and it or pending
  run('show ghosts for the study schema, and g+ makes a complete annotation, g- a rejection', function()
    local doc = '004_e35aa5ebcc029514.txt'
    local d = require('helpers.study').annotated(doc) -- nobody has read doc
    local nv = tmux.open({ doc }, { cwd = d, width = 120, ready = 'Washington Post',
      init = "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true" })
    local ok, err = pcall(function()
      nv:keys(':Stance suggest', 'Enter')
      nv:wait('suggestion(s)', 'the suggestions', 60)
      -- next-suggestion: the model's guesses where it would learn most
      nv:key(':Stance next-suggestion', nil)
      nv:key('Enter', 'most to learn here:', 'next-suggestion')
      -- to the first suggestion (as a motion would): its ghost, target, stance and probability,
      -- in the target's color, with no "Press ENTER"
      local it = nv:lua([[
        local x = require('stance.editor.session').get().suggestions[1]
        require('stance.editor.where').jump(x.start)
        local hl = require('stance.editor.highlight')
        local compat = require('stance.compat')
        return { target = x.target, class = x.class, label = ('%s %s %.2f?'):format(x.target, x.class, x.p),
          ink = compat.hl_colors(hl.ghost_group(x.target)).ctermfg,
          target_ink = compat.hl_colors(hl.target_group(x.target)).ctermfg,
          tint = compat.hl_colors(hl.stance_group(x.class)).ctermbg }]])
      local screen = nv:keys(':echo ""', 'Enter')
      local shown = count(screen, it.label)
      assert.is_true(shown >= 1, tmux.plain(screen))
      -- the ghost in the target's color (its ink in 256 colors, as its underline is drawn)
      assert.is_number(it.ink)
      assert.are.equal(it.target_ink, it.ink)
      local style = tmux.style_of(tmux.row(screen, it.label), it.label)
      assert.are.equal(it.ink, style.fg, tmux.row(screen, it.label))
      assert.is_true(style.italic == true)
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
      -- g+: the role this label asks for, with one key
      nv:key('g', nil)
      screen = nv:key('+', 'role:', 'the role prompt')
      assert.truthy(tmux.plain(screen):find('c claim', 1, true), tmux.plain(screen))
      -- right after the key, with no other key: the question gone, the annotation drawn in its
      -- stance's color, its ghost gone (waited for: Neovim 0.10 sends the cleared command
      -- line to the terminal on its own, before the screen update that draws the rest)
      assert.is_number(it.tint)
      local tint = '[[;]48;5;' .. it.tint .. '[;m]'
      assert.is_nil(screen:find(tint), tmux.plain(screen))
      nv:key('c', function(s)
        return not tmux.plain(s):find('role:', 1, true) and s:find(tint) and count(s, it.label) == shown - 1
      end, 'the question gone, the annotation drawn in its stance\'s tint and its ghost gone')
      -- g- on another suggestion: its ghost goes at once
      local other = nv:lua([[
        local x = require('stance.editor.session').get().suggestions[1]
        require('stance.editor.where').jump(x.start)
        return ('%s %s %.2f?'):format(x.target, x.class, x.p)]])
      screen = nv:keys(':echo ""', 'Enter')
      local before = count(screen, other)
      assert.is_true(before >= 1, tmux.plain(screen))
      nv:key('g', nil)
      nv:key('-', function(s) return count(s, other) == before - 1 end, 'the ghost to go')
      -- and a message says so (one line)
      screen = nv:wait('rejected: ' .. other:gsub('%?$', ''), 'the rejection said')
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
      assert.are.equal(before - 1, count(screen, other))
      nv:keys(':wa', 'Enter')
      -- nothing deprecated called on the way (Neovim 0.11's own report)
      assert.is_nil((nv:deprecated()))
      nv:quit()
      -- the files: a complete annotation of the study schema, and the rejection in the model layer
      local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/tester/' .. doc .. '.stance'))))
      local rec = store:records('annotation')[1]
      assert.are.same({ it.target .. '-' .. it.class, it.target, it.class, 'claim' },
        { rec.label, rec.target, rec.stance, rec.role })
      local model = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/model/' .. doc .. '.stance'))))
      local rej = model:records('annotation')[1]
      assert.truthy(rej.note:find('^rejected by tester'))
      assert.truthy(rej.target and rej.stance)
    end)
    nv:close()
    assert(ok, err)
  end)
end)
