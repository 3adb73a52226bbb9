--- stance suggest: the model's predictions for the sentences nobody has read, written as the
--- layer of the annotator `model` (never into a person's file).
local H = {}
local cmd = {
  summary = 'Write the model\'s stance predictions for unread sentences as the "model" layer',
  usage = 'stance suggest [--target T] [--min-prob P] [--annotators A,B] [DIR]',
  description = table.concat({
    'Trains the stance model (see `stance eval`) on the annotators\' files, one model per target of',
    'the schema (only T with --target), and predicts every sentence of prose none of them has read',
    '(a document marked done is read; one in progress is read up to the last annotation its annotator',
    'made, not counting accepted suggestions: those, with a `confidence`, decide their own sentence).',
    'Without --min-prob it writes the model\'s decisions: the likeliest stance of a sentence toward a',
    'target where its probability reaches the target\'s threshold (chosen on held-out documents when the',
    'model learns; most sentences fall below it and get none). With --min-prob P it writes the likeliest',
    'stance of every such sentence toward every target with a model whose probability is P or more,',
    'decided or not: --min-prob 0 writes one for every unread sentence of prose and target. Each is',
    'an annotation of the layer "model": the schema\'s label for that target and stance, the',
    'probability as `confidence`. The message counts the unread sentences of prose considered, and',
    'the (sentence, target) pairs left without a suggestion and why. The model layer holds this run\'s',
    'suggestions and, of the last run\'s, the suggestions an annotator rejected (g- in the editor):',
    'those stay, teach the model that the sentence takes no such stance, and are not suggested again.',
    'A suggestion\'s ID is derived from its document, sentence and target (never random), and one',
    'the last run made the same is kept as it was: run again on unchanged data, the files stay byte',
    'for byte, and two people\'s runs merge to one suggestion per sentence and target (stance merge).',
    'Persons\' files are never touched.',
    '',
    'Exit status: 0; 3 when the suggestions are written but an annotator\'s file was left out (it',
    'has errors, such as git\'s conflict markers or a file cut short, or holds records of an',
    'unresolved merge conflict): the model did not learn from it, and its sentences count as unread;',
    'each such file is named on stderr with where; 1 when a layer file or folder left out is a',
    'symbolic link (named the same way), or on other errors; 2 on a bad command line.',
  }, '\n'),
  flags = {
    target = { arg = 'T', help = 'only this target' },
    ['min-prob'] = { arg = 'P', help = 'the likeliest stance of every unread sentence and target with this'
      .. ' probability or more, decided or not (default: the model\'s decisions only; 0: every one)' },
    annotators = { arg = 'A,B', alias = 'annotator',
      help = 'whose annotations to learn from (default: all but model and the not-annotators)' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local cli = require('stance.cli')
  local min = opts['min-prob'] and tonumber(opts['min-prob'])
  if opts['min-prob'] and (not min or min < 0 or min > 1) then
    return cli.usage_error('--min-prob should be from 0 to 1', 'suggest')
  end
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
  local skipped, status = model.skipped(c, result.documents)
  for _, p in ipairs(skipped) do
    require('stance.cli').say(io.stderr, 'stance suggest: ', p)
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
  -- what was considered, and why a (sentence, target) pair got no suggestion
  local n = { written = 0, docs = 0, sentences = 0, not_prose = 0, pairs = 0, undecided = 0, below = 0,
    rejected = 0, no_label = 0 }
  for i, d in ipairs(result.documents) do
    if d.error then return nil, ('%s: %s'):format(d.path, d.error) end
    local doc = assert(c:document(d.path))
    local layer, lerr = doc:layer('model')
    if not layer then return nil, lerr end
    -- the suggestions of the last run by ID (model.suggestion_id: derived from the document,
    -- sentence and target): one made again the same is kept as it is (its `created` too), so
    -- that a run on unchanged data leaves the file as it was, byte for byte; the others go
    local before, kept = {}, {}
    for _, r in ipairs(layer:records('annotation')) do
      if model.is_rejection(r) then
        kept[r.id] = 'rejection'
      elseif r.conflict then
        -- both versions an older merge left (stance before the model layer's merge: never
        -- now): decided again by this run
        local ok, rerr = layer:remove(r.id, r.conflict)
        if not ok then return nil, ('%s: %s'):format(d.path, rerr) end
      else
        before[r.id] = r
      end
    end
    for _, r in ipairs(layer:records('relation')) do
      if not model.is_rejection(r) then layer:remove(r.id) end
    end
    local refused = rejected[d.path] or {}
    local written, text_of = 0, nil
    for _, it in ipairs(d.predicted > 0 and result.predictions(i) or {}) do
      local unread = false
      for _, p in pairs(it.targets) do
        if p.class and not p.known then unread = true end
      end
      if unread then
        if not text_of then
          text_of = {}
          for _, s in ipairs(doc:sentences()) do
            text_of[s.start] = s.text
          end
        end
        if not model.is_prose(text_of[it.start] or '') then
          n.not_prose = n.not_prose + 1
        else
          n.sentences = n.sentences + 1
          for target, p in pairs(it.targets) do
            if p.class and not p.known then
              n.pairs = n.pairs + 1
              -- the model's decision, or (--min-prob) the likeliest stance, decided or not
              local class, prob = model.suggested(p, min)
              local label = class and class ~= result.setup.none and model.label_for(schema, target, class)
              if not class or class == result.setup.none then
                n.undecided = n.undecided + 1
              elseif min and prob < min then
                n.below = n.below + 1
              elseif refused[it.start .. ':' .. (named and target or '') .. ':' .. class] then
                n.rejected = n.rejected + 1
              elseif not label then
                n.no_label = n.no_label + 1
              else
                local fields = { spans = { { it.start, it.stop } }, label = label.name, stance = class,
                  target = named and target or nil, confidence = ('%.3f'):format(prob) }
                local id, aerr = H.place(layer, d.path, fields, before, kept)
                if not id then return nil, ('%s: %s'):format(d.path, aerr) end
                written = written + 1
              end
            end
          end
        end
      end
    end
    for id in pairs(before) do
      if not kept[id] then layer:remove(id) end
    end
    if written > 0 or layer:exists() then
      local ok, serr = layer:save()
      if not ok then return nil, serr end
    end
    if written > 0 then n.docs = n.docs + 1 end
    n.written = n.written + written
  end
  require('stance.cli').say(io.stdout, ('stance suggest: %d suggestion(s) in %d document(s), learnt from %d labelled'
    .. ' sentence(s) (targets with a model: %s); written as the layer "model"'):format(n.written, n.docs, result.learnt,
    table.concat(trained, ', ')))
  io.stdout:write(H.considered(n, min, #trained), '\n')
  -- written without a file (said above): not a complete run for a script
  return status
end

--- Write suggestion `fields` into the model layer under its ID (model.suggestion_id), or keep
--- the record of the last run (`before`, by ID) that says the same (marked in `kept`, where
--- the rejections' IDs are already): the ID, or nil, err. A rejection that holds the ID (a
--- suggestion rejected by writing its note by hand) stays: the suggestion then takes the ID
--- that adds its stance.
function H.place(layer, path, fields, before, kept)
  local model = require('stance.model')
  local id = model.suggestion_id(path, fields.spans, fields.target)
  if kept[id] == 'rejection' then
    id = model.suggestion_id(path, fields.spans, fields.target, fields.stance)
    if kept[id] == 'rejection' then return nil, ('suggestion %s: a rejection holds its ID'):format(id) end
  end
  local old = before[id]
  if old and H.same(layer, old, fields) then
    kept[id] = true
    return id
  end
  if old then
    local ok, err = layer:remove(id)
    if not ok then return nil, err end
  end
  fields.id = id
  local rec, err = layer:add('annotation', fields)
  if not rec then return nil, err end
  kept[id] = true
  return id
end

--- Whether record `r` of the last run is suggestion `f` (its place, label, stance, target,
--- probability, and the words it quotes now).
function H.same(layer, r, f)
  for _, k in ipairs({ 'label', 'stance', 'target', 'confidence', 'note' }) do
    if r[k] ~= f[k] then return false end
  end
  local sp = r.spans or {}
  if #sp ~= 1 or sp[1][1] ~= f.spans[1][1] or sp[1][2] ~= f.spans[1][2] or r.orphan or r.conflict then return false end
  local quote, prefix, suffix = layer:context(f.spans)
  return r.quote == quote and r.prefix == prefix and r.suffix == suffix
end

--- The second line: what was considered and why the other (sentence, target) pairs got none.
function H.considered(n, min, ntargets)
  local why = {}
  if n.undecided > 0 then
    why[#why + 1] = min and ('%d with no stance the model can give'):format(n.undecided)
      or ('%d decided no stance (the likeliest stance below its target\'s threshold; --min-prob 0 writes'
        .. ' the likeliest of every one)'):format(n.undecided)
  end
  if n.below > 0 then why[#why + 1] = ('%d below --min-prob %s'):format(n.below, tostring(min)) end
  if n.rejected > 0 then why[#why + 1] = ('%d rejected by an annotator (g-)'):format(n.rejected) end
  if n.no_label > 0 then why[#why + 1] = ('%d with no label of the schema for the stance'):format(n.no_label) end
  local s = ('  considered: %d unread sentence(s) of prose x %d target(s) with a model = %d pair(s)%s'):format(
    n.sentences, ntargets, n.pairs, n.pairs ~= n.sentences * ntargets and ' (a target\'s `documents` leave some out,'
      .. ' or a sentence was read for some targets)' or '')
  s = s .. (#why > 0 and ('; without a suggestion: %s'):format(table.concat(why, ', ')) or '; a suggestion for each')
  if n.not_prose > 0 then
    s = s .. ('; %d unread sentence(s) not prose (bylines, datelines): none'):format(n.not_prose)
  end
  return s
end

return cmd
