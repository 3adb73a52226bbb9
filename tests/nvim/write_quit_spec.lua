-- Writing and quitting a document opened read-only, as a user sees it (tmux, the screen read
-- right after each key, no redraw key in between), on the study of ../shared (stances favor and
-- against only) and on doc/example: `:w`, `:w!`, `:wq`, `:x` write the annotation layer and
-- never the document's text (no E45); `:w FILE` still writes a copy; while your layer's file has
-- errors and changes of yours are kept in memory, `:q` and `:qa` refuse (E37/E162) and say
-- which file, where its first error is and what to do, `:wq` and `:x` refuse too, `:Stance save
-- FILE` writes them elsewhere and `:q!` discards them; a side view (`:Stance side NAME`) is drawn
-- anew when NAME's file changes on disk; `u` and <C-r> never say E21 (at the start of a session,
-- after another process deleted the annotation they would undo).
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- The plain screen with its rows joined: a message wrapped over several rows reads whole.
local function joined(screen)
  return (tmux.plain(screen):gsub('\n', ''))
end

--- A condition: `text` is on the screen, maybe wrapped over rows (white space not compared).
local function shows(text)
  local want = text:gsub('%s+', '')
  return function(screen) return joined(screen):gsub('%s+', ''):find(want, 1, true) ~= nil end
end

--- Each of `...` whole in :messages.
local function said_whole(nv, ...)
  local said = nv:lua("return vim.fn.execute('messages')")
  for _, whole in ipairs({ ... }) do
    assert.truthy(said:find(whole, 1, true), said)
  end
end

--- A refused quit said on one row with Neovim's error (E37, E162), cut with "…" where the
--- screen ends, never a Press ENTER prompt; each of `...` whole in :messages.
local function refused_on_one_row(nv, screen, ...)
  local plain = tmux.plain(screen)
  assert.falsy(plain:find('Press ENTER', 1, true), plain)
  assert.truthy(plain:find('E%d+: [^\n]*your annotation changes are not saved'), plain)
  said_whole(nv, ...)
end

--- Where the first error of annotation file text `text` is, as `stance check` says it.
local function first_error(rel, text)
  local _, problems = require('stance.core').read(text)
  for _, p in ipairs(problems) do
    if p.severity == 'error' then return ('%s:%d:%d: %s'):format(rel, p.line, p.col, p.message) end
  end
end

local function stat(path)
  local st = assert((vim.uv or vim.loop).fs_stat(path))
  return ('%d:%d.%d'):format(st.size, st.mtime.sec, st.mtime.nsec)
end

local function count(path, what)
  local n = 0
  for _ in (T.read(path) or ''):gmatch('\n' .. what .. ' ') do n = n + 1 end
  return n
end

local function no_errors(screen)
  for _, e in ipairs({ 'E45', 'E21', 'E5108', 'E505', 'Error detected' }) do
    assert.falsy(has(e)(screen), tmux.plain(screen))
  end
end

--- Annotator `who`'s layer of DOC in the study corpus `d`, written by another process.
local function write_layer(d, who, label)
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  local ss = doc:sentences()
  for _, rec in ipairs(doc:annotations({ annotator = who })) do assert(rec:delete()) end
  for i = 2, 6, 2 do
    assert(doc:annotate({ start = ss[i].start, stop = ss[i].stop, label = label, role = 'claim', annotator = who }))
  end
  assert(c:save())
end

local function open(d, doc, who)
  return T.tmux({ doc }, { cwd = d, width = 200, height = 30, ready = doc,
    init = ("require('stance').setup({ annotator = '%s', autosave = { delay = 60000 } })"):format(who) })
end

describe('writing and quitting a read-only document', function()
  after_each(T.cleanup)

  --- :w, :w! and :wq (:x when `x`) write the layer of `doc` after gX deleted its first
  --- annotation, never the document; :w FILE writes a copy of the text.
  local function writes_layer(d, doc, who, x)
    local layer = d .. '/.stance/annotations/' .. who .. '/' .. doc .. '.stance'
    local text_before, n = stat(d .. '/' .. doc), count(layer, 'annotation')
    assert.truthy(n > 1)
    local nv = open(d, doc, who)
    tmux.driving(nv, function()
      nv:keys('gg', ']a')
      nv:keys('gX')
      if has('delete which')(nv:screen()) then nv:keys('1') end
      nv:wait(function() return nv:lua("return require('stance.editor.session').get().dirty") end, 'the change')
      assert.are.equal(n, count(layer, 'annotation'), 'not written yet (autosave far away)')
      nv:keys(':w')
      local screen = nv:key('Enter', has('written to your layer'), ':w writes the layer')
      assert.truthy(shows(('"%s": %d annotation(s) written to your layer (%s)'):format(doc, n - 1, who))(screen),
        joined(screen))
      no_errors(screen)
      assert.are.equal(n - 1, count(layer, 'annotation'))
      assert.are.equal(text_before, stat(d .. '/' .. doc), 'the document is not written')
      assert.are.equal(false, nv:lua('return vim.bo.modifiable'), 'still protected from edits')
      assert.are.equal(false, nv:lua('return vim.bo.modified'))
      nv:keys(':w!')
      screen = nv:key('Enter', has('written to your layer'), ':w! writes the layer only')
      no_errors(screen)
      assert.are.equal(text_before, stat(d .. '/' .. doc), ':w! does not write the document')
      -- a stray key still cannot change the text
      nv:keys('x')
      assert.are.equal(text_before, stat(d .. '/' .. doc))
      -- a copy elsewhere is written as Neovim writes a file
      nv:keys(':w copy.txt')
      nv:key('Enter', has('written'), 'the copy written')
      assert.are.equal((T.read(d .. '/' .. doc):gsub('\n$', '')), (T.read(d .. '/copy.txt'):gsub('\n$', '')))
      -- one more change, then :wq (or :x) writes it and quits
      nv:keys('gg', ']a', 'gX')
      if has('delete which')(nv:screen()) then nv:keys('1') end
      nv:wait(function() return nv:lua("return require('stance.editor.session').get().dirty") end, 'the change')
      nv:keys(x and ':x' or ':wq')
      nv:tmux('send-keys', '-t', nv.name, 'Enter')
      nv:wait(function() return nv:dead() end, 'Neovim to exit')
    end)
    assert.are.equal(n - 2, count(layer, 'annotation'))
    assert.are.equal(text_before, stat(d .. '/' .. doc), 'the document is never written')
  end

  it(':w, :w!, :wq write the layer of a study document, never its text; :w FILE a copy', function()
    local d = require('helpers.study').with_layer('ana', DOC, {
      { sentence = 2, label = 'engagement-favor', role = 'claim' },
      { sentence = 4, label = 'engagement-against', role = 'claim' },
      { sentence = 6, label = 'engagement-favor', role = 'claim' } }, 'in-progress')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    writes_layer(d, DOC, 'ana')
  end)

  it(':w, :w!, :x write the layer of an example document, never its text', function()
    writes_layer(T.example_corpus(), '02_charge_unfair.txt', 'ana', true)
  end)

  it('your layer broken while changes are kept: :q, :qa, :wq, :x refuse and say why; :Stance save FILE; :q! discards',
    function()
      local d = require('helpers.study').with_layer('ana', DOC, {
        { sentence = 2, label = 'engagement-favor', role = 'claim' },
        { sentence = 4, label = 'engagement-against', role = 'claim' } }, 'in-progress')
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local rel = '.stance/annotations/ana/' .. DOC .. '.stance'
      local path = d .. '/' .. rel
      local good = T.read(path)
      local bad = good .. '\nannotation zzzzzzzzzzzz\n  span 5-99999999999999999999999\n  label engagement-favor\n'
      local where = assert(first_error(rel, bad))
      local nv = open(d, DOC, 'ana')
      tmux.driving(nv, function()
        nv:wait(has('Trump Should Offer'), 'the document')
        nv:keys('gg', ']a', 'gX') -- kept in memory (autosave far away)
        nv:wait(function() return nv:lua("return require('stance.editor.session').get().dirty") end, 'the change')
        T.write(path .. '.new', bad) -- a bad pull under it
        assert(os.rename(path .. '.new', path))
        -- said on one line (cut with "…" where the screen ends: no Press ENTER), whole in :messages
        -- (what happened and what to do first: the place is in :messages)
        local screen = nv:wait(has('(stance) your layer now has errors: fix it to save your changes (kept); first at '
          .. where:match('^%S+')), 'the merge refused, said')
        assert.falsy(has('Press ENTER')(screen), tmux.plain(screen))
        assert.are.equal(1, tmux.count(screen, 'now has errors'))
        assert.truthy(nv:lua("return vim.fn.execute('messages')"):find('now has errors: fix it to save your changes'
          .. ' (kept); first at ' .. where .. '; it changed on disk, not overwritten: your changes are kept in this'
          .. ' session and saved once it is fixed, nothing more can be changed until then', 1, true))
        nv:keys('Escape')
        nv:keys(':q')
        screen = nv:key('Enter', function(sc) return has('E37')(sc) and shows('are not saved')(sc) end,
          ':q refused as for a modified buffer, and why')
        assert.falsy(has('E162')(screen), tmux.plain(screen)) -- one refusal, not E37 and E162
        refused_on_one_row(nv, screen, ('%s: your annotation changes are not saved: %s has 1 error(s), the first at %s'
          .. '. Fix the file (stance check lists its errors) and they are merged into it; :Stance save FILE writes them'
          .. ' to another file; :q! discards them'):format(DOC, rel, where))
        assert.falsy(nv:dead())
        nv:keys('Enter')
        nv:keys(':qa')
        nv:key('Enter', function(sc) return has('E37')(sc) or has('E162')(sc) end, ':qa refused')
        -- (Neovim's own E37 and E162 make two rows and its prompt: why is said after it, whole in :messages)
        nv:keys('Enter')
        said_whole(nv, 'the first at ' .. where)
        nv:keys(':wq')
        nv:key('Enter', has('annotations not written'), ':wq refused')
        assert.falsy(nv:dead())
        nv:keys('Enter')
        nv:keys(':x')
        nv:key('Enter', has('annotations not written'), ':x refused')
        nv:keys('Enter')
        assert.falsy(nv:dead())
        assert.are.equal(bad, T.read(path), 'the broken file is not overwritten')
        -- saved elsewhere: the change is there
        nv:keys(':Stance save kept.stance')
        nv:key('Enter', has('annotations written to kept.stance'), 'written elsewhere')
        assert.are.equal(1, count(d .. '/kept.stance', 'annotation'))
        assert.are.equal(bad, T.read(path), 'the file still as the pull left it')
        nv:keys(':q!')
        nv:tmux('send-keys', '-t', nv.name, 'Enter')
        nv:wait(function() return nv:dead() end, ':q! to end Neovim')
      end)
      assert.are.equal(bad, T.read(path), ':q! discards: the file as it was')
    end)

  for _, case in ipairs({ 'study', 'example' }) do
    it((':wa writes the annotations not yet saved (autosave pending); with none, nothing (%s)'):format(case), function()
      local d, doc
      if case == 'study' then
        d, doc = require('helpers.study').with_layer('ana', DOC, {
          { sentence = 2, label = 'engagement-favor', role = 'claim' },
          { sentence = 4, label = 'engagement-against', role = 'claim' } }, 'in-progress'), DOC
        if not d then return pending('../shared/study and ../shared/corpus are not here') end
      else
        d, doc = T.example_corpus(), '02_charge_unfair.txt'
      end
      local layer = d .. '/.stance/annotations/ana/' .. doc .. '.stance'
      local n, text_before = count(layer, 'annotation'), stat(d .. '/' .. doc)
      local nv = open(d, doc, 'ana')
      tmux.driving(nv, function()
        -- nothing pending: :wa writes nothing, and says nothing of it
        local before = stat(layer)
        nv:keys(':wa')
        local screen = nv:key('Enter') -- (nothing to wait for: the screen once it settles)
        no_errors(screen)
        assert.falsy(has('annotations written')(screen), tmux.plain(screen))
        assert.are.equal(before, stat(layer), 'not written')
        assert.are.equal(false, nv:lua('return vim.bo.modified'))
        -- a change kept in memory (autosave far away): :wa writes it
        nv:keys('gg', ']a', 'gX')
        if has('delete which')(nv:screen()) then nv:keys('1') end
        nv:wait(function() return nv:lua("return require('stance.editor.session').get().dirty") end, 'the change')
        assert.are.equal(n, count(layer, 'annotation'), 'not written yet')
        nv:keys(':wa')
        nv:key('Enter')
        nv:wait(function() return count(layer, 'annotation') == n - 1 end, ':wa writes the layer')
        screen = nv:settle()
        no_errors(screen)
        assert.falsy(has('Press ENTER')(screen), tmux.plain(screen))
        assert.are.equal(n - 1, count(layer, 'annotation'))
        assert.are.equal(false, nv:lua('return vim.bo.modified'))
        assert.are.equal(false, nv:lua("return require('stance.editor.session').get().dirty"))
        -- and again: nothing more
        before = stat(layer)
        nv:keys(':wa')
        nv:keys('Escape', ':echo "and"', 'Enter') -- the message of the first :wa gone
        nv:key(':')
        nv:type('wa')
        screen = nv:key('Enter')
        assert.falsy(has('annotations written')(screen), tmux.plain(screen))
        assert.are.equal(before, stat(layer), 'not written again')
      end)
      assert.are.equal(text_before, stat(d .. '/' .. doc), 'the document is never written')
    end)
  end

  --- Annotator `who`'s session of `doc` in corpus `d` with one change kept in memory (autosave
  --- far away), the watch of its layer's folder stopped and no CursorHold: what looks at the
  --- disk is the quit itself. `breaks(path)` breaks the layer's file at `path` under it and
  --- returns what the quit must name. :q and :qa refuse at once (E37/E162) and say why; `discard`
  --- (':q!' typed, 'ZQ', or 'mapping': <Cmd>q!<CR>) quits and says nothing; the broken file is
  --- left as it was.
  local function quit_after_break(d, doc, who, breaks, what_to_do, discard)
    local rel = '.stance/annotations/' .. who .. '/' .. doc .. '.stance'
    local path = d .. '/' .. rel
    local nv = T.tmux({ doc }, { cwd = d, width = 200, height = 30, ready = doc,
      init = ("vim.o.updatetime = 600000 require('stance').setup({ annotator = '%s', autosave = { delay = 60000 } })")
        :format(who) })
    local after
    tmux.driving(nv, function()
      nv:keys('gg', ']a', 'gX')
      if has('delete which')(nv:screen()) then nv:keys('1') end
      nv:wait(function() return nv:lua("return require('stance.editor.session').get().dirty") end, 'the change')
      nv:lua([[local s = require('stance.editor.session').get()
        require('stance.editor.file_watch').stop(s.watch and s.watch.event)
        if s.watch then s.watch.event = nil end]])
      local where = breaks(path)
      after = T.read(path)
      assert.are.equal(false, nv:lua('return vim.bo.modified'), 'nothing seen yet')
      nv:keys(':q')
      local screen = nv:key('Enter', function(sc) return has('E37')(sc) and shows('are not saved')(sc) end,
        ':q refused at once, and why')
      assert.falsy(has('E162')(screen), tmux.plain(screen)) -- one refusal, not E37 and E162
      refused_on_one_row(nv, screen, ('%s: your annotation changes are not saved: %s'):format(doc, where), what_to_do)
      assert.falsy(nv:dead())
      nv:keys('Enter')
      nv:keys(':qa')
      nv:key('Enter', function(sc) return has('E37')(sc) or has('E162')(sc) end, ':qa refused')
      nv:keys('Enter') -- (Neovim's own two errors and its prompt)
      said_whole(nv, where)
      -- :q! (typed, ZQ, or a mapping's: `discard`) discards them, with no message (the terminal's
      -- output read, not only its last screen)
      if discard == 'mapping' then nv:lua("vim.keymap.set('n', '<F5>', '<Cmd>q!<CR>')") end
      nv:mark()
      if discard == ':q!' then
        nv:keys(':q!')
        nv:tmux('send-keys', '-t', nv.name, 'Enter')
      else
        nv:tmux('send-keys', '-t', nv.name, discard == 'ZQ' and 'ZQ' or 'F5')
      end
      nv:wait(function() return nv:dead() end, discard .. ' to end Neovim')
      local out = nv:output()
      assert.falsy(out:find('not saved', 1, true), out)
      assert.falsy(out:find('changed on disk', 1, true), out)
      assert.falsy(out:find('Press ENTER', 1, true), out)
    end)
    assert.are.equal(after, T.read(path), 'the broken file as it was')
  end

  --- A file with errors put under the session (a bad pull); returns its first error as said.
  local function broken_file(rel)
    return function(path)
      local bad = T.read(path) .. '\nannotation zzzzzzzzzzzz\n  span 5-99999999999999999999999\n  label x\n'
      local where = assert(first_error(rel, bad))
      T.write(path .. '.new', bad)
      assert(os.rename(path .. '.new', path))
      return ('%s has 1 error(s), the first at %s'):format(rel, where)
    end
  end

  for _, case in ipairs({ 'study', 'example' }) do
    it(('your layer broken on disk within the autosave delay, before its watch fired: :q refuses, %s says nothing (%s)')
      :format(case == 'study' and 'ZQ' or "a mapping's <Cmd>q!", case), function()
      local d, doc
      if case == 'study' then
        d, doc = require('helpers.study').with_layer('ana', DOC, {
          { sentence = 2, label = 'engagement-favor', role = 'claim' },
          { sentence = 4, label = 'engagement-against', role = 'claim' } }, 'in-progress'), DOC
        if not d then return pending('../shared/study and ../shared/corpus are not here') end
      else
        d, doc = T.example_corpus(), '02_charge_unfair.txt'
      end
      quit_after_break(d, doc, 'ana', broken_file('.stance/annotations/ana/' .. doc .. '.stance'),
        'Fix the file (stance check lists its errors) and they are merged', case == 'study' and 'ZQ' or 'mapping')
    end)
  end

  it('a link put in your layer\'s place within the autosave delay: :q refuses naming it, :q! says nothing (study)',
    function()
      local d = require('helpers.study').with_layer('ana', DOC, {
        { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'in-progress')
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local c = assert(require('stance').open(d))
      local doc = assert(c:document(DOC))
      local ss = doc:sentences()
      assert(doc:annotate({ start = ss[3].start, stop = ss[3].stop, label = 'engagement-favor', role = 'claim',
        annotator = 'eve' }))
      assert(c:save())
      local rel = '.stance/annotations/eve/' .. DOC .. '.stance'
      quit_after_break(d, DOC, 'eve', function(path)
        os.execute(('ln -s ../ana/%s.stance %s.new && mv -T %s.new %s'):format(DOC, T.q(path), T.q(path), T.q(path)))
        return ('%s is a link, the first error at %s:1:1: a link to .stance/annotations/ana/%s.stance'):format(rel, rel,
          DOC)
      end, 'Remove the link and they are saved into a file of your own', ':q!')
    end)

  it(':Stance side NAME is drawn anew when NAME\'s file changes on disk, and says so', function()
    local d = require('helpers.study').with_layer('ana', DOC,
      { { sentence = 3, label = 'engagement-favor', role = 'claim' } }, 'in-progress')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    write_layer(d, 'ben', 'engagement-favor')
    local nv = open(d, DOC, 'ana')
    tmux.driving(nv, function()
      nv:wait(has('Trump Should Offer'), 'the document')
      nv:keys(':Stance side ben')
      local screen = nv:key('Enter', has('layer of ben'), 'the side view')
      local side = nv:lua([[for _, w in ipairs(vim.api.nvim_list_wins()) do
        if vim.w[w].stance_layer then return w end end]])
      assert.truthy(side)
      local function labels()
        return nv:lua(([[local s = require('stance.editor.session').get()
          local out = {} for _, r in ipairs(s.others.ben.store:records('annotation')) do out[#out + 1] = r.label end
          return table.concat(out, ',')]]))
      end
      assert.are.equal('engagement-favor,engagement-favor,engagement-favor', labels())
      local before = tmux.plain(screen)
      write_layer(d, 'ben', 'human-rights-against')
      screen = nv:wait(has("ben's layer changed on disk: shown anew"), 'the notice, with no key')
      assert.are.equal('human-rights-against,human-rights-against,human-rights-against', labels())
      assert.are_not.equal(before, tmux.plain(screen))
    end)
  end)

  it('u and <C-r>: no E21 at the start, nor after another process deleted the annotation to undo', function()
    local d = require('helpers.study').with_layer('ana', DOC,
      { { sentence = 2, label = 'engagement-favor', role = 'claim' } }, 'in-progress')
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local path = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
    local nv = open(d, DOC, 'ana')
    tmux.driving(nv, function()
      nv:wait(has('Trump Should Offer'), 'the document')
      local screen = nv:key('u', has('Already at oldest change'), 'u at the start')
      no_errors(screen)
      screen = nv:key('C-r', has('Already at newest change'), '<C-r> at the start')
      no_errors(screen)
      -- annotate the fourth sentence, write it, then a script deletes that annotation
      nv:keys('4G', 'gsis4c')
      nv:wait(function() return count(path, 'annotation') == 1 and
        nv:lua("return #require('stance.editor.session').get().undo") == 1 end, 'the annotation made')
      nv:keys(':Stance save', 'Enter')
      assert.are.equal(2, count(path, 'annotation'))
      local c = assert(require('stance').open(d))
      local doc = assert(c:document(DOC))
      local recs = doc:annotations({ annotator = 'ana' })
      table.sort(recs, function(a, b) return a.start > b.start end)
      assert(recs[1]:delete())
      assert(c:save())
      nv:wait(has('changed on disk: reloaded'), 'the reload')
      screen = nv:key('u', has('Nothing to undo'), 'u: its annotation is gone')
      no_errors(screen)
      assert.falsy(has('undone: annotate')(screen), tmux.plain(screen))
      screen = nv:key('u', has('Already at oldest change'), 'u: nothing more')
      no_errors(screen)
      screen = nv:key('C-r', has('Already at newest change'), '<C-r>: nothing to redo')
      no_errors(screen)
      assert.are.equal(1, count(path, 'annotation'))
      -- the document read again (:e!, as when it changed on disk): its undo has a step then
      nv:keys(':e!', 'Enter')
      nv:keys('4G', 'gsis4c')
      nv:wait(function() return nv:lua("return #require('stance.editor.session').get().undo") == 1 end, 'annotated')
      screen = nv:key('u', has('undone: annotate'), 'u undoes the annotation')
      no_errors(screen)
      screen = nv:key('u', has('Already at oldest change'), 'u: nothing more of ours, the text not undone')
      no_errors(screen)
    end)
  end)
end)
