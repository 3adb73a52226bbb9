-- :Stance report and the heat strip of :Stance summary: in this Neovim (the API), then as a
-- person sees them in tmux, the screen read right after each command with its colors.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '01_charge_works.txt'

--- The example corpus, where ana's first annotation of 01 (the headline, favor of the
--- congestion charge) says against instead: two stances toward one target in her layer.
local function example()
  local d = T.example_corpus()
  local f = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
  T.write(f, (T.read(f):gsub('stance favor', 'stance against', 1)))
  return d
end

--- The foreground colors (256-color indexes or #rrggbb) of the runs of `text` on `row`.
local function colors_of(row, ch)
  local out = {}
  for _, r in ipairs(tmux.styled(row)) do
    if r.text:find(ch, 1, true) then out[#out + 1] = r.fg end
  end
  return out
end

describe(':Stance report', function()
  after_each(function()
    vim.cmd('silent! %bwipeout!')
    T.cleanup()
  end)

  it('writes the report of the corpus and says where, and the summary has a heat strip per target', function()
    local d = example()
    require('stance').setup({ annotator = 'ana' })
    vim.cmd('edit ' .. vim.fn.fnameescape(d .. '/' .. DOC))
    assert(require('stance.editor.session').get())
    local r = require('stance.editor.commands').report({ 'output', d .. '/rep' })
    assert.truthy(r)
    assert.are.equal(d .. '/rep/report.html', r.html)
    assert.truthy(T.read(d .. '/rep/report.html'):find('<svg', 1, true))
    assert.truthy(T.exists(d .. '/rep/figures/heatmap.svg'))
    local s = assert(require('stance.editor.session').get())
    local lines, _, _, heat = require('stance.editor.summary').lines(s)
    local n = 0
    for i, spans in pairs(heat) do
      n = n + 1
      assert.truthy(lines[i]:match('^  [█▒░▓]+ %d+$'), lines[i])
      assert.is_true(#spans >= 1)
    end
    assert.are.equal(3, n)
    -- ana on 01: congestion-charge favor 1, against 1; exemptions against only
    local text = table.concat(lines, '\n')
    assert.truthy(text:find('congestion-charge: favor 1 (50%), against 1 (50%), neutral 0 (0%)\n  '
      .. ('█'):rep(12) .. ('▒'):rep(12) .. ' 2\n', 1, true), text)
    assert.truthy(text:find('exemptions: favor 0 (0%), against 1 (100%), neutral 0 (0%)\n  ' .. ('▒'):rep(24) .. ' 1\n',
      1, true), text)
  end)

  it('warns when a layer file with errors counts in no figure, naming the first with file:line:col', function()
    local d = example()
    -- ben's file of 02 cut short in a quote
    local f = d .. '/.stance/annotations/ben/02_charge_unfair.txt.stance'
    local text = T.read(f)
    local at = assert(text:find('\nannotation ', 1, true))
    T.write(f, text:sub(1, at) .. 'annotation x\n  span 0-4\n  label favor\n  note "cut sh')
    require('stance').setup({ annotator = 'ana' })
    vim.cmd('edit ' .. vim.fn.fnameescape(d .. '/' .. DOC))
    vim.cmd('messages clear')
    local r = require('stance.editor.commands').report({ 'output', d .. '/rep' })
    assert.are.equal(1, #r.left_out)
    -- one line, the place first (said from vim.schedule), whole in :messages
    local want = "(stance) report incomplete: .stance/annotations/ben/02_charge_unfair.txt.stance:"
    local messages = ''
    vim.wait(1000, function()
      messages = vim.fn.execute('messages')
      return messages:find(want, 1, true) ~= nil
    end)
    assert.truthy(messages:find(want, 1, true), messages)
    assert.truthy(messages:find("; ben's file counts in no figure of 02_charge_unfair.txt (1 file(s) with errors, the page "
      .. 'names them)', 1, true), messages)
    assert.truthy(T.read(d .. '/rep/report.html'):find('LEFT OUT: 1 annotation file(s) with errors', 1, true))
  end)

  it('in a terminal: a layer file with errors is `errors` in :Stance progress, and :Stance report says so on one line',
    function()
      local d = example()
      local f = d .. '/.stance/annotations/ben/02_charge_unfair.txt.stance'
      local text = T.read(f)
      local at = assert(text:find('\nannotation ', 1, true))
      T.write(f, text:sub(1, at) .. 'annotation x\n  span 0-4\n  label favor\n  note "cut sh')
      local nv = T.tmux({ DOC }, { cwd = d, init = "require('stance').setup({ annotator = 'ana' })",
        ready = 'The Congestion Charge Is Working', width = 140, height = 40 })
      local ok, err = pcall(function()
        nv:keys(':Stance progress')
        local screen = nv:key('Enter', "ben's file has", 'the progress view')
        local row = tmux.row(screen, '02_charge_unfair.txt')
        assert.truthy(row, tmux.plain(screen))
        assert.truthy(tmux.plain(row):find('errors', 1, true), tmux.plain(row))
        local done_row -- (not the document's status line, which has its name too)
        for _, r in ipairs(tmux.rows(screen)) do
          if tmux.plain(r):find('^01_charge_works%.txt%s+done') then done_row = r end
        end
        local e, ok_style = tmux.style_of(row, 'errors'), tmux.style_of(done_row, 'done')
        assert.truthy(e and ok_style, tmux.plain(screen))
        assert.are_not.same({ e.fg, e.bg }, { ok_style.fg, ok_style.bg }, 'errors in a color of its own')
        assert.truthy(tmux.plain(screen):find("ben's file has 1 error(s), the first at .stance/annotations/ben/"
          .. '02_charge_unfair.txt.stance:', 1, true), tmux.plain(screen))
        nv:keys('q')
        nv:keys(':Stance report')
        screen = nv:key('Enter', 'report incomplete', 'the report written and its warning')
        assert.truthy(tmux.plain(screen):find('(stance) report incomplete: .stance/annotations/ben/02_charge_unfair.txt.stance:',
          1, true), tmux.plain(screen))
        assert.falsy(tmux.plain(screen):find('Press ENTER', 1, true))
      end)
      nv:close()
      if not ok then error(err, 0) end
    end)

  it('in a terminal: :Stance summary draws the heat strip in the stances\' colors, :Stance report says where',
    function()
      local d = example()
      local nv = T.tmux({ DOC }, { cwd = d, init = "require('stance').setup({ annotator = 'ana' })",
        ready = 'The Congestion Charge Is Working', width = 120, height = 40 })
      local ok, err = pcall(function()
        nv:keys(':Stance summary')
        local screen = nv:key('Enter', '▒', 'the summary with its heat strips')
        -- congestion-charge: favor 1 and against 1, in two colors and two shades of block
        local _, at = tmux.row(screen, 'congestion-charge: favor 1')
        assert.truthy(at, tmux.plain(screen))
        local rows, strip = tmux.rows(screen), nil
        for i = at + 1, #rows do
          if tmux.plain(rows[i]):find('█', 1, true) then
            strip = rows[i]
            break
          end
        end
        assert.truthy(strip, tmux.plain(screen))
        assert.truthy(tmux.plain(strip):find(('█'):rep(12) .. ('▒'):rep(12) .. ' 2', 1, true), tmux.plain(strip))
        local solid, shaded = colors_of(strip, '█'), colors_of(strip, '▒')
        assert.truthy(solid[1], 'the favor part has a color')
        assert.truthy(shaded[1], 'the against part has a color')
        assert.are_not.equal(solid[1], shaded[1], 'favor and against in two colors')
        nv:keys(':q', 'Enter')
        nv:keys(':Stance report')
        screen = nv:key('Enter', 'stance report:', 'the report written')
        assert.truthy(tmux.plain(screen):find('stance report: .stance/report/report.html (5 figures in .stance/report/figures)',
          1, true), tmux.plain(screen))
        assert.falsy(tmux.plain(screen):find('Press ENTER', 1, true))
      end)
      nv:close()
      if not ok then error(err, 0) end
      assert.truthy(T.exists(d .. '/.stance/report/report.html'))
      assert.truthy(T.exists(d .. '/.stance/report/figures/confusion.svg'))
    end)
end)
