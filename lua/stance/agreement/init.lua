--- Agreement between annotators on a corpus, as `stance agree`, `:Stance agree` and
--- `corpus:agreement()` report it: per field (stance per target, role, label, document
--- stance) and per target, pooled, Cohen's κ of every pair with its confusion matrix, Fleiss'
--- κ, Krippendorff's α, the documents left out and why, and (when asked) every disagreement
--- with its text. How items are built: stance.agreement.items and :help stance-agreement.
--- The report is plain data (JSON as it is, with json.null for "no value"); the same items
--- always give the same report, to the bit.
local M = {}
local H = {}

local json = require('stance.json')
local Items = require('stance.agreement.items')
local C = require('stance.agreement.coefficients')

-- The report, as compute() returns it and `stance agree --json` prints it (json.null is
-- "no value" in `values`, `target` and `value`). A stable API: stance report and scripts
-- read it.

---@class stance.AgreementReport
---@field unit "sentence"|"token"
---@field annotators string[] the layers compared, in order
---@field in_progress "left out"|"counted" documents in progress
---@field not_counted {layer: string, reason: string}[] layers not compared, and why
---@field incomplete {annotator: string, path: string, where: string, errors: integer}[] an annotator's file
--- of a document with errors (where: PATH:LINE:COL: the first): that annotator is left out of that
--- document (not counted as no stance); the figures are then incomplete (`stance agree` exits 3)
---@field documents stance.AgreementDocument[] every document, sorted by path
---@field fields stance.AgreementField[] stance, role, label, document (those reported)

---@class stance.SpanAgreementReport
---@field unit "span"
---@field annotators string[]
---@field in_progress "left out"|"counted"
---@field not_counted {layer: string, reason: string}[]
---@field documents stance.AgreementDocument[] each with `in_alpha_u` (every annotator counts on it)
---@field fields stance.SpanAgreementField[]

---@class stance.SpanAgreementField
---@field field "stance"|"role"|"label"
---@field category string what a category is ("target and stance", "role", "label")
---@field alpha_u number|nil Krippendorff's unitizing αU, all categories
---@field f1_exact number|nil F1 of spans (same start, end, category), mean over the pairs
---@field f1_overlap number|nil F1 of spans (overlapping, same category)
---@field categories {category: string, alpha_u: number|nil, f1_exact: number|nil, f1_overlap: number|nil}[]
---@field not_counted table<string, integer> annotations not counted, by reason

---@class stance.AgreementDocument
---@field path string relative to the corpus's root
---@field status table<string, "done"|"in-progress"|"not-started"> per annotator
---@field counted string[] the annotators counted on it
---@field left_out string|nil why it is left out (fewer than two annotators count on it)
---@field units integer|nil its units, when counted
---@field warnings string[]|nil e.g. an annotator annotated another version of the text
---@field broken {annotator: string, path: string, where: string, errors: integer}[]|nil annotators whose file
--- of this document has errors: left out of it

---@class stance.AgreementField
---@field field "stance"|"role"|"label"|"document"
---@field item string what an item is: "(sentence, target)", "sentence", "(document, target)"
---@field value string what an item's value is, in words
---@field values (string|userdata)[] the categories in the order of every table and matrix; json.null last (no value)
---@field targets stance.AgreementFigures[]|nil per target (stance and document), each with `target`; nil
--- when there is no target (none in the schema, none in the annotations)
---@field pooled stance.AgreementFigures over the items of every target
---@field documents stance.AgreementFigures[] per counted document, each with `path` (no pairs nor categories)
---@field several table<string, integer> per annotator, items with several values (the rule: :help stance-agreement)
---@field not_counted table<string, integer> annotations not counted, by reason
---@field disagreements stance.AgreementDisagreement[]|nil when asked for

---@class stance.AgreementFigures
---@field target string|userdata|nil the target (json.null: none), in `targets`
---@field path string|nil the document, in `documents`
---@field items integer
---@field agreement number|nil percent agreement (pairs of equal values over all pairs)
---@field kappa number|nil Cohen's κ (two annotators only)
---@field fleiss number|nil Fleiss' κ, over `fleiss_items` (the items every annotator rated)
---@field fleiss_items integer
---@field alpha number|nil Krippendorff's α (nominal), over `alpha_items`
---@field alpha_items integer
---@field alpha_observed number
---@field alpha_expected number
---@field pairs stance.AgreementPair[]|nil every pair of annotators (up to `pairs_over` annotators)
---@field pairs_over integer|nil set (to the limit) when there are more annotators than that: no pairs
---@field categories {value: string|userdata, fleiss: number|nil}[]|nil Fleiss' κ of each category

---@class stance.AgreementPair
---@field a string
---@field b string
---@field items integer items both rated
---@field kappa number|nil Cohen's κ
---@field agreement number|nil
---@field expected number|nil
---@field confusion stance.AgreementConfusion

---@class stance.AgreementConfusion
---@field rows string the annotator of the rows (a)
---@field columns string the annotator of the columns (b)
---@field values (string|userdata)[] the categories of rows and columns, in order
---@field counts integer[][] counts[i][j]: items a valued values[i] and b values[j]

---@class stance.AgreementDisagreement
---@field path string
---@field line integer 1-based
---@field col integer 1-based, in bytes
---@field start integer|nil code points (units)
---@field stop integer|nil
---@field text string|nil the unit's text
---@field target string|userdata|nil (stance and document)
---@field values table<string, string|userdata> per annotator who rated it (json.null: no value)

--- What the items of each field are, in words (the report and the help say the same).
M.DESCRIBE = {
  stance = { item = '(%s, target)', value = 'the stance toward the target, or no stance',
    untargeted = { item = '%s', value = 'the stance, or no stance' } },
  role = { item = '%s', value = 'the role, or no role' },
  label = { item = '%s', value = 'the label of annotations without target, stance or role, or no label' },
  document = { item = '(document, target)', value = 'the document\'s stance toward the target, or no stance',
    untargeted = { item = 'document', value = 'the document\'s stance, or no stance' } },
}

--- "No value" in the report: JSON null.
function H.out(v)
  if v == false then return json.null end
  return v
end

--- The figures of a tally: items, percent agreement, Cohen's κ (two annotators; and of
--- every pair, with its confusion matrix), Fleiss' κ with its per-category κ, Krippendorff's α.
function H.figures(t, names, order, with_pairs)
  local m = #names
  local alpha = t:alpha('nominal', order)
  local fl = t:fleiss(order)
  local out = {
    items = t.added, agreement = alpha.agreement,
    alpha = alpha.value, alpha_items = alpha.items, alpha_observed = alpha.observed, alpha_expected = alpha.expected,
    fleiss = fl.value, fleiss_items = fl.items,
  }
  if m == 2 then out.kappa = t:cohen(1, 2).value end
  if with_pairs and not t.pairwise then
    out.pairs_over = C.PAIRS_MAX
  elseif with_pairs then
    out.pairs = json.array()
    for a = 1, m do
      for b = a + 1, m do
        local k = t:cohen(a, b)
        local c = t:confusion(a, b, order)
        local values = json.array()
        for i, v in ipairs(c.keys) do
          values[i] = H.out(v)
        end
        out.pairs[#out.pairs + 1] = {
          a = names[a], b = names[b], items = k.items, kappa = k.value,
          agreement = k.items > 0 and k.observed or nil, expected = k.items > 0 and k.expected or nil,
          confusion = { rows = names[a], columns = names[b], values = values, counts = c.counts },
        }
      end
    end
  end
  if with_pairs then
    out.categories = json.array()
    for i, v in ipairs(fl.keys) do
      out.categories[i] = { value = H.out(v), fleiss = fl.categories[i] or nil }
    end
  end
  return out
end

function H.field_report(f, built, with_disagreements)
  local names = built.annotators
  local order = Items.values(f)
  local groups = Items.groups(f)
  -- no target anywhere (none in the schema, none in the annotations): the items are the
  -- units themselves, and there is no per-target table
  local untargeted = f.per_target and not built.targets_in_schema and (#groups == 0
    or (#groups == 1 and groups[1] == false))
  local d = untargeted and M.DESCRIBE[f.name].untargeted or M.DESCRIBE[f.name]
  local out = {
    field = f.name,
    item = (d.item):format(f.name == 'document' and 'document' or built.unit),
    value = d.value,
    values = json.array(),
    several = f.several,
    not_counted = f.not_counted,
    documents = json.array(),
  }
  for i, v in ipairs(order) do
    out.values[i] = H.out(v)
  end
  if f.per_target and not untargeted then
    out.targets = json.array()
    for _, g in ipairs(groups) do
      local fig = H.figures(f.groups[g].tally, names, order, true)
      fig.target = H.out(g)
      out.targets[#out.targets + 1] = fig
    end
  end
  out.pooled = H.figures(f.pooled, names, order, true)
  for _, doc in ipairs(f.docs) do
    local fig = H.figures(doc.tally, names, order, false)
    fig.path = doc.path
    out.documents[#out.documents + 1] = fig
  end
  if with_disagreements then
    local list = json.array()
    local rank = {}
    for i, g in ipairs(groups) do
      rank[g] = i
    end
    for _, p in ipairs(f.disagreements) do
      local values = {}
      for _, name in ipairs(names) do
        if p.values[name] ~= nil then values[name] = H.out(p.values[name]) end
      end
      list[#list + 1] = { path = p.path, start = p.start, stop = p.stop, line = p.line, col = p.col, text = p.text,
        target = f.per_target and not untargeted and H.out(p.target) or nil, values = values,
        rank = rank[p.target] or 0 }
    end
    table.sort(list, function(x, y)
      if x.path ~= y.path then return x.path < y.path end
      if (x.start or 0) ~= (y.start or 0) then return (x.start or 0) < (y.start or 0) end
      return x.rank < y.rank
    end)
    for _, p in ipairs(list) do
      p.rank = nil
    end
    out.disagreements = list
  end
  return out
end

--- Whether a field goes into the default report: someone gave it a value, or (stance) the
--- schema has stances.
function H.present(f, schema)
  if f.given then return true end
  return f.name == 'stance' and schema ~= nil and #schema.stances > 0
end

--- The schema's targets that list `documents`: { { target, documents = globs } } (nil: none).
function H.scopes(schema)
  local out
  for _, e in ipairs(schema and schema.targets or {}) do
    if e.documents then
      out = out or json.array()
      out[#out + 1] = { target = e.name, documents = json.array(e.documents) }
    end
  end
  return out
end

--- Agreement report for `corpus` (see :help stance-agreement); with `unit = "span"`, the
--- report of stance.agreement.spans.
---@param corpus stance.Corpus
---@param opts stance.AgreementOptions|nil
---@return stance.AgreementReport|nil report

---@return string|nil err
function M.compute(corpus, opts)
  opts = opts or {}
  local unit = opts.unit or 'sentence'
  if unit ~= 'sentence' and unit ~= 'token' and unit ~= 'span' then
    error(("unit should be sentence, token or span, got '%s'"):format(tostring(unit)), 2)
  end
  local asked
  if opts.fields then
    asked = {}
    for _, f in ipairs(opts.fields) do
      local known = false
      for _, k in ipairs(Items.FIELDS) do
        if k == f then known = true end
      end
      if not known then
        error(("field should be one of %s, got '%s'"):format(table.concat(Items.FIELDS, ', '), tostring(f)), 2)
      end
      asked[f] = true
    end
  end
  if unit == 'span' then return require('stance.agreement.spans').compute(corpus, opts, asked) end
  local built, err = Items.build(corpus, opts)
  if not built then return nil, err end
  local report = {
    unit = unit, annotators = built.annotators, in_progress = built.in_progress and 'counted' or 'left out',
    not_counted = json.array(built.not_counted), documents = json.array(), fields = json.array(),
    incomplete = built.incomplete,
  }
  -- the corpus's own unit and the targets' documents, said when not the defaults
  if unit == 'sentence' and corpus:unit() ~= 'sentence' then report.sentence_is = corpus:unit() end
  report.scopes = H.scopes(corpus:schema())
  for _, d in ipairs(built.documents) do
    report.documents[#report.documents + 1] = d
  end
  local schema = corpus:schema()
  for _, name in ipairs(Items.FIELDS) do
    local f = built.fields[name]
    if (asked and asked[name]) or (not asked and H.present(f, schema)) then
      report.fields[#report.fields + 1] = H.field_report(f, built, opts.disagreements)
    end
  end
  return report
end

--- The report as text lines (what `stance agree` prints and `:Stance agree` shows).
---@param report stance.AgreementReport
---@param metrics string[]|nil only these columns
---@return string[]
function M.lines(report, metrics)
  return require('stance.agreement.text').lines(report, metrics)
end

return M
