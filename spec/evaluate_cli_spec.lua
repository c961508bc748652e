-- scripts/evaluate.lua end to end: a tiny model trained by scripts/train_vae.lua, then
-- evaluated on a SAFE-format CSV made of real rows (a temporary fixture, never committed).
local H = require "spec.helpers"
local data = require "semeq.data"

local SAFE = data.find("SAFEEqualiserUserData.csv")
local ok_data = SAFE ~= nil

local KEYS = {"n", "terms", "silhouette", "davies_bouldin", "knn_accuracy", "recon_rms_db_mean", "recon_rms_db_p95"}
local BASE_KEYS = {"n", "silhouette", "davies_bouldin", "knn_accuracy"}

-- Splits stdout+stderr from the exit code of `semeq scripts/NAME args`.
local function script(name, args)
  return H.semeq("scripts/" .. name .. " " .. args)
end

-- The first `per_term` rows of each wanted term (column 2, lower-cased and trimmed) and
-- every row of one other term, so the file also holds rows the model must ignore.
local function fixture(path, per_term)
  local want, count, out = {warm = true, bright = true, test = true}, {}, {}
  for line in io.lines(SAFE) do
    local term = line:match('^[^,]*,"?([^,"]*)')
    local key = term and term:lower():match("^%s*(.-)%s*$")
    if key and want[key] and (count[key] or 0) < per_term then
      count[key] = (count[key] or 0) + 1
      out[#out + 1] = line
    end
  end
  H.write(path, table.concat(out, "\n") .. "\n")
  return #out
end

local function in_unit(x) return type(x) == "number" and x >= 0 and x <= 1 end

describe("scripts/evaluate.lua", function()
  if not ok_data then
    pending("SAFE data not found: " .. tostring(SAFE))
    return
  end
  local dir, model, csv

  setup(function()
    dir = H.tmpdir()
    model, csv = dir .. "/vae.safetensors", dir .. "/rows.csv"
    local out, rc = script("train_vae.lua", "--folds 0 --epochs 3 --bootstrap 0 --quiet --out " .. H.quote(model))
    assert(rc == 0, out)
    fixture(csv, 40)
  end)

  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("writes every contract key with values in range, and prints the table", function()
    local json = dir .. "/report.json"
    local out, rc = script("evaluate.lua", ("--model %s --data %s --json %s --bootstrap 0"):format(
      H.quote(model), H.quote(csv), H.quote(json)))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("latent (encoder)", 1, true))
    assert.truthy(out:find("raw parameters", 1, true))
    local r = require("semeq.util.json").decode(H.read(json))
    for _, k in ipairs(KEYS) do assert.is_number(r[k], k) end
    -- 40 warm + 40 bright rows; the 40 "test" rows are stop-listed.
    assert.are.same({80, 2, 5}, {r.n, r.terms, r.k})
    assert.is_true(r.silhouette >= -1 and r.silhouette <= 1)
    assert.is_true(r.davies_bouldin > 0)
    assert.is_true(in_unit(r.knn_accuracy))
    assert.is_true(r.recon_rms_db_mean >= 0 and r.recon_rms_db_p95 >= r.recon_rms_db_mean * 0.5)
    assert.is_true(r.pca_rms_db_mean >= 0)
    for _, name in ipairs {"baseline_params", "baseline_response"} do
      for _, k in ipairs(BASE_KEYS) do assert.is_number(r[name][k], name .. "." .. k) end
      assert.are.equal(80, r[name].n)
      assert.is_true(in_unit(r[name].knn_accuracy))
    end
  end)

  it("writes null for metrics a single term cannot define", function()
    local one = dir .. "/warm_only.csv"
    local lines = {}
    for line in io.lines(csv) do
      if line:lower():match('^[^,]*,"?%s*warm') then lines[#lines + 1] = line end
    end
    H.write(one, table.concat(lines, "\n") .. "\n")
    local json = dir .. "/one.json"
    local out, rc = script("evaluate.lua", ("--model %s --data %s --json %s --bootstrap 0"):format(
      H.quote(model), H.quote(one), H.quote(json)))
    assert.are.equal(0, rc, out)
    local text = H.read(json)
    assert.truthy(text:find('"silhouette":null', 1, true))
    local r = require("semeq.util.json").decode(text)
    assert.are.same({40, 1}, {r.n, r.terms})
    assert.is_true(in_unit(r.knn_accuracy))
  end)

  it("evaluates a SocialFX model on a SocialFX-format file", function()
    local SFX = data.find("socialfx_eq_contributions.csv")
    local ok_sfx = SFX ~= nil
    if not ok_sfx then
      pending("SocialFX data not found")
      return
    end
    local sfx_model, rows, json = dir .. "/sfx.safetensors", dir .. "/sfx_rows.csv", dir .. "/sfx.json"
    local out, rc = script("train_filtered.lua", "--data socialfx --folds 0 --epochs 2 --latent 4 --widths 16,16 --bootstrap 0 --quiet --out "
      .. H.quote(sfx_model))
    assert.are.equal(0, rc, out)
    local lines = {}
    for line in io.lines(SFX) do
      lines[#lines + 1] = line
      if #lines > 600 then break end
    end
    H.write(rows, table.concat(lines, "\n") .. "\n")
    out, rc = script("evaluate.lua", ("--model %s --data %s --json %s --bootstrap 0"):format(
      H.quote(sfx_model), H.quote(rows), H.quote(json)))
    assert.are.equal(0, rc, out)
    local r = require("semeq.util.json").decode(H.read(json))
    for _, k in ipairs(KEYS) do assert.is_number(r[k], k) end
    assert.is_true(r.n > 0 and r.n < 600 and r.terms >= 2 and r.terms <= 24)
    assert.are.equal(4, r.latent_size)
    assert.is_true(in_unit(r.baseline_response.knn_accuracy))
  end)

  it("fails naming the model file when it is missing", function()
    local missing = dir .. "/nope.safetensors"
    local out, rc = script("evaluate.lua", ("--model %s --data %s"):format(H.quote(missing), H.quote(csv)))
    assert.are.equal(1, rc)
    assert.truthy(out:find("evaluate.lua: " .. missing .. ": cannot open", 1, true), out)
  end)

  it("fails naming the file and line of a malformed row", function()
    local bad = dir .. "/bad.csv"
    local good = H.read(csv)
    H.write(bad, good .. '9999,"warm,user1,2\n')
    local lines = select(2, good:gsub("\n", "\n"))
    local out, rc = script("evaluate.lua", ("--model %s --data %s"):format(H.quote(model), H.quote(bad)))
    assert.are.equal(1, rc)
    assert.truthy(out:find(("evaluate.lua: %s:%d: malformed row: "):format(bad, lines + 1), 1, true), out)
    out, rc = script("evaluate.lua", ("--model %s --data %s --lenient --bootstrap 0"):format(H.quote(model), H.quote(bad)))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("warning: " .. bad, 1, true), out)
  end)

  it("fails when the data file is missing or of the wrong kind, and on missing flags", function()
    local out, rc = script("evaluate.lua", ("--model %s --data %s"):format(H.quote(model), H.quote(dir .. "/none.csv")))
    assert.are.equal(1, rc)
    assert.truthy(out:find("evaluate.lua: " .. dir .. "/none.csv: No such file or directory", 1, true), out)
    local sfx = dir .. "/sfx.csv"
    H.write(sfx, "descriptor,audio_id,ratings_consistency\n")
    out, rc = script("evaluate.lua", ("--model %s --data %s"):format(H.quote(model), H.quote(sfx)))
    assert.are.equal(1, rc)
    assert.truthy(out:find(sfx .. " looks like socialfx data, but the model " .. model .. " reads safe13 inputs", 1, true), out)
    out, rc = script("evaluate.lua", "--data " .. H.quote(csv))
    assert.are.equal(2, rc)
    assert.truthy(out:find("evaluate.lua: --model is required", 1, true), out)
  end)
end)
