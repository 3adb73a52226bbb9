-- Tryout 14 on the screen (tmux, read right after each key): what a new user found trying the
-- real study (../shared/study, stances favor and against only). Each Neovim of the matrix
-- runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- A corpus of the study; nil when ../shared is not here.
local function corpus()
  return require('helpers.study').corpus()
end

local function open(d, who, extra, width, file)
  local ready = file and function(sc) return tmux.plain(sc):find('%a%a%a%a') ~= nil end or 'Should Offer Diplomatic'
  return T.tmux({ file or DOC }, { cwd = d, width = width or 160, height = 40, ready = ready,
    env = { STANCE_ANNOTATOR = who or 'ana' },
    init = "require('stance').setup({ annotator = '" .. (who or 'ana') .. "' }); "
      .. "require('stance.editor.cache').delay = 1000" .. (extra or '') })
end

--- The layer of `who` on DOC: `spans` lists of { {a, b}, ... } in code points, each with `label`
--- and `role`; `status` when given.
local function layer(d, who, list, status)
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  for _, a in ipairs(list) do
    assert(doc:annotate({ spans = a.spans, label = a.label, role = a.role, annotator = who }))
  end
  if status then assert(doc:set_status(status, who)) end
  assert(c:save())
  return doc
end

--- The code points of the first `n` characters of sentence i of DOC.
local function sentence(d, i)
  local c = assert(require('stance').open(d))
  return assert(c:document(DOC)):sentences()[i]
end

local function messages(nv)
  return nv:lua("return vim.fn.execute('messages')")
end

describe('tryout 14 on the screen', function()
  after_each(T.cleanup)

  it('F5: the curation panel quotes and highlights each piece of a discontinuous annotation', function()
    local d = corpus()
    if not d then return pending('../shared is not here') end
    -- ana: "Doug" of the byline and "The D" of the next sentence, one annotation, no target;
    -- ben: nothing there (a disputed place)
    local byline, next_ = sentence(d, 2), sentence(d, 3)
    assert.are.equal('Doug Bandow', byline.text)
    layer(d, 'ana', { { spans = { { byline.start, byline.start + 4 }, { next_.start, next_.start + 5 } },
      label = 'premise' } }, 'done')
    layer(d, 'ben', {}, 'done')
    local nv = open(d, 'carl')
    tmux.driving(nv, function()
      nv:keys(':Stance curate')
      local screen = nv:key('Enter', has('disputed'), 'the panel')
      -- to the place of the annotation without a target
      local tries = 0
      while not tmux.plain(screen):find('annotations without a target', 1, true) and tries < 10 do
        screen = nv:key('n', nil)
        tries = tries + 1
      end
      screen = nv:wait(has('"Doug" … "The D"'), 'each piece quoted')
      assert.falsy(tmux.plain(screen):find('"Doug Bandow The D"', 1, true), tmux.plain(screen))
      -- the document's window highlights "Doug" and "The D", not " Bandow"
      local row = tmux.row(screen, 'Doug Bandow')
      assert.truthy(row, tmux.plain(screen))
      -- (IncSearch: a background, or reverse video on 0.7's colors)
      local function lit(st) return st and (st.bg or st.reverse) or nil end
      assert.truthy(lit(tmux.style_of(row, 'Doug')), 'Doug highlighted')
      assert.is_nil(lit(tmux.style_of(row, 'Bandow')), 'Bandow not highlighted')
    end)
  end)

  it('F1/F6: :w says it on one line, whole in :messages; the suggest message whole in :messages', function()
    local d = corpus()
    if not d then return pending('../shared is not here') end
    local s = sentence(d, 3)
    layer(d, 'Ana Lopez', { { spans = { { s.start, s.stop } }, label = 'engagement-favor', role = 'claim' } })
    -- a narrow terminal: the message cannot fit whole
    local nv = open(d, 'Ana Lopez', nil, 80)
    tmux.driving(nv, function()
      nv:keys(':w')
      local screen = nv:key('Enter', has('written to your layer'), ':w')
      assert.falsy(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
      local whole = '"' .. DOC .. '": 1 annotation(s) written to your layer (Ana Lopez); the text is read-only, not written'
      nv:wait(function() return messages(nv):find(whole, 1, true) end, ':w whole in :messages')
    end)
    -- the suggestions' counts (our annotation of the study, 004 unread): cut on the screen,
    -- whole in :messages
    local unread = '004_e35aa5ebcc029514.txt'
    d = require('helpers.study').annotated(unread)
    nv = open(d, 'ana', nil, 80, unread)
    tmux.driving(nv, function()
      nv:keys(':Stance suggest 0.1')
      local screen = nv:key('Enter', has('learnt from'), 'the suggestions')
      assert.falsy(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
      local said = messages(nv)
      local line = said:match('(stance: %d+ suggestion%(s%), learnt from [^\n]*)')
      assert.truthy(line, said)
      assert.falsy(line:find('…', 1, true), line)
      assert.truthy(#line > 80, line)
    end)
  end)

  it('F2: :Stance summary again closes it, typed in the summary window or in the document', function()
    local d = corpus()
    if not d then return pending('../shared is not here') end
    local nv = open(d)
    tmux.driving(nv, function()
      nv:keys(':Stance summary')
      nv:key('Enter', has('paragraphs'), 'the summary')
      assert.are.equal('summary', nv:lua("return vim.w.stance_panel"))
      -- typed in the summary window
      nv:keys(':Stance summary')
      local screen = nv:key('Enter', function(sc) return not has('paragraphs')(sc) end, 'the summary closed')
      assert.falsy(tmux.plain(screen):find('not a document of a corpus', 1, true), tmux.plain(screen))
      assert.are.equal(1, nv:lua('return #vim.api.nvim_list_wins()'))
      -- again, then typed in the document's window
      nv:keys(':Stance summary')
      nv:key('Enter', has('paragraphs'), 'the summary again')
      nv:keys('Escape', 'C-w', 'p')
      assert.are_not.equal('summary', nv:lua("return vim.w.stance_panel"))
      nv:keys(':Stance summary')
      nv:key('Enter', function(sc) return not has('paragraphs')(sc) end, 'closed from the document')
      assert.are.equal(1, nv:lua('return #vim.api.nvim_list_wins()'))
    end)
  end)

  it('F3: ia/aa outside any annotation fail as Vim\'s objects do; F10: a jump that works clears the stale message',
    function()
      local d = corpus()
      if not d then return pending('../shared is not here') end
      local s = sentence(d, 3)
      layer(d, 'ana', { { spans = { { s.start, s.stop } }, label = 'engagement-favor', role = 'claim' } })
      local nv = open(d)
      tmux.driving(nv, function()
        -- the headline: no annotation there
        nv:keys('gg')
        nv:lua("vim.fn.setreg('\"', 'before')")
        nv:key('y', nil)
        nv:key('i', nil)
        nv:key('a', has('no annotation under the cursor'), 'yia said it')
        assert.are.equal('before', nv:lua("return vim.fn.getreg('\"')"))
        assert.are.equal('n', nv:lua('return vim.fn.mode()'))
        -- cia starts no insert
        nv:keys('c', 'i', 'a')
        assert.are.equal('n', nv:lua('return vim.fn.mode()'))
        -- vaa: Visual mode ends, and it is said
        nv:keys(':echo ""', 'Enter')
        nv:keys('v')
        nv:key('a', nil)
        nv:key('a', has('no annotation under the cursor'), 'vaa said it')
        assert.are.equal('n', nv:lua('return vim.fn.mode()'))
        -- F10: ]a past the last annotation says so; [a then jumps, and the message goes
        nv:keys('G')
        nv:key(']', nil)
        nv:key('a', has('no annotation after the cursor'), ']a at the end')
        nv:key('[', nil)
        nv:key('a', function(sc) return not has('no annotation after the cursor')(sc) end, '[a jumped')
        assert.truthy(messages(nv):find('no annotation after the cursor', 1, true))
        -- a message of the user's after it stays
        nv:keys('G', ']', 'a')
        nv:keys(':echomsg "mine"', 'Enter')
        nv:key('[', nil)
        local screen = nv:key('a', nil)
        assert.truthy(has('mine')(screen), tmux.plain(screen))
      end)
    end)

  it('F4: ]u stops at a sentence an annotation only runs into, as agreement counts it', function()
    local d = corpus()
    if not d then return pending('../shared is not here') end
    local a, b = sentence(d, 3), sentence(d, 4)
    layer(d, 'ana', { { spans = { { a.start, b.start + 3 } }, label = 'engagement-favor', role = 'claim' } })
    local nv = open(d)
    tmux.driving(nv, function()
      nv:keys('/The Democratic', 'Enter')
      nv:key(']', nil)
      nv:key('u', nil)
      -- sentence 4 ("The U.S. also came under fire.") has no stance: ]u stops there
      assert.are.equal(b.text:sub(1, 12), nv:lua([[
        local l = vim.api.nvim_get_current_line()
        return l:sub(vim.fn.col('.'), vim.fn.col('.') + 11)]]))
    end)
  end)

  it('F8: the side view: your window says "your layer" (the status line before 0.8, the window bar after)', function()
    local d = corpus()
    if not d then return pending('../shared is not here') end
    local s = sentence(d, 3)
    layer(d, 'ben', { { spans = { { s.start, s.stop } }, label = 'engagement-favor', role = 'claim' } })
    layer(d, 'cy', { { spans = { { s.start, s.stop } }, label = 'engagement-against', role = 'claim' } })
    local nv = open(d, 'cy')
    tmux.driving(nv, function()
      nv:keys(':Stance side ben')
      nv:key('Enter', has('layer of ben (read only)'), 'the side view')
      local screen = nv:wait(has('your layer (cy)'), 'your window says it')
      -- on one row with the side view's title
      local row = tmux.row(screen, 'your layer (cy)')
      assert.truthy(row and tmux.plain(row):find('layer of ben (read only)', 1, true), tmux.plain(screen))
      if nv:lua("return vim.fn.exists('+winbar')") == 0 then
        assert.truthy(tmux.plain(row):find(DOC, 1, true), 'the file still named')
      end
      -- closed: your status line as it was
      nv:keys(':only', 'Enter')
      nv:wait(function(sc) return not has('your layer (cy)')(sc) end, 'your layer no longer said')
    end)
  end)
end)
