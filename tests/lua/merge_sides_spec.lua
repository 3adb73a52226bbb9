-- The merge driver given data it cannot trust (doc/format.md, section 7): a side that does
-- not exist, is empty where a layer was expected, cannot be read or is a folder is refused
-- (exit 2, the file named, OURS byte for byte as it was: git reports a conflict instead of a
-- layer lost), while the empty BASE git passes for a file both sides added (add/add) merges
-- from nothing in common; a relation kept on one side whose end the other side deleted is a
-- conflict, not a dangling relation. On the study (its schema and corpus, STANCE_SHARED),
-- through `git merge` end to end and by direct calls of the driver.
local T = require('helpers')
local core = require('stance.core')

local DOC = '001_6520dcfa8ca08700.txt'
local ANN = '.stance/annotations/ana/' .. DOC .. '.stance'

local function git(dir, args)
  return T.run(('git -C %s %s'):format(T.q(dir), args))
end

--- The study's schema and one of its documents in a new folder, and ana's layer of it: an
--- annotation on each of the document's first four sentences (a claim, then premises), and
--- `rels` relations ({id, from, to}). Nil when ../shared is not here.
local function corpus(rels)
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations/ana && cp %s %s/ && cp %s %s/.stance/'):format(T.q(d),
    T.q(T.shared .. '/corpus/' .. DOC), T.q(d), T.q(T.shared .. '/study/schema.stance'), T.q(d)))
  local text = T.read(d .. '/' .. DOC)
  local doc = assert(assert(require('stance').open(d)):document(DOC))
  local ss = doc:sentences()
  local s = core.store()
  s:set_header('document', DOC)
  s:set_header('annotator', 'ana')
  s:set_header('hash', 'sha256:' .. core.sha256(text))
  local labels = { 'engagement-favor', 'premise', 'premise', 'sanctions-against' }
  for i = 1, 4 do
    assert(s:add({ kind = 'annotation', id = 'a' .. i, spans = { { ss[i].start, ss[i].stop } }, label = labels[i],
      role = i == 1 and 'claim' or 'premise', created = '2026-11-22T10:00:00Z' }))
  end
  for _, r in ipairs(rels or {}) do
    assert(s:add({ kind = 'relation', id = r[1], type = 'supports', from = r[2], to = r[3] }))
  end
  T.write(d .. '/' .. ANN, s:write())
  return d
end

--- `corpus` made a git repository with the drivers registered (`stance init --git`), all
--- committed on main, and a branch `other`.
local function repo(rels)
  local d = corpus(rels)
  if not d then return nil end
  git(d, 'init -q -b main')
  git(d, 'config user.email t@example.org')
  git(d, 'config user.name tester')
  local _, err, code = T.run(('cd %s && %s init --git .'):format(T.q(d), T.q(T.stance)))
  assert.are.equal(0, code, err)
  git(d, 'add -A')
  git(d, 'commit -q -m base')
  git(d, 'branch other')
  return d
end

--- Change ana's layer on `branch` with `fn(store)` (or write `text` over it), and commit.
local function change(d, branch, fn)
  git(d, 'checkout -q ' .. branch)
  if type(fn) == 'string' then
    T.write(d .. '/' .. ANN, fn)
  else
    local s = assert(core.read(T.read(d .. '/' .. ANN)))
    fn(s)
    T.write(d .. '/' .. ANN, s:write())
  end
  local _, err, code = git(d, 'commit -q -am ' .. branch)
  assert.are.equal(0, code, err)
end

--- `stance merge BASE OURS THEIRS ANN` in `d` (names relative to it): stderr and exit status.
local function driver(d, base, ours, theirs, as_nobody)
  local cmd = ('cd %s && %s %s merge %s %s %s %s'):format(T.q(d), as_nobody and
    'setpriv --reuid=65534 --regid=65534 --clear-groups' or '', T.q(T.stance), T.q(base), T.q(ours), T.q(theirs),
    T.q(ANN))
  local _, err, code = T.run(cmd)
  return err, code
end

describe('the merge driver refuses a side it cannot trust', function()
  after_each(T.cleanup)

  local function need(rels)
    local d = corpus(rels)
    if not d then pending('../shared is not here') end
    return d
  end

  --- Three sides in `d`: base (ana's layer), ours (a5 added), theirs (a2 relabelled).
  local function sides(d)
    local base = T.read(d .. '/' .. ANN)
    local o = assert(core.read(base))
    o:add({ kind = 'annotation', id = 'a5', spans = { { 0, 3 } }, label = 'favor', created = '2026-11-22T10:00:00Z' })
    local t = assert(core.read(base))
    local a2 = t:get('a2')
    assert(t:remove('a2'))
    a2.label = 'claim'
    a2.role = 'claim'
    assert(t:add(a2))
    T.write(d .. '/base', base)
    T.write(d .. '/ours', o:write())
    T.write(d .. '/theirs', t:write())
    return o:write()
  end

  it('a side that does not exist, an empty OURS or THEIRS, a folder: exit 2, the file named, OURS untouched',
    function()
      local d = need()
      if not d then return end
      local cases = {
        { 'base missing', 'nope', 'ours', 'theirs', "base (nope) does not exist; not merged, ours left as it was" },
        { 'theirs missing', 'base', 'ours', 'nope', "theirs (nope) does not exist" },
        { 'theirs empty', 'base', 'ours', 'empty', "theirs (empty) is empty (0 bytes, no `format stance 1` line)"
          .. " where a layer was expected" },
        { 'theirs blank', 'base', 'ours', 'blank', "theirs (blank) is empty (2 bytes" },
        { 'ours empty', 'base', 'empty', 'theirs', "ours (empty) is empty (0 bytes" },
        { 'theirs a folder', 'base', 'ours', 'dir', "theirs (dir) is a folder, not a file" },
        { 'base a folder', 'dir', 'ours', 'theirs', "base (dir) is a folder, not a file" },
        { 'ours and theirs empty', 'base', 'empty', 'empty', "ours (empty) is empty" },
        { 'ours empty, base the same', 'empty', 'empty', 'theirs', "ours (empty) is empty" },
      }
      for _, c in ipairs(cases) do
        local ours_text = sides(d)
        T.write(d .. '/empty', '')
        T.write(d .. '/blank', '\n\n')
        os.execute('mkdir -p ' .. T.q(d .. '/dir'))
        local before = T.read(d .. '/' .. c[3])
        local err, code = driver(d, c[2], c[3], c[4])
        assert.are.equal(2, code, c[1] .. ': ' .. err)
        assert.truthy(err:find('stance merge: ' .. ANN .. ': ' .. c[5], 1, true), c[1] .. ': ' .. err)
        assert.are.equal(before, T.read(d .. '/' .. c[3]), c[1])
        if c[3] == 'ours' then assert.are.equal(ours_text, before) end
      end
    end)

  it('an empty side of a curation file too (a JSON state, said as such)', function()
    local d = need()
    if not d then return end
    T.write(d .. '/jb', '{"rejected": {}}\n')
    T.write(d .. '/jo', '{"rejected": {"x": true}}\n')
    T.write(d .. '/jt', '')
    local _, err, code = T.stance_run({ 'merge', 'jb', 'jo', 'jt', '.stance/curation/' .. DOC .. '.json' }, nil, d)
    assert.are.equal(2, code, err)
    assert.truthy(err:find(DOC .. '.json: theirs (jt) is empty (0 bytes) where a curation file was expected', 1, true),
      err)
    assert.are.equal('{"rejected": {"x": true}}\n', T.read(d .. '/jo'))
  end)

  it('a side it may not read: exit 2, the file named, OURS untouched', function()
    local d = need()
    if not d then return end
    local ours = sides(d)
    os.execute('chmod 000 ' .. T.q(d .. '/theirs'))
    local nobody = T.run('id -u') == '0\n'
    if nobody then
      -- root reads any file: the driver runs as nobody, who may write OURS but not read THEIRS
      if T.run('command -v setpriv') == '' then return pending('needs setpriv to run the driver as nobody') end
      os.execute(('chmod 755 %s && chown 65534 %s %s'):format(T.q(d), T.q(d .. '/ours'), T.q(d)))
    end
    local err, code = driver(d, 'base', 'ours', 'theirs', nobody)
    assert.are.equal(2, code, err)
    assert.truthy(err:find('stance merge: ' .. ANN .. ': theirs (theirs) cannot be read: ', 1, true), err)
    assert.truthy(err:find('Permission denied', 1, true), err)
    assert.are.equal(ours, T.read(d .. '/ours'))
  end)

  it('an empty BASE (git\'s add/add) merges OURS and THEIRS from nothing in common', function()
    local d = need()
    if not d then return end
    sides(d)
    T.write(d .. '/empty', '')
    local err, code = driver(d, 'empty', 'ours', 'theirs')
    -- a2 on both sides, differently: a conflict; a5 of ours kept
    assert.are.equal(1, code, err)
    local s = assert(core.read(T.read(d .. '/ours')))
    assert.truthy(s:get('a5') and s:get('a1') and s:get('a3') and s:get('a4'))
    assert.truthy(s:slot_of('a2', 'ours') and s:slot_of('a2', 'theirs'))
  end)

  it('through git merge: a layer cut to nothing on theirs is a conflict git reports, ours kept byte for byte',
    function()
      local d = repo()
      if not d then return pending('../shared is not here') end
      change(d, 'other', '')
      change(d, 'main', function(s)
        s:add({ kind = 'annotation', id = 'a5', spans = { { 0, 3 } }, label = 'favor' })
      end)
      local ours = T.read(d .. '/' .. ANN)
      local out, err, code = git(d, 'merge --no-edit other')
      assert.are_not.equal(0, code, out .. err)
      assert.truthy((out .. err):find('theirs (', 1, true), out .. err)
      assert.truthy((out .. err):find('where a layer was expected', 1, true), out .. err)
      assert.truthy((out .. err):find('CONFLICT', 1, true), out .. err)
      assert.are.equal('UU ' .. ANN .. '\n', git(d, 'status --porcelain'))
      assert.are.equal(ours, T.read(d .. '/' .. ANN))
    end)

  it('through git merge: a layer added on both branches (git passes an empty BASE) merges', function()
    local d = repo()
    if not d then return pending('../shared is not here') end
    local bo = '.stance/annotations/bo/' .. DOC .. '.stance'
    for i, branch in ipairs({ 'main', 'other' }) do
      git(d, 'checkout -q ' .. branch)
      local s = assert(core.read(T.read(d .. '/' .. ANN)))
      s:set_header('annotator', 'bo')
      for _, id in ipairs({ 'a1', 'a2', 'a3', 'a4' }) do
        if id ~= 'a' .. i then assert(s:remove(id)) end
      end
      T.write(d .. '/' .. bo, s:write())
      git(d, 'add -A')
      git(d, 'commit -q -m ' .. branch)
    end
    git(d, 'checkout -q main')
    local out, err, code = git(d, 'merge --no-edit other')
    assert.are.equal(0, code, out .. err)
    local s, problems = core.read(T.read(d .. '/' .. bo))
    assert.are.same({}, problems)
    assert.truthy(s:get('a1') and s:get('a2'))
    assert.are.equal('', git(d, 'status --porcelain'))
  end)
end)

describe('a relation whose end the other side deleted', function()
  after_each(T.cleanup)

  it('through git merge: becomes a conflict (relation and end kept, marked), said, and stance check reports it',
    function()
      local d = repo({ { 'r1', 'a2', 'a1' } })
      if not d then return pending('../shared is not here') end
      -- ours deletes the premise a3 (and nothing links it); theirs links a3 to the claim
      change(d, 'other', function(s)
        assert(s:add({ kind = 'relation', id = 'r2', type = 'supports', from = 'a3', to = 'a1' }))
      end)
      change(d, 'main', function(s) assert(s:remove('a3')) end)
      local out, err, code = git(d, 'merge --no-edit other')
      assert.are_not.equal(0, code, out .. err)
      assert.truthy((out .. err):find('relation r2 links annotation a3, which ours deleted: both kept, marked '
        .. '`conflict theirs`', 1, true), out .. err)
      assert.are.equal('UU ' .. ANN .. '\n', git(d, 'status --porcelain'))
      local s = assert(core.read(T.read(d .. '/' .. ANN)))
      assert.truthy(s:slot_of('r2', 'theirs') and s:slot_of('a3', 'theirs'))
      assert.falsy(s:slot_of('r2') or s:slot_of('a3'))
      assert.truthy(s:get('r1'))
      local cout = T.stance_run({ 'check', ANN }, nil, d)
      assert.truthy(cout:find('relation r2 is in conflict', 1, true), cout)
      assert.truthy(cout:find('annotation a3 is in conflict', 1, true), cout)
      -- its end is there, as a version of the conflict: not said to be missing
      assert.falsy(cout:find('no annotation with id', 1, true), cout)
    end)

  it('kept by ours while theirs deleted its end (direct call), the other way round', function()
    local d = corpus({ { 'r1', 'a2', 'a1' } })
    if not d then return pending('../shared is not here') end
    local base = T.read(d .. '/' .. ANN)
    local o = assert(core.read(base))
    assert(o:add({ kind = 'relation', id = 'r2', type = 'supports', from = 'a4', to = 'a1' }))
    assert(o:add({ kind = 'relation', id = 'r3', type = 'attacks', from = 'a3', to = 'a4' }))
    local t = assert(core.read(base))
    assert(t:remove('a4'))
    T.write(d .. '/base', base)
    T.write(d .. '/ours', o:write())
    T.write(d .. '/theirs', t:write())
    local err, code = driver(d, 'base', 'ours', 'theirs')
    assert.are.equal(1, code, err)
    assert.truthy(err:find('2 conflict(s)', 1, true), err)
    assert.truthy(err:find('relation r2 links annotation a4, which theirs deleted: both kept, marked '
      .. '`conflict ours`', 1, true), err)
    assert.truthy(err:find('relation r3 links annotation a4, which theirs deleted', 1, true), err)
    local s = assert(core.read(T.read(d .. '/ours')))
    assert.truthy(s:slot_of('r2', 'ours') and s:slot_of('r3', 'ours') and s:slot_of('a4', 'ours'))
    assert.falsy(s:slot_of('a4', 'theirs') or s:slot_of('a4'))
    assert.truthy(s:get('r1'))
  end)

  it('deleted with its relations on one side, untouched on the other: merged cleanly', function()
    local d = repo({ { 'r1', 'a2', 'a1' } })
    if not d then return pending('../shared is not here') end
    change(d, 'other', function(s)
      assert(s:remove('r1'))
      assert(s:remove('a2'))
    end)
    change(d, 'main', function(s)
      assert(s:add({ kind = 'relation', id = 'r2', type = 'supports', from = 'a3', to = 'a1' }))
    end)
    local out, err, code = git(d, 'merge --no-edit other')
    assert.are.equal(0, code, out .. err)
    local s = assert(core.read(T.read(d .. '/' .. ANN)))
    assert.falsy(s:get('a2') or s:get('r1'))
    assert.truthy(s:get('r2'))
  end)
end)
