--- The charts of `stance report`: stance over time per target (one panel per target, a line
--- per stance in its color, dash and marker), the confusion matrix of two annotators per
--- target (gray levels and the numbers), and the model's reliability (calibration) curve.
--- Each is a standalone SVG document (stance.report.svg). Both hosts.
local M = {}
local H = {}

local svg = require('stance.report.svg')
local data_mod = require('stance.report.data')

-- ---- stance over time ----------------------------------------------------------------------

--- A date key as a number of years (for positions on a time axis).
function H.years(key)
  local y, m, d = key:match('^(%d%d%d%d)%-?(%d*)%-?(%d*)')
  return tonumber(y) + ((tonumber(m) or 1) - 1) / 12 + ((tonumber(d) or 1) - 1) / 365.25
end

--- The buckets of the dated documents: by year when they span more than four years, by
--- month when more than four months, else by day. Returns the buckets in order, each
--- { key, x (years), counts = { [target] = { [stance] = n } }, docs } and the unit.
function M.buckets(data)
  local first, last
  for _, doc in ipairs(data.docs) do
    if doc.date then
      first = first or doc.date
      last = doc.date
    end
  end
  if not first then return {}, nil end
  local span = H.years(last) - H.years(first)
  local unit, len = 'day', 10
  if span > 4 then
    unit, len = 'year', 4
  elseif span > 4 / 12 then
    unit, len = 'month', 7
  end
  local out, by = {}, {}
  for _, doc in ipairs(data.docs) do
    if doc.date then
      local key = doc.date:sub(1, len)
      local b = by[key]
      if not b then
        b = { key = key, x = H.years(key), counts = {}, docs = 0 }
        by[key] = b
        out[#out + 1] = b
      end
      b.docs = b.docs + 1
      for t, per in pairs(doc.counts) do
        b.counts[t] = b.counts[t] or {}
        for s, n in pairs(per) do
          b.counts[t][s] = (b.counts[t][s] or 0) + n
        end
      end
    end
  end
  return out, unit
end

--- Ticks of an axis from 0 to `max`: about four round steps.
function H.ticks(max)
  if max <= 0 then return { 0 } end
  local raw = max / 4
  local mag = 10 ^ math.floor(math.log(raw) / math.log(10))
  local step = mag
  for _, f in ipairs({ 1, 2, 5, 10 }) do
    if f * mag >= raw then
      step = f * mag
      break
    end
  end
  local out, v = {}, 0
  while v <= max + step * 0.001 do
    out[#out + 1] = v
    v = v + step
  end
  if out[#out] < max then out[#out + 1] = v end
  return out
end

--- Stance over time: one panel per target (that has an annotation on a dated document).
---@param spec {id: string, title: string, data: stance.ReportData, styles: table[]}
---@return string|nil svg nil when no document has a date
---@return table|nil info { panels, buckets, unit }
function M.over_time(spec)
  local buckets, unit = M.buckets(spec.data)
  if #buckets == 0 then return nil end
  local targets = {}
  for _, t in ipairs(spec.data.targets) do
    for _, b in ipairs(buckets) do
      if b.counts[t] then
        targets[#targets + 1] = t
        break
      end
    end
  end
  if #targets == 0 then return nil end
  local pad, pw, ph, left, gap = 10, 560, 120, 48, 56
  local width = left + pw + pad * 3
  local legend = svg.legend(spec.id, spec.styles, pad, 20, { markers = true })
  local out = { legend }
  local x_min, x_max = buckets[1].x, buckets[#buckets].x
  local function px(x)
    if x_max == x_min then return left + pw / 2 end
    return left + 8 + (pw - 16) * (x - x_min) / (x_max - x_min)
  end
  local y0 = 40
  for k, t in ipairs(targets) do
    local top = y0 + (k - 1) * (ph + gap)
    local max = 0
    for _, b in ipairs(buckets) do
      for _, n in pairs(b.counts[t] or {}) do
        max = math.max(max, n)
      end
    end
    local ticks = H.ticks(max)
    local ymax = ticks[#ticks]
    local function py(v) return top + 18 + (ph - 18) * (1 - v / math.max(ymax, 1)) end
    out[#out + 1] = ('<g class="panel" data-target="%s">'):format(svg.esc(t))
    out[#out + 1] = svg.text(left, top + 8, data_mod.target_name(t), { weight = 'bold', class = 'panel-title' })
    for _, v in ipairs(ticks) do
      out[#out + 1] = svg.line(left, py(v), left + pw, py(v), { stroke = '#e3e3e3' })
      out[#out + 1] = svg.text(left - 6, py(v) + 4, svg.n(v), { size = 10, anchor = 'end', class = 'axis y' })
    end
    out[#out + 1] = svg.line(left, top + ph, left + pw, top + ph, { stroke = '#444' })
    out[#out + 1] = svg.line(left, top + 18, left, top + ph, { stroke = '#444' })
    out[#out + 1] = svg.text(12, top + 18 + (ph - 18) / 2, 'annotations', { size = 10, anchor = 'middle',
      rotate = -90, fill = '#555', class = 'axis' })
    -- x labels: at most eight, evenly chosen, never overlapping
    local every = math.max(1, math.ceil(#buckets / 8))
    local last_right = -math.huge
    for i, b in ipairs(buckets) do
      local x = px(b.x)
      out[#out + 1] = svg.line(x, top + ph, x, top + ph + 4, { stroke = '#444' })
      local w = svg.width(b.key, 10)
      if (i - 1) % every == 0 and x - w / 2 > last_right + 4 then
        out[#out + 1] = svg.text(x, top + ph + 16, b.key, { size = 10, anchor = 'middle', class = 'axis x' })
        last_right = x + w / 2
      end
    end
    for _, st in ipairs(spec.styles) do
      local pts, seen = {}, false
      for _, b in ipairs(buckets) do
        local n = (b.counts[t] or {})[st.name] or 0
        if n > 0 then seen = true end
        pts[#pts + 1] = { px(b.x), py(n), n, b }
      end
      if seen then
        if #pts > 1 then
          local coords = {}
          for i, p in ipairs(pts) do
            coords[i] = svg.n(p[1]) .. ',' .. svg.n(p[2])
          end
          out[#out + 1] = ('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>'):format(
            table.concat(coords, ' '), st.color, st.dash and (' stroke-dasharray="%s"'):format(st.dash) or '')
        end
        for _, p in ipairs(pts) do
          out[#out + 1] = svg.marker(st.shape, p[1], p[2], 4.5, { fill = st.color, stroke = '#222',
            title = ('%s, %s: %s %s (%d document%s)'):format(data_mod.target_name(t), p[4].key, st.name,
              data_mod.num(p[3]),
              p[4].docs, p[4].docs == 1 and '' or 's') })
        end
      end
    end
    out[#out + 1] = '</g>'
  end
  local height = y0 + #targets * (ph + gap) - gap + 30
  return svg.document(width, height, table.concat(out), spec.title, spec.id),
    { panels = #targets, buckets = #buckets, unit = unit }
end

-- ---- confusion matrices -------------------------------------------------------------------

--- Confusion matrices of two annotators, one per target, side by side in rows.
--- spec: id, title, matrices = { { target, a, b (the two annotators), values (false: no
--- stance), counts (counts[i][j]: a said values[i], b values[j]), kappa }, ... }
---@param spec table
---@return string svg
function M.confusion(spec)
  local cell, pad = 34, 10
  local panels, x, y, row_h, width = {}, pad, 10, 0, 0
  local max_w = 900
  for _, m in ipairs(spec.matrices) do
    local names = {}
    local label_w = 0
    for i, v in ipairs(m.values) do
      names[i] = v == false and 'no stance' or tostring(v)
      label_w = math.max(label_w, svg.width(names[i], 10) + 8)
    end
    local k = #names
    local pw = 24 + label_w + k * cell + pad
    local ph = 40 + label_w + k * cell + 16
    if x + pw > max_w and x > pad then
      x, y = pad, y + row_h + 14
      row_h = 0
    end
    local gx, gy = x + 24 + label_w, y + 40 + label_w
    local out = { ('<g class="confusion" data-target="%s">'):format(svg.esc(m.target)) }
    local kappa = m.kappa and (' κ = %.2f'):format(m.kappa) or ''
    out[#out + 1] = svg.text(x, y + 12, data_mod.target_name(m.target) .. kappa, { weight = 'bold',
      class = 'panel-title' })
    out[#out + 1] = svg.text(gx + k * cell / 2, y + 28, m.b, { size = 10, anchor = 'middle', fill = '#555',
      class = 'axis' })
    out[#out + 1] = svg.text(x + 10, gy + k * cell / 2, m.a, { size = 10, anchor = 'middle', rotate = -90,
      fill = '#555', class = 'axis' })
    local max = 1
    for i = 1, k do
      for j = 1, k do
        max = math.max(max, m.counts[i][j] or 0)
      end
    end
    for i = 1, k do
      out[#out + 1] = svg.text(gx - 4, gy + (i - 1) * cell + cell / 2 + 4, names[i], { size = 10, anchor = 'end',
        class = 'axis' })
      out[#out + 1] = svg.text(gx + (i - 1) * cell + cell / 2 + 3, gy - 4, names[i], { size = 10, rotate = -90,
        class = 'axis' })
      for j = 1, k do
        local n = m.counts[i][j] or 0
        local level = n / max
        local gray = math.floor(245 - 190 * level)
        local fill = n == 0 and '#ffffff' or ('#%02x%02x%02x'):format(gray, gray, gray)
        local cx, cy = gx + (j - 1) * cell, gy + (i - 1) * cell
        out[#out + 1] = svg.rect(cx, cy, cell, cell, { fill = fill, stroke = i == j and '#000' or '#999',
          stroke_width = i == j and 1.5 or 0.5, class = 'cm-cell',
          title = ('%s: %s says %s, %s says %s: %d'):format(data_mod.target_name(m.target), m.a, names[i], m.b,
            names[j], n) })
        out[#out + 1] = svg.text(cx + cell / 2, cy + cell / 2 + 4, tostring(n), { size = 11, anchor = 'middle',
          fill = level > 0.55 and '#fff' or '#111', weight = i == j and 'bold' or nil })
      end
    end
    out[#out + 1] = '</g>'
    panels[#panels + 1] = table.concat(out)
    x = x + pw + 14
    row_h = math.max(row_h, ph)
    width = math.max(width, x)
  end
  return svg.document(math.max(width, 200), y + row_h + pad, table.concat(panels), spec.title, spec.id)
end

-- ---- calibration ----------------------------------------------------------------------------

--- The reliability diagram of the model's probabilities (stance.model_eval's calibration):
--- mean probability the model gave its likeliest stance (never "none": what a suggestion
--- shows) in each bin against how often the annotators gave that stance there, the
--- diagonal of perfect calibration, and under it a bar of the number of pairs in each bin.
---@param spec {id: string, title: string, calibration: {bins: table[], ece: number, n: integer}}
---@return string svg
function M.calibration(spec)
  local left, top, size, pad, strip = 56, 34, 300, 14, 40
  local function px(v) return left + size * v end
  local function py(v) return top + size * (1 - v) end
  local out = {}
  local caption = ('expected calibration error %.3f over %d sentence-target pairs'):format(spec.calibration.ece or 0,
    spec.calibration.n or 0)
  out[#out + 1] = svg.text(pad, 16, caption, { size = 11, class = 'caption' })
  for i = 0, 5 do
    local v = i / 5
    out[#out + 1] = svg.line(px(v), top, px(v), top + size, { stroke = '#eee' })
    out[#out + 1] = svg.line(left, py(v), left + size, py(v), { stroke = '#eee' })
    out[#out + 1] = svg.text(left - 6, py(v) + 4, ('%.1f'):format(v), { size = 10, anchor = 'end', class = 'axis y' })
  end
  out[#out + 1] = svg.rect(left, top, size, size, { stroke = '#444' })
  out[#out + 1] = svg.line(px(0), py(0), px(1), py(1), { stroke = '#888', dash = '5 4' })
  out[#out + 1] = svg.text(16, top + size / 2, 'annotators gave it', { size = 11, anchor = 'middle', rotate = -90,
    class = 'axis' })
  -- under the plot: how many pairs each bin holds (a bar each), then the x axis
  local bins, most = spec.calibration.bins or {}, 1
  for _, b in ipairs(bins) do
    most = math.max(most, b.n)
  end
  local s0 = top + size + 6
  for _, b in ipairs(bins) do
    if b.n > 0 then
      local h = (strip - 4) * b.n / most
      out[#out + 1] = svg.rect(px(b.from) + 1, s0 + strip - h, size * (b.to - b.from) - 2, h, { fill = '#9bb7cc',
        stroke = '#4a6f8a', stroke_width = 0.5, class = 'bin', title = ('%.1f-%.1f: %d pairs'):format(b.from, b.to,
        b.n) })
    end
  end
  out[#out + 1] = svg.line(left, s0 + strip, left + size, s0 + strip, { stroke = '#444' })
  out[#out + 1] = svg.text(left - 6, s0 + strip - 2, 'pairs', { size = 9, anchor = 'end', fill = '#555',
    class = 'axis' })
  for i = 0, 5 do
    local v = i / 5
    out[#out + 1] = svg.text(px(v), s0 + strip + 14, ('%.1f'):format(v), { size = 10, anchor = 'middle',
      class = 'axis x' })
  end
  out[#out + 1] = svg.text(left + size / 2, s0 + strip + 32, 'probability of the likeliest stance (not none)',
    { size = 11, anchor = 'middle', class = 'axis' })
  local coords, pts = {}, {}
  for _, b in ipairs(bins) do
    if b.n > 0 then
      pts[#pts + 1] = b
      coords[#coords + 1] = svg.n(px(b.confidence)) .. ',' .. svg.n(py(b.accuracy))
    end
  end
  if #coords > 1 then
    out[#out + 1] = ('<polyline points="%s" fill="none" stroke="#0072b2" stroke-width="2"/>'):format(
      table.concat(coords, ' '))
  end
  for _, b in ipairs(pts) do
    out[#out + 1] = svg.marker('circle', px(b.confidence), py(b.accuracy), 4.5, { fill = '#0072b2', stroke = '#111',
      title = ('%.1f-%.1f: %d pairs, mean probability %.3f, the annotators gave that stance in %.3f'):format(b.from,
        b.to, b.n, b.confidence, b.accuracy) })
  end
  return svg.document(math.max(left + size + pad + 10, svg.width(caption, 11) + 2 * pad), s0 + strip + 42,
    table.concat(out), spec.title, spec.id)
end

return M
