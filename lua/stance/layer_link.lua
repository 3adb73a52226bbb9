--- The rule for an annotation file reached through a symbolic link, or kept in a folder that
--- is no annotator's, in one place. A layer is an annotator's own file in their own folder,
--- and a corpus from a collaborator is untrusted (git commits links): no link below
--- `.stance/annotations/` is followed, whether it is the file itself, the annotator's folder
--- or any folder between (`ana/sub -> ../ben/sub`). Nothing is read through one as that
--- annotator's layer (it would make another's work count as theirs), nothing written through
--- one nor the link replaced (a save would turn someone else's annotations into this
--- annotator's), and every command that meets one says so, with the link and where it leads,
--- as `stance check` does (doc/format.md section 8.4). A folder of the annotations whose name
--- stance never makes (not its own slug, see stance.root.slug: `zed\x`, a control character)
--- is no layer either: a layer is its folder, and its name is the folder's.
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

-- folder -> what M.target says of it, or false: in the `stance` host each folder is asked
-- once per pass (a script's, an export's: see M.forget); never what a write trusts (see
-- M.refusal's `fresh`); not kept in Neovim (a long-lived process: asked each time)
local memo = not vim and {} or nil

local told = {} -- root -> true: M.scan went through its annotations folder (its caller says them)

--- Forget what was asked of the folders (the annotations folder changed, a pass ended: see
--- stance.Corpus.layer_names and save_layer_cache).
---@param c table|nil the corpus whose M.folders_said is forgotten too
function M.forget(c)
  if memo then memo = {} end
  if c and rawget(c, '_link_dirs') then rawset(c, '_link_dirs', {}) end
  if c and rawget(c, '_link_last') then rawset(c, '_link_last', false) end
end

--- The annotations folder of `root`, absolute, with a slash at the end.
local dirs = {}
local function annotations_of(root)
  local d = dirs[root]
  if not d then
    d = require('stance.fs').absolute(root .. '/' .. require('stance.root').annotations) .. '/'
    dirs[root] = d
  end
  return d
end

--- What a folder's link test says (M.target of the folder), asked once per pass.
local function folder_target(folder, root, fresh)
  if memo and not fresh then
    local t = memo[folder]
    if t == nil then
      t = M.target(folder, root) or false
      memo[folder] = t
    end
    return t or nil
  end
  return M.target(folder, root)
end

--- What keeps the annotation file `path` (below `root`'s annotations folder) from being a
--- layer, by its folders: its annotator's folder or a folder between that is a symbolic link
--- ({folder, target, who}), or an annotator's folder whose name stance never makes
--- ({folder, who, bad = true}); nil when none. One lstat per folder (once per pass with
--- M.remember).
---@param path string
---@param root string
---@param fresh boolean|nil ask the folders now (before a write), not what was asked before
---@return table|nil
function M.folder_problem(path, root, fresh)
  local dir = annotations_of(root)
  local abs = path:sub(1, 1) == '/' and path or require('stance.fs').absolute(path)
  if abs:sub(1, #dir) ~= dir then return nil end
  local who = abs:match('^([^/]+)/', #dir + 1)
  if not who then return nil end
  local folder = dir .. who
  if require('stance.root').slug(who) ~= who then return { folder = folder, who = who, bad = true } end
  local at = #dir + #who + 2
  while true do
    local t = folder_target(folder, root, fresh)
    if t then return { folder = folder, target = t, who = who } end
    local part = abs:match('^([^/]+)/', at)
    if not part then return nil end
    folder, at = folder .. '/' .. part, at + #part + 1
  end
end

--- What is said of the folder problem `fp` (M.folder_problem), at the folder itself.
function M.folder_message(fp, root)
  if fp.bad then
    return ("a folder named %s, a name stance never gives a layer's folder (%s's layer is written into %s): a layer "
      .. 'is its folder, so none is read from it nor written to it'):format(fp.who, fp.who,
      require('stance.root').slug(fp.who))
  end
  if H.shown(fp.folder, root):match('^[^/]*/[^/]*/[^/]+$') then
    return ("a link to %s: an annotator's folder must be a folder of its own; never read as %s's layer nor written "
      .. 'through'):format(fp.target, fp.who)
  end
  return ("a link to %s: a layer's folders must be its own; nothing in it read as %s's nor written through"):format(
    fp.target, fp.who)
end

local find, sub = string.find, string.sub

--- The folder of the document `path` ("" at the root): its last slash found by plain
--- searches (a pattern such as "^(.*)/" backtracks over the whole path, at every document
--- of a pass).
function H.dir_of(path)
  local at = find(path, '/', 1, true)
  if not at then return '' end
  while true do
    local nx = find(path, '/', at + 1, true)
    if not nx then return sub(path, 1, at - 1) end
    at = nx
  end
end

--- What is said of the folders of the layers on the documents of the folder `dir` (kept on
--- the corpus `c` until it forgets, see M.forget): name -> said or false.
function H.said_in(c, dir)
  local byd = c._link_dirs or rawget(c, '_link_dirs') -- (a field once made: no metamethod)
  if not byd then
    byd = {}
    rawset(c, '_link_dirs', byd)
  end
  local m = byd[dir]
  if not m then
    m = {}
    byd[dir] = m
  end
  return m
end

--- What is said of `name`'s folders on the documents of `dir` (asked once).
function H.ask(c, m, name, path)
  local said = false
  local fp = M.folder_problem(c:layer_folder(name) .. path, c.root)
  if fp then said = H.said(fp.folder, c.root, M.folder_message(fp, c.root)) end
  m[name] = said
  return said
end

--- What is said of the folders of `name`'s layer on the document `path` (relative to the
--- corpus `c`) when one is a link or no annotator's folder ("LINK:1:1: a link to T: ..."),
--- false when none is: asked once per pass for each folder of documents and each layer (kept
--- on the corpus until it forgets, see M.forget).
---@param c table stance.Corpus
---@param name string
---@param path string
---@return string|false
function M.folders_said(c, name, path)
  local m = H.said_in(c, H.dir_of(path))
  local said = m[name]
  if said == nil then said = H.ask(c, m, name, path) end
  return said
end

--- `names` without the layers whose folders on the document `path` are a link (or no
--- annotator's: M.folders_said), each said once (M.warn); `names` itself when none is. At
--- every document of a pass: a document in the folder of the one before, with the same
--- names, none of them refused there, costs two plain searches (no string made).
---@param c table stance.Corpus
---@param names string[]
---@param path string
---@return string[]
function M.readable(c, names, path)
  local last = c._link_last -- (false once made: a field of its own, no metamethod)
  if last and last.names == names and find(path, last.prefix, 1, true) == 1
      and not find(path, '/', last.n + 1, true) then
    return names
  end
  local d = find(path, '/', 1, true) and H.dir_of(path) or ''
  local m = H.said_in(c, d)
  local out = names
  for i = 1, #names do
    local name = names[i]
    local said = m[name]
    if said == nil then said = H.ask(c, m, name, path) end
    if said then
      M.warn(said)
      if out == names then
        out = {}
        for k = 1, i - 1 do
          out[k] = names[k]
        end
      end
    elseif out ~= names then
      out[#out + 1] = name
    end
  end
  local prefix = d == '' and '' or d .. '/'
  rawset(c, '_link_last', out == names and { names = names, prefix = prefix, n = #prefix } or false)
  return out
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

--- What is said of the link at `path`, below `root`'s annotations folder, that a reader met
--- without following it (src/modeljob.c says where it met one: stance.model.skipped), as
--- every command says it: at the file when `file` (M.message), else at the folder (an
--- annotator's folder or a folder between: M.folder_message): "PATH:1:1: a link to T: ...".
---@param path string
---@param root string
---@param file boolean the link is the annotation file itself
---@return string
function M.link_said(path, root, file)
  local target = M.target(path, root) or '(no link now)'
  if file then return H.said(path, root, M.message(path, target, root)) end
  local who = H.shown(path, root):match('^[^/]*/[^/]*/([^/]+)') or '?'
  return H.said(path, root, M.folder_message({ folder = path, target = target, who = who }, root))
end

--- The problem `stance check` reports for the annotation file `path` when it is a link (an
--- error at its line 1), nil when it is not (or, `root` given, is no file of an annotator's
--- folder).
---@param path string
---@param root string|nil
---@param fresh boolean|nil its folders asked now (see M.folder_problem)
---@return table|nil problem {line, col, severity, message}
function M.problem(path, root, fresh)
  -- (the system call first: most files are no link)
  local target = M.target(path, root)
  if target and (not root or folder_of(path, root)) then
    return { line = 1, col = 1, severity = 'error', message = M.message(path, target, root) }
  end
  local fp = root and M.folder_problem(path, root, fresh)
  if not fp then return nil end
  return { line = 1, col = 1, severity = 'error', folder = fp.folder,
    message = ('in %s, %s'):format(H.shown(fp.folder, root), M.folder_message(fp, root)) }
end

--- Why the annotation file `path` is not read or written, as a runtime error ("PATH:1:1: a
--- link to T: ..."; PATH relative to `root`), nil when it is no link nor below one. A write
--- asks with `fresh` (each folder looked at now, not once per pass).
---@param path string
---@param root string|nil
---@param fresh boolean|nil
---@return string|nil err
function M.refusal(path, root, fresh)
  local p = M.problem(path, root, fresh)
  return p and H.said(path, root, p.message)
end

--- Why a file named on the command line (`stance merge`'s BASE, OURS and THEIRS, `stance
--- diff`'s two files) is neither read nor written: when it is below a corpus's annotations
--- folder by its name (".../.stance/annotations/NAME/...", no link resolved to find the
--- corpus) and is a link, or a folder between is (M.refusal, asked now); nil for any other
--- file (git's temporary files, a pipe). As git runs these drivers they never get such a
--- path: git passes its own temporary files, or /dev/null for a file beyond a link.
---@param path string
---@return string|nil err "PATH:1:1: ..." (PATH relative to the corpus)
function M.named_refusal(path)
  local abs = require('stance.fs').absolute(path)
  local at = find(abs, '/' .. require('stance.root').annotations .. '/', 1, true)
  if not at then return nil end
  return M.refusal(abs, at == 1 and '/' or sub(abs, 1, at - 1), true)
end

--- "PATH:1:1: MESSAGE", PATH relative to `root` (as M.refusal says it).
function H.said(path, root, message)
  return ('%s:1:1: %s'):format(H.shown(path, root), message)
end

--- `path` relative to `root` (when given and below it).
function H.shown(path, root)
  local fs = require('stance.fs')
  return root and fs.relative(fs.absolute(path), fs.absolute(root)) or path
end

local said = {} -- what M.warn said already, in this process

--- How many different things M.warn said in this process: layers (or files of them) left out
--- for a link or a folder that is no annotator's (`stance run` then exits 1).
M.left = 0

--- Say `err` (see M.refusal) through stance.notify, once per process: a script's pass or a
--- curation meets the same link at each question about that layer.
---@param err string
--- Take `err` (a link's refusal, as M.refusal says it) as said already: a command that named
--- it in its own words (stance.export.rows.warn_unlisted) does not have it said again when a
--- document's layers are read.
---@param err string
function M.mark_said(err)
  said[err] = true
end

function M.warn(err)
  if said[err] then return end
  said[err] = true
  M.left = M.left + 1
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

--- Every link below the corpus's annotations folder (an annotation file, an annotator's
--- folder, a folder between: inside the corpus or out of it, or broken) and every folder
--- there whose name stance never makes, with where each link leads, sorted by path: what a
--- command going through the corpus's layers says it left out.
---@param root string
---@param annotator string|nil only those of this annotator's folder
---@return {path: string, target: string|nil, message: string, said: string}[] said: as M.refusal says it
function M.scan(root, annotator)
  local R = require('stance.root')
  local core = require('stance.core')
  local top = root .. '/' .. R.annotations
  local dir = annotator and top .. '/' .. R.slug(annotator) or top
  local out = {}
  if annotator then
    -- the annotator's folder itself a link: that is what is said (nothing below it listed)
    local target = M.target(dir, root)
    if target then
      local message = M.folder_message({ folder = dir, target = target, who = R.slug(annotator) }, root)
      return { { path = dir, target = target, message = message, said = H.said(dir, root, message) } }
    end
  end
  for _, e in ipairs(core.list(dir, { links = true }) or {}) do
    local path = dir .. '/' .. e.path
    local target = M.target(path, root)
    if target then
      local message -- (once: said is made of it)
      local st = core.stat(path) -- (where it leads: a folder, or a file)
      local in_folder = annotator or e.path:find('/', 1, true)
      if path:match('%.stance$') and in_folder and not (st and st.type == 'directory') then
        message = M.message(path, target, root)
      else
        local who = annotator and R.slug(annotator) or e.path:match('^[^/]+')
        message = M.folder_message({ folder = path, target = target, who = who }, root)
      end
      out[#out + 1] = { path = path, target = target, message = message, said = H.said(path, root, message) }
    end
  end
  if not annotator then
    told[root] = true
    for _, name in ipairs(core.folders(top) or {}) do
      if R.slug(name) ~= name then
        local path = top .. '/' .. name
        local message = M.folder_message({ folder = path, who = name, bad = true }, root)
        out[#out + 1] = { path = path, message = message, said = H.said(path, root, message), bad = true }
      end
    end
    table.sort(out, function(a, b) return a.path < b.path end)
  end
  return out
end

--- Say, through M.warn, the links among the annotators' folders of the corpus at `root` and
--- the folders whose name stance never makes (`links` and `bad`: names of those folders, see
--- core.folders and stance.Corpus.layer_names): what a pass over the corpus's layers leaves
--- out. Not when a command went through the whole annotations folder with M.scan (it says
--- them itself).
---@param root string
---@param links string[]
---@param bad string[]
function M.say_folders(root, links, bad)
  if told[root] then return end
  local top = root .. '/' .. require('stance.root').annotations
  for _, name in ipairs(links) do
    local path = top .. '/' .. name
    local target = M.target(path, root)
    if target then
      M.warn(H.said(path, root, M.folder_message({ folder = path, target = target, who = name }, root)))
    end
  end
  for _, name in ipairs(bad) do
    local path = top .. '/' .. name
    M.warn(H.said(path, root, M.folder_message({ folder = path, who = name, bad = true }, root)))
  end
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
