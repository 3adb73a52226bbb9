-- Layer files with errors (a bad pull, a truncated copy, a bad hand edit) as a curator and an
-- annotator meet them, and the curation panel's decisions: never "no annotations" without a
-- word, never an annotation dropped after its prompts, never a gold file from a curation
-- left without a decision. Neovim in tmux on the study of ../shared, the screen read right
-- after each key (no redraw key in between), then the files.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- The plain screen with its rows joined: a message wrapped over several rows reads whole.
local function joined(screen)
  return (tmux.plain(screen):gsub('\n', ''))
end

--- A condition: `text` is on the screen, maybe wrapped over rows (white space not compared:
--- a row that ends at a space loses it).
local function shows(text)
  local want = text:gsub('%s+', '')
  return function(screen) return joined(screen):gsub('%s+', ''):find(want, 1, true) ~= nil end
end

--- Where the first error of annotation file text `text` is, as `stance check` says it.
local function first_error(rel, text)
  local _, problems = require('stance.core').read(text)
  for _, p in ipairs(problems) do
    if p.severity == 'error' then return ('%s:%d:%d: %s'):format(rel, p.line, p.col, p.message) end
  end
end

describe('layer files with errors, in a terminal', function()
  after_each(T.cleanup)

  for _, width in ipairs({ 80, 160 }) do
    it(('your own layer broken: said on opening, each command refused at once, on one line (%d columns)'):format(width),
      function()
        local d = require('helpers.study').with_layer('ana', DOC,
          { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'in-progress')
        if not d then return pending('../shared/study and ../shared/corpus are not here') end
        local rel = '.stance/annotations/ana/' .. DOC .. '.stance'
        local bad = T.read(d .. '/' .. rel)
          .. '\nannotation zzzzzzzzzzzz\n  span 5-99999999999999999999999\n  label engagement-favor\n'
        T.write(d .. '/' .. rel, bad)
        local where = assert(first_error(rel, bad))
        -- what happened and what to do first (the line is cut after it at 80 columns), then where
        -- (file:line:col on the screen at 160)
        local start = 'your layer has 1 error(s): fix it to annotate'
          .. (width >= 160 and '; the first at ' .. where:match('^%S+') or '')
        local whole = ('your layer has 1 error(s): fix it to annotate; the first at %s; stance check lists them; shown'
          .. ' as far as it could be read, nothing can be annotated or changed until it is fixed'):format(where)
        local nv = T.tmux({ DOC }, { cwd = d, width = width, height = 30, ready = DOC,
          init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
        tmux.driving(nv, function()
          local screen = nv:wait(has('(stance) ' .. start), 'said on opening')
          tmux.one_line(nv, screen, start, whole)
          assert.truthy(has('Trump Should Offer')(screen), tmux.plain(screen))
          --- `keys` typed (send-keys words), the last one read: refused on one line, no prompt
          local function refused(what, ...)
            local keys = { ... }
            nv:keys(':messages clear', 'Enter')
            for i = 1, #keys - 1 do nv:keys(keys[i]) end
            screen = nv:key(keys[#keys], has('(stance) ' .. start), what)
            tmux.one_line(nv, screen, start, whole)
            assert.falsy(has('label:')(screen), tmux.plain(screen))
          end
          refused('gs refused before its prompt', '4G', 'gsi', 's')
          refused('a note refused', 'gg', ']a', 'gC')
          refused('a link refused', 'gg', ']a', 'gL')
          refused(':Stance edit refused', ':Stance edit', 'Enter')
          refused(':Stance delete refused', ':Stance delete', 'Enter')
          refused(':Stance done refused', ':Stance done', 'Enter')
          assert.are.equal(1, nv:lua("return #require('stance.editor.session').get().store:records('annotation')"))
        end)
      end)
  end

  it(':Stance curate refuses a document whose layer is cut short, saying where; :Stance layers says so', function()
    local d, path = require('helpers.study_layers').curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local ann = d .. '/.stance/annotations/'
    os.execute(('mkdir -p %s'):format(T.q(ann .. 'carl')))
    T.write(ann .. 'carl/' .. path .. '.stance', (T.read(ann .. 'ana/' .. path .. '.stance'):gsub('annotator ana',
      'annotator carl')))
    local ben = ann .. 'ben/' .. path .. '.stance'
    local cut = T.read(ben):sub(1, 400) -- as `head -c 400` leaves it
    local where = assert(first_error('.stance/annotations/ben/' .. path .. '.stance', cut))
    local nv = T.tmux({ path }, { cwd = d, width = 200, height = 30, ready = path,
      init = "require('stance').setup({ annotator = 'cur' })" })
    tmux.driving(nv, function()
      -- ben's layer shown while it is whole; then cut short under it: hidden and shown again,
      -- said each time, and his old annotations are not drawn
      nv:keys(':Stance layers ben')
      nv:key('Enter', has('ben: engagement-against'), "ben's layer drawn")
      T.write(ben .. '.new', cut)
      assert(os.rename(ben .. '.new', ben))
      nv:keys(':Stance layers ben')
      nv:key('Enter', shows("ben's file has 1 error(s), the first at " .. where), 'said on hiding')
      nv:keys('Enter')
      nv:keys(':Stance layers ben')
      local screen = nv:key('Enter', shows("ben's file has 1 error(s), the first at " .. where), 'said on showing')
      assert.falsy(has('ben: engagement-against')(screen), tmux.plain(screen))
      nv:keys('Enter')
      nv:keys(':Stance layers ben')
      nv:keys('Enter')
      nv:keys(':Stance curate')
      -- (the refusal itself: the layer's warning above says the same of ben's file)
      -- one line: what to do first (fix ben's file, or curate without him), then where; whole in :messages
      local start = 'cannot curate ' .. path .. ": fix ben's file (stance check lists every error), or curate without"
        .. ' it: :Stance curate ana,carl; '
      screen = nv:key('Enter', has('(stance) ' .. start), 'the refusal')
      tmux.one_line(nv, screen, start, start .. "ben's file has 1 error(s), the first at " .. where .. '; what could not'
        .. ' be read would count as "no annotation"')
      assert.falsy(has('curation of')(screen), tmux.plain(screen))
      assert.falsy(has('(no annotation)')(screen), tmux.plain(screen))
      nv:keys(':Stance layers ben')
      screen = nv:key('Enter', shows("ben's file has 1 error(s), the first at " .. where), 'the warning')
      -- one line on the screen (no "Press ENTER"), the rest of it in :messages
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
      assert.truthy(nv:lua('return vim.fn.execute("messages")'):find('shown as far as it could be read', 1, true))
      nv:keys('Enter')
      -- the side view says it too
      nv:keys(':Stance side ben')
      nv:key('Enter', shows("ben's file has 1 error(s), the first at " .. where), 'the side view warns')
      nv:keys('Enter')
      nv:keys(':only')
      nv:key('Enter', function(sc) return not has('layer of ben')(sc) end, 'the side view closed')
      -- without ben: curated
      nv:keys(':Stance curate ana,carl')
      screen = nv:key('Enter', has('curation of ' .. path), 'the curation of ana and carl')
      assert.truthy(has('ana done, carl done')(screen), tmux.plain(screen))
    end)
    -- nothing was written for the refused curation; the one of ana and carl agrees everywhere
    local gold = assert(require('stance.core').read(assert(T.read(ann .. 'gold/' .. path .. '.stance'))))
    assert.are.equal('done', gold:header().status)
  end)

  it(':Stance curate refused on one line at 80 columns, whole in :messages', function()
    local d, path = require('helpers.study_layers').curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local ben = d .. '/.stance/annotations/ben/' .. path .. '.stance'
    local cut = T.read(ben):sub(1, 400)
    T.write(ben, cut)
    local where = assert(first_error('.stance/annotations/ben/' .. path .. '.stance', cut))
    local nv = T.tmux({ path }, { cwd = d, width = 80, height = 24, ready = path,
      init = "require('stance').setup({ annotator = 'cur' })" })
    tmux.driving(nv, function()
      nv:keys(':Stance curate')
      local screen = nv:key('Enter', has('(stance) cannot curate '), 'the refusal')
      assert.truthy(has('…')(screen), tmux.plain(screen))
      tmux.one_line(nv, screen, 'cannot curate ', ('cannot curate %s: fix ben\'s file (stance check lists every error); ben\'s'
        .. ' file has 1 error(s), the first at %s'):format(path, where))
      assert.falsy(has('curation of')(screen), tmux.plain(screen))
    end)
  end)

  it(':Stance curate opened and closed without a decision leaves no gold file', function()
    local study = require('helpers.study')
    local d = study.with_layer('ana', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(DOC))
    local s2 = doc:sentences()[2]
    assert(doc:annotate({ start = s2.start, stop = s2.stop, label = 'engagement-against', role = 'claim',
      annotator = 'ben' }))
    assert(doc:set_status('done', 'ben'))
    assert(c:save())
    local nv = T.tmux({ DOC }, { cwd = d, width = 140, height = 30, ready = DOC,
      init = "require('stance').setup({ annotator = 'cur' })" })
    tmux.driving(nv, function()
      nv:keys(':Stance curate')
      nv:key('Enter', has('disputed: 0 of 1 resolved'), 'the panel')
      nv:key('q', function(sc) return not has('disputed:')(sc) end, 'the panel closed')
    end)
    assert.is_false(T.exists(d .. '/.stance/annotations/gold/' .. DOC .. '.stance'))
    assert.is_false(T.exists(d .. '/.stance/curation/' .. DOC .. '.json'))
  end)

  it('the curation panel: N/P visit decided places, deciding again changes them; notes shown escaped', function()
    local d, path = require('helpers.study_layers').curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(path))
    local layer = assert(doc:layer('ben'))
    for _, r in ipairs(layer:records('annotation')) do
      if r.note == 'ben thinks so' then assert(layer:update(r.id, { note = 'line one\nline "two"\ttab' })) end
    end
    assert(c:save())
    local nv = T.tmux({ path }, { cwd = d, width = 260, height = 40, ready = path,
      init = "require('stance').setup({ annotator = 'lead' })" })
    tmux.driving(nv, function()
      nv:keys(':Stance curate')
      nv:key('Enter', has('disputed: 0 of 5 resolved'), 'the panel')
      nv:key('2', 'disputed 2 of 5')
      local screen = nv:key('x', 'disputed 3 of 5')
      assert.truthy(has([[note "line one\nline \"two\"\ttab"]])(screen), tmux.plain(screen))
      assert.truthy(has('N/P next/previous, decided too')(screen), tmux.plain(screen))
      -- p: only open places (1 and 2 decided, 5 a relation dropped with its rejected end)
      screen = nv:key('p', 'disputed 4 of 5')
      assert.falsy(has('(rejected)')(screen), tmux.plain(screen))
      nv:key('n', 'disputed 3 of 5')
      -- P: back to the decided ones, the rejection first (human rights on sentence 2)
      nv:key('P', 'disputed 2 of 5: the stance toward human-rights (rejected)')
      -- decided again: ana's version; gold has it now
      screen = nv:key('1', 'disputed 3 of 5')
      assert.truthy(has('disputed: 2 of 5 resolved')(screen), tmux.plain(screen))
      nv:key('P', 'disputed 2 of 5: the stance toward human-rights (accepted)')
    end)
    local gold = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/gold/' .. path
      .. '.stance'))))
    assert.are.equal(1, #gold:find({ target = 'human-rights' }))
  end)

  it('your own layer with errors: said with file:line:col on reload, gsis refused before its prompts, u no E21',
    function()
      local study = require('helpers.study')
      local d = study.with_layer('ana', DOC, { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'done')
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local path = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
      local good = T.read(path)
      local bad = good .. '\nannotation zzzzzzzzzzzz\n  span 5-99999999999999999999999\n  label engagement-favor\n'
      local where = assert(first_error('.stance/annotations/ana/' .. DOC .. '.stance', bad))
      local nv = T.tmux({ DOC }, { cwd = d, width = 200, height = 30, ready = DOC,
        init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
      tmux.driving(nv, function()
        nv:wait(has('Trump Should Offer'), 'the document')
        T.write(path .. '.new', bad)
        assert(os.rename(path .. '.new', path))
        -- one line (cut where the screen ends), whole in :messages
        local start = 'reloaded from disk: your layer has 1 error(s): fix it to annotate; the first at '
          .. where:match('^%S+')
        local screen = nv:wait(has('(stance) ' .. start), 'the reload said')
        tmux.one_line(nv, screen, start, 'reloaded from disk: your layer has 1 error(s): fix it to annotate; the first at '
          .. where .. '; stance check lists them')
        nv:keys('4G')
        nv:keys('gsi')
        screen = nv:key('s', has('(stance) your layer has 1 error(s): fix it'), 'refused at once')
        assert.falsy(has('label:')(screen), tmux.plain(screen))
        tmux.one_line(nv, screen, 'your layer has 1 error(s): fix it to annotate',
          'nothing can be annotated or changed until it is fixed')
        screen = nv:key('u', has('Already at oldest change'), 'nothing to undo, said')
        assert.falsy(has('E21')(screen), tmux.plain(screen))
        -- the file fixed: annotating again
        T.write(path .. '.new', good)
        assert(os.rename(path .. '.new', path))
        nv:wait(function(sc) return has('changed on disk: reloaded')(sc) and not has('error(s)')(sc) end,
          'the fixed file reloaded')
        nv:keys('gsi')
        nv:key('s', has('label:'), 'the label prompt')
        nv:keys('Escape')
      end)
    end)
end)
