local T = require "semeq.tensor"

local function naive_mm(a, b)
  local m, k, n = a:size(1), a:size(2), b:size(2)
  local out = {}
  for i = 1, m do
    out[i] = {}
    for j = 1, n do
      local s = 0
      for p = 1, k do s = s + a[i][p] * b[p][j] end
      out[i][j] = s
    end
  end
  return out
end

local function max_rel_err(t, ref)
  local worst = 0
  for i, row in ipairs(ref) do
    for j, v in ipairs(row) do
      local err = math.abs(t[i][j] - v) / math.max(1, math.abs(v))
      worst = math.max(worst, err)
    end
  end
  return worst
end

describe("semeq.tensor", function()
  describe("construction", function()
    it("builds from nested tables and reads back", function()
      local t = T.new{{1, 2, 3}, {4, 5, 6}}
      assert.are.same({2, 3}, t:size())
      assert.are.same({{1, 2, 3}, {4, 5, 6}}, t:totable())
      assert.are.equal(2, t:dim())
      assert.are.equal(6, t:numel())
      assert.are.equal(2, #t)
    end)

    it("makes zeros, ones, full and arange", function()
      assert.are.same({{0, 0}, {0, 0}}, T.zeros(2, 2):totable())
      assert.are.same({1, 1, 1}, T.ones{3}:totable())
      assert.are.same({{7, 7}}, T.full({1, 2}, 7):totable())
      assert.are.same({0, 1, 2, 3}, T.arange(4):totable())
      assert.are.same({1, 1.5, 2, 2.5}, T.arange(1, 3, 0.5):totable())
    end)

    it("rejects ragged tables and non-numbers", function()
      assert.has_error(function() T.new{{1, 2}, {3}} end,
        "bad argument #1 to 'new' (table is not rectangular)")
      assert.has_error(function() T.new{1, "x"} end,
        "bad argument #1 to 'new' (expected a number in the table, got string)")
      assert.has_error(function() T.zeros(2, -1) end,
        "bad argument #2 to 'zeros' (size must be >= 0, got -1)")
    end)
  end)

  describe("views", function()
    it("share storage with their source", function()
      local t = T.zeros(3, 4)
      t:narrow(2, 2, 2):fill(5)
      t:select(1, 3):fill(1)
      t[1][1] = 9
      assert.are.same({{9, 5, 5, 0}, {0, 5, 5, 0}, {1, 1, 1, 1}}, t:totable())
      local tt = t:transpose(1, 2)
      tt[4][2] = 8
      assert.are.equal(8, t[2][4])
      assert.is_false(tt:isContiguous())
    end)

    it("views and reshapes", function()
      local t = T.arange(6)
      assert.are.same({{0, 1, 2}, {3, 4, 5}}, t:view(2, 3):totable())
      assert.are.same({3, 2}, t:view(-1, 2):size())
      local nc = t:view(2, 3):t()
      assert.has_error(function() nc:view(6) end,
        "view: tensor [3x2] is not contiguous; use reshape or contiguous()")
      assert.are.same({0, 3, 1, 4, 2, 5}, nc:reshape(6):totable())
      assert.has_error(function() t:view(4, 2) end, "view: cannot view [6] as [4x2]")
    end)

    it("unsqueezes, squeezes and expands", function()
      local t = T.new{1, 2, 3}
      assert.are.same({1, 3}, t:unsqueeze(1):size())
      assert.are.same({3, 1}, t:unsqueeze(2):size())
      assert.are.same({3}, t:unsqueeze(1):squeeze():size())
      assert.are.same({{1, 2, 3}, {1, 2, 3}}, t:expand(2, 3):totable())
    end)

    it("indexes like Lua, 1-based and checked", function()
      local t = T.new{{1, 2}, {3, 4}}
      assert.are.equal(4, t[2][2])
      assert.are.equal(3, t[-1][1])
      t[2] = 0
      assert.are.same({{1, 2}, {0, 0}}, t:totable())
      t[1] = T.new{7, 8}
      assert.are.same({7, 8}, t[1]:totable())
      assert.has_error(function() return t[3] end, "index 3 out of bounds for dimension 1 of size 2")
      assert.has_error(function() t:narrow(1, 2, 2) end,
        "narrow: range 2..3 out of bounds for dimension 1 of size 2")
    end)
  end)

  describe("arithmetic", function()
    it("broadcasts like numpy", function()
      local a = T.new{{1, 2, 3}, {4, 5, 6}}
      local row = T.new{10, 20, 30}
      local col = T.new{{100}, {200}}
      assert.are.same({{11, 22, 33}, {14, 25, 36}}, (a + row):totable())
      assert.are.same({{101, 102, 103}, {204, 205, 206}}, (a + col):totable())
      assert.are.same({{2, 4, 6}, {8, 10, 12}}, (a * 2):totable())
      assert.are.same({{0, -1, -2}, {-3, -4, -5}}, (1 - a):totable())
      assert.are.same({{-1, -2, -3}, {-4, -5, -6}}, (-a):totable())
      assert.has_error(function() return a + T.ones(2) end,
        "add: size mismatch, [2x3] and [2] do not broadcast")
    end)

    it("works in place", function()
      local a = T.ones(2, 2)
      a:add_(T.new{1, 2}, 3)
      assert.are.same({{4, 7}, {4, 7}}, a:totable())
      a:mul_(2):sub_(1)
      assert.are.same({{7, 13}, {7, 13}}, a:totable())
      assert.has_error(function() a:add_(T.ones(3)) end,
        "add_: size mismatch, cannot broadcast [3] to [2x2]")
    end)

    it("applies unary functions", function()
      local t = T.new{-1, 0, 4}
      assert.are.same({1, 0, 4}, t:abs():totable())
      assert.are.same({0, 0, 4}, t:relu():totable())
      assert.are.same({0, 0, 2}, t:clamp(0, 2):totable())
      assert.are.same({1, 0, 16}, t:pow(2):totable())
      assert.is_true(T.allclose(t:exp():log(), t, 1e-6, 1e-6))
      assert.are.same({-1, 0, 1}, t:sign():totable())
      t:sqrt_()
      assert.is_true(t[1] ~= t[1]) -- sqrt(-1) is NaN
    end)
  end)

  describe("reductions", function()
    local a = T.new{{1, 5, 3}, {4, 2, 6}}

    it("over all elements", function()
      assert.are.equal(21, a:sum())
      assert.are.equal(3.5, a:mean())
      assert.are.equal(6, a:max())
      assert.are.equal(1, a:min())
      assert.are.equal(6, a:argmax())
      assert.is_true(math.abs(a:var() - 3.5) < 1e-12)
      assert.is_true(math.abs(a:std() - math.sqrt(3.5)) < 1e-12)
      assert.is_true(math.abs(a:norm() - math.sqrt(91)) < 1e-12)
    end)

    it("along a dimension", function()
      assert.are.same({5, 7, 9}, a:sum(1):totable())
      assert.are.same({{9}, {12}}, a:sum(2, true):totable())
      local v, i = a:max(2)
      assert.are.same({5, 6}, v:totable())
      assert.are.same({2, 3}, i:totable())
      assert.are.same({2, 1, 2}, a:argmax(1):totable())
      assert.are.same({3, 4}, a:mean(2):totable())
    end)
  end)

  describe("linear algebra", function()
    it("mm matches a naive triple loop, also on transposed views", function()
      T.manualSeed(7)
      local a, b = T.randn(17, 33), T.randn(33, 9)
      assert.is_true(max_rel_err(T.mm(a, b), naive_mm(a, b)) < 1e-5)
      local at, bt = T.randn(33, 17):t(), T.randn(9, 33):t()
      assert.is_false(at:isContiguous())
      assert.is_true(max_rel_err(T.mm(at, bt), naive_mm(at, bt)) < 1e-5)
      local strided = T.randn(17, 66):narrow(2, 1, 33)
      assert.is_true(max_rel_err(T.mm(strided, b), naive_mm(strided, b)) < 1e-5)
      -- one row (the sgemv path), plain, against a transposed b, and read with a stride
      local row, row_strided = T.randn(1, 33), T.randn(66, 1):t():narrow(2, 1, 33)
      assert.is_true(max_rel_err(T.mm(row, b), naive_mm(row, b)) < 1e-5)
      assert.is_true(max_rel_err(T.mm(row, bt), naive_mm(row, bt)) < 1e-5)
      assert.is_true(max_rel_err(T.mm(row_strided, b), naive_mm(row_strided, b)) < 1e-5)
    end)

    it("addmm accumulates with beta and alpha", function()
      local c = T.ones(2, 2)
      c:addmm(T.new{{1, 2}, {3, 4}}, T.new{{1, 0}, {0, 1}}, 2, 3)
      assert.are.same({{5, 8}, {11, 14}}, c:totable())
    end)

    it("names both shapes on a mismatch", function()
      assert.has_error(function() T.mm(T.ones(2, 3), T.ones(2, 3)) end, "mm: size mismatch, [2x3] @ [2x3]")
      assert.has_error(function() T.mm(T.ones(2), T.ones(2, 3)) end,
        "bad argument #1 to 'mm' (mm: expected a 2-d tensor, got [2])")
    end)

    it("concatenates and gathers rows", function()
      local a, b = T.new{{1, 2}}, T.new{{3, 4}, {5, 6}}
      assert.are.same({{1, 2}, {3, 4}, {5, 6}}, T.cat({a, b}, 1):totable())
      assert.are.same({{3, 4, 3, 4}, {5, 6, 5, 6}}, T.cat({b, b}, 2):totable())
      assert.are.same({{5, 6}, {3, 4}, {5, 6}}, b:index_select(1, {2, 1, 2}):totable())
      assert.are.same({{4, 3}, {6, 5}}, b:index_select(2, T.new{2, 1}):totable())
      assert.has_error(function() b:index_select(1, {3}) end,
        "bad argument #2 to 'index_select' (index 3.0 at position 1 out of range 1..2)")
      assert.has_error(function() T.cat({a, T.ones(1, 3)}, 1) end,
        "cat: size mismatch, [1x2] and [1x3] along dimension 1")
    end)

    it("gathers rows into a given tensor, which it returns", function()
      local b, out = T.new{{3, 4}, {5, 6}}, T.zeros(3, 2)
      assert.are.equal(out, b:index_select(1, {2, 1, 2}, out))
      assert.are.same({{5, 6}, {3, 4}, {5, 6}}, out:totable())
      assert.has_error(function() b:index_select(1, {1}, out) end,
        "bad argument #3 to 'index_select' (expected a contiguous [1x2] tensor apart from the source)")
      assert.has_error(function() b:index_select(1, {1, 2}, b) end,
        "bad argument #3 to 'index_select' (expected a contiguous [2x2] tensor apart from the source)")
      assert.has_error(function() b:index_select(2, {1}, T.zeros(2, 1)) end,
        "bad argument #3 to 'index_select' (an output tensor is taken for dim 1 only)")
      assert.has_error(function() b:index_select(1, {1}, "x") end,
        "bad argument #3 to 'index_select' (semeq.Tensor expected)")
    end)

    it("concatenates along dim 1 when no dim is given", function()
      assert.are.same({1, 2, 3}, T.cat({T.new{1, 2}, T.new{3}}):totable())
    end)

    it("cuts a large product into slices of rows without changing it", function()
      T.manualSeed(3)
      -- 4096 x 1024 x 512 multiply-adds is past one slice (2^30); each quarter is under it
      local a, b = T.randn(4096, 1024), T.randn(1024, 512)
      local whole = T.mm(a, b)
      local parts = {}
      for i = 0, 3 do parts[#parts + 1] = T.mm(a:narrow(1, 1 + 1024 * i, 1024), b) end
      assert.is_true(T.allclose(whole, T.cat(parts, 1), 1e-5, 1e-4))
      local bt = b:t():contiguous():t()  -- a transposed operand takes the same path
      assert.is_true(T.allclose(whole, T.mm(a, bt), 1e-5, 1e-4))
    end)
  end)

  describe("size limits", function()
    it("allow views up to 2^40 elements without allocating them", function()
      local v = T.ones(1):expand(1 << 20, 1 << 20)
      assert.are.equal(1 << 40, v:numel())
      assert.are.equal(1 << 20, v:select(1, 5):sum())
      assert.are.same({1 << 20, 1 << 20}, v:t():size())
      local e = T.zeros(0):view(0, 1 << 20, 1 << 20)
      assert.are.same({0, 1 << 20, 1 << 20}, e:size())
    end)

    it("count an empty tensor as contiguous whatever its strides", function()
      assert.is_true(T.zeros(3, 0):isContiguous())
      assert.are.same({0, 5}, T.zeros(3, 0):view(0, 5):size())
      assert.is_true(T.zeros(3, 4):narrow(2, 1, 0):isContiguous())
    end)

    it("keep every view inside its storage", function()
      local base = T.arange(10)
      local n = base:narrow(1, 8, 3)
      assert.are.same({7, 8, 9}, n:totable())
      assert.are.same({}, base:narrow(1, 11, 0):totable())
      assert.has_error(function() base:narrow(1, 12, 0) end,
        "narrow: range 12..11 out of bounds for dimension 1 of size 10")
      assert.has_error(function() n:narrow(1, 2, 3) end,
        "narrow: range 2..4 out of bounds for dimension 1 of size 3")
    end)
  end)

  describe("random numbers", function()
    it("are reproducible for a seed", function()
      T.manualSeed(42)
      local a, p = T.randn(100), T.randperm(10)
      T.manualSeed(42)
      local b, q = T.randn(100), T.randperm(10)
      assert.are.same(a:totable(), b:totable())
      assert.are.same(p:totable(), q:totable())
      T.manualSeed(43)
      assert.are_not.same(a:totable(), T.randn(100):totable())
    end)

    it("resume from a saved generator state", function()
      T.manualSeed(5)
      T.randn(3)
      local state = T.rngState()
      local a = T.randn(7)
      T.manualSeed(99)
      T.setRngState(state)
      assert.are.same(a:totable(), T.randn(7):totable())
      assert.has_error(function() T.setRngState("short") end,
        "bad argument #1 to 'setRngState' (not a random generator state)")
    end)

    it("have the right moments", function()
      T.manualSeed(1)
      local u, n = T.rand(100000), T.randn(100000)
      assert.is_true(math.abs(u:mean() - 0.5) < 0.01)
      assert.is_true(u:min() >= 0 and u:max() < 1)
      assert.is_true(math.abs(n:mean()) < 0.02)
      assert.is_true(math.abs(n:std() - 1) < 0.02)
    end)
  end)

  it("prints values and shape like torch", function()
    local s = tostring(T.new{{1, 2}, {3, 4}})
    assert.are.equal("         1          2\n         3          4\n[semeq.Tensor of size 2x2]", s)
  end)

  it("rejects wrong types with the argument named", function()
    assert.has_error(function() T.ones(2):narrow("x", 1, 1) end,
      "bad argument #1 to 'narrow' (number expected, got string)")
    assert.has_error(function() T.mm({}, T.ones(1, 1)) end,
      "bad argument #1 to 'mm' (semeq.Tensor expected, got table)")
  end)
end)
