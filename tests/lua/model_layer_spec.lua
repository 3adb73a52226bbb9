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

end)
