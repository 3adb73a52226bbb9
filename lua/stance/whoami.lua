--- Who is annotating: $STANCE_ANNOTATOR, else setup{annotator} (Neovim), else
--- `git config user.name`, else $USER.
local M = {}
local H = { cached = nil }

---@return string name
---@return string source where the name comes from: "$STANCE_ANNOTATOR", "setup()",
--- "git config user.name", "$USER" (or "$USERNAME", "default")
function M.name()
  local env = os.getenv('STANCE_ANNOTATOR')
  if env and env ~= '' then return env, '$STANCE_ANNOTATOR' end
  if vim then
    local configured = require('stance.config').get().annotator
    if configured and configured ~= '' then return configured, 'setup()' end
  end
  if H.cached then return H.cached, H.source end
  local p = io.popen('git config user.name 2>/dev/null')
  local name = p and p:read('*l') or nil
  if p then p:close() end
  local source = 'git config user.name'
  if not name or name == '' then
    name, source = os.getenv('USER'), '$USER'
    if not name or name == '' then name, source = os.getenv('USERNAME'), '$USERNAME' end
    if not name or name == '' then name, source = 'anonymous', 'default' end
  end
  H.cached, H.source = name, source
  return name, source
end

--- Forget what was looked up (tests).
function M.reset()
  H.cached = nil
end

return M
