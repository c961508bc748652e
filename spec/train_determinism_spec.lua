-- The same seed gives the same results, bitwise: scripts/train_filtered.lua run twice.
local H = require "spec.helpers"
local data = require "semeq.data"

local ok_data = pcall(data.find, "SAFEEqualiserUserData.csv")

describe("nn.json.encode determinism", function()
  it("writes object members in key order at every level", function()
    local nn = require "semeq.nn"
    assert.are.equal('{"1":0,"a":{"c":3,"d":[1,{"x":1,"y":2}]},"b":1}',
      nn.json.encode({b = 1, a = {d = {1, {y = 2, x = 1}}, c = 3}, ["1"] = 0}))
  end)

  it("refuses a table with holes instead of writing an array with nils", function()
    local nn = require "semeq.nn"
    local t = {}
    for _, j in ipairs {2, 4, 5, 7, 8, 10, 11, 13} do t[j] = j end
    assert.has_error(function() nn.json.encode(t) end, "json.encode: object keys must be strings")
    assert.are.equal("[1,2,3]", nn.json.encode({1, 2, 3}))
  end)
end)

describe("scripts/train_filtered.lua determinism", function()
  if not ok_data then
    pending("SAFE data not found")
    return
  end
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  -- Runs the script; returns the bytes of its JSON report and of its model file.
  local function train(seed)
    local json, model = dir .. "/report.json", dir .. "/model.safetensors"
    os.remove(json)
    os.remove(model)
    local out, rc = H.semeq(("scripts/train_filtered.lua --epochs 3 --bootstrap 0 --quiet --seed %d --json %s --out %s")
      :format(seed, H.quote(json), H.quote(model)))
    assert.are.equal(0, rc, out)
    return H.read(json), H.read(model)
  end

  it("writes identical reports and model files for the same seed, different ones for another", function()
    local r1, m1 = train(7)
    local r2, m2 = train(7)
    assert.truthy(#r1 > 100 and #m1 > 100000)
    assert.is_true(r1 == r2, "reports differ for the same seed")
    assert.is_true(m1 == m2, "model files differ for the same seed")
    local r3 = train(8)
    assert.is_false(r1 == r3, "another seed gave the same report")
  end)
end)
