--- Stance highlighting through one decoration provider: for each window about to be drawn,
--- the C interval index gives the spans of the visible lines only (nothing is stored per
--- annotation in Neovim), and each drawn line gets ephemeral extmarks: the stance's
--- background, the target's underline, a bold underline where spans overlap, and after an
--- annotation (at the end of its sentence; of its line before Neovim 0.10, or under it when
--- they do not fit there: stance.editor.under) its label and its relations' marks; the
--- layers of others show over yours or beside it (suggestions' ghosts are real marks on
--- Neovim 0.10+, before it ends planned as labels are: stance.editor.suggest). Lines with
--- annotations of your own layer get a mark in the sign column (real extmarks, only for the
--- visible lines: Neovim 0.7 draws no ephemeral signs). The document's stances are a virtual
--- line under its first line.
local M = {}
require('stance.editor.events').define() -- the autocommands that serve this module (once)
-- The editor's modules are run by LuaJIT's interpreter, never traced (jit.off for each module
-- and every function in it): they are glue around Neovim's API, and a trace stops at each
-- call into it, so that LuaJIT kept recording and compiling short traces during the first
-- uses of each key path (measured in tests/bench/editor.lua on 0.7.2: creating an
-- annotation took 600 us with the JIT, 430 us without; opening an article was no slower).
-- Modules with long loops of their own (suggest, sentences, colors256) keep the JIT.
if jit then jit.off(true, true) end
local R = require('stance.modules') -- (modules required at first use, kept)
local floor = math.floor
local H = { rows = {}, attached = false, sign_groups = {}, signs_at = {}, marked = {}, plans = {}, dirty = {} }

-- Virtual text inside a line (after a span, at the end of its sentence): Neovim 0.10+.
H.inline = vim.fn.has('nvim-0.10') == 1

M.ns = vim.api.nvim_create_namespace('stance')
M.sign_ns = vim.api.nvim_create_namespace('stance_signs')
H.primer_ns = vim.api.nvim_create_namespace('stance_inline')

--- The number of highlight group `name` (made when it does not exist), kept: the marks of a
--- screen update name their groups by number, which Neovim takes as it is, where a name is
--- copied and looked up for each mark. A group keeps its number when |:highlight| or a
--- colorscheme changes it, so that its marks follow it as they did by name.
H.hl_ids = {}
function H.hl_id(name)
  local id = H.hl_ids[name]
  if not id then
    id = vim.api.nvim_get_hl_id_by_name(name)
    H.hl_ids[name] = id
  end
  return id
end

--- The windows that show another annotator's layer of their buffer (`:Stance side`), by
--- window: the annotator (also in the window's variable w:stance_layer). Looked at on every
--- screen update: a table, not a window variable asked for (and missing) in each window.
---@type table<integer, string>
M.sides = {}

--- What drawing needs of record `slot` of `layer` ({store, name, primary, own}), cached per
--- layer and slot until it changes: its groups (the primary layer of a window in full
--- colors, a layer shown over it as an underline in its stance's color), its label, the
--- number of its spans.
local function info(s, layer, slot)
  local cache
  if layer.own then
    cache = s.cache
  else
    s.cache_other = s.cache_other or {}
    cache = s.cache_other[layer.name]
    if not cache then
      cache = {}
      s.cache_other[layer.name] = cache
    end
  end
  local key = layer.primary and slot or -1 - slot -- a layer drawn both ways keeps both
  local i = cache[key]
  if i == nil then
    -- (the fields drawn, not the record: a table of every field, its quote and context
    -- made Lua strings, cost most of the first screen of a dense page)
    local id, label_, stance, target_, role, conflict, nspans = layer.store:brief(slot)
    if not id then return nil end
    local hl = R['stance.editor.highlight']
    local span, target, sign = hl.groups_of(stance, target_, conflict)
    local label = label_ or stance or role or ''
    if layer.primary then
      i = { span = span, target = target, sign = sign, label = label, span_id = H.hl_id(span),
        target_id = target and H.hl_id(target) or nil }
    else
      -- whose and what: the label, and the target when the label does not say it
      local schema = s.corpus:schema()
      local entry = schema and label_ and schema.by.label[label_]
      local toward = target_ and not (entry and entry.target == target_) and (' → ' .. target_) or ''
      i = { span = hl.other_group(stance), label = layer.name .. ': ' .. label .. toward, label_group = sign }
      i.span_id = H.hl_id(i.span)
    end
    i.id, i.nspans = id, nspans > 0 and nspans or 1
    cache[key] = i
  end
  return i
end

--- The layers drawn in window `win`: first its primary layer (the annotator's own, or the one
--- `:Stance side` put there), then the layers shown over it.
---@return table[] { store, name, primary, own }
function M.layers_for(s, win)
  local who = M.sides[win]
  if who and s.others[who] then
    return { { store = s.others[who].store, name = who, primary = true, own = false } }
  end
  local list = { { store = s.store, name = s.annotator, primary = true, own = true } }
  if next(s.others) == nil then return list end
  local names = vim.tbl_keys(s.others)
  table.sort(names)
  for _, name in ipairs(names) do
    if s.others[name].shown then
      list[#list + 1] = { store = s.others[name].store, name = name, primary = false, own = false }
    end
  end
  return list
end

--- The window's primary layer: { store, name, own }.
function M.layer_of(s, win)
  return M.layers_for(s, win or vim.api.nvim_get_current_win())[1]
end

--- Place bytes [a, b) on the visible rows of grid `g` ({top, bot, starts, rows, row_of}):
--- one mark {start_col, end_col, info} on each row it covers (`cue` marks take no part in
--- the overlaps). Returns its first and last rows.
--- The most marks of annotations drawn on one row (a line of the buffer; and virtual texts
--- after spans): a layer of thousands of annotations over one place (a hostile file:
--- adversary15 #10) is drawn with the first ones, and a redraw stays bounded. Far above what
--- people make: a paragraph on one line of the study (up to 1,468 characters) holds ~10
--- sentences x 4 targets x the layers shown (64 cut such lines short: review15b).
M.MAX_PER_ROW = 512

function M.place(g, a, b, it, cue)
  -- (run for every span drawn: locals, no math.* looked up)
  local row_of, starts, rows, max = g.row_of, g.starts, g.rows, M.MAX_PER_ROW
  local sr = row_of(a)
  local er = b - 1 > a and row_of(b - 1) or sr
  local first, last = g.top, g.bot
  if sr > first then first = sr end
  if er < last then last = er end
  for r = first, last do
    local at = starts[r]
    local row_len = starts[r + 1] - at - 1
    local c1 = r == sr and a - at or 0
    local c2 = r == er and b - at or row_len
    if c2 > row_len then c2 = row_len end
    local m
    if cue then m = { c1, c2, it, cue = true } else m = { c1, c2, it } end
    local list = rows[r]
    if not list then
      rows[r] = { m }
    elseif cue or #list < max then
      list[#list + 1] = m
      if #list == max and not cue then g.full = (g.full or 0) + 1 end
    end
  end
  return sr, er
end

--- Virtual text `chunks` ({text, group} pairs) right after byte `b` (the end of a span, a
--- sentence), when it is on a visible row: inline there on Neovim 0.10+, at the end of the
--- row before. With `ghost` (a place of suggestions' ghosts, stance.editor.suggest: a real
--- mark of its own, not drawn here), it is only fitted with the row's marks (`ghosts`).
function M.place_end(g, b, chunks, ghost)
  local r = g.row_of(math.max(b - 1, g.starts[g.top]))
  if r < g.top or r > g.bot then return end
  g.rows[r] = g.rows[r] or {}
  local list = g.rows[r]
  local col = math.min(b - g.starts[r], g.starts[r + 1] - g.starts[r] - 1)
  if ghost then
    list.ghosts = list.ghosts or {}
    list.ghosts[#list.ghosts + 1] = { col = col, chunks = chunks, ghost = ghost }
    return
  end
  g.ends = true
  list.ends = list.ends or {}
  if #list.ends >= M.MAX_PER_ROW then return end
  list.ends[#list.ends + 1] = { col = col, chunks = chunks }
end

--- The marks inside row plan `list` that take room in its screen rows: its ends, then the
--- ghosts' places (nil when none).
function H.all_ends(list)
  if not list then return nil end
  if not list.ghosts then return list.ends end
  if not list.ends then return list.ghosts end
  local all = {}
  vim.list_extend(all, list.ends)
  return vim.list_extend(all, list.ghosts)
end

--- The most relation marks drawn at one place (after the annotations ending at one byte of
--- one layer): the rest are counted in one "+N more" mark there (:Stance list relations
--- lists them all). A claim that hundreds of premises support would else pile up hundreds
--- of marks after it, over as many screen rows.
M.MAX_RELATION_MARKS = 16

--- Add relation marks `marks` ({text, group} chunks) of an annotation ending at byte `stop`
--- to `chunks`, counting those of the place already drawn (`at_end`, per byte: { n, more }):
--- past M.MAX_RELATION_MARKS, one "+N more" chunk of the place counts them.
function H.relation_chunks(at_end, stop, marks, chunks)
  local place = at_end[stop]
  if not place then
    place = { n = 0 }
    at_end[stop] = place
  end
  for _, m in ipairs(marks) do
    if place.n < M.MAX_RELATION_MARKS then
      place.n = place.n + 1
      chunks[#chunks + 1] = m
    else
      place.hidden = (place.hidden or 0) + 1
      if not place.more then
        place.more = { '', 'StanceRelation' }
        chunks[#chunks + 1] = place.more
      end
      place.more[1] = (' [+%d more]'):format(place.hidden)
    end
  end
end

--- Whether the span ending at `stop` is the last span of the annotation of `layer` at `slot`
--- (asked each time: spans move with the text, and `it` is kept across edits).
function H.last_span(layer, slot, it, stop)
  if it.nspans <= 1 then return true end
  return select(8, layer.store:brief(slot)) == stop
end

--- Per visible row (0-based, top to bot): the marks to set when Neovim draws it
--- ({start_col, end_col, info}, plus `over`: overlap segments, `ends`: virtual texts after
--- spans), and per row the sign group of the annotated rows of the annotator's own layer.
--- Returns rows, signed, the last row, the window's layers, the rows' text, the key of the
--- layout the rows' marks were fitted to (H.fit_ends) and whether any row has `ends`.
function M.plan(s, win, buf, top, bot)
  local lines = vim.api.nvim_buf_line_count(buf)
  if bot >= lines then bot = lines - 1 end
  -- where each row starts: one offset and the rows' lengths (two calls, not one per row)
  local text = vim.api.nvim_buf_get_lines(buf, top, bot + 1, false)
  local starts = {}
  local at = R['stance.editor.where'].offset(buf, top, 0) -- (kept until the text changes)
  for r = top, bot do
    starts[r] = at
    at = at + #text[r - top + 1] + 1
  end
  starts[bot + 1] = at
  local a, b = starts[top], starts[bot + 1]
  local rows = {}
  local cfg = R['stance.config'].get().highlight
  local function row_of(off)
    local lo, hi = top, bot + 1
    if off < starts[top] then return top - 1 end
    while hi - lo > 1 do
      local mid = floor((lo + hi) / 2)
      if starts[mid] <= off then lo = mid else hi = mid end
    end
    return lo
  end
  local g = { top = top, bot = bot, starts = starts, rows = rows, row_of = row_of, text = text }
  local signed = {}
  local layers = M.layers_for(s, win)
  for _, layer in ipairs(layers) do
    local n, slots, ss, es = layer.store:spans(a, b)
    local at_end = {} -- relation marks per place (the end byte of the spans they follow)
    local rel = cfg.relations and R['stance.editor.relations'].marks(s, layer) or {}
    for i = 1, n do
      -- every visible row has its most marks: the rest of the spans would draw nothing
      if g.full and g.full > bot - top then break end
      local it = info(s, layer, slots[i])
      if it then
        local sr, er = M.place(g, ss[i], es[i], it)
        if layer.own then
          for r = sr > top and sr or top, er < bot and er or bot do
            if not signed[r] then signed[r] = it.sign end
          end
        end
        local marks = rel[it.id]
        local labelled = not layer.primary or cfg.virt_text
        if (labelled or marks) and H.last_span(layer, slots[i], it, es[i]) then
          local chunks = {}
          if labelled then chunks[1] = { ' ' .. it.label, it.label_group or 'StanceVirtText' } end
          if marks then H.relation_chunks(at_end, es[i], marks, chunks) end
          M.place_end(g, es[i], chunks)
        end
      end
    end
  end
  if cfg.overlap then
    for _, list in pairs(rows) do
      if #list > 1 then H.overlaps(list) end
    end
  end
  if M.cues_shown() then H.cues(s, g) end
  if s.suggestions and #s.suggestions > 0 then
    R['stance.editor.suggest'].plan(s, g, layers[1].own)
  end
  local fit = H.inline and H.fit_ends(win, g) or nil
  if H.inline and s.ghost_places then H.refit_ghosts(s, win, buf, g) end
  return rows, signed, bot, layers, text, fit, g.ends or false
end

--- The ghosts' places on the rows of grid `g` as fitted (H.fit_ends) in window `win`, set on
--- their real marks after this screen update (stance.editor.suggest.refit) where they differ
--- from what is drawn. The marks belong to the buffer: they are fitted to one window, the
--- current one when it shows the buffer, else the first that does (never two windows in
--- turn, each undoing the other's fit).
function H.refit_ghosts(s, win, buf, g)
  local cur = vim.api.nvim_get_current_win()
  local want = vim.api.nvim_win_get_buf(cur) == buf and cur or vim.fn.win_findbuf(buf)[1]
  if win ~= want then return end
  local fits
  local sig = R['stance.editor.suggest'].sig
  for _, list in pairs(g.rows) do
    for _, e in ipairs(list.ghosts or H.none) do
      local p, shown = e.ghost, e.shown or e.chunks
      if sig(shown) ~= sig(p.shown or p.chunks) then
        fits = fits or {}
        fits[#fits + 1] = { p, shown }
      end
    end
  end
  if fits then vim.schedule(function() R['stance.editor.suggest'].refit(s, fits) end) end
end

--- Marks inside wrapped rows kept whole (stance.editor.wrapfit): the chunks each row's marks
--- are drawn with in window `win` (`shown` of each end). Returns the key of the window's
--- layout they were fitted to (nil when no row has marks).
function H.fit_ends(win, g)
  local geometry, key
  for r, list in pairs(g.rows) do
    if list.ends or list.ghosts then
      if not key then
        geometry, key = R['stance.editor.wrapfit'].geometry(win)
        if not geometry then return key end
      end
      R['stance.editor.wrapfit'].fit(geometry, g.text[r - g.top + 1] or '', H.all_ends(list))
    end
  end
  return key
end

--- Whether stance cues are drawn (`:Stance cues` toggles; highlight.cues sets the default).
function M.cues_shown()
  if H.cues_on == nil then H.cues_on = R['stance.config'].get().highlight.cues end
  return H.cues_on
end

--- Show or hide stance cues; returns whether they are shown.
function M.toggle_cues()
  H.cues_on = not M.cues_shown()
  for buf in pairs(R['stance.editor.session'].by_buf) do
    M.redraw(buf)
  end
  return H.cues_on
end

--- The cue lexicon of the session's corpus, compiled once.
function H.lexicon(s)
  local c = s.corpus
  if not c._lexicon then
    c._lexicon = R['stance.lexicon'].load(c.root)
    local names = {}
    for i, cat in ipairs(c._lexicon.categories or {}) do
      names[i] = cat.name
    end
    R['stance.editor.highlight'].names(names, 'cue') -- (its groups named apart: highlight.name_part)
  end
  return c._lexicon
end

--- Cues of the visible lines, matched now in C (a screen of text takes microseconds).
function H.cues(s, g)
  local lex = H.lexicon(s)
  local text = table.concat(g.text, '\n')
  local n, ss, es, cs = lex.matcher:match(text)
  local base = g.starts[g.top]
  for i = 1, n do
    local a, b = base + ss[i], base + es[i]
    local group = R['stance.editor.highlight'].cue_group(lex.categories[cs[i]].name)
    if vim.fn.hlexists(group) == 0 then pcall(vim.api.nvim_set_hl, 0, group, { link = 'StanceCue', default = true }) end
    M.place(g, a, b, { span = group }, true)
  end
end

--- Where two or more spans of a row overlap: extra segments drawn bold and underlined.
function H.overlaps(list)
  -- in one pass when the spans come by start (those of one layer: most rows): where a span
  -- meets the spans before it (all started before it) is from its start to its end or the
  -- furthest end before it, whichever is first; these segments come by start too, and are
  -- merged as they come. Cues and ends take no part. No table is made but the segments'.
  list.over = nil
  local over, from, to, reach, last_start = nil, nil, nil, -1, -1
  for i = 1, #list do
    local m = list[i]
    local a, b = m[1], m[2]
    if b > a and not m.cue then
      if a < last_start then return H.overlaps_sorted(list) end -- (another layer's after)
      last_start = a
      local e = b < reach and b or reach
      if e > a then
        if from and a <= to then
          if e > to then to = e end
        else
          if from then
            over = over or {}
            over[#over + 1] = { from, to }
          end
          from, to = a, e
        end
      end
      if b > reach then reach = b end
    end
  end
  if from then
    if over then over[#over + 1] = { from, to } else over = { { from, to } } end
  end
  list.over = over
end

--- H.overlaps of spans in any order: the starts and the ends apart, each sorted as numbers
--- (no comparison function called), then walked together.
function H.overlaps_sorted(list)
  local starts, ends = {}, {}
  for _, m in ipairs(list) do
    if m[2] > m[1] and not m.cue then
      starts[#starts + 1] = m[1]
      ends[#ends + 1] = m[2]
    end
  end
  table.sort(starts)
  table.sort(ends)
  local over = {}
  local i, j, k, depth, from = 1, 1, #starts, 0, nil
  while j <= k do
    local pos
    local before = depth
    if i <= k and starts[i] <= ends[j] then
      pos, i, depth = starts[i], i + 1, depth + 1
    else
      pos, j, depth = ends[j], j + 1, depth - 1
    end
    if before < 2 and depth >= 2 then
      from = pos
    elseif before >= 2 and depth < 2 and from then
      if pos > from then over[#over + 1] = { from, pos } end
      from = nil
    end
  end
  list.over = #over > 0 and over or nil
end

--- What a window's plan depends on besides the annotations' own changes (which M.redraw
--- notes by rows): the rows shown, the text, the layers drawn there, what is drawn of them.
--- A list of values (objects by identity: the plan that keeps the list keeps them), compared
--- one by one at each screen update (H.same_key): no string made for it each time.
function H.plan_key(s, win, buf, top, bot)
  local key = { buf, top, bot, vim.api.nvim_buf_get_changedtick(buf), s.meta_version or 0,
    M.cues_shown(), R['stance.config'].get().highlight, s.suggestions or false,
    s.suggestions and #s.suggestions or 0 }
  if M.sides[win] == nil and next(s.others) == nil then -- (the annotator's layer alone)
    key[10], key[11], key[12] = s.annotator, s.store, true
    return key
  end
  for _, layer in ipairs(M.layers_for(s, win)) do
    key[#key + 1] = layer.name
    key[#key + 1] = layer.store
    key[#key + 1] = layer.primary
  end
  return key
end

--- Whether plan keys `a` and `b` (H.plan_key) are the same.
function H.same_key(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

--- The plan of window `win` (M.plan): the one made for its last screen update when nothing it
--- depends on changed since, with the rows that M.redraw noted since planned again alone
--- (creating an annotation plans its rows, not the window's); else made afresh.
function H.plan_window(s, win, buf, top, bot)
  local key = H.plan_key(s, win, buf, top, bot)
  local p, dirty = H.plans[win], H.dirty[win]
  H.dirty[win] = nil
  -- marks inside wrapped rows were fitted to the window's width and columns (H.fit_ends)
  local fit_changed = p and p.fit and select(2, R['stance.editor.wrapfit'].geometry(win)) ~= p.fit
  if p and p.fit then H.check_fit(win, buf) end
  if not (p and dirty ~= true and H.same_key(p.key, key)) or fit_changed then
    local rows, signed, last, layers, text, fit, ends = M.plan(s, win, buf, top, bot)
    if not p then H.forget_closed() end
    H.plans[win] = { key = key, rows = rows, signed = signed, last = last, layers = layers, text = text, fit = fit,
      ends = ends, height = vim.api.nvim_win_get_height(win) }
    if fit then H.check_fit(win, buf) end
    return rows, signed, last, layers, text, ends, true
  end
  local planned = false
  for _, g in ipairs(dirty or H.none) do
    local lo, hi = math.max(g[1], top), math.min(g[2] - 1, p.last)
    if lo <= hi then
      local rows, signed, _, _, _, fit, ends = M.plan(s, win, buf, lo, hi)
      for r = lo, hi do
        p.rows[r], p.signed[r] = rows[r], signed[r]
      end
      p.fit, p.ends = p.fit or fit, p.ends or ends
      planned = true
    end
  end
  -- (`ends`: whether a row may have marks after it; once true, until the window is planned again)
  return p.rows, p.signed, p.last, p.layers, p.text, p.ends, planned
end

--- After this screen update, whether the marks inside the rows of `win` were fitted to its
--- layout as it is: while Neovim draws a window, the columns before its text can be those
--- of the screen before (a sign column that has just come), so that they are looked at
--- again once it is drawn, and the window drawn again when they differ.
function H.check_fit(win, buf)
  H.fit_checks = H.fit_checks or {}
  if H.fit_checks[win] then return end
  H.fit_checks[win] = true
  vim.schedule(function()
    H.fit_checks[win] = nil
    local p = H.plans[win]
    if not (p and p.fit and vim.api.nvim_win_is_valid(win)) then return end
    if select(2, R['stance.editor.wrapfit'].geometry(win)) == p.fit then return end
    H.dirty[win] = true
    local top, bot = H.visible(win)
    R['stance.compat'].redraw_rows(buf, top, bot + 1, false)
  end)
end

--- Forget the plans of windows that are closed (looked at when a window gets its first).
function H.forget_closed()
  for w in pairs(H.plans) do
    if not vim.api.nvim_win_is_valid(w) then H.plans[w], H.dirty[w], H.rows[w] = nil, nil, nil end
  end
end

--- The windows that show `buf` (in every tab page): asked of the API, where
--- vim.fn.win_findbuf() goes through Vim script's values.
function H.wins(buf)
  local out = {}
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(w) == buf then out[#out + 1] = w end
  end
  return out
end

--- Rows of `buf` to plan again at the next screen update of each of its windows: {first,
--- last} (end exclusive) groups, or every row (nil).
function H.note_dirty(buf, groups)
  for _, win in ipairs(H.wins(buf)) do
    local d = H.dirty[win]
    if groups == nil or d == true then
      H.dirty[win] = true
    else
      d = d or {}
      for _, g in ipairs(groups) do
        d[#d + 1] = { g[1], g[2] }
      end
      H.dirty[win] = d
    end
  end
end

local function on_win(_, win, buf, top, bot)
  H.marked[buf] = nil -- what M.redraw marked is being drawn
  local s = R['stance.editor.session'].by_buf[buf]
  local under = R['stance.editor.under']
  if not s or s.hidden then
    H.rows[win], H.plans[win], H.dirty[win] = nil, nil, nil
    if under.any(buf) then vim.schedule(function() under.clear(buf) end) end
    return false
  end
  local rows, signed, last, layers, text, ends, planned = H.plan_window(s, win, buf, top, bot)
  H.rows[win] = rows
  if next(M.sides) then R['stance.editor.layers'].check(win, top + 1, math.max(last, bot) + 1) end
  under.plan(win, buf, top, last, rows, s.version or 0, layers[1].name, text, not ends)
  -- the signs of the rows planned now, placed after this screen update (the rows M.redraw
  -- planned for their signs have them already: a plan kept whole needs none)
  if planned and layers[1].own and R['stance.config'].get().highlight.signs then
    vim.schedule(function() M.place_signs(buf, top, last, signed) end)
  end
end

-- The options of the marks on_line sets, made once and filled in for each (Neovim copies
-- them): a screen update sets thousands on a page of a dense document. Without end_row (the
-- mark ends on its own row): Neovim then reads no line to check the end column against (it
-- has the row's length from the start column's check), and converts one key less.
H.span_mark = { end_col = 0, hl_group = '', ephemeral = true, priority = 150 }
H.target_mark = { end_col = 0, hl_group = '', ephemeral = true, priority = 151 }
H.over_mark = { end_col = 0, hl_group = 0, ephemeral = true, priority = 152 }
H.inline_mark = { virt_text = false, virt_text_pos = 'inline', ephemeral = true, priority = 153 }
H.none = {}

local function on_line(_, win, buf, row)
  local rows = H.rows[win]
  local list = rows and rows[row]
  if not list then return end
  local set, ns = vim.api.nvim_buf_set_extmark, M.ns
  local span, target = H.span_mark, H.target_mark
  for _, m in ipairs(list) do
    local it = m[3]
    if m[2] > m[1] then
      span.end_col, span.hl_group = m[2], it.span_id or it.span
      set(buf, ns, row, m[1], span)
      if it.target then
        target.end_col, target.hl_group = m[2], it.target_id or it.target
        set(buf, ns, row, m[1], target)
      end
    end
  end
  local over = H.over_mark
  if list.over and over.hl_group == 0 then over.hl_group = H.hl_id('StanceOverlap') end
  for _, o in ipairs(list.over or H.none) do
    over.end_col = o[2]
    set(buf, ns, row, o[1], over)
  end
  local eol
  for _, e in ipairs(list.ends or H.none) do
    if H.inline and not list.under then -- (under: stance.editor.under draws them under the row)
      H.inline_mark.virt_text = e.shown or e.chunks
      set(buf, ns, row, e.col, H.inline_mark)
    else
      eol = eol or {}
      vim.list_extend(eol, e.chunks)
    end
  end
  H.inline_mark.virt_text = false
  if eol and #eol > 0 and not list.under then -- else under the row (stance.editor.under)
    eol[1] = { ' ' .. eol[1][1], eol[1][2] }
    set(buf, ns, row, 0, { virt_text = eol, virt_text_pos = 'eol', ephemeral = true })
  end
end

--- Sign-column marks for the annotated rows of [top, bot] (only those: cheap on any size).
--- Marks already right stay; only rows whose mark changes are touched, so that Neovim draws
--- no other row again. With `only` ({first, last}, end exclusive), rows outside it are left.
function M.place_signs(buf, top, bot, signed, only)
  if not vim.api.nvim_buf_is_valid(buf) then return end
  local groups = H.sign_groups[buf] or {}
  H.sign_groups[buf] = groups
  local lo, hi = only and only[1] or 0, only and only[2] - 1 or math.huge
  local first, last = math.max(top, lo), math.min(bot, hi)
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local known = H.signs_at[buf]
  if known and known.tick ~= tick then known = nil end
  if only and known then
    -- each row's sign as placed since the text last changed (the rows have not moved): none
    -- to change (an annotation made where one of the same stance starts the row)
    local same = true
    for r = first, last do
      local k = known.rows[r]
      if k == nil then k = known.rest end
      if k == nil or k ~= (signed[r] or false) then
        same = false
        break
      end
    end
    if same then return end
  end
  local want = {}
  for r = first, last do
    want[r] = signed[r]
  end
  local text = R['stance.config'].get().highlight.sign_text
  R['stance.editor.rowmarks'].reconcile(buf, M.sign_ns, lo, hi, want, groups, function(v) return v end,
    function(v) return { sign_text = text, sign_hl_group = v } end)
  -- what the rows show now: those of the range, and without `only` none elsewhere
  if not only or not known or known.n > H.MAX_KNOWN_SIGNS then
    known = { tick = tick, rows = {}, n = 0, rest = not only and false or nil }
    H.signs_at[buf] = known
  end
  for r = only and lo or first, only and hi or last do
    if known.rows[r] == nil then known.n = known.n + 1 end
    known.rows[r] = r >= first and r <= last and signed[r] or false
  end
end

--- Rows whose signs are remembered (H.signs_at) at most, per buffer.
H.MAX_KNOWN_SIGNS = 4096

--- Start drawing `s` (the provider is set once for all buffers).
---@param s stance.Session
function M.attach(s)
  H.signs_at[s.buf] = nil -- (a buffer of the same number may have had other signs)
  H.defined = H.defined or {}
  if not H.defined[s.corpus.root] then
    H.defined[s.corpus.root] = true
    R['stance.editor.highlight'].define(s.corpus:schema())
  end
  if not H.attached then
    H.attached = true
    vim.api.nvim_set_decoration_provider(M.ns, { on_win = on_win, on_line = on_line })
  end
  if H.inline then
    -- Neovim draws ephemeral inline virtual text only in buffers that hold a lasting inline
    -- mark (neovim#24797): one, empty, at the start
    pcall(vim.api.nvim_buf_set_extmark, s.buf, H.primer_ns, 0, 0, { id = 1, virt_text = { { '' } },
      virt_text_pos = 'inline' })
  end
  R['stance.editor.docstance'].draw(s)
end

--- The first and last rows (0-based) window `win` shows.
function H.visible(win)
  return vim.fn.line('w0', win) - 1, vim.fn.line('w$', win) - 1
end

--- The first and last rows (0-based) window `win` of `buf` shows, or a row more: those of its
--- last screen update while it starts at the same row, with the same text and height (its
--- last row is then the same); else asked (H.visible). Asking for the last row makes Neovim
--- work out the height of every row shown when it does not know it (after the cursor moved
--- in a window that wraps: ~100k instructions on 0.10+ in a dense document), where the first
--- is known.
function H.shown(win, buf)
  local p = H.plans[win]
  local k = p and p.key
  local api = vim.api
  if k and k[1] == buf and k[4] == api.nvim_buf_get_changedtick(buf) and p.height == api.nvim_win_get_height(win)
    and k[2] == vim.fn.line('w0', win) - 1 then
    return k[2], k[3]
  end
  return H.visible(win)
end

--- The byte ranges of the spans of `store` on the rows that the windows of `buf` show.
---@param buf integer
---@param store stance.Store
---@return integer[][]
function M.visible_spans(buf, store)
  local out = {}
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local top, bot = H.visible(win)
    local n, _, ss, es = store:spans(vim.api.nvim_buf_get_offset(buf, top), vim.api.nvim_buf_get_offset(buf, bot + 1))
    for i = 1, n do
      out[#out + 1] = { ss[i], es[i] }
    end
  end
  return out
end

--- The byte ranges where stores `old` and `new` (the same layer before and after it was read
--- again or merged) draw differently, on the rows that the windows of `buf` show: the spans
--- of every annotation that is in one only, or whose spans or drawn fields differ.
---@param buf integer
---@param old stance.Store
---@param new stance.Store
---@return integer[][]
function M.store_diff(buf, old, new)
  local function visible(store)
    local by = {}
    for _, win in ipairs(vim.fn.win_findbuf(buf)) do
      local top, bot = H.visible(win)
      local n, slots, ss, es = store:spans(vim.api.nvim_buf_get_offset(buf, top),
        vim.api.nvim_buf_get_offset(buf, bot + 1))
      for i = 1, n do
        local rec = store:at(slots[i])
        if rec then
          local e = by[rec.id]
          if not e then
            e = { sig = table.concat({ rec.label or '', rec.stance or '', rec.target or '', rec.role or '',
              tostring(rec.conflict or '') }, '\0'), spans = {} }
            by[rec.id] = e
          end
          e.spans[ss[i] .. ':' .. es[i]] = { ss[i], es[i] }
        end
      end
    end
    return by
  end
  local a, b = visible(old), visible(new)
  local out = {}
  local function same(x, y)
    if not x or not y or x.sig ~= y.sig then return false end
    for k in pairs(x.spans) do
      if not y.spans[k] then return false end
    end
    for k in pairs(y.spans) do
      if not x.spans[k] then return false end
    end
    return true
  end
  for _, pair in ipairs({ { a, b }, { b, a } }) do
    for id, e in pairs(pair[1]) do
      if not same(e, pair[2][id]) then
        for _, sp in pairs(e.spans) do
          out[#out + 1] = sp
        end
      end
    end
  end
  return out
end

--- Groups of rows apart drawn one after the other; with more, the rows from the first group
--- to the last are drawn together.
H.MAX_GROUPS = 8

--- Draw again what changed in `buf`: the rows of `ranges` ({a, b} in buffer bytes), else
--- those the session noted (Session:damage), else the rows its windows show. Only those
--- rows, with their sign-column marks (no full redraw, nothing cleared). Neovim draws one
--- range of rows of a window per screen update: the rows are marked for its next update,
--- and rows apart from those already marked (by this change or an earlier one not drawn
--- yet) are drawn first by an update of their own.
---@param buf integer
---@param ranges integer[][]|nil
function M.redraw(buf, ranges)
  local s = R['stance.editor.session'].by_buf[buf]
  if s then
    s.version = (s.version or 0) + 1
    ranges = ranges or s.damaged
    s.damaged = nil
    R['stance.editor.docstance'].draw(s)
  end
  if not vim.api.nvim_buf_is_valid(buf) then return end
  local rows = {}
  if not ranges then H.note_dirty(buf, nil) end
  if not ranges then
    for _, win in ipairs(vim.fn.win_findbuf(buf)) do
      local top, bot = H.visible(win)
      rows[#rows + 1] = { top, bot + 1 }
    end
  else
    local where = R['stance.editor.where']
    local total = R['stance.editor.where'].size(buf)
    for _, r in ipairs(ranges) do
      local a = math.max(0, math.min(r[1], total))
      local b = math.max(a, math.min(r[2], total))
      rows[#rows + 1] = { (where.pos(buf, a)), (where.pos(buf, math.max(a, b - 1))) + 1 }
    end
  end
  if #rows == 0 then return end
  local groups = H.merged(rows)
  H.planned = nil
  if ranges and s then groups = H.merged(H.with_moved(s, buf, groups)) end
  local mode = vim.api.nvim_get_mode()
  -- no screen update of ours while Neovim waits for a key (a prompt, "Press ENTER"): the
  -- rows from the first to the last are marked, and drawn after it
  local now_ok = not mode.blocking and not mode.mode:find('^r')
  if #groups > H.MAX_GROUPS or not now_ok then
    groups = { { groups[1][1], groups[#groups][2] } }
  end
  if ranges then H.note_dirty(buf, groups) end
  local compat = R['stance.compat']
  local signs = H.signs_now(buf)
  local marked = H.marked[buf]
  for _, g in ipairs(groups) do
    if marked and now_ok and (g[1] > marked[2] or g[2] < marked[1]) then
      compat.redraw_rows(buf, marked[1], marked[2], true)
      marked = nil
    end
    if signs then
      -- the signs of this group's rows only, planned for those rows alone (a span's sign does
      -- not depend on the rows around it)
      local lo, hi = math.max(signs[2], g[1]), math.min(signs[3], g[2] - 1)
      if lo <= hi then
        local p = H.planned
        local plan = p and p.win == signs[1] and p.lo == lo and p.hi == hi and p.plan
          or { M.plan(signs[4], signs[1], buf, lo, hi) }
        local planned, signed, last, fit, ends = plan[1], plan[2], plan[3], plan[6], plan[7]
        M.place_signs(buf, lo, last, signed, g)
        H.adopt(signs[1], g, lo, last, planned, signed, fit, ends)
      end
    end
    compat.redraw_rows(buf, g[1], g[2], false)
    H.planned = nil
    marked = marked and { math.min(marked[1], g[1]), math.max(marked[2], g[2]) } or { g[1], g[2] }
  end
  H.marked[buf] = marked
end

--- Row ranges { first, last + 1 }, sorted and merged where they touch or overlap.
function H.merged(rows)
  if #rows == 1 then return { { rows[1][1], rows[1][2] } } end
  table.sort(rows, function(x, y) return x[1] < y[1] end)
  local groups = {}
  for _, r in ipairs(rows) do
    local g = groups[#groups]
    if g and r[1] <= g[2] then
      g[2] = math.max(g[2], r[2])
    else
      groups[#groups + 1] = { r[1], r[2] }
    end
  end
  return groups
end

--- The row ranges `groups` of buffer `buf` to draw again, with the rows below a line whose
--- marks now take it over another number of screen rows in a window that wraps it (Neovim
--- 0.10+, marks inside the lines): Neovim moves the rows below a line by the size it knows,
--- without the marks made as it draws, so that those rows are drawn again too (else a row
--- is lost or shown twice until the next full redraw: a relation made on a wrapped line).
function H.with_moved(s, buf, groups)
  if not H.inline then return groups end -- (Neovim 0.10+)
  local wrapfit = R['stance.editor.wrapfit']
  local out = groups
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local p = H.plans[win]
    if p then
      local top, bot = H.shown(win, buf)
      local moved
      -- the window's layout, worked out only for a row with marks inside it (getwininfo()
      -- makes a dictionary of everything about the window); nil: it does not wrap
      local g, wraps = nil, true
      for _, grp in ipairs(groups) do
        local lo, hi = math.max(grp[1], top), math.min(grp[2] - 1, bot, p.last)
        if lo <= hi and not moved and wraps then
          local plan = { M.plan(s, win, buf, lo, hi) }
          -- (the same rows of the same window are planned next for their signs: this plan is
          -- taken then, see M.redraw)
          H.planned = { win = win, lo = lo, hi = hi, plan = plan }
          local rows, text = plan[1], plan[5]
          for r = lo, hi do
            local old, new, line = p.rows[r], rows[r], text[r - lo + 1] or ''
            local old_ends = old and not old.under and H.all_ends(old) or nil
            local new_ends = new and not new.under and H.all_ends(new) or nil
            -- (no marks inside the row before or after: the same height, not worked out)
            if old_ends or new_ends then
              g = g or wrapfit.geometry(win)
              wraps = g ~= nil
              if not wraps then break end
              if wrapfit.height(g, line, old_ends) ~= wrapfit.height(g, line, new_ends) then
                moved = r
                break
              end
            end
          end
        end
      end
      if moved then
        if out == groups then out = vim.list_extend({}, groups) end
        out[#out + 1] = { moved, bot + 1 }
      end
    end
  end
  return out
end

--- The rows `lo`..`hi` of group `g` (noted to be planned again in window `win`), just planned
--- for their signs: put in the window's plan, so that its next screen update does not plan
--- them a second time. (Its plan is used only while what it was made for holds: when the
--- window has scrolled, or anything else of its key changed, it is made afresh.)
function H.adopt(win, g, lo, hi, rows, signed, fit, ends)
  local p, d = H.plans[win], H.dirty[win]
  if not p or type(d) ~= 'table' then return end
  for i = #d, 1, -1 do
    if d[i][1] == g[1] and d[i][2] == g[2] then
      table.remove(d, i)
      for r = lo, math.min(hi, p.last) do
        p.rows[r], p.signed[r] = rows[r], signed[r]
      end
      p.fit, p.ends = p.fit or fit, p.ends or ends
      return
    end
  end
end

--- The window whose rows get their signs now (the current window, else the first window of
--- `buf`) and the rows it shows: { win, top, bot, session }, or nil when there is none.
function H.signs_now(buf)
  local s = R['stance.editor.session'].by_buf[buf]
  if not s or s.hidden or not R['stance.config'].get().highlight.signs then return nil end
  local win = vim.api.nvim_get_current_win()
  if vim.api.nvim_win_get_buf(win) ~= buf then win = vim.fn.win_findbuf(buf)[1] end
  if not win then return nil end
  local top, bot = H.shown(win, buf)
  return { win, top, bot, s }
end

--- Define the highlight groups again (after :colorscheme).
function M.colors()
  local session = R['stance.editor.session']
  for _, s in pairs(session.by_buf) do
    R['stance.editor.highlight'].define(s.corpus:schema())
    s:forget()
  end
end

return M
