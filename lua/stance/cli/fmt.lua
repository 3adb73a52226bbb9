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
  local annfile = require('stance.annfile')
  local files
  if #args == 0 then
    local root = require('stance.root').find('.')
    if not root then return nil, 'not inside a corpus (no .stance/ folder here or above); give paths' end
    files = require('stance.root').annotation_files(root)
  else
    local err
    files, err = require('stance.cli.args').files(args)
    if not files then return nil, err end
  end
  local changed, refused = 0, 0
  local bar = opts.reanchor and require('stance.cli.progress').files('stance fmt') or nil
  local function say(stream, ...) -- a message line: the bar is erased first, and drawn again after
    if bar then bar:finish() end
    require('stance.cli').say(stream, ...)
  end
  local function save(path, file) -- rewritten in the canonical form (atomically; unless changed on disk)
    local ok, werr = annfile.save(file, { force = opts.force })
    if ok == nil then
      refused = refused + 1
      say(io.stderr, ('stance fmt: %s: not written: %s'):format(path, werr))
    elseif ok then
      changed = changed + 1
      say(io.stdout, path)
    end
  end
  for i, path in ipairs(files) do
    if bar then bar:file(i, #files, path) end
    if not path:match('schema%.stance$') then
      -- read only when it is a regular file inside its corpus (a link out of it is refused)
      local root = require('stance.root').of_file(path)
      local file, err = annfile.read(path, nil, root)
      if not file then
        -- one file that cannot be read or written stops only itself: the others are done
        refused = refused + 1
        say(io.stderr, ('stance fmt: %s'):format(err))
      elseif file.errors > 0 and not opts.force then
        refused = refused + 1
        say(io.stderr, ('stance fmt: %s: %d error(s), left alone (see stance check)'):format(path, file.errors))
      elseif opts.reanchor and not opts.check then
        local R = require('stance.reanchor')
        -- a `document` record that names another document than the file's place: not rewritten
        local mismatch = root and R.mismatch(root, path, file.store, file.text)
        local res = root and not mismatch and R.run(root, file.store,
          { document = R.document_of(root, path),
            progress = bar and function(done, total) bar:within(done, total) end })
        if mismatch then
          refused = refused + 1
          say(io.stderr, ('stance fmt: %s:%d:%d: %s'):format(path, mismatch.line, mismatch.col, mismatch.message))
        elseif res and res.refused then
          refused = refused + 1
          say(io.stderr, ('stance fmt: %s: document "%s" is not read: %s'):format(path, res.document, res.refused))
        elseif res and res.checked then
          local text = require('stance.reanchor').write(res)
          if res.unverified > 0 then
            -- kept where the file says, unchecked: the file keeps its hash (doc/format.md 8.3)
            say(io.stderr, ('stance fmt: %s: %d annotation(s) without a quote cannot be re-anchored (%s changed since '
              .. 'annotated): the file keeps its hash; stance check lists them\n'):format(path, res.unverified,
              res.document))
          end
          if text ~= file.text then
            local ok, werr = require('stance.fs').write_inside(root, path, text, annfile.hash(file))
            if ok then
              changed = changed + 1
              say(io.stdout, ('%s: %d kept, %d moved, %d orphaned'):format(path, res.kept, res.moved, res.orphaned))
            else
              refused = refused + 1
              say(io.stderr, ('stance fmt: %s: not written: %s'):format(path, werr))
            end
          end
        else
          save(path, file)
        end
      elseif opts.check then
        if file.store:write() ~= file.text then
          changed = changed + 1
          say(io.stdout, path)
        end
      else
        save(path, file)
      end
    end
  end
  if bar then bar:finish() end
  if opts.check then return (changed > 0 or refused > 0) and 1 or 0 end
  return refused > 0 and 1 or 0
end

return cmd
