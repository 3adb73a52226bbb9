--- The matrix figures of `stance report`: one row per document (the heat map of stance per
--- target per document) or per value of a metadata column (per author, per outlet), one
--- column per target; each cell a bar split into the stances of its annotations, each part in
--- its stance's color and pattern, the number of annotations beside it. A corpus with more
--- documents than fit is drawn in rows of consecutive documents (in date order). Both hosts.
local M = {}
local H = {}

local svg = require('stance.report.svg')
local report_data = require('stance.report.data')

--- Most rows drawn; more documents are grouped into this many rows.
M.MAX_ROWS = 120

H.ROW, H.FONT, H.PAD = 18, 11, 10

---@class stance.MatrixRow
---@field label string
---@field note string|nil a second column (a date, a number of documents)
---@field tip string|nil the tooltip of the row's label
---@field counts table<string, table<string, integer>> target -> stance -> n

--- Rows of the heat map from the report's documents (grouped when there are too many).
---@param data stance.ReportData
---@return stance.MatrixRow[] rows
---@return integer per documents per row
function M.document_rows(data)
  local docs = data.docs
  local per = math.max(1, math.ceil(#docs / M.MAX_ROWS))
  local rows = {}
  local name = report_data.name
  for i = 1, #docs, per do
    local last = math.min(#docs, i + per - 1)
    local row = { counts = {} }
    for k = i, last do
      report_data.add_counts(row.counts, docs[k].counts)
    end
    local a, b = docs[i], docs[last]
    if per == 1 then
      local said = report_data.source_said(a)
      row.label, row.tip = name(a), a.path .. ': ' .. said
      row.note = a.meta.date and (a.meta.date .. ' · ' .. said) or said
      row.status = a.status
    else
      row.label = ('documents %d–%d'):format(i, last)
      row.tip = ('%s … %s'):format(a.path, b.path)
      if a.date and b.date then
        row.note = a.meta.date == b.meta.date and a.meta.date or (a.meta.date .. ' – ' .. b.meta.date)
      end
    end
    rows[#rows + 1] = row
  end
  return rows, per
end

--- Rows per value of metadata column `column` (documents without a value: "(none)"), the
--- values with the most annotations first; past M.MAX_ROWS - 1 values, the rest in one row.
---@param data stance.ReportData
---@param column string
---@return stance.MatrixRow[]
function M.group_rows(data, column)
  local groups, order = {}, {}
  for _, doc in ipairs(data.docs) do
    local v = doc.meta[column] or '(none)'
    local g = groups[v]
    if not g then
      g = { label = v, counts = {}, docs = 0, total = 0 }
      groups[v] = g
      order[#order + 1] = g
    end
    g.docs, g.total = g.docs + 1, g.total + doc.total
    report_data.add_counts(g.counts, doc.counts)
  end
  table.sort(order, function(a, b)
    if (a.label == '(none)') ~= (b.label == '(none)') then return b.label == '(none)' end
    if a.total ~= b.total then return a.total > b.total end
    return a.label < b.label
  end)
  if #order > M.MAX_ROWS then
    local rest = { label = ('%d others'):format(#order - M.MAX_ROWS + 1), counts = {}, docs = 0, total = 0 }
    for i = M.MAX_ROWS, #order do
      rest.docs = rest.docs + order[i].docs
      report_data.add_counts(rest.counts, order[i].counts)
      order[i] = nil
    end
    order[M.MAX_ROWS] = rest
  end
  for _, g in ipairs(order) do
    g.note = ('%d doc%s'):format(g.docs, g.docs == 1 and '' or 's')
    g.tip = g.label
  end
  return order
end

--- The figure: an SVG document.
--- spec: id, title, rows (stance.MatrixRow[]), targets, styles (stance.report.svg.stances),
--- row_head (the first column's heading), note_head (the second's, when rows have notes).
---@param spec table
---@return string svg
---@return {width: number, height: number, cells: integer}
function M.figure(spec)
  local rows, targets, styles = spec.rows, spec.targets, spec.styles
  local label_w = svg.width(spec.row_head, H.FONT) + 8
  local note_w = 0
  for _, r in ipairs(rows) do
    label_w = math.max(label_w, math.min(300, svg.width(r.label, H.FONT) + 8))
    if r.note then note_w = math.max(note_w, svg.width(r.note, H.FONT - 1) + 12) end
  end
  if note_w > 0 and spec.note_head then note_w = math.max(note_w, svg.width(spec.note_head, H.FONT) + 12) end
  local col_w = 96
  for _, t in ipairs(targets) do
    col_w = math.max(col_w, math.min(170, svg.width(report_data.target_name(t), H.FONT) + 12))
  end
  local x0, top = H.PAD + label_w + note_w, 58
  local width = x0 + col_w * math.max(#targets, 1) + H.PAD
  local not_started
  for _, r in ipairs(rows) do
    if r.status == 'not-started' then not_started = 'not started (nothing said yet)' end
  end
  local legend, legend_w = svg.legend(spec.id, styles, H.PAD, 20, { none = 'no stance annotated',
    not_started = not_started })
  width = math.max(width, legend_w + 2 * H.PAD)
  local height = top + H.ROW * #rows + H.PAD
  local out = { legend }
  out[#out + 1] = svg.text(H.PAD, top - 8, spec.row_head, { weight = 'bold', class = 'axis' })
  if note_w > 0 and spec.note_head then
    out[#out + 1] = svg.text(H.PAD + label_w, top - 8, spec.note_head, { weight = 'bold', class = 'axis' })
  end
  local tname = report_data.target_name
  for j, t in ipairs(targets) do
    local cx = x0 + (j - 1) * col_w
    out[#out + 1] = svg.text(cx + 4, top - 8, svg.fit(tname(t), H.FONT, col_w - 8),
      { weight = 'bold', class = 'axis target', title = tname(t) })
  end
  out[#out + 1] = svg.line(H.PAD, top - 2, width - H.PAD, top - 2, { stroke = '#888' })
  local cells = 0
  for i, r in ipairs(rows) do
    local y = top + (i - 1) * H.ROW
    if i % 2 == 0 then out[#out + 1] = svg.rect(H.PAD, y, width - 2 * H.PAD, H.ROW, { fill = '#f7f7f7' }) end
    out[#out + 1] = svg.text(H.PAD, y + 13, svg.fit(r.label, H.FONT, label_w - 8), { title = r.tip or r.label,
      class = 'row-label' })
    if r.note and note_w > 0 then
      out[#out + 1] = svg.text(H.PAD + label_w, y + 13, r.note, { size = H.FONT - 1, fill = '#555' })
    end
    for j, t in ipairs(targets) do
      cells = cells + 1
      out[#out + 1] = H.cell(spec.id, styles, r, t, x0 + (j - 1) * col_w, y, col_w)
    end
  end
  return svg.document(width, height, table.concat(out), spec.title, spec.id),
    { width = width, height = height, cells = cells }
end

--- One cell: the bar of its stances and their number.
function H.cell(id, styles, row, t, x, y, w)
  local per = row.counts[t] or {}
  local total = 0
  for _, n in pairs(per) do
    total = total + n
  end
  local bar_w, bx, by, bh = w - 34, x + 3, y + 3, H.ROW - 6
  local tname = report_data.target_name(t)
  if row.status == 'not-started' then -- nobody has said anything: not "no stance"
    return svg.rect(bx, by, bar_w, bh, { fill = '#ffffff', stroke = '#999', stroke_width = 0.7,
      dash = '3,2', class = 'cell not-started', title = ('%s: %s: not started'):format(row.label, tname) })
  end
  if total == 0 then
    return svg.rect(bx, by, bar_w, bh, { fill = '#f2f2f2', stroke = '#ccc', stroke_width = 0.5,
      class = row.status == 'in-progress' and 'cell empty in-progress' or 'cell empty',
      title = ('%s: %s: %s'):format(row.label, tname, row.status == 'in-progress'
        and 'no stance annotated yet (in progress)' or 'no stance annotated') })
  end
  local parts, tips = {}, {}
  for _, st in ipairs(styles) do
    local n = per[st.name] or 0
    if n > 0 then tips[#tips + 1] = ('%s %s'):format(st.name, report_data.num(n)) end
  end
  local tip = ('%s: %s: %s'):format(row.label, tname, table.concat(tips, ', '))
  local cx = bx
  parts[#parts + 1] = ('<g class="cell" data-total="%s">'):format(report_data.num(total))
  for _, st in ipairs(styles) do
    local n = per[st.name] or 0
    if n > 0 then
      local sw = bar_w * n / total
      parts[#parts + 1] = svg.swatch(id, st, cx, by, sw, bh, tip)
      cx = cx + sw
    end
  end
  parts[#parts + 1] = svg.rect(bx, by, bar_w, bh, { stroke = '#444', stroke_width = 0.5 })
  parts[#parts + 1] = svg.text(x + w - 4, y + 13, report_data.num(total), { size = H.FONT - 1, anchor = 'end',
    fill = '#333' })
  parts[#parts + 1] = '</g>'
  return table.concat(parts)
end

return M
