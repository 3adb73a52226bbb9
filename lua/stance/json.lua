--- JSON for both hosts: deterministic encoding (object keys sorted, or in the order a
--- table gives with json.ordered) and a strict decoder whose errors carry a byte offset.
--- Both are in C (src/json.c, src/ljson.c): this is their face.
local M = {}
local core = require('stance.core')

--- How deep arrays and objects may nest, for decoding and encoding alike (src/json.h).
M.MAX_DEPTH = 200

--- The JSON null (decode returns it for null; encode writes it).
M.null = setmetatable({}, { __tostring = function() return 'null' end })

local ARRAY = { __jsonarray = true }

--- Mark `t` as an array even when empty.
---@param t table|nil
---@return table
function M.array(t)
  return setmetatable(t or {}, ARRAY)
end

--- Give the keys of object `t` a fixed order (keys not listed follow, sorted).
---@param t table
---@param keys string[]
---@return table
function M.ordered(t, keys)
  return setmetatable(t, { __jsonorder = keys })
end

--- Encode a value on one line: object keys in the order json.ordered gives, then sorted;
--- raises for what JSON cannot hold (a function, NaN, a key that is not a string, nesting
--- deeper than M.MAX_DEPTH). JSON is UTF-8: a byte of a string that starts no well-formed
--- UTF-8 sequence is written as U+FFFD (M.encode_counted says how many were).
---@param v any
---@return string
function M.encode(v)
  return (core.json_encode(v, M.null))
end

--- M.encode, and how many bytes of invalid UTF-8 were written as U+FFFD (for an export to
--- say where it lost them).
---@param v any
---@return string
---@return integer invalid
function M.encode_counted(v)
  return core.json_encode(v, M.null)
end

--- Encode a value with the keys of every object in the order `keys` gives (the others
--- follow, sorted); a table with a sequence (#t > 0) or made by json.array is an array of
--- what ipairs gives. M.null has no meaning here (it is an empty object).
---@param v any
---@param keys string[]
---@return string
function M.encode_ordered(v, keys)
  return (core.json_encode(v, M.null, keys))
end

--- Decode one JSON text (strict: a key twice in an object, invalid UTF-8 in a string, an
--- unpaired surrogate, nesting deeper than M.MAX_DEPTH are errors). With `where` (a table),
--- each array and object decoded is a key of it, with the 0-based byte offset where it
--- starts as value (to report where in the text a value that decodes but means nothing
--- valid is). Arrays are made by json.array.
---@param s string
---@param where table|nil
---@return any|nil value
---@return string|nil err "message at byte N"
---@return integer|nil offset 0-based byte offset of the error
function M.decode(s, where)
  return core.json_decode(s, where, M.null, ARRAY)
end

return M
