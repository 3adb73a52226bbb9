--- Agreement coefficients, as published: Cohen's κ, Fleiss' κ (with Fleiss' per-category κ),
--- Krippendorff's α (nominal, ordinal or interval, with missing values) and Krippendorff's
--- unitizing αU (2004), plus precision, recall and F1 of spans. Pure functions over plain
--- tables, the same in both hosts; stance.agreement builds the items of a corpus.
---
--- Items go into a tally (`M.tally`), which keeps only integer counts: Cohen's contingency
--- table of every pair of raters, Fleiss' per-item sums, Krippendorff's coincidences grouped
--- by the number of values of the item. Every figure is computed from those counts in the
--- order of the categories, so that it never depends on the order items were added in or on
--- the order of a hash table: the same items give the same bits.
local M = {}
local H = {}

---@class stance.Coefficient
---@field value number|nil nil when undefined (no items, or no variation at all)
---@field observed number observed agreement (κ) or disagreement (α)
---@field expected number expected agreement (κ) or disagreement (α)
---@field items integer items used

--- The most raters whose every pair gets a contingency table (Cohen's κ, a confusion matrix):
--- the pairs grow with the square of the raters (300 layers, 44,850 pairs an item); over
--- this, only the pooled figures (Fleiss' κ, Krippendorff's α) are kept.
M.PAIRS_MAX = 16

---@class stance.Tally
---@field raters integer
---@field keys any[] the categories seen, by index (in the order first seen)
local Tally = {}
Tally.__index = Tally

--- A tally of items rated by `raters` raters. A category is any value but nil (nil is
--- "missing"); `false` is a category like any other (stance.agreement uses it for "no
--- stance").
---@param raters integer
---@return stance.Tally
function M.tally(raters)
  if type(raters) ~= 'number' or raters < 1 then error('tally needs the number of raters', 2) end
  return setmetatable({
    raters = raters,
    pairwise = raters <= M.PAIRS_MAX,         -- the pairs' tables kept (see M.PAIRS_MAX)
    keys = {}, index = {},
    pairs = {},                               -- [a * raters + b] = { [ia] = { [ib] = count } }, a < b
    full = 0, sq = 0, total = {}, dis = {},   -- Fleiss: items rated by every rater
    coin = {},                                -- Krippendorff: [m_u] = { [ic] = { [ik] = ordered pairs } }
    pairable = 0, agree_pairs = 0, all_pairs = 0,
    added = 0,
  }, Tally)
end

function H.index(t, key)
  local i = t.index[key]
  if not i then
    i = #t.keys + 1
    t.keys[i] = key
    t.index[key] = i
  end
  return i
end

-- Scratch lists of Tally:add (a tally adds one item at a time): the raters who gave a
-- value, their categories, and the item's distinct categories with their counts.
local RATER, CAT, CATS, CNT = {}, {}, {}, {}

--- Add an item: `row[r]` is rater r's category, nil when missing; `weight` (default 1)
--- adds it that many times.
---@param row table
---@param weight integer|nil
function Tally:add(row, weight)
  local w = weight or 1
  local m = self.raters
  local n = 0
  for r = 1, m do
    local v = row[r]
    if v ~= nil then
      n = n + 1
      RATER[n], CAT[n] = r, H.index(self, v)
    end
  end
  self.added = self.added + w
  for x = 1, self.pairwise and n or 0 do
    for y = x + 1, n do
      local key = RATER[x] * m + RATER[y]
      local p = self.pairs[key]
      if not p then
        p = {}
        self.pairs[key] = p
      end
      local row_a = p[CAT[x]]
      if not row_a then
        row_a = {}
        p[CAT[x]] = row_a
      end
      row_a[CAT[y]] = (row_a[CAT[y]] or 0) + w
    end
  end
  if n < 2 then return end
  -- the item's categories and how many raters chose each, as two lists (walked with
  -- numeric loops: nested pairs() over one table went wrong under LuaJIT's compiler)
  local k = 0
  for x = 1, n do
    local c = CAT[x]
    local found = false
    for y = 1, k do
      if CATS[y] == c then
        CNT[y] = CNT[y] + 1
        found = true
        break
      end
    end
    if not found then
      k = k + 1
      CATS[k], CNT[k] = c, 1
    end
  end
  if n == m then
    self.full = self.full + w
    for y = 1, k do
      local c, kc = CATS[y], CNT[y]
      self.sq = self.sq + w * kc * kc
      self.total[c] = (self.total[c] or 0) + w * kc
      self.dis[c] = (self.dis[c] or 0) + w * kc * (m - kc)
    end
  end
  self.pairable = self.pairable + w
  local co = self.coin[n]
  if not co then
    co = {}
    self.coin[n] = co
  end
  for y = 1, k do
    local c, kc = CATS[y], CNT[y]
    local crow = co[c]
    if not crow then
      crow = {}
      co[c] = crow
    end
    for z = 1, k do
      local kz = CNT[z]
      local p = y == z and kc * (kc - 1) or kc * kz
      if p > 0 then crow[CATS[z]] = (crow[CATS[z]] or 0) + w * p end
    end
    self.agree_pairs = self.agree_pairs + w * kc * (kc - 1)
  end
  self.all_pairs = self.all_pairs + w * n * (n - 1)
end

--- Add every item of tally `other` (same number of raters) to this one: counts add up.
---@param other stance.Tally
function Tally:merge(other)
  if other.raters ~= self.raters then error('tallies of different numbers of raters', 2) end
  local map = {}
  for i, key in ipairs(other.keys) do
    map[i] = H.index(self, key)
  end
  local function add_matrix(into, from)
    for i = 1, #other.keys do
      local row = from[i]
      if row then
        local target = into[map[i]]
        if not target then
          target = {}
          into[map[i]] = target
        end
        for j = 1, #other.keys do
          local v = row[j]
          if v then target[map[j]] = (target[map[j]] or 0) + v end
        end
      end
    end
  end
  local m = self.raters
  for a = 1, self.pairwise and m or 0 do
    for b = a + 1, m do
      local p = other.pairs[a * m + b]
      if p then
        self.pairs[a * m + b] = self.pairs[a * m + b] or {}
        add_matrix(self.pairs[a * m + b], p)
      end
    end
  end
  for mu = 2, m do
    local co = other.coin[mu]
    if co then
      self.coin[mu] = self.coin[mu] or {}
      add_matrix(self.coin[mu], co)
    end
  end
  for i = 1, #other.keys do
    local c = map[i]
    if other.total[i] then self.total[c] = (self.total[c] or 0) + other.total[i] end
    if other.dis[i] then self.dis[c] = (self.dis[c] or 0) + other.dis[i] end
  end
  self.full, self.sq = self.full + other.full, self.sq + other.sq
  self.pairable, self.added = self.pairable + other.pairable, self.added + other.added
  self.agree_pairs, self.all_pairs = self.agree_pairs + other.agree_pairs, self.all_pairs + other.all_pairs
end

--- Sort order of categories: numbers, then strings, then booleans, each ascending.
function H.before(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    local rank = { number = 1, string = 2, boolean = 3 }
    return (rank[ta] or 4) < (rank[tb] or 4)
  end
  if ta == 'boolean' then return (not a) and b end
  if ta == 'number' or ta == 'string' then return a < b end
  return false
end

--- The categories in the order results are given: `order` first (categories never seen
--- included), then the others sorted (numbers, strings, then false/true).
---@param order any[]|nil
---@return any[] keys
function Tally:categories(order)
  local out, seen = {}, {}
  for _, k in ipairs(order or {}) do
    if not seen[k] then
      seen[k] = true
      out[#out + 1] = k
    end
  end
  local rest = {}
  for _, k in ipairs(self.keys) do
    if not seen[k] then rest[#rest + 1] = k end
  end
  table.sort(rest, H.before)
  for _, k in ipairs(rest) do
    out[#out + 1] = k
  end
  return out
end

--- The contingency table of raters a and b (items both rated): `counts[i][j]` items that a
--- put in `keys[i]` and b in `keys[j]`.
---@param a integer
---@param b integer
---@param order any[]|nil category order (see Tally:categories)
---@return {keys: any[], counts: integer[][], items: integer}
function Tally:confusion(a, b, order)
  if not self.pairwise then error(('no pairwise tables over %d raters'):format(M.PAIRS_MAX), 2) end
  local keys = self:categories(order)
  local swap = a > b
  if swap then a, b = b, a end
  local p = self.pairs[a * self.raters + b] or {}
  local counts, n = {}, 0
  for i, ki in ipairs(keys) do
    counts[i] = {}
    for j, kj in ipairs(keys) do
      local ii, jj = self.index[ki], self.index[kj]
      if swap then ii, jj = jj, ii end
      local v = ii and jj and p[ii] and p[ii][jj] or 0
      counts[i][j] = v
      n = n + v
    end
  end
  return { keys = keys, counts = counts, items = n }
end

--- Cohen's κ of raters a and b (Cohen 1960): (Po − Pe)/(1 − Pe) over the items both rated,
--- Pe from each rater's own proportions.
---@return stance.Coefficient
function Tally:cohen(a, b)
  local c = self:confusion(a, b)
  local n, agree, s = c.items, 0, 0
  if n == 0 then return { items = 0, observed = 0, expected = 0 } end
  local rows, cols = {}, {}
  for i = 1, #c.keys do
    agree = agree + c.counts[i][i]
    rows[i], cols[i] = 0, 0
  end
  for i = 1, #c.keys do
    for j = 1, #c.keys do
      rows[i] = rows[i] + c.counts[i][j]
      cols[j] = cols[j] + c.counts[i][j]
    end
  end
  for i = 1, #c.keys do
    s = s + rows[i] * cols[i]
  end
  -- κ = (agree·n − s)/(n² − s): integers up to the one division
  local value = s < n * n and (agree * n - s) / (n * n - s) or nil
  return { value = value, observed = agree / n, expected = s / (n * n), items = n }
end

--- Fleiss' κ (Fleiss 1971) over the items every rater rated, and per category Fleiss' κ of
--- that category (`categories[i]` for `keys[i]`).
---@param order any[]|nil
---@return stance.Coefficient|{keys: any[], categories: (number|false)[]}
function Tally:fleiss(order)
  local keys = self:categories(order)
  local N, n = self.full, self.raters
  local out = { items = N, observed = 0, expected = 0, keys = keys, categories = {} }
  if N == 0 or n < 2 then
    for i = 1, #keys do
      out.categories[i] = false
    end
    return out
  end
  local pbar = (self.sq - N * n) / (N * n * (n - 1))
  local tsq = 0
  for i, k in ipairs(keys) do
    local c = self.index[k]
    local tot = c and self.total[c] or 0
    tsq = tsq + tot * tot
    local p = tot / (N * n)
    local q = 1 - p
    local dis = c and self.dis[c] or 0
    out.categories[i] = (p > 0 and q > 0) and 1 - dis / (N * n * (n - 1) * p * q) or false
  end
  local pe = tsq / ((N * n) * (N * n))
  out.observed, out.expected = pbar, pe
  out.value = pe < 1 and (pbar - pe) / (1 - pe) or nil
  return out
end

--- The squared distance of categories i and j (positions in `keys`) for Krippendorff's α.
function H.delta(metric, keys, marg, i, j)
  if i == j then return 0 end
  if metric == 'interval' then return (keys[i] - keys[j]) ^ 2 end
  if metric == 'ordinal' then
    local lo, hi = i, j
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

--- Krippendorff's α (Krippendorff 1980, 2004) from the coincidence matrix of the items with
--- two values or more; `metric` "nominal" (default), "ordinal" (categories in `order`, else
--- sorted) or "interval" (numbers). Also `agreement`: the pairs of values that agree over all
--- pairs (percent agreement).
---@param metric string|nil
---@param order any[]|nil
---@return stance.Coefficient|{agreement: number|nil}
function Tally:alpha(metric, order)
  metric = metric or 'nominal'
  local keys = self:categories(order)
  local K = #keys
  local o = {}
  for i = 1, K do
    o[i] = {}
    for j = 1, K do
      o[i][j] = 0
    end
  end
  for mu = 2, self.raters do
    local co = self.coin[mu] or {}
    for i, ki in ipairs(keys) do
      local ci = self.index[ki]
      local row = ci and co[ci]
      if row then
        for j, kj in ipairs(keys) do
          local cj = self.index[kj]
          local v = cj and row[cj]
          if v then o[i][j] = o[i][j] + v / (mu - 1) end
        end
      end
    end
  end
  local nc, n = {}, 0
  for i = 1, K do
    local s = 0
    for j = 1, K do
      s = s + o[i][j]
    end
    nc[i] = s
    n = n + s
  end
  local out = { items = self.pairable, observed = 0, expected = 0,
    agreement = self.all_pairs > 0 and self.agree_pairs / self.all_pairs or nil }
  if n <= 1 then return out end
  local dobs, dexp = 0, 0
  for i = 1, K do
    for j = 1, K do
      local d = H.delta(metric, keys, nc, i, j)
      if d ~= 0 then
        dobs = dobs + o[i][j] * d
        dexp = dexp + nc[i] * nc[j] * d
      end
    end
  end
  out.observed = dobs / n
  out.expected = dexp / (n * (n - 1))
  out.value = out.expected > 0 and 1 - out.observed / out.expected or nil
  return out
end

-- ---- the same on rows ---------------------------------------------------------------------

local function tally_of(items, raters)
  local t = M.tally(raters)
  for _, row in ipairs(items) do
    t:add(row)
  end
  return t
end

--- Cohen's κ of two raters: `items` = { {a, b}, ... }; items missing a value are left out.
---@param items table[]
---@return stance.Coefficient
function M.cohen(items)
  return tally_of(items, 2):cohen(1, 2)
end

--- Fleiss' κ: `items` = rows of `n_raters` values (rows with a missing value are left out).
--- `categories` maps each category (as a string) to its Fleiss κ.
---@param items table[]
---@param n_raters integer
---@return stance.Coefficient|{categories: table<string, number>}
function M.fleiss(items, n_raters)
  local r = tally_of(items, n_raters):fleiss()
  local by = {}
  for i, k in ipairs(r.keys) do
    if r.categories[i] then by[tostring(k)] = r.categories[i] end
  end
  r.categories, r.keys = by, nil
  return r
end

--- Krippendorff's α: `items` = rows of values, nil for missing (`n_raters` raters, default
--- the length of each row); items with fewer than two values are not pairable and left out.
---@param items table[]
---@param metric string|nil "nominal" (default), "ordinal", "interval"
---@param n_raters integer|nil
---@return stance.Coefficient
function M.alpha(items, metric, n_raters)
  local m = n_raters
  if not m then
    m = 1
    for _, row in ipairs(items) do
      m = math.max(m, #row)
    end
  end
  return tally_of(items, m):alpha(metric)
end

-- ---- unitizing ----------------------------------------------------------------------------

--- One rater's segmentation of the continuum for category `c`: its units of c (merged
--- where they overlap) and the gaps between them, as {begin, length, is_unit}.
function H.segments(units, c, begin, length)
  local spans = {}
  for _, u in ipairs(units) do
    if u.category == c then spans[#spans + 1] = { u.offset, u.offset + u.length } end
  end
  table.sort(spans, function(a, b)
    if a[1] ~= b[1] then return a[1] < b[1] end
    return a[2] < b[2]
  end)
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
--- {rater, offset, length, category}, ... } for `raters` raters (categories are strings).
--- Returns the overall αU and per category its αU, observed and expected disagreement.
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
  table.sort(cats, H.before)
  local res = { categories = {}, observed = 0, expected = 0 }
  for _, c in ipairs(cats) do
    local segs = {}
    local nc = 0
    for r = 1, m do
      segs[r] = H.segments(by_rater[r], c, begin, length)
      for _, s in ipairs(segs[r]) do
        if s[3] then nc = nc + 1 end
      end
    end
    -- observed: every pair of segments of different raters; only overlapping ones can
    -- differ from 0 (unit_distance), and each rater's segments tile the continuum in
    -- order, so one merge walk per pair of raters finds them all
    local dobs = 0
    for r1 = 1, m do
      for r2 = 1, m do
        if r1 ~= r2 then
          local a, b = segs[r1], segs[r2]
          local j = 1
          for _, g in ipairs(a) do
            local g_end = g[1] + g[2]
            while j <= #b and b[j][1] + b[j][2] <= g[1] do
              j = j + 1
            end
            local k = j
            while k <= #b and b[k][1] < g_end do
              local h = b[k]
              dobs = dobs + M.unit_distance(g[1], g[2], g[3], h[1], h[2], h[3])
              k = k + 1
            end
          end
        end
      end
    end
    dobs = dobs / (m * (m - 1) * L * L)
    -- expected (Krippendorff 2004, p. 252): for each unit of length l, the gaps at least as
    -- long, each h contributing l²(h − l + 1): from the gaps' lengths sorted, with suffix
    -- sums of their lengths
    local gaps = {}
    for r = 1, m do
      for _, h in ipairs(segs[r]) do
        if not h[3] then gaps[#gaps + 1] = h[2] end
      end
    end
    table.sort(gaps)
    local suffix = { [#gaps + 1] = 0 }
    for i = #gaps, 1, -1 do
      suffix[i] = suffix[i + 1] + gaps[i]
    end
    local num, den = 0, m * L * (m * L - 1)
    for r = 1, m do
      for _, g in ipairs(segs[r]) do
        if g[3] then
          local l = g[2]
          num = num + (nc - 1) / 3 * (2 * l ^ 3 - 3 * l ^ 2 + l)
          -- first gap with length >= l
          local lo, hi = 1, #gaps + 1
          while lo < hi do
            local mid = math.floor((lo + hi) / 2)
            if gaps[mid] >= l then hi = mid else lo = mid + 1 end
          end
          local count = #gaps - lo + 1
          num = num + l * l * (suffix[lo] - (l - 1) * count)
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
---@return table { precision, recall, f1, ref, pred, labels = { [label] = {...} } }
function M.spans_prf(reference, predicted, overlap)
  -- whether each span of `list` has a match in `others`: exact spans by a key; overlapping
  -- ones per label, from the others sorted by start with the running maximum of their ends
  local function found_in(others)
    if not overlap then
      local keys = {}
      for _, b in ipairs(others) do
        keys[b[1] .. ':' .. b[2] .. ':' .. tostring(b[3])] = true
      end
      return function(a) return keys[a[1] .. ':' .. a[2] .. ':' .. tostring(a[3])] == true end
    end
    local by = {}
    for _, b in ipairs(others) do
      local l = by[b[3]]
      if not l then
        l = {}
        by[b[3]] = l
      end
      l[#l + 1] = b
    end
    for _, l in pairs(by) do
      table.sort(l, function(x, y) return x[1] < y[1] end)
      local top = -math.huge
      l.max = {}
      for i, b in ipairs(l) do
        if b[2] > top then top = b[2] end
        l.max[i] = top
      end
    end
    return function(a)
      local l = by[a[3]]
      if not l then return false end
      local lo, hi = 1, #l + 1 -- first span starting at or after a's end
      while lo < hi do
        local mid = math.floor((lo + hi) / 2)
        if l[mid][1] >= a[2] then hi = mid else lo = mid + 1 end
      end
      return lo > 1 and l.max[lo - 1] > a[1]
    end
  end
  local function count(list, others)
    local hit, by = 0, {}
    local found = found_in(others)
    for _, a in ipairs(list) do
      by[a[3]] = by[a[3]] or { n = 0, hit = 0 }
      by[a[3]].n = by[a[3]].n + 1
      if found(a) then
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
