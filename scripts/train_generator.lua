--- SocialFX: a word -> the EQ curves people make for it. Fits semeq's word generator
-- (semeq.semantic.generator: a mixture over contributions per word, shrunk towards the
-- word's translations and all contributions), judges it by the LLM2Fx protocol
-- (semeq.eval.generation: k-fold split stratified by word, MMD on the dB curve and on DSP
-- features of pink noise, baselines in the same table), then fits it on every row.
--
--   semeq scripts/train_generator.lua [--folds 5] [--seed 1] [--draws 100]
--        [--json report.json] [--out models/socialfx_words.safetensors] [--no-eval]
--
-- The generator's settings (kappa, noise, lexicon share) are chosen in every fold by an
-- inner k-fold over that fold's training rows (--tune-folds), never on the rows it is
-- judged on; the shipped model's by the same search over all rows. "model_no_lexicon"
-- in the table is the same generator with the lexicon share set to 0 (an ablation).
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local data = require "semeq.data"
local generator = require "semeq.semantic.generator"
local generation = require "semeq.eval.generation"
local report = require "semeq.eval.report"
local mio = require "semeq.models.io"

local parser = cli.parser{
  name = "train_generator.lua", usage = "[options]",
  description = "Fit the SocialFX word -> curves generator, evaluate it (LLM2Fx-style MMD), save it.",
  flags = {
    {"data", "string", nil, "SocialFX CSV (default: found on the data search path)"},
    {"folds", "integer", 5, "outer folds, stratified by word", min = 2},
    {"tune-folds", "integer", 4, "inner folds that choose the settings", min = 2},
    {"seed", "integer", 1, "seed of the splits and draws", min = 0},
    {"draws", "integer", 100, "curves drawn per word and fold", min = 2},
    {"tune-draws", "integer", 200, "curves drawn per word when tuning", min = 2},
    {"bootstrap", "integer", 2000, "bootstrap resamples of the intervals", min = 100},
    {"min-count", "integer", 10, "words judged by MMD: at least this many rows", min = 2},
    {"mid", "integers", {4, 9}, "also score words with this many rows (lo,hi; curve only)", count = 2, min = 1},
    {"kappa", "number", nil, "fix kappa instead of tuning it (with --noise and --lexicon)", min = 0},
    {"noise", "number", nil, "fix the noise scale", min = 0},
    {"lexicon", "number", nil, "fix the lexicon share", min = 0, max = 1},
    {"no-eval", "boolean", false, "skip the evaluation (fit and save only)"},
    {"json", "string", nil, "write the evaluation report here (.json)"},
    {"out", "string", nil, "write the model fitted on every row here (.safetensors)"},
  },
}

-- The settings for these records: fixed on the command line, or tuned inside them.
local function choose(o, records, log)
  if o.kappa or o.noise or o.lexicon then
    if not (o.kappa and o.noise and o.lexicon) then errors.usage("--kappa, --noise and --lexicon go together") end
    return {kappa = o.kappa, noise = o.noise, lexicon = o.lexicon}
  end
  local best, rows = generator.tune(records, {folds = o["tune-folds"], seed = o.seed, draws = o["tune-draws"]})
  log[#log + 1] = {rows = #records, best = best, grid = rows}
  return best
end

local function audealize_curves()
  local ads = data.load("audealize")
  if not ads then return nil end
  local out = {}
  for _, r in ipairs(ads.records) do out[r.key] = r.params end
  return out
end

local function show_settings(s)
  return string.format("kappa %s, noise %.2f, lexicon %.1f", tostring(s.kappa), s.noise, s.lexicon)
end

-- How many words the model answers, and how much of each answer is the word's own.
local function coverage(model)
  local counts = model.config.fit.counts
  local own, unseen, single, kappa = 0, 0, 0, model.config.fit.kappa
  local majority = 0
  for _, w in ipairs(model:words()) do
    local n = counts[w]
    if n == 0 then unseen = unseen + 1 else own = own + 1 end
    if n == 1 then single = single + 1 end
    if n > 0 and n / (n + kappa) >= 0.5 then majority = majority + 1 end
  end
  local aliases = 0
  for _ in pairs(model.config.aliases) do aliases = aliases + 1 end
  return {words = #model:words(), with_rows = own, lexicon_only = unseen, single_row = single,
          own_majority = majority, spellings = aliases}
end

errors.main("train_generator.lua", function()
  local o = parser:parse_or_exit(arg)
  local ds = errors.check(data.load("socialfx", o.data))
  local log, out = {}, {}
  if not o["no-eval"] then
    local chosen = {}
    local t0 = os.time()
    local r = generation.run(ds, {
      folds = o.folds, seed = o.seed, draws = o.draws, bootstrap = o.bootstrap, min_count = o["min-count"],
      mid = o.mid, audealize = audealize_curves(),
      fit = function(records, f)
        chosen[f] = choose(o, records, log)
        -- the ablation: the same settings without the translations
        local plain = {kappa = chosen[f].kappa, noise = chosen[f].noise, lexicon = 0}
        return generator.fit(records, chosen[f]), {model_no_lexicon = generator.fit(records, plain)}
      end,
      progress = function(f, k)
        io.stderr:write(string.format("fold %d/%d: %s (%d s)\n", f, k, show_settings(chosen[f]), os.time() - t0))
      end,
    })
    r.chosen = chosen
    print(generation.table(r))
    out.evaluation = r
  end
  local settings = choose(o, ds.records, log)
  local model = generator.fit(ds.records, settings)
  local cov = coverage(model)
  print()
  print(string.format("model on all %d rows: %s", ds:size(), show_settings(settings)))
  print(string.format("answers %d words: %d with contributions of their own (%d with one; %d where their own "
    .. "curves hold at least half the mixture), %d lexicon words through their translations only; "
    .. "%d more spellings without accents", cov.words, cov.with_rows, cov.single_row, cov.own_majority,
    cov.lexicon_only, cov.spellings))
  out.model = {settings = settings, coverage = cov, tuning = log}
  if o.json then
    errors.check(report.write_json(o.json, out))
    print("report written to " .. o.json)
  end
  if o.out then
    local summary = out.evaluation and {summary = out.evaluation.summary, advantage = out.evaluation.advantage,
      classifier = out.evaluation.classifier, chosen = out.evaluation.chosen, mid = out.evaluation.mid,
      protocol = out.evaluation.protocol} or nil
    errors.check(mio.save(model, o.out, {evaluation = summary, coverage = cov,
      source = "SocialFX contributions (socialfx_eq_contributions.csv), every row"}))
    print("model written to " .. o.out)
  end
end)
