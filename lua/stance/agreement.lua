--- Agreement coefficients, as published: Cohen's κ, Fleiss' κ (with Fleiss' per-category κ),
--- Krippendorff's α (nominal, ordinal or interval, with missing values) and Krippendorff's
--- unitizing αU (2004), plus precision, recall and F1 of spans. Pure functions over plain
--- tables; stance.agree turns a corpus into these tables. Works in both hosts.
local M = {}

--- Sorted distinct values of a list of item rows (nil = missing).
local function categories(items)
  local seen, out = {}, {}
  for _, row in ipairs(items) do
    for _, v in pairs(row) do
      if v ~= nil and not seen[v] then
        seen[v] = true
        out[#out + 1] = v
      end
    end
  end
  table.sort(out, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) == 'number'
  end)
  return out
end

---@class stance.Coefficient
---@field value number|nil nil when undefined (no items, or no variation at all)
---@field observed number observed agreement (κ) or disagreement (α)
---@field expected number expected agreement (κ) or disagreement (α)
---@field items integer items used

--- Cohen's κ of two raters: `items` = { {a, b}, ... }; items missing a value are left out.
---@param items table[]
---@return stance.Coefficient
function M.cohen(items)
  local n, agree, m1, m2 = 0, 0, {}, {}
  for _, row in ipairs(items) do
    local a, b = row[1], row[2]
    if a ~= nil and b ~= nil then
      n = n + 1
      if a == b then agree = agree + 1 end
      m1[a] = (m1[a] or 0) + 1
      m2[b] = (m2[b] or 0) + 1
    end
  end
  if n == 0 then return { items = 0, observed = 0, expected = 0 } end
  local po, pe = agree / n, 0
  for c, k in pairs(m1) do
    pe = pe + (k / n) * ((m2[c] or 0) / n)
  end
  return { value = pe < 1 and (po - pe) / (1 - pe) or nil, observed = po, expected = pe, items = n }
end

--- Fleiss' κ: every item rated by the same number of raters (`items` = rows of values; rows
--- with a missing value are left out). Also `categories`: Fleiss' κ of each category.
---@param items table[]
---@return stance.Coefficient|table
function M.fleiss(items, n_raters)
  local rows = {}
  for _, row in ipairs(items) do
    local full = true
    for r = 1, n_raters do
      if row[r] == nil then full = false end
    end
    if full then rows[#rows + 1] = row end
  end
  local N, n = #rows, n_raters
  local cats = categories(rows)
  if N == 0 or n < 2 then return { items = N, observed = 0, expected = 0, categories = {} } end
  local counts, total = {}, {}
  for i, row in ipairs(rows) do
    counts[i] = {}
    for r = 1, n do
      local v = row[r]
      counts[i][v] = (counts[i][v] or 0) + 1
      total[v] = (total[v] or 0) + 1
    end
  end
  local pbar, pe = 0, 0
  for i = 1, N do
    local s = 0
    for _, k in pairs(counts[i]) do
      s = s + k * k
    end
    pbar = pbar + (s - n) / (n * (n - 1))
  end
  pbar = pbar / N
  local per = {}
  for _, c in ipairs(cats) do
    local p = total[c] / (N * n)
    pe = pe + p * p
    local dis = 0
    for i = 1, N do
      local k = counts[i][c] or 0
      dis = dis + k * (n - k)
    end
    local q = 1 - p
    per[tostring(c)] = (p > 0 and q > 0) and 1 - dis / (N * n * (n - 1) * p * q) or nil
  end
  return { value = pe < 1 and (pbar - pe) / (1 - pe) or nil, observed = pbar, expected = pe, items = N,
    categories = per }
end

--- The squared distance of two values for Krippendorff's α: `metric` "nominal" (default),
--- "ordinal" (needs the marginal counts) or "interval".
local function delta(metric, a, b, marg, order)
  if a == b then return 0 end
  if metric == 'interval' then return (a - b) ^ 2 end
  if metric == 'ordinal' then
    local lo, hi = order[a], order[b]
    if lo > hi then lo, hi = hi, lo end
    local s = 0
    for g = lo, hi do
      s = s + marg[g]
    end
    s = s - (marg[lo] + marg[hi]) / 2
    return s * s
  end
  return 1
end

--- Krippendorff's α: `items` = rows of values, nil for missing (any number of raters); items
--- with fewer than two values are not pairable and left out.
---@param items table[]
---@param metric string|nil "nominal" (default), "ordinal", "interval"
---@return stance.Coefficient
function M.alpha(items, metric, n_raters)
  metric = metric or 'nominal'
  local o, nc, n = {}, {}, 0
  local pairable = 0
  local agree_pairs, all_pairs = 0, 0
  for _, row in ipairs(items) do
    local vals = {}
    for r = 1, n_raters or #row do
      if row[r] ~= nil then vals[#vals + 1] = row[r] end
    end
    local m = #vals
    if m >= 2 then
      pairable = pairable + 1
      for i = 1, m do
        for j = 1, m do
          if i ~= j then
            local a, b = vals[i], vals[j]
            o[a] = o[a] or {}
            o[a][b] = (o[a][b] or 0) + 1 / (m - 1)
            all_pairs = all_pairs + 1
            if a == b then agree_pairs = agree_pairs + 1 end
          end
        end
      end
    end
  end
  local cats = categories(items)
  for _, c in ipairs(cats) do
    local s = 0
    for _, v in pairs(o[c] or {}) do
      s = s + v
    end
    nc[c] = s
    n = n + s
  end
  if n <= 1 then return { items = pairable, observed = 0, expected = 0 } end
  local order, marg = {}, {}
  for i, c in ipairs(cats) do
    order[c] = i
    marg[i] = nc[c]
  end
  local dobs, dexp = 0, 0
  for _, c in ipairs(cats) do
    for _, k in ipairs(cats) do
      local d = delta(metric, c, k, marg, order)
      if d ~= 0 then
        dobs = dobs + ((o[c] or {})[k] or 0) * d
        dexp = dexp + nc[c] * nc[k] * d
      end
    end
  end
  dobs = dobs / n
  dexp = dexp / (n * (n - 1))
  return { value = dexp > 0 and 1 - dobs / dexp or nil, observed = dobs, expected = dexp, items = pairable,
    agreement = all_pairs > 0 and agree_pairs / all_pairs or nil }
end

--- One rater's segmentation of the continuum for category `c`: its units of c (merged
--- where they overlap) and the gaps between them, as {begin, length, is_unit}.
local function segments(units, c, begin, length)
  local spans = {}
  for _, u in ipairs(units) do
    if u.category == c then spans[#spans + 1] = { u.offset, u.offset + u.length } end
  end
  table.sort(spans, function(a, b) return a[1] < b[1] end)
  local merged = {}
  for _, s in ipairs(spans) do
    local last = merged[#merged]
    if last and s[1] <= last[2] then
      if s[2] > last[2] then last[2] = s[2] end
    else
      merged[#merged + 1] = { s[1], s[2] }
    end
  end
  local out, at = {}, begin
  for _, s in ipairs(merged) do
    if s[1] > at then out[#out + 1] = { at, s[1] - at, false } end
    out[#out + 1] = { s[1], s[2] - s[1], true }
    at = s[2]
  end
  if at < begin + length then out[#out + 1] = { at, begin + length - at, false } end
  return out
end

--- δ² of two segments of category c (Krippendorff 2004, p. 251): both units and
--- overlapping: the squared differences of their starts and ends; a unit inside the other's
--- gap: its length squared; else 0.
---@return number
function M.unit_distance(bg, lg, g_unit, bh, lh, h_unit)
  if g_unit and h_unit then
    if -lg < bg - bh and bg - bh < lh then return (bg - bh) ^ 2 + (bg + lg - bh - lh) ^ 2 end
    return 0
  end
  if g_unit and not h_unit then
    if lh - lg >= bg - bh and bg - bh >= 0 then return lg * lg end
    return 0
  end
  if h_unit and not g_unit then
    if lg - lh >= bh - bg and bh - bg >= 0 then return lh * lh end
    return 0
  end
  return 0
end

--- Krippendorff's unitizing αU over a continuum [begin, begin + length): `units` = {
--- {rater, offset, length, category}, ... } for `raters` raters. Returns the overall αU and
--- per category its αU, observed and expected disagreement.
---@param units table[]
---@param raters integer
---@param begin integer
---@param length integer
---@return {value: number|nil, observed: number, expected: number, categories: table}
function M.alpha_u(units, raters, begin, length)
  local m, L = raters, length
  local by_rater = {}
  for r = 1, m do
    by_rater[r] = {}
  end
  local cats, seen = {}, {}
  for _, u in ipairs(units) do
    local list = by_rater[u.rater]
    if list then list[#list + 1] = u end
    if not seen[u.category] then
      seen[u.category] = true
      cats[#cats + 1] = u.category
    end
  end
  table.sort(cats)
  local res = { categories = {}, observed = 0, expected = 0 }
  for _, c in ipairs(cats) do
    local segs = {}
    local nc = 0
    for r = 1, m do
      segs[r] = segments(by_rater[r], c, begin, length)
      for _, s in ipairs(segs[r]) do
        if s[3] then nc = nc + 1 end
      end
    end
    -- observed: every pair of segments of different raters
    local dobs = 0
    for r1 = 1, m do
      for r2 = 1, m do
        if r1 ~= r2 then
          for _, g in ipairs(segs[r1]) do
            for _, h in ipairs(segs[r2]) do
              dobs = dobs + M.unit_distance(g[1], g[2], g[3], h[1], h[2], h[3])
            end
          end
        end
      end
    end
    dobs = dobs / (m * (m - 1) * L * L)
    -- expected (Krippendorff 2004, p. 252)
    local num, den = 0, m * L * (m * L - 1)
    for r = 1, m do
      for _, g in ipairs(segs[r]) do
        if g[3] then
          local l = g[2]
          num = num + (nc - 1) / 3 * (2 * l ^ 3 - 3 * l ^ 2 + l)
          for r2 = 1, m do
            for _, h in ipairs(segs[r2]) do
              if not h[3] and h[2] >= l then num = num + l * l * (h[2] - l + 1) end
            end
          end
          den = den - l * (l - 1)
        end
      end
    end
    local dexp = den > 0 and (2 / L) * num / den or 0
    res.categories[c] = { value = dexp > 0 and 1 - dobs / dexp or nil, observed = dobs, expected = dexp }
    res.observed = res.observed + dobs
    res.expected = res.expected + dexp
  end
  res.value = res.expected > 0 and 1 - res.observed / res.expected or nil
  return res
end

--- Precision, recall and F1 of `predicted` spans against `reference` spans (lists of
--- {start, stop, label}), counted exactly (same start, stop and label) or by overlap (same
--- label, overlapping), overall and per label.
---@param reference table[]
---@param predicted table[]
---@param overlap boolean|nil
---@return table { precision, recall, f1, tp_ref, tp_pred, ref, pred, labels = { [label] = {...} } }
function M.spans_prf(reference, predicted, overlap)
  local function matches(a, b)
    if a[3] ~= b[3] then return false end
    if overlap then return a[1] < b[2] and b[1] < a[2] end
    return a[1] == b[1] and a[2] == b[2]
  end
  local function count(list, others)
    local hit, by = 0, {}
    for _, a in ipairs(list) do
      local found = false
      for _, b in ipairs(others) do
        if matches(a, b) then
          found = true
          break
        end
      end
      by[a[3]] = by[a[3]] or { n = 0, hit = 0 }
      by[a[3]].n = by[a[3]].n + 1
      if found then
        hit = hit + 1
        by[a[3]].hit = by[a[3]].hit + 1
      end
    end
    return hit, by
  end
  local function prf(tp_pred, pred, tp_ref, ref)
    local p = pred > 0 and tp_pred / pred or nil
    local r = ref > 0 and tp_ref / ref or nil
    local f = (p and r and p + r > 0) and 2 * p * r / (p + r) or ((p == 0 or r == 0) and 0 or nil)
    return { precision = p, recall = r, f1 = f, pred = pred, ref = ref }
  end
  local hit_pred, by_pred = count(predicted, reference)
  local hit_ref, by_ref = count(reference, predicted)
  local out = prf(hit_pred, #predicted, hit_ref, #reference)
  out.labels = {}
  local labels = {}
  for l in pairs(by_pred) do labels[l] = true end
  for l in pairs(by_ref) do labels[l] = true end
  for l in pairs(labels) do
    local bp, br = by_pred[l] or { n = 0, hit = 0 }, by_ref[l] or { n = 0, hit = 0 }
    out.labels[l] = prf(bp.hit, bp.n, br.hit, br.n)
  end
  return out
end

return M
