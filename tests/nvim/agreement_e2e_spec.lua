-- Agreement and curation as a person sees them: Neovim in tmux on the study of ../shared,
-- the screen read after each key (no redraw key in between), then the files.
local T = require('helpers')
local study = require('helpers.study_layers')

local function tmux() return require('helpers.tmux') end

--- The study's curation (helpers.study_layers.curation) open in Neovim in tmux as the curator
--- lead: the corpus, the document, its curation state file, the session; nil without ../shared.
local function curating()
  local d, path = study.curation()
  if not d then return nil end
  local nv = T.tmux({ path }, { cwd = d, width = 140, height = 40,
    init = "require('stance').setup({ annotator = 'lead' })" })
  return d, path, d .. '/.stance/curation/' .. path .. '.json', nv
end

describe('agreement and curation in a terminal', function()
  after_each(T.cleanup)

  it(':Stance agree shows the per-target report stance agree prints', function()
    local d, paths = study.make()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local want = T.lines((T.stance_run({ 'agree' }, nil, d)):gsub('\n$', ''))
    local nv = T.tmux({ paths[1] }, { cwd = d, init = "require('stance').setup({ annotator = 'lead' })",
      height = 50, width = 140 })
    local ok, err = pcall(function()
      nv:keys(':Stance agree')
      local screen = nv:key('Enter', 'denuclearization-first')
      local plain = tmux().plain(screen)
      -- every line of the per-target table, as the command prints it
      local inside, seen = false, 0
      for _, l in ipairs(want) do
        if l:find('^stance: items') then
          inside = true
        elseif inside and l == '' then
          break
        end
        if inside then
          assert.truthy(plain:find(l, 1, true), ('%s\nnot on the screen:\n%s'):format(l, plain))
          seen = seen + 1
        end
      end
      assert.are.equal(7, seen) -- the heading, the columns, four targets, pooled
      assert.truthy(plain:find('004_e35aa5ebcc029514.txt  done         not started  left out', 1, true), plain)
    end)
    nv:close()
    assert(ok, err)
  end)

  it(':Stance curate: the panel after each key, the passage highlighted, gold on disk', function()
    local d, path = study.curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    -- the curated passage in a color of its own (the default links StanceCurate to IncSearch)
    local nv = T.tmux({ path }, { cwd = d, width = 140, height = 40, init = table.concat({
      "require('stance').setup({ annotator = 'lead' })",
      "vim.api.nvim_create_autocmd('ColorScheme', { callback = function()",
      "  vim.api.nvim_set_hl(0, 'StanceCurate', { ctermbg = 201, bg = '#ff00ff' }) end })",
      "vim.api.nvim_set_hl(0, 'StanceCurate', { ctermbg = 201, bg = '#ff00ff' })",
      'vim.o.wrap = true',
    }, '\n') })
    local X = tmux()
    local function highlighted(screen, text)
      local row = X.row(screen, text)
      assert(row, ('no row with %q on the screen:\n%s'):format(text, X.plain(screen)))
      for _, b in ipairs(X.backgrounds(row)) do
        if b == 201 then return true end
      end
      return false
    end
    local ok, err = pcall(function()
      nv:keys(':Stance curate')
      local screen = nv:key('Enter', 'disputed: 0 of 5 resolved')
      assert.truthy(X.plain(screen):find('│curation of ' .. path .. '%s*\n[^\n]*│ana done, ben done%s*\n'), X.plain(screen))
      assert.truthy(X.plain(screen):find('agreed: 3 of 4 in gold, 1 waiting for their ends', 1, true),
        X.plain(screen))
      assert.truthy(X.plain(screen):find("the document's stance toward engagement", 1, true), X.plain(screen))
      assert.truthy(X.plain(screen):gsub('%s+', ' '):find('1 annotation(s) with a span outside the text not curated',
        1, true), X.plain(screen))
      -- ben's document stance; then human rights on "Doug Bandow", highlighted
      screen = nv:key('2', 'disputed 2 of 5')
      assert.truthy(highlighted(screen, 'Doug Bandow'), X.plain(screen))
      assert.is_false(highlighted(screen, 'The Democratic People'))
      -- rejected; engagement on the next sentence, highlighted instead
      screen = nv:key('x', 'disputed 3 of 5')
      assert.truthy(highlighted(screen, 'The Democratic People'), X.plain(screen))
      assert.is_false(highlighted(screen, 'Doug Bandow'))
      assert.truthy(X.plain(screen):find('[2] ben: engagement-against, stance against', 1, true), X.plain(screen))
      -- your own version from ben's: the cursor on his line, e, then the label claim
      nv:keys(':call search("^\\\\[2\\\\] ben")', 'Enter')
      nv:key('e', 'label:')
      screen = nv:key('c', 'disputed 4 of 5')
      assert.truthy(X.plain(screen):find('disputed: 4 of 5 resolved', 1, true), X.plain(screen))
      assert.truthy(X.plain(screen):find('agreed: 4 of 4 in gold', 1, true), X.plain(screen))
      -- denuclearization-first on sentence 4: ben's version (favor, premise) made against with
      -- the general label, which asks the target and the role: <Space> keeps each as it was
      nv:keys(':call search("^\\\\[2\\\\] ben")', 'Enter')
      nv:key('e', 'label:')
      screen = nv:key('a', 'keep denuclearization-first')
      assert.truthy(X.plain(screen):find('target:', 1, true), X.plain(screen))
      screen = nv:key('Space', 'keep premise')
      assert.truthy(X.plain(screen):find('role:', 1, true), X.plain(screen))
      screen = nv:key('Space', 'all resolved')
      assert.truthy(X.plain(screen):find('all resolved: 5 disputed decided, 4 agreed in gold', 1, true),
        X.plain(screen))
      -- the panel closes, and the highlight with it
      screen = nv:key('q', function(s) return not X.plain(s):find('all resolved', 1, true) end)
      assert.is_false(highlighted(screen, 'The Democratic People'))
    end)
    nv:close()
    assert(ok, err)
    local gold = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/gold/' .. path .. '.stance'))))
    assert.are.equal('done', gold:header().status)
    -- the curator's own versions are the curator's (lead), made from ben's
    local state = require('stance.json').decode(assert(T.read(d .. '/.stance/curation/' .. path .. '.json')))
    local own = gold:find({ label = 'claim' })[1]
    assert.are.same({ 'engagement', 'against', 'claim', 'ben thinks so', 'lead', 'ben' },
      { own.target, own.stance, own.role, own.note, own.author, state.based_on[own.id] })
    local kept = gold:find({ label = 'against' })[1]
    assert.are.same({ 'denuclearization-first', 'against', 'premise', 'lead', 'ben' },
      { kept.target, kept.stance, kept.role, kept.author, state.based_on[kept.id] })
    -- the document's stance, taken as ben gave it: ben's
    assert.are.equal('ben', gold:records('doclabel')[1].author)
    assert.are.equal(2, gold:count('relation'))
    assert.are.equal('against', gold:records('doclabel')[1].stance)
  end)
  it(':Stance curate open while another curator saves: a decision keeps the other\'s rejection', function()
    local d, path, file, nv = curating()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local X = tmux()
    local key
    local ok, err = pcall(function()
      nv:keys(':Stance curate')
      nv:key('Enter', 'disputed: 0 of 5 resolved')
      -- another curator (another process) rejects the third disputed place and saves
      local C = require('stance.curation')
      local other = assert(C.open(assert(require('stance').open(d)), path, nil, 'dan'))
      key = other.disputed[3].key
      other:reject(other.disputed[3])
      assert(other:save())
      -- here: ben's document stance taken; saved merged with the other's rejection, which
      -- counts here at once (and drops the relation from that place: 3 resolved)
      local screen = nv:key('2', 'disputed: 3 of 5 resolved')
      assert.truthy(X.plain(screen):find('disputed 2 of 5', 1, true), X.plain(screen))
      screen = nv:key('x', 'disputed: 4 of 5 resolved')
      assert.falsy(X.plain(screen):find('conflict', 1, true), X.plain(screen))
    end)
    nv:close()
    assert(ok, err)
    local state = require('stance.json').decode(assert(T.read(file)))
    assert.is_true(state.rejected[key])
    local n = 0
    for _ in pairs(state.rejected) do n = n + 1 end
    assert.are.equal(2, n, T.read(file))
  end)
  it(':Stance curate says on one line a conflict of its save\'s merge with the state file changed meanwhile',
    function()
      local d, path, file, nv = curating()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local json = require('stance.json')
      local X = tmux()
      local id, screen
      local ok, err = pcall(function()
        nv:keys(':Stance curate')
        nv:key('Enter', 'disputed: 0 of 5 resolved')
        -- the document's stance toward engagement: the curator's own from ana's (against)
        nv:key('e', nil)
        screen = nv:key('a', 'disputed: 1 of 5 resolved')
        assert.falsy(X.plain(screen):find('conflict', 1, true), X.plain(screen))
        local state = json.decode(assert(T.read(file)))
        id = next(state.based_on)
        assert.are.same({ [id] = 'ana' }, state.based_on)
        -- a script rewrites the state file meanwhile: that gold record made from ben's
        state.based_on[id] = 'ben'
        T.write(file, json.encode(state) .. '\n')
        -- back to that place; ana's version taken as it is: the record goes here, changed there
        screen = nv:key('P', 'disputed 1 of 5')
        screen = nv:key('1', X.has('1 conflict(s)'), 'the conflict said')
        local start = ('curation state .stance/curation/%s.json: 1 conflict(s), changed here and in the file'):format(
          path)
        X.one_line(nv, screen, start, start .. ' meanwhile (another curator, a pull): yours kept: based_on ' .. id)
        assert.truthy(X.plain(screen):find('disputed: 1 of 5 resolved', 1, true), X.plain(screen))
      end)
      nv:close()
      assert(ok, err)
      -- yours kept: the record taken away here is not brought back by the file's change
      local state = json.decode(assert(T.read(file)))
      assert.is_nil(state.based_on[id], T.read(file))
    end)
end)
