--- The stance of the whole document (doclabel records, one per target): `:Stance doc` (and
--- `gD`) asks for the target, showing the stance each has now, then for the stance (or
--- <BS> to remove it); `:Stance doc STANCE [TARGET]` and `:Stance doc - [TARGET]` say it at
--- once. The document's stances are shown in a virtual line under its first line, in their
--- colors (draw).
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local R = require('stance.modules') -- (modules required at first use, kept)
local H = {}

--- The document stances of `store`, by target in the order of the schema's targets (then
--- other targets by name, none last): { {target, stance, label, id}, ... }.
---@param store stance.Store
---@param schema stance.Schema|nil
function M.list(store, schema)
  local out = {}
  for _, d in ipairs(store:records('doclabel')) do
    out[#out + 1] = { target = d.target, stance = d.stance, label = d.label, id = d.id }
  end
  local before = R['stance.schema'].order(schema and schema.targets)
  table.sort(out, function(a, b)
    if a.target ~= b.target then return before(a.target, b.target) end
    return (a.id or '') < (b.id or '')
  end)
  return out
end

--- Virtual text chunks for them ("document (ana): sanctions against"), or nil.
---@param store stance.Store
---@param who string the annotator whose they are
---@param schema stance.Schema|nil
---@return table[]|nil
function M.chunks(store, who, schema)
  if store:count('doclabel') == 0 then return nil end
  local hl = R['stance.editor.highlight']
  local chunks = { { ('document (%s):'):format(who), 'StanceVirtText' } }
  for _, d in ipairs(M.list(store, schema)) do
    local group = d.stance and hl.stance_group(d.stance)
    if not group or vim.fn.hlexists(group) == 0 then group = 'StanceLabel' end
    chunks[#chunks + 1] = { ' ' }
    chunks[#chunks + 1] = { (d.target and (d.target .. ' ') or '') .. (d.stance or d.label or '?'), group }
  end
  return chunks
end

H.ns = vim.api.nvim_create_namespace('stance_document')
H.drawn = {} -- buffers whose first line has the virtual line

--- The document's stances (yours, and those of the layers shown over yours or beside) as a
--- virtual line under the document's first line.
function M.draw(s)
  -- (the annotator's layer alone, as last drawn: the check of each annotation change)
  local meta = s.meta_version or 0
  if next(s.others) == nil and s.doc_alone == s.store and s.doc_alone_meta == meta
    and s.doc_alone_name == s.annotator then
    return
  end
  local names, stores = { s.annotator }, { s.store }
  if next(s.others) then
    -- the layers shown over yours, and those a window shows beside yours
    local sides = {}
    for win, who in pairs(R['stance.editor.render'].sides) do
      if vim.api.nvim_win_is_valid(win) and vim.api.nvim_win_get_buf(win) == s.buf then sides[who] = true end
    end
    local others = vim.tbl_keys(s.others)
    table.sort(others)
    for _, name in ipairs(others) do
      if s.others[name].shown or sides[name] then
        names[#names + 1], stores[#stores + 1] = name, s.others[name].store
      end
    end
  end
  -- made again only when document stances may have changed: an operation (see
  -- stance.editor.ops), another layer shown, a store read again from disk or merged
  local key = table.concat(names, '\0') .. '\0' .. (s.meta_version or 0)
  local same = s.doc_key == key and #s.doc_stores == #stores
  for i = 1, same and #stores or 0 do
    if s.doc_stores[i] ~= stores[i] then same = false end
  end
  s.doc_alone, s.doc_alone_meta, s.doc_alone_name = #stores == 1 and s.store or nil, meta, s.annotator
  if same then return end
  s.doc_key, s.doc_stores = key, stores
  local lines = {}
  for i, store in ipairs(stores) do
    lines[#lines + 1] = M.chunks(store, names[i], s.corpus:schema())
  end
  if #lines == 0 then
    -- (a buffer opened without document stances has none to take away)
    if H.drawn[s.buf] then vim.api.nvim_buf_clear_namespace(s.buf, H.ns, 0, -1) end
    H.drawn[s.buf] = nil
    return
  end
  H.drawn[s.buf] = true
  pcall(vim.api.nvim_buf_set_extmark, s.buf, H.ns, 0, 0, { id = 1, virt_lines = lines })
end

--- The doclabel of `target` (nil: the one without a target) in the session's layer.
function H.find(s, target)
  for _, d in ipairs(s.store:records('doclabel')) do
    if d.target == target then return d end
  end
  return nil
end

--- Set the document's stance toward `target` (nil when the schema has no targets).
function M.set(s, target, stance)
  local ops = R['stance.editor.ops']
  local d = H.find(s, target)
  -- the stance and the removal of the others are one operation: one `u` undoes both
  local ok, err, unchanged = ops.as_one(s, 'document stance', function()
    if not d then return ops.add(s, 'doclabel', { stance = stance, target = target }) end
    local rec, uerr, same = ops.update(s, d.id, { stance = stance, label = d.label or false })
    if not rec then return nil, uerr end
    -- one stance per target: a second doclabel toward it (two writers merged by git) goes
    for _, other in ipairs(s.store:records('doclabel')) do
      if other.target == target and other.id ~= d.id and not other.conflict then
        ops.remove(s, other.id)
        same = false
      end
    end
    return rec, nil, same
  end)
  if not ok then return R['stance.notify'].line(err, vim.log.levels.ERROR) end
  R['stance.compat'].echo(('%sdocument stance%s: %s'):format(unchanged and 'nothing changed: ' or '',
    target and (' toward ' .. target) or '', stance))
  return ok
end

--- Remove the document's stance toward `target`.
function M.remove(s, target)
  local d = H.find(s, target)
  if not d then
    return R['stance.notify'].warn(('the document has no stance%s'):format(
      target and (' toward ' .. target) or ''))
  end
  local ops = R['stance.editor.ops']
  -- (what `u` and <C-r> say: "undone: removing the document stance toward sanctions")
  local ok, err = ops.as_one(s, ('removing the document stance%s'):format(target and (' toward ' .. target) or ''),
    function() return ops.remove(s, d.id) end)
  if not ok then return R['stance.notify'].line(err, vim.log.levels.ERROR) end
  R['stance.compat'].echo(('document stance%s removed (u brings it back)'):format(
    target and (' toward ' .. target) or ''))
  return ok
end

--- Ask for the target, each shown with the document's stance toward it now.
function H.ask_target(s, schema)
  local entries = {}
  for _, t in ipairs(R['stance.schema'].for_document(schema, s.rel).targets) do
    local d = H.find(s, t.name)
    entries[#entries + 1] = { name = t.name, key = t.key, color = t.color,
      display = t.name .. (d and (' = ' .. (d.stance or d.label or '?')) or '') }
  end
  local e = R['stance.editor.prompt'].pick('document stance toward', entries)
  return e and e.name
end

--- :Stance doc [STANCE [TARGET] | TARGET STANCE | - [TARGET]]: set or remove the document's
--- stance; what is not given is asked for.
---@param args string[]
function M.command(args)
  local s, err = R['stance.editor.session'].current()
  if not s then return R['stance.notify'].error(err) end
  if s.readonly then return R['stance.notify'].line(s.readonly, vim.log.levels.ERROR) end -- before the prompts
  local schema = s.corpus:schema()
  local has_targets = schema and #schema.targets > 0
  local stance, target, remove = nil, nil, false
  for _, a in ipairs(args) do
    if a == '-' then
      remove = true
    elseif not stance and schema and schema.by.stance[a] and not remove then
      stance = a
    elseif not target and schema and schema.by.target[a] then
      target = a
    elseif not stance and not remove and not (schema and next(schema.by.stance)) then
      stance = a
    elseif not target and not (schema and next(schema.by.target)) then
      target = a
    else
      return R['stance.notify'].error(("what is '%s'? (:Stance doc [STANCE] [TARGET], :Stance doc - [TARGET])")
        :format(a))
    end
  end
  if not target and has_targets then
    target = H.ask_target(s, schema)
    if not target then return end
  end
  if remove then return M.remove(s, target) end
  if not stance and not (schema and #schema.stances > 0) then
    return R['stance.notify'].error('the schema lists no stances: say which, :Stance doc STANCE [TARGET]')
  end
  if not stance then
    local extra = H.find(s, target) and { { key = '<BS>', text = 'remove', value = { remove = true } } } or nil
    local picked = R['stance.editor.prompt'].one(schema, 'stance', extra)
    if not picked then return end
    if type(picked) == 'table' then return M.remove(s, target) end
    stance = picked
  end
  return M.set(s, target, stance)
end

return M
