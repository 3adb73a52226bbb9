--- stance stats: the corpus in numbers.
local H = {}

--- The model's layer of suggestions (stance.export.suggestions).
local MODEL = 'model'

local cmd = {
  summary = 'Documents, words, annotations per label, target, stance and annotator',
  usage = 'stance stats [--json] [--annotator A,B] [--with-suggestions] [--by COLUMN] [DIR]',
  description = table.concat({
    'Counts people\'s annotations: the model\'s suggestions (the layer "model", written by',
    '`stance suggest`) are left out, as stance agree, stance report and stance export leave them',
    'out, and a corpus that has them says so (`layers not counted: model ...`; in --json,',
    '`not_counted`). --with-suggestions counts them too (rejected ones never), as does',
    '--annotator naming model.',
    '',
    'With --by COLUMN (a column of the document metadata, .stance/documents.csv, or',
    '`document`): per value of that column (documents without one: "(none)") and target, the',
    'documents, how many are annotated, and the annotations of each stance.',
  }, '\n'),
  flags = {
    json = { help = 'print one JSON object' },
    annotator = { arg = 'A,B', alias = 'annotators', help = 'count only these annotators\' annotations' },
    by = { arg = 'COLUMN', help = 'per value of a document metadata column (or `document`)' },
    ['with-suggestions'] = { help = 'count the model\'s suggestions (layer model) too' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  -- an annotation file no layer is read from (a link out of the corpus, a broken link) is
  -- named on stderr, and the counts that leave it out exit 1
  local report = require('stance.interop.report').new(nil, c.root)
  local names = (opts.annotator or opts['with-suggestions']) and H.names(c, opts) or nil
  require('stance.export.rows').warn_unlisted(c, function(path, line, message, col)
    report:error(path, line, col, '%s (not counted)', message)
  end, names)
  -- a layer file with errors is left out of its document whole (as stance agree, stance
  -- report and the model leave it out), named at its first error, and the counts exit 1:
  -- checked document by document as the counts read it (stance.layer_errors.document: each
  -- file read once)
  opts.report = report
  local code, rerr = H.counts(c, opts)
  if not code then return nil, rerr end
  return (code == 0 and report.warnings > 0) and 1 or code
end

--- The counts (the whole corpus, or --by): 0, or nil, err.
function H.counts(c, opts)
  if opts.by then return H.by(c, opts) end
  local st, ierr = c:index()
  if not st then return nil, ierr end
  local ist = c.idx:stats()
  local counts = { label = {}, target = {}, stance = {}, role = {}, annotator = {} }
  local total, docs_annotated = 0, 0
  local names, left, nerr = H.names(c, opts)
  if nerr then return nil, nerr end
  for doc in c:documents() do
    local anns = H.annotations(doc, names, opts.report)
    if #anns > 0 then docs_annotated = docs_annotated + 1 end
    for _, a in ipairs(anns) do
      total = total + 1
      for field, t in pairs(counts) do
        local v = a[field] or '(none)'
        t[v] = (t[v] or 0) + 1
      end
    end
  end
  local result = {
    documents = ist.docs, words = ist.words, bytes = ist.bytes, annotations = total,
    annotated_documents = docs_annotated, by = counts, not_counted = require('stance.json').array(left),
  }
  if opts.json then
    io.stdout:write(require('stance.json').encode(result), '\n')
  else
    io.stdout:write(H.table(result))
  end
  return 0
end

--- The layers counted: those --annotator names (model among them when --with-suggestions),
--- else every layer but the model's (unless --with-suggestions) and those the schema's
--- not-annotators names, as the exports count them (nil: every layer); and the layers not
--- counted that the corpus has ({ { layer, reason } }), or nil, nil, err.
---@return string[]|nil names
---@return {layer: string, reason: string}[] left
---@return string|nil err
function H.names(c, opts)
  local with = opts['with-suggestions']
  local names, nerr = require('stance.cli.args').layers(c, opts.annotator)
  if nerr then return nil, {}, nerr end
  local all, has = c:layer_names(), false
  for _, n in ipairs(all) do
    if n == MODEL then has = true end
  end
  if names then
    local named = false
    for _, n in ipairs(names) do
      if n == MODEL then named = true end
    end
    if with and has and not named then names[#names + 1] = MODEL end
    return names, {}
  end
  -- as the exports count them: the layers the schema's not-annotators names (a system's
  -- output, a pre-annotation) only when --annotator names them
  local left = {}
  names = {}
  for _, n in ipairs(all) do
    local _, what = c:is_person(n)
    if n == MODEL then
      if with then names[#names + 1] = n end
    elseif what and n ~= 'gold' then
      left[#left + 1] = { layer = n, reason = what .. ': --annotator ' .. n .. ' counts it' }
    else
      names[#names + 1] = n
    end
  end
  if has and not with then
    table.insert(left, 1, { layer = MODEL, reason = "the model's suggestions: --with-suggestions counts them" })
  end
  if #left == 0 then return nil, {} end
  return names, left
end

--- The line that says which layers were not counted (as stance agree says it), or nil.
function H.not_counted(left)
  if #left == 0 then return nil end
  local parts = {}
  for i, l in ipairs(left) do
    parts[i] = ('%s (%s)'):format(require('stance.utf8').name(l.layer), l.reason)
  end
  return 'layers not counted: ' .. table.concat(parts, ', ')
end

--- The annotations of `doc` that count (of `names`, or everyone's): not those of a layer
--- whose file of it has errors (said on `report`, stance.layer_errors.document: the others
--- read once), nor the suggestions an annotator rejected (kept in the model layer as negative
--- examples, with the stance refused).
function H.annotations(doc, names, report)
  local model = require('stance.model')
  local out = {}
  local all = names or doc.corpus:layer_names()
  local errors = require('stance.layer_errors').document(doc, all)
  local kept = names
  local left = {}
  for _, e in ipairs(errors) do
    left[e.annotator] = true
    -- (a link was said with the files no layer is read from: not twice)
    if not e.link then
      report:error(e.file, e.line, e.col, "%s (%d error(s)); %s's file left out of %s: none of it counted (stance "
        .. 'check lists them)', e.message, e.errors, e.annotator, e.path)
    end
  end
  -- a file holding records of an unresolved merge conflict (both versions, not yet the
  -- annotator's word: stance.layer_conflicts), left out as stance report leaves it out; read
  -- already (the layer cache vouches only for a file without a problem)
  local conflicts = require('stance.layer_conflicts')
  for _, name in ipairs(all) do
    local layer = not left[name] and doc:kept_layer(name)
    local first, n = conflicts.first_problem(layer and layer.file.problems)
    if first then
      left[name] = true
      report:warn(layer.file.path, first.line, first.col, '%s', conflicts.left_out_said(first, name, n, doc.path,
        'counted'))
    end
  end
  if next(left) then
    kept = {}
    for _, name in ipairs(all) do
      if not left[name] then kept[#kept + 1] = name end
    end
  end
  -- of the model's layer (--with-suggestions) neither the rejections nor the suggestions they
  -- refused (the same stance toward the same target at the same place: written by a `stance
  -- suggest` before the annotator's g-), as exports leave them out (stance.export.suggestions)
  local anns, refused = doc:annotations({ annotator = kept }), {}
  local function key(a) return (a.start or '') .. ':' .. (a.target or '') .. ':' .. (a.stance or '') end
  for _, a in ipairs(anns) do
    if a.annotator == MODEL and model.is_rejection(a) then refused[key(a)] = true end
  end
  for _, a in ipairs(anns) do
    if not (a.annotator == MODEL and (model.is_rejection(a) or refused[key(a)])) then out[#out + 1] = a end
  end
  return out
end

--- stats --by COLUMN: per value of a metadata column and target, the stance counts.
function H.by(c, opts)
  local column = opts.by
  local meta = c:metadata()
  -- a table with errors (git's conflict markers, a quote never closed) is used as read, said
  require('stance.docmeta').warn_errors(meta, opts.report:as_warn())
  local known = column == 'document'
  for _, name in ipairs(meta.columns) do
    if name == column then known = true end
  end
  if not known then
    local docmeta = require('stance.docmeta')
    if not require('stance.fs').exists(c.root .. '/' .. docmeta.path) then
      return require('stance.cli').usage_error(("no column '%s': the corpus has no %s (a CSV file: a header line"
        .. " with `document` and one column per field, such as %s, then one row per document: :help"
        .. " stance-metadata); --by document works without it"):format(column, docmeta.path, column), 'stats')
    end
    return require('stance.cli').usage_error(("no column '%s' in %s (columns: %s)"):format(column,
      docmeta.path, table.concat(meta.columns, ', ') .. (#meta.columns > 0 and ', ' or '')
      .. 'document'), 'stats')
  end
  local names, left, nerr = H.names(c, opts)
  if nerr then return nil, nerr end
  local groups, order, stances = {}, {}, {}
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    local value = column == 'document' and path or doc:meta(column) or '(none)'
    local g = groups[value]
    if not g then
      g = { value = value, documents = 0, annotated_documents = 0, annotations = 0, targets = {} }
      groups[value] = g
      order[#order + 1] = value
    end
    g.documents = g.documents + 1
    local anns = H.annotations(doc, names, opts.report)
    if #anns > 0 then g.annotated_documents = g.annotated_documents + 1 end
    for _, a in ipairs(anns) do
      g.annotations = g.annotations + 1
      if a.stance then
        local t = a.target or '(none)'
        g.targets[t] = g.targets[t] or {}
        g.targets[t][a.stance] = (g.targets[t][a.stance] or 0) + 1
        stances[a.stance] = true
      end
    end
  end
  table.sort(order, function(a, b)
    if (a == '(none)') ~= (b == '(none)') then return b == '(none)' end
    if column == 'date' then
      local ka, kb = require('stance.docmeta').date_key(a), require('stance.docmeta').date_key(b)
      if ka and kb and ka ~= kb then return ka < kb end
    end
    return a < b
  end)
  local values = require('stance.schema').ordered((c:schema() or {}).stances, stances)
  local list = {}
  for i, v in ipairs(order) do
    list[i] = groups[v]
  end
  if opts.json then
    local json = require('stance.json')
    io.stdout:write(json.encode({ by = column, stances = json.array(values), groups = json.array(list),
      not_counted = json.array(left) }), '\n')
    return 0
  end
  local said = H.not_counted(left)
  if said then io.stdout:write(said, '\n') end
  local target_order = require('stance.schema').order((c:schema() or {}).targets)
  local rows = { { column, 'target', 'documents', 'annotated', 'annotations' } }
  for _, v in ipairs(values) do
    rows[1][#rows[1] + 1] = v
  end
  for _, g in ipairs(list) do
    local targets = {}
    for t in pairs(g.targets) do
      targets[#targets + 1] = t
    end
    table.sort(targets, target_order) -- the schema's order, as every listing
    if #targets == 0 then targets = { '-' } end
    for i, t in ipairs(targets) do
      local r = { i == 1 and g.value or '', t, i == 1 and tostring(g.documents) or '',
        i == 1 and tostring(g.annotated_documents) or '', i == 1 and tostring(g.annotations) or '' }
      for _, v in ipairs(values) do
        r[#r + 1] = tostring((g.targets[t] or {})[v] or 0)
      end
      rows[#rows + 1] = r
    end
  end
  io.stdout:write(H.align(rows))
  return 0
end

--- Rows of cells as aligned text: the first two columns to the left, numbers to the right.
--- Cells come from files (metadata values, the schema's names): control characters are
--- shown escaped, never acting (stance.utf8.printable).
function H.align(rows)
  local u = require('stance.utf8')
  local width = {}
  for _, r in ipairs(rows) do
    for i, cell in ipairs(r) do
      r[i] = u.name(cell)
      width[i] = math.max(width[i] or 0, u.len(r[i]))
    end
  end
  local out = {}
  for _, r in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(r) do
      local pad = (' '):rep(width[i] - u.len(cell))
      cells[i] = i <= 2 and (cell .. pad) or (pad .. cell)
    end
    out[#out + 1] = (table.concat(cells, '  '):gsub('%s+$', ''))
  end
  return table.concat(out, '\n') .. '\n'
end

--- The aligned text form.
function H.table(r)
  local lines = {
    ('documents    %d (%d annotated)'):format(r.documents, r.annotated_documents),
    ('words        %d'):format(r.words),
    ('annotations  %d'):format(r.annotations),
  }
  lines[#lines + 1] = H.not_counted(r.not_counted)
  for _, field in ipairs({ 'annotator', 'label', 'target', 'stance', 'role' }) do
    local t = r.by[field]
    local keys = {}
    for k in pairs(t) do
      keys[#keys + 1] = k
    end
    table.sort(keys, function(a, b)
      if t[a] ~= t[b] then return t[a] > t[b] end
      return a < b
    end)
    if #keys > 0 then
      -- values come from the files: any length, any character (shown, never acting)
      local u = require('stance.utf8')
      lines[#lines + 1] = ''
      local width = #field
      for _, k in ipairs(keys) do
        width = math.max(width, u.len(u.name(k)))
      end
      lines[#lines + 1] = ('%s  %6s'):format(u.pad(field, width), 'count')
      for _, k in ipairs(keys) do
        lines[#lines + 1] = ('%s  %6d'):format(u.pad(k, width), t[k])
      end
    end
  end
  return table.concat(lines, '\n') .. '\n'
end

return cmd
