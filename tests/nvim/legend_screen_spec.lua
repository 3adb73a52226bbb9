-- :Stance legend on the screen (tmux, 160 columns and rows for all of it, the study's schema: labels as long as
-- "denuclearization-first-against"): every line of the legend whole in its window, alone
-- and once :Stance summary opened beside it made it narrower (tryout15 #10d: its longest
-- lines were cut at the window's edge, "… denuclearization-first favor, asks rol").
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

--- The text the legend's window shows (its columns of every screen row), and the legend's
--- lines, each with no blanks: a line wrapped at a blank or after a "-" reads the same.
local function legend_text(nv, screen)
  local at = nv:lua([[
    local win = vim.fn.bufwinid('stance://legend')
    local pos = vim.api.nvim_win_get_position(win)
    local s = require('stance.editor.session').get(vim.fn.bufnr(']] .. DOC .. [['))
    return { row = pos[1], col = pos[2], width = vim.api.nvim_win_get_width(win),
      height = vim.api.nvim_win_get_height(win),
      lines = (require('stance.editor.legend').lines(s.corpus:schema())) }]])
  local rows, shown = tmux.rows(screen), {}
  for r = at.row + 1, at.row + at.height do
    local plain = tmux.plain(rows[r] or '')
    shown[#shown + 1] = nv:lua('return vim.fn.strcharpart(...)', plain, at.col, at.width)
  end
  local squeeze = function(x) return (x:gsub('%s+', '')) end
  local lines = {}
  for i, l in ipairs(at.lines) do
    lines[i] = squeeze(l)
  end
  return squeeze(table.concat(shown)), lines, at.width
end

describe(':Stance legend on the screen', function()
  after_each(T.cleanup)

  it('shows every line whole at 160 columns, alone and with the summary beside it', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = tmux.open({ DOC }, { cwd = d, width = 160, height = 60, ready = 'Diplomatic Ties',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    tmux.driving_to_quit(nv, function()
      nv:keys(':Stance legend')
      local screen = nv:key('Enter', 'denuclearization-first-against', 'the legend')
      local text, lines, alone = legend_text(nv, screen)
      for _, l in ipairs(lines) do
        assert.truthy(text:find(l, 1, true), l .. ' not whole in the legend:\n' .. tmux.plain(screen))
      end
      -- the summary beside it: the legend narrower, its lines wrapped, none cut
      nv:keys(':Stance summary', 'Enter')
      screen = nv:wait(function() return nv:lua('return #vim.api.nvim_tabpage_list_wins(0)') == 3 end, 'the summary')
      local narrow
      text, lines, narrow = legend_text(nv, screen)
      assert.is_true(narrow < alone)
      assert.truthy(tmux.plain(screen):find('asks role', 1, true), tmux.plain(screen))
      for _, l in ipairs(lines) do
        assert.truthy(text:find(l, 1, true), l .. ' not whole in the narrower legend:\n' .. tmux.plain(screen))
      end
      assert.is_nil((nv:deprecated()))
    end)
  end)
end)
