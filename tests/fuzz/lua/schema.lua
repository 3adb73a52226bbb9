-- Fuzz harness of a corpus's schema (.stance/schema.stance) read by stance.schema: the
-- markup reader in C, the schema's rules in Lua (tests/fuzz/schema.c). For any input:
--   - parse never raises; every problem has a line inside the file, a column, a severity
--     and a message;
--   - every entry it defines has a name and is found by its kind and name; vocab() works;
--   - a search's quick read of the corpus records (core.markup_globs) finds the same `watch`
--     setting (watch auto starts a process: the two readers never disagree on it);
--   - the unit is sentence or line; a target's documents are relative globs inside the corpus
--     (never absolute, never with a `..` part), and in_scope() answers for any path.
local schema = require('stance.schema')
local core = require('stance.core')

return function(text)
  local s, problems = schema.parse(text)
  assert(type(s) == 'table' and type(problems) == 'table', 'a schema and its problems')
  local lines = select(2, text:gsub('\n', '')) + 1
  for _, p in ipairs(problems) do
    assert(type(p.line) == 'number' and p.line == math.floor(p.line) and p.line >= 1 and p.line <= lines,
      'a problem has its line')
    assert(p.col == math.floor(p.col) and p.col >= 1, 'a problem has its column')
    assert(type(p.message) == 'string' and #p.message > 0, 'a problem has a message')
    assert(p.severity == 'error' or p.severity == 'warning', 'a problem has a severity')
  end
  for kind, list in pairs({ target = s.targets, stance = s.stances, role = s.roles, relation = s.relations,
    label = s.labels }) do
    for _, e in ipairs(list) do
      assert(type(e.name) == 'string', 'an entry has a name')
      assert(s.by[kind][e.name] ~= nil, 'an entry is found by its kind and name')
    end
  end
  schema.vocab(s)
  assert(schema.unit(s) == 'sentence' or schema.unit(s) == 'line', 'the unit is sentence or line')
  for _, e in ipairs(s.targets) do
    for _, g in ipairs(e.documents or {}) do
      assert(g ~= '' and g:sub(1, 1) ~= '/' and not ('/' .. g .. '/'):find('/%.%.?/'), 'documents: globs inside')
    end
    assert(type(schema.in_scope(s, e.name, 'a/b.txt')) == 'boolean', 'in_scope answers')
  end
  assert(select(3, core.markup_globs(text)) == s.corpus.watch, 'markup_globs reads the watch setting as parse does')
end
