--- JSON for both hosts: deterministic encoding (object keys sorted, or in the order a
--- table gives with json.ordered) and a strict decoder whose errors carry a byte offset.
local M = {}
local H = {}

--- How deep arrays and objects may nest, for decoding and encoding alike.
M.MAX_DEPTH = 200

--- The JSON null (decode returns it for null; encode writes it).
M.null = setmetatable({}, { __tostring = function() return 'null' end })

--- Mark `t` as an array even when empty.
---@param t table|nil
---@return table
function M.array(t)
  return setmetatable(t or {}, { __jsonarray = true })
end

--- Give the keys of object `t` a fixed order (keys not listed follow, sorted).
---@param t table
---@param keys string[]
---@return table
function M.ordered(t, keys)
  return setmetatable(t, { __jsonorder = keys })
end

local escapes = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
}

function H.string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or ('\\u%04x'):format(c:byte())
  end) .. '"'
end

function H.is_array(t)
  local mt = getmetatable(t)
  if mt and mt.__jsonarray then return true end
  local n = 0
  for _ in pairs(t) do
    n = n + 1
  end
  if n == 0 then return false end
  for i = 1, n do
    if t[i] == nil then return false end
  end
  return true
end

function H.encode(v, out, depth)
  local t = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = 'null'
  elseif t == 'boolean' then
    out[#out + 1] = v and 'true' or 'false'
  elseif t == 'number' then
    if v ~= v or v == math.huge or v == -math.huge then error('json: cannot encode ' .. v) end
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then
      out[#out + 1] = ('%d'):format(v)
    else
      out[#out + 1] = ('%.17g'):format(v)
    end
  elseif t == 'string' then
    out[#out + 1] = H.string(v)
  elseif t == 'table' then
    if depth > M.MAX_DEPTH then error('json: nesting too deep') end
    if H.is_array(v) then
      out[#out + 1] = '['
      for i = 1, #v do
        if i > 1 then out[#out + 1] = ',' end
        H.encode(v[i], out, depth + 1)
      end
      out[#out + 1] = ']'
    else
      local keys, seen = {}, {}
      local mt = getmetatable(v)
      for _, k in ipairs(mt and mt.__jsonorder or {}) do
        if v[k] ~= nil then
          keys[#keys + 1], seen[k] = k, true
        end
      end
      local rest = {}
      for k in pairs(v) do
        if type(k) ~= 'string' then error('json: object keys must be strings') end
        if not seen[k] then rest[#rest + 1] = k end
      end
      table.sort(rest)
      for _, k in ipairs(rest) do
        keys[#keys + 1] = k
      end
      out[#out + 1] = '{'
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = ',' end
        out[#out + 1] = H.string(k)
        out[#out + 1] = ':'
        H.encode(v[k], out, depth + 1)
      end
      out[#out + 1] = '}'
    end
  else
    error('json: cannot encode a ' .. t)
  end
end

--- Encode a value on one line.
---@param v any
---@return string
function M.encode(v)
  local out = {}
  H.encode(v, out, 0)
  return table.concat(out)
end

-- ---- decoding ---------------------------------------------------------------------------

local Decoder = {}
Decoder.__index = Decoder

function Decoder:fail(msg, pos)
  error({ json = true, msg = msg, pos = pos or self.pos }, 0)
end

function Decoder:ws()
  self.pos = self.s:find('[^ \t\r\n]', self.pos) or #self.s + 1
end

function Decoder:value(depth)
  if depth > M.MAX_DEPTH then self:fail('nesting too deep') end
  self:ws()
  local c = self.s:sub(self.pos, self.pos)
  if c == '{' then return self:object(depth) end
  if c == '[' then return self:array(depth) end
  if c == '"' then return self:string() end
  if c == '' then self:fail('unexpected end of input') end
  for word, val in pairs({ ['true'] = true, ['false'] = false, null = M.null }) do
    if self.s:sub(self.pos, self.pos + #word - 1) == word then
      self.pos = self.pos + #word
      return val
    end
  end
  local num = self.s:match('^-?%d+%.?%d*[eE]?[-+]?%d*', self.pos)
  if num and num ~= '' and num ~= '-' then
    local v = tonumber(num)
    if v == nil or not num:match('^-?0[%.eE]') and num:match('^-?0%d') then
      self:fail('bad number ' .. num)
    end
    -- what decodes must encode again: no infinity from 1e999
    if v ~= v or v == math.huge or v == -math.huge then self:fail('number out of range ' .. num) end
    self.pos = self.pos + #num
    return v
  end
  self:fail(("unexpected character '%s'"):format(c))
end

function Decoder:string()
  local s, pos, parts = self.s, self.pos + 1, {}
  while true do
    local i = s:find('["\\%c]', pos)
    if not i then self:fail('unterminated string', self.pos) end
    parts[#parts + 1] = s:sub(pos, i - 1)
    local c = s:sub(i, i)
    if c == '"' then
      self.pos = i + 1
      return table.concat(parts)
    elseif c == '\\' then
      local e = s:sub(i + 1, i + 1)
      local simple = ({ b = '\b', f = '\f', n = '\n', r = '\r', t = '\t', ['"'] = '"',
        ['\\'] = '\\', ['/'] = '/' })[e]
      if simple then
        parts[#parts + 1] = simple
        pos = i + 2
      elseif e == 'u' then
        local hex = s:match('^%x%x%x%x', i + 2)
        if not hex then self:fail('bad \\u escape', i) end
        local cp = tonumber(hex, 16)
        pos = i + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          local lo = s:match('^\\u(%x%x%x%x)', pos)
          local low = lo and tonumber(lo, 16)
          if not low or low < 0xDC00 or low > 0xDFFF then self:fail('lone surrogate', i) end
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (low - 0xDC00)
          pos = pos + 6
        end
        parts[#parts + 1] = H.utf8(cp)
      else
        self:fail('bad escape \\' .. e, i)
      end
    else
      self:fail('control character in string', i)
    end
  end
end

function H.utf8(cp)
  if cp < 0x80 then return string.char(cp) end
  if cp < 0x800 then return string.char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return string.char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64,
      0x80 + cp % 64)
  end
  return string.char(0xF0 + math.floor(cp / 262144), 0x80 + math.floor(cp / 4096) % 64,
    0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
end

function Decoder:array(depth)
  local out = M.array({})
  if self.where then self.where[out] = self.pos - 1 end
  self.pos = self.pos + 1
  self:ws()
  if self.s:sub(self.pos, self.pos) == ']' then
    self.pos = self.pos + 1
    return out
  end
  while true do
    out[#out + 1] = self:value(depth + 1)
    self:ws()
    local c = self.s:sub(self.pos, self.pos)
    self.pos = self.pos + 1
    if c == ']' then return out end
    if c ~= ',' then self:fail("expected ',' or ']'", self.pos - 1) end
  end
end

function Decoder:object(depth)
  local out = {}
  if self.where then self.where[out] = self.pos - 1 end
  self.pos = self.pos + 1
  self:ws()
  if self.s:sub(self.pos, self.pos) == '}' then
    self.pos = self.pos + 1
    return out
  end
  while true do
    self:ws()
    if self.s:sub(self.pos, self.pos) ~= '"' then self:fail('expected a string key') end
    local k = self:string()
    self:ws()
    if self.s:sub(self.pos, self.pos) ~= ':' then self:fail("expected ':'") end
    self.pos = self.pos + 1
    out[k] = self:value(depth + 1)
    self:ws()
    local c = self.s:sub(self.pos, self.pos)
    self.pos = self.pos + 1
    if c == '}' then return out end
    if c ~= ',' then self:fail("expected ',' or '}'", self.pos - 1) end
  end
end

--- Decode one JSON text. With `where` (a table), each array and object decoded is a key of
--- it, with the 0-based byte offset where it starts as value (to report where in the text a
--- value that decodes but means nothing valid is).
---@param s string
---@param where table|nil
---@return any|nil value
---@return string|nil err "message at byte N"
---@return integer|nil offset 0-based byte offset of the error
function M.decode(s, where)
  local d = setmetatable({ s = s, pos = 1, where = where }, Decoder)
  local ok, v = pcall(function()
    local v = d:value(0)
    d:ws()
    if d.pos <= #s then d:fail('trailing characters') end
    return v
  end)
  if ok then return v end
  if type(v) == 'table' and v.json then
    return nil, ('%s at byte %d'):format(v.msg, v.pos - 1), v.pos - 1
  end
  error(v, 0)
end

return M
