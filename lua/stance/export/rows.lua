--- The rows that exports write: one per annotation, or one per sentence with the stance
--- labels of the annotations over it (for training classifiers). Field order is fixed
--- (doc/format.md, "Exports").
local M = {}

--- Fields of an annotation row, in order.
M.annotation_fields = { 'document', 'annotator', 'id', 'label', 'target', 'stance', 'role', 'start',
  'stop', 'byte_start', 'byte_stop', 'line', 'col', 'spans', 'quote', 'note', 'author', 'created',
  'confidence' }

--- Fields of a sentence row, in order.
M.sentence_fields = { 'document', 'sentence', 'start', 'stop', 'line', 'text', 'labels' }

local function annotators_filter(opts)
  return require('stance.cli.args').list(opts.annotator)
end

--- Call emit(row) for each annotation of the corpus (documents in path order, then
--- annotators, then position).
---@param c table stance.Corpus
---@param opts {annotator: string|nil}
---@param emit fun(row: table)
function M.annotations(c, opts, emit)
  local names = annotators_filter(opts)
  for doc in c:documents() do
    for _, a in ipairs(doc:annotations({ annotator = names })) do
      local spans = a:spans_full()
      local list = {}
      for i, sp in ipairs(spans) do
        list[i] = { sp.start, sp.stop }
      end
      emit({
        document = doc.path, annotator = a.annotator, id = a.id, label = a.label, target = a.target,
        stance = a.stance, role = a.role, start = a.start, stop = a.stop,
        byte_start = spans[1].byte_start, byte_stop = spans[#spans].byte_stop, line = spans[1].line,
        col = spans[1].col, spans = list, quote = a.quote, note = a.note, author = a.author or a.annotator,
        created = a.created, confidence = a.confidence and tonumber(a.confidence) or nil,
      })
    end
  end
end

--- Call emit(row) for each sentence of the corpus, with labels = the annotations that
--- overlap it: { {annotator, label, target, stance, role}, ... }.
function M.sentences(c, opts, emit)
  local names = annotators_filter(opts)
  for doc in c:documents() do
    local sentences = doc:sentences() or {}
    local labels = {}
    for i = 1, #sentences do
      labels[i] = {}
    end
    for _, a in ipairs(doc:annotations({ annotator = names })) do
      local seen = {}
      for _, sp in ipairs(a.spans) do
        -- the first sentence that ends after the span starts, then those it reaches into
        local lo, hi = 1, #sentences + 1
        while lo < hi do
          local mid = math.floor((lo + hi) / 2)
          if sentences[mid].stop > sp[1] then hi = mid else lo = mid + 1 end
        end
        local i = lo
        while sentences[i] and sentences[i].start < sp[2] do
          if not seen[i] then
            seen[i] = true
            local l = labels[i]
            l[#l + 1] = { annotator = a.annotator, label = a.label, target = a.target, stance = a.stance,
              role = a.role }
          end
          i = i + 1
        end
      end
    end
    for i, s in ipairs(sentences) do
      emit({ document = doc.path, sentence = i, start = s.start, stop = s.stop, line = s.line,
        text = s.text, labels = labels[i] })
    end
  end
end

return M
