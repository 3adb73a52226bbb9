--- A corpus's annotation layers (the methods of stance.Corpus about them): the cache of
--- parsed annotation files, the annotators' folders, who annotates and who is a person, and
--- saving the layers changed. A corpus loads this module at the first call of one of them
--- (stance.corpus, H.layers): a search, an index or a count loads none of it.
local L = {}
local H = {}

local Corpus = require('stance.corpus')

--- The cache of parsed annotation files (`.stance/cache/layers.bin`, see :help
--- stance-layer-cache and core.layer_cache): in the `stance` host, every layer read goes
--- through it, so that a script going through a corpus maps the files that did not change
--- instead of parsing them again. nil in Neovim (the editor keeps its own, see
--- stance.editor.cache) and when the environment sets STANCE_LAYER_CACHE=0.
---@return userdata|nil
function L:layer_cache()
  if self._lcache == nil then
    self._lcache = false
    if not vim and os.getenv('STANCE_LAYER_CACHE') ~= '0' then
      self._lcache = require('stance.core').layer_cache(self.root .. '/' .. Corpus.LAYER_CACHE,
        { root = self.root, vocab = self:vocab(), racy_ms = Corpus.LAYER_CACHE_RACY_MS }) or false
    end
  end
  return self._lcache or nil
end

--- The folder of `name`'s annotation files, absolute, with a slash at the end (made once per
--- name: a script's pass asks for it at every layer).
---@param name string
---@return string
function L:layer_folder(name)
  local folders = self._layer_folders
  if not folders then
    folders = {}
    self._layer_folders = folders
  end
  local dir = folders[name]
  if not dir then
    local root = require('stance.root')
    dir = self.root .. '/' .. root.annotations .. '/' .. root.slug(name) .. '/'
    folders[name] = dir
  end
  return dir
end

--- The folders of `names`' annotation files (see L:layer_folder), in a list kept while the
--- names are the same (compared name by name: a script may change its own list in place
--- between two calls; stance.Corpus.layer_names gives the same names while the annotators'
--- folder does not change).
---@param names string[]
---@return string[]
function L:layer_folders(names)
  local of, list = self._folders_of, self._folders
  local same = of ~= nil and #of == #names
  if same then
    for i = 1, #names do
      if of[i] ~= names[i] then
        same = false
        break
      end
    end
  end
  if not same then
    of, list = {}, {}
    for i, name in ipairs(names) do
      of[i], list[i] = name, self:layer_folder(name)
    end
    self._folders_of, self._folders = of, list
  end
  return list
end

--- What core.layer_cache's annotations() makes a document's layers and annotations of (see
--- stance.Document): the metatables of stance.Layer, stance.AnnFile and lazy annotations.
---@return table
function L:view_context()
  local ctx = self._view_context
  if not ctx then
    ctx = { corpus = self, layer_mt = require('stance.layer'), file_mt = require('stance.annfile').File,
      lazy = require('stance.annotation').Lazy }
    self._view_context = ctx
  end
  return ctx
end

--- Write the cache of parsed annotation files if a layer was read since that it did not
--- have (or had stale). A cache that cannot be written is no failure (the next run parses
--- again): the error is returned for who wants it.
---@return boolean|nil ok
---@return string|nil err
function L:save_layer_cache()
  -- the end of a pass: the folders' descriptors closed (opened again when asked)
  local ds = rawget(self, '_annotations_stamp')
  if ds then ds:release() end
  require('stance.layer_link').forget(self)
  local lc = rawget(self, '_lcache')
  if not lc then return true end
  lc:release()
  local fs = require('stance.fs')
  require('stance.ignored').ensure(self.root)
  local path = self.root .. '/' .. Corpus.LAYER_CACHE
  -- the folder made only inside the corpus (a committed .stance/cache link is not followed)
  local ok, err = fs.mkdir_p(fs.dirname(path), self.root)
  if not ok then return nil, err end
  return lc:save(path)
end

--- Annotators who have annotation files in the corpus (and those with unsaved layers).
--- Listed again when the annotations folder changed since (a `git pull` or another clone's
--- annotator added a folder; see H.folder_stamp).
---@return string[]
function L:annotators()
  local dir = self.root .. '/' .. require('stance.root').annotations
  if self._annotators and self._annotators_stamp == H.folder_stamp(dir, self._annotators_empty) then
    return self._annotators
  end
  local core = require('stance.core')
  local seen, out = {}, {}
  -- names only: no stat of each annotation file
  local slug = require('stance.root').slug
  for _, path in ipairs(core.list(dir, { ext = { 'stance' }, names = true }) or {}) do
    local name = path:match('^([^/]+)/')
    -- a layer is its folder: one named as stance never names one is none (stance.layer_link)
    if name and not seen[name] and slug(name) == name then
      seen[name] = true
      out[#out + 1] = name
    end
  end
  -- the folders without a layer yet: a file written into one later changes that folder only
  local empty, bad = {}, {}
  local folders, links = core.folders(dir)
  for _, name in ipairs(folders or {}) do
    if slug(name) ~= name then
      bad[#bad + 1] = name
    elseif not seen[name] then
      empty[#empty + 1] = dir .. '/' .. name
    end
  end
  -- what is no layer among the annotators' folders: said (stance.layer_link)
  if (links and #links > 0) or #bad > 0 then require('stance.layer_link').say_folders(self.root, links or {}, bad) end
  self._annotators_empty, self._annotators_stamp = empty, H.folder_stamp(dir, empty)
  self._annotators = H.with_unsaved(self, out, seen)
  return self._annotators
end

--- What tells whether the annotators' folders changed: the times of the annotations folder
--- (a folder added or removed) and of the folders in `more` (one stat each).
---@param dir string
---@param more string[]|nil
---@return string
function H.folder_stamp(dir, more)
  local stat = require('stance.core').stat
  local function one(path)
    local st = stat(path)
    return st and ('%d.%d:%d'):format(st.mtime, st.mtime_ns or 0, st.ino or 0) or '-'
  end
  local parts = { one(dir) }
  for _, path in ipairs(more or {}) do
    parts[#parts + 1] = one(path)
  end
  return table.concat(parts, '|')
end

--- `out` (names, those in `seen`) with the annotators of unsaved layers added, sorted.
function H.with_unsaved(c, out, seen)
  for _, layer in ipairs(c.layers) do
    if layer.dirty and not seen[layer.annotator] then
      seen[layer.annotator] = true
      out[#out + 1] = layer.annotator
    end
  end
  table.sort(out)
  return out
end

--- The names whose layers a document may have: the annotators' folders (one readdir, no
--- listing of every annotation file as annotators() makes; a folder without any file gives
--- no layer, so what is read through these names is the same) and the annotators of
--- unsaved layers, sorted as annotators() are.
---@return string[]
function L:layer_names()
  -- (asked for at every document of a pass: whether the folder changed is told by the stat
  -- of its descriptor, kept open until the pass ends, core.dir_stamp; a folder replaced
  -- whole is seen within a second, as the layer cache's folders are)
  local ds = self._annotations_stamp
  if not ds then
    ds = require('stance.core').dir_stamp(self.root .. '/' .. require('stance.root').annotations)
    self._annotations_stamp = ds
  end
  if ds:changed() then
    self._layer_names = nil
    require('stance.layer_link').forget(self) -- (its folders asked again)
  end
  if self._layer_names then return self._layer_names end
  local slug = require('stance.root').slug
  local out, seen, bad = {}, {}, {}
  local folders, links = require('stance.core').folders(self.root .. '/' .. require('stance.root').annotations)
  for _, name in ipairs(folders or {}) do
    -- a layer is its folder: one named as stance never names one is none (stance.layer_link)
    if slug(name) == name then
      seen[name] = true
      out[#out + 1] = name
    else
      bad[#bad + 1] = name
    end
  end
  -- what is no layer among them (a link, a folder stance never makes): said
  if (links and #links > 0) or #bad > 0 then require('stance.layer_link').say_folders(self.root, links or {}, bad) end
  self._layer_names = H.with_unsaved(self, out, seen)
  return self._layer_names
end

--- Whether the layer `name` is a person's. It is not when stance writes it itself (`gold`:
--- curation; `model`: suggestions) or when the schema's `corpus` record names it in
--- `not-annotators` (e.g. a system's output imported from brat). Agreement and curation
--- compare people only, unless their layers are named.
---@param name string
---@return boolean person
---@return string|nil what what the layer is, when not a person's
function L:is_person(name)
  if Corpus.NOT_PEOPLE[name] then return false, Corpus.NOT_PEOPLE[name] end
  local schema = self:schema()
  for _, n in ipairs(schema and schema.corpus.not_annotators or {}) do
    if n == name then return false, 'named in the schema\'s not-annotators' end
  end
  return true
end

--- The annotators who are people (see is_person), sorted.
---@return string[]
function L:people()
  local out = {}
  for _, name in ipairs(self:annotators()) do
    if self:is_person(name) then out[#out + 1] = name end
  end
  return out
end

--- Remember a changed layer, so that save() finds it.
function L:track_layer(layer)
  self.layers[#self.layers + 1] = layer
  self._annotators, self._layer_names = nil, nil
end

--- Write every changed layer (atomically, under each file's lock; a file read with errors
--- is not overwritten). A file that changed on disk since it was read (another process
--- saved it, a `git pull`) is merged record by record with the changes made here, never
--- overwritten: the third result lists those merges ({path, theirs, ours, conflicts,
--- conflict_ids}; conflicts are kept as both versions, see :help stance-conflicts). Returns
--- true, or nil and the problems (one per line); unsaved layers are kept for a next try.
---@return boolean|nil ok
---@return string|nil err
---@return table[] merged
function L:save()
  local errors, keep, merged = {}, {}, {}
  for _, layer in ipairs(self.layers) do
    local ok, err, _, m = layer:save()
    if not ok then
      errors[#errors + 1] = err
      keep[#keep + 1] = layer
    elseif m then
      merged[#merged + 1] = { path = layer.file.path, theirs = m.theirs, ours = m.ours, conflicts = m.conflicts,
        conflict_ids = m.conflict_ids }
    end
  end
  self.layers = keep
  if #errors > 0 then return nil, table.concat(errors, '\n'), merged end
  return true, nil, merged
end

return L
