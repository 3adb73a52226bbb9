--- Suggestions in the editor: the stance model (stance.model) trained on the corpus's
--- annotations predicts a stance for every sentence of the document that nobody annotated;
--- those at or above the threshold are drawn in a ghost style with their label and
--- probability. Accepting one makes it an annotation (undoable); rejecting one keeps it as
--- a negative example in the `model` layer, so that it is not suggested again.
--- `:Stance next-suggestion` goes to the sentence the model is least sure about.
local M = {}
local H = {}

local where = require('stance.editor.where')

--- Rejected suggestions of the document: { [start .. ':' .. class] = true } (code points).
function H.rejected(doc)
  local out = {}
  local layer = doc:layer('model')
  for _, r in ipairs(layer and layer:records('annotation') or {}) do
    if r.note and r.note:match('^rejected') then out[r.spans[1][1] .. ':' .. (r.stance or '')] = true end
  end
  return out
end

--- :Stance suggest [TARGET] [MIN-PROB]: predict the document's unannotated sentences.
---@param target string|nil
---@param min number|nil
---@return integer|nil shown
function M.run(target, min, quiet)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  min = min or 0.6
  s.suggest_min = min
  if s.dirty then require('stance.editor.persist').save(s, { force = true }) end
  if vim.bo[s.buf].modified then
    return require('stance.notify').error('write the document first: suggestions are made for the text as saved')
  end
  local model = require('stance.model')
  local c = s.corpus
  local ex = model.examples(c, { target = target })
  local classes = {}
  for _, e in ipairs(ex) do
    classes[e.label] = true
  end
  if vim.tbl_count(classes) < 2 then
    return require('stance.notify').error(('%d labelled sentence(s): the model needs two stances or more'):format(#ex))
  end
  local nb = model.train(ex, require('stance.lexicon').load(c.root))
  local doc = assert(c:document(s.rel))
  local humans = {}
  for _, n in ipairs(doc:annotators()) do
    if n ~= 'model' then humans[#humans + 1] = n end
  end
  if #humans == 0 then humans = { s.annotator } end
  local rejected = H.rejected(doc)
  local frame = s:get_frame()
  s.predictions, s.suggestions = {}, {}
  for _, sen in ipairs(model.unlabelled(doc, humans, target)) do
    local cls, p, probs = model.predict(nb, sen.text)
    if not rejected[sen.start .. ':' .. cls] then
      local it = { start = frame:cp_to_buf(sen.start), stop = frame:cp_to_buf(sen.stop), cp = { sen.start, sen.stop },
        class = cls, p = p, probs = probs, target = target }
      s.predictions[#s.predictions + 1] = it
      if p >= min then s.suggestions[#s.suggestions + 1] = it end
    end
  end
  nb:close()
  s.suggest_target = target
  require('stance.editor.render').redraw(s.buf)
  if quiet then return #s.suggestions end
  require('stance.compat').echo(('%d suggestion(s) at or above %.2f (of %d sentences predicted; learnt from %d)')
    :format(#s.suggestions, min, #s.predictions, #ex))
  return #s.suggestions
end

--- After an annotation changed, learn again and suggest again (debounced), while
--- suggestions are shown: the model learns from what you annotate as you go.
function M.relearn(s)
  if not s.suggestions then return end
  local uv = require('stance.compat').uv
  s.relearn_timer = s.relearn_timer or uv.new_timer()
  s.relearn_timer:stop()
  s.relearn_timer:start(M.delay, 0, function()
    vim.schedule(function()
      if s.detached or vim.api.nvim_get_current_buf() ~= s.buf then return end
      M.run(s.suggest_target, s.suggest_min, true)
    end)
  end)
end

M.delay = 800

--- The suggestion under the cursor (or nil).
function H.here(s)
  local off = where.cursor()
  for i, it in ipairs(s.suggestions or {}) do
    if it.start <= off and off < it.stop then return it, i end
  end
end

local function forget(s, it)
  for _, list in ipairs({ s.suggestions or {}, s.predictions or {} }) do
    for i = #list, 1, -1 do
      if list[i] == it then table.remove(list, i) end
    end
  end
  require('stance.editor.render').redraw(s.buf)
end

--- Accept the suggestion under the cursor: it becomes an annotation of yours (undoable).
function M.accept()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local it = H.here(s)
  if not it then return require('stance.notify').warn('no suggestion under the cursor') end
  local a, b = require('stance.editor.ops').trim(s.buf, it.start, it.stop)
  local rec, aerr = require('stance.editor.ops').create(s, { { a, b } },
    { label = it.class, target = it.target, stance = it.class })
  if not rec then return require('stance.notify').error(aerr) end
  forget(s, it)
  return rec
end

--- Reject the suggestion under the cursor: kept in the model layer as a negative example.
function M.reject()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local it = H.here(s)
  if not it then return require('stance.notify').warn('no suggestion under the cursor') end
  local doc = assert(s.corpus:document(s.rel))
  local layer = assert(doc:layer('model'))
  local ok, lerr = layer:add('annotation', { spans = { it.cp }, label = it.class, stance = it.class, target = it.target,
    confidence = ('%.3f'):format(it.p), note = 'rejected by ' .. s.annotator })
  if not ok then return require('stance.notify').error(lerr) end
  local saved, serr = layer:save()
  if not saved then return require('stance.notify').error(serr) end
  forget(s, it)
  return true
end

--- Go to the sentence the model is least sure about (the smallest top probability).
function M.next()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  if not s.predictions or #s.predictions == 0 then
    return require('stance.notify').warn('no predictions: run :Stance suggest first')
  end
  local best
  for _, it in ipairs(s.predictions) do
    if not best or it.p < best.p then best = it end
  end
  vim.cmd("normal! m'")
  where.jump(best.start)
  require('stance.compat').echo(('least sure: %s %.2f (%s)'):format(best.class, best.p, table.concat(vim.tbl_map(
    function(x) return ('%.2f'):format(x) end, best.probs), ' / ')))
  return best
end

--- Marks for the visible rows: ghost spans and the label with its probability.
---@param g table the grid of stance.editor.render (top, bot, starts, rows, row_of)
function M.plan(s, g)
  local top, bot, starts, rows = g.top, g.bot, g.starts, g.rows
  local list = s.suggestions or {}
  -- sentences are in text order and do not overlap: find the first visible one by halving
  local lo, hi = 1, #list + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if list[mid].stop <= starts[top] then lo = mid + 1 else hi = mid end
  end
  for i = lo, #list do
    local it = list[i]
    if it.start >= starts[bot + 1] then break end
    if it.stop > starts[top] then
      local _, er = require('stance.editor.render').place(g, it.start, it.stop, { span = 'StanceSuggestion' }, true)
      if er >= top and er <= bot then
        rows[er] = rows[er] or {}
        rows[er].ghost = ('%s %.2f?'):format(it.class, it.p)
      end
    end
  end
end

return M
