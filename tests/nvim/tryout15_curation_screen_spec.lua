-- Tryout 15 on the screen (tmux, read right after each key): curation on the real study
-- (../shared/study). #9: a document whose annotators are in progress: gold stays in
-- progress when nothing is left to decide (what nobody has read is not "no stance"), and the
-- curator's D marks it done. #11: after curation, an annotator's new annotations: :Stance
-- progress and the panel say gold is done with places undecided since; the first decision
-- sets it in progress, the last done again. #10b: a curator with no layer is no column of
-- :Stance progress. Each Neovim of the matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'
local GOLD = '/.stance/annotations/gold/' .. DOC .. '.stance'

local function open(d, who)
  return T.tmux({ DOC }, { cwd = d, width = 160, height = 40, ready = 'Should Offer Diplomatic',
    env = { STANCE_ANNOTATOR = who },
    init = "require('stance').setup({ annotator = '" .. who .. "' }); require('stance.editor.cache').delay = 1000" })
end

--- `who`'s layer on DOC: one annotation per item { sentence, label, role }; `status`.
local function layer(d, who, list, status)
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  local ss = doc:sentences()
  for _, a in ipairs(list) do
    local s = ss[a[1]]
    assert(doc:annotate({ start = s.start, stop = s.stop, label = a[2], role = a[3], annotator = who }))
  end
  if status then assert(doc:set_status(status, who)) end
  assert(c:save())
end

--- ana and ben agree on sentence 3 (engagement favor, a claim), each with `status`; the
--- curation of it (by carl) with the agreed place in gold, not saved yet.
local function agreed(d, status)
  layer(d, 'ana', { { 3, 'engagement-favor', 'claim' } }, status)
  layer(d, 'ben', { { 3, 'engagement-favor', 'claim' } }, status)
  local cur = assert(require('stance.curation').open(assert(require('stance').open(d)), DOC, nil, 'carl'))
  assert.are.equal(1, cur:apply_agreed())
  return cur
end

--- Gold's status on disk.
local function gold_status(d)
  local text = T.read(d .. GOLD)
  return text and assert(require('stance.core').read(text)):header().status or nil
end

describe('tryout 15 on the screen: curation', function()
  after_each(T.cleanup)

  it('#9: annotators in progress: gold stays in progress when nothing is left, D marks it done, :Stance done! back',
    function()
      local d = require('helpers.study').corpus()
      if not d then return pending('../shared is not here') end
      -- ana and ben both in progress; two disputed places (engagement on sentence 3, sanctions
      -- on sentence 5)
      layer(d, 'ana', { { 3, 'engagement-favor', 'claim' } }, 'in-progress')
      layer(d, 'ben', { { 3, 'engagement-against', 'premise' }, { 5, 'sanctions-favor', 'premise' } }, 'in-progress')
      local nv = open(d, 'carl')
      tmux.driving(nv, function()
        nv:keys(':Stance curate')
        local screen = nv:key('Enter', has('disputed: 0 of 2 resolved'), 'the panel')
        assert.truthy(tmux.plain(screen):find('ana in progress, ben in progress', 1, true), tmux.plain(screen))
        assert.truthy(tmux.plain(screen):find('D gold done now', 1, true), tmux.plain(screen))
        nv:key('1', has('disputed: 1 of 2 resolved'), 'the first decision')
        -- the last decision: nothing left, but gold stays in progress, and says why
        nv:key('x', has('all resolved'), 'the last decision')
        screen = nv:wait(has('nothing left to decide, but gold stays in progress: ana, ben not done with ' .. DOC),
          'why gold stays in progress')
        assert.falsy(tmux.plain(screen):find('now counts as curated', 1, true), tmux.plain(screen))
        assert.truthy(tmux.plain(screen):find('gold: in progress: ana, ben not done with the document', 1, true),
          tmux.plain(screen))
        assert.are.equal('in-progress', gold_status(d))
        -- the curator's word: D
        screen = nv:key('D', has('gold marked done by you: ' .. DOC .. ' now counts as curated'), 'D')
        assert.truthy(tmux.plain(screen):find('gold: done on your word (ana, ben not done with the document)', 1, true),
          tmux.plain(screen))
        assert.are.equal('done', gold_status(d))
        -- :Stance done! in the panel takes it back
        nv:keys(':Stance done!')
        screen = nv:key('Enter', has('gold of ' .. DOC .. ' in progress again'), ':Stance done!')
        assert.truthy(tmux.plain(screen):find('gold: in progress: ana, ben not done', 1, true), tmux.plain(screen))
        assert.are.equal('in-progress', gold_status(d))
        -- and :Stance done marks it again (never ben's or carl's own layer)
        nv:keys(':Stance done')
        nv:key('Enter', has('gold marked done by you'), ':Stance done')
        assert.are.equal('done', gold_status(d))
        assert.is_false(T.exists(d .. '/.stance/annotations/carl'))
      end)
    end)

  it('#11/#10b: a layer changed after the curation: :Stance progress and the panel say it; decisions set gold back',
    function()
      local d = require('helpers.study').corpus()
      if not d then return pending('../shared is not here') end
      -- curated: ana and ben agree on sentence 3, both done: gold done
      assert(agreed(d, 'done'):save())
      assert.are.equal('done', gold_status(d))
      -- later ben annotates sentences 5 and 6
      layer(d, 'ben', { { 5, 'sanctions-favor', 'premise' }, { 6, 'sanctions-favor', 'premise' } })
      local nv = open(d, 'carl')
      tmux.driving(nv, function()
        nv:keys(':Stance progress')
        local screen = nv:key('Enter', has('done (1), 2 open'), 'the progress view')
        local plain = tmux.plain(screen)
        -- carl curates, has no layer: no column of his
        assert.truthy(plain:find('5 documents, 2 annotators and the curation (gold)', 1, true), plain)
        assert.truthy(plain:find('document%s+ana%s+ben%s+gold%s*\n'), plain)
        assert.falsy(plain:find('carl', 1, true), plain)
        assert.truthy(plain:find('gold of ' .. DOC .. ' is marked done, but 2 place(s) are undecided', 1, true), plain)
        nv:key('q', function(sc) return not tmux.plain(sc):find('2 open', 1, true) end, 'the view closed')
        nv:keys(':Stance curate')
        screen = nv:key('Enter', has('disputed: 0 of 2 resolved'), 'the panel')
        assert.truthy(tmux.plain(screen):find('gold: done, but 2 place(s) undecided since', 1, true), tmux.plain(screen))
        nv:wait(has('gold was marked done, but 2 place(s) are undecided since'), 'said when the curation opens')
        assert.are.equal('done', gold_status(d))
        -- the first decision: in progress until the last
        screen = nv:key('2', has('gold in progress again: 1 place(s) left to decide'), 'the first decision')
        assert.truthy(tmux.plain(screen):find('disputed: 1 of 2 resolved', 1, true), tmux.plain(screen))
        assert.are.equal('in-progress', gold_status(d))
        screen = nv:key('2', has('gold marked done, nothing left to decide: ' .. DOC .. ' now counts as curated'),
          'the last decision')
        assert.truthy(tmux.plain(screen):find('all resolved', 1, true), tmux.plain(screen))
        assert.falsy(tmux.plain(screen):find('gold: ', 1, true), tmux.plain(screen))
        assert.are.equal('done', gold_status(d))
      end)
    end)

  it('a gold done while its annotators are in progress, with no curator\'s word: progress and the panel say it, D confirms',
    function()
      local d = require('helpers.study').corpus()
      if not d then return pending('../shared is not here') end
      -- as an earlier version left it: gold marked done by the curation, ana and ben in progress
      local cur = agreed(d, 'in-progress')
      cur.gold:set_status('done')
      assert(cur.gold:save())
      local nv = open(d, 'carl')
      tmux.driving(nv, function()
        nv:keys(':Stance progress')
        local screen = nv:key('Enter', has('done (1) ?'), 'the progress view')
        assert.truthy(tmux.plain(screen):find('gold of ' .. DOC .. ' is marked done, but ana, ben not done with ' .. DOC
          .. ' and no curator said so', 1, true), tmux.plain(screen))
        nv:key('q', function(sc) return not tmux.plain(sc):find('done (1) ?', 1, true) end, 'the view closed')
        nv:keys(':Stance curate')
        screen = nv:key('Enter', has('nothing disputed'), 'the panel')
        -- (the panel wraps the line where its window ends)
        assert.truthy(tmux.plain(screen):find('gold: done, though ana, ben not done with the document and no cu', 1,
          true), tmux.plain(screen))
        nv:wait(has('gold is marked done, but ana, ben not done with ' .. DOC), 'said when the curation opens')
        screen = nv:key('D', has('gold marked done by you: ' .. DOC), 'D')
        assert.truthy(tmux.plain(screen):find('gold: done on your word (ana, ben not done with the document)', 1, true),
          tmux.plain(screen))
        assert.are.equal('done', gold_status(d))
        assert.are.equal('carl', require('stance.json').decode(T.read(d .. '/.stance/curation/' .. DOC .. '.json')).done_by)
      end)
    end)

  it('#11: the one place left since gold was done, decided: gold stays done, and says so', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared is not here') end
    assert(agreed(d, 'done'):save())
    layer(d, 'ben', { { 5, 'sanctions-favor', 'premise' } })
    local nv = open(d, 'carl')
    tmux.driving(nv, function()
      nv:keys(':Stance curate')
      nv:key('Enter', has('gold: done, but 1 place(s) undecided since'), 'the panel')
      local screen = nv:key('x', has('nothing left to decide: gold of ' .. DOC .. ' stays done'), 'the decision')
      assert.truthy(tmux.plain(screen):find('all resolved', 1, true), tmux.plain(screen))
      assert.are.equal('done', gold_status(d))
    end)
  end)
end)
