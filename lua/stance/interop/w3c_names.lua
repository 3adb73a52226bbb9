--- What a Web Annotation made by another tool names, in our terms: the document its target's
--- `source` is (any IRI form that names a document of the corpus unambiguously: ours, a
--- full IRI under the base, a relative reference resolved against the base as RFC 3986 and
--- JSON-LD say), and the annotator its `creator` is (a readable, safe layer name).
local M = {}

local function dec(s)
  if not s:find('%', 1, true) then return s end
  return (s:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end))
end

--- Whether `s` is an absolute IRI (it has a scheme).
local function absolute(s)
  return s:find('^%a[%w+%.%-]*:') ~= nil
end

--- RFC 3986 section 5.2.4: `path` without its "." and ".." segments; nil when a ".." would
--- go above the top (a reference that leaves the base names nothing of it).
local function without_dots(path)
  local segs, out = {}, {}
  for seg in (path .. '/'):gmatch('([^/]*)/') do
    segs[#segs + 1] = seg
  end
  for i, seg in ipairs(segs) do
    if seg == '..' then
      if #out == 0 then return nil end
      out[#out] = nil
    elseif seg ~= '.' and not (seg == '' and i < #segs) then
      out[#out + 1] = seg
    end
  end
  return (path:sub(1, 1) == '/' and '/' or '') .. table.concat(out, '/')
end

--- A relative reference `ref` resolved against the absolute IRI `base` (RFC 3986 section
--- 5.2.2, for the hierarchical IRIs a base of documents is: `scheme://authority/path`).
---@param ref string
---@param base string
---@return string|nil
function M.resolve(ref, base)
  if absolute(ref) then return ref end
  local scheme, authority, path = base:match('^(%a[%w+%.%-]*:)(//[^/?#]*)([^?#]*)')
  if not scheme then return nil end
  if ref:sub(1, 2) == '//' then return scheme .. ref end
  local p
  if ref:sub(1, 1) == '/' then
    p = without_dots(ref)
  else
    local dir = path:match('^(.*/)') or '/'
    p = without_dots(dir .. ref)
  end
  return p and (scheme .. authority .. p)
end

--- A reader of source IRIs for `base` (the command's --base, default urn:stance:) and
--- `at_base` (the @base of the collection's @context, which JSON-LD resolves relative
--- references against first).
---@param base string|nil
---@param at_base string|nil
---@return fun(iri: string): string|nil, string|nil path_of the document's path relative to the corpus, or
--- nil and, when the IRI names a path that is no document's name (an absolute one), why
function M.documents(base, at_base)
  base = base or 'urn:stance:'
  local ours = '^' .. base:gsub('%p', '%%%0') .. 'document:(.*)$'
  -- the prefixes under which an IRI's rest is a document's path: the hierarchical bases
  local prefixes = {}
  for _, b in ipairs(at_base and { at_base, base } or { base }) do
    if type(b) == 'string' and absolute(b) and b:find('^%a[%w+%.%-]*://') then
      prefixes[#prefixes + 1] = b:sub(-1) == '/' and b or (b:match('^(.*/)') or b .. '/')
    end
  end
  local resolve_against = (at_base and absolute(at_base)) and at_base or (prefixes[1] and base) or nil
  local function under(iri)
    for _, pre in ipairs(prefixes) do
      if #iri > #pre and iri:sub(1, #pre) == pre then return iri:sub(#pre + 1) end
    end
  end
  -- a path decoded from an IRI that is absolute ("/etc/passwd", "%2Fetc"): refused here, where
  -- the annotation it came from is known, not left for the corpus to refuse later
  -- and one holding a control character once decoded ("%00", "%0A"): no document or layer file
  -- is named so (a NUL would cut the name where C reads it, doc/format.md 8.4)
  local function relative(path)
    if path and path:sub(1, 1) == '/' then
      return nil, ('names the absolute path %s: a document is named relative to the corpus root'):format(path)
    end
    if path and path:find('%c') then
      return nil, 'names a path with a control character once decoded (a NUL, a line end...): no document is named so'
    end
    return path
  end
  return function(iri)
    local p = iri:match(ours)
    if p then return relative(dec(p)) end
    if not absolute(iri) then
      if resolve_against then
        iri = M.resolve(iri, resolve_against)
        if not iri then return nil end
      else
        -- no base of documents: the reference is relative to the corpus root
        if iri:find('[?#]') or iri:sub(1, 1) == '/' then return nil end
        local path = without_dots(dec(iri))
        if path == '' then return nil end
        return relative(path)
      end
    end
    local rest = under(iri)
    if not rest or rest:find('[?#]') then return nil end
    local path = without_dots(dec(rest))
    if not path or path == '' or path:sub(1, 1) == '/' then return nil end
    return relative(path)
  end
end

--- The last path segment of an IRI (decoded), else its host: what names a creator given as
--- an IRI (`http://ex.org/user/zoe` is zoe).
local function last_segment(iri)
  local rest = iri:gsub('[?#].*$', ''):gsub('/+$', '')
  local seg = rest:match('^%a[%w+%.%-]*://[^/]*/.*/([^/]+)$') or rest:match('^%a[%w+%.%-]*://[^/]*/([^/]+)$')
    or rest:match('^%a[%w+%.%-]*://([^/]+)$') or rest:match('^%a[%w+%.%-]*:(.+)$')
  return seg and dec(seg)
end

--- A readable, safe annotator name: control characters, slashes and blanks at either end
--- gone, a leading dot replaced (stance.root.slug makes the folder of it).
local function safe(name)
  name = name:gsub('%c', ''):gsub('[/\\]', '_'):gsub('^%s+', ''):gsub('%s+$', ''):gsub('^%.', '_')
  return name ~= '' and name or nil
end

--- The annotator a Web Annotation's `creator` is, and what identifies that creator (its IRI,
--- else its name): an object's `name`, else its `nickname`, else the last path segment of its
--- `id`; a string that is an IRI, its last path segment; another string, itself. Nil when it
--- names nobody.
---@param creator any
---@return string|nil name
---@return string|nil identity
function M.creator(creator)
  if type(creator) == 'table' then
    local id = type(creator.id) == 'string' and creator.id or nil
    for _, k in ipairs({ 'name', 'nickname' }) do
      local v = type(creator[k]) == 'string' and safe(creator[k])
      -- (identified as written: "zoe/x" is not "zoe_x", whose name it gets)
      if v then return v, id or creator[k] end
    end
    if id then
      local v = absolute(id) and last_segment(id) or id
      v = v and safe(v)
      if v then return v, id end
    end
    return nil
  end
  if type(creator) ~= 'string' then return nil end
  if absolute(creator) and not creator:find('%s') then
    local v = last_segment(creator)
    v = v and safe(v)
    return v, v and creator or nil
  end
  local v = safe(creator)
  return v, v and creator
end

--- A register of the creators (or layers) met in one import: each folder of a layer
--- (stance.root.slug of its name: `a/b` and `a_b` share one) stands for one of them. Returns
--- register(name, identity) -> nil, or the identity that had the folder first (a collision).
---@return fun(name: string, identity: string): string|nil
function M.register()
  local by_name = {}
  return function(name, identity)
    name = require('stance.root').slug(name)
    local had = by_name[name]
    if had == nil then
      by_name[name] = identity
      return nil
    end
    if had ~= identity then return had end
    return nil
  end
end

return M
