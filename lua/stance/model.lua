--- Stance classification from the corpus's own annotations: sentences labelled with the
--- stance of the annotation covering most of them, a multinomial naive Bayes model in C
--- (core.nb: words, word pairs and cue categories; see src/nb.h for why this model), and
--- k-fold cross-validation against a majority-class baseline. Both hosts.
local M = {}

M.CLASSES = { 'favor', 'against', 'neutral' }

---@class stance.Example
---@field text string
---@field label string favor, against or neutral
---@field document string
---@field sentence integer

--- Labelled sentences of corpus `c`: for each sentence, the stance (towards `opts.target`
--- when given) of the annotation of `opts.annotators` (default: all but "model") that covers
--- most of it; sentences without one are left out.
---@param c stance.Corpus
---@param opts {target: string|nil, annotators: string[]|nil}|nil
---@return stance.Example[]
function M.examples(c, opts)
  opts = opts or {}
  local want = {}
  for _, k in ipairs(M.CLASSES) do
    want[k] = true
  end
  local out = {}
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    local names = opts.annotators
    if not names then
      names = {}
      for _, n in ipairs(doc:annotators()) do
        if n ~= 'model' then names[#names + 1] = n end
      end
    end
    if #names > 0 then
      local anns = doc:annotations({ annotator = names, target = opts.target })
      for i, s in ipairs(doc:sentences() or {}) do
        local best, best_len
        for _, a in ipairs(anns) do
          if a.stance and want[a.stance] then
            for _, sp in ipairs(a.spans) do
              local len = math.min(s.stop, sp[2]) - math.max(s.start, sp[1])
              if len > 0 and (not best_len or len > best_len) then best, best_len = a, len end
            end
          end
        end
        if best then
          out[#out + 1] = { text = s.text, label = best.stance, document = path, sentence = i }
        end
      end
    end
  end
  return out
end

--- A model trained on `examples`.
---@param examples stance.Example[]
---@param lexicon table|nil
---@return userdata core.nb
function M.train(examples, lexicon)
  local index = {}
  for i, c in ipairs(M.CLASSES) do
    index[c] = i
  end
  local model = require('stance.core').nb(#M.CLASSES, lexicon and lexicon.matcher or nil)
  for _, e in ipairs(examples) do
    model:add(e.text, index[e.label])
  end
  return model
end

--- The most likely of M.CLASSES given their probabilities (the first on a tie), and its
--- probability.
---@param probs number[]
---@return string class
---@return number probability
local function most_likely(probs)
  local best = 1
  for c = 2, #M.CLASSES do
    if probs[c] > probs[best] then best = c end
  end
  return M.CLASSES[best], probs[best]
end

--- The most likely class of `text`, its probability, and all of them.
---@return string class
---@return number probability
---@return number[] probabilities
function M.predict(model, text)
  local p = model:predict(text)
  local cls, prob = most_likely(p)
  return cls, prob, p
end

--- Sentences of `doc` that no annotation of `names` (with a stance) covers: the ones to
--- suggest for. Each: { start, stop, text, sentence }.
function M.unlabelled(doc, names, target)
  local anns = doc:annotations({ annotator = names, target = target })
  local out = {}
  for i, s in ipairs(doc:sentences() or {}) do
    local covered = false
    for _, a in ipairs(anns) do
      for _, sp in ipairs(a.spans) do
        if a.stance and sp[1] < s.stop and s.start < sp[2] then covered = true end
      end
    end
    if not covered then out[#out + 1] = { start = s.start, stop = s.stop, text = s.text, sentence = i } end
  end
  return out
end

--- Train on the corpus's annotations and predict the sentences nobody annotated, on the
--- worker's threads (see src/modeljob.h): `handlers.on_done(result)` (or nil and why) receives
--- { examples = { [class] = n }, learnt = sentences learnt, stances = classes learnt (the model
--- needs two), documents = { { path, sentences, predicted, error }, ... },
--- predictions = function(i) -> { { start, stop, class, p, probs }, ... } }.
---@param c stance.Corpus
---@param opts {target: string|nil, annotators: string[]|nil, predict: string[]|nil}|nil
---@param handlers stance.JobHandlers|nil
---@return userdata|nil job
---@return string|nil err
function M.start(c, opts, handlers)
  opts = opts or {}
  local worker = require('stance.worker')
  local w, err = worker.get()
  if not w then return nil, err end
  local lex = require('stance.lexicon').load(c.root)
  -- the documents and the layers to learn from; the job reads the annotation files itself
  local predict
  if opts.predict then
    predict = {}
    for _, p in ipairs(opts.predict) do
      predict[p] = true
    end
  end
  local docs = {}
  for i, path in ipairs(c:paths()) do
    docs[i] = { path = path, predict = not predict or predict[path] == true }
  end
  local layers, slug = {}, require('stance.root').slug
  for _, name in ipairs(opts.annotators or c:annotators()) do
    if opts.annotators or name ~= 'model' then layers[#layers + 1] = slug(name) end
  end
  local job, jerr = w:model(c.root, docs, { classes = M.CLASSES, layers = layers, target = opts.target,
    matcher = lex.matcher })
  if not job then return nil, jerr end
  handlers = handlers or {}
  local done = handlers.on_done
  handlers.on_done = function(ev)
    local ok, res, rerr = pcall(job.results, job)
    if not ok or not res then
      if done then done(nil, (ev and ev.state == 'cancelled') and 'cancelled' or tostring(rerr or res)) end
      return
    end
    local examples = {}
    res.learnt, res.stances = 0, 0
    for i, k in ipairs(M.CLASSES) do
      examples[k] = res.examples[i]
      res.learnt = res.learnt + res.examples[i]
      if res.examples[i] > 0 then res.stances = res.stances + 1 end
    end
    res.examples = examples
    res.predictions = function(i)
      local r = job:results(i)
      local out, n = {}, #M.CLASSES
      for k = 1, #r.start do
        local probs = {}
        for cl = 1, n do
          probs[cl] = r.probs[(k - 1) * n + cl]
        end
        local cls, p = most_likely(probs)
        out[k] = { start = r.start[k], stop = r.stop[k], class = cls, p = p, probs = probs }
      end
      return out
    end
    if done then done(res) end
  end
  return worker.track(job, handlers)
end

--- A deterministic shuffle (a linear congruential generator seeded with `seed`).
local function shuffle(list, seed)
  local x = seed % 2147483647
  if x <= 0 then x = x + 2147483646 end
  for i = #list, 2, -1 do
    x = (x * 48271) % 2147483647
    local j = x % i + 1
    list[i], list[j] = list[j], list[i]
  end
end

local function prf(conf, classes)
  local per, macro, n = {}, 0, 0
  for _, c in ipairs(classes) do
    local tp, fp, fn = 0, 0, 0
    for _, g in ipairs(classes) do
      for _, p in ipairs(classes) do
        local k = conf[g][p]
        if g == c and p == c then tp = tp + k end
        if g ~= c and p == c then fp = fp + k end
        if g == c and p ~= c then fn = fn + k end
      end
    end
    local precision = tp + fp > 0 and tp / (tp + fp) or 0
    local recall = tp + fn > 0 and tp / (tp + fn) or 0
    local f1 = precision + recall > 0 and 2 * precision * recall / (precision + recall) or 0
    per[c] = { precision = precision, recall = recall, f1 = f1, support = tp + fn }
    if tp + fn > 0 then
      macro = macro + f1
      n = n + 1
    end
  end
  return per, n > 0 and macro / n or 0
end

--- K-fold cross-validation of the model and of the majority-class baseline.
---@param examples stance.Example[]
---@param opts {folds: integer|nil, seed: integer|nil, lexicon: table|nil}|nil
---@return table { examples, folds, classes, model = {per, macro_f1, accuracy}, baseline = {...} }
function M.evaluate(examples, opts)
  opts = opts or {}
  local k = opts.folds or 5
  local core = require('stance.core')
  local order = {}
  for i = 1, #examples do
    order[i] = i
  end
  shuffle(order, opts.seed or 1)
  local classes = M.CLASSES
  local index = {}
  for i, c in ipairs(classes) do
    index[c] = i
  end
  local function new_conf()
    local t = {}
    for _, g in ipairs(classes) do
      t[g] = {}
      for _, p in ipairs(classes) do
        t[g][p] = 0
      end
    end
    return t
  end
  local mconf, bconf = new_conf(), new_conf()
  local right, bright = 0, 0
  for f = 1, k do
    local model = core.nb(#classes, opts.lexicon and opts.lexicon.matcher or nil)
    local counts = {}
    for pos, i in ipairs(order) do
      if (pos - 1) % k ~= f - 1 then
        local e = examples[i]
        model:add(e.text, index[e.label])
        counts[e.label] = (counts[e.label] or 0) + 1
      end
    end
    local majority, most = classes[1], -1
    for _, c in ipairs(classes) do
      if (counts[c] or 0) > most then majority, most = c, counts[c] or 0 end
    end
    for pos, i in ipairs(order) do
      if (pos - 1) % k == f - 1 then
        local e = examples[i]
        local guess = most_likely(model:predict(e.text))
        mconf[e.label][guess] = mconf[e.label][guess] + 1
        bconf[e.label][majority] = bconf[e.label][majority] + 1
        if guess == e.label then right = right + 1 end
        if majority == e.label then bright = bright + 1 end
      end
    end
    model:close()
  end
  local mper, mmacro = prf(mconf, classes)
  local bper, bmacro = prf(bconf, classes)
  local n = math.max(#examples, 1)
  return { examples = #examples, folds = k, classes = classes,
    model = { per = mper, macro_f1 = mmacro, accuracy = right / n },
    baseline = { per = bper, macro_f1 = bmacro, accuracy = bright / n } }
end

return M
