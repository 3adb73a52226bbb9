--- Reading CSV (RFC 4180) with the place of everything: each record with its line and each
--- field with its line and column (bytes, 1-based, as Vim's quickfix counts them), and every
--- departure from the RFC as a problem at its place instead of a guess. Line ends may be
--- CRLF, LF or CR; a UTF-8 byte order mark is skipped; blank lines are skipped. Writing is
--- stance.export.csv. Both hosts.
local M = {}
local H = {}

---@class stance.CsvRecord
---@field line integer where the record starts
---@field fields string[]
---@field lines integer[] the line of each field
---@field cols integer[] the column of each field
---@field stop_line integer where the record ends
---@field stop_col integer the column just past its last field
---@field cut boolean|nil fields after the first max_fields were left out (M.each)

--- Parse `text`. Never fails: what is not RFC 4180 is listed in `problems` ({line, col,
--- severity, message}) and read the way a spreadsheet would read it.
---@param text string
---@param opts table|nil { max_fields = the most fields kept of a record (the rest are
--- skipped at the speed of a search, said once at the first one left out unless quiet_cut:
--- the record's `cut` says it), max_total = the most fields read in all (the rest of the
--- text left out, said at its place) }
---@return stance.CsvRecord[] records
---@return table[] problems
function M.parse(text, opts)
  local records = {}
  local next_record, problems = M.each(text, opts)
  for rec in next_record do
    records[#records + 1] = rec
  end
  return records, problems
end

--- Read `text` a record at a time (the memory of one record, not of the table: a file of
--- millions of fields costs no more than its text): an iterator of records (blank lines
--- skipped) and the problems list it fills as it goes. Options as M.parse's.
---@param text string
---@param opts table|nil
---@return fun(): stance.CsvRecord|nil
---@return table[] problems
function M.each(text, opts)
  opts = opts or {}
  local max_fields, max_total = opts.max_fields or math.huge, opts.max_total or math.huge
  local problems = {}
  local function problem(line, col, msg)
    problems[#problems + 1] = { line = line, col = col, severity = 'error', message = msg }
  end
  -- a byte order mark is not part of the first field, nor counted in its column
  local pos = text:sub(1, 3) == '\239\187\191' and 4 or 1
  local n = #text
  local line, line_start = 1, pos
  local total = 0
  local skip_cache = {}
  local function one()
    local rec = { line = line, fields = {}, lines = {}, cols = {} }
    local first_col = pos - line_start + 1
    while true do
      local col = pos - line_start + 1
      -- (a blank line is no field: never counted, never the one past the limit)
      local c0 = text:byte(pos)
      local blank = #rec.fields == 0 and (c0 == 10 or c0 == 13)
      if not blank and (#rec.fields >= max_fields or total >= max_total) then
        if total >= max_total then -- (this record left out whole, said at its start)
          problem(rec.line, first_col, ('more than %d fields in the file: the rest of it is left out')
            :format(max_total))
          pos = n + 1
          return nil
        end
        if not opts.quiet_cut then
          problem(line, col, ('more than %d fields on this line: the rest of them are left out'):format(max_fields))
        end
        rec.cut = true
        line, line_start, pos = H.skip_record(text, pos, line, line_start, skip_cache)
        return rec
      end
      if not blank then total = total + 1 end
      local value
      rec.lines[#rec.lines + 1], rec.cols[#rec.cols + 1] = line, col
      if text:byte(pos) == 34 then -- '"'
        local parts, p, open_line, open_col = {}, pos + 1, line, col
        while true do
          local q = text:find('"', p, true)
          local chunk = text:sub(p, (q or n + 1) - 1)
          parts[#parts + 1] = chunk
          line, line_start = H.advance(chunk, p, line, line_start)
          if not q then
            problem(open_line, open_col, 'this quoted field is never closed (a `"` is missing)')
            pos = n + 1
            break
          end
          if text:byte(q + 1) == 34 then
            parts[#parts + 1] = '"'
            p = q + 2
          else
            pos = q + 1
            break
          end
        end
        value = table.concat(parts)
        local c = text:byte(pos)
        if pos <= n and c ~= 44 and c ~= 10 and c ~= 13 then
          problem(line, pos - line_start + 1,
            'text after the closing quote of a field (a quote inside a quoted field is written `""`)')
          local e = text:find('[,\r\n]', pos) or n + 1
          value = value .. text:sub(pos, e - 1)
          pos = e
        end
      else
        local e = text:find('[,\r\n]', pos) or n + 1
        value = text:sub(pos, e - 1)
        local q = value:find('"', 1, true)
        if q then
          problem(line, col + q - 1,
            'a quote inside an unquoted field (quote the whole field and write the quote as `""`)')
        end
        pos = e
      end
      rec.fields[#rec.fields + 1] = value
      local c = text:byte(pos)
      if c == 44 then
        pos = pos + 1
        if pos > n then -- a last empty field at the end of the file
          rec.fields[#rec.fields + 1] = ''
          rec.lines[#rec.lines + 1], rec.cols[#rec.cols + 1] = line, pos - line_start + 1
          return rec
        end
      else
        return rec
      end
    end
  end
  local function next_record()
    while pos <= n do
      local rec = one()
      if not rec then return nil end
      rec.stop_line, rec.stop_col = line, pos - line_start + 1
      local c = text:byte(pos)
      if c == 13 and text:byte(pos + 1) == 10 then
        pos = pos + 2
      elseif c == 13 or c == 10 then
        pos = pos + 1
      end
      line, line_start = line + 1, pos
      if not (#rec.fields == 1 and H.blank(rec)) then return rec end
    end
    return nil
  end
  return next_record, problems
end

--- Past the fields of a record left out, from byte `pos` (the start of a field): the line,
--- line start and byte of its end (its line break, or past the text), quotes followed (a
--- line break inside a quoted field is no record's end) by plain searches for each of the
--- three bytes (memchr's speed: a class pattern reads 60 MB in a second), never a field at a time.
function H.skip_record(text, pos, line, line_start, at)
  local n = #text
  local quoted = false
  local start = pos
  at = at or {}
  local function next_of(ch)
    local a = at[ch]
    if not a or (a <= n and a < pos) then
      a = text:find(ch, pos, true) or n + 1
      at[ch] = a
    end
    return a
  end
  while true do
    local a = math.min(next_of('"'), next_of('\r'), next_of('\n'))
    if a > n then return line, line_start, n + 1 end
    local c = text:byte(a)
    if c == 34 then
      if quoted then
        if text:byte(a + 1) == 34 then pos = a + 2 else quoted, pos = false, a + 1 end
      else
        -- a quote opens a field only at its start (inside an unquoted one it is a character)
        quoted, pos = a == start or text:byte(a - 1) == 44, a + 1
      end
    elseif not quoted then
      return line, line_start, a
    else
      local b = (c == 13 and text:byte(a + 1) == 10) and a + 1 or a
      line, line_start, pos = line + 1, b + 1, b + 1
    end
  end
end

--- A record that is one empty unquoted field: a blank line.
function H.blank(rec)
  return rec.stop_line == rec.line and rec.stop_col == rec.cols[1]
end

--- The line and line start after `chunk` (which starts at byte `p` of the text).
function H.advance(chunk, p, line, line_start)
  if not chunk:find('[\r\n]') then return line, line_start end
  local i = 1
  while true do
    local a, b = chunk:find('\r?\n', i)
    local r = chunk:find('\r', i, true)
    if r and (not a or r < a) then
      a, b = r, r
    end
    if not a then break end
    line, line_start = line + 1, p + b
    i = b + 1
  end
  return line, line_start
end

--- The line and column (1-based, bytes) of byte `offset` (1-based) of `text`.
---@param text string
---@param offset integer
---@return integer line
---@return integer col
function M.position(text, offset)
  local line, line_start = H.advance(text:sub(1, offset - 1), 1, 1, 1)
  return line, offset - line_start + 1
end

return M
