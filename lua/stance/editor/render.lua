--- Stance highlighting through one decoration provider: for each window about to be drawn,
--- the C interval index gives the spans of the visible lines only (nothing is stored per
--- annotation in Neovim), and each drawn line gets ephemeral extmarks: the stance's
--- background, the target's underline, a bold underline where spans overlap, and after an
--- annotation (at the end of its sentence; of its line before Neovim 0.10) its label and its
--- relations' marks; the layers of others show over yours or beside it (suggestions' ghosts
--- are real marks: stance.editor.suggest). Lines with annotations of your own layer get a
--- mark in the sign column (real extmarks, only for the visible lines: Neovim 0.7 draws no
--- ephemeral signs). The document's stances are a virtual line under its first line.
local M = {}
local H = { rows = {}, attached = false }

-- Virtual text inside a line (after a span, at the end of its sentence): Neovim 0.10+.
H.inline = vim.fn.has('nvim-0.10') == 1

M.ns = vim.api.nvim_create_namespace('stance')
M.sign_ns = vim.api.nvim_create_namespace('stance_signs')

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
    local rec = layer.store:at(slot)
    if not rec then return nil end
    local hl = require('stance.editor.highlight')
    local span, target, sign = hl.for_record(rec)
    local label = rec.label or rec.stance or rec.role or ''
    if layer.primary then
      i = { span = span, target = target, sign = sign, label = label }
    else
      -- whose and what: the label, and the target when the label does not say it
      local schema = s.corpus:schema()
      local entry = schema and rec.label and schema.by.label[rec.label]
      local toward = rec.target and not (entry and entry.target == rec.target) and (' → ' .. rec.target) or ''
      i = { span = hl.other_group(rec.stance), label = layer.name .. ': ' .. label .. toward, label_group = sign }
    end
    i.id, i.nspans = rec.id, rec.spans and #rec.spans or 1
    cache[key] = i
  end
  return i
end

--- The layers drawn in window `win`: first its primary layer (the annotator's own, or the one
--- `:Stance side` put there), then the layers shown over it.
---@return table[] { store, name, primary, own }
function M.layers_for(s, win)
  local ok, who = pcall(vim.api.nvim_win_get_var, win, 'stance_layer')
  if ok and who and s.others[who] then
    return { { store = s.others[who].store, name = who, primary = true, own = false } }
  end
  local list = { { store = s.store, name = s.annotator, primary = true, own = true } }
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
function M.place(g, a, b, it, cue)
  local sr, er = g.row_of(a), g.row_of(math.max(a, b - 1))
  for r = math.max(sr, g.top), math.min(er, g.bot) do
    local row_len = g.starts[r + 1] - g.starts[r] - 1
    local c1 = r == sr and a - g.starts[r] or 0
    local c2 = math.min(r == er and b - g.starts[r] or row_len, row_len)
    g.rows[r] = g.rows[r] or {}
    table.insert(g.rows[r], { c1, c2, it, cue = cue })
  end
  return sr, er
end

--- Virtual text `chunks` ({text, group} pairs) right after byte `b` (the end of a span, a
--- sentence), when it is on a visible row: inline there on Neovim 0.10+, at the end of the
--- row before.
function M.place_end(g, b, chunks)
  local r = g.row_of(math.max(b - 1, g.starts[g.top]))
  if r < g.top or r > g.bot then return end
  g.rows[r] = g.rows[r] or {}
  local list = g.rows[r]
  list.ends = list.ends or {}
  local col = math.min(b - g.starts[r], g.starts[r + 1] - g.starts[r] - 1)
  list.ends[#list.ends + 1] = { col = col, chunks = chunks }
end

--- Per annotation ID of `layer`: the marks of its relations ({text, group} chunks), made
--- again only when relations or document stances may have changed (not at each new
--- annotation: listing the records of a 100k-annotation layer takes milliseconds). A
--- relation shows at both ends: "[1 supports →]" after its source, "[→ 1 supports]" after
--- its target, numbered in the order of the sources.
function H.relation_marks(s, layer)
  s.rel_cache = s.rel_cache or {}
  local c = s.rel_cache[layer.name]
  local n = layer.store:count('relation')
  if c and c.version == (s.meta_version or 0) and c.store == layer.store and c.n == n then return c.marks end
  if n == 0 then
    s.rel_cache[layer.name] = { version = s.meta_version or 0, store = layer.store, n = 0, marks = {} }
    return s.rel_cache[layer.name].marks
  end
  local rels = layer.store:records('relation')
  local store = layer.store
  local function first(id)
    local r = store:get(id)
    return r and r.spans and r.spans[1] and r.spans[1][1] or math.huge
  end
  table.sort(rels, function(x, y)
    local fx, fy = first(x.from), first(y.from)
    if fx ~= fy then return fx < fy end
    return x.id < y.id
  end)
  local marks = {}
  local function add(id, text)
    marks[id] = marks[id] or {}
    table.insert(marks[id], { ' ' .. text, 'StanceRelation' })
  end
  for i, rel in ipairs(rels) do
    add(rel.from, ('[%d %s →]'):format(i, rel.type or '?'))
    add(rel.to, ('[→ %d %s]'):format(i, rel.type or '?'))
  end
  s.rel_cache[layer.name] = { version = s.meta_version or 0, store = layer.store, n = n, marks = marks }
  return marks
end

--- Whether the span ending at `stop` is the last span of the annotation of `layer` at `slot`.
function H.last_span(layer, slot, it, stop)
  if it.nspans <= 1 then return true end
  local rec = layer.store:at(slot)
  return rec ~= nil and rec.spans[#rec.spans][2] == stop
end

--- Per visible row (0-based, top to bot): the marks to set when Neovim draws it
--- ({start_col, end_col, info}, plus `over`: overlap segments, `ends`: virtual texts after
--- spans), and per row the sign group of the annotated rows of the annotator's own layer.
--- Returns rows, signed, the last row and the window's layers.
function M.plan(s, win, buf, top, bot)
  local lines = vim.api.nvim_buf_line_count(buf)
  if bot >= lines then bot = lines - 1 end
  local starts = {}
  for r = top, bot + 1 do
    starts[r] = vim.api.nvim_buf_get_offset(buf, r)
  end
  local a, b = starts[top], starts[bot + 1]
  local rows = {}
  local cfg = require('stance.config').get().highlight
  local function row_of(off)
    local lo, hi = top, bot + 1
    if off < starts[top] then return top - 1 end
    while hi - lo > 1 do
      local mid = math.floor((lo + hi) / 2)
      if starts[mid] <= off then lo = mid else hi = mid end
    end
    return lo
  end
  local g = { top = top, bot = bot, starts = starts, rows = rows, row_of = row_of }
  local signed = {}
  local layers = M.layers_for(s, win)
  for _, layer in ipairs(layers) do
    local n, slots, ss, es = layer.store:spans(a, b)
    local rel = cfg.relations and H.relation_marks(s, layer) or {}
    for i = 1, n do
      local it = info(s, layer, slots[i])
      if it then
        local sr, er = M.place(g, ss[i], es[i], it)
        if layer.own then
          for r = math.max(sr, top), math.min(er, bot) do
            if not signed[r] then signed[r] = it.sign end
          end
        end
        local marks = rel[it.id]
        local labelled = not layer.primary or cfg.virt_text
        if (labelled or marks) and H.last_span(layer, slots[i], it, es[i]) then
          local chunks = {}
          if labelled then chunks[1] = { ' ' .. it.label, it.label_group or 'StanceVirtText' } end
          for _, m in ipairs(marks or {}) do
            chunks[#chunks + 1] = m
          end
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
  if M.cues_shown() then H.cues(s, buf, g) end
  if s.suggestions and #s.suggestions > 0 then
    require('stance.editor.suggest').plan(s, g)
  end
  return rows, signed, bot, layers
end

--- Whether stance cues are drawn (`:Stance cues` toggles; highlight.cues sets the default).
function M.cues_shown()
  if H.cues_on == nil then H.cues_on = require('stance.config').get().highlight.cues end
  return H.cues_on
end

--- Show or hide stance cues; returns whether they are shown.
function M.toggle_cues()
  H.cues_on = not M.cues_shown()
  for buf in pairs(require('stance.editor.session').by_buf) do
    M.redraw(buf)
  end
  return H.cues_on
end

--- The cue lexicon of the session's corpus, compiled once.
function H.lexicon(s)
  local c = s.corpus
  if not c._lexicon then c._lexicon = require('stance.lexicon').load(c.root) end
  return c._lexicon
end

--- Cues of the visible lines, matched now in C (a screen of text takes microseconds).
function H.cues(s, buf, g)
  local lex = H.lexicon(s)
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, g.top, g.bot + 1, false), '\n')
  local n, ss, es, cs = lex.matcher:match(text)
  local base = g.starts[g.top]
  for i = 1, n do
    local a, b = base + ss[i], base + es[i]
    local group = 'StanceCue_' .. lex.categories[cs[i]].name:gsub('[^%w_]', '_')
    if vim.fn.hlexists(group) == 0 then vim.api.nvim_set_hl(0, group, { link = 'StanceCue', default = true }) end
    M.place(g, a, b, { span = group }, true)
  end
end

--- Where two or more spans of a row overlap: extra segments drawn bold and underlined.
function H.overlaps(list)
  local ev = {}
  for _, m in ipairs(list) do
    if m[2] > m[1] and not m.cue then
      ev[#ev + 1] = { m[1], 1 }
      ev[#ev + 1] = { m[2], -1 }
    end
  end
  table.sort(ev, function(x, y)
    if x[1] ~= y[1] then return x[1] < y[1] end
    return x[2] < y[2]
  end)
  local depth, from = 0, nil
  local over = {}
  for _, e in ipairs(ev) do
    local before = depth
    depth = depth + e[2]
    if before < 2 and depth >= 2 then
      from = e[1]
    elseif before >= 2 and depth < 2 and from and e[1] > from then
      over[#over + 1] = { from, e[1] }
    end
  end
  list.over = over
end

local function on_win(_, win, buf, top, bot)
  local s = require('stance.editor.session').by_buf[buf]
  if not s or s.hidden then
    H.rows[win] = nil
    return false
  end
  local rows, signed, last, layers = M.plan(s, win, buf, top, bot)
  H.rows[win] = rows
  if layers[1].own and require('stance.config').get().highlight.signs then
    local key = top .. ':' .. last .. ':' .. (s.version or 0)
    s.sign_keys = s.sign_keys or {}
    if s.sign_keys[win] ~= key then
      s.sign_keys[win] = key
      vim.schedule(function() M.place_signs(buf, top, last, signed) end)
    end
  end
end

local function on_line(_, win, buf, row)
  local rows = H.rows[win]
  local list = rows and rows[row]
  if not list then return end
  for _, m in ipairs(list) do
    local it = m[3]
    if m[2] > m[1] then
      vim.api.nvim_buf_set_extmark(buf, M.ns, row, m[1], {
        end_row = row, end_col = m[2], hl_group = it.span, ephemeral = true, priority = 150,
      })
      if it.target then
        vim.api.nvim_buf_set_extmark(buf, M.ns, row, m[1], {
          end_row = row, end_col = m[2], hl_group = it.target, ephemeral = true, priority = 151,
        })
      end
    end
  end
  for _, o in ipairs(list.over or {}) do
    vim.api.nvim_buf_set_extmark(buf, M.ns, row, o[1], {
      end_row = row, end_col = o[2], hl_group = 'StanceOverlap', ephemeral = true, priority = 152,
    })
  end
  local eol = {}
  for _, e in ipairs(list.ends or {}) do
    if H.inline then
      vim.api.nvim_buf_set_extmark(buf, M.ns, row, e.col, {
        virt_text = e.chunks, virt_text_pos = 'inline', ephemeral = true, priority = 153,
      })
    else
      vim.list_extend(eol, e.chunks)
    end
  end
  if #eol > 0 then
    eol[1] = { ' ' .. eol[1][1], eol[1][2] }
    vim.api.nvim_buf_set_extmark(buf, M.ns, row, 0, { virt_text = eol, virt_text_pos = 'eol', ephemeral = true })
  end
end

--- Sign-column marks for the annotated rows of [top, bot] (only those: cheap on any size).
function M.place_signs(buf, top, bot, signed)
  if not vim.api.nvim_buf_is_valid(buf) then return end
  vim.api.nvim_buf_clear_namespace(buf, M.sign_ns, 0, -1)
  local text = require('stance.config').get().highlight.sign_text
  for r = top, bot do
    if signed[r] then
      pcall(vim.api.nvim_buf_set_extmark, buf, M.sign_ns, r, 0, { sign_text = text, sign_hl_group = signed[r] })
    end
  end
end

--- Start drawing `s` (the provider is set once for all buffers).
---@param s stance.Session
function M.attach(s)
  H.defined = H.defined or {}
  if not H.defined[s.corpus.root] then
    H.defined[s.corpus.root] = true
    require('stance.editor.highlight').define(s.corpus:schema())
  end
  if not H.attached then
    H.attached = true
    vim.api.nvim_set_decoration_provider(M.ns, { on_win = on_win, on_line = on_line })
  end
  if H.inline then
    -- Neovim draws ephemeral inline virtual text only in buffers that hold a lasting inline
    -- mark (neovim#24797): one, empty, at the start
    local primer = vim.api.nvim_create_namespace('stance_inline')
    pcall(vim.api.nvim_buf_set_extmark, s.buf, primer, 0, 0, { id = 1, virt_text = { { '' } },
      virt_text_pos = 'inline' })
  end
  M.doc_line(s)
end

--- The document's stances (yours, and those of the layers shown over yours or beside) as a
--- virtual line under the document's first line.
function M.doc_line(s)
  local names, stores = { s.annotator }, { s.store }
  local sides = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(win) == s.buf then
      local ok, who = pcall(vim.api.nvim_win_get_var, win, 'stance_layer')
      if ok and who then sides[who] = true end
    end
  end
  local others = vim.tbl_keys(s.others)
  table.sort(others)
  for _, name in ipairs(others) do
    if s.others[name].shown or sides[name] then
      names[#names + 1], stores[#stores + 1] = name, s.others[name].store
    end
  end
  -- made again only when document stances may have changed (see stance.editor.ops)
  local key = table.concat(names, '\0') .. '\0' .. tostring(s.store) .. '\0' .. (s.meta_version or 0)
  if s.doc_key == key then return end
  s.doc_key = key
  local ns = vim.api.nvim_create_namespace('stance_document')
  local lines = {}
  for i, store in ipairs(stores) do
    lines[#lines + 1] = require('stance.editor.docstance').chunks(store, names[i])
  end
  if #lines == 0 then
    vim.api.nvim_buf_clear_namespace(s.buf, ns, 0, -1)
    return
  end
  pcall(vim.api.nvim_buf_set_extmark, s.buf, ns, 0, 0, { id = 1, virt_lines = lines })
end

--- Draw `buf` again (after the annotations changed).
---@param buf integer
function M.redraw(buf)
  local s = require('stance.editor.session').by_buf[buf]
  if s then
    s.version = (s.version or 0) + 1
    M.doc_line(s)
  end
  if vim.api.nvim__buf_redraw_range then
    pcall(vim.api.nvim__buf_redraw_range, buf, 0, -1)
  else
    vim.cmd('redraw!')
  end
end

--- Define the highlight groups again (after :colorscheme).
function M.colors()
  local session = require('stance.editor.session')
  for _, s in pairs(session.by_buf) do
    require('stance.editor.highlight').define(s.corpus:schema())
    s:forget()
  end
end

return M
