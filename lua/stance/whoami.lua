--- Who is annotating: $STANCE_ANNOTATOR, else setup{annotator} (Neovim), else
--- `git config user.name` as git reads it in the corpus's own folder (whatever folder Neovim
--- or the shell started in): the corpus's repository's own user.name when it sets one, else
--- the global one (~/.gitconfig, as in a folder that is in no repository), else the
--- system's; else $USER. The source says which file the name came from. Asked only when something is written
--- or needs the annotator's own layer (a search or a report starts no process), then
--- remembered per corpus. `model` and `gold` are no person's names (the layers of the model's
--- suggestions and of the curation): a name found or set so is refused (nil, err), in any case.
local M = {}
local H = { cached = {} }

--- The names of the layers that are nobody's: the model's suggestions, the curation.
M.RESERVED = { model = true, gold = true }

--- The annotator's name in the corpus at `root` (default: the current folder); nil and why
--- when that name is reserved.
---@param root string|nil the corpus's root
---@return string|nil name
---@return string|nil err
function M.name(root)
  local name, source = M.source(root)
  if not name then return nil, source end
  return name
end

--- Why `name` (found in `source`) is refused, on one line; nil when it is a person's name.
---@param name string
---@param source string
---@return string|nil
function M.refused(name, source)
  local lower = name:lower()
  if not M.RESERVED[lower] then return nil end
  return ('your annotator name %q (from %s) is reserved: the layer %s holds %s; choose another name with'
    .. ' $STANCE_ANNOTATOR, setup{annotator = "..."} in Neovim or git config user.name')
    :format(name, source, lower, lower == 'model' and "the model's suggestions" or 'the curation')
end

--- The name, and where it comes from: "$STANCE_ANNOTATOR", "setup{annotator}",
--- "the corpus's git user.name", "your global git user.name (~/.gitconfig)", "the system's
--- git user.name (/etc/gitconfig)" (or "git config user.name" from elsewhere), "$USER" (or
--- "nothing set").
--- When that name is reserved (M.RESERVED): nil and why.
---@param root string|nil the corpus's root: git reads its repository's config there
---@return string|nil name
---@return string source (or err)
function M.source(root)
  local name, source = H.source(root)
  local refused = M.refused(name, source)
  if refused then return nil, refused end
  return name, source
end

function H.source(root)
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
    local run = require('stance.core').run
    local status, out = run(argv)
    local origin, name = (status == 0 and out or ''):match('^([^\t\n]*)\t([^\n]*)')
    if type(status) == 'number' and status ~= 0 and status ~= 1 then
      -- (git before 2.8 knows no --show-origin: the plain name, as git gives it there; 1 is unset)
      argv = root and { 'git', '-C', root, 'config', 'user.name' } or { 'git', 'config', 'user.name' }
      status, out = run(argv)
      origin, name = '', (status == 0 and out or ''):match('^([^\n]*)')
    end
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
