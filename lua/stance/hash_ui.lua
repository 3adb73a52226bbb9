--- :Stance hash DIR: hash a folder on the worker while the editor stays responsive, with
--- progress in the command line and the result in a scratch buffer.
local M = {}

---@param dir string
function M.run(dir)
  local notify = require('stance.notify')
  local compat = require('stance.compat')
  local show = require('stance.config').get().progress.enabled
  local job, err = require('stance').hash(dir, nil, {
    on_progress = show and function(ev)
      compat.echo(('stance: hashing %d/%d files'):format(ev.done, ev.total), nil, false)
    end or nil,
    on_done = function(ev)
      if show then compat.echo('', nil, false) end
      if ev.state ~= 'done' then return notify.error(('hashing %s: %s'):format(dir, ev.error or ev.state)) end
      local lines = {}
      for _, r in ipairs(ev.job:results()) do
        local path = require('stance.utf8').printable(r.path) -- a line end in a name: escaped
        lines[#lines + 1] = r.hash and (r.hash .. '  ' .. path) or ('ERROR  ' .. path .. ': ' .. r.error)
      end
      vim.cmd('new')
      local buf = vim.api.nvim_get_current_buf()
      vim.bo[buf].buftype = 'nofile'
      vim.bo[buf].bufhidden = 'wipe'
      vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
      vim.bo[buf].modifiable = false
      notify.notify(('hashed %d files in %s'):format(#lines, dir))
    end,
  })
  if not job then notify.error(err) end
end

return M
