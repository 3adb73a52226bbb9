-- Exports hold people's annotations; the model's suggestions only when asked, marked as
-- such, and never a rejected one (a decision, not a label).
local T = require('helpers')
local json = require('stance.json')

local SCHEMA = 'format stance 1\ntarget tax\nstance favor\nstance against\n'
  .. 'label tax-favor\n  target tax\n  stance favor\n'

--- A corpus where ana annotated the first sentence, the model suggested the second and a
--- suggestion of the third was rejected by ana (g-): neither that suggestion nor the record
--- of its rejection is a label.
local function corpus()
  local d = T.tmpdir()
  os.execute('mkdir -p ' .. T.q(d .. '/.stance'))
  T.write(d .. '/.stance/schema.stance', SCHEMA)
  T.write(d .. '/a.txt', 'Taxes are good. Taxes fund schools. Taxes are fine.\n')
  local c = assert(require('stance').open(d))
  local doc = c:document('a.txt')
  assert(doc:annotate({ start = 0, stop = 15, label = 'tax-favor', annotator = 'ana' }))
  assert(doc:annotate({ start = 16, stop = 36, label = 'tax-favor', annotator = 'model', confidence = 0.81 }))
  -- the suggestion `stance suggest` wrote there, then the editor's record of its rejection
  assert(doc:annotate({ start = 37, stop = 52, label = 'tax-favor', annotator = 'model', confidence = 0.6 }))
  assert(doc:annotate({ start = 37, stop = 52, label = 'tax-favor', annotator = 'model', confidence = 0.62,
    note = 'rejected by ana' }))
  assert(doc:set_status('done', 'ana'))
  assert(c:save())
  return d
end

local function stance(d, args)
  return T.run(('cd %s && %s %s'):format(T.q(d), T.q(T.stance), args))
end

describe('stance export and the model\'s suggestions', function()
  it('leaves them out by default, in every format', function()
    local d = corpus()
    for _, args in ipairs({ 'export --to csv', 'export --to csv --unit sentence', 'export --to csv --unit '
      .. 'sentence-target', 'export --to jsonl', 'export --to w3c' }) do
      local out, err, code = stance(d, args)
      assert.are.equal(0, code, args .. err)
      assert.falsy(out:find('model', 1, true), args .. '\n' .. out)
      assert.truthy(out:find('ana', 1, true), args .. '\n' .. out)
    end
    local out, err, code = stance(d, 'export --to brat ' .. T.q(d .. '.brat'))
    assert.are.equal(0, code, out .. err)
    assert.truthy(out:find('layer ana (1)', 1, true), out)
    local ann = T.read(d .. '.brat/a.ann')
    assert.truthy(ann:find('Taxes are good.', 1, true), ann)
    assert.falsy(ann:find('tax-favor 16', 1, true), ann)
  end)

  it('marks them when asked, with their probability, and never exports a rejected one', function()
    local d = corpus()
    for _, flag in ipairs({ '--with-suggestions', '--annotator ana,model' }) do
      local out, err, code = stance(d, 'export --to csv ' .. flag)
      assert.are.equal(0, code, err)
      local lines = T.lines(out:gsub('\r\n$', ''))
      assert.are.equal(3, #lines, out)
      assert.truthy(lines[1]:find(',orphan,suggested\r?$'), lines[1])
      assert.truthy(lines[2]:find('^a.txt,ana,'), out)
      assert.truthy(lines[2]:find(',annotation,,\r?$'), lines[2])
      assert.truthy(lines[3]:find('^a.txt,model,.*Taxes fund schools%..*,0%.81,annotation,,true\r?$'), lines[3])
      assert.falsy(out:find('rejected', 1, true), out)
    end
    local out = stance(d, 'export --to csv --unit sentence --with-suggestions')
    local lines = T.lines(out:gsub('\r\n$', ''))
    assert.truthy(lines[1]:find(',labels,done,suggestions,targets\r?$'), lines[1])
    assert.truthy(lines[2]:find(',ana:tax%-favor:tax:favor:,ana,,tax\r?$'), lines[2])
    assert.truthy(lines[3]:find(',,ana,model:tax%-favor:tax:favor:0%.810,tax\r?$'), lines[3])
    assert.truthy(lines[4]:find(',,ana,,tax\r?$'), lines[4])
    out = stance(d, 'export --to csv --unit sentence-target --with-suggestions')
    assert.truthy(out:find(',tax,model,favor,in%-progress,true,0%.81\r\n'), out)
    assert.falsy(out:find(',tax,model,favor,in%-progress,true,0%.6'), out)
    out = stance(d, 'export --to jsonl --unit sentence --with-suggestions')
    local second = json.decode(T.lines(out)[2])
    assert.are.equal(0, #second.labels)
    assert.are.same({ annotator = 'model', label = 'tax-favor', target = 'tax', stance = 'favor', confidence = 0.81 },
      second.suggestions[1])
    -- W3C: software asking a question, not a person classifying
    out = stance(d, 'export --to w3c --unit annotation --with-suggestions')
    local n = 0
    for _, line in ipairs(T.lines(out:gsub('\n$', ''))) do
      local a = json.decode(line)
      if a['stance:layer'] == 'model' then
        n = n + 1
        assert.are.same({ type = 'Software', name = 'model' }, a.creator)
        assert.are.equal('questioning', a.motivation)
        assert.are.equal('0.81', a['stance:confidence'])
      else
        assert.are.same({ type = 'Person', name = 'ana' }, a.creator)
        assert.are.equal('classifying', a.motivation)
      end
    end
    assert.are.equal(1, n)
    -- brat: the suggestion with its Confidence, not the rejected one
    local _, err, code = stance(d, 'export --to brat --annotator model ' .. T.q(d .. '.brat'))
    assert.are.equal(0, code, err)
    local ann = T.read(d .. '.brat/a.ann')
    assert.truthy(ann:find('Taxes fund schools.', 1, true), ann)
    assert.falsy(ann:find('Taxes are fine.', 1, true), ann)
    assert.truthy(ann:find('Confidence T1 0.81', 1, true), ann)
  end)

  it('marks the model\'s document labels as questions too (W3C), never classifying', function()
    local d = corpus()
    local c = assert(require('stance').open(d))
    local doc = c:document('a.txt')
    assert(doc:set_label({ target = 'tax', stance = 'favor', annotator = 'model' }))
    assert(doc:set_label({ target = 'tax', stance = 'against', annotator = 'ana' }))
    assert(c:save())
    local out, err, code = stance(d, 'export --to w3c --unit annotation --with-suggestions')
    assert.are.equal(0, code, err)
    local seen = {}
    for _, line in ipairs(T.lines(out:gsub('\n$', ''))) do
      local a = json.decode(line)
      local doclabel = type(a.target) == 'string'
      local key = a['stance:layer'] .. (doclabel and ':doc' or ':span')
      seen[key] = (seen[key] or 0) + 1
      if a['stance:layer'] == 'model' then
        assert.are.same({ type = 'Software', name = 'model' }, a.creator)
        assert.are.equal('questioning', a.motivation, line)
      else
        assert.are.equal('Person', a.creator.type)
        assert.are.equal('classifying', a.motivation, line)
      end
    end
    assert.are.same({ ['model:doc'] = 1, ['model:span'] = 1, ['ana:doc'] = 1, ['ana:span'] = 1 }, seen)
    -- the collection too
    out = stance(d, 'export --to w3c --with-suggestions')
    assert.falsy(out:find('"classifying"[^}]*"Software"'), out)
  end)
  it('leaves the schema\'s not-annotators out by default (the study: a lexicon\'s layer), in every format', function()
    local study = require('helpers.study')
    local d = study.with_layer('ana', study.DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } },
      'done')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local c = assert(require('stance').open(d))
    assert(c:document(study.DOC):annotate({ start = c:document(study.DOC):sentences()[3].start,
      stop = c:document(study.DOC):sentences()[3].stop, label = 'sanctions-against', role = 'claim',
      annotator = 'lexicon' }))
    assert(c:save())
    local schema = d .. '/.stance/schema.stance'
    T.write(schema, (assert(T.read(schema)):gsub('corpus\n  include "%*%.txt"\n',
      'corpus\n  include "*.txt"\n  not-annotators lexicon\n', 1)))
    assert.truthy(T.read(schema):find('not-annotators lexicon', 1, true))
    local formats = { 'export --to csv', 'export --to csv --unit sentence', 'export --to csv --unit sentence-target',
      'export --to jsonl', 'export --to jsonl --unit sentence', 'export --to w3c' }
    for _, args in ipairs(formats) do
      for _, flag in ipairs({ '', ' --with-suggestions' }) do
        local out, err, code = stance(d, args .. flag)
        assert.are.equal(0, code, args .. flag .. err)
        assert.falsy(out:find('lexicon', 1, true), args .. flag .. '\n' .. out)
        assert.falsy(out:find('sanctions', 1, true) and not out:find('ana', 1, true), args .. flag)
        assert.truthy(out:find('ana', 1, true), args .. flag .. '\n' .. out)
      end
      -- named: exported
      local out, err, code = stance(d, args .. ' --annotator ana,lexicon')
      assert.are.equal(0, code, args .. err)
      assert.truthy(out:find('lexicon', 1, true), args .. '\n' .. out)
    end
    -- brat holds one layer a document: without --annotator, ana's, not a choice to make
    local out, err, code = stance(d, 'export --to brat ' .. T.q(d .. '.brat'))
    assert.are.equal(0, code, out .. err)
    assert.truthy(out:find('layer ana (1)', 1, true), out)
    assert.falsy(T.read(d .. '.brat/' .. study.DOC:gsub('%.txt$', '.ann')):find('sanctions', 1, true))
    out, err, code = stance(d, 'export --to brat --annotator lexicon ' .. T.q(d .. '.brat2'))
    assert.are.equal(0, code, out .. err)
    assert.truthy(T.read(d .. '.brat2/' .. study.DOC:gsub('%.txt$', '.ann')):find('sanctions', 1, true))
  end)
end)
