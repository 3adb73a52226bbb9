--- Marks after annotations on Neovim before 0.10, where virtual text cannot stand inside a
--- line: it follows the line, in what is left of its last screen row (with 'nowrap', past
--- its end), so that the labels and relation marks after a sentence in a long paragraph were
--- cut off or out of sight, and after a paragraph they did not say which of its sentences
--- they belong to. There, a row whose marks follow a sentence that is not the end of the
--- line, or do not fit after it, gets a virtual line under it instead, one per annotation
--- end, after the last words of the text it follows:
---     ⤷ …also came under fire. sanctions-against [1 supports →]
--- Real extmarks (Neovim draws no ephemeral virtual lines), set after the screen update for
--- the rows a window shows, as the signs are; rows that fit keep their marks after the line.
--- While a side view of another layer shows the buffer, every row with marks of either
--- layer takes lines under it, each with the name of its layer (virtual lines belong to the
--- buffer: both windows show them), on every Neovim: marks inside the lines (0.10+) differ
--- between the two windows, and would wrap their lines to other rows.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local R = require('stance.modules') -- (modules required at first use, kept)
local H = { keys = {}, sigs = {}, wants = {} }

M.ns = vim.api.nvim_create_namespace('stance_under')

--- Whether this Neovim needs it (no inline virtual text).
M.enabled = vim.fn.has('nvim-0.10') == 0

--- How many words of the text before a mark its virtual line quotes, and in how many cells
--- (in a narrow window down to H.MIN_TAIL, to leave the marks after it room).
H.WORDS, H.CELLS, H.MIN_TAIL = 4, 40, 8

--- The cells `text` takes: its length when it is printable ASCII (no call into Vim script).
function H.cells(text)
  if not text:find('[^\32-\126]') then return #text end
  return vim.fn.strdisplaywidth(text)
end

function H.width(chunks)
  local w = 0
  for _, c in ipairs(chunks) do
    w = w + H.cells(c[1])
  end
  return w
end

--- How the windows that show `buf` lay its lines out: one entry per window ({width of its
--- text, wrap, strict}: strict where a wrapped row's width is not simply the window's, with
--- 'linebreak', 'breakindent' or 'showbreak'), and a key that changes with any of them.
---@param buf integer
---@return table[] geometry
---@return string key
function M.geometry(buf)
  local out, parts = {}, {}
  for _, w in ipairs(vim.fn.win_findbuf(buf)) do
    local info = vim.fn.getwininfo(w)[1]
    if info then
      local compat = R['stance.compat']
      local opt = compat.win_option
      local g = { width = info.width - (info.textoff or 0), wrap = opt(w, 'wrap'),
        strict = opt(w, 'linebreak') or opt(w, 'breakindent') or compat.global_option('showbreak') ~= '' }
      out[#out + 1] = g
      parts[#parts + 1] = ('%d%s%s'):format(g.width, g.wrap and 'w' or '', g.strict and 's' or '')
    end
  end
  return out, table.concat(parts, ',')
end

--- Whether `chunks`, drawn after a line of text `line` (a space, then the chunks), show whole
--- in every window of `geometry` (M.geometry: every window of the buffer decides alike, as
--- the virtual lines belong to the buffer). Conservative with 'linebreak' and the like: a
--- line that wraps there takes the virtual line.
---@param geometry table[]
---@param line string
---@param chunks table[] {text, group} pairs
---@return boolean
function M.fits(geometry, line, chunks)
  local dw = H.cells(line)
  local need = H.width(chunks) + 1
  for _, g in ipairs(geometry) do
    if dw + need > g.width then
      if not g.wrap or g.strict or g.width <= 0 then return false end
      local used = dw % g.width
      if used == 0 then used = g.width end
      if used + need > g.width then return false end
    end
  end
  return true
end

--- The last words of `line` before byte `col` (at most H.WORDS words and `cells` cells, by
--- default H.CELLS), with "…" in front when there is more before them.
function M.tail(line, col, cells)
  cells = cells or H.CELLS
  local start = math.max(1, col - 400) -- the last few hundred bytes are enough
  local before = line:sub(start, col):gsub('%s+$', '')
  local words = {}
  for w in before:gmatch('%S+') do
    words[#words + 1] = w
  end
  if start > 1 and #words > 1 then table.remove(words, 1) end -- perhaps a part of a word
  local from = math.max(1, #words - H.WORDS + 1)
  local text = table.concat(words, ' ', from)
  local cut = from > 1 or start > 1
  while H.cells(text) > cells and text ~= '' do
    text = vim.fn.strcharpart(text, 1)
    cut = true
  end
  return (cut and '…' or '') .. text
end

--- The layer a window shows of its buffer as a side view (its annotator), else nil.
function H.side_layer(win)
  return R['stance.editor.render'].sides[win]
end

--- Whether a window shows `buf` as another annotator's layer (a side view).
function H.side_view(buf)
  for w in pairs(R['stance.editor.render'].sides) do
    if vim.api.nvim_win_is_valid(w) and vim.api.nvim_win_get_buf(w) == buf then return true end
  end
  return false
end

--- For the rows [top, last] of window `win` planned in `rows` (stance.editor.render.plan):
--- mark the rows whose marks do not fit after them (`under`: not drawn after the line) and,
--- when that changed since the window was last drawn, place their virtual lines after
--- this screen update. While a side view shows the buffer, every row with marks takes
--- lines under it, each saying whose (`ana: …came under fire. [→ 1 supports]`): virtual
--- lines belong to the buffer, both windows show them, and both keep the same rows.
---@param win integer
---@param buf integer
---@param top integer
---@param last integer
---@param rows table
---@param version integer the session's drawing version (changes with every annotation change)
---@param name string the annotator of the window's layer
---@param text string[]|nil the rows' text, when the caller has it
---@param no_ends boolean|nil no row of `rows` has marks after it (nothing to look at)
function M.plan(win, buf, top, last, rows, version, name, text, no_ends)
  local side = H.side_view(buf)
  if no_ends and not side and not M.any(buf) then
    -- no row with marks after it, none under any row: nothing under these (what this window
    -- wants is noted as nothing, once)
    local wants = H.wants[buf] or {}
    H.wants[buf] = wants
    local w = wants[win]
    if not (w and w.name == name and next(w.want) == nil and not w.side and w.own == (H.side_layer(win) == nil)) then
      wants[win] = { name = name, own = H.side_layer(win) == nil, side = false, want = {} }
    end
    return
  end
  if not M.enabled and not side then
    -- inside the lines (Neovim 0.10+ without a side view): none under them
    for r = top, last do
      if rows[r] then rows[r].under, rows[r].under_sig = nil, nil end
    end
    if M.any(buf) then vim.schedule(function() M.clear(buf) end) end
    return
  end
  local want = {}
  local lines = text
  local ended = false
  -- the windows' layout, looked at only for a row whose marks may fit after it (what is
  -- wanted depends on it only then)
  local geometry, gkey = nil, ''
  for r = top, last do
    local list = rows[r]
    if list and list.ends and #list.ends > 0 then
      ended = true
      if not geometry then geometry, gkey = M.geometry(buf) end
      -- a row's plan kept from an earlier screen update (its text and marks are the same)
      -- keeps what was decided for it in the same windows
      local sig = gkey .. (side and ':side' or '')
      if list.under_sig ~= sig then
        lines = lines or vim.api.nvim_buf_get_lines(buf, top, last + 1, false)
        local line = lines[r - top + 1] or ''
        local under = side
        for _, e in ipairs(list.ends) do
          -- a mark after text that goes on: after the line, it would not say whose
          if not under and line:find('%S', e.col + 1) then under = true end
        end
        if not under then
          local all = {}
          for _, e in ipairs(list.ends) do
            vim.list_extend(all, e.chunks)
          end
          under = not M.fits(geometry, line, all)
        end
        list.under, list.under_sig, list.under_line = under or nil, sig, under and line or nil
      end
      if list.under then
        -- its lines are made when they are placed, after the screen update
        want[r] = { line = list.under_line, ends = list.ends }
      end
    end
  end
  -- (with a side view, the room the windows leave the lines: their widths)
  if side and not geometry then gkey = select(2, M.geometry(buf)) end
  H.wants[buf] = H.wants[buf] or {}
  H.wants[buf][win] = { name = name, own = H.side_layer(win) == nil, side = side, want = want }
  if not ended and not M.any(buf) and not side then return end -- nothing after any row: nothing to do
  local key = table.concat({ top, last, version, vim.api.nvim_buf_get_changedtick(buf), gkey, tostring(side) }, ':')
  H.keys[buf] = H.keys[buf] or {}
  if H.keys[buf][win] == key then return end
  H.keys[buf][win] = key
  vim.schedule(function() M.place(buf, top, last, H.merged(buf)) end)
end

--- The virtual lines under a row whose marks (`ends` of stance.editor.render.plan) follow
--- text of `line`, one per mark: "  ⤷ [name: ]…last words marks". A virtual line does not
--- wrap: in windows `room` cells wide, fewer last words, so that the marks show whole.
function H.lines(line, ends, side, name, room)
  local vl = {}
  for _, e in ipairs(ends) do
    local chunks = { { '  ⤷ ', 'StanceVirtText' } }
    if side then chunks[#chunks + 1] = { name .. ': ', 'StanceVirtText' } end
    local used = H.width(chunks) + H.width(e.chunks) + 1 -- (and "…")
    chunks[#chunks + 1] = { M.tail(line, e.col, math.max(H.MIN_TAIL, math.min(H.CELLS, room - used))),
      'StanceVirtText' }
    vim.list_extend(chunks, e.chunks)
    vl[#vl + 1] = chunks
  end
  return vl
end

--- The lines under each row of `buf` that its windows want: one layer's once (windows of
--- the same layer want the same), yours first, then the side views' by name.
function H.merged(buf)
  local entries = {}
  local wants = H.wants[buf] or {}
  local shown = {}
  for _, w in ipairs(vim.fn.win_findbuf(buf)) do
    shown[w] = true
  end
  for w, e in pairs(wants) do
    if shown[w] then entries[#entries + 1] = e else wants[w] = nil end
  end
  table.sort(entries, function(a, b)
    if a.own ~= b.own then return a.own end
    return a.name < b.name
  end)
  local room = math.huge
  for _, g in ipairs((M.geometry(buf))) do
    room = math.min(room, g.width)
  end
  local out, seen = {}, {}
  for _, e in ipairs(entries) do
    if not seen[e.name] then
      seen[e.name] = true
      for r, w in pairs(e.want) do
        out[r] = out[r] or {}
        vim.list_extend(out[r], H.lines(w.line, w.ends, e.side, e.name, room))
      end
    end
  end
  return out
end

function H.sig(vl)
  local parts = {}
  for _, l in ipairs(vl) do
    for _, c in ipairs(l) do
      parts[#parts + 1] = c[1] .. '\1' .. (c[2] or '')
    end
    parts[#parts + 1] = '\2'
  end
  return table.concat(parts)
end

--- Make the virtual lines of rows [top, last] of `buf` those of `want` (row -> lines): marks
--- already right stay, so that Neovim draws no other row again.
function M.place(buf, top, last, want)
  if not vim.api.nvim_buf_is_valid(buf) then return M.clear(buf) end
  local sigs = H.sigs[buf] or {}
  H.sigs[buf] = sigs
  R['stance.editor.rowmarks'].reconcile(buf, M.ns, top, last, want, sigs, H.sig,
    function(vl) return { virt_lines = vl } end)
end

--- Whether `buf` has virtual lines of ours.
function M.any(buf)
  return H.sigs[buf] ~= nil and next(H.sigs[buf]) ~= nil
end

--- Take every virtual line of `buf` away.
function M.clear(buf)
  H.sigs[buf] = nil
  H.wants[buf] = nil
  H.keys[buf] = nil
  if vim.api.nvim_buf_is_valid(buf) then vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1) end
end

return M
