--- Notes: `:Stance note` opens the note of the annotation under the cursor in a scratch
--- buffer (markdown); `:w` there stores it (undoable like any annotation change), an empty
--- buffer removes it.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

--- Open the note of the annotation under the cursor.
---@return integer|nil buf
function M.edit()
  local s, rec = require('stance.editor.where').annotation_here()
  if not s then return require('stance.notify').error(rec) end
  -- refused before a note is written that could not be saved
  if s.readonly then return require('stance.notify').line(s.readonly, vim.log.levels.ERROR) end
  local name = ('stance://note/%s/%s'):format(s.rel, rec.id)
  local existing = vim.fn.bufnr(name)
  if existing > 0 then vim.api.nvim_buf_delete(existing, { force = true }) end
  vim.cmd(('belowright %dsplit'):format(math.max(5, math.min(12, vim.o.lines / 4))))
  local buf = vim.api.nvim_create_buf(false, false)
  vim.api.nvim_win_set_buf(0, buf)
  vim.api.nvim_buf_set_name(buf, name)
  vim.bo[buf].buftype = 'acwrite'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = 'markdown'
  local lines = rec.note and vim.split(rec.note, '\n', { plain = true }) or {}
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modified = false
  local id, sbuf = rec.id, s.buf
  vim.api.nvim_create_autocmd('BufWriteCmd', {
    buffer = buf,
    callback = function()
      local session = require('stance.editor.session').by_buf[sbuf]
      if not session then return require('stance.notify').error('the document is no longer open') end
      local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'):gsub('%s+$', '')
      local ops = require('stance.editor.ops')
      -- named as the operation it is (what `u` and <C-r> say: "undone: note")
      local ok, err, unchanged = ops.as_one(session, text ~= '' and 'note' or 'removing the note', function()
        return ops.update(session, id, { note = text ~= '' and text or false })
      end)
      if not ok then return require('stance.notify').line(err, vim.log.levels.ERROR) end
      vim.bo[buf].modified = false
      if unchanged then return require('stance.notify').notify('nothing changed: the note is as it was') end
      require('stance.notify').notify(text ~= '' and 'note saved' or 'note removed')
    end,
  })
  return buf
end

return M
