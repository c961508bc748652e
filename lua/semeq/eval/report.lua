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

--- A text table of one evaluation (semeq.evaluate.model): the latent space and the two
-- raw baselines side by side, then reconstruction next to PCA.
function report.table(r, title)
  local lines = {}
  local function add(...) lines[#lines + 1] = string.format(...) end
  if title then add("%s", title) end
  add("held-out rows: %d, terms: %d, latent size: %d", r.n, r.terms, r.latent_size or 0)
  if r.knn_accuracy then
    add("%-20s %-22s %-15s %-22s %s", "space", "silhouette [95% CI]", "Davies-Bouldin", "5-NN accuracy [95% CI]", "macro-F1")
    local function row(name, s)
      add("%-20s %-22s %-15s %-22s %s", name, num(s.silhouette) .. ci(s.silhouette_ci), num(s.davies_bouldin),
        num(s.knn_accuracy) .. ci(s.knn_accuracy_ci), num(s.macro_f1))
    end
    row("latent (encoder)", r)
    row("raw parameters", r.baseline_params)
    row("raw response (dB)", r.baseline_response)
  end
  add("reconstruction RMS dB per example: mean %s, p95 %s", num(r.recon_rms_db_mean), num(r.recon_rms_db_p95))
  if r.pca_rms_db_mean then
    local lossless = r.input_size and r.pca_components >= r.input_size and " (all of them: lossless)" or ""
    add("PCA with %d components%s: mean %s, p95 %s", r.pca_components, lossless, num(r.pca_rms_db_mean), num(r.pca_rms_db_p95))
  end
  return table.concat(lines, "\n")
end

local CV_COLUMNS = {
  {"silhouette", "word silh."}, {"davies_bouldin", "DB"}, {"knn_accuracy", "5-NN"},
  {"latent_silhouette_z", "latent-z silh."}, {"edit_success", "edit success"}, {"edit_change_db", "edit dB"},
  {"swap_change_db", "swap dB"}, {"recon_e2e_rms_db_mean", "recon e2e dB"}, {"pca_e2e_rms_db_mean", "PCA e2e dB"},
}

--- A text table of a cross-validation (semeq.recipes.semantic.cross_validate): one row
-- per fold, the mean over folds and the mean weighted by held-out rows, the baselines'
-- means, and the intervals from a bootstrap over users.
function report.cv_table(cv, title)
  local lines = {}
  local function add(...) lines[#lines + 1] = string.format(...) end
  if title then add("%s", title) end
  local head = {string.format("%-9s %5s %5s", "fold", "rows", "users")}
  for _, c in ipairs(CV_COLUMNS) do head[#head + 1] = string.format("%14s", c[2]) end
  add("%s", table.concat(head, " "))
  for _, r in ipairs(cv.folds) do
    local cells = {string.format("%-9d %5d %5d", r.fold, r.n, r.held_out_users or 0)}
    for _, c in ipairs(CV_COLUMNS) do cells[#cells + 1] = string.format("%14s", num(r[c[1]])) end
    add("%s", table.concat(cells, " "))
  end
  for _, which in ipairs {"mean", "weighted"} do
    local cells = {string.format("%-21s", which == "mean" and "mean of folds" or "weighted by rows")}
    for _, c in ipairs(CV_COLUMNS) do
      local p = cv.pooled[c[1]]
      cells[#cells + 1] = string.format("%14s", num(p and p[which]))
    end
    add("%s", table.concat(cells, " "))
  end
  add("")
  add("baselines on the same held-out rows (mean of folds; fitted on each fold's training users):")
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
    add("all held-out rows pooled, 95%% intervals from a bootstrap over users:")
    for _, key in ipairs {"silhouette", "knn_accuracy", "edit_success", "recon_e2e_rms_db_mean"} do
      local v = cv.pooled.intervals[key]
      if v then add("  %-22s %s%s", key, num(v.pooled), ci(v.ci)) end
    end
  end
  return table.concat(lines, "\n")
end

--- Writes value as JSON to path (atomically): true, or nil and a message.
function report.write_json(path, value)
  return atomic.write(path, json.encode(value) .. "\n")
end

return report
