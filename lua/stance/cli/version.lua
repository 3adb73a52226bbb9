--- stance version: the versions of the tool and of what its C module was built with.
return {
  summary = 'Print the version of stance and of its libraries',
  usage = 'stance version [--json]',
  flags = { json = { help = 'print a JSON object' } },
  args = { min = 0, max = 0 },
  run = function(opts)
    local v = require('stance.core').version()
    if opts.json then
      io.stdout:write(require('stance.json').encode(v), '\n')
    else
      io.stdout:write(('stance %s (libuv %s, tree-sitter ABI %d, %s)\n'):format(
        v.stance, v.libuv, v.treesitter_abi, v.lua))
    end
    return 0
  end,
}
