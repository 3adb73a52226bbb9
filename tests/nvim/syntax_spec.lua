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

  it('folds read off the records are the folds query\'s, on every layer of the example and the study', function()
    -- (the study's: our annotation of its five articles, and its schema)
    local files = {}
    for _, pat in ipairs({ '/doc/example/**/*.stance', '/doc/example/*/.stance/**/*.stance', '/tests/fixtures/**/*.stance' }) do
      vim.list_extend(files, vim.fn.glob(T.root .. pat, false, true))
    end
    assert.is_true(#files >= 12, #files)
    -- and made-up markup: blank lines in and after records, indented comments after a blank
    -- line (a top-level comment: review), text lines, comments at column 1
    local made = T.tmpdir() .. '/made.stance'
    T.write(made, table.concat({ 'format stance 1', '', '# before a1', 'annotation a1', '  span 0-5', '  # inside',
      '  note "x"', '  | more', '', '  # after a blank line', 'annotation a2', '  span 6-9', '# at column 1',
      '  label favor', 'annotation a3', '', '', 'relation r1', '  from a1', '  to a2', '' }, '\n'))
    files[#files + 1] = made
    local syntax = require('stance.syntax')
    local query = require('stance.compat').ts.get_query('stance', 'folds')
    for _, f in ipairs(files) do
      vim.cmd('edit ' .. vim.fn.fnameescape(f))
      local buf = vim.api.nvim_get_current_buf()
      -- what the folds query says, over every node
      local want = {}
      local tree = vim.treesitter.get_parser(buf, 'stance'):parse()[1]
      for id, node in query:iter_captures(tree:root(), buf, 0, -1) do
        if query.captures[id] == 'fold' then
          local a, _, b, ecol = node:range()
          if ecol == 0 then b = b - 1 end
          if b > a then
            want[a + 1] = '>1'
            for r = a + 1, b do want[r + 1] = '1' end
          end
        end
      end
      local got = {}
      for l = 1, vim.api.nvim_buf_line_count(buf) do
        want[l] = want[l] or '0'
        got[l] = syntax.foldexpr(l)
      end
      assert.are.same(want, got, f)
      -- and by lines, as a buffer too long to parse has them
      local by_lines = syntax.levels_by_lines(buf)
      for l = 1, #want do by_lines[l] = by_lines[l] or '0' end
      assert.are.same(want, by_lines, f)
      vim.cmd('bwipeout!')
    end
  end)

  it('a line of a million escapes: no highlighting (said once), folds by record, keys answered (tmux)', function()
    local d = T.tmpdir()
    local text = T.read(example)
    local a, b = text:find('\n  quote "[^\n]*\n')
    assert.truthy(a, 'a quote in ' .. example)
    local f = d .. '/long.stance'
    T.write(f, text:sub(1, a) .. '  quote "' .. ('\\n'):rep(1000000) .. '"\n' .. text:sub(b + 1))
    local tmux = require('helpers.tmux')
    local nv = tmux.open({ f }, { cwd = d, width = 100, height = 20, ready = 'long.stance' })
    tmux.driving_to_quit(nv, function()
      local screen = nv:wait('highlighting is off', 'the line said', 15)
      tmux.one_line(nv, screen, 'long.stance: line ', 'long.stance: line ' .. select(2, text:sub(1, a):gsub('\n', ''))
        + 1 .. ' is 1953 KiB long: highlighting is off in this buffer (at most 512 KiB a line)')
      -- every record folded under its first line, at once
      screen = nv:key('zM', function(sc) return tmux.count(sc, '+--') >= 3 end, 'the records folded')
      assert.truthy(tmux.plain(screen):find('annotation ', 1, true), tmux.plain(screen))
      nv:key('zR', function(sc) return tmux.count(sc, '+--') == 0 end, 'the folds opened')
      -- an edit answered at once and folds read again
      nv:keys('G', 'o')
      nv:type('# the end')
      nv:key('Escape', '# the end', 'the edit')
      nv:keys('gg')
      nv:key('zM', function(sc) return tmux.count(sc, '+--') >= 3 end, 'folded after the edit')
      nv:keys(':q!', 'Enter')
    end)
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
