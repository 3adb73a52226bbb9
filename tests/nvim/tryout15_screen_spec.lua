-- Tryout 15 on the screen (tmux, read right after each key): what a new user found writing,
-- reloading and undoing in the real study (../shared/study). Each Neovim of the matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')
local study = require('helpers.study')
local has = tmux.has

local DOC = study.DOC

--- Open DOC of corpus `d` as `who` (autosave after `delay` ms).
local function open(d, who, delay)
  return T.tmux({ DOC }, { cwd = d, width = 160, height = 40, ready = 'Should Offer Diplomatic',
    env = { STANCE_ANNOTATOR = who },
    init = ("require('stance').setup({ annotator = %q, autosave = { delay = %d } })"):format(who, delay or 60000) })
end

--- The cursor on the start of the corpus's sentence `i` of the document shown.
local function to_sentence(nv, i)
  nv:lua([[
    local s = require('stance.editor.session').get()
    local sp = assert(s.corpus:document(s.rel)):sentences()[...]
    require('stance.editor.where').jump(s:get_frame():cp_to_buf(sp.start))]], i)
end

local function layer_path(d, who)
  return ('%s/.stance/annotations/%s/%s.stance'):format(d, who, DOC)
end

--- `stance fmt --check` in corpus `d`: its exit status and output.
local function fmt_check(d)
  local out = T.tmpdir() .. '/fmt.out'
  local ok = os.execute(('cd %s && %s fmt --check > %s 2>&1'):format(T.q(d), T.q(T.root .. '/build/bin/stance'),
    T.q(out)))
  return (ok == true or ok == 0) and 0 or 1, T.read(out) or ''
end

--- The first spans' starts of the annotations of a layer file, in the order of the file.
local function starts(path)
  local out = {}
  for a in assert(T.read(path)):gmatch('\n  span (%d+)%-') do
    out[#out + 1] = tonumber(a)
  end
  return out
end

local function messages(nv)
  return nv:lua("return vim.fn.execute('messages')")
end

describe('tryout 15 on the screen', function()
  after_each(T.cleanup)

  it('F1: the autosave appends at once; the file is canonical once idle (stance fmt --check)', function()
    local d = study.with_layer('ana', DOC, { { sentence = 5, label = 'engagement-favor', role = 'claim' },
      { sentence = 6, label = 'engagement-favor', role = 'premise' } })
    if not d then return pending('../shared is not here') end
    assert.are.equal(0, (fmt_check(d)))
    local path = layer_path(d, 'ana')
    local nv = open(d, 'ana', 300)
    local function sorted()
      local at = starts(path)
      for i = 2, #at do
        if at[i - 1] >= at[i] then return false end
      end
      return true
    end
    tmux.driving(nv, function()
      -- one before the others, one after them all, one between: each in the file right after
      -- its autosave (appended), and the file canonical once the editor is idle
      for n, at in ipairs({ { 3, 'p' }, { 8, 'c' }, { 4, 'p' } }) do
        to_sentence(nv, at[1])
        nv:keys('g', 's', 'i', 's')
        nv:key('1', 'role:', 'the role question')
        nv:key(at[2], function() return #starts(path) == 2 + n end, 'the autosave of sentence ' .. at[1])
        nv:wait(sorted, 'the file written whole in the canonical order when idle')
        nv:wait(function() return nv:lua("return require('stance.editor.tidy').pending(require('stance.editor.session').get())") == false end,
          'no whole write pending')
        local rc, out = fmt_check(d)
        assert.are.equal(0, rc, out)
        assert.are.equal(2 + n, #starts(path))
      end
    end)
  end)

  it('F6: :e! of the unchanged text keeps the annotation undo history', function()
    local d = study.corpus()
    if not d then return pending('../shared is not here') end
    local nv = open(d, 'ana')
    tmux.driving(nv, function()
      to_sentence(nv, 3)
      nv:keys('g', 's', 'i', 's')
      nv:key('1', 'role:', 'the role question')
      nv:key('p', nil)
      nv:key('u', 'undone: annotate', 'u')
      nv:key('C-r', 'redone: annotate', '<C-r>')
      nv:keys(':e!')
      nv:key('Enter', nil)
      nv:wait(function() return nv:lua("return require('stance.editor.session').get() ~= nil") end, 'attached again')
      local screen = nv:key('u', 'undone: annotate', 'u after :e! undoes the annotation')
      assert.falsy(tmux.plain(screen):find('Already at oldest change', 1, true), tmux.plain(screen))
      nv:key('C-r', 'redone: annotate', '<C-r> after :e!')
      assert.are.equal(1, nv:lua("return require('stance.editor.session').get().store:count('annotation')"))
    end)
  end)

  it('F7: with a broken layer, the refusals of :q and :w are one line, never Press ENTER', function()
    local d = study.with_layer('ben', DOC, { { sentence = 5, label = 'engagement-favor', role = 'claim' } })
    if not d then return pending('../shared is not here') end
    local path = layer_path(d, 'ben')
    local nv = open(d, 'ben')
    tmux.driving(nv, function()
      to_sentence(nv, 3)
      nv:keys('g', 's', 'i', 's')
      nv:key('1', 'role:', 'the role question')
      nv:key('p', nil)
      -- the file breaks on disk within the autosave's delay
      local f = assert(io.open(path, 'a'))
      f:write('\nannotation broken\n  label "broken\n')
      f:close()
      nv:keys(':q')
      local screen = nv:key('Enter', has('your annotation changes are not saved'), ':q refused')
      local plain = tmux.plain(screen)
      assert.falsy(plain:find('Press ENTER', 1, true), plain)
      local row = tmux.row(screen, 'your annotation changes are not saved')
      assert.truthy(row, plain)
      assert.truthy(plain:find('E37: No write since last change', 1, true), plain)
      -- one row: E37 and why on it, the rest cut with "…"
      assert.truthy(plain:find('E37: No write since last change %(add ! to override%) ' .. DOC:gsub('%p', '%%%0')
        .. ': your annotation changes are not saved: [^\n]*…'), plain)
      nv:wait(function() return messages(nv):find(':q! discards them', 1, true) end, 'whole in :messages')
      nv:keys(':w')
      screen = nv:key('Enter', has('annotations not written'), ':w refused')
      plain = tmux.plain(screen)
      assert.falsy(plain:find('Press ENTER', 1, true), plain)
      assert.truthy(plain:find('%(stance%) "' .. DOC:gsub('%p', '%%%0') .. '": annotations not written: [^\n]*…'),
        plain)
    end)
  end)

  it('F10a: u names the operation undone: a note, a document stance removed', function()
    local d = study.with_layer('ana', DOC, { { sentence = 3, label = 'engagement-favor', role = 'claim' } })
    if not d then return pending('../shared is not here') end
    local nv = open(d, 'ana')
    tmux.driving(nv, function()
      to_sentence(nv, 3)
      nv:keys('g', 'C')
      nv:wait(function() return nv:lua('return vim.bo.buftype') == 'acwrite' end, 'the note buffer')
      nv:keys('i')
      nv:type('a note')
      nv:keys('Escape', ':w', 'Enter')
      nv:wait(has('note saved'), 'the note saved')
      nv:keys(':q', 'Enter')
      nv:wait(function() return nv:lua('return vim.bo.buftype') == '' end, 'back in the document')
      nv:key('u', 'undone: note', 'u after a note')
      nv:key('C-r', 'redone: note', '<C-r> after a note')
      nv:keys(':Stance doc favor sanctions')
      nv:key('Enter', 'document stance toward sanctions: favor', 'the document stance')
      nv:keys(':Stance doc - sanctions')
      nv:key('Enter', 'removed', 'the document stance removed')
      nv:key('u', 'undone: removing the document stance toward sanctions', 'u after the removal')
      nv:key('u', 'undone: document stance', 'u after the stance')
    end)
  end)

  it('F10c: :w by a user with no layer on the document says nothing was written', function()
    local d = study.corpus()
    if not d then return pending('../shared is not here') end
    local nv = open(d, 'Tester')
    tmux.driving(nv, function()
      nv:keys(':w')
      local screen = nv:key('Enter', has('nothing written'), ':w')
      local plain = tmux.plain(screen)
      assert.falsy(plain:find('written to your layer', 1, true), plain)
      assert.truthy(plain:find('no annotation of yours on it (Tester has no layer file here)', 1, true), plain)
      assert.is_false(T.exists(layer_path(d, 'Tester')))
    end)
  end)
end)
