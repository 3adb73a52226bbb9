-- The model layer shared through git (:help stance-git): a suggestion's ID is derived from its
-- document, sentence and target (stance.model.suggestion_id), so that `stance suggest` run
-- again on unchanged data writes the same bytes and two people's runs merge to one record per
-- sentence and target (before: random IDs, every run rewrote every file, and a merge kept
-- both people's records of one sentence: "annotation 3nfxvjno5o4w ... annotation beezavr3g5qo",
-- the same label and confidence). Rejections (g-) stay across runs and merges. And `stance
-- stats` leaves the model's suggestions out unless asked (--with-suggestions), as agree does.
local T = require('helpers')
local core = require('stance.core')

local DOC4 = '004_e35aa5ebcc029514.txt'
local MODEL4 = '.stance/annotations/model/' .. DOC4 .. '.stance'

--- The study's corpus in folder `d` (the articles, the schema, the fixture's annotations), 004
--- unread (its fixture file removed): its sentences get suggestions.
local function study(d)
  os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && cp -r %s'
    .. ' %s/.stance/annotations/'):format(T.q(d), T.q(T.shared), T.q(d),
      T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d), T.q(T.root .. '/tests/fixtures/study/annotations/fixture'),
      T.q(d)))
  os.remove(d .. '/.stance/annotations/fixture/' .. DOC4 .. '.stance')
end

local function suggest(d, extra)
  local out, err, code = T.run(('cd %s && STANCE_WATCH=off %s suggest %s'):format(T.q(d), T.q(T.stance), extra or ''))
  assert.are.equal(0, code, out .. err)
  return out
end

--- The suggestions of a model layer's text by "START-END TARGET": their records (rejections
--- apart), failing on a second one for a place and target.
local function by_place(text)
  local store = assert(core.read(assert(text)))
  local out, rejections = {}, {}
  for _, r in ipairs(store:records('annotation')) do
    assert.is_nil(r.conflict, r.id)
    local key = ('%d-%d %s'):format(r.spans[1][1], r.spans[1][2], r.target or '')
    if (r.note or ''):match('^rejected') then
      rejections[#rejections + 1] = r
    else
      assert.is_nil(out[key], ('two suggestions for %s: %s and %s'):format(key, out[key] and out[key].id, r.id))
      out[key] = r
    end
  end
  return out, rejections, store
end

local function count(t)
  local n = 0
  for _ in pairs(t) do
    n = n + 1
  end
  return n
end

describe('the model layer', function()
  after_each(T.cleanup)

  it('gives a suggestion the ID of its document, sentence and target, and a run on unchanged data writes the'
    .. ' same bytes', function()
    if not T.shared then return pending('../shared/corpus is not here') end
    local d = T.tmpdir()
    study(d)
    suggest(d, '--min-prob 0.05')
    local first = assert(T.read(d .. '/' .. MODEL4))
    local model = require('stance.model')
    local sugg = by_place(first)
    assert.is_true(count(sugg) > 20, first)
    for _, r in pairs(sugg) do
      assert.are.equal(model.suggestion_id(DOC4, r.spans, r.target), r.id)
    end
    os.execute('sleep 1.1') -- a new `created` would show
    suggest(d, '--min-prob 0.05')
    assert.are.equal(first, T.read(d .. '/' .. MODEL4))
    -- fewer (the model's decisions only): those that stay are the same records, byte for byte
    suggest(d, '')
    local decided = by_place(T.read(d .. '/' .. MODEL4))
    assert.is_true(count(decided) > 0 and count(decided) < count(sugg))
    for key, r in pairs(decided) do
      r.line, r.slot, sugg[key].line, sugg[key].slot = nil, nil, nil, nil
      assert.are.same(sugg[key], r)
    end
  end)

  it('keeps a rejection across runs, and the suggestion it refused is not written again', function()
    if not T.shared then return pending('../shared/corpus is not here') end
    local d = T.tmpdir()
    study(d)
    suggest(d, '--min-prob 0.05')
    local sugg, _, store = by_place(T.read(d .. '/' .. MODEL4))
    -- rejected as the editor's g- records it: a record of its own (a minted ID), the note
    local key, r = next(sugg)
    local rej = { kind = 'annotation', id = core.new_id(), spans = r.spans, label = r.label, stance = r.stance,
      target = r.target, confidence = r.confidence, note = 'rejected by ana', created = '2026-12-01T10:00:00Z' }
    assert(store:add(rej))
    T.write(d .. '/' .. MODEL4, store:write())
    suggest(d, '--min-prob 0.05')
    local after, rejections = by_place(T.read(d .. '/' .. MODEL4))
    assert.are.equal(1, #rejections)
    assert.are.equal(rej.id, rejections[1].id)
    assert.is_nil(after[key]) -- the same stance toward the same target there: not again
    assert.are.equal(count(sugg) - 1, count(after))
    local text = T.read(d .. '/' .. MODEL4)
    suggest(d, '--min-prob 0.05')
    assert.are.equal(text, T.read(d .. '/' .. MODEL4))
  end)

  it('decides again a suggestion an older merge left in conflict (both versions): none left marked', function()
    if not T.shared then return pending('../shared/corpus is not here') end
    local d = T.tmpdir()
    study(d)
    suggest(d, '--min-prob 0.05')
    local sugg, _, store = by_place(T.read(d .. '/' .. MODEL4))
    local _, r = next(sugg)
    -- as stance merge wrote it before the model layer's own rule: both versions, marked
    assert(store:remove(r.id))
    local theirs = {}
    for k, v in pairs(r) do
      theirs[k] = v
    end
    r.conflict, theirs.conflict, theirs.confidence = 'ours', 'theirs', '0.999'
    r.line, r.slot, theirs.line, theirs.slot = nil, nil, nil, nil
    assert(store:add(r))
    assert(store:add(theirs))
    T.write(d .. '/' .. MODEL4, store:write())
    suggest(d, '--min-prob 0.05')
    local after = by_place(T.read(d .. '/' .. MODEL4)) -- fails on a record marked `conflict`
    assert.are.equal(count(sugg), count(after))
  end)

  it('merges two people\'s runs through git into one suggestion per sentence and target', function()
    if not T.shared then return pending('../shared/corpus is not here') end
    local d = T.tmpdir()
    T.git(d, 'init -q -b main')
    local _, ierr, icode = T.run(('cd %s && %s init --git .'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, icode, ierr)
    study(d)
    T.git(d, 'add -A')
    T.git(d, 'commit -q -m study')
    T.git(d, 'branch ana')
    -- ben: every likely stance
    suggest(d, '--min-prob 0.05')
    local ben = by_place(T.read(d .. '/' .. MODEL4))
    T.git(d, 'add -A')
    T.git(d, 'commit -q -m ben')
    -- ana, a second later: the model's decisions
    os.execute('sleep 1.1')
    T.git(d, 'checkout -q ana')
    suggest(d, '')
    local ana = by_place(T.read(d .. '/' .. MODEL4))
    T.git(d, 'add -A')
    T.git(d, 'commit -q -m ana')
    local shared = 0
    for key in pairs(ana) do
      if ben[key] then shared = shared + 1 end
    end
    assert.is_true(shared > 0)
    local out, _, code = T.git(d, 'merge -q --no-edit main')
    assert.are.equal(0, code, out)
    local merged = by_place(T.read(d .. '/' .. MODEL4)) -- fails on a second suggestion for a place
    assert.are.equal(count(ben) + count(ana) - shared, count(merged))
    -- the export has one row per suggestion
    local csv, cerr, ccode = T.run(('cd %s && STANCE_WATCH=off %s export --to csv --with-suggestions'):format(
      T.q(d), T.q(T.stance)))
    assert.are.equal(0, ccode, cerr)
    local rows = 0
    for line in csv:gmatch('[^\n]+') do
      if line:find(DOC4, 1, true) and line:find('model', 1, true) then rows = rows + 1 end
    end
    assert.are.equal(count(merged), rows)
  end)
end)

describe('stance merge of the model layer', function()
  after_each(T.cleanup)

  local function layer(recs)
    local s = core.store()
    s:set_header('document', 'doc.txt')
    s:set_header('annotator', 'model')
    for _, r in ipairs(recs) do
      assert(s:add(r))
    end
    return s:write()
  end
  local function sug(id, conf, created, extra)
    local r = { kind = 'annotation', id = id, spans = { { 0, 17 } }, label = 'favor', stance = 'favor',
      target = 'engagement', confidence = conf, created = created }
    for k, v in pairs(extra or {}) do
      r[k] = v
    end
    return r
  end
  local function merge(base, ours, theirs)
    local d = T.tmpdir()
    T.write(d .. '/base', base)
    T.write(d .. '/ours', ours)
    T.write(d .. '/theirs', theirs)
    local out, err, code = T.stance_run({ 'merge', 'base', 'ours', 'theirs',
      '.stance/annotations/model/doc.txt.stance' }, nil, d)
    local s, problems = core.read(T.read(d .. '/ours'))
    for _, p in ipairs(problems) do
      assert.are_not.equal('error', p.severity, p.message)
    end
    return s, code, out .. err
  end

  it('keeps one version of a suggestion both sides made differently: the newer, never a conflict', function()
    local s, code, said = merge('', layer({ sug('s1', '0.237', '2026-12-01T10:00:00Z') }),
      layer({ sug('s1', '0.412', '2026-12-01T11:00:00Z') }))
    assert.are.equal(0, code, said)
    assert.are.equal(1, s:count('annotation'))
    assert.are.equal('0.412', s:get('s1').confidence)
    assert.is_nil(s:get('s1').conflict)
    assert.truthy(said:find('one version kept', 1, true), said)
    -- ours the newer: ours
    s, code = merge('', layer({ sug('s1', '0.237', '2026-12-01T12:00:00Z') }),
      layer({ sug('s1', '0.412', '2026-12-01T11:00:00Z') }))
    assert.are.equal(0, code)
    assert.are.equal('0.237', s:get('s1').confidence)
  end)

  it('keeps ours, unsaid, of a suggestion both sides made the same at other times', function()
    local s, code, said = merge('', layer({ sug('s1', '0.237', '2026-12-01T10:00:00Z') }),
      layer({ sug('s1', '0.237', '2026-12-01T11:00:00Z') }))
    assert.are.equal(0, code, said)
    assert.are.equal(1, s:count('annotation'))
    assert.are.equal('2026-12-01T10:00:00Z', s:get('s1').created)
    assert.are.equal('', said)
  end)

  it('keeps a rejection over a suggestion of the same ID, and a change over a deletion', function()
    local rej = sug('s1', '0.237', '2026-12-01T10:00:00Z', { note = 'rejected by ana' })
    local s, code, said = merge('', layer({ rej }), layer({ sug('s1', '0.412', '2026-12-01T11:00:00Z') }))
    assert.are.equal(0, code, said)
    assert.are.equal('rejected by ana', s:get('s1').note)
    local base = layer({ sug('s1', '0.237', '2026-12-01T10:00:00Z') })
    s, code, said = merge(base, layer({}), layer({ sug('s1', '0.412', '2026-12-01T11:00:00Z') }))
    assert.are.equal(0, code, said)
    assert.are.equal('0.412', s:get('s1').confidence)
    assert.is_nil(s:get('s1').conflict)
  end)

  it('keeps one of two suggestions with minted IDs for the same sentence and target (the newer)', function()
    local s, code, said = merge('', layer({ sug('3nfxvjno5o4w', '0.237', '2026-12-01T10:00:00Z') }),
      layer({ sug('beezavr3g5qo', '0.237', '2026-12-01T11:00:00Z'),
        sug('other', '0.5', '2026-12-01T11:00:00Z', { target = 'sanctions', label = 'against', stance = 'against' }) }))
    assert.are.equal(0, code, said)
    assert.are.equal(2, s:count('annotation'))
    assert.truthy(s:get('beezavr3g5qo') and s:get('other'))
    assert.truthy(said:find('1 second suggestion', 1, true), said)
  end)

  it('still keeps both versions of a person\'s record changed on both sides', function()
    local function person(text) return (text:gsub('annotator model', 'annotator ana')) end
    local d = T.tmpdir()
    T.write(d .. '/base', '')
    T.write(d .. '/ours', person(layer({ sug('s1', '0.237', '2026-12-01T10:00:00Z') })))
    T.write(d .. '/theirs', person(layer({ sug('s1', '0.412', '2026-12-01T11:00:00Z') })))
    local _, _, code = T.stance_run({ 'merge', 'base', 'ours', 'theirs', '.stance/annotations/ana/doc.txt.stance' },
      nil, d)
    assert.are.equal(1, code)
  end)
end)

describe('stance stats and the model layer', function()
  after_each(T.cleanup)

  it('leaves the model\'s suggestions out and says so; --with-suggestions counts them', function()
    if not T.shared then return pending('../shared/corpus is not here') end
    local d = T.tmpdir()
    study(d)
    local function stats(extra)
      local out, err, code = T.run(('cd %s && STANCE_WATCH=off %s stats %s'):format(T.q(d), T.q(T.stance), extra))
      assert.are.equal(0, code, out .. err)
      return out
    end
    local people = tonumber(stats(''):match('annotations%s+(%d+)'))
    suggest(d, '--min-prob 0.05')
    local sugg = count(by_place(T.read(d .. '/' .. MODEL4)))
    local out = stats('')
    assert.are.equal(people, tonumber(out:match('annotations%s+(%d+)')), out)
    assert.falsy(out:find('\nmodel ', 1, true), out)
    assert.truthy(out:find('layers not counted: model', 1, true), out)
    local with = stats('--with-suggestions')
    assert.are.equal(people + sugg, tonumber(with:match('annotations%s+(%d+)')), with)
    assert.truthy(with:find('\nmodel%s+' .. sugg .. '\n'), with)
    assert.falsy(with:find('layers not counted', 1, true), with)
    -- named: counted
    local named = stats('--annotator model')
    assert.are.equal(sugg, tonumber(named:match('annotations%s+(%d+)')), named)
    local j = require('stance.json').decode(stats('--json'))
    assert.are.equal(people, j.annotations)
    assert.are.equal('model', j.not_counted[1].layer)
    local by = stats('--by document')
    assert.truthy(by:find('layers not counted: model', 1, true), by)
    -- rejected in the editor (g-: a record of its own beside the suggestion until the next
    -- `stance suggest`): neither counted, as exports leave both out
    local sg, _, store = by_place(T.read(d .. '/' .. MODEL4))
    local _, r = next(sg)
    assert(store:add({ kind = 'annotation', id = core.new_id(), spans = r.spans, label = r.label, stance = r.stance,
      target = r.target, confidence = r.confidence, note = 'rejected by ana', created = '2026-12-01T10:00:00Z' }))
    T.write(d .. '/' .. MODEL4, store:write())
    with = stats('--with-suggestions')
    assert.are.equal(people + sugg - 1, tonumber(with:match('annotations%s+(%d+)')), with)
  end)
end)
