-- A real `stance watch` for the specs that test what takes its word: starting one on a
-- corpus, signalling it, waiting for it to be gone, and the two-annotator corpus the layer
-- cache's generation and vouch specs share.
local T = require('helpers')
local core = require('stance.core')

local W = {}

--- Whether this system has inotify (a watcher can run).
W.linux = core.inotify() ~= nil

---@param s number seconds
function W.sleep(s)
  os.execute('sleep ' .. s)
end

--- Send `sig` (default TERM) to `pid`, saying nothing if it is gone.
---@param pid integer
---@param sig string|nil
function W.kill(pid, sig)
  os.execute(('kill -%s %d 2>/dev/null'):format(sig or 'TERM', pid))
end

--- Wait up to 20 s for `pid` to be gone, or a zombie whose every thread has ended (its
--- files, the watcher's lock among them, are closed only when the last thread exits; the
--- first thread is a zombie before): whether it is.
---@param pid integer
---@return boolean
function W.gone(pid)
  for _ = 1, 400 do
    local f = io.open('/proc/' .. pid .. '/status')
    if not f then return true end
    local s = f:read('*a')
    f:close()
    local threads = tonumber(s:match('\nThreads:%s*(%d+)')) or 0
    if s:match('\nState:%s*(%a)') == 'Z' and threads <= 1 then return true end
    W.sleep(0.05)
  end
  return false
end

--- Kill each watcher of `pids` (stopped ones too: CONT first) and wait until it is gone.
---@param pids integer[]
function W.reap(pids)
  for _, pid in ipairs(pids) do
    W.kill(pid, 'CONT')
    W.kill(pid, 'KILL')
    assert(W.gone(pid), ('watcher %d still there after kill -9'):format(pid))
  end
end

--- Start `stance watch` on `d` (its log beside it): its pid once it answers.
---@param d string the corpus
---@return integer
function W.start(d)
  local log = d .. '.watch.log'
  local out = T.run(('(exec %s watch %s >%s 2>&1 </dev/null) & echo $!'):format(T.q(T.stance), T.q(d), T.q(log)))
  local pid = assert(tonumber(out:match('%d+')))
  for _ = 1, 400 do
    local _, _, code = T.stance_run({ 'watch', '--status', d })
    if code == 0 then return pid end
    assert(core.exists('/proc/' .. pid), T.exists(log) and T.read(log) or '')
    W.sleep(0.05)
  end
  error('the watcher did not answer within 20 s')
end

--- The documents of `W.corpus()`.
W.NAMES = { 'a.txt', 'sub/b.txt', 'sub/c.txt' }

--- A fresh corpus of the three documents of W.NAMES, each annotated (0-8, claim) by ana
--- and by ben, saved.
---@return string the corpus
function W.corpus()
  local stance = require('stance')
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  for i, name in ipairs(W.NAMES) do
    T.write(d .. '/' .. name, ('Document %d says sanctions work.\n'):format(i))
  end
  local c = assert(stance.open(d))
  for _, who in ipairs({ 'ana', 'ben' }) do
    for _, name in ipairs(W.NAMES) do
      assert(assert(c:document(name)):annotate({ start = 0, stop = 8, label = 'claim', annotator = who }))
    end
  end
  assert(c:save())
  return d
end

return W
