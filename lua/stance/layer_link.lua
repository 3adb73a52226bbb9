--- The rule for an annotation file that is a symbolic link, in one place. A layer is an
--- annotator's own file, and a corpus from a collaborator is untrusted (git commits links):
--- a link in an annotator's folder is never followed. It is never read as that annotator's
--- layer (it would make another's work count as theirs), never written through nor replaced
--- (a save would turn someone else's annotations into a new file under this name), and every
--- command that meets it says so, with the file and where it leads, as `stance check` does
--- (doc/format.md section 8.4). A link elsewhere (a document, a folder above) is not this
--- module's concern.
local M = {}
local H = {}

--- Where the annotation file `path` leads when it is itself a symbolic link (not when a
--- folder above it is one): the file it resolves to, relative to `root` when inside it (else
--- with "(outside the corpus)"), or what the link holds and "(not there)" when it leads
--- nowhere; nil when `path` is no link (a file of its own, or nothing). One system call for
--- a file that is no link.
---@param path string
---@param root string|nil the corpus root
---@return string|nil target
function M.target(path, root)
  local core = require('stance.core')
  local held = core.readlink(path)
  if not held then return nil end
  local real = core.realpath(path)
  if not real then return held .. ' (not there)' end
  local real_root = root and core.realpath(root)
  if not real_root then return real end
  local rel = require('stance.fs').relative(real, real_root)
  return rel == real and real .. ' (outside the corpus)' or rel
end

--- The annotator whose folder holds the annotation file `path`, as its folder is named;
--- nil when `path` is not below the corpus's annotations folder.
local function folder_of(path, root)
  if not root then return path:match('([^/]+)/[^/]+$') end
  local fs = require('stance.fs')
  local dir = fs.absolute(root .. '/' .. require('stance.root').annotations) .. '/'
  local abs = fs.absolute(path)
  if abs:sub(1, #dir) ~= dir then return nil end
  return abs:sub(#dir + 1):match('^([^/]+)/')
end

--- What is said of the annotation file `path` that is a link to `target` (see M.target):
--- "a link to T: a layer must be a file of its own; never read as eve's nor written through".
---@param path string
---@param target string
---@param root string|nil
---@return string
function M.message(path, target, root)
  local who = folder_of(path, root)
  return ('a link to %s: a layer must be a file of its own; never read as %s nor written through'):format(target,
    who and ("%s's"):format(who) or 'a layer')
end

--- The problem `stance check` reports for the annotation file `path` when it is a link (an
--- error at its line 1), nil when it is not (or, `root` given, is no file of an annotator's
--- folder).
---@param path string
---@param root string|nil
---@return table|nil problem {line, col, severity, message}
function M.problem(path, root)
  -- (the system call first: most files are no link)
  local target = M.target(path, root)
  if not target or (root and not folder_of(path, root)) then return nil end
  return { line = 1, col = 1, severity = 'error', message = M.message(path, target, root) }
end

--- Why the annotation file `path` is not read or written, as a runtime error ("PATH:1:1: a
--- link to T: ..."; PATH relative to `root`), nil when it is no link.
---@param path string
---@param root string|nil
---@return string|nil err
function M.refusal(path, root)
  local p = M.problem(path, root)
  return p and H.said(path, root, p.message)
end

--- "PATH:1:1: MESSAGE", PATH relative to `root` (as M.refusal says it).
function H.said(path, root, message)
  local fs = require('stance.fs')
  local shown = root and fs.relative(fs.absolute(path), fs.absolute(root)) or path
  return ('%s:1:1: %s'):format(shown, message)
end

local said = {} -- what M.warn said already, in this process

--- Say `err` (see M.refusal) through stance.notify, once per process: a script's pass or a
--- curation meets the same link at each question about that layer.
---@param err string
function M.warn(err)
  if said[err] then return end
  said[err] = true
  -- (names from the corpus: shown, never acting on the terminal)
  require('stance.notify').warn(require('stance.utf8').printable(err))
end

--- Say every link among the corpus's annotation files (M.scan) through M.warn: what a
--- command going through the corpus's layers leaves out. Returns how many there are.
---@param root string
---@return integer
function M.warn_all(root)
  local links = M.scan(root)
  for _, l in ipairs(links) do
    M.warn(l.said)
  end
  return #links
end

--- Every annotation file of the corpus at `root` that is a link (inside the corpus or out of
--- it, or broken), with where it leads, sorted by path: what a command going through the
--- corpus's layers says it left out.
---@param root string
---@param annotator string|nil only the files of this annotator's folder
---@return {path: string, target: string, message: string, said: string}[] said: as M.refusal says it
function M.scan(root, annotator)
  local dir = root .. '/' .. require('stance.root').annotations
  if annotator then dir = dir .. '/' .. require('stance.root').slug(annotator) end
  local out = {}
  for _, e in ipairs(require('stance.core').list(dir, { ext = { 'stance' }, links = true }) or {}) do
    local path = dir .. '/' .. e.path
    local target = M.target(path, root)
    if target then
      local message = M.message(path, target, root) -- once: said is made of it
      out[#out + 1] = { path = path, target = target, message = message, said = H.said(path, root, message) }
    end
  end
  return out
end

--- The lines that say each link of M.scan(root, annotator), as M.refusal says one.
---@param root string
---@param annotator string|nil
---@return string[]
function M.said(root, annotator)
  local out = {}
  for i, l in ipairs(M.scan(root, annotator)) do
    out[i] = l.said
  end
  return out
end

return M
