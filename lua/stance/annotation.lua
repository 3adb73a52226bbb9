--- An annotation (or relation, or document label) as scripts see it: its fields, where it
--- is in the document, and ways to change it. A snapshot: after update(), use what it
--- returns.
---@class stance.Annotation
---@field id string
---@field kind "annotation"|"relation"|"doclabel"
---@field annotator string
---@field document string path of the document
---@field label string|nil
---@field target string|nil
---@field stance string|nil
---@field role string|nil
---@field quote string|nil
---@field note string|nil
---@field start integer|nil first code point (annotations)
---@field stop integer|nil end of the last span, code points
---@field spans integer[][]|nil { {start, stop}, ... } in code points (annotations)
---@field confidence string|nil
---@field author string|nil
---@field created string|nil ISO 8601, UTC
---@field modified string|nil
---@field type string|nil relation type (relations)
---@field from string|nil id of the relation's source annotation
---@field to string|nil id of its target annotation
---@field orphan boolean|nil its text is no longer in the document (which changed since the
--- file was written): `spans` are where it was
local M = {}
M.__index = M

---@param layer table stance.Layer
---@param rec table a store record
---@return stance.Annotation
function M.new(layer, rec)
  -- the record's own table becomes the annotation (records() makes a fresh one each time)
  local self = setmetatable(rec, M)
  self.annotator = layer.annotator
  self.document = layer.doc.path
  self._layer = layer
  if rec.spans then
    self.start, self.stop = rec.spans[1][1], rec.spans[#rec.spans][2]
  end
  return self
end

-- Annotations read from a layer (stance.Document.annotations) are made lazily: each is a
-- table of its slot, whose metatable (one per layer, made from Lazy) holds the layer and its
-- store (or the view it was read as), and a field is taken from the store (in C) the first
-- time it is asked for, then kept. The store is never changed under them (a layer changes a
-- copy, see stance.Layer), so they stay snapshots. pairs() sees every field.
local Lazy = {}

--- Whether `a` is a lazy annotation (its metatable one made from Lazy).
local function is_lazy(a)
  local mt = getmetatable(a)
  return mt ~= nil and mt ~= M and rawget(mt, '__index') == Lazy.__index
end

--- Every field of a lazy annotation, put in its table (what pairs() sees).
local function fill(self)
  local store, slot = rawget(getmetatable(self), '_store'), rawget(self, '_slot')
  for k, v in pairs(store:at(slot) or {}) do
    if rawget(self, k) == nil then rawset(self, k, v) end
  end
  for _, k in ipairs({ 'annotator', 'document', 'start', 'stop' }) do
    -- (a relation has no start: nothing, not even nil, comes back)
    if rawget(self, k) == nil then
      local v = Lazy.__index(self, k)
      if v ~= nil then rawset(self, k, v) end
    end
  end
  return self
end

-- a method of M; the annotator and the document from the layer; else the record's field,
-- kept in the table (in C: this runs for every field of every annotation a script reads)
Lazy.__index = require('stance.core').lazy_index(M)

function Lazy.__pairs(self)
  return next, fill(self), nil
end

function Lazy.__tostring(self)
  return M.__tostring(self)
end

--- The fields of lazy annotations' metatables (what core.layer_cache's annotations() makes them with).
M.Lazy = Lazy

--- The records of `kind` in `store` (the layer's, or where they are now, see
--- stance.Document.annotations) as annotations of `layer`, in the order of the file, made
--- lazily (their fields are read when first asked for). The store must not change while
--- they live: a layer's own store is marked lent (see stance.Layer).
---@param layer table stance.Layer
---@param store userdata the stance.store
---@param kind "annotation"|"relation"|"doclabel"
---@param out table|nil a list to append them to (returned)
---@return stance.Annotation[]
function M.lazy(layer, store, kind, out)
  return store:lazy(kind, layer, Lazy, out)
end

--- Every field of `a` in a plain table (a lazy annotation's too, in any Lua: LuaJIT's pairs()
--- does not ask the annotation, Lua 5.4's does).
---@param a stance.Annotation
---@return table
function M.fields(a)
  if is_lazy(a) then fill(a) end
  local out = {}
  for k, v in next, a do
    if k ~= '_layer' and k ~= '_store' and k ~= '_slot' then out[k] = v end
  end
  return out
end

--- Spans with every unit: { {start, stop (code points), byte_start, byte_stop, line, col
--- (1-based, bytes), text}, ... }
---@return table[]
function M:spans_full()
  local doc = self._layer.doc
  local t = doc:model()
  local s = doc:text()
  local out = {}
  for i, sp in ipairs(self.spans or {}) do
    local b1, b2 = t:cp_to_byte(sp[1]), t:cp_to_byte(sp[2])
    local line, col = t:pos(b1)
    out[i] = { start = sp[1], stop = sp[2], byte_start = b1, byte_stop = b2, line = line + 1, col = col + 1,
      text = s:sub(b1 + 1, b2) }
  end
  return out
end

--- The document's text at the annotation's spans now (joined by a space), which is its
--- quote unless the document changed.
---@return string
function M:text()
  local parts = {}
  for i, sp in ipairs(self:spans_full()) do
    parts[i] = sp.text
  end
  return table.concat(parts, ' ')
end

--- Line and column (1-based) of the start.
---@return integer line
---@return integer col
function M:position()
  local sp = self:spans_full()[1]
  if not sp then return 1, 1 end
  return sp.line, sp.col
end

--- Change fields (see stance.Layer.update); returns the updated annotation.
---@param fields table
---@return stance.Annotation|nil
---@return string|nil err
function M:update(fields)
  local rec, err = self._layer:update(self.id, fields)
  if not rec then return nil, err end
  return M.new(self._layer, rec)
end

--- Remove it from its layer (saved with corpus:save()).
---@return boolean|nil ok
---@return string|nil err
function M:delete()
  return self._layer:remove(self.id)
end

function M:__tostring()
  return ('stance.Annotation %s %s %s'):format(self.id, self.label or self.type or '', self.document)
end

return M
