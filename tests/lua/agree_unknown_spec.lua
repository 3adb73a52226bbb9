-- Records the figures cannot count as their annotator meant, on the study (two annotators
-- with our annotations of ../shared/corpus, tests/fixtures/study): a target the schema does
-- not have (a typo), and a record without the target or stance its label sets (a line
-- deleted by hand). stance agree leaves them out of the figures, says so at their document
-- and exits 1; stance check warns at each, with its file and line.
local T = require('helpers')

local D4 = '004_e35aa5ebcc029514.txt'

--- The study with ana's and ben's layers (copies of the fixture's), or nil without ../shared.
local function study()
  return require('helpers.study').annotated_as({ 'ana', 'ben' })
end

--- ben's file of D4 with its first `target sanctions` line changed by `edit` (nil: deleted);
--- the line of the record it belongs to.
local function edit_ben(d, edit)
  local path = d .. '/.stance/annotations/ben/' .. D4 .. '.stance'
  local lines = T.lines(T.read(path))
  local at, record
  for i, l in ipairs(lines) do
    if l:match('^annotation ') then record = i end
    if l == '  target sanctions' then
      at = i
      break
    end
  end
  assert(at, 'no sanctions annotation in ' .. D4)
  if edit then lines[at] = edit else table.remove(lines, at) end
  T.write(path, table.concat(lines, '\n'))
  return record
end

describe('stance agree and check on records the schema does not count as meant (the study)', function()
  after_each(T.cleanup)

  it('agree on the unchanged study: exit 0, no such warning', function()
    local d = study()
    if not d then return pending('../shared/study is not here') end
    local out, err, code = T.stance_run({ 'agree', d })
    assert.are.equal(0, code, err)
    assert.falsy(out:find('which the schema does not have', 1, true), out)
    assert.falsy(out:find('where its label', 1, true), out)
  end)

  it('a target the schema does not have: not a target of the figures, said at its document, exit 1', function()
    local d = study()
    if not d then return pending('../shared/study is not here') end
    local line = edit_ben(d, '  target sanction')
    local out, err, code = T.stance_run({ 'agree', d })
    assert.are.equal(1, code, err)
    assert.truthy(out:find(("ben: 1 record with target 'sanction', which the schema does not have (the first at "
      .. '.stance/annotations/ben/%s.stance:%d): not counted'):format(D4, line), 1, true), out)
    -- no fifth target: the schema's four and the pooled line
    assert.falsy(out:find('\nsanction ', 1, true), out)
    assert.truthy(out:find('(pooled)                   1068', 1, true), out)
    assert.truthy(out:find('not counted: 1 annotation(s) toward a target the schema does not have', 1, true), out)
    assert.truthy(err:find('1 record(s) not counted as their annotator meant', 1, true), err)
    local cout, cerr = T.stance_run({ 'check', d })
    assert.truthy((cout .. cerr):find(("ben/%s.stance:%d:1: warning: unknown target 'sanction'"):format(D4, line + 3),
      1, true), cout .. cerr)
  end)

  it('no target where the label sets one: said at its document, exit 1; check warns at the record', function()
    local d = study()
    if not d then return pending('../shared/study is not here') end
    local line = edit_ben(d, nil)
    local out, err, code = T.stance_run({ 'agree', d })
    assert.are.equal(1, code, err)
    assert.truthy(out:find(("ben: 1 record with no target, where its label 'sanctions-against' sets target sanctions "
      .. '(the first at .stance/annotations/ben/%s.stance:%d)'):format(D4, line), 1, true), out)
    local cout, cerr, ccode = T.stance_run({ 'check', d })
    assert.are_not.equal(0, ccode)
    assert.truthy((cout .. cerr):find(("ben/%s.stance:%d:1: warning: annotation [%%w-]+: no target, where its label "
      .. "'sanctions%%-against' sets target sanctions: counted toward no target"):format(D4:gsub('%.', '%%.'), line)),
      cout .. cerr)
  end)
  it('every file of ben broken: the documents and the last line say why (not "mark it done"), exit 3', function()
    local d = study()
    if not d then return pending('../shared/study is not here') end
    for _, f in ipairs(T.lines((T.run('ls ' .. T.q(d .. '/.stance/annotations/ben')):gsub('\n$', '')))) do
      local path = d .. '/.stance/annotations/ben/' .. f
      T.write(path, (T.read(path):gsub('\n  span (%d+)%-(%d+)\n', '\n  span %1-%2x\n', 1)))
    end
    local out, err, code = T.stance_run({ 'agree', d })
    assert.are.equal(3, code, err)
    assert.truthy(out:find(D4 .. "%s+done%s+done%s+left out: fewer than two annotators counted %(ben's file has errors%)"),
      out)
    assert.truthy(out:find('no document counts: files with errors or unresolved merge conflicts leave their annotators'
      .. ' out', 1, true), out)
    assert.falsy(out:find('mark it done', 1, true), out)
  end)
end)
