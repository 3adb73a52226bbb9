--- `stance report` and `:Stance report`: one self-contained HTML page of a corpus (inline SVG,
--- no script, opens offline) and each of its figures as an SVG file a paper can include: the
--- stance per target per document as a heat map (by date when known), stance over time per
--- target, per author and per outlet, agreement per target with the confusion matrices of two
--- annotators and the disagreements with their text (stance.agreement), and the model's
--- held-out scores and calibration curve when the corpus has a model layer
--- (stance.model_eval). Colors are the schema's; every stance also has a pattern and a marker,
--- so that a printout in gray tells them apart. Both hosts.
local M = {}
local H = {}

local svg = require('stance.report.svg')
local html = require('stance.report.html')
local data_mod = require('stance.report.data')

--- Most disagreements listed per target (the rest are counted; `stance agree
--- --disagreements` lists them all).
M.MAX_DISAGREEMENTS = 300
--- The most confusion matrices drawn (targets x pairs of annotators): the first ones, in the
--- order of the targets, then of the pairs; the caption says how many there were.
M.MAX_MATRICES = 48

--- Metadata columns that get a figure of their own, when the corpus has them.
M.GROUP_COLUMNS = { 'author', 'outlet' }

---@class stance.ReportOptions
---@field output string|nil folder to write into (default: .stance/report in the corpus)
---@field annotators string[]|nil layers counted (default: gold when there is one, else every person's)
---@field model boolean|nil false: leave out the model's evaluation

---@class stance.ReportResult
---@field dir string
---@field html string the page's path
---@field figures string[] paths of the SVG files
---@field data stance.ReportData
---@field sections string[] titles of the sections written
---@field incomplete table[]|nil the agreement's layers left out of a document (stance.agreement)
---@field left_out table[] the layer files with errors that no figure counts (stance.ReportData.left_out)

--- Build the report of corpus `c` and write it.
---@param c stance.Corpus
---@param opts stance.ReportOptions|nil
---@return stance.ReportResult|nil
---@return string|nil err
function M.write(c, opts)
  opts = opts or {}
  local r, err = M.build(c, opts)
  if not r then return nil, err end
  local fs, core = require('stance.fs'), require('stance.core')
  local dir = (opts.output or (c.root .. '/.stance/report')):gsub('/+$', '')
  if dir == '' then dir = '/' end
  -- the default folder is the corpus's: a committed link (.stance/report -> elsewhere) is
  -- never written through; a folder the user names is the user's
  local root = not opts.output and c.root or nil
  local ok, merr = fs.mkdir_p(dir .. '/figures', root)
  if not ok then return nil, merr end
  local paths = {}
  for _, fig in ipairs(r.figures) do
    local path = dir .. '/' .. fig.file
    local wok, werr = core.write_atomic(path, '<?xml version="1.0" encoding="UTF-8"?>\n' .. fig.svg .. '\n', nil,
      { root = root })
    if not wok then return nil, werr end
    paths[#paths + 1] = path
  end
  local page = dir .. '/report.html'
  local wok, werr = core.write_atomic(page, r.html, nil, { root = root })
  if not wok then return nil, werr end
  return { dir = dir, html = page, figures = paths, data = r.data, sections = r.sections, incomplete = r.incomplete,
    left_out = r.data.left_out }
end

--- Build the report in memory: { html, figures = { { id, file, title, caption, svg } }, data }.
---@param c stance.Corpus
---@param opts stance.ReportOptions|nil
---@return table|nil
---@return string|nil err
function M.build(c, opts)
  opts = opts or {}
  local data = data_mod.collect(c, { annotators = opts.annotators })
  local styles = svg.stances(c:schema(), data.stances)
  local ctx = { c = c, data = data, styles = styles, figures = {}, sections = {}, opts = opts }
  H.documents(ctx)
  H.over_time(ctx)
  for _, column in ipairs(M.GROUP_COLUMNS) do
    H.by_column(ctx, column)
  end
  H.agreement(ctx)
  if opts.model ~= false then H.model(ctx) end
  local name = c.root:match('([^/]+)/*$') or c.root
  local src = data.sources
  local from = {}
  for _, k in ipairs({ { 'gold', 'from gold' }, { 'one', 'from one annotator' },
    { 'several', 'from several annotators (their mean)' }, { 'not-started', 'not started' } }) do
    if src[k[1]] > 0 then from[#from + 1] = ('%d %s'):format(src[k[1]], k[2]) end
  end
  local subtitle = ('%d documents (%d with a date): %s. %s; %d targets; stances %s.')
    :format(#data.docs, data.dated, #from > 0 and table.concat(from, ', ') or 'none', data_mod.annotations_said(data),
    #data.targets, #data.stances > 0 and table.concat(data.stances, ', ') or 'none')
  local page = html.page({ title = ('Stance report of %s: %s'):format(name, data.counted), subtitle = subtitle,
    sections = ctx.sections })
  local titles = {}
  for i, s in ipairs(ctx.sections) do
    titles[i] = s.title
  end
  return { html = page, figures = ctx.figures, data = data, sections = titles, incomplete = ctx.incomplete }
end

--- Add a figure to the report (and the list of files).
function H.figure(ctx, id, title, caption, body)
  local fig = { id = id, title = title, caption = caption, svg = body, file = 'figures/' .. id .. '.svg' }
  ctx.figures[#ctx.figures + 1] = fig
  return html.figure(fig)
end

function H.section(ctx, id, title, parts)
  ctx.sections[#ctx.sections + 1] = { id = id, title = title, parts = parts }
end

function H.layers_said(data)
  return data.counted
end

function H.documents(ctx)
  local data = ctx.data
  local matrix = require('stance.report.matrix')
  local rows, per = matrix.document_rows(data)
  local body = matrix.figure({ id = 'heatmap', title = 'Stance per target per document', rows = rows,
    targets = data.targets, styles = ctx.styles, row_head = per > 1 and 'documents' or 'document',
    note_head = per > 1 and (data.dated > 0 and 'dates' or nil) or (data.dated > 0 and 'date · counted from'
      or 'counted from') })
  local order = data.dated > 0 and 'in date order (documents without a date last, in path order)' or 'in path order'
  local caption = ('Stance annotations of %s per target, one row per %s, %s. Each bar is split into the stances '
    .. 'of its annotations (color and pattern), the number beside it is how many there are. Each row says where its '
    .. 'figures come from and whether they are done: an empty cell of a document marked done means "no stance"; '
    .. 'one in progress may still get some; a document nobody has started has dashed cells and says "not '
    .. 'started".'):format(H.layers_said(data), per > 1 and ('%d consecutive documents'):format(per) or 'document',
    order)
  local parts = {}
  local left = H.left_out_said(data)
  if left then parts[1] = html.p(left, 'note') end
  local m = data.meta_error
  if m then
    parts[#parts + 1] = html.p(('METADATA WITH ERRORS: %s:%d:%d: %s. Dates, authors and outlets come from what '
      .. 'could be read of it. Fix it (stance check) before publishing these figures.'):format(m.path, m.line, m.col,
      m.message), 'note')
  end
  parts[#parts + 1] = H.figure(ctx, 'heatmap', 'Stance per target per document', caption, body)
  H.section(ctx, 'documents', 'Stance per document', parts)
end

--- What the page says of the layer files with errors that no figure counts (stance.report.data's
--- left_out), or nil when there is none.
function H.left_out_said(data)
  local list = data.left_out or {}
  if #list == 0 then return nil end
  local items = {}
  for _, b in ipairs(list) do
    if b.conflicts then
      items[#items + 1] = ('%s on %s (%d record%s in an unresolved merge conflict, the first at %s)'):format(
        b.annotator, b.path, b.conflicts, b.conflicts == 1 and '' or 's', b.where)
    else
      items[#items + 1] = ('%s on %s (%d error%s, the first at %s)'):format(b.annotator, b.path, b.errors,
        b.errors == 1 and '' or 's', b.where)
    end
  end
  local errors, conflicts = false, false
  for _, b in ipairs(list) do
    if b.conflicts then conflicts = true else errors = true end
  end
  local what = errors and conflicts and 'errors or unresolved merge conflicts' or conflicts
    and 'unresolved merge conflicts' or 'errors'
  return ('LEFT OUT: %d annotation file(s) with %s count in no figure of their document, which comes from its '
    .. 'other layers, as if the file were absent: %s. Fix them (stance check) before publishing these figures.')
    :format(#list, what, table.concat(items, '; '))
end

function H.over_time(ctx)
  local data = ctx.data
  local body, info = require('stance.report.charts').over_time({ id = 'over-time', title = 'Stance over time',
    data = data, styles = ctx.styles })
  if not body then
    H.section(ctx, 'time', 'Stance over time', { html.p(data.dated == 0 and ('No document has a date: add a '
      .. '`date` column (YYYY-MM-DD) to %s to see stance over time.'):format(require('stance.docmeta').path)
      or 'No stance annotation on a dated document.', 'note') })
    return
  end
  local caption = ('Stance annotations of %s per %s, one panel per target; documents without a date are left '
    .. 'out. Each stance is a line in its color, dash and marker.'):format(H.layers_said(data), info.unit)
  H.section(ctx, 'time', 'Stance over time', { H.figure(ctx, 'over-time', 'Stance over time', caption, body) })
end

function H.by_column(ctx, column)
  local data = ctx.data
  local has = false
  for _, c in ipairs(data.columns) do
    if c == column then has = true end
  end
  if not has then return end
  local matrix = require('stance.report.matrix')
  local rows = matrix.group_rows(data, column)
  local id = 'by-' .. column
  local body = matrix.figure({ id = id, title = 'Stance per ' .. column, rows = rows, targets = data.targets,
    styles = ctx.styles, row_head = column, note_head = 'documents' })
  local caption = ('Stance annotations of %s per %s and target (documents without one: "(none)"), most annotated '
    .. 'first.'):format(H.layers_said(data), column)
  H.section(ctx, id, 'Per ' .. column, { H.figure(ctx, id, 'Stance per ' .. column, caption, body) })
end

--- The people compared: those of --annotator when two or more of them are people, else every
--- person's layer.
function H.people(ctx)
  local c, names = ctx.c, {}
  for _, n in ipairs(ctx.opts.annotators or {}) do
    if c:is_person(n) then names[#names + 1] = n end
  end
  if #names >= 2 then return names end
  return c:people()
end

function H.agreement(ctx)
  local c = ctx.c
  local people = H.people(ctx)
  if #people < 2 then
    H.section(ctx, 'agreement', 'Agreement', { html.p(('Agreement needs two annotators\' layers; the corpus has %s.')
      :format(#people == 0 and 'none' or ('only ' .. people[1])), 'note') })
    return
  end
  -- only the documents two of them have a file for can count: the others are not opened
  local report, err = c:agreement({ annotators = people, fields = { 'stance' }, disagreements = true,
    documents = H.shared_documents(c, people) })
  if not report then
    H.section(ctx, 'agreement', 'Agreement', { html.p('No agreement figures: ' .. tostring(err), 'note') })
    return
  end
  local field = report.fields[1]
  local parts = {}
  local json = require('stance.json')
  if report.incomplete and #report.incomplete > 0 then
    -- an annotator's file with errors is left out of its document: the figures are incomplete
    ctx.incomplete = report.incomplete
    local items = {}
    for _, b in ipairs(report.incomplete) do
      items[#items + 1] = ('%s on %s: %s'):format(b.annotator, b.path, b.where)
    end
    parts[#parts + 1] = html.p(('INCOMPLETE: %d annotation file(s) with errors or unresolved merge conflicts; each'
      .. ' annotator is left out of that '
      .. 'document (not counted as no stance): %s. Fix them (stance check) before publishing these figures.')
      :format(#items, table.concat(items, '; ')), 'note')
  end
  parts[#parts + 1] = html.p(('Stance per (sentence, target) of %s over %d document%s they have all marked done; '
    .. 'a sentence an annotator gave no stance toward a target counts as "no stance". The figures are those of '
    .. '`stance agree`.'):format(table.concat(report.annotators, ', '), #report.documents,
    #report.documents == 1 and '' or 's'))
  if not field or not field.targets or #field.targets == 0 then
    parts[#parts + 1] = html.p('No item to compare: no document is marked done by two of them.', 'note')
    H.section(ctx, 'agreement', 'Agreement', parts)
    return
  end
  local rows = {}
  for _, t in ipairs(field.targets) do
    local target = t.target == json.null and '' or t.target
    rows[#rows + 1] = { data_mod.target_name(target), { tostring(t.items), class = 'num' }, html.num(t.agreement),
      html.num(t.kappa), html.num(t.alpha) }
  end
  local p = field.pooled
  rows[#rows + 1] = { 'all targets', { tostring(p.items), class = 'num' }, html.num(p.agreement), html.num(p.kappa),
    html.num(p.alpha) }
  parts[#parts + 1] = html.table({ 'target', { 'items', class = 'num' }, { 'agreement', class = 'num' },
    { 'Cohen\'s κ', class = 'num' }, { 'Krippendorff\'s α', class = 'num' } }, rows, 'agreement')
  local matrices, all = {}, 0
  for _, t in ipairs(field.targets) do
    local target = t.target == json.null and '' or t.target
    all = all + #(t.pairs or {})
    for k = 1, math.min(#(t.pairs or {}), M.MAX_MATRICES - #matrices) do
      local pair = t.pairs[k]
      local values = {}
      for i, v in ipairs(pair.confusion.values) do
        values[i] = v ~= json.null and v or false
      end
      matrices[#matrices + 1] = { target = target, a = pair.a, b = pair.b, values = values,
        counts = pair.confusion.counts, kappa = type(pair.kappa) == 'number' and pair.kappa or nil }
    end
  end
  if #matrices > 0 then
    local body = require('stance.report.charts').confusion({ id = 'confusion', title = 'Confusion matrices per target',
      matrices = matrices })
    parts[#parts + 1] = H.figure(ctx, 'confusion', 'Confusion matrices per target', ('Per target and pair of '
      .. 'annotators: how many items the first (rows) and the second (columns) gave each value; agreement on the '
      .. 'diagonal (outlined). Darker is more.') .. (all > #matrices and (' The first %d of %d (by target, then '
      .. 'pair): stance agree --json has them all.'):format(#matrices, all) or ''), body)
  elseif field.pooled.pairs_over then
    parts[#parts + 1] = html.p(("No confusion matrix nor Cohen's κ per pair: %d annotators, more than %d (Fleiss' "
      .. "κ and Krippendorff's α pool them)."):format(#report.annotators, field.pooled.pairs_over), 'note')
  end
  parts[#parts + 1] = H.disagreements(field, report.annotators)
  H.section(ctx, 'agreement', 'Agreement', parts)
end

--- The documents (paths) that two or more of `names` have an annotation file for.
function H.shared_documents(c, names)
  local root_mod, fs = require('stance.root'), require('stance.fs')
  local seen, out = {}, {}
  for _, name in ipairs(names) do
    local dir = ('%s/%s/%s'):format(c.root, root_mod.annotations, root_mod.slug(name))
    for _, e in ipairs(fs.list(dir, { 'stance' }) or {}) do
      local p = e.path:sub(1, -8)
      seen[p] = (seen[p] or 0) + 1
      if seen[p] == 2 then out[#out + 1] = p end
    end
  end
  table.sort(out)
  return out
end

function H.disagreements(field, names)
  local json = require('stance.json')
  local list = field.disagreements or {}
  local out = { ('<h3>Disagreements (%d)</h3>'):format(#list) }
  if #list == 0 then return out[1] .. html.p('None: the annotators agree on every item.', 'note') end
  local by_target, order = {}, {}
  for _, d in ipairs(list) do
    local t = d.target == json.null and '' or (d.target or '')
    if not by_target[t] then
      by_target[t] = {}
      order[#order + 1] = t
    end
    local l = by_target[t]
    l[#l + 1] = d
  end
  -- in the order of the agreement table above (the schema's), "no target" last
  local entries = {}
  for _, t in ipairs(field.targets or {}) do
    if t.target ~= json.null and t.target then entries[#entries + 1] = { name = t.target } end
  end
  table.sort(order, require('stance.schema').order(entries))
  for _, t in ipairs(order) do
    local l = by_target[t]
    local rows = {}
    for i = 1, math.min(#l, M.MAX_DISAGREEMENTS) do
      local d = l[i]
      local row = { { ('%s:%d:%d'):format(d.path, d.line or 0, d.col or 0), class = 'where' } }
      for _, n in ipairs(names) do
        local v = d.values[n]
        row[#row + 1] = (v == nil or v == json.null) and '–' or tostring(v)
      end
      row[#row + 1] = { d.text or '', class = 'text' }
      rows[#rows + 1] = row
    end
    local head = { 'where' }
    for _, n in ipairs(names) do
      head[#head + 1] = n
    end
    head[#head + 1] = 'text'
    out[#out + 1] = ('<h3>%s: %d</h3>'):format(svg.esc(data_mod.target_name(t)), #l)
    out[#out + 1] = html.table(head, rows, 'disagreements')
    if #l > M.MAX_DISAGREEMENTS then
      out[#out + 1] = html.p(('%d more: `stance agree --disagreements --json` lists them all.'):format(
        #l - M.MAX_DISAGREEMENTS), 'note')
    end
  end
  return table.concat(out, '\n')
end

function H.model(ctx)
  local c = ctx.c
  local has = false
  for _, n in ipairs(c:annotators()) do
    if n == 'model' then has = true end
  end
  if not has then return end
  -- the layers `stance eval` learns from by default
  local ok, r, err = pcall(require('stance.model_eval').evaluate, c, {})
  if not ok or not r then
    H.section(ctx, 'model', 'The model', { html.p('No evaluation of the model: ' .. tostring(ok and err or r),
      'note') })
    return
  end
  local parts = { html.p(('Held out by document (%d documents in %d folds, as `stance eval`): per target, F_avg '
    .. '(the mean F1 of the stances), macro-F1 and accuracy of the model next to the majority class and a keyword '
    .. 'rule learnt from the same documents. Classes: %s.'):format(r.documents, r.folds,
    table.concat(r.classes, ', '))) }
  local rows, undefined = {}, false
  local function num(v)
    if v == nil then undefined = true end
    return html.num(v)
  end
  for _, t in ipairs(r.targets) do
    for _, which in ipairs({ 'model', 'majority', 'keyword' }) do
      local s = t[which]
      rows[#rows + 1] = { which == 'model' and data_mod.target_name(t.name) or '', which, num(s.f_avg),
        num(s.macro_f1), num(s.accuracy), s.undefined or '' }
    end
  end
  parts[#parts + 1] = html.table({ 'target', 'predictor', { 'F_avg', class = 'num' }, { 'macro-F1', class = 'num' },
    { 'accuracy', class = 'num' }, 'note' }, rows, 'model')
  if undefined then
    parts[#parts + 1] = html.p('– : undefined (0/0), as its row says: F_avg when no sentence has a stance toward '
      .. 'the target and none was predicted; macro-F1 when one class only is in the examples and predictions.',
      'note')
  end
  if r.calibration and (r.calibration.n or 0) > 0 then
    local body = require('stance.report.charts').calibration({ id = 'calibration', title = 'Calibration of the model',
      calibration = r.calibration })
    parts[#parts + 1] = H.figure(ctx, 'calibration', 'Calibration of the model', ('Reliability of the model\'s '
      .. 'probabilities, held out: for each sentence and target, the stance the model finds likeliest (never '
      .. '"none": what a suggestion shows) and the probability it gives it, binned, against how often the '
      .. 'annotators gave that stance there; a calibrated model lies on the diagonal.'), body)
  end
  H.section(ctx, 'model', 'The model', parts)
end

return M
