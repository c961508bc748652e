-- semeq.data.prepare: one dataset, filtered, split and represented for a recipe.
local H = require "spec.helpers"
local prepare = require "semeq.data.prepare"
local fixtures = require "spec.support.fixtures"

describe("semeq.data.prepare", function()
  local dir, csv
  setup(function()
    dir = H.tmpdir()
    csv = fixtures.safe_csv(dir .. "/safe.csv", 6, 3, 4)
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("tells the loader from a name or the file's first bytes", function()
    assert.are.same({"safe"}, {prepare.kind_of("safe")})
    assert.are.same({"audealize", "x.json"}, {prepare.kind_of("x.json")})
    assert.are.same({"safe", csv}, {prepare.kind_of(csv)})
    H.write(dir .. "/sfx.csv", "descriptor,audio_id\n")
    assert.are.same({"socialfx", dir .. "/sfx.csv"}, {prepare.kind_of(dir .. "/sfx.csv")})
    assert.are.same({nil, dir .. "/none.csv: No such file or directory"}, {prepare.kind_of(dir .. "/none.csv")})
  end)

  it("drops stop-listed words, splits by user and represents both sides with the training fit", function()
    local ex = assert(prepare.prepare{data = csv, min_examples = 2, split = "user", test = 0.34, seed = 3})
    assert.are.same({"bright", "warm"}, {ex.terms[1], ex.terms[2]})
    assert.are.equal(36, ex.train:size() + ex.test:size()) -- the 4 "test" rows are gone
    local train_users = {}
    for _, r in ipairs(ex.train.records) do train_users[r.user] = true end
    for _, r in ipairs(ex.test.records) do assert.is_nil(train_users[r.user], r.user .. " is on both sides") end
    assert.are.same({ex.train:size(), 13}, ex.X.train:size())
    assert.are.same({ex.test:size(), 13}, ex.X.test:size())
    assert.are.equal("safe13", ex.rep.kind)
    assert.are.equal(ex.train:size(), #ex.y.train)
    assert.truthy(ex.summary:find("split user", 1, true))
    local c = assert(prepare.prepare{data = csv, min_examples = 2, input = "curve40", seed = 3})
    assert.are.same({"curve40", 40}, {c.rep.kind, c.X.train:size(2)})
  end)

  it("reuses a saved representation instead of fitting one", function()
    local a = assert(prepare.prepare{data = csv, min_examples = 2, seed = 3})
    local b = assert(prepare.prepare{data = csv, min_examples = 2, split = "none", rep_state = a.rep:state()})
    assert.are.same(a.rep:state(), b.rep:state())
    assert.are.equal(36, b.train:size())
  end)

  it("returns nil and a message for data it cannot read, with no readable row, or that filtering empties", function()
    local ex, err = prepare.prepare{data = dir .. "/none.csv"}
    assert.is_nil(ex)
    assert.are.equal(dir .. "/none.csv: No such file or directory", err)
    ex, err = prepare.prepare{data = csv, min_examples = 100}
    assert.is_nil(ex)
    assert.are.equal("no rows of " .. csv .. " are left after filtering: min_examples(100) removed the last 36 (lower "
      .. "--min-examples, or keep other --terms)", err)
    local garbled = dir .. "/garbled.csv"
    H.write(garbled, "not,a,safe,row\nnor,this\n")
    ex, err = prepare.prepare{data = garbled}
    assert.is_nil(ex)
    assert.are.equal(garbled .. ": no row can be read (2 malformed; line 1: 4 fields, expected 25)", err)
    local one = fixtures.safe_csv(dir .. "/one_user.csv", 1, 3)
    ex, err = prepare.prepare{data = one, min_examples = 2, split = "user"}
    assert.is_nil(ex)
    assert.are.equal("split.by_user: needs at least 2 users, got 1", err)
    assert.has_error(function() prepare.prepare{data = csv, min_examples = 2, split = "sideways"} end)
  end)
end)
