-- The example scripts of doc/example/scripts, run with `stance run` on the example corpus
-- and on the sample corpus, their output checked against what the files and grep say.
local T = require('helpers')

local scripts = T.root .. '/doc/example/scripts/'

local function run(script, args, cwd)
  local argv = { 'run', scripts .. script }
  for _, a in ipairs(args or {}) do
    argv[#argv + 1] = a
  end
  local out, err, code = T.stance_run(argv, nil, cwd)
  assert(code == 0, ('%s exited %s: %s'):format(script, tostring(code), err))
  assert(err == '', err)
  return out
end

--- The example corpus, copied (scripts may write to it).
local function example()
  local d = T.tmpdir()
  os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
  return d
end

--- The sample corpus with its schema, ana's annotations of one article, and a second
--- annotator (ben) who reads its headline the other way.
local function sample()
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  os.execute(('cp %s/corpus/*.txt %s/'):format(T.q(T.shared), T.q(d)))
  local ex = T.root .. '/doc/example/shared-corpus/'
  T.write(d .. '/.stance/schema.stance', T.read(ex .. 'schema.stance'))
  T.write(d .. '/.stance/annotations/ana/000_6358a7516b2472dd.txt.stance', T.read(ex .. '000_6358a7516b2472dd.txt.stance'))
  local c = assert(require('stance').open(d))
  local doc = c:document('000_6358a7516b2472dd.txt')
  assert(doc:annotate({ start = 0, stop = 49, label = 'against', target = 'engagement', annotator = 'ben' }))
  assert(doc:annotate({ start = 50, stop = 90, label = 'favor', target = 'human-rights', annotator = 'ben' }))
  assert(c:save())
  return d
end

--- Annotation records of every file below .stance/annotations, read with patterns (not
--- with stance's reader): { {annotator, document, target, stance, span}, ... }
local function records(d)
  local out = {}
  local p = io.popen(('cd %s/.stance/annotations && find . -name "*.stance" | sort'):format(T.q(d)))
  for f in p:lines() do
    local who, docpath = f:match('^%./([^/]+)/(.*)%.stance$')
    local text = T.read(d .. '/.stance/annotations/' .. f:sub(3)):gsub('\n\n+', '\0')
    for block in (text .. '\0'):gmatch('([^%z]*)%z') do
      local kind = block:match('^(%a+) %S+\n')
      out[#out + 1] = { kind = kind, annotator = who, document = docpath, target = block:match('\n?%s+target (%S+)'),
        stance = block:match('\n?%s+stance (%S+)'), span = block:match('span ([%d%- ]+)'),
        quote = block:match('quote "(.-)"\n') }
      if not kind or kind == 'document' then out[#out] = nil end -- the file's header is no record
    end
  end
  p:close()
  return out
end

--- grep -iowz's count of matches of an ERE in the corpus's .txt files.
local function grep_count(d, ere)
  local out = T.run(('cd %s && LC_ALL=C.UTF-8 grep -iowzE %s *.txt | tr "\\0" "\\n" | wc -l'):format(T.q(d), T.q(ere)))
  return tonumber(out)
end

--- stance_table.lua's rows by "document annotator target": { [stance] = count, overall =
--- ... }, its stance columns in order (read from its header line), and its first line (the
--- layers it counted).
local function stance_table_rows(out)
  local rows, columns, said = {}, nil, out:match('^(# [^\n]*)\n')
  for line in out:gmatch('[^\n]+') do
    local cells = {}
    for cell in line:gmatch('%S+') do
      cells[#cells + 1] = cell
    end
    if cells[1] == '#' then -- luacheck: ignore 542
    elseif not columns then
      assert(cells[1] == 'document' and cells[2] == 'annotator' and cells[3] == 'target'
        and cells[#cells] == 'overall', line)
      columns = { (table.unpack or unpack)(cells, 4, #cells - 1) } -- luacheck: ignore
    else
      local row = { overall = table.concat(cells, ' ', 4 + #columns) }
      for i, name in ipairs(columns) do
        row[name] = assert(tonumber(cells[3 + i]), line)
      end
      rows[cells[1] .. ' ' .. cells[2] .. ' ' .. cells[3]] = row
    end
  end
  return rows, columns, said
end

--- What the files hold, by "document annotator target": { [stance] = count }; `skip`: layers
--- left out ({ [name] = true }).
local function expected_counts(d, skip)
  local want = {}
  for _, r in ipairs(records(d)) do
    if r.kind == 'annotation' and r.target and r.stance and not (skip or {})[r.annotator] then
      local key = r.document .. ' ' .. r.annotator .. ' ' .. r.target
      want[key] = want[key] or {}
      want[key][r.stance] = (want[key][r.stance] or 0) + 1
    end
  end
  return want
end

--- Each row's counts equal what the files hold (every column, 0 where the files have none),
--- and no row is made up.
local function same_counts(rows, columns, want)
  local n = 0
  for key, counts in pairs(want) do
    n = n + 1
    assert.truthy(rows[key], key)
    for _, s in ipairs(columns) do
      assert.are.equal(counts[s] or 0, rows[key][s], key .. ' ' .. s)
    end
    for s in pairs(counts) do
      assert.truthy(rows[key][s], key .. ': no column ' .. s)
    end
  end
  for key in pairs(rows) do
    assert.truthy(want[key], key)
  end
  return n
end

describe('example scripts', function()
  after_each(T.cleanup)

  describe('on the example corpus', function()
    it('stance_table.lua counts every annotation by document, target and stance', function()
      local d = example()
      local out = run('stance_table.lua', { d })
      assert.truthy(out:find('\ndocument%s+annotator%s+target%s+favor%s+against%s+neutral%s+overall\n'))
      local rows, columns, said = stance_table_rows(out)
      assert.are.equal('# layers counted, each apart: ana, ben', said)
      assert.is_true(same_counts(rows, columns, expected_counts(d)) >= 6)
      assert.are.equal('against', rows['02_charge_unfair.txt ana congestion-charge'].overall)
      -- one annotator only
      local ben = stance_table_rows(run('stance_table.lua', { d, '--annotator', 'ben' }))
      assert.is_nil(ben['03_charge_evidence.txt ana public-transport'])
      assert.truthy(ben['01_charge_works.txt ben congestion-charge'])
      for key in pairs(ben) do
        assert.truthy(key:find(' ben ', 1, true), key)
      end
      -- a lexicon's pre-annotations named in not-annotators, and a curation: the lexicon is
      -- left out and said, gold counted apart, never added to a person's counts
      run('preannotate.lua', { scripts .. 'lexicon-charge.txt', d })
      local schema = T.read(d .. '/.stance/schema.stance')
      assert.truthy(schema:find('\ncorpus\n', 1, true))
      T.write(d .. '/.stance/schema.stance', (schema:gsub('\ncorpus\n', '\ncorpus\n  not-annotators lexicon\n', 1)))
      os.execute(('cp -r %s %s'):format(T.q(d .. '/.stance/annotations/ben'), T.q(d .. '/.stance/annotations/gold')))
      local rows2, columns2, said2 = stance_table_rows(run('stance_table.lua', { d }))
      assert.are.equal("# layers counted, each apart: ana, ben, gold; left out: lexicon (named in the schema's"
        .. " not-annotators)", said2)
      same_counts(rows2, columns2, expected_counts(d, { lexicon = true }))
      assert.are.same(rows['02_charge_unfair.txt ana congestion-charge'], rows2['02_charge_unfair.txt ana congestion-charge'])
    end)

    it('concordance.lua finds what grep finds, with the stance of each sentence', function()
      local d = example()
      local out = run('concordance.lua', { 'charge', d, '--width', '25' })
      local lines = T.lines(out:gsub('\n$', ''))
      local total = tonumber(lines[#lines]:match('^(%d+) hits$'))
      assert.are.equal(grep_count(d, 'charge'), total)
      assert.are.equal(total, #lines - 1)
      local keep = out:match('\n(01_charge_works.txt:14:%d+ [^\n]*)')
      assert.truthy(keep:find('the charge and extend', 1, true) or keep:find('[charge]', 1, true))
      assert.truthy(keep:find('congestion%-charge:favor$'), keep)
      assert.truthy(out:find('\n03_charge_evidence.txt:8:%d+ .-%[charge%].-  %-\n'), out)
      -- a phrase across a line end
      out = run('concordance.lua', { '"new tram"', d })
      assert.truthy(out:find(('%d hits\n'):format(grep_count(d, 'new\\s+tram')), 1, true), out)
    end)

    it('preannotate.lua writes suggestions to their own layer once, within the schema', function()
      local d = example()
      local before = {}
      for _, f in ipairs({ 'ana/01_charge_works.txt.stance', 'ben/01_charge_works.txt.stance' }) do
        before[f] = T.read(d .. '/.stance/annotations/' .. f)
      end
      local out = run('preannotate.lua', { scripts .. 'lexicon-charge.txt', d })
      local n, docs = out:match('^(%d+) suggestions in (%d+) documents %(layer lexicon%)\n$')
      assert.truthy(n, out)
      assert.is_true(tonumber(n) >= 5)
      local sug = {}
      for _, r in ipairs(records(d)) do
        if r.annotator == 'lexicon' then sug[#sug + 1] = r end
      end
      assert.are.equal(tonumber(n), #sug)
      local docset = {}
      for _, r in ipairs(sug) do
        docset[r.document] = true
        local q = r.quote:lower():gsub('\\n', ' ')
        assert.truthy(q:find('keep the charge', 1, true) or q:find('should go', 1, true) or q:find('exempt', 1, true)
          or q:find('tram', 1, true), q)
      end
      local nd = 0
      for _ in pairs(docset) do
        nd = nd + 1
      end
      assert.are.equal(tonumber(docs), nd)
      for f, text in pairs(before) do
        assert.are.equal(text, T.read(d .. '/.stance/annotations/' .. f), f .. ' is not touched')
      end
      assert.are.equal('0 suggestions in 0 documents (layer lexicon)\n',
        run('preannotate.lua', { scripts .. 'lexicon-charge.txt', d }))
      local _, err, code = T.stance_run({ 'check', d })
      assert.are.equal(0, code, err)
      -- a cue whose label the schema does not know is refused, and nothing is written
      T.write(d .. '/bad.lex', 'tram = loves public-transport\n')
      local _, berr, bcode = T.stance_run({ 'run', scripts .. 'preannotate.lua', d .. '/bad.lex', d, '--as', 'bad' })
      assert.are.equal(1, bcode)
      assert.truthy(berr:find("bad.lex:1: .*unknown label 'loves'"), berr)
      assert.falsy(T.exists(d .. '/.stance/annotations/bad'))
    end)

    it('preannotate.lua adds nothing twice with the study schema, whose labels set their own target', function()
      if not T.shared or not T.exists(T.shared .. '/corpus/000_6358a7516b2472dd.txt') then
        return pending('../shared/corpus is not beside the checkout')
      end
      local d = T.tmpdir()
      os.execute(('mkdir -p %s/.stance && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/')
        :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
      T.write(d .. '/study.lex', 'sanction* = sanctions-against\n')
      local out = run('preannotate.lua', { d .. '/study.lex', d })
      -- and the lexicon for the study that comes with the scripts, to its own layer
      local sout = run('preannotate.lua', { scripts .. 'lexicon-study.txt', d, '--as', 'cues' })
      assert.is_true(tonumber(sout:match('^(%d+) suggestions in %d+ documents %(layer cues%)\n$') or 0) > 0, sout)
      assert.are.equal('0 suggestions in 0 documents (layer cues)\n',
        run('preannotate.lua', { scripts .. 'lexicon-study.txt', d, '--as', 'cues' }))
      local n = tonumber(out:match('^(%d+) suggestions'))
      assert.is_true(n and n > 0, out)
      -- one per sentence however many hits it has, each with the label's target
      local seen = {}
      for _, r in ipairs(records(d)) do
        if r.annotator == 'lexicon' then
          local key = r.document .. ':' .. tostring(r.span)
          assert.is_nil(seen[key], 'twice: ' .. key)
          seen[key] = true
          assert.are.equal('sanctions', r.target)
        end
      end
      assert.are.equal('0 suggestions in 0 documents (layer lexicon)\n', run('preannotate.lua', { d .. '/study.lex', d }))
    end)

    it('disagreements.lua prints the items two annotators disagree on, as stance agree counts them', function()
      local d = example()
      local out = run('disagreements.lua', { 'ana', 'ben', d })
      local lines = T.lines(out:gsub('\n$', ''))
      local differ, total, docs = lines[#lines]:match('^(%d+) of (%d+) %(sentence, target%) items differ in (%d+) documents')
      assert.are.equal(#lines - 1, tonumber(differ))
      assert.are.equal('2', docs)
      -- the items and the κ of stance agree
      local r = assert(assert(require('stance').open(d)):agreement({ annotators = { 'ana', 'ben' },
        fields = { 'stance' }, disagreements = true }))
      assert.are.equal(r.fields[1].pooled.items, tonumber(total))
      assert.are.equal(#r.fields[1].disagreements, tonumber(differ))
      assert.truthy(lines[#lines]:find(('congestion-charge %.3f'):format(r.fields[1].targets[1].kappa), 1, true), out)
      assert.truthy(out:find('02_charge_unfair.txt:9:%d+: congestion%-charge: ana %- | ben against | It should be reformed'),
        out)
      -- each reported position is where that sentence starts
      for i = 1, #lines - 1 do
        local path, line, col, text = lines[i]:match('^(.-):(%d+):(%d+): .* | (.-)$')
        local src = T.lines(T.read(d .. '/' .. path))[tonumber(line)]
        local head = text:gsub('%.%.%.$', ''):sub(1, 10)
        assert.are.equal(head, src:sub(tonumber(col), tonumber(col) + #head - 1))
      end
    end)
  end)

  describe('on the sample corpus', function()
    it('stance_table.lua: document labels win, counts match the files', function()
      if not T.shared then return pending('../shared/corpus is not here') end
      local d = sample()
      local rows, columns = stance_table_rows(run('stance_table.lua', { d }))
      same_counts(rows, columns, expected_counts(d))
      -- ana's and ben's readings apart: ben's "against" is not added to ana's
      assert.are.same({ favor = 1, against = 0, neutral = 0, overall = 'favor (label)' },
        rows['000_6358a7516b2472dd.txt ana engagement'])
      assert.are.same({ favor = 2, against = 1, neutral = 0, overall = 'favor' },
        rows['000_6358a7516b2472dd.txt ana human-rights'])
      assert.are.same({ favor = 0, against = 1, neutral = 0, overall = 'against' },
        rows['000_6358a7516b2472dd.txt ben engagement'])
    end)

    it("stance_table.lua with the study's schema: a column per stance it has (favor, against), no other", function()
      if not T.shared then return pending('../shared/corpus is not here') end
      local d = T.tmpdir()
      os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && cp -r %s %s/.stance/annotations/')
        :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d),
          T.q(T.root .. '/tests/fixtures/study/annotations/fixture'), T.q(d)))
      local out = run('stance_table.lua', { d })
      local rows, columns = stance_table_rows(out)
      assert.are.same({ 'favor', 'against' }, columns)
      assert.is_nil(out:find('neutral', 1, true))
      assert.is_true(same_counts(rows, columns, expected_counts(d)) >= 10)
      for key, row in pairs(rows) do
        assert.truthy(row.overall == 'mixed' or row.overall:find('^favor') or row.overall:find('^against'), key)
      end
      -- the study's user: the lexicon pre-annotation, then `not-annotators lexicon`
      run('preannotate.lua', { scripts .. 'lexicon-study.txt', d })
      local schema = T.read(d .. '/.stance/schema.stance')
      T.write(d .. '/.stance/schema.stance', (schema:gsub('\ncorpus\n', '\ncorpus\n  not-annotators lexicon\n', 1)))
      local rows2, columns2, said = stance_table_rows(run('stance_table.lua', { d }))
      assert.are.equal("# layers counted, each apart: fixture; left out: lexicon (named in the schema's not-annotators)",
        said)
      assert.are.same(rows, rows2)
      assert.are.same(columns, columns2)
    end)

    it('concordance.lua: every "human rights" of the five articles, with stances', function()
      if not T.shared then return pending('../shared/corpus is not here') end
      local d = sample()
      local out = run('concordance.lua', { '"human rights"', d })
      local total = tonumber(out:match('(%d+) hits\n$'))
      assert.are.equal(grep_count(d, 'human\\s+rights'), total)
      assert.is_true(total > 5)
      local first = out:match('^(000_6358a7516b2472dd.txt:1:%d+ [^\n]*)')
      assert.truthy(first and first:find('human%-rights:favor'), out)
    end)

    it('preannotate.lua: suggestions for every article that has a cue', function()
      if not T.shared then return pending('../shared/corpus is not here') end
      local d = sample()
      local out = run('preannotate.lua', { scripts .. 'lexicon-dprk.txt', d, '--as', 'cues' })
      local n, docs = out:match('^(%d+) suggestions in (%d+) documents %(layer cues%)\n$')
      assert.truthy(n, out)
      local with_cue = T.run(('cd %s && LC_ALL=C.UTF-8 grep -liwzE %s *.txt | wc -l'):format(T.q(d),
        T.q('diplomatic\\s+ties|engage\\w*|sanction\\w*|human\\s+rights|denucleariz\\w*')))
      assert.are.equal(tonumber(with_cue), tonumber(docs))
      local count = 0
      for _, r in ipairs(records(d)) do
        if r.annotator == 'cues' then
          count = count + 1
          assert.truthy(r.target, 'every cue names a target')
        end
      end
      assert.are.equal(tonumber(n), count)
      assert.are.equal('0 suggestions in 0 documents (layer cues)\n',
        run('preannotate.lua', { scripts .. 'lexicon-dprk.txt', d, '--as', 'cues' }))
    end)

    it('disagreements.lua: the headline ana and ben read the other way', function()
      if not T.shared then return pending('../shared/corpus is not here') end
      local d = sample()
      -- only documents both marked done are compared
      local out = run('disagreements.lua', { 'ana', 'ben', d })
      assert.truthy(out:find('^0 of 0 %(sentence, target%) items differ in 0 documents'), out)
      local c = assert(require('stance').open(d))
      local doc = assert(c:document('000_6358a7516b2472dd.txt'))
      assert(doc:set_status('done', 'ana'))
      assert(doc:set_status('done', 'ben'))
      assert(c:save())
      out = run('disagreements.lua', { 'ana', 'ben', d })
      assert.truthy(out:find('^000_6358a7516b2472dd.txt:1:1: engagement: ana favor | ben against | Trump Should'), out)
      assert.falsy(out:find('000_6358a7516b2472dd.txt:1:1: human-rights', 1, true), out)
      assert.truthy(out:find('\n%d+ of %d+ %(sentence, target%) items differ in 1 documents both ana and ben marked done;'),
        out)
    end)
  end)
end)
