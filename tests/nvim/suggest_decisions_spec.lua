-- One definition of a suggestion (the lead's decision): `:Stance suggest` without MIN-PROB
-- shows the model's decisions as `stance suggest` writes them and `stance eval` scores them,
-- the likeliest stance where it reaches its target's threshold, whatever its probability; no
-- floor of its own (the editor showed only those of 0.5 or more). On the study (our
-- annotation of four articles, the fifth unread), each version of the matrix.
local T = require('helpers')

describe(':Stance suggest without MIN-PROB', function()
  after_each(function()
    vim.cmd('silent! %bwipeout!')
    T.cleanup()
  end)

  it('shows every decision of the model, also those below 0.5, and next-suggestion asks where none is decided',
    function()
      if not T.shared then return pending('../shared/study and ../shared/corpus are not here') end
      local doc = '001_6520dcfa8ca08700.txt'
      local d = require('helpers.study').annotated(doc)
      require('stance').setup({ annotator = 'dora', autosave = { delay = 60000 } })
      vim.cmd('edit ' .. vim.fn.fnameescape(d .. '/' .. doc))
      local s = assert(require('stance.editor.session').get())
      local sg = require('stance.editor.suggest')
      local n = sg.run(nil, nil, { wait = true, quiet = true })
      local none = s.suggest_res.setup.none
      -- the model's decisions: what stance.model decided for each unread sentence of prose
      local want, low = {}, 0
      for _, it in ipairs(s.predictions) do
        for target, p in pairs(it.targets) do
          if it.prose and not p.known and p.class and p.class ~= none then
            want[#want + 1] = ('%d:%s:%s'):format(it.cp[1], target, p.class)
            if p.p < 0.5 then low = low + 1 end
          end
        end
      end
      local got = {}
      for _, g in ipairs(s.suggestions) do
        got[#got + 1] = ('%d:%s:%s'):format(g.cp[1], g.target, g.class)
      end
      table.sort(want)
      table.sort(got)
      -- (the study has decisions below 0.5: a threshold chosen below it)
      assert.is_true(low > 0, 'no decision below 0.5 on the study: the test proves nothing')
      assert.are.same(want, got)
      assert.are.equal(#want, n)
      -- each ghost says its probability, below 0.5 too
      if vim.fn.has('nvim-0.10') == 1 then
        local texts = {}
        for _, m in ipairs(vim.api.nvim_buf_get_extmarks(s.buf, sg.ns, 0, -1, { details = true })) do
          for _, c in ipairs(m[4].virt_text) do
            texts[#texts + 1] = c[1]
          end
        end
        local all = table.concat(texts, '|')
        for _, g in ipairs(s.suggestions) do
          assert.truthy(all:find(('%s %s %.2f?'):format(g.target, g.class, g.p), 1, true), all)
        end
      end
      -- next-suggestion still asks where the model is nearest to deciding otherwise
      local best = assert(sg.next(s))
      for _, it in ipairs(s.predictions) do
        if it.prose then assert.is_true(sg.information(best, s.suggest_res) >= sg.information(it, s.suggest_res)) end
      end
    end)
end)
