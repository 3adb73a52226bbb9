-- Data sets of SemEval-2016 Task 6's format (stance.semeval, `stance eval --semeval`), on
-- small files these tests write (the task's own files are never copied here: their licence
-- forbids it). No score is asserted but the metric's arithmetic on a hand-made case; what is
-- checked is reading (header, CRLF, Windows-1252, bad lines reported with line and column),
-- that the model learns one target at a time from its own tweets, that no class is invented,
-- determinism, and the command.
local T = require('helpers')
local sem = require('stance.semeval')
local json = require('stance.json')

local HEAD = 'ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment'

local PRO = { 'we should keep the parks open', 'parks make the city better', 'more parks please',
  'I love our green parks', 'fund the parks now' }
local CON = { 'parks waste our money', 'close the parks', 'no more parks', 'parks are a burden',
  'stop funding parks' }
local NIL = { 'the bus was late again', 'lunch was fine today', 'rain all week', 'my cat sleeps a lot',
  'the game ends at nine' }
local TAX = { 'taxes must go down', 'cut the tax now', 'lower taxes help us', 'tax relief works',
  'taxes too high' }

--- Lines of a synthetic data set: `n` tweets per class for target Parks and, with `taxes`,
--- tweets for a second target that only ever favors (one stance seen).
local function lines(n, first_id, taxes)
  local out, id = {}, first_id
  for i = 1, n do
    for k, set in ipairs({ PRO, CON, NIL }) do
      id = id + 1
      out[#out + 1] = ('%d\tParks\t%s #%d #SemST\t%s\tTARGET\tNEITHER'):format(id, set[(i - 1) % 5 + 1], i,
        ({ 'FAVOR', 'AGAINST', 'NONE' })[k])
    end
    if taxes then
      id = id + 1
      out[#out + 1] = ('%d\tTaxes\t%s #%d #SemST\tFAVOR\tTARGET\tNEITHER'):format(id, TAX[(i - 1) % 5 + 1], i)
    end
  end
  return out
end

local function write_set(dir, crlf)
  local nl = crlf and '\r\n' or '\n'
  os.execute(('mkdir -p %s'):format(T.q(dir)))
  T.write(dir .. '/trainingdata-all-annotations.txt', HEAD .. nl .. table.concat(lines(20, 100, true), nl) .. nl)
  T.write(dir .. '/testdata-taskA-all-annotations.txt', HEAD .. nl .. table.concat(lines(5, 1000, true), nl) .. nl)
end

describe('SemEval-2016 Task 6 data sets', function()
  it('reads the task format: header, CRLF, Windows-1252 lines, optional columns', function()
    local d = T.tmpdir()
    T.write(d .. '/a.txt', HEAD .. '\r\n1\tParks\tcaf\233 in the park\tfavor\tTARGET\tPOSITIVE\r\n'
      .. '2\tParks\tplain \226\128\156quoted\226\128\157 text\tNONE\r\n\r\n')
    local rows = assert(sem.read(d .. '/a.txt'))
    assert.equals(2, #rows)
    assert.same({ '1', 'Parks', 'caf\195\169 in the park', 'FAVOR', 2 },
      { rows[1].id, rows[1].target, rows[1].text, rows[1].stance, rows[1].line })
    assert.equals('plain \226\128\156quoted\226\128\157 text', rows[2].text) -- UTF-8 left as it is
    assert.equals('NONE', rows[2].stance)
  end)

  it('reports a line it cannot read with its line and column, and reads nothing', function()
    local d = T.tmpdir()
    T.write(d .. '/bad.txt', HEAD .. '\n1\tParks\tok\tFAVOR\n2\tParks\tnot a stance\tMAYBE\n')
    local rows, err = sem.read(d .. '/bad.txt')
    assert.is_nil(rows)
    assert.truthy(err:find('bad.txt:3:', 1, true), err)
    assert.truthy(err:find("stance 'MAYBE'", 1, true), err)
    T.write(d .. '/short.txt', '1\tParks only two fields\n')
    rows, err = sem.read(d .. '/short.txt')
    assert.is_nil(rows)
    assert.truthy(err:find('short.txt:1:', 1, true), err)
    rows, err = sem.read(d .. '/absent.txt')
    assert.is_nil(rows)
    assert.truthy(err)
  end)

  it('scores as the task does: F1 of favor and against over pooled counts, their mean', function()
    -- gold rows, guessed columns: none, favor, against
    local s = sem.scores({ { 5, 1, 0 }, { 1, 3, 0 }, { 0, 2, 8 } })
    -- favor: precision 3/6, recall 3/4; against: precision 8/8, recall 8/10
    assert.near(2 * (0.5 * 0.75) / 1.25, s.f_favor, 1e-12)
    assert.near(2 * (1 * 0.8) / 1.8, s.f_against, 1e-12)
    assert.near((s.f_favor + s.f_against) / 2, s.f_avg, 1e-12)
    assert.equals(20, s.n)
  end)

  it('learns one model per target from its tweets, invents no class, gives the same figures each time',
    function()
      local d = T.tmpdir()
      write_set(d, true)
      local data = assert(sem.load({ dir = d }))
      assert.equals(80, #data.train)
      assert.equals(20, #data.test)
      local r1 = sem.evaluate(data)
      local r2 = sem.evaluate(data)
      assert.same(r1.model.f_avg, r2.model.f_avg)
      assert.same(r1.bar.f_avg, r2.bar.f_avg)
      local parks, taxes
      for _, t in ipairs(r1.targets) do
        if t.name == 'Parks' then parks = t elseif t.name == 'Taxes' then taxes = t end
      end
      assert.equals(60, parks.train)
      assert.equals(15, parks.test)
      assert.same({ NONE = 5, FAVOR = 5, AGAINST = 5 }, parks.support)
      -- Taxes saw favor only: nothing may be called against (its F1 of against is 0 and no
      -- against was guessed: no false positives, the favor tweets are all found or called none)
      assert.equals(0, taxes.model.f_against)
      assert.is_true(taxes.model.f_favor >= 0)
      -- a clean separable set: the model finds the stances of Parks
      assert.is_true(parks.model.f_avg > 0.5, tostring(parks.model.f_avg))
      assert.equals(80, r1.train)
    end)

  it('cross-validates on the training tweets alone: each held out once per split, the same each time',
    function()
      local d = T.tmpdir()
      write_set(d, false)
      local data = assert(sem.load({ dir = d }))
      data.test = nil -- never read
      local cands = { model = {}, bar = sem.bar_candidate(), older = { c = 1, char_min = 2 } }
      local r1 = sem.cross_validate(data, cands, { folds = 4, seeds = { 3, 5 } })
      local r2 = sem.cross_validate(data, cands, { folds = 4, seeds = { 3, 5 } })
      assert.same({ 'Parks', 'Taxes' }, r1.targets)
      for _, name in ipairs({ 'model', 'bar', 'older' }) do
        assert.equals(2 * #data.train, r1[name].n) -- every training tweet once per split
        assert.equals(2 * 60, r1[name].per.Parks.n)
        assert.same(r1[name].f_avg, r2[name].f_avg)
        assert.is_true(r1[name].per.Parks.f_avg > 0.5, name .. ' ' .. tostring(r1[name].per.Parks.f_avg))
        assert.equals(0, r1[name].per.Taxes.f_against) -- favor only seen: against never invented
      end
      -- another split, other folds (the shuffle is the seed's)
      local r3 = sem.cross_validate(data, { model = {} }, { folds = 4, seeds = { 9 } })
      assert.equals(#data.train, r3.model.n)
    end)

  it('stance eval --semeval prints the task metric next to the bar; JSON; errors name the file', function()
    local d = T.tmpdir()
    write_set(d, false)
    local out, err, code = T.run(('%s eval --semeval %s'):format(T.q(T.stance), T.q(d)))
    assert.equals(0, code, err)
    assert.truthy(out:find('F_avg', 1, true), out)
    assert.truthy(out:find('bar: SVM word 1-3 + char 2-5-grams', 1, true), out)
    assert.truthy(out:find('published F_avg 0.6898', 1, true), out)
    assert.truthy(out:find('Parks', 1, true), out)
    out, err, code = T.run(('%s eval --semeval %s --json'):format(T.q(T.stance), T.q(d)))
    assert.equals(0, code, err)
    local r = json.decode(out)
    assert.equals(2, #r.targets)
    assert.is_number(r.model.f_avg)
    -- training files named, with --test
    out, err, code = T.run(('%s eval --semeval %s --test %s --json'):format(T.q(T.stance),
      T.q(d .. '/trainingdata-all-annotations.txt'), T.q(d .. '/testdata-taskA-all-annotations.txt')))
    assert.equals(0, code, err)
    assert.same(r.model.f_avg, json.decode(out).model.f_avg)
    local _
    _, err, code = T.run(('%s eval --semeval %s'):format(T.q(T.stance), T.q(d .. '/trainingdata-all-annotations.txt')))
    assert.are_not.equal(0, code)
    assert.truthy(err:find('--test', 1, true), err)
    T.write(d .. '/testdata-taskA-all-annotations.txt', HEAD .. '\n7\tParks\tx\tFAVOR\n8\tParks\tbroken\n')
    _, err, code = T.run(('%s eval --semeval %s'):format(T.q(T.stance), T.q(d)))
    assert.are_not.equal(0, code)
    assert.truthy(err:find('testdata-taskA-all-annotations.txt:3:', 1, true), err)
    local empty = T.tmpdir()
    _, err, code = T.run(('%s eval --semeval %s'):format(T.q(T.stance), T.q(empty)))
    assert.are_not.equal(0, code)
    assert.truthy(err:find('trainingdata-all-annotations.txt', 1, true), err)
  end)
end)
