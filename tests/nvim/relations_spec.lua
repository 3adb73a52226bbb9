-- Relations on the study (../shared/study): `gL` on a sentence with two annotations asks
-- which one (as `gX` does) instead of taking one silently; `:Stance list relations` shows
-- the labels of both ends and is made again when an end is deleted; `:Stance unlink`
-- removes one relation, picked when there are several, as one undo step on the screen and
-- on disk. Read on the screen (tmux) right after each key.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'
local MIXING = 'Mixing the two issues risks overloading'
local DEMAND = 'To demand liberalization before offering security'

--- The study with ana's layer on DOC: the DEMAND sentence annotated twice (a
--- human-rights-against claim, an engagement-favor premise), the MIXING sentence once. The
--- corpus's folder and the IDs { claim, premise, mixing }; nil without ../shared.
local function study()
  local d = require('helpers.study').corpus()
  if not d then return nil end
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  local function sentence(words)
    for _, s in ipairs(doc:sentences()) do
      if s.text:find(words, 1, true) then return s end
    end
    error('no sentence ' .. words)
  end
  local dm, mx = sentence(DEMAND), sentence(MIXING)
  local claim = assert(doc:annotate({ start = dm.start, stop = dm.stop, label = 'human-rights-against', role = 'claim',
    annotator = 'ana' }))
  local premise = assert(doc:annotate({ start = dm.start, stop = dm.stop, label = 'engagement-favor',
    role = 'premise', annotator = 'ana' }))
  local mixing = assert(doc:annotate({ start = mx.start, stop = mx.stop, label = 'human-rights-against',
    role = 'premise', annotator = 'ana' }))
  assert(c:save())
  return d, { claim = claim.id, premise = premise.id, mixing = mixing.id }
end

local driving = tmux.driving

--- The relations of ana's file on disk: { "from type to", ... } sorted.
local function on_disk(d)
  local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/ana/' .. DOC
    .. '.stance'))))
  local out = {}
  for _, r in ipairs(store:records('relation')) do
    out[#out + 1] = ('%s %s %s'):format(r.from, r.type, r.to)
  end
  table.sort(out)
  return out
end

--- Whether a row of the location list on `screen` holds `what`.
local function listed(what)
  return function(screen)
    for _, row in ipairs(tmux.rows(tmux.plain(screen))) do
      if row:find(DOC .. '|', 1, true) == 1 and row:find(what, 1, true) then return true end
    end
    return false
  end
end

local function unlisted(what)
  return function(screen) return not listed(what)(screen) end
end

describe('relations on the study', function()
  after_each(T.cleanup)

  it('gL asks which annotation of a sentence; :Stance unlink removes one, one undo step', function()
    local d, id = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 40, ready = DOC,
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    driving(nv, function()
      nv:keys('/' .. MIXING, 'Enter')
      nv:key('g', function() return true end, 'g')
      nv:key('L', has('link from human-rights-against "Mixing the two'), 'the source taken (one annotation)')
      nv:keys('/' .. DEMAND, 'Enter')
      nv:key('g', function() return true end, 'g')
      local screen = nv:key('L', has('link to'), 'a picker for the two annotations of the sentence')
      assert.truthy(has('engagement-favor')(screen) and has('human-rights-against')(screen), tmux.plain(screen))
      -- the claim: its number in the picker
      local n = tmux.plain(screen):match('(%d)[^\n]-human%-rights%-against[^\n]-claim')
        or tmux.plain(screen):match('(%d) human%-rights%-against')
      assert.truthy(n, tmux.plain(screen))
      nv:key(n, has('relation'), 'the relation asked')
      screen = nv:key('s', has('linked: human-rights-against "Mixing the two'), 'linked')
      assert.truthy(has('supports human-rights-against "To demand')(screen), tmux.plain(screen))
      nv:keys(':Stance save')
      nv:key('Enter', function() return #on_disk(d) == 1 end, 'saved')
      assert.are.same({ id.mixing .. ' supports ' .. id.claim }, on_disk(d))
      -- a second relation to the premise, then the list: both ends with their labels
      nv:keys('/' .. DEMAND, 'Enter', 'g')
      screen = nv:key('L', has('link from:'), 'the picker of the first end')
      local p = tmux.plain(screen):match('(%d) engagement%-favor')
      assert.truthy(p, tmux.plain(screen))
      nv:key(p, has('link from engagement-favor'), 'the premise taken')
      nv:keys('/' .. MIXING, 'Enter', 'g', 'L')
      nv:key('a', has('linked:'), 'attacks')
      nv:keys(':Stance list relations')
      screen = nv:key('Enter', listed('supports human-rights-against "To demand'), 'the list with labels')
      assert.truthy(listed('] human-rights-against "Mixing the two')(screen), tmux.plain(screen))
      assert.truthy(listed('] engagement-favor "To demand')(screen), tmux.plain(screen))
      -- back in the document: unlink on DEMAND, where both relations end: a picker
      nv:keys('C-w', 'p', '/' .. DEMAND, 'Enter')
      nv:keys(':Stance unlink')
      screen = nv:key('Enter', has('unlink:'), 'a picker of the two relations')
      local m = tmux.plain(screen):match('(%d) human%-rights%-against "Mixing[^\n]-supports')
      assert.truthy(m, tmux.plain(screen))
      screen = nv:key(m, has("unlinked: human-rights-against \"Mixing"), "the supports relation removed")
      assert.truthy(has("supports human-rights-against \"To demand")(screen), tmux.plain(screen))
      -- the list is made again: one relation left in it
      screen = nv:wait(unlisted('supports human-rights-against "To demand'), 'the list without it')
      assert.truthy(listed('attacks human-rights-against "Mixing')(screen), tmux.plain(screen))
      nv:keys(':Stance save')
      -- (the file held the supports relation alone before: wait for the attacks one)
      nv:key('Enter', function()
        local left = on_disk(d)
        return #left == 1 and left[1]:find(' attacks ', 1, true) ~= nil
      end, 'saved without it')
      -- one u brings it back, on the screen and on disk; <C-r> takes it away again
      nv:key('u', listed('supports human-rights-against "To demand'), 'back in the list')
      nv:keys(':Stance save')
      nv:key('Enter', function() return #on_disk(d) == 2 end, 'back on disk')
      nv:key('C-r', unlisted('supports human-rights-against "To demand'), 'gone again')
      nv:keys(':Stance save')
      nv:key('Enter', function() return #on_disk(d) == 1 end, 'gone on disk')
      -- the end deleted (gX on the claim): the list is made again without its relation
      nv:key('u', listed('supports human-rights-against "To demand'), 'back once more')
      nv:keys('g', 'X')
      nv:key(n, unlisted('supports human-rights-against "To demand'), 'the relation of a deleted end leaves the list')
      assert.truthy(listed('attacks human-rights-against "Mixing')(nv:screen()), tmux.plain(nv:screen()))
    end)
  end)
end)
