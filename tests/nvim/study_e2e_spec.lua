-- The whole study, end to end, as a team does it: Neovim in tmux on the five articles of
-- ../shared/corpus with the study's schema (../shared/study), two annotators one after the
-- other. After every operation the screen is read with its colors (capture-pane -e) with
-- no redraw key in between; at the end, the files.
local T = require('helpers')
local background_of = require('helpers.study').background_of

local DOC = '000_6358a7516b2472dd.txt'
local US = 'The U.S. also came under fire.'
local KIM = 'Kim Jong-un poses a serious challenge to U.S. policy'
local FOCUS = 'To focus on the first seems callous.'
local CALLOUS = 'first seems callous' -- on one row of the screen

local has = require('helpers.tmux').has

local function colored(text)
  return function(screen) return background_of(screen, text) ~= nil end
end

--- A corpus made by `stance init` with the study's articles and schema; nil without ../shared.
local function study()
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  os.execute(('cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/'):format(T.q(T.shared), T.q(d),
    T.q(T.shared), T.q(d)))
  return d
end

--- Run `fn`, which drives Neovim `nv`; on an error, close it (the error shows its screen).
local function driving(nv, fn)
  local ok, e = pcall(fn)
  if not ok then
    nv:close()
    error(e, 0)
  end
end

describe('the study, end to end in a terminal', function()
  after_each(T.cleanup)

  it('two annotators annotate, resize, link, set the document stance, mark done; side view and progress', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local function start(who)
      return T.tmux({ DOC }, { cwd = d, init = ("require('stance').setup({ annotator = %q }) vim.o.wrap = true")
        :format(who), ready = DOC })
    end

    -- ana: the sentence with "U.S." whole, with one key for the label and one for the role
    local nv = start('ana')
    driving(nv, function()
      nv:keys('7G0')
      nv:key('g')
      local screen = nv:keys('sis')
      assert.truthy(has('label:')(screen), 'the label prompt')
      assert.falsy(has('Press ENTER')(screen))
      assert.is_nil(background_of(screen, US))
      nv:key('q', has('(no label on q)'), 'asked again') -- a key that picks nothing asks again
      nv:key('4', has('role:'), 'the role asked')
      screen = nv:key('c', colored(US), 'the annotation drawn')
      local against = background_of(screen, US)
      assert.is_nil(background_of(screen, 'A foreign ministry spokesman'), 'only the sentence')
      -- another sentence, in favor of engagement, as a premise
      nv:keys('11G0')
      screen = nv:keys('gsis1')
      assert.falsy(has('Press ENTER')(screen))
      screen = nv:key('p', colored(KIM), 'the second annotation drawn')
      local favor = background_of(screen, KIM)
      assert.are_not.equal(against, favor, 'favor and against in two colors')
      assert.is_nil(background_of(screen, CALLOUS))
      -- resized over two sentences: <Tab> in the prompt
      nv:keys('11G0w')
      screen = nv:keys('gs2is')
      assert.truthy(has('<Tab>')(screen), 'the resize offered')
      screen = nv:key('Tab', colored(CALLOUS), 'the resized annotation drawn')
      assert.are.equal(favor, background_of(screen, CALLOUS))
      -- a relation: the premise supports the claim, marked at both ends
      nv:keys('11G0')
      nv:key('g')
      nv:key('L', has('link from'), 'the link started')
      nv:keys('7G0')
      nv:key('g')
      nv:key('L', has('relation:'), 'the relation type asked')
      -- both ends, with no other key (two annotations apart are drawn by two screen updates,
      -- so that the rows between them are not drawn again: wait for the second)
      nv:key('s', function(sc) return has('[→ 1 supports]')(sc) and has('[1 supports →]')(sc) end,
        'the relation drawn at both ends')
      -- the claim deleted: its relation goes, and its mark at the premise too; u brings both
      nv:keys('7G0')
      nv:key('g')
      nv:key('X', function(sc) return not has('supports')(sc) and background_of(sc, US) == nil end,
        'the claim and both marks of its relation gone')
      nv:key('u', function(sc) return has('[1 supports →]')(sc) and has('[→ 1 supports]')(sc) end,
        'both marks back')
      -- the document's stance toward sanctions
      nv:keys('gg')
      nv:key('g')
      nv:key('D', has('document stance toward'), 'the target asked')
      nv:key('s', has('stance:'), 'the stance asked')
      nv:key('a', has('document (ana): sanctions against'), 'the document stance shown')
      -- a narrower terminal: everything drawn again where the text now wraps
      nv:tmux('resize-window', '-t', nv.name, '-x', '80', '-y', '30')
      nv:wait(function(sc)
        local first = require('helpers.tmux').plain(sc):match('^[^\n]*')
        return colored('came under fire.')(sc) and has('document (ana): sanctions against')(sc)
          and #first:gsub('[\128-\191]', '') <= 80 and first:find('Talking about', 1, true) ~= nil
      end, 'the screen drawn again at 80 columns')
      -- done
      nv:keys(':Stance done')
      nv:key('Enter', has('done for ana'), 'marked done')
      nv:quit()
    end)

    local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/ana/' .. DOC
      .. '.stance'))))
    assert.are.equal('done', store:header().status)
    local claim = store:find({ label = 'sanctions-against' })[1]
    assert.are.same({ 'sanctions', 'against', 'claim', US }, { claim.target, claim.stance, claim.role, claim.quote })
    local premise = store:find({ label = 'engagement-favor' })[1]
    assert.truthy(premise.quote:find('^' .. KIM:gsub('%p', '%%%0')), premise.quote)
    assert.truthy(premise.quote:find(FOCUS, 1, true), premise.quote)
    local rel = store:records('relation')[1]
    assert.are.same({ 'supports', premise.id, claim.id }, { rel.type, rel.from, rel.to })
    local dl = store:records('doclabel')[1]
    assert.are.same({ 'sanctions', 'against' }, { dl.target, dl.stance })

    -- ben: the same sentence in favor of sanctions; ana's layer beside his
    nv = start('ben')
    driving(nv, function()
      nv:keys('7G0gsis3')
      local screen = nv:key('c', colored(US), 'ben\'s annotation drawn')
      local bens = background_of(screen, US)
      nv:keys(':Stance side ana')
      screen = nv:key('Enter', has('layer of ana'), 'the side view')
      if vim.fn.has('nvim-0.10') == 0 then -- before 0.10: each layer's marks under the line, with its name
        -- (whole: fewer words before it in a narrow window)
        nv:wait(function(sc)
          local row = require('helpers.tmux').row(sc, 'under fire. [→ ana 1 supports]')
          return row ~= nil and require('helpers.tmux').plain(row):find('⤷ ana: …', 1, true) ~= nil
        end, 'ana\'s relation mark under the line, named')
      end
      -- one row holds the sentence twice: ben's color on the left, ana's on the right
      local tmux = require('helpers.tmux')
      local left, right = background_of(screen, US), background_of(screen, US, 2)
      assert.are.equal(bens, left)
      assert.truthy(right, 'ana\'s annotation in the side view')
      assert.are_not.equal(left, right, 'each layer in its own stance color')
      assert.truthy(has('document (ana): sanctions against')(screen))
      -- progress: ana done, ben in progress
      nv:keys(':Stance progress')
      screen = nv:key('Enter', has('in progress (1)'), 'the progress view')
      assert.truthy(tmux.plain(screen):find(DOC:gsub('%p', '%%%0') .. '%s+done %(2%)%s+in progress %(1%)'),
        tmux.plain(screen))
      nv:quit()
    end)
    local bstore = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/ben/' .. DOC
      .. '.stance'))))
    local b = bstore:records('annotation')[1]
    assert.are.same({ 'sanctions-favor', 'sanctions', 'favor', 'claim', US }, { b.label, b.target, b.stance, b.role,
      b.quote })
    assert.is_nil(bstore:header().status)
    local out, serr, scode = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(0, scode, out .. serr)
  end)

  it('shows every choice of the label prompt in a small terminal, names shortened in the middle', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = T.tmux({ '002_c6bce5e05bd0fd45.txt' }, { cwd = d, ready = 'Survive', width = 40, height = 12,
      init = "require('stance').setup({ annotator = 'ana' })" })
    driving(nv, function()
      nv:keys('11G0')
      local screen = nv:keys('gsis')
      local plain = require('helpers.tmux').plain(screen)
      for _, choice in ipairs({ '1 engage', '2 engage', '7 denucl', '8 denucl', 'f favor', 'a against', 'c claim',
        'p premise' }) do
        assert.truthy(plain:find(choice, 1, true), choice .. ' not shown:\n' .. plain)
      end
      assert.truthy(plain:find('…gainst', 1, true), plain) -- the ends tell favor from against
      assert.falsy(plain:find('Press ENTER', 1, true))
      nv:key('8', has('role:'), 'the role asked')
      nv:key('c', colored('Where U.S.'), 'the annotation drawn')
      nv:quit()
    end)
    local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/ana/'
      .. '002_c6bce5e05bd0fd45.txt.stance'))))
    local r = store:records('annotation')[1]
    assert.are.same({ 'denuclearization-first', 'against', 'claim' }, { r.target, r.stance, r.role })
  end)

  it('says after which sentence of a paragraph each mark stands, on every version, with or without wrap', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    -- long paragraphs cut at the window's edge: a mark after the line would be out of sight
    local nv = T.tmux({ DOC }, { cwd = d, ready = DOC, width = 140,
      init = "require('stance').setup({ annotator = 'ana', highlight = { virt_text = true } }) vim.o.wrap = false" })
    local under = vim.fn.has('nvim-0.10') == 0 -- before 0.10: under the line, after its last words
    local function shown(after, mark)
      return function(sc)
        for _, row in ipairs(require('helpers.tmux').rows(require('helpers.tmux').plain(sc))) do
          local at = row:find(after .. ' ' .. mark, 1, true)
          if at and (not under or row:sub(1, at - 1):find('⤷ …', 1, true)) then return true end
        end
        return false
      end
    end
    driving(nv, function()
      nv:keys('7G0gsis4')
      nv:key('c', shown('came under fire.', 'sanctions-against'), 'the label after its sentence')
      nv:keys('9G0gsis1')
      nv:key('p', shown('not pressed the issue.', 'engagement-favor'), 'the second label after its sentence')
      nv:keys('gL7G0gL')
      -- both ends (two annotations apart are drawn by two screen updates: wait for both)
      nv:key('s', function(sc)
        return shown('came under fire.', 'sanctions-against [→ 1 supports]')(sc)
          and shown('not pressed the issue.', 'engagement-favor [1 supports →]')(sc)
      end, 'the relation at both ends')
      -- the claim deleted: its marks go at once, the premise's mark of the relation too; u: back
      nv:key('gX', function(sc)
        return not has('came under fire. sanctions')(sc) and not has('supports')(sc)
          and shown('not pressed the issue.', 'engagement-favor')(sc)
      end, 'the marks of the deleted claim gone')
      nv:key('u', shown('came under fire.', 'sanctions-against [→ 1 supports]'), 'back')
      -- wrapped; a line annotated whole is marked after it, where there is room
      nv:keys(':set wrap')
      nv:key('Enter', shown('not pressed the issue.', 'engagement-favor [1 supports →]'), 'still there when wrapped')
      nv:keys('3G0gss2')
      local screen = nv:key('c', function(sc)
        local row = require('helpers.tmux').row(require('helpers.tmux').plain(sc), 'Doug Bandow')
        return row ~= nil and row:find('Doug Bandow%s+engagement%-against') ~= nil and not row:find('⤷', 1, true)
      end, 'a whole line\'s label after it')
      assert.truthy(shown('came under fire.', 'sanctions-against [→ 1 supports]')(screen))
      -- two windows of other widths on the buffer, in one of which the title's label fits
      -- after it and not in the other: the screen settles (the windows agree on which rows
      -- take a line under them), and nothing is drawn once it has
      nv:keys('1G0gss1')
      nv:key('c', function(sc)
        local row = require('helpers.tmux').row(require('helpers.tmux').plain(sc), 'Human Rights')
        return row ~= nil and row:find('Human Rights%s+engagement%-favor') ~= nil
      end, 'the title\'s label after it')
      screen = nv:keys(':vsplit', 'Enter', ':vertical resize 48', 'Enter') -- 46 columns of text: no room
      if under then -- in each window, under the line in both (0.10+: inside the line, wrapped)
        local _, seen = require('helpers.tmux').plain(screen):gsub('Human Rights engagement', '')
        assert.are.equal(2, seen, 'the label in each window:\n' .. require('helpers.tmux').plain(screen))
      end
      nv:mark()
      nv:settle(300)
      assert.are.equal('', nv:output(), 'drawn again and again')
      nv:quit()
    end)
  end)
end)
