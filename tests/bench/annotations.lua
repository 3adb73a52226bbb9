-- make bench (section "annotations"): read and write annotation files of 10k, 100k and 1M
-- annotations, next to `wc -l` and `cp` of the same files (run again pinned to one core).
--   stance run tests/bench/annotations.lua DIR
local core = require('stance.core')
local report = require('bench.report')
local dir = arg[1] or '/tmp/stance-bench'
core.mkdir(dir)

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

local one = report.one_core()
local cores = one and ' on one core' or ''
report.section('annotations')
report.say('== annotations%s: files of 10k, 100k and 1M annotations read and written (median of 3)',
  one and ' (pinned to one core, STANCE_THREADS=1)' or '')
report.say('   %-10s %9s %12s %12s %12s', 'file', 'MB', 'read', 'write', 'wc -l')
for _, n in ipairs({ 10000, 100000, 1000000 }) do
  local store = make_store(n, 100)
  local text = store:write()
  store:close()
  local path = ('%s/annotations-%d.stance'):format(dir, n)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
  text = nil -- luacheck: ignore 311
  collectgarbage()
  -- reading as a layer of the scripting API reads it (annfile.read): the file read and
  -- parsed in C, its bytes kept there. The last read's store and bytes are freed before each
  -- read, untimed (freeing 1M annotations is not reading them).
  local s
  local read = report.median(3, function()
    local problems
    s, problems = assert(core.read_file(path))
    assert(#problems == 0 and s:count() == n)
  end, function()
    if s then s:close() end
    s = nil
    collectgarbage()
  end)
  local again
  local write = report.median(3, function()
    again = s:write()
  end, function()
    again = nil
    collectgarbage()
  end)
  s:close()
  local bytes = #again
  again = nil -- luacheck: ignore 311
  collectgarbage()
  local wc = report.median(3, function() return report.run({ 'wc', '-l' }, path) end)
  local cp = report.median(3, function() return report.run({ 'cp', path, path .. '.copy' }) end)
  os.remove(path .. '.copy')
  report.say('   %-10s %9.1f %12s %12s %12s', (n // 1000) .. 'k', bytes / 1e6, report.time(read), report.time(write),
    report.time(wc))
  if n == 1000000 then
    report.figure({ name = 'read 1M annotations (file to store)' .. cores, time = read, bytes = bytes,
      -- 1M annotations in 1 s where wc -l reads 6.5 GB/s (as it does here on an idle machine)
      peer = 'wc -l, same file', peer_time = wc, target = one and '>= 4%' or '>= 5%' })
    report.figure({ name = 'write 1M annotations (store to text)' .. cores, time = write, bytes = bytes,
      peer = 'cp, same file', peer_time = cp, target = '<= 10x' })
  end
end
