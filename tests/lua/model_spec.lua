-- The stance model, `stance eval` and `stance suggest`, on schemas we did not write for it:
-- the study's (stances favor and against only; targets that see one stance) with our own
-- annotation of the sample corpus (tests/fixtures/study), a schema whose stances are pro, con
-- and one literally called "none", and a schema without targets. No score is asserted here
-- (`make bench` prints them): what is checked is what the model may and may not do.
local T = require('helpers')
local json = require('stance.json')

--- A corpus of the five sample articles with our annotations and the study's schema (with
--- terms): its root, or nil when ../shared is not here.
local function study()
  if not T.shared then return nil end
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && cp -r %s %s/.stance/annotations/')
    :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d),
      T.q(T.root .. '/tests/fixtures/study/annotations/fixture'), T.q(d)))
  return d
end

--- A small corpus with `schema` and documents whose sentences an annotator labelled with
--- `label(i, text)` -> { target, stance } or nil, all marked done.
local function corpus(schema, texts, label)
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance'):format(T.q(d)))
  T.write(d .. '/.stance/schema.stance', schema)
  for i, text in ipairs(texts) do
    T.write(('%s/doc%02d.txt'):format(d, i), text)
  end
  local c = assert(require('stance').open(d))
  for _, p in ipairs(c:paths()) do
    local doc = assert(c:document(p))
    for i, s in ipairs(doc:sentences()) do
      local l = label(i, s.text)
      if l then
        assert(doc:annotate({ start = s.start, stop = s.stop, label = l.label or l.stance, target = l.target,
          stance = l.stance, annotator = 'ann' }))
      end
    end
    assert(doc:set_status('done', 'ann'))
  end
  assert(c:save())
  return d, c
end

local PRO = { 'should talk', 'talks work', 'dialogue helps', 'engagement is wise', 'meet them' }
local CON = { 'talks fail', 'never talk', 'dialogue is naive', 'engagement is weak', 'do not meet' }
local OTHER = { 'the weather was mild', 'lunch came late', 'the train was full', 'a meeting ran long' }

--- Documents of sentences for, against and about nothing, in a fixed order.
local function texts(n)
  local out = {}
  for d = 1, n do
    local s = {}
    for i = 1, 12 do
      local k = (d * 7 + i * 3) % 5 + 1
      s[#s + 1] = ({ 'We ' .. PRO[k], 'They say ' .. CON[k], 'Today ' .. OTHER[(k - 1) % 4 + 1] })[i % 3 + 1]
        .. ' and so on.'
    end
    out[d] = table.concat(s, ' ') .. '\n'
  end
  return out
end

describe('the stance model', function()
  after_each(T.cleanup)

  it('trains by default on char 3-5-grams with C 0.35 (core.dataset); naive Bayes smooths by one', function()
    local core = require('stance.core')
    local function probs(dopts, topts)
      dopts.classes = 3
      local d = core.dataset(dopts)
      for i = 1, 30 do
        local k = i % 3 + 1
        d:add(({ OTHER[i % 4 + 1], 'We ' .. PRO[i % 5 + 1], 'They say ' .. CON[i % 5 + 1] })[k], { k }, i % 6)
      end
      local m = d:train(topts)
      local p = m:predict('we should talk to them')[1]
      d:close()
      m:close()
      return p
    end
    assert.same(probs({}), probs({ char_min = 3, char_max = 5 }, { c = 0.35 }))
    assert.are_not.same(probs({}), probs({ char_min = 2 }, { c = 1 }))
    assert.same(probs({}, { learner = 'nb' }), probs({}, { learner = 'nb', c = 1 }))
    assert.are_not.same(probs({}, { learner = 'nb' }), probs({}, { learner = 'nb', c = 0.35 }))
  end)

  it('learns each target of the study schema, one-stance targets as stance vs none, and invents no class', function()
    local d = study()
    if not d then return pending('../shared/corpus is not here') end
    local c = assert(require('stance').open(d))
    local model = require('stance.model')
    local res = assert(model.run(c, { all = true }))
    assert.are.same({ 'none', 'favor', 'against' }, res.setup.classes)
    for _, t in ipairs({ 'engagement', 'sanctions', 'human-rights', 'denuclearization-first' }) do
      assert.is_true(res.trained[t], t)
    end
    -- what the annotations hold: engagement only favor, sanctions only against
    assert.are.equal(0, res.examples.engagement.against)
    assert.is_true(res.examples.engagement.favor > 0)
    assert.are.equal(0, res.examples.sanctions.favor)
    local n = 0
    for i, doc in ipairs(res.documents) do
      assert.is_nil(doc.error)
      for _, s in ipairs(res.predictions(i)) do
        local e, sa = s.targets.engagement, s.targets.sanctions
        assert.are.equal(0, e.probs.against) -- never seen: never predicted
        assert.are.equal(0, sa.probs.favor)
        assert.is_true(math.abs(e.probs.none + e.probs.favor - 1) < 1e-9)
        assert.is_truthy(e.class == 'none' or e.class == 'favor')
        assert.is_truthy(e.known) -- every document is done: every sentence has a class
        n = n + 1
      end
    end
    assert.are.equal(267, n)
  end)

  it('learns a curated document from the gold layer alone, the others from every annotator', function()
    local d = study()
    if not d then return pending('../shared/corpus is not here') end
    local model = require('stance.model')
    local c = assert(require('stance').open(d))
    local base = assert(model.run(c, { all = true }))
    local before = base.examples.engagement.favor
    -- a second annotator calls every engagement sentence of one document "against"; the
    -- curator keeps the first annotator's reading of it in gold
    local doc_path = '002_c6bce5e05bd0fd45.txt'
    local src = T.read(d .. '/.stance/annotations/fixture/' .. doc_path .. '.stance')
    local against = src:gsub('engagement%-favor', 'engagement-against'):gsub('stance favor', 'stance against')
      :gsub('annotator fixture', 'annotator ben')
    os.execute(('mkdir -p %s/.stance/annotations/ben %s/.stance/annotations/gold'):format(T.q(d), T.q(d)))
    T.write(d .. '/.stance/annotations/ben/' .. doc_path .. '.stance', against)
    c = assert(require('stance').open(d))
    local pooled = assert(model.run(c, { all = true }))
    assert.is_true(pooled.examples.engagement.against > 0, 'ben\'s layer is learnt from without gold')
    T.write(d .. '/.stance/annotations/gold/' .. doc_path .. '.stance', src:gsub('annotator fixture', 'annotator gold'))
    c = assert(require('stance').open(d))
    local curated = assert(model.run(c, { all = true }))
    assert.are.equal(0, curated.examples.engagement.against, 'the curated document from gold alone')
    assert.are.equal(before, curated.examples.engagement.favor)
    -- named annotators: theirs, gold or not
    local named = assert(model.run(c, { all = true, annotators = { 'ben' } }))
    assert.is_true(named.examples.engagement.against > 0)
  end)

  it('a curation in progress is not curated: stance eval and the model count its annotators until gold is done',
    function()
      local d = study()
      if not d then return pending('../shared/corpus is not here') end
      local function eval()
        local out, err, code = T.run(('cd %s && %s eval --json'):format(T.q(d), T.q(T.stance)))
        assert.are.equal(0, code, err)
        -- the figures (the layers listed name gold once its file is there, whatever its status)
        return (out:gsub('"layers":%b[],', ''))
      end
      local before = eval()
      -- :Stance curate opened on a document and left without a decision (as an earlier
      -- version left it): gold in progress, nothing in it
      local doc_path = '001_6520dcfa8ca08700.txt'
      local gold = d .. '/.stance/annotations/gold/' .. doc_path .. '.stance'
      T.write(gold, ('format stance 1\n\ndocument "%s"\n  annotator gold\n  status in-progress\n'):format(doc_path))
      assert.are.equal(before, eval(), 'the in-progress gold changes nothing')
      -- gold with decisions so far, still in progress: neither
      local src = T.read(d .. '/.stance/annotations/fixture/' .. doc_path .. '.stance')
      local partial = src:gsub('annotator fixture', 'annotator gold'):gsub('status done', 'status in-progress')
      partial = partial:gsub('engagement%-favor', 'engagement-against'):gsub('stance favor', 'stance against')
      T.write(gold, partial)
      assert.are.equal(before, eval())
      -- done: the document is learnt from gold alone
      T.write(gold, (partial:gsub('status in%-progress', 'status done')))
      assert.are_not.equal(before, eval())
      local c = assert(require('stance').open(d))
      local curated = assert(require('stance.model').run(c, { all = true }))
      assert.is_true(curated.examples.engagement.against > 0, 'gold done: learnt from it')
      -- a layer file cut short, of a document gold has not curated (of a curated one, the job
      -- reads gold's alone: nothing of the others is learnt, nothing of them is left out): said
      -- with its line and column, by stance eval and stance suggest, as the model job met it
      doc_path = '002_c6bce5e05bd0fd45.txt'
      src = T.read(d .. '/.stance/annotations/fixture/' .. doc_path .. '.stance')
      os.execute(('mkdir -p %s'):format(T.q(d .. '/.stance/annotations/ben')))
      T.write(d .. '/.stance/annotations/ben/' .. doc_path .. '.stance', (src:gsub('annotator fixture',
        'annotator ben')):sub(1, 400))
      local want = "ben's file has 1 error(s), the first at .stance/annotations/ben/" .. doc_path .. '.stance:'
      for _, cmd in ipairs({ 'eval', 'suggest' }) do
        local _, err, code = T.run(('cd %s && %s %s'):format(T.q(d), T.q(T.stance), cmd))
        assert.are.equal(3, code, err) -- done without the file: a script can tell
        assert.truthy(err:find('stance ' .. cmd .. ': ' .. want, 1, true), err)
        assert.truthy(err:find('; left out of ' .. doc_path .. ': none of it learnt (stance check lists them)\n', 1,
          true), err)
      end
    end)

  it('learns nothing of a layer file with errors: as if it were absent (its lost records are no "no stance")',
    function()
      local d = study()
      if not d then return pending('../shared/corpus is not here') end
      local B = require('helpers.broken_layers')
      local D = B.DOCS
      -- ben coded three documents, done, against where fixture said favor
      B.copy(d, 'ben', D, function(text) return (text:gsub('stance favor', 'stance against')) end)
      -- gold curated the third, done
      B.copy(d, 'gold', { D[3] })
      -- the same corpus without ben's files of the first two documents nor gold's: what must be learnt
      local ref = B.without(d, { { 'ben', D[1] }, { 'ben', D[2] }, { 'gold', D[3] } })
      -- ben's first cut short in a note of its fourth record (marked done: a reader that took
      -- what it could read would learn the rest of the document as "no stance"); ben's second
      -- and gold's with git's conflict markers
      B.cut_in_note(B.path(d, 'ben', D[1]))
      B.conflict(B.path(d, 'ben', D[2]))
      B.conflict(B.path(d, 'gold', D[3]))
      local model = require('stance.model')
      local want = assert(model.run(assert(require('stance').open(ref)), { all = true }))
      local got = assert(model.run(assert(require('stance').open(d)), { all = true }))
      assert.are.same(want.examples, got.examples)
      assert.is_true(got.examples.engagement.against > 0) -- (ben's third is learnt)
      -- stance eval: the same figures, and each file said
      local function eval(dir, status)
        local out, err, code = T.run(('cd %s && %s eval --json'):format(T.q(dir), T.q(T.stance)))
        assert.are.equal(status, code, err)
        local r = json.decode(out)
        local problems = r.problems
        -- (the layers listed: gold's, whose folder has no file in the reference)
        r.problems, r.layers = nil, nil
        return r, problems
      end
      local we, wp = eval(ref, 0)
      local ge, gp = eval(d, 3)
      assert.are.same(we, ge)
      assert.are.same({}, wp)
      assert.are.equal(3, #gp)
      for i, who in ipairs({ 'ben', 'ben', 'gold' }) do
        assert.truthy(gp[i]:find(("^%s's file has %%d+ error%%(s%%), the first at %%.stance/annotations/%s/%s%%.stance:%%d+:%%d+: ")
          :format(who, who, D[i]:gsub('%p', '%%%0'))), gp[i])
        assert.truthy(gp[i]:find('; left out of ' .. D[i] .. ': none of it learnt', 1, true), gp[i])
        -- as stance check and every reader say it (the git conflict marker that cuts a record named)
        local annfile = require('stance.annfile')
        local file = B.path(d, who, D[i])
        local _, problems = require('stance.core').read(T.read(file))
        local where, n = annfile.first_error(file, problems, d)
        assert.are.equal(annfile.errors_said(who, where, n, ('left out of %s: none of it learnt (stance check lists '
          .. 'them)'):format(D[i])), gp[i])
      end
      -- the job says what it left out: the model reads no layer file in Lua, the broken ones
      -- neither (each was read once, by the job)
      local annfile = require('stance.annfile')
      local read, reads = annfile.read, 0
      annfile.read = function(...)
        reads = reads + 1
        return read(...)
      end
      local c2 = assert(require('stance').open(d))
      local ok, res = pcall(model.run, c2, { all = true })
      local said = ok and res and model.skipped(c2, res.documents, res.documents)
      annfile.read = read
      assert(ok and res, tostring(res))
      assert.are.equal(0, reads)
      assert.are.same(gp, said)
    end)

  it('says a layer file left out as stance check does: the git conflict marker that cuts its first record named',
    function()
      local d = study()
      if not d then return pending('../shared/corpus is not here') end
      local B = require('helpers.broken_layers')
      local D = B.DOCS
      -- ben's copy with a conflict marker before the span of its second record: that record has
      -- no span (the first error), because the marker cuts it (the second)
      B.copy(d, 'ben', { D[2] }, function(text)
        local a = assert(text:find('\nannotation ', assert(text:find('\nannotation ', 1, true)) + 1, true))
        local at = assert(text:find('\n  span ', a, true))
        return text:sub(1, at) .. '<<<<<<< HEAD\n' .. text:sub(at + 1)
      end)
      local model, annfile = require('stance.model'), require('stance.annfile')
      local c = assert(require('stance').open(d))
      local res = assert(model.run(c, { all = true }))
      local said = model.skipped(c, res.documents)
      local file = B.path(d, 'ben', D[2])
      local _, problems = require('stance.core').read(T.read(file))
      local where, n = annfile.first_error(file, problems, d)
      assert.truthy(where:find(', because a git conflict marker cuts its record (line ', 1, true), where)
      assert.are.same({ annfile.errors_said('ben', where, n, ('left out of %s: none of it learnt (stance check lists '
        .. 'them)'):format(D[2])) }, said)
    end)

  it('learns nothing through a link among a layer\'s files and folders, and says each link once as every reader does',
    function()
      local d = study()
      if not d then return pending('../shared/corpus is not here') end
      local B = require('helpers.broken_layers')
      local D = B.DOCS
      local A = d .. '/.stance/annotations/'
      local sub = { '003_7e305a588b2246b7.txt', '004_e35aa5ebcc029514.txt' }
      -- two documents in a subfolder, coded by ana alone (fixture codes the other three)
      os.execute(('mkdir -p %s/sub %sana/sub'):format(T.q(d), T.q(A)))
      for _, rel in ipairs(sub) do
        assert(os.rename(d .. '/' .. rel, d .. '/sub/' .. rel))
        local text = T.read(A .. 'fixture/' .. rel .. '.stance')
        T.write(A .. 'ana/sub/' .. rel .. '.stance', (text:gsub('annotator fixture', 'annotator ana')
          :gsub('document "' .. rel, 'document "sub/' .. rel)))
        assert(os.remove(A .. 'fixture/' .. rel .. '.stance'))
      end
      -- ben's own file of the second document; his first a link to a file out of the layers,
      -- against where fixture said favor; his sub a link to ana's (ana's work as ben's)
      B.copy(d, 'ben', { D[2] })
      local ref = B.without(d, {}) -- (ben without the links: what must be learnt)
      os.execute(('mkdir -p %s/elsewhere'):format(T.q(d)))
      T.write(d .. '/elsewhere/x.stance', (T.read(B.path(d, 'fixture', D[1])):gsub('stance favor', 'stance against')
        :gsub('annotator fixture', 'annotator ben')))
      assert(T.run(('ln -s ../../../elsewhere/x.stance %s && ln -s ../ana/sub %s'):format(T.q(B.path(d, 'ben', D[1])),
        T.q(A .. 'ben/sub'))))
      -- learnt from fixture and ben only: ana's files count only if read through ben's link
      local model = require('stance.model')
      local opts = { annotators = { 'fixture', 'ben' }, all = true }
      local want = assert(model.run(assert(require('stance').open(ref)), opts))
      local c = assert(require('stance').open(d))
      local got = assert(model.run(c, opts))
      assert.are.same(want.examples, got.examples)
      -- (the case is seen: the same files as files of ben's own are learnt)
      local copied = B.without(d, {})
      os.execute(('cd %s && rm %s/sub %s && cp -r %s/ana/sub %s/ben/ && cp elsewhere/x.stance %s'):format(
        T.q(copied), T.q(copied .. '/.stance/annotations/ben'), T.q(B.path(copied, 'ben', D[1])),
        T.q(copied .. '/.stance/annotations'), T.q(copied .. '/.stance/annotations'), T.q(B.path(copied, 'ben', D[1]))))
      local seen = assert(model.run(assert(require('stance').open(copied)), opts))
      assert.are_not.same(want.examples.engagement, seen.examples.engagement)
      assert.are_not.same(want.examples.sanctions, seen.examples.sanctions)
      -- each link said once, as the Lua readers say it: the file's as annfile.read refuses it,
      -- the folder's as a pass over the layers says it (stance.layer_link.readable)
      local _, file_err, code = require('stance.annfile').read(B.path(d, 'ben', D[1]), nil, d)
      assert.are.equal('ELINK', code)
      local folder_said = require('stance.layer_link').folders_said(c, 'ben', 'sub/' .. sub[1])
      local said, left = model.skipped(c, got.documents, got.documents)
      assert.are.same({ file_err, folder_said }, said)
      assert.are.equal(1, left)
      assert.are.equal('.stance/annotations/ben/' .. D[1] .. '.stance:1:1: a link to elsewhere/x.stance: a layer must '
        .. "be a file of its own; never read as ben's nor written through", file_err)
      assert.are.equal('.stance/annotations/ben/sub:1:1: a link to .stance/annotations/ana/sub: a layer\'s folders must '
        .. "be its own; nothing in it read as ben's nor written through", folder_said)
      -- stance eval and stance suggest: the same figures as without the links, each link said once
      for _, cmd in ipairs({ 'eval --json', 'suggest' }) do
        local function run(dir, status)
          local out, err, rc = T.run(('cd %s && %s %s --annotators fixture,ben'):format(T.q(dir), T.q(T.stance), cmd))
          assert.are.equal(status, rc, err)
          return out, err
        end
        local wout, werr = run(ref, 0)
        local gout, gerr = run(d, 1) -- left out, as stance agree leaves a link out: exit 1
        if cmd == 'suggest' then
          assert.are.equal(wout, gout)
          assert.are.equal('', werr)
          assert.are.equal(('stance suggest: %s\nstance suggest: %s\n'):format(file_err, folder_said), gerr)
        else
          local w, g = json.decode(wout), json.decode(gout)
          assert.are.same({}, w.problems)
          assert.are.same({ file_err, folder_said }, g.problems)
          w.problems, g.problems = nil, nil
          assert.are.same(w, g)
        end
      end
    end)

  it('an accepted suggestion decides its own sentence: the sentences before it stay unread', function()
    local d = study()
    if not d then return pending('../shared/corpus is not here') end
    local model = require('stance.model')
    local path = '004_e35aa5ebcc029514.txt'
    os.remove(d .. '/.stance/annotations/fixture/' .. path .. '.stance') -- nobody has read it
    local c = assert(require('stance').open(d))
    local base = assert(model.run(c, { predict = { path }, all = true }))
    local doc = assert(c:document(path))
    local at
    for i, sp in ipairs(doc:sentences()) do
      if sp.text == 'Sanctions are uniquely ineffective against North Korea.' then at = i end
    end
    assert.is_true(at and at > 5, 'the sentence is in the middle of the document')
    local sentence = doc:sentences()[at]
    --- annotator tester's layer of 004 in progress with one annotation of that sentence
    --- (accepted from a suggestion: with the model's probability as its confidence, or not)
    local function with(confidence)
      os.execute(('rm -rf %s/.stance/annotations/tester'):format(T.q(d)))
      c = assert(require('stance').open(d))
      doc = assert(c:document(path))
      assert(doc:annotate({ start = sentence.start, stop = sentence.stop, label = 'sanctions-against',
        role = 'claim', confidence = confidence, annotator = 'tester' }))
      assert(c:save())
      c = assert(require('stance').open(d))
      return assert(model.run(c, { predict = { path }, all = true }))
    end
    local function known(res)
      local out, at_doc = {}, nil
      for i, doc_res in ipairs(res.documents) do
        if doc_res.path == path then at_doc = i end
      end
      for i, s in ipairs(res.predictions(assert(at_doc))) do
        out[i] = s.targets.sanctions.known or '-'
        for _, t in ipairs({ 'engagement', 'human-rights', 'denuclearization-first' }) do
          if s.targets[t].known then out[i] = out[i] .. ' ' .. t .. ':' .. s.targets[t].known end
        end
      end
      return out
    end
    local decided = with('0.840')
    local k = known(decided)
    assert.are.equal('against', k[at])
    for i = 1, #k do
      if i ~= at then assert.are.equal('-', k[i], 'sentence ' .. i .. ' was never read') end
    end
    -- learnt from: that sentence for sanctions, nothing else of 004
    assert.are.equal(base.examples.sanctions.against + 1, decided.examples.sanctions.against)
    assert.are.equal(base.examples.sanctions.none, decided.examples.sanctions.none)
    assert.are.equal(base.examples.engagement.none, decided.examples.engagement.none)
    -- the annotator's own annotation there says the sentences before it were read
    local read = known(with(nil))
    for i = 1, at - 1 do
      assert.are_not.equal('-', read[i])
    end
    -- stance eval counts the same: the accepted annotation adds one "against", no "none"
    with('0.840')
    local out, err, code = T.run(('cd %s && %s eval --json --target sanctions'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    local accepted = json.decode(out).targets[1].support
    os.execute(('rm -rf %s/.stance/annotations/tester'):format(T.q(d)))
    out = T.run(('cd %s && %s eval --json --target sanctions'):format(T.q(d), T.q(T.stance)))
    local before = json.decode(out).targets[1].support
    assert.are.same({ none = before.none, favor = before.favor, against = before.against + 1 }, accepted)
    -- a rejected suggestion (g-: the model layer) is a "none" for its sentence and target only,
    -- in stance eval as in the editor's retraining
    local first = doc:sentences()[3]
    c = assert(require('stance').open(d))
    assert(assert(c:document(path)):annotate({ start = first.start, stop = first.stop, label = 'sanctions-favor',
      confidence = '0.700', note = 'rejected by tester', annotator = 'model' }))
    assert(c:save())
    out = T.run(('cd %s && %s eval --json --target sanctions'):format(T.q(d), T.q(T.stance)))
    local rejected = json.decode(out).targets[1].support
    assert.are.same({ none = before.none + 1, favor = before.favor, against = before.against }, rejected)
  end)

  it('reads the preferred (gold) layer\'s file without testing it first: no access() per document', function()
    local d = study()
    if not d then return pending('../shared/corpus is not here') end
    local _, _, has_strace = T.run('command -v strace')
    if has_strace ~= 0 then return pending('strace is not installed: the system calls cannot be counted') end
    -- gold has a file for one document, not for the others
    local doc_path = '002_c6bce5e05bd0fd45.txt'
    local src = T.read(d .. '/.stance/annotations/fixture/' .. doc_path .. '.stance')
    os.execute(('mkdir -p %s/.stance/annotations/gold'):format(T.q(d)))
    T.write(d .. '/.stance/annotations/gold/' .. doc_path .. '.stance', (src:gsub('annotator fixture', 'annotator gold')))
    local log = d .. '/strace.log'
    -- (-y: a file opened from its folder's descriptor, as the model job opens a layer's, is
    -- shown with that folder's path)
    local _, err, code = T.run(('cd %s && strace -f -qq -y -o %s -e trace=access,faccessat,faccessat2,open,openat %s suggest >/dev/null')
      :format(T.q(d), T.q(log), T.q(T.stance)))
    assert.are.equal(0, code, err)
    local tested, opened = {}, {}
    for line in assert(T.read(log)):gmatch('[^\n]+') do
      local dir, name = line:match('<([^<>]*/%.stance/annotations/gold)>, "([^"/]+)"')
      local path = dir and dir .. '/' .. name or line:match('"([^"]*/%.stance/annotations/gold/[^"]*)"')
      if path then
        if line:find('access', 1, true) then tested[#tested + 1] = line end
        if line:find('open', 1, true) then opened[path] = (opened[path] or 0) + 1 end
      end
    end
    assert.are.same({}, tested, 'no access() to the gold layer\'s files')
    -- each document's gold file is tried once by the model job (read, or ENOENT)
    assert.truthy(opened[d .. '/.stance/annotations/gold/' .. doc_path .. '.stance'], 'the gold file read')
  end)

  it('stance eval holds out documents, scores every target next to two baselines, the same each time', function()
    local d = study()
    if not d then return pending('../shared/corpus is not here') end
    local cmd = ('cd %s && %s eval --json'):format(T.q(d), T.q(T.stance))
    local out, err, code = T.run(cmd)
    assert.are.equal(0, code, err)
    local r = json.decode(out)
    assert.are.equal(5, r.documents)
    assert.are.equal(5, r.folds)
    assert.are.same({ 'none', 'favor', 'against' }, r.classes)
    assert.are.equal(4, #r.targets)
    for _, t in ipairs(r.targets) do
      for _, who in ipairs({ 'model', 'majority', 'keyword' }) do
        assert.is_number(t[who].f_avg)
        assert.is_number(t[who].macro_f1)
        -- the F1 of a class with neither examples nor predictions is 0/0: none
        local favor = t[who].per.favor
        assert.is_true(type(favor.f1) == 'number' or (favor.support == 0 and favor.predicted == 0))
      end
      assert.are.equal(0, t.majority.f_avg) -- "always none" finds no stance
      assert.are.equal(267, t.support.none + t.support.favor + t.support.against)
      -- the model next to the keyword rule: where they decide otherwise, who is right
      local v = t.versus_keyword
      assert.are.equal(267, v.pairs)
      assert.is_true(v.differ >= v.model_right + v.keyword_right and v.differ <= v.pairs, t.name)
    end
    local total = 0
    for _, b in ipairs(r.calibration.bins) do
      total = total + b.n
    end
    assert.are.equal(4 * 267, total)
    assert.are.equal(out, (T.run(cmd))) -- deterministic
    T.report('study: %s', (function()
      local parts = {}
      for _, t in ipairs(r.targets) do
        parts[#parts + 1] = ('%s F_avg %.2f (keyword %.2f)'):format(t.name, t.model.f_avg, t.keyword.f_avg)
      end
      return table.concat(parts, ', ')
    end)())
    local text = T.run(('cd %s && %s eval --target sanctions --learner lr'):format(T.q(d), T.q(T.stance)))
    assert.truthy(text:find('sanctions (none 244, favor 0, against 23', 1, true), text)
    assert.truthy(text:find('keyword%s+%d%.%d+%s+%d%.%d+'), text)
    -- and what the model adds to the rule, in words
    assert.truthy(text:find('model vs keyword rule: ', 1, true), text)
    assert.truthy(text:find('the same decision for all 267 held%-out sentences') or
      text:find('decided %d+ of 267 held%-out sentences otherwise; right in %d+ of them, the rule in %d+'), text)
    -- the reliability table says what it counts, in words
    assert.truthy(text:find('reliability of the probabilities (267 sentence-target pairs, held out)', 1, true), text)
    assert.truthy(text:find('(favor or against, never "none")', 1, true), text)
    assert.truthy(text:find('probability it gives  pairs  mean probability  annotators gave it', 1, true), text)
    assert.is_nil(text:find('engagement', 1, true))
    local _, e2, c2 = T.run(('cd %s && %s eval --folds 1'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(2, c2)
    assert.truthy(e2:find('--folds', 1, true))
    local _, e3, c3 = T.run(('cd %s && %s eval --learner tree'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(2, c3)
    assert.truthy(e3:find('--learner', 1, true))
  end)

  it('stance suggest writes complete annotations of the study schema as the model layer only', function()
    local d = study()
    if not d then return pending('../shared/corpus is not here') end
    -- the annotator has read one document half-way: the rest of it and another are to suggest
    local ann = d .. '/.stance/annotations/fixture/'
    os.execute(('rm %s'):format(T.q(ann .. '004_e35aa5ebcc029514.txt.stance')))
    local f3 = T.read(ann .. '003_7e305a588b2246b7.txt.stance')
    local cut = f3:find('annotation s003%-51') -- keep the annotations before sentence 51
    T.write(ann .. '003_7e305a588b2246b7.txt.stance', f3:sub(1, cut - 1):gsub('  status done\n', ''))
    local before = T.read(ann .. '000_6358a7516b2472dd.txt.stance')
    local out, err, code = T.run(('cd %s && %s suggest'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    assert.truthy(out:find('written as the layer "model"', 1, true), out)
    local schema = require('stance.schema').load(d)
    local seen = 0
    for _, doc in ipairs({ '003_7e305a588b2246b7.txt', '004_e35aa5ebcc029514.txt' }) do
      local path = d .. '/.stance/annotations/model/' .. doc .. '.stance'
      if T.exists(path) then
        local store = assert(require('stance.core').read(assert(T.read(path))))
        for _, r in ipairs(store:records('annotation')) do
          local label = schema.by.label[r.label]
          assert.truthy(label, r.label) -- one of the schema's labels
          assert.are.equal(label.target, r.target)
          assert.are.equal(label.stance, r.stance)
          assert.truthy(r.stance == 'favor' or r.stance == 'against')
          assert.is_true(tonumber(r.confidence) > 0 and tonumber(r.confidence) <= 1)
          if doc:match('^003') then assert.is_true(r.spans[1][1] >= 5476, r.spans[1][1]) end -- unread only
          seen = seen + 1
        end
      end
    end
    assert.is_true(seen > 0)
    -- read documents get no suggestion; persons' files are untouched
    assert.is_false(T.exists(d .. '/.stance/annotations/model/000_6358a7516b2472dd.txt.stance'))
    assert.are.equal(before, T.read(ann .. '000_6358a7516b2472dd.txt.stance'))
    -- an annotator rejects the first suggestion of 004 (g-: its note says so): the next run
    -- keeps the rejection, learns from it, and does not suggest it again
    local core = require('stance.core')
    local mpath = d .. '/.stance/annotations/model/004_e35aa5ebcc029514.txt.stance'
    local mstore = assert(core.read(assert(T.read(mpath))))
    local first = mstore:records('annotation')[1]
    assert(mstore:update(first.id, { note = 'rejected by fixture' }))
    T.write(mpath, mstore:write())
    local _, err3, code3 = T.run(('cd %s && %s suggest'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code3, err3)
    mstore = assert(core.read(assert(T.read(mpath))))
    local kept, again = mstore:get(first.id), 0
    assert.truthy(kept, 'the rejection is kept')
    assert.are.equal('rejected by fixture', kept.note)
    for _, r in ipairs(mstore:records('annotation')) do
      if r.id ~= first.id and r.spans[1][1] == first.spans[1][1] and r.target == first.target
        and r.stance == first.stance then
        again = again + 1
      end
    end
    assert.are.equal(0, again, 'a rejected suggestion is not written again')
  end)

  it('leaves the schema\'s not-annotators out of learning, scoring and "read" (a lexicon pre-annotation)', function()
    local d = study()
    if not d then return pending('../shared/corpus is not here') end
    -- nobody has read 004; the lexicon pre-annotates every document, as the study's user did
    os.remove(d .. '/.stance/annotations/fixture/004_e35aa5ebcc029514.txt.stance')
    local learnt = function()
      local out, err, code = T.run(('cd %s && %s suggest'):format(T.q(d), T.q(T.stance)))
      assert.are.equal(0, code, err)
      return out:match('learnt from [^\n]*'), out
    end
    local alone = learnt()
    local _, perr, pcode = T.run(('%s run %s %s %s'):format(T.q(T.stance),
      T.q(T.root .. '/doc/example/scripts/preannotate.lua'), T.q(T.root .. '/doc/example/scripts/lexicon-study.txt'),
      T.q(d)))
    assert.are.equal(0, pcode, perr)
    assert.is_true(T.exists(d .. '/.stance/annotations/lexicon/004_e35aa5ebcc029514.txt.stance'))
    local schema = T.read(d .. '/.stance/schema.stance')
    T.write(d .. '/.stance/schema.stance', (schema:gsub('corpus\n  include "%*%.txt"\n',
      'corpus\n  include "*.txt"\n  not-annotators lexicon\n')))
    -- suggestions learn what they learnt without the lexicon layer, and 004 is still unread
    local with, out = learnt()
    assert.are.equal(alone, with, out)
    assert.is_true(T.exists(d .. '/.stance/annotations/model/004_e35aa5ebcc029514.txt.stance'))
    local ev, eerr, ecode = T.run(('cd %s && %s eval --json'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, ecode, eerr)
    local r = json.decode(ev)
    assert.are.equal(4, r.documents) -- 004 holds only the lexicon's keyword annotations
    assert.are.same({ 'fixture' }, r.layers)
    assert.are.same({ { name = 'lexicon', why = 'named in the schema\'s not-annotators' } }, r.left_out)
    local text = T.run(('cd %s && %s eval --target sanctions'):format(T.q(d), T.q(T.stance)))
    assert.truthy(text:find('layers learnt from and scored on: fixture\n', 1, true), text)
    assert.truthy(text:find('layer left out: lexicon (named in the schema\'s not-annotators)', 1, true), text)
    -- named, a layer is learnt from whatever it is
    local _, _, left = require('stance.model').layers(assert(require('stance').open(d)), { 'lexicon' })
    assert.are.same({}, left)
  end)

  it('a target without examples of any stance gets undefined figures ("–") in stance eval and the report', function()
    local d = study()
    if not d then return pending('../shared/corpus is not here') end
    -- nobody gave denuclearization-first a stance: its annotations removed from every file
    for f in T.run(('ls %s/.stance/annotations/fixture'):format(T.q(d))):gmatch('[^\n]+') do
      local file = d .. '/.stance/annotations/fixture/' .. f
      local kept = {}
      for block in (T.read(file) .. '\n'):gmatch('(.-)\n\n+') do
        if not block:find('target denuclearization-first', 1, true) then kept[#kept + 1] = block end
      end
      T.write(file, table.concat(kept, '\n\n') .. '\n')
    end
    local out, err, code = T.run(('cd %s && %s eval --json --folds 3'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    local r = json.decode(out)
    local dn = r.targets[4]
    assert.are.equal('denuclearization-first', dn.name)
    assert.are.same({ 0, 0 }, { dn.support.favor, dn.support.against })
    for _, who in ipairs({ 'model', 'majority', 'keyword' }) do
      assert.is_nil(dn[who].f_avg, who) -- not 0: nothing to find
      assert.is_nil(dn[who].macro_f1, who) -- not 1: one class is nothing to tell apart
      assert.are.equal('no examples of any stance, and none predicted', dn[who].undefined)
      assert.is_number(dn[who].accuracy)
    end
    assert.is_number(r.targets[1].model.f_avg) -- the others as before
    assert.is_nil(r.targets[1].model.undefined)
    out = T.run(('cd %s && %s eval --folds 3 --target denuclearization-first'):format(T.q(d), T.q(T.stance)))
    assert.truthy(out:find('\n  model           –        –     1.000   none 1.000, favor –, against –\n', 1, true), out)
    assert.truthy(out:find('– undefined (model, majority, keyword): no examples of any stance, and none predicted',
      1, true), out)
    assert.is_nil(out:find('0.000    1.000', 1, true), out)
    -- the report's table of the model: the same dashes, and why (with a document to suggest for)
    os.remove(d .. '/.stance/annotations/fixture/004_e35aa5ebcc029514.txt.stance')
    local _, serr, scode = T.run(('cd %s && %s suggest'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, scode, serr)
    local _, rerr, rcode = T.run(('cd %s && %s report --output %s/out'):format(T.q(d), T.q(T.stance), T.q(d)))
    assert.are.equal(0, rcode, rerr)
    local page = T.read(d .. '/out/report.html')
    local row = page:match('<tr><td>[^<]*[Dd]enucleari[^\n]-</tr>')
    assert.truthy(row, page:match('<table class="model">.-</table>'))
    assert.truthy(row:find('–', 1, true) and row:find('no examples of any stance', 1, true), row)
  end)

  it('works with any stance names: pro, con and a stance called none; and without targets', function()
    local schema = table.concat({ 'format stance 1', '', 'target talks', '  terms talk* dialogue',
      'target other-thing', 'stance pro', 'stance con', 'stance none', '  title "takes no side, said outright"',
      'label pro', '  stance pro', '  ask target', 'label con', '  stance con', '  ask target', 'label none',
      '  stance none', '  ask target', '' }, '\n')
    local d, c = corpus(schema, texts(6), function(i, text)
      if text:find('^We ') then return { target = 'talks', stance = 'pro' } end
      if text:find('^They say ') then return { target = 'talks', stance = 'con' } end
      if i % 4 == 0 then return { target = 'talks', stance = 'none' } end
    end)
    local model = require('stance.model')
    local res = assert(model.run(c, { all = true }))
    assert.are.same({ '(no stance)', 'pro', 'con', 'none' }, res.setup.classes)
    assert.is_true(res.trained.talks)
    assert.is_false(res.trained['other-thing']) -- only "no stance" seen
    assert.is_true(res.examples.talks.none > 0) -- the stance called none is a stance
    for i in ipairs(res.documents) do
      for _, s in ipairs(res.predictions(i)) do
        assert.is_nil(s.targets['other-thing'].class)
        local p = s.targets.talks.probs
        assert.is_true(math.abs(p['(no stance)'] + p.pro + p.con + p.none - 1) < 1e-9)
      end
    end
    local out, err, code = T.run(('cd %s && %s eval --json'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    local r = json.decode(out)
    assert.are.same({ '(no stance)', 'pro', 'con', 'none' }, r.classes)
    assert.are.equal('talks', r.targets[1].name)
    -- stance suggest with labels that set only the stance: the target is set too
    os.execute(('rm %s/.stance/annotations/ann/doc06.txt.stance'):format(T.q(d)))
    local _, err2, code2 = T.run(('cd %s && %s suggest'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code2, err2)
    local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/model/doc06.txt.stance'))))
    for _, rec in ipairs(store:records('annotation')) do
      assert.are.equal('talks', rec.target)
      assert.are.equal(rec.stance, rec.label)
    end
    -- no targets in the schema: one model of any annotation's stance
    local d2, c2 = corpus('format stance 1\n\nstance yes\nstance no\n', texts(4), function(_, text)
      if text:find('^We ') then return { stance = 'yes' } end
      if text:find('^They say ') then return { stance = 'no' } end
    end)
    local res2 = assert(model.run(c2, {}))
    assert.is_true(res2.trained[''])
    assert.is_false(res2.setup.named)
    out, err, code = T.run(('cd %s && %s eval'):format(T.q(d2), T.q(T.stance)))
    assert.are.equal(0, code, err)
    assert.truthy(out:find('(any target)', 1, true), out)
  end)

  it('parses terms on targets, and reports bad ones with their line', function()
    local schema = require('stance.schema')
    local s, problems = schema.parse('format stance 1\ntarget a\n  terms sanction* "maximum pressure" ties\n'
      .. 'target b\n  terms\ntarget c\n  terms "half*way"\nlabel l\n  terms x\n')
    assert.are.same({ 'sanction*', 'maximum pressure', 'ties' }, s.by.target.a.terms)
    assert.is_nil(s.by.target.b.terms)
    local msgs = {}
    for _, p in ipairs(problems) do
      msgs[#msgs + 1] = p.line .. ': ' .. p.message
    end
    local all = table.concat(msgs, '\n')
    assert.truthy(all:find('5: `terms` takes one or more', 1, true), all)
    assert.truthy(all:find("7: term 'half*way'", 1, true), all)
    assert.truthy(all:find("9: unknown attribute 'terms' in label", 1, true), all)
    -- a target without terms: its name, the last word a prefix
    local d = corpus('format stance 1\n\ntarget human-rights\nstance favor\nstance against\n', { 'Human rights matter.\n' },
      function() end)
    local st = assert(require('stance.model').setup(assert(require('stance').open(d))))
    assert.are.same({ 'human rights*' }, st.terms['human-rights'])
  end)

  it('learns and suggests on generated schemas: only stances seen per target, no class invented, the same twice',
    function()
      local model = require('stance.model')
      for seed = 1, 6 do
        local g = require('helpers.gen_schema').new(seed)
        -- the first target sees two stances (one for "We", one for "They say"), the others one
        -- (every fourth "We" sentence) or none
        local t1, s1, s2 = g.targets[1].name, g.stances[1].name, g.stances[2].name
        local function label_of(target, stance)
          for _, l in ipairs(g.labels) do
            if l.target == target and l.stance == stance then return l.name end
          end
        end
        local d, c = corpus(g.text, texts(6), function(i, text)
          if text:find('^We ') then
            if #g.targets > 1 and i % 4 == 0 then
              return { label = label_of(g.targets[2].name, s1), target = g.targets[2].name, stance = s1 }
            end
            return { label = label_of(t1, s1), target = t1, stance = s1 }
          end
          if text:find('^They say ') then return { label = label_of(t1, s2), target = t1, stance = s2 } end
        end)
        local res = assert(model.run(c, { all = true }))
        local again = assert(model.run(c, { all = true }))
        assert.is_true(res.trained[t1], 'seed ' .. seed)
        for ti, tg in ipairs(g.targets) do
          local seen = {}
          for k, n in pairs(res.examples[tg.name] or {}) do
            if n > 0 then seen[k] = true end
          end
          for i in ipairs(res.documents) do
            local a, b = res.predictions(i), again.predictions(i)
            for j, sent in ipairs(a) do
              local it = sent.targets[tg.name]
              if it.probs then
                local sum = 0
                for k, p in pairs(it.probs) do
                  sum = sum + p
                  -- a class never seen for the target is never given a chance
                  if not seen[k] then assert.are.equal(0, p, ('seed %d %s %s'):format(seed, tg.name, k)) end
                end
                assert.is_true(math.abs(sum - 1) < 1e-9)
                assert.truthy(it.class == res.setup.classes[1] or seen[it.class], it.class)
                assert.are.same(it.probs, b[j].targets[tg.name].probs, 'deterministic') -- the same twice
              else
                assert.is_nil(it.class)
                assert.is_true(ti > 1, 'the first target has a model')
              end
            end
          end
        end
        -- stance suggest writes the schema's names, complete (target and stance) and checkable
        os.execute(('rm %s/.stance/annotations/ann/doc06.txt.stance'):format(T.q(d)))
        local _, err, code = T.run(('cd %s && %s suggest'):format(T.q(d), T.q(T.stance)))
        assert.are.equal(0, code, err)
        local text = T.read(d .. '/.stance/annotations/model/doc06.txt.stance')
        local known = {}
        for _, x in ipairs(g.stances) do
          known[x.name] = true
        end
        assert.truthy(text, 'no suggestion written')
        local recs = require('stance.core').read(text):records('annotation')
        assert.is_true(#recs > 0, 'seed ' .. seed)
        for _, rec in ipairs(recs) do
          assert.truthy(known[rec.stance], rec.stance)
          assert.truthy(rec.target, 'a suggestion without a target')
        end
        local out, cerr, ccode = T.run(('cd %s && %s check'):format(T.q(d), T.q(T.stance)))
        assert.are.equal(0, ccode, out .. cerr)
      end
    end)
end)
