--- stance eval: the stance model held out by document, per target, next to the majority
--- class and a keyword rule, and the reliability of its probabilities.
local cmd = {
  summary = 'Evaluate the stance model held out by document, per target, next to two baselines',
  usage = 'stance eval [--target T] [--folds K] [--seed S] [--annotators A,B] [--learner L] [--json] [DIR]\n'
    .. '       stance eval --semeval DIR|TRAIN[,TRAIN...] [--test FILE] [--json]',
  description = table.concat({
    'The documents the annotators have read (those with an annotation file, or with a suggestion',
    'rejected in the editor: a rejection is an annotator\'s "no such stance" there) are split into K folds',
    '(default 10; one document per fold when there are K or fewer), shuffled with seed S (default',
    '1). For each fold the model learns from the other documents (see `stance suggest`) and',
    'predicts every sentence of the fold\'s; a sentence\'s class toward a target is the stance of',
    'the annotation covering most of it, or "none" where an annotator read it and gave that target',
    'no stance. Per target (only T with --target): precision, recall and F1 of each class, macro-F1',
    'over the classes, and F_avg, the mean F1 of the stances (SemEval-2016\'s (F favor + F',
    'against) / 2 when those are the stances), for the model and two baselines learnt from the same',
    'documents: the majority class, and a keyword rule (a sentence mentioning one of the target\'s',
    '`terms` takes the stance most often seen with them, else none). Then the reliability of the',
    'probabilities: for each sentence and target, the stance the model finds likeliest (a stance,',
    'never "none": what a suggestion shows) and the probability it gives it, binned, with how often',
    'the annotators gave that stance there (calibrated: the two alike). Per target, too, the',
    'sentences where the model and the keyword rule decide otherwise, and which of the two the',
    'annotators agree with there: a model that decides every sentence as the rule adds nothing',
    'beyond the target\'s terms (--json: versus_keyword). --learner svm (default),',
    'lr or nb compares learners. The same data and seed give the same figures.',
    '',
    'With --semeval, no corpus: a stance data set in the format of SemEval-2016 Task 6 (one tweet',
    'a line: ID, Target, Tweet, FAVOR/AGAINST/NONE, tab-separated; header, CRLF and Windows-1252',
    'lines read). DIR holds the task\'s files (trialdata- and trainingdata-all-annotations.txt to',
    'learn from, testdata-taskA-all-annotations.txt to test on); or name the training files and',
    '--test. One model per target learns from the training tweets (the model above, its terms',
    'the words of the target\'s name) and predicts the test tweets. Printed: the task\'s metric,',
    'F_avg = (F1 favor + F1 against) / 2 counted over all targets\' test tweets together, and per',
    'target, next to the task\'s classical bar learnt in the same run (a linear SVM over word',
    '1-3-grams and character 2-5-grams, uncalibrated; published F_avg .6898) and the majority',
    'class; and the training and prediction times next to naive Bayes\'.',
    '',
    'A figure that is 0/0 is printed "–" (absent in --json, where `undefined` says why): F_avg',
    'when no sentence has a stance toward the target and none was predicted, macro-F1 when the',
    'examples and predictions hold one class only (always "none" would score 1.000), the F1 of a',
    'class with neither examples nor predictions.',
    '',
    'Exit status: 0; 3 when the figures are printed but an annotator\'s file was left out (it has',
    'errors, such as git\'s conflict markers or a file cut short, or holds records of an unresolved',
    'merge conflict): the model neither learnt from it nor was scored on it, and each such file is',
    'named on stderr with where (--json: in `problems`); 1 when a layer file or folder left out is',
    'a symbolic link (named the same way), or on other errors; 2 on a bad command line.',
  }, '\n'),
  flags = {
    target = { arg = 'T', help = 'only this target' },
    folds = { arg = 'K', help = 'most folds of documents (default 10)' },
    seed = { arg = 'S', help = 'shuffling seed of the documents (default 1)' },
    annotators = { arg = 'A,B', alias = 'annotator',
      help = 'whose annotations (default: all but model and the not-annotators)' },
    learner = { arg = 'L', help = 'svm (linear SVM, default), lr (logistic regression) or nb (naive Bayes)' },
    json = { help = 'print the figures as one JSON object' },
    semeval = { arg = 'DIR|TRAIN', help = 'a SemEval-2016 Task 6 data set: its folder, or training files (A,B)' },
    test = { arg = 'FILE', help = 'with --semeval TRAIN: the test file' },
  },
  args = { min = 0, max = 1 },
}

local function row(name, r)
  local fig = require('stance.model_eval').figure
  return ('  %-9s %s %s %s'):format(name, fig(r.f_avg, 7), fig(r.macro_f1, 8), fig(r.accuracy, 9))
end

--- What the model adds to the keyword rule, in words: where the two decide otherwise, and who
--- is right there (a model that decides every pair as the rule has learnt nothing beyond the
--- target's terms, whatever its figures).
---@param v table a target's versus_keyword (stance.model_eval.evaluate)
---@return string
local function versus_line(v)
  if v.pairs == 0 then return '  model vs keyword rule: no held-out sentence' end
  if v.differ == 0 then
    return ('  model vs keyword rule: the same decision for all %d held-out sentences (the model adds nothing'
      .. ' beyond the target\'s terms here)'):format(v.pairs)
  end
  return ('  model vs keyword rule: decided %d of %d held-out sentences otherwise; right in %d of them, the rule in'
    .. ' %d, neither in %d'):format(v.differ, v.pairs, v.model_right, v.keyword_right,
      v.differ - v.model_right - v.keyword_right)
end

--- stance eval --semeval: the model on a data set of SemEval-2016 Task 6's format.
local function semeval(opts)
  local sem = require('stance.semeval')
  local spec
  if require('stance.fs').is_dir(opts.semeval) then
    spec = { dir = opts.semeval:gsub('/$', '') }
  else
    spec = { train = require('stance.cli.args').list(opts.semeval), test = opts.test }
    if not opts.test then
      return require('stance.cli').usage_error('--semeval with training files needs --test FILE', 'eval')
    end
  end
  local data, err = sem.load(spec)
  if not data then return nil, err end
  local r = sem.evaluate(data)
  if opts.json then
    io.stdout:write(require('stance.json').encode(r), '\n')
    return 0
  end
  local out = io.stdout
  out:write(('%d training and %d test tweets, %d targets%s\n'):format(r.train, r.test, #r.targets,
    r.unseen > 0 and (' (%d test tweets of targets without training data not scored)'):format(r.unseen) or ''))
  out:write(('\n  %-34s %7s %7s %7s %9s   %s\n'):format('', 'F_avg', 'F favor', 'F agst', 'macro-F1',
    'the task\'s metric: micro over all targets'))
  local function line(name, s, note)
    out:write(('  %-34s %7.4f %7.4f %7.4f %9.4f   %s\n'):format(name, s.f_avg, s.f_favor, s.f_against, s.macro_f1,
      note or ''))
  end
  line('model', r.model, ('training %.0f ms, predicting %.0f ms'):format(r.model.train_s * 1e3,
    r.model.predict_s * 1e3))
  line('bar: SVM word 1-3 + char 2-5-grams', r.bar, ('training %.0f ms; published F_avg %.4f'):format(
    r.bar.train_s * 1e3, sem.PUBLISHED_BAR))
  line('majority class', r.majority)
  line('naive Bayes', r.nb, ('training %.0f ms, predicting %.0f ms'):format(r.nb.train_s * 1e3,
    r.nb.predict_s * 1e3))
  out:write(('\n  %-34s %6s %6s %7s %7s %7s   %s\n'):format('F_avg per target', 'train', 'test', 'model', 'bar',
    'major.', 'test favor/against/none'))
  for _, t in ipairs(r.targets) do
    out:write(('  %s %6d %6d %7.4f %7.4f %7.4f   %d/%d/%d\n'):format(require('stance.utf8').pad(t.name, 34), t.train,
      t.test, t.model.f_avg, t.bar.f_avg, t.majority.f_avg, t.support.FAVOR, t.support.AGAINST, t.support.NONE))
  end
  return 0
end

function cmd.run(opts, args)
  local cli = require('stance.cli')
  if opts.semeval then
    if #args > 0 then return cli.usage_error('--semeval takes no corpus folder', 'eval') end
    return semeval(opts)
  end
  local folds = tonumber(opts.folds or 10)
  local seed = tonumber(opts.seed or 1)
  if not folds or folds < 2 or folds ~= math.floor(folds) then
    return cli.usage_error('--folds should be a whole number of 2 or more', 'eval')
  end
  if not seed or seed ~= math.floor(seed) then return cli.usage_error('--seed should be a whole number', 'eval') end
  if opts.learner and not ({ lr = true, svm = true, nb = true })[opts.learner] then
    return cli.usage_error('--learner should be lr, svm or nb', 'eval')
  end
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  local r, rerr, status = require('stance.model_eval').evaluate(c, { target = opts.target, folds = folds, seed = seed,
    annotators = require('stance.cli.args').list(opts.annotators), learner = opts.learner })
  if not r then return nil, rerr end
  for _, p in ipairs(r.problems) do
    cli.say(io.stderr, 'stance eval: ', p)
  end
  -- figures made without a file (said above): a script must not take them for complete ones
  if opts.json then
    io.stdout:write(require('stance.json').encode(r), '\n')
    return status
  end
  local out = io.stdout
  -- names from the data (classes, layers, targets) shown escaped (stance.cli.say)
  local say = cli.say
  say(out, ('%d documents held out in %d folds (seed %d); classes: %s'):format(r.documents, r.folds, seed,
    table.concat(r.classes, ', ')))
  say(out, ('layers learnt from and scored on: %s'):format(table.concat(r.layers, ', ')))
  for _, l in ipairs(r.left_out) do
    say(out, ('layer left out: %s (%s)'):format(l.name, l.why))
  end
  for _, t in ipairs(r.targets) do
    local sup = {}
    for _, k in ipairs(r.classes) do
      sup[#sup + 1] = ('%s %d'):format(k, t.support[k])
    end
    out:write('\n')
    say(out, ('%s (%s; a model in %d of %d folds)'):format(t.name == '' and '(any target)' or t.name,
      table.concat(sup, ', '), t.trained_folds, r.folds))
    out:write(('  %-9s %7s %8s %9s   %s\n'):format('', 'F_avg', 'macro-F1', 'accuracy', 'F1 per class (model)'))
    local per = {}
    for _, k in ipairs(r.classes) do
      per[#per + 1] = ('%s %s'):format(k, require('stance.model_eval').figure(t.model.per[k].f1))
    end
    say(out, row('model', t.model) .. '   ' .. table.concat(per, ', '))
    out:write(row('majority', t.majority) .. '\n')
    out:write(row('keyword', t.keyword) .. '\n')
    local why, said = {}, {}
    for _, who in ipairs({ 'model', 'majority', 'keyword' }) do
      local u = t[who].undefined
      if u and not said[u] then
        said[u] = #why + 1
        why[#why + 1] = { who, u }
      elseif u then
        why[said[u]][1] = why[said[u]][1] .. ', ' .. who
      end
    end
    for _, w in ipairs(why) do
      out:write(('  – undefined (%s): %s\n'):format(w[1], w[2]))
    end
    out:write(versus_line(t.versus_keyword), '\n')
  end
  out:write('\n')
  for _, l in ipairs(require('stance.model_eval').reliability_lines(r.calibration, r.classes)) do
    say(out, l)
  end
  return status
end

return cmd
