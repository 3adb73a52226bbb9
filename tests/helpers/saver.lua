-- A process that annotates and saves one layer over and over (the saves specs run it beside
-- another writer): lua5.4 tests/helpers/saver.lua CHECKOUT ROOT NAME ROUNDS LOG MODE [DOC]
-- Each round adds the annotation NAME<i> (label claim) to annotator "shared"'s layer of DOC
-- (default doc.txt) and saves with corpus:save(); the IDs of the saves that returned true are
-- written to LOG, one a line. MODE "keep" keeps one corpus open (as an editor or a long
-- script would), "reopen" opens it again each round.
local checkout, root, name, rounds, log_path, mode, doc_path = ...
package.path = checkout .. '/lua/?.lua;' .. checkout .. '/lua/?/init.lua;' .. package.path
package.cpath = checkout .. '/build/5.4/?.so;' .. package.cpath
local Corpus = require('stance.corpus')
local log = assert(io.open(log_path, 'w'))
local c
for i = 1, tonumber(rounds) do
  if not c or mode == 'reopen' then
    c = assert(Corpus.open(root))
    c.annotator = 'shared'
  end
  local doc = assert(c:document(doc_path or 'doc.txt'))
  local a = assert(doc:annotate({ start = i % 40, stop = i % 40 + 5, label = 'claim', id = name .. i }))
  local ok, err = c:save()
  if ok then
    log:write(a.id, '\n')
    log:flush()
  else
    io.stderr:write(name, ' round ', i, ': ', tostring(err), '\n')
  end
end
log:close()
