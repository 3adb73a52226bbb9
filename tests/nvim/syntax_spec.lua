-- Annotation files in Neovim: filetype, tree-sitter highlighting, folds.
local T = require('helpers')

local example = T.root .. '/doc/example/shared-corpus/000_6358a7516b2472dd.txt.stance'

describe('annotation markup in Neovim', function()
  after_each(function()
    vim.cmd('silent! %bwipeout!')
    T.cleanup()
  end)

  it('gives *.stance files the stance filetype, with highlighting', function()
    vim.cmd('edit ' .. example)
    assert.are.equal('stance', vim.bo.filetype)
    assert.is_true(require('stance.compat').ts.highlighting(0))
    assert.are.equal('# %s', vim.bo.commentstring)
  end)

  it('captures keywords, keys, strings, spans and comments as the query says', function()
    vim.cmd('edit ' .. example)
    local compat = require('stance.compat')
    local query = compat.ts.get_query('stance', 'highlights')
    local tree = vim.treesitter.get_parser(0, 'stance'):parse()[1]
    local seen = {}
    for id, node in query:iter_captures(tree:root(), 0, 0, -1) do
      local text = compat.ts.node_text(node, 0)
      seen[query.captures[id] .. ' ' .. text] = true
    end
    for _, want in ipairs({ 'keyword annotation', 'keyword relation', 'property span', 'property quote',
      'number 0-49', 'number 1088-1124', 'constant sha256:fa32a68ed0aab811d6a1663bdd5b899a2ac6c7051bd66cd64981ab0dd63940fb',
      'label bd4k2m7q1x9z', 'comment # Stance annotations by ana on one article of the sample corpus.',
      'string "A reported stance (McCoy), not the author\'s."', 'punctuation.special |',
      'string.escape \\n' }) do
      assert.is_true(seen[want] ~= nil, want)
    end
  end)

  it('folds each record under its first line', function()
    vim.cmd('edit ' .. example)
    assert.are.equal('expr', vim.wo.foldmethod)
    local syntax = require('stance.syntax')
    local levels = {}
    for l = 1, 13 do
      levels[#levels + 1] = syntax.foldexpr(l)
    end
    assert.are.same({ '0', '0', '0', '>1', '1', '1', '0', '>1', '1', '1', '1', '0', '>1' }, levels)
    vim.cmd('normal! zM')
    assert.are.equal(4, vim.fn.foldclosed(5))
  end)

  it('shows the colors on screen (tmux)', function()
    local init = { init = 'vim.o.foldlevelstart = 99' }
    local colored = T.tmux_screen({ example }, nil, init)
    local copy = T.tmpdir() .. '/same-text.txt'
    T.write(copy, T.read(example))
    local plain = T.tmux_screen({ copy }, nil, init)
    local function line_of(screen, word)
      for l in screen:gmatch('[^\n]+') do
        if l:gsub('\27%[[%d;]*m', ''):find('^%s*%d*%s*' .. word) then return l end
      end
    end
    local c, p = line_of(colored, 'annotation bd4k2m7q1x9z'), line_of(plain, 'annotation bd4k2m7q1x9z')
    assert.truthy(c, colored)
    assert.truthy(p, plain)
    assert.truthy(c:find('\27%['), 'the keyword line has colors: ' .. c)
    assert.falsy(p:find('\27%[[%d;]*[1-9]'), 'without the filetype it has none: ' .. p)
  end)
end)
