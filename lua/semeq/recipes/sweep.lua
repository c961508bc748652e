--- semeq.recipes.sweep: a grid of recipe runs (latent size x lambda or beta x input x seeds),
-- run in this process (or shared among worker processes), summarised as mean ± sd.
--
--   local sweep = require "semeq.recipes.sweep"
--   local cells = sweep.cells{model = "contrastive", latent = {2, 8}, lambda = {0.5},
--                             inputs = {"params"}, seeds = 2, epochs = 3}
--   local runs = sweep.run(cells)             -- one report per cell, in order
--   print(sweep.table(sweep.summary(runs)))
--
-- A cell is a complete option table for a recipe's run_opts (recipes/contrastive.lua or
-- recipes/vae.lua): the recipe's own defaults with the grid's values on top. Each run
-- seeds the RNG itself, so a cell's result does not depend on which cells ran before
-- it or in which process.
--
-- Sharded over machines (scripts/sweep.lua --shard K/N, --merge DIR), every run is one
-- JSON file in a folder, written when the run ends:
--   sweep.save_run(dir, run, grid, ncells)  -- run-NNNNNN.json (the cell's number) with the grid
--   sweep.saved_run(dir, index, grid)       -- that cell's run if the folder has it for this grid
--   sweep.load_runs(dir)                    -- runs (grid order), grid, ncells; or nil, message
local atomic = require "semeq.util.atomic"
local cli = require "semeq.util.cli"
local fs = require "semeq.util.fs"
local json = require "semeq.util.json"

local sweep = {}

local cv = require "semeq.eval.cv"
local T = require "semeq.tensor"

local seed_on_safe = {}
for k, v in pairs(require("semeq.recipes.contrastive").presets.seed) do seed_on_safe[k] = v end
seed_on_safe.data, seed_on_safe.input = "safe", "params"
local RECIPES = {
  -- scripts/train_filtered.lua's model and loss (the seed's attempt 2), on SAFE by default.
  contrastive = {module = "semeq.recipes.contrastive", knob = "lambda", defaults = seed_on_safe},
  vae = {module = "semeq.recipes.vae", knob = "beta-max"},
}
sweep.recipes = RECIPES

-- The recipe's option table with every flag at its default.
local function defaults(model)
  local r = RECIPES[model]
  if not r then error(string.format("sweep: unknown model '%s' (contrastive, vae)", tostring(model)), 3) end
  local rec = require(r.module)
  local p = cli.parser{name = "sweep", flags = rec.flags(r.defaults or rec.defaults)}
  return (p:parse({})), rec
end

--- The cells of a grid, in order input, latent, knob, seed.
-- grid: model ("contrastive" | "vae"), latent {..}, lambda {..} (contrastive), beta
-- {..} (vae: the final KL weight), inputs {"params" | "curve40"}, seeds (n: seeds
-- 1..n), and any recipe option to set in every cell under `set` (e.g. {epochs = 3,
-- data = "safe"}; flag names as on the command line).
function sweep.cells(grid)
  local model = grid.model or "contrastive"
  local base = defaults(model)
  local r = RECIPES[model]
  local knob_values = model == "vae" and grid.beta or grid.lambda
  knob_values = knob_values or {base[r.knob]}
  local out = {}
  for _, input in ipairs(grid.inputs or {"params"}) do
    if input ~= "params" and input ~= "curve40" then
      error(string.format("sweep: unknown input '%s' (params, curve40)", tostring(input)), 2)
    end
    for _, latent in ipairs(grid.latent or {base.latent}) do
      for _, knob in ipairs(knob_values) do
        for seed = 1, grid.seeds or 1 do
          local o = {}
          for k, v in pairs(base) do o[k] = v end
          -- No bootstrap intervals by default: the spread over seeds is the one reported.
          o.bootstrap, o.quiet, o.recipe = 0, true, "sweep.lua"
          for k, v in pairs(grid.set or {}) do o[k] = v end
          o.input, o.latent, o[r.knob], o.seed = input, math.tointeger(latent), knob, seed
          out[#out + 1] = {model = model, knob = r.knob, opts = o}
        end
      end
    end
  end
  return out
end

local KEEP = {"n", "terms", "silhouette", "davies_bouldin", "knn_accuracy", "macro_f1",
              "recon_rms_db_mean", "recon_rms_db_p95", "pca_rms_db_mean", "pca_rms_db_p95"}

-- The numbers a sweep keeps of one report (the full reports can be large).
local function digest(result)
  if not result.model then return result end  -- already the means of a cross-validation
  local d = {}
  for _, k in ipairs(KEEP) do d[k] = result[k] end
  for _, b in ipairs {"baseline_params", "baseline_response"} do
    if result[b] then
      d[b] = {silhouette = result[b].silhouette, davies_bouldin = result[b].davies_bouldin,
              knn_accuracy = result[b].knn_accuracy}
    end
  end
  d.final_loss = result.model and result.model.final_loss
  return d
end

-- The mean over folds of a cross-validated cell, in the shape of one report.
local function fold_means(result)
  local r = {}
  for _, k in ipairs(KEEP) do
    local p = result.pooled[k]
    r[k] = type(p) == "table" and p.mean or nil
  end
  r.n = 0
  for _, f in ipairs(result.folds) do r.n = r.n + f.n end
  local b = result.pooled.baselines or {}
  for name, key in pairs {baseline_params = "raw_params", baseline_response = "raw_response"} do
    if b[key] then
      r[name] = {silhouette = b[key].silhouette and b[key].silhouette.mean,
                 davies_bouldin = b[key].davies_bouldin and b[key].davies_bouldin.mean,
                 knn_accuracy = b[key].knn_accuracy and b[key].knn_accuracy.mean}
    end
  end
  return r
end

-- A cell under the evaluation protocol (semeq.eval.cv): one model per fold.
local function cross_validated(rec, o)
  T.manualSeed(o.seed)
  local top = o["top-terms"]
  local result, err = cv.run{data = o.data, min_examples = o["min-examples"], terms = o.terms, stem = o.stem,
    top_terms = (not o.terms and top and top > 0) and top or nil, folds = o.folds, seed = o.seed, input = o.input,
    rep = o.ranges == "floweq" and o.input ~= "curve40" and "floweq13" or nil, bootstrap = 0,
    fit = function(ex) return rec.train(ex, o) end}
  if not result then return nil, err end
  return fold_means(result)
end

--- Runs one cell (k folds, or one split when its folds is 0); returns {model, input,
-- latent, knob, value, seed, seconds, result}, or nil and a message when the run fails.
function sweep.run_cell(cell)
  local rec = require(RECIPES[cell.model].module)
  local t0 = os.clock()
  local result, err
  if cell.opts.folds > 0 then
    result, err = cross_validated(rec, cell.opts)
  else
    result, err = rec.run_opts(cell.opts)
  end
  if not result then return nil, err end
  local o = cell.opts
  return {model = cell.model, input = o.input, latent = o.latent, knob = cell.knob, value = o[cell.knob],
          seed = o.seed, epochs = o.epochs, seconds = os.clock() - t0, result = digest(result)}
end

local function fmt(x) return x == nil and "-" or string.format("%.3f", x) end

--- Runs the cells in order (those with index % share[2] == share[1] - 1 when share is
-- given, for worker processes and shards); log(line) is called after each run. With
-- opts.saved (function(i) -> the run of cell i done earlier, or nil) such cells are not
-- run again; opts.done(run) is called after each run (a shard saves it). A run that fails
-- stops the sweep: nil and a message naming the cell.
function sweep.run(cells, opts)
  opts = opts or {}
  local runs = {}
  for i, cell in ipairs(cells) do
    local mine = not opts.share or (i - 1) % opts.share[2] == opts.share[1] - 1
    local earlier = mine and opts.saved and opts.saved(i)
    if earlier then
      runs[#runs + 1] = earlier
    elseif mine then
      local run, err = sweep.run_cell(cell)
      if not run then return nil, string.format("cell %d (%s, input %s, latent %s, seed %s): %s", i, cell.model,
        cell.opts.input, tostring(cell.opts.latent), tostring(cell.opts.seed), err) end
      run.index = i
      if opts.done then
        local ok, derr = opts.done(run)
        if not ok then return nil, derr end
      end
      runs[#runs + 1] = run
      if opts.log then
        local r = run.result
        opts.log(string.format("[%d/%d] %s input=%s latent=%d %s=%s seed=%d: silhouette %s, 5-NN %s, recon %s dB (%.1f s)",
          i, #cells, run.model, run.input, run.latent, run.knob, tostring(run.value), run.seed,
          fmt(r.silhouette), fmt(r.knn_accuracy), fmt(r.recon_rms_db_mean), run.seconds))
      end
    end
  end
  return runs
end

-- ------------------------------------------------------------------ sharded sweeps

function sweep.run_path(dir, index) return ("%s/run-%06d.json"):format(dir, index) end

--- Writes run (with its index) to its file in dir, atomically, with the grid it belongs to
-- (any table of plain values that says which grid: the same grid, the same JSON text).
function sweep.save_run(dir, run, grid, ncells)
  return atomic.write(sweep.run_path(dir, run.index), json.encode({grid = grid, cells = ncells, run = run}) .. "\n")
end

-- What a run file holds besides its result (sweep.run and save_run write them): a file
-- without them is damaged or hand-edited, and is named here rather than failing inside
-- the table.
local RUN_FIELDS = {{"index", "integer"}, {"model", "string"}, {"input", "string"}, {"latent", "integer"},
                    {"knob", "string"}, {"value", "number"}, {"seed", "integer"}}

-- Whether t holds only numbers and tables of numbers (a run's result and its baselines).
-- JSON null, how a NaN metric is written, is read back as absent: the table skips both.
local function numbers_only(t)
  for k, v in pairs(t) do
    if v == json.null then
      t[k] = nil
    elseif not (type(v) == "number" or type(v) == "table" and numbers_only(v)) then
      return false
    end
  end
  return true
end

-- Why v, the JSON of a run file, is not a run of a sharded sweep, or nil if it is one.
local function run_problem(v)
  if type(v) ~= "table" or type(v.run) ~= "table" then return "no run in it" end
  if math.type(v.cells) ~= "integer" or v.cells < 1 then return "'cells' is not a count of cells" end
  local report = type(v.grid) == "table" and v.grid.report
  if type(report) ~= "table" or type(report.model) ~= "string" or math.type(report.seeds) ~= "integer" then
    return "'grid' does not describe a grid"
  end
  for _, f in ipairs(RUN_FIELDS) do
    local x = v.run[f[1]]
    if (f[2] == "integer" and math.type(x) or type(x)) ~= f[2] then
      return ("run.%s is not %s %s"):format(f[1], f[2] == "integer" and "an" or "a", f[2])
    end
  end
  if v.run.index < 1 or v.run.index > v.cells then return ("run.index %d is not a cell of 1..%d"):format(v.run.index, v.cells) end
  if type(v.run.result) ~= "table" or not numbers_only(v.run.result) then return "run.result is not a table of numbers" end
  return nil
end

local function read_run(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  local v = json.decode(text)
  local problem = run_problem(v)
  if problem then return nil, ("%s: not a run of a sharded sweep: %s"):format(path, problem) end
  return v
end

--- The run of cell `index` saved in dir for this grid, or nil (none, unreadable, or of
-- another grid: then it is run again and its file replaced).
function sweep.saved_run(dir, index, grid)
  local v = read_run(sweep.run_path(dir, index))
  if v and v.run.index == index and json.encode(v.grid) == json.encode(grid) then return v.run end
  return nil
end

--- Every run in dir: the runs in grid order, the grid and the number of cells; nil and a
-- message when a file is not a run, runs of two grids meet, or a cell is missing.
function sweep.load_runs(dir)
  local kind = fs.kind(dir)
  if kind ~= "directory" then return nil, dir .. (kind == "missing" and ": no such folder" or ": not a folder") end
  local entries, problems = fs.walk(dir)
  if not entries then return nil, tostring(problems) end
  local runs, grid, key, ncells, seen, first = {}, nil, nil, nil, {}, nil
  for _, e in ipairs(entries) do
    if e.kind == "file" and e.path:match("/run%-%d+%.json$") then
      local v, err = read_run(e.path)
      if not v then return nil, err end
      local k = json.encode(v.grid)
      if key and (k ~= key or v.cells ~= ncells) then
        return nil, ("%s: a run of another grid than %s"):format(e.path, first)
      end
      key, grid, ncells, first = k, v.grid, v.cells, first or e.path
      if seen[v.run.index] then return nil, ("%s: cell %d is also in %s"):format(e.path, v.run.index, seen[v.run.index]) end
      seen[v.run.index] = e.path
      runs[#runs + 1] = v.run
    end
  end
  if not grid then return nil, dir .. ": no runs (run-NNNNNN.json files) in this folder" end
  local missing = {}
  for i = 1, ncells do if not seen[i] then missing[#missing + 1] = i end end
  if #missing > 0 then
    local shown = {}
    for i = 1, math.min(#missing, 10) do shown[i] = tostring(missing[i]) end
    return nil, ("%s: %d of %d runs are missing (cells %s%s); run their shards again"):format(dir, #missing, ncells,
      table.concat(shown, ", "), #missing > 10 and ", ..." or "")
  end
  table.sort(runs, function(a, b) return a.index < b.index end)
  return runs, grid, ncells
end

--- Mean and sample standard deviation of values[1..n] that are not nil or NaN (sd 0
-- for one value; nil, nil for none); also returns how many were used.
function sweep.mean_sd(values, n)
  local xs = {}
  for i = 1, n or #values do
    local v = values[i]
    if v ~= nil and v == v then xs[#xs + 1] = v end
  end
  if #xs == 0 then return nil, nil, 0 end
  local s = 0
  for _, v in ipairs(xs) do s = s + v end
  local m = s / #xs
  if #xs == 1 then return m, 0, 1 end
  local ss = 0
  for _, v in ipairs(xs) do ss = ss + (v - m) ^ 2 end
  return m, math.sqrt(ss / (#xs - 1)), #xs
end

sweep.columns = {
  {"silhouette", function(r) return r.silhouette end},
  {"davies_bouldin", function(r) return r.davies_bouldin end},
  {"knn_accuracy", function(r) return r.knn_accuracy end},
  {"recon_rms_db_mean", function(r) return r.recon_rms_db_mean end},
  {"pca_rms_db_mean", function(r) return r.pca_rms_db_mean end},
}

local BASELINES = {
  {"params_silhouette", function(r) return r.baseline_params and r.baseline_params.silhouette end},
  {"params_knn_accuracy", function(r) return r.baseline_params and r.baseline_params.knn_accuracy end},
  {"response_silhouette", function(r) return r.baseline_response and r.baseline_response.silhouette end},
  {"response_knn_accuracy", function(r) return r.baseline_response and r.baseline_response.knn_accuracy end},
}

local function stats(group, columns)
  local out = {}
  for _, c in ipairs(columns) do
    local vals = {}
    for i, run in ipairs(group) do vals[i] = c[2](run.result) end
    local m, sd, n = sweep.mean_sd(vals, #group)
    out[c[1]] = {mean = m, sd = sd, n = n}
  end
  return out
end

--- Groups runs by cell (everything but the seed), in first-seen order:
-- {cells = {{model, input, latent, knob, value, seeds, metrics = {name = {mean, sd, n}}}},
--  baselines = {{input, seeds, metrics}}} (the raw spaces depend only on input and seed).
function sweep.summary(runs)
  local cells, by_key, bases, by_input = {}, {}, {}, {}
  for _, run in ipairs(runs) do
    local key = table.concat({run.model, run.input, run.latent, run.knob, tostring(run.value)}, "|")
    if not by_key[key] then
      by_key[key] = {model = run.model, input = run.input, latent = run.latent, knob = run.knob, value = run.value, runs = {}}
      cells[#cells + 1] = by_key[key]
    end
    table.insert(by_key[key].runs, run)
    local b = by_input[run.input]
    if not b then
      b = {input = run.input, runs = {}, seen = {}}
      by_input[run.input] = b
      bases[#bases + 1] = b
    end
    if not b.seen[run.seed] then
      b.seen[run.seed] = true
      table.insert(b.runs, run)
    end
  end
  for _, c in ipairs(cells) do
    c.seeds, c.metrics, c.runs = #c.runs, stats(c.runs, sweep.columns), nil
  end
  for _, b in ipairs(bases) do
    b.seeds, b.metrics, b.runs, b.seen = #b.runs, stats(b.runs, BASELINES), nil, nil
  end
  return {cells = cells, baselines = bases}
end

-- "0.412 ± 0.023" padded to 15 characters (not bytes: ± takes two).
local function pm(s)
  local text = (not s or s.mean == nil) and "-" or string.format("%.3f ± %.3f", s.mean, s.sd)
  return text .. string.rep(" ", math.max(0, 15 - utf8.len(text)))
end

--- The summary as a text table: one row per cell, then the raw baselines per input.
function sweep.table(summary)
  local lines = {}
  local function add(...) lines[#lines + 1] = string.format(...) end
  add("%-12s %-8s %6s %-10s %5s  %-15s %-15s %-15s %-15s %s", "model", "input", "latent", "knob", "seeds",
    "silhouette", "Davies-Bouldin", "5-NN accuracy", "recon RMS dB", "PCA RMS dB")
  for _, c in ipairs(summary.cells) do
    local m = c.metrics
    add("%-12s %-8s %6d %-10s %5d  %s %s %s %s %s", c.model, c.input, c.latent,
      string.format("%s=%s", c.knob == "beta-max" and "beta" or c.knob, tostring(c.value)), c.seeds,
      pm(m.silhouette), pm(m.davies_bouldin), pm(m.knn_accuracy), pm(m.recon_rms_db_mean), pm(m.pca_rms_db_mean))
  end
  add("")
  add("raw baselines on the same held-out rows (mean ± sd over seeds):")
  add("%-8s %5s  %-15s %-15s %-15s %s", "input", "seeds", "params silh.", "params 5-NN", "response silh.", "response 5-NN")
  for _, b in ipairs(summary.baselines) do
    local m = b.metrics
    add("%-8s %5d  %s %s %s %s", b.input, b.seeds, pm(m.params_silhouette), pm(m.params_knn_accuracy),
      pm(m.response_silhouette), pm(m.response_knn_accuracy))
  end
  return table.concat(lines, "\n")
end

return sweep
