--- What an import brings, declared in the corpus's schema: the labels, targets, stance
--- values, roles, relation types and record attributes of the imported records that the
--- schema lacks are added at its end, so that `stance check` finds the imported files
--- clean. The new schema is made before anything is written (M.plan) and written first
--- (M.write), atomically.
local M = {}

--- Kinds in the order they are added, with the record field that names each.
M.KINDS = { { 'target', 'target' }, { 'stance', 'stance' }, { 'role', 'role' }, { 'relation', 'type' },
  { 'label', 'label' }, { 'attribute' } }

--- A new set of names to declare: { target = {}, stance = {}, ... }.
---@return table
function M.new()
  local w = {}
  for _, k in ipairs(M.KINDS) do
    w[k[1]] = {}
  end
  return w
end

--- Add what a record uses to `wanted`.
---@param wanted table from M.new()
---@param rec table a record (as for store:add)
function M.record(wanted, rec)
  for _, k in ipairs(M.KINDS) do
    local name = k[2] and rec[k[2]]
    if name and not wanted[k[1]][name] then wanted[k[1]][name] = true end
  end
  if rec.extras then
    local set = wanted.attribute
    for name in rec.extras:gmatch('%f[^\n%z]([%w_%-]+)') do
      if not set[name] then set[name] = true end
    end
  end
end

--- Add names by kind to `wanted` ({ [kind] = { [name] = true } }, as brat_read.fast gives).
---@param wanted table from M.new()
---@param used table
function M.names(wanted, used)
  for kind, set in pairs(used) do
    local w = wanted[kind]
    for name in pairs(set) do
      if not w[name] then w[name] = true end
    end
  end
end

--- The keys of a set, sorted.
---@param set table|nil
---@return string[]
function M.sorted(set)
  local out = {}
  for k in pairs(set or {}) do
    out[#out + 1] = k
  end
  table.sort(out)
  return out
end

--- The names of a wanted set in the order they are declared: those given a rank (a number:
--- their place in the source's own declarations) by rank, then the others by name.
---@param set table<string, boolean|number>|nil
---@return string[]
function M.ordered(set)
  local out = M.sorted(set)
  local function rank(n) return type(set[n]) == 'number' and set[n] or math.huge end
  table.sort(out, function(a, b)
    local ra, rb = rank(a), rank(b)
    if ra ~= rb then return ra < rb end
    return a < b
  end)
  return out
end

--- Add `name` to the wanted set of `kind` at `rank` (its place in the source's
--- declarations; the first rank given stays).
function M.rank(wanted, kind, name, rank)
  local was = wanted[kind][name]
  if type(was) ~= 'number' then wanted[kind][name] = rank end
end

--- The schema's new text with what `wanted` adds, or nil when it adds nothing; and the
--- number added of each kind.
---@param text string|nil the schema's text now (nil: none yet)
---@param wanted table
---@param source string where the import came from (for the comment above the additions)
---@param titles table<string, string>|nil titles of the attributes added
---@param looks table|nil { [kind] = { [name] = { title = ..., color = '#rrggbb' } } }: how
---       the source shows what it declares, given to the entries added
---@return string|nil text
---@return table counts { [kind] = n }
function M.plan(text, wanted, source, titles, looks)
  local core = require('stance.core')
  local schema = require('stance.schema').parse(text or 'format stance 1\n')
  local add, counts = {}, {}
  local function word(s) return core.is_word(s) and s or core.quote(s) end
  for _, k in ipairs(M.KINDS) do
    local kind = k[1]
    counts[kind] = 0
    for _, name in ipairs(M.ordered(wanted[kind])) do
      if not schema.by[kind][name] then
        add[#add + 1] = kind .. ' ' .. word(name)
        local look = looks and looks[kind] and looks[kind][name] or {}
        local title = kind == 'attribute' and titles and titles[name] or look.title
        if title then add[#add + 1] = '  title ' .. core.quote(title) end
        if look.color and kind ~= 'attribute' and look.color:match('^#%x%x%x%x%x%x$') then
          add[#add + 1] = '  color ' .. look.color:lower()
        end
        counts[kind] = counts[kind] + 1
      end
    end
  end
  if #add == 0 then return nil, counts end
  text = text or 'format stance 1\n'
  local comment = ('# imported from %s'):format(source:gsub('%c', ' '))
  return text .. (text:sub(-1) == '\n' and '' or '\n') .. '\n' .. comment .. '\n' .. table.concat(add, '\n') .. '\n',
    counts
end

--- Write the new schema of corpus `c` (atomically; refused when the schema changed since
--- `old` was read). Returns true, or nil and an error.
---@param c stance.Corpus
---@param old string|nil the schema's text as read
---@param new string|nil from M.plan
---@return boolean|nil ok
---@return string|nil err
function M.write(c, old, new)
  if not new then return true end
  local core = require('stance.core')
  local path = c.root .. '/' .. require('stance.schema').path
  -- inside the corpus only: a schema.stance that is a link out of it is not written through
  local ok, err = core.write_atomic(path, new, old and core.sha256(old) or '', { root = c.root })
  if not ok then return nil, err end
  c:forget_schema()
  return true
end

--- "3 labels, 1 relation type" for a summary.
---@param counts table
---@return string
function M.summary(counts)
  local parts = {}
  local names = { target = 'target', stance = 'stance value', role = 'role', relation = 'relation type',
    label = 'label', attribute = 'attribute' }
  for _, k in ipairs(M.KINDS) do
    local n = counts[k[1]] or 0
    if n > 0 then parts[#parts + 1] = ('%d %s%s'):format(n, names[k[1]], n == 1 and '' or 's') end
  end
  return #parts > 0 and table.concat(parts, ', ') or 'nothing'
end

return M
