--- Equalise one sound file or a whole folder tree.
--
--   semeq scripts/apply.lua IN OUT --params g,f,g,f,q,g,f,q,g,f,q,g,f   (SAFE 5-band)
--   semeq scripts/apply.lua IN OUT --curve c1,...,c40 [--amount 1]     (Audealize 40-band curve)
--   semeq scripts/apply.lua IN OUT --term warm [--intensity 0.7] [--model FILE]
--   semeq scripts/apply.lua IN OUT --term warm --model models/socialfx_words.safetensors [--sample 3 --seed 1 --amount 1]
--   semeq scripts/apply.lua IN OUT --from warm --to bright --alpha 0.3 [--model FILE]
--   semeq scripts/apply.lua --in DIR --out DIR --params ... [--jobs 2] [--shard K/N]
--   semeq scripts/apply.lua --list-terms [--model FILE]
--
-- Words come from --model, by default the model that ships with semeq (found beside the
-- install or the source tree, semeq.util.paths). The settings used are printed first, a
-- band per line with units. A file whose sample rate cannot carry a band (a peak or shelf
-- at or above its Nyquist frequency) gets the EQ without that band, and a line says so;
-- an output that clips (peak above 0 dBFS) is reported with the remedy (--peak-safe).
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
-- semeq.process.batch, loaded by the folder and worker modes: equalising one file does not
-- need it (start-up memory, compared with sox in scripts/bench/longfile.lua)
local batch
local rm = require "semeq.recipes.model"
local format = require "semeq.settings.format"

local flags = {
    {"params", "numbers", nil, "13 SAFE parameters: ls gain,freq, 3 x (gain,freq,Q), hs gain,freq", count = 13},
    {"curve", "numbers", nil, "40 Audealize band values (any scale; min-max mapped)", count = 40},
    {"amount", "number", 1.0, "Audealize amount: the curve spans +-5*amount dB (60 dB at most)", min = 0, max = 12},
    {"term", "string", nil, "a descriptor word (--list-terms shows the model's words)"},
    {"from", "string", nil, "interpolate from this word (needs --to)"},
    {"to", "string", nil, "... to this word"},
    {"alpha", "number", 0.5, "interpolation position between --from (0) and --to (1)", min = 0, max = 1},
    {"intensity", "number", 0.7, "strength of --term (scales its gains)", min = 0, max = 100},
    {"sample", "integer", 1, "word generator (--model): apply its K-th draw for --term (at --amount)", min = 1},
    {"seed", "integer", 1, "word generator: the seed of its draws (generate.lua's --seed)", min = 0},
    {"in", "string", nil, "input folder, or one file (instead of IN)"},
    {"out", "string", nil, "output folder (instead of OUT)"},
    {"force", "boolean", false, "replace existing outputs"},
    {"peak-safe", "boolean", false, "two passes: turn the output down so its peak stays under --ceiling"},
    {"ceiling", "number", -0.1, "peak ceiling in dBFS for --peak-safe", min = -120, max = 0},
    {"makeup", "boolean", false, "make-up gain: cut by the largest boost of the EQ"},
    {"clamp", "boolean", false, "clamp out-of-range parameters instead of failing"},
    {"nonfinite", "string", "error", "a NaN or infinite input sample: error (the file fails, naming the frame) "
     .. "or zero (read as 0, and counted)", choices = {"error", "zero"}},
    {"block", "integer", 4096, "frames per block", min = 1, max = 1048576},
    {"jobs", "integer", 2, "worker processes for folders", min = 1, max = 256},
    {"shard", "string", "1/1", "K/N: process only the K-th of N shares of the files"},
    {"worker", "string", nil, "(internal) J/M: this process is worker J of M"},
    {"list", "string", nil, "(internal) the files of the run, written by the parent for its workers"},
}
for i, f in ipairs(rm.model_flags()) do table.insert(flags, 6 + i, f) end

local parser = cli.parser{
  name = "apply.lua",
  usage = "IN OUT [options]  |  --in DIR --out DIR [options]  |  --list-terms",
  description = "Equalise sound files with a word (the shipped model's, or --model's), a SAFE setting "
    .. "or an Audealize curve.",
  flags = flags,
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
  return model_eq(o)
end

-- What was asked for, in words: the first line of the settings printout.
local function eq_title(o, kind)
  local what
  if o.params then what = "--params"
  elseif o.curve then what = ("--curve at amount %g"):format(o.amount)
  elseif o.term then what = ("'%s' at intensity %g"):format(o.term, o.intensity)
  else what = ("%g of the way from '%s' to '%s', intensity %g"):format(o.alpha, o.from, o.to, o.intensity) end
  local from = (o.term or o.from) and (" of " .. require("semeq.util.paths").shown(o.model)) or ""
  return ("EQ: %s%s (%s)"):format(what, from, kind == "safe" and "SAFE 5-band parametric" or "40-band graphic")
end

-- Prints the settings every file gets (before a file's rate may drop a band).
local function print_eq(o, kind, params)
  print(eq_title(o, kind))
  print(format.bands(kind == "safe" and {kind = "safe", params = params} or {kind = "graphic40", gains = params}))
  local also = {}
  if o.makeup then also[#also + 1] = "make-up gain (cut by the largest boost)" end
  if o["peak-safe"] then also[#also + 1] = ("turned down if needed to peak at %g dBFS"):format(o.ceiling) end
  if #also > 0 then print("  then " .. table.concat(also, "; ")) end
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

local SKIP_EXISTS = "the output exists (--force redoes it)"
local CLIPPED = "CLIPPED"

-- Processes one file; returns "ok", detail | "skip", reason | "fail", reason. An ok
-- detail is the peak, CLIPPED when it is above full scale, and the note of a band the
-- file's rate could not carry (one line: workers pass it to the parent as it is).
local function run_one(o, kind, params, src, dst, regular)
  if eqfile.exists(dst) and not o.force then return "skip", SKIP_EXISTS end
  local res, err = eqfile.process(src, dst, {kind = kind, params = params, block = o.block, makeup = o.makeup,
    clamp = o.clamp, peak_safe = o["peak-safe"], ceiling_db = o.ceiling, force = o.force, regular_input = regular,
    nonfinite = o.nonfinite})
  if not res then return "fail", (err:gsub("\n", " ")) end
  local detail = ("peak %+.2f dBFS"):format(20 * math.log(math.max(res.peak, 1e-10), 10))
  if res.clipped then detail = detail .. " " .. CLIPPED end
  if res.zeroed > 0 then detail = detail .. (", %d non-finite input samples read as 0"):format(res.zeroed) end
  if res.rate_note then detail = detail .. "; " .. res.rate_note end
  return "ok", detail
end

local CLIP_REMEDY = "above 0 dBFS; rerun with --peak-safe --force to turn the output down under --ceiling "
  .. "(%g dBFS), or lower --intensity"

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
  batch = require "semeq.process.batch"
  if not o.list then die("--worker needs --list") end
  local j, m = parse_share(o.worker, "worker")
  local finished = batch.serve(o.list, j, m, function(item)
    return run_one(o, kind, params, item.src, item.dst, true)
  end)
  if not finished then os.exit(130, true) end
  return 0
end

-- The progress line of each result: rewritten in place on a terminal, one line each
-- otherwise. Failures, reasons for skipping, clipped files and the bands a file's rate
-- dropped are collected in `notes` for the summary.
local function reporter(total, notes)
  local tty = os.execute("test -t 2")
  local counts, done = {ok = 0, skip = 0, fail = 0}, 0
  local function report(status, rel, detail)
    counts[status] = (counts[status] or 0) + 1
    done = done + 1
    local name = batch.show(rel)
    if status == "fail" then notes.failed[#notes.failed + 1] = name .. ": " .. detail end
    if status == "skip" then notes.skipped[detail] = (notes.skipped[detail] or 0) + 1 end
    if status == "ok" and detail:find(CLIPPED, 1, true) then
      notes.clipped[#notes.clipped + 1] = name .. " (" .. detail:match("^peak (%S+ dBFS)") .. ")"
    end
    local rate = status == "ok" and detail:match("; (%d+ Hz: .*)$")
    if rate then notes.rates[rate] = (notes.rates[rate] or 0) + 1 end
    local line = ("[%d/%d] %d processed, %d skipped, %d failed  %s"):format(done, total, counts.ok, counts.skip,
      counts.fail, batch.show(rel))
    if tty then io.stderr:write("\r\027[K", line) else io.stderr:write(line, "\n") end
  end
  local function finish() if tty then io.stderr:write("\n") end end
  return report, counts, finish
end

-- Lists `count` of `reason` pairs sorted by count then reason.
local function by_count(map)
  local keys = {}
  for k in pairs(map) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) if map[a] ~= map[b] then return map[a] > map[b] end return a < b end)
  return keys
end

-- After the summary: why files were skipped or failed, which clipped and what their rate
-- dropped, and the files of the tree that are not sound files.
local function print_notes(o, notes, ignored)
  for _, reason in ipairs(by_count(notes.skipped)) do
    print(("  skipped %d: %s"):format(notes.skipped[reason], reason))
  end
  table.sort(notes.failed)
  for _, line in ipairs(notes.failed) do print("  failed: " .. line) end
  for _, note in ipairs(by_count(notes.rates)) do
    print(("  %d file%s at %s"):format(notes.rates[note], notes.rates[note] == 1 and "" or "s", note))
  end
  if #notes.clipped > 0 then
    table.sort(notes.clipped)
    local shown = {table.unpack(notes.clipped, 1, math.min(5, #notes.clipped))}
    print(("  clipped %d: %s%s; peaks %s"):format(#notes.clipped, table.concat(shown, ", "),
      #notes.clipped > 5 and ", ..." or "", CLIP_REMEDY:format(o.ceiling)))
  end
  if ignored then print("  not sound files (left alone): " .. ignored) end
end

local function folder_mode(o, kind, params)
  batch = require "semeq.process.batch"
  local k, n = parse_share(o.shard, "shard")
  local roots = errors.check(batch.roots(o["in"], o.out))
  local overlap = batch.overlap(roots)
  if overlap then die(overlap) end
  local plan = errors.check(batch.plan(roots, {shard = {k, n}}))
  local cleaned = batch.clean(plan)
  if cleaned > 0 then
    print(("removed %d temporary file%s left by an interrupted run"):format(cleaned, cleaned == 1 and "" or "s"))
  end
  print_eq(o, kind, params)
  os.execute("mkdir -p -- " .. quote(roots.output))
  batch.make_folders(plan)
  local notes, t0 = {failed = {}, skipped = {}, clipped = {}, rates = {}}, os.time()
  local total = #plan.items + #plan.problems
  local report, counts, finish = reporter(total, notes)
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
  print_notes(o, notes, batch.ignored_summary(plan.ignored))
  if result.interrupted then
    errors.interrupted(("interrupted: %d of %d files done, no partial output left; a rerun skips what exists")
      :format(counts.ok + counts.skip + counts.fail, total))
  end
  return counts.fail > 0 and 1 or 0
end

-- The output's format comes from its extension: one libsndfile cannot write (an MP3,
-- an Ogg) is refused before any work, with names that work.
local function check_output_name(path)
  local stem, ext = path:match("^(.-)%.([^./]+)$")
  if ext and eqfile.WRITABLE_EXT[ext:lower()] then return end
  local base = stem or path
  die(("%s: semeq cannot write %s files; name the output %s.wav or %s.flac (formats: wav, flac, aiff, au, caf, w64)")
    :format(path, ext and ext:upper() or "extension-less", base, base))
end

local function single_mode(o, kind, params, args)
  if #args ~= 2 then
    die(("expected IN OUT, got %d argument(s)%s"):format(#args,
      #args == 1 and (" (e.g. %s %s_eq.wav; or --in DIR --out DIR for folders)"):format(args[1],
        (args[1]:gsub("%.[^./]*$", ""))) or ""))
  end
  local input = fs.kind(args[1])
  if input == "directory" then
    die(("%s is a folder: give --in %s --out OUTDIR to equalise every sound file in it"):format(args[1], args[1]))
  end
  if input == "missing" then errors.fail(args[1] .. ": no such file") end  -- before the settings printout
  if args[1] == args[2] or fs.same_file(args[1], args[2]) then
    die("OUT must not be IN (inputs are never modified)")
  end
  check_output_name(args[2])
  print_eq(o, kind, params)
  local status, detail = run_one(o, kind, params, args[1], args[2])
  if status ~= "ok" then
    io.stderr:write(("apply.lua: %s: %s\n"):format(status == "skip" and ("not writing " .. args[2]) or "failed",
      status == "skip" and (args[2] .. " exists (--force replaces it)") or detail))
    return 1
  end
  local peak, rest = detail:match("^(peak %S+ dBFS)(.*)$")
  print(("%s -> %s (%s)"):format(args[1], args[2], peak))
  local rate = rest:match("; (%d+ Hz: .*)$")
  if rate then print("  " .. rate) end
  local zeroed = rest:match(", (%d+ non%-finite input samples read as 0)")
  if zeroed then print("  " .. zeroed) end
  if rest:find(CLIPPED, 1, true) then
    io.stderr:write(("apply.lua: %s clipped: %s %s\n"):format(args[2], peak, CLIP_REMEDY:format(o.ceiling)))
  end
  return 0
end

local function main()
  local o, args = parser:parse_or_exit(arg)
  parse_share(o.shard, "shard")  -- a usage error in every mode, before the model loads
  if o.shard ~= "1/1" and not (o["in"] or o.out or o.worker) then die("--shard shares the files of --in/--out") end
  if o["list-terms"] then rm.load(o) end  -- prints the model's words and exits
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
