-- `stance agree --unit span`: αU over the documents every counted annotator counts on (one
-- who only began documents is left out of it), and a line saying over what, and whom and
-- what it left out, or why it is "-" (tryout 14 F9). On the study of ../shared.
local T = require('helpers')
local json = require('stance.json')

describe('αU with an annotator who has only begun', function()
  after_each(T.cleanup)

  --- The study's articles; ana and ben done on the first with the same two annotations, cy
  --- in progress there with one; nil when ../shared is absent.
  local function corpus()
    local d = require('helpers.study').corpus()
    if not d then return nil end
    local c = assert(require('stance').open(d))
    local paths = c:paths()
    table.sort(paths)
    local doc = assert(c:document(paths[1]))
    local s = doc:sentences()
    for _, who in ipairs({ 'ana', 'ben', 'cy' }) do
      assert(doc:annotate({ start = s[3].start, stop = s[3].stop, label = 'engagement-favor', role = 'claim',
        annotator = who }))
      if who ~= 'cy' then
        assert(doc:annotate({ start = s[5].start, stop = s[5].stop, label = 'sanctions-against', role = 'premise',
          annotator = who }))
      end
    end
    assert(doc:set_status('done', 'ana'))
    assert(doc:set_status('done', 'ben'))
    assert(doc:set_status('in-progress', 'cy'))
    assert(c:save())
    return d, paths
  end

  local function agree(d, extra)
    local out, err, code = T.run(('cd %s && STANCE_WATCH=off %s agree --unit span --field stance %s'):format(T.q(d),
      T.q(T.stance), extra or ''))
    assert.are.equal(0, code, err)
    return out
  end

  it('counts αU over the documents the annotators who finished one share, and says who it left out', function()
    local d = corpus()
    if not d then return pending('../shared is absent') end
    local out = agree(d)
    -- cy finished nothing: left out of αU, which is that of ana and ben
    assert.truthy(out:find('engagement favor%s+1%.000'), out)
    local flat = out:gsub('\n  ', ' ')
    assert.truthy(flat:find('alphaU over the 1 document(s) every annotator counted marked done (ana, ben); cy left '
      .. 'out of alphaU: no document done with the others', 1, true), flat)
    local named = agree(d, '--annotators ana,ben')
    assert.are.equal(named:match('\n(engagement favor[^\n]*)'), out:match('\n(engagement favor[^\n]*)'))
    assert.falsy(named:find('left out of alphaU', 1, true), named)
    local r = json.decode(agree(d, '--json'))
    assert.are.same({ 'ana', 'ben' }, r.alpha_u.annotators)
    assert.are.same({ 'cy' }, r.alpha_u.left_out_annotators)
  end)

  it('says why αU is "-": which documents lack whom', function()
    local d, paths = corpus()
    if not d then return pending('../shared is absent') end
    -- cy finishes the second document with ana: now cy counts, and no document has all three
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(paths[2]))
    local s = doc:sentences()
    for _, who in ipairs({ 'ana', 'cy' }) do
      assert(doc:annotate({ start = s[2].start, stop = s[2].stop, label = 'engagement-favor', role = 'claim',
        annotator = who }))
      assert(doc:set_status('done', who))
    end
    assert(c:save())
    local out = agree(d):gsub('\n  ', ' ')
    assert.truthy(out:find('engagement favor%s+%-%s'), out)
    assert.truthy(out:find(('alphaU -: it needs documents every annotator counted marked done (ana, ben, cy), and '
      .. 'none is; not over %s (cy in progress); %s (ben not started)'):format(paths[1], paths[2]), 1, true), out)
  end)
end)
