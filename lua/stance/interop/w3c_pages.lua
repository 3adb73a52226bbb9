--- The pages of a Web Annotation collection (or of a page that links to a next one): the
--- W3C model's AnnotationCollection whose `first` is an AnnotationPage, each page linking to
--- the next by `next`, embedded or as a reference to a file next to the collection (the
--- import's folder). Every page is read; a loop, a reference that leads out of the folder
--- (`..`, an absolute path, a link out, an IRI with a scheme: nothing is fetched) or a page
--- that cannot be read refuses the whole collection, said at its place.
local M = {}
local H = {}

--- The path (relative to the import's folder) that reference `ref` names, from the file
--- `from` (relative to that folder, "" for the collection's own file when it is in the
--- folder's top); nil and why it is refused.
---@param ref string
---@param from string
---@return string|nil rel
---@return string|nil why
function M.resolve(ref, from)
  if ref:find('^%a[%w+.%-]*:') then
    return nil, 'is an IRI, not a file next to the collection: nothing is fetched'
  end
  if ref:find('[?#]') then return nil, 'has a query or a fragment: not a file next to the collection' end
  local path = ref:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end)
  if path:find('%c') then return nil, 'names a path with a control character once decoded' end
  if path:sub(1, 1) == '/' then
    return nil, 'is an absolute path: a page is named relative to the collection, in its folder'
  end
  local parts = {}
  local dir = from:match('^(.*)/[^/]*$')
  for part in ((dir and dir .. '/' or '') .. path):gmatch('[^/]+') do
    if part == '..' then return nil, 'has a part \'..\': it leads out of the import\'s folder' end
    if part ~= '.' then parts[#parts + 1] = part end
  end
  if #parts == 0 then return nil, 'names no file' end
  return table.concat(parts, '/')
end

--- Every item of a collection or page `doc` (decoded from file `rel` of folder `root`; no
--- root: a text of no file, whose pages in other files are refused), following `next`
--- from page to page. `parse(text, file)` decodes a page file: the value
--- and a locator (as stance.interop.w3c's), or nil and a problem { line, col, message }.
--- `at(v)` is the place of a value of the first file. Returns the items (each page's in
--- order), problems ({ file, line, col, message, kept }), and why the collection is
--- refused (nil when every page was read).
---@param doc table
---@param ctx { root: string|nil, rel: string, at: function, parse: function }
---@return table[] items
---@return table[] problems
---@return string|nil refused
function M.items(doc, ctx)
  local items, problems = {}, {}
  local null = require('stance.json').null
  local page = doc
  if doc.type == 'AnnotationCollection' then page = doc.first end
  if page == null then page = nil end -- ("first": null, "next": null: no page)
  local seen_ids, seen_files, seen_pages = {}, {}, {}
  local core = require('stance.core')
  if ctx.root then seen_files[core.realpath(ctx.root .. '/' .. ctx.rel) or ctx.rel] = true end
  if type(doc.id) == 'string' then seen_ids[doc.id] = true end
  local file, rel, at = nil, ctx.rel, ctx.at -- (file nil: the first, the caller's)
  local from_value = doc -- the value that names the page (for the place of a refusal)
  local function refuse(fmt, ...)
    local line, col = at(from_value)
    problems[#problems + 1] = { file = file, line = line or 1, col = col or 1, message = fmt:format(...),
      severity = 'error' }
    return items, problems, 'the collection\'s pages could not all be read (said above)'
  end
  local n = 0
  while page ~= nil do
    n = n + 1
    -- a page given by reference: its id (a page of this file), else a file of the folder
    if type(page) == 'table' and page.items == nil and type(page.id) == 'string' then page = page.id end
    if type(page) == 'string' then
      if seen_ids[page] then return refuse('page %d (%s) is a page read before: the pages loop', n, page) end
      local prel, why = M.resolve(page, rel)
      if not prel then return refuse('page %d (%s) %s', n, page, why) end
      -- (text without a file, as the fuzzer gives: no file is read)
      if not ctx.root then return refuse('page %d (%s) is in another file: only an import reads one', n, page) end
      local ok, iwhy = require('stance.fs').inside(ctx.root, prel)
      if not ok then return refuse('page %d (%s): %s; not followed', n, page, iwhy) end
      local real = core.realpath(ctx.root .. '/' .. prel)
      if not real then return refuse('page %d (%s): no such file next to the collection', n, page) end
      if seen_files[real] then return refuse('page %d (%s) is a file read before: the pages loop', n, page) end
      seen_files[real] = true
      seen_ids[page] = true
      local text, rerr = require('stance.fs').read(ctx.root .. '/' .. prel, ctx.root)
      if not text then return refuse('page %d (%s): %s', n, page, tostring(rerr)) end
      local pfile = ctx.root .. '/' .. prel
      local value, locate_or_problem = ctx.parse(text, pfile)
      if value == nil then
        local p = locate_or_problem
        problems[#problems + 1] = { file = pfile, line = p.line, col = p.col, message = p.message, severity = 'error' }
        return items, problems, ('page %d (%s) is not JSON (said above)'):format(n, pfile)
      end
      page, file, rel, at, from_value = value, pfile, prel, locate_or_problem, value
    end
    -- (a page without its type, but with items, is one: nothing of it is lost)
    if type(page) ~= 'table' or page.type ~= 'AnnotationPage' and type(page.items) ~= 'table' then
      return refuse('page %d is not an AnnotationPage', n)
    end
    if seen_pages[page] then return refuse('page %d is a page read before: the pages loop', n) end
    seen_pages[page] = true
    if type(page.id) == 'string' then seen_ids[page.id] = true end
    if page.items ~= nil and type(page.items) ~= 'table' then
      return refuse('page %d: its items are not an array', n)
    end
    for _, a in ipairs(page.items or {}) do
      items[#items + 1] = a
    end
    from_value = page
    page = page.next
    if page == null then page = nil end
  end
  if doc.type == 'AnnotationCollection' and doc.total ~= nil and doc.total ~= #items then
    local line, col = ctx.at(doc)
    problems[#problems + 1] = { line = line or 1, col = col or 1, warn_only = true,
      message = ('the collection\'s total is %s, but its %d page(s) hold %d item(s)'):format(H.shown(doc.total), n,
        #items) }
  end
  return items, problems, nil
end

function H.shown(v)
  if type(v) == 'number' then return ('%.15g'):format(v) end
  if type(v) == 'string' then return ("'%s'"):format(v) end
  return 'not a number'
end

return M
