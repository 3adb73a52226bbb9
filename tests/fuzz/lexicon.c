/*
 * Fuzz target "lexicon": a corpus's cue lexicon (.stance/lexicon.stance) read by
 * stance.lexicon (markup in C, categories in Lua, cues compiled into the C matcher), then
 * matched against the input itself as a text. For every input: nothing raises, problems
 * have places, and every match is inside the text with a known category.
 */
#include "fuzz_lua.h"

static const char chunk[] = "local text = ...\n"
  "local lexicon = require('stance.lexicon')\n"
  "local lex = lexicon.parse(text)\n"
  "for _, p in ipairs(lex.problems) do\n"
  "  assert(math.type(p.line) == 'integer' and p.line >= 1, 'problem line')\n"
  "  assert(type(p.message) == 'string', 'problem message')\n"
  "end\n"
  "for _, m in ipairs(lexicon.find(lex, text)) do\n"
  "  assert(m.start >= 0 and m.start < m.stop and m.stop <= #text, 'match inside the text')\n"
  "  assert(type(m.category) == 'string', 'match category')\n"
  "end\n";

STANCE_FUZZ_TARGET(lexicon) { return stance_fuzz_lua("lexicon", chunk, data, size); }
