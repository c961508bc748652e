-- Builds the results table from the logs of the benchmarks (the "RESULT\t..." lines that
-- bench.result prints and the "SCALING\t..." lines of scaling.lua), with the machine and
-- the date, prints it and writes it (atomically) to OUT.
--   semeq scripts/bench/report.lua LOG OUT [started_utc]
-- Called by scripts/bench/run_all.sh.
local atomic = require "semeq.util.atomic"

local log_path, out_path, started = arg[1], arg[2], arg[3]
if not (log_path and out_path) then
  io.stderr:write("usage: semeq scripts/bench/report.lua LOG OUT [started_utc]\n")
  os.exit(2)
end

local function sh(cmd)
  local p = io.popen(cmd .. " 2>/dev/null")
  if not p then return "" end
  local s = p:read("a") or ""
  p:close()
  return (s:gsub("%s+$", ""))
end

local function split(line)
  local f = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
  return f
end

local results, scaling, loads, notes = {}, {}, {}, {}
local current = "?"
for line in io.lines(log_path) do
  local bench_name = line:match("^== %S*/([%w_]+)%.lua")
  if bench_name then current = bench_name end
  if line:match("^RESULT\t") then
    results[#results + 1] = split(line)
  elseif line:match("^SCALING\t") then
    scaling[#scaling + 1] = split(line)
  elseif line:match("^load average") then
    loads[#loads + 1] = current .. ": " .. line
  elseif line:match("^parameters:") or line:match("^sgemm peak") or line:match("^achieved")
      or line:match("^one core's FMA peak") or line:match("^FAILED:") then
    notes[#notes + 1] = line
  end
end

local semeq_bin = arg[-1] or "semeq"
local lines = {}
local function add(s, ...) lines[#lines + 1] = select("#", ...) > 0 and string.format(s, ...) or s end

local cpu = sh("lscpu | sed -n 's/^Model name: *//p'")
add("## Performance")
add("")
add("Measured by `scripts/bench/run_all.sh` on %s UTC: %s, %s cores (`nproc`), %s GiB RAM, Linux %s; %s.",
  started or os.date("!%Y-%m-%d %H:%M"), cpu ~= "" and cpu or "unknown CPU", sh("nproc"),
  sh("free -g | awk '/^Mem:/{print $2}'"), sh("uname -r"),
  sh(semeq_bin .. " -v | sed -n 's/^ *OpenBLAS /OpenBLAS /p'"))
add("Peers: PyTorch %s and scikit-learn %s (Debian, `/usr/bin/python3`), %s.",
  sh("/usr/bin/python3 -c 'import torch; print(torch.__version__)'"),
  sh("/usr/bin/python3 -c 'import sklearn; print(sklearn.__version__)'"), sh("sox --version | sed 's/^.*SoX/SoX/'"))
add("Each side runs in the same session, alternating (A B, B A, ...); figures are median (min-max).")
add("\"ratio\" is how many times faster semeq is (from the medians); \"best\" is the ratio of the best runs.")
add("")
add("| benchmark | semeq | peer | peer figure | unit | ratio | best | target | met | note |")
add("|---|---|---|---|---|---|---|---|---|---|")
for _, r in ipairs(results) do
  add("| %s |", table.concat({r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11] or ""}, " | "))
end
add("")
add("How each pair is measured (the scripts' headers say more):")
add("")
add("- training: `train.lua` vs `train_torch.py`, the same 458 SocialFX rows, architecture (same parameter count), "
  .. "loss (MSE + 0.5 x contrastive) and loop (batch 32, Adam 1e-3, 100 epochs); each side times its training loop "
  .. "only. semeq runs on 1 thread (the recipes' default; its matrix products are OpenBLAS's sgemm, with the "
  .. "kernel for the CPU: src/blas_kernel.c, which sets OPENBLAS_CORETYPE; the peers it starts inherit it); "
  .. "PyTorch with `set_num_threads(2)` and with 1, and the target row takes the faster of the two. GFLOP/s count "
  .. "the Linear layers' multiply-adds; one core's FMA peak is measured by `gemm_peak.lua` (register-resident "
  .. "fused multiply-adds at the kernels' vector width). Peak RSS is the semeq process's (getrusage).")
add("- inference: `infer.lua` vs `infer_torch.py`, the SAFE-sized model (input 13, latent 32), batch 1, evaluation "
  .. "mode / `no_grad`; each call timed alone after 200 warm-up calls. term -> EQ is `semantic:eq_for` (centroid, "
  .. "decoder, inverse normalisation to a Lua table) vs the same steps ending in a Python list. \"C runtime\" rows "
  .. "time the calls of the public C API (src/semeq.h) in a C loop, no Lua; the shipped model's rows use "
  .. "models/safe_warm_bright.safetensors, whose PyTorch peer evaluates the file's own graph, and whose term -> EQ "
  .. "includes the 5-band fit of the decoded curve (no PyTorch peer).")
add("- filterbank: `filterbank.lua`, one process per run on both sides (`scripts/apply.lua` vs sox with bass/"
  .. "equalizer/treble or 40 equalizer effects), both reading and writing 60 s stereo 44.1 kHz float32 WAV in a temp "
  .. "folder; x RT/core = audio seconds / CPU seconds. \"in memory\" rows are semeq alone (no sox equivalent).")
add("- batch: `batch.lua`, 200 files x 3 s 16-bit WAV, `apply.lua --jobs 2` vs `xargs -P 2` sox (one process per "
  .. "file, `-D`: no dither, like semeq).")
add("- metrics: `metrics.lua` vs `metrics_sklearn.py` on the same float32 points (sklearn computes in float64); the "
  .. "metric call only, label encoding included; the labels are an array on both sides (a NumPy array, a 1-D tensor), and "
  .. "the notes give semeq's time with them as a Lua table, timed in the same alternation. semeq's silhouette uses OpenBLAS's thread count "
  .. "(default: every core) for its own threads; its value does not depend on it.")
add("- long file: `longfile.lua`, a 60-minute stereo 44.1 kHz float32 WAV (1.3 GB) and a 1-minute one equalised by "
  .. "`scripts/apply.lua` and by sox (the SAFE chain), one process per run; peak RSS and minor page faults of each "
  .. "process from wait4, start-up included.")
if #scaling > 0 then
  add("")
  add("Scaling of training (semeq, `scripts/bench/scaling.lua`; fastest of the runs):")
  add("")
  add("| run | seconds | us per row-epoch | peak RSS MiB |")
  add("|---|---|---|---|")
  for _, s in ipairs(scaling) do add("| %s | %s | %s | %s |", s[2], s[3], s[4], s[5]) end
end
if #notes > 0 then
  add("")
  for _, n in ipairs(notes) do add("- %s", n) end
end
if #loads > 0 then
  add("")
  add("Machine load during the runs (1-minute load average, 2 cores shared with other work):")
  add("")
  for _, l in ipairs(loads) do add("- %s", l) end
end
local text = table.concat(lines, "\n") .. "\n"
io.write(text)
atomic.write(out_path, text, "report")
