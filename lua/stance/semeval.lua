--- Stance data sets in the format of SemEval-2016 Task 6 (tweets, favor/against/none toward
--- a target), and the model measured on them the way the task measured its systems.
---
--- A file has one example a line, tab-separated: ID, Target, Tweet, Stance, then optional
--- columns (the task's files add "Opinion towards" and "Sentiment"); a first line starting
--- with "ID<tab>Target" is a header. Lines end in LF or CRLF; a line that is not UTF-8 is read
--- as Windows-1252 (the task's files mix both). Stances are FAVOR, AGAINST and NONE (any case).
---
--- evaluate() learns one model per target from the training examples with the model of the
--- editor and `stance eval` (stance.core's dataset, the same training and calibration,
--- stance.model.decide's decision), predicts the test examples, and scores them with the
--- task's metric: F_avg = (F1 favor + F1 against) / 2, precision and recall counted over the
--- test examples of every target together (micro), as the task's evaluation script does; and
--- per target. Next to it, from the same examples in the same run: the task's classical bar
--- (a linear SVM over word 1-3-grams and character 2-5-grams, one per target, uncalibrated,
--- the likeliest class), the majority class of each target, and naive Bayes for the times.
--- Both hosts.
local M = {}
local H = {}

--- The classes, in the model's order (class 1: no stance).
M.CLASSES = { 'NONE', 'FAVOR', 'AGAINST' }
local CLASS = { NONE = 1, FAVOR = 2, AGAINST = 3 }

--- The files of the task's official release in a folder: training (the trial data first when
--- it is there) and test (task A).
M.FILES = { train = { 'trialdata-all-annotations.txt', 'trainingdata-all-annotations.txt' },
  test = 'testdata-taskA-all-annotations.txt' }

--- The classical bar of the task (its organizers' baseline, which beat every participating
--- system): n-grams only, nothing of the target's terms, no calibration, the likeliest class.
M.BAR = { learner = 'svm', c = 1, features = { 'words', 'pairs', 'triples', 'chars' }, char_min = 2, char_max = 5,
  balanced = false, folds = 0, term_offsets = false, max_features = 0 }
--- The bar's published F_avg on the task's test set (Mohammad et al. 2016, "SemEval-2016
--- Task 6: Detecting Stance in Tweets", Table: SVM-ngrams).
M.PUBLISHED_BAR = 0.6898

--- A line as UTF-8: as it is when it is UTF-8, else each byte as Windows-1252.
local CP1252 = { [0x80] = 0x20AC, [0x82] = 0x201A, [0x83] = 0x0192, [0x84] = 0x201E, [0x85] = 0x2026,
  [0x86] = 0x2020, [0x87] = 0x2021, [0x88] = 0x02C6, [0x89] = 0x2030, [0x8A] = 0x0160, [0x8B] = 0x2039,
  [0x8C] = 0x0152, [0x8E] = 0x017D, [0x91] = 0x2018, [0x92] = 0x2019, [0x93] = 0x201C, [0x94] = 0x201D,
  [0x95] = 0x2022, [0x96] = 0x2013, [0x97] = 0x2014, [0x98] = 0x02DC, [0x99] = 0x2122, [0x9A] = 0x0161,
  [0x9B] = 0x203A, [0x9C] = 0x0153, [0x9E] = 0x017E, [0x9F] = 0x0178 }
function H.utf8(line)
  if H.valid(line) then return line end
  return (line:gsub('[\128-\255]', function(b)
    return H.char(CP1252[b:byte()] or b:byte())
  end))
end

--- Whether `s` is well-formed UTF-8 (no overlong forms checked: enough to tell it from 1252).
function H.valid(s)
  local i, n = 1, #s
  while i <= n do
    local b = s:byte(i)
    local len = b < 0x80 and 1 or (b >= 0xC2 and b <= 0xDF) and 2 or (b >= 0xE0 and b <= 0xEF) and 3
      or (b >= 0xF0 and b <= 0xF4) and 4 or nil
    if not len or i + len - 1 > n then return false end
    for k = i + 1, i + len - 1 do
      local c = s:byte(k)
      if c < 0x80 or c > 0xBF then return false end
    end
    i = i + len
  end
  return true
end

--- The UTF-8 bytes of code point `cp` (< 0x10000).
function H.char(cp)
  if cp < 0x80 then return string.char(cp) end
  if cp < 0x800 then return string.char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64) end
  return string.char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
end

--- Read a file of the task's format.
---@param path string
---@return table[]|nil rows { id, target, text, stance, line } in the file's order
---@return string|nil err "path:line:col: what" for the first line that cannot be read
function M.read(path)
  local f, err = io.open(path, 'rb')
  if not f then return nil, err end
  local body = f:read('*a')
  f:close()
  local rows, n = {}, 0
  for line in (body .. (body:sub(-1) == '\n' and '' or '\n')):gmatch('(.-)\r?\n') do
    n = n + 1
    line = H.utf8(line)
    if n == 1 and line:match('^\239\187\191') then line = line:sub(4) end -- a byte order mark
    local skip = line:match('^%s*$') or (n == 1 and line:match('^ID\tTarget')) -- blank, or the header
    if not skip then
      local fields = {}
      for field in (line .. '\t'):gmatch('(.-)\t') do
        fields[#fields + 1] = field
      end
      if #fields < 4 then
        return nil, ('%s:%d:%d: %d field(s); want ID, Target, Tweet, Stance separated by tabs'):format(path, n,
          #line + 1, #fields)
      end
      local stance = fields[4]:upper():gsub('^%s+', ''):gsub('%s+$', '')
      if not CLASS[stance] then
        local col = #fields[1] + #fields[2] + #fields[3] + 4
        return nil, ("%s:%d:%d: stance '%s'; want FAVOR, AGAINST or NONE"):format(path, n, col, fields[4])
      end
      if fields[2] == '' then return nil, ('%s:%d:%d: no target'):format(path, n, #fields[1] + 2) end
      rows[#rows + 1] = { id = fields[1], target = fields[2], text = fields[3], stance = stance, line = n }
    end
  end
  return rows
end

--- Read the training and test files: `spec.dir` (the official file names, M.FILES), or
--- `spec.train` (a list of files) and `spec.test`.
---@return table|nil data { train = rows, test = rows, train_files = {...}, test_file }
---@return string|nil err
function M.load(spec)
  local fs = require('stance.fs')
  local train_files, test_file = spec.train, spec.test
  if spec.dir then
    train_files = {}
    for _, name in ipairs(M.FILES.train) do
      if fs.exists(spec.dir .. '/' .. name) then train_files[#train_files + 1] = spec.dir .. '/' .. name end
    end
    test_file = spec.dir .. '/' .. M.FILES.test
    if #train_files == 0 then
      return nil, ('%s: no %s (SemEval-2016 Task 6 training data)'):format(spec.dir, M.FILES.train[2])
    end
    if not fs.exists(test_file) then
      return nil, ('%s: no %s (the task\'s test data)'):format(spec.dir, M.FILES.test)
    end
  end
  if not train_files or #train_files == 0 or not test_file then
    return nil, 'a training file and a test file are needed'
  end
  local data = { train = {}, train_files = train_files, test_file = test_file }
  for _, p in ipairs(train_files) do
    local rows, err = M.read(p)
    if not rows then return nil, err end
    for _, r in ipairs(rows) do
      data.train[#data.train + 1] = r
    end
  end
  local err
  data.test, err = M.read(test_file)
  if not data.test then return nil, err end
  return data
end

--- Counts of (gold, guess) pairs.
function H.confusion()
  local c = {}
  for g = 1, 3 do
    c[g] = { 0, 0, 0 }
  end
  return c
end

--- The task's scores of a confusion: F1 of favor and against (precision and recall over the
--- counts as they are: pooled over targets for the micro figure), F_avg, macro-F1 with none.
function M.scores(conf)
  local f1, out = {}, { n = 0 }
  for k = 1, 3 do
    local tp, fp, fn = conf[k][k], 0, 0
    for o = 1, 3 do
      if o ~= k then
        fp, fn = fp + conf[o][k], fn + conf[k][o]
      end
      out.n = out.n + conf[k][o]
    end
    local p = tp + fp > 0 and tp / (tp + fp) or 0
    local r = tp + fn > 0 and tp / (tp + fn) or 0
    f1[k] = p + r > 0 and 2 * p * r / (p + r) or 0
  end
  out.f_none, out.f_favor, out.f_against = f1[1], f1[2], f1[3]
  out.f_avg = (f1[2] + f1[3]) / 2
  out.macro_f1 = (f1[1] + f1[2] + f1[3]) / 3
  return out
end

--- The target's terms for the model's calibration (model.h: term_offsets): the words of its
--- name of four letters or more, each as a prefix ("Hillary Clinton" -> hillary*, clinton*).
function H.terms(target)
  local out = {}
  for w in target:gmatch('[%w\128-\255]+') do
    if #w >= 4 then out[#out + 1] = w:lower() .. '*' end
  end
  return out
end

--- Train one candidate's model per target and predict the test examples.
---@return table result { conf = micro confusion, per = { [target] = confusion }, train_s, predict_s }
function H.run(core, targets, by_target, test_by_target, opts, lexicon)
  local model = require('stance.model')
  local res = { conf = H.confusion(), per = {}, train_s = 0, predict_s = 0 }
  for _, t in ipairs(targets) do
    local o = { classes = 3, matcher = lexicon }
    for k, v in pairs(opts) do
      if k ~= 'decision' and k ~= 'terms' then o[k] = v end
    end
    if opts.terms ~= false then
      o.terms = core.cues()
      for _, term in ipairs(H.terms(t)) do
        o.terms:add(term, 1)
      end
    end
    local d = core.dataset(o)
    for i, r in ipairs(by_target[t]) do
      d:add(r.text, { CLASS[r.stance] }, i) -- each tweet its own group: calibration folds by tweet
    end
    local t0 = os.clock()
    local m = d:train()
    local t1 = os.clock()
    res.train_s = res.train_s + (t1 - t0)
    local conf = H.confusion()
    local threshold = m:threshold(1)
    for _, r in ipairs(test_by_target[t] or {}) do
      local guess = 1 -- a target whose training examples have one class: that class is none
      if m:trained(1) then
        guess = model.decide(m:predict(r.text)[1], 0, 3, threshold, opts.decision)
      elseif (by_target[t][1] or {}).stance then
        guess = CLASS[by_target[t][1].stance]
      end
      local g = CLASS[r.stance]
      conf[g][guess] = conf[g][guess] + 1
      res.conf[g][guess] = res.conf[g][guess] + 1
    end
    res.predict_s = res.predict_s + (os.clock() - t1)
    res.per[t] = conf
    d:close()
    m:close()
  end
  return res
end

--- Evaluate the model on a data set of the task's format.
---@param data table { train = rows, test = rows } (M.load)
---@param opts table|nil the model's options (stance.core dataset; default: the model's
--- defaults), decision ('argmax' or the default threshold), terms (false: none), lexicon (a
--- cue matcher; default none), candidates (false: the model only)
---@return table report { targets = { { name, train, test, support = {NONE,FAVOR,AGAINST},
--- model, bar, majority } }, model, bar, majority, nb (micro scores, each with train_s and
--- predict_s where trained) }
function M.evaluate(data, opts)
  opts = opts or {}
  local core = require('stance.core')
  local targets, by_target, test_by_target = {}, {}, {}
  for _, r in ipairs(data.train) do
    if not by_target[r.target] then
      by_target[r.target] = {}
      targets[#targets + 1] = r.target
    end
    table.insert(by_target[r.target], r)
  end
  local report = { targets = {}, train = #data.train, test = 0, unseen = 0 }
  for _, r in ipairs(data.test) do
    if by_target[r.target] then
      test_by_target[r.target] = test_by_target[r.target] or {}
      table.insert(test_by_target[r.target], r)
      report.test = report.test + 1
    else
      report.unseen = report.unseen + 1 -- a target without training data: not scored
    end
  end
  local model_opts = {}
  for k, v in pairs(opts) do
    if k ~= 'lexicon' and k ~= 'candidates' then model_opts[k] = v end
  end
  local ours = H.run(core, targets, by_target, test_by_target, model_opts, opts.lexicon)
  local bar, nb
  if opts.candidates ~= false then
    bar = H.run(core, targets, by_target, test_by_target, M.bar_candidate(), nil)
    nb = H.run(core, targets, by_target, test_by_target, { learner = 'nb', folds = 0, terms = false,
      decision = 'argmax' }, nil)
  end
  local majority = H.confusion()
  for _, t in ipairs(targets) do
    local counts = { 0, 0, 0 }
    for _, r in ipairs(by_target[t]) do
      counts[CLASS[r.stance]] = counts[CLASS[r.stance]] + 1
    end
    local best = 1
    for k = 2, 3 do
      if counts[k] > counts[best] then best = k end
    end
    local mconf, support = H.confusion(), { NONE = 0, FAVOR = 0, AGAINST = 0 }
    for _, r in ipairs(test_by_target[t] or {}) do
      local g = CLASS[r.stance]
      mconf[g][best] = mconf[g][best] + 1
      majority[g][best] = majority[g][best] + 1
      support[r.stance] = support[r.stance] + 1
    end
    report.targets[#report.targets + 1] = { name = t, train = #by_target[t], test = #(test_by_target[t] or {}),
      support = support, model = M.scores(ours.per[t]), bar = bar and M.scores(bar.per[t]) or nil,
      majority = M.scores(mconf), nb = nb and M.scores(nb.per[t]) or nil }
  end
  local function total(r)
    if not r then return nil end
    local s = M.scores(r.conf)
    s.train_s, s.predict_s = r.train_s, r.predict_s
    return s
  end
  report.model, report.bar, report.nb, report.majority = total(ours), total(bar), total(nb), M.scores(majority)
  return report
end

--- The examples of each target, in the file's order, and the targets in order of first
--- appearance.
---@param rows table[] M.read's rows
---@return string[] targets
---@return table<string, table[]> by target
function M.by_target(rows)
  local targets, by = {}, {}
  for _, r in ipairs(rows) do
    if not by[r.target] then
      by[r.target] = {}
      targets[#targets + 1] = r.target
    end
    table.insert(by[r.target], r)
  end
  return targets, by
end

--- A deterministic shuffle of a copy of `list` (a linear congruential generator seeded with
--- `seed`).
---@param list table
---@param seed integer
---@return table
function M.shuffled(list, seed)
  local out, x = {}, seed % 2147483647
  if x <= 0 then x = x + 2147483646 end
  for i, v in ipairs(list) do
    out[i] = v
  end
  for i = #out, 2, -1 do
    x = (x * 48271) % 2147483647
    local j = x % i + 1
    out[i], out[j] = out[j], out[i]
  end
  return out
end

--- Cross-validation on the training examples alone (the test set is not read): for each
--- split (a seed), each target's examples are shuffled and cut into `folds` folds; each fold
--- is predicted by one model per target learnt from the others. Every candidate (a table of
--- the model's options as M.evaluate takes them, with `decision` and `terms`) is scored with
--- the task's metric, micro over the targets and over every fold and split. What the model's
--- settings are chosen by.
---@param data table { train = rows } (M.load)
---@param candidates table<string, table> options by name
---@param opts table|nil folds (default 5), seeds (default { 7, 11 }), lexicon
---@return table scores { [name] = M.scores(...) with per = { [target] = scores } }, and `majority`
---   (each target's most frequent class in the folds learnt from) unless a candidate has that name
function M.cross_validate(data, candidates, opts)
  opts = opts or {}
  local core = require('stance.core')
  local k, seeds = opts.folds or 5, opts.seeds or { 7, 11 }
  local targets, by_target = M.by_target(data.train)
  local conf, per = {}, {}
  local majority, majority_per = H.confusion(), {}
  for _, t in ipairs(targets) do
    majority_per[t] = H.confusion()
  end
  for name in pairs(candidates) do
    conf[name], per[name] = H.confusion(), {}
    for _, t in ipairs(targets) do
      per[name][t] = H.confusion()
    end
  end
  for _, seed in ipairs(seeds) do
    local order = {}
    for _, t in ipairs(targets) do
      order[t] = M.shuffled(by_target[t], seed)
    end
    for f = 0, k - 1 do
      local learn, held = {}, {}
      for _, t in ipairs(targets) do
        learn[t], held[t] = {}, {}
        for i, r in ipairs(order[t]) do
          table.insert((i - 1) % k == f and held[t] or learn[t], r)
        end
      end
      for _, t in ipairs(targets) do -- the majority class of the folds learnt from
        local counts, best = { 0, 0, 0 }, 1
        for _, r in ipairs(learn[t]) do
          counts[CLASS[r.stance]] = counts[CLASS[r.stance]] + 1
        end
        for c = 2, 3 do
          if counts[c] > counts[best] then best = c end
        end
        for _, r in ipairs(held[t]) do
          local g = CLASS[r.stance]
          majority[g][best], majority_per[t][g][best] = majority[g][best] + 1, majority_per[t][g][best] + 1
        end
      end
      for name, cand in pairs(candidates) do
        local res = H.run(core, targets, learn, held, cand, cand.terms ~= false and opts.lexicon or nil)
        for _, t in ipairs(targets) do
          for g = 1, 3 do
            for p = 1, 3 do
              conf[name][g][p] = conf[name][g][p] + res.per[t][g][p]
              per[name][t][g][p] = per[name][t][g][p] + res.per[t][g][p]
            end
          end
        end
      end
    end
  end
  local out = {}
  for name in pairs(candidates) do
    out[name] = M.scores(conf[name])
    out[name].per = {}
    for _, t in ipairs(targets) do
      out[name].per[t] = M.scores(per[name][t])
    end
  end
  if not candidates.majority then
    out.majority = M.scores(majority)
    out.majority.per = {}
    for _, t in ipairs(targets) do
      out.majority.per[t] = M.scores(majority_per[t])
    end
  end
  out.targets = targets
  return out
end

--- The bar's options as a candidate of M.cross_validate (and of H.run).
function M.bar_candidate()
  local b = { decision = 'argmax', terms = false }
  for k, v in pairs(M.BAR) do
    b[k] = v
  end
  return b
end

return M
