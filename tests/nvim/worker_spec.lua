-- Background jobs in Neovim: results arrive through the event loop, which stays free.
local T = require('helpers')

describe('worker in Neovim', function()
  after_each(function()
    T.cleanup()
    vim.cmd('silent! %bwipeout!')
  end)

  it('leaves a core to the editor: every core but one for background jobs', function()
    local core = require('stance.core')
    local w = assert(require('stance.worker').get())
    assert.are.equal(math.max(1, math.min(core.cpus() - 1, 256)), w:tasks())
  end)

  it('hashes a folder while the event loop keeps turning', function()
    local d = T.tmpdir()
    T.make_files(d, 100, 2000000) -- 200 MB
    -- what is measured is the worker's job alone: the 200 MB just written reach the disk first
    -- (a durable write of anything else meanwhile, an earlier spec's session saving its layer,
    -- can wait behind them: once in CI the loop stood still for the whole 302 ms of the hash),
    -- and the buffers of earlier specs, with their sessions' timers, are gone
    vim.cmd('silent! %bwipeout!')
    os.execute('sync')
    vim.wait(50)
    local uv = vim.uv or vim.loop
    local ticks, max_lag, last = 0, 0, nil
    local period = 2
    local timer = uv.new_timer()
    local t0 = uv.hrtime()
    timer:start(period, period, function()
      local now = uv.hrtime()
      if last then max_lag = math.max(max_lag, (now - last) / 1e6 - period) end
      last = now
      ticks = ticks + 1
    end)
    local done, progress
    local job = require('stance').hash(d, nil, {
      on_progress = function(ev) progress = ev end,
      on_done = function(ev) done = ev end,
    })
    assert.truthy(job)
    assert.is_true(vim.wait(60000, function() return done ~= nil end, 1))
    local elapsed = (uv.hrtime() - t0) / 1e6
    timer:stop()
    timer:close()
    assert.are.equal('done', done.state)
    assert.are.equal(100, #done.job:results())
    assert.are.equal(200000000, done.bytes)
    T.report('200 MB hashed in %.0f ms; %d timer ticks; worst event-loop lag %.1f ms', elapsed,
      ticks, max_lag)
    -- The loop turned all along: a job blocking it would leave one late tick at most.
    assert.is_true(ticks >= 5, 'ticks: ' .. ticks)
    assert.is_true(max_lag < elapsed / 2, ('lag %.1f ms of %.1f ms'):format(max_lag, elapsed))
    assert.truthy(progress == nil or progress.total == 100)
  end)

  it(':Stance hash shows HASH  PATH lines in a scratch buffer', function()
    local d = T.tmpdir()
    T.make_files(d, 10, 1000)
    local before = vim.api.nvim_get_current_buf()
    vim.cmd('Stance hash ' .. d)
    assert.is_true(vim.wait(10000, function() return vim.api.nvim_get_current_buf() ~= before end, 5))
    local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    assert.are.equal(T.sha256sum(d), table.concat(lines, '\n') .. '\n')
    assert.are.equal('nofile', vim.bo.buftype)
  end)

  it('cancels a job and reports it once', function()
    local d = T.tmpdir()
    T.make_files(d, 20, 2000000)
    local calls = {}
    local job = require('stance').hash(d, nil, { on_done = function(ev) calls[#calls + 1] = ev.state end })
    job:cancel()
    assert.is_true(vim.wait(10000, function() return #calls > 0 end, 5))
    vim.wait(50)
    assert.are.same({ 'cancelled' }, calls)
  end)
end)
