--- A document of a corpus: its path, hash and text, and its words, sentences and
--- paragraphs from the C text model. Offsets are code points of the text (as in
--- annotation files), 0-based, ends exclusive; lines are 1-based.
local M = {}
M.__index = M

---@class stance.Document
---@field corpus table
---@field path string relative to the corpus root
---@field abspath string

--- A document of corpus `c` at `path` (relative); see stance.Corpus:document().
---@return stance.Document
function M.new(c, path, info)
  return setmetatable({ corpus = c, path = path, abspath = c.root .. '/' .. path, info = info }, M)
end

--- The document's bytes (read once, then kept).
---@return string|nil text
---@return string|nil err
function M:text()
  if self._text == nil then
    local s, err = require('stance.fs').read(self.abspath)
    if not s then return nil, err end
    self._text = s
  end
  return self._text
end

--- The C text model of the document (for offsets, lines, sentences).
function M:model()
  if self._model == nil then
    local s, err = self:text()
    if not s then return nil, err end
    self._model = require('stance.core').text(s)
  end
  return self._model
end

--- "sha256:<hex>" of the document's bytes.
---@return string|nil
function M:hash()
  local s, err = self:text()
  if not s then return nil, err end
  return 'sha256:' .. require('stance.core').sha256(s)
end

local function spans(self, what)
  local t, err = self:model()
  if not t then return nil, err end
  local s = self:text()
  local out = {}
  for i, sp in ipairs(t[what](t)) do
    local line, col = t:pos(sp.start)
    out[i] = {
      start = sp.cp_start, stop = sp.cp_stop, byte_start = sp.start, byte_stop = sp.stop,
      line = line + 1, col = col + 1, text = s:sub(sp.start + 1, sp.stop),
    }
  end
  return out
end

--- Sentences: { {start, stop, byte_start, byte_stop, line, col, text}, ... }
---@return table[]|nil
function M:sentences() return spans(self, 'sentences') end

--- Paragraphs (separated by blank lines), like sentences().
---@return table[]|nil
function M:paragraphs() return spans(self, 'paragraphs') end

--- Words: { {start, stop (bytes), word (case-folded), pos}, ... }
---@return table[]|nil
function M:words()
  local t, err = self:model()
  if not t then return nil, err end
  return t:words()
end

--- Bytes of the document that are not valid UTF-8 (each counts as one code point, U+FFFD):
--- how many, and the byte offset (0-based) of the first.
---@return integer count
---@return integer|nil first
function M:invalid_utf8()
  local t = self:model()
  if not t then return 0 end
  return t:invalid()
end

--- The text of line n (1-based), without its end.
---@param n integer
---@return string|nil
function M:line(n)
  local t = self:model()
  if not t then return nil end
  local _, _, text = t:line(n - 1)
  return text
end

--- Number of lines.
function M:line_count()
  local t = self:model()
  return t and t:lines() or 0
end

--- Byte offset (0-based) of code point c, and back.
function M:cp_to_byte(c) return self:model():cp_to_byte(c) end
function M:byte_to_cp(b) return self:model():byte_to_cp(b) end

function M:__tostring()
  return ('stance.Document %s'):format(self.path)
end

return M
