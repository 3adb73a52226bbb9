--- stance check [PATH...]: lint annotation files and the schema.
local H = {}

local cmd = {
  summary = 'Check annotation files and the schema; print problems as path:line:col',
  usage = 'stance check [--quiet] [--json] [PATH...]',
  description = table.concat({
    'PATH is an annotation file, a schema, a document metadata file (documents.csv) or a',
    'folder (its *.stance files). Without PATH: the schema, .stance/documents.csv and every',
    'annotation file of the corpus around the current directory; with a corpus\'s folder',
    '(the one holding .stance/) as the only PATH, the same of that corpus.',
    'Each problem is printed as "path:line:col: error|warning: message", the format Vim\'s',
    'quickfix reads (:cfile, :make). Annotation files are checked against the schema of',
    'their corpus. A gold file marked done while places are left to decide since (an',
    'annotator\'s layer changed after a curation that left a state file), or while an annotator is in progress and',
    'no curator said it is done, is a warning at its status line (when a layer compared has',
    'errors: "cannot tell whether it is current"). Where gold and its curation record',
    '(.stance/curation/DOC.json) disagree: a place the record rejected that gold holds (a',
    'warning at gold\'s record), one it accepted that gold lacks (at the decision in the record),',
    'and a place two curators decided differently, merged (an error at the record\'s entry, until',
    'a curator decides it again in :Stance curate). Names that read as another',
    'are warnings: layer folders the same after NFC without format characters, blanks at the',
    'ends and ASCII case (`ana`, `ana `, `Ana`), and schema names of one kind the same after',
    'NFC without format characters and blanks at the ends (case counts there).',
    'With --json, one object per line: {path, line, col, severity, message}.',
    'A progress bar is drawn on stderr when it is a terminal.',
    'Exit status 1 when anything is found.',
  }, '\n'),
  flags = {
    quiet = { help = 'no summary line on stderr' },
    json = { help = 'print each problem as a line of JSON' },
  },
  args = { min = 0 },
}

function cmd.run(opts, args)
  H.anchored, H.corpora, H.disagree = {}, {}, {}
  local fs = require('stance.fs')
  local root_mod = require('stance.root')
  local files = {}
  local what -- in a corpus: what was checked, in words (H.checked)
  -- a corpus's folder given (its .stance/ in it): the whole corpus, as without PATH there
  local whole = #args == 0 or (#args == 1 and fs.is_dir(args[1]) and fs.is_dir(args[1] .. '/.stance'))
  if whole then
    local root = root_mod.find(args[1] or '.')
    if not root then
      return nil, 'not inside a corpus (no .stance/ folder here or above); give paths, or run `stance init`'
    end
    local schema_path = root .. '/' .. require('stance.schema').path
    if fs.exists(schema_path) then files[#files + 1] = schema_path end
    local meta_path = root .. '/' .. require('stance.docmeta').path
    if fs.exists(meta_path) then files[#files + 1] = meta_path end
    local lexicon_path = root .. '/' .. require('stance.lexicon').path
    if fs.exists(lexicon_path) then files[#files + 1] = lexicon_path end
    for _, f in ipairs(root_mod.annotation_files(root)) do
      files[#files + 1] = f
    end
    -- the curators' decisions (a state file git's conflict markers cut is said, not ignored)
    local cdir = root .. '/' .. require('stance.curation_state').dir
    for _, e in ipairs(fs.list(cdir, { 'json' }) or {}) do
      files[#files + 1] = cdir .. '/' .. e.path
    end
    what = H.checked(root, files, schema_path, meta_path)
    H.folders(root, files)
    H.lookalike_folders(root, files)
    H.documents(root, files)
    H.derived_links(root, files)
  else
    local err
    files, err = require('stance.cli.args').files(args)
    if not files then return nil, err end
  end
  local errors, warnings, out = 0, 0, {}
  local schemas = {}
  H.bar = not opts.quiet and require('stance.cli.progress').files('stance check') or nil
  for i, path in ipairs(files) do
    if H.bar then H.bar:file(i, #files, H.display(path)) end
    -- a file that cannot be read (a link out of the corpus, a FIFO) is one problem of its
    -- own: the others are still checked
    local problems, err
    if H.extra[path] then
      problems = H.extra[path]
    else
      problems, err = H.check_file(path, schemas)
    end
    if not problems then problems = { { line = 1, col = 1, severity = 'error', message = err } } end
    local shown = H.display(path)
    for _, p in ipairs(problems) do
      if opts.json then
        local json = require('stance.json')
        out[#out + 1] = json.encode(json.ordered({ path = shown, line = p.line, col = p.col, severity = p.severity,
          message = p.message }, { 'path', 'line', 'col', 'severity', 'message' })) .. '\n'
      else
        -- what files say (labels, paths) is shown, never acting on the terminal
        local u = require('stance.utf8')
        out[#out + 1] = ('%s:%d:%d: %s: %s\n'):format(u.printable(shown), p.line, p.col, p.severity,
          u.printable(p.message))
      end
      if p.severity == 'error' then errors = errors + 1 else warnings = warnings + 1 end
    end
  end
  if H.bar then H.bar:finish() end
  io.stdout:write(table.concat(out))
  -- the problems are out before the summary on stderr: `stance check >out 2>&1` (as :make
  -- runs it) keeps each problem on its own line
  io.stdout:flush()
  if not opts.quiet then
    local changed, kept, moved, fuzzy, orphaned, unverified = 0, 0, 0, 0, 0, 0
    local docs = {} -- a document counts once, however many layers it has
    for _, r in ipairs(H.anchored) do
      if r.checked and (r.changed or r.moved + r.orphaned > 0) then
        if r.changed and not docs[r.document] then
          docs[r.document] = true
          changed = changed + 1
        end
        kept, moved, fuzzy, orphaned = kept + r.kept, moved + r.moved, fuzzy + r.fuzzy, orphaned + r.orphaned
        unverified = unverified + (r.unverified or 0)
      end
    end
    if changed > 0 then
      io.stderr:write(('stance check: %d document%s changed since annotated; %d annotation%s kept, %d moved '
        .. '(%d with a changed text), %d orphaned%s\n'):format(changed, changed == 1 and '' or 's', kept,
        kept == 1 and '' or 's', moved, fuzzy, orphaned, unverified > 0
          and (', %d without a quote not checked (they may cover other words)'):format(unverified) or ''))
    end
    io.stderr:write(('stance check: %s%s %d error%s, %d warning%s\n'):format(what or H.plural(#files, 'file'),
      what and ':' or ',', errors, errors == 1 and '' or 's', warnings, warnings == 1 and '' or 's'))
  end
  return (errors + warnings) > 0 and 1 or 0
end

function H.plural(n, word) return ('%d %s%s'):format(n, word, n == 1 and '' or 's') end

--- What `stance check` in a corpus checked, in words: "the schema, documents.csv and 6
--- annotation files (2 layers) of a corpus of 7 documents".
function H.checked(root, files, schema_path, meta_path)
  local parts, layers, n, seen, cur = {}, 0, 0, {}, 0
  local dir = root .. '/' .. require('stance.root').annotations .. '/'
  for _, f in ipairs(files) do
    local who = f:sub(1, #dir) == dir and f:sub(#dir + 1):match('^([^/]+)/')
    if f:match('%.json$') then cur = cur + 1 end
    if who then
      n = n + 1
      if not seen[who] then
        seen[who] = true
        layers = layers + 1
      end
    end
  end
  local fs = require('stance.fs')
  parts[#parts + 1] = fs.exists(schema_path) and 'the schema' or 'no schema'
  if fs.exists(meta_path) then parts[#parts + 1] = require('stance.docmeta').path:match('[^/]+$') end
  if fs.exists(root .. '/' .. require('stance.lexicon').path) then parts[#parts + 1] = 'the lexicon' end
  parts[#parts + 1] = H.plural(n, 'annotation file') .. (n == 0 and ' (no layer yet)' or (' (%s)'):format(
    H.plural(layers, 'layer')))
  if cur > 0 then parts[#parts + 1] = H.plural(cur, 'curation file') end
  local c = require('stance').open(root)
  H.corpus = c
  local docs = c and #c:paths() or nil
  local list = table.concat(parts, ', ', 1, #parts - 1) .. (#parts > 1 and ' and ' or '') .. parts[#parts]
  return docs and ('%s of a corpus of %s'):format(list, H.plural(docs, 'document')) or list
end

--- Problems of files that are no stance file (a document), by path: see H.documents.
H.extra = {}

--- The folders stance makes below .stance/ for what it derives from the files (the caches, the
--- search index, the report), where one is a link (committed by a collaborator, or put there):
--- nothing is written through it (every write into a corpus refuses one), so the editor's
--- cache, the index or the report are not kept there and every open reads the files again;
--- said at its line 1 with the way out, added to `files`.
H.DERIVED = { 'cache', 'index.bin', 'report' }

function H.derived_links(root, files)
  local link = require('stance.layer_link')
  for _, name in ipairs(H.DERIVED) do
    local full = root .. '/.stance/' .. name
    local target = link.target(full, root)
    if target then
      files[#files + 1] = full
      H.extra[full] = { { line = 1, col = 1, severity = 'warning', message = ('a link to %s, where stance keeps what'
        .. ' it derives from the files: nothing is written through it (the editor\'s cache, the index and the report'
        .. ' are not kept; each open reads the files again); remove it (`git rm --cached .stance/%s` if it was'
        .. ' committed)'):format(target, name) } }
    end
  end
end

--- The places the corpus's listing cannot enter (too long a path) and the documents no
--- layer file can be made for (a name of more than 248 bytes: the layer's, NAME.stance,
--- would be over 255): each said at its line 1, added to `files`.
function H.documents(root, files)
  local c = H.corpus
  if not c then return end
  local annfile = require('stance.annfile')
  -- what the listing could not enter: a place deeper than PATH_MAX from / (git checks such
  -- a tree out), left out of every command; said here with the reason
  for _, e in ipairs(require('stance.core').list(root) or {}) do
    if e.error and e.error:find('^path too long') then
      local full = root .. '/' .. e.path
      files[#files + 1] = full
      H.extra[full] = { { line = 1, col = 1, severity = 'warning', message = e.error } }
    end
  end
  for _, path in ipairs(c:paths()) do
    if annfile.too_long(path .. '.stance') then
      local name = path:match('[^/]*$')
      local full = root .. '/' .. path
      files[#files + 1] = full
      H.extra[full] = { { line = 1, col = 1, severity = 'warning', message = ('the document\'s name is too long for '
        .. 'a layer file (%d bytes; a layer file is the name and .stance, at most %d bytes: rename it to %d '
        .. 'bytes or fewer to annotate it)'):format(#name, annfile.NAME_MAX, annfile.NAME_MAX - #'.stance') } }
    end
  end
end

--- The links below the annotations folder that are no annotation file (an annotator's
--- folder, a folder between: nothing below them is listed, nor read) and the folders there
--- whose name stance never makes and that hold no annotation file (each of those is said at
--- its line 1): added to `files`, each said at its line 1 (stance.layer_link).
function H.folders(root, files)
  H.folder_said = {}
  local listed = {}
  for _, f in ipairs(files) do
    listed[f] = true
  end
  for _, l in ipairs(require('stance.layer_link').scan(root)) do
    local holds = false
    if l.bad then
      for _, f in ipairs(files) do
        if f:sub(1, #l.path + 1) == l.path .. '/' then holds = true break end
      end
    end
    if not listed[l.path] and not holds then
      files[#files + 1] = l.path
      H.folder_said[l.path] = l.message
    end
  end
  -- a folder at an annotation file's name: an unreadable layer file, said at its line 1
  local annfile = require('stance.annfile')
  for _, f in ipairs(annfile.folders_at(root)) do
    if not H.folder_said[f.path] then
      files[#files + 1] = f.path
      H.folder_said[f.path] = annfile.FOLDER
    end
  end
end

--- Layer folders whose names read as another's (`ana` and `ana `, `ana` + U+200B, NFC and NFD
--- `café`, `Ana`: stance.lookalike): each but the first (in byte order) is a warning at its folder.
function H.lookalike_folders(root, files)
  H.lookalike_said = {}
  local dir = root .. '/' .. require('stance.root').annotations .. '/'
  local names, seen = {}, {}
  for _, f in ipairs(files) do
    local who = f:sub(1, #dir) == dir and f:sub(#dir + 1):match('^([^/]+)/')
    if who and not seen[who] then
      seen[who] = true
      names[#names + 1] = who
    end
  end
  table.sort(names)
  local L = require('stance.lookalike')
  -- (case too: `Ana` and `ana` are one folder where the file system ignores case)
  for _, l in ipairs(L.find(names, true)) do
    local path = dir .. l.name
    files[#files + 1] = path
    H.lookalike_said[path] = L.message('layer folder', l.name, l.like, nil, true)
  end
end

--- Problems of one file: a schema is parsed as a schema, anything else as annotations
--- checked against the schema of the corpus it is in.
function H.check_file(path, schemas)
  local said = H.folder_said and H.folder_said[path]
  if said then return { { line = 1, col = 1, severity = 'error', message = said } } end
  said = H.lookalike_said and H.lookalike_said[path]
  if said then return { { line = 1, col = 1, severity = 'warning', message = said } } end
  if path:match('documents%.csv$') then return H.check_metadata(path) end
  if H.is_curation(path) then return H.check_curation(path) end
  local fs = require('stance.fs')
  local schema = require('stance.schema')
  -- a file of a corpus is read only when it is a regular file inside it (links resolved)
  local root = require('stance.root').of_file(path)
  -- a layer file that is a link is not read: said at its line 1 (stance.layer_link)
  local link = root and not path:match('schema%.stance$') and require('stance.layer_link').problem(path, root)
  if link then return { link } end
  local text, err = fs.read(path, root)
  if not text then return nil, ('not read: %s'):format(err) end
  if path:match('%.stance/lexicon%.stance$') then return H.check_lexicon(text) end
  if path:match('schema%.stance$') then
    local parsed, problems = schema.parse(text)
    if root then H.check_documents(root, parsed, text, problems) end
    -- names that read as another of their kind (`favör` in NFC and in NFD, `favor ` ...)
    for _, p in ipairs(require('stance.lookalike').schema_problems(parsed)) do
      problems[#problems + 1] = p
    end
    H.by_place(problems)
    return problems
  end
  local vocab, loaded
  if root then
    if schemas[root] == nil then
      local s = schema.load(root)
      schemas[root] = s and { s, require('stance.core').vocab(schema.vocab(s)) } or false
    end
    loaded = schemas[root] and schemas[root][1]
    vocab = schemas[root] and schemas[root][2] or nil
  end
  local store, problems = require('stance.core').read(text, { vocab = vocab })
  -- an error of a record a git conflict marker cuts names the marker (as every command does)
  if type(problems) == 'table' then require('stance.annfile').explain(problems, text) end
  if store and loaded then H.check_labels(store, loaded, problems) end
  if store and loaded then H.check_scope(store, loaded, problems) end
  if store then H.check_piles(store, problems) end
  if store then H.check_two_stances(store, loaded, problems) end
  if store and root then H.check_layer_place(path, root, store, text, problems) end
  if store and root and not H.has_error(problems) then H.check_gold(path, root, store, text, problems) end
  if store and root then
    -- the document changed since the file was written: where is each annotation now?
    -- (always checked: orphans written back after a re-anchoring stay listed)
    local res = require('stance.reanchor').run(root, store, { force = true,
      document = require('stance.reanchor').document_of(root, path),
      progress = H.bar and function(done, total) H.bar:within(done, total) end })
    H.anchored[#H.anchored + 1] = res
    for _, p in ipairs(require('stance.reanchor').problems(res, text)) do
      problems[#problems + 1] = p
    end
    H.by_place(problems)
  end
  return problems
end

--- The cue lexicon (.stance/lexicon.stance): what stance.lexicon.parse found (git's conflict
--- markers, unknown records and attributes, cues it cannot match), by place.
function H.check_lexicon(text)
  local problems = require('stance.lexicon').parse(text).problems
  for _, p in ipairs(problems) do
    -- (the merge driver merges annotation and curation files only)
    if p.severity == 'error' and (p.message or ''):find('^unresolved git merge conflict') then
      p.message = 'unresolved git merge conflict: the lexicon is merged by hand (the merge driver does not merge '
        .. 'it): keep one side and remove the marker lines (<<<<<<<, =======, >>>>>>>)'
    end
  end
  H.by_place(problems)
  return problems
end

--- Sort problems by line, then column.
function H.by_place(problems)
  table.sort(problems, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    return a.col < b.col
  end)
end

--- Whether `path` is a curation state file: a *.json below <root>/.stance/curation/ of the
--- corpus it is in (any other JSON file is no curation state; checked as any other file).
function H.is_curation(path)
  if not path:match('%.json$') then return false end
  local root = require('stance.root').of_file(path)
  if not root then return false end
  local core = require('stance.core')
  local dir, base = path:match('^(.*)/([^/]*)$')
  local real_dir, real_root = core.realpath(dir or '.'), core.realpath(root)
  if not real_dir or not real_root then return false end
  local cdir = (real_root == '/' and '' or real_root) .. '/' .. require('stance.curation_state').dir
  return (real_dir .. '/' .. (base or path)):sub(1, #cdir + 1) == cdir .. '/'
end

--- A curation state file (.stance/curation/DOC.json): what cannot be parsed of it is an
--- error (the curation of its document is refused until it is fixed).
function H.check_curation(path)
  local root = require('stance.root').of_file(path)
  local text, err = require('stance.fs').read(path, root)
  if not text then return nil, ('not read: %s'):format(err) end
  local CS = require('stance.curation_state')
  local p, state = CS.problem(text)
  if p then
    return { { line = p.line, col = p.col, severity = 'error', message = p.message
      .. '; curation of its document is refused until it is fixed' } }
  end
  local problems, CM = {}, require('stance.curation_merge')
  -- two curators' different decisions of one place, merged (stance.curation_merge): an error
  -- until a curator decides it again
  local found = H.disagreements(root, path)
  for key, c in pairs(type(state.conflicts) == 'table' and state.conflicts or {}) do
    local line, col = CS.position(text, 'conflicts', key)
    local gone = found.keys and not found.keys[key]
    problems[#problems + 1] = { line = line, col = col, severity = 'error', message = ('two curators decided place'
      .. ' %s differently (ours %s, theirs %s; merged): %s'):format(require('stance.utf8').printable(key),
      CM.said(type(c) == 'table' and c.ours), CM.said(type(c) == 'table' and c.theirs), gone
        and ('its place is no longer there (a layer changed since): the next save of the curation (a decision in'
          .. ' :Stance curate) removes the entry')
        or 'open until a curator decides it again in :Stance curate (gold holds meanwhile what the merge of gold'
          .. ' left there)') }
  end
  -- a place the record accepted that gold lacks: said here, at the decision (one gold holds
  -- that the record rejected is said in gold's file, at the record)
  for _, d in ipairs(found) do
    if d.kind == 'accepted' then
      local line, col = CS.position(text, 'accepted', d.place.key)
      problems[#problems + 1] = { line = line, col = col, severity = 'warning',
        message = ('gold and the curation record disagree on %s: %s'):format(H.place_said(d.place), d.message) }
    end
  end
  H.by_place(problems)
  return problems
end

--- A place in words: "annotation of sanctions at 1216-1400", "stance of the document toward
--- engagement", "relation between ...".
function H.place_said(p)
  if p.kind == 'annotation' then
    return ('the annotation place of %s at %d-%d'):format(tostring(p.target or 'no target'), p.start, p.stop)
  elseif p.kind == 'doclabel' then
    return ("the document's stance toward %s"):format(tostring(p.target or 'no target'))
  end
  return ('the relation place from %s to %s'):format(H.place_said(p.from), H.place_said(p.to))
end

--- Where gold and the curation record of the document of `path` (its gold file, or its
--- curation state file) disagree (stance.curation's disagreements); {} when the curation
--- cannot be opened (a layer with errors: said as errors of its own).
function H.disagreements(root, path)
  local fs, R = require('stance.fs'), require('stance.root')
  local abs = fs.absolute(path)
  local rel
  for _, dir in ipairs({ require('stance.curation_state').dir, R.annotations .. '/' .. R.slug('gold') }) do
    local d = fs.absolute(root .. '/' .. dir) .. '/'
    if abs:sub(1, #d) == d then rel = abs:sub(#d + 1):gsub('%.json$', ''):gsub('%.stance$', '') end
  end
  if not rel then return {} end
  -- once per document (its gold file and its state file both ask)
  H.disagree = H.disagree or {}
  local memo = root .. '\0' .. rel
  if H.disagree[memo] == nil then H.disagree[memo] = H.disagreements_of(root, rel) end
  return H.disagree[memo]
end

--- Where gold and the curation record of document `rel` of the corpus at `root` disagree.
function H.disagreements_of(root, rel)
  H.corpora = H.corpora or {}
  if H.corpora[root] == nil then H.corpora[root] = require('stance.corpus').open(root) or false end
  local c = H.corpora[root]
  if not c or not c:document(rel) then return {} end
  local state = require('stance.curation_state').load(c, rel)
  if not state or not state.annotators then return {} end
  local names = {}
  for _, n in ipairs(type(state.annotators) == 'table' and state.annotators or {}) do
    if type(n) == 'string' then names[#names + 1] = n end
  end
  local cur = require('stance.curation').open(c, rel, #names >= 2 and names or nil)
  if not cur then return {} end
  local out = cur:disagreements()
  -- the places there are now (a conflict of a place no longer there is said so)
  out.keys = {}
  for _, p in ipairs(cur.places) do
    out.keys[p.key] = true
  end
  return out
end

--- A record whose target, stance or role contradicts what its label sets in the schema (a
--- file written by hand, or by a tool that does not know the schema) is a warning: every
--- writer of stance refuses one.
--- The most annotations of one file over the same spans before check warns: past that it
--- is no annotation but a pile (a script run in a loop, a hostile file: adversary15 #10),
--- which every reader still reads within bounds but no one meant.
H.PILE = 1000

--- The spans of an annotation as one key ("12-40,50-61"), nil when it has none.
function H.span_key(rec)
  if not rec.spans or #rec.spans == 0 then return nil end
  local keys = {}
  for i, sp in ipairs(rec.spans) do
    keys[i] = sp[1] .. '-' .. sp[2]
  end
  return table.concat(keys, ',')
end

--- A warning at an annotation that gives another stance toward the same target over the
--- very spans of an earlier one of the file (one annotator saying favor and against of one
--- text: a stray second create, a merge of two edits): agreement and the sentence-target
--- export count one of them, the first in the schema's order.
function H.check_two_stances(store, schema, problems)
  local first = {}
  for _, rec in ipairs(store:records('annotation')) do
    local key = H.span_key(rec)
    -- (a version of a merge conflict is said as such, and counted by nobody)
    if key and rec.stance and not rec.conflict then
      local k = key .. '\0' .. (rec.target or '')
      local f = first[k]
      if not f then
        first[k] = rec
      elseif f.stance ~= rec.stance then
        local counted = f.stance
        local order = {}
        for i, st in ipairs(schema and schema.stances or {}) do
          order[st.name] = i
        end
        local a, b = order[f.stance], order[rec.stance]
        if b and (not a or b < a) then counted = rec.stance end
        problems[#problems + 1] = { line = rec.line or 1, col = 1, severity = 'warning',
          message = ('annotation %s: %s%s over the same text as %s (line %d), which says %s: two stances of one '
            .. 'annotator there; agreement and the sentence-target export count one (%s): delete the one not meant')
            :format(rec.id, rec.stance, rec.target and (' toward ' .. rec.target) or '', f.id, f.line or 1, f.stance,
              counted) }
      end
    end
  end
end

--- A warning at the first of more than H.PILE annotations of a file over the same spans.
function H.check_piles(store, problems)
  local count, first, order = {}, {}, {}
  for _, rec in ipairs(store:records('annotation')) do
    local key = H.span_key(rec)
    if key then
      if not count[key] then
        count[key], first[key] = 0, rec
        order[#order + 1] = key
      end
      count[key] = count[key] + 1
    end
  end
  for _, key in ipairs(order) do
    if count[key] > H.PILE then
      local rec = first[key]
      problems[#problems + 1] = { line = rec.line or 1, col = 1, severity = 'warning',
        message = ('%d annotations over the same span %s (the first: %s): more than %d over one place is no '
          .. 'annotation anyone made by hand; remove the copies'):format(count[key], key, rec.id, H.PILE) }
    end
  end
end

function H.check_labels(store, schema, problems)
  local validate = require('stance.validate')
  for _, kind in ipairs({ 'annotation', 'doclabel' }) do
    for _, rec in ipairs(store:records(kind)) do
      if rec.label and schema.by.label[rec.label] then
        -- (a value the schema does not know is reported as unknown: not twice)
        local fields = { label = rec.label }
        for _, f in ipairs({ 'target', 'stance', 'role' }) do
          if rec[f] and (next(schema.by[f]) == nil or schema.by[f][rec[f]]) then fields[f] = rec[f] end
        end
        local ok, why = validate.apply_label(fields, schema, kind)
        if not ok then
          problems[#problems + 1] = { line = rec.line or 1, col = 1, severity = 'warning',
            message = ('%s %s: %s'):format(kind, rec.id, why) }
        end
        -- a target or stance the label sets that the record does not have (a line deleted by
        -- hand): agreement, the model and the exports take the record's own (none)
        local entry = schema.by.label[rec.label]
        for _, f in ipairs({ 'target', 'stance' }) do
          if entry[f] and (rec[f] == nil or rec[f] == false) then
            problems[#problems + 1] = { line = rec.line or 1, col = 1, severity = 'warning',
              message = ("%s %s: no %s, where its label '%s' sets %s %s: %s by agreement, the model and the"
                .. ' exports; add `%s %s`'):format(kind, rec.id, f, rec.label, f, entry[f],
                f == 'target' and 'counted toward no target' or 'counted as no stance', f, entry[f]) }
          end
        end
      end
    end
  end
end

--- A record toward a target whose `documents` (the schema's) leave its document out is a
--- warning: agreement, the model and the exports do not count it there.
function H.check_scope(store, schema, problems)
  local doc = store:header().document
  if not doc or not require('stance.schema').scoped(schema) then return end
  for _, kind in ipairs({ 'annotation', 'doclabel' }) do
    for _, rec in ipairs(store:records(kind)) do
      if rec.target and not require('stance.schema').in_scope(schema, rec.target, doc) then
        problems[#problems + 1] = { line = rec.line or 1, col = 1, severity = 'warning',
          message = ("%s %s: target %s is not judged in %s (the schema's `documents` of %s leave it out): not "
            .. 'counted'):format(kind, rec.id, rec.target, doc, rec.target) }
      end
    end
  end
end

--- A target's `documents` glob that matches no document of the corpus (a typo, a folder
--- renamed) is a warning at the glob (line and column of the schema): the target is judged in
--- no document that glob was meant for; when none of its globs matches, in none at all.
function H.check_documents(root, parsed, text, problems)
  local scoped = {}
  for _, t in ipairs(parsed.targets) do
    if t.documents then scoped[#scoped + 1] = t end
  end
  if #scoped == 0 then return end
  local c = require('stance.corpus').open(root)
  if not c then return end
  local paths = c:paths()
  local match = require('stance.core').glob_match
  local lines = {}
  for line in (text .. '\n'):gmatch('([^\n]*)\n') do
    lines[#lines + 1] = line
  end
  for _, t in ipairs(scoped) do
    local missed, at = {}, 1
    local line = lines[t.documents_line] or ''
    for _, g in ipairs(t.documents) do
      -- the glob's column: where it stands on its line, quoted or bare (bytes, 1-based)
      local quoted = '"' .. g:gsub('[\\"]', '\\%0') .. '"'
      local col = line:find(quoted, at, true) or line:find(g, at, true) or 1
      at = col + 1
      local hit = false
      for _, path in ipairs(paths) do
        if match(g, path) then
          hit = true
          break
        end
      end
      if not hit then missed[#missed + 1] = { glob = g, col = col } end
    end
    for _, m in ipairs(missed) do
      problems[#problems + 1] = { line = t.documents_line, col = m.col, severity = 'warning',
        message = ("target %s: documents '%s' matches none of the corpus's %d document%s%s"):format(t.name, m.glob,
          #paths, #paths == 1 and '' or 's', #missed == #t.documents and ': the target is judged in no document'
          or '') }
    end
  end
  H.by_place(problems)
end

--- A layer is the file in its annotator's folder (a link there is said before, see
--- H.check_file): a file whose header names someone else was copied from their folder.
function H.check_layer_place(path, root, store, text, problems)
  local R = require('stance.root')
  local dir = require('stance.fs').absolute(root .. '/' .. R.annotations) .. '/'
  local abs = require('stance.fs').absolute(path)
  if abs:sub(1, #dir) ~= dir then return end
  local folder = abs:sub(#dir + 1):match('^([^/]+)/')
  if not folder then return end
  -- a `document` record that names another document than the file's place: the place decides
  local mismatch = require('stance.reanchor').mismatch(root, path, store, text)
  if mismatch then problems[#problems + 1] = mismatch end
  local who = store:header().annotator
  if who and R.slug(who) ~= folder then
    local line = 1
    local at = text:find('\n%s*annotator ')
    if at then
      local _, nl = text:sub(1, at):gsub('\n', '')
      line = nl + 1
    end
    problems[#problems + 1] = { line = line, col = 3, severity = 'warning',
      message = ("annotator %s in %s's folder: agreement and scripts count it as %s's (copied or moved from another"
        .. " folder, by hand or by a merge?); %s")
        :format(require('stance.utf8').name(who), require('stance.utf8').name(folder),
          require('stance.utf8').name(folder), H.move_said(abs, dir, R.slug(who), folder, who)) }
  end
end

--- How to put the layer file `abs` (in `folder` of the annotators' folder `dir`) where its
--- header says it belongs (annotator `who`, folder `to`): a `git mv` command line to copy and
--- run (never run by stance), its paths as stance check shows them, quoted for the shell
--- (stance.shell); `mkdir -p` first when the folder is not there; when a file is there
--- already, how to compare them instead.
function H.move_said(abs, dir, to, folder, who)
  local fs, shell = require('stance.fs'), require('stance.shell')
  local new = dir .. to .. abs:sub(#dir + #folder + 1)
  local old_s, new_s = H.display(abs), H.display(new)
  local name = require('stance.utf8').name
  if require('stance.core').exists(new) then
    return ("%s's folder has a file of this document already: compare them (%s) and keep one"):format(name(who),
      shell.line({ 'stance', 'diff', new_s, old_s }))
  end
  local mv_line = shell.line({ 'git', 'mv', '--', old_s, new_s })
  local parent = new_s:match('^(.*)/[^/]*$')
  if parent and not fs.is_dir(new:match('^(.*)/[^/]*$')) then
    mv_line = shell.line({ 'mkdir', '-p', '--', parent }) .. ' && ' .. mv_line
  end
  return ("if it is %s's, move it there: %s (if it is %s's, write its name in `annotator`)"):format(name(who), mv_line,
    name(folder))
end

--- Whether `problems` hold an error (not only warnings).
function H.has_error(problems)
  for _, p in ipairs(problems) do
    if p.severity == 'error' then return true end
  end
  return false
end

--- Gold marked done while places are left to decide (an annotator's layer changed after the
--- curation), or while an annotator is in progress with no curator's word for it
--- (stance.curation_stale): a warning at gold's status line, since the model, stance eval and
--- stance report count the document from gold as it is.
function H.check_gold(path, root, store, text, problems)
  -- a place the curation record rejected that gold holds: said at gold's record
  for _, d in ipairs(H.disagreements(root, path)) do
    if d.kind ~= 'accepted' then
      for _, rec in ipairs(d.records) do
        local here = store:get(rec.id)
        problems[#problems + 1] = { line = here and here.line or 1, col = 1, severity = 'warning',
          message = ('gold and the curation record disagree on %s: %s'):format(H.place_said(d.place), d.message) }
      end
    end
  end
  if store:header().status ~= 'done' then return end
  local R = require('stance.root')
  local dir = require('stance.fs').absolute(root .. '/' .. R.annotations) .. '/' .. R.slug('gold') .. '/'
  local abs = require('stance.fs').absolute(path)
  if abs:sub(1, #dir) ~= dir or not abs:match('%.stance$') then return end
  H.corpora = H.corpora or {}
  if H.corpora[root] == nil then H.corpora[root] = require('stance.corpus').open(root) or false end
  local c = H.corpora[root]
  if not c then return end
  local stale = require('stance.curation_stale').of(c, abs:sub(#dir + 1, -8))
  if not stale then return end
  local line, col = 1, 1
  local at = ('\n' .. text):find('\n([ \t]*)status%s')
  if at then
    local _, nl = text:sub(1, at):gsub('\n', '')
    local indent = ('\n' .. text):match('\n([ \t]*)status%s', at)
    line, col = nl + 1, #indent + 1
  end
  problems[#problems + 1] = { line = line, col = col, severity = 'warning',
    message = 'gold ' .. require('stance.curation_stale').said(stale) }
end

--- Problems of a document metadata file (.stance/documents.csv): its CSV, columns and
--- dates, and rows of documents the corpus does not have (when it is in a corpus).
function H.check_metadata(path)
  local fs = require('stance.fs')
  local is_document
  local root = require('stance.root').find(path)
  if root then
    local c = require('stance.corpus').open(root)
    if c then
      is_document = function(rel)
        return c:is_document(rel) and fs.exists(root .. '/' .. rel) and not fs.is_dir(root .. '/' .. rel)
      end
    end
  end
  return require('stance.docmeta').load_file(path, is_document, root).problems
end

--- Paths below the current directory are shown relative to it.
function H.display(path)
  local fs = require('stance.fs')
  local abs = fs.absolute(path)
  local cwd = fs.absolute('.')
  return fs.relative(abs, cwd)
end

return cmd
