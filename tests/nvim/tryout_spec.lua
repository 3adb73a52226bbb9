-- What a new user's tryout found on the study (../shared/study, ../shared/corpus), read on
-- the screen (tmux, capture-pane) right after each key with no redraw key in between: the
-- document's stances in the schema's order (not by name) in the virtual line, the summary
-- and the picker; relation marks of two layers on one screen told apart; the summary as
-- wide as its lines; one `u` for a document stance that removed duplicates; the side view
-- of another layer level with yours row for row, whatever the columns of either window and
-- wherever a fold is closed or opened; a relation mark inside a line never cut in two by the
-- wrap, and the rows below a line its new marks make taller drawn again.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

--- The study's articles and schema, with layers of ana and ben on DOC: every other sentence
--- (ana) or every third (ben) annotated, relations between pairs of them, document stances
--- toward three targets. `more(doc, sentences)` adds to ana's layer. nil without ../shared.
local function study(more)
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/')
    :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  local ss = doc:sentences()
  for _, who in ipairs({ 'ana', 'ben' }) do
    local ids = {}
    for i = 1, #ss, who == 'ana' and 2 or 3 do
      local label = ({ 'engagement-favor', 'sanctions-against', 'human-rights-favor' })[i % 3 + 1]
      local a = assert(doc:annotate({ start = ss[i].start, stop = ss[i].stop, label = label,
        role = i % 2 == 0 and 'claim' or 'premise', annotator = who }))
      ids[#ids + 1] = a.id
    end
    for k = 1, #ids - 1, 2 do
      assert(doc:relate(ids[k + 1], ids[k], k % 4 == 1 and 'supports' or 'attacks', { annotator = who }))
    end
    -- set in another order than the schema's and than by name
    assert(doc:set_label({ target = 'sanctions', stance = who == 'ana' and 'against' or 'favor', annotator = who }))
    assert(doc:set_label({ target = 'denuclearization-first', stance = 'against', annotator = who }))
    assert(doc:set_label({ target = 'engagement', stance = 'favor', annotator = who }))
  end
  if more then more(doc, ss) end
  assert(c:save())
  return d
end

local function start(d, opts)
  opts = opts or {}
  return T.tmux({ DOC }, { cwd = d, width = opts.width or 100, height = opts.height or 30, ready = DOC,
    init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } }) " .. (opts.init or '') })
end

--- Run `fn(nv)`; close `nv` either way (an error shows its screen).
local function driving(nv, fn)
  local ok, e = pcall(fn, nv)
  nv:close()
  if not ok then error(e, 0) end
end

--- The plain rows of a window: the rows of `screen` (the last two, the status and command
--- lines, left out), cut to the columns [from, to] (cells).
local function cells(row, from, to)
  local chars = vim.fn.split(row, '\\zs')
  local out, col = {}, 1
  for _, ch in ipairs(chars) do
    local w = vim.fn.strdisplaywidth(ch)
    if col >= from and col + w - 1 <= to then out[#out + 1] = ch end
    col = col + w
  end
  return table.concat(out)
end

--- The text of the screen's rows (plain) from column `from`, joined: what a wrapped line
--- reads as whole, whatever the wrap cut.
local function joined(screen, from)
  local parts = {}
  for _, row in ipairs(tmux.rows(tmux.plain(screen))) do
    parts[#parts + 1] = cells(row, from, 10000)
  end
  return table.concat(parts)
end

--- How many times `what` is in `text`.
local function count(text, what)
  return select(2, text:gsub(vim.pesc(what), ''))
end

--- The first words of each paragraph of DOC in `d`: where each line starts on the screen.
--- Returns `level(least, folded)`: a condition that holds when every paragraph start seen in
--- either window of a side view is on the same row in both, with at least `least` seen in
--- both (the rows split at the windows' separator), and every closed fold on the same row
--- in both windows; with `folded`, when that many closed folds show.
local function level_in(d)
  local starts = {}
  for line in assert(T.read(d .. '/' .. DOC)):gmatch('[^\n]+') do
    if #line >= 24 then starts[#starts + 1] = line:sub(1, 18) end
  end
  return function(least, folded)
    return function(sc)
      local rows = tmux.rows(tmux.plain(sc))
      local sep = rows[1] and vim.fn.strdisplaywidth(rows[1]:match('^(.-)│') or '')
      if not sep or sep == 0 then return false end
      local left, right, folds = {}, {}, 0
      for i, row in ipairs(rows) do
        local l, r = cells(row, 1, sep), cells(row, sep + 2, 10000)
        for _, st in ipairs(starts) do
          if l:find(st, 1, true) then left[st] = i end
          if r:find(st, 1, true) then right[st] = i end
        end
        -- a closed fold's row (its 'foldtext': "+--  3 lines: ...")
        local fl, fr = l:find('+--', 1, true) ~= nil, r:find('+--', 1, true) ~= nil
        if fl ~= fr then return false end
        if fl then folds = folds + 1 end
      end
      -- (Neovim 0.7.2 draws the row of a closed fold here without its text: the rows of the
      -- paragraphs say whether the windows are level)
      if folded and folds ~= folded and vim.fn.has('nvim-0.10') == 1 then return false end
      local both = 0
      for _, st in ipairs(starts) do
        if left[st] ~= right[st] then return false end
        if left[st] then both = both + 1 end
      end
      return both >= least
    end
  end
end

describe('the tryout of a new user, on the study', function()
  after_each(T.cleanup)

  it('lists the document\'s stances in the schema\'s order; tells two layers\' relation marks apart', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    driving(start(d, { width = 100, height = 40 }), function(nv)
      -- the study's order: engagement, sanctions, human-rights, denuclearization-first
      local screen = nv:wait(has('document (ana):'), 'the document stances')
      assert.truthy(has('document (ana): engagement favor sanctions against denuclearization-first against')(screen),
        tmux.plain(screen))
      -- the picker of gD lists the targets in that order too, each with its stance now
      screen = nv:key('gD', has('document stance toward'), 'the target asked')
      local text = tmux.plain(screen)
      -- (in columns when they do not fit on one row: read down, then across)
      local items = { 'engagement = favor', 'sanctions = against', 'human-rights', 'denuclearization-first = against' }
      local at = {}
      for r, row in ipairs(tmux.rows(text)) do
        for i, it in ipairs(items) do
          local c = row:find(it, 1, true)
          if c and not at[i] then at[i] = { c = vim.fn.strdisplaywidth(row:sub(1, c)), r = r, i = i } end
        end
      end
      assert.are.equal(4, vim.tbl_count(at), text)
      local order = vim.tbl_values(at)
      table.sort(order, function(x, y)
        if x.c ~= y.c then return x.c < y.c end
        return x.r < y.r
      end)
      assert.are.same({ 1, 2, 3, 4 }, vim.tbl_map(function(x) return x.i end, order), text)
      nv:key('Escape', function(sc) return not has('document stance toward')(sc) end, 'the picker closed')
      -- ben's layer over yours: his relations are named with his layer, yours are not
      nv:keys(':Stance layers ben')
      nv:key('Enter', has('document (ben):'), 'ben\'s layer shown')
      screen = nv:wait(function(sc) return joined(sc, 3):find('[→ ben 1 supports]', 1, true) ~= nil end,
        'ben\'s relation marks, named')
      text = joined(screen, 3)
      assert.truthy(has('document (ben): engagement favor sanctions favor denuclearization-first against')(screen),
        tmux.plain(screen))
      assert.are.equal(1, count(text, '[→ 1 supports]'), text)
      assert.are.equal(1, count(text, '[1 supports →]'), text)
      assert.are.equal(1, count(text, '[→ ben 1 supports]'), text)
      assert.are.equal(1, count(text, '[ben 1 supports →]'), text)
      -- the rows below lines that grew (marks, a document stance more) drawn again where they
      -- moved: no row left twice on the screen, none missing
      assert.are.equal(1, count(tmux.plain(screen), 'The U.S. also came under fire.'), tmux.plain(screen))
      assert.truthy(has('Doug Bandow')(screen), tmux.plain(screen))
      -- in a side view too, his marks say whose they are (the screen holds both layers)
      nv:keys(':Stance layers ben', 'Enter', ':Stance side ben')
      nv:key('Enter', has('layer of ben'), 'the side view')
      nv:wait(function(sc) return joined(sc, 53):find('[→ ben 1', 1, true) ~= nil end,
        'ben\'s marks in his window, named')
    end)
  end)

  it('removes duplicate document stances toward a target as one operation: one u brings them all back', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    -- two more toward sanctions, as a clean git merge of two machines leaves them
    local f = assert(io.open(d .. '/.stance/annotations/ana/' .. DOC .. '.stance', 'a'))
    f:write('\ndoclabel dup1\n  target sanctions\n  stance favor\n\ndoclabel dup2\n  target sanctions\n  stance against\n')
    f:close()
    driving(start(d, { width = 160 }), function(nv)
      local screen = nv:wait(has('document (ana):'), 'the document stances')
      assert.truthy(has('sanctions')(screen) and count(tmux.plain(screen):match('document %(ana%)[^\n]*'),
        'sanctions') == 3, tmux.plain(screen))
      nv:keys(':Stance doc favor sanctions')
      nv:key('Enter', has('document (ana): engagement favor sanctions favor denuclearization-first'),
        'one stance toward sanctions left')
      screen = nv:key('u', function(sc)
        local line = tmux.plain(sc):match('document %(ana%)[^\n]*') or ''
        return count(line, 'sanctions') == 3
      end, 'all three back with one u')
      assert.falsy(has('E5108')(screen), tmux.plain(screen))
      local line = tmux.plain(screen):match('document %(ana%)[^\n]*')
      assert.are.equal(2, count(line, 'sanctions against'), line)
      assert.are.equal(1, count(line, 'sanctions favor'), line)
      -- <C-r>: the one stance again
      nv:key('C-r', function(sc)
        return count(tmux.plain(sc):match('document %(ana%)[^\n]*') or '', 'sanctions') == 1
      end, 'redone as one')
    end)
  end)

  it(':Stance summary is as wide as its lines and lists the targets in the schema\'s order', function()
    local d = study(function(doc, ss)
      assert(doc:annotate({ start = ss[4].start, stop = ss[4].stop, label = 'denuclearization-first-against',
        role = 'claim', annotator = 'ana' }))
    end)
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    driving(start(d, { width = 100 }), function(nv)
      nv:keys(':Stance summary')
      local screen = nv:key('Enter', has('denuclearization-first: favor'), 'the summary')
      local rows = tmux.rows(tmux.plain(screen))
      local want = 'denuclearization-first: favor 0 (0%), against 1 (100%)'
      local at = {}
      for i, row in ipairs(rows) do
        for _, t in ipairs({ 'engagement', 'sanctions', 'human-rights', 'denuclearization-first' }) do
          if row:find('│' .. t .. ': favor', 1, true) then at[t] = i end
        end
        if row:find('denuclearization-first: favor', 1, true) then
          assert.truthy(row:find(want, 1, true), 'the longest line whole on its row: ' .. row)
        end
      end
      assert.truthy(at.engagement and at.sanctions and at['human-rights'] and at['denuclearization-first'],
        tmux.plain(screen))
      assert.truthy(at.engagement < at.sanctions and at.sanctions < at['human-rights']
        and at['human-rights'] < at['denuclearization-first'], tmux.plain(screen))
      -- its first line (the document's name and paragraphs) is not cut either
      assert.truthy(has('stance of ' .. DOC .. ', 10 paragraphs')(screen), tmux.plain(screen))
    end)
  end)

  it(':Stance summary fits names longer than the editor leaves it: wrapped, nothing cut off', function()
    -- a schema we did not write for it: long target and stance names
    local d = T.tmpdir()
    local target, pro, con = 'a-policy-target-whose-name-is-long', 'strongly-in-favour-of-it', 'firmly-opposed'
    os.execute(('mkdir -p %s/.stance/annotations'):format(T.q(d)))
    T.write(d .. '/.stance/schema.stance', table.concat({ 'format stance 1', '', 'target ' .. target, '  key t', '',
      'stance ' .. pro, '  key p', 'stance ' .. con, '  key c', '', 'label pro', '  key 1', '  target ' .. target,
      '  stance ' .. pro, '' }, '\n'))
    T.write(d .. '/doc.txt', 'The first sentence argues a point. The second one does not.\n')
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('doc.txt'))
    local ss = doc:sentences()
    assert(doc:annotate({ start = ss[1].start, stop = ss[1].stop, label = 'pro', annotator = 'ana' }))
    assert(c:save())
    local nv = T.tmux({ 'doc.txt' }, { cwd = d, width = 80, height = 24, ready = 'first sentence',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    driving(nv, function()
      nv:keys(':Stance summary')
      local want = ('%s: %s 1 (100%%), %s 0 (0%%)'):format(target, pro, con)
      -- (wrapped at blanks and after a "-", the rows after the first indented: read without blanks)
      local squeeze = function(x) return (x:gsub('%s+', '')) end
      local screen = nv:key('Enter', function(sc) return squeeze(joined(sc, 32)):find(squeeze(want), 1, true) ~= nil end,
        'the longest line whole, wrapped in the summary')
      -- the summary takes what the document leaves (30 columns), the document keeps those
      local rows = tmux.rows(tmux.plain(screen))
      local sep = vim.fn.strdisplaywidth(rows[1]:match('^(.-)│') or '')
      assert.are.equal(30, sep, tmux.plain(screen))
    end)
  end)

  --- `fn(nv, level)` with ben's layer side by side with ana's on the study's DOC (see level_in).
  local function side_view(fn)
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local level = level_in(d)
    driving(start(d, { width = 100, height = 40 }), function(nv)
      nv:keys(':Stance side ben')
      nv:key('Enter', level(4), 'the side view level with yours')
      fn(nv, level)
    end)
  end

  it(':Stance side stays level with your window row for row, whatever the columns of either', function()
    -- your window has a sign column (your annotations), the side view none
    side_view(function(nv, level)
      nv:keys(':set number')
      nv:key('Enter', level(4), 'level with numbers in yours')
      nv:keys(':set foldcolumn=2 signcolumn=yes:2')
      nv:key('Enter', level(4), 'level with a fold column and a wider sign column in yours')
      nv:keys('C-w', 'l', ':setlocal nonumber foldcolumn=4')
      nv:key('Enter', level(4), 'level with other columns in the side view')
      nv:keys(':vertical resize 30')
      nv:key('Enter', level(2), 'level after a resize')
      nv:keys('C-w', 'h')
      nv:key('C-f', level(2), 'level a page down')
      nv:keys(':set nonumber foldcolumn=0 signcolumn=auto')
      nv:key('Enter', level(2), 'level with your columns as they were')
      -- your window wraps otherwise: the side view follows
      nv:keys(':setlocal linebreak breakindent')
      nv:key('Enter', level(2), 'level with linebreak and breakindent in yours')
    end)
  end)

  it(':Stance side stays level when a fold is closed or opened in either window', function()
    side_view(function(nv, level)
      -- a fold made and closed in your window (manual folds, Vim's default)
      nv:keys(':2,4fold')
      nv:key('Enter', level(2, 1), 'a fold made in yours: closed in both, level')
      -- opened and closed again, in your window and in the side view
      for _, at in ipairs({ { nil, 'yours' }, { 'l', 'the side view' } }) do
        if at[1] then nv:keys('C-w', at[1]) end
        nv:keys(':2')
        nv:key('Enter', level(2, 1), 'on the fold in ' .. at[2])
        nv:key('z', nil)
        nv:key('o', level(4, 0), 'opened in ' .. at[2] .. ': open in both')
        nv:key('z', nil)
        nv:key('c', level(2, 1), 'closed again in ' .. at[2] .. ': closed in both')
      end
      nv:keys(':6,7fold')
      nv:key('Enter', level(1, 2), 'a fold made in the side view: closed in both')
      nv:keys('C-w', 'h')
      nv:key('z', nil)
      nv:key('R', level(4, 0), 'every fold opened in yours (zR): open in both')
      nv:key('z', nil)
      nv:key('M', level(0, 2), 'every fold closed in yours (zM): closed in both')
      -- folds by expression in your window: the side view takes its fold method
      nv:keys('z', 'E', ':setlocal foldmethod=expr foldexpr=v:lnum<=3')
      nv:key('Enter', level(0, 1), 'a fold by expression: closed in both')
      nv:key('C-f', level(1), 'level a page down')
    end)
  end)

  it('draws the rows below a wrapped line whose relation marks make it taller (no row lost or doubled)', function()
    if not (T.shared and T.exists(T.shared .. '/study/schema.stance')) then
      return pending('../shared/study and ../shared/corpus are not here')
    end
    for _, width in ipairs({ 60, 80, 100 }) do
      local d = T.tmpdir()
      os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/')
        :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
      driving(start(d, { width = width, height = 30 }), function(nv)
        -- two sentences of a long paragraph annotated, then linked: the marks inside the
        -- line (0.10+) make it a row taller
        nv:keys('5G0gsis1')
        nv:key('p', nil)
        nv:keys(')gsis4')
        nv:key('c', nil)
        -- linked twice (supports, then attacks): each time the line may take another row
        for i, rel in ipairs({ { 's', 'supports' }, { 'a', 'attacks' } }) do
          if i > 1 then nv:keys(')') end
          nv:keys('gL', '(')
          nv:key('g', nil)
          nv:key('L', nil)
          -- (numbered in the order of the relations on the line: [→ 1 attacks] [→ 2 supports])
          local mark = rel[2]
          nv:key(rel[1], function(sc) return has(' ' .. mark .. ' →]')(sc) and has(' ' .. mark .. ']')(sc) end,
            'the relation ' .. mark)
          local now = tmux.rows(tmux.plain(nv:settle(300)))
          nv:keys(':redraw!')
          local drawn = tmux.rows(tmux.plain(nv:key('Enter', nil)))
          -- every row of the document as a full redraw draws it (the status and command lines left out)
          for r = 1, #drawn - 2 do
            assert.are.equal(drawn[r], now[r], ('row %d at %d columns, %s:\n%s'):format(r, width, mark,
              table.concat(now, '\n')))
          end
        end
      end)
    end
  end)

  it('never cuts a relation mark inside a line at the end of a screen row (Neovim 0.10+)', function()
    if vim.fn.has('nvim-0.10') == 0 then
      return pending('before Neovim 0.10 marks stand after the line or under it, never inside a wrapped row')
    end
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local marks = {}
    for i = 1, 4 do
      for _, t in ipairs({ 'supports', 'attacks' }) do
        marks[#marks + 1] = ('[→ %d %s]'):format(i, t)
        marks[#marks + 1] = ('[%d %s →]'):format(i, t)
      end
    end
    --- Whether every mark of the screen (read across the rows: whole or cut) is whole on a row.
    local function whole(sc)
      local text, plain = joined(sc, 3), tmux.plain(sc)
      local seen = 0
      for _, m in ipairs(marks) do
        if text:find(m, 1, true) then
          seen = seen + 1
          if not plain:find(m, 1, true) then return false end
        end
      end
      return seen >= 4
    end
    for _, opts in ipairs({ '', 'vim.o.linebreak = true', 'vim.o.showbreak = "> "' }) do
      driving(start(d, { width = 100, height = 40, init = opts }), function(nv)
        nv:wait(whole, 'every mark whole (' .. opts .. ')')
        -- at other widths (the first title's mark falls across the edge at several of them)
        for _, w in ipairs({ 94, 97, 101, 103, 105, 107, 110 }) do
          nv:tmux('resize-window', '-t', nv.name, '-x', tostring(w), '-y', '40')
          nv:wait(function(sc)
            local first = tmux.plain(sc):match('^[^\n]*')
            return vim.fn.strdisplaywidth(first) <= w and whole(sc)
          end, ('every mark whole at %d columns (%s)'):format(w, opts))
        end
      end)
    end
  end)
end)
