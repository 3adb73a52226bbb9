--- Modules by name, each required at its first use and kept: `R['stance.editor.where']` where
--- the editor's hot paths called require() (its modules require one another at use, not at
--- load). Interpreted, a require() of a loaded module is a call of ~600 instructions; this
--- is one table lookup: creating one annotation asked for some forty.
---
--- It follows package.loaded: a module loaded there again (a reload empties its slot,
--- `package.loaded[name] = nil`, as plenary's and lazy.nvim's reloads do, and require() fills
--- it) is the one given from then on, not the one kept before. Lua calls a table's __newindex
--- for a write to an empty slot, never for a read: package.loaded's drops the module kept
--- here when require() writes its slot, and a module kept stays one table lookup (a check of
--- package.loaded at each use cost 160 to 260 instructions more each, interpreted). Where
--- package.loaded's metatable is protected (__metatable), modules are kept as loaded first.
---@type table<string, any>
local R = setmetatable({}, {
  __index = function(t, name)
    local m = require(name)
    rawset(t, name, m)
    return m
  end,
})

local loaded = package.loaded
local mt = getmetatable(loaded)
if mt == nil then
  mt = {}
  setmetatable(loaded, mt)
end
if type(mt) == 'table' and rawget(mt, '__metatable') == nil then
  -- every cache of this module (one per load of it: a reload of stance.modules makes another)
  local caches = rawget(mt, 'stance_caches')
  if not caches then
    caches = setmetatable({}, { __mode = 'k' })
    rawset(mt, 'stance_caches', caches)
    local before = rawget(mt, '__newindex') -- (another's, kept working)
    rawset(mt, '__newindex', function(t, name, m)
      for cache in pairs(caches) do
        rawset(cache, name, nil)
      end
      if type(before) == 'function' then
        before(t, name, m)
      elseif before ~= nil then
        before[name] = m
      else
        rawset(t, name, m)
      end
    end)
  end
  caches[R] = true
end

return R
