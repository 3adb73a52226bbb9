-- Document metadata (.stance/documents.csv): its CSV read with places, its checks, and where
-- it goes: doc:meta(), stance check, exports (doc_COLUMN), stance stats --by.
local T = require('helpers')
local csv = require('stance.csv_reader')
local docmeta = require('stance.docmeta')

local corpus = T.example_corpus

local function messages(meta)
  local out = {}
  for i, p in ipairs(meta.problems) do
    out[i] = ('%d:%d: %s: %s'):format(p.line, p.col, p.severity, p.message)
  end
  return out
end

describe('the CSV reader', function()
  it('reads quoted fields with commas, quotes and line ends, and says where each field starts', function()
    local recs, problems = csv.parse('a,b,c\r\n1,"x, ""y""\nz",3\n\n4,,"6"\n')
    assert.are.same({}, problems)
    assert.are.equal(3, #recs)
    assert.are.same({ '1', 'x, "y"\nz', '3' }, recs[2].fields)
    assert.are.same({ 2, 2, 3 }, recs[2].lines)
    assert.are.same({ 1, 3, 4 }, recs[2].cols)
    assert.are.equal(5, recs[3].line)
    assert.are.same({ '4', '', '6' }, recs[3].fields)
  end)

  it('skips a byte order mark without counting it in columns, and reads CR line ends', function()
    local recs = csv.parse('\239\187\191document,title\rx,y')
    assert.are.same({ 'document', 'title' }, recs[1].fields)
    assert.are.same({ 1, 10 }, recs[1].cols)
    assert.are.same({ 'x', 'y' }, recs[2].fields)
    assert.are.equal(2, recs[2].line)
  end)

  it('reports what is not RFC 4180 at its place and reads on', function()
    local recs, problems = csv.parse('a,b"c\n"q"z,e\n"never closed\nmore')
    assert.are.equal(3, #problems)
    assert.are.same({ 1, 4 }, { problems[1].line, problems[1].col })
    assert.truthy(problems[1].message:find('quote inside an unquoted field', 1, true))
    assert.are.same({ 2, 4 }, { problems[2].line, problems[2].col })
    assert.truthy(problems[2].message:find('after the closing quote', 1, true))
    assert.are.same({ 3, 1 }, { problems[3].line, problems[3].col })
    assert.truthy(problems[3].message:find('never closed', 1, true))
    assert.are.same({ 'qz', 'e' }, recs[2].fields)
    assert.are.same({ 'never closed\nmore' }, recs[3].fields)
  end)

  it('reads a large file in linear time', function()
    local rows = { 'document,title' }
    for i = 1, 100000 do
      rows[#rows + 1] = ('doc%06d.txt,"Title, number %d"'):format(i, i)
    end
    local t0 = os.clock()
    local recs = csv.parse(table.concat(rows, '\n'))
    assert.are.equal(100001, #recs)
    assert.are.equal('Title, number 100000', recs[100001].fields[2])
    assert.truthy(os.clock() - t0 < 20) -- a generous bound against a quadratic reader only
  end)
end)

describe('document metadata', function()
  after_each(T.cleanup)

  it('gives each document its row; empty values are no value', function()
    local meta = docmeta.parse('document,title,date,outlet\na.txt,"A, title",2024-03-05,\nb.txt,B,2024,X\n')
    assert.are.same({}, meta.problems)
    assert.are.same({ 'title', 'date', 'outlet' }, meta.columns)
    assert.are.same({ title = 'A, title', date = '2024-03-05' }, meta.rows['a.txt'])
    assert.are.same({ 'a.txt', 'b.txt' }, meta.paths)
  end)

  it('reports hostile and broken files by line and column, and keeps the rest', function()
    local text = table.concat({
      'document,title,title,Bad Name,date,',
      '../escape.txt,a,b,c,2024,x',
      'ok.txt,"q ""quoted""\nnewline",b,c,2024-13-01,x',
      'ok.txt,again,b,c,2024,x',
      'short.txt,a',
      'long.txt,a,b,c,2024,x,extra',
      '/abs.txt,a,b,c,2024,x',
      'nul\0.txt,a,b,c,2024,x',
    }, '\n')
    local meta = docmeta.parse(text, function(p) return p == 'ok.txt' end)
    local m = messages(meta)
    local want = {
      '1:16: error: column title is named twice (first in column 2)',
      '1:22: error: column name "Bad Name": a name is ASCII letters',
      '1:36: error: column 6 has no name',
      '2:1: error: document "../escape.txt": a path has no empty, `.` or `..` part',
      '4:14: error: date "2024-13-01": a date is YYYY',
      '5:1: error: document "ok.txt" has a row already (line 3): this one is left out',
      '6:1: warning: no document "short.txt" in the corpus',
      '6:12: error: 2 fields where the header has 6 columns',
      '7:1: warning: no document "long.txt" in the corpus',
      '7:23: error: 7 fields where the header has 6 columns',
      '8:1: error: document "/abs.txt": a path relative to the corpus root',
      '9:1: error: document "nul\\000.txt": a path has no control characters',
      '9:4: error: a NUL byte',
    }
    assert.are.equal(#want, #m, table.concat(m, '\n'))
    for i, w in ipairs(want) do
      assert.are.equal(w, m[i]:sub(1, #w), m[i])
    end
    assert.are.same({ title = 'q "quoted"\nnewline', date = '2024-13-01' }, meta.rows['ok.txt'])
    assert.are.same({ title = 'a' }, meta.rows['short.txt'])
    assert.is_nil(meta.rows['../escape.txt'])
  end)

  it('reports a header that does not start with document, invalid UTF-8 and an empty file', function()
    assert.are.same({ '1:1: error: the first column is `document` (the document\'s path relative to the corpus root), '
      .. 'not "path"' }, messages(docmeta.parse('path,title\na,b\n')))
    local m = messages(docmeta.parse('document,title\na.txt,caf\233\n'))
    assert.are.equal('2:10: error: 1 byte of invalid UTF-8 (the first here): save the file as UTF-8', m[1])
    assert.are.same({ '1:1: error: no header line: the first line names the columns, starting with `document`' },
      messages(docmeta.parse('')))
  end)

  it('a row of millions of fields costs no more than its text: kept up to the columns, said once at its place', function()
    -- (a collaborator's file of commas: read whole it took 3.3 GB and three minutes per command)
    local text = 'document,title\nx.txt,"a\nb",' .. ('"q,\n"'):rep(3) .. (','):rep(3000000) .. '\ny.txt,Why\n'
    local meta = docmeta.parse(text, function() return true end)
    local m = messages(meta)
    assert.are.equal(1, #m, table.concat(m, '\n'))
    assert.are.equal('3:4: error: more than 1002 fields where the header has 2 columns: the extra ones are left out',
      m[1])
    assert.are.same({ title = 'a\nb' }, meta.rows['x.txt'])
    -- the row after it is read, at its line (the quoted line breaks it skipped counted)
    assert.are.same({ title = 'Why' }, meta.rows['y.txt'])
    assert.are.equal(7, meta.lines['y.txt'])
  end)

  it('a header and rows over the column limit, a quote inside a skipped field: no error thrown, no row lost', function()
    -- (review: a header of 1005 columns made every command that read it fail; a `5"` in the
    -- skipped part of a row swallowed the rows after it)
    local cols, vals = {}, {}
    for i = 1, 1004 do cols[i], vals[i] = 'c' .. i, 'v' end
    local wide = 'document,' .. table.concat(cols, ',') .. '\nd0.txt,' .. table.concat(vals, ',') .. '\n'
    local meta = docmeta.parse(wide)
    assert.truthy(meta.rows['d0.txt'])
    local m = messages(meta)
    assert.truthy(m[1]:find('more than 1000 columns', 1, true), table.concat(m, '\n'))
    local recs, problems = csv.parse('document,a,b\nd1.txt,1,2,x,5",y\nd2.txt,3,4\nd3.txt,5,6\n', { max_fields = 3 })
    assert.are.same({ 'document', 'd1.txt', 'd2.txt', 'd3.txt' },
      { recs[1].fields[1], recs[2].fields[1], recs[3].fields[1], recs[4].fields[1] })
    assert.are.same({ 2, 3, 4 }, { recs[2].line, recs[3].line, recs[4].line })
    assert.are.equal(1, #problems)
    -- a quoted field in the skipped part keeps its line break and its "" escape
    recs = csv.parse('a,b\nx,y,"p\n""q"",\nr",z\nlast,row\n', { max_fields = 2 })
    assert.are.same({ 'last', 5 }, { recs[3].fields[1], recs[3].line })
    -- a blank line after exactly max_total fields is no field past the limit
    recs, problems = csv.parse('a,b\nc,d\n\n', { max_total = 4 })
    assert.are.same({ 2, 0 }, { #recs, #problems })
  end)

  it('reads at most MAX_FIELDS fields in all: the rest of the file left out, said at its place', function()
    local keep = docmeta.MAX_FIELDS
    docmeta.MAX_FIELDS = 7
    local ok, meta = pcall(docmeta.parse, 'document,title\na.txt,A\nb.txt,B\nc.txt,C\nd.txt,D\n')
    docmeta.MAX_FIELDS = keep
    assert(ok, meta)
    assert.are.same({ '4:1: error: more than 7 fields in the file: the rest of it is left out' },
      messages(meta))
    assert.are.same({ 'a.txt', 'b.txt' }, meta.paths)
    -- the CSV reader says the same to its other callers
    local recs, problems = csv.parse('a,b\nc,d\ne,f\n', { max_total = 5 })
    assert.are.equal(2, #recs)
    assert.are.same({ 3, 1 }, { problems[1].line, problems[1].col })
    recs, problems = csv.parse('a,b,c,d\ne,"f\ng",h,i\nj\n', { max_fields = 2 })
    assert.are.same({ { 'a', 'b' }, { 'e', 'f\ng' }, { 'j' } }, { recs[1].fields, recs[2].fields, recs[3].fields })
    assert.are.same({ 4, true }, { recs[3].line, recs[2].cut })
    assert.are.same({ 1, 5 }, { problems[1].line, problems[1].col })
  end)

  it('refuses a file larger than its limit without reading it', function()
    local d = T.tmpdir()
    local f = io.open(d .. '/documents.csv', 'wb')
    f:seek('set', docmeta.MAX_BYTES)
    f:write('x')
    f:close()
    local meta = docmeta.load_file(d .. '/documents.csv')
    assert.are.equal(1, #meta.problems)
    assert.truthy(meta.problems[1].message:find('too large', 1, true))
    assert.are.same({}, meta.columns)
  end)

  it('knows ISO 8601 dates and sorts them', function()
    for s, key in pairs({ ['2024'] = '2024', ['2024-03'] = '2024-03', ['2024-03-05'] = '2024-03-05',
      ['2024-03-05T10:20'] = '2024-03-05T10:20:00', ['2024-03-05T10:20:30Z'] = '2024-03-05T10:20:30',
      ['2024-03-05 10:20:30+01:00'] = '2024-03-05T10:20:30', ['2020-02-29'] = '2020-02-29',
      ['2000-02-29'] = '2000-02-29', ['2024-04-30'] = '2024-04-30' }) do
      assert.are.equal(key, docmeta.date_key(s), s)
    end
    for _, s in ipairs({ '24', '2024-3-5', '2024-00', '2024-01-32', '05/03/2024', 'March 2024', '2024-03-05T25:00',
      -- days no calendar has, times and zones no clock shows
      '2020-02-30', '1900-02-29', '2023-02-29', '2024-04-31', '2024-06-31', '2024-03-05T10:20:61',
      '9999-12-31T23:59:59+99:99', '2024-03-05T10:20+01:60' }) do
      assert.is_nil(docmeta.date_key(s), s)
    end
    assert.truthy(docmeta.date_key('2024') < docmeta.date_key('2024-01'))
  end)

  it('is what doc:meta() gives scripts, read again when the file changes', function()
    local d = corpus()
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('02_charge_unfair.txt'))
    assert.are.equal('Daniel Okafor', doc:meta('author'))
    assert.are.equal('2026-03-09', doc:meta().date)
    assert.is_nil(doc:meta('nope'))
    assert.are.same({}, assert(c:document('04_letter.txt')):meta().author and { 'x' } or {})
    T.write(d .. '/.stance/documents.csv', 'document,author\n02_charge_unfair.txt,Someone Else Entirely\n')
    assert.are.equal('Someone Else Entirely', doc:meta('author'))
    os.remove(d .. '/.stance/documents.csv')
    assert.are.same({}, doc:meta())
  end)
end)

describe('document metadata on the command line', function()
  after_each(T.cleanup)

  it('stance check reports its problems as path:line:col with the annotation files', function()
    local d = corpus()
    local f = d .. '/.stance/documents.csv'
    T.write(f, T.read(f) .. 'missing.txt,"A title",,,"2026-02-30x",\n05.txt,"unclosed\n')
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(1, code)
    assert.are.equal(table.concat({
      '.stance/documents.csv:6:1: warning: no document "missing.txt" in the corpus',
      '.stance/documents.csv:6:25: error: date "2026-02-30x": a date is YYYY, YYYY-MM, YYYY-MM-DD or '
        .. 'YYYY-MM-DDThh:mm[:ss] (ISO 8601), a day of the calendar',
      '.stance/documents.csv:7:1: warning: no document "05.txt" in the corpus',
      '.stance/documents.csv:7:8: error: this quoted field is never closed (a `"` is missing)',
      '.stance/documents.csv:8:1: error: 2 fields where the header has 6 columns: the missing ones are empty',
    }, '\n') .. '\n', out)
    assert.are.equal('stance check: the schema, documents.csv and 6 annotation files (2 layers) of a corpus '
      .. 'of 4 documents: 3 errors, 2 warnings\n', err)
    local one = T.stance_run({ 'check', '--quiet', '.stance/documents.csv' }, nil, d)
    assert.are.equal(out, one)
  end)

  it('exports add one doc_COLUMN column each, in CSV and JSON Lines', function()
    local d = corpus()
    local out, err, code = T.stance_run({ 'export', '--to', 'csv' }, nil, d)
    assert.are.equal(0, code, err)
    local lines = T.lines(out)
    assert.truthy(lines[1]:find(',kind,orphan,suggested,doc_title,doc_author,doc_outlet,doc_date,doc_genre\r$'), lines[1])
    assert.truthy(lines[2]:find(',The Congestion Charge Is Working%. Keep It%.,Marta Lindqvist,City Herald,'
      .. '2026%-03%-02,op%-ed\r$'), lines[2])
    local js = T.stance_run({ 'export', '--to', 'jsonl', '--unit', 'sentence' }, nil, d)
    local row = require('stance.json').decode(T.lines(js)[1])
    assert.are.equal('City Herald', row.doc_outlet)
    assert.truthy(T.lines(js)[1]:find('"labels":%[.*%],"doc_title":"The Congestion'), T.lines(js)[1])
    -- a column left empty is no value: absent from JSON, an empty cell in CSV
    for _, l in ipairs(T.lines(js)) do
      local r = l ~= '' and require('stance.json').decode(l) or {}
      if r.document == '04_letter.txt' then
        assert.is_nil(r.doc_author)
        assert.are.equal('The Evening Post', r.doc_outlet)
      end
    end
    assert.truthy(out:find(',Letter: Stop Blaming Drivers,,The Evening Post,2026%-03%-11,letter\r\n'))
    -- without the file, the columns are the fixed ones
    os.remove(d .. '/.stance/documents.csv')
    local plain = T.lines((T.stance_run({ 'export', '--to', 'csv' }, nil, d)))[1]
    assert.truthy(plain:find(',kind,orphan,suggested\r$'), plain)
  end)

  it('stance stats --by COLUMN counts stances per value and target', function()
    local out, err, code = T.stance_run({ 'stats', '--by', 'outlet' }, nil, T.root .. '/doc/example/corpus')
    assert.are.equal(0, code, err)
    local lines = T.lines(out)
    assert.truthy(lines[1]:match('^outlet%s+target%s+documents%s+annotated%s+annotations%s+favor%s+against%s+neutral$'),
      lines[1])
    assert.truthy(lines[2]:match('^City Herald%s+congestion%-charge%s+2%s+2%s+%d+%s+6%s+0%s+0$'), lines[2])
    local js = require('stance.json').decode((T.stance_run({ 'stats', '--by', 'date', '--json' }, nil,
      T.root .. '/doc/example/corpus')))
    assert.are.same({ '2026-03-02', '2026-03-09', '2026-03-11', '2026-04-14' }, {
      js.groups[1].value, js.groups[2].value, js.groups[3].value, js.groups[4].value })
    local _, err2, code2 = T.stance_run({ 'stats', '--by', 'nope' }, nil, T.root .. '/doc/example/corpus')
    assert.are.equal(2, code2)
    assert.truthy(err2:find("no column 'nope' in .stance/documents.csv (columns: title, author, outlet, date, genre, "
      .. 'document)', 1, true), err2)
  end)

  it('stance stats --by lists the targets in the schema\'s order (the study: engagement before sanctions)', function()
    local d = require('helpers.study').annotated('none')
    if not d then return pending('../shared is absent: the study cannot be tried') end
    -- the study has no documents.csv: --by a column says how to make one, not "columns: document"
    local _, berr, bcode = T.stance_run({ 'stats', '--by', 'outlet' }, nil, d)
    assert.are.equal(2, bcode, berr)
    assert.truthy(berr:find("no column 'outlet': the corpus has no .stance/documents.csv (a CSV file: a header line with"
      .. ' `document` and one column per field, such as outlet', 1, true), berr)
    local out, err, code = T.stance_run({ 'stats', '--by', 'document' }, nil, d)
    assert.are.equal(0, code, err)
    local order, rank = {}, { engagement = 1, sanctions = 2, ['human-rights'] = 3, ['denuclearization-first'] = 4 }
    for _, line in ipairs(T.lines(out)) do
      local first, target = line:match('^(%S*)%s+(%S+)%s+%d')
      if first and first ~= '' then order = {} end
      if target and rank[target] then
        assert.is_true(not order[#order] or rank[order[#order]] < rank[target], out)
        order[#order + 1] = target
      end
    end
  end)

  it('names git conflict markers as such, and stats --by and exports say they used a table with errors', function()
    local m = messages(docmeta.parse('document,outlet\n<<<<<<< HEAD\na.txt,A\n=======\na.txt,B\n>>>>>>> theirs\n'))
    assert.are.same({ '2:1: error: ' .. docmeta.CONFLICT, '4:1: error: ' .. docmeta.CONFLICT,
      '5:1: error: document "a.txt" has a row already (line 3): this one is left out',
      '6:1: error: ' .. docmeta.CONFLICT }, m)
    assert.truthy(docmeta.CONFLICT:find('^unresolved git merge conflict'))
    local d = T.tmpdir() .. '/c'
    T.run(('cp -r %s %s'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    local path = d .. '/.stance/documents.csv'
    local lines = T.lines(T.read(path))
    table.insert(lines, 3, '<<<<<<< HEAD')
    table.insert(lines, 5, '=======')
    table.insert(lines, 6, (lines[4]:gsub('City Herald', 'Other Herald')))
    table.insert(lines, 7, '>>>>>>> theirs')
    T.write(path, table.concat(lines, '\n') .. '\n')
    local cout = T.stance_run({ 'check' }, nil, d)
    assert.truthy(cout:find('.stance/documents.csv:3:1: error: unresolved git merge conflict', 1, true), cout)
    local said = '.stance/documents.csv:3:1: warning: unresolved git merge conflict'
    for _, args in ipairs({ { 'stats', '--by', 'outlet' }, { 'export', '--to', 'csv' }, { 'export', '--to', 'jsonl' } }) do
      local out, err, code = T.stance_run(args, nil, d)
      assert.are.equal(1, code, err)
      assert.truthy(err:find(said, 1, true), err)
      assert.truthy(err:find('(4 error(s)); the metadata is used as far as it could be read', 1, true), err)
      assert.truthy(out:find('City Herald', 1, true), out) -- what could be read is used
    end
    -- plain stats uses no metadata: nothing said
    local _, err, code = T.stance_run({ 'stats' }, nil, d)
    assert.are.equal(0, code, err)
  end)
end)
