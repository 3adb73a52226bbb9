--- The agreement report as text: what `stance agree` prints and `:Stance agree` shows (the
--- same lines in both).
local M = {}
local H = {}

local json = require('stance.json')

H.heads = { items = 'items', agreement = 'agree', kappa = 'kappa', fleiss = 'fleiss', alpha = 'alpha',
  alpha_u = 'alphaU', f1_exact = 'F1 exact', f1_overlap = 'F1 overlap' }

H.NO_VALUE = { stance = '(no stance)', role = '(no role)', label = '(no label)', document = '(no stance)' }

function H.num(v)
  if v == nil or v == json.null then return '-' end
  return ('%.3f'):format(v)
end

--- Columns kept: `metrics` (nil: all of `cols`); items always.
function H.keep(cols, metrics)
  if not metrics then return cols end
  local want = {}
  for _, m in ipairs(metrics) do
    want[m] = true
    if m == 'f1' then want.f1_exact, want.f1_overlap = true, true end
  end
  local out = {}
  for _, c in ipairs(cols) do
    if want[c] or c == 'items' then out[#out + 1] = c end
  end
  return out
end

--- One row: the name padded to `width`, then the columns right-aligned.
function H.row(width, name, cols, e)
  local parts = { name .. (' '):rep(math.max(1, width - #name)) }
  for _, c in ipairs(cols) do
    local w = math.max(6, #H.heads[c])
    local v = e[c]
    local s = c == 'items' and tostring(v or 0) or H.num(v)
    parts[#parts + 1] = (' '):rep(w - #s) .. s
  end
  return table.concat(parts, ' ')
end

function H.head(width, name, cols)
  local parts = { name .. (' '):rep(math.max(1, width - #name)) }
  for _, c in ipairs(cols) do
    local h = H.heads[c]
    parts[#parts + 1] = (' '):rep(math.max(6, #h) - #h) .. h
  end
  return table.concat(parts, ' ')
end

--- A value as text; one that is not a plain name (a file may hold any string) is quoted,
--- so that it never reads as "(no stance)".
function H.value(field, v)
  if v == nil or v == json.null or v == false then return H.NO_VALUE[field] or '(none)' end
  if not v:match('^[%w][%w_.:-]*$') then return (('%q'):format(v):gsub('\\\n', '\\n')) end
  return v
end

--- A name (annotator, path, target) as text: quoted when it holds a control character (a
--- folder or file name may hold a line end), so that one name stays on one line, and when it
--- has a blank at either end or a format character (a zero-width space, a right-to-left
--- override: shown escaped by stance.utf8.printable), so that `ana ` never reads as `ana`.
function H.shown(name)
  if type(name) ~= 'string' then return name end
  if not name:find('%c') and not name:find('^%s') and not name:find('%s$')
    and require('stance.utf8').printable(name, false, true) == name then
    return name
  end
  -- (escaped here, not only when the line is printed: the columns are as wide as shown)
  return require('stance.utf8').printable((('%q'):format(name):gsub('\\\n', '\\n')), false, true)
end

--- Every name of a list, shown.
function H.all_shown(list)
  local out = {}
  for i, n in ipairs(list) do
    out[i] = H.shown(n)
  end
  return out
end

function H.status(st)
  return (st or 'not-started'):gsub('-', ' ')
end

--- The heading lines: who, what, which documents, what was left out.
function H.preamble(out, report)
  local counted = 0
  for _, d in ipairs(report.documents) do
    if not d.left_out then counted = counted + 1 end
  end
  out[#out + 1] = ('agreement of %s on %d of %d document(s), unit %s'):format(
    table.concat(H.all_shown(report.annotators), ', '), counted, #report.documents, report.unit)
    .. (report.sentence_is and (" (each %s: the schema's unit %s)"):format(report.sentence_is, report.sentence_is)
      or '')
  for _, sc in ipairs(report.scopes or {}) do
    local globs = {}
    for i, g in ipairs(sc.documents) do
      globs[i] = H.shown(g)
    end
    out[#out + 1] = ('%s: only its documents (%s); other documents have no item of it'):format(H.shown(sc.target),
      table.concat(globs, ' '))
  end
  local incomplete = report.incomplete or {}
  if #incomplete > 0 then
    out[#out + 1] = ('INCOMPLETE: %d annotation file(s) with errors or unresolved merge conflicts, each annotator'
      .. ' left out of that document (not counted as no stance); fix them (stance check) before publishing these'
      .. ' figures:'):format(#incomplete)
    for _, b in ipairs(incomplete) do
      out[#out + 1] = ('  %s on %s: %s'):format(H.shown(b.annotator), H.shown(b.path), b.where)
    end
  end
  if #report.not_counted > 0 then
    local parts = {}
    for _, l in ipairs(report.not_counted) do
      parts[#parts + 1] = ('%s (%s)'):format(H.shown(l.layer), l.reason)
    end
    out[#out + 1] = 'layers not counted: ' .. table.concat(parts, ', ')
  end
  out[#out + 1] = report.in_progress == 'counted'
    and 'documents in progress are counted as if done (--in-progress)'
    or 'a document counts for an annotator who marked it done; documents in progress are left out'
      .. ' (--in-progress counts them)'
  -- documents x annotators
  local width = 10
  for _, d in ipairs(report.documents) do
    width = math.max(width, #H.shown(d.path) + 2)
  end
  local colw = {}
  local head = { 'document' .. (' '):rep(width - 8) }
  for i, name in ipairs(H.all_shown(report.annotators)) do
    colw[i] = math.max(#name, 11) + 2
    head[#head + 1] = name .. (' '):rep(colw[i] - #name)
  end
  out[#out + 1] = ''
  out[#out + 1] = table.concat(head):gsub('%s+$', '')
  for _, d in ipairs(report.documents) do
    local path = H.shown(d.path)
    local parts = { path .. (' '):rep(width - #path) }
    for i, name in ipairs(report.annotators) do
      local s = H.status(d.status[name])
      parts[#parts + 1] = s .. (' '):rep(colw[i] - #s)
    end
    if d.left_out then parts[#parts + 1] = 'left out: ' .. d.left_out end
    out[#out + 1] = table.concat(parts):gsub('%s+$', '')
    for _, w in ipairs(d.warnings or {}) do
      out[#out + 1] = '  warning: ' .. w
    end
  end
end

--- The notes under a field's table: several values, annotations not counted.
function H.notes(out, f, unit)
  local names = {}
  for name in pairs(f.several or {}) do
    names[#names + 1] = name
  end
  table.sort(names)
  if #names > 0 then
    local parts = {}
    for _, n in ipairs(names) do
      parts[#parts + 1] = ('%s %d'):format(H.shown(n), f.several[n])
    end
    out[#out + 1] = ('several values for one item from one annotator (the value covering more of the %s counts): %s')
      :format(f.field == 'document' and 'document' or unit, table.concat(parts, ', '))
  end
  local why = {
    without_target = 'with a stance but no target',
    unknown_target = 'toward a target the schema does not have (stance check lists them)',
    in_conflict = 'in an unresolved merge conflict',
    outside_units = ('covering no %s by half'):format(unit),
    outside_text = 'with a span outside the text',
    orphan = 'whose text is no longer in the document (orphans: stance check lists them)',
    other_target = 'on targets not asked for',
  }
  local keys = {}
  for k in pairs(f.not_counted or {}) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    out[#out + 1] = ('not counted: %d annotation(s) %s'):format(f.not_counted[k], why[k] or k)
  end
end

function H.field(out, f, report, metrics)
  local m = #report.annotators
  out[#out + 1] = ''
  out[#out + 1] = ('%s: items %s; value %s'):format(f.field, f.item, f.value)
  local cols = H.keep(m == 2 and { 'items', 'agreement', 'kappa', 'fleiss', 'alpha' }
    or { 'items', 'agreement', 'fleiss', 'alpha' }, metrics)
  local rows = {}
  for _, t in ipairs(f.targets or {}) do
    rows[#rows + 1] = { t.target == json.null and '(no target)' or H.shown(t.target), t }
  end
  if #rows ~= 1 or rows[1][2].target ~= json.null then
    rows[#rows + 1] = { f.targets and '(pooled)' or '(all)', f.pooled }
  end
  local width = 24
  for _, r in ipairs(rows) do
    width = math.max(width, #r[1] + 2)
  end
  out[#out + 1] = H.head(width, f.targets and 'target' or '', cols)
  for _, r in ipairs(rows) do
    out[#out + 1] = H.row(width, r[1], cols, r[2])
  end
  if m > 2 and H.keep({ 'fleiss' }, metrics)[1] then H.fleiss_note(out, f.pooled, report.annotators) end
  if m > 2 and f.pooled.pairs_over and (not metrics or H.keep({ 'kappa' }, metrics)[1]) then
    out[#out + 1] = ''
    H.wrapped(out, ("Cohen's kappa of each pair: not computed for more than %d annotators (%d here: %d pairs); Fleiss' "
      .. "kappa and Krippendorff's alpha pool them."):format(f.pooled.pairs_over, m, m * (m - 1) / 2))
  elseif m > 2 and (not metrics or H.keep({ 'kappa' }, metrics)[1]) then
    out[#out + 1] = ''
    out[#out + 1] = "Cohen's kappa of each pair"
    local pcols = { 'items', 'agreement', 'kappa' }
    local pw = width
    for _, r in ipairs(rows) do
      for _, p in ipairs(r[2].pairs or {}) do
        pw = math.max(pw, #r[1] + #H.shown(p.a) + #H.shown(p.b) + 5)
      end
    end
    out[#out + 1] = H.head(pw, '', pcols)
    for _, r in ipairs(rows) do
      for _, p in ipairs(r[2].pairs or {}) do
        out[#out + 1] = H.row(pw, ('%s %s-%s'):format(r[1], H.shown(p.a), H.shown(p.b)), pcols, p)
      end
    end
  end
  H.notes(out, f, report.unit)
  if f.disagreements then
    out[#out + 1] = ''
    out[#out + 1] = ('disagreements (%s): %d'):format(f.field, #f.disagreements)
    for _, d in ipairs(f.disagreements) do
      local vals = {}
      for _, name in ipairs(report.annotators) do
        if d.values[name] ~= nil then
          vals[#vals + 1] = ('%s %s'):format(H.shown(name), H.value(f.field, d.values[name]))
        end
      end
      local text = (d.text or ''):gsub('%s+', ' ')
      out[#out + 1] = ('%s:%d:%d: %s%s | %s'):format(H.shown(d.path), d.line or 1, d.col or 1,
        d.target and d.target ~= json.null and (H.shown(d.target) .. ': ') or '', table.concat(vals, ' | '), text)
    end
  end
end

--- Under the table of three annotators or more: what Fleiss' κ counts when that is not every
--- item (it needs the same raters on each: the items every annotator rated), and why it is
--- "-" when no item was rated by all (naming who shares no document with the others).
function H.fleiss_note(out, pooled, annotators)
  if not pooled or not pooled.items or pooled.items == 0 then return end
  local all = pooled.fleiss_items or 0
  if all >= pooled.items then return end
  local m = #annotators
  if all > 0 then
    return H.wrapped(out, ("fleiss: over the %d of %d items all %d annotators rated (Fleiss' κ needs the same "
      .. 'raters on every item); alpha counts every item two or more rated.'):format(all, pooled.items, m))
  end
  -- who shares no item with anyone
  local shared = {}
  for _, p in ipairs(pooled.pairs or {}) do
    if (p.items or 0) > 0 then shared[p.a], shared[p.b] = true, true end
  end
  local alone = {}
  for _, a in ipairs(annotators) do
    if not shared[a] then alone[#alone + 1] = H.shown(a) end
  end
  H.wrapped(out, ("fleiss -: no item was rated by all %d annotators%s, and Fleiss' κ needs the same raters on "
    .. 'every item; alpha counts every item two or more rated.'):format(m, #alone > 0
      and (' (%s %s no document done with the others)'):format(table.concat(alone, ', '), #alone == 1 and 'shares'
        or 'share') or ''))
end

--- Add `text` to `out` as lines of at most 78 columns, the next ones indented by two.
function H.wrapped(out, text)
  local line = ''
  for word in text:gmatch('%S+') do
    local cand = line == '' and word or (line .. ' ' .. word)
    if #cand <= 78 or line == '' then
      line = cand
    else
      out[#out + 1] = line
      line = '  ' .. word
    end
  end
  if line ~= '' then out[#out + 1] = line end
end

--- The span report: αU and F1 per field and category.
function H.spans(out, report, metrics)
  local cols = H.keep({ 'alpha_u', 'f1_exact', 'f1_overlap' }, metrics)
  for _, f in ipairs(report.fields) do
    out[#out + 1] = ''
    out[#out + 1] = ('%s: the annotations\' spans, category %s'):format(f.field, f.category)
    local width = 24
    for _, c in ipairs(f.categories) do
      width = math.max(width, #c.category + 2)
    end
    out[#out + 1] = H.head(width, 'category', cols)
    for _, c in ipairs(f.categories) do
      out[#out + 1] = H.row(width, c.category, cols, c)
    end
    out[#out + 1] = H.row(width, '(all)', cols, f)
    H.notes(out, f, 'span')
  end
  if #report.fields > 0 and (not metrics or H.keep({ 'alpha_u' }, metrics)[1]) then
    H.alpha_u_note(out, report.alpha_u)
  end
end

--- What αU counted, and why it is "-" or left someone or some document out.
function H.alpha_u_note(out, au)
  if not au then return end
  local who = {}
  for i, n in ipairs(au.annotators) do
    who[i] = H.shown(n)
  end
  local idle = {}
  for i, n in ipairs(au.left_out_annotators) do
    idle[i] = H.shown(n)
  end
  local docs = {}
  for i, d in ipairs(au.left_out_documents) do
    local miss = {}
    for k, m in ipairs(d.missing) do
      miss[k] = m
    end
    docs[i] = ('%s (%s)'):format(d.path, table.concat(miss, ', '))
  end
  if #idle == 0 and #docs == 0 and #au.documents > 0 then return end
  local text
  if #au.documents == 0 then
    text = ('alphaU -: it needs documents every annotator counted marked done (%s), and none is'):format(
      table.concat(who, ', '))
  else
    text = ('alphaU over the %d document(s) every annotator counted marked done (%s)'):format(#au.documents,
      table.concat(who, ', '))
  end
  if #docs > 0 then text = text .. '; not over ' .. table.concat(docs, '; ') end
  if #idle > 0 then
    text = text .. ('; %s left out of alphaU: no document done with the others'):format(table.concat(idle, ', '))
  end
  out[#out + 1] = ''
  H.wrapped(out, text .. ' (--annotators chooses whom)')
end

--- The report as lines.
---@param report table from stance.agreement.compute
---@param metrics string[]|nil only these columns: agreement, kappa, fleiss, alpha (items);
---  alpha_u, f1 (spans)
---@return string[]
function M.lines(report, metrics)
  local out = {}
  H.preamble(out, report)
  if report.unit == 'span' then
    H.spans(out, report, metrics)
  else
    for _, f in ipairs(report.fields) do
      H.field(out, f, report, metrics)
    end
  end
  local counted, broken = 0, false
  for _, d in ipairs(report.documents) do
    if not d.left_out then counted = counted + 1 end
    if d.broken and #d.broken > 0 then broken = true end
  end
  if counted == 0 and broken then
    out[#out + 1] = ''
    out[#out + 1] = 'no document counts: files with errors or unresolved merge conflicts leave their annotators out'
      .. ' (see above; stance check lists them), and a document counts once two annotators or more are counted'
  elseif counted == 0 then
    out[#out + 1] = ''
    out[#out + 1] = 'no document counts: a document counts once two annotators or more mark it done (status done'
      .. ' in their annotation files); --in-progress counts documents in progress'
  elseif #report.fields == 0 then
    out[#out + 1] = ''
    out[#out + 1] = 'nothing to compare: no stance, role or label in the documents compared'
  end
  return out
end

return M
