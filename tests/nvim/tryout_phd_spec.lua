-- What a political-science student's tryout of the editor found on the study
-- (../shared/study, ../shared/corpus), read on the screen (tmux) right after each key with no
-- redraw key in between: one-line messages after `:Stance edit`; every target of the schema
-- in `:Stance summary`, those without an annotation with zeros.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- The study with ana's layer on DOC: two sentences toward engagement and sanctions (none
--- toward human-rights or denuclearization-first); nil without ../shared.
local function study()
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/')
    :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  local ss = doc:sentences()
  assert(doc:annotate({ start = ss[1].start, stop = ss[1].stop, label = 'engagement-favor', role = 'premise',
    annotator = 'ana' }))
  assert(doc:annotate({ start = ss[3].start, stop = ss[3].stop, label = 'sanctions-against', role = 'premise',
    annotator = 'ana' }))
  assert(c:save())
  return d
end

local function driving(nv, fn)
  local ok, e = pcall(fn, nv)
  nv:close()
  if not ok then error(e, 0) end
end

local function start(d)
  return T.tmux({ DOC }, { cwd = d, width = 120, height = 40, ready = DOC,
    init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
end

describe('the tryout of a political-science student', function()
  after_each(T.cleanup)

  it(':Stance edit says what it changed, on one line', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    driving(start(d), function(nv)
      nv:wait(has('Trump Should Offer'), 'the document')
      nv:keys(':Stance edit role claim')
      local screen = nv:key('Enter', has('edited: engagement-favor'), 'the edit said')
      assert.truthy(has('claim "Trump Should Offer')(screen), tmux.plain(screen))
      assert.falsy(has('Press ENTER')(screen), tmux.plain(screen))
    end)
  end)

  it(':Stance summary lists every target of the schema, with zeros where nothing is annotated', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    driving(start(d), function(nv)
      nv:keys(':Stance summary')
      local screen = nv:key('Enter', has('denuclearization-first: favor 0 (0%), against 0 (0%)'), 'the summary')
      assert.truthy(has('human-rights: favor 0 (0%), against 0 (0%)')(screen), tmux.plain(screen))
      assert.truthy(has('engagement: favor 1 (100%), against 0 (0%)')(screen), tmux.plain(screen))
      assert.falsy(has('no annotation with a stance yet')(screen), tmux.plain(screen))
    end)
  end)
end)
