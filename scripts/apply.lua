--- Equalise one sound file or a whole folder tree.
--
--   semeq scripts/apply.lua IN OUT --params g,f,g,f,q,g,f,q,g,f,q,g,f   (SAFE 5-band)
--   semeq scripts/apply.lua IN OUT --curve c1,...,c40 [--amount 1]     (Audealize 40-band curve)
--   semeq scripts/apply.lua IN OUT --term warm --model FILE [--intensity 0.7]
--   semeq scripts/apply.lua IN OUT --term warm --model models/socialfx_words.safetensors [--sample 3 --seed 1 --amount 1]
--   semeq scripts/apply.lua IN OUT --from warm --to bright --alpha 0.3 --model FILE
--   semeq scripts/apply.lua --in DIR --out DIR --params ... [--jobs 2] [--shard K/N]
--
-- Folders: the output tree mirrors the input tree (sound files by extension); the work is
-- shared by --jobs worker processes of semeq (default 2, one per core) and --shard K/N
-- takes every N-th file starting at the K-th of the sorted list, to split a big job
-- across machines. Inputs are never modified; outputs are written under a temporary
-- name and renamed; an existing output is skipped unless --force. A summary lists
-- processed, skipped and failed files (with reasons); the exit status is 1 if any failed.
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local eq = require "semeq.eq"
local eqfile = require "semeq.process"
local rm = require "semeq.recipes.model"

local parser = cli.parser{
  name = "apply.lua",
  usage = "IN OUT [options]  |  --in DIR --out DIR [options]",
  description = "Equalise sound files with a SAFE setting, an Audealize curve or a word (needs a model).",
  flags = {
    {"params", "numbers", nil, "13 SAFE parameters: ls gain,freq, 3 x (gain,freq,Q), hs gain,freq", count = 13},
    {"curve", "numbers", nil, "40 Audealize band values (any scale; min-max mapped)", count = 40},
    {"amount", "number", 1.0, "Audealize amount: the curve spans +-5*amount dB"},
    {"term", "string", nil, "a descriptor word (needs --model)"},
    {"from", "string", nil, "interpolate from this word (needs --to, --model)"},
    {"to", "string", nil, "... to this word"},
    {"alpha", "number", 0.5, "interpolation position between --from (0) and --to (1)"},
    {"intensity", "number", 0.7, "strength of --term"},
    {"model", "string", nil, "trained model file (safetensors)"},
    {"sample", "integer", 1, "word generator (--model): apply its K-th draw for --term (at --amount)", min = 1},
    {"seed", "integer", 1, "word generator: the seed of its draws (generate.lua's --seed)"},
    {"in", "string", nil, "input folder (instead of IN)"},
    {"out", "string", nil, "output folder (instead of OUT)"},
    {"force", "boolean", false, "replace existing outputs"},
    {"peak-safe", "boolean", false, "two passes: turn the output down so its peak stays under --ceiling"},
    {"ceiling", "number", -0.1, "peak ceiling in dBFS for --peak-safe"},
    {"makeup", "boolean", false, "make-up gain: cut by the largest boost of the EQ"},
    {"clamp", "boolean", false, "clamp out-of-range parameters instead of failing"},
    {"block", "integer", 4096, "frames per block", min = 1},
    {"jobs", "integer", 2, "worker processes for folders", min = 1},
    {"shard", "string", "1/1", "K/N: process only the K-th of N shares of the files"},
    {"worker", "string", nil, "(internal) J/M: this process is worker J of M"},
  },
}

local AUDIO_EXT = {wav = true, flac = true, aif = true, aiff = true, ogg = true, oga = true, au = true,
                   caf = true, w64 = true, mp3 = true, opus = true, snd = true, rf64 = true}
local WRITABLE_EXT = {wav = true, flac = true, aif = true, aiff = true, au = true, caf = true, w64 = true}

local die = errors.usage

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

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

-- Sorted relative paths of the sound files under dir.
local function list_tree(dir)
  local p = io.popen("find " .. shell_quote(dir) .. " -type f -print0")
  local all = p:read("a")
  p:close()
  local files = {}
  for path in all:gmatch("([^%z]+)%z") do
    local rel = path:sub(#dir + 2)
    local ext = rel:match("%.([^./]+)$")
    if ext and AUDIO_EXT[ext:lower()] then files[#files + 1] = rel end
  end
  table.sort(files)
  return files
end

-- True when a and b name the same existing file or folder (test -ef follows links).
local function same_file(a, b)
  return os.execute("test " .. shell_quote(a) .. " -ef " .. shell_quote(b)) == true
end

local function output_name(rel)
  local stem, ext = rel:match("^(.*)%.([^./]+)$")
  if WRITABLE_EXT[ext:lower()] then return rel end
  return stem .. ".wav"
end

-- Processes one file; returns "ok", detail | "skip", reason | "fail", reason.
local function run_one(o, kind, params, src, dst)
  if eqfile.exists(dst) and not o.force then return "skip", "output exists (use --force)" end
  local res, err = eqfile.process(src, dst, {kind = kind, params = params, block = o.block,
    makeup = o.makeup, clamp = o.clamp, peak_safe = o["peak-safe"], ceiling_db = o.ceiling, force = o.force})
  if not res then return "fail", (err:gsub("\n", " ")) end
  return "ok", ("peak %.2f dBFS"):format(20 * math.log(math.max(res.peak, 1e-10), 10))
end

-- The files of this process: shard K/N of the sorted list, then worker J/M of that.
local function my_files(o, files)
  local k, n = parse_share(o.shard, "shard")
  local mine = {}
  for i, rel in ipairs(files) do
    if (i - 1) % n == k - 1 then mine[#mine + 1] = rel end
  end
  if not o.worker then return mine end
  local j, m = parse_share(o.worker, "worker")
  local sub = {}
  for i, rel in ipairs(mine) do
    if (i - 1) % m == j - 1 then sub[#sub + 1] = rel end
  end
  return sub
end

local function interpreter()
  local lowest = 0
  while arg[lowest - 1] do lowest = lowest - 1 end
  return lowest < 0 and arg[lowest] or os.getenv("SEMEQ_BIN") or "semeq"
end

-- Starts M workers on the same command line and reads their result lines in turn.
local function run_workers(o, files, m, report)
  local base = {shell_quote(interpreter()), shell_quote(arg[0])}
  for i = 1, #arg do base[#base + 1] = shell_quote(arg[i]) end
  local workers = {}
  for j = 1, m do
    local cmd = table.concat(base, " ") .. " --worker " .. j .. "/" .. m
    workers[j] = {pipe = io.popen(cmd, "r"), j = j, seen = {}}
  end
  local live = m
  while live > 0 do
    for _, w in ipairs(workers) do
      if w.pipe then
        local line = w.pipe:read("l")
        if line then
          local status, rel, detail = line:match("^(%a+)\t([^\t]*)\t(.*)$")
          if status then
            w.seen[rel] = true
            report(status, rel, detail)
          end
        else
          local ok, _, code = w.pipe:close()
          w.pipe, live = nil, live - 1
          if not ok then w.failed_code = code end
        end
      end
    end
  end
  -- A worker that died leaves files unreported: say so rather than lose them.
  local o2 = {}
  for k, v in pairs(o) do o2[k] = v end
  for _, w in ipairs(workers) do
    o2.worker = w.j .. "/" .. m
    for _, rel in ipairs(my_files(o2, files)) do
      if not w.seen[rel] then report("fail", rel, ("worker %d exited (status %s)"):format(w.j, tostring(w.failed_code))) end
    end
  end
end

local function mkdirs(out_dir, rels)
  local dirs, list = {}, {}
  for _, rel in ipairs(rels) do
    local d = rel:match("^(.*)/[^/]*$")
    if d and not dirs[d] then dirs[d] = true; list[#list + 1] = shell_quote(out_dir .. "/" .. d) end
  end
  for i = 1, #list, 200 do
    os.execute("mkdir -p " .. table.concat(list, " ", i, math.min(#list, i + 199)))
  end
end

local function folder_mode(o, kind, params)
  local in_dir, out_dir = o["in"]:gsub("/+$", ""), o.out:gsub("/+$", "")
  local f = io.open(in_dir, "rb")
  if not f then die(("--in %s: no such folder"):format(in_dir)) end
  f:close()
  if same_file(in_dir, out_dir) then die("--out must not be the input folder (inputs are never modified)") end
  local files = list_tree(in_dir)
  if o.worker then  -- a worker: process, print one result line per file
    for _, rel in ipairs(my_files(o, files)) do
      local status, detail = run_one(o, kind, params, in_dir .. "/" .. rel, out_dir .. "/" .. output_name(rel))
      io.write(status, "\t", rel, "\t", detail, "\n")
      io.flush()
    end
    return 0
  end
  local mine = my_files(o, files)
  os.execute("mkdir -p " .. shell_quote(out_dir))
  local outs = {}
  for i, rel in ipairs(mine) do outs[i] = output_name(rel) end
  mkdirs(out_dir, outs)
  local tty = os.execute("test -t 2")
  local counts, failures, done, t0 = {ok = 0, skip = 0, fail = 0}, {}, 0, os.time()
  local function report(status, rel, detail)
    counts[status] = (counts[status] or 0) + 1
    done = done + 1
    if status == "fail" then failures[#failures + 1] = rel .. ": " .. detail end
    local line = ("[%d/%d] %d processed, %d skipped, %d failed  %s"):format(done, #mine, counts.ok,
      counts.skip, counts.fail, rel)
    if tty then io.stderr:write("\r\027[K", line) else io.stderr:write(line, "\n") end
  end
  local m = math.max(1, math.min(o.jobs, #mine))
  if m == 1 then
    for _, rel in ipairs(mine) do
      local status, detail = run_one(o, kind, params, in_dir .. "/" .. rel, out_dir .. "/" .. output_name(rel))
      report(status, rel, detail)
    end
  else
    run_workers(o, files, m, report)
  end
  if tty then io.stderr:write("\n") end
  print(("summary: %d processed, %d skipped, %d failed (of %d files in shard %s, %d s)"):format(counts.ok,
    counts.skip, counts.fail, #mine, o.shard, os.time() - t0))
  table.sort(failures)
  for _, line in ipairs(failures) do print("  failed: " .. line) end
  return counts.fail > 0 and 1 or 0
end

local function main()
  local o, args = parser:parse_or_exit(arg)
  local kind, params = resolve_eq(o)
  if o["in"] or o.out then
    if not (o["in"] and o.out) then die("--in and --out go together") end
    if #args > 0 then die("give either IN OUT or --in/--out, not both") end
    return folder_mode(o, kind, params)
  end
  if #args ~= 2 then die(("expected IN OUT, got %d argument(s)"):format(#args)) end
  if args[1] == args[2] or same_file(args[1], args[2]) then die("OUT must not be IN (inputs are never modified)") end
  local status, detail = run_one(o, kind, params, args[1], args[2])
  if status == "ok" then print(("%s -> %s (%s)"):format(args[1], args[2], detail)) return 0 end
  io.stderr:write(("apply.lua: %s: %s\n"):format(status == "skip" and ("not writing " .. args[2]) or "failed", detail))
  return 1
end

errors.main("apply.lua", main)
