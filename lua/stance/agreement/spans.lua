--- Agreement on the annotations' spans themselves (`--unit span`): Krippendorff's unitizing
--- αU over the code points and F1 of spans (exact and overlapping), per category and
--- overall, for each field. The layers and documents counted are those of the items
--- (stance.agreement.items): a document counts for an annotator who marked it done.
local M = {}
local H = {}

local json = require('stance.json')
local C = require('stance.agreement.coefficients')
local Items = require('stance.agreement.items')

H.FIELDS = { 'stance', 'role', 'label' }
H.CATEGORY = { stance = 'target and stance', role = 'role', label = 'label' }

--- The category of what a record says for a field ("target stance" for stances).
function H.category(fname, what)
  if fname == 'stance' and what[1] then return what[1] .. ' ' .. what[2] end
  return what[2]
end

--- Mean F1 over the pairs of annotators (each pair on the documents both count on).
function H.f1(pairs_spans, overlap)
  local sum, n, by = 0, 0, {}
  for i, p in ipairs(pairs_spans) do
    local prf = C.spans_prf(p[1], p[2], overlap)
    if prf.f1 then sum, n = sum + prf.f1, n + 1 end
    for l, v in pairs(prf.labels) do
      by[l] = by[l] or { list = {} }
      if v.f1 then by[l].list[#by[l].list + 1] = { i, v.f1 } end
    end
  end
  local per = {}
  for l, v in pairs(by) do
    -- summed in pair order, whatever the order of the table
    table.sort(v.list, function(x, y) return x[1] < y[1] end)
    local s = 0
    for _, e in ipairs(v.list) do
      s = s + e[2]
    end
    per[l] = #v.list > 0 and s / #v.list or nil
  end
  return n > 0 and sum / n or nil, per
end

---@param corpus stance.Corpus
---@param opts stance.AgreementOptions
---@param asked table<string, boolean>|nil fields asked for
---@return table|nil report
---@return string|nil err
function M.compute(corpus, opts, asked)
  local names, left = Items.layers(corpus, opts)
  if not names then return nil, left end
  local m = #names
  local schema = corpus:schema()
  local targets_in_schema = schema and #schema.targets > 0
  local _, terr = Items.wanted_targets(schema, opts.targets)
  if terr then return nil, terr end
  local target_rank = Items.ranker(schema and schema.targets)
  local rank = {
    stance = Items.ranker(schema and schema.stances), role = Items.ranker(schema and schema.roles),
    label = Items.ranker(schema and schema.labels),
  }
  local fields = {}
  for _, f in ipairs(H.FIELDS) do
    fields[f] = { units = {}, pairs = {}, not_counted = {}, categories = {}, seen = {} }
    -- F1 of every pair: up to C.PAIRS_MAX annotators (the pairs grow with their square)
    for a = 1, m <= C.PAIRS_MAX and m or 0 do
      for b = a + 1, m do
        fields[f].pairs[#fields[f].pairs + 1] = { {}, {}, a = a, b = b }
      end
    end
  end
  local report = { unit = 'span', annotators = names, in_progress = opts.in_progress and 'counted' or 'left out',
    not_counted = json.array(left), fields = json.array() }
  local offset = 0
  local in_docs = {} -- per document counted: its entry, its length, its units for αU
  local entries, err = Items.walk(corpus, names, opts, function(doc, entry, counted, layers)
    local cps = doc:model():cps()
    local du = { entry = entry, cps = cps, units = {}, counted = counted }
    in_docs[#in_docs + 1] = du
    local per = {} -- field -> rater -> spans
    for r = 1, m do
      if counted[r] then
        for _, rec in ipairs(layers[r]:placed_records('annotation')) do
          for _, said in ipairs(Items.says(rec, targets_in_schema and schema.by.target or false)) do
            H.add(fields[said[1]], said[1], said[2], rec, r, per, opts, du.units, offset, cps)
          end
        end
      end
    end
    for _, fname in ipairs(H.FIELDS) do
      local f = fields[fname]
      for _, p in ipairs(f.pairs) do
        if counted[p.a] and counted[p.b] then
          for _, sp in ipairs(per[fname] and per[fname][p.a] or {}) do
            p[1][#p[1] + 1] = sp
          end
          for _, sp in ipairs(per[fname] and per[fname][p.b] or {}) do
            p[2][#p[2] + 1] = sp
          end
        end
      end
    end
    offset = offset + cps
    return true
  end)
  if not entries then return nil, err end
  local au_raters, all_offset = H.alpha_u_units(report, fields, names, in_docs)
  if opts.targets and not targets_in_schema then
    for _, t in ipairs(opts.targets) do
      local found = false
      for _, c in ipairs(fields.stance.categories) do
        if c[2] == t then found = true end
      end
      if not found then return nil, Items.no_target(t) end
    end
  end
  report.documents = entries
  report.incomplete = Items.incomplete(entries)
  for _, fname in ipairs(H.FIELDS) do
    local f = fields[fname]
    if (asked and asked[fname]) or (not asked and #f.categories > 0) then
      local vr = rank[fname]
      table.sort(f.categories, function(x, y)
        if fname == 'stance' and x[2] ~= y[2] then
          return Items.before(target_rank)(x[2] or '', y[2] or '')
        end
        return Items.before(vr)(x[3], y[3])
      end)
      local au = C.alpha_u(f.units, math.max(au_raters, 2), 0, math.max(all_offset, 1))
      local f1e, by_e = H.f1(f.pairs, false)
      local f1o, by_o = H.f1(f.pairs, true)
      local out = { field = fname, category = H.CATEGORY[fname], alpha_u = au.value, f1_exact = f1e, f1_overlap = f1o,
        categories = json.array(), not_counted = f.not_counted }
      for _, c in ipairs(f.categories) do
        local cat = c[1]
        local a = au.categories[cat]
        out.categories[#out.categories + 1] = { category = cat, alpha_u = a and a.value, f1_exact = by_e[cat],
          f1_overlap = by_o[cat] }
      end
      report.fields[#report.fields + 1] = out
    end
  end
  return report
end

--- αU's annotators and documents: the annotators who count on some document (one who marked
--- none done, say who only began one, is not one of them), over the documents every one of
--- them counts on; fields[f].units made of those documents' units, the annotators
--- renumbered. report.alpha_u says what it counts and what it left out, and why.
---@return integer raters
---@return integer length of the continuum (code points)
function H.alpha_u_units(report, fields, names, in_docs)
  local counts_somewhere = {}
  for _, du in ipairs(in_docs) do
    for r in pairs(du.counted) do
      if du.counted[r] then counts_somewhere[r] = true end
    end
  end
  local index, who, idle = {}, {}, {}
  for r, name in ipairs(names) do
    if counts_somewhere[r] then
      who[#who + 1] = name
      index[r] = #who
    else
      idle[#idle + 1] = name
    end
  end
  local used, left, at = {}, {}, 0
  for _, du in ipairs(in_docs) do
    local missing = {}
    for r, name in ipairs(names) do
      if index[r] and not du.counted[r] then
        local st = du.entry.status and du.entry.status[name]
        missing[#missing + 1] = name .. ' ' .. (type(st) == 'string' and st:gsub('-', ' ') or 'not counted')
      end
    end
    du.entry.in_alpha_u = #missing == 0
    if #missing == 0 then
      used[#used + 1] = du.entry.path
      for _, u in ipairs(du.units) do
        local f = fields[u.field]
        f.units[#f.units + 1] = { rater = index[u.rater], offset = at + u.start, length = u.length,
          category = u.category }
      end
      at = at + du.cps
    else
      left[#left + 1] = { path = du.entry.path, missing = json.array(missing) }
    end
  end
  report.alpha_u = { annotators = json.array(who), documents = json.array(used), left_out_documents = json.array(left),
    left_out_annotators = json.array(idle) }
  return #who, at
end

--- Add what record `rec` of rater `r` says for field `fname` (`what`: see Items.says): its
--- spans, as units of αU into `units` (the document's, placed once αU's documents are
--- known) and as spans for F1 at `offset`; not when a span is outside the document's `cps`
--- code points.
function H.add(f, fname, what, rec, r, per, opts, at, offset, cps)
  if not require('stance.validate').inside(rec.spans, cps) then
    f.not_counted.outside_text = (f.not_counted.outside_text or 0) + 1
    return
  end
  if rec.orphan then
    f.not_counted.orphan = (f.not_counted.orphan or 0) + 1
    return
  end
  if rec.conflict then
    f.not_counted.in_conflict = (f.not_counted.in_conflict or 0) + 1
    return
  elseif type(what) == 'string' then
    f.not_counted[what] = (f.not_counted[what] or 0) + 1
    return
  elseif opts.targets and fname == 'stance' and not H.wanted(opts.targets, what[1]) then
    f.not_counted.other_target = (f.not_counted.other_target or 0) + 1
    return
  end
  local cat = H.category(fname, what)
  if not f.seen[cat] then
    f.seen[cat] = true
    f.categories[#f.categories + 1] = { cat, what[1], what[2] }
  end
  per[fname] = per[fname] or {}
  per[fname][r] = per[fname][r] or {}
  for _, sp in ipairs(rec.spans or {}) do
    at[#at + 1] = { field = fname, rater = r, start = sp[1], length = sp[2] - sp[1], category = cat }
    table.insert(per[fname][r], { offset + sp[1], offset + sp[2], cat })
  end
end

function H.wanted(list, target)
  for _, t in ipairs(list) do
    if t == target then return true end
  end
  return false
end

return M
