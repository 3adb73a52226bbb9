--- brat folders in and out of a corpus: `stance import --from brat DIR` and
--- `stance export --to brat DIR`. Everything is read and checked before anything is
--- written; then the schema (import) and every file are written at once, atomically.
local M = {}
local H = {}

local function out(fmt, ...) io.stdout:write(fmt:format(...), '\n') end

--- The file `rel` below `dir` (real path `rdir`): a regular file inside the folder once
--- links are resolved, else nil and why.
function H.read_inside(dir, rdir, rel)
  local core = require('stance.core')
  local path = dir .. '/' .. rel
  local real = core.realpath(path)
  if not real then return nil, 'no such file' end
  if real:sub(1, #rdir + 1) ~= rdir .. '/' then return nil, 'a link out of ' .. dir .. ': not followed' end
  local st = core.stat(real)
  if not st or st.type ~= 'file' then return nil, 'not a regular file' end
  return require('stance.fs').read(real)
end

--- .ann files below `dir` with their .txt: list of { ann, rel, error } (rel: the .txt's
--- path relative to `dir`; links out of `dir` are refused by the listing).
function H.pairs(dir)
  local list, err = require('stance.fs').list(dir)
  if not list then return nil, err end
  local out_ = {}
  for _, e in ipairs(list) do
    local why = e.error
    if why == 'symbolic link leads outside the corpus root' then
      why = ('a link out of %s: not followed'):format(dir)
    end
    if e.path:match('%.ann$') then
      out_[#out_ + 1] = { ann = e.path, rel = e.path:gsub('%.ann$', '.txt'), error = why }
    elseif why and not e.path:match('%.txt$') and not e.path:match('%.conf$') and not H.alias(dir, e.path) then
      -- a link to a folder out of DIR (its documents are not imported), a broken link: said
      -- (a .txt is said with its .ann)
      out_[#out_ + 1] = { ann = e.path, error = why }
    end
  end
  -- .ann files the listing leaves out, hidden (".git/hooks/x.ann", ".x.ann"): never imported
  -- (nothing is read from .git or .stance), but counted and named as skipped, as links are
  for _, rel in ipairs(H.hidden_anns(dir)) do
    local hidden = ('/' .. rel):match('/(%.[^/]*)')
    out_[#out_ + 1] = { ann = rel, error = ('%s is hidden: an import never reads hidden files or folders (.git, '
      .. '.stance)'):format(hidden) }
  end
  table.sort(out_, function(a, b) return a.ann < b.ann end)
  return out_
end

--- The .ann files below `dir` that have a hidden name or are in a hidden folder (at any
--- depth; at most 64 folders deep), relative to `dir`, sorted.
function H.hidden_anns(dir)
  local core = require('stance.core')
  local found = {}
  local function walk(rel, depth)
    local abs = rel == '' and dir or (dir .. '/' .. rel)
    local function join(name) return rel == '' and name or (rel .. '/' .. name) end
    for _, name in ipairs(core.folders(abs, 'hidden') or {}) do
      local path = join(name)
      local st = core.stat(dir .. '/' .. path)
      if st and st.type == 'directory' then
        for _, e in ipairs(core.list(dir .. '/' .. path, { ext = { 'ann' } }) or {}) do
          found[#found + 1] = path .. '/' .. e.path
        end
      elseif name:match('%.ann$') then
        found[#found + 1] = path
      end
    end
    if depth >= 64 then return end
    for _, name in ipairs(core.folders(abs) or {}) do
      walk(join(name), depth + 1)
    end
  end
  walk('', 0)
  table.sort(found)
  return found
end

--- Whether `rel` below `dir` is a link to a folder inside `dir` (whose files are listed at
--- their own place).
function H.alias(dir, rel)
  local core = require('stance.core')
  local rdir, real = core.realpath(dir), core.realpath(dir .. '/' .. rel)
  local st = real and core.stat(real)
  return rdir ~= nil and st ~= nil and st.type == 'directory' and real:sub(1, #rdir + 1) == rdir .. '/'
end

--- Where the document of a .txt goes in the corpus: its own path, or the path without
--- `.txt` when the corpus has that document with the same text (`x.md` exported as
--- `x.md.txt` comes back to `x.md`).
function H.corpus_path(c, rel, text)
  local fs = require('stance.fs')
  local bare = rel:match('^(.+%.[^./]+)%.txt$')
  if bare and not fs.exists(c.root .. '/' .. rel) and fs.inside(c.root, bare)
    and fs.read(c.root .. '/' .. bare, c.root) == text then
    return bare
  end
  return rel
end

--- What annotation.conf declares, into the names an import adds to the schema, in the
--- order it declares them (the values of Target, Stance and Role in particular: the order
--- of the schema an export came from).
function H.declare_conf(wanted, cf, rename)
  local brat = require('stance.interop.brat')
  local declare = require('stance.interop.declare')
  for i, e in ipairs(cf.entities) do
    if e ~= brat.DOCUMENT_TYPE then declare.rank(wanted, 'label', rename('label', e), i) end
  end
  for i, e in ipairs(cf.events) do
    declare.rank(wanted, 'label', rename('label', e), #cf.entities + i)
  end
  for i, r in ipairs(cf.relations) do
    declare.rank(wanted, 'relation', rename('relation', r), i)
  end
  for name, field in pairs(brat.FIELD_OF) do
    for i, v in ipairs(cf.attributes[name] or {}) do
      declare.rank(wanted, field, rename(field, v), i)
    end
  end
end

--- How visual.conf shows what the import declares, as the schema says it: { [kind] = {
--- [name] = { title, color } } } for labels and relation types (their full names and
--- colors) and for targets, stances and roles (the glyph colors of Target, Stance, Role).
function H.looks(vis, rename)
  local brat = require('stance.interop.brat')
  local looks = { label = {}, relation = {}, target = {}, stance = {}, role = {} }
  local function title(b, name)
    local t = vis.titles[b]
    -- (an export shows a name brat cannot store under its own name: not a title)
    if t and t ~= name and t ~= b then return t end
    return nil
  end
  -- (the full name of Document_label is the export's own, for the document labels)
  vis.titles[brat.DOCUMENT_TYPE] = nil
  for b in pairs(vis.titles) do
    for _, kind in ipairs({ 'label', 'relation' }) do
      local name = rename(kind, b)
      looks[kind][name] = { title = title(b, name), color = vis.colors[b] }
    end
  end
  for b, color in pairs(vis.colors) do
    for _, kind in ipairs({ 'label', 'relation' }) do
      local name = rename(kind, b)
      looks[kind][name] = looks[kind][name] or { color = color }
    end
  end
  for attr, field in pairs(brat.FIELD_OF) do
    for v, color in pairs(vis.values[attr] or {}) do
      looks[field][rename(field, v)] = { color = color }
    end
  end
  return looks
end

--- Import the brat folder `dir` into corpus `c` as annotator `who`; `status` (done or
--- in-progress, may be nil) is set on every layer.
---@param c table stance.Corpus
---@param dir string
---@param who string
---@param status string|nil
---@return integer|nil status
---@return string|nil err
function M.import(c, dir, who, status)
  local core = require('stance.core')
  local fs = require('stance.fs')
  local brat = require('stance.interop.brat')
  local declare = require('stance.interop.declare')
  local report = require('stance.interop.report').new()
  local rdir = core.realpath(dir)
  if not rdir then return nil, ('%s: no such folder'):format(dir) end
  -- read (and written, declare.write) only inside the corpus: a committed link is not followed
  local schema_text = fs.read(c.root .. '/' .. require('stance.schema').path, c.root)
  local schema = c:schema()
  local wanted = declare.new()
  local conf_text = H.read_inside(dir, rdir, 'annotation.conf')
  local cf = conf_text and require('stance.interop.brat_conf').parse(conf_text) or nil
  local rename = brat.renamer(schema, cf and cf.names)
  if cf then H.declare_conf(wanted, cf, rename) end
  local vis_text = H.read_inside(dir, rdir, 'visual.conf')
  local looks = vis_text and H.looks(require('stance.interop.brat_conf').parse_visual(vis_text), rename) or nil
  local declared = {}
  for _, a in ipairs(schema and schema.attributes or {}) do
    declared[a.name] = true
  end
  local list, lerr = H.pairs(dir)
  if not list then return nil, lerr end
  -- each document's status, from a brat export of stance (--status overrides it)
  local statuses = {}
  if fs.exists(dir .. '/' .. M.STATUS_FILE) then
    local st_text, st_err = H.read_inside(dir, rdir, M.STATUS_FILE)
    if st_text then
      local lines
      statuses, lines = M.read_statuses(st_text, dir .. '/' .. M.STATUS_FILE, report)
      -- a status of a document the folder has no .ann of is said, not dropped
      local listed = {}
      for _, p in ipairs(list) do
        if p.rel then listed[p.rel] = true end
      end
      for _, doc in ipairs(declare.sorted(statuses)) do
        if not listed[doc] then
          report:warn(dir .. '/' .. M.STATUS_FILE, lines[doc], 1, 'no document %s with an .ann in %s: its status '
            .. 'is not imported', doc, dir)
        end
      end
    else
      report:warn(dir .. '/' .. M.STATUS_FILE, nil, nil, '%s; the statuses it holds are not imported', st_err)
    end
  end
  local batch = require('stance.interop.batch').new(c.root)
  local docs, records, skipped, taken = 0, 0, 0, {}
  for _, p in ipairs(list) do
    -- what one document's import makes (the parsed .ann, its records, the store) lives until
    -- the document is planned: the collector would only walk it again and again (a tenth
    -- of the time of a document of 100k spans, for 4% less memory)
    collectgarbage('stop')
    local done, n = pcall(H.import_one, c, dir, rdir, p, who, { report = report, rename = rename,
      declared = declared, wanted = wanted, batch = batch, taken = taken, status = status, schema = schema,
      statuses = statuses })
    collectgarbage('restart')
    if not done then error(n, 0) end
    if n then
      docs, records = docs + 1, records + n.records
      skipped = skipped + n.skipped
    else
      skipped = skipped + 1
    end
  end
  -- nothing was written so far: the schema first, then every file at once (no schema
  -- change when no document is imported: what annotation.conf declares comes with them)
  local new_schema, counts = declare.plan(schema_text, wanted, 'brat ' .. dir, brat.ATTRIBUTES, looks)
  if batch:count() == 0 then new_schema, counts = nil, {} end
  local ok, err = declare.write(c, schema_text, new_schema)
  if ok then ok, err = batch:commit() end
  if not ok then return nil, err end
  out('imported %d document(s), %d record(s) as %s from %s; %d skipped%s; schema: %s added', docs, records, who, dir,
    skipped, skipped > 0 and ' (reasons above)' or '', declare.summary(counts))
  return (skipped > 0 or #list == 0) and 1 or 0
end

--- One .ann and its .txt, planned into `ctx.batch`: { records, skipped }, or nil when the
--- document is skipped (reported).
function H.import_one(c, dir, rdir, p, who, ctx)
  local core = require('stance.core')
  local fs = require('stance.fs')
  local report = ctx.report
  local shown = dir .. '/' .. p.ann
  local function skip(fmt, ...)
    report:warn(shown, nil, nil, fmt .. '; skipped', ...)
    return nil
  end
  if p.error then return skip('%s', p.error) end
  local ann, aerr = H.read_inside(dir, rdir, p.ann)
  if not ann then return skip('%s', aerr) end
  local text, terr = H.read_inside(dir, rdir, p.rel)
  if not text then return skip('%s: %s', p.rel, terr) end
  local rel = H.corpus_path(c, p.rel, text)
  local ok, why = fs.inside(c.root, rel)
  if not ok then return skip('%s', why) end
  local layer_rel = require('stance.root').annotations .. '/' .. require('stance.root').slug(who) .. '/' .. rel
    .. '.stance'
  -- (checked before anything is planned: a layer folder that is a link out refuses the
  -- document and what it would add to the schema too)
  ok, why = fs.inside(c.root, layer_rel)
  if not ok then return skip('its layer %s: %s', layer_rel, why) end
  -- a link in the layer's place is never replaced (stance.layer_link)
  local link = require('stance.layer_link').refusal(c.root .. '/' .. layer_rel, c.root, true)
  if link then return skip('%s', link) end
  if fs.exists(c.root .. '/' .. layer_rel) or ctx.taken[layer_rel] then
    return skip('%s already has a layer of %s (import with another --annotator)', rel, who)
  end
  local target = c.root .. '/' .. rel
  local new_doc = not fs.exists(target)
  if not new_doc then
    local have, herr = H.read_inside(c.root, core.realpath(c.root), rel)
    if not have then return skip('the corpus has %s, which is %s', rel, herr) end
    if have ~= text then return skip('the corpus has a different %s', rel) end
  end
  local model = core.text(text)
  local function check_utf8()
    local bad, bad_at = model:invalid()
    if bad > 0 then
      report:warn(dir .. '/' .. p.rel, nil, nil, 'not UTF-8 text (%d byte(s), the first at byte %d), which brat reads: '
        .. 'each counts as one character; convert it (e.g. iconv -f latin1 -t utf-8) and import again if the '
        .. 'offsets do not match', bad, bad_at)
    end
  end
  local declare = require('stance.interop.declare')
  local read = require('stance.interop.brat_read')
  -- the common lines, in C; any other file in Lua (the same records)
  local store, n, used = read.fast(ann, model, { rename = ctx.rename, schema = ctx.schema })
  local skipped = 0
  local status = ctx.status or ctx.statuses[p.rel]
  if store then
    if status then store:set_header('status', status) end
    check_utf8()
    declare.names(ctx.wanted, used)
  else
    store, n, skipped = H.records(ann, text, model, shown, ctx, check_utf8, status)
  end
  -- an annotation over a NUL byte of the document: skipped, as the editor and scripts refuse it
  local nul = require('stance.layer').drop_nul(store, text, function(r, nwhy)
    report:warn(shown, nil, nil, 'the annotation at %d-%d skipped: %s', r.spans[1][1], r.spans[#r.spans][2], nwhy)
  end)
  n, skipped = n - nul, skipped + nul
  -- the layer first: a document is copied in only with its layer
  ok, why = ctx.batch:add(layer_rel, require('stance.annfile').render(store, rel, who, text), '')
  if not ok then return skip('%s', why) end
  if new_doc then
    ok, why = ctx.batch:add(rel, text, '')
    if not ok then
      ctx.batch:drop(layer_rel)
      return skip('%s', why)
    end
  end
  ctx.taken[layer_rel] = true
  return { records = n, skipped = skipped }
end

--- The store of an .ann that brat_read.fast does not take, made by brat_read.records: the
--- store, the number of records and of those skipped (each reported).
function H.records(ann, text, model, shown, ctx, check_utf8, status)
  local core = require('stance.core')
  local declare = require('stance.interop.declare')
  local report = ctx.report
  local d = require('stance.interop.brat_ann').parse(ann)
  local recs, problems, layer = require('stance.interop.brat_read').records(d, text,
    { rename = ctx.rename, declared = ctx.declared, schema = ctx.schema, model = model })
  local skipped = 0
  for _, pr in ipairs(problems) do
    report:warn(shown, pr.line, pr.col, '%s', pr.message)
    if pr.skipped then skipped = skipped + 1 end
  end
  local store = core.store()
  -- (a Status on a Document_label T of its own: what exports of stance wrote before
  -- session 13, still read)
  if status or layer.status then store:set_header('status', status or layer.status) end
  check_utf8()
  -- what the records use is declared in the schema (only those the store takes)
  local n = 0
  local read = require('stance.interop.brat_read')
  for _, r in ipairs(recs) do
    read.context(r, text, model)
    local added, err = store:add(r)
    if not added then
      report:warn(shown, nil, nil, '%s %s skipped: %s', r.kind, r.id, err)
      skipped = skipped + 1
    else
      n = n + 1
      declare.record(ctx.wanted, r)
    end
  end
  return store, n, skipped
end

--- Whether the folder `path` (absolute; it need not exist) is `root` or below it, once
--- the links of the part that exists are resolved.
function H.within(path, root)
  local core = require('stance.core')
  local rroot = core.realpath(root) or root
  local existing, rest = path, ''
  while not core.realpath(existing) and existing:match('/[^/]+$') do
    rest = existing:match('(/[^/]+)$') .. rest
    existing = existing:match('^(.*)/[^/]+$')
    if existing == '' then existing = '/' end
  end
  local real = (core.realpath(existing) or existing) .. rest
  return real == rroot or real:sub(1, #rroot + 1) == rroot .. '/'
end

--- What the folder `dir` holds (files below it, relative; none when it does not exist), and
--- whether a brat export of stance wrote it (its annotation.conf says so).
function H.there(dir)
  local list = require('stance.fs').is_dir(dir) and require('stance.fs').list(dir) or {}
  local conf = require('stance.fs').read(dir .. '/annotation.conf') or ''
  return list, conf:sub(1, #require('stance.interop.brat_conf').HEADER) == require('stance.interop.brat_conf').HEADER
end

--- A few of the files of a listing, for a message.
function H.some(list)
  local names = {}
  for i = 1, math.min(#list, 5) do
    names[i] = list[i].path
  end
  return table.concat(names, ', ') .. (#list > 5 and (', and %d more'):format(#list - 5) or '')
end

--- After an export into a folder that held files: in a folder of a former export, the
--- documents (.ann and their .txt) this one did not write are removed (the corpus no longer
--- has them, or their layer); in another one (--force), they are left and said. An older
--- M.STATUS_FILE this one did not write (no layer had a status) is removed in either.
function H.stale(dir, there, ours, batch, report)
  local written = {}
  for _, f in ipairs(batch.files) do
    written[f[1]] = true
  end
  local anns = {}
  for _, e in ipairs(there) do
    if e.path:match('%.ann$') then anns[e.path:gsub('%.ann$', '')] = true end
  end
  local left = {}
  for _, e in ipairs(there) do
    local full = dir .. '/' .. e.path
    if not written[full] then
      -- (a document of the former export: its .ann, and its .txt when it had an .ann)
      local base = e.path:match('^(.*)%.ann$') or e.path:match('^(.*)%.txt$')
      -- (the statuses of another export, of other documents, are never left to be imported)
      if (ours and base and anns[base]) or e.path == M.STATUS_FILE then
        os.remove(full)
      else
        left[#left + 1] = e
      end
    end
  end
  if #left > 0 and not ours then
    report:warn(dir, nil, nil, '%d file(s) there were not written by this export and are left as they are: %s', #left,
      H.some(left))
  end
end

--- The file of a brat export that says each exported layer's status on its document
--- (brat has no document-level attribute, and a box over the first line would be a
--- surprise to brat's users): tab-separated, a header line `document layer status`, then
--- one line per document whose layer has a status (`done`, `in-progress`); brat lists no
--- document of it (its name does not end in txt). In a document's path and a layer's name a
--- tab, CR, LF and backslash are written \t, \r, \n and \\ (read back so; another backslash
--- stays as it is).
M.STATUS_FILE = 'stance-status.tsv'

local ESCAPE = { ['\t'] = '\\t', ['\r'] = '\\r', ['\n'] = '\\n', ['\\'] = '\\\\' }
local UNESCAPE = { t = '\t', r = '\r', n = '\n', ['\\'] = '\\' }

--- A field of M.STATUS_FILE: its tabs, line ends and backslashes escaped.
function H.escape(s) return (s:gsub('[\t\r\n\\]', ESCAPE)) end

--- A field as M.STATUS_FILE has it, unescaped.
function H.unescape(s) return (s:gsub('\\(.)', function(c) return UNESCAPE[c] or '\\' .. c end)) end

--- The text of M.STATUS_FILE for { { document, layer, status }, ... } (M.read_statuses reads
--- it back).
---@param list table[]
---@return string
function M.status_tsv(list)
  local lines = { 'document\tlayer\tstatus' }
  for _, e in ipairs(list) do
    lines[#lines + 1] = table.concat({ H.escape(e[1]), H.escape(e[2]), e[3] }, '\t')
  end
  return table.concat(lines, '\n') .. '\n'
end

--- The statuses M.STATUS_FILE says, by the brat document (.txt) path: { [rel] = status };
--- a line that says no known status is reported and ignored (report:warn(path, line, col, ...)).
---@param text string
---@param shown string the file, for the reports
---@param report table stance.interop.report
---@return table<string, string>
---@return table<string, integer> lines the line of each document's status
function M.read_statuses(text, shown, report)
  local said, lines = {}, {}
  local n = 0
  -- (a line counts as a line of the file: blank ones too, as an editor numbers them)
  for line in ((text or '') .. '\n'):gmatch('([^\n]*)\n') do
    n = n + 1
    line = line:gsub('\r$', '')
    local doc, _, status = line:match('^([^\t]*)\t([^\t]*)\t([^\t]*)$')
    -- (a blank line, the file's last end: nothing)
    if line ~= '' and (n > 1 or doc ~= 'document') then
      local bad = doc and doc:find('\0', 1, true)
      if bad then
        report:warn(shown, n, bad, 'a document path holds a NUL byte (no file name can): ignored')
      elseif doc and require('stance.interop.brat').STATUS[status] then
        said[H.unescape(doc)] = status
        lines[H.unescape(doc)] = n
      else
        report:warn(shown, n, 1, 'not a line "document<TAB>layer<TAB>done|in-progress": ignored')
      end
    end
  end
  return said, lines
end

--- The layer a document is exported from: the first of `names` that it has.
function H.chosen(doc, names)
  local have = {}
  for _, a in ipairs(doc:annotators()) do
    have[a] = true
  end
  for _, a in ipairs(names) do
    if have[a] then return a end
  end
  return nil
end

--- The layers of the corpus, sorted, with how many documents each is on.
function H.layers(c)
  local count, list = {}, {}
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    for _, a in ipairs(doc:annotators()) do
      if not count[a] then list[#list + 1] = a end
      count[a] = (count[a] or 0) + 1
    end
  end
  table.sort(list)
  return list, count
end

--- The layers to export when --annotator names none: the one the corpus has (or none; the
--- model's suggestions only `with` them, a not-annotator's never: stance.export.suggestions.left_out);
--- with several, nil and why (brat has one .ann per
--- document: which is the user's choice).
function H.default_names(c, with)
  local all, count = H.layers(c)
  local list, asides = {}, {}
  for _, a in ipairs(all) do
    local why = require('stance.export.suggestions').left_out(c, a, with)
    if why then asides[#asides + 1] = ('%s, %s'):format(a, why) else list[#list + 1] = a end
  end
  local aside = #asides > 0 and (' (and %s)'):format(table.concat(asides, '; ')) or ''
  if #list <= 1 then return list end
  local parts = {}
  for i, a in ipairs(list) do
    parts[i] = ('%s (%d document%s)'):format(a, count[a], count[a] == 1 and '' or 's')
  end
  return nil, ('the corpus has %d layers: %s%s; brat holds one layer per document: name the one to export with '
    .. '--annotator NAME (or --annotator A,B: on each document the first of them it has)'):format(#list,
    table.concat(parts, ', '), aside)
end

--- Export a layer of each document of corpus `c` (the first of `names` that has one;
--- without `names`, the corpus's only layer: with several, nothing is written and the error
--- names them) to `dir`: DOC.txt, DOC.ann, annotation.conf and visual.conf. A record that
--- cannot be written is reported and left out; the rest is exported. The summary says which
--- layer each document came from.
---@return integer|nil status
---@return string|nil err
function M.export(c, dir, names, force, with)
  local fs = require('stance.fs')
  local brat = require('stance.interop.brat')
  local bw = require('stance.interop.brat_write')
  local conf = require('stance.interop.brat_conf')
  local report = require('stance.interop.report').new(nil, c.root)
  local asked = names and #names > 0 and names or nil -- (the links said: of those layers, else of all)
  if not names or #names == 0 then
    local why
    names, why = H.default_names(c, with)
    if not names then return nil, why end
  end
  if H.within(fs.absolute(dir), c.root) then
    return nil, ('%s is inside the corpus at %s: its .txt files would become documents of the corpus; export '
      .. 'elsewhere'):format(dir, c.root)
  end
  local there, ours = H.there(dir)
  if #there > 0 and not force then
    return nil, ('%s is not empty (%s)%s: export into a new or empty folder, or add --force to replace the files '
      .. 'it writes there%s'):format(dir, H.some(there), ours and ', a former export' or '',
      ours and ' (and remove the documents that former export wrote and this one does not)' or '')
  end
  local ok, err = fs.mkdir_p(dir)
  if not ok then return nil, err end
  local warn = report:as_warn()
  require('stance.export.rows').warn_unlisted(c, warn, asked)
  local batch = require('stance.interop.batch').new(dir)
  local used = bw.new_used()
  local schema = c:schema()
  -- every name the export writes first, so that no two share a brat name
  local seen = {}
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    local who = H.chosen(doc, names)
    local layer = who and doc:layer(who)
    if layer and layer.file and layer.file.store then bw.names_used(layer.file.store, seen) end
  end
  bw.plan_names(used, schema, seen)
  local n, left, none, from, statuses = 0, 0, 0, {}, {}
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    local who = H.chosen(doc, names)
    if not who then none = none + 1 end
    local text, terr = doc:text()
    -- a layer that cannot be read, and records of it that could not be, are said
    local layer = who and text and require('stance.export.rows').layer(doc, who, warn)
    if who and not text then
      report:warn(path, nil, nil, '%s; not exported', terr)
    elseif who and layer then
      local placed = require('stance.export.suggestions').placed(layer, text)
      local ann, problems = bw.write(placed.store, text, { used = used, orphans = placed.orphans })
      for _, pr in ipairs(problems) do
        local rec = pr.id and layer.file.store:get(pr.id)
        report:warn(layer.file.path, rec and rec.line, rec and 1, '%s', pr.message)
        left = left + 1
      end
      -- a .txt keeps its name; another document keeps its whole name (x.md -> x.md.txt)
      local base = path:gsub('%.txt$', '')
      ok, err = batch:add(base .. '.txt', text)
      if ok then ok, err = batch:add(base .. '.ann', ann) end
      if not ok then
        report:warn(path, nil, nil, '%s; not exported', err)
      else
        n = n + 1
        from[who] = (from[who] or 0) + 1
        local status = layer.file.store:header().status
        if brat.STATUS[status or ''] then statuses[#statuses + 1] = { base .. '.txt', who, status } end
      end
    end
  end
  -- each annotator's progress (brat has no document-level attribute): in a file of its own
  if #statuses > 0 then batch:add(M.STATUS_FILE, M.status_tsv(statuses)) end
  batch:add('annotation.conf', conf.annotation(used, schema))
  batch:add('visual.conf', conf.visual(used, schema))
  ok, err = batch:commit()
  if not ok then return nil, err end
  H.stale(dir, there, ours, batch, report)
  local layers = {}
  for _, a in ipairs(names) do
    if from[a] then layers[#layers + 1] = ('%s (%d)'):format(a, from[a]) end
  end
  out('exported %d document(s) to %s (with annotation.conf and visual.conf); layer %s%s%s', n, dir,
    #layers > 0 and table.concat(layers, ', ') or 'none',
    none > 0 and ('; %d document(s) without a layer of %s not exported'):format(none, table.concat(names, ', '))
      or '',
    left > 0 and ('; %d record(s) left out (reasons above)'):format(left) or '')
  return report.warnings > 0 and 1 or 0
end

return M
