-- A busted output handler: one line per test, failures with their message and place,
-- and a last line "N passed, M failed" that tests/run adds up. Pending tests (skipped
-- because a fixture is missing) are listed and counted apart.
return function()
  local busted = require('busted')
  local handler = require('busted.outputHandlers.base')()
  local suite = os.getenv('STANCE_SUITE') or 'lua'

  local function show(kind, t)
    local msg = t.message
    if type(msg) ~= 'string' then msg = require('pl.pretty').write(msg) end
    local where = t.trace and t.trace.short_src and (t.trace.short_src .. ':' .. tostring(t.trace.currentline)) or ''
    io.write(('  %s  %s\n        %s %s\n'):format(kind, t.name or '?', where, (msg or ''):gsub('\n', '\n        ')))
  end

  handler.testEnd = function(element, _, status)
    local name = handler.getFullName(element)
    if status == 'success' then
      io.write(('  ok    %s\n'):format(name))
    elseif status == 'pending' then
      local p = handler.pendings[#handler.pendings]
      io.write(('  skip  %s (%s)\n'):format(name, p and p.message or ''))
    elseif status == 'failure' then
      show('FAIL', handler.failures[#handler.failures])
    else
      show('ERROR', handler.errors[#handler.errors])
    end
    io.flush()
    return nil, true
  end

  handler.error = function(element)
    if element.descriptor ~= 'it' then show('ERROR', handler.errors[#handler.errors]) end
    return nil, true
  end

  handler.suiteEnd = function()
    local failed = #handler.failures + #handler.errors
    local passed = #handler.successes
    local dep = rawget(_G, 'STANCE_DEPRECATED')
    if dep then
      local name = ('no deprecated Neovim function called (%d watched)'):format(dep.watched)
      if #dep.calls == 0 then
        io.write(('  ok    %s\n'):format(name))
        passed = passed + 1
      else
        io.write(('  FAIL  %s\n        %s\n'):format(name, table.concat(dep.calls, '\n        ')))
        failed = failed + 1
      end
    end
    if #handler.pendings > 0 then
      io.write(('%s: %d skipped\n'):format(suite, #handler.pendings))
    end
    io.write(('%d passed, %d failed\n'):format(passed, failed))
    io.flush()
    _G.STANCE_TEST_FAILED = failed
    return nil, true
  end

  busted.subscribe({ 'test', 'end' }, handler.testEnd, { predicate = handler.cancelOnPending })
  busted.subscribe({ 'suite', 'end' }, handler.suiteEnd)
  busted.subscribe({ 'error' }, handler.error)
  return handler
end
