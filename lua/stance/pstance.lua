--- P-Stance (Li et al., Findings of ACL 2021: tweets favoring or against Donald Trump, Joe
--- Biden and Bernie Sanders; no third stance), read from its public CSV files into the rows
--- stance.semeval scores (one model per target, F_avg of favor and against). Its files stay
--- out of this repository; the bench reads a folder of them (STANCE_BENCH_PSTANCE). Both hosts.
local M = {}

--- The released files: `train` and `val` are learnt from, `test` is held out.
M.FILES = { train = 'raw_train_all.csv', val = 'raw_val_all.csv', test = 'raw_test_all.csv' }

local STANCES = { FAVOR = true, AGAINST = true, NONE = true }

--- Read one file: a header naming the columns Tweet, Target and Stance (any order, other
--- columns ignored), then one quoted-as-needed record per tweet (RFC 4180).
---@param path string
---@return table[]|nil rows { id, target, text, stance, line } in the file's order
---@return string|nil err "path:line:col: what" for the first problem
function M.read(path)
  local f, ferr = io.open(path, 'rb')
  if not f then return nil, ferr end
  local text = f:read('*a')
  f:close()
  local records, problems = require('stance.csv_reader').parse(text)
  if problems[1] then
    local p = problems[1]
    return nil, ('%s:%d:%d: %s'):format(path, p.line, p.col, p.message)
  end
  local head = records[1]
  if not head then return nil, ('%s:1:1: empty; want a header Tweet,Target,Stance'):format(path) end
  local col = {}
  for i, name in ipairs(head.fields) do
    col[name:lower()] = i
  end
  for _, name in ipairs({ 'tweet', 'target', 'stance' }) do
    if not col[name] then
      return nil, ('%s:%d:1: no column %s in the header; want Tweet, Target, Stance'):format(path, head.line,
        name:gsub('^%l', string.upper))
    end
  end
  local rows = {}
  for i = 2, #records do
    local r = records[i]
    local stance = (r.fields[col.stance] or ''):upper():gsub('^%s+', ''):gsub('%s+$', '')
    if not STANCES[stance] then
      return nil, ("%s:%d:%d: stance '%s'; want FAVOR, AGAINST or NONE"):format(path, r.lines[col.stance] or r.line,
        r.cols[col.stance] or 1, r.fields[col.stance] or '')
    end
    local target = r.fields[col.target] or ''
    if target == '' then return nil, ('%s:%d:%d: no target'):format(path, r.line, r.cols[col.target] or 1) end
    -- a tweet is one line of the model's input: its own line breaks and tabs are spaces
    local tweet = (r.fields[col.tweet] or ''):gsub('[\r\n\t]+', ' ')
    rows[#rows + 1] = { id = tostring(i - 1), target = target, text = tweet, stance = stance, line = r.line }
  end
  return rows
end

--- Read a folder of the released files. With the training file (and the validation file,
--- when present, learnt from too) the split is the official one (`cv` false); with the test
--- file alone, its tweets are all in `train` and `cv` is true: score them by cross-validation.
---@param dir string
---@return table|nil data { train = rows, test = rows|nil, cv = boolean, files = string[] }
---@return string|nil err
function M.load(dir)
  local fs = require('stance.fs')
  local function file(key) return dir .. '/' .. M.FILES[key] end
  local data = { train = {}, files = {} }
  local function add(key, into)
    local rows, err = M.read(file(key))
    if not rows then return err end
    data.files[#data.files + 1] = file(key)
    for _, r in ipairs(rows) do
      into[#into + 1] = r
    end
  end
  if fs.exists(file('train')) then
    for _, key in ipairs({ 'train', 'val' }) do
      if key == 'train' or fs.exists(file(key)) then
        local err = add(key, data.train)
        if err then return nil, err end
      end
    end
    if not fs.exists(file('test')) then return nil, ('%s: no %s (the held-out tweets)'):format(dir, M.FILES.test) end
    data.test = {}
    local err = add('test', data.test)
    if err then return nil, err end
    data.cv = false
  elseif fs.exists(file('test')) then
    local err = add('test', data.train)
    if err then return nil, err end
    data.cv = true
  else
    return nil, ('%s: neither %s nor %s (P-Stance)'):format(dir, M.FILES.train, M.FILES.test)
  end
  return data
end

return M
