-- Event-loop lag in Neovim while a background job runs: a 1 ms repeating timer records
-- how late each tick is. Prints the figures and quits.
local uv = vim.uv or vim.loop
local dir = os.getenv('STANCE_BENCH_DIR')
local period = 1
local lags, last = {}, nil
local timer = uv.new_timer()
timer:start(period, period, function()
  local now = uv.hrtime()
  if last then lags[#lags + 1] = (now - last) / 1e6 - period end
  last = now
end)
local t0 = uv.hrtime()
local done, what
if os.getenv('STANCE_BENCH_JOB') == 'index' then
  local c = assert(require('stance').open(dir))
  c:index({ rebuild = true, on_done = function(stats) done = stats end })
  vim.wait(600000, function() return done ~= nil end, 1)
  what = ('indexed %d documents (%.0f MB)'):format(done.indexed, done.bytes / 1e6)
else
  require('stance').hash(dir, { ext = { 'txt' } }, { on_done = function(ev) done = ev end })
  vim.wait(600000, function() return done ~= nil end, 1)
  what = ('hashed %d files (%.0f MB)'):format(done.total, done.bytes / 1e6)
end
local ms = (uv.hrtime() - t0) / 1e6
timer:stop()
timer:close()
table.sort(lags)
local function pct(p) return lags[math.max(1, math.floor(#lags * p))] or 0 end
io.stdout:write(('   %s in %.0f ms; %d ticks\n'):format(what, ms, #lags))
io.stdout:write(('   event-loop lag: median %.2f ms, p99 %.2f ms, max %.2f ms (target <= 10 ms)\n'):format(
  pct(0.5), pct(0.99), lags[#lags] or 0))
vim.cmd('qall!')
