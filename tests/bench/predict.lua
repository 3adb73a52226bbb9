-- Predicting every sentence of the generated corpus with a model trained on 10k sentences
-- (stance run tests/bench/predict.lua DIR), one core, for comparison with the index build.
local core = require('stance.core')
local dir = assert(arg and arg[1], 'usage: predict.lua DIR')
local lex = require('stance.lexicon').load(dir)
local model = core.nb(3, lex.matcher)
local files = require('stance.fs').list(dir, { 'txt' })
local texts, bytes = {}, 0
for i, e in ipairs(files) do
  texts[i] = require('stance.fs').read(dir .. '/' .. e.path)
  bytes = bytes + #texts[i]
end
-- train on the first 10k sentences, labelled by position (the figures are about speed)
local n = 0
for _, t in ipairs(texts) do
  for _, s in ipairs(core.text(t):sentences()) do
    n = n + 1
    model:add(t:sub(s.start + 1, s.stop), n % 3 + 1)
    if n == 10000 then break end
  end
  if n == 10000 then break end
end
local t0, sentences = core.hrtime(), 0
for _, t in ipairs(texts) do
  for _, s in ipairs(core.text(t):sentences()) do
    model:predict(t:sub(s.start + 1, s.stop))
    sentences = sentences + 1
  end
end
print(('bytes %d\nsentences %d\nseconds %.3f'):format(bytes, sentences, (core.hrtime() - t0) / 1e9))
