-- Ending a merge conflict in the editor, on the study's schema (stances favor/against only),
-- read on the screen (tmux, capture-pane -e) right after each key with no redraw key: both
-- versions of a record (`conflict ours` / `conflict theirs`, same ID) and another annotation
-- on the same words. gX asks which one (it used to raise a Lua error on a conflict, and to
-- delete one of stacked annotations without asking); deleting one version keeps the other
-- without its mark; `u` brings both back; :Stance keep keeps the version picked; the
-- commands that change one annotation refuse a version in conflict with a message; gK shows
-- both. Also: `u` in a document with nothing to undo says "Already at oldest change" as
-- Neovim does in a buffer it may change (not E21 for the read-only document), no Lua error.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

local has = require('helpers.tmux').has

--- The study's five articles and schema, and tester's layer of DOC: annotation c1 on the
--- headline in conflict (ours: engagement favor, claim; theirs: engagement against,
--- premise) and h1 (human-rights favor) on the same words. nil without ../shared.
local function corpus(alone)
  if not T.shared or not T.exists(T.shared .. '/corpus/' .. DOC) then return nil end
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations/tester && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/'):format(T.q(d),
    T.q(T.shared), T.q(d), T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d)))
  local hash = require('stance.core').sha256(T.read(d .. '/' .. DOC))
  local function ann(id, label, target, stance, role, conflict)
    return table.concat({ 'annotation ' .. id, '  span 0-90', '  label ' .. label, '  target ' .. target,
      '  stance ' .. stance, '  role ' .. role, conflict and '  conflict ' .. conflict or nil }, '\n') .. '\n'
  end
  T.write(d .. '/.stance/annotations/tester/' .. DOC .. '.stance', table.concat({
    'format stance 1\n', ('document "%s"\n  hash sha256:%s\n  annotator tester\n'):format(DOC, hash),
    ann('c1', 'engagement-favor', 'engagement', 'favor', 'claim', 'ours'),
    not alone and ann('c1', 'engagement-against', 'engagement', 'against', 'premise', 'theirs') or nil,
    not alone and ann('h1', 'human-rights-favor', 'human-rights', 'favor', 'claim') or nil,
  }, '\n'))
  return d
end

--- The records of tester's layer in the editor: "id label conflict" lines, sorted.
local RECORDS = [[
local s = require('stance.editor.session').get()
local out = {}
for _, r in ipairs(s.store:records('annotation')) do
  out[#out + 1] = ('%s %s %s'):format(r.id, r.label, r.conflict or '-')
end
table.sort(out)
return table.concat(out, '; ')
]]

describe('merge conflicts in the editor', function()
  local nv
  after_each(function()
    if nv then nv:close() end
    nv = nil
    T.cleanup()
  end)

  it('gX picks a version (or a stacked annotation), keeps the other; u; :Stance keep; refusals; gK', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    nv = T.tmux({ DOC }, { cwd = d, width = 140, height = 30, ready = 'Trump Should Offer', init = [[
require('stance').setup({ annotator = 'tester', autosave = { delay = 60000 } })
]] })
    local path = d .. '/.stance/annotations/tester/' .. DOC .. '.stance'
    assert.are.equal('c1 engagement-against theirs; c1 engagement-favor ours; h1 human-rights-favor -', nv:lua(RECORDS))

    -- `u` with nothing to undo: Neovim's own message, no E21, no Lua error, no Press ENTER
    local screen = nv:key('u', has('Already at oldest change'), "Neovim's message")
    assert.falsy(has('E21')(screen), tmux.plain(screen))
    assert.falsy(has('E5108')(screen), tmux.plain(screen))
    assert.falsy(has('Press ENTER')(screen), tmux.plain(screen))

    -- a change to one annotation refuses the version in conflict (the innermost here), saying why
    nv:keys('gg0', ':')
    nv:type('Stance edit role premise')
    screen = nv:key('Enter', has('in conflict'), 'the refusal')
    assert.falsy(has('E5108')(screen), tmux.plain(screen))
    assert.are.equal('c1 engagement-against theirs; c1 engagement-favor ours; h1 human-rights-favor -', nv:lua(RECORDS))

    -- gK shows both versions and the other annotation
    -- (the whole float awaited: under load a capture can come while the terminal is mid-frame)
    screen = nv:key('gK', function(sc)
      return has('[conflict theirs]')(sc) and has('[conflict ours]')(sc) and has('human-rights-favor')(sc)
    end, 'both versions and the other annotation inspected')
    assert.falsy(has('E5108')(screen), tmux.plain(screen))
    nv:keys('Escape')
    nv:lua("for _, w in ipairs(vim.api.nvim_list_wins()) do if vim.api.nvim_win_get_config(w).relative ~= '' then "
      .. 'vim.api.nvim_win_close(w, true) end end')

    -- gX on the three: asked which, in a fixed order (c1 ours, c1 theirs, h1)
    screen = nv:key('gX', has('delete:'), 'the question which to delete')
    assert.truthy(screen and tmux.plain(screen):find('1 engagement%-favor.-%[conflict ours%]'), tmux.plain(screen))
    assert.truthy(tmux.plain(screen):find('2 engagement%-against.-%[conflict theirs%]'), tmux.plain(screen))
    assert.truthy(tmux.plain(screen):find('3 human%-rights%-favor'), tmux.plain(screen))
    screen = nv:key('1', has('deleted the ours version'), 'the deletion said')
    assert.truthy(has('kept theirs')(screen), tmux.plain(screen))
    assert.falsy(has('E5108')(screen), tmux.plain(screen))
    assert.are.equal('c1 engagement-against -; h1 human-rights-favor -', nv:lua(RECORDS))
    -- written: one c1, no conflict mark; the file reads clean
    assert.is_true(nv:lua("return require('stance.editor.persist').save(require('stance.editor.session').get())"))
    local file = T.read(path)
    assert.falsy(file:find('conflict', 1, true), file)
    local _, n = file:gsub('annotation c1\n', '')
    assert.are.equal(1, n, file)

    -- u: both versions back
    nv:key('u', has('undone: resolve'), 'the undo said')
    assert.are.equal('c1 engagement-against theirs; c1 engagement-favor ours; h1 human-rights-favor -', nv:lua(RECORDS))

    -- :Stance keep: only the versions are offered; keep ours
    nv:keys(':')
    nv:type('Stance keep')
    screen = nv:key('Enter', has('keep:'), 'the question which to keep')
    assert.falsy(has('human-rights-favor "')(screen), tmux.plain(screen))
    nv:key('1', has('kept the ours version'), 'the keep said')
    assert.are.equal('c1 engagement-favor -; h1 human-rights-favor -', nv:lua(RECORDS))

    -- gX on stacked annotations without a conflict: asked; Escape deletes nothing
    nv:key('gX', has('delete:'), 'the question which to delete')
    nv:keys('Escape')
    assert.are.equal('c1 engagement-favor -; h1 human-rights-favor -', nv:lua(RECORDS))
    nv:key('gX', has('delete:'), 'the question which to delete')
    nv:key('2', has('deleted human-rights-favor'), 'the second one deleted')
    assert.are.equal('c1 engagement-favor -', nv:lua(RECORDS))
    -- one left: no question
    screen = nv:key('gX', has('deleted engagement-favor'), 'the last one deleted at once')
    assert.falsy(has('delete:')(screen), tmux.plain(screen))
    assert.are.equal('', nv:lua(RECORDS))
  end)
  it('a version alone (the other side deleted it): :Stance keep and gX say so, not "both"', function()
    local d = corpus(true)
    if not d then return pending('../shared/corpus is not here') end
    nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 30, ready = 'Trump Should Offer', init = [[
require('stance').setup({ annotator = 'tester', autosave = { delay = 60000 } })
]] })
    assert.are.equal('c1 engagement-favor ours', nv:lua(RECORDS))
    nv:keys('gg0', ':')
    nv:type('Stance keep')
    local screen = nv:key('Enter', has('kept the ours version'), 'the keep said')
    assert.truthy(has('the only one: the other side had deleted it')(screen), tmux.plain(screen))
    assert.falsy(has('both')(screen), tmux.plain(screen))
    assert.are.equal('c1 engagement-favor -', nv:lua(RECORDS))
    nv:key('u', has('undone: resolve'), 'the undo said')
    assert.are.equal('c1 engagement-favor ours', nv:lua(RECORDS))
    screen = nv:key('gX', has('deleted the ours version'), 'the delete said')
    assert.truthy(has('(u brings it back)')(screen), tmux.plain(screen))
    assert.are.equal('', nv:lua(RECORDS))
  end)
end)
