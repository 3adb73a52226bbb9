--- Three-way merge of curation state files (.stance/curation/DOC.json; `stance merge` as git's
--- merge driver for them, set by `stance init`): each key of `rejected` and `based_on` (and
--- any other key of the object) on its own: unchanged on one side, the other side's; a
--- rejection made on one side and kept on the other stays (two curators' rejections are
--- their union), one lifted on one side is lifted. A value changed on both sides differently
--- (`based_on`: two curators took a gold record from different versions) keeps ours and is a
--- conflict said.
local M = {}

local function same(a, b)
  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end
  local json = require('stance.json')
  return json.encode(a) == json.encode(b)
end

local function three(b, o, t, what, conflicts)
  if same(o, t) or same(b, t) then return o end
  if same(b, o) then return t end
  conflicts[#conflicts + 1] = what
  return o
end

--- Merge the states `ours` and `theirs`, both changed from `base` (decoded objects; {} for a
--- side without a file).
---@param base table
---@param ours table
---@param theirs table
---@return table merged
---@return string[] conflicts what changed on both sides differently ("based_on ID"): ours kept
function M.states(base, ours, theirs)
  local out, conflicts = {}, {}
  local keys = {}
  for _, s in ipairs({ base, ours, theirs }) do
    for k in pairs(s) do
      keys[k] = true
    end
  end
  for k in pairs(keys) do
    local b, o, t = base[k], ours[k], theirs[k]
    if (k == 'rejected' or k == 'based_on') and type(o or {}) == 'table' and type(t or {}) == 'table' then
      local m, ids = {}, {}
      for _, s in ipairs({ b or {}, o or {}, t or {} }) do
        for id in pairs(s) do
          ids[id] = true
        end
      end
      for id in pairs(ids) do
        m[id] = three((b or {})[id], (o or {})[id], (t or {})[id], k .. ' ' .. id, conflicts)
      end
      out[k] = m
    else
      out[k] = three(b, o, t, k, conflicts)
    end
  end
  table.sort(conflicts)
  return out, conflicts
end

return M
