-- :Stance side NAME follows your window to another document (the team's workflow on the
-- study: after `:e other.txt` the side view stayed on the old document, no longer
-- scroll-bound, its title the same): it shows NAME's layer of the new document, level with
-- yours, or, when NAME has none there, it closes and says so on one line. Neovim in tmux on
-- the study of ../shared, the screen read right after each key.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC, DOC1, DOC2 = '000_6358a7516b2472dd.txt', '001_6520dcfa8ca08700.txt', '002_c6bce5e05bd0fd45.txt'

--- The buffer names of the windows (the file's name only), left to right, and the side
--- views' annotator by window order.
local STATE = [[
local out = {}
for i, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
  out[i] = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(w)), ':t') .. '='
    .. (require('stance.editor.render').sides[w] or 'own')
end
return table.concat(out, ' ')]]

--- Whether the two windows show the same first line.
local LEVEL = [[
local w = vim.api.nvim_tabpage_list_wins(0)
local a = vim.api.nvim_win_call(w[1], function() return vim.fn.line('w0') end)
local b = vim.api.nvim_win_call(w[2], function() return vim.fn.line('w0') end)
return a .. ' ' .. b]]

describe(':Stance side after :e other.txt, in a terminal', function()
  after_each(T.cleanup)

  it('follows to NAME\'s layer of the new document, level with yours; closes where NAME has none', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local c = assert(require('stance').open(d))
    for _, rel in ipairs({ DOC, DOC1 }) do
      local doc = assert(c:document(rel))
      local s = doc:sentences()[3]
      assert(doc:annotate({ start = s.start, stop = s.stop, label = 'sanctions-against', role = 'claim',
        annotator = 'ben' }))
    end
    assert(c:save())
    local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    tmux.driving(nv, function()
      nv:keys(':Stance side ben')
      nv:key('Enter', has('layer of ben (read only)'), 'the side view')
      assert.are.equal(DOC .. '=own ' .. DOC .. '=ben', nv:lua(STATE))
      nv:keys(':e ' .. DOC1)
      nv:key('Enter', function()
        return nv:lua(STATE) == DOC1 .. '=own ' .. DOC1 .. '=ben'
      end, 'the side view on the new document')
      -- both titles on the screen (the drawing that follows the change of buffer)
      nv:wait(function(sc) return has('layer of ben (read only)')(sc) and has('your layer (ana)')(sc) end,
        'both titles')
      -- ben's layer of the new document is drawn there
      assert.are.equal(1, nv:lua([[
        local w = vim.api.nvim_tabpage_list_wins(0)[2]
        local s = require('stance.editor.session').get(vim.api.nvim_win_get_buf(w))
        local l = require('stance.editor.render').layer_of(s, w)
        return l.name == 'ben' and l.store:count('annotation') or -1]]))
      -- the document read again (:e!): a new session of the same buffer, ben's layer still drawn beside
      nv:keys(':e!')
      nv:key('Enter', nil)
      assert.are.equal('ben 1', nv:lua([[
        local w = vim.api.nvim_tabpage_list_wins(0)[2]
        local s = require('stance.editor.session').get(vim.api.nvim_win_get_buf(w))
        local l = require('stance.editor.render').layer_of(s, w)
        return l.name .. ' ' .. l.store:count('annotation')]]))
      -- scroll-bound: the side view keeps your first line
      nv:keys('G')
      nv:wait(function()
        local a, b = nv:lua(LEVEL):match('(%d+) (%d+)')
        return a ~= '1' and a == b
      end, 'both windows level at the end')
      -- a document of which ben has no layer: the side view closes, said on one line
      nv:keys(':e ' .. DOC2)
      local screen = nv:key('Enter', has("(stance) the side view of ben's layer closed: ben has no layer for this document"),
        'the side view closed')
      assert.is_nil(tmux.plain(screen):find('layer of ben (read only)', 1, true), tmux.plain(screen))
      assert.is_nil(tmux.plain(screen):find('your layer (ana)', 1, true), tmux.plain(screen))
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
      assert.are.equal(DOC2 .. '=own', nv:lua(STATE))
    end)
  end)

  it('another document opened in the side view itself makes it a window of its own', function()
    local d = require('helpers.study').with_layer('ben', DOC,
      { { sentence = 3, label = 'sanctions-against', role = 'claim' } })
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    tmux.driving(nv, function()
      nv:keys(':Stance side ben')
      nv:key('Enter', has('layer of ben (read only)'), 'the side view')
      nv:keys('C-w', 'l')
      nv:keys(':e ' .. DOC1)
      -- (both titles go: the side view's, then your window's, in the same moment or one
      -- screen update apart)
      nv:key('Enter', function(sc) return not has('layer of ben')(sc) and not has('your layer (ana)')(sc) end,
        'no longer a side view, no title left')
      assert.are.equal(DOC .. '=own ' .. DOC1 .. '=own', nv:lua(STATE))
      assert.are.equal('auto', nv:lua('return vim.wo.signcolumn'))
      -- your layer of the new document is drawn there (ana has none: nothing of ben's)
      assert.are.equal('ana', nv:lua([[return require('stance.editor.render').layer_of(
        require('stance.editor.session').get(), vim.api.nvim_get_current_win()).name]]))
    end)
  end)
end)
