--- A floating window with the annotations under the cursor: label, target, stance, role,
--- note, author, dates, relations (with the quotes of the other ends). Closes when the
--- cursor moves.
local M = {}

local where = require('stance.editor.where')

--- The lines describing record `rec` of session `s`.
function M.lines(s, rec)
  local nav = require('stance.editor.nav')
  local out = { ('%s  (%s)'):format(nav.describe(rec), rec.id) }
  local function field(name, v)
    if v then out[#out + 1] = ('  %-9s %s'):format(name, v) end
  end
  field('label', rec.label)
  field('target', rec.target)
  field('stance', rec.stance)
  field('role', rec.role)
  field('author', rec.author or s.store:header().annotator or s.annotator)
  field('created', rec.created)
  field('modified', rec.modified)
  if rec.orphan then field('orphan', 'its text was not found; kept') end
  if rec.spans and not rec.orphan then field('text', '"' .. nav.quote(s.buf, rec.spans, 70) .. '"') end
  for _, rel in ipairs(s.store:records('relation')) do
    local other = rel.from == rec.id and rel.to or (rel.to == rec.id and rel.from or nil)
    if other then
      local o = s.store:get(other)
      local q = o and o.spans and not o.orphan and nav.quote(s.buf, o.spans, 40) or other
      field(rel.from == rec.id and rel.type .. ' →' or '← ' .. rel.type, '"' .. q .. '"')
    end
  end
  if rec.note then
    out[#out + 1] = '  note'
    for line in (rec.note .. '\n'):gmatch('(.-)\n') do
      out[#out + 1] = '    ' .. line
    end
  end
  return out
end

--- Show the float for the cursor. Returns its window, or nil.
function M.show()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local hits = where.under(s.store, where.cursor())
  if #hits == 0 then return require('stance.notify').warn('no annotation under the cursor') end
  local lines, seen = {}, {}
  for _, h in ipairs(hits) do
    if not seen[h.id] then
      seen[h.id] = true
      if #lines > 0 then lines[#lines + 1] = '' end
      vim.list_extend(lines, M.lines(s, s.store:get(h.id)))
    end
  end
  local width = 20
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  local win = vim.api.nvim_open_win(buf, false, {
    relative = 'cursor', row = 1, col = 0, width = math.min(width + 1, vim.o.columns - 4),
    height = math.min(#lines, 20), style = 'minimal', border = 'single',
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
