--- A document of a corpus: its path, hash and text, and its words, sentences and
--- paragraphs from the C text model. Offsets are code points of the text (as in
--- annotation files), 0-based, ends exclusive; lines are 1-based.
---@class stance.Document
---@field corpus table
---@field path string relative to the corpus root
---@field abspath string
local M = {}
local H = {}
M.__index = M

-- modules a script's pass uses for every layer, found once (not when this one loads: they
-- load it themselves)
local Layer, AnnFile, Annotation, LayerLink
local find = string.find

--- A document of corpus `c` at `path` (relative); see stance.Corpus:document().
---@return stance.Document
function M.new(c, path, info)
  -- (the fields a script's pass sets named, nil, in the constructor: the table is made with
  -- room for them, not grown again at the first)
  return setmetatable({ corpus = c, path = path, abspath = c.root .. '/' .. path, info = info, _layers = nil,
    _known = nil }, M)
end

--- The document's bytes (read once, then kept).
---@return string|nil text
---@return string|nil err
function M:text()
  if self._text == nil then
    -- only a regular file inside the corpus (after links): never a device, a FIFO, or elsewhere
    local s, err = require('stance.fs').read(self.abspath, self.corpus.root)
    if not s then return nil, err end
    self._text = s
  end
  return self._text
end

--- The C text model of the document (for offsets, lines, sentences).
function M:model()
  if self._model == nil then
    local s, err = self:text()
    if not s then return nil, err end
    self._model = require('stance.core').text(s)
  end
  return self._model
end

--- "sha256:<hex>" of the document's bytes: of the text read, or, before it is read, the
--- hash the index recorded when the file's stat says it is unchanged since (see
--- stance.Corpus.known_hash), else of the file read now.
---@return string|nil
---@return string|nil err
function M:hash()
  if self._hash then return self._hash end
  if self._text == nil then
    if self._known == nil then self._known = self.corpus:known_hash(self.path) or false end
    if self._known then return self._known end
  end
  local s, err = self:text()
  if not s then return nil, err end
  self._hash = 'sha256:' .. require('stance.core').sha256(s)
  return self._hash
end

local function spans(self, what, arg)
  local t, err = self:model()
  if not t then return nil, err end
  local s = self:text()
  local out = {}
  for i, sp in ipairs(t[what](t, arg)) do
    local line, col = t:pos(sp.start)
    out[i] = {
      start = sp.cp_start, stop = sp.cp_stop, byte_start = sp.start, byte_stop = sp.stop,
      line = line + 1, col = col + 1, text = s:sub(sp.start + 1, sp.stop),
    }
  end
  return out
end

--- The corpus's units ("sentences"): sentences, or lines when the schema says `unit line`
--- (stance.schema.unit): { {start, stop, byte_start, byte_stop, line, col, text}, ... }
---@return table[]|nil
function M:sentences() return spans(self, 'sentences', self.corpus.unit and self.corpus:unit() or nil) end

--- Whether the document belongs to target `target` (the schema's `documents` of it; every
--- document does when it has none): outside, it is not judged for that target.
---@param target string
---@return boolean
function M:in_scope(target)
  return require('stance.schema').in_scope(self.corpus:schema(), target, self.path)
end

--- Paragraphs (separated by blank lines), like sentences().
---@return table[]|nil
function M:paragraphs() return spans(self, 'paragraphs') end

--- Words: { {start, stop (bytes), word (case-folded), pos}, ... }
---@return table[]|nil
function M:words()
  local t, err = self:model()
  if not t then return nil, err end
  return t:words()
end

--- Bytes of the document that are not valid UTF-8 (each counts as one code point, U+FFFD):
--- how many, and the byte offset (0-based) of the first.
---@return integer count
---@return integer|nil first
function M:invalid_utf8()
  local t = self:model()
  if not t then return 0 end
  return t:invalid()
end

--- The text of line n (1-based), without its end.
---@param n integer
---@return string|nil
function M:line(n)
  local t = self:model()
  if not t then return nil end
  local _, _, text = t:line(n - 1)
  return text
end

--- Number of lines.
function M:line_count()
  local t = self:model()
  return t and t:lines() or 0
end

--- Byte offset (0-based) of code point c, and back.
function M:cp_to_byte(c) return self:model():cp_to_byte(c) end
function M:byte_to_cp(b) return self:model():byte_to_cp(b) end

--- The document's metadata (its row of .stance/documents.csv): the value of `column`, or
--- with no argument a table of every column with a value (empty when the document has no
--- row). Values are strings; a column left empty has none.
---@param column string|nil
---@return string|table<string, string>|nil
function M:meta(column)
  local row = self.corpus:metadata().rows[self.path]
  if column ~= nil then
    if type(column) ~= 'string' then error('meta takes a column name', 2) end
    return row and row[column]
  end
  local out = {}
  for k, v in pairs(row or {}) do
    out[k] = v
  end
  return out
end

-- ---- annotations ------------------------------------------------------------------------

--- The layer of `annotator` (default: the corpus's annotator) on this document.
---@param annotator string|nil
---@return table|nil stance.Layer
---@return string|nil err
---@return string|nil code "ELINK" for a layer file that is a link (stance.layer_link)
function M:layer(annotator)
  annotator = annotator or self.corpus.annotator
  local have = self:kept_layer(annotator)
  if have then return have end
  local layer, err, code = self:open_layer(annotator)
  if not layer then return nil, err, code end
  return layer
end

--- The layer of `name` read before, unless its file changed on disk since (a `git pull`,
--- the editor's save, another process) and it has no unsaved change here: then nil, and
--- it is read again. One stat, in Neovim (a long-lived process); a script's pass keeps
--- what it read (no stat more per layer), but for a layer that had no file.
---@param name string
---@return stance.Layer|nil
function M:kept_layer(name)
  local layer = self._layers and self._layers[name]
  if not layer then return nil end
  if layer.dirty or layer._stamp == nil then return layer end
  local path = require('stance.root').annotation_path(self.corpus.root, name, self.path)
  if require('stance.core').stamp(path) == layer._stamp then return layer end
  self._layers[name] = nil
  return nil
end

--- Read the layer of `name` (with `existing`: false when it has no file) and keep it, with
--- the stamp of its file as it was before reading (a write in between reads it again).
function M:open_layer(name, existing)
  local stamp = vim and require('stance.core').stamp(require('stance.root').annotation_path(self.corpus.root, name,
    self.path)) or nil
  Layer = Layer or require('stance.layer')
  local layer, err, code = Layer.open(self.corpus, name, self, existing)
  if not layer then
    -- a link is no one's layer: said, as every command that meets one says it
    if code == 'ELINK' then require('stance.layer_link').warn(err) end
    return layer, err, code
  end
  -- (a script's layer without a file yet is looked at again: a file may come)
  if stamp == nil and not layer:exists() then stamp = '' end
  layer._stamp = stamp
  self._layers = self._layers or {}
  self._layers[name] = layer
  return layer
end

--- The progress of `annotator` (default: the corpus's) on this document: "not-started",
--- "in-progress" or "done" (see stance.Layer.status).
---@param annotator string|nil
---@return string|nil status
---@return string|nil err
function M:status(annotator)
  local layer, err = self:layer(annotator)
  if not layer then return nil, err end
  return layer:status()
end

--- Mark the progress of `annotator` (default: the corpus's) on this document; saved with
--- the corpus (`corpus:save()`).
---@param status string "done", "in-progress" or "not-started"
---@param annotator string|nil
---@return boolean|nil ok
---@return string|nil err
function M:set_status(status, annotator)
  local layer, err = self:layer(annotator)
  if not layer then return nil, err end
  return layer:set_status(status)
end

--- Annotators with a layer on this document (a file of their own, not a link: see
--- stance.layer_link; or changes not yet saved).
---@return string[]
function M:annotators()
  local out = {}
  local root, exists = require('stance.root'), require('stance.core').exists
  local link = require('stance.layer_link')
  for _, name in ipairs(self.corpus:annotators()) do
    local open = self._layers and self._layers[name]
    local path = root.annotation_path(self.corpus.root, name, self.path)
    if open and open.dirty then
      out[#out + 1] = name
    elseif exists(path) then
      -- a link is no one's layer (said, as every command that meets one says it)
      local refused = link.refusal(path, self.corpus.root)
      if refused then link.warn(refused) else out[#out + 1] = name end
    end
  end
  return out
end

local FIELDS = { 'label', 'target', 'stance', 'role', 'type' }

local function matches(rec, filter)
  for _, f in ipairs(FIELDS) do
    if filter[f] ~= nil and rec[f] ~= filter[f] then return false end
  end
  if filter.range and rec.spans then
    local a, b = filter.range[1], filter.range[2]
    local hit = false
    for _, sp in ipairs(rec.spans) do
      if sp[1] < b and sp[2] > a then hit = true end
    end
    if not hit then return false end
  end
  return true
end

--- The layer of `name` if it has changes or a file, else nil: reading the file is how its
--- existence is known (no stat first), and a layer without a file is not made (making one
--- reads the document for its hash).
local function existing_layer(self, name)
  local layer = self._layers and self:kept_layer(name)
  if layer then return layer end
  -- in a script's pass (the `stance` host): straight from a view of the layer cache when the
  -- file is one (no file: no layer, as open_layer finds); else read as open_layer does
  local c = self.corpus
  local lc = c:layer_cache()
  LayerLink = LayerLink or require('stance.layer_link')
  -- (a layer whose folders hold a link is read, and refused, as open_layer reads it)
  if lc and not LayerLink.folders_said(c, name, self.path) then
    local prefix = c:layer_folder(name)
    local view = lc:view(prefix, self.path)
    if view == nil then return nil end
    if view then
      Layer = Layer or require('stance.layer')
      layer = Layer.of_view(c, name, self, view, prefix)
      self._layers = self._layers or {}
      self._layers[name] = layer
      return layer
    end
  end
  return self:open_layer(name, true)
end

--- The store holding the records of `layer` of `kind` where they are in the document now,
--- and the IDs of orphans. A file whose recorded hash is the document's (the usual case) is
--- taken at its word, once per layer; else its annotations are re-anchored in memory as
--- `stance check` does (the file is not touched), and those not found again come back as
--- orphans, at their old place: a script never reads offsets that point at other words (a
--- document edited, a clean git merge).
local function placed(self, layer, kind)
  -- (a file taken from the layer cache is read as a view: no store made of it)
  AnnFile = AnnFile or require('stance.annfile')
  local store = AnnFile.reading_store(layer.file)
  if kind ~= 'annotation' or layer._vouched then return store end
  local recorded = store:header('hash')
  if recorded ~= nil and recorded == self:hash() then
    layer._vouched = true
    return store
  end
  local text = self:text()
  if not text then return store end
  local p = require('stance.export.placed').layer(layer, text)
  if p.store == store or p.store == rawget(layer.file, 'store') then
    layer._vouched = true
    return p.store
  end
  return p.store, p.orphans
end

local NO_FILTER = {} -- (never changed)

local function collect(self, kind, filter)
  filter = filter or NO_FILTER
  local names = filter.annotator
  if type(names) == 'string' then names = { names } end
  local c = self.corpus
  names = names or c:layer_names()
  -- no layer read through a link among its folders (said once: stance.layer_link); a document
  -- in the folder of the one before, with the same names, none refused there: two plain
  -- searches, no call (at every document of a pass)
  local last, path = c._link_last, self.path
  if not (last and last.names == names and find(path, last.prefix, 1, true) == 1
      and not find(path, '/', last.n + 1, true)) then
    LayerLink = LayerLink or require('stance.layer_link')
    names = LayerLink.readable(c, names, path)
  end
  local any = next(filter) ~= nil and not (next(filter) == 'annotator' and next(filter, 'annotator') == nil)
  -- in a script's pass (the `stance` host), a document's layers all views of the layer cache:
  -- its layers and their annotations made in one call (core.layer_cache's annotations(), as
  -- the loop below makes them); else the layers it made are kept, and `misses` read as files
  local misses
  if not any and rawget(self, '_layers') == nil then
    local lc = c:layer_cache()
    if lc then
      local out
      out, misses = lc:annotations(kind, names, c:layer_folders(names), self, c:view_context(), c:vocab())
      if out then return out end
    end
  end
  Annotation = Annotation or require('stance.annotation')
  local out -- (made by the first layer's, at its size)
  for _, name in ipairs(names) do
    local layer, err, code
    if misses and misses[name] then
      layer = self:kept_layer(name)
      if not layer then layer, err, code = self:open_layer(name, true) end
    else
      layer, err, code = existing_layer(self, name)
    end
    if code == 'ELINK' then err = nil end -- a link is no one's layer (said as such, once)
    -- a file with errors (cut short, git's conflict markers) gives what it lets us read, and
    -- says so: kept for M:errors(), and said once per file to the host (stance.layer_errors.meet)
    local broken = layer and rawget(layer.file, 'errors') ~= 0 and H.broken(layer)
    if broken or (layer == nil and err) then H.keep_error(self, broken or H.unreadable(self, name, err)) end
    if layer and not broken then H.conflicts(self, layer) end
    if layer then
      local store, orphans = placed(self, layer, kind)
      -- the layer's own store, lent to lazy annotations: the layer changes a copy from now on
      if store == rawget(layer.file, 'store') then layer._lent = true end
      if not any and not orphans then
        out = Annotation.lazy(layer, store, kind, out)
      else
        out = out or {}
        for _, a in ipairs(Annotation.lazy(layer, store, kind)) do
          if not any or matches(a, filter) then
            if orphans and orphans[a.id] then a.orphan = true end
            out[#out + 1] = a
          end
        end
      end
    end
  end
  return out or {}
end

--- A layer file holding records of an unresolved merge conflict (stance.layer_conflicts): its
--- annotations come as both versions, each with its `conflict` ('ours', 'theirs'); said once
--- per file to the host, as a file with errors is (a script that counts them would count
--- both), not kept among M:errors() (the file has none). A file the layer cache gave has no
--- problem at all.
function H.conflicts(self, layer)
  local problems = rawget(layer.file, 'problems')
  if not problems or #problems == 0 then return end
  local c = self.corpus
  local conflicts = require('stance.layer_conflicts')
  local file = require('stance.root').annotation_path(c.root, layer.annotator, self.path)
  local where, n = conflicts.first(file, problems, c.root)
  if not where then return end
  require('stance.layer_errors').meet({ annotator = layer.annotator, path = self.path, file = file, conflicts = n,
    errors = 0, where = conflicts.said(layer.annotator, where, n,
      ('its annotations of %s come as both versions, each with its `conflict`'):format(self.path)) })
end

--- Keep `e` (a stance.ReadError) among those M:errors() gives, once per file.
function H.keep_error(self, e)
  local kept = rawget(self, '_read_errors')
  if not kept then
    kept = { by_file = {} }
    rawset(self, '_read_errors', kept)
  end
  if kept.by_file[e.file] then return end
  kept.by_file[e.file] = true
  kept[#kept + 1] = e
end

---@class stance.ReadError
---@field file string the annotation file, relative to the corpus
---@field line integer|nil its first error's line (nil: the file could not be read at all)
---@field col integer|nil
---@field message string
---@field errors integer how many errors it has
---@field annotator string
---@field where string FILE:LINE:COL: message

--- The error a read met in `layer`'s file (its first), said once to the host.
function H.broken(layer)
  local e = require('stance.layer_errors').of_layer(layer)
  if not e then return nil end
  return H.said(layer.corpus, e)
end

--- The error of `name`'s file of `self` that could not be read (`err`), said once to the host.
function H.unreadable(self, name, err)
  local c = self.corpus
  local file = require('stance.root').annotation_path(c.root, name, self.path)
  return H.said(c, { annotator = name, path = self.path, file = file, errors = 1, message = err,
    where = ('%s: %s'):format(require('stance.fs').relative(file, c.root), err) })
end

function H.said(c, e)
  require('stance.layer_errors').meet(e)
  return { file = require('stance.fs').relative(e.file, c.root), line = e.line, col = e.col, message = e.message,
    errors = e.errors, annotator = e.annotator, where = e.where }
end

--- Annotations of the document, of every annotator or those in filter.annotator (a name
--- or a list), optionally only those with the given label, target, stance, role, or
--- overlapping filter.range = {start, stop} (code points). A layer file with errors (cut
--- short, git's conflict markers) gives what it lets us read; M:errors() lists it. One value
--- only (`table.insert(t, doc:annotations())` keeps working).
---@param filter table|nil
---@return stance.Annotation[]
function M:annotations(filter) return (collect(self, 'annotation', filter)) end

--- Relations (filter: annotator, type); errors as M:annotations.
---@return stance.Annotation[]
function M:relations(filter) return (collect(self, 'relation', filter)) end

--- Document-level labels (filter: annotator, target, stance, label); errors as M:annotations.
---@return stance.Annotation[]
function M:labels(filter) return (collect(self, 'doclabel', filter)) end

--- The layer files with errors (cut short, git's conflict markers, unreadable) that the reads
--- of this document so far (annotations, relations, labels) met: each file's first error, once
--- per file; nil when every file read was read whole.
---@return stance.ReadError[]|nil
function M:errors()
  local kept = rawget(self, '_read_errors')
  if not kept then return nil end
  local out = {}
  for i, e in ipairs(kept) do
    out[i] = { file = e.file, line = e.line, col = e.col, message = e.message, errors = e.errors,
      annotator = e.annotator, where = e.where }
  end
  return out
end

--- Annotate: spec = { start, stop } or { spans = {{start, stop}, ...} } (code points), label,
--- and target, stance, role, note, confidence as the schema allows; annotator (default:
--- the corpus's). The schema is enforced: what it forbids is refused with nil, err.
---@param spec table
---@return stance.Annotation|nil
---@return string|nil err
function M:annotate(spec)
  if type(spec) ~= 'table' then error('annotate takes a table', 2) end
  local fields = {}
  for k, v in pairs(spec) do
    if k ~= 'start' and k ~= 'stop' then fields[k] = v end
  end
  if not fields.spans then
    if type(spec.start) ~= 'number' or type(spec.stop) ~= 'number' then
      error('annotate needs start and stop (code points) or spans', 2)
    end
    for _, k in ipairs({ 'start', 'stop' }) do
      if spec[k] ~= math.floor(spec[k]) or spec[k] ~= spec[k] then
        error(('annotate: %s must be a whole number (a code point offset), got %s'):format(k, tostring(spec[k])), 2)
      end
    end
    fields.spans = { { spec.start, spec.stop } }
  elseif type(fields.spans) == 'table' then
    for i, sp in ipairs(fields.spans) do
      for j = 1, 2 do
        local v = type(sp) == 'table' and sp[j]
        if type(v) == 'number' and (v ~= math.floor(v) or v ~= v) then
          error(('annotate: spans[%d][%d] must be a whole number (a code point offset), got %s'):format(i, j,
            tostring(v)), 2)
        end
      end
    end
  end
  local layer, err = self:layer(spec.annotator)
  if not layer then return nil, err end
  local rec
  rec, err = layer:add('annotation', fields)
  if not rec then return nil, err end
  return require('stance.annotation').new(layer, rec)
end

--- Link two annotations of one layer: relate(from_id, to_id, type[, {note, annotator}]).
---@return stance.Annotation|nil
---@return string|nil err
function M:relate(from, to, type_, opts)
  opts = opts or {}
  local layer, err = self:layer(opts.annotator)
  if not layer then return nil, err end
  local rec
  rec, err = layer:add('relation', { from = from, to = to, type = type_, note = opts.note })
  if not rec then return nil, err end
  return require('stance.annotation').new(layer, rec)
end

--- Set the document's overall stance: set_label{target, stance[, label, note, annotator]}.
--- Replaces the annotator's document label for the same target.
---@return stance.Annotation|nil
---@return string|nil err
function M:set_label(spec)
  local layer, err = self:layer(spec.annotator)
  if not layer then return nil, err end
  for _, rec in ipairs(layer:records('doclabel')) do
    if rec.target == spec.target then layer:remove(rec.id) end
  end
  local fields = {}
  for k, v in pairs(spec) do
    if k ~= 'annotator' then fields[k] = v end
  end
  local rec
  rec, err = layer:add('doclabel', fields)
  if not rec then return nil, err end
  return require('stance.annotation').new(layer, rec)
end

function M:__tostring()
  return ('stance.Document %s'):format(self.path)
end

return M
