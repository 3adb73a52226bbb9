--- The layer file made canonical again after an append out of order. Every change of the
--- editor is written at once as the cheapest durable write (stance.editor.persist: new
--- records appended, one fdatasync); an annotation that comes before others in the canonical
--- order (:help stance-format-canonical) is appended at the end all the same, and the file is
--- written whole (atomically, merged with what others wrote meanwhile, as every write) off the
--- user's path: M.DELAY ms after the last change, in Normal mode with no key waiting, on the
--- worker (M.start: read, parsed, written canonical and renamed over the file there, only
--- while the file is the one this session last wrote; the main thread only starts it and takes
--- its outcome), and at once, on the main thread, at :w, on leaving the buffer or Neovim, when
--- Neovim loses focus, and before this process reads the layers (M.now, M.all: a job still
--- running is stopped or waited for first, M.settle).
local M = {}
local H = {}

--- How long after the last change the file is written whole (ms).
M.DELAY = 2000

--- Whether the file of `s` waits for its whole write: appended out of order, or appended to
--- a file read from disk not known to be canonical (then the whole write writes nothing when
--- it is).
---@param s stance.Session
---@return boolean
function M.pending(s)
  return s.appended == true and not s.file.canonical
end

--- Wait M.DELAY ms again (from now) before the whole write of `s`, when one is pending.
---@param s stance.Session
function M.later(s)
  if not M.pending(s) or s.detached then return end
  s.tidy_timer = require('stance.compat').restart_timer(s.tidy_timer, M.DELAY, function() M.idle(s) end)
end

--- How long the worker's write waits for another writer's lock on the file (seconds): then
--- it gives up, and the next idle moment tries again.
M.LOCK_WAIT = 2
--- How long a synchronous write waits at most for a job that is still running (ms): the
--- job's own write is checked under the file's lock, so a job left running can never write
--- over a change made since.
M.SETTLE_MS = 30000

--- The wait ended: written whole unless a key is half typed, text inserted, a command line
--- edited or keys wait (then M.DELAY ms later again): on the worker when it can (M.start),
--- else here (M.now).
function M.idle(s)
  if not M.pending(s) or s.detached or s.tidy_job then return end
  if vim.api.nvim_get_mode().mode ~= 'n' or vim.fn.getchar(1) ~= 0 then return M.later(s) end
  if M.start(s) then return end
  M.now(s)
end

--- Start the whole write of the file of `s` on the worker: the file read there only while it
--- has the stamp this session recorded, parsed (refused at any error), written in its
--- canonical form with this session's header values and renamed over it under its lock only
--- if nobody wrote it meanwhile (an append of this session, another process: then nothing
--- is written, and the next idle moment or :w writes it here, merged as every write).
--- Returns true when a job runs; false when this write needs the main thread's (changes not
--- yet written, the file changed on disk, a link in its place, no worker).
---@param s stance.Session
---@return boolean
function M.start(s)
  if s.tidy_job then return true end
  if s.detached or s.readonly or s.dirty or s.rewrite or not s.file.exists or s.tidy_refused == s.file.stamp then
    return false
  end
  local t0 = require('stance.compat').uv.hrtime()
  local session = require('stance.editor.session')
  if not s.frame and not vim.api.nvim_buf_is_loaded(s.buf) then return false end
  if session.stamp(s.path) ~= s.file.stamp then return false end -- changed on disk: merged here
  if require('stance.layer_link').problem(s.path, s.corpus.root) then return false end
  local store = s.store
  if store:count('annotation') + store:count('relation') + store:count('doclabel') == 0 then return false end
  -- the store holds the file's records as they are (nothing written since is pending), so that
  -- the canonical text of the file's records is the text persist.save writes: unless an
  -- annotation was placed elsewhere than the file says (its quote and context then made anew
  -- from the buffer there) or is an orphan (whose file records no hash: the reader of the file
  -- cannot know it)
  if store:marked('touched') > 0 or store:marked('orphan') > 0 then return false end
  local ok, w = pcall(require('stance.worker').get)
  if not ok or not w or not w.tidy then return false end
  -- the header values the whole write of persist.save sets
  store:set_header('document', s.rel)
  store:set_header('annotator', s.annotator)
  store:set_header('hash', require('stance.reanchor').hash_to_record(store, s:doc_hash()))
  local h = store:header()
  local job
  ok, job = pcall(w.tidy, w, s.path, { stamp = s.file.stamp, root = s.corpus.root, vocab = s.corpus:vocab(),
    document = h.document, hash = h.hash, annotator = h.annotator, status = h.status, wait = M.LOCK_WAIT })
  if not ok or not job then return false end
  s.tidy_job, s.tidy_from, s.tidy_began = job, s.file.stamp, t0
  require('stance.worker').track(job, { on_done = function() M.arrived(s, job) end })
  H.took(s, 'start', t0)
  return true
end

--- Milliseconds of the main thread that the last job's start and end took (`s.tidy_ms`), for
--- measurements (and when it began and ended: s.tidy_began, s.tidy_ended, uv.hrtime()).
function H.took(s, what, t0)
  s.tidy_ms = s.tidy_ms or {}
  s.tidy_ms[what] = (require('stance.compat').uv.hrtime() - t0) / 1e6
end

--- The job of `s` ended (on the main loop; or in M.settle): its outcome taken. Written: the
--- session's file is the canonical text the job wrote (its bytes kept in C, its stamp and
--- hash known: nothing read again); the same: it was canonical; anyone else's write
--- meanwhile: nothing was written, the change is looked at as any change on disk, and the
--- whole write waits for the next idle moment; errors: written here next time.
---@param s stance.Session
---@param job userdata
function M.arrived(s, job)
  if s.tidy_job ~= job then return end
  local t0 = require('stance.compat').uv.hrtime()
  s.tidy_job = nil
  local ok, r = pcall(job.results, job)
  if not ok or type(r) ~= 'table' then r = { outcome = 'failed', error = tostring(r) } end
  s.tidy_outcome, s.tidy_ended = r.outcome, t0
  s.tidy_outcomes = s.tidy_outcomes or {} -- (the last few, for tests and measurements)
  table.insert(s.tidy_outcomes, r.outcome)
  if #s.tidy_outcomes > 16 then table.remove(s.tidy_outcomes, 1) end
  if s.detached then return end
  local same = s.file.stamp == s.tidy_from
  if r.outcome == 'written' and same then
    s.file = { text = r.text, stamp = r.stamp, hash = r.hash, errors = 0, size = r.size, tail = {}, exists = true,
      canonical = true }
    s.appended = false
    s.saves = (s.saves or 0) + 1
    -- the layer's cache (stance.editor.cache) is not made again for the new file: its snapshot
    -- is made on the main thread (0.6 to 0.9 s on a 33 MB layer), which would keep a key
    -- waiting a few seconds later as this write did; the next opening reads the file instead
    vim.api.nvim_exec_autocmds('User', { pattern = 'StanceSaved', modeline = false })
  elseif r.outcome == 'same' and same then
    if r.text then s.file.text, s.file.tail, s.file.size = r.text, {}, r.size end
    s.file.canonical, s.appended = true, false
  else
    -- a file with errors (or that could not be read) is written here next time, which says why
    if r.outcome == 'errors' or r.outcome == 'failed' then s.tidy_refused = s.tidy_from end
    -- someone else wrote it: taken in (or merged) as any change on disk, after this
    if r.outcome == 'changed' then
      vim.schedule(function()
        if not s.detached then require('stance.editor.persist').check_disk(s) end
      end)
    end
    M.later(s)
  end
  H.took(s, 'arrived', t0)
end

--- Stop the job of `s` (when one runs) and wait for its end, its outcome taken (M.arrived):
--- what a synchronous write of the file does first, so that the two never race. A job not
--- begun yet is left (it writes nothing once stopped); one past its last look at
--- cancellation (its locked write begun) is waited for.
---@param s stance.Session
function M.settle(s)
  local job = s.tidy_job
  if not job then return end
  job:cancel()
  if job:progress().done == 0 then
    -- not begun (waiting for a thread of the worker, busy with other jobs): it never writes
    -- anything now, and is not waited for
    s.tidy_job = nil
    M.later(s)
    return
  end
  local uv = require('stance.compat').uv
  local deadline = uv.hrtime() + M.SETTLE_MS * 1e6
  local state = job:state()
  while (state == 'pending' or state == 'running') and uv.hrtime() < deadline do
    uv.sleep(1)
    state = job:state()
  end
  if state == 'pending' or state == 'running' then
    s.tidy_job = nil -- left to itself: its write checks the file's stamp under the lock
    return
  end
  M.arrived(s, job)
end

--- Write the file of `s` whole now when it waits for it (a job running stopped or waited for
--- first). Returns true, or nil and why.
---@param s stance.Session
---@return boolean|nil ok
---@return string|nil err
function M.now(s)
  M.settle(s)
  if not M.pending(s) or s.detached or s.readonly then return true end
  return require('stance.editor.persist').save(s, { force = true })
end

--- M.now for every session (of the corpus at `root`, when given).
---@param root string|nil
function M.all(root)
  local session = package.loaded['stance.editor.session']
  for _, s in pairs(session and session.by_buf or {}) do
    if not root or s.corpus.root == root then M.now(s) end
  end
end

return M
