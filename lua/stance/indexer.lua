--- Keeping a corpus's index up to date on the worker: load the persisted index, re-index
--- what changed, save it back; and, in Neovim, re-index documents as they change on disk.
--- In the `stance` host every call blocks until done; in Neovim it returns at once and
--- reports through callbacks (the editor never waits).
local M = {}
local H = {}

--- Where the index is kept, below the corpus root: a folder of files (see
--- src/indexfile.h), ignored by git (see stance init).
M.dir = '.stance/index.bin'

---@class stance.IndexOptions
---@field on_progress fun(ev: table)|nil job progress (stance.JobEvent)
---@field on_done fun(stats: table|nil, err: string|nil)|nil
---@field rebuild boolean|nil ignore the persisted index
---@field only string[]|nil re-check these paths only (relative to the root)
---@field no_check boolean|nil take the saved index as it is, without looking at the files
---   (it is built when there is none or it is damaged); changes since it was saved are not seen
---@field watcher boolean|nil false: do not ask the corpus's watcher (stance watch) whether the
---   saved index is current; every document is checked (and none is started: watch auto)
---@field on_watcher fun(pid: integer)|nil called when a watcher was started (watch auto)

--- Update the index of corpus `c` (a stance.Corpus). Host: blocks, returns stats or nil,
--- err. Neovim: returns true at once; opts.on_done(stats, err) follows.
---@param c table
---@param opts stance.IndexOptions|nil
---@return table|boolean|nil
---@return string|nil err
function M.update(c, opts)
  opts = opts or {}
  -- the host taking the saved index as it is: loaded here and now, no worker thread started
  -- (a count from the command line needs none); none there, or a damaged one: the worker
  -- builds it below, and says why
  if not vim and opts.no_check and not c.loaded and not opts.rebuild then
    if c.idx:load_saved(c.root .. '/' .. M.dir) then return H.loaded(c, opts) end
  end
  -- the host bringing the index up to date: a watcher of the corpus (`stance watch`) that
  -- vouches for the saved index spares the stat of every document; without one, or when it
  -- cannot vouch, every document is checked below
  if not vim and not opts.no_check and not opts.only and not opts.rebuild and not c.loaded then
    local why
    if opts.watcher ~= false then
      local vouched
      vouched, why = H.vouched(c)
      if vouched then return H.loaded(c, opts, true) end
    end
    -- without one: the saved index loaded and checked here and now (the check an update
    -- makes: folders, then one stat per document, on every core), no worker started; when
    -- anything differs (or the index is missing or damaged), the worker below brings it up
    -- to date from what is loaded, and says what it found
    if c.idx:load_saved(c.root .. '/' .. M.dir) then
      c.loaded = true
      local n = c.idx:current(c:globs())
      if n then
        H.auto(c, opts, why, n)
        return H.current(c, opts, n)
      end
    end
    -- the documents not known yet (something changed, or no saved index): the default
    -- decides once the update below has counted them
    if H.auto(c, opts, why, nil) == nil then opts = H.later(opts, c, why) end
  end
  local worker = require('stance.worker')
  local w, err = worker.get()
  if not w then return nil, err end
  local state = { done = false }
  local function finish(stats, e)
    state.done, state.stats, state.err = true, stats, e
    if opts.on_done then opts.on_done(stats, e) end
  end
  local path = c.root .. '/' .. M.dir
  local tries = 0
  local function refresh(note, rebuild)
    local globs = c:globs()
    local job, jerr = w:index(c.idx, {
      include = globs.include, exclude = globs.exclude, only = opts.only, dir = path, rebuild = rebuild,
    })
    if not job then return finish(nil, jerr) end
    worker.track(job, {
      on_progress = opts.on_progress,
      on_done = function(ev)
        if ev.state ~= 'done' then return finish(nil, ev.error or ev.state) end
        -- the new index, built on the worker, takes the old one's place (an O(1) swap)
        local ok, aerr, code = job:apply_to(c.idx)
        if not ok then
          -- replaced meanwhile (another update's save landed first): look again from it
          tries = tries + 1
          if code == 'ESTALE' and tries < 10 then return refresh(note, rebuild) end
          return finish(nil, aerr)
        end
        local stats = job:results()
        -- the saved documents found damaged when the update decoded them: built from nothing
        stats.note = note or (stats.damaged and 'rebuilt: the saved index is damaged (a page of its documents)') or nil
        -- saved when anything differs from what was loaded: documents, their stats, folders
        if stats.indexed + stats.removed + stats.failed + stats.verified + stats.listed > 0 or note then
          -- in Neovim, the save starts on the next turn of the loop: no long stretch in one
          if vim then
            vim.schedule(function() H.save(w, c, path, stats, finish) end)
          else
            H.save(w, c, path, stats, finish)
          end
        else
          finish(stats)
        end
      end,
    })
  end
  -- the index folder is opened without following a link (src/indexfile.c); in the host,
  -- which waits for the load anyway, the tables by path are made only if a use needs them
  -- (a count needs none)
  if not c.loaded and not opts.rebuild then
    c.loaded = true
    local job, jerr = w:load_index(path, not vim)
    if not job then return nil, jerr end
    worker.track(job, {
      on_done = function(ev)
        if ev.state == 'done' then
          local res = job:results()
          local missing = res and res.missing
          if not missing then job:apply_to(c.idx) end
          if opts.no_check and not missing then return H.unchecked(c, finish) end
          refresh()
        else
          -- An index of another version, or damaged, is never trusted: rebuild, and say why.
          refresh('rebuilt: ' .. tostring(ev.error))
        end
      end,
    })
  elseif opts.no_check and c.loaded and not opts.rebuild then
    H.unchecked(c, finish)
  else
    -- a rebuild starts from nothing on the worker; searches use the old index until then
    c.loaded = true
    refresh(nil, opts.rebuild)
  end
  if vim then return true end
  worker.run_until(function() return state.done end)
  if state.err then return nil, state.err end
  return state.stats
end

--- No watcher answered (`why`: how, stance.watch.client.current's code) for corpus `c` of
--- `n` documents: one is started for the next commands when its setting asks for one
--- (stance.watch.auto: `watch auto`, or the default from a number of documents), after this
--- one's own check. Returns nil when that depends on the documents and `n` is not known.
function H.auto(c, opts, why, n)
  if opts.watcher == false then return false end
  -- (the starter loaded only when one is wanted)
  local want = require('stance.watch.want').wanted(c, n)
  if want == nil then return nil end
  if not want then return false end
  local pid = require('stance.watch.auto').ensure(c, why, n)
  if pid and opts.on_watcher then opts.on_watcher(pid) end
  return pid ~= nil
end

--- `opts` whose on_done first asks H.auto again with the documents the update found.
function H.later(opts, c, why)
  local o = setmetatable({}, { __index = opts })
  o.on_done = function(stats, err)
    if stats and stats.seen then H.auto(c, opts, why, stats.seen) end
    if opts.on_done then return opts.on_done(stats, err) end
  end
  return o
end

--- The saved index loaded on this thread (host): its statistics, nothing looked at.
function H.loaded(c, opts, vouched)
  c.loaded = true
  local stats
  H.unchecked(c, function(s) stats = s end)
  stats.vouched = vouched
  if opts.on_done then opts.on_done(stats) end
  return stats
end

--- The saved index loaded on this thread and found current (c.idx:current): the statistics
--- of an update that found nothing changed (`current` says it was found so here).
function H.current(_, opts, n)
  local stats = { seen = n, unchanged = n, indexed = 0, verified = 0, removed = 0, failed = 0, listed = 0,
    bytes = 0, errors = {}, current = true }
  if opts.on_done then opts.on_done(stats) end
  return stats
end

--- The watcher vouches for the saved index, what is loaded is the file it vouched for (its
--- meta file, replaced by every save, is the same before and after the load), and that
--- index chose its documents by this search's own globs (the schema's include and exclude:
--- a watcher may have read another schema, through a link whose target changed unseen).
--- The globs are the search's own without reading the schema when the watcher says which
--- schema file it chose them by and that file is the one here now, unchanged (M.schema_id);
--- else (a watcher that does not say, or a schema changed since) the schema is read.
function H.vouched(c)
  local core = require('stance.core')
  -- (the client loaded only when a watcher may be listening)
  if not core.exists(c.root .. '/.stance/' .. require('stance.watch.want').SOCKET) then return false, 'ENOENT' end
  local vouched, _, schema, code = require('stance.watch.client').current(c.root)
  if not vouched then return false, code end
  -- the index loaded must be the one vouched for: another process's save may land between
  if M.saved_id(c.root) ~= vouched or not c.idx:load_saved(c.root .. '/' .. M.dir) then
    return false
  end
  if M.saved_id(c.root) ~= vouched then
    c.idx:reset()
    return false
  end
  if schema and schema == M.schema_id(c.root) then return true end
  if c.idx:rule() ~= core.glob_rule(c:globs()) then
    c.idx:reset()
    return false
  end
  return true
end

--- The identity of the index saved in the corpus at `root` (its meta file is replaced, a new
--- inode, by every save), or nil when there is none.
---@param root string
---@return string|nil
function M.saved_id(root)
  local s = require('stance.core').stat(root .. '/' .. M.dir .. '/meta')
  return s and ('%d:%d:%d.%d'):format(s.ino, s.size, s.mtime, s.mtime_ns) or nil
end

--- The identity of the corpus's schema file (through a link, its target's): device, inode,
--- size, and its modification and change times to the nanosecond (every write, and every
--- change of its times, sets the change time anew); "-" when there is none. A watcher says
--- which schema it chose the saved index's documents by, and a search compares.
---@param root string
---@return string
function M.schema_id(root)
  local s = require('stance.core').stat(root .. '/.stance/schema.stance')
  if not s then return '-' end
  return ('%d:%d:%d:%d.%09d:%d.%09d'):format(s.dev, s.ino, s.size, s.mtime, s.mtime_ns, s.ctime, s.ctime_ns)
end

--- The statistics of an index taken as it is (opts.no_check): nothing looked at.
function H.unchecked(_, finish)
  finish({ seen = 0, indexed = 0, unchanged = 0, verified = 0, removed = 0, failed = 0, listed = 0,
    bytes = 0, unchecked = true })
end

function H.save(w, c, path, stats, finish)
  require('stance.ignored').ensure(c.root) -- (kept out of git status in an older corpus too)
  local job, jerr = w:save_index(c.idx, path)
  if not job then
    stats.save_error = jerr or 'the save could not start'
    return finish(stats)
  end
  require('stance.worker').track(job, {
    on_done = function(ev)
      if ev.state == 'done' then
        -- what now has a file is not written again; when another update replaced the
        -- index meanwhile (ESTALE), that update saves in turn
        job:apply_to(c.idx)
      else
        stats.save_error = ev.error
      end
      finish(stats)
    end,
  })
end

--- Neovim: watch the corpus folders and re-index what changes (debounced).
---@param c table stance.Corpus
---@param on_update fun(stats: table|nil, err: string|nil)|nil
function M.watch(c, on_update)
  local worker = require('stance.worker')
  local w = worker.get()
  if not w then return end
  local dirs = { '' }
  for _, e in ipairs(require('stance.fs').list(c.root) or {}) do
    local d = e.path:match('^(.*)/[^/]*$')
    while d and not dirs[d] do
      dirs[d] = true
      dirs[#dirs + 1] = d
      d = d:match('^(.*)/[^/]*$')
    end
  end
  for _, d in ipairs(dirs) do
    w:watch(d == '' and c.root or (c.root .. '/' .. d), d)
  end
  -- The watches start on the worker's thread, a while after the index listed the files (on
  -- a busy machine, seconds): what changed in between is caught by one more update once they
  -- have all started. The editor never waits for them.
  local uv = require('stance.compat').uv
  local poll = uv.new_timer()
  poll:start(0, 50, function()
    if not w:watch_wait(0) then return end
    poll:stop()
    poll:close()
    vim.schedule(function() M.update(c, { on_done = on_update }) end)
  end)
  local pending, timer = {}, nil
  worker.on_change(function(paths, overflow)
    for _, p in ipairs(paths) do
      pending[p] = true
    end
    if overflow then pending = { ['*'] = true } end
    if timer then return end
    timer = uv.new_timer()
    timer:start(200, 0, function()
      timer:close()
      timer = nil
      vim.schedule(function()
        local only = {}
        for p in pairs(pending) do
          if p ~= '*' then only[#only + 1] = p end
        end
        local all = pending['*']
        pending = {}
        M.update(c, { only = not all and only or nil, on_done = on_update })
      end)
    end)
  end)
end

return M
