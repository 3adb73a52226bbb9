-- make bench (section "index"): building, opening and searching the index, on two shapes
-- of a 200 MB corpus made by tests/bench/gen_corpus.lua: a news archive (37,718 articles
-- of 1.5 to 9 kB in 38 folders) and a few large files (400 of 500 kB). Every figure is
-- measured next to its peer in the same run:
--   building         `stance index --rebuild` next to an SQLite FTS5 build of the same files
--                    (sqlite3, unicode61 tokenizer), and its peak memory next to the text
--                    and to the FTS5 build's;
--   opening          loading the saved index and bringing it up to date, next to a rebuild;
--   searching        a fresh `stance search --count` per query (a new process, the index
--                    brought up to date first, as a user runs it) next to a fresh sqlite3
--                    counting the same query with FTS5; its resident memory next to that
--                    sqlite3's; its hits next to ripgrep's (`rg -iwo`, they must be the
--                    same). As stance behaves by default: on a corpus of
--                    stance.watch.auto.THRESHOLD documents or more (news) the first search
--                    checks every document and starts `stance watch` (its cost on its own,
--                    no target), the next ones ask that watcher; below it (large) every
--                    search checks every document, no process started. The check stays
--                    visible: on news the search with `watch off` in the schema (every
--                    document checked each time, no target) next to FTS5 and to the least
--                    any correct check costs, one stat per document (`find -printf`); and
--                    the search with --no-update (the saved index as it is, as FTS5
--                    answers). Below the threshold, `watch auto` (the watcher asked for)
--                    too. Every watcher started is stopped at the end of the shape.
--   scripts          a `stance run` script going through every document's annotations
--                    (tests/bench/scripts.lua), next to reading the annotation files: as a
--                    user's runs find it by default on news (a watcher started by the first,
--                    its word taken from the third: no stat of the files), and with `watch
--                    off` (every file checked: no target); the watcher stopped at the end.
--   stance run tests/bench/index.lua BENCH_DIR [SHAPE...]   shapes: news large (default both)
-- STANCE_BENCH_INDEX_MB (default 200) makes smaller corpora of the same shapes (a quick run).
-- Processes are run with their arguments quoted (never a command line built from data).
local core = require('stance.core')
local bench_dir = assert(arg[1], 'usage: index.lua BENCH_DIR [news|large ...]')
local root = os.getenv('ROOT') or core.realpath('.')
local stance_bin = root .. '/build/bin/stance'

local ok, report = pcall(require, 'bench.report')
if not ok then
  -- without tests/bench/report.lua: the same figures, printed plainly
  report = {}
  function report.now() return core.hrtime() / 1e9 end
  function report.quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
  function report.section() end
  function report.figure(f)
    local ratio
    if f.time then
      local speed = f.target and f.target:match('^%s*>=') ~= nil
      ratio = speed and f.peer_time / f.time or f.time / f.peer_time
      print(('   %s: %.3f s | %s %.3f s | %.2fx (target %s)'):format(f.name, f.time, f.peer, f.peer_time, ratio, f.target))
    else
      ratio = f.value / f.peer_value
      print(('   %s: %.1f %s | %s %.1f %s | %.2fx (target %s)'):format(f.name, f.value, f.unit or '', f.peer,
        f.peer_value, f.unit or '', ratio, f.target))
    end
    return ratio
  end
end
report.section('index')
local q = report.quote

local function shell(cmd)
  local okx, how, code = os.execute(cmd)
  assert(okx == true or okx == 0, ('failed (%s %s): %s'):format(tostring(how), tostring(code), cmd))
end

local function words(argv)
  local out = {}
  for i, a in ipairs(argv) do out[i] = q(a) end
  return table.concat(out, ' ')
end

local function read(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

local tmp = bench_dir .. '/index-tmp'
shell('rm -rf ' .. q(tmp) .. ' && mkdir -p ' .. q(tmp))

--- Run argv `n` times (output to /dev/null, through sh as the peers are): the median wall
--- time in seconds.
local function timed(n, argv, stdin)
  local cmd = ('%s >/dev/null 2>%s%s'):format(words(argv), q(tmp .. '/stderr'), stdin and (' <' .. q(stdin)) or '')
  local runs = {}
  for i = 1, n do
    local t0 = report.now()
    shell(cmd)
    runs[i] = report.now() - t0
  end
  table.sort(runs)
  return runs[(n + 1) // 2]
end

--- The peak resident memory (KB) of one run of argv, as /usr/bin/time measures it.
local function peak_kb(argv, stdin)
  shell(('/usr/bin/time -f "%%M" -o %s %s >/dev/null 2>%s%s'):format(q(tmp .. '/time'), words(argv),
    q(tmp .. '/stderr'), stdin and (' <' .. q(stdin)) or ''))
  return tonumber(read(tmp .. '/time'):match('(%d+)'))
end

--- The output of argv (a count).
local function output(argv)
  local p = assert(io.popen(words(argv) .. ' 2>/dev/null'))
  local s = p:read('a')
  p:close()
  return s
end

--- The corpus of a shape, made once (again when the generator changed).
local mb = tonumber(os.getenv('STANCE_BENCH_INDEX_MB') or '200')

local function corpus(shape, docs)
  local dir = ('%s/corpus-%s%s'):format(bench_dir, shape, mb == 200 and '' or '-' .. mb)
  local gen = root .. '/tests/bench/gen_corpus.lua'
  local stamp = core.sha256(read(gen)):sub(1, 16) .. ' ' .. mb .. ' ' .. docs .. ' 1'
  local have = io.open(dir .. '/.complete')
  local got = have and have:read('a') or ''
  if have then have:close() end
  if got ~= stamp then
    print(('   generating a %d MB corpus of %d documents in %s (once) ...'):format(mb, docs, dir))
    shell('rm -rf ' .. q(dir))
    shell(words({ 'lua5.4', gen, dir, tostring(mb), tostring(docs), '1' }) .. ' 2>/dev/null')
    local f = assert(io.open(dir .. '/.complete', 'w'))
    f:write(stamp)
    f:close()
  end
  if not core.stat(dir .. '/.stance/schema.stance') then shell(words({ stance_bin, 'init', dir }) .. ' >/dev/null') end
  -- the page cache warm, so that every tool reads from memory
  shell(('find %s -name "*.txt" -print0 | xargs -0 cat >/dev/null'):format(q(dir)))
  return dir
end

local queries = {
  { 'sanctions', '<= 1x' }, { 'pyongyang', '<= 1x' }, { '"north korea"', '<= 2x' },
  { '"human rights"', '<= 2x' }, { 'sanction*', '<= 2x' }, { 'sanctions AND engagement', '<= 1x' },
}

local shapes = { news = 37718, large = 400 }
local order = #arg > 1 and { table.unpack(arg, 2) } or { 'news', 'large' }
for _, shape in ipairs(order) do
  local docs = math.max(1, assert(shapes[shape], 'a shape is news or large: ' .. shape) * mb // 200)
  local dir = corpus(shape, docs)
  -- the corpus as stance leaves it by default: no `watch` setting, no watcher of an earlier
  -- run (a reused BENCH_DIR, a run interrupted), no failed start remembered
  local schema_path = dir .. '/.stance/schema.stance'
  local function put(text)
    local fh = assert(io.open(schema_path, 'wb'))
    fh:write(text)
    fh:close()
  end
  local schema = read(schema_path):gsub('\n  watch [%w]+\n', '\n')
  put(schema)
  local function vouches()
    return os.execute(words({ stance_bin, 'watch', '--status', dir }) .. ' >/dev/null 2>&1') == true
  end
  --- Wait up to a minute for a watcher started on demand to vouch; `who` started it.
  local function await_vouch(who)
    for _ = 1, 1200 do
      if vouches() then return end
      shell('sleep 0.05')
    end
    error('no watcher started by ' .. who .. ' vouches within a minute')
  end
  local function stop_watcher()
    os.execute(words({ stance_bin, 'watch', '--stop', dir }) .. ' >/dev/null 2>&1')
    -- gone (its lock let go) before what follows, which must find none
    for _ = 1, 200 do
      local sd = core.stance_dir(dir .. '/.stance')
      local free = sd and sd:lock(require('stance.watch.client').LOCK)
      if free then sd:unlock() end
      if sd then sd:close() end
      if free or not sd then break end
      shell('sleep 0.05')
    end
  end
  stop_watcher()
  os.remove(dir .. '/.stance/watch.failed')
  local watched = docs >= require('stance.watch.auto').THRESHOLD
  local bytes = 0
  for _, p in ipairs(core.list(dir, { names = true, include = { '*.txt' } })) do
    bytes = bytes + core.stat(dir .. '/' .. p).size
  end
  print(('== index (%s: %d documents, %.0f MB), next to SQLite FTS5, ripgrep and find (warm cache)'):format(
    shape, docs, bytes / 1e6))

  -- building
  local build = timed(1, { stance_bin, 'index', '--rebuild', dir })
  local build_kb = peak_kb({ stance_bin, 'index', '--rebuild', dir })
  local db = tmp .. '/fts-' .. shape .. '.db'
  os.remove(db)
  local sql = tmp .. '/build.sql'
  local f = assert(io.open(sql, 'w'))
  f:write("CREATE VIRTUAL TABLE docs USING fts5(path UNINDEXED, body, tokenize='unicode61');\n",
    ("INSERT INTO docs SELECT name, CAST(readfile(name) AS TEXT) FROM fsdir('%s') WHERE name LIKE '%%.txt';\n")
      :format(dir:gsub("'", "''")))
  f:close()
  local fts_build = timed(1, { 'sqlite3', db }, sql)
  os.remove(db)
  local fts_build_kb = peak_kb({ 'sqlite3', db }, sql)
  report.figure({ name = ('stance index --rebuild (%s)'):format(shape), time = build, bytes = bytes,
    peer = 'SQLite FTS5 build', peer_time = fts_build, target = '>= 5x' })
  report.figure({ name = ('peak memory of stance index (%s)'):format(shape), value = build_kb / 1000, unit = 'MB',
    peer = 'the text', peer_value = bytes / 1e6, target = '<= 0.5x' })
  report.figure({ name = ('peak memory of stance index (%s)'):format(shape), value = build_kb / 1000, unit = 'MB',
    peer = 'SQLite FTS5 build', peer_value = fts_build_kb / 1000, target = '<= 10x',
    note = 'FTS5 builds on disk through a small page cache; ours in memory on every core' })

  -- opening: the saved index loaded and brought up to date, in a process already started
  do
    local c = assert(stance.open(dir))
    local t0 = report.now()
    local st = assert(c:index({ watcher = false })) -- (none asked, none started: the check measured)
    local reload = report.now() - t0
    assert(st.indexed == 0, 'nothing changed, nothing to index')
    report.figure({ name = ('open the saved index and check it (%s)'):format(shape), time = reload,
      peer = 'a rebuild', peer_time = build, target = '<= 10%' })
  end

  -- searching, as a user does: a new process each time
  local function fts_of(query)
    return { 'sqlite3', db, ("SELECT count(*) FROM docs WHERE docs MATCH '%s'"):format(query:gsub("'", "''")) }
  end
  local function search_of(query)
    return { stance_bin, 'search', '--count', '--corpus', dir, query }
  end

  -- every document checked by each search: by default below the threshold (no process
  -- started), with `watch off` in the schema from it (the check's cost kept visible)
  local off = watched and ', watch off' or ''
  if watched then put((schema:gsub('\ncorpus\n', '\ncorpus\n  watch off\n', 1))) end
  local okc, cerr = pcall(function()
    local floor = timed(5, { 'find', dir, '-name', '*.txt', '-printf', '%s %T@ %C@ %i\n' })
    for _, qt in ipairs(queries) do
      local query, target = qt[1], qt[2]
      local st = timed(5, search_of(query))
      local kb = peak_kb(search_of(query))
      local fts = timed(5, fts_of(query))
      local fts_kb = peak_kb(fts_of(query))
      local n = tonumber(output(search_of(query)))
      local note
      if not query:find(' AND ', 1, true) then
        local pat = query:gsub('"', ''):gsub(' ', '\\s+'):gsub('%*$', '\\w*')
        local rg = tonumber((output({ 'sh', '-c', 'rg -i -w -o -U --no-filename "$1" "$2" | wc -l', 'rg', pat, dir })))
        assert(rg == n, ('stance search %s: %s hits, rg -iwo: %s'):format(query, tostring(n), tostring(rg)))
        note = ('%d hits, as rg -iwo'):format(n)
      else
        note = ('%d hits'):format(n)
      end
      -- from the threshold the default is the watcher's (below): this one has no target
      report.figure({ name = ('stance search --count %s%s (%s)'):format(query, off, shape), time = st,
        peer = 'sqlite3 FTS5 count', peer_time = fts, target = not watched and target or nil, note = note })
      -- the same search taking the saved index as it is (--no-update), as FTS5 does: what the
      -- index costs without the freshness check
      local nu = timed(5, { stance_bin, 'search', '--count', '--no-update', '--corpus', dir, query })
      local nun = tonumber(output({ stance_bin, 'search', '--count', '--no-update', '--corpus', dir, query }))
      assert(nun == n, ('stance search --no-update %s: %s hits, %s checked'):format(query, tostring(nun), tostring(n)))
      report.figure({ name = ('stance search --count --no-update %s (%s)'):format(query, shape), time = nu,
        peer = 'sqlite3 FTS5 count', peer_time = fts, target = target })
      report.figure({ name = ('resident memory of that search (%s)'):format(shape), value = kb / 1000, unit = 'MB',
        peer = 'sqlite3 FTS5 count', peer_value = fts_kb / 1000, target = '<= 5x' })
      if query == 'sanctions' then
        report.figure({ name = ('stance search --count sanctions%s (%s)'):format(off, shape), time = st,
          peer = 'find -printf of every document (the stats of any correct check)', peer_time = floor,
          target = '<= 1x' })
      end
    end
    assert(not vouches(), 'a watcher was started by a search that checks every document')
  end)
  put(schema)
  assert(okc, cerr)

  -- searching with a watcher: by default from the threshold (news), and with `watch auto`
  -- below it (large): the first search finds no watcher, checks every document itself and
  -- starts one in the background (its cost on its own, no target; by default it says so on
  -- stderr, once); the next searches ask that watcher, which vouches for the saved index
  -- (a sync through a cookie file) instead of a stat of every document
  do
    local how = watched and '' or ', watch auto'
    if not watched then put((schema:gsub('\ncorpus\n', '\ncorpus\n  watch auto\n', 1))) end
    local function measure()
      assert(not vouches(), 'a watcher runs before the first search')
      local t0 = report.now()
      local first = timed(1, search_of('sanctions'))
      local said = read(tmp .. '/stderr')
      if watched then
        assert(said:find('stance watch --stop', 1, true), 'the first search did not say it started a watcher: ' .. said)
      else
        assert(said == '', 'the first search with watch auto said: ' .. said)
      end
      await_vouch('the first search')
      local ready = report.now() - t0
      report.figure({ name = watched
          and ('the first search (%d documents, by default): checks, starts a watcher (%s)'):format(docs, shape)
          or ('the first search with watch auto: checks, starts a watcher (%s)'):format(shape),
        time = first, peer = 'sqlite3 FTS5 count', peer_time = timed(5, fts_of('sanctions')),
        note = ('the watcher vouches %.1f s after it was started'):format(ready) })
      for _, qt in ipairs(queries) do
        local query, target = qt[1], qt[2]
        local argv = search_of(query)
        local n = tonumber(output(argv))
        local ws, fts = timed(5, argv), timed(5, fts_of(query))
        assert(read(tmp .. '/stderr') == '', 'a search with a watcher running said: ' .. read(tmp .. '/stderr'))
        local nu = tonumber(output({ stance_bin, 'search', '--count', '--no-update', '--corpus', dir, query }))
        assert(n == nu, ('stance search %s with a watcher: %s hits, %s in the saved index'):format(query,
          tostring(n), tostring(nu)))
        -- the figure is the watcher's only if it still vouches (not a search that checked itself)
        assert(vouches(), 'the watcher started on demand no longer vouches for the index')
        report.figure({ name = ('stance search --count %s%s (%s)'):format(query, how, shape), time = ws,
          peer = 'sqlite3 FTS5 count', peer_time = fts, target = target })
        if query == 'sanctions' then
          report.figure({ name = ('resident memory of that search (%s)'):format(shape),
            value = peak_kb(argv) / 1000, unit = 'MB', peer = 'the issue\'s bound', peer_value = 30,
            target = '<= 1x' })
        end
      end
    end
    local okm, merr = pcall(measure)
    stop_watcher()
    put(schema)
    assert(okm, merr)
  end

  -- scripts: open the corpus and go through every document's annotations
  if shape == 'news' then
    local function script(watch, ...)
      local argv = { stance_bin, 'run', root .. '/tests/bench/scripts.lua', dir, ... }
      if watch then argv = { 'env', 'STANCE_WATCH=' .. watch, table.unpack(argv) } end
      return output(argv)
    end
    -- (a key at the start of its line: `read_cpu_s` is not the end of `find_read_cpu_s`)
    local function num(text, key) return tonumber(('\n' .. text):match('\n' .. key .. ' ([%d.]+)')) end
    -- without a watcher (`watch off`): the first run makes the cache of parsed layers, the
    -- next ones use it, each file's stat checked (each its own process)
    stop_watcher()
    local first = script('off', '2', '6', 'first')
    local unwatched = script('off')
    assert(num(unwatched, 'vouched') == 0, 'a watcher vouched with watch off')
    -- as a user's runs find it by default: the first starts a watcher (stance run does, from
    -- stance.watch.auto.THRESHOLD documents, as a search does), the next checks every file and
    -- records the watcher's answer, the one after (measured) takes its word: no stat
    local out
    local okm, merr = pcall(function()
      script(nil)
      await_vouch('stance run')
      script(nil)
      out = script(nil)
      assert(num(out, 'vouched') == num(out, 'files'), ('the watcher vouched for %s of %s files'):format(
        tostring(num(out, 'vouched')), tostring(num(out, 'files'))))
    end)
    stop_watcher()
    assert(okm, merr)
    local note = ('%s files, %s annotations'):format(out:match('files (%d+)'), out:match('annotations (%d+)'))
    -- the peer finds the files and reads them (a script without stance has to find them too)
    report.figure({ name = 'a script: open the corpus, every document and its annotations (a watcher runs)',
      time = num(out, 'iterate_s'),
      peer = 'finding and reading the annotation files', peer_time = num(out, 'find_read_s'), target = '<= 1x',
      note = note })
    report.figure({ name = 'the same in CPU time (the wall time on a shared machine is mostly the wait for a core)',
      time = num(out, 'iterate_cpu_s'), peer = 'finding and reading the annotation files (CPU time)',
      peer_time = num(out, 'find_read_cpu_s'), target = '<= 1x' })
    report.figure({ name = 'the same in CPU time, next to reading the files from a list made beforehand',
      time = num(out, 'iterate_cpu_s'), peer = 'reading the annotation files, listed before (CPU time)',
      peer_time = num(out, 'read_cpu_s'), note = 'the peer of sessions 11 and 12, which left the finding out' })
    report.figure({ name = 'the same with watch off (every file checked, CPU time)',
      time = num(unwatched, 'iterate_cpu_s'), peer = 'finding and reading the annotation files (CPU time)',
      peer_time = num(unwatched, 'find_read_cpu_s'), note = 'a stat of each file, document and folder: no target' })
    report.figure({ name = 'the same, the first time (no layer cache yet: parsed, then saved)',
      time = num(first, 'iterate_s'), peer = 'finding and reading the annotation files',
      peer_time = num(first, 'find_read_s'),
      note = 'the cache is made once, then used while the files do not change' })
  end
end
shell('rm -rf ' .. q(tmp))
