--- Who is annotating: $STANCE_ANNOTATOR, else setup{annotator} (Neovim), else
--- `git config user.name` as git reads it in the corpus's own folder (whatever folder Neovim
--- or the shell started in): the corpus's repository's own user.name when it sets one, else
--- the global one (~/.gitconfig, as in a folder that is in no repository), else the
--- system's; else $USER. The source says which file the name came from. Asked only when something is written
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
--- "the corpus's git user.name", "your global git user.name (~/.gitconfig)", "the system's
--- git user.name (/etc/gitconfig)" (or "git config user.name" from elsewhere), "$USER" (or
--- "nothing set").
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
    local argv = root and { 'git', '-C', root, 'config', '--show-origin', 'user.name' }
      or { 'git', 'config', '--show-origin', 'user.name' }
    local status, out = require('stance.core').run(argv)
    local origin, name = (status == 0 and out or ''):match('^([^\t\n]*)\t([^\n]*)')
    if name and name ~= '' then
      H.cached[key] = { name, H.origin(origin) }
    else
      local user = os.getenv('USER') or os.getenv('USERNAME')
      H.cached[key] = user and { user, '$USER' } or { 'anonymous', 'nothing set' }
    end
  end
  return H.cached[key][1], H.cached[key][2]
end

--- Where git found user.name (`git config --show-origin`'s "file:PATH"), in words.
function H.origin(origin)
  local path = origin:match('^file:(.*)$')
  if not path then return 'git config user.name' end
  local home = os.getenv('HOME')
  local shown = path
  if home and home ~= '' and path:sub(1, #home + 1) == home .. '/' then shown = '~' .. path:sub(#home + 1) end
  if path:match('%.git/config$') or path:match('%.git/worktrees/[^/]+/config') then
    return "the corpus's git user.name"
  end
  if path:match('^/etc/') then return ('the system\'s git user.name (%s)'):format(shown) end
  return ('your global git user.name (%s)'):format(shown)
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
