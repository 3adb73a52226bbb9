-- The editor, driven as a person drives it: keys typed into real buffers of the example
-- corpus, then what is on disk checked with the C reader.
local T = require('helpers')

local function keys(k)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(k, true, false, true), 'xt', false)
end

local function corpus()
  local d = T.tmpdir()
  os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
  return d
end

local function open(d, name)
  vim.cmd('edit ' .. vim.fn.fnameescape(d .. '/' .. name))
  return require('stance.editor.session').get()
end

local function on_disk(s)
  local store = assert(require('stance.core').read(assert(T.read(s.path))))
  return store, store:records('annotation')
end

local function save(s)
  assert(require('stance.editor.persist').save(s))
end

local function line_of(s, rec)
  return require('stance.editor.where').pos(s.buf, rec.spans[1][1]) + 1
end

describe('the editor', function()
  before_each(function()
    -- these tests edit the documents too (annotations follow the text)
    require('stance').setup({ annotator = 'tester', autosave = { delay = 60000 }, documents = { readonly = false } })
  end)
  after_each(function()
    vim.cmd('silent! %bwipeout!')
    T.cleanup()
  end)

  it('attaches to documents of a corpus only', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    assert.are.equal('tester', s.annotator)
    assert.are.equal('01_charge_works.txt', s.rel)
    assert.are.equal(d .. '/.stance/annotations/tester/01_charge_works.txt.stance', s.path)
    assert.are.equal(3, #s.corpus:schema().targets)
    assert.is_nil(open(d, '.stance/schema.stance'))
    local out = T.tmpdir()
    T.write(out .. '/free.txt', 'Not in a corpus.\n')
    assert.is_nil(open(out, 'free.txt'))
    assert.are.equal('', require('stance').status())
  end)

  it('loads the layer of the annotator with the schema, placed by quote', function()
    local d = corpus()
    require('stance').setup({ annotator = 'ana' })
    local s = assert(open(d, '01_charge_works.txt'))
    local _, recs = on_disk(s)
    assert.is_true(#recs > 0)
    assert.are.equal(#recs, s.store:count('annotation'))
    -- every span is in buffer bytes, on its quote
    for _, r in ipairs(s.store:records('annotation')) do
      local shown = require('stance.editor.nav').quote(s.buf, r.spans, 100000):gsub(' … ', ' ')
      assert.are.equal(r.quote:gsub('%s+', ' '), shown)
    end
    assert.truthy(require('stance').status():find('favor %d'))
  end)

  it('annotates with gs over a text object, asks the label and its target, repeats with .', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.api.nvim_win_set_cursor(0, { 3, 5 })
    keys('gsisfc') -- the sentence, label favor, target congestion-charge
    local recs = s.store:records('annotation')
    assert.are.equal(1, #recs)
    assert.are.same({ 'favor', 'congestion-charge', 'favor' }, { recs[1].label, recs[1].target, recs[1].stance })
    assert.are.equal('By Marta Lindqvist', require('stance.editor.nav').quote(s.buf, recs[1].spans))
    vim.api.nvim_win_set_cursor(0, { 5, 0 })
    keys('.')
    assert.are.equal(2, s.store:count('annotation'))
    save(s)
    local _, disk = on_disk(s)
    assert.are.equal(2, #disk)
    table.sort(disk, function(a, b) return a.spans[1][1] < b.spans[1][1] end)
    assert.are.equal('By Marta Lindqvist', disk[1].quote)
    assert.are.same({ { 44, 62 } }, disk[1].spans)
    assert.are.equal('favor', disk[2].label)
    assert.are.equal('congestion-charge', disk[2].target)
    assert.truthy(disk[2].quote:find('^Two years after the city began charging drivers'))
    assert.truthy(disk[2].quote:find('hard to argue with%.$'))
  end)

  it('refuses an annotation over a NUL byte of the document, and writes contexts that stop at one', function()
    local d = corpus()
    T.write(d .. '/nul.txt', 'Hello wor\0ld. This is fine.\nSecond line.\n')
    local s = assert(open(d, 'nul.txt'))
    local ops = require('stance.editor.ops')
    local rec, err = ops.create(s, { { 0, 20 } }, { label = 'favor', target = 'congestion-charge' })
    assert.is_nil(rec)
    assert.truthy(tostring(err):find('the text of 0-20 holds a NUL byte (code point 9)', 1, true), err)
    local a = assert(ops.create(s, { { 0, 5 } }, { label = 'favor', target = 'congestion-charge' }))
    local b = assert(ops.create(s, { { 14, 21 } }, { label = 'favor', target = 'congestion-charge' }))
    local _, rerr = ops.resize(s, a.id, { { 0, 12 } })
    assert.truthy(tostring(rerr):find('NUL byte', 1, true), rerr)
    save(s)
    local _, disk = on_disk(s)
    table.sort(disk, function(x, y) return x.spans[1][1] < y.spans[1][1] end)
    assert.are.same({ 'Hello', '', ' wor' }, { disk[1].quote, disk[1].prefix, disk[1].suffix })
    assert.are.same({ 'This is', 'ld. ', ' fine.\nSecond line.\n' }, { disk[2].quote, disk[2].prefix, disk[2].suffix })
    assert.are.equal(b.id, disk[2].id)
  end)

  it('cancels with <Esc>, annotates lines (gss with a count), $ and visual selections', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.api.nvim_win_set_cursor(0, { 5, 0 })
    keys('gsis<Esc>')
    assert.are.equal(0, s.store:count('annotation'))
    keys('2gssp') -- premise: no target asked
    local r = s.store:records('annotation')[1]
    assert.are.equal('premise', r.role)
    assert.are.equal(5, line_of(s, r))
    assert.are.equal(6, require('stance.editor.where').pos(s.buf, r.spans[1][2]) + 1)
    keys('/Retail<CR>gs$e')
    local ev = s.store:find({ role = 'evidence' })[1]
    assert.are.equal('Retail footfall in the centre', require('stance.editor.nav').quote(s.buf, ev.spans):sub(1, 29))
    vim.api.nvim_win_set_cursor(0, { 1, 4 })
    keys('veegsax') -- "Congestion Charge" against exemptions
    local ag = s.store:find({ label = 'against' })[1]
    assert.are.equal('Congestion Charge', require('stance.editor.nav').quote(s.buf, ag.spans))
    assert.are.equal('exemptions', ag.target)
    -- blockwise: one span per line, one annotation
    vim.api.nvim_win_set_cursor(0, { 5, 0 })
    keys('<C-v>j2lgsr')
    local rb = s.store:find({ role = 'rebuttal' })[1]
    assert.are.equal(2, #rb.spans)
  end)

  it(':Stance annotate takes a label, a target and a range, with completion', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('5,6Stance annotate neutral public-transport')
    local r = s.store:records('annotation')[1]
    assert.are.same({ 'neutral', 'public-transport', 'neutral' }, { r.label, r.target, r.stance })
    assert.are.same({ 'against' }, vim.fn.getcompletion('Stance annotate ag', 'cmdline'))
    assert.are.same({ 'exemptions' }, vim.fn.getcompletion('Stance annotate against ex', 'cmdline'))
    vim.cmd('silent! 3Stance annotate bogus')
    assert.are.equal(1, s.store:count('annotation'))
  end)

  it('selects annotations with ia and aa', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate claim congestion-charge favor')
    vim.api.nvim_win_set_cursor(0, { 3, 8 })
    keys('yia')
    assert.are.equal('By Marta Lindqvist', vim.fn.getreg('"'))
    vim.api.nvim_win_set_cursor(0, { 3, 3 })
    keys('vaay')
    assert.are.equal('By Marta Lindqvist', vim.fn.getreg('"'))
    assert.are.equal(1, s.store:count('annotation'))
  end)

  it('edits, deletes, undoes and redoes annotations without touching the text', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
    vim.cmd('3Stance annotate favor exemptions')
    vim.api.nvim_win_set_cursor(0, { 3, 4 })
    keys('gSac') -- new label against, target congestion-charge
    local r = s.store:records('annotation')[1]
    assert.are.same({ 'against', 'congestion-charge', 'against' }, { r.label, r.target, r.stance })
    vim.cmd('Stance edit role claim')
    assert.are.equal('claim', s.store:records('annotation')[1].role)
    keys('gX')
    assert.are.equal(0, s.store:count('annotation'))
    keys('u')
    assert.are.equal(1, s.store:count('annotation'))
    assert.are.equal('claim', s.store:records('annotation')[1].role)
    keys('u')
    assert.is_nil(s.store:records('annotation')[1].role)
    keys('<C-r>')
    assert.are.equal('claim', s.store:records('annotation')[1].role)
    vim.cmd('Stance undo')
    vim.cmd('Stance undo')
    assert.are.equal('favor', s.store:records('annotation')[1].label)
    vim.cmd('Stance redo')
    assert.are.equal('against', s.store:records('annotation')[1].label)
    assert.are.equal(text, table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n'))
    assert.is_false(vim.bo.modified)
    -- a change of the text after the annotation: u undoes the text first
    keys('ggIX<Esc>')
    keys('u')
    assert.are.equal(text, table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n'))
    assert.are.equal('against', s.store:records('annotation')[1].label)
    keys('u')
    assert.are.equal('favor', s.store:records('annotation')[1].label)
  end)

  it('keeps notes, relations and the document stance', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate claim congestion-charge favor')
    vim.cmd('5Stance annotate premise')
    vim.api.nvim_win_set_cursor(0, { 3, 2 })
    vim.cmd('Stance note')
    local note_buf = vim.api.nvim_get_current_buf()
    assert.are_not.equal(s.buf, note_buf)
    vim.api.nvim_buf_set_lines(note_buf, 0, -1, false, { 'The author is the city\'s', 'transport adviser.' })
    vim.cmd('write')
    vim.cmd('close')
    local claim = s.store:find({ label = 'claim' })[1]
    assert.are.equal("The author is the city's\ntransport adviser.", claim.note)
    vim.api.nvim_win_set_cursor(0, { 5, 2 })
    assert.are.equal('pending', require('stance.editor.relations').link({ 'supports' }))
    vim.api.nvim_win_set_cursor(0, { 3, 2 })
    vim.cmd('Stance link')
    local rel = s.store:records('relation')[1]
    assert.are.same({ 'supports', claim.id }, { rel.type, rel.to })
    vim.cmd('Stance doc favor congestion-charge')
    vim.cmd('Stance doc against congestion-charge')
    local dl = s.store:records('doclabel')
    assert.are.equal(1, #dl)
    assert.are.equal('against', dl[1].stance)
    save(s)
    local disk = on_disk(s)
    assert.are.equal(1, #disk:records('relation'))
    assert.are.equal("The author is the city's\ntransport adviser.", disk:find({ label = 'claim' })[1].note)
    -- deleting the claim takes its relation; undo brings both back
    vim.cmd('Stance delete')
    assert.are.equal(0, s.store:count('relation'))
    vim.cmd('Stance undo')
    assert.are.equal(1, s.store:count('relation'))
    -- the float shows all of it
    local win = require('stance.editor.inspect').show()
    local shown = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false), '\n')
    assert.truthy(shown:find('claim', 1, true))
    assert.truthy(shown:find('congestion-charge', 1, true))
    assert.truthy(shown:find('transport adviser.', 1, true))
    assert.truthy(shown:find('← supports', 1, true))
    assert.truthy(shown:find('author    tester', 1, true))
  end)

  it('moves between annotations with ]a and [a (and counts), lists them, counts them', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    vim.cmd('5Stance annotate against exemptions')
    vim.cmd('8Stance annotate premise')
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    keys(']a')
    assert.are.same({ 3, 0 }, vim.api.nvim_win_get_cursor(0))
    keys('2]a')
    assert.are.same({ 8, 0 }, vim.api.nvim_win_get_cursor(0))
    keys('[a')
    assert.are.same({ 5, 0 }, vim.api.nvim_win_get_cursor(0))
    vim.cmd('Stance list')
    local items = vim.fn.getloclist(0)
    vim.cmd('lclose')
    assert.are.equal(3, #items)
    assert.are.equal(3, items[1].lnum)
    assert.truthy(items[2].text:find('^against → exemptions: '))
    vim.cmd('Stance list premise')
    assert.are.equal(1, #vim.fn.getloclist(0))
    vim.cmd('lclose')
    assert.are.equal('favor 1 against 1 other 1 +', require('stance').status())
    save(s)
    assert.are.equal('favor 1 against 1 other 1', require('stance').status())
  end)

  it("maps its keys over Neovim's default mappings (]a on 0.11), never over yours", function()
    local d = corpus()
    -- Neovim's own defaults, as 0.10+ defines them (0.11 maps ]a itself; on older versions
    -- these stand in): a buffer-local mapping of ours wins over them
    local had = vim.fn.maparg(']a', 'n', false, true)
    vim.keymap.set('n', '[a', '<Cmd>previous<CR>', { desc = ':help [a-default' })
    vim.keymap.set('n', 'gK', '<Nop>', { desc = ':help gK-default' })
    -- yours (global) and another plugin's (buffer-local, set before ours) stay
    vim.keymap.set('n', 'gX', '<Cmd>let g:stance_test_mine = 1<CR>')
    vim.api.nvim_create_autocmd('BufReadPost', { pattern = '*.txt', once = true, callback = function(a)
      vim.keymap.set('n', 'gS', '<Cmd>let g:stance_test_other = 1<CR>', { buffer = a.buf })
    end })
    local ok, err = pcall(function()
      local s = assert(open(d, '01_charge_works.txt'))
      vim.cmd('3Stance annotate favor congestion-charge')
      vim.cmd('5Stance annotate against exemptions')
      if vim.fn.has('nvim-0.11') == 1 then
        assert.truthy(require('stance.compat').default_mapping(had), vim.inspect(had))
      end
      vim.api.nvim_win_set_cursor(0, { 1, 0 })
      keys(']a')
      assert.are.same({ 3, 0 }, vim.api.nvim_win_get_cursor(0))
      keys(']a')
      assert.are.same({ 5, 0 }, vim.api.nvim_win_get_cursor(0))
      keys('[a')
      assert.are.same({ 3, 0 }, vim.api.nvim_win_get_cursor(0))
      assert.truthy(vim.fn.maparg('gK', 'n'):find('stance%-inspect'))
      keys('gX')
      assert.are.equal(1, vim.g.stance_test_mine)
      assert.are.equal(2, s.store:count('annotation'))
      keys('gS')
      assert.are.equal(1, vim.g.stance_test_other)
    end)
    vim.keymap.del('n', '[a')
    vim.keymap.del('n', 'gK')
    vim.keymap.del('n', 'gX')
    vim.g.stance_test_mine, vim.g.stance_test_other = nil, nil
    assert(ok, err)
  end)

  it('draws the visible spans with their stance and target groups, overlaps and signs', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('5,6Stance annotate favor congestion-charge')
    vim.api.nvim_win_set_cursor(0, { 5, 0 })
    keys('gsiwnx') -- neutral, target exemptions
    local render = require('stance.editor.render')
    local rows, signed = render.plan(s, vim.api.nvim_get_current_win(), s.buf, 0, 20)
    assert.is_nil(rows[2])
    local row4 = rows[4]
    assert.are.equal(2, #row4)
    local groups = {}
    for _, m in ipairs(row4) do
      groups[m[3].span] = true
      groups[m[3].target] = true
    end
    assert.is_true(groups.StanceStance_favor and groups.StanceStance_neutral)
    assert.is_true(groups.StanceTarget_congestion_charge and groups.StanceTarget_exemptions)
    assert.are.same({ { 0, 3 } }, row4.over) -- "Two" is in both
    assert.truthy(signed[4])
    assert.are.equal('StanceSign_favor', signed[5])
    assert.is_number(require('stance.compat').hl_colors('StanceStance_favor').bg)
    assert.are.equal('1', vim.fn.synIDattr(vim.fn.hlID('StanceTarget_exemptions'), 'underline', 'gui'))
    assert.are.equal('1', vim.fn.synIDattr(vim.fn.hlID('StanceTarget_exemptions'), 'underline', 'cterm'))
    -- the sign column, for the visible lines
    render.place_signs(s.buf, 0, 20, signed)
    local marks = vim.api.nvim_buf_get_extmarks(s.buf, render.sign_ns, 0, -1, {})
    assert.are.equal(2, #marks)
  end)

  it('moves annotations with edits of the text, and writes them in code points on save', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    keys('ggIÉté — <Esc>')
    local r = s.store:records('annotation')[1]
    assert.are.same({ { 44 + #'Été — ', 62 + #'Été — ' } }, r.spans)
    save(s)
    local disk, recs = on_disk(s)
    assert.are.same({ { 44 + 6, 62 + 6 } }, recs[1].spans) -- 6 code points
    assert.are.equal('By Marta Lindqvist', recs[1].quote)
    assert.are.equal('sha256:' .. require('stance.core').sha256(require('stance.editor.session').file_text(s.buf)),
      disk:header().hash)
    -- an edit inside the span: the quote follows
    vim.api.nvim_win_set_cursor(0, { 3, 3 })
    keys('cwMaria<Esc>')
    save(s)
    recs = select(2, on_disk(s))
    assert.are.equal('By Maria Lindqvist', recs[1].quote)
  end)

  it('keeps annotations whose text is deleted as orphans, and gives them back on undo', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    save(s)
    vim.api.nvim_win_set_cursor(0, { 3, 0 })
    keys('dd')
    save(s)
    local disk, recs = on_disk(s)
    assert.are.equal(1, #recs)
    assert.are.equal('By Marta Lindqvist', recs[1].quote)
    assert.are.same({ { 44, 62 } }, recs[1].spans)
    -- no hash: its offsets count in no text, so a script (or an export) checks the quote
    -- and finds the orphan, instead of taking the words now at 44-62
    assert.is_nil(disk:header().hash)
    vim.cmd('silent write')
    local script = d .. '/../orphans.lua'
    T.write(script, 'local c = assert(require("stance").open(arg[1]))\n'
      .. 'for _, a in ipairs(c:document(arg[2]):annotations()) do if a.orphan then print(a.id) end end\n')
    local out, err, code = T.stance_run({ 'run', script, d, '01_charge_works.txt' })
    assert.are.equal(0, code, err)
    assert.are.equal(recs[1].id .. '\n', out)
    assert.truthy(require('stance').status():find('orphans 1'))
    vim.cmd('Stance list orphans')
    assert.are.equal(1, #vim.fn.getloclist(0))
    vim.cmd('lclose')
    keys('u')
    local r = s.store:records('annotation')[1]
    assert.is_nil(r.orphan)
    assert.are.same({ { 44, 62 } }, r.spans)
    save(s)
    disk, recs = on_disk(s)
    assert.are.same({ { 44, 62 } }, recs[1].spans)
    assert.are.equal('sha256:' .. require('stance.core').sha256(require('stance.editor.session').file_text(s.buf)),
      disk:header().hash)
    -- an orphan written, the document written, then opened again: nothing changed since,
    -- and the message says what is there, not that the text changed
    vim.api.nvim_win_set_cursor(0, { 3, 0 })
    keys('dd')
    save(s)
    vim.cmd('silent write')
    vim.cmd('silent! %bwipeout!')
    local notify = require('stance.notify')
    local warn, line, said = notify.warn, notify.line, {}
    notify.warn = function(msg) said[#said + 1] = msg end
    notify.line = notify.warn
    local reopened = pcall(open, d, '01_charge_works.txt')
    notify.warn, notify.line = warn, line
    assert.is_true(reopened)
    said = table.concat(said, '\n')
    assert.truthy(said:find('1 annotation(s) whose text is not in the document (orphans', 1, true), said)
    assert.falsy(said:find('the text changed', 1, true), said)
  end)

  it('writes the annotations from the text before the buffer is unloaded (an edit undone, then wiped)', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    vim.cmd('5Stance annotate against exemptions')
    save(s)
    local before = T.read(s.path)
    vim.api.nvim_win_set_cursor(0, { 5, 3 })
    keys('ciwword<Esc>')
    keys('u')
    assert.is_false(vim.bo.modified)
    vim.cmd('bwipeout!')
    assert.are.equal(before, T.read(s.path))
    -- an edit left unsaved, then wiped: the annotations keep their quotes, and are found there
    s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('1delete')
    vim.cmd('bwipeout!')
    local _, recs = on_disk(s)
    assert.are.equal(2, #recs)
    s = assert(open(d, '01_charge_works.txt'))
    for _, r in ipairs(s.store:records('annotation')) do
      assert.is_nil(r.orphan)
      assert.are.equal(r.quote, require('stance.editor.nav').quote(s.buf, r.spans, 100000))
    end
    assert.are.equal(3, line_of(s, s.store:find({ label = 'favor' })[1]))
  end)

  it('re-anchors annotations when the document changed while it was closed', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    vim.cmd('5Stance annotate against exemptions')
    save(s)
    vim.cmd('bwipeout!')
    local path = d .. '/01_charge_works.txt'
    local text = T.read(path)
    -- a line inserted above both; a word of the second changed, a sentence of it removed
    text = text:gsub('Two years after', 'Three years after'):gsub(' Buses run on time again%.', '')
    T.write(path, 'A new first line.\n\n' .. text)
    s = assert(open(d, '01_charge_works.txt'))
    local placed = s.store:find({ label = 'favor' })[1]
    assert.are.equal(5, line_of(s, placed))
    local edited = s.store:find({ label = 'against' })[1]
    assert.is_nil(edited.orphan) -- found again although its text changed
    assert.are.equal(7, line_of(s, edited))
    assert.truthy(require('stance.editor.nav').quote(s.buf, edited.spans, 1000):find('^Three years after'))
    vim.cmd('7delete') -- its text goes: an orphan, kept
    save(s)
    assert.is_true(s.store:find({ label = 'against' })[1].orphan)
    assert.are.equal(2, s.store:count('annotation'))
  end)

  it('writes by itself after a pause, and on :w of the document', function()
    local d = corpus()
    require('stance').setup({ annotator = 'tester', autosave = { delay = 20 }, documents = { readonly = false } })
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    assert.is_false(T.exists(s.path))
    assert.is_true(vim.wait(2000, function() return T.exists(s.path) end, 10))
    require('stance').setup({ annotator = 'tester', autosave = { enabled = false }, documents = { readonly = false } })
    vim.cmd('5Stance annotate against exemptions')
    vim.wait(100)
    assert.are.equal(1, #select(2, on_disk(s)))
    vim.cmd('write')
    assert.are.equal(2, #select(2, on_disk(s)))
  end)

  it('appends every new annotation at once; out of order, the file is written whole when idle', function()
    local d = corpus()
    local tidy = require('stance.editor.tidy')
    local delay = tidy.DELAY
    tidy.DELAY = 50
    finally(function() tidy.DELAY = delay end)
    local s = assert(open(d, '01_charge_works.txt'))
    local function read()
      local text = T.read(s.path)
      local store, problems = require('stance.core').read(text)
      assert.are.same({}, problems)
      return text, store
    end
    local function canonical()
      local text, store = read()
      assert.are.equal(store:write(), text)
      return text, store
    end
    local function idle()
      assert.is_true(vim.wait(5000, function() return not tidy.pending(s) end, 10))
    end
    vim.cmd('8Stance annotate premise')
    save(s) -- no file yet: written whole
    local first = canonical()
    -- before the others: appended at once (on disk after one fdatasync), out of the canonical
    -- order, then written whole when the editor is idle (tryout 15)
    vim.cmd('3Stance annotate favor congestion-charge')
    save(s)
    assert.is_true(s.appended)
    assert.is_true(tidy.pending(s))
    local text, store = read()
    assert.are.equal(first, text:sub(1, #first)) -- appended after what was there
    assert.are.equal(2, store:count('annotation'))
    assert.are_not.equal(store:write(), text)
    local stamp = require('stance.editor.session').stamp(s.path)
    idle()
    assert.are_not.equal(stamp, require('stance.editor.session').stamp(s.path))
    text = canonical()
    -- after every other: appended, and canonical: no whole write waits
    local last = vim.fn.prevnonblank(vim.fn.line('$'))
    assert.is_true(last > 8)
    vim.cmd(last .. 'Stance annotate premise')
    save(s)
    assert.is_true(s.appended)
    assert.is_false(tidy.pending(s))
    local appended = canonical()
    assert.are.equal(text, appended:sub(1, #text)) -- appended after what was there
    -- an edit of an annotation writes it whole
    require('stance.editor.ops').update(s, s.store:find({ label = 'favor' })[1].id, { note = 'n' })
    save(s)
    assert.is_false(s.appended)
    canonical()
    -- a file read from disk (not known to be canonical): appended too, written whole when idle
    vim.cmd('bwipeout')
    s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('5Stance annotate against exemptions')
    save(s)
    assert.is_true(s.appended)
    idle()
    local _
    _, store = canonical()
    assert.are.equal(4, store:count('annotation'))
    -- nothing changed: the idle write finds the file canonical and writes nothing
    s.appended = true
    s.file.canonical = nil
    stamp = require('stance.editor.session').stamp(s.path)
    tidy.later(s)
    idle()
    assert.are.equal(stamp, require('stance.editor.session').stamp(s.path))
  end)

  it('writes the file whole at idle on the worker: the bytes of a write here; :w stops or waits for it', function()
    local d = corpus()
    local tidy = require('stance.editor.tidy')
    local session = require('stance.editor.session')
    local s = assert(open(d, '01_charge_works.txt'))
    local function canonical(what)
      local text = T.read(s.path)
      local store = assert(require('stance.core').read(text))
      assert.are.equal(store:write(), text, what)
      return text, store
    end
    vim.cmd('8Stance annotate premise')
    save(s)
    vim.cmd('3Stance annotate favor congestion-charge')
    save(s)
    assert.is_true(tidy.pending(s))
    local appended = session.stamp(s.path)
    assert.is_true(tidy.start(s)) -- (what the idle moment does)
    assert.is_true(tidy.start(s)) -- one job at a time
    assert.is_true(vim.wait(10000, function() return s.tidy_job == nil end, 5))
    assert.are.equal('written', s.tidy_outcome)
    assert.is_false(tidy.pending(s))
    assert.are_not.equal(appended, session.stamp(s.path))
    assert.are.equal(s.file.stamp, session.stamp(s.path)) -- the session knows the file it wrote
    local text = canonical(1)
    assert.are.equal(text, require('stance.editor.persist').file_text(s))
    -- the same bytes as the main thread's whole write: that one finds nothing to write
    local stamp = session.stamp(s.path)
    s.appended, s.file.canonical = true, nil
    assert.is_true(tidy.now(s))
    assert.are.equal(stamp, session.stamp(s.path))
    -- :w while a job runs: it is stopped (or waited for) first, never raced; the file whole
    vim.cmd('5Stance annotate against exemptions')
    save(s)
    assert.is_true(tidy.pending(s))
    assert.is_true(tidy.start(s))
    vim.cmd('write')
    assert.is_nil(s.tidy_job)
    assert.is_false(tidy.pending(s))
    local _, store = canonical(2)
    assert.are.equal(3, store:count('annotation'))
    assert.are.equal(s.file.stamp, session.stamp(s.path))
    -- a new annotation appended while a job runs: the job gives up or the append follows it
    vim.cmd('6Stance annotate premise')
    save(s)
    assert.is_true(tidy.start(s))
    vim.cmd('1Stance annotate premise')
    save(s)
    assert.is_true(vim.wait(10000, function() return s.tidy_job == nil end, 5))
    assert.is_true(tidy.now(s))
    _, store = canonical(3)
    assert.are.equal(5, store:count('annotation'))
    -- not on the worker: a file changed on disk since (merged here: persist.check_disk), changes
    -- not yet written
    vim.cmd('10Stance annotate premise')
    save(s)
    local f = assert(io.open(s.path, 'a'))
    f:write('\nannotation zzzzzzzzzzzz\n  span 0-4\n  label premise\n')
    f:close()
    assert.is_false(tidy.start(s))
    s.file.stamp = session.stamp(s.path) -- (as if read again)
    s.dirty = true
    assert.is_false(tidy.start(s))
  end)

  it('writes the file whole at :w, and merges with a version written meanwhile', function()
    local d = corpus()
    local tidy = require('stance.editor.tidy')
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('8Stance annotate premise')
    save(s)
    vim.cmd('3Stance annotate favor congestion-charge')
    save(s)
    assert.is_true(tidy.pending(s))
    -- another writer appends a record meanwhile: kept by the whole write (merged)
    local other = '\nannotation zzzzzzzzzzzz\n  span 0-4\n  label premise\n'
    local f = assert(io.open(s.path, 'a'))
    f:write(other)
    f:close()
    vim.cmd('write')
    assert.is_false(tidy.pending(s))
    local text = T.read(s.path)
    local store = assert(require('stance.core').read(text))
    assert.are.equal(store:write(), text)
    assert.are.equal(3, store:count('annotation'))
    assert.truthy(store:get('zzzzzzzzzzzz'))
  end)

  it('opens again from its cache, and reads the file when either file changed', function()
    local d = corpus()
    require('stance.editor.cache').delay = 1
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    vim.cmd('5Stance annotate premise')
    save(s)
    local cache = require('stance.editor.cache').path(s, 'tester')
    assert.is_true(vim.wait(2000, function() return T.exists(cache) end, 5))
    local before = s.store:write()
    vim.cmd('bwipeout!')
    s = assert(open(d, '01_charge_works.txt'))
    assert.is_true(s.file.cached) -- loaded from the cache: the file was not parsed
    assert.are.equal(before, s.store:write())
    assert.are.equal('favor 1 other 1', require('stance').status())
    -- another program adds to the file meanwhile: it is merged, not overwritten
    local other = on_disk(s)
    assert(other:add({ kind = 'annotation', id = 'ext1', spans = { { 0, 3 } }, label = 'premise' }))
    require('stance.core').write_atomic(s.path, other:write())
    vim.cmd('10Stance annotate evidence')
    save(s)
    local merged = on_disk(s)
    assert.truthy(merged:get('ext1'))
    assert.are.equal(4, merged:count('annotation'))
    assert(require('stance.editor.ops').remove(s, 'ext1'))
    assert(require('stance.editor.ops').remove(s, s.store:find({ label = 'evidence' })[1].id))
    save(s)
    -- the cached store saves like one read from the file
    vim.cmd('8Stance annotate against exemptions')
    save(s)
    assert.are.equal(3, #select(2, on_disk(s)))
    assert.is_true(vim.wait(2000, function() return require('stance.editor.cache').write(s) end, 5))
    vim.cmd('bwipeout!')
    -- another program changes the annotation file: the cache is not used
    local store = on_disk(s)
    assert(store:remove(store:records('annotation')[1].id))
    require('stance.core').write_atomic(s.path, store:write())
    s = assert(open(d, '01_charge_works.txt'))
    assert.is_falsy(s.file.cached)
    assert.are.equal(2, s.store:count('annotation'))
    vim.cmd('bwipeout!')
    -- or the document
    T.write(d .. '/01_charge_works.txt', 'New first line.\n' .. T.read(d .. '/01_charge_works.txt'))
    s = assert(open(d, '01_charge_works.txt'))
    assert.is_falsy(s.file.cached)
    assert.are.equal(2, s.store:count('annotation'))
    require('stance.editor.cache').delay = 3000
  end)

  it('opens from the cache that stance warm wrote (as the git hooks do after a pull)', function()
    local d = corpus()
    T.write(d .. '/crlf.txt', 'Ça va.\r\nNon, ça ne va pas.\r\n')
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('crlf.txt'))
    assert(doc:annotate({ start = 8, stop = 26, label = 'against', target = 'exemptions', annotator = 'ana' }))
    assert(c:save())
    local out, err, code = T.run(('cd %s && %s warm'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    assert.truthy(out:find('cache(s) written', 1, true), out)
    require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })
    local s = assert(open(d, '01_charge_works.txt'))
    assert.is_true(s.file.cached, 'the cache of stance warm was used')
    local placed = s.store:records('annotation')
    assert.is_true(#placed > 0)
    vim.cmd('bwipeout!')
    s = assert(open(d, 'crlf.txt'))
    assert.are.equal('dos', vim.bo.fileformat)
    assert.is_true(s.file.cached)
    assert.are.equal('Non, ça ne va pas.', require('stance.editor.nav').quote(s.buf, s.store:records('annotation')[1].spans))
    -- up to date: a second run writes nothing
    out = T.run(('cd %s && %s warm'):format(T.q(d), T.q(T.stance)))
    assert.truthy(out:find('0 cache(s) written', 1, true), out)
  end)

  it('opens from a warm cache of moved annotations, says so and saves them: warm never places twice', function()
    local d = corpus()
    local doc = d .. '/01_charge_works.txt'
    T.write(doc, 'A line added since.\n' .. T.read(doc))
    local out, err, code = T.run(('cd %s && %s warm'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    assert.truthy(out:find(' 0 file(s) left alone', 1, true), out) -- saved though annotations moved
    out = T.run(('cd %s && %s warm'):format(T.q(d), T.q(T.stance)))
    assert.truthy(out:find('0 cache(s) written', 1, true), out) -- and not placed again
    require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })
    local s = assert(open(d, '01_charge_works.txt'))
    assert.is_true(s.file.cached, 'the cache of stance warm was used')
    assert.is_true(s.rewrite, 'the moved annotations are written at the next save')
    for _, r in ipairs(s.store:records('annotation')) do
      local shown = require('stance.editor.nav').quote(s.buf, r.spans, 100000):gsub(' … ', ' ')
      assert.are.equal(r.quote:gsub('%s+', ' '), shown)
    end
    save(s)
    local st = assert(require('stance.core').read(T.read(s.path)))
    assert.are.equal('sha256:' .. require('stance.core').sha256(T.read(doc)), st:header().hash)
  end)

  it('checks every quote, even under the document\'s own hash (a merge may bring wrong offsets)', function()
    local d = corpus()
    local core = require('stance.core')
    local path = d .. '/.stance/annotations/ana/01_charge_works.txt.stance'
    local st = assert(core.read(T.read(path)))
    local text = T.read(d .. '/01_charge_works.txt')
    st:set_header('hash', 'sha256:' .. core.sha256(text))
    local first = st:records('annotation')[1]
    -- offsets of another text, under the right hash: shifted by 7 code points
    assert(st:update(first.id, { spans = { { first.spans[1][1] + 7, first.spans[1][2] + 7 } } }))
    T.write(path, st:write())
    require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })
    local s = assert(open(d, '01_charge_works.txt'))
    local r = s.store:get(first.id)
    assert.are.equal(first.quote, require('stance.editor.nav').quote(s.buf, r.spans, 100000))
    assert.is_true(s.rewrite)
  end)

  it('loses no save while another process saves the same file at the same time', function()
    local d = corpus()
    require('stance').setup({ annotator = 'shared', autosave = { delay = 60000 } })
    local s = assert(open(d, '01_charge_works.txt'))
    local log = d .. '/.other.log'
    local rounds = 60
    os.execute(('lua5.4 %s %s %s other %d %s keep 01_charge_works.txt >/dev/null 2>&1 &'):format(
      T.q(T.root .. '/tests/helpers/saver.lua'), T.q(T.root), T.q(d), rounds, T.q(log)))
    local ops, persist = require('stance.editor.ops'), require('stance.editor.persist')
    local mine = {}
    for i = 1, rounds do
      local a = (i * 7) % 400
      assert(ops.create(s, { { a, a + 5 } }, { label = 'claim', id = 'ed' .. i }))
      -- a save that found the other's lock held past the editor's wait (0.1 s) is held and
      -- tried again: every annotation made must be on disk in the end all the same
      persist.save(s)
      mine[#mine + 1] = 'ed' .. i
      vim.wait(3)
    end
    local function acked()
      local f = io.open(log, 'rb')
      if not f then return {} end
      local ids = {}
      for id in f:read('*a'):gmatch('[^\n]+') do
        ids[#ids + 1] = id
      end
      f:close()
      return ids
    end
    assert.is_true(vim.wait(60000, function() return #acked() == rounds end, 50), 'the other process ends')
    assert(persist.save(s, { force = true }))
    local disk = on_disk(s)
    local missing = {}
    for _, id in ipairs(mine) do
      if not disk:get(id) then missing[#missing + 1] = id end
    end
    for _, id in ipairs(acked()) do
      if not disk:get(id) then missing[#missing + 1] = id end
    end
    assert.are.equal(rounds, #mine)
    assert.are.same({}, missing)
  end)

  it('merges when the annotation file changed on disk, and keeps both sides of a conflict', function()
    local d = corpus()
    local core = require('stance.core')
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    save(s)
    -- another Neovim adds an annotation and relabels ours
    local theirs = on_disk(s)
    local first = theirs:records('annotation')[1]
    theirs:add({ kind = 'annotation', id = 'other1', spans = { { 64, 100 } }, label = 'neutral', stance = 'neutral' })
    assert(core.write_atomic(s.path, theirs:write(), core.sha256(T.read(s.path))))
    vim.cmd('5Stance annotate premise')
    save(s)
    local merged = on_disk(s)
    assert.are.equal(3, merged:count('annotation'))
    assert.truthy(s.store:get('other1'))
    -- both change the same annotation differently
    theirs = on_disk(s)
    theirs:update(first.id, { label = 'against', stance = 'against' })
    assert(core.write_atomic(s.path, theirs:write(), core.sha256(T.read(s.path))))
    require('stance.editor.ops').update(s, first.id, { label = 'neutral' })
    save(s)
    merged = on_disk(s)
    assert.are.equal('neutral', merged:get(first.id, 'ours').label)
    assert.are.equal('against', merged:get(first.id, 'theirs').label)
    assert.truthy(require('stance').status():find('conflicts 1'))
  end)

  it('shows other annotators\' layers over yours or side by side', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    assert.are.same({ 'ana', 'ben' }, require('stance.editor.layers').names(s))
    assert.is_true(require('stance.editor.layers').toggle('ana'))
    assert.is_true(s.others.ana.store:count('annotation') > 0)
    local rows = require('stance.editor.render').plan(s, vim.api.nvim_get_current_win(), s.buf, 0, 200)
    local other = 0
    for _, list in pairs(rows) do
      for _, m in ipairs(list) do
        if m[3].span == 'StanceOther' then other = other + 1 end
      end
    end
    assert.is_true(other > 0)
    local win = require('stance.editor.layers').side('ana')
    assert.are.equal('ana', vim.api.nvim_win_get_var(win, 'stance_layer'))
    -- level with yours: the same first line, no sign column
    assert.are.equal(vim.fn.line('w0', vim.api.nvim_get_current_win()), vim.fn.line('w0', win))
    assert.are.equal('no', vim.wo[win].signcolumn)
    assert.is_false(require('stance.editor.layers').toggle('ana'))
  end)

  it('runs every command and default key, and lets the keys be changed or left out', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    vim.cmd('3Stance annotate favor congestion-charge')
    vim.cmd('5Stance annotate premise')
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    vim.cmd('Stance next')
    assert.are.equal(3, vim.fn.line('.'))
    vim.cmd('2Stance next') -- a count, as :[count]Stance next
    assert.are.equal(5, vim.fn.line('.'))
    vim.cmd('Stance prev')
    assert.are.equal(3, vim.fn.line('.'))
    local wins = #vim.api.nvim_list_wins()
    keys('gK')
    assert.are.equal(wins + 1, #vim.api.nvim_list_wins())
    keys('j') -- moving closes it (headless Neovim sends CursorMoved only from its main loop)
    vim.cmd('doautocmd CursorMoved')
    assert.are.equal(wins, #vim.api.nvim_list_wins())
    assert.are.equal(4, vim.fn.line('.'))
    vim.cmd('Stance inspect')
    assert.are.equal(wins, #vim.api.nvim_list_wins(), vim.inspect(vim.api.nvim_list_wins())) -- line 4: nothing
    vim.cmd('Stance save')
    assert.are.equal(2, #select(2, on_disk(s)))
    vim.cmd('Stance layers ana')
    assert.is_true(s.others.ana.shown)
    vim.cmd('Stance side ben')
    assert.are.equal(wins + 1, #vim.api.nvim_list_wins())
    for _, name in ipairs({ 'annotate', 'edit', 'delete', 'note', 'link', 'doc', 'undo', 'redo', 'list', 'inspect',
      'layers', 'side', 'save', 'next', 'prev' }) do
      assert.truthy(vim.fn.getcompletion('Stance ' .. name:sub(1, 3), 'cmdline')[1], name)
      assert.are.equal(2, vim.fn.exists(':Stance'))
    end
    for _, plug in ipairs({ 'annotate', 'annotate-line', 'inner-annotation', 'an-annotation', 'next', 'prev',
      'inspect', 'edit', 'delete', 'undo', 'redo' }) do
      assert.are_not.equal('', vim.fn.maparg('<Plug>(stance-' .. plug .. ')', plug:find('annotation') and 'o' or 'n'))
    end
    vim.cmd('bwipeout!')
    require('stance').setup({ annotator = 'tester', mappings = { annotate = 'ga', next = '' } })
    s = assert(open(d, '02_charge_unfair.txt'))
    -- (a global mapping that acts in annotated buffers: its description names it)
    assert.are.equal('stance: annotate', vim.fn.maparg('ga', 'n', false, true).desc)
    assert.are.equal('', vim.fn.maparg('gs', 'n'))
    assert.falsy(vim.fn.maparg(']a', 'n'):find('stance'), vim.fn.maparg(']a', 'n'))
    vim.api.nvim_win_set_cursor(0, { 3, 0 })
    keys('gaisp')
    assert.are.equal(1, s.store:count('annotation'))
    vim.cmd('bwipeout!')
    require('stance').setup({ annotator = 'tester', mappings = { enabled = false } })
    assert(open(d, '03_charge_evidence.txt'))
    assert.are.equal('', vim.fn.maparg('gs', 'n'))
    assert.has_error(function() require('stance').setup({ autosave = { delay = -1 } }) end)
  end)

  it(':Stance agree shows the lines stance agree prints', function()
    local d = corpus()
    assert(open(d, '01_charge_works.txt'))
    local buf, report = require('stance.editor.commands').agree({ 'unit', 'span' })
    assert.are.equal('span', report.unit)
    local out = T.stance_run({ 'agree', '--unit', 'span' }, nil, d)
    assert.are.same(T.lines(out:gsub('\n$', '')), vim.api.nvim_buf_get_lines(buf, 0, -1, false))
    vim.cmd('close')
    vim.cmd('Stance agree field stance target congestion-charge disagreements')
    out = T.stance_run({ 'agree', '--field', 'stance', '--target', 'congestion-charge', '--disagreements' }, nil, d)
    assert.are.same(T.lines(out:gsub('\n$', '')), vim.api.nvim_buf_get_lines(0, 0, -1, false))
    assert.truthy(out:find('disagreements (stance)', 1, true), out)
  end)

  it(':Stance agree on the study: the same per-target report as stance agree', function()
    local d, paths = require('helpers.study_layers').make()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    assert(open(d, paths[1]))
    vim.cmd('Stance agree')
    local out = T.stance_run({ 'agree' }, nil, d)
    local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    assert.are.same(T.lines(out:gsub('\n$', '')), lines)
    assert.truthy(table.concat(lines, '\n'):find('\ndenuclearization%-first%s+%d+'), out)
  end)

  it(':Stance curate: agreed places in gold at once, then each disagreement, highlighted in the document', function()
    local d, path, sentences = require('helpers.study_layers').curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local s = assert(open(d, path))
    local doc_win = vim.api.nvim_get_current_win()
    vim.cmd('Stance curate')
    local curate = require('stance.editor.curation_panel')
    local st = curate.current
    assert.are.same({ 'ana', 'ben' }, st.cur.names)
    local gold_path = d .. '/.stance/annotations/gold/' .. path .. '.stance'
    local gold = assert(require('stance.core').read(assert(T.read(gold_path))))
    assert.are.equal(2, gold:count('annotation'))
    assert.are.equal(1, gold:count('relation'))
    local function panel() return table.concat(vim.api.nvim_buf_get_lines(st.buf, 0, -1, false), '\n') end
    assert.truthy(panel():find('disputed: 0 of 5 resolved\nagreed: 3 of 4 in gold, 1 waiting for their ends',
      1, true), panel())
    assert.truthy(panel():find("disputed 1 of 5: the document's stance toward engagement", 1, true), panel())
    assert.truthy(panel():find('[2] ben: stance against', 1, true), panel())
    keys('2')
    -- human rights on sentence 2, highlighted in the document's window
    assert.truthy(panel():find('disputed 2 of 5: the stance toward human-rights', 1, true), panel())
    assert.truthy(panel():find('[2] ben: (no annotation)', 1, true), panel())
    local ns = vim.api.nvim_create_namespace('stance_curate_place')
    local marks = vim.api.nvim_buf_get_extmarks(s.buf, ns, 0, -1, { details = true })
    assert.are.equal(1, #marks)
    local where = require('stance.editor.where')
    local frame = s:get_frame()
    local r1, c1 = where.pos(s.buf, frame:cp_to_buf(sentences[2].start))
    local r2, c2 = where.pos(s.buf, frame:cp_to_buf(sentences[2].stop))
    assert.are.same({ r1, c1, r2, c2, 'StanceCurate' }, { marks[1][2], marks[1][3], marks[1][4].end_row,
      marks[1][4].end_col, marks[1][4].hl_group })
    assert.are.equal(r1 + 1, vim.api.nvim_win_get_cursor(doc_win)[1])
    keys('x')
    -- engagement on sentence 3: your own version from ben's (cursor on his line), as a claim
    assert.truthy(panel():find('disputed 3 of 5: the stance toward engagement', 1, true), panel())
    for i, l in ipairs(vim.api.nvim_buf_get_lines(st.buf, 0, -1, false)) do
      if l:find('^%[2%] ben:') then vim.api.nvim_win_set_cursor(0, { i, 0 }) end
    end
    keys('ec')
    gold = assert(require('stance.core').read(assert(T.read(gold_path))))
    local own = gold:find({ label = 'claim' })[1]
    -- the curator (tester) made it, from ben's version
    assert.are.same({ 'engagement', 'against', 'claim', 'ben thinks so', 'tester', 'ben' },
      { own.target, own.stance, own.role, own.note, own.author, st.cur:based_on(own.id) })
    assert.are.equal(2, gold:count('relation')) -- the agreed relation to sentence 1 followed
    assert.truthy(panel():find('disputed 4 of 5: the stance toward denuclearization-first', 1, true), panel())
    keys('2')
    assert.truthy(panel():find('all resolved: 5 disputed decided, 4 agreed in gold', 1, true), panel())
    gold = assert(require('stance.core').read(assert(T.read(gold_path))))
    assert.are.equal('done', gold:header().status)
    -- the highlight goes with the panel
    vim.cmd('close')
    assert.are.same({}, vim.api.nvim_buf_get_extmarks(s.buf, ns, 0, -1, {}))
  end)

  it(':Stance curate: your own version keeps the role and every attribute the label does not set', function()
    local d = corpus()
    assert(open(d, '01_charge_works.txt'))
    vim.cmd('Stance curate')
    local st = require('stance.editor.curation_panel').current
    local p, at
    for i, q in ipairs(st.cur.disputed) do
      local v = q.versions.ana and q.versions.ana[1]
      if not p and v and v.role and q.kind == 'annotation' then p, at = q, i end
    end
    assert.truthy(p, 'a disputed place where ana gave a role')
    st.index = at
    require('stance.editor.curation_panel').render(st)
    vim.api.nvim_win_set_cursor(0, { 1, 0 }) -- not on a version: the first (ana's)
    keys('efx') -- label favor (sets the stance), its target asked: exemptions
    local gold = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/gold/01_charge_works.txt.stance'))))
    local own = gold:find({ label = 'favor', target = 'exemptions' })
    assert.are.equal(1, #own)
    local ana = p.versions.ana[1]
    -- the curator made it, from ana's version
    assert.are.same({ ana.role, ana.note, 'tester', ana.spans }, { own[1].role, own[1].note, own[1].author, own[1].spans })
    assert.are.equal('ana', st.cur:based_on(own[1].id))
  end)

  it(':Stance curate: e makes the curator the author of a changed version, the annotator of one kept', function()
    local d, path = require('helpers.study_layers').curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    assert(open(d, path))
    vim.cmd('Stance curate')
    local curate = require('stance.editor.curation_panel')
    local st = curate.current
    local gold_path = d .. '/.stance/annotations/gold/' .. path .. '.stance'
    local function engagement_claims()
      local gold = assert(require('stance.core').read(assert(T.read(gold_path))))
      return gold:find({ target = 'engagement', role = 'claim', label = 'engagement-favor' }),
        gold:find({ target = 'engagement', label = 'engagement-against' })
    end
    -- engagement on sentence 3: ana favor/claim, ben against/premise; from ana's version
    -- (the first), the same label and role: ana's record as she made it
    st.index = 3
    curate.render(st)
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    keys('e1c')
    local favor = engagement_claims()
    assert.are.equal(2, #favor) -- sentence 1 (agreed) and sentence 3
    for _, r in ipairs(favor) do
      assert.are.equal('ana', r.author)
      assert.is_nil(st.cur:based_on(r.id))
    end
    -- again from ana's version, against: the curator's (tester), from ana's
    st.index = 3
    curate.render(st)
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    keys('e2c')
    local _, against = engagement_claims()
    assert.are.equal(1, #against)
    assert.are.same({ 'tester', 'claim', 'ana' }, { against[1].author, against[1].role, st.cur:based_on(against[1].id) })
  end)

  it(':Stance cues shows the lexicon\'s cues through the same provider', function()
    local d = corpus()
    local s = assert(open(d, '02_charge_unfair.txt'))
    local render = require('stance.editor.render')
    local function cue_marks()
      local rows = render.plan(s, vim.api.nvim_get_current_win(), s.buf, 0, 40)
      local found = {}
      for r, list in pairs(rows) do
        for _, m in ipairs(list) do
          if m.cue then
            local line = vim.api.nvim_buf_get_lines(s.buf, r, r + 1, false)[1]
            found[#found + 1] = m[3].span .. ':' .. line:sub(m[1] + 1, m[2])
          end
        end
      end
      table.sort(found)
      return found
    end
    assert.are.same({}, cue_marks())
    vim.cmd('Stance cues')
    local marks = cue_marks()
    assert.truthy(vim.tbl_contains(marks, 'StanceCue_deontic:should not'), vim.inspect(marks))
    assert.truthy(vim.tbl_contains(marks, 'StanceCue_booster:plainly'), vim.inspect(marks))
    assert.are.equal(1, vim.fn.hlexists('StanceCue_deontic'))
    -- a lexicon of the corpus replaces the default one
    T.write(d .. '/.stance/lexicon.stance', 'format stance 1\ncategory mine\n  cues "congestion charge"\n')
    s.corpus._lexicon = nil
    marks = cue_marks()
    assert.truthy(marks[1] and marks[1]:find('^StanceCue_mine:'), vim.inspect(marks))
    vim.cmd('Stance cues')
    assert.are.same({}, cue_marks())
  end)

  it('suggests stances per target with ghosts at the end of their sentence, accepts, rejects, and sums up', function()
    local d = corpus()
    os.remove(d .. '/.stance/annotations/ana/03_charge_evidence.txt.stance') -- nobody has read it
    -- labelled sentences to learn from: every sentence of two articles, read to the end by ana
    local c = assert(require('stance').open(d))
    for _, p in ipairs({ '01_charge_works.txt', '02_charge_unfair.txt' }) do
      local doc = assert(c:document(p))
      for _, sen in ipairs(doc:sentences()) do
        local t = sen.text:lower()
        local lbl = (t:find('unfair') or t:find('tax') or t:find('poor') or t:find('cost')) and 'against'
          or ((t:find('work') or t:find('fell') or t:find('time')) and 'favor' or nil)
        if lbl then
          doc:annotate({ start = sen.start, stop = sen.stop, label = lbl, target = 'congestion-charge', annotator = 'ana' })
        end
      end
      assert(doc:set_status('done', 'ana'))
    end
    assert(c:save())
    local s = assert(open(d, '03_charge_evidence.txt'))
    local sg = require('stance.editor.suggest')
    local n = sg.run(nil, 0, { wait = true })
    assert.is_true(n > 0)
    assert.is_true(s.suggest_res.trained['congestion-charge'])
    -- ghosts: at the end of their sentence, with target, stance and probability, in the target's
    -- color (0: the likeliest stance of every sentence and target, several ghosts at one place):
    -- real marks inline on 0.10+; before, in the window's plan after the sentence, as the
    -- labels of annotations are (after the line, or under it: stance.editor.under)
    -- (on 0.10+ one mark per sentence end, its ghosts in order: one per ghost here)
    local marks = {}
    for _, m in ipairs(vim.api.nvim_buf_get_extmarks(s.buf, sg.ns, 0, -1, { details = true })) do
      for _, ch in ipairs(m[4].virt_text) do
        if ch[1]:find('%S') then
          marks[#marks + 1] = { m[1], m[2], m[3], { virt_text = { ch }, virt_text_pos = m[4].virt_text_pos } }
        end
      end
    end
    if vim.fn.has('nvim-0.10') == 0 then
      assert.are.same({}, marks)
      marks = {}
      local ends = require('helpers.study').ends(s)
      table.sort(ends, function(x, y) return x.row < y.row or (x.row == y.row and x.col < y.col) end)
      for _, e in ipairs(ends) do
        marks[#marks + 1] = { 0, e.row, e.col, { virt_text = e.chunks, virt_text_pos = 'inline' } }
      end
    end
    assert.are.equal(#s.suggestions, #marks)
    local at = {}
    for _, m in ipairs(marks) do
      local chunk = m[4].virt_text[1]
      at[('%d:%d:%s:%s'):format(m[2], m[3], chunk[1]:match('^ ?(%S+ %S+ %d%.%d%d%?)'), chunk[2])] = true
      assert.are.equal('inline', m[4].virt_text_pos)
    end
    for _, it in ipairs(s.suggestions) do
      local row, col = require('stance.editor.where').pos(s.buf, it.stop)
      local key = ('%d:%d:%s %s %.2f?:%s'):format(row, col, it.target, it.class, it.p,
        'StanceGhost_' .. it.target:gsub('%-', '_'))
      assert.is_true(at[key], key)
      assert.is_true(it.class == 'favor' or it.class == 'against') -- classes it saw only
    end
    -- the sentence whose label would teach most: prose, not yet labelled
    local best = sg.next()
    for _, it in ipairs(s.predictions) do
      if it.prose then assert.is_true(sg.information(best, s.suggest_res) >= sg.information(it, s.suggest_res)) end
    end
    -- a question (no ghost shown at 0.99) stays when the suggestions are made again (the
    -- retraining after an annotation), asked on the new model at the same sentence
    local function here()
      local off = require('stance.editor.where').cursor()
      for _, g in ipairs(s.suggestions) do
        if g.start <= off and off < g.stop then return g end
      end
    end
    sg.run(nil, 0.99, { wait = true, quiet = true })
    sg.next()
    local q = assert(here())
    assert.is_true(q.question)
    sg.run(nil, 0.99, { wait = true, quiet = true })
    local q2 = assert(here())
    assert.are.same({ true, q.target, q.start }, { q2.question, q2.target, q2.start })
    assert.are_not.equal(q, q2)
    s.asked = nil
    sg.run(nil, 0, { wait = true })
    -- accept one: a complete annotation (the label `favor` asks for the target: it is set)
    local it = s.suggestions[1]
    require('stance.editor.where').jump(it.start)
    local rec = sg.accept()
    assert.are.equal(it.class, rec.stance)
    assert.are.equal(it.class, rec.label)
    assert.are.equal(it.target, rec.target)
    assert.are.equal(1, s.store:count('annotation'))
    local drawn = 0
    for _, m in ipairs(vim.api.nvim_buf_get_extmarks(s.buf, sg.ns, 0, -1, { details = true })) do
      for _, ch in ipairs(m[4].virt_text) do
        if ch[1]:find('%S') then drawn = drawn + 1 end
      end
    end
    assert.are.equal(vim.fn.has('nvim-0.10') == 1 and #s.suggestions or 0, drawn)
    keys('u')
    assert.are.equal(0, s.store:count('annotation'))
    -- reject another: kept in the model layer, and not suggested again
    sg.run(nil, 0, { wait = true })
    it = s.suggestions[1]
    require('stance.editor.where').jump(it.start)
    assert.is_true(sg.reject())
    local model = assert(require('stance.core').read(T.read(d .. '/.stance/annotations/model/03_charge_evidence.txt.stance')))
    local r = model:records('annotation')[1]
    assert.truthy(r.note:find('^rejected by tester'))
    assert.are.equal(it.target, r.target)
    sg.run(nil, 0, { wait = true })
    for _, x in ipairs(s.suggestions) do
      assert.is_false(x.start == it.start and x.class == it.class and x.target == it.target)
    end
    -- annotating teaches the model: suggestions are made again by themselves
    sg.delay = 1
    local first = s.suggestions[1]
    local function learnt() return s.suggest_res.examples[first.target][first.class] end
    local before = learnt()
    require('stance.editor.where').jump(first.start)
    sg.accept()
    assert.is_true(vim.wait(10000, function() return learnt() > before and not s.suggest_job end, 5))
    for _, x in ipairs(s.suggestions) do
      assert.is_false(x.start == first.start and x.target == first.target)
    end
    sg.delay = 800
    -- the summary: every stance value, per target, and a strip of the paragraphs
    vim.cmd('3Stance annotate neutral congestion-charge')
    local buf = require('stance.editor.summary').show()
    local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
    assert.truthy(text:find('congestion%-charge: favor %d+ %(%d+%%%), against %d+ %(%d+%%%), neutral 1 %(%d+%%%)'), text)
  end)

  it(':Stance suggest takes a minimum probability alone, a target, or both, and refuses another number', function()
    local d = corpus()
    local s = assert(open(d, '01_charge_works.txt'))
    local errors = {}
    local notify = require('stance.notify')
    local real = notify.error
    notify.error = function(msg) errors[#errors + 1] = msg end
    local ok, err = pcall(function()
      vim.cmd('Stance suggest 0.2')
      assert.are.same({ 0.2, nil }, { s.suggest_min, s.suggest_target })
      vim.cmd('Stance suggest congestion-charge 0.7')
      assert.are.same({ 0.7, 'congestion-charge' }, { s.suggest_min, s.suggest_target })
      vim.cmd('Stance suggest congestion-charge')
      assert.are.equal('congestion-charge', s.suggest_target)
      local before = #errors
      s.suggest_min = nil
      vim.cmd('Stance suggest 2')
      vim.cmd('Stance suggest congestion-charge high')
      assert.is_nil(s.suggest_min)
      assert.are.equal(before + 2, #errors)
      assert.truthy(errors[#errors]:find('a number from 0 to 1, not high', 1, true), errors[#errors])
    end)
    notify.error = real
    if s.suggest_job then s.suggest_job:cancel() end
    assert(ok, err)
  end)

  it('sums up every stance value of any schema, the study\'s and values it does not name', function()
    local d = corpus()
    T.write(d .. '/.stance/schema.stance', 'format stance 1\ntarget t\nstance pro\nstance con\nlabel x\n')
    local recs = {}
    for i, v in ipairs({ 'pro', 'con', 'pro', 'favour' }) do -- a value the schema does not name is kept
      recs[i] = ('annotation a%d\n  span %d-%d\n  label x\n  target t\n  stance %s\n'):format(i, i * 10, i * 10 + 5, v)
    end
    T.write(d .. '/.stance/annotations/tester/01_charge_works.txt.stance', 'format stance 1\n\ndocument '
      .. '"01_charge_works.txt"\n  annotator tester\n\n' .. table.concat(recs, '\n'))
    local s = assert(open(d, '01_charge_works.txt'))
    assert.are.equal(4, s.store:count('annotation'))
    local lines = require('stance.editor.summary').lines(s)
    local text = table.concat(lines, '\n')
    assert.truthy(text:find('t: pro 2 (50%), con 1 (25%), favour 1 (25%)', 1, true), text)
  end)

  it('works on CRLF documents with a BOM', function()
    local d = corpus()
    T.write(d .. '/crlf.txt', '\239\187\191Ça va.\r\nNon, ça ne va pas.\r\n')
    local s = assert(open(d, 'crlf.txt'))
    assert.are.equal('dos', vim.bo.fileformat)
    -- every buffer offset's row and column (Neovim's byte2line counts CR LF as two bytes)
    local where, at = require('stance.editor.where'), 0
    for row, line in ipairs(vim.api.nvim_buf_get_lines(s.buf, 0, -1, false)) do
      for col = 0, #line do
        assert.are.same({ row - 1, col }, { where.pos(s.buf, at + col) }, 'offset ' .. (at + col))
      end
      at = at + #line + 1
    end
    assert.are.equal(at, where.size(s.buf))
    vim.cmd('2Stance annotate against exemptions')
    save(s)
    local _, recs = on_disk(s)
    assert.are.same({ { 9, 27 } }, recs[1].spans) -- BOM 1, "Ça va." 6, CR LF 2
    assert.are.equal('Non, ça ne va pas.', recs[1].quote)
    vim.cmd('bwipeout!')
    local preload = require('stance.editor.preload')
    preload.MIN_SIZE = 0 -- files this small are read at attach otherwise
    s = assert(open(d, 'crlf.txt'))
    preload.MIN_SIZE = 256 * 1024
    assert.is_true(s.preloaded) -- read on threads during the open, frame made for CR LF
    assert.is_nil(s.frame_text) -- the frame made on the thread serves the buffer
    assert.are.equal('Non, ça ne va pas.', require('stance.editor.nav').quote(s.buf, s.store:records('annotation')[1].spans))
  end)

  it('reads the layer on threads while Neovim reads the document, as a read after would', function()
    local d = corpus()
    require('stance').setup({ annotator = 'ana' })
    local preload = require('stance.editor.preload')
    -- a small annotation file is read at attach: no thread is started
    local s = assert(open(d, '01_charge_works.txt'))
    assert.is_nil(s.preloaded)
    local small = s.store:write()
    vim.cmd('bwipeout!')
    preload.MIN_SIZE = 0 -- from here on, as a big one is
    finally(function() preload.MIN_SIZE = 256 * 1024 end)
    s = assert(open(d, '01_charge_works.txt'))
    assert.are.equal(small, s.store:write())
    assert.is_true(s.preloaded)
    assert.is_nil(require('stance.editor.preload').pending[s.buf])
    local function spans(store)
      local out = {}
      for _, r in ipairs(store:records('annotation')) do out[r.id] = r.spans end
      return out
    end
    local got = spans(s.store)
    -- the same layer read by the session itself, after the open
    require('stance.editor.preload').cancel(s.buf)
    s.frame = nil
    local store = assert(s:read_layer('ana'))
    assert.are.same(spans(store), got)
    assert.is_true(next(got) ~= nil)
    assert.are.equal('sha256:' .. require('stance.core').sha256(T.read(d .. '/01_charge_works.txt')), s:doc_hash())
    -- with the layer cache written, the cache serves the next open, loaded on a thread with
    -- the file's bytes (kept in C), and nothing is parsed
    assert.is_true(require('stance.editor.cache').write(s))
    vim.cmd('bwipeout!')
    s = assert(open(d, '01_charge_works.txt'))
    assert.is_true(s.file.cached)
    assert.is_true(s.preloaded)
    assert.are.equal('userdata', type(s.file.text))
    assert.are.equal(T.read(d .. '/.stance/annotations/ana/01_charge_works.txt.stance'), s.file.text:string())
    assert.are.same(got, spans(s.store))
    -- a cache made for the text shown otherwise (another 'fileencoding' here) is not taken
    vim.cmd('bwipeout!')
    vim.cmd('edit ++enc=latin1 ' .. vim.fn.fnameescape(d .. '/01_charge_works.txt'))
    s = assert(require('stance.editor.session').get())
    assert.is_falsy(s.file.cached)
    assert.is_nil(s.preloaded)
    assert.are.same(got, spans(s.store))
    vim.cmd('bwipeout!')
    s = assert(open(d, '01_charge_works.txt'))
    assert.is_true(s.file.cached)
    -- a load nobody takes is kept until its threads are done, then let go
    local buf = vim.api.nvim_create_buf(true, false)
    preload.start(buf, d .. '/02_charge_unfair.txt')
    assert.truthy(preload.pending[buf])
    vim.api.nvim_buf_delete(buf, { force = true })
    assert.is_nil(preload.pending[buf])
    assert.are.equal(1, #preload.draining)
    assert.is_true(vim.wait(5000, function() return #preload.draining == 0 end, 10))
    -- the file changed between the start of the read and the attach: read again
    vim.cmd('bwipeout!')
    local path = d .. '/.stance/annotations/ana/01_charge_works.txt.stance'
    local group = vim.api.nvim_create_augroup('stance-test-preload', { clear = true })
    vim.api.nvim_create_autocmd('BufReadPre', { group = group, once = true, callback = function()
      T.write(path, T.read(path):gsub('label favor', 'label against', 1))
    end })
    s = assert(open(d, '01_charge_works.txt'))
    vim.api.nvim_del_augroup_by_id(group)
    assert.is_nil(s.preloaded)
    local n = 0
    for _, r in ipairs(s.store:records('annotation')) do
      if r.label == 'against' then n = n + 1 end
    end
    assert.is_true(n > 0)
  end)

  it('refuses to write over an annotation file it could not read', function()
    local d = corpus()
    local path = d .. '/.stance/annotations/tester/01_charge_works.txt.stance'
    os.execute('mkdir -p ' .. T.q(d .. '/.stance/annotations/tester'))
    local broken = 'format stance 1\ndocument "01_charge_works.txt"\nannotation x\n  span 5-\n'
    T.write(path, broken)
    local s = assert(open(d, '01_charge_works.txt'))
    assert.truthy(s.readonly)
    vim.cmd('silent! 3Stance annotate favor congestion-charge')
    assert.are.equal(0, s.store:count('annotation'))
    assert.is_nil(require('stance.editor.persist').save(s, { force = true }))
    assert.are.equal(broken, T.read(path))
  end)
end)
