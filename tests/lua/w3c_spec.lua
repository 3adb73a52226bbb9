-- W3C Web Annotation out and in: what `stance export --to w3c` writes passes every "must"
-- schema of the W3C test suite (with python3-jsonschema, itself checked to reject the
-- suite's incorrect samples), and comes back in through `stance import --from w3c`, found
-- by its quote when the positions no longer fit; broken input is reported with its place.
local T = require('helpers')

local SUITE = T.interop .. '/w3c'
local VALIDATE = T.root .. '/tests/tools/w3c_validate.py'

local function validate(file)
  local out, err, code = T.run(('python3 %s %s %s'):format(T.q(VALIDATE), T.q(SUITE), T.q(file)))
  return code, out .. err
end

local function corpus()
  local d = T.tmpdir()
  os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
  return d
end

local function stance(dir, args)
  return T.run(('cd %s && %s %s'):format(T.q(dir), T.q(T.stance), args))
end

describe('W3C Web Annotation', function()
  after_each(T.cleanup)

  --- The validator's verdict on every sample of a folder: { [name] = "valid"|"invalid" }.
  local function verdicts(folder)
    local files = {}
    for _, e in ipairs(require('stance.fs').list(folder, { 'json' })) do
      files[#files + 1] = T.q(folder .. '/' .. e.path)
    end
    local out = T.run(('python3 %s --each %s %s'):format(T.q(VALIDATE), T.q(SUITE), table.concat(files, ' ')))
    local v = {}
    for verdict, path in out:gmatch('RESULT (%a+) ([^\n]+)') do
      v[path:match('[^/]+$')] = verdict
    end
    return v, #files
  end

  it('the validator rejects every incorrect sample of the suite and accepts the correct ones', function()
    local v, total = verdicts(SUITE .. '/samples/incorrect')
    assert.is_true(total >= 30)
    for name, verdict in pairs(v) do
      assert.are.equal('invalid', verdict, name)
    end
    local n = 0
    for _ in pairs(v) do
      n = n + 1
    end
    assert.are.equal(total, n)
    -- the correct samples pass, but those using the Composite, List and Independents
    -- selectors, which the final recommendation dropped (the schemas reject them)
    local dropped = { ['anno11.json'] = true, ['anno12.json'] = true, ['anno13.json'] = true,
      ['collection1.json'] = true }
    local c, ctotal = verdicts(SUITE .. '/samples/correct')
    assert.is_true(ctotal >= 40)
    for name, verdict in pairs(c) do
      assert.are.equal(dropped[name] and 'invalid' or 'valid', verdict, name)
    end
  end)

  it('exports every annotation, relation and document stance, valid against the suite', function()
    local d = corpus()
    local out, err, code = stance(d, 'export --to w3c --output ' .. T.q(d .. '/all.json'))
    assert.are.equal(0, code, err .. out)
    local vcode, vout = validate(d .. '/all.json')
    assert.are.equal(0, vcode, vout)
    local lines = stance(d, 'export --to w3c --unit annotation')
    T.write(d .. '/all.jsonl', lines)
    vcode, vout = validate(d .. '/all.jsonl')
    assert.are.equal(0, vcode, vout)
    local json = require('stance.json')
    local col = json.decode(T.read(d .. '/all.json'))
    assert.are.equal('AnnotationCollection', col.type)
    local c = assert(require('stance').open(d))
    local want = 0
    for _, p in ipairs(c:paths()) do
      local doc = c:document(p)
      want = want + #doc:annotations() + #doc:relations() + #doc:labels()
    end
    assert.are.equal(want, col.total)
    local first = col.first.items[1]
    local sel = first.target.selector
    assert.are.equal('TextQuoteSelector', sel[1].type)
    assert.are.equal('TextPositionSelector', sel[2].type)
    assert.is_string(first.creator.name)
    -- the same annotations in another folder (another machine): the same bytes
    local e = T.tmpdir() .. '/' .. d:match('[^/]+$')
    os.execute(('cp -r %s %s'):format(T.q(d), T.q(e)))
    assert.are.equal(T.read(d .. '/all.json'), (stance(e, 'export --to w3c')))
  end)

  it('imports what it exported, and finds annotations by quote when the text moved', function()
    local d = corpus()
    stance(d, 'export --to w3c --output ' .. T.q(d .. '/all.json'))
    -- a fresh copy of the corpus, without annotations, and one document edited at the top
    local e = corpus()
    os.execute('rm -rf ' .. T.q(e .. '/.stance/annotations'))
    local doc = e .. '/01_charge_works.txt'
    T.write(doc, 'Foreword, added later — «merci».\n\n' .. T.read(doc))
    local out, err, code = stance(e, 'import --from w3c ' .. T.q(d .. '/all.json'))
    assert.are.equal(0, code, out .. err)
    -- two annotators' layers (ana, ben), over six files: layers are counted, not files
    assert.truthy(out:find('imported 24 record(s) into 2 layer(s)', 1, true), out)
    assert.truthy(out:find('; 6 annotation file(s) written\n', 1, true), out)
    local before = assert(require('stance').open(d))
    local after = assert(require('stance').open(e))
    for _, p in ipairs(before:paths()) do
      local a, b = before:document(p), after:document(p)
      for _, who in ipairs(a:annotators()) do
        local ra, rb = a:annotations({ annotator = who }), b:annotations({ annotator = who })
        assert.are.equal(#ra, #rb, p .. ' ' .. who)
        local by = {}
        for _, r in ipairs(rb) do
          by[r.id] = r
        end
        for _, r in ipairs(ra) do
          local x = assert(by[r.id], r.id)
          assert.are.same({ r.label, r.target, r.stance, r.role, r.quote },
            { x.label, x.target, x.stance, x.role, x.quote })
          local shift = p == '01_charge_works.txt' and 34 or 0 -- code points of the foreword
          assert.are.equal(r.start + shift, x.start, r.id)
        end
        assert.are.equal(#a:relations({ annotator = who }), #b:relations({ annotator = who }))
      end
    end
    -- the edited document's annotations are where their text is now
    local check, _, ccode = stance(e, 'check')
    assert.are.equal(0, ccode, check)
  end)

  it('reports broken input with its line and byte offset, and imports the rest', function()
    local d = corpus()
    stance(d, 'export --to w3c --unit annotation --annotator ben --output ' .. T.q(d .. '/ben.jsonl'))
    local lines = {}
    for l in T.read(d .. '/ben.jsonl'):gmatch('[^\n]+') do
      lines[#lines + 1] = l
    end
    lines[2] = '{"type": "Annotation", "body": [1, 2,, 3]}'
    T.write(d .. '/broken.jsonl', table.concat(lines, '\n') .. '\n')
    local e = corpus()
    os.execute('rm -rf ' .. T.q(e .. '/.stance/annotations'))
    local out, err, code = stance(e, 'import --from w3c ' .. T.q(d .. '/broken.jsonl'))
    assert.are.equal(1, code)
    assert.truthy(err:find('broken.jsonl:2:', 1, true), err)
    assert.truthy(err:find('(byte ', 1, true), err)
    assert.truthy(out:find(('imported %d record(s)'):format(#lines - 1), 1, true) or out:find('1 skipped', 1, true),
      out)
    T.write(d .. '/bad.json', '{"type": "AnnotationCollection",\n  "first": [}')
    local _, err2, code2 = stance(e, 'import --from w3c ' .. T.q(d .. '/bad.json'))
    assert.are.equal(1, code2)
    assert.truthy(err2:find("bad.json:2:13: warning: unexpected character '}' (byte 45)", 1, true), err2)
  end)

  it('gives each annotation of a collection its own @context: each one alone passes the suite', function()
    local d = corpus()
    stance(d, 'export --to w3c --output ' .. T.q(d .. '/all.json'))
    local json = require('stance.json')
    local col = json.decode(T.read(d .. '/all.json'))
    local files = {}
    for i, item in ipairs(col.first.items) do
      assert.are.same({ 'http://www.w3.org/ns/anno.jsonld',
        { stance = 'https://github.com/stance-nvim/stance.nvim/ns#' } }, item['@context'])
      if i <= 12 then
        files[#files + 1] = d .. '/item' .. i .. '.json'
        T.write(files[#files], json.encode(item))
      end
    end
    for _, f in ipairs(files) do
      local code, out = validate(f)
      assert.are.equal(0, code, f .. ': ' .. out)
    end
  end)

  it('declares in the schema what it imports: the corpus checks clean', function()
    local d = corpus()
    stance(d, 'export --to w3c --output ' .. T.q(d .. '/all.json'))
    local e = corpus()
    os.execute('rm -rf ' .. T.q(e .. '/.stance/annotations'))
    T.write(e .. '/.stance/schema.stance', 'format stance 1\n')
    local out, err, code = stance(e, 'import --from w3c ' .. T.q(d .. '/all.json'))
    assert.are.equal(0, code, out .. err)
    assert.truthy(out:find('schema: ', 1, true) and not out:find('schema: nothing', 1, true), out)
    local schema = T.read(e .. '/.stance/schema.stance')
    assert.truthy(schema:find('\nlabel favor\n', 1, true), schema)
    assert.truthy(schema:find('\ntarget congestion-charge\n', 1, true), schema)
    local cout, cerr, ccode = stance(e, 'check')
    assert.are.equal(0, ccode, cout .. cerr)
  end)

  it('never writes outside the corpus, and takes no offset it cannot hold', function()
    local d = corpus()
    os.execute('rm -rf ' .. T.q(d .. '/.stance/annotations'))
    local json = require('stance.json')
    local function ann(source, start, stop, exact)
      return json.encode({ ['@context'] = 'http://www.w3.org/ns/anno.jsonld', type = 'Annotation',
        id = 'urn:stance:annotation:a' .. tostring(start):gsub('%W', ''), motivation = 'classifying',
        body = { { type = 'TextualBody', purpose = 'tagging', value = 'claim' } },
        target = { source = source, selector = { { type = 'TextQuoteSelector', exact = exact },
          { type = 'TextPositionSelector', start = start, ['end'] = stop } } } })
    end
    local outside = T.tmpdir()
    local lines = {
      ann('urn:stance:document:../../' .. outside:gsub('^/', '') .. '/x.txt', 0, 3, 'The'),
      ann('urn:stance:document:..%2Fx.txt', 0, 3, 'The'),
      ann('urn:stance:document:/etc/passwd', 0, 3, 'The'),
      ann('urn:stance:document:.stance/schema.stance', 0, 3, 'for'),
      ann('urn:stance:document:01_charge_works.txt', 1e300, 1e301, 'Congestion'),
      ann('urn:stance:document:01_charge_works.txt', -5, 2 ^ 63, 'Charge'),
      ann('urn:stance:document:01_charge_works.txt', 4, 14, 'Congestion'),
    }
    T.write(d .. '/evil.jsonl', table.concat(lines, '\n') .. '\n')
    local out, err, code = stance(d, 'import --from w3c --annotator eve ' .. T.q(d .. '/evil.jsonl'))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find("has a part '..'", 1, true), err)
    assert.truthy(err:find('not a document of the corpus', 1, true), err)
    assert.are.equal('', (T.run('ls -A ' .. T.q(outside))))
    assert.falsy(T.exists(d .. '/.stance/annotations/eve/.stance'))
    -- the three on a real document are placed by their quotes
    -- an offset no span can hold is refused at its place (line 5 and 6, at the selector),
    -- never placed at the start of the document; the one that fits is placed by its quote
    assert.truthy(err:find('evil.jsonl:5:%d+: warning: annotation 5 %([^)]*%) skipped: its TextPositionSelector start '
      .. '1e%+300 is not a whole number'), err)
    assert.truthy(err:find('evil.jsonl:6:%d+: warning: annotation 6 %([^)]*%) skipped: its TextPositionSelector start '
      .. '%-5 is not a whole number'), err)
    local store = assert(require('stance.core').read(T.read(d .. '/.stance/annotations/eve/01_charge_works.txt.stance')))
    assert.are.equal(1, store:count('annotation'))
    assert.truthy(out:find('imported 1 record(s) into 1 layer(s)', 1, true), out)
  end)

  it('refuses a source naming an absolute path where it reads it, at its line and column (example, study)', function()
    local json = require('stance.json')
    local function check(d, doc, exact, label)
      os.execute('rm -rf ' .. T.q(d .. '/.stance/annotations'))
      local function ann(source)
        return json.encode({ ['@context'] = 'http://www.w3.org/ns/anno.jsonld', type = 'Annotation',
          motivation = 'classifying', body = { { type = 'TextualBody', purpose = 'tagging', value = label } },
          target = { source = source, selector = { type = 'TextQuoteSelector', exact = exact } } })
      end
      -- without a base of documents (--base, @base): ours with an absolute path, and a
      -- relative reference whose decoded path is absolute
      T.write(d .. '/abs.jsonl', table.concat({ ann('urn:stance:document:/etc/passwd'), ann('%2Fetc%2Fpasswd'),
        ann('urn:stance:document:' .. doc) }, '\n') .. '\n')
      local out, err = stance(d, 'import --from w3c --annotator eve ' .. T.q(d .. '/abs.jsonl'))
      for i, src in ipairs({ 'urn:stance:document:/etc/passwd', '%2Fetc%2Fpasswd' }) do
        -- at its target (file:line:col), as the reader met it
        local want = ('abs%.jsonl:' .. i .. ':%d+: warning: annotation ' .. i .. ' %(no id%) skipped: its target '
          .. src:gsub('%p', '%%%0') .. ' names the absolute path /etc/passwd: a document is named relative to the'
          .. ' corpus root')
        assert.truthy(err:find(want), err)
      end
      assert.falsy(err:find('not a document of the corpus', 1, true), err)
      assert.truthy(out:find('imported 1 record(s) into 1 layer(s)', 1, true), out .. err)
    end
    check(corpus(), '01_charge_works.txt', 'Congestion', 'claim')
    if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then
      return pending('../shared/study and ../shared/corpus are not here')
    end
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/'):format(
      T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
    local doc = '003_7e305a588b2246b7.txt'
    local c = assert(require('stance').open(d))
    local s2 = assert(c:document(doc):sentences())[2]
    local text = T.read(d .. '/' .. doc)
    local q = require('stance.core').text(text)
    check(d, doc, text:sub(q:cp_to_byte(s2.start) + 1, q:cp_to_byte(s2.stop)), 'sanctions-against')
  end)

  it('puts the annotations of a blank creator, or of none, in the default layer', function()
    local d = corpus()
    os.execute('rm -rf ' .. T.q(d .. '/.stance/annotations'))
    local json = require('stance.json')
    local lines = {}
    for i, creator in ipairs({ '', '  ', false, 'Ana Lys' }) do
      lines[i] = json.encode({ ['@context'] = 'http://www.w3.org/ns/anno.jsonld', type = 'Annotation',
        id = 'urn:stance:annotation:c' .. i, creator = creator and { type = 'Person', name = creator } or nil,
        body = { { type = 'TextualBody', purpose = 'tagging', value = 'claim' } },
        target = { source = 'urn:stance:document:01_charge_works.txt', selector = {
          { type = 'TextQuoteSelector', exact = 'Congestion' } } } })
    end
    T.write(d .. '/blank.jsonl', table.concat(lines, '\n') .. '\n')
    local out, err, code = stance(d, 'import --from w3c ' .. T.q(d .. '/blank.jsonl'))
    assert.are.equal(0, code, out .. err)
    local layers = T.run('ls -A ' .. T.q(d .. '/.stance/annotations'))
    assert.are.same({ 'Ana Lys', 'w3c' }, T.lines((layers:gsub('\n$', ''))))
  end)

  --- The study annotated by ana and ben, with a gold layer curated from them on the second
  --- article (gold's records carry author ana or ben), in a new folder; nil without ../shared.
  local function study_with_gold()
    local d, paths = require('helpers.study_layers').make()
    if not d then return nil end
    local c = assert(require('stance').open(d))
    local cur = assert(require('stance.curation').open(c, paths[2], { 'ana', 'ben' }))
    cur:apply_agreed()
    for i, p in ipairs(cur.disputed) do
      local name = (i % 2 == 0) and 'ben' or 'ana'
      if not p.versions[name] then name = name == 'ana' and 'ben' or 'ana' end
      cur:accept(p, name)
    end
    assert(cur:save())
    return d, paths
  end

  --- Every record of every layer of corpus `d`: { [path] = { [layer] = { [id] = fields } } }.
  local function records(d)
    local c = assert(require('stance').open(d))
    local out = {}
    for _, p in ipairs(c:paths()) do
      local doc = assert(c:document(p))
      out[p] = {}
      for _, who in ipairs(doc:annotators()) do
        local t = {}
        for _, r in ipairs(doc:annotations({ annotator = who })) do
          t[r.id] = { 'annotation', r.label, r.target, r.stance, r.role, r.quote, r.start, r.stop, r.author }
        end
        for _, r in ipairs(doc:relations({ annotator = who })) do
          t[r.id] = { 'relation', r.type, r.from, r.to, r.author }
        end
        for _, r in ipairs(doc:labels({ annotator = who })) do
          t[r.id] = { 'doclabel', r.label, r.target, r.stance, r.author }
        end
        out[p][who] = t
      end
    end
    return out
  end

  local function fresh_study()
    local e = T.tmpdir()
    os.execute(('mkdir -p %s/.stance && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/'):format(
      T.q(e), T.q(T.shared), T.q(e), T.q(T.shared), T.q(e)))
    return e
  end

  it('says the layer of each annotation (stance:layer), and an import restores every layer', function()
    local d, paths = study_with_gold()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local before = records(d)
    -- gold holds records ana and ben made: their creator, and gold as their layer
    local gold_authors = {}
    for _, f in pairs(before[paths[2]].gold) do
      gold_authors[f[#f] or 'gold'] = true
    end
    assert.is_true(gold_authors.ana and gold_authors.ben, 'gold has records by ana and by ben')
    for _, unit in ipairs({ 'collection', 'annotation' }) do
      local file = d .. '/all-' .. unit .. (unit == 'annotation' and '.jsonl' or '.json')
      local out, err, code = stance(d, 'export --to w3c --with-suggestions --unit ' .. unit .. ' --output ' .. T.q(file))
      assert.are.equal(0, code, out .. err)
      -- (valid against the suite: the tests above check the same export of the example)
      local e = fresh_study()
      out, err, code = stance(e, 'import --from w3c ' .. T.q(file))
      assert.are.equal(0, code, out .. err)
      assert.are.same(before, records(e), unit)
    end
    local col = require('stance.json').decode(T.read(d .. '/all-collection.json'))
    local by_layer = {}
    for _, item in ipairs(col.first.items) do
      local key = item['stance:layer'] .. '<-' .. item.creator.name
      by_layer[key] = (by_layer[key] or 0) + 1
    end
    assert.truthy(by_layer['gold<-ana'] and by_layer['gold<-ben'] and by_layer['ana<-ana'] and by_layer['model<-model'])
    -- another tool's file (no stance:layer): each annotation goes to its creator's layer, as before
    local other = T.read(d .. '/all-annotation.jsonl'):gsub(',"stance:layer":"[^"]*"', '')
    assert.falsy(other:find('stance:layer', 1, true))
    T.write(d .. '/other.jsonl', other)
    local e = fresh_study()
    local out, err, code = stance(e, 'import --from w3c ' .. T.q(d .. '/other.jsonl'))
    local ok = code == 0 or (code == 1 and err:find('already has a layer', 1, true))
    assert.truthy(ok, out .. err)
    -- (the first article's gold record has no author: gold made it)
    assert.is_true(T.exists(e .. '/.stance/annotations/gold/' .. paths[1] .. '.stance'))
    assert.is_false(T.exists(e .. '/.stance/annotations/gold/' .. paths[2] .. '.stance'))
    local mixed = records(e)[paths[2]]
    local n = 0
    for _ in pairs(mixed.ana) do
      n = n + 1
    end
    local want = 0
    for _, layer in ipairs({ 'ana', 'gold' }) do
      for _, f in pairs(before[paths[2]][layer]) do
        if layer == 'ana' or f[#f] == 'ana' then want = want + 1 end
      end
    end
    assert.are.equal(want, n)
  end)

  it('skips only the stance:layers entry whose name holds a byte of invalid UTF-8, said where (the study)', function()
    local S = require('helpers.study')
    local d = S.with_layer('ana', S.DOC, { { sentence = 1, label = 'engagement-favor', role = 'claim' } }, 'done')
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local c = assert(require('stance').open(d))
    local paths = c:paths()
    -- two layers without a record, each said by its status only (stance:layers)
    assert(c:document(paths[2]):set_status('in-progress', 'bob'))
    assert(c:document(paths[3]):set_status('done', 'cy'))
    assert(c:save())
    local out, err, code = stance(d, 'export --to w3c --output all.json')
    assert.are.equal(0, code, out .. err)
    local text = T.read(d .. '/all.json')
    local n
    text, n = text:gsub('"layer":"bob"', '"layer":"b\255ob"')
    assert.are.equal(1, n, text)
    T.write(d .. '/bad.json', text)
    local e = fresh_study()
    out, err, code = stance(e, 'import --from w3c ' .. T.q(d .. '/bad.json'))
    assert.are.equal(1, code, out .. err)
    -- said at the entry's place: the `{` that opens it
    local line, col = err:match('bad%.json:(%d+):(%d+): warning: stance:layers entry 2 skipped: a string holds invalid '
      .. 'UTF%-8 %(JSON is UTF%-8%)')
    assert.truthy(line, err)
    local lines = T.lines(text)
    assert.are.equal('{"document":', lines[tonumber(line)]:sub(tonumber(col), tonumber(col) + 11))
    -- the other entries and the annotation are imported; no layer named with the bad byte
    local layers = T.run('ls -A ' .. T.q(e .. '/.stance/annotations'))
    assert.are.same({ 'ana', 'cy' }, T.lines((layers:gsub('\n$', ''))))
    assert.truthy(T.read(e .. '/.stance/annotations/cy/' .. paths[3] .. '.stance'):find('status done', 1, true))
    assert.truthy(T.read(e .. '/.stance/annotations/ana/' .. S.DOC .. '.stance'):find('label engagement-favor', 1, true))
  end)
end)

describe('W3C import: what every writer checks', function()
  after_each(T.cleanup)
  local json = require('stance.json')

  --- A corpus of one document with `schema`, without annotations.
  local function small(schema, text)
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance'):format(T.q(d)))
    T.write(d .. '/.stance/schema.stance', schema)
    T.write(d .. '/doc.txt', text or 'Sanctions work. Talks fail. Engagement is naive and the rest.\n')
    return d
  end

  --- One Web Annotation on `doc`: bodies { purpose = value }, a selector list.
  local function item(doc, bodies, selectors, extra)
    local b = {}
    for _, pv in ipairs(bodies) do
      b[#b + 1] = { type = 'TextualBody', purpose = pv[1], value = pv[2] }
    end
    local a = { ['@context'] = 'http://www.w3.org/ns/anno.jsonld', type = 'Annotation', body = b,
      target = { source = 'urn:stance:document:' .. doc, selector = selectors } }
    for k, v in pairs(extra or {}) do
      a[k] = v
    end
    return a
  end

  local function quote(exact) return { type = 'TextQuoteSelector', exact = exact } end

  -- a generated schema: names that assume nothing (no favor/against)
  local GEN = table.concat({ 'format stance 1', 'target t-alpha', 'target t-beta', 'stance yes-x', 'stance no-x',
    'role r1', 'label pro-alpha', '  target t-alpha', '  stance yes-x', '  role r1', 'label con', '  stance no-x',
    '  ask target', '' }, '\n')

  it('gives an annotation what its label sets and refuses one that contradicts it (a generated schema)', function()
    local d = small(GEN)
    local lines = {
      json.encode(item('doc.txt', { { 'tagging', 'pro-alpha' } }, quote('Sanctions work.'))),
      json.encode(item('doc.txt', { { 'tagging', 'pro-alpha' }, { 'assessing', 'no-x' } }, quote('Talks fail.'))),
      json.encode(item('doc.txt', { { 'tagging', 'con' }, { 'identifying', 't-beta' } }, quote('Engagement'))),
      '  ' .. json.encode(item('doc.txt', { { 'tagging', 'con' }, { 'assessing', 'yes-x' } }, quote('naive'))),
    }
    T.write(d .. '/in.jsonl', table.concat(lines, '\n') .. '\n')
    local out, err, code = stance(d, 'import --from w3c --annotator eve in.jsonl')
    assert.are.equal(1, code, out .. err)
    assert.truthy(out:find('imported 2 record(s) into 1 layer(s) from in.jsonl; 2 skipped', 1, true), out)
    assert.truthy(err:find("in.jsonl:2:1: warning: annotation %S+ skipped: label 'pro%-alpha' sets stance yes%-x, not "
      .. 'no%-x'), err)
    assert.truthy(err:find("in.jsonl:4:3: warning: annotation %S+ skipped: label 'con' sets stance no%-x, not yes%-x"),
      err)
    local c = assert(require('stance').open(d))
    local got = {}
    for _, a in ipairs(c:document('doc.txt'):annotations({ annotator = 'eve' })) do
      got[#got + 1] = table.concat({ a.label, a.target or '', a.stance or '', a.role or '', a.quote }, '|')
    end
    table.sort(got)
    assert.are.same({ 'con|t-beta|no-x||Engagement', 'pro-alpha|t-alpha|yes-x|r1|Sanctions work.' }, got)
    local cout, cerr, ccode = stance(d, 'check')
    assert.are.equal(0, ccode, cout .. cerr)
  end)

  it('gives a label-only annotation its target and stance (the study)', function()
    if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then
      return pending('../shared/study and ../shared/corpus are not here')
    end
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/'):format(
      T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
    local doc = '003_7e305a588b2246b7.txt'
    local text = T.read(d .. '/' .. doc)
    local c = assert(require('stance').open(d))
    local s = assert(c:document(doc):sentences())[3]
    local q = require('stance.core').text(text)
    local exact = text:sub(q:cp_to_byte(s.start) + 1, q:cp_to_byte(s.stop))
    local col = { ['@context'] = 'http://www.w3.org/ns/anno.jsonld', type = 'AnnotationCollection',
      first = { type = 'AnnotationPage', items = {
        item(doc, { { 'tagging', 'sanctions-against' } }, quote(exact)),
        item(doc, { { 'tagging', 'sanctions-favor' }, { 'assessing', 'against' } },
          { quote(exact), { type = 'TextPositionSelector', start = s.start, ['end'] = s.stop } }),
      } } }
    T.write(d .. '/in.json', json.encode(col))
    local out, err, code = stance(d, 'import --from w3c --annotator eve in.json')
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find("in.json:1:%d+: warning: annotation %S+ skipped: label 'sanctions%-favor' sets stance favor, "
      .. 'not against'), err)
    c = assert(require('stance').open(d))
    local got = c:document(doc):annotations({ annotator = 'eve' })
    assert.are.equal(1, #got)
    assert.are.same({ 'sanctions-against', 'sanctions', 'against' }, { got[1].label, got[1].target, got[1].stance })
  end)

  it('takes another tool\'s sources (full IRIs under --base, relative names) and names its creators (the study)',
    function()
      if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then
        return pending('../shared/study and ../shared/corpus are not here')
      end
      local d = T.tmpdir()
      os.execute(('mkdir -p %s/.stance && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/'):format(
        T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
      local doc = '003_7e305a588b2246b7.txt'
      local text = T.read(d .. '/' .. doc)
      local c = assert(require('stance').open(d))
      local ss = assert(c:document(doc):sentences())
      local q = require('stance.core').text(text)
      local function exact(i)
        return text:sub(q:cp_to_byte(ss[i].start) + 1, q:cp_to_byte(ss[i].stop))
      end
      local function one(source, creator, i)
        return { ['@context'] = 'http://www.w3.org/ns/anno.jsonld', type = 'Annotation', creator = creator,
          body = { { type = 'TextualBody', purpose = 'tagging', value = 'sanctions-against' } },
          target = { source = source, selector = quote(exact(i)) } }
      end
      local items = {
        one('https://example.org/corpus/' .. doc, 'http://ex.org/user/zoe', 2),
        one(doc, { id = 'http://ex.org/people/max/', type = 'Person' }, 3),
        one('./x/../' .. doc, { type = 'Person', nickname = 'lia', id = 'http://ex.org/u/7' }, 4),
        one('https://other.org/corpus/' .. doc, 'http://ex.org/user/zoe', 5),
        one('../' .. doc, 'http://ex.org/user/zoe', 5),
        one('https://example.org/corpus/' .. doc, 'http://elsewhere.org/zoe', 6),
        one('https://example.org/corpus/nothing.txt', 'http://ex.org/user/zoe', 6),
      }
      -- one annotation per line: each refusal at its own line
      local lines = {}
      for i, a in ipairs(items) do
        lines[i] = json.encode(a)
      end
      T.write(d .. '/in.jsonl', table.concat(lines, '\n') .. '\n')
      local out, err, code = stance(d, 'import --from w3c --base https://example.org/corpus/ in.jsonl')
      assert.are.equal(1, code, out .. err)
      assert.truthy(err:find('in.jsonl:4:%d+: warning: annotation 4 %b() skipped: its target '
        .. 'https://other%.org/corpus/003_7e305a588b2246b7%.txt is not a document of ours'), err)
      assert.truthy(err:find('in.jsonl:5:%d+: warning: annotation 5 %b() skipped: its target %.%./003_7e305a588b2246b7'
        .. '%.txt is not a document of ours'), err)
      assert.truthy(err:find("in.jsonl:6:%d+: warning: annotation 6 %b() skipped: its creator 'http://elsewhere%.org/zoe' "
        .. "is named 'zoe', as 'http://ex%.org/user/zoe' is already: not merged into one layer"), err)
      assert.truthy(err:find('in.jsonl:7:%d+: warning: 1 annotation%(s%) of nothing%.txt skipped'), err)
      assert.truthy(out:find('imported 3 record(s) into 3 layer(s) from in.jsonl; 4 skipped', 1, true), out)
      local layers = T.run('ls -A ' .. T.q(d .. '/.stance/annotations'))
      assert.are.same({ 'lia', 'max', 'zoe' }, T.lines((layers:gsub('\n$', ''))))
      c = assert(require('stance').open(d))
      for who, i in pairs({ zoe = 2, max = 3, lia = 4 }) do
        local got = c:document(doc):annotations({ annotator = who })
        assert.are.equal(1, #got, who)
        assert.are.same({ 'sanctions', 'against', exact(i) }, { got[1].target, got[1].stance, got[1].quote })
      end
      -- creators whose names differ by a control character, a slash or blanks at the ends get one
      -- folder: not merged either (the second reported at its place, skipped); nor are two
      -- stance:layer names of one folder
      for _, case in ipairs({
        { { 'zo\te', 'zoe' }, "its creator 'zoe' is named 'zoe', as 'zo\\te' is already" },
        { { { name = 'zo/e', type = 'Person' }, 'zo_e' }, "its creator 'zo_e' is named 'zo_e', as 'zo/e' is already" },
        { { ' zoe', 'zoe' }, "its creator 'zoe' is named 'zoe', as ' zoe' is already" },
        { { 'a/b', 'a_b' }, "its stance:layer 'a_b' has the folder of layer 'a/b' ('a_b')", true },
      }) do
        os.execute('rm -rf ' .. T.q(d .. '/.stance/annotations'))
        local two = { one(doc, case[1][1], 2), one(doc, case[1][2], 3) }
        if case[3] then
          for i, a in ipairs(two) do
            a['stance:layer'], a.creator = a.creator, 'someone' .. i
            a['@context'] = { 'http://www.w3.org/ns/anno.jsonld', { stance = require('stance.interop.w3c').NS } }
          end
        end
        T.write(d .. '/two.jsonl', json.encode(two[1]) .. '\n' .. json.encode(two[2]) .. '\n')
        out, err, code = stance(d, 'import --from w3c two.jsonl')
        assert.are.equal(1, code, out .. err)
        assert.truthy(err:find('two.jsonl:2:%d+: warning: annotation 2 %b() skipped: ' .. case[2]:gsub('%p', '%%%0')), err)
        assert.truthy(out:find('imported 1 record(s) into 1 layer(s) from two.jsonl; 1 skipped', 1, true), out)
      end
      -- a collection's @base (JSON-LD) resolves its relative sources, without --base
      os.execute('rm -rf ' .. T.q(d .. '/.stance/annotations'))
      local col = { ['@context'] = { 'http://www.w3.org/ns/anno.jsonld', { ['@base'] = 'https://ex.org/study/' } },
        type = 'AnnotationCollection', first = { type = 'AnnotationPage', items = {
          one(doc, 'http://ex.org/user/zoe', 2), one('https://ex.org/study/' .. doc, 'http://ex.org/user/zoe', 3) } } }
      T.write(d .. '/col.json', json.encode(col))
      out, err, code = stance(d, 'import --from w3c col.json')
      assert.are.equal(0, code, out .. err)
      c = assert(require('stance').open(d))
      assert.are.equal(2, #c:document(doc):annotations({ annotator = 'zoe' }))
    end)

  it('takes a relative source and a full IRI under --base, and names a creator IRI by its last segment (the example)',
    function()
      local d = corpus()
      os.execute('rm -rf ' .. T.q(d .. '/.stance/annotations'))
      local lines = {}
      for i, source in ipairs({ '01_charge_works.txt', 'http://corpus.example/x/01_charge_works.txt',
        'http://corpus.example/01_charge_works.txt' }) do
        lines[i] = json.encode({ ['@context'] = 'http://www.w3.org/ns/anno.jsonld', type = 'Annotation',
          creator = 'https://people.example/u/ann%C3%A9/', body = { { type = 'TextualBody', purpose = 'tagging',
          value = 'claim' } }, target = { source = source, selector = { { type = 'TextQuoteSelector',
          exact = 'Congestion' } } } })
      end
      T.write(d .. '/in.jsonl', table.concat(lines, '\n') .. '\n')
      local out, err, code = stance(d, 'import --from w3c --base http://corpus.example/x/ in.jsonl')
      assert.are.equal(1, code, out .. err)
      assert.truthy(err:find('in.jsonl:3:%d+: warning: annotation 3 %b() skipped: its target '
        .. 'http://corpus%.example/01_charge_works%.txt is not a document of ours'), err)
      assert.truthy(out:find('imported 2 record(s) into 1 layer(s) from in.jsonl; 1 skipped', 1, true), out)
      assert.are.equal('anné\n', T.run('ls -A ' .. T.q(d .. '/.stance/annotations')))
    end)

  it('refuses a TextPositionSelector no span can hold, at its line and column, and writes nothing of it', function()
    local d = small(GEN)
    local function pos(start, stop)
      return { type = 'TextPositionSelector', start = start, ['end'] = stop }
    end
    local bad = { pos(1e300, 1e301), pos(-5, 3), pos(2.5, 3), pos('0', 3), { type = 'TextPositionSelector', start = 4 },
      pos(4, 3), pos(4, 4), pos(4, 300000) }
    local items = {}
    for i, sel in ipairs(bad) do
      items[i] = item('doc.txt', { { 'tagging', 'pro-alpha' } }, sel)
    end
    -- pretty-printed over lines: each item's place is its selector's line and column
    local text = '{"type": "AnnotationCollection",\n "first": {"type": "AnnotationPage", "items": [\n'
    for i, a in ipairs(items) do
      local one = ('{"type": "Annotation", "body": %s, "target": {"source": "urn:stance:document:doc.txt",\n'
        .. '   "selector": %s}}'):format(json.encode(a.body), json.encode(a.target.selector))
      text = text .. '  ' .. one .. (i < #items and ',\n' or '\n')
    end
    text = text .. ']}}\n'
    T.write(d .. '/bad.json', text)
    local out, err, code = stance(d, 'import --from w3c --annotator eve bad.json')
    assert.are.equal(1, code, out .. err)
    assert.truthy(out:find('imported 0 record(s) into 0 layer(s) from bad.json; 8 skipped', 1, true), out)
    local want = { 'start 1e%+300 is not a whole number', 'start %-5 is not a whole number', 'start 2%.5 is not a whole',
      "start is '0', not a number", 'has no end', 'covers no character %(start 4, end 3%)',
      'covers no character %(start 4, end 4%)', '4%-300000 is past the end of doc%.txt' }
    local i = 0
    for line in err:gmatch('[^\n]+') do
      i = i + 1
      -- the selector of item i is on line 4 + 2 (i - 1), at column 16
      local l, cc = line:match('^bad%.json:(%d+):(%d+): warning: ')
      assert.truthy(l, line)
      assert.truthy(line:find(want[i]), line)
      if i < 8 then
        assert.are.equal(4 + 2 * (i - 1), tonumber(l), line)
        assert.are.equal(16, tonumber(cc), line)
      end
    end
    assert.are.equal(8, i, err)
    assert.is_false(T.exists(d .. '/.stance/annotations'))
  end)

  it('keeps an orphan as an orphan: no hash, scripts, check and exports see it', function()
    local d = small(GEN)
    T.write(d .. '/in.jsonl', json.encode(item('doc.txt', { { 'tagging', 'pro-alpha' } },
      { quote('a phrase that is not in the text'), { type = 'TextPositionSelector', start = 6, ['end'] = 12 } })) .. '\n')
    local out, err, code = stance(d, 'import --from w3c --annotator eve in.jsonl')
    assert.are.equal(0, code, out .. err)
    assert.truthy(err:find('in.jsonl:1:1: warning: annotation %S+: its text is not in doc.txt; kept as an orphan'), err)
    local file = T.read(d .. '/.stance/annotations/eve/doc.txt.stance')
    assert.falsy(file:find('\n  hash ', 1, true), file)
    local c = assert(require('stance').open(d))
    local a = c:document('doc.txt'):annotations({ annotator = 'eve' })[1]
    assert.is_true(a.orphan)
    assert.are.equal('a phrase that is not in the text', a.quote)
    local csv, _, ecode = stance(d, 'export --to csv')
    assert.are.equal(1, ecode)
    assert.truthy(csv:find('a phrase that is not in the text', 1, true), csv)
    assert.truthy(csv:find(',true,\r\n', 1, true), csv)
    local cout, _, ccode = stance(d, 'check')
    assert.are.equal(1, ccode)
    assert.truthy(cout:find('orphan', 1, true), cout)
  end)

  it('carries a layer\'s status, confidences and attributes beyond the format; an empty collection', function()
    local d = small(GEN)
    local doc = 'doc.txt'
    T.write(d .. '/other.txt', 'Another text, not annotated.\n')
    local c = assert(require('stance').open(d))
    local dd = c:document(doc)
    local a = assert(dd:annotate({ start = 0, stop = 15, label = 'pro-alpha', annotator = 'model', confidence = 0.83 }))
    assert(dd:annotate({ start = 16, stop = 27, label = 'con', target = 't-beta', annotator = 'model',
      confidence = 0.1 }))
    assert(dd:set_status('done', 'model'))
    -- a layer marked done without any record
    assert(c:document('other.txt'):set_status('done', 'ana'))
    assert(c:save())
    -- attributes the format does not know (as a brat import keeps them)
    local f = d .. '/.stance/annotations/model/doc.txt.stance'
    local text = T.read(f):gsub('(annotation ' .. a.id .. '\n[^\n]*\n)',
      '%1  brat-norm Reference "Wikipedia:12345" "Line One"\n  brat-attr Negated\n')
    T.write(f, text)
    T.write(d .. '/.stance/schema.stance', GEN .. 'attribute brat-norm\nattribute brat-attr\n')
    local _, ferr, fcode = stance(d, 'fmt ' .. T.q(f))
    assert.are.equal(0, fcode, ferr)
    local before = {}
    for _, p in ipairs({ 'model/doc.txt', 'ana/other.txt' }) do
      before[p] = T.read(d .. '/.stance/annotations/' .. p .. '.stance')
    end
    assert.truthy(before['model/doc.txt']:find('status done', 1, true))
    for _, unit in ipairs({ 'collection', 'annotation' }) do
      local name = unit == 'collection' and 'all.json' or 'all.jsonl'
      local out, err, code = stance(d, 'export --to w3c --with-suggestions --unit ' .. unit .. ' --output ' .. name)
      assert.are.equal(0, code, out .. err)
      if T.interop then
        local vcode, vout = validate(d .. '/' .. name)
        assert.are.equal(0, vcode, vout)
      end
      local e = small(GEN .. 'attribute brat-norm\nattribute brat-attr\n')
      T.write(e .. '/other.txt', 'Another text, not annotated.\n')
      out, err, code = stance(e, 'import --from w3c ' .. T.q(d .. '/' .. name))
      assert.are.equal(0, code, out .. err)
      assert.are.equal(before['model/doc.txt'], T.read(e .. '/.stance/annotations/model/doc.txt.stance'), unit)
      -- (JSON Lines has one line per annotation: a layer without any has no line)
      if unit == 'collection' then
        assert.are.equal(before['ana/other.txt'], T.read(e .. '/.stance/annotations/ana/other.txt.stance'))
      end
    end
    -- a file of another tool without them still imports
    local plain = T.tmpdir() .. '/plain.jsonl'
    T.write(plain, json.encode(item(doc, { { 'tagging', 'pro-alpha' } }, quote('Talks fail.'))) .. '\n')
    local e = small(GEN)
    local out, err, code = stance(e, 'import --from w3c ' .. T.q(plain))
    assert.are.equal(0, code, out .. err)
    -- an empty corpus exports an empty array of items (valid against the suite)
    local empty = small(GEN)
    out, err, code = stance(empty, 'export --to w3c --output all.json')
    assert.are.equal(0, code, out .. err)
    assert.truthy(T.read(empty .. '/all.json'):find('"items":[]', 1, true))
    if T.interop then
      local vcode, vout = validate(empty .. '/all.json')
      assert.are.equal(0, vcode, vout)
    end
  end)

  it('refuses stance:attributes that would be more than attribute lines', function()
    local d = small(GEN)
    local a = item('doc.txt', { { 'tagging', 'pro-alpha' } }, quote('Talks fail.'))
    a['@context'] = { 'http://www.w3.org/ns/anno.jsonld', { stance = 'https://github.com/stance-nvim/stance.nvim/ns#' } }
    a['stance:attributes'] = 'x 1\n\nannotation evil\n  span 0-3\n  label pro-alpha\n'
    T.write(d .. '/in.jsonl', json.encode(a) .. '\n')
    local out, err, code = stance(d, 'import --from w3c --annotator eve in.jsonl')
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('in.jsonl:1:1: warning: annotation 1 %(no id%) skipped: stance:attributes'), err)
    assert.is_false(T.exists(d .. '/.stance/annotations'))
  end)

  it('refuses stance:attributes named as the document record\'s (hash, status, document), at their place', function()
    local d = small(GEN)
    local schema = T.read(d .. '/.stance/schema.stance')
    for _, name in ipairs({ 'hash', 'status', 'document', 'annotator' }) do
      local a = item('doc.txt', { { 'tagging', 'pro-alpha' } }, quote('Talks fail.'))
      a['@context'] = { 'http://www.w3.org/ns/anno.jsonld', { stance = 'https://github.com/stance-nvim/stance.nvim/ns#' } }
      a['stance:attributes'] = 'zz 1\n' .. name .. ' sha256:00\n'
      T.write(d .. '/in.jsonl', json.encode(a) .. '\n')
      local out, err, code = stance(d, 'import --from w3c --annotator eve in.jsonl')
      assert.are.equal(1, code, out .. err)
      assert.truthy(err:find(('in.jsonl:1:1: warning: annotation 1 (no id) skipped: stance:attributes: `%s` is an '
        .. 'attribute of the file\'s document record'):format(name), 1, true), err)
      assert.is_false(T.exists(d .. '/.stance/annotations'))
      assert.are.equal(schema, T.read(d .. '/.stance/schema.stance')) -- no `attribute hash` declared
    end
  end)
end)
