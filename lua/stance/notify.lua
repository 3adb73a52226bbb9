--- The only place that talks to the user about runtime failures and news.
--- In Neovim it goes through vim.notify (scheduled, safe from any callback); in the
--- `stance` host it goes to stderr.
local M = {}

local in_nvim = vim ~= nil and vim.api ~= nil
local H = {}
-- Neovim's own vim.notify, as it was when this module was loaded
H.builtin = in_nvim and vim.notify or nil

--- A message to the user. In Neovim: by the one-line rule (M.line: cut with "…" to the
--- screen, whole in :messages), unless vim.notify was replaced (a notification plugin, a
--- test): then through it, whole.
---@param msg string
---@param level? integer vim.log.levels value (default INFO)
function M.notify(msg, level)
  if in_nvim then
    level = level or vim.log.levels.INFO
    if vim.notify == H.builtin then return M.line(msg, level) end
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

--- A message on one line of the message area, never a "Press ENTER" prompt: cut to the
--- room there with "…" when longer, the whole of it kept in |:messages|. For the messages
--- that name a file:line:col and then what follows from it (the place first, then the rest).
--- In the `stance` host: stderr, whole.
---@param msg string
---@param level? integer vim.log.levels value (default INFO)
function M.line(msg, level)
  if not in_nvim then return M.notify(msg, level) end
  level = level or vim.log.levels.INFO
  local hl = (level >= vim.log.levels.ERROR and 'ErrorMsg') or (level == vim.log.levels.WARN and 'WarningMsg') or nil
  local function say()
    -- a question open (the label's, a target's): said once it is answered, not over it
    local prompt = package.loaded['stance.editor.prompt']
    if prompt and prompt.asking() then return vim.defer_fn(say, 100) end
    local text = ('(stance) ' .. msg):gsub('\n', ' ')
    -- into the history whole, shown nowhere (execute() takes what it would print)
    pcall(vim.fn.execute, 'echomsg ' .. vim.fn.string(text), '')
    vim.api.nvim_echo({ { M.fit(text), hl } }, false, {})
  end
  vim.schedule(say)
end

--- `text` as it fits on one line of the message area: cut with "…" where it ends.
---@param text string
---@return string
function M.fit(text)
  local room = vim.v.echospace
  if room == nil or room <= 0 then room = vim.o.columns - 12 end
  if vim.fn.strdisplaywidth(text) <= room then return text end
  local cut = room - 1
  text = vim.fn.strcharpart(text, 0, math.max(1, cut))
  while vim.fn.strdisplaywidth(text) > cut and #text > 0 do
    text = vim.fn.strcharpart(text, 0, vim.fn.strchars(text) - 1)
  end
  return text .. '…'
end

return M
