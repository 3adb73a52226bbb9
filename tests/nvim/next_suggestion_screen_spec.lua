-- :Stance next-suggestion on the screen (tmux, read right after each key), on the real study
-- (../shared/study, stances favor and against only): before any suggestion it says to run
-- :Stance suggest; in a document whose every sentence is labelled (done) it says that nothing
-- is left to ask, toward which targets, never "run :Stance suggest first". Each Neovim of the
-- matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DONE = '000_6358a7516b2472dd.txt' -- marked done in our annotation: every sentence decided
local UNREAD = '004_e35aa5ebcc029514.txt'

describe(':Stance next-suggestion on the screen', function()
  after_each(T.cleanup)

  it('says "run :Stance suggest first" before suggestions, "nothing left to ask" when every sentence is labelled',
    function()
      if not T.shared then return pending('../shared/study and ../shared/corpus are not here') end
      local d = require('helpers.study').annotated(UNREAD)
      local nv = tmux.open({ DONE }, { cwd = d, width = 200, ready = 'Should Offer Diplomatic',
        init = "require('stance').setup({ annotator = 'tester' })" })
      tmux.driving_to_quit(nv, function()
        nv:keys(':Stance next-suggestion', 'Enter')
        local screen = nv:wait('no suggestions made yet', 'no suggestions yet')
        tmux.one_line(nv, screen, 'no suggestions made yet for this document: run :Stance suggest first',
          'no suggestions made yet for this document: run :Stance suggest first')
        nv:keys(':Stance suggest', 'Enter')
        nv:wait('0 suggestion(s), learnt from', 'the suggestions made: none here', 60)
        nv:keys(':Stance next-suggestion', 'Enter')
        screen = nv:wait('nothing left to ask', 'what is true of the document')
        local whole = 'nothing left to ask: every sentence of ' .. DONE .. ' is labelled or decided toward '
          .. 'engagement, sanctions, human-rights, denuclearization-first'
        tmux.one_line(nv, screen, 'nothing left to ask: every sentence of ' .. DONE, whole)
        assert.is_nil(tmux.plain(screen):find('suggest first', 1, true), tmux.plain(screen))
        -- the suggestions for one target: said toward that one
        nv:keys(':Stance suggest sanctions', 'Enter')
        nv:wait('0 suggestion(s), learnt from', 'the suggestions for sanctions', 60)
        nv:keys(':Stance next-suggestion', 'Enter')
        screen = nv:wait('labelled or decided toward sanctions', 'toward sanctions')
        tmux.one_line(nv, screen, 'nothing left to ask: every sentence of ' .. DONE,
          'nothing left to ask: every sentence of ' .. DONE .. ' is labelled or decided toward sanctions')
      end)
    end)

  it('g- then next-suggestion at once: the question stays on the screen (or it says it waits), g+ accepts it',
    function()
      if not T.shared then return pending('../shared/study and ../shared/corpus are not here') end
      local d = require('helpers.study').annotated(UNREAD)
      local nv = tmux.open({ UNREAD }, { cwd = d, width = 160, ready = 'Washington Post',
        init = "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true" })
      -- the question the message asks ("Is it engagement favor (0.05)?"), and whether its
      -- ghost ("engagement favor 0.05?", a guess or not) is on the screen
      local function asked(screen)
        local plain = tmux.plain(screen)
        local what, p = plain:match('Is it (%S+ %S+) %((%d%.%d%d)%)%? g%+ accepts it, g%- rejects it%.')
        return what, p, what and plain:find(what .. ' ' .. p .. '?', 1, true) ~= nil
      end
      local waiting = 'the model is learning from your last change: a moment'
      tmux.driving_to_quit(nv, function()
        nv:keys(':Stance suggest 0.2', 'Enter')
        nv:wait('suggestion(s), learnt from', 'the suggestions', 60)
        nv:key(':Stance next-suggestion', nil)
        nv:key('Enter', 'g+ accepts it, g- rejects it.', 'the first question')
        -- its ghost on the screen too (before Neovim 0.10 a ghost under its line is placed in the
        -- screen update right after the one that writes the question: seen in CI on 0.7.2)
        nv:wait(function(sc) return select(3, asked(sc)) end, 'the first question with its ghost', 5)
        local screen
        -- g-, and at once the next question (no key in between, no pause)
        nv:tmux('send-keys', '-t', nv.name, 'g-', ':Stance next-suggestion', 'Enter')
        local ok, e = pcall(nv.wait, nv, function(sc)
          return tmux.plain(sc):find(waiting, 1, true) or (asked(sc) and not tmux.plain(sc):find('rejected:', 1, true))
        end, 'the next question, or that it waits')
        -- (what was said, when it fails: the screen alone did not tell once, its middle cut)
        if not ok then error(tostring(e) .. '\n:messages:\n' .. nv:lua("return vim.fn.execute('messages')"), 0) end
        -- for 3 s: either it says it waits, or the question asked has its ghost on the screen
        -- (waited for a moment: before Neovim 0.10 a ghost under its line is placed right after
        -- the screen update that writes the question)
        local function question(sc)
          local w, p, here = asked(sc)
          return here and w .. ' ' .. p
        end
        local function consistent(sc)
          return tmux.plain(sc):find(waiting, 1, true) or question(sc)
        end
        local last
        for _ = 1, 10 do
          screen = nv:wait(consistent, 'the question with its ghost, or that it waits', 5)
          if tmux.plain(screen):find(waiting, 1, true) then
            tmux.one_line(nv, screen, waiting, waiting .. ' (then it goes on)')
          else
            last = question(screen)
          end
          vim.loop.sleep(300)
        end
        -- (on a loaded machine the model may take longer)
        if not last then last = question(nv:wait(question, 'the question after the wait')) end
        screen = nv:wait(question, 'the question still there')
        assert.are.equal(last, question(screen))
        assert.is_nil(tmux.plain(screen):find('no suggestion under the cursor', 1, true))
        -- g+ accepts what is shown: its label, then the role asked
        local what = last:match('^(%S+ %S+)')
        nv:key('g', nil)
        nv:key('+', 'role:', 'the role prompt')
        nv:key('c', 'accepted: ' .. what:gsub(' ', '-'), 'the question accepted')
        nv:keys(':wa', 'Enter')
        assert.is_nil((nv:deprecated()))
      end)
    end)

  it('its wait is dropped when the user does something else: Visual mode, another buffer (never a jump later)',
    function()
      local d = require('helpers.study').annotated(UNREAD)
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local nv = tmux.open({ UNREAD, DONE }, { cwd = d, width = 160, ready = 'Washington Post',
        init = "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true vim.o.hidden = true" })
      tmux.driving_to_quit(nv, function()
        nv:keys(':Stance suggest 0.2', 'Enter')
        nv:wait('suggestion(s), learnt from', 'the suggestions', 60)
        nv:key(':Stance next-suggestion', nil)
        nv:key('Enter', 'g+ accepts it, g- rejects it.', 'the first question')
        -- Visual mode at once after asking: the retraining ends, the cursor stays where v was typed
        local before = nv:lua('return vim.api.nvim_win_get_cursor(0)')
        nv:tmux('send-keys', '-t', nv.name, 'g-', ':Stance next-suggestion', 'Enter', 'v')
        nv:wait(function(screen) return screen:find('-- VISUAL --', 1, true) end, 'Visual mode')
        vim.loop.sleep(4000)
        local st = nv:lua("return { mode = vim.api.nvim_get_mode().mode, cur = vim.api.nvim_win_get_cursor(0) }")
        assert.are.equal('v', st.mode)
        assert.are.same(before, st.cur)
        nv:keys('Escape')
        -- another buffer at once, back a while later: no jump on the way back
        nv:tmux('send-keys', '-t', nv.name, 'g-', ':Stance next-suggestion', 'Enter', ':bnext', 'Enter')
        vim.loop.sleep(3000)
        nv:keys(':bprevious', 'Enter')
        local back = nv:lua('return vim.api.nvim_win_get_cursor(0)')
        vim.loop.sleep(4000)
        assert.are.same(back, nv:lua('return vim.api.nvim_win_get_cursor(0)'))
      end)
    end)

  it('the suggestions say a colleague\'s broken layer file once, with file:line:col, however often they are made',
    function()
      if not T.shared then return pending('../shared/study and ../shared/corpus are not here') end
      local d = require('helpers.study').annotated(UNREAD)
      local B = require('helpers.broken_layers')
      local broken = B.DOCS[3]
      B.copy(d, 'ben', { broken })
      B.cut_in_note(B.path(d, 'ben', broken))
      local file = B.path(d, 'ben', broken)
      local annfile = require('stance.annfile')
      local _, problems = require('stance.core').read(T.read(file))
      local where, n = annfile.first_error(file, problems, d)
      local whole = annfile.errors_said('ben', where, n, ('left out of %s: none of it learnt (stance check lists them)')
        :format(broken))
      local start = "suggestions: ben's file has " .. n .. ' error(s), the first at .stance/annotations/ben/' .. broken
        .. '.stance:'
      local nv = tmux.open({ UNREAD }, { cwd = d, width = 200, ready = 'Washington Post',
        init = "require('stance').setup({ annotator = 'tester' })" })
      tmux.driving_to_quit(nv, function()
        nv:keys(':Stance suggest', 'Enter')
        -- said on one line (whole in :messages), after the count of the suggestions
        local screen = nv:wait(tmux.has('(stance) ' .. start), 'the broken file said', 60)
        tmux.one_line(nv, screen, start, 'suggestions: ' .. whole)
        -- made again: the count said, the file not again
        nv:keys(':Stance suggest 0.9', 'Enter')
        nv:wait('suggestion(s), learnt from', 'the suggestions made again', 60)
        vim.loop.sleep(300)
        assert.is_nil(tmux.plain(nv:screen()):find(start, 1, true), tmux.plain(nv:screen()))
        local _, times = nv:lua("return vim.fn.execute('messages')"):gsub(start:gsub('%p', '%%%0'), '')
        assert.are.equal(1, times)
      end)
    end)
end)
