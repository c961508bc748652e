-- Scaling of training: time and peak memory (RSS) of scripts/bench/train.lua, each run a
-- fresh process, as the data grows x1, x4, x16 (the 458 SocialFX rows replicated, the
-- copies with noise) and as the latent grows 2 -> 128, at --epochs epochs (default 5),
-- the fastest of --reps runs (with the peak RSS of that run).
-- Time should grow linearly with the rows (constant seconds per row-epoch); the latent
-- changes only the small middle layers, so time and memory should barely move.
--   semeq scripts/bench/scaling.lua [--epochs 5] [--reps 2] [--scales 1,4,16] [--latents 2,8,32,128]
-- Last line: seconds_per_row_epoch_us: X (at the largest scale)
local bench = require "semeq.bench"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"

local p = cli.parser{
  name = "scaling.lua", usage = "[options]",
  description = "Training time and peak RSS as the data and the latent grow.",
  flags = {
    {"epochs", "integer", 5, "epochs per run", min = 1},
    {"reps", "integer", 2, "runs of each configuration (the fastest is kept)", min = 1},
    {"scales", "integers", {1, 4, 16}, "data replications", min = 1, max = 1000},
    {"latents", "integers", {2, 8, 32, 128}, "latent sizes (at scale 1)", min = 1, max = 4096},
  },
}
errors.main("scaling.lua", function()
  local o = p:parse_or_exit(arg)

  local ROWS = 458
  local sem, dir = bench.shell_quote(bench.interpreter()), bench.script_dir()

  local function run(scale, latent)
    local cmd = string.format("%s %s/train.lua --epochs %d --scale %d --latent %d", sem, dir, o.epochs, scale, latent)
    local best, rss = math.huge, nil
    for _ = 1, o.reps do
      local secs, out = bench.run_figure(cmd, "train_seconds")
      if secs < best then best, rss = secs, bench.figure_in(out, "peak_rss_mib") end
    end
    return best, rss
  end

  local load0 = bench.loadavg()
  print(string.format("%-22s %8s %10s %18s %14s", "run", "rows", "seconds", "us per row-epoch", "peak RSS MiB"))
  local last_us
  local rows_out = {}
  for _, s in ipairs(o.scales) do
    local secs, rss = run(s, 32)
    local us = secs / (ROWS * s * o.epochs) * 1e6
    last_us = us
    print(string.format("%-22s %8d %10.3f %18.2f %14.1f", "data x" .. s .. ", latent 32", ROWS * s, secs, us, rss))
    rows_out[#rows_out + 1] = {string.format("data x%d (%d rows)", s, ROWS * s), secs, us, rss}
  end
  for _, L in ipairs(o.latents) do
    local secs, rss = run(1, L)
    local us = secs / (ROWS * o.epochs) * 1e6
    print(string.format("%-22s %8d %10.3f %18.2f %14.1f", "data x1, latent " .. L, ROWS, secs, us, rss))
    rows_out[#rows_out + 1] = {string.format("latent %d", L), secs, us, rss}
  end
  print(string.format("load average %.2f before, %.2f after; %d epochs per run", load0 or -1, bench.loadavg() or -1,
    o.epochs))
  for _, r in ipairs(rows_out) do
    print(table.concat({"SCALING", r[1], string.format("%.3f", r[2]), string.format("%.2f", r[3]),
      string.format("%.1f", r[4])}, "\t"))
  end
  print(bench.figure("seconds_per_row_epoch_us", last_us))
end)
