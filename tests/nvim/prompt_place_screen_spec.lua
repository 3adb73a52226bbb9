-- Where the label question's float goes, on the screen (tmux, 100x30, the study's schema: a
-- float of 10 rows): never over the sentence being annotated, never over the status line.
-- With the cursor in the upper half, at the bottom, just above the status line (it covered the
-- status line on every Neovim, and on 0.7.2 it went to the top, over the sentence: the
-- cursor's screenrow() there is the command line's while the operator asks); with the cursor
-- in the lower half, at the top.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

describe('the label question on the screen', function()
  after_each(T.cleanup)

  local function rows_of(screen)
    local rows = tmux.rows(screen)
    local float = {}
    for i, r in ipairs(rows) do
      local p = tmux.plain(r)
      if p:find('^[┌│└]') then float[#float + 1] = i end
    end
    return rows, float[1], float[#float]
  end

  it('sits below the sentence and above the status line, or above the sentence near the bottom', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = T.tmux({ DOC }, { cwd = d, width = 100, height = 30, ready = 'Doug Bandow',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })"
        .. " vim.o.laststatus = 2 vim.o.cmdheight = 1" })
    tmux.driving_to_quit(nv, function()
      -- the cursor near the top: the float at the bottom, above the status line
      nv:keys(':call search("sensitive")', 'Enter')
      local screen = nv:key('gsis', '1 engagement-favor', 'the question')
      local rows, first, last = rows_of(screen)
      local _, sentence = tmux.row(screen, 'sensitive')
      local _, status = tmux.row(screen, DOC)
      assert.truthy(first and sentence and status, tmux.plain(screen))
      assert.is_true(sentence < first, 'the sentence under the float:\n' .. tmux.plain(screen))
      assert.are.equal(status - 1, last, 'the float not just above the status line:\n' .. tmux.plain(screen))
      assert.are.equal(#rows - 1, status, 'the status line covered:\n' .. tmux.plain(screen))
      nv:key('Esc', function(sc) return not tmux.plain(sc):find('engagement-favor', 1, true) end, 'cancelled')
      -- the cursor near the bottom: the float at the top
      nv:keys(':call search("dead end")', 'Enter', 'zb')
      screen = nv:key('gsis', '1 engagement-favor', 'the question')
      rows, first, last = rows_of(screen)
      local _, cursor_row = tmux.row(screen, 'dead end')
      assert.truthy(first and cursor_row, tmux.plain(screen))
      assert.are.equal(1, first, 'the float not at the top:\n' .. tmux.plain(screen))
      assert.is_true(cursor_row > last, 'the sentence under the float:\n' .. tmux.plain(screen))
      _, status = tmux.row(screen, DOC)
      assert.are.equal(#rows - 1, status, 'the status line covered:\n' .. tmux.plain(screen))
      nv:key('Esc', function(sc) return not tmux.plain(sc):find('engagement-favor', 1, true) end, 'cancelled')
      assert.is_nil((nv:deprecated()))
    end)
  end)
end)
