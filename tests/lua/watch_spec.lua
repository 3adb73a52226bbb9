-- stance watch: a watcher that keeps the saved index current and vouches for it to
-- searches (which then skip the stat of every document), and every way it can be absent,
-- dead, hung, doubled, overflowed or impersonated, where a search checks for itself.
local T = require('helpers')
local core = require('stance.core')

local W = require('helpers.watcher')
local linux, kill, gone = W.linux, W.kill, W.gone

--- A corpus of a few documents, indexed.
local function corpus()
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  T.write(d .. '/a.txt', 'Sanctions work.\n')
  T.write(d .. '/sub/b.txt', 'More sanctions, and engagement.\n')
  T.write(d .. '/sub/deep/c.txt', 'Engagement only.\n')
  return d
end

local sleep = W.sleep

--- Start `stance watch` on `d` in the background: its pid, once it vouches for the index
--- (or nil and its log when it ended).
local function start(d, limit_fds)
  local log = d .. '.watch.log'
  local pre = limit_fds and ('ulimit -n %d; '):format(limit_fds) or ''
  local out = T.run(('(%sexec %s watch %s >%s 2>&1 </dev/null) & echo $!'):format(pre, T.q(T.stance), T.q(d), T.q(log)))
  local pid = assert(tonumber(out:match('%d+')))
  for _ = 1, 400 do
    local _, _, code = T.stance_run({ 'watch', '--status', d })
    if code == 0 then return pid end
    if not core.exists('/proc/' .. pid) or (T.read('/proc/' .. pid .. '/stat'):match('^%d+ %b() (%a)') == 'Z') then
      return nil, T.exists(log) and T.read(log) or ''
    end
    sleep(0.05)
  end
  error('the watcher did not vouch within 20 s: ' .. (T.exists(log) and T.read(log) or ''))
end

--- What a fresh process sees: whether the watcher vouched, and the number of hits of `q`.
local function search_once(d, q)
  local script = d .. '.search.lua'
  T.write(script, [[
local c = assert(require('stance').open(arg[1]))
local st = assert(c:index())
io.write(tostring(st.vouched == true), ' ', c:search(arg[2], { count = true }), '\n')
]])
  local out, err, code = T.stance_run({ 'run', script, d, q })
  assert(code == 0, err)
  local v, n = out:match('^(%a+) (%d+)')
  return v == 'true', tonumber(n)
end

--- The same, with two more tries when the watcher did not vouch (a live watcher answers
--- within a second, which a loaded machine may miss; the count must be right every time).
local function search(d, q)
  local v, n = search_once(d, q)
  for _ = 1, 2 do
    if v then break end
    local n2
    v, n2 = search_once(d, q)
    assert.are.equal(n, n2)
  end
  return v, n
end

describe('stance watch', function()
  local pids = {}
  after_each(function()
    for _, pid in ipairs(pids) do
      kill(pid, 'CONT')
      kill(pid, 'KILL')
    end
    pids = {}
    T.cleanup()
  end)

  local function watch(d, limit_fds)
    local pid, log = start(d, limit_fds)
    assert(pid, log)
    pids[#pids + 1] = pid
    return pid
  end

  it('vouches for the index: a document edited, added, removed, renamed is seen by the next search', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    watch(d)
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
    -- edited in place (the same size, and within the same second: no stat would tell)
    local f = assert(io.open(d .. '/a.txt', 'r+b'))
    f:write('Zanctions')
    f:close()
    assert.are.same({ true, 1 }, { search(d, 'sanctions') })
    assert.are.same({ true, 1 }, { search(d, 'zanctions') })
    -- added, in a folder with documents and in a new folder (watched from then on)
    T.write(d .. '/sub/new.txt', 'Sanctions again.\n')
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
    T.write(d .. '/fresh/x/y.txt', 'Sanctions in a new folder.\n')
    assert.are.same({ true, 3 }, { search(d, 'sanctions') })
    T.write(d .. '/fresh/x/z.txt', 'Sanctions, later, in it.\n')
    assert.are.same({ true, 4 }, { search(d, 'sanctions') })
    -- removed
    os.remove(d .. '/sub/new.txt')
    assert.are.same({ true, 3 }, { search(d, 'sanctions') })
    -- renamed: a document, and a folder of documents
    assert(os.rename(d .. '/sub/b.txt', d .. '/sub/deep/b2.txt'))
    assert.are.same({ true, 3 }, { search(d, 'sanctions') })
    local out = T.stance_run({ 'search', '--corpus', d, 'sanctions' })
    assert.truthy(out:find('sub/deep/b2.txt:1:6:', 1, true), out)
    assert(os.rename(d .. '/fresh', d .. '/moved'))
    out = T.stance_run({ 'search', '--corpus', d, 'sanctions' })
    assert.truthy(out:find('moved/x/y.txt:1:1:', 1, true), out)
    assert.falsy(out:find('fresh/', 1, true), out)
    assert.are.same({ true, 3 }, { search(d, 'sanctions') })
    -- the saved index is kept current without any search: --no-update sees it too
    T.write(d .. '/late.txt', 'Sanctions, saved by the watcher.\n')
    local n
    for _ = 1, 200 do
      n = T.stance_run({ 'search', '--count', '--no-update', '--corpus', d, 'sanctions' })
      if n == '4\n' then break end
      sleep(0.05)
    end
    assert.are.equal('4\n', n)
    -- the schema's globs changed: a full check, with the new globs
    local schema = T.read(d .. '/.stance/schema.stance')
    local changed, k = schema:gsub('\ncorpus\n', '\ncorpus\n  exclude "y.txt" "z.txt"\n', 1)
    assert.are.equal(1, k)
    T.write(d .. '/.stance/schema.stance', changed)
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
    T.write(d .. '/.stance/schema.stance', schema)
    assert.are.same({ true, 4 }, { search(d, 'sanctions') })
  end)

  it('answers nothing once killed, hung, or absent: the search checks every document', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    -- absent: the same answers as always
    assert.are.same({ false, 2 }, { search(d, 'sanctions') })
    local pid = watch(d)
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
    -- hung (stopped): the search waits a second for it, then checks for itself
    kill(pid, 'STOP')
    T.write(d .. '/d.txt', 'Sanctions while it sleeps.\n')
    assert.are.same({ false, 3 }, { search(d, 'sanctions') })
    kill(pid, 'CONT')
    assert.are.same({ true, 3 }, { search(d, 'sanctions') })
    -- killed: its socket stays behind, nobody listens
    kill(pid, 'KILL')
    assert.is_true(gone(pid))
    assert.truthy(core.stat(d .. '/.stance/watch.sock'))
    T.write(d .. '/e.txt', 'Sanctions after its death.\n')
    assert.are.same({ false, 4 }, { search(d, 'sanctions') })
    local out, _, code = T.stance_run({ 'watch', '--status', d })
    assert.are.equal(1, code, out)
    assert.truthy(out:find('not vouched for', 1, true), out)
    -- a new watcher takes the dead one's place
    watch(d)
    T.write(d .. '/f.txt', 'Sanctions for the new one.\n')
    assert.are.same({ true, 5 }, { search(d, 'sanctions') })
  end)

  it('runs once per corpus: a second watcher stops at once', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    watch(d)
    local out, err, code = T.stance_run({ 'watch', d })
    assert.are.equal(1, code, out)
    assert.truthy(err:find('a watcher already runs for this corpus', 1, true), err)
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
  end)

  it('sees every change after its event queue overflowed: documents, new and renamed folders', function()
    if not linux then return pending('no inotify on this system') end
    local limit = tonumber(T.read('/proc/sys/fs/inotify/max_queued_events'))
    if not limit or limit > 100000 then return pending('the inotify queue is too long to overflow here') end
    local d = corpus()
    local pid = watch(d)
    kill(pid, 'STOP')
    -- more events than the queue holds, on one document (two a write: few paths, so that only
    -- the overflow tells), then a new folder, a renamed one and a document among them
    T.run(('cd %s && for i in $(seq %d); do echo engagement $i > churn.txt; done'):format(T.q(d), limit))
    T.write(d .. '/newdir/n.txt', 'yankee\n')
    assert(os.rename(d .. '/sub/deep', d .. '/sub/renamed'))
    T.write(d .. '/last.txt', 'Sanctions among many.\n')
    kill(pid, 'CONT')
    assert.are.same({ true, 3 }, { search(d, 'sanctions') })
    assert.are.same({ true, 3 }, { search(d, 'engagement') })
    assert.are.same({ true, 1 }, { search(d, 'yankee') })
    -- the folders made or renamed meanwhile are watched, under their names of now
    T.write(d .. '/newdir/n.txt', 'zebra\n')
    T.write(d .. '/sub/renamed/x.txt', 'bravo\n')
    assert.are.same({ true, 1 }, { search(d, 'zebra') })
    assert.are.same({ true, 1 }, { search(d, 'bravo') })
    local out = T.stance_run({ 'search', '--corpus', d, 'bravo' })
    assert.are.equal('sub/renamed/x.txt:1:1: bravo\n', out)
  end)

  it('goes on when the corpus folder or .stance is touched, and never makes a search wait on a full queue', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    local pid = watch(d)
    T.run(('touch %s && chmod 755 %s && touch %s'):format(T.q(d), T.q(d .. '/.stance'), T.q(d .. '/sub')))
    T.write(d .. '/t.txt', 'Sanctions after a touch.\n')
    assert.are.same({ true, 3 }, { search(d, 'sanctions') })
    -- stopped, with its backlog of connections full: a search does not wait for ever
    kill(pid, 'STOP')
    local script = d .. '.flood.lua'
    T.write(script, [[
local core = require('stance.core')
local held = {}
for _ = 1, 300 do
  local sd = core.stance_dir(arg[1] .. '/.stance')
  local conn = sd and sd:connect('watch.sock')
  if sd then sd:close() end
  held[#held + 1] = conn
end
local c = assert(require('stance').open(arg[1]))
local st = assert(c:index())
io.write(tostring(st.vouched == true), ' ', c:search('sanctions', { count = true }), '\n')
]])
    local out, err, code = T.run(('timeout 60 %s run %s %s'):format(T.q(T.stance), T.q(script), T.q(d)))
    assert.are.equal(0, code, err)
    assert.are.equal('false 3\n', out)
    kill(pid, 'CONT')
  end)

  it('out of descriptors, neither spins nor stays deaf: idle connections are closed, the rest refused', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    local pid = watch(d, 40)
    local script = d .. '.idle.lua'
    T.write(script, [[
local core = require('stance.core')
local function cpu()
  local f = assert(io.open('/proc/' .. arg[2] .. '/stat'))
  local s = f:read('*a')
  f:close()
  local utime, stime = s:match('^%d+ %b() %a' .. (' %-?%d+'):rep(10) .. ' (%d+) (%d+)')
  return tonumber(utime) + tonumber(stime)
end
-- more connections than the watcher has descriptors, none sending a request
local held = {}
for _ = 1, 80 do
  local sd = assert(core.stance_dir(arg[1] .. '/.stance'))
  held[#held + 1] = sd:connect('watch.sock')
  sd:close()
end
os.execute('sleep 0.3')
local t0 = cpu()
os.execute('sleep 1')
local ticks = cpu() - t0
-- the idle ones closed by the watcher (5 s): a search has its word again
os.execute('sleep 6')
local c = assert(require('stance').open(arg[1]))
local st = assert(c:index())
io.write(ticks, ' ', tostring(st.vouched == true), ' ', c:search('sanctions', { count = true }), '\n')
]])
    local out, err, code = T.run(('timeout 60 %s run %s %s %d'):format(T.q(T.stance), T.q(script), T.q(d), pid))
    assert.are.equal(0, code, err)
    local ticks, rest = out:match('^(%d+) (.*)$')
    -- a spinning watcher burns ~100 ticks a second; one asleep in poll, none
    assert.is_true(tonumber(ticks) < 30, 'the watcher spun: ' .. out)
    assert.are.equal('true 2\n', rest)
  end)

  it('refuses a socket, a lock or a cookie that is not its own (a collaborator\'s committed files)', function()
    if not linux then return pending('no inotify on this system') end
    -- the socket's name taken by a committed file, or a link out: the watcher does not start,
    -- writes nothing through it, and searches check for themselves
    for _, kind in ipairs({ 'file', 'link', 'fifo' }) do
      local d = corpus()
      local outside = T.tmpdir() .. '/target'
      T.write(outside, 'not to be touched\n')
      local sock = d .. '/.stance/watch.sock'
      if kind == 'file' then
        T.write(sock, 'committed\n')
      elseif kind == 'link' then
        T.run(('ln -s %s %s'):format(T.q(outside), T.q(sock)))
      else
        T.run('mkfifo ' .. T.q(sock))
      end
      local pid, log = start(d)
      if pid then pids[#pids + 1] = pid end
      assert.is_nil(pid, kind)
      assert.truthy(log:find('not our socket', 1, true), log)
      assert.are.equal('not to be touched\n', T.read(outside))
      assert.are.same({ false, 2 }, { search(d, 'sanctions') })
      local out, _, code = T.stance_run({ 'watch', '--status', d })
      assert.are.equal(1, code, out)
    end
    -- the lock's name a link out: refused, the target untouched
    local d = corpus()
    local outside = T.tmpdir() .. '/target'
    T.write(outside, 'not to be touched\n')
    T.run(('ln -s %s %s'):format(T.q(outside), T.q(d .. '/.stance/watch.lock')))
    local pid, log = start(d)
    if pid then pids[#pids + 1] = pid end
    assert.is_nil(pid)
    assert.truthy(#log > 0)
    assert.are.equal('not to be touched\n', T.read(outside))
    -- a committed file named like a cookie: never written, never removed
    d = corpus()
    T.write(d .. '/.stance/watch-cookie-1-1', 'committed\n')
    watch(d)
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
    assert.are.equal('committed\n', T.read(d .. '/.stance/watch-cookie-1-1'))
  end)

  it('takes no word from another user\'s watcher (its socket, or a socket of ours it listens on)', function()
    if not linux then return pending('no inotify on this system') end
    local uid = T.run('id -u')
    local setpriv = T.run('command -v setpriv')
    if uid ~= '0\n' or setpriv == '' then return pending('needs root and setpriv to run a watcher as nobody') end
    local d = corpus()
    T.run(('chmod -R a+rwX %s && chmod a+rx %s'):format(T.q(d), T.q(d:match('^(.*)/'))))
    local log = d .. '.nobody.log'
    local out = T.run(('setpriv --reuid=65534 --regid=65534 --clear-groups %s watch %s >%s 2>&1 </dev/null & echo $!'):format(
      T.q(T.stance), T.q(d), T.q(log)))
    local pid = assert(tonumber(out:match('%d+')))
    pids[#pids + 1] = pid
    local sock = d .. '/.stance/watch.sock'
    for _ = 1, 400 do
      if core.stat(sock) or gone(pid) then break end
      sleep(0.05)
    end
    if not core.stat(sock) then return pending('nobody cannot run stance here: ' .. T.read(log)) end
    -- its socket: refused before connecting
    local status = T.stance_run({ 'watch', '--status', d })
    assert.truthy(status:find('not a socket of this user', 1, true), status)
    assert.are.same({ false, 2 }, { search(d, 'sanctions') })
    -- the socket made ours, the process behind it still nobody's: refused after connecting
    T.run('chown 0 ' .. T.q(sock))
    status = T.stance_run({ 'watch', '--status', d })
    assert.truthy(status:find('another user', 1, true), status)
    T.write(d .. '/new.txt', 'Sanctions it must not vouch for.\n')
    assert.are.same({ false, 3 }, { search(d, 'sanctions') })
  end)

  it('takes no word for an index chosen by other globs than the search\'s (a linked schema changed unseen)', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    -- the schema a link to another file of the corpus (a link out of it is never read):
    -- a change of that file is no change of .stance/schema.stance to the watcher
    local target = d .. '/schemas/study.stance'
    local schema = T.read(d .. '/.stance/schema.stance')
    local function with_exclude(glob)
      local s, k = schema:gsub('\ncorpus\n', '\ncorpus\n  exclude "' .. glob .. '"\n', 1)
      assert.are.equal(1, k)
      return s
    end
    T.write(target, with_exclude('q.txt'))
    os.remove(d .. '/.stance/schema.stance')
    T.run(('ln -s ../schemas/study.stance %s'):format(T.q(d .. '/.stance/schema.stance')))
    watch(d)
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
    -- the target replaced (as an editor saves): the next search has the new globs
    T.write(target .. '.new', with_exclude('a.txt'))
    assert(os.rename(target .. '.new', target))
    local _, n = search(d, 'sanctions')
    assert.are.equal(1, n)
    -- edited in place to the same size, its time set back to the very nanosecond: the change
    -- time tells (no one sets it back), so the watcher reads the schema again
    local before = assert(core.stat(target))
    local f = assert(io.open(target, 'r+b'))
    f:write(with_exclude('q.txt'))
    f:close()
    T.run(('touch -d @%d.%09d %s'):format(before.mtime, before.mtime_ns, T.q(target)))
    local after = assert(core.stat(target))
    assert.are.same({ before.ino, before.size, before.mtime, before.mtime_ns },
      { after.ino, after.size, after.mtime, after.mtime_ns })
    assert.are_not.equal(before.ctime * 1e9 + before.ctime_ns, after.ctime * 1e9 + after.ctime_ns)
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
    T.write(d .. '/sub/e.txt', 'Sanctions, after.\n')
    assert.are.same({ true, 3 }, { search(d, 'sanctions') })
  end)

  it('takes a search\'s globs from the schema a watcher names only while it is that file, unchanged', function()
    if not linux then return pending('no inotify on this system') end
    -- a stand-in for a watcher (one that answers what it is told to): the index saved with
    -- the schema excluding a.txt, the schema now without the exclude
    local d = corpus()
    local schema_path = d .. '/.stance/schema.stance'
    local schema = T.read(schema_path)
    local excluding = schema:gsub('\ncorpus\n', '\ncorpus\n  exclude "a.txt"\n', 1)
    local indexer = require('stance.indexer')
    -- the index saved by the excluding schema, the schema then replaced: that schema's id
    local function stale()
      T.write(schema_path, excluding)
      local _, err, code = T.stance_run({ 'index', d })
      assert(code == 0, err)
      local id = indexer.schema_id(d)
      T.write(schema_path .. '.new', schema)
      assert(os.rename(schema_path .. '.new', schema_path))
      return id
    end
    local fake = d .. '.fake.lua'
    T.write(fake, [[
local core = require('stance.core')
local root, schema_line = arg[1], arg[2]
local sd = assert(core.stance_dir(root .. '/.stance'))
local l = assert(sd:listen('watch.sock'))
local done = root .. '.fake-done'
while not core.exists(done) do
  core.poll({ l:fd() }, 50)
  local conn = l:accept()
  if conn then
    conn:read_line(1000)
    local id = require('stance.indexer').saved_id(root)
    conn:send('seen\ncurrent ' .. id .. '\n' .. (schema_line ~= '' and (schema_line .. '\n') or ''))
    conn:close()
  end
end
l:close()
sd:remove('watch.sock')
]])
    local function with_fake(schema_line, fn)
      local out = T.run(('%s run %s %s %s >/dev/null 2>&1 </dev/null & echo $!'):format(T.q(T.stance), T.q(fake),
        T.q(d), T.q(schema_line)))
      local pid = assert(tonumber(out:match('%d+')))
      pids[#pids + 1] = pid
      for _ = 1, 400 do
        if core.exists(d .. '/.stance/watch.sock') then break end
        sleep(0.05)
      end
      local ok, err = pcall(fn)
      T.write(d .. '.fake-done', '')
      assert(gone(pid))
      os.remove(d .. '.fake-done')
      assert(ok, err)
    end
    -- it names the schema the index was made by (another file than the one here now), or
    -- none (an older watcher): the search reads the schema, finds other globs, checks itself
    for _, named in ipairs({ true, false }) do
      local old = stale()
      with_fake(named and ('schema ' .. old) or '', function()
        assert.are.same({ false, 2 }, { search_once(d, 'sanctions') })
      end)
    end
    -- that check saved an index of the search's globs: a watcher naming the schema here now
    -- is taken at its word, and so is one naming none (the globs read and compared)
    for _, line in ipairs({ 'schema ' .. indexer.schema_id(d), '' }) do
      with_fake(line, function()
        assert.are.same({ true, 2 }, { search_once(d, 'sanctions') })
      end)
    end
  end)

  it('names the schema it chose the documents by only once the schema has settled', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    watch(d)
    local client, indexer = require('stance.watch.client'), require('stance.indexer')
    local schema_path = d .. '/.stance/schema.stance'
    T.write(schema_path, T.read(schema_path) .. '\n')
    local changed = os.time()
    -- named only when the schema had not changed for 3 s when read (a change within the
    -- same tick of the clock would not show in its identity); named in the end
    local named
    for _ = 1, 400 do
      local id, err, schema = client.current(d)
      assert.truthy(id, err)
      local now = os.time()
      if schema then
        assert.is_true(now >= changed + 3, ('named %d s after the change'):format(now - changed))
        named = schema
        break
      end
      sleep(0.05)
    end
    assert.are.equal(indexer.schema_id(d), named)
    assert.are.same({ true, 2 }, { search(d, 'sanctions') })
  end)

  it('re-checks a changed document\'s hard links (the same file under other names, without an event)', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    T.write(d .. '/h1.txt', 'Hotel.\n')
    T.run(('ln %s %s'):format(T.q(d .. '/h1.txt'), T.q(d .. '/sub/h2.txt')))
    watch(d)
    assert.are.same({ true, 2 }, { search(d, 'hotel') })
    -- edited in place through one name: both names have the new words
    T.write(d .. '/h1.txt', 'Juliet.\n')
    assert.are.same({ true, 2 }, { search(d, 'juliet') })
    assert.are.same({ true, 0 }, { search(d, 'hotel') })
    -- a link made while it watches, then edited through it; and through a name that is no
    -- document (not taken by the globs)
    T.run(('ln %s %s'):format(T.q(d .. '/h1.txt'), T.q(d .. '/sub/deep/h3.txt')))
    T.write(d .. '/sub/deep/h3.txt', 'Kilo.\n')
    assert.are.same({ true, 3 }, { search(d, 'kilo') })
    T.run(('ln %s %s'):format(T.q(d .. '/h1.txt'), T.q(d .. '/h1.bak')))
    T.write(d .. '/h1.bak', 'Lima.\n')
    assert.are.same({ true, 3 }, { search(d, 'lima') })
    -- one name removed: the others still follow the file
    os.remove(d .. '/sub/h2.txt')
    T.write(d .. '/h1.bak', 'Mike.\n')
    assert.are.same({ true, 2 }, { search(d, 'mike') })
  end)

  it('is not asked through a .stance that is a link out of the corpus', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    local sd = core.stance_dir(d .. '/.stance')
    assert.truthy(sd)
    sd:close()
    local other = T.tmpdir()
    T.run(('mv %s %s && ln -s %s %s'):format(T.q(d .. '/.stance'), T.q(other .. '/st'), T.q(other .. '/st'),
      T.q(d .. '/.stance')))
    local none, err = core.stance_dir(d .. '/.stance')
    assert.is_nil(none)
    assert.truthy(err)
    assert.is_nil((require('stance.watch.client').current(d)))
  end)

  it('names every event\'s folder after thousands of folders came and went (the table by watch)', function()
    if not linux then return pending('no inotify on this system') end
    local d, fs = T.tmpdir(), require('stance.fs')
    local n = 3000
    for i = 1, n do
      assert(fs.mkdir_p(('%s/d%05d'):format(d, i)))
    end
    local ino = assert(core.inotify())
    assert.are.equal(n + 1, assert(ino:add(d, '', true)))
    local events = {}
    local function drain()
      for _ = 1, 100 do
        local ev = ino:read()
        if #ev == 0 then break end
        for _, e in ipairs(ev) do
          events[#events + 1] = e
        end
      end
    end
    -- two thirds go (each watch's slot freed), then new folders take new watches
    for i = 1, n do
      if i % 3 ~= 0 then assert(os.remove(('%s/d%05d'):format(d, i))) end
      if i % 500 == 0 then drain() end
    end
    for i = n + 1, n + math.floor(n / 2) do
      local rel = ('d%05d'):format(i)
      assert(fs.mkdir_p(d .. '/' .. rel))
      assert(ino:add(d .. '/' .. rel, rel, false))
    end
    drain()
    events = {}
    local want = {}
    for i = 1, n + math.floor(n / 2) do
      if i > n or i % 3 == 0 then
        local rel = ('d%05d'):format(i)
        T.write(d .. '/' .. rel .. '/x.txt', 'x')
        want[rel] = true
        if i % 500 == 0 then drain() end
      end
    end
    drain()
    local got = {}
    for _, e in ipairs(events) do
      local rel = e.path:match('^(d%d+)/x%.txt$')
      if rel then got[rel] = true end
    end
    for rel in pairs(want) do
      assert.truthy(got[rel], rel)
    end
    ino:close()
  end)
end)
