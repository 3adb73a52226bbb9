-- :Stance next-suggestion brings the ghost it asks about into view (tmux, read right after the
-- key, no redraw key in between): on 0.7.2 the jump put the cursor on the window's last row and
-- the question's ghost, on a virtual line under it, stayed off the screen until `zz`. The
-- sentence it asks about is put just below the window first, so that the jump scrolls to
-- it. On the study (our annotation of four articles, the fifth unread); each Neovim of the
-- matrix.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '004_e35aa5ebcc029514.txt'

describe(':Stance next-suggestion', function()
  after_each(T.cleanup)

  it('scrolls so that the ghost it asks about is on the screen', function()
    if not T.shared then return pending('../shared/study and ../shared/corpus are not here') end
    local d = require('helpers.study').annotated(DOC)
    local nv = tmux.open({ DOC }, { cwd = d, width = 100, height = 20, ready = 'Washington Post',
      env = { STANCE_ANNOTATOR = 'ana' }, init = 'vim.o.wrap = true' })
    tmux.driving_to_quit(nv, function()
      nv:keys(':Stance suggest 0.95')
      nv:key('Enter', 'suggestion(s), learnt from', 'the suggestions')
      -- where it goes (as it chooses: the sentence whose label would teach most), not asked yet:
      -- its ghost is made by the jump
      local q = nv:lua([[
        local s = require('stance.editor.session').get()
        local sg = require('stance.editor.suggest')
        local best, most
        for _, it in ipairs(s.predictions) do
          local info = it.prose and sg.information(it, s.suggest_res) or 0
          if info > 0 and (not most or info > most) then best, most = it, info end
        end
        return { row = require('stance.editor.where').pos(s.buf, best.stop) + 1 }]])
      assert.is_true(q.row > 3, 'the question is on line ' .. q.row .. ': too near the top for this test')
      -- the view with that line on the window's last rows, its last row the window's last (the
      -- cursor at the top): the jump does not scroll, and the line the ghost is drawn on comes
      -- after (zb on its end, at a window height found by 'cmdheight', then H)
      local found = nv:lua([[
        local row = ...
        for ch = 1, 8 do
          vim.o.cmdheight = ch
          vim.api.nvim_win_set_cursor(0, { row, math.max(0, #vim.fn.getline(row) - 1) })
          vim.cmd('normal! zb')
          vim.cmd('redraw')
          if vim.fn.winline() == vim.fn.winheight(0) then
            vim.cmd('normal! H')
            return true
          end
        end
        return false]], q.row)
      assert.is_true(found, 'no window height with line ' .. q.row .. ' ending on its last row')
      nv:keys(':echo ""', 'Enter')
      nv:keys(':Stance next-suggestion')
      local label
      local screen = nv:key('Enter', function(sc)
        label = label or nv:lua([[
          local s = require('stance.editor.session').get()
          local a = s.asked
          for _, g in ipairs(a and s.suggestions or {}) do
            if g.cp[1] == a.cp and g.target == a.target then return ('%s %s %.2f?'):format(g.target, g.class, g.p) end
          end]])
        return label and tmux.plain(sc):find('g+ accepts it', 1, true) and tmux.plain(sc):find(label, 1, true)
      end, 'the question and its ghost on the screen')
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
      -- the cursor on the sentence asked about, on the screen
      assert.are.equal(q.row, nv:lua("return vim.fn.line('.')"))
    end)
  end)
end)
