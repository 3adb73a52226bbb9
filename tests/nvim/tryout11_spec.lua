-- Tryout 11: what a new user found trying the real study (../shared/study, stances favor and
-- against only), in the editor, headless: the progress view without the not-annotators, the
-- annotator's name read in the corpus's own repository, no empty layer file left behind.
local T = require('helpers')
local S = require('helpers.study')
local DOC, keys, open, sentences, goto_byte = S.DOC, S.keys, S.open, S.sentences, S.goto_byte

--- Name `names` in the `not-annotators` of the schema of corpus `d`.
local function not_annotators(d, names)
  local path = d .. '/.stance/schema.stance'
  local text = T.read(path)
  T.write(path, (text:gsub('\ncorpus\n', '\ncorpus\n  not-annotators ' .. names .. '\n', 1)))
end

--- `who`'s layer on `name` of corpus `d`: its first sentence `label`.
local function layer(d, who, name, label, status)
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(name))
  local s = doc:sentences()[1]
  assert(doc:annotate({ start = s.start, stop = s.stop, label = label, role = 'claim', annotator = who }))
  if status then assert(doc:set_status(status, who)) end
  assert(c:save())
end

describe('tryout 11 (headless)', function()
  local need = S.each()

  it(':Stance progress counts people only: gold apart, the not-annotators left out and named; no column for the'
    .. ' editor\'s annotator without a layer (tryout15 #10b: a curator who only opened documents)', function()
    local d = need()
    if not d then return end
    not_annotators(d, 'lexicon')
    layer(d, 'lexicon', '001_6520dcfa8ca08700.txt', 'sanctions-against')
    layer(d, 'gold', '002_c6bce5e05bd0fd45.txt', 'sanctions-against', 'done')
    layer(d, 'ben', '002_c6bce5e05bd0fd45.txt', 'sanctions-against', 'done')
    open(d)
    local buf, t = require('stance.editor.status').show()
    assert.are.same({ 'ben' }, t.annotators)
    assert.are.same({ 'ben', 'gold' }, t.columns)
    assert.are.same({ 'lexicon' }, t.left_out)
    local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    assert.truthy(lines[1]:find('^5 documents, 1 annotator and the curation %(gold%) %(not annotators: lexicon%):'),
      lines[1])
    assert.is_nil(lines[3]:find('lexicon', 1, true), lines[3])
    assert.is_nil(lines[3]:find('ana', 1, true), lines[3])
    assert.truthy(table.concat(lines, '\n'):find('\ndone%s+1/5%s+1/5'))
  end)

  it(':Stance progress counts a layer file with errors neither done nor by its annotations, and says where',
    function()
      local d = need()
      if not d then return end
      local D2, D3 = '002_c6bce5e05bd0fd45.txt', '003_7e305a588b2246b7.txt'
      layer(d, 'ben', D2, 'sanctions-against', 'done')
      layer(d, 'ben', D3, 'sanctions-against', 'done')
      -- ben's file of the third cut short in a quote (marked done: its header came through)
      local f = d .. '/.stance/annotations/ben/' .. D3 .. '.stance'
      local text = T.read(f)
      local at = assert(text:find('\nannotation ', 1, true))
      T.write(f, text:sub(1, at) .. 'annotation x\n  span 0-4\n  label sanctions-against\n  note "cut sh')
      open(d)
      local buf, t = require('stance.editor.status').show()
      assert.are.equal(1, #t.errors)
      assert.are.same({ 'ben', D3 }, { t.errors[1].annotator, t.errors[1].path })
      local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      local all = table.concat(lines, '\n')
      local row
      for _, l in ipairs(lines) do
        if l:find(D3, 1, true) == 1 then row = l end
      end
      assert.truthy(row:find('errors', 1, true), row)
      assert.is_nil(row:find('done', 1, true), row)
      -- ben: done on the second only
      assert.truthy(all:find('\ndone%s+1/5'), all)
      assert.truthy(all:find("\nben's file has 1 error%(s%), the first at %.stance/annotations/ben/" .. D3:gsub('%p', '%%%0')
        .. '%.stance:%d+:%d+: [^\n]*; neither done nor counted %(stance check lists them%)'), all)
    end)

  it('reads git config user.name in the corpus\'s own repository, not where Neovim started', function()
    local d = need()
    if not d then return end
    assert(T.run(('git -C %s init -q && git -C %s config user.name "Corpus Person"'):format(T.q(d), T.q(d))))
    require('stance').setup({ annotator = nil, autosave = { delay = 60000 } })
    local whoami = require('stance.whoami')
    whoami.reset()
    local cwd = vim.fn.getcwd()
    vim.cmd('cd /')
    local ok, s = pcall(open, d)
    vim.cmd('cd ' .. vim.fn.fnameescape(cwd))
    assert(ok, s)
    assert.are.equal('Corpus Person', s.annotator)
    assert.are.same({ 'Corpus Person', "the corpus's git user.name" }, { whoami.source(d) })
    assert.truthy(s.path:find('/.stance/annotations/Corpus Person/', 1, true) or
      s.path:find('/.stance/annotations/' .. require('stance.root').slug('Corpus Person') .. '/', 1, true), s.path)
    whoami.reset()
  end)

  it('undoing the only annotation of a new layer leaves no file (nor folder) behind', function()
    local d = need()
    if not d then return end
    local s = open(d)
    goto_byte(sentences(s)[1][1])
    keys('gsis4c')
    local persist = require('stance.editor.persist')
    assert(persist.save(s))
    assert.is_true(T.exists(s.path))
    keys('u')
    assert(persist.save(s))
    assert.is_false(T.exists(s.path))
    assert.is_false(T.exists(d .. '/.stance/annotations/ana'))
    local c = assert(require('stance').open(d))
    assert.are.same({}, c:annotators())
    -- annotated again: written again; a file that held something before stays when emptied
    keys('gsis4c')
    assert(persist.save(s))
    assert.is_true(T.exists(s.path))
    vim.cmd('bwipeout!')
    s = open(d)
    goto_byte(sentences(s)[1][1])
    keys('gX')
    assert(persist.save(s, { force = true }))
    assert.is_true(T.exists(s.path))
  end)
  it('a layer with git conflict markers opens read-only, saying so at its file:line:col', function()
    local d = need()
    if not d then return end
    layer(d, 'ana', DOC, 'engagement-favor', 'in-progress')
    local G = require('helpers.gitconflict')
    local rel = '.stance/annotations/ana/' .. DOC .. '.stance'
    local line = G.make(d, rel, '  label engagement-favor\n', '  label engagement-against\n',
      '  label sanctions-against\n')
    local s = open(d)
    assert.truthy(s.readonly)
    -- the first error by line:col (the record the marker cuts), the marker named as its cause
    assert.truthy(s.readonly:find(('because a git conflict marker cuts its record (line %d: %s)'):format(line,
      G.MESSAGE), 1, true), s.readonly)
  end)
  it('a document edited, every edit undone, then :w is byte-identical (no line end added)', function()
    local d = need()
    if not d then return end
    local path = d .. '/' .. DOC
    local before = T.read(path)
    assert.are_not.equal('\n', before:sub(-1)) -- the study's articles end without one
    open(d)
    assert.is_false(vim.bo.fixendofline)
    vim.cmd('setlocal modifiable')
    keys('Gox<Esc>ggdd')
    keys('uu')
    vim.cmd('silent write')
    assert.are.equal(before, T.read(path))
    -- and one that ends with a line end keeps it
    local ex = T.tmpdir()
    os.execute(('cp -r %s/doc/example/corpus/. %s'):format(T.q(T.root), T.q(ex)))
    local epath = ex .. '/04_letter.txt'
    local ebefore = T.read(epath)
    vim.cmd('edit ' .. vim.fn.fnameescape(epath))
    vim.cmd('setlocal modifiable')
    keys('Gox<Esc>u')
    vim.cmd('silent write')
    assert.are.equal(ebefore, T.read(epath))
  end)
end)
