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
end)
