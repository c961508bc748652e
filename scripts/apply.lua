--- Equalise one sound file or a whole folder tree.
--
--   semeq scripts/apply.lua IN OUT --params g,f,g,f,q,g,f,q,g,f,q,g,f   (SAFE 5-band)
--   semeq scripts/apply.lua IN OUT --curve c1,...,c40 [--amount 1]     (Audealize 40-band curve)
--   semeq scripts/apply.lua IN OUT --term warm --model FILE [--intensity 0.7]
--   semeq scripts/apply.lua IN OUT --term warm --model models/socialfx_words.safetensors [--sample 3 --seed 1 --amount 1]
--   semeq scripts/apply.lua IN OUT --from warm --to bright --alpha 0.3 --model FILE
--   semeq scripts/apply.lua --in DIR --out DIR --params ... [--jobs 2] [--shard K/N]
--
-- Folders: the output tree mirrors the input tree (sound files by extension; links
-- followed; --in may also be one file); the work is shared by --jobs worker processes
-- of semeq (default 2, one per core) and --shard K/N takes every N-th file starting at
-- the K-th of the sorted list, to split a big job across machines. Inputs are never
-- modified; outputs are written under a temporary name and renamed; an existing output
-- is skipped unless --force. Refused before any work: trees that overlap, two inputs
-- with one output name, an EQ with a gain or boost past 60 dB. A summary lists processed,
-- skipped and failed files (with reasons); the exit status is 1 if any failed, 130 on
-- Ctrl-C (which stops the workers too and leaves no partial output). The folder logic
-- and its guarantees are semeq.process.batch's; README "Batch mode" lists them.
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local eq = require "semeq.eq"
local fs = require "semeq.util.fs"
local eqfile = require "semeq.process"
local batch = require "semeq.process.batch"
local rm = require "semeq.recipes.model"

local parser = cli.parser{
  name = "apply.lua",
  usage = "IN OUT [options]  |  --in DIR --out DIR [options]",
  description = "Equalise sound files with a SAFE setting, an Audealize curve or a word (needs a model).",
  flags = {
    {"params", "numbers", nil, "13 SAFE parameters: ls gain,freq, 3 x (gain,freq,Q), hs gain,freq", count = 13},
    {"curve", "numbers", nil, "40 Audealize band values (any scale; min-max mapped)", count = 40},
    {"amount", "number", 1.0, "Audealize amount: the curve spans +-5*amount dB (60 dB at most)", min = 0, max = 12},
    {"term", "string", nil, "a descriptor word (needs --model)"},
    {"from", "string", nil, "interpolate from this word (needs --to, --model)"},
    {"to", "string", nil, "... to this word"},
    {"alpha", "number", 0.5, "interpolation position between --from (0) and --to (1)", min = 0, max = 1},
    {"intensity", "number", 0.7, "strength of --term (scales its gains)", min = 0, max = 100},
    {"model", "string", nil, "trained model file (safetensors)"},
    {"sample", "integer", 1, "word generator (--model): apply its K-th draw for --term (at --amount)", min = 1},
    {"seed", "integer", 1, "word generator: the seed of its draws (generate.lua's --seed)", min = 0},
    {"in", "string", nil, "input folder, or one file (instead of IN)"},
    {"out", "string", nil, "output folder (instead of OUT)"},
    {"force", "boolean", false, "replace existing outputs"},
    {"peak-safe", "boolean", false, "two passes: turn the output down so its peak stays under --ceiling"},
    {"ceiling", "number", -0.1, "peak ceiling in dBFS for --peak-safe", min = -120, max = 0},
    {"makeup", "boolean", false, "make-up gain: cut by the largest boost of the EQ"},
    {"clamp", "boolean", false, "clamp out-of-range parameters instead of failing"},
    {"block", "integer", 4096, "frames per block", min = 1, max = 1048576},
    {"jobs", "integer", 2, "worker processes for folders", min = 1, max = 256},
    {"shard", "string", "1/1", "K/N: process only the K-th of N shares of the files"},
    {"worker", "string", nil, "(internal) J/M: this process is worker J of M"},
    {"list", "string", nil, "(internal) the files of the run, written by the parent for its workers"},
  },
}

local die = errors.usage
local quote = fs.quote

-- "K/N" -> K, N with 1 <= K <= N
local function parse_share(text, flag)
  local k, n = tostring(text):match("^(%d+)/(%d+)$")
  k, n = tonumber(k), tonumber(n)
  if not k or n < 1 or k < 1 or k > n then die(("--%s expects K/N with 1 <= K <= N, got '%s'"):format(flag, text)) end
  return k, n
end

-- A word generator's --sample-th draw for --term (seeded by --seed, the row of
-- generate.lua's CSV), as the graphic EQ's 40 gains at --amount.
local function generator_eq(o, gen)
  if not o.term then die("--from/--to need a semantic model; a word generator takes --term") end
  local db = gen:curves(rm.word(gen, o.term), o.sample, o.amount)
  return "graphic40", db[o.sample]:totable()
end

-- The EQ a model gives --term (scaled by --intensity) or the point --alpha of the way
-- from --from to --to: "safe", 13 parameters or "graphic40", 40 gains in dB; a word
-- generator's draw (generator_eq). A model that cannot be read exits 1; a word the model
-- does not know is a usage error.
local function model_eq(o)
  local sm, kind = rm.load_any(o)
  if kind == "generator" then return generator_eq(o, sm) end
  local code
  if o.term then
    code = sm:term_code(rm.term(sm, o.term))
  else
    code = sm:interpolate(rm.term(sm, o.from), rm.term(sm, o.to), o.alpha)
  end
  local setting = sm:eq_for(code, o.intensity)
  if setting.kind == "safe" then return "safe", setting.params end
  return "graphic40", setting.gains
end

-- The EQ to apply: kind and parameter table, from exactly one of the modes.
local function resolve_eq(o)
  local modes = {}
  for _, m in ipairs({"params", "curve", "term", "from"}) do
    if o[m] then modes[#modes + 1] = "--" .. m end
  end
  if #modes ~= 1 then
    die(#modes == 0 and "give one of --params, --curve, --term, --from"
        or ("give only one of " .. table.concat(modes, ", ")))
  end
  if o.params then
    return "safe", o.params
  elseif o.curve then
    return "graphic40", eq.audealize_gains(o.curve, o.amount):totable()
  end
  if o.from and not o.to then die("--from needs --to") end
  if not o.model then die(("--%s needs --model FILE"):format(o.term and "term" or "from")) end
  return model_eq(o)
end

-- An EQ nothing should be processed with (a gain or a boost past semeq's limit, a
-- response that is not finite) is refused once, before any file: one line, exit 1.
-- The response is looked at for the highest common rate, if the parameters fit it
-- (a frequency may need a higher rate than another file has); each file's own rate
-- is checked again when it is processed.
local function check_eq(o, kind, params)
  local ok, why = eqfile.check_gains(kind, params, o.clamp)
  if ok and eq.check(kind, params, {fs = 192000, clamp = o.clamp}) then
    ok, why = eqfile.check_eq(kind, params, {fs = 192000, clamp = o.clamp})
  end
  if not ok then
    local hint = o.curve and " (lower --amount)" or (o.term or o.from) and " (lower --intensity)" or ""
    errors.fail(why .. hint)
  end
end

-- Processes one file; returns "ok", detail | "skip", reason | "fail", reason.
local function run_one(o, kind, params, src, dst, regular)
  if eqfile.exists(dst) and not o.force then return "skip", "output exists (use --force)" end
  local res, err = eqfile.process(src, dst, {kind = kind, params = params, block = o.block, makeup = o.makeup,
    clamp = o.clamp, peak_safe = o["peak-safe"], ceiling_db = o.ceiling, force = o.force, regular_input = regular})
  if not res then return "fail", (err:gsub("\n", " ")) end
  return "ok", ("peak %.2f dBFS"):format(20 * math.log(math.max(res.peak, 1e-10), 10))
end

local function interpreter()
  local lowest = 0
  while arg[lowest - 1] do lowest = lowest - 1 end
  return lowest < 0 and arg[lowest] or os.getenv("SEMEQ_BIN") or "semeq"
end

-- The shell command of worker j of m: this script with the same flags, on the list.
local function worker_command(list_path, j, m)
  local cmd = {quote(interpreter()), quote(arg[0])}
  for i = 1, #arg do cmd[#cmd + 1] = quote(arg[i]) end
  cmd[#cmd + 1] = ("--worker %d/%d --list %s"):format(j, m, quote(list_path))
  return table.concat(cmd, " ")
end

-- A worker: the files of the list the parent wrote, one result line each; Ctrl-C (or
-- the parent's SIGINT) ends it quietly with 130: the parent says what happened.
local function worker_mode(o, kind, params)
  if not o.list then die("--worker needs --list") end
  local j, m = parse_share(o.worker, "worker")
  local finished = batch.serve(o.list, j, m, function(item)
    return run_one(o, kind, params, item.src, item.dst, true)
  end)
  if not finished then os.exit(130, true) end
  return 0
end

-- The progress line of each result: rewritten in place on a terminal, one line each otherwise.
local function reporter(total, failures)
  local tty = os.execute("test -t 2")
  local counts, done = {ok = 0, skip = 0, fail = 0}, 0
  local function report(status, rel, detail)
    counts[status] = (counts[status] or 0) + 1
    done = done + 1
    if status == "fail" then failures[#failures + 1] = batch.show(rel) .. ": " .. detail end
    local line = ("[%d/%d] %d processed, %d skipped, %d failed  %s"):format(done, total, counts.ok, counts.skip,
      counts.fail, batch.show(rel))
    if tty then io.stderr:write("\r\027[K", line) else io.stderr:write(line, "\n") end
  end
  local function finish() if tty then io.stderr:write("\n") end end
  return report, counts, finish
end

local function folder_mode(o, kind, params)
  local k, n = parse_share(o.shard, "shard")
  local roots = errors.check(batch.roots(o["in"], o.out))
  local overlap = batch.overlap(roots)
  if overlap then die(overlap) end
  local plan = errors.check(batch.plan(roots, {shard = {k, n}}))
  local cleaned = batch.clean(plan)
  if cleaned > 0 then
    print(("removed %d temporary file%s left by an interrupted run"):format(cleaned, cleaned == 1 and "" or "s"))
  end
  os.execute("mkdir -p -- " .. quote(roots.output))
  batch.make_folders(plan)
  local failures, t0 = {}, os.time()
  local total = #plan.items + #plan.problems
  local report, counts, finish = reporter(total, failures)
  for _, p in ipairs(plan.problems) do report("fail", p.rel, p.reason) end
  local result = batch.run(plan, {jobs = o.jobs,
    process = function(item) return run_one(o, kind, params, item.src, item.dst, true) end,
    command = worker_command,
    report = function(status, item, detail) report(status, item.rel, detail) end})
  finish()
  local left = total - (counts.ok + counts.skip + counts.fail)
  print(("summary: %d processed, %d skipped, %d failed%s (of %d files in shard %s, %d s)"):format(counts.ok,
    counts.skip, counts.fail, result.interrupted and (", %d not started"):format(left) or "", total, o.shard,
    os.time() - t0))
  table.sort(failures)
  for _, line in ipairs(failures) do print("  failed: " .. line) end
  if result.interrupted then
    errors.interrupted(("interrupted: %d of %d files done, no partial output left; a rerun skips what exists")
      :format(counts.ok + counts.skip + counts.fail, total))
  end
  return counts.fail > 0 and 1 or 0
end

local function single_mode(o, kind, params, args)
  if #args ~= 2 then die(("expected IN OUT, got %d argument(s)"):format(#args)) end
  if args[1] == args[2] or fs.same_file(args[1], args[2]) then
    die("OUT must not be IN (inputs are never modified)")
  end
  local status, detail = run_one(o, kind, params, args[1], args[2])
  if status == "ok" then print(("%s -> %s (%s)"):format(args[1], args[2], detail)) return 0 end
  io.stderr:write(("apply.lua: %s: %s\n"):format(status == "skip" and ("not writing " .. args[2]) or "failed", detail))
  return 1
end

local function main()
  local o, args = parser:parse_or_exit(arg)
  local kind, params = resolve_eq(o)
  if o.worker then return worker_mode(o, kind, params) end
  check_eq(o, kind, params)
  if o["in"] or o.out then
    if not (o["in"] and o.out) then die("--in and --out go together") end
    if #args > 0 then die("give either IN OUT or --in/--out, not both") end
    return folder_mode(o, kind, params)
  end
  return single_mode(o, kind, params, args)
end

errors.main("apply.lua", main)
