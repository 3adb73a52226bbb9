--- stance search QUERY: search the corpus.
local H = {}

local cmd = {
  summary = 'Search the corpus: words, "phrases", prefix*, AND OR NOT',
  usage = 'stance search [--count] [--json] [--kwic] [--glob GLOB] [--limit N] [--no-update] [--corpus DIR] QUERY',
  description = table.concat({
    'Prints one line per hit, "path:line:col: the line" (the format of grep -n and of Vim\'s',
    'quickfix). Words match whole words, case-insensitively, as `grep -iw` does; a',
    '"phrase" matches its words separated only by blanks and line ends; sanction* matches',
    'words starting with sanction; AND (implied), OR, NOT and parentheses combine',
    'documents, not lines: `engagement NOT sanctions` lists the hits of engagement in the',
    'documents that do not hold sanctions anywhere (grep -v on lines is another question).',
    'The index is brought up to date first, as cheaply as git status: unchanged folders are',
    'not listed, each document gets one stat (on every core, no worker started when nothing',
    'changed), only changed bytes are indexed again. A running `stance watch` spares the stats:',
    'on a corpus of 5,000 documents or more (or with `watch auto` in the schema\'s corpus record)',
    'a search that finds none starts one in the background for the next searches, and says so',
    'once on stderr; `watch off` or STANCE_WATCH=off never starts one (see stance watch --help).',
    'With --no-update the index is taken as the last stance index or search left it, without',
    'looking at the files (as an SQLite FTS index or notmuch answers): faster on a large corpus,',
    'blind to changes made since (the documents of the hits shown are checked, so that each',
    'hit is shown as it is now). An index that is missing or damaged is still built.',
    'A query of NOT alone (NOT sanctions) matches whole documents: each is listed at 1:1 with',
    'its first line.',
  }, '\n'),
  flags = {
    count = { help = 'print only the number of hits' },
    json = { help = 'one JSON object per hit: path, line, col, start, stop, match, left, right' },
    kwic = { help = 'a keyword-in-context concordance: left context, keyword, right context' },
    glob = { arg = 'GLOB', help = 'only documents matching GLOB (comma-separated for several)' },
    limit = { arg = 'N', help = 'at most N hits' },
    corpus = { arg = 'DIR', help = 'the corpus (default: around the current directory)' },
    ['no-update'] = { help = 'search the saved index without checking the files for changes' },
    width = { arg = 'N', help = 'context width of --kwic in characters (default 40)' },
  },
  args = { min = 1 },
}

function cmd.run(opts, args)
  local query = table.concat(args, ' ')
  local core = require('stance.core')
  local ok, qerr = core.query_check(query)
  if not ok then
    io.stderr:write(('stance search: %s\n'):format(qerr))
    return 2
  end
  local c, err = require('stance.corpus').open(opts.corpus or '.')
  if not c then return nil, err end
  local st, ierr = c:index({ no_check = opts['no-update'] })
  if not st then return nil, ierr end
  local globs = require('stance.cli.args').list(opts.glob)
  local limit = opts.limit and tonumber(opts.limit)
  if opts.limit and not (limit and limit >= 1 and limit == math.floor(limit)) then
    return H.usage(("--limit takes a whole number of hits, at least 1, got '%s'"):format(opts.limit))
  end
  local width = tonumber(opts.width or '40') or 40
  if opts.count then
    local n, serr = c:search(query, { glob = globs, count = true })
    if not n then return nil, serr end
    io.stdout:write(n, '\n')
    return 0
  end
  local sopts = { glob = globs, limit = limit, context = width }
  local hits, serr = c:search(query, sopts)
  if not hits then return nil, serr end
  if opts['no-update'] then hits = H.recheck(c, query, hits, sopts) end
  local out = {}
  local json = opts.json and require('stance.json')
  for _, h in ipairs(hits) do
    if json then
      out[#out + 1] = json.encode(json.ordered({
        path = h.path, line = h.line, col = h.col, start = h.start, stop = h.stop,
        match = h.match, left = h.left, right = h.right,
      }, { 'path', 'line', 'col', 'start', 'stop', 'match', 'left', 'right' })) .. '\n'
    elseif opts.kwic then
      out[#out + 1] = H.kwic_line(h, width)
    else
      -- names and text come from the corpus: shown, never acting on the terminal
      local u = require('stance.utf8')
      out[#out + 1] = ('%s:%d:%d: %s\n'):format(u.printable(h.path), h.line, h.col,
        u.printable(h.line_text or H.first_line(c, h), true))
    end
  end
  io.stdout:write(table.concat(out))
  return 0
end

--- --no-update: the hits are shown from the files as they are now, so the documents they
--- are in are checked (one stat each) and indexed again if they changed since; the search
--- is then run again (their hits may have moved or gone). Documents without a hit stay
--- unchecked.
function H.recheck(c, query, hits, sopts)
  local seen, paths = {}, {}
  for _, h in ipairs(hits) do
    if not seen[h.path] then
      seen[h.path] = true
      paths[#paths + 1] = h.path
    end
  end
  if #paths == 0 then return hits end
  local st = c:index({ only = paths })
  if st and st.indexed + st.removed + st.failed == 0 then return hits end
  return c:search(query, sopts) or hits
end

--- The line a hit without a place of its own is shown with: a document that a query of
--- NOT alone matches as a whole is listed at 1:1 with its first line (as grep shows a line).
function H.first_line(c, h)
  local doc = c:document(h.path)
  local text = doc and doc:text() or ''
  return text:match('^[^\r\n]*')
end

--- "left ... [KEYWORD] right ..." aligned on the keyword, with the place.
function H.kwic_line(h, width)
  local u = require('stance.utf8')
  -- text (white space already one space): its joiners kept, its bidi controls escaped
  local left = u.printable(((h.left or ''):gsub('%s+', ' ')), true)
  local right = u.printable(((h.right or ''):gsub('%s+', ' ')), true)
  local match = u.printable(((h.match or ''):gsub('%s+', ' ')), true)
  return ('%s%s  %s  %s  (%s:%d)\n'):format(H.pad(left, width), '', match, right, u.printable(h.path), h.line)
end

--- Right-align `s` in `width` display cells (counting code points).
function H.pad(s, width)
  local n = require('stance.utf8').len(s)
  if n >= width then return s end
  return (' '):rep(width - n) .. s
end

function H.usage(msg)
  return require('stance.cli').usage_error(msg, 'search')
end

return cmd
