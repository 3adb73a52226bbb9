-- Sharing through git: `stance merge` as git's merge driver in real repositories (both add,
-- both edit different records, both edit the same record, one deletes what the other
-- edits), `stance diff` alone and as git's diff driver, and `stance init --git`.
local T = require('helpers')
local core = require('stance.core')

local DOC = 'The charge works. Traffic fell by a fifth. Buses run on time. Shops did not empty.\n'
local ANN = '.stance/annotations/ana/doc.txt.stance'

local function git(dir, args)
  local out, err, code = T.run(('git -C %s %s'):format(T.q(dir), args))
  return out, err, code
end

local function ann(id, a, b, label, stance, target)
  return { kind = 'annotation', id = id, spans = { { a, b } }, label = label, stance = stance, target = target,
    quote = DOC:sub(a + 1, b), created = '2026-11-22T10:00:00Z' }
end

local function write_layer(dir, recs)
  local s = core.store()
  s:set_header('document', 'doc.txt')
  s:set_header('annotator', 'ana')
  s:set_header('hash', 'sha256:' .. core.sha256(DOC))
  for _, r in ipairs(recs) do
    assert(s:add(r))
  end
  T.write(dir .. '/' .. ANN, s:write())
end

local function layer(dir)
  local s, problems = core.read(assert(T.read(dir .. '/' .. ANN)))
  return assert(s), problems
end

--- A repository with a corpus, the drivers registered, `doc.txt` and ana's two annotations
--- committed on main, and a branch `other`.
local function repo()
  local d = T.tmpdir()
  git(d, 'init -q -b main')
  git(d, 'config user.email t@example.org')
  git(d, 'config user.name tester')
  local out, err, code = T.run(('cd %s && %s init --git .'):format(T.q(d), T.q(T.stance)))
  assert.are.equal(0, code, err)
  assert.truthy(out:find('registered the merge driver', 1, true), out)
  T.write(d .. '/doc.txt', DOC)
  os.execute('mkdir -p ' .. T.q(d .. '/.stance/annotations/ana'))
  write_layer(d, { ann('a1', 0, 17, 'favor', 'favor'), ann('a2', 18, 42, 'premise') })
  git(d, 'add -A')
  git(d, 'commit -q -m base')
  git(d, 'branch other')
  return d
end

--- Change ana's layer on `branch` with `fn(store)`, and commit.
local function change(d, branch, fn)
  git(d, 'checkout -q ' .. branch)
  local s = layer(d)
  fn(s)
  T.write(d .. '/' .. ANN, s:write())
  git(d, 'commit -q -am ' .. branch)
end

describe('sharing through git', function()
  after_each(T.cleanup)

  it('refuses a side with errors, saying where its first one is as stance check does (the example and the study)',
    function()
      local files = { { T.root .. '/doc/example/corpus/.stance/annotations/ana/02_charge_unfair.txt.stance',
        '02_charge_unfair.txt.stance' } }
      if T.shared then
        files[2] = { T.root .. '/tests/fixtures/study/annotations/fixture/001_6520dcfa8ca08700.txt.stance',
          '001_6520dcfa8ca08700.txt.stance' }
      end
      for _, f in ipairs(files) do
        local d = T.tmpdir()
        local text = T.read(f[1])
        T.write(d .. '/base', text)
        T.write(d .. '/ours', text)
        T.write(d .. '/theirs', text:sub(1, 400)) -- as a bad pull leaves it
        local _, problems = core.read(text:sub(1, 400))
        local first
        for _, p in ipairs(problems) do
          if p.severity == 'error' then
            first = first or p
          end
        end
        local out, err, code = T.stance_run({ 'merge', 'base', 'ours', 'theirs', f[2] }, nil, d)
        assert.are.equal(2, code, out .. err)
        assert.are.equal(('stance merge: %s:%d:%d: %s (theirs: 1 error(s)); not merged\n'):format(f[2], first.line,
          first.col, first.message), err)
        assert.are.equal(text, T.read(d .. '/ours'))
      end
    end)

  it('init writes .gitattributes and prints the git config lines', function()
    local d = T.tmpdir()
    local out, _, code = T.run(('%s init %s'):format(T.q(T.stance), T.q(d)))
    assert.are.equal(0, code)
    assert.truthy(T.read(d .. '/.gitattributes'):find('.stance/annotations/**/*.stance merge=stance diff=stance', 1, true))
    assert.truthy(T.read(d .. '/.gitattributes'):find('\n.stance/curation/**/*.json merge=stance\n', 1, true))
    -- an older init's .gitattributes gets the curation files' line, once
    T.write(d .. '/.gitattributes', '.stance/annotations/**/*.stance merge=stance diff=stance\n')
    T.run(('%s init %s'):format(T.q(T.stance), T.q(d)))
    T.run(('%s init %s'):format(T.q(T.stance), T.q(d)))
    assert.are.equal('.stance/annotations/**/*.stance merge=stance diff=stance\n.stance/curation/**/*.json merge=stance\n',
      T.read(d .. '/.gitattributes'))
    assert.truthy(out:find("git config merge.stance.driver '", 1, true))
    assert.truthy(out:find(' merge %O %A %B %P', 1, true))
  end)

  it('merges additions on both sides without a conflict', function()
    local d = repo()
    change(d, 'main', function(s) assert(s:add(ann('m1', 43, 61, 'premise'))) end)
    change(d, 'other', function(s) assert(s:add(ann('o1', 62, 82, 'against', 'against'))) end)
    git(d, 'checkout -q main')
    local _, err, code = git(d, 'merge -q --no-edit other')
    assert.are.equal(0, code, err)
    local s, problems = layer(d)
    assert.are.same({}, problems)
    assert.are.equal(4, s:count('annotation'))
    assert.truthy(s:get('m1') and s:get('o1'))
    assert.are.equal(s:write(), T.read(d .. '/' .. ANN)) -- canonical
    -- the post-merge hook of `stance init --git` prepared the editor's cache
    assert.is_true(T.exists(d .. '/.stance/cache/ana/doc.txt.snap'))
  end)

  it('merges edits of different records', function()
    local d = repo()
    change(d, 'main', function(s) assert(s:update('a1', { label = 'against', stance = 'against' })) end)
    change(d, 'other', function(s) assert(s:update('a2', { note = 'weak evidence' })) end)
    git(d, 'checkout -q main')
    local _, err, code = git(d, 'merge -q --no-edit other')
    assert.are.equal(0, code, err)
    local s = layer(d)
    assert.are.equal('against', s:get('a1').label)
    assert.are.equal('weak evidence', s:get('a2').note)
  end)

  it('keeps both versions of a record edited differently, and git reports the conflict', function()
    local d = repo()
    change(d, 'main', function(s) assert(s:update('a1', { label = 'against', stance = 'against' })) end)
    change(d, 'other', function(s) assert(s:update('a1', { label = 'neutral', stance = 'neutral' })) end)
    git(d, 'checkout -q main')
    local out, err, code = git(d, 'merge --no-edit other')
    assert.are_not.equal(0, code)
    assert.truthy((out .. err):find('CONFLICT', 1, true), out .. err)
    local status = git(d, 'status --porcelain')
    assert.truthy(status:find('UU ' .. ANN, 1, true), status)
    local s, problems = layer(d)
    assert.are.equal('against', s:get('a1', 'ours').label)
    assert.are.equal('neutral', s:get('a1', 'theirs').label)
    assert.are.equal('premise', s:get('a2').label)
    -- the file is valid; check reports the conflict as a warning until one version goes
    for _, p in ipairs(problems) do
      assert.are.equal('warning', p.severity)
    end
    assert.truthy(problems[1].message:find('a1 is in conflict', 1, true))
    local cout, _, ccode = T.run(('cd %s && %s check'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(1, ccode)
    assert.truthy(cout:find('warning: annotation a1 is in conflict', 1, true), cout)
  end)

  it('two sides that each set the document stance toward one target: a conflict, and check says it', function()
    local d = repo()
    change(d, 'main', function(s) assert(s:add({ kind = 'doclabel', id = 'd1', target = 'charge', stance = 'favor' })) end)
    change(d, 'other', function(s) assert(s:add({ kind = 'doclabel', id = 'd2', target = 'charge', stance = 'against' })) end)
    git(d, 'checkout -q main')
    local out, err, code = git(d, 'merge --no-edit other')
    assert.are_not.equal(0, code, 'git merged two stances toward one target without a conflict')
    assert.truthy((out .. err):find('CONFLICT', 1, true), out .. err)
    local s, problems = layer(d)
    assert.are.equal('favor', s:get('d1').stance)
    assert.are.equal('against', s:get('d2').stance)
    local said
    for _, p in ipairs(problems) do
      if p.message:find('a second document stance toward charge', 1, true) then said = p end
    end
    assert.truthy(said, 'the reader says it')
    assert.are.equal('warning', said.severity)
    local cout, _, ccode = T.run(('cd %s && %s check'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(1, ccode)
    assert.truthy(cout:find('a second document stance toward charge (the first at line', 1, true), cout)
  end)

  it('a third document stance toward one target is said against the first', function()
    local text = table.concat({ 'format stance 1', '', 'document "doc.txt"', '', 'doclabel d1', '  target charge',
      '  stance favor', '', 'doclabel d2', '  target charge', '  stance against', '', 'doclabel d3', '  target buses',
      '  stance favor', '', 'doclabel d4', '  target charge', '  stance favor', '' }, '\n')
    local _, problems = core.read(text)
    local said = {}
    for _, p in ipairs(problems) do
      said[#said + 1] = ('%d: %s'):format(p.line, p.message)
    end
    assert.are.same({ '9: doclabel d2: a second document stance toward charge (the first at line 5): keep one',
      '17: doclabel d4: a second document stance toward charge (the first at line 5): keep one' }, said)
  end)

  it('the same document stance set on both sides, or stances toward two targets: no conflict', function()
    local d = repo()
    change(d, 'main', function(s)
      assert(s:add({ kind = 'doclabel', id = 'd1', target = 'charge', stance = 'favor' }))
      assert(s:add({ kind = 'doclabel', id = 'd3', target = 'buses', stance = 'favor' }))
    end)
    change(d, 'other', function(s) assert(s:add({ kind = 'doclabel', id = 'd2', target = 'charge', stance = 'favor' })) end)
    git(d, 'checkout -q main')
    local _, err, code = git(d, 'merge -q --no-edit other')
    assert.are.equal(0, code, err)
    assert.are.equal(3, layer(d):count('doclabel'))
  end)

  it('keeps an edit that the other side deleted, as a conflict', function()
    local d = repo()
    change(d, 'main', function(s) assert(s:remove('a1')) end)
    change(d, 'other', function(s) assert(s:update('a1', { target = 'buses' })) end)
    git(d, 'checkout -q main')
    local _, _, code = git(d, 'merge --no-edit other')
    assert.are_not.equal(0, code)
    local s = layer(d)
    assert.is_nil(s:get('a1', 'ours'))
    assert.are.equal('buses', s:get('a1', 'theirs').target)
    assert.are.equal(2, s:count('annotation'))
  end)

  it('merges a layer created on both branches (add/add: nothing in common)', function()
    local d = repo()
    local other = '.stance/annotations/bo/doc.txt.stance'
    local function create(branch, id, a, b)
      git(d, 'checkout -q ' .. branch)
      local st = core.store()
      st:set_header('document', 'doc.txt')
      st:set_header('annotator', 'bo')
      assert(st:add(ann(id, a, b, 'premise')))
      T.write(d .. '/' .. other, st:write())
      git(d, 'add -A')
      git(d, 'commit -q -m ' .. branch)
    end
    create('main', 'm1', 43, 61)
    create('other', 'o1', 62, 82)
    git(d, 'checkout -q main')
    local _, err, code = git(d, 'merge -q --no-edit other')
    assert.are.equal(0, code, err)
    local st, problems = core.read(T.read(d .. '/' .. other))
    assert.are.same({}, problems)
    assert.truthy(st:get('m1') and st:get('o1'))
    assert.are.equal('', git(d, 'status --porcelain'))
  end)

  it('takes a document renamed on one side (its layer moved with it, the same text): the place decides', function()
    local cases = {
      { renamer = 'other', new = '.stance/annotations/ana/renamed.txt.stance', field = 'document', value = 'renamed.txt' },
      { renamer = 'main', new = '.stance/annotations/ana/renamed.txt.stance', field = 'document', value = 'renamed.txt' },
    }
    for _, case in ipairs(cases) do
      local d = repo()
      local editor = case.renamer == 'other' and 'main' or 'other'
      -- one side renames the document (or the annotator's folder) and moves the layer, whose header follows
      git(d, 'checkout -q ' .. case.renamer)
      if case.field == 'document' then git(d, 'mv doc.txt renamed.txt') end
      os.execute('mkdir -p ' .. T.q(d .. '/' .. case.new:match('^(.*)/')))
      git(d, 'mv ' .. ANN .. ' ' .. case.new)
      local s = core.read(T.read(d .. '/' .. case.new))
      s:set_header(case.field, case.value)
      T.write(d .. '/' .. case.new, s:write())
      git(d, 'commit -q -am rename')
      -- the other annotates meanwhile
      change(d, editor, function(st) assert(st:add(ann('a3', 43, 61, 'premise'))) end)
      git(d, 'checkout -q main')
      local out, err, code = git(d, 'merge --no-edit other')
      local what = case.renamer .. ' ' .. case.field
      assert.are.equal(0, code, what .. ': ' .. out .. err)
      assert.falsy(T.exists(d .. '/' .. ANN), what)
      local text = T.read(d .. '/' .. case.new)
      local st, problems = core.read(text)
      assert.are.same({}, problems, text)
      assert.are.equal(case.value, st:header()[case.field], text)
      assert.truthy(st:get('a3') and st:get('a1'), text)
      assert.falsy(text:find('conflict', 1, true), text)
      assert.are.equal('', git(d, 'status --porcelain'), what)
      local cout, cerr, ccode = T.run(('cd %s && %s check'):format(T.q(d), T.q(T.stance)))
      assert.are.equal(0, ccode, what .. ': ' .. cout .. cerr)
    end
  end)

  it('never gives ours\' new work to another annotator or another text: a layer moved on theirs is a conflict',
    function()
      local cases = {
        -- theirs moves ana's layer into eve's folder, `annotator eve`
        { new = '.stance/annotations/eve/doc.txt.stance', field = 'annotator', value = 'eve', kept = 'ana' },
        -- theirs points ana's layer at another document (both sides have it), of another text
        { new = '.stance/annotations/ana/other.txt.stance', field = 'document', value = 'other.txt', kept = 'doc.txt',
          other = true },
      }
      for _, case in ipairs(cases) do
        local d = repo()
        if case.other then -- a document both sides have
          for _, b in ipairs({ 'main', 'other' }) do
            git(d, 'checkout -q ' .. b)
            T.write(d .. '/other.txt', 'Another text altogether, of other words.\n')
            git(d, 'add other.txt')
            git(d, 'commit -q -m other.txt')
          end
        end
        git(d, 'checkout -q other')
        os.execute('mkdir -p ' .. T.q(d .. '/' .. case.new:match('^(.*)/')))
        git(d, 'mv ' .. ANN .. ' ' .. case.new)
        local st = core.read(T.read(d .. '/' .. case.new))
        st:set_header(case.field, case.value)
        T.write(d .. '/' .. case.new, st:write())
        git(d, 'commit -q -am move')
        change(d, 'main', function(x) assert(x:add(ann('a3', 43, 61, 'premise'))) end)
        git(d, 'checkout -q main')
        local out, err, code = git(d, 'merge --no-edit other')
        assert.are_not.equal(0, code, case.field .. ': ' .. out .. err)
        local text = T.read(d .. '/' .. case.new)
        local merged = core.read(text)
        assert.are.equal(case.kept, merged:header()[case.field], text)
        assert.truthy(merged:get('a3'), text)
        assert.truthy(text:find('# conflict theirs: ' .. case.field, 1, true), text)
      end
    end)

  it('still says theirs naming another document or annotator than the file\'s place (ours kept)', function()
    local d = repo()
    change(d, 'other', function(s)
      s:set_header('document', 'elsewhere.txt')
      s:set_header('annotator', 'eve')
    end)
    change(d, 'main', function(s) assert(s:add(ann('a3', 43, 61, 'premise'))) end)
    git(d, 'checkout -q main')
    local out, err, code = git(d, 'merge --no-edit other')
    assert.are_not.equal(0, code, out .. err)
    assert.truthy((out .. err):find('`document` of the document record: ours kept', 1, true), out .. err)
    assert.truthy((out .. err):find('`annotator` of the document record: ours kept', 1, true), out .. err)
    local text = T.read(d .. '/' .. ANN)
    local st = core.read(text)
    assert.are.equal('doc.txt', st:header().document)
    assert.are.equal('ana', st:header().annotator)
    assert.truthy(text:find('\n  # conflict theirs: document "elsewhere.txt"\n', 1, true), text)
    assert.truthy(text:find('\n  # conflict theirs: annotator "eve"\n', 1, true), text)
  end)

  it('after a clean merge of sides anchored to different texts, no annotation is trusted blindly', function()
    local d = repo()
    -- main: the document gains a sentence at the start and the layer is re-anchored to it
    local edited = 'Fares went up. ' .. DOC
    local function hash(t) return 'sha256:' .. core.sha256(t) end
    git(d, 'checkout -q main')
    local s = layer(d)
    s:set_header('hash', hash(DOC))
    T.write(d .. '/' .. ANN, s:write())
    git(d, 'commit -q -am hash')
    git(d, 'branch -f other')
    T.write(d .. '/doc.txt', edited)
    local _, ferr, fcode = T.run(('cd %s && %s fmt --reanchor'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, fcode, ferr)
    assert.are.equal(hash(edited), layer(d):header().hash)
    git(d, 'commit -q -am reanchored')
    -- other: a new annotation against the old text
    change(d, 'other', function(st) assert(st:add(ann('o1', 43, 61, 'premise'))) end)
    git(d, 'checkout -q main')
    local _, err, code = git(d, 'merge -q --no-edit other')
    assert.are.equal(0, code, err)
    local merged = layer(d)
    assert.is_nil(merged:header().hash) -- the sides disagreed: no text is vouched for
    assert.are.same({ 43, 61 }, merged:get('o1').spans[1])
    -- check finds o1 moved; fmt --reanchor puts it on its words
    local out, _, ccode = T.run(('cd %s && %s check'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(1, ccode)
    assert.truthy(out:find('annotation o1 moved: 43-61 is now 58-76', 1, true), out)
    T.run(('cd %s && %s fmt --reanchor'):format(T.q(d), T.q(T.stance)))
    local fixed = layer(d)
    assert.are.same({ 58, 76 }, fixed:get('o1').spans[1])
    assert.are.equal('Buses run on time.', edited:sub(59, 76))
    assert.are.same({ 15, 32 }, fixed:get('a1').spans[1])
    assert.are.equal(hash(edited), fixed:header().hash)
  end)

  it('refuses to merge a file it cannot read, leaving ours as it was', function()
    local d = T.tmpdir()
    T.write(d .. '/base', 'format stance 1\n')
    T.write(d .. '/ours', 'format stance 1\nannotation x\n  span 1-\n')
    T.write(d .. '/theirs', 'format stance 1\n# theirs\n')
    local _, err, code = T.run(('%s merge %s %s %s doc.stance'):format(T.q(T.stance), T.q(d .. '/base'),
      T.q(d .. '/ours'), T.q(d .. '/theirs')))
    assert.are.equal(2, code)
    assert.truthy(err:find('doc.stance:3:8: bad span ', 1, true), err)
    assert.truthy(err:find(' (ours: 1 error(s)); not merged', 1, true), err)
    assert.are.equal('format stance 1\nannotation x\n  span 1-\n', T.read(d .. '/ours'))
  end)

  it('diffs annotation files by annotation, alone and as git\'s diff driver', function()
    local d = repo()
    local before = d .. '/before.stance'
    T.write(before, T.read(d .. '/' .. ANN))
    local s = layer(d)
    assert(s:update('a1', { label = 'against', stance = 'against' }))
    assert(s:remove('a2'))
    assert(s:add(ann('n1', 43, 61, 'evidence')))
    T.write(d .. '/' .. ANN, s:write())
    local out, _, code = T.run(('%s diff %s %s'):format(T.q(T.stance), T.q(before), T.q(d .. '/' .. ANN)))
    assert.are.equal(1, code)
    assert.truthy(out:find('~ annotation a1 against "The charge works.": label favor -> against; stance favor -> against',
      1, true), out)
    assert.truthy(out:find('- annotation a2 premise "Traffic fell by a fifth."', 1, true), out)
    assert.truthy(out:find('+ annotation n1 evidence "Buses run on time."', 1, true), out)
    local _, _, same = T.run(('%s diff %s %s'):format(T.q(T.stance), T.q(before), T.q(before)))
    assert.are.equal(0, same)
    local gout, gerr, gcode = git(d, 'diff')
    assert.are.equal(0, gcode, gerr)
    assert.truthy(gout:find('stance diff ' .. ANN, 1, true), gout)
    assert.truthy(gout:find('+ annotation n1 evidence', 1, true), gout)
  end)
end)

describe('stance diff on the study schema', function()
  after_each(T.cleanup)

  it('keeps the arrow for old -> new: a label\'s target and a relation\'s ends are named in words', function()
    local d = T.tmpdir()
    local function file(role, rel)
      return table.concat({ 'format stance 1', '', 'document "001.txt"', '  annotator ana', '',
        'annotation h1', '  span 0-20', '  label human-rights-favor', '  target human-rights', '  stance favor',
        '  role ' .. role, '  quote "Outsiders are right."', '',
        'annotation h2', '  span 21-40', '  label human-rights-favor', '  target human-rights', '  stance favor',
        '  role claim', '', 'relation r1', '  type ' .. rel, '  from h1', '  to h2', '' }, '\n')
    end
    T.write(d .. '/a.stance', file('premise', 'supports'))
    T.write(d .. '/b.stance', file('claim', 'attacks'))
    local out, err, code = T.run(('%s diff %s %s'):format(T.q(T.stance), T.q(d .. '/a.stance'), T.q(d .. '/b.stance')))
    assert.are.equal(1, code, err)
    assert.truthy(out:find('~ annotation h1 human-rights-favor (target human-rights) "Outsiders are right.": '
      .. 'role premise -> claim', 1, true), out)
    assert.truthy(out:find('~ relation r1 attacks (from h1 to h2): type supports -> attacks', 1, true), out)
    local _, arrows = out:gsub('%->', '')
    assert.are.equal(2, arrows, out) -- one per change, none elsewhere
  end)
end)

describe('stance diff of files it cannot read whole', function()
  after_each(T.cleanup)

  local FILE = table.concat({ 'format stance 1', '', 'document "001.txt"', '  annotator ana', '',
    'annotation h1', '  span 0-20', '  label human-rights-favor', '  target human-rights', '  stance favor',
    '  quote "Outsiders are right."', '' }, '\n')

  it('reads a pipe and /dev/null, and refuses a missing, unparsable or folder argument with its place', function()
    local d = T.tmpdir()
    local f = d .. '/a.stance'
    T.write(f, FILE)
    local S = T.q(T.stance)
    -- a pipe is the file's text, not an empty file: nothing differs
    local out, err, code = T.run(('cat %s | %s diff /dev/stdin %s'):format(T.q(f), S, T.q(f)))
    assert.are.equal(0, code, err)
    assert.are.equal('', out)
    -- git's /dev/null for an added file: everything is added
    out, err, code = T.run(('%s diff /dev/null %s'):format(S, T.q(f)))
    assert.are.equal(1, code, err)
    assert.truthy(out:find('+ annotation h1', 1, true), out)
    -- a missing file is an error, not an empty file
    out, err, code = T.run(('%s diff %s %s'):format(S, T.q(d .. '/nope.stance'), T.q(f)))
    assert.are.equal(2, code)
    assert.are.equal('', out)
    assert.truthy(err:find('nope.stance: No such file', 1, true), err)
    -- a truncated file: its first error, with line and column, and nothing compared
    T.write(d .. '/cut.stance', FILE:sub(1, 70))
    out, err, code = T.run(('%s diff %s %s'):format(S, T.q(d .. '/cut.stance'), T.q(f)))
    assert.are.equal(2, code)
    assert.are.equal('', out)
    assert.truthy(err:find('cut.stance:6:1: ', 1, true), err)
    out, err, code = T.run(('%s diff %s %s'):format(S, T.q(d), T.q(f)))
    assert.are.equal(2, code)
    assert.are.equal('', out)
    assert.truthy(err:find('Is a directory', 1, true), err)
    -- as git's driver it says so in the diff and lets git go on
    out, err, code = T.run(('%s diff 001.stance %s x 100644 %s y 100644'):format(S, T.q(d .. '/cut.stance'), T.q(f)))
    assert.are.equal(0, code, err)
    assert.truthy(out:find('stance diff 001.stance: not compared: ', 1, true), out)
  end)
end)

describe('git hooks of stance init --git', function()
  after_each(T.cleanup)

  -- A corpus folder whose name a shell would read as commands, or that breaks naive quoting.
  for _, name in ipairs({ "corpus';touch INJECTED;'", 'Interviews \'Q3\'', 'a "b" $(touch INJECTED) `x`',
    'semi;colon & amp', 'new\nline', '-dash' }) do
    it('run warm in a corpus folder named ' .. name:gsub('\n', '\\n') .. ', and nothing else', function()
      local d = T.tmpdir()
      git(d, 'init -q -b main')
      git(d, 'config user.email t@example.org')
      git(d, 'config user.name tester')
      local corpus = d .. '/' .. name
      local _, err, code = T.run(('mkdir -p %s && cd %s && %s init --git .'):format(T.q(corpus), T.q(corpus),
        T.q(T.stance)))
      assert.are.equal(0, code, err)
      T.write(corpus .. '/doc.txt', DOC)
      write_layer(corpus, { ann('a1', 0, 17, 'favor', 'favor') })
      git(d, 'add -A')
      git(d, 'commit -q -m base')
      git(d, 'checkout -q -b other') -- post-checkout runs `stance warm` in the corpus
      local _, cerr, ccode = git(d, 'checkout -q main')
      assert.are.equal(0, ccode, cerr)
      assert.is_false(T.exists(d .. '/INJECTED'))
      assert.is_false(T.exists(corpus .. '/INJECTED'))
      assert.is_true(T.exists(corpus .. '/.stance/cache/ana/doc.txt.snap'), 'the hook warmed the cache')
      local hook = T.read(d .. '/.git/hooks/post-checkout')
      assert.truthy(hook:find(T.q(T.stance), 1, true)) -- the executable's path is quoted too
    end)
  end

  it('registers a merge driver that git runs from a stance installed in a folder named with % and quotes', function()
    -- git replaces %A, %O, %B and %P in the driver's line, even inside the executable's path
    local d = T.tmpdir()
    local bindir = d .. "/tools 50%A 'q'"
    local exe = bindir .. '/stance'
    os.execute(('mkdir -p %s && cp %s %s'):format(T.q(bindir), T.q(T.stance), T.q(exe)))
    local env = 'STANCE_LUADIR=' .. T.q(T.root .. '/lua') .. ' '
    local repo_dir = d .. '/repo'
    git(d, 'init -q -b main repo')
    git(repo_dir, 'config user.email t@example.org')
    git(repo_dir, 'config user.name tester')
    local _, err, code = T.run(('cd %s && %s%s init --git .'):format(T.q(repo_dir), env, T.q(exe)))
    assert.are.equal(0, code, err)
    local driver = git(repo_dir, 'config merge.stance.driver')
    assert.truthy(driver:find("50%%A '", 1, true), driver)
    T.write(repo_dir .. '/doc.txt', DOC)
    os.execute('mkdir -p ' .. T.q(repo_dir .. '/.stance/annotations/ana'))
    write_layer(repo_dir, { ann('a1', 0, 17, 'favor', 'favor') })
    git(repo_dir, 'add -A')
    git(repo_dir, 'commit -q -m base')
    git(repo_dir, 'branch other')
    -- both sides add a record at the same place: line by line a conflict, record by record none
    change(repo_dir, 'main', function(st) assert(st:add(ann('m1', 43, 61, 'premise'))) end)
    change(repo_dir, 'other', function(st) assert(st:add(ann('o1', 62, 82, 'against', 'against'))) end)
    git(repo_dir, 'checkout -q main')
    local out, merr, mcode = T.run(('cd %s && %sgit merge -q --no-edit other'):format(T.q(repo_dir), env))
    assert.are.equal(0, mcode, out .. merr)
    local st = layer(repo_dir)
    assert.truthy(st:get('m1') and st:get('o1') and st:get('a1'))
  end)

  it('says what it did, one line each: the drivers registered, each hook installed (then kept)', function()
    local d = T.tmpdir()
    git(d, 'init -q -b main')
    if T.shared then os.execute(('cp %s/corpus/*.txt %s/'):format(T.q(T.shared), T.q(d))) end
    local out, err, code = T.run(('cd %s && %s init --git .'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    local lines = {}
    for l in out:gmatch('[^\n]+') do
      lines[#lines + 1] = l
    end
    local hooks = git(d, 'rev-parse --absolute-git-dir'):gsub('\n$', '') .. '/hooks/'
    local function has(pattern, n)
      local seen = 0
      for _, l in ipairs(lines) do
        if l:find(pattern, 1, true) then seen = seen + 1 end
      end
      assert.are.equal(n or 1, seen, pattern .. ' in:\n' .. out)
    end
    has('initialized a corpus in')
    has('registered the merge driver (annotation files merge record by record): git config merge.stance.driver ')
    has('registered the diff driver (git diff shows records, not lines): git config diff.stance.command ')
    has('installed the git hook ' .. hooks .. 'post-merge: ')
    has('installed the git hook ' .. hooks .. 'post-checkout: ')
    has(' warm --quiet` after', 2)
    assert.are.equal(5, #lines, out)
    -- again: registered again, the hooks kept as they are
    out = T.run(('cd %s && %s init --git .'):format(T.q(d), T.q(T.stance)))
    lines = {}
    for l in out:gmatch('[^\n]+') do
      lines[#lines + 1] = l
    end
    has('registered the merge driver')
    has('kept the git hook ' .. hooks .. 'post-merge: ')
    has('kept the git hook ' .. hooks .. 'post-checkout: ')
  end)

  it('rewrites a hook written by an older stance, and leaves a user\'s own hook alone', function()
    local d = T.tmpdir()
    git(d, 'init -q -b main')
    T.write(d .. '/.git/hooks/post-merge', "#!/bin/sh\n# stance: prepare the editor's cache of the annotation "
      .. "files that changed\ncd \"$(git rev-parse --show-toplevel)\"/'' 2>/dev/null && stance warm --quiet || true\n")
    T.write(d .. '/.git/hooks/post-checkout', '#!/bin/sh\necho mine\n')
    local out, err, code = T.run(('cd %s && %s init --git .'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    assert.truthy(T.read(d .. '/.git/hooks/post-merge'):find(T.q(T.stance) .. ' warm --quiet', 1, true))
    assert.are.equal('#!/bin/sh\necho mine\n', T.read(d .. '/.git/hooks/post-checkout'))
    assert.truthy(out:find('post-checkout exists', 1, true))
  end)
end)
