-- The test harness itself: every Neovim a test starts is the one under test, and the tmux
-- helper reads styles and redrawn rows as a terminal shows them.
local T = require('helpers')
local tmux = require('helpers.tmux')

describe('the test harness', function()
  after_each(T.cleanup)

  it('starts the Neovim under test in child processes and in tmux', function()
    local v = vim.version()
    local want = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
    local out = T.run(T.q(T.nvim) .. ' --version')
    assert.truthy(out:find('NVIM v' .. want, 1, true), out)
    local nv = T.tmux(nil, { ready = '~' })
    local ok, got = pcall(function()
      return nv:lua('local v = vim.version() return ("%d.%d.%d"):format(v.major, v.minor, v.patch)')
    end)
    nv:close()
    assert(ok, got)
    assert.are.equal(want, got)
  end)

  it('reads the style of a text on a row, and the rows that terminal output wrote', function()
    local row = 'plain \27[38;5;75;48;5;22mtinted\27[0m \27[4mund\27[24mer \27[1;38;2;1;2;3mrgb'
    local st = tmux.style_of(row, 'tinted')
    assert.are.same({ 75, 22 }, { st.fg, st.bg })
    assert.is_true(tmux.style_of(row, 'und').underline)
    assert.is_nil(tmux.style_of(row, 'er').underline)
    assert.are.same({ true, '#010203' }, { tmux.style_of(row, 'rgb').bold, tmux.style_of(row, 'rgb').fg })
    assert.is_nil(tmux.style_of(row, 'plain').bg)
    -- a cursor move and text on rows 3 and 7; then a whole-screen clear
    local rows, cleared = tmux.rows_written('\27[3;1Hab\27[7;5H\27[38;5;1mcd\27[K\27[?25h', 10)
    assert.are.same({ [3] = true, [7] = true }, rows)
    assert.is_false(cleared)
    rows, cleared = tmux.rows_written('\27[H\27[2J', 10)
    assert.is_true(cleared)
    assert.is_true(rows[1] and rows[10])
    -- line feeds move down; OSC titles draw nothing
    rows = tmux.rows_written('\27]2;title\7\27[2;1Hx\r\ny', 10)
    assert.are.same({ [2] = true, [3] = true }, rows)
  end)
end)
