--- The cue lexicon of a corpus (.stance/lexicon.stance, else the default in
--- stance.templates): categories of stance cues, compiled into the C matcher. Both hosts.
local M = {}

M.path = '.stance/lexicon.stance'

---@class stance.Lexicon
---@field categories {name: string, title: string|nil, line: integer}[]
---@field matcher userdata core.cues()
---@field cues integer how many cues
---@field problems table[] {line, col, severity, message}
---@field file string|nil where it was read from (nil: the default)

--- Parse a lexicon text. Never fails: bad lines are problems, the rest is kept.
---@param text string
---@return stance.Lexicon
function M.parse(text)
  local core = require('stance.core')
  local lines, problems = core.markup_lines(text)
  local lex = { categories = {}, matcher = core.cues(), cues = 0, problems = problems or {} }
  local cur
  for _, l in ipairs(lines) do
    if l.kind == 'record' then
      cur = nil
      if l.name == 'category' then
        if #l.values ~= 1 then
          lex.problems[#lex.problems + 1] = { line = l.line, col = 1, severity = 'error',
            message = '`category` takes one value: its name' }
        else
          cur = { name = l.values[1], line = l.line }
          lex.categories[#lex.categories + 1] = cur
        end
      elseif l.name ~= 'format' then
        lex.problems[#lex.problems + 1] = { line = l.line, col = 1, severity = 'warning',
          message = ("unknown record '%s' in a lexicon (category)"):format(l.name) }
      end
    elseif l.kind == 'attribute' and cur then
      if l.name == 'title' then
        cur.title = l.values[1]
      elseif l.name == 'cues' then
        for _, phrase in ipairs(l.values) do
          local ok, err = lex.matcher:add(phrase, #lex.categories)
          if ok then
            lex.cues = lex.cues + 1
          else
            lex.problems[#lex.problems + 1] = { line = l.line, col = l.col or 1, severity = 'warning', message = err }
          end
        end
      else
        lex.problems[#lex.problems + 1] = { line = l.line, col = 1, severity = 'warning',
          message = ("unknown attribute '%s' in category %s (title, cues)"):format(l.name, cur.name) }
      end
    end
  end
  return lex
end

--- The lexicon of the corpus at `root` (the default one when it has none).
---@param root string
---@return stance.Lexicon
function M.load(root)
  local text, err, code = require('stance.fs').read(root .. '/' .. M.path, root)
  local lex = M.parse(text or require('stance.templates').lexicon)
  lex.file = text and (root .. '/' .. M.path) or nil
  if not text and code ~= 'ENOENT' then -- not read (a link out of the corpus, a FIFO...): said so
    table.insert(lex.problems, 1, { line = 1, col = 1, severity = 'error', message = err })
  end
  return lex
end

--- The cues found in `text`: a list of { start, stop (bytes), category (name) }.
---@param lex stance.Lexicon
---@param text string
---@return table[]
function M.find(lex, text)
  local n, s, e, c = lex.matcher:match(text)
  local out = {}
  for i = 1, n do
    out[i] = { start = s[i], stop = e[i], category = lex.categories[c[i]].name }
  end
  return out
end

return M
