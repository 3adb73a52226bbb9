--- Asking a corpus's watcher (`stance watch`, stance.watch.server) whether the saved index
--- is current, so that a search can take it as it is instead of a stat of every document.
---
--- Protocol, one line each way over .stance/watch.sock (a socket of this user, whose
--- listening process runs as this user: anything else is refused):
---   search  -> "sync BUILD" (BUILD: M.build(), which program and Lua sources asked; a
---              watcher of another build answers "no ...", and so does an older one, which
---              knows only "sync": a watcher never vouches by rules that are not the search's)
---   watcher -> "seen": it made a cookie file in .stance and saw that file's own event come
---              back, so every change made before the question is among what it has seen
---              (watchman's sync cookie); within a second, or the watcher is taken as hung;
---   watcher -> "annotations GEN": the generation of the annotation files (.stance/annotations,
---              watched whole): this watcher's identity (its pid and start time) and how many
---              events it saw there, an overflowed queue counted as one; taken after "seen",
---              so every change made there before the question is counted in it;
---   watcher -> "current ID": what it saw is indexed and saved (ID: stance.indexer.saved_id
---              of the saved index); or "no REASON";
---   watcher -> after "current", "schema ID" when the schema it chose the index's documents
---              by was settled when read (changed over 2 s before: any change since has
---              given it another ID, stance.indexer.schema_id): a search whose schema has
---              that ID has the same globs without reading it. Nothing when unsettled.
---   search  -> "stop" (stance watch --stop): the watcher answers "stopping" and ends.
--- Any failure (no socket, nobody listening, another user's, a timeout, "no") is an answer
--- of "not known": the search then checks every document, as without a watcher.
local M = {}

--- The socket's name in .stance (the watcher listens there, stance.watch.server).
M.SOCKET = require('stance.watch.want').SOCKET
--- The lock a watcher holds while it runs (one watcher per corpus).
M.LOCK = 'watch.lock'
--- The lock a command holds while it decides to start a watcher on demand (stance.watch.auto),
--- and the file it leaves until the watcher it started holds M.LOCK (the watcher removes it):
--- two commands starting at once start one watcher, and only its starter says so.
M.START_LOCK = 'watch.start'
M.STARTING = 'watch.starting'

--- How long a live watcher may take to see its cookie (ms), and then to index and save.
M.SEEN_MS = 1000
M.CURRENT_MS = 5000

local build

--- The protocol's version: raised with every change of what a watcher's word means.
M.PROTOCOL = 3

--- This process's build of stance: its version, the protocol's, and the identity (inode,
--- size, modification time) of the Lua files that say what a watcher vouches for and how
--- (this one, stance.watch.server, stance.indexer): a watcher started before stance was
--- upgraded or rebuilt from other sources is another build, whose word a search does not
--- take. (The index's own format is checked by its reader, whoever saved it.)
---@return string
function M.build()
  if build then return build end
  local core = require('stance.core')
  local dir = debug.getinfo(1, 'S').source:match('^@(.*)/client%.lua$')
  local function id(path)
    local s = dir and core.stat(dir .. '/' .. path)
    return s and ('%d.%d.%d.%d'):format(s.ino, s.size, s.mtime, s.mtime_ns) or '-'
  end
  build = ('%s/%d/%s/%s/%s'):format((tostring(core.version().stance):gsub('[%s/]', '_')), M.PROTOCOL,
    id('client.lua'), id('server.lua'), id('../indexer.lua'))
  return build
end

--- Whether the watcher of the corpus at `root` vouches for the saved index now.
---@param root string the corpus root (absolute)
---@return string|nil vouched the identity of the saved index vouched for (indexer.saved_id)
---@return string|nil why not
---@return string|nil schema the identity of the schema the index's documents were chosen by
---   (indexer.schema_id), when the watcher says it
---@return string|nil code when none answers: "ENOENT" (no socket), "ECONNREFUSED" (nobody
---   listens: none runs); "EBUILD" when it answers as another build of stance
---@return string|nil annotations the generation of the annotation files (.stance/annotations)
---   when the watcher answered: the same string at two syncs means that no annotation file,
---   nor their folders, changed between them (whether the index is current or not)
function M.current(root)
  local core = require('stance.core')
  local sd, err, code = core.stance_dir(root .. '/.stance')
  if not sd then return nil, err, nil, code end
  local conn
  conn, err, code = sd:connect(M.SOCKET)
  sd:close()
  if not conn then return nil, err, nil, code end
  local line
  line, err = conn:send('sync ' .. M.build() .. '\n')
  if line then line, err = conn:read_line(M.SEEN_MS) end
  if line == 'seen' then line, err = conn:read_line(M.CURRENT_MS) end
  local annotations = line and line:match('^annotations (%S+)$')
  if annotations then line, err = conn:read_line(M.SEEN_MS) end
  local id = line and line:match('^current (%S+)$')
  -- sent with "current" (a watcher that does not say it has closed the connection)
  local schema = id and conn:read_line(M.SEEN_MS)
  conn:close()
  if id then return id, nil, schema and schema:match('^schema (%S+)$'), nil, annotations end
  if annotations and line and line:match('^no ') then return nil, line:sub(4), nil, nil, annotations end
  if line == 'no unknown request' or (line and line:match('^no another build')) then
    return nil, line:sub(4), nil, 'EBUILD'
  end
  if line then return nil, line:match('^no (.*)') or ('an unknown answer: ' .. line) end
  return nil, err
end

--- Ask the watcher of the corpus at `root` to end (whatever its build), and wait until it
--- has let go of the corpus (its lock), at most `wait_ms` (default 5000).
---@param root string
---@param wait_ms integer|nil
---@return boolean|nil stopped true once it ended; nil, err when none answered
---@return string|nil err
function M.stop(root, wait_ms)
  local core = require('stance.core')
  local sd, err = core.stance_dir(root .. '/.stance')
  if not sd then return nil, err end
  local conn
  conn, err = sd:connect(M.SOCKET)
  if not conn then
    sd:close()
    return nil, err
  end
  local line
  line, err = conn:send('stop\n')
  if line then line, err = conn:read_line(M.CURRENT_MS) end
  conn:close()
  if line ~= 'stopping' then
    sd:close()
    return nil, line and ('an unknown answer: ' .. line) or err
  end
  local ok = M.wait_unlocked(sd, wait_ms or 5000)
  sd:close()
  if not ok then return nil, 'the watcher said it stops, and still holds the corpus' end
  return true
end

--- Wait until no watcher holds the corpus's lock (`sd`, its .stance folder): true, or false
--- after `ms`. The lock is taken and let go at once when free.
---@param sd userdata
---@param ms integer
---@return boolean
function M.wait_unlocked(sd, ms)
  local core = require('stance.core')
  local t_end = core.hrtime() + ms * 1e6
  repeat
    local ok, _, code = sd:lock(M.LOCK)
    if ok then
      sd:unlock()
      return true
    end
    if code ~= 'EBUSY' then return false end
    core.poll({}, 20)
  until core.hrtime() >= t_end
  return false
end

return M
