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
    local name = H.git_user()
    if name and name ~= '' then
      H.cached = { name, 'git config user.name' }
    else
      local user = os.getenv('USER') or os.getenv('USERNAME')
      H.cached = user and { user, '$USER' } or { 'anonymous', 'nothing set' }
    end
  end
  return H.cached[1], H.cached[2]
end

--- `git config user.name`, or nil: run directly in Neovim (no shell); the host's Lua can
--- only run a command line through sh, which is a constant here.
function H.git_user()
  if vim then
    local ok, out = pcall(vim.fn.systemlist, { 'git', 'config', 'user.name' })
    if ok and vim.v.shell_error == 0 and type(out) == 'table' then return out[1] end
    return nil
  end
  local p = io.popen('git config user.name 2>/dev/null')
  if not p then return nil end
  local name = p:read('*l')
  p:close()
  return name
end

--- Forget what was looked up (tests).
function M.reset()
  H.cached = nil
end

return M
