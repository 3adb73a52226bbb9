--- Whether a document's gold, marked done, still decides everything: an annotator's layer
--- changed after the curation (a correction, a new annotation) opens places gold has not
--- decided, while the model, `stance eval` and `stance report` go on counting the document
--- from gold as it is. `stance check`, `stance report` and `:Stance progress` say so (the
--- curation panel then decides them, see stance.curation's gold_status). No Neovim here.
local M = {}

---@class stance.StaleGold
---@field path string the document
---@field undecided integer places left to decide: disputed ones not decided, agreed ones not in gold
---@field names string[] the annotators compared (those the curation compared, when they still have a layer)

--- Whether gold of document `rel` is marked done with places left to decide; nil when it is
--- not done, decides everything, or cannot be compared (fewer than two annotators, a layer
--- file with errors: said by `stance check` as errors of their own).
---@param corpus stance.Corpus
---@param rel string
---@return stance.StaleGold|nil
function M.of(corpus, rel)
  local C = require('stance.curation')
  local doc = corpus:document(rel)
  if not doc then return nil end
  local gold = doc:layer(C.GOLD)
  if not gold or gold:status() ~= 'done' then return nil end
  local state = require('stance.curation_state').load(corpus, rel)
  -- the people the curation compared, those of them who still have a layer on it
  local names
  if state and type(state.annotators) == 'table' then
    local have = {}
    for _, n in ipairs(doc:annotators()) do
      have[n] = true
    end
    names = {}
    for _, n in ipairs(state.annotators) do
      if type(n) == 'string' and have[n] then names[#names + 1] = n end
    end
    if #names < 2 then names = nil end
  end
  local cur = C.open(corpus, rel, names)
  if not cur then return nil end
  local c = cur:counts()
  if c.done then return nil end
  return { path = rel, undecided = (c.disputed - c.resolved) + c.pending, names = cur.names }
end

--- What a stale gold is, in words (after "gold of DOC "): the places left, why, what counts
--- meanwhile, and what to do.
---@param s stance.StaleGold
---@return string
function M.said(s)
  return ('is marked done, but %d place(s) are undecided: a layer of %s changed after the curation; the model,'
    .. ' stance eval and stance report count %s from gold without them until :Stance curate decides them'):format(
    s.undecided, table.concat(s.names, ', '), s.path)
end

return M
