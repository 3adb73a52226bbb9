-- The corpus's unit (`unit line`: one post per line) and targets' documents (`documents`
-- globs): a generated corpus in the shape of SemEval-2016 (files of one target each, one post
-- per line, posts ending with a hashtag, not a full stop) through the schema, the splitter,
-- agreement, the sentence-target export, the model and its suggestions; the same corpus
-- without the settings keeps the old rule (sentences across line ends, every target in every
-- document), as the study does.
local T = require('helpers')

-- generated posts: no end punctuation, an unclosed parenthesis, a quotation ending with ."
-- before a capital (a sentence end in prose, not a post's end)
local POSTS = {
  atheism = {
    'we should pray more often for the ones we love #faith #SemST',
    'no god is needed to be kind to strangers (really #SemST',
    'my grandmother said "Be good to the poor." Wise words from her #SemST',
    'Faith gives me strength every single morning #blessed #SemST',
  },
  climate = {
    'the climate is warming faster than the models said #science #SemST',
    'carbon taxes will hurt the working families of this state #SemST',
    'Cities must cut emissions before the next summer heat #act #SemST',
    'more storms and more floods every single year now #SemST',
  },
}

local FILES = { 'atheism_01.txt', 'atheism_02.txt', 'climate_01.txt' }

--- A corpus of FILES (each the POSTS of its target, one per line) annotated by ana and ben
--- (both done): the first two posts of each file get a stance toward the file's target, the
--- same for both but one; `scoped`: the schema says `unit line` and each target's documents.
local function corpus(scoped)
  local d = T.tmpdir()
  T.write(d .. '/.stance/schema.stance', require('helpers.tweets').schema(scoped))
  for _, f in ipairs(FILES) do
    T.write(d .. '/' .. f, table.concat(POSTS[f:match('^%a+')], '\n') .. '\n')
  end
  local c = assert(require('stance').open(d))
  for _, who in ipairs({ 'ana', 'ben' }) do
    for _, f in ipairs(FILES) do
      local doc = assert(c:document(f))
      local t = f:match('^%a+')
      local text = assert(doc:text())
      local a, n = 0, 0
      for line in text:gmatch('[^\n]+') do
        n = n + 1
        if n <= 2 then
          local stance = (n == 2 and who == 'ben' and f == 'atheism_01.txt') and 'against' or 'favor'
          assert(doc:annotate({ start = a, stop = a + #line, label = t .. '-' .. stance, target = t, stance = stance,
            annotator = who }))
        end
        a = a + #line + 1
      end
      assert(doc:set_status('done', who))
    end
  end
  assert(c:save())
  return assert(require('stance').open(d)), d
end

local function target_items(report, name)
  for _, f in ipairs(report.fields) do
    if f.field == 'stance' then
      for _, t in ipairs(f.targets) do
        if t.target == name then return t end
      end
    end
  end
end

describe('the unit line and targets\' documents', function()
  after_each(T.cleanup)

  it('are read from the schema, and their errors have a line and a column', function()
    local schema = require('stance.schema')
    local s, problems = schema.parse('format stance 1\ncorpus\n  unit line\ntarget a\n  documents "a_*.txt" "b/**/*.txt"\n')
    assert.same({}, problems)
    assert.equal('line', schema.unit(s))
    assert.same({ 'a_*.txt', 'b/**/*.txt' }, s.by.target.a.documents)
    assert.is_true(schema.in_scope(s, 'a', 'a_1.txt'))
    assert.is_true(schema.in_scope(s, 'a', 'b/c/d.txt'))
    assert.is_false(schema.in_scope(s, 'a', 'c_1.txt'))
    assert.is_true(schema.in_scope(s, 'unknown', 'c_1.txt'))
    assert.equal('sentence', schema.unit(schema.parse('format stance 1\ntarget a\n')))
    local _, bad = schema.parse('format stance 1\ncorpus\n  unit lines\n  unit line\n  unit sentence\n'
      .. 'target a\n  documents "../x.txt"\ntarget b\n  documents\ntarget c\n  documents "/etc/*.txt"\n')
    local said = {}
    for _, p in ipairs(bad) do
      said[#said + 1] = ('%d:%d: %s'):format(p.line, p.col, p.message)
    end
    assert.same({
      '3:3: `unit` takes one value: sentence or line',
      '5:3: `unit` given twice (first at line 4)',
      "7:3: `documents`: '../x.txt' has a '..' part; globs name paths inside the corpus",
      '9:3: `documents` takes one or more globs of documents',
      "11:3: `documents`: '/etc/*.txt' is absolute; globs are relative to the corpus root",
    }, said)
  end)

  it('make each line one unit, never crossed nor split', function()
    local c = corpus(true)
    local list = assert(assert(c:document('atheism_01.txt')):sentences())
    assert.equal(4, #list)
    for i, s in ipairs(list) do
      assert.equal(POSTS.atheism[i], s.text)
      assert.equal(i, s.line)
    end
    -- the old rule: across line ends, and cut after ." before a capital
    local old = corpus(false)
    local sentences = assert(assert(old:document('atheism_01.txt')):sentences())
    assert.equal(2, #sentences)
    assert.equal('my grandmother said "Be good to the poor."', sentences[1].text:match('my grandmother.*poor%."'))
  end)

  it('never start with a document\'s byte order mark (sentence and line units, the export)', function()
    local BOM = '\239\187\191'
    for _, unit in ipairs({ '', '  unit line\n' }) do
      local d = T.tmpdir()
      T.write(d .. '/.stance/schema.stance', 'format stance 1\ncorpus\n  include "*.txt"\n' .. unit
        .. 'target tax\nstance favor\nstance against\nlabel tax-favor\n  target tax\n  stance favor\n')
      T.write(d .. '/a.txt', BOM .. 'Taxes are good. Taxes fund schools.\nThey are fine.\n')
      local c = assert(require('stance').open(d))
      local doc = assert(c:document('a.txt'))
      local list = assert(doc:sentences())
      assert.are.equal(unit == '' and 3 or 2, #list, unit)
      assert.are.equal(unit == '' and 'Taxes are good.' or 'Taxes are good. Taxes fund schools.', list[1].text)
      -- offsets stay the file's: the first unit starts after the mark (3 bytes, 1 code point)
      assert.are.equal(doc:byte_to_cp(3), list[1].start)
      assert.are.equal(1, list[1].start)
      assert(doc:annotate({ start = list[1].start, stop = list[1].stop, label = 'tax-favor', annotator = 'ana' }))
      assert(doc:set_status('done', 'ana'))
      assert(c:save())
      for _, u in ipairs({ 'sentence', 'sentence-target' }) do
        local out, err, code = T.run(('cd %s && %s export --to csv --unit %s'):format(T.q(d), T.q(T.stance), u))
        assert.are.equal(0, code, err)
        assert.falsy(out:find(BOM, 1, true), out)
        assert.truthy(out:find('\na.txt,[^\n]*Taxes are good%.'), out)
      end
    end
  end)

  it('keep agreement, the export and the model to each target\'s documents', function()
    local c = corpus(true)
    local report = assert(c:agreement({}))
    -- atheism: 8 posts in 2 files (one disagreement); climate: its 4 posts, all agreed
    local a, cl = target_items(report, 'atheism'), target_items(report, 'climate')
    assert.equal(8, a.items)
    assert.equal(4, cl.items)
    assert.near(7 / 8, a.agreement, 1e-12)
    assert.near(1, cl.agreement, 1e-12)
    assert.equal('line', report.sentence_is)
    assert.equal(2, #report.scopes)
    -- without the settings every line of every file is an item of both targets
    local old = assert(corpus(false):agreement({}))
    assert.is_true(target_items(old, 'climate').items > 4)

    local rows = {}
    require('stance.export.rows').each(c, { unit = 'sentence-target' }, function(list)
      for _, r in ipairs(list) do
        rows[#rows + 1] = r.document .. ' ' .. r.target
      end
    end, function() end)
    local count = {}
    for _, r in ipairs(rows) do
      count[r] = (count[r] or 0) + 1
    end
    assert.same({ ['atheism_01.txt atheism'] = 8, ['atheism_02.txt atheism'] = 8, ['climate_01.txt climate'] = 8 },
      count)
    -- the sentence rows say the targets their document belongs to (the sentence-target rows'
    -- targets): toward those alone is a line without a label of a done annotator's "no stance"
    local scope = {}
    require('stance.export.rows').each(c, { unit = 'sentence' }, function(list)
      for _, r in ipairs(list) do
        scope[r.document] = table.concat(r.targets, ';')
      end
    end, function() end)
    assert.same({ ['atheism_01.txt'] = 'atheism', ['atheism_02.txt'] = 'atheism', ['climate_01.txt'] = 'climate' },
      scope)

    local model = require('stance.model')
    local res = assert(model.run(c, { all = true }))
    local n = 0
    for _, k in pairs(res.examples.climate) do
      n = n + k
    end
    assert.equal(4, n) -- climate's posts only, not the atheism files' as "no stance"
    -- an annotation toward a target outside its documents: stance check warns, nothing counts it
    local c2, dir = corpus(true)
    local doc = assert(c2:document('climate_01.txt'))
    local line4 = assert(doc:sentences())[4]
    assert(doc:annotate({ start = line4.start, stop = line4.stop, label = 'atheism-favor', target = 'atheism',
      stance = 'favor', annotator = 'ana' }))
    assert(c2:save())
    local out = T.stance_run({ 'check' }, nil, dir)
    assert.truthy(out:find("target atheism is not judged in climate_01.txt (the schema's `documents` of atheism "
      .. 'leave it out): not counted', 1, true), out)
    assert.equal(8, target_items(assert(c2:agreement({})), 'atheism').items)
    for i, d in ipairs(res.documents) do
      local t = d.path:match('^%a+')
      for _, p in ipairs(d.predicted > 0 and res.predictions(i) or {}) do
        for name in pairs(p.targets) do
          assert.equal(t, name, d.path .. ' has a prediction toward ' .. name)
        end
      end
    end
  end)

  it('the sentence rows name the targets their document belongs to (the study, sanctions kept to three op-eds)',
    function()
      local study = require('helpers.study')
      local d = study.with_layer('ana', study.DOC, { { sentence = 3, label = 'sanctions-against', role = 'claim' } },
        'done')
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local schema = d .. '/.stance/schema.stance'
      T.write(schema, (assert(T.read(schema)):gsub('(target sanctions\n)', '%1  documents "00[0-2]_*.txt"\n', 1)))
      local all, kept = 'engagement;sanctions;human-rights;denuclearization-first',
        'engagement;human-rights;denuclearization-first'
      local out, err, code = T.run(('cd %s && %s export --to csv --unit sentence'):format(T.q(d), T.q(T.stance)))
      assert.are.equal(0, code, err)
      local lines = T.lines(out:gsub('\r\n$', ''))
      assert.truthy(lines[1]:find(',labels,done,suggestions,targets\r?$'), lines[1])
      local seen = {}
      for i = 2, #lines do
        local doc = lines[i]:match('^([^,]+),')
        local targets = lines[i]:match(',([^,\r]*)\r?$')
        seen[doc] = targets
        assert.are.equal(doc:find('^00[0-2]_') and all or kept, targets, lines[i])
      end
      assert.truthy(seen[study.DOC] and seen['003_7e305a588b2246b7.txt'], out)
      -- JSON Lines: a list
      out = T.run(('cd %s && %s export --to jsonl --unit sentence'):format(T.q(d), T.q(T.stance)))
      for _, line in ipairs(T.lines(out:gsub('\n$', ''))) do
        local r = require('stance.json').decode(line)
        assert.are.equal(r.document:find('^00[0-2]_') and all or kept, table.concat(r.targets, ';'), line)
      end
      -- the sentence-target rows: sanctions only where the sentence rows name it
      out = T.run(('cd %s && %s export --to csv --unit sentence-target'):format(T.q(d), T.q(T.stance)))
      assert.truthy(out:find('\n000_[^\n]*,sanctions,ana,against,done'), out)
      assert.falsy(out:find('\n00[34]_[^\n]*,sanctions,'), out)
    end)
end)
