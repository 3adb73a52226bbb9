-- Cue matching throughput: the default lexicon over every document of the generated corpus
-- (stance run tests/bench/cues.lua DIR), one core. Prints bytes, matches, time.
local core = require('stance.core')
local dir = assert(arg and arg[1], 'usage: cues.lua DIR')
local lex = require('stance.lexicon').load(dir)
local files = require('stance.fs').list(dir, { 'txt' })
local texts, bytes = {}, 0
for i, e in ipairs(files) do
  texts[i] = require('stance.fs').read(dir .. '/' .. e.path)
  bytes = bytes + #texts[i]
end
local t0 = core.hrtime()
local matches = 0
for _, t in ipairs(texts) do
  matches = matches + lex.matcher:tally(t)
end
local s = (core.hrtime() - t0) / 1e9
print(('bytes %d\nmatches %d\nseconds %.3f\ncues %d'):format(bytes, matches, s, lex.cues))
