--- stance init [DIR]: make DIR (default: the current directory) a corpus.
local cmd = {
  summary = 'Make a folder a corpus: .stance/ with a schema',
  usage = 'stance init [--git] [DIR]',
  description = table.concat({
    'Creates DIR/.stance/ with schema.stance (stance values, roles, relations and labels;',
    'add your targets), annotations/ for the annotators\' files, a .gitignore that keeps',
    'the index out of git, and DIR/.gitattributes that gives annotation files the stance',
    'merge and diff drivers. Git needs them registered once per clone: init prints the',
    '`git config` lines, and with --git runs them. A corpus is left as it is (--git still',
    'registers the drivers).',
  }, '\n'),
  flags = { git = { help = 'register the merge and diff drivers in the git repository of DIR' } },
  args = { min = 0, max = 1 },
}

cmd.attributes = table.concat({
  '# stance: annotation files merge and diff record by record (`stance init --git` registers',
  '# the drivers in a clone; without them git merges these files line by line).',
  '.stance/annotations/**/*.stance merge=stance diff=stance',
  '# curation decisions (rejections, where gold came from): merged key by key',
  '.stance/curation/**/*.json merge=stance',
  '',
}, '\n')

--- `s` quoted for the POSIX shell: between single quotes, each one inside written '\''.
--- Everything else (spaces, `;`, `$`, backquotes, newlines) is literal there.
---@param s string
---@return string
function cmd.shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- The `git config` settings of the drivers, with the path of this stance when known (git
--- runs them through the shell: the path is quoted).
function cmd.git_settings()
  local exe = require('stance.core').realpath('/proc/self/exe') or ''
  if not exe:match('/stance$') then exe = 'stance' end
  local q = cmd.shell_quote(exe)
  return {
    { 'merge.stance.name', 'stance annotations, record by record' },
    -- git replaces %O, %A, %B, %P (quoted) and %% in the driver's line: a % of the path is %%
    { 'merge.stance.driver', q:gsub('%%', '%%%%') .. ' merge %O %A %B %P' },
    { 'diff.stance.command', q .. ' diff' },
  }, exe
end

--- Run git with arguments (no shell); its output without the final line end (a path may hold
--- other line ends), or nil when it failed.
local function git(dir, ...)
  local status, out = require('stance.core').run({ 'git', '-C', dir, ... })
  if status ~= 0 then return nil end
  return (out:gsub('\n$', ''))
end

--- The first line of the hooks this command writes (how they are told from a user's own).
local HOOK_MARK = "# stance: prepare the editor's cache of the annotation files that changed\n"

--- The body of the hooks: go to the corpus (`rel` below the top of the work tree) and run
--- `exe warm --quiet`. Both paths are shell-quoted: a folder named `x';id;'` is a name.
function cmd.hook_body(rel, exe)
  local q = cmd.shell_quote
  local go = 'cd "$(git rev-parse --show-toplevel)"' .. (rel ~= '' and ('/' .. q(rel)) or '')
  return '#!/bin/sh\n' .. HOOK_MARK .. go .. ' 2>/dev/null && ' .. q(exe) .. ' warm --quiet || true\n'
end

--- git hooks that warm the editor's cache after a merge (pull) or a checkout; says what it
--- did with each, one line each.
local function hooks(dir)
  local top, hookdir = git(dir, 'rev-parse', '--show-toplevel'), git(dir, 'rev-parse', '--git-path', 'hooks')
  if not top or not hookdir then return end
  local core = require('stance.core')
  local fs = require('stance.fs')
  local here = core.realpath(dir) or dir
  if hookdir:sub(1, 1) ~= '/' then hookdir = here .. '/' .. hookdir end -- relative to where git ran
  local rel = here:sub(1, #top + 1) == top .. '/' and here:sub(#top + 2) or ''
  local _, exe = cmd.git_settings()
  local body = cmd.hook_body(rel, exe)
  fs.mkdir_p(hookdir)
  local after = { ['post-merge'] = 'a merge or pull', ['post-checkout'] = 'a checkout' }
  for _, name in ipairs({ 'post-merge', 'post-checkout' }) do
    local path = hookdir .. '/' .. name
    local old = fs.read(path)
    local warm = ('`%s warm --quiet`'):format(cmd.shell_quote(exe))
    if old and not old:find(HOOK_MARK, 1, true) then
      io.stdout:write(('%s exists: add %s to it for fast opening after %s\n'):format(path, warm, after[name]))
    else
      local did = 'kept'
      if old ~= body then -- none yet, or ours from an older stance: (re)written
        local ok, err = core.write_atomic(path, body)
        if ok then ok, err = core.chmod(path, tonumber('755', 8)) end
        if not ok then
          io.stdout:write(('could not write the git hook %s: %s\n'):format(path, tostring(err)))
        end
        did = ok and (old and 'updated' or 'installed')
      end
      if did then
        io.stdout:write(('%s the git hook %s: %s after %s, for fast opening\n'):format(did, path, warm, after[name]))
      end
    end
  end
end

--- What the `git config` settings of the drivers set, for the line that says so (the merge
--- driver's name goes with it, without a line of its own).
local SETTING_TITLE = {
  ['merge.stance.driver'] = 'the merge driver (annotation files merge record by record)',
  ['diff.stance.command'] = 'the diff driver (git diff shows records, not lines)',
}

--- Register the drivers and install the hooks in the git repository of `dir`, saying what
--- was done, one line each.
local function register(dir)
  for _, kv in ipairs((cmd.git_settings())) do
    local status = require('stance.core').run({ 'git', '-C', dir, 'config', kv[1], kv[2] })
    if status ~= 0 then
      return nil, ('%s is not in a git repository (git init first), or git config failed'):format(dir)
    end
    if SETTING_TITLE[kv[1]] then
      io.stdout:write(('registered %s: git config %s %s\n'):format(SETTING_TITLE[kv[1]], kv[1],
        cmd.shell_quote(kv[2])))
    end
  end
  hooks(dir)
  return true
end

--- What .stance/.gitignore holds: the index and the editor's cache are rebuilt from the
--- files; a save's lock and temporary file (.NAME.lock, .NAME.tmp beside the file, left
--- only by a writer killed while saving, and removed by the next save) are its own
--- (stance.ignored: also kept out of git in corpora made before a line was added).
function cmd.ignores()
  return require('stance.ignored').lines()
end

--- Add to the .gitignore of `marker` (.stance/ of the corpus `dir`) the lines of
--- cmd.ignores() it lacks. The file is read and written only inside the corpus: a cloned
--- corpus whose .gitignore is a link out of it (to a key, say) is not copied into it.
local function update_ignores(marker, dir)
  local fs = require('stance.fs')
  local path = marker .. '/.gitignore'
  local text, err, code = fs.read(path, dir)
  if not text and code ~= 'ENOENT' then return nil, ('%s not updated: %s'):format(path, err) end
  text = text or ''
  local ignored = require('stance.ignored')
  local core = require('stance.core')
  if text == '' then return fs.write_inside(dir, path, table.concat(cmd.ignores(), '\n') .. '\n', '') end
  local expect = core.sha256(text)
  -- an older init's unanchored lines (`cache/` also hid .stance/annotations/NAME/cache/...)
  -- replaced by the anchored ones, in place; the user's own lines kept
  local new = ignored.anchor(text)
  if new:sub(-1) ~= '\n' then new = new .. '\n' end
  local add = ignored.missing(new)
  if #add > 0 then new = new .. table.concat(add, '\n') .. '\n' end
  if new == text then return true end
  return fs.write_inside(dir, path, new, expect)
end

--- Give the corpus `dir` a .gitattributes that sets the drivers for annotation files (added to
--- one that does not yet), read and written only inside `dir`.
local function update_attributes(dir)
  local fs = require('stance.fs')
  local path = dir .. '/.gitattributes'
  local text, err, code = fs.read(path, dir)
  if not text then
    if code ~= 'ENOENT' then return nil, ('%s not updated: %s'):format(path, err) end
    return fs.write_inside(dir, path, cmd.attributes, '')
  end
  local curation = '.stance/curation/**/*.json merge=stance'
  if text:find(curation, 1, true) then return true end
  if text:find('merge=stance', 1, true) then -- an older init's: the curation files' line added
    return fs.write_inside(dir, path, text .. (text:sub(-1) == '\n' and '' or '\n') .. curation .. '\n',
      require('stance.core').sha256(text))
  end
  return fs.write_inside(dir, path, text .. '\n' .. cmd.attributes, require('stance.core').sha256(text))
end

function cmd.run(opts, args)
  local fs = require('stance.fs')
  local core = require('stance.core')
  local dir = args[1] or '.'
  if not fs.is_dir(dir) then
    local ok, err = fs.mkdir_p(dir)
    if not ok then return nil, err end
  end
  -- everything below is written inside the folder (a cloned corpus's links are not followed)
  local rdir = core.realpath(dir) or dir
  local marker = rdir .. '/.stance'
  if fs.exists(marker .. '/schema.stance') then
    -- (not a failure: an existing corpus is brought up to date, its drivers registered)
    require('stance.cli').say(io.stderr, ('stance init: %s is a corpus already: %s'):format(rdir,
      opts.git and 'its .gitignore and .gitattributes brought up to date, the drivers registered in this clone'
      or 'its .gitignore and .gitattributes brought up to date (--git registers the drivers in this clone)'))
    require('stance.ignored').upgrade(rdir) -- (an older init's lines anchored, said on stderr)
    local done, uerr = update_ignores(marker, rdir)
    if not done then require('stance.cli').say(io.stderr, 'stance init: ', uerr) end
    done, uerr = update_attributes(rdir) -- (an older init's: the curation files' line added)
    if not done then require('stance.cli').say(io.stderr, 'stance init: ', uerr) end
    if opts.git then
      local ok, err = register(dir)
      if not ok then return nil, err end
    end
    return 0
  end
  local ok, err = fs.mkdir_p(marker .. '/annotations', rdir)
  if not ok then return nil, err end
  local w, werr = fs.write_inside(rdir, marker .. '/schema.stance', require('stance.templates').schema, '')
  if not w then return nil, werr end
  w, werr = update_ignores(marker, rdir)
  if not w then return nil, werr end
  w, werr = update_attributes(rdir)
  if not w then return nil, werr end
  io.stdout:write(('initialized a corpus in %s\n'):format(rdir))
  if opts.git then
    local r, rerr = register(dir)
    if not r then return nil, rerr end
  else
    io.stdout:write('to merge and diff annotation files record by record, run in each clone:\n')
    for _, kv in ipairs((cmd.git_settings())) do
      io.stdout:write(('  git config %s %s\n'):format(kv[1], cmd.shell_quote(kv[2])))
    end
    io.stdout:write('(or: stance init --git)\n')
  end
  return 0
end

return cmd
