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
  '',
}, '\n')

--- The `git config` settings of the drivers, with the path of this stance when known.
function cmd.git_settings()
  local exe = require('stance.core').realpath('/proc/self/exe') or ''
  if not exe:match('/stance$') then exe = 'stance' end
  local q = exe:find('[%s\'"]') and ("'" .. exe:gsub("'", "'\\''") .. "'") or exe
  return {
    { 'merge.stance.name', 'stance annotations, record by record' },
    { 'merge.stance.driver', q .. ' merge %O %A %B %P' },
    { 'diff.stance.command', q .. ' diff' },
  }
end

--- git hooks that warm the editor's cache after a merge (pull) or a checkout.
local function hooks(dir)
  local function git(args)
    local p = io.popen(("git -C '%s' %s 2>/dev/null"):format(dir:gsub("'", "'\\''"), args))
    local out = p and p:read('*l')
    if p then p:close() end
    return out
  end
  local top, hookdir = git('rev-parse --show-toplevel'), git('rev-parse --git-path hooks')
  if not top or not hookdir then return end
  if hookdir:sub(1, 1) ~= '/' then hookdir = dir .. '/' .. hookdir end -- relative to where git ran
  local core = require('stance.core')
  local here = core.realpath(dir) or dir
  local rel = here:sub(1, #top) == top and here:sub(#top + 2) or ''
  local exe = cmd.git_settings()[2][2]:match('^(.-) merge ')
  local body = ('#!/bin/sh\n# stance: prepare the editor\'s cache of the annotation files that changed\n'
    .. "cd \"$(git rev-parse --show-toplevel)\"/'%s' 2>/dev/null && %s warm --quiet || true\n"):format(rel, exe)
  require('stance.fs').mkdir_p(hookdir)
  for _, name in ipairs({ 'post-merge', 'post-checkout' }) do
    local path = hookdir .. '/' .. name
    local old = require('stance.fs').read(path)
    if old and not old:find('stance warm', 1, true) then
      io.stdout:write(('%s exists: add `%s warm --quiet` to it for fast opening after a pull\n'):format(path, exe))
    elseif not old then
      local ok = core.write_atomic(path, body)
      if ok then os.execute(("chmod +x '%s'"):format(path:gsub("'", "'\\''"))) end
    end
  end
end

local function register(dir)
  hooks(dir)
  local lines = {}
  for _, kv in ipairs(cmd.git_settings()) do
    local c = ("git -C '%s' config '%s' '%s'"):format(dir:gsub("'", "'\\''"), kv[1], kv[2]:gsub("'", "'\\''"))
    local ok = os.execute(c .. ' 2>/dev/null')
    if ok ~= true and ok ~= 0 then
      return nil, ('%s is not in a git repository (git init first), or git config failed'):format(dir)
    end
    lines[#lines + 1] = kv[1]
  end
  io.stdout:write(('registered the stance merge and diff drivers in %s (git config %s)\n'):format(dir,
    table.concat(lines, ', ')))
  return true
end

function cmd.run(opts, args)
  local fs = require('stance.fs')
  local core = require('stance.core')
  local dir = args[1] or '.'
  if not fs.is_dir(dir) then
    local ok, err = fs.mkdir_p(dir)
    if not ok then return nil, err end
  end
  local marker = dir .. '/.stance'
  if fs.exists(marker .. '/schema.stance') then
    io.stderr:write(('stance init: %s is a corpus already\n'):format(core.realpath(dir)))
    if opts.git then
      local ok, err = register(dir)
      if not ok then return nil, err end
    end
    return 0
  end
  local ok, err = fs.mkdir_p(marker .. '/annotations')
  if not ok then return nil, err end
  local files = {
    ['schema.stance'] = require('stance.templates').schema,
    ['.gitignore'] = '# The search index, the editor\'s cache and the report (stance report) are made from the '
      .. 'files: keep them out of git.\n' .. require('stance.indexer').dir:gsub('^%.stance/', '')
      .. '\ncache/\nreport/\n',
  }
  for name, text in pairs(files) do
    local w, werr = core.write_atomic(marker .. '/' .. name, text, '')
    if not w then return nil, werr end
  end
  if not fs.exists(dir .. '/.gitattributes') then
    local w, werr = core.write_atomic(dir .. '/.gitattributes', cmd.attributes, '')
    if not w then return nil, werr end
  elseif not (fs.read(dir .. '/.gitattributes') or ''):find('merge=stance', 1, true) then
    local w, werr = core.write_atomic(dir .. '/.gitattributes', fs.read(dir .. '/.gitattributes') .. '\n'
      .. cmd.attributes)
    if not w then return nil, werr end
  end
  io.stdout:write(('initialized a corpus in %s\n'):format(core.realpath(dir)))
  if opts.git then
    local r, rerr = register(dir)
    if not r then return nil, rerr end
  else
    io.stdout:write('to merge and diff annotation files record by record, run in each clone:\n')
    for _, kv in ipairs(cmd.git_settings()) do
      io.stdout:write(("  git config %s '%s'\n"):format(kv[1], kv[2]))
    end
    io.stdout:write('(or: stance init --git)\n')
  end
  return 0
end

return cmd
