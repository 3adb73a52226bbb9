--- One annotation file on disk: read it into a store (with its problems), and save it
--- back atomically — never over a file that could not be read completely, and never over a
--- change made since it was read: that change is merged record by record (as the editor
--- does), or the save is refused when what is there now cannot be read.
local M = {}

---@class stance.AnnFile
---@field path string
---@field root string|nil the corpus it belongs to: nothing is read or written outside it
---@field vocab table|nil the schema's values (see stance.schema.vocab)
---@field store userdata the stance.store (made when first wanted from `view`, if it has one)
---@field view userdata|nil the records as a core.store_view, when the file was taken from the
---   layer cache: read them through M.reading_store (asking for `store` makes one)
---@field problems table[] {line, col, severity, message}
---@field errors integer problems of severity "error"
---@field hash string|nil SHA-256 of the bytes read or last written ("" when the file did not
---   exist; nil: not computed yet, see M.hash)
---@field text string|nil the bytes read or last written (made from `bytes` when first wanted)
---@field bytes userdata|false|nil the bytes read, kept in C (core.read_file; of a file taken as a
---   view, lent from the layer cache when first wanted); false once written or merged (`text`)
---@field merged stance.MergeResult|nil what the last save merged from the disk, if it had to

local Core -- stance.core, found at the first read (each layer a script reads is one)
local MAX_TRIES = 16 -- merges in a row before a save gives up (others keep writing the file)

--- The first error among `problems` and how many there are (warnings are not counted): the
--- earliest by line and column, as `stance check` lists them, so that every command names the
--- same one (an error caused by a git conflict marker says so: see M.explain).
---@param problems table[]|nil {line, col, severity, message}
---@return table|nil first
---@return integer errors
function M.errors(problems)
  local first, n = nil, 0
  for _, p in ipairs(problems or {}) do
    if p.severity == 'error' then
      n = n + 1
      if not first or (p.line or 0) < (first.line or 0)
        or ((p.line or 0) == (first.line or 0) and (p.col or 0) < (first.col or 0)) then
        first = p
      end
    end
  end
  return first, n
end

M.CONFLICT = '^unresolved git merge conflict'

--- The error a command names of a file that is not a layer (the schema, documents.csv): a
--- problem whose message is `conflict` (a git conflict marker) first, else the first error
--- of `problems` (sorted by place); and how many errors there are.
---@param problems table[]|nil {line, col, severity, message}
---@param conflict string
---@return table|nil first
---@return integer errors
function M.conflict_first(problems, conflict)
  local first, n = nil, 0
  for _, p in ipairs(problems or {}) do
    if p.severity == 'error' then
      n = n + 1
      if not first or (p.message == conflict and first.message ~= conflict) then first = p end
    end
  end
  return first, n
end

--- Say which errors a git conflict marker causes: an error of a record that a marker cuts
--- in two (`annotation X has no span` when its span line is between `<<<<<<<` and `>>>>>>>`)
--- gets the marker as its cause in its message. `text` is the file's; `problems` are changed
--- in place (once) and returned.
---@param problems table[]
---@param text string|nil
---@return table[]
function M.explain(problems, text)
  local conflicts = {}
  for _, p in ipairs(problems or {}) do
    if p.severity == 'error' and (p.message or ''):find(M.CONFLICT) then conflicts[#conflicts + 1] = p end
  end
  if #conflicts == 0 or not text then return problems end
  table.sort(conflicts, function(a, b) return a.line < b.line end)
  local lines, last = {}, conflicts[#conflicts].line
  for l in text:gmatch('([^\n]*)\n?') do
    lines[#lines + 1] = l
    if #lines >= last then break end
  end
  for _, p in ipairs(problems) do
    if p.severity == 'error' and not p.cause and not (p.message or ''):find(M.CONFLICT) then
      for _, c in ipairs(conflicts) do
        if c.line > p.line then
          -- the marker is inside p's record: no line between them starts another record
          local inside = true
          for l = p.line + 1, c.line - 1 do
            if (lines[l] or ''):find('^[%w_]') then
              inside = false
              break
            end
          end
          if inside then
            p.cause = c
            p.message = ('%s, because a git conflict marker cuts its record (line %d: %s)'):format(p.message, c.line,
              c.message)
          end
          break
        end
      end
    end
  end
  return problems
end

local function count_errors(problems)
  local _, n = M.errors(problems)
  return n
end

-- The bytes of a file read are kept in C until `file.text` is wanted (a save, stance fmt):
-- reading a big file makes no Lua string of it. A file taken from the layer cache as a view
-- (see stance.core.layer_cache) has its store made from it when `file.store` is first wanted.
-- The bytes of a file taken as a view are lent from the cache when first wanted.
local File = {}
local H = {}
--- The metatable of an annotation file (what core.layer_cache's annotations() gives the files of
--- the layers it makes, as M.of_view does).
M.File = File
function File.__index(file, k)
  if k == 'store' then return H.store_of_view(file) end
  if k == 'path' or k == 'problems' then return H.of_view(file, k) end
  if k == 'bytes' then
    local view = rawget(file, 'view')
    local bytes = view and view:bytes()
    if bytes then rawset(file, 'bytes', bytes) end
    return bytes
  end
  if k ~= 'text' then return nil end
  local bytes = file.bytes
  if not bytes then return nil end
  local text = bytes:string()
  rawset(file, 'text', text)
  return text
end

--- The path and problems of a file made by M.of_view, made when first wanted.
function H.of_view(file, k)
  local rel = rawget(file, '_rel')
  if rel == nil then return nil end
  local v = k == 'path' and rawget(file, '_prefix') .. rel .. '.stance' or {}
  rawset(file, k, v)
  return v
end

--- The store of a file read as a view: loaded from the cache's snapshot (which the view was
--- checked against), else read from the file again.
function H.store_of_view(file)
  local view = rawget(file, 'view')
  if not view then return nil end
  local store = view:store()
  if not store then
    local problems, bytes
    store, problems, bytes = require('stance.core').read_file(file.path, { vocab = file.vocab, root = file.root })
    if not store then error(('cannot read %s: %s'):format(file.path, problems), 0) end
    file.problems, file.errors, file.bytes, file.text = problems, count_errors(problems), bytes, nil
  end
  rawset(file, 'store', store)
  return store
end

--- What to read the file's records from: its store, or the view it was read as when no store
--- was made from it yet (both have header(), lazy(), records() and at(); a view cannot change).
---@param file stance.AnnFile
---@return userdata
function M.reading_store(file)
  return rawget(file, 'store') or rawget(file, 'view')
end

--- Where the first error of an annotation file read with `problems` is, as `stance check`
--- says it ("PATH:LINE:COL: message", PATH relative to `root` when below it), and how many
--- errors it has; nil when it has none.
---@param path string
---@param problems table[]|nil {line, col, severity, message}
---@param root string|nil
---@return string|nil where
---@return integer errors
function M.first_error(path, problems, root)
  local first, n = M.errors(problems)
  if not first then return nil, 0 end
  if not first.cause and n > 1 and not (first.message or ''):find(M.CONFLICT) then
    -- a conflict marker below it may be its cause (said as stance check says it)
    for _, p in ipairs(problems) do
      if p.severity == 'error' and (p.message or ''):find(M.CONFLICT) then
        M.explain(problems, require('stance.fs').read(path, root))
        break
      end
    end
  end
  local rel = root and require('stance.fs').relative(path, root) or path
  return ('%s:%d:%d: %s'):format(rel, first.line or 0, first.col or 0, first.message or '?'), n
end

--- How a layer whose file has errors is said everywhere (agreement, curation, the model,
--- the report, the editor): "ben's file has 2 error(s), the first at PATH:LINE:COL: message",
--- then what follows from it (`consequence`, e.g. "what they are in is not counted").
---@param name string the layer's annotator
---@param where string see M.first_error
---@param errors integer
---@param consequence string|nil
---@return string
function M.errors_said(name, where, errors, consequence)
  return ("%s's file has %d error(s), the first at %s%s"):format(name, errors, where,
    consequence and ('; ' .. consequence) or '')
end

--- The longest name of a file (bytes, POSIX NAME_MAX on Linux and the BSDs).
M.NAME_MAX = 255

--- Why no file can be at `path`: its last name is longer than M.NAME_MAX bytes (a layer
--- file of a document named with more than NAME_MAX - 7 bytes); nil when it can be.
---@param path string
---@return string|nil
function M.too_long(path)
  local name = path:match('[^/]*$')
  if #name <= M.NAME_MAX then return nil end
  return ('%s: the name is %d bytes, over the %d a file can have (a layer file is the document\'s name and '
    .. '.stance: a document named with at most %d bytes can have one; rename the document)'):format(path, #name,
      M.NAME_MAX, M.NAME_MAX - #'.stance')
end

--- Read `path` (a missing file reads as an empty one, ready to be created; or, with
--- `existing`, as false: no empty one is made).
---@param path string
---@param vocab table|userdata|nil see stance.schema.vocab (or core.vocab of it)
---@param root string|nil the corpus root: a file that resolves outside it is refused
---@param existing boolean|nil
---@param cache userdata|nil a core.layer_cache made for this root and vocab (see
--- stance.Corpus.layer_cache): the file is taken from it when it did not change
---@return stance.AnnFile|false|nil
---@return string|nil err
---@return string|nil code "ELINK" when the file is a symbolic link (see stance.layer_link)
function M.read(path, vocab, root, existing, cache)
  if M.too_long(path) then
    -- no file can have this name (a document named with 249-255 bytes): none there, and
    -- saving it says why (stance check names the document)
    if existing then return false end
    return setmetatable({ path = path, root = root, vocab = vocab, store = require('stance.core').store(),
      problems = {}, errors = 0, hash = '', text = nil }, File)
  end
  if root then
    -- a link in an annotator's folder is never read as that annotator's layer (stance.layer_link)
    local link = require('stance.layer_link').refusal(path, root)
    if link then return nil, link, 'ELINK' end
  end
  Core = Core or require('stance.core')
  local core = Core
  local store, problems, bytes, how
  if cache then store, problems, bytes, how = cache:read(path, true) end
  if how == 'view' then
    -- (a file is in the cache only when it was read without a problem; its bytes: see File)
    return setmetatable({ path = path, root = root, vocab = vocab, view = store, problems = {}, errors = 0 }, File)
  end
  if not store then store, problems, bytes = core.read_file(path, { vocab = vocab, root = root }) end
  if not store then
    if bytes == 'ENOENT' and require('stance.core').stamp(path) == '' then
      if existing then return false end
      return setmetatable({ path = path, root = root, vocab = vocab, store = core.store(), problems = {}, errors = 0,
        hash = '', text = nil }, File)
    end
    local folder = H.folder(path, root)
    if folder then return folder end
    return nil, ('cannot read %s: %s'):format(path, problems)
  end
  -- the hash is computed when a save needs it (hashing a big file costs more than reading it)
  return setmetatable({ path = path, root = root, vocab = vocab, store = store, problems = problems,
    errors = count_errors(problems), bytes = bytes }, File)
end

--- A folder at an annotation file's name (git carries `ana/DOC.stance/x.stance`) read as a layer
--- file with one error at its line 1: nothing in it, named with the reason by every reader as a
--- file with errors is (agreement leaves the layer out of the document, the model and report
--- name it, the editor cannot write there); nil when `path` is no folder.
---@param path string
---@param root string|nil
---@return stance.AnnFile|nil
function H.folder(path, root)
  local st = require('stance.core').stat(path)
  if not st or st.type ~= 'directory' then return nil end
  return setmetatable({ path = path, root = root, store = require('stance.core').store(), errors = 1, folder = true,
    problems = { { line = 1, col = 1, severity = 'error', message = M.FOLDER } }, hash = nil, text = nil }, File)
end

--- What every reader says of a folder at an annotation file's name (its error at line 1).
M.FOLDER = 'a folder, not an annotation file: nothing in it is read as this layer; remove or rename it'

--- The folders at an annotation file's name below the annotators' folders of the corpus at
--- `root` (or of `annotator`'s only), not hidden, sorted: { path (absolute), annotator, document
--- (the document whose layer file it stands for) }. One readdir per folder (core.folders), no
--- file listed: what a corpus-wide listing of annotation files (files only) does not see.
---@param root string
---@param annotator string|nil
---@return table[]
function M.folders_at(root, annotator)
  local core, R = require('stance.core'), require('stance.root')
  local top = root .. '/' .. R.annotations
  local out = {}
  local function walk(dir, who, rel, depth)
    if depth > 64 then return end
    for _, name in ipairs(core.folders(dir) or {}) do
      local r = rel and (rel .. '/' .. name) or name
      if name:match('.%.stance$') then
        out[#out + 1] = { path = dir .. '/' .. name, annotator = who, document = r:sub(1, -8) }
      else
        walk(dir .. '/' .. name, who, r, depth + 1)
      end
    end
  end
  for _, who in ipairs(annotator and { R.slug(annotator) } or core.folders(top) or {}) do
    walk(top .. '/' .. who, who, nil, 1)
  end
  table.sort(out, function(a, b) return a.path < b.path end)
  return out
end

--- The file `prefix .. rel .. ".stance"` that a layer cache gave as `view` (see
--- core.layer_cache's view(): a file read without a problem), as M.read gives it; its path
--- made when first wanted (a pass over a corpus seldom asks for it).
---@param view userdata core.store_view
---@param prefix string
---@param rel string
---@param vocab userdata|nil
---@param root string
---@return stance.AnnFile
function M.of_view(view, prefix, rel, vocab, root)
  return setmetatable({ _prefix = prefix, _rel = rel, root = root, vocab = vocab, view = view, errors = 0 }, File)
end

--- SHA-256 of the bytes read or last written ("" when the file did not exist).
---@param file stance.AnnFile
---@return string
function M.hash(file)
  if not file.hash then file.hash = require('stance.core').sha256(file.text or '') end
  return file.hash
end

local function write(file, text)
  local fs = require('stance.fs')
  local long = M.too_long(file.path)
  if long then return nil, long, 'EWRITE' end
  if file.root then
    -- a link put in the file's place since it was read is neither written through nor replaced
    local link = require('stance.layer_link').refusal(file.path, file.root, true)
    if link then return nil, link, 'ELINK' end
    return fs.write_inside(file.root, file.path, text, M.hash(file))
  end
  local ok, err = fs.mkdir_p(fs.dirname(file.path))
  if not ok then return nil, err, 'EWRITE' end
  return require('stance.core').write_atomic(file.path, text, M.hash(file))
end

--- After the `try`-th race lost to another writer: from the second on, wait a moment of a
--- length that differs from process to process (up to `try` ms), so that two writers saving
--- in a loop do not keep meeting at the same instant and one of them starve.
local function backoff(try)
  if try < 2 then return end
  local core = require('stance.core')
  if not core.poll then return end
  local jitter = (math.floor(core.hrtime() / 1000) % 1000) / 1000 -- microseconds: differ per process
  pcall(core.poll, {}, math.max(1, math.floor(try * jitter + 0.5)))
end

--- The file changed on disk since it was read or written: merge what is there with what
--- changed here (stance.merge, three-way from what was read), into `file`. Returns the
--- merged text, or nil, err when what is there now cannot be read completely.
local function merge_disk(file)
  local core = require('stance.core')
  local disk, err, code = require('stance.fs').read(file.path, file.root)
  if not disk and code ~= 'ENOENT' then return nil, err end
  local theirs, problems = core.read(disk or '', { vocab = file.vocab })
  if not theirs then return nil, problems end
  local bad = M.errors(problems)
  if bad then
    return nil, ('%s changed on disk and now has errors (line %d: %s); not overwritten'):format(file.path, bad.line,
      bad.message)
  end
  local base = file.text and core.read(file.text, { vocab = file.vocab }) or nil
  local res, merr = require('stance.merge').stores(base, file.store, theirs)
  if not res then return nil, merr end
  file.store, file.text, file.bytes, file.hash = res.store, disk, false, disk and core.sha256(disk) or ''
  local m = file.merged or { theirs = 0, ours = 0, conflicts = 0, conflict_ids = {} }
  m.theirs, m.ours, m.conflicts = m.theirs + res.theirs, m.ours + res.ours, m.conflicts + res.conflicts
  for _, id in ipairs(res.conflict_ids) do
    m.conflict_ids[#m.conflict_ids + 1] = id
  end
  for _, h in ipairs(res.header_conflicts) do -- (`annotator`, an attribute's name: theirs' in a comment)
    m.header_conflicts = m.header_conflicts or {}
    m.header_conflicts[#m.header_conflicts + 1] = h
  end
  file.merged = m
  return res.store:write()
end

--- Write the store back in canonical form, atomically, under the file's lock. When the file
--- changed on disk since it was read (another process, a `git pull`), the change is merged
--- record by record (conflicts kept as both versions, see stance.merge) and the merge is
--- written: `file.store` is then the merged store and `file.merged` says what was merged.
---@param file stance.AnnFile
---@param opts {force: boolean|nil, merge: boolean|nil}|nil force: write even over a file
--- read with errors; merge = false: refuse (ECHANGED) instead of merging
---@return boolean|nil ok true, or false when the content was already canonical
---@return string|nil err
---@return string|nil code "EPROBLEMS", "ECHANGED", "EWRITE", "EOUTSIDE", "ELINK"
function M.save(file, opts)
  opts = opts or {}
  if file.errors > 0 and not opts.force then
    return nil, ('%s has %d error(s); not overwritten (fix it, or force)'):format(file.path,
      file.errors), 'EPROBLEMS'
  end
  file.merged = nil
  local text = file.store:write()
  if text == file.text then return false end
  for try = 1, MAX_TRIES do
    local ok, info, code = write(file, text)
    if ok then
      file.text, file.bytes, file.hash, file.errors = text, false, info.hash, 0
      return true
    end
    if code ~= 'ECHANGED' or opts.merge == false then return nil, info, code end
    backoff(try)
    local merr
    text, merr = merge_disk(file)
    if not text then return nil, merr, 'ECHANGED' end
    if text == file.text then
      file.errors = 0
      return true -- what is there already has every change made here
    end
  end
  return nil, ('%s keeps changing on disk (%d merges in a row); not saved, try again'):format(file.path, MAX_TRIES),
    'ECHANGED'
end

--- Write `store` as a new annotation file of `annotator` on the document `document` (path
--- relative to the corpus) whose text is `text`: headers set, folders made, written
--- atomically, refused when the file exists already.
---@param path string
---@param store userdata the stance.store
---@param document string
---@param annotator string
---@param text string the document's text (for its hash)
---@param root string|nil the corpus root: nothing is written outside it
---@return boolean|nil ok
---@return string|nil err
function M.create(path, store, document, annotator, text, root)
  local fs = require('stance.fs')
  local data = M.render(store, document, annotator, text)
  if root then
    local link = require('stance.layer_link').refusal(path, root, true)
    if link then return nil, link end
    local ok, err = fs.write_inside(root, path, data, '')
    if not ok then return nil, err end
    return true
  end
  local ok, err = fs.mkdir_p(fs.dirname(path))
  if not ok then return nil, err end
  ok, err = require('stance.core').write_atomic(path, data, '')
  if not ok then return nil, err end
  return true
end

--- The text of a new annotation file of `annotator` on `document` (headers set in
--- `store`), for writing with others at once (core.write_files).
---@param store userdata the stance.store
---@param document string path of the document, relative to the corpus
---@param annotator string
---@param text string the document's text (for its hash)
---@return string
function M.render(store, document, annotator, text)
  store:set_header('document', document)
  store:set_header('annotator', annotator)
  store:set_header('hash', 'sha256:' .. require('stance.core').sha256(text))
  return store:write()
end

return M
