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
  }) do
    it('reports ' .. case[2], function()
      local v, err, off = json.decode(case[1])
      assert.is_nil(v)
      assert.are.equal(case[2], err)
      assert.are.equal(tonumber(case[2]:match('(%d+)$')), off)
    end)
  end
end)
