--- The only place that talks to the user about runtime failures and news.
--- In Neovim it goes through vim.notify (scheduled, safe from any callback); in the
--- `stance` host it goes to stderr.
local M = {}

local in_nvim = vim ~= nil and vim.api ~= nil

---@param msg string
---@param level? integer vim.log.levels value (default INFO)
function M.notify(msg, level)
  if in_nvim then
    level = level or vim.log.levels.INFO
    vim.schedule(function()
      vim.notify('(stance) ' .. msg, level)
    end)
  else
    io.stderr:write('stance: ', msg, '\n')
  end
end

---@param msg string
function M.error(msg)
  M.notify(msg, in_nvim and vim.log.levels.ERROR or nil)
end

---@param msg string
function M.warn(msg)
  M.notify(msg, in_nvim and vim.log.levels.WARN or nil)
end

return M
