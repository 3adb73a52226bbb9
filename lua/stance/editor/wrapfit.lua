--- Marks inside wrapped lines kept whole (Neovim 0.10+). Neovim wraps virtual text inside a
--- line at any cell, also with 'linebreak': a relation mark or a label at the end of a screen
--- row was cut in two ("[→ 1 su" / "pports]"). Here, when a window's plan is made, the place
--- of each mark in the row is worked out from the row's text and the marks before it, and a
--- mark that would not fit in what is left of its screen row gets blanks before it, so that
--- it starts the next row. The place is worked out as Neovim wraps: by cells, or with
--- 'linebreak' by words ('breakat': blanks and the punctuation it lists), continuation rows
--- narrower by 'showbreak' and 'breakindent'. Text with characters of two cells, tabs or other
--- plugins' virtual text may place a mark a cell off: the worst then is the old cut.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

--- The cells `text` takes from virtual column `col` in a window of geometry `g`: its length
--- when it is printable ASCII, its characters when the others are Latin-1 letters (U+00C0 to
--- U+00FF: one cell each where 'ambiwidth' is "single"), else as Neovim counts them (a call
--- into Vim script: most lines of a text in French or German would make one).
--- (Only Neovim 0.10+ draws marks inside lines: this module is used there alone.)
function H.cells(text, col, g)
  if not text:find('[^\32-\126]') then return #text end
  if g.single and not text:find('[^\32-\126\128-\191\195]') then
    local _, pairs_ = text:gsub('\195[\128-\191]', '')
    local _, leads = text:gsub('\195', '')
    local _, tails = text:gsub('[\128-\191]', '')
    if pairs_ == leads and pairs_ == tails then return #text - pairs_ end
  end
  return vim.fn.strdisplaywidth(text, col or 0)
end

--- How window `win` lays out wrapped rows: { width (of the first row's text), cont (of the
--- next rows'), lbr, breakat (a Lua character class), bri }, and a key that changes with any
--- of it; nil when the window does not wrap (nothing to keep whole).
---@param win integer
---@return table|nil geometry
---@return string key
function M.geometry(win)
  local api = vim.api
  local buf, cols = api.nvim_win_get_buf(win), api.nvim_win_get_width(win)
  local c = H.geometries[win]
  if c and c.buf == buf and c.cols == cols then return c.g, c.key end
  local g, key = H.geometry(win)
  H.geometries[win] = { buf = buf, cols = cols, g = g, key = key }
  if not H.forgetting then -- kept until Neovim's loop turns (see H.geometries)
    H.forgetting = true
    vim.schedule(function()
      H.geometries, H.forgetting = {}, false
    end)
  end
  return g, key
end

--- The geometries of the windows worked out since Neovim's loop last turned, by window (with
--- its buffer and width then): creating an annotation asked for it three times (its rows
--- planned, the window's plan checked, the screen updated), and the window's text offset
--- comes from getwininfo(), a dictionary of everything about the window made at each call.
--- A window shows another buffer or is resized: worked out again; options set since in the
--- same turn of the loop are seen at the next (render's check of the fit after the update).
H.geometries = {}

function H.geometry(win)
  local compat = require('stance.compat')
  local opt = compat.win_option
  if not opt(win, 'wrap') then return nil, 'nowrap' end
  local info = vim.fn.getwininfo(win)[1]
  if not info then return nil, 'gone' end
  local width = info.width - (info.textoff or 0)
  local sbr = opt(win, 'showbreak') -- (this window's, else the global one)
  local sbr_cells = 0
  if sbr ~= '' and not compat.global_option('cpoptions'):find('n', 1, true) then
    sbr_cells = vim.fn.strdisplaywidth(sbr)
  end
  local g = { width = width, cont = width - sbr_cells, lbr = opt(win, 'linebreak') and true or false,
    bri = opt(win, 'breakindent') and true or false, single = compat.global_option('ambiwidth') == 'single' }
  if g.lbr then
    local chars = compat.global_option('breakat')
    g.breakat = '[' .. chars:gsub('[%]%^%-%%]', '%%%0') .. ']'
  end
  return g, table.concat({ g.width, g.cont, tostring(g.lbr), g.breakat or '', tostring(g.bri), tostring(g.single) },
    ':')
end

--- A running place on the screen rows of one line: `col` cells used of the current row
--- (the `rows`th), whose width is `w`.
function H.start(g, line)
  local p = { col = 0, w = g.width, cont = g.cont, g = g, vcol = 0, rows = 1 }
  if g.bri then
    p.cont = p.cont - H.cells(line:match('^%s*'), 0, g)
  end
  if p.cont < 1 then p.cont = 1 end
  return p
end

function H.newrow(p)
  p.col, p.w, p.rows = 0, p.cont, p.rows + 1
end

--- Go on by `n` cells of text or virtual text, wrapped by cells.
function H.cells_on(p, n)
  p.vcol = p.vcol + n
  while n > 0 do
    local room = p.w - p.col
    if n < room then
      p.col = p.col + n
      return
    end
    n = n - room
    H.newrow(p)
  end
end

--- Go on by the text `text`: by cells, or with 'linebreak' word by word, as Neovim breaks
--- (charsize_regular): at a break character before a word, the word and the break characters
--- after it up to the next word (in the line's text `after` too, past this piece; virtual
--- text in between is not counted) must fit in what is left of the row, else the word starts
--- the next one, unless it is longer than a row. (A word that would end on the row's last
--- cell with a blank after it goes to the next row: measured on 0.10.4 and 0.11.6.)
function H.text_on(p, text, after)
  if text == '' then return end
  if not p.g.lbr then return H.cells_on(p, H.cells(text, p.vcol, p.g)) end
  local at = 1
  while at <= #text do
    local a, b = text:find(p.g.breakat, at)
    local word = text:sub(at, (a or #text + 1) - 1)
    local n = H.cells(word, p.vcol, p.g)
    if n > 0 and p.col > 0 and n <= p.cont and p.col + n + H.tail(p, text, a, after) > p.w then H.newrow(p) end
    H.cells_on(p, n)
    if not a then return end
    H.cells_on(p, H.cells(text:sub(a, b), p.vcol, p.g))
    at = b + 1
  end
end

--- The cells Neovim counts after a word of `text` that ends before byte `a` (nil: at the end
--- of `text`, the word going on in `after`): the rest of the word in `after`, then the break
--- characters up to the next word.
function H.tail(p, text, a, after)
  local rest = a and text:sub(a) or ''
  if not a then
    local word = (after or ''):match('^[^' .. p.g.breakat:sub(2)) or ''
    rest = (after or ''):sub(#word + 1)
    return H.cells(word, 0, p.g) + H.breaks(p, rest)
  end
  local n = H.breaks(p, rest)
  if n == #rest then n = n + H.breaks(p, after or '') end -- (the piece ends in break characters)
  return n
end

--- How many break characters `text` starts with (one cell each: 'breakat' takes ASCII only).
function H.breaks(p, text)
  local n = 0
  while n < #text and text:sub(n + 1, n + 1):find(p.g.breakat) do
    n = n + 1
  end
  return n
end

--- The marks of a row by their place in it (those at one place in the order given).
function H.in_order(ends)
  local order = {}
  for i, e in ipairs(ends) do
    order[i] = { e = e, i = i }
  end
  table.sort(order, function(x, y)
    if x.e.col ~= y.e.col then return x.e.col < y.e.col end
    return x.i < y.i
  end)
  for i, o in ipairs(order) do
    order[i] = o.e
  end
  return order
end

--- For the marks after spans on one row (`ends` of stance.editor.render.plan: { col, chunks }),
--- the chunks to draw in a window of geometry `g` (M.geometry): `e.shown`, each chunk that
--- would be cut by the end of a screen row preceded by blanks up to it (its own leading blank
--- then left out).
---@param g table
---@param line string the row's text
---@param ends table[]
function M.fit(g, line, ends)
  local p = H.start(g, line)
  local done = 0
  for _, e in ipairs(H.in_order(ends)) do
    if e.col > done then
      H.text_on(p, line:sub(done + 1, e.col), line:sub(e.col + 1))
      done = e.col
    end
    local shown
    -- (the chunks drawn as they are, up to the k-th: the start of what is drawn otherwise)
    local function drawn(k)
      if shown then return shown end
      shown = {}
      for j = 1, k - 1 do
        shown[j] = e.chunks[j]
      end
      return shown
    end
    for k, c in ipairs(e.chunks) do
      local n = H.cells(c[1], 0, g)
      if p.col > 0 and p.col + n > p.w and n - 1 <= p.cont then
        -- not whole in what is left of this row: blanks to its end, the mark on the next
        drawn(k)
        local text = c[1]:gsub('^ ', '')
        shown[#shown + 1] = { (' '):rep(p.w - p.col) }
        H.cells_on(p, p.w - p.col)
        shown[#shown + 1] = { text, c[2] }
        H.cells_on(p, H.cells(text, 0, g))
      elseif p.col == 0 and p.rows > 1 and c[1]:find('^ ') then
        -- at the start of a row the text before filled to its end: without its leading blank
        drawn(k)
        local text = c[1]:sub(2)
        shown[#shown + 1] = { text, c[2] }
        H.cells_on(p, H.cells(text, 0, g))
      else
        if shown then shown[#shown + 1] = c end
        H.cells_on(p, n)
      end
    end
    e.shown = shown
  end
end

--- How many screen rows `line` takes in a window of geometry `g` with the marks `ends`
--- inside it (drawn as M.fit fitted them).
---@param g table
---@param line string
---@param ends table[]|nil
---@return integer
function M.height(g, line, ends)
  local p = H.start(g, line)
  local done = 0
  for _, e in ipairs(H.in_order(ends or {})) do
    if e.col > done then
      H.text_on(p, line:sub(done + 1, e.col), line:sub(e.col + 1))
      done = e.col
    end
    for _, c in ipairs(e.shown or e.chunks) do
      H.cells_on(p, H.cells(c[1], 0, g))
    end
  end
  H.text_on(p, line:sub(done + 1))
  -- a row filled to its last cell takes no row more
  if p.col == 0 and p.rows > 1 then return p.rows - 1 end
  return p.rows
end

return M
