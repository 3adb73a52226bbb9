--- :Stance summary: the stances of the document per target and paragraph (yours and, once
--- accepted, the model's), counts and shares of every stance value (the schema's, in its
--- order, then any other the annotations use), in a side window: per target a heat strip
--- (the row of `stance report`'s heat map: a bar split into the stances in their colors, each
--- stance also in its own shade of block: █ ▒ ░ ▓ ...), and a strip of one mark per
--- paragraph: the first stance ▲, the second ▼, any other ●, several ◆, none ·.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

H.marks = { '▲', '▼' }

--- The blocks of the heat strip, in the order of the stances (as the report's patterns).
H.blocks = { '█', '▒', '░', '▓', '▚', '▞' }

--- Cells of the heat strip.
M.HEAT_WIDTH = 24

--- The columns the summary leaves to the document at least, and the width it may always take.
M.DOC_WIDTH, M.MIN_WIDTH = 30, 20

--- The stance values to count: the schema's in its order, then the others found, sorted.
function H.values(s, found)
  return require('stance.schema').ordered((s.corpus:schema() or {}).stances, found)
end

--- The summary lines of session `s`.
---@return string[] lines
---@return table strips { [target] = { marks per paragraph } }
---@return table marks { [mark] = stance } (the stance each single mark stands for)
---@return table heat { [line number] = { { byte_start, byte_stop, stance }, ... } }: the heat strips
function M.lines(s)
  local doc = assert(s.corpus:document(s.rel))
  local frame = s:get_frame()
  local paras = { starts = {}, stops = {} }
  for i, p in ipairs(doc:paragraphs() or {}) do
    paras.starts[i], paras.stops[i] = frame:cp_to_buf(p.start), frame:cp_to_buf(p.stop)
  end
  local units_of = require('stance.agreement.items').units_of
  local by_target, found = {}, {}
  for _, r in ipairs(s.store:records('annotation')) do
    if r.stance and not r.orphan then
      found[r.stance] = true
      local t = r.target or '(no target)'
      by_target[t] = by_target[t] or { total = {}, para = {} }
      local bt = by_target[t]
      bt.total[r.stance] = (bt.total[r.stance] or 0) + 1
      -- the paragraphs it counts for, by agreement's rule (span by span)
      for _, hit in ipairs(units_of(paras, r.spans)) do
        local i = hit[1]
        bt.para[i] = bt.para[i] or {}
        bt.para[i][r.stance] = (bt.para[i][r.stance] or 0) + 1
      end
    end
  end
  local any = next(by_target) ~= nil
  -- every target of the schema, those without an annotation with zeros
  for _, t in ipairs((s.corpus:schema() or {}).targets or {}) do
    by_target[t.name] = by_target[t.name] or { total = {}, para = {} }
  end
  local values = H.values(s, found)
  local mark_of, marks = {}, {}
  for i, v in ipairs(values) do
    mark_of[v] = H.marks[i] or '●'
    if H.marks[i] then marks[H.marks[i]] = v end
  end
  -- the targets in the schema's order (others by name, "(no target)" last)
  local targets = vim.tbl_keys(by_target)
  local before = require('stance.schema').order((s.corpus:schema() or {}).targets)
  table.sort(targets, function(a, b)
    return before(a ~= '(no target)' and a or nil, b ~= '(no target)' and b or nil)
  end)
  local lines, strips = { ('stance of %s, %d paragraphs'):format(s.rel, #paras.starts) }, {}
  if not any then lines[#lines + 1] = 'no annotation with a stance yet' end
  local function counts(t, shares)
    local parts, all = {}, 0
    for _, v in ipairs(values) do
      all = all + (t[v] or 0)
    end
    for _, v in ipairs(values) do
      local n = t[v] or 0
      if shares then
        parts[#parts + 1] = ('%s %d (%d%%)'):format(v, n, math.floor(100 * n / math.max(all, 1) + 0.5))
      else
        parts[#parts + 1] = ('%s %d'):format(v, n)
      end
    end
    return table.concat(parts, ', ')
  end
  local heat = {}
  for _, t in ipairs(targets) do
    local bt = by_target[t]
    lines[#lines + 1] = ''
    lines[#lines + 1] = ('%s: %s'):format(t, counts(bt.total, true))
    lines[#lines + 1], heat[#lines + 1] = H.heat(values, bt.total)
    local strip = {}
    for i = 1, #paras.starts do
      local p, here = bt.para[i] or {}, {}
      for _, v in ipairs(values) do
        if (p[v] or 0) > 0 then here[#here + 1] = v end
      end
      strip[i] = #here == 0 and '·' or #here > 1 and '◆' or mark_of[here[1]]
      if #here > 0 then lines[#lines + 1] = ('  ¶%-3d %s  %s'):format(i, strip[i], counts(p)) end
    end
    strips[t] = strip
    lines[#lines + 1] = '  ' .. table.concat(strip)
  end
  if s.suggest_res then -- what the suggestions' model learnt from: how far to trust them
    lines[#lines + 1] = ''
    lines[#lines + 1] = ('suggestions learnt from %d sentences:'):format(s.suggest_res.learnt)
    for _, part in ipairs(require('stance.editor.suggest').learnt(s.suggest_res)) do
      lines[#lines + 1] = '  ' .. part
    end
  end
  return lines, strips, marks, heat
end

--- The heat strip of a target: M.HEAT_WIDTH cells split into its stances by their share
--- (each stance with one cell at least), then the number of annotations.
function H.heat(values, total)
  local all = 0
  for _, v in ipairs(values) do
    all = all + (total[v] or 0)
  end
  local cells, given, parts, spans = {}, 0, { '  ' }, {}
  for i, v in ipairs(values) do
    local n = total[v] or 0
    if n > 0 then
      cells[i] = math.max(1, math.floor(M.HEAT_WIDTH * n / all + 0.5))
      given = given + cells[i]
    end
  end
  -- rounding: the largest share takes up the difference
  local big
  for i in pairs(cells) do
    if not big or cells[i] > cells[big] then big = i end
  end
  if big then cells[big] = math.max(1, cells[big] + M.HEAT_WIDTH - given) end
  local col = 2
  for i, v in ipairs(values) do
    if cells[i] then
      local block = H.blocks[(i - 1) % #H.blocks + 1]:rep(cells[i])
      parts[#parts + 1] = block
      spans[#spans + 1] = { col, col + #block, v }
      col = col + #block
    end
  end
  parts[#parts + 1] = (' %d'):format(all)
  return table.concat(parts), spans
end

--- :Stance summary: show the summary in a side window, or close it when one is open (typed
--- in it or in the document, as :Stance legend). Returns its buffer (nil: closed).
function M.toggle()
  local closed = false
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    local ok, what = pcall(vim.api.nvim_win_get_var, win, 'stance_panel')
    if ok and what == 'summary' and vim.api.nvim_win_is_valid(win) then
      local buf = vim.api.nvim_win_get_buf(win)
      if #vim.api.nvim_list_wins() > 1 then vim.api.nvim_win_close(win, true) end
      if vim.api.nvim_buf_is_valid(buf) then pcall(vim.api.nvim_buf_delete, buf, { force = true }) end
      closed = true
    end
  end
  if closed then return nil end
  return M.show()
end

--- Show the summary in a side window. Returns its buffer.
function M.show()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local lines, _, marks, heat = M.lines(s)
  -- as wide as its lines (the longest target and stance names of the schema), leaving the
  -- document M.DOC_WIDTH columns at least
  local buf = require('stance.editor.panel').open(lines, 'stance://summary/' .. s.rel,
    math.max(M.MIN_WIDTH, vim.o.columns - M.DOC_WIDTH - 1), 'summary', true)
  local ns = vim.api.nvim_create_namespace('stance_summary')
  local hl = require('stance.editor.highlight')
  for i, spans in pairs(heat) do
    for _, sp in ipairs(spans) do
      local group = hl.sign_group(sp[3])
      if vim.fn.hlexists(group) == 0 then group = 'StanceOverlap' end
      require('stance.compat').add_highlight(buf, ns, group, i - 1, sp[1], sp[2])
    end
  end
  for i, l in ipairs(lines) do
    for pos, mark in l:gmatch('()([▲▼◆])') do
      local group = marks[mark] and hl.sign_group(marks[mark]) or 'StanceOverlap'
      if vim.fn.hlexists(group) == 0 then group = 'StanceOverlap' end
      require('stance.compat').add_highlight(buf, ns, group, i - 1, pos - 1, pos - 1 + #mark)
    end
  end
  return buf
end

return M
