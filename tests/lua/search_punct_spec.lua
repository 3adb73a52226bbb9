-- stance search for words and phrases with punctuation (a hyphen, an apostrophe, dots, a
-- trailing period): the hits are what `grep -iowF` finds for the same text, counted and
-- listed, on made-up text and on the shared corpus (../shared/corpus, read at run time).
local T = require('helpers')

local TEXT = {
  ['a.txt'] = 'Kim Jong-un met Kim Jong Un, not kim jong-un. KIM JONG-UN!\n'
    .. 'The U.S. said; the U.S.-led talks, U.S.A. and the US and u.s. (U.S.)\n'
    .. 'He said: "don\'t". Don\'t go; dont. O\'Brien, o\'brien\'s 1994.5 and 3.14.\n',
  ['b.txt'] = 'Non-profit non profit non--profit Non-Profit-ish. e.g. eg. e.g.,\n'
    .. 'Jong-un. Jong-unification. jong-un\'s the end.\n'
    .. 'Straße-Süd STRASSE-süd état-major ÉTAT-MAJOR.\n',
}

local QUERIES = {
  '"Kim Jong-un"', 'Jong-un', 'U.S.', 'U.S', '"U.S."', 'U.S.-led', '"(U.S.)"', 'u.s.a.', 'U.S.A',
  "don't", "O'Brien", "o'brien's", '1994.5', '3.14.', 'non-profit', 'Non-Profit-ish.', 'e.g.',
  'e.g.,', '"jong-un\'s the end."', 'état-major', 'straße-süd', '"met Kim"', 'Jong-un.',
}

-- grep's count of the query's text (its quotes taken off) over the corpus's .txt files.
local function grep_count(dir, q)
  local text = q:gsub('^"(.*)"$', '%1')
  local out = T.run(('cd %s && cat *.txt | LC_ALL=C.UTF-8 grep -oiwF -e %s | wc -l'):format(T.q(dir), T.q(text)))
  return tonumber(out)
end

local function stance_count(dir, q)
  local out, err, code = T.stance_run({ 'search', '--count', q }, nil, dir)
  assert.are.equal(0, code, q .. ': ' .. err)
  assert.are.equal('', err, q)
  return tonumber(out)
end

describe('stance search with punctuation', function()
  after_each(T.cleanup)

  local function made_up()
    local d = T.tmpdir()
    T.stance_run({ 'init', d })
    for name, text in pairs(TEXT) do
      T.write(d .. '/' .. name, text)
    end
    return d
  end

  it('counts what grep -iowF finds, for hyphens, apostrophes and dots', function()
    local d = made_up()
    for _, q in ipairs(QUERIES) do
      assert.are.equal(grep_count(d, q), stance_count(d, q), q)
    end
    -- some by hand, so that grep's own reading is checked too
    assert.are.equal(3, stance_count(d, '"Kim Jong-un"'))
    assert.are.equal(1, stance_count(d, '"Kim Jong Un"'))
    assert.are.equal(4, stance_count(d, 'U.S.')) -- not in U.S.A.
    assert.are.equal(5, stance_count(d, 'U.S'))
  end)

  it('lists the same hits, inside boolean queries too', function()
    local d = made_up()
    local out = T.stance_run({ 'search', 'Jong-un' }, nil, d)
    assert.are.equal('a.txt:1:5: Kim Jong-un met Kim Jong Un, not kim jong-un. KIM JONG-UN!\n'
      .. 'a.txt:1:38: Kim Jong-un met Kim Jong Un, not kim jong-un. KIM JONG-UN!\n'
      .. 'a.txt:1:51: Kim Jong-un met Kim Jong Un, not kim jong-un. KIM JONG-UN!\n'
      .. 'b.txt:2:1: Jong-un. Jong-unification. jong-un\'s the end.\n'
      .. 'b.txt:2:28: Jong-un. Jong-unification. jong-un\'s the end.\n', out)
    -- a.txt holds (U.S.) and b.txt does not; b.txt holds e.g., and a.txt does not
    assert.are.equal('1\n', T.stance_run({ 'search', '--count', '"(U.S.)"', 'NOT', 'e.g.' }, nil, d))
    assert.are.equal('2\n', T.stance_run({ 'search', '--count', 'e.g.,', 'OR', '"(U.S.)"' }, nil, d))
    assert.are.equal('0\n', T.stance_run({ 'search', '--count', 'e.g.,', 'AND', '"(U.S.)"' }, nil, d))
    local json = T.stance_run({ 'search', '--json', '"U.S.-led"' }, nil, d)
    assert.truthy(json:find('"line":2,"col":20,"start":78,"stop":86,"match":"U.S.-led",', 1, true), json)
  end)

  it('refuses a prefix with punctuation, and says when a document cannot be read', function()
    local d = made_up()
    local out, err, code = T.stance_run({ 'search', 'U.S*' }, nil, d)
    assert.are.same({ 2, '' }, { code, out })
    assert.are.equal('stance search: column 1: a prefix (word*) is one word, without punctuation\n', err)
    -- the saved index names b.txt, which is gone: a search that must read it says so
    assert.are.equal('2\n', T.stance_run({ 'search', '--count', 'Jong-un.' }, nil, d))
    os.remove(d .. '/b.txt')
    out, err, code = T.stance_run({ 'search', '--no-update', '--count', 'Jong-un.' }, nil, d)
    assert.are_not.equal(0, code)
    assert.are.equal('', out)
    assert.truthy(err:find('b.txt', 1, true), err)
  end)

  it('counts what grep -iowF finds on the shared corpus', function()
    if not T.shared then return pending('../shared is absent') end
    local d = T.tmpdir() .. '/corpus'
    T.run(('cp -r %s %s'):format(T.q(T.shared .. '/corpus'), T.q(d)))
    T.stance_run({ 'init', d })
    for _, q in ipairs({ '"Kim Jong-un"', 'Jong-un', 'U.S.', 'U.S', '"U.S."', "Korea's", 'North-South',
      '"South Korea."', 'Mr.', 'Washington’s', '"U.S. policy"', 'co-operation' }) do
      assert.are.equal(grep_count(d, q), stance_count(d, q), q)
    end
  end)
end)
