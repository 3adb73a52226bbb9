-- Your layer file is a symbolic link to another annotator's (tryout 9, item 5): the editor
-- neither reads it as yours nor saves through it or over it. It is refused as a layer with
-- errors is, with a message that names the file and where it leads, before any prompt (so
-- nothing typed is lost). Neovim in tmux on the study of ../shared, the screen read right
-- after each key, then the files.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- The link `eve` taken away (as the refusal tells you to), the session told to look at the
--- disk: waits until eve's new annotation is in a file of her own.
local function link_removed(nv, eve)
  os.remove(eve)
  nv:keys(":lua require('stance.editor.persist').check_disk(require('stance.editor.session').get())")
  nv:keys('Enter')
  nv:wait(function()
    local f = io.open(eve, 'rb')
    local text = f and f:read('*a')
    if f then f:close() end
    return text and text:find('label sanctions-against', 1, true)
  end, "eve's file written")
end

describe('your layer file is a link, in a terminal', function()
  after_each(T.cleanup)

  it('is shown empty and refused before any prompt, naming the link; nothing written through it', function()
    local study = require('helpers.study')
    local d = study.with_layer('ana', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local ann = d .. '/.stance/annotations/'
    local ana = T.read(ann .. 'ana/' .. DOC .. '.stance')
    os.execute(('mkdir -p %s && ln -s ../ana/%s.stance %s'):format(T.q(ann .. 'eve'), DOC,
      T.q(ann .. 'eve/' .. DOC .. '.stance')))
    local said = ('.stance/annotations/eve/%s.stance:1:1: a link to .stance/annotations/ana/%s.stance: a layer must be'
      .. " a file of its own; never read as eve's nor written through"):format(DOC, DOC)
    local refusal = 'your layer is a link: remove it to annotate; ' .. said .. '; nothing can be annotated or changed'
      .. ' until it is a file of its own'
    -- 80 columns: the message is cut with "…" (what happened and what to do first), whole in :messages
    local nv = T.tmux({ DOC }, { cwd = d, width = 80, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'eve', autosave = { delay = 100 } })" })
    tmux.driving(nv, function()
      local screen = nv:wait(has('(stance) your layer is a link: remove it to annotate'), 'said on opening')
      assert.truthy(has('Trump Should Offer')(screen), tmux.plain(screen))
      assert.truthy(has('…')(screen), tmux.plain(screen))
      tmux.one_line(nv, screen, 'your layer is a link: remove it to annotate', refusal)
      -- ana's annotation is not eve's: eve's layer holds none
      assert.are.equal(0, nv:lua("return #require('stance.editor.session').get().store:records('annotation')"))
      -- gsis: refused at once, before the label prompt
      nv:keys(':messages clear', 'Enter')
      nv:keys('4G')
      nv:keys('gsi')
      screen = nv:key('s', has('(stance) your layer is a link: remove it to annotate'), 'refused at once')
      assert.falsy(has('label:')(screen), tmux.plain(screen))
      tmux.one_line(nv, screen, 'your layer is a link: remove it to annotate', refusal)
      -- :Stance done: refused too
      nv:keys(':messages clear', 'Enter')
      nv:keys(':Stance done')
      screen = nv:key('Enter', has('(stance) your layer is a link: remove it'), ':Stance done refused')
      tmux.one_line(nv, screen, 'your layer is a link: remove it to annotate', refusal)
      -- a forced save: refused with the same message
      assert.are.equal(refusal, nv:lua("return select(2, require('stance.editor.persist').save("
        .. "require('stance.editor.session').get(), { force = true }))"))
    end)
    -- the link is a link still, and ana's file as it was
    assert.are.equal('../ana/' .. DOC .. '.stance\n', (T.run('readlink ' .. T.q(ann .. 'eve/' .. DOC .. '.stance'))))
    assert.are.equal(ana, T.read(ann .. 'ana/' .. DOC .. '.stance'))
  end)

  it('a link put in place of your layer while you annotate: not saved through, what you did kept and saved later',
    function()
      local study = require('helpers.study')
      local d = study.with_layer('ana', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local ann = d .. '/.stance/annotations/'
      local ana = T.read(ann .. 'ana/' .. DOC .. '.stance')
      local eve = ann .. 'eve/' .. DOC .. '.stance'
      local said = ('.stance/annotations/eve/%s.stance:1:1: a link to .stance/annotations/ana/%s.stance: a layer must'
        .. " be a file of its own; never read as eve's nor written through"):format(DOC, DOC)
      -- 160 columns: one line, the rest in :messages
      local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 30, ready = DOC,
        init = "require('stance').setup({ annotator = 'eve', autosave = { delay = 60000 } })" })
      tmux.driving(nv, function()
        nv:wait(has('Trump Should Offer'), 'the document')
        nv:keys('4G')
        nv:keys('gsis')
        nv:key('4', has('role'), 'the role prompt')
        nv:key('c', function(sc) return not has('role')(sc) end, 'annotated')
        -- a pull puts a link to ana's file in place of eve's (none written yet)
        os.execute(('mkdir -p %s && ln -s ../ana/%s.stance %s'):format(T.q(ann .. 'eve'), DOC, T.q(eve)))
        nv:keys(":lua require('stance.editor.persist').save(require('stance.editor.session').get())")
        -- what to do first, then the file:line:col (on the screen at 160 columns)
        local start = 'your layer is a link: remove it to save your changes (kept here); .stance/annotations/eve/' .. DOC
          .. '.stance:1:1:'
        local screen = nv:key('Enter', has('(stance) ' .. start), 'the save refused')
        tmux.one_line(nv, screen, start, 'your layer is a link: remove it to save your changes (kept here); ' .. said
          .. '; not saved through it, your changes are kept in this session and saved once a file is there, nothing'
          .. ' more can be changed until then')
        assert.are.equal('../ana/' .. DOC .. '.stance\n', (T.run('readlink ' .. T.q(eve))))
        assert.are.equal(ana, T.read(ann .. 'ana/' .. DOC .. '.stance'))
        -- the link removed: what eve did is saved into a file of her own
        link_removed(nv, eve)
      end)
      assert.are.equal(ana, T.read(ann .. 'ana/' .. DOC .. '.stance'))
      local store = assert(require('stance.core').read(T.read(eve)))
      assert.are.equal(1, store:count('annotation'))
      assert.are.equal('eve', store:header().annotator)
    end)
  it('a refused link said once per change of the link, not at each change of the file it leads to', function()
    local study = require('helpers.study')
    local d = study.with_layer('ana', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local ann = d .. '/.stance/annotations/'
    local ana = ann .. 'ana/' .. DOC .. '.stance'
    local eve = ann .. 'eve/' .. DOC .. '.stance'
    local nv = T.tmux({ DOC }, { cwd = d, width = 200, height = 30, ready = DOC,
      -- (room for the refusal and the mark after it without a prompt; no CursorHold meanwhile)
      init = "vim.o.cmdheight = 4 vim.o.updatetime = 600000 "
        .. "require('stance').setup({ annotator = 'eve', autosave = { delay = 60000 } })" })
    tmux.driving(nv, function()
      nv:wait(has('Trump Should Offer'), 'the document')
      nv:keys('4G')
      nv:keys('gsis')
      nv:key('4', has('role'), 'the role prompt')
      nv:key('c', function(sc) return not has('role')(sc) end, 'annotated')
      os.execute(('mkdir -p %s && ln -s ../ana/%s.stance %s'):format(T.q(ann .. 'eve'), DOC, T.q(eve)))
      local function said()
        return nv:lua([[local n = 0
          for _ in vim.fn.execute('messages'):gmatch('your layer is a link: remove it') do n = n + 1 end
          return n]])
      end
      --- The disk looked at (as when focus comes back), and what that says said (a mark after it).
      local function looked(mark)
        nv:keys(":lua require('stance.editor.persist').check_disk(require('stance.editor.session').get())"
          .. (" vim.schedule(function() print('%s') end)"):format(mark))
        local screen = nv:key('Enter', has(mark), 'the disk looked at')
        assert.falsy(has('Press ENTER')(screen), tmux.plain(screen))
      end
      looked('looked 1')
      assert.are.equal(1, said(), 'refused, said once')
      -- the file the link leads to changes (ana saves), twice: nothing said again
      T.write(ana, T.read(ana) .. '\n')
      looked('looked 2')
      T.write(ana .. '.new', T.read(ana))
      assert(os.rename(ana .. '.new', ana))
      looked('looked 3')
      assert.are.equal(1, said(), 'not said again for a change of what it leads to')
      -- the link itself replaced: said again, once
      os.execute(('ln -sfn ../ana/%s.stance %s.new && mv -T %s.new %s'):format(DOC, T.q(eve), T.q(eve), T.q(eve)))
      looked('looked 4')
      looked('looked 5')
      assert.are.equal(2, said(), 'a new link said once')
    end)
  end)

  it('your saved annotations kept when the link is taken away (a missing file is not every annotation deleted)',
    function()
      local study = require('helpers.study')
      local d = study.with_layer('eve', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } })
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local ann = d .. '/.stance/annotations/'
      local eve = ann .. 'eve/' .. DOC .. '.stance'
      local nv = T.tmux({ DOC }, { cwd = d, width = 200, height = 30, ready = DOC,
        init = "require('stance').setup({ annotator = 'eve', autosave = { delay = 60000 } })" })
      tmux.driving(nv, function()
        nv:wait(has('Trump Should Offer'), 'the document')
        nv:keys('4G')
        nv:keys('gsis')
        nv:key('4', has('role'), 'the role prompt')
        nv:key('c', function(sc) return not has('role')(sc) end, 'annotated')
        -- a pull moves eve's file away and puts a link in its place
        os.execute(('mkdir -p %s && mv %s %s && ln -s ../ana/%s.stance %s'):format(T.q(ann .. 'ana'), T.q(eve),
          T.q(ann .. 'ana/' .. DOC .. '.stance'), DOC, T.q(eve)))
        nv:keys(":lua require('stance.editor.persist').save(require('stance.editor.session').get())")
        local screen = nv:key('Enter', has('(stance) your layer is a link: remove it'), 'the save refused')
        assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
        link_removed(nv, eve) -- as the message says
      end)
      local store = assert(require('stance.core').read(T.read(eve)))
      assert.are.equal(2, store:count('annotation'))
    end)
end)
