--- Asking the annotator with one key: the command line shows the schema's keys and names
--- (`f favor  a against  …`), one key picks, <Esc> cancels, <CR> lets you type a name that has
--- no key. Then what the label asks for (target, stance, role), the same way.
local M = {}

local function echo(chunks)
  if #vim.api.nvim_list_uis() == 0 then return end -- headless: nobody to show it to
  vim.api.nvim_echo(chunks, false, {})
  vim.cmd('redraw')
end

local function getkey()
  local ok, c = pcall(vim.fn.getchar)
  if not ok then return nil end
  if type(c) == 'number' then return vim.fn.nr2char(c) end
  return c
end

--- Pick one of `entries` (schema entries: name, key, title) with its key.
---@param what string "label", "target", ...
---@param entries table[]
---@return table|nil entry nil when cancelled
function M.pick(what, entries)
  if #entries == 0 then return nil end
  local chunks = { { what .. ': ', 'Question' } }
  local by_key = {}
  for _, e in ipairs(entries) do
    if e.key then
      by_key[e.key] = e
      chunks[#chunks + 1] = { e.key, 'Special' }
      chunks[#chunks + 1] = { ' ' .. e.name .. '  ' }
    end
  end
  chunks[#chunks + 1] = { '<CR> name  <Esc> cancel', 'Comment' }
  echo(chunks)
  local k = getkey()
  echo({ { '' } })
  if k == nil or k == '\27' or k == '\3' then return nil end
  if k == '\r' then
    local ok, name = pcall(vim.fn.input, what .. ' name: ')
    if not ok then return nil end
    for _, e in ipairs(entries) do
      if e.name == name then return e end
    end
    if name ~= '' then require('stance.notify').warn(("no %s '%s'"):format(what, name)) end
    return nil
  end
  local e = by_key[k]
  if not e then require('stance.notify').warn(("no %s on key '%s'"):format(what, vim.fn.strtrans(k))) end
  return e
end

local lists = { target = 'targets', stance = 'stances', role = 'roles' }

--- Ask for a label, then what it asks for. `preset` fields (e.g. target) are not asked.
---@param schema table|nil
---@param preset table|nil
---@return table|nil fields { label, target, stance, role }; nil when cancelled
function M.label(schema, preset)
  local fields = {}
  for k, v in pairs(preset or {}) do
    fields[k] = v
  end
  if not fields.label then
    if not schema or #schema.labels == 0 then
      local ok, name = pcall(vim.fn.input, 'label: ')
      if not ok or name == '' then return nil end
      fields.label = name
      return fields
    end
    local e = M.pick('label', schema.labels)
    if not e then return nil end
    fields.label = e.name
  end
  local entry = schema and schema.by.label[fields.label]
  for _, ask in ipairs(entry and entry.ask or {}) do
    local list = schema[lists[ask] or '']
    if list and #list > 0 and fields[ask] == nil then
      local e = M.pick(ask, list)
      if not e then return nil end
      fields[ask] = e.name
    end
  end
  return fields
end

--- Ask for one of the names of a schema kind ("relation", "stance", ...).
function M.one(schema, kind)
  local list = schema and schema[kind == 'relation' and 'relations' or lists[kind] or ''] or {}
  local e = M.pick(kind, list)
  return e and e.name or nil
end

return M
