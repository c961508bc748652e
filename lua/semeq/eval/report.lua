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

--- Writes value as JSON to path (atomically): true, or nil and a message.
function report.write_json(path, value)
  return atomic.write(path, json.encode(value) .. "\n")
end

return report
