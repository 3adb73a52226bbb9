--- stance merge BASE OURS THEIRS [PATH]: three-way merge of annotation files, record by
--- record; a git merge driver (`stance merge %O %A %B %P`).
local cmd = {
  summary = 'Merge annotation files record by record (a git merge driver)',
  usage = 'stance merge BASE OURS THEIRS [PATH]',
  description = table.concat({
    'Merges the changes from BASE to THEIRS into OURS, by record ID: what changed on one',
    'side only is taken, the same record changed differently on both sides is kept twice,',
    'marked `conflict ours` and `conflict theirs` (the file stays valid; `stance check` and',
    'the editor show the conflict until one version is deleted). The result replaces OURS,',
    'atomically. Exit status: 0 merged cleanly, 1 conflicts (git then reports the file as',
    'conflicted), 2 a file could not be read completely (OURS is left as it was). PATH is',
    'the name shown in messages. An empty or missing BASE is a file both sides created (git\'s',
    'add/add): everything is merged from nothing in common. OURS is replaced under its lock,',
    'only if nobody changed it meanwhile (else the merge is done again). When the sides',
    'recorded different hashes of the document, the result records none: its annotations are',
    'then checked against the document by `stance check`, `stance fmt --reanchor` and the',
    'editor. As a git merge driver (`stance init --git` sets it up):',
    '  git config merge.stance.driver "stance merge %O %A %B %P"',
  }, '\n'),
  args = { min = 3, max = 4 },
}

--- One side (`side`: base, ours, theirs) of the merge of `name`, read from `path`: its store
--- and text, or nil and why (a file with errors is said as stance check says it, at its
--- first error: "NAME:LINE:COL: message (theirs: 2 error(s)); not merged").
local function read(path, name, side)
  local fs = require('stance.fs')
  local text, err, code = fs.read(path)
  if text == nil then
    if code ~= 'ENOENT' then return nil, ('%s (%s): %s'):format(name, side, err) end
    return require('stance.core').store(), nil
  end
  if text == '' then return require('stance.core').store(), text end -- git's base of add/add
  local store, problems = require('stance.core').read(text)
  if not store then return nil, ('%s (%s): %s'):format(name, side, problems) end
  local where, n = require('stance.annfile').first_error(name, problems)
  if where then return nil, ('%s (%s: %d error(s)); not merged'):format(where, side, n) end
  return store, text
end

--- Merge once: the result and the text of OURS it was made from, or nil, exit status.
local function merge_once(base_path, ours_path, theirs_path, name)
  local base, berr = read(base_path, name, 'base')
  local ours, otext = read(ours_path, name, 'ours')
  local theirs, terr = read(theirs_path, name, 'theirs')
  local err = not base and berr or (not ours and otext) or (not theirs and terr)
  if err then
    io.stderr:write('stance merge: ', err, '\n')
    return nil, 2
  end
  local res, merr = require('stance.merge').stores(base, ours, theirs)
  if not res then
    io.stderr:write('stance merge: ', name, ': ', merr, '\n')
    return nil, 2
  end
  return res, otext
end

function cmd.run(_, args)
  local base_path, ours_path, theirs_path = args[1], args[2], args[3]
  local name = args[4] or ours_path
  local core = require('stance.core')
  local res
  for _ = 1, 8 do
    local otext
    res, otext = merge_once(base_path, ours_path, theirs_path, name)
    if not res then return otext end
    -- replace OURS only if it is still what was merged (an editor may be saving it)
    local ok, werr, code = core.write_atomic(ours_path, res.store:write(), otext and core.sha256(otext) or '')
    if ok then break end
    if code ~= 'ECHANGED' then
      io.stderr:write('stance merge: ', werr, '\n')
      return 2
    end
    res = nil
  end
  if not res then
    io.stderr:write('stance merge: ', name, ': OURS keeps changing on disk; not merged\n')
    return 2
  end
  if res.conflicts > 0 then
    io.stderr:write(('stance merge: %s: %d conflict(s), both versions kept (conflict ours/theirs): %s\n'):format(
      name, res.conflicts, table.concat(res.conflict_ids, ', ')))
    return 1
  end
  return 0
end

return cmd
