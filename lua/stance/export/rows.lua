--- The rows that exports write (doc/format.md section 10): one per annotation, relation or
--- document label (doclabel), or one per sentence with the labels of the annotations over it (for
--- training classifiers). Field order is fixed. Rows come a document at a time, made
--- whole before any is written: a record that cannot be placed (an orphan whose text is
--- gone) is exported as an orphan and reported, and a document that fails is reported and
--- left out, so that one bad record never stops an export nor leaves it half-written.
local M = {}
local H = {}

--- Fields of each kind of row, in order (a new field is only ever added at the end).
M.fields = {
  annotation = { 'document', 'annotator', 'id', 'label', 'target', 'stance', 'role', 'start', 'stop', 'byte_start',
    'byte_stop', 'line', 'col', 'spans', 'quote', 'note', 'author', 'created', 'confidence', 'kind', 'orphan',
    'suggested' },
  relation = { 'document', 'annotator', 'id', 'type', 'from', 'to', 'from_label', 'to_label', 'from_quote',
    'to_quote', 'note', 'author', 'created', 'kind' },
  doclabel = { 'document', 'annotator', 'id', 'label', 'target', 'stance', 'note', 'author', 'created', 'status',
    'kind' },
  sentence = { 'document', 'sentence', 'start', 'stop', 'line', 'text', 'labels', 'done', 'suggestions',
    'targets' },
  sentence_target = { 'document', 'sentence', 'start', 'stop', 'line', 'text', 'target', 'annotator', 'stance',
    'status', 'suggested', 'confidence' },
}
M.annotation_fields = M.fields.annotation
M.sentence_fields = M.fields.sentence

--- The units of `stance export --unit`: which kinds of rows each holds.
M.units = {
  all = { 'doclabel', 'annotation', 'relation' },
  annotation = { 'annotation' },
  relation = { 'relation' },
  doclabel = { 'doclabel' },
  document = { 'doclabel' },
  sentence = { 'sentence' },
  ['sentence-target'] = { 'sentence_target' },
}

---@class stance.RowsOptions
---@field annotator string|nil "A,B": only these annotators
---@field names string[]|nil the layers (stance.export.suggestions.names; default: annotator's, else every one)
---@field unit string|nil a key of M.units (default "annotation")

--- The columns exports add after the fixed fields of every kind of row: `doc_COLUMN` for each
--- column of the corpus's document metadata (.stance/documents.csv), in its order.
---@param c table stance.Corpus
---@return string[]
function M.meta_fields(c)
  local out = {}
  for i, name in ipairs(c:metadata().columns) do
    out[i] = 'doc_' .. name
  end
  return out
end

--- Call emit(rows, path) for each document of the corpus (in path order; annotators in name
--- order, then document labels, annotations in document order and relations, as in the
--- files), and warn(path, line, message) for each problem.
---@param c table stance.Corpus
---@param opts stance.RowsOptions
---@param emit fun(rows: table[], path: string)
---@param warn fun(path: string, line: integer|nil, message: string)
function M.each(c, opts, emit, warn)
  local names = opts.names or require('stance.cli.args').list(opts.annotator)
  M.warn_unlisted(c, warn, names)
  local kinds = M.units[opts.unit or 'annotation']
  local meta = c:metadata()
  require('stance.docmeta').warn_errors(meta, warn) -- its doc_ columns read as far as they could be
  for _, path in ipairs(c:paths()) do
    local ok, rows = pcall(H.rows, c, path, names, kinds, warn)
    if ok then
      local values = meta.rows[path]
      if values then
        for _, row in ipairs(rows) do
          for name, v in pairs(values) do
            row['doc_' .. name] = v
          end
        end
      end
      emit(rows, path)
    else
      warn(path, nil, ('%s; its rows are left out'):format(tostring(rows):gsub('^.-:%d+: ', '')))
    end
  end
end

--- The rows of one document.
function H.rows(c, path, names, kinds, warn)
  local doc = assert(c:document(path))
  local text, err = doc:text()
  if not text then error(err, 0) end
  local rows = {}
  if kinds[1] == 'sentence' or kinds[1] == 'sentence_target' then return H.sentences(doc, names, warn, kinds[1]) end
  for _, who in ipairs(require('stance.export.suggestions').of(doc, names)) do
    local layer = M.layer(doc, who, warn)
    if layer then
      local placed = require('stance.export.suggestions').placed(layer, text)
      local ctx = { doc = doc, text = text, model = assert(doc:model()), who = who, layer = layer, placed = placed }
      for _, kind in ipairs(kinds) do
        for _, rec in ipairs(placed.store:records(kind)) do
          rows[#rows + 1] = H.row[kind](ctx, rec, warn)
        end
      end
    end
  end
  return rows
end

--- Annotation files that no layer is read from (a link, wherever it leads; a file in error):
--- each said once through warn(path, line, message, col, "error"), at its line 1 as stance
--- check says it, so that an export never leaves one out without a word. With `names` (the
--- layers a command reads), only those in their folders: a link in another annotator's folder
--- is nothing the command left out. A link said here is not said again when a document's
--- layers are read (stance.layer_link.warn).
---@param c table stance.Corpus
---@param warn fun(path: string, line: integer|nil, message: string, col: integer|nil, severity: string|nil)
---@param names string[]|nil
function M.warn_unlisted(c, warn, names)
  local R = require('stance.root')
  local dir = c.root .. '/' .. R.annotations
  local wanted -- (no names, or none: every layer)
  if names and #names > 0 then
    wanted = {}
    for _, n in ipairs(names) do
      wanted[R.slug(n)] = true
    end
  end
  local function counts(path)
    if not wanted then return true end
    local rel = path:sub(#dir + 2)
    return wanted[rel:match('^[^/]+') or rel] == true
  end
  -- a link is never read as a layer, wherever it leads (stance.layer_link)
  local link, links = require('stance.layer_link'), {}
  for _, l in ipairs(link.scan(c.root)) do
    links[l.path] = true
    link.mark_said(l.said)
    if counts(l.path) then warn(l.path, 1, ('%s; left out'):format(l.message), 1, 'error') end
  end
  for _, e in ipairs(require('stance.core').list(dir, { ext = { 'stance' } }) or {}) do
    local path = dir .. '/' .. e.path
    if e.error and not links[path] and counts(path) then
      warn(path, 1, ('%s; left out'):format(e.error), 1, 'error')
    end
  end
end

--- The layer of `who` on `doc` to export, or nil when there is none on disk. What an export
--- leaves out is said through warn(path, line, message), never dropped without a word: a
--- layer that cannot be read (a link out of the corpus, a FIFO), and each record of its file
--- that could not be (an error at its line); a file holding records of an unresolved merge
--- conflict is left out whole, said at its first. With `whole` (the sentence units, whose
--- sentences without a stance read as "no stance"), a file with errors is left out whole, as
--- stance agree leaves it out: said once, at its first error.
---@param doc table stance.Document
---@param who string
---@param warn fun(path: string, line: integer|nil, message: string)
---@param whole boolean|nil
---@return table|nil stance.Layer
function M.layer(doc, who, warn, whole)
  local layer, err, code = doc:layer(who)
  if not layer then
    -- (a link was said with the files no layer is read from, M.warn_unlisted: not twice)
    if code ~= 'ELINK' then
      warn(require('stance.root').annotation_path(doc.corpus.root, who, doc.path), nil,
        ('%s; left out'):format(err))
    end
    return nil
  end
  if not layer:exists() then return nil end
  if whole then
    local first, n = require('stance.annfile').errors(layer.file.problems)
    if first then
      -- (the cause a conflict marker gives the first error, as stance check says it)
      require('stance.annfile').first_error(layer.file.path, layer.file.problems, doc.corpus.root)
      warn(layer.file.path, first.line, ("%s (%d error(s)); %s's file left out of %s: none of it exported, not even "
        .. 'as no stance (stance check lists them)'):format(first.message, n, who, doc.path), first.col)
      return nil
    end
  end
  -- records of an unresolved merge conflict: two versions where the annotator has not decided
  -- (stance.layer_conflicts); the file is left out of the document as agreement, the report
  -- and the model leave it out: an export never holds both versions as if both were meant
  local conflicts = require('stance.layer_conflicts')
  local conflict, nc = conflicts.first_problem(layer.file.problems)
  if conflict then
    warn(layer.file.path, conflict.line, conflicts.left_out_said(conflict, who, nc, doc.path, 'exported'), conflict.col)
    return nil
  end
  for _, p in ipairs(layer.file.problems or {}) do
    if p.severity == 'error' then
      -- (at the column stance check gives it)
      warn(layer.file.path, p.line, ('%s: what it concerns is left out (stance check)'):format(p.message), p.col,
        'error')
    end
  end
  return layer
end

--- A finite number, or nil.
function H.number(s)
  local n = tonumber(s or '')
  if n and n == n and n ~= math.huge and n ~= -math.huge then return n end
  return nil
end

function H.annotation(ctx, rec, warn)
  local row = { kind = 'annotation', document = ctx.doc.path, annotator = ctx.who, id = rec.id, label = rec.label,
    target = rec.target, stance = rec.stance, role = rec.role, start = rec.spans[1][1],
    stop = rec.spans[#rec.spans][2], note = rec.note, author = rec.author or ctx.who, created = rec.created,
    confidence = H.number(rec.confidence), suggested = ctx.placed.suggestions or nil }
  local spans = {}
  for i, sp in ipairs(rec.spans) do
    spans[i] = { sp[1], sp[2] }
  end
  row.spans = spans
  if ctx.placed.orphans[rec.id] then
    -- its text is gone: the offsets and quote are those the file records
    local was = ctx.layer.file.store:get(rec.id)
    warn(ctx.layer.file.path, was and was.line, ('annotation %s is an orphan (its text is no longer in %s): exported '
      .. 'with orphan = true'):format(rec.id, ctx.doc.path))
    row.orphan, row.quote = true, rec.quote
    return row
  end
  local m = ctx.model
  row.byte_start, row.byte_stop = m:cp_to_byte(row.start), m:cp_to_byte(row.stop)
  local line, col = m:pos(row.byte_start)
  row.line, row.col, row.quote = line + 1, col + 1, H.quote(ctx, rec)
  return row
end

--- The text an annotation covers (its spans joined by a space): the document's now, or
--- the quote its file records for an orphan (or for a record that is not there: nil).
function H.quote(ctx, rec)
  if not rec or not rec.spans then return nil end
  if ctx.placed.orphans[rec.id] then return rec.quote end
  local m, parts, keys = ctx.model, {}, {}
  for i, sp in ipairs(rec.spans) do
    keys[i] = sp[1] .. '-' .. sp[2]
  end
  -- one string for the spans of a document however many annotations have them (thousands
  -- over one long span would each hold a copy of it otherwise: adversary15 #10)
  local key = table.concat(keys, ',')
  ctx.quotes = ctx.quotes or {}
  local q = ctx.quotes[key]
  if q then return q end
  for i, sp in ipairs(rec.spans) do
    parts[i] = ctx.text:sub(m:cp_to_byte(sp[1]) + 1, m:cp_to_byte(sp[2]))
  end
  q = table.concat(parts, ' ')
  ctx.quotes[key] = q
  return q
end

function H.relation(ctx, rec)
  local store = ctx.placed.store
  local from, to = store:get(rec.from), store:get(rec.to)
  return { kind = 'relation', document = ctx.doc.path, annotator = ctx.who, id = rec.id, type = rec.type,
    from = rec.from, to = rec.to, from_label = from and from.label, to_label = to and to.label,
    from_quote = H.quote(ctx, from), to_quote = H.quote(ctx, to), note = rec.note, author = rec.author or ctx.who,
    created = rec.created }
end

function H.doclabel(ctx, rec)
  return { kind = 'doclabel', document = ctx.doc.path, annotator = ctx.who, id = rec.id, label = rec.label,
    target = rec.target, stance = rec.stance, note = rec.note, author = rec.author or ctx.who, created = rec.created,
    status = ctx.layer:status() }
end
H.row = { annotation = H.annotation, relation = H.relation, doclabel = H.doclabel }

--- Rows of the sentences of a document. An annotation counts for a sentence by the rule of
--- agreement and the model (stance.agreement.items.units_of: it overlaps the sentence by at
--- least half of the shorter of the two), never merely by touching it.
--- kind "sentence": one row per sentence, with labels = the annotations counted for it:
--- { {annotator, label, target, stance, role}, ... } (orphans are reported and left out), and
--- done = the annotators who marked the document done (a sentence without a label of theirs
--- has no stance for them; one not done has said nothing), and targets = the schema's targets
--- the document belongs to (their `documents`), in its order: toward those alone does a
--- sentence without a label of a done annotator's have no stance (the targets of the
--- sentence-target rows and of agreement; a label toward another is an annotation of the
--- sentence all the same, in labels).
--- kind "sentence_target": one row per sentence, target (the schema's, then others given)
--- and annotator with a layer on the document: the stance as agreement counts it (of
--- several, the one covering the most of the sentence, then the first in the schema; none:
--- empty), and the annotator's status on the document (done: empty is "no stance"); a target
--- whose `documents` (the schema's) leave the document out has no rows there: it was not
--- judged for it.
function H.sentences(doc, names, warn, kind)
  local items = require('stance.agreement.items')
  local sentences = doc:sentences() or {}
  local units = { starts = {}, stops = {} }
  local labels = {}
  for i, s in ipairs(sentences) do
    labels[i] = {}
    units.starts[i], units.stops[i] = s.start, s.stop
  end
  local schema = doc.corpus:schema()
  local has_targets = schema and schema.targets and #schema.targets > 0
  local text = doc:text()
  local done, layers = {}, {}
  local said = {} -- [who][target][sentence] = ordered map stance -> parts
  local conf = {} -- [who][target .. '\0' .. sentence .. '\0' .. stance] = the highest confidence given it
  local suggestions = {} -- [sentence] = the model's suggestions over it
  local targets, seen_target = {}, {}
  for _, t in ipairs(schema and schema.targets or {}) do
    targets[#targets + 1], seen_target[t.name] = t.name, true
  end
  for _, who in ipairs(require('stance.export.suggestions').of(doc, names)) do
    local layer = M.layer(doc, who, warn, true)
    if layer then
      local suggests = require('stance.export.suggestions').is_suggestions(who)
      layers[#layers + 1] = { who = who, status = layer:status() or 'in-progress', suggests = suggests }
      if layer:status() == 'done' and not suggests then done[#done + 1] = who end
      said[who], conf[who] = {}, {}
      local placed = require('stance.export.suggestions').placed(layer, text)
      for _, a in ipairs(placed.store:records('annotation')) do
        if placed.orphans[a.id] then
          local was = layer.file.store:get(a.id)
          warn(layer.file.path, was and was.line, ('annotation %s is an orphan (its text is no longer in %s): left '
            .. 'out'):format(a.id, doc.path))
        else
          local stance
          for _, s in ipairs(items.says(a, has_targets)) do
            if s[1] == 'stance' and type(s[2]) == 'table' and not a.conflict then stance = s[2] end
          end
          local p = H.number(a.confidence)
          for _, hit in ipairs(items.units_of(units, a.spans)) do
            local l = labels[hit[1]]
            if placed.suggestions then
              suggestions[hit[1]] = suggestions[hit[1]] or {}
              l = suggestions[hit[1]]
            end
            l[#l + 1] = { annotator = who, label = a.label, target = a.target, stance = a.stance, role = a.role,
              confidence = placed.suggestions and p or nil }
            if stance then
              H.said(said[who], stance, hit, targets, seen_target)
              local k = tostring(stance[1]) .. '\0' .. hit[1] .. '\0' .. tostring(stance[2])
              if p and (conf[who][k] or -1) < p then conf[who][k] = p end
            end
          end
        end
      end
    end
  end
  local rows = {}
  local in_scope = require('stance.schema').in_scope
  local scope = {} -- (kind sentence) the schema's targets the document belongs to
  for _, t in ipairs(schema and schema.targets or {}) do
    if in_scope(schema, t, doc.path) then scope[#scope + 1] = t.name end
  end
  for i, s in ipairs(sentences) do
    local base = { document = doc.path, sentence = i, start = s.start, stop = s.stop, line = s.line, text = s.text }
    if kind == 'sentence' then
      local who_done = {}
      for k, who in ipairs(done) do
        who_done[k] = who
      end
      local in_doc = {}
      for k, t in ipairs(scope) do
        in_doc[k] = t
      end
      base.labels, base.done, base.suggestions, base.targets = labels[i], who_done, suggestions[i], in_doc
      rows[#rows + 1] = base
    else
      local before = items.before(items.ranker(schema and schema.stances))
      for _, t in ipairs(targets) do
        for _, l in ipairs(in_scope(schema, t, doc.path) and layers or {}) do
          local by_v = said[l.who][t] and said[l.who][t][i]
          local stance = by_v and (items.pick(by_v, before)) or nil
          local row = { target = t ~= false and t or nil, annotator = l.who, status = l.status, stance = stance,
            suggested = l.suggests or nil,
            confidence = stance and conf[l.who][tostring(t) .. '\0' .. i .. '\0' .. tostring(stance)] or nil }
          for k, v in pairs(base) do
            row[k] = v
          end
          rows[#rows + 1] = row
        end
      end
    end
  end
  return rows
end

--- Note that an annotator gave stance what = {target, stance} over sentence hit[1] (with the
--- parts hit[2]); a target not seen before is added to `targets`.
function H.said(by_t, what, hit, targets, seen_target)
  local t = what[1]
  if not seen_target[t] then
    seen_target[t] = true
    targets[#targets + 1] = t
  end
  by_t[t] = by_t[t] or {}
  local by_v = by_t[t][hit[1]]
  if not by_v then
    by_v = { keys = {}, map = {} }
    by_t[t][hit[1]] = by_v
  end
  if not by_v.map[what[2]] then
    by_v.map[what[2]] = {}
    by_v.keys[#by_v.keys + 1] = what[2]
  end
  for _, p in ipairs(hit[2]) do
    table.insert(by_v.map[what[2]], p)
  end
end

return M
