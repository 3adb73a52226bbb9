-- The stance model and `stance eval`: a labelled set written here for the example corpus
-- (every sentence labelled by what it says), cross-validated: the model beats the majority
-- baseline on macro-F1, and the same data and seed give the same figures.
local T = require('helpers')
local json = require('stance.json')

local FAVOR = { 'work', 'fallen', 'fell', 'time', 'cleaner', 'paid', 'tram', 'fair', 'keep', 'extend', 'rose',
  'standard', 'patience' }
local AGAINST = { 'unfair', 'tax', 'hurt', 'poor', 'cost', 'wage', 'empty', 'reform', 'go', 'cannot', 'nurse',
  'shift', 'pay' }

--- favor / against / neutral by the words of a sentence: the annotations "we write".
local function label(text)
  local t = text:lower()
  local f, a = 0, 0
  for _, w in ipairs(FAVOR) do
    if t:find('%f[%w]' .. w) then f = f + 1 end
  end
  for _, w in ipairs(AGAINST) do
    if t:find('%f[%w]' .. w) then a = a + 1 end
  end
  if f > a then return 'favor' end
  if a > f then return 'against' end
  return 'neutral'
end

describe('the stance model', function()
  after_each(T.cleanup)

  it('beats the majority baseline in cross-validation, with the same figures for the same seed', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    local c = assert(require('stance').open(d))
    local n = 0
    for _, p in ipairs(c:paths()) do
      local doc = assert(c:document(p))
      for _, s in ipairs(doc:sentences()) do
        local l = label(s.text)
        assert(doc:annotate({ start = s.start, stop = s.stop, label = l, target = 'congestion-charge',
          annotator = 'rules' }))
        n = n + 1
      end
    end
    assert(c:save())
    assert.is_true(n >= 30, n)
    local cmd = ('cd %s && %s eval --annotators rules --folds 5 --seed 7 --json'):format(T.q(d), T.q(T.stance))
    local out, err, code = T.run(cmd)
    assert.are.equal(0, code, err)
    local r = json.decode(out)
    assert.are.equal(n, r.examples)
    assert.is_true(r.model.macro_f1 > r.baseline.macro_f1,
      ('model %.3f, baseline %.3f'):format(r.model.macro_f1, r.baseline.macro_f1))
    T.report('%d sentences: model macro-F1 %.3f (accuracy %.3f), majority baseline %.3f (%.3f)', n,
      r.model.macro_f1, r.model.accuracy, r.baseline.macro_f1, r.baseline.accuracy)
    local again = T.run(cmd)
    assert.are.equal(out, again)
    local other = T.run(cmd:gsub('%-%-seed 7', '--seed 8'))
    assert.are_not.equal(out, other)
    -- the text report has the model and the baseline side by side
    local text = T.run(('cd %s && %s eval --annotators rules --target congestion-charge'):format(T.q(d), T.q(T.stance)))
    assert.truthy(text:find('macro%-F1%s+%d%.%d+%s+%d%.%d+'), text)
    assert.truthy(text:find('towards congestion-charge', 1, true), text)
    local _, e2, c2 = T.run(('cd %s && %s eval --folds 1'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(2, c2)
    assert.truthy(e2:find('--folds', 1, true))
  end)

  it('stance suggest writes predictions for unannotated sentences as the model layer only', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    local c = assert(require('stance').open(d))
    for _, p in ipairs({ '01_charge_works.txt', '02_charge_unfair.txt' }) do
      local doc = assert(c:document(p))
      for _, s in ipairs(doc:sentences()) do
        assert(doc:annotate({ start = s.start, stop = s.stop, label = label(s.text), target = 'congestion-charge',
          annotator = 'rules' }))
      end
    end
    assert(c:save())
    local before = T.read(d .. '/.stance/annotations/rules/01_charge_works.txt.stance')
    local cmd = ('cd %s && %s suggest --annotators rules --target congestion-charge --min-prob 0.4'):format(T.q(d),
      T.q(T.stance))
    local out, err, code = T.run(cmd)
    assert.are.equal(0, code, err)
    assert.truthy(out:find('written as the layer "model"', 1, true), out)
    local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/model/04_letter.txt.stance'))))
    local recs = store:records('annotation')
    assert.is_true(#recs > 0)
    for _, r in ipairs(recs) do
      assert.are.equal('congestion-charge', r.target)
      assert.is_true(tonumber(r.confidence) >= 0.4)
      assert.are.equal(r.label, r.stance)
    end
    -- annotated sentences get no suggestion; persons' files are untouched; a new run replaces
    assert.is_false(T.exists(d .. '/.stance/annotations/model/01_charge_works.txt.stance'))
    assert.are.equal(before, T.read(d .. '/.stance/annotations/rules/01_charge_works.txt.stance'))
    T.run(cmd)
    local again = assert(require('stance.core').read(T.read(d .. '/.stance/annotations/model/04_letter.txt.stance')))
    assert.are.equal(#recs, again:count('annotation'))
  end)

  it('learns and predicts on the worker threads what the same model does sentence by sentence', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    local c = assert(require('stance').open(d))
    for _, p in ipairs({ '01_charge_works.txt', '02_charge_unfair.txt', '03_charge_evidence.txt' }) do
      local doc = assert(c:document(p))
      for i, s in ipairs(doc:sentences()) do
        if i % 3 ~= 0 then -- some left to predict in the annotated documents too
          assert(doc:annotate({ start = s.start, stop = s.stop, label = label(s.text), target = 'congestion-charge',
            annotator = 'rules' }))
        end
      end
    end
    assert(c:save())
    local model = require('stance.model')
    -- the reference: examples and unannotated sentences in Lua, one prediction per sentence
    local ex = model.examples(c, { target = 'congestion-charge' })
    local nb = model.train(ex, require('stance.lexicon').load(d))
    local result
    local job = assert(model.start(c, { target = 'congestion-charge' }, { on_done = function(r) result = r end }))
    assert.are.equal('done', require('stance.worker').wait(job))
    assert(result)
    local learnt = 0
    for _, n in pairs(result.examples) do
      learnt = learnt + n
    end
    assert.are.equal(#ex, learnt)
    local compared = 0
    for i, info in ipairs(result.documents) do
      local doc = assert(c:document(info.path))
      local humans = {}
      for _, n in ipairs(doc:annotators()) do
        if n ~= 'model' then humans[#humans + 1] = n end
      end
      local want = model.unlabelled(doc, humans, 'congestion-charge')
      local got = result.predictions(i)
      assert.are.equal(#want, #got, info.path)
      assert.are.equal(#doc:sentences(), info.sentences)
      for k, w in ipairs(want) do
        local cls, p, probs = model.predict(nb, w.text)
        assert.are.same({ w.start, w.stop, cls }, { got[k].start, got[k].stop, got[k].class })
        assert.is_true(math.abs(p - got[k].p) < 1e-9)
        for cl = 1, #probs do
          assert.is_true(math.abs(probs[cl] - got[k].probs[cl]) < 1e-9)
        end
        compared = compared + 1
      end
    end
    assert.is_true(compared >= 20, compared)
  end)

  it('core.nb learns from examples and gives probabilities', function()
    local core = require('stance.core')
    local m = core.nb(2)
    m:add('the charge works and traffic fell', 1)
    m:add('the charge is unfair to workers', 2)
    local p = m:predict('traffic fell')
    assert.is_true(p[1] > p[2])
    assert.is_true(math.abs(p[1] + p[2] - 1) < 1e-9)
    assert.are.equal(1, m:count(1))
    assert.has_error(function() m:add('x', 3) end)
  end)
end)
