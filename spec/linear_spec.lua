-- semeq.linear (logistic regression, shrinkage LDA, kNN class shares) and semeq.linalg.
local T = require "semeq.tensor"
local H = require "spec.helpers"
local linear = require "semeq.linear"
local linalg = require "semeq.linalg"

local function two_classes(n, d, gap)
  T.manualSeed(21)
  local X = T.randn(2 * n, d)
  local y = {}
  for i = 1, 2 * n do
    y[i] = i <= n and "warm" or "bright"
    X[i][1] = X[i][1] + (i <= n and gap or -gap)
  end
  return X, y
end

local function accuracy(pred, y)
  local hit = 0
  for i, v in ipairs(y) do if pred[i] == v then hit = hit + 1 end end
  return hit / #y
end

describe("semeq.linalg", function()
  it("solves symmetric positive definite systems and decomposes symmetric matrices", function()
    local A = T.new {{4, 1, 0}, {1, 3, 1}, {0, 1, 2}}
    local B = T.new {{1, 2}, {0, 1}, {3, 0}}
    local X = linalg.solve_spd(A, B)
    assert.is_true(T.allclose(T.mm(A, X), B, 1e-5, 1e-5))
    assert.are.same({3}, linalg.solve_spd(A, T.new {1, 2, 3}):size())
    local w, V = linalg.eigh(A)
    assert.is_true(w[1] <= w[2] and w[2] <= w[3])
    for i = 1, 3 do
      local v = V[i]:view(3, 1)
      assert.is_true(T.allclose(T.mm(A, v), v * w[i], 1e-4, 1e-4))
    end
  end)

  it("refuses what it cannot solve", function()
    assert.has_error(function() linalg.solve_spd(T.new {{1, 2}, {2, 1}}, T.new {1, 1}) end,
      "solve_spd: the matrix is not positive definite")
    assert.has_error(function() linalg.solve_spd(T.zeros(2, 3), T.zeros(2)) end)
    assert.has_error(function() linalg.eigh(T.zeros(3)) end)
  end)
end)

describe("semeq.linear", function()
  it("fits a logistic regression that separates two classes and reads log-odds of the second", function()
    local X, y = two_classes(60, 4, 1.5)
    local clf = linear.logistic(X, y, {l2 = 1})
    assert.are.same({"bright", "warm"}, clf.classes)
    assert.is_true(accuracy(clf:predict(X), y) > 0.85)
    assert.is_true(clf:logit(X)[1] > 0)           -- a warm row: positive log-odds of "warm"
    local p = clf:prob(X)
    assert.is_true(T.allclose(p:sum(2), T.ones(120), 1e-5, 1e-5))
    -- a stronger penalty shrinks the weights
    assert.is_true(linear.logistic(X, y, {l2 = 100}).betas[1]:narrow(1, 1, 4):norm() < clf.betas[1]:narrow(1, 1, 4):norm())
  end)

  it("fits more than two classes one-vs-rest and LDA's K - 1 discriminant axes", function()
    T.manualSeed(22)
    local X = T.randn(90, 3)
    local y = {}
    for i = 1, 90 do
      y[i] = ({"a", "b", "c"})[(i - 1) // 30 + 1]
      X[i][(i - 1) // 30 + 1] = X[i][(i - 1) // 30 + 1] + 3
    end
    assert.is_true(accuracy(linear.logistic(X, y):predict(X), y) > 0.9)
    local lda = linear.lda(X, y)
    assert.are.same({90, 2}, lda:project(X):size())
  end)

  it("shrinks LDA's covariance by Ledoit-Wolf or as asked, and points to the second class", function()
    local X, y = two_classes(40, 3, 1)
    local lda = linear.lda(X, y)
    assert.is_true(lda.shrinkage >= 0 and lda.shrinkage <= 1)
    assert.is_true(lda.directions[1][1] > 0)    -- towards "warm" (the second class, sorted)
    local full = linear.lda(X, y, {shrinkage = 1})
    local d = full.directions[1]
    assert.is_true(math.abs(d[2]) / math.abs(d[1]) < 0.5) -- shrunk to the identity: the mean difference
    assert.has_error(function() linear.lda(X, y, {shrinkage = 2}) end, "linear.lda: shrinkage must be a number in [0, 1] or 'auto'")
  end)

  it("gives each class's share among the nearest training rows, leaving a row out of its own vote", function()
    local Xtr = T.new {{0}, {0.1}, {0.2}, {5}, {5.1}}
    local ytr = {"a", "a", "a", "b", "b"}
    local s, classes = linear.knn_share(Xtr, ytr, T.new {{0.05}, {5}}, 3)
    assert.are.same({"a", "b"}, classes)
    assert.is_true(T.allclose(s, T.new {{1, 0}, {1 / 3, 2 / 3}}, 1e-6, 1e-6))
    local loo = linear.knn_share(Xtr, ytr, Xtr, 2, {leave_one_out = true})
    assert.are.same({1, 0}, loo[1]:totable())
    assert.are.same({0.5, 0.5}, loo[4]:totable())
  end)

  it("standardises columns with the statistics of the rows it was fitted on", function()
    local X = T.new {{1, 5}, {3, 5}}
    local z = linear.standardizer(X)
    assert.are.same({{-1, 0}, {1, 0}}, z:apply(X):totable())
  end)

  it("agrees with scikit-learn's logistic regression and LDA direction", function()
    if not H.python_has("sklearn") then
      return pending("/usr/bin/python3 has no sklearn: comparison skipped")
    end
    local X, y = two_classes(50, 5, 0.8)
    local dir = H.tmpdir()
    local rows = {}
    for i, r in ipairs(X:totable()) do
      for j, v in ipairs(r) do r[j] = string.format("%.9g", v) end
      rows[i] = table.concat(r, ",")
    end
    H.write(dir .. "/x.csv", table.concat(rows, "\n") .. "\n")
    H.write(dir .. "/y.txt", table.concat(y, "\n") .. "\n")
    local out = H.run(("/usr/bin/python3 spec/support/sklearn_linear.py %s %s 2"):format(dir .. "/x.csv", dir .. "/y.txt"))
    os.execute("rm -rf " .. H.quote(dir))
    local want = {}
    for v in out:match("coef ([^\n]+)"):gmatch("%S+") do want[#want + 1] = tonumber(v) end
    local got = linear.logistic(X, y, {l2 = 2}).betas[1]:totable()
    for j = 1, 6 do assert.is_true(math.abs(got[j] - want[j]) < 1e-4, j .. ": " .. got[j] .. " vs " .. want[j]) end
    local sk = {}
    for v in out:match("lda ([^\n]+)"):gmatch("%S+") do sk[#sk + 1] = tonumber(v) end
    local mine = linear.lda(X, y).directions[1]
    local dot, a, b = 0, 0, 0
    for j = 1, 5 do dot, a, b = dot + sk[j] * mine[j], a + sk[j] ^ 2, b + mine[j] ^ 2 end
    -- scikit-learn shrinks each class's covariance separately; the directions agree closely
    assert.is_true(dot / math.sqrt(a * b) > 0.99, "cosine " .. dot / math.sqrt(a * b))
  end)
end)
