-- Pictures readable at 800 px: a long title is never cut, labels never sit under a
-- marker, latent maps carry their metrics, a decoded grid is drawn as small multiples,
-- ordered curves on a colour scale, and EQ curves on a dense log grid (>= 512 points).
local T = require "semeq.tensor"
local plot = require "semeq.eval.plot"
local format = require "semeq.settings.format"
local metrics = require "semeq.metrics"
local H = require "spec.helpers"

local W = 760  -- the pictures' width (viewBox)

-- Every <text> element: {x=, y=, size=, anchor=, text=} (tspans flattened).
local function texts(svg)
  local out = {}
  for attrs, body in svg:gmatch("<text([^>]*)>(.-)</text>") do
    out[#out + 1] = {x = tonumber(attrs:match(' x="([-%d.]+)"')), y = tonumber(attrs:match(' y="([-%d.]+)"')),
                     size = tonumber(attrs:match('font%-size="(%d+)"')) or 12,
                     anchor = attrs:match('text%-anchor="(%a+)"') or "start", text = body:gsub("<[^>]+>", "")}
  end
  return out
end

-- The horizontal extent of a text, generously estimated (bold DejaVu: 0.64 em).
local function extent(t)
  local w = 0.64 * t.size * utf8.len(t.text)
  if t.anchor == "middle" then return t.x - w / 2, t.x + w / 2 end
  if t.anchor == "end" then return t.x - w, t.x end
  return t.x, t.x + w
end

describe("readable pictures", function()
  it("shrink or wrap a long title instead of cutting it at the edges", function()
    local title = "contrastive autoencoder (245704 parameters) on safe — held-out rows of every fold, word "
      .. "and intensity, seed 1"
    local svg = plot.latent_map(T.new {{0, 0}, {1, 1}, {2, 0}}, {"a", "a", "b"}, nil, {title = title})
    local shown = {}
    for _, t in ipairs(texts(svg)) do
      if t.y and t.y < 50 then
        local lo, hi = extent(t)
        assert.truthy(lo >= 0 and hi <= W, ("title line '%s' spans %.0f..%.0f of %d px"):format(t.text, lo, hi, W))
        shown[#shown + 1] = t.text
      end
    end
    assert.are.equal(title, table.concat(shown, " "), "every word of the title is there")
  end)

  it("put every centroid label where it covers no other centroid and no other label", function()
    -- three terms whose centroids are close together
    local rows, labels = {}, {}
    for i = 1, 60 do
      local k = i % 3
      rows[i] = {k * 0.08 + 0.01 * math.sin(i), 0.05 * k + 0.01 * math.cos(i)}
      labels[i] = ({"warm", "bright", "boomy"})[k + 1]
    end
    rows[61], rows[62], labels[61], labels[62] = {5, 5}, {-5, -5}, "warm", "bright"  -- spread the axes
    local svg = plot.latent_map(T.new(rows), labels)
    local centroids = {}
    for cx, cy in svg:gmatch('<circle cx="([-%d.]+)" cy="([-%d.]+)" r="7"') do
      centroids[#centroids + 1] = {tonumber(cx) - 7, tonumber(cy) - 7, tonumber(cx) + 7, tonumber(cy) + 7}
    end
    assert.are.equal(3, #centroids)
    local boxes = {}
    for _, t in ipairs(texts(svg)) do
      if t.text == "warm" or t.text == "bright" or t.text == "boomy" then
        local lo, hi = extent(t)
        boxes[#boxes + 1] = {lo, t.y - 10, hi, t.y + 2}
      end
    end
    assert.are.equal(3, #boxes)
    local function overlap(a, b) return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4] end
    for i, b in ipairs(boxes) do
      for _, c in ipairs(centroids) do assert.is_false(overlap(b, c), "a label covers a centroid") end
      for j = i + 1, #boxes do assert.is_false(overlap(b, boxes[j]), "two labels overlap") end
    end
    -- labels come after every marker of the plot in the document, so none is painted over them
    local last_marker = 0
    for pos in svg:gmatch('()<circle[^>]* r="[37]"') do last_marker = pos end
    assert.truthy(svg:find(">warm</text>", 1, true) > last_marker)
  end)

  it("carry the metrics of the points, computed in their own space", function()
    T.manualSeed(7)
    local X = T.randn(40, 6)
    local labels = {}
    for i = 1, 40 do
      labels[i] = i <= 20 and "a" or "b"
      if i > 20 then X[i]:add_(2) end
    end
    local svg = plot.latent_map(X, labels)
    assert.truthy(svg:find(">metrics, 6-D points:<", 1, true), svg)
    assert.truthy(svg:find((">silhouette %.3f<"):format(metrics.silhouette(X, labels)), 1, true))
    assert.truthy(svg:find((">Davies-Bouldin %.3f<"):format(metrics.davies_bouldin(X, labels)), 1, true))
    assert.truthy(svg:find((">5-NN, leave-one-out %.3f<"):format(metrics.knn_loo(X, labels, 5)), 1, true))
    assert.is_nil(plot.latent_map(X, labels, nil, {metrics = false}):find("silhouette", 1, true))
  end)

  it("draw extra points as numbered crosses that are not a term", function()
    local X = T.new {{0, 0}, {1, 0}, {0, 1}, {1, 1}}
    local svg = plot.latent_map(X, {"a", "a", "b", "b"}, nil,
      {overlay = {X = T.new {{0.5, 0.5}, {2, 2}, {-1, 0}}, labels = {"1", "2", "3"}, name = "decoded points"}})
    local _, crosses = svg:gsub('<path d="M', "")
    assert.are.equal(3 + 1, crosses)  -- the points and the legend's swatch
    local _, centroids = svg:gsub('r="7"', "")
    assert.are.equal(2, centroids)
    assert.truthy(svg:find(">decoded points (3)<", 1, true))
    for _, n in ipairs {"1", "2", "3"} do assert.truthy(svg:find(">" .. n .. "</text>", 1, true), n) end
  end)

  it("draw EQ curves on a dense log grid that shows a narrow peak", function()
    local setting = {kind = "safe", params = {0, 100, 0, 200, 1, 12, 1234, 10, 0, 5000, 1, 0, 10000}}
    local curve = format.curves({{label = "narrow", eq = setting}})[1]
    assert.truthy(curve.db:numel() >= 512)
    assert.are.equal(curve.db:numel(), curve.freqs:numel())
    local f = curve.freqs:totable()
    assert.near(20, f[1], 1e-3)
    assert.near(20000, f[#f], 1e-2)
    assert.near(f[2] / f[1], f[#f] / f[#f - 1], 1e-4)  -- log-spaced
    assert.truthy(curve.db:max() > 11.9, "the dense grid reaches the +12 dB peak: " .. curve.db:max())
    local coarse = format.response(setting):max()
    assert.truthy(coarse < 11.5, "the 64-point grid steps over it: " .. coarse)
    local svg = plot.responses({curve})
    local points = svg:match('<polyline[^>]-points="([^"]*)"')
    local _, n = points:gsub(",", "")
    assert.are.equal(curve.db:numel(), n)
  end)

  it("draw many curves as small multiples on shared axes", function()
    local curves = {}
    for i = 1, 12 do
      curves[i] = {label = "p" .. i, db = {i, -i, i / 2}, freqs = {20, 1000, 20000}, group = i % 2 == 0 and "even" or "odd"}
    end
    local svg = plot.response_panels(curves, nil, {cols = 4, title = "twelve"})
    local _, lines = svg:gsub("<polyline", "")
    assert.are.equal(12, lines)
    local _, frames = svg:gsub('fill="none" stroke="#999"', "")
    assert.are.equal(12, frames)
    assert.truthy(svg:find('<tspan fill="#0072B2" font-weight="bold">odd</tspan>', 1, true), svg)
    for i = 1, 12 do assert.truthy(svg:find(">p" .. i .. "<", 1, true)) end
    -- one y scale: the tick labels of the first column repeat row after row
    local ticks = {}
    for t in svg:gmatch('text%-anchor="end" font%-size="10">([^<]+)<') do ticks[t] = (ticks[t] or 0) + 1 end
    for _, count in pairs(ticks) do assert.are.equal(3, count) end
  end)

  it("give ordered curves a colour scale", function()
    assert.are.equal("#440154", plot.scale(0))
    assert.are.equal("#b5c81e", plot.scale(1))
    assert.are_not.equal(plot.scale(0.4), plot.scale(0.6))
  end)
end)

describe("the scripts' pictures", function()
  local dir
  before_each(function() dir = H.tmpdir() end)
  after_each(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("explore --grid draws small multiples in the grid's place and a map with numbered crosses", function()
    local out, rc = H.run(("cd %s && %s --run explore --model %s/models/safe_vae2d.safetensors --grid 5 "
      .. "--svg g.svg --map m.svg"):format(H.quote(dir), H.bin, require("semeq.util.paths").home()))
    assert.are.equal(0, rc, out)
    local g, m = H.read(dir .. "/g.svg"), H.read(dir .. "/m.svg")
    local _, panels = g:gsub("<polyline", "")
    assert.are.equal(25, panels)
    -- the top-left panel is the lowest z1 and the highest z2: point 5 of latent.grid
    local first = g:match('font%-size="10" stroke="white"[^>]*>([^<]+)<')
    assert.truthy(first:match("^5 %("), first)
    assert.is_nil(m:find("decoded points)", 1, true) and m:find(">(decoded points)", 1, true))
    assert.truthy(m:find(">decoded points (25)<", 1, true))
  end)

  it("interpolate draws its steps on the colour scale", function()
    local out, rc = H.run(("cd %s && %s --run interpolate --from warm --to bright --steps 3 --svg i.svg")
      :format(H.quote(dir), H.bin))
    assert.are.equal(0, rc, out)
    local svg = H.read(dir .. "/i.svg")
    for _, t in ipairs {0, 0.5, 1} do assert.truthy(svg:find('stroke="' .. plot.scale(t) .. '"', 1, true), t) end
  end)
end)
