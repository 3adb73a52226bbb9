-- brat standoff in and out: the round trip brat -> stance -> brat keeps every annotation,
-- attribute, relation, note, normalization, event and equivalence (compared as sets: IDs may
-- differ), on the project's brat fixtures and on files written here with emoji, combining
-- marks, CRLF line ends and discontinuous spans; broken lines are reported and skipped.
local T = require('helpers')
local brat = require('stance.interop.brat')
local core = require('stance.core')

--- Everything an .ann says, as a set of strings that do not depend on IDs.
local function meaning(ann)
  local d = brat.parse(ann)
  assert.are.same({}, d.problems)
  local sig, set = {}, {}
  local function add(s) set[s] = (set[s] or 0) + 1 end
  for _, e in ipairs(d.entities) do
    local offs = {}
    for i, sp in ipairs(e.spans) do
      offs[i] = sp[1] .. '-' .. sp[2]
    end
    sig[e.id] = ('%s[%s]'):format(e.type, table.concat(offs, ','))
    add('T ' .. sig[e.id] .. ' ' .. e.text)
  end
  for _, r in ipairs(d.relations) do
    sig[r.id] = ('%s(%s:%s,%s:%s)'):format(r.type, r.args[1][1], sig[r.args[1][2]], r.args[2][1], sig[r.args[2][2]])
    add('R ' .. sig[r.id])
  end
  for _, ev in ipairs(d.events) do
    local args = {}
    for i, a in ipairs(ev.args) do
      args[i] = a[1] .. ':' .. sig[a[2]]
    end
    table.sort(args)
    add(('E %s:%s %s'):format(ev.type, sig[ev.trigger], table.concat(args, ' ')))
  end
  for _, a in ipairs(d.attributes) do
    add(('A %s %s %s'):format(a.name, sig[a.target], a.value or '-'))
  end
  for _, n in ipairs(d.notes) do
    add(('# %s %s %s'):format(n.kind, sig[n.target], n.text))
  end
  for _, n in ipairs(d.norms) do
    add(('N %s %s %s %s'):format(n.type, sig[n.target], n.ref, n.text))
  end
  for _, eq in ipairs(d.equivs) do
    local m = {}
    for i, x in ipairs(eq.members) do
      m[i] = sig[x]
    end
    add(('* %s %s'):format(eq.type, table.concat(m, ' ')))
  end
  return set
end

--- Import `src` into a new corpus, export it to a new folder; returns the corpus and the
--- export folder, and the import's output.
local function round_trip(src)
  local d = T.tmpdir()
  T.run(('%s init %s'):format(T.q(T.stance), T.q(d)))
  local out, err, code = T.run(('cd %s && %s import --from brat %s'):format(T.q(d), T.q(T.stance), T.q(src)))
  local dst = T.tmpdir() .. '/out'
  local eout, eerr, ecode = T.run(('cd %s && %s export --to brat %s'):format(T.q(d), T.q(T.stance), T.q(dst)))
  assert.are.equal(0, ecode, eerr)
  assert.truthy(eout:find('exported', 1, true))
  return d, dst, out .. err, code
end

--- What brat's loader checks: every T's text is the document's at its offsets (code points).
local function loader_accepts(txt, ann)
  local model = core.text(txt)
  for _, e in ipairs(brat.parse(ann).entities) do
    local parts = {}
    for i, sp in ipairs(e.spans) do
      parts[i] = txt:sub(model:cp_to_byte(sp[1]) + 1, model:cp_to_byte(sp[2]))
      assert.falsy(parts[i]:find('\n'), e.id .. ': a fragment over a line end')
    end
    assert.are.equal(table.concat(parts, ' '), e.text, e.id)
  end
end

local function compare(src, dst, names)
  for _, name in ipairs(names) do
    local a, b = T.read(src .. '/' .. name .. '.ann'), T.read(dst .. '/' .. name .. '.ann')
    assert.truthy(b, 'exported ' .. name)
    assert.are.same(meaning(a), meaning(b), name)
    assert.are.equal(T.read(src .. '/' .. name .. '.txt'), T.read(dst .. '/' .. name .. '.txt'))
    loader_accepts(T.read(dst .. '/' .. name .. '.txt'), b)
  end
end

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
    local fx = T.interop .. '/brat/pie_brat_fixture'
    local _, dst2, out2, code2 = round_trip(fx)
    assert.are.equal(0, code2, out2)
    compare(fx, dst2, { '1', '2' })
    assert.truthy(T.read(dst2 .. '/annotation.conf'):find('factuality\tArg:<ANY>, Value:actual', 1, true))
  end)

  it('round-trips emoji, combining marks, CRLF, discontinuous spans, notes, norms, events, equivalences', function()
    local src = T.tmpdir()
    -- code points: "😀" is one, "é" written as e + U+0301 is two
    local txt = 'Le café\u{301} 😀 est bon.\r\nIl ne l\'est pas.\r\nFin 🚀 ici.\r\n'
    T.write(src .. '/doc.txt', txt)
    local model = core.text(txt)
    local function cp(s) return model:byte_to_cp((txt:find(s, 1, true)) - 1) end
    local a = cp('café')
    local b = cp('Il ne')
    local r = cp('🚀')
    local ann = table.concat({
      ('T1\tclaim %d %d\tcafé\u{301} 😀'):format(a, a + 7),
      ('T2\tpremise %d %d;%d %d\tIl ne pas'):format(b, b + 5, b + 12, b + 15),
      ('T3\tevidence %d %d\t🚀'):format(r, r + 1),
      'R1\tsupports Arg1:T2 Arg2:T1\t',
      'A1\tNegated T2',
      'A2\tConfidence T1 High',
      'A3\tCertain R1',
      '#1\tAnnotatorNotes T1\tun café, vraiment',
      'N1\tReference T3 Wikidata:Q1\tfusée',
      'E1\tclaim:T1 Cause:T2 Theme:T3',
      '*\tEquiv T1 T3',
    }, '\n') .. '\n'
    T.write(src .. '/doc.ann', ann)
    local _, dst, out, code = round_trip(src)
    assert.are.equal(0, code, out)
    compare(src, dst, { 'doc' })
  end)

  it('reports broken lines with their place, imports the rest, and says how many were skipped', function()
    local src = T.tmpdir()
    T.write(src .. '/doc.txt', 'One sentence here. Another one.\n')
    T.write(src .. '/doc.ann', table.concat({
      'T1\tclaim 0 18\tOne sentence here.',
      'T2\tclaim 19 26\tNot the text',
      'T3 claim 0 3 One',
      'R1\tsupports Arg1:T1 Arg2:T9',
      'T4\tpremise 19 31\tAnother one.',
    }, '\n') .. '\n')
    local d, _, out, code = round_trip(src)
    assert.are.equal(1, code)
    assert.truthy(out:find('doc.ann:2:1: warning: T2 skipped: its text', 1, true), out)
    assert.truthy(out:find('doc.ann:3:1: warning: expected an ID and a tab', 1, true), out)
    assert.truthy(out:find('doc.ann:4:1: warning: R1 skipped', 1, true), out)
    assert.truthy(out:find('imported 1 document(s), 2 record(s) as brat', 1, true), out)
    assert.truthy(out:find('3 skipped', 1, true), out)
    local store = assert(core.read(T.read(d .. '/.stance/annotations/brat/doc.txt.stance')))
    assert.are.equal(2, store:count('annotation'))
    -- importing again does not overwrite the layer
    local out2, err2, code2 = T.run(('cd %s && %s import --from brat %s'):format(T.q(d), T.q(T.stance), T.q(src)))
    assert.are.equal(1, code2)
    assert.truthy((out2 .. err2):find('already has a layer of brat', 1, true))
  end)
end)
