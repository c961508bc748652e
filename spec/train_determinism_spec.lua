-- The same seed gives the same results, bitwise: scripts/train_filtered.lua run twice.
local H = require "spec.helpers"
local data = require "semeq.data"

local ok_data = data.find("SAFEEqualiserUserData.csv") ~= nil

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
    local out, rc = H.semeq(("scripts/train_filtered.lua --folds 0 --epochs 3 --bootstrap 0 --quiet --seed %d --json %s --out %s")
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
