--- semeq.recipes: what the training scripts in scripts/ share — their flags, the parsing
-- of them, the check of every output path before the first epoch, and the closing steps
-- (table, JSON report, model file, latent map).
--
--   local recipes = require "semeq.recipes"
--   local opts = recipes.parse("train_x.lua", "what it does", recipes.training_flags{epochs = 50})
--   recipes.check_outputs(opts)          -- a path that cannot be written: exit 1 now, not after training
--   ... train, evaluate ...
--   recipes.finish(opts, ex, sm, result, "title")         -- one split (--folds 0)
--   recipes.cross_validated(opts, "title", train)         -- the protocol: k folds, then --out
--
-- Failures go through semeq.util.errors: the scripts run under errors.main.
local T = require "semeq.tensor"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local atomic = require "semeq.util.atomic"
local report = require "semeq.eval.report"
local prepare = require "semeq.data.prepare"

local recipes = {}

--- Flags every training recipe takes; a recipe passes its own defaults.
function recipes.training_flags(d)
  return {
    {"data", "string", d.data or "safe", "dataset: safe, socialfx, audealize or a file"},
    {"input", "string", d.input or "params",
     "input: params (semeq's normalisation), curve40 (SAFE: the response at 40 frequencies) or seed (the seed's)",
     choices = {"params", "curve40", "seed"}},
    {"min-examples", "integer", d.min_examples or 10, "keep terms with at least this many examples", min = 1},
    {"terms", "strings", d.terms, "keep only these terms (comma-separated keys)"},
    {"folds", "integer", d.folds or 5,
     "k-fold evaluation: SAFE by user, SocialFX by rows per term (0: one split, --split and --test)", min = 0, max = 100},
    {"split", "string", d.split, "with --folds 0: held-out split (default: by dataset)",
     choices = {"user", "stratified", "row"}},
    {"test", "number", d.test or 0.25, "with --folds 0: held-out fraction", min = 0.01, max = 0.99},
    {"epochs", "integer", d.epochs or 100, "training epochs", min = 1},
    {"batch", "integer", d.batch or 16, "mini-batch size", min = 1, max = 1000000},
    {"lr", "number", d.lr or 1e-3, "Adam learning rate", min = 1e-12, max = 10},
    {"latent", "integer", d.latent or 32, "latent size", min = 1, max = 4096},
    {"seed", "integer", d.seed or 1, "random seed (split, initialisation, batches)", min = 0},
    {"threads", "integer", d.threads or 1, "OpenBLAS threads (1 is fastest for small batches)", min = 1, max = 256},
    {"bootstrap", "integer", d.bootstrap or 200, "bootstrap resamples for confidence intervals (0: none)", min = 0, max = 100000},
    {"out", "string", d.out, "write the trained model here (.safetensors)"},
    {"json", "string", d.json, "write the evaluation report here (.json)"},
    {"svg", "string", d.svg, "write the held-out latent map here (.svg)"},
    {"checkpoint", "string", nil, "checkpoint file for --checkpoint-every, Ctrl-C and --resume"},
    {"checkpoint-every", "integer", nil, "write a checkpoint every N epochs", min = 1},
    {"resume", "string", nil, "resume training from this checkpoint"},
    {"quiet", "boolean", false, "no progress line"},
  }
end

-- Flags that do not change what training computes — outputs, progress, evaluation, the
-- length of the run — and so may differ between a run and its resume.
local NOT_TRAINING = {"out", "json", "svg", "checkpoint", "checkpoint-every", "resume", "quiet", "threads",
                      "bootstrap", "epochs", "debug", "help", "recipe"}

--- What a checkpoint of this run records and a resume checks (semeq.train.checkpoint):
-- every flag that shapes training ("--name" = value; flags named in `also` are left out
-- too: ones the recipe reads only after training), the model's config, and the data:
-- its kind, representation, terms, and the rows and a checksum of each side of the split.
function recipes.run_of(opts, ex, model, also)
  local skip = {}
  for _, name in ipairs(NOT_TRAINING) do skip[name] = true end
  for _, name in ipairs(also or {}) do skip[name] = true end
  local run = {model = model.config, data = {kind = ex.kind, representation = ex.rep.kind, terms = ex.terms}}
  for name, value in pairs(opts) do
    if type(name) == "string" and not skip[name] then run["--" .. name] = value end
  end
  for _, side in ipairs {"train", "test"} do
    local X = ex.X[side]
    -- %.9g: a float sum printed so that JSON reads it back exactly
    run.data[side] = {rows = X:size(1), checksum = string.format("%.9g/%.9g", X:sum(), X:abs():sum())}
  end
  return run
end

--- Parses argv (default: the script's arg) with the given flags; --help prints and
-- exits 0, a bad flag is a usage error (exit 2). Sets the OpenBLAS threads.
function recipes.parse(name, description, flags, argv)
  local p = cli.parser{name = name, usage = "[options]", description = description, flags = flags}
  local opts = p:parse_or_exit(argv or arg)
  T.setNumThreads(opts.threads or 1)
  return opts
end

--- Fails now (exit 1) if an output the run will write (--out, --json, --svg, --map,
-- --checkpoint) cannot be written, so that no training is lost to a typo. Every
-- script that writes a file calls it before its work.
function recipes.check_outputs(opts)
  for _, flag in ipairs {"out", "json", "svg", "map", "checkpoint"} do
    if opts[flag] then
      local ok, err = atomic.check_writable(opts[flag])
      if not ok then
        local folder = opts[flag]:match("^(.*)/[^/]*$")
        if folder and err:find("No such file or directory", 1, true) then
          err = string.format("%s (the folder %s does not exist: create it first)", err, folder)
        end
        errors.fail(string.format("--%s: %s", flag, err))
      end
    end
  end
end

-- "warm 436, bright 422, thin 9, ..." (the first n terms of a dataset by count).
local function term_counts(ds, n)
  local out = {}
  for i, t in ipairs(ds:terms()) do
    if i > n then out[#out + 1] = "..." break end
    out[#out + 1] = string.format("%s %d", t.key, t.count)
  end
  return table.concat(out, ", ")
end

local OUTPUTS = {{"out", "model"}, {"json", "report"}, {"svg", "map"}, {"checkpoint", "checkpoints"}}

-- "model m.safetensors, report r.json" or what to add to keep the model.
local function outputs_line(opts)
  local out = {}
  for _, o in ipairs(OUTPUTS) do
    if opts[o[1]] then out[#out + 1] = string.format("%s %s", o[2], opts[o[1]]) end
  end
  if not opts.out then out[#out + 1] = "the model is not saved (--out FILE.safetensors keeps it)" end
  return table.concat(out, "; ")
end

--- What a run is, printed before it starts (so that a wrong file, split or seed shows
-- at once, not after training): p = {ds = the filtered dataset, split = text, seed =,
-- model = text, params = count, training = text, opts = the parsed flags}.
function recipes.print_plan(p)
  local ds = p.ds
  print(string.format("data:     %s: %d of %d rows kept, %d terms (%s)", ds.path or "(memory)", ds:size(),
    ds.read or ds:size(), #ds:terms(), term_counts(ds, 6)))
  print("split:    " .. p.split)
  print(string.format("seed:     %d", p.seed))
  if p.model then
    print(string.format("model:    %s%s", p.model, p.params and string.format(", %d parameters", p.params) or ""))
  end
  if p.training then print("training: " .. p.training) end
  print("outputs:  " .. outputs_line(p.opts))
  io.stdout:flush()
end

-- The interpreter running this script, as it was typed (build/semeq, semeq, ...).
local function interpreter()
  local argv, lowest = rawget(_G, "arg") or {}, 0
  while argv[lowest - 1] do lowest = lowest - 1 end
  return lowest < 0 and argv[lowest] or "semeq"
end

--- The line that says how to use a saved model: an apply.lua command with its first term.
function recipes.usage_line(path, terms)
  local semeq = interpreter()
  return string.format("use it: %s --run apply IN.wav OUT.wav --term %s --model %s  (its words: --list-terms)",
    semeq, terms and terms[1] or "WORD", path)
end

--- The split line of the plan: "held-out users (by_user), 25 %: 640 training rows, 218 held out".
function recipes.split_line(ex, opts)
  local method = ex.split and ex.split.method or "none"
  local what = ({by_user = "held-out users", stratified = "held-out rows within each term",
                 ["kfold-row"] = "held-out rows"})[method] or method
  return string.format("%s, %g %%: %d training rows, %d held out", what, 100 * (opts.test or 0.25), ex.train:size(),
    ex.test:size())
end

--- The evaluation protocol for a recipe that trains a model (semeq.eval.cv): one model
-- per fold, trained by train(ex, opts) -> semantic model, evaluated on the fold's held-out
-- rows; the table of folds and pooled results is printed, --json gets {folds, pooled},
-- --svg the held-out codes of every fold; with --out one more model is trained on every
-- row and saved. Nothing is tuned here: a recipe's settings are its presets. plan =
-- {model =, training =} describes them in the lines printed before any work.
function recipes.cross_validated(opts, title, train, plan)
  if opts.checkpoint or opts.resume then
    errors.usage("--checkpoint and --resume need --folds 0 (one model; with folds there is one per fold)")
  end
  if opts.folds < 2 then errors.usage("--folds must be 0 (one split) or at least 2") end
  local ds, kind = errors.check(prepare.dataset{data = opts.data, min_examples = opts["min-examples"],
    terms = opts.terms, strict_terms = true, top_terms = opts.top_terms, stem = opts.stem})
  recipes.print_plan{ds = ds, seed = opts.seed, opts = opts, model = plan and plan.model,
    training = plan and plan.training,
    split = string.format("%d folds, %s each held out once%s", opts.folds,
      kind == "safe" and "users" or "rows (per term; no user ids)", opts.out and ", then trained on all rows" or "")}
  local cv = require "semeq.eval.cv"
  local result = errors.check(cv.run{data = opts.data, min_examples = opts["min-examples"], terms = opts.terms,
    top_terms = opts.top_terms, stem = opts.stem, folds = opts.folds, seed = opts.seed, input = opts.input,
    rep = opts.rep, bootstrap = opts.bootstrap,
    fit = function(ex) return train(ex, opts) end,
    log = not opts.quiet and function(r)
      io.stderr:write(string.format("fold %d: %d rows held out; silhouette %s, 5-NN %s\n", r.fold, r.n,
        report.num(r.silhouette), report.num(r.knn_accuracy)))
    end})
  print(result.summary)
  print()
  print(report.cv_table(result, string.format("%s, %d-fold (%s)", title, opts.folds,
    result.by == "user" and "users held out" or "rows per term held out")))
  if opts.json then errors.check(report.write_json(opts.json, {folds = result.folds, pooled = result.pooled})) end
  if opts.svg then
    -- Each fold has its own model, whose latent axes are its own: one fold's map, the fold
    -- holding out the most users (or rows), the nearest to people the model never saw.
    local best = 1
    for f, r in ipairs(result.folds) do
      if r.held_out_groups > result.folds[best].held_out_groups then best = f end
    end
    local labels, at = {}, 0
    for f = 1, best - 1 do at = at + result.folds[f].n end
    for i = 1, result.folds[best].n do labels[i] = result.labels[at + i] end
    errors.check(require("semeq.eval.plot").latent_map(result.codes[best], labels, opts.svg,
      {title = string.format("%s — held-out rows of fold %d", title, best)}))
    print("latent map written to " .. opts.svg)
  end
  if opts.out then
    local ex = prepare.represent(ds, kind, nil, {input = opts.input, rep = opts.rep, method = "none (every row)"})
    T.manualSeed(opts.seed)
    local sm = train(ex, opts)
    errors.check(sm:save(opts.out, {metrics = result.pooled, folds = result.folds}))
    print("model trained on all " .. ex.train:size() .. " rows written to " .. opts.out)
    print(recipes.usage_line(opts.out, sm.terms))
  end
  return result
end

--- Prints the evaluation, then writes what was asked for: JSON report, model, map.
function recipes.finish(opts, ex, sm, result, title)
  print(ex.summary)
  local resumed = result.model and result.model.resumed_from
  if resumed then
    print(string.format("resumed from %s after epoch %d (a checkpoint of this same run)", resumed.path, resumed.epoch))
  end
  print()
  print(report.table(result, title))
  if opts.json then errors.check(report.write_json(opts.json, result)) end
  if opts.out then
    errors.check(sm:save(opts.out, {metrics = result}))
    print("model written to " .. opts.out)
    print(recipes.usage_line(opts.out, sm.terms))
  end
  if opts.svg and ex.clusterable then
    errors.check(require("semeq.eval.plot").latent_map(sm:encode(ex.X.test), ex.y.test, opts.svg,
      {title = (title or "latent space") .. " — held-out rows"}))
    print("latent map written to " .. opts.svg)
  end
end

return recipes
