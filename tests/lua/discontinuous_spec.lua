-- A discontinuous annotation (blockwise gs, brat's fragments) counts span by span: each span
-- for the sentences it overlaps by at least half of the shorter of span and sentence, in every
-- consumer that maps annotations to sentences (agreement, exports, the model's examples and
-- stance eval), through one function (stance.agreement.items.units_of / counts); tryout 14 F4.
local T = require('helpers')
local json = require('stance.json')
local items = require('stance.agreement.items')

describe('a span counts for a unit by itself', function()
  it('counts each piece of a discontinuous annotation for its own sentence', function()
    -- "Doug" (92-96) in the byline [92, 103) and "The D" (105-110) in [105, 200): each piece
    -- lies inside its sentence; added up (9) they would be more than twice either overlap
    local units = { starts = { 0, 92, 105 }, stops = { 90, 103, 200 } }
    local hits = items.units_of(units, { { 92, 96 }, { 105, 110 } })
    assert.are.same({ { 2, { { 92, 96 } } }, { 3, { { 105, 110 } } } }, hits)
    -- a span that runs three code points into the next sentence counts for the first only
    assert.are.same({ { 2, { { 95, 103 } } } }, items.units_of(units, { { 95, 108 } }))
    -- one over two whole sentences counts for both
    assert.are.same({ 2, 3 }, { items.units_of(units, { { 92, 200 } })[1][1], items.units_of(units, { { 92, 200 } })[2][1] })
    -- a piece over the end of one sentence and the start of the next, mostly in neither
    assert.are.same({ { 3, { { 120, 130 } } } }, items.units_of(units, { { 100, 108 }, { 120, 130 } }))
    assert.is_true(items.counts(92, 96, 92, 103))
    assert.is_false(items.counts(100, 108, 105, 200)) -- 3 of 8 in the second
  end)
end)

describe('a discontinuous annotation on the study', function()
  after_each(T.cleanup)

  --- The study's five articles and schema in a new folder; nil when ../shared is absent.
  local function study()
    local d = require('helpers.study').corpus()
    if not d then return nil end
    local c = assert(require('stance').open(d))
    local paths = c:paths()
    table.sort(paths)
    return d, c, paths[1]
  end

  --- What the model's examples say of engagement on sentences a and b of document `path`
  --- (the class its annotations give each: { a's, b's }).
  local function engagement_known(c, path, a, b)
    local res = assert(require('stance.model').run(c, { predict = { path }, all = true }))
    local at
    for i, dr in ipairs(res.documents) do
      if dr.path == path then at = i end
    end
    local known = {}
    for _, p in ipairs(res.predictions(assert(at))) do
      if p.start == a.start then known[1] = p.targets.engagement.known end
      if p.start == b.start then known[2] = p.targets.engagement.known end
    end
    return known
  end

  it('counts both pieces in agreement, the sentence exports, the model and stance eval', function()
    local d, c, path = study()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local doc = assert(c:document(path))
    local s = doc:sentences()
    local a, b = s[3], s[4]
    assert.is_true(a.stop - a.start > 20 and b.stop - b.start > 20)
    -- ana: "The " of one sentence and "The U" of the next, one annotation; ben: each sentence
    assert(doc:annotate({ spans = { { a.start, a.start + 4 }, { b.start, b.start + 5 } }, label = 'engagement-favor',
      role = 'premise', annotator = 'ana' }))
    for _, x in ipairs({ a, b }) do
      assert(doc:annotate({ start = x.start, stop = x.stop, label = 'engagement-favor', role = 'premise',
        annotator = 'ben' }))
    end
    assert(doc:set_status('done', 'ana'))
    assert(doc:set_status('done', 'ben'))
    assert(c:save())
    c = assert(require('stance').open(d))
    -- agreement: the two agree on every (sentence, target) item and every role
    local r = assert(c:agreement({ fields = { 'stance', 'role' }, disagreements = true }))
    for _, f in ipairs(r.fields) do
      if f.field == 'stance' then
        for _, t in ipairs(f.targets) do
          if t.target == 'engagement' then assert.are.equal(1, t.agreement) end
        end
      end
      if f.field == 'role' then assert.are.equal(1, f.pooled.agreement) end
    end
    -- the sentence export: ana's label on both sentences
    local out, err, code = T.run(('cd %s && %s export --to jsonl --unit sentence --annotator ana'):format(T.q(d),
      T.q(T.stance)))
    assert.are.equal(0, code, err)
    local labelled = {}
    for line in out:gmatch('[^\n]+') do
      local row = json.decode(line)
      if row.document == path and #row.labels > 0 then labelled[#labelled + 1] = row.sentence end
    end
    assert.are.same({ 3, 4 }, labelled)
    -- the model's examples from ana alone: favor on both sentences
    os.execute(('rm -rf %s/.stance/annotations/ben'):format(T.q(d)))
    c = assert(require('stance').open(d))
    local known = engagement_known(c, path, a, b)
    assert.are.same({ 'favor', 'favor' }, known)
  end)

  it('leaves the sentence a span only runs into out of the model\'s examples, as agreement does', function()
    local d, c, path = study()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local doc = assert(c:document(path))
    local s = doc:sentences()
    local a, b = s[3], s[4]
    -- sentence a and the first three code points of b: favor on a only; b is "none" (done)
    assert(doc:annotate({ start = a.start, stop = b.start + 3, label = 'engagement-favor', role = 'premise',
      annotator = 'ana' }))
    assert(doc:set_status('done', 'ana'))
    assert(c:save())
    c = assert(require('stance').open(d))
    local known = engagement_known(c, path, a, b)
    assert.are.equal('favor', known[1])
    assert.are_not.equal('favor', known[2])
  end)
end)
