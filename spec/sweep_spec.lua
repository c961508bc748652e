-- scripts/sweep.lua and semeq.sweep: a tiny grid (2 cells x 2 seeds x 3 epochs) end to end.
local H = require "spec.helpers"
local data = require "semeq.data"
local sweep = require "semeq.recipes.sweep"

local ok_data = data.find("SAFEEqualiserUserData.csv") ~= nil

describe("semeq.recipes.sweep", function()
  it("computes mean and sample sd, skipping missing and NaN values", function()
    local m, sd, n = sweep.mean_sd({1, 2, 3, 0 / 0}, 4)
    assert.are.same({2, 1, 3}, {m, sd, n})
    m, sd, n = sweep.mean_sd({nil, 5}, 2)
    assert.are.same({5, 0, 1}, {m, sd, n})
    assert.are.same({nil, nil, 0}, {sweep.mean_sd({}, 0)})
  end)

  it("builds the cells of a grid in order input, latent, knob, seed on the recipe's defaults", function()
    local cells = sweep.cells{model = "contrastive", latent = {2, 8}, lambda = {0.1, 1}, inputs = {"params", "curve40"},
      seeds = 3, set = {epochs = 7}}
    assert.are.equal(2 * 2 * 2 * 3, #cells)
    local c = cells[1].opts
    assert.are.same({"params", 2, 0.1, 1, 7, 0, 10}, {c.input, c.latent, c.lambda, c.seed, c.epochs, c.bootstrap, c["min-examples"]})
    c = cells[#cells].opts
    assert.are.same({"curve40", 8, 1, 3}, {c.input, c.latent, c.lambda, c.seed})
    local v = sweep.cells{model = "vae", latent = {3}, beta = {0.02}, seeds = 1}
    assert.are.same({1, 3, 0.02, 200, 8}, {#v, v[1].opts.latent, v[1].opts["beta-max"], v[1].opts.epochs, v[1].opts.batch})
    assert.has_error(function() sweep.cells{model = "gan"} end, "sweep: unknown model 'gan' (contrastive, vae)")
    assert.has_error(function() sweep.cells{inputs = {"wav"}} end, "sweep: unknown input 'wav' (params, curve40)")
  end)

  it("summarises runs per cell and baselines per input", function()
    local function run(latent, seed, sil)
      return {model = "contrastive", input = "params", latent = latent, knob = "lambda", value = 0.5, seed = seed,
              result = {silhouette = sil, knn_accuracy = 0.5, baseline_params = {silhouette = seed}}}
    end
    local s = sweep.summary{run(2, 1, 0.2), run(2, 2, 0.4), run(8, 1, 0.6), run(8, 2, 0.6)}
    assert.are.equal(2, #s.cells)
    assert.are.same({2, 2}, {s.cells[1].latent, s.cells[1].seeds})
    assert.are.near(0.3, s.cells[1].metrics.silhouette.mean, 1e-12)
    assert.are.near(math.sqrt(0.02), s.cells[1].metrics.silhouette.sd, 1e-12)
    assert.are.same({0.6, 0}, {s.cells[2].metrics.silhouette.mean, s.cells[2].metrics.silhouette.sd})
    assert.are.same({1, 2}, {#s.baselines, s.baselines[1].seeds})
    assert.are.equal(1.5, s.baselines[1].metrics.params_silhouette.mean)
    assert.truthy(sweep.table(s):find("0.300 ± 0.141", 1, true))
  end)

  it("merges run files, reading a NaN metric (JSON null) as missing, and names a damaged one", function()
    local dir = H.tmpdir()
    local grid = {report = {model = "contrastive", seeds = 2}}
    local function run(seed, result)
      return {index = seed, model = "contrastive", input = "params", latent = 2, knob = "lambda", value = 0.5,
              seed = seed, result = result}
    end
    assert(sweep.save_run(dir, run(1, {silhouette = 0 / 0, knn_accuracy = 0.5}), grid, 2))
    local good = run(2, {silhouette = 0.25, knn_accuracy = 0.75})
    assert(sweep.save_run(dir, good, grid, 2))
    local runs = assert(sweep.load_runs(dir))
    local m = sweep.summary(runs).cells[1].metrics
    assert.are.same({0.25, 1}, {m.silhouette.mean, m.silhouette.n})
    assert.are.same({0.625, 2}, {m.knn_accuracy.mean, m.knn_accuracy.n})
    for _, damage in ipairs {
      {run(2, {silhouette = "high"}), "run.result is not a table of numbers"},
      {run(2, nil), "run.result is not a table of numbers"},
      {run("2", {}), "run.index is not an integer"},
      {run(3, {}), "run.index 3 is not a cell of 1..2"},
    } do
      assert(sweep.save_run(dir, damage[1], grid, 2))  -- run-000002.json, or 000003 for index 3
      local none, err = sweep.load_runs(dir)
      assert.is_nil(none)
      assert.truthy(err:find(": not a run of a sharded sweep: " .. damage[2], 1, true), err)
      os.remove(sweep.run_path(dir, 3))
      assert(sweep.save_run(dir, good, grid, 2))
    end
  end)
end)

describe("scripts/sweep.lua", function()
  if not ok_data then
    pending("SAFE data not found")
    return
  end
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("runs 2 cells x 2 seeds, prints mean ± sd, and writes every run", function()
    local json = dir .. "/sweep.json"
    local out, rc = H.semeq("scripts/sweep.lua --latent 2,8 --lambda 0.5 --inputs params --seeds 2 --epochs 3 --json "
      .. H.quote(json))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("4 runs (2 cells x 2 seeds), contrastive", 1, true), out)
    assert.truthy(out:find("contrastive%s+params%s+2%s+lambda=0.5%s+2%s+%-?%d%.%d%d%d ± %d%.%d%d%d"), out)
    assert.truthy(out:find("contrastive%s+params%s+8%s+lambda=0.5%s+2"), out)
    assert.truthy(out:find("[4/4] contrastive input=params latent=8 lambda=0.5 seed=2", 1, true), out)
    local r = require("semeq.util.json").decode(H.read(json))
    assert.are.same({2, 8}, r.grid.latent)
    assert.are.equal(4, #r.runs)
    local seen = {}
    for _, run in ipairs(r.runs) do
      seen[#seen + 1] = run.latent .. "/" .. run.seed
      assert.are.equal(3, run.epochs)
      assert.is_true(run.result.knn_accuracy >= 0 and run.result.knn_accuracy <= 1)
      assert.is_true(run.result.recon_rms_db_mean >= 0)
    end
    assert.are.same({"2/1", "2/2", "8/1", "8/2"}, seen)
    -- The summary is the mean and sd of the runs it lists.
    local a, b = r.runs[1].result.silhouette, r.runs[2].result.silhouette
    local m = r.summary.cells[1].metrics.silhouette
    assert.are.near((a + b) / 2, m.mean, 1e-9)
    assert.are.near(math.abs(a - b) / math.sqrt(2), m.sd, 1e-9)
  end)

  it("gives the same runs with --jobs 2 as in one process", function()
    local one, two = dir .. "/one.json", dir .. "/two.json"
    local args = "scripts/sweep.lua --model vae --latent 2 --inputs params --beta 0.001 --seeds 2 --epochs 3 --quiet --json "
    local out, rc = H.semeq(args .. H.quote(one))
    assert.are.equal(0, rc, out)
    out, rc = H.semeq(args .. H.quote(two) .. " --jobs 2")
    assert.are.equal(0, rc, out)
    local r1, r2 = require("semeq.util.json").decode(H.read(one)), require("semeq.util.json").decode(H.read(two))
    assert.are.equal(2, #r2.runs)
    for i = 1, 2 do
      r1.runs[i].seconds, r2.runs[i].seconds = nil, nil
      assert.are.same(r1.runs[i], r2.runs[i])
    end
    -- Workers hand their runs over as JSON, and the JSON writer (cJSON) may round a
    -- double by one ulp, so the summaries agree to rounding, not bitwise.
    local m1, m2 = r1.summary.cells[1].metrics, r2.summary.cells[1].metrics
    for name, s in pairs(m1) do
      assert.are.near(s.mean, m2[name].mean, 1e-12)
      assert.are.near(s.sd, m2[name].sd, 1e-12)
    end
  end)

  it("gives the same table from 3 shards and a merge as from one process, cross-validated", function()
    local grid = "scripts/sweep.lua --latent 2,8 --lambda 0.5 --inputs params --seeds 2 --epochs 2 --folds 2 --quiet "
    local one, merged, runs = dir .. "/whole.json", dir .. "/merged.json", dir .. "/runs"
    local whole, rc = H.semeq(grid .. "--json " .. H.quote(one))
    assert.are.equal(0, rc, whole)
    for k = 1, 3 do
      local out, src = H.semeq(grid .. ("--shard %d/3 --out %s"):format(k, H.quote(runs)))
      assert.are.equal(0, src, out)
      assert.truthy(out:find(("shard %d/3: %d runs of 4 cells"):format(k, k == 1 and 2 or 1), 1, true), out)
    end
    -- A shard run again finds its runs and trains nothing.
    local again = H.semeq(grid .. "--shard 1/3 --out " .. H.quote(runs))
    assert.truthy(again:find("(2 were there already)", 1, true), again)
    local out, mrc = H.semeq("scripts/sweep.lua --merge " .. H.quote(runs) .. " --json " .. H.quote(merged))
    assert.are.equal(0, mrc, out)
    assert.truthy(out:find("4 runs (2 cells x 2 seeds), contrastive, merged from", 1, true), out)
    -- The table itself (between the header line and the report line) is the same text.
    local function table_of(text) return text:match("\n(model.-)\nreport written") end
    assert.is_string(table_of(whole))
    assert.are.equal(table_of(whole), table_of(out))
    local J = require "semeq.util.json"
    local a, b = J.decode(H.read(one)), J.decode(H.read(merged))
    assert.are.same(a.grid, b.grid)
    assert.are.equal(4, #b.runs)
    for i = 1, 4 do
      a.runs[i].seconds, b.runs[i].seconds = nil, nil
      assert.are.same(a.runs[i], b.runs[i])
    end
    for name, m in pairs(a.summary.cells[2].metrics) do
      assert.are.near(m.mean, b.summary.cells[2].metrics[name].mean, 1e-12)
    end
    -- A missing run is named; a run of another grid is refused.
    os.remove(runs .. "/run-000003.json")
    out, mrc = H.semeq("scripts/sweep.lua --merge " .. H.quote(runs))
    assert.are.equal(1, mrc, out)
    assert.truthy(out:find("1 of 4 runs are missing (cells 3); run their shards again", 1, true), out)
    H.semeq(grid:gsub("%-%-seeds 2", "--seeds 3") .. "--shard 3/3 --out " .. H.quote(runs))
    out, mrc = H.semeq("scripts/sweep.lua --merge " .. H.quote(runs))
    assert.are.equal(1, mrc, out)
    assert.truthy(out:find("a run of another grid than", 1, true), out)
    out, mrc = H.semeq(grid .. "--shard 4/3 --out " .. H.quote(runs))
    assert.are.equal(2, mrc, out)
    assert.truthy(out:find("--shard needs K/N with 1 <= K <= N, got '4/3'", 1, true), out)
  end)

  it("runs examples/sweep_slurm.sh as the tasks of a Slurm array would, then merges", function()
    local runs = dir .. "/slurm-runs"
    for task = 1, 2 do
      local out, rc = H.run(("SLURM_ARRAY_TASK_ID=%d SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=2 SEMEQ=%s "
        .. "SWEEP_OUT=%s SWEEP_GRID='--latent 2 --lambda 0.5 --inputs params --seeds 2 --epochs 1 --folds 0 --quiet' "
        .. "sh examples/sweep_slurm.sh"):format(task, H.quote(H.bin), H.quote(runs)))
      assert.are.equal(0, rc, out)
      assert.truthy(out:find(("shard %d/2: 1 runs of 2 cells"):format(task), 1, true), out)
    end
    local out, rc = H.semeq("scripts/sweep.lua --merge " .. H.quote(runs))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("2 runs (1 cells x 2 seeds), contrastive, merged from", 1, true), out)
  end)

  it("says when --merge is given a missing folder or a file", function()
    local out, rc = H.semeq("scripts/sweep.lua --merge " .. H.quote(dir .. "/no-such-runs"))
    assert.are.equal(1, rc)
    assert.truthy(out:find("sweep.lua: " .. dir .. "/no-such-runs: no such folder\n", 1, true), out)
    out, rc = H.semeq("scripts/sweep.lua --merge README.md")
    assert.are.equal(1, rc)
    assert.truthy(out:find("sweep.lua: README.md: not a folder\n", 1, true), out)
  end)

  it("rejects bad grids with a message", function()
    local out, rc = H.semeq("scripts/sweep.lua --latent 2,x")
    assert.are.equal(2, rc)
    assert.truthy(out:find("sweep.lua: --latent: item 2 must be an integer, got 'x'", 1, true), out)
    out, rc = H.semeq("scripts/sweep.lua --latent 2.5")
    assert.are.equal(2, rc)
    assert.truthy(out:find("sweep.lua: --latent: item 1 must be an integer, got '2.5'", 1, true), out)
    out, rc = H.semeq("scripts/sweep.lua --latent 0")
    assert.are.equal(2, rc)
    assert.truthy(out:find("sweep.lua: --latent: item 1 must be >= 1, got 0", 1, true), out)
    out, rc = H.semeq("scripts/sweep.lua --model gan")
    assert.are.equal(2, rc)
    assert.truthy(out:find("sweep.lua: --model: the value must be one of contrastive, vae, got 'gan'", 1, true), out)
  end)
end)
