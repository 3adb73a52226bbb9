-- The editor on a real study (../shared/study: favor/against only, four targets, labels that
-- fix a target and a stance with one key, roles, relations, document stances) and the five
-- articles of ../shared/corpus, copied into a temporary corpus: sentences, labels, extents,
-- document stances and relations, key by key, checked in the store, on disk and in what the
-- screen is drawn from.
local S = require('helpers.study')
local DOC, keys, open, quote, sentences, goto_byte, on_disk, ends = S.DOC, S.keys, S.open,
  S.quote, S.sentences, S.goto_byte, S.on_disk, S.ends

describe('the study in the editor', function()
  local need = S.each()

  it('selects the corpus\'s sentences with is, as, ) and ( (U.S., U.N., addresses stay inside)', function()
    local d = need()
    if not d then return end
    local checked = 0
    for _, name in ipairs({ DOC, '001_6520dcfa8ca08700.txt', '002_c6bce5e05bd0fd45.txt', '003_7e305a588b2246b7.txt',
      '004_e35aa5ebcc029514.txt' }) do
      local s = open(d, name)
      local list = sentences(s)
      for _, sp in ipairs(list) do
        -- from the middle of each sentence, `yis` yanks exactly it
        if sp.text:find('U%.[SN]%.') or sp.text:find('%.com') or sp.text:find('%.org') or sp.text:find('\194\160') then
          goto_byte(sp[1] + math.floor((sp[2] - sp[1]) / 2))
          keys('yis')
          assert.are.equal(sp.text, (vim.fn.getreg('"'):gsub('\n', sp.text:find('\r') and '\r\n' or '\n')),
            name .. ': ' .. sp.text)
          checked = checked + 1
        end
      end
      -- `)` walks from sentence start to sentence start, `(` back; counts work
      goto_byte(list[1][1])
      for i = 2, math.min(#list, 12) do
        keys(')')
        assert.are.equal(list[i][1], require('stance.editor.where').cursor(), name .. ': sentence ' .. i)
      end
      keys('(')
      assert.are.equal(list[math.min(#list, 12) - 1][1], require('stance.editor.where').cursor())
      goto_byte(list[2][1])
      keys('2(')
      assert.are.equal(list[1][1], require('stance.editor.where').cursor())
      -- `2is`: two sentences; `as`: with the white space after
      goto_byte(list[3][1])
      keys('y2is')
      local two = vim.fn.getreg('"')
      assert.are.equal(list[4][2] - list[3][1], #two)
    end
    -- `as`: with the white space after it
    local s = open(d)
    for _, sp in ipairs(sentences(s)) do
      if sp.text == 'The U.S. also came under fire.' then
        goto_byte(sp[1] + 5)
        keys('yas')
        assert.are.equal(sp.text .. ' ', vim.fn.getreg('"'))
      end
    end
    assert.is_true(checked >= 20, 'sentences with U.S., U.N., an address or a no-break space: ' .. checked)
  end)

  it('annotates a sentence holding "U.S." whole with gsis and one key; a wrong key asks again', function()
    local d = need()
    if not d then return end
    local s = open(d)
    local list = sentences(s)
    local target
    for _, sp in ipairs(list) do
      if sp.text == 'The U.S. also came under fire.' then target = sp end
    end
    goto_byte(target[1])
    keys('gsiszq4c') -- z and q pick nothing: asked again; 4 sanctions-against, then its role
    local recs = s.store:records('annotation')
    assert.are.equal(1, #recs)
    assert.are.equal('The U.S. also came under fire.', quote(s, recs[1]))
    assert.are.same({ 'sanctions-against', 'sanctions', 'against', 'claim' },
      { recs[1].label, recs[1].target, recs[1].stance, recs[1].role })
    -- the general label asks the target and the role
    goto_byte(list[1][1])
    keys('gsisfhp')
    local r = s.store:find({ label = 'favor' })[1]
    assert.are.same({ 'human-rights', 'favor', 'premise' }, { r.target, r.stance, r.role })
    -- `.` again with the same label, on the next corpus sentence (of another length)
    goto_byte(list[2][1])
    keys('.')
    assert.are.equal(list[2].text, quote(s, s.store:find({ label = 'favor' })[2]))
    assert.are.equal('favor 2 against 1 +', require('stance').status())
  end)

  it(':Stance annotate asks what the label asks even when the command gives other fields', function()
    local d = need()
    if not d then return end
    local s = open(d)
    keys(':7Stance annotate favor sanctions<CR>p') -- the role is asked
    local r = s.store:records('annotation')[1]
    assert.are.same({ 'favor', 'sanctions', 'favor', 'premise' }, { r.label, r.target, r.stance, r.role })
    vim.cmd('9Stance annotate sanctions-favor claim')
    r = s.store:find({ label = 'sanctions-favor' })[1]
    assert.are.same({ 'sanctions', 'favor', 'claim' }, { r.target, r.stance, r.role })
    -- a target given to a label that sets no stance: the stance toward it is asked
    keys(':13Stance annotate premise sanctions<CR>a')
    r = s.store:find({ label = 'premise' })[1]
    assert.are.same({ 'sanctions', 'against', 'premise' }, { r.target, r.stance, r.role })
    keys(':15Stance annotate premise<CR>') -- no target: nothing more to ask
    assert.are.same({ 'premise' }, { s.store:find({ label = 'premise' })[2].role,
      s.store:find({ label = 'premise' })[2].target })
    -- a value the schema does not have is refused, nothing is written
    vim.cmd('11Stance annotate favor trade')
    assert.are.equal(4, s.store:count('annotation'))
  end)

  it('resizes an annotation with gs over a motion (<Tab>) and :Stance edit spans, keeping all the rest', function()
    local d = need()
    if not d then return end
    local s = open(d)
    local list = sentences(s)
    goto_byte(list[3][1])
    keys('gsis1c')
    goto_byte(list[4][1])
    keys('gsis2p')
    local claim = s.store:find({ label = 'engagement-favor' })[1]
    local premise = s.store:find({ label = 'engagement-against' })[1]
    vim.cmd('Stance link supports') -- on the premise
    goto_byte(list[3][1])
    vim.cmd('Stance link')
    assert.are.equal(1, s.store:count('relation'))
    require('stance.editor.ops').update(s, claim.id, { note = 'kept' })
    local created = s.store:get(claim.id).created
    -- from inside the claim: gs over two sentences, <Tab> takes them as its new spans
    goto_byte(list[3][1] + 3)
    keys('gs2is<Tab>')
    local after = s.store:get(claim.id)
    assert.are.same({ { list[3][1], list[4][2] } }, after.spans)
    assert.are.same({ 'kept', created, 'engagement-favor' }, { after.note, after.created, after.label })
    assert.truthy(after.modified)
    assert.are.equal(2, s.store:count('annotation'))
    assert.are.equal(1, s.store:count('relation'))
    -- undone, and again from a visual selection
    keys('u')
    assert.are.same({ { list[3][1], list[3][2] } }, s.store:get(claim.id).spans)
    goto_byte(list[4][1])
    keys('vee:Stance edit spans<CR>')
    local p = s.store:get(premise.id)
    assert.are.equal(premise.id, p.id)
    assert.are.equal('Before Christmas', quote(s, p)) -- vee
    -- on disk: the same IDs, the new quote
    require('stance.editor.persist').save(s, { force = true })
    local disk = on_disk(s)
    assert.are.equal(quote(s, p), disk:get(premise.id).quote)
    assert.are.equal(claim.id, disk:records('relation')[1].to)
  end)

  it('sets the document\'s stance per target by keys, shows it, changes and removes it', function()
    local d = need()
    if not d then return end
    local s = open(d)
    keys('gDsa') -- document stance toward sanctions: against
    keys('gDef')
    local list = require('stance.editor.docstance').list(s.store)
    assert.are.same({ { 'engagement', 'favor' }, { 'sanctions', 'against' } },
      { { list[1].target, list[1].stance }, { list[2].target, list[2].stance } })
    keys('gDsf') -- changed, not added
    assert.are.equal(2, s.store:count('doclabel'))
    assert.are.same({ 'document (ana): engagement favor sanctions favor' }, S.doc_lines(s))
    keys('gDs<BS>') -- removed
    assert.are.equal(1, s.store:count('doclabel'))
    vim.cmd('Stance doc against human-rights')
    vim.cmd('Stance doc - engagement')
    list = require('stance.editor.docstance').list(s.store)
    assert.are.same({ { 'human-rights', 'against' } }, { { list[1].target, list[1].stance } })
    require('stance.editor.persist').save(s, { force = true })
    assert.are.equal(1, on_disk(s):count('doclabel'))
    keys('u')
    assert.are.equal(2, s.store:count('doclabel'))
  end)

  it('shows the document\'s stance as the file on disk has it after another writer changed it', function()
    local d = need()
    if not d then return end
    local s = open(d)
    keys('gDsa') -- document stance toward sanctions: against
    require('stance.editor.persist').save(s, { force = true })
    assert.are.same({ 'document (ana): sanctions against' }, S.doc_lines(s))
    -- another writer turns it to favor: as many records as before, one field changed
    local core = require('stance.core')
    local theirs = on_disk(s)
    local dl = theirs:records('doclabel')[1]
    assert(theirs:update(dl.id, { stance = 'favor' }))
    local before = require('helpers').read(s.path)
    assert(core.write_atomic(s.path, theirs:write(), core.sha256(before)))
    require('stance.editor.persist').check_disk(s) -- as when the buffer is entered again
    assert.are.equal('favor', s.store:records('doclabel')[1].stance)
    assert.are.same({ 'document (ana): sanctions favor' }, S.doc_lines(s))
  end)

  it('keeps a change not saved yet while the file on disk has errors, and merges it once it is fixed', function()
    local d = need()
    if not d then return end
    local s = open(d)
    local list = sentences(s)
    goto_byte(list[2][1])
    keys('gsis1c') -- not written yet: autosave is a minute away
    assert.is_true(s.dirty)
    local T = require('helpers')
    local core = require('stance.core')
    -- another writer leaves the file broken (a record cut short), then fixes it
    local fixed = table.concat({ 'format stance 1', '', ('document "%s"'):format(DOC), '  annotator ana', '',
      'annotation zzzzzzzzzzzz', '  span 0-5', '  label engagement-favor', '' }, '\n')
    local bad = fixed:gsub('span 0%-5', 'span 5-99999999999999999999999')
    T.write(s.path, bad)
    require('stance.editor.persist').check_disk(s)
    assert.truthy(s.readonly and s.readonly:find('.stance/annotations/ana/' .. DOC .. '.stance:7:8: bad span', 1, true),
      s.readonly)
    assert.truthy(s.readonly:find('your changes are kept in this session', 1, true), s.readonly)
    assert.are.equal(bad, T.read(s.path)) -- not overwritten
    T.write(s.path, fixed)
    require('stance.editor.persist').check_disk(s)
    assert.is_nil(s.readonly)
    local disk = assert(core.read(T.read(s.path)))
    assert.are.equal(2, disk:count('annotation'), 'the fixed record and the annotation kept in the session')
    assert.are.equal(1, #disk:find({ role = 'claim' }))
  end)

  it('draws relations at both ends with their type and lists them with the texts', function()
    local d = need()
    if not d then return end
    local s = open(d)
    local list = sentences(s)
    goto_byte(list[1][1])
    keys('gsis1c')
    goto_byte(list[2][1])
    keys('gsis1p')
    keys('gL') -- from the premise
    goto_byte(list[1][1])
    keys('gLs') -- to the claim: supports
    local rel = s.store:records('relation')[1]
    assert.are.equal('supports', rel.type)
    local marks = ends(s)
    table.sort(marks, function(a, b) return a.row < b.row or (a.row == b.row and a.col < b.col) end)
    local texts = {}
    for _, m in ipairs(marks) do
      texts[#texts + 1] = m.text
    end
    assert.are.same({ ' [→ 1 supports]', ' [1 supports →]' }, texts)
    -- each mark right after its annotation: the end of its sentence, not of the line
    local where = require('stance.editor.where')
    local _, col = where.pos(s.buf, list[1][2])
    assert.are.equal(col, marks[1].col)
    vim.cmd('Stance list relations')
    local items = vim.fn.getloclist(0)
    vim.cmd('lclose')
    assert.are.equal(1, #items)
    -- each end with its label (two annotations of one sentence are told apart)
    assert.are.equal(('[1] engagement-favor "%s" supports engagement-favor "%s"'):format(
      require('stance.editor.nav').quote(s.buf, { { list[2][1], list[2][2] } }, 40),
      require('stance.editor.nav').quote(s.buf, { { list[1][1], list[1][2] } }, 40)), items[1].text)
  end)
end)
