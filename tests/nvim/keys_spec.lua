-- The default keys as a person meets them in a terminal: they act in an annotated document
-- (global mappings set once; buffer-local ones only where Neovim maps the key itself, as
-- 0.11 maps `]a`), and every other buffer keeps Neovim's own keys (`u`, and on 0.11 `]a`,
-- which runs :next there); a key you map yourself, even after the document was opened, is
-- yours. Each screen is looked at right after its key, with no redraw key in between. On
-- the study's schema and on the example's.
local T = require('helpers')
local tmux = require('helpers.tmux')

describe('the default keys in a terminal', function()
  after_each(T.cleanup)

  local corpus = T.shared and (T.shared .. '/corpus')
  local doc = '000_6358a7516b2472dd.txt'

  local colored, shows = tmux.colored, tmux.has

  local function check(schema, answer)
    if not corpus then return pending('../shared/corpus is not here') end
    local d, p = T.tmpdir(), T.tmpdir()
    os.execute(('cp %s/*.txt %s/ && mkdir -p %s/.stance && cp %s %s/.stance/schema.stance'):format(
      T.q(corpus), T.q(d), T.q(d), T.q(schema), T.q(d)))
    T.write(p .. '/plain.txt', 'alpha beta gamma\n')
    T.write(p .. '/plain2.txt', 'second file here\n')
    local nv = T.tmux({ doc, p .. '/plain.txt', p .. '/plain2.txt' }, { cwd = d,
      init = "require('stance').setup({ annotator = 'ana' }) vim.o.wrap = true", ready = 'Doug Bandow' })
    tmux.driving_to_quit(nv, function()
      nv:keys(':call search(' .. ("'\\<%s\\>'"):format('sensitive') .. ')', 'Enter')
      nv:key('gsiw' .. answer, colored('sensitive'), 'annotated by gsiw and its answer')
      nv:key('u', function(sc) return not colored('sensitive')(sc) end, 'the annotation undone by u')
      nv:key('C-r', colored('sensitive'), 'the annotation back after <C-r>')
      -- ]a in the document: its next annotation, never :next (Neovim 0.11's own ]a)
      nv:keys('gg')
      local screen = nv:key(']a', shows('Doug Bandow'), 'still the document after ]a')
      assert.falsy(shows('alpha beta')(screen), ']a ran :next in the annotated document')
      -- another buffer: Neovim's keys
      nv:keys(':next', 'Enter')
      nv:wait(shows('alpha beta gamma'), 'the plain file')
      nv:key('x', shows('lpha beta gamma'), 'x in the plain file')
      screen = nv:key('u', shows('alpha beta gamma'), "u is Neovim's undo in the plain file")
      assert.falsy(tmux.plain(screen):find('undone', 1, true), 'our undo in the plain file')
      if vim.fn.has('nvim-0.11') == 1 then
        nv:key(']a', shows('second file here'), "]a is Neovim's :next in the plain file")
        nv:keys(':first', 'Enter')
      else
        nv:keys(':first', 'Enter')
      end
      nv:wait(shows('Doug Bandow'), 'back in the document')
      -- a key mapped by you after the document was opened is yours
      nv:keys(":nnoremap gX <Cmd>echo 'mine'<CR>", 'Enter')
      nv:key('gX', shows('mine'), 'your gX')
      assert.is_nil((nv:deprecated()))
    end)
  end

  it("act in the annotated document and leave Neovim's keys elsewhere (the study's schema)", function()
    check(T.shared and (T.shared .. '/study/schema.stance'), '1c')
  end)

  it("act in the annotated document and leave Neovim's keys elsewhere (the example's schema)", function()
    check(T.root .. '/doc/example/shared-corpus/schema.stance', 'fe')
  end)
end)
