-- Agreement coefficients against their published worked examples (the items of a corpus:
-- agreement_items_spec.lua).
local T = require('helpers')
local A = require('stance.agreement.coefficients')
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
    -- the exact figures: Fleiss' Pe .2201 is Σ p_j² with p_j rounded to three decimals
    -- (.144 .144 .167 .306 .239); exactly it is .21994
    local exact = { ['1'] = 0.24476, ['2'] = 0.24476, ['3'] = 0.52, ['4'] = 0.47113, ['5'] = 0.56612 }
    for c, want in pairs(exact) do
      near(want, r.categories[c], 0.00001)
    end
    near(0.21994, r.expected, 0.00001)
    near(0.2201, 0.144 ^ 2 * 2 + 0.167 ^ 2 + 0.306 ^ 2 + 0.239 ^ 2, 0.00005)
    near(0.430, r.value, 0.0005) -- .4302 both ways
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
    -- Krippendorff's .8591 is 1 - .0144/(.0532 + .0490), from the disagreements rounded to
    -- four decimals; exactly, Do = .014444 and αU = .858665
    near(0.858665, r.value, 0.000001)
    near(0.8591, 1 - tonumber(('%.4f'):format(r.observed)) / tonumber(('%.4f'):format(r.expected)), 0.00005)
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

  it('gives the same bits whatever the order of the items', function()
    local items = {}
    for i = 1, 200 do
      items[i] = { (i * 7) % 5, (i * 11) % 5 == 0 and (i * 7) % 5 or (i * 3) % 4, i % 9 == 0 and nil or (i * 13) % 5 }
    end
    local rev = {}
    for i = #items, 1, -1 do
      rev[#rev + 1] = items[i]
    end
    local a, b = A.alpha(items, 'nominal', 3), A.alpha(rev, 'nominal', 3)
    assert.are.equal(('%.17g'):format(a.value), ('%.17g'):format(b.value))
    local fa, fb = A.fleiss(items, 3), A.fleiss(rev, 3)
    assert.are.equal(('%.17g'):format(fa.value), ('%.17g'):format(fb.value))
    -- one item added 5 times weighs as 5 items
    local t1, t2 = A.tally(2), A.tally(2)
    t1:add({ 'x', 'y' }, 5)
    t1:add({ 'x', 'x' })
    for _ = 1, 5 do
      t2:add({ 'x', 'y' })
    end
    t2:add({ 'x', 'x' })
    assert.are.same(t1:alpha(), t2:alpha())
    assert.are.same(t1:cohen(1, 2), t2:cohen(1, 2))
    assert.are.same({ { 1, 0 }, { 5, 0 } }, t1:confusion(2, 1).counts) -- rows: rater 2
    -- two tallies merged are the tally of all their items
    local all, a1, a2 = A.tally(3), A.tally(3), A.tally(3)
    for i, row in ipairs(items) do
      all:add(row)
      if i % 3 == 0 then a1:add(row) else a2:add(row) end
    end
    local merged = A.tally(3)
    merged:merge(a2)
    merged:merge(a1)
    assert.are.same(all:alpha(), merged:alpha())
    assert.are.same(all:fleiss(), merged:fleiss())
    assert.are.same(all:cohen(1, 3), merged:cohen(1, 3))
    assert.are.same(all:confusion(2, 3), merged:confusion(2, 3))
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
