/*
 * Fuzz target "schema": a corpus's schema (.stance/schema.stance) read by stance.schema
 * (the markup reader in C, the schema's rules in Lua). For every input: parse never raises,
 * every problem has a line and column inside the file and a message, and what it defines
 * is consistent (each entry has a name and is found by kind and name; vocab() works).
 */
#include "fuzz_lua.h"

static const char chunk[] = "local text = ...\n"
  "local schema = require('stance.schema')\n"
  "local s, problems = schema.parse(text)\n"
  "assert(type(s) == 'table' and type(problems) == 'table')\n"
  "local lines = select(2, text:gsub('\\n', '')) + 1\n"
  "for _, p in ipairs(problems) do\n"
  "  assert(math.type(p.line) == 'integer' and p.line >= 1 and p.line <= lines, 'problem line')\n"
  "  assert(math.type(p.col) == 'integer' and p.col >= 1, 'problem column')\n"
  "  assert(type(p.message) == 'string' and #p.message > 0, 'problem message')\n"
  "  assert(p.severity == 'error' or p.severity == 'warning', 'problem severity')\n"
  "end\n"
  "for kind, list in pairs({ target = s.targets, stance = s.stances, role = s.roles, relation = s.relations,\n"
  "    label = s.labels }) do\n"
  "  for _, e in ipairs(list) do\n"
  "    assert(type(e.name) == 'string', 'entry name')\n"
  "    assert(s.by[kind][e.name] ~= nil, 'entry found by name')\n"
  "  end\n"
  "end\n"
  "schema.vocab(s)\n";

STANCE_FUZZ_TARGET(schema) { return stance_fuzz_lua("schema", chunk, data, size); }
