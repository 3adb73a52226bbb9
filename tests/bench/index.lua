-- make bench (section "index"): build, reload and query the index of the generated corpus.
--   stance run tests/bench/index.lua CORPUS
-- Prints "key value" lines that tests/bench/run turns into a table next to FTS5 and rg.
local core = require('stance.core')
local dir = assert(arg[1], 'usage: index.lua CORPUS')

local function now() return core.hrtime() / 1e9 end
local function rss()
  local f = io.open('/proc/self/status')
  if not f then return 0, 0 end
  local s = f:read('a')
  f:close()
  return tonumber(s:match('VmRSS:%s*(%d+)')) or 0, tonumber(s:match('VmHWM:%s*(%d+)')) or 0
end

local c = assert(stance.open(dir))
local t0 = now()
local stats = assert(c:index({ rebuild = true }))
local build = now() - t0
local st = c.idx:stats()
print(('build_s %.3f'):format(build))
print(('bytes %d'):format(st.bytes))
print(('docs %d'):format(st.docs))
print(('words %d'):format(st.words))
print(('terms %d'):format(st.terms))
print(('segments %d'):format(st.segments))
print(('index_memory %d'):format(st.memory))
assert(stats.indexed == st.docs)
collectgarbage()
collectgarbage()
local now_rss, peak = rss()
print(('rss_kb %d'):format(now_rss))
print(('peak_kb %d'):format(peak))

-- reopen: the persisted index, validated against the folder
local c2 = assert(stance.open(dir))
t0 = now()
local st2 = assert(c2:index())
print(('reload_s %.3f'):format(now() - t0))
assert(st2.indexed == 0, 'nothing changed, nothing to index')

-- queries: the best of 20 runs each (the index is warm, as in an editor session)
for _, q in ipairs({ 'sanctions', 'pyongyang', 'müller', '"north korea"', '"human rights"',
  'sanction*', 'sanctions AND engagement', 'kim OR moon' }) do
  local best, best_hits, n, n2 = math.huge, math.huge, 0, 0
  for _ = 1, 20 do
    local a = now()
    n = c2:search(q, { count = true })
    local b = now()
    n2 = c2:search(q, { render = false })
    best = math.min(best, b - a)
    best_hits = math.min(best_hits, now() - b)
  end
  assert(n == n2, 'count and hits agree')
  print(('query %s\t%d\t%.3f\t%.3f'):format(q, n, best * 1e3, best_hits * 1e3))
end
