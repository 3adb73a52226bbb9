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
      nv:key('Enter', 'g+ accepts it, g- rejects it.', 'next-suggestion')
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
      -- and a message says so (one line), as for g-
      screen = nv:wait('accepted: ' .. it.target .. '-' .. it.class, 'the acceptance said')
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
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
  run('accepting a suggestion out of reading order leaves the skipped sentences above it unread', function()
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && cp -r %s %s/.stance/annotations/')
      :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d),
        T.q(T.root .. '/tests/fixtures/study/annotations/fixture'), T.q(d)))
    local doc = '004_e35aa5ebcc029514.txt'
    os.remove(d .. '/.stance/annotations/fixture/' .. doc .. '.stance') -- nobody has read it
    local nv = tmux.open({ doc }, { cwd = d, width = 120, height = 40, ready = 'Washington Post',
      init = "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true" })
    local ok, err = pcall(function()
      nv:keys(':Stance suggest', 'Enter')
      nv:wait('suggestion(s)', 'the suggestions', 60)
      -- a ghost with another ghost's sentence above it, as :Stance next-suggestion may jump to;
      -- the window shows both (the one above on its top rows)
      local pick = nv:lua([[
        local s = require('stance.editor.session').get()
        local where = require('stance.editor.where')
        local list, pick = s.suggestions, nil
        -- whether the ghost of g is drawn whole (at the end of its line's last screen row)
        local function whole(g)
          local row, col = where.pos(s.buf, g.stop)
          local line = vim.api.nvim_buf_get_lines(s.buf, row, row + 1, false)[1]
          local label = ('%s %s %.2f?'):format(g.target, g.class, g.p)
          return vim.fn.strdisplaywidth(line:sub(1, col)) % vim.api.nvim_win_get_width(0) + #label + 4
            <= vim.api.nvim_win_get_width(0)
        end
        for i = 2, #list do
          local j = i - 1
          while j > 0 and list[j].sentence == list[i].sentence do j = j - 1 end
          -- the first ghost of that sentence (the likeliest: drawn first)
          while j > 1 and list[j - 1].sentence == list[j].sentence do j = j - 1 end
          if j > 0 and not pick and whole(list[j]) then
            local row = where.pos(s.buf, list[i].start)
            local above = where.pos(s.buf, list[j].start)
            if row - above < 12 and row > above then pick = { i = i, j = j, above = above } end
          end
        end
        local it, prev = list[pick.i], list[pick.j]
        vim.api.nvim_win_set_cursor(0, { pick.above + 1, 0 })
        vim.cmd('normal! zt')
        require('stance.editor.where').jump(it.start)
        local before = 0
        for _, x in ipairs(s.predictions) do
          if x.stop <= it.start then before = before + 1 end
        end
        return { above = ('%s %s 0.'):format(prev.target, prev.class), start = it.start, before = before }]])
      assert.is_true(pick.before > 0)
      local function above_cursor(screen, text)
        local row = nv:lua('return vim.fn.winline()')
        for i, l in ipairs(tmux.rows(screen)) do
          if i < row and tmux.plain(l):find(text, 1, true) then return true end
        end
        return false
      end
      local screen = nv:keys(':echo ""', 'Enter')
      assert.is_true(above_cursor(screen, pick.above), tmux.plain(screen))
      nv:key('g', nil)
      nv:key('+', 'role:', 'the role prompt')
      nv:key('c', function(sc) return not tmux.plain(sc):find('role:', 1, true) end, 'the question gone')
      -- suggested again (after the retraining the acceptance starts): the ghost above is
      -- still there, and every sentence above is still unread
      nv:keys(':Stance suggest', 'Enter')
      nv:wait(function(sc)
        return tmux.plain(sc):find('suggestion(s)', 1, true) and above_cursor(sc, pick.above)
      end, 'the ghost above the accepted sentence after the suggestions came again', 60)
      local unread = nv:lua(([[
        local s = require('stance.editor.session').get()
        local n = 0
        for _, x in ipairs(s.predictions) do
          local known = false
          for _, p in pairs(x.targets) do known = known or p.known ~= nil end
          if x.stop <= %d and not known then n = n + 1 end
        end
        return n]]):format(pick.start))
      assert.are.equal(pick.before, unread)
      nv:keys(':wa', 'Enter')
      assert.is_nil((nv:deprecated()))
      nv:quit()
      -- on disk: the accepted annotation keeps the model's probability as its confidence
      local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/tester/' .. doc .. '.stance'))))
      local rec = store:records('annotation')[1]
      assert.truthy(tonumber(rec.confidence), 'a confidence')
    end)
    nv:close()
    assert(ok, err)
  end)
  run('say how little the model learnt from: in the message, on a ghost of a rare stance, in the summary', function()
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && cp -r %s %s/.stance/annotations/')
      :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d),
        T.q(T.root .. '/tests/fixtures/study/annotations/fixture'), T.q(d)))
    -- two documents annotated, as a team starts
    for _, f in ipairs({ '002_c6bce5e05bd0fd45', '003_7e305a588b2246b7', '004_e35aa5ebcc029514' }) do
      os.remove(d .. '/.stance/annotations/fixture/' .. f .. '.txt.stance')
    end
    local doc = '004_e35aa5ebcc029514.txt'
    local nv = tmux.open({ doc }, { cwd = d, width = 200, height = 40, ready = 'Washington Post',
      init = "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true" })
    local ok, err = pcall(function()
      nv:keys(':Stance suggest 0', 'Enter')
      local screen = nv:wait('suggestion(s)', 'the suggestions', 60)
      local res = nv:lua([[
        local s = require('stance.editor.session').get()
        local few
        for _, g in ipairs(s.suggestions) do
          local n = s.suggest_res.examples[g.target][g.class]
          if n < 20 and not few then
            few = { label = ('%s %s %.2f? (%d example%s)'):format(g.target, g.class, g.p, n, n == 1 and '' or 's'),
              start = g.start }
          end
        end
        require('stance.editor.where').jump(few.start)
        return { few = few, learnt = s.suggest_res.learnt,
          sanctions = ('sanctions against %d none %d'):format(s.suggest_res.examples.sanctions.against,
            s.suggest_res.examples.sanctions.none) }]])
      -- the message: how many sentences, and per target the examples of each stance
      local msg = tmux.plain(screen):match('stance: %d+ suggestion%(s%)[^\n]*')
      assert.truthy(msg and msg:find(('learnt from %d sentences: engagement favor '):format(res.learnt), 1, true),
        tmux.plain(screen))
      assert.truthy(msg:find(res.sanctions, 1, true), msg)
      -- a ghost of a stance seen fewer than 20 times says how many
      screen = nv:keys(':echo ""', 'Enter')
      assert.truthy(tmux.plain(screen):find(res.few.label, 1, true), tmux.plain(screen))
      -- :Stance summary ends with the same counts
      nv:keys(':Stance summary', 'Enter')
      screen = nv:wait('suggestions learnt from', 'the summary', 20)
      assert.truthy(tmux.plain(screen):find(res.sanctions, 1, true), tmux.plain(screen))
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
      assert.is_nil((nv:deprecated()))
      nv:quit()
    end)
    nv:close()
    assert(ok, err)
  end)

  -- tryout15 #3: on 0.7.2 a ghost after a long wrapped paragraph was cut at the window's edge
  -- (`…forward as well.  engagement`); before 0.10 ghosts go as labels do (:help
  -- stance-relations): after the line when their sentence ends it and they fit, else under it
  local old = T.shared and vim.fn.has('nvim-0.10') == 0 and it or pending
  old('before Neovim 0.10 the ghosts after a wrapped paragraph show whole at 100 columns, under it', function()
    local doc = '003_7e305a588b2246b7.txt'
    local d = require('helpers.study').annotated(doc) -- nobody has read doc
    local nv = tmux.open({ doc }, { cwd = d, width = 100, height = 40, ready = 'Modest Proposal',
      init = "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true" })
    tmux.driving_to_quit(nv, function()
      nv:keys(':Stance suggest 0.2', 'Enter')
      nv:wait('suggestion(s)', 'the suggestions', 60)
      -- the paragraph whose ghost was cut, at the top of the window
      nv:keys('/official ties might also', 'Enter', '{', 'j', 'z', 't', ':echo ""', 'Enter')
      -- the ghosts of the sentences of the paragraph at the top (their whole text, as drawn)
      local ghosts = nv:lua([[
        local s = require('stance.editor.session').get()
        local where = require('stance.editor.where')
        local top = vim.fn.line('w0') - 1
        local out = {}
        for _, g in ipairs(s.suggestions) do
          local row = where.pos(s.buf, g.stop)
          if row == top then
            local line = vim.api.nvim_buf_get_lines(s.buf, row, row + 1, false)[1]
            local ex = s.suggest_res.examples[g.target][g.class]
            out[#out + 1] = { label = ('%s %s %.2f?'):format(g.target, g.class, g.p)
              .. (ex < 20 and (' (%d example%s)'):format(ex, ex == 1 and '' or 's') or ''),
              width = vim.fn.strdisplaywidth(line) }
          end
        end
        return out]])
      assert.is_true(#ghosts > 0)
      local screen = nv:screen()
      local rows = tmux.rows(screen)
      -- its ghosts would not fit after it, in what its last screen row leaves (Neovim 0.7 cut
      -- them there)
      local after = ghosts[1].width % 100
      for _, g in ipairs(ghosts) do
        after = after + #g.label + 2
      end
      assert.is_true(after > 100, tmux.plain(screen))
      for _, g in ipairs(ghosts) do
        -- whole on one row: in a line under the paragraph ("  ⤷ …words ghost")
        local found
        for _, row in ipairs(rows) do
          local plain = tmux.plain(row)
          if plain:find(g.label, 1, true) then found = plain end
        end
        assert.is_not_nil(found, g.label .. ' not whole on the screen:\n' .. tmux.plain(screen))
        assert.truthy(found:find('^  ⤷ …'), found)
      end
    end)
  end)
end)
