-- The vouched lookup (issue 18): a script's pass whose layer cache records the annotation
-- files' generation that a live watcher (stance watch) answers now takes the cache's entries
-- without a stat of their files (core.layer_cache's vouch, stats().vouched), and the
-- documents' hashes from the saved index the watcher says is current. Every change made by
-- anyone (another process, an editor, git) is seen by the next pass, and within a pass
-- within a second (the watcher is asked again); a dead watcher, a file of several names, a
-- folder reached through a link: everything checked as without a watcher.
local T = require('helpers')
local stance = require('stance')
local core = require('stance.core')
local Corpus = require('stance.corpus')
local root = require('stance.root')

local W = require('helpers.watcher')
local linux, sleep, gone, start, corpus = W.linux, W.sleep, W.gone, W.start, W.corpus

--- A pass over every document in a corpus opened afresh, its cache saved: the labels seen
--- ("ana:a.txt:ID:claim", sorted, joined) and how many entries were vouched for.
local function pass(d)
  local c = assert(stance.open(d))
  local seen = {}
  for doc in c:documents() do
    for _, a in ipairs(doc:annotations()) do
      seen[#seen + 1] = ('%s:%s:%s:%s'):format(a.annotator, doc.path, a.id, a.label)
    end
  end
  local lc = c:layer_cache()
  local vouched = lc and lc:stats().vouched or 0
  assert(c:save_layer_cache())
  table.sort(seen)
  return table.concat(seen, ' '), vouched
end

--- Passes until one is vouched for `want` entries (default 6): the first after a change
--- checks and records; after a file deleted, the pass that does not find it records nothing
--- (an entry it did not look up), the next one does. Its labels.
local function settled(d, want)
  local first, vouched = pass(d)
  for _ = 1, 2 do
    if vouched == (want or 6) then break end
    local again
    again, vouched = pass(d)
    assert.are.equal(first, again)
  end
  assert.are.equal(want or 6, vouched)
  return first
end

local function file(d, who, name)
  return root.annotation_path(d, who, name)
end

--- Rewrite `path` with `tag` (five letters) in place of the first five of its first
--- annotation's ID (the same size, still a valid file), its modification time kept.
local function same_size_edit(path, tag)
  local text = T.read(path)
  local st = assert(core.stat(path))
  local f = assert(io.open(path, 'r+b'))
  f:write((text:gsub('annotation %w%w%w%w%w', 'annotation ' .. tag, 1)))
  f:close()
  assert(os.execute(('touch -m -d @%d.%09d %s'):format(st.mtime, st.mtime_ns or 0, T.q(path))))
  local st2 = assert(core.stat(path))
  assert(st2.size == st.size and st2.mtime == st.mtime)
end

describe('the vouched lookup of the layer cache', function()
  local racy, pids
  before_each(function()
    racy = Corpus.LAYER_CACHE_RACY_MS
    Corpus.LAYER_CACHE_RACY_MS = 0
    pids = {}
  end)
  after_each(function()
    Corpus.LAYER_CACHE_RACY_MS = racy
    W.reap(pids)
    T.cleanup()
  end)

  it('takes no entry without a watcher; with one, every entry once the cache records its generation', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    local labels, vouched = pass(d)
    assert.are.equal(0, vouched)
    pids[#pids + 1] = start(d)
    assert.are.equal(0, select(2, pass(d))) -- (checks every entry, records the generation)
    local again, v2 = pass(d)
    assert.are.equal(labels, again)
    assert.are.equal(6, v2)
  end)

  it('sees at the next pass every change made while it vouched', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    pids[#pids + 1] = start(d)
    settled(d)
    -- an edit in place of the same size whose times are set back (a different ctime only)
    same_size_edit(file(d, 'ana', 'a.txt'), 'qqqqa')
    assert.is_truthy(pass(d):find('ana:a.txt:qqqqa', 1, true))
    settled(d)
    -- a file replaced by a rename (an editor's or git's atomic write), of the same size
    local c = file(d, 'ben', 'sub/c.txt')
    T.write(c .. '.tmp', (T.read(c):gsub('annotation %w%w%w%w%w', 'annotation qqqqb', 1)))
    assert(os.rename(c .. '.tmp', c))
    assert.is_truthy(pass(d):find('ben:sub/c.txt:qqqqb', 1, true))
    settled(d)
    -- a file deleted
    assert(os.remove(file(d, 'ana', 'sub/b.txt')))
    assert.is_nil(pass(d):find('ana:sub/b.txt', 1, true))
    -- a new annotator's folder
    assert(os.execute('mkdir ' .. T.q(d .. '/' .. root.annotations .. '/cat')))
    T.write(file(d, 'cat', 'a.txt'), (T.read(file(d, 'ana', 'a.txt')):gsub('annotator ana', 'annotator cat')))
    assert.is_truthy(pass(d):find('cat:a.txt:qqqqa', 1, true))
    settled(d)
    -- a file replaced by a hard link to a file made outside the annotations folder
    local outside = d .. '/outside.stance'
    T.write(outside, (T.read(file(d, 'ana', 'a.txt')):gsub('annotation qqqqa', 'annotation qqqqc')))
    assert(os.remove(file(d, 'ana', 'a.txt')))
    assert(os.execute(('ln %s %s'):format(T.q(outside), T.q(file(d, 'ana', 'a.txt')))))
    assert.is_truthy(pass(d):find(':a.txt:qqqqc', 1, true))
    -- never kept (a write through its other name is unseen by the watcher): always looked at
    pass(d)
    same_size_edit(outside, 'qqqqe')
    assert.is_truthy(pass(d):find(':a.txt:qqqqe', 1, true))
  end)

  it('asks again within a pass after a second: a change made during a pass is seen', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    pids[#pids + 1] = start(d)
    settled(d)
    local c = assert(stance.open(d))
    local n = #assert(c:document('a.txt')):annotations()
    assert.are.equal(2, n)
    assert.is_true(c:layer_cache():vouching())
    same_size_edit(file(d, 'ana', 'sub/c.txt'), 'qqqqf')
    sleep(1.2)
    local ids = {}
    for _, a in ipairs(assert(c:document('sub/c.txt')):annotations()) do
      ids[#ids + 1] = a.id:sub(1, 5)
    end
    assert.is_truthy(table.concat(ids, ' '):find('qqqqf', 1, true))
    assert.is_false(c:layer_cache():vouching())
    assert(c:save_layer_cache())
  end)

  it('takes nothing from a watcher that died or does not answer', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    local pid = start(d)
    pids[#pids + 1] = pid
    settled(d)
    os.execute(('kill -STOP %d'):format(pid))
    same_size_edit(file(d, 'ben', 'a.txt'), 'qqqqg')
    local labels, vouched = pass(d)
    assert.are.equal(0, vouched)
    assert.is_truthy(labels:find('ben:a.txt:qqqqg', 1, true))
    os.execute(('kill -KILL %d'):format(pid))
    assert.is_true(gone(pid))
    same_size_edit(file(d, 'ben', 'sub/b.txt'), 'qqqqh')
    labels, vouched = pass(d)
    assert.are.equal(0, vouched)
    assert.is_truthy(labels:find('ben:sub/b.txt:qqqqh', 1, true))
  end)

  it('drops the vouch on its own writes, and is vouched for again after one pass that checks', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    pids[#pids + 1] = start(d)
    settled(d)
    local c = assert(stance.open(d))
    local doc = assert(c:document('a.txt'))
    assert.are.equal(2, #doc:annotations())
    assert.is_true(c:layer_cache():vouching())
    assert(doc:annotate({ start = 9, stop = 10, label = 'premise', annotator = 'ana' }))
    assert(c:save())
    assert.is_false(c:layer_cache():vouching())
    -- the same corpus, the document afresh: the file as written, not the cache's entry
    local again = {}
    for _, a in ipairs(assert(c:document('a.txt')):annotations()) do
      again[#again + 1] = a.label
    end
    table.sort(again)
    assert.are.same({ 'claim', 'claim', 'premise' }, again)
    assert(c:save_layer_cache())
    local labels, vouched = pass(d)
    assert.are.equal(0, vouched)
    assert.is_truthy(labels:find(':premise', 1, true))
    assert.are.equal(labels, settled(d))
  end)

  it('stance run starts a watcher as a search does (a pass over the layers, from the threshold or with watch auto), '
    .. 'and its third run is vouched for', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    T.write(d .. '/pass.lua', table.concat({
      'local c = assert(stance.open(arg[1]))',
      'for doc in c:documents() do doc:annotations() end',
      'io.write(c:layer_cache():stats().vouched)',
    }, '\n'))
    T.write(d .. '/open.lua', 'assert(stance.open(arg[1]))')
    -- (a `stance run` keeps no file changed within 2 s of its read: the racily-clean rule)
    sleep(2.1)
    local function run(env, script)
      return T.run(('%s %s run %s %s'):format(env, T.q(T.stance), T.q(d .. '/' .. script), T.q(d)))
    end
    local socket = d .. '/.stance/watch.sock'
    -- below the threshold (the default), with watch off, or a script that reads no layer: none
    local _, err, code = run('env -u STANCE_WATCH', 'pass.lua')
    assert.are.equal(0, code, err)
    assert.are.equal('', err)
    local out
    out, err, code = run('STANCE_WATCH=off', 'pass.lua')
    assert.are.equal(0, code, err)
    assert.are.equal('0', out)
    _, err, code = run('STANCE_WATCH=auto', 'open.lua')
    assert.are.equal(0, code, err)
    assert.is_false(core.exists(socket))
    -- watch auto: the first pass starts one (and says so only for the default: not here)
    _, err, code = run('STANCE_WATCH=auto', 'pass.lua')
    assert.are.equal(0, code, err)
    assert.are.equal('', err)
    local up
    for _ = 1, 400 do
      local _, _, c = T.stance_run({ 'watch', '--status', d })
      up = c == 0
      if up then break end
      sleep(0.05)
    end
    assert.is_true(up)
    finally(function() T.stance_run({ 'watch', '--stop', d }) end)
    -- the next records the watcher's answer, the one after takes its word
    out, err, code = run('STANCE_WATCH=auto', 'pass.lua')
    assert.are.equal(0, code, err)
    assert.are.equal('0', out)
    out, err, code = run('STANCE_WATCH=auto', 'pass.lua')
    assert.are.equal(0, code, err)
    assert.are.equal('6', out)
    -- a default threshold of 3 documents: started as a search starts one, and said so
    assert(T.stance_run({ 'watch', '--stop', d }))
    _, err, code = run('STANCE_WATCH=3', 'pass.lua')
    assert.are.equal(0, code, err)
    assert.is_truthy(err:find('started `stance watch` in the background', 1, true))
    for _ = 1, 400 do
      if select(3, T.stance_run({ 'watch', '--status', d })) == 0 then break end
      sleep(0.05)
    end
  end)

  it('never vouches for a layer in a folder reached through a link', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    -- ana's sub/ moved elsewhere in the corpus, a link in its place (an annotator's own
    -- folder that is a link is no layer at all)
    local adir = d .. '/' .. root.annotations
    assert(os.rename(adir .. '/ana/sub', d .. '/ana-sub'))
    assert(os.execute(('ln -s ../../../ana-sub %s'):format(T.q(adir .. '/ana/sub'))))
    pids[#pids + 1] = start(d)
    -- a layer's folder that is a link is read through by nothing (doc/format.md 8.4): its
    -- files are neither read as ana's nor vouched for, before and after an edit under the
    -- link's target (no event in .stance/annotations)
    local labels = pass(d)
    assert.is_falsy(labels:find('ana:sub/b.txt:', 1, true))
    local _, vouched = pass(d)
    assert.are.equal(4, vouched) -- not ana's two under the link
    same_size_edit(d .. '/ana-sub/b.txt.stance', 'qqqqi')
    labels, vouched = pass(d)
    assert.is_falsy(labels:find('ana:sub/b.txt:', 1, true))
    assert.are.equal(4, vouched)
  end)
end)
