--- semeq.recipe: what the scripts in scripts/ share — their flags, the parsing of
-- them, and the closing steps (table, JSON report, model file, latent map).
local T = require "semeq.tensor"
local cli = require "semeq.cli"
local report = require "semeq.report"

local recipe = {}

--- Flags every training recipe takes; a recipe passes its own defaults.
function recipe.training_flags(d)
  return {
    {"data", "string", d.data or "safe", "dataset: safe, socialfx, audealize or a file"},
    {"input", "string", d.input or "params", "SAFE input representation: params (13) or curve40"},
    {"min-examples", "integer", d.min_examples or 10, "keep terms with at least this many examples"},
    {"terms", "string", d.terms, "keep only these terms (comma-separated keys)"},
    {"split", "string", d.split, "held-out split: user, stratified or row (default: by dataset)"},
    {"test", "number", d.test or 0.25, "held-out fraction"},
    {"epochs", "integer", d.epochs or 100, "training epochs"},
    {"batch", "integer", d.batch or 16, "mini-batch size"},
    {"lr", "number", d.lr or 1e-3, "Adam learning rate"},
    {"latent", "integer", d.latent or 32, "latent size"},
    {"seed", "integer", d.seed or 1, "random seed (split, initialisation, batches)"},
    {"threads", "integer", d.threads or 1, "OpenBLAS threads (1 is fastest for small batches)"},
    {"bootstrap", "integer", d.bootstrap or 200, "bootstrap resamples for confidence intervals (0: none)"},
    {"out", "string", d.out, "write the trained model here (.safetensors)"},
    {"json", "string", d.json, "write the evaluation report here (.json)"},
    {"svg", "string", d.svg, "write the held-out latent map here (.svg)"},
    {"checkpoint", "string", nil, "checkpoint file for --checkpoint-every, Ctrl-C and --resume"},
    {"checkpoint-every", "integer", nil, "write a checkpoint every N epochs"},
    {"resume", "string", nil, "resume training from this checkpoint"},
    {"quiet", "boolean", false, "no progress line"},
  }
end

--- Parses arg with the given flags; handles --help and bad flags (exit 2).
function recipe.parse(name, description, flags, argv)
  local p = cli.parser{name = name, usage = "[options]", description = description, flags = flags}
  local opts = p:parse_or_exit(argv or arg)
  T.setNumThreads(opts.threads or 1)
  return opts
end

--- Comma-separated list, or nil.
function recipe.list(text)
  if not text then return nil end
  local out = {}
  for item in text:gmatch("[^,]+") do out[#out + 1] = item:match("^%s*(.-)%s*$") end
  return out
end

--- Integer labels 1..k for the term keys of the training split (sorted keys).
function recipe.term_ids(keys)
  local set, classes = {}, {}
  for _, k in ipairs(keys) do
    if not set[k] then set[k] = true; classes[#classes + 1] = k end
  end
  table.sort(classes)
  local id = {}
  for i, c in ipairs(classes) do id[c] = i end
  local out = {}
  for i, k in ipairs(keys) do out[i] = id[k] end
  return out, classes
end

--- Prints the evaluation, then writes what was asked for: JSON report, model, map.
function recipe.finish(opts, ex, sm, result, title)
  print(ex.summary)
  print()
  print(report.table(result, title))
  if opts.json then report.write_json(opts.json, result) end
  if opts.out then
    sm:save(opts.out, {metrics = result})
    print("model written to " .. opts.out)
  end
  if opts.svg and ex.clusterable then
    require("semeq.plot").latent_map(sm:encode(ex.X.test), ex.y.test, opts.svg,
      {title = (title or "latent space") .. " — held-out rows"})
    print("latent map written to " .. opts.svg)
  end
end

return recipe
