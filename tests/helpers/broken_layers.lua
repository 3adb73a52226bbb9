-- Layer files a collaborator could hand over broken, on a corpus annotated by `fixture`
-- (helpers.study): another annotator's copies of fixture's files, one cut short inside a
-- quoted note, one with git's conflict markers; and the same corpus without them, whose
-- figures every reader that leaves a broken file out must give.
local T = require('helpers')
local M = {}

--- Three documents of the study, in order.
M.DOCS = { '000_6358a7516b2472dd.txt', '001_6520dcfa8ca08700.txt', '002_c6bce5e05bd0fd45.txt' }

--- The layer file of `who` for document `rel` in corpus `d`.
function M.path(d, who, rel) return d .. '/.stance/annotations/' .. who .. '/' .. rel .. '.stance' end

--- Give `who` fixture's layers of `docs`, renamed, each text passed through `edit` if given.
function M.copy(d, who, docs, edit)
  os.execute('mkdir -p ' .. T.q(d .. '/.stance/annotations/' .. who))
  for _, rel in ipairs(docs) do
    local text = T.read(M.path(d, 'fixture', rel)):gsub('annotator fixture', 'annotator ' .. who)
    T.write(M.path(d, who, rel), edit and edit(text) or text)
  end
end

--- A copy of corpus `d` without the layer files given as { who, rel } pairs.
function M.without(d, files)
  local ref = T.tmpdir()
  os.execute(('cp -r %s/. %s/'):format(T.q(d), T.q(ref)))
  for _, f in ipairs(files) do os.remove(M.path(ref, f[1], f[2])) end
  return ref
end

--- Cut the file at `path` short inside a quoted note of its fourth record (past a few whole
--- records: a reader that counted what it could read would count three).
function M.cut_in_note(path)
  local text = T.read(path)
  local at = 1
  for _ = 1, 4 do
    at = assert(text:find('\nannotation ', at + 1, true))
  end
  local eol = text:find('\n', assert(text:find('\n  stance [^\n]*\n', at)) + 1, true)
  T.write(path, text:sub(1, eol) .. '  note "Cut short here, as a copy was')
end

--- Put git's conflict markers around all but the first record of the file at `path`.
function M.conflict(path)
  local text = T.read(path)
  local cut = assert(text:find('\nannotation ', 1, true))
  T.write(path, text:sub(1, cut) .. '<<<<<<< HEAD\n' .. text:sub(cut + 1) .. '=======\n>>>>>>> theirs\n')
end

return M
