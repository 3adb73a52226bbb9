-- make bench (section "predict"): train the stance model on 10k labelled sentences and
-- predict every other sentence of the generated corpus on the worker's threads (the model
-- job the editor and `stance suggest` use), side by side with building the corpus's index.
--   stance run tests/bench/predict.lua CORPUS
local core = require('stance.core')
local report = require('bench.report')
local worker = require('stance.worker')
local dir = assert(arg and arg[1], 'usage: predict.lua CORPUS')
local function now() return core.hrtime() / 1e9 end

local c = assert(stance.open(dir))
local t0 = now()
assert(c:index({ rebuild = true }))
local index_s = now() - t0

-- labels: the first 10k sentences, by position (the figures are about speed)
local docs, labelled = {}, 0
for i, path in ipairs(c:paths()) do
  local labels = {}
  if labelled < 10000 then
    for _, s in ipairs(core.text(assert(require('stance.fs').read(dir .. '/' .. path))):sentences()) do
      if labelled == 10000 then break end
      labelled = labelled + 1
      -- target 1, class 2..4 (class 1 is no stance)
      labels[#labels + 1], labels[#labels + 2], labels[#labels + 3], labels[#labels + 4] = s.cp_start, s.cp_stop, 1,
        labelled % 3 + 2
    end
  end
  docs[i] = { path = path, labels = labels, predict = true }
end
local w = assert(worker.get())
local lex = require('stance.lexicon').load(dir)
t0 = now()
local job = assert(w:model(dir, docs, { stances = { 'favor', 'against', 'neutral' }, layers = {},
  matcher = lex.matcher }))
assert(worker.wait(job) == 'done', job:error())
local secs = now() - t0
local res = assert(job:results())
local sentences, predicted, bytes = 0, 0, 0
for _, d in ipairs(res.documents) do
  assert(not d.error, d.error)
  sentences, predicted = sentences + d.sentences, predicted + d.predicted
end
for _, e in ipairs(require('stance.fs').list(dir, { 'txt' })) do
  bytes = bytes + e.size
end
local examples = res.examples[1][2] + res.examples[1][3] + res.examples[1][4]
report.say('   %d sentences, %d learnt, %d predicted', sentences, examples, predicted)
assert(predicted > 0 and examples > 0, 'nothing learnt or predicted')
report.figure({ name = 'prediction of every sentence (worker threads)', time = secs, bytes = bytes,
  peer = 'index build of the same corpus', peer_time = index_s, target = '<= 1x' })
