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

--- Unicode's format characters (category Cf) that a terminal draws as nothing or that
--- reorder the line: by their UTF-8 bytes, true for the bidirectional controls (U+061C, U+200E,
--- U+200F, U+202A-U+202E, U+2066-U+2069: escaped even in a line of text), false for the
--- others (U+00AD, U+180E, U+200B-U+200D, U+2060-U+2064, U+206A-U+206F, U+FEFF).
M.FORMAT = { ['\216\156'] = true, ['\226\128\142'] = true, ['\226\128\143'] = true,
  ['\194\173'] = false, ['\225\160\142'] = false, ['\239\187\191'] = false }
for b = 0xAA, 0xAE do M.FORMAT['\226\128' .. string.char(b)] = true end
for b = 0xA6, 0xA9 do M.FORMAT['\226\129' .. string.char(b)] = true end
for b = 0x8B, 0x8D do M.FORMAT['\226\128' .. string.char(b)] = false end
for b = 0xA0, 0xA4 do M.FORMAT['\226\129' .. string.char(b)] = false end
for b = 0xAA, 0xAF do M.FORMAT['\226\129' .. string.char(b)] = false end

--- The code point of a UTF-8 sequence of two or three bytes, as \uXXXX.
local function u_escape(seq)
  local a, b, c = seq:byte(1, 3)
  local cp = c and ((a - 0xE0) * 4096 + (b - 0x80) * 64 + (c - 0x80)) or ((a - 0xC0) * 64 + (b - 0x80))
  return ('\\u%04x'):format(cp)
end

--- `s` as one line of a terminal: control characters (NUL, line ends, escapes) shown as
--- \n, \t, \x1b... instead of acting, those of Unicode's C1 range (U+0080-U+009F, which
--- some terminals obey: U+009B starts a command) as \u009b, and the bidirectional controls
--- (M.FORMAT true: a right-to-left override would reorder the rest of the line) as \u202e;
--- with `all_format` every format character (a zero-width space as \u200b: a name that reads
--- as another). Labels, targets and paths come from files.
---@param s string
---@param tabs boolean|nil a line of text shown whole: tabs left as they are
---@param all_format boolean|nil every format character escaped (M.name), not only the
---   bidirectional controls: a zero-width (non-)joiner is part of Persian or Hindi text, and
---   of file names in them (a path with it escaped names no file: review15b)
---@return string
function M.printable(s, tabs, all_format)
  local named = { ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = tabs and '\t' or '\\t' }
  s = s:gsub('[%c\127]', function(c) return named[c] or ('\\x%02x'):format(c:byte()) end)
  s = s:gsub('\194([\128-\159])', function(c) return ('\\u%04x'):format(c:byte()) end)
  if not s:find('[\194\216\225\226\239]') then return s end
  local function format(seq)
    local bidi = M.FORMAT[seq]
    if bidi or (bidi == false and all_format) then return u_escape(seq) end
  end
  return (s:gsub('[\194\216][\128-\191]', format):gsub('[\225\226\239][\128-\191][\128-\191]', format))
end

--- A name (a layer's, a schema's) as shown: printable with every format character escaped,
--- and its blanks at either end (spaces, U+00A0) escaped too, so that `ana `, `ana\u200b`
--- and `ana` read apart in a table.
---@param s string
---@return string
function M.name(s)
  s = M.printable(s, false, true)
  local function ends(b) return (b:gsub(' ', '\\x20'):gsub('\194\160', '\\u00a0')) end
  return (s:gsub('^[ \194\160]+', ends):gsub('[ \194\160]+$', ends))
end

--- `s` (a name: M.name) padded with spaces to `width` characters, or left as it is when longer:
--- string.format's widths stop at 99 and refuse strings with NUL bytes.
---@param s string
---@param width integer
---@return string
function M.pad(s, width)
  s = M.name(s)
  local n = M.len(s)
  return n < width and s .. (' '):rep(width - n) or s
end

return M
