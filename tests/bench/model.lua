-- make bench (section "model"): the stance model, measured.
--   stance run tests/bench/model.lua ROOT [SHARED]
-- 1. Speed, one core: training on 10k generated sentences and predicting them, per learner.
-- 2. Our annotation of the study (tests/fixtures/study, on SHARED/corpus), held out by document:
--    per target F_avg and macro-F1 of the model next to the majority class and the keyword rule;
--    the candidates compared (the model, and variants of it that each change one thing:
--    logistic regression, balanced classes, cue and term features, no terms in the
--    calibration; naive Bayes; the classical SemEval bar: a linear SVM over word 1-3-grams and
--    char 2-5-grams, argmax decision, nothing of the targets' terms); the reliability table;
--    training and prediction times. The same annotations under the bundled example's schema
--    (doc/example/shared-corpus): the model next to the majority class and the keyword rule.
-- 3. Generated data sets in the shape of SemEval-2016 (tests/bench/gen_stance.lua), 3000 and
--    600 posts: the same comparison, held out by document.
-- 4. Active learning: labelling the posts the model is nearest to deciding otherwise first
--    (what :Stance next-suggestion offers) against labelling in reading order.
-- 5. SemEval-2016 Task 6 (tweets, 5 targets), when STANCE_BENCH_SEMEVAL names a folder with
--    the task's files (its licence keeps them out of this repository): the task's metric for
--    the model next to the classical bar learnt in the same run (stance.semeval), and both
--    (and the defaults before session 10) in 5-fold cross-validation on the training tweets
--    alone, which is what the model's settings are chosen by.
local core = require('stance.core')
local report = require('bench.report')
report.section('model')
local root = assert(arg and arg[1], 'usage: model.lua ROOT [SHARED]')
local shared = arg[2]
local function ms(t0) return (core.hrtime() - t0) / 1e6 end
-- a held-out score as `stance eval` prints it: '–' when undefined (stance.model_eval.scores)
local fig = require('stance.model_eval').figure
-- the mean of the defined figures of a list, or nil when none is
local function mean_of(list)
  local sum, n = 0, 0
  for _, v in pairs(list) do
    sum, n = sum + v, n + 1
  end
  return n > 0 and sum / n or nil
end

-- 1. speed ---------------------------------------------------------------------------------
local lex = require('stance.lexicon').load(root)
local words = { 'the', 'policy', 'sanctions', 'talks', 'regime', 'must', 'should', 'never', 'engagement', 'pressure',
  'failed', 'clearly', 'perhaps', 'works', 'unfair' }
local rnd = 1
local function r(n)
  rnd = (rnd * 1103515245 + 12345) % 2147483648
  return rnd % n + 1
end
local sents = {}
for i = 1, 10000 do
  local w = {}
  for j = 1, 18 do
    w[j] = words[r(#words)]
  end
  sents[i] = table.concat(w, ' ') .. '.'
end
report.say('   one core (CPU time), 10k sentences of 18 words, 3 stances + none, labels at random (the worst case)')
local times = {}
for _, learner in ipairs({ 'svm', 'lr', 'nb' }) do
  local t0 = os.clock()
  local d = core.dataset({ classes = 4, matcher = lex.matcher })
  for i, s in ipairs(sents) do
    d:add(s, { i % 3 + 2 }, i // 50)
  end
  local t1 = os.clock()
  local m = d:train({ learner = learner })
  local t2 = os.clock()
  for i = 1, 10000 do
    m:predict(sents[i])
  end
  times[learner] = { features = t1 - t0, train = t2 - t1, predict = os.clock() - t2 }
  report.say('   %-4s features %s, training %s (calibration folds and the model), predicting 10k %s', learner,
    report.time(t1 - t0), report.time(t2 - t1), report.time(os.clock() - t2))
end
report.figure({ name = 'training on 10k sentences (linear SVM, calibrated)', time = times.svm.train,
  peer = 'naive Bayes on the same', peer_time = times.nb.train, target = '<= 10x',
  note = 'the price of a discriminative, calibrated model; in the background' })
report.figure({ name = 'predicting 10k sentences', time = times.svm.predict, peer = 'naive Bayes',
  peer_time = times.nb.predict, target = '<= 1.5x' })

-- the candidates compared, held out by document
-- The classical bar (SemEval-2016 task 6's SVM baseline): n-grams only, nothing of the targets'
-- terms, the likeliest class.
local BAR = { learner = 'svm', features = { 'words', 'pairs', 'triples', 'chars' }, char_min = 2, char_max = 5,
  c = 1, balanced = false, decision = 'argmax', term_offsets = false, max_features = 0 }
local ALL = { 'words', 'pairs', 'triples', 'chars', 'cues', 'terms' }
-- The model (the defaults) and what it was chosen against: each differs from it in one respect.
local CANDIDATES = {
  { name = 'model (svm)', opts = {} },
  { name = 'lr', opts = { learner = 'lr' } },
  { name = 'balanced', opts = { balanced = true } },
  { name = '+cues+terms', opts = { features = ALL } },
  { name = 'no term cal.', opts = { term_offsets = false } },
  { name = 'c 1, char 2-5', opts = { c = 1, char_min = 2 } }, -- the defaults before session 10
  { name = 'nb', opts = { learner = 'nb' } },
  { name = 'svm bar', opts = BAR },
}

local function evaluate(c, opts)
  local t0 = core.hrtime()
  local rep = assert(require('stance.model_eval').evaluate(c, opts))
  return rep, ms(t0)
end

local function comparison(c, folds)
  local header = ('   %-12s %7s'):format('candidate', 'mean')
  local first, reps = nil, {}
  for i, cand in ipairs(CANDIDATES) do
    local o = { folds = folds }
    for k, v in pairs(cand.opts) do
      o[k] = v
    end
    local rep, t = evaluate(c, o)
    reps[cand.name] = rep
    if i == 1 then
      first = rep
      for _, tg in ipairs(rep.targets) do
        header = header .. (' %14s'):format(tg.name:sub(1, 14))
      end
      print(header .. '   (F_avg held out by document)')
      for _, base in ipairs({ 'majority', 'keyword' }) do
        local line, values = '', {}
        for _, tg in ipairs(rep.targets) do
          line = line .. ' ' .. fig(tg[base].f_avg, 14)
          values[#values + 1] = tg[base].f_avg
        end
        print(('   %-12s %s%s'):format(base, fig(mean_of(values), 7), line))
      end
    end
    local line, values = '', {}
    for _, tg in ipairs(rep.targets) do
      line = line .. ' ' .. fig(tg.model.f_avg, 14)
      values[#values + 1] = tg.model.f_avg
    end
    print(('   %-12s %s%s   %.0f ms, ECE %.3f'):format(cand.name, fig(mean_of(values), 7), line, t, rep.calibration.ece))
  end
  return first, reps
end

local function details(rep)
  print(('   %-24s %8s %8s %8s | %8s %8s %8s   (the model; macro-F1 over none + stances)')
    :format('target', 'F_avg', 'major.', 'keyword', 'macro', 'major.', 'keyword'))
  for _, t in ipairs(rep.targets) do
    local sup = {}
    for _, k in ipairs(rep.classes) do
      sup[#sup + 1] = ('%s %d'):format(k, t.support[k])
    end
    print(('   %-24s %s %s %s | %s %s %s   %s%s'):format(t.name, fig(t.model.f_avg, 8), fig(t.majority.f_avg, 8),
      fig(t.keyword.f_avg, 8), fig(t.model.macro_f1, 8), fig(t.majority.macro_f1, 8), fig(t.keyword.macro_f1, 8),
      table.concat(sup, ', '), t.model.undefined and ('; – undefined: ' .. t.model.undefined) or ''))
    local v = t.versus_keyword
    print(('   %-24s decided %d of %d sentences otherwise than the keyword rule: right in %d, the rule in %d')
      :format('', v.differ, v.pairs, v.model_right, v.keyword_right))
  end
  for _, l in ipairs(require('stance.model_eval').reliability_lines(rep.calibration, rep.classes, '   ')) do
    print(l)
  end
end

local function tmpdir()
  local p = io.popen('mktemp -d')
  local d = p:read('*l')
  p:close()
  return d
end

-- 2. the study ------------------------------------------------------------------------------
if shared and require('stance.fs').exists(shared .. '/corpus/000_6358a7516b2472dd.txt') then
  local d = tmpdir()
  os.execute(("mkdir -p '%s/.stance/annotations' && cp '%s'/corpus/*.txt '%s/' && cp '%s/tests/fixtures/study/schema.stance'"
    .. " '%s/.stance/' && cp -r '%s/tests/fixtures/study/annotations/fixture' '%s/.stance/annotations/'")
    :format(d, shared, d, root, d, root, d))
  local c = assert(stance.open(d))
  report.say('   the study: our annotation of the 5 sample articles (267 sentences x 4 targets), 5 folds by document')
  local rep = comparison(c, 10)
  details(rep)
  for _, t in ipairs(rep.targets) do
    if t.model.f_avg and t.keyword.f_avg then
      report.figure({ name = 'study, ' .. t.name .. ': F_avg held out by document', value = t.model.f_avg,
        -- (the issue asks that the model beat the rule: a tie is not met)
        peer = 'keyword rule', peer_value = math.max(t.keyword.f_avg, 1e-9), target = '> 1x' })
    else
      report.say(('   study, %s: F_avg undefined (%s)'):format(t.name, t.model.undefined or t.keyword.undefined))
    end
  end
  -- each a few milliseconds: the two in turns, 5 times, medians (one run of each, the model's
  -- first, measured the order as much as the work)
  local runs, nb_runs, n = {}, {}, 0
  for i = 1, 5 do
    local t0 = core.hrtime()
    local res = assert(require('stance.model').run(c, { all = true }))
    runs[i] = ms(t0) / 1e3
    t0 = core.hrtime()
    assert(require('stance.model').run(c, { learner = 'nb', folds = 0, all = true }))
    nb_runs[i] = ms(t0) / 1e3
    n = 0
    for _, doc in ipairs(res.documents) do
      n = n + doc.sentences
    end
  end
  table.sort(runs)
  table.sort(nb_runs)
  report.figure({ name = ('study: learn 5 documents, predict %d sentences x 4 targets (worker)'):format(n),
    time = runs[3], peer = 'naive Bayes, uncalibrated', peer_time = nb_runs[3], target = '<= 6x',
    note = 'median of 5 in turns; the SVM and its calibration folds against one pass of counts' })
  os.execute(("rm -rf '%s'"):format(d))
  -- the same annotations under the bundled example's schema (doc/example/shared-corpus): other
  -- target names (its denuclearization is not the fixture's denuclearization-first: no
  -- examples: its F_avg is undefined), a third stance (neutral, never annotated), no terms (the
  -- keyword rule and the calibration take each target's name)
  d = tmpdir()
  os.execute(("mkdir -p '%s/.stance/annotations' && cp '%s'/corpus/*.txt '%s/' && cp"
    .. " '%s/doc/example/shared-corpus/schema.stance' '%s/.stance/' && cp -r"
    .. " '%s/tests/fixtures/study/annotations/fixture' '%s/.stance/annotations/'"):format(d, shared, d, root, d, root, d))
  c = assert(stance.open(d))
  report.say('   the bundled example\'s schema (doc/example/shared-corpus) with the same annotations, 5 folds by document')
  rep = evaluate(c, { folds = 10 })
  details(rep)
  for _, t in ipairs(rep.targets) do
    if t.model.f_avg and t.keyword.f_avg then
      report.figure({ name = 'example schema, ' .. t.name .. ': F_avg held out by document', value = t.model.f_avg,
        peer = 'keyword rule (its name)', peer_value = math.max(t.keyword.f_avg, 1e-9), target = '> 1x' })
    else
      report.say(('   example schema, %s: F_avg undefined (%s)'):format(t.name,
        t.model.undefined or t.keyword.undefined))
    end
  end
  os.execute(("rm -rf '%s'"):format(d))
else
  report.say('   the study: ../shared/corpus is not here (skipped)')
end

-- 3. generated data sets in the shape of SemEval-2016 ------------------------------------------
-- 3000 posts (about 600 per target), and 600 (a few hundred sentences, as a team starts with).
for _, set in ipairs({ { posts = 3000, seed = 1, docs = 100 }, { posts = 600, seed = 3, docs = 20 } }) do
  local g = tmpdir()
  os.execute(("lua5.4 '%s/tests/bench/gen_stance.lua' '%s' %d %d >/dev/null"):format(root, g, set.posts, set.seed))
  local c = assert(stance.open(g))
  print(('   generated (tests/bench/gen_stance.lua, seed %d): %d posts, 5 targets, favor/against/none, 8%% wrong'
    .. ' labels, %d documents in 5 folds'):format(set.seed, set.posts, set.docs))
  local rep, reps = comparison(c, 5)
  details(rep)
  local a, b = {}, {}
  for i, t in ipairs(rep.targets) do
    if t.model.f_avg and reps['svm bar'].targets[i].model.f_avg then -- the targets both define
      a[#a + 1], b[#b + 1] = t.model.f_avg, reps['svm bar'].targets[i].model.f_avg
    end
  end
  local ours, theirs = mean_of(a) or 0, mean_of(b) or 0
  report.figure({ name = ('generated set of %d posts: mean F_avg held out by document'):format(set.posts),
    value = ours, peer = 'linear SVM, word 1-3 + char 2-5-grams (the SemEval bar)', peer_value = theirs,
    target = '>= 1x' })
  os.execute(("rm -rf '%s'"):format(g))
end

-- 4. active learning -------------------------------------------------------------------------
-- Does :Stance next-suggestion's choice save work? It offers the sentence where the model is
-- nearest to deciding otherwise toward some target (stance.model.closeness: its likeliest
-- stance's probability next to the target's threshold, or two stances nearly tied above it).
-- Simulated on generated sets of 3000 posts (three seeds): the annotator labels 50 posts in
-- reading order, then 50 at a time, either the next ones in reading order or the 50 nearest
-- a decision (retrained each time), up to 400; after each step, the model is scored on
-- documents held out (the last fifth). The entropy of the classes summed over the targets
-- (what it offered before) is shown for comparison.
local STRATEGY_NAMES = { 'reading order', 'nearest decision', 'entropy' }

local function posts_of(dir)
  local c = assert(stance.open(dir))
  local st = assert(require('stance.model').setup(c))
  local tindex = {}
  for i, t in ipairs(st.targets) do
    tindex[t] = i
  end
  local out = {}
  for di, path in ipairs(c:paths()) do
    local f = assert(io.open(dir .. '/' .. path, 'rb'))
    local body = f:read('a')
    f:close()
    f = assert(io.open(dir .. '/.stance/annotations/gen/' .. path .. '.stance', 'rb'))
    local store = assert(core.read(f:read('a')))
    f:close()
    local at = {}
    for _, rec in ipairs(store:records('annotation')) do
      at[rec.spans[1][1]] = { tindex[rec.target], rec.stance == 'favor' and 2 or 3 }
    end
    local cp = 0
    for text in (body:gsub('\n$', '') .. '\n\n'):gmatch('(.-)\n\n') do
      local labels = {}
      for t = 1, #st.targets do
        labels[t] = 1
      end
      local a = at[cp]
      if a then labels[a[1]] = a[2] end
      out[#out + 1] = { text = text, labels = labels, doc = di }
      cp = cp + utf8.len(text) + 2
    end
  end
  return out, #st.targets, st.term_matcher, #c:paths()
end

local function active_learning(dir)
  local posts, nt, terms, ndocs = posts_of(dir)
  local pool, test = {}, {}
  for _, p in ipairs(posts) do
    if p.doc <= ndocs * 0.8 then pool[#pool + 1] = p else test[#test + 1] = p end
  end
  local classes = { 'none', 'favor', 'against' }
  local function train(chosen)
    local d = core.dataset({ targets = nt, classes = 3, terms = terms })
    for _, p in ipairs(chosen) do
      d:add(p.text, p.labels, p.doc)
    end
    return d:train()
  end
  local function score(m)
    local mean = 0
    for t = 1, nt do
      local conf = {}
      for _, g in ipairs(classes) do
        conf[g] = { none = 0, favor = 0, against = 0 }
      end
      for _, p in ipairs(test) do
        local probs = m:predict(p.text)[t]
        local guess = 1
        if m:trained(t) then
          guess = probs[2] >= probs[3] and 2 or 3
          if probs[guess] < m:threshold(t) then guess = 1 end
        end
        local g = classes[p.labels[t]]
        conf[g][classes[guess]] = conf[g][classes[guess]] + 1
      end
      mean = mean + (require('stance.model_eval').scores(conf, classes).f_avg or 0) / nt -- every target has stances
    end
    return mean
  end
  local model, names = require('stance.model'), { 'none', 'favor', 'against' }
  local function nearest(m, p) -- the smallest closeness of any target (negated: the most first)
    local probs, best = m:predict(p.text), nil
    for t = 1, nt do
      if m:trained(t) then
        local named = {}
        for k, q in ipairs(probs[t]) do
          named[names[k]] = q
        end
        local d = model.closeness(named, m:threshold(t), 'none')
        if d and (not best or d < best) then best = d end
      end
    end
    return best and -best or -math.huge
  end
  local function entropy(m, p)
    local probs, h = m:predict(p.text), 0
    for t = 1, nt do
      if m:trained(t) then
        for _, q in ipairs(probs[t]) do
          if q > 0 then h = h - q * math.log(q) end
        end
      end
    end
    return h
  end
  local curves = {}
  for _, strategy in ipairs(STRATEGY_NAMES) do
    local chosen, taken, curve = {}, {}, {}
    for i = 1, 50 do
      chosen[i], taken[i] = pool[i], true
    end
    while true do
      local m = train(chosen)
      curve[#curve + 1] = { n = #chosen, f_avg = score(m) }
      if #chosen >= 400 then break end
      local next = {}
      for i, p in ipairs(pool) do
        if not taken[i] then
          local h = -i
          if strategy == 'nearest decision' then h = nearest(m, p) elseif strategy == 'entropy' then h = entropy(m, p) end
          next[#next + 1] = { i = i, h = h }
        end
      end
      table.sort(next, function(a, b)
        if a.h ~= b.h then return a.h > b.h end
        return a.i < b.i
      end)
      for k = 1, 50 do
        chosen[#chosen + 1], taken[next[k].i] = pool[next[k].i], true
      end
    end
    curves[strategy] = curve
  end
  return curves
end

do
  local seeds, mean = { 1, 2, 3 }, {}
  print(('   active learning on generated sets of 3000 posts (seeds %s): 50 posts in reading order, then 50 at a time')
    :format(table.concat(seeds, ', ')))
  for _, seed in ipairs(seeds) do
    local g = tmpdir()
    os.execute(("lua5.4 '%s/tests/bench/gen_stance.lua' '%s' 3000 %d >/dev/null"):format(root, g, seed))
    local curves = active_learning(g)
    os.execute(("rm -rf '%s'"):format(g))
    for _, strategy in ipairs(STRATEGY_NAMES) do
      mean[strategy] = mean[strategy] or {}
      for k, pt in ipairs(curves[strategy]) do
        mean[strategy][k] = mean[strategy][k] or { n = pt.n, f_avg = 0 }
        mean[strategy][k].f_avg = mean[strategy][k].f_avg + pt.f_avg / #seeds
      end
    end
  end
  local head = ('   %-18s'):format('labels')
  for _, pt in ipairs(mean['reading order']) do
    head = head .. ('%7d'):format(pt.n)
  end
  print(head .. '   (mean F_avg on held-out documents, mean of the seeds)')
  for _, strategy in ipairs(STRATEGY_NAMES) do
    local line = ('   %-18s'):format(strategy == 'entropy' and 'entropy (before)' or strategy)
    for _, pt in ipairs(mean[strategy]) do
      line = line .. ('%7.3f'):format(pt.f_avg)
    end
    print(line)
  end
  -- the work saved: the labels the nearest-decision order needs to reach what reading order
  -- reaches with 400; and from how many labels on it stays ahead
  local ours, theirs = mean['nearest decision'], mean['reading order']
  local goal, need, ahead = theirs[#theirs].f_avg, nil, nil
  for _, pt in ipairs(ours) do
    if not need and pt.f_avg >= goal then need = pt.n end
  end
  for i = #ours, 1, -1 do
    if ours[i].f_avg < theirs[i].f_avg then break end
    ahead = ours[i].n
  end
  report.figure({ name = ('active learning: labels to reach F_avg %.3f, nearest a decision first'):format(goal),
    value = need or math.huge, peer = 'reading order', peer_value = 400, target = '<= 1x',
    note = ('nearest a decision first is ahead from %s labels on'):format(ahead and tostring(ahead) or 'none') })
end

-- Active learning on SemEval's tweets (real data, one model per target): per target, 50
-- training tweets in reading order, then 50 at a time, the next in reading order, the 50
-- nearest a decision (as :Stance next-suggestion), or the 50 of most entropy, up to 350 (the
-- smallest target has 395); the model scored on the test tweets (F_avg micro over the
-- targets). Two reading orders: the file's, and a shuffle (seed 1); the mean of the two.
local function semeval_active_learning(data)
  local sem, model = require('stance.semeval'), require('stance.model')
  local CLASS, NAMES = { NONE = 1, FAVOR = 2, AGAINST = 3 }, { 'none', 'favor', 'against' }
  local targets, by = require('stance.semeval').by_target(data.train)
  local test = {}
  for _, tw in ipairs(data.test) do
    if by[tw.target] then
      test[tw.target] = test[tw.target] or {}
      table.insert(test[tw.target], tw)
    end
  end
  local pick = {
    ['reading order'] = function(_, _, i) return -i end,
    ['nearest decision'] = function(probs, th)
      local named = {}
      for k, q in ipairs(probs) do
        named[NAMES[k]] = q
      end
      local d = model.closeness(named, th, 'none')
      return d and -d or -math.huge
    end,
    entropy = function(probs)
      local h = 0
      for _, q in ipairs(probs) do
        if q > 0 then h = h - q * math.log(q) end
      end
      return h
    end,
  }
  local steps, orders, mean = { 50, 100, 150, 200, 250, 300, 350 }, { 0, 1 }, {}
  for _, order in ipairs(orders) do
    for _, strategy in ipairs(STRATEGY_NAMES) do
      local conf = {}
      for k = 1, #steps do
        conf[k] = { { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } }
      end
      for _, t in ipairs(targets) do
        local pool = order > 0 and sem.shuffled(by[t], order * 7919 + 1) or by[t]
        local taken, chosen = {}, {}
        for i = 1, steps[1] do
          taken[i], chosen[i] = true, pool[i]
        end
        for k = 1, #steps do
          local o = { classes = 3, terms = core.cues() }
          for w in t:gmatch('[%w\128-\255]+') do -- the target's terms, as stance.semeval gives them
            if #w >= 4 then o.terms:add(w:lower() .. '*', 1) end
          end
          local d = core.dataset(o)
          for i, tw in ipairs(chosen) do
            d:add(tw.text, { CLASS[tw.stance] }, i)
          end
          local m = d:train()
          local th = m:threshold(1)
          for _, tw in ipairs(test[t] or {}) do
            local guess = m:trained(1) and model.decide(m:predict(tw.text)[1], 0, 3, th) or 1
            local g = CLASS[tw.stance]
            conf[k][g][guess] = conf[k][g][guess] + 1
          end
          if k < #steps then
            local cand = {}
            for i, tw in ipairs(pool) do
              if not taken[i] then
                cand[#cand + 1] = { i = i, h = m:trained(1) and pick[strategy](m:predict(tw.text)[1], th, i) or -i }
              end
            end
            table.sort(cand, function(a, b)
              if a.h ~= b.h then return a.h > b.h end
              return a.i < b.i
            end)
            for j = 1, math.min(steps[k + 1] - steps[k], #cand) do
              taken[cand[j].i], chosen[#chosen + 1] = true, pool[cand[j].i]
            end
          end
          d:close()
          m:close()
        end
      end
      mean[strategy] = mean[strategy] or {}
      for k = 1, #steps do
        mean[strategy][k] = (mean[strategy][k] or 0) + sem.scores(conf[k]).f_avg / #orders
      end
    end
  end
  print('   active learning on SemEval (per target: 50 tweets in reading order, then 50 at a time; test tweets scored)')
  local head = ('   %-18s'):format('labels per target')
  for _, n in ipairs(steps) do
    head = head .. ('%7d'):format(n)
  end
  print(head .. '   (F_avg micro on the test set, mean of 2 reading orders)')
  for _, strategy in ipairs(STRATEGY_NAMES) do
    local line = ('   %-18s'):format(strategy == 'entropy' and 'entropy (before)' or strategy)
    for k = 1, #steps do
      line = line .. ('%7.3f'):format(mean[strategy][k])
    end
    print(line)
  end
  local goal, need = mean['reading order'][#steps], nil
  for k = 1, #steps do
    if not need and mean['nearest decision'][k] >= goal then need = steps[k] end
  end
  report.figure({ name = ('SemEval-2016 Task 6: active learning, labels per target to reach F_avg %.3f, nearest a '
    .. 'decision first'):format(goal), value = need or math.huge, peer = 'reading order', peer_value = steps[#steps],
    target = '<= 1x' })
end

-- The reliability of the probabilities on SemEval's test tweets (real data): each model learns
-- from all the training tweets of its target; for each test tweet, the stance the model finds
-- likeliest (never "none": what a suggestion shows) and its probability, in ten bins, next to
-- how often the annotators gave that stance (stance.model_eval's table and its words).
local function semeval_reliability(data)
  local ev, CLASS = require('stance.model_eval'), { NONE = 1, FAVOR = 2, AGAINST = 3 }
  local targets, by = require('stance.semeval').by_target(data.train)
  local bins = ev.bins()
  for _, t in ipairs(targets) do
    local o = { classes = 3, terms = core.cues() }
    for w in t:gmatch('[%w\128-\255]+') do -- the target's terms, as stance.semeval gives them
      if #w >= 4 then o.terms:add(w:lower() .. '*', 1) end
    end
    local d = core.dataset(o)
    for i, tw in ipairs(by[t]) do
      d:add(tw.text, { CLASS[tw.stance] }, i)
    end
    local m = d:train()
    for _, tw in ipairs(data.test) do
      if tw.target == t and m:trained(1) then
        local probs = m:predict(tw.text)[1]
        local best = probs[2] >= probs[3] and 2 or 3
        local b = bins[math.min(math.floor(probs[best] * ev.BINS) + 1, ev.BINS)]
        b.n, b.confidence = b.n + 1, b.confidence + probs[best]
        if CLASS[tw.stance] == best then b.right = b.right + 1 end
      end
    end
    d:close()
    m:close()
  end
  local cal = ev.calibration(bins)
  print('   on the test tweets (the models learnt from all the training tweets):')
  for _, l in ipairs(ev.reliability_lines(cal, { 'none', 'favor', 'against' }, '   ')) do
    print(l)
  end
  return cal.ece
end

-- 5. SemEval-2016 Task 6 -------------------------------------------------------------------
-- the folder a public data set's variable names, or nil after a line saying the part is skipped
local function data_dir(var, what, files)
  local dir = os.getenv(var)
  if dir and dir ~= '' then return dir end
  report.say(('   %s: skipped: set %s to a folder with %s'):format(what, var, files))
end
do
  local dir = data_dir('STANCE_BENCH_SEMEVAL', 'SemEval-2016 Task 6', "the task's files (trainingdata-all-annotations.txt,"
    .. ' testdata-taskA-all-annotations.txt, trialdata-all-annotations.txt)')
  if dir then
    local sem = require('stance.semeval')
    local data = assert(sem.load({ dir = dir }))
    local res = sem.evaluate(data)
    print(('   SemEval-2016 Task 6 (%s): %d training tweets (trial + training), %d test tweets, one model per'
      .. ' target'):format(dir, res.train, res.test))
    print(('   %-36s %7s %7s %7s %9s %11s %11s'):format('F_avg micro over all targets', 'F_avg', 'F favor', 'F agst',
      'macro-F1', 'training', 'predicting'))
    local function line(name, s)
      print(('   %-36s %7.4f %7.4f %7.4f %9.4f %11s %11s'):format(name, s.f_avg, s.f_favor, s.f_against, s.macro_f1,
        s.train_s and report.time(s.train_s) or '', s.predict_s and report.time(s.predict_s) or ''))
    end
    line('model', res.model)
    line('bar: SVM word 1-3 + char 2-5 (here)', res.bar)
    print(('   %-36s %7.4f'):format('bar: published (Mohammad et al. 2016)', sem.PUBLISHED_BAR))
    line('majority class', res.majority)
    line('naive Bayes', res.nb)
    print(('   %-36s %6s %6s %7s %7s %7s'):format('per target', 'train', 'test', 'model', 'bar', 'major.'))
    for _, t in ipairs(res.targets) do
      print(('   %-36s %6d %6d %7.4f %7.4f %7.4f'):format(t.name, t.train, t.test, t.model.f_avg, t.bar.f_avg,
        t.majority.f_avg))
    end
    -- what the model's settings were chosen by: the training tweets alone (5 folds, 2 splits)
    local cv = sem.cross_validate(data, { model = {}, ['c 1, char 2-5'] = { c = 1, char_min = 2 },
      bar = sem.bar_candidate() })
    print(('   %-36s %7s   %s'):format('5-fold CV on the training tweets', 'F_avg', table.concat(cv.targets, ', ')))
    for _, name in ipairs({ 'model', 'c 1, char 2-5', 'bar' }) do
      local per = {}
      for _, t in ipairs(cv.targets) do
        per[#per + 1] = ('%.3f'):format(cv[name].per[t].f_avg)
      end
      print(('   %-36s %7.4f   %s'):format(name, cv[name].f_avg, table.concat(per, ' ')))
    end
    report.figure({ name = 'SemEval-2016 Task 6: F_avg on the test set (micro over 5 targets)', value = res.model.f_avg,
      peer = 'the bar in this run: linear SVM, word 1-3 + char 2-5-grams', peer_value = res.bar.f_avg, target = '>= 1x',
      note = ('published bar %.4f'):format(sem.PUBLISHED_BAR) })
    report.figure({ name = 'SemEval-2016 Task 6: training 5 models on 2914 tweets (calibrated SVM)',
      time = res.model.train_s, peer = 'naive Bayes on the same', peer_time = res.nb.train_s, target = '<= 10x' })
    local ece = semeval_reliability(data)
    report.say(('   SemEval-2016 Task 6: expected calibration error on the test tweets %.3f (no target: the'
      .. ' table above says where)'):format(ece))
    semeval_active_learning(data)
  end
end

-- 6. P-Stance (tweets favoring or against three politicians, no third stance) -----------------
--    when STANCE_BENCH_PSTANCE names a folder with its released CSV files (kept out of this
--    repository like SemEval's): the same protocol as SemEval's (stance.semeval: one model
--    per target, F_avg of favor and against) with the same bar, on the official split; with
--    the test file alone, 5-fold cross-validation over its tweets (stance.pstance.load).
do
  local dir = data_dir('STANCE_BENCH_PSTANCE', 'P-Stance', 'its files (raw_train_all.csv, raw_val_all.csv,'
    .. ' raw_test_all.csv; raw_test_all.csv alone: cross-validation on it)')
  if dir then
    local sem = require('stance.semeval')
    local data = assert(require('stance.pstance').load(dir))
    local rows, head
    if not data.cv then
      local res = sem.evaluate(data)
      head = ('   P-Stance (%s): %d training tweets (train + val), %d test tweets, one model per target'):format(dir,
        res.train, res.test)
      rows = { model = res.model, bar = res.bar, majority = res.majority, targets = {} }
      for _, t in ipairs(res.targets) do
        rows.targets[#rows.targets + 1] = { name = t.name, n = t.test, model = t.model, bar = t.bar,
          majority = t.majority }
      end
    else
      local cv = sem.cross_validate(data, { model = {}, bar = sem.bar_candidate() })
      head = ('   P-Stance (%s): no training file: 5-fold CV (2 splits) over the %d tweets of %s, one model per'
        .. ' target'):format(dir, #data.train, require('stance.pstance').FILES.test)
      rows = { model = cv.model, bar = cv.bar, majority = cv.majority, targets = {} }
      local n = {}
      for _, row in ipairs(data.train) do
        n[row.target] = (n[row.target] or 0) + 1
      end
      for _, t in ipairs(cv.targets) do
        rows.targets[#rows.targets + 1] = { name = t, n = n[t], model = cv.model.per[t], bar = cv.bar.per[t],
          majority = cv.majority.per[t] }
      end
    end
    print(head)
    print(('   %-36s %7s %7s %7s'):format('F_avg micro over all targets', 'F_avg', 'F favor', 'F agst'))
    for _, name in ipairs({ 'model', 'bar', 'majority' }) do
      local s = rows[name]
      print(('   %-36s %7.4f %7.4f %7.4f'):format(name == 'bar' and 'bar: SVM word 1-3 + char 2-5 (here)' or name
        == 'majority' and 'majority class' or name, s.f_avg, s.f_favor, s.f_against))
    end
    print(('   %-36s %6s %7s %7s %7s'):format('per target', 'scored', 'model', 'bar', 'major.'))
    for _, t in ipairs(rows.targets) do
      print(('   %-36s %6d %7.4f %7.4f %7.4f'):format(t.name, t.n, t.model.f_avg, t.bar.f_avg, t.majority.f_avg))
    end
    report.figure({ name = ('P-Stance: F_avg %s (micro over the targets)'):format(data.cv and 'in 5-fold CV on the test file'
      or 'on the test set'), value = rows.model.f_avg, peer = 'the bar in this run: linear SVM, word 1-3 + char 2-5-grams',
      peer_value = rows.bar.f_avg, target = '>= 1x' })
  end
end
