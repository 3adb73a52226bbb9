-- The editor on a real study (../shared/study), continued: the task flow (done, progress,
-- the next sentence without a stance), another annotator's layer, the recorded hash, the
-- legend, and a schema whose stances have other names.
local T = require('helpers')
local S = require('helpers.study')
local DOC, keys, open, sentences, goto_byte, on_disk, ends = S.DOC, S.keys, S.open,
  S.sentences, S.goto_byte, S.on_disk, S.ends

describe('the study in the editor: the task', function()
  local need = S.each()

  it('marks a document done in the file (even with no annotation) and shows the progress', function()
    local d = need()
    if not d then return end
    local s = open(d)
    assert.are.equal('not-started', require('stance.editor.status').of(s))
    vim.cmd('Stance done')
    assert.are.equal('done', on_disk(s):header().status)
    assert.are.equal(0, on_disk(s):count('annotation'))
    assert.are.equal('no annotations done', require('stance').status())
    vim.cmd('Stance done!')
    assert.are.equal('in-progress', on_disk(s):header().status)
    vim.cmd('Stance done')
    -- a second annotator, in progress on another document
    require('stance').setup({ annotator = 'ben', autosave = { delay = 60000 } })
    local s2 = open(d, '001_6520dcfa8ca08700.txt')
    assert.are.equal('ben', s2.annotator)
    vim.cmd('3Stance annotate claim')
    local buf, t = require('stance.editor.status').show()
    assert.are.same({ 'ana', 'ben' }, t.annotators)
    local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    local text = table.concat(lines, '\n')
    assert.truthy(text:find(DOC .. '%s+done %(0%)%s+·'), text)
    assert.truthy(text:find('001_6520dcfa8ca08700.txt%s+·%s+in progress %(1%)'), text)
    assert.truthy(text:find('\ndone%s+1/5%s+0/5'), text)
    -- <CR> on a row opens its document
    vim.api.nvim_win_set_cursor(0, { 4, 0 })
    keys('<CR>')
    assert.are.equal(d .. '/' .. DOC, vim.api.nvim_buf_get_name(0))
    -- the Lua API agrees
    local c = assert(require('stance').open(d))
    assert.are.equal('done', c:document(DOC):status('ana'))
    assert.are.equal('in-progress', c:document('001_6520dcfa8ca08700.txt'):status('ben'))
  end)

  it('shows another annotator side by side in its own colors, gK there inspects it, no signs of it in yours', function()
    local d = need()
    if not d then return end
    local s = open(d)
    local list = sentences(s)
    goto_byte(list[1][1])
    keys('gsis4c')
    vim.cmd('Stance doc against sanctions')
    require('stance.editor.persist').save(s, { force = true })
    -- ben's layer: the same sentence in favor, another one too
    local c = assert(require('stance').open(d))
    local doc = c:document(DOC)
    local cp = function(b) return s:get_frame():buf_to_cp(b) end
    assert(doc:annotate({ start = cp(list[1][1]), stop = cp(list[1][2]), label = 'sanctions-favor', role = 'claim',
      annotator = 'ben' }))
    assert(doc:annotate({ start = cp(list[3][1]), stop = cp(list[3][2]), label = 'engagement-favor', role = 'premise',
      annotator = 'ben' }))
    assert(doc:set_label({ target = 'sanctions', stance = 'favor', annotator = 'ben' }))
    assert(c:save())
    local render = require('stance.editor.render')
    local own = vim.api.nvim_get_current_win()
    render.plan(s, own, s.buf, 0, 40) -- draw yours first: the side must not take your groups
    local win = require('stance.editor.layers').side('ben')
    assert.are.equal('no', vim.wo[win].signcolumn)
    local function groups(w)
      local rows = render.plan(s, w, s.buf, 0, 40)
      local out = {}
      for _, l in pairs(rows) do
        for _, m in ipairs(l) do
          if m[3].span then out[m[3].span] = true end
        end
      end
      return out
    end
    for _ = 1, 2 do -- the same on every drawing
      assert.are.same({ StanceStance_favor = true }, groups(win))
      assert.are.same({ StanceStance_against = true }, groups(own))
    end
    -- the plan of the side window places no signs: only yours are in the buffer
    local _, signed = render.plan(s, win, s.buf, 0, 40)
    assert.are.same({}, signed)
    -- gK in the side window: ben's annotation
    vim.api.nvim_set_current_win(win)
    goto_byte(list[1][1])
    local fwin = require('stance.editor.inspect').show()
    local shown = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(fwin), 0, -1, false), '\n')
    assert.truthy(shown:find('layer of ben', 1, true), shown)
    assert.truthy(shown:find('stance    favor', 1, true), shown)
    assert.falsy(shown:find('stance    against', 1, true), shown)
    -- ]a there goes to ben's next annotation (one that is not yours)
    keys(']a')
    assert.are.equal(list[3][1], require('stance.editor.where').cursor())
    -- and nothing can be changed there: not his layer, not yours
    assert.is_nil(require('stance.editor.where').annotation_here())
    keys('gsis2c')
    assert.are.equal(1, s.store:count('annotation'))
    -- both document stances, whose each is
    assert.are.same({ 'document (ana): sanctions against', 'document (ben): sanctions favor' }, S.doc_lines(s))
    -- over yours: ben's spans underlined in his stance's color, with his name and label after them
    vim.api.nvim_win_close(win, true)
    vim.api.nvim_set_current_win(own)
    assert.is_true(require('stance.editor.layers').toggle('ben'))
    local found = {}
    for _, e in ipairs(ends(s)) do
      found[#found + 1] = e.text
    end
    table.sort(found)
    assert.are.same({ ' ben: engagement-favor', ' ben: sanctions-favor' }, found)
    assert.truthy(groups(vim.api.nvim_get_current_win()).StanceOther_favor)
  end)

  it('goes to the next sentence without a stance, for any target or a given one', function()
    local d = need()
    if not d then return end
    local s = open(d)
    local list = sentences(s)
    for i = 1, 3 do
      goto_byte(list[i][1])
      keys('gsis1c')
    end
    goto_byte(list[4][1])
    keys('gsis4c') -- sanctions, not engagement
    goto_byte(0)
    keys(']u')
    assert.are.equal(list[5][1], require('stance.editor.where').cursor())
    goto_byte(0) -- from 1,1 the first sentence counts (it has no stance toward sanctions): it stays
    vim.cmd('Stance next-unannotated sanctions')
    assert.are.equal(list[1][1], require('stance.editor.where').cursor())
    vim.cmd('Stance next-unannotated sanctions') -- landed there: on to the next, no sticking
    assert.are.equal(list[2][1], require('stance.editor.where').cursor())
    vim.cmd('Stance next-unannotated sanctions')
    assert.are.equal(list[3][1], require('stance.editor.where').cursor())
    goto_byte(list[5][1])
    keys('[u')
    assert.are.equal(list[5][1], require('stance.editor.where').cursor(), 'none before: the cursor stays')
    keys('2]u')
    assert.are.equal(list[7][1], require('stance.editor.where').cursor())
  end)

  it('keeps the recorded hash that of the file when an edit is undone, and opens documents read-only', function()
    local d = need()
    if not d then return end
    -- a document without a final line end
    local text = 'No final line end here. The U.S. said so.'
    T.write(d .. '/noeol.txt', text)
    local s = open(d, 'noeol.txt')
    assert.is_false(vim.bo.modifiable)
    keys('x')
    assert.are.equal(text, vim.api.nvim_buf_get_lines(s.buf, 0, 1, false)[1])
    vim.cmd('1Stance annotate claim')
    require('stance.editor.persist').save(s, { force = true })
    local want = 'sha256:' .. require('stance.core').sha256(text)
    assert.are.equal(want, on_disk(s):header().hash)
    -- when editing is allowed: x then u leaves the file as it is, and the hash with it
    vim.bo.modifiable = true
    keys('xu')
    assert.is_false(vim.bo.modified)
    require('stance.editor.persist').save(s, { force = true })
    assert.are.equal(want, on_disk(s):header().hash)
    local out, err, code = T.stance_run({ 'check' }, nil, d)
    assert.are.equal(0, code, out .. err)
    assert.falsy((out .. err):find('changed'), out .. err)
  end)

  it('shows the schema\'s legend, who you annotate as, and the whole text in the inspector', function()
    local d = need()
    if not d then return end
    local s = open(d)
    assert.are.equal('ana', require('stance').annotator())
    assert.are.equal('ana', vim.b.stance_annotator)
    vim.cmd('checkhealth stance')
    local health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
    assert.truthy(health:find('you annotate as ana (from setup{annotator})', 1, true), health)
    vim.cmd('bwipeout')
    local buf = require('stance.editor.legend').toggle()
    local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
    assert.truthy(text:find('  s sanctions%s+Sanctions and maximum pressure'), text)
    assert.truthy(text:find('  a against%s+argues against the target'), text)
    assert.truthy(text:find('  4 sanctions%-against%s+sanctions against, asks role'), text)
    assert.truthy(text:find('  f favor%s+favor, asks target role'), text)
    assert.is_nil(require('stance.editor.legend').toggle(), 'a second time closes it')
    -- a long sentence: all of it in the inspector
    local list = sentences(s)
    local long
    for _, sp in ipairs(list) do
      if not long or #sp.text > #long.text then long = sp end
    end
    goto_byte(long[1])
    keys('gsis3p')
    local win = require('stance.editor.inspect').show()
    local shown = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false), ' ')
    assert.truthy(#long.text > 200)
    assert.truthy(shown:gsub('%s+', ' '):find(long.text:gsub('%s+', ' '), 1, true), shown)
  end)
end)

describe('the editor with a schema of its own', function()
  after_each(function()
    vim.cmd('silent! %bwipeout!')
    T.cleanup()
  end)

  it('assumes no stance names: colors, status line, summary, legend, labels and the document stance', function()
    local d = T.tmpdir()
    local _, err, code = T.stance_run({ 'init', d })
    assert(code == 0, err)
    T.write(d .. '/.stance/schema.stance', [[
format stance 1
target policy
  key p
target people
  key e
stance none
  key n
stance pro
  key o
stance contra
  key c
label said-none
  key 1
  target policy
  stance none
label pro
  key o
  stance pro
  ask target
label contra
  key c
  stance contra
  ask target
]])
    T.write(d .. '/a.txt', 'The plan works. It should stay. Nobody knows.\n\nPeople disagree.\n')
    require('stance').setup({ annotator = 'zoe', autosave = { delay = 60000 } })
    local s = open(d, 'a.txt')
    goto_byte(0)
    keys('gsis1')
    keys(')gsisop')
    keys(')gsisce')
    assert.are.equal('none 1 pro 1 contra 1 +', require('stance').status())
    local r = s.store:find({ label = 'said-none' })[1]
    assert.are.same({ 'policy', 'none' }, { r.target, r.stance })
    -- a color for each stance, the same on every definition, from the palette in order
    local hl = require('stance.editor.highlight')
    local a1 = hl.colors(s.corpus:schema())
    local a2 = hl.colors(s.corpus:schema())
    assert.are.same(a1, a2)
    assert.are.same({ 'none', 'pro', 'contra' }, { a1[1].name, a1[2].name, a1[3].name })
    assert.are_not.equal(a1[1].color, a1[2].color)
    assert.are_not.equal(a1[2].color, a1[3].color)
    for _, name in ipairs({ 'none', 'pro', 'contra' }) do
      assert.are.equal(1, vim.fn.hlexists(hl.stance_group(name)), name)
    end
    local rows = require('stance.editor.render').plan(s, vim.api.nvim_get_current_win(), s.buf, 0, 2)
    local groups = {}
    for _, m in ipairs(rows[0]) do
      groups[m[3].span] = true
    end
    assert.are.same({ StanceStance_none = true, StanceStance_pro = true, StanceStance_contra = true }, groups)
    -- the summary counts the schema's stances
    local lines = require('stance.editor.summary').lines(s)
    local text = table.concat(lines, '\n')
    assert.truthy(text:find('policy: none 1 %(50%%%), pro 1 %(50%%%), contra 0 %(0%%%)'), text)
    assert.truthy(text:find('people: none 0 %(0%%%), pro 0 %(0%%%), contra 1 %(100%%%)'), text)
    assert.falsy(text:find('favor', 1, true), text)
    -- the legend and the document stance use its names
    local legend = table.concat(require('stance.editor.legend').lines(s.corpus:schema()), '\n')
    assert.truthy(legend:find('  1 said%-none%s+policy none'), legend)
    keys('gDpn')
    assert.are.equal('none', s.store:records('doclabel')[1].stance)
  end)
end)
