-- semeq.plot: SVG files that are well formed, readable (titles, axes, ticks, units)
-- and written atomically; the SAFE example runs end to end.
local T = require "semeq.tensor"
local plot = require "semeq.eval.plot"

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir " .. d))
  return d
end

local function listing(dir)
  local p = io.popen("ls " .. dir)
  local s = p:read("a")
  p:close()
  return s
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Checks that every element opened is closed (a cheap well-formedness test).
local function balanced(svg)
  local stack = {}
  for close, name, selfclose in svg:gmatch("<(/?)([%w:]+)[^>]-(/?)>") do
    if close == "/" then
      if stack[#stack] ~= name then return false end
      stack[#stack] = nil
    elseif selfclose ~= "/" then
      stack[#stack + 1] = name
    end
  end
  return #stack == 0
end

describe("semeq.eval.plot", function()
  it("draws a latent map of 2-D points with centroids and a legend", function()
    local dir = tmpdir()
    local X = T.new {{0, 0}, {1, 1}, {5, 5}, {6, 5}, {6, 6}}
    local svg = plot.latent_map(X, {"warm", "warm", "b<r>ight", "b<r>ight", "b<r>ight"}, dir .. "/map.svg",
      {title = "Map & test"})
    assert.are.equal(svg, read(dir .. "/map.svg"))
    assert.are.equal("map.svg\n", listing(dir)) -- no temporary file left behind
    assert.is_true(balanced(svg))
    assert.matches("Map &amp; test", svg, 1, true)
    assert.matches("b&lt;r&gt;ight (3)", svg, 1, true)
    assert.matches(">z1<", svg, 1, true)
    local _, ncircles = svg:gsub("<circle", "")
    assert.are.equal(5 + 2 + 2, ncircles) -- points, centroids, legend swatches
    os.remove(dir .. "/map.svg")
    os.remove(dir)
  end)

  it("projects wider data on its principal components", function()
    T.manualSeed(4)
    local X = T.randn(30, 5)
    local labels = {}
    for i = 1, 30 do labels[i] = i % 3 end
    local svg = plot.latent_map(X, labels, nil, {units = "dB"})
    assert.matches("PC1 %(%d+%.%d%% of variance, dB%)", svg)
    assert.matches(">0 %(10%)<", svg)
  end)

  it("draws response curves on a log-frequency axis in dB", function()
    local dir = tmpdir()
    local freqs = T.new {20, 100, 1000, 10000, 20000}
    local svg = plot.responses({{label = "warm", db = T.new {3, 2, 0, -2, -3}}, {label = "flat", db = {0, 0, 0, 0, 0}}},
      dir .. "/eq.svg", {freqs = freqs})
    assert.is_true(balanced(svg))
    assert.matches("Frequency (Hz)", svg, 1, true)
    assert.matches("Gain (dB)", svg, 1, true)
    for _, tick in ipairs {">20<", ">100<", ">1k<", ">10k<", ">20k<"} do assert.matches(tick, svg, 1, true) end
    local _, nlines = svg:gsub("<polyline", "")
    assert.are.equal(2, nlines)
    os.remove(dir .. "/eq.svg")
    os.remove(dir)
    assert.has_error(function() plot.responses({{label = "x", db = {1, 2}}}, nil, {freqs = freqs}) end,
      "responses: curve 1 has 2 values for 5 frequencies")
  end)

  it("draws loss curves", function()
    local svg = plot.loss({train = {1, 0.5, 0.25}, val = {1.2, 0.8, 0.7}}, nil, {log_y = true})
    assert.is_true(balanced(svg))
    assert.matches(">Epoch<", svg, 1, true)
    assert.matches(">log10 loss<", svg, 1, true)
    assert.matches(">train<", svg, 1, true)
    assert.has_error(function() plot.loss({train = {1, 0}}, nil, {log_y = true}) end, "loss: log_y needs positive losses")
  end)

  it("names the file it cannot write", function()
    assert.are.same({nil, "cannot write /nonexistent/dir/x.svg: No such file or directory"},
      {plot.loss({a = {1, 2}}, "/nonexistent/dir/x.svg")})
  end)

  it("runs examples/safe_pca_map.lua through the interpreter", function()
    local bin = os.getenv("SEMEQ_BIN") or "build/semeq"
    local ok_data = require("semeq.data").load("safe") ~= nil
    if not ok_data then return pending("SAFE data not found") end
    local dir = tmpdir()
    local out = dir .. "/safe.svg"
    local p = io.popen(string.format("%s examples/safe_pca_map.lua %s 2>&1", bin, out))
    local log = p:read("a")
    local ok = p:close()
    assert.is_true(ok, log)
    assert.matches("user%-disjoint split: %d+ train, %d+ test rows", log)
    local svg = read(out)
    assert.is_true(balanced(svg))
    assert.matches("^<svg", svg)
    assert.matches("warm %(%d+%)", svg)
    assert.matches("bright %(%d+%)", svg)
    assert.is_nil(svg:find("test (", 1, true))
    os.remove(out)
    os.remove(dir)
  end)
end)
