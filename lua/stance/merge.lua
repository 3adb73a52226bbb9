--- Three-way merge of annotation stores, record by record (by ID, and conflict side): what
--- changed on one side only is taken; the same record changed differently on both sides is a
--- conflict, written as both versions marked `conflict ours` / `conflict theirs` (doc/format.md,
--- section 7). Used by the editor when the file changed on disk, and by `stance merge`.
local M = {}
local H = {}

local IGNORED = { line = true, slot = true, touched = true, orphan = true }

local function key(r)
  return r.kind .. '\0' .. r.id .. '\0' .. (r.conflict or '')
end

local function same_value(a, b)
  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end
  if #a ~= #b then return false end
  for i = 1, #a do
    if not same_value(a[i], b[i]) then return false end
  end
  return true
end

--- Whether two records say the same thing (their place in the file aside).
---@param a table|nil
---@param b table|nil
---@return boolean
function M.same(a, b)
  if a == nil or b == nil then return a == b end
  for k, v in pairs(a) do
    if not IGNORED[k] and not same_value(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if not IGNORED[k] and a[k] == nil then return false end
  end
  return true
end

local function copy(rec, conflict)
  local out = {}
  for k, v in pairs(rec) do
    if not IGNORED[k] then out[k] = v end
  end
  if conflict then out.conflict = conflict end
  return out
end

local function index(store)
  local by, order = {}, {}
  if store then
    for _, kind in ipairs({ 'annotation', 'relation', 'doclabel' }) do
      for _, r in ipairs(store:records(kind)) do
        local k = key(r)
        by[k] = r
        order[#order + 1] = k
      end
    end
  end
  return by, order
end

---@class stance.MergeResult
---@field store stance.Store the merged records
---@field conflicts integer records changed differently on both sides
---@field conflict_ids string[]
---@field ours integer changes kept from ours
---@field theirs integer changes taken from theirs
---@field hash_dropped boolean the sides recorded different hashes of the document: the
--- merge records none (its annotations are checked against the document when read)

--- One document stance per target: two sides that each set the document's stance toward
--- the same target made two doclabels (two IDs), which merge without a conflict record by
--- record. When the merge brought such a pair (one of them not in the base) and they say
--- different things, it is a conflict (both kept; `stance check` and the editor say it):
--- counted in `res`, so that `stance merge` exits 1 and git reports the file.
function H.doclabel_conflicts(out, base_index, res)
  local by_target = {}
  for _, r in ipairs(out:records('doclabel')) do
    if r.target and not r.conflict then
      by_target[r.target] = by_target[r.target] or {}
      table.insert(by_target[r.target], r)
    end
  end
  for _, list in pairs(by_target) do
    local new, differ = false, false
    for i, r in ipairs(list) do
      if not base_index[key(r)] then new = true end
      if i > 1 and (r.stance ~= list[1].stance or r.label ~= list[1].label) then differ = true end
    end
    if #list > 1 and new and differ then
      res.conflicts = res.conflicts + 1
      res.conflict_ids[#res.conflict_ids + 1] = list[1].id
    end
  end
end

--- Merge `ours` and `theirs`, both changed from `base` (nil: nothing in common).
---@param base stance.Store|nil
---@param ours stance.Store
---@param theirs stance.Store
---@return stance.MergeResult|nil
---@return string|nil err
function M.stores(base, ours, theirs)
  local core = require('stance.core')
  local b = index(base)
  local o, oorder = index(ours)
  local t, torder = index(theirs)
  local out = core.store()
  local res = { store = out, conflicts = 0, conflict_ids = {}, ours = 0, theirs = 0 }
  local done = {}
  local function add(rec, conflict)
    local ok, err = out:add(copy(rec, conflict))
    if not ok then error(('merging %s: %s'):format(rec.id, err), 0) end
  end
  local function one(k)
    if done[k] then return end
    done[k] = true
    local br, orec, trec = b[k], o[k], t[k]
    if M.same(orec, trec) then
      if orec then add(orec) end
    elseif M.same(br, orec) then
      if trec then add(trec) end
      res.theirs = res.theirs + 1
    elseif M.same(br, trec) then
      if orec then add(orec) end
      res.ours = res.ours + 1
    else
      res.conflicts = res.conflicts + 1
      res.conflict_ids[#res.conflict_ids + 1] = (orec or trec).id
      if orec then add(orec, 'ours') end
      if trec then add(trec, 'theirs') end
    end
  end
  local ok, err = pcall(function()
    for _, k in ipairs(oorder) do
      one(k)
    end
    for _, k in ipairs(torder) do
      one(k)
    end
  end)
  if not ok then return nil, err end
  H.doclabel_conflicts(out, b, res)
  local h = ours:header()
  local th = theirs:header()
  for _, name in ipairs({ 'document', 'annotator' }) do
    local v = h[name] or th[name]
    if v then out:set_header(name, v) end
  end
  -- The hash says which text the offsets count in. Sides that recorded different ones (one
  -- re-anchored to an edited document, the other annotated the old text) give records of
  -- both texts: the merge then records none, and every reader checks each annotation's
  -- quote against the document (re-anchoring what moved) instead of trusting the offsets.
  if h.hash ~= nil and (h.hash == th.hash or th.hash == nil and theirs:count() == 0) then
    out:set_header('hash', h.hash)
  elseif h.hash == nil and th.hash ~= nil and ours:count() == 0 then
    out:set_header('hash', th.hash)
  end
  res.hash_dropped = (h.hash or th.hash) ~= nil and out:header().hash == nil
  -- The status, three-way: the side that changed it wins; changed on both, "done" only when
  -- both say so (a document someone still works on is not finished).
  local bs = base and base:header().status
  local status = h.status
  if h.status == bs then
    status = th.status
  elseif th.status ~= bs and h.status ~= th.status then
    status = 'in-progress'
  end
  if status then out:set_header('status', status) end
  return res
end

return M
