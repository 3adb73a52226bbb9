-- The error about your own layer (broken, or a link) is what the screen shows on opening the
-- document, also when the name you annotate as came from the corpus's git (no
-- STANCE_ANNOTATOR): "annotating as" is said before it (it is in :messages), never over it.
-- Neovim in tmux on the study of ../shared, the screen read as it settles after opening.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'
local DOC4 = '004_e35aa5ebcc029514.txt'

--- Open `doc` in corpus `d` as the corpus's git user `who` (no STANCE_ANNOTATOR), wait for
--- `start` on the screen and let it settle: the screen the user sees on opening.
local function open_as_git(d, who, doc)
  assert(T.run(('git -C %s init -q && git -C %s config user.name %s'):format(T.q(d), T.q(d), who)))
  return T.tmux({ doc }, { cwd = d, width = 200, height = 30, ready = doc, env = { STANCE_ANNOTATOR = '' },
    init = "require('stance').setup({ autosave = { delay = 60000 } })" })
end

--- The screen once the messages of opening are over: settled, then looked at again later
--- (a message scheduled after another would have replaced it by then).
local function settled(nv, start)
  nv:wait(has('Trump'), 'the document')
  nv:settle(400)
  local screen = nv:settle(400)
  assert(has('(stance) ' .. start)(screen), tmux.plain(screen))
  return screen
end

describe('the error about your layer on opening, the annotator named by git', function()
  after_each(T.cleanup)

  it('a broken layer of ben: its error is on the screen, "annotating as" in :messages before it', function()
    local study = require('helpers.study')
    local d = study.with_layer('ben', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local rel = '.stance/annotations/ben/' .. DOC .. '.stance'
    T.write(d .. '/' .. rel, T.read(d .. '/' .. rel) .. '\nannotation zzzzzzzzzzzz\n  note "cut short\n')
    local nv = open_as_git(d, 'ben', DOC)
    tmux.driving(nv, function()
      local start = 'your layer has 1 error(s): fix it to annotate; the first at ' .. rel .. ':'
      local screen = settled(nv, start)
      assert.is_nil(tmux.plain(screen):find('annotating as', 1, true))
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
      local messages = nv:lua("return vim.fn.execute('messages')")
      local said = assert(messages:find('stance: annotating as ben (from the corpus\'s git user.name', 1, true), messages)
      local err = assert(messages:find('(stance) ' .. start, 1, true), messages)
      assert.is_true(said < err, messages)
    end)
  end)

  it('a layer of ana that is a link: the refusal is on the screen', function()
    local study = require('helpers.study')
    local d = study.with_layer('ben', DOC4, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local ann = d .. '/.stance/annotations/'
    os.execute(('mkdir -p %s && ln -s ../ben/%s.stance %s'):format(T.q(ann .. 'ana'), DOC4,
      T.q(ann .. 'ana/' .. DOC4 .. '.stance')))
    local nv = open_as_git(d, 'ana', DOC4)
    tmux.driving(nv, function()
      local start = 'your layer is a link: remove it to annotate; .stance/annotations/ana/' .. DOC4 .. '.stance:1:1:'
      nv:wait(has('(stance) your layer is a link'), 'the refusal')
      nv:settle(400)
      local screen = nv:settle(400)
      assert(has('(stance) ' .. start)(screen), tmux.plain(screen))
      assert.is_nil(tmux.plain(screen):find('annotating as', 1, true))
      local messages = nv:lua("return vim.fn.execute('messages')")
      assert.truthy(messages:find('stance: annotating as ana (from the corpus\'s git user.name', 1, true), messages)
    end)
  end)
end)
