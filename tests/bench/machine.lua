-- make bench (section "machine"): what the figures were measured on. The cores this process
-- may use, the processor, the load, and the measured speed-up of two threads over one: the
-- worker hashes the same 64 MB (in the page cache) with one task, then with two. On a
-- machine whose cores are shared (hyper-threads, a busy host) the speed-up is well below 2,
-- and every parallel figure of the run should be read with it.
--   stance run tests/bench/machine.lua DIR
local core = require('stance.core')
local report = require('bench.report')
local dir = assert(arg[1], 'usage: machine.lua DIR') .. '/machine'
report.section('machine')

local function slurp(path)
  local f = io.open(path)
  if not f then return '' end
  local s = f:read('a')
  f:close()
  return s
end

-- the files: 32 of 2 MB, made once
core.mkdir(dir)
local block = {}
for i = 1, 2 ^ 21 / 64 do block[i] = ('%063d\n'):format(i * 2654435761 % 1e12) end
block = table.concat(block)
for i = 1, 32 do
  local path = ('%s/f%02d.txt'):format(dir, i)
  local f = io.open(path, 'rb')
  local ok = f and f:seek('end') == #block
  if f then f:close() end
  if not ok then
    f = assert(io.open(path, 'wb'))
    f:write(block)
    f:close()
  end
end
local bytes = 32 * #block

local function hash_with(tasks)
  local w = assert(core.worker({ tasks = tasks }))
  local median = report.median(5, function()
    local job = assert(w:hash(dir, { ext = { 'txt' } }))
    while job:state() == 'pending' or job:state() == 'running' do w:wait(200) end
    assert(job:state() == 'done', job:error())
  end)
  w:close()
  return median
end

local model = slurp('/proc/cpuinfo'):match('model name%s*:%s*([^\n]+)') or '?'
local online = select(2, slurp('/proc/cpuinfo'):gsub('\nprocessor%s*:', '')) + 1
local p = io.popen('nproc')
local usable = p and tonumber(p:read('a')) or 0
if p then p:close() end
local load = slurp('/proc/loadavg'):match('^(%S+ %S+ %S+)') or '?'
report.say('   %d cores online, %d usable by this process; %s; load average %s (1, 5, 15 min)',
  online, usable, model, load)
local one = hash_with(1)
local two = hash_with(2)
report.figure({ name = 'two threads over one (worker hashing 64 MB, median of 5)', time = two, bytes = bytes,
  peer = 'one thread', peer_time = one, speed = true,
  note = 'the speed-up that parallel figures of this run can show' })
