--- The syntax of brat's .ann files, read as brat's own reader reads them
--- (server/src/annotation.py) and written so that brat reads them back. What the lines
--- mean for a corpus is stance.interop.brat's concern; this module only knows lines.
---
--- brat reads an .ann file through Python's codecs, whose readlines() ends a line at any
--- of Python's line boundaries (not only LF and CR LF: also CR, VT, FF, FS, GS, RS, NEL,
--- LS and PS). A text written into a line must hold none of them: M.split_breaks cuts there.
local M = {}

---@class stance.BratEntity
---@field id string
---@field type string
---@field spans integer[][] {{start, end}, ...} code points, as written (not sorted)
---@field text string|nil the text after the tab (nil: none; brat fills it in)
---@field line integer
---@field col integer

---@class stance.BratDoc
---@field entities stance.BratEntity[]
---@field attributes table[] { id, name, target, value|nil, line, col }
---@field relations table[] { id, type, args = {{role, id}, {role, id}}, line, col }
---@field events table[] { id, type, trigger, args = {{role, id}, ...}, line, col }
---@field equivs table[] { type, members = {id, ...}, line, col }
---@field notes table[] { id, kind, target, text, line, col }
---@field norms table[] { id, type, target, ref, text, line, col }
---@field problems table[] { line, col, message }

--- Where the first line boundary brat sees (those of Python's str.splitlines: LF, CR LF,
--- CR, VT, FF, FS, GS, RS, NEL, LS, PS) is in `s` from byte `init`: its first and last
--- byte, or nil.
---@param s string
---@param init integer|nil
---@return integer|nil first
---@return integer|nil last
function M.find_break(s, init)
  local pos = init or 1
  while true do
    local a = s:find('[\n\r\v\f\28\29\30\194\226]', pos)
    if not a then return nil end
    local b = s:byte(a)
    if b == 13 then return a, s:byte(a + 1) == 10 and a + 1 or a end
    if b < 128 then return a, a end
    if b == 194 and s:byte(a + 1) == 133 then return a, a + 1 end
    if b == 226 and s:byte(a + 1) == 128 and (s:byte(a + 2) == 168 or s:byte(a + 2) == 169) then return a, a + 2 end
    pos = a + 1
  end
end

--- `s` cut at every line boundary brat sees: the pieces (empty ones too) and the
--- boundaries between them.
---@param s string
---@return string[] pieces
---@return string[] breaks
function M.split_breaks(s)
  local pieces, seps, pos = {}, {}, 1
  while true do
    local a, e = M.find_break(s, pos)
    if not a then
      pieces[#pieces + 1] = s:sub(pos)
      return pieces, seps
    end
    pieces[#pieces + 1] = s:sub(pos, a - 1)
    seps[#seps + 1] = s:sub(a, e)
    pos = e + 1
  end
end

--- Whether `s` holds a line boundary brat would cut a line at.
---@param s string
---@return boolean
function M.has_break(s)
  return M.find_break(s) ~= nil
end

--- Parse an .ann file (in C: src/brat.c). Never fails: a line brat would not read is a
--- problem (line, col; lines are counted at LF, as editors do), the rest is read. Offsets
--- of more than 15 digits (leading zeros aside) are refused, as brat's own are far shorter.
---@param text string
---@return stance.BratDoc
function M.parse(text)
  return require('stance.core').brat_parse(text)
end

return M
