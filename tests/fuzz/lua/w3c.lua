-- Fuzz harness of the JSON decoder and the W3C Web Annotation reader (tests/fuzz/w3c.c).
-- For any input:
--   - decoding never raises: a failure is a message with a byte offset inside the input;
--   - what decodes encodes, and that encoding decodes to the same encoding (a fixed point);
--   - what decodes is valid UTF-8 (every string and key), each array and object is placed
--     (where) at its '[' or '{', and an object given one of its keys twice is refused;
--   - the W3C reader never raises, its problems have a line and a column, and what it
--     reads is placed in a document as a store that writes a file that reads back; a
--     collection in pages it refuses (a loop, a page in another file) is said and gives nothing.
local json = require('stance.json')
local w3c = require('stance.interop.w3c')
local core = require('stance.core')
local utf8 = require('utf8') -- Lua 5.4's: strict (no surrogates, nothing past U+10FFFF)

local DOCUMENT = 'The Congestion Charge Is Working. Keep It.\nTraffic has fallen by a fifth. — «merci» 😀\n'

local function walk(v, depth)
  assert(depth <= json.MAX_DEPTH + 1, 'nested no deeper than the limit')
  if type(v) == 'string' then
    assert(utf8.len(v), 'a decoded string is valid UTF-8')
  elseif type(v) == 'table' then
    for k, x in pairs(v) do
      walk(k, depth)
      walk(x, depth + 1)
    end
  end
end

return function(input)
  local where = {}
  local v, err, pos = json.decode(input, where)
  if v == nil and err then
    assert(type(err) == 'string' and pos >= 0 and pos <= #input, 'a decoding error with its byte offset')
  else
    walk(v, 0)
    for t, at in pairs(where) do
      assert(input:sub(at + 1, at + 1) == (getmetatable(t) and '[' or '{'), 'a container placed at its bracket')
    end
    local s = json.encode(v)
    assert(json.encode(json.decode(s)) == s, 'decode(encode(v)) encodes the same')
    -- the first key again, at the front: refused
    local first = s:match('^{("[^"\\]*":)')
    if first then
      local twice = '{' .. first .. 'null,' .. s:sub(2)
      local dv, derr = json.decode(twice)
      assert(dv == nil and derr:find('duplicate key', 1, true), 'a key twice is refused')
    end
  end
  local by_doc, relations, problems, _, refused = w3c.read(input)
  for _, p in ipairs(problems) do
    assert(p.line >= 1 and p.col >= 1 and type(p.message) == 'string', 'a problem without its place')
  end
  -- a collection whose pages cannot all be read (a loop; a page in a file: no file is read
  -- without an import's folder) is said, and gives nothing
  if refused then
    assert(#problems > 0 and next(by_doc) == nil, 'a refused collection is said and gives nothing')
  end
  assert(type(relations) == 'table')
  for _, recs in pairs(by_doc) do
    local store = w3c.place(recs, DOCUMENT)
    local back = core.read(store:write())
    assert(back, 'the placed records write a file that reads')
  end
end
