--- Layer files that still hold records of an unresolved merge conflict (`conflict ours`,
--- `conflict theirs`: doc/format.md, section 7). Such a file says two things at once where
--- its annotator has not decided yet: agreement, the report's figures and the model leave the
--- annotator's file of that document out, as they leave out a file with errors (counting
--- only the rest would make "no stance" of the places in conflict), and say which file and why.
local M = {}

--- What the reader says at a record's `conflict` mark (src/reader.c), as a Lua pattern.
M.MARK = " is in conflict %(the '"

--- The first record in conflict of the file at `path` (relative to `root` when given), from
--- the problems its read gave: "PATH:LINE:COL: annotation X is in conflict (the 'ours'
--- version of a merge): ...", and how many records are marked; nil, 0 when none is.
---@param path string
---@param problems table[]|nil
---@param root string|nil
---@return string|nil where
---@return integer n
function M.first(path, problems, root)
  local first, n = M.first_problem(problems)
  if not first then return nil, 0 end
  local rel = root and require('stance.fs').relative(path, root) or path
  return ('%s:%d:%d: %s'):format(rel, first.line or 0, first.col or 0, first.message), n
end

--- The first record in conflict among a file's `problems` (the reader's problem at its mark:
--- line, col, message) and how many records are marked; nil, 0 when none is.
---@param problems table[]|nil
---@return table|nil problem
---@return integer n
function M.first_problem(problems)
  local first, n = nil, 0
  for _, p in ipairs(problems or {}) do
    if p.severity == 'warning' and (p.message or ''):find(M.MARK) then
      n = n + 1
      if not first or (p.line or 0) < (first.line or 0) or (p.line == first.line and (p.col or 0) < (first.col or 0))
      then
        first = p
      end
    end
  end
  return first, n
end

--- How such a file is said everywhere: "ben's file holds 2 record(s) in an unresolved merge
--- conflict, the first at PATH:LINE:COL: ...", then `consequence` when given.
---@param name string the layer's annotator
---@param where string see M.first
---@param n integer
---@param consequence string|nil
---@return string
function M.said(name, where, n, consequence)
  return ("%s's file holds %d record(s) in an unresolved merge conflict (resolve it: keep one version),"
    .. ' the first at %s%s'):format(name, n, where, consequence and ('; ' .. consequence) or '')
end

--- How a command that leaves such a file out of a document says it, at the first record in
--- conflict (`first`, M.first_problem: the line said is its own): its message, then "NAME's file
--- holds N record(s) in an unresolved merge conflict (resolve it: keep one version): left out of
--- DOC, none of it WHAT" (exported, counted).
---@param first table the first record's problem (message)
---@param name string the layer's annotator
---@param n integer
---@param doc string the document's path
---@param what string
---@return string
function M.left_out_said(first, name, n, doc, what)
  return ("%s; %s's file holds %d record(s) in an unresolved merge conflict (resolve it: keep one version): left"
    .. ' out of %s, none of it %s'):format(first.message, name, n, doc, what)
end

return M
