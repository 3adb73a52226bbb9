-- :Stance curate on the screen (tmux, read right after each key): where gold and the curation
-- record disagree (a place the record rejected that gold holds: put back by hand, by a merge of
-- two curators' golds), the panel says so, goes there, and a decision ends it. Each Neovim of
-- the matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

local function layer(d, who, list)
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  local ss = doc:sentences()
  for _, a in ipairs(list) do
    local s = ss[a[1]]
    assert(doc:annotate({ start = s.start, stop = s.stop, label = a[2], role = a[3], annotator = who }))
  end
  assert(doc:set_status('done', who))
  assert(c:save())
end

--- ana's and ben's layers of DOC (they disagree on sentence 3; ben alone annotates sentence 5)
--- curated by carl: ana's version of the first place accepted, the second rejected; the
--- curation (stance.curation), saved.
local function curated(d)
  layer(d, 'ana', { { 3, 'engagement-favor', 'claim' } })
  layer(d, 'ben', { { 3, 'engagement-against', 'premise' }, { 5, 'sanctions-favor', 'premise' } })
  local cur = assert(require('stance.curation').open(assert(require('stance').open(d)), DOC, nil, 'carl'))
  assert(cur:accept(cur.disputed[1], 'ana'))
  cur:reject(cur.disputed[2])
  assert(cur:save())
  return cur
end

--- Neovim in tmux on DOC of corpus `d`, annotating as carl.
local function open_as_carl(d)
  return T.tmux({ DOC }, { cwd = d, width = 160, height = 40, ready = 'Should Offer Diplomatic',
    env = { STANCE_ANNOTATOR = 'carl' },
    init = "require('stance').setup({ annotator = 'carl' }); require('stance.editor.cache').delay = 1000" })
end

describe('the curation panel', function()
  after_each(T.cleanup)

  it('says where gold holds a place the curation record rejected, goes there, and a decision ends it', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared is not here') end
    curated(d)
    -- ben's sanctions annotation in gold after all (by hand, or an old merge of two golds)
    layer(d, 'gold', { { 5, 'sanctions-favor', 'premise' } })
    local nv = open_as_carl(d)
    tmux.driving(nv, function()
      nv:keys(':Stance curate')
      local screen = nv:key('Enter', has('disputed 2 of 2'), 'the panel')
      local plain = tmux.plain(screen)
      assert.truthy(plain:find('! gold and the curation record disagree on 1 place(s)', 1, true), plain)
      -- the panel opens at that place (the first is decided and agrees)
      assert.truthy(plain:find('disputed 2 of 2', 1, true), plain)
      assert.truthy(plain:find('! the curation record rejected it, but gold holds it', 1, true), plain)
      screen = nv:key('x', function(s) return not tmux.plain(s):find('gold holds it', 1, true) end, 'rejected again')
      plain = tmux.plain(screen)
      assert.falsy(plain:find('disagree on', 1, true), plain)
    end)
    local gold = assert(require('stance.core').read(T.read(d .. '/.stance/annotations/gold/' .. DOC .. '.stance')))
    assert.are.equal(0, #gold:find({ target = 'sanctions' }))
  end)

  it('shows a place two curators decided differently (merged into conflicts) open, and a decision ends it', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared is not here') end
    local cur = curated(d)
    assert.are.equal('done', cur.gold:status())
    -- as the merge driver leaves it when another curator accepted ben's version meanwhile
    local file = d .. '/.stance/curation/' .. DOC .. '.json'
    local json = require('stance.json')
    local st = json.decode(T.read(file))
    local key = cur.disputed[2].key
    st.rejected[key] = nil
    st.conflicts = { [key] = { ours = { rejected = true }, theirs = { accepted = 'ben' } } }
    T.write(file, json.encode(st) .. '\n')
    local nv = open_as_carl(d)
    tmux.driving(nv, function()
      nv:keys(':Stance curate')
      local screen = nv:key('Enter', has('disputed 2 of 2'), 'the panel')
      local plain = tmux.plain(screen)
      assert.truthy(plain:find('disputed: 1 of 2 resolved', 1, true), plain)
      assert.truthy(plain:find('two curators decided 1 place(s) differently', 1, true), plain)
      assert.truthy(plain:find('! two curators decided it differently (ours rejected, theirs', 1, true), plain)
      screen = nv:key('x', has('all resolved'), 'rejected again')
      plain = tmux.plain(screen)
      assert.falsy(plain:find('two curators', 1, true), plain)
    end)
    assert.is_nil(json.decode(T.read(file)).conflicts)
  end)
end)
