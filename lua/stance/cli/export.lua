--- stance export --to FORMAT: annotations for statistics, training, other tools.
local cmd = {
  summary = 'Export annotations: JSON Lines or CSV, per annotation or per sentence',
  usage = 'stance export --to jsonl|csv|w3c|brat [--unit U] [--annotator A,B] [--output FILE] [DIR]',
  description = table.concat({
    'One record per annotation (document, annotator, id, label, target, stance, role,',
    'offsets in code points and bytes, line, col, spans, quote, note, author, created,',
    'confidence), or with --unit sentence one record per sentence with the labels of the',
    'annotations over it: ready for training a classifier. Fields keep a fixed order',
    '(doc/format.md, "Exports"). Writes to stdout unless --output. With --to brat, DIR is',
    'the folder that receives DOC.txt, DOC.ann (brat standoff, offsets in code points) and',
    'annotation.conf, for the corpus around the current directory: one layer per document,',
    'the first of --annotator (default: all) that has one. With --to w3c: W3C Web',
    'Annotations (JSON-LD), one AnnotationCollection, or with --unit annotation one',
    'annotation per line; TextQuoteSelector and TextPositionSelector (code points).',
  }, '\n'),
  flags = {
    to = { arg = 'FORMAT', help = 'jsonl or csv' },
    unit = { arg = 'UNIT', help = 'annotation (default) or sentence' },
    annotator = { arg = 'A,B', help = 'only these annotators' },
    output = { arg = 'FILE', help = 'write there (atomically) instead of stdout' },
    base = { arg = 'IRI', help = 'with --to w3c: prefix of document and annotation IRIs (default urn:stance:)' },
  },
  args = { min = 0, max = 1 },
  formats = { jsonl = 'stance.export.jsonl', csv = 'stance.export.csv' },
}

function cmd.run(opts, args)
  local cli = require('stance.cli')
  if not opts.to then return cli.usage_error('--to is needed (jsonl, csv or brat)', 'export') end
  if opts.to == 'w3c' then
    local c, err = require('stance').open(args[1] or '.')
    if not c then return nil, err end
    local names = require('stance.cli.args').list(opts.annotator)
    local unit = opts.unit or 'collection'
    if unit ~= 'collection' and unit ~= 'annotation' then
      return cli.usage_error(("with --to w3c, --unit is collection or annotation, got '%s'"):format(unit), 'export')
    end
    local text = require('stance.interop.w3c_io').export(c, names, unit == 'annotation', opts.base)
    if opts.output then
      local ok, werr = require('stance.core').write_atomic(opts.output, text)
      if not ok then return nil, werr end
    else
      io.stdout:write(text)
    end
    return 0
  end
  if opts.to == 'brat' then
    -- a folder of .txt/.ann pairs: DIR is where they go; the corpus is the current one
    if not args[1] then return cli.usage_error('--to brat needs the folder to write into', 'export') end
    local c, err = require('stance').open('.')
    if not c then return nil, err end
    local names = require('stance.cli.args').list(opts.annotator)
    return require('stance.interop.brat_io').export(c, args[1]:gsub('/$', ''), names)
  end
  local module = cmd.formats[opts.to]
  if not module then
    return cli.usage_error(("unknown format '%s' (jsonl, csv or brat)"):format(opts.to), 'export')
  end
  local unit = opts.unit or 'annotation'
  if unit ~= 'annotation' and unit ~= 'sentence' then
    return cli.usage_error(("unknown unit '%s' (annotation or sentence)"):format(unit), 'export')
  end
  local c, err = require('stance').open(args[1] or '.')
  if not c then return nil, err end
  -- stdout is written as rows come; a file is written whole and atomically at the end
  local chunks = {}
  local sink = opts.output and { write = function(_, ...)
    for _, s in ipairs({ ... }) do
      chunks[#chunks + 1] = s
    end
  end } or io.stdout
  local emit = require(module).writer(sink, unit)
  local rows = require('stance.export.rows')
  if unit == 'sentence' then rows.sentences(c, opts, emit) else rows.annotations(c, opts, emit) end
  if opts.output then
    local ok, werr = require('stance.core').write_atomic(opts.output, table.concat(chunks))
    if not ok then return nil, werr end
  end
  return 0
end

return cmd
