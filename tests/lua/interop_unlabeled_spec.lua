-- An imported annotation without a label we can map is never dropped: a Web Annotation with
-- no body we understand comes in with the label `unlabeled` and a warning at its
-- file:line:col, the bodies we do not understand kept (w3c-body) and written back by the
-- export; a brat T whose type the schema lacks keeps its type (declared as a label).
local T = require('helpers')
local json = require('stance.json')

local SCHEMA = 'format stance 1\ntarget tax\nstance favor\nstance against\nlabel tax-favor\n  target tax\n'
  .. '  stance favor\n'
local TEXT = 'Alpha beta gamma.\nDelta epsilon.\n'

local function corpus() return T.init_corpus(SCHEMA, TEXT) end
local stance = T.stance_in

local function target(a, b)
  return { source = 'doc.txt', selector = { type = 'TextPositionSelector', start = a, ['end'] = b } }
end

--- The records of a layer as strings: kind, spans, label, target, stance, note.
local function records(dir, who)
  local doc = assert(assert(require('stance').open(dir)):document('doc.txt'))
  local out = {}
  for _, a in ipairs(doc:annotations({ annotator = who })) do
    local spans = {}
    for i, sp in ipairs(a.spans) do
      spans[i] = sp[1] .. '-' .. sp[2]
    end
    out[#out + 1] = table.concat({ 'annotation', table.concat(spans, ' '), a.label, a.target or '', a.stance or '',
      a.note or '' }, '|')
  end
  for _, l in ipairs(doc:labels({ annotator = who })) do
    out[#out + 1] = table.concat({ 'document', l.label or '', l.target or '', l.stance or '', l.note or '' }, '|')
  end
  table.sort(out)
  return out
end

describe('an annotation without a label we can map', function()
  after_each(T.cleanup)

  it('comes in from W3C as unlabeled, said at its line, and goes out with the bodies it came with', function()
    local tag = { type = 'SpecificResource', source = 'http://example.org/tags/claim', purpose = 'classifying' }
    local free = { type = 'TextualBody', value = 'an opinion' }
    local items = {
      { type = 'Annotation', id = 'http://ex.org/a1', body = tag, target = target(0, 5) },
      { type = 'Annotation', id = 'http://ex.org/a2', target = target(6, 10) },
      { type = 'Annotation', id = 'http://ex.org/a3', body = { free, { type = 'TextualBody', purpose = 'commenting',
        value = 'why' } }, target = target(11, 16) },
      { type = 'Annotation', id = 'http://ex.org/a4', body = { type = 'TextualBody', purpose = 'tagging',
        value = 'tax-favor' }, target = target(18, 23) },
      { type = 'Annotation', id = 'http://ex.org/a5', body = tag, target = 'doc.txt' },
      { type = 'Annotation', id = 'http://ex.org/a6', body = 'http://example.org/tags/x', target = target(24, 31) },
    }
    local lines = {}
    for i, a in ipairs(items) do
      a['@context'] = 'http://www.w3.org/ns/anno.jsonld'
      a.creator = { type = 'Person', name = 'zoe' }
      lines[i] = json.encode(a)
    end
    local src = T.tmpdir() .. '/in.jsonl'
    T.write(src, table.concat(lines, '\n') .. '\n')
    local d = corpus()
    local out, err, code = stance(d, 'import --from w3c ' .. T.q(src))
    assert.are.equal(0, code, out .. err)
    for _, l in ipairs({ 1, 2, 3, 5, 6 }) do
      assert.truthy(err:find(('in.jsonl:%d:1: warning: annotation %d (http://ex.org/a%d) has no label we can map'
        .. ' (no TextualBody of purpose tagging): kept with the label unlabeled'):format(l, l, l), 1, true), err)
    end
    assert.falsy(err:find('in.jsonl:4:', 1, true), err)
    assert.truthy(out:find('imported 6 record(s) into 1 layer(s)', 1, true), out)
    assert.truthy(out:find('5 kept unlabeled', 1, true), out)
    assert.are.same({ 'annotation|0-5|unlabeled|||', 'annotation|11-16|unlabeled|||why',
      'annotation|18-23|tax-favor|tax|favor|', 'annotation|24-31|unlabeled|||', 'annotation|6-10|unlabeled|||',
      'document|unlabeled|||' },
      records(d, 'zoe'))
    local schema = T.read(d .. '/.stance/schema.stance')
    assert.truthy(schema:find('\nlabel unlabeled\n', 1, true), schema)
    assert.truthy(schema:find('\nattribute w3c-body\n', 1, true), schema)
    local cout, cerr, ccode = stance(d, 'check')
    assert.are.equal(0, ccode, cout .. cerr)
    -- out again: each with the bodies it came with (ours first; none for the second), no `unlabeled` tag
    local exp = T.tmpdir() .. '/out.jsonl'
    out, err, code = stance(d, 'export --to w3c --unit annotation --output ' .. T.q(exp))
    assert.are.equal(0, code, out .. err)
    local by_start = {}
    for line in T.read(exp):gmatch('[^\n]+') do
      local a = json.decode(line)
      assert.is_nil(a['stance:attributes'], line)
      local t = a.target
      local key = type(t) == 'string' and 'doc' or t.selector[2].start
      by_start[key] = a.body == nil and 'none' or a.body
    end
    assert.are.same({ [0] = { tag }, [6] = 'none', [11] = { { type = 'TextualBody', purpose = 'commenting',
      value = 'why', format = 'text/plain' }, free }, [18] = { { type = 'TextualBody', purpose = 'tagging',
      value = 'tax-favor', format = 'text/plain' }, { type = 'TextualBody', purpose = 'identifying', value = 'tax',
      format = 'text/plain' }, { type = 'TextualBody', purpose = 'assessing', value = 'favor', format = 'text/plain' } },
      [24] = 'http://example.org/tags/x', doc = { tag } }, by_start)
    -- (the W3C test suite's "must" schemas take it: a body that is an IRI alone, none at all)
    if T.interop then
      local col = T.tmpdir() .. '/out.json'
      out, err, code = stance(d, 'export --to w3c --output ' .. T.q(col))
      assert.are.equal(0, code, out .. err)
      local vout, verr, vcode = T.run(('python3 %s %s %s'):format(T.q(T.root .. '/tests/tools/w3c_validate.py'),
        T.q(T.interop .. '/w3c'), T.q(col)))
      assert.are.equal(0, vcode, vout .. verr)
    end
    -- and in again: the same records
    local d2 = corpus()
    out, err, code = stance(d2, 'import --from w3c ' .. T.q(exp))
    assert.are.equal(0, code, out .. err)
    assert.are.same(records(d, 'zoe'), records(d2, 'zoe'))
    -- brat takes them too (a T of type unlabeled)
    local bdst = T.tmpdir() .. '/brat'
    out, err, code = stance(d, 'export --to brat ' .. T.q(bdst))
    assert.are.equal(0, code, out .. err)
    if T.shared and T.exists(T.shared .. '/interop/brat-tools/brat-load') then
      local bout, berr, bcode = T.run(('python3 %s %s'):format(T.q(T.shared .. '/interop/brat-tools/brat-load'),
        T.q(bdst)))
      assert.are.equal(0, bcode, bout .. berr)
    end
  end)

  it('from brat, keeps a T whose type the schema lacks, with its type (a label the import declares)', function()
    local src = T.tmpdir()
    T.write(src .. '/doc.txt', TEXT)
    T.write(src .. '/doc.ann', 'T1\tWeird 0 5\tAlpha\nT2\ttax-favor 6 10\tbeta\n')
    local d = corpus()
    local out, err, code = stance(d, 'import --from brat ' .. T.q(src))
    assert.are.equal(0, code, out .. err)
    assert.truthy(out:find('imported 1 document(s), 2 record(s)', 1, true), out)
    assert.are.same({ 'annotation|0-5|Weird|||', 'annotation|6-10|tax-favor|tax|favor|' }, records(d, 'brat'))
    assert.truthy(T.read(d .. '/.stance/schema.stance'):find('\nlabel Weird\n', 1, true))
    local dst = T.tmpdir() .. '/out'
    out, err, code = stance(d, 'export --to brat ' .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    assert.truthy(T.read(dst .. '/doc.ann'):find('T1\tWeird 0 5\tAlpha\n', 1, true))
  end)
end)
