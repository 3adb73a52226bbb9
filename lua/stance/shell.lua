--- Words for a command line that stance prints for a person to run (never runs itself:
--- stance builds no shell command from data).
local M = {}

--- `s` as one word of the POSIX shell, shown as it is where it can be: bare when it holds only
--- letters, digits and `/._-+,:@=%`; else between single
--- quotes (`'` inside written `'\''`); a word that holds a control character or a character
--- stance escapes when it shows a name (stance.utf8.printable: C1 controls, bidirectional
--- and other format characters) is written in ANSI-C quotes, `$'...'` (bash, zsh, ksh and
--- POSIX.1-2024; not dash 0.5.12), every byte outside printable ASCII as `\xHH`, so that the line
--- shows what it does and copied into a terminal names the same bytes.
---@param s string
---@return string
function M.quote(s)
  if s ~= '' and not s:find('[^%w/._%-+,:@=%%]') then return s end
  if require('stance.utf8').printable(s, false, true) ~= s then
    return "$'" .. s:gsub("[\\']", '\\%0'):gsub('[%c\127-\255]', function(c)
      return ('\\x%02x'):format(c:byte())
    end) .. "'"
  end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- A command line of `words`, each quoted (M.quote).
---@param words string[]
---@return string
function M.line(words)
  local out = {}
  for i, w in ipairs(words) do
    out[i] = M.quote(w)
  end
  return table.concat(out, ' ')
end

return M
