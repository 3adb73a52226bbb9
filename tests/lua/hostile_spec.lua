-- A shared corpus is untrusted input (doc/format.md, section 8): what its files name is
-- read only when it is a regular file inside the corpus, and nothing is written through a
-- link out of it. Each case is an attack of a collaborator on the others.
local T = require('helpers')
local core = require('stance.core')

local DOC = 'The charge works. Traffic fell by a fifth. Buses run on time.\n'
local SECRET = 'AWS_SECRET_KEY=do-not-leak-this-0123456789 and more words around it\n'

--- A corpus in `dir/corpus` with doc.txt, and a secret beside it, outside the corpus.
local function setup()
  local d = T.tmpdir()
  local root = d .. '/corpus'
  local _, err, code = T.stance_run({ 'init', root })
  assert(code == 0, err)
  T.write(root .. '/doc.txt', DOC)
  T.write(d .. '/secret.txt', SECRET)
  return root, d
end

--- An annotation file of ana whose header names `document`, with one annotation quoting
--- words of the secret (so that a re-anchoring would find them there).
local function hostile_layer(root, document, name)
  local s = core.store()
  s:set_header('document', document)
  s:set_header('annotator', 'ana')
  s:set_header('hash', 'sha256:' .. ('0'):rep(64))
  assert(s:add({ kind = 'annotation', id = 'a1', spans = { { 0, 14 } }, label = 'claim',
    quote = 'do-not-leak-th', prefix = 'AWS_SECRET_KEY=' }))
  local path = root .. '/.stance/annotations/ana/' .. (name or 'doc.txt') .. '.stance'
  T.write(path, s:write())
  return path
end

local function run(root, args)
  local parts = {}
  for i, a in ipairs(args) do
    parts[i] = T.q(a)
  end
  -- a reader that follows a FIFO or /dev/zero would hang or eat the memory: bounded here
  return T.run(('cd %s && timeout 60 %s %s'):format(T.q(root), T.q(T.stance), table.concat(parts, ' ')))
end

describe('a hostile corpus cannot make stance read outside it', function()
  after_each(T.cleanup)

  local cases = {
    { 'a path out of the corpus', function() return '../secret.txt' end },
    { 'a deep path to /proc', function() return ('../'):rep(20) .. 'proc/self/environ' end },
    { 'a path to /dev/zero', function() return ('../'):rep(20) .. 'dev/zero' end },
    { 'a link inside the corpus to a file outside it', function(root, d)
      os.execute(('ln -s %s %s'):format(T.q(d .. '/secret.txt'), T.q(root .. '/link.txt')))
      return 'link.txt'
    end },
    { 'a link inside the corpus to /dev/zero', function(root)
      os.execute(('ln -s /dev/zero %s'):format(T.q(root .. '/zero.txt')))
      return 'zero.txt'
    end },
    { 'a FIFO inside the corpus', function(root)
      os.execute(('mkfifo %s'):format(T.q(root .. '/fifo.txt')))
      return 'fifo.txt'
    end },
    { 'a folder', function() return '.stance' end },
  }
  for _, case in ipairs(cases) do
    it('reports a document header naming ' .. case[1] .. ', and never reads it', function()
      local root, d = setup()
      local document = case[2](root, d)
      local path = hostile_layer(root, document)
      local out, err, code = run(root, { 'check' })
      assert.are.equal(1, code, err)
      assert.truthy(out:find('.stance/annotations/ana/doc.txt.stance:3:1: error: document "' .. document
        .. '" is not read', 1, true), out)
      assert.falsy(out:find('do-not-leak', 1, true))
      local before = T.read(path)
      local fout, ferr, fcode = run(root, { 'fmt', '--reanchor' })
      assert.are.equal(1, fcode, fout .. ferr)
      assert.truthy(ferr:find('is not read', 1, true), ferr)
      assert.are.equal(before, T.read(path)) -- nothing copied from the secret into the file
      assert.falsy(T.read(path):find('more words around', 1, true))
    end)
  end

  it('reads no schema, lexicon or annotation file that is a link out of the corpus', function()
    local root, d = setup()
    os.execute(('ln -sf %s %s'):format(T.q(d .. '/secret.txt'), T.q(root .. '/.stance/schema.stance')))
    local schema, problems = require('stance.schema').load(root)
    assert.is_nil(schema)
    assert.truthy(problems[1].message:find('leads outside the corpus', 1, true))
    os.execute(('ln -s %s %s'):format(T.q(d .. '/secret.txt'), T.q(root .. '/.stance/lexicon.stance')))
    local lex = require('stance.lexicon').load(root)
    assert.is_nil(lex.file)
    assert.truthy(lex.problems[1].message:find('leads outside the corpus', 1, true))
    os.execute(('mkdir -p %s && ln -s %s %s'):format(T.q(root .. '/.stance/annotations/ana'), T.q(d .. '/secret.txt'),
      T.q(root .. '/.stance/annotations/ana/doc.txt.stance')))
    local c = assert(require('stance').open(root))
    local doc = assert(c:document('doc.txt'))
    local layer, err = doc:layer('ana')
    assert.is_nil(layer)
    assert.truthy(err:find('leads outside the corpus', 1, true), err)
  end)
end)

describe('a hostile corpus cannot make stance write outside it', function()
  after_each(T.cleanup)

  it('warm does not write through a committed .stance/cache link', function()
    local root, d = setup()
    os.execute(('mkdir -p %s && ln -s %s %s'):format(T.q(d .. '/elsewhere'), T.q(d .. '/elsewhere'),
      T.q(root .. '/.stance/cache')))
    local s = core.store()
    s:set_header('document', 'doc.txt')
    s:set_header('annotator', 'ana')
    assert(s:add({ kind = 'annotation', id = 'a1', spans = { { 0, 17 } }, label = 'claim', quote = 'The charge works.' }))
    T.write(root .. '/.stance/annotations/ana/doc.txt.stance', s:write())
    local out, err, code = run(root, { 'warm' })
    assert.are_not.equal(0, code, out)
    assert.truthy(err:find('leads outside the corpus', 1, true), err)
    assert.are.equal('', T.run('ls -A ' .. T.q(d .. '/elsewhere')))
  end)

  it('saves no annotation through a link out of the corpus, nor through planted lock or temporary links', function()
    local root, d = setup()
    -- the annotator's folder is a link out
    os.execute(('mkdir -p %s %s && ln -s %s %s'):format(T.q(d .. '/out'), T.q(root .. '/.stance/annotations'),
      T.q(d .. '/out'), T.q(root .. '/.stance/annotations/ana')))
    local c = assert(require('stance').open(root))
    c.annotator = 'ana'
    local doc = assert(c:document('doc.txt'))
    local a = doc:annotate({ start = 0, stop = 3, label = 'claim' })
    if a then
      local ok, err = c:save()
      assert.is_nil(ok)
      assert.truthy(err:find('outside the corpus', 1, true), err)
    end
    assert.are.equal('', T.run('ls -A ' .. T.q(d .. '/out')))
    -- bo's lock and temporary names are links to a file outside: never followed
    local dir = root .. '/.stance/annotations/bo'
    os.execute(('mkdir -p %s && ln -s %s %s && ln -s %s %s'):format(T.q(dir), T.q(d .. '/secret.txt'),
      T.q(dir .. '/.doc.txt.stance.tmp'), T.q(d .. '/secret.txt'), T.q(dir .. '/.doc.txt.stance.lock')))
    local c2 = assert(require('stance').open(root))
    c2.annotator = 'bo'
    assert(c2:document('doc.txt'):annotate({ start = 0, stop = 3, label = 'claim' }))
    local ok, err = c2:save()
    assert.is_true(ok, err)
    assert.are.equal(SECRET, T.read(d .. '/secret.txt'))
    assert.are.equal('doc.txt.stance\n', T.run('ls -A ' .. T.q(dir)))
  end)

  it('refuses a corpus whose .stance folder is a link out of it', function()
    local root, d = setup()
    os.execute(('mv %s %s && ln -s %s %s'):format(T.q(root .. '/.stance'), T.q(d .. '/marker'), T.q(d .. '/marker'),
      T.q(root .. '/.stance')))
    local c = require('stance').open(root)
    assert.is_nil(c)
  end)
end)

describe('a hostile corpus cannot crash or garble the command line', function()
  after_each(T.cleanup)

  it('stance stats shows labels of any length and characters, escaped', function()
    local root = setup()
    local s = core.store()
    s:set_header('document', 'doc.txt')
    s:set_header('annotator', 'ana')
    local long = ('x'):rep(100)
    local longer = ('é'):rep(300)
    local nasty = 'b\nc\27[31mred\1'
    for i, label in ipairs({ long, longer, nasty }) do
      assert(s:add({ kind = 'annotation', id = 'a' .. i, spans = { { 0, 3 } }, label = label }))
    end
    T.write(root .. '/.stance/annotations/ana/doc.txt.stance', s:write())
    local out, err, code = run(root, { 'stats' })
    assert.are.equal(0, code, err)
    assert.truthy(out:find(long .. '  ', 1, true), out)
    assert.truthy(out:find(longer, 1, true), out)
    assert.truthy(out:find('b\\nc\\x1b[31mred\\x01', 1, true), out)
    assert.falsy(out:find('\27', 1, true)) -- no escape sequence reaches the terminal
    local cout = run(root, { 'check' })
    assert.falsy(cout:find('\27', 1, true))
  end)
end)
