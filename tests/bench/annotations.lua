-- make bench (section "annotations"): read and write annotation files of 10k, 100k and 1M
-- annotations, and query one screen of a 100k-annotation document.
--   stance run tests/bench/annotations.lua DIR
local core = require('stance.core')
local dir = arg[1] or '/tmp/stance-bench'
core.mkdir(dir)

local function now() return core.hrtime() / 1e9 end

local words = { 'the', 'sanctions', 'regime', 'has', 'failed', 'to', 'change', 'Pyongyang’s',
  'behavior', 'and', 'diplomacy', 'should', 'come', 'first', 'human', 'rights', 'matter' }
local labels = { 'favor', 'against', 'neutral', 'claim', 'premise', 'evidence' }
local targets = { 'engagement', 'sanctions', 'human-rights', 'denuclearization' }

-- A store of n annotations, one every `step` code points, as an annotator makes them.
local function make_store(n, step)
  local s = core.store()
  s:set_header('document', 'bench/doc.txt')
  s:set_header('hash', 'sha256:' .. core.sha256('bench'))
  s:set_header('annotator', 'bench')
  for i = 1, n do
    local start = (i - 1) * step
    local q = {}
    for k = 1, 10 do q[k] = words[(i * 7 + k) % #words + 1] end
    local label = labels[i % #labels + 1]
    assert(s:add({
      id = core.new_id(), spans = { { start, start + 60 + i % 40 } }, label = label,
      target = targets[i % #targets + 1], stance = (i % 3 == 0) and 'against' or 'favor',
      role = 'claim', quote = table.concat(q, ' '), prefix = 'before the span, thirty-two cps',
      suffix = 'after the span, thirty-two code', author = 'bench', created = '2026-11-22T10:31:07Z',
    }))
  end
  return s
end

local function wc_seconds(path)
  local best = math.huge
  for _ = 1, 3 do
    local t0 = now()
    local p = io.popen('wc -l < ' .. path)
    p:read('*a')
    p:close()
    best = math.min(best, now() - t0)
  end
  return best
end

print('== annotations: read, write, query (best of 3)')
print(('   %-10s %9s %12s %12s %12s %14s'):format('file', 'MB', 'read', 'read MB/s', 'write', 'wc -l MB/s'))
for _, n in ipairs({ 10000, 100000, 1000000 }) do
  local store = make_store(n, 100)
  local text = store:write()
  local path = ('%s/annotations-%d.stance'):format(dir, n)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
  local best_read, best_write = math.huge, math.huge
  for _ = 1, 3 do
    local t0 = now()
    local s, problems = core.read(text)
    local t1 = now()
    assert(#problems == 0 and s:count() == n)
    local again = s:write()
    local t2 = now()
    assert(#again == #text)
    best_read, best_write = math.min(best_read, t1 - t0), math.min(best_write, t2 - t1)
    s:close()
  end
  local mb = #text / 1e6
  local wc = wc_seconds(path)
  print(('   %-10s %9.1f %10.1f ms %12.0f %10.1f ms %14.0f'):format(n // 1000 .. 'k', mb,
    best_read * 1e3, mb / best_read, best_write * 1e3, mb / wc))
  if n == 1000000 then
    print(('   1M annotations: read in %.0f ms (target <= 1000 ms), %.0f MB/s (target >= 100 MB/s);'
      .. ' write %.0f MB/s'):format(best_read * 1e3, mb / best_read, mb / best_write))
  end
  store:close()
end

-- One screen of a 10 MB document with 100k annotations: 60 lines of ~80 code points.
local s = make_store(100000, 100)
s:query(0, 1) -- builds the index once
local screen = 60 * 80
local function per_query(f)
  local rounds, hits = 20000, 0
  local t0 = now()
  for i = 1, rounds do
    local a = (i * 7919 * 100) % (100000 * 100 - screen)
    hits = hits + f(a, a + screen)
  end
  return (now() - t0) / rounds * 1e6, hits // rounds
end
local c_us, hits = per_query(function(a, b) return s:overlaps(a, b) end)
local flat_us = per_query(function(a, b) return (s:spans(a, b)) end)
local tbl_us = per_query(function(a, b) return #s:query(a, b) end)
print(('   one screen (%d cps, %d annotations) of a 100k-annotation document:'):format(screen, hits))
print(('     interval index (C):          %6.2f us per query (target <= 10 us)'):format(c_us))
print(('     spans() to Lua, flat lists:  %6.2f us'):format(flat_us))
print(('     query() to Lua, a table each: %5.2f us'):format(tbl_us))
