--- semeq.eval.plot: SVG pictures that open in any browser, written by the project (no
-- dependency):
--
--   plot.latent_map(X, labels, "map.svg", {title = ...})   -- 2-D latent, else its PCA
--   plot.responses({{label = "warm", db = t}, ...}, "eq.svg", {freqs = grid})
--   plot.loss({train = {...}, val = {...}}, "loss.svg")
--
-- Each function returns the SVG text and, given a path, writes it there atomically: a
-- file that cannot be written gives nil and a message instead. With path nil, nothing
-- is written.
local T = require "semeq.tensor"
local atomic = require "semeq.util.atomic"

local M = {}

local W, H = 760, 500
local MARGIN = {left = 78, right = 190, top = 52, bottom = 64}

-- Colour-blind-friendly palette (Okabe-Ito, then Tableau), cycled.
M.palette = {
  "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
  "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7",
}

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;"}))
end

local function num(x) return string.format("%.2f", x) end

-- An SVG document under construction.
local Canvas = {}
Canvas.__index = Canvas

local function canvas(title)
  local c = setmetatable({parts = {}}, Canvas)
  c:add(string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
    .. 'font-family="Helvetica, Arial, sans-serif" font-size="12">', W, H, W, H))
  c:add(string.format('<rect width="%d" height="%d" fill="white"/>', W, H))
  if title then
    c:add(string.format('<text x="%s" y="28" text-anchor="middle" font-size="16" font-weight="bold">%s</text>',
      num((MARGIN.left + W - MARGIN.right) / 2), esc(title)))
  end
  return c
end

function Canvas:add(s) self.parts[#self.parts + 1] = s end

function Canvas:text(x, y, s, attrs)
  self:add(string.format('<text x="%s" y="%s"%s>%s</text>', num(x), num(y), attrs or "", esc(s)))
end

function Canvas:finish() self:add("</svg>\n"); return table.concat(self.parts, "\n") end

-- "Nice" linear ticks (steps of 1, 2 or 5 times a power of ten) covering [lo, hi].
function M.ticks(lo, hi, n)
  n = n or 6
  if hi <= lo then hi = lo + 1 end
  local raw = (hi - lo) / n
  local p = 10 ^ math.floor(math.log(raw, 10))
  local step = p
  for _, m in ipairs {1, 2, 5, 10} do
    if m * p >= raw then step = m * p; break end
  end
  local out = {}
  for k = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) do out[#out + 1] = k * step end
  return out
end

local function fmt_tick(v)
  if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", v) end
  return (string.format("%.3g", v))
end

local function fmt_hz(f)
  if f >= 1000 then return fmt_tick(f / 1000) .. "k" end
  return fmt_tick(f)
end

-- Plot area with axes, ticks, grid and labels; returns functions mapping data to pixels.
local function axes(c, xr, yr, opts)
  local x0, x1 = MARGIN.left, W - MARGIN.right
  local y0, y1 = H - MARGIN.bottom, MARGIN.top
  local fx
  if opts.logx then
    local a, b = math.log(xr[1]), math.log(xr[2])
    fx = function(x) return x0 + (math.log(x) - a) / (b - a) * (x1 - x0) end
  else
    fx = function(x) return x0 + (x - xr[1]) / (xr[2] - xr[1]) * (x1 - x0) end
  end
  local fy = function(y) return y0 - (y - yr[1]) / (yr[2] - yr[1]) * (y0 - y1) end
  c:add(string.format('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>', x0, y1, x1 - x0, y0 - y1))
  local xt = opts.xticks
  if not xt then
    if opts.logx then
      xt = {}
      for _, v in ipairs {10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000} do
        if v >= xr[1] * 0.999 and v <= xr[2] * 1.001 then xt[#xt + 1] = v end
      end
    else
      xt = M.ticks(xr[1], xr[2])
    end
  end
  for _, v in ipairs(xt) do
    local px = fx(v)
    c:add(string.format('<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#ddd"/>', num(px), y0, num(px), y1))
    c:add(string.format('<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#333"/>', num(px), y0, num(px), y0 + 5))
    c:text(px, y0 + 18, opts.logx and fmt_hz(v) or fmt_tick(v), ' text-anchor="middle"')
  end
  for _, v in ipairs(opts.yticks or M.ticks(yr[1], yr[2])) do
    local py = fy(v)
    c:add(string.format('<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#ddd"/>', x0, num(py), x1, num(py)))
    c:add(string.format('<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#333"/>', x0 - 5, num(py), x0, num(py)))
    c:text(x0 - 8, py + 4, fmt_tick(v), ' text-anchor="end"')
  end
  c:text((x0 + x1) / 2, H - 18, opts.xlabel or "", ' text-anchor="middle" font-size="13"')
  c:text(20, (y0 + y1) / 2, opts.ylabel or "",
    string.format(' text-anchor="middle" font-size="13" transform="rotate(-90 20 %s)"', num((y0 + y1) / 2)))
  return fx, fy
end

local function legend(c, entries)
  local x, y = W - MARGIN.right + 16, MARGIN.top + 6
  local max = math.floor((H - MARGIN.top - MARGIN.bottom) / 18)
  for i, e in ipairs(entries) do
    if i > max then
      c:text(x, y + (i - 1) * 18 + 4, string.format("… %d more", #entries - max + 1), ' fill="#555"')
      break
    end
    local yy = y + (i - 1) * 18
    if e.line then
      c:add(string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2.5"%s/>', x, yy, x + 18, yy, e.colour,
        e.dash and ' stroke-dasharray="5,3"' or ""))
    else
      c:add(string.format('<circle cx="%d" cy="%d" r="5" fill="%s"/>', x + 9, yy, e.colour))
    end
    c:text(x + 24, yy + 4, e.label)
  end
end

local function range(values, pad)
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(values) do
    if v == v and v ~= math.huge and v ~= -math.huge then
      if v < lo then lo = v end
      if v > hi then hi = v end
    end
  end
  if lo > hi then lo, hi = 0, 1 end
  if hi - lo < 1e-12 then lo, hi = lo - 1, hi + 1 end
  local p = (hi - lo) * (pad or 0.05)
  return {lo - p, hi + p}
end

local function write(path, svg)
  if path then
    local ok, err = atomic.write(path, svg)
    if not ok then return nil, err end
  end
  return svg
end

local function label_strings(labels, n, fn)
  if T.isTensor(labels) then labels = labels:totable() end
  if type(labels) ~= "table" or #labels ~= n then
    error(string.format("%s: expected %d labels, got %s", fn, n, type(labels) == "table" and #labels or type(labels)), 3)
  end
  local out = {}
  for i, v in ipairs(labels) do out[i] = tostring(math.tointeger(v) or v) end
  return out
end

-- Latent map: points coloured by term, term centroids labelled, legend with counts.
-- X [n x 2] is drawn as it is; wider X is projected on its first two principal
-- components (axes say how much variance each explains; opts.units names the unit
-- of X, e.g. "dB").
function M.latent_map(X, labels, path, opts)
  opts = opts or {}
  if not T.isTensor(X) or X:dim() ~= 2 then error("latent_map: X must be a 2-D tensor [n x d]", 2) end
  local n, d = X:size(1), X:size(2)
  local lab = label_strings(labels, n, "latent_map")
  local xlabel, ylabel = opts.xlabel or "z1", opts.ylabel or "z2"
  local P = X
  if d > 2 then
    local pca = require("semeq.metrics").pca(X, 2)
    P = pca.projected
    local unit = opts.units and (", " .. opts.units) or ""
    xlabel = string.format("PC1 (%.1f%% of variance%s)", 100 * pca.explained[1], unit)
    ylabel = string.format("PC2 (%.1f%% of variance%s)", 100 * pca.explained[2], unit)
  elseif d < 2 then
    error("latent_map: X needs at least 2 columns, got " .. d, 2)
  end
  local pts = P:totable()
  local xs, ys = {}, {}
  for i, p in ipairs(pts) do xs[i], ys[i] = p[1], p[2] end
  -- terms by decreasing count, then name
  local count, terms = {}, {}
  for _, l in ipairs(lab) do
    if not count[l] then terms[#terms + 1] = l end
    count[l] = (count[l] or 0) + 1
  end
  table.sort(terms, function(a, b) if count[a] ~= count[b] then return count[a] > count[b] end return a < b end)
  local colour = {}
  for i, t in ipairs(terms) do colour[t] = M.palette[(i - 1) % #M.palette + 1] end
  local c = canvas(opts.title or "Latent map")
  local fx, fy = axes(c, range(xs), range(ys), {xlabel = xlabel, ylabel = ylabel})
  -- the most frequent term is drawn first so small terms stay visible on top
  local order = {}
  for i = 1, n do order[i] = i end
  local rank = {}
  for i, t in ipairs(terms) do rank[t] = i end
  table.sort(order, function(a, b) if rank[lab[a]] ~= rank[lab[b]] then return rank[lab[a]] < rank[lab[b]] end return a < b end)
  for _, i in ipairs(order) do
    c:add(string.format('<circle cx="%s" cy="%s" r="3" fill="%s" fill-opacity="0.55"/>', num(fx(xs[i])), num(fy(ys[i])), colour[lab[i]]))
  end
  local cx, cy = {}, {}
  for i, l in ipairs(lab) do
    cx[l] = (cx[l] or 0) + xs[i] / count[l]
    cy[l] = (cy[l] or 0) + ys[i] / count[l]
  end
  local entries = {}
  for i, t in ipairs(terms) do
    if i <= (opts.max_centroids or 20) then
      local px, py = fx(cx[t]), fy(cy[t])
      c:add(string.format('<circle cx="%s" cy="%s" r="7" fill="%s" stroke="black" stroke-width="1.5"/>', num(px), num(py), colour[t]))
      c:text(px + 10, py - 8, t, ' font-weight="bold" stroke="white" stroke-width="3" paint-order="stroke"')
    end
    entries[i] = {label = string.format("%s (%d)", t, count[t]), colour = colour[t]}
  end
  legend(c, entries)
  return write(path, c:finish())
end

local function to_list(v, fn)
  if T.isTensor(v) then return v:contiguous():view(-1):totable() end
  if type(v) == "table" then return v end
  error(fn .. ": expected a tensor or a table of numbers", 3)
end

-- EQ response curves on a log-frequency axis in dB. curves: array of {label=, db=}
-- (db a 1-D tensor or table); freqs: opts.freqs or each curve's .freqs (default: the
-- 64-point grid of semeq.data.represent).
function M.responses(curves, path, opts)
  opts = opts or {}
  if type(curves) ~= "table" or #curves == 0 then error("responses: expected a non-empty array of {label=, db=}", 2) end
  local default = opts.freqs or require("semeq.settings").grid()
  local series, allx, ally = {}, {}, {}
  for i, cv in ipairs(curves) do
    local fr, db = to_list(cv.freqs or default, "responses"), to_list(cv.db, "responses")
    if #fr ~= #db then error(string.format("responses: curve %d has %d values for %d frequencies", i, #db, #fr), 2) end
    -- the x axis is log10(frequency): a non-positive one would put NaN in the SVG
    for k, f in ipairs(fr) do
      if math.type(f) == nil or not (f > 0 and f < math.huge) then
        error(string.format("responses: curve %d frequency %d = %s must be a positive finite number", i, k, tostring(f)), 2)
      end
    end
    for k, v in ipairs(db) do
      if math.type(v) == nil then
        error(string.format("responses: curve %d value %d is a %s, not a number", i, k, type(v)), 2)
      end
    end
    series[i] = {fr = fr, db = db, label = cv.label or ("curve " .. i)}
    for _, v in ipairs(fr) do allx[#allx + 1] = v end
    for _, v in ipairs(db) do ally[#ally + 1] = v end
  end
  local xr = range(allx, 0)
  local yr = opts.ylim or range(ally, 0.08)
  local c = canvas(opts.title or "EQ magnitude response")
  local fx, fy = axes(c, xr, yr, {logx = true, xlabel = "Frequency (Hz)", ylabel = "Gain (dB)"})
  if yr[1] < 0 and yr[2] > 0 then
    c:add(string.format('<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#888" stroke-width="1.2"/>',
      MARGIN.left, num(fy(0)), W - MARGIN.right, num(fy(0))))
  end
  local entries = {}
  for i, s in ipairs(series) do
    local col = M.palette[(i - 1) % #M.palette + 1]
    local pts = {}
    for k = 1, #s.fr do pts[k] = num(fx(s.fr[k])) .. "," .. num(fy(s.db[k])) end
    c:add(string.format('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>', col, table.concat(pts, " ")))
    entries[i] = {label = s.label, colour = col, line = true}
  end
  legend(c, entries)
  return write(path, c:finish())
end

-- Loss curves against the epoch. series: {name = {values...}, ...} or an array of
-- {label=, values=}; opts.log_y draws log10 of the losses.
function M.loss(series, path, opts)
  opts = opts or {}
  local list = {}
  if type(series) ~= "table" then error("loss: expected a table of loss series", 2) end
  if #series > 0 then
    list = series
  else
    local names = {}
    for k in pairs(series) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do list[#list + 1] = {label = k, values = series[k]} end
  end
  if #list == 0 then error("loss: no series to draw", 2) end
  local ally, maxn = {}, 1
  for i, s in ipairs(list) do
    s.values = to_list(s.values, "loss")
    if #s.values == 0 then error(string.format("loss: series %d is empty", i), 2) end
    maxn = math.max(maxn, #s.values)
    for k, v in ipairs(s.values) do
      if math.type(v) == nil then
        error(string.format("loss: series %d value %d is a %s, not a number", i, k, type(v)), 2)
      end
      if opts.log_y and not (v > 0) then error("loss: log_y needs positive losses", 2) end
      ally[#ally + 1] = opts.log_y and math.log(v, 10) or v
    end
  end
  local c = canvas(opts.title or "Training loss")
  local fx, fy = axes(c, {1, math.max(2, maxn)}, range(ally, 0.06),
    {xlabel = opts.xlabel or "Epoch", ylabel = opts.ylabel or (opts.log_y and "log10 loss" or "Loss")})
  local entries = {}
  for i, s in ipairs(list) do
    local col = M.palette[(i - 1) % #M.palette + 1]
    local pts = {}
    for k, v in ipairs(s.values) do pts[k] = num(fx(k)) .. "," .. num(fy(opts.log_y and math.log(v, 10) or v)) end
    c:add(string.format('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>', col,
      i > 1 and ' stroke-dasharray="6,3"' or "", table.concat(pts, " ")))
    entries[i] = {label = s.label, colour = col, line = true, dash = i > 1}
  end
  legend(c, entries)
  return write(path, c:finish())
end

return M
