--- A corpus: a folder of documents with a `.stance/` marker at its root (schema,
--- annotations, index). The same API in Neovim and in the `stance` host.
---@class stance.Corpus
---@field root string absolute path
---@field idx userdata the stance.index
---@field loaded boolean the persisted index was looked at
---@field annotator string who writes by default (see stance.whoami; looked up on first use,
--- so that what needs no annotator, e.g. a search, starts no `git config`)
local M = {}
local H = {}

-- A corpus finds its methods as a table (no Lua function runs for each call of one: a
-- script's pass calls several per document); its `annotator`, which is no method, falls
-- through to its metatable's (H.metatable, the corpus's repository). whoami remembers what
-- it looked up, a corpus sets its own by assigning it.

--- Open the corpus at or above `path` (default: the current directory).
---@param path string|nil
---@return stance.Corpus|nil
---@return string|nil err
function M.open(path)
  path = path or '.'
  local root = require('stance.root').find(path)
  if not root then
    return nil, ('%s is not inside a corpus (no .stance/ folder there or above); `stance init` makes one'):format(path)
  end
  local idx, err = require('stance.core').index(root)
  if not idx then return nil, err end
  local c = setmetatable({
    root = root, idx = idx, loaded = false, layers = {},
    -- documents are cached weakly: iterating over 40k of them keeps only those in use
    -- (and those with unsaved changes, which `layers` holds)
    docs_cache = setmetatable({}, { __mode = 'v' }),
  }, H.metatable(root))
  H.opened[c] = true
  return c
end

--- A corpus's own metatable: M's methods, copied (found as a table: no Lua function runs for
--- each call of one), and `annotator`, when the corpus sets none, the name whoami finds in
--- the corpus's own repository (`git -C ROOT`), whatever folder the script runs in.
---@param root string
---@return table
function H.metatable(root)
  local methods
  methods = setmetatable({}, {
    __index = function(_, key)
      if key == 'annotator' then
        -- a reserved name (model, gold) is no one's layer: an error the script's host reports
        local name, err = require('stance.whoami').name(root)
        if not name then error(err, 0) end
        return name
      end
      -- a method of the layers' (H.layers), found as a table from then on
      if H.layers[key] then
        methods[key] = require('stance.corpus.layers')[key]
        return methods[key]
      end
      return M[key]
    end,
  })
  for k, v in pairs(M) do
    methods[k] = v
  end
  return { __index = methods }
end

--- The methods about annotation layers, in stance.corpus.layers, loaded at the first call of
--- one (from a corpus, or from this module): a search loads none of them.
H.layers = {
  layer_cache = true, layer_folder = true, layer_folders = true, view_context = true, save_layer_cache = true,
  annotators = true, layer_names = true, is_person = true, people = true, track_layer = true, save = true,
  vouch_now = true, drop_vouch = true,
}
setmetatable(M, {
  __index = function(_, key)
    if H.layers[key] then return require('stance.corpus.layers')[key] end
  end,
})

-- the corpora opened in this process, for M.save_layer_caches (weakly: a corpus dropped is gone)
H.opened = setmetatable({}, { __mode = 'k' })

--- Where the cache of parsed annotation files lives (see M:layer_cache).
M.LAYER_CACHE = '.stance/cache/layers.bin'
--- A file whose times are this recent when read is not kept in it (see core.layer_cache).
M.LAYER_CACHE_RACY_MS = 2000
--- How long a watcher's answer is taken as current in a script's pass (ms): then it is asked
--- again (see stance.corpus.layers's vouch_now).
M.VOUCH_MS = 1000
--- Whether a pass over the layers starts a watcher when none answers (stance.watch.auto):
--- `stance run` sets it (stance.cli.run); the library alone starts none.
M.start_watcher = false

--- Save the layer cache of every corpus opened in this process (`stance run` does, after
--- the script).
function M.save_layer_caches()
  for c in pairs(H.opened) do
    c:save_layer_cache()
  end
end

--- The corpus's schema (nil when it has none) and its problems.
function M:schema()
  if self._schema == nil then
    local s, problems = require('stance.schema').load(self.root)
    self._schema = s or false
    self._schema_problems = problems or {}
    -- one with errors is used as far as it reads, never silently (stance.schema.meet)
    require('stance.schema').meet(self.root, self._schema_problems)
  end
  return self._schema or nil, self._schema_problems
end

--- The corpus's unit of annotation: 'sentence' (the default) or 'line' (the schema's
--- `unit line`: each line that is not blank, never crossed; one post per line).
---@return string
function M:unit()
  return require('stance.schema').unit(self:schema())
end

--- Forget what was read of the schema (it changed): the next use reads it again.
function M:forget_schema()
  self._schema, self._schema_problems, self._vocab, self._globs = nil, nil, nil, nil
end

--- The values annotation files are checked against (stance.schema.vocab made into a
--- core.vocab once per corpus, not at every file read).
---@return userdata|nil
function M:vocab()
  if self._vocab == nil then
    local v = require('stance.schema').vocab(self:schema())
    self._vocab = v and require('stance.core').vocab(v) or false
  end
  return self._vocab or nil
end

--- Which documents belong: the schema's corpus include/exclude globs. Before the schema is
--- needed whole, only its corpus records are read (core.markup_globs: the same globs, no
--- table per line, stance.schema not loaded): all that a search's check of the files needs.
--- `watch` is the corpus's `watch` setting as written ("auto" starts a watcher on demand,
--- stance.watch.auto; nil when not set).
---@return {include: string[]|nil, exclude: string[]|nil, watch: string|nil}
function M:globs()
  local c
  if self._schema == nil then
    if self._globs == nil then
      local core = require('stance.core')
      -- as stance.schema.load reads it: none, or one not readable, has no globs
      local text = core.readfile(self.root .. '/.stance/schema.stance', { root = self.root })
      local inc, exc, watch
      if text then inc, exc, watch = core.markup_globs(text) end
      self._globs = { include = inc, exclude = exc, watch = watch }
    end
    c = self._globs
  else
    local s = self:schema()
    c = s and s.corpus or {}
  end
  return {
    include = c.include and #c.include > 0 and c.include or nil,
    exclude = c.exclude and #c.exclude > 0 and c.exclude or nil,
    watch = c.watch,
  }
end

--- Bring the index up to date (see stance.indexer.update).
---@param opts stance.IndexOptions|nil
function M:index(opts)
  return require('stance.indexer').update(self, opts)
end

--- The SHA-256 ("sha256:<hex>") of document `rel` without reading it, when the index knows
--- it and the file's stat (size, mtime, ctime, inode) is still what it was when indexed; else
--- nil (read and hash the file). In the `stance` host an index not loaded yet is taken from
--- its folder as saved, once (no check of the corpus: the stat of each document asked for is
--- the check); in Neovim only the loaded one is used (the editor never waits on a load).
--- In a script's pass that a live watcher vouches for (stance.corpus.layers's vouch_now: it
--- answered just now that the saved index is current, and that index is the one loaded here),
--- without the stat: every change made to a document before the question is in that index.
---@param rel string
---@return string|nil
function M:known_hash(rel)
  if self.loaded then return self.idx:known_hash(rel) end
  if self._saved == nil then
    self._saved = false
    if not vim then
      local core = require('stance.core')
      local indexer = require('stance.indexer')
      local idx = core.index(self.root)
      -- the index loaded is the one a watcher vouches for when its identity is the same
      -- before and after the load (every save replaces it)
      local before = rawget(self, '_vouch') and indexer.saved_id(self.root)
      if idx and idx:load_saved(self.root .. '/' .. indexer.dir) then
        self._saved = idx
        if before and before == indexer.saved_id(self.root) then self._saved_id = before end
      end
    end
  end
  if not self._saved then return nil end
  local v = rawget(self, '_vouch') and self:vouch_now()
  return self._saved:known_hash(rel, v and v.id ~= nil and v.id == self._saved_id) or nil
end

--- Whether the index has been built or loaded at least once.
function M:indexed()
  return self.loaded and self.idx:stats().docs > 0 or self.loaded
end

--- Search the corpus (the index is brought up to date first if it never was; in Neovim
--- that must have been done with index()). See :help stance-search for the syntax.
---@param query string
---@param opts {glob: string|string[]|nil, limit: integer|nil, count: boolean|nil, context: integer|nil}|nil
---@return table[]|integer|nil hits (or their number with opts.count)
---@return integer|string|nil total, or the error
function M:search(query, opts)
  if not self.loaded then
    if vim then return nil, 'the corpus is not indexed yet (:Stance index)' end
    local ok, err = self:index()
    if not ok then return nil, err end
  end
  local res, total, code = self.idx:search(query, opts)
  if res == nil and code == 'EDAMAGED' and not vim then
    -- the saved index went bad under us (a damaged page): build it again, search again
    local ok, err = self:index({ rebuild = true })
    if not ok then return nil, err end
    return self.idx:search(query, opts)
  end
  return res, total, code
end

--- Documents of the corpus, in path order, one at a time (nothing is read until asked).
---@return fun(): stance.Document|nil
function M:documents()
  local list = H.paths(self)
  self._ndocs = #list
  local i = 0
  return function()
    i = i + 1
    local p = list[i]
    -- the listing's paths are inside the root already: no need to resolve them again
    if p then return H.document(self, p) end
    if i == #list + 1 then self:save_layer_cache() end
  end
end

--- The paths of the documents (relative), in order.
---@return string[]
function M:paths()
  return H.paths(self)
end

--- The document at `path` (relative to the root, or absolute inside it).
---@param path string
---@return stance.Document|nil
---@return string|nil err
function M:document(path)
  local rel = H.relative(self, path)
  if not rel then return nil, ('%s is outside the corpus at %s'):format(path, self.root) end
  return H.document(self, rel)
end

--- The document at `rel`, a path known to be inside the root.
function H.document(c, rel)
  local d = c.docs_cache[rel]
  if not d then
    H.Document = H.Document or require('stance.document')
    d = H.Document.new(c, rel, c.loaded and c.idx:doc(rel) or nil)
    c.docs_cache[rel] = d
  end
  return d
end

function H.paths(c)
  if c.loaded then return c.idx:paths() end
  local globs = c:globs()
  return require('stance.core').list(c.root, {
    names = true, include = globs.include or { '*.txt', '*.md' }, exclude = globs.exclude,
  }) or {}
end

function H.wanted(core, globs, path)
  local inc = globs.include or { '*.txt', '*.md' }
  local ok = false
  for _, g in ipairs(inc) do
    if core.glob_match(g, path) then ok = true end
  end
  for _, g in ipairs(globs.exclude or {}) do
    if core.glob_match(g, path) then ok = false end
  end
  return ok
end

--- Whether `rel` (relative to the root) is a document of the corpus: its include and
--- exclude globs take it, it is not one of the corpus's own files (*.stance), and no part of
--- it is hidden (.git/, .stance/, .env: the listing never enters them either).
---@param rel string
---@return boolean
function M:is_document(rel)
  if rel:match('%.stance$') or ('/' .. rel):match('/%.') then return false end
  return H.wanted(require('stance.core'), self:globs(), rel)
end

--- `path` relative to the root, refusing anything that leaves it (.., links out).
function H.relative(c, path)
  local core = require('stance.core')
  if path:sub(1, 1) ~= '/' then path = c.root .. '/' .. path end
  local real = core.realpath(path)
  if not real then
    -- a file that does not exist yet: check its folder
    local dir, base = path:match('^(.*)/([^/]+)$')
    local rdir = dir and core.realpath(dir)
    if not rdir then return nil end
    real = rdir .. '/' .. base
  end
  local root = core.realpath(c.root) or c.root
  if real:sub(1, #root + 1) ~= root .. '/' then return nil end
  return real:sub(#root + 2)
end

--- The layers stance writes itself, which are never a person's, and what they are.
M.NOT_PEOPLE = { gold = 'curation (the gold standard)', model = 'the model\'s suggestions' }

--- Count the stance cues of every document on the worker threads: `handlers.on_done`
--- receives { { path, size, matches, counts = { [category name] = n } }, ... }.
---@param handlers stance.JobHandlers|nil
---@return userdata|nil job
---@return string|nil err
function M:cues(handlers)
  local worker = require('stance.worker')
  local w, err = worker.get()
  if not w then return nil, err end
  local lex = require('stance.lexicon').load(self.root)
  local job, jerr = w:cues(self.root, lex.matcher, { ext = { 'txt', 'md' } })
  if not job then return nil, jerr end
  handlers = handlers or {}
  local done = handlers.on_done
  handlers.on_done = function()
    local out = {}
    local ok, results = pcall(job.results, job)
    for _, r in ipairs(ok and results or {}) do
      local named = {}
      for i, n in pairs(r.counts or {}) do
        named[lex.categories[i].name] = n
      end
      out[#out + 1] = { path = r.path, size = r.size, matches = r.matches, counts = named, error = r.error }
    end
    if done then done(out) end
  end
  return worker.track(job, handlers)
end

--- Agreement between annotators: per field and target, pooled, per document, with the
--- documents left out and why (see stance.agreement and :help stance-agreement).
---@param opts stance.AgreementOptions|nil
---@return stance.AgreementReport|nil report
---@return string|nil err
function M:agreement(opts)
  return require('stance.agreement').compute(self, opts)
end

--- The corpus's document metadata (.stance/documents.csv; see stance.docmeta), read again
--- when the file changed on disk. Never fails: problems are in `.problems` (`stance check`
--- reports them); a corpus without the file has no columns and no rows.
---@return stance.DocMeta
function M:metadata()
  local st = require('stance.core').stat(self.root .. '/' .. require('stance.docmeta').path)
  local stamp = st and ('%d:%d'):format(st.size, st.mtime_ns or st.mtime) or ''
  if not self._meta or self._meta_stamp ~= stamp then
    self._meta = require('stance.docmeta').load(self.root)
    self._meta_stamp = stamp
  end
  return self._meta
end

function M:__tostring()
  return ('stance.Corpus %s'):format(self.root)
end

return M
