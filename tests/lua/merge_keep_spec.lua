-- What a merge keeps besides records (doc/format.md 2, 4.6, 7, 8.2): the comments before
-- `format`, before and inside `document` and after the last record, the document's unknown
-- attributes (three-way, a change on both sides a conflict said), theirs changing `document`
-- or `annotator` said, a conflict left by an earlier merge carried through or named with
-- FILE:LINE:COL; the cases git settles without merging settled by bytes; the name git passes
-- shown escaped. `stance merge` and a script's save that merges (both use stance.merge), on
-- the study (its schema and our annotation of its articles).
local T = require('helpers')
local core = require('stance.core')
local study = require('helpers.study')

local DOC = '001_6520dcfa8ca08700.txt'
local REL = '.stance/annotations/fixture/' .. DOC .. '.stance'

--- The study's corpus with our annotation, and the text of the layer of DOC (base of the merges).
local function corpus()
  local d = study.annotated('000_6358a7516b2472dd.txt')
  if not d then return nil end
  return d, assert(T.read(d .. '/' .. REL))
end

--- `text` with `line` put after the line `after` (plain text, the first one).
local function after(text, at, line)
  local i = assert(text:find(at, 1, true), at)
  local e = text:find('\n', i, true)
  return text:sub(1, e) .. line .. '\n' .. text:sub(e + 1)
end

--- Run `stance merge base ours theirs NAME` in `d` on the texts given; the result (OURS after
--- it), stderr and the exit status.
local function merge(d, base, ours, theirs, name)
  T.write(d .. '/m.base', base)
  T.write(d .. '/m.ours', ours)
  T.write(d .. '/m.theirs', theirs)
  local _, err, code = T.stance_run({ 'merge', 'm.base', 'm.ours', 'm.theirs', name or REL }, nil, d)
  return T.read(d .. '/m.ours'), err, code
end

--- `stance check` of `text` as the layer file of DOC in corpus `d`: errors and warnings.
local function check(d, text)
  T.write(d .. '/' .. REL, text)
  local out, err = T.stance_run({ 'check', REL }, nil, d)
  return (out .. err):match('(%d+) errors?, (%d+) warnings?')
end

describe('a merge keeps', function()
  after_each(T.cleanup)

  local function need()
    local d, base = corpus()
    if not d then
      pending('../shared is not here')
      return nil
    end
    return d, base
  end

  it('every comment and unknown attribute of the header and the file, from both sides (stance merge)', function()
    local d, base = need()
    if not d then return end
    local ours = after('# top comment by ours\n' .. base, 'annotator fixture', '  reviewer "zoe"\n  # inner header comment')
      .. '\n# trailing comment\n'
    local theirs = base:gsub('role claim', 'role premise', 1)
    theirs = after('# top by theirs\n' .. theirs, 'annotator fixture', '  checked "yes"\n  # theirs inside')
      .. '\n# theirs at the end\n'
    local out, err, code = merge(d, base, ours, theirs)
    assert.are.equal(0, code, err)
    for _, want in ipairs({ '# top comment by ours\n# top by theirs\nformat stance 1\n', '\n  reviewer "zoe"\n',
      '\n  checked "yes"\n', '\n  # inner header comment\n', '\n  # theirs inside\n',
      '\n# trailing comment\n# theirs at the end\n$', 'role premise' }) do
      assert.truthy(out:find(want, 1, want:sub(-1) ~= '$' and not want:find('%', 1, true)), want .. '\n' .. out)
    end
    -- as written: read back, it writes itself (canonical), and stance check finds nothing new
    assert.are.equal(out, (assert(core.read(out))):write())
    local e, w = check(d, out)
    assert.are.same({ '0', '2' }, { e, w }, T.stance_run({ 'check', REL }, nil, d)) -- the 2 unknown attributes
  end)

  it('theirs\' header when ours did not touch it, and an attribute changed on both sides as a conflict said',
    function()
      local d, base = need()
      if not d then return end
      base = after(base, 'annotator fixture', '  reviewer "zoe"')
      -- ours did not touch the header: theirs' new comment, attribute and change are taken
      local theirs = after(base:gsub('reviewer "zoe"', 'reviewer "ben"'), 'reviewer', '  # by ben')
      local out, err, code = merge(d, base, base:gsub('role claim', 'role premise', 1), theirs)
      assert.are.equal(0, code, err)
      assert.truthy(out:find('\n  reviewer "ben"\n  # by ben\n', 1, true), out)
      -- both changed it: ours kept, theirs' as a comment, exit 1 naming it
      out, err, code = merge(d, base, base:gsub('reviewer "zoe"', 'reviewer "ann"'), base:gsub('"zoe"', '"ben"'))
      assert.are.equal(1, code, err)
      assert.truthy(out:find('\n  reviewer "ann"\n', 1, true), out)
      assert.truthy(out:find('\n  # conflict theirs: reviewer "ben"\n', 1, true), out)
      -- a header-only conflict is worded as what happened (ours kept), never "both versions kept"
      assert.truthy(err:find(': 1 conflict(s), `reviewer` of the document record: ours kept (theirs\' in it as a'
        .. ' comment `# conflict theirs: ...`)\n', 1, true), err)
      assert.falsy(err:find('both versions kept', 1, true), err)
      -- with a record changed on both sides too: each said in its own words
      local _, err2, code2 = merge(d, base, base:gsub('reviewer "zoe"', 'reviewer "ann"'):gsub('role claim', 'role premise', 1),
        base:gsub('"zoe"', '"ben"'):gsub('role claim\n', 'role claim\n  note "theirs"\n', 1))
      assert.are.equal(1, code2, err2)
      assert.truthy(err2:find(': 2 conflict(s), both versions kept (conflict ours/theirs): ', 1, true)
        and err2:find('; `reviewer` of the document record: ours kept', 1, true), err2)
    end)

  it('says theirs changing the document or the annotator (ours kept), never drops it silently', function()
    local d, base = need()
    if not d then return end
    local theirs = base:gsub('annotator fixture', 'annotator eve'):gsub('document "' .. DOC:gsub('%p', '%%%0'),
      'document "other.txt')
    local out, err, code = merge(d, base, base:gsub('role claim', 'role premise', 1), theirs)
    assert.are.equal(1, code, err)
    assert.truthy(err:find("2 conflict(s)", 1, true), err)
    assert.truthy(err:find("`document` of the document record", 1, true)
      and err:find("`annotator` of the document record", 1, true), err)
    assert.truthy(out:find('\n  annotator fixture\n', 1, true), out)
    assert.truthy(out:find('document "' .. DOC .. '"\n', 1, true), out)
    assert.truthy(out:find('\n  # conflict theirs: annotator \"eve\"\n', 1, true), out)
    assert.truthy(out:find('\n  # conflict theirs: document "other.txt"\n', 1, true), out)
  end)

  it('a header conflict is said by stance check at its comment, as a record\'s conflict is, until resolved',
    function()
      local d, base = need()
      if not d then return end
      base = after(base, 'annotator fixture', '  reviewer "zoe"')
      local ours = base:gsub('reviewer "zoe"', 'reviewer "ann"')
      local out, err, code = merge(d, base, ours, base:gsub('"zoe"', '"ben"'):gsub('annotator fixture',
        'annotator eve'))
      assert.are.equal(1, code, err)
      T.write(d .. '/' .. REL, out)
      local cout, _, ccode = T.stance_run({ 'check', REL }, nil, d)
      assert.are.equal(1, ccode, cout)
      -- each at its comment's line and column, a warning (the file is valid: nothing is lost)
      local lines, said = T.lines(out), {}
      for i, l in ipairs(lines) do
        local what = l:match('^  # conflict theirs: (.*)$')
        if what then said[#said + 1] = ('%s:%d:3: warning: document record is in conflict (a merge kept ours and'
          .. " wrote theirs' here: %s): keep one version, delete this comment (to keep theirs', write its value in"
          .. ' place of ours first)'):format(REL, i, what) end
      end
      assert.are.equal(2, #said, out)
      for _, want in ipairs(said) do
        assert.truthy(cout:find(want .. '\n', 1, true), want .. '\n' .. cout)
      end
      local _, jerr = T.stance_run({ 'check', '--json', REL }, nil, d)
      local jout = T.stance_run({ 'check', '--json', REL }, nil, d)
      assert.truthy(jout:find('"severity":"warning","message":"document record is in conflict', 1, true), jout .. jerr)
      -- resolved: theirs' reviewer taken in place of ours, ours' annotator kept; both comments gone
      local fixed = out:gsub('reviewer "ann"', 'reviewer "ben"'):gsub('  # conflict theirs: [^\n]*\n', '')
      T.write(d .. '/' .. REL, fixed)
      cout = T.stance_run({ 'check', REL }, nil, d)
      assert.falsy(cout:find('in conflict', 1, true), cout)
    end)

  it('in a script\'s save that merges a file changed on disk', function()
    local d, base = need()
    if not d then return end
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(DOC))
    local s = doc:sentences()[2]
    assert(doc:annotate({ start = s.start, stop = s.stop, label = 'sanctions-favor', annotator = 'fixture' }))
    -- meanwhile a pull rewrote the file with comments and an attribute of a collaborator
    T.write(d .. '/' .. REL, after('# reviewed by zoe\n' .. base, 'annotator fixture', '  reviewer zoe')
      .. '\n# end note\n')
    assert(c:save())
    local out = T.read(d .. '/' .. REL)
    assert.truthy(out:find('^# reviewed by zoe\nformat stance 1\n'), out)
    assert.truthy(out:find('\n  reviewer zoe\n', 1, true), out)
    assert.truthy(out:find('\n# end note\n$'), out)
    assert.truthy(out:find('label sanctions-favor', 1, true), out)
  end)
end)

describe('a merge of a file holding a conflict of an earlier merge', function()
  after_each(T.cleanup)

  local PAIR = 'annotation s001-03-eng\n  span 398-567\n  label engagement-against\n  target engagement\n'
    .. '  stance against\n  role claim\n  conflict ours\n\nannotation s001-03-eng\n  span 398-567\n'
    .. '  label engagement-favor\n  target engagement\n  stance favor\n  role premise\n  conflict theirs\n'

  local function with_pair(base)
    local a = base:find('annotation s001-03-eng\n', 1, true)
    local e = base:find('\n\n', a, true)
    return base:sub(1, a - 1) .. PAIR .. base:sub(e + 1), select(2, base:sub(1, a):gsub('\n', '')) + 1
  end

  it('carries the pair through when the other side did not touch that record', function()
    local d, base = corpus()
    if not d then return pending('../shared is not here') end
    local ours = with_pair(base)
    local out, err, code = merge(d, base, ours, base:gsub('role premise', 'role claim', 1))
    assert.are.equal(0, code, err)
    assert.truthy(out:find(PAIR, 1, true), out)
  end)

  it('names it FILE:LINE:COL when the other side changed that record too, and leaves ours alone', function()
    local d, base = corpus()
    if not d then return pending('../shared is not here') end
    local ours, line = with_pair(base)
    local out, err, code = merge(d, base, ours, (base:gsub('label engagement%-favor\n  target engagement\n  stance favor\n  role claim',
      'label engagement-favor\n  target engagement\n  stance favor\n  role premise', 1)))
    assert.are.equal(2, code, err)
    assert.are.equal(('stance merge: %s:%d:1: annotation s001-03-eng holds an unresolved conflict from an earlier'
      .. ' merge (`conflict ours`/`conflict theirs`, in ours) and the other side changed it too; resolve it first'
      .. ' (keep one version, delete the other), then merge again\n'):format(REL, line), err)
    assert.are.equal(ours, out)
  end)
end)

describe('stance merge settles by bytes what git settles without merging', function()
  after_each(T.cleanup)

  it('both sides the same, or one unchanged from the base; a side with errors is still refused', function()
    local d, base = corpus()
    if not d then return pending('../shared is not here') end
    local changed = base:gsub('role claim', 'role premise', 1)
    local out, err, code = merge(d, base, changed, changed)
    assert.are.same({ changed, '', 0 }, { out, err, code })
    out, err, code = merge(d, base, changed, base)
    assert.are.same({ changed, '', 0 }, { out, err, code })
    out, err, code = merge(d, base, base, changed)
    assert.are.same({ changed, '', 0 }, { out, err, code })
    local broken = '<<<<<<< HEAD\n' .. changed
    out, err, code = merge(d, base, base, broken)
    assert.are.equal(2, code)
    assert.truthy(err:find(REL .. ':1:1: ', 1, true) and err:find('(theirs: ', 1, true), err)
    assert.are.equal(base, out)
  end)

  it('shows the name git passes (%P, a collaborator\'s choice) with its control characters escaped', function()
    local d, base = corpus()
    if not d then return pending('../shared is not here') end
    local _, err, code = merge(d, base, base:gsub('role claim', 'role premise', 1),
      base:gsub('role claim\n', 'role claim\n  note "theirs"\n', 1), 'x\27[2J\ny.stance')
    assert.are.equal(1, code)
    assert.truthy(err:find('stance merge: x\\x1b[2J\\ny.stance: 1 conflict(s)', 1, true), err)
    assert.falsy(err:find('\27', 1, true))
  end)
end)

describe('stance merge of curation state files', function()
  after_each(T.cleanup)

  it('unites two curators\' rejections, takes a lifted one, keeps ours where both changed a value (said)', function()
    local d = T.tmpdir()
    local rel = '.stance/curation/doc.txt.json'
    local json = require('stance.json')
    local base = '{"based_on":{"g1":"ana"},"rejected":{"p1":true,"p2":true}}\n'
    local ours = '{"based_on":{"g1":"ben","g2":"ana"},"rejected":{"p1":true,"p2":true,"p3":true}}\n'
    local theirs = '{"based_on":{"g1":"cy"},"rejected":{"p1":true,"p4":true}}\n'
    local out, err, code = merge(d, base, ours, theirs, rel)
    assert.are.equal(1, code, err)
    assert.are.equal(('stance merge: %s: 1 conflict(s), ours kept (a value changed on both sides): based_on g1\n')
      :format(rel), err)
    assert.are.same({ based_on = { g1 = 'ben', g2 = 'ana' }, rejected = { p1 = true, p3 = true, p4 = true } },
      json.decode(out))
    -- git's conflict markers in a side: FILE:LINE:COL, ours left alone
    out, err, code = merge(d, base, ours, '<<<<<<< HEAD\n' .. theirs, rel)
    assert.are.equal(2, code)
    assert.truthy(err:find(rel .. ':1:1: unresolved git merge conflict', 1, true), err)
    assert.are.equal(ours, out)
    -- no conflict: exit 0
    out, err, code = merge(d, base, ours, '{"based_on":{"g1":"ana"},"rejected":{"p2":true,"p5":true}}\n', rel)
    assert.are.equal(0, code, err)
    assert.are.same({ based_on = { g1 = 'ben', g2 = 'ana' }, rejected = { p2 = true, p3 = true, p5 = true } },
      json.decode(out))
  end)
end)

describe("the store's methods a merge uses", function()
  it('kept()/set_kept() give and take the text kept as written, and refuse what would not read back', function()
    local text = '# top\nformat stance 1\n\n# before\ndocument "d.txt"\n  annotator ana\n  reviewer "zoe"\n'
      .. '  |more\n  # inside\n\nannotation a1\n  span 0-2\n  label x\n\n# end\n'
    local s = assert(core.read(text))
    assert.are.same({ head = '# top\n', doc_comments = '# before\n', doc_extras = 'reviewer "zoe"\n  |more\n',
      doc_inner = '# inside\n', tail = '# end\n' }, s:kept())
    local out = core.store()
    for k, v in pairs(s:kept()) do
      assert(out:set_kept(k, v))
    end
    out:set_header('document', 'd.txt')
    out:set_header('annotator', 'ana')
    assert(out:add_from(s, 1))
    assert.are.equal(s:write(), out:write())
    assert.is_true(out:same(1, s, 1))
    assert(out:add_from(s, 1, 'ours'))
    assert.are.equal(out:slot_of('a1', 'ours'), 2)
    assert.is_false(out:same(2, s, 1))
    for _, bad in ipairs({ { 'head', 'format stance 2\n' }, { 'tail', '# no end' }, { 'doc_inner', '#a\r\n' },
      { 'doc_extras', '  |first\n' }, { 'doc_extras', '|x\n' }, { 'doc_extras', '# c\n' }, { 'doc_extras', 'A 1\n' } }) do
      assert.has_error(function() out:set_kept(bad[1], bad[2]) end)
    end
    assert(out:set_kept('tail', nil))
    assert.is_nil(out:kept().tail)
  end)
end)
