-- A layer file in your folder whose header names another annotator (moved or copied there
-- from their folder, by hand or by a merge) is theirs: the editor wrote your name over it at
-- the next save, passing their work off as yours (and `stance check` then found it clean).
-- Read on the screen (tmux, the study): said on opening, shown, a create refused with the
-- same words, the file left byte for byte as it was, :q quits.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

describe('a layer that names another annotator', function()
  after_each(T.cleanup)

  it('is shown read-only, never written over with your name', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    -- ben's layer, in ana's folder
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(DOC))
    local s = doc:sentences()[3]
    assert(doc:annotate({ start = s.start, stop = s.stop, label = 'engagement-favor', role = 'claim',
      annotator = 'ben' }))
    assert(c:save())
    os.execute(('mkdir -p %s/.stance/annotations/ana && mv %s/.stance/annotations/ben/%s.stance %s/.stance/annotations/ana/')
      :format(T.q(d), T.q(d), DOC, T.q(d)))
    local file = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
    local before = T.read(file)
    assert.truthy(before:find('annotator ben', 1, true))
    local nv = T.tmux({ DOC }, { cwd = d, width = 200, height = 30, ready = 'Doug Bandow',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 200 } })" })
    local ok, err = pcall(function()
      nv:wait(tmux.has('names annotator ben'), 'said on opening')
      nv:keys(':call search("ambassador")', 'Enter')
      local screen = nv:key('gsis', 'names annotator ben', 'the create refused')
      assert.is_nil(tmux.plain(screen):find('engagement-favor', 1, true), 'no label question: ' .. tmux.plain(screen))
      nv:keys(':w', 'Enter')
      vim.loop.sleep(600)
      assert.are.equal(before, T.read(file), 'the file written over')
      nv:keys(':q', 'Enter')
      local deadline = os.time() + 10
      while not nv:dead() and os.time() < deadline do
        vim.loop.sleep(100)
      end
      assert.is_true(nv:dead(), ':q quits: nothing of yours is held')
    end)
    if not ok then
      if not nv:dead() then nv:close() end
      error(err, 0)
    end
    assert.are.equal(before, T.read(file))
  end)
end)
