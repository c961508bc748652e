--- semeq.eval.report: the evaluation table people read and the JSON file tools read.
local atomic = require "semeq.util.atomic"
local json = require "semeq.util.json"

local report = {}

--- A number for a table: "-" for none, "nan", or formatted (default %.3f).
function report.num(x, fmt)
  if x == nil then return "-" end
  if x ~= x then return "nan" end
  return string.format(fmt or "%.3f", x)
end

--- A confidence interval {lo, hi} as " [lo, hi]" ("" for none).
function report.ci(x)
  if not x then return "" end
  return string.format(" [%.2f, %.2f]", x[1], x[2])
end

local num, ci = report.num, report.ci

local BASELINE_ROWS = {
  {"raw_params", "raw parameters"}, {"raw_response", "raw response (dB)"}, {"raw_curve40", "raw 40-point curve"},
  {"lda", "LDA (1-D)"}, {"logreg", "logistic logit"}, {"knn_posterior", "kNN posterior"},
}

-- The steering and end-to-end lines of a SAFE model's report.
local function steering_lines(r, add)
  add("steering: edits to the other term judged by logistic regression on the response (held-out accuracy %s)",
    num(r.judge and r.judge.accuracy))
  local by = {}
  for term, v in pairs(r.edit_success_by_term or {}) do by[#by + 1] = string.format("to %s %s", term, num(v)) end
  table.sort(by)
  add("  success at amount 1: %s (%s); judged probability never falls with the amount: %s of rows",
    num(r.edit_success), table.concat(by, ", "), num(r.edit_monotone))
  add("  change RMS dB: edit %s, swap to the term's typical setting %s; %d of %d edited settings outside SAFE's ranges",
    num(r.edit_change_db), num(r.swap_change_db), r.edit_out_of_range or 0, r.edit_rows or 0)
  if r.arithmetic then
    add("  response arithmetic x + mean_T - mean_source: success %s, change %s dB", num(r.arithmetic.success_min),
      num(r.arithmetic.change_db))
  end
  add("reconstruction end to end (setting -> code -> realised setting -> response), RMS dB: mean %s, p95 %s;"
    .. " PCA of the same size %s, p95 %s", num(r.recon_e2e_rms_db_mean), num(r.recon_e2e_rms_db_p95),
    num(r.pca_e2e_rms_db_mean), num(r.pca_e2e_rms_db_p95))
end

--- A text table of one evaluation (semeq.eval.model): the model's word columns, its
-- whole latent z-scored and the baselines side by side; steering (SAFE models); then
-- reconstruction next to PCA.
function report.table(r, title)
  local lines = {}
  local function add(...) lines[#lines + 1] = string.format(...) end
  if title then add("%s", title) end
  add("held-out rows: %d, terms: %d, latent size: %d", r.n, r.terms, r.latent_size or 0)
  if r.knn_accuracy then
    add("%-22s %-22s %-15s %-22s %s", "space", "silhouette [95% CI]", "Davies-Bouldin", "5-NN accuracy [95% CI]", "macro-F1")
    local function row(name, s)
      if not s then return end
      add("%-22s %-22s %-15s %-22s %s", name, num(s.silhouette) .. ci(s.silhouette_ci), num(s.davies_bouldin),
        num(s.knn_accuracy) .. ci(s.knn_accuracy_ci), num(s.macro_f1))
    end
    local some = r.semantic_columns and #r.semantic_columns < (r.latent_size or 0)
    row(some and "model: semantic columns" or "latent (encoder)", r)
    if r.latent_silhouette_z then
      row("model: latent, z-scored", {silhouette = r.latent_silhouette_z, davies_bouldin = r.latent_davies_bouldin_z,
                                      knn_accuracy = r.latent_knn_accuracy_z})
    end
    if r.baselines then
      for _, b in ipairs(BASELINE_ROWS) do row(b[2], r.baselines[b[1]]) end
    else
      row("raw parameters", r.baseline_params)
      row("raw response (dB)", r.baseline_response)
    end
  end
  if r.edit_success then steering_lines(r, add) end
  add("reconstruction in the model's space, RMS dB per example: mean %s, p95 %s", num(r.recon_rms_db_mean),
    num(r.recon_rms_db_p95))
  if r.pca_rms_db_mean then
    local lossless = r.input_size and r.pca_components >= r.input_size and " (all of them: lossless)" or ""
    add("PCA with %d components%s: mean %s, p95 %s", r.pca_components, lossless, num(r.pca_rms_db_mean), num(r.pca_rms_db_p95))
  end
  return table.concat(lines, "\n")
end

local CV_COLUMNS = {
  {"silhouette", "silhouette"}, {"davies_bouldin", "DB"}, {"knn_accuracy", "5-NN"},
  {"latent_silhouette_z", "latent-z silh."}, {"edit_success", "edit success"}, {"edit_change_db", "edit dB"},
  {"swap_change_db", "swap dB"}, {"recon_rms_db_mean", "recon dB"}, {"pca_rms_db_mean", "PCA dB"},
  {"recon_e2e_rms_db_mean", "recon e2e dB"}, {"pca_e2e_rms_db_mean", "PCA e2e dB"},
}

--- A text table of a cross-validation (semeq.eval.cv): one row per fold, the mean over
-- folds and the mean weighted by held-out rows, the baselines' means, and the intervals
-- from a bootstrap over users. Columns no fold has a value for are left out; the
-- silhouette is the semantic columns' when the model names them.
function report.cv_table(cv, title)
  local lines = {}
  local function add(...) lines[#lines + 1] = string.format(...) end
  if title then add("%s", title) end
  local columns = {}
  for _, c in ipairs(CV_COLUMNS) do
    if cv.pooled[c[1]] then columns[#columns + 1] = c end
  end
  local head = {string.format("%-9s %5s %5s", "fold", "rows", "users")}
  for _, c in ipairs(columns) do head[#head + 1] = string.format("%14s", c[2]) end
  add("%s", table.concat(head, " "))
  for _, r in ipairs(cv.folds) do
    local cells = {string.format("%-9d %5d %5s", r.fold, r.n, r.held_out_users or "-")}
    for _, c in ipairs(columns) do cells[#cells + 1] = string.format("%14s", num(r[c[1]])) end
    add("%s", table.concat(cells, " "))
  end
  for _, which in ipairs {"mean", "weighted"} do
    local cells = {string.format("%-21s", which == "mean" and "mean of folds" or "weighted by rows")}
    for _, c in ipairs(columns) do
      local p = cv.pooled[c[1]]
      cells[#cells + 1] = string.format("%14s", num(p and p[which]))
    end
    add("%s", table.concat(cells, " "))
  end
  add("")
  add("baselines on the same held-out rows (mean of folds; fitted on each fold's training rows):")
  add("%-16s %12s %12s %12s", "space", "silhouette", "DB", "5-NN")
  local names = {}
  for name in pairs(cv.pooled.baselines or {}) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local b = cv.pooled.baselines[name]
    add("%-16s %12s %12s %12s", name, num(b.silhouette and b.silhouette.mean), num(b.davies_bouldin and b.davies_bouldin.mean),
      num(b.knn_accuracy and b.knn_accuracy.mean))
  end
  if cv.pooled.intervals then
    add("")
    add("all held-out rows pooled, 95%% intervals from a bootstrap over %s:", cv.by == "user" and "users" or "rows")
    for _, key in ipairs {"silhouette", "knn_accuracy", "knn_accuracy_minus_raw_params",
                          "knn_accuracy_minus_raw_response", "knn_accuracy_minus_raw_curve40", "edit_success",
                          "recon_e2e_rms_db_mean"} do
      local v = cv.pooled.intervals[key]
      if v then add("  %-31s %s%s", key, num(v.pooled), ci(v.ci)) end
    end
  end
  return table.concat(lines, "\n")
end

--- Writes value as JSON to path (atomically): true, or nil and a message.
function report.write_json(path, value)
  return atomic.write(path, json.encode(value) .. "\n")
end

return report
