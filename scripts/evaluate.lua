-- Evaluates a saved semantic model on a dataset file, treating every row as held out.
--
--   semeq scripts/evaluate.lua --model FILE --data FILE [--json OUT] [--bootstrap N]
--
-- This is a stable contract that other tools rely on. The data file is SAFE-format CSV
-- for a SAFE model (safe13, floweq13, curve40) or SocialFX-format CSV / Audealize JSON
-- for a 40-band model (graphic40). Rows are filtered as the model's training data was:
-- the default stop-list, the model's stemming (if it was trained with it), then only
-- rows whose term is in the model's vocabulary. Malformed rows are an error naming the
-- file and line (--lenient skips them with a warning).
--
-- Output: the table on stdout, and with --json a JSON object with at least
--   n, terms, silhouette, davies_bouldin, knn_accuracy, macro_f1 (on the model's semantic
--     columns: silhouette is the semantic-column silhouette),
--   semantic_silhouette, latent_silhouette_z (every latent column z-scored by the
--     training codes' statistics),
--   recon_rms_db_mean, recon_rms_db_p95, pca_rms_db_mean, pca_rms_db_p95 (model space),
--   edit_success, edit_change_db, recon_e2e_rms_db_mean, pca_e2e_rms_db_mean (SAFE
--     models: steering and end-to-end reconstruction, see lua/semeq/eval/steer.lua),
--   baselines {lda, logreg, knn_posterior, raw_params, raw_response, raw_curve40: each
--     {silhouette, davies_bouldin, knn_accuracy}},
--   baseline_params {n, silhouette, davies_bouldin, knn_accuracy, macro_f1},
--   baseline_response {same keys}, model_file, data_file, k.
-- kNN (k = 5) classifies each row by its nearest neighbours among the model's stored
-- training rows (their codes for the latent space, their raw settings for the
-- baselines); PCA, the baselines and the judge of edits are fitted on those training rows
-- too (inner folds over the model's training users choose their penalties). Intervals
-- resample the users of the data file. A metric that is undefined (silhouette and
-- Davies-Bouldin with fewer than two terms; clustering for Audealize word curves; edits
-- for 40-band models) is null. Exit status: 0 on success, 1 on any error (message on stderr,
-- naming the file), 2 on bad flags.
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local data = require "semeq.data"
local prepare = require "semeq.data.prepare"
local evaluate = require "semeq.eval"
local semantic = require "semeq.semantic"
local report = require "semeq.eval.report"
local T = require "semeq.tensor"

local NAME = "evaluate.lua"

local recipes = require "semeq.recipes"

local parser = cli.parser{
  name = NAME, usage = "--model FILE --data FILE [options]",
  description = "Evaluate a saved semantic model on a dataset file (all rows held out).",
  flags = {
    {"model", "string", nil, "the model file (.safetensors, written by a train script's --out)"},
    {"data", "string", nil, "the dataset file (SAFE CSV, SocialFX CSV, Audealize JSON)"},
    {"json", "string", nil, "write the evaluation report here (.json)"},
    {"bootstrap", "integer", 200, "bootstrap resamples for confidence intervals (0: none)", min = 0, max = 100000},
    {"lenient", "boolean", false, "skip malformed rows (with a warning) instead of failing"},
    {"threads", "integer", 1, "OpenBLAS threads", min = 1, max = 256},
  },
}

-- Which dataset kinds each representation reads.
local READS = {safe13 = {safe = true}, floweq13 = {safe = true}, curve40 = {safe = true},
               graphic40 = {socialfx = true, audealize = true}}

local METRICS = {"n", "silhouette", "davies_bouldin", "knn_accuracy", "macro_f1"}
local STEER = {"semantic_silhouette", "latent_silhouette_z", "edit_success", "edit_change_db", "recon_e2e_rms_db_mean",
               "pca_e2e_rms_db_mean"}
local BASELINES = {"lda", "logreg", "knn_posterior", "raw_params", "raw_response", "raw_curve40"}

-- Undefined metrics become NaN, which the JSON encoder writes as null, so that every
-- key of the contract is present.
local function complete(t)
  for _, k in ipairs(METRICS) do
    if t[k] == nil then t[k] = 0 / 0 end
  end
  return t
end

-- Loads the file once to refuse malformed rows with their line numbers.
local function check_rows(kind, path, lenient)
  local ds = errors.check(data.load(kind, path))
  local bad = ds.dropped
  if #bad == 0 then return end
  local first = bad[1]
  local where = first.line and string.format("%s:%s", path, tostring(first.line)) or path
  local msg = string.format("%s: malformed row: %s%s", where, tostring(first.reason),
    #bad > 1 and string.format(" (and %d more malformed rows)", #bad - 1) or "")
  if not lenient then errors.fail(msg .. "; --lenient skips them") end
  io.stderr:write(NAME, ": warning: ", msg, "; skipped\n")
end

local function run(opts)
  local sm = errors.check(semantic.load(opts.model))
  local kind, path = errors.check(prepare.kind_of(opts.data))
  if not path then errors.usage(string.format("--data must be a file, got '%s'", opts.data)) end
  if not READS[sm.rep.kind][kind] then
    errors.fail(string.format("%s looks like %s data, but the model %s reads %s inputs", opts.data, kind,
      opts.model, sm.rep.kind))
  end
  check_rows(kind, path, opts.lenient)

  local ex, err = prepare.prepare{data = path, split = "none", min_examples = 1, terms = sm.terms,
    stem = sm.info.stem, rep_state = sm.rep:state()}
  if not ex then errors.fail(string.format("%s: %s", opts.data, err)) end

  -- The model's training rows stand in for the training split: kNN neighbours,
  -- baselines and PCA are all fitted on them, never on the rows being evaluated.
  local train_records = sm:train_records()
  ex.train = {records = train_records}
  ex.X.train = sm.rep:input(train_records)
  local test_users = {}
  for i, r in ipairs(ex.test.records) do test_users[i] = r.user or ("row" .. i) end
  local result = evaluate.model(ex, sm, {bootstrap = opts.bootstrap, train_codes = sm.train_codes,
    train_labels = sm.train_labels, train_records = train_records, baseline_train = sm.rep:baseline(train_records),
    groups = {train = sm.train_users, test = test_users}})
  complete(result)
  for _, key in ipairs(STEER) do
    if result[key] == nil then result[key] = 0 / 0 end
  end
  result.baseline_params = complete(result.baseline_params or {n = result.n})
  result.baseline_response = complete(result.baseline_response or {n = result.n})
  result.baselines = result.baselines or {}
  for _, name in ipairs(BASELINES) do result.baselines[name] = complete(result.baselines[name] or {n = result.n}) end
  result.model_file, result.data_file, result.k = opts.model, opts.data, 5

  print(string.format("%s\n%d of the model's %d terms present; every row held out; kNN, baselines and PCA use the model's %d training rows",
    ex.data:summary(), result.terms, #sm.terms, #train_records))
  print()
  print(report.table(result, string.format("%s on %s (every row held out)", opts.model, opts.data)))
  if opts.json then
    errors.check(report.write_json(opts.json, result))
    print("report written to " .. opts.json)
  end
end

errors.main(NAME, function()
  local opts = parser:parse_or_exit(arg)
  if not opts.model then errors.usage("--model is required") end
  if not opts.data then errors.usage("--data is required") end
  recipes.check_outputs(opts)
  T.setNumThreads(opts.threads)
  run(opts)
end)
