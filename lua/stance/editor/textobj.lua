--- Text objects for annotations: `ia` selects the span of the annotation under the cursor
--- (the innermost; with a count, the count-th one out), `aa` the whole annotation (from its
--- first span to its last) with the white space after it, like `aw`.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

local where = require('stance.editor.where')
local H = {}

--- Fail as Vim's own text objects do: an error message, which makes Neovim abort the pending
--- operator (`yia`, `dia`, `cia` change nothing, `c` starts no insert) and drop the keys typed
--- after it; Visual mode has ended already.
function H.fail(msg)
  require('stance.compat').err_echo('(stance) ' .. msg)
end

---@param around boolean `aa` rather than `ia`
function M.select(around)
  local session = require('stance.editor.session')
  local s = session.get()
  if not s then return end
  local count = math.max(vim.v.count1, 1)
  local store = require('stance.editor.render').layer_of(s).store -- the side view's, there
  local hits = where.under(store, where.cursor())
  local hit = hits[math.min(count, #hits)]
  if not hit then
    if vim.fn.mode():match('^[vV\22]') then vim.cmd('normal! \27') end
    return H.fail('no annotation under the cursor')
  end
  local a, b = hit.start, hit.stop
  if around then
    local rec = where.record(store, hit)
    a, b = rec.spans[1][1], rec.spans[#rec.spans][2]
    local r, c = where.pos(0, b)
    local line = vim.api.nvim_buf_get_lines(0, r, r + 1, false)[1] or ''
    local ws = #(line:sub(c + 1):match('^[ \t]*'))
    b = b + ws
  end
  where.select(a, b)
end

return M
