-- semeq.metrics: values worked out by hand, errors, and agreement with scikit-learn on
-- the shared SAFE data (warm vs bright, 64-point responses).
local T = require "semeq.tensor"
local metrics = require "semeq.metrics"
local H = require "spec.helpers"
local close = H.close

describe("semeq.metrics", function()
  local X = T.new {{0}, {1}, {10}}
  local y = {"a", "a", "b"}

  it("computes the silhouette of a tiny set by hand", function()
    -- sample 1: a = 1, b = 10; sample 2: a = 1, b = 9; sample 3 alone -> 0
    assert.is_true(close(metrics.silhouette(X, y), (0.9 + 8 / 9) / 3, 1e-12))
  end)

  it("gives each row's silhouette in the rows' order, 0 everywhere with one group or every row alone", function()
    local v = metrics.silhouette_samples(T.new {{10}, {0}, {1}}, {"b", "a", "a"})
    assert.are.equal(3, #v)
    assert.are.equal(0, v[1])
    assert.is_true(close(v[2], 0.9, 1e-12) and close(v[3], 8 / 9, 1e-12))
    assert.are.same(v, metrics.silhouette_samples(T.new {{10}, {0}, {1}}, {2, 1, 1}))  -- labels encoded in C
    assert.are.same({0, 0, 0}, metrics.silhouette_samples(X, {"a", "a", "a"}))
    assert.are.same({0, 0, 0}, metrics.silhouette_samples(X, {1, 2, 3}))
    local cos = metrics.silhouette_samples(T.new {{1, 0}, {2, 0.1}, {0, 1}, {0, 3}}, {1, 1, 2, 2}, "cosine")
    assert.is_true(cos[1] > 0.9 and cos[4] > 0.9)
  end)

  it("averages the silhouette samples to the silhouette, bit for bit", function()
    T.manualSeed(3)
    local P, labels = T.randn(500, 6), {}
    for i = 1, 500 do labels[i] = "w" .. (i % 7) end
    local v, total = metrics.silhouette_samples(P, labels), 0
    for _, x in ipairs(v) do total = total + x end
    assert.are.equal(metrics.silhouette(P, labels), total / 500)
  end)

  it("accepts integer labels and integer tensors", function()
    local s = metrics.silhouette(X, y)
    assert.are.equal(s, metrics.silhouette(X, {7, 7, 3}))
    assert.are.equal(s, metrics.silhouette(X, T.new {2, 2, 5}))
  end)

  it("encodes integer labels in C as the Lua encoding does: dense, sparse, negative, tensors, strings", function()
    T.manualSeed(5)
    local P = T.randn(300, 4)
    local dense, sparse, words, negative = {}, {}, {}, {}
    for i = 1, 300 do
      local c = (i * 7) % 5
      P[i]:add_(c)
      dense[i], sparse[i], words[i], negative[i] = c, c * 1000003 - (1 << 40), "w" .. c, -c
    end
    for _, name in ipairs({"silhouette", "davies_bouldin", "calinski_harabasz"}) do
      local want = metrics[name](P, words)  -- strings take the Lua path
      assert.are.equal(want, metrics[name](P, dense))
      assert.are.equal(want, metrics[name](P, sparse))
      assert.are.equal(want, metrics[name](P, T.new(dense)))
      assert.are.equal(want, metrics[name](P, T.new(dense):totable()))  -- integral floats
      assert.are.equal(want, metrics[name](P, T.new(sparse)))  -- beyond 2^24: the face's path
      local pairs_of = T.new(300, 2)
      pairs_of:select(2, 1):copy(T.new(dense))
      assert.are.equal(want, metrics[name](P, pairs_of:select(2, 1)))  -- a strided view
      -- -c sorts the clusters the other way round: the same partition, the same value (up to
      -- the order in which per-cluster terms are added).
      assert.is_true(close(metrics[name](P, negative), want, 1e-12))
    end
  end)

  it("reads an integral float label as that integer, on both paths, and refuses others", function()
    for _, name in ipairs({"silhouette", "davies_bouldin", "calinski_harabasz"}) do
      local want = metrics[name](X, {1, 1, 2})
      assert.are.equal(want, metrics[name](X, {1.0, 1, 2.0}))  -- read in C
      assert.are.equal(want, metrics[name](X, {"a", "a", "b"}))
      -- not integers: the C path declines and the face names the label
      assert.has_error(function() metrics[name](X, {1, 1.5, 2}) end, name .. ": labels[2] = 1.5 is not an integer")
      assert.has_error(function() metrics[name](X, {1, 2 ^ 70, 2}) end,
        name .. ": labels[2] = 1.1805916207174e+21 is not an integer")
      assert.has_error(function() metrics[name](X, T.new {1, 1.5, 2}) end, name .. ": labels[2] = 1.5 is not an integer")
      assert.has_error(function() metrics[name](X, T.new {1, math.huge, 2}) end, name .. ": labels[2] = inf is not an integer")
      assert.are.equal(want, metrics[name](X, T.new {2 ^ 30, 2 ^ 30, 2 ^ 31}))  -- beyond 2^24: the face's path
    end
    -- the face's own encoding (strings mixed in, or a k the C path refuses) reads them so too
    assert.has_error(function() metrics.silhouette(X, {1.0, "a", 2}) end, "silhouette: labels mixes strings and integers")
  end)

  it("computes Davies-Bouldin and Calinski-Harabasz by hand", function()
    assert.is_true(close(metrics.davies_bouldin(X, y), 0.5 / 9.5, 1e-12))
    local m = 11 / 3
    local B = 2 * (0.5 - m) ^ 2 + (10 - m) ^ 2
    assert.is_true(close(metrics.calinski_harabasz(X, y), B / 0.5, 1e-12))
  end)

  it("rejects a single cluster and mismatched labels", function()
    assert.has_error(function() metrics.silhouette(X, {"a", "a", "a"}) end,
      "silhouette: the number of labels is 1; it must be between 2 and n - 1 = 2")
    assert.has_error(function() metrics.davies_bouldin(X, {"a", "b"}) end, "davies_bouldin: 2 labels for 3 rows")
    assert.has_error(function() metrics.silhouette(X, {"a", 1, "b"}) end, "silhouette: labels mixes strings and integers")
    assert.has_error(function() metrics.silhouette(T.new {1, 2, 3}, y) end,
      "silhouette: X must be a 2-D tensor [n x d], got 1 dims")
  end)

  it("predicts with kNN, leave-one-out, and breaks vote ties towards the smaller label", function()
    local acc, pred = metrics.knn_accuracy(X, y, T.new {{9}, {-1}}, {"b", "a"}, 1)
    assert.are.equal(1, acc)
    assert.are.same({"b", "a"}, pred)
    local _, tie = metrics.knn_accuracy(X, y, T.new {{9}}, {"b"}, 2)
    assert.are.same({"a"}, tie)
    local loo, lpred = metrics.knn_loo(X, y, 1)
    assert.are.same({"a", "a", "a"}, lpred)
    assert.is_true(close(loo, 2 / 3, 1e-12))
    assert.has_error(function() metrics.knn_loo(X, y, 3) end,
      "knn: k = 3 must be between 1 and the number of train rows - 1 (2)")
  end)

  it("computes the confusion matrix and macro-F1", function()
    local cm, classes = metrics.confusion({"a", "a", "b", "c"}, {"a", "b", "b", "b"})
    assert.are.same({"a", "b", "c"}, classes)
    assert.are.same({{1, 1, 0}, {0, 1, 0}, {0, 1, 0}}, cm)
    -- F1: a = 2/3, b = 2*1/(2+2) = 0.5, c = 0
    assert.is_true(close(metrics.macro_f1({"a", "a", "b", "c"}, {"a", "b", "b", "b"}), (2 / 3 + 0.5) / 3, 1e-12))
  end)

  it("measures reconstruction error as RMS dB per row of two sets of responses", function()
    local represent = require "semeq.settings.represent"
    local P = T.new {{0, 100, 0, 1000, 1, 0, 2000, 1, 0, 5000, 1, 0, 8000}, {0, 100, 0, 1000, 1, 0, 2000, 1, 0, 5000, 1, 0, 8000}}
    local Q = P:clone()
    Q[1][3] = 6  -- a +6 dB peak at 1 kHz in the first row only
    local e = metrics.rms_db(represent.response(P), represent.response(Q))
    assert.is_true(e.per_row[1] > 0.5 and e.per_row[1] < 6)
    assert.are.equal(0, e.per_row[2])
    assert.is_true(math.abs(e.mean - e.per_row[1] / 2) < 1e-9)
    assert.are.equal(e.per_row[1], e.max)
    assert.are.equal(0, metrics.rms_db(represent.response(P), represent.response(P)).max)
    assert.has_error(function() metrics.rms_db(T.zeros(2, 3), T.zeros(3, 2)) end,
      "rms_db: expected two [n x m] tensors of the same shape, got [2x3] and [3x2]")
  end)

  it("bootstraps a confidence interval that contains the estimate, reproducibly", function()
    local v = {}
    for i = 1, 50 do v[i] = i % 7 end
    local function mean(idx)
      local s = 0
      for _, i in ipairs(idx) do s = s + v[i] end
      return s / #idx
    end
    local est, lo, hi = metrics.bootstrap(mean, #v, {reps = 200, seed = 3})
    assert.is_true(lo <= est and est <= hi and lo < hi)
    local est2, lo2, hi2 = metrics.bootstrap(mean, #v, {reps = 200, seed = 3})
    assert.are.same({est, lo, hi}, {est2, lo2, hi2})
  end)

  it("finds the principal axis of points on a line", function()
    local p = metrics.pca(T.new {{0, 0}, {1, 2}, {2, 4}, {3, 6}}, 1)
    assert.is_true(close(p.components[1][1], 1 / math.sqrt(5), 1e-6))
    assert.is_true(close(p.explained[1], 1, 1e-6))
  end)

  describe("against scikit-learn on SAFE warm vs bright responses", function()
    if not H.python_has("sklearn") then
      pending("/usr/bin/python3 has no sklearn: comparison skipped")
      return
    end
    local data = require "semeq.data"
    local ds, why = data.load("safe")
    if not ds then
      pending("SAFE data not found: " .. tostring(why))
      return
    end
    local sp = data.split
    ds = ds:subset(function(r) return r.key == "warm" or r.key == "bright" end)
    local train, test = sp.apply(ds, sp.stratified(ds, {test = 0.3, seed = 11}))
    local represent = require "semeq.settings.represent"
    local Rtr = represent.response(train:params())
    local Rte = represent.response(test:params())
    local R = T.cat({Rtr, Rte}, 1)
    local ytr, yte = train:labels(), test:labels()
    local labels = {}
    for _, v in ipairs(ytr) do labels[#labels + 1] = v end
    for _, v in ipairs(yte) do labels[#labels + 1] = v end

    local xfile, yfile = os.tmpname(), os.tmpname()
    local fx = assert(io.open(xfile, "w"))
    for _, row in ipairs(R:totable()) do
      for j, v in ipairs(row) do row[j] = string.format("%.9g", v) end
      fx:write(table.concat(row, ","), "\n")
    end
    fx:close()
    local fy = assert(io.open(yfile, "w"))
    fy:write(table.concat(labels, "\n"), "\n")
    fy:close()
    local K = 5
    local cmd = string.format("/usr/bin/python3 spec/support/sklearn_oracle.py %s %s %d %d", xfile, yfile, K, #ytr)
    local pipe = assert(io.popen(cmd))
    local want = {}
    for line in pipe:lines() do
      local name, v = line:match("^(%S+) (%S+)$")
      want[name] = tonumber(v)
    end
    pipe:close()
    os.remove(xfile)
    os.remove(yfile)

    local acc, pred = metrics.knn_accuracy(Rtr, ytr, Rte, yte, K)
    local pca = metrics.pca(R, 2)
    local got = {
      silhouette = metrics.silhouette(R, labels),
      silhouette_cosine = metrics.silhouette(R, labels, "cosine"),
      davies_bouldin = metrics.davies_bouldin(R, labels),
      calinski_harabasz = metrics.calinski_harabasz(R, labels),
      knn_accuracy = acc,
      macro_f1 = metrics.macro_f1(yte, pred),
      knn_loo = metrics.knn_loo(R, labels, K),
      pca_var1 = pca.variance[1],
      pca_var2 = pca.variance[2],
      pca_ratio1 = pca.explained[1],
      pca_abs_proj_sum1 = pca.projected:select(2, 1):abs():sum(),
      pca_abs_comp_max1 = pca.components[1]:abs():max(),
    }
    for name, g in pairs(got) do
      it(name .. " matches to 1e-5", function()
        assert.is_number(want[name], "oracle gave no " .. name)
        local diff = math.abs(g - want[name])
        assert.is_true(close(g, want[name], 1e-5),
          string.format("%s: semeq %.10g, sklearn %.10g (diff %.3g)", name, g, want[name], diff))
      end)
    end
  end)
end)
