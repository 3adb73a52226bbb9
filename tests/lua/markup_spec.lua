-- The markup: the grammar's corpus tests through libtree-sitter, both readers agreeing on
-- real files, and the shipped examples being true to their documents.
local T = require('helpers')
local core = require('stance.core')

local grammar = T.root .. '/grammars/tree-sitter-stance'

--- The tests of a tree-sitter corpus file, parsed the way the CLI parses them.
local function corpus_tests(text)
  local tests = {}
  local pos = 1
  while true do
    local hs, he, name = text:find('\n?=+\n([^\n]+)\n=+\n', pos)
    if not hs then break end
    local ds, de = text:find('\n%-%-%-+\n', he)
    local nxt = text:find('\n=+\n[^\n]+\n=+\n', de) or #text + 1
    local input = text:sub(he + 1, ds) -- up to and with the newline before the divider
    input = input:gsub('\r?\n$', '')
    local expected = text:sub(de + 1, nxt):gsub('%s+', ' '):gsub('^ ', ''):gsub(' $', ''):gsub(' %)', ')')
    tests[#tests + 1] = { name = name, input = input, expected = expected }
    pos = nxt
  end
  return tests
end

describe('markup', function()
  describe('tree-sitter corpus (through libtree-sitter)', function()
    local files = core.list(grammar .. '/test/corpus', { ext = { 'txt' } })
    for _, f in ipairs(files) do
      local tests = corpus_tests(T.read(grammar .. '/test/corpus/' .. f.path))
      for _, t in ipairs(tests) do
        it(f.path .. ': ' .. t.name, function()
          local _, _, _, _, sexp = core.syntax_dump(t.input)
          if not t.expected:find(' %w+: %(') then sexp = sexp:gsub(' [%w_]+: %(', ' (') end
          assert.are.equal(t.expected, sexp)
        end)
      end
    end
    it('has a test file per construct, broken input included', function()
      local names = {}
      for _, f in ipairs(files) do
        names[#names + 1] = f.path
      end
      assert.are.same({ 'comments.txt', 'errors.txt', 'line_ends.txt', 'records.txt', 'text.txt', 'values.txt' }, names)
    end)
  end)

  it('both readers agree on every shipped file', function()
    local paths = {}
    for _, dir in ipairs({ 'doc/example', 'tests/fuzz/seeds' }) do
      for _, f in ipairs(core.list(T.root .. '/' .. dir, { ext = { 'stance' } })) do
        paths[#paths + 1] = T.root .. '/' .. dir .. '/' .. f.path
      end
      for _, f in ipairs(core.list(T.root .. '/' .. dir .. '/corpus/.stance', { ext = { 'stance' } }) or {}) do
        paths[#paths + 1] = T.root .. '/' .. dir .. '/corpus/.stance/' .. f.path
      end
    end
    assert.is_true(#paths >= 9)
    for _, p in ipairs(paths) do
      local ours, problems, theirs, has_error = core.syntax_dump(T.read(p))
      assert.are.equal(problems > 0, has_error, p)
      if not has_error then assert.are.equal(theirs, ours, p) end
    end
  end)

  it('quotes and escapes strings the way the reader unquotes them', function()
    for _, s in ipairs({ '', 'plain', 'a "quoted" \\ word', 'line\nbreak\ttab\r', '\0\1\127',
      'café 🙂', '\255\254 bad utf-8', ('x'):rep(1000) }) do
      local text = ('k %s\n'):format(core.quote(s))
      local lines, problems = core.markup_lines(text)
      assert.are.same({}, problems)
      assert.are.equal(s, lines[1].values[1])
    end
    assert.is_true(core.is_word('claim'))
    assert.is_false(core.is_word('two words'))
  end)

  it('names each broken record by its line and what it lacks', function()
    local _, problems = core.read(table.concat({
      'format stance 1', '', 'document "a.txt"', '',
      'annotation a1', '  span 5-9', '  span 1-6', '  label x', '',
      'annotation a2', '  span 1-2', '',
      'relation r1', '  type supports', '  from a1', '',
      'doclabel d1', '  target t', '',
      'annotation a3', '  span 1-2', '  label x', '  confidence 1.5', '',
      'annotation a4', '  label x', '',
    }, '\n'))
    local got = {}
    for _, p in ipairs(problems) do
      got[#got + 1] = ('%d:%d %s %s'):format(p.line, p.col, p.severity, p.message)
    end
    assert.are.same({
      '5:1 error annotation a1: its spans overlap',
      '10:1 error annotation a2 has no label',
      '13:1 error relation r1 has no `to`',
      '17:1 error doclabel d1 has neither a label nor a stance',
      "23:1 error confidence '1.5' should be a number from 0 to 1",
      '25:1 error annotation a4 has no span (e.g. `span 120-245`)',
    }, got)
  end)

  it('lists lines and problems with positions', function()
    local lines, problems = core.markup_lines('k a "b c"\n  x\n    | t\n# c\n\n  orphan\n')
    assert.are.same({ 'record', 'attribute', 'text', 'comment' },
      { lines[1].kind, lines[2].kind, lines[3].kind, lines[4].kind })
    assert.are.same({ 'a', 'b c' }, lines[1].values)
    assert.are.equal(' t', lines[3].name)
    assert.are.equal(1, #problems)
    assert.are.equal(6, problems[1].line)
    assert.are.equal(3, problems[1].col)
  end)
end)

describe('examples', function()
  it('doc/format.md shows the example file as it is', function()
    local md = T.read(T.root .. '/doc/format.md')
    local block = md:match('<!%-%- example:begin %-%->\n```\n(.-)```\n<!%-%- example:end %-%->')
    assert.truthy(block)
    assert.are.equal(T.read(T.root .. '/doc/example/shared-corpus/000_6358a7516b2472dd.txt.stance'), block)
  end)

  local function check_against(doc_text, ann_text, where)
    local store, problems = core.read(ann_text)
    assert.are.same({}, problems, where)
    assert.are.equal(ann_text, store:write(), where .. ' is canonical')
    local header = store:header()
    assert.are.equal('sha256:' .. core.sha256(doc_text), header.hash, where)
    local n = 0
    for _, a in ipairs(store:records('annotation')) do
      local parts = {}
      for _, sp in ipairs(a.spans) do
        parts[#parts + 1] = T.cp_sub(doc_text, sp[1], sp[2])
      end
      assert.are.equal(a.quote, table.concat(parts, ' '), where .. ' ' .. a.id)
      local first = a.spans[1][1]
      assert.are.equal(a.prefix, T.cp_sub(doc_text, math.max(0, first - #a.prefix:gsub('[\128-\191]', '')), first))
      n = n + 1
    end
    return n
  end

  it('the example corpus annotations quote their documents at their offsets', function()
    local corpus = T.root .. '/doc/example/corpus'
    local total = 0
    for _, f in ipairs(core.list(corpus .. '/.stance/annotations', { ext = { 'stance' } })) do
      local doc = f.path:match('^[^/]+/(.*)%.stance$')
      total = total + check_against(T.read(corpus .. '/' .. doc), T.read(corpus .. '/.stance/annotations/' .. f.path), f.path)
    end
    assert.is_true(total >= 20)
  end)

  it('the annotated sample article quotes it at its offsets', function()
    if not T.shared then return pending('../shared/corpus is not here') end
    local n = check_against(T.read(T.shared .. '/corpus/000_6358a7516b2472dd.txt'),
      T.read(T.root .. '/doc/example/shared-corpus/000_6358a7516b2472dd.txt.stance'), 'sample')
    assert.are.equal(5, n)
  end)

  it('the example schemas and the default one are valid', function()
    local schema = require('stance.schema')
    for _, text in ipairs({ require('stance.templates').schema,
      T.read(T.root .. '/doc/example/corpus/.stance/schema.stance'),
      T.read(T.root .. '/doc/example/shared-corpus/schema.stance') }) do
      local s, problems = schema.parse(text)
      assert.are.same({}, problems)
      assert.are.equal(3, #s.stances)
      assert.is_true(#s.labels >= 7)
    end
  end)
end)
