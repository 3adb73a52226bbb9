--- stance agree: agreement between annotators, per document and corpus-wide.
local cmd = {
  summary = 'Agreement between annotators: κ, Fleiss κ, Krippendorff α and αU, span F1',
  usage = 'stance agree [--annotators A,B] [--unit token|sentence|span] [--metric M,N] [--field F] [--label L]'
    .. ' [--json] [DIR]',
  description = table.concat({
    'Compares the annotators\' layers of every document that two or more of them annotated.',
    'With --unit token (default) or sentence, each token or sentence gets from each annotator',
    'the label of the annotation covering most of it ("none" outside annotations); printed:',
    'percent agreement, Cohen\'s κ (two annotators), Fleiss\' κ, Krippendorff\'s α (nominal;',
    'an annotator without a layer for a document counts as missing data), and per label the',
    'κ and α of that label against the rest and Fleiss\' κ of the category. With --unit span:',
    'Krippendorff\'s unitizing αU over the code points (overall and per label) and F1 of',
    'spans, exact and overlapping, averaged over the pairs of annotators. --field compares',
    'stance, target or role instead of label; --label shows one label only. See',
    ':help stance-agreement for the formulas and their references.',
  }, '\n'),
  flags = {
    annotators = { arg = 'A,B', help = 'these annotators (default: all)' },
    unit = { arg = 'UNIT', help = 'token (default), sentence or span' },
    field = { arg = 'F', help = 'label (default), stance, target or role' },
    label = { arg = 'L', help = 'only this label in the per-label figures' },
    metric = { arg = 'M,N', help = 'only these: agreement, kappa, fleiss, alpha (items); alpha_u, f1 (spans)' },
    json = { help = 'print the report as one JSON object' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local cli = require('stance.cli')
  local unit = opts.unit or 'token'
  if unit ~= 'token' and unit ~= 'sentence' and unit ~= 'span' then
    return cli.usage_error(("unknown unit '%s' (token, sentence or span)"):format(unit), 'agree')
  end
  local field = opts.field or 'label'
  if not ({ label = true, stance = true, target = true, role = true })[field] then
    return cli.usage_error(("unknown field '%s' (label, stance, target or role)"):format(field), 'agree')
  end
  local metrics = require('stance.cli.args').list(opts.metric)
  if metrics then
    local known = unit == 'span' and { alpha_u = true, f1 = true }
      or { agreement = true, kappa = true, fleiss = true, alpha = true }
    for _, m in ipairs(metrics) do
      if not known[m] then
        local names = {}
        for k in pairs(known) do
          names[#names + 1] = k
        end
        table.sort(names)
        return cli.usage_error(("unknown metric '%s' for unit %s (%s)"):format(m, unit, table.concat(names, ', ')),
          'agree')
      end
    end
  end
  local c, err = require('stance').open(args[1] or '.')
  if not c then return nil, err end
  local names = require('stance.cli.args').list(opts.annotators)
  local report, rerr = require('stance.agree').compute(c, { annotators = names, unit = unit, field = field,
    label = opts.label })
  if not report then return nil, rerr end
  if opts.json then
    io.stdout:write(require('stance.json').encode(report), '\n')
  else
    for _, l in ipairs(require('stance.agree').lines(report, metrics)) do
      io.stdout:write(l, '\n')
    end
  end
  return 0
end

return cmd
