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
    local logs = { root .. '/../a.log', root .. '/../b.log' }
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
