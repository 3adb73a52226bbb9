--- W3C Web Annotation (JSON-LD) out and in. Each annotation targets its document with a
--- TextQuoteSelector (exact, prefix, suffix) and a TextPositionSelector (code points, end
--- exclusive), one target per span; its bodies are TextualBody values with a purpose:
--- label `tagging`, target `identifying`, stance `assessing`, role `classifying`, note
--- `commenting`. Relations are linking annotations (target: the source annotation; body:
--- the other annotation and the type as `tagging`); a document's own stance is an
--- annotation of the whole document (motivation `classifying`, `questioning` when suggested). Each annotation says the
--- layer it comes from in `stance:layer` (a term of our own vocabulary, M.NS, declared in
--- its @context next to the Web Annotation one): `creator` is who made the record, which in
--- gold (curated from the annotators) is not whose layer it is. The model's suggestions (its
--- layer exported only when asked) have a creator of type `Software` and the motivation
--- `questioning` (a question put to the annotator, which g+ accepts and g- rejects), never
--- `classifying`, so that a reader taking classifying annotations as labels never takes them.
local M = {}
local H = {}

--- The Web Annotation context, for what holds no term of ours (a collection, a page).
M.ANNO = 'http://www.w3.org/ns/anno.jsonld'
--- Our vocabulary: `stance:layer` expands to M.NS .. 'layer'.
M.NS = 'https://github.com/stance-nvim/stance.nvim/ns#'
--- The @context of an annotation: the Web Annotation one, then the `stance` prefix.
function M.context() return { M.ANNO, { stance = M.NS } } end
M.LAYER = 'stance:layer'

local PURPOSE = { label = 'tagging', target = 'identifying', stance = 'assessing', role = 'classifying',
  note = 'commenting' }
local FIELD = {}
for f, p in pairs(PURPOSE) do
  FIELD[p] = f
end

local function as_list(v)
  if type(v) ~= 'table' then return { v } end
  if #v > 0 or next(v) == nil then return v end
  return { v }
end

--- A string, or nil (JSON gives any type where a string belongs).
local function str(v) return type(v) == 'string' and v or nil end

--- Percent-encode what is not allowed as is in an IRI path.
local function enc(s)
  if not s:find('[^%w%-%._~/]') then return s end
  return (s:gsub('[^%w%-%._~/]', function(c) return ('%%%02X'):format(c:byte()) end))
end
local function dec(s)
  if not s:find('%', 1, true) then return s end
  return (s:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end))
end

function H.iris(base)
  base = base or 'urn:stance:'
  local quoted = base:gsub('%p', '%%%0')
  local ann_pattern = '^' .. quoted .. 'annotation:(.*)$'
  local docs = {} -- a document's IRI, made once
  return {
    doc = function(path)
      local iri = docs[path]
      if not iri then
        iri = base .. 'document:' .. enc(path)
        docs[path] = iri
      end
      return iri
    end,
    ann = function(id) return base .. 'annotation:' .. enc(id) end,
    path_of = require('stance.interop.w3c_names').documents(base),
    id_of = function(iri)
      local p = iri:match(ann_pattern)
      return p and dec(p)
    end,
  }
end

--- The label an import gives an annotation (or a document label) that has none we can
--- map: no body of purpose tagging. An export writes no tagging body for it.
M.UNLABELED = 'unlabeled'
--- The attribute that keeps a body an import did not understand (its JSON text), which
--- the export writes back as it came.
M.BODY_ATTR = 'w3c-body'

--- The bodies of a record: ours, then those it came with that we did not understand (in
--- its w3c-body attributes); nil when it has none, an IRI when that is its only one.
local function bodies(rec)
  local out = {}
  for _, f in ipairs({ 'label', 'target', 'stance', 'role', 'note' }) do
    if rec[f] and not (f == 'label' and rec[f] == M.UNLABELED) then
      out[#out + 1] = { type = 'TextualBody', purpose = PURPOSE[f], value = rec[f], format = 'text/plain' }
    end
  end
  for _, x in ipairs(rec.extras and require('stance.interop.brat').extras(rec) or {}) do
    local v = x[1] == M.BODY_ATTR and x[2][1] and require('stance.json').decode(x[2][1]) or nil
    if v ~= nil then out[#out + 1] = v end
  end
  -- a body that is an IRI alone stays one; among others it is the same node as { id = IRI }
  -- (the W3C test suite's schemas refuse an array holding a string)
  if #out == 1 and type(out[1]) == 'string' then return out[1] end
  for i, b in ipairs(out) do
    if type(b) == 'string' then out[i] = { id = b } end
  end
  return #out > 0 and out or nil
end

--- A record's attributes beyond the format's, without the bodies it keeps (written as
--- bodies): nil when nothing is left.
local function attributes(rec)
  local x = rec.extras
  if not x or not x:find(M.BODY_ATTR, 1, true) then return x end
  local out = {}
  for line in x:gmatch('[^\n]+') do
    if not line:match('^' .. M.BODY_ATTR:gsub('%-', '%%-') .. '[ \t]') then out[#out + 1] = line end
  end
  return #out > 0 and table.concat(out, '\n') .. '\n' or nil
end

--- What every annotation says: its @context, its creator, the layer it is in and that
--- layer's status on its document (`status`), and what the Web Annotation model has no
--- place for: a confidence (a model's suggestion) and the attributes beyond the format's
--- (brat-norm, brat-attr, ..., as an annotation file writes them), in our vocabulary.
local function common(obj, rec, who, status, software)
  obj['@context'] = M.context()
  obj.type = 'Annotation'
  obj.creator = { type = software and 'Software' or 'Person', name = rec.author or who }
  obj[M.LAYER] = who
  obj['stance:status'] = status
  obj['stance:confidence'] = rec.confidence ~= nil and tostring(rec.confidence) or nil
  obj['stance:attributes'] = attributes(rec)
  obj.created = rec.created
  obj.modified = rec.modified
  return obj
end

--- The Web Annotations of one layer (records of a store, spans in code points of `text`).
--- An orphan (its text is no longer in the document) keeps only its TextQuoteSelector.
---@param store stance.Store
---@param text string
---@param path string the document, relative to the corpus
---@param who string the annotator
---@param base string|nil IRI prefix (default "urn:stance:")
---@param orphans table<string, boolean>|nil IDs of orphans
---@param status string|nil the layer's status on the document (done, in-progress)
---@param suggestions boolean|nil the layer holds the model's suggestions (creator Software, motivation questioning)
---@return table[]
function M.annotations(store, text, path, who, base, orphans, status, suggestions)
  local core = require('stance.core')
  local model = core.text(text)
  local iri = H.iris(base)
  local out = {}
  for _, rec in ipairs(store:records('annotation')) do
    local targets = {}
    if orphans and orphans[rec.id] then
      targets[1] = { source = iri.doc(path), selector = { type = 'TextQuoteSelector', exact = rec.quote or '',
        prefix = rec.prefix, suffix = rec.suffix } }
    else
      for _, sp in ipairs(rec.spans) do
        local a, b = model:cp_to_byte(sp[1]), model:cp_to_byte(sp[2])
        targets[#targets + 1] = {
          source = iri.doc(path),
          selector = {
            { type = 'TextQuoteSelector', exact = text:sub(a + 1, b),
              prefix = text:sub(model:cp_to_byte(math.max(0, sp[1] - 32)) + 1, a),
              suffix = text:sub(b + 1, model:cp_to_byte(math.min(model:cps(), sp[2] + 32))) },
            { type = 'TextPositionSelector', start = sp[1], ['end'] = sp[2] },
          },
        }
      end
    end
    out[#out + 1] = common({ id = iri.ann(rec.id), motivation = suggestions and 'questioning' or 'classifying',
      body = bodies(rec), target = #targets == 1 and targets[1] or targets }, rec, who, status, suggestions)
  end
  for _, rec in ipairs(store:records('relation')) do
    out[#out + 1] = common({ id = iri.ann(rec.id), motivation = 'linking', target = iri.ann(rec.from),
      body = { iri.ann(rec.to),
        { type = 'TextualBody', purpose = 'tagging', value = rec.type, format = 'text/plain' } },
    }, rec, who, status, suggestions)
    if rec.note then
      table.insert(out[#out].body,
        { type = 'TextualBody', purpose = 'commenting', value = rec.note, format = 'text/plain' })
    end
  end
  for _, rec in ipairs(store:records('doclabel')) do
    out[#out + 1] = common({ id = iri.ann(rec.id), motivation = suggestions and 'questioning' or 'classifying',
      body = bodies(rec), target = iri.doc(path) }, rec, who, status, suggestions)
  end
  return out
end

--- Ordered keys for readable JSON-LD.
local ORDER = { '@context', 'id', 'type', 'motivation', 'creator', M.LAYER, 'stance:status', 'stance:confidence',
  'stance:attributes', 'created', 'modified', 'body', 'target', 'source', 'selector', 'exact', 'prefix', 'suffix',
  'start', 'end', 'purpose', 'value', 'format', 'name', 'label', 'total', 'stance:layers', 'document', 'layer',
  'status', 'first', 'items', 'partOf', 'startIndex' }

--- JSON text of one annotation, and how many bytes of invalid UTF-8 it wrote as U+FFFD.
---@return string
---@return integer invalid
function M.encode(a) return require('stance.core').json_encode(a, require('stance.json').null, ORDER) end

--- An AnnotationCollection holding `items` in one page (an empty one too); `layers` (may be
--- nil) lists the layers it holds with their status on each document, as stance:layers
--- ({ document = path, layer = name, status = ... }), so that a layer marked done without a
--- record comes back.
function M.collection(items, label, base, layers)
  local json = require('stance.json')
  base = base or 'urn:stance:'
  local iri = H.iris(base)
  local page = { id = base .. 'page:1', type = 'AnnotationPage', partOf = base .. 'collection', startIndex = 0,
    items = json.array(items) }
  local said
  if layers and #layers > 0 then
    said = {}
    for i, l in ipairs(layers) do
      said[i] = { document = iri.doc(l.document), layer = l.layer, status = l.status }
    end
  end
  return { ['@context'] = said and M.context() or M.ANNO, id = base .. 'collection', type = 'AnnotationCollection',
    label = label, total = #items, ['stance:layers'] = said, first = page }
end

--- Annotations found in a parsed JSON document: one, an array, a page or a collection.
function H.flatten(doc)
  if type(doc) ~= 'table' then return {} end
  if doc.type == 'AnnotationCollection' then return H.flatten(doc.first) end
  if doc.type == 'AnnotationPage' then return doc.items or {} end
  if doc.type then return { doc } end
  return doc
end

--- The problem of a JSON text the decoder refused (message `err` at byte `pos`, 0-based):
--- { line, col, byte, message }.
function H.json_problem(text, err, pos)
  local before = text:sub(1, pos or 0)
  local l = select(2, before:gsub('\n', '')) + 1
  return { line = l, col = #before - (before:match('^.*\n()') or 1) + 2, byte = pos or 0,
    message = H.at_byte(err, pos or 0) }
end

--- A decoder's message with the byte offset of the whole file (0-based).
function H.at_byte(msg, byte)
  return ('%s (byte %d)'):format(tostring(msg):gsub(' at byte %d+$', ''), byte)
end

--- Where a decoded JSON value starts: `at(v)` gives the line and the column (bytes,
--- 1-based) of an object or array of `text` recorded in `where` (byte offsets, 0-based, of
--- the whole text), or nil.
function H.locator(text, where)
  local starts = { 0 } -- byte offset of each line's start
  for nl in text:gmatch('()\n') do
    starts[#starts + 1] = nl
  end
  return function(v)
    local byte = type(v) == 'table' and where[v]
    if not byte then return nil end
    local lo, hi = 1, #starts
    while lo < hi do
      local mid = math.floor((lo + hi + 1) / 2)
      if starts[mid] <= byte then lo = mid else hi = mid - 1 end
    end
    return lo, byte - starts[lo] + 1
  end
end

--- Read Web Annotations (`text`: JSON, or JSON Lines) into records per document. Each
--- record has the place of its annotation in the text (`_line`, `_col`).
--- With `opts` (the file's place: { root = its folder, rel = its name in it }), a
--- collection's pages in other files of that folder are read too (stance.interop.w3c_pages);
--- records and problems then say their file (`_file`, `file`) when it is not the first.
---@param text string
---@param base string|nil
---@param opts { root: string, rel: string }|nil
---@return table by_doc { [path] = { {rec...}, ... } }
---@return table[] relations records of linking annotations (placed by their source later)
---@return table[] problems { line, col, byte, message, kept }: kept, an annotation kept with the label
--- `unlabeled` (M.UNLABELED); else what is skipped
---@return table layers { { document = path, layer = name, status = ... } }: what a
--- collection says of the layers it holds (stance:layers), checked
---@return string|nil refused why nothing may be imported (a page of the collection could
--- not be read: said in the problems)
function M.read(text, base, opts)
  local json = require('stance.json')
  local iri = H.iris(base)
  local problems, items, where = {}, {}, {}
  -- JSON is UTF-8: a byte that is not (another tool's, an older stance's export) costs its
  -- annotation only, not the file: read as a mark, the annotation holding one skipped below
  local masked
  text, masked = H.mask_invalid(text)
  local doc, err, pos = json.decode(text, where)
  local layers_said, refused
  local at = H.locator(text, where)
  if doc == nil and err then
    -- JSON Lines: one annotation per line
    local line_no, offset, ok_lines = 0, 0, 0
    where = {}
    for line in (text .. '\n'):gmatch('(.-)\n') do
      line_no = line_no + 1
      if line:match('%S') then
        local here = {}
        local one, lerr, lpos = json.decode(line, here)
        if one == nil and lerr then
          problems[#problems + 1] = { line = line_no, col = (lpos or 0) + 1, byte = offset + (lpos or 0),
            message = H.at_byte(lerr, offset + (lpos or 0)) }
        else
          ok_lines = ok_lines + 1
          for v, b in pairs(here) do
            where[v] = offset + b
          end
          for _, a in ipairs(H.flatten(one)) do
            items[#items + 1] = a
          end
        end
      end
      offset = offset + #line + 1
    end
    if ok_lines == 0 then
      problems = { H.json_problem(text, err, pos) }
    end
    at = H.locator(text, where)
  elseif type(doc) == 'table' and (doc.type == 'AnnotationCollection'
      or doc.type == 'AnnotationPage' and doc.next ~= nil and doc.next ~= json.null) then
    -- every page, those in other files of the folder too; each value placed in its own file
    local files = { { where = where, at = at } }
    local function parse(ptext, file)
      local pmasked
      ptext, pmasked = H.mask_invalid(ptext)
      masked = masked + pmasked
      local pwhere = {}
      local v, perr, ppos = json.decode(ptext, pwhere)
      if v == nil and perr then return nil, H.json_problem(ptext, perr, ppos) end
      local pat = H.locator(ptext, pwhere)
      files[#files + 1] = { where = pwhere, at = pat, file = file }
      return v, pat
    end
    local pproblems
    items, pproblems, refused = require('stance.interop.w3c_pages').items(doc, { root = opts and opts.root,
      rel = opts and opts.rel or '', at = at, parse = parse })
    for _, p in ipairs(pproblems) do
      problems[#problems + 1] = p
    end
    if refused then items = {} end
    at = function(v)
      for _, f in ipairs(files) do
        if f.where[v] then
          local line, col = f.at(v)
          return line, col, f.file
        end
      end
    end
    layers_said = doc.type == 'AnnotationCollection' and doc or nil
    iri.path_of = require('stance.interop.w3c_names').documents(base, H.at_base(doc))
  else
    items = H.flatten(doc)
    layers_said = type(doc) == 'table' and doc.type == 'AnnotationCollection' and doc or nil
    -- relative sources resolve against the @base of the file's @context (JSON-LD), else --base
    iri.path_of = require('stance.interop.w3c_names').documents(base, H.at_base(doc))
  end
  iri.creators = require('stance.interop.w3c_names').register()
  iri.layers = require('stance.interop.w3c_names').register()
  local by_doc, relations = {}, {}
  for i, a in ipairs(items) do
    local ok, why, place, unlabeled
    if masked > 0 and H.holds(a, H.MARK) then
      ok, why = true, 'a string holds invalid UTF-8 (JSON is UTF-8)'
    else
      ok, why, place, unlabeled = pcall(H.item, a, iri, by_doc, relations, at)
    end
    if ok and not why and unlabeled then
      local line, col, file = at(a)
      problems[#problems + 1] = { line = line or 1, col = col or 1, file = file, kept = true,
        message = ('annotation %d (%s) has no label we can map (no TextualBody of purpose tagging): kept with the '
          .. 'label %s'):format(i, tostring(str(a.id) or 'no id'), M.UNLABELED) }
    elseif not ok or why then
      local line, col, file = at(type(place) == 'table' and place or a)
      problems[#problems + 1] = { line = line or 1, col = col or 1, file = file,
        message = ('annotation %d (%s) skipped: %s'):format(i, tostring(type(a) == 'table' and str(a.id) or 'no id'),
          tostring(why or 'not an annotation')) }
    end
  end
  local layers = layers_said and H.layers_said(layers_said, iri, at, problems, masked > 0) or {}
  return by_doc, relations, problems, layers, refused
end

--- What a byte of invalid UTF-8 is read as: U+10FFFF, a noncharacter no text holds.
H.MARK = '\244\143\191\191'

--- The length of the well-formed UTF-8 sequence at `p` of `s` (a byte >= 0x80), 0 if none.
function H.seq(s, p)
  local c = s:byte(p)
  local n, lo, hi
  if c >= 0xC2 and c <= 0xDF then
    n, lo, hi = 2, 0x80, 0xBF
  elseif c >= 0xE0 and c <= 0xEF then
    n, lo, hi = 3, c == 0xE0 and 0xA0 or 0x80, c == 0xED and 0x9F or 0xBF
  elseif c >= 0xF0 and c <= 0xF4 then
    n, lo, hi = 4, c == 0xF0 and 0x90 or 0x80, c == 0xF4 and 0x8F or 0xBF
  else
    return 0
  end
  for i = 1, n - 1 do
    local b = s:byte(p + i)
    if not b or b < lo or b > hi then return 0 end
    lo, hi = 0x80, 0xBF
  end
  return n
end

--- `text` with each byte that starts no well-formed UTF-8 sequence as H.MARK, and how many
--- there were (0: `text` itself; also when it holds the mark already: then the decoder
--- refuses the file as before).
function H.mask_invalid(text)
  local n = require('stance.core').text(text):invalid()
  if n == 0 or text:find(H.MARK, 1, true) then return text, 0 end
  local out, run, i = {}, 1, 1
  while true do
    local p = text:find('[\128-\255]', i)
    if not p then break end
    local k = H.seq(text, p)
    if k > 0 then
      i = p + k
    else
      out[#out + 1] = text:sub(run, p - 1)
      out[#out + 1] = H.MARK
      run, i = p + 1, p + 1
    end
  end
  out[#out + 1] = text:sub(run)
  return table.concat(out), n
end

--- Whether a decoded JSON value holds `mark` in a string (a key too), at any depth.
function H.holds(v, mark, depth)
  depth = depth or 0
  if type(v) == 'string' then return v:find(mark, 1, true) ~= nil end
  if type(v) ~= 'table' or depth > 200 then return false end
  for k, x in pairs(v) do
    if H.holds(k, mark, depth + 1) or H.holds(x, mark, depth + 1) then return true end
  end
  return false
end

--- The @base of the @context of `doc` (the collection, or the one annotation of a file), if
--- it gives one.
function H.at_base(doc)
  if type(doc) ~= 'table' then return nil end
  for _, c in ipairs(as_list(doc['@context'])) do
    if type(c) == 'table' and type(c['@base']) == 'string' then return c['@base'] end
  end
  return nil
end

--- The prefixes an annotation's @context maps to our vocabulary, and whether it maps
--- `stance` to something else.
function H.prefixes(ctx)
  local mine, other = {}, false
  for _, c in ipairs(as_list(ctx)) do
    if type(c) == 'table' then
      for k, v in pairs(c) do
        local id = type(v) == 'table' and v['@id'] or v
        if type(k) == 'string' and id == M.NS then
          mine[#mine + 1] = k
        elseif k == 'stance' then
          other = true
        end
      end
    end
  end
  return mine, other
end

--- The terms of ours an annotation (or a collection) carries, by any prefix its @context
--- gives our vocabulary, or the full IRI: `term(name)` gives the value of stance:NAME
--- (a JSON-LD value object's @value), or nil.
function H.terms(a)
  local mine, other = H.prefixes(a['@context'])
  return function(name)
    local v = a[M.NS .. name]
    for _, p in ipairs(mine) do
      if v == nil then v = a[p .. ':' .. name] end
    end
    if v == nil and not other then v = a['stance:' .. name] end
    if type(v) == 'table' and v['@value'] ~= nil then v = v['@value'] end
    return v
  end
end

--- The layer an annotation says it comes from (`stance:layer`), else nil: another tool's
--- annotation.
function H.layer_of(term)
  local v = term('layer')
  if type(v) ~= 'string' or not v:match('%S') then return nil end
  local why = H.bad_layer(v)
  if why then return nil, why end
  return v
end

--- Why `name` (a stance:layer) names no layer: it holds a control character (a NUL would cut
--- the folder's name where C reads it, a line end split it), nil when it does not.
function H.bad_layer(name)
  if name:find('%c') then
    return ('its layer %s holds a control character (a NUL, a line end...): no layer is named so'):format(H.shown(name))
  end
end

--- A layer's status as a file says it (done, in-progress), from stance:status; nil when
--- absent; false and why when it is something else.
function H.status(v)
  if v == nil then return nil end
  if v == 'done' or v == 'in-progress' then return v end
  return false, ("stance:status should be done or in-progress, got %s"):format(H.shown(v))
end

--- A name from the file as a message shows it, quoted (the report escapes its control characters).
function H.named(s)
  return "'" .. s .. "'"
end

--- A JSON value as a message shows it.
function H.shown(v)
  if type(v) == 'string' then return ("'%s'"):format(v) end
  if type(v) == 'number' then return H.number(v) end
  if type(v) == 'table' then return v == require('stance.json').null and 'null' or 'an object or array' end
  return tostring(v)
end

--- The attributes of a record beyond those of the format (stance:attributes: lines as an
--- annotation file holds them, e.g. `brat-norm Reference Wikipedia:12345 "Barack Obama"`),
--- checked to be attribute lines of one record and nothing else; nil and why when not.
function H.extras(v)
  if v == nil then return nil end
  if type(v) ~= 'string' then return nil, 'stance:attributes should be a string' end
  if v == '' then return nil end
  if v:sub(-1) ~= '\n' then v = v .. '\n' end
  local core = require('stance.core')
  local probe = 'format stance 1\n\nannotation x\n  span 0-1\n  label x\n' .. v:gsub('[^\n]*\n', '  %0')
  local store, problems = core.read(probe)
  local recs = store and store:records('annotation') or {}
  for _, pr in ipairs(problems or {}) do
    if pr.severity == 'error' then return nil, ('stance:attributes: %s'):format(pr.message) end
  end
  if #recs ~= 1 or store:count('relation') + store:count('doclabel') > 0 or recs[1].extras ~= v then
    return nil, 'stance:attributes should hold attribute lines of an annotation file, and nothing else'
  end
  -- the names of the file's own header record are no attributes of an annotation (the import
  -- would declare them in the schema)
  for name in ('\n' .. v):gmatch('\n([^%s|#][^%s]*)') do
    if H.RESERVED[name] then
      return nil, ('stance:attributes: `%s` is an attribute of the file\'s document record (%s), never of an '
        .. 'annotation'):format(name, 'document, annotator, hash, status, reviewer')
    end
  end
  return v
end

--- The attributes of the document record of an annotation file (doc/format.md 4.1).
H.RESERVED = { document = true, annotator = true, hash = true, status = true, reviewer = true, format = true }

--- A confidence from stance:confidence (a number from 0 to 1, or its text), nil when
--- absent; false and why when it is something else.
function H.confidence(v)
  if v == nil then return nil end
  local n = (type(v) == 'number' or type(v) == 'string') and tonumber(v)
  if not n or n < 0 or n > 1 or (type(v) == 'string' and not v:match('^[%d.eE+-]+$')) then
    return false, ('stance:confidence should be a number from 0 to 1, got %s'):format(H.shown(v))
  end
  if type(v) == 'string' then return v end
  return H.number(n)
end

--- The shortest text of a number that reads back as it.
function H.number(n)
  for _, f in ipairs({ '%.15g', '%.16g' }) do
    local t = f:format(n)
    if tonumber(t) == n then return t end
  end
  return ('%.17g'):format(n)
end

--- What a TextPositionSelector's `start` or `end` holds, checked: a whole number of code
--- points a span can hold; else nil and why.
function H.offset(sel, key)
  local v = sel[key]
  if v == nil then return nil, ('its TextPositionSelector has no %s'):format(key) end
  if type(v) ~= 'number' then
    return nil, ('its TextPositionSelector %s is %s, not a number'):format(key, H.shown(v))
  end
  if v ~= math.floor(v) or v < 0 or v > 4294967295 then
    return nil, ('its TextPositionSelector %s %s is not a whole number of code points from 0 to 4294967295')
      :format(key, H.shown(v))
  end
  return math.floor(v)
end

--- One Web Annotation into `by_doc` (linking ones into `relations`); returns a reason when
--- it cannot be read, and the value the reason is about (for its place in the text).
function H.item(a, iri, by_doc, relations, at)
  if type(a) ~= 'table' or a.type ~= 'Annotation' then return 'not an Annotation' end
  local id = iri.id_of(str(a.id) or '') or require('stance.core').new_id()
  if id == '' or id:find('[^%w%._:%-]') then id = require('stance.core').new_id() end
  -- a creator as a readable name (an IRI's last segment: http://ex.org/user/zoe is zoe); a
  -- blank one is no creator (its annotations go to the default layer); two creators of one
  -- name are not merged into one layer
  local who, identity = require('stance.interop.w3c_names').creator(a.creator)
  local first = who and iri.creators(who, identity)
  if first then
    return ('its creator %s is named %s, as %s is already: not merged into one layer (import with --annotator,'
      .. ' or give the creators names of their own)'):format(H.named(identity), H.named(who),
      H.named(first)), a.creator
  end
  local term = H.terms(a)
  -- two layers of one folder (`a/b` and `a_b`) are not merged either
  local layer, lerr = H.layer_of(term)
  if lerr then return lerr end
  local had = layer and iri.layers(layer, layer)
  if had then
    return ('its stance:layer %s has the folder of layer %s (%s): not merged into one layer'):format(H.named(layer),
      H.named(had), H.named(require('stance.root').slug(layer)))
  end
  local status, serr = H.status(term('status'))
  if status == false then return serr end
  local extras, eerr = H.extras(term('attributes'))
  if eerr then return eerr end
  local line, col, file = at(a)
  local rec = { id = id, created = str(a.created), modified = str(a.modified), author = who, extras = extras,
    _layer = layer, _status = status, _line = line, _col = col, _file = file }
  local body = as_list(a.body or {})
  if a.motivation == 'linking' then
    local to, typ
    for _, b in ipairs(body) do
      if type(b) == 'string' then to = iri.id_of(b) end
      if type(b) == 'table' and b.purpose == 'tagging' then typ = str(b.value) end
      if type(b) == 'table' and b.purpose == 'commenting' then rec.note = str(b.value) end
    end
    local from = type(a.target) == 'string' and iri.id_of(a.target)
    if not from or not to or not typ then
      return 'a linking annotation needs our IRIs as target and body, and a type'
    end
    rec.kind, rec.type, rec.from, rec.to = 'relation', typ, from, to
    relations[#relations + 1] = rec
    return nil
  end
  -- a body we understand gives a field; another is kept as it came (w3c-body), and one
  -- without a label we can map is kept with the label `unlabeled` (said, never dropped)
  local kept = {}
  for _, b in ipairs(body) do
    if type(b) == 'table' and b.type == 'TextualBody' and FIELD[b.purpose] and str(b.value) then
      rec[FIELD[b.purpose]] = str(b.value)
    else
      kept[#kept + 1] = require('stance.interop.brat').extra_line(M.BODY_ATTR, (M.encode(b)))
    end
  end
  if #kept > 0 then rec.extras = (rec.extras or '') .. table.concat(kept, '\n') .. '\n' end
  local unlabeled = rec.label == nil and not (type(a.target) == 'string' and rec.target and rec.stance)
  if unlabeled then rec.label = M.UNLABELED end
  if type(a.target) == 'string' then
    local path, why = iri.path_of(a.target)
    if not path then return ('its target %s %s'):format(a.target, why or 'is not a document of ours') end
    rec.kind = 'doclabel'
    by_doc[path] = by_doc[path] or {}
    table.insert(by_doc[path], rec)
    return nil, nil, unlabeled
  end
  local conf, cerr = H.confidence(term('confidence'))
  if conf == false then return cerr end
  rec.confidence = conf
  local spans, quotes, path = {}, {}, nil
  for _, t in ipairs(as_list(a.target)) do
    if type(t) ~= 'table' or type(t.source) ~= 'string' then return 'a target without a source', t end
    local p, pwhy = iri.path_of(t.source)
    if not p then return ('its target %s %s'):format(t.source, pwhy or 'is not a document of ours'), t end
    if path and p ~= path then return 'targets in several documents', t end
    path = p
    local q, pos
    for _, s in ipairs(as_list(t.selector or {})) do
      if type(s) == 'table' and s.type == 'TextQuoteSelector' then q = s end
      if type(s) == 'table' and s.type == 'TextPositionSelector' then pos = s end
    end
    if not q and not pos then return 'a target without a TextQuoteSelector or TextPositionSelector', t end
    if q and type(q.exact) ~= 'string' then return 'its TextQuoteSelector has no exact text', q end
    local a0, b0
    if pos then
      local why
      a0, why = H.offset(pos, 'start')
      if not a0 then return why, pos end
      b0, why = H.offset(pos, 'end')
      if not b0 then return why, pos end
      if b0 <= a0 then
        return ('its TextPositionSelector covers no character (start %d, end %d)'):format(a0, b0), pos
      end
    end
    spans[#spans + 1] = a0 and { a0, b0 } or false
    quotes[#quotes + 1] = q
    if not q then rec._positions_only = true end
  end
  rec.kind = 'annotation'
  rec._spans, rec._quotes = spans, quotes
  by_doc[path] = by_doc[path] or {}
  table.insert(by_doc[path], rec)
  return nil, nil, unlabeled
end

--- What a collection says of its layers (stance:layers: { document, layer, status } each),
--- checked: { { document = path, layer = name, status = ... } }; a bad entry is a problem.
--- `masked`: the file held bytes of invalid UTF-8 (read as H.MARK): an entry holding one is
--- skipped (its layer would be named with the mark), the others kept, as M.read does items.
function H.layers_said(col, iri, at, problems, masked)
  local term = H.terms(col)
  local list = term('layers')
  local out = {}
  if list == nil then return out end
  if type(list) ~= 'table' then list = { list } end
  for i, e in ipairs(list) do
    local path, pwhy
    if type(e) == 'table' and type(e.document) == 'string' then path, pwhy = iri.path_of(e.document) end
    local status, why = H.status(type(e) == 'table' and e.status or nil)
    if masked and H.holds(e, H.MARK) then
      path, why = nil, 'a string holds invalid UTF-8 (JSON is UTF-8)'
    end
    local lwhy = type(e) == 'table' and type(e.layer) == 'string' and H.bad_layer(e.layer)
    why = why or lwhy or nil
    if not path or type(e.layer) ~= 'string' or not e.layer:match('%S') or status == false or lwhy then
      local line, col_ = at(type(e) == 'table' and e or list)
      why = why or pwhy and ('its document %s %s'):format(e.document, pwhy)
      problems[#problems + 1] = { line = line or 1, col = col_ or 1, message = ('stance:layers entry %d skipped: %s')
        :format(i, why or 'it needs a document of ours and a layer') }
    else
      out[#out + 1] = { document = path, layer = e.layer, status = status }
    end
  end
  return out
end

--- Records of one document from M.read, placed in `text`: by position when the quote is
--- there, else by the quote (and its prefix and suffix), as re-anchoring does. Returns a
--- store, and problems for what could not be placed (kept as orphans).
function M.place(recs, text)
  local core = require('stance.core')
  local store = core.store()
  for _, r in ipairs(recs) do
    local rec = {}
    for k, v in pairs(r) do
      if k:sub(1, 1) ~= '_' then rec[k] = v end
    end
    if r.kind == 'annotation' then
      local parts, spans = {}, {}
      for i, sp in ipairs(r._spans) do
        local q = r._quotes[i]
        parts[i] = q and q.exact or ''
        if sp and sp[1] and sp[2] and sp[2] > sp[1] then
          spans[i] = sp
        else
          local len = require('stance.utf8').len(q and q.exact or 'x')
          spans[i] = { 0, math.max(1, len) } -- no position: found by its quote
        end
      end
      rec.spans = spans
      if #r._quotes == #r._spans and #r._quotes > 0 then
        rec.quote = table.concat(parts, ' ')
        rec.prefix = r._quotes[1].prefix
        rec.suffix = r._quotes[#r._quotes].suffix
      end
      local ok, err = store:add(rec)
      if not ok then r._error = err end
    end
  end
  local frame = core.frame(text)
  local res = frame:anchor(store)
  -- back to code points, written as a file would hold them; an orphan stays one (a file
  -- holding one records no hash: every reader checks its quote again)
  local out = core.read(frame:write(store))
  for _, id in ipairs(res.orphan_ids or {}) do
    out:mark(id, 'orphan', true)
  end
  for _, r in ipairs(recs) do
    if r.kind == 'doclabel' then
      local rec = {}
      for k, v in pairs(r) do
        if k:sub(1, 1) ~= '_' then rec[k] = v end
      end
      out:add(rec)
    end
  end
  return out, res
end

return M
