-- A document of one very long line (over 512 KiB: a paste without line breaks, a minified
-- export) opens without hanging the editor, its annotations kept; no folds of the plugin's
-- own on it. Read in tmux right after it opens and after keys (capture-pane -e).
local T = require('helpers')
local tmux = require('helpers.tmux')

local SENTENCE = 'The envoy said the talks must go on despite the sanctions. '

--- The example corpus's schema and one document `long.txt` of a single line of about
--- `bytes` bytes, with `n` annotations of ana spread over it. Its folder.
local function corpus(bytes, n)
  local core = require('stance.core')
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations/ana && cp %s %s/.stance/'):format(T.q(d),
    T.q(T.root .. '/doc/example/shared-corpus/schema.stance'), T.q(d)))
  local text = SENTENCE:rep(math.ceil(bytes / #SENTENCE)) .. '\n'
  T.write(d .. '/long.txt', text)
  local store = core.store()
  store:set_header('document', 'long.txt')
  store:set_header('annotator', 'ana')
  store:set_header('hash', 'sha256:' .. core.sha256(text))
  local count = math.floor(#text / #SENTENCE)
  for i = 1, n do
    local a = math.floor((i - 1) * count / n) * #SENTENCE
    local b = a + #SENTENCE - 1
    assert(store:add({ kind = 'annotation', id = ('l%07d'):format(i), spans = { { a, b } }, label = 'favor',
      stance = 'favor', target = 'engagement', quote = text:sub(a + 1, b), created = '2026-11-22T10:00:00Z' }))
  end
  T.write(d .. '/.stance/annotations/ana/long.txt.stance', store:write())
  return d, #text
end

describe('a document of one very long line', function()
  after_each(T.cleanup)

  it('opens at once and answers keys', function()
    local d, size = corpus(600 * 1024, 2000)
    assert.is_true(size > 512 * 1024)
    local nv = T.tmux({ 'long.txt' }, { cwd = d, width = 100, height = 20, ready = 'long.txt', init = [[
require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 }, highlight = { virt_text = true } })
]] })
    tmux.driving(nv, function()
      -- the first annotation (the line's first sentence) drawn
      nv:wait(tmux.colored('The envoy said'), 'the first annotation drawn')
      for _, k in ipairs({ 'G', 'gg', '$', '0', 'w' }) do
        nv:key(k)
      end
      nv:keys(':echo "alive"')
      nv:key('Enter', tmux.has('alive'), 'Neovim answers')
      local st = nv:lua([[return { vim.fn.foldclosed(1), vim.fn.foldlevel(1),
        require('stance.editor.session').get() ~= nil }]])
      assert.are.same({ -1, 0, true }, st, 'no fold on the document; annotated')
    end)
  end)
end)
