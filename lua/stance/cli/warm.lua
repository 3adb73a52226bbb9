--- stance warm: write the editor's layer cache of annotation files, so that Neovim opens
--- their documents without parsing them (e.g. after a git pull; `stance init --git` installs
--- the hooks that run it).
local cmd = {
  summary = 'Prepare the editor\'s cache of annotation files (fast opening after a pull)',
  usage = 'stance warm [--quiet] [PATH...]',
  description = table.concat({
    'For every annotation file of the corpus around the current directory (or the files',
    'given) whose cache in .stance/cache/ is missing or out of date, reads it, places its',
    'annotations in its document as the editor does, and saves the result there: Neovim then',
    'opens the document without parsing the file (:help stance-cache). Files with errors,',
    'and documents that are not there, are left alone. What was placed is saved even when',
    'annotations moved or lost their text (the editor then says so and writes them), so that',
    'no file is placed twice. A progress bar is drawn on stderr when it is a terminal.',
    '`stance init --git` installs git post-merge and post-checkout hooks that run',
    '`stance warm --quiet`.',
  }, '\n'),
  flags = { quiet = { help = 'print nothing but errors' } },
  args = { min = 0 },
}

function cmd.run(opts, args)
  local core = require('stance.core')
  local fs = require('stance.fs')
  local K = require('stance.cachekey')
  local rootmod = require('stance.root')
  local root = rootmod.find(args[1] or '.')
  if not root then return nil, 'not inside a corpus (no .stance/ folder here or above)' end
  local files = {}
  if #args == 0 then
    files = rootmod.annotation_files(root)
  else
    for _, a in ipairs(args) do
      files[#files + 1] = fs.absolute(a)
    end
  end
  local base = root .. '/' .. rootmod.annotations .. '/'
  local written, fresh, left = 0, 0, 0
  local bar = not opts.quiet and require('stance.cli.progress').files('stance warm') or nil
  for i, path in ipairs(files) do
    local rel = path:sub(1, #base) == base and path:sub(#base + 1) or nil
    if bar then bar:file(i, #files, rel or path) end
    local who, doc = (rel or ''):match('^([^/]+)/(.+)%.stance$')
    local doc_path = doc and root .. '/' .. doc
    local text = doc_path and fs.read(doc_path, root)
    if not text then
      left = left + 1
    else
      local ann_stamp = K.stamp(path)
      local ff, bomb = K.format_of(text)
      local key = K.key(ann_stamp, K.stamp(doc_path), ff, bomb)
      local cache = K.path(root, who, doc)
      local old = fs.read(cache, root)
      if old and key and core.from_snapshot(old, key) then
        fresh = fresh + 1
      else
        local ann = fs.read(path, root)
        local store, problems = core.read(ann or '')
        local errors = false
        for _, p in ipairs(problems or {}) do
          if p.severity == 'error' then errors = true end
        end
        if not store or errors or not key then
          left = left + 1
        else
          local frame = core.frame(text, { crlf = ff == 'dos' })
          frame:anchor(store, { progress = bar and function(done, total) bar:within(done, total) end })
          -- saved even when annotations moved or were orphaned (marked so in the cache): the
          -- editor tells the user and writes the new places; the work is never done twice
          local ok, err = fs.write_inside(root, cache, store:snapshot(key), nil, { cache = true })
          if not ok then return nil, err end
          written = written + 1
        end
      end
    end
  end
  if bar then bar:finish() end
  if not opts.quiet then
    io.stdout:write(('stance warm: %d cache(s) written, %d up to date, %d file(s) left alone\n'):format(written,
      fresh, left))
  end
  return 0
end

return cmd
