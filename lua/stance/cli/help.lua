--- stance help [COMMAND]
return {
  summary = 'Show the help of stance or of one command',
  usage = 'stance help [COMMAND]',
  args = { min = 0, max = 1 },
  run = function(_, args)
    local cli = require('stance.cli')
    if not args[1] then
      io.stdout:write(cli.usage())
      return 0
    end
    local cmd = cli.command(args[1])
    if not cmd then return cli.usage_error(("unknown command '%s'"):format(args[1])) end
    io.stdout:write(require('stance.cli.args').help(args[1], cmd))
    return 0
  end,
}
