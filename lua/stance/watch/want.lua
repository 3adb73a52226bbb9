--- What a command that brings an index up to date (stance.indexer) asks of a corpus's watcher
--- before it loads anything of one (stance.watch.client, stance.watch.auto: most searches need
--- neither): whether one may be listening (its socket is there), and whether one is wanted
--- (started on demand: stance.watch.auto). A search of a corpus with no watcher and below the
--- threshold loads this alone.
local M = {}

--- The socket's name in .stance (the watcher listens there, stance.watch.server).
M.SOCKET = 'watch.sock'

--- Documents from which a corpus whose schema says nothing about `watch` gets a watcher.
--- Measured (session 12, a fresh `stance search --count`, news-shaped documents of
--- tests/bench/gen_corpus.lua, load 7 on two cores): the check of every document costs 3.6 ms
--- of CPU at 2,000 documents, 7.4 ms at 5,000, 14 ms at 10,000 and 49 ms at 37,718 (1.3 to
--- 1.8 us each), where the rest of the search costs 1.4-1.6 ms and an SQLite FTS5 count 3-6 ms:
--- from 5,000 documents the check alone costs more than the FTS5 count.
M.THRESHOLD = 5000
--- The environment variable that takes the place of the schema's setting.
M.ENV = 'STANCE_WATCH'

--- The setting in force for corpus `c`: STANCE_WATCH when set ("auto", "off", or a number
--- of documents: the default's threshold; any other value is "off": who set it meant to
--- control it), else the schema's `watch` ("auto" or "off"), else the default.
---@param c table stance.Corpus
---@return string mode "auto", "off" or "default" (from `threshold` documents)
---@return integer|nil threshold
function M.setting(c)
  local env = os.getenv(M.ENV)
  if env and env ~= '' then
    if env == 'auto' or env == 'off' then return env end
    local n = tonumber(env)
    if n and n >= 1 and n == math.floor(n) and n < 2 ^ 53 then return 'default', math.floor(n) end
    return 'off'
  end
  local w = c:globs().watch
  if w == 'auto' or w == 'off' then return w end
  return 'default', M.THRESHOLD
end

--- Whether corpus `c` of `n` documents gets a watcher started on demand (`n` nil: not known
--- yet; the default then answers nil: ask again when it is). The mode follows (M.setting).
---@param c table stance.Corpus
---@param n integer|nil
---@return boolean|nil
---@return string mode
function M.wanted(c, n)
  local mode, threshold = M.setting(c)
  if mode == 'auto' then return true, mode end
  if mode == 'off' then return false, mode end
  if n == nil then return nil, mode end
  return n >= threshold, mode
end


return M
