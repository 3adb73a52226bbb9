-- Fuzz harness of the JSON decoder and the W3C Web Annotation reader (tests/fuzz/w3c.c).
-- For any input:
--   - decoding never raises: a failure is a message with a byte offset inside the input;
--   - what decodes encodes, and that encoding decodes to the same encoding (a fixed point);
--   - the W3C reader never raises, its problems have a line and a column, and what it
--     reads is placed in a document as a store that writes a file that reads back.
local json = require('stance.json')
local w3c = require('stance.interop.w3c')
local core = require('stance.core')

local DOCUMENT = 'The Congestion Charge Is Working. Keep It.\nTraffic has fallen by a fifth. — «merci» 😀\n'

return function(input)
  local v, err, pos = json.decode(input)
  if v == nil and err then
    assert(type(err) == 'string' and pos >= 0 and pos <= #input, 'a decoding error with its byte offset')
  else
    local s = json.encode(v)
    assert(json.encode(json.decode(s)) == s, 'decode(encode(v)) encodes the same')
  end
  local by_doc, relations, problems = w3c.read(input)
  for _, p in ipairs(problems) do
    assert(p.line >= 1 and p.col >= 1 and type(p.message) == 'string', 'a problem without its place')
  end
  assert(type(relations) == 'table')
  for _, recs in pairs(by_doc) do
    local store = w3c.place(recs, DOCUMENT)
    local back = core.read(store:write())
    assert(back, 'the placed records write a file that reads')
  end
end
