-- Another annotator's layer that arrives while Neovim is open (a `git pull`, written here by
-- another process): offered by `:Stance layers` and `:Stance side`, counted by `:Stance
-- curate`, without a new Neovim; a side view of an annotator who has no layer is refused
-- with the names of those who have one, and leaves the window as it was. Your own layer
-- changed by a pull is drawn again with no key (reloaded, or merged with what is not saved
-- yet: a conflict then listed and kept). On the study's schema, read on the screen (tmux)
-- right after each key.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- A corpus of the study with ana's layer on DOC (three sentences annotated, done); nil
--- without ../shared.
local function study()
  local claims = {}
  for i = 2, 6, 2 do claims[#claims + 1] = { sentence = i, label = 'engagement-favor', role = 'claim' } end
  return require('helpers.study').with_layer('ana', DOC, claims, 'done')
end

--- What `git pull` brings: WHO's layer on DOC (other labels than ana's on the same
--- sentences), marked done, written by another process than the editor.
local function pull(d, who)
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  local ss = doc:sentences()
  for i = 2, 6, 2 do
    assert(doc:annotate({ start = ss[i].start, stop = ss[i].stop, label = 'sanctions-against', role = 'premise',
      annotator = who }))
  end
  assert(doc:set_status('done', who))
  assert(c:save())
end

local driving = tmux.driving

--- What a `git pull` does to ana's layer of DOC in `d`: `change(store)` on what the file
--- holds, written to another file and renamed over it (as git checks out a file).
local function pull_own(d, change)
  local path = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
  local store = assert(require('stance.core').read(assert(T.read(path))))
  change(store)
  T.write(path .. '.pull', store:write())
  assert(os.rename(path .. '.pull', path))
end

describe('a layer pulled while the editor is open', function()
  after_each(T.cleanup)

  it('your own layer changed by a pull is drawn again with no key, merged with what is not saved', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(DOC))
    local ss = doc:sentences()
    local title = assert(doc:annotate({ start = ss[1].start, stop = ss[1].stop, label = 'engagement-favor',
      role = 'claim', annotator = 'ana' }))
    local other = assert(doc:annotate({ start = ss[3].start, stop = ss[3].stop, label = 'sanctions-against',
      role = 'premise', annotator = 'ana' }))
    assert(c:save())
    local nv = T.tmux({ DOC }, { cwd = d, width = 120, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    driving(nv, function()
      nv:wait(has('Trump Should Offer'), 'the document')
      -- nothing unsaved: the pull adds a relation; drawn with no key
      pull_own(d, function(store)
        assert(store:add({ kind = 'relation', id = 'pulled1', from = other.id, to = title.id, type = 'supports' }))
      end)
      nv:wait(has('[→ 1 supports]'), 'the pulled relation drawn with no key')
      nv:wait(has('changed on disk: reloaded'), 'the reload said')
      -- a change not saved yet (autosave is a minute away), then a pull that changes the same
      -- annotation: merged at once, both versions kept, listed and kept with :Stance keep
      nv:keys(':Stance edit role premise')
      nv:key('Enter', has('edited: engagement-favor'), 'the edit')
      pull_own(d, function(store)
        assert(store:update(title.id, { role = 'claim', note = 'from the other clone' }))
        assert(store:update(title.id, { label = 'human-rights-favor', target = 'human-rights', stance = 'favor' }))
      end)
      local screen = nv:wait(has('(stance) your layer changed on disk: merged'), 'the merge with no key')
      assert.truthy(has('1 conflict(s)')(screen), tmux.plain(screen))
      -- one line (the file last, cut where the screen ends), whole in :messages
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
      assert.truthy(nv:lua("return vim.fn.execute('messages')"):find('(:Stance list conflicts); .stance/annotations/ana/'
        .. DOC .. '.stance', 1, true))
      nv:keys(':Stance list conflicts')
      screen = nv:key('Enter', has('[conflict theirs]'), 'the conflict listed')
      assert.truthy(has('[conflict ours]')(screen), tmux.plain(screen))
      assert.falsy(has('no annotation matches conflicts')(screen), tmux.plain(screen))
    end)
  end)

  it('is offered by :Stance layers and :Stance side and counted by :Stance curate', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = T.tmux({ DOC }, { cwd = d, width = 120, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    driving(nv, function()
      nv:keys(':Stance layers')
      nv:key('Enter', has('no other annotator has a layer for this document'), 'no other layer yet')
      -- the curation seen once (with ana alone) before the pull
      nv:keys(':Stance curate')
      nv:key('Enter', has('curation needs two annotators or more'), 'curation refused with ana alone')
      pull(d, 'ben')
      nv:keys(':Stance layers')
      nv:key('Enter', has('layers: [ ] ben'), 'ben offered after the pull')
      -- a third one, after the list was read again
      pull(d, 'cy')
      nv:keys(':Stance layers')
      nv:key('Enter', has('layers: [ ] ben  [ ] cy'), 'cy offered too')
      -- an annotator without a layer: refused, naming those who have one; nothing opens
      nv:keys(':Stance side zed')
      local screen = nv:key('Enter', has('zed has no layer for this document; the annotators who have one: ben, cy'),
        'zed refused')
      assert.falsy(has('layer of zed')(screen), tmux.plain(screen))
      assert.are.equal(1, nv:lua('return #vim.api.nvim_list_wins()'))
      assert.are.equal('auto', nv:lua('return vim.wo.signcolumn'))
      nv:keys(':Stance curate')
      screen = nv:key('Enter', function(sc) return has('ana')(sc) and has('ben')(sc) and has('cy')(sc)
        and tmux.plain(sc):find('curate', 1, true) ~= nil end, 'the curation of all three')
      assert.falsy(has('curation needs two annotators')(screen), tmux.plain(screen))
    end)
  end)

  it(':Stance side: a side view whose own window closed first gives its window back', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    pull(d, 'ben')
    local nv = T.tmux({ DOC }, { cwd = d, width = 120, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    driving(nv, function()
      nv:keys(':Stance side ben')
      nv:key('Enter', has('layer of ben'), 'the side view')
      -- into the side view, then close every other window (your own)
      nv:keys('C-w', 'l')
      nv:keys(':only')
      local screen = nv:key('Enter', function(sc) return not has('layer of ben')(sc) end, 'the side view gone')
      assert.falsy(has('⤷')(screen), tmux.plain(screen))
      assert.are.equal(1, nv:lua('return #vim.api.nvim_list_wins()'))
      assert.are.equal('auto', nv:lua('return vim.wo.signcolumn'))
      assert.are.equal('0', nv:lua('return vim.wo.foldcolumn'))
      assert.are.equal(0, nv:lua([[return vim.tbl_count(require('stance.editor.render').sides)]]))
    end)
  end)
end)
