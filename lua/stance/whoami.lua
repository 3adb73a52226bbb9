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
  local p = io.popen('git config user.name 2>/dev/null')
  local name = p and p:read('*l') or nil
  if p then p:close() end
  if not name or name == '' then name = os.getenv('USER') or os.getenv('USERNAME') or 'anonymous' end
  H.cached = name
  return name
end

--- Forget what was looked up (tests).
function M.reset()
  H.cached = nil
end

return M
