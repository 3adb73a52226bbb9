-- The label question of the annotate operator, as a person sees it in a terminal: asked on
-- the command line when the keys stop there (one question after the other: label, then what
-- the label asks for), not drawn at all when its answer was typed with the operator (typed
-- ahead, a macro, a mapping), and the annotation drawn by the key that answers it, with no
-- redraw key in between. On the study's schema (labels that fix a target and a stance with
-- one key, then ask the role) and on the example's (labels that ask the target).
local T = require('helpers')
local tmux = require('helpers.tmux')

describe('the label question in a terminal', function()
  after_each(T.cleanup)

  local corpus = T.shared .. '/corpus'
  local have = T.exists(corpus .. '/000_6358a7516b2472dd.txt')
  local doc = '000_6358a7516b2472dd.txt'

  -- a corpus of the five articles with `schema`; Neovim on its first article, the cursor on
  -- the word `word` of row `row` (a word no annotation covers)
  local function open(schema)
    local d = T.tmpdir()
    os.execute(('cp %s/*.txt %s/ && mkdir -p %s/.stance && cp %s %s/.stance/schema.stance'):format(
      T.q(corpus), T.q(d), T.q(d), T.q(schema), T.q(d)))
    return T.tmux({ doc }, { cwd = d, init = "require('stance').setup({ annotator = 'ana' }) vim.o.wrap = true",
      ready = 'Doug Bandow' }), d
  end

  -- whether the first characters of `text` on the screen have a background (an annotation)
  local colored = tmux.colored

  -- the question on the command line (the screen's last row)
  local function asking(what)
    return function(screen)
      local rows = tmux.rows(tmux.plain(screen))
      for i = #rows, 1, -1 do
        if rows[i]:find('%S') then return rows[i]:find('^' .. what .. ': ') ~= nil end
      end
      return false
    end
  end

  local function on_disk(d)
    local text = T.read(d .. '/.stance/annotations/ana/' .. doc .. '.stance')
    return text and require('stance.core').read(text):records('annotation') or {}
  end

  -- The keys one group at a time: `first` (the operator and the motion), then each answer
  -- of `answers` ({key, question it leaves on screen or false}); then the same with all of it
  -- typed at once on the next word: no question is ever drawn.
  local function check(schema, word1, word2, answers, want)
    if not have then return pending('../shared/corpus is not here') end
    local nv, d = open(schema)
    local ok, err = pcall(function()
      nv:keys(':call search(' .. ("'\\<%s\\>'"):format(word1) .. ')', 'Enter')
      nv:key('gsiw', asking('label'), 'the label question drawn after gsiw')
      for i, a in ipairs(answers) do
        if a[2] then
          local screen = nv:key(a[1], asking(a[2]), ('the %s question after %s'):format(a[2], a[1]))
          assert.falsy(colored(word1)(screen), 'not annotated before the last answer')
        else
          local screen = nv:key(a[1], colored(word1), 'the annotation drawn by the last answer (' .. i .. ')')
          assert.falsy(asking('%a+')(screen), 'no question left on the screen')
        end
      end
      -- all at once: the answers are in the typeahead, no question is drawn
      nv:keys(':call search(' .. ("'\\<%s\\>'"):format(word2) .. ')', 'Enter')
      nv:mark()
      local all = 'gsiw'
      for _, a in ipairs(answers) do
        all = all .. a[1]
      end
      local screen = nv:key(all, colored(word2), 'the annotation drawn, keys typed at once')
      local out = nv:output()
      assert.falsy(out:find('label: ', 1, true), 'the label question drawn though its answer was typed')
      for _, a in ipairs(answers) do
        if a[2] then assert.falsy(out:find(a[2] .. ': ', 1, true), 'the ' .. a[2] .. ' question drawn') end
      end
      assert.falsy(asking('%a+')(screen), 'no question on the screen')
      assert.truthy(colored(word1)(screen), 'the first annotation still drawn')
      -- part typed ahead: the question whose answer is not typed yet is drawn
      if #answers > 1 then
        nv:keys('0')
        nv:mark()
        local screen2 = nv:key('gsiw' .. answers[1][1], asking(answers[1][2]), 'the second question drawn')
        assert.truthy(screen2)
        assert.falsy(nv:output():find('label: ', 1, true), 'the label question drawn though its answer was typed')
        nv:key('Escape', function(sc) return not asking('%a+')(sc) end, 'the question gone after <Esc>')
      end
      assert.is_nil((nv:deprecated()))
    end)
    if not ok then
      nv:close()
      error(err, 0)
    end
    nv:quit()
    local recs = on_disk(d)
    assert.are.equal(2, #recs)
    for _, r in ipairs(recs) do
      for k, v in pairs(want) do
        assert.are.equal(v, r[k], k)
      end
    end
    table.sort(recs, function(a, b) return a.spans[1][1] < b.spans[1][1] end)
    local quotes = { recs[1].quote, recs[2].quote }
    table.sort(quotes)
    local words = { word1, word2 }
    table.sort(words)
    assert.are.same(words, quotes)
  end

  it("asks each question only when its answer is not typed yet (the study's schema)", function()
    check(T.shared .. '/study/schema.stance', 'sensitive', 'ambassador', { { '1', 'role' }, { 'c', false } },
      { label = 'engagement-favor', target = 'engagement', stance = 'favor', role = 'claim' })
  end)

  it("asks each question only when its answer is not typed yet (the example's schema)", function()
    check(T.root .. '/doc/example/shared-corpus/schema.stance', 'sensitive', 'ambassador',
      { { 'f', 'target' }, { 'e', false } }, { label = 'favor', target = 'engagement', stance = 'favor' })
  end)
end)
