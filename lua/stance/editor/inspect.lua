--- A floating window with the annotations under the cursor (of the layer the window shows:
--- yours, or the one `:Stance side` shows there): label, target, stance, role, the whole
--- text of its spans, note, author, dates, relations (with the texts of the other ends).
--- Closes when the cursor moves.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

local where = require('stance.editor.where')

--- `text` cut into lines of at most `width` display cells, at spaces where it can.
function H.wrap(text, width)
  local out, line = {}, ''
  for word in text:gmatch('%S+') do
    if line ~= '' and vim.fn.strdisplaywidth(line .. ' ' .. word) > width then
      out[#out + 1] = line
      line = word
    else
      line = line == '' and word or (line .. ' ' .. word)
    end
    while vim.fn.strdisplaywidth(line) > width do
      local head = vim.fn.strcharpart(line, 0, width)
      out[#out + 1] = head
      line = vim.fn.strcharpart(line, vim.fn.strchars(head))
    end
  end
  if line ~= '' then out[#out + 1] = line end
  return out
end

--- The lines describing record `rec` of `store` (default: the session's layer), at most
--- `width` cells wide.
---@param s stance.Session
---@param rec table
---@param store stance.Store|nil
---@param width integer|nil
function M.lines(s, rec, store, width)
  store = store or s.store
  width = width or math.max(30, math.min(vim.o.columns - 6, 78))
  local nav = require('stance.editor.nav')
  local out = { nav.describe(rec) }
  local function field(name, v)
    if v then out[#out + 1] = ('  %-9s %s'):format(name, v) end
  end
  field('label', rec.label)
  field('target', rec.target)
  field('stance', rec.stance)
  field('role', rec.role)
  field('author', rec.author or store:header().annotator or s.annotator)
  field('created', rec.created)
  field('modified', rec.modified)
  if rec.orphan then field('orphan', 'its text was not found; kept') end
  local text = rec.spans and not rec.orphan and nav.quote(s.buf, rec.spans, math.huge) or rec.quote
  if text then
    out[#out + 1] = '  text'
    for _, l in ipairs(H.wrap('"' .. text .. '"', width - 4)) do
      out[#out + 1] = '    ' .. l
    end
  end
  for _, rel in ipairs(store:records('relation')) do
    local other = rel.from == rec.id and rel.to or (rel.to == rec.id and rel.from or nil)
    if other then
      local o = store:get(other)
      local q = o and o.spans and not o.orphan and nav.quote(s.buf, o.spans, 40) or (o and o.quote) or '?'
      field(rel.from == rec.id and rel.type .. ' →' or '← ' .. rel.type, '"' .. q .. '"')
    end
  end
  if rec.note then
    out[#out + 1] = '  note'
    for line in (rec.note .. '\n'):gmatch('(.-)\n') do
      out[#out + 1] = '    ' .. line
    end
  end
  field('id', rec.id)
  return out
end

--- Show the float for the cursor. Returns its window, or nil.
function M.show()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local layer = require('stance.editor.render').layer_of(s)
  local recs = where.records_under(layer.store, where.cursor())
  if #recs == 0 then
    return require('stance.notify').warn(layer.own and 'no annotation under the cursor'
      or ('no annotation of %s under the cursor'):format(layer.name))
  end
  local width = math.max(30, math.min(vim.o.columns - 6, 78))
  local lines = {}
  if not layer.own then lines[1] = ('layer of %s'):format(layer.name) end
  for _, rec in ipairs(recs) do
    if #lines > 0 then lines[#lines + 1] = '' end
    vim.list_extend(lines, M.lines(s, rec, layer.store, width))
  end
  local w = 20
  for _, l in ipairs(lines) do
    w = math.max(w, vim.fn.strdisplaywidth(l))
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  local win = vim.api.nvim_open_win(buf, false, {
    relative = 'cursor', row = 1, col = 0, width = math.min(w + 1, vim.o.columns - 4),
    height = math.max(1, math.min(#lines, vim.o.lines - 6)), style = 'minimal', border = 'single',
  })
  vim.api.nvim_create_autocmd({ 'CursorMoved', 'BufLeave', 'InsertEnter' }, {
    buffer = s.buf, once = true,
    callback = function()
      if vim.api.nvim_win_is_valid(win) then vim.api.nvim_win_close(win, true) end
    end,
  })
  return win
end

return M
