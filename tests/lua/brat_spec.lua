-- brat standoff in and out. brat -> stance -> brat gives the same annotation set (IDs may
-- differ) for every construct brat has, file by file, and what the export writes is
-- accepted by brat's own parser and checker (../shared/interop/brat-tools); stance ->
-- brat -> stance keeps target, stance, role, notes, relations and document stances (the
-- study's schema on its corpus, annotated through the scripting API). The same annotations
-- always give the same bytes. Hostile folders (links out, huge offsets, control characters)
-- are reported with their place and nothing is written outside the corpus.
local T = require('helpers')
local ann = require('stance.interop.brat_ann')
local core = require('stance.core')

local TOOLS = T.shared and (T.shared .. '/interop/brat-tools') or nil

--- Everything an .ann says, as a multiset of strings that do not depend on IDs.
local function meaning(text)
  local d = ann.parse(text)
  assert.are.same({}, d.problems)
  local sig, set = {}, {}
  local function add(s) set[s] = (set[s] or 0) + 1 end
  local function ref(id) return assert(sig[id], 'no signature for ' .. tostring(id)) end
  for _, e in ipairs(d.entities) do
    local offs = {}
    for i, sp in ipairs(e.spans) do
      offs[i] = sp[1] .. '-' .. sp[2]
    end
    table.sort(offs)
    sig[e.id] = ('%s[%s]'):format(e.type, table.concat(offs, ','))
    add('T ' .. sig[e.id])
  end
  -- events may name events: sign them until every one is signed
  local left = #d.events
  for _ = 1, #d.events do
    for _, ev in ipairs(d.events) do
      if not sig[ev.id] and sig[ev.trigger] then
        local args, ready = {}, true
        for i, a in ipairs(ev.args) do
          if not sig[a[2]] then ready = false else args[i] = a[1] .. ':' .. sig[a[2]] end
        end
        if ready then
          table.sort(args)
          sig[ev.id] = ('%s:%s(%s)'):format(ev.type, sig[ev.trigger], table.concat(args, ' '))
          add('E ' .. sig[ev.id])
          left = left - 1
        end
      end
    end
  end
  assert.are.equal(0, left, 'events that cannot be signed')
  for _, r in ipairs(d.relations) do
    sig[r.id] = ('%s(%s:%s,%s:%s)'):format(r.type, r.args[1][1], ref(r.args[1][2]), r.args[2][1], ref(r.args[2][2]))
    add('R ' .. sig[r.id])
  end
  for _, a in ipairs(d.attributes) do
    add(('A %s %s %s'):format(a.name, ref(a.target), a.value or '-'))
  end
  for _, n in ipairs(d.notes) do
    add(('# %s %s %s'):format(n.kind, ref(n.target), n.text))
  end
  for _, n in ipairs(d.norms) do
    add(('N %s %s %s %s'):format(n.type, ref(n.target), n.ref, n.text or ''))
  end
  for _, eq in ipairs(d.equivs) do
    -- an equivalence is a set (brat merges those that share a member)
    local m = {}
    for i, x in ipairs(eq.members) do
      m[i] = ref(x)
    end
    table.sort(m)
    add(('* %s %s'):format(eq.type, table.concat(m, ' ')))
  end
  return set
end

local function stance_cmd(dir, args)
  return T.run(('cd %s && %s %s'):format(T.q(dir), T.q(T.stance), args))
end

--- A new corpus (with `schema` when given).
local function corpus(schema)
  local d = T.tmpdir()
  T.run(('%s init %s'):format(T.q(T.stance), T.q(d)))
  if schema then T.write(d .. '/.stance/schema.stance', schema) end
  return d
end

--- Import `src` into a new corpus and export it to a new folder.
local function round_trip(src)
  local d = corpus()
  local out, err, code = stance_cmd(d, 'import --from brat ' .. T.q(src))
  local dst = T.tmpdir() .. '/out'
  local eout, eerr, ecode = stance_cmd(d, 'export --to brat ' .. T.q(dst))
  assert.are.equal(0, ecode, eout .. eerr)
  return d, dst, out .. err, code
end

--- brat's own parser (and checker, unless `parser_only`) accept the folder (skipped
--- without ../shared).
local function brat_accepts(dir, parser_only)
  if not TOOLS then return end
  for _, tool in ipairs(parser_only and { 'brat-load' } or { 'brat-load', 'brat-verify' }) do
    local out, err, code = T.run(('python3 %s %s'):format(T.q(TOOLS .. '/' .. tool), T.q(dir)))
    assert.are.equal(0, code, tool .. ' refused ' .. dir .. ':\n' .. out .. err)
  end
end

local function compare(src, dst, names)
  for _, name in ipairs(names) do
    local a, b = T.read(src .. '/' .. name .. '.ann'), T.read(dst .. '/' .. name .. '.ann')
    assert.are.same(meaning(a), meaning(b), name)
    assert.are.equal(T.read(src .. '/' .. name .. '.txt'), T.read(dst .. '/' .. name .. '.txt'))
  end
  brat_accepts(dst)
end

-- A document for the constructs, and the offsets of its words.
local TXT = 'Alpha binds Beta and Gamma.\nDelta activates the binding of Alpha.\nÉpsilon 😀 is here,\r\nsaid Zeta.\n'
local function at(word, nth)
  local model = core.text(TXT)
  local pos = 0
  for _ = 1, nth or 1 do
    pos = assert(TXT:find(word, pos + 1, true))
  end
  local a = model:byte_to_cp(pos - 1)
  return a, a + require('stance.utf8').len(word)
end
local function tb(id, typ, word, nth)
  local a, b = at(word, nth)
  return ('%s\t%s %d %d\t%s'):format(id, typ, a, b, word)
end

local ENTITIES = {
  tb('T1', 'Protein', 'Alpha'), tb('T2', 'Binding', 'binds'), tb('T3', 'Protein', 'Beta'),
  tb('T4', 'Protein', 'Gamma'), tb('T5', 'Protein', 'Delta'), tb('T6', 'Positive_regulation', 'activates'),
  tb('T7', 'Binding', 'binding'), tb('T8', 'Protein', 'Alpha', 2),
}

-- One file per construct brat has.
local CONSTRUCTS = {
  ['text-bound, discontinuous, over a line end, emoji'] = {
    tb('T1', 'Protein', 'Alpha'),
    (function()
      local a = at('Épsilon')
      local z = at('Zeta')
      return ('T2\tProtein %d %d;%d %d\tÉpsilon 😀 Zeta'):format(a, a + 9, z, z + 4)
    end)(),
    (function()
      local a = at('is here,')
      local b = at('said')
      return ('T3\tClaim %d %d;%d %d\tis here, said'):format(a, a + 8, b, b + 4)
    end)(),
  },
  ['relations, with their own role names'] = {
    ENTITIES[1], ENTITIES[3], ENTITIES[4], ENTITIES[5],
    'R1\tPart-of Whole:T1 Part:T3\t', 'R2\tInteracts Arg1:T5 Arg2:T4\t', 'R3\tInteracts Arg1:T4 Arg2:T5\t',
  },
  ['events: nested, without arguments, sharing a trigger, numbered roles'] = {
    ENTITIES[1], ENTITIES[2], ENTITIES[3], ENTITIES[4], ENTITIES[5], ENTITIES[6], ENTITIES[7], ENTITIES[8],
    'E1\tBinding:T2 Theme:T1 Theme2:T3 Theme3:T4', 'E2\tBinding:T7 Theme:T8',
    'E3\tPositive_regulation:T6 Theme:E2 Cause:T5', 'E4\tBinding:T2', 'E5\tPositive_regulation:T6 Theme:E3',
  },
  ['attributes (A and M) on entities, events and relations, with and without values'] = {
    ENTITIES[1], ENTITIES[2], ENTITIES[3], ENTITIES[5],
    'E1\tBinding:T2 Theme:T1', 'R1\tInteracts Arg1:T5 Arg2:E1\t', 'R2\tPart-of Arg1:T1 Arg2:T3\t',
    'A1\tNegation E1', 'A2\tConfidence E1 High', 'M3\tSpeculation T1', 'A4\tCertain R2', 'A5\tLevel R1 Low',
    'A6\tStance T5 For', 'A7\tRole T3 premise', 'A8\tFlag T3',
  },
  ['normalizations and notes on entities, events and relations'] = {
    ENTITIES[1], ENTITIES[2], ENTITIES[3], 'E1\tBinding:T2 Theme:T1', 'R1\tPart-of Arg1:T1 Arg2:T3\t',
    'N1\tReference T1 Uniprot:P12345\tAlpha protein', 'N2\tReference E1 GO:0005488\tbinding',
    '#1\tAnnotatorNotes T1\tfirst line', '#2\tAnnotatorNotes T1\tsecond line\twith a tab',
    '#3\tAnnotatorNotes E1\ton an event', '#4\tAnnotatorNotes R1\ton a relation', '#5\tFlag T3\tcheck this',
  },
  -- (found by the fuzzer: their order followed our random IDs)
  ['identical annotations told apart by their links'] = {
    ENTITIES[3], tb('T9', 'Protein', 'Beta'), ENTITIES[4], tb('T8', 'Protein', 'Gamma'),
    'R1\tPart-of Arg1:T3 Arg2:T9\t', 'R2\tPart-of Arg1:T8 Arg2:T4\t', 'A1\tFlag T8',
  },
  -- (a T of type Document_label is a document label only with a Stance or a Label: found by
  -- the fuzzer, the others made document labels without either, which the file refused)
  ['Document_label: a document label, and annotations of that type'] = {
    'T1\tDocument_label 0 27\tAlpha binds Beta and Gamma.', 'A1\tStance T1 For', 'A2\tTarget T1 Alpha',
    tb('T2', 'Document_label', 'Delta'), 'A3\tTarget T2 Beta', tb('T3', 'Document_label', 'Zeta'),
    tb('T4', 'Document_label', 'Gamma'), 'A4\tStance T4 Against', 'R1\tPart-of Arg1:T4 Arg2:T3\t',
  },
  -- (brat merges groups that share a member: they never do in its files)
  ['equivalences of two and three members'] = {
    ENTITIES[1], ENTITIES[3], ENTITIES[4], ENTITIES[5], ENTITIES[8], '*\tEquiv T8 T1', '*\tSame T3 T5 T4',
  },
  ['an equivalence of five members'] = {
    ENTITIES[1], ENTITIES[3], ENTITIES[4], ENTITIES[5], ENTITIES[8], '*\tEquiv T5 T4 T3 T1 T8',
  },
}

describe('brat', function()
  after_each(T.cleanup)

  it('round-trips the SciArg papers (T, R) and the brat fixture (valued and valueless attributes)', function()
    local src = T.interop .. '/brat/sciarg'
    local d, dst, out, code = round_trip(src)
    assert.are.equal(0, code, out)
    assert.truthy(out:find('imported 3 document(s), 1567 record(s)', 1, true), out)
    compare(src, dst, { 'A01', 'A02', 'A03' })
    local conf = T.read(dst .. '/annotation.conf')
    assert.truthy(conf:find('\nown_claim\n', 1, true))
    assert.truthy(conf:find('\nsupports\tArg1:', 1, true))
    local schema = T.read(d .. '/.stance/schema.stance')
    assert.truthy(schema:find('label background_claim', 1, true))
    assert.truthy(schema:find('relation parts_of_same', 1, true))
    -- what the import brings is in the schema: the corpus checks clean
    local cout, cerr, ccode = stance_cmd(d, 'check')
    assert.are.equal(0, ccode, cout .. cerr)
    local fx = T.interop .. '/brat/pie_brat_fixture'
    local d2, dst2, out2, code2 = round_trip(fx)
    assert.are.equal(0, code2, out2)
    compare(fx, dst2, { '1', '2' })
    assert.truthy(T.read(d2 .. '/.stance/schema.stance'):find('attribute brat-attr', 1, true))
    local c2out, c2err, c2code = stance_cmd(d2, 'check')
    assert.are.equal(0, c2code, c2out .. c2err)
  end)

  for name, lines in pairs(CONSTRUCTS) do
    it('round-trips ' .. name, function()
      local src = T.tmpdir()
      T.write(src .. '/doc.txt', TXT)
      T.write(src .. '/doc.ann', table.concat(lines, '\n') .. '\n')
      brat_accepts(src, true)
      local d, dst, out, code = round_trip(src)
      assert.are.equal(0, code, out)
      compare(src, dst, { 'doc' })
      local cout, cerr, ccode = stance_cmd(d, 'check')
      assert.are.equal(0, ccode, cout .. cerr)
      -- exported again after a second import: the same bytes
      local d2 = corpus()
      stance_cmd(d2, 'import --from brat ' .. T.q(dst))
      local dst2 = T.tmpdir() .. '/again'
      stance_cmd(d2, 'export --to brat ' .. T.q(dst2))
      assert.are.equal(T.read(dst .. '/doc.ann'), T.read(dst2 .. '/doc.ann'))
      assert.are.equal(T.read(dst .. '/annotation.conf'), T.read(dst2 .. '/annotation.conf'))
    end)
  end

  it('says each layer\'s status in stance-status.tsv, never as a box over the first line; reads both back',
    function()
      -- what exports wrote before: a Status on a Document_label T of its own
      local src = T.tmpdir()
      T.write(src .. '/doc.txt', TXT)
      T.write(src .. '/doc.ann', table.concat({ ENTITIES[1], 'T2\tDocument_label 0 27\tAlpha binds Beta and Gamma.',
        'A1\tStatus T2 done' }, '\n') .. '\n')
      local d, dst, out, code = round_trip(src)
      assert.are.equal(0, code, out)
      local c = assert(require('stance').open(d))
      assert.are.equal('done', c:document('doc.txt'):status('brat'))
      assert.are.equal(ENTITIES[1] .. '\n', T.read(dst .. '/doc.ann'))
      assert.are.equal('document\tlayer\tstatus\ndoc.txt\tbrat\tdone\n', T.read(dst .. '/stance-status.tsv'))
      assert.falsy(T.read(dst .. '/annotation.conf'):find('Status', 1, true))
      brat_accepts(dst)
      -- back: the status from the file; --status overrides it
      local _
      local d2 = corpus()
      out, _, code = stance_cmd(d2, 'import --from brat --annotator ana ' .. T.q(dst))
      assert.are.equal(0, code, out)
      out, _, code = stance_cmd(d2, 'import --from brat --annotator ben --status in-progress ' .. T.q(dst))
      assert.are.equal(0, code, out)
      c = assert(require('stance').open(d2))
      assert.are.equal('done', c:document('doc.txt'):status('ana'))
      assert.are.equal('in-progress', c:document('doc.txt'):status('ben'))
      -- a layer without a status: no file; a former export's file is removed with --force
      local d3 = corpus()
      T.write(src .. '/doc.ann', ENTITIES[1] .. '\n')
      stance_cmd(d3, 'import --from brat ' .. T.q(src))
      out, _, code = stance_cmd(d3, 'export --to brat --force ' .. T.q(dst))
      assert.are.equal(0, code, out)
      assert.is_false(T.exists(dst .. '/stance-status.tsv'))
      -- a line it cannot read is said, with its place
      T.write(dst .. '/stance-status.tsv', 'document\tlayer\tstatus\ndoc.txt\tbrat\tfinished\n')
      local d4 = corpus()
      local _, err = stance_cmd(d4, 'import --from brat ' .. T.q(dst))
      assert.truthy(err:find('stance-status.tsv:2:1: warning: not a line', 1, true), err)
      -- nor is a path with a NUL byte or of a document without an .ann dropped unsaid
      T.write(dst .. '/stance-status.tsv', 'document\tlayer\tstatus\ndoc.txt\0zz\tbrat\tdone\ngone.txt\tbrat\tdone\n'
        .. 'doc.txt\tbrat\tdone\n')
      local d5 = corpus()
      _, err = stance_cmd(d5, 'import --from brat ' .. T.q(dst))
      assert.truthy(err:find('stance-status.tsv:2:8: warning: a document path holds a NUL byte', 1, true), err)
      assert.truthy(err:find('stance-status.tsv:3:1: warning: no document gone.txt with an .ann in ', 1, true), err)
      assert.are.equal('done', assert(require('stance').open(d5)):document('doc.txt'):status('brat'))
    end)

  it('keeps the status of a document whose path holds a tab or a line end; leaves no stale status file', function()
    local SCHEMA = 'format stance 1\ntarget tax\nstance favor\nstance against\nlabel tax-favor\n  target tax\n'
      .. '  stance favor\n'
    local d = corpus(SCHEMA)
    -- (the corpus takes such names: a file name may hold any byte but / and NUL)
    local odd = 'tab\there\nnew\\line.txt'
    T.write(d .. '/' .. odd, TXT)
    T.write(d .. '/doc.txt', TXT)
    local c = assert(require('stance').open(d))
    for _, path in ipairs({ odd, 'doc.txt' }) do
      local doc = assert(c:document(path), path)
      assert(doc:annotate({ start = 0, stop = 5, label = 'tax-favor', annotator = 'ana' }))
      assert(doc:set_status(path == odd and 'done' or 'in-progress', 'ana'))
    end
    assert(c:save())
    local dst = T.tmpdir() .. '/out'
    local out, err, code = stance_cmd(d, 'export --to brat ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    assert.are.equal('document\tlayer\tstatus\ndoc.txt\tana\tin-progress\ntab\\there\\nnew\\\\line.txt\tana\tdone\n',
      T.read(dst .. '/stance-status.tsv'))
    brat_accepts(dst)
    local d2 = corpus()
    out, err, code = stance_cmd(d2, 'import --from brat ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    c = assert(require('stance').open(d2))
    assert.are.equal('done', assert(c:document(odd)):status('brat'))
    assert.are.equal('in-progress', assert(c:document('doc.txt')):status('brat'))
    -- --force into a folder of another tool holding an older status file: replaced by the
    -- export's statuses, or removed by one that writes none (else the import would read them)
    local other = T.tmpdir() .. '/other'
    os.execute('mkdir -p ' .. T.q(other))
    T.write(other .. '/stance-status.tsv', 'document\tlayer\tstatus\ndoc.txt\tana\tdone\ngone.txt\tana\tdone\n')
    T.write(other .. '/notes.md', 'theirs\n')
    out, err, code = stance_cmd(d, 'export --to brat --force ' .. T.q(other))
    assert.are.equal(1, code, out .. err) -- (their notes.md is said, and left)
    assert.truthy(err:find('left as they are: notes.md\n', 1, true), err)
    assert.are.equal(T.read(dst .. '/stance-status.tsv'), T.read(other .. '/stance-status.tsv'))
    -- a layer without a status (imported from brat without one)
    local src = T.tmpdir()
    T.write(src .. '/doc.txt', TXT)
    T.write(src .. '/doc.ann', ENTITIES[1] .. '\n')
    local d3 = corpus()
    out, err, code = stance_cmd(d3, 'import --from brat ' .. T.q(src))
    assert.are.equal(0, code, out .. err)
    other = T.tmpdir() .. '/other2'
    os.execute('mkdir -p ' .. T.q(other))
    T.write(other .. '/stance-status.tsv', 'document\tlayer\tstatus\ndoc.txt\tbrat\tdone\n')
    T.write(other .. '/notes.md', 'theirs\n')
    out, err, code = stance_cmd(d3, 'export --to brat --force ' .. T.q(other))
    assert.are.equal(1, code, out .. err)
    assert.is_false(T.exists(other .. '/stance-status.tsv'))
    assert.truthy(T.exists(other .. '/notes.md'))
    local d4 = corpus()
    out, err, code = stance_cmd(d4, 'import --from brat ' .. T.q(other))
    assert.are.equal(0, code, out .. err)
    -- (a layer with records and no status of its own is in progress, not done)
    assert.falsy(T.read(d4 .. '/.stance/annotations/brat/doc.txt.stance'):find('\nstatus ', 1, true))
    assert.are.equal('in-progress', assert(require('stance').open(d4):document('doc.txt')):status('brat'))
  end)

  it('marks imported layers done with --status, so that stance agree counts them', function()
    -- two annotators of another tool (no status of ours in their files)
    local src = T.tmpdir()
    T.write(src .. '/doc.txt', TXT)
    T.write(src .. '/doc.ann', table.concat({ ENTITIES[1], ENTITIES[3] }, '\n') .. '\n')
    local d = corpus()
    local out, err, code = stance_cmd(d, 'import --from brat --status finished ' .. T.q(src))
    assert.are.equal(2, code, out .. err)
    assert.truthy(err:find('--status should be done or in-progress', 1, true), err)
    for _, who in ipairs({ 'ana', 'ben' }) do
      out, err, code = stance_cmd(d, 'import --from brat --status done --annotator ' .. who .. ' ' .. T.q(src))
      assert.are.equal(0, code, out .. err)
    end
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('doc.txt'))
    assert.are.equal('done', doc:status('ana'))
    assert.are.equal('done', doc:status('ben'))
    local aout, aerr, acode = stance_cmd(d, 'agree --json')
    assert.are.equal(0, acode, aout .. aerr)
    local res = require('stance.json').decode(aout)
    assert.are.equal(1, #res.documents)
    assert.are.same({ 'ana', 'ben' }, res.documents[1].counted)
    -- W3C too
    local w3c = T.tmpdir() .. '/w.jsonl'
    stance_cmd(d, 'export --to w3c --output ' .. T.q(w3c))
    local d2 = corpus()
    T.write(d2 .. '/doc.txt', TXT)
    out, err, code = stance_cmd(d2, 'import --from w3c --status in-progress ' .. T.q(w3c))
    assert.are.equal(0, code, out .. err)
    local doc2 = assert(assert(require('stance').open(d2)):document('doc.txt'))
    assert.are.equal('in-progress', doc2:status('ana'))
  end)

  it('warns of a .txt that is not UTF-8', function()
    local src = T.tmpdir()
    T.write(src .. '/doc.txt', 'Caf\233 society. ' .. TXT)
    T.write(src .. '/doc.ann', '')
    local out, err = stance_cmd(corpus(), 'import --from brat ' .. T.q(src))
    assert.truthy((out .. err):find('doc.txt: warning: not UTF-8 text (1 byte(s), the first at byte 3)', 1, true),
      out .. err)
  end)

  it('keeps equivalences of many members whole and exports them the same way every time', function()
    local src = T.tmpdir()
    T.write(src .. '/doc.txt', TXT)
    T.write(src .. '/doc.ann', table.concat(ENTITIES, '\n') .. '\n*\tEquiv T1 T2 T3 T4 T5 T6 T7 T8\n')
    local first
    for _ = 1, 5 do
      local _, dst = round_trip(src)
      local got = T.read(dst .. '/doc.ann')
      assert.truthy(got:find('*\tEquiv T1 T2 T3 T4 T5 T6 T7 T8\n', 1, true), got)
      first = first or got
      assert.are.equal(first, got)
    end
  end)

  it('places offsets, arguments and their problems by column, on the common lines read at once too', function()
    -- (one-fragment T and two-argument R lines take a shorter way through the reader: the
    -- same objects, the same problems at the same columns as any other line)
    local d = ann.parse(table.concat({
      'T1\tClaim 007 0010\tabc',
      'T2\tClaim 9 5\tx',
      'R1\tsupports Arg1:T1 Arg1:T2',
      'R2\tsupports Arg1:T1 Arg2:T22',
      'T3\tClaim 0 1234567890123456\tx',
      'T4\tClaim 0 5',
      'T5\tClaim 0 5\tab\226\128\168cd',
      'R3\tsupports  Arg1:T1 Arg2:T4\t',
    }, '\n') .. '\n')
    local problems = {}
    for _, p in ipairs(d.problems) do
      problems[#problems + 1] = ('%d:%d %s'):format(p.line, p.col, p.message)
    end
    assert.are.same({ '2:10 offsets 9 5: the start is after the end', '3:21 both arguments are named Arg1',
      '5:12 offset 1234567890123456 is too large', '7:19 expected an ID and a tab' }, problems)
    assert.are.same({ { 7, 10 } }, d.entities[1].spans)
    assert.are.equal('abc', d.entities[1].text)
    assert.is_nil(d.entities[2].text)
    assert.are.same({ 'T1', 'T4', 'T5' }, { d.entities[1].id, d.entities[2].id, d.entities[3].id })
    assert.are.equal('ab', d.entities[3].text)
    assert.are.same({ { 'Arg1', 'T1', 18 }, { 'Arg2', 'T22', 26 } }, d.relations[1].args)
    assert.are.same({ { 'Arg1', 'T1', 19 }, { 'Arg2', 'T4', 27 } }, d.relations[2].args)
  end)

  it('reads a text followed by blanks, as brat does, and reports broken lines with their place', function()
    local src = T.tmpdir()
    T.write(src .. '/doc.txt', 'One sentence here. Another one.\n')
    T.write(src .. '/doc.ann', table.concat({
      'T1\tclaim 0 18\tOne sentence here.\t',
      'T2\tclaim 19 26\tNot the text',
      'T3 claim 0 3 One',
      'R1\tsupports Arg1:T1 Arg2:T9',
      'T4\tpremise 19 31\tAnother one.  ',
      'T5\tclaim 0 99999999999999999999\tOne',
      'T6\tclaim 0 9223372036854775808\tOne',
    }, '\n') .. '\n')
    local d = corpus()
    local out, err, code = stance_cmd(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(1, code)
    assert.truthy(err:find('doc.ann:2:1: warning: T2 skipped: its text', 1, true), err)
    assert.truthy(err:find('doc.ann:3:1: warning: expected an ID and a tab', 1, true), err)
    assert.truthy(err:find('doc.ann:4:26: warning: R1: Arg2 names T9', 1, true), err)
    assert.truthy(err:find("doc.ann:6:12: warning: offset 99999999999999999999 is too large", 1, true), err)
    assert.truthy(err:find("doc.ann:7:12: warning: offset 9223372036854775808 is too large", 1, true), err)
    assert.truthy(out:find('imported 1 document(s), 2 record(s) as brat', 1, true), out)
    assert.truthy(out:find('5 skipped', 1, true), out)
    local store = assert(core.read(T.read(d .. '/.stance/annotations/brat/doc.txt.stance')))
    assert.are.equal(2, store:count('annotation'))
    -- the schema was written with the layers: the corpus checks clean
    local cout, cerr, ccode = stance_cmd(d, 'check')
    assert.are.equal(0, ccode, cout .. cerr)
    -- importing again does not overwrite the layer
    local _, err2, code2 = stance_cmd(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(1, code2)
    assert.truthy(err2:find('already has a layer of brat', 1, true))
  end)

  it('escapes tabs and line ends in its warnings: one warning, one line', function()
    local src = T.tmpdir()
    T.write(src .. '/doc.txt', 'One\ttwo three.\n')
    T.write(src .. '/doc.ann', 'T1\tclaim 0 7\tOne\ttwx\n')
    local _, err = stance_cmd(corpus(), 'import --from brat ' .. T.q(src))
    local lines = {}
    for l in err:gmatch('[^\n]+') do
      lines[#lines + 1] = l
    end
    assert.are.equal(1, #lines, err)
    assert.truthy(lines[1]:find("its text 'One\\ttwx' is not the document's at those offsets ('One\\ttwo')", 1,
      true), err)
  end)

  it('never reads or writes outside: links out of the brat folder or of the corpus are refused', function()
    local outside = T.tmpdir()
    T.write(outside .. '/secret.txt', 'the secret key\n')
    local src = T.tmpdir()
    T.write(src .. '/ok.txt', 'Fine text.\n')
    T.write(src .. '/ok.ann', 'T1\tclaim 0 4\tFine\n')
    T.write(src .. '/leak.ann', 'T1\tclaim 0 3\tthe\n')
    T.run(('ln -s %s %s'):format(T.q(outside .. '/secret.txt'), T.q(src .. '/leak.txt')))
    T.write(outside .. '/other.ann', 'T1\tclaim 0 3\tthe\n')
    T.run(('ln -s %s %s'):format(T.q(outside .. '/other.ann'), T.q(src .. '/secret.ann')))
    T.write(src .. '/sub/inner.txt', 'Inner text.\n')
    T.write(src .. '/sub/inner.ann', 'T1\tclaim 0 5\tInner\n')
    local d = corpus()
    -- the corpus has a folder `sub` that is a link out of it
    local target = T.tmpdir()
    T.run(('ln -s %s %s'):format(T.q(target), T.q(d .. '/sub')))
    local out, err, code = stance_cmd(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('leak.ann: warning: leak.txt: a link out of', 1, true), err)
    assert.truthy(err:find('sub/inner.ann: warning: sub/inner.txt leads out of', 1, true), err)
    assert.falsy(T.exists(d .. '/leak.txt'))
    assert.falsy(T.exists(d .. '/secret.txt'))
    assert.are.equal('', (T.run(('ls -A %s'):format(T.q(target)))))
    assert.truthy(T.exists(d .. '/ok.txt'))
    assert.truthy(out:find('imported 1 document(s)', 1, true), out)
    -- nor does an export go into the corpus (its .txt would become documents)
    local _, eerr, ecode = stance_cmd(d, 'export --to brat brat-out')
    assert.are.equal(1, ecode)
    assert.truthy(eerr:find('is inside the corpus', 1, true), eerr)
    assert.falsy(T.exists(d .. '/brat-out'))
  end)

  it('exports what it can and reports the rest: an orphan past the end of a shortened document', function()
    local d = corpus()
    T.write(d .. '/a.txt', 'A first document with words.\n')
    T.write(d .. '/b.txt', 'Second one.\n')
    local api = require('stance')
    local c = assert(api.open(d))
    local a = assert(c:document('a.txt'))
    assert(a:annotate({ start = 2, stop = 7, label = 'claim', annotator = 'ana' }))
    assert(a:annotate({ start = 14, stop = 27, label = 'premise', annotator = 'ana' }))
    assert(assert(c:document('b.txt')):annotate({ start = 0, stop = 6, label = 'claim', annotator = 'ana' }))
    assert(c:save())
    T.write(d .. '/a.txt', 'A first\n') -- shortened: the second annotation is past its end
    local dst = T.tmpdir() .. '/out'
    local out, err, code = stance_cmd(d, 'export --to brat ' .. T.q(dst))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('is an orphan', 1, true), err)
    assert.truthy(out:find('exported 2 document(s)', 1, true), out)
    assert.truthy(T.read(dst .. '/a.ann'):find('T1\tclaim 2 7\tfirst', 1, true))
    assert.truthy(T.read(dst .. '/b.ann'):find('T1\tclaim 0 6\tSecond', 1, true))
    brat_accepts(dst)
  end)

  it('without --annotator, exports the one layer there is, and refuses to pick one of several', function()
    local d, paths = require('helpers.study_layers').make()
    if not d then return pending('../shared (the study and its corpus) is not there') end
    -- ana, ben, gold (and model's suggestions): brat holds one of them per document; nothing is written
    local dst = T.tmpdir() .. '/brat'
    local out, err, code = stance_cmd(d, 'export --to brat ' .. T.q(dst))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('the corpus has 3 layers: ana (5 documents), ben (4 documents), gold (1 document) (and '
      .. 'model, the model\'s suggestions: only with --with-suggestions); brat holds one layer per document: name the '
      .. 'one to export with --annotator', 1, true), err)
    assert.are.equal('', out)
    assert.falsy(T.exists(dst))
    -- named: the summary says which layer each document came from
    out, err, code = stance_cmd(d, 'export --to brat --annotator gold,ben ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    assert.truthy(out:find('exported 4 document(s) to ' .. dst .. ' (with annotation.conf and visual.conf); '
      .. 'layer gold (1), ben (3); 1 document(s) without a layer of gold, ben not exported', 1, true), out)
    assert.truthy(T.read(dst .. '/' .. paths[1]:gsub('%.txt$', '.ann')):find('sanctions', 1, true))
    -- one layer: that one, said
    local one = corpus()
    T.write(one .. '/a.txt', 'A first sentence.\n')
    local c = assert(require('stance').open(one))
    assert(assert(c:document('a.txt')):annotate({ start = 2, stop = 7, label = 'claim', annotator = 'ana' }))
    assert(c:save())
    out, err, code = stance_cmd(one, 'export --to brat ' .. T.q(dst .. '-one'))
    assert.are.equal(0, code, out .. err)
    assert.truthy(out:find('exported 1 document(s) to ' .. dst .. '-one (with annotation.conf and visual.conf); '
      .. 'layer ana (1)', 1, true), out)
  end)
end)

describe('stance -> brat -> stance', function()
  after_each(T.cleanup)

  --- Annotate the study's corpus through the scripting API: returns the corpus folder.
  local function annotated_study()
    local d = corpus(T.read(T.shared .. '/study/schema.stance'))
    for _, name in ipairs({ '000_6358a7516b2472dd.txt', '001_6520dcfa8ca08700.txt', '002_c6bce5e05bd0fd45.txt',
      '003_7e305a588b2246b7.txt', '004_e35aa5ebcc029514.txt' }) do
      T.write(d .. '/' .. name, T.read(T.shared .. '/corpus/' .. name))
    end
    local c = assert(require('stance').open(d))
    local labels = { 'engagement-favor', 'sanctions-against', 'human-rights-favor', 'denuclearization-first-against' }
    local k = 0
    for doc in c:documents() do
      local sentences = assert(doc:sentences())
      local made = {}
      for i = 1, math.min(#sentences, 8) do
        k = k + 1
        local s = sentences[i]
        local a = assert(doc:annotate({ start = s.start, stop = s.stop, label = labels[k % #labels + 1],
          role = i % 2 == 0 and 'premise' or 'claim', note = i == 3 and 'two lines:\nthe second\twith a tab' or nil,
          annotator = 'ana' }))
        made[#made + 1] = a
      end
      -- the general label: target and stance are the annotator's
      local s = sentences[#sentences]
      made[#made + 1] = assert(doc:annotate({ start = s.start, stop = s.stop, label = 'against', target = 'sanctions',
        role = 'claim', annotator = 'ana' }))
      -- a discontinuous one, over two sentences
      if #sentences > 10 then
        assert(doc:annotate({ spans = { { sentences[9].start, sentences[9].stop },
          { sentences[11].start, sentences[11].stop } }, label = 'favor', target = 'engagement', annotator = 'ana' }))
      end
      for i = 2, #made, 2 do
        assert(doc:relate(made[i].id, made[i - 1].id, i % 4 == 0 and 'attacks' or 'supports',
          { annotator = 'ana', note = i == 2 and 'why' or nil }))
      end
      assert(doc:set_label({ target = 'engagement', stance = 'favor', note = 'the whole piece', annotator = 'ana' }))
      assert(doc:set_label({ target = 'sanctions', stance = 'against', annotator = 'ana' }))
      -- the annotator's progress: done with the first documents, in progress with the others
      assert(doc:set_status(doc.path < '002' and 'done' or 'in-progress', 'ana'))
    end
    assert(c:save())
    return d
  end

  --- What a layer says, without IDs: annotations, relations (by their ends) and document
  --- labels, each as a string (annotations without their quote when `unquoted`).
  local function says(dir, who, unquoted)
    local c = assert(require('stance').open(dir))
    local out = {}
    for doc in c:documents() do
      local sig = {}
      for _, a in ipairs(doc:annotations({ annotator = who })) do
        local spans = {}
        for i, sp in ipairs(a.spans) do
          spans[i] = sp[1] .. '-' .. sp[2]
        end
        sig[a.id] = table.concat(spans, ',')
        out[#out + 1] = table.concat({ doc.path, sig[a.id], a.label, a.target or '', a.stance or '', a.role or '',
          a.note or '', not unquoted and a.quote or '' }, '|')
      end
      for _, r in ipairs(doc:relations({ annotator = who })) do
        out[#out + 1] = table.concat({ doc.path, 'relation', r.type, sig[r.from], sig[r.to], r.note or '' }, '|')
      end
      for _, l in ipairs(doc:labels({ annotator = who })) do
        out[#out + 1] = table.concat({ doc.path, 'document', l.label or '', l.target or '', l.stance or '',
          l.note or '' }, '|')
      end
      out[#out + 1] = table.concat({ doc.path, 'status', doc:status(who) or '' }, '|')
    end
    table.sort(out)
    return out
  end

  --- The corpus `back` (imported from `dst`) checks clean, and exports `dst` again, byte for
  --- byte (the configuration files too).
  local function clean_and_same(back, dst)
    local cout, cerr, ccode = stance_cmd(back, 'check')
    assert.are.equal(0, ccode, cout .. cerr)
    local dst2 = T.tmpdir() .. '/brat2'
    stance_cmd(back, 'export --to brat ' .. T.q(dst2))
    assert.are.equal(T.sha256sum(dst), T.sha256sum(dst2))
  end

  it('exports the study as annotated in tests/fixtures/study: brat\'s parser and checker accept it, and it comes back',
    function()
      local d = require('helpers.study').annotated('none')
      if not d then return pending('../shared (the study and its corpus) is not there') end
      local dst = T.tmpdir() .. '/brat'
      local out, err, code = stance_cmd(d, 'export --to brat ' .. T.q(dst))
      assert.are.equal(0, code, out .. err)
      assert.truthy(out:find('exported 5 document(s)', 1, true), out)
      if TOOLS then
        for _, tool in ipairs({ 'brat-load', 'brat-verify' }) do
          local tout, terr, tcode = T.run(('python3 %s %s'):format(T.q(TOOLS .. '/' .. tool), T.q(dst)))
          assert.are.equal(0, tcode, tool .. ':\n' .. tout .. terr)
          assert.truthy(tout:find(tool == 'brat-load' and '5 of 5 documents load without error'
            or '5 of 5 documents without issues', 1, true), tout)
        end
      end
      -- back, into the study's corpus without annotations: the same layer (quotes aside: the
      -- fixture has none, an import writes them)
      local back = T.tmpdir()
      os.execute(('mkdir -p %s/.stance && cp %s/*.txt %s/ && cp %s %s/.stance/'):format(T.q(back), T.q(d), T.q(back),
        T.q(d .. '/.stance/schema.stance'), T.q(back)))
      out, err, code = stance_cmd(back, 'import --from brat --annotator fixture ' .. T.q(dst))
      assert.are.equal(0, code, out .. err)
      assert.truthy(out:find('imported 5 document(s), 143 record(s) as fixture', 1, true), out)
      assert.truthy(out:find('schema: nothing added', 1, true), out)
      local want = says(d, 'fixture', true)
      assert.are.equal(143 + 5, #want)
      assert.are.same(want, says(back, 'fixture', true))
      clean_and_same(back, dst)
    end)

  it('keeps target, stance, role, notes, relations and document stances (the study)', function()
    if not T.shared then return pending('../shared (the study and its corpus) is not there') end
    local d = annotated_study()
    local dst = T.tmpdir() .. '/brat'
    local out, err, code = stance_cmd(d, 'export --to brat --annotator ana ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    brat_accepts(dst)
    local conf = T.read(dst .. '/annotation.conf')
    assert.truthy(conf:find('\nStance\tArg:<ENTITY>', 1, true), conf)
    assert.truthy(conf:find('Value:favor|against', 1, true), conf)
    assert.truthy(conf:find('\nTarget\tArg:<ENTITY>', 1, true), conf)
    assert.truthy(conf:find('Value:engagement|sanctions|human-rights|denuclearization-first', 1, true), conf)
    assert.truthy(conf:find('\nRole\tArg:<ENTITY>', 1, true), conf)
    assert.truthy(conf:find('\nDocument_label\n', 1, true), conf)
    local visual = T.read(dst .. '/visual.conf')
    assert.truthy(visual:find('Stance\tglyph:favor|against, glyphColor:#2e7d32|#c62828', 1, true), visual)
    assert.truthy(visual:find('\nengagement-favor\tbgColor:#2e7d32', 1, true), visual)
    local first = T.read(dst .. '/000_6358a7516b2472dd.ann')
    assert.truthy(first:find('\tStance T%d+ favor\n'), first)
    assert.truthy(first:find('\tTarget T%d+ engagement\n'), first)
    assert.truthy(first:find('\tRole T%d+ claim\n'), first)
    assert.truthy(first:find('\tDocument_label ', 1, true), first)
    assert.falsy(first:find('Status', 1, true), first)
    assert.truthy(T.read(dst .. '/stance-status.tsv'):find('\n000_6358a7516b2472dd.txt\tana\tdone\n', 1, true))
    -- back, into a corpus with the same schema and documents
    local back = corpus(T.read(T.shared .. '/study/schema.stance'))
    local iout, ierr, icode = stance_cmd(back, 'import --from brat --annotator ana ' .. T.q(dst))
    assert.are.equal(0, icode, iout .. ierr)
    assert.truthy(iout:find('schema: nothing added', 1, true), iout)
    assert.are.same(says(d, 'ana'), says(back, 'ana'))
    clean_and_same(back, dst)
  end)

  it("gives a collaborator without the schema its order, colors and titles back (visual.conf)", function()
    if not T.shared then return pending('../shared (the study and its corpus) is not there') end
    local d = annotated_study()
    local schema = T.read(d .. '/.stance/schema.stance')
    T.write(d .. '/.stance/schema.stance', schema:gsub('relation supports\n', 'relation supports\n  color #2e7d32\n'
      .. '  title "gives a reason for"\n'))
    local dst = T.tmpdir() .. '/brat'
    stance_cmd(d, 'export --to brat --annotator ana ' .. T.q(dst))
    -- brat offers the labels in the schema's order
    local conf = T.read(dst .. '/annotation.conf')
    assert.truthy(conf:find('[entities]\nengagement-favor\nengagement-against\nsanctions-favor\n', 1, true), conf)
    -- back into a corpus whose schema is empty
    local back = corpus('format stance 1\n')
    local out, err, code = stance_cmd(back, 'import --from brat --annotator ana ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    local s = require('stance.schema').parse(T.read(back .. '/.stance/schema.stance'))
    local function names(list)
      local o = {}
      for i, e in ipairs(list) do
        o[i] = e.name
      end
      return o
    end
    assert.are.same({ 'engagement', 'sanctions', 'human-rights', 'denuclearization-first' }, names(s.targets))
    assert.are.same({ 'favor', 'against' }, names(s.stances))
    assert.are.same({ '#1565c0', '#c62828' }, { s.by.target.engagement.color, s.by.stance.against.color })
    assert.are.same({ '#2e7d32', '#c62828' }, { s.by.label['engagement-favor'].color,
      s.by.label['sanctions-against'].color })
    assert.are.same({ '#2e7d32', 'gives a reason for' }, { s.by.relation.supports.color, s.by.relation.supports.title })
    clean_and_same(back, dst)
  end)

  it('keeps the lines of a long note in their order (one # line each)', function()
    local d = corpus()
    T.write(d .. '/t.txt', 'One claim here. And a second one.\n')
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('t.txt'))
    local lines = {}
    for i = 1, 12 do
      lines[i] = ('%sline %d of the note'):format(i % 3 == 0 and '\t' or '', i)
    end
    assert(doc:annotate({ start = 0, stop = 15, label = 'claim', note = table.concat(lines, '\n'), annotator = 'x' }))
    assert(doc:annotate({ start = 16, stop = 33, label = 'premise', note = 'short', annotator = 'x' }))
    assert(c:save())
    local dst = T.tmpdir() .. '/brat'
    stance_cmd(d, 'export --to brat ' .. T.q(dst))
    brat_accepts(dst)
    local back = corpus()
    stance_cmd(back, 'import --from brat --annotator x ' .. T.q(dst))
    assert.are.same(says(d, 'x'), says(back, 'x'))
    clean_and_same(back, dst)
  end)

  it('writes a second attribute of a name (kept as brat-attr) with its value as brat writes one: a fixed point',
    function()
      local read, write = require('stance.interop.brat_read'), require('stance.interop.brat_write')
      local function import(text, doc)
        local store = require('stance.core').store()
        for _, r in ipairs((read.records(ann.parse(text), doc, {}))) do
          assert(store:add(r))
        end
        return store
      end
      local function export(store, doc)
        local used, seen = write.new_used(), {}
        write.names_used(store, seen)
        write.plan_names(used, nil, seen)
        return (write.write(store, doc, { used = used }))
      end
      local docs = { T.read(T.root .. '/doc/example/corpus/01_charge_works.txt') }
      if T.shared then docs[2] = T.read(T.shared .. '/corpus/000_6358a7516b2472dd.txt') end
      for _, doc in ipairs(docs) do
        local first = doc:match('^%S+')
        -- (found by the fuzz target: one value with blanks twice, as brat's reader would not take it:
        -- the first is the stance, written in brat's form, the second was written as read)
        local src = ('T1\tClaim 0 %d\t%s\nA1\tStance T1  T1 Un ipha\nA2\tStance T1  T1 Un ipha\n'):format(#first, first)
        local out = export(import(src, doc), doc)
        assert.falsy(out:find('Stance T1  ', 1, true), out)
        assert.are.equal(out, export(import(out, doc), doc))
      end
      if not T.shared then pending('../shared/corpus is not here: the example only') end
    end)

  it('never stores two names as one: names brat would store alike come back apart', function()
    local d = corpus(table.concat({
      'format stance 1', 'target "x y"', 'target x_y', 'stance pro', 'label "a b"', 'label a_b', 'label a.b',
      'label Document_label', 'relation "r s"', 'relation r_s', '',
    }, '\n'))
    T.write(d .. '/t.txt', 'Alpha beta. gamma delta.\n')
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('t.txt'))
    local made = {}
    for i, l in ipairs({ 'a b', 'a_b', 'a.b', 'Document_label' }) do
      made[i] = assert(doc:annotate({ start = (i - 1) * 6, stop = (i - 1) * 6 + 5, label = l,
        target = i % 2 == 0 and 'x y' or 'x_y', stance = 'pro', annotator = 'x' }))
    end
    assert(doc:relate(made[1].id, made[2].id, 'r s', { annotator = 'x' }))
    assert(doc:relate(made[3].id, made[4].id, 'r_s', { annotator = 'x' }))
    assert(doc:set_label({ label = 'a b', target = 'x y', stance = 'pro', annotator = 'x' }))
    assert(c:save())
    local dst = T.tmpdir() .. '/brat'
    local out, err, code = stance_cmd(d, 'export --to brat ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    brat_accepts(dst)
    -- into a corpus without the schema: every name as it was
    local back = corpus('format stance 1\n')
    stance_cmd(back, 'import --from brat --annotator x ' .. T.q(dst))
    assert.are.same(says(d, 'x'), says(back, 'x'))
    clean_and_same(back, dst)
  end)

  it('brings names brat cannot store back (blanks, accents) through annotation.conf', function()
    local d = corpus(table.concat({
      'format stance 1', 'target "Klima politik"', 'stance für', 'stance gegen', 'relation "stützt"',
      'label thèse', '  stance für', 'label "une raison"', '',
    }, '\n'))
    T.write(d .. '/t.txt', 'Wir müssen handeln. Weil es brennt.\n')
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('t.txt'))
    local a = assert(doc:annotate({ start = 0, stop = 19, label = 'thèse', target = 'Klima politik', annotator = 'x' }))
    local b = assert(doc:annotate({ start = 20, stop = 35, label = 'une raison', annotator = 'x' }))
    assert(doc:relate(b.id, a.id, 'stützt', { annotator = 'x' }))
    assert(c:save())
    local dst = T.tmpdir() .. '/brat'
    stance_cmd(d, 'export --to brat ' .. T.q(dst))
    brat_accepts(dst)
    local got = T.read(dst .. '/t.ann')
    assert.truthy(got:find('T1\tth_se 0 19', 1, true), got)
    assert.truthy(got:find('Target T1 Klima_politik', 1, true), got)
    -- a collaborator without the schema gets the names back from annotation.conf
    local back = corpus()
    stance_cmd(back, 'import --from brat --annotator x ' .. T.q(dst))
    assert.are.same(says(d, 'x'), says(back, 'x'))
  end)
end)

describe('brat import: what every writer checks', function()
  after_each(T.cleanup)

  local GEN = table.concat({ 'format stance 1', 'target t-alpha', 'target t-beta', 'stance yes-x', 'stance no-x',
    'role r1', 'relation rel-x', 'label pro-alpha', '  target t-alpha', '  stance yes-x', 'label con', '  stance no-x',
    '  ask target', '' }, '\n')
  local TEXT = 'Sanctions work. Talks fail. Engagement is naive.\n'

  it('gives an annotation what its label sets, refuses one that contradicts it and what links to it', function()
    local d = corpus(GEN)
    local src = T.tmpdir()
    T.write(src .. '/a.txt', TEXT)
    T.write(src .. '/a.ann', table.concat({ 'T1\tpro-alpha 0 15\tSanctions work.', 'T2\tcon 16 27\tTalks fail.',
      'A1\tStance T2 yes-x', 'T3\tcon 28 38\tEngagement', 'A2\tTarget T3 t-beta', 'R1\trel-x Arg1:T2 Arg2:T1',
      'R2\trel-x Arg1:T3 Arg2:T1', '' }, '\n'))
    local out, err, code = stance_cmd(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find("a.ann:2:1: warning: T2 skipped: label 'con' sets stance no-x, not yes-x", 1, true), err)
    assert.truthy(err:find('a.ann:6:1: warning: R1 skipped: it links T2, which is skipped', 1, true), err)
    assert.truthy(out:find('3 record(s) as brat', 1, true) and out:find('2 skipped', 1, true), out)
    local c = assert(require('stance').open(d))
    local got = {}
    for _, a in ipairs(c:document('a.txt'):annotations({ annotator = 'brat' })) do
      got[#got + 1] = table.concat({ a.label, a.target or '', a.stance or '', a.quote }, '|')
    end
    assert.are.same({ 'pro-alpha|t-alpha|yes-x|Sanctions work.', 'con|t-beta|no-x|Engagement' }, got)
    assert.are.equal(1, #c:document('a.txt'):relations({ annotator = 'brat' }))
    local cout, cerr, ccode = stance_cmd(d, 'check')
    assert.are.equal(0, ccode, cout .. cerr)
    -- and stance check reports a record that contradicts its label (a file edited by hand)
    local f = d .. '/.stance/annotations/brat/a.txt.stance'
    T.write(f, (T.read(f):gsub('  stance yes%-x\n', '  stance no-x\n')))
    cout, cerr, ccode = stance_cmd(d, 'check')
    assert.are.equal(1, ccode, cout .. cerr)
    assert.truthy(cout:find(":%d+:1: warning: annotation %S+: label 'pro%-alpha' sets stance yes%-x, not no%-x"), cout)
  end)

  it('gives a T of a study label its target and stance (the study)', function()
    if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then
      return pending('../shared/study and ../shared/corpus are not here')
    end
    local name = '003_7e305a588b2246b7'
    local text = T.read(T.shared .. '/corpus/' .. name .. '.txt')
    local d = corpus(T.read(T.shared .. '/study/schema.stance'))
    local src = T.tmpdir()
    T.write(src .. '/' .. name .. '.txt', text)
    local q = core.text(text)
    local function t(id, label, a, b)
      return ('%s\t%s %d %d\t%s'):format(id, label, a, b, text:sub(q:cp_to_byte(a) + 1, q:cp_to_byte(b)))
    end
    -- (two spans of one line each: a T line holds no line end)
    T.write(src .. '/' .. name .. '.ann', table.concat({ t('T1', 'sanctions-against', 2630, 2671),
      t('T2', 'favor', 5752, 5884), 'A1\tStance T2 against', '' }, '\n'))
    local out, err, code = stance_cmd(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find("warning: T2 skipped: label 'favor' sets stance favor, not against", 1, true), err)
    local c = assert(require('stance').open(d))
    local got = c:document(name .. '.txt'):annotations({ annotator = 'brat' })
    assert.are.equal(1, #got)
    assert.are.same({ 'sanctions-against', 'sanctions', 'against' }, { got[1].label, got[1].target, got[1].stance })
  end)

  it('says why it skips a link to a folder out of DIR, and a folder where a document would go', function()
    local outside = T.tmpdir()
    T.write(outside .. '/x.txt', TEXT)
    T.write(outside .. '/x.ann', 'T1\tcon 0 9\tSanctions\n')
    local src = T.tmpdir()
    T.run(('ln -s %s %s'):format(T.q(outside), T.q(src .. '/pie')))
    T.write(src .. '/b.txt', TEXT)
    T.write(src .. '/b.ann', 'T1\tcon 0 9\tSanctions\n')
    local d = corpus(GEN)
    os.execute('mkdir ' .. T.q(d .. '/b.txt'))
    local out, err, code = stance_cmd(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('/pie: warning: a link out of ' .. src .. ': not followed; skipped', 1, true), err)
    assert.truthy(err:find('b.ann: warning: the corpus has b.txt, which is not a regular file; skipped', 1, true), err)
  end)

  it('names and counts the .ann files of hidden folders and hidden names it leaves out', function()
    local src = T.tmpdir()
    for _, p in ipairs({ '.git/hooks/x', '.stance/annotations/ana/y', 'b', 'sub/.hid/z', 'sub/.w' }) do
      T.write(src .. '/' .. p .. '.txt', TEXT)
      T.write(src .. '/' .. p .. '.ann', 'T1\tcon 0 9\tSanctions\n')
    end
    local d = corpus(GEN)
    local out, err, code = stance_cmd(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(1, code, out .. err)
    assert.truthy(out:find('imported 1 document(s), 1 record(s) as brat from ' .. src .. '; 4 skipped', 1, true), out)
    for _, p in ipairs({ { '.git/hooks/x.ann', '.git' }, { '.stance/annotations/ana/y.ann', '.stance' },
      { 'sub/.hid/z.ann', '.hid' }, { 'sub/.w.ann', '.w.ann' } }) do
      assert.truthy(err:find(('%s/%s: warning: %s is hidden: an import never reads hidden files or folders'):format(src,
        p[1], p[2]), 1, true), err)
    end
    assert.is_false(T.exists(d .. '/.git'))
    assert.is_false(T.exists(d .. '/sub/.w.txt'))
  end)

  it('writes nothing when the layer folder is a link out: no document, no schema addition', function()
    local d = corpus(GEN)
    local outside = T.tmpdir()
    T.run(('ln -s %s %s'):format(T.q(outside), T.q(d .. '/.stance/annotations/brat')))
    local src = T.tmpdir()
    T.write(src .. '/new.txt', TEXT)
    T.write(src .. '/new.ann', 'T1\tnewlabel 0 9\tSanctions\n')
    T.write(src .. '/annotation.conf', '[entities]\nnewlabel\nother\n')
    local out, err, code = stance_cmd(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('new.ann: warning: its layer .stance/annotations/brat/new.txt.stance: ', 1, true), err)
    assert.falsy(T.exists(d .. '/new.txt'))
    assert.are.equal(GEN, T.read(d .. '/.stance/schema.stance'))
    assert.are.equal('', (T.run('ls -A ' .. T.q(outside))))
  end)
end)

describe('brat export into a folder that holds files', function()
  after_each(T.cleanup)

  it('refuses a folder that is not empty unless --force; a former export loses its stale documents', function()
    local d = corpus()
    T.write(d .. '/a.txt', 'A first document.\n')
    T.write(d .. '/b.txt', 'A second one.\n')
    local c = assert(require('stance').open(d))
    for _, p in ipairs({ 'a.txt', 'b.txt' }) do
      assert(c:document(p):annotate({ start = 2, stop = 7, label = 'claim', annotator = 'ana' }))
    end
    assert(c:save())
    -- another tool's brat folder: refused, naming what is there; nothing is written
    local theirs = T.tmpdir()
    T.write(theirs .. '/a.ann', 'T1\tmine 0 1\tA\n')
    T.write(theirs .. '/z.ann', 'T1\tmine 0 1\tZ\n')
    local out, err, code = stance_cmd(d, 'export --to brat ' .. T.q(theirs))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find(theirs .. ' is not empty (a.ann, z.ann): export into a new or empty folder, or add --force',
      1, true), err)
    assert.are.equal('T1\tmine 0 1\tA\n', T.read(theirs .. '/a.ann'))
    -- with --force: written over, and what it did not write is said, not removed
    out, err, code = stance_cmd(d, 'export --to brat --force ' .. T.q(theirs))
    assert.are.equal(1, code, out .. err)
    assert.truthy(T.read(theirs .. '/a.ann'):find('claim', 1, true))
    assert.truthy(err:find('1 file(s) there were not written by this export and are left as they are: z.ann', 1, true),
      err)
    -- a former export of ours: refused too (brat may have been used on it since) ...
    local dst = T.tmpdir() .. '/out'
    out, err, code = stance_cmd(d, 'export --to brat ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    out, err, code = stance_cmd(d, 'export --to brat ' .. T.q(dst))
    assert.are.equal(1, code, out .. err)
    assert.truthy(err:find('a former export', 1, true), err)
    -- ... and with --force, the documents it no longer has are gone from it
    os.remove(d .. '/.stance/annotations/ana/b.txt.stance')
    out, err, code = stance_cmd(d, 'export --to brat --force ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    assert.is_true(T.exists(dst .. '/a.ann'))
    assert.is_false(T.exists(dst .. '/b.ann'))
    assert.is_false(T.exists(dst .. '/b.txt'))
  end)
end)
