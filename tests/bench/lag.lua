-- make bench (section "lag"): Neovim's event loop while the worker hashes, then indexes, the
-- corpus (its progress shown in the command line, the new index swapped in at the end): a 1 ms
-- repeating timer records how late each tick is. The peer, in the same
-- Neovim: the same timer while `sha256sum` hashes the same files in as many processes as
-- there are cores (what any program that takes every core does to the editor). The target is
-- a time (people notice a lag, whatever the machine): max <= 10 ms. Prints, then quits.
local uv = vim.uv or vim.loop
local report = require('bench.report')
report.section('lag')
local dir = assert(os.getenv('STANCE_BENCH_DIR'))

-- Run `start(done)` and tick until done() is called; the sorted lags (ms) and the seconds.
local function measure(start)
  local period = 1
  local lags, last = {}, nil
  local timer = uv.new_timer()
  timer:start(period, period, function()
    local now = uv.hrtime()
    if last then lags[#lags + 1] = (now - last) / 1e6 - period end
    last = now
  end)
  local finished = false
  local t0 = uv.hrtime()
  start(function() finished = true end)
  assert(vim.wait(600000, function() return finished end, 1), 'timed out')
  local secs = (uv.hrtime() - t0) / 1e9
  timer:stop()
  timer:close()
  table.sort(lags)
  return lags, secs
end

local function pct(lags, p) return lags[math.max(1, math.floor(#lags * p))] or 0 end

local function main()
  local ncores = #(uv.cpu_info() or { 1 })
  local files = vim.fn.globpath(dir, '**/*.txt', false, true)
  local peer = measure(function(done)
    -- as many sha256sum processes as cores, over the same files (file names through stdin)
    local list = vim.fn.tempname()
    vim.fn.writefile(files, list)
    local job = vim.fn.jobstart({ 'sh', '-c', 'xargs -d "\\n" -P "$1" -n 2000 sha256sum < "$2" > /dev/null', 'sh',
      tostring(ncores), list }, { on_exit = function(_, code)
        assert(code == 0, 'sha256sum failed')
        os.remove(list)
        done()
      end })
    assert(job > 0, 'cannot start sha256sum')
  end)
  report.say('   peer: sha256sum in %d processes over the same %d files: event-loop lag median %.2f ms, p99 %.2f ms,'
    .. ' max %.2f ms', ncores, #files, pct(peer, 0.5), pct(peer, 0.99), peer[#peer] or 0)

  local what
  local lags, secs = measure(function(done)
    require('stance').hash(dir, { ext = { 'txt' } }, { on_done = function(ev)
      what = ('hashed %d files (%.0f MB)'):format(ev.total, ev.bytes / 1e6)
      done()
    end })
  end)
  report.say('   %s in %s; %d ticks; lag median %.2f ms, p99 %.2f ms', what, report.time(secs), #lags,
    pct(lags, 0.5), pct(lags, 0.99))
  report.figure({ name = 'max event-loop lag while the worker hashes the corpus', time = (lags[#lags] or 0) / 1e3,
    peer = 'sha256sum on every core', peer_time = (peer[#peer] or 0) / 1e3, target = '<= 10 ms' })

  -- each progress message goes through the same echo, under :silent: a headless Neovim
  -- would print every one of them as a line of the bench's output
  local echo = require('stance.compat').echo
  local shown
  _G.STANCE_BENCH_ECHO = function() echo(shown) end
  local progress = 0
  lags, secs = measure(function(done)
    local c = assert(require('stance').open(dir))
    -- progress shown in the command line, as :Stance index does
    c:index({ rebuild = true, on_progress = function(ev)
      progress = progress + 1
      shown = ('stance: indexing %d/%d documents'):format(ev.done, ev.total)
      vim.cmd('silent lua STANCE_BENCH_ECHO()')
    end, on_done = function(stats, err)
      assert(stats, err)
      what = ('indexed %d documents (%.0f MB)'):format(stats.indexed, stats.bytes / 1e6)
      done()
    end })
  end)
  report.say('   %s in %s (%d progress messages shown); %d ticks; lag median %.2f ms, p99 %.2f ms; worker tasks %d;'
    .. ' the new index swapped in whole at the end', what, report.time(secs), progress, #lags, pct(lags, 0.5),
    pct(lags, 0.99), require('stance.worker').get():tasks())
  report.figure({ name = 'max event-loop lag while the worker indexes the corpus', time = (lags[#lags] or 0) / 1e3,
    peer = 'sha256sum on every core', peer_time = (peer[#peer] or 0) / 1e3, target = '<= 10 ms',
    note = ('p99 %.2f ms (sha256sum: %.2f ms)'):format(pct(lags, 0.99), pct(peer, 0.99)) })
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  io.stderr:write('tests/bench/lag.lua: ', tostring(err), '\n')
  vim.cmd('cquit')
end
vim.cmd('qall!')
