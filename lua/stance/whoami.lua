--- Who is annotating: $STANCE_ANNOTATOR, else setup{annotator} (Neovim), else
--- `git config user.name`, else $USER.
local M = {}
local H = { cached = nil }

---@return string
function M.name()
  local env = os.getenv('STANCE_ANNOTATOR')
  if env and env ~= '' then return env end
  if vim then
    local configured = require('stance.config').get().annotator
    if configured and configured ~= '' then return configured end
  end
  if H.cached then return H.cached end
  local status, out = require('stance.core').run({ 'git', 'config', 'user.name' })
  local name = status == 0 and out:match('^([^\n]*)') or nil
  if not name or name == '' then name = os.getenv('USER') or os.getenv('USERNAME') or 'anonymous' end
  H.cached = name
  return name
end

--- Forget what was looked up (tests).
function M.reset()
  H.cached = nil
end

return M
