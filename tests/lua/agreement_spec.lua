-- Agreement coefficients against their published worked examples, then on corpora: figures
-- computed by hand for a small one, and the CLI on the example corpus.
local T = require('helpers')
local A = require('stance.agreement')
local json = require('stance.json')

local function fixtures()
  local path = (T.shared and T.shared .. '/agreement/textbook_examples.json')
    or (T.root .. '/tests/fixtures/agreement/textbook_examples.json')
  if T.shared and not T.exists(path) then path = T.root .. '/tests/fixtures/agreement/textbook_examples.json' end
  return json.decode(assert(T.read(path))).fixtures
end

local function rows(items, n)
  local out = {}
  for i, r in ipairs(items) do
    out[i] = {}
    for j = 1, n do
      local v = r[j]
      if v ~= json.null then out[i][j] = v end
    end
  end
  return out
end

local function near(want, got, tol)
  assert.is_number(got)
  assert.is_true(math.abs(want - got) <= tol, ('expected %.4f, got %.4f (tolerance %g)'):format(want, got, tol))
end

describe('agreement coefficients (published worked examples)', function()
  local F = fixtures()

  it("Fleiss' κ: Fleiss (1971), 30 items, 6 raters", function()
    local f = F.fleiss1971
    local r = A.fleiss(rows(f.items, f.raters), f.raters)
    near(f.expected.fleiss_kappa, r.value, f.tolerance)
    near(f.expected.observed_agreement, r.observed, f.tolerance)
    near(f.expected.expected_agreement, r.expected, f.tolerance)
    -- Fleiss printed the category κ computed from rounded proportions: exactly, they are
    -- .2448 .2448 .5200 .4711 .5661; dkpro-statistics tests them to .005, as we do
    for c, want in pairs(f.expected.category_kappa) do
      near(want, r.categories[c], 0.005)
    end
    near(0.2448, r.categories['1'], 0.0001)
  end)

  it("Krippendorff's α, nominal: Krippendorff (1980), examples 1 and 2", function()
    for _, name in ipairs({ 'krippendorff1980_ex1', 'krippendorff1980_ex2' }) do
      local f = F[name]
      local r = A.alpha(rows(f.items, f.raters), 'nominal', f.raters)
      near(f.expected.alpha_nominal, r.value, f.tolerance)
      near(f.expected.observed_disagreement, r.observed, f.tolerance)
      near(f.expected.expected_disagreement, r.expected, f.tolerance)
      near(f.expected.percentage_agreement, r.agreement, f.tolerance)
    end
  end)

  it("Krippendorff's α, ordinal, with missing values: Hayes & Krippendorff (2007)", function()
    local f = F.hayes_krippendorff2007
    near(f.expected.krippendorff_alpha_ordinal, A.alpha(rows(f.items, f.raters), 'ordinal', f.raters).value, f.tolerance)
  end)

  it("Krippendorff's unitizing αU: Krippendorff (2004, p. 254)", function()
    local f = F.krippendorff2004_unitizing
    local units = {}
    for i, u in ipairs(f.units) do
      units[i] = { rater = u.rater + 1, offset = u.offset, length = u.length, category = u.category }
    end
    local r = A.alpha_u(units, f.raters, f.continuum_begin, f.continuum_length)
    near(f.expected.alpha_u_all, r.value, f.tolerance)
    for c, want in pairs(f.expected.alpha_u_category) do
      near(want, r.categories[c].value, f.tolerance)
      near(f.expected.observed_category_disagreement[c], r.categories[c].observed, f.tolerance)
      near(f.expected.expected_category_disagreement[c], r.categories[c].expected, f.tolerance)
    end
    for _, d in ipairs(f.distance_checks) do
      local a = d.args
      near(d.expected, A.unit_distance(a[1], a[2], a[3] ~= json.null, a[4], a[5], a[6] ~= json.null), 1e-9)
    end
  end)

  it("Cohen's κ and span F1 on small cases worked by hand", function()
    -- po = 3/4; pe = .5 * .25 + .5 * .75 = .5; κ = .5
    local k = A.cohen({ { 'f', 'f' }, { 'f', 'n' }, { 'n', 'n' }, { 'n', 'n' } })
    near(0.5, k.value, 1e-12)
    near(0.75, k.observed, 1e-12)
    local ref = { { 0, 10, 'favor' }, { 20, 30, 'against' } }
    local pred = { { 0, 10, 'favor' }, { 22, 30, 'against' }, { 40, 50, 'favor' } }
    local exact = A.spans_prf(ref, pred, false)
    near(1 / 3, exact.precision, 1e-12)
    near(1 / 2, exact.recall, 1e-12)
    near(0.4, exact.f1, 1e-12)
    local over = A.spans_prf(ref, pred, true)
    near(2 / 3, over.precision, 1e-12)
    near(1, over.recall, 1e-12)
    near(1, over.labels.against.f1, 1e-12)
    near(2 / 3, over.labels.favor.f1, 1e-12)
  end)
end)

describe('stance agree', function()
  after_each(T.cleanup)

  local function small()
    local d = T.tmpdir()
    T.run(('%s init %s'):format(T.q(T.stance), T.q(d)))
    T.write(d .. '/a.txt', 'one two three four\n')
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('a.txt'))
    assert(doc:annotate({ start = 0, stop = 7, label = 'claim', annotator = 'ana' })) -- "one two"
    assert(doc:annotate({ start = 0, stop = 3, label = 'claim', annotator = 'ben' })) -- "one"
    assert(c:save())
    return d
  end

  it('gives the figures worked by hand on a small corpus', function()
    local d = small()
    local out, err, code = T.run(('%s agree --json %s'):format(T.q(T.stance), T.q(d)))
    assert.are.equal(0, code, err)
    local r = json.decode(out)
    -- tokens: one (claim, claim), two (claim, none), three and four (none, none)
    near(0.5, r.corpus.kappa, 1e-9)
    near(0.75, r.corpus.agreement, 1e-9)
    assert.are.equal(4, r.corpus.items)
    out = T.run(('%s agree --unit span --json %s'):format(T.q(T.stance), T.q(d)))
    r = json.decode(out)
    near(0, r.corpus.f1_exact, 1e-9)
    near(1, r.corpus.f1_overlap, 1e-9)
    assert.is_number(r.corpus.alpha_u)
    assert.is_true(r.corpus.alpha_u < 1)
  end)

  it('prints a table per document and per label on the example corpus, and refuses bad use', function()
    local dir = T.root .. '/doc/example/corpus'
    local out, err, code = T.run(('cd %s && %s agree'):format(T.q(dir), T.q(T.stance)))
    assert.are.equal(0, code, err)
    assert.truthy(out:find('annotators ana, ben; 2 document%(s%)'), out)
    assert.truthy(out:find('01_charge_works.txt%s+%d+%s+0%.%d+'), out)
    assert.truthy(out:find('\nfavor%s+0%.%d+'), out)
    out = T.run(('cd %s && %s agree --unit sentence --label favor'):format(T.q(dir), T.q(T.stance)))
    assert.truthy(out:find('\nfavor%s'), out)
    assert.falsy(out:find('\nagainst%s'), out)
    local _, e2, c2 = T.run(('cd %s && %s agree --annotators ana'):format(T.q(dir), T.q(T.stance)))
    assert.are.equal(1, c2)
    assert.truthy(e2:find('two annotators or more', 1, true), e2)
    out = T.run(('cd %s && %s agree --metric kappa,alpha'):format(T.q(dir), T.q(T.stance)))
    assert.truthy(out:find('items%s+kappa%s+alpha\n'), out)
    assert.falsy(out:find('fleiss', 1, true), out)
    local _, e4, c4 = T.run(('cd %s && %s agree --unit span --metric kappa'):format(T.q(dir), T.q(T.stance)))
    assert.are.equal(2, c4)
    assert.truthy(e4:find("unknown metric 'kappa' for unit span (alpha_u, f1)", 1, true), e4)
    local _, e3, c3 = T.run(('cd %s && %s agree --unit word'):format(T.q(dir), T.q(T.stance)))
    assert.are.equal(2, c3)
    assert.truthy(e3:find("unknown unit 'word'", 1, true), e3)
  end)
end)
