--- One annotation file on disk: read it into a store (with its problems), and save it
--- back atomically — never over a file that could not be read completely, and never over a
--- change made since it was read: that change is merged record by record (as the editor
--- does), or the save is refused when what is there now cannot be read.
local M = {}

---@class stance.AnnFile
---@field path string
---@field root string|nil the corpus it belongs to: nothing is read or written outside it
---@field vocab table|nil the schema's values (see stance.schema.vocab)
---@field store userdata the stance.store
---@field problems table[] {line, col, severity, message}
---@field errors integer problems of severity "error"
---@field hash string SHA-256 of the bytes read or last written ("" when the file did not exist)
---@field text string|nil the bytes read or last written
---@field merged stance.MergeResult|nil what the last save merged from the disk, if it had to

local MAX_TRIES = 8 -- merges in a row before a save gives up (others keep writing the file)

local function count_errors(problems)
  local n = 0
  for _, p in ipairs(problems) do
    if p.severity == 'error' then n = n + 1 end
  end
  return n
end

local function first_error(problems)
  for _, p in ipairs(problems or {}) do
    if p.severity == 'error' then return p end
  end
end

--- Read `path` (a missing file reads as an empty one, ready to be created).
---@param path string
---@param vocab table|nil see stance.schema.vocab
---@param root string|nil the corpus root: a file that resolves outside it is refused
---@return stance.AnnFile|nil
---@return string|nil err
function M.read(path, vocab, root)
  local core = require('stance.core')
  local text, err, code = require('stance.fs').read(path, root)
  if text == nil then
    if code ~= 'ENOENT' then return nil, err end
    local store = core.store()
    return { path = path, root = root, vocab = vocab, store = store, problems = {}, errors = 0, hash = '', text = nil }
  end
  local store, problems = core.read(text, { vocab = vocab })
  if not store then return nil, problems end
  return {
    path = path, root = root, vocab = vocab, store = store, problems = problems, errors = count_errors(problems),
    hash = core.sha256(text), text = text,
  }
end

local function write(file, text)
  local fs = require('stance.fs')
  if file.root then return fs.write_inside(file.root, file.path, text, file.hash) end
  local ok, err = fs.mkdir_p(fs.dirname(file.path))
  if not ok then return nil, err, 'EWRITE' end
  return require('stance.core').write_atomic(file.path, text, file.hash)
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
  local bad = first_error(problems)
  if bad then
    return nil, ('%s changed on disk and now has errors (line %d: %s); not overwritten'):format(file.path, bad.line,
      bad.message)
  end
  local base = file.text and core.read(file.text, { vocab = file.vocab }) or nil
  local res, merr = require('stance.merge').stores(base, file.store, theirs)
  if not res then return nil, merr end
  file.store, file.text, file.hash = res.store, disk, disk and core.sha256(disk) or ''
  local m = file.merged or { theirs = 0, ours = 0, conflicts = 0, conflict_ids = {} }
  m.theirs, m.ours, m.conflicts = m.theirs + res.theirs, m.ours + res.ours, m.conflicts + res.conflicts
  for _, id in ipairs(res.conflict_ids) do
    m.conflict_ids[#m.conflict_ids + 1] = id
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
---@return string|nil code "EPROBLEMS", "ECHANGED", "EWRITE", "EOUTSIDE"
function M.save(file, opts)
  opts = opts or {}
  if file.errors > 0 and not opts.force then
    return nil, ('%s has %d error(s); not overwritten (fix it, or force)'):format(file.path,
      file.errors), 'EPROBLEMS'
  end
  file.merged = nil
  local text = file.store:write()
  if text == file.text then return false end
  for _ = 1, MAX_TRIES do
    local ok, info, code = write(file, text)
    if ok then
      file.text, file.hash, file.errors = text, info.hash, 0
      return true
    end
    if code ~= 'ECHANGED' or opts.merge == false then return nil, info, code end
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
