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

--- Echo a line in the command line without adding it to the message history.
---@param text string
function M.echo(text)
  vim.api.nvim_echo({ { text } }, false, {})
end

return M
