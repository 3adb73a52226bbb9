-- Targets scoped to some documents (the schema's `documents`) in the editor, read on the
-- screen (tmux, the study's schema with sanctions judged only in 004_*.txt): in document 000,
-- the label question offers none of the sanctions labels, the target question asked by a
-- general label offers no sanctions, and a command that names it (:Stance annotate, :Stance
-- edit, :Stance doc) is refused on one line. Before, they were offered and accepted: the
-- annotation was made, and only `stance check` said it would not be counted.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

describe('a target scoped to other documents', function()
  after_each(T.cleanup)

  it('is neither offered nor accepted in a document outside its globs', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local schema = T.read(d .. '/.stance/schema.stance')
    schema = schema:gsub('(\ntarget sanctions\n)', '%1  documents "004_*.txt"\n', 1)
    T.write(d .. '/.stance/schema.stance', schema)
    local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 40, ready = 'Doug Bandow',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    tmux.driving_to_quit(nv, function()
      nv:keys(':call search("sensitive")', 'Enter')
      local screen = nv:key('gsis', '1 engagement-favor', 'the label question')
      assert.is_nil(tmux.plain(screen):find('sanctions', 1, true), 'sanctions offered:\n' .. tmux.plain(screen))
      -- a general label asks the target: sanctions is not among them
      screen = nv:key('a', 'target:', 'the target question')
      assert.is_nil(tmux.plain(screen):find('sanctions', 1, true), 'sanctions offered:\n' .. tmux.plain(screen))
      nv:key('e', 'role:', 'the role question')
      nv:key('c', tmux.colored('sensitive'), 'annotated toward engagement')
      -- named by a command: refused, nothing made
      nv:keys(':Stance annotate sanctions-against', 'Enter')
      nv:wait(tmux.has('target sanctions is not judged in ' .. DOC), 'the refusal')
      nv:keys(':Stance doc against sanctions', 'Enter')
      nv:wait(tmux.has('target sanctions is not judged in ' .. DOC), 'the refusal of the document stance')
      -- the annotation toward engagement made to sanctions: refused
      nv:keys(':call search("sensitive")', 'Enter', ':Stance edit target sanctions', 'Enter')
      nv:wait(tmux.has('target sanctions is not judged in ' .. DOC), 'the refusal of the edit')
      local targets = nv:lua([[local s = require('stance.editor.session').get()
        local out = {}
        for _, r in ipairs(s.store:records('annotation')) do out[#out + 1] = r.target end
        for _, r in ipairs(s.store:records('doclabel')) do out[#out + 1] = 'doc:' .. tostring(r.target) end
        return out]])
      assert.are.same({ 'engagement' }, targets)
      assert.is_nil((nv:deprecated()))
    end)
  end)

  it('is not offered by the curation panel\'s label question either', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local schema = T.read(d .. '/.stance/schema.stance')
    schema = schema:gsub('(\ntarget sanctions\n)', '%1  documents "004_*.txt"\n', 1)
    T.write(d .. '/.stance/schema.stance', schema)
    -- ana and ben disagree on sentence 3 toward engagement
    local c = assert(require('stance').open(d))
    local doc = assert(c:document(DOC))
    local s3 = doc:sentences()[3]
    assert(doc:annotate({ start = s3.start, stop = s3.stop, label = 'engagement-favor', role = 'claim', annotator = 'ana' }))
    assert(doc:annotate({ start = s3.start, stop = s3.stop, label = 'engagement-against', role = 'claim',
      annotator = 'ben' }))
    assert(doc:set_status('done', 'ana'))
    assert(doc:set_status('done', 'ben'))
    assert(c:save())
    local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 40, ready = 'Doug Bandow',
      env = { STANCE_ANNOTATOR = 'carl' }, init = "require('stance').setup({ annotator = 'carl' })" })
    tmux.driving(nv, function()
      nv:keys(':Stance curate')
      nv:key('Enter', tmux.has('disputed: 0 of 1 resolved'), 'the panel')
      local screen = nv:key('e', tmux.has('engagement-favor'), 'the label question')
      for _, name in ipairs({ 'sanctions-favor', 'sanctions-against' }) do
        assert.is_nil(tmux.plain(screen):find(name, 1, true), name .. ' offered:\n' .. tmux.plain(screen))
      end
      nv:keys('Escape')
    end)
  end)
  it('is not kept by the curation panel\'s own version either (<Space> keeps only a target offered there)',
    function()
      local d = require('helpers.study').corpus()
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      -- ana and ben disagree on sentence 3 toward sanctions, annotated before the schema kept
      -- sanctions to 004_*.txt (a pull brought the new schema)
      local c = assert(require('stance').open(d))
      local doc = assert(c:document(DOC))
      local s3 = doc:sentences()[3]
      assert(doc:annotate({ start = s3.start, stop = s3.stop, label = 'sanctions-favor', role = 'claim',
        annotator = 'ana' }))
      assert(doc:annotate({ start = s3.start, stop = s3.stop, label = 'sanctions-against', role = 'claim',
        annotator = 'ben' }))
      assert(doc:set_status('done', 'ana'))
      assert(doc:set_status('done', 'ben'))
      assert(c:save())
      local schema = T.read(d .. '/.stance/schema.stance')
      schema = schema:gsub('(\ntarget sanctions\n)', '%1  documents "004_*.txt"\n', 1)
      T.write(d .. '/.stance/schema.stance', schema)
      local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 40, ready = 'Doug Bandow',
        env = { STANCE_ANNOTATOR = 'carl' }, init = "require('stance').setup({ annotator = 'carl' })" })
      tmux.driving(nv, function()
        nv:keys(':Stance curate')
        nv:key('Enter', tmux.has('disputed: 0 of 1 resolved'), 'the panel')
        -- the curator's own version: a general label asks for the target
        -- (the question's own rows: the panel above it shows both versions, sanctions and all)
        local function question(screen, head)
          local plain = tmux.plain(screen)
          local from = assert(plain:find(head, 1, true), plain)
          return plain:sub(from, (plain:find('<CR> name', from, true)))
        end
        local screen = nv:key('e', tmux.has('engagement-favor'), 'the label question')
        assert.is_nil(question(screen, 'label:'):find('sanctions', 1, true), tmux.plain(screen))
        screen = nv:key('f', tmux.has('target:'), 'the target question')
        -- the version's own target is out of this document's scope: not kept, not offered
        local asked = question(screen, 'target:')
        assert.is_nil(asked:find('sanctions', 1, true), tmux.plain(screen))
        assert.truthy(asked:find('engagement', 1, true), tmux.plain(screen))
        -- the role it had is still kept (<Space>)
        screen = nv:key('e', tmux.has('role:'), 'the role question')
        assert.truthy(question(screen, 'role:'):find('keep claim', 1, true), tmux.plain(screen))
        nv:keys('Escape')
      end)
    end)
end)
