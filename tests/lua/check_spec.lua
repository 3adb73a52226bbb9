-- stance check and stance fmt on real folders.
local T = require('helpers')

local function corpus()
  local d = T.tmpdir()
  os.execute(('cp -r %s/doc/example/corpus/. %s'):format(T.q(T.root), T.q(d)))
  return d
end

describe('stance check', function()
  after_each(T.cleanup)

  it('finds nothing wrong with the example corpus', function()
    local out, err, code = T.stance_run({ 'check' }, nil, T.root .. '/doc/example/corpus')
    assert.are.equal('', out)
    assert.are.equal('stance check: the schema, documents.csv and 6 annotation files (2 layers) of a corpus '
      .. 'of 4 documents: 0 errors, 0 warnings\n', err)
    assert.are.equal(0, code)
  end)

  it('checks the lexicon: its conflict markers, unknown records and attributes at their places', function()
    local d = corpus()
    T.write(d .. '/.stance/lexicon.stance', 'format stance 1\n<<<<<<< HEAD\ncategory a\n  cues foo\n=======\n'
      .. 'category b\n  bogus 1\n>>>>>>> x\nzzz\n')
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code)
    local conflict = 'error: unresolved git merge conflict: the lexicon is merged by hand (the merge driver does not '
      .. 'merge it): keep one side and remove the marker lines (<<<<<<<, =======, >>>>>>>)'
    assert.are.equal(table.concat({
      '.stance/lexicon.stance:2:1: ' .. conflict,
      '.stance/lexicon.stance:5:1: ' .. conflict,
      ".stance/lexicon.stance:7:1: warning: unknown attribute 'bogus' in category b (title, cues)",
      '.stance/lexicon.stance:8:1: ' .. conflict,
      ".stance/lexicon.stance:9:1: warning: unknown record 'zzz' in a lexicon (category)",
    }, '\n') .. '\n', out)
    assert.truthy(err:find('the schema, documents.csv, the lexicon and 6 annotation files', 1, true), err)
  end)

  it('says an unresolved git merge conflict in a layer as such, at its line (example corpus and the study)', function()
    -- a real `git merge` without stance's merge driver: both branches relabel one annotation
    local conflicted = require('helpers.gitconflict').make
    local msg = 'error: ' .. require('helpers.gitconflict').MESSAGE
    local d = corpus()
    local line = conflicted(d, '.stance/annotations/ana/04_letter.txt.stance', '  label evidence\n',
      '  label favor\n', '  label against\n')
    local out, _, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code)
    assert.truthy(out:find(('.stance/annotations/ana/04_letter.txt.stance:%d:1: %s\n'):format(line, msg), 1, true), out)
    assert.is_nil(out:find('lowercase keyword', 1, true), out)
    local study = require('helpers.study').with_layer('ana', '000_6358a7516b2472dd.txt',
      { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'in-progress')
    if not study then return pending('../shared/study and ../shared/corpus are not here') end
    local rel = '.stance/annotations/ana/000_6358a7516b2472dd.txt.stance'
    line = conflicted(study, rel, '  label engagement-favor\n', '  label engagement-against\n',
      '  label sanctions-against\n')
    out, _, code = T.stance_run({ 'check' }, nil, study)
    assert.are.equal(1, code)
    assert.truthy(out:find(('%s:%d:1: %s\n'):format(rel, line, msg), 1, true), out)
  end)

  it('prints problems as path:line:col for quickfix, and exits 1', function()
    local d = corpus()
    local f = d .. '/.stance/annotations/ana/04_letter.txt.stance'
    local text = T.read(f):gsub('stance favor', 'stance favour'):gsub('label evidence', 'label "evidence')
    T.write(f, text)
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code)
    local lines = T.lines(out)
    assert.are.equal(".stance/annotations/ana/04_letter.txt.stance:10:9: error: unterminated string (a string ends on its line)", lines[1])
    assert.truthy(lines[2]:match("^%.stance/annotations/ana/04_letter%.txt%.stance:%d+:1: warning: unknown stance 'favour' %(schema has favor, against, neutral%)$"), lines[2])
    assert.are.equal('stance check: the schema, documents.csv and 6 annotation files (2 layers) of a corpus '
      .. 'of 4 documents: 1 error, 1 warning\n', err)
    local js
    local _
    js, _, code = T.stance_run({ 'check', '--json', '--quiet' }, nil, d)
    assert.are.equal(1, code)
    local first = require('stance.json').decode(T.lines(js)[1])
    assert.are.same({ path = '.stance/annotations/ana/04_letter.txt.stance', line = 10, col = 9, severity = 'error',
      message = 'unterminated string (a string ends on its line)' }, first)
    assert.truthy(js:find('^{"path":', 1))
  end)

  it('counts a changed document once, however many layers it has', function()
    local d = corpus()
    local doc = d .. '/01_charge_works.txt'
    T.write(doc, 'A line added on top.\n\n' .. T.read(doc))
    local _, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code)
    assert.truthy(err:find('stance check: 1 document changed since annotated;', 1, true), err)
  end)

  it('counts no change for a layer without a hash, and keeps problems whole before its summary in 2>&1', function()
    local d = corpus()
    -- a hand-written layer (no hash): nothing says its document changed
    local f = d .. '/.stance/annotations/ana/04_letter.txt.stance'
    T.write(f, (T.read(f):gsub('\n  hash [^\n]*', '', 1)))
    local _, err = T.stance_run({ 'check' }, nil, d)
    assert.falsy(err:find('changed since annotated', 1, true), err)
    -- a changed document and problems: `stance check >out 2>&1`, as :make runs it
    local doc = d .. '/01_charge_works.txt'
    T.write(doc, 'A line added on top.\n\n' .. T.read(doc))
    T.write(f, (T.read(f):gsub('stance favor', 'stance favour')))
    local _, err2, code = T.run(('cd %s && %s check >out 2>&1'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(1, code, err2)
    local lines = T.lines(T.read(d .. '/out'))
    local summary = false
    for _, l in ipairs(lines) do
      if l:find('^stance check: ') then
        summary = true
      elseif l ~= '' then
        assert.falsy(summary, 'a problem after the summary: ' .. l)
        assert.truthy(l:match('^[^:]+:%d+:%d+: %a+: '), l)
      end
    end
    assert.truthy(summary)
  end)

  it('refuses a layer that is a link to another one, and warns of a layer copied from another folder', function()
    local d = corpus()
    local A = d .. '/.stance/annotations/'
    os.execute(('mkdir -p %s && ln -s ../ana/04_letter.txt.stance %s && cp %s %s'):format(T.q(A .. 'eve'),
      T.q(A .. 'eve/04_letter.txt.stance'), T.q(A .. 'ana/01_charge_works.txt.stance'), T.q(A .. 'eve/')))
    local out, _, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code)
    assert.truthy(out:find('.stance/annotations/eve/04_letter.txt.stance:1:1: error: a link to '
      .. '.stance/annotations/ana/04_letter.txt.stance', 1, true), out)
    assert.truthy(out:find(".stance/annotations/eve/01_charge_works.txt.stance:5:3: warning: annotator ana in eve's folder",
      1, true), out)
    -- ana's own files are not reported
    assert.falsy(out:find('^%.stance/annotations/ana/') or out:find('\n%.stance/annotations/ana/'), out)
  end)

  it('gives the fix of a layer in another annotator\'s folder as a git mv line, its paths quoted for the shell',
    function()
      local d = require('helpers.study').annotated('000_6358a7516b2472dd.txt')
      if not d then return pending('../shared is not here') end
      local A = '.stance/annotations/'
      local doc = '001_6520dcfa8ca08700.txt.stance'
      local moved = A .. "e v'e/" .. doc
      T.write(d .. '/' .. moved, T.read(d .. '/' .. A .. 'fixture/' .. doc):gsub('annotator fixture',
        'annotator "zo\' e"', 1))
      T.run(('cd %s && git init -q && git add -A && git -c user.name=t -c user.email=t@e.org commit -q -m base')
        :format(T.q(d)))
      local out, _, code = T.stance_run({ 'check' }, nil, d)
      assert.are.equal(1, code)
      local want = "mkdir -p -- '.stance/annotations/zo'\\'' e' && git mv -- '.stance/annotations/e v'\\''e/" .. doc
        .. "' '.stance/annotations/zo'\\'' e/" .. doc .. "'"
      local line = out:match('[^\n]*annotator zo\' e in e v\'e\'s folder[^\n]*')
      assert.truthy(line and line:find('move it there: ' .. want .. ' (', 1, true), out)
      -- the line does what it says (run here by the test, never by stance)
      local _, err, rc = T.run(('cd %s && %s'):format(T.q(d), want))
      assert.are.equal(0, rc, err)
      assert.truthy(T.exists(d .. "/.stance/annotations/zo' e/" .. doc))
      assert.truthy(T.run(('git -C %s status --porcelain'):format(T.q(d))):find('^R  '))
      local out2 = T.stance_run({ 'check' }, nil, d)
      assert.falsy(out2:find('folder', 1, true), out2)
      -- a name with a control character: ANSI-C quotes, every byte outside printable ASCII as \xHH
      local odd = A .. 'eve/' .. doc
      T.write(d .. '/' .. odd, T.read(d .. '/' .. A .. 'fixture/' .. doc):gsub('annotator fixture',
        'annotator "b\\nob\\u{202e}"', 1))
      local out3 = T.stance_run({ 'check', odd }, nil, d)
      local want3 = "mkdir -p -- $'.stance/annotations/b_ob\\xe2\\x80\\xae' && git mv -- .stance/annotations/eve/" .. doc
        .. " $'.stance/annotations/b_ob\\xe2\\x80\\xae/" .. doc .. "'"
      assert.truthy(out3:find('move it there: ' .. want3 .. ' (', 1, true), out3)
      T.run(('cd %s && git add -A'):format(T.q(d)))
      local _, err3, rc3 = T.run(('cd %s && bash -c %s'):format(T.q(d), T.q(want3)))
      assert.are.equal(0, rc3, err3)
      assert.truthy(T.exists(d .. '/.stance/annotations/b_ob\226\128\174/' .. doc))
      -- the folder it names has the document's file: compare them instead
      T.write(d .. '/' .. odd, T.read(d .. '/' .. A .. 'fixture/' .. doc))
      T.run(('cd %s && git add -A'):format(T.q(d)))
      local out4 = T.stance_run({ 'check', odd }, nil, d)
      assert.truthy(out4:find("fixture's folder has a file of this document already: compare them (stance diff "
        .. A .. 'fixture/' .. doc .. ' ' .. odd .. ') and keep one', 1, true), out4)
    end)

  it('warns about an attribute it does not know, unless the schema declares it', function()
    local d = corpus()
    local f = d .. '/.stance/annotations/ana/04_letter.txt.stance'
    T.write(f, T.read(f):gsub('\n  quote ', '\n  sarcasm yes\n  quote ', 1))
    local out, _, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code)
    assert.truthy(out:find("warning: unknown attribute 'sarcasm' in annotation", 1, true), out)
    local schema = d .. '/.stance/schema.stance'
    T.write(schema, T.read(schema) .. '\nattribute sarcasm\n  title "the author is being sarcastic"\n')
    local out2, err2, code2 = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(0, code2, out2 .. err2)
    -- kept as written
    assert.truthy(T.read(f):find('\n  sarcasm yes\n', 1, true))
  end)

  it('checks the schema and single files given as arguments', function()
    local d = corpus()
    T.write(d .. '/.stance/schema.stance', T.read(d .. '/.stance/schema.stance') .. 'label dup\n  key f\n')
    local out, _, code = T.stance_run({ 'check', '--quiet', '.stance/schema.stance' }, nil, d)
    assert.are.equal(1, code)
    assert.truthy(out:find("^%.stance/schema%.stance:%d+:1: error: key 'f' of label dup is taken by label favor\n$"), out)
  end)

  it('says so outside a corpus', function()
    local d = T.tmpdir()
    local _, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code)
    assert.truthy(err:find('not inside a corpus', 1, true))
  end)
end)

describe('stance fmt', function()
  after_each(T.cleanup)

  it('rewrites files in canonical form, and --check lists them first', function()
    local d = corpus()
    local f = d .. '/.stance/annotations/ben/02_charge_unfair.txt.stance'
    local canonical = T.read(f)
    T.write(f, canonical:gsub('\n  ', '\n\t'):gsub('\n\nannotation', '\nannotation'))
    local out, _, code = T.stance_run({ 'fmt', '--check' }, nil, d)
    assert.are.equal(1, code)
    assert.are.equal(f, out:gsub('\n$', ''))
    out, _, code = T.stance_run({ 'fmt' }, nil, d)
    assert.are.equal(0, code)
    assert.are.equal(f .. '\n', out)
    assert.are.equal(canonical, T.read(f))
    out, _, code = T.stance_run({ 'fmt', '--check' }, nil, d)
    assert.are.equal(0, code)
    assert.are.equal('', out)
  end)

  it('leaves files with errors alone unless forced', function()
    local d = corpus()
    local f = d .. '/.stance/annotations/ana/04_letter.txt.stance'
    local broken = T.read(f):gsub('label evidence', 'label "evidence')
    T.write(f, broken)
    local _, err, code = T.stance_run({ 'fmt', f })
    assert.are.equal(1, code)
    assert.truthy(err:find('1 error(s), left alone', 1, true))
    assert.are.equal(broken, T.read(f))
    _, _, code = T.stance_run({ 'fmt', '--force', f })
    assert.are.equal(0, code)
    local _, problems = require('stance.core').read(T.read(f))
    assert.are.same({}, problems)
  end)

  it('warns at its line and column about a target\'s documents glob that matches no document (the study)', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local schema = d .. '/.stance/schema.stance'
    -- sanctions kept to three op-eds, and a folder the corpus does not have; human-rights to none
    T.write(schema, (assert(T.read(schema)):gsub('(target sanctions\n)', '%1  documents "00[0-2]_*.txt" "op-eds/*.txt"\n', 1)
      :gsub('(target human%-rights\n)', '%1  documents "letters/*.txt"\n', 1)))
    local lines = T.lines(assert(T.read(schema)))
    local sl, hl
    for i, l in ipairs(lines) do
      if l:find('op-eds', 1, true) then sl = i end
      if l:find('letters', 1, true) then hl = i end
    end
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code, err)
    assert.are.equal(('.stance/schema.stance:%d:29: warning: target sanctions: documents \'op-eds/*.txt\' matches none '
      .. 'of the corpus\'s 5 documents\n'
      .. '.stance/schema.stance:%d:13: warning: target human-rights: documents \'letters/*.txt\' matches none of the '
      .. 'corpus\'s 5 documents: the target is judged in no document\n'):format(sl, hl), out)
    assert.truthy(err:find('0 errors, 2 warnings', 1, true), err)
    -- every glob matching a document: nothing said
    T.write(schema, (assert(T.read(schema)):gsub(' "op%-eds/%*%.txt"', ''):gsub('  documents "letters/%*%.txt"\n', '')))
    out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal('', out)
    assert.are.equal(0, code, err)
  end)
  it('takes a JSON file as a curation state only under .stance/curation/ of its corpus', function()
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance/curation %s/sub'):format(T.q(d), T.q(d)))
    for _, f in ipairs({ 'data.json', 'sub/data.json', '.stance/curation/doc.txt.json' }) do
      T.write(d .. '/' .. f, '[1,2]\n')
    end
    local out = T.stance_run({ 'check', 'data.json', 'sub/data.json', '.stance/curation/doc.txt.json' }, nil, d)
    assert.falsy(out:find('data.json:1:1: error: not a curation state', 1, true), out)
    assert.truthy(out:find('\ndata.json:1:1: error: missing `format stance 1`', 1, true)
      or out:find('^data.json:1:1: error: ') , out)
    assert.truthy(out:find('.stance/curation/doc.txt.json:1:1: error: not a curation state', 1, true), out)
    -- from a folder below, the same file named through ..
    out = T.stance_run({ 'check', '../.stance/curation/doc.txt.json', 'data.json' }, nil, d .. '/sub')
    assert.truthy(out:find('../.stance/curation/doc.txt.json:1:1: error: not a curation state', 1, true), out)
    assert.falsy(out:find('\ndata.json:1:1: error: not a curation state', 1, true) or out:find('^data.json:1:1: error: not'),
      out)
  end)
end)

describe('stance check on two stances of one annotator over one text', function()
  after_each(T.cleanup)

  --- A corpus of `schema_text` and one document, ana's layer on it holding one annotation per
  --- item of `stances` over the same first sentence toward `target`.
  local function with_stances(schema_text, target, stances, doc_text)
    local core = require('stance.core')
    local d = T.tmpdir()
    T.write(d .. '/.stance/schema.stance', schema_text)
    T.write(d .. '/doc.txt', doc_text)
    local store = core.store()
    store:set_header('document', 'doc.txt')
    store:set_header('annotator', 'ana')
    store:set_header('hash', 'sha256:' .. core.sha256(doc_text))
    store:set_header('status', 'done')
    local stop = doc_text:find('.', 1, true)
    local schema = require('stance.schema').parse(schema_text)
    -- a label of the schema that sets this stance toward this target, or leaves them open
    local function label_for(st)
      for _, l in ipairs(schema.labels) do
        if (l.target == nil or l.target == target) and (l.stance == nil or l.stance == st) then return l.name end
      end
      error('no label for ' .. st)
    end
    for i, st in ipairs(stances) do
      assert(store:add({ kind = 'annotation', id = ('two%09d'):format(i), spans = { { 0, stop } }, stance = st,
        label = label_for(st),
        target = target, quote = doc_text:sub(1, stop), created = '2026-12-01T10:00:00Z' }))
    end
    T.write(d .. '/.stance/annotations/ana/doc.txt.stance', store:write())
    return d
  end

  it('warns at the second, naming the one agreement and the exports count (the study, a generated schema)', function()
    local cases = {}
    if T.shared then
      local study = assert(T.read(T.shared .. '/study/schema.stance'))
      -- against written first, favor second: favor counted, the study's first stance
      cases[#cases + 1] = { schema = study, target = 'sanctions', stances = { 'against', 'favor' } }
    end
    local g = require('helpers.gen_schema').new(4)
    local n = #g.stances
    cases[#cases + 1] = { schema = g.text, target = g.targets[1].name,
      stances = { g.stances[n].name, g.stances[1].name } }
    for _, c in ipairs(cases) do
      local text = 'Sanctions never worked here. The talks must go on.\n'
      local d = with_stances(c.schema, c.target, c.stances, text)
      local out, err, code = T.stance_run({ 'check' }, nil, d)
      assert.are.equal(1, code, err)
      local second, first = c.stances[2], c.stances[1]
      assert.truthy(out:find(('annotation two000000002: %s toward %s over the same text as two000000001 %%(line %%d+%%), '
        .. 'which says %s: two stances of one annotator there; agreement and the sentence%%-target export count one %%(%s%%)')
        :format(second:gsub('%p', '%%%0'), c.target:gsub('%p', '%%%0'), first:gsub('%p', '%%%0'),
          second:gsub('%p', '%%%0'))), out)
      -- what it says is what the export counts
      local rows = T.stance_run({ 'export', '--unit', 'sentence-target', '--to', 'jsonl' }, nil, d)
      local counted
      for line in rows:gmatch('[^\n]+') do
        local r = require('stance.json').decode(line)
        if r.sentence == 1 and r.target == c.target and r.annotator == 'ana' then counted = r.stance end
      end
      assert.are.equal(second, counted, rows)
      -- the same stance twice over one text is no contradiction: no warning
      d = with_stances(c.schema, c.target, { first, first }, text)
      out = T.stance_run({ 'check' }, nil, d)
      assert.falsy(out:find('two stances', 1, true), out)
      -- nor are the two versions of a merge conflict (said as a conflict, counted by nobody)
      d = with_stances(c.schema, c.target, { first, second }, text)
      local path = d .. '/.stance/annotations/ana/doc.txt.stance'
      local layer = T.read(path)
      local marked = 0
      layer = layer:gsub('\nannotation two00000000(%d)\n', function(i)
        marked = marked + 1
        return ('\nannotation two000000001\n  conflict %s\n'):format(i == '1' and 'ours' or 'theirs')
      end)
      assert.are.equal(2, marked)
      T.write(path, layer)
      out = T.stance_run({ 'check' }, nil, d)
      assert.truthy(out:find('conflict', 1, true), out)
      assert.falsy(out:find('two stances', 1, true), out)
    end
  end)
end)
