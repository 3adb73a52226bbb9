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

--- `s` as one line of a terminal: control characters (NUL, line ends, escapes) shown as
--- \n, \t, \x1b... instead of acting, and those of Unicode's C1 range (U+0080-U+009F, which
--- some terminals obey: U+009B starts a command) as \u009b. Labels, targets and paths come
--- from files.
---@param s string
---@param tabs boolean|nil leave tabs as they are (a line of text shown whole)
---@return string
function M.printable(s, tabs)
  local named = { ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = tabs and '\t' or '\\t' }
  s = s:gsub('[%c\127]', function(c) return named[c] or ('\\x%02x'):format(c:byte()) end)
  return (s:gsub('\194([\128-\159])', function(c) return ('\\u%04x'):format(c:byte()) end))
end

--- `s` (printable) padded with spaces to `width` characters, or left as it is when longer:
--- string.format's widths stop at 99 and refuse strings with NUL bytes.
---@param s string
---@param width integer
---@return string
function M.pad(s, width)
  s = M.printable(s)
  local n = M.len(s)
  return n < width and s .. (' '):rep(width - n) or s
end

return M
