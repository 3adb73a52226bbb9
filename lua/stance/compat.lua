--- Every difference between the Neovim versions we support (0.7.2 to 0.11), in one place.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

M.uv = vim.uv or vim.loop

---@param version string e.g. '0.10'
---@return boolean
function M.has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

--- The value of buffer option `name` of `buf`; a fraction of what reading vim.bo[buf] costs
--- on Neovim 0.7 to 0.9 (which checks its arguments at every access), read on each open.
---@param buf integer
---@param name string
---@return any
M.buf_option = vim.fn.has('nvim-0.10') == 1 and function(buf, name)
  return vim.api.nvim_get_option_value(name, { buf = buf })
end or function(buf, name)
  return vim.api.nvim_buf_get_option(buf, name)
end

--- Set buffer option `name` of `buf` to `value`, at the cost of M.buf_option.
---@param buf integer
---@param name string
---@param value any
M.set_buf_option = vim.fn.has('nvim-0.10') == 1 and function(buf, name, value)
  vim.api.nvim_set_option_value(name, value, { buf = buf })
end or function(buf, name, value)
  vim.api.nvim_buf_set_option(buf, name, value)
end

--- The value of window option `name` of `win`, at the cost of M.buf_option (vim.wo checks
--- its arguments at every access before 0.10).
---@param win integer
---@param name string
---@return any
M.win_option = vim.fn.has('nvim-0.10') == 1 and function(win, name)
  return vim.api.nvim_get_option_value(name, { win = win })
end or function(win, name)
  return vim.api.nvim_win_get_option(win, name)
end

--- The global value of option `name` (as vim.o reads it), at the cost of M.buf_option.
---@param name string
---@return any
M.global_option = vim.fn.has('nvim-0.10') == 1 and function(name)
  return vim.api.nvim_get_option_value(name, { scope = 'global' })
end or function(name)
  return vim.api.nvim_get_option(name)
end

local BO = { __index = function(t, name) return M.buf_option(t[1], name) end }

--- Buffer `buf`'s options to read (bo.fileformat, ...), as vim.bo[buf] reads them but at the
--- cost of M.buf_option.
---@param buf integer
---@return table
function M.bo(buf)
  return setmetatable({ buf }, BO)
end

--- :checkhealth reporting: vim.health (0.10+) or the health module (0.7 to 0.9).
M.health = (function()
  local h = vim.health
  if h and h.start then
    return { start = h.start, ok = h.ok, warn = h.warn, error = h.error, info = h.info }
  end
  local old = require('health')
  return {
    start = old.report_start,
    ok = old.report_ok,
    warn = old.report_warn,
    error = old.report_error,
    info = old.report_info,
  }
end)()

--- The colors of highlight group `name`, links followed: { fg, bg, sp } as 0xRRGGBB numbers
--- and { ctermfg, ctermbg } as palette indexes, each nil when unset (0.9+: nvim_get_hl;
--- before: nvim_get_hl_by_name, deprecated in 0.11).
---@param name string
---@return table
function M.hl_colors(name)
  local api = vim.api
  if api.nvim_get_hl then
    local ok, h = pcall(api.nvim_get_hl, 0, { name = name, link = false })
    if ok and type(h) == 'table' then
      return { fg = h.fg, bg = h.bg, sp = h.sp, ctermfg = h.ctermfg, ctermbg = h.ctermbg }
    end
    return {}
  end
  local ok, rgb = pcall(api.nvim_get_hl_by_name, name, true)
  local okc, cterm = pcall(api.nvim_get_hl_by_name, name, false)
  rgb, cterm = ok and rgb or {}, okc and cterm or {}
  return { fg = rgb.foreground, bg = rgb.background, sp = rgb.special, ctermfg = cterm.foreground,
    ctermbg = cterm.background }
end

--- Highlight columns [col_start, col_end) of row `row` (0-based; col_end -1: to the end of
--- the line) with `group` in namespace `ns` (an extmark: nvim_buf_add_highlight is
--- deprecated in 0.11).
---@param buf integer
---@param ns integer
---@param group string
---@param row integer
---@param col_start integer
---@param col_end integer
function M.add_highlight(buf, ns, group, row, col_start, col_end)
  if col_end < 0 then
    col_end = #(vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or '')
  end
  vim.api.nvim_buf_set_extmark(buf, ns, row, col_start, { end_row = row, end_col = col_end, hl_group = group })
end

--- Have rows [first, last) (0-based) of `buf` drawn again in every window that shows them,
--- and nothing else: at Neovim's next screen update, or at once with `now`. 0.10+:
--- nvim__redraw; 0.7 to 0.9: nvim__buf_redraw_range with the exact rows (it ignores a last
--- row of -1) and :redraw (without !: nothing is cleared). A window redraws one range of
--- rows per screen update: rows apart are drawn by separate calls with `now`.
---@param buf integer
---@param first integer
---@param last integer
---@param now boolean|nil
function M.redraw_rows(buf, first, last, now)
  local api = vim.api
  if last <= first then return end
  if api.nvim__redraw and pcall(api.nvim__redraw, { buf = buf, range = { first, last }, flush = now == true }) then
    return
  end
  if not (api.nvim__buf_redraw_range and pcall(api.nvim__buf_redraw_range, buf, first, last)) then
    -- a Neovim with neither: the windows of the buffer
    for _, win in ipairs(vim.fn.win_findbuf(buf)) do
      api.nvim_win_call(win, function() vim.cmd('redraw') end)
    end
    return
  end
  if now then vim.cmd('redraw') end
end

--- Stop a libuv timer and close it unless it is closing already. Returns nil (for the field
--- that held it).
---@param t table|nil a uv timer
---@return nil
function M.close_timer(t)
  if t then
    t:stop()
    if not t:is_closing() then t:close() end
  end
  return nil
end

--- (Re)start the one-shot timer `t` (made when nil): `fn` runs on the main loop `ms` ms from
--- now, unless the timer is restarted first (a wait that each change makes again). Returns
--- the timer (for the field that holds it).
---@param t table|nil a uv timer
---@param ms integer
---@param fn function
---@return table timer
function M.restart_timer(t, ms, fn)
  t = t or M.uv.new_timer()
  t:stop()
  t:start(ms, 0, function() vim.schedule(fn) end)
  return t
end

--- Echo a message on one line of the message area, never a "Press ENTER" prompt: cut to
--- the room there with "…" when longer, the whole of it kept in |:messages| (the one-line
--- rule of every message of the plugin; stance.notify.line is the same with "(stance) ").
---@param text string
---@param hl string|nil highlight group (ErrorMsg, WarningMsg)
---@param history boolean|nil false: not into :messages (a transient line, shown at once; else it is
---  shown once the current command is over)
function M.echo(text, hl, history)
  text = text:gsub('\n', ' ')
  if history ~= false then
    -- once the command that said it is over (an Ex command's message area is scrolled: a
    -- second line there would ask "Press ENTER"): into the history whole, shown nowhere
    -- (execute() takes what it would print), then cut on the screen
    return vim.schedule(function()
      pcall(vim.fn.execute, 'echomsg ' .. vim.fn.string(text), '')
      M.echo(text, hl, false)
    end)
  end
  local room = vim.v.echospace
  if room == nil or room <= 0 then room = vim.o.columns - 12 end
  if vim.fn.strdisplaywidth(text) > room then
    text = vim.fn.strcharpart(text, 0, math.max(1, room - 1))
    while vim.fn.strdisplaywidth(text) > room - 1 and #text > 0 do
      text = vim.fn.strcharpart(text, 0, vim.fn.strchars(text) - 1)
    end
    text = text .. '…'
  end
  vim.api.nvim_echo({ { text, hl } }, false, {})
end

--- Say `msg` as an error (ErrorMsg, into :messages), as Neovim's own errors are: in a mapping
--- of Operator-pending mode it aborts the pending operator, as a failing text object does.
---@param msg string
M.err_echo = vim.fn.has('nvim-0.11') == 1 and function(msg)
  vim.api.nvim_echo({ { msg } }, true, { err = true })
end or function(msg)
  vim.api.nvim_err_writeln(msg)
end

--- Whether mapping `m` (a maparg() dictionary) is one of Neovim's own default mappings
--- (0.10+ sets them in vim/_defaults.lua: `]a`, `gc`, `Y`, ...), not the user's: its Lua
--- function comes from Neovim's runtime, or it is documented as a default (":help Y-default").
---@param m table
---@return boolean
function M.default_mapping(m)
  if m.callback then
    local ok, info = pcall(debug.getinfo, m.callback, 'S')
    local src = ok and info and info.source or ''
    if src == '@vim/_defaults.lua' then return true end
    local rt = vim.env.VIMRUNTIME
    if rt and rt ~= '' and src:sub(1, #rt + 2) == '@' .. rt .. '/' and src:find('/lua/vim/_defaults%.lua$') then
      return true
    end
  end
  return (m.desc or ''):find('^:help [^ ]+%-default$') ~= nil
end

--- Tree-sitter, across versions.
M.ts = {}

--- Load the parser at `path` for `lang` (0.7-0.8: require_language; 0.9+: language.add).
---@return boolean ok
---@return string|nil err
function M.ts.add_language(lang, path)
  local ts = vim.treesitter
  local ok, err
  if ts.language and ts.language.add then
    ok, err = pcall(ts.language.add, lang, { path = path })
  else
    ok, err = pcall(ts.require_language, lang, path)
  end
  return ok, not ok and tostring(err) or nil
end

--- Install the text of a query (0.9+: query.set; before: set_query).
function M.ts.set_query(lang, name, text)
  local q = vim.treesitter.query
  if q.set then return q.set(lang, name, text) end
  return q.set_query(lang, name, text)
end

--- The query `name` of `lang` (0.9+: query.get; before: get_query).
function M.ts.get_query(lang, name)
  local q = vim.treesitter.query
  if q.get then return q.get(lang, name) end
  return q.get_query(lang, name)
end

--- Start tree-sitter highlighting in `buf` (0.8+: vim.treesitter.start).
function M.ts.start(buf, lang)
  if vim.treesitter.start then return vim.treesitter.start(buf, lang) end
  return vim.treesitter.highlighter.new(vim.treesitter.get_parser(buf, lang))
end

--- The text of a node (0.9+: vim.treesitter.get_node_text; before: query.get_node_text,
--- removed in 0.10).
---@param node userdata
---@param source integer|string a buffer or a string
---@return string
function M.ts.node_text(node, source)
  local get = vim.treesitter.get_node_text or vim.treesitter.query.get_node_text
  return get(node, source)
end

--- Whether tree-sitter highlighting runs in `buf`.
function M.ts.highlighting(buf)
  if buf == 0 then buf = vim.api.nvim_get_current_buf() end
  local hl = vim.treesitter.highlighter
  return hl ~= nil and hl.active ~= nil and hl.active[buf] ~= nil
end

return M
