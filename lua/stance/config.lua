--- Configuration: one commented table of defaults, deep-merged with what setup() gets
--- and validated field by field. See :help stance-config.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

--- The defaults. Every option is documented in doc/stance.txt (stance-config).
M.defaults = {
  -- Name written as the author of your annotations; nil: `git config user.name`, else $USER.
  annotator = nil,

  worker = {
    -- Pieces of one background job run at once (0: the number of CPUs, at most 4).
    tasks = 0,
  },

  progress = {
    -- Report the progress of background jobs (indexing, hashing) in the command line.
    enabled = true,
  },

  autosave = {
    -- Write annotations by themselves after each change (also on :w and on quitting).
    enabled = true,
    -- Milliseconds without a change before writing.
    delay = 1000,
  },

  documents = {
    -- Open the documents of a corpus with 'modifiable' off (and 'readonly'): a stray key
    -- cannot change the text you annotate. `:setlocal modifiable` when you mean to correct
    -- it; annotations follow edits either way.
    readonly = true,
  },

  -- Code points of text kept before and after each annotation (its prefix and suffix), to
  -- find it again when the document changes.
  context = 32,

  highlight = {
    -- The label of each annotation after it (at the end of its sentence; on Neovim before
    -- 0.10, at the end of its line).
    virt_text = false,
    -- Relations as marks after both of their annotations: "[1 supports →]", "[→ 1 supports]".
    relations = true,
    -- A mark in the sign column on lines with annotations (colored by stance).
    signs = true,
    sign_text = '▎',
    -- Where spans overlap, bold and underlined on top of their colors.
    overlap = true,
    -- Stance cues of the lexicon ("should", "clearly", "failed") in a subtle style; :Stance
    -- cues toggles them.
    cues = false,
  },

  -- Keys set on annotated buffers ('' leaves one out; enabled = false leaves all out and
  -- the <Plug>(stance-...) mappings are yours to map). See :help stance-mappings.
  mappings = {
    enabled = true,
    annotate = 'gs',
    annotate_line = 'gss',
    inner = 'ia',
    around = 'aa',
    next = ']a',
    prev = '[a',
    inspect = 'gK',
    edit = 'gS',
    delete = 'gX',
    accept = 'g+',
    reject = 'g-',
    undo = 'u',
    redo = '<C-r>',
    link = 'gL',
    note = 'gC',
    document = 'gD',
    -- The corpus's sentences (the analysis units) as text objects and motions.
    sentence_inner = 'is',
    sentence_around = 'as',
    sentence_next = ')',
    sentence_prev = '(',
    -- The next / previous sentence without a stance toward any target.
    next_unannotated = ']u',
    prev_unannotated = '[u',
  },
}

--- Types of options whose default is nil, and extra checks, by dotted name.
H.types = { annotator = 'string' }
H.checks = {
  ['worker.tasks'] = function(v)
    return v >= 0 and v <= 256 and v == math.floor(v), 'a whole number from 0 to 256'
  end,
  ['autosave.delay'] = function(v)
    return v >= 0 and v == math.floor(v), 'a whole number of milliseconds'
  end,
  context = function(v)
    return v >= 0 and v <= 10000 and v == math.floor(v), 'a whole number from 0 to 10000'
  end,
}

---@type table
M.options = nil

--- Validate `opts` and merge it over the defaults; raises on misuse.
---@param opts table|nil
---@return table config the merged configuration
function M.setup(opts)
  if opts ~= nil and type(opts) ~= 'table' then
    error(('(stance) setup() takes a table, got %s'):format(type(opts)), 0)
  end
  M.options = H.merge(M.defaults, opts or {}, '')
  return M.options
end

--- The configuration in force (the defaults until setup() is called).
---@return table
function M.get()
  return M.options or M.setup({})
end

function H.merge(defaults, user, prefix)
  local out = {}
  for k, v in pairs(defaults) do
    out[k] = type(v) == 'table' and H.merge(v, {}, prefix .. k .. '.') or v
  end
  for k, v in pairs(user) do
    local name = prefix .. tostring(k)
    local default = defaults[k]
    local want = default ~= nil and type(default) or H.types[name]
    if want == nil then error(('(stance) unknown option %s'):format(name), 0) end
    if type(v) ~= want then
      error(('(stance) %s should be a %s, got %s'):format(name, want, type(v)), 0)
    end
    local check = H.checks[name]
    if check then
      local ok, what = check(v)
      if not ok then error(('(stance) %s should be %s, got %s'):format(name, what, tostring(v)), 0) end
    end
    out[k] = want == 'table' and H.merge(default or {}, v, name .. '.') or v
  end
  return out
end

return M
