-- The cache of parsed annotation files (.stance/cache/layers.bin): a script sees exactly
-- what a fresh parse gives, whatever happened to the files or to the cache since.
local T = require('helpers')
local stance = require('stance')
local core = require('stance.core')
local Corpus = require('stance.corpus')

local SCHEMA = [[
format stance 1

target sanctions
stance favor
stance against
relation supports
label claim
label premise
]]

-- hostile names: quotes, a newline, spaces, dots, non-ASCII (a hidden name is no document)
local NAMES = { 'plain.txt', 'sub/deep/a b.txt', 'q"uote\'s.txt', 'new\nline.txt', 'dots..txt', 'é—ü.txt' }

local function text_of(i)
  return ('Document %d says sanctions work. '):format(i):rep(4) .. '\n'
end

--- A corpus with every name of NAMES annotated by ana and ben (files written through the API).
local function corpus()
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  T.write(d .. '/.stance/schema.stance', SCHEMA)
  for i, name in ipairs(NAMES) do
    T.write(d .. '/' .. name, text_of(i))
  end
  local c = assert(stance.open(d))
  for _, who in ipairs({ 'ana', 'ben' }) do
    for i, name in ipairs(NAMES) do
      local doc = assert(c:document(name))
      local a = assert(doc:annotate({ start = 0, stop = 8, label = 'claim', target = 'sanctions', stance = 'favor',
        annotator = who, note = ('%s on "%d"\nline two'):format(who, i) }))
      assert(doc:annotate({ start = 9 + i, stop = 20, label = 'premise', annotator = who }))
      assert(doc:relate(a.id, a.id == nil and '' or doc:annotations({ annotator = who, label = 'premise' })[1].id,
        'supports', { annotator = who }))
      assert(doc:set_label({ target = 'sanctions', stance = 'against', annotator = who }))
    end
  end
  assert(c:save())
  return d
end

local FIELDS = { 'id', 'kind', 'annotator', 'document', 'label', 'target', 'stance', 'role', 'quote', 'prefix',
  'suffix', 'note', 'start', 'stop', 'confidence', 'author', 'created', 'modified', 'type', 'from', 'to', 'orphan' }

--- Every record of every document as a script sees it, as one string.
local function dump(c)
  local out = {}
  for d in c:documents() do
    for _, kind in ipairs({ 'annotations', 'relations', 'labels' }) do
      for _, a in ipairs(d[kind](d)) do
        -- the fields by name (LuaJIT's pairs() does not see a lazy annotation's fields)
        local keys = {}
        for _, k in ipairs(FIELDS) do
          if a[k] ~= nil then keys[#keys + 1] = ('%s=%q'):format(k, tostring(a[k])) end
        end
        for _, sp in ipairs(a.spans or {}) do
          keys[#keys + 1] = ('span=%d-%d'):format(sp[1], sp[2])
        end
        table.sort(keys)
        out[#out + 1] = d.path .. ' ' .. kind .. ' ' .. table.concat(keys, ' ')
      end
    end
    for _, who in ipairs(c:annotators()) do
      local layer = d:layer(who)
      out[#out + 1] = ('%s %s status=%s problems=%d'):format(d.path, who, tostring(layer and layer:status()),
        layer and #layer.file.problems or -1)
    end
  end
  return table.concat(out, '\n')
end

--- What a fresh parse gives (no cache at all), and what the cache gives, for the corpus at d.
local function both(d)
  local fresh = assert(stance.open(d))
  fresh._lcache = false
  local cached = assert(stance.open(d))
  local a, b = dump(fresh), dump(cached)
  cached:save_layer_cache()
  return a, b, cached:layer_cache():stats()
end

local function path_of(d, who, name)
  return ('%s/.stance/annotations/%s/%s.stance'):format(d, who, name)
end

local function files(d)
  local n = 0
  for _, who in ipairs({ 'ana', 'ben' }) do
    for _, name in ipairs(NAMES) do
      if core.stat(path_of(d, who, name)) then n = n + 1 end
    end
  end
  return n
end

-- `path`'s modification time set to what it was (in ns), through touch(1)
local function set_mtime(path, ns)
  local s = ('%d.%09d'):format(math.floor(ns / 1e9), ns % 1000000000)
  assert(os.execute(('touch -m -d @%s %s'):format(s, T.q(path))))
end

local function sleep(s)
  os.execute('sleep ' .. s)
end

describe('the layer cache', function()
  local racy
  before_each(function()
    racy = Corpus.LAYER_CACHE_RACY_MS
    Corpus.LAYER_CACHE_RACY_MS = 100
  end)
  after_each(function()
    Corpus.LAYER_CACHE_RACY_MS = racy
    T.cleanup()
  end)

  it('gives what a fresh parse gives, the second time from the cache, hostile names too', function()
    local d = corpus()
    sleep(0.3)
    local fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.are.equal(files(d), st.put)
    assert.truthy(core.stat(d .. '/.stance/cache/layers.bin'))
    -- what the first pass added was kept in a temporary file until then: none is left
    local left = T.run(('ls -A %s %s'):format(T.q(d .. '/.stance'), T.q(d .. '/.stance/cache')))
    assert.is_nil(left:find('spill', 1, true), left)
    fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.are.equal(files(d), st.hits)
    assert.are.equal(0, st.put)
    assert.truthy(fresh:find('new\nline.txt', 1, true))
  end)

  it('keeps no file whose times are within the racy window of its read', function()
    local d = corpus()
    Corpus.LAYER_CACHE_RACY_MS = 60000
    local fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.are.equal(0, st.put)
    assert.is_nil(core.stat(d .. '/.stance/cache/layers.bin'))
  end)

  it('sees an edit of the same size with the modification time put back, and a file replaced', function()
    local d = corpus()
    sleep(0.3)
    both(d)
    -- edited in place: same size, same mtime (only the change time tells)
    local p = path_of(d, 'ana', 'plain.txt')
    local st = core.stat(p)
    local text = T.read(p)
    local edited = text:gsub('label premise', 'label premisx', 1)
    assert.are.equal(#text, #edited)
    local f = assert(io.open(p, 'r+b'))
    f:write(edited)
    f:close()
    set_mtime(p, st.mtime_ns)
    -- replaced by another file (rename over it), same size and mtime
    local q = path_of(d, 'ben', 'sub/deep/a b.txt')
    local qst = core.stat(q)
    local other = T.read(q):gsub('stance favor', 'stance agnst', 1)
    T.write(q .. '.new', other)
    set_mtime(q .. '.new', qst.mtime_ns)
    assert(os.rename(q .. '.new', q))
    local fresh, cached, cst = both(d)
    assert.are.equal(fresh, cached)
    assert.truthy(cached:find('premisx', 1, true))
    assert.truthy(cached:find('agnst', 1, true))
    assert.are.equal(2, cst.stale)
    assert.are.equal(files(d) - 2, cst.hits)
  end)

  it('never takes a layer through a link out of the corpus, cached before or not', function()
    local d = corpus()
    sleep(0.3)
    both(d)
    local out = T.tmpdir()
    -- ben's folder moved out, a link left in its place (its files keep their identity)
    assert(os.execute(('mv %s %s/ben && ln -s %s/ben %s'):format(T.q(d .. '/.stance/annotations/ben'), T.q(out),
      T.q(out), T.q(d .. '/.stance/annotations/ben'))))
    -- and one of ana's files a link to a copy outside
    local p = path_of(d, 'ana', 'plain.txt')
    assert(os.execute(('cp -p %s %s/plain.stance && rm %s && ln -s %s/plain.stance %s'):format(T.q(p), T.q(out), T.q(p),
      T.q(out), T.q(p))))
    local fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.are.equal(files(d) - #NAMES - 1, st.hits)
  end)

  it('opens no folder through a link inside the corpus either, whatever its caller asked (ana/sub -> ../ben/sub)',
    function()
      local d = corpus()
      sleep(0.3)
      both(d) -- every file in the cache
      local ann = d .. '/.stance/annotations/'
      local deep = 'sub/deep/a b.txt'
      -- ana's folder sub a link to ben's; eve's folder a link to ben's (inside the corpus)
      assert(os.execute(('rm -r %s && ln -s ../ben/sub %s && ln -s ben %s'):format(T.q(ann .. 'ana/sub'),
        T.q(ann .. 'ana/sub'), T.q(ann .. 'eve'))))
      local lc = assert(assert(stance.open(d)):layer_cache())
      -- (the Lua side filters such layers first: asked here directly, the cache follows none)
      for _, via in ipairs({ path_of(d, 'ana', deep), path_of(d, 'eve', deep), path_of(d, 'eve', 'plain.txt') }) do
        assert.are.equal(false, (lc:read(via)), via)
        assert.are.equal(false, (lc:read(via, true)), via)
      end
      assert.are.equal(false, lc:view(ann .. 'ana/', deep))
      assert.are.equal(false, lc:view(ann .. 'eve/', 'plain.txt'))
      -- ben's own files, and ana's outside the link: from the cache
      for _, own in ipairs({ path_of(d, 'ben', deep), path_of(d, 'ana', 'plain.txt') }) do
        local store, _, _, how = lc:read(own)
        assert.truthy(store, own)
        assert.are.equal('store', how)
      end
      assert.truthy(lc:view(ann .. 'ben/', deep))
      -- a folder reached with a `.` or `..` part: not for the cache (read_file decides)
      assert.are.equal(false, (lc:read(ann .. 'ana/../ben/plain.txt.stance')))
      lc:release()
    end)

  it('gives what a fresh parse gives from a damaged, cut, foreign or linked-out cache', function()
    local d = corpus()
    sleep(0.3)
    local want = both(d)
    local path = d .. '/.stance/cache/layers.bin'
    local good = T.read(path)
    local function check(bytes)
      T.write(path, bytes)
      local fresh, cached = both(d)
      assert.are.equal(want, fresh)
      assert.are.equal(fresh, cached)
    end
    for _, at in ipairs({ 1, 9, 17, 40, 100, math.floor(#good / 3), math.floor(#good / 2), #good - 20, #good }) do
      local b = good:byte(at)
      check(good:sub(1, at - 1) .. string.char((b + 16) % 256) .. good:sub(at + 1))
    end
    check(good:sub(1, math.floor(#good / 2)))
    check('')
    check(('x'):rep(5000))
    -- another schema: the cache is not used
    T.write(path, good)
    T.write(d .. '/.stance/schema.stance', SCHEMA .. 'label evidence\n')
    local _, _, st = both(d)
    assert.are.equal(0, st.loaded)
    -- a cache that is a link out of the corpus is neither read nor written through
    local out = T.tmpdir()
    T.write(out .. '/layers.bin', good)
    os.remove(path)
    assert(os.execute(('ln -s %s %s'):format(T.q(out .. '/layers.bin'), T.q(path))))
    T.write(d .. '/.stance/schema.stance', SCHEMA)
    local fresh, cached
    fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.are.equal(0, st.loaded)
    assert.are.equal(good, T.read(out .. '/layers.bin'))
    local c = assert(stance.open(d))
    dump(c)
    local ok, err = c:save_layer_cache()
    assert.is_nil(ok)
    assert.truthy(err:find('not a regular file', 1, true))
    -- the folder itself a link out
    os.remove(path)
    os.remove(d .. '/.stance/cache/layers.bin.lock')
    assert(os.execute(('rm -rf %s && ln -s %s %s'):format(T.q(d .. '/.stance/cache'), T.q(out), T.q(d .. '/.stance/cache'))))
    fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.are.equal(0, st.loaded)
    c = assert(stance.open(d))
    dump(c)
    ok, err = c:save_layer_cache()
    assert.is_nil(ok)
    assert.truthy(err:find('outside', 1, true))
    assert.are.equal(good, T.read(out .. '/layers.bin'))
    -- a link to a folder that does not exist: not made
    assert(os.execute(('rm %s && ln -s %s %s'):format(T.q(d .. '/.stance/cache'), T.q(out .. '/none'),
      T.q(d .. '/.stance/cache'))))
    c = assert(stance.open(d))
    dump(c)
    ok = c:save_layer_cache()
    assert.is_nil(ok)
    assert.is_nil(core.stat(out .. '/none'))
  end)

  it('drops the entries of files deleted when it is written again, and keeps those not read', function()
    local d = corpus()
    sleep(0.3)
    local _, _, st = both(d)
    assert.are.equal(files(d), st.put)
    -- one file deleted, one edited (the pass that reads it again writes the cache again)
    assert(os.remove(path_of(d, 'ana', 'plain.txt')))
    local p = path_of(d, 'ben', 'dots..txt')
    T.write(p, T.read(p):gsub('stance favor', 'stance against', 1))
    sleep(0.3)
    -- a script reading one document only: what it did not read stays, what is gone goes
    local c = assert(stance.open(d))
    assert.are.equal(files(d) + 1, c:layer_cache():stats().loaded)
    assert.are.equal(4, #c:document('dots..txt'):annotations())
    assert.are.equal(1, c:layer_cache():stats().stale)
    assert.is_true(c:save_layer_cache())
    assert.are.equal(files(d), assert(stance.open(d)):layer_cache():stats().loaded)
    local fresh, cached = both(d)
    assert.are.equal(fresh, cached)
  end)

  it('lends the bytes of a file read from it: they outlive the cache', function()
    local d = corpus()
    sleep(0.3)
    both(d)
    local c = assert(stance.open(d))
    local layer = assert(c:document('q"uote\'s.txt'):layer('ben'))
    assert.are.equal(1, c:layer_cache():stats().hits)
    c:layer_cache():close()
    c._lcache = false
    collectgarbage()
    collectgarbage()
    assert.are.equal(T.read(path_of(d, 'ben', 'q"uote\'s.txt')), layer.file.text)
    -- and a change is saved as it would be without the cache
    assert(layer:set_status('done'))
    assert(c:save())
    assert.truthy(T.read(path_of(d, 'ben', 'q"uote\'s.txt')):find('status done', 1, true))
  end)

  it('gives a pass its layers as views found by folder and document (view()), as read() gives them', function()
    local d = corpus()
    sleep(0.3)
    both(d)
    local c = assert(stance.open(d))
    local lc = c:layer_cache()
    -- view(): a view, nil for no file, false for what is not a view of the cache
    local prefix = c:layer_folder('ana')
    assert.are.equal(d .. '/.stance/annotations/ana/', prefix)
    assert.truthy(lc:view(prefix, 'sub/deep/a b.txt'))
    assert.is_nil(lc:view(prefix, 'missing.txt'))
    assert.are.equal(false, lc:view(prefix, 'no/such/folder.txt'))
    assert.are.equal(false, lc:view(d .. '/.stance/annotations/nobody/', 'plain.txt'))
    -- the pass: every layer a view, with the path, problems, bytes and existence a read gives
    local doc = assert(c:document('q"uote\'s.txt'))
    assert.are.equal(4, #doc:annotations())
    assert.are.equal(2, #doc:relations())
    for _, who in ipairs({ 'ana', 'ben' }) do
      local layer = doc:kept_layer(who)
      assert.truthy(rawget(layer.file, 'view'))
      assert.is_nil(rawget(layer.file, 'bytes'))
      assert.are.equal(path_of(d, who, 'q"uote\'s.txt'), layer.file.path)
      assert.are.same({}, layer.file.problems)
      assert.is_true(layer:exists())
      assert.are.equal(T.read(path_of(d, who, 'q"uote\'s.txt')), layer.file.text)
    end
    -- a document without a file of an annotator gets no layer of theirs (and no file)
    os.remove(path_of(d, 'ben', 'plain.txt'))
    local plain = assert(c:document('plain.txt'))
    for _, a in ipairs(plain:annotations()) do
      assert.are.equal('ana', a.annotator)
    end
    assert.is_nil(plain:kept_layer('ben'))
    assert.is_nil(core.stat(path_of(d, 'ben', 'plain.txt')))
    -- a change made through a layer of a view is saved (merged with nothing: the file as read)
    assert(doc:set_status('done', 'ana'))
    assert(c:save())
    assert.truthy(T.read(path_of(d, 'ana', 'q"uote\'s.txt')):find('status done', 1, true))
    local ok, err, merged = c:save()
    assert.is_true(ok, err)
    assert.are.same({}, merged)
  end)

  it('does not keep a layer with problems, and gives its problems every time', function()
    local d = corpus()
    local p = path_of(d, 'ana', 'plain.txt')
    T.write(p, T.read(p) .. '\nannotation broken\n  label claim\n')
    sleep(0.3)
    local fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.truthy(cached:find('plain.txt ana status=in-progress problems=1', 1, true))
    assert.are.equal(files(d) - 1, st.put)
    fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.are.equal(files(d) - 1, st.hits)
  end)

  it('stays whole when two `stance run` write it at once', function()
    local d = corpus()
    sleep(0.3)
    local script = T.tmpdir() .. '/go.lua'
    T.write(script, [[
require('stance.corpus').LAYER_CACHE_RACY_MS = 100
local c = assert(stance.open(arg[1]))
local n = 0
for d in c:documents() do n = n + #d:annotations() end
print(n)
]])
    local cmd = ('%s run %s %s'):format(T.q(T.stance), T.q(script), T.q(d))
    local out = T.run(('(%s) & (%s) & (%s) & wait'):format(cmd, cmd, cmd))
    assert.are.equal(('%d\n'):format(2 * #NAMES * 2):rep(3), out)
    local fresh, cached, st = both(d)
    assert.are.equal(fresh, cached)
    assert.are.equal(files(d), st.hits)
  end)

  it('holds no folder open after a pass: a script opening the corpus 200 times under ulimit -n 64', function()
    local d = corpus()
    sleep(0.3)
    local script = T.tmpdir() .. '/many.lua'
    T.write(script, [[
collectgarbage('stop') -- no finalizer closes what a pass left open
local n = 0
for _ = 1, 200 do
  local c = assert(stance.open(arg[1]))
  for d in c:documents() do n = n + #d:annotations() end
end
print(n)
]])
    local out, err = T.run(('ulimit -n 64 && %s run %s %s'):format(T.q(T.stance), T.q(script), T.q(d)))
    assert.are.equal(('%d\n'):format(200 * 2 * #NAMES * 2), out, err)
  end)

  it('sees an annotator added, removed or the annotators\' folder replaced between two documents of a pass', function()
    local d = corpus()
    sleep(0.3)
    local function pass_with(change)
      local c = assert(stance.open(d))
      local seen, i = {}, 0
      for doc in c:documents() do
        i = i + 1
        -- the change made after the first document: every later one sees it
        if i == 2 then change() end
        local who = {}
        for _, a in ipairs(doc:annotations()) do
          who[a.annotator] = true
        end
        local names = {}
        for name in pairs(who) do
          names[#names + 1] = name
        end
        table.sort(names)
        seen[#seen + 1] = table.concat(names, ',')
      end
      return seen, c
    end
    local ann = d .. '/.stance/annotations'
    -- a new annotator (a folder made with layers in it): from the second document on
    local seen = pass_with(function()
      for _, name in ipairs(NAMES) do
        T.write(path_of(d, 'cy', name), (T.read(path_of(d, 'ana', name)):gsub('annotator ana', 'annotator cy')))
      end
    end)
    assert.are.equal('ana,ben', seen[1])
    for k = 2, #seen do
      assert.are.equal('ana,ben,cy', seen[k])
    end
    -- an annotator removed (its folder moved out)
    local out = T.tmpdir() .. '/cy'
    seen = pass_with(function() assert(os.rename(ann .. '/cy', out)) end)
    assert.are.equal('ana,ben,cy', seen[1])
    for k = 2, #seen do
      assert.are.equal('ana,ben', seen[k])
    end
    -- the annotators' folder replaced whole (renamed over) by one with cy only: seen within the
    -- second a folder's descriptor is trusted, and at once by a pass that starts after it
    local old = T.tmpdir() .. '/old-annotations'
    local new = d .. '/.stance/annotations.new'
    assert(os.execute(('mkdir -p %s && mv %s %s/cy'):format(T.q(new), T.q(out), T.q(new))))
    seen = pass_with(function()
      assert(os.rename(ann, old))
      assert(os.rename(new, ann))
      sleep(1.1)
    end)
    assert.are.equal('ana,ben', seen[1])
    for k = 2, #seen do
      assert.are.equal('cy', seen[k])
    end
    local _, c = pass_with(function() end)
    assert.are.same({ 'cy' }, c:layer_names())
  end)

  it('is the same through a script changing layers and saving them', function()
    local d = corpus()
    sleep(0.3)
    both(d)
    local c = assert(stance.open(d))
    local doc = assert(c:document('plain.txt'))
    local a = doc:annotations({ annotator = 'ana', label = 'claim' })[1]
    assert(a:update({ note = 'changed' }))
    assert(c:save())
    sleep(0.3)
    local fresh, cached = both(d)
    assert.are.equal(fresh, cached)
    assert.truthy(cached:find('note="changed"', 1, true))
  end)

  -- A schema of names no fixture uses (no favor/against), for what reads layers in place.
  local GENERATED = [[
format stance 1

target "tax-reform_2"
target ümlaut
stance pro
stance con
stance neutral
role thesis
relation rebuts
label "x.y-1"
  target "tax-reform_2"
  stance con
label plain
]]

  --- A corpus on `schema` annotated by two annotators with the schema's own values, through
  --- the API: every kind of record, several spans, a status, notes with quotes and newlines.
  local function annotated(schema_text)
    local d = T.tmpdir()
    local _, err, code = T.stance_run({ 'init', d })
    assert(code == 0, err)
    T.write(d .. '/.stance/schema.stance', schema_text)
    for i, name in ipairs(NAMES) do
      T.write(d .. '/' .. name, text_of(i))
    end
    local c = assert(stance.open(d))
    local s = assert(c:schema())
    for k, who in ipairs({ 'ana', 'ben' }) do
      for i, name in ipairs(NAMES) do
        local doc = assert(c:document(name))
        local ids = {}
        for j, l in ipairs(s.labels) do
          local spec = { annotator = who, label = l.name, note = ('%s "%d"\n%d'):format(who, i, j),
            spans = { { j, j + 3 }, { 40 + j, 44 + j } } }
          if not l.target and s.targets[1] then spec.target = s.targets[(i + j) % #s.targets + 1].name end
          if not l.stance and s.stances[1] then spec.stance = s.stances[(i + k) % #s.stances + 1].name end
          if s.roles[1] and not l.role then spec.role = s.roles[j % #s.roles + 1].name end
          ids[#ids + 1] = assert(doc:annotate(spec)).id
        end
        assert(doc:relate(ids[1], ids[#ids], s.relations[1].name, { annotator = who }))
        assert(doc:set_label({ target = s.targets[1].name, stance = s.stances[#s.stances].name, annotator = who }))
        if i % 2 == 0 then assert(doc:set_status('done', who)) end
      end
    end
    assert(c:save())
    return d
  end

  --- Every record as scripts see it: each annotation's fields (by name and through
  --- annotation.fields), the layers' records and status.
  local function records_of(c)
    local Annotation = require('stance.annotation')
    local out = {}
    for d in c:documents() do
      for _, kind in ipairs({ 'annotations', 'relations', 'labels' }) do
        for _, a in ipairs(d[kind](d)) do
          local f = Annotation.fields(a)
          for _, k in ipairs(FIELDS) do
            assert.are.same(f[k], a[k])
          end
          out[#out + 1] = f
        end
      end
      for _, who in ipairs(c:layer_names()) do
        local layer = d:layer(who)
        out[#out + 1] = { status = layer:status(), annotations = layer:records('annotation'),
          relations = layer:records('relation'), labels = layer:records('doclabel') }
      end
    end
    return out
  end

  it('reads cached layers in place, every field as a parse gives it, on the study\'s and generated schemas', function()
    local schemas = { SCHEMA, GENERATED }
    if T.shared then
      schemas[#schemas + 1] = T.read(T.shared .. '/study/schema.stance')
    else
      print('(../shared is absent: the study\'s schema is not tried)')
    end
    for _, schema_text in ipairs(schemas) do
      local d = annotated(schema_text)
      sleep(0.3)
      local fresh = assert(stance.open(d))
      fresh._lcache = false
      local want = records_of(fresh)
      assert.truthy(#want > 40)
      both(d) -- the cache made
      local c = assert(stance.open(d))
      assert.are.same(want, records_of(c))
      assert.are.equal(files(d), c:layer_cache():stats().hits)
      -- read in place: no store was made of any layer
      local doc = assert(c:document('plain.txt'))
      local layer = doc:layer('ana')
      assert.truthy(rawget(layer.file, 'view'))
      assert.is_nil(rawget(layer.file, 'store'))
      -- an annotation read before a change stays what it was; the change is saved as without the cache
      local a = doc:annotations({ annotator = 'ana' })[1]
      local note = a.note
      assert(a:update({ note = 'changed "here"' }))
      assert.are.equal(note, a.note)
      assert.are.equal('changed "here"', doc:annotations({ annotator = 'ana' })[1].note)
      assert(c:save())
      sleep(0.3)
      local f2, c2 = both(d)
      assert.are.equal(f2, c2)
      assert.truthy(c2:find('note="changed \\"here\\""', 1, true))
      -- a file deleted, one added, one changed: seen
      os.remove(path_of(d, 'ben', 'plain.txt'))
      T.write(path_of(d, 'cy', 'dots..txt'), T.read(path_of(d, 'ana', 'dots..txt')):gsub('annotator ana', 'annotator cy'))
      local p = path_of(d, 'ana', 'sub/deep/a b.txt')
      T.write(p, T.read(p):gsub('status done', 'status in-progress'))
      fresh = assert(stance.open(d))
      fresh._lcache = false
      c = assert(stance.open(d))
      want = records_of(fresh)
      assert.are.same(want, records_of(c))
      assert.truthy(#c:layer_names() == 3)
    end
  end)
end)
