--- What imports and exports tell on stderr: one problem per line, `path:line:col: warning:
--- message` (quickfix-ready), whatever the data holds: tabs, line ends and other control
--- characters in paths and messages are escaped (\t, \n, \r, \xHH).
local M = {}

local ESC = { ['\t'] = '\\t', ['\n'] = '\\n', ['\r'] = '\\r', ['\\'] = '\\\\' }

--- `s` with its control characters escaped (and backslashes doubled), on one line.
---@param s string
---@return string
function M.escape(s)
  return (tostring(s):gsub('[%c\\]', function(c) return ESC[c] or ('\\x%02X'):format(c:byte()) end))
end

---@class stance.Report
---@field warnings integer lines written
---@field out file*

--- A report writing to `out` (default stderr); with `root` (a corpus's), the places inside
--- it are said relative to it, as stance check, agree and report say them.
---@param out file*|nil
---@param root string|nil
---@return stance.Report
function M.new(out, root)
  return setmetatable({ warnings = 0, out = out or io.stderr, root = root }, { __index = M })
end

--- `path` as this report says it: relative to its corpus when inside it.
function M:place(path)
  if self.root then path = require('stance.fs').relative(path, self.root) end
  return M.escape(path)
end

--- One warning: at path:line:col when line is given, else at path.
---@param path string
---@param line integer|nil
---@param col integer|nil
---@param fmt string
---@param ... any
function M:warn(path, line, col, fmt, ...)
  local where = self:place(path) .. (line and (':%d:%d'):format(line, col or 1) or '')
  self.out:write(where, ': warning: ', M.escape(fmt:format(...)), '\n')
  self.warnings = self.warnings + 1
end

--- One error: what refused the whole of an input (a collection whose pages could not all be
--- read), said as a warning is but as an error; counted in `warnings` (the exit status).
---@param path string
---@param line integer|nil
---@param col integer|nil
---@param fmt string
---@param ... any
function M:error(path, line, col, fmt, ...)
  local where = self:place(path) .. (line and (':%d:%d'):format(line, col or 1) or '')
  self.out:write(where, ': error: ', M.escape(fmt:format(...)), '\n')
  self.warnings = self.warnings + 1
end

--- One note: said as a warning is (at path:line:col when line is given, else at path), but
--- not counted in `warnings` (the exit status): what was done in full, with a loss said
--- (bytes of invalid UTF-8 written into JSON as U+FFFD).
---@param path string
---@param line integer|nil
---@param col integer|nil
---@param fmt string
---@param ... any
function M:note(path, line, col, fmt, ...)
  local where = self:place(path) .. (line and (':%d:%d'):format(line, col or 1) or '')
  self.out:write(where, ': note: ', M.escape(fmt:format(...)), '\n')
end

--- Say once, on this report, the first place where an export wrote bytes of invalid UTF-8
--- as U+FFFD (JSON is UTF-8, RFC 8259 8.1): a function(path, line, what, n) to call for each
--- value so written (the first call says it, the others are quiet).
---@return fun(path: string, line: integer|nil, what: string, n: integer)
function M:lossy_once()
  local said = false
  return function(path, line, what, n)
    if said then return end
    said = true
    self:note(path, line, 1, '%s: %d byte(s) of invalid UTF-8 written as U+FFFD (JSON is UTF-8); the first such '
      .. 'place in this export, others not said', what, n)
  end
end

--- This report's warn as the exports' readers call it: warn(path, line, message, col,
--- severity), at column `col` (default 1) of the line when there is one; said as an error
--- when `severity` is "error" (a record of an annotation file that cannot be read: as stance
--- check says it), else as a warning (stance.export.rows).
---@return fun(path: string, line: integer|nil, message: string, col: integer|nil, severity: string|nil)
function M:as_warn()
  return function(path, line, message, col, severity)
    if severity == 'error' then
      self:error(path, line, line and (col or 1), '%s', message)
    else
      self:warn(path, line, line and (col or 1), '%s', message)
    end
  end
end

return M
