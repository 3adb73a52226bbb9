--- Who is annotating: $STANCE_ANNOTATOR, else setup{annotator} (Neovim), else
--- `git config user.name`, else $USER. Asked only when something is written or needs the
--- annotator's own layer (a search or a report starts no process), then remembered.
local M = {}
local H = { cached = nil }

---@return string
function M.name()
  return (M.source())
end

--- The name, and where it comes from: "$STANCE_ANNOTATOR", "setup{annotator}",
--- "git config user.name", "$USER" (or "nothing set").
---@return string name
---@return string source
function M.source()
  local env = os.getenv('STANCE_ANNOTATOR')
  if env and env ~= '' then return env, '$STANCE_ANNOTATOR' end
  if vim then
    local configured = require('stance.config').get().annotator
    if configured and configured ~= '' then return configured, 'setup{annotator}' end
  end
  if not H.cached then
    local status, out = require('stance.core').run({ 'git', 'config', 'user.name' }) -- no shell
    local name = status == 0 and out:match('^([^\n]*)') or nil
    if name and name ~= '' then
      H.cached = { name, 'git config user.name' }
    else
      local user = os.getenv('USER') or os.getenv('USERNAME')
      H.cached = user and { user, '$USER' } or { 'anonymous', 'nothing set' }
    end
  end
  return H.cached[1], H.cached[2]
end

--- Forget what was looked up (tests).
function M.reset()
  H.cached = nil
end

return M
