--- Starting `stance watch` on demand, for a corpus whose schema says `watch auto` in its
--- `corpus` record (what git's core.fsmonitor is to git's fsmonitor daemon): a command that
--- brings the index up to date (a search, stance index, a script's c:index()) and finds no
--- watcher answering starts one for the corpus in the background, and answers as without a
--- watcher this once (every document checked); the next commands ask the watcher. Without
--- the setting nothing is ever started.
---
--- The watcher is our own program (/proc/self/exe), started without a shell with the corpus
--- root as its one operand, in a session of its own (no terminal), not a child of ours (no
--- zombie of a script that runs on once it ends), its output appended to .stance/watch.log.
--- It ends by itself after M.IDLE_S seconds without a search asking it,
--- when the corpus or its .stance folder goes away, or on `stance watch --stop`. One that
--- cannot start (a network file system, the inotify watch limit) leaves .stance/watch.failed
--- with its reason, and none is tried again for M.RETRY_S seconds (a command never starts a
--- process a minute that is bound to fail). A watcher of another build of stance (an
--- upgrade, a rebuild) is asked to stop and replaced.
local M = {}
local H = {}

--- Seconds without a search asking before a watcher started on demand ends.
M.IDLE_S = 1800
--- Where a watcher started on demand writes what `stance watch` prints (in .stance).
M.LOG = 'watch.log'
--- Left by a watcher started on demand that could not start (in .stance).
M.FAILED = 'watch.failed'
--- Seconds after a failed start before another is tried.
M.RETRY_S = 600

--- Whether corpus `c`'s schema asks for a watcher started on demand.
---@param c table stance.Corpus
---@return boolean
function M.wanted(c)
  return c:globs().watch == 'auto'
end

--- Start a watcher for corpus `c` when its schema says `watch auto`, no watcher answered
--- (`code`: why, as stance.watch.client.current says it) and none is starting. Never waits
--- for it. Returns its pid, or nil and why none was started.
---@param c table stance.Corpus
---@param code string|nil "ENOENT" (no socket), "ECONNREFUSED" (none listens), "EBUILD"
---   (one of another build answered); anything else (one answered "not current", or
---   timed out: it runs) starts nothing
---@return integer|nil pid
---@return string|nil why not
function M.ensure(c, code)
  if vim then return nil, 'not from the editor' end
  if not M.wanted(c) then return nil, 'not asked for (watch auto)' end
  -- only the `stance` command starts itself again: in lua5.4 (require('stance')) the
  -- program running is the interpreter, which `watch` means nothing to
  if not require('stance.core').in_host() then return nil, 'only the stance command starts a watcher' end
  if code ~= 'ENOENT' and code ~= 'ECONNREFUSED' and code ~= 'EBUILD' then return nil, 'a watcher runs' end
  local core = require('stance.core')
  local client = require('stance.watch.client')
  local sd, err = core.stance_dir(c.root .. '/.stance')
  if not sd then return nil, err end -- no .stance, or not Linux (no inotify)
  local failed = core.stat(c.root .. '/.stance/' .. M.FAILED)
  if failed and failed.mtime + M.RETRY_S > os.time() and failed.mtime <= os.time() + 60 then
    sd:close()
    return nil, 'a watcher could not start a while ago (.stance/' .. M.FAILED .. ')'
  end
  if code == 'EBUILD' then
    -- (an older one that knows no "stop" goes on: nothing is started, searches check)
    if not client.stop(c.root, 2000) then
      sd:close()
      return nil, 'a watcher of another build of stance runs, and did not stop'
    end
  elseif not H.free(sd) then
    sd:close()
    return nil, 'a watcher is starting'
  end
  sd:close()
  local exe = core.realpath('/proc/self/exe')
  if not exe then return nil, 'the program running has no path' end
  return core.detach({ exe, 'watch', '--auto', '--idle', tostring(M.IDLE_S), '--', c.root },
    c.root .. '/.stance/' .. M.LOG)
end

--- Whether no watcher holds the corpus (its lock, taken and let go at once when free).
function H.free(sd)
  local ok = sd:lock(require('stance.watch.client').LOCK)
  if ok then sd:unlock() end
  return ok == true
end

--- Record why a watcher started on demand could not start (.stance/watch.failed, its
--- reason inside), or forget it (`why` nil: it started).
---@param root string
---@param why string|nil
function M.record(root, why)
  local core = require('stance.core')
  if why then
    core.write_atomic(root .. '/.stance/' .. M.FAILED, os.date('!%Y-%m-%dT%H:%M:%SZ ') .. why .. '\n', nil,
      { root = root, cache = true })
    return
  end
  local sd = core.stance_dir(root .. '/.stance')
  if not sd then return end
  sd:remove(M.FAILED)
  sd:close()
end

return M
