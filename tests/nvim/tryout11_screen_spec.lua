-- Tryout 11 on the screen (tmux, read right after each key): what a new user found trying the
-- real study (../shared/study, stances favor and against only): the last annotation kept when
-- the terminal closes, Neovim is killed or suspended; ]u from the first line; the legend's q
-- and :q; the annotator's name said once. Each Neovim of the matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has
local driving = tmux.driving

local DOC = '000_6358a7516b2472dd.txt'

local function open(d, init, opts)
  opts = opts or {}
  return T.tmux({ DOC }, { cwd = opts.cwd or d, width = 160, height = 30, ready = 'Trump Should Offer',
    init = init or "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
end

--- The annotations in ana's file of DOC (0 when there is no file).
local function on_disk(d)
  local path = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
  if not T.exists(path) then return 0 end
  local text = T.read(path)
  return assert(require('stance.core').read(text)):count('annotation')
end

describe('tryout 11 on the screen', function()
  after_each(T.cleanup)

  for _, how in ipairs({ 'HUP', 'TERM', 'kill-window' }) do
    it(('the annotation made just before %s is in the file'):format(how == 'kill-window'
      and 'the terminal closes (tmux kill-window)' or 'kill -' .. how), function()
      local d = require('helpers.study').corpus()
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local nv = open(d)
      local pid = nv:lua('return vim.fn.getpid()')
      driving(nv, function()
        nv:keys('g', 's', 'i', 's')
        nv:key('4', nil)
        nv:key('c', tmux.colored('Trump Should Offer'), 'the annotation drawn')
        assert.are.equal(0, on_disk(d)) -- autosave far away: pending
        if how == 'kill-window' then
          nv:tmux('kill-window', '-t', nv.name)
        else
          T.run(('kill -%s %d'):format(how, pid))
        end
        local deadline = os.time() + 20
        while os.time() < deadline and os.execute(('kill -0 %d 2>/dev/null'):format(pid)) == 0 do
          vim.loop.sleep(50)
        end
        assert.are.equal(1, on_disk(d))
      end)
    end)
  end

  it('Ctrl-Z writes the pending annotation before Neovim stops', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = open(d)
    local pid = nv:lua('return vim.fn.getpid()')
    driving(nv, function()
      nv:keys('g', 's', 'i', 's')
      nv:key('4', nil)
      nv:key('c', tmux.colored('Trump Should Offer'), 'the annotation drawn')
      assert.are.equal(0, on_disk(d))
      nv:tmux('send-keys', '-t', nv.name, 'C-z')
      local deadline = os.time() + 20
      while os.time() < deadline and on_disk(d) == 0 do
        vim.loop.sleep(50)
      end
      assert.are.equal(1, on_disk(d))
      T.run(('kill -CONT %d'):format(pid))
    end)
  end)
  it(']u from 1,1 of a document just opened reaches its headline, then goes on without sticking', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = open(d)
    local c = assert(require('stance').open(d))
    local ss = assert(c:document(DOC)):sentences()
    assert.are.equal(0, ss[1].start) -- the headline starts at 1,1
    local function row_col() return nv:lua("return vim.api.nvim_win_get_cursor(0)") end
    local function at(i)
      local p = row_col()
      local off = nv:lua(("return vim.api.nvim_buf_get_offset(0, %d) + %d"):format(p[1] - 1, p[2]))
      local frame_off = nv:lua(("return require('stance.editor.session').get():get_frame():cp_to_buf(%d)")
        :format(ss[i].start))
      return off == frame_off
    end
    driving(nv, function()
      assert.are.same({ 1, 1 }, { nv:cursor() })
      nv:keys(']')
      local screen = nv:key('u', nil)
      assert.are.same({ 1, 1 }, { nv:cursor() }, screen) -- the headline is the next unannotated one
      assert.is_true(at(1))
      nv:keys(']')
      nv:key('u', function() return at(2) end, ']u goes on to the second sentence')
      nv:keys(']')
      nv:key('u', function() return at(3) end, 'and the third')
      -- back to 1,1: the headline again, and on from there
      nv:keys('g')
      nv:key('g', function() return nv:cursor() == 1 end)
      nv:keys(']')
      nv:key('u', nil)
      assert.is_true(at(1))
      -- the headline annotated: ]u from 1,1 goes to the second sentence
      nv:keys('g', 's', 'i', 's')
      nv:key('4', nil)
      nv:key('c', tmux.colored('Trump Should Offer'), 'the headline annotated')
      nv:keys('g')
      nv:key('g', nil)
      nv:keys(']')
      nv:key('u', function() return at(2) end, ']u past the annotated headline')
      -- [u from below lands on the headline when it has no stance: ]u then goes on
      nv:key('u', function(sc) return not tmux.colored('Trump Should Offer')(sc) end, 'the annotation undone')
      nv:lua(("local s = require('stance.editor.session').get()"
        .. " require('stance.editor.where').jump(s:get_frame():cp_to_buf(%d))"):format(ss[2].start))
      nv:keys('[')
      nv:key('u', function() return at(1) end, '[u to the headline')
      nv:keys(']')
      nv:key('u', function() return at(2) end, ']u after [u landed on the headline goes on')
    end)
  end)
  it(':Stance legend keeps the cursor in the document: run again or q in it closes; :q never leaves it alone', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = open(d)
    local legend = has('targets (underlined)')
    local gone = function(sc) return not legend(sc) end
    local screen = tmux.driving_to_quit(nv, function()
      nv:keys(':Stance legend')
      nv:key('Enter', legend, 'the legend')
      assert.truthy(nv:lua('return vim.api.nvim_buf_get_name(0)'):find(DOC, 1, true))
      nv:keys(':Stance legend')
      nv:key('Enter', gone, 'closed by the same command')
      nv:keys(':Stance legend')
      nv:key('Enter', legend, 'the legend again')
      nv:key('C-w', nil)
      nv:key('l', nil)
      assert.are.equal('stance://legend', nv:lua('return vim.api.nvim_buf_get_name(0)'))
      nv:key('q', gone, 'q in the legend closes it')
      assert.truthy(nv:lua('return vim.api.nvim_buf_get_name(0)'):find(DOC, 1, true))
      nv:keys(':Stance legend')
      nv:key('Enter', legend, 'the legend once more')
    end)
    -- nv:quit() typed :qa; :q alone must end Neovim too (below)
    assert.truthy(screen)
    nv = open(d)
    driving(nv, function()
      nv:keys(':Stance legend')
      nv:key('Enter', legend, 'the legend')
      nv:keys(':q')
      nv:tmux('send-keys', '-t', nv.name, 'Enter')
      nv:wait(function() return nv:dead() end, ':q in the document ends Neovim, legend and all')
    end)
  end)
  it('says once who you annotate as when the name comes from the corpus\'s git, started outside it', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    assert(T.run(('git -C %s init -q && git -C %s config user.name "Corpus Person"'):format(T.q(d), T.q(d))))
    local nv = T.tmux({ d .. '/' .. DOC }, { cwd = '/', width = 160, height = 30, ready = 'Trump Should Offer',
      env = { STANCE_ANNOTATOR = '' },
      init = "require('stance').setup({ autosave = { delay = 60000 } })" })
    driving(nv, function()
      local screen = nv:wait(has('stance: annotating as Corpus Person (from the corpus\'s git user.name'), 'the name said')
      assert.are.equal(1, tmux.count(screen, 'annotating as'))
      -- the next document of the corpus says nothing again
      nv:keys(':edit ' .. d .. '/001_6520dcfa8ca08700.txt')
      screen = nv:key('Enter', has('001_6520dcfa8ca08700.txt'), 'the second document')
      assert.is_nil(tmux.plain(screen):find('annotating as', 1, true))
      assert.are.equal('Corpus Person', nv:lua('return require("stance").annotator()'))
    end)
  end)
  it('refuses a git name that is a reserved layer (model), once, on one line, and annotates nothing', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    assert(T.run(('git -C %s init -q && git -C %s config user.name model'):format(T.q(d), T.q(d))))
    local nv = T.tmux({ d .. '/' .. DOC }, { cwd = '/', width = 160, height = 30, ready = 'Trump Should Offer',
      env = { STANCE_ANNOTATOR = '' },
      init = "require('stance').setup({ autosave = { delay = 60000 } })" })
    driving(nv, function()
      local screen = nv:wait(has('your annotator name "model" (from the corpus\'s git user.name) is reserved'),
        'the refusal said')
      assert.are.equal(1, tmux.count(screen, 'is reserved'))
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
      assert.is_nil(tmux.plain(screen):find('annotating as', 1, true))
      assert.are.equal('', nv:lua('return require("stance").annotator()'))
      -- the next document of the corpus says nothing again, and is no session either
      nv:keys(':edit ' .. d .. '/001_6520dcfa8ca08700.txt')
      screen = nv:key('Enter', has('001_6520dcfa8ca08700.txt'), 'the second document')
      assert.is_nil(tmux.plain(screen):find('is reserved', 1, true))
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
      assert.is_false(nv:lua('return require("stance.editor.session").by_buf[vim.api.nvim_get_current_buf()] ~= nil'))
      assert.is_nil(tmux.plain(screen):find('Error', 1, true))
    end)
    assert.is_false(T.exists(d .. '/.stance/annotations/model/' .. DOC .. '.stance'))
  end)
  it('gX on a linked annotation says its relation went with it', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(DOC))
    local ss = doc:sentences()
    local a = assert(doc:annotate({ start = ss[2].start, stop = ss[2].stop, label = 'engagement-favor', role = 'claim',
      annotator = 'ana' }))
    local b = assert(doc:annotate({ start = ss[3].start, stop = ss[3].stop, label = 'engagement-favor',
      role = 'premise', annotator = 'ana' }))
    assert(doc:relate(b.id, a.id, 'supports', { annotator = 'ana' }))
    assert(c:save())
    local nv = open(d)
    driving(nv, function()
      nv:lua(("local s = require('stance.editor.session').get()"
        .. " require('stance.editor.where').jump(s:get_frame():cp_to_buf(%d))"):format(ss[3].start))
      nv:keys('g')
      local screen = nv:key('X', has('and its 1 relation (u brings them back)'), 'the relation said')
      assert.truthy(tmux.plain(screen):find('deleted engagement-favor "', 1, true), tmux.plain(screen))
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true))
    end)
  end)
  it('a long message takes one line, never "Press ENTER": :Stance side with a broken layer',
    function()
      local d = require('helpers.study').with_layer('ana', DOC,
        { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'in-progress')
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local c = assert(require('stance').open(d))
      local doc = assert(c:document(DOC))
      local s2 = doc:sentences()[2]
      assert(doc:annotate({ start = s2.start, stop = s2.stop, label = 'engagement-against', role = 'claim',
        annotator = 'ben' }))
      assert(c:save())
      local ben = d .. '/.stance/annotations/ben/' .. DOC .. '.stance'
      T.write(ben, T.read(ben) .. '\nannotation zzzzzzzzzzzz\n  span 5-99999999999999999999999\n  label x\n')
      local nv = T.tmux({ DOC }, { cwd = d, width = 100, height = 30, ready = 'Trump Should Offer',
        init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
      driving(nv, function()
        nv:keys(':Stance side ben')
        local screen = nv:key('Enter', has("(stance) ben's file has"), 'the broken layer said')
        assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
        assert.are.equal(1, tmux.count(screen, "ben's file has"))
        assert.truthy(nv:lua('return vim.fn.execute("messages")'):find('shown as far as it could be read', 1, true))
      end)
    end)
end)
