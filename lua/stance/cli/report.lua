--- stance report: the corpus in figures, one self-contained HTML page and an SVG per figure.
local cmd = {
  summary = 'Write a report with figures: stance per document, over time, per author and outlet, agreement, model',
  usage = 'stance report [--output DIR] [--annotator A,B] [--no-model] [--open] [DIR]',
  description = table.concat({
    'Writes DIR/report.html (default DIR: .stance/report in the corpus): one self-contained page',
    '(inline SVG, no script, nothing fetched: it opens offline and prints), and each figure as',
    'an SVG file in DIR/figures/ for a paper: the stance per target per document as a heat map',
    '(in date order when .stance/documents.csv has a date column), stance over time per target,',
    'per author and per outlet (those columns), agreement per target with the confusion matrices',
    'of two annotators and the disagreements with their text, and when the corpus has a model',
    'layer the model\'s held-out scores and calibration curve (as stance eval; --no-model leaves',
    'them out). Counted, per document: gold when its file there is marked done (the curation',
    'finished: the curated truth), else every person who annotated it; with --annotator, those',
    'of A,B who annotated it. A gold marked done with places left to decide since (an annotator\'s',
    'layer changed after the curation) still counts, and is said on stderr and in its row. Where',
    'several annotated one document their mean is counted, so that a document counts once and',
    'no sentence twice. The title says what is counted, each row of the heat map where its',
    'figures come from and whether they are done, in progress or not started. Agreement',
    'compares the people among them (every person by default).',
    'Colors are the schema\'s; each stance also has a pattern and a marker. Prints the page\'s',
    'path; --open opens it in the desktop\'s browser.',
    '',
    'A layer file with errors, or holding records of an unresolved merge conflict (`conflict',
    'ours`/`conflict theirs`), counts in no figure of its document (as stance agree leaves that',
    'annotator out of it): the document\'s figures come from its other layers, as if the file',
    'were absent, and the page and stderr name the file and its first error or conflict',
    '(file:line:col).',
    '',
    'A .stance/documents.csv with errors is used as far as it could be read (dates, authors,',
    'outlets), and said on the page and on stderr at its first error, as stats --by and the',
    'exports say it: FILE:LINE:COL: warning: ... (stance check lists them all).',
    '',
    'Exit status: 0; 3 when the page is written but a layer file or .stance/documents.csv has',
    'errors, or a layer file holds an unresolved merge conflict (its figures and agreement are',
    'incomplete, as said above); 1 on other errors.',
  }, '\n'),
  flags = {
    output = { arg = 'DIR', help = 'where to write (default: .stance/report in the corpus)' },
    annotator = { arg = 'A,B', alias = 'annotators',
      help = 'the layers counted (default: gold where curated, else its people)' },
    ['no-model'] = { help = 'leave out the model\'s evaluation' },
    open = { help = 'open the page in the desktop\'s browser (xdg-open, or open on macOS)' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  local names, nerr = require('stance.cli.args').layers(c, opts.annotator)
  if nerr then return nil, nerr end
  local r, rerr = require('stance.report').write(c, { output = opts.output, annotators = names,
    model = not opts['no-model'] })
  if not r then return nil, rerr end
  local fs = require('stance.fs')
  io.stdout:write(fs.absolute(r.html), '\n')
  local say = require('stance.cli').say
  say(io.stderr, ('stance report: %d documents, %s; %d figures in %s'):format(#r.data.docs,
    require('stance.report.data').annotations_said(r.data), #r.figures, fs.absolute(r.dir .. '/figures')))
  say(io.stderr, 'stance report: counted: ', r.data.counted)
  for _, p in ipairs(r.data.problems) do
    say(io.stderr, 'stance report: ', p)
  end
  if opts.open then
    local ok, oerr = require('stance.report.open').open(fs.absolute(r.html))
    if not ok then say(io.stderr, 'stance report: ', oerr) end
  end
  local incomplete = #(r.left_out or {}) > 0
  local m = r.data.meta_error
  if m then
    -- said as stats --by and the exports say it (FILE:LINE:COL, quickfix-ready); the page is
    -- written from what could be read, and says it too
    require('stance.interop.report').new():warn(m.path, m.line, m.col, '%s', m.message)
    incomplete = true
  end
  if r.incomplete and #r.incomplete > 0 then
    for _, b in ipairs(r.incomplete) do
      say(io.stderr, ('stance report: agreement incomplete: %s left out of %s: %s'):format(b.annotator, b.path,
        b.where))
    end
    incomplete = true
  end
  -- (each file left out of the figures is said above, among the problems)
  return incomplete and require('stance.cli.agree').INCOMPLETE or 0
end

return cmd
