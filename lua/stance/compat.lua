--- Every difference between the Neovim versions we support (0.7.2 to 0.11), in one place.
local M = {}

M.uv = vim.uv or vim.loop

---@param version string e.g. '0.10'
---@return boolean
function M.has(version)
  return vim.fn.has('nvim-' .. version) == 1
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

--- Echo a line in the command line without adding it to the message history, shortened
--- to fit there (never a "Press ENTER" prompt).
---@param text string
function M.echo(text)
  text = text:gsub('\n', ' ')
  local room = vim.v.echospace
  if room == nil or room <= 0 then room = vim.o.columns - 12 end
  if vim.fn.strdisplaywidth(text) > room then
    text = vim.fn.strcharpart(text, 0, math.max(1, room - 1))
    while vim.fn.strdisplaywidth(text) > room - 1 and #text > 0 do
      text = vim.fn.strcharpart(text, 0, vim.fn.strchars(text) - 1)
    end
    text = text .. '…'
  end
  vim.api.nvim_echo({ { text } }, false, {})
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

--- Whether tree-sitter highlighting runs in `buf`.
function M.ts.highlighting(buf)
  if buf == 0 then buf = vim.api.nvim_get_current_buf() end
  local hl = vim.treesitter.highlighter
  return hl ~= nil and hl.active ~= nil and hl.active[buf] ~= nil
end

return M
