--- stance import --from FORMAT SOURCE: annotations made with other tools into the corpus.
local cmd = {
  summary = 'Import annotations from brat (with their documents) or W3C Web Annotation',
  usage = 'stance import --from brat|w3c [--annotator NAME] [--status done|in-progress] DIR|FILE',
  description = table.concat({
    'Reads every .ann file below DIR with its .txt (brat standoff) into the corpus around',
    'the current directory: the document is copied in when the corpus has none at that',
    'path, the annotations become the layer of NAME (default: brat). T lines become',
    'annotations (the type is the label; discontinuous spans kept), their Target, Stance and',
    'Role attributes the annotation\'s target, stance and role, #AnnotatorNotes their notes,',
    'R lines relations, a Document_label T a document label; other attributes, N',
    'normalizations, E events and * equivalences are kept (as brat-* attributes and',
    'relations) so that `stance export --to brat` writes them back. With --from w3c, FILE',
    'holds Web Annotations (one, an array, a page, a collection, or JSON Lines) as `stance',
    'export --to w3c` writes them (a collection in pages: every page, those linked by `next`',
    'as files next to FILE too; a loop or a `next` out of its folder refuses the import): each',
    'goes to the layer of NAME, else the one its',
    'stance:layer says (as stance export writes it), else its creator\'s (a readable name: its',
    'name, else the last segment of its IRI: http://ex.org/user/zoe is zoe); a target\'s source',
    'names a document as {base}document:PATH, {base}PATH or a relative PATH (see --base); it',
    'is placed by its TextPositionSelector when the quote is there, else found by its',
    'TextQuoteSelector (as re-anchoring does), else kept as an orphan; a TextPositionSelector',
    'no span can hold is reported at its line and column and skipped. Every annotation gets',
    'what its label sets in the schema (target, stance, role), as in the editor; one that',
    'contradicts its label is reported and skipped, with what links to it. A Web Annotation',
    'with no body we can map to a label is kept with the label unlabeled and said (its other',
    'bodies kept, and exported back as they came).',
    'Everything is read and checked first; then what the import brings (labels, targets,',
    'stances, roles, relation types, attributes) is added to the schema, and every document',
    'and layer is written at once, atomically. A line that cannot be read, or a T whose',
    'text is not the document\'s at its offsets, is reported as path:line:col (JSON with its',
    'byte offset) and skipped; the rest is imported; a summary says how many. Nothing is',
    'written outside the corpus (.., links out). Exit status 1 when something was skipped.',
    'With --status done, every imported layer is marked done (as :Stance done does), so that',
    '`stance agree` counts its documents: data from another tool was finished there. Layers',
    'that `stance export --to brat` wrote carry their own status, which --status overrides.',
  }, '\n'),
  flags = {
    from = { arg = 'FORMAT', help = 'brat or w3c' },
    base = { arg = 'IRI', help = 'with w3c: the base of document and annotation IRIs (default urn:stance:): a source '
      .. '{base}document:PATH, {base}PATH or a relative PATH resolved against it names document PATH' },
    annotator = { arg = 'NAME', help = 'whose layer the annotations become (default: brat)' },
    status = { arg = 'STATUS', help = 'done or in-progress: the status of every imported layer' },
  },
  args = { min = 1, max = 1 },
}

function cmd.run(opts, args)
  local cli = require('stance.cli')
  if opts.from == nil then
    return cli.usage_error('--from is required: --from brat DIR or --from w3c FILE', 'import')
  end
  if opts.from ~= 'brat' and opts.from ~= 'w3c' then
    return cli.usage_error(("--from should be brat or w3c, got '%s'"):format(tostring(opts.from)), 'import')
  end
  if opts.status ~= nil and opts.status ~= 'done' and opts.status ~= 'in-progress' then
    local msg = ("--status should be done or in-progress, got '%s'"):format(tostring(opts.status))
    return cli.usage_error(msg, 'import')
  end
  local c, err = require('stance.corpus').open('.')
  if not c then return nil, err end
  -- an import adds to the schema and checks labels against it: never on one with errors
  -- (half of a merge), which is said first (stance.schema.meet)
  if require('stance.schema').first_error(select(2, c:schema())) then
    return nil, 'nothing imported: the schema has errors (said above; stance check lists them): fix it first'
  end
  if opts.from == 'w3c' then
    return require('stance.interop.w3c_io').import(c, args[1], opts.annotator, opts.base, opts.status)
  end
  if not require('stance.fs').is_dir(args[1]) then return nil, ('%s is not a folder'):format(args[1]) end
  return require('stance.interop.brat_io').import(c, (args[1]:gsub('/$', '')), opts.annotator or 'brat', opts.status)
end

return cmd
