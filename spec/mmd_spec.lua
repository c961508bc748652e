-- semeq.metrics.mmd and median_distance: errors, invariants, and agreement with numpy /
-- scikit-learn (rbf_kernel) and scipy (pdist) on SocialFX curves of two words.
local T = require "semeq.tensor"
local metrics = require "semeq.metrics"
local H = require "spec.helpers"
local close = H.close

local function write_csv(path, X)
  local f = assert(io.open(path, "w"))
  for _, row in ipairs(X:totable()) do
    for j, v in ipairs(row) do row[j] = string.format("%.9g", v) end
    f:write(table.concat(row, ","), "\n")
  end
  f:close()
end

describe("semeq.metrics.mmd", function()
  it("is zero (V-statistic) for a sample against itself and grows with a shift", function()
    T.manualSeed(4)
    local X = T.randn(30, 5)
    assert.is_true(math.abs(metrics.mmd(X, X, {bandwidth = 2, unbiased = false})) < 1e-12)
    local near = metrics.mmd(X, X + 0.1, {bandwidth = 2})
    local far = metrics.mmd(X, X + 1, {bandwidth = 2})
    assert.is_true(far > near)
  end)

  it("refuses a missing bandwidth, mismatched columns and too few rows", function()
    local X = T.zeros(3, 2)
    assert.has_error(function() metrics.mmd(X, X) end, "mmd: opts.bandwidth (a positive number) is required")
    assert.has_error(function() metrics.mmd(X, X, {bandwidth = -1}) end,
      "mmd: bandwidth must be a positive finite number, got -1.0")
    assert.has_error(function() metrics.mmd(X, T.zeros(3, 4), {bandwidth = 1}) end, "mmd: X has 2 columns but Y has 4")
    assert.has_error(function() metrics.mmd(T.zeros(1, 2), X, {bandwidth = 1}) end,
      "mmd: the unbiased estimate needs at least 2 rows in each sample, got 1 and 3")
    assert.is_number(metrics.mmd(T.zeros(1, 2), X, {bandwidth = 1, unbiased = false}))
    assert.has_error(function() metrics.median_distance(T.zeros(1, 2)) end, "median_distance: needs at least 2 rows, got 1")
  end)

  describe("against numpy / scikit-learn / scipy on SocialFX warm and cold curves", function()
    if not H.python_has("sklearn, scipy") then
      pending("/usr/bin/python3 has no sklearn or scipy: comparison skipped")
      return
    end
    local ds, why = require("semeq.data").load("socialfx")
    if not ds then
      pending("SocialFX data not found: " .. tostring(why))
      return
    end
    local warm = ds:subset(function(r) return r.key == "warm" end):params()
    local cold = ds:subset(function(r) return r.key == "cold" end):params()
    local h = metrics.median_distance(warm)
    local xfile, yfile = os.tmpname(), os.tmpname()
    write_csv(xfile, warm)
    write_csv(yfile, cold)
    local pipe = assert(io.popen(string.format("/usr/bin/python3 spec/support/mmd_oracle.py %s %s %.17g",
      xfile, yfile, h)))
    local want = {}
    for line in pipe:lines() do
      local name, v = line:match("^(%S+) (%S+)$")
      want[name] = tonumber(v)
    end
    pipe:close()
    os.remove(xfile)
    os.remove(yfile)
    local got = {
      median_distance = h,
      mmd2_unbiased = metrics.mmd(warm, cold, {bandwidth = h}),
      mmd2_biased = metrics.mmd(warm, cold, {bandwidth = h, unbiased = false}),
      kernel_sum = metrics.gaussian_kernel(warm, cold, h):sum(),
    }
    for name, g in pairs(got) do
      it(name .. " matches to 1e-6", function()
        assert.is_number(want[name], "oracle gave no " .. name)
        assert.is_true(close(g, want[name], 1e-6), string.format("%s: semeq %.10g, oracle %.10g", name, g, want[name]))
      end)
    end
  end)
end)
