--- stance hash [DIR]: SHA-256 of every document below DIR, in parallel on the worker.
return {
  summary = 'Print the SHA-256 of every file below DIR, like sha256sum',
  usage = 'stance hash [--ext LIST] [--json] [DIR]',
  description = table.concat({
    'Files are hashed in parallel on background threads and listed in path order as',
    '"HASH  PATH" lines, PATH relative to DIR (default: the current directory). Names',
    'starting with a dot are skipped; symbolic links leading out of DIR are refused.',
    'A progress bar is drawn on stderr when it is a terminal.',
  }, '\n'),
  flags = {
    ext = { arg = 'LIST', help = 'only files with these endings, comma-separated (txt,md)' },
    json = { help = 'one JSON object per file: {"path":..,"hash":..,"size":..}' },
  },
  args = { min = 0, max = 1 },
  run = function(opts, args)
    local stance = require('stance')
    local dir = args[1] or '.'
    local ext = require('stance.cli.args').list(opts.ext)
    for i, e in ipairs(ext or {}) do
      ext[i] = e:gsub('^%.', '')
    end
    local bar = require('stance.cli.progress').new('hashing')
    local job, err = stance.hash(dir, { ext = ext }, {
      on_progress = bar and function(ev) bar:update(ev) end,
    })
    if not job then return nil, err end
    local state = require('stance.worker').wait(job)
    if bar then bar:finish() end
    if state ~= 'done' then return nil, job:error() or state end
    local out, failures = {}, 0
    local json = opts.json and require('stance.json')
    for _, r in ipairs(job:results()) do
      if r.error then
        failures = failures + 1
        io.stderr:write(('stance hash: %s: %s\n'):format(require('stance.utf8').printable(r.path), r.error))
      elseif json then
        out[#out + 1] = json.encode({ path = r.path, hash = r.hash, size = r.size }) .. '\n'
      else
        -- as sha256sum writes it: a name with a line end or a backslash escaped, the line
        -- marked by a leading backslash (sha256sum -c reads it back)
        local name = r.path:gsub('\\', '\\\\'):gsub('\n', '\\n'):gsub('\r', '\\r')
        out[#out + 1] = (name ~= r.path and '\\' or '') .. r.hash .. '  ' .. name .. '\n'
      end
    end
    io.stdout:write(table.concat(out))
    return failures > 0 and 1 or 0
  end,
}
