--- Vocabulary discovery: merge the words that held-out data cannot tell apart
-- (synonyms, translations) and report the finest grouping that the data supports.
--
--   semeq scripts/vocabulary.lua [--data socialfx] [--space response|params]
--   semeq scripts/vocabulary.lua --model socialfx.safetensors        (its latent space)
--       [--linkage confusion|silhouette] [--min-silhouette 0.25] [--min-accuracy 0.4]
--       [--json out.json] [--svg map.svg]
--
-- Merges are chosen on the training rows only; every level is scored on held-out rows
-- (see lua/semeq/semantic/vocabulary.lua for the protocol). With --model the data, split and
-- seed are the model's own, so its held-out rows stay held out.
local T = require "semeq.tensor"
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local prepare = require "semeq.data.prepare"
local evaluate = require "semeq.eval"
local report = require "semeq.eval.report"
local vocabulary = require "semeq.semantic.vocabulary"

local p = cli.parser{name = "vocabulary.lua", usage = "[options]",
  description = "Group the words that the data cannot tell apart; report the finest grouping that clears held-out thresholds.",
  flags = {
    {"data", "string", "socialfx", "dataset: socialfx, safe or a file"},
    {"model", "string", nil, "semantic model: use its latent space (and its data, split and seed)"},
    {"space", "string", nil, "response (dB curve), params, or latent (needs --model); default response, or latent with --model",
     choices = {"response", "params", "latent"}},
    {"pca", "integer", nil, "project the space on its first N principal components (fitted on the training rows)", min = 1, max = 4096},
    {"min-examples", "integer", nil, "keep terms with at least this many examples (default 10; SAFE 4)", min = 1},
    {"test", "number", 0.25, "held-out fraction", min = 0.01, max = 0.99},
    {"seed", "integer", 1, "seed of the held-out split and of the folds", min = 0},
    {"linkage", "string", "confusion", "confusion (merge the most confused pair) or silhouette",
     choices = {"confusion", "silhouette"}},
    {"folds", "integer", 5, "cross-validation folds within the training rows", min = 2, max = 100},
    {"repeats", "integer", 2, "cross-validation repeats (fresh fold seeds)", min = 1, max = 1000},
    {"k", "integer", 5, "neighbours of the k-NN classifier", min = 1},
    {"min-silhouette", "number", 0.25, "held-out silhouette a grouping must reach", min = -1, max = 1},
    {"min-accuracy", "number", 0.4, "held-out k-NN accuracy a grouping must reach", min = 0, max = 1},
    {"min-recall", "number", 0.2, "held-out k-NN recall every group must reach (no group that is never recognised)", min = 0, max = 1},
    {"above-majority", "boolean", true, "a grouping's k-NN accuracy must also beat always guessing its largest group"},
    {"target-groups", "integer", 4, "also report the best held-out silhouette among levels with at least this many groups", min = 1},
    {"bootstrap", "integer", 200, "bootstrap resamples for the chosen level's intervals (0: none)", min = 0, max = 100000},
    {"threads", "integer", 1, "OpenBLAS threads", min = 1, max = 256},
    {"json", "string", nil, "write the path and the chosen grouping here (.json)"},
    {"svg", "string", nil, "write a map of the held-out rows coloured by group here (.svg)"},
  }}
errors.main("vocabulary.lua", function()
  local o = p:parse_or_exit(arg)
  require("semeq.recipes").check_outputs(o)
  T.setNumThreads(o.threads)

  -- The data: the model's own experiment, or the one asked for.
  local sm, prep = nil, {data = o.data, min_examples = o["min-examples"], test = o.test, seed = o.seed}
  if o.model then
    sm = errors.check(require("semeq.semantic").load(o.model))
    local mo = sm.info.opts or {}
    -- models trained before typed flags stored --terms as one comma-separated string
    local terms = type(mo.terms) == "string" and errors.check(cli.list(mo.terms, "string", "terms")) or mo.terms
    prep = {data = mo.data or o.data, min_examples = mo["min-examples"], terms = terms,
            split = mo.split, test = mo.test, seed = mo.seed, input = mo.input, rep_state = sm.rep:state()}
  end
  local space = o.space or (sm and "latent" or "response")
  if space == "latent" and not sm then errors.usage("--space latent needs --model FILE") end
  if not prep.min_examples then prep.min_examples = (prep.data == "safe") and 4 or 10 end
  local ex = errors.check(prepare.prepare(prep))
  T.manualSeed(o.seed)

  local X = vocabulary.space(ex, space, sm)
  if o.pca then
    local d = X.train:size(2)
    if o.pca > d then errors.usage(string.format("--pca must be at most %d (the space's dimensions), got %d", d, o.pca)) end
    X = vocabulary.pca(X, o.pca)
  end
  local path = errors.check(vocabulary.merge_path(ex, X, {folds = o.folds, repeats = o.repeats, k = o.k, seed = o.seed,
    linkage = o.linkage}))
  vocabulary.score_path(ex, X, path, {k = o.k})
  local chosen, best = vocabulary.choose(path, {min_silhouette = o["min-silhouette"],
    min_accuracy = o["min-accuracy"], min_recall = o["min-recall"], above_majority = o["above-majority"]})

  local num, ci = report.num, report.ci
  local protocol = string.format(
    "protocol: merges chosen on the %d training rows only (%s; %d-fold x %d cross-validated %d-NN within them, folds by %s);\n"
    .. "every level scored on the %d held-out rows (%s split, seed %d), which informed no merge: silhouette of the\n"
    .. "held-out rows under the group labels and %d-NN accuracy against the training rows. The level is then chosen\n"
    .. "by those held-out scores (a mild optimism: compare the training-side columns).",
    ex.train:size(), o.linkage == "confusion" and "most confused pair first" or "highest training silhouette first",
    o.folds, o.repeats, o.k, path.folds_by, path.held_out_rows, ex.split and ex.split.method or "none", prep.seed or o.seed, o.k)

  print(ex.summary)
  if path.held_out_dropped > 0 then
    print(string.format("%d held-out rows dropped: their word never occurs in the training rows", path.held_out_dropped))
  end
  if sm then
    print(string.format("data %s, split %s, seed %s and representation taken from the model, so its held-out rows stay held out",
      prep.data, ex.split and ex.split.method or "none", tostring(prep.seed)))
  end
  print(string.format("space: %s%s%s", X.name, sm and (" of " .. o.model) or "",
    X.explained and string.format(" (%.1f%% of the training variance)", 100 * X.explained) or ""))
  print(protocol)
  print()
  print(string.format("%6s %8s %9s | %9s %9s %9s %9s %10s | %s", "groups", "cv acc", "train sil", "held sil", "held acc",
    "majority", "macro-F1", "min recall", "next merge (score)"))
  for _, level in ipairs(path) do
    local h = level.held_out
    print(string.format("%6d %8s %9s | %9s %9s %9s %9s %10s | %s", level.n_groups, num(level.cv_accuracy),
      num(level.train_silhouette), num(h.silhouette), num(h.knn_accuracy), num(h.majority), num(h.macro_f1), num(h.min_recall),
      level.merge and string.format("%s + %s (%.3f)", level.merge.a, level.merge.b, level.merge.score) or ""))
  end
  local target
  for _, level in ipairs(path) do
    local sil = level.held_out.silhouette
    if level.n_groups >= o["target-groups"] and sil and (not target or sil > target.held_out.silhouette) then target = level end
  end
  if target then
    print(string.format("best held-out silhouette with >= %d groups: %.3f (%d groups, %d-NN accuracy %.3f)", o["target-groups"],
      target.held_out.silhouette, target.n_groups, o.k, target.held_out.knn_accuracy))
  end
  print()

  local shown = chosen or best
  local detail, yte, test_X = vocabulary.group_detail(ex, X, shown, {k = o.k})
  local ytr = vocabulary.relabel(ex.y.train, shown.groups)
  local scores = evaluate.scores(X.train, ytr, test_X, yte, {k = o.k, bootstrap = o.bootstrap})
  local majority_rule = string.format("%s, every group's recall >= %.2f", o["above-majority"] and " above the majority rate"
    or "", o["min-recall"])
  if chosen then
    print(string.format("chosen: %d groups, the most that clear held-out silhouette >= %.2f and %d-NN accuracy >= %.2f%s",
      chosen.n_groups, o["min-silhouette"], o.k, o["min-accuracy"], majority_rule))
  else
    print(string.format("no level clears held-out silhouette >= %.2f and %d-NN accuracy >= %.2f%s; shown: the level with"
      .. " the best held-out silhouette (%d groups) among those that meet the accuracy rules, if any",
      o["min-silhouette"], o.k, o["min-accuracy"], majority_rule, best.n_groups))
  end
  print(string.format("held-out silhouette %s%s, %d-NN accuracy %s%s (majority group %s), macro-F1 %s",
    num(scores.silhouette), ci(scores.silhouette_ci), o.k, num(scores.knn_accuracy), ci(scores.knn_accuracy_ci),
    num(shown.held_out.majority), num(scores.macro_f1)))
  print(string.format("%-48s %6s %6s %7s %10s", "group", "train", "held", "recall", "silhouette"))
  for _, g in ipairs(detail) do
    print(string.format("%-48s %6d %6d %7s %10s", "{" .. table.concat(g.terms, ", ") .. "}", g.n_train, g.n_test,
      num(g.recall), num(g.silhouette)))
  end

  if o.svg then
    errors.check(require("semeq.eval.plot").latent_map(test_X, yte, o.svg, {title = string.format("%d word groups — held-out rows (%s)",
      shown.n_groups, X.name), units = space == "response" and "dB" or nil}))
    print("map written to " .. o.svg)
  end
  if o.json then
    local levels = {}
    for i, level in ipairs(path) do
      levels[i] = {n_groups = level.n_groups, groups = level.groups, cv_accuracy = level.cv_accuracy,
        train_silhouette = level.train_silhouette, held_out = level.held_out, merge = level.merge}
    end
    errors.check(report.write_json(o.json, {
      data = prep.data, space = X.name, model = o.model, linkage = o.linkage, protocol = protocol,
      split = ex.split and ex.split.method, seed = prep.seed or o.seed, train_rows = ex.train:size(),
      held_out_rows = path.held_out_rows, held_out_dropped = path.held_out_dropped,
      thresholds = {min_silhouette = o["min-silhouette"], min_accuracy = o["min-accuracy"],
        min_recall = o["min-recall"], above_majority = o["above-majority"]},
      cv = path.protocol, path = levels,
      target = target and {min_groups = o["target-groups"], n_groups = target.n_groups, held_out = target.held_out} or nil,
      chosen = chosen and {n_groups = chosen.n_groups, groups = detail, scores = scores} or nil,
      best_silhouette = not chosen and {n_groups = best.n_groups, groups = detail, scores = scores} or nil,
    }))
    print("JSON written to " .. o.json)
  end
end)
