---@meta stance.core
-- LuaLS type stubs for the C module (require('stance.core')); never loaded at run time.
-- The implementation is src/*.c; :help stance-core documents every function.
error('stance.meta.core is a type stub: require("stance.core") instead')

---@class stance.core
local core = {}

---@class stance.Versions
---@field stance string
---@field libuv string
---@field treesitter_abi integer
---@field treesitter_min_abi integer
---@field lua string
---@field lua_abi string "5.1" or "5.4"

---@return stance.Versions
function core.version() end

--- Whether this runs inside the `stance` executable (not as a module of lua5.4 or Neovim).
---@return boolean
function core.in_host() end

---@param s string
---@return string hex SHA-256
function core.sha256(s) end

---@return string id 12 characters of base32, 60 random bits
function core.new_id() end

---@param fd integer
---@return boolean
function core.isatty(fd) end

---@return integer nanoseconds, monotonic
function core.hrtime() end

---@class stance.Stat
---@field type "file"|"directory"|"link"|"other"
---@field size integer
---@field mtime integer
---@field mtime_ns integer
---@field mode integer permission bits
---@field ino integer inode number

---@param path string
---@return stance.Stat|nil
---@return string|nil err
---@return string|nil code
function core.stat(path) end

--- The whole content of a regular file (never a FIFO, a device or a folder), read at once.
---@param path string
---@param opts {root: string|nil, max: integer|nil}|nil root: the file must resolve inside it
---@return string|nil content
---@return string|nil err
---@return string|nil code "ENOENT" | "EOUTSIDE" | "ENOTREG" | "EISDIR" | "ETOOBIG" | "EREAD"
function core.readfile(path, opts) end

---@param path string
---@return string|nil
---@return string|nil err
function core.realpath(path) end

--- What the symbolic link `path` holds (the link itself, not the folders above it), false
--- when `path` is not a link; nil, err, code ("ENOENT") when nothing is there.
---@param path string
---@return string|false|nil
---@return string|nil err
---@return string|nil code
function core.readlink(path) end

---@param path string
---@return boolean|nil
---@return string|nil err
function core.mkdir(path) end

--- Every file below `dir`, sorted; with opts.names the paths alone (regular files get no
--- stat), only those matching opts.include and not opts.exclude (globs), none in error; with
--- opts.links the symbolic links alone, as {path, error}, whatever they lead to.
---@param dir string
---@param opts {ext: string[]|nil, names: boolean|nil, links: boolean|nil, include: string[]|nil, exclude: string[]|nil}|nil
---@return {path: string, size: integer, error: string|nil}[]|string[]|nil
---@return string|nil err
function core.list(dir, opts) end

--- The names of the folders directly in `dir` (no link, no hidden name), sorted; with
--- `which` "hidden", the hidden names there instead (of anything: ".git", ".x.ann").
---@param dir string
---@param which "hidden"|nil
---@return string[]|nil
---@return string|nil err
---@return string|nil code
function core.folders(dir, which) end

--- Whether something is at `path` (following links).
---@param path string
---@return boolean
function core.exists(path) end

--- Replace the file at `path` with `data` all at once, under its lock (".NAME.lock" beside
--- it, held around the check, the write to ".NAME.tmp" and the rename: two writers take
--- turns, and the second sees the first's change). See :help stance-security.
---@param path string
---@param data string
---@param expect_hash string|nil SHA-256 hex the file must still have ("" = must not exist)
---@param opts {root: string|nil, stamp: string|nil, cache: boolean|nil}|nil root: the file
--- must be inside that folder (links resolved part by part from it; the folder is then held
--- open and written in through it only); stamp: the file's stamp must be this (when
--- expect_hash is nil); cache: no fsync
---@return boolean|nil ok
---@return {stamp: string, hash: string}|string|nil info the new stamp and the data's SHA-256, or the error
---@return string|nil code "ECHANGED" | "EOUTSIDE" | "EWRITE"
function core.write_atomic(path, data, expect_hash, opts) end

--- Append `data` to the file at `path`, which must still have `size` bytes (and opts.stamp),
--- under its lock; one write, then fdatasync (a failed write is truncated away).
---@param path string
---@param data string
---@param size integer
---@param opts {stamp: string|nil, root: string|nil}|nil
---@return boolean|nil ok
---@return string|nil stamp the file's new stamp, or the error
---@return string|nil code "ECHANGED" | "EOUTSIDE" | "EWRITE"
function core.append_file(path, data, size, opts) end

--- Run a program without a shell (argv[1] found on PATH; no byte of an argument is read as
--- syntax), stdin from /dev/null, stderr discarded unless opts.stderr, stdout returned
--- (discarded with opts.output = false: a desktop opener's program may keep it open); wait
--- for it. Misuse (no strings, over 256, a NUL byte) is an error.
---@param argv string[]
---@param opts {stderr: boolean|nil, output: boolean|nil}|nil
---@return integer|nil status exit status (128 + signal when killed)
---@return string out its standard output, or the error
---@return string|nil code "ESPAWN" on failure
function core.run(argv, opts) end

--- Start a program without a shell and without waiting for it: argv[1] an absolute path, in
--- a session of its own (no terminal), stdin from /dev/null, stdout and stderr appended to
--- `log` (a plain file made 0600; a link refused, "EUNSAFE"; emptied past 1 MB).
---@param argv string[]
---@param log string
---@return integer|nil pid
---@return string|nil err
---@return string|nil code "ESPAWN" | "EUNSAFE"
function core.detach(argv, log) end

---@param path string
---@param mode integer
---@return boolean|nil ok
---@return string|nil err
function core.chmod(path, mode) end

--- "size:mtime.ns:inode" of a file, "" when there is none: what changes when it is rewritten.
--- With `nofollow`, a symbolic link's own (it changes when the link does, not its target).
---@param path string
---@param nofollow boolean|nil
---@return string
function core.stamp(path, nofollow) end

---@class stance.Problem
---@field line integer
---@field col integer
---@field severity "error"|"warning"
---@field message string

---@class stance.Record
---@field kind "annotation"|"relation"|"doclabel"
---@field id string
---@field slot integer
---@field spans integer[][]|nil { {start, stop}, ... } annotations
---@field label string|nil
---@field target string|nil
---@field stance string|nil
---@field role string|nil
---@field confidence string|nil
---@field quote string|nil
---@field prefix string|nil
---@field suffix string|nil
---@field note string|nil
---@field author string|nil
---@field created string|nil
---@field modified string|nil
---@field conflict string|nil
---@field type string|nil relations
---@field from string|nil
---@field to string|nil
---@field line integer|nil where it was read
---@field extras string|nil attributes kept as written
---@field comments string|nil
---@field inner string|nil

---@class stance.Hit
---@field id string
---@field span integer which span of the record (1-based)
---@field start integer
---@field stop integer

---@class stance.Store
local Store = {}
---@param rec stance.Record
---@return boolean|nil ok
---@return string|nil err
---@return string|nil code "EDUP" | "EINVAL" | "ENOMEM"
function Store:add(rec) end
---@param id string
---@param side string|nil conflict side
---@return stance.Record|nil
function Store:get(id, side) end
---@param id string
---@param fields table field = value, or false to remove; `spans`, `id` too
---@return boolean|nil ok
---@return string|nil err
---@return string|nil code
function Store:update(id, fields) end
---@param id string
---@return boolean|nil ok
---@return string|nil err
function Store:remove(id) end
---@param a integer
---@param b integer|nil
---@return stance.Hit[]
function Store:query(a, b) end
---@param a integer
---@param b integer|nil
---@return integer n
---@return integer[] slots
---@return integer[] starts
---@return integer[] stops
function Store:spans(a, b) end
---@param a integer
---@param b integer|nil
---@return integer
function Store:overlaps(a, b) end
---@param slot integer
---@return stance.Record|nil
function Store:at(slot) end
---@param kind string|nil
---@return stance.Record[]
function Store:records(kind) end
---@param fields table
---@return stance.Record[]
function Store:find(fields) end
---@param kind string|nil default "annotation"
---@return integer
function Store:count(kind) end
---@return {document: string|nil, hash: string|nil, annotator: string|nil, status: string|nil}
function Store:header() end
---@param name "document"|"hash"|"annotator"|"status"
---@param value string|nil
function Store:set_header(name, value) end
---@return string canonical text
function Store:write() end
---@return integer bytes
function Store:memory() end
--- How many records of `kind` (default "annotation") have each value of `field` ("" for
--- none), and for annotations `orphans` (not placed in the text) and `conflicts` (marked
--- `conflict ours`).
---@param field string
---@param kind string|nil
---@return table<string, integer>
function Store:tally(field, kind) end
--- How many records of `kind` (default "annotation") have each pair of values of `field_a`
--- ("" for none) and `field_b` (records without it are not counted); a record in conflict
--- counts once (its `conflict theirs` version is left out).
---@param field_a string
---@param field_b string
---@param kind string|nil
---@return table<string, table<string, integer>>
function Store:crosstab(field_a, field_b, kind) end
--- How many annotations could not be placed in the text (orphans).
---@return integer
function Store:orphans() end
--- The text changed: bytes [pos, old_end) became [pos, new_end); spans follow it.
--- With `details`, also a list of the touched annotations { id, slot, before, after }.
---@param pos integer
---@param old_end integer
---@param new_end integer
---@param context integer|nil bytes around the edit that count as touching an annotation
---@param details boolean|nil
---@return integer touched
---@return table[]|nil details
function Store:shift(pos, old_end, new_end, context, details) end
--- Set or clear the editor's marks on an annotation: an orphan is out of the interval index.
---@param id string
---@param what "orphan"|"touched"
---@param on boolean
function Store:mark(id, what, on) end
--- How many annotations have the mark (touched: placed elsewhere than the file said).
---@param what "orphan"|"touched"
---@return integer
function Store:marked(what) end
function Store:close() end

---@class stance.Frame
--- A document's text as a file (BOM, CRLF, code points) against the buffer that shows it
--- (bytes, "\n" line ends): conversions, anchoring, quotes.
local Frame = {}
---@param b integer buffer byte
---@return integer file byte
function Frame:to_file(b) end
---@param fb integer file byte
---@return integer buffer byte
function Frame:to_buf(fb) end
---@param b integer
---@return integer code point
function Frame:buf_to_cp(b) end
---@param cp integer
---@return integer buffer byte
function Frame:cp_to_buf(cp) end
---@return integer bytes of the buffer's text
function Frame:buf_len() end
---@return integer code points of the file
function Frame:cps() end
--- Place a store read from a file (code points) in the buffer (bytes): by position when the
--- quote is there (always checked), else at the best occurrence of the quote, else at the
--- best approximate one (src/qgram.c); else the annotation is an orphan. Searches stop when
--- the work budget is used up (the rest are orphans, counted as unsearched).
---@param store stance.Store
---@param opts {budget: integer|nil, progress: fun(done: integer, total: integer)|nil, each: boolean|nil}|nil each:
--- search for each annotation on its own, one after the other (the reference of the tests)
---@return {placed: integer, moved: integer, fuzzy: integer, orphaned: integer, unsearched: integer,
---  moved_ids: string[], orphan_ids: string[], fuzzy_ids: string[]}
function Frame:anchor(store, opts) end
--- New quote, prefix and suffix for every touched annotation; the ones whose text is all
--- gone are listed, not changed.
---@param store stance.Store
---@param context integer|nil code points of prefix and suffix (default 32)
---@return integer refreshed
---@return string[] collapsed_ids
function Frame:refresh(store, context) end
---@param spans integer[][] buffer bytes
---@param context integer|nil
---@return string quote
---@return string prefix
---@return string suffix
function Frame:context(spans, context) end
--- The text of the records `ids` alone, in the writer's order, to append to the file, and
--- whether appended to the canonical text of the others it is the canonical text of all
--- (they all come after every other record); nil when the file ends with comments of its own.
---@param store stance.Store
---@param ids string[]
---@return string|nil chunk
---@return boolean|nil last
function Frame:write_records(store, ids) end
--- The store (buffer bytes) written in canonical form with code-point spans.
---@param store stance.Store
---@return string
function Frame:write(store) end
function Frame:close() end

---@param text string the file's bytes
---@param opts {crlf: boolean|nil}|nil crlf: the buffer shows "\r\n" as "\n"
---@return stance.Frame
function core.frame(text, opts) end

---@param text string
---@param opts {vocab: table|stance.Vocab|nil}|nil
---@return stance.Store store
---@return stance.Problem[] problems
function core.read(text, opts) end

---@class stance.Bytes
--- A file's bytes kept in C.
local Bytes = {}
---@return string
function Bytes:string() end
---@return integer
function Bytes:len() end

--- An annotation file read and parsed in C (its bytes stay in C until bytes:string()).
---@param path string
---@param opts {vocab: table|stance.Vocab|nil, root: string|nil}|nil root: the file must resolve inside it
---@return stance.Store|nil store
---@return stance.Problem[]|string problems, or why it could not be read
---@return stance.Bytes|string|nil bytes, or "ENOENT", "EOUTSIDE", "ENOTREG", "EREAD", "ENOMEM"
function core.read_file(path, opts) end

---@return stance.Store
function core.store() end

---@class stance.Vocab
--- A schema's values (stance.schema.vocab) made once, for the opts.vocab of read and
--- read_file (a table there is made into one at every call).

---@param values table see stance.schema.vocab
---@return stance.Vocab
function core.vocab(values) end

---@param text string
---@return table[] lines
---@return stance.Problem[] problems
function core.markup_lines(text) end

--- The globs of a schema's `corpus` records (include, exclude), as stance.schema reads them,
--- and the first value of the last `watch` attribute there (nil when none).
---@param text string
---@return string[] include
---@return string[] exclude
---@return string|nil watch
function core.markup_globs(text) end

---@param s string
---@return string literal
function core.quote(s) end

---@param s string
---@return boolean
function core.is_word(s) end

---@param text string
---@return string markup_dump
---@return integer syntax_problems
---@return string treesitter_dump
---@return boolean has_error
---@return string sexp
function core.syntax_dump(text) end

---@class stance.Text the text model of a document (0-based offsets, ends exclusive)
local Text = {}
---@return integer bytes
function Text:len() end
---@return integer code points
function Text:cps() end
---@return integer
function Text:lines() end
---@return integer count of bytes that are not UTF-8
---@return integer|nil first such byte
function Text:invalid() end
---@param byte integer
---@return integer code point
function Text:byte_to_cp(byte) end
---@param cp integer
---@return integer byte
function Text:cp_to_byte(cp) end
---@param byte integer
---@return integer line, integer col_bytes, integer col_cps (0-based)
function Text:pos(byte) end
---@param line integer 0-based
---@return integer start, integer stop, string content
function Text:line(line) end
---@param a integer
---@param b integer
---@return string
function Text:sub(a, b) end
---@param unit 'sentence'|'line'|nil the corpus's unit (default sentences; lines: `unit line`)
---@return {start: integer, stop: integer, cp_start: integer, cp_stop: integer}[]
function Text:sentences(unit) end
---@return {start: integer, stop: integer, cp_start: integer, cp_stop: integer}[]
function Text:paragraphs() end
---@return {start: integer, stop: integer, word: string, pos: integer}[]
function Text:words() end

---@param s string
---@return stance.Text
function core.text(s) end
---@param s string
---@return {start: integer, stop: integer, word: string, pos: integer}[]
function core.tokenize(s) end
---@param s string
---@return string lower case, as search folds
function core.fold(s) end

---@class stance.SearchHit
---@field path string
---@field line integer 1-based
---@field col integer 1-based byte column
---@field vcol integer 1-based character column
---@field start integer code points, 0-based
---@field stop integer
---@field byte_start integer
---@field byte_stop integer
---@field match string
---@field line_text string
---@field left string context before (line ends as spaces)
---@field right string context after

---@class stance.Index
local Index = {}
---@param query string
---@param opts {glob: string|string[]|nil, limit: integer|nil, count: boolean|nil, context: integer|nil, render: boolean|nil}|nil
---@return stance.SearchHit[]|integer|nil hits, or their number
---@return integer|string|nil total, or the error
---@return string|nil code "EQUERY" (a bad query), "EDAMAGED" (the saved index is damaged),
--- "EREAD" (a document a term with punctuation must read cannot be), "ENOMEM"
function Index:search(query, opts) end
---@return {path: string, size: integer, hash: string, words: integer, mtime_ns: integer, id: integer}[]
function Index:docs() end
---@return string[] the live documents' paths, sorted
function Index:paths() end
--- Empty the index (to build it again from nothing).
function Index:reset() end
--- Load the index saved in the folder `dir` in place of this one's content, on this thread,
--- as it is (false: there is none; nil, err, "EINDEX": it could not be read).
---@param dir string
---@return boolean|nil
---@return string|nil err
function Index:load_saved(dir) end
---@param path string
---@return table|nil
function Index:doc(path) end
---@return {docs: integer, stale: integer, bytes: integer, words: integer, segments: integer, terms: integer, memory: integer}
function Index:stats() end
---@return string
function Index:root() end

---@param root string
---@return stance.Index
function core.index(root) end
---@param query string
---@return boolean|nil ok
---@return string|nil err "column N: message"
function core.query_check(query) end
---@param glob string
---@param path string
---@return boolean
function core.glob_match(glob, path) end

---@class stance.Job
local Job = {}
---@return integer
function Job:id() end
---@return string
function Job:kind() end
---@return "pending"|"running"|"done"|"failed"|"cancelled"
function Job:state() end
---@return {done: integer, total: integer, bytes: integer, total_bytes: integer}
function Job:progress() end
function Job:cancel() end
---@return string|nil
function Job:error() end
---@return table|nil results
---@return string|nil err
function Job:results() end
--- Put a done index, load or save job's new index (built on the worker) in place of idx's:
--- an O(1) swap, the old one freed on the worker. Fails with code "ESTALE" when idx was
--- replaced since the job was made from it (an index job must then run again).
---@param idx stance.Index
---@return boolean|nil ok
---@return string|nil err
---@return string|nil code "EBUSY", "ESTALE", "EINVAL"
function Job:apply_to(idx) end

---@class stance.Worker
local Worker = {}
---@param dir string
---@param opts {ext: string[]}|nil
---@return stance.Job|nil
function Worker:hash(dir, opts) end
--- Write the layer file `path` again in its canonical form on the worker, only while it has
--- the stamp `opts.stamp` (core.stamp(path, true)): read, parsed (refused at any error),
--- the header values given set, written and renamed over it under its lock only if nobody
--- wrote it meanwhile (src/tidyjob.h). job:results() once it has ended, whatever its state:
--- { outcome = "written"|"same"|"changed"|"busy"|"errors"|"failed"|"cancelled", stamp, hash,
--- size, text (stance.Bytes, handed out once), error }.
---@param path string
---@param opts {stamp: string, root: string|nil, vocab: table|stance.Vocab|nil, document: string|nil,
---  hash: string|nil, annotator: string|nil, status: string|nil, wait: number|nil}
---@return stance.Job|nil
function Worker:tidy(path, opts) end
---@param idx stance.Index
---@param opts {include: string[]|nil, exclude: string[]|nil, only: string[]|nil, dir: string|nil, rebuild: boolean|nil}|nil
---@return stance.Job|nil
function Worker:index(idx, opts) end
---@param idx stance.Index
---@param dir string the index folder
---@return stance.Job|nil
function Worker:save_index(idx, dir) end
---@param dir string the index folder
---@param lazy boolean|nil make the tables by path at their first use, not on the worker
---@return stance.Job|nil
function Worker:load_index(dir, lazy) end
---@param dir string
---@param rel string|nil how changed paths are reported
function Worker:watch(dir, rel) end
--- Wait until every watch asked for so far is started (a change after that is reported).
---@param timeout_ms integer|nil at most (1000)
---@return boolean started
function Worker:watch_wait(timeout_ms) end
function Worker:unwatch() end
---@return table[] events
function Worker:poll() end
---@param timeout_ms integer|nil
---@return table[] events
function Worker:wait(timeout_ms) end
---@return integer
function Worker:fd() end
---@return integer
function Worker:tasks() end
---@return integer
function Worker:active() end
function Worker:close() end

--- How many threads stance's work may keep busy at once: the cores this process may run on,
--- or $STANCE_THREADS (1 to 256) when set.
---@return integer
function core.cpus() end

---@param opts {tasks: integer|nil}|nil
---@return stance.Worker|nil
---@return string|nil err
function core.worker(opts) end

return core
