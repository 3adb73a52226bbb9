--- Document metadata: title, author, outlet, date and any other column a team wants, kept
--- in `.stance/documents.csv` (doc/format.md, "Document metadata"): one row per document,
--- the first column `document` (its path relative to the corpus root). Read here, checked
--- by `stance check`, given to scripts (`doc:meta()`), exports (one `doc_COLUMN` column
--- each), `stance stats --by COLUMN` and `stance report`. Both hosts.
local M = {}
local H = {}

--- Where a corpus keeps its document metadata, relative to the root.
M.path = '.stance/documents.csv'

--- The largest file read (a metadata file is a table of a few columns per document).
M.MAX_BYTES = 64 * 1024 * 1024

--- The most columns.
M.MAX_COLUMNS = 1000

--- The most fields read in all (4,000 documents of 1,000 columns, 400,000 of 10): past it,
--- the rest of the file is left out, said at its place. A file of its 64 MiB filled with
--- commas is 64 million fields: read whole, 3.3 GB and three minutes in every command.
M.MAX_FIELDS = 4000000

---@class stance.DocMeta
---@field columns string[] the columns after `document`, in the file's order
---@field rows table<string, table<string, string>> document path -> column -> value (no empty values)
---@field lines table<string, integer> document path -> line of its row
---@field paths string[] the documents with a row, in the file's order
---@field problems table[] {line, col, severity, message}

--- An empty metadata table (a corpus without the file).
---@return stance.DocMeta
function M.empty()
  return { columns = {}, rows = {}, lines = {}, paths = {}, problems = {} }
end

--- Parse the text of a metadata file. Never fails: problems are listed and the rest is
--- read (a row with too few fields has its missing values empty; a second row for one
--- document is left out). `is_document(path)`, when given, says whether a path names a
--- document of the corpus (a warning otherwise).
---@param text string
---@param is_document fun(path: string): boolean|nil
---@return stance.DocMeta
function M.parse(text, is_document)
  local meta = M.empty()
  local problems = meta.problems
  local function problem(line, col, severity, msg)
    problems[#problems + 1] = { line = line, col = col, severity = severity, message = msg }
  end
  if #text > M.MAX_BYTES then
    problems[1] = H.too_large(#text)
    return meta
  end
  local csv = require('stance.csv_reader')
  local nul = text:find('\0', 1, true)
  if nul then
    local l, c = csv.position(text, nul)
    problem(l, c, 'error', 'a NUL byte: a metadata file is text (UTF-8)')
  end
  local bad, first = require('stance.core').text(text):invalid()
  if bad > 0 then
    local l, c = csv.position(text, first + 1)
    problem(l, c, 'error', ('%d byte%s of invalid UTF-8 (the first here): save the file as UTF-8'):format(bad,
      bad == 1 and '' or 's'))
  end
  -- a record at a time (a row of more fields than the columns are skipped past them)
  local next_csv, csv_problems = csv.each(text, { max_fields = M.MAX_COLUMNS + 2, max_total = M.MAX_FIELDS,
    quiet_cut = true })
  -- git's conflict markers (a merge of two edits of the table): named as such, their lines
  -- no rows (the rows between them are, and the second side's are then a document's second row)
  local function next_record()
    for rec in next_csv do
      if rec.cols[1] == 1 and H.conflict_marker(table.concat(rec.fields, ',')) then
        problem(rec.line, 1, 'error', M.CONFLICT)
      else
        return rec
      end
    end
    return nil
  end
  local header = next_record()
  if not header then
    H.add_all(problems, csv_problems)
    problem(1, 1, 'error', 'no header line: the first line names the columns, starting with `document`')
    return H.sorted(meta)
  end
  local names, seen = {}, {}
  for i, name in ipairs(header.fields) do
    local l, c = header.lines[i], header.cols[i]
    if i == 1 then
      if name ~= 'document' then
        problem(l, c, 'error', ('the first column is `document` (the document\'s path relative to the corpus root), '
          .. 'not %s'):format(H.show(name)))
      end
    elseif i > M.MAX_COLUMNS + 1 then
      problem(l, c, 'error', ('more than %d columns: the rest are left out'):format(M.MAX_COLUMNS))
      break
    elseif name == '' then
      problem(l, c, 'error', ('column %d has no name'):format(i))
    elseif not name:match('^[%a][%w_%-]*$') then
      problem(l, c, 'error', ('column name %s: a name is ASCII letters, digits, `_` and `-`, starting with a '
        .. 'letter (it becomes a column of exports and a `--by` of stance stats)'):format(H.show(name)))
    elseif seen[name] or name == 'document' then
      problem(l, c, 'error', ('column %s is named twice (first in column %d)'):format(name, seen[name] or 1))
    else
      seen[name] = i
      names[i] = name
      meta.columns[#meta.columns + 1] = name
    end
  end
  -- (a header cut at the reader's cap holds more than the columns read: rows are measured
  -- against the columns kept, and a row cut there too says so at its end)
  local width = math.min(#header.fields, M.MAX_COLUMNS + 1)
  for rec in next_record do
    local f = rec.fields
    if #f > width or rec.cut then
      problem(rec.lines[width + 1] or rec.stop_line, rec.cols[width + 1] or rec.stop_col, 'error',
        ('%s%d fields where the header has %d columns: the '
        .. 'extra ones are left out'):format(rec.cut and 'more than ' or '', #f, width))
    elseif #f < width then
      problem(rec.stop_line, rec.stop_col, 'error', ('%d field%s where the header has %d columns: the missing ones '
        .. 'are empty'):format(#f, #f == 1 and '' or 's', width))
    end
    local path = f[1]
    local why = H.bad_path(path)
    if why then
      problem(rec.line, rec.cols[1], 'error', ('document %s: %s'):format(H.show(path), why))
    elseif meta.rows[path] then
      problem(rec.line, rec.cols[1], 'error', ('document %s has a row already (line %d): this one is left out')
        :format(H.show(path), meta.lines[path]))
    else
      if is_document and not is_document(path) then
        problem(rec.line, rec.cols[1], 'warning', ('no document %s in the corpus'):format(H.show(path)))
      end
      local row = {}
      for i = 2, math.min(#f, width) do
        local name, v = names[i], f[i]
        if name and v ~= '' then
          row[name] = v
          if name == 'date' and not M.date_key(v) then
            problem(rec.lines[i], rec.cols[i], 'error', ('date %s: a date is YYYY, YYYY-MM, YYYY-MM-DD or '
              .. 'YYYY-MM-DDThh:mm[:ss] (ISO 8601), a day of the calendar'):format(H.show(v)))
          end
        end
      end
      meta.rows[path] = row
      meta.lines[path] = rec.line
      meta.paths[#meta.paths + 1] = path
    end
  end
  H.add_all(problems, csv_problems)
  return H.sorted(meta)
end

function H.add_all(into, from)
  for _, p in ipairs(from) do
    into[#into + 1] = p
  end
end

--- The message of a line git writes around a merge conflict (as annotation files say it,
--- doc/format.md 7).
M.CONFLICT = 'unresolved git merge conflict: keep one row per document and remove the marker lines '
  .. '(<<<<<<<, =======, >>>>>>>)'

--- Whether a line is one git writes around a merge conflict: at column 1, seven `<`, `|`,
--- `=` or `>`, then the line's end or a space (and a label).
function H.conflict_marker(line)
  local c = line:sub(1, 1)
  if not c:match('^[<|=>]$') or line:sub(1, 7) ~= c:rep(7) then return false end
  return #line == 7 or line:sub(8, 8) == ' '
end

--- The error a command that uses the metadata names (a git conflict marker first, as the
--- summary of an annotation file's errors does), and how many errors there are; nil when
--- the file has none.
---@param meta stance.DocMeta
---@return table|nil problem {line, col, severity, message}
---@return integer errors
function M.first_error(meta)
  return require('stance.annfile').conflict_first(meta.problems, M.CONFLICT)
end

--- Say on `warn(path, line, message, col)` (the exports' warn) that the metadata a command
--- uses has errors: its first, at its place, with how many; nothing when it has none. The
--- values read are used (a spreadsheet's reading), but never silently.
---@param meta stance.DocMeta
---@param warn fun(path: string, line: integer|nil, message: string, col: integer|nil)
---@return boolean said
function M.warn_errors(meta, warn)
  local first, n = M.first_error(meta)
  if not first then return false end
  warn(M.path, first.line, ('%s (%d error(s)); the metadata is used as far as it could be read (stance check lists '
    .. 'them)'):format(first.message, n), first.col)
  return true
end

--- Load the metadata of the corpus at `root` (empty when it has no file).
---@param root string
---@param is_document fun(path: string): boolean|nil
---@return stance.DocMeta
function M.load(root, is_document)
  return M.load_file(root .. '/' .. M.path, is_document, root)
end

--- Load a metadata file (empty when there is none; a file that cannot be read, or is too
--- large, is one problem and nothing else).
---@param path string
---@param is_document fun(path: string): boolean|nil
---@param root string|nil the corpus: the file is read only when it resolves inside it (a
--- committed link out of the corpus is refused, as every file a corpus brings)
---@return stance.DocMeta
function M.load_file(path, is_document, root)
  local st = require('stance.core').stat(path)
  if not st then return M.empty() end
  local meta = M.empty()
  if st.size > M.MAX_BYTES then
    meta.problems[1] = H.too_large(st.size)
    return meta
  end
  local text, err = require('stance.fs').read(path, root)
  if not text then
    meta.problems[1] = { line = 1, col = 1, severity = 'error', message = tostring(err) }
    return meta
  end
  return M.parse(text, is_document)
end

function H.too_large(size)
  return { line = 1, col = 1, severity = 'error', message = ('the file is too large (%d bytes; at most %d MiB are '
    .. 'read): nothing of it is used'):format(size, math.floor(M.MAX_BYTES / 1048576)) }
end

--- A sortable key of an ISO 8601 date ("2024", "2024-03", "2024-03-05", with a time), or nil
--- when `s` is not one. Keys of dates compare as their times do (a date without a time
--- first), a time zone aside.
---@param s string
---@return string|nil
function M.date_key(s)
  local y, rest = s:match('^(%d%d%d%d)(.*)$')
  if not y then return nil end
  if rest == '' then return y end
  local m, rest2 = rest:match('^%-(%d%d)(.*)$')
  if not m or tonumber(m) < 1 or tonumber(m) > 12 then return nil end
  if rest2 == '' then return y .. '-' .. m end
  local d, rest3 = rest2:match('^%-(%d%d)(.*)$')
  -- a day of the calendar (2020-02-30 is none; 2020-02-29 is, 1900-02-29 is not)
  if not d or tonumber(d) < 1 or tonumber(d) > H.days_in(tonumber(y), tonumber(m)) then return nil end
  if rest3 == '' then return ('%s-%s-%s'):format(y, m, d) end
  local hh, mm, tail = rest3:match('^[T ](%d%d):(%d%d)(.*)$')
  if not hh or tonumber(hh) > 23 or tonumber(mm) > 59 then return nil end
  local ss = tail:match('^:(%d%d)')
  if ss and tonumber(ss) > 60 then return nil end -- (60: a leap second)
  if ss then tail = tail:sub(4) end
  tail = tail:gsub('^%.%d+', '')
  local zh, zm = tail:match('^[+-](%d%d):?(%d%d)$')
  if zh and (tonumber(zh) > 23 or tonumber(zm) > 59) then return nil end
  if not (tail == '' or tail == 'Z' or zh) then return nil end
  return ('%s-%s-%sT%s:%s:%s'):format(y, m, d, hh, mm, ss or '00')
end

--- The days of month `m` of year `y` (the Gregorian calendar, as ISO 8601's).
function H.days_in(y, m)
  if m == 2 then
    return (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28
  end
  return (m == 4 or m == 6 or m == 9 or m == 11) and 30 or 31
end

--- Why `path` cannot name a document, or nil.
function H.bad_path(path)
  if path == '' then return 'the path is empty' end
  if path:sub(1, 1) == '/' or path:find('\\', 1, true) then
    return 'a path relative to the corpus root, with `/` between folders'
  end
  for part in (path .. '/'):gmatch('([^/]*)/') do
    if part == '' or part == '.' or part == '..' then return 'a path has no empty, `.` or `..` part' end
  end
  if path:find('[%c]') then return 'a path has no control characters' end
  return nil
end

--- A value as a message shows it: quoted, cut when long, control characters escaped.
function H.show(s)
  if #s > 60 then s = s:sub(1, 57) .. '...' end
  return '"' .. s:gsub('[%c"\\]', function(ch)
    return ('\\%03d'):format(ch:byte())
  end) .. '"'
end

function H.sorted(meta)
  table.sort(meta.problems, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    return a.col < b.col
  end)
  return meta
end

return M
