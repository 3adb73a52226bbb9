--- SVG pieces for the figures of `stance report`: escaping, text that fits, shapes, and the
--- look of each stance (its schema color, a fill pattern and a marker shape, so that a figure
--- printed in black and white still tells the stances apart). Every figure is a standalone SVG
--- document (attributes only, no CSS, no script): the same bytes go inline into the HTML page
--- and into their own .svg file for a paper. Both hosts.
local M = {}
local H = {}

M.FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif'

--- Colors for stances and targets the schema gives none (Okabe and Ito's palette, which
--- people with any common color vision deficiency tell apart).
M.PALETTE = { '#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442' }

--- Marker shapes, in the order of the schema's stances: the first ▲, the second ▼ (as
--- :Stance summary marks them), then the others.
M.SHAPES = { 'up', 'down', 'circle', 'square', 'diamond', 'cross' }

--- Text for XML: & < > " escaped, and characters XML 1.0 forbids dropped.
---@param s any
---@return string
function M.esc(s)
  s = tostring(s == nil and '' or s)
  s = s:gsub('[%z\1-\8\11\12\14-\31]', '')
  return (s:gsub('[&<>"]', H.entities))
end
H.entities = { ['&'] = '&amp;', ['<'] = '&lt;', ['>'] = '&gt;', ['"'] = '&quot;' }

--- A number as SVG writes it (at most two decimals).
function M.n(x)
  local s = ('%.2f'):format(x):gsub('%.?0+$', '')
  if s == '-0' then s = '0' end
  return s
end

--- Characters of a UTF-8 string.
function H.len(s)
  local _, n = s:gsub('[^\128-\191]', '')
  return n
end

--- The width a text takes at font size `size` (DejaVu Sans's average advance, generous).
---@param s string
---@param size number
---@return number
function M.width(s, size)
  return H.len(s) * size * 0.62
end

--- `s` cut (with "…") to fit `max` pixels at font size `size`.
---@param s string
---@param size number
---@param max number
---@return string
function M.fit(s, size, max)
  s = tostring(s):gsub('%s+', ' ')
  if M.width(s, size) <= max then return s end
  local keep = math.max(1, math.floor(max / (size * 0.62)) - 1)
  local out, n = {}, 0
  for ch in s:gmatch('[%z\1-\127\194-\244][\128-\191]*') do
    n = n + 1
    if n > keep then break end
    out[n] = ch
  end
  return table.concat(out) .. '…'
end

--- A <text> element. opts: size (default 11), anchor (start, middle, end), weight, fill,
--- rotate (degrees), title (a tooltip: the whole text when it was cut).
function M.text(x, y, s, opts)
  opts = opts or {}
  local attrs = ('x="%s" y="%s" font-size="%s"'):format(M.n(x), M.n(y), M.n(opts.size or 11))
  if opts.anchor and opts.anchor ~= 'start' then attrs = attrs .. (' text-anchor="%s"'):format(opts.anchor) end
  if opts.weight then attrs = attrs .. (' font-weight="%s"'):format(opts.weight) end
  attrs = attrs .. (' fill="%s"'):format(opts.fill or '#222')
  if opts.rotate then attrs = attrs .. (' transform="rotate(%s %s %s)"'):format(M.n(opts.rotate), M.n(x), M.n(y)) end
  if opts.class then attrs = attrs .. (' class="%s"'):format(opts.class) end
  local title = opts.title and ('<title>%s</title>'):format(M.esc(opts.title)) or ''
  return ('<text %s>%s%s</text>'):format(attrs, title, M.esc(s))
end

--- A <rect>. opts: fill, stroke, title, class, extra (raw attributes).
function M.rect(x, y, w, h, opts)
  opts = opts or {}
  local s = ('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"'):format(M.n(x), M.n(y), M.n(math.max(w, 0)),
    M.n(math.max(h, 0)), opts.fill or 'none')
  if opts.stroke then s = s .. (' stroke="%s" stroke-width="%s"'):format(opts.stroke, M.n(opts.stroke_width or 1)) end
  if opts.class then s = s .. (' class="%s"'):format(opts.class) end
  if opts.extra then s = s .. ' ' .. opts.extra end
  if opts.title then return s .. ('><title>%s</title></rect>'):format(M.esc(opts.title)) end
  return s .. '/>'
end

--- A <line>. opts: stroke, width, dash.
function M.line(x1, y1, x2, y2, opts)
  opts = opts or {}
  local s = ('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"'):format(M.n(x1), M.n(y1),
    M.n(x2), M.n(y2), opts.stroke or '#222', M.n(opts.width or 1))
  if opts.dash then s = s .. (' stroke-dasharray="%s"'):format(opts.dash) end
  return s .. '/>'
end

--- A marker of `shape` centred on (x, y) with radius r. opts: fill, stroke, title.
function M.marker(shape, x, y, r, opts)
  opts = opts or {}
  local fill, stroke = opts.fill or '#222', opts.stroke or '#fff'
  local body
  if shape == 'circle' then
    body = ('<circle cx="%s" cy="%s" r="%s"'):format(M.n(x), M.n(y), M.n(r))
  elseif shape == 'square' then
    body = ('<rect x="%s" y="%s" width="%s" height="%s"'):format(M.n(x - r * 0.85), M.n(y - r * 0.85), M.n(r * 1.7),
      M.n(r * 1.7))
  else
    local pts
    if shape == 'up' then
      pts = { x, y - r * 1.1, x + r, y + r * 0.7, x - r, y + r * 0.7 }
    elseif shape == 'down' then
      pts = { x, y + r * 1.1, x + r, y - r * 0.7, x - r, y - r * 0.7 }
    elseif shape == 'diamond' then
      pts = { x, y - r * 1.2, x + r, y, x, y + r * 1.2, x - r, y }
    else -- cross
      local a = r * 0.35
      pts = { x - a, y - r, x + a, y - r, x + a, y - a, x + r, y - a, x + r, y + a, x + a, y + a, x + a, y + r,
        x - a, y + r, x - a, y + a, x - r, y + a, x - r, y - a, x - a, y - a }
    end
    local parts = {}
    for i = 1, #pts, 2 do
      parts[#parts + 1] = M.n(pts[i]) .. ',' .. M.n(pts[i + 1])
    end
    body = ('<polygon points="%s"'):format(table.concat(parts, ' '))
  end
  body = body .. (' fill="%s" stroke="%s" stroke-width="1"'):format(fill, stroke)
  if opts.title then return body .. ('><title>%s</title></%s>'):format(M.esc(opts.title),
    body:match('^<(%w+)')) end
  return body .. '/>'
end

--- The look of each stance: { name, title, color, pattern (an id suffix or nil for solid),
--- shape, dash }, the schema's stances in its order, then `extra` (names the annotations use).
---@param schema table|nil
---@param extra string[]|nil
---@return table[] styles
---@return table<string, table> by name
function M.stances(schema, extra)
  local out, by = {}, {}
  local function add(name, e)
    if by[name] then return end
    local i = #out + 1
    local st = { name = name, title = e and e.title, color = e and e.color or M.PALETTE[(i - 1) % #M.PALETTE + 1],
      pattern = H.PATTERNS[(i - 1) % #H.PATTERNS + 1], shape = M.SHAPES[(i - 1) % #M.SHAPES + 1],
      dash = H.DASHES[(i - 1) % #H.DASHES + 1], index = i }
    out[i], by[name] = st, st
  end
  for _, e in ipairs(schema and schema.stances or {}) do
    add(e.name, e)
  end
  for _, name in ipairs(extra or {}) do
    add(name)
  end
  return out, by
end

--- Fill patterns drawn over a stance's color: the first stance solid, then lines, dots, ...
H.PATTERNS = { false, 'diag', 'dots', 'cross', 'horiz', 'vert', 'antidiag' }
--- Line dashes of a stance's line in charts over time.
H.DASHES = { false, '6 3', '2 2', '8 3 2 3', '1 3', '10 4' }

--- The <defs> of the patterns, their ids prefixed with `prefix` (ids are unique in a page
--- that holds several figures).
---@param prefix string
---@return string
function M.defs(prefix)
  local p = {}
  local white = 'stroke="#fff" stroke-width="1.6" stroke-opacity="0.85"'
  p[#p + 1] = ('<pattern id="%s-diag" width="6" height="6" patternUnits="userSpaceOnUse" '
    .. 'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" %s/></pattern>'):format(prefix, white)
  p[#p + 1] = ('<pattern id="%s-antidiag" width="6" height="6" patternUnits="userSpaceOnUse" '
    .. 'patternTransform="rotate(-45)"><line x1="0" y1="0" x2="0" y2="6" %s/></pattern>'):format(prefix, white)
  p[#p + 1] = ('<pattern id="%s-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
    .. '<circle cx="2.5" cy="2.5" r="1.2" fill="#fff" fill-opacity="0.9"/></pattern>'):format(prefix)
  p[#p + 1] = ('<pattern id="%s-cross" width="6" height="6" patternUnits="userSpaceOnUse" '
    .. 'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" %s/><line x1="0" y1="3" x2="6" y2="3" %s/>'
    .. '</pattern>'):format(prefix, white, white)
  p[#p + 1] = ('<pattern id="%s-horiz" width="5" height="5" patternUnits="userSpaceOnUse">'
    .. '<line x1="0" y1="2.5" x2="5" y2="2.5" %s/></pattern>'):format(prefix, white)
  p[#p + 1] = ('<pattern id="%s-vert" width="5" height="5" patternUnits="userSpaceOnUse">'
    .. '<line x1="2.5" y1="0" x2="2.5" y2="5" %s/></pattern>'):format(prefix, white)
  return '<defs>' .. table.concat(p) .. '</defs>'
end

--- A rectangle in a stance's look: its color, its pattern over it.
function M.swatch(prefix, st, x, y, w, h, title)
  local s = M.rect(x, y, w, h, { fill = st.color, title = title, class = 'seg' })
  if st.pattern and w > 0 and h > 0 then
    s = s .. M.rect(x, y, w, h, { fill = ('url(#%s-%s)'):format(prefix, st.pattern), extra = 'pointer-events="none"' })
  end
  return s
end

--- A legend of the stances in a row from (x, y); returns its markup and its width.
function M.legend(prefix, styles, x, y, opts)
  opts = opts or {}
  local parts, cx = {}, x
  for _, st in ipairs(styles) do
    parts[#parts + 1] = M.swatch(prefix, st, cx, y - 9, 14, 11)
    if opts.markers then parts[#parts + 1] = M.marker(st.shape, cx + 7, y - 3.5, 3.5, { fill = '#222' }) end
    parts[#parts + 1] = M.text(cx + 18, y, st.name, { size = 11 })
    cx = cx + 28 + M.width(st.name, 11)
  end
  if opts.none then
    parts[#parts + 1] = M.rect(cx, y - 9, 14, 11, { fill = '#f2f2f2', stroke = '#bbb' })
    parts[#parts + 1] = M.text(cx + 18, y, opts.none, { size = 11 })
    cx = cx + 28 + M.width(opts.none, 11)
  end
  if opts.not_started then -- a document nobody has started: nothing said (not "no stance")
    parts[#parts + 1] = M.rect(cx, y - 9, 14, 11, { fill = '#ffffff', stroke = '#999', dash = '3,2' })
    parts[#parts + 1] = M.text(cx + 18, y, opts.not_started, { size = 11 })
    cx = cx + 28 + M.width(opts.not_started, 11)
  end
  return table.concat(parts), cx - x
end

--- A whole SVG document.
---@param w number
---@param h number
---@param body string
---@param title string for screen readers and the file's own title
---@param id string the figure's id (the prefix of its pattern ids)
---@return string
function M.document(w, h, body, title, id)
  return table.concat({
    ('<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="figure" width="%s" height="%s" viewBox="0 0 %s %s" '
      .. 'font-family="%s" role="img" aria-labelledby="%s-title">'):format(id, M.n(w), M.n(h), M.n(w), M.n(h),
      M.FONT, id),
    ('<title id="%s-title">%s</title>'):format(id, M.esc(title)),
    M.defs(id),
    M.rect(0, 0, w, h, { fill = '#fff' }),
    body,
    '</svg>',
  })
end

return M
