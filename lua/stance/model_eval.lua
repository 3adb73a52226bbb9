--- Held-out evaluation of the stance model, the way a team uses it: the documents annotators
--- have read are split into folds (one document per fold when there are few); for each fold
--- the model learns from the others and predicts its sentences; per target, its predictions
--- are scored against the annotations next to two baselines made from the same training
--- documents: the majority class, and a keyword rule (a sentence that mentions one of the
--- target's terms takes the stance most often seen in training sentences mentioning one;
--- other sentences, no stance). Scores: per class precision, recall and F1; macro-F1 over the
--- classes (no stance included); F_avg, the mean F1 of the stances (SemEval-2016's stance
--- metric, (F1 favor + F1 against) / 2 when those are the stances); and a reliability table of
--- the model's probabilities. Both hosts.
local M = {}
local H = {}

--- A deterministic shuffle (a linear congruential generator seeded with `seed`).
function H.shuffle(list, seed)
  local x = seed % 2147483647
  if x <= 0 then x = x + 2147483646 end
  for i = #list, 2, -1 do
    x = (x * 48271) % 2147483647
    local j = x % i + 1
    list[i], list[j] = list[j], list[i]
  end
end

--- The documents some layer of `layers` has a file for (what the annotators read), or with a
--- rejected suggestion (`also`: by path). A file reached through a link (itself, or a folder
--- between: stance.layer_link) is none of the layer's: the model job learns nothing of it
--- (and says it, stance.model.skipped).
function H.labelled(c, layers, also)
  local fs, link, out = require('stance.fs'), require('stance.layer_link'), {}
  for _, path in ipairs(c:paths()) do
    local read = also[path] ~= nil
    for _, l in ipairs(layers) do
      if not read then
        local file = ('%s/.stance/annotations/%s/%s.stance'):format(c.root, l, path)
        read = fs.exists(file) and not link.problem(file, c.root)
      end
    end
    if read then out[#out + 1] = path end
  end
  return out
end

function H.confusion(classes)
  local t = {}
  for _, g in ipairs(classes) do
    t[g] = {}
    for _, p in ipairs(classes) do
      t[g][p] = 0
    end
  end
  return t
end

--- Precision, recall and F1 per class of confusion `conf` (nil for a class with neither
--- examples nor predictions: 0/0); macro-F1 over the classes with examples or predictions,
--- undefined (nil) when fewer than two have any (one class is nothing to tell apart: "always
--- none" would score 1); F_avg over the stances (all classes but the first) likewise,
--- undefined (nil) when no stance has examples or predictions; accuracy. `undefined` says why
--- a figure is undefined.
---@return table scores { per, macro_f1, f_avg, accuracy, n, undefined }
function M.scores(conf, classes)
  local per, macro, nm, favg, nf, right, total = {}, 0, 0, 0, 0, 0, 0
  for ci, c in ipairs(classes) do
    local tp, fp, fn = conf[c][c], 0, 0
    for _, o in ipairs(classes) do
      if o ~= c then
        fp = fp + conf[o][c]
        fn = fn + conf[c][o]
      end
      total = total + conf[c][o]
    end
    right = right + tp
    if tp + fn + fp > 0 then
      local precision = tp + fp > 0 and tp / (tp + fp) or 0
      local recall = tp + fn > 0 and tp / (tp + fn) or 0
      local f1 = precision + recall > 0 and 2 * precision * recall / (precision + recall) or 0
      per[c] = { precision = precision, recall = recall, f1 = f1, support = tp + fn, predicted = tp + fp }
      macro, nm = macro + f1, nm + 1
      if ci > 1 then favg, nf = favg + f1, nf + 1 end
    else
      per[c] = { support = 0, predicted = 0 } -- no F1: neither examples nor predictions
    end
  end
  local r = { per = per, macro_f1 = nm > 1 and macro / nm or nil, f_avg = nf > 0 and favg / nf or nil,
    accuracy = total > 0 and right / total or nil, n = total }
  if not r.f_avg then
    r.undefined = 'no examples of any stance, and none predicted'
  elseif not r.macro_f1 then
    r.undefined = 'one class only in the examples and predictions'
  end
  return r
end

--- A score for a table or a line: '%.3f' of `v`, or the dash of an undefined figure; right
--- aligned in `width` characters (not bytes: the dash is three) when given.
---@param v number|nil
---@param width integer|nil
---@return string
function M.figure(v, width)
  local s = v and ('%.3f'):format(v) or '–'
  local chars = #s:gsub('[\128-\191]', '')
  return (' '):rep((width or 0) - chars) .. s
end

--- The class with the most examples in `counts` ({ [class] = n }), the first of `classes` on
--- a tie.
function H.most(counts, classes, from)
  local best, most = nil, 0
  for i = from or 1, #classes do
    local n = counts[classes[i]] or 0
    if n > most then best, most = classes[i], n end
  end
  return best
end

M.BINS = 10

--- Evaluate the model of corpus `c` held out by document.
--- opts: target (only that one), annotators, folds (most folds; default 10: one document per
--- fold up to 10 documents), seed (the split of documents into folds; default 1), and the
--- model's options (learner, c, balanced, folds for calibration as calibration_folds,
--- features, char_weight, mark_weight, max_features, decision: see stance.model.start).
---@param c stance.Corpus
---@param opts table|nil
---@return table|nil report { documents, folds, classes, layers (learnt from and scored on),
--- left_out = { { name, why } } (layers that are not an annotator's), targets = { { name, support, model,
--- majority, keyword, trained_folds, versus_keyword = { pairs, differ, model_right, keyword_right } (the
--- held-out pairs, those the model decided otherwise than the keyword rule, and how many of
--- those the annotators gave the model's class, the rule's) } }, calibration = { bins = { { from, to, n, confidence,
--- accuracy } }, ece, n } }
---@return string|nil err
---@return integer|nil status 3 when a file with errors or a merge conflict was left out of the
--- figures (named in `problems`), 1 when only a link was, else 0 (stance.model.skipped)
function M.evaluate(c, opts)
  opts = opts or {}
  local model = require('stance.model')
  local st, err = model.setup(c, { target = opts.target })
  if not st then return nil, err end
  local layers, _, left = model.layers(c, opts.annotators)
  -- rejected suggestions (the model layer's) are the annotators' "no such stance", in training
  -- and in scoring, as in the editor and stance suggest
  local rejections = model.rejections(c, st.none)
  local docs = H.labelled(c, layers, rejections)
  if #docs < 2 then
    return nil, ('%d annotated document(s): held-out evaluation needs two or more'):format(#docs)
  end
  local k = math.min(opts.folds or 10, #docs)
  local order = {}
  for i, p in ipairs(docs) do
    order[i] = p
  end
  H.shuffle(order, opts.seed or 1)
  local classes = st.classes
  local acc = {}
  for _, t in ipairs(st.targets) do
    acc[t] = { model = H.confusion(classes), majority = H.confusion(classes), keyword = H.confusion(classes),
      trained = 0, versus = { pairs = 0, differ = 0, model_right = 0, keyword_right = 0 } }
  end
  local bins = M.bins()
  local met = {} -- each fold's documents: the layer files its job left out for their errors
  for f = 1, k do
    local held, learn = {}, {}
    for i, p in ipairs(order) do
      if (i - 1) % k == f - 1 then held[#held + 1] = p else learn[#learn + 1] = p end
    end
    local run = { target = opts.target, annotators = opts.annotators, predict = held, learn = learn, all = true,
      learner = opts.learner, c = opts.c, balanced = opts.balanced, folds = opts.calibration_folds,
      features = opts.features, char_min = opts.char_min, char_max = opts.char_max,
      char_weight = opts.char_weight, mark_weight = opts.mark_weight, term_offsets = opts.term_offsets,
      max_features = opts.max_features, decision = opts.decision, labels = rejections }
    local res, rerr = model.run(c, run)
    if not res then return nil, rerr end
    met[#met + 1] = res.documents
    H.score_fold(st, res, held, acc, bins)
  end
  local problems, status = model.skipped(c, (table.unpack or unpack)(met)) -- luacheck: ignore 143
  local report = { documents = #docs, folds = k, classes = classes, targets = {},
    problems = require('stance.json').array(problems),
    layers = layers,
    left_out = require('stance.json').array(H.left_out(left)) }
  for _, t in ipairs(st.targets) do
    local a = acc[t]
    local support = {}
    for _, g in ipairs(classes) do
      local n = 0
      for _, p in ipairs(classes) do
        n = n + a.model[g][p]
      end
      support[g] = n
    end
    report.targets[#report.targets + 1] = { name = t, support = support, trained_folds = a.trained,
      model = M.scores(a.model, classes), majority = M.scores(a.majority, classes),
      keyword = M.scores(a.keyword, classes), terms = st.terms[t], versus_keyword = a.versus }
  end
  report.calibration = M.calibration(bins)
  return report, nil, status
end

--- Empty bins of a reliability table (M.BINS of them, by probability): { from, to, n,
--- confidence (a sum, until M.calibration), right }.
---@return table[]
function M.bins()
  local bins = {}
  for b = 1, M.BINS do
    bins[b] = { from = (b - 1) / M.BINS, to = b / M.BINS, n = 0, confidence = 0, right = 0 }
  end
  return bins
end

--- A reliability table from filled bins (M.bins; `n`, `confidence` summed, `right` counted):
--- each bin's mean confidence and accuracy, and the expected calibration error.
---@param bins table[]
---@return table calibration { bins, ece, n }
function M.calibration(bins)
  local ece, n = 0, 0
  for _, b in ipairs(bins) do
    n = n + b.n
  end
  for _, b in ipairs(bins) do
    if b.n > 0 then
      b.accuracy = b.right / b.n
      b.confidence = b.confidence / b.n
      ece = ece + b.n / n * math.abs(b.accuracy - b.confidence)
    end
    b.right = nil
  end
  return { bins = bins, ece = ece, n = n }
end

--- The layers left out of learning and scoring (see stance.model.layers): { { name, why } }.
function H.left_out(left)
  local out = {}
  for _, l in ipairs(left) do
    out[#out + 1] = { name = l[1], why = l[2] }
  end
  return out
end

--- Count a held-out pair in `v`, the model next to the keyword rule: where they decide
--- otherwise, which of the two the annotators agree with (neither, when both are wrong).
function H.versus(v, gold, model, keyword)
  v.pairs = v.pairs + 1
  if model ~= keyword then
    v.differ = v.differ + 1
    if model == gold then v.model_right = v.model_right + 1 end
    if keyword == gold then v.keyword_right = v.keyword_right + 1 end
  end
end

--- Score the held-out documents of one fold.
function H.score_fold(st, res, held, acc, bins)
  local classes = st.classes
  local is_held = {}
  for _, p in ipairs(held) do
    is_held[p] = true
  end
  for _, t in ipairs(st.targets) do
    if res.trained[t] then acc[t].trained = acc[t].trained + 1 end
  end
  for i, d in ipairs(res.documents) do
    if is_held[d.path] and d.predicted > 0 then
      for _, s in ipairs(res.predictions(i)) do
        for _, t in ipairs(st.targets) do
          local it = s.targets[t] -- nil: a target the document does not belong to
          local gold = it and it.known
          if gold then
            local ex, tex = res.examples[t], res.term_examples[t]
            local majority = H.most(ex, classes) or classes[1]
            local rule = H.most(tex, classes, 2) or H.most(ex, classes, 2) or classes[1]
            local guess = it.class or majority -- a target without a model: its one class seen
            local a = acc[t]
            a.model[gold][guess] = a.model[gold][guess] + 1
            a.majority[gold][majority] = a.majority[gold][majority] + 1
            local kw = it.term and rule or classes[1]
            a.keyword[gold][kw] = a.keyword[gold][kw] + 1
            H.versus(a.versus, gold, guess, kw)
            if it.probs then H.bin(bins, it, gold, classes) end
          end
        end
      end
    end
  end
end

--- The reliability table of a report's calibration, as lines of text (`stance eval`, `make
--- bench`), in words that say what is counted: for each (sentence, target), the stance the
--- model finds likeliest among the stances (never "no stance": what a suggestion shows, with
--- its probability), and how often the annotators gave that very stance there.
---@param cal table report.calibration { bins, ece, n }
---@param classes string[] report.classes (the first: no stance)
---@param indent string|nil before each line
---@return string[]
function M.reliability_lines(cal, classes, indent)
  indent = indent or ''
  local stances = {}
  for i = 2, #classes do
    stances[#stances + 1] = classes[i]
  end
  local lines = {
    ('reliability of the probabilities (%d sentence-target pairs, held out)'):format(cal.n),
    '  each pair: the stance the model finds likeliest, as a suggestion shows it',
    ('  (%s, never "%s"), and the probability it gives it; then how'):format(
      table.concat(stances, ' or '), classes[1]),
    '  often the annotators gave that stance there. Calibrated: the last two',
    ('  columns alike (here %.3f apart on average: expected calibration error).'):format(cal.ece),
    ('  %-20s %6s  %16s  %18s'):format('probability it gives', 'pairs', 'mean probability', 'annotators gave it'),
  }
  for _, b in ipairs(cal.bins) do
    if b.n > 0 then
      lines[#lines + 1] = ('  %-20s %6d  %16.3f  %18.3f'):format(('%.1f-%.1f'):format(b.from, b.to), b.n,
        b.confidence, b.accuracy)
    end
  end
  for i, l in ipairs(lines) do
    lines[i] = indent .. l
  end
  return lines
end

--- The stance the model finds likeliest for a sentence and target, in its probability's bin.
function H.bin(bins, it, gold, classes)
  local best, p = nil, -1
  for i = 2, #classes do
    local q = it.probs[classes[i]] or 0
    if q > p then best, p = classes[i], q end
  end
  local b = bins[math.min(math.floor(p * M.BINS) + 1, M.BINS)]
  b.n = b.n + 1
  b.confidence = b.confidence + p
  if gold == best then b.right = b.right + 1 end
end

return M
