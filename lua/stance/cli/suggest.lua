--- stance suggest: the model's predictions for the sentences nobody has read, written as the
--- layer of the annotator `model` (never into a person's file).
local cmd = {
  summary = 'Write the model\'s stance predictions for unread sentences as the "model" layer',
  usage = 'stance suggest [--target T] [--min-prob P] [--annotators A,B] [DIR]',
  description = table.concat({
    'Trains the stance model (see `stance eval`) on the annotators\' files, one model per target of',
    'the schema (only T with --target), and predicts every sentence of prose none of them has read',
    '(a document marked done is read; one in progress is read up to the last annotation its annotator',
    'made, not counting accepted suggestions: those, with a `confidence`, decide their own sentence).',
    'Where the',
    'model predicts a stance toward a target with probability P or more (default 0: every stance it',
    'predicts), it is written as an annotation of the layer "model": the schema\'s label for that',
    'target and stance, the probability as `confidence`. The model layer is written again from',
    'scratch each time, but for the suggestions an annotator rejected (g- in the editor): those',
    'stay, teach the model that the sentence takes no such stance, and are not suggested again.',
    'Persons\' files are never touched.',
  }, '\n'),
  flags = {
    target = { arg = 'T', help = 'only this target' },
    ['min-prob'] = { arg = 'P', help = 'lowest probability written (default 0: the model\'s decisions)' },
    annotators = { arg = 'A,B',
      help = 'whose annotations to learn from (default: all but model and the not-annotators)' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local cli = require('stance.cli')
  local min = tonumber(opts['min-prob'] or 0)
  if not min or min < 0 or min > 1 then return cli.usage_error('--min-prob should be from 0 to 1', 'suggest') end
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  local model = require('stance.model')
  -- trained and predicted on the worker's threads (src/modeljob.c)
  local names = require('stance.cli.args').list(opts.annotators)
  -- suggestions an annotator rejected (g-) stay, are never written again, and teach the model
  local st, setup_err = model.setup(c, { target = opts.target })
  if not st then return nil, setup_err end
  local rejected_labels, rejected = model.rejections(c, st.none)
  local result, why = model.run(c, { target = opts.target, annotators = names, setup = st, labels = rejected_labels })
  if not result then return nil, why end
  for _, p in ipairs(model.skipped(c, result.documents)) do
    io.stderr:write('stance suggest: ', p, '\n')
  end
  local trained = {}
  for t, ok in pairs(result.trained) do
    if ok then trained[#trained + 1] = t == '' and '(any target)' or t end
  end
  table.sort(trained)
  if #trained == 0 then
    return nil, ('%d labelled sentence(s): no target has both a stance and sentences read without one'):format(
      result.learnt)
  end
  local schema, named = c:schema(), result.setup.named
  local written, docs = 0, 0
  for i, d in ipairs(result.documents) do
    if d.error then return nil, ('%s: %s'):format(d.path, d.error) end
    local doc = assert(c:document(d.path))
    local layer, lerr = doc:layer('model')
    if not layer then return nil, lerr end
    for _, kind in ipairs({ 'annotation', 'relation' }) do
      for _, r in ipairs(layer:records(kind)) do
        if not model.is_rejection(r) then layer:remove(r.id) end
      end
    end
    local refused = rejected[d.path] or {}
    local n, sentences = 0, nil
    for _, it in ipairs(d.predicted > 0 and result.predictions(i) or {}) do
      for target, p in pairs(it.targets) do
        if not p.known and p.class and p.class ~= result.setup.none and p.p >= min
          and not refused[it.start .. ':' .. (named and target or '') .. ':' .. p.class] then
          sentences = sentences or doc:sentences()
          local text
          for _, s in ipairs(sentences) do
            if s.start == it.start then text = s.text end
          end
          local label = model.label_for(schema, target, p.class)
          if label and model.is_prose(text or '') then
            local ok, aerr = layer:add('annotation', { spans = { { it.start, it.stop } }, label = label.name,
              stance = p.class, target = named and target or nil, confidence = ('%.3f'):format(p.p) })
            if not ok then return nil, ('%s: %s'):format(d.path, aerr) end
            n = n + 1
          end
        end
      end
    end
    if n > 0 or layer:exists() then
      local ok, serr = layer:save()
      if not ok then return nil, serr end
    end
    if n > 0 then docs = docs + 1 end
    written = written + n
  end
  io.stdout:write(('stance suggest: %d suggestion(s) in %d document(s), learnt from %d labelled sentence(s) (targets'
    .. ' with a model: %s); written as the layer "model"\n'):format(written, docs, result.learnt,
    table.concat(trained, ', ')))
  return 0
end

return cmd
