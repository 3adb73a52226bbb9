-- stance report: the page and its figures on the example corpus, the study (../shared) and
-- generated corpora with stances of any name and hostile metadata; then the page as headless
-- Chromium renders it (tests/helpers/browser.py): no console error, nothing fetched, the
-- figures, their cells and axes, no text outside its figure or over another, no overflow.
local T = require('helpers')

local example = T.example_corpus

--- The study on its five articles with the fixture annotations and metadata; with `model`,
--- the last document left to the model (`stance suggest` writes the model layer there).
local function study(model)
  if not T.shared or not T.exists(T.shared .. '/corpus/000_6358a7516b2472dd.txt') then return nil end
  local d = T.tmpdir()
  local fx = T.root .. '/tests/fixtures/study'
  os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s/schema.stance %s/documents.csv '
    .. '%s/.stance/ && cp -r %s/annotations/fixture %s/.stance/annotations/'):format(T.q(d), T.q(T.shared), T.q(d),
    T.q(fx), T.q(fx), T.q(d), T.q(fx), T.q(d)))
  if model then
    os.remove(d .. '/.stance/annotations/fixture/004_e35aa5ebcc029514.txt.stance')
    local _, err, code = T.stance_run({ 'suggest' }, nil, d)
    assert(code == 0, err)
  end
  return d
end

local SKIP_STUDY = 'skipped: ../shared/corpus is not beside the checkout (the study\'s articles are not in the repository)'

--- Whether an XML file is well-formed (python3's parser), and why not.
local function well_formed(path)
  local out = T.run(('python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1]); print(\'ok\')" %s 2>&1')
    :format(T.q(path)))
  return out == 'ok\n', out
end

local function report(d, args, status)
  local argv = { 'report', '--output', d .. '/out' }
  for _, a in ipairs(args or {}) do
    argv[#argv + 1] = a
  end
  local out, err, code = T.stance_run(argv, nil, d)
  assert.are.equal(status or 0, code, err)
  return T.read(d .. '/out/report.html'), out, err
end

describe('stance report', function()
  after_each(T.cleanup)

  it('opens the page with the desktop opener, the path one argument whatever it holds', function()
    local d = example()
    local bin = T.tmpdir()
    -- an xdg-open that records the arguments it was given, one per line
    T.write(bin .. '/xdg-open', '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >"$(dirname "$0")/args"\n')
    T.run('chmod +x ' .. T.q(bin .. '/xdg-open'))
    local out = d .. "/it's $(touch PWNED); x"
    local cmd = ('cd %s && PATH=%s:"$PATH" %s report --open --output %s'):format(T.q(d), T.q(bin), T.q(T.stance), T.q(out))
    local _, err, code = T.run(cmd)
    assert.are.equal(0, code, err)
    assert.are.equal(out .. '/report.html\n', T.read(bin .. '/args'))
    assert.is_false(T.exists(d .. '/PWNED'))
  end)

  it('writes one self-contained page and an SVG file per figure for the example corpus', function()
    local d = example()
    local page, out, err = report(d)
    assert.are.equal(d .. '/out/report.html\n', out)
    -- ana and ben both annotated 01 and 02: their mean is counted (the 18 annotations in all
    -- said whole, the mean said as one: no fractional count of annotations)
    -- what 10.5 is, in words: the documents of one annotator whole, the mean of the others
    local said = '18 stance annotations in the files read; the figures count 10.5 of them, each document once: 3 from '
      .. 'documents one annotator coded, 7.5 as the mean of the annotators of 2 documents (15 in their files)'
    assert.truthy(err:find('stance report: 4 documents, ' .. said .. '; 5 figures in ', 1, true), err)
    assert.truthy(page:find(said .. ';', 1, true))
    assert.truthy(err:find('\nstance report: counted: each document\'s annotators: ana, ben (the mean where several '
      .. 'annotated a document)\n', 1, true), err)
    for _, id in ipairs({ 'heatmap', 'over-time', 'by-author', 'by-outlet', 'confusion' }) do
      local f = d .. '/out/figures/' .. id .. '.svg'
      assert.truthy(T.exists(f), f)
      local ok, why = well_formed(f)
      assert.is_true(ok, why)
      -- the same figure inline in the page
      assert.truthy(page:find('<svg xmlns="http://www.w3.org/2000/svg" id="' .. id .. '"', 1, true), id)
    end
    -- nothing to fetch, nothing to run
    assert.is_nil(page:find('<script', 1, true))
    assert.is_nil(page:find('src=', 1, true))
    for url in page:gmatch('https?://[^"\'%s<]+') do
      assert.are.equal('http://www.w3.org/2000/svg', url)
    end
    -- the schema's colors, and the agreement of ana and ben with their disagreements
    assert.truthy(page:find('fill="#2e7d32"', 1, true))
    assert.truthy(page:find('fill="#c62828"', 1, true))
    assert.truthy(page:find('<td class="text">It should be reformed, or it should go.</td>', 1, true))
    assert.truthy(page:find('Disagreements (5)', 1, true))
    -- documents in date order: 01 (03-02), 02 (03-09), 04 (03-11), 03 (04-14)
    local heat = T.read(d .. '/out/figures/heatmap.svg')
    local a, b = heat:find('A Charge That Falls', 1, true), heat:find('Letter: Stop Blaming', 1, true)
    local c = heat:find('What the Evidence Says', 1, true)
    assert.truthy(a < b and b < c)
  end)

  it('draws the README\'s figure as committed (make doc draws it again)', function()
    local d = T.tmpdir()
    local _, err, code = T.stance_run({ 'report', '--no-model', '--output', d, T.root .. '/doc/example/corpus' })
    assert.are.equal(0, code, err)
    assert.are.equal(T.read(T.root .. '/doc/figures/example-heatmap.svg'), T.read(d .. '/figures/heatmap.svg'),
      'doc/figures/example-heatmap.svg is stale: run make doc and commit it')
  end)

  it('draws stances of any name, the schema\'s first, each with its own pattern and marker', function()
    local d = T.tmpdir()
    T.write(d .. '/a.txt', 'One sentence here. Another one there. A third.\n')
    T.write(d .. '/b.txt', 'More text. And more.\n')
    T.write(d .. '/.stance/schema.stance', table.concat({ 'format stance 1', 'target t-1', 'target t2',
      'stance pro', '  color #123456', 'stance contra', 'stance meh', 'label pro', '  stance pro', 'label contra',
      '  stance contra', 'label meh', '  stance meh', '' }, '\n'))
    local c = assert(require('stance').open(d))
    local doc = assert(c:document('a.txt'))
    assert(doc:annotate({ start = 0, stop = 18, target = 't-1', stance = 'pro', label = 'pro', annotator = 'x' }))
    assert(doc:annotate({ start = 19, stop = 37, target = 't2', stance = 'contra', label = 'contra', annotator = 'x' }))
    assert(doc:annotate({ start = 38, stop = 46, target = 't2', stance = 'meh', label = 'meh', annotator = 'x' }))
    assert(c:save())
    -- a stance the schema does not have (a checker would warn; the report draws it)
    local f = d .. '/.stance/annotations/x/a.txt.stance'
    T.write(f, T.read(f):gsub('stance meh', 'stance zzz-unknown'))
    local page = report(d)
    local data = require('stance.report.data').collect(assert(require('stance').open(d)))
    assert.are.same({ 'pro', 'contra', 'meh', 'zzz-unknown' }, data.stances)
    assert.are.same({ 't-1', 't2' }, data.targets)
    local _, by = require('stance.report.svg').stances(c:schema(), data.stances)
    assert.are.equal('#123456', by.pro.color)
    assert.are_not.equal(by.contra.color, by.meh.color)
    assert.are_not.equal(by.contra.pattern, by.meh.pattern)
    assert.are_not.equal(by.meh.shape, by['zzz-unknown'].shape)
    assert.truthy(page:find('>zzz-unknown</text>', 1, true))
    assert.truthy(page:find('No document has a date', 1, true))
    assert.truthy(page:find('Agreement needs two annotators', 1, true))
  end)

  it('escapes hostile metadata and text, and groups documents when there are too many rows', function()
    local d = T.tmpdir()
    T.write(d .. '/.stance/schema.stance', 'format stance 1\ntarget t\nstance s1\nstance s2\nlabel s1\n  stance s1\nlabel s2\n'
      .. '  stance s2\n')
    local rows = { 'document,title,author,date' }
    for i = 1, 300 do
      local name = ('d%03d.txt'):format(i)
      T.write(d .. '/' .. name, 'Some words to annotate.\n')
      rows[#rows + 1] = ('%s,"<script>alert(1)</script> ""quoted"" & \n%d","<script>x</script>Auth%d &amp; """"",%d-01-01')
        :format(name, i, i % 7, 1900 + i)
    end
    T.write(d .. '/.stance/documents.csv', table.concat(rows, '\n') .. '\n')
    local c = assert(require('stance').open(d))
    for i = 1, 300, 3 do
      assert(assert(c:document(('d%03d.txt'):format(i))):annotate({ start = 0, stop = 10, target = 't',
        stance = i % 2 == 0 and 's1' or 's2', label = i % 2 == 0 and 's1' or 's2', annotator = 'x' }))
    end
    assert(c:save())
    local page = report(d)
    assert.is_nil(page:find('<script>', 1, true))
    assert.truthy(page:find('&lt;script&gt;x&lt;/script&gt;Auth3 &amp;amp; &quot;', 1, true))
    local heat = T.read(d .. '/out/figures/heatmap.svg')
    local _, n = heat:gsub('class="row%-label"', '')
    assert.are.equal(100, n) -- 300 documents, 3 a row
    assert.truthy(heat:find('documents 1–3', 1, true))
    assert.is_true((well_formed(d .. '/out/figures/heatmap.svg')))
    assert.is_true((well_formed(d .. '/out/figures/by-author.svg')))
    -- over three centuries: by year
    assert.truthy(T.read(d .. '/out/figures/over-time.svg'):find('>1901</text>', 1, true))
  end)

  it('says what it counts: gold where curated, each document\'s coders elsewhere (their mean), and each row\'s status',
    function()
      local d = study()
      if not d then return pending(SKIP_STUDY) end
      -- two coders as git clones merge them: ana did 000-002, ben 002 (reading engagement the
      -- other way) and half of 003; 000 is curated into gold; nobody started 004
      local fx, ann = d .. '/.stance/annotations/fixture/', d .. '/.stance/annotations/'
      local function put(layer, doc, edit)
        os.execute(('mkdir -p %s'):format(T.q(ann .. layer)))
        local text = T.read(fx .. doc .. '.txt.stance'):gsub('annotator fixture', 'annotator ' .. layer)
        T.write(ann .. layer .. '/' .. doc .. '.txt.stance', edit and edit(text) or text)
      end
      local D0, D1, D2, D3 = '000_6358a7516b2472dd', '001_6520dcfa8ca08700', '002_c6bce5e05bd0fd45',
        '003_7e305a588b2246b7'
      put('ana', D0)
      put('ana', D1)
      put('ana', D2)
      put('ben', D2, function(t)
        return (t:gsub('engagement%-favor', 'engagement-against'):gsub('stance favor', 'stance against'))
      end)
      put('ben', D3, function(t) return (t:gsub('\n  status done', '')) end)
      put('gold', D0)
      os.execute(('rm -rf %s'):format(T.q(fx)))
      local c = assert(require('stance').open(d))
      local data = require('stance.report.data').collect(c)
      local by = {}
      for _, doc in ipairs(data.docs) do
        by[doc.path:sub(1, 20)] = doc
      end
      local two = by[D2]
      assert.are.same({ 'ana', 'ben' }, two.source)
      local ana_n = two.by_layer.ana.counts.engagement.favor
      assert.is_true(ana_n > 0)
      -- one document counts once: the two coders' mean, not their sum
      assert.are.same({ favor = ana_n / 2, against = ana_n / 2 }, two.counts.engagement)
      assert.are.equal(two.by_layer.ana.total, two.total)
      assert.are.same({ { 'gold' }, 'done' }, { by[D0].source, by[D0].status })
      assert.are.same({ { 'ben' }, 'in-progress' }, { by[D3].source, by[D3].status })
      assert.are.same({ {}, 'not-started' }, { by['004_e35aa5ebcc029514'].source, by['004_e35aa5ebcc029514'].status })
      assert.are.same({ gold = 1, one = 2, several = 1, ['not-started'] = 1 }, data.sources)
      local page, _, err = report(d)
      assert.truthy(page:find('<title>Stance report of ' .. d:match('[^/]+$') .. ': gold where curated (1 document), '
        .. 'else each document&#39;s annotators: ana, ben (the mean where several annotated a document)', 1, true)
        or page:find('gold where curated (1 document), else each document', 1, true), page:sub(1, 600))
      assert.truthy(page:find('1 from gold, 2 from one annotator, 1 from several annotators (their mean), 1 not started',
        1, true), page:sub(1, 1200))
      assert.truthy(err:find('counted: gold where curated (1 document)', 1, true), err)
      -- whole counts of what the files hold; the mean of ana's and ben's 002 said as a mean
      local read = by[D0].by_layer.gold.total + by[D1].by_layer.ana.total + two.by_layer.ana.total
        + two.by_layer.ben.total + by[D3].by_layer.ben.total
      assert.are.same({ read, 1 }, { data.read, data.averaged })
      local one = by[D1].by_layer.ana.total + by[D3].by_layer.ben.total
      local several = two.by_layer.ana.total + two.by_layer.ben.total
      local said = ('%d stance annotations in the files read; the figures count %.1f of them, each document once: %d '
        .. 'from gold, %d from documents one annotator coded, %.1f as the mean of the annotators of 1 document (%d in '
        .. 'their files)'):format(read, data.annotations, by[D0].by_layer.gold.total, one, several / 2, several)
      assert.truthy(err:find('stance report: 5 documents, ' .. said .. '; ', 1, true), err)
      assert.truthy(page:find(said, 1, true))
      local heat = T.read(d .. '/out/figures/heatmap.svg')
      assert.truthy(heat:find('mean of ana, ben, done', 1, true), heat)
      assert.truthy(heat:find('ben, in progress', 1, true))
      assert.truthy(heat:find('gold, done', 1, true))
      assert.truthy(heat:find('>not started<', 1, true) or heat:find('not started</text>', 1, true))
      assert.truthy(heat:find('class="cell not-started"', 1, true))
      assert.truthy(heat:find('>not started (nothing said yet)</text>', 1, true)) -- in the legend
      assert.is_true((well_formed(d .. '/out/figures/heatmap.svg')))
      -- named coders: theirs, the mean where both annotated, and the title says so
      page = report(d, { '--annotator', 'ana,ben' })
      assert.truthy(page:find('ana, ben (the mean where several annotated a document)', 1, true), page:sub(1, 600))
      assert.is_nil(page:find('gold where curated', 1, true))
      data = require('stance.report.data').collect(c, { annotators = { 'ana', 'ben' } })
      for _, doc in ipairs(data.docs) do
        if doc.path:sub(1, 20) == D0 then assert.are.same({ 'ana' }, doc.source) end
      end
    end)

  it('counts a curation in progress from the annotators, and says which layer file has errors where', function()
    local d = study()
    if not d then return pending(SKIP_STUDY) end
    local ann = d .. '/.stance/annotations/'
    local D1 = '001_6520dcfa8ca08700.txt'
    -- gold opened and left without a decision: in progress, empty
    T.write(ann .. 'gold/' .. D1 .. '.stance', ('format stance 1\n\ndocument "%s"\n  annotator gold\n'
      .. '  status in-progress\n'):format(D1))
    local c = assert(require('stance').open(d))
    local data = require('stance.report.data').collect(c)
    local one
    for _, doc in ipairs(data.docs) do
      if doc.path == D1 then one = doc end
    end
    assert.are.same({ { 'fixture' }, 'done' }, { one.source, one.status })
    assert.is_true(one.total > 0)
    assert.are.equal(0, data.sources.gold)
    -- another annotator's file cut short: said with its line and column, not read as empty
    local text = T.read(ann .. 'fixture/' .. D1 .. '.stance'):gsub('annotator fixture', 'annotator ben')
    T.write(ann .. 'ben/' .. D1 .. '.stance', text:sub(1, 400))
    -- (and its agreement with fixture incomplete: exit status 3)
    local _, _, err = report(d, nil, 3)
    assert.truthy(err:find("stance report: ben's file has 1 error(s), the first at .stance/annotations/ben/" .. D1
      .. '.stance:', 1, true), err)
    assert.truthy(err:find('; left out of ' .. D1 .. ': none of it counted (stance check lists them)\n', 1, true), err)
  end)

  it('counts nothing of a layer file with errors: the figures are those without it, the page says which and where',
    function()
      local d = study()
      if not d then return pending(SKIP_STUDY) end
      local ann = d .. '/.stance/annotations/'
      local B = require('helpers.broken_layers')
      local D = B.DOCS
      -- ben coded three documents as fixture did: each is counted as the mean of the two
      B.copy(d, 'ben', D)
      -- the same corpus without ben's files of the first two documents: the figures it must give
      local ref = B.without(d, { { 'ben', D[1] }, { 'ben', D[2] } })
      -- ben's first cut short in the middle of a quoted note, his second with git's conflict markers
      B.cut_in_note(B.path(d, 'ben', D[1]))
      B.conflict(B.path(d, 'ben', D[2]))
      -- what a partial read of them gives is not what the figures count
      local partial = assert(require('stance.core').read_file(ann .. 'ben/' .. D[1] .. '.stance'))
      local partial_n = require('stance.report.data').add_counts({}, partial:crosstab('target', 'stance',
        'annotation'))
      partial:close()
      assert.is_true(partial_n > 0)
      local want = require('stance.report.data').collect(assert(require('stance').open(ref)))
      local got = require('stance.report.data').collect(assert(require('stance').open(d)))
      for _, k in ipairs({ 'docs', 'targets', 'stances', 'annotations', 'read', 'averaged', 'sources', 'counted',
        'counted_from', 'dated' }) do
        assert.are.same(want[k], got[k], k)
      end
      assert.are.same({}, want.left_out)
      -- named with the first error's file:line:col, as stance agree names it
      local agree = require('stance.json').decode((T.stance_run({ 'agree', '--json' }, nil, d)))
      assert.are.equal(2, #got.left_out)
      for i = 1, 2 do
        local b = got.left_out[i]
        assert.are.same({ 'ben', D[i] }, { b.annotator, b.path })
        assert.truthy(b.where:find('^%.stance/annotations/ben/' .. D[i]:gsub('%p', '%%%0') .. '%.stance:%d+:%d+: '),
          b.where)
        assert.are.same({ annotator = 'ben', path = D[i], where = b.where, errors = b.errors }, agree.incomplete[i])
      end
      assert.truthy(got.left_out[2].where:find('conflict', 1, true), got.left_out[2].where)
      -- the figures of the page are those without the files; the page names them; exit 3
      local page, _, err = report(d, { '--no-model' }, 3)
      report(ref, { '--no-model' })
      for _, id in ipairs({ 'heatmap', 'over-time', 'by-author', 'by-outlet', 'confusion' }) do
        assert.are.equal(T.read(ref .. '/out/figures/' .. id .. '.svg'), T.read(d .. '/out/figures/' .. id .. '.svg'), id)
      end
      local esc = require('stance.report.svg').esc
      assert.truthy(page:find('LEFT OUT: 2 annotation file(s) with errors count in no figure of their document', 1,
        true), page)
      for i = 1, 2 do
        local b = got.left_out[i]
        assert.truthy(page:find(esc(('ben on %s (%d error%s, the first at %s)'):format(D[i], b.errors,
          b.errors == 1 and '' or 's', b.where)), 1, true), b.where)
        assert.truthy(err:find(("stance report: ben's file has %d error(s), the first at %s; left out of %s: none of it "
          .. 'counted'):format(b.errors, b.where, D[i]), 1, true), err)
      end
      -- the reference has no such note
      assert.is_nil(T.read(ref .. '/out/report.html'):find('LEFT OUT', 1, true))
    end)

  it('lists the disagreements per target in the schema\'s order (the study: engagement, sanctions, human-rights)',
    function()
      local d = study()
      if not d then return pending(SKIP_STUDY) end
      -- ben disagrees with the fixture's annotator on three sentences of one document, one per target
      local c = assert(require('stance').open(d))
      local doc = assert(c:document('000_6358a7516b2472dd.txt'))
      local s = doc:sentences()
      for i, label in ipairs({ 'human-rights-against', 'sanctions-favor', 'engagement-against' }) do
        assert(doc:annotate({ start = s[i + 4].start, stop = s[i + 4].stop, label = label, role = 'claim',
          annotator = 'ben' }))
      end
      assert(doc:set_status('done', 'ben'))
      assert(c:save())
      local page = report(d)
      local at = {}
      for _, t in ipairs({ 'engagement', 'sanctions', 'human-rights' }) do
        at[#at + 1] = assert(page:find('<h3>' .. t:gsub('%-', '%%-') .. ': %d+</h3>'), t)
      end
      assert.is_true(at[1] < at[2] and at[2] < at[3])
    end)

  it('has the model\'s held-out scores and calibration curve when the study has a model layer', function()
    local d = study(true)
    if not d then return pending(SKIP_STUDY) end
    local page = report(d)
    assert.truthy(page:find('<section id="model"><h2>The model</h2>', 1, true))
    assert.truthy(T.exists(d .. '/out/figures/calibration.svg'))
    assert.is_true((well_formed(d .. '/out/figures/calibration.svg')))
    for _, t in ipairs({ 'engagement', 'sanctions', 'human-rights', 'denuclearization-first' }) do
      assert.truthy(page:find('<td>' .. t .. '</td><td>model</td>', 1, true), t)
    end
    local without = report(d, { '--no-model' })
    assert.is_nil(without:find('id="model"', 1, true))
  end)
end)

-- ---- in a browser ----------------------------------------------------------------------------

local CHECK = [[
(() => {
  const own = (t) => [...t.childNodes].filter((n) => n.nodeType === 3).map((n) => n.data).join('');
  const figs = [...document.querySelectorAll('svg.figure')];
  const out = { figures: figs.map((f) => f.id), scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth, scripts: document.scripts.length, outside: [], overlaps: [], axes: {},
    cells: {}, texts: {}, width: {} };
  for (const f of figs) {
    const fr = f.getBoundingClientRect();
    out.width[f.id] = fr.right;
    const texts = [...f.querySelectorAll('text')].filter((t) => own(t).trim() !== '');
    const boxes = texts.map((t) => t.getBoundingClientRect());
    out.axes[f.id] = [...f.querySelectorAll('text.axis')].map(own);
    out.texts[f.id] = texts.length;
    out.cells[f.id] = f.querySelectorAll('g.cell, rect.cell').length;
    boxes.forEach((b, i) => {
      if (b.left < fr.left - 1 || b.right > fr.right + 1 || b.top < fr.top - 1 || b.bottom > fr.bottom + 1)
        out.outside.push(f.id + ': ' + own(texts[i]));
      for (let j = i + 1; j < boxes.length; j++) {
        const c = boxes[j];
        const w = Math.min(b.right, c.right) - Math.max(b.left, c.left);
        const h = Math.min(b.bottom, c.bottom) - Math.max(b.top, c.top);
        if (w > 1 && h > 1) out.overlaps.push(f.id + ': "' + own(texts[i]) + '" over "' + own(texts[j]) + '"');
      }
    });
  }
  return out;
})()
]]

--- Render `page` in Chromium: the check's result, and the PNG's width and height.
local function render(page, png)
  local script = png .. '.js'
  T.write(script, CHECK)
  local out = T.run(('python3 %s chromium %s %s %s 2>&1'):format(T.q(T.root .. '/tests/helpers/browser.py'),
    T.q('file://' .. page), T.q(png), T.q(script)))
  local ok, r = pcall(require('stance.json').decode, out)
  assert(ok and r, 'browser.py: ' .. out)
  local head = assert(T.read(png))
  assert.are.equal('\137PNG', head:sub(1, 4))
  local w = head:byte(17) * 16777216 + head:byte(18) * 65536 + head:byte(19) * 256 + head:byte(20)
  local h = head:byte(21) * 16777216 + head:byte(22) * 65536 + head:byte(23) * 256 + head:byte(24)
  return r, w, h
end

local function has(list, value)
  for _, v in ipairs(list or {}) do
    if v == value then return true end
  end
  return false
end

local function chromium_missing()
  if jit then return 'skipped under LuaJIT: the browser test runs once, under Lua 5.4' end
  if T.run('command -v chromium'):match('^%s*$') then
    return 'skipped: no chromium here (make deps installs Debian\'s chromium)'
  end
  if T.run('command -v python3'):match('^%s*$') then return 'skipped: no python3 to drive chromium' end
  return nil
end

describe('stance report in headless Chromium', function()
  after_each(T.cleanup)

  local function common(r, w, h)
    assert.are.same({}, r.errors)
    assert.are.equal(0, r.value.scripts)
    assert.is_true(r.value.scrollWidth <= r.value.innerWidth, 'the page is wider than the window')
    for id, right in pairs(r.value.width) do
      assert.is_true(right <= r.value.innerWidth, id .. ' overflows the page')
    end
    assert.are.same({}, r.value.outside)
    assert.are.same({}, r.value.overlaps)
    assert.are.equal(1100, w)
    assert.is_true(h > 900)
  end

  it('renders the report of the example corpus without errors, as laid out', function()
    local why = chromium_missing()
    if why then return pending(why) end
    local d = example()
    report(d)
    local r, w, h = render(d .. '/out/report.html', d .. '/example.png')
    common(r, w, h)
    local v = r.value
    assert.are.same({ 'heatmap', 'over-time', 'by-author', 'by-outlet', 'confusion' }, v.figures)
    assert.are.equal(4 * 3, v.cells.heatmap) -- documents x targets
    assert.are.equal(4 * 3, v.cells['by-author'])
    for _, t in ipairs({ 'document', 'date · counted from', 'congestion-charge', 'exemptions', 'public-transport' }) do
      assert.is_true(has(v.axes.heatmap, t), t)
    end
    for _, t in ipairs({ '2026-03-02', '2026-04-14', 'annotations' }) do
      assert.is_true(has(v.axes['over-time'], t), t)
    end
    for _, t in ipairs({ 'ana', 'ben', 'favor', 'against', 'no stance' }) do
      assert.is_true(has(v.axes.confusion, t), t)
    end
  end)

  it('renders the report of the study (its fixture annotations and a model layer) without errors', function()
    local why = chromium_missing()
    if why then return pending(why) end
    local d = study(true)
    if not d then return pending(SKIP_STUDY) end
    report(d)
    local r, w, h = render(d .. '/out/report.html', d .. '/study.png')
    common(r, w, h)
    local v = r.value
    assert.are.same({ 'heatmap', 'over-time', 'by-author', 'by-outlet', 'calibration' }, v.figures)
    assert.are.equal(5 * 4, v.cells.heatmap)
    for _, t in ipairs({ 'engagement', 'sanctions', 'human-rights', 'denuclearization-first' }) do
      assert.is_true(has(v.axes.heatmap, t), t)
    end
    assert.is_true(has(v.axes['over-time'], '2018-01'))
    assert.is_true(has(v.axes.calibration, 'annotators gave it'))
    assert.is_true(has(v.axes.calibration, '1.0'))
  end)
end)
