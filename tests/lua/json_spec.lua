-- JSON: deterministic encoding, strict decoding with byte offsets.
local json = require('stance.json')

describe('json', function()
  it('encodes with sorted keys, or in a given order', function()
    assert.are.equal('{"a":1,"b":[true,false,null],"c":"x\\ny\\"z"}',
      json.encode({ c = 'x\ny"z', a = 1, b = { true, false, json.null } }))
    assert.are.equal('{"z":1,"a":2}', json.encode(json.ordered({ a = 2, z = 1 }, { 'z', 'a' })))
    assert.are.equal('[]', json.encode(json.array()))
    assert.are.equal('{}', json.encode({}))
    assert.are.equal('0.5', json.encode(0.5))
    assert.are.equal('"\\u0001"', json.encode('\1'))
  end)

  it('round-trips', function()
    local v = { name = 'Kim Jong-un', n = 42, list = { 1, 2, { x = 'é🙂' } }, yes = true }
    assert.are.same(v, json.decode(json.encode(v)))
  end)

  it('encodes whatever it decodes, as deep as it reads', function()
    local deep = ('['):rep(150) .. (']'):rep(150)
    assert.are.equal(deep, json.encode(json.decode(deep)))
  end)

  it('decodes numbers as tonumber reads them: integers while they fit, else floats', function()
    for _, t in ipairs({ '9007199254740993', '99999999999999999999', '1.', '1.e2', '-0', '0.5', '-12' }) do
      local v = json.decode(t)
      assert.are.equal(tonumber(t), v)
      local mtype = rawget(math, 'type') -- Lua 5.4: integer or float
      if mtype then assert.are.equal(mtype(tonumber(t)), mtype(v)) end
    end
    assert.are.equal(json.null, json.decode('[null]')[1])
  end)

  it('says where each array and object starts', function()
    local where = {}
    local v = json.decode(' {"a": [1, {"b": 2}]}', where)
    assert.are.same({ 1, 7, 11 }, { where[v], where[v.a], where[v.a[2]] })
  end)

  it('encodes in a given order, each table as json.ordered would have', function()
    local keys = { 'id', 'type' }
    assert.are.equal('{"id":1,"type":"x","a":[1,{}],"b":{"type":2,"z":3}}',
      json.encode_ordered({ type = 'x', b = { z = 3, type = 2 }, id = 1, a = { 1, {} } }, keys))
    assert.are.equal('[]', json.encode_ordered(json.array(), keys))
    assert.has_error(function() json.encode({ [true] = 1 }) end)
    assert.has_error(function() json.encode(0 / 0) end)
    assert.has_error(function() json.encode({ f = print }) end)
    local deep = {}
    for _ = 1, json.MAX_DEPTH + 2 do
      deep = { deep }
    end
    assert.has_error(function() json.encode(deep) end)
  end)

  it('decodes escapes and surrogate pairs', function()
    assert.are.equal('é🙂/', json.decode('"\\u00e9\\ud83d\\ude42\\/"'))
  end)

  for _, case in ipairs({
    { '{"a":1,}', 'expected a string key at byte 7' },
    { '[1 2]', "expected ',' or ']' at byte 3" },
    { '{"a" 1}', "expected ':' at byte 5" },
    { '"abc', 'unterminated string at byte 0' },
    { '01', 'bad number 01 at byte 0' },
    { 'tru', "unexpected character 't' at byte 0" },
    { '{} x', 'trailing characters at byte 3' },
    { '', 'unexpected end of input at byte 0' },
    -- found by the fuzzer: what decodes must encode again
    { '[1e999]', 'number out of range 1e999 at byte 1' },
    { ('['):rep(202) .. (']'):rep(202), 'nesting too deep at byte 201' },
    -- hostile input: a clear refusal, never a value that means two things
    { '{"a":1,"a":2}', 'duplicate key "a" at byte 7' },
    { '{"type":"Annotation","body":{"x":1,"x":null}}', 'duplicate key "x" at byte 35' },
    { '["ok","\255"]', 'invalid UTF-8 in a string at byte 7' },
    { '"\237\160\128"', 'invalid UTF-8 in a string at byte 1' },
    { '"\\ude42"', 'lone surrogate at byte 1' },
    { '"\\ud83d"', 'lone surrogate at byte 1' },
    { '[1' .. ('0'):rep(400) .. ']', 'number out of range 1' .. ('0'):rep(39) .. '... at byte 1' },
    { '"a\127"', 'control character in string at byte 2' },
  }) do
    it('reports ' .. case[2], function()
      local v, err, off = json.decode(case[1])
      assert.is_nil(v)
      assert.are.equal(case[2], err)
      assert.are.equal(tonumber(case[2]:match('(%d+)$')), off)
    end)
  end
end)
