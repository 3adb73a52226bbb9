-- stance init, stance index and stance search from the command line.
local T = require('helpers')

local function corpus()
  local d = T.tmpdir()
  T.stance_run({ 'init', d })
  T.write(d .. '/one.txt', 'Sanctions failed.\nThe human\nrights record matters.\n')
  T.write(d .. '/sub/two.md', 'Engagement, not sanctions.\n')
  return d
end

describe('stance init', function()
  after_each(T.cleanup)

  it('makes a corpus with a schema, an annotations folder and a .gitignore', function()
    local d = T.tmpdir() .. '/new corpus'
    local out, _, code = T.stance_run({ 'init', d })
    assert.are.equal(0, code)
    assert.truthy(out:find('initialized a corpus in', 1, true))
    assert.are.equal(require('stance.templates').schema, T.read(d .. '/.stance/schema.stance'))
    assert.truthy(T.read(d .. '/.stance/.gitignore'):find('index.bin', 1, true))
    assert.are.equal('directory', require('stance.core').stat(d .. '/.stance/annotations').type)
    local _, err
    _, err, code = T.stance_run({ 'init', d })
    assert.are.equal(0, code)
    assert.truthy(err:find('is a corpus already', 1, true))
  end)
end)

describe('stance index', function()
  after_each(T.cleanup)

  it('prints a summary line, and reuses the saved index', function()
    local d = corpus()
    local out, err, code = T.stance_run({ 'index' }, nil, d)
    assert.are.equal(0, code, err)
    assert.truthy(out:match('^2 documents %(2 indexed, 0 unchanged, 0 removed, 0 failed%), 10 words, [%d.]+ s\n$'), out)
    out = T.stance_run({ 'index', '--json', d })
    local j = require('stance.json').decode(out)
    assert.are.same({ 2, 0, 2 }, { j.documents, j.indexed, j.unchanged })
  end)

  it('exits 1 when the index could not be saved (a read-only index folder), and says so', function()
    local d = corpus()
    local _, err, code = T.stance_run({ 'index' }, nil, d)
    assert.are.equal(0, code, err)
    T.write(d .. '/three.txt', 'Diplomacy first.\n')
    local idx = d .. '/.stance/index.bin'
    -- (root ignores permissions: the folder is made immutable where chattr can, else read-only)
    local imm = select(3, T.run(('chattr +i %s 2>/dev/null'):format(T.q(idx)))) == 0
    if not imm then T.run(('chmod a-w %s'):format(T.q(idx))) end
    local out
    out, err, code = T.stance_run({ 'index' }, nil, d)
    local jout = T.stance_run({ 'index', '--json' }, nil, d)
    T.run(imm and ('chattr -i %s'):format(T.q(idx)) or ('chmod u+w %s'):format(T.q(idx)))
    if not imm and select(3, T.run('test "$(id -u)" = 0')) == 0 then
      return pending('neither chattr nor permissions can stop root writing here')
    end
    assert.are.equal(1, code, out)
    assert.truthy(err:find('stance index: not saved: ', 1, true), err)
    assert.truthy(out:find('the index is not saved', 1, true), out)
    assert.are.equal(false, require('stance.json').decode(jout).saved)
    -- once the folder is writable again, saved and exit 0
    out, err, code = T.stance_run({ 'index' }, nil, d)
    assert.are.equal(0, code, err)
    assert.falsy(out:find('not saved', 1, true), out)
  end)

  it('draws progress only on a terminal', function()
    local d = corpus()
    T.run(('lua5.4 %s/tests/bench/gen_corpus.lua %s 20 2000 3 2>/dev/null'):format(T.q(T.root), T.q(d .. '/gen')))
    local screen = T.run(('cd %s && script -qec %s /dev/null'):format(T.q(d), T.q(T.q(T.stance) .. ' index --rebuild')))
    assert.truthy(screen:find('indexing [', 1, true), screen)
    local _, err = T.stance_run({ 'index', '--rebuild' }, nil, d)
    assert.are.equal('', err)
  end)

  it('stops on Ctrl-C with status 130, leaving no partial index behind', function()
    local d = T.tmpdir()
    T.stance_run({ 'init', d })
    T.make_files(d .. '/docs', 400, 500000)
    local cmd = ('cd %s && %s index & pid=$!; sleep 0.15; kill -INT $pid; wait $pid'):format(T.q(d), T.q(T.stance))
    local out, err, code = T.run(cmd)
    -- Either Ctrl-C landed while indexing (130), or the machine indexed 200 MB in 150 ms.
    if code ~= 0 then
      assert.are.equal(130, code)
      assert.are.equal('', out)
      assert.are.equal('stance: interrupted\n', err)
    end
    local left = T.run(('ls -A %s/.stance'):format(T.q(d)))
    assert.falsy(left:find('tmp', 1, true), left)
    -- the next run finds a consistent state and indexes everything
    out, err, code = T.stance_run({ 'index' }, nil, d)
    assert.are.equal(0, code, err)
    assert.truthy(out:find('^400 documents'), out)
  end)

  it('fails outside a corpus', function()
    local _, err, code = T.stance_run({ 'index' }, nil, T.tmpdir())
    assert.are.equal(1, code)
    assert.truthy(err:find('not inside a corpus', 1, true))
  end)
end)

describe('stance search', function()
  after_each(T.cleanup)

  it('prints path:line:col: line, like grep -n', function()
    local out, _, code = T.stance_run({ 'search', 'sanctions' }, nil, corpus())
    assert.are.equal(0, code)
    assert.are.equal('one.txt:1:1: Sanctions failed.\nsub/two.md:1:17: Engagement, not sanctions.\n', out)
  end)

  it('finds phrases across line ends, and counts', function()
    local d = corpus()
    local out = T.stance_run({ 'search', '"human rights"' }, nil, d)
    assert.are.equal('one.txt:2:5: The human\n', out)
    assert.are.equal('3\n', T.stance_run({ 'search', '--count', 'sanctions', 'OR', 'human' }, nil, d))
    assert.are.equal('1\n', T.stance_run({ 'search', '--count', '--glob', '*.md', 'sanctions' }, nil, d))
  end)

  it('prints JSON lines and a concordance', function()
    local d = corpus()
    local out = T.stance_run({ 'search', '--json', 'engagement' }, nil, d)
    assert.are.equal('{"path":"sub/two.md","line":1,"col":1,"start":0,"stop":10,"match":"Engagement",'
      .. '"left":"","right":", not sanctions. "}\n', out)
    out = T.stance_run({ 'search', '--kwic', '--width', '10', 'sanctions' }, nil, d)
    -- ten code points each side, line ends shown as spaces, keywords aligned
    assert.are.equal('            Sanctions   failed. T  (one.txt:1)\n'
      .. 'ment, not   sanctions  .   (sub/two.md:1)\n', out)
  end)

  it('rejects a bad query in one line with status 2', function()
    local out, err, code = T.stance_run({ 'search', '"human' }, nil, corpus())
    assert.are.equal(2, code)
    assert.are.equal('', out)
    assert.are.equal('stance search: column 1: unterminated phrase (a closing " is missing)\n', err)
  end)

  it('refuses a query nested 30,000 deep with a message, and runs a long flat one', function()
    local d = corpus()
    local deep = ('('):rep(30000) .. 'sanctions' .. (')'):rep(30000)
    local out, err, code = T.stance_run({ 'search', deep }, nil, d)
    assert.are.equal(2, code)
    assert.are.equal('', out)
    assert.are.equal('stance search: column 65: the query nests too deeply (parentheses and NOT, more than 64 levels)\n', err)
    out, err, code = T.stance_run({ 'search', ('NOT '):rep(30000) .. 'sanctions' }, nil, d)
    assert.are.same({ 2, '' }, { code, out })
    assert.truthy(err:find('nests too deeply', 1, true))
    out, err, code = T.stance_run({ 'search', '--count', ('sanctions OR '):rep(5000) .. 'human' }, nil, d)
    assert.are.equal(0, code, err)
    assert.are.equal('3\n', out)
  end)

  it('--no-update searches the saved index as it is, and builds one that is missing', function()
    local d = corpus()
    -- no index yet: built, as without the flag
    assert.are.equal('2\n', T.stance_run({ 'search', '--no-update', '--count', 'sanctions' }, nil, d))
    T.write(d .. '/one.txt', 'Zeppelins failed.\n')
    T.write(d .. '/three.txt', 'A zeppelin.\n')
    -- the files are not looked at: the index as saved answers, and is left as it is
    assert.are.equal('2\n', T.stance_run({ 'search', '--no-update', '--count', 'sanctions' }, nil, d))
    assert.are.equal('0\n', T.stance_run({ 'search', '--no-update', '--count', 'zeppelin*' }, nil, d))
    -- but a hit shown is shown as its document is now: checked and indexed again first
    assert.are.equal('', T.stance_run({ 'search', '--no-update', 'sanctions', 'NOT', 'engagement' }, nil, d))
    assert.are.equal('1\n', T.stance_run({ 'search', '--no-update', '--count', 'zeppelin*' }, nil, d))
    -- without the flag the index is brought up to date first
    assert.are.equal('2\n', T.stance_run({ 'search', '--count', 'zeppelin*' }, nil, d))
    assert.are.equal('2\n', T.stance_run({ 'search', '--no-update', '--count', 'zeppelin*' }, nil, d))
    -- a damaged index is not trusted, with or without the flag: built again
    local meta = d .. '/.stance/index.bin/meta'
    local bytes = T.read(meta)
    T.write(meta, bytes:sub(1, 100) .. 'X' .. bytes:sub(102))
    local out, err, code = T.stance_run({ 'search', '--no-update', '--count', 'zeppelin*' }, nil, d)
    assert.are.same({ 0, '2\n' }, { code, out }, err)
  end)

  it('sees every change made since the index was saved (the check without a watcher)', function()
    -- one corpus per change, each indexed more than 2 s after it was written: nothing racy
    -- (a change within the clock's resolution of the index is read again anyway), so each
    -- change is what the check has to find
    local changes = {
      none = function() end,
      changed = function(d) T.write(d .. '/one.txt', 'Nothing.\n') end,
      -- the same size, the modification time put back: the change time tells
      same_size = function(d, keep)
        T.run(('cp -p %s %s'):format(T.q(d .. '/one.txt'), T.q(keep .. '/one.txt')))
        T.write(d .. '/one.txt', 'Zanctions failed.\nThe human\nrights record matters.\n')
        T.run(('touch -m -r %s %s'):format(T.q(keep .. '/one.txt'), T.q(d .. '/one.txt')))
      end,
      added = function(d) T.write(d .. '/sub/three.txt', 'More sanctions.\n') end,
      added_in_new_folders = function(d) T.write(d .. '/new/deep/four.txt', 'More sanctions.\n') end,
      deleted = function(d) os.remove(d .. '/sub/two.md') end,
      renamed = function(d) assert(os.rename(d .. '/sub/two.md', d .. '/sub/renamed.md')) end,
      folder_renamed = function(d) assert(os.rename(d .. '/sub', d .. '/other')) end,
      moved_to_a_new_folder = function(d)
        T.run('mkdir ' .. T.q(d .. '/sub/n'))
        assert(os.rename(d .. '/sub/two.md', d .. '/sub/n/two.md'))
      end,
      replaced = function(d)
        T.write(d .. '/sub/.two.md.swp', 'Engagement, not zanctions.\n')
        assert(os.rename(d .. '/sub/.two.md.swp', d .. '/sub/two.md'))
      end,
    }
    local expect = {
      none = 'one.txt:1:1: Sanctions failed.\nsub/two.md:1:17: Engagement, not sanctions.\n',
      changed = 'sub/two.md:1:17: Engagement, not sanctions.\n',
      same_size = 'sub/two.md:1:17: Engagement, not sanctions.\n',
      added = 'one.txt:1:1: Sanctions failed.\nsub/three.txt:1:6: More sanctions.\n'
        .. 'sub/two.md:1:17: Engagement, not sanctions.\n',
      added_in_new_folders = 'new/deep/four.txt:1:6: More sanctions.\none.txt:1:1: Sanctions failed.\n'
        .. 'sub/two.md:1:17: Engagement, not sanctions.\n',
      deleted = 'one.txt:1:1: Sanctions failed.\n',
      renamed = 'one.txt:1:1: Sanctions failed.\nsub/renamed.md:1:17: Engagement, not sanctions.\n',
      folder_renamed = 'one.txt:1:1: Sanctions failed.\nother/two.md:1:17: Engagement, not sanctions.\n',
      moved_to_a_new_folder = 'one.txt:1:1: Sanctions failed.\nsub/n/two.md:1:17: Engagement, not sanctions.\n',
      replaced = 'one.txt:1:1: Sanctions failed.\n',
    }
    local dirs = {}
    for name in pairs(changes) do dirs[name] = corpus() end
    T.run('sleep 2.2')
    for _, d in pairs(dirs) do
      local _, err, code = T.stance_run({ 'index', d })
      assert.are.equal(0, code, err)
    end
    -- unchanged: found current here, by one stat per document, without the worker
    local c = assert(require('stance').open(dirs.none))
    local st = assert(c:index())
    assert.are.same({ true, 2, 2, 0 }, { st.current, st.seen, st.unchanged, st.indexed })
    assert.are.equal(2, c:search('sanctions', { count = true }))
    for name, d in pairs(dirs) do changes[name](d, T.tmpdir()) end
    local changed_at = require('stance.core').hrtime()
    for name, d in pairs(dirs) do
      local out, err, code = T.stance_run({ 'search', 'sanctions' }, nil, d)
      assert.are.same({ 0, expect[name] }, { code, out }, name .. ': ' .. err)
      -- and the index saved by that search knows it: --no-update answers the same
      out = T.stance_run({ 'search', '--no-update', 'sanctions' }, nil, d)
      assert.are.equal(expect[name], out, name)
    end
    -- a change found makes the next check an update's while it is racy (the file changed
    -- within 2 s of the save: its stat cannot vouch for it), which agrees; later the saved
    -- index is current (so checked only when this machine got here well within those 2 s:
    -- a loaded one did not)
    c = assert(require('stance').open(dirs.changed))
    local soon = (require('stance.core').hrtime() - changed_at) / 1e9 < 1.5
    st = assert(c:index())
    if soon then assert.is_nil(st.current) end
    assert.are.equal(1, c:search('sanctions', { count = true }))
  end)

  it('reads only the pages of the saved index it needs, and rebuilds one found damaged or old', function()
    -- enough documents with long names for the saved documents' table to span many pages
    local d = T.tmpdir()
    T.stance_run({ 'init', d })
    local names = {}
    for i = 1, 200 do
      local name = ('folder-%d-with-a-long-name/an-article-with-a-long-file-name-%03d.txt'):format(i % 3, i)
      names[#names + 1] = name
      T.write(d .. '/' .. name, ('Sanctions again, article %d.\n'):format(i) .. (i == 200 and 'Zeppelins.\n' or ''))
    end
    local _, err, code = T.stance_run({ 'index', d })
    assert.are.equal(0, code, err)
    local meta = d .. '/.stance/index.bin/meta'
    local good = T.read(meta)
    assert.truthy(#good > 4 * 4096, #good)
    -- the last page (paths of the last documents in path order) damaged
    local function damaged()
      T.write(meta, good:sub(1, #good - 20) .. 'X' .. good:sub(#good - 18))
    end
    damaged()
    -- a count from the saved index reads no path: it answers from the segments
    assert.are.equal('200\n', T.stance_run({ 'search', '--no-update', '--count', 'sanctions' }, nil, d))
    -- hits shown read their paths: the damage is found, the index built again, the hit right
    local out, serr, scode = T.stance_run({ 'search', '--no-update', 'zeppelins' }, nil, d)
    assert.are.same({ 0, names[200] .. ':2:1: Zeppelins.\n' }, { scode, out }, serr)
    assert.are_not.equal(good, T.read(meta))
    -- an update decodes every document: damaged, it starts from nothing, and says so
    T.stance_run({ 'index', d })
    good = T.read(meta)
    damaged()
    out, serr, scode = T.stance_run({ 'index', d })
    assert.are.equal(0, scode, serr)
    assert.truthy(out:find('200 indexed', 1, true), out)
    assert.truthy((out .. serr):find('damaged', 1, true), out .. serr)
    assert.are.equal('200\n', T.stance_run({ 'search', '--count', 'sanctions' }, nil, d))
    -- an index of the format before (version 4): never read, built again
    good = T.read(meta)
    T.write(meta, good:sub(1, 8) .. '\4' .. good:sub(10))
    out, serr, scode = T.stance_run({ 'index', d })
    assert.are.equal(0, scode, serr)
    assert.truthy(out:find('200 indexed', 1, true), out)
    assert.truthy((out .. serr):find('version 4', 1, true), out .. serr)
    assert.are.equal('1\n', T.stance_run({ 'search', '--no-update', '--count', 'zeppelins' }, nil, d))
  end)

  it('starts no other process (no git, no shell)', function()
    local d = corpus()
    -- a `git` and an `sh` that would leave a mark, first on PATH
    local bin = T.tmpdir()
    for _, name in ipairs({ 'git', 'sh' }) do
      T.write(bin .. '/' .. name, '#!/bin/dash\necho "$0 $*" >> ' .. T.q(bin .. '/ran') .. '\n')
      T.run('chmod +x ' .. T.q(bin .. '/' .. name))
    end
    local env = ('env -u STANCE_ANNOTATOR PATH=%s:"$PATH" '):format(T.q(bin))
    for _, args in ipairs({ "search sanctions", "search --count sanctions", "index" }) do
      local out, err, code = T.run(('cd %s && %s%s %s'):format(T.q(d), env, T.q(T.stance), args))
      assert.are.equal(0, code, err)
      assert.truthy(#out > 0)
    end
    local ran = require('stance.core').stat(bin .. '/ran') and T.read(bin .. '/ran')
    assert.is_falsy(ran, ran)
  end)

  it('loads libcrypto only when it hashes (a count hashes nothing)', function()
    -- glibc's loader names every library it loads under LD_DEBUG=libs
    local _, probe = T.run('LD_DEBUG=libs ' .. T.q(T.stance) .. ' version')
    if not probe:find('calling init:', 1, true) then
      pending('no glibc loader here to tell which libraries a process loads')
      return
    end
    local d = corpus()
    -- the index made more than 2 s after the documents changed: a document changed within
    -- 2 s of its index is racy, hashed again by the next check (git's racily-clean rule)
    T.run('sleep 2.2')
    T.stance_run({ 'index', d })
    for _, args in ipairs({ 'search --count sanctions', 'search --count --no-update sanctions', 'version' }) do
      local out, err, code = T.run(('cd %s && LD_DEBUG=libs %s %s'):format(T.q(d), T.q(T.stance), args))
      assert.are.equal(0, code, err)
      assert.truthy(#out > 0)
      assert.is_nil(err:find('libcrypto', 1, true), args)
    end
    -- hashing loads it, and hashes as sha256sum does
    local out, err, code = T.run(('LD_DEBUG=libs %s hash %s'):format(T.q(T.stance), T.q(d)))
    assert.are.equal(0, code, err)
    assert.truthy(err:find('libcrypto', 1, true))
    assert.truthy(out:find(T.sha256sum(d):match('^(%x+)  one%.txt'), 1, true), out)
  end)
end)

