-- A folder of your layer is a symbolic link to another annotator's (adversary 14, finding 14:
-- `.stance/annotations/ana/sub -> ../ben/sub`, a document in sub/): the editor neither reads
-- ben's file as yours nor saves through the link (ben's file, header and all, untouched). It
-- is refused as a layer that is a link is, said once on one line, naming the file, the link
-- and where it leads. Neovim in tmux on the study of ../shared, the screen read right after
-- each key, then the files.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- The study with ben's layer on sub/DOC (a copy of DOC in sub/), and ana's folder `sub` a
--- link to ben's; nil when ../shared is not here.
local function corpus()
  local study = require('helpers.study')
  local d = study.with_layer('ben', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
  if not d then return nil end
  local ann = d .. '/.stance/annotations/'
  local ben = T.read(ann .. 'ben/' .. DOC .. '.stance')
  os.execute(('mkdir -p %s/sub %s %s && cp %s/%s %s/sub/ && rm %s && ln -s ../ben/sub %s'):format(T.q(d),
    T.q(ann .. 'ben/sub'), T.q(ann .. 'ana'), T.q(d), DOC, T.q(d), T.q(ann .. 'ben/' .. DOC .. '.stance'),
    T.q(ann .. 'ana/sub')))
  T.write(ann .. 'ben/sub/' .. DOC .. '.stance', (ben:gsub('document "' .. DOC:gsub('%p', '%%%0') .. '"',
    'document "sub/' .. DOC .. '"')))
  return d, ann
end

describe('a folder of your layer is a link, in a terminal', function()
  after_each(T.cleanup)

  it("is refused before any prompt and at :w, said once on one line; nothing read from nor written into ben's file",
    function()
      local d, ann = corpus()
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local bens = ann .. 'ben/sub/' .. DOC .. '.stance'
      local before = T.read(bens)
      local said = ('.stance/annotations/ana/sub/%s.stance:1:1: in .stance/annotations/ana/sub, a link to '
        .. ".stance/annotations/ben/sub: a layer's folders must be its own; nothing in it read as ana's nor written "
        .. 'through'):format(DOC)
      local refusal = 'a folder of your layer is a link: remove it to annotate; ' .. said .. '; nothing can be '
        .. 'annotated or changed until the folder is your own'
      local nv = T.tmux({ 'sub/' .. DOC }, { cwd = d, width = 80, height = 30, ready = 'Trump Should Offer',
        init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 100 } })" })
      tmux.driving(nv, function()
        local screen = nv:wait(has('(stance) a folder of your layer is a link: remove'), 'said on opening')
        assert.truthy(has('…')(screen), tmux.plain(screen))
        tmux.one_line(nv, screen, 'a folder of your layer is a link: remove', refusal)
        -- ben's annotation is not ana's: her layer holds none
        assert.are.equal(0, nv:lua("return #require('stance.editor.session').get().store:records('annotation')"))
        -- gsiw: refused at once, before the label prompt
        nv:keys(':messages clear', 'Enter')
        nv:keys('5G')
        nv:keys('w')
        nv:keys('gsi')
        screen = nv:key('w', has('(stance) a folder of your layer is a link: remove'), 'refused at once')
        assert.falsy(has('label:')(screen), tmux.plain(screen))
        tmux.one_line(nv, screen, 'a folder of your layer is a link: remove', refusal)
        -- :w writes nothing through it
        nv:keys(':messages clear', 'Enter')
        nv:keys(':w')
        screen = nv:key('Enter', has('nothing to write; a folder'), ':w refused')
        assert.falsy(has('annotations written')(screen), tmux.plain(screen))
        tmux.one_line(nv, screen, ('"sub/%s": nothing to write; a folder'):format(DOC), ('(stance) "sub/%s": nothing '
          .. 'to write; %s'):format(DOC, refusal))
        -- a forced save: refused with the same message
        assert.are.equal(refusal, nv:lua("return select(2, require('stance.editor.persist').save("
          .. "require('stance.editor.session').get(), { force = true }))"))
      end)
      assert.are.equal('../ben/sub\n', (T.run('readlink ' .. T.q(ann .. 'ana/sub'))))
      assert.are.equal(before, T.read(bens))
    end)

  it("a link put at a folder of your layer while you annotate: not saved through, what you did kept", function()
    local d, ann = corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    os.remove(ann .. 'ana/sub')
    local bens = ann .. 'ben/sub/' .. DOC .. '.stance'
    local before = T.read(bens)
    local nv = T.tmux({ 'sub/' .. DOC }, { cwd = d, width = 200, height = 30, ready = 'Trump Should Offer',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    tmux.driving(nv, function()
      nv:keys('4G')
      nv:keys('gsis')
      nv:key('4', has('role'), 'the role prompt')
      nv:key('c', function(sc) return not has('role')(sc) end, 'annotated')
      -- a pull puts the link at ana's folder sub (none written there yet)
      os.execute(('ln -s ../ben/sub %s'):format(T.q(ann .. 'ana/sub')))
      nv:keys(":lua require('stance.editor.persist').save(require('stance.editor.session').get())")
      local start = 'a folder of your layer is a link: remove it to save your changes (kept here); '
        .. '.stance/annotations/ana/sub/' .. DOC .. '.stance:1:1: in .stance/annotations/ana/sub,'
      local screen = nv:key('Enter', has('(stance) ' .. start), 'the save refused')
      tmux.one_line(nv, screen, start, 'a folder of your layer is a link: remove it to save your changes (kept here); '
        .. '.stance/annotations/ana/sub/' .. DOC .. '.stance:1:1: in .stance/annotations/ana/sub, a link to '
        .. ".stance/annotations/ben/sub: a layer's folders must be its own; nothing in it read as ana's nor written "
        .. 'through; not saved through it, your changes are kept in this session and saved once a file is there, '
        .. 'nothing more can be changed until then')
      assert.are.equal(1, nv:lua("return #require('stance.editor.session').get().store:records('annotation')"))
    end)
    assert.are.equal(before, T.read(bens))
  end)

  it(':Stance progress reads nothing through a link: the cell says "link", the lines below where it leads', function()
    local d, ann = corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    -- and ana's file of another document a link to ben's file
    local other = '001_6520dcfa8ca08700.txt'
    os.execute(('ln -s ../ben/sub/%s.stance %s'):format(DOC, T.q(ann .. 'ana/' .. other .. '.stance')))
    local nv = T.tmux({ other }, { cwd = d, width = 200, height = 30, ready = 'North Korea',
      init = "require('stance').setup({ annotator = 'ana' })" })
    tmux.driving(nv, function()
      nv:keys(':messages clear', 'Enter')
      nv:keys(':Stance progress')
      local screen = nv:key('Enter', has('neither done nor counted'), 'the progress view')
      -- ben's file is ben's (done, 1 annotation), never ana's
      local row = tmux.plain(tmux.row(screen, 'sub/' .. DOC))
      assert.truthy(row:find('^sub/' .. DOC:gsub('%p', '%%%0') .. '%s+link%s+done %(1%)'), row)
      row = nil -- (the table's row, not the document's status line)
      for _, r in ipairs(tmux.rows(screen)) do
        if tmux.plain(r):find('^' .. other:gsub('%p', '%%%0') .. '%s%s') then row = tmux.plain(r) end
      end
      assert.truthy(row and row:find('^' .. other:gsub('%p', '%%%0') .. '%s+link%s+·'), row or tmux.plain(screen))
      local st = tmux.style_of(tmux.row(screen, 'sub/' .. DOC), 'link')
      local done = tmux.style_of(tmux.row(screen, 'sub/' .. DOC), 'done')
      assert.are_not.same({ st.fg, st.bg }, { done.fg, done.bg }, 'link in a color of its own')
      local lines = nv:lua('return vim.api.nvim_buf_get_lines(0, 0, -1, false)')
      local said = table.concat(lines, '\n')
      for _, want in ipairs({
        ('.stance/annotations/ana/%s.stance:1:1: a link to .stance/annotations/ben/sub/%s.stance: a layer must be a file '
          .. "of its own; never read as ana's nor written through; neither done nor counted"):format(other, DOC),
        ('.stance/annotations/ana/sub/%s.stance:1:1: in .stance/annotations/ana/sub, a link to .stance/annotations/ben/'
          .. "sub: a layer's folders must be its own; nothing in it read as ana's nor written through; neither done nor "
          .. 'counted'):format(DOC) }) do
        assert.truthy(said:find(want, 1, true), said)
        assert.truthy(has(want:sub(1, 60))(screen), tmux.plain(screen))
      end
      assert.falsy(has('Press ENTER')(screen), tmux.plain(screen))
    end)
  end)
end)
