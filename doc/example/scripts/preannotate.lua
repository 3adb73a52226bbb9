-- A lexicon pre-annotator: every sentence that contains a cue of the lexicon becomes a
-- suggestion in a separate annotator layer (default "lexicon"), which annotators review
-- and accept or reject; their own layers are not touched. Running it again adds nothing
-- twice.
--
-- The lexicon is a text file, one cue per line: a search query (a word, "a phrase",
-- prefix*), "=", then the label and, if the label asks for one, the target:
--
--   "diplomatic ties" = favor engagement
--   sanction*         = against sanctions
--
--   stance run preannotate.lua LEXICON [DIR] [--as LAYER]
local lexicon_path = arg[1]
if not lexicon_path then
  io.stderr:write('usage: stance run preannotate.lua LEXICON [DIR] [--as LAYER]\n')
  os.exit(2)
end
local dir, layer = '.', 'lexicon'
local i = 2
while arg[i] do
  if arg[i] == '--as' then
    layer = assert(arg[i + 1], '--as needs a name')
    i = i + 2
  else
    dir = arg[i]
    i = i + 1
  end
end

local cues = {}
local n = 0
for line in assert(io.lines(lexicon_path)) do
  n = n + 1
  if not line:match('^%s*#') and line:match('%S') then
    local query, label, target = line:match('^%s*(.-)%s*=%s*(%S+)%s*(%S*)%s*$')
    if not query or query == '' then error(('%s:%d: expected QUERY = LABEL [TARGET]'):format(lexicon_path, n), 0) end
    cues[#cues + 1] = { query = query, label = label, target = target ~= '' and target or nil, line = n }
  end
end

local corpus = assert(stance.open(dir))
local added, docs = 0, {}

for _, cue in ipairs(cues) do
  local hits, err = corpus:search(cue.query)
  if not hits then error(('%s:%d: %s'):format(lexicon_path, cue.line, err), 0) end
  for _, h in ipairs(hits) do
    local doc = corpus:document(h.path)
    for _, s in ipairs(doc:sentences()) do
      if s.start <= h.start and h.start < s.stop then
        -- one suggestion per sentence, label and target
        local dup = false
        for _, a in ipairs(doc:annotations({ annotator = layer, label = cue.label, range = { s.start, s.stop } })) do
          -- (no target in the lexicon: the label's own, whatever the schema gives it)
          if a.start == s.start and a.stop == s.stop and (cue.target == nil or a.target == cue.target) then
            dup = true
          end
        end
        if not dup then
          -- the schema decides: a label that sets a stance brings it, one it does not know is refused
          local ok, aerr = doc:annotate({
            start = s.start, stop = s.stop, annotator = layer, label = cue.label, target = cue.target,
            note = 'cue: ' .. cue.query, confidence = 0.5,
          })
          if not ok then error(('%s:%d: %s: %s'):format(lexicon_path, cue.line, h.path, aerr), 0) end
          added = added + 1
          docs[h.path] = true
        end
        break
      end
    end
  end
end

assert(corpus:save())
local ndocs = 0
for _ in pairs(docs) do
  ndocs = ndocs + 1
end
print(('%d suggestions in %d documents (layer %s)'):format(added, ndocs, layer))
