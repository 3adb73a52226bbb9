--- stance eval: k-fold cross-validation of the stance model on the corpus's annotations.
local cmd = {
  summary = 'Cross-validate the stance model on the annotations, next to a majority baseline',
  usage = 'stance eval [--target T] [--folds K] [--seed S] [--annotators A,B] [--json] [DIR]',
  description = table.concat({
    'Each sentence covered by an annotation with a stance (favor, against, neutral; towards',
    'T with --target) is an example, labelled with the stance of the annotation covering most',
    'of it. The examples are shuffled with seed S (default 1) and split into K folds (default',
    '5); for each fold a multinomial naive Bayes model (words, word pairs, cue categories of',
    'the lexicon) is trained on the others and predicts it. Prints per-class precision,',
    'recall, F1, macro-F1 and accuracy, and the same for always predicting the class most',
    'frequent in the training folds. The same data and seed give the same figures.',
  }, '\n'),
  flags = {
    target = { arg = 'T', help = 'only annotations with this target' },
    folds = { arg = 'K', help = 'number of folds (default 5)' },
    seed = { arg = 'S', help = 'shuffling seed (default 1)' },
    annotators = { arg = 'A,B', help = 'whose annotations (default: all but model)' },
    json = { help = 'print the figures as one JSON object' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local cli = require('stance.cli')
  local folds = tonumber(opts.folds or 5)
  local seed = tonumber(opts.seed or 1)
  if not folds or folds < 2 or folds ~= math.floor(folds) then
    return cli.usage_error('--folds should be a whole number of 2 or more', 'eval')
  end
  if not seed or seed ~= math.floor(seed) then return cli.usage_error('--seed should be a whole number', 'eval') end
  local c, err = require('stance').open(args[1] or '.')
  if not c then return nil, err end
  local names = require('stance.cli.args').list(opts.annotators)
  local model = require('stance.model')
  local ex = model.examples(c, { target = opts.target, annotators = names })
  if #ex < folds then
    return nil, ('%d labelled sentence(s): too few for %d folds'):format(#ex, folds)
  end
  local r = model.evaluate(ex, { folds = folds, seed = seed, lexicon = require('stance.lexicon').load(c.root) })
  if opts.json then
    io.stdout:write(require('stance.json').encode(r), '\n')
    return 0
  end
  io.stdout:write(('%d labelled sentences%s, %d folds, seed %d\n'):format(r.examples,
    opts.target and (' towards ' .. opts.target) or '', folds, seed))
  io.stdout:write(('%-10s %7s %7s %7s %8s   %7s %7s %7s\n'):format('class', 'P', 'R', 'F1', 'support', 'base P',
    'base R', 'base F1'))
  for _, k in ipairs(r.classes) do
    local m, b = r.model.per[k], r.baseline.per[k]
    io.stdout:write(('%s %7.3f %7.3f %7.3f %8d   %7.3f %7.3f %7.3f\n'):format(require('stance.utf8').pad(k, 10),
      m.precision, m.recall, m.f1,
      m.support, b.precision, b.recall, b.f1))
  end
  io.stdout:write(('%-10s %23.3f %8s   %23.3f\n'):format('macro-F1', r.model.macro_f1, '', r.baseline.macro_f1))
  io.stdout:write(('%-10s %23.3f %8s   %23.3f\n'):format('accuracy', r.model.accuracy, '', r.baseline.accuracy))
  return 0
end

return cmd
