--- stance merge BASE OURS THEIRS [PATH]: three-way merge of annotation files, record by
--- record; a git merge driver (`stance merge %O %A %B %P`).
local cmd = {
  summary = 'Merge annotation files record by record (a git merge driver)',
  usage = 'stance merge BASE OURS THEIRS [PATH]',
  description = table.concat({
    'Merges the changes from BASE to THEIRS into OURS, by record ID: what changed on one',
    'side only is taken, the same record changed differently on both sides is kept twice,',
    'marked `conflict ours` and `conflict theirs` (the file stays valid; `stance check` and',
    'the editor show the conflict until one version is deleted); a relation kept on one side',
    'whose end (an annotation) the other side deleted is kept with that end, both marked',
    '`conflict SIDE` (the side that kept them), never left dangling. The result replaces OURS,',
    'atomically. Exit status: 0 merged cleanly, 1 conflicts (git then reports the file as',
    'conflicted), 2 a file could not be read completely (OURS is left as it was). PATH is',
    'the name shown in messages. An empty BASE (zero bytes, or blanks only) is a file both',
    'sides created (git\'s add/add): everything is merged from nothing in common. A side that',
    'does not exist, is a folder or cannot be read, and an empty OURS or THEIRS (a layer cut',
    'to nothing: stance never writes one), is refused with exit 2, the file named, OURS left',
    'as it was byte for byte (git then reports a conflict). OURS is replaced under its lock,',
    'only if nobody changed it meanwhile (else the merge is done again). When the sides',
    'recorded different hashes of the document, the result records none: its annotations are',
    'then checked against the document by `stance check`, `stance fmt --reanchor` and the',
    'editor. A curation state file (.stance/curation/DOC.json) merges place by place: a place',
    'decided differently on both sides (accepted and rejected, two versions accepted) is left open,',
    'both decisions kept in its "conflicts" (exit 1; stance check says it, :Stance curate decides',
    'it again); rejections made on either side are kept. The header\'s `document` and `annotator`',
    'changed by theirs keep ours (a conflict,',
    'theirs\' left inside `document` as `# conflict theirs: ...`, which stance check says), unless',
    'theirs\' `document` is what PATH\'s place gives, ours\' is not, and the document there is the',
    'text ours recorded (its hash): the document renamed on theirs, its layer moved with it.',
    'The model layer (PATH in the folder `model`, else a file whose annotator is model) never',
    'conflicts: of a suggestion made differently on both sides one version is kept (a rejection,',
    'else the newer), a change over a deletion, and of two suggestions for one sentence and target',
    'the newer; said on stderr, exit 0.',
    'An annotation file of a corpus reached through a link (the file, or a folder between it',
    'and .stance/annotations/NAME/) is neither read nor written: exit 2, the link said.',
    'As a git merge driver (`stance init --git` sets it up):',
    '  git config merge.stance.driver "stance merge %O %A %B %P"',
  }, '\n'),
  args = { min = 3, max = 4 },
}

local H = {}

--- One side of the merge of curation state file `name`, from its bytes `text` (false: no
--- file): the decoded state, or nil and "NAME:LINE:COL: message (side); not merged".
function H.state(text, name, side)
  if not text or text:match('^%s*$') then return {} end
  local p, state = require('stance.curation_state').problem(text)
  if p then return nil, ('%s:%d:%d: %s (%s); not merged'):format(name, p.line, p.col, p.message, side) end
  return state
end

--- The merge of curation state files (stance.curation_merge), from their bytes `x`: as
--- merge_once returns.
function H.curation(x, name, ohash)
  local st = {}
  for _, side in ipairs({ 'base', 'ours', 'theirs' }) do
    local err
    st[side], err = H.state(x[side], name, side)
    if not st[side] then
      require('stance.cli').say(io.stderr, 'stance merge: ', err)
      return nil, nil, nil, 2
    end
  end
  local merged, conflicts = require('stance.curation_merge').states(st.base, st.ours, st.theirs)
  -- each conflict said in its own words (a place decided differently, a value of ours kept)
  local res = { conflicts = #conflicts, conflict_ids = {}, header_conflicts = {}, said = conflicts }
  return require('stance.json').encode(merged) .. '\n', res, ohash
end

--- What the place of the merged file says (PATH, as git passes it: relative to the top of
--- the worktree, where it runs the driver): { document, folder, hash (of the document's text
--- there, when it exists) } when it is an annotation
--- file of a corpus (stance.merge's place), else nil. Its folder need not exist yet (a layer
--- moved on theirs): the deepest one that does finds the corpus.
function H.place(path)
  local core, R = require('stance.core'), require('stance.root')
  local dir, rest = path:match('^(.*)/([^/]*)$')
  if not dir then dir, rest = '.', path elseif dir == '' then dir = '/' end
  local real = core.realpath(dir)
  while not real do
    local up, last = dir:match('^(.*)/([^/]*)$')
    if not up then up, last = '.', dir end
    if up == dir or last == '' then return nil end
    dir, rest = up == '' and '/' or up, last .. '/' .. rest
    real = core.realpath(dir)
  end
  local root = R.find(real)
  if not root then return nil end
  local abs = (real == '/' and '' or real) .. '/' .. rest
  local document = require('stance.reanchor').document_of(root, abs)
  if not document then return nil end
  local annotations = (root == '/' and '' or root) .. '/' .. R.annotations .. '/'
  -- the text of the document there (a rename is taken only when it is the text ours counts in)
  local text = require('stance.fs').read((root == '/' and '' or root) .. '/' .. document)
  return { document = document, folder = abs:sub(#annotations + 1):match('^([^/]+)/'),
    hash = text and ('sha256:' .. core.sha256(text)) or nil }
end

--- What a side's file is when it cannot be merged, in words (nil: it can).
local WHY = {
  ENOENT = 'does not exist',
  EISDIR = 'is a folder, not a file',
  ENOTREG = 'is not a regular file',
}

--- The bytes of one side (`side`: base, ours, theirs; `path` as given, `name` the file's name
--- for messages), or nil, why. Git always passes three files (an empty BASE when both sides
--- added the file: add/add), so a side that does not exist, is not a regular file or cannot
--- be read is refused, and so is an empty OURS or THEIRS (nothing but blanks: a layer file
--- stance writes starts with `format stance 1`, so an empty one is a layer lost, a file cut
--- to nothing); an empty BASE is "nothing in common" (git's add/add). Refused: git then
--- reports the file as conflicted, OURS left as it was.
local function bytes(path, name, side)
  local printable = require('stance.utf8').printable
  local text, err, code = require('stance.fs').read(path)
  local function refuse(why)
    return nil, ('%s: %s (%s) %s; not merged, ours left as it was'):format(name, side, printable(path), why)
  end
  if text == nil then
    if WHY[code] then return refuse(WHY[code]) end
    return refuse('cannot be read: ' .. printable(tostring(err)))
  end
  if side ~= 'base' and text:match('^%s*$') then
    local json = name:match('%.json$')
    return refuse(('is empty (%d bytes%s) where a %s was expected (git passes an empty file only as BASE, for'
      .. ' a file both sides added)'):format(#text, json and '' or ', no `format stance 1` line',
        json and 'curation file' or 'layer'))
  end
  return text
end

--- One side (`side`: base, ours, theirs) of the merge of `name`, parsed from its bytes `text`
--- (false: no file): its store, or nil and why (a file with errors is said as stance check
--- says it, at its first error: "NAME:LINE:COL: message (theirs: 2 error(s)); not merged").
local function parse(text, name, side)
  local core = require('stance.core')
  if not text or text == '' then return core.store() end -- none, or git's base of add/add
  local store, problems = core.read(text)
  if not store then return nil, ('%s (%s): %s'):format(name, side, problems) end
  local where, n = require('stance.annfile').first_error(name, problems)
  if where then return nil, ('%s (%s: %d error(s)); not merged'):format(where, side, n) end
  return store
end

--- Merge once: the text to write over OURS (nil: OURS stays as it is), the result (its
--- counts), the SHA-256 of the OURS it was made from; or nil, nil, nil, exit status.
--- The cases git's own merge settles without merging (both sides the same, or one side
--- unchanged from the base) are settled by comparing bytes: nothing merged, and only a
--- side taken whole is parsed (to refuse one with errors, as any merge does).
local function merge_once(base_path, ours_path, theirs_path, name, json, place)
  local core = require('stance.core')
  local paths, x = { base = base_path, ours = ours_path, theirs = theirs_path }, {}
  for _, side in ipairs({ 'base', 'ours', 'theirs' }) do
    local text, err = bytes(paths[side], name, side)
    if text == nil then
      require('stance.cli').say(io.stderr, 'stance merge: ', err)
      return nil, nil, nil, 2
    end
    x[side] = text
  end
  local ohash = core.sha256(x.ours)
  local none = { conflicts = 0, conflict_ids = {}, header_conflicts = {}, dangling = {} }
  if x.ours == x.theirs or x.base == x.theirs then return nil, none, ohash end -- ours as it is
  if x.base == x.ours and x.theirs then -- theirs, whole, once it reads without an error
    local ok, terr = (json and H.state or parse)(x.theirs, name, 'theirs')
    if not ok then
      require('stance.cli').say(io.stderr, 'stance merge: ', terr)
      return nil, nil, nil, 2
    end
    return x.theirs, none, ohash
  end
  if json then return H.curation(x, name, ohash) end
  -- each side parsed, its text let go at once (the stores are what the merge needs)
  local st, errs = {}, {}
  for _, side in ipairs({ 'base', 'ours', 'theirs' }) do
    st[side], errs[side] = parse(x[side], name, side)
    x[side] = nil
  end
  collectgarbage()
  local err = not st.base and errs.base or (not st.ours and errs.ours) or (not st.theirs and errs.theirs)
  if err then
    require('stance.cli').say(io.stderr, 'stance merge: ', err)
    return nil, nil, nil, 2
  end
  local res, merr, code = require('stance.merge').stores(st.base, st.ours, st.theirs,
    { ours = name, theirs = name }, { in_place = true, place = place })
  st = nil -- luacheck: ignore 311
  if not res then
    require('stance.cli').say(io.stderr, 'stance merge: ', code == 'EUNRESOLVED' and '' or name .. ': ', merr)
    return nil, nil, nil, 2
  end
  local out = res.store:write()
  res.store = nil
  collectgarbage()
  return out, res, ohash
end

function cmd.run(_, args)
  local base_path, ours_path, theirs_path = args[1], args[2], args[3]
  -- the name git passes (%P) is one a collaborator chose: shown escaped
  local name = require('stance.utf8').printable(args[4] or ours_path)
  local core = require('stance.core')
  -- an annotation file of a corpus reached through a link (the file, its annotator's folder, a
  -- folder between) is neither read nor written through, as by every command (never so as git
  -- runs it: git passes its own temporary files)
  for _, p in ipairs({ base_path, ours_path, theirs_path }) do
    local why = require('stance.layer_link').named_refusal(p)
    if why then
      io.stderr:write('stance merge: ', require('stance.utf8').printable(why), '; not merged\n')
      return 2
    end
  end
  local res
  -- the place decides which document and whose a layer is: theirs' header that it gives is
  -- taken (a document renamed on theirs, its layer moved with it), not a conflict
  local place = args[4] and H.place(args[4]) or nil
  for _ = 1, 8 do
    local out, ohash, status
    out, res, ohash, status = merge_once(base_path, ours_path, theirs_path, name,
      (args[4] or ours_path):match('%.json$') ~= nil, place)
    if not res then return status end
    if out == nil then break end
    -- replace OURS only if it is still what was merged (an editor may be saving it)
    local ok, werr, code = core.write_atomic(ours_path, out, ohash)
    if ok then break end
    if code ~= 'ECHANGED' then
      require('stance.cli').say(io.stderr, 'stance merge: ', werr)
      return 2
    end
    res = nil
  end
  if not res then
    require('stance.cli').say(io.stderr, 'stance merge: ', name, ': OURS keeps changing on disk; not merged')
    return 2
  end
  if (res.model_chosen or 0) + (res.model_duplicates or 0) > 0 then
    -- the model layer: one version of each suggestion, never a conflict (stance.merge)
    local parts = {}
    if res.model_chosen > 0 then
      parts[#parts + 1] = ('%d suggestion(s) made differently on both sides: one version kept (a rejection, else'
        .. ' the newer)'):format(res.model_chosen)
    end
    if res.model_duplicates > 0 then
      parts[#parts + 1] = ('%d second suggestion(s) for a sentence and target removed (the newer kept)'):format(
        res.model_duplicates)
    end
    require('stance.cli').say(io.stderr, ('stance merge: %s: the model layer: %s'):format(name,
      table.concat(parts, '; ')))
  end
  if res.conflicts > 0 then
    -- each kind of conflict with its own wording: a record changed on both sides is kept
    -- twice; a header value (and a curation state's value) keeps ours
    local parts, printable = {}, require('stance.utf8').printable
    if #res.conflict_ids > 0 then
      parts[#parts + 1] = ('both versions kept (conflict ours/theirs): %s'):format(
        printable(table.concat(res.conflict_ids, ', ')))
    end
    for _, c in ipairs(res.said or {}) do
      parts[#parts + 1] = printable(c:match('^place ') and c or ('ours kept (a value changed on both sides): ' .. c))
    end
    for _, g in ipairs(res.dangling or {}) do
      parts[#parts + 1] = ('relation %s links annotation %s, which %s deleted: both kept, marked `conflict %s`'
        .. ' (keep both, or delete both)'):format(printable(g.id), printable(table.concat(g.ends, ', ')),
          g.deleted_by, g.side)
    end
    for _, h in ipairs(res.header_conflicts) do
      parts[#parts + 1] = ("`%s` of the document record: ours kept (theirs' in it as a comment"
        .. " `# conflict theirs: ...`)"):format(printable(h))
    end
    require('stance.cli').say(io.stderr, ('stance merge: %s: %d conflict(s), %s'):format(name, res.conflicts,
      table.concat(parts, '; ')))
    return 1
  end
  return 0
end

return cmd
