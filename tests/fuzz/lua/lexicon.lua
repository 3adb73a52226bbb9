-- Fuzz harness of a corpus's cue lexicon (.stance/lexicon.stance) read by stance.lexicon:
-- markup in C, categories in Lua, cues compiled into the C matcher, then matched against the
-- input itself as a text (tests/fuzz/lexicon.c). For any input: nothing raises, problems
-- have their line and a message, every match is inside the text with a known category.
local lexicon = require('stance.lexicon')

return function(text)
  local lex = lexicon.parse(text)
  for _, p in ipairs(lex.problems) do
    assert(p.line == math.floor(p.line) and p.line >= 1, 'a problem has its line')
    assert(type(p.message) == 'string', 'a problem has a message')
  end
  for _, m in ipairs(lexicon.find(lex, text)) do
    assert(m.start >= 0 and m.start < m.stop and m.stop <= #text, 'a match lies inside the text')
    assert(type(m.category) == 'string', 'a match has its category')
  end
end
