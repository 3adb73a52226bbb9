-- P-Stance's CSV files (stance.pstance), on small files these tests write (the data set's own
-- files are never copied here). Checked: the header by name, quoted fields (commas, doubled
-- quotes, line breaks), bad records reported with line and column, the official split and the
-- test-file-alone case, and that cross-validation on it scores a majority class next to the
-- candidates.
local T = require('helpers')
local ps = require('stance.pstance')
local sem = require('stance.semeval')

local PRO = { 'vote for her, she is great', 'what a leader', 'she has my vote', 'proud to support her',
  'best candidate by far' }
local CON = { 'never voting for her', 'what a fraud', 'she has to go', 'worst candidate ever', 'she lies, always' }

--- A file of the released shape: `n` tweets per stance for target Ann, quoted where needed.
local function csv(n)
  local out = { 'Tweet,Target,Stance' }
  for i = 1, n do
    out[#out + 1] = ('"%s #%d",Ann Lee,FAVOR'):format(PRO[(i - 1) % 5 + 1], i)
    out[#out + 1] = ('"%s ""really"" #%d",Ann Lee,AGAINST'):format(CON[(i - 1) % 5 + 1], i)
  end
  return table.concat(out, '\n') .. '\n'
end

describe('P-Stance files', function()
  it('reads the released CSV: header by name, quoted commas, doubled quotes, line breaks', function()
    local d = T.tmpdir()
    T.write(d .. '/a.csv', 'Target,Stance,Tweet\r\nAnn Lee,favor,"yes, she is \"\"the one\"\"\nreally"\r\n'
      .. 'Bo Park,AGAINST,plain text\r\n')
    local rows = assert(ps.read(d .. '/a.csv'))
    assert.equals(2, #rows)
    assert.same({ 'Ann Lee', 'yes, she is "the one" really', 'FAVOR', 2 },
      { rows[1].target, rows[1].text, rows[1].stance, rows[1].line })
    assert.same({ 'Bo Park', 'plain text', 'AGAINST' }, { rows[2].target, rows[2].text, rows[2].stance })
  end)

  it('reports what it cannot read with line and column, and reads nothing', function()
    local d = T.tmpdir()
    T.write(d .. '/bad.csv', 'Tweet,Target,Stance\nok,Ann,FAVOR\nhm,Ann,MAYBE\n')
    local rows, err = ps.read(d .. '/bad.csv')
    assert.is_nil(rows)
    assert.truthy(err:find('bad.csv:3:', 1, true), err)
    assert.truthy(err:find("stance 'MAYBE'", 1, true), err)
    T.write(d .. '/nohead.csv', 'text,who\nok,Ann\n')
    rows, err = ps.read(d .. '/nohead.csv')
    assert.is_nil(rows)
    assert.truthy(err:find('no column Tweet', 1, true), err)
    rows, err = ps.read(d .. '/absent.csv')
    assert.is_nil(rows)
    assert.truthy(err)
  end)

  it('loads the official split, or the test file alone for cross-validation', function()
    local d = T.tmpdir()
    T.write(d .. '/' .. ps.FILES.train, csv(20))
    T.write(d .. '/' .. ps.FILES.val, csv(3))
    T.write(d .. '/' .. ps.FILES.test, csv(5))
    local data = assert(ps.load(d))
    assert.is_false(data.cv)
    assert.same({ 46, 10 }, { #data.train, #data.test })
    local res = sem.evaluate(data)
    assert.same({ 46, 10 }, { res.train, res.test })
    local only = T.tmpdir()
    T.write(only .. '/' .. ps.FILES.test, csv(10))
    data = assert(ps.load(only))
    assert.is_true(data.cv)
    assert.equals(20, #data.train)
    assert.is_nil(data.test)
    local cv = sem.cross_validate(data, { model = {} }, { folds = 4, seeds = { 3 } })
    assert.truthy(cv.model.f_avg)
    -- the majority class of the folds learnt from, scored next to the candidates
    assert.truthy(cv.majority and cv.majority.per['Ann Lee'])
    local _, err = ps.load(T.tmpdir())
    assert.truthy(err:find('neither', 1, true), err)
  end)
end)
