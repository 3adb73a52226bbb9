--- One annotator's layer of one document: the annotation file behind it, read on first
--- use, validated writes (schema, spans), and saving through the atomic writer.
---@class stance.Layer
---@field corpus table
---@field doc table stance.Document
---@field annotator string
---@field file table stance.AnnFile
---@field dirty boolean
local M = {}
local H = {}
M.__index = M

local CONTEXT = 32 -- code points of prefix and suffix kept for re-anchoring

-- modules used at every open, found once (not when this one loads)
local Root, AnnFile

--- The layer of `annotator` on `doc` (the file need not exist yet; with `existing`, false
--- when it does not: no empty layer is made, nor the document read for its hash). A file
--- that is a symbolic link is no layer: nil, err, "ELINK" (see stance.layer_link).
---@return stance.Layer|false|nil
---@return string|nil err
---@return string|nil code
function M.open(corpus, annotator, doc, existing)
  Root = Root or require('stance.root')
  AnnFile = AnnFile or require('stance.annfile')
  local path = Root.annotation_path(corpus.root, annotator, doc.path)
  local vocab = corpus.vocab and corpus:vocab() or require('stance.schema').vocab(corpus:schema())
  local file, err, code = AnnFile.read(path, vocab, corpus.root, existing,
    corpus.layer_cache and corpus:layer_cache())
  if not file then return file, err, code end
  local self = setmetatable({ corpus = corpus, doc = doc, annotator = annotator, file = file, dirty = false }, M)
  if rawget(file, 'view') == nil and file.bytes == nil and file.store:header('document') == nil then
    file.store:set_header('document', doc.path)
    file.store:set_header('annotator', annotator)
    local hash = doc:hash()
    if hash then file.store:set_header('hash', hash) end
  end
  return self
end

--- The layer of `annotator` on `doc` from a view of the layer cache (see
--- stance.Document's pass and core.layer_cache's view()): as M.open gives it for that file.
---@param view userdata core.store_view
---@param prefix string the annotator's folder, with a slash at the end
---@return stance.Layer
function M.of_view(corpus, annotator, doc, view, prefix)
  AnnFile = AnnFile or require('stance.annfile')
  local file = AnnFile.of_view(view, prefix, doc.path, corpus:vocab(), corpus.root)
  return setmetatable({ corpus = corpus, doc = doc, annotator = annotator, file = file, dirty = false }, M)
end

--- Mark the layer changed; the corpus keeps it (and so its document) until it is saved.
function M:touch()
  if not self.dirty then
    self.dirty = true
    self.corpus:track_layer(self)
  end
end

--- Whether the layer has an annotation file on disk.
function M:exists()
  local file = self.file
  if rawget(file, 'folder') then return true end -- a folder at its name: there, and in error
  local bytes = rawget(file, 'bytes') -- (false: written or merged since, see stance.AnnFile)
  if bytes == nil and rawget(file, 'view') ~= nil then return true end
  return (bytes and true) or rawget(file, 'text') ~= nil
end

--- The store to change: the file's, or a copy of it when annotations made from it are out
--- (stance.Annotation.lazy reads their fields from it: they stay what they were).
local function own_store(self)
  if self._lent then
    self.file.store = assert(self.file.store:copy())
    self._lent = nil
  end
  return self.file.store
end

---@param kind string|nil "annotation" (default), "relation" or "doclabel"
---@return table[] records
function M:records(kind)
  return require('stance.annfile').reading_store(self.file):records(kind or 'annotation')
end

--- The records of `kind` where their words are in the document now, for what compares layers
--- (agreement, curation): annotations whose quote is not where the file places them are
--- re-anchored in memory (see stance.export.placed; the file is not touched); those not found
--- again, orphans, come as the file has them, with `orphan = true`: their offsets point at
--- other words, and they must not be counted there.
---@param kind string|nil default 'annotation'
---@return table[] records
function M:placed_records(kind)
  kind = kind or 'annotation'
  local text = kind == 'annotation' and self.doc:text() or nil
  if not text then return self:records(kind) end
  local p = require('stance.export.placed').layer(self, text)
  if p.store == self.file.store then return self:records(kind) end
  local out = {}
  for _, r in ipairs(p.store:records(kind)) do
    if p.orphans[r.id] then
      r = self.file.store:get(r.id)
      r.orphan = true
    end
    out[#out + 1] = r
  end
  return out
end

local function now()
  return os.date('!%Y-%m-%dT%H:%M:%SZ')
end

--- quote, prefix and suffix of spans (code points) in the document's text.
function M:context(spans)
  return M.context_of(self.doc:text(), assert(self.doc:model()), spans)
end

--- The quote of `spans` (code points) in `text` (`model`: its core.text), and its context:
--- CONTEXT code points before and after, up to a NUL byte of the document at most (a value
--- cannot hold one, doc/format.md 8.4): shorter then, never other text (as src/frame.c).
---@param text string
---@param model userdata core.text of `text`
---@param spans integer[][]
---@return string quote
---@return string prefix
---@return string suffix
function M.context_of(text, model, spans)
  local parts = {}
  for i, sp in ipairs(spans) do
    parts[i] = text:sub(model:cp_to_byte(sp[1]) + 1, model:cp_to_byte(sp[2]))
  end
  local first, last = spans[1][1], spans[#spans][2]
  local cps = model:cps()
  local prefix = text:sub(model:cp_to_byte(math.max(0, first - CONTEXT)) + 1, model:cp_to_byte(first))
  local suffix = text:sub(model:cp_to_byte(last) + 1, model:cp_to_byte(math.min(cps, last + CONTEXT)))
  local z = suffix:find('\0', 1, true)
  if z then suffix = suffix:sub(1, z - 1) end
  z = H.last_nul(prefix)
  if z then prefix = prefix:sub(z + 1) end
  return table.concat(parts, ' '), prefix, suffix
end

--- Take out of `store` (spans in code points of `text`) each annotation whose text holds a
--- NUL byte (its quote could not keep it: M.nul_in_quote), and the relations to it, and give
--- the others their context up to the NUL (M.context_of); an import's check before it
--- writes (the editor and scripts refuse such a span the same way).
--- Calls said(rec, why) for each annotation taken out; returns how many records were.
---@param store userdata core.store
---@param text string the document
---@param said fun(rec: table, why: string)
---@return integer
function M.drop_nul(store, text, said)
  if not text:find('\0', 1, true) then return 0 end
  local model = require('stance.core').text(text)
  local gone, n = {}, 0
  for _, r in ipairs(store:records('annotation')) do
    local quote, prefix, suffix = M.context_of(text, model, r.spans)
    local why = M.nul_in_quote(quote, r.spans)
    if why then
      gone[r.id] = true
      said(r, why)
    elseif r.prefix ~= prefix or r.suffix ~= suffix then
      -- a context cut at the NUL from the wrong side (a C string): the text next to the quote
      assert(store:update(r.id, { prefix = prefix, suffix = suffix }))
    end
  end
  for _, r in ipairs(store:records('relation')) do
    if gone[r.from] or gone[r.to] then gone[r.id] = true end
  end
  for id in pairs(gone) do
    if store:remove(id) then n = n + 1 end
  end
  return n
end

--- The position of the last NUL byte of `s`, or nil.
function H.last_nul(s)
  local at, i = nil, 0
  while true do
    i = s:find('\0', i + 1, true)
    if not i then return at end
    at = i
  end
end

--- Why the text of `spans` cannot be an annotation's quote (it holds a NUL byte, which no
--- value can keep: doc/format.md 8.4), or nil.
---@param quote string the text of the spans (M:context)
---@param spans integer[][] code points
---@return string|nil
function M.nul_in_quote(quote, spans)
  local z = quote:find('\0', 1, true)
  if not z then return nil end
  return ('the text of %d-%d holds a NUL byte (code point %d): an annotation\'s quote cannot keep one '
    .. '(doc/format.md 8.4); annotate the text before or after it'):format(spans[1][1], spans[#spans][2],
    spans[1][1] + require('stance.utf8').len(quote:sub(1, z - 1)))
end

local function sorted_spans(spans)
  local copy = {}
  for i, s in ipairs(spans) do
    copy[i] = { s[1], s[2] }
  end
  table.sort(copy, function(a, b) return a[1] < b[1] end)
  return copy
end

--- Add a record; fields as in the file format; annotations need `spans` (code points).
---@param kind "annotation"|"relation"|"doclabel"
---@param fields table
---@return table|nil record
---@return string|nil err
function M:add(kind, fields)
  local validate = require('stance.validate')
  local schema = self.corpus:schema()
  local ok, err = validate.record(kind, fields, schema)
  if not ok then return nil, err end
  local rec = { kind = kind, id = fields.id or require('stance.core').new_id() }
  for k, v in pairs(fields) do
    if k ~= 'spans' and k ~= 'id' and k ~= 'annotator' and v ~= false then rec[k] = v end
  end
  if kind ~= 'relation' then
    ok, err = validate.apply_label(rec, schema, kind)
    if not ok then return nil, err end
  end
  if rec.confidence then rec.confidence = tostring(rec.confidence) end
  if kind == 'annotation' then
    local spans = sorted_spans(fields.spans or {})
    local t, terr = self.doc:model()
    if not t then return nil, terr end
    ok, err = validate.spans(spans, t:cps())
    if not ok then return nil, err end
    rec.spans = spans
    rec.quote, rec.prefix, rec.suffix = self:context(spans)
    local nul = M.nul_in_quote(rec.quote, spans)
    if nul then return nil, nul end
  elseif kind == 'relation' then
    for _, which in ipairs({ 'from', 'to' }) do
      local target = fields[which]
      if type(target) ~= 'string' then error(which .. ' should be an annotation id', 2) end
      if not own_store(self):get(target) then
        return nil, ('no annotation %s in %s\'s layer of %s'):format(target, self.annotator, self.doc.path)
      end
    end
  end
  rec.created = rec.created or now()
  local added, aerr = own_store(self):add(rec)
  if not added then return nil, aerr end
  self:touch()
  return self.file.store:get(rec.id)
end

--- Whether a record's field `old` (nil when it has none) is already what `new` sets (false
--- removes a field; spans compared span by span).
---@return boolean
function H.same(old, new)
  if new == false or new == nil then return old == nil end
  if type(old) == 'table' and type(new) == 'table' then
    if #old ~= #new then return false end
    for i = 1, #new do
      if not H.same(old[i], new[i]) then return false end
    end
    for k, v in pairs(new) do
      if type(k) ~= 'number' and not H.same(old[k], v) then return false end
    end
    return true
  end
  return old == new
end

--- Change fields of record `id` (false removes a field; `spans` moves an annotation). Fields
--- given the values they have change nothing (the record is returned as it was, unwritten).
---@return table|nil record
---@return string|nil err
function M:update(id, fields)
  local store = own_store(self)
  local rec = store:get(id)
  if not rec then return nil, ('no record %s'):format(id) end
  local merged = {}
  for k, v in pairs(rec) do
    merged[k] = v
  end
  for k, v in pairs(fields) do
    merged[k] = v
  end
  local validate = require('stance.validate')
  local schema = self.corpus:schema()
  local ok, err = validate.record(rec.kind, merged, schema)
  if not ok then return nil, err end
  local change = {}
  for k, v in pairs(fields) do
    change[k] = v
  end
  if fields.label and rec.kind ~= 'relation' then
    -- a new label brings its target, stance and role (see validate.relabel)
    local check
    check, err = validate.relabel(rec, fields, schema, rec.kind)
    if not check then return nil, err end
    for _, f in ipairs(validate.label_fields(rec.kind)) do
      change[f] = check[f] or false
    end
  elseif rec.kind ~= 'relation' then
    ok, err = validate.apply_label({ label = merged.label, target = merged.target, stance = merged.stance,
      role = merged.role }, schema, rec.kind)
    if not ok then return nil, err end
  end
  change.spans = nil
  if fields.spans then
    local spans = sorted_spans(fields.spans)
    ok, err = require('stance.validate').spans(spans, self.doc:model():cps())
    if not ok then return nil, err end
    if not H.same(rec.spans, spans) then
      change.spans = spans
      change.quote, change.prefix, change.suffix = self:context(spans)
      local nul = M.nul_in_quote(change.quote, spans)
      if nul then return nil, nul end
    end
  end
  if change.confidence then change.confidence = tostring(change.confidence) end
  -- a field given the value it has is no change, and an update that changes none is no
  -- update: no `modified` (it would conflict with a collaborator's edit of the record), no write
  for k, v in pairs(change) do
    if H.same(rec[k], v) then change[k] = nil end
  end
  if next(change) == nil then return rec end
  change.modified = now()
  ok, err = store:update(id, change)
  if not ok then return nil, err end
  self:touch()
  return store:get(fields.id or id)
end

--- Remove record `id` (and relations that point to it); with `conflict` (`ours`, `theirs`),
--- its version so marked by a merge.
---@param id string
---@param conflict string|nil
---@return boolean|nil ok
---@return string|nil err
function M:remove(id, conflict)
  local store = own_store(self)
  local ok, err = store:remove(id, conflict)
  if not ok then return nil, err end
  for _, rel in ipairs(store:records('relation')) do
    if rel.from == id or rel.to == id then store:remove(rel.id) end
  end
  self:touch()
  return true
end

---@alias stance.Status "not-started"|"in-progress"|"done"

--- The annotator's progress on the document: "done" when marked so (`status done` in the
--- file), "in-progress" when marked so or when the layer has any record, else "not-started".
---@return stance.Status
function M:status()
  local store = require('stance.annfile').reading_store(self.file)
  local st = store:header('status')
  if st == 'done' or st == 'in-progress' then return st end
  if st ~= nil or store:count('annotation') + store:count('relation') + store:count('doclabel') > 0 then
    return 'in-progress'
  end
  return 'not-started'
end

--- Mark the annotator's progress on the document. "done" says: every unit without an
--- annotation was read and has no stance (agreement and the model rely on it); the file is
--- written even when it holds no record. "not-started" removes the mark.
---@param status stance.Status
---@return boolean|nil ok
---@return string|nil err
function M:set_status(status)
  if status ~= 'done' and status ~= 'in-progress' and status ~= 'not-started' then
    error(('status should be done, in-progress or not-started, got %s'):format(tostring(status)), 2)
  end
  local value = status ~= 'not-started' and status or nil
  if self.file.store:header().status ~= value then
    self.file.store:set_header('status', value)
    self:touch()
  end
  return true
end

--- Before a save: when the file's hash is not the document's (the document changed since),
--- its annotations are placed in the text now as every reader places them (stance.export.placed)
--- and those not found again are marked orphans, so that the file is written without a hash
--- (doc/format.md 8.3: a file holding an orphan records none; the writer leaves it out), as
--- the editor, imports and `stance fmt --reanchor` write it. The offsets are left as they are
--- (only `stance fmt --reanchor` and the editor write new places). A hash that is the
--- document's is taken at its word, as the readers take it (no text read).
function H.mark_orphans(self)
  local store = self.file.store
  local recorded = store:header('hash')
  if recorded == nil or store:count('annotation') == 0 then return end
  local hash = self.doc:hash()
  if hash == nil or hash == recorded then return end
  -- placed once per pair of hashes in this process: a script saving a layer again and again
  -- (nothing orphaned the first time) does not place it every time
  local key = recorded .. ' ' .. hash .. ' ' .. store:count('annotation')
  if self._placed_whole == key then return end
  local text = self.doc:text()
  if not text then return end
  local p = require('stance.export.placed').layer(self, text)
  if next(p.orphans) == nil then
    self._placed_whole = key
    return
  end
  store = own_store(self)
  for id in pairs(p.orphans) do
    store:mark(id, 'orphan', true)
  end
end

--- Write the layer if it changed (atomic, under the file's lock; refused over a file read
--- with errors). A file changed on disk since it was read is merged record by record with
--- what changed here (see stance.annfile.save): the layer then holds the merge, and the
--- fourth result says what was merged.
---@return boolean|nil ok
---@return string|nil err
---@return string|nil code
---@return stance.MergeResult|nil merged
function M:save()
  if not self.dirty then return true end
  -- a watcher's word on the annotation files no longer holds in this pass (the write moves it)
  if rawget(self.corpus, '_vouch') then self.corpus:drop_vouch() end
  H.mark_orphans(self)
  local ok, err, code = require('stance.annfile').save(self.file)
  if ok == nil then return nil, err, code end
  self.dirty = false
  -- the file as written here is what the layer holds (stance.Document.kept_layer)
  if self._stamp ~= nil then self._stamp = require('stance.core').stamp(self.file.path) end
  return true, nil, nil, self.file.merged
end

return M
