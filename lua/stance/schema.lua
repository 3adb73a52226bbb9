--- The schema of a corpus (.stance/schema.stance): what can be annotated — targets, stance
--- values, roles, relation types and the labels annotators pick with one key — written in
--- the annotation markup (doc/format.md, "The schema"). Works in both hosts.
local M = {}
local H = {}

--- Where a corpus keeps its schema, relative to the root.
M.path = '.stance/schema.stance'

---@class stance.SchemaEntry
---@field name string
---@field title string|nil
---@field key string|nil one character
---@field color string|nil "#rrggbb"
---@field description string|nil
---@field target string|nil label defaults
---@field stance string|nil
---@field role string|nil
---@field ask string[]|nil labels: what to ask after the key ("target", "stance", "role")
---@field terms string[]|nil targets: words and phrases that name it (a final `*`: a prefix)
---@field documents string[]|nil targets: globs of the documents it belongs to (nil: every one)
---@field line integer

---@class stance.Schema
---@field targets stance.SchemaEntry[]
---@field stances stance.SchemaEntry[]
---@field roles stance.SchemaEntry[]
---@field relations stance.SchemaEntry[]
---@field labels stance.SchemaEntry[]
---@field attributes stance.SchemaEntry[] attributes records may carry beyond the format's own
---@field by table<string, table<string, stance.SchemaEntry>> kind -> name -> entry
---@field corpus {include: string[], exclude: string[], not_annotators: string[], watch: string|nil, unit: string}

--- Record kinds of a schema and the list each fills.
H.kinds = { target = 'targets', stance = 'stances', role = 'roles', relation = 'relations', label = 'labels',
  attribute = 'attributes' }
H.corpus_attrs = { include = 'include', exclude = 'exclude', ['not-annotators'] = 'not_annotators' }
H.attrs = {
  title = true, key = true, color = true, description = true,
  target = 'label', stance = 'label', role = 'label', ask = 'label', terms = 'target', documents = 'target',
}

--- Parse a schema. Never fails: problems are listed ({line, col, severity, message}).
---@param text string
---@return stance.Schema schema
---@return table[] problems
function M.parse(text)
  local core = require('stance.core')
  local lines, problems = core.markup_lines(text)
  local s = {
    targets = {}, stances = {}, roles = {}, relations = {}, labels = {}, attributes = {},
    by = { target = {}, stance = {}, role = {}, relation = {}, label = {}, attribute = {} },
    corpus = { include = {}, exclude = {}, not_annotators = {}, unit = 'sentence' },
  }
  local function problem(l, col, severity, msg)
    problems[#problems + 1] = { line = l.line, col = col or l.col, severity = severity, message = msg }
  end
  local cur, kind, seen_format, records = nil, nil, false, 0
  for _, l in ipairs(lines) do
    if l.kind == 'record' then
      records = records + 1
      cur, kind = nil, l.name
      if l.name == 'format' then
        if records ~= 1 then problem(l, 1, 'error', '`format` must be the first line') end
        seen_format = true
        if l.values[1] ~= 'stance' or l.values[2] ~= '1' then
          problem(l, 1, 'error', 'a schema starts with `format stance 1`')
        end
      elseif l.name == 'corpus' then
        cur = s.corpus
      elseif H.kinds[l.name] then
        local name = l.values[1]
        if #l.values ~= 1 then
          problem(l, 1, 'error', ('`%s` takes one value: its name'):format(l.name))
        elseif s.by[l.name][name] then
          problem(l, 1, 'error', ('%s %s is defined twice: here and at %s:%d:1, the one every command uses '
            .. '(keep one)'):format(l.name, name, M.path, s.by[l.name][name].line))
        else
          cur = { name = name, line = l.line }
          local list = s[H.kinds[l.name]]
          list[#list + 1] = cur
          s.by[l.name][name] = cur
        end
      else
        problem(l, 1, 'error', ("unknown record '%s' (a schema has target, stance, role, relation, "
          .. 'label, attribute and corpus records)'):format(l.name))
      end
      if records == 1 and l.name ~= 'format' then
        problem(l, 1, 'error', 'missing `format stance 1` at the top of the file')
      end
    elseif l.kind == 'attribute' and cur ~= nil then
      H.attribute(cur, kind, l, problem)
    end
  end
  if not seen_format and records == 0 then
    problems[#problems + 1] = { line = 1, col = 1, severity = 'error',
      message = 'missing `format stance 1` at the top of the file' }
  end
  H.check(s, problem)
  table.sort(problems, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    return a.col < b.col
  end)
  for _, p in ipairs(problems) do
    p.scope = nil
    -- the merge driver merges annotation files, never the schema: resolved by hand
    if p.severity == 'error' and (p.message or ''):find('^unresolved git merge conflict') then
      p.message = M.CONFLICT
    end
  end
  return s, problems
end

--- The message of a line git writes around a merge conflict in the schema (the merge driver
--- is registered for annotation and curation files only: a schema is merged by hand).
M.CONFLICT = 'unresolved git merge conflict: the schema is merged by hand (the merge driver does not merge it): '
  .. 'keep one side and remove the marker lines (<<<<<<<, =======, >>>>>>>)'

--- The error every command that uses the schema names (a git conflict marker first, then the
--- earliest), and how many errors there are; nil when the schema has none.
---@param problems table[]|nil
---@return table|nil first {line, col, severity, message}
---@return integer errors
function M.first_error(problems)
  return require('stance.annfile').conflict_first(problems, M.CONFLICT)
end

--- How a schema with errors is said by a command that uses it (one line, the place first):
--- ".stance/schema.stance:LINE:COL: message (N error(s)); ...", or nil when it has none.
---@param problems table[]|nil
---@return string|nil
function M.errors_said(problems)
  local first, n = M.first_error(problems)
  if not first then return nil end
  return ('%s:%d:%d: %s (%d error(s) in the schema); it is used as far as it could be read (stance check lists '
    .. 'them)'):format(M.path, first.line or 1, first.col or 1, first.message, n)
end

--- The schemas with errors that commands of this process used (stance.Corpus.schema meets
--- each): each said once to `M.sink` (the `stance` command sets it: stderr), counted in `M.met`.
M.met = 0
H.said = {}

--- Say that the corpus at `root` uses a schema with `problems` (nothing when it has no error).
---@param root string
---@param problems table[]|nil
function M.meet(root, problems)
  local said = M.errors_said(problems)
  if not said or H.said[root .. '\0' .. said] then return end
  H.said[root .. '\0' .. said] = true
  M.met = M.met + 1
  if M.sink then M.sink(said, root) end
end

--- `watch auto` (a command that needs the index up to date starts `stance watch` for the
--- corpus when none runs, stance.watch.auto) or `watch off` (never); without the line, one is
--- started for a corpus of stance.watch.auto.THRESHOLD documents or more.
function H.watch(cur, l, problem)
  local v = l.values
  if #v ~= 1 or (v[1] ~= 'auto' and v[1] ~= 'off') then
    return problem(l, nil, 'error', '`watch` takes one value: auto or off')
  end
  cur.watch = v[1]
end

--- `unit sentence` (the default: sentences, never across a blank line) or `unit line` (each
--- line that is not blank is a unit, never crossed: one post per line, as a tweet corpus has):
--- the unit of `is`, `]u`, agreement, the model, suggestions, exports and progress.
function H.unit(cur, l, problem)
  local v = l.values
  if #v ~= 1 or (v[1] ~= 'sentence' and v[1] ~= 'line') then
    return problem(l, nil, 'error', '`unit` takes one value: sentence or line')
  end
  if cur.unit_line then
    return problem(l, nil, 'error', ('`unit` given twice (first at line %d)'):format(cur.unit_line))
  end
  cur.unit, cur.unit_line = v[1], l.line
end

--- A target's documents: globs of corpus paths (as `include`'s: a glob without `/` matches a
--- file's name in any folder) the target belongs to. Outside them a document is not judged for
--- the target: "no annotation" there is not "no stance" (agreement, the model, suggestions, progress,
--- exports leave it out for that target).
function H.documents(cur, l, problem)
  if #l.values == 0 then return problem(l, nil, 'error', '`documents` takes one or more globs of documents') end
  for _, g in ipairs(l.values) do
    if g == '' then return problem(l, nil, 'error', '`documents`: an empty glob matches no document') end
    if g:sub(1, 1) == '/' or g:find('^%a:') then
      return problem(l, nil, 'error', ("`documents`: '%s' is absolute; globs are relative to the corpus root")
        :format(g))
    end
    for part in g:gmatch('[^/]+') do
      if part == '..' or part == '.' then
        return problem(l, nil, 'error', ("`documents`: '%s' has a '%s' part; globs name paths inside the corpus")
          :format(g, part))
      end
    end
  end
  cur.documents = l.values
  cur.documents_line = l.line
end

function H.attribute(cur, kind, l, problem)
  local key, v = l.name, l.values
  if kind == 'corpus' then
    local list = H.corpus_attrs[key]
    if not list then
      if key == 'watch' then return H.watch(cur, l, problem) end
      if key == 'unit' then return H.unit(cur, l, problem) end
      return problem(l, nil, 'warning',
        ("unknown attribute '%s' in corpus (include, exclude, not-annotators, watch, unit)"):format(key))
    end
    for _, g in ipairs(v) do
      cur[list][#cur[list] + 1] = g
    end
    return
  end
  local allowed = H.attrs[key]
  if not allowed or (type(allowed) == 'string' and kind ~= allowed) then
    return problem(l, nil, 'warning', ("unknown attribute '%s' in %s (kept, not used)"):format(key, kind))
  end
  if cur[key] ~= nil then return problem(l, nil, 'error', ('`%s` given twice'):format(key)) end
  if key == 'ask' then
    for _, a in ipairs(v) do
      if a ~= 'target' and a ~= 'stance' and a ~= 'role' then
        return problem(l, nil, 'error', ("`ask` takes target, stance or role, not '%s'"):format(a))
      end
    end
    cur.ask = v
    return
  end
  if key == 'terms' then return H.terms(cur, l, problem) end
  if key == 'documents' then return H.documents(cur, l, problem) end
  if #v ~= 1 then return problem(l, nil, 'error', ('`%s` takes one value'):format(key)) end
  if key == 'key' and (#v[1] ~= 1 or not v[1]:match('^[%w%p]$')) then
    return problem(l, nil, 'error', ("key '%s' should be one letter, digit or sign"):format(v[1]))
  end
  if key == 'color' and not v[1]:match('^#%x%x%x%x%x%x$') then
    return problem(l, nil, 'error', ("color '%s' should be #rrggbb"):format(v[1]))
  end
  cur[key] = v[1]
  cur[key .. '_line'] = l.line
end

--- A target's terms: words and phrases of words (as the cue lexicon's: folded like search,
--- a final `*` makes a prefix), matched in the sentences the model reads.
function H.terms(cur, l, problem)
  if #l.values == 0 then return problem(l, nil, 'error', '`terms` takes one or more words or "phrases"') end
  for _, t in ipairs(l.values) do
    local words = 0
    for w in t:gmatch('[^%s%p]+') do
      words = words + (#w > 0 and 1 or 0)
    end
    if words == 0 then return problem(l, nil, 'error', ("term '%s' has no word"):format(t)) end
    if words > 8 then return problem(l, nil, 'error', ("term '%s' has more than 8 words"):format(t)) end
    if t:find('%*.') then
      return problem(l, nil, 'error', ("term '%s': `*` only ends a term (a prefix of its last word)"):format(t))
    end
  end
  cur.terms = l.values
  cur.terms_line = l.line
end

-- Keys unique within a kind; label defaults known to the schema.
function H.check(s, problem)
  for kind, list in pairs(H.kinds) do
    local keys = {}
    for _, e in ipairs(s[list]) do
      if e.key then
        if keys[e.key] then
          problem({ line = e.key_line, col = 1 }, 1, 'error', ("key '%s' of %s %s is taken by %s %s"):format(
            e.key, kind, e.name, kind, keys[e.key].name))
        else
          keys[e.key] = e
        end
      end
    end
  end
  for _, label in ipairs(s.labels) do
    for _, field in ipairs({ 'target', 'stance', 'role' }) do
      local v = label[field]
      if v and next(s.by[field]) ~= nil and not s.by[field][v] then
        problem({ line = label[field .. '_line'], col = 1 }, 1, 'error',
          ("label %s: unknown %s '%s'"):format(label.name, field, v))
      end
    end
  end
end

--- Whether document `path` (relative to the corpus root) belongs to target `target` (a name
--- or an entry): every document does, unless the schema's target lists `documents`.
---@param s stance.Schema|nil
---@param target string|stance.SchemaEntry|nil
---@param path string
---@return boolean
function M.in_scope(s, target, path)
  local e = target
  if type(e) ~= 'table' then e = s and target and s.by.target[target] end
  if not e or not e.documents then return true end
  local match = require('stance.core').glob_match
  for _, g in ipairs(e.documents) do
    if match(g, path) then return true end
  end
  return false
end

--- Whether any target of the schema has `documents` (a scope narrower than the corpus).
---@param s stance.Schema|nil
---@return boolean
function M.scoped(s)
  for _, e in ipairs(s and s.targets or {}) do
    if e.documents then return true end
  end
  return false
end

--- The schema as the editor offers it in document `path`: only the targets the document
--- belongs to (M.in_scope), and only the labels that set none of the others; `s` itself when
--- no target is scoped. (A copy of the lists and of `by`; the entries are shared.)
---@param s stance.Schema|nil
---@param path string
---@return stance.Schema|nil
function M.for_document(s, path)
  if not s or not M.scoped(s) then return s end
  local out, by = {}, {}
  for k, v in pairs(s) do
    out[k] = v
  end
  for k, v in pairs(s.by) do
    by[k] = v
  end
  out.by = by
  out.targets, by.target = {}, {}
  for _, e in ipairs(s.targets) do
    if M.in_scope(s, e, path) then
      out.targets[#out.targets + 1] = e
      by.target[e.name] = e
    end
  end
  out.labels, by.label = {}, {}
  for _, e in ipairs(s.labels) do
    if not e.target or by.target[e.target] then
      out.labels[#out.labels + 1] = e
      by.label[e.name] = e
    end
  end
  return out
end

--- Why an annotation or document stance toward `target` cannot be made in document `path`
--- (the target's `documents` do not take it in), or nil when it can.
---@param s stance.Schema|nil
---@param target string|nil
---@param path string
---@return string|nil
function M.out_of_scope(s, target, path)
  if not target or M.in_scope(s, target, path) then return nil end
  local e = s.by.target[target]
  return ("target %s is not judged in %s (its documents: %s): nothing toward it is made here"):format(target, path,
    table.concat(e.documents, ' '))
end

--- The corpus's unit: 'sentence' (the default) or 'line' (the schema's `unit line`).
---@param s stance.Schema|nil
---@return string
function M.unit(s)
  return s and s.corpus and s.corpus.unit or 'sentence'
end

--- The values the reader checks annotation files against (see core.read).
---@param s stance.Schema|nil
---@return table|nil
function M.vocab(s)
  if not s then return nil end
  local function names(list)
    local out = {}
    for _, e in ipairs(list) do
      out[#out + 1] = e.name
    end
    return out
  end
  return {
    label = names(s.labels), target = names(s.targets), stance = names(s.stances),
    role = names(s.roles), type = names(s.relations), attribute = names(s.attributes),
  }
end

--- Names of one kind in the order people expect: the schema's entries in its order, then
--- the other names in `found` (a set: name -> true) sorted, the empty name ("no target")
--- last. What assumes no stance or target names (summary, stats, report) lists them so.
---@param entries stance.SchemaEntry[]|nil e.g. schema.stances
---@param found table<string, any>
---@return string[]
function M.ordered(entries, found)
  local out, seen = {}, {}
  for _, e in ipairs(entries or {}) do
    out[#out + 1], seen[e.name] = e.name, true
  end
  local extra = {}
  for n in pairs(found) do
    if not seen[n] then extra[#extra + 1] = n end
  end
  table.sort(extra, function(a, b)
    if (a == '') ~= (b == '') then return b == '' end
    return a < b
  end)
  for _, n in ipairs(extra) do
    out[#out + 1] = n
  end
  return out
end

--- A comparison for sorting names of one kind in the schema's order (as M.ordered lists
--- them): the schema's entries first, in its order, then other names sorted, nil and the
--- empty name ("no target") last.
---@param entries stance.SchemaEntry[]|nil e.g. schema.targets
---@return fun(a: string|nil, b: string|nil): boolean
function M.order(entries)
  local rank = {}
  for i, e in ipairs(entries or {}) do
    rank[e.name] = rank[e.name] or i
  end
  local last = #(entries or {}) + 1
  local function key(n)
    if n == nil or n == '' then return last + 1 end
    return rank[n] or last
  end
  return function(a, b)
    local ka, kb = key(a), key(b)
    if ka ~= kb then return ka < kb end
    return (a or '') < (b or '')
  end
end

--- Read the schema of the corpus at `root`: schema, problems; nil when there is none.
---@param root string
---@return stance.Schema|nil
---@return table[]|nil problems
---@return string path
function M.load(root)
  local path = root .. '/' .. M.path
  local text, err, code = require('stance.fs').read(path, root)
  if not text then
    if code == 'ENOENT' then return nil, nil, path end
    -- a link out of the corpus, a FIFO, a folder: not read, and said so
    return nil, { { line = 1, col = 1, severity = 'error', message = err } }, path
  end
  local s, problems = M.parse(text)
  return s, problems, path
end

return M
