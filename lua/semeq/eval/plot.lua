--- semeq.eval.plot: SVG pictures that open in any browser, written by the project (no
-- dependency):
--
--   plot.latent_map(X, labels, "map.svg", {title = ...})   -- 2-D latent, else its PCA
--   plot.responses({{label = "warm", db = t}, ...}, "eq.svg", {freqs = grid})
--   plot.response_panels(curves, "grid.svg", {cols = 5})   -- small multiples, shared axes
--   plot.loss({train = {...}, val = {...}}, "loss.svg")
--
-- Readable at 800 px: a long title is made smaller or wrapped rather than cut; labels are
-- drawn after every marker and placed where they cover no other label or centroid; a
-- latent map carries its metrics (silhouette, Davies-Bouldin, 5-NN accuracy of the points
-- in the space they come from, not of the projection); many curves become small multiples.
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

-- A sequential colour scale (viridis, without its palest end, which vanishes on white):
-- for ordered curves (the steps of an interpolation), where a palette's colours say nothing.
local SCALE = {{0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62}, {0xb5, 0xc8, 0x1e}}

--- The colour at t in [0, 1] of the sequential scale, as "#rrggbb".
function M.scale(t)
  if type(t) ~= "number" or t ~= t then error("scale: expected a number in [0, 1], got " .. tostring(t), 2) end
  t = math.max(0, math.min(1, t)) * (#SCALE - 1)
  local i = math.min(#SCALE - 2, math.floor(t))
  local f, a, b = t - i, SCALE[i + 1], SCALE[i + 2]
  local function mix(k) return math.floor(a[k] + (b[k] - a[k]) * f + 0.5) end
  return string.format("#%02x%02x%02x", mix(1), mix(2), mix(3))
end

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;"}))
end

local function num(x) return string.format("%.2f", x) end

-- An SVG document under construction.
local Canvas = {}
Canvas.__index = Canvas

-- Approximate width in pixels of text at a font size: Helvetica averages ~0.56 em, and
-- the fallback fonts of renderers (DejaVu Sans) are wider still in bold (~0.64 em).
local function text_width(s, size, bold)
  return (bold and 0.64 or 0.56) * size * (utf8.len(tostring(s)) or #tostring(s))
end

-- The title in the top margin, never cut at the edges: centred over the plot when it
-- fits there, else over the whole picture, smaller, and on two lines if it must.
local function title_block(c, title, w, centred)
  local size, x = 16, centred and w / 2 or (MARGIN.left + w - MARGIN.right) / 2
  if centred or text_width(title, size, true) > w - MARGIN.left - MARGIN.right then
    x = w / 2
    size = math.min(16, math.max(12, math.floor(16 * (w - 24) / text_width(title, 16, true))))
  end
  if text_width(title, size, true) <= w - 24 then
    c:add(string.format('<text x="%s" y="28" text-anchor="middle" font-size="%d" font-weight="bold">%s</text>',
      num(x), size, esc(title)))
    return
  end
  -- two lines, split at the space nearest the middle
  local mid, cut = #title // 2, nil
  for i = 0, mid do
    if title:sub(mid - i, mid - i) == " " then cut = mid - i break end
    if title:sub(mid + i, mid + i) == " " then cut = mid + i break end
  end
  cut = cut or mid
  local a, b = title:sub(1, cut - 1), title:sub(cut + 1)
  size = math.max(10, math.min(size, math.floor(16 * (w - 24) / text_width(#a > #b and a or b, 16, true))))
  c:add(string.format('<text x="%s" y="%d" text-anchor="middle" font-size="%d" font-weight="bold">%s</text>',
    num(w / 2), 22, size, esc(a)))
  c:add(string.format('<text x="%s" y="%d" text-anchor="middle" font-size="%d" font-weight="bold">%s</text>',
    num(w / 2), 22 + size + 3, size, esc(b)))
end

-- A picture of w x h (default W x H) with its title; centred: over the whole width
-- (pictures without a legend on the right).
local function canvas(title, w, h, centred)
  w, h = w or W, h or H
  local c = setmetatable({parts = {}, w = w, h = h}, Canvas)
  c:add(string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
    .. 'font-family="Helvetica, Arial, sans-serif" font-size="12">', w, h, w, h))
  c:add(string.format('<rect width="%d" height="%d" fill="white"/>', w, h))
  if title then title_block(c, title, w, centred) end
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
  for _, v in ipairs {lo, hi, n} do
    if type(v) ~= "number" or v ~= v or math.abs(v) == math.huge then
      error("ticks: expected finite numbers lo, hi [, n], got " .. tostring(v), 2)
    end
  end
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

-- text cut (with an ellipsis) to fit `width` pixels at font size `size`.
local function fit_text(text, size, width)
  text = tostring(text)
  if text_width(text, size) <= width then return text end
  local n = math.max(1, math.floor(width / (0.56 * size)) - 1)
  return (text:sub(1, utf8.offset(text, n + 1) and utf8.offset(text, n + 1) - 1 or #text)) .. "…"
end

-- A cross marker (decoded points on a map): two strokes, so no fill hides what is under it.
local function cross(c, x, y, r, colour)
  c:add(string.format('<path d="M%s %sL%s %sM%s %sL%s %s" stroke="%s" stroke-width="2"/>', num(x - r), num(y - r),
    num(x + r), num(y + r), num(x - r), num(y + r), num(x + r), num(y - r), colour))
end

-- The legend right of the plot; `max` entries at most. Returns the y below it.
local function legend(c, entries, max)
  local x, y = W - MARGIN.right + 16, MARGIN.top + 6
  max = max or math.floor((H - MARGIN.top - MARGIN.bottom) / 18)
  local yy = y
  for i, e in ipairs(entries) do
    yy = y + (i - 1) * 18
    if i > max then
      c:text(x, yy + 4, string.format("… %d more", #entries - max + 1), ' fill="#555"')
      break
    end
    if e.line then
      c:add(string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2.5"%s/>', x, yy, x + 18, yy, e.colour,
        e.dash and ' stroke-dasharray="5,3"' or ""))
    elseif e.cross then
      cross(c, x + 9, yy, 4.5, e.colour)
    else
      c:add(string.format('<circle cx="%d" cy="%d" r="5" fill="%s"/>', x + 9, yy, e.colour))
    end
    c:text(x + 24, yy + 4, e.label)
  end
  return yy + 18
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

-- Boxes {x0, y0, x1, y1} overlap?
local function overlaps(a, b) return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4] end

-- Places a label of width w near (px, py) where it covers none of `taken` (boxes of
-- markers and labels placed before) and stays inside the plot; returns x, y (baseline)
-- and records its box. Tries right, left, above, below, then further out.
local function place_label(taken, px, py, w, plot_box)
  local h = 14
  local best
  for _, reach in ipairs {10, 22, 36} do
    for _, d in ipairs {{reach, -reach / 2 - 2}, {reach, reach / 2 + h - 2}, {-reach - w, -reach / 2 - 2},
                        {-reach - w, reach / 2 + h - 2}, {-w / 2, -reach - 2}, {-w / 2, reach + h}} do
      local x, y = px + d[1], py + d[2]
      local box = {x - 2, y - h + 2, x + w + 2, y + 4}
      local inside = box[1] >= plot_box[1] and box[3] <= plot_box[3] and box[2] >= plot_box[2] and box[4] <= plot_box[4]
      local free = inside
      for _, t in ipairs(taken) do
        if not free then break end
        free = not overlaps(box, t)
      end
      if free then taken[#taken + 1] = box return x, y end
      best = best or (inside and {x, y, box})
    end
  end
  best = best or {px + 10, py - 8, {px + 8, py - 20, px + 12 + w, py - 4}}
  taken[#taken + 1] = best[3]
  return best[1], best[2]
end

-- Silhouette, Davies-Bouldin and 5-NN accuracy (leave-one-out) of X by labels, as lines
-- for the map's side panel; nil when the labels do not make at least 2 groups of 2.
local function map_metrics(X, lab)
  local count, groups = {}, 0
  for _, l in ipairs(lab) do
    if not count[l] then groups = groups + 1 end
    count[l] = (count[l] or 0) + 1
  end
  if groups < 2 or #lab <= groups then return nil end
  local metrics = require "semeq.metrics"
  local ok, sil = pcall(metrics.silhouette, X, lab)
  local okd, db = pcall(metrics.davies_bouldin, X, lab)
  local okk, knn = pcall(metrics.knn_loo, X, lab, math.min(5, #lab - 1))
  local lines = {}
  if ok then lines[#lines + 1] = string.format("silhouette %.3f", sil) end
  if okd then lines[#lines + 1] = string.format("Davies-Bouldin %.3f", db) end
  -- leave-one-out among these points: not the table's k-NN, which is fitted on training rows
  if okk then lines[#lines + 1] = string.format("%d-NN, leave-one-out %.3f", math.min(5, #lab - 1), knn) end
  return lines
end

-- Latent map: points coloured by term, term centroids labelled, legend with counts and
-- the metrics of the points. X [n x 2] is drawn as it is; wider X is projected on its
-- first two principal components (axes say how much variance each explains; opts.units
-- names the unit of X, e.g. "dB"). The metrics are computed on X as given (all its
-- columns), not on the picture; opts.metrics = false leaves them out, a list of lines
-- replaces them. opts.overlay = {X = [m x d], labels = {...}, name = "decoded points"}
-- draws more points (black crosses with their labels) that are not a term: not counted
-- in the legend's terms, centroids or metrics.
function M.latent_map(X, labels, path, opts)
  opts = opts or {}
  if not T.isTensor(X) or X:dim() ~= 2 then error("latent_map: X must be a 2-D tensor [n x d]", 2) end
  local n, d = X:size(1), X:size(2)
  local lab = label_strings(labels, n, "latent_map")
  local overlay = opts.overlay
  if overlay and not (T.isTensor(overlay.X) and overlay.X:dim() == 2 and overlay.X:size(2) == d) then
    error(string.format("latent_map: overlay.X must be a tensor [m x %d]", d), 2)
  end
  local xlabel, ylabel = opts.xlabel or "z1", opts.ylabel or "z2"
  local P, OP = X, overlay and overlay.X
  if d > 2 then
    local pca = require("semeq.metrics").pca(X, 2)
    P = pca.projected
    if OP then OP = T.mm(OP - pca.mean:view(1, -1), pca.components:t()) end
    local unit = opts.units and (", " .. opts.units) or ""
    xlabel = string.format("PC1 (%.1f%% of variance%s)", 100 * pca.explained[1], unit)
    ylabel = string.format("PC2 (%.1f%% of variance%s)", 100 * pca.explained[2], unit)
  elseif d < 2 then
    error("latent_map: X needs at least 2 columns, got " .. d, 2)
  end
  local pts = P:totable()
  local xs, ys = {}, {}
  for i, p in ipairs(pts) do xs[i], ys[i] = p[1], p[2] end
  local oxs, oys = {}, {}
  for i, p in ipairs(OP and OP:totable() or {}) do oxs[i], oys[i] = p[1], p[2] end
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
  local allx, ally = {table.unpack(xs)}, {table.unpack(ys)}
  for i = 1, #oxs do allx[#allx + 1], ally[#ally + 1] = oxs[i], oys[i] end
  local fx, fy = axes(c, range(allx), range(ally), {xlabel = xlabel, ylabel = ylabel})
  -- the most frequent term is drawn first so small terms stay visible on top
  local order = {}
  for i = 1, n do order[i] = i end
  local rank = {}
  for i, t in ipairs(terms) do rank[t] = i end
  table.sort(order, function(a, b) if rank[lab[a]] ~= rank[lab[b]] then return rank[lab[a]] < rank[lab[b]] end return a < b end)
  for _, i in ipairs(order) do
    c:add(string.format('<circle cx="%s" cy="%s" r="3" fill="%s" fill-opacity="0.55"/>', num(fx(xs[i])), num(fy(ys[i])), colour[lab[i]]))
  end
  -- markers first (points, crosses, centroids), then every label on top of them all
  local taken, plot_box = {}, {MARGIN.left, MARGIN.top, W - MARGIN.right, H - MARGIN.bottom}
  for i = 1, #oxs do
    local px, py = fx(oxs[i]), fy(oys[i])
    cross(c, px, py, 4.5, "#000")
    taken[#taken + 1] = {px - 5, py - 5, px + 5, py + 5}
  end
  local cx, cy = {}, {}
  for i, l in ipairs(lab) do
    cx[l] = (cx[l] or 0) + xs[i] / count[l]
    cy[l] = (cy[l] or 0) + ys[i] / count[l]
  end
  local shown, entries = {}, {}
  for i, t in ipairs(terms) do
    if i <= (opts.max_centroids or 20) then
      local px, py = fx(cx[t]), fy(cy[t])
      c:add(string.format('<circle cx="%s" cy="%s" r="7" fill="%s" stroke="black" stroke-width="1.5"/>', num(px), num(py), colour[t]))
      taken[#taken + 1] = {px - 8, py - 8, px + 8, py + 8}
      shown[#shown + 1] = {t, px, py}
    end
    entries[i] = {label = string.format("%s (%d)", t, count[t]), colour = colour[t]}
  end
  local halo = ' stroke="white" stroke-width="3" paint-order="stroke"'
  for _, s in ipairs(shown) do
    local x, y = place_label(taken, s[2], s[3], text_width(s[1], 12, true), plot_box)
    c:text(x, y, s[1], ' font-weight="bold"' .. halo)
  end
  for i = 1, #oxs do
    local name = overlay.labels and overlay.labels[i]
    if name then
      local x, y = place_label(taken, fx(oxs[i]), fy(oys[i]), text_width(name, 10), plot_box)
      c:text(x, y, name, ' font-size="10"' .. halo)
    end
  end
  if #oxs > 0 then
    entries[#entries + 1] = {label = string.format("%s (%d)", overlay.name or "other points", #oxs), colour = "#000",
                             cross = true}
  end
  local metric_lines = opts.metrics
  if metric_lines == nil then metric_lines = map_metrics(X, lab) end
  local max_entries = math.floor((H - MARGIN.top - MARGIN.bottom) / 18) - (metric_lines and #metric_lines + 2 or 0)
  local y = legend(c, entries, max_entries)
  if metric_lines then
    local x = W - MARGIN.right + 16
    c:text(x, y + 8, string.format("metrics, %d-D points:", d), ' fill="#333" font-weight="bold"')
    for i, line in ipairs(metric_lines) do c:text(x, y + 8 + 16 * i, line, ' fill="#333"') end
  end
  return write(path, c:finish())
end

-- level: where the error points (3: the caller of the function that called to_list).
local function to_list(v, fn, level)
  if T.isTensor(v) then return v:contiguous():view(-1):totable() end
  if type(v) == "table" then return v end
  error(fn .. ": expected a tensor or a table of numbers", level or 3)
end

-- Checked series of curves {label=, db=, freqs=} (freqs default: opts.freqs or the
-- 64-point grid) and the range of every frequency and gain.
local function curve_series(curves, opts, fn)
  if type(curves) ~= "table" or #curves == 0 then error(fn .. ": expected a non-empty array of {label=, db=}", 3) end
  local default = opts.freqs or require("semeq.settings").grid()
  local series, allx, ally = {}, {}, {}
  for i, cv in ipairs(curves) do
    local fr, db = to_list(cv.freqs or default, fn, 4), to_list(cv.db, fn, 4)
    if #fr ~= #db then error(string.format("%s: curve %d has %d values for %d frequencies", fn, i, #db, #fr), 3) end
    for k, f in ipairs(fr) do
      if math.type(f) == nil or not (f > 0 and f < math.huge) then
        error(string.format("%s: curve %d frequency %d = %s must be a positive finite number", fn, i, k, tostring(f)), 3)
      end
    end
    for k, v in ipairs(db) do
      if math.type(v) == nil then error(string.format("%s: curve %d value %d is a %s, not a number", fn, i, k, type(v)), 3) end
    end
    series[i] = {fr = fr, db = db, label = cv.label or ("curve " .. i), group = cv.group, colour = cv.colour}
    for _, v in ipairs(fr) do allx[#allx + 1] = v end
    for _, v in ipairs(db) do ally[#ally + 1] = v end
  end
  return series, allx, ally
end

-- EQ response curves on a log-frequency axis in dB. curves: array of {label=, db=}
-- (db a 1-D tensor or table; colour: "#rrggbb", e.g. plot.scale(t), else the palette);
-- freqs: opts.freqs or each curve's .freqs (default: the 64-point grid of
-- semeq.settings; format.curves gives settings on a 1024-point grid).
function M.responses(curves, path, opts)
  opts = opts or {}
  local series, allx, ally = curve_series(curves, opts, "responses")
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
    local col = s.colour or M.palette[(i - 1) % #M.palette + 1]
    local pts = {}
    for k = 1, #s.fr do pts[k] = num(fx(s.fr[k])) .. "," .. num(fy(s.db[k])) end
    c:add(string.format('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>', col, table.concat(pts, " ")))
    entries[i] = {label = s.label, colour = col, line = true}
  end
  legend(c, entries)
  return write(path, c:finish())
end

--- Small multiples: one panel per curve ({label=, db=, freqs=, group=}), in rows of
-- opts.cols (default: a near-square layout), all on the same log-frequency and dB axes,
-- so that a grid of 25 decoded settings reads at a glance. A curve's group (e.g. its
-- nearest term) picks its colour; the groups are named under the title. opts: title,
-- cols, freqs, ylim, note (a line under the title).
function M.response_panels(curves, path, opts)
  opts = opts or {}
  local series, allx, ally = curve_series(curves, opts, "response_panels")
  local n = #series
  local cols = opts.cols or math.ceil(math.sqrt(n))
  local rows = math.ceil(n / cols)
  local left, right, top, bottom, gap = 70, 16, 78, 52, 8
  local pw = (W - left - right - gap * (cols - 1)) / cols
  local ph = math.max(70, math.min(150, pw * 0.72))
  local h = math.floor(top + rows * ph + (rows - 1) * gap + bottom)
  local c = canvas(opts.title or "EQ magnitude responses", W, h, true)
  local groups, colour = {}, {}
  for _, sr in ipairs(series) do
    if sr.group and not colour[sr.group] then
      groups[#groups + 1] = sr.group
      colour[sr.group] = M.palette[(#groups - 1) % #M.palette + 1]
    end
  end
  -- the note, then each group's name in its own colour
  local parts = {opts.note and esc(opts.note) or nil}
  if #groups > 0 then
    local named = {}
    for i, g in ipairs(groups) do
      named[i] = string.format('<tspan fill="%s" font-weight="bold">%s</tspan>', colour[g], esc(g))
    end
    parts[#parts + 1] = "colour: " .. table.concat(named, ", ")
  end
  if #parts > 0 then
    c:add(string.format('<text x="%s" y="58" text-anchor="middle" fill="#333">%s</text>', num(W / 2),
      table.concat(parts, "; ")))
  end
  local xr, yr = range(allx, 0), opts.ylim or range(ally, 0.08)
  local yt = M.ticks(yr[1], yr[2], 4)
  local la, lb = math.log(xr[1]), math.log(xr[2])
  for i, sr in ipairs(series) do
    local r, k = (i - 1) // cols, (i - 1) % cols
    local x0, y0 = left + k * (pw + gap), top + r * (ph + gap)
    local function fx(f) return x0 + (math.log(f) - la) / (lb - la) * pw end
    local function fy(v) return y0 + ph - (v - yr[1]) / (yr[2] - yr[1]) * ph end
    c:add(string.format('<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#999"/>', num(x0), num(y0),
      num(pw), num(ph)))
    for _, v in ipairs(yt) do
      c:add(string.format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>', num(x0), num(fy(v)), num(x0 + pw),
        num(fy(v)), v == 0 and "#888" or "#eee"))
      if k == 0 then c:text(x0 - 4, fy(v) + 4, fmt_tick(v), ' text-anchor="end" font-size="10"') end
    end
    for _, f in ipairs(pw >= 60 and {100, 1000, 10000} or {1000}) do
      if f > xr[1] and f < xr[2] then
        c:add(string.format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#eee"/>', num(fx(f)), num(y0), num(fx(f)),
          num(y0 + ph)))
        if r == rows - 1 or i + cols > n then
          c:text(fx(f), y0 + ph + 13, fmt_hz(f), ' text-anchor="middle" font-size="10"')
        end
      end
    end
    local pts = {}
    for j = 1, #sr.fr do pts[j] = num(fx(sr.fr[j])) .. "," .. num(fy(sr.db[j])) end
    c:add(string.format('<polyline fill="none" stroke="%s" stroke-width="1.8" points="%s"/>',
      sr.group and colour[sr.group] or M.palette[1], table.concat(pts, " ")))
    c:text(x0 + 4, y0 + 12, fit_text(sr.label, 10, pw - 8), ' font-size="10" stroke="white" stroke-width="3" '
      .. 'paint-order="stroke"')
  end
  c:text(left + (W - left - right) / 2, h - 14, "Frequency (Hz)", ' text-anchor="middle" font-size="13"')
  local mid = top + (h - top - bottom) / 2
  c:text(18, mid, "Gain (dB)", string.format(' text-anchor="middle" font-size="13" transform="rotate(-90 18 %s)"',
    num(mid)))
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
