--- The syntax of brat's .ann files, read as brat's own reader reads them
--- (server/src/annotation.py) and written so that brat reads them back. What the lines
--- mean for a corpus is stance.interop.brat's concern; this module only knows lines.
---
--- brat reads an .ann file through Python's codecs, whose readlines() ends a line at any
--- of Python's line boundaries (not only LF and CR LF: also CR, VT, FF, FS, GS, RS, NEL,
--- LS and PS). A text written into a line must hold none of them: M.split_breaks cuts there.
local M = {}
local H = {}

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
---@field ids table<string, table> every object with an ID, by ID

--- Offsets longer than this many digits are refused before they become numbers (brat
--- offsets are code points of a document; 15 digits is far beyond any document).
M.MAX_DIGITS = 15

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

--- Words of `s` split at runs of blanks, with their columns (1-based bytes, `base` added).
function H.words(s, base)
  local out = {}
  for col, w in s:gmatch('()(%S+)') do
    out[#out + 1] = { w, base + col - 1 }
  end
  return out
end

local function fail(col, msg) error({ brat = true, col = col, msg = msg }, 0) end

--- A whole number of at most MAX_DIGITS digits at column `col`, or a failure.
function H.number(s, col)
  if not s:match('^%d+$') then fail(col, ("'%s' is not an offset (a whole number)"):format(s)) end
  -- (leading zeros count for nothing: 000000000000000000000000007 is 7)
  local digits = s:match('^0*(%d.*)$') or s
  if digits:match('^0+$') then digits = '0' end
  if #digits > M.MAX_DIGITS then fail(col, ('offset %s is too large'):format(s)) end
  return tonumber(digits)
end

--- Parse an .ann file. Never fails: a line brat would not read is a problem (line, col;
--- lines are counted at LF, as editors do), the rest is read.
---@param text string
---@return stance.BratDoc
function M.parse(text)
  local d = { entities = {}, attributes = {}, relations = {}, events = {}, equivs = {}, notes = {}, norms = {},
    problems = {}, ids = {} }
  if text:sub(1, 3) == '\239\187\191' then text = text:sub(4) end -- a byte order mark
  local n = 0
  for physical in (text .. '\n'):gmatch('(.-)\n') do
    n = n + 1
    -- (most lines hold no other line boundary: read as they are)
    local pieces, seps
    if M.find_break(physical) then
      pieces, seps = M.split_breaks(physical)
    else
      pieces, seps = { physical }, H.NONE
    end
    local col = 1
    for i, line in ipairs(pieces) do
      if line:match('%S') then
        local ok, err = pcall(H.line, d, line, n, col)
        if not ok then
          if type(err) ~= 'table' or not err.brat then error(err, 0) end
          d.problems[#d.problems + 1] = { line = n, col = col + err.col - 1, message = err.msg }
        end
      end
      col = col + #line + #(seps[i] or '')
    end
  end
  return d
end

H.NONE = {}

-- Each kind of line: data is the part before the first tab (at column `dc`), tail what
-- follows that tab (nil when there is no tab).
H.kinds = {}

function H.line(d, line, n, col0)
  -- ID, tab, data, and what follows a second tab (the tail: nil without one)
  local id, data, tab, tail = line:match('^([^\t]*)\t([^\t]*)(\t?)(.*)$')
  if not id then fail(1, 'expected an ID and a tab') end
  if id ~= '*' and not id:match('^[A-Za-z]+%d+') and not id:match('^#[A-Za-z]*%d+') then
    fail(1, ("'%s' is not an ID (a letter and a number, e.g. T1, or * for an equivalence)"):format(id))
  end
  if tab == '' then tail = nil end
  local kind = id == '*' and '*' or id:sub(1, 1)
  local f = H.kinds[kind]
  if not f then fail(1, ("unknown line '%s' (T, A, M, R, E, N, #, *)"):format(id)) end
  if id ~= '*' and d.ids[id] then
    fail(1, ('%s is defined twice (first at line %d)'):format(id, d.ids[id].line))
  end
  local obj = f(d, id, data, tail, #id + 2)
  obj.line, obj.col = n, col0
  if id ~= '*' then d.ids[id] = obj end
end

H.kinds.T = function(d, id, data, tail, dc)
  -- the common line, one fragment of short offsets, read at once (as the loop below would)
  local typ, da, db = data:match('^([^ ]+) (%d+) (%d+)$')
  if typ and #da <= M.MAX_DIGITS and #db <= M.MAX_DIGITS then
    local sa, sb = tonumber(da), tonumber(db)
    if sa > sb then fail(dc + #typ + 1, ('offsets %s %s: the start is after the end'):format(da, db)) end
    local e = { id = id, type = typ, spans = { { sa, sb } }, text = tail }
    d.entities[#d.entities + 1] = e
    return e
  end
  local offs
  typ, offs = data:match('^([^ ]+) (.*)$')
  if not typ then fail(dc, 'a T line is ID, tab, TYPE START END, tab, text') end
  local spans, col = {}, dc + #typ + 1
  for part in (offs .. ';'):gmatch('([^;]*);') do
    -- as brat: "START END", one space between, blanks allowed after END
    local a, b = part:match('^([^ ]*) (.-)%s*$')
    if not a or b:match('%s') or a == '' or b == '' then
      fail(col, ("bad offsets '%s' (START END, fragments joined by ';')"):format(part))
    end
    local sa, sb = H.number(a, col), H.number(b, col + #a + 1)
    if sa > sb then fail(col, ('offsets %s: the start is after the end'):format(part)) end
    spans[#spans + 1] = { sa, sb }
    col = col + #part + 1
  end
  local e = { id = id, type = typ, spans = spans, text = tail }
  d.entities[#d.entities + 1] = e
  return e
end

local function attribute(d, id, data, dc, old)
  local w = H.words(data, dc)
  local a
  if old then
    -- M lines (brat's old modifiers): exactly TYPE TARGET
    if #w ~= 2 then fail(dc, 'an M line is ID, tab, TYPE TARGET') end
    a = { id = id, name = w[1][1], target = w[2][1], target_col = w[2][2] }
  else
    -- as brat: NAME, one space, TARGET, one space, the value up to the end (blanks after
    -- it are not part of it)
    local s = data:gsub('%s+$', '')
    local name, target, value = s:match('^([^ ]+) ([^ ]+) (.+)$')
    if not name then name, target = s:match('^([^ ]+) ([^ ]+)$') end
    if not name then fail(dc, 'an A line is ID, tab, NAME TARGET [VALUE]') end
    a = { id = id, name = name, target = target, value = value, target_col = dc + #name + 1 }
  end
  d.attributes[#d.attributes + 1] = a
  return a
end

H.kinds.A = function(d, id, data, _, dc) return attribute(d, id, data, dc, false) end
H.kinds.M = function(d, id, data, _, dc) return attribute(d, id, data, dc, true) end

--- "ROLE:ID" words into { {role, id, col}, ... }.
function H.args(words, what)
  local out = {}
  for _, w in ipairs(words) do
    local role, ref = w[1]:match('^([^:]+):([^:]+)$')
    if not role then fail(w[2], ("'%s' is not ROLE:ID (%s)"):format(w[1], what)) end
    out[#out + 1] = { role, ref, w[2] + #role + 1 }
  end
  return out
end

H.kinds.R = function(d, id, data, _, dc)
  -- the common line, single spaces and two roles, read at once (as below)
  local typ, r1, id1, r2, id2 = data:match('^([^%s]+) ([^:%s]+):([^:%s]+) ([^:%s]+):([^:%s]+)$')
  if typ and r1 ~= r2 then
    local c1 = dc + #typ + 1
    local c2 = c1 + #r1 + #id1 + 2
    local r = { id = id, type = typ, args = { { r1, id1, c1 + #r1 + 1 }, { r2, id2, c2 + #r2 + 1 } } }
    d.relations[#d.relations + 1] = r
    return r
  end
  local w = H.words(data, dc)
  if #w ~= 3 then fail(dc, 'an R line is ID, tab, TYPE ROLE:ID ROLE:ID') end
  typ = table.remove(w, 1)[1]
  local args = H.args(w, 'a relation argument')
  if args[1][1] == args[2][1] then fail(w[2][2], ('both arguments are named %s'):format(args[1][1])) end
  local r = { id = id, type = typ, args = args }
  d.relations[#d.relations + 1] = r
  return r
end

H.kinds.E = function(d, id, data, _, dc)
  local w = H.words(data, dc)
  local head = table.remove(w, 1)
  local typ, trigger = (head and head[1] or ''):match('^([^:]+):([^:]+)$')
  if not typ then fail(dc, 'an E line is ID, tab, TYPE:TRIGGER ROLE:ID ...') end
  local e = { id = id, type = typ, trigger = trigger, trigger_col = dc + #typ + 1,
    args = H.args(w, 'an event argument') }
  d.events[#d.events + 1] = e
  return e
end

H.kinds['*'] = function(d, _, data, _, dc)
  local w = H.words(data, dc)
  if #w < 2 then fail(dc, 'a * line is *, tab, TYPE ID ID ...') end
  local typ = table.remove(w, 1)[1]
  local members, cols = {}, {}
  for i, x in ipairs(w) do
    members[i], cols[i] = x[1], x[2]
  end
  local q = { type = typ, members = members, cols = cols }
  d.equivs[#d.equivs + 1] = q
  return q
end

H.kinds.N = function(d, id, data, tail, dc)
  local w = H.words(data, dc)
  if #w ~= 3 or not w[3][1]:match('^[^:]+:.') then
    fail(dc, 'an N line is ID, tab, TYPE TARGET DB:ID, tab, text')
  end
  local nm = { id = id, type = w[1][1], target = w[2][1], target_col = w[2][2], ref = w[3][1], text = tail }
  d.norms[#d.norms + 1] = nm
  return nm
end

H.kinds['#'] = function(d, id, data, tail, dc)
  local w = H.words(data, dc)
  if #w ~= 2 then fail(dc, 'a # line is ID, tab, TYPE TARGET, tab, text') end
  local nt = { id = id, kind = w[1][1], target = w[2][1], target_col = w[2][2], text = tail or '' }
  d.notes[#d.notes + 1] = nt
  return nt
end

return M
