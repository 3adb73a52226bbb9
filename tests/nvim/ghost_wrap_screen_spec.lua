-- The suggestions' ghosts on the screen (tmux, read right after each key, no redraw key in
-- between): a ghost inside a wrapped line is never cut in two at the window's edge ("enga" /
-- "gement favor 0.10?", seen on 0.10.4 and 0.11.6 in a document with no annotation, so no
-- sign column); it moves whole to the next screen row, whatever the columns before the text
-- (signcolumn auto/yes/no/number, number, relativenumber, foldcolumn), with 'linebreak',
-- 'breakindent' and 'showbreak'; with 'nowrap' no blanks are put before any. The question
-- ghost of :Stance next-suggestion too. On the study (our annotation of four articles, the
-- fifth unread, annotator dora). Each Neovim of the matrix runs it (before 0.10 ghosts follow
-- the line or go under it: never cut either).
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '001_6520dcfa8ca08700.txt'

--- The ghosts' texts ("engagement favor 0.39? (5 examples)") of the sentences ending on the
--- lines the window shows whole, and its layout: { labels, textoff, showbreak, wrap, height }.
local function shown(nv)
  return nv:lua([[
    local s = require('stance.editor.session').get()
    local sg = require('stance.editor.suggest')
    local where = require('stance.editor.where')
    local w0, w1 = vim.fn.line('w0'), vim.fn.line('w$')
    local labels, seen = {}, {}
    for _, g in ipairs(s.suggestions or {}) do
      local row = where.pos(s.buf, g.stop) + 1
      if row >= w0 and row <= w1 then
        local label = ('%s %s %.2f?'):format(g.target, g.class, g.p)
        if g.question then label = label .. ' (a guess: g+ / g-)' end
        local n = s.suggest_res.examples[g.target][g.class]
        if n and n < sg.few then label = label .. (' (%d example%s)'):format(n, n == 1 and '' or 's') end
        if not seen[label] then labels[#labels + 1], seen[label] = label, true end
      end
    end
    return { labels = labels, textoff = vim.fn.getwininfo(vim.api.nvim_get_current_win())[1].textoff,
      showbreak = vim.o.showbreak, wrap = vim.wo.wrap, height = vim.api.nvim_win_get_height(0) }]])
end

--- The ghosts cut at a row's end on `screen` ("row N: enga|gement favor 0.10?"), and how many
--- of `labels` show whole.
local function cut(screen, layout)
  local rows = tmux.rows(screen)
  local out, whole = {}, 0
  local plain = {}
  for i = 1, layout.height do
    plain[i] = tmux.plain(rows[i] or '')
  end
  for _, label in ipairs(layout.labels) do
    for i = 1, layout.height do
      if plain[i]:find(label, 1, true) then
        whole = whole + 1
        break
      end
    end
  end
  for i = 1, layout.height - 1 do
    local a = plain[i]
    local b = vim.fn.strcharpart(plain[i + 1], layout.textoff)
    if layout.showbreak ~= '' and b:sub(1, #layout.showbreak) == layout.showbreak then b = b:sub(#layout.showbreak + 1) end
    b = b:gsub('^%s+', '')
    for _, label in ipairs(layout.labels) do
      for k = 2, #label - 2 do
        local head, rest = label:sub(1, k), label:sub(k + 1):gsub('^%s+', '')
        if a:sub(-#head) == head and rest ~= '' and b:sub(1, #rest) == rest then
          out[#out + 1] = ('row %d: %s|%s'):format(i, head, rest)
        end
      end
    end
  end
  return out, whole
end

describe('ghosts in wrapped lines', function()
  after_each(T.cleanup)

  it('move whole to the next screen row, whatever the columns before the text, wrap and linebreak', function()
    if not T.shared then return pending('../shared/study and ../shared/corpus are not here') end
    local d = require('helpers.study').annotated(DOC)
    T.write(d .. '/.stance/schema.stance', T.read(T.shared .. '/study/schema.stance')) -- the study's own
    local nv = tmux.open({ DOC }, { cwd = d, width = 100, height = 40, ready = 'Considering',
      env = { STANCE_ANNOTATOR = 'dora' }, init = 'vim.o.wrap = true' })
    tmux.driving_to_quit(nv, function()
      nv:keys(':Stance suggest 0.02')
      nv:key('Enter', 'suggestion(s), learnt from', 'the suggestions')
      local inline = nv:lua("return vim.fn.has('nvim-0.10') == 1")
      local function check(what)
        -- (the ghosts are fitted after the screen update that draws them: waited for)
        local layout = shown(nv)
        assert.is_true(#layout.labels > 0, what)
        local ok = pcall(nv.wait, nv, function(sc)
          local c, whole = cut(sc, layout)
          return #c == 0 and whole > 0
        end, what, 5)
        local sc = nv:screen()
        local c, whole = cut(sc, layout)
        assert.are.same({}, c, what .. ':\n' .. tmux.plain(sc))
        assert.is_true(ok and whole > 0, what .. ':\n' .. tmux.plain(sc))
        return sc
      end
      check('signcolumn=auto, no sign, no number column')
      for _, opts in ipairs({ 'number', 'relativenumber', 'nonumber norelativenumber signcolumn=yes',
        'signcolumn=no number', 'signcolumn=number', 'signcolumn=auto nonumber foldcolumn=3',
        'foldcolumn=0 linebreak', 'breakindent showbreak=>\\ ', 'nolinebreak nobreakindent showbreak= number' }) do
        nv:keys(':set ' .. opts)
        nv:key('Enter', nil)
        check(opts)
      end
      -- nowrap: no blanks before any ghost (nothing to move)
      nv:keys(':set nowrap')
      nv:key('Enter', nil)
      if inline then
        assert.is_true(nv:lua([[
          for _, p in ipairs(require('stance.editor.session').get().ghost_places) do
            if p.shown then return false end
          end
          return true]]))
      end
      nv:keys(':set wrap nonumber')
      nv:key('Enter', nil)
      check('wrap again')
      -- the question of :Stance next-suggestion (a guess below the ghosts shown), and a sign
      -- column that comes with the first annotation of the document (signcolumn=auto)
      nv:keys(':Stance suggest 0.9')
      nv:key('Enter', 'suggestion(s), learnt from', 'the suggestions at 0.9')
      nv:keys(':Stance next-suggestion')
      nv:key('Enter', 'g+ accepts it', 'the question')
      local screen = check('the question')
      assert.truthy(tmux.plain(screen):find('(a guess: g+ / g-)', 1, true), tmux.plain(screen))
      nv:keys('gg', 'gsis')
      nv:key('1', nil)
      nv:key('p', nil)
      nv:keys(':Stance suggest 0.02')
      nv:key('Enter', 'suggestion(s), learnt from', 'the suggestions with a sign column')
      check('a sign column that came with an annotation')
      nv:keys(':w', 'Enter')
    end)
  end)
end)
