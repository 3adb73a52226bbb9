-- The C module in plain Lua (5.4 and LuaJIT): versions, hashing, file helpers, the worker.
local T = require('helpers')
local core = require('stance.core')

local function run_job(w, job)
  local events = {}
  while job:state() == 'pending' or job:state() == 'running' or #events == 0
    or events[#events].kind ~= 'done' do
    for _, ev in ipairs(w:wait(1000)) do
      events[#events + 1] = ev
    end
  end
  return events
end

describe('stance.core', function()
  after_each(T.cleanup)

  it('reports the versions it was built with', function()
    local v = core.version()
    assert.are.equal('0.1.0', v.stance)
    assert.truthy(v.libuv:match('^%d+%.%d+%.%d+$'))
    assert.are.equal(14, v.treesitter_abi)
    assert.are.equal(13, v.treesitter_min_abi)
    local abi = (jit or _VERSION == 'Lua 5.1') and '5.1' or _VERSION:match('%d+%.%d+')
    assert.are.equal(abi, v.lua_abi)
  end)

  it('counts the cores it may use, or as many as STANCE_THREADS says', function()
    local n = core.cpus()
    assert.is_true(n >= 1)
    local function cpus(env)
      local d = T.tmpdir()
      T.write(d .. '/cpus.lua', "print(require('stance.core').cpus(), require('stance.core').worker():tasks())")
      local out, err, code = T.run(('%s %s run %s'):format(env, T.q(T.stance), T.q(d .. '/cpus.lua')))
      assert.are.equal(0, code, err)
      return out:match('^(%d+)%s+(%d+)')
    end
    assert.are.same({ '3', '3' }, { cpus('STANCE_THREADS=3') })
    assert.are.same({ '1', '1' }, { cpus('STANCE_THREADS=1') })
    assert.are.same({ tostring(n), tostring(math.min(n, 4)) }, { cpus('STANCE_THREADS=lots') }) -- ignored
    if os.execute('command -v taskset >/dev/null') then
      assert.are.same({ '1', '1' }, { cpus('taskset -c 0') }) -- the cores it may run on
    end
  end)

  it('reads a file whole, whatever its bytes, and says why it cannot', function()
    local d = T.tmpdir()
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local data = table.concat(bytes):rep(4099) -- a little over 1 MB, every byte value
    T.write(d .. '/f.bin', data)
    assert.are.equal(data, core.readfile(d .. '/f.bin'))
    T.write(d .. '/empty', '')
    assert.are.equal('', core.readfile(d .. '/empty'))
    local s, err, code = core.readfile(d .. '/none')
    assert.is_nil(s)
    assert.truthy(err:find('No such file', 1, true), err)
    assert.are.equal('ENOENT', code)
    s, err, code = core.readfile(d)
    assert.is_nil(s)
    assert.are.equal('EISDIR', code, err) -- a folder, a FIFO, a device: never read
    local none, ferr = require('stance.fs').read(d .. '/none')
    assert.is_nil(none)
    assert.are.equal(d .. '/none: No such file or directory', ferr)
  end)

  it('hashes strings with SHA-256', function()
    assert.are.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', core.sha256('abc'))
    assert.are.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', core.sha256(''))
  end)

  it('stats, resolves and makes folders', function()
    local d = T.tmpdir()
    T.write(d .. '/a.txt', 'hello')
    local st = core.stat(d .. '/a.txt')
    assert.are.equal('file', st.type)
    assert.are.equal(5, st.size)
    assert.are.equal('directory', core.stat(d).type)
    local none, err, code = core.stat(d .. '/missing')
    assert.is_nil(none)
    assert.truthy(err:find('No such file'))
    assert.are.equal('ESTAT', code)
    assert.are.equal(core.realpath(d), core.realpath(d .. '/./sub/..') or core.realpath(d))
    assert.is_true(core.mkdir(d .. '/sub'))
    assert.is_true(core.mkdir(d .. '/sub'))
    assert.are.equal('directory', core.stat(d .. '/sub').type)
  end)

  it('makes a folder whose entry is on disk (its parent flushed): any shape of path', function()
    local d = T.tmpdir()
    -- trailing slashes, doubled slashes
    assert.is_true(core.mkdir(d .. '/a/'))
    assert.is_true(core.mkdir(d .. '//a//b//'))
    assert.are.equal('directory', core.stat(d .. '/a/b').type)
    -- an existing folder is success as before; a folder that cannot be made is an error
    assert.is_true(core.mkdir(d .. '/a'))
    local none, err, code = core.mkdir(d .. '/missing/x')
    assert.is_nil(none)
    assert.is_string(err)
    assert.are.equal('EMKDIR', code)
  end)

  it('lists the folders of a folder: real folders only, no hidden name, sorted', function()
    local d = T.tmpdir()
    for _, name in ipairs({ 'ben', 'ana', 'b c', 'new\nline', '.hidden', 'zed' }) do
      assert.is_true(core.mkdir(d .. '/' .. name))
    end
    T.write(d .. '/file', 'x')
    assert(os.execute(('ln -s %s %s && ln -s %s %s'):format(T.q(d .. '/ana'), T.q(d .. '/link'), T.q(T.tmpdir()),
      T.q(d .. '/out'))))
    assert.are.same({ 'ana', 'b c', 'ben', 'new\nline', 'zed' }, core.folders(d))
    assert.are.same({}, core.folders(d .. '/zed'))
    local none, err, code = core.folders(d .. '/missing')
    assert.is_nil(none)
    assert.truthy(err)
    assert.are.equal('ENOENT', code)
    none, err, code = core.folders(d .. '/file')
    assert.is_nil(none)
    assert.truthy(err)
    assert.are.equal('ELIST', code)
  end)

  it('tells whether a folder changed since it was last asked (dir_stamp): in place at once, replaced whole after ttl_ms', function()
    local base = T.tmpdir()
    local d = base .. '/f'
    assert.is_true(core.mkdir(d))
    local ds = core.dir_stamp(d)
    assert.is_true(ds:changed())
    assert.is_false(ds:changed())
    -- an entry made, removed: seen at the next call (the folder's times), each once
    assert.is_true(core.mkdir(d .. '/ana'))
    assert.is_true(ds:changed())
    assert.is_false(ds:changed())
    assert(os.remove(d .. '/ana'))
    assert.is_true(ds:changed())
    assert.is_false(ds:changed())
    -- released (the end of a pass) and asked again: opened again, nothing changed
    ds:release()
    assert.is_false(ds:changed())
    -- replaced whole (another folder renamed over it): seen once the path is resolved again
    local other = base .. '/g'
    assert.is_true(core.mkdir(other))
    assert(os.rename(d, base .. '/old'))
    assert(os.rename(other, d))
    -- (the first one, its folder resolved less than ttl_ms ago, sees it within its second)
    local t = os.time()
    local seen = false
    while not seen and os.time() - t < 3 do
      seen = ds:changed()
    end
    assert.is_true(seen)
    assert.is_false(ds:changed())
    local now = core.dir_stamp(d, { ttl_ms = 0 })
    assert.is_true(now:changed())
    assert.is_false(now:changed())
    assert(os.rename(d, base .. '/g2'))
    assert(os.rename(base .. '/old', d))
    assert.is_true(now:changed())
    -- gone, and back
    assert(os.rename(d, base .. '/gone'))
    assert.is_true(now:changed())
    assert.is_false(now:changed())
    assert(os.rename(base .. '/gone', d))
    assert.is_true(now:changed())
    assert.has_error(function() core.dir_stamp(d, { ttl_ms = -1 }) end)
  end)

  it('runs a program without a shell: every byte of an argument stays that argument', function()
    local d = T.tmpdir()
    -- a name a shell would act on: quotes, $(...), a semicolon, a line end
    local name = d .. "/it's $(touch PWNED); \"x\"\nnext"
    assert.are.equal(0, core.run({ 'touch', name }))
    assert.are.equal('file', core.stat(name).type)
    assert.is_nil(core.stat(d .. '/PWNED'))
    assert.is_nil(core.stat('PWNED'))
    assert.are.equal(1, core.run({ 'false' }))
    assert.are.equal(3, core.run({ 'sh', '-c', 'exit 3' }))
    local ok, err, code = core.run({ d .. '/no such program' })
    assert.is_nil(ok)
    assert.truthy(err:find('No such file'), err)
    assert.are.equal('ESPAWN', code)
    assert.has_error(function() core.run({}) end)
    assert.has_error(function() core.run({ 'true', 1 }) end)
    assert.has_error(function() core.run({ 'true', 'a\0b' }) end)
  end)

  it('detaches a program: not our child, a session of its own, stdin /dev/null, its output in the log', function()
    local d = T.tmpdir()
    local log = d .. '/out.log'
    local pid = assert(core.detach({ '/bin/sh', '-c', 'echo "$PPID $(cut -d" " -f6 /proc/$$/stat) $(pwd)";'
      .. ' ls /proc/$$/fd; sleep 0.2' }, log))
    local out
    for _ = 1, 200 do
      out = T.read(log) or ''
      if out:find('\n') and out:find('2\n$') then break end
      os.execute('sleep 0.02')
    end
    local ppid, sid, cwd = out:match('^(%d+) (%d+) (%S+)\n')
    assert.are_not.equal(tostring(T.run('echo $PPID'):match('%d+')), ppid, out) -- (any but a process of ours)
    assert.are.equal(tostring(pid), sid, out) -- it leads its session
    assert.are.equal('/', cwd, out)
    assert.are.same({ '0', '1', '2' }, { out:match('\n(%d+)\n(%d+)\n(%d+)\n$') }, out)
    local ok, err, code = core.detach({ d .. '/no such program' }, log)
    assert.is_nil(ok)
    assert.truthy(err:find('No such file'), err)
    assert.are.equal('ESPAWN', code)
    assert.has_error(function() core.detach({ 'sh' }, log) end)
  end)

  describe('worker', function()
    it('hashes a folder like sha256sum, with progress', function()
      local d = T.tmpdir()
      T.make_files(d, 30, 20000)
      T.write(d .. '/sub/deeper/note.md', 'a note\n')
      T.write(d .. '/.hidden/skip.txt', 'not listed')
      local w = assert(core.worker({ tasks = 2 }))
      local job = assert(w:hash(d))
      assert.are.equal('hash', job:kind())
      local events = run_job(w, job)
      local last = events[#events]
      assert.are.equal('done', last.kind)
      assert.are.equal('done', last.state)
      assert.are.equal(job, last.job)
      assert.are.equal(31, last.total)
      assert.are.equal(31, last.done)
      assert.are.equal(last.total_bytes, last.bytes)
      local lines = {}
      for _, r in ipairs(job:results()) do
        lines[#lines + 1] = r.hash .. '  ' .. r.path .. '\n'
      end
      assert.are.equal(T.sha256sum(d), table.concat(lines))
      w:close()
    end)

    it('writes a layer file canonical only while it has the stamp given (tidy)', function()
      local d = T.tmpdir()
      local path = d .. '/a.stance'
      local text = 'format stance 1\n\nannotation bbbb01\n  span 20-30\n  label stance\n'
        .. '\nannotation aaaa01\n  span 0-10\n  label stance\n'
      T.write(path, text)
      local want = assert(core.read(text))
      want:set_header('document', 'a.txt')
      want = want:write()
      local w = core.worker()
      local job = assert(w:tidy(path, { stamp = core.stamp(path, true), root = d, document = 'a.txt', wait = 0.5 }))
      assert.are.equal('tidy', job:kind())
      run_job(w, job)
      local r = job:results()
      assert.are.equal('written', r.outcome)
      assert.are.equal(want, T.read(path))
      assert.are.equal(want, r.text:string())
      assert.are.equal(#want, r.size)
      assert.are.equal(core.stamp(path, true), r.stamp)
      assert.are.equal(core.sha256(want), r.hash)
      assert.is_nil(job:results().text) -- handed out once
      -- canonical already: nothing written
      job = w:tidy(path, { stamp = r.stamp, document = 'a.txt' })
      run_job(w, job)
      assert.are.equal('same', job:results().outcome)
      assert.are.equal(r.stamp, core.stamp(path, true))
      -- another stamp than the file's: nothing written
      T.write(path, text)
      job = w:tidy(path, { stamp = r.stamp })
      run_job(w, job)
      assert.are.equal('changed', job:results().outcome)
      assert.are.equal(text, T.read(path))
      -- a file with an error: refused, left as it is
      local broken = text:gsub('0%-10', 'ten-twenty')
      T.write(path, broken)
      job = w:tidy(path, { stamp = core.stamp(path, true) })
      run_job(w, job)
      r = job:results()
      assert.are.equal('errors', r.outcome)
      assert.truthy(r.error:find('a.stance:8:', 1, true), r.error)
      assert.are.equal(broken, T.read(path))
      -- stopped before it began: nothing written, and said
      T.write(path, text)
      job = w:tidy(path, { stamp = core.stamp(path, true) })
      job:cancel()
      run_job(w, job)
      assert.are.equal('cancelled', job:results().outcome)
      assert.are.equal(text, T.read(path))
      assert.has_error(function() w:tidy(path, {}) end)
      w:close()
    end)

    it('keeps only the extensions asked for', function()
      local d = T.tmpdir()
      T.write(d .. '/a.txt', 'a')
      T.write(d .. '/b.md', 'b')
      T.write(d .. '/c.ann', 'c')
      local w = core.worker()
      local job = w:hash(d, { ext = { 'txt', 'md' } })
      run_job(w, job)
      local paths = {}
      for _, r in ipairs(job:results()) do
        paths[#paths + 1] = r.path
      end
      assert.are.same({ 'a.txt', 'b.md' }, paths)
      w:close()
    end)

    it('reports a failed job with its reason', function()
      local w = core.worker()
      local job = w:hash('/nonexistent/stance-corpus')
      local events = run_job(w, job)
      assert.are.equal('failed', events[#events].state)
      assert.truthy(events[#events].error:find('/nonexistent/stance-corpus', 1, true))
      assert.truthy(job:error():find('No such file'))
      local res, err, code = job:results()
      assert.is_nil(res)
      assert.truthy(err:find('No such file'))
      assert.are.equal('EFAILED', code)
      w:close()
    end)

    it('cancels a running job', function()
      local d = T.tmpdir()
      T.make_files(d, 20, 2000000)
      local w = core.worker({ tasks = 2 })
      local job = w:hash(d)
      job:cancel()
      local events = run_job(w, job)
      assert.are.equal('cancelled', events[#events].state)
      assert.are.equal('cancelled', job:state())
      local res, err = job:results()
      assert.is_nil(res)
      assert.truthy(err:find('cancelled'))
      w:close()
    end)

    it('runs several jobs at once, each reporting once', function()
      local d = T.tmpdir()
      T.make_files(d, 5, 1000)
      local w = core.worker()
      local seen = {}
      for _ = 1, 8 do
        assert.truthy(w:hash(d))
      end
      local done = 0
      while done < 8 do
        for _, ev in ipairs(w:wait(1000)) do
          if ev.kind == 'done' then
            assert.is_nil(seen[ev.id])
            seen[ev.id] = true
            done = done + 1
          end
        end
      end
      assert.are.equal(0, w:active())
      w:close()
    end)

    it('wait() returns nothing when idle after the timeout', function()
      local w = core.worker()
      local t0 = core.hrtime()
      assert.are.same({}, w:wait(20))
      assert.is_true(core.hrtime() - t0 >= 15e6)
      w:close()
    end)

    it('closes idempotently and refuses use after close', function()
      local w = core.worker()
      assert.truthy(tostring(w):find('stance.worker'))
      w:close()
      w:close()
      assert.truthy(tostring(w):find('closed'))
      assert.has_error(function() w:hash('.') end)
    end)

    it('closing with a job running cancels it', function()
      local d = T.tmpdir()
      T.make_files(d, 20, 2000000)
      local w = core.worker()
      local job = w:hash(d)
      w:close()
      assert.are.equal('cancelled', job:state())
    end)

    it('raises on misuse', function()
      local w = core.worker()
      assert.has_error(function() w:hash({}) end)
      assert.has_error(function() w:hash('.', { ext = 'txt' }) end)
      assert.has_error(function() core.worker({ tasks = -1 }) end)
      w:close()
    end)
  end)
end)
