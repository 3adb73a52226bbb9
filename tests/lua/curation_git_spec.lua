-- Two curators through git: the curation state file (.stance/curation/DOC.json) merged by
-- our driver (`stance init --git`), place by place: two different decisions for one place
-- are a conflict the curator resolves, never a silent union; `stance check` and the
-- curation say where gold and the record disagree, whatever made them.
local T = require('helpers')
local study = require('helpers.study_layers')
local C = require('stance.curation')
local json = require('stance.json')

--- The study's curation corpus in a git repository with our drivers, every disputed place
--- decided but human rights on sentence 2 (A: ana's only) and denuclearization-first on
--- sentence 4 (B: ben's only), committed on main, a branch `other` from there.
local function repo()
  local d, path, s = study.curation()
  if not d then return nil end
  local _, err, code = T.run(('cd %s && git init -q -b main && %s init --git . 2>&1'):format(T.q(d), T.q(T.stance)))
  assert.are.equal(0, code, err)
  local cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
  cur:apply_agreed()
  assert(cur:accept(cur.disputed[1], 'ana'))
  assert(cur:accept(cur.disputed[3], 'ana'))
  assert(cur:save())
  T.git(d, 'add -A')
  T.git(d, 'commit -q -m base')
  T.git(d, 'branch other')
  return d, path, s
end

--- One curator's session on the branch checked out: `fn(cur, A, B)`, saved and committed.
local function curate(d, path, branch, who, fn)
  T.git(d, 'checkout -q ' .. branch)
  local cur = assert(C.open(assert(require('stance').open(d)), path, nil, who))
  fn(cur, cur.disputed[2], cur.disputed[4])
  assert(cur:save())
  T.git(d, 'commit -q -am ' .. who)
end

local function state(d, path)
  return json.decode(T.read(d .. '/.stance/curation/' .. path .. '.json'))
end

describe('curation through git', function()
  after_each(T.cleanup)

  it('makes two opposite decisions for one place a conflict to resolve, not a union of rejections', function()
    local d, path = repo()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local ka, kb
    curate(d, path, 'main', 'cora', function(cur, a, b)
      ka, kb = a.key, b.key
      assert(cur:accept(a, 'ana'))
      cur:reject(b)
    end)
    curate(d, path, 'other', 'dan', function(cur, a, b)
      cur:reject(a)
      assert(cur:accept(b, 'ben'))
    end)
    T.git(d, 'checkout -q main')
    local out, _, code = T.git(d, 'merge other -m merged')
    -- before: "Merge made by the 'ort' strategy.", both places rejected, gold holding both
    assert.are_not.equal(0, code, out)
    assert.truthy(out:find('CONFLICT', 1, true), out)
    assert.truthy(out:find('place ' .. ka .. ' decided differently (ours accepted ana\'s version, theirs rejected)',
      1, true), out)
    local st = state(d, path)
    assert.is_nil(st.rejected[ka])
    assert.is_nil(st.rejected[kb])
    assert.are.same({ ours = { accepted = 'ana' }, theirs = { rejected = true } }, st.conflicts[ka])
    assert.are.same({ ours = { rejected = true }, theirs = { accepted = 'ben' } }, st.conflicts[kb])
    -- the places are open again in the curation, gold is not done
    local cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
    assert.is_nil(cur:resolved(cur.disputed[2]))
    assert.is_nil(cur:resolved(cur.disputed[4]))
    -- stance check: an error at each place's conflict in the state file, FILE:LINE:COL
    T.git(d, 'add -A')
    T.git(d, 'commit -q -m resolved-later')
    local cout, cerr = T.stance_run({ 'check' }, nil, d)
    local file = '.stance/curation/' .. path .. '.json'
    assert.truthy(cout:find(file .. ':%d+:%d+: error: two curators decided place annotation:human%-rights'), cout)
    assert.truthy(cerr:find('2 errors', 1, true), cerr)
    -- deciding it again ends the conflict
    assert(cur:accept(cur.disputed[2], 'ana'))
    cur:reject(cur.disputed[4])
    assert(cur:save())
    st = state(d, path)
    assert.is_nil(st.conflicts)
    assert.is_true(st.rejected[kb])
    assert.are.equal('ana', st.accepted[ka])
    cout = T.stance_run({ 'check' }, nil, d)
    assert.falsy(cout:find('two curators', 1, true), cout)
    assert.falsy(cout:find('curation record', 1, true), cout)
  end)

  it('keeps the same decision made on both sides, and different places decided on each side, without a conflict',
    function()
      local d, path = repo()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local ka, kb
      curate(d, path, 'main', 'cora', function(cur, a, b)
        ka, kb = a.key, b.key
        cur:reject(a)
        cur:reject(b)
      end)
      curate(d, path, 'other', 'dan', function(cur, a) cur:reject(a) end)
      T.git(d, 'checkout -q main')
      local out, _, code = T.git(d, 'merge other -m merged')
      assert.are.equal(0, code, out)
      local st = state(d, path)
      assert.is_true(st.rejected[ka])
      assert.is_true(st.rejected[kb])
      assert.is_nil(st.conflicts)
    end)
end)

describe('gold and the curation record', function()
  after_each(T.cleanup)

  it('are said to disagree (stance check at gold\'s record and at the decision, the curation) whatever made them',
    function()
      local d, path, s = study.curation()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
      cur:apply_agreed()
      cur:reject(cur.disputed[2]) -- human rights on sentence 2
      assert(cur:accept(cur.disputed[4], 'ben')) -- denuclearization-first on sentence 4
      assert(cur:save())
      assert.is_nil(cur:disagreement(cur.disputed[2]))
      -- by hand (or an old merge): the rejected place in gold, the accepted one gone
      local c = assert(require('stance').open(d))
      local doc = assert(c:document(path))
      local gold = assert(doc:layer('gold'))
      for _, rec in ipairs(gold:records('annotation')) do
        if rec.target == 'denuclearization-first' then gold:remove(rec.id) end
      end
      local held = assert(doc:annotate({ start = s[2].start, stop = s[2].stop, label = 'human-rights-favor',
        target = 'human-rights', stance = 'favor', role = 'premise', annotator = 'gold' }))
      assert(c:save())
      cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
      local msg, kind = cur:disagreement(cur.disputed[2])
      assert.are.equal('rejected', kind)
      assert.truthy(msg:find('the curation record rejected it, but gold holds it', 1, true), msg)
      msg, kind = cur:disagreement(cur.disputed[4])
      assert.are.equal('accepted', kind)
      assert.truthy(msg:find("accepted ben's version, but gold has nothing here", 1, true), msg)
      local line
      local n = 0
      for l in T.read(d .. '/.stance/annotations/gold/' .. path .. '.stance'):gmatch('([^\n]*)\n') do
        n = n + 1
        if l == 'annotation ' .. held.id then line = n end
      end
      local out = T.stance_run({ 'check' }, nil, d)
      assert.truthy(out:find(('.stance/annotations/gold/%s.stance:%d:1: warning: gold and the curation record disagree'
        .. ' on the annotation place of human-rights at %d-%d: the curation record rejected it'):format(path, line,
        s[2].start, s[2].stop), 1, true), out)
      assert.truthy(out:find(('.stance/curation/%s.json:1:%%d+: warning: gold and the curation record disagree on the'
        .. ' annotation place of denuclearization%%-first'):format(path:gsub('%.', '%%.'))), out)
    end)
end)

describe('one decision made by two curators', function()
  after_each(T.cleanup)

  it('merges cleanly, and gold holding both copies is said (stance check at each, the curation)', function()
    local d, path = repo()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    curate(d, path, 'main', 'cora', function(cur, a) assert(cur:accept(a, 'ana')) end)
    curate(d, path, 'other', 'dan', function(cur, a) assert(cur:accept(a, 'ana')) end)
    T.git(d, 'checkout -q main')
    local out, _, code = T.git(d, 'merge other -m merged')
    assert.are.equal(0, code, out)
    -- gold merged record by record: each curator's copy of ana's annotation (other IDs)
    local cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
    local msg, kind = cur:disagreement(cur.disputed[2])
    assert.are.equal('twice', kind)
    assert.truthy(msg:find("accepted ana's version (1 record(s)), but gold holds 2 here", 1, true), msg)
    local cout = T.stance_run({ 'check' }, nil, d)
    local _, n = cout:gsub('warning: gold and the curation record disagree on the annotation place of human%-rights', '')
    assert.are.equal(2, n, cout)
    -- deciding it again leaves one
    assert(cur:accept(cur.disputed[2], 'ana'))
    assert(cur:save())
    assert.is_nil(cur:disagreement(cur.disputed[2]))
    cout = T.stance_run({ 'check' }, nil, d)
    assert.falsy(cout:find('curation record disagree', 1, true), cout)
  end)
end)

describe('two curation sessions at once', function()
  after_each(T.cleanup)

  it('leave a place they decided differently open at the second save, said as such (not "yours kept")', function()
    local d, path = study.curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local a = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
    local b = assert(C.open(assert(require('stance').open(d)), path, nil, 'dan'))
    assert(a:accept(a.disputed[2], 'ana'))
    assert(a:save())
    b:reject(b.disputed[2])
    local ok, said = b:save()
    assert.is_true(ok)
    assert.truthy(said:find('1 conflict(s)', 1, true), said)
    assert.truthy(said:find("place " .. b.disputed[2].key .. " decided differently (ours rejected, theirs accepted"
      .. " ana's version)", 1, true), said)
    assert.falsy(said:find('yours kept', 1, true), said)
    assert.is_nil(b:resolved(b.disputed[2]))
    assert.truthy(b:disagreement(b.disputed[2]):find('two curators decided it differently', 1, true))
  end)
end)

describe('a conflict of two curators\' decisions', function()
  after_each(T.cleanup)

  it('whose place is gone (a layer changed since) is said so, and the next save removes it', function()
    local d, path = repo()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local ka
    curate(d, path, 'main', 'cora', function(cur, a)
      ka = a.key
      assert(cur:accept(a, 'ana'))
    end)
    curate(d, path, 'other', 'dan', function(cur, a) cur:reject(a) end)
    T.git(d, 'checkout -q main')
    T.git(d, 'merge other -m merged')
    T.git(d, 'add -A')
    T.git(d, 'commit -q -m merged')
    assert.truthy(state(d, path).conflicts[ka])
    -- ana makes her human rights annotation a claim: the place is another one now
    local c = assert(require('stance').open(d))
    local layer = assert(assert(c:document(path)):layer('ana'))
    for _, rec in ipairs(layer:records('annotation')) do
      if rec.target == 'human-rights' then assert(layer:update(rec.id, { role = 'claim' })) end
    end
    assert(c:save())
    local out = T.stance_run({ 'check' }, nil, d)
    assert.truthy(out:find('its place is no longer there (a layer changed since)', 1, true), out)
    local cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
    local open
    for _, p in ipairs(cur.disputed) do
      if p.key ~= ka and p.target == 'human-rights' then open = p end
    end
    assert(cur:accept(open, 'ana'))
    assert(cur:save())
    assert.is_nil(state(d, path).conflicts)
    out = T.stance_run({ 'check' }, nil, d)
    assert.falsy(out:find('two curators', 1, true), out)
  end)
end)
