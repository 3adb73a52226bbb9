--- The page of `stance report`: one self-contained HTML file (styles inline, figures as inline
--- SVG, no script, nothing fetched), readable on screen and in print. Both hosts.
local M = {}
local H = {}

local esc = require('stance.report.svg').esc

H.CSS = [[
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1040px;
  padding: 0 16px; line-height: 1.4; font-size: 14px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }
h3 { font-size: 15px; margin-bottom: 4px; }
figure { margin: 12px 0 20px; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: #444; margin-top: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { max-width: 520px; overflow-wrap: anywhere; }
.meta { color: #555; font-size: 13px; } .note { color: #555; font-size: 12px; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; overflow-wrap: anywhere; }
@media print { body { max-width: none; margin: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
]]

--- A table: head (a list of cells), rows (lists of cells); a cell is a string, or
--- { text, class = 'num' | 'text' }.
function M.table(head, rows, class)
  local out = { ('<table%s><thead><tr>'):format(class and (' class="%s"'):format(class) or '') }
  for _, h in ipairs(head) do
    local text, cls = H.cell(h)
    out[#out + 1] = ('<th%s>%s</th>'):format(cls, text)
  end
  out[#out + 1] = '</tr></thead><tbody>'
  for _, r in ipairs(rows) do
    out[#out + 1] = '<tr>'
    for _, c in ipairs(r) do
      local text, cls = H.cell(c)
      out[#out + 1] = ('<td%s>%s</td>'):format(cls, text)
    end
    out[#out + 1] = '</tr>'
  end
  out[#out + 1] = '</tbody></table>'
  return table.concat(out)
end

function H.cell(c)
  if type(c) == 'table' then
    return esc(c[1]), c.class and (' class="%s"'):format(c.class) or ''
  end
  return esc(c), ''
end

--- A number with three decimals, or "–" for none.
function M.num(v, fmt)
  if type(v) ~= 'number' or v ~= v then return { '–', class = 'num' } end
  return { (fmt or '%.3f'):format(v), class = 'num' }
end

--- A figure: its SVG, its caption, and the file it was also written to.
function M.figure(fig)
  return ('<figure id="fig-%s">%s<figcaption>%s <a href="%s">%s</a></figcaption></figure>'):format(esc(fig.id),
    fig.svg, esc(fig.caption), esc(fig.file), esc(fig.file))
end

--- The whole page: title, a line under it, then sections { title, id, parts = { html, ... } }.
function M.page(spec)
  local out = {
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ('<title>%s</title>'):format(esc(spec.title)),
    '<style>' .. H.CSS .. '</style>',
    '</head><body>',
    ('<h1>%s</h1>'):format(esc(spec.title)),
    ('<p class="meta">%s</p>'):format(esc(spec.subtitle)),
  }
  if #spec.sections > 1 then
    local toc = {}
    for _, s in ipairs(spec.sections) do
      toc[#toc + 1] = ('<a href="#%s">%s</a>'):format(esc(s.id), esc(s.title))
    end
    out[#out + 1] = '<p class="meta">' .. table.concat(toc, ' · ') .. '</p>'
  end
  for _, s in ipairs(spec.sections) do
    out[#out + 1] = ('<section id="%s"><h2>%s</h2>'):format(esc(s.id), esc(s.title))
    for _, p in ipairs(s.parts) do
      out[#out + 1] = p
    end
    out[#out + 1] = '</section>'
  end
  out[#out + 1] = '</body></html>\n'
  return table.concat(out, '\n')
end

--- A paragraph of plain text.
function M.p(text, class)
  return ('<p%s>%s</p>'):format(class and (' class="%s"'):format(class) or '', esc(text))
end

return M
