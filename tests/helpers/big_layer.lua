-- A corpus of one document with a large layer of ana's (tens of megabytes), made in a temp
-- folder by the test that needs it (never committed): the example corpus's schema, a
-- document of `lines` lines of a few sentences each, an annotation on every sentence from
-- line `from` on (the lines above are free: an annotation made there comes before all others
-- in the canonical order), with quote, prefix and suffix as the editor writes them.
local T = require('helpers')
local M = {}

local WORDS = { 'talks', 'envoy', 'sanctions', 'summit', 'treaty', 'missile', 'border', 'trade', 'aid', 'visit' }

--- The corpus's folder, the document's path relative to it, and the layer's size in bytes.
---@param opts {lines: integer|nil, from: integer|nil, per_line: integer|nil}|nil
---@return string dir
---@return string rel
---@return integer bytes
function M.make(opts)
  opts = opts or {}
  local lines, from, per = opts.lines or 40000, opts.from or 6, opts.per_line or 4
  local core = require('stance.core')
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations/ana && cp %s %s/.stance/'):format(T.q(d),
    T.q(T.root .. '/doc/example/shared-corpus/schema.stance'), T.q(d)))
  local parts, spans, at = {}, {}, 0
  for l = 1, lines do
    local row = {}
    for k = 1, per do
      local w1, w2 = WORDS[(l + k) % #WORDS + 1], WORDS[(l * 7 + k) % #WORDS + 1]
      local sentence = ('Line %d sentence %d: the %s and the %s must go on.'):format(l, k, w1, w2)
      if l >= from then spans[#spans + 1] = { at, at + #sentence } end
      row[#row + 1] = sentence
      at = at + #sentence + (k < per and 1 or 0)
    end
    parts[#parts + 1] = table.concat(row, ' ')
    at = at + 1 -- the line's end
  end
  local text = table.concat(parts, '\n') .. '\n'
  T.write(d .. '/doc.txt', text)
  local store = core.store()
  store:set_header('document', 'doc.txt')
  store:set_header('annotator', 'ana')
  store:set_header('hash', 'sha256:' .. core.sha256(text))
  local stances = { 'favor', 'against', 'neutral' }
  for i, sp in ipairs(spans) do
    local a, b = sp[1], sp[2]
    assert(store:add({ kind = 'annotation', id = ('b%011d'):format(i), spans = { { a, b } }, label = 'stance',
      target = 'engagement', stance = stances[i % 3 + 1], quote = text:sub(a + 1, b),
      prefix = text:sub(math.max(a - 31, 0) + 1, a), suffix = text:sub(b + 1, b + 32),
      created = '2026-11-22T10:00:00Z' }))
  end
  local out = store:write()
  T.write(d .. '/.stance/annotations/ana/doc.txt.stance', out)
  return d, 'doc.txt', #out
end

return M
