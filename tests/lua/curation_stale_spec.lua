-- A gold marked done whose annotators' layers changed after the curation (stance.curation_stale):
-- said even when another annotator's file is broken (cannot tell), naming only the layers
-- that differ from those the curation decided everything with.
local T = require('helpers')
local study = require('helpers.study_layers')
local C = require('stance.curation')

--- The study's curation corpus curated to the end (every disputed place rejected): gold done.
local function curated()
  local d, path, s = study.curation()
  if not d then return nil end
  local cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
  cur:apply_agreed()
  for _, p in ipairs(cur.disputed) do
    cur:reject(p)
  end
  assert(cur:save())
  assert.are.equal('done', cur.gold:status())
  return d, path, s
end

--- `who` annotates sentence i with sanctions (favor, premise); the new annotation's id.
local function add(d, path, s, who, i)
  local c = assert(require('stance').open(d))
  local rec = assert(assert(c:document(path)):annotate({ start = s[i].start, stop = s[i].stop,
    label = 'sanctions-favor', role = 'premise', annotator = who }))
  assert(c:save())
  return rec.id
end

describe('stale gold', function()
  after_each(T.cleanup)

  it('names only the layers that differ from what was curated (one changed and restored is not named)', function()
    local d, path, s = curated()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    add(d, path, s, 'ana', 5)
    -- ben adds one and takes it back: his layer is what was curated again
    local id = add(d, path, s, 'ben', 6)
    local c = assert(require('stance').open(d))
    assert(assert(assert(c:document(path)):layer('ben')):remove(id))
    assert(c:save())
    local st = require('stance.curation_stale').of(assert(require('stance').open(d)), path)
    assert.are.same({ 'ana' }, st.changed)
    local out = T.stance_run({ 'check' }, nil, d)
    -- before: "a layer of ana, ben changed after the curation"
    assert.truthy(out:find('gold is marked done, but 1 place(s) are undecided: a layer of ana changed after the'
      .. ' curation;', 1, true), out)
  end)

  it('says it cannot tell whether gold is current while another annotator\'s file is broken', function()
    local d, path, s = curated()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    add(d, path, s, 'ana', 5)
    local out = T.stance_run({ 'check' }, nil, d)
    assert.truthy(out:find('gold is marked done, but 1 place(s) are undecided', 1, true), out)
    -- ben's file broken (a conflict marker left by hand): before, the warning went silent
    local ben = d .. '/.stance/annotations/ben/' .. path .. '.stance'
    T.write(ben, T.read(ben) .. '<<<<<<< ours\n')
    local err
    out, err = T.stance_run({ 'check' }, nil, d)
    assert.truthy(out:find(('.stance/annotations/gold/%s.stance:%%d+:%%d+: warning: gold is marked done; cannot tell'
      .. " whether it is current: ben's file has errors %%(stance check lists them%%)"):format(path:gsub('%.', '%%.'))),
      out)
    assert.truthy(err:find('1 error', 1, true), err)
  end)
end)
