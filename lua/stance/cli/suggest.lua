--- stance suggest: the model's predictions for the sentences nobody has annotated, written
--- as the layer of the annotator `model` (never into a person's file).
local cmd = {
  summary = 'Write the model\'s stance predictions for unannotated sentences as the "model" layer',
  usage = 'stance suggest [--target T] [--min-prob P] [--annotators A,B] [DIR]',
  description = table.concat({
    'Trains the stance model (see `stance eval`) on every sentence the annotators labelled',
    '(towards T with --target), predicts favor, against or neutral for every sentence none of',
    'them annotated, and writes the predictions at or above probability P (default 0.6) as',
    'annotations of the layer "model", with their probability as `confidence`. The model',
    'layer is written again from scratch each time; persons\' files are never touched.',
  }, '\n'),
  flags = {
    target = { arg = 'T', help = 'the target the stances are towards' },
    ['min-prob'] = { arg = 'P', help = 'lowest probability written (default 0.6)' },
    annotators = { arg = 'A,B', help = 'whose annotations to learn from (default: all but model)' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local cli = require('stance.cli')
  local min = tonumber(opts['min-prob'] or 0.6)
  if not min or min < 0 or min > 1 then return cli.usage_error('--min-prob should be from 0 to 1', 'suggest') end
  local c, err = require('stance').open(args[1] or '.')
  if not c then return nil, err end
  local names = require('stance.cli.args').list(opts.annotators)
  local model = require('stance.model')
  -- trained and predicted on the worker's threads (src/modeljob.c)
  local result, why
  local job, jerr = model.start(c, { target = opts.target, annotators = names }, {
    on_done = function(res, e) result, why = res, e end,
  })
  if not job then return nil, jerr end
  require('stance.worker').wait(job)
  if not result then return nil, why end
  if result.stances < 2 then
    return nil, ('%d labelled sentence(s) with %d stance(s): the model needs two stances or more'):format(
      result.learnt, result.stances)
  end
  local written, docs = 0, 0
  for i, d in ipairs(result.documents) do
    if d.error then return nil, ('%s: %s'):format(d.path, d.error) end
    local doc = assert(c:document(d.path))
    local layer = assert(doc:layer('model'))
    for _, r in ipairs(layer:records('annotation')) do
      layer:remove(r.id)
    end
    for _, r in ipairs(layer:records('relation')) do
      layer:remove(r.id)
    end
    local n = 0
    for _, it in ipairs(d.predicted > 0 and result.predictions(i) or {}) do
      if it.p >= min then
        local ok, aerr = layer:add('annotation', { spans = { { it.start, it.stop } }, label = it.class,
          stance = it.class, target = opts.target, confidence = ('%.3f'):format(it.p) })
        if not ok then return nil, ('%s: %s'):format(d.path, aerr) end
        n = n + 1
      end
    end
    if n > 0 or layer:exists() then
      local ok, serr = layer:save()
      if not ok then return nil, serr end
    end
    if n > 0 then docs = docs + 1 end
    written = written + n
  end
  io.stdout:write(('stance suggest: %d suggestion(s) at or above %.2f in %d document(s), learnt from %d labelled'
    .. ' sentence(s); written as the layer "model"\n'):format(written, min, docs, result.learnt))
  return 0
end

return cmd
