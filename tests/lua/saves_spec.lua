-- Saving is safe with several writers: two processes saving the same annotation file at once
-- lose none of the saves they were told succeeded (each save is a compare-and-rename under
-- the file's lock; the loser of a race merges), and temporary and lock files do not stay.
local T = require('helpers')
local core = require('stance.core')

describe('saves by two processes at once', function()
  after_each(T.cleanup)

  local function race(mode, rounds)
    local root = T.tmpdir()
    T.write(root .. '/.stance/schema.stance', 'format stance 1\nlabel claim\n')
    T.write(root .. '/doc.txt', ('Some words of a document that two people annotate at once. '):rep(3))
    -- the logs in a folder of their own (beside the root they would be /tmp/a.log, which
    -- every other suite running this spec at the same time writes too)
    local logdir = T.tmpdir()
    local logs = { logdir .. '/a.log', logdir .. '/b.log' }
    local cmd = {}
    for i, who in ipairs({ 'a', 'b' }) do
      cmd[#cmd + 1] = ('lua5.4 %s %s %s %s %d %s %s &'):format(T.q(T.root .. '/tests/helpers/saver.lua'), T.q(T.root),
        T.q(root), who, rounds, T.q(logs[i]), mode)
    end
    local _, err = T.run(table.concat(cmd, ' ') .. ' wait')
    local file = root .. '/.stance/annotations/shared/doc.txt.stance'
    local store, problems = core.read(T.read(file))
    assert.are.same({}, problems)
    local acked, missing = 0, {}
    for _, log in ipairs(logs) do
      for id in T.read(log):gmatch('[^\n]+') do
        acked = acked + 1
        if not store:get(id) then missing[#missing + 1] = id end
      end
      os.remove(log)
    end
    return acked, missing, err, root
  end

  for _, mode in ipairs({ 'keep', 'reopen' }) do
    it('loses no acknowledged save (' .. mode .. ')', function()
      local acked, missing, err, root = race(mode, 100)
      assert.are.same({}, missing)
      assert.are.equal(200, acked, err) -- every save succeeded (by merging when it lost a race)
      local left = core.list(root .. '/.stance/annotations/shared')
      assert.are.equal(1, #left)
      local leftover = T.run('ls -A ' .. T.q(root .. '/.stance/annotations/shared'))
      assert.are.equal('doc.txt.stance\n', leftover) -- no .lock or .tmp file left
    end)
  end
end)

describe('saves killed half-way', function()
  after_each(T.cleanup)

  it('leave nothing that the next save does not remove, and nothing git shows', function()
    local root = T.tmpdir()
    local _, err, code = T.run(('cd %s && git init -q && %s init . >/dev/null'):format(T.q(root), T.q(T.stance)))
    assert.are.equal(0, code, err)
    T.write(root .. '/doc.txt', ('Some words of a document that two people annotate at once. '):rep(3))
    local dir = root .. '/.stance/annotations/shared'
    -- a killed writer's leftovers: its lock (no process holds it any more) and its temporary file
    T.write(dir .. '/.doc.txt.stance.lock', '')
    T.write(dir .. '/.doc.txt.stance.tmp', 'half a file')
    -- and writers killed at random moments of their saves
    for i = 1, 12 do
      T.run(('lua5.4 %s %s %s k%d 1000 /dev/null keep & pid=$!; sleep 0.%d; kill -9 $pid; wait $pid 2>/dev/null'):format(
        T.q(T.root .. '/tests/helpers/saver.lua'), T.q(T.root), T.q(root), i, 5 + i % 5))
    end
    local status = T.run(('git -C %s status --porcelain --untracked-files=all'):format(T.q(root)))
    assert.falsy(status:find('%.lock') or status:find('%.tmp'), status) -- ignored by .stance/.gitignore
    local c = assert(require('stance').open(root))
    c.annotator = 'shared'
    assert(c:document('doc.txt'):annotate({ start = 0, stop = 4, label = 'claim' }))
    assert.is_true(c:save())
    assert.are.equal('doc.txt.stance\n', T.run('ls -A ' .. T.q(dir)))
    local store, problems = core.read(T.read(dir .. '/doc.txt.stance'))
    assert.truthy(store)
    for _, p in ipairs(problems) do
      assert.are_not.equal('error', p.severity)
    end
  end)
end)

describe('stance merge while an editor saves OURS', function()
  after_each(T.cleanup)

  it('merges again instead of writing over what was saved meanwhile', function()
    local root = T.tmpdir()
    T.write(root .. '/.stance/schema.stance', 'format stance 1\nlabel claim\n')
    T.write(root .. '/doc.txt', ('Some words of a document that two people annotate at once. '):rep(3))
    local ours = root .. '/.stance/annotations/shared/doc.txt.stance'
    local side = T.tmpdir() -- files beside the corpus, not in /tmp itself (shared by every suite)
    local log = side .. '/saver.log'
    T.write(ours, 'format stance 1\n')
    local base = side .. '/base.stance'
    T.write(base, 'format stance 1\n')
    local rounds = 60
    local cmd = { ('lua5.4 %s %s %s s %d %s keep &'):format(T.q(T.root .. '/tests/helpers/saver.lua'), T.q(T.root),
      T.q(root), rounds, T.q(log)) }
    -- meanwhile 20 merges bring a record each from "theirs"
    for i = 1, 20 do
      local theirs = ('%s/theirs%d.stance'):format(side, i)
      T.write(theirs, ('format stance 1\n\ndocument "doc.txt"\n\nannotation m%d\n  span 0-4\n  label claim\n'):format(i))
      cmd[#cmd + 1] = ('%s merge %s %s %s;'):format(T.q(T.stance), T.q(base), T.q(ours), T.q(theirs))
    end
    local _, err = T.run(table.concat(cmd, ' ') .. ' wait')
    local store = assert(core.read(T.read(ours)))
    local missing = {}
    for i = 1, 20 do
      if not store:get('m' .. i) then missing[#missing + 1] = 'm' .. i end
    end
    for id in T.read(log):gmatch('[^\n]+') do
      if not store:get(id) then missing[#missing + 1] = id end
    end
    assert.are.same({}, missing, err)
  end)
end)
