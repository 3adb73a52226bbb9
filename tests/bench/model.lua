-- The stance model: training on 10k labelled sentences and predicting them (core.nb with
-- the default cue lexicon), one core. Prints the times.
local core = require('stance.core')
local lex = require('stance.lexicon').load(arg and arg[1] or '.')
local words = {'the','policy','sanctions','talks','regime','must','should','never','engagement','pressure','failed','clearly','perhaps','works','unfair'}
local rnd = 1
local function r(n) rnd = (rnd * 1103515245 + 12345) % 2147483648; return rnd % n + 1 end
local sents = {}
for i = 1, 10000 do local w = {} for j = 1, 18 do w[j] = words[r(#words)] end sents[i] = table.concat(w, ' ') .. '.' end
local t0 = core.hrtime()
local m = core.nb(3, lex.matcher)
for i, s in ipairs(sents) do m:add(s, i % 3 + 1) end
local t1 = core.hrtime()
for i = 1, 10000 do m:predict(sents[i]) end
local t2 = core.hrtime()
print(('   training on 10k sentences: %.1f ms (target <= 50 ms); predicting 10k: %.1f ms'):format((t1 - t0) / 1e6,
  (t2 - t1) / 1e6))
