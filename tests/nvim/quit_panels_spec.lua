-- The side windows (:Stance legend, :Stance summary) and the quits, as a user sees them (tmux,
-- the screen read right after each key), on the study of ../shared (stances favor and against
-- only) and on doc/example: a quit that Neovim refuses (E37 for a document whose text was
-- changed, E162 for a hidden buffer, :wq refused) leaves them where they were, with no frame
-- drawn without them in between; a quit that happens (:q!, ZQ, :wq, ZZ) ends Neovim with them;
-- :q in one of several windows closes that one only, and with another tab page and 'hidden'
-- closes that tab page (the document kept hidden). A refused :q says E37 once (not E37 and
-- then E162 for the same buffer).
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local STUDY_DOC = '000_6358a7516b2472dd.txt'
local EXAMPLE_DOC = '02_charge_unfair.txt'

local legend = has('targets (underlined)')

--- The corpus and document of a case, or nil when ../shared is not here.
local function corpus(case)
  if case == 'study' then
    local d = require('helpers.study').corpus()
    return d, STUDY_DOC
  end
  return T.example_corpus(), EXAMPLE_DOC
end

local function open(d, doc)
  return T.tmux({ doc }, { cwd = d, width = 160, height = 30, ready = doc,
    init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
end

--- Each window's buffer name and width, left to right.
local function layout(nv)
  return nv:lua([[local out = {}
    for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      out[#out + 1] = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(w)), ':t')
        .. ':' .. vim.api.nvim_win_get_width(w)
    end
    return table.concat(out, ' ')]])
end

--- The side windows open (the legend; the summary too with `summary`), the cursor back in the
--- document; returns the layout.
local function with_panels(nv, summary)
  nv:keys(':Stance legend')
  nv:key('Enter', legend, 'the legend')
  if summary then
    nv:keys(':Stance summary', 'Enter')
    nv:wait(function() return nv:lua('return #vim.api.nvim_tabpage_list_wins(0)') == 3 end, 'the summary')
    nv:keys('C-w', 't')
  end
  return layout(nv)
end

--- The first line of the study document, whole on one row only when its window is as wide as
--- the screen: drawn so in the terminal's output, the side windows were gone for a frame.
local FIRST = {
  study = 'Trump Should Offer Diplomatic Ties to North Korea—But Insist on Talking about Human Rights',
}

describe('side windows and the quits', function()
  after_each(T.cleanup)

  for _, case in ipairs({ 'study', 'example' }) do
    it(('a refused :q, :qa, :wq leave the legend and the summary where they were (%s)'):format(case), function()
      local d, doc = corpus(case)
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local nv = open(d, doc)
      tmux.driving(nv, function()
        local before = with_panels(nv, true)
        assert.truthy(before:find('legend:', 1, true), before)
        assert.are.equal(3, #vim.split(before, ' '), before)
        -- the document's text changed (made modifiable): :q refuses, E37 once
        nv:keys(':setlocal modifiable', 'Enter', 'x')
        assert.are.equal(true, nv:lua('return vim.bo.modified'))
        before = nv:settle() and layout(nv) -- (the summary drawn anew for the changed text)
        -- a refused quit closes nothing (decided in QuitPre): no window is closed and put back
        nv:lua([[_G.stance_closed = 0
          vim.api.nvim_create_autocmd('WinClosed', { callback = function() _G.stance_closed = _G.stance_closed + 1 end })]])
        nv:keys(':q')
        nv:mark()
        local screen = nv:key('Enter', has('E37'), ':q refused')
        assert.truthy(legend(screen), tmux.plain(screen))
        assert.falsy(has('E162')(screen), tmux.plain(screen))
        assert.falsy(has('Press ENTER')(screen), tmux.plain(screen))
        local out = nv:output()
        if FIRST[case] then assert.falsy(out:find(FIRST[case], 1, true), 'a frame without the side windows') end
        assert.are.equal(before, layout(nv))
        assert.are.equal(0, nv:lua('return _G.stance_closed'), 'a side window closed by a refused :q')
        assert.are.equal('', nv:lua('return vim.bo.bufhidden'), 'the document\'s options as they were')
        assert.are.equal(doc, nv:lua("return vim.fn.expand('%:t')"), 'the cursor in the document')
        -- :qa with the document modified: E37/E162, the side windows stay
        nv:keys(':qa')
        screen = nv:key('Enter', function(sc) return has('E37')(sc) or has('E162')(sc) end, ':qa refused')
        if has('Press ENTER')(screen) then nv:key('Enter', legend, 'the prompt gone') end
        screen = nv:settle()
        assert.truthy(legend(screen), tmux.plain(screen))
        assert.are.equal(before, layout(nv))
        assert.are.equal(0, nv:lua('return _G.stance_closed'), 'a side window closed by a refused :qa')
        -- and the same command, once the change is undone, ends Neovim
        nv:keys('u')
        assert.are.equal(false, nv:lua('return vim.bo.modified'))
        nv:keys(':q')
        nv:tmux('send-keys', '-t', nv.name, 'Enter')
        nv:wait(function() return nv:dead() end, ':q ends Neovim, side windows and all')
      end)
    end)
  end

  it(':qa with a hidden buffer modified (E162): the legend stays; :q in one of two windows closes that one (study)',
    function()
      local d, doc = corpus('study')
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local nv = open(d, doc)
      tmux.driving(nv, function()
        local before = with_panels(nv)
        nv:keys(':enew', 'Enter', 'ihello', 'Escape')
        nv:keys(':b ' .. doc, 'Enter')
        assert.are.equal(before, layout(nv))
        nv:lua([[_G.stance_closed = 0
          vim.api.nvim_create_autocmd('WinClosed', { callback = function() _G.stance_closed = _G.stance_closed + 1 end })]])
        nv:keys(':qa')
        local screen = nv:key('Enter', has('E162'), ':qa refused')
        if has('Press ENTER')(screen) then nv:key('Enter', legend, 'the prompt gone') end
        screen = nv:settle()
        assert.truthy(legend(screen), tmux.plain(screen))
        assert.truthy(layout(nv):find('legend', 1, true), layout(nv))
        assert.are.equal(0, nv:lua('return _G.stance_closed'), 'a side window closed by a refused :qa')
        -- the changed buffer (not a document) made current by E162: :q refuses with E37 ('hidden' or
        -- not), and closes nothing
        assert.are.equal(true, nv:lua('return vim.bo.modified'))
        nv:keys(':q')
        screen = nv:key('Enter', has('E37'), ':q of a changed buffer refused')
        assert.truthy(legend(nv:settle()), tmux.plain(screen))
        assert.are.equal(0, nv:lua('return _G.stance_closed'), 'a side window closed by a refused :q')
        assert.are.equal('', nv:lua('return vim.bo.bufhidden'))
        -- :q! ends nothing either while a buffer in no window is changed (E162): the legend is back
        -- (the refused :qa made that buffer the current one)
        nv:keys(':b ' .. doc, 'Enter', ':q!')
        screen = nv:key('Enter', has('E162'), ':q! refused')
        if has('Press ENTER')(screen) then nv:key('Enter', legend, 'the prompt gone') end
        assert.truthy(legend(nv:settle()), tmux.plain(screen))
        assert.truthy(layout(nv):find('legend', 1, true), layout(nv))
        -- two windows beside the legend: :q closes the current one only, the legend stays
        nv:keys(':b ' .. doc, 'Enter', ':split', 'Enter')
        nv:keys(':q')
        screen = nv:key('Enter')
        assert.truthy(legend(screen), tmux.plain(screen))
        assert.are.equal(2, nv:lua('return #vim.api.nvim_tabpage_list_wins(0)'))
        -- :q! ends Neovim (the hidden buffer discarded), and says nothing
        nv:mark()
        nv:keys(':qa!')
        nv:tmux('send-keys', '-t', nv.name, 'Enter')
        nv:wait(function() return nv:dead() end, ':qa! ends Neovim')
        assert.falsy(nv:output():find('E%d+:'))
      end)
    end)

  it(':q of a changed document with another tab page: refused with \'nohidden\', closes its tab page with \'hidden\' (example)',
    function()
      local d, doc = corpus('example')
      local nv = open(d, doc)
      tmux.driving(nv, function()
        with_panels(nv, true)
        nv:keys(':tabnew', 'Enter')
        nv:wait(function() return nv:lua('return #vim.api.nvim_list_tabpages()') == 2 end, 'a second tab page')
        nv:key('g')
        nv:key('T', legend, 'back in the first tab page')
        local before = layout(nv)
        assert.are.equal(3, #vim.split(before, ' '), before)
        nv:keys(':setlocal modifiable', 'Enter', 'x')
        assert.are.equal(true, nv:lua('return vim.bo.modified'))
        before = nv:settle() and layout(nv)
        -- 'nohidden': Neovim refuses (E37), the side windows stay
        nv:keys(':set nohidden', 'Enter', ':q')
        local screen = nv:key('Enter', has('E37'), ':q refused')
        assert.truthy(legend(screen), tmux.plain(screen))
        assert.are.equal(before, layout(nv))
        assert.are.equal(2, nv:lua('return #vim.api.nvim_list_tabpages()'))
        -- 'hidden': the window and its tab page close (the side windows with it), the document
        -- stays loaded, hidden and changed; nothing refused
        nv:keys(':set hidden', 'Enter', ':q')
        nv:mark()
        nv:key('Enter', function() return nv:lua('return #vim.api.nvim_list_tabpages()') == 1 end,
          ':q closes the tab page')
        screen = nv:settle()
        assert.falsy(has('E37')(screen), tmux.plain(screen))
        assert.falsy(has('E162')(screen), tmux.plain(screen))
        assert.falsy(legend(screen), tmux.plain(screen))
        assert.falsy(nv:output():find('E37', 1, true), 'E37 said')
        assert.are.equal(1, nv:lua('return #vim.api.nvim_tabpage_list_wins(0)'))
        local info = nv:lua('local b = vim.fn.getbufinfo(vim.fn.bufnr(...))[1]; return { b.hidden, b.changed, b.loaded }', doc)
        assert.are.same({ 1, 1, 1 }, info)
        assert.are.equal('', nv:lua('return vim.bo[vim.fn.bufnr(...)].bufhidden', doc), 'its options as they were')
        nv:keys(':qa!')
        nv:tmux('send-keys', '-t', nv.name, 'Enter')
        nv:wait(function() return nv:dead() end, ':qa! ends Neovim')
      end)
    end)

  for _, how in ipairs({ ':q!', 'ZQ', ':wq', 'ZZ' }) do
    it(('%s with the legend open ends Neovim (example)'):format(how), function()
      local d, doc = corpus('example')
      local nv = open(d, doc)
      tmux.driving(nv, function()
        with_panels(nv, true)
        if how == ':q!' or how == 'ZQ' then
          nv:keys(':setlocal modifiable', 'Enter', 'x')
          assert.are.equal(true, nv:lua('return vim.bo.modified'))
        end
        nv:mark()
        if how:sub(1, 1) == ':' then
          nv:keys(how)
          nv:tmux('send-keys', '-t', nv.name, 'Enter')
        else
          nv:tmux('send-keys', '-t', nv.name, how)
        end
        nv:wait(function() return nv:dead() end, how .. ' ends Neovim')
        assert.falsy(nv:output():find('E%d+:'))
      end)
    end)
  end
end)
