--- Agreement between annotators on a corpus: turns their layers into the items and units of
--- stance.agreement, per document and corpus-wide, overall and per label. The same in both
--- hosts; `stance agree` and `:Stance agree` print it.
local M = {}
local H = {}

local A = require('stance.agreement')

---@class stance.AgreeOptions
---@field annotators string[]|nil default: every annotator of the corpus
---@field unit "token"|"sentence"|"span"|nil default "token"
---@field field string|nil what is compared: "label" (default), "stance", "target", "role"
---@field label string|nil report only this label (value of `field`)
---@field documents string[]|nil default: every document

--- Value of `field` given to item [a, b) (code points) by sorted annotations `recs`:
--- the annotation covering the most of it; "none" when no annotation covers it.
function H.value(recs, a, b, field)
  local best, best_len = nil, 0
  for _, r in ipairs(recs) do
    if r.first >= b then break end
    for _, sp in ipairs(r.spans) do
      local lo, hi = math.max(a, sp[1]), math.min(b, sp[2])
      if hi - lo > best_len then best, best_len = r, hi - lo end
    end
  end
  if not best then return 'none' end
  return best[field] or 'none'
end

--- The annotations of a layer with their first start, sorted.
function H.sorted(layer)
  local out = {}
  for _, r in ipairs(layer:records('annotation')) do
    if r.spans and #r.spans > 0 then
      r.first = r.spans[1][1]
      out[#out + 1] = r
    end
  end
  table.sort(out, function(x, y) return x.first < y.first end)
  return out
end

--- Items of one document: rows of values, one per token or sentence.
function H.items(doc, layers, unit, field)
  local units = {}
  if unit == 'sentence' then
    for _, s in ipairs(doc:sentences() or {}) do
      units[#units + 1] = { s.start, s.stop }
    end
  else
    local t = doc:model()
    for _, w in ipairs(doc:words() or {}) do
      units[#units + 1] = { t:byte_to_cp(w.start or w[1]), t:byte_to_cp(w.stop or w[2]) }
    end
  end
  local rows = {}
  for i, u in ipairs(units) do
    local row = {}
    for r, recs in pairs(layers) do
      if recs then row[r] = H.value(recs, u[1], u[2], field) end
    end
    rows[i] = row
  end
  return rows
end

--- Coefficients of coding items (token, sentence): percent agreement, Cohen's κ (two
--- annotators), Fleiss' κ (with per-category κ), Krippendorff's α; and per label the binary
--- κ and α of that label against the rest.
function H.coding(rows, m)
  local out = {}
  local alpha = A.alpha(rows, 'nominal', m)
  out.items = alpha.items
  out.agreement = alpha.agreement
  out.alpha = alpha.value
  if m == 2 then out.kappa = A.cohen(rows).value end
  local fl = A.fleiss(rows, m)
  out.fleiss = fl.value
  out.labels = {}
  local seen = {}
  for _, row in ipairs(rows) do
    for r = 1, m do
      if row[r] ~= nil then seen[row[r]] = true end
    end
  end
  for label in pairs(seen) do
    local bin = {}
    for i, row in ipairs(rows) do
      local b = {}
      for r = 1, m do
        if row[r] ~= nil then b[r] = row[r] == label and 'yes' or 'no' end
      end
      bin[i] = b
    end
    out.labels[label] = {
      alpha = A.alpha(bin, 'nominal', m).value,
      kappa = m == 2 and A.cohen(bin).value or nil,
      fleiss = fl.categories[label],
    }
  end
  return out
end

--- Coefficients of spans: Krippendorff's αU over the code points (per label too), and
--- precision, recall, F1 of every ordered pair of annotators, exact and overlapping, averaged.
function H.spans(units, m, length, per_rater)
  local out = { labels = {} }
  local au = A.alpha_u(units, m, 0, math.max(length, 1))
  out.alpha_u = au.value
  for c, v in pairs(au.categories) do
    out.labels[c] = { alpha_u = v.value }
  end
  for _, mode in ipairs({ 'exact', 'overlap' }) do
    local sum, n, by = 0, 0, {}
    for a = 1, m do
      for b = 1, m do
        if a ~= b and per_rater[a] and per_rater[b] then
          local prf = A.spans_prf(per_rater[a], per_rater[b], mode == 'overlap')
          if prf.f1 then
            sum, n = sum + prf.f1, n + 1
          end
          for l, v in pairs(prf.labels) do
            by[l] = by[l] or { sum = 0, n = 0 }
            if v.f1 then by[l].sum, by[l].n = by[l].sum + v.f1, by[l].n + 1 end
          end
        end
      end
    end
    out['f1_' .. mode] = n > 0 and sum / n or nil
    for l, v in pairs(by) do
      out.labels[l] = out.labels[l] or {}
      out.labels[l]['f1_' .. mode] = v.n > 0 and v.sum / v.n or nil
    end
  end
  return out
end

--- Agreement report for `corpus`.
---@param corpus stance.Corpus
---@param opts stance.AgreeOptions|nil
---@return table|nil report { unit, field, annotators, documents = { {path, ...} }, corpus = {...} }
---@return string|nil err
function M.compute(corpus, opts)
  opts = opts or {}
  local unit, field = opts.unit or 'token', opts.field or 'label'
  if unit ~= 'token' and unit ~= 'sentence' and unit ~= 'span' then
    error(("unit should be token, sentence or span, got '%s'"):format(tostring(unit)), 2)
  end
  local names = opts.annotators or corpus:annotators()
  if #names < 2 then
    return nil, ('agreement needs two annotators or more (the corpus has %s)'):format(
      #names == 0 and 'none' or table.concat(names, ', '))
  end
  local m = #names
  local report = { unit = unit, field = field, annotators = names, documents = {} }
  local all_rows, all_units, offset = {}, {}, 0
  local all_per = {}
  for r = 1, m do
    all_per[r] = {}
  end
  local paths = opts.documents or corpus:paths()
  for _, path in ipairs(paths) do
    local doc, derr = corpus:document(path)
    if not doc then return nil, derr end
    local have = {}
    for _, n in ipairs(doc:annotators()) do
      have[n] = true
    end
    local layers, count = {}, 0
    for r, name in ipairs(names) do
      if have[name] then
        local layer, lerr = doc:layer(name)
        if not layer then return nil, lerr end
        layers[r] = H.sorted(layer)
        count = count + 1
      else
        layers[r] = false
      end
    end
    if count >= 2 then
      local entry = { path = path, annotators = count }
      if unit == 'span' then
        local units, per = {}, {}
        local cps = doc:model():cps()
        for r = 1, m do
          if layers[r] then
            per[r] = {}
            for _, rec in ipairs(layers[r]) do
              local v = rec[field] or 'none'
              for _, sp in ipairs(rec.spans) do
                units[#units + 1] = { rater = r, offset = sp[1], length = sp[2] - sp[1], category = v }
                all_units[#all_units + 1] = { rater = r, offset = offset + sp[1], length = sp[2] - sp[1], category = v }
                per[r][#per[r] + 1] = { sp[1], sp[2], v }
                all_per[r][#all_per[r] + 1] = { offset + sp[1], offset + sp[2], v }
              end
            end
          end
        end
        for k, v in pairs(H.spans(units, m, cps, per)) do
          entry[k] = v
        end
        offset = offset + cps
      else
        local rows = H.items(doc, layers, unit, field)
        for k, v in pairs(H.coding(rows, m)) do
          entry[k] = v
        end
        for _, row in ipairs(rows) do
          all_rows[#all_rows + 1] = row
        end
      end
      report.documents[#report.documents + 1] = entry
    end
  end
  if unit == 'span' then
    report.corpus = H.spans(all_units, m, offset, all_per)
  else
    report.corpus = H.coding(all_rows, m)
  end
  if opts.label then
    for _, e in ipairs(report.documents) do
      e.labels = { [opts.label] = e.labels[opts.label] }
    end
    report.corpus.labels = { [opts.label] = report.corpus.labels[opts.label] }
    report.label = opts.label
  end
  return report
end

local function fmt(v)
  if v == nil then return '     -' end
  return ('%6.3f'):format(v)
end

--- The report as text lines (what `stance agree` prints); `metrics` limits the columns
--- (agreement, kappa, fleiss, alpha; alpha_u, f1).
---@param report table
---@param metrics string[]|nil
---@return string[]
function M.lines(report, metrics)
  local out = {}
  out[#out + 1] = ('agreement on %s, unit %s, annotators %s; %d document(s) with two or more of them'):format(
    report.field, report.unit, table.concat(report.annotators, ', '), #report.documents)
  local cols = report.unit == 'span' and { 'alpha_u', 'f1_exact', 'f1_overlap' }
    or { 'items', 'agreement', 'kappa', 'fleiss', 'alpha' }
  local function keep(list)
    if not metrics then return list end
    local want = {}
    for _, m in ipairs(metrics) do
      want[m] = true
      if m == 'f1' then want.f1_exact, want.f1_overlap = true, true end
    end
    local out2 = {}
    for _, c in ipairs(list) do
      if want[c] or c == 'items' then out2[#out2 + 1] = c end
    end
    return out2
  end
  cols = keep(cols)
  local heads = { items = ' items', agreement = 'agree', kappa = ' kappa', fleiss = 'fleiss', alpha = ' alpha',
    alpha_u = 'alphaU', f1_exact = 'F1 exact', f1_overlap = 'F1 overlap' }
  local function row(name, e)
    local parts = { require('stance.utf8').pad(name, 34) }
    for _, c in ipairs(cols) do
      local v = e[c]
      if c == 'items' then
        parts[#parts + 1] = ('%6d'):format(v or 0)
      else
        parts[#parts + 1] = ('%' .. math.max(6, #heads[c]) .. 's'):format(fmt(v):gsub('^%s+', ''))
      end
    end
    return table.concat(parts, ' ')
  end
  local head = { ('%-34s'):format('document') }
  for _, c in ipairs(cols) do
    head[#head + 1] = ('%' .. math.max(6, #heads[c]) .. 's'):format(heads[c]:gsub('^%s+', ''))
  end
  out[#out + 1] = table.concat(head, ' ')
  for _, e in ipairs(report.documents) do
    out[#out + 1] = row(e.path, e)
  end
  out[#out + 1] = row('(corpus)', report.corpus)
  local labels = {}
  for l in pairs(report.corpus.labels or {}) do
    labels[#labels + 1] = l
  end
  table.sort(labels)
  if #labels > 0 then
    out[#out + 1] = ''
    local lcols = keep(report.unit == 'span' and { 'alpha_u', 'f1_exact', 'f1_overlap' }
      or { 'kappa', 'fleiss', 'alpha' })
    local h = { require('stance.utf8').pad('per ' .. report.field .. ' (corpus)', 34) }
    for _, c in ipairs(lcols) do
      h[#h + 1] = ('%' .. math.max(6, #heads[c]) .. 's'):format(heads[c]:gsub('^%s+', ''))
    end
    out[#out + 1] = table.concat(h, ' ')
    for _, l in ipairs(labels) do
      local e = report.corpus.labels[l]
      local parts = { require('stance.utf8').pad(l, 34) }
      for _, c in ipairs(lcols) do
        parts[#parts + 1] = ('%' .. math.max(6, #heads[c]) .. 's'):format(fmt(e[c]):gsub('^%s+', ''))
      end
      out[#out + 1] = table.concat(parts, ' ')
    end
  end
  return out
end

return M
