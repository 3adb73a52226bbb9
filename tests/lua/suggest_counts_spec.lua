-- `stance suggest`: without --min-prob the model's decisions, with it the likeliest stance of
-- every unread sentence of prose and target with a model (--min-prob 0: every one), and a
-- message that counts what was considered and why the rest got none (tryout 14 F7).
local T = require('helpers')

describe('stance suggest on the study', function()
  after_each(T.cleanup)

  it('writes one suggestion per unread sentence of prose and target at --min-prob 0, and says why fewer without',
    function()
      if not T.shared then return pending('../shared/corpus is not here') end
      local d = T.tmpdir()
      os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && cp -r %s %s/.stance/annotations/')
        :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d),
          T.q(T.root .. '/tests/fixtures/study/annotations/fixture'), T.q(d)))
      -- nobody has read 004
      os.remove(d .. '/.stance/annotations/fixture/004_e35aa5ebcc029514.txt.stance')
      local function suggest(extra)
        local out, err, code = T.run(('cd %s && STANCE_WATCH=off %s suggest %s'):format(T.q(d), T.q(T.stance), extra))
        assert.are.equal(0, code, err)
        local written = tonumber(out:match('stance suggest: (%d+) suggestion'))
        local sentences, targets, pairs_ = out:match('considered: (%d+) unread sentence%(s%) of prose x (%d+) '
          .. 'target%(s%) with a model = (%d+) pair')
        assert.truthy(sentences, out)
        return written, tonumber(sentences), tonumber(targets), tonumber(pairs_), out
      end
      local decided, n, targets, pairs_, out = suggest('')
      assert.is_true(n > 40, out) -- 004's sentences of prose at least
      assert.are.equal(n * targets, pairs_)
      assert.is_true(decided < pairs_)
      assert.truthy(out:find(('without a suggestion: %d decided no stance'):format(pairs_ - decided), 1, true), out)
      -- every one at --min-prob 0: one per (sentence, target), in the model layer
      local all, n0, _, pairs0, out0 = suggest('--min-prob 0')
      assert.are.equal(n, n0)
      assert.are.equal(pairs0, all, out0)
      assert.truthy(out0:find('a suggestion for each', 1, true), out0)
      local store = assert(require('stance.core').read(assert(T.read(d
        .. '/.stance/annotations/model/004_e35aa5ebcc029514.txt.stance'))))
      local per = {}
      for _, r in ipairs(store:records('annotation')) do
        per[r.spans[1][1]] = (per[r.spans[1][1]] or 0) + 1
        assert.truthy(r.stance == 'favor' or r.stance == 'against')
      end
      for _, k in pairs(per) do
        assert.are.equal(targets, k)
      end
      -- a threshold between: fewer, and the rest said to be below it
      local some, _, _, _, outp = suggest('--min-prob 0.05')
      assert.is_true(some < all)
      assert.truthy(outp:find(('%d below --min-prob 0.05'):format(all - some), 1, true), outp)
    end)
end)
