-- The editor's save that merges a layer changed on disk (a pull while it was open) keeps what
-- the file holds besides records: comments before `format`, inside `document` and after the
-- last record, the document's unknown attributes; a pull that changed the layer's `annotator`
-- keeps yours and says so (doc/format.md 2, 4.6, 8.2). On the study's schema.
local T = require('helpers')
local study = require('helpers.study')
local need = study.each()

--- What a pull does to the session's file: `change(text)` of what it holds, renamed over it.
local function pull(s, change)
  local text = change(assert(T.read(s.path)))
  T.write(s.path .. '.pull', text)
  assert(os.rename(s.path .. '.pull', s.path))
end

local function annotate(s, sentence)
  local ss = study.sentences(s)
  assert(require('stance.editor.ops').create(s, { { ss[sentence][1], ss[sentence][2] } },
    { label = 'engagement-favor', role = 'claim' }))
end

describe("the editor's merge on save", function()
  it('keeps the comments and unknown attributes a pull brought, and says an annotator changed', function()
    local d = need()
    if not d then return end
    local s = study.open(d)
    annotate(s, 2)
    assert(require('stance.editor.persist').save(s))
    -- a pull brings comments and an attribute of a collaborator; a change here not saved yet
    pull(s, function(text)
      return '# reviewed by zoe\n' .. text:gsub('\n  annotator ana\n', '\n  annotator ana\n  reviewer zoe\n  # inside\n')
        .. '\n# end note\n'
    end)
    annotate(s, 4)
    assert(require('stance.editor.persist').save(s))
    local out = T.read(s.path)
    assert.truthy(out:find('^# reviewed by zoe\nformat stance 1\n'), out)
    assert.truthy(out:find('\n  reviewer zoe\n  # inside\n', 1, true), out)
    assert.truthy(out:find('\n# end note\n$'), out)
    assert.are.equal(2, study.on_disk(s):count('annotation'))
    -- a pull that says the layer is someone else's: yours kept, theirs' as a comment, said
    pull(s, function(text) return (text:gsub('\n  annotator ana\n', '\n  annotator eve\n')) end)
    annotate(s, 6)
    local notify, said = require('stance.notify'), {}
    local line = notify.line
    notify.line = function(msg, ...)
      said[#said + 1] = msg
      return line(msg, ...)
    end
    local ok, err = pcall(function() assert(require('stance.editor.persist').save(s)) end)
    notify.line = line
    assert(ok, err)
    out = T.read(s.path)
    assert.truthy(out:find('\n  annotator ana\n', 1, true), out)
    assert.truthy(out:find('\n  # conflict theirs: annotator "eve"\n', 1, true), out)
    assert.truthy(out:find('\n# end note\n$'), out)
    said = table.concat(said, '\n')
    assert.truthy(said:find('1 conflict(s), `annotator` of the document record: yours kept', 1, true), said)
    assert.falsy(said:find('both versions kept', 1, true), said)
  end)
end)
