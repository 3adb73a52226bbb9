-- Cue matching throughput: the default lexicon over every document of the generated corpus
-- (stance run tests/bench/cues.lua DIR): on the worker (every core), and on one core.
local core = require('stance.core')
local dir = assert(arg and arg[1], 'usage: cues.lua DIR')
local lex = require('stance.lexicon').load(dir)
local worker = require('stance.worker')
local w = assert(worker.get())
local t0 = core.hrtime()
local job = assert(w:cues(dir, lex.matcher, { ext = { 'txt' } }))
local state = worker.wait(job)
assert(state == 'done', job:error() or state)
local s = (core.hrtime() - t0) / 1e9
local bytes, matches = 0, 0
for _, r in ipairs(job:results()) do
  bytes = bytes + r.size
  matches = matches + (r.matches or 0)
end
print(('bytes %d\nmatches %d\nseconds %.3f\ncues %d'):format(bytes, matches, s, lex.cues))
-- one core, for comparison: the same texts, read first
local files = require('stance.fs').list(dir, { 'txt' })
local texts = {}
for i, e in ipairs(files) do
  texts[i] = require('stance.fs').read(dir .. '/' .. e.path)
end
t0 = core.hrtime()
local m1 = 0
for _, t in ipairs(texts) do
  m1 = m1 + lex.matcher:tally(t)
end
print(('one_core_seconds %.3f\none_core_matches %d'):format((core.hrtime() - t0) / 1e9, m1))
worker.shutdown()
