--- The stance model of a corpus: for each target of the schema, the probability that a
--- sentence takes each of the schema's stances toward it, or none. Trained from the corpus's
--- annotations on the worker's threads (src/modeljob.h says which sentence gets which class:
--- the stance of the annotation covering most of it, "no stance" where an annotator read the
--- sentence and gave that target no stance), by a calibrated linear model in C (src/model.h).
--- Both hosts. Held-out evaluation: stance.model_eval.
local M = {}
local H = {}

--- The name of the class of a sentence without a stance toward a target (class 1 of the
--- model): "none", or "(no stance)" when a stance of the schema is called "none".
---@param stances string[]
---@return string
function M.none_name(stances)
  for _, s in ipairs(stances) do
    if s == 'none' then return '(no stance)' end
  end
  return 'none'
end

---@class stance.ModelSetup
---@field targets string[] target names (one '' when the schema has none: any annotation's)
---@field named boolean whether the targets are the schema's (else one target, any annotation's)
---@field stances string[] stance names (the model's classes 2..)
---@field none string the name of the class without a stance (M.none_name)
---@field classes string[] none, then the stances
---@field terms table<string, string[]> per target its terms (the schema's, or made from its name)
---@field term_matcher userdata core.cues(): categories are target numbers
---@field lexicon stance.Lexicon

--- The targets, stances and terms of corpus `c`, and its matchers. Stances come from the
--- schema (any names, any number); without one, from the stances its annotations use.
---@param c stance.Corpus
---@param opts {target: string|nil}|nil only that target
---@return stance.ModelSetup|nil
---@return string|nil err
function M.setup(c, opts)
  opts = opts or {}
  local schema = c:schema()
  local core = require('stance.core')
  local st = { targets = {}, stances = {}, terms = {}, named = true, term_matcher = core.cues(),
    lexicon = require('stance.lexicon').load(c.root) }
  for _, e in ipairs(schema and schema.stances or {}) do
    st.stances[#st.stances + 1] = e.name
  end
  if #st.stances == 0 then st.stances = H.used_stances(c) end
  if #st.stances == 0 then return nil, 'no stance values: the schema names none and no annotation has one' end
  if #st.stances > 15 then return nil, ('%d stance values: the model takes 15 at most'):format(#st.stances) end
  for _, e in ipairs(schema and schema.targets or {}) do
    if not opts.target or opts.target == e.name then
      st.targets[#st.targets + 1] = e.name
      st.terms[e.name] = e.terms or { H.name_term(e.name) }
    end
  end
  if opts.target and #st.targets == 0 then
    if schema and #schema.targets > 0 then return nil, ("no target '%s' in the schema"):format(opts.target) end
    st.targets[1] = opts.target
    st.terms[opts.target] = { H.name_term(opts.target) }
  end
  if #st.targets == 0 then
    st.targets, st.named = { '' }, false
    st.terms[''] = {}
  end
  if #st.targets > 64 then return nil, ('%d targets: the model takes 64 at most'):format(#st.targets) end
  for t, name in ipairs(st.targets) do
    for _, term in ipairs(st.terms[name]) do
      st.term_matcher:add(term, t) -- a term without a word is left out
    end
  end
  st.none = M.none_name(st.stances)
  st.classes = { st.none }
  for _, s in ipairs(st.stances) do
    st.classes[#st.classes + 1] = s
  end
  return st
end

--- The term made from a target's name when the schema gives none: its words as a phrase,
--- the last one a prefix ("human-rights" -> "human rights*").
function H.name_term(name)
  return (name:gsub('[-_]+', ' ')) .. '*'
end

--- The stances the corpus's annotations use, sorted (when the schema names none).
function H.used_stances(c)
  local seen, out = {}, {}
  for _, path in ipairs(c:paths()) do
    local doc = c:document(path)
    for _, a in ipairs(doc and doc:annotations() or {}) do
      if a.stance and not seen[a.stance] then
        seen[a.stance] = true
        out[#out + 1] = a.stance
      end
    end
  end
  table.sort(out)
  return out
end

--- A sentence that is not prose (a byline, a dateline, a credit line): fewer than five words,
--- or fewer than two words in lower case. Nothing is suggested for it.
---@param text string
---@return boolean
function M.is_prose(text)
  local words, lower = 0, 0
  for w in text:gmatch('[%w\128-\255]+') do
    words = words + 1
    if w:match('^%l+$') then lower = lower + 1 end
  end
  return words >= 5 and lower >= 2
end

--- The label that records `stance` toward `target` (''; no target): the schema's label that
--- sets both, else one that sets the stance and no target (the target is then set too), else
--- one named like the stance; a label named like the stance when the schema has no labels;
--- nil when the schema has labels and none fits.
---@return table|nil label { name, ... }
function M.label_for(schema, target, stance)
  local labels = schema and schema.labels or {}
  if #labels == 0 then return { name = stance } end
  local loose, named
  for _, l in ipairs(labels) do
    if l.stance == stance and (l.target == target or (target == '' and not l.target)) then return l end
    if l.stance == stance and not l.target and not loose then loose = l end
    if l.name == stance and not l.stance and not named then named = l end
  end
  return loose or named
end

--- The model's options for the worker (stance.core: worker:model) from a setup.
function H.job_opts(st, layers, prefer, opts)
  local o = { stances = st.stances, targets = st.named and st.targets or nil, layers = layers, prefer = prefer,
    matcher = st.lexicon.matcher, terms = st.term_matcher }
  for _, k in ipairs({ 'learner', 'c', 'balanced', 'folds', 'features', 'char_min', 'char_max', 'char_weight',
    'mark_weight', 'term_offsets', 'max_features' }) do
    if opts[k] ~= nil then o[k] = opts[k] end
  end
  return o
end

--- The layers to learn from: `annotators` (folder names), or every annotator's but "model"
--- and those the schema's `not-annotators` names (unreviewed output, e.g. keyword
--- pre-annotations: learning from it would learn its rule), and the annotators of `also` (the
--- editor's own, whose file may be new). Second value: the curated layer (`gold`,
--- |stance-curate|) when it is among them and no annotators were named: a document curated
--- into it is learnt from it alone (the team's decision, not the annotators' union of what
--- they disagreed on). Third: the layers left out, { { name, why } }.
---@return string[] layers
---@return string|nil prefer
---@return {[1]: string, [2]: string}[] left
function M.layers(c, annotators, also)
  local layers, seen, slug, left = {}, {}, require('stance.root').slug, {}
  local gold = require('stance.curation').GOLD
  local function add(name)
    local l = slug(name)
    if not seen[l] then
      seen[l] = true
      layers[#layers + 1] = l
    end
  end
  for _, name in ipairs(annotators or c:annotators()) do
    local person, what = true, nil
    if not annotators and name ~= gold then person, what = c:is_person(name) end
    if person then
      add(name)
    elseif name ~= 'model' then
      left[#left + 1] = { name, what }
    end
  end
  for _, name in ipairs(also or {}) do
    add(name)
  end
  return layers, (not annotators and seen[gold]) and gold or nil, left
end

--- The annotation files that the model job left out for their errors (git's conflict markers,
--- a file cut short: src/modeljob.c learns nothing of them, as if absent, as stance agree and
--- stance report leave them out: what they lost would be learnt as "no stance"; a curated
--- gold file with errors leaves its document to the annotators), as the job met them: no file
--- is read again here. One line each, each file once however many results met it, in the
--- order met: "NAME's file has N error(s), the first at PATH:LINE:COL: message; left out of
--- DOC: none of it learnt". And the symbolic links it met among the layers' files and folders
--- (none followed: doc/format.md 8.4), each once, as every reader says one
--- (stance.layer_link.link_said: "PATH:1:1: a link to T: a layer must be a file of its own;
--- never read as ben's nor written through", or at the folder that is a link).
--- With them, the exit status of a command that went on without them (as stance agree's): 3
--- when a file with errors or a merge conflict was left out (what was made is incomplete), else
--- 1 when a link was, else 0.
---@param c stance.Corpus
---@param ... table[] the `documents` of one or more results of M.start or M.run
---@return string[] said
---@return integer status
function M.skipped(c, ...)
  local annfile, root, fs = require('stance.annfile'), require('stance.root'), require('stance.fs')
  local out, seen, status = {}, {}, 0
  for _, documents in ipairs({ ... }) do
    for _, d in ipairs(documents) do
      for _, s in ipairs(d.skipped or {}) do
        local file = root.annotation_path(c.root, s.layer, d.path)
        if s.link then
          local path = c.root .. '/' .. root.annotations .. '/' .. s.link
          if not seen[path] then
            seen[path] = true
            if status == 0 then status = 1 end
            out[#out + 1] = require('stance.layer_link').link_said(path, c.root, s.link == s.layer .. '/' .. d.path
              .. '.stance')
          end
        elseif not seen[file] and s.conflicts then
          seen[file], status = true, 3
          -- records of an unresolved merge conflict (stance.layer_conflicts)
          out[#out + 1] = require('stance.layer_conflicts').said(s.layer, ('%s:%d:%d: %s'):format(fs.relative(file,
            c.root), s.line, s.col, s.message), s.conflicts, ('left out of %s: none of it learnt'):format(d.path))
        elseif not seen[file] then
          seen[file], status = true, 3
          out[#out + 1] = annfile.errors_said(s.layer, ('%s:%d:%d: %s'):format(fs.relative(file, c.root), s.line,
            s.col, s.message), s.errors, ('left out of %s: none of it learnt (stance check lists them)'):format(d.path))
        end
      end
    end
  end
  return out, status
end

---@class stance.Prediction
---@field start integer code points
---@field stop integer
---@field targets table<string, stance.TargetPrediction>
--- per target

---@class stance.TargetPrediction
---@field class string|nil the model's decision (nil: the target has no model)
---@field p number|nil its probability
---@field probs table<string, number>|nil every class's
---@field known string|nil the class the annotations give the sentence (nil: unknown)
---@field term boolean whether it mentions a term of the target

--- The suggestions rejected in the "model" layer of `doc` (g- in the editor: a record with a
--- note "rejected by NAME"): a set { [start .. ':' .. target .. ':' .. stance] = true } (code
--- points; never suggested again there), and the labels they teach ({ start, stop, target,
--- class = none }: the sentence takes no such stance toward the target).
---@param doc stance.Document
---@param none string the class of no stance (M.setup's `none`)
---@return table<string, boolean> set
---@return table[] labels
function M.rejected(doc, none)
  local set, labels = {}, {}
  -- (no "model" layer yet: nothing to open; opening a layer that has no file hashes the
  -- document for its header, 10 MB on the main thread before the suggestions start)
  local path = require('stance.root').annotation_path(doc.corpus.root, 'model', doc.path)
  if not require('stance.core').exists(path) then return set, labels end
  local layer = doc:layer('model')
  for _, r in ipairs(layer and layer:records('annotation') or {}) do
    if M.is_rejection(r) then
      set[r.spans[1][1] .. ':' .. (r.target or '') .. ':' .. (r.stance or '')] = true
      labels[#labels + 1] = { start = r.spans[1][1], stop = r.spans[#r.spans][2], target = r.target or '',
        class = none }
    end
  end
  return set, labels
end

--- The ID of the suggestion toward `target` ('' or nil: no target) on `spans` (code points)
--- of document `path`: derived from what it is, never random (doc/format.md 4.5), so that
--- two people's `stance suggest` runs give the same suggestion the same ID (their merge is one
--- record, stance.merge) and a run on unchanged data writes the same file again. 12
--- characters of base32 (as minted IDs) from SHA-256 of "suggestion", the path, the spans and
--- the target. With `stance` (a second ID when a rejection holds the first): that too.
---@param path string
---@param spans integer[][]
---@param target string|nil
---@param stance string|nil
---@return string
function M.suggestion_id(path, spans, target, stance)
  local parts = {}
  for i, sp in ipairs(spans) do
    parts[i] = sp[1] .. '-' .. sp[2]
  end
  local hex = require('stance.core').sha256(table.concat({ 'suggestion', path, table.concat(parts, ','),
    target or '', stance or '' }, '\0'))
  local alphabet, out = 'abcdefghijklmnopqrstuvwxyz234567', {}
  for c = 0, 2 do -- 60 bits: three times 20 bits (5 hex digits) as 4 characters
    local n = tonumber(hex:sub(c * 5 + 1, c * 5 + 5), 16)
    for _ = 1, 4 do
      local k = n % 32
      out[#out + 1] = alphabet:sub(k + 1, k + 1)
      n = (n - k) / 32
    end
  end
  return table.concat(out)
end

--- Whether record `r` of the "model" layer is a rejected suggestion (kept as a negative example).
---@param r table
---@return boolean
function M.is_rejection(r)
  return type(r.note) == 'string' and r.note:match('^rejected') ~= nil
end

--- The rejected suggestions of every document that has a "model" layer: labels by path (for
--- M.start's opts.labels) and sets by path (see M.rejected).
---@param c stance.Corpus
---@param none string
---@return table<string, table[]> labels
---@return table<string, table<string, boolean>> sets
function M.rejections(c, none)
  local labels, sets = {}, {}
  local root, exists = require('stance.root'), require('stance.core').exists
  for _, path in ipairs(c:paths()) do
    if exists(root.annotation_path(c.root, 'model', path)) then
      local doc = c:document(path)
      if doc then
        local set, l = M.rejected(doc, none)
        if #l > 0 then labels[path], sets[path] = l, set end
      end
    end
  end
  return labels, sets
end

--- Train on the corpus's annotations and predict the documents' sentences on the worker's
--- threads: `handlers.on_done(result)` (or nil and why) receives { setup, examples = {
--- [target] = { [class] = n } }, term_examples (the same, of sentences mentioning a term),
--- trained = { [target] = boolean }, learnt = sentences learnt (with a class for some
--- target), documents = { { path, sentences, predicted, error }, ... }, predictions =
--- function(i) -> stance.Prediction[] }.
--- opts: target (only that one), annotators (whose layers; default all but "model"), also
--- (more annotators, e.g. the editor's own), predict (paths; default all), all (predict every
--- sentence, not only those of unknown class), learn (paths to learn from; default all), setup
--- (M.setup's, when made already), labels ({ [path] = { {start, stop, target, class}, ... } },
--- class names), decision ('threshold', the default, or 'argmax': the likeliest class, as a
--- plain classifier decides), and the model's options (learner, c,
--- balanced, folds, features, char_weight, mark_weight, max_features).
---@param c stance.Corpus
---@param opts table|nil
---@param handlers stance.JobHandlers|nil
---@return userdata|nil job
---@return string|nil err
function M.start(c, opts, handlers)
  opts = opts or {}
  local worker = require('stance.worker')
  local w, err = worker.get()
  if not w then return nil, err end
  local st = opts.setup
  if not st then
    st, err = M.setup(c, { target = opts.target })
    if not st then return nil, err end
  end
  local set = function(list)
    if not list then return nil end
    local s = {}
    for _, p in ipairs(list) do
      s[p] = true
    end
    return s
  end
  local predict, learn = set(opts.predict), set(opts.learn)
  local tindex, cindex = {}, {}
  for i, t in ipairs(st.targets) do
    tindex[t] = i
  end
  for i, k in ipairs(st.classes) do
    cindex[k] = i
  end
  local docs = {}
  local schema = c:schema()
  local scoped = st.named and require('stance.schema').scoped(schema)
  for i, path in ipairs(c:paths()) do
    local labels
    for _, l in ipairs((opts.labels or {})[path] or {}) do
      local t, k = st.named and tindex[l.target] or (not st.named and 1), cindex[l.class]
      if t and k then
        labels = labels or {}
        labels[#labels + 1], labels[#labels + 2], labels[#labels + 3], labels[#labels + 4] = l.start, l.stop, t, k
      end
    end
    local p = not predict or predict[path] == true
    docs[i] = { path = path, predict = p and (opts.all and 'all' or true), learn = not learn or learn[path] == true,
      labels = labels, scope = scoped and H.scope(schema, st.targets, path) or nil }
  end
  local layers, prefer = M.layers(c, opts.annotators, opts.also)
  local jo = H.job_opts(st, layers, prefer, opts)
  jo.unit = c:unit()
  local job, jerr = w:model(c.root, docs, jo)
  if not job then return nil, jerr end
  handlers = handlers or {}
  local done = handlers.on_done
  handlers.on_done = function(ev)
    local ok, res, rerr = pcall(job.results, job)
    if not ok or not res then
      if done then done(nil, (ev and ev.state == 'cancelled') and 'cancelled' or tostring(rerr or res)) end
      return
    end
    if done then done(H.result(st, job, res, opts.decision)) end
  end
  return worker.track(job, handlers)
end

--- The targets (indices into `targets`) document `path` belongs to (the schema's `documents`):
--- outside them its sentences are neither examples nor predicted.
function H.scope(schema, targets, path)
  local out, in_scope = {}, require('stance.schema').in_scope
  for t, name in ipairs(targets) do
    if in_scope(schema, name, path) then out[#out + 1] = t end
  end
  return out
end

--- The job's results in names.
function H.result(st, job, res, decision)
  local out = { setup = st, examples = {}, term_examples = {}, trained = {}, thresholds = {},
    documents = res.documents, learnt = 0 }
  for t, name in ipairs(st.targets) do
    out.examples[name], out.term_examples[name] = {}, {}
    out.trained[name] = res.trained[t]
    out.thresholds[name] = res.thresholds[t]
    for k, cls in ipairs(st.classes) do
      out.examples[name][cls] = res.examples[t][k]
      out.term_examples[name][cls] = res.term_examples[t][k]
    end
  end
  -- sentences learnt: the most examples of any target (every labelled sentence counts for
  -- each target it has a class for)
  for _, name in ipairs(st.targets) do
    local n = 0
    for _, v in pairs(out.examples[name]) do
      n = n + v
    end
    if n > out.learnt then out.learnt = n end
  end
  local nt, nk = #st.targets, #st.classes
  out.predictions = function(i)
    local r = job:results(i)
    local list = {}
    for s = 1, #r.start do
      local per = {}
      for t, name in ipairs(st.targets) do
        local kn = r.known[(s - 1) * nt + t]
        local item = { known = kn > 0 and st.classes[kn] or nil, term = r.terms[(s - 1) * nt + t] == 1 }
        if kn < 0 then
          item = nil -- a target the document does not belong to (the schema's `documents`)
        elseif res.trained[t] then
          local probs = {}
          local base = ((s - 1) * nt + (t - 1)) * nk
          for k = 1, nk do
            probs[st.classes[k]] = r.probs[base + k]
          end
          local best = M.decide(r.probs, base, nk, res.thresholds[t], decision)
          item.class, item.p, item.probs = st.classes[best], r.probs[base + best], probs
          item.stance, item.stance_p = st.classes[best > 1 and best or H.likeliest(r.probs, base, nk)], nil
          item.stance_p = probs[item.stance]
        end
        per[name] = item
      end
      list[s] = { start = r.start[s], stop = r.stop[s], targets = per }
    end
    return list
  end
  return out
end

--- How close the model is to deciding a sentence otherwise toward a target, from its
--- probabilities `probs` ({ [class] = p }, stance.TargetPrediction's probs): the distance of
--- its likeliest stance's probability from the target's threshold (below it: no stance), or,
--- above it, the gap to the second likeliest stance when the target has two or more (the
--- smaller of the two). 0: on the edge of its decision; nil: a
--- decision the model is certain of (its probabilities 0 and 1 only). Active learning
--- (:Stance next-suggestion) asks first where it is smallest.
---@param probs table<string, number>
---@param threshold number|nil the target's (stance.model.run's thresholds; 0.5 when nil)
---@param none string the class of no stance
---@return number|nil
function M.closeness(probs, threshold, none)
  local q1, q2, unsure = 0, nil, false
  for class, q in pairs(probs) do
    if q > 0 and q < 1 then unsure = true end
    if class ~= none then
      if q > q1 then q1, q2 = q, q1
      elseif not q2 or q > q2 then q2 = q end
    end
  end
  if not unsure then return nil end
  threshold = threshold or 0.5
  local d = math.abs(q1 - threshold)
  if q1 >= threshold and q2 and q2 > 0 then d = math.min(d, q1 - q2) end
  return d
end

--- What a suggestion gives a sentence toward one target from its prediction `p` (a target's
--- item of out.predictions): without `min`, the model's decision (p.class: the likeliest
--- stance where its probability reaches the target's threshold, else none) and its
--- probability; with `min` (`stance suggest --min-prob`, `:Stance suggest {min-prob}`), the
--- likeliest stance, decided or not, and its probability (the caller keeps those at `min` or
--- more). One rule for the command and the editor.
---@param p table
---@param min number|nil
---@return string|nil class
---@return number|nil probability
function M.suggested(p, min)
  if min then return p.stance, p.stance_p end
  return p.class, p.p
end

--- The class the model gives a sentence toward a target from its probabilities
--- probs[base + 1 .. base + nk] (class 1: no stance): the likeliest stance when its
--- probability reaches the target's `threshold` (model.h: chosen on the held-out folds),
--- else no stance; with `decision` 'argmax', the likeliest class. One rule for the editor,
--- stance suggest, stance eval and the SemEval evaluation (stance.semeval).
---@param probs number[]
---@param base integer
---@param nk integer
---@param threshold number
---@param decision string|nil
---@return integer class
function M.decide(probs, base, nk, threshold, decision)
  local best = H.likeliest(probs, base, nk)
  if decision == 'argmax' then
    if probs[base + 1] > probs[base + best] then best = 1 end
  elseif probs[base + best] < threshold and probs[base + 1] > 0 then
    best = 1
  end
  return best
end

--- The likeliest stance (class 2..nk) at `base` of probs.
function H.likeliest(probs, base, nk)
  local best = 2
  for k = 3, nk do
    if probs[base + k] > probs[base + best] then best = k end
  end
  return best
end

--- Train and predict, waiting for the result (stance suggest, stance eval, tests).
---@return table|nil result see M.start
---@return string|nil err
function M.run(c, opts)
  local result, why
  local job, err = M.start(c, opts, { on_done = function(res, e) result, why = res, e end })
  if not job then return nil, err end
  if vim then
    vim.wait(600000, function() return result ~= nil or why ~= nil end, 5)
  else
    require('stance.worker').wait(job)
  end
  if not result then return nil, why or job:error() end
  return result
end

return M
