--- Modules by name, each required at its first use and kept: `R['stance.editor.where']` where
--- the editor's hot paths called require() (its modules require one another at use, not at
--- load). Interpreted, a require() of a loaded module is a call of ~600 instructions; this
--- is one table lookup: creating one annotation asked for some forty.
---@type table<string, any>
local R = setmetatable({}, {
  __index = function(t, name)
    local m = require(name)
    rawset(t, name, m)
    return m
  end,
})
return R
