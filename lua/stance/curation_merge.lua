--- Three-way merge of curation state files (.stance/curation/DOC.json; `stance merge` as git's
--- merge driver for them, set by `stance init`): each key of `rejected`, `accepted`, `based_on`
--- and `conflicts` (and any other key of the object) on its own: unchanged on one side, the
--- other side's; a rejection made on one side and kept on the other stays (two curators'
--- rejections are their union), one lifted on one side is lifted.
---
--- A place's decision (rejected, or whose version gold took: `accepted`) is merged as one
--- value: two curators who decided one place differently (one accepted, one rejected; two
--- versions accepted) leave it open, both decisions kept in `conflicts` (the place key: {
--- ours = ..., theirs = ... }), a conflict said: `stance check` says it as an error and the
--- curation panel shows the place open until a curator decides it again (which removes the
--- entry). Before, the rejections were a union and acceptances were not recorded at all: two
--- opposite decisions merged into a record rejecting both places while gold (merged on its own)
--- held both, and nothing said so. Another value changed on both sides differently
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

--- The decision of place `key` in state `s`: { rejected = true }, { accepted = WHOSE }, or nil
--- (open).
function M.decision(s, key)
  if type(s.rejected) == 'table' and s.rejected[key] then return { rejected = true } end
  if type(s.accepted) == 'table' and s.accepted[key] ~= nil then return { accepted = s.accepted[key] } end
  return nil
end

--- A decision in words: "rejected", "accepted ana's version", "accepted cora's own version from
--- ana's", "open".
function M.said(d)
  if type(d) ~= 'table' then return 'open' end
  if d.rejected then return 'rejected' end
  local a = d.accepted
  if type(a) == 'table' then
    return ("accepted an own version from %s's"):format(tostring(a.version))
  end
  if a ~= nil then return ("accepted %s's version"):format(tostring(a)) end
  return 'open'
end

--- Merge the decisions (rejected, accepted) of the three states into `out`, place by place;
--- two different decisions for one place go to `out.conflicts`.
local function decisions(base, ours, theirs, out, conflicts)
  local keys = {}
  for _, s in ipairs({ base, ours, theirs }) do
    for _, f in ipairs({ 'rejected', 'accepted' }) do
      for k in pairs(type(s[f]) == 'table' and s[f] or {}) do
        keys[k] = true
      end
    end
  end
  out.rejected, out.accepted = {}, {}
  for k in pairs(keys) do
    local b, o, t = M.decision(base, k), M.decision(ours, k), M.decision(theirs, k)
    local d
    if same(o, t) or same(b, t) then
      d = o
    elseif same(b, o) then
      d = t
    else
      -- both decided it differently: open again, both kept for the curator
      out.conflicts = out.conflicts or {}
      out.conflicts[k] = { ours = o or { open = true }, theirs = t or { open = true } }
      conflicts[#conflicts + 1] = ('place %s decided differently (ours %s, theirs %s): open again, both kept in'
        .. ' "conflicts" until a curator decides it in :Stance curate'):format(k, M.said(o), M.said(t))
    end
    if d and d.rejected then
      out.rejected[k] = true
    elseif d then
      out.accepted[k] = d.accepted
    end
  end
  -- a place decided in the merge has no conflict left
  for k in pairs(out.conflicts or {}) do
    local d = M.decision(out, k)
    if d then out.conflicts[k] = nil end
  end
  if out.conflicts and next(out.conflicts) == nil then out.conflicts = nil end
  if next(out.accepted) == nil and ours.accepted == nil and theirs.accepted == nil then out.accepted = nil end
end

--- Merge the states `ours` and `theirs`, both changed from `base` (decoded objects; {} for a
--- side without a file).
---@param base table
---@param ours table
---@param theirs table
---@return table merged
---@return string[] conflicts what changed on both sides differently, in words: a place decided
--- differently (left open, both in `conflicts`), a value ("based_on ID": ours kept)
function M.states(base, ours, theirs)
  local out, conflicts = {}, {}
  local keys = {}
  for _, s in ipairs({ base, ours, theirs }) do
    for k in pairs(s) do
      keys[k] = true
    end
  end
  local merged_conflicts
  for k in pairs(keys) do
    local b, o, t = base[k], ours[k], theirs[k]
    if k == 'rejected' or k == 'accepted' then -- below, place by place
      out[k] = nil
    elseif k == 'layers' and type(o or {}) == 'table' and type(t or {}) == 'table' then
      -- the layers each curation decided everything with: a name whose versions differ is
      -- not known (a stale gold then says it may have changed), never a conflict
      local m = {}
      for _, s in ipairs({ o or {}, t or {} }) do
        for name in pairs(s) do
          m[name] = true
        end
      end
      for name in pairs(m) do
        local b1, o1, t1 = (b or {})[name], (o or {})[name], (t or {})[name]
        if same(o1, t1) or same(b1, t1) then m[name] = o1 elseif same(b1, o1) then m[name] = t1 else m[name] = nil end
      end
      out[k] = m
    elseif (k == 'based_on' or k == 'conflicts') and type(o or {}) == 'table' and type(t or {}) == 'table' then
      local m, ids = {}, {}
      for _, s in ipairs({ b or {}, o or {}, t or {} }) do
        for id in pairs(s) do
          ids[id] = true
        end
      end
      for id in pairs(ids) do
        m[id] = three((b or {})[id], (o or {})[id], (t or {})[id], k .. ' ' .. id, conflicts)
      end
      if k == 'conflicts' then merged_conflicts = m else out[k] = m end
    else
      out[k] = three(b, o, t, k, conflicts)
    end
  end
  out.conflicts = merged_conflicts
  decisions(base, ours, theirs, out, conflicts)
  table.sort(conflicts)
  return out, conflicts
end

return M
