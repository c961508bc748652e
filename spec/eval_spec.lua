-- semeq.eval (the evaluation protocol) and semeq.eval.report (its table and JSON).
local T = require "semeq.tensor"
local H = require "spec.helpers"
local evaluate = require "semeq.eval"
local report = require "semeq.eval.report"
local prepare = require "semeq.data.prepare"
local json = require "semeq.util.json"
local fixtures = require "spec.support.fixtures"

describe("semeq.eval", function()
  local dir, csv
  setup(function()
    dir = H.tmpdir()
    csv = dir .. "/safe.csv"
    fixtures.safe_csv(csv, 8, 5)
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("scores held-out rows in one space: clear clusters give silhouette near 1 and 5-NN accuracy 1", function()
    T.manualSeed(2)
    local A = T.randn(20, 3) * 0.05
    local B = T.randn(20, 3) * 0.05 + 5
    local y = {}
    for i = 1, 40 do y[i] = i <= 20 and "a" or "b" end
    local X = T.cat({A, B}, 1)
    local s = evaluate.scores(X, y, X, y, {bootstrap = 50})
    assert.is_true(s.silhouette > 0.95)
    assert.are.equal(1, s.knn_accuracy)
    assert.is_true(s.silhouette_ci[1] <= s.silhouette and s.silhouette <= s.silhouette_ci[2] + 1e-12)
    assert.are.equal(40, s.n)
    -- one term only: clustering is undefined and left out, retrieval still scored
    local one = {}
    for i = 1, 40 do one[i] = "a" end
    local s1 = evaluate.scores(X, one, X, one, {bootstrap = 0})
    assert.is_nil(s1.silhouette)
    assert.are.equal(1, s1.knn_accuracy)
  end)

  it("reconstructs with PCA exactly when it keeps every component, and loses what it drops", function()
    T.manualSeed(3)
    local X = T.randn(30, 4)
    assert.is_true(T.allclose(evaluate.pca_reconstruction(X, X, 4), X, 1e-4, 1e-4))
    local line = T.mm(T.randn(30, 1), T.new {{1, 2, 0, 0}})
    assert.is_true(T.allclose(evaluate.pca_reconstruction(line, line, 1), line, 1e-4, 1e-4))
    assert.is_false(T.allclose(evaluate.pca_reconstruction(X, X, 1), X, 1e-2, 1e-2))
  end)

  it("runs the whole protocol on held-out users: latent, raw baselines, reconstruction next to PCA", function()
    T.manualSeed(4)
    local ex = assert(prepare.prepare{data = csv, min_examples = 2, split = "user", test = 0.25, seed = 1})
    local identity = {encode = function(_, X) return X:clone() end, decode = function(_, Z) return Z:clone() end}
    local r = evaluate.model(ex, identity, {bootstrap = 0, steer = false})
    assert.are.same({ex.X.test:size(1), 2, 13}, {r.n, r.terms, r.latent_size})
    assert.are.equal(0, r.recon_rms_db_mean)            -- the identity reconstructs exactly
    assert.is_true(r.pca_rms_db_mean >= 0)
    assert.are.same({13, 13}, {r.pca_components, r.input_size})
    for _, space in ipairs {r, r.baseline_params, r.baseline_response, r.baselines.raw_curve40, r.baselines.lda,
                            r.baselines.logreg, r.baselines.knn_posterior} do
      assert.is_true(space.silhouette > 0 and space.knn_accuracy > 0.8)
    end
    -- the identity's codes are the normalised parameters: the latent row equals the baseline
    assert.is_true(math.abs(r.silhouette - r.baseline_params.silhouette) < 1e-6)
  end)
end)

describe("semeq.eval.report", function()
  local r = {n = 10, terms = 2, latent_size = 4, silhouette = 0.5, silhouette_ci = {0.4, 0.6}, davies_bouldin = 0.7,
    knn_accuracy = 0.9, macro_f1 = 0.88, baseline_params = {silhouette = 0.2, knn_accuracy = 0.8},
    baseline_response = {silhouette = 0 / 0, knn_accuracy = 0.85}, recon_rms_db_mean = 0.31, recon_rms_db_p95 = 0.5,
    pca_rms_db_mean = 1.2, pca_rms_db_p95 = 2, pca_components = 4, input_size = 13}

  it("prints the latent next to the raw baselines and reconstruction next to PCA", function()
    local t = report.table(r, "title")
    assert.truthy(t:find("^title\nheld%-out rows: 10, terms: 2, latent size: 4"))
    assert.truthy(t:find("latent (encoder)       0.500 [0.40, 0.60]", 1, true), t)
    assert.truthy(t:find("raw response (dB)      nan", 1, true), t)
    assert.truthy(t:find("reconstruction in the model's space, RMS dB per example: mean 0.310, p95 0.500", 1, true), t)
    assert.truthy(t:find("PCA with 4 components: mean 1.200, p95 2.000", 1, true), t)
    assert.are.same({"-", "nan", "0.12", " [0.10, 0.20]", ""},
      {report.num(nil), report.num(0 / 0), report.num(0.1234, "%.2f"), report.ci({0.1, 0.2}), report.ci(nil)})
  end)

  it("writes the report as JSON atomically, NaN as null, and says why it cannot", function()
    local dir = H.tmpdir()
    assert.is_true(report.write_json(dir .. "/r.json", r))
    local back = json.decode(H.read(dir .. "/r.json"))
    assert.are.equal(0.9, back.knn_accuracy)
    assert.are.equal(json.null, back.baseline_response.silhouette)
    assert.are.same({nil, "cannot write /nonexistent/r.json: No such file or directory"},
      {report.write_json("/nonexistent/r.json", r)})
    os.execute("rm -rf " .. H.quote(dir))
  end)
end)
