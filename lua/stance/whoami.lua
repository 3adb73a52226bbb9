--- Who is annotating: $STANCE_ANNOTATOR, else setup{annotator} (Neovim), else
--- `git config user.name` read in the corpus's own folder (its repository's config, whatever
--- folder Neovim or the shell started in), else $USER. Asked only when something is written
--- or needs the annotator's own layer (a search or a report starts no process), then
--- remembered per corpus.
local M = {}
local H = { cached = {} }

--- The annotator's name in the corpus at `root` (default: the current folder).
---@param root string|nil the corpus's root
---@return string
function M.name(root)
  return (M.source(root))
end

--- The name, and where it comes from: "$STANCE_ANNOTATOR", "setup{annotator}",
--- "git config user.name", "$USER" (or "nothing set").
---@param root string|nil the corpus's root: git reads its repository's config there
---@return string name
---@return string source
function M.source(root)
  local env = os.getenv('STANCE_ANNOTATOR')
  if env and env ~= '' then return env, '$STANCE_ANNOTATOR' end
  if vim then
    local configured = require('stance.config').get().annotator
    if configured and configured ~= '' then return configured, 'setup{annotator}' end
  end
  local key = root or ''
  if not H.cached[key] then
    -- no shell; `git -C ROOT` runs in the corpus's folder: its repository's user.name first
    local argv = root and { 'git', '-C', root, 'config', 'user.name' } or { 'git', 'config', 'user.name' }
    local status, out = require('stance.core').run(argv)
    local name = status == 0 and out:match('^([^\n]*)') or nil
    if name and name ~= '' then
      H.cached[key] = { name, 'git config user.name' }
    else
      local user = os.getenv('USER') or os.getenv('USERNAME')
      H.cached[key] = user and { user, '$USER' } or { 'anonymous', 'nothing set' }
    end
  end
  return H.cached[key][1], H.cached[key][2]
end

--- Whether the name was set on purpose ($STANCE_ANNOTATOR or setup{annotator}), not found.
---@param source string the second value of M.source
---@return boolean
function M.explicit(source)
  return source == '$STANCE_ANNOTATOR' or source == 'setup{annotator}'
end

--- Forget what was looked up (tests).
function M.reset()
  H.cached = {}
end

return M
