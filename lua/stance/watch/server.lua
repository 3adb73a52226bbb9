--- `stance watch`: a long-running watcher of one corpus (what git's fsmonitor and watchman
--- are to `git status`). It holds inotify watches on every folder of the corpus, keeps the
--- saved index up to date as documents change, and tells a search over a unix socket,
--- .stance/watch.sock, whether the saved index is current, so that the search skips the stat
--- of every document. The protocol is in stance.watch.client.
---
--- It vouches only for what it saw: an overflowed event queue (IN_Q_OVERFLOW), a folder made,
--- moved or removed, the schema changed, or the saved index replaced by another process
--- make its next answer wait for a full check (every document's stat, as a search without
--- a watcher does), saved. A folder it cannot watch (the user's inotify watch limit) ends
--- it, with the reason: searches then check for themselves.
local M = {}
local H = {}

M.SOCKET = require('stance.watch.client').SOCKET
M.LOCK = require('stance.watch.client').LOCK
M.COOKIE = 'watch-cookie-'
--- The annotation files' folder (relative to the root): watched, every change counted.
M.ANNOTATIONS = require('stance.root').annotations
--- Changed paths re-checked one by one up to this many; beyond, a full check.
M.MAX_PENDING = 4096
--- Connections open at once (each is a descriptor polled); a search beyond is closed at once
--- and checks every document itself.
M.MAX_CONNS = 250
--- A connection that sent no request for this long is closed (ms).
M.IDLE_MS = 5000
--- Quiet time after a change before the saved index is brought up to date (ms).
M.SETTLE_MS = 200

---@class stance.WatchOptions
---@field on_ready fun(folders: integer)|nil called once the watches are in place and the index is current
---@field on_update fun(stats: table)|nil called after each update that changed the index
---@field stop fun(): boolean|nil polled between events: true ends the watch
---@field idle_s number|nil end after this many seconds without a search asking (nil: never)
---@field lock_wait_ms integer|nil wait this long for another watcher to let go of the corpus

--- Watch corpus `c` until opts.stop() says so or Ctrl-C; nil, err when it cannot start
--- (another watcher holds the lock: code "EBUSY") or must stop (a watch limit).
---@param c table stance.Corpus
---@param opts stance.WatchOptions|nil
---@return boolean|nil
---@return string|nil err
---@return string|nil code
---@return string|nil why it ended by itself: "idle" or "stopped" (stance watch --stop)
function M.run(c, opts)
  opts = opts or {}
  local core = require('stance.core')
  local sd, err, code = core.stance_dir(c.root .. '/.stance')
  if not sd then return nil, err, code end
  local remote = sd:remote()
  if remote then
    sd:close()
    return nil, ('the corpus is on a network file system (%s): changes made from elsewhere give no event'
      .. ' to watch; searches check every document'):format(remote), 'EREMOTE'
  end
  require('stance.ignored').ensure(c.root) -- (its lock, socket and log kept out of git status)
  local ok
  ok, err, code = sd:lock(M.LOCK)
  -- one started on demand may meet the one it replaces still letting go
  local t_end = core.hrtime() + (opts.lock_wait_ms or 0) * 1e6
  while not ok and code == 'EBUSY' and core.hrtime() < t_end do
    core.poll({}, 50)
    ok, err, code = sd:lock(M.LOCK)
  end
  if not ok then
    sd:close()
    if code == 'EBUSY' then return nil, 'a watcher already runs for this corpus', code end
    return nil, err, code
  end
  -- the corpus is ours: a command that started us on demand no longer needs to say one is starting
  sd:remove(require('stance.watch.client').STARTING)
  local st = {
    c = c, sd = sd, pending = {}, npending = 0, full = false, links = {}, byino = {}, ino_of = {},
    requests = {}, conns = {}, nconns = 0, since = {},
    cookies = 0, prefix = ('%s%d-'):format(M.COOKIE, H.pid()),
    -- the generation of the annotation files: this watcher (its pid and start, never the
    -- same for two) and the changes it saw there
    agen = 0, ainstance = ('%d.%d'):format(H.pid(), core.hrtime()),
  }
  local res = { pcall(H.serve, st, opts) }
  -- (a socket left behind by a crash is replaced by the next watcher: sd_listen)
  for _, conn in pairs(st.conns) do
    conn:close()
  end
  if st.listener then
    st.listener:close()
    sd:remove(M.SOCKET)
  end
  for _, r in ipairs(st.requests) do
    sd:remove(r.cookie)
  end
  if st.ino then st.ino:close() end
  sd:close()
  if not res[1] then error(res[2], 0) end
  return (table.unpack or unpack)(res, 2, 5) -- luacheck: ignore 143
end

function H.serve(st, opts)
  local core = require('stance.core')
  local c = st.c
  local ino, err, code = core.inotify()
  if not ino then return nil, err, code end
  st.ino = ino
  -- the watches first, then a full check: whatever changed before a watch was in place is
  -- seen by the check, whatever changes after by the watch
  local folders
  folders, err, code = ino:add(c.root, '', true)
  if folders then
    local one
    one, err, code = ino:add(c.root .. '/.stance', '.stance')
    if not one then folders = nil end
  end
  if folders then
    -- the annotation files: every change there counted (st.agen), not indexed
    local n
    n, err, code = ino:add(c.root .. '/' .. M.ANNOTATIONS, M.ANNOTATIONS, true)
    if not n then folders = nil end
  end
  if not folders then return nil, H.limit_message(err, code), code end
  local stats
  stats, err = H.full(st)
  if not stats then return nil, err end
  local listener
  listener, err, code = st.sd:listen(M.SOCKET)
  if not listener then return nil, '.stance/' .. M.SOCKET .. ': ' .. tostring(err), code end
  st.listener = listener
  if opts.on_ready then opts.on_ready(folders) end
  local quiet_since
  st.used = core.hrtime()
  st.here, st.looked = H.here(c), core.hrtime()
  while not (opts.stop and opts.stop()) do
    if st.stopping then return true, nil, nil, 'stopped' end
    -- the corpus gone: a folder removed while held (the saved index is mapped, its files
    -- hold their folders) gives no event of its own until let go; looked at every second
    if core.hrtime() - st.looked >= 1e9 then
      st.looked = core.hrtime()
      if H.here(c) ~= st.here then return nil, 'the corpus folder or its .stance was moved or removed' end
    end
    if opts.idle_s and st.nconns == 0 and core.hrtime() - st.used >= opts.idle_s * 1e9 then
      return true, nil, nil, 'idle'
    end
    local fds = { ino:fd(), listener:fd() }
    for fd in pairs(st.conns) do
      fds[#fds + 1] = fd
    end
    local busy = st.full or st.npending > 0
    local ready = core.poll(fds, busy and 50 or 1000)
    if ready[ino:fd()] then
      local gone = H.drain(st)
      if gone then return nil, gone end
      quiet_since = core.hrtime()
    end
    if ready[listener:fd()] then H.accept(st, ready) end
    -- a cookie made now has its event queued already (inotify queues it in the call that
    -- made the file): read at once, and the search is answered in this turn, not the next
    if H.read_requests(st, ready) then
      local gone = H.drain(st)
      if gone then return nil, gone end
      quiet_since = core.hrtime()
    end
    H.drop_idle(st)
    if #st.requests > 0 then
      local left
      left, err = H.answer(st)
      if left == nil then return nil, err end
    end
    -- changes settled: the saved index is brought up to date, without waiting for a search
    busy = st.full or st.npending > 0
    if busy and quiet_since and core.hrtime() - quiet_since >= M.SETTLE_MS * 1e6 then
      local ustats = H.update(st)
      -- not current (a full disk, say): tried again, and no search is told otherwise
      if ustats and opts.on_update then opts.on_update(ustats) end
      if not ustats then quiet_since = core.hrtime() end
    end
  end
  return true
end

--- The identity of the corpus folder and its .stance where they are (device, inode), nil
--- when either is not there: another one means they were moved or removed.
function H.here(c)
  local core = require('stance.core')
  local a, b = core.stat(c.root), core.stat(c.root .. '/.stance')
  return a and b and ('%d:%d:%d:%d'):format(a.dev, a.ino, b.dev, b.ino) or nil
end

--- The message of a watch that could not be added.
function H.limit_message(err, code)
  if code == 'ELIMIT' then
    return tostring(err) .. ' (the inotify watch limit: raise fs.inotify.max_user_watches)'
  end
  return tostring(err)
end

--- Read the queued events into st.pending / st.full; the requests whose cookie came back are
--- marked seen. Returns a reason when the watcher must stop.
function H.drain(st)
  local events, overflow = st.ino:read()
  if events == nil then return overflow end
  if overflow then
    -- events were lost: a full check, and every waiting request has been seen (whatever it
    -- expected is covered by that check)
    st.full = true
    st.agen = st.agen + 1
    for _, r in ipairs(st.requests) do
      r.seen = true
    end
  end
  for _, ev in ipairs(events) do
    local p = ev.path
    if p == M.ANNOTATIONS or p:sub(1, #M.ANNOTATIONS + 1) == M.ANNOTATIONS .. '/' then
      -- any change to the annotation files, their folders or the folder itself: counted; a
      -- folder made or moved in is watched (whatever was made in it before is counted by
      -- its own event, and read by a pass that asks after it)
      st.agen = st.agen + 1
      if ev.dir and not ev.self then
        local n, err, code = st.ino:add(st.c.root .. '/' .. p, p, true)
        if not n and code ~= 'ENOENT' then return H.limit_message(err, code) end
      end
    elseif p == '.stance' or p:sub(1, 8) == '.stance/' then
      local name = p:sub(9)
      if p == '.stance' and ev.self then return 'the .stance folder was moved or removed' end
      if name:sub(1, #st.prefix) == st.prefix then
        for _, r in ipairs(st.requests) do
          if r.cookie == name then r.seen = true end
        end
      elseif name == 'schema.stance' then
        -- the corpus's globs may have changed
        st.full, st.schema = true, true
      end
    elseif ev.self then
      if p == '' then return 'the corpus folder was moved or removed' end
      st.full = true
    elseif ev.dir then
      -- a folder made, moved in or out, or removed: its documents are found by a full check;
      -- one that is here now is watched first (inotify does not recurse)
      if not H.hidden(p) then
        st.full = true
        -- (one gone meanwhile, or moved out, is no error: nothing is watched then)
        local n, err, code = st.ino:add(st.c.root .. '/' .. p, p, true)
        if not n and code ~= 'ENOENT' then return H.limit_message(err, code) end
      end
    elseif not H.hidden(p) and not st.pending[p] then
      st.pending[p] = true
      st.npending = st.npending + 1
    end
  end
  if st.npending > M.MAX_PENDING then st.full = true end
end

--- A path with a component starting with '.': never a document.
function H.hidden(p)
  return p:sub(1, 1) == '.' or p:find('/.', 1, true) ~= nil
end

--- Take the waiting connections; each is marked in `ready`, so that a request sent with the
--- connection (as a search does) is read in this turn.
function H.accept(st, ready)
  local now = require('stance.core').hrtime()
  st.used = now
  while true do
    local conn = st.listener:accept()
    if not conn then return end
    if st.nconns >= M.MAX_CONNS then
      conn:close()
    else
      st.conns[conn:fd()] = conn
      st.nconns = st.nconns + 1
      st.since[conn] = now
      ready[conn:fd()] = true
    end
  end
end

--- Close the connections that sent no request within M.IDLE_MS of their opening.
function H.drop_idle(st)
  if st.nconns == 0 then return end
  local asked = {}
  for _, r in ipairs(st.requests) do
    asked[r.conn] = true
  end
  local old = require('stance.core').hrtime() - M.IDLE_MS * 1e6
  for _, conn in pairs(st.conns) do
    if not asked[conn] and st.since[conn] < old then H.drop(st, conn) end
  end
end

--- Requests: "sync BUILD" (of this build of stance) makes a cookie file whose event tells
--- that every change made before is seen; "stop" ends the watcher; anything else (a sync of
--- another build) is answered "no" and closed. True when a cookie was made.
function H.read_requests(st, ready)
  local made = false
  local client = require('stance.watch.client')
  for fd, conn in pairs(st.conns) do
    if ready[fd] then
      local line, _, code = conn:read_line(0)
      if line == 'stop' then
        H.send(st, conn, 'stopping\n')
        H.drop(st, conn)
        st.stopping = true
      elseif line and line:match('^sync ') and line ~= 'sync ' .. client.build() then
        H.send(st, conn, 'no another build of stance watches (' .. client.build() .. ')\n')
        H.drop(st, conn)
      elseif line and line:match('^sync ') then
        st.cookies = st.cookies + 1
        local name = st.prefix .. st.cookies
        if st.sd:touch(name) then
          st.requests[#st.requests + 1] = { conn = conn, cookie = name }
          made = true
        else
          H.send(st, conn, 'no the cookie file could not be made\n')
          H.drop(st, conn)
        end
      elseif line ~= nil or code ~= 'ETIMEDOUT' then
        if line ~= nil then H.send(st, conn, 'no unknown request\n') end
        H.drop(st, conn)
      end
    end
  end
  return made
end

--- Close a connection (once), and forget its requests.
function H.drop(st, conn)
  for fd, c in pairs(st.conns) do
    if c == conn then
      st.conns[fd] = nil
      st.nconns = st.nconns - 1
    end
  end
  st.since[conn] = nil
  local left = {}
  for _, r in ipairs(st.requests) do
    if r.conn ~= conn then left[#left + 1] = r else st.sd:remove(r.cookie) end
  end
  st.requests = left
  conn:close()
end

--- Send on a connection still open; false when it is not (the peer gave up).
function H.send(st, conn, s)
  for _, c in pairs(st.conns) do
    if c == conn then return conn:send(s) == true end
  end
  return false
end

--- Answer the requests whose cookie came back: "seen" at once, then "current" once what
--- changed is indexed and saved. Returns nil, err when the watcher must stop.
function H.answer(st)
  local waiting, seen = {}, {}
  for _, r in ipairs(st.requests) do
    if r.seen then
      st.sd:remove(r.cookie)
      seen[#seen + 1] = r
    else
      waiting[#waiting + 1] = r
    end
  end
  st.requests = waiting
  local live = {}
  for _, r in ipairs(seen) do
    if H.send(st, r.conn, 'seen\n') then live[#live + 1] = r else H.drop(st, r.conn) end
  end
  if #live == 0 then return true end
  local stats, err = H.update(st)
  -- the schema the documents were chosen by, when settled (see stance.watch.client)
  local schema = stats and H.settled(st) and ('schema ' .. st.schema_id .. '\n') or ''
  -- the annotation files' generation: every change made before the cookie is counted in it
  local agen = ('annotations %s.%d\n'):format(st.ainstance, st.agen)
  for _, r in ipairs(live) do
    local id = stats and st.meta_id
    local why = tostring(err or 'no saved index'):gsub('\n', ' ')
    H.send(st, r.conn, agen .. (id and ('current ' .. id .. '\n' .. schema) or ('no ' .. why .. '\n')))
    H.drop(st, r.conn)
  end
  return true
end

--- The schema's identity, through a link if it is one (its target may change unseen).
function H.schema_id(c)
  return require('stance.indexer').schema_id(c.root)
end

--- Seconds the schema must have been left alone before it was read for its identity to
--- vouch for what was read: a change within the same tick of the file system's clock (1 or
--- 2 s on some) would leave the identity as it was.
M.SCHEMA_SETTLE_S = 3

--- The newest of the schema's two times (seconds) in its identity; nil when there is none.
function H.schema_newest(id)
  local m, ch = id:match(':(%d+)%.%d+:(%d+)%.%d+$')
  return m and math.max(tonumber(m), tonumber(ch)) or nil
end

--- Whether the schema was settled when read (the identity tells what was read).
function H.settled(st)
  local newest = H.schema_newest(st.schema_id)
  return newest == nil or newest + M.SCHEMA_SETTLE_S <= st.schema_read
end

--- A schema read when it was not settled is read again once it is: the same globs as the
--- index's, and it is settled from then on (false: other globs, a full check is due).
function H.resettle(st)
  if H.settled(st) then return true end
  local now = os.time()
  if now < H.schema_newest(st.schema_id) + M.SCHEMA_SETTLE_S then return true end
  local c = st.c
  c:forget_schema()
  if require('stance.core').glob_rule(c:globs()) ~= c.idx:rule() or H.schema_id(c) ~= st.schema_id then
    return false
  end
  st.schema_read = now
  return true
end

--- The saved index's identity (stance.indexer.saved_id).
function H.meta_id(c)
  return require('stance.indexer').saved_id(c.root)
end

--- Bring the saved index up to date with what changed: the changed paths re-checked, or
--- every document when that is not enough (see the module's header). Saved.
function H.update(st)
  local c = st.c
  if st.full or H.meta_id(c) ~= st.meta_id or H.schema_id(c) ~= st.schema_id or not H.resettle(st) then
    return H.full(st)
  end
  if st.npending == 0 and next(st.links) == nil then return { indexed = 0, removed = 0, failed = 0 } end
  local only = {}
  local wanted = {}
  local function want(p)
    if not wanted[p] then
      wanted[p] = true
      only[#only + 1] = p
    end
  end
  local core = require('stance.core')
  for p in pairs(st.pending) do
    want(p)
    -- a hard link's other names: the same file, changed without an event under them
    local d, s = c.idx:doc(p), core.stat(c.root .. '/' .. p)
    for _, ino in ipairs({ d and d.ino or false, s and s.ino or false }) do
      for q in pairs(ino and st.byino[ino] or {}) do
        want(q)
      end
    end
  end
  -- a link's target may have changed under another name: the links are checked each time
  for p in pairs(st.links) do
    want(p)
  end
  st.pending, st.npending = {}, 0
  local stats, err = c:index({ only = only })
  if stats and stats.save_error then stats, err = nil, 'the index was not saved: ' .. tostring(stats.save_error) end
  if not stats then
    st.full = true
    return nil, err
  end
  for _, p in ipairs(only) do
    local d = c.idx:doc(p)
    st.links[p] = d and d.link or nil
    H.set_ino(st, p, d and d.ino)
  end
  st.meta_id = H.meta_id(c)
  return stats
end

--- Every document checked (one stat each) against the saved index read again (whoever saved
--- it), and the result saved when anything differs: the saved index is then current.
function H.full(st)
  local c = st.c
  st.schema = nil
  st.full, st.pending, st.npending = false, {}, 0
  -- the folders again: one made or renamed while events were lost has its watch, its name
  local n, werr, wcode = st.ino:add(c.root, '', true)
  if not n then return nil, H.limit_message(werr, wcode) end
  c:forget_schema()
  -- the time first: the schema read below is settled if it had not changed for a while then
  st.schema_read = os.time()
  st.schema_id = H.schema_id(c)
  c.loaded = false
  local stats, err = c:index({ watcher = false }) -- never itself
  if stats and stats.save_error then stats, err = nil, 'the index was not saved: ' .. tostring(stats.save_error) end
  if not stats then
    st.full = true
    return nil, err
  end
  st.links, st.byino, st.ino_of = {}, {}, {}
  for _, d in ipairs(c.idx:docs()) do
    if d.link then st.links[d.path] = true end
    H.set_ino(st, d.path, d.ino)
  end
  st.meta_id = H.meta_id(c)
  return stats
end

--- Record that document `p` is the file of inode `ino` (nil: no document now), so that a
--- change seen under one of a file's hard links re-checks the others.
function H.set_ino(st, p, ino)
  local old = st.ino_of[p]
  if old == ino then return end
  if old then
    local paths = st.byino[old]
    paths[p] = nil
    if next(paths) == nil then st.byino[old] = nil end
  end
  st.ino_of[p] = ino
  if ino then
    st.byino[ino] = st.byino[ino] or {}
    st.byino[ino][p] = true
  end
end

function H.pid()
  local f = io.open('/proc/self/stat', 'r')
  local s = f and f:read('l')
  if f then f:close() end
  return tonumber(s and s:match('^(%d+)')) or math.random(1, 1e9)
end

return M
