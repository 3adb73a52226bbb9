-- A schema with errors (git's conflict markers: both sides' records at once, two stances with
-- one key; a target defined twice) is used as far as it reads, never silently: every command
-- that uses it names its first error on stderr (FILE:LINE:COL, a conflict named as such, to be
-- resolved by hand: the merge driver does not merge the schema) and exits 1; `stance run`
-- does unless the script returns its status; `stance import` adds nothing to it; `stance
-- check` lists every error, a name defined twice with both places.
local T = require('helpers')

local SCHEMA = '.stance/schema.stance'

local function corpus()
  local d = require('helpers.study').annotated('(none)')
  if not d then return nil end
  os.execute(('cd %s && mkdir -p .stance/annotations/ben && cp .stance/annotations/fixture/* '
    .. '.stance/annotations/ben/ && sed -i "s/^  annotator fixture/  annotator ben/" .stance/annotations/ben/*')
    :format(T.q(d)))
  return d
end

-- the study's schema with git's conflict markers around stance favor; the line of `<<<<<<<`
local function conflict(d)
  local text = assert(T.read(d .. '/' .. SCHEMA))
  local at = text:find('stance favor\n  key f\n', 1, true)
  assert(at)
  T.write(d .. '/' .. SCHEMA, text:sub(1, at - 1) .. '<<<<<<< HEAD\nstance favor\n  key f\n=======\nstance favour\n'
    .. '  key f\n>>>>>>> theirs\n' .. text:sub(at + #'stance favor\n  key f\n'))
  return select(2, text:sub(1, at):gsub('\n', '')) + 1
end

local function stance(d, args)
  return T.run(('cd %s && STANCE_WATCH=off %s %s'):format(T.q(d), T.q(T.stance), args))
end

describe('a schema with errors', function()
  after_each(T.cleanup)

  it('with conflict markers: every command that uses it names the marker and exits 1', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    local line = conflict(d)
    local conflict_said = 'unresolved git merge conflict: the schema is merged by hand (the merge driver does not '
      .. 'merge it): keep one side'
    local place = ('%s:%d:1: %s'):format(SCHEMA, line, conflict_said)
    for _, args in ipairs({ 'stats', 'agree', 'export --to csv', 'export --to jsonl' }) do
      local _, err, code = stance(d, args)
      assert.are.equal(1, code, args .. ': ' .. err)
      assert.truthy(err:find('stance ' .. args:match('^%S+') .. ': ' .. place, 1, true), args .. ': ' .. err)
      assert.falsy(err:find('stance init --git', 1, true), err)
      -- said once
      assert.are.equal(1, select(2, err:gsub('unresolved git merge conflict', '')), err)
    end
    -- check lists it with the advice for the schema, not the merge driver's
    local out, _, code = stance(d, 'check')
    assert.are.equal(1, code)
    assert.truthy(out:find(('%s:%d:1: error: %s'):format(SCHEMA, line, conflict_said), 1, true), out)
    assert.falsy(out:find('stance init --git', 1, true), out)
  end)

  it('in stance run: said, exit 1, unless the script returns its status', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    local line = conflict(d)
    T.write(d .. '/s.lua', 'local c = assert(stance.open("."))\nfor _, s in ipairs(c:schema().stances) do '
      .. 'print(s.name) end\n')
    local out, err, code = stance(d, 'run s.lua')
    assert.are.equal(1, code, err)
    assert.truthy(out:find('favor\n', 1, true), out)
    assert.truthy(err:find(('stance run: %s:%d:1: unresolved git merge conflict'):format(SCHEMA, line), 1, true), err)
    T.write(d .. '/s.lua', 'local c = assert(stance.open("."))\nprint(#c:schema().stances)\nreturn 0\n')
    out, err, code = stance(d, 'run s.lua')
    assert.are.equal(0, code, err)
    assert.truthy(err:find(SCHEMA .. ':' .. line .. ':1:', 1, true), err) -- still said
    assert.truthy(out:find('^%d+\n$'), out)
  end)

  it('refuses an import (nothing added to it, no layer written)', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    conflict(d)
    local before = T.read(d .. '/' .. SCHEMA)
    T.write(d .. '/in.json', '[]')
    local _, err, code = stance(d, 'import --from w3c in.json')
    assert.are.equal(1, code, err)
    assert.truthy(err:find('nothing imported: the schema has errors', 1, true), err)
    assert.truthy(err:find(SCHEMA .. ':%d+:1: unresolved git merge conflict'), err)
    assert.are.equal(before, T.read(d .. '/' .. SCHEMA))
  end)

  it('with a target defined twice: check names both places; the others say it and exit 1', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    local text = assert(T.read(d .. '/' .. SCHEMA))
    local first = select(2, text:sub(1, text:find('target engagement\n', 1, true)):gsub('\n', '')) + 1
    T.write(d .. '/' .. SCHEMA, text .. 'target engagement\n  title "again"\n')
    local second = select(2, text:gsub('\n', '')) + 1
    local twice = ('target engagement is defined twice: here and at %s:%d:1'):format(SCHEMA, first)
    local said = ('%s:%d:1: %s'):format(SCHEMA, second, twice)
    local out = stance(d, 'check')
    assert.truthy(out:find(('%s:%d:1: error: %s'):format(SCHEMA, second, twice), 1, true), out)
    local _, err, code = stance(d, 'stats')
    assert.are.equal(1, code, err)
    assert.truthy(err:find('stance stats: ' .. said, 1, true), err)
  end)

  it('a schema without errors: nothing said, exit 0', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    local _, err, code = stance(d, 'stats')
    assert.are.equal(0, code, err)
    assert.falsy(err:find('schema', 1, true), err)
  end)
end)
