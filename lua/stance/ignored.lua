--- The runtime files under a corpus's .stance (a watcher's lock, socket and markers, the search
--- index, the caches, a save's lock) kept out of `git status` in every corpus, also one made
--- before `stance init` listed them all in .stance/.gitignore: before the first such file is
--- written in a process, the lines .stance/.gitignore lacks are added to the repository's own
--- info/exclude (never committed, so `git status` stays clean; the user's lines kept; updated
--- atomically). Found without starting git (the .git folder, or file of a linked worktree,
--- above the corpus). `stance init` in the corpus adds them to .stance/.gitignore for everyone.
local M = {}
local H = {}

H.done = {} -- corpora seen in this process (by root)

--- The lines .stance/.gitignore should hold (patterns, below .stance/; comments first). Each
--- runtime file or folder anchored to its own place (`/cache/`, not `cache/`): layer files mirror
--- the documents' paths, so an unanchored `cache/` would also hide
--- .stance/annotations/alice/cache/q1.txt.stance (a document in a folder named cache, or an
--- annotator named so) from git. Only a save's own `.*.lock` and `.*.tmp` (beside any file) are not.
---@return string[]
function M.lines()
  return {
    '# Made from the files (the search index, the editor\'s cache, the report), or a save\'s own',
    '# (its lock, its temporary file), or a watcher\'s (stance watch): kept out of git.',
    '/' .. (require('stance.indexer').dir:gsub('^%.stance/', '')), '/cache/', '/report/', '.*.lock', '.*.tmp',
    '/watch.lock', '/watch.sock', '/watch-cookie-*', '/watch.log', '/watch.failed',
    '/watch.start', '/watch.starting',
  }
end

--- The exact unanchored lines an older `stance init` wrote (git history of
--- lua/stance/cli/initcorpus.lua, 172f72a to 987a8ae), each with the anchored line that takes
--- its place: every one also hid annotation files (.stance/annotations/alice/cache/q1.txt.stance,
--- a document in a folder named so, or an annotator named so). A fixed list: never what a
--- user wrote. (`.*.lock`, `.*.tmp` stay as they are: a save's own, beside any file.)
H.OLDER = { 'index.bin', 'cache/', 'report/', 'watch.lock', 'watch.sock', 'watch-cookie-*', 'watch.log',
  'watch.failed', 'watch.start', 'watch.starting' }

---@return table<string, string>
function M.older()
  local out = {}
  for _, line in ipairs(H.OLDER) do
    out[line] = '/' .. line
  end
  return out
end

--- `text` (a .stance/.gitignore) with each of an older init's lines (M.older(), exact; a
--- line's CR kept) in its anchored form, in place: every other line, the order and the line
--- ends kept; an old line whose anchored form is there already dropped. Also the old lines
--- replaced, in their order.
---@param text string
---@return string new
---@return string[] replaced
function M.anchor(text)
  local older, have, out, replaced = M.older(), {}, {}, {}
  for line in text:gmatch('[^\n]+') do
    have[(line:gsub('\r$', ''))] = true
  end
  local pos = 1
  while pos <= #text do
    local e = text:find('\n', pos, true)
    local line = text:sub(pos, (e or #text + 1) - 1)
    local cr = line:match('\r$') or ''
    local bare = cr == '' and line or line:sub(1, -2)
    local now = older[bare]
    if now then
      replaced[#replaced + 1] = bare
      if not have[now] then out[#out + 1] = now .. cr .. (e and '\n' or '') end
      have[now] = true
    else
      out[#out + 1] = text:sub(pos, e or #text)
    end
    pos = (e or #text) + 1
  end
  return table.concat(out), replaced
end

--- How many annotation files under `root`'s .stance/annotations the `lines` (unanchored
--- patterns below .stance/) hid from git: a folder of the file's path (or the file's own name,
--- for a pattern without a final /) matching one. Counted from a listing (git is not started);
--- nil when the folder cannot be listed.
function H.hidden(root, lines)
  local pats = {}
  for _, line in ipairs(lines) do
    local name, dir = line:match('^(.-)(/?)$')
    pats[#pats + 1] = { '^' .. name:gsub('[%^%$%(%)%%%.%[%]%+%-%?]', '%%%0'):gsub('%*', '[^/]*') .. '$', dir == '/' }
  end
  local list = require('stance.core').list(root .. '/.stance/annotations', { ext = { 'stance' }, names = true })
  if not list then return nil end
  local n = 0
  for _, rel in ipairs(list) do
    local parts = {}
    for part in rel:gmatch('[^/]+') do
      parts[#parts + 1] = part
    end
    local hit = false
    for i, part in ipairs(parts) do
      for _, p in ipairs(pats) do
        if (i < #parts or not p[2]) and part:find(p[1]) then hit = true end
      end
    end
    if hit then n = n + 1 end
  end
  return n
end

H.upgraded = {} -- corpora whose .stance/.gitignore was looked at in this process (by root)

--- Mend the .stance/.gitignore of an older corpus at `root` (once per process per corpus): its
--- older init's unanchored lines (M.older()) rewritten anchored, in place and atomically (the
--- file must still be what was read), every other line kept; said once, on one line (stderr in
--- the `stance` host, the message area in the editor), for it must be committed. A
--- .gitignore that is a link or not a regular file is left alone. Nothing is said when nothing
--- changed (a second run).
---@param root string the corpus (absolute)
---@return boolean|nil changed
---@return string|nil err
function M.upgrade(root)
  if H.upgraded[root] then return false end
  H.upgraded[root] = true
  local core = require('stance.core')
  local path = root .. '/.stance/.gitignore'
  if core.readlink(path) ~= false then return false end -- a link, or none
  local st = core.stat(path)
  if not st or st.type ~= 'file' then return false end
  local fs = require('stance.fs')
  local text = fs.read(path, root)
  if not text then return false end
  local new, replaced = M.anchor(text)
  if new == text then return false end
  local ok, err = fs.write_inside(root, path, new, core.sha256(text))
  if not ok then return nil, err end
  local hidden = H.hidden(root, replaced)
  require('stance.notify').line(('%s updated, commit it: the lines of an older stance init (%s) also hid'
    .. ' annotation files from git, anchored now (/%s)%s'):format(path, table.concat(replaced, ', '),
    table.concat(replaced, ', /'), (hidden or 0) > 0
    and ('; %d annotation file(s) it hid now show in git status: commit them too'):format(hidden) or ''),
    vim and vim.log and vim.log.levels.WARN or nil)
  return true
end

--- The patterns of M.lines() that `text` (an ignore file) lacks.
---@param text string
---@return string[]
function M.missing(text)
  local have = {}
  for line in text:gmatch('[^\n]+') do
    have[line] = true
  end
  local out = {}
  for _, line in ipairs(M.lines()) do
    if not have[line] and not line:match('^#') then out[#out + 1] = line end
  end
  return out
end

--- `path` (a folder below a work tree's top) escaped for git's patterns (a `[`, `*`, `?` or `\`
--- taken as itself); nil when a line cannot hold it (a line break).
---@param path string
---@return string|nil
function M.glob_escape(path)
  if path:find('[\n\r]') then return nil end
  return (path:gsub('[%[%]%*%?\\!#]', '\\%0'))
end

--- Make sure the runtime files of the corpus at `root` are ignored by git before one is
--- written (once per process per corpus). Never fails the write: what could not be done is
--- returned (nil, err) for who wants it.
---@param root string the corpus (absolute)
---@return boolean|nil ok
---@return string|nil err
function M.ensure(root)
  if H.done[root] then return true end
  H.done[root] = true
  M.upgrade(root) -- (an older init's unanchored lines: anchored first, said once)
  local fs = require('stance.fs')
  local text = fs.read(root .. '/.stance/.gitignore', root) or ''
  local missing = M.missing(text)
  if #missing == 0 then return true end
  local git, top = H.git_dir(root)
  if not git then return true end -- not in git: nothing shows
  local prefix = root == top and '' or M.glob_escape(root:sub(#top + 2) .. '/')
  if not prefix then return nil, root .. ': a name git\'s ignore files cannot hold' end
  local path = git .. '/info/exclude'
  local old, _, code = fs.read(path)
  if not old and code ~= 'ENOENT' then return nil, path .. ': cannot be read' end
  local expect = old and require('stance.core').sha256(old) or '' -- ('': made, not replaced)
  old = old or ''
  local add = {}
  local have = {}
  for line in old:gmatch('[^\n]+') do
    have[line] = true
  end
  for _, p in ipairs(missing) do
    -- (`.*.lock`, `.*.tmp`: beside any file below .stance; the others anchored to their place)
    local line = '/' .. prefix .. '.stance/' .. (p:sub(1, 1) == '/' and p:sub(2) or '**/' .. p)
    if not have[line] then add[#add + 1] = line end
  end
  if #add == 0 then return true end
  if not fs.is_dir(git .. '/info') then -- (the one folder made, inside a git folder checked)
    local ok, err = fs.mkdir_p(git .. '/info', git)
    if not ok then return nil, err end
  end
  local core = require('stance.core')
  local new = old .. ((old == '' or old:sub(-1) == '\n') and '' or '\n')
    .. ('# stance: runtime files of the corpus %s (older .stance/.gitignore)\n'):format(prefix == '' and '.' or prefix)
    .. table.concat(add, '\n') .. '\n'
  return core.write_atomic(path, new, expect)
end

--- Whether `dir` (a real folder, resolved) is a git folder: HEAD and objects/, or (a linked
--- worktree's) HEAD and a commondir file.
function H.is_git_dir(dir)
  local fs = require('stance.fs')
  local core = require('stance.core')
  local head = core.stat(dir .. '/HEAD')
  if not head or head.type ~= 'file' then return false end
  return fs.is_dir(dir .. '/objects') or (core.stat(dir .. '/commondir') or {}).type == 'file'
end

--- The git folder whose info/exclude applies to the corpus at `root`, and the top of its work
--- tree; nil when `root` is in none, or in one whose .git does not check out: a .git folder
--- (not a link to one), or a .git file whose `gitdir:` names an existing git folder (for a
--- linked worktree, its commondir's, as git reads it). Nothing is made or trusted beyond that:
--- a .git file of a plain folder (`gitdir: ../elsewhere`) writes nothing anywhere.
function H.git_dir(root)
  local fs = require('stance.fs')
  local core = require('stance.core')
  local dir = root
  for _ = 1, 128 do
    local dotgit = dir .. '/.git'
    local st = core.stat(dotgit)
    if st and st.type == 'directory' then
      -- a link named .git resolves elsewhere: not this work tree's own folder
      local real, real_dir = core.realpath(dotgit), core.realpath(dir)
      if not real or not real_dir or real ~= (real_dir == '/' and '' or real_dir) .. '/.git' then return nil end
      if not H.is_git_dir(real) then return nil end
      return real, dir
    elseif st and st.type == 'file' then
      local text = fs.read(dotgit)
      local gd = text and text:match('^gitdir:[ \t]*([^\n]-)[ \t\r]*\n?$')
      if not gd or gd == '' then return nil end
      if gd:sub(1, 1) ~= '/' then gd = dir .. '/' .. gd end
      gd = core.realpath(gd)
      if not gd or not fs.is_dir(gd) or not H.is_git_dir(gd) then return nil end
      local common = fs.read(gd .. '/commondir')
      common = common and common:gsub('%s+$', '')
      if common and common ~= '' then -- a linked worktree: git reads the common folder's exclude
        common = core.realpath(common:sub(1, 1) == '/' and common or gd .. '/' .. common)
        if not common or not fs.is_dir(common) or not H.is_git_dir(common) then return nil end
        return common, dir
      end
      return gd, dir
    elseif st then
      return nil
    end
    local parent = dir:match('^(.+)/[^/]+$')
    if not parent then return nil end
    dir = parent
  end
  return nil
end

return M
