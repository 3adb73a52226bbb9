--- UTF-8 helpers of the Lua side (Lua 5.1 has no utf8 library). Both hosts.
local M = {}

--- Characters of `s`: its bytes that do not continue a UTF-8 sequence. For valid UTF-8,
--- its code points, as offsets in annotation files count them.
---@param s string
---@return integer
function M.len(s)
  local _, n = s:gsub('[^\128-\191]', '')
  return n
end

return M
