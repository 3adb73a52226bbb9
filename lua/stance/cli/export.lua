--- stance export --to FORMAT: annotations for statistics, training, other tools.
local cmd = {
  summary = 'Export annotations: JSON Lines, CSV, W3C Web Annotation or brat standoff',
  usage = table.concat({
    'stance export --to jsonl [--unit all|annotation|relation|doclabel|sentence|sentence-target]',
    '                         [--annotator A,B] [--with-suggestions] [--output FILE] [DIR]',
    '       stance export --to csv [--unit annotation|relation|doclabel|sentence|sentence-target]',
    '                         [--annotator A,B] [--with-suggestions] [--output FILE] [DIR]',
    '       stance export --to w3c [--unit collection|annotation] [--annotator A,B] [--with-suggestions]',
    '                         [--base IRI] [--output FILE] [DIR]',
    '       stance export --to brat [--annotator A,B] [--with-suggestions] [--force] DIR',
  }, '\n'),
  description = table.concat({
    'An export holds people\'s annotations: every layer (gold too) but the model\'s and the',
    'schema\'s not-annotators (only when --annotator names them), or those --annotator names.',
    'The model\'s suggestions (its layer `model`: stance suggest, :Stance',
    'suggest) only when asked, by --with-suggestions or --annotator model, and then marked:',
    'column suggested = true and confidence its probability (sentence: in a column',
    'suggestions of their own, never in labels; W3C: creator of type Software, motivation',
    'questioning, never classifying; brat: a Confidence attribute). A suggestion an annotator',
    'rejected (g-) is a decision, not a label: it is never exported.',
    '',
    'Formats (--to):',
    '  jsonl  JSON Lines: every annotation, relation and document label of the corpus, one',
    '         object per line with its `kind` (annotation, relation, doclabel); --unit picks',
    '         one kind, or sentence: one object per sentence with the labels counted for it.',
    '  csv    CSV (RFC 4180): one table of one kind of row, --unit annotation (default),',
    '         relation, doclabel (or document: the document labels, its stance toward each',
    '         target), sentence (the input of a sentence-level stance classifier) or',
    '         sentence-target (one row per sentence, target and annotator: the stance',
    '         `stance agree` counts, empty for none, and the annotator\'s status). In both',
    '         sentence units a layer file with errors is left out of its document whole (as',
    '         stance agree leaves it out: never "no stance"), named at its first error.',
    'An annotation counts for a sentence as in agreement and the model: when it overlaps it by',
    'at least half of the shorter of the two (not merely by touching it).',
    '  w3c    W3C Web Annotations (JSON-LD): one AnnotationCollection, or with --unit',
    '         annotation one annotation per line; each with its own @context, its creator',
    '         (who made it) and stance:layer (the layer it is in: gold, ana, ...).',
    '  brat   brat standoff: DIR/DOC.txt and DIR/DOC.ann for each document (the layer of the',
    '         first of --annotator that has one), annotation.conf and visual.conf; target,',
    '         stance and role as brat attributes. DIR is where they go; the corpus is the one',
    '         around the current directory. brat has no layers: without --annotator, the',
    '         corpus\'s only layer; with several, an error names them and nothing is written.',
    'Rows of an annotation: document, annotator, id, label, target, stance, role, start, stop',
    '(code points), byte_start, byte_stop, line, col, spans, quote, note, author, created,',
    'confidence, kind, orphan, suggested. Of a relation: document, annotator, id, type, from, to,',
    'from_label, to_label, from_quote, to_quote, note, author, created, kind. Of a document',
    'label: document, annotator, id, label, target, stance, note, author, created, status,',
    'kind. Of a sentence: document, sentence, start, stop, line, text, labels, done (who is',
    'done with the document), suggestions, targets (the schema\'s targets its document belongs to:',
    'their `documents`; the targets of its sentence-target rows). Of a sentence-target: document,',
    'sentence, start,',
    'stop, line, text, target, annotator, stance, status, suggested, confidence. After them,',
    'every row has a column doc_NAME per column NAME of the document metadata',
    '(.stance/documents.csv). Fields keep a fixed order (doc/format.md, "Exports"); the same',
    'annotations give the same bytes. An annotation whose text is no longer in its document',
    'is exported with orphan = true and reported; a record or document',
    'that cannot be exported is reported and left out, the rest is exported (exit status 1',
    'when something was reported).',
    'Writes to stdout a document at a time unless --output (written atomically at the end).',
  }, '\n'),
  flags = {
    to = { arg = 'FORMAT', help = 'jsonl, csv, w3c or brat' },
    unit = { arg = 'UNIT', help = 'jsonl: all (default), annotation, relation, doclabel, sentence, sentence-target; '
      .. 'csv: annotation (default), relation, doclabel, sentence, sentence-target; w3c: collection (default), '
      .. 'annotation' },
    annotator = { arg = 'A,B', alias = 'annotators',
      help = 'only these annotators (brat: the first of them each document has; '
      .. 'default: the only layer)' },
    ['with-suggestions'] = { help = 'add the model\'s suggestions (layer model), marked as such; never the '
      .. 'rejected ones' },
    output = { arg = 'FILE', help = 'write there (atomically) instead of stdout' },
    force = { help = 'with --to brat: write into a folder that is not empty (replacing the files of the same names)' },
    base = { arg = 'IRI', help = 'with --to w3c: prefix of document and annotation IRIs (default urn:stance:)' },
    ['spreadsheet-safe'] = { help = 'with --to csv: a field a spreadsheet would run as a formula (starting with =, +, '
      .. '-, @, a tab or CR; not a number) gets a single quote first (the data then differs from the files)' },
  },
  args = { min = 0, max = 1 },
  formats = { jsonl = 'stance.export.jsonl', csv = 'stance.export.csv' },
}

local H = {}

--- Where the export goes: stdout as it comes, or a file written as it comes that replaces
--- `--output` only when it is whole (core.atomic_stream: nothing of it held in memory).
---@return table|nil sink with :write(...)
---@return fun(): boolean|nil, string|nil finish (nil, err when the file could not be made)
function H.sink(opts)
  if not opts.output then return io.stdout, function() return true end end
  local f, err = require('stance.core').atomic_stream(opts.output)
  if not f then return nil, err end
  local failed
  local sink = { write = function(_, ...)
    for _, s in ipairs({ ... }) do
      if not failed then
        local ok, werr = f:write(s)
        if not ok then failed = werr end
      end
    end
  end, abort = function()
    if not failed or failed ~= 'aborted' then f:abort() end
    failed = 'aborted'
  end }
  return sink, function()
    if failed then return nil, failed end
    return f:commit()
  end
end

--- A document's rows as they are made: in memory up to `limit` bytes, then in a temporary
--- file, handed to the sink whole (:flush) or dropped (:drop): never half a document in the
--- export, and never all of a huge document's rows in memory (adversary15 #10).
function H.doc_buffer(limit)
  local b = { parts = {}, size = 0 }
  -- a temporary file that cannot be written (a full disk): the export fails, never a
  -- document's rows lost without a word
  local function check(ok, err)
    if not ok then b.failed = b.failed or ('a temporary file for a document\'s rows: %s'):format(err) end
    return ok
  end
  function b.write(_, ...)
    for _, s in ipairs({ ... }) do
      if b.spill then
        check(b.spill:write(s))
      else
        b.parts[#b.parts + 1] = s
        b.size = b.size + #s
        if b.size > limit then
          local err
          b.spill, err = io.tmpfile()
          if check(b.spill, err) then
            check(b.spill:write(table.concat(b.parts)))
            b.parts = {}
          end
        end
      end
    end
  end
  --- Hand the rows to `sink`: true, or nil and why (a temporary file failed; nothing handed).
  function b.flush(_, sink)
    if b.failed then return nil, b.failed end
    if b.spill and not check(b.spill:seek('set', 0)) then return nil, b.failed end
    sink:write(table.concat(b.parts))
    b.parts, b.size = {}, 0
    if b.spill then
      for chunk in function() return b.spill:read(1048576) end do
        sink:write(chunk)
      end
      b.spill:close()
      b.spill = nil
    end
    return true
  end
  function b.drop()
    b.parts, b.size = {}, 0
    if b.spill then b.spill:close() end
    b.spill = nil
  end
  return b
end

--- Bytes of a document's rows kept in memory before they go to a temporary file.
cmd.DOC_MEMORY = 8 * 1048576

--- Why `--output` may not be written for corpus `c`: a file inside its .stance/ folder (a
--- layer, the schema) or a document of it (links resolved); nil when it may.
function H.refused(c, output)
  if not output then return nil end
  local fs, core = require('stance.fs'), require('stance.core')
  local abs = fs.absolute(output)
  local name = abs:match('[^/]+$') or ''
  local real = core.realpath(abs) or ((core.realpath(fs.dirname(abs)) or fs.dirname(abs)) .. '/' .. name)
  local root = core.realpath(c.root) or c.root
  if real:sub(1, #root + 1) ~= root .. '/' then return nil end
  local rel = real:sub(#root + 2)
  if rel == '.stance' or rel:sub(1, 8) == '.stance/' then
    return ('--output %s is inside the corpus\'s .stance/ folder (%s: its layers, schema and caches): write the '
      .. 'export elsewhere'):format(output, rel)
  end
  if c:is_document(rel) then
    return ('--output %s %s of the corpus: write the export elsewhere'):format(output,
      fs.exists(real) and 'is a document' or 'would become a document')
  end
  return nil
end

function H.w3c(opts, args)
  local cli = require('stance.cli')
  local unit = opts.unit or 'collection'
  if unit ~= 'collection' and unit ~= 'annotation' then
    return cli.usage_error(("with --to w3c, --unit is collection or annotation, got '%s'"):format(unit), 'export')
  end
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  local refused = H.refused(c, opts.output)
  if refused then return nil, refused end
  local report = require('stance.interop.report').new(nil, c.root)
  local names, nerr = require('stance.export.suggestions').names(c, opts.annotator, opts['with-suggestions'])
  if nerr then return nil, nerr end
  local text = require('stance.interop.w3c_io').export(c, names, unit == 'annotation', opts.base, report)
  local sink, finish = H.sink(opts)
  if not sink then return nil, finish end
  sink:write(text)
  local ok, werr = finish()
  if not ok then return nil, werr end
  return report.warnings > 0 and 1 or 0
end

function cmd.run(opts, args)
  local cli = require('stance.cli')
  if not opts.to then return cli.usage_error('--to is needed (jsonl, csv, w3c or brat)', 'export') end
  if opts['spreadsheet-safe'] and opts.to ~= 'csv' then
    return cli.usage_error('--spreadsheet-safe is for --to csv (a spreadsheet opens CSV)', 'export')
  end
  if opts.to == 'w3c' then return H.w3c(opts, args) end
  if opts.to == 'brat' then
    if not args[1] then return cli.usage_error('--to brat needs the folder to write into', 'export') end
    if opts.unit then return cli.usage_error('--to brat takes no --unit', 'export') end
    local c, err = require('stance.corpus').open('.')
    if not c then return nil, err end
    local names, nerr = require('stance.cli.args').layers(c, opts.annotator)
    if nerr then return nil, nerr end
    if names and opts['with-suggestions'] then
      names = require('stance.export.suggestions').names(c, opts.annotator, true)
    end
    return require('stance.interop.brat_io').export(c, (args[1]:gsub('/$', '')), names, opts.force,
      opts['with-suggestions'])
  end
  local module = cmd.formats[opts.to]
  if not module then
    return cli.usage_error(("unknown format '%s' (jsonl, csv, w3c or brat)"):format(opts.to), 'export')
  end
  local rows = require('stance.export.rows')
  local unit = opts.unit or (opts.to == 'jsonl' and 'all' or 'annotation')
  if not rows.units[unit] or (opts.to == 'csv' and unit == 'all') then
    return cli.usage_error(("unknown unit '%s' (%s)"):format(unit, opts.to == 'csv'
      and 'annotation, relation, doclabel, sentence or sentence-target: a CSV file holds one kind of row'
      or 'all, annotation, relation, doclabel, sentence or sentence-target'), 'export')
  end
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  local names, nerr = require('stance.export.suggestions').names(c, opts.annotator, opts['with-suggestions'])
  if nerr then return nil, nerr end
  local refused = H.refused(c, opts.output)
  if refused then return nil, refused end
  local report = require('stance.interop.report').new(nil, c.root)
  local sink, finish = H.sink(opts)
  if not sink then return nil, finish end
  -- each document's rows are made whole in `buf` (memory, then a temporary file), then
  -- written: never half a document
  local buf = H.doc_buffer(cmd.DOC_MEMORY)
  local emit = require(module).writer(buf, unit, rows.meta_fields(c), report:lossy_once(),
    { spreadsheet_safe = opts['spreadsheet-safe'] })
  -- a failure that is not the document's (a temporary file, Ctrl-C): the export stops, and
  -- --output is left as it was (never replaced by an export a document short)
  local function stop(why)
    buf:drop()
    if sink.abort then sink.abort() end
    error(why, 0)
  end
  local function flush()
    local ok, ferr = buf:flush(sink)
    if not ok then stop({ failed = ('%s; the export stops%s'):format(ferr, opts.output
      and (', %s not written'):format(opts.output) or '') }) end
  end
  local done, stopped = pcall(flush) -- the header
  if done then done, stopped = pcall(rows.each, c, { names = names, unit = unit }, function(list, path)
    local ok, eerr = pcall(function()
      for _, row in ipairs(list) do
        emit(row)
      end
    end)
    if ok then
      flush()
    elseif tostring(eerr):find('interrupted!', 1, true) then
      stop(eerr)
    else
      buf:drop()
      report:warn(path, nil, nil, '%s; its rows are left out', tostring(eerr))
    end
  end, report:as_warn()) end
  if not done then
    if type(stopped) == 'table' and stopped.failed then return nil, stopped.failed end
    if sink.abort then sink.abort() end -- (an interruption, or a fault: --output stays as it was)
    error(stopped, 0)
  end
  local ok, werr = finish()
  if not ok then return nil, werr end
  return report.warnings > 0 and 1 or 0
end

return cmd
