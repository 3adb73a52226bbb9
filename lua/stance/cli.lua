--- The `stance` command line (run by build/bin/stance, Lua 5.4). Each command is a module
--- stance.cli.<name> with { summary, usage, flags, args, run(opts, args) }.
---
--- Exit status: 0 success, 1 runtime failure, 2 usage error, 130 interrupted (Ctrl-C).
--- Data goes to stdout, diagnostics to stderr.
local M = {}
local H = {}

--- Commands in the order `stance --help` lists them.
M.commands = {
  'init', 'index', 'search', 'watch', 'stats', 'report', 'export', 'import', 'check', 'fmt', 'merge', 'diff', 'agree',
  'eval', 'suggest', 'warm', 'run', 'hash', 'version', 'help',
}

--- Commands whose module is not named after them.
H.modules = { init = 'stance.cli.initcorpus' }

--- Run the command line `argv` (arg[1..n]); returns the exit status.
---@param argv string[]
---@return integer
function M.main(argv)
  local list = {}
  for i = 1, #argv do
    list[i] = argv[i]
  end
  local ok, status = xpcall(H.main, H.traceback, list)
  -- the worker's threads stopped, if a command started them (a count from the saved index
  -- starts none: its module is not even loaded)
  local worker = package.loaded['stance.worker']
  if worker then worker.shutdown() end
  io.stdout:flush()
  if ok then return status end
  if tostring(status):find('interrupted!', 1, true) then
    io.stderr:write('stance: interrupted\n')
    return 130
  end
  io.stderr:write('stance: internal error: ', tostring(status), '\n')
  return 1
end

--- Load a command module by name, or nil.
---@param name string
---@return table|nil
function M.command(name)
  for _, known in ipairs(M.commands) do
    if known == name then return require(H.modules[name] or ('stance.cli.' .. name)) end
  end
  return nil
end

--- The text of `stance --help`.
---@return string
function M.usage()
  local lines = {
    'Usage: stance COMMAND [FLAGS] [ARGS]',
    '',
    'Annotate a corpus for stance: scripts, batch jobs and checks for stance.nvim projects.',
    '',
    'Commands:',
  }
  for _, name in ipairs(M.commands) do
    lines[#lines + 1] = ('  %-10s %s'):format(name, M.command(name).summary)
  end
  lines[#lines + 1] = ''
  lines[#lines + 1] = "Run 'stance help COMMAND' or 'stance COMMAND --help' for a command's flags."
  lines[#lines + 1] = 'Global flags: -h, --help; --version.'
  return table.concat(lines, '\n') .. '\n'
end

--- Write one message line on `stream` (io.stderr, io.stdout): `...` joined, with the control
--- and format characters of the data in it (a file name, a layer's or a schema's name) shown
--- escaped (stance.utf8.printable: \n, \x1b, \u202e), so that a name never drives the terminal
--- nor splits a FILE:LINE:COL line. Every message of a command that names a file or a name
--- from the data goes through it.
---@param stream file*
---@param ... any
function M.say(stream, ...)
  local parts = { ... }
  for i = 1, select('#', ...) do
    parts[i] = tostring(parts[i])
  end
  stream:write(require('stance.utf8').printable(table.concat(parts)), '\n')
end

--- Report a usage error in one line and return 2.
---@param msg string
---@param cmd string|nil
---@return integer
function M.usage_error(msg, cmd)
  local hint = cmd and ("stance help " .. cmd) or 'stance --help'
  M.say(io.stderr, ('stance%s: %s (see \'%s\')'):format(cmd and (' ' .. cmd) or '', msg, hint))
  return 2
end

function H.main(argv)
  local name = argv[1]
  if name == nil or name == '--help' or name == '-h' then
    io.stdout:write(M.usage())
    return name == nil and 2 or 0
  end
  if name == '--version' then name = 'version' end
  if name:sub(1, 1) == '-' then return M.usage_error('unknown flag ' .. name) end
  local cmd = M.command(name)
  if not cmd then return M.usage_error(("unknown command '%s'"):format(name)) end
  local args = require('stance.cli.args')
  local rest = {}
  for i = 2, #argv do
    rest[#rest + 1] = argv[i]
  end
  local opts, pos = args.parse(rest, cmd)
  if not opts then return M.usage_error(pos, name) end
  if opts.help then
    io.stdout:write(args.help(name, cmd))
    return 0
  end
  -- a schema with errors (git's conflict markers, a name defined twice) that the command
  -- uses is said on stderr, FILE:LINE:COL first, and the command exits 1 (stance run: unless
  -- the script returns its status); stance check lists it itself, the merge driver leaves it to git
  local schema = not H.own_schema[name] and require('stance.schema')
  if schema then
    schema.sink = function(said)
      io.stderr:write(('stance %s: %s\n'):format(name, require('stance.utf8').printable(said)))
    end
  end
  local status, err = cmd.run(opts, pos)
  if status == nil then
    M.say(io.stderr, ('stance %s: %s'):format(name, tostring(err)))
    return 1
  end
  if schema and status == 0 and schema.met > 0 and name ~= 'run' then return 1 end
  return status
end

--- Commands that say a schema's errors their own way, or never use one.
H.own_schema = { check = true, merge = true, init = true, hash = true, version = true, help = true, watch = true }

function H.traceback(err)
  if type(err) == 'string' and err:find('interrupted!', 1, true) then return err end
  return debug.traceback(tostring(err), 2)
end

return M
