-- The editor's figures, measured in a Neovim with a real screen (tests/bench/run starts it
-- in tmux): opening a document with its annotations against a plain open, the time the
-- plugin spends per redraw and per page scroll, and creating one annotation from the
-- operator to the file written. On a generated 10 MB document with 100k annotations, and on
-- the sample corpus. Writes its lines to $STANCE_BENCH_OUT, then quits.
local uv = vim.uv or vim.loop
local out = assert(io.open(assert(os.getenv('STANCE_BENCH_OUT')), 'w'))
local dir = assert(os.getenv('STANCE_BENCH_DIR'))
local root = assert(os.getenv('STANCE_ROOT'))
local core = require('stance.core')
local report = require('bench.report')
-- the figures of each Neovim under their own section ("editor nvim-0.11.6": tests/bench/run
-- runs this on each version of the matrix); the version it names is the one running
local nvim_v = vim.version()
local version = ('%d.%d.%d'):format(nvim_v.major, nvim_v.minor, nvim_v.patch)
local section = os.getenv('STANCE_BENCH_SECTION') or ('editor nvim-' .. version)
assert(section == 'editor' or section:sub(1, #('editor nvim-' .. version)) == 'editor nvim-' .. version,
  ('run as %s, but this is Neovim %s (%s)'):format(section, version, vim.v.progpath))
report.section(section)
report.output(function(line)
  out:write(line)
  out:flush()
end)
local one = report.one_core()
local on_one = one and ' on one core' or ''

local function say(fmt, ...) report.say(fmt, ...) end

local function ms(t0) return (uv.hrtime() - t0) / 1e6 end

-- The CPU time (user and system, every thread) this Neovim has used, in ms: beside the wall
-- time of what is measured, a figure that the load of a shared machine does not inflate (on
-- a busy machine a wall time is mostly waiting for a core).
local function cpu_ms()
  local r = uv.getrusage()
  return (r.utime.sec + r.stime.sec) * 1e3 + (r.utime.usec + r.stime.usec) / 1e3
end

-- "CPU a / b = r x": the medians of the CPU times of ours and of the peer (ms), as a note
local function cpu_note(ours, peer)
  local function med(t)
    local c = {}
    for i, v in ipairs(t) do c[i] = v end
    table.sort(c)
    return c[math.floor((#c + 1) / 2)]
  end
  local a, b = med(ours), med(peer)
  return ('CPU %s / %s = %.2fx'):format(report.time(a / 1e3), report.time(b / 1e3), a / b)
end

local function median(t)
  table.sort(t)
  return t[math.floor((#t + 1) / 2)]
end

local function sh(cmd) assert(os.execute(cmd)) end

-- ---- the generated document -------------------------------------------------------------

local WORDS = { 'the', 'policy', 'sanctions', 'talks', 'regime', 'must', 'should', 'never', 'engagement',
  'pressure', 'Pyongyang', 'Washington', 'human', 'rights', 'nuclear', 'weapons', 'deal', 'failed',
  'clearly', 'perhaps', 'economic', 'diplomatic', 'summit', 'envoy', 'treaty', 'allies', 'Seoul', 'Beijing',
  'missile', 'tests', 'dialogue', 'café', 'naïve', 'régime' }

local function generate(path, target_bytes, seed)
  local rnd = seed
  local function rand(n)
    rnd = (rnd * 1103515245 + 12345) % 2147483648
    return rnd % n + 1
  end
  local parts, size, sentences = {}, 0, {}
  while size < target_bytes do
    local para = {}
    for _ = 1, 3 + rand(5) do
      local w = {}
      for i = 1, 8 + rand(14) do
        w[i] = WORDS[rand(#WORDS)]
      end
      w[1] = w[1]:sub(1, 1):upper() .. w[1]:sub(2)
      para[#para + 1] = table.concat(w, ' ') .. '.'
    end
    -- lines of at most ~100 bytes, as articles are wrapped
    local text = table.concat(para, ' ')
    local lines, line = {}, ''
    for word in text:gmatch('%S+') do
      if #line + #word + 1 > 100 then
        lines[#lines + 1] = line
        line = word
      else
        line = line == '' and word or (line .. ' ' .. word)
      end
    end
    lines[#lines + 1] = line
    local chunk = table.concat(lines, '\n') .. '\n\n'
    -- sentence spans (bytes) within this chunk, for the annotations
    local pos = 1
    while true do
      local a, b = chunk:find('[A-Z][^.]*%.', pos)
      if not a then break end
      sentences[#sentences + 1] = { size + a - 1, size + b }
      pos = b + 1
    end
    parts[#parts + 1] = chunk
    size = size + #chunk
  end
  local text = table.concat(parts)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
  return text, sentences
end

local function annotate_file(text, sentences, n, path, rel)
  local model = core.text(text)
  local store = core.store()
  store:set_header('document', rel)
  store:set_header('annotator', 'bench')
  store:set_header('hash', 'sha256:' .. core.sha256(text))
  local labels = { { 'favor', 'favor', 'engagement' }, { 'against', 'against', 'sanctions' },
    { 'neutral', 'neutral', 'human-rights' }, { 'premise' }, { 'claim', 'favor', 'denuclearization' } }
  local step = #sentences / n
  for i = 1, n do
    local sp = sentences[math.floor((i - 1) * step) + 1]
    local a, b = sp[1], sp[2]
    if i % 7 == 0 then -- some are parts of sentences (cut between characters)
      b = a + math.floor((b - a) / 2)
      while b > a + 1 and text:byte(b + 1) and text:byte(b + 1) >= 0x80 and text:byte(b + 1) < 0xC0 do
        b = b - 1
      end
    end
    local l = labels[i % #labels + 1]
    local ca, cb = model:byte_to_cp(a), model:byte_to_cp(b)
    assert(store:add({
      kind = 'annotation', id = ('b%07d'):format(i), spans = { { ca, cb } }, label = l[1], stance = l[2],
      role = l[1] == 'premise' and 'premise' or (l[1] == 'claim' and 'claim' or nil), target = l[3],
      quote = text:sub(a + 1, b),
      prefix = text:sub(math.max(1, a - 31), a), suffix = text:sub(b + 1, b + 32),
      created = '2026-11-22T10:00:00Z',
    }))
  end
  sh(('mkdir -p %q'):format(path:match('^(.*)/')))
  local f = assert(io.open(path, 'wb'))
  f:write(store:write())
  f:close()
end

-- ---- measuring ----------------------------------------------------------------------------

-- Time spent in the plugin's decoration provider, wrapped around its callbacks.
local spent, spent_hooked = 0, false
local render = require('stance.editor.render')
local function instrument()
  if spent_hooked then return end
  spent_hooked = true
  local ns = render.ns
  -- the provider is set once at the first attach: set it again around the same functions
  local i = 1
  local on_win, on_line
  while true do
    local name, value = debug.getupvalue(render.attach, i)
    if not name then break end
    if name == 'on_win' then on_win = value end
    if name == 'on_line' then on_line = value end
    i = i + 1
  end
  assert(on_win and on_line)
  vim.api.nvim_set_decoration_provider(ns, {
    on_win = function(...)
      local t0 = uv.hrtime()
      local r = on_win(...)
      spent = spent + (uv.hrtime() - t0)
      return r
    end,
    on_line = function(...)
      local t0 = uv.hrtime()
      on_line(...)
      spent = spent + (uv.hrtime() - t0)
    end,
  })
end

-- An open and its first screen: wall time and CPU time, in ms.
local function open_ms(path)
  vim.cmd('silent! %bwipeout!')
  collectgarbage()
  local c0, t0 = cpu_ms(), uv.hrtime()
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  vim.cmd('redraw')
  return ms(t0), cpu_ms() - c0
end

-- Neovim's own full redraw of the same screen (the plugin's provider off), the peer of the
-- time the plugin spends in a redraw.
local function nvim_redraw_seconds()
  local render_ns = render.ns
  local t = {}
  for i = 1, 20 do
    vim.api.nvim_set_decoration_provider(render_ns, {})
    local t0 = uv.hrtime()
    vim.cmd('redraw!')
    t[i] = ms(t0) / 1e3
    spent_hooked = false
    instrument()
  end
  return median(t)
end

local function redraw_figures(label)
  -- full redraws at 20 places, and page scrolls (<C-f>) from each
  local lines = vim.api.nvim_buf_line_count(0)
  local full, scroll = {}, {}
  local peer = nvim_redraw_seconds()
  for i = 1, 20 do
    vim.api.nvim_win_set_cursor(0, { math.max(1, math.floor(lines * (i - 0.5) / 20)), 0 })
    vim.cmd('normal! zt')
    spent = 0
    vim.cmd('redraw!')
    full[#full + 1] = spent / 1e9
    spent = 0
    vim.cmd('execute "normal! \\<C-f>"')
    vim.cmd('redraw')
    scroll[#scroll + 1] = spent / 1e9
  end
  local unpack_ = table.unpack or unpack -- luacheck: ignore
  local maxf, maxs = math.max(unpack_(full)), math.max(unpack_(scroll))
  report.figure({ name = label .. ': the plugin in a full redraw', time = median(full),
    peer = "Neovim's own full redraw", peer_time = peer, target = '<= 1 ms', note = 'max ' .. report.time(maxf) })
  report.figure({ name = label .. ': the plugin in a page scroll', time = median(scroll),
    peer = "Neovim's own full redraw", peer_time = peer, target = '<= 1 ms', note = 'max ' .. report.time(maxs) })
end

-- Words to put the cursor on (row, col): every ninth word of the document's first 400 rows,
-- the same places in the annotated document and in its plain copy.
local function word_spots()
  local spots = {}
  for r, l in ipairs(vim.api.nvim_buf_get_lines(0, 0, 400, false)) do
    for c in l:gmatch('()[%a][%w]*') do
      if c % 9 == 0 or #spots < 3 then spots[#spots + 1] = { r, c - 1 } end
    end
  end
  return spots
end

-- Creating one annotation, as two figures: drawn (the keys `gsiwp`, a word labelled premise,
-- then the screen update that shows it) next to Neovim's own reaction to a comparable edit
-- (`gUiw`, an operator over the same word, then its screen update) in the plain copy; and
-- written (the save of the one new record: appended with one fdatasync, on disk at once,
-- wherever it comes; these words are spread over the document, so most come before others,
-- and the file is then written whole in the canonical order when the editor is idle, off the
-- user's path: measured once after the loop, as a third figure) next to Neovim's `:w`
-- of the document with 'fsync'. They were one figure next to `:w` before: the disk's latency
-- weighed on both sides then, and a slow disk made the plugin's own work look free. Each
-- `:w` follows a save (`writes` of them, spread over the `n` creates): on a shared disk a
-- flush takes from a fraction of a millisecond to several, and the seven `:w` made after all
-- the creates, as before, met another moment of the disk than the saves did.
-- Why `gUiw` (reviewed in session 8, kept): it is the user action closest to ours, an
-- operator over the same text object of the same word, answered by the same one-row screen
-- update, measured in the same run on a plain copy of the same document; both sides do work
-- that does not grow with the document. Our action has one key more (the label: typed ahead
-- here, as the bench feeds all keys at once, so no question is drawn), and that key's work
-- (checking the fields, the record, its undo step, its sign) is what this figure is about,
-- not something a peer should hide. Native actions with a key after the operator (`r`, `f`)
-- do less (no operator, no motion); a command-line edit (`:s`) is not a key.
local function create_figures(label, plain, n, writes)
  local s = require('stance.editor.session').get()
  local persist = require('stance.editor.persist')
  local spots = word_spots()
  local op, save, edit, peer, op_cpu, peer_cpu = {}, {}, {}, {}, {}, {}
  local pair = {} -- each save over the :w after it
  -- the peer in a copy outside the corpus, open beside the document (hidden when the other
  -- is shown): each create is measured next to a gUiw on the same word, in turn, so that a
  -- moment of load falls on both sides alike (measured in two runs one after the other, the
  -- peer alone moved by half from run to run)
  local buf = vim.api.nvim_get_current_buf()
  local hidden = vim.o.hidden
  vim.o.hidden = true
  vim.cmd('edit ' .. vim.fn.fnameescape(plain))
  local plain_buf = vim.api.nvim_get_current_buf()
  vim.cmd('buffer ' .. buf)
  -- (the cursor is put on the word, and the screen updated, before the time starts: the
  -- window scrolls to most of these words, and that screen update, the plugin's part a full
  -- redraw of a dense page, was most of what this figure measured, and its noise; then the
  -- loop turns once, as it does between two keys a person types: what that screen update
  -- scheduled after it (the signs of the rows it planned, the statuslines) is done before
  -- the keys, where this script, one chunk of Lua, left it pending until it ended)
  for i = 1, n do
    local spot = spots[(i * 7) % #spots + 1]
    -- ours: the keys `gsiwp` (a word, label premise: one key), then the screen update
    vim.cmd('buffer ' .. buf)
    vim.api.nvim_win_set_cursor(0, spot)
    vim.cmd('redraw')
    vim.wait(0)
    local c0, t0 = cpu_ms(), uv.hrtime()
    vim.api.nvim_feedkeys('gsiwp', 'xt', false)
    vim.cmd('redraw')
    op[#op + 1] = ms(t0) / 1e3
    op_cpu[#op_cpu + 1] = cpu_ms() - c0
    t0 = uv.hrtime()
    assert(persist.save(s))
    save[#save + 1] = ms(t0) / 1e3
    -- the peer: the same word changed by an operator and drawn (undone after)
    vim.cmd('buffer ' .. plain_buf)
    vim.api.nvim_win_set_cursor(0, spot)
    vim.cmd('redraw')
    vim.wait(0)
    c0, t0 = cpu_ms(), uv.hrtime()
    vim.api.nvim_feedkeys('gUiw', 'xt', false)
    vim.cmd('redraw')
    peer[#peer + 1] = ms(t0) / 1e3
    peer_cpu[#peer_cpu + 1] = cpu_ms() - c0
    vim.cmd('silent undo')
    -- the document written with 'fsync', as a durable :w does, after this save
    if math.floor(i * writes / n) > math.floor((i - 1) * writes / n) then
      local fsync = vim.o.fsync
      vim.o.fsync = true
      t0 = uv.hrtime()
      vim.cmd('silent write!')
      edit[#edit + 1] = ms(t0) / 1e3
      pair[#pair + 1] = save[#save] / edit[#edit]
      vim.o.fsync = fsync
    end
  end
  local made = #s.store:records('annotation')
  vim.cmd('buffer ' .. buf)
  -- the whole write that puts the file in order, once, as the idle moment does it
  local tidy = require('stance.editor.tidy')
  local pending = tidy.pending(s)
  local t_idle = uv.hrtime()
  local idle, idle_note
  if pending and tidy.start(s) then
    -- on the worker, as the idle moment does it (session 20): the main thread's part is the
    -- figure, the job's whole time said beside it
    assert(vim.wait(300000, function() return s.tidy_job == nil end, 1))
    local wall = ms(t_idle) / 1e3
    idle = (s.tidy_ms.start + s.tidy_ms.arrived) / 1e3
    idle_note = ('on the worker (%s; %s from start to end), the figure its start and end on the main thread')
      :format(tostring(s.tidy_outcome), report.time(wall))
    assert(tidy.now(s)) -- (anything left: nothing when written)
  else
    assert(tidy.now(s))
    idle = ms(t_idle) / 1e3
    idle_note = pending and 'written whole on the main thread' or 'nothing pending'
  end
  vim.cmd('bwipeout! ' .. plain_buf)
  vim.o.hidden = hidden
  -- the middle half of each side's times (first quartile to third), beside the medians
  local function spread(t)
    local c = {}
    for i, v in ipairs(t) do c[i] = v end
    table.sort(c)
    local q = function(f) return c[math.max(1, math.floor(f * (#c - 1) + 1.5))] end
    return report.time(q(0.25)) .. '-' .. report.time(q(0.75))
  end
  local spreads = ('ours %s, gUiw %s'):format(spread(op), spread(peer))
  local o, w = median(op), median(save)
  report.figure({ name = label .. ': create one annotation, drawn (keys to screen)', time = o,
    peer = "Neovim's gUiw on the same word, drawn", peer_time = median(peer), target = '<= 10x',
    note = ('median of %d, each next to its peer; quartiles %s; %d annotations after; %s'):format(n, spreads, made,
      cpu_note(op_cpu, peer_cpu)) })
  report.figure({ name = label .. ': create one annotation, written (appended, fdatasync)', time = w,
    peer = ":w of the document (with 'fsync')", peer_time = median(edit), target = '<= 1x',
    note = ('median of %d saves, and of %d :w, each after a save; quartiles ours %s, :w %s; '
      .. 'each save over the :w after it: median %.2fx'):format(#save, #edit, spread(save), spread(edit), median(pair)) })
  report.figure({ name = label .. ': the file put in canonical order when idle (one whole write)', time = idle,
    peer = ":w of the document (with 'fsync')", peer_time = median(edit),
    note = ('once, about 2 s after the last change, off the keys; %s'):format(idle_note) })
  return o, w
end

-- Suggestions on every sentence of a second 10 MB document nobody annotated: the model
-- learns from the first one's 100k annotations and predicts on the worker; then the time
-- the plugin spends per redraw with the ghost spans and labels drawn.
local function suggestion_figures(doc, plain_doc)
  local plain = open_ms(plain_doc) / 1e3
  vim.cmd('silent! %bwipeout!')
  vim.cmd('edit ' .. vim.fn.fnameescape(doc))
  local s = assert(require('stance.editor.session').get(), 'not attached: ' .. doc)
  local notify = require('stance.notify')
  local said, error_ = nil, notify.error
  notify.error = function(msg, ...)
    said = msg
    return error_(msg, ...)
  end
  local t0 = uv.hrtime()
  require('stance.editor.suggest').run(nil, 0, { quiet = true })
  local main_ms = ms(t0)
  assert(s.suggest_job, 'suggestions not started')
  assert(vim.wait(120000, function() return s.suggest_job == nil end, 1), 'suggestions: no result')
  local job_ms = ms(t0)
  notify.error = error_
  assert(#(s.predictions or {}) > 0, 'no suggestion: ' .. tostring(said))
  say('   suggestions: learnt from %d annotations, %d sentences of a second 10 MB document predicted in %.0f ms '
    .. '(worker threads), %d suggestions shown', core.read(require('stance.fs').read(
      s.corpus.root .. '/.stance/annotations/bench/big.txt.stance')):count('annotation'), #s.predictions, job_ms,
    #(s.suggestions or {}))
  report.figure({ name = 'suggestions for a 10 MB document: the main thread', time = main_ms / 1e3,
    peer = 'a plain open of the document', peer_time = plain, target = '<= 1x',
    note = ('the worker learns and predicts in %s'):format(report.time(job_ms / 1e3)) })
  -- the first screen update after the result (the plugin's part), then the figures once the
  -- garbage the result left was collected while idle (stance.editor.idle_collect), as it is
  -- when the annotator looks at the suggestions
  instrument()
  spent = 0
  vim.cmd('redraw!')
  local first = spent / 1e9
  t0 = uv.hrtime()
  assert(vim.wait(120000, function() return not require('stance.editor.idle_collect').running() end, 5),
    'the collection while idle did not end')
  say('   the plugin in the first full redraw after the result: %s; the garbage it left collected while idle in %s',
    report.time(first), report.time(ms(t0) / 1e3))
  redraw_figures('with every sentence of a 10 MB document predicted')
end

local function bench(label, doc, plain, opts)
  opts = opts or {}
  -- open: plain copy outside any corpus, then the document with its annotations, first
  -- reading the annotation file (cold: no cache), then from the cache the editor writes
  -- when idle (warm: every later open); the two kinds alternate, so that what is left of the
  -- sections before (a big heap, caches and traces of other work) weighs on both alike
  local cache = require('stance.editor.cache')
  local session = require('stance.editor.session')
  -- a short article opens in about a millisecond, where a busy machine's noise is as large as
  -- what is measured: more opens, each next to a plain open (the peer of both figures)
  local opens = opts.opens or 5
  local plain_t, cold_t, warm_t, plain_c, cold_c, warm_c = {}, {}, {}, {}, {}, {}
  local s
  for _ = 1, opens do
    plain_t[#plain_t + 1], plain_c[#plain_c + 1] = open_ms(plain)
    local t, c = open_ms(doc)
    s = assert(session.get(), 'not attached: ' .. doc)
    assert(not s.file.cached, 'read from the annotation file')
    cold_t[#cold_t + 1], cold_c[#cold_c + 1] = t, c
    assert(cache.write(s), 'cache written')
    if opts.opens then plain_t[#plain_t + 1], plain_c[#plain_c + 1] = open_ms(plain) end
    t, c = open_ms(doc)
    s = session.get()
    assert(s.file.cached, 'opened from the cache')
    warm_t[#warm_t + 1], warm_c[#warm_c + 1] = t, c
    os.remove(cache.path(s, s.annotator))
  end
  instrument()
  local unpack_ = table.unpack or unpack -- luacheck: ignore
  local p, a, w = median(plain_t) / 1e3, median(cold_t) / 1e3, median(warm_t) / 1e3
  say('   %s: %d annotations, %.1f MB (median of %d opens each; Lua heap %.1f MB)', label, s.store:count('annotation'),
    vim.api.nvim_buf_get_offset(0, vim.api.nvim_buf_line_count(0)) / 1e6, opens, collectgarbage('count') / 1024)
  local targets = opts.targets or {}
  local function range(t)
    return ('range %s-%s, plain %s-%s'):format(report.time(math.min(unpack_(t)) / 1e3),
      report.time(math.max(unpack_(t)) / 1e3), report.time(math.min(unpack_(plain_t)) / 1e3),
      report.time(math.max(unpack_(plain_t)) / 1e3))
  end
  report.figure({ name = label .. ': open with annotations drawn, from the cache' .. on_one, time = w,
    peer = 'a plain open of the same text', peer_time = p, target = targets.cache,
    note = range(warm_t) .. '; ' .. cpu_note(warm_c, plain_c) })
  report.figure({ name = label .. ': first open with annotations drawn (annotation file only)' .. on_one, time = a,
    peer = 'a plain open of the same text', peer_time = p, target = targets.first,
    note = range(cold_t) .. '; ' .. cpu_note(cold_c, plain_c) })
  if opts.open_only then return end
  redraw_figures(label)
  create_figures(label, plain, opts.creates or 41, opts.writes or 7)
end

-- The same document after a line was inserted at its top (the annotation file not written
-- since): each open finds every annotation again, moved by the line, and draws them. Next
-- to a plain open of the same text, as the opens above. Re-anchoring looks near where each
-- annotation was first (the shift that placed the one before), and searches the whole text
-- once for all the others (see :help stance-reanchor); it once searched the whole text for
-- each, 0.46 ms a search here, and ran out of its work budget (76k left unsearched, 35 s).
local function moved_figure(big, targets)
  local top = big .. '-top'
  sh(('rm -rf %q %q-plain && mkdir -p %q/.stance/annotations/bench %q-plain'):format(top, top, top, top))
  sh(('cp %q %q'):format(big .. '/.stance/schema.stance', top .. '/.stance/schema.stance'))
  sh(('cp %q %q'):format(big .. '/.stance/annotations/bench/big.txt.stance', top .. '/.stance/annotations/bench/'))
  sh(('{ echo %q; cat %q; } > %q'):format('A line inserted at the top after the annotations were made.', big .. '/big.txt',
    top .. '/big.txt'))
  sh(('cp %q %q'):format(top .. '/big.txt', top .. '-plain/big.txt'))
  local session = require('stance.editor.session')
  local notify = require('stance.notify')
  local said, line = nil, notify.line
  notify.line = function(msg) said = msg end -- (its line on the screen, not in the time)
  local plain_t, plain_c, t, c = {}, {}, {}, {}
  local s
  for i = 1, 5 do
    plain_t[i], plain_c[i] = open_ms(top .. '-plain/big.txt')
    t[i], c[i] = open_ms(top .. '/big.txt')
    s = assert(session.get(), 'not attached')
    assert(not s.file.cached, 'read from the annotation file')
  end
  notify.line = line
  local moved = tonumber(tostring(said):match('(%d+) moved') or '0')
  assert(moved == s.store:count('annotation'), ('%d of %d moved: %s'):format(moved, s.store:count('annotation'),
    tostring(said)))
  say('   a line inserted at the top: %s', tostring(said))
  local unpack_ = table.unpack or unpack -- luacheck: ignore
  report.figure({ name = '10 MB document, 100k annotations, a line inserted at the top: open, all found again, drawn' .. on_one,
    time = median(t) / 1e3, peer = 'a plain open of the same text', peer_time = median(plain_t) / 1e3,
    target = targets, note = ('range %s-%s; %s'):format(report.time(math.min(unpack_(t)) / 1e3),
      report.time(math.max(unpack_(t)) / 1e3), cpu_note(c, plain_c)) })
  vim.cmd('silent! %bwipeout!')
end

local ok, err = xpcall(function()
  require('stance').setup({ annotator = 'bench', autosave = { enabled = false } })
  -- the generated document
  local big = dir .. '/editor'
  sh(('rm -rf %q %q-plain && mkdir -p %q/.stance %q-plain'):format(big, big, big, big))
  sh(('cp %q %q/.stance/schema.stance'):format(root .. '/doc/example/shared-corpus/schema.stance', big))
  local t0 = uv.hrtime()
  -- (the generator's text and its 500k sentence spans are dropped once written: kept in this
  -- function's locals, they made every collection before a measured open walk 19 MB of the
  -- bench's own tables, leaving the CPU's caches cold for what is timed)
  local function annotated_document()
    local text, sentences = generate(big .. '/big.txt', 10e6, 42)
    annotate_file(text, sentences, 100000, big .. '/.stance/annotations/bench/big.txt.stance', 'big.txt')
  end
  annotated_document()
  sh(('cp %q %q'):format(big .. '/big.txt', big .. '-plain/big.txt'))
  -- the plugin and its modules from this checkout (first on the runtimepath)
  local plugin = vim.api.nvim_get_runtime_file('plugin/stance.lua', false)[1]
  local module = vim.api.nvim_get_runtime_file('lua/stance/core.lua', false)[1]
  assert(plugin == root .. '/plugin/stance.lua' and module == root .. '/lua/stance/core.lua',
    ('the plugin is not this checkout\'s: %s, %s'):format(tostring(plugin), tostring(module)))
  say('== editor%s (Neovim %s, %s; a real screen in tmux of %dx%d; generated in %.1f s)',
    one and ' (pinned to one core, STANCE_THREADS=1)' or '', version, vim.v.progpath,
    vim.o.columns, vim.o.lines, ms(t0) / 1000)
  bench('10 MB document, 100k annotations', big .. '/big.txt', big .. '-plain/big.txt', { open_only = one,
    targets = one and { cache = '<= 8x', first = '<= 10x' } or { cache = '<= 5x', first = '<= 6x' } })
  moved_figure(big, one and '<= 10x' or '<= 6x') -- the targets of the first open
  if one then return end
  generate(big .. '/big2.txt', 10e6, 7)
  sh(('cp %q %q'):format(big .. '/big2.txt', big .. '-plain/big2.txt'))
  suggestion_figures(big .. '/big2.txt', big .. '-plain/big2.txt')
  -- the sample corpus with the example annotations (else the bundled example corpus)
  local sample = dir .. '/editor-sample'
  -- (../shared as tests/shared.sh finds it: from a linked worktree too)
  local shared = (os.getenv('STANCE_SHARED') or (root .. '/../shared')) .. '/corpus'
  local doc, files, schema = '000_6358a7516b2472dd.txt', shared, root .. '/doc/example/shared-corpus/schema.stance'
  local ann
  if vim.fn.isdirectory(shared) == 1 then
    ann = root .. '/doc/example/shared-corpus/' .. doc .. '.stance'
  else
    doc, files = '01_charge_works.txt', root .. '/doc/example/corpus'
    schema = files .. '/.stance/schema.stance'
    ann = files .. '/.stance/annotations/ana/' .. doc .. '.stance'
  end
  sh(('rm -rf %q %q-plain && mkdir -p %q/.stance/annotations/bench %q-plain'):format(sample, sample, sample, sample))
  sh(('cp %q/*.txt %q/ && cp %q/*.txt %q-plain/'):format(files, sample, files, sample))
  sh(('cp %q %q/.stance/schema.stance'):format(schema, sample))
  -- ana's file, as the bench annotator's own (a file naming another annotator in one's folder is
  -- read-only in the editor: a copy or a move, never written as one's own)
  local f = assert(io.open(ann, 'rb'))
  local text = f:read('*a'):gsub('\n  annotator [^\n]*\n', '\n  annotator bench\n', 1)
  f:close()
  f = assert(io.open(sample .. '/.stance/annotations/bench/' .. doc .. '.stance', 'wb'))
  f:write(text)
  f:close()
  bench('sample article', sample .. '/' .. doc, sample .. '-plain/' .. doc,
    { targets = { cache = '<= 2x', first = '<= 2x' }, opens = 21, creates = 31, writes = 31 })
end, debug.traceback)
if ok then
  say('   (editor section complete)')
else
  say('   FAILED: %s', err)
end
out:close()
vim.cmd('qall!')
