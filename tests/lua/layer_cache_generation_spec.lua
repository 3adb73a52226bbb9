-- The layer cache records the annotation files' generation a live watcher answered
-- (stance watch, stance.watch.client.current's fifth value) when it was opened, and only
-- when every entry it keeps was as of that generation: the file loaded recorded the same,
-- or each entry kept was checked since. (Nothing takes its word for it yet.)
local T = require('helpers')
local stance = require('stance')
local core = require('stance.core')
local Corpus = require('stance.corpus')
local client = require('stance.watch.client')

local W = require('helpers.watcher')
local linux, sleep, start, corpus = W.linux, W.sleep, W.start, W.corpus

--- The generation the watcher answers now.
local function gen(d)
  for _ = 1, 3 do
    local g = select(5, client.current(d))
    if g then return g end
  end
  error('the watcher gave no generation')
end

--- A pass over `names` (every document when nil) in a corpus opened afresh, its cache
--- saved: the number of annotations seen.
local function pass(d, names)
  local c = assert(stance.open(d))
  local n = 0
  if names then
    for _, name in ipairs(names) do
      n = n + #assert(c:document(name)):annotations()
    end
  else
    for doc in c:documents() do
      n = n + #doc:annotations()
    end
  end
  assert(c:save_layer_cache())
  return n
end

--- Whether the saved cache records generation `g`.
local function records(d, g)
  local c = assert(stance.open(d))
  local lc = assert(c:layer_cache())
  local yes = lc:generation_is(g)
  lc:close()
  return yes
end

describe('the layer cache\'s annotations generation', function()
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

  it('records none without a watcher, and the one asked at the start of a pass that checked every entry', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    sleep(0.05)
    assert.are.equal(6, pass(d))
    assert.is_true(core.exists(d .. '/.stance/cache/layers.bin'))
    pids[#pids + 1] = start(d)
    local g = gen(d)
    assert.is_false(records(d, g))
    -- a pass over every document: each entry checked (nothing else changed: written for it)
    assert.are.equal(6, pass(d))
    assert.is_true(records(d, g))
    assert.are.equal(g, gen(d))
    -- a file changed: another generation; a pass over one document checks only its entries
    local f = require('stance.root').annotation_path(d, 'ana', 'a.txt')
    T.write(f .. '.tmp', T.read(f))
    assert(os.rename(f .. '.tmp', f))
    local g2 = gen(d)
    assert.are_not.equal(g, g2)
    sleep(0.05)
    assert.are.equal(2, pass(d, { 'a.txt' }))
    assert.is_false(records(d, g2))
    assert.is_false(records(d, g))
    -- then every document: recorded again
    assert.are.equal(6, pass(d))
    assert.is_true(records(d, g2))
    -- the same generation loaded and asked: a pass over one document keeps it
    assert.are.equal(2, pass(d, { 'sub/b.txt' }))
    assert.is_true(records(d, g2))
  end)

  it('records none when the watcher does not answer', function()
    if not linux then return pending('no inotify on this system') end
    local d = corpus()
    local pid = start(d)
    pids[#pids + 1] = pid
    local g = gen(d)
    os.execute(('kill -STOP %d'):format(pid))
    sleep(0.05)
    assert.are.equal(6, pass(d))
    os.execute(('kill -CONT %d'):format(pid))
    assert.is_false(records(d, g))
    assert.are.equal(g, gen(d))
  end)
end)
