--- The :Stance subcommands of the editor (annotate, edit, delete, note, link, doc, undo,
--- redo, list, inspect, layers, side, legend, done, progress, save, next, prev, ...),
--- registered into stance.command.
local M = {}
local H = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

--- A layer's name from the rest of the command line: all of it (a name may hold blanks,
--- as git's user.name often does: `:Stance side Ana Lopez`), nil when empty.
function H.rest(args, cmd)
  local rest = cmd and cmd.args and cmd.args:gsub('^%s*%S+%s*', ''):gsub('%s+$', '')
  if not rest then rest = table.concat(args, ' ') end
  return rest ~= '' and rest or nil
end

local function notify() return require('stance.notify') end
local function current(whole_document)
  local s, err = require('stance.editor.session').current(whole_document)
  if not s then notify().error(err) end
  return s
end

--- :Stance edit [field value ...]: change the annotation under the cursor. Without
--- arguments: pick a new label (and what it asks for). :[range]Stance edit spans: the range
--- becomes its spans (`add`: another of its spans; `remove`: taken out of them).
function M.edit(args, cmd)
  if args[1] == 'spans' then return require('stance.editor.operator').edit_spans(cmd or { range = 0 }, args[2]) end
  local s, rec = require('stance.editor.where').annotation_here()
  if not s then return notify().error(rec) end
  if s.readonly then return notify().line(s.readonly, vim.log.levels.ERROR) end -- before the prompt
  local fields = {}
  if #args == 0 then
    fields = require('stance.editor.prompt').label(s.corpus:schema(), nil, nil, nil, s.rel)
    if not fields then return end
  else
    if #args % 2 ~= 0 then
      return notify().error('usage: :Stance edit [label|target|stance|role VALUE|-] ... or :\'<,\'>Stance edit spans')
    end
    for i = 1, #args, 2 do
      local f, v = args[i], args[i + 1]
      if not ({ label = true, target = true, stance = true, role = true })[f] then
        return notify().error(("cannot edit '%s' (label, target, stance, role; spans; :Stance note for notes)")
          :format(f))
      end
      fields[f] = v ~= '-' and v or false
    end
  end
  local ok, err, unchanged = require('stance.editor.ops').update(s, rec.id, fields)
  if not ok then return notify().line(err, vim.log.levels.ERROR) end
  local nav = require('stance.editor.nav')
  if unchanged then
    -- nothing written, no `modified` (a collaborator's edit of it merges cleanly), no undo step
    require('stance.compat').echo(('nothing changed: %s "%s" is so already'):format(nav.describe(ok),
      nav.quote(s.buf, ok.spans, 40)))
    return ok
  end
  require('stance.compat').echo(('edited: %s "%s" (u undoes it)'):format(nav.describe(ok),
    nav.quote(s.buf, ok.spans, 40)))
  return ok
end

--- :Stance delete: remove the annotation under the cursor (and its relations); with several
--- there, the one picked. On a version of a merge conflict, that version goes and the other
--- one is kept (the conflict is over).
function M.delete()
  local s, recs = require('stance.editor.where').annotations_here()
  if not s then return notify().error(recs) end
  if s.readonly then return notify().line(s.readonly, vim.log.levels.ERROR) end -- before the choice
  local nav = require('stance.editor.nav')
  local rec = nav.pick_record(s, recs, 'delete')
  if not rec then return end
  if rec.conflict then
    -- (a version alone: the other side deleted the annotation)
    local alone = not s.store:get(rec.id, rec.conflict == 'ours' and 'theirs' or 'ours')
    local what, err = require('stance.editor.ops').resolve(s, rec.id, rec.conflict, false)
    if not what then return notify().line(err, vim.log.levels.ERROR) end
    require('stance.compat').echo(('deleted the %s version of %s "%s"%s (u brings %s back)'):format(rec.conflict,
      rec.label or '', nav.quote(s.buf, rec.spans, 40), what == 'deleted' and '' or ', ' .. what,
      alone and 'it' or 'both'))
    return true
  end
  local links = 0 -- its relations go with it: said, as they are not drawn on its text
  for _, r in ipairs(s.store:records('relation')) do
    if r.from == rec.id or r.to == rec.id then links = links + 1 end
  end
  local quote = nav.quote(s.buf, rec.spans, 40)
  local ok, err = require('stance.editor.ops').remove(s, rec.id)
  if not ok then return notify().line(err, vim.log.levels.ERROR) end
  require('stance.compat').echo(links > 0
    and ('deleted %s "%s" and its %d relation%s (u brings %s back)'):format(rec.label or '', quote, links,
      links == 1 and '' or 's', 'them')
    or ('deleted %s "%s" (u brings it back)'):format(rec.label or '', quote))
  return ok
end

--- :Stance keep: keep the version of a merge conflict under the cursor (picked when both are
--- there) and delete the other; its conflict mark goes.
function M.keep()
  local s, recs = require('stance.editor.where').annotations_here()
  if not s then return notify().error(recs) end
  local versions = {}
  for _, rec in ipairs(recs) do
    if rec.conflict then versions[#versions + 1] = rec end
  end
  if #versions == 0 then
    return notify().error('no annotation in conflict under the cursor (:Stance list conflicts)')
  end
  local rec = require('stance.editor.nav').pick_record(s, versions, 'keep')
  if not rec then return end
  -- (a version alone: the other side deleted the annotation; kept, it is no longer in conflict)
  local alone = not s.store:get(rec.id, rec.conflict == 'ours' and 'theirs' or 'ours')
  local what, err = require('stance.editor.ops').resolve(s, rec.id, rec.conflict, true)
  if not what then return notify().line(err, vim.log.levels.ERROR) end
  require('stance.compat').echo(('kept the %s version of %s "%s" (%s)'):format(rec.conflict,
    rec.label or '', require('stance.editor.nav').quote(s.buf, rec.spans, 40),
    alone and 'the only one: the other side had deleted it; u makes it a conflict again' or 'u brings both back'))
  return true
end

local function undo_redo(redo)
  local s = current()
  if not s then return end
  local ops = require('stance.editor.ops')
  local what, gone = (redo and ops.redo or ops.undo)(s) -- not `redo and ops.redo(s) or ...`: nil would undo
  if gone then return notify().warn(('nothing to %s: %s'):format(redo and 'redo' or 'undo', gone)) end
  if not what then return notify().warn(redo and 'nothing to redo' or 'no annotation change to undo') end
  require('stance.compat').echo(('%s: %s'):format(redo and 'redone' or 'undone', what))
end

local function names(kind)
  return function(arglead)
    local s = require('stance.editor.session').get()
    local schema = s and s.corpus:schema()
    local out = {}
    for _, e in ipairs(schema and schema[kind] or {}) do
      if e.name:sub(1, #arglead) == arglead then out[#out + 1] = e.name end
    end
    return out
  end
end

local function complete_annotate(arglead, words)
  if #words <= 2 then return names('labels')(arglead) end
  local out = names('targets')(arglead)
  vim.list_extend(out, names('stances')(arglead))
  vim.list_extend(out, names('roles')(arglead))
  return out
end

M.subcommands = {
  annotate = {
    desc = 'annotate the range (or the visual selection) with LABEL [TARGET|STANCE|ROLE ...]',
    run = function(args, cmd) require('stance.editor.operator').command(args, cmd) end,
    complete = complete_annotate,
  },
  edit = {
    desc = 'change the annotation under the cursor: a new label, FIELD VALUE pairs, or spans (the range)',
    run = M.edit,
    complete = function(arglead, words)
      -- (words: the command line's words, the subcommand's name first)
      local list = { 'spans', 'label', 'target', 'stance', 'role' }
      if words and words[#words - 1] == 'spans' then list = { 'add', 'remove' } end
      return vim.tbl_filter(function(x) return x:sub(1, #arglead) == arglead end, list)
    end,
  },
  delete = { desc = 'delete the annotation under the cursor (picked when several are there)', run = M.delete },
  keep = { desc = 'keep the version of a merge conflict under the cursor, delete the other', run = M.keep },
  note = {
    desc = 'edit the note of the annotation under the cursor (:w stores it)',
    run = function() require('stance.editor.note').edit() end,
  },
  link = {
    desc = 'link two annotations (run on each): TYPE supports, attacks, ...',
    run = function(args) require('stance.editor.relations').link(args) end,
    complete = names('relations'),
  },
  unlink = {
    desc = 'remove a relation from or to the annotation under the cursor (picked when several are there)',
    run = function() require('stance.editor.relations').unlink() end,
  },
  doc = {
    desc = 'the document\'s stance: asks the target and the stance; or STANCE [TARGET]; - [TARGET] removes it',
    run = function(args) require('stance.editor.docstance').command(args) end,
    complete = function(arglead)
      local out = names('stances')(arglead)
      vim.list_extend(out, names('targets')(arglead))
      return out
    end,
  },
  undo = { desc = 'undo the last annotation change (never the text)', run = function() undo_redo(false) end },
  redo = { desc = 'redo an annotation change', run = function() undo_redo(true) end },
  list = {
    desc = 'the annotations of this document in the location list [LABEL|orphans|conflicts|relations]',
    run = function(args) require('stance.editor.nav').list(args[1]) end,
    complete = function(arglead) return require('stance.editor.nav').complete_filter(arglead) end,
  },
  inspect = {
    desc = 'show the annotation under the cursor',
    run = function() require('stance.editor.inspect').show() end,
  },
  layers = {
    desc = 'list other annotators\' layers, or toggle NAME\'s over yours',
    run = function(args, cmd) require('stance.editor.layers').toggle(H.rest(args, cmd)) end,
    complete = function(arglead, words) return require('stance.editor.layers').complete(arglead, words) end,
  },
  side = {
    desc = 'NAME\'s layer side by side (a scroll-bound split)',
    run = function(args, cmd) require('stance.editor.layers').side(H.rest(args, cmd)) end,
    complete = function(arglead, words) return require('stance.editor.layers').complete(arglead, words) end,
  },
  suggest = {
    desc = 'the model\'s suggestions for the unannotated sentences [TARGET] [MIN-PROB]',
    run = function(args)
      -- a number alone is the minimum probability (unless the schema has a target of that name)
      local target, min = args[1], args[2]
      if #args == 1 and tonumber(target) then
        local s = require('stance.editor.session').get()
        local schema = s and s.corpus:schema()
        if not (schema and schema.by.target[target]) then target, min = nil, target end
      end
      local p = min and tonumber(min)
      if min and not (p and p >= 0 and p <= 1) then
        return require('stance.notify').error(('the minimum probability is a number from 0 to 1, not %s'):format(min))
      end
      require('stance.editor.suggest').run(target, p)
    end,
    complete = names('targets'),
  },
  accept = {
    desc = 'accept the suggestion under the cursor (it becomes your annotation)',
    run = function() require('stance.editor.suggest').accept() end,
  },
  reject = {
    desc = 'reject the suggestion under the cursor (kept as a negative example)',
    run = function() require('stance.editor.suggest').reject() end,
  },
  ['next-suggestion'] = {
    desc = 'go to the sentence the model is least sure about',
    run = function() require('stance.editor.suggest').next() end,
  },
  summary = {
    desc = 'stance per target and paragraph, with a strip, in a side window',
    run = function() require('stance.editor.summary').toggle() end,
  },
  report = {
    desc = 'write the report of the corpus (HTML with figures, and each figure as SVG) [output DIR]'
      .. ' [annotators A,B] [open]',
    run = function(args) M.report(args) end,
    complete = function(arglead)
      return vim.tbl_filter(function(x) return x:sub(1, #arglead) == arglead end, { 'output', 'annotators', 'open' })
    end,
  },
  cues = {
    desc = 'show or hide the stance cues of the lexicon (should, clearly, failed, ...)',
    run = function()
      local on = require('stance.editor.render').toggle_cues()
      require('stance.compat').echo(on and 'stance cues shown' or 'stance cues hidden')
    end,
  },
  curate = {
    desc = 'resolve the annotators\' disagreements one by one into the gold layer [A,B,...]',
    run = function(args)
      require('stance.editor.curation_panel').start(args[1] and vim.split(args[1], ',', { trimempty = true }) or nil)
    end,
  },
  agree = {
    desc = 'agreement between annotators in a new buffer [unit U] [field F,G] [target T,U] [annotators A,B]'
      .. ' [in-progress] [disagreements]',
    run = function(args) M.agree(args) end,
    complete = function(arglead)
      return vim.tbl_filter(function(x) return x:sub(1, #arglead) == arglead end,
        { 'unit', 'sentence', 'token', 'span', 'field', 'stance', 'role', 'label', 'document', 'target',
          'annotators', 'in-progress', 'disagreements' })
    end,
  },
  save = {
    desc = 'write the annotations of this document now [to FILE: another file; ! overwrites it]',
    run = function(args, cmd)
      local s = current(true)
      if not s then return end
      if #args > 0 then
        local path, why = require('stance.editor.write').save_as(s, table.concat(args, ' '), cmd and cmd.bang)
        if not path then return notify().error(why) end
        return require('stance.compat').echo(('annotations written to %s (your layer is not changed)')
          :format(vim.fn.fnamemodify(path, ':~:.')))
      end
      local ok, err = require('stance.editor.persist').save(s, { force = true })
      if not ok then return notify().line(err, vim.log.levels.ERROR) end
      require('stance.compat').echo('annotations saved: ' .. vim.fn.fnamemodify(s.path, ':~:.'))
    end,
  },
  legend = {
    desc = 'the schema\'s targets, stances, labels with their keys and colors, in a side window',
    run = function() require('stance.editor.legend').toggle() end,
  },
  done = {
    desc = 'mark this document done for you (every sentence without an annotation: no stance); ! undoes;'
      .. ' in the curation panel, gold',
    run = function(_, cmd)
      -- in the curation panel: gold's status (the curator's word), not a layer of one's own
      local panel = package.loaded['stance.editor.curation_panel']
      if panel and panel.done_here(cmd.bang) then return end
      require('stance.editor.status').done(cmd.bang)
    end,
  },
  progress = {
    desc = 'every document against every annotator: not started, in progress, done',
    run = function() require('stance.editor.status').show() end,
  },
  ['next-unannotated'] = {
    desc = 'go to the next sentence without a stance [toward TARGET]',
    run = function(args, cmd)
      require('stance.editor.sentences').jump_unannotated(false, args[1], cmd.count > 0 and cmd.count or 1)
    end,
    complete = names('targets'),
  },
  ['prev-unannotated'] = {
    desc = 'go to the previous sentence without a stance [toward TARGET]',
    run = function(args, cmd)
      require('stance.editor.sentences').jump_unannotated(true, args[1], cmd.count > 0 and cmd.count or 1)
    end,
    complete = names('targets'),
  },
  next = {
    desc = 'go to the next annotation',
    run = function(_, cmd) require('stance.editor.nav').jump(false, cmd.count) end,
  },
  prev = {
    desc = 'go to the previous annotation',
    run = function(_, cmd) require('stance.editor.nav').jump(true, cmd.count) end,
  },
}

--- :Stance report [output DIR] [annotators A,B] [open]: `stance report` for the corpus of
--- the current buffer (or directory); says where the page is.
function M.report(args)
  local usage = 'usage: :Stance report [output DIR] [annotators A,B] [open]'
  local opts, open, i = {}, false, 1
  while i <= #args do
    local k, v = args[i], args[i + 1]
    if k == 'open' then
      open, i = true, i + 1
    elseif k == 'output' and v then
      opts.output, i = vim.fn.fnamemodify(vim.fn.expand(v), ':p'), i + 2
    elseif k == 'annotators' and v then
      opts.annotators, i = vim.split(v, ',', { trimempty = true }), i + 2
    else
      return notify().error(usage)
    end
  end
  local c, err = require('stance.corpora').get()
  if not c then return notify().error(err) end
  local r, rerr = require('stance.report').write(c, opts)
  if not r then return notify().error(rerr) end
  require('stance.compat').echo(('stance report: %s (%d figures in %s/figures)'):format(
    vim.fn.fnamemodify(r.html, ':~:.'), #r.figures, vim.fn.fnamemodify(r.dir, ':~:.')))
  -- as `stance report` exits 3: a file with errors counts in no figure of its document (one
  -- line, the place first: never a Press ENTER prompt after the echo above)
  if r.left_out and #r.left_out > 0 then
    local b = r.left_out[1]
    notify().line(('report incomplete: %s; %s\'s file counts in no figure of %s (%d file(s) with errors, the page '
      .. 'names them)'):format(b.where, b.annotator, b.path, #r.left_out), vim.log.levels.WARN)
  end
  if open then
    local ok, oerr = require('stance.report.open').open(r.html)
    if not ok then notify().error(oerr) end
  end
  return r
end

--- :Stance agree [unit U] [field F,G] [target T,U] [annotators A,B] [in-progress]
--- [disagreements]: the report of `stance agree` for the corpus of the current buffer (or
--- directory), the same lines, in a scratch buffer.
function M.agree(args)
  local usage = 'usage: :Stance agree [unit sentence|token|span] [field F,G] [target T,U] [annotators A,B]'
    .. ' [in-progress] [disagreements]'
  local opts, i = {}, 1
  local lists = { field = 'fields', target = 'targets', annotators = 'annotators' }
  while i <= #args do
    local k, v = args[i], args[i + 1]
    if k == 'in-progress' or k == 'disagreements' then
      opts[k == 'in-progress' and 'in_progress' or k] = true
      i = i + 1
    elseif (k == 'unit' or lists[k]) and v then
      if lists[k] then opts[lists[k]] = vim.split(v, ',', { trimempty = true }) else opts.unit = v end
      i = i + 2
    else
      return notify().error(usage)
    end
  end
  if opts.unit and not ({ sentence = true, token = true, span = true })[opts.unit] then
    return notify().error(("unknown unit '%s' (sentence, token or span)"):format(opts.unit))
  end
  for _, f in ipairs(opts.fields or {}) do
    if not ({ stance = true, role = true, label = true, document = true })[f] then
      return notify().error(("unknown field '%s' (stance, role, label or document)"):format(f))
    end
  end
  local c, err = require('stance.corpora').get()
  if not c then return notify().error(err) end
  local report, rerr = c:agreement(opts)
  if not report then return notify().error(rerr) end
  if report.incomplete and #report.incomplete > 0 then
    local b = report.incomplete[1]
    notify().line(('agreement incomplete: %d annotation file(s) with errors left out of their document, the first'
      .. ' %s on %s: %s'):format(#report.incomplete, b.annotator, b.path, b.where), vim.log.levels.WARN)
  end
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  -- names from the corpus (documents, labels) escaped: a buffer line cannot hold a line end
  local lines = require('stance.agreement').lines(report)
  for n, l in ipairs(lines) do
    lines[n] = require('stance.utf8').printable(l)
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  pcall(vim.api.nvim_buf_set_name, buf, 'stance://agreement')
  return buf, report
end

--- The statusline component: counts per stance of the schema ("favor 3 against 1"), then
--- any other, orphans and conflicts, "done" once marked so; empty when the buffer is not
--- annotated.
---@param buf integer|nil
---@return string
function M.status(buf)
  local s = require('stance.editor.session').get(buf)
  if not s then return '' end
  if not s.counts then
    if not s.tally then s.tally = s.store:tally('stance') end
    local t = s.tally
    local parts = {}
    local schema = s.corpus:schema()
    local seen = { orphans = true, conflicts = true, [''] = true }
    for _, st in ipairs(schema and schema.stances or {}) do
      if (t[st.name] or 0) > 0 then parts[#parts + 1] = ('%s %d'):format(st.name, t[st.name]) end
      seen[st.name] = true
    end
    local rest = {}
    for k, v in pairs(t) do
      if not seen[k] and v > 0 then rest[#rest + 1] = ('%s %d'):format(k, v) end
    end
    table.sort(rest)
    vim.list_extend(parts, rest)
    if (t[''] or 0) > 0 then parts[#parts + 1] = ('other %d'):format(t['']) end
    if (t.orphans or 0) > 0 then parts[#parts + 1] = ('orphans %d'):format(t.orphans) end
    if (t.conflicts or 0) > 0 then parts[#parts + 1] = ('conflicts %d'):format(t.conflicts) end
    s.counts = #parts > 0 and table.concat(parts, ' ') or 'no annotations'
  end
  local done = s.store:header().status == 'done' and ' done' or ''
  return s.counts .. done .. (s.dirty and ' +' or '')
end

return M
