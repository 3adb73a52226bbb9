--- Starting `stance watch` on demand (what git's core.fsmonitor is to git's fsmonitor daemon,
--- and how gradle or bazel start their daemon): a command that brings the index up to date (a
--- search, a script's c:index(); stance index checks every document whatever a watcher says,
--- and starts none) and finds no watcher answering starts one for
--- the corpus in the background, and answers as without a watcher this once (every document
--- checked); the next commands ask the watcher. When: the schema's `corpus` record says
--- `watch auto` (always) or `watch off` (never); when it says nothing, from M.THRESHOLD
--- documents (a large corpus, where the check of every document costs more than the search:
--- the note of stance.watch.want.THRESHOLD), and the command says so once on stderr.
--- STANCE_WATCH (auto, off, or a number of documents) takes the place of the schema's
--- setting, for scripts and CI.
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
--- Seconds a watcher just started is taken to be starting (none other is started) until it
--- holds the corpus; one that did not by then is taken as lost.
M.STARTING_S = 10
-- The setting and when it wants a watcher (stance.watch.want, which a command asks without
-- loading this module): M.THRESHOLD, M.ENV, M.setting(c), M.wanted(c, n).
local W = require('stance.watch.want')
M.THRESHOLD = W.THRESHOLD
M.ENV = W.ENV
M.setting = W.setting
M.wanted = W.wanted

--- Start a watcher for corpus `c` of `n` documents when its setting asks for one (M.wanted),
--- no watcher answered (`code`: why, as stance.watch.client.current says it) and none is
--- starting. Never waits for it. Returns its pid, or nil and why none was started; started
--- by the default (no setting), it says so on stderr (M.notice).
---@param c table stance.Corpus
---@param n integer|nil the corpus's documents (nil: not known; the default starts nothing)
---@param code string|nil "ENOENT" (no socket), "ECONNREFUSED" (none listens), "EBUILD"
---   (one of another build answered); anything else (one answered "not current", or
---   timed out: it runs) starts nothing
---@return integer|nil pid
---@return string|nil why not
function M.ensure(c, code, n)
  if vim then return nil, 'not from the editor' end
  local want, mode = M.wanted(c, n)
  if not want then return nil, 'not asked for (watch ' .. mode .. ')' end
  -- only the `stance` command starts itself again: in lua5.4 (require('stance')) the
  -- program running is the interpreter, which `watch` means nothing to
  if not require('stance.core').in_host() then return nil, 'only the stance command starts a watcher' end
  local core = require('stance.core')
  -- a committed link at the log's name, or something else than a socket at the socket's,
  -- keeps any watcher from starting (neither is written through): said once on stderr, and
  -- recorded as a failed start (.stance/watch.failed: not tried again for M.RETRY_S)
  local blocked = H.blocked(c.root)
  if blocked then
    local failed = core.stat(c.root .. '/.stance/' .. M.FAILED)
    if not (failed and failed.mtime + M.RETRY_S > os.time() and failed.mtime <= os.time() + 60) then
      io.stderr:write('stance: ', require('stance.utf8').printable(blocked), '\n')
      M.record(c.root, blocked)
    end
    return nil, blocked
  end
  if code ~= 'ENOENT' and code ~= 'ECONNREFUSED' and code ~= 'EBUILD' then return nil, 'a watcher runs' end
  local client = require('stance.watch.client')
  local sd, err = core.stance_dir(c.root .. '/.stance')
  if not sd then return nil, err end -- no .stance, or not Linux (no inotify)
  local failed = core.stat(c.root .. '/.stance/' .. M.FAILED)
  if failed and failed.mtime + M.RETRY_S > os.time() and failed.mtime <= os.time() + 60 then
    sd:close()
    return nil, 'a watcher could not start a while ago (.stance/' .. M.FAILED .. ')'
  end
  -- the decision is taken by one command at a time (never waited for: another deciding, this
  -- one starts nothing), and a watcher started is said to be starting until it holds the
  -- corpus: two commands at once start one watcher, and one of them says so
  require('stance.ignored').ensure(c.root) -- (its lock and markers kept out of git status)
  local gate, gerr = core.stance_dir(c.root .. '/.stance')
  local locked, lcode
  if gate then locked, gerr, lcode = gate:lock(client.START_LOCK) end
  if not locked then
    if gate then gate:close() end
    sd:close()
    if lcode == 'EBUSY' then return nil, 'a watcher is starting' end
    return nil, ('.stance/%s: %s'):format(client.START_LOCK, tostring(gerr))
  end
  local pid, why = H.start(c, sd, code)
  gate:close()
  sd:close()
  if pid and mode == 'default' then M.notice(c, n) end
  return pid, why
end

--- Why no watcher can start in the corpus at `root` whatever is tried: a symbolic link at
--- .stance/watch.log (its output is never written through one), or something other than a
--- socket at .stance/watch.sock (a file, a folder, a link: never replaced); nil when neither.
function H.blocked(root)
  local core = require('stance.core')
  local fix = 'remove it so that `watch auto` can start a watcher (a watcher makes it itself; it is not to be '
    .. 'committed)'
  local log = '.stance/' .. M.LOG
  local to = core.readlink(root .. '/' .. log)
  if to then
    return ('%s is a symbolic link (to %s): a watcher\'s output is never written through one, so none starts; %s')
      :format(log, to, fix)
  end
  local sock = '.stance/' .. require('stance.watch.client').SOCKET
  to = core.readlink(root .. '/' .. sock)
  local st = core.stat(root .. '/' .. sock)
  if to or (st and st.type ~= 'other') then
    return ('%s is %s, not a socket: a watcher never replaces it, so none starts; %s'):format(sock,
      to and ('a symbolic link (to ' .. to .. ')') or (st.type == 'directory' and 'a folder' or 'a file'), fix)
  end
  return nil
end

--- Start the watcher, under the start lock (`sd`: the corpus's .stance folder).
function H.start(c, sd, code)
  local core = require('stance.core')
  local client = require('stance.watch.client')
  if code == 'EBUILD' then
    -- (an older one that knows no "stop" goes on: nothing is started, searches check)
    if not client.stop(c.root, 2000) then return nil, 'a watcher of another build of stance runs, and did not stop' end
  elseif not H.free(sd) then
    return nil, 'a watcher runs'
  end
  local now = os.time()
  local starting = core.stat(c.root .. '/.stance/' .. client.STARTING)
  if starting and starting.mtime + M.STARTING_S > now and starting.mtime <= now + 60 then
    return nil, 'a watcher is starting'
  end
  local exe = core.realpath('/proc/self/exe')
  if not exe then return nil, 'the program running has no path' end
  sd:remove(client.STARTING)
  sd:touch(client.STARTING)
  local pid, derr = core.detach({ exe, 'watch', '--auto', '--idle', tostring(M.IDLE_S), '--', c.root },
    c.root .. '/.stance/' .. M.LOG)
  if not pid then sd:remove(client.STARTING) end
  return pid, derr
end

--- The line a command writes on stderr (never stdout: scripts read it) when it started a
--- watcher because of the default: once per watcher, since none is started while it lives.
---@param c table stance.Corpus
---@param n integer the corpus's documents
function M.notice(c, n)
  io.stderr:write(('stance: started `stance watch` in the background for %s (%d documents), so that searches '
    .. 'skip checking every document; `stance watch --stop` stops it (it ends after %d minutes unused), '
    .. '`watch off` in the schema\'s corpus record (or %s=off) never starts one\n'):format(
    require('stance.utf8').printable(c.root), n, math.floor(M.IDLE_S / 60), M.ENV))
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
    require('stance.ignored').ensure(root)
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
