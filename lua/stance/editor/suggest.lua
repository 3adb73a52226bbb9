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

--- Show what the model job predicted for the session's document.
function H.show(s, res, rejected, min, target, quiet)
  if res.stances < 2 then
    s.predictions, s.suggestions = nil, nil
    require('stance.editor.render').redraw(s.buf)
    return nil, ('%d labelled sentence(s): the model needs two stances or more'):format(res.learnt)
  end
  if vim.bo[s.buf].modified then
    return nil, 'the document changed while the model ran: write it and suggest again'
  end
  local at
  for i, d in ipairs(res.documents) do
    if d.path == s.rel then at = i end
  end
  local frame = s:get_frame()
  s.predictions, s.suggestions = {}, {}
  for _, it in ipairs(at and res.predictions(at) or {}) do
    if not rejected[it.start .. ':' .. it.class] then
      it.cp, it.target = { it.start, it.stop }, target
      it.start, it.stop = frame:cp_to_buf(it.cp[1]), frame:cp_to_buf(it.cp[2])
      s.predictions[#s.predictions + 1] = it
      if it.p >= min then s.suggestions[#s.suggestions + 1] = it end
    end
  end
  s.suggest_target = target
  require('stance.editor.render').redraw(s.buf)
  if not quiet then
    require('stance.compat').echo(('%d suggestion(s) at or above %.2f (of %d sentences predicted; learnt from %d)')
      :format(#s.suggestions, min, #s.predictions, res.learnt))
  end
  return #s.suggestions
end

--- :Stance suggest [TARGET] [MIN-PROB]: train on the corpus's annotations and predict the
--- document's unannotated sentences, on the worker's threads; the suggestions appear when
--- the job is done. `opts.wait` waits for it (tests); `opts.quiet` says nothing.
---@param target string|nil
---@param min number|nil
---@param opts {quiet: boolean|nil, wait: boolean|nil}|nil
---@return integer|nil shown with opts.wait: the suggestions shown
function M.run(target, min, opts)
  opts = opts or {}
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  min = min or 0.6
  s.suggest_min = min
  if s.dirty then require('stance.editor.persist').save(s, { force = true }) end
  if vim.bo[s.buf].modified then
    return require('stance.notify').error('write the document first: suggestions are made for the text as saved')
  end
  if s.suggest_job then s.suggest_job:cancel() end -- a newer run replaces it
  local rejected = H.rejected(assert(s.corpus:document(s.rel)))
  local shown, done = nil, false
  local job
  job, err = require('stance.model').start(s.corpus, { target = target, predict = { s.rel } }, {
    on_done = function(res, why)
      if s.suggest_job ~= job then return end -- replaced by a newer run
      s.suggest_job, done = nil, true
      if s.detached then return end
      if not res then
        if why ~= 'cancelled' then require('stance.notify').error('suggestions: ' .. tostring(why)) end
        return
      end
      local serr
      shown, serr = H.show(s, res, rejected, min, target, opts.quiet)
      if not shown then require('stance.notify').error(serr) end
    end,
  })
  if not job then return require('stance.notify').error(err) end
  s.suggest_job = job
  if opts.wait then
    vim.wait(60000, function() return done end, 5)
    return shown
  end
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
      M.run(s.suggest_target, s.suggest_min, { quiet = true })
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
