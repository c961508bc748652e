-- semeq.util: the one JSON codec, list helpers, atomic writes and how scripts end.
local H = require "spec.helpers"
local T = require "semeq.tensor"
local json = require "semeq.util.json"
local list = require "semeq.util.list"
local atomic = require "semeq.util.atomic"
local errors = require "semeq.util.errors"

describe("semeq.util.json", function()
  it("writes object members in key order at every level", function()
    assert.are.equal('{"1":0,"a":{"c":3,"d":[1,{"x":1,"y":2}]},"b":1}',
      json.encode({b = 1, a = {d = {1, {y = 2, x = 1}}, c = 3}, ["1"] = 0}))
  end)

  it("refuses a table with holes instead of writing an array with nils", function()
    local t = {}
    for _, j in ipairs {2, 4, 5, 7, 8, 10, 11, 13} do t[j] = j end
    assert.has_error(function() json.encode(t) end, "json.encode: object keys must be strings")
    assert.are.equal("[1,2,3]", json.encode({1, 2, 3}))
  end)

  it("maps null to json.null both ways, and NaN to null", function()
    local v = json.decode('{"a": null, "b": [1, null]}')
    assert.are.equal(json.null, v.a)
    assert.are.equal(json.null, v.b[2])
    assert.are.equal('{"a":null,"b":null}', json.encode({a = json.null, b = 0 / 0}))
  end)

  it("keeps integers integers and reads everything else as floats", function()
    local v = json.decode("[3, 2.5, 1e300, -0.0, 9007199254740993]")
    assert.are.equal("integer", math.type(v[1]))
    assert.are.equal("float", math.type(v[2]))
    assert.are.equal(1e300, v[3])
    assert.are.equal("float", math.type(v[5]))
  end)

  it("returns nil and the byte of malformed text, trailing text included", function()
    assert.are.same({nil, "bad JSON at byte 0"}, {json.decode("")})
    assert.are.same({nil, "bad JSON at byte 10"}, {json.decode('{"a": [1, 2')})
    assert.are.same({nil, "bad JSON at byte 4"}, {json.decode("[1] x")})
    assert.are.same({1}, json.decode("[1] \n"))
  end)

  it("raises on values JSON cannot hold", function()
    assert.has_error(function() json.encode({f = print}) end, "json.encode: cannot encode a function")
    local cyc = {}
    cyc.t = cyc
    assert.has_error(function() json.encode(cyc) end, "json.encode: nesting too deep (a cycle?)")
    assert.has_error(function() json.decode({}) end)
  end)
end)

describe("semeq.util.list", function()
  it("takes, counts distinct values and sorts keys", function()
    assert.are.same({"c", "a"}, list.take({"a", "b", "c"}, {3, 1}))
    assert.are.equal(2, list.distinct({"a", "b", "a"}))
    assert.are.same({"a", "b"}, list.sorted_keys({b = 1, a = 2}))
  end)

  it("draws a seeded permutation of integers", function()
    T.manualSeed(5)
    local p = list.permutation(20)
    T.manualSeed(5)
    assert.are.same(p, list.permutation(20))
    assert.are.same({}, list.permutation(0))
    assert.has_error(function() list.permutation(-1) end, "list.permutation: n must be a non-negative integer")
  end)
end)

describe("semeq.util.atomic", function()
  it("writes whole files, and says why a file cannot be written", function()
    local dir = H.tmpdir()
    assert.is_true(atomic.write(dir .. "/a.txt", "hello"))
    assert.are.equal("hello", H.read(dir .. "/a.txt"))
    assert.is_true(atomic.check_writable(dir .. "/b.txt"))
    assert.is_nil(H.read(dir .. "/b.txt"))
    assert.are.same({nil, "cannot write /nonexistent/a.txt: No such file or directory"},
      {atomic.write("/nonexistent/a.txt", "x")})
    assert.are.same({nil, "cannot write /nonexistent/a.txt: No such file or directory"},
      {atomic.check_writable("/nonexistent/a.txt")})
    assert.has_error(function() atomic.write(5, "x") end, "atomic.write: path must be a string")
    os.execute("rm -rf " .. H.quote(dir))
  end)
end)

describe("semeq.util.errors", function()
  local function run(code)
    local dir = H.tmpdir()
    H.write(dir .. "/s.lua", code)
    local out, rc = H.semeq(H.quote(dir .. "/s.lua") .. " --flag")
    os.execute("rm -rf " .. H.quote(dir))
    return out, rc
  end

  it("ends a script with its status, a failure with one line and 1, a usage error with 2", function()
    local errs = [[local errors = require "semeq.util.errors" ]]
    assert.are.same({"hi\n", 3}, {run(errs .. [[errors.main("s.lua", function() print("hi") return 3 end)]])})
    assert.are.same({"s.lua: no such file\n", 1},
      {run(errs .. [[errors.main("s.lua", function() errors.check(nil, "no such file") end)]])})
    assert.are.same({"s.lua: --x must be 2 (see --help)\n", 2},
      {run(errs .. [[errors.main("s.lua", function() errors.usage("--x must be 2") end)]])})
  end)

  it("reports a bug on one line, with a traceback only when asked", function()
    local bug = [[require("semeq.util.errors").main("s.lua", function() local t = nil; return t.x end)]]
    local out, rc = run(bug)
    assert.are.equal(1, rc)
    assert.truthy(out:find("s.lua: ", 1, true))
    assert.truthy(out:find("attempt to index a nil value", 1, true))
    assert.truthy(out:find("SEMEQ_DEBUG=1", 1, true))
    assert.falsy(out:find("stack traceback", 1, true))
    local dir = H.tmpdir()
    H.write(dir .. "/s.lua", bug)
    out = H.run("SEMEQ_DEBUG=1 " .. H.bin .. " " .. H.quote(dir .. "/s.lua"))
    os.execute("rm -rf " .. H.quote(dir))
    assert.truthy(out:find("stack traceback", 1, true))
  end)

  it("passes values through check and tags its failures", function()
    assert.are.same({1, 2, 3}, {errors.check(1, 2, 3)})
    local ok, e = pcall(errors.check, nil, "why")
    assert.is_false(ok)
    assert.is_true(errors.is_failure(e))
    assert.are.equal("why", tostring(e))
  end)
end)
