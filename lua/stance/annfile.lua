--- One annotation file on disk: read it into a store (with its problems), and save it
--- back atomically — never over a file that could not be read completely, nor over one
--- that changed on disk since it was read.
local M = {}

---@class stance.AnnFile
---@field path string
---@field store userdata the stance.store
---@field problems table[] {line, col, severity, message}
---@field errors integer problems of severity "error"
---@field hash string|nil SHA-256 of the bytes read ("" when the file did not exist; nil: not
---   computed yet, see M.hash)
---@field text string|nil the bytes read (made from `bytes` when first wanted)
---@field bytes userdata|nil the bytes read, kept in C (core.read_file)

local function count_errors(problems)
  local n = 0
  for _, p in ipairs(problems) do
    if p.severity == 'error' then n = n + 1 end
  end
  return n
end

-- The bytes of a file read are kept in C until `file.text` is wanted (a save, stance fmt):
-- reading a big file makes no Lua string of it.
local File = {}
function File.__index(file, k)
  if k ~= 'text' or rawget(file, 'bytes') == nil then return nil end
  local text = file.bytes:string()
  rawset(file, 'text', text)
  return text
end

--- Read `path` (a missing file reads as an empty one, ready to be created; or, with
--- `existing`, as false: no empty one is made).
---@param path string
---@param vocab table|userdata|nil see stance.schema.vocab (or core.vocab of it)
---@param existing boolean|nil
---@return stance.AnnFile|false|nil
---@return string|nil err
function M.read(path, vocab, existing)
  local core = require('stance.core')
  local store, problems, bytes = core.read_file(path, { vocab = vocab })
  if not store then
    if bytes == 'ENOENT' and not require('stance.fs').exists(path) then
      if existing then return false end
      return { path = path, store = core.store(), problems = {}, errors = 0, hash = '', text = nil }
    end
    return nil, ('cannot read %s: %s'):format(path, problems)
  end
  -- the hash is computed when a save needs it (hashing a big file costs more than reading it)
  return setmetatable({ path = path, store = store, problems = problems, errors = count_errors(problems),
    bytes = bytes }, File)
end

--- SHA-256 of the bytes read ("" when the file did not exist).
---@param file stance.AnnFile
---@return string
function M.hash(file)
  if not file.hash then file.hash = require('stance.core').sha256(file.text or '') end
  return file.hash
end

--- Write the store back in canonical form, atomically.
---@param file stance.AnnFile
---@param opts {force: boolean|nil}|nil force: write even over a file read with errors
---@return boolean|nil ok true, or false when the content was already canonical
---@return string|nil err
---@return string|nil code "EPROBLEMS", "ECHANGED", "EWRITE"
function M.save(file, opts)
  opts = opts or {}
  local core = require('stance.core')
  if file.errors > 0 and not opts.force then
    return nil, ('%s has %d error(s); not overwritten (fix it, or force)'):format(file.path,
      file.errors), 'EPROBLEMS'
  end
  local text = file.store:write()
  if text == file.text then return false end
  local ok, err = require('stance.fs').mkdir_p(require('stance.fs').dirname(file.path))
  if not ok then return nil, err, 'EWRITE' end
  local code
  ok, err, code = core.write_atomic(file.path, text, M.hash(file))
  if not ok then return nil, err, code end
  file.text, file.bytes, file.hash, file.errors = text, nil, nil, 0
  return true
end

--- Write `store` as a new annotation file of `annotator` on the document `document` (path
--- relative to the corpus) whose text is `text`: headers set, folders made, written
--- atomically, refused when the file exists already.
---@param path string
---@param store userdata the stance.store
---@param document string
---@param annotator string
---@param text string the document's text (for its hash)
---@return boolean|nil ok
---@return string|nil err
function M.create(path, store, document, annotator, text)
  local fs = require('stance.fs')
  local ok, err = fs.mkdir_p(fs.dirname(path))
  if not ok then return nil, err end
  return require('stance.core').write_atomic(path, M.render(store, document, annotator, text), '')
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
