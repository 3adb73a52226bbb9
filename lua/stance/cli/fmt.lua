--- stance fmt [--check] [PATH...]: rewrite annotation files in canonical form.
local cmd = {
  summary = 'Rewrite annotation files in canonical form, atomically',
  usage = 'stance fmt [--check] [--force] [--reanchor] [PATH...]',
  description = table.concat({
    'PATH is an annotation file or a folder (its *.stance files); without PATH, every',
    'annotation file of the corpus around the current directory. A file with errors is',
    'left alone (its broken records would be lost) unless --force. --check writes',
    'nothing: it lists the files that are not canonical and exits 1 if there are any.',
    '--reanchor also finds again the annotations of documents that changed since they were',
    'written (as `stance check` reports them) and writes their new offsets, quotes and the',
    'document\'s hash; orphans are kept as they were.',
  }, '\n'),
  flags = {
    check = { help = 'only report files that are not in canonical form' },
    force = { help = 'also rewrite files with errors (their broken records are dropped)' },
    reanchor = { help = 'write the new places of annotations whose document changed' },
  },
  args = { min = 0 },
}

function cmd.run(opts, args)
  local fs = require('stance.fs')
  local annfile = require('stance.annfile')
  local files = {}
  if #args == 0 then
    local root = require('stance.root').find('.')
    if not root then return nil, 'not inside a corpus (no .stance/ folder here or above); give paths' end
    files = require('stance.root').annotation_files(root)
  else
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
  end
  local changed, refused = 0, 0
  for _, path in ipairs(files) do
    if not path:match('schema%.stance$') then
      local file, err = annfile.read(path)
      if not file then return nil, err end
      if file.errors > 0 and not opts.force then
        refused = refused + 1
        io.stderr:write(('stance fmt: %s: %d error(s), left alone (see stance check)\n'):format(path, file.errors))
      elseif opts.reanchor and not opts.check then
        local root = require('stance.root').find(path)
        local res = root and require('stance.reanchor').run(root, file.store)
        if res and res.checked then
          local text = require('stance.reanchor').write(res)
          if text ~= file.text then
            local ok, werr = require('stance.core').write_atomic(path, text, require('stance.core').sha256(file.text))
            if not ok then return nil, werr end
            changed = changed + 1
            io.stdout:write(('%s: %d kept, %d moved, %d orphaned\n'):format(path, res.kept, res.moved, res.orphaned))
          end
        else
          local ok, werr = annfile.save(file, { force = opts.force })
          if ok == nil then return nil, werr end
          if ok then
            changed = changed + 1
            io.stdout:write(path, '\n')
          end
        end
      elseif opts.check then
        if file.store:write() ~= file.text then
          changed = changed + 1
          io.stdout:write(path, '\n')
        end
      else
        local ok, werr = annfile.save(file, { force = opts.force })
        if ok == nil then return nil, werr end
        if ok then
          changed = changed + 1
          io.stdout:write(path, '\n')
        end
      end
    end
  end
  if opts.check then return (changed > 0 or refused > 0) and 1 or 0 end
  return refused > 0 and 1 or 0
end

return cmd
