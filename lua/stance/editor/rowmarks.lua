--- One extmark per row, kept in step with what a row should show (signs, virtual lines):
--- marks already right stay and only rows whose mark changes are touched, so that Neovim
--- draws no other row again.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

--- Make the marks of namespace `ns` on rows [first, last] of `buf` (last may be math.huge)
--- those of `want` (row -> value; rows outside [first, last] are ignored). `known` (id ->
--- signature) is the caller's memory of what each mark shows; `sig(value)` gives a value's
--- signature and `opts(value)` the options of its mark (nvim_buf_set_extmark, column 0).
---@param buf integer
---@param ns integer
---@param first integer
---@param last integer
---@param want table<integer, any>
---@param known table<integer, any>
---@param sig fun(value: any): any
---@param opts fun(value: any): table
function M.reconcile(buf, ns, first, last, want, known, sig, opts)
  local have = {}
  local to = last == math.huge and -1 or { last, -1 }
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, { first, 0 }, to, {})) do
    local id, row = m[1], m[2]
    local v = want[row]
    if have[row] or v == nil or known[id] ~= sig(v) then
      vim.api.nvim_buf_del_extmark(buf, ns, id)
      known[id] = nil
    else
      have[row] = id
    end
  end
  for r, v in pairs(want) do
    if not have[r] and r >= first and r <= last then
      local ok, id = pcall(vim.api.nvim_buf_set_extmark, buf, ns, r, 0, opts(v))
      if ok then known[id] = sig(v) end
    end
  end
end

return M
