-- The study of ../shared/study in the editor's specs: a temporary corpus of its five
-- articles and its schema, keys, the corpus's sentences of a document, what is drawn.
local T = require('helpers')
local M = {}

M.DOC = '000_6358a7516b2472dd.txt'

function M.keys(k)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(k, true, false, true), 'xt', false)
end

--- A temporary corpus of the study: its five articles and its schema; nil when ../shared is
--- not here.
function M.corpus()
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  os.execute(('cp %s/corpus/*.txt %s/ && mkdir -p %s/.stance/annotations && cp %s/study/schema.stance %s/.stance/')
    :format(T.q(T.shared), T.q(d), T.q(d), T.q(T.shared), T.q(d)))
  return d
end

--- A temporary corpus of the study (as `corpus`) with `annotator`'s layer on document `name`:
--- one annotation per item of `annotations`, `{ sentence = i, label = ..., role = ... }`
--- spanning the document's i-th sentence, and the document's status `status` when given;
--- nil when ../shared is not here.
---@param annotator string
---@param name string
---@param annotations { sentence: integer, label: string, role: string }[]
---@param status? string
---@return string|nil
function M.with_layer(annotator, name, annotations, status)
  local d = M.corpus()
  if not d then return nil end
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(name))
  local ss = doc:sentences()
  for _, a in ipairs(annotations) do
    local s = ss[a.sentence]
    assert(doc:annotate({ start = s.start, stop = s.stop, label = a.label, role = a.role, annotator = annotator }))
  end
  if status then assert(doc:set_status(status, annotator)) end
  assert(c:save())
  return d
end

--- A temporary corpus of the five articles with our annotation of them (the study's schema
--- as tests/fixtures/study has it, annotator `fixture`), but none of `unread` (the document
--- nobody has read, for suggestions); nil when ../shared is not here.
function M.annotated(unread)
  if not T.shared then return nil end
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && cp -r %s %s/.stance/annotations/')
    :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d),
      T.q(T.root .. '/tests/fixtures/study/annotations/fixture'), T.q(d)))
  os.remove(d .. '/.stance/annotations/fixture/' .. unread .. '.stance')
  return d
end

--- A temporary corpus of the five articles with our annotation of them copied into the layer
--- of each of `names` (the `annotator` header renamed): annotators who agree on everything,
--- to change one of them; nil when ../shared is not here.
---@param names string[]
---@return string|nil
function M.annotated_as(names)
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  local fx = T.root .. '/tests/fixtures/study'
  -- (the articles writable: a test may change a document)
  os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s/schema.stance %s/.stance/ && '
    .. 'chmod u+w %s/*.txt'):format(T.q(d), T.q(T.shared), T.q(d), T.q(fx), T.q(d), T.q(d)))
  local files = T.lines((T.run('ls ' .. T.q(fx .. '/annotations/fixture')):gsub('\n$', '')))
  for _, who in ipairs(names) do
    for _, f in ipairs(files) do
      local text = T.read(fx .. '/annotations/fixture/' .. f):gsub('annotator fixture', 'annotator ' .. who)
      T.write(d .. '/.stance/annotations/' .. who .. '/' .. f, text)
    end
  end
  return d
end

--- The hooks of a spec on the study: before each test a fresh corpus of the study (annotator
--- ana, autosave far away); after it, every buffer wiped and the temporaries removed. Returns
--- need(): the test's corpus, or nil after marking the test pending when ../shared is not here.
---@return fun(): string|nil
function M.each()
  -- busted's functions live in the spec file's environment, not in this module's
  local busted = getfenv(2)
  local d
  busted.before_each(function()
    d = M.corpus()
    require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })
  end)
  busted.after_each(function()
    vim.cmd('silent! %bwipeout!')
    T.cleanup()
  end)
  return function()
    if not d then busted.pending('../shared/study and ../shared/corpus are not here') end
    return d
  end
end

--- Open `name` (default: the first article) of corpus `d`; its session.
function M.open(d, name)
  vim.cmd('edit ' .. vim.fn.fnameescape(d .. '/' .. (name or M.DOC)))
  return assert(require('stance.editor.session').get())
end

--- The whole text of a record's spans in the buffer.
function M.quote(s, rec)
  return require('stance.editor.nav').quote(s.buf, rec.spans, math.huge)
end

--- The corpus's sentences of the session's document, in buffer bytes, with their text.
function M.sentences(s)
  local doc = assert(s.corpus:document(s.rel))
  local frame = s:get_frame()
  local out = {}
  for i, sp in ipairs(assert(doc:sentences())) do
    out[i] = { frame:cp_to_buf(sp.start), frame:cp_to_buf(sp.stop), text = sp.text }
  end
  return out
end

--- Put the cursor on byte `off` of the current buffer.
function M.goto_byte(off)
  require('stance.editor.where').jump(off)
end

--- The session's annotation file as the C reader reads it.
function M.on_disk(s)
  return assert(require('stance.core').read(assert(T.read(s.path))))
end

--- The virtual texts planned after spans on the rows of the current window: { row, col,
--- text, chunks }.
function M.ends(s)
  local rows = require('stance.editor.render').plan(s, vim.api.nvim_get_current_win(), s.buf, 0,
    vim.api.nvim_buf_line_count(s.buf) - 1)
  local out = {}
  for row, list in pairs(rows) do
    for _, e in ipairs(list.ends or {}) do
      local text = ''
      for _, c in ipairs(e.chunks) do
        text = text .. c[1]
      end
      out[#out + 1] = { row = row, col = e.col, text = text, chunks = e.chunks }
    end
  end
  return out, rows
end

--- The text of the virtual lines of the document's stances.
function M.doc_lines(s)
  local mark = vim.api.nvim_buf_get_extmarks(s.buf, vim.api.nvim_create_namespace('stance_document'), 0, -1,
    { details = true })[1]
  local out = {}
  for i, l in ipairs(mark and mark[4].virt_lines or {}) do
    out[i] = ''
    for _, ch in ipairs(l) do
      out[i] = out[i] .. ch[1]
    end
  end
  return out
end

--- The background (a 256-color index) at the first character of `text` on the screen (its
--- `nth` occurrence on its row, default the first), or nil: helpers.tmux reads the styles.
---@param screen string capture-pane -e
---@param text string
---@param nth integer|nil
---@return integer|nil
function M.background_of(screen, text, nth)
  local tmux = require('helpers.tmux')
  for _, row in ipairs(tmux.rows(screen)) do
    local runs = tmux.styled(row)
    local plain = ''
    for _, r in ipairs(runs) do
      plain = plain .. r.text
    end
    local at = plain:find(text, 1, true)
    for _ = 2, nth or 1 do
      at = at and plain:find(text, at + 1, true)
    end
    if at then
      local len = 0
      for _, r in ipairs(runs) do
        if at <= len + #r.text then return r.bg end
        len = len + #r.text
      end
    end
  end
  return nil
end

return M
