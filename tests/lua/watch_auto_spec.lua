-- watch auto: a corpus whose schema asks for it (or, when it says nothing, that has
-- stance.watch.auto.THRESHOLD documents or more) has `stance watch` started on demand by the
-- first command that brings the index up to date; `watch off`, STANCE_WATCH=off or a smaller
-- corpus without the setting never start a process. Every search is right whether a watcher answers, is starting, was killed, hung,
-- stopped or ended idle; no process of a test is left running.
local T = require('helpers')
local core = require('stance.core')

local linux = core.inotify() ~= nil

local function sleep(s)
  os.execute('sleep ' .. s)
end

--- The pids of the `stance watch` processes whose last argument is `root` (from /proc: what
--- was started on demand has no other trace); `dying`: with those whose main thread has
--- ended (a zombie: its other threads may still hold the corpus's lock a moment).
local function watchers(root, dying)
  local pids = {}
  local p = io.popen('ls /proc')
  for name in p:lines() do
    if name:match('^%d+$') then
      local f = io.open('/proc/' .. name .. '/cmdline', 'rb')
      local s = f and f:read('*a') or ''
      if f then f:close() end
      local argv = {}
      for a in s:gmatch('([^%z]*)%z') do
        argv[#argv + 1] = a
      end
      if argv[2] == 'watch' and argv[#argv] == root then
        local st = io.open('/proc/' .. name .. '/stat')
        local state = st and st:read('*a'):match('^%d+ %b() (%a)')
        if st then st:close() end
        if state ~= 'Z' or dying then pids[#pids + 1] = tonumber(name) end
      end
    end
  end
  p:close()
  return pids
end

--- A corpus in a folder whose name has a space, quotes and a line end, `watch auto` in its
--- schema when `auto`.
local function corpus(auto)
  local d = T.tmpdir() .. "/a corpus 'q\" \nend"
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  if auto then
    local schema = T.read(d .. '/.stance/schema.stance')
    local s, k = schema:gsub('\ncorpus\n', '\ncorpus\n  watch auto\n', 1)
    assert(k == 1)
    T.write(d .. '/.stance/schema.stance', s)
  end
  T.write(d .. '/a.txt', 'Sanctions work.\n')
  T.write(d .. '/sub/b.txt', 'More sanctions, and engagement.\n')
  return core.realpath(d)
end

--- A count (STANCE_WATCH not set: the schema decides).
local function count(d, q)
  local out, err, code = T.run(('env -u STANCE_WATCH %s search --count --corpus %s %s'):format(T.q(T.stance), T.q(d),
    T.q(q or 'sanctions')))
  assert(code == 0, err)
  return tonumber(out)
end

--- A count with STANCE_WATCH set to `env` (false: not set at all): the count and stderr.
local function count_env(d, env)
  local pre = env and ('STANCE_WATCH=' .. T.q(env)) or 'env -u STANCE_WATCH'
  local out, err, code = T.run(('%s %s search --count --corpus %s sanctions'):format(pre, T.q(T.stance), T.q(d)))
  assert(code == 0, err)
  return tonumber(out), err
end

--- Whether a watcher vouches for the index (within `s` seconds).
local function vouched(d, s)
  for _ = 1, (s or 20) * 20 do
    local _, _, code = T.stance_run({ 'watch', '--status', d })
    if code == 0 then return true end
    sleep(0.05)
  end
  return false
end

local function kill(pid, sig)
  os.execute(('kill -%s %d 2>/dev/null'):format(sig or 'TERM', pid))
end

--- Wait until no watcher of `d` runs, nor is ending (within `s` seconds).
local function none_left(d, s)
  for _ = 1, (s or 10) * 20 do
    if #watchers(d, true) == 0 then return true end
    sleep(0.05)
  end
  return false
end

describe('watch auto', function()
  local roots = {}
  after_each(function()
    -- nothing a test started is left running
    for _, d in ipairs(roots) do
      for _, pid in ipairs(watchers(d)) do
        kill(pid, 'CONT')
        kill(pid, 'KILL')
      end
    end
    roots = {}
    T.cleanup()
  end)

  local function new(auto)
    local d = corpus(auto)
    roots[#roots + 1] = d
    return d
  end

  it('is read from the schema\'s corpus record, by the schema and by a search\'s globs', function()
    local schema = require('stance.schema')
    local s, problems = schema.parse('format stance 1\ncorpus\n  watch auto\n')
    assert.are.same({}, problems)
    assert.are.equal('auto', s.corpus.watch)
    s, problems = schema.parse('format stance 1\ncorpus\n  watch sometimes\n')
    assert.are.equal(1, #problems)
    assert.is_nil(s.corpus.watch)
    assert.are.equal('auto', select(3, core.markup_globs('format stance 1\ncorpus\n  watch auto\n')))
    assert.are.equal('off', select(3, core.markup_globs('format stance 1\ncorpus\n  watch auto\n  watch off\n')))
    assert.is_nil(select(3, core.markup_globs('format stance 1\ncorpus\n  watch sometimes\n')))
    assert.is_nil(select(3, core.markup_globs('format stance 1\ntarget x\n  watch auto\n')))
  end)

  it('starts nothing without the setting on a corpus below the threshold: every search checks every document',
    function()
    if not linux then return pending('no inotify on this system') end
    local d = new(false)
    assert.are.equal(2, count(d))
    T.write(d .. '/c.txt', 'Sanctions, added.\n')
    assert.are.equal(3, count(d))
    sleep(0.3)
    assert.are.same({}, watchers(d))
    assert.is_false(T.exists(d .. '/.stance/watch.log'))
    assert.is_false(T.exists(d .. '/.stance/watch.sock'))
  end)

  it('starts one watcher on demand, which then vouches; changes are seen with it and without it', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(true)
    assert.are.equal(2, count(d))
    assert.is_true(vouched(d), T.exists(d .. '/.stance/watch.log') and T.read(d .. '/.stance/watch.log') or 'no log')
    local pids = watchers(d)
    assert.are.equal(1, #pids)
    -- its own session, no terminal
    local stat = T.read('/proc/' .. pids[1] .. '/stat'):gsub('^%d+ %b() ', '')
    local sid, tty = stat:match('^%a %d+ %d+ (%d+) (%-?%d+)')
    assert.are.equal(pids[1], tonumber(sid))
    assert.are.equal(0, tonumber(tty))
    assert.truthy(T.read(d .. '/.stance/watch.log'):find('started on demand', 1, true))
    -- edited in place, the same size, within the same second; added; removed
    local f = assert(io.open(d .. '/a.txt', 'r+b'))
    f:write('Zanctions')
    f:close()
    assert.are.equal(1, count(d))
    T.write(d .. '/c.txt', 'Sanctions, added. Sanctions.\n')
    assert.are.equal(3, count(d))
    os.remove(d .. '/sub/b.txt')
    assert.are.equal(2, count(d))
    -- no second one started by these searches
    assert.are.same(pids, watchers(d))
    -- stopped: the searches check for themselves (the same changes seen), and start it again
    local out, _, code = T.stance_run({ 'watch', '--stop', d })
    assert.are.equal(0, code, out)
    assert.is_true(none_left(d))
    f = assert(io.open(d .. '/c.txt', 'r+b'))
    f:write('Zanctions')
    f:close()
    assert.are.equal(1, count(d))
    assert.is_true(vouched(d))
    assert.are.equal(1, #watchers(d))
    assert.are.equal(1, count(d))
    T.write(d .. '/sub/b.txt', 'Sanctions back.\n')
    assert.are.equal(2, count(d))
    out, _, code = T.stance_run({ 'watch', '--stop', d })
    assert.are.equal(0, code, out)
    assert.is_true(none_left(d))
    -- none runs: --stop says so
    _, _, code = T.stance_run({ 'watch', '--stop', d })
    assert.are.equal(1, code)
  end)

  it('a killed or hung watcher: the search checks for itself; a killed one is replaced', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(true)
    assert.are.equal(2, count(d))
    assert.is_true(vouched(d))
    local pid = watchers(d)[1]
    kill(pid, 'KILL')
    assert.is_true(none_left(d))
    T.write(d .. '/c.txt', 'Sanctions, added while none watched.\n')
    assert.are.equal(3, count(d))
    -- replaced: by this search, or (when it met the killed one still letting go of the
    -- corpus, on a busy machine) by the next; every count right meanwhile
    for _ = 1, 3 do
      if #watchers(d) > 0 then break end
      sleep(0.5)
      assert.are.equal(3, count(d))
    end
    assert.is_true(vouched(d))
    pid = watchers(d)[1]
    assert.truthy(pid)
    -- hung: the search waits a second for it, checks for itself, and starts no other (the
    -- hung one holds the corpus)
    kill(pid, 'STOP')
    T.write(d .. '/d.txt', 'Sanctions, added while it hung.\n')
    assert.are.equal(4, count(d))
    assert.are.same({ pid }, watchers(d))
    kill(pid, 'CONT')
    assert.are.equal(4, count(d))
  end)

  it('ends by itself after its idle time, and when its corpus goes away', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(false)
    local out = T.run(('(exec %s watch --idle 1 --quiet %s </dev/null >/dev/null 2>&1) & echo $!'):format(T.q(T.stance),
      T.q(d)))
    assert.truthy(tonumber(out:match('%d+')))
    assert.is_true(vouched(d))
    assert.is_true(none_left(d, 10))
    local _, _, code = T.stance_run({ 'watch', '--status', d })
    assert.are.equal(1, code)
    -- started on demand, then its corpus removed
    local e = new(true)
    assert.are.equal(2, count(e))
    assert.is_true(vouched(e))
    T.run('rm -rf ' .. T.q(e))
    assert.is_true(none_left(e, 10))
  end)

  it('tries no start again for a while after one failed (.stance/watch.failed)', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(true)
    require('stance.watch.auto').record(d, 'the inotify watch limit')
    assert.truthy(T.read(d .. '/.stance/watch.failed'):find('inotify', 1, true))
    assert.are.equal(2, count(d))
    sleep(0.3)
    assert.are.same({}, watchers(d))
    require('stance.watch.auto').record(d, nil)
    assert.is_false(T.exists(d .. '/.stance/watch.failed'))
    assert.are.equal(2, count(d))
    assert.is_true(vouched(d))
    -- once started, the mark is gone
    assert.is_false(T.exists(d .. '/.stance/watch.failed'))
  end)

  it('says once why none starts: a link at .stance/watch.log, a file at .stance/watch.sock', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(true)
    local away = T.tmpdir() .. '/pwned-log'
    assert(os.execute(('ln -s %s %s'):format(T.q(away), T.q(d .. '/.stance/watch.log'))))
    local n, err = count_env(d, false)
    assert.are.equal(2, n)
    assert.truthy(err:find('stance: .stance/watch.log is a symbolic link (to ' .. away .. ')', 1, true), err)
    assert.truthy(T.read(d .. '/.stance/watch.failed'):find('.stance/watch.log is a symbolic link', 1, true))
    local _, again = count_env(d, false)
    assert.are.equal('', again) -- said once: watch.failed says it from then on
    sleep(0.3)
    assert.are.same({}, watchers(d))
    assert.is_false(T.exists(away)) -- nothing written through it
    os.remove(d .. '/.stance/watch.log')
    os.remove(d .. '/.stance/watch.failed')
    T.write(d .. '/.stance/watch.sock', 'committed\n')
    local _, serr = count_env(d, false)
    assert.truthy(serr:find('stance: .stance/watch.sock is a file, not a socket', 1, true), serr)
    assert.truthy(T.read(d .. '/.stance/watch.failed'):find('not a socket', 1, true))
    sleep(0.3)
    assert.are.same({}, watchers(d))
    assert.are.equal('committed\n', T.read(d .. '/.stance/watch.sock'))
  end)

  it('a watcher answers no to a search of another build of stance', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(true)
    assert.are.equal(2, count(d))
    assert.is_true(vouched(d))
    local old = watchers(d)[1]
    -- a search of another build: the watcher says no
    local client = require('stance.watch.client')
    local sd = assert(core.stance_dir(d .. '/.stance'))
    local conn = assert(sd:connect(client.SOCKET))
    sd:close()
    conn:send('sync 0.0.0/1/-/-/-\n')
    local line = conn:read_line(5000)
    conn:close()
    assert.truthy(line and line:match('^no another build'), line)
    assert.are.equal(2, count(d))
    assert.are.same({ old }, watchers(d))
  end)

  it('a watcher started inside a long stance run script is no zombie of it once it ends', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(true)
    local script = T.tmpdir() .. '/long.lua'
    -- the script's c:index() starts the watcher; the script stops it (stance watch --stop) and
    -- goes on running until the test lets it end
    T.write(script, [[
local exe, d = ...
local function q(x) return "'" .. x:gsub("'", "'\\''") .. "'" end
local c = assert(stance.open(d))
assert(c:index())
for _ = 1, 400 do
  if os.execute(("%s watch --status %s >/dev/null 2>&1"):format(q(exe), q(d))) then
    io.open(d .. '/.stance/seen', 'w'):close()
    break
  end
  os.execute('sleep 0.05')
end
os.execute(("%s watch --stop %s >/dev/null 2>&1"):format(q(exe), q(d)))
io.open(d .. '/.stance/stopped', 'w'):close()
for _ = 1, 600 do
  local f = io.open(d .. '/.stance/go')
  if f then f:close() break end
  os.execute('sleep 0.05')
end
]])
    local pid = tonumber(T.run(('(exec %s run %s %s %s </dev/null >/dev/null 2>&1) & echo $!'):format(T.q(T.stance),
      T.q(script), T.q(T.stance), T.q(d))):match('%d+'))
    assert.truthy(pid)
    --- The script's children that have ended and not been waited for (state Z).
    local function zombies()
      local out = {}
      local p = io.popen('ls /proc')
      for name in p:lines() do
        local f = name:match('^%d+$') and io.open('/proc/' .. name .. '/stat')
        if f then
          local state, ppid = (f:read('*a') or ''):match('^%d+ %b() (%a) (%d+)')
          f:close()
          if state == 'Z' and tonumber(ppid) == pid then out[#out + 1] = tonumber(name) end
        end
      end
      p:close()
      return out
    end
    for _ = 1, 400 do
      if T.exists(d .. '/.stance/stopped') then break end
      sleep(0.05)
    end
    assert.is_true(T.exists(d .. '/.stance/stopped'), 'the script stopped its watcher')
    assert.is_true(T.exists(d .. '/.stance/seen'), 'the script started a watcher (stance watch --status)')
    assert.is_true(none_left(d, 10), 'the watcher ended')
    sleep(0.3)
    local left = zombies()
    local st = T.read('/proc/' .. pid .. '/stat') or ''
    assert.truthy(st:match('^%d+ %b() ([RSD])'), 'the script still runs: ' .. st)
    T.write(d .. '/.stance/go', '')
    for _ = 1, 200 do -- the script ends (nothing of the test left running)
      if not T.exists('/proc/' .. pid .. '/stat') then break end
      sleep(0.05)
    end
    assert.are.same({}, left)
  end)

  it('is started only by the stance command, never by another Lua that loads stance', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(true)
    -- this process is lua5.4 or LuaJIT with stance.core as a module: `watch` means nothing
    -- to its interpreter, so nothing is started, nothing recorded, and the index is right
    assert.is_false(core.in_host())
    local c = assert(require('stance').open(d))
    local pid, why = require('stance.watch.auto').ensure(c, 'ENOENT')
    assert.is_nil(pid)
    assert.truthy(why:match('only the stance command'), why)
    assert(c:index())
    assert.are.equal(2, #c:search('sanctions'))
    assert.are.same({}, watchers(d))
    assert.is_nil(core.stat(d .. '/.stance/watch.failed'))
    local script = T.tmpdir() .. '/host.lua'
    T.write(script, 'io.write(require("stance.core").in_host() and "host" or "-")')
    local out, err, code = T.stance_run({ 'run', script })
    assert(code == 0, err)
    assert.are.equal('host', out)
  end)

  it('by default: nothing below the threshold; from it, one watcher, said once on stderr', function()
    if not linux then return pending('no inotify on this system') end
    local auto = require('stance.watch.auto')
    local d = new(false)
    -- THRESHOLD documents in all: one short of it first
    local n = auto.THRESHOLD
    for i = 3, n - 1 do
      local f = assert(io.open(('%s/%s%02d-%d.txt'):format(d, i % 2 == 0 and 'sub/' or '', i % 40, i), 'wb'))
      f:write('No word of interest, ', i, '.\n')
      f:close()
    end
    local c, err = count_env(d, false)
    assert.are.equal(2, c)
    assert.are.equal('', err)
    c, err = count_env(d, false)
    assert.are.equal(2, c)
    assert.are.equal('', err)
    sleep(0.3)
    assert.are.same({}, watchers(d))
    assert.is_false(T.exists(d .. '/.stance/watch.log'))
    -- STANCE_WATCH's threshold (the documented knob): lower than the corpus, one is started
    -- and said; `watch off` and STANCE_WATCH=off start nothing from any size
    local schema = T.read(d .. '/.stance/schema.stance')
    T.write(d .. '/.stance/schema.stance', (schema:gsub('\ncorpus\n', '\ncorpus\n  watch off\n', 1)))
    T.write(d .. '/c.txt', 'Sanctions.\n')
    assert.are.equal(3, (count_env(d, false)))
    assert.are.equal(3, (count_env(d, 'off')))
    sleep(0.3)
    assert.are.same({}, watchers(d))
    T.write(d .. '/.stance/schema.stance', schema)
    assert.are.equal(3, (count_env(d, 'off')))
    assert.are.equal(3, (count_env(d, 'sometimes')))
    sleep(0.3)
    assert.are.same({}, watchers(d))
    -- the one more that makes THRESHOLD: started by the search that finds it, said once on
    -- stderr (stdout the count alone), not again while it lives
    os.remove(d .. '/c.txt')
    T.write(d .. '/last.txt', 'Sanctions, the last one.\n')
    c, err = count_env(d, false)
    assert.are.equal(3, c)
    assert.are.equal(1, select(2, err:gsub('\n', '')), err)
    assert.truthy(err:find(('(%d documents)'):format(n), 1, true), err)
    assert.truthy(err:find('stance watch --stop', 1, true), err)
    assert.truthy(err:find('watch off', 1, true), err)
    assert.is_true(vouched(d))
    local pids = watchers(d)
    assert.are.equal(1, #pids)
    c, err = count_env(d, false)
    assert.are.equal(3, c)
    assert.are.equal('', err)
    T.write(d .. '/c.txt', 'Sanctions.\n')
    c, err = count_env(d, false)
    assert.are.equal(4, c)
    assert.are.equal('', err)
    assert.are.same(pids, watchers(d))
    local _, _, code = T.stance_run({ 'watch', '--stop', d })
    assert.are.equal(0, code)
    assert.is_true(none_left(d))
    -- STANCE_WATCH=off: none started again, nothing said
    c, err = count_env(d, 'off')
    assert.are.equal(4, c)
    assert.are.equal('', err)
    sleep(0.3)
    assert.are.same({}, watchers(d))
  end)

  it('searches starting at the same moment start one watcher, and only its starter says so', function()
    if not linux then return pending('no inotify on this system') end
    local d = new(false)
    local k = 4
    local dir = T.tmpdir()
    for round = 1, 3 do
      -- k searches at once, each with its stderr in a file of its own (STANCE_WATCH=2: the
      -- corpus's two documents reach the threshold)
      local cmds = {}
      for i = 1, k do
        cmds[i] = ('STANCE_WATCH=2 %s search --count --corpus %s sanctions >%s 2>%s &'):format(T.q(T.stance), T.q(d),
          T.q(('%s/out%d'):format(dir, i)), T.q(('%s/err%d'):format(dir, i)))
      end
      local _, _, code = T.run(table.concat(cmds, ' ') .. ' wait')
      assert.are.equal(0, code)
      local notices = 0
      for i = 1, k do
        assert.are.equal('2\n', T.read(('%s/out%d'):format(dir, i)))
        local err = T.read(('%s/err%d'):format(dir, i))
        local _, lines = err:gsub('started `stance watch` in the background', '')
        notices = notices + lines
        assert.are.equal(lines == 1 and 1 or 0, select(2, err:gsub('\n', '')), err)
      end
      assert.are.equal(1, notices, 'round ' .. round)
      assert.is_true(vouched(d))
      -- (a second watcher would have ended at once: none is ending, one runs)
      assert.are.equal(1, #watchers(d, true))
      assert.is_false(T.exists(d .. '/.stance/watch.starting'))
      -- while it runs, a search neither starts nor says anything
      local c, err = count_env(d, '2')
      assert.are.equal(2, c)
      assert.are.equal('', err)
      local _, _, scode = T.stance_run({ 'watch', '--stop', d })
      assert.are.equal(0, scode)
      assert.is_true(none_left(d))
    end
  end)

  it('on the study: by default none (five articles); STANCE_WATCH=5 or auto starts one', function()
    if not linux then return pending('no inotify on this system') end
    local d = require('helpers.study').corpus()
    if not d then return pending('no ../shared/study') end
    d = core.realpath(d)
    roots[#roots + 1] = d
    local c, err = count_env(d, false)
    assert.is_true(c > 0)
    assert.are.equal('', err)
    assert.are.equal(c, (count_env(d, '6')))
    sleep(0.3)
    assert.are.same({}, watchers(d))
    -- a threshold the study reaches: one started, said once
    local c2, err2 = count_env(d, '5')
    assert.are.equal(c, c2)
    assert.truthy(err2:find('(5 documents)', 1, true), err2)
    assert.is_true(vouched(d))
    assert.are.equal(1, #watchers(d))
    c2, err2 = count_env(d, '5')
    assert.are.equal(c, c2)
    assert.are.equal('', err2)
    local _, _, code = T.stance_run({ 'watch', '--stop', d })
    assert.are.equal(0, code)
    assert.is_true(none_left(d))
    -- STANCE_WATCH=auto: always, and nothing said (asked for)
    c2, err2 = count_env(d, 'auto')
    assert.are.equal(c, c2)
    assert.are.equal('', err2)
    assert.is_true(vouched(d))
    _, _, code = T.stance_run({ 'watch', '--stop', d })
    assert.are.equal(0, code)
    assert.is_true(none_left(d))
  end)

  it('keeps git status clean in a corpus whose .stance/.gitignore is an older one (the study, a watcher started)',
    function()
      if not linux then return pending('no inotify on this system') end
      local study = require('helpers.study').corpus()
      if not study then return pending('../shared/study is not here') end
      -- a corpus in a repository (in a folder of it), with the .gitignore of an older stance init
      local top = T.tmpdir()
      local d = top .. '/corpus'
      os.execute(('cp -r %s %s'):format(T.q(study), T.q(d)))
      local old = { '# an older stance init', 'index.bin', 'cache/', '.*.lock', '.*.tmp', 'my-own-line' }
      T.write(d .. '/.stance/.gitignore', table.concat(old, '\n') .. '\n')
      local git = ('git -C %s -c user.name=t -c user.email=t@t '):format(T.q(top))
      assert(os.execute(git .. 'init -q && ' .. git .. 'add -A && ' .. git .. 'commit -qm corpus'))
      T.write(top .. '/.git/info/exclude', '# the user\'s own\n*.swp\n')
      -- STANCE_WATCH=2: the search starts a watcher (watch.start, watch.starting, watch.lock, ...)
      local c, said = count_env(d, '2')
      assert.is_true(c > 0)
      assert.is_true(vouched(d))
      assert.are.equal(1, #watchers(d))
      local st = io.popen(('git -C %s status --porcelain --untracked-files=all'):format(T.q(top)))
      local porcelain = st:read('*a')
      st:close()
      -- no runtime file shows; the only change is the older .gitignore's lines anchored (they
      -- also hid annotation files), said once, to be committed
      assert.are.equal(' M corpus/.stance/.gitignore\n', porcelain)
      assert.truthy(said:find('.gitignore updated, commit it', 1, true), said)
      -- the user's lines kept
      local exclude = T.read(top .. '/.git/info/exclude')
      assert.truthy(exclude:find('^# the user\'s own\n%*%.swp\n'), exclude)
      assert.truthy(exclude:find('/corpus/.stance/watch.starting', 1, true), exclude)
      local anchored = { '# an older stance init', '/index.bin', '/cache/', '.*.lock', '.*.tmp', 'my-own-line' }
      assert.are.equal(table.concat(anchored, '\n') .. '\n', T.read(d .. '/.stance/.gitignore'))
      local _, _, code = T.stance_run({ 'watch', '--stop', d })
      assert.are.equal(0, code)
      assert.is_true(none_left(d))
      -- a second run adds nothing
      count_env(d, 'off')
      assert.are.equal(exclude, T.read(top .. '/.git/info/exclude'))
    end)
end)
