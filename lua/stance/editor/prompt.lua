--- Asking the annotator with one key: the schema's keys and names (`1 engagement-favor  f
--- favor  …`) on the command line when they fit in it, else in a floating window above it
--- (never a "Press ENTER" prompt); one key picks, <Esc> cancels, <CR> lets you type a name
--- that has no key, and a key that picks nothing asks again. Then what the label asks for
--- (target, stance, role), the same way.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local R = require('stance.modules') -- (modules required at first use, kept)
local H = {}

local lists = { target = 'targets', stance = 'stances', role = 'roles', relation = 'relations', label = 'labels' }

--- The key the user pressed, as a string ("\27" for <Esc>); nil when interrupted.
function H.getkey()
  local ok, c = pcall(vim.fn.getchar)
  if not ok then return nil end
  if type(c) == 'number' then return c < 128 and string.char(c) or vim.fn.nr2char(c) end
  return c
end

--- Key notation `key` ("<Tab>", "x") as the key typed, kept (the same few keys are asked for
--- at each question).
H.typed = {}
function H.termcodes(key)
  local k = H.typed[key]
  if not k then
    k = vim.api.nvim_replace_termcodes(key, true, false, true)
    H.typed[key] = k
  end
  return k
end

--- How a key is shown: itself, or <Tab>, <Space>, ... for the ones that print nothing.
function H.key_name(k)
  local names = { ['\t'] = '<Tab>', [' '] = '<Space>', ['\r'] = '<CR>' }
  if names[k] then return names[k] end
  if vim.fn.exists('*keytrans') == 1 then return vim.fn.keytrans(k) end
  return vim.fn.strtrans(k)
end

--- The highlight group that shows entry `e` of a schema list `what` in its color.
function H.group(what, e)
  local hl = R['stance.editor.highlight']
  local group
  if what == 'stance' then
    group = hl.stance_group(e.name)
  elseif what == 'target' then
    group = hl.target_group(e.name)
  elseif what == 'label' then
    group = e.stance and hl.stance_group(e.stance) or (e.target and hl.target_group(e.target))
  end
  if group and vim.fn.hlexists(group) == 1 then return group end
  return nil
end

--- The pieces of the question: a heading, then one item per choice { key, text, group }.
function H.items(what, entries, extra)
  local items = {}
  for _, e in ipairs(entries) do
    if e.key then items[#items + 1] = { key = e.key, text = e.display or e.name, group = H.group(what, e) } end
  end
  for _, x in ipairs(extra or {}) do
    items[#items + 1] = { key = x.key:match('^<.*>$') and x.key or H.key_name(x.key), text = x.text, group = 'Title' }
  end
  return items
end

--- The question on one line of the command line, if it fits there.
function H.echo_line(head, items, tail)
  local chunks = { { head, 'Question' } }
  local width = vim.fn.strdisplaywidth(head)
  for _, it in ipairs(items) do
    chunks[#chunks + 1] = { it.key, 'Special' }
    chunks[#chunks + 1] = { ' ' }
    chunks[#chunks + 1] = { it.text, it.group }
    chunks[#chunks + 1] = { '  ' }
    width = width + vim.fn.strdisplaywidth(it.key .. ' ' .. it.text .. '  ')
  end
  chunks[#chunks + 1] = { tail, 'Comment' }
  width = width + vim.fn.strdisplaywidth(tail)
  local room = vim.v.echospace
  if room == nil or room <= 0 then room = vim.o.columns - 12 end
  if width > room then return nil end
  return chunks
end

--- `text` in at most `width` cells: its start and its end around "…" when it is longer (the
--- end tells `…-favor` from `…-against`).
function H.fit(text, width)
  if vim.fn.strdisplaywidth(text) <= width then return text end
  if width < 3 then return vim.fn.strcharpart(text, 0, width) end
  local n = vim.fn.strchars(text)
  local head_n, tail_n = math.ceil((width - 1) / 2), math.floor((width - 1) / 2)
  local a, b = vim.fn.strcharpart(text, 0, head_n), vim.fn.strcharpart(text, n - tail_n)
  while vim.fn.strdisplaywidth(a .. '…' .. b) > width and #b > 0 do
    b = vim.fn.strcharpart(b, 1)
  end
  return a .. '…' .. b
end

--- The question in a floating window at the bottom of the screen: the heading, then the
--- choices in columns; when the screen has too few rows for them all, in more and narrower
--- columns, long names shortened in the middle. Returns its window.
function H.float(head, items, tail)
  local cell = 0
  for _, it in ipairs(items) do
    cell = math.max(cell, vim.fn.strdisplaywidth(it.key .. ' ' .. it.text))
  end
  cell = cell + 3
  local avail = math.max(20, vim.o.columns - 4)
  local cols = math.max(1, math.min(#items, math.floor(avail / cell)))
  local rows = math.ceil(#items / cols)
  local max_rows = math.max(1, vim.o.lines - vim.o.cmdheight - 5) -- the float's border, heading and tail
  if rows > max_rows then
    cols = math.min(#items, math.ceil(#items / max_rows))
    rows = math.ceil(#items / cols)
    cell = math.max(6, math.floor(avail / cols))
    local fitted = {}
    for i, it in ipairs(items) do
      local room = cell - 3 - vim.fn.strdisplaywidth(it.key) - 1
      fitted[i] = { key = it.key, text = H.fit(it.text, math.max(1, room)), group = it.group }
    end
    items = fitted
  end
  local lines, marks = { head }, {}
  for r = 1, rows do
    local line = ''
    for c = 1, cols do
      local it = items[(c - 1) * rows + r]
      if it then
        local start = #line
        marks[#marks + 1] = { #lines, start, start + #it.key, 'Special' }
        if it.group then
          marks[#marks + 1] = { #lines, start + #it.key + 1, start + #it.key + 1 + #it.text, it.group }
        end
        local piece = it.key .. ' ' .. it.text
        line = line .. piece .. (' '):rep(cell - vim.fn.strdisplaywidth(piece))
      end
    end
    lines[#lines + 1] = (line:gsub('%s+$', ''))
  end
  lines[#lines + 1] = tail
  local width = 0
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  width = math.min(width, vim.o.columns - 2)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  local ns = vim.api.nvim_create_namespace('stance_prompt')
  vim.api.nvim_buf_set_extmark(buf, ns, 0, 0, { end_row = 0, end_col = #head, hl_group = 'Question' })
  vim.api.nvim_buf_set_extmark(buf, ns, #lines - 1, 0, { end_row = #lines - 1, end_col = #tail, hl_group = 'Comment' })
  for _, m in ipairs(marks) do
    vim.api.nvim_buf_set_extmark(buf, ns, m[1], m[2], { end_row = m[1], end_col = m[3], hl_group = m[4] })
  end
  vim.bo[buf].bufhidden = 'wipe'
  local height = math.min(#lines, math.max(1, vim.o.lines - vim.o.cmdheight - 3))
  return vim.api.nvim_open_win(buf, false, {
    relative = 'editor', row = H.float_row(height), col = 0, width = width,
    height = height, style = 'minimal', border = 'single', focusable = false, zindex = 250,
  })
end

--- Where the question's float goes (its top row, 0-based): at the bottom of the windows,
--- above the lowest status line (the file's name and position stay in sight) and the command
--- line; at the top when the cursor (where the text being annotated starts) is in the lower
--- half of the windows or the float at the bottom would cover it (and the one at the top
--- would not). The cursor's row is its screen
--- position in its window (screenpos: screenrow() is the command line's while an operator
--- asks, on Neovim 0.7).
---@param height integer the float's rows, its border not counted
---@return integer
function H.float_row(height)
  local bottom, top = vim.o.lines - vim.o.cmdheight, nil
  local lowest = 0
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_config(w).relative == '' then
      local pos = vim.api.nvim_win_get_position(w)
      lowest = math.max(lowest, pos[1] + vim.api.nvim_win_get_height(w))
      top = math.min(top or pos[1], pos[1])
    end
  end
  if lowest > 0 and lowest < bottom then bottom = lowest end
  top = top or 0
  local row = math.max(top, bottom - height - 2)
  local at = vim.fn.screenpos(0, vim.fn.line('.'), vim.fn.col('.')).row -- 1-based; 0: not shown
  local r = at - 1 -- the cursor's row, 0-based
  local under_bottom, under_top = r >= row, r <= top + height + 1
  if at > 0 and not under_top and (under_bottom or r > (top + bottom) / 2) then row = top end
  return row
end

--- Show the question (`items`: a function that makes its choices, called only when it is
--- shown); returns a function that takes it away. Taking it away draws nothing:
--- the screen update that clears it is Neovim's next one, the same that draws what the answer
--- changed (an annotation made, a ghost gone), so that no screen shows the question gone and
--- its answer not yet drawn.
function H.show(head, items, tail)
  -- the answer is typed already (typed ahead, a macro, a mapping): asked and answered in the
  -- same screen update, as Neovim draws nothing while keys are waiting (asked first: the
  -- list of UIs is a table of tables made at each call)
  if vim.fn.getchar(1) ~= 0 then return function() end end
  if #vim.api.nvim_list_uis() == 0 then return function() end end -- headless: nobody to show it to
  items = items()
  local chunks = H.echo_line(head, items, tail)
  if chunks then
    vim.api.nvim_echo(chunks, false, {})
    vim.cmd('redraw')
    return function()
      vim.api.nvim_echo({ { '' } }, false, {})
    end
  end
  local win = H.float(head, items, tail)
  vim.api.nvim_echo({ { head, 'Question' } }, false, {})
  vim.cmd('redraw')
  return function()
    if vim.api.nvim_win_is_valid(win) then vim.api.nvim_win_close(win, true) end
    vim.api.nvim_echo({ { '' } }, false, {})
  end
end

--- Whether key `k` (as typed) is one of the keys of the extra choices `extra` (see M.pick).
function H.extra_key(extra, k)
  if not extra then return false end
  for _, x in ipairs(extra.keys or extra) do
    if H.termcodes(extra.keys and x or x.key) == k then return true end
  end
  return false
end

--- The entries of a schema list by key, kept for as long as the list lives (the same list
--- is asked for at each annotation made).
H.keyed = setmetatable({}, { __mode = 'k' })
function H.by_key(entries)
  local by_key = H.keyed[entries]
  if by_key and by_key.n == #entries then return by_key.map end
  local map = {}
  for _, e in ipairs(entries) do
    if e.key then map[e.key] = e end
  end
  H.keyed[entries] = { n = #entries, map = map }
  return map
end

--- Pick one of `entries` (schema entries: name, key; shown as `display` or name) with its key. A key that picks
--- nothing asks again, saying so.
--- `extra` may also be { keys = {...}, make = function() return choices end }: choices that
--- take work to know, made only when the question is shown or one of `keys` is typed (the
--- keys it may use: a key of `entries` that is not one of them picks at once).
---@param what string "label", "target", ...
---@param entries table[]
---@param extra table[]|table|nil more choices { key ("x", "<BS>"), text, value }: picking one returns its value
---@return table|nil entry nil when cancelled
function M.pick(what, entries, extra)
  H.open = (H.open or 0) + 1
  local ok, r = pcall(H.pick, what, entries, extra)
  H.open = H.open - 1
  if not ok then error(r, 0) end
  return r
end

--- Whether a question is open (waiting for its key): a message would replace it on the
--- command line (stance.notify.line waits for it to close).
---@return boolean
function M.asking()
  return (H.open or 0) > 0
end

function H.pick(what, entries, extra)
  if #entries == 0 and not extra then return nil end
  local by_key = H.by_key(entries)
  -- the answer typed already (typed ahead, a macro, a mapping: nothing is shown then): an
  -- entry's key picks it at once, before anything else is made; another key is the first
  -- answer to the question below
  local pending = nil
  if vim.fn.getchar(1) ~= 0 then
    pending = H.getkey()
    if pending == nil or pending == '\27' or pending == '\3' then return nil end
    if by_key[pending] and not H.extra_key(extra, pending) then return by_key[pending] end
  end
  local lazy = extra and extra.make and extra or nil
  local function add_extra()
    if lazy then
      extra, lazy = lazy.make(), nil
    end
    if extra and #extra > 0 then -- (a copy: the kept one stays as it is)
      local copy = {}
      for k, e in pairs(by_key) do
        copy[k] = e
      end
      by_key = copy
    end
    for _, x in ipairs(extra or {}) do
      by_key[H.termcodes(x.key)] = x.value
    end
  end
  local later = {} -- the keys of choices not made yet
  if lazy then
    for _, key in ipairs(lazy.keys) do
      later[H.termcodes(key)] = true
    end
  else
    add_extra()
  end
  -- (made only when the question is shown: not when its answer was typed ahead)
  local items
  local function choices()
    if lazy then add_extra() end
    items = items or H.items(what, entries, extra)
    return items
  end
  local problem = nil
  while true do
    local k
    if pending then
      k, pending = pending, nil
    else
      local head = what .. ': ' .. (problem and ('(' .. problem .. ') ') or '')
      local hide = H.show(head, choices, '<CR> name  <Esc> cancel')
      k = H.getkey()
      hide()
    end
    if lazy and k and later[k] then add_extra() end
    if k == nil or k == '\27' or k == '\3' then return nil end
    if k == '\r' then
      local ok, name = pcall(vim.fn.input, what .. ' name: ')
      if not ok or name == '' then return nil end
      for _, e in ipairs(entries) do
        if e.name == name then return e end
      end
      problem = ("no %s '%s'"):format(what, name)
    elseif by_key[k] then
      return by_key[k]
    else
      problem = ("no %s on %s"):format(what, H.key_name(k))
    end
  end
end

--- Ask for a label (unless `preset` names one), then for each field the label asks for
--- (its `ask`) that `preset` does not give, and for the stance when there is a target but
--- neither the label nor `preset` gives a stance. `preset` fields are kept. A field of
--- `keep` that is asked for is offered as it is: <Space> keeps it (the curator's own
--- version keeps the role it had when the new label asks for one).
---@param schema table|nil
---@param preset table|nil
---@param extra table[]|nil more choices for the label question (see pick)
---@param keep table|nil current values { target, stance, role } that <Space> keeps
---@param path string|nil the document (relative to the root): only its targets are offered, and the
--- labels of no other target (stance.schema.for_document)
---@return table|nil fields { label, target, stance, role } or an extra choice's value; nil when cancelled
function M.label(schema, preset, extra, keep, path)
  if path then schema = require('stance.schema').for_document(schema, path) end
  local fields = {}
  for k, v in pairs(preset or {}) do
    fields[k] = v
  end
  if not fields.label then
    if not schema or #schema.labels == 0 then
      local ok, name = pcall(vim.fn.input, 'label: ')
      if not ok or name == '' then return nil end
      fields.label = name
      return fields
    end
    local e = M.pick('label', schema.labels, extra)
    if not e then return nil end
    if not e.name then return e end -- an extra choice
    fields.label = e.name
  end
  local entry = schema and schema.by.label[fields.label]
  --- The choice that keeps `keep[what]`, if there is one.
  local function keeping(what)
    local now = keep and keep[what]
    -- (only a value still offered: a target the document's schema leaves out is not kept)
    local offered = schema and schema.by[what]
    if now and offered and (next(offered) ~= nil or (what == 'target' and path)) and not offered[now] then
      now = nil
    end
    return now and { { key = '<Space>', text = 'keep ' .. now, value = { name = now } } } or nil
  end
  for _, ask in ipairs(entry and entry.ask or {}) do
    local list = schema[lists[ask] or '']
    if list and #list > 0 and fields[ask] == nil then
      local e = M.pick(ask, list, keeping(ask))
      if not e then return nil end
      fields[ask] = e.name
    end
  end
  -- a target given with a label that sets no stance (`:Stance annotate premise sanctions`):
  -- a stance toward it is meant, so it is asked rather than saved without one
  local stances = schema and schema.stances or {}
  if fields.target and fields.stance == nil and not (entry and entry.stance) and #stances > 0 then
    local e = M.pick('stance', stances, keeping('stance'))
    if not e then return nil end
    fields.stance = e.name
  end
  return fields
end

--- Ask for one of the names of a schema kind ("relation", "stance", "target", ...).
---@param schema table|nil
---@param kind string
---@param extra table[]|nil more choices (see pick)
---@return string|table|nil name, or an extra choice's value
function M.one(schema, kind, extra)
  local list = schema and schema[lists[kind] or ''] or {}
  local e = M.pick(kind, list, extra)
  if e == nil then return nil end
  return e.name or e
end

return M
