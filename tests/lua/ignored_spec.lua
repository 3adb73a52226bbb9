-- The runtime files under .stance kept out of git (stance init's .stance/.gitignore, and the
-- repository's info/exclude for an older corpus), anchored to their own place: annotation files
-- of a document in a folder named cache/report/index.bin, or of an annotator named so, are
-- never ignored; and the exclude is written only into a git folder that checks out.
local T = require('helpers')
local ignored = require('stance.ignored')

local git, is_ignored = T.git, T.git_ignores

local KEEP = { -- annotation files: shared
  '.stance/annotations/alice/report/q1.txt.stance', '.stance/annotations/alice/cache/q1.txt.stance',
  '.stance/annotations/alice/index.bin/q1.txt.stance', '.stance/annotations/alice/watch.log/q1.txt.stance',
  '.stance/annotations/report/q1.txt.stance', '.stance/annotations/cache/q1.txt.stance',
  '.stance/annotations/index.bin/q1.txt.stance', '.stance/schema.stance', 'report/q1.txt', 'cache/q1.txt',
}
local DROP = { -- runtime files: kept out
  '.stance/index.bin/seg-1', '.stance/cache/layers.bin', '.stance/cache/alice/q1.txt.snap',
  '.stance/report/report.html', '.stance/watch.lock', '.stance/watch.sock', '.stance/watch-cookie-12',
  '.stance/watch.log', '.stance/watch.failed', '.stance/watch.start', '.stance/watch.starting',
  '.stance/annotations/alice/report/.q1.txt.stance.lock', '.stance/annotations/cache/.q1.txt.stance.tmp',
}

local function fill(d)
  for _, rel in ipairs(KEEP) do
    if not T.exists(d .. '/' .. rel) then T.write(d .. '/' .. rel, 'x\n') end
  end
  for _, rel in ipairs(DROP) do
    T.write(d .. '/' .. rel, 'x\n')
  end
end

local function check(top, sub)
  for _, rel in ipairs(KEEP) do
    assert.is_false(is_ignored(top, sub .. rel), sub .. rel .. ' ignored')
  end
  for _, rel in ipairs(DROP) do
    assert.is_true(is_ignored(top, sub .. rel), sub .. rel .. ' not ignored')
  end
end

local OLD = { '# an older stance init', 'index.bin', 'cache/', 'report/', '.*.lock', '.*.tmp', 'my-own-line' }

describe('runtime files ignored by git', function()
  after_each(T.cleanup)

  it('in a fresh stance init corpus (a folder "data [2024]" of a repository)', function()
    local top = T.tmpdir()
    git(top, 'init -q')
    local d = top .. '/data [2024]'
    local _, err, code = T.stance_run({ 'init', d })
    assert(code == 0, err)
    local text = T.read(d .. '/.stance/.gitignore')
    assert.truthy(text:find('\n/cache/\n', 1, true), text)
    assert.falsy(text:find('\ncache/\n', 1, true), text)
    fill(d)
    check(top, 'data [2024]/')
    -- the runtime files' lines are all there: nothing for info/exclude
    assert.is_true(ignored.ensure(d))
    assert.falsy((T.read(top .. '/.git/info/exclude') or ''):find('stance', 1, true))
  end)

  it('in an older corpus: info/exclude anchored (prefix escaped), stance init replaces the old lines', function()
    local top = T.tmpdir()
    git(top, 'init -q')
    local d = top .. '/data [2024]*?'
    T.write(d .. '/.stance/schema.stance', 'x\n')
    -- an older .gitignore without the runtime lines: what info/exclude adds hides no annotation
    T.write(d .. '/.stance/.gitignore', 'my-own-line\n')
    fill(d)
    assert.is_true(ignored.ensure(d))
    local exclude = T.read(top .. '/.git/info/exclude')
    assert.truthy(exclude:find('/data \\[2024\\]\\*\\?/.stance/cache/\n', 1, true), exclude)
    assert.truthy(exclude:find('/data \\[2024\\]\\*\\?/.stance/**/.*.lock\n', 1, true), exclude)
    check(top, 'data [2024]*?/')
    -- the .gitignore of an older stance init (unanchored lines): stance init anchors them
    T.write(d .. '/.stance/.gitignore', table.concat(OLD, '\n') .. '\n')
    assert.is_true(is_ignored(top, 'data [2024]*?/.stance/annotations/alice/report/q1.txt.stance'))
    local _, err, code = T.stance_run({ 'init', d })
    assert(code == 0, err)
    local text = T.read(d .. '/.stance/.gitignore')
    assert.truthy(text:find('^# an older stance init\n/index.bin\n/cache/\n/report/\n%.%*%.lock\n'), text)
    assert.truthy(text:find('\nmy%-own%-line\n'), text)
    assert.truthy(text:find('\n/watch.starting\n', 1, true), text)
    check(top, 'data [2024]*?/')
  end)
end)

describe('info/exclude written only into a real git folder', function()
  after_each(T.cleanup)

  local function older(d)
    T.write(d .. '/.stance/schema.stance', 'x\n')
    T.write(d .. '/.stance/.gitignore', 'my-own-line\n')
  end

  it('a .git file naming a folder elsewhere (missing, or not a git folder) writes nothing', function()
    local base = T.tmpdir()
    local d = base .. '/corpus'
    older(d)
    T.write(d .. '/.git', 'gitdir: ../evil/deep\n')
    assert.is_true(ignored.ensure(d))
    assert.is_false(T.exists(base .. '/evil'))
    -- it exists but is no git folder
    local d2 = base .. '/corpus2'
    older(d2)
    os.execute('mkdir -p ' .. T.q(base .. '/plain/deep'))
    T.write(d2 .. '/.git', 'gitdir: ../plain/deep\n')
    assert.is_true(ignored.ensure(d2))
    assert.is_false(T.exists(base .. '/plain/deep/info'))
    -- a .git link to a real git folder is not this folder's own
    local repo = base .. '/repo'
    git(base, 'init -q repo')
    local d3 = base .. '/corpus3'
    older(d3)
    os.execute(('ln -s %s %s'):format(T.q(repo .. '/.git'), T.q(d3 .. '/.git')))
    assert.is_true(ignored.ensure(d3))
    assert.falsy((T.read(repo .. '/.git/info/exclude') or ''):find('stance', 1, true))
  end)

  it('a linked worktree writes into its common folder\'s info/exclude, as git reads it', function()
    local base = T.tmpdir()
    local repo = base .. '/repo'
    git(base, 'init -q repo')
    T.write(repo .. '/a', 'a\n')
    git(repo, 'add a')
    git(repo, 'commit -qm a')
    git(repo, 'worktree add -q ' .. T.q(base .. '/wt'))
    local d = base .. '/wt/corpus'
    older(d)
    fill(d)
    assert.is_true(ignored.ensure(d))
    assert.truthy(T.read(repo .. '/.git/info/exclude'):find('/corpus/.stance/cache/', 1, true))
    assert.is_false(T.exists(repo .. '/.git/worktrees/wt/info'))
    check(base .. '/wt', 'corpus/')
  end)
end)

describe('an older corpus mended as stance writes a runtime file', function()
  after_each(T.cleanup)

  it('anchors M.older() lines in place: the order, the other lines, CR and a last line without end kept', function()
    local new, replaced = ignored.anchor('# x\r\nmy/cache/\ncache/\r\n/report/\nreport/\nindex.bin\n  cache/\nwatch.log')
    assert.are.equal('# x\r\nmy/cache/\n/cache/\r\n/report/\n/index.bin\n  cache/\n/watch.log', new)
    assert.are.same({ 'cache/', 'report/', 'index.bin', 'watch.log' }, replaced)
    assert.are.equal('/cache/\n.*.lock\n', (ignored.anchor('/cache/\n.*.lock\n')))
  end)

  it('after one stance search: annotation files shown, runtime files ignored, said once on stderr', function()
    local top = T.tmpdir()
    git(top, 'init -q')
    local d = top .. '/c'
    T.write(d .. '/.stance/schema.stance', require('stance.templates').schema)
    T.write(d .. '/.stance/.gitignore', table.concat(OLD, '\n') .. '\n')
    T.write(d .. '/q1.txt', 'hello world\n')
    T.write(d .. '/report/q1.txt', 'hello again\n')
    local ann = '.stance/annotations/alice/report/q1.txt.stance'
    T.write(d .. '/' .. ann, '')
    T.write(d .. '/.stance/annotations/cache/q1.txt.stance', '')
    T.write(d .. '/.stance/annotations/bob/q1.txt.stance', '') -- (never hidden: not counted)
    git(top, 'add -A')
    git(top, 'commit -qm older')
    assert.is_true(is_ignored(top, 'c/' .. ann)) -- (not committed: hidden)
    local out, err, code = T.stance_run({ 'search', 'hello' }, nil, d)
    assert(code == 0, err)
    assert.truthy(out:find('q1.txt:1:1: hello world', 1, true), out)
    assert.falsy(out:find('gitignore', 1, true), out)
    local lines = {}
    for line in err:gmatch('[^\n]+') do
      lines[#lines + 1] = line
    end
    assert.are.equal(1, #lines, err)
    assert.truthy(lines[1]:find('^stance: '), err)
    assert.truthy(lines[1]:find(d .. '/.stance/.gitignore updated, commit it: ', 1, true), err)
    assert.truthy(lines[1]:find('(index.bin, cache/, report/) also hid annotation files from git', 1, true), err)
    assert.truthy(lines[1]:find('(/index.bin, /cache/, /report/); 2 annotation file(s) it hid now show in git status', 1, true),
      err)
    local text = T.read(d .. '/.stance/.gitignore')
    assert.are.equal('# an older stance init\n/index.bin\n/cache/\n/report/\n.*.lock\n.*.tmp\nmy-own-line\n', text)
    assert.is_false(is_ignored(top, 'c/' .. ann))
    assert.is_false(is_ignored(top, 'c/.stance/annotations/cache/q1.txt.stance'))
    assert.is_true(is_ignored(top, 'c/.stance/index.bin'))
    T.write(d .. '/.stance/cache/layers.bin', 'x')
    assert.is_true(is_ignored(top, 'c/.stance/cache/layers.bin'))
    assert.is_true(is_ignored(top, 'c/.stance/watch.log'))
    local status = git(top, 'status --porcelain -uall')
    assert.truthy(status:find('?? c/' .. ann, 1, true), status)
    assert.falsy(status:find('index.bin', 1, true), status)
    -- a second run (and stance index) changes and says nothing
    out, err, code = T.stance_run({ 'search', 'hello' }, nil, d)
    assert(code == 0, err)
    assert.truthy(out:find('hello world', 1, true), out)
    assert.are.equal('', err)
    out, err, code = T.stance_run({ 'index' }, nil, d)
    assert.falsy(out:find('gitignore', 1, true), out)
    assert(code == 0, err)
    assert.are.equal('', err)
    assert.are.equal(text, T.read(d .. '/.stance/.gitignore'))
  end)

  it('a .gitignore that is a link, or not a regular file, is left alone', function()
    local top = T.tmpdir()
    git(top, 'init -q')
    local d = top .. '/c'
    T.write(d .. '/.stance/schema.stance', require('stance.templates').schema)
    T.write(d .. '/q1.txt', 'hello world\n')
    T.write(d .. '/old.gitignore', 'cache/\nreport/\n')
    os.execute(('ln -s ../old.gitignore %s'):format(T.q(d .. '/.stance/.gitignore')))
    local _, err, code = T.stance_run({ 'index' }, nil, d)
    assert(code == 0, err)
    assert.falsy(err:find('gitignore', 1, true), err)
    assert.are.equal('cache/\nreport/\n', T.read(d .. '/old.gitignore'))
    assert.truthy(T.run('test -L ' .. T.q(d .. '/.stance/.gitignore') .. ' && echo link'):find('link', 1, true))
    -- a folder at its name
    local d2 = top .. '/c2'
    T.write(d2 .. '/.stance/schema.stance', require('stance.templates').schema)
    T.write(d2 .. '/q1.txt', 'hello world\n')
    T.write(d2 .. '/.stance/.gitignore/x', 'cache/\n')
    _, err, code = T.stance_run({ 'index' }, nil, d2)
    assert(code == 0, err)
    assert.falsy(err:find('gitignore', 1, true), err)
    assert.are.equal('cache/\n', T.read(d2 .. '/.stance/.gitignore/x'))
  end)
end)
