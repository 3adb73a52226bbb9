--- Command-line flags: --name, --name=value, --name value, -h, and -- to end flags.
local M = {}

---@class stance.FlagSpec
---@field arg string|nil name of the value (a flag without `arg` is a boolean)
---@field help string
---@field short string|nil one-letter alias
---@field alias string|nil another name of the flag (--annotator of --annotators: commands said one or the other)
---@field default any

---@class stance.CommandSpec
---@field flags table<string, stance.FlagSpec>|nil
---@field args {min: integer, max: integer|nil}|nil positional arguments (max nil: any)
---@field stop_at_positional boolean|nil everything after the first positional is positional

--- The edit distance of two strings (insertions, deletions, substitutions, of bytes).
local function distance(a, b)
  local prev = {}
  for j = 0, #b do
    prev[j] = j
  end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a:byte(i) == b:byte(j) and 0 or 1))
    end
    prev = cur
  end
  return prev[#b]
end

--- The known flag a mistyped `name` most likely meant: one it is a prefix of or that is a
--- prefix of it (--annotator for --annotators), else one within two edits (a third of its
--- length at most); the nearest, then the first by name. nil when none is near.
---@param name string the flag typed, without its dashes
---@param flags table<string, stance.FlagSpec>
---@return string|nil
function M.nearest(name, flags)
  local best, best_d
  for known in pairs(flags) do
    local d
    if known:sub(1, #name) == name or name:sub(1, #known) == known then
      d = 0
    else
      d = distance(name, known)
      if d > 2 or d > #name / 3 then d = nil end
    end
    if d and (not best_d or d < best_d or (d == best_d and known < best)) then best, best_d = known, d end
  end
  return best
end

--- Parse `argv` (a list of strings) against `spec`.
---@param argv string[]
---@param spec stance.CommandSpec
---@return table|nil opts flags by name (with `help` = true for --help/-h)
---@return string[]|string positionals, or the error message
function M.parse(argv, spec)
  local flags = spec.flags or {}
  local short, alias = { h = 'help' }, {}
  for name, f in pairs(flags) do
    if f.short then short[f.short] = name end
    if f.alias then alias[f.alias] = name end
  end
  local opts, pos = {}, {}
  for name, f in pairs(flags) do
    opts[name] = f.default
  end
  local i, only_pos = 1, false
  while i <= #argv do
    local a = argv[i]
    if only_pos or a == '-' or a:sub(1, 1) ~= '-' then
      pos[#pos + 1] = a
      if spec.stop_at_positional then only_pos = true end
    elseif a == '--' then
      only_pos = true
    else
      local name, value = a:match('^%-%-([%w%-_]+)=(.*)$')
      if not name then name = a:match('^%-%-([%w%-_]+)$') or short[a:match('^%-(%w)$') or ''] end
      if name == 'help' then
        opts.help = true
      else
        name = alias[name] or name
        local f = name and flags[name]
        if not f then
          local near = name and M.nearest(name, flags)
          return nil, ('unknown flag %s%s'):format(a, near and (' (did you mean --%s?)'):format(near) or '')
        end
        if f.arg then
          if value == nil then
            i = i + 1
            value = argv[i]
            if value == nil then return nil, ('%s needs a value (%s)'):format(a, f.arg) end
          end
          opts[name] = value
        else
          if value ~= nil then return nil, ('--%s takes no value'):format(name) end
          opts[name] = true
        end
      end
    end
    i = i + 1
  end
  if opts.help then return opts, pos end
  local range = spec.args or { min = 0, max = 0 }
  if #pos < range.min then
    return nil, ('missing argument (expected at least %d)'):format(range.min)
  end
  if range.max and #pos > range.max then
    return nil, ('unexpected argument %s'):format(pos[range.max + 1])
  end
  return opts, pos
end

--- The help text of a command.
---@param name string
---@param cmd table command module
---@return string
function M.help(name, cmd)
  local lines = { 'Usage: ' .. cmd.usage, '', cmd.summary }
  if cmd.description then
    lines[#lines + 1] = ''
    lines[#lines + 1] = cmd.description
  end
  local names = {}
  for flag in pairs(cmd.flags or {}) do
    names[#names + 1] = flag
  end
  table.sort(names)
  lines[#lines + 1] = ''
  lines[#lines + 1] = 'Flags:'
  local rows = { { '-h, --help', 'show this help' } }
  for _, flag in ipairs(names) do
    local f = cmd.flags[flag]
    local left = (f.short and ('-' .. f.short .. ', ') or '') .. '--' .. flag
    if f.arg then left = left .. ' ' .. f.arg end
    rows[#rows + 1] = { left, f.help .. (f.alias and (' (also --%s)'):format(f.alias) or '') }
  end
  local width = 0
  for _, r in ipairs(rows) do
    width = math.max(width, #r[1])
  end
  for _, r in ipairs(rows) do
    lines[#lines + 1] = ('  %-' .. width .. 's  %s'):format(r[1], r[2])
  end
  lines[#lines + 1] = ''
  lines[#lines + 1] = ('See also: stance help, :help stance-cli-%s'):format(name)
  return table.concat(lines, '\n') .. '\n'
end

--- The items of a comma-separated flag value ("ana,ben"), or nil when the flag was not given.
---@param value string|nil
---@return string[]|nil
function M.list(value)
  if value == nil then return nil end
  local out = {}
  for item in value:gmatch('[^,]+') do
    out[#out + 1] = item
  end
  return out
end

--- The layers `--annotator A,B` names, each checked to be a layer of corpus `c` (a typo
--- would export, count or report nothing and look like success): the names; nil when
--- `value` is nil (every layer); nil and an error naming the layers the corpus has when one
--- is not there.
---@param c stance.Corpus
---@param value string|nil
---@return string[]|nil names
---@return string|nil err
function M.layers(c, value)
  local names = M.list(value)
  if not names then return nil end
  if #names == 0 then return nil, ("--annotator names no layer ('%s')"):format(value) end
  local ok, err = require('stance.layer_names').check(c, names)
  if not ok then return nil, err end
  return names
end

--- The annotation files that command-line arguments name: a folder stands for its *.stance
--- files, a file for itself. nil, err for a path that is neither.
---@param args string[]
---@return string[]|nil files
---@return string|nil err
function M.files(args)
  local fs, files = require('stance.fs'), {}
  for _, a in ipairs(args) do
    if fs.is_dir(a) then
      for _, e in ipairs(fs.list(a, { 'stance' }) or {}) do
        files[#files + 1] = a:gsub('/$', '') .. '/' .. e.path
      end
    elseif fs.exists(a) then
      files[#files + 1] = a
    else
      return nil, ('%s: no such file or folder'):format(a)
    end
  end
  return files
end

return M
