-- The items of agreement on a corpus (:help stance-agreement): figures worked by hand on a
-- small corpus made with the scripting API (several targets in one sentence, a stance named
-- `none`, done documents without annotations, documents not started or in progress, gold
-- and model layers), the same bytes whatever the IDs, and the study of ../shared on its
-- five articles.
local T = require('helpers')
local json = require('stance.json')

local function near(want, got, tol)
  assert.is_number(got)
  assert.is_true(math.abs(want - got) <= (tol or 1e-12), ('expected %.6f, got %.6f'):format(want, got))
end

local SCHEMA = [[
format stance 1

corpus
  include "*.txt"
  not-annotators baseline

target t1
  key 1
target t2
  key 2

stance favor
  key f
stance against
  key a
stance none
  key n

role claim
  key c
role premise
  key p

label favor
  key f
  stance favor
  ask target role
label against
  key a
  stance against
  ask target role
label none
  key n
  stance none
  ask target role
label claim
  key c
  role claim
label irony
  key i
]]

-- Document A: four sentences; B: two (done by both, never annotated); C: ana done, ben never
-- opened it; D: ana done, ben in progress.
local TEXTS = {
  ['a.txt'] = 'Alpha one. Beta two. Gamma three. Delta four.\n',
  ['b.txt'] = 'Epsilon five. Zeta six.\n',
  ['c.txt'] = 'Eta seven. Theta eight.\n',
  ['d.txt'] = 'Iota nine. Kappa ten.\n',
}

--- What each layer says, sentence by sentence: {doc, sentence, fields...}; `part` = "first
--- word" annotates the sentence's first word only; `spill` starts the annotation two code
--- points before the sentence (in the one before it).
local PLAN = {
  ana = {
    { 'a.txt', 1, label = 'favor', target = 't1', stance = 'favor', role = 'claim' },
    { 'a.txt', 1, label = 'against', target = 't2', stance = 'against', role = 'claim' },
    { 'a.txt', 2, label = 'none', target = 't1', stance = 'none', role = 'premise' },
    { 'a.txt', 3, label = 'irony' },
    { 'a.txt', 4, label = 'favor', target = 't2', stance = 'favor', role = 'claim', spill = true },
    { 'c.txt', 1, label = 'favor', target = 't1', stance = 'favor', role = 'claim' },
    { 'd.txt', 1, label = 'favor', target = 't1', stance = 'favor', role = 'claim' },
  },
  ben = {
    { 'a.txt', 1, label = 'favor', target = 't1', stance = 'favor', role = 'claim' },
    { 'a.txt', 1, label = 'favor', target = 't2', stance = 'favor', role = 'premise' },
    { 'a.txt', 3, label = 'against', target = 't1', stance = 'against', role = 'premise' },
    { 'a.txt', 3, label = 'favor', target = 't1', stance = 'favor', role = 'premise', part = 'first word' },
    { 'a.txt', 3, label = 'irony' },
    { 'a.txt', 4, label = 'favor', target = 't2', stance = 'favor', role = 'claim' },
    { 'd.txt', 1, label = 'against', target = 't1', stance = 'against', role = 'claim' },
  },
  gold = {
    { 'a.txt', 1, label = 'against', target = 't1', stance = 'against', role = 'claim' },
  },
  model = {
    { 'a.txt', 2, label = 'favor', target = 't2', stance = 'favor' },
  },
  baseline = {
    { 'a.txt', 3, label = 'favor', target = 't2', stance = 'favor' },
  },
}

local DONE = {
  ana = { 'a.txt', 'b.txt', 'c.txt', 'd.txt' },
  ben = { 'a.txt', 'b.txt' }, -- d.txt stays in progress (it has an annotation)
  gold = { 'a.txt', 'b.txt' },
  model = { 'a.txt', 'b.txt' },
  baseline = { 'a.txt', 'b.txt' },
}

--- A corpus with the plan; `order` "reversed" adds everything the other way round (other
--- IDs, other order of records).
local function corpus(order)
  local d = T.tmpdir()
  T.write(d .. '/.stance/schema.stance', SCHEMA)
  for name, text in pairs(TEXTS) do
    T.write(d .. '/' .. name, text)
  end
  local c = assert(require('stance').open(d))
  local who = { 'ana', 'ben', 'gold', 'model', 'baseline' }
  if order == 'reversed' then who = { 'baseline', 'model', 'gold', 'ben', 'ana' } end
  for _, name in ipairs(who) do
    local plan = PLAN[name]
    local first, last, step = 1, #plan, 1
    if order == 'reversed' then first, last, step = #plan, 1, -1 end
    for i = first, last, step do
      local p = plan[i]
      local doc = assert(c:document(p[1]))
      local s = doc:sentences()[p[2]]
      local a, b = s.start, s.stop
      if p.part == 'first word' then b = a + #s.text:match('^%S+') end
      if p.spill then a = a - 2 end
      assert(doc:annotate({ start = a, stop = b, label = p.label, target = p.target, stance = p.stance, role = p.role,
        annotator = name }))
    end
    for _, path in ipairs(DONE[name]) do
      assert(assert(c:document(path)):set_status('done', name))
    end
  end
  local a = assert(c:document('a.txt'))
  assert(a:set_label({ target = 't1', stance = 'favor', annotator = 'ana' }))
  assert(a:set_label({ target = 't1', stance = 'favor', annotator = 'ben' }))
  assert(a:set_label({ target = 't2', stance = 'against', annotator = 'ben' }))
  assert(c:save())
  return d
end

local function field(report, name)
  for _, f in ipairs(report.fields) do
    if f.field == name then return f end
  end
end

local function target(f, name)
  for _, t in ipairs(f.targets) do
    if t.target == name then return t end
  end
end

--- Write `who`'s annotation file of `doc` in corpus `d` by hand (marked done): `body` is
--- its records, as the format has them.
local function done_file(d, who, doc, body)
  T.write(('%s/.stance/annotations/%s/%s.stance'):format(d, who, doc),
    ('format stance 1\n\ndocument "%s"\n  annotator %s\n  status done\n\n'):format(doc, who) .. (body or ''))
end

--- A corpus whose schema has stances and no targets: ana favors the first of two sentences,
--- ben is against it, toward `toward` (nil: no target).
local function no_targets(toward)
  local d = T.tmpdir()
  T.write(d .. '/.stance/schema.stance', 'format stance 1\n\nstance favor\n  key f\nstance against\n  key a\n\n'
    .. 'label favor\n  key f\n  stance favor\nlabel against\n  key a\n  stance against\n')
  T.write(d .. '/a.txt', 'One sentence here. Two sentences here.\n')
  for who, v in pairs({ ana = 'favor', ben = 'against' }) do
    done_file(d, who, 'a.txt', ('annotation x1\n  span 0-18\n  label %s\n%s  stance %s\n'):format(v,
      toward and ('  target ' .. toward .. '\n') or '', v))
  end
  return d
end

describe('agreement on a corpus', function()
  after_each(T.cleanup)

  it('builds (sentence, target) items: figures worked by hand', function()
    local d = corpus()
    local r = assert(assert(require('stance').open(d)):agreement())
    assert.are.same({ 'ana', 'ben' }, r.annotators)
    -- gold, model and the schema's not-annotators are not people
    local nc = {}
    for _, l in ipairs(r.not_counted) do
      nc[l.layer] = l.reason
    end
    assert.truthy(nc.gold:find('curation', 1, true))
    assert.truthy(nc.model:find('model', 1, true))
    assert.truthy(nc.baseline:find('not-annotators', 1, true))
    -- documents: a and b counted; c (ben not started) and d (ben in progress) left out
    local docs = {}
    for _, e in ipairs(r.documents) do
      docs[e.path] = e
    end
    assert.is_nil(docs['a.txt'].left_out)
    assert.is_nil(docs['b.txt'].left_out)
    assert.truthy(docs['c.txt'].left_out:find('ben not started', 1, true))
    assert.truthy(docs['d.txt'].left_out:find('ben in progress', 1, true))
    assert.are.same({ ana = 'done', ben = 'in-progress' }, docs['d.txt'].status)

    local st = field(r, 'stance')
    assert.are.equal('(sentence, target)', st.item)
    -- the stance named none is a value; null is no stance
    assert.are.same({ 'favor', 'against', 'none', json.null }, st.values)
    -- t1 over the 6 sentences of a and b: (favor, favor) (none, -) (-, against) (-, -) x3.
    -- Ben's "favor" on the first word of a's third sentence covers less of it than his
    -- "against": against counts. Po = 4/6, Pe = (1*1 + 4*4)/36 = 17/36, κ = 7/19.
    local t1 = target(st, 't1')
    assert.are.equal(6, t1.items)
    near(7 / 19, t1.kappa)
    near(4 / 6, t1.agreement)
    -- Fleiss: P̄ = (4*4 + 2*2 - 12)/12 = 2/3, Pe = (2² + 1 + 1 + 8²)/144 = 70/144: κ = 13/37
    near(13 / 37, t1.fleiss)
    -- Krippendorff: Do = 4/12, De = (144 - 70)/132: α = 1 - (4/12)/(74/132) = 15/37
    near(15 / 37, t1.alpha)
    -- t2: (against, favor) (-,-) (-,-) (favor, favor) (-,-) x2: ana's fourth-sentence
    -- annotation starts two code points into the third sentence and does not count there.
    -- Po = 5/6, Pe = (1*2 + 4*4)/36 = 1/2, κ = 2/3
    local t2 = target(st, 't2')
    near(2 / 3, t2.kappa)
    -- pooled over the 12 items: Po = 9/12, Pe = (2*3 + 1*1 + 8*8)/144 = 71/144, κ = 37/73
    near(37 / 73, st.pooled.kappa)
    assert.are.equal(12, st.pooled.items)
    -- the confusion matrix of the pair (rows ana, columns ben)
    local pair = t1.pairs[1]
    assert.are.same({ 'ana', 'ben' }, { pair.a, pair.b })
    assert.are.same({
      { 1, 0, 0, 0 }, -- ana favor
      { 0, 0, 0, 0 }, -- ana against
      { 0, 0, 0, 1 }, -- ana none: ben no stance
      { 0, 1, 0, 3 }, -- ana no stance
    }, pair.confusion.counts)
    assert.are.same({ ana = 0 }, { ana = st.several.ana or 0 })
    assert.are.equal(1, st.several.ben) -- a's third sentence, t1: against over favor

    -- roles on their own: (claim, claim) (premise, -) (-, premise) (claim, claim) (-, -) x2.
    -- Ben's first sentence has claim and premise over all of it: the first in the schema
    -- (claim) counts. Po = 4/6, Pe = (2*2 + 1*1 + 3*3)/36 = 14/36, κ = 5/11
    local role = field(r, 'role')
    assert.are.equal('sentence', role.item)
    assert.is_nil(role.targets)
    near(5 / 11, role.pooled.kappa)
    -- plain labels only: irony on a's third sentence by both; favor/claim labels are not
    -- compared as labels
    local label = field(r, 'label')
    assert.are.same({ 'irony', json.null }, label.values)
    near(1, label.pooled.kappa)
    -- document stances: (a, t1) (favor, favor); (a, t2) (-, against); b: (-, -) x2
    -- Po = 3/4, Pe = (1*1 + 3*2)/16 = 7/16, κ = 5/9
    local doc = field(r, 'document')
    assert.are.equal('(document, target)', doc.item)
    near(5 / 9, doc.pooled.kappa)
  end)

  it('counts documents in progress when asked, and the layers named', function()
    local d = corpus()
    local c = assert(require('stance').open(d))
    local r = assert(c:agreement({ in_progress = true, fields = { 'stance' } }))
    assert.are.equal(1, #r.fields)
    local st = r.fields[1]
    -- d.txt now counts: 2 more sentences x 2 targets; its first sentence, t1: favor/against
    assert.are.equal(16, st.pooled.items)
    assert.are.equal('counted', r.in_progress)
    -- gold asked for: ana against gold, on a and b (gold marked them done)
    r = assert(c:agreement({ annotators = { 'ana', 'gold' }, fields = { 'stance' }, targets = { 't1' } }))
    assert.are.same({ 'ana', 'gold' }, r.annotators)
    local t1 = r.fields[1].targets[1]
    assert.are.equal(1, #r.fields[1].targets)
    -- t1: (favor, against) (none, -) (-, -) x4: Po = 4/6, Pe = (4*5)/36, κ = (24-20)/(36-20)
    near(4 / 16, t1.kappa)
    local _, err = c:agreement({ annotators = { 'ana', 'nobody' } })
    assert.truthy(err:find("no layer 'nobody'", 1, true), err)
    _, err = c:agreement({ annotators = { 'ana' } })
    assert.truthy(err:find('two annotators or more', 1, true), err)
    _, err = c:agreement({ targets = { 'nope' } })
    assert.truthy(err:find("unknown target 'nope'", 1, true), err)
  end)

  it('warns when a layer was made on another version of the text, and says how to place it again', function()
    local d = corpus()
    T.write(d .. '/b.txt', 'Epsilon five. Zeta six, and more.\n')
    local out = T.stance_run({ 'agree', '--field', 'stance' }, nil, d)
    assert.truthy(out:find('\nb.txt%s+done%s+done\n  warning: ana annotated another version of the text %(counted'
      .. ' where its words are now; those not found are not counted: stance check lists them, stance fmt %-%-reanchor'
      .. ' writes the new places%)\n  warning: ben'), out)
    local _, err, code = T.stance_run({ 'fmt', '--reanchor' }, nil, d)
    assert.are.equal(0, code, err)
    assert.falsy((T.stance_run({ 'agree', '--field', 'stance' }, nil, d)):find('warning', 1, true))
  end)

  it('counts no annotation whose words are gone (an orphan), in agreement and in curation', function()
    local d = corpus()
    -- sentence 1 of a.txt rewritten, the same length: ana's and ben's annotations of it are
    -- orphans, and their offsets point at the new words
    T.write(d .. '/a.txt', (TEXTS['a.txt']:gsub('Alpha one%.', 'Omega six.')))
    local c = assert(require('stance').open(d))
    for _, unit in ipairs({ 'sentence', 'span' }) do
      local r = assert(c:agreement({ disagreements = true, fields = { 'stance' }, unit = unit }))
      for _, dis in ipairs(r.fields[1].disagreements or {}) do
        assert.falsy(tostring(dis.text):find('Omega', 1, true), unit .. ': ' .. tostring(dis.text))
      end
    end
    local r = assert(c:agreement({ disagreements = true, fields = { 'stance' } }))
    -- left: t1 on sentences 2 and 3 (sentence 1's t2 disagreement went with its words)
    assert.are.equal(2, #r.fields[1].disagreements)
    local places, outside = require('stance.curation').places(assert(c:document('a.txt')), { 'ana', 'ben' })
    assert.are.equal(4, outside)
    for _, p in ipairs(places) do
      assert.is_true(p.kind ~= 'annotation' or p.start >= #'Omega six.', p.kind .. ' ' .. tostring(p.start))
    end
  end)

  it('lists the disagreements with their text', function()
    local d = corpus()
    local r = assert(assert(require('stance').open(d)):agreement({ disagreements = true, fields = { 'stance' } }))
    local list = r.fields[1].disagreements
    -- t1: sentences 2 and 3 of a; t2: sentence 1 of a
    assert.are.equal(3, #list)
    assert.are.same({ 'a.txt', 1, 't2', 'Alpha one.' }, { list[1].path, list[1].line, list[1].target, list[1].text })
    assert.are.same({ ana = 'against', ben = 'favor' }, list[1].values)
    assert.are.same({ ana = 'none', ben = json.null }, list[2].values)
    assert.are.equal('Beta two.', list[2].text)
    assert.are.equal('t1', list[3].target)
  end)

  it('gives the same bytes for the same annotations, whatever their IDs and order', function()
    local one, two = corpus(), corpus('reversed')
    local function run(d, ...)
      local out, err, code = T.stance_run({ 'agree', '--json', '--disagreements', ... }, nil, d)
      assert.are.equal(0, code, err)
      return out
    end
    local a, b = run(one), run(two)
    assert.are.equal(a, b)
    assert.are.equal(a, run(one))
    assert.are.equal(run(one, '--unit', 'token'), run(two, '--unit', 'token'))
    assert.are.equal(run(one, '--unit', 'span'), run(two, '--unit', 'span'))
    -- the IDs differ
    local fa = T.read(one .. '/.stance/annotations/ana/a.txt.stance')
    local fb = T.read(two .. '/.stance/annotations/ana/a.txt.stance')
    assert.are_not.equal(fa:match('annotation (%S+)'), fb:match('annotation (%S+)'))
    -- the text report: the documents left out and why, per target
    local out, err, code = T.stance_run({ 'agree' }, nil, one)
    assert.are.equal(0, code, err)
    assert.truthy(out:find('agreement of ana, ben on 2 of 4 document(s), unit sentence', 1, true), out)
    assert.truthy(out:find('c.txt%s+done%s+not started%s+left out: fewer than two annotators done %(ben not started%)'),
      out)
    assert.truthy(out:find('d.txt%s+done%s+in progress%s+left out'), out)
    assert.truthy(out:find('\nt1%s+6%s+0%.667%s+0%.368%s+0%.351%s+0%.405\n'), out)
    assert.truthy(out:find('\n%(pooled%)%s+12%s+0%.750%s+0%.507'), out)
    assert.truthy(out:find('layers not counted: baseline', 1, true), out)
  end)

  it('stance stats counts what the exports hold: not the model nor the schema\'s not-annotators, unless named', function()
    local d = corpus()
    local function annotators(...)
      local out, err, code = T.stance_run({ 'stats', '--json', ... }, nil, d)
      assert.are.equal(0, code, err)
      local names = {}
      for n in pairs(json.decode(out).by.annotator) do
        names[#names + 1] = n
      end
      table.sort(names)
      return table.concat(names, ','), out
    end
    assert.are.equal('ana,ben,gold', (annotators()))
    assert.are.equal('ana,ben,gold,model', (annotators('--with-suggestions')))
    assert.are.equal('baseline', (annotators('--annotator', 'baseline')))
    local out = T.stance_run({ 'stats' }, nil, d)
    assert.truthy(out:find("layers not counted: model (the model's suggestions: --with-suggestions counts them),"
      .. " baseline (named in the schema's not-annotators: --annotator baseline counts it)", 1, true), out)
  end)

  it('gives in this host, again and again, the bytes the stance command gives', function()
    -- under LuaJIT (Neovim's Lua), pairs() can drop entries once a loop is compiled
    -- (LuaJIT issues 827, 1510): many runs in one process make the loops hot
    local d = corpus()
    local want = T.stance_run({ 'agree', '--json', '--disagreements' }, nil, d)
    local c = assert(require('stance').open(d))
    for _ = 1, 60 do
      local r = assert(c:agreement({ disagreements = true }))
      assert.are.equal(want, json.encode(r) .. '\n')
    end
  end)

  it('keeps hostile files apart: a stance spelled "(no stance)", spans outside the text', function()
    local d = T.tmpdir()
    T.write(d .. '/.stance/schema.stance', SCHEMA)
    T.write(d .. '/a.txt', 'One sentence here. Two sentences here.\n')
    done_file(d, 'ana', 'a.txt', table.concat({
      'annotation x1\n  span 0-18\n  label favor\n  target t1\n  stance "(no stance)"\n',
      'annotation x2\n  span 99990-100000\n  label favor\n  target t1\n  stance favor\n',
      'annotation x3\n  span 5-10 12-18 19-25\n  label against\n  target t2\n  stance against\n',
    }, '\n'))
    -- (a file holding a merge conflict leaves ben out of a.txt whole: conflict_layers_spec)
    done_file(d, 'ben', 'a.txt', 'annotation y1\n  span 0-18\n  label favor\n  target t1\n  stance favor\n')
    local out, err, code = T.stance_run({ 'agree', '--disagreements', '--field', 'stance' }, nil, d)
    -- a stance the schema does not have: counted as a value of its own, said, exit 1
    assert.are.equal(1, code, err)
    assert.truthy(out:find([[ana: 1 record with stance '(no stance)', which the schema does not have (the first at]]
      .. [[ .stance/annotations/ana/a.txt.stance:]], 1, true), out)
    -- a value that is not a name is quoted, never read as no stance
    assert.truthy(out:find('a.txt:1:1: t1: ana "(no stance)" | ben favor | One sentence here.', 1, true), out)
    -- x3 counts span by span (tryout 14 F4): 5-10 and 12-18 inside the first sentence, 19-25
    -- inside the second: it counts for both (its 17 code points added up would count for the
    -- first only)
    assert.truthy(out:find('a.txt:1:1: t2: ana against | ben (no stance)', 1, true), out)
    assert.truthy(out:find('a.txt:1:20: t2: ana against | ben (no stance)', 1, true), out)
    -- x2 is past the end of the text (its text is gone): not counted, and said
    assert.truthy(out:find('not counted: 1 annotation(s) with a span outside the text', 1, true), out)
    assert.falsy(out:find('covering no sentence', 1, true), out)
    -- a folder whose name holds a line end is no layer (stance never names one so, adversary
    -- 14 finding 4): left out, said on one line on stderr, exit 1
    done_file(d, 'c\nd', 'a.txt')
    out, err, code = T.stance_run({ 'agree', '--field', 'stance' }, nil, d)
    assert.are.equal(1, code, out .. err)
    assert.truthy(out:find('agreement of ana, ben on 1 of 1', 1, true), out)
    assert.truthy(err:find(".stance/annotations/c\\nd:1:1: a folder named c\\nd, a name stance never gives", 1, true),
      err)
    os.execute('rm -rf ' .. T.q(d .. '/.stance/annotations/c\nd'))
    local r = json.decode((T.stance_run({ 'agree', '--json', '--field', 'stance' }, nil, d)))
    assert.are.same({ 'favor', 'against', 'none', '(no stance)', json.null }, r.fields[1].values)
    out = T.stance_run({ 'agree', '--unit', 'span', '--field', 'stance' }, nil, d)
    assert.truthy(out:find('not counted: 1 annotation(s) with a span outside the text', 1, true), out)
  end)

  it('refuses a target that is neither the schema\'s nor, without targets in the schema, any annotation\'s',
    function()
      local d = corpus()
      local c = assert(require('stance').open(d))
      local _, err = c:agreement({ unit = 'span', targets = { 'nope' } })
      assert.truthy(err:find("unknown target 'nope' (the schema has t1, t2)", 1, true), err)
      -- a schema without targets: the targets are those the annotations name
      local ce = assert(require('stance').open(no_targets('tax')))
      for _, unit in ipairs({ 'sentence', 'span' }) do
        _, err = ce:agreement({ unit = unit, targets = { 'nope' } })
        assert.truthy(err and err:find("unknown target 'nope' (the schema lists no targets", 1, true), unit)
        assert(ce:agreement({ unit = unit, targets = { 'tax' } }))
      end
      local r = assert(ce:agreement({ targets = { 'tax' }, fields = { 'stance' } }))
      -- (favor, against) (-, -): Po = 1/2, Pe = (1/2)(0) + (0)(1/2) + (1/2)(1/2) = 1/4, κ = 1/3
      local tax = r.fields[1].targets[1]
      assert.are.same({ 'tax', 2 }, { tax.target, tax.items })
      near(1 / 3, tax.kappa)
    end)

  it('without any target: the items are the sentences, and there is no per-target table', function()
    local d = no_targets()
    local r = assert(assert(require('stance').open(d)):agreement({ disagreements = true }))
    local st = field(r, 'stance')
    assert.are.same({ 'sentence', 'the stance, or no stance' }, { st.item, st.value })
    assert.is_nil(st.targets)
    -- (favor, against) (-, -): Po = 1/2, Pe = 1/4: κ = 1/3
    assert.are.equal(2, st.pooled.items)
    near(1 / 3, st.pooled.kappa)
    assert.is_nil(st.disagreements[1].target)
    local out = T.stance_run({ 'agree', '--disagreements' }, nil, d)
    assert.truthy(out:find('stance: items sentence; value the stance, or no stance\n%s+items', 1), out)
    assert.truthy(out:find('\n%(all%)%s+2%s+0%.500%s+0%.333'), out)
    assert.truthy(out:find('a.txt:1:1: ana favor | ben against | One sentence here.', 1, true), out)
  end)

  it('three annotators, one missing on a document: figures worked by hand', function()
    local d = T.tmpdir()
    T.write(d .. '/.stance/schema.stance', 'format stance 1\n\nlabel irony\n  key i\nlabel sarcasm\n  key s\n')
    T.write(d .. '/a.txt', 'One here. Two there. Three now.\n')
    T.write(d .. '/b.txt', 'Four here. Five there.\n')
    local function layer(who, doc, spans)
      local recs = {}
      for i, sp in ipairs(spans) do
        recs[i] = ('annotation %s%d\n  span %d-%d\n  label %s\n'):format(who, i, sp[1], sp[2], sp[3])
      end
      done_file(d, who, doc, table.concat(recs, '\n'))
    end
    -- a: (irony, sarcasm, -) (-, irony, -) (-, -, -); b, cy not started: (irony, irony) (-, -)
    layer('ann', 'a.txt', { { 0, 9, 'irony' } })
    layer('bob', 'a.txt', { { 0, 9, 'sarcasm' }, { 10, 20, 'irony' } })
    layer('cy', 'a.txt', {})
    layer('ann', 'b.txt', { { 0, 10, 'irony' } })
    layer('bob', 'b.txt', { { 0, 10, 'irony' } })
    local r = assert(assert(require('stance').open(d)):agreement())
    assert.are.same({ 'ann', 'bob', 'cy' }, r.annotators)
    local f = field(r, 'label')
    local all = f.pooled
    assert.are.equal(5, all.items)
    -- equal pairs over all pairs: 0 + 1 + 3 (a) + 1 + 1 (b) of 3 + 3 + 3 + 1 + 1
    near(6 / 11, all.agreement)
    -- Fleiss over the items all three rated (a's): P̄ = 4/9, Pe = (2² + 1 + 6²)/81 = 41/81
    assert.are.equal(3, all.fleiss_items)
    near((4 / 9 - 41 / 81) / (1 - 41 / 81), all.fleiss)
    -- Krippendorff over the 13 values: o(I,S) = o(S,I) = o(S,N) = o(N,S) = 1/2, o(I,N) = o(N,I)
    -- = 3/2; n = (I 4, S 1, N 8): Do = 5/13, De = 2(4 + 32 + 8)/156: α = 7/22
    assert.are.equal(5, all.alpha_items)
    near(7 / 22, all.alpha)
    near(5 / 13, all.alpha_observed)
    near(88 / 156, all.alpha_expected)
    assert.is_nil(all.kappa) -- Cohen's κ is per pair with three annotators
    local pairs = {}
    for _, p in ipairs(all.pairs) do
      pairs[p.a .. '-' .. p.b] = p
    end
    -- ann-bob on 5 items: Po = 3/5, Pe = .4 * .4 + .6 * .4 = .4: κ = 1/3; ann-cy and bob-cy
    -- on a's 3: κ = 0 (cy has no stance anywhere: Pe = Po)
    assert.are.same({ 5, 3, 3 }, { pairs['ann-bob'].items, pairs['ann-cy'].items, pairs['bob-cy'].items })
    near(1 / 3, pairs['ann-bob'].kappa)
    near(0, pairs['ann-cy'].kappa)
    near(0, pairs['bob-cy'].kappa)
    -- the documents: b counted for ann and bob, cy not started there
    assert.are.same({ 'ann', 'bob' }, r.documents[2].counted)
    assert.are.equal('not-started', r.documents[2].status.cy)
  end)

  it('counts thousands of copies of one annotation as one (the same figures, linear work)', function()
    local function with(copies)
      local d = no_targets()
      local body = {}
      for i = 1, copies do
        body[#body + 1] = ('annotation c%d\n  span 0-38\n  label favor\n  stance favor\n'):format(i)
      end
      body[#body + 1] = 'annotation z\n  span 0-18\n  label against\n  stance against\n'
      done_file(d, 'ana', 'a.txt', table.concat(body, '\n'))
      return assert(assert(require('stance').open(d)):agreement())
    end
    local one, many = with(1), with(3000)
    assert.are.same(json.encode(one), json.encode(many))
    -- the two values of ana's first sentence are still several
    assert.are.same(1, field(many, 'stance').several.ana)
  end)

  it('keeps pairwise figures up to PAIRS_MAX annotators, pooled ones for more', function()
    local C = require('stance.agreement.coefficients')
    local function with(n)
      local d = no_targets()
      for i = 1, n do
        local v = i % 3 == 0 and 'against' or 'favor'
        done_file(d, ('r%02d'):format(i), 'a.txt', ('annotation x1\n  span 0-18\n  label %s\n  stance %s\n'):format(v, v))
      end
      return assert(assert(require('stance').open(d)):agreement())
    end
    local few = field(with(C.PAIRS_MAX - 2), 'stance').pooled -- and ana, ben
    assert.is_nil(few.pairs_over)
    assert.are.same(C.PAIRS_MAX * (C.PAIRS_MAX - 1) / 2, #few.pairs)
    local r = with(C.PAIRS_MAX - 1)
    local many = field(r, 'stance').pooled
    assert.are.same(C.PAIRS_MAX, many.pairs_over)
    assert.is_nil(many.pairs)
    assert.is_number(many.alpha)
    assert.is_number(many.fleiss)
    local text = table.concat(require('stance.agreement').lines(r), '\n')
    assert.truthy(text:find("kappa of each pair: not computed for more than " .. C.PAIRS_MAX, 1, true))
    -- a tally of many raters never makes the pairs' tables
    local t = C.tally(300)
    local row = {}
    for i = 1, 300 do
      row[i] = i % 2 == 0
    end
    t:add(row, 5)
    assert.are.same({}, t.pairs)
    assert.is_number(t:alpha('nominal').value)
  end)

  it('compares the spans per target and stance', function()
    local d = corpus()
    local r = assert(assert(require('stance').open(d)):agreement({ unit = 'span', fields = { 'stance' } }))
    local cats = {}
    for _, c in ipairs(r.fields[1].categories) do
      cats[#cats + 1] = c.category
    end
    assert.are.same({ 't1 favor', 't1 against', 't1 none', 't2 favor', 't2 against' }, cats)
    assert.is_number(r.fields[1].alpha_u)
    assert.is_true(r.fields[1].alpha_u < 1)
  end)
end)

describe('agreement on the study of ../shared', function()
  after_each(T.cleanup)
  local study = require('helpers.study_layers')

  --- Cohen's κ, Scott's π (Fleiss' κ of two) and Krippendorff's α of two coders without
  --- missing values, from pairs of values, the textbook way.
  local function two_coders(pairs_)
    local n, agree, ca, cb, all = #pairs_, 0, {}, {}, {}
    for _, p in ipairs(pairs_) do
      if p[1] == p[2] then agree = agree + 1 end
      ca[p[1]] = (ca[p[1]] or 0) + 1
      cb[p[2]] = (cb[p[2]] or 0) + 1
      all[p[1]] = (all[p[1]] or 0) + 1
      all[p[2]] = (all[p[2]] or 0) + 1
    end
    local po, pe_c, pe_s, sq = agree / n, 0, 0, 0
    for v, k in pairs(all) do
      pe_c = pe_c + ((ca[v] or 0) / n) * ((cb[v] or 0) / n)
      pe_s = pe_s + (k / (2 * n)) ^ 2
      sq = sq + k * k
    end
    local m = 2 * n
    return { kappa = (po - pe_c) / (1 - pe_c), fleiss = (po - pe_s) / (1 - pe_s),
      alpha = 1 - (m - 1) * (2 * (n - agree)) / (m * m - sq), agreement = po, items = n }
  end

  it('gives per-target κ, Fleiss κ and α over (sentence, target) items, the same bytes every time', function()
    local d, paths = study.make()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local c = assert(require('stance').open(d))
    -- the expected figures, from the plan and the corpus's sentences
    local per, pooled = {}, {}
    for k = 0, 2 do -- documents both marked done
      local doc = assert(c:document(paths[k + 1]))
      for i = 1, #doc:sentences() do
        local val = { ana = {}, ben = {} }
        for _, who in ipairs({ 'ana', 'ben' }) do
          for _, v in ipairs(study.says(who, k, i)) do
            val[who][v[1]] = v[2]
          end
        end
        for _, t in ipairs(study.TARGETS) do
          local p = { val.ana[t] or '-', val.ben[t] or '-' }
          per[t] = per[t] or {}
          per[t][#per[t] + 1] = p
          pooled[#pooled + 1] = p
        end
      end
    end
    local out, err, code = T.stance_run({ 'agree', '--json' }, nil, d)
    assert.are.equal(0, code, err)
    local r = json.decode(out)
    assert.are.same({ 'ana', 'ben' }, r.annotators)
    local st = r.fields[1]
    assert.are.equal('stance', st.field)
    assert.are.equal(4, #st.targets)
    for i, t in ipairs(study.TARGETS) do
      local e = st.targets[i]
      assert.are.equal(t, e.target)
      local want = two_coders(per[t])
      assert.are.equal(want.items, e.items)
      for _, m in ipairs({ 'kappa', 'fleiss', 'alpha', 'agreement' }) do
        near(want[m], e[m], 1e-12)
      end
      assert.is_true(e.kappa < 1, t) -- every target has a disagreement
    end
    local want = two_coders(pooled)
    for _, m in ipairs({ 'kappa', 'fleiss', 'alpha', 'agreement' }) do
      near(want[m], st.pooled[m], 1e-12)
    end
    -- documents left out, and why; gold and model are not counted
    local left = {}
    for _, e in ipairs(r.documents) do
      if e.left_out then left[e.path] = e.left_out end
    end
    assert.truthy(left[paths[4]]:find('ben in progress', 1, true))
    assert.truthy(left[paths[5]]:find('ben not started', 1, true))
    assert.are.equal(3, #r.documents - 2)
    assert.are.same({ 'gold', 'model' }, { r.not_counted[1].layer, r.not_counted[2].layer })
    -- role on its own, document stances too
    assert.are.same({ 'stance', 'role', 'document' }, { r.fields[1].field, r.fields[2].field, r.fields[3].field })
    -- the same bytes: again, and on the same annotations made the other way round
    assert.are.equal(out, (T.stance_run({ 'agree', '--json' }, nil, d)))
    local again = study.make(true)
    local out2 = T.stance_run({ 'agree', '--json' }, nil, again)
    assert.are.equal(out, out2)
    local text = T.stance_run({ 'agree' }, nil, d)
    assert.are.equal(text, (T.stance_run({ 'agree' }, nil, again)))
    assert.truthy(text:find('\nhuman%-rights%s+%d+%s+0%.%d+'), text)
  end)
  it('leaves an annotator whose file is broken out of that document (never "no stance"), says where, exits 3',
    function()
      local d, paths = study.make()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local ann = d .. '/.stance/annotations/ben/'
      -- the same corpus without ben's file of the first document: the figures it must give
      local ref = T.tmpdir()
      os.execute(('cp -r %s/. %s/'):format(T.q(d), T.q(ref)))
      os.remove(ref .. '/.stance/annotations/ben/' .. paths[1] .. '.stance')
      local want = json.decode((T.stance_run({ 'agree', '--json' }, nil, ref)))
      -- cut short in the middle of a quote (a collaborator's copy truncated)
      local text = assert(T.read(ann .. paths[1] .. '.stance'))
      local at = assert(text:find('quote "', 1, true))
      T.write(ann .. paths[1] .. '.stance', text:sub(1, at + 12))
      local out, err, code = T.stance_run({ 'agree', '--json' }, nil, d)
      assert.are.equal(3, code, err)
      local r = json.decode(out)
      assert.are.equal(1, #r.incomplete)
      assert.are.equal('ben', r.incomplete[1].annotator)
      assert.are.equal(paths[1], r.incomplete[1].path)
      assert.truthy(r.incomplete[1].where:find('^%.stance/annotations/ben/' .. paths[1]:gsub('%p', '%%%0')
        .. '%.stance:%d+:%d+: '), r.incomplete[1].where)
      -- ben's lost annotations are not "no stance": the document is left out, as without his file
      assert.are.same(want.fields, r.fields)
      for _, e in ipairs(r.documents) do
        if e.path == paths[1] then
          assert.truthy(e.left_out:find("ben's file has errors", 1, true), e.left_out)
          assert.truthy(e.warnings[1]:find('ben is left out of this document', 1, true), e.warnings[1])
        end
      end
      -- said in the text, on stderr, and in the exit status
      out, err, code = T.stance_run({ 'agree' }, nil, d)
      assert.are.equal(3, code)
      assert.truthy(out:find('INCOMPLETE: 1 annotation file(s) with errors', 1, true), out)
      assert.truthy(out:find('  ben on ' .. paths[1] .. ': .stance/annotations/ben/' .. paths[1] .. '.stance:', 1, true),
        out)
      assert.truthy(err:find('stance agree: incomplete: ben left out of ' .. paths[1], 1, true), err)
      -- git's conflict markers in another document's file: that one left out too
      local other = assert(T.read(ann .. paths[2] .. '.stance'))
      local cut = assert(other:find('\nannotation ', 1, true))
      T.write(ann .. paths[2] .. '.stance', other:sub(1, cut) .. '<<<<<<< HEAD\n' .. other:sub(cut + 1)
        .. '=======\n>>>>>>> theirs\n')
      local out3, _, code3 = T.stance_run({ 'agree', '--json' }, nil, d)
      assert.are.equal(3, code3)
      r = json.decode(out3)
      assert.are.same({ paths[1], paths[2] }, { r.incomplete[1].path, r.incomplete[2].path })
      -- stance report: the page says so, and the exit status
      local _, rerr, rcode = T.stance_run({ 'report', '--no-model' }, nil, d)
      assert.are.equal(3, rcode, rerr)
      assert.truthy(rerr:find('stance report: agreement incomplete: ben left out of ' .. paths[1], 1, true), rerr)
      local page = assert(T.read(d .. '/.stance/report/report.html'))
      assert.truthy(page:find('INCOMPLETE: 2 annotation file(s) with errors', 1, true))
    end)
end)
