--- Layer names a user gave (`--annotator A,B` on the command line, `annotators` in a script
--- or the agreement options), checked against the layers a corpus has: a typo would count,
--- export or report nothing and look like success.
local M = {}

--- Check that each of `names` is a layer of corpus `c`.
---@param c stance.Corpus
---@param names string[]
---@return string[]|nil all every layer of the corpus (when each name is one of them)
---@return string|nil err for the first name that is not: it names the layers the corpus has
function M.check(c, names)
  local all = c:annotators()
  local have = {}
  for _, n in ipairs(all) do
    have[n] = true
  end
  for _, n in ipairs(names) do
    if not have[n] then
      local msg = ("no layer '%s' in the corpus (it has %s)"):format(n, #all > 0 and table.concat(all, ', ')
        or 'none')
      -- files of that folder that are links: never read as a layer, and said so
      local links = require('stance.layer_link').said(c.root, n)
      if #links > 0 then msg = msg .. '; ' .. table.concat(links, '; ') end
      return nil, msg
    end
  end
  return all
end

return M
