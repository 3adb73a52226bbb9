-- tests/bench/report.lua: how make bench prints a figure next to its peer, judges its target
-- and makes the summary table.
local report = require('bench.report')

local function capture(fn)
  local out = {}
  report.output(function(s) out[#out + 1] = s end)
  local ok, err = pcall(fn)
  report.output(io.write)
  assert(ok, err)
  return table.concat(out)
end

describe('bench report', function()
  it('parses targets stated as ratios, percentages or times', function()
    assert.are.same({ '<=', 6, 'x' }, { report.parse_target('<= 6x') })
    assert.are.same({ '>=', 0.1, '%' }, { report.parse_target('>= 10%') })
    assert.are.same({ '>', 1, 'x' }, { report.parse_target('> 1x') })
    local op, limit, kind = report.parse_target('<= 10 ms')
    assert.are.same({ '<=', 'time' }, { op, kind })
    assert.is_true(math.abs(limit - 0.01) < 1e-12)
    assert.has_error(function() report.parse_target('fast') end)
    assert.has_error(function() report.parse_target('<= 3 parsecs') end)
  end)

  it('judges "beats" strictly: a tie with the peer is not met', function()
    capture(function()
      local _, met = report.figure({ name = 'tie', value = 0.5, peer = 'rule', peer_value = 0.5, target = '> 1x' })
      assert.is_false(met)
      _, met = report.figure({ name = 'win', value = 0.6, peer = 'rule', peer_value = 0.5, target = '> 1x' })
      assert.is_true(met)
    end)
  end)

  it('judges a time against the peer: at most N times its time, or at least a share of its speed', function()
    local line = capture(function()
      local r, met = report.figure({ name = 'open', time = 0.09, peer = 'plain open', peer_time = 0.02, target = '<= 5x' })
      assert.is_true(math.abs(r - 4.5) < 1e-9)
      assert.is_true(met)
    end)
    assert.truthy(line:find('open: 90.00 ms | plain open 20.00 ms | 4.50x (target <= 5x) met', 1, true), line)
    line = capture(function()
      -- a reader at 300 MB/s next to wc -l at 6 GB/s is at 5% of its speed
      local r, met = report.figure({ name = 'read', time = 1, bytes = 300e6, peer = 'wc -l', peer_time = 0.05,
        target = '>= 10%' })
      assert.is_true(math.abs(r - 0.05) < 1e-9)
      assert.is_false(met)
    end)
    assert.truthy(line:find('read: 1000 ms (300 MB/s) | wc -l 50.00 ms (6.00 GB/s) | 5.0% (target >= 10%) NOT MET',
      1, true), line)
  end)

  it('judges a time target on the time alone, the ratio still shown; values as value / peer', function()
    capture(function()
      local r, met = report.figure({ name = 'lag', time = 0.008, peer = 'busy', peer_time = 0.004, target = '<= 10 ms' })
      assert.are.equal(2, r)
      assert.is_true(met)
      r, met = report.figure({ name = 'memory', value = 120, unit = 'MB', peer = 'text', peer_value = 200,
        target = '<= 0.5x' })
      assert.are.equal(0.6, r)
      assert.is_false(met)
      local _, none = report.figure({ name = 'speed-up', time = 1, peer = 'one thread', peer_time = 1.5, speed = true })
      assert.is_nil(none)
    end)
  end)

  it('records every figure and prints the table: figure, ratio, target, met', function()
    local path = os.tmpname()
    local old = os.getenv
    -- luacheck: push ignore 122
    os.getenv = function(k) return k == 'STANCE_BENCH_RESULTS' and path or old(k) end
    local ok, err = pcall(capture, function()
      report.section('editor')
      report.figure({ name = 'open', time = 0.09, peer = 'plain open', peer_time = 0.02, target = '<= 5x' })
      report.section('lag')
      report.figure({ name = 'max lag', time = 0.02, peer = 'busy', peer_time = 0.01, target = '<= 10 ms' })
    end)
    os.getenv = old
    -- luacheck: pop
    assert(ok, err)
    local table_ = capture(function() assert.are.equal(1, report.summary(path)) end)
    os.remove(path)
    assert.truthy(table_:find('editor: open%s+4.50x%s+<= 5x%s+yes'), table_)
    assert.truthy(table_:find('lag: max lag%s+2.00x%s+<= 10 ms%s+NO'), table_)
    assert.truthy(table_:find('2 figures: 1 targets met, 1 not met, 0 without a target', 1, true), table_)
  end)
end)

describe('make bench', function()
  local T = require('helpers')
  after_each(T.cleanup)

  it('names a section that fails and exits with status 1; refuses an unknown section', function()
    local root = os.getenv('STANCE_ROOT') or '.'
    -- the machine section cannot make its folder where a file is
    local d = T.tmpdir()
    T.write(d .. '/machine', '')
    local out, _, code = T.run(('BENCH_DIR=%s %s/tests/bench/run machine'):format(T.q(d), T.q(root)))
    assert.are.equal(1, code, out)
    assert.truthy(out:find('section machine FAILED', 1, true), out)
    assert.truthy(out:find('sections that failed: machine', 1, true), out)
    local _, err
    _, err, code = T.run(('%s/tests/bench/run nosuch'):format(T.q(root)))
    assert.are.equal(2, code)
    assert.truthy(err:find('no section nosuch', 1, true), err)
  end)
end)
