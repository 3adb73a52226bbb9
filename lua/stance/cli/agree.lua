--- stance agree: agreement between annotators, per field and target, and per document.
local cmd = {
  summary = 'Agreement between annotators: Cohen\'s κ, Fleiss\' κ, Krippendorff\'s α per target; αU, span F1',
  usage = 'stance agree [--annotators A,B] [--unit sentence|token|span] [--field F,G] [--target T,U]'
    .. ' [--metric M,N] [--in-progress] [--disagreements] [--json] [DIR]',
  description = table.concat({
    'Compares the people\'s layers (not gold, model, nor the schema\'s not-annotators) on the',
    'documents they marked done. With --unit sentence (default) or token, the items of the',
    'stance are (unit, target), valued with the stance toward the target or "no stance"; the',
    'role, the plain labels and the document stances are reported on their own. Printed per',
    'target and pooled: items, percent agreement, Cohen\'s κ (two annotators; each pair with',
    'more), Fleiss\' κ and Krippendorff\'s α (nominal), with the documents left out and why.',
    'A document an annotator has not marked done counts as missing for that annotator;',
    '--in-progress counts documents in progress as if done. --disagreements lists every',
    'item annotators disagree on (path:line:col, for the quickfix list). With --unit span:',
    'Krippendorff\'s unitizing αU and F1 of spans, exact and overlapping. --json prints all',
    'of it (confusion matrices too) as one object. :help stance-agreement says exactly how',
    'items are built.',
    '',
    'Exit status: 0 when the figures are complete; 3 when an annotator\'s file of a document',
    'has errors (git\'s conflict markers, a file cut short) or still holds records of an',
    'unresolved merge conflict (`conflict ours`/`conflict theirs`: two versions, not yet the',
    'annotator\'s word): that annotator is left out of that document (never counted as "no',
    'stance"), the figures are printed with an INCOMPLETE line naming each (annotator,',
    'document, file:line:col and why), and the same is said on stderr; 1 on other errors, 2',
    'on a usage error. Records with a target or stance the schema does not have, or without',
    'the target or stance their label sets, are said at their document (a target the schema',
    'does not have and a missing target are not counted; a missing stance counts as no',
    'stance): exit 1.',
  }, '\n'),
  flags = {
    annotators = { arg = 'A,B', alias = 'annotator', help = 'these layers (default: every person\'s)' },
    unit = { arg = 'UNIT', help = 'sentence (default), token or span' },
    field = { arg = 'F,G', help = 'only these: stance, role, label, document' },
    target = { arg = 'T,U', help = 'only these targets' },
    metric = { arg = 'M,N', help = 'only these columns: agreement, kappa, fleiss, alpha (items); alpha_u, f1 (spans)' },
    ['in-progress'] = { help = 'count documents in progress as if done' },
    disagreements = { help = 'list the items annotators disagree on, with their text' },
    json = { help = 'print the report as one JSON object' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local cli = require('stance.cli')
  local list = require('stance.cli.args').list
  local unit = opts.unit or 'sentence'
  if unit ~= 'token' and unit ~= 'sentence' and unit ~= 'span' then
    return cli.usage_error(("unknown unit '%s' (sentence, token or span)"):format(unit), 'agree')
  end
  local fields = list(opts.field)
  for _, f in ipairs(fields or {}) do
    if not ({ stance = true, role = true, label = true, document = true })[f] then
      return cli.usage_error(("unknown field '%s' (stance, role, label or document)"):format(f), 'agree')
    end
    if unit == 'span' and f == 'document' then
      return cli.usage_error('document stances have no spans: --field document goes with --unit sentence or token',
        'agree')
    end
  end
  local metrics = list(opts.metric)
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
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  -- layer files that are links: never counted as anyone's, and said (stance.layer_link)
  local left = require('stance.layer_link').warn_all(c.root)
  local report, rerr = c:agreement({ annotators = list(opts.annotators), unit = unit, fields = fields,
    targets = list(opts.target), in_progress = opts['in-progress'] and true or nil,
    disagreements = opts.disagreements and true or nil })
  if not report then return nil, rerr end
  if opts.json then
    io.stdout:write(require('stance.json').encode(report), '\n')
  else
    for _, l in ipairs(require('stance.agreement').lines(report, metrics)) do
      -- names from the corpus (documents, labels) shown, never acting on the terminal
      io.stdout:write(require('stance.utf8').printable(l), '\n')
    end
  end
  local incomplete = report.incomplete or {}
  if #incomplete > 0 then
    for _, b in ipairs(incomplete) do
      io.stderr:write(require('stance.utf8').printable(('stance agree: incomplete: %s left out of %s: %s'):format(
        b.annotator, b.path, b.where)), '\n')
    end
    return cmd.INCOMPLETE
  end
  -- a layer left out (a link, a folder that is no annotator's: said above), or records not
  -- counted as their annotator meant (a target the schema does not have, one its label sets
  -- missing: said on the document's lines), exits 1
  local miscounted = 0
  for _, d in ipairs(report.documents or {}) do
    miscounted = miscounted + (d.not_as_meant or 0)
  end
  if miscounted > 0 then
    io.stderr:write(('stance agree: %d record(s) not counted as their annotator meant (the warnings above; stance'
      .. ' check lists them)\n'):format(miscounted))
  end
  return (left > 0 or miscounted > 0) and 1 or 0
end

--- The exit status when an annotator's file has errors (the figures leave them out).
cmd.INCOMPLETE = 3

return cmd
