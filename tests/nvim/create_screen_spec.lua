-- Creating annotations as a person sees it in a terminal, read after each key: a sentence
-- annotated, then a word inside it (the overlap drawn bold at once), undone and redone,
-- written at once with :w, and still drawn the same after the window scrolls away and back.
-- On the study's schema (labels that fix a target and a stance, then ask the role) and on the
-- example's (labels that ask the target), the keys of each create typed at once.
local T = require('helpers')
local tmux = require('helpers.tmux')

describe('creating annotations, read on the screen after each key', function()
  after_each(T.cleanup)

  local corpus = T.shared .. '/corpus'
  local have = T.exists(corpus .. '/000_6358a7516b2472dd.txt')
  local doc = '000_6358a7516b2472dd.txt'

  local function open(schema)
    local d = T.tmpdir()
    os.execute(('cp %s/*.txt %s/ && mkdir -p %s/.stance && cp %s %s/.stance/schema.stance'):format(
      T.q(corpus), T.q(d), T.q(d), T.q(schema), T.q(d)))
    return T.tmux({ doc }, { cwd = d, init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })"
      .. " vim.o.wrap = false vim.o.signcolumn = 'yes' vim.o.cmdheight = 3", ready = 'Doug Bandow' }), d
  end

  local function style(screen, word)
    local row = tmux.row(screen, word)
    return row and tmux.style_of(row, word) or nil
  end
  local function colored(word)
    return function(screen)
      local st = style(screen, word)
      return st ~= nil and st.bg ~= nil
    end
  end
  local function overlapped(word, yes)
    return function(screen)
      local st = style(screen, word)
      return st ~= nil and st.bg ~= nil and (st.bold == true) == yes
    end
  end
  local function signed(screen, word)
    return tmux.plain(tmux.row(screen, word)):sub(1, #'▎') == '▎'
  end

  local function on_disk(d)
    local text = T.read(d .. '/.stance/annotations/ana/' .. doc .. '.stance')
    return text and require('stance.core').read(text):records('annotation') or {}
  end

  local function check(schema, answers)
    if not have then return pending('../shared/corpus is not here') end
    local nv, d = open(schema)
    local ok, err = pcall(function()
      nv:keys(':call search(' .. "'\\<sensitive\\>'" .. ')', 'Enter')
      -- the sentence: drawn with its sign by the key that ends the create
      local screen = nv:key('gsis' .. answers, colored('sensitive'), 'the sentence drawn')
      assert.truthy(signed(screen, 'sensitive'), 'its sign drawn with it')
      assert.truthy(overlapped('sensitive', false)(screen), 'no overlap yet')
      -- a word inside it: the overlap drawn bold at once
      nv:keys(':call search(' .. "'\\<sensitive\\>'" .. ')', 'Enter')
      nv:key('gsiw' .. answers, overlapped('sensitive', true), 'the overlap drawn')
      -- undone, redone
      nv:key('u', overlapped('sensitive', false), 'the word undone: the sentence alone')
      nv:key('C-r', overlapped('sensitive', true), 'the word redone: the overlap again')
      -- scrolled away and back: the same
      nv:key('C-f', function(sc) return tmux.row(sc, 'sensitive') == nil end, 'scrolled away')
      screen = nv:key('C-b', overlapped('sensitive', true), 'scrolled back: the overlap drawn')
      assert.truthy(signed(screen, 'sensitive'), 'the sign still there')
      -- a create written at once
      nv:keys(':call search(' .. "'\\<ambassador\\>'" .. ')', 'Enter')
      nv:keys('gsiw' .. answers, ':w', 'Enter')
      local deadline = os.time() + 20
      local quotes
      repeat
        quotes = {}
        for _, r in ipairs(on_disk(d)) do
          quotes[r.quote] = true
        end
      until quotes.ambassador or os.time() > deadline
      assert.truthy(quotes.ambassador, 'the word written by :w')
      assert.truthy(quotes.sensitive, 'the redone word written')
      assert.is_nil((nv:deprecated()))
    end)
    if not ok then
      nv:close()
      error(err, 0)
    end
    nv:quit()
  end

  it("on the study's schema", function()
    check(T.shared .. '/study/schema.stance', '1c')
  end)

  it("on the example's schema", function()
    check(T.root .. '/doc/example/shared-corpus/schema.stance', 'fe')
  end)
end)
