-- A corpus of posts in the shape of SemEval-2016 (files of one target each, one post per
-- line): its schema, for the specs of the unit line and targets' documents (tests/lua and
-- tests/nvim).
local M = {}

M.TARGETS = { { name = 'atheism', key = 't' }, { name = 'climate', key = 'c' } }

--- The schema: targets atheism (key t) and climate (key c), stances favor (f) and against
--- (a), one label per target and stance (TARGET-STANCE, keys 1 to 4); with `scoped`, the
--- corpus's `unit line` and each target's `documents` (its own files, TARGET_*.txt).
---@param scoped boolean|nil
---@return string
function M.schema(scoped)
  local out = { 'format stance 1', 'corpus', '  include "*.txt"' }
  if scoped then out[#out + 1] = '  unit line' end
  for _, t in ipairs(M.TARGETS) do
    out[#out + 1] = 'target ' .. t.name
    out[#out + 1] = '  key ' .. t.key
    if scoped then out[#out + 1] = ('  documents "%s_*.txt"'):format(t.name) end
  end
  out[#out + 1] = 'stance favor\n  key f\nstance against\n  key a'
  local key = 0
  for _, t in ipairs(M.TARGETS) do
    for _, s in ipairs({ 'favor', 'against' }) do
      key = key + 1
      out[#out + 1] = ('label %s-%s\n  key %d\n  target %s\n  stance %s'):format(t.name, s, key, t.name, s)
    end
  end
  return table.concat(out, '\n') .. '\n'
end

return M
