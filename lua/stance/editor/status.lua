--- The annotator's progress: `:Stance done` marks the document done in your annotation file
--- (written even when it holds no annotation: "done" says every sentence without one was
--- read and has no stance; agreement and the model rely on it), `:Stance done!` takes the
--- mark back; `:Stance progress` shows every document against every annotator (not started,
--- in progress, done) in a scratch buffer where <CR> opens the document.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

--- The session's status ("not-started", "in-progress", "done"), as stance.Layer.status says.
---@param s stance.Session
---@return string
function M.of(s)
  local st = s.store:header().status
  if st == 'done' or st == 'in-progress' then return st end
  local n = s.store:count('annotation') + s.store:count('relation') + s.store:count('doclabel')
  if st ~= nil or n > 0 then return 'in-progress' end
  return 'not-started'
end

--- :Stance done[!]: mark the document done (with !: in progress again), and write it now.
---@param undo boolean
function M.done(undo)
  local session = require('stance.editor.session')
  local s, err = session.current(true)
  if not s then return require('stance.notify').error(err) end
  if s.readonly then return require('stance.notify').line(s.readonly, vim.log.levels.ERROR) end
  local want = undo and 'in-progress' or 'done'
  local before = s.store:header().status
  if before ~= want then
    s.store:set_header('status', want)
    s.rewrite = true
    s:changed(true)
  end
  local ok, serr = require('stance.editor.persist').save(s, { force = true })
  if not ok then return require('stance.notify').line(serr, vim.log.levels.ERROR) end
  local n = s.store:count('annotation')
  require('stance.compat').echo(undo and ('%s: in progress again (%s)'):format(s.rel, s.annotator)
    or ('%s: done for %s (%d annotation%s; every other %s: no stance%s)'):format(s.rel, s.annotator, n,
      n == 1 and '' or 's', s.corpus:unit(), H.toward(s)))
  require('stance.editor.render').redraw(s.buf)
  return want
end

--- Every document of the corpus at `root` against every annotator who is a person (not the
--- model's layer, nor the schema's not-annotators), then the curation (gold) when there is
--- one: { annotators = {...} (people), columns = {...} (people, then gold), left_out = {...}
--- (not-annotators), rows = { {path, cells = { [column] = {status, count} }} } }.
---@param root string
---@return table|nil
---@return string|nil err
function M.table(root)
  -- what the open buffers have not written yet goes to disk first
  local session = require('stance.editor.session')
  for _, s in pairs(session.by_buf) do
    if s.corpus.root == root and s.dirty and not s.readonly then require('stance.editor.persist').save(s) end
  end
  require('stance.editor.tidy').all(root) -- and in the canonical order
  local c, err = require('stance').open(root)
  if not c then return nil, err end
  local people, left_out, gold = {}, {}, nil
  for _, n in ipairs(c:annotators()) do
    if c:is_person(n) then
      people[#people + 1] = n
    elseif n == require('stance.curation').GOLD then
      gold = n
    elseif n ~= 'model' then
      left_out[#left_out + 1] = n
    end
  end
  -- people with a layer only: a curator who only opened documents is no annotator; you are
  -- one when your folder is there, even if nothing in it can be read (a link: its cells say so)
  local me = require('stance.whoami').name(root)
  local R = require('stance.root')
  if me and c:is_person(me) and not vim.tbl_contains(people, me)
    and require('stance.fs').exists(('%s/%s/%s'):format(root, R.annotations, R.slug(me))) then
    people[#people + 1] = me
    table.sort(people)
  end
  local names = vim.list_extend({}, people)
  names[#names + 1] = gold
  local rows, errors, links, stales = {}, {}, {}, {}
  local annfile = require('stance.annfile')
  local fs, ll = require('stance.fs'), require('stance.layer_link')
  local schema = c:schema()
  local scoped = require('stance.schema').scoped(schema)
  for _, path in ipairs(c:paths()) do
    local doc = c:document(path)
    local row = { path = path, cells = {} }
    if scoped then row.targets = H.targets_of(schema, path) end
    for _, n in ipairs(names) do
      local file = require('stance.root').annotation_path(root, n, path)
      local cell = { status = 'not-started', count = 0 }
      -- a file reached through a link (it, its annotator's folder, a folder between) is no
      -- layer of this annotator's: not read, the cell says so and the line below where it leads
      local exists = fs.exists(file)
      local refused = (exists or ll.target(file)) and ll.refusal(file, root)
      if refused then
        cell = { status = 'link', count = 0 }
        links[#links + 1] = refused
      elseif exists then
        local layer = doc and doc:layer(n)
        local where, nerr
        if layer then where, nerr = annfile.first_error(layer.file.path, layer.file.problems, root) end
        if where then
          -- neither done nor counted: what it lets us read is not all there is (as stance agree)
          cell = { status = 'errors', count = 0 }
          errors[#errors + 1] = { annotator = n, path = path, where = where, errors = nerr }
        elseif layer then
          cell = { status = layer:status(), count = #layer:records('annotation') }
          -- gold done that no longer decides everything (an annotator's layer changed since)
          if n == gold and cell.status == 'done' then
            local stale = require('stance.curation_stale').of(c, path)
            if stale then
              cell.undecided = stale.undecided
              stales[#stales + 1] = stale
            end
          end
        end
      end
      row.cells[n] = cell
    end
    rows[#rows + 1] = row
  end
  return { annotators = people, columns = names, left_out = left_out, rows = rows, errors = errors, links = links,
    scoped = scoped, stale = stales }
end

--- " toward T, U" when the schema's `documents` leave targets out of the session's document.
function H.toward(s)
  local schema = s.corpus:schema()
  if not require('stance.schema').scoped(schema) then return '' end
  return ' toward ' .. H.targets_of(schema, s.rel):gsub(' ', ', ')
end

--- The targets document `path` is judged for (the schema's `documents`), as one text.
function H.targets_of(schema, path)
  local out, in_scope = {}, require('stance.schema').in_scope
  for _, e in ipairs(schema.targets) do
    if in_scope(schema, e, path) then out[#out + 1] = e.name end
  end
  return #out > 0 and table.concat(out, ' ') or '-'
end

H.marks = { done = 'done', ['in-progress'] = 'in progress', ['not-started'] = '·', errors = 'errors', link = 'link' }
H.groups = { done = 'StanceDone', ['in-progress'] = 'StanceInProgress', ['not-started'] = 'StanceNotStarted',
  errors = 'StanceErrors', link = 'StanceErrors' }

--- The lines of the progress view, and per line the highlights { line, col, end, group }.
function M.lines(t)
  -- a document's name may hold any character but / and NUL: a line end or an escape is shown
  -- escaped (a buffer line cannot hold a line end)
  local printable = require('stance.utf8').printable
  local width, twidth = #'document', #'targets'
  for _, r in ipairs(t.rows) do
    width = math.max(width, vim.fn.strdisplaywidth(printable(r.path)))
    if r.targets then twidth = math.max(twidth, vim.fn.strdisplaywidth(r.targets)) end
  end
  local cols = {}
  for i, n in ipairs(t.columns) do
    cols[i] = math.max(vim.fn.strdisplaywidth(n), #'in progress (000)') + 2
  end
  local function pad(text, w) return text .. (' '):rep(math.max(0, w - vim.fn.strdisplaywidth(text))) end
  local lines, hls = {}, {}
  local extra = #t.columns > #t.annotators and ' and the curation (gold)' or ''
  if #t.left_out > 0 then extra = extra .. (' (not annotators: %s)'):format(table.concat(t.left_out, ', ')) end
  lines[1] = ('%d document%s, %d annotator%s%s: done, in progress, · not started  (<CR> opens a document)'):format(
    #t.rows, #t.rows == 1 and '' or 's', #t.annotators, #t.annotators == 1 and '' or 's', extra)
  lines[2] = ''
  local head = pad('document', width + 2) .. (t.scoped and pad('targets', twidth + 2) or '')
  for i, n in ipairs(t.columns) do
    head = head .. pad(n, cols[i])
  end
  lines[3] = head
  local done = {}
  for _, r in ipairs(t.rows) do
    -- with the schema's `documents`, the targets each document is judged for
    local line = pad(printable(r.path), width + 2) .. (t.scoped and pad(r.targets or '', twidth + 2) or '')
    for i, n in ipairs(t.columns) do
      local cell = r.cells[n]
      local counted = cell.status ~= 'not-started' and cell.status ~= 'errors' and cell.status ~= 'link'
      local text = H.marks[cell.status] .. (counted and (' (%d)'):format(cell.count) or '')
      if cell.undecided and cell.undecided > 0 then text = text .. (', %d open'):format(cell.undecided) end
      if cell.undecided == 0 then text = text .. ' ?' end
      hls[#hls + 1] = { #lines, #line, #line + #text, cell.undecided and 'StanceStale' or H.groups[cell.status] }
      line = line .. pad(text, cols[i])
      if cell.status == 'done' then done[n] = (done[n] or 0) + 1 end
    end
    lines[#lines + 1] = line
  end
  local foot = pad('done', width + 2) .. (t.scoped and pad('', twidth + 2) or '')
  for i, n in ipairs(t.columns) do
    foot = foot .. pad(('%d/%d'):format(done[n] or 0, #t.rows), cols[i])
  end
  lines[#lines + 1] = ''
  lines[#lines + 1] = foot
  -- each file with errors, where its first one is (a cell has no room for it); each gold done
  -- with places left to decide since
  if #(t.errors or {}) + #(t.stale or {}) > 0 then lines[#lines + 1] = '' end
  for _, st in ipairs(t.stale or {}) do
    lines[#lines + 1] = printable(('gold of %s %s'):format(st.path, require('stance.curation_stale').said(st)))
  end
  for _, e in ipairs(t.errors or {}) do
    lines[#lines + 1] = printable(require('stance.annfile').errors_said(e.annotator, e.where, e.errors,
      'neither done nor counted (stance check lists them)'))
  end
  -- each file reached through a link, where it leads (no cell has room for it)
  if #(t.links or {}) > 0 then lines[#lines + 1] = '' end
  for _, said in ipairs(t.links or {}) do
    lines[#lines + 1] = printable(said .. '; neither done nor counted')
  end
  return lines, hls
end

--- :Stance progress: the view of the corpus of the current buffer (or directory).
---@return integer|nil buf
function M.show()
  local s = require('stance.editor.session').get()
  local root = s and s.corpus.root or require('stance.root').find(vim.fn.getcwd())
  if not root then return require('stance.notify').error('no corpus here (:help stance-corpus)') end
  local t, err = M.table(root)
  if not t then return require('stance.notify').error(err) end
  local lines, hls = M.lines(t)
  for group, link in pairs({ StanceDone = 'String', StanceInProgress = 'Special', StanceNotStarted = 'Comment',
    StanceErrors = 'ErrorMsg', StanceStale = 'WarningMsg' }) do
    vim.api.nvim_set_hl(0, group, { link = link, default = true })
  end
  local name = 'stance://progress'
  local old = vim.fn.bufnr(name)
  if old > 0 then vim.api.nvim_buf_delete(old, { force = true }) end
  vim.cmd(('botright %dsplit'):format(math.min(#lines + 1, math.max(5, math.floor(vim.o.lines / 2)))))
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_win_set_buf(0, buf)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  pcall(vim.api.nvim_buf_set_name, buf, name)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].modifiable = false
  local ns = vim.api.nvim_create_namespace('stance_progress')
  for _, h in ipairs(hls) do
    vim.api.nvim_buf_set_extmark(buf, ns, h[1], h[2], { end_row = h[1], end_col = h[3], hl_group = h[4] })
  end
  local paths = {}
  for i, r in ipairs(t.rows) do
    paths[i + 3] = root .. '/' .. r.path
  end
  vim.keymap.set('n', '<CR>', function()
    local p = paths[vim.fn.line('.')]
    if not p then return end
    vim.cmd('wincmd p')
    -- by buffer, not :edit: a document's name may hold what a command line cannot (a line end)
    local b = vim.fn.bufadd(p)
    vim.bo[b].buflisted = true
    vim.api.nvim_win_set_buf(0, b)
  end, { buffer = buf, desc = 'stance: open the document of this row' })
  vim.keymap.set('n', 'q', '<Cmd>close<CR>', { buffer = buf, desc = 'stance: close' })
  return buf, t
end

return M
