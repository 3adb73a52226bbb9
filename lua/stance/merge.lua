--- Three-way merge of annotation stores, record by record (by ID, and conflict side): what
--- changed on one side only is taken; the same record changed differently on both sides is a
--- conflict, written as both versions marked `conflict ours` / `conflict theirs` (doc/format.md,
--- section 7). Used by the editor when the file changed on disk, and by `stance merge`.
local M = {}
local H = {}

local IGNORED = { line = true, slot = true, touched = true, orphan = true }

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

---@class stance.MergeResult
---@field store stance.Store the merged records
---@field conflicts integer records changed differently on both sides
---@field conflict_ids string[] the IDs of the records in conflict
---@field header_conflicts string[] what of the header changed on both sides (`annotator`, an
--- unknown attribute's name): ours kept, theirs' as a comment inside `document`
---@field ours integer changes kept from ours
---@field theirs integer changes taken from theirs
---@field dangling {id: string, ends: string[], side: string, deleted_by: string}[] relations kept
--- on one side whose end the other deleted: both kept, marked `conflict SIDE` (H.dangling)
---@field hash_dropped boolean the sides recorded different hashes of the document: the
--- merge records none (its annotations are checked against the document when read)

--- One document stance per target: two sides that each set the document's stance toward
--- the same target made two doclabels (two IDs), which merge without a conflict record by
--- record. When the merge brought such a pair (one of them not in the base) and they say
--- different things, it is a conflict (both kept; `stance check` and the editor say it):
--- counted in `res`, so that `stance merge` exits 1 and git reports the file.
function H.doclabel_conflicts(out, base, res)
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
      if not (base and base:slot_of(r.id)) then new = true end
      if i > 1 and (r.stance ~= list[1].stance or r.label ~= list[1].label) then differ = true end
    end
    if #list > 1 and new and differ then
      res.conflicts = res.conflicts + 1
      res.conflict_ids[#res.conflict_ids + 1] = list[1].id
    end
  end
end

--- Whether the files merged are the model layer (stance suggest's suggestions): by the
--- file's place (its annotator folder `model`), else by ours' `annotator`.
function H.is_model(ours, place)
  if place and place.folder then return place.folder == 'model' end
  return ours:header().annotator == 'model'
end

--- The time a record of the model layer was last made: its `modified`, else its `created`
--- (RFC 3339 in UTC: compared as strings); '' without either.
local function made(r)
  return r.modified or r.created or ''
end

--- Of one suggestion of the model layer (one ID: model.suggestion_id derives it from the
--- document, the sentence and the target) changed differently on both sides, or deleted on
--- one and changed on the other, which version the merge keeps: true for theirs. A side that
--- deleted it gives way to the one that changed it (the next `stance suggest` decides again);
--- an annotator's rejection (g-) beats a suggestion; else the newer (`modified`, `created`),
--- ours when as new; ours when they differ in their times only (`created`, `modified`: two
--- runs that suggested the same, the second value true). Machine output: never a conflict
--- for people to settle by hand.
---@param o table|nil ours' version
---@param t table|nil theirs'
---@return boolean theirs
---@return boolean alike
function H.model_theirs(o, t)
  if not o or not t then return o == nil, false end
  local function untimed(r)
    local c = {}
    for k, v in pairs(r) do
      if k ~= 'created' and k ~= 'modified' then c[k] = v end
    end
    return c
  end
  if M.same(untimed(o), untimed(t)) then return false, true end
  local model = require('stance.model')
  local ro, rt = model.is_rejection(o), model.is_rejection(t)
  if ro ~= rt then return rt, false end
  return made(t) > made(o), false
end

--- The model layer merged: one suggestion per sentence and target. Suggestions minted with
--- random IDs (stance before suggestion IDs were derived, or two versions of stance on two
--- sides) made at the same place toward the same target by both sides would both be kept:
--- the newer stays (the smaller ID when as new), the others are removed
--- (`res.model_duplicates` counts them). Rejections and records in conflict are left alone.
function H.model_duplicates(out, res)
  local model = require('stance.model')
  local best, drop = {}, {}
  for _, r in ipairs(out:records('annotation')) do
    if not r.conflict and not model.is_rejection(r) then
      local parts = {}
      for i, sp in ipairs(r.spans or {}) do
        parts[i] = sp[1] .. '-' .. sp[2]
      end
      local key = table.concat(parts, ',') .. ' ' .. (r.target or '')
      local b = best[key]
      if not b then
        best[key] = r
      else
        local newer = made(r) > made(b) or (made(r) == made(b) and r.id < b.id)
        drop[#drop + 1] = newer and b.id or r.id
        if newer then best[key] = r end
      end
    end
  end
  for _, id in ipairs(drop) do
    assert(out:remove(id))
  end
  res.model_duplicates = #drop
end

--- A relation kept (or added, or changed) on one side whose end, an annotation, the other
--- side deleted: the merge took the deletion and would leave the relation dangling. It is a
--- conflict instead, recorded as one of a record deleted on one side and kept on the other
--- (doc/format.md, section 7): the relation and its end (from the base, where the side that
--- deleted it found it) both kept, marked `conflict SIDE` (the side that kept them): keep
--- both, or delete both. Counted in `res.conflicts`, each in `res.dangling` ({id, ends, side,
--- deleted_by}). A relation whose end is in no side nor the base (dangling in its own file)
--- is left as it is: `stance check` says it there.
function H.dangling(out, base, theirs, res)
  if not base then return end -- nothing in common: nothing was deleted
  local function present(store, id)
    return store:slot_of(id) or store:slot_of(id, 'ours') or store:slot_of(id, 'theirs')
  end
  local restored = {}
  for _, r in ipairs(out:records('relation')) do
    local lost = {}
    for _, e in ipairs({ r.from, r.to }) do
      if e and not lost[e] and (restored[e] or not present(out, e) and base:slot_of(e)) then
        lost[#lost + 1] = e
        lost[e] = true
      end
    end
    if #lost > 0 then
      -- who kept the end: theirs when it still has it (ours deleted it), else ours
      local side = restored[lost[1]] or (theirs:slot_of(lost[1]) and 'theirs' or 'ours')
      if r.conflict then
        side = r.conflict == 'ours' and 'ours' or r.conflict == 'theirs' and 'theirs' or side
      else
        assert(out:remove(r.id))
        r.conflict = side
        local ok, err = out:add(r)
        if not ok then error(('merging relation %s: %s'):format(r.id, err), 0) end
      end
      for _, e in ipairs(lost) do
        if not restored[e] then
          local ok, err = out:add_from(base, base:slot_of(e), side)
          if not ok then error(('merging annotation %s: %s'):format(e, err), 0) end
          restored[e] = side
        end
      end
      res.conflicts = res.conflicts + 1
      res.dangling[#res.dangling + 1] = { id = r.id, ends = lost, side = side,
        deleted_by = side == 'theirs' and 'ours' or 'theirs' }
    end
  end
end

--- The versions of record `id` in `store` (nil: none): slots of the one without a conflict
--- mark and of those marked `ours` and `theirs`, and whether any is marked.
local function group(store, id)
  if not store then return {} end
  local g = { store:slot_of(id), store:slot_of(id, 'ours'), store:slot_of(id, 'theirs') }
  g.marked = g[2] ~= nil or g[3] ~= nil
  g.any = g[1] ~= nil or g.marked
  return g
end

local function same_group(sa, a, sb, b)
  for i = 1, 3 do
    if (a[i] == nil) ~= (b[i] == nil) then return false end
    if a[i] and not sa:same(a[i], sb, b[i]) then return false end
  end
  return true
end

local SIDE = { [false] = 1, ours = 2, theirs = 3 }

--- The file's text kept as written, three-way (M.kept).
local KEPT_COMMENTS = { 'head', 'doc_comments', 'doc_inner', 'tail' }

local function lines(text)
  local out = {}
  for l in (text or ''):gmatch('[^\n]*\n') do
    out[#out + 1] = l
  end
  return out
end

--- Comment lines, three-way: unchanged on one side, the other side's; changed on both,
--- ours with theirs' new lines (not in the base, not in ours) after them: none is dropped.
function H.comments(b, o, t)
  if o == t or b == t then return o end
  if b == o then return t end
  local have, out = {}, o or ''
  for _, l in ipairs(lines(b)) do
    have[l] = true
  end
  for _, l in ipairs(lines(o)) do
    have[l] = true
  end
  for _, l in ipairs(lines(t)) do
    if not have[l] then
      out = out .. l
      have[l] = true
    end
  end
  return out
end

--- The document's unknown attributes (kept() doc_extras) as a list of { key, text }: key
--- the attribute's name and which of that name it is (`reviewer#1`), text its lines
--- (`|` lines going on from it included).
function H.attributes(extras)
  local list, seen = {}, {}
  for _, l in ipairs(lines(extras)) do
    if l:sub(1, 3) == '  |' and #list > 0 then
      list[#list].text = list[#list].text .. l
    else
      local name = l:match('^(%S+)') or l
      seen[name] = (seen[name] or 0) + 1
      list[#list + 1] = { key = name .. '#' .. seen[name], name = name, text = l }
    end
  end
  return list
end

--- Whether `value` of the header's `name` (`document`, `annotator`) is what the file's place
--- says: `place.document` the document of its path (stance.reanchor.document_of),
--- `place.folder` its annotator's folder (stance.root.slug of the name). False when the place
--- is not known.
---@param place {document: string|nil, folder: string|nil, hash: string|nil}|nil
function H.fits(place, name, value)
  if not place or value == nil then return false end
  if name == 'document' then return place.document ~= nil and value == place.document end
  return place.folder ~= nil and require('stance.root').slug(value) == place.folder
end

--- Whether the document at the file's place is the text ours' offsets count in: its hash
--- (place.hash) is ours' `hash`; when git has not written it yet (a document new on theirs,
--- checked out after the layer), theirs' layer records the same hash as ours'. (A theirs that
--- records a hash its text does not have is seen by stance check: "its text changed".)
---@param place {hash: string|nil}
---@param oh table ours' header
---@param th table theirs' header
function H.same_text(place, oh, th)
  if oh.hash == nil then return false end
  if place.hash ~= nil then return place.hash == oh.hash end
  return th.hash == oh.hash
end

--- The header's kept lines a conflict adds inside `document`: theirs' version as comments.
local function theirs_as_comment(text)
  local out = {}
  for _, l in ipairs(lines(text)) do
    out[#out + 1] = '# conflict theirs: ' .. l
  end
  return table.concat(out)
end

--- The header three-way into `out`: comments (before `format`, before and inside `document`,
--- after the last record), the document's attributes stance does not know, and its
--- `document` and `annotator`. An attribute changed on both sides differently (or
--- `document`/`annotator` changed by theirs to another value than ours') keeps ours' value,
--- writes theirs' as a comment inside `document` (`# conflict theirs: ...`) and is a
--- conflict (`res.header_conflicts`, counted in `res.conflicts`); but theirs' `document`
--- that the file's place gives (`place`, see H.fits) while ours' does not is taken when the
--- document there is the very text ours recorded (H.same_text): a document
--- renamed on theirs, its layer file moved with it. Never `annotator` (git calls the driver
--- because ours changed the file: taking theirs' would give ours' new work to another
--- person), nor a document of another text (ours' offsets count in its own).
function H.header(base, ours, theirs, out, res, place)
  local bk, ok, tk = base and base:kept() or {}, ours:kept(), theirs:kept()
  local bh, oh, th = base and base:header() or {}, ours:header(), theirs:header()
  local extra_comments = {}
  local function conflict(what, text)
    res.conflicts = res.conflicts + 1
    res.header_conflicts[#res.header_conflicts + 1] = what
    extra_comments[#extra_comments + 1] = theirs_as_comment(text)
  end
  for _, name in ipairs({ 'document', 'annotator' }) do
    local b, o, t = bh[name], oh[name], th[name]
    local v = o
    if o == nil then
      v = t -- ours has no header (a file git's add/add gave empty)
    elseif t ~= nil and t ~= o and t ~= b then
      if name == 'document' and H.fits(place, name, t) and not H.fits(place, name, o)
        and H.same_text(place, oh, th) then
        v = t -- the same text at the place theirs names (a rename on theirs): taken
      else -- theirs changed it (ours kept; said)
        conflict(name, ('%s %s\n'):format(name, require('stance.core').quote(t)))
      end
    end
    if v then out:set_header(name, v) end
  end
  -- unknown attributes, each three-way by its name (and which of that name it is)
  local ba, oa, ta = H.attributes(bk.doc_extras), H.attributes(ok.doc_extras), H.attributes(tk.doc_extras)
  local function by_key(list)
    local m = {}
    for _, a in ipairs(list) do
      m[a.key] = a.text
    end
    return m
  end
  local bm, om, tm = by_key(ba), by_key(oa), by_key(ta)
  local extras = {}
  local function one(key, name)
    local b, o, t = bm[key], om[key], tm[key]
    local v
    if o == t or b == t then
      v = o
    elseif b == o then
      v = t
    else
      v = o
      conflict(name, t or ('(%s removed)\n'):format(name))
    end
    if v then extras[#extras + 1] = v end
  end
  for _, a in ipairs(oa) do
    one(a.key, a.name)
  end
  for _, a in ipairs(ta) do
    if om[a.key] == nil then one(a.key, a.name) end
  end
  for _, a in ipairs(ba) do -- removed by ours, changed by theirs: a conflict said
    if om[a.key] == nil and tm[a.key] == nil then one(a.key, a.name) end
  end
  out:set_kept('doc_extras', table.concat(extras))
  for _, name in ipairs(KEPT_COMMENTS) do
    local v = H.comments(bk[name], ok[name], tk[name])
    if name == 'doc_inner' then
      for _, c in ipairs(extra_comments) do
        if not ('\n' .. (v or '')):find('\n' .. c, 1, true) then v = (v or '') .. c end
      end
    end
    out:set_kept(name, v)
  end
end

--- Merge `ours` and `theirs`, both changed from `base` (nil: nothing in common). The
--- records are compared and copied in C (a Lua table is made only for an ID that has
--- versions marked `conflict`); the header merged by H.header.
---@param base stance.Store|nil
---@param ours stance.Store
---@param theirs stance.Store
---@param names {ours: string|nil, theirs: string|nil}|nil the files' names, for messages
---@param opts {in_place: boolean|nil, place: table|nil}|nil in_place: the result is made in
--- `ours` (changed, also when the merge fails: for a caller that drops it then), which saves
--- a fourth store; place: what the merged file's path says ({document, folder}, see H.fits):
--- theirs' `document` or `annotator` that it gives is taken, not a conflict
---@return stance.MergeResult|nil
---@return string|nil err
---@return string|nil code "EUNRESOLVED": a record holds a conflict of an earlier merge and
--- both sides changed it (err: NAME:LINE:COL: ...)
function M.stores(base, ours, theirs, names, opts)
  names = names or {}
  local in_place = opts and opts.in_place
  local core = require('stance.core')
  local out = in_place and ours or core.store()
  local h, th = ours:header(), theirs:header()
  local ocount, tcount = ours:count(), theirs:count()
  local res = { store = out, conflicts = 0, conflict_ids = {}, ours = 0, theirs = 0, header_conflicts = {},
    dangling = {}, model_chosen = 0, model_duplicates = 0 }
  local is_model = H.is_model(ours, opts and opts.place)
  local function add(store, slot, conflict)
    local ok, err = out:add_from(store, slot, conflict)
    if not ok then error(('merging %s: %s'):format(store:brief(slot) or '?', err), 0) end
  end
  local function emit(store, g)
    if in_place and store == ours then return end -- there already
    for i = 1, 3 do
      if g[i] then add(store, g[i]) end
    end
  end
  local SIDES = { false, 'ours', 'theirs' }
  --- (in place) ours' versions of `id` taken out of the result
  local function drop(g, id)
    if not in_place then return end
    for i = 1, 3 do
      if g[i] then assert(ours:remove(id, SIDES[i] or nil)) end
    end
  end
  local function unresolved(store, g, id, side)
    local rec = store:at(g[2] or g[3])
    error({ code = 'EUNRESOLVED', message = ('%s:%d:1: %s %s holds an unresolved conflict from an earlier merge'
      .. ' (`conflict ours`/`conflict theirs`, in %s) and the other side changed it too; resolve it first'
      .. ' (keep one version, delete the other), then merge again'):format(names[side] or side,
      rec and rec.line or 0, rec and rec.kind or 'record', id, side) }, 0)
  end
  local function unit(id)
    local bg, og, tg = group(base, id), group(ours, id), group(theirs, id)
    if same_group(ours, og, theirs, tg) then
      emit(ours, og)
    elseif base and same_group(base, bg, ours, og) or not base and not og.any then
      drop(og, id)
      emit(theirs, tg)
      res.theirs = res.theirs + 1
    elseif base and same_group(base, bg, theirs, tg) or not base and not tg.any then
      emit(ours, og)
      res.ours = res.ours + 1
    elseif og.marked then
      unresolved(ours, og, id, 'ours')
    elseif tg.marked then
      unresolved(theirs, tg, id, 'theirs')
    elseif is_model then
      -- the model layer: machine suggestions, one version of each, never a conflict (H.model_theirs)
      local take, alike = H.model_theirs(og[1] and ours:at(og[1]), tg[1] and theirs:at(tg[1]))
      if not alike then res.model_chosen = res.model_chosen + 1 end
      if take then
        drop(og, id)
        emit(theirs, tg)
        res.theirs = res.theirs + 1
      else
        emit(ours, og)
        res.ours = res.ours + 1
      end
    else
      res.conflicts = res.conflicts + 1
      res.conflict_ids[#res.conflict_ids + 1] = id
      if og[1] then
        add(ours, og[1], 'ours')
        drop({ og[1] }, id)
      end
      if tg[1] then add(theirs, tg[1], 'theirs') end
    end
  end
  -- each ID once: at the first of its versions (unmarked, ours, theirs), ours' first
  local function walk(store, skip)
    for slot = 1, store:slots() do
      local id, _, _, _, _, conflict = store:brief(slot)
      if id and SIDE[conflict or false] then
        local n = SIDE[conflict or false]
        local first = n == 1 or (n == 2 and not store:slot_of(id)) or (n == 3 and not store:slot_of(id)
          and not store:slot_of(id, 'ours'))
        if first and not (skip and group(skip, id).any) then unit(id) end
      elseif id and not (skip and skip:slot_of(id, conflict)) then
        -- a version marked otherwise than ours/theirs: one record of its own
        local b, o, t = base and base:slot_of(id, conflict), ours:slot_of(id, conflict), theirs:slot_of(id, conflict)
        local function same(sa, a, sb, bb)
          if a == nil or bb == nil then return a == bb end
          return sa:same(a, sb, bb)
        end
        if same(ours, o, theirs, t) or same(base, b, theirs, t) then
          if o and not in_place then add(ours, o) end
        elseif same(base, b, ours, o) then
          if o and in_place then assert(ours:remove(id, conflict)) end
          if t then add(theirs, t) end
        else
          unresolved(store, { nil, slot }, id, store == ours and 'ours' or 'theirs')
        end
      end
    end
  end
  local ok, err = pcall(function()
    walk(ours)
    walk(theirs, ours)
  end)
  if not ok then
    if type(err) == 'table' then return nil, err.message, err.code end
    return nil, err
  end
  if is_model then H.model_duplicates(out, res) end
  H.doclabel_conflicts(out, base, res)
  local dok, derr = pcall(H.dangling, out, base, theirs, res)
  if not dok then return nil, derr end
  H.header(base, ours, theirs, out, res, opts and opts.place)
  -- The hash says which text the offsets count in. Sides that recorded different ones (one
  -- re-anchored to an edited document, the other annotated the old text) give records of
  -- both texts: the merge then records none, and every reader checks each annotation's
  -- quote against the document (re-anchoring what moved) instead of trusting the offsets.
  if h.hash ~= nil and (h.hash == th.hash or th.hash == nil and tcount == 0) then
    out:set_header('hash', h.hash)
  elseif h.hash == nil and th.hash ~= nil and ocount == 0 then
    out:set_header('hash', th.hash)
  else
    out:set_header('hash', nil)
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
  out:set_header('status', status)
  return res
end

return M
