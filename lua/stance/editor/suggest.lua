--- Suggestions in the editor: the stance model (stance.model), trained on the corpus's
--- annotations, predicts for each target the stance of every sentence of the document that
--- no annotator has read yet; where it predicts a stance, a ghost at the end of the sentence
--- says the target, the stance and its probability, in the target's color (its sentence is
--- drawn in the suggestion style). Accepting one (`g+`) makes it a complete annotation: the
--- schema's label for that target and stance, and what the label asks for (a role); rejecting
--- one (`g-`) keeps it in the `model` layer, where the model learns that the sentence has no
--- such stance, and it is not suggested again. Both retrain in the background.
--- `:Stance next-suggestion` goes to the sentence whose label would teach the model most.
local M = {}
local H = {}

local where = require('stance.editor.where')

M.ns = vim.api.nvim_create_namespace('stance_suggestions')
M.delay = 800
--- A ghost whose stance the model saw fewer examples of than this (toward its target) says
--- how many: its probability is calibrated on those few.
M.few = 20

--- What the model learnt from, per target with a model, in the schema's order: the examples
--- of each stance and of none ("engagement favor 3 none 15"); and the examples of each
--- target's stances ({ [target] = { [stance] = n } }).
---@param res table stance.model's result
---@return string[] parts
function M.learnt(res)
  local parts = {}
  for _, t in ipairs(res.setup.targets) do
    if res.trained[t] then
      local seen = {}
      for i = 2, #res.setup.classes + 1 do -- the stances, then none
        local k = res.setup.classes[i] or res.setup.classes[1]
        local n = res.examples[t][k] or 0
        if n > 0 then seen[#seen + 1] = ('%s %d'):format(k, n) end
      end
      parts[#parts + 1] = (res.setup.named and (t .. ' ') or '') .. table.concat(seen, ' ')
    end
  end
  return parts
end

--- What the model job predicted for the session's document: s.predictions (sentences, bytes)
--- and s.suggestions (per sentence and target with a stance predicted, in text order).
function H.show(s, res, rejected, min, quiet)
  if vim.bo[s.buf].modified and not s.held then
    return nil, 'the document changed while the model ran: write it and suggest again'
  end
  local at
  for i, d in ipairs(res.documents) do
    if d.path == s.rel then at = i end
  end
  local trained = {}
  for t, ok in pairs(res.trained) do
    if ok then trained[#trained + 1] = t end
  end
  table.sort(trained)
  local frame = s:get_frame()
  s.predictions, s.suggestions = {}, {}
  local suggested = require('stance.model').suggested
  for _, it in ipairs(at and res.predictions(at) or {}) do
    it.cp = { it.start, it.stop }
    it.start, it.stop = frame:cp_to_buf(it.cp[1]), frame:cp_to_buf(it.cp[2])
    it.prose = require('stance.model').is_prose(H.text(s, it))
    s.predictions[#s.predictions + 1] = it
    local here = {}
    for target, p in pairs(it.targets) do
      local class, prob = suggested(p, min)
      -- (one definition with stance suggest and stance eval: the model's decision, whatever its
      -- probability, or with MIN-PROB the likeliest stance of that probability or more)
      if it.prose and not p.known and class and class ~= res.setup.none and (not min or prob >= min)
        and not rejected[it.cp[1] .. ':' .. target .. ':' .. class] then
        here[#here + 1] = { start = it.start, stop = it.stop, cp = it.cp, target = target, class = class, p = prob,
          sentence = it }
      end
    end
    table.sort(here, function(a, b)
      if a.p ~= b.p then return a.p > b.p end
      return a.target < b.target
    end)
    for _, g in ipairs(here) do
      s.suggestions[#s.suggestions + 1] = g
    end
  end
  s.suggest_res = res
  H.ask_again(s)
  M.draw(s)
  require('stance.editor.render').redraw(s.buf)
  if #trained == 0 then
    return nil, ('%d labelled sentence(s): no target has two classes yet (a stance, and sentences read without'
      .. ' one)'):format(res.learnt)
  end
  if not quiet then
    -- how little it learnt from, per target and stance (the probabilities are no better)
    H.echo(('stance: %d suggestion(s), learnt from %d sentences: %s'):format(#s.suggestions, res.learnt,
      table.concat(M.learnt(res), '; ')))
  end
  return #s.suggestions
end

--- The layer files the job left out for their errors (stance.model.skipped: file:line:col of
--- the first error, as the job met it: not read again here), each said once in the session, on
--- one line of the message area (whole in :messages), however often the model learns again.
function H.say_skipped(s, res)
  s.skipped_said = s.skipped_said or {}
  for _, line in ipairs(require('stance.model').skipped(s.corpus, res.documents)) do
    if not s.skipped_said[line] then
      s.skipped_said[line] = true
      require('stance.notify').line('suggestions: ' .. line, vim.log.levels.WARN)
    end
  end
end

--- The text of a prediction's sentence (buffer bytes).
function H.text(s, it)
  local r1, c1 = where.pos(s.buf, it.start)
  local r2, c2 = where.pos(s.buf, it.stop)
  return table.concat(vim.api.nvim_buf_get_text(s.buf, r1, c1, r2, c2, {}), ' ')
end

--- Say `msg` on the command line, cut to fit it (no "Press ENTER"), whole in :messages.
function H.echo(msg)
  require('stance.compat').echo(msg)
end

--- The ghosts: on Neovim 0.10 and later, real extmarks inline at the end of each suggested
--- sentence, one per sentence end with its ghosts in order (s.ghost_places): Neovim then
--- knows the rows each line takes (scrolling, the cursor kept in view). Neovim wraps virtual
--- text at any cell: the window's plan (stance.editor.render) fits each place's ghosts with
--- the row's other marks (stance.editor.wrapfit), and M.refit sets the blanks that move a
--- ghost whole to the next screen row (a ghost was cut in two at the window's edge: "enga" /
--- "gement favor 0.10?"). Before 0.10, where virtual text can only follow a line, they are
--- drawn as the labels of annotations are (M.plan adds them to the window's plan): after the
--- line when their sentence ends it and they fit in what is left of its last screen row,
--- else in a virtual line under it, after the sentence's last words (stance.editor.under): a
--- ghost after a long wrapped paragraph was cut at the window's edge, its stance and
--- probability unseen.
function M.draw(s)
  if not vim.api.nvim_buf_is_valid(s.buf) then return end
  vim.api.nvim_buf_clear_namespace(s.buf, M.ns, 0, -1)
  local old = {}
  for _, p in ipairs(s.ghost_places or {}) do
    old[p.stop .. '\0' .. p.sig] = p
  end
  s.ghost_places = nil
  if not H.inline then return end
  local places = {}
  for _, g in ipairs(s.suggestions or {}) do
    local p = places[#places]
    if not (p and p.stop == g.stop) then
      p = { stop = g.stop, chunks = {} }
      places[#places + 1] = p
    end
    p.chunks[#p.chunks + 1] = H.chunk(s, g)
  end
  for _, p in ipairs(places) do
    p.sig = M.sig(p.chunks)
    local before = old[p.stop .. '\0' .. p.sig] -- (fitted as it was: drawn whole at once)
    p.shown = before and before.shown or nil
    local row, col = where.pos(s.buf, p.stop)
    local ok, id = pcall(vim.api.nvim_buf_set_extmark, s.buf, M.ns, row, col, {
      virt_text = p.shown or p.chunks, virt_text_pos = 'inline', right_gravity = false, priority = H.PRIORITY })
    if ok then p.id = id end
  end
  s.ghost_places = places
end

--- The priority of the ghosts' marks: after the labels of annotations that end at the same
--- place (stance.editor.render draws them at 153), as the window's plan fits them.
H.PRIORITY = 160

--- A signature of virtual text `chunks` (its texts and groups).
function M.sig(chunks)
  local parts = {}
  for i, c in ipairs(chunks) do
    parts[i] = c[1] .. '\1' .. (c[2] or '')
  end
  return table.concat(parts, '\2')
end

--- Ghosts fitted anew to the rows of the window they are drawn in (stance.editor.render,
--- after its plan: a place's chunks with the blanks that move a ghost to the next screen
--- row, or as they are): `fits` is a list of { place, shown }; the marks of the places still
--- shown are set again with it.
function M.refit(s, fits)
  if not vim.api.nvim_buf_is_valid(s.buf) then return end
  local current = {}
  for _, p in ipairs(s.ghost_places or {}) do
    current[p] = true
  end
  local first
  for _, f in ipairs(fits) do
    local p, shown = f[1], f[2]
    if current[p] and p.id and M.sig(shown) ~= M.sig(p.shown or p.chunks) then
      local at = vim.api.nvim_buf_get_extmark_by_id(s.buf, M.ns, p.id, {})
      if at and at[1] and pcall(vim.api.nvim_buf_set_extmark, s.buf, M.ns, at[1], at[2], { id = p.id,
        virt_text = shown, virt_text_pos = 'inline', right_gravity = false, priority = H.PRIORITY }) then
        p.shown = M.sig(shown) ~= p.sig and shown or nil
        first = math.min(first or at[1], at[1])
      end
    end
  end
  -- the windows drawn again whole (not cleared): Neovim drew the last line of a window, shown
  -- in part, as it was, also when its rows were drawn again (a ghost cut there until CTRL-L)
  if first then
    for _, w in ipairs(vim.fn.win_findbuf(s.buf)) do
      if not pcall(vim.api.nvim__redraw, { win = w, valid = false }) then
        require('stance.compat').redraw_rows(s.buf, first, vim.api.nvim_buf_line_count(s.buf))
      end
    end
  end
end

H.inline = vim.fn.has('nvim-0.10') == 1

--- The text of ghost `g` and its highlight group: { ' engagement favor 0.54? (8 examples)', group }.
function H.chunk(s, g)
  local named = s.suggest_res and s.suggest_res.setup.named
  local label = (named and (g.target .. ' ') or '') .. ('%s %.2f?'):format(g.class, g.p)
  -- below the threshold, shown where :Stance next-suggestion went: a question to answer
  if g.question then label = label .. ' (a guess: g+ / g-)' end
  local ex = s.suggest_res and s.suggest_res.examples[g.target]
  local n = ex and ex[g.class]
  if n and n < M.few then label = label .. (' (%d example%s)'):format(n, n == 1 and '' or 's') end
  local group = named and require('stance.editor.highlight').ghost_group(g.target) or 'StanceSuggestionText'
  if vim.fn.hlexists(group) == 0 then group = 'StanceSuggestionText' end
  return { ' ' .. label, group }
end

--- :Stance suggest [TARGET] [MIN-PROB]: train on the corpus's annotations and predict the
--- document's sentences nobody has read, on the worker's threads; the suggestions appear when
--- the job is done. Without MIN-PROB the model's decisions as `stance suggest` and `stance
--- eval` make them (the likeliest stance where it reaches its target's threshold, whatever
--- its probability: the ghost shows it); with it, as `stance suggest --min-prob`: the
--- likeliest stance of every unread sentence and target whose probability is MIN-PROB or more,
--- decided or not (0: every one). `opts.wait` waits for it (tests); `opts.quiet` says nothing.
---@param target string|nil
---@param min number|nil nil: the model's decisions
---@param opts {quiet: boolean|nil, wait: boolean|nil}|nil
---@return integer|nil shown with opts.wait: the suggestions shown
function M.run(target, min, opts)
  opts = opts or {}
  local s, err = opts.session, nil
  if not s then s, err = require('stance.editor.session').current() end
  if not s then return require('stance.notify').error(err) end
  s.suggest_min, s.suggest_target = min, target
  if s.dirty then require('stance.editor.persist').save(s, { force = true }) end
  if s.dirty and (s.readonly or s.write_error) then
    -- your changes are not saved (your layer's file has errors on disk, a link is in its
    -- place, a write failed): the model would learn from the file without them. A retraining
    -- waits quietly until they are saved (persist says why, and learns then); :Stance suggest
    -- says the real reason, never "write the document" (its 'modified' is for the changes held)
    s.relearn_held = true
    if opts.quiet then
      s.next_waiting = nil
      return
    end
    return require('stance.notify').line('suggestions wait for your changes to be saved: '
      .. (s.readonly or s.write_error), vim.log.levels.ERROR)
  end
  if vim.bo[s.buf].modified and not s.held then
    return require('stance.notify').error('write the document first: suggestions are made for the text as saved')
  end
  if s.suggest_job then s.suggest_job:cancel() end -- a newer run replaces it
  local st, serr = require('stance.model').setup(s.corpus, { target = target })
  if not st then return require('stance.notify').error(serr) end
  -- the suggestions rejected here are not shown again; those of every document teach "none"
  -- (as in stance suggest and stance eval: one rule)
  local rejected = require('stance.model').rejected(assert(s.corpus:document(s.rel)), st.none)
  local labels = require('stance.model').rejections(s.corpus, st.none)
  local shown, done = nil, false
  local job
  job, err = require('stance.model').start(s.corpus, { target = target, predict = { s.rel }, setup = st,
    also = { s.annotator }, labels = labels }, {
    on_done = function(res, why)
      if s.suggest_job ~= job then return end -- replaced by a newer run
      s.suggest_job, done = nil, true
      if s.detached then return end
      if not res then
        s.next_waiting = nil
        if why ~= 'cancelled' then require('stance.notify').error('suggestions: ' .. tostring(why)) end
        return
      end
      local why_none
      shown, why_none = H.show(s, res, rejected, min, opts.quiet)
      H.say_skipped(s, res) -- (after the count: the last line said stays on the screen)
      -- what making the suggestions left (the job's result as Lua tables) is collected while
      -- idle, not by the next screen updates
      require('stance.editor.idle_collect').start()
      if not shown and not opts.quiet then require('stance.notify').warn(why_none) end
      H.went_on(s)
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
--- The ghosts of sentences that an annotation of yours now covers go at once (the model
--- learns it a moment later): an annotation made, or brought back by an undo or a redo.
--- While the document is in no window when the time comes (another buffer in the only
--- window), it is done when the document is shown again.
function M.relearn(s)
  if not s.suggestions then return end
  if H.prune(s) then
    M.draw(s)
    require('stance.editor.render').redraw(s.buf)
  end
  s.relearn_pending = true -- (until the run starts: :Stance next-suggestion waits for it)
  s.relearn_timer = require('stance.compat').restart_timer(s.relearn_timer, M.delay, function() H.relearn_now(s) end)
end

function H.relearn_now(s)
  if s.detached or not vim.api.nvim_buf_is_valid(s.buf) then
    s.relearn_pending, s.next_waiting = nil, nil
    return
  end
  if vim.fn.bufwinid(s.buf) == -1 then
    if not s.relearn_later then
      s.relearn_later = true
      vim.api.nvim_create_autocmd('BufWinEnter', { buffer = s.buf, once = true, callback = function()
        s.relearn_later = nil
        vim.schedule(function() H.relearn_now(s) end)
      end })
    end
    return
  end
  s.relearn_pending = nil
  M.run(s.suggest_target, s.suggest_min, { quiet = true, session = s })
  if not s.suggest_job then s.next_waiting = nil end -- it did not start (and said why)
end

--- Whether suggestions are about to be made again or being made (a retraining pending after
--- an annotation changed, or a run under way): what is shown is about to be replaced.
function H.busy(s)
  return s.relearn_pending or s.suggest_job ~= nil
end

--- After a run: when :Stance next-suggestion waited for it (the suggestions were being made
--- again), it goes on now, in the window it was asked in, unless the cursor has moved since,
--- the mode or the text changed, the user left (H.drop_wait_on_leave) or it took too long.
function H.went_on(s)
  local w = s.next_waiting
  if not w or H.busy(s) then return end
  s.next_waiting = nil
  local win = vim.api.nvim_get_current_win()
  if win ~= w.win or vim.api.nvim_win_get_buf(win) ~= s.buf then return end
  local at = vim.api.nvim_win_get_cursor(win)
  if at[1] ~= w.cursor[1] or at[2] ~= w.cursor[2] then return end
  -- only in Normal mode, the text as it was, soon after (never a jump out of the blue)
  if vim.api.nvim_get_mode().mode ~= 'n' or vim.api.nvim_buf_get_changedtick(s.buf) ~= w.tick then return end
  if (vim.uv or vim.loop).now() - w.at > H.WAIT_MS then return end
  M.next(s)
end

H.WAIT_MS = 15000 -- the longest :Stance next-suggestion goes on after its "a moment"

--- The wait of :Stance next-suggestion is dropped when the user does something else: leaves
--- the buffer or the window, or changes mode (Visual, Insert, a command line).
function H.drop_wait_on_leave(s)
  local group = vim.api.nvim_create_augroup('StanceNextWait', { clear = true })
  local function drop()
    s.next_waiting = nil
    pcall(vim.api.nvim_del_augroup_by_id, group)
    return true
  end
  vim.api.nvim_create_autocmd({ 'BufLeave', 'WinLeave', 'InsertEnter', 'CmdlineEnter' },
    { group = group, callback = drop })
  if vim.fn.exists('##ModeChanged') == 1 then -- Visual, Select (0.7.2 has no such event: the mode is checked)
    vim.api.nvim_create_autocmd('ModeChanged', { group = group, pattern = '*:[vVsS\22\19]*', callback = drop })
  end
end

--- The question :Stance next-suggestion asked (s.asked: the sentence and the target), asked
--- again on the suggestions just made (recomputed on the new model, at the same sentence),
--- so that a retraining does not take away what is on the screen and `g+`/`g-` act on it;
--- forgotten when the sentence is labelled toward that target, or no longer predicted.
function H.ask_again(s)
  local a = s.asked
  if not a then return end
  s.asked = nil
  for _, it in ipairs(s.predictions or {}) do
    if it.cp[1] == a.cp and it.prose then
      local p = it.targets[a.target]
      if p and not p.known and p.probs then H.ask(s, it, a.target) end
      return
    end
  end
end

--- Take out of the suggestions those whose sentence an annotation of yours covers toward
--- their target (any annotation with a stance, for a model that names no target). Whether
--- one was taken out.
function H.prune(s)
  local named = s.suggest_res and s.suggest_res.setup.named
  local kept, gone = {}, false
  for _, g in ipairs(s.suggestions or {}) do
    local covered = false
    for _, h in ipairs(s.store:query(g.start, g.stop)) do
      local r = s.store:get(h.id, h.conflict)
      if r and r.kind == 'annotation' and r.stance and (not named or r.target == g.target) then covered = true end
    end
    if covered then gone = true else kept[#kept + 1] = g end
  end
  if gone then s.suggestions = kept end
  return gone
end

--- The suggestions of the sentence under the cursor, likeliest first (or an empty list); the
--- one :Stance next-suggestion asked about first of all (s.asked): `g+` and `g-` answer the
--- question asked, also where the sentence has ghosts of other targets.
function H.here(s)
  local off, out = where.cursor(), {}
  local a = s.asked
  for _, it in ipairs(s.suggestions or {}) do
    if it.start <= off and off < it.stop then
      if a and it.cp[1] == a.cp and it.target == a.target then
        table.insert(out, 1, it)
        a = nil
      else
        out[#out + 1] = it
      end
    end
  end
  return out
end

local function forget(s, it)
  if s.asked and s.asked.cp == it.cp[1] then s.asked = nil end -- answered
  for i = #(s.suggestions or {}), 1, -1 do
    if s.suggestions[i] == it then table.remove(s.suggestions, i) end
  end
  M.draw(s)
  require('stance.editor.render').redraw(s.buf)
end

--- Accept the suggestion under the cursor (the likeliest when the sentence has several): it
--- becomes an annotation of yours (undoable), with what its label asks for and the model's
--- probability as its `confidence` (what marks it as accepted, not read up to).
function M.accept()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local it = H.here(s)[1]
  if not it then return require('stance.notify').warn('no suggestion under the cursor') end
  if s.readonly then return require('stance.notify').line(s.readonly, vim.log.levels.ERROR) end -- before the prompt
  local schema = s.corpus:schema()
  local named = s.suggest_res and s.suggest_res.setup.named
  local target = named and it.target or nil
  local label = require('stance.model').label_for(schema, it.target, it.class)
  if not label then
    return require('stance.notify').error(("no label of the schema sets stance '%s'"):format(it.class))
  end
  local preset = { label = label.name, stance = it.class, target = target }
  local fields = require('stance.editor.prompt').label(schema, preset, nil, nil, s.rel)
  if not fields then return end
  -- the model's probability stays on it: an accepted suggestion decides its own sentence, and
  -- does not move how far the annotator read the document (|stance-model|)
  fields.confidence = ('%.3f'):format(it.p)
  local ops = require('stance.editor.ops')
  local a, b = ops.trim(s.buf, it.start, it.stop)
  -- (what `u` and <C-r> then say: "undone: accepting the suggestion climate favor 0.88")
  local what = ('accepting the suggestion %s%s %.2f'):format(named and it.target and (it.target .. ' ') or '',
    it.class, it.p)
  local rec, aerr = ops.as_one(s, what, function() return ops.create(s, { { a, b } }, fields) end)
  if not rec then return require('stance.notify').line(aerr, vim.log.levels.ERROR) end
  forget(s, it)
  M.relearn(s)
  require('stance.compat').echo(('accepted: %s on "%s" (now yours; u undoes it)')
    :format(require('stance.editor.nav').describe(rec), require('stance.editor.nav').quote(s.buf, rec.spans, 30)))
  return rec
end

--- Reject the suggestion under the cursor: kept in the model layer, where it teaches that the
--- sentence takes no such stance toward the target.
function M.reject()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local it = H.here(s)[1]
  if not it then return require('stance.notify').warn('no suggestion under the cursor') end
  local doc = assert(s.corpus:document(s.rel))
  local layer, merr = doc:layer('model')
  if not layer then return require('stance.notify').error(merr) end
  local named = s.suggest_res and s.suggest_res.setup.named
  local label = require('stance.model').label_for(s.corpus:schema(), it.target, it.class) or { name = it.class }
  local ok, lerr = layer:add('annotation', { spans = { it.cp }, label = label.name, stance = it.class,
    target = named and it.target or nil, confidence = ('%.3f'):format(it.p), note = 'rejected by ' .. s.annotator })
  if not ok then return require('stance.notify').error(lerr) end
  local saved, serr = layer:save()
  if not saved then return require('stance.notify').error(serr) end
  forget(s, it)
  M.relearn(s)
  require('stance.compat').echo(('rejected: %s %s %.2f on "%s" (kept in the model layer: it learns from it)')
    :format(it.target or '', it.class, it.p, require('stance.editor.nav').quote(s.buf, { { it.start, it.stop } }, 30)))
  return true
end

--- How much a sentence's label would teach the model (active learning by uncertainty about
--- its decisions): 1 minus the smallest closeness to a decision of the targets the annotators have not
--- labelled it for (stance.model.closeness); 0 when the model is certain of every one (or has none). The sentence the
--- model is nearest to deciding otherwise for some target is the one whose label moves it
--- most (measured against the entropy of its classes summed over the targets, which chose
--- worse than reading order: make bench, section model, active learning).
---@param it table a prediction of the session (stance.model's sentence prediction)
---@param res table the suggestions' result (stance.model.run: thresholds, setup.none)
---@return number
---@return string|nil target the target nearest to its decision
function M.information(it, res)
  local best, target
  for t, p in pairs(it.targets) do
    if not p.known then
      local d = p.probs and require('stance.model').closeness(p.probs, res.thresholds[t], res.setup.none)
      if d and (not best or d < best or (d == best and t < target)) then best, target = d, t end
    end
  end
  return best and 1 - best or 0, target
end

--- Go to the sentence whose label would teach the model most (not a byline or a dateline).
--- While the suggestions are being made (the first time, or again after an annotation, an
--- acceptance or a rejection changed what the model learns from), it says "a moment" and
--- goes there once they are made: what it would ask now would be gone a moment later.
---@param s table|nil the session (default: the current one)
function M.next(s)
  local err
  if not s then s, err = require('stance.editor.session').current() end
  if not s then return require('stance.notify').error(err) end
  if H.busy(s) and (s.suggest_res or s.suggest_job) then
    local win = vim.api.nvim_get_current_win()
    s.next_waiting = { win = win, cursor = vim.api.nvim_win_get_cursor(win), at = (vim.uv or vim.loop).now(),
      tick = vim.api.nvim_buf_get_changedtick(s.buf) }
    H.drop_wait_on_leave(s)
    return require('stance.notify').line(s.suggest_res
      and 'the model is learning from your last change: a moment (then it goes on)'
      or 'the suggestions are still being made: a moment (then it goes on)', vim.log.levels.WARN)
  end
  if not s.suggest_res then
    return require('stance.notify').line('no suggestions made yet for this document: run :Stance suggest first',
      vim.log.levels.WARN)
  end
  local best, most, toward
  for _, it in ipairs(s.predictions or {}) do
    local info, target = 0, nil
    if it.prose then info, target = M.information(it, s.suggest_res) end
    if info > 0 and (not most or info > most) then best, most, toward = it, info, target end
  end
  if not best then return require('stance.notify').line(H.nothing_left(s), vim.log.levels.WARN) end
  vim.cmd("normal! m'")
  where.jump(best.start)
  local parts = {}
  for target, p in pairs(best.targets) do
    if not p.known and p.probs then
      parts[#parts + 1] = ('%s%s %.2f'):format(s.suggest_res.setup.named and (target .. ' ') or '', p.class, p.p)
    end
  end
  table.sort(parts)
  local guess = H.question(s, best, toward)
  H.in_view(s, vim.api.nvim_get_current_win(), (where.pos(s.buf, best.stop)))
  local named = s.suggest_res.setup.named
  -- one sentence that fits the command line (never a Press ENTER): the question first, then
  -- why the cursor came here and the other targets' guesses, each only when there is room
  local room = (vim.v.echospace or (vim.o.columns - 12)) - 1
  local msg
  if guess then
    local what = ('%s%s'):format(named and (guess.target .. ' ') or '', guess.class)
    msg = ('Is it %s (%.2f)? g+ accepts it, g- rejects it.'):format(what, guess.p)
    local own = ('%s%s %.2f'):format(named and (guess.target .. ' ') or '', guess.class, guess.p)
    local others = {}
    for _, part in ipairs(parts) do
      if part ~= own then others[#others + 1] = part end
    end
    if vim.fn.strdisplaywidth('Most to learn here. ' .. msg) <= room then msg = 'Most to learn here. ' .. msg end
    local more = #others > 0 and (' Other guesses: %s.'):format(table.concat(others, ', ')) or ''
    if more ~= '' and vim.fn.strdisplaywidth(msg .. more) <= room then msg = msg .. more end
  else
    msg = ('Most to learn here (its guesses: %s; none left to accept).'):format(table.concat(parts, ', '))
  end
  H.echo(msg)
  return best
end

--- The ghost asked about at line `row` (0-based) of window `win` brought into view: the jump
--- shows the cursor's row only, and on Neovim 0.7 the ghost may be on a virtual line under
--- the line (stance.editor.under, placed after the screen update): the cursor went to the
--- last row of the window and the question's ghost was below it. After the screen update, the
--- view scrolls (CTRL-E, the cursor kept) until the line is shown whole with the lines under
--- it, or the line is at the top.
function H.in_view(s, win, row)
  vim.cmd('redraw') -- (the marks and virtual lines of the rows now shown are placed after it)
  vim.schedule(function()
    if not (vim.api.nvim_win_is_valid(win) and vim.api.nvim_win_get_buf(win) == s.buf) then return end
    local under = require('stance.editor.under')
    local below = #vim.api.nvim_buf_get_extmarks(s.buf, under.ns, { row, 0 }, { row, -1 }, { limit = 1 }) > 0
    local last = vim.api.nvim_buf_line_count(s.buf)
    -- the line whole (its ghost inside or after it), and the virtual lines under it: drawn as
    -- the filler above the next line
    local want = math.min(row + (below and 2 or 1), last)
    vim.api.nvim_win_call(win, function()
      for _ = 1, 100 do
        if vim.fn.line('w$') >= want or vim.fn.line('w0') >= math.min(row + 1, vim.fn.line('.')) then return end
        vim.cmd('normal! \5')
      end
    end)
  end)
end

--- Why :Stance next-suggestion has no sentence to go to once suggestions were made: what is
--- true of the document (every sentence labelled toward the targets the suggestions were for,
--- those the document belongs to; or no model learnt for a target left open; or only lines
--- that are not prose left).
function H.nothing_left(s)
  local res, schema = s.suggest_res, s.corpus:schema()
  local in_scope = require('stance.schema').in_scope
  local names, open_untrained, open_prose, open_other = {}, false, false, false
  for _, t in ipairs(res.setup.targets) do
    if not res.setup.named or in_scope(schema, t, s.rel) then names[#names + 1] = t end
  end
  for _, it in ipairs(s.predictions or {}) do
    for _, p in pairs(it.targets) do
      if not p.known then
        if not p.probs then open_untrained = true
        elseif it.prose then open_prose = true
        else open_other = true end
      end
    end
  end
  local toward = ''
  if res.setup.named then
    toward = #names == 0 and ' (no target of the schema applies to it)'
      or (' toward %s'):format(#names == 1 and names[1] or table.concat(names, ', '))
  end
  if open_untrained then
    return ('nothing to ask: the model has learnt no target still open in %s (each needs a stance and sentences'
      .. ' read without one)'):format(s.rel)
  end
  if open_prose then -- (every open guess was certain: M.information 0)
    return ('nothing to ask: the model is sure of every sentence of %s still open'):format(s.rel)
  end
  return ('nothing left to ask: every sentence of %s is labelled or decided%s%s'):format(s.rel, toward,
    open_other and ', but for lines that are not prose (bylines, datelines: never asked)' or '')
end

--- The model's best guess at sentence `it` (a prediction) toward target `toward` (the one
--- nearest to its decision: M.information) shown as a ghost, marked as a question, when no
--- ghost of that target is there (its stances are all below the threshold shown): its
--- likeliest stance not rejected there (without one: any ghost there, else the likeliest
--- stance of the targets not labelled there); g+ and g- then act on it as on any ghost.
--- Returns the ghost (the one already there, or the question), nil when it has none.
function H.question(s, it, toward)
  local g, made = H.ask(s, it, toward)
  if made then
    M.draw(s)
    require('stance.editor.render').redraw(s.buf)
  end
  return g
end

--- The ghost H.question shows (and whether it was made now, put into s.suggestions), noted
--- as the question asked (s.asked: H.ask_again).
function H.ask(s, it, toward)
  local g, made = H.guess(s, it, toward)
  if g then s.asked = { cp = it.cp[1], target = g.target } end
  return g, made
end

function H.guess(s, it, toward)
  for _, g in ipairs(s.suggestions or {}) do
    if g.sentence == it and (g.target == toward or not toward) then return g end
  end
  local none = s.suggest_res.setup.none
  local rejected = require('stance.model').rejected(assert(s.corpus:document(s.rel)), none)
  local function likeliest(only)
    local pick
    for target, p in pairs(it.targets) do
      if not p.known and p.probs and (not only or target == only) then
        for class, q in pairs(p.probs) do
          if class ~= none and not rejected[it.cp[1] .. ':' .. target .. ':' .. class]
            and (not pick or q > pick.p or (q == pick.p and (target < pick.target
              or (target == pick.target and class < pick.class)))) then
            pick = { target = target, class = class, p = q }
          end
        end
      end
    end
    return pick
  end
  -- the target nearest to its decision (M.information), else any ghost there, else the likeliest
  local pick = toward and likeliest(toward)
  if not pick then
    for _, g in ipairs(s.suggestions or {}) do
      if g.sentence == it then return g end
    end
    pick = likeliest()
  end
  if not pick then return nil end
  local g = { start = it.start, stop = it.stop, cp = it.cp, target = pick.target, class = pick.class, p = pick.p,
    sentence = it, question = true }
  -- in text order, as the ghosts are drawn and found
  local list, at = s.suggestions or {}, nil
  for i, x in ipairs(list) do
    if not at and x.start >= g.stop then at = i end
  end
  table.insert(list, at or #list + 1, g)
  s.suggestions = list
  return g, true
end

--- Marks for the visible rows: the suggested sentences in the suggestion style; before
--- Neovim 0.10, the ghosts too, after their sentences as labels are (M.draw), in a window of
--- the annotator's own layer (`own`: not in a side view of another's); from 0.10, the places
--- of the ghosts' real marks (s.ghost_places), fitted with the row's other marks (M.refit).
---@param g table the grid of stance.editor.render (top, bot, starts, rows, row_of)
---@param own boolean|nil
function M.plan(s, g, own)
  local top, bot, starts = g.top, g.bot, g.starts
  local list = s.suggestions or {}
  local render = require('stance.editor.render')
  -- sentences are in text order and do not overlap: find the first visible one by halving
  local lo, hi = 1, #list + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if list[mid].stop <= starts[top] then lo = mid + 1 else hi = mid end
  end
  local last
  for i = lo, #list do
    local it = list[i]
    if it.start >= starts[bot + 1] then break end
    if it.stop > starts[top] and it.sentence ~= last then
      render.place(g, it.start, it.stop, { span = 'StanceSuggestion' }, true)
      last = it.sentence
    end
    if not H.inline and own then render.place_end(g, it.stop, { H.chunk(s, it) }) end
  end
  if not H.inline then return end
  local places = s.ghost_places or {}
  lo, hi = 1, #places + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if places[mid].stop <= starts[top] then lo = mid + 1 else hi = mid end
  end
  for i = lo, #places do
    local p = places[i]
    if p.stop > starts[bot + 1] then break end
    render.place_end(g, p.stop, p.chunks, p)
  end
end

return M
