-- The corpus: discovery, documents, sentences, the index and its persistence, and search
-- results that equal a case-insensitive whole-word grep.
local T = require('helpers')
local core = require('stance.core')
local stance_open = require('stance').open

local function new_corpus(files)
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  for name, text in pairs(files or {}) do
    T.write(d .. '/' .. name, text)
  end
  return d
end

local function shared_corpus()
  local d = new_corpus()
  os.execute(('cp %s/corpus/*.txt %s/'):format(T.q(T.shared), T.q(d)))
  return d
end

--- grep's answer: "path:byteoffset" of every match, sorted. `pattern` is an ERE.
local function grep(dir, pattern, multiline)
  local cmd = ('cd %s && LC_ALL=C.UTF-8 grep -r %s -o -b -i -w -E %s --include=*.txt --include=*.md . | '
    .. 'tr "\\0" "\\n" | sed "s|^\\./||"'):format(T.q(dir), multiline and '-z' or '', T.q(pattern))
  local out = T.run(cmd)
  local list = {}
  for path, off in out:gmatch('([^:\n]+):(%d+):[^\n]*') do
    list[#list + 1] = path .. ':' .. off
  end
  table.sort(list)
  return list
end

local function ours(c, query)
  local hits = assert(c:search(query))
  local list = {}
  for _, h in ipairs(hits) do
    list[#list + 1] = h.path .. ':' .. h.byte_start
  end
  table.sort(list)
  return list
end

describe('corpus', function()
  after_each(T.cleanup)

  it('is found from any folder or file inside it, and refuses paths out of it', function()
    local d = new_corpus({ ['sub/a.txt'] = 'text' })
    local c = assert(stance_open(d .. '/sub'))
    assert.are.equal(core.realpath(d), c.root)
    assert.truthy(require('stance').open(d .. '/sub/a.txt'))
    local _, err = c:document('../outside.txt')
    assert.truthy(err:find('outside the corpus', 1, true))
    local secret = T.tmpdir() .. '/secret.txt'
    T.write(secret, 'secret words')
    os.execute(('ln -s %s %s'):format(T.q(secret), T.q(d .. '/link.txt')))
    assert.is_nil(c:document('link.txt'))
    assert.truthy(c:index())
    assert.are.same({ 'sub/a.txt' }, c:paths())
    assert.are.equal(0, c:search('secret', { count = true }))
    local none, nerr = require('stance').open(T.tmpdir())
    assert.is_nil(none)
    assert.truthy(nerr:find('not inside a corpus', 1, true))
  end)

  it('annotates by default as the name its own repository gives, from whatever folder', function()
    if os.getenv('STANCE_ANNOTATOR') then return pending('STANCE_ANNOTATOR is set') end
    local d = new_corpus({ ['a.txt'] = 'Sanctions work.' })
    local git = ('git -C %s '):format(T.q(d))
    assert(os.execute(git .. 'init -q') and os.execute(git .. 'config user.name "Repo Local"'))
    -- this process runs in another folder (the checkout), whose git may say another name
    local c = assert(stance_open(d))
    assert.are.equal('Repo Local', c.annotator)
    local doc = assert(c:document('a.txt'))
    assert.are.equal('Repo Local', assert(doc:layer()).annotator)
    -- set by the script: its own
    c.annotator = 'eve'
    assert.are.equal('eve', assert(doc:layer()).annotator)
  end)

  it('gives the folders of the names asked, also when a script changed its list in place', function()
    local d = new_corpus()
    local c = assert(stance_open(d))
    local names = { 'ana', 'ben' }
    local root = core.realpath(d)
    assert.are.same({ root .. '/.stance/annotations/ana/', root .. '/.stance/annotations/ben/' }, c:layer_folders(names))
    names[1] = 'carl'
    assert.are.same({ root .. '/.stance/annotations/carl/', root .. '/.stance/annotations/ben/' }, c:layer_folders(names))
    names[3] = 'dan'
    assert.are.equal(3, #c:layer_folders(names))
    table.remove(names, 1)
    assert.are.same({ root .. '/.stance/annotations/ben/', root .. '/.stance/annotations/dan/' }, c:layer_folders(names))
  end)

  it('finds the methods about layers in their module, loaded at the first call, not by a search', function()
    local d = new_corpus({ ['a.txt'] = 'Sanctions work.\n' })
    -- a fresh `stance`: a count from the index does not load them; a script that asks does
    T.write(d .. '/s.lua', table.concat({
      "local c = assert(stance.open(arg[1]))",
      "assert(c:search('sanctions', { count = true }) == 1)",
      "io.write(tostring(package.loaded['stance.corpus.layers'] ~= nil), ' ')",
      "io.write(#c:layer_names(), ' ', tostring(package.loaded['stance.corpus.layers'] ~= nil))",
    }, '\n'))
    local out, err, code = T.stance_run({ 'run', d .. '/s.lua', d })
    assert.are.equal(0, code, err)
    assert.are.equal('false 0 true', out)
    local Corpus = require('stance.corpus')
    local c = assert(stance_open(d))
    local n = 0
    for name, f in pairs(require('stance.corpus.layers')) do
      n = n + 1
      assert.are.equal(f, c[name], name)
      assert.are.equal(f, Corpus[name], name)
    end
    assert.are.equal(13, n)
  end)

  it('lists documents by the schema globs, lazily', function()
    local d = new_corpus({ ['a.txt'] = 'a', ['b.md'] = 'b', ['c.ann'] = 'c', ['drafts/d.txt'] = 'd' })
    local c = assert(stance_open(d))
    assert.are.same({ 'a.txt', 'b.md', 'drafts/d.txt' }, c:paths())
    T.write(d .. '/.stance/schema.stance', T.read(d .. '/.stance/schema.stance'):gsub('include "%*%.txt" "%*%.md"',
      'include "*.txt"\n  exclude "drafts/*"'))
    c = assert(stance_open(d))
    local seen = {}
    for doc in c:documents() do
      seen[#seen + 1] = doc.path
    end
    assert.are.same({ 'a.txt' }, seen)
  end)

  it('reads the globs of the corpus records alone as the whole schema gives them', function()
    local schema = require('stance.schema')
    local texts = {
      'format stance 1\n\ncorpus\n  include "*.txt" "*.md"\n',
      'format stance 1\ncorpus\n  include "a/*.txt"\n  # a comment\n  exclude "a/b/*" "c*"\n  not-annotators x\n'
        .. 'target t\n  include "not/a/corpus/glob"\ncorpus\n  exclude "late/*"\n  include "*.md"\n',
      -- a broken record line is skipped: its attributes go to the record before it, in both
      'format stance 1\ncorpus\n  include "*.txt"\ntarget "unclosed\n  include "x/*"\n  exclude "y/*"\n',
      'format stance 1\ntarget t\n  include "*.txt"\n',
      'corpus\n  include\n  exclude "\\u{41}*"\n| text\n  include "z"\n',
      '',
    }
    for _, text in ipairs(texts) do
      local inc, exc = core.markup_globs(text)
      local s = schema.parse(text)
      assert.are.same(s.corpus.include, inc, text)
      assert.are.same(s.corpus.exclude, exc, text)
    end
  end)

  it('gives documents their text, hash, sentences and paragraphs', function()
    local d = new_corpus({ ['a.txt'] = 'Title Line\n\nMr. Okafor spoke. The U.S. listened — “a tax.” Then é.\n' })
    local doc = assert(stance_open(d)):document('a.txt')
    assert.are.equal('sha256:' .. core.sha256(T.read(d .. '/a.txt')), doc:hash())
    local s = doc:sentences()
    assert.are.same({ 'Title Line', 'Mr. Okafor spoke.', 'The U.S. listened — “a tax.”', 'Then é.' },
      { s[1].text, s[2].text, s[3].text, s[4].text })
    assert.are.equal(3, s[2].line)
    assert.are.equal(T.cp_sub(doc:text(), s[4].start, s[4].stop), 'Then é.')
    assert.are.equal(2, #doc:paragraphs())
  end)

  it('finds the sentences of the sample corpus', function()
    if not T.shared then return pending('../shared/corpus is not here') end
    local c = assert(stance_open(shared_corpus()))
    local all = {}
    for doc in c:documents() do
      for _, s in ipairs(doc:sentences()) do
        all[s.text] = true
      end
    end
    for _, want in ipairs({
      'The U.S. also came under fire.',
      'Kim Jong-un poses a serious challenge to U.S. policy, mixing security and humanitarian concerns.',
      'To focus on the first seems callous.',
      'Before Christmas, the North’s UN ambassador denounced a critical resolution as the product of “hostile forces that obsess with inveterate hatred against us.”',
      'Where U.S. relations with North Korea go is unclear whatever the election returns.',
    }) do
      assert.is_true(all[want] ~= nil, want)
    end
    -- no sentence ends inside an acronym; a no-break space after a full stop and an address
    -- before ".)" end one
    local ends_in_acronym, after_nbsp, after_address = {}, false, false
    for text in pairs(all) do
      if text:match('U%.[SN]%.$') then ends_in_acronym[#ends_in_acronym + 1] = text end
      if text:match('\194\160') and text:match('%.\194\160%u') then after_nbsp = text end
      if text:match('^Cuba is another opportunity') then after_address = true end
    end
    assert.are.same({}, ends_in_acronym)
    assert.is_false(after_nbsp)
    assert.is_true(all['They are nonsensical.'] ~= nil)
    assert.is_true(after_address)
  end)

  describe('search', function()
    it('equals grep -iw on the sample corpus', function()
      if not T.shared then return pending('../shared/corpus is not here') end
      local d = shared_corpus()
      local c = assert(stance_open(d))
      assert.truthy(c:index())
      for _, term in ipairs({ 'sanctions', 'Kim', 'PYONGYANG', 'u', 's', 'rights', 'the', 'denuclearization' }) do
        assert.are.same(grep(d, term), ours(c, term), term)
      end
      assert.are.same(grep(d, 'human[[:space:]]+rights', true), ours(c, '"human rights"'))
      assert.are.same(grep(d, 'north[[:space:]]+korea', true), ours(c, '"North Korea"'))
      assert.are.same(grep(d, 'sanction[[:alnum:]_]*'), ours(c, 'sanction*'))
    end)

    it('equals grep -iw on a generated corpus with non-ASCII names', function()
      local d = new_corpus()
      T.run(('lua5.4 %s/tests/bench/gen_corpus.lua %s 2 300 7 2>/dev/null'):format(T.q(T.root), T.q(d .. '/gen')))
      local c = assert(stance_open(d))
      local st = assert(c:index())
      assert.are.equal(300, st.indexed)
      for _, term in ipairs({ 'Müller', 'MÜLLER', 'dvořák', 'zoë', 'søren', 'sanctions', 'percent', 'the' }) do
        assert.are.same(grep(d, term), ours(c, term), term)
      end
      assert.are.same(grep(d, 'north[[:space:]]+korea', true), ours(c, '"north korea"'))
    end)

    it('combines terms, filters by glob, and renders hits', function()
      local d = new_corpus({ ['a/one.txt'] = 'Sanctions failed.\nEngagement works.\n', ['b/two.txt'] = 'Sanctions work.\n' })
      local c = assert(stance_open(d))
      assert.are.equal(3, c:search('sanctions OR engagement', { count = true }))
      assert.are.equal(2, c:search('sanctions engagement', { count = true }))
      assert.are.equal(1, c:search('sanctions NOT engagement', { count = true }))
      local hits = c:search('sanctions', { glob = 'b/*' })
      assert.are.equal(1, #hits)
      local h = c:search('engagement')[1]
      assert.are.same({ 'a/one.txt', 2, 1, 'Engagement', 'Engagement works.', 18, 28 },
        { h.path, h.line, h.col, h.match, h.line_text, h.start, h.stop })
      assert.are.equal('Sanctions failed. ', h.left)
      local _, err = c:search('(sanctions')
      assert.are.equal('column 1: unbalanced parenthesis', err)
    end)
  end)

  describe('index', function()
    it('re-indexes only what changed, and removes what is gone', function()
      local d = new_corpus({ ['a.txt'] = 'alpha', ['b.txt'] = 'beta', ['c.txt'] = 'gamma' })
      local c = assert(stance_open(d))
      local st = assert(c:index())
      assert.are.same({ 3, 0 }, { st.indexed, st.unchanged })
      T.write(d .. '/b.txt', 'beta changed to delta')
      os.remove(d .. '/c.txt')
      T.write(d .. '/e.txt', 'epsilon')
      st = assert(c:index())
      assert.are.same({ 2, 1, 1 }, { st.indexed, st.unchanged, st.removed })
      assert.are.equal(1, c:search('delta', { count = true }))
      assert.are.equal(0, c:search('gamma', { count = true }))
      assert.are.same({ 'a.txt', 'b.txt', 'e.txt' }, c:paths())
    end)

    it('is saved, reused when nothing changed, and rebuilt when damaged', function()
      local d = new_corpus({ ['a.txt'] = 'alpha beta', ['b.txt'] = 'beta' })
      local dir = d .. '/.stance/index.bin'
      assert.truthy(assert(stance_open(d)):index())
      assert.are.equal('directory', core.stat(dir).type)
      assert.truthy(core.stat(dir .. '/meta'))
      local st = assert(assert(stance_open(d)):index())
      assert.are.same({ 0, 2 }, { st.indexed, st.unchanged })
      -- a damaged meta file: refused, rebuilt, and said so
      local meta = T.read(dir .. '/meta')
      T.write(dir .. '/meta', meta:sub(1, 100) .. 'X' .. meta:sub(102))
      local c = assert(stance_open(d))
      st = assert(c:index())
      assert.truthy(st.note:find('damaged', 1, true), st.note)
      assert.are.equal(2, st.indexed)
      assert.are.equal(2, c:search('beta', { count = true }))
      -- a damaged page of a segment: found by the search that reads it, which rebuilds
      for _, e in ipairs(require('stance.fs').list(dir) or {}) do
        if e.path:match('^seg%-') then
          local seg = T.read(dir .. '/' .. e.path)
          T.write(dir .. '/' .. e.path, seg:sub(1, #seg - 3) .. 'XYZ')
        end
      end
      c = assert(stance_open(d))
      assert.are.equal(2, c:search('beta', { count = true }))
      assert.are.equal(1, c:search('alpha', { count = true }))
      -- an index of an older stance (a file where the folder is): rebuilt
      T.run('rm -rf ' .. T.q(dir))
      T.write(dir, 'STANCEIX garbage of version 3')
      st = assert(assert(stance_open(d)):index())
      assert.truthy(st.note:find('not an index of this version', 1, true), st.note)
      assert.are.equal('directory', core.stat(dir).type)
    end)

    it('sees an edit in place that keeps the size, the folder time and the file time', function()
      local d = new_corpus({ ['sub/a.txt'] = 'alpha beta', ['sub/deeper/b.txt'] = 'gamma', ['c.txt'] = 'delta' })
      local old = '"2001-01-01 00:00:00"'
      T.run(('touch -d %s %s %s %s'):format(old, T.q(d .. '/sub/a.txt'), T.q(d .. '/sub/deeper/b.txt'), T.q(d .. '/c.txt')))
      assert(assert(stance_open(d)):index())
      -- indexed twice: the documents are no longer "written just now" (racy), only their
      -- stat says whether they changed
      local st = assert(assert(stance_open(d)):index())
      assert.are.same({ 0, 3 }, { st.indexed, st.unchanged })
      -- rewritten in place (no new file: the folder's time stays), same size, and the file's
      -- time put back: only the change time (which no one can set) tells
      local sub_mtime = core.stat(d .. '/sub').mtime_ns
      local f = assert(io.open(d .. '/sub/a.txt', 'r+b'))
      f:write('omega beta')
      f:close()
      f = assert(io.open(d .. '/sub/deeper/b.txt', 'r+b'))
      f:write('kappa')
      f:close()
      T.run(('touch -d %s %s %s'):format(old, T.q(d .. '/sub/a.txt'), T.q(d .. '/sub/deeper/b.txt')))
      assert.are.equal(sub_mtime, core.stat(d .. '/sub').mtime_ns)
      local c = assert(stance_open(d))
      st = assert(c:index())
      assert.are.same({ 2, 1 }, { st.indexed, st.unchanged })
      assert.are.equal(1, c:search('omega', { count = true }))
      assert.are.equal(1, c:search('kappa', { count = true }))
      assert.are.equal(0, c:search('alpha OR gamma', { count = true }))
      -- a document that becomes a link to another document: only another name of it, not a
      -- document of its own (counted once)
      os.remove(d .. '/sub/deeper/b.txt')
      T.run(('ln -s ../../c.txt %s'):format(T.q(d .. '/sub/deeper/b.txt')))
      c = assert(stance_open(d))
      assert(c:index())
      assert.are.equal(1, c:search('delta', { count = true }))
      -- a link to a file that is not a document by its own name (a hidden folder, another
      -- extension): a document, followed
      T.write(d .. '/.data/h.txt', 'epsilon')
      T.write(d .. '/notes.dat', 'epsilon')
      T.run(('ln -s ../.data/h.txt %s && ln -s notes.dat %s'):format(T.q(d .. '/sub/h.txt'), T.q(d .. '/notes.txt')))
      c = assert(stance_open(d))
      assert(c:index())
      assert.are.equal(2, c:search('epsilon', { count = true }))
    end)

    it('takes a link to another document as another name of it: listed, counted and exported once', function()
      local d = new_corpus({ ['a.txt'] = 'Alpha beta gamma. Delta epsilon.\n', ['sub/b.txt'] = 'Zeta eta.\n' })
      T.run(('ln -s a.txt %s && ln -s ../a.txt %s'):format(T.q(d .. '/same.txt'), T.q(d .. '/sub/again.txt')))
      local c = assert(stance_open(d))
      -- the listing without an index, then the index (built, then checked again)
      assert.are.same({ 'a.txt', 'sub/b.txt' }, c:paths())
      for _ = 1, 2 do
        c = assert(stance_open(d))
        assert(c:index())
        assert.are.same({ 'a.txt', 'sub/b.txt' }, c:paths())
        assert.are.equal(1, c:search('gamma', { count = true }))
      end
      -- the link's name opens the document itself
      c.annotator = 'ana'
      local doc = assert(c:document('same.txt'))
      assert.are.equal('a.txt', doc.path)
      assert(doc:annotate({ start = 0, stop = 17, label = 'claim' }))
      assert(c:save())
      local out, err, code = T.stance_run({ 'export', '--to', 'jsonl' }, nil, d)
      assert.are.equal(0, code, err)
      assert.are.equal(1, #T.lines(out:gsub('\n$', '')))
      assert.truthy(out:find('"document":"a.txt"', 1, true), out)
      -- a link made after indexing: not a document either
      T.run(('ln -s sub/b.txt %s'):format(T.q(d .. '/late.txt')))
      c = assert(stance_open(d))
      assert(c:index())
      assert.are.same({ 'a.txt', 'sub/b.txt' }, c:paths())
    end)

    it('never follows a symbolic link where its folder should be', function()
      local d = new_corpus({ ['a.txt'] = 'alpha' })
      local elsewhere = T.tmpdir()
      T.run(('ln -s %s %s'):format(T.q(elsewhere), T.q(d .. '/.stance/index.bin')))
      local c = assert(stance_open(d))
      local st = assert(c:index())
      assert.are.equal(1, st.indexed)
      assert.is_nil(st.save_error)
      assert.are.same({}, require('stance.fs').list(elsewhere) or {})
      assert.are.equal('directory', core.stat(d .. '/.stance/index.bin').type)
    end)

    it('sees a change of the same size made just after indexing, and a file touched back', function()
      local d = new_corpus({ ['a.txt'] = 'alpha beta', ['sub/b.txt'] = 'gamma' })
      assert(assert(stance_open(d)):index())
      -- same size, same folder (its time does not change), at once: the stat may say the
      -- same, the bytes do not
      T.write(d .. '/a.txt', 'delta zeta')
      local c = assert(stance_open(d))
      local st = assert(c:index())
      assert.are.equal(1, st.indexed)
      assert.are.equal(1, c:search('zeta', { count = true }))
      -- a new file in a subfolder, and one in a new subfolder
      T.write(d .. '/sub/c.txt', 'eta')
      T.write(d .. '/new/deep/d.txt', 'theta')
      c = assert(stance_open(d))
      st = assert(c:index())
      assert.are.equal(2, st.indexed)
      assert.are.same({ 'a.txt', 'new/deep/d.txt', 'sub/b.txt', 'sub/c.txt' }, c:paths())
      -- the same bytes with another time (a checkout, a copy): read again, not indexed (so
      -- are the documents written within the last 2 s: their stat may hide a change)
      T.run('touch -d "2001-01-01" ' .. T.q(d .. '/sub/b.txt'))
      c = assert(stance_open(d))
      st = assert(c:index())
      assert.are.equal(0, st.indexed)
      assert.truthy(st.verified >= 1)
      -- a folder removed, and its documents with it
      T.run('rm -rf ' .. T.q(d .. '/new'))
      c = assert(stance_open(d))
      st = assert(c:index())
      assert.are.equal(1, st.removed)
      assert.are.equal(0, c:search('theta', { count = true }))
    end)

    it('reports unreadable documents and goes on', function()
      local d = new_corpus({ ['a.txt'] = 'alpha', ['b.txt'] = 'beta' })
      os.execute('chmod 000 ' .. T.q(d .. '/b.txt'))
      local c = assert(stance_open(d))
      local st = assert(c:index())
      os.execute('chmod 644 ' .. T.q(d .. '/b.txt'))
      if st.failed == 0 then return pending('running as root: every file is readable') end
      assert.are.equal(1, st.failed)
      assert.are.equal('b.txt', st.errors[1].path)
    end)
  end)
end)

describe('index jobs', function()
  after_each(T.cleanup)

  it('can be cancelled, leaving the index as it was', function()
    local d = T.tmpdir()
    T.stance_run({ 'init', d })
    T.run(('lua5.4 %s/tests/bench/gen_corpus.lua %s 20 2000 9 2>/dev/null'):format(T.q(T.root), T.q(d .. '/gen')))

    local w = core.worker()
    local idx = core.index(d)
    local job = w:index(idx)
    job:cancel()
    while job:state() == 'pending' or job:state() == 'running' do w:wait(100) end
    assert.are.equal('cancelled', job:state())
    local ok, err = job:apply_to(idx)
    assert.is_nil(ok)
    assert.truthy(err:find('not finished', 1, true))
    assert.are.equal(0, idx:stats().docs)
    w:close()
  end)

  it('swaps in the index built on the worker; a job made from an index replaced since is stale', function()
    local d = T.tmpdir()
    T.stance_run({ 'init', d })
    T.write(d .. '/a.txt', 'Zeppelins float.\n')
    local w = core.worker()
    local idx = core.index(d)
    local function run(job)
      while job:state() == 'pending' or job:state() == 'running' do w:wait(100) end
      assert.are.equal('done', job:state())
      return job
    end
    assert(run(w:index(idx)):apply_to(idx))
    assert.are.equal(1, idx:search('zeppelins', { count = true }))
    -- two updates made from the same index: the first to land wins, the second must look again
    T.write(d .. '/b.txt', 'More zeppelins.\n')
    local one, two = run(w:index(idx)), run(w:index(idx))
    assert(one:apply_to(idx))
    assert.are.equal(2, idx:search('zeppelins', { count = true }))
    assert.is_true(one:apply_to(idx)) -- applying twice does nothing
    local ok, err, code = two:apply_to(idx)
    assert.is_nil(ok)
    assert.are.equal('ESTALE', code, err)
    assert.are.equal(2, idx:search('zeppelins', { count = true }))
    -- a save made from the index it replaces lands; one made from an older index does not
    local save = run(w:save_index(idx, d .. '/.stance/index.bin'))
    local again = run(w:index(idx, { rebuild = true }))
    assert(save:apply_to(idx))
    assert(again:apply_to(idx)) -- a rebuild replaces any index
    ok, err, code = run(w:save_index(core.index(d), d .. '/.stance/other.bin')):apply_to(idx)
    assert.is_nil(ok)
    assert.are.equal('ESTALE', code, err)
    assert.are.equal(2, idx:search('zeppelins', { count = true }))
    assert.are.equal(2, idx:stats().docs)
    -- the replaced indexes are freed on the worker; with the worker closed, here
    local last = run(w:index(idx, { rebuild = true }))
    w:close()
    assert(last:apply_to(idx))
    assert.are.equal(2, idx:search('zeppelins', { count = true }))
  end)

  it('loads a saved index on the calling thread, lazily (idx:load_saved), or says why not', function()
    local d = T.tmpdir()
    T.stance_run({ 'init', d })
    T.write(d .. '/a.txt', 'Zeppelins float.\n')
    T.write(d .. '/sub/b.txt', 'More zeppelins, and sanctions.\n')
    local dir = d .. '/.stance/index.bin'
    local idx = core.index(d)
    assert.is_false(idx:load_saved(dir)) -- none saved yet
    local _, err, code = T.stance_run({ 'index', d })
    assert.are.equal(0, code, err)
    assert.is_true(idx:load_saved(dir))
    -- a count needs no table by path; a lookup by path makes them then
    assert.are.equal(2, idx:search('zeppelins', { count = true }))
    assert.are.same({ 'a.txt', 'sub/b.txt' }, idx:paths())
    assert.are.equal('sub/b.txt', idx:doc('sub/b.txt').path)
    assert.are.equal(1, #idx:search('sanctions'))
    -- a damaged one is refused, the index in hand left as it was
    local bytes = T.read(dir .. '/meta')
    T.write(dir .. '/meta', bytes:sub(1, 100) .. 'X' .. bytes:sub(102))
    local ok, lerr, lcode = idx:load_saved(dir)
    assert.is_nil(ok)
    assert.are.equal('EINDEX', lcode, lerr)
    assert.are.equal(2, idx:search('zeppelins', { count = true }))
    -- and the corpus's unchecked open builds it again, as before
    local c = assert(stance_open(d))
    local st = assert(c:index({ no_check = true }))
    assert.truthy(st.note and st.note:find('rebuilt', 1, true), st.note)
    assert.are.equal(2, c:search('zeppelins', { count = true }))
    -- saved again: the unchecked open of a fresh corpus object takes it as it is
    T.write(d .. '/c.txt', 'Zeppelins again.\n')
    local c2 = assert(stance_open(d))
    st = assert(c2:index({ no_check = true }))
    assert.is_true(st.unchecked)
    assert.are.equal(2, c2:search('zeppelins', { count = true }))
  end)

  it('reports progress while indexing', function()
    local d = T.tmpdir()
    T.stance_run({ 'init', d })
    T.run(('lua5.4 %s/tests/bench/gen_corpus.lua %s 20 2000 9 2>/dev/null'):format(T.q(T.root), T.q(d .. '/gen')))
    local c = assert(require('stance').open(d))
    local seen = {}
    assert.truthy(c:index({ on_progress = function(ev) seen[#seen + 1] = ev.done end }))
    assert.is_true(#seen >= 1)
    for i = 2, #seen do
      assert.is_true(seen[i] >= seen[i - 1])
    end
  end)
end)
