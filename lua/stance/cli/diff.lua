--- stance diff A B: what changed between two annotation files, as annotations (added,
--- removed, changed: by quote, label and the fields that changed), not as lines. Also a git
--- diff driver (`diff.stance.command`), which passes seven arguments.
local cmd = {
  summary = 'Semantic diff of two annotation files (also a git diff driver)',
  usage = 'stance diff A B',
  description = table.concat({
    'Prints one line per annotation, relation or document label that was added (+),',
    'removed (-) or changed (~), with its label, "(target T)" and quote (a relation: its',
    'type "(from A to B)"), and for changes the fields that changed, each "old -> new"',
    '(the only arrow); moves of a span are shown as a field change. A or B may be a pipe',
    '(<(git show REV:FILE), /dev/stdin); /dev/null is empty. Exit status 0 when they say',
    'the same, 1 when they differ, 2 when a file cannot be read or parsed completely',
    '(path:line:col; nothing is compared); always 0 under git, which stops at a diff',
    'driver that fails. An annotation file of a corpus reached through a link (the file, or a',
    'folder between it and .stance/annotations/NAME/) is not read: said as a file that cannot be.',
    'As a git diff driver: git config diff.stance.command "stance diff" (git passes',
    'PATH OLD-FILE OLD-HEX OLD-MODE NEW-FILE NEW-HEX NEW-MODE).',
  }, '\n'),
  args = { min = 2, max = 7 },
}

local SHOWN = { 'spans', 'label', 'target', 'stance', 'role', 'type', 'from', 'to', 'confidence', 'note',
  'author', 'conflict', 'quote' }

-- Fields of a record that are not its content (where it is in the file, marks in memory).
local QUIET = { kind = true, id = true, line = true, slot = true, touched = true, orphan = true }
-- What a field is called in a diff where its name is not the file's word.
local NAMES = { extras = 'attributes', comments = 'comments', inner = 'comments inside' }

-- The text of `path`: a regular file in one read; a pipe or device (`<(git show ...)`,
-- /dev/stdin, git's /dev/null for an added or deleted file) read to its end.
local function text_of(path)
  local text, err, code = require('stance.fs').read(path)
  if text or code ~= 'ENOTREG' then return text, err end
  local f, ferr = io.open(path, 'rb')
  if not f then return nil, ferr end
  local s, rerr = f:read('a')
  f:close()
  if not s then return nil, ('%s: %s'):format(path, rerr) end
  return s
end

-- The records of `path`, or nil and why (a file that cannot be read, or the first error
-- of one that cannot be parsed completely, as path:line:col: a diff of half a file would
-- show what is missing as removed).
local function load(path)
  -- an annotation file of a corpus reached through a link is not read (stance.layer_link)
  local why = require('stance.layer_link').named_refusal(path)
  if why then return nil, why end
  local text, err = text_of(path)
  if not text then return nil, err end
  if text == '' then return require('stance.core').store() end -- git's side of an add or delete
  local store, problems = require('stance.core').read(text)
  if not store then return nil, ('%s: %s'):format(path, tostring(problems)) end
  local where = require('stance.annfile').first_error(path, problems)
  if where then return nil, where end
  return store
end

local function show(v)
  if type(v) == 'table' then
    local parts = {}
    for i, sp in ipairs(v) do
      parts[i] = sp[1] .. '-' .. sp[2]
    end
    return table.concat(parts, ',')
  end
  if v == nil then return '(none)' end
  -- a value from a collaborator's file: control characters shown escaped, never acting on
  -- the terminal git runs this driver in (`git log -p` of a pulled branch)
  v = require('stance.utf8').printable(tostring(v))
  if #v > 60 then v = v:sub(1, 57):gsub('[\192-\255][\128-\191]*$', '') .. '...' end -- at a character
  return v
end

-- A name from the file (a label, a target, an ID) whole, its control characters escaped.
local function named(v)
  return require('stance.utf8').printable(tostring(v))
end

local function what(r)
  local bits = { r.kind, named(r.id) }
  if r.conflict then bits[#bits + 1] = '[conflict ' .. named(r.conflict) .. ']' end
  -- the arrow is kept for changes (old -> new): a label's target and a relation's ends are
  -- named in words
  if r.kind == 'relation' then
    bits[#bits + 1] = ('%s (from %s to %s)'):format(named(r.type or '?'), named(r.from or '?'), named(r.to or '?'))
  else
    bits[#bits + 1] = named(r.label or r.stance or '?')
    if r.target then bits[#bits + 1] = '(target ' .. named(r.target) .. ')' end
  end
  if r.quote then bits[#bits + 1] = '"' .. show(r.quote) .. '"' end
  return table.concat(bits, ' ')
end

--- The differences between stores `a` and `b`: lines, in file order of `a` then `b`.
---@return string[]
function cmd.lines(a, b)
  local merge = require('stance.merge')
  local out = {}
  local function key(r) return r.kind .. '\0' .. r.id .. '\0' .. (r.conflict or '') end
  local ka, kb, order = {}, {}, {}
  for _, kind in ipairs({ 'doclabel', 'annotation', 'relation' }) do
    for _, r in ipairs(a:records(kind)) do
      ka[key(r)] = r
      order[#order + 1] = key(r)
    end
    for _, r in ipairs(b:records(kind)) do
      kb[key(r)] = r
      if not ka[key(r)] then order[#order + 1] = key(r) end
    end
  end
  for _, k in ipairs(order) do
    local ra, rb = ka[k], kb[k]
    if ra and not rb then
      out[#out + 1] = '- ' .. what(ra)
    elseif rb and not ra then
      out[#out + 1] = '+ ' .. what(rb)
    elseif not merge.same(ra, rb) then
      local changes = {}
      for _, f in ipairs(SHOWN) do
        if not merge.same({ v = ra[f] }, { v = rb[f] }) then
          changes[#changes + 1] = ('%s %s -> %s'):format(f, show(ra[f]), show(rb[f]))
        end
      end
      -- then every other field that differs, by name (prefix, suffix, created, modified,
      -- the attributes a file keeps as written, comments)
      local shown, others = {}, {}
      for _, f in ipairs(SHOWN) do
        shown[f] = true
      end
      for _, r in ipairs({ ra, rb }) do
        for f in pairs(r) do
          if not shown[f] and not QUIET[f] and not merge.same({ v = ra[f] }, { v = rb[f] }) then
            shown[f] = true
            others[#others + 1] = f
          end
        end
      end
      table.sort(others)
      for _, f in ipairs(others) do
        changes[#changes + 1] = ('%s %s -> %s'):format(named(NAMES[f] or f), show(ra[f]), show(rb[f]))
      end
      out[#out + 1] = '~ ' .. what(rb) .. ': ' .. table.concat(changes, '; ')
    end
  end
  return out
end

function cmd.run(_, args)
  local pa, pb, name = args[1], args[2], nil
  if #args == 7 then name, pa, pb = args[1], args[2], args[5] end
  if #args ~= 2 and #args ~= 7 then
    return require('stance.cli').usage_error('give two files (or git\'s seven arguments)', 'diff')
  end
  local a, aerr = load(pa)
  local b, berr = load(pb)
  if not a or not b then
    local printable = require('stance.utf8').printable
    for _, e in ipairs({ aerr or false, berr or false }) do
      if e then io.stderr:write('stance diff: ', printable(e), '\n') end
    end
    -- git stops at a diff driver that fails: say it in the diff and let it go on
    if name then
      io.stdout:write('stance diff ', printable(name), ': not compared: ', printable(aerr or berr), '\n')
      return 0
    end
    return 2
  end
  local lines = cmd.lines(a, b)
  if name and #lines > 0 then io.stdout:write('stance diff ', require('stance.utf8').printable(name), '\n') end
  for _, l in ipairs(lines) do
    io.stdout:write(l, '\n')
  end
  if name then return 0 end -- git stops at an external diff that exits non-zero
  return #lines > 0 and 1 or 0
end

return cmd
