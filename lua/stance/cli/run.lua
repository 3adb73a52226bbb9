--- stance run SCRIPT [ARGS...]: run a Lua 5.4 script with `stance` loaded.
local H = {}

local cmd = {
  summary = 'Run a Lua script against the corpus',
  usage = 'stance run SCRIPT [ARGS...]',
  description = table.concat({
    'The script runs in this Lua 5.4 with the global `stance` = require("stance") and',
    '`arg` set as for lua(1): arg[0] is SCRIPT, arg[1..] the arguments (also `...`).',
    'An error prints the script\'s traceback and exits with status 1. The script runs with',
    'Lua\'s generational garbage collector (collectgarbage("incremental") goes back).',
    'A layer file with errors that the script reads (doc:annotations() gives what it lets us',
    'read, doc:errors() each such file\'s first error) is said once on stderr as',
    'FILE:LINE:COL: message; then the run exits with status 1 unless the script returns its',
    'own exit status (it handled them): an integer, or true (0) or false (1). A layer left',
    'out because its file or one of its folders is a symbolic link, or its folder has a name',
    'stance never gives one (doc/format.md 8.4), is said and ends the run the same way; so',
    'is a schema with errors that the script reads (its first error, :help stance-schema-errors),',
    'and a layer file with errors that corpus:agreement() leaves out.',
    'On a corpus of 5,000 documents or more (or with `watch auto`; never with `watch off` or',
    'STANCE_WATCH=off) a script that reads the layers starts `stance watch` as a search does,',
    'and the next runs take its word for unchanged files (:help stance-layer-vouch).',
  }, '\n'),
  args = { min = 1 },
  stop_at_positional = true,
}

function cmd.run(_, args)
  local script = args[1]
  local chunk, err = loadfile(script)
  if not chunk then return nil, err end
  local script_arg = { [0] = script }
  for i = 2, #args do
    script_arg[i - 1] = args[i]
  end
  _G.arg = script_arg
  _G.stance = require('stance')
  -- a pass over a large corpus's layers starts a watcher when none answers, as a search does
  -- (stance.watch.auto's threshold or setting): the next runs take its word for what did
  -- not change (:help stance-layer-cache)
  require('stance.corpus').start_watcher = true
  -- a script makes objects by the hundred thousand that die young (a document, its layers,
  -- its annotations): Lua 5.4's generational collector spends a quarter less time on a pass
  -- over a corpus than the incremental one (make bench, section index)
  collectgarbage('generational')
  local layer_errors = require('stance.layer_errors')
  layer_errors.sink = H.say
  local ok, res = xpcall(chunk, H.traceback, table.unpack(script_arg, 1, #script_arg))
  if not ok and tostring(res):find('interrupted!', 1, true) then error(res, 0) end
  -- the layers the script read, parsed, kept for the next run (see stance.Corpus.layer_cache)
  require('stance.corpus').save_layer_caches()
  if not ok then
    io.stderr:write(res, '\n')
    return 1
  end
  if math.type(res) == 'integer' then return res end
  if res == true then return 0 end -- (a status of its own: handled)
  if res == false then return 1 end
  local ll = package.loaded['stance.layer_link'] -- (loaded when a layer met one)
  local left = ll and ll.left or 0
  if left > 0 then
    io.stderr:write(('stance run: %d layer(s) or layer file(s) left out (links, or folders that are no annotator\'s: '
      .. 'said above); a script that handles them returns its exit status\n'):format(left))
    return 1
  end
  local schema = package.loaded['stance.schema']
  if schema and schema.met > 0 then
    io.stderr:write('stance run: the schema has errors (said above): what the script read of it is not all there is; '
      .. 'a script that handles them returns its exit status\n')
    return 1
  end
  if layer_errors.met > 0 then
    io.stderr:write(('stance run: %d layer file(s) with errors or an unresolved merge conflict met (read in part or'
      .. ' as both versions, or left out of an agreement, a report: said above); a script that handles them returns'
      .. ' its exit status\n'):format(layer_errors.met))
    return 1
  end
  return 0
end

--- A layer file with errors that the script read, said once (its first error).
function H.say(e)
  require('stance.cli').say(io.stderr, e.where)
end

--- The script's own frames only: cut where the traceback enters this runner.
function H.traceback(err)
  if type(err) == 'string' and err:find('interrupted!', 1, true) then return err end
  local tb = debug.traceback(tostring(err), 2)
  local lines = {}
  for line in tb:gmatch('[^\n]+') do
    if line:find("in function 'xpcall'", 1, true) or line:find('stance/cli/run.lua', 1, true) then
      break
    end
    lines[#lines + 1] = line
  end
  return table.concat(lines, '\n')
end

return cmd
