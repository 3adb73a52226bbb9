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

--- What the items of each field are, in words (the report and the help say the same).
M.DESCRIBE = {
  stance = { item = '(%s, target)', value = 'the stance toward the target, or no stance' },
  role = { item = '%s', value = 'the role, or no role' },
  label = { item = '%s', value = 'the label of annotations without target, stance or role, or no label' },
  document = { item = '(document, target)', value = 'the document\'s stance toward the target, or no stance' },
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
  if with_pairs then
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
  local d = M.DESCRIBE[f.name]
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
  local groups = Items.groups(f)
  if f.per_target then
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
        target = f.per_target and H.out(p.target) or nil, values = values, rank = rank[p.target] or 0 }
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
  if #f.value_list > 0 then return true end
  return f.name == 'stance' and schema ~= nil and #schema.stances > 0
end

--- Agreement report for `corpus` (see :help stance-agreement).
---@param corpus stance.Corpus
---@param opts stance.AgreementOptions|nil
---@return table|nil report
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
  }
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
---@param report table
---@param metrics string[]|nil only these columns
---@return string[]
function M.lines(report, metrics)
  return require('stance.agreement.text').lines(report, metrics)
end

return M
