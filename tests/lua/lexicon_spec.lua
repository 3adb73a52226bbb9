-- The cue lexicon: the default one, a corpus's own, and what is found in the example corpus.
local T = require('helpers')
local lexicon = require('stance.lexicon')

local function vim_contains(list, x)
  for _, v in ipairs(list) do
    if v == x then return true end
  end
  return false
end

describe('cue lexicon', function()
  after_each(T.cleanup)

  it('ships a default lexicon of deontic, evaluation, hedge, booster and negation cues', function()
    local lex = lexicon.load(T.tmpdir())
    assert.are.same({}, lex.problems)
    local names = {}
    for i, c in ipairs(lex.categories) do
      names[i] = c.name
    end
    assert.are.same({ 'deontic', 'evaluation', 'hedge', 'booster', 'negation' }, names)
    assert.is_true(lex.cues >= 70)
    assert.is_nil(lex.file)
  end)

  it('finds cues in an article: phrases, prefixes, not across punctuation', function()
    local lex = lexicon.load(T.tmpdir())
    local text = T.read(T.root .. '/doc/example/corpus/02_charge_unfair.txt')
    local got = {}
    for _, m in ipairs(lexicon.find(lex, text)) do
      got[#got + 1] = m.category .. ':' .. text:sub(m.start + 1, m.stop)
    end
    assert.truthy(vim_contains(got, 'deontic:should not'))
    assert.truthy(vim_contains(got, 'booster:plainly'))
    assert.truthy(vim_contains(got, 'evaluation:works'))
    local m = lexicon.find(lex, 'It failed. Must. Not now; they must not. Failures, clearly!')
    local seen = {}
    for _, x in ipairs(m) do
      seen[#seen + 1] = x.category .. ':' .. x.start .. '-' .. x.stop
    end
    -- "Must. Not" is two cues; "must not" one, and its two words too; in order of their ends
    assert.are.same({ 'evaluation:3-9', 'deontic:11-15', 'negation:17-20', 'deontic:31-35', 'negation:36-39',
      'deontic:31-39', 'evaluation:41-49', 'booster:51-58' }, seen)
  end)

  it('counts the cues of every document on the worker, as the matcher finds them one by one', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    local c = assert(require('stance').open(d))
    local got
    local job = assert(c:cues({ on_done = function(results) got = results end }))
    assert.are.equal('done', require('stance.worker').wait(job))
    assert.are.equal(4, #got)
    local lex = lexicon.load(d)
    for _, r in ipairs(got) do
      local want, total = {}, 0
      for _, m in ipairs(lexicon.find(lex, T.read(d .. '/' .. r.path))) do
        want[m.category] = (want[m.category] or 0) + 1
        total = total + 1
      end
      assert.are.same(want, r.counts, r.path)
      assert.are.equal(total, r.matches)
    end
  end)

  it("reads a corpus's own lexicon and reports what it cannot use", function()
    local d = T.tmpdir()
    os.execute('mkdir -p ' .. T.q(d .. '/.stance'))
    T.write(d .. '/.stance/lexicon.stance', table.concat({
      'format stance 1',
      'category sanctions',
      '  title "Talk of sanctions"',
      '  cues sanction* "maximum pressure" ""',
      '  colour red',
      'category',
      'cue x',
    }, '\n') .. '\n')
    local lex = lexicon.load(d)
    assert.are.equal(d .. '/.stance/lexicon.stance', lex.file)
    assert.are.equal(2, lex.cues)
    local msgs = {}
    for _, p in ipairs(lex.problems) do
      msgs[#msgs + 1] = p.line .. ':' .. p.message
    end
    assert.are.equal(4, #msgs, table.concat(msgs, '\n'))
    local found = lexicon.find(lex, 'Sanctions and maximum pressure failed.')
    assert.are.equal(2, #found)
  end)
end)

