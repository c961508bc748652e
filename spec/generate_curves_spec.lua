-- scripts/generate.lua with a SocialFX word generator: the CSV contract (shape, band order,
-- determinism under --seed, --amount 0 flat, --realise), and scripts/apply.lua applying
-- the same draw. The generator is fitted here on the SocialFX data (a fraction of a second).
local H = require "spec.helpers"
local T = require "semeq.tensor"
local audio = require "semeq.audio"

local read, script = H.read, H.script

-- header (a list of names) and rows (lists of numbers) of a CSV text
local function parse_csv(text)
  local lines = {}
  for line in text:gmatch("[^\n]+") do lines[#lines + 1] = line end
  local header = {}
  for name in lines[1]:gmatch("[^,]+") do header[#header + 1] = name end
  local rows = {}
  for i = 2, #lines do
    local row = {}
    for v in lines[i]:gmatch("[^,]+") do row[#row + 1] = assert(tonumber(v), "not a number: " .. v) end
    rows[#rows + 1] = row
  end
  return header, rows
end

describe("generate.lua and apply.lua with a SocialFX word generator", function()
  local ds = require("semeq.data").load("socialfx")
  if not ds then
    pending("SocialFX data not found")
    return
  end
  local dir = H.tmpdir()
  local model = dir .. "/words.safetensors"
  assert(require("semeq.models.io").save(require("semeq.semantic.generator").fit(ds.records, {}), model))
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  local function generate(args)
    return script("generate.lua", ("--model %s %s"):format(H.quote(model), args))
  end

  it("writes one row of 40 dB values per sample, in the data's band order", function()
    local out, err, code = generate("--term warm --samples 7 --out " .. H.quote(dir .. "/w.csv"))
    assert.are.same({0, ""}, {code, err})
    assert.truthy(out:find("'warm': 7 curves (amount 1, seed 1) written to", 1, true))
    local header, rows = parse_csv(read(dir .. "/w.csv"))
    assert.are.equal(40, #header)
    assert.are.equal(7, #rows)
    -- the data's header names its bands RSC_<f>Hz_band in order; ours db_<f>Hz
    for j, name in ipairs(ds.param_names) do
      assert.are.equal("db_" .. name:match("^RSC_(%d+)Hz_band$") .. "Hz", header[j])
    end
    for _, row in ipairs(rows) do
      assert.are.equal(40, #row)
      local lo, hi = math.min(table.unpack(row)), math.max(table.unpack(row))
      assert.is_true(math.abs(lo + 5) < 1e-3 and math.abs(hi - 5) < 1e-3)  -- Audealize: +-5 x amount dB
    end
  end)

  it("gives the same rows for the same --seed, other rows for another, and row K for any --samples >= K", function()
    local a = generate("--term cold --samples 6 --seed 3")
    local b = generate("--term cold --samples 6 --seed 3")
    local c = generate("--term cold --samples 6 --seed 4")
    local d = generate("--term cold --samples 2 --seed 3")
    assert.are.equal(a, b)
    assert.are_not.equal(a, c)
    local _, ra = parse_csv(a)
    local _, rd = parse_csv(d)
    assert.are.same({ra[1], ra[2]}, rd)
  end)

  it("gives flat curves at --amount 0 and scales with the amount", function()
    local _, rows = parse_csv(generate("--term soft --samples 4 --amount 0"))
    for _, row in ipairs(rows) do
      for _, v in ipairs(row) do assert.are.equal(0, v) end
    end
    local _, half = parse_csv(generate("--term soft --samples 4 --amount 0.5"))
    local _, one = parse_csv(generate("--term soft --samples 4 --amount 1"))
    for i = 1, 4 do
      for j = 1, 40 do assert.is_true(math.abs(2 * half[i][j] - one[i][j]) < 2e-4) end
    end
  end)

  it("realises each curve as a graphic EQ within +-12 dB or a SAFE 5-band setting", function()
    local header, rows = parse_csv(generate("--term bright --samples 3 --realise graphic"))
    assert.are.equal(82, #header)
    assert.are.same({"gain_20Hz", "gain_19682Hz", "fit_max_db", "fit_rms_db"}, {header[41], header[80], header[81], header[82]})
    for _, row in ipairs(rows) do
      -- in range at amount 1: the gains are the curve itself, exactly
      for j = 1, 40 do assert.are.equal(row[j], row[40 + j]) end
      assert.are.equal(0, row[81])
    end
    header, rows = parse_csv(generate("--term bright --samples 2 --amount 3 --realise graphic"))
    assert.are.equal(82, #header)
    for _, row in ipairs(rows) do
      for j = 41, 80 do assert.is_true(math.abs(row[j]) <= 12) end
      assert.is_true(row[81] > 0)
    end
    header, rows = parse_csv(generate("--term bright --samples 2 --realise parametric"))
    assert.are.same({"ls_gain", "hs_freq", "fit_max_db"}, {header[41], header[53], header[54]})
    assert.are.equal(55, #rows[1])
    assert.is_true(rows[1][55] >= 0 and rows[1][55] <= rows[1][54])
  end)

  it("folds case and accents, and refuses unknown words and semantic-model flags", function()
    local out, _, code = generate("--term ' FRIO ' --samples 1")
    assert.are.equal(0, code)
    local header, rows = parse_csv(out)
    assert.are.same({40, 1}, {#header, #rows})
    local err
    _, err, code = generate("--term qwertz")
    assert.are.equal(2, code)
    assert.truthy(err:find("generate.lua: unknown term 'qwertz'; this model knows %d+ words, the most frequent: warm, cold"))
    _, err, code = generate("--term warm --variations 2")
    assert.are.same({2, "generate.lua: --variations is for semantic models; a word generator takes --samples, --amount (see --help)\n"},
      {code, err})
  end)

  it("applies draw K of a seed with apply.lua --term --sample K, as --curve applies that CSV row", function()
    T.manualSeed(8)
    local input = dir .. "/in.wav"
    audio.write(input, T.randn(8000, 1):mul(0.1), {samplerate = 44100, subtype = "float"})
    local _, err, code = script("apply.lua", ("%s %s --model %s --term warm --sample 3 --seed 5"):format(
      H.quote(input), H.quote(dir .. "/a.wav"), H.quote(model)))
    assert.are.same({0, ""}, {code, err})
    local _, rows = parse_csv(generate("--term warm --samples 4 --seed 5"))
    local curve = {}
    for j, v in ipairs(rows[3]) do curve[j] = string.format("%.4f", v) end
    _, err, code = script("apply.lua", ("%s %s --curve %s"):format(H.quote(input), H.quote(dir .. "/b.wav"),
      table.concat(curve, ",")))
    assert.are.same({0, ""}, {code, err})
    local a, b = audio.read(dir .. "/a.wav"), audio.read(dir .. "/b.wav")
    assert.is_true((a - b):abs():max() < 1e-3 * a:abs():max())
    -- another draw is another EQ
    script("apply.lua", ("%s %s --model %s --term warm --sample 1 --seed 5"):format(H.quote(input),
      H.quote(dir .. "/c.wav"), H.quote(model)))
    assert.is_true((audio.read(dir .. "/c.wav") - a):abs():max() > 1e-2 * a:abs():max())
    _, err, code = script("apply.lua", ("%s %s --model %s --from warm --to cold"):format(H.quote(input),
      H.quote(dir .. "/d.wav"), H.quote(model)))
    assert.are.same({2, "apply.lua: --from/--to need a semantic model; a word generator takes --term (see --help)\n"},
      {code, err})
  end)
end)
