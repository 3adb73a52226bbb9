--- The model's suggestions in exports. The `model` layer (stance suggest, :Stance suggest)
--- holds machine suggestions, not people's annotations, and the suggestions annotators
--- rejected (g-: a record with a note "rejected by NAME", kept as the model's negative
--- examples). Exports hold people's layers (gold among them: not the model's, nor those the
--- schema's `not-annotators` names) unless the model's is asked for (--annotator model,
--- --with-suggestions; a not-annotator by --annotator NAME); then its records say they are suggestions
--- (with the model's probability), and a rejected one is never a label: it is left out.
local M = {}

--- The layer of the model's suggestions.
M.LAYER = 'model'

--- Whether the layer `who` holds suggestions.
---@param who string
---@return boolean
function M.is_suggestions(who) return who == M.LAYER end

--- The layers an export holds: those `--annotator` names (value), plus the model's with
--- `with`; without --annotator, people's layers (`{ people = true }`, with `suggestions =
--- true` for `with`: see M.of). nil and an error for a name that is not a layer.
---@param c stance.Corpus
---@param value string|nil --annotator
---@param with boolean|nil --with-suggestions
---@return table|nil names
---@return string|nil err
function M.names(c, value, with)
  if value then
    local names, err = require('stance.cli.args').layers(c, value)
    if not names then return nil, err end
    if with then
      local has = false
      for _, n in ipairs(names) do
        if n == M.LAYER then has = true end
      end
      if not has then names[#names + 1] = M.LAYER end
    end
    return names
  end
  return { people = true, suggestions = with or nil }
end

--- Why layer `who` of corpus `c` is left out of an export that names no layer: the model's
--- suggestions (unless `with`: --with-suggestions), or a layer the schema's `not-annotators`
--- says is not a person's (a system's output: only when --annotator names it); nil when it
--- is exported (a person's, or gold: the curated annotations).
---@param c stance.Corpus
---@param who string
---@param with boolean|nil
---@return string|nil why
function M.left_out(c, who, with)
  if M.is_suggestions(who) then return not with and 'the model\'s suggestions: only with --with-suggestions' or nil end
  local person, what = c:is_person(who)
  if person or who == 'gold' then return nil end
  return what .. ': only when --annotator names it'
end

--- The layers of `doc` to export of `names` (from M.names): those it names, or each layer of
--- the document that M.left_out keeps for `{ people = true }` (nil: every layer).
---@param doc stance.Document
---@param names string[]|table|nil
---@return string[]
function M.of(doc, names)
  if names and not names.people then return names end
  if not names then return doc:annotators() end
  local out = {}
  for _, n in ipairs(doc:annotators()) do
    if not M.left_out(doc.corpus, n, names.suggestions) then out[#out + 1] = n end
  end
  return out
end

--- A layer's records as an export writes them (stance.export.placed), and of the model's
--- layer only the suggestions standing: the rejections left out, and the suggestions they
--- refused (the same stance toward the same target at the same place) with them
--- (`rejected`: how many records were left out).
---@param layer stance.Layer
---@param text string the document's text now
---@return stance.Placed placed with `suggestions` (true for the model's layer) and `rejected`
function M.placed(layer, text)
  local placed = require('stance.export.placed').layer(layer, text)
  placed.rejected = 0
  if not M.is_suggestions(layer.annotator) then return placed end
  placed.suggestions = true
  local model = require('stance.model')
  local drop, refused = {}, {}
  local function key(r) return r.spans[1][1] .. ':' .. (r.target or '') .. ':' .. (r.stance or '') end
  for _, r in ipairs(placed.store:records('annotation')) do
    if model.is_rejection(r) then refused[key(r)] = true end
  end
  -- a rejection and the suggestions it refused (the same stance toward the same target at the
  -- same place: one `stance suggest` wrote before the annotator's g-)
  for _, r in ipairs(placed.store:records('annotation')) do
    if refused[key(r)] then drop[#drop + 1] = r.id end
  end
  if #drop == 0 then return placed end
  local core = require('stance.core')
  if placed.store == layer.file.store then placed.store = core.read(placed.store:write()) end
  for _, id in ipairs(drop) do
    placed.store:remove(id)
  end
  placed.rejected = #drop
  return placed
end

return M
