--- Whether a document's gold, marked done, still decides everything: an annotator's layer
--- changed after the curation (a correction, a new annotation) opens places gold has not
--- decided, while the model, `stance eval` and `stance report` go on counting the document
--- from gold as it is. And whether it is done while an annotator compared is in progress
--- with no curator's word for it (marked so before gold waited for the annotators, or an
--- annotator took their "done" back): what they have not read counts as "no stance".
--- `stance check`, `stance report` and `:Stance progress` say so (the curation panel then
--- decides them, see stance.curation's gold_status). No Neovim here.
local M = {}

---@class stance.StaleGold
---@field path string the document
---@field undecided integer places left to decide: disputed ones not decided, agreed ones not in gold
---@field names string[] the annotators compared (those the curation compared, when they still have a layer)
---@field not_done string[] of them, those in progress on the document, when no curator said gold is done
---@field changed string[]|nil of them, those whose layer differs from the one the curation decided
--- everything with (nil: the curation record does not say: made before it kept them)
---@field conflicts integer|nil places two curators decided differently (merged), open again
---@field unknown string|nil why it cannot be told whether gold is current ("ben's file has errors"):
--- a layer compared cannot be read completely (undecided is 0 then)

--- Whether gold of document `rel` (made by a curation: it has a state file) is marked done with
--- places left to decide, or while an annotator is in progress (no curator's word for it);
--- nil when it is not done, has no curation state, decides
--- everything with its annotators done, or cannot be compared (fewer than two annotators, a layer
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
  local state, _, hash = require('stance.curation_state').load(corpus, rel)
  if not state then return nil end -- (a state file with errors: said by check as an error of its own)
  -- a gold with no curation state (imported, written by a script or by hand, or curated with
  -- nothing disputed) decided nothing here to compare with: only its annotators in progress
  -- are said, not places it does not hold (review15b: such golds made `stance check` fail)
  local decided_here = hash ~= ''
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
  local cur, _, broken = C.open(corpus, rel, names)
  if not cur then
    -- a layer compared with errors: what changed cannot be told, and that is said (before,
    -- nothing was: the warning of a stale gold went silent while ben's file was broken)
    if not broken or not decided_here then return nil end
    local who = {}
    for _, b in ipairs(broken.unreadable or {}) do
      who[#who + 1] = b.name
    end
    if broken.gold then who[#who + 1] = C.GOLD end
    if #who == 0 then return nil end
    return { path = rel, undecided = 0, names = names or doc:annotators(), not_done = {},
      unknown = #who == 1 and ("%s's file has errors"):format(who[1])
        or ('the files of %s have errors'):format(table.concat(who, ', ')) }
  end
  local c = cur:counts()
  local not_done = state.done_by and {} or cur:not_done()
  local undecided = decided_here and (c.disputed - c.resolved) + c.pending or 0
  if undecided == 0 and #not_done == 0 then return nil end
  -- whose layers differ from those everything was decided with (the state's `layers`; a
  -- layer restored to that version is not named); nil when the record does not say
  local changed
  if type(state.layers) == 'table' then
    changed = {}
    for _, n in ipairs(cur.names) do
      local was = state.layers[n]
      if was == nil or was ~= cur:fingerprint(n) then changed[#changed + 1] = n end
    end
  end
  local conflicts = 0
  for _ in pairs(type(state.conflicts) == 'table' and state.conflicts or {}) do
    conflicts = conflicts + 1
  end
  return { path = rel, undecided = undecided, names = cur.names, not_done = not_done, changed = changed,
    conflicts = conflicts > 0 and conflicts or nil }
end

--- What a stale gold is, in words (after "gold of DOC "): the places left, why, what counts
--- meanwhile, and what to do.
---@param s stance.StaleGold
---@return string
function M.said(s)
  if s.unknown then
    return ('is marked done; cannot tell whether it is current: %s (stance check lists them); the model,'
      .. ' stance eval and stance report count %s from gold as it is'):format(s.unknown, s.path)
  end
  if s.undecided == 0 then
    return ('is marked done, but %s not done with %s and no curator said so: what they have not read counts as'
      .. ' "no stance" (the model, stance eval, stance report); in :Stance curate, D confirms it, :Stance done!'
      .. ' sets gold in progress'):format(table.concat(s.not_done, ', '), s.path)
  end
  local why = {}
  if s.changed == nil then
    why[#why + 1] = ('a layer of %s changed after the curation (which, the curation record does not say)'):format(
      table.concat(s.names, ' or '))
  elseif #s.changed > 0 then
    why[#why + 1] = ('a layer of %s changed after the curation'):format(table.concat(s.changed, ', '))
  end
  if s.conflicts then
    why[#why + 1] = ('two curators decided %d of them differently (merged: stance check lists them)'):format(
      s.conflicts)
  end
  if #why == 0 then why[1] = 'gold or the curation record changed after the curation' end
  return ('is marked done, but %d place(s) are undecided: %s; the model, stance eval and stance report count %s'
    .. ' from gold as it is until :Stance curate decides them'):format(s.undecided, table.concat(why, '; '),
    s.path)
end

return M
