--- The layer file made canonical again after an append out of order. Every change of the
--- editor is written at once as the cheapest durable write (stance.editor.persist: new
--- records appended, one fdatasync); an annotation that comes before others in the canonical
--- order (:help stance-format-canonical) is appended at the end all the same, and the file is
--- written whole (atomically, merged with what others wrote meanwhile, as every write) off the
--- user's path: M.DELAY ms after the last change, in Normal mode with no key waiting, and at
--- once at :w, on leaving the buffer or Neovim, when Neovim loses focus, and before this
--- process reads the layers (M.now, M.all).
local M = {}

--- How long after the last change the file is written whole (ms).
M.DELAY = 2000

--- Whether the file of `s` waits for its whole write: appended out of order, or appended to
--- a file read from disk not known to be canonical (then the whole write writes nothing when
--- it is).
---@param s stance.Session
---@return boolean
function M.pending(s)
  return s.appended == true and not s.file.canonical
end

--- Wait M.DELAY ms again (from now) before the whole write of `s`, when one is pending.
---@param s stance.Session
function M.later(s)
  if not M.pending(s) or s.detached then return end
  s.tidy_timer = require('stance.compat').restart_timer(s.tidy_timer, M.DELAY, function() M.idle(s) end)
end

--- The wait ended: written whole unless a key is half typed, text inserted, a command line
--- edited or keys wait (then M.DELAY ms later again).
function M.idle(s)
  if not M.pending(s) or s.detached then return end
  if vim.api.nvim_get_mode().mode ~= 'n' or vim.fn.getchar(1) ~= 0 then return M.later(s) end
  M.now(s)
end

--- Write the file of `s` whole now when it waits for it. Returns true, or nil and why.
---@param s stance.Session
---@return boolean|nil ok
---@return string|nil err
function M.now(s)
  if not M.pending(s) or s.detached or s.readonly then return true end
  return require('stance.editor.persist').save(s, { force = true })
end

--- M.now for every session (of the corpus at `root`, when given).
---@param root string|nil
function M.all(root)
  local session = package.loaded['stance.editor.session']
  for _, s in pairs(session and session.by_buf or {}) do
    if not root or s.corpus.root == root then M.now(s) end
  end
end

return M
