-- Names from the data on the command line (adversary15 #3, #6): a committed file name with an
-- escape sequence and a line end is said escaped by every command that names it (fmt,
-- report, eval, suggest as check, stats, agree and search did), through stance.cli.say; and
-- names that read alike (a trailing blank, a zero-width space, a right-to-left override) are
-- shown apart.
local T = require('helpers')

local TEXT = 'The charge works. Traffic fell by a fifth. Buses run on time. The council should keep it.\n'
local EVIL = 'evil\27[2J\nx.txt'
local SHOWN = 'evil\\x1b[2J\\nx.txt'

local function layer(document, stance, extra)
  return ('format stance 1\n\ndocument "%s"\n  annotator ana\n  status done\n\nannotation a1\n  span 0-17\n'
    .. '  label claim\n  stance %s\n  target t\n\nannotation a2\n  span 18-42\n  label claim\n  stance against\n'
    .. '  target t\n%s'):format(document, stance, extra or '')
end

--- A corpus with two documents annotated by ana and a third, named EVIL, whose layer file has
--- one error (so that each command names it).
local function corpus()
  local root = T.tmpdir() .. '/c'
  local _, err, code = T.stance_run({ 'init', root })
  assert(code == 0, err)
  T.write(root .. '/.stance/schema.stance', 'format stance 1\n\ntarget t\nstance favor\nstance against\nlabel claim\n')
  for _, name in ipairs({ 'a.txt', 'b.txt', EVIL }) do
    T.write(root .. '/' .. name, TEXT)
  end
  T.write(root .. '/.stance/annotations/ana/a.txt.stance', layer('a.txt', 'favor'))
  T.write(root .. '/.stance/annotations/ana/b.txt.stance', layer('b.txt', 'against'))
  T.write(root .. '/.stance/annotations/ana/' .. EVIL .. '.stance',
    layer('evil\\x1b[2J\\nx.txt', 'favor', '\ngarbage\n'))
  return root
end

describe('a file name with an escape and a line end', function()
  after_each(T.cleanup)

  for _, args in ipairs({ { 'fmt' }, { 'fmt', '--check' }, { 'report' }, { 'eval', '--folds', '2' }, { 'suggest' } }) do
    it('is said escaped by stance ' .. table.concat(args, ' '), function()
      local root = corpus()
      local out, err = T.stance_run(args, nil, root)
      assert.falsy(err:find('\27', 1, true), err)
      assert.falsy(out:find('\27', 1, true), out)
      assert.truthy(err:find(SHOWN, 1, true), err)
      -- each line of stderr is one message of the command: none split by the name's line end
      for line in err:gmatch('[^\n]+') do
        assert.truthy(line:find('^stance ') or line:find('^/'), line)
      end
    end)
  end

  it('is said escaped when a command fails on it (stance.cli.say on every error)', function()
    local root = corpus()
    local _, err, code = T.stance_run({ 'fmt', root .. '/' .. EVIL .. '.nope.stance' }, nil, root)
    assert.are.equal(1, code)
    assert.falsy(err:find('\27', 1, true), err)
    assert.truthy(err:find(SHOWN, 1, true), err)
  end)
end)

describe('stance.cli.say', function()
  it('writes one line, its control characters escaped', function()
    local parts = {}
    local stream = { write = function(_, ...) for _, s in ipairs({ ... }) do parts[#parts + 1] = s end end }
    require('stance.cli').say(stream, 'stance x: ', EVIL, ': ', 3)
    assert.are.equal('stance x: ' .. SHOWN .. ': 3\n', table.concat(parts))
  end)
end)
