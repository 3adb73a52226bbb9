-- What a person sees right after each key, on every Neovim of the matrix: a new, deleted,
-- undone annotation and another annotator's layer are drawn at once (no redraw key), and
-- Neovim draws again exactly the lines that changed: no full redraw, no cleared screen.
-- Which lines Neovim draws is read through a decoration provider of the test's own (called
-- for each line drawn), and what reaches the terminal through tmux.
local T = require('helpers')
local tmux = require('helpers.tmux')

-- A decoration provider that notes every line Neovim draws (0-based), for the test to read.
local INIT = [[
require('stance').setup({ annotator = 'tester', autosave = { delay = 60000 } })
vim.o.wrap = false
vim.o.signcolumn = 'yes' -- a sign column that appears moves every line: not ours to test
_G.drawn = {}
vim.api.nvim_set_decoration_provider(vim.api.nvim_create_namespace('test_drawn'), {
  on_start = function() return true end,
  on_win = function() return true end,
  on_line = function(_, _, _, row) _G.drawn[row] = true end,
})
]]

local DRAWN = [[
local rows = {}
for r in pairs(_G.drawn) do rows[#rows + 1] = r end
table.sort(rows)
_G.drawn = {}
return rows
]]

--- The 0-based rows of the buffer where the spans of `who`'s layer are (the session's own
--- when nil), in the session of the current buffer.
local ROWS_OF = [[
local who = ...
local s = require('stance.editor.session').get()
local store = who and s.others[who].store or s.store
local where = require('stance.editor.where')
local set, out = {}, {}
for _, r in ipairs(store:records('annotation')) do
  for _, sp in ipairs(r.spans or {}) do
    local a = where.pos(s.buf, sp[1])
    local b = where.pos(s.buf, math.max(sp[1], sp[2] - 1))
    for row = a, b do set[row] = true end
  end
end
for r in pairs(set) do out[#out + 1] = r end
table.sort(out)
return out
]]

describe('drawing right after each key', function()
  local nv
  after_each(function()
    if nv then nv:close() end
    nv = nil
    T.cleanup()
  end)

  local function open()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    nv = T.tmux({ '01_charge_works.txt' }, { cwd = d, init = INIT, ready = 'The Congestion Charge Is Working' })
    nv:lua(DRAWN)
    return d
  end

  -- the screen row (with colors) that shows `text`
  local function row(screen, text)
    return assert(tmux.row(screen, text), 'no row with ' .. text .. ':\n' .. tmux.plain(screen))
  end

  local function colored(screen, text)
    local st = tmux.style_of(row(screen, text), text)
    return st ~= nil and st.bg ~= nil
  end

  -- whether the row that shows `text` has the sign of an annotated line (setup's sign_text)
  local function signed(screen, text)
    local r = tmux.plain(row(screen, text))
    return r:sub(1, #'▎') == '▎'
  end

  -- after a key: Neovim drew exactly `rows` (0-based buffer lines) again, and the terminal was
  -- not cleared
  local function drew_exactly(rows, what)
    local drawn = nv:lua(DRAWN)
    assert.are.equal(table.concat(rows, ' '), table.concat(drawn, ' '), what .. ': the lines (0-based) drawn again')
    local _, cleared = nv:redrawn()
    assert.is_false(cleared, what .. ': the screen was cleared')
  end

  it('draws a new annotation, its deletion and its undo at once, and only its lines', function()
    open()
    local critics = 'Critics said the charge would empty the shops.'
    nv:keys('10G')
    nv:keys('gsis')
    nv:keys('f')
    nv:mark()
    nv:lua(DRAWN)
    -- the sign in the same screen update as the highlight (the first screen that shows it)
    local screen = nv:key('c', function(s) return colored(s, critics) end, 'the new annotation drawn')
    assert.truthy(signed(screen, critics), 'its sign drawn with it')
    assert.falsy(colored(screen, 'rose by 4.2 percent'), 'the next line stays plain')
    assert.falsy(signed(screen, 'rose by 4.2 percent'), 'the next line has no sign')
    drew_exactly({ 9 }, 'annotate')

    nv:mark()
    screen = nv:key('gX', function(s) return not colored(s, critics) end, 'the deleted annotation no longer drawn')
    assert.falsy(signed(screen, critics), 'nor its sign')
    drew_exactly({ 9 }, 'delete')

    nv:mark()
    screen = nv:key('u', function(s) return colored(s, critics) end, 'the annotation drawn again after u')
    assert.truthy(signed(screen, critics), 'its sign drawn again with it')
    drew_exactly({ 9 }, 'undo')
  end)

  it('updates the statusline of :help stance-statusline at once: counts, "+", then saved', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    nv = T.tmux({ '01_charge_works.txt' }, { cwd = d, ready = 'The Congestion Charge Is Working', init = [[
require('stance').setup({ annotator = 'tester', autosave = { delay = 300 } })
vim.o.wrap = false
vim.o.laststatus = 2
vim.o.statusline = '%f %= %{v:lua.require("stance").annotator()}: '
  .. '%{v:lua.require("stance").status()} %l:%c'
]] })
    local function status(s)
      return tmux.plain(s):match('tester: ([^\n]-) %d+:%d+') or ''
    end
    nv:wait(function(s) return status(s) == 'no annotations' end, 'the statusline drawn')
    nv:keys('10G')
    nv:keys('gsis')
    nv:keys('f')
    nv:key('c', function(s) return status(s):find('^favor 1') ~= nil end, 'the statusline counts the new annotation')
    -- written 300 ms later: the "+" goes, without a key
    local screen = nv:wait(function(s) return status(s) == 'favor 1' end, 'the statusline says it is written')
    nv:key('gX', function(s) return status(s):find('^no annotations') ~= nil end,
      'the statusline after the deletion')
    nv:key('u', function(s) return status(s):find('^favor 1') ~= nil end, 'the statusline after u')
    nv:keys(':')
    nv:type('Stance done')
    nv:key('Enter', function(s) return status(s):find('^favor 1 done') ~= nil end, 'the statusline says done')
    assert.truthy(screen)
  end)

  it('draws a layer changed on disk at once, only the lines of the annotations that changed', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    nv = T.tmux({ '01_charge_works.txt' }, { cwd = d, init = INIT:gsub("annotator = 'tester'", "annotator = 'ana'"),
      ready = 'The Congestion Charge Is Working' })
    local retail, council = 'Retail footfall in the centre', 'The council should keep the charge'
    local screen = nv:wait(function(s) return colored(s, retail) and colored(s, council) end, "ana's layer drawn")
    local before = tmux.style_of(row(screen, council), council).bg
    nv:lua(DRAWN)
    -- another writer (a git pull, a colleague): one annotation removed, one changed
    local core = require('stance.core')
    local path = d .. '/.stance/annotations/ana/01_charge_works.txt.stance'
    local store = assert(core.read(T.read(path)))
    assert(store:remove('ngxrdx2yvfea'))
    assert(store:update('2pihimfvigzz', { label = 'against', stance = 'against' }))
    T.write(path .. '.new', store:write())
    os.rename(path .. '.new', path)
    nv:mark()
    nv:lua([[vim.api.nvim_exec_autocmds('FocusGained', {})]])
    nv:wait(function(s)
      local st = tmux.style_of(row(s, council), council)
      return not colored(s, retail) and st.bg and st.bg ~= before
    end, 'the layer from disk drawn')
    drew_exactly({ 9, 10, 13 }, 'changed on disk')
  end)

  it("draws another annotator's layer at once when shown and hidden, and only its lines", function()
    open()
    nv:keys(':')
    nv:type('Stance layers ana')
    nv:mark()
    nv:lua(DRAWN)
    local first = 'The Congestion Charge Is Working.'
    -- before 0.10, ana's labels after sentences inside these long lines stand in virtual lines
    -- under them (stance.editor.under): the lines below move, and are drawn again
    local under = vim.fn.has('nvim-0.10') == 0
    nv:key('Enter', function(s)
      -- ana's spans are drawn underlined (StanceOther)
      local st = tmux.style_of(row(s, first), first)
      return st and st.underline and (not under or tmux.plain(s):find('⤷', 1, true) ~= nil)
    end, "ana's layer drawn")
    local rows = nv:lua(ROWS_OF, 'ana')
    local layer_rows = rows
    assert.is_true(#rows > 1)
    if under then
      local moved = nv:lua([[
        local m = vim.api.nvim_buf_get_extmarks(0, vim.api.nvim_create_namespace('stance_under'), 0, -1, {})
        return { m[1] and m[1][2] or -1, vim.fn.line('w$') - 1 }
      ]])
      assert.is_true(moved[1] >= 0, 'a virtual line under a row')
      local set = {}
      for _, r in ipairs(rows) do
        set[r] = true
      end
      for r = moved[1], moved[2] do
        set[r] = true
      end
      rows = vim.tbl_keys(set)
      table.sort(rows)
    end
    drew_exactly(rows, 'layer shown')
    nv:keys(':')
    nv:type('Stance layers ana')
    nv:mark()
    nv:key('Enter', function(s)
      local st = tmux.style_of(row(s, first), first)
      return st and not st.underline and not tmux.plain(s):find('⤷', 1, true)
    end, "ana's layer no longer drawn")
    if not under then return drew_exactly(rows, 'layer hidden') end
    -- the virtual lines gone, the lines below move up: which of them Neovim draws again is its own
    local drawn = nv:lua(DRAWN)
    local set = {}
    for _, r in ipairs(drawn) do
      set[r] = true
    end
    for _, r in ipairs(layer_rows) do
      assert.is_true(set[r], 'layer hidden: line ' .. r .. ' drawn again')
    end
    local _, cleared = nv:redrawn()
    assert.is_false(cleared, 'layer hidden: the screen was cleared')
  end)
end)
