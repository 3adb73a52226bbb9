--- stance eval: the stance model held out by document, per target, next to the majority
--- class and a keyword rule, and the reliability of its probabilities.
local cmd = {
  summary = 'Evaluate the stance model held out by document, per target, next to two baselines',
  usage = 'stance eval [--target T] [--folds K] [--seed S] [--annotators A,B] [--learner L] [--json] [DIR]',
  description = table.concat({
    'The documents the annotators have read (those with an annotation file) are split into K folds',
    '(default 10; one document per fold when there are K or fewer), shuffled with seed S (default',
    '1). For each fold the model learns from the other documents (see `stance suggest`) and',
    'predicts every sentence of the fold\'s; a sentence\'s class toward a target is the stance of',
    'the annotation covering most of it, or "none" where an annotator read it and gave that target',
    'no stance. Per target (only T with --target): precision, recall and F1 of each class, macro-F1',
    'over the classes, and F_avg, the mean F1 of the stances (SemEval-2016\'s (F favor + F',
    'against) / 2 when those are the stances), for the model and two baselines learnt from the same',
    'documents: the majority class, and a keyword rule (a sentence mentioning one of the target\'s',
    '`terms` takes the stance most often seen with them, else none). Then the reliability of the',
    'probabilities: for each sentence and target, the likeliest stance and its probability, binned,',
    'with how often it was right. --learner svm (default), lr or nb compares learners. The same',
    'data and seed give the same figures.',
  }, '\n'),
  flags = {
    target = { arg = 'T', help = 'only this target' },
    folds = { arg = 'K', help = 'most folds of documents (default 10)' },
    seed = { arg = 'S', help = 'shuffling seed of the documents (default 1)' },
    annotators = { arg = 'A,B', help = 'whose annotations (default: all but model)' },
    learner = { arg = 'L', help = 'svm (linear SVM, default), lr (logistic regression) or nb (naive Bayes)' },
    json = { help = 'print the figures as one JSON object' },
  },
  args = { min = 0, max = 1 },
}

local function row(name, r)
  return ('  %-9s %7.3f %8.3f %9.3f'):format(name, r.f_avg, r.macro_f1, r.accuracy)
end

function cmd.run(opts, args)
  local cli = require('stance.cli')
  local folds = tonumber(opts.folds or 10)
  local seed = tonumber(opts.seed or 1)
  if not folds or folds < 2 or folds ~= math.floor(folds) then
    return cli.usage_error('--folds should be a whole number of 2 or more', 'eval')
  end
  if not seed or seed ~= math.floor(seed) then return cli.usage_error('--seed should be a whole number', 'eval') end
  if opts.learner and not ({ lr = true, svm = true, nb = true })[opts.learner] then
    return cli.usage_error('--learner should be lr, svm or nb', 'eval')
  end
  local c, err = require('stance').open(args[1] or '.')
  if not c then return nil, err end
  local r, rerr = require('stance.model_eval').evaluate(c, { target = opts.target, folds = folds, seed = seed,
    annotators = require('stance.cli.args').list(opts.annotators), learner = opts.learner })
  if not r then return nil, rerr end
  if opts.json then
    io.stdout:write(require('stance.json').encode(r), '\n')
    return 0
  end
  local out = io.stdout
  out:write(('%d documents held out in %d folds (seed %d); classes: %s\n'):format(r.documents, r.folds, seed,
    table.concat(r.classes, ', ')))
  for _, t in ipairs(r.targets) do
    local sup = {}
    for _, k in ipairs(r.classes) do
      sup[#sup + 1] = ('%s %d'):format(k, t.support[k])
    end
    out:write(('\n%s (%s; a model in %d of %d folds)\n'):format(t.name == '' and '(any target)' or t.name,
      table.concat(sup, ', '), t.trained_folds, r.folds))
    out:write(('  %-9s %7s %8s %9s   %s\n'):format('', 'F_avg', 'macro-F1', 'accuracy', 'F1 per class (model)'))
    local per = {}
    for _, k in ipairs(r.classes) do
      per[#per + 1] = ('%s %.3f'):format(k, t.model.per[k].f1)
    end
    out:write(row('model', t.model) .. '   ' .. table.concat(per, ', ') .. '\n')
    out:write(row('majority', t.majority) .. '\n')
    out:write(row('keyword', t.keyword) .. '\n')
  end
  out:write(('\nreliability of the model\'s likeliest stance (%d sentence-target pairs; expected calibration'
    .. ' error %.3f)\n'):format(r.calibration.n, r.calibration.ece))
  out:write(('  %-11s %6s %11s %9s\n'):format('probability', 'n', 'mean prob.', 'right'))
  for _, b in ipairs(r.calibration.bins) do
    if b.n > 0 then
      out:write(('  %.1f-%.1f %9d %11.3f %9.3f\n'):format(b.from, b.to, b.n, b.confidence, b.accuracy))
    end
  end
  return 0
end

return cmd
