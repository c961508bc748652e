-- A grid of training runs, several seeds each, summarised as mean ± sd of the held-out
-- metrics (silhouette, Davies-Bouldin, 5-NN accuracy, reconstruction RMS dB next to PCA
-- with as many components as the latent), with a JSON file of every run.
--
-- Every cell is evaluated by the protocol of the training scripts (semeq.eval.cv): k-fold
-- with SAFE's users held out (each once), the cell's value the mean over folds; seeds
-- change the initialisation, the batches and the order in which users of equal size are
-- dealt to folds. --folds 0 gives one held-out split per seed instead (quicker, and what
-- sweeps did before the protocol).
--
-- The default grid (documented here and in --help) is the full one: latent
-- {2, 8, 32, 64, 128} x lambda {0.1, 0.5, 1, 2} (contrastive) or beta {0.001, 0.01,
-- 0.02} (vae) x input {params, curve40} x 5 seeds x 5 folds, with each recipe's own
-- defaults (contrastive: scripts/train_filtered.lua's model on SAFE, 100 epochs; vae:
-- scripts/train_vae.lua, 200 epochs). That is 1,000 contrastive trainings (hours on
-- one core); narrow it with flags:
--
--   semeq scripts/sweep.lua --latent 2,8,32 --lambda 0.5,1 --inputs params --seeds 3 --epochs 50
--   semeq scripts/sweep.lua --model vae --latent 2,3 --beta 0.001,0.01 --json vae_sweep.json
--   semeq scripts/sweep.lua ... --jobs 2      -- two worker processes share the cells
--
-- Over several machines (a cluster, GNU parallel), each process runs a shard of the grid
-- and writes one JSON file per run into a shared folder; a last command merges them into
-- the same table (and --json report) one process would print:
--
--   semeq scripts/sweep.lua GRID... --shard 3/8 --out runs/    -- cells 3, 11, 19, ... of the grid
--   semeq scripts/sweep.lua --merge runs/ [--json sweep.json]  -- once every shard is done
--
-- A shard run again skips the cells whose runs are already in the folder (so a preempted
-- job can simply be resubmitted); a merge refuses a folder with runs of two grids or with
-- cells missing, and names them. examples/sweep_slurm.sh and the README show GNU parallel
-- and a Slurm array job (sbatch --array=1-N).
--
-- A sweep compares configurations on the rows it reports: a setting picked from it and
-- then reported on the same folds is chosen on its test rows. semeq's presets are the
-- seed's and FlowEQ's settings, not picks from a sweep. Cells run without bootstrap
-- intervals (the spread over seeds is reported). Every run seeds itself, so --jobs does
-- not change any number.
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local fs = require "semeq.util.fs"
local json = require "semeq.util.json"
local sweep = require "semeq.recipes.sweep"
local report = require "semeq.eval.report"
local T = require "semeq.tensor"

local NAME = "sweep.lua"

local parser = cli.parser{
  name = NAME, usage = "[options]",
  description = "Train a grid of models over several seeds; summarise held-out metrics as mean ± sd.",
  flags = {
    {"model", "string", "contrastive",
     "contrastive (scripts/train_filtered.lua's model, on SAFE) or vae (scripts/train_vae.lua)",
     choices = {"contrastive", "vae"}},
    {"latent", "integers", {2, 8, 32, 64, 128}, "latent sizes", min = 1},
    {"lambda", "numbers", {0.1, 0.5, 1, 2}, "contrastive loss weights (contrastive)", min = 0},
    {"beta", "numbers", {0.001, 0.01, 0.02}, "final KL weights, --beta-max of train_vae (vae)", min = 0},
    {"inputs", "strings", {"params", "curve40"}, "SAFE input representations: params (13) and/or curve40",
     choices = {"params", "curve40"}},
    {"seeds", "integer", 5, "seeds 1..N per cell", min = 1},
    {"folds", "integer", 5, "k-fold evaluation of every cell (0: one held-out split per seed, quicker)",
     min = 0, max = 100},
    {"epochs", "integer", nil, "training epochs (default: the recipe's)", min = 1},
    {"data", "string", nil, "dataset (default: the recipe's, safe)"},
    {"min-examples", "integer", nil, "keep terms with at least this many examples (default: the recipe's)", min = 1},
    {"terms", "strings", nil, "keep only these terms (comma-separated keys)"},
    {"json", "string", nil, "write every run and the summary here (.json)"},
    {"jobs", "integer", 1, "worker processes (each runs a share of the cells)", min = 1},
    {"threads", "integer", 1, "OpenBLAS threads per process", min = 1, max = 256},
    {"quiet", "boolean", false, "no line per run"},
    {"shard", "string", nil, "run share K/N of the cells (every Nth from the Kth) and write each run to --out"},
    {"out", "string", nil, "with --shard: the folder the runs are written to (made if missing; shared by all shards)"},
    {"merge", "string", nil, "print the table (and write --json) of the runs every shard wrote to this folder"},
    {"worker", "string", nil, "internal: run share I/N of the cells and write them to --runs-out"},
    {"runs-out", "string", nil, "internal: where a worker writes its runs"},
  },
}

local function grid_of(opts)
  local set = {epochs = opts.epochs, data = opts.data, ["min-examples"] = opts["min-examples"], terms = opts.terms,
               threads = opts.threads, folds = opts.folds}
  return {model = opts.model, latent = opts.latent, lambda = opts.lambda, beta = opts.beta, inputs = opts.inputs,
          seeds = opts.seeds, set = set}
end

-- What the report says of the grid (and every run file of a shard, with the full grid).
local function report_grid(opts, cells)
  local g = grid_of(opts)
  return {model = g.model, latent = g.latent, lambda = g.model ~= "vae" and g.lambda or nil,
          beta = g.model == "vae" and g.beta or nil, inputs = g.inputs, seeds = g.seeds, epochs = cells[1].opts.epochs}
end

local function log(line) io.stderr:write(line, "\n") end

-- K/N of --shard or --worker, checked (errors.usage names the flag otherwise).
local function share_of(text, flag)
  local k, n = tostring(text):match("^(%d+)/(%d+)$")
  k, n = tonumber(k), tonumber(n)
  if not k or n < 1 or k < 1 or k > n then errors.usage(("--%s needs K/N with 1 <= K <= N, got '%s'"):format(flag, text)) end
  return {k, n}
end

-- The end of a sweep: the header line, the table, and the JSON report when asked for.
local function finish(opts, runs, grid, how)
  local summary = sweep.summary(runs)
  print(string.format("%d runs (%d cells x %d seeds), %s, %s", #runs, #summary.cells, grid.seeds, grid.model, how))
  print(sweep.table(summary))
  if opts.json then
    errors.check(report.write_json(opts.json, {grid = grid, runs = runs, summary = summary}))
    print("report written to " .. opts.json)
  end
end

-- --shard K/N --out DIR: this process's share of the cells, each run saved as it ends.
local function shard(opts, cells, log_line)
  if not opts.out then errors.usage("--shard needs --out DIR (the folder the runs go to)") end
  if opts.jobs > 1 then errors.usage("--shard runs in one process: start one process per shard instead of --jobs") end
  local share = share_of(opts.shard, "shard")
  os.execute("mkdir -p -- " .. fs.quote(opts.out))
  local grid = {full = grid_of(opts), report = report_grid(opts, cells)}
  local again = 0
  local runs = errors.check(sweep.run(cells, {share = share, log = log_line,
    saved = function(i)
      local r = sweep.saved_run(opts.out, i, grid)
      again = again + (r and 1 or 0)
      return r
    end,
    done = function(run) return sweep.save_run(opts.out, run, grid, #cells) end}))
  print(string.format("shard %d/%d: %d runs of %d cells in %s (%d were there already); merge with --merge %s",
    share[1], share[2], #runs, #cells, opts.out, again, opts.out))
end

-- The argument list again, for workers (minus --jobs and --json).
local function worker_command(i, n, out)
  local q = function(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
  local parts = {q(arg[-1] or "semeq"), q(arg[0])}
  local skip = false
  for _, a in ipairs(arg) do
    if skip then
      skip = false
    elseif a == "--jobs" or a == "--json" then
      skip = true
    elseif not (a:match("^%-%-jobs=") or a:match("^%-%-json=")) then
      parts[#parts + 1] = q(a)
    end
  end
  parts[#parts + 1] = ("--worker %d/%d --runs-out %s"):format(i, n, q(out))
  return table.concat(parts, " ")
end

-- Runs the cells in `jobs` worker processes at once and merges their runs in order.
local function run_workers(jobs)
  local pipes, files = {}, {}
  for i = 1, jobs do
    files[i] = os.tmpname()
    pipes[i] = assert(io.popen(worker_command(i, jobs, files[i]) .. " 2>&1", "r"))
  end
  local runs = {}
  for i = 1, jobs do
    for line in pipes[i]:lines() do io.stderr:write(line, "\n") end
    local ok, _, code = pipes[i]:close()
    local f = io.open(files[i], "rb")
    local text = f and f:read("a")
    if f then f:close() end
    os.remove(files[i])
    local got = text and json.decode(text)
    if not ok or type(got) ~= "table" then errors.fail(("worker %d/%d failed (exit %s)"):format(i, jobs, tostring(code))) end
    for _, r in ipairs(got) do runs[#runs + 1] = r end
  end
  table.sort(runs, function(a, b) return a.index < b.index end)
  return runs
end

errors.main(NAME, function()
  local opts = parser:parse_or_exit(arg)
  -- before hours of runs; --out with --shard is a folder, made by the shard itself
  if not opts.worker then require("semeq.recipes").check_outputs({json = opts.json}) end
  if opts.merge then
    local runs, grid = errors.check(sweep.load_runs(opts.merge))
    finish(opts, runs, grid.report, "merged from " .. opts.merge)
    return 0
  end
  T.setNumThreads(opts.threads)
  local cells = sweep.cells(grid_of(opts))
  local log_line = not opts.quiet and log or nil

  if opts.shard then return shard(opts, cells, log_line) end
  if opts.worker then
    if not opts["runs-out"] then errors.usage("--worker needs I/N and --runs-out") end
    local runs = errors.check(sweep.run(cells, {share = share_of(opts.worker, "worker"), log = log_line}))
    errors.check(report.write_json(opts["runs-out"], runs))
    return 0
  end

  local t0 = os.time()
  local runs
  if opts.jobs > 1 then
    runs = run_workers(math.min(opts.jobs, #cells))
  else
    runs = errors.check(sweep.run(cells, {log = log_line}))
  end
  finish(opts, runs, report_grid(opts, cells), string.format("%d s", os.time() - t0))
end)
