--- stance init [DIR]: make DIR (default: the current directory) a corpus.
local cmd = {
  summary = 'Make a folder a corpus: .stance/ with a schema',
  usage = 'stance init [DIR]',
  description = table.concat({
    'Creates DIR/.stance/ with schema.stance (stance values, roles, relations and labels;',
    'add your targets), annotations/ for the annotators\' files, and a .gitignore that keeps',
    'the index out of git. A folder that is a corpus already is left as it is.',
  }, '\n'),
  args = { min = 0, max = 1 },
}

function cmd.run(_, args)
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
    return 0
  end
  local ok, err = fs.mkdir_p(marker .. '/annotations')
  if not ok then return nil, err end
  local files = {
    ['schema.stance'] = require('stance.templates').schema,
    ['.gitignore'] = '# The search index is rebuilt from the documents: keep it out of git.\n'
      .. require('stance.indexer').file:gsub('^%.stance/', '') .. '\n',
  }
  for name, text in pairs(files) do
    local w, werr = core.write_atomic(marker .. '/' .. name, text, '')
    if not w then return nil, werr end
  end
  io.stdout:write(('initialized a corpus in %s\n'):format(core.realpath(dir)))
  return 0
end

return cmd
