--- Asking a corpus's watcher (`stance watch`, stance.watch.server) whether the saved index
--- is current, so that a search can take it as it is instead of a stat of every document.
---
--- Protocol, one line each way over .stance/watch.sock (a socket of this user, whose
--- listening process runs as this user: anything else is refused):
---   search  -> "sync"
---   watcher -> "seen": it made a cookie file in .stance and saw that file's own event come
---              back, so every change made before the question is among what it has seen
---              (watchman's sync cookie); within a second, or the watcher is taken as hung;
---   watcher -> "current ID": what it saw is indexed and saved (ID: stance.indexer.saved_id
---              of the saved index); or "no REASON";
---   watcher -> after "current", "schema ID" when the schema it chose the index's documents
---              by was settled when read (changed over 2 s before: any change since has
---              given it another ID, stance.indexer.schema_id): a search whose schema has
---              that ID has the same globs without reading it. Nothing when unsettled.
--- Any failure (no socket, nobody listening, another user's, a timeout, "no") is an answer
--- of "not known": the search then checks every document, as without a watcher.
local M = {}

--- The socket's name in .stance (the watcher listens there, stance.watch.server).
M.SOCKET = 'watch.sock'

--- How long a live watcher may take to see its cookie (ms), and then to index and save.
M.SEEN_MS = 1000
M.CURRENT_MS = 5000

--- Whether the watcher of the corpus at `root` vouches for the saved index now.
---@param root string the corpus root (absolute)
---@return string|nil vouched the identity of the saved index vouched for (indexer.saved_id)
---@return string|nil why not
---@return string|nil schema the identity of the schema the index's documents were chosen by
---   (indexer.schema_id), when the watcher says it
function M.current(root)
  local core = require('stance.core')
  local sd, err = core.stance_dir(root .. '/.stance')
  if not sd then return nil, err end
  local conn
  conn, err = sd:connect(M.SOCKET)
  sd:close()
  if not conn then return nil, err end
  local line
  line, err = conn:send('sync\n')
  if line then line, err = conn:read_line(M.SEEN_MS) end
  if line == 'seen' then line, err = conn:read_line(M.CURRENT_MS) end
  local id = line and line:match('^current (%S+)$')
  -- sent with "current" (a watcher that does not say it has closed the connection)
  local schema = id and conn:read_line(M.SEEN_MS)
  conn:close()
  if id then return id, nil, schema and schema:match('^schema (%S+)$') end
  if line then return nil, line:match('^no (.*)') or ('an unknown answer: ' .. line) end
  return nil, err
end

return M
