-- stance watch and the annotation files: the generation a watcher answers a sync with
-- (stance.watch.client.current's fifth value) changes with every change made to
-- .stance/annotations by any means between two syncs, and is never given by a watcher that
-- is killed, hung or another one. (What a script's pass may skip on the strength of it is
-- built on this.)
local T = require('helpers')

local W = require('helpers.watcher')
local linux, kill, gone, start = W.linux, W.kill, W.gone, W.start

--- A corpus with two annotators' files.
local function corpus()
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  T.write(d .. '/a.txt', 'Sanctions work.\n')
  T.write(d .. '/sub/b.txt', 'More sanctions.\n')
  T.write(d .. '/.stance/annotations/alice/a.stance', 'alice a 1\n')
  T.write(d .. '/.stance/annotations/alice/sub/b.stance', 'alice b 1\n')
  T.write(d .. '/.stance/annotations/bob/a.stance', 'bob a 1\n')
  return d
end

--- The generation a fresh process is told (nil: none answered).
local function gen_once(d)
  local script = d .. '.gen.lua'
  T.write(script, [[
local id, why, schema, code, gen = require('stance.watch.client').current(arg[1])
io.write(tostring(gen), '\n')
]])
  local out, err, code = T.stance_run({ 'run', script, d })
  assert(code == 0, err)
  local g = out:match('^(%S+)')
  return g ~= 'nil' and g or nil
end

--- The same, tried again when none answered (a loaded machine may miss the second a live
--- watcher has to answer): a live watcher's generation.
local function gen(d)
  for _ = 1, 3 do
    local g = gen_once(d)
    if g then return g end
  end
  error('the watcher gave no generation')
end

describe('stance watch: the annotation files\' generation', function()
  local pids = {}
  after_each(function()
    for _, pid in ipairs(pids) do
      kill(pid, 'CONT')
      kill(pid, 'KILL')
      assert.is_true(gone(pid))
    end
    pids = {}
    T.cleanup()
  end)

  local function watch(d)
    local pid = start(d)
    pids[#pids + 1] = pid
    return pid
  end

  it('is the same while nothing changes, and changes with every change made by any means', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    local ann = d .. '/.stance/annotations'
    watch(d)
    local g = gen(d)
    assert.are.equal(g, gen(d))
    -- (a document changed is no annotation file changed)
    T.write(d .. '/a.txt', 'Sanctions work well.\n')
    assert.are.equal(g, gen(d))
    local function changed(what, fn)
      fn()
      local g2 = gen(d)
      assert.are_not.equal(g, g2, what)
      g = g2
      assert.are.equal(g, gen(d), what .. ', then nothing')
    end
    -- edited in place, the same size, its modification time put back as it was
    changed('edited in place', function()
      local mt = T.run(('stat -c %%y %s'):format(T.q(ann .. '/alice/a.stance'))):gsub('\n', '')
      T.run(('printf "alice a 2\\n" > %s && touch -d %s %s'):format(T.q(ann .. '/alice/a.stance'), T.q(mt),
        T.q(ann .. '/alice/a.stance')))
    end)
    changed('replaced by a rename', function()
      T.write(ann .. '/alice/sub/b.tmp', 'alice b 2\n')
      assert(os.rename(ann .. '/alice/sub/b.tmp', ann .. '/alice/sub/b.stance'))
    end)
    changed('removed', function() assert(os.remove(ann .. '/bob/a.stance')) end)
    changed('a new annotator', function() T.write(ann .. '/carol/sub/b.stance', 'carol b 1\n') end)
    -- the new annotator's folders are watched: a change inside them is seen
    changed('a file of the new annotator', function() T.write(ann .. '/carol/sub/b.stance', 'carol b 2\n') end)
    changed('a folder replaced', function()
      T.write(d .. '/.stance/tmp-bob/a.stance', 'bob a 3\n')
      assert(os.rename(ann .. '/bob', d .. '/.stance/old-bob'))
      assert(os.rename(d .. '/.stance/tmp-bob', ann .. '/bob'))
    end)
    changed('a file of the folder moved in', function() T.write(ann .. '/bob/a.stance', 'bob a 4\n') end)
    changed('the whole folder replaced', function()
      T.write(d .. '/.stance/tmp-ann/dave/a.stance', 'dave a 1\n')
      assert(os.rename(ann, d .. '/.stance/old-ann'))
      assert(os.rename(d .. '/.stance/tmp-ann', ann))
    end)
    changed('a file of the new whole folder', function() T.write(ann .. '/dave/a.stance', 'dave a 2\n') end)
    changed('its mode changed', function() T.run(('chmod 600 %s'):format(T.q(ann .. '/dave/a.stance'))) end)
  end)

  it('counts an overflowed event queue as a change', function()
    if not linux then return pending('no inotify on this system') end
    local limit = tonumber(T.read('/proc/sys/fs/inotify/max_queued_events'))
    if not limit or limit > 100000 then return pending('the inotify queue is too long to overflow here') end
    local d = corpus()
    local pid = watch(d)
    local g = gen(d)
    kill(pid, 'STOP')
    -- the changes among the lost events are to documents only: the overflow alone tells
    T.run(('cd %s && for i in $(seq %d); do echo engagement $i > churn.txt; done'):format(T.q(d), limit))
    kill(pid, 'CONT')
    assert.are_not.equal(g, gen(d))
  end)

  it('is given by no watcher hung or killed, and never the same by another watcher', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    local pid = watch(d)
    local g = gen(d)
    kill(pid, 'STOP')
    assert.is_nil(gen_once(d))
    kill(pid, 'CONT')
    assert.are.equal(g, gen(d))
    kill(pid, 'KILL')
    assert.is_true(gone(pid))
    assert.is_nil(gen_once(d))
    -- a change while none watches, then another watcher: not the generation of before
    T.write(d .. '/.stance/annotations/alice/a.stance', 'alice a 9\n')
    watch(d)
    assert.are_not.equal(g, gen(d))
  end)
end)
