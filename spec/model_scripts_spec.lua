-- scripts/interpolate.lua, generate.lua and explore.lua end to end, on tiny models
-- trained in a temporary folder (a 2-D SAFE model and a 4-D SocialFX model).
local H = require "spec.helpers"
local tiny = require "spec.support.tiny_models"
local eq = require "semeq.eq"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function json(path) return require("semeq.util.json").decode(read(path)) end

-- Runs a script; returns stdout, stderr and the exit code apart.
local function script(name, args)
  local errf = os.tmpname()
  local p = io.popen(("%s scripts/%s %s 2>%s"):format(H.quote(H.bin), name, args, H.quote(errf)))
  local out = p:read("a")
  local _, _, code = p:close()
  local err = read(errf)
  os.remove(errf)
  return out, err, code
end

local function close(a, b, tol)
  assert.are.equal(#a, #b)
  for i = 1, #a do
    assert(math.abs(a[i] - b[i]) <= tol * math.max(1, math.abs(b[i])), ("item %d: %s vs %s"):format(i, a[i], b[i]))
  end
end

local function count(s, pattern)
  local n = 0
  for _ in s:gmatch(pattern) do n = n + 1 end
  return n
end

describe("scripts that read a semantic model", function()
  local dir, safe, sfx, safe_sm, sfx_sm
  setup(function()
    dir = H.tmpdir()
    safe, sfx = dir .. "/safe2.safetensors", dir .. "/sfx4.safetensors"
    safe_sm = tiny.train(safe, "safe", 2)
    sfx_sm = tiny.train(sfx, "socialfx", 4)
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  describe("interpolate.lua", function()
    it("walks from one term to the other: ends are the terms' settings, responses match semeq.eq", function()
      local out, err, code = script("interpolate.lua", ("--model %s --from warm --to bright --steps 4 --svg %s --json %s")
        :format(safe, dir .. "/i.svg", dir .. "/i.json"))
      assert.are.same({0, ""}, {code, err})
      assert.truthy(out:find("warm -> bright in 4 steps (safe model, latent size 2, intensity 1.00)", 1, true), out)
      assert.truthy(out:find("ls_gain", 1, true))
      assert.are.equal(2, count(out, "\n4 a=1%.00 "))  -- a settings row and a response row
      local j = json(dir .. "/i.json")
      assert.are.equal(4, #j.steps)
      assert.are.same({0, 1 / 3}, {j.steps[1].alpha, j.steps[2].alpha})
      close(j.steps[1].params, safe_sm:eq_for("warm").params, 1e-5)
      close(j.steps[4].params, safe_sm:eq_for("bright").params, 1e-5)
      close(j.steps[2].params, safe_sm:eq_for(safe_sm:interpolate("warm", "bright", 1 / 3)).params, 1e-5)
      local grid = require("semeq.settings").grid()
      close(j.steps[3].response_db, eq.response("safe", j.steps[3].params, grid):totable(), 1e-4)
      close(j.freqs, grid:totable(), 1e-4)
      assert.are.equal(4, count(read(dir .. "/i.svg"), "<polyline"))
    end)

    it("summarises 40-band models by region", function()
      local out, _, code = script("interpolate.lua", ("--model %s --from cold --to caliente --steps 2 --intensity 0.5"):format(sfx))
      assert.are.equal(0, code)
      assert.truthy(out:find("(graphic40 model, latent size 4, intensity 0.50)", 1, true), out)
      assert.truthy(out:find("low%s+low_mid%s+high_mid%s+high%s+max%s+min"), out)
      -- intensity 0.5 halves Audealize's +-5 dB span
      assert.truthy(out:find("2 a=1.00 [%s%d.-]+2%.50%s+%-2%.50\n"), out)
    end)

    it("rejects a missing model, unknown terms and bad steps with usage errors", function()
      local out, err, code, _ = script("interpolate.lua", "--from warm --to bright --steps 2")
      assert.are.equal(0, code, err)  -- without --model: the shipped model
      assert.truthy(out:find("warm -> bright in 2 steps", 1, true), out)
      _, err, code = script("interpolate.lua", ("--model %s --from warm --to hot"):format(safe))
      assert.are.same({2, "interpolate.lua: unknown term 'hot'; this model knows: bright, warm (see --help)\n"}, {code, err})
      _, err, code = script("interpolate.lua", ("--model %s --from warm --to bright --steps 1"):format(safe))
      assert.are.same({2, "interpolate.lua: --steps: the value must be >= 2, got 1 (see --help)\n"}, {code, err})
      _, err, code = script("interpolate.lua", ("--model %s --from Warm --to ' BRIGHT '"):format(safe))
      assert.are.equal(0, code, err) -- words are folded as the training data's terms were
      _, err, code = script("interpolate.lua", ("--model %s --from warm"):format(safe))
      assert.are.same({2, "interpolate.lua: give both --from and --to (see --help)\n"}, {code, err})
      _, err, code = script("interpolate.lua", ("--model %s --from warm --to bright"):format(dir .. "/none.safetensors"))
      assert.are.same({1, ("interpolate.lua: %s/none.safetensors: no such file (leave out --model for the shipped "
        .. "model, %s)\n"):format(dir, require("semeq.util.paths").model())}, {code, err})
    end)
  end)

  describe("generate.lua", function()
    it("decodes the term at the intensity, and seeded variations around it", function()
      local out, err, code = script("generate.lua", ("--model %s --term bright --intensity 0.7 --variations 3 --spread 0.5 --json %s")
        :format(safe, dir .. "/g.json"))
      assert.are.same({0, ""}, {code, err})
      assert.truthy(out:find("'bright' (safe model, latent size 2, intensity 0.70, 3 variations with spread 0.50)", 1, true), out)
      assert.truthy(out:find("\nbright ~3 ", 1, true))
      local j = json(dir .. "/g.json")
      assert.are.equal(4, #j.settings)
      close(j.settings[1].params, safe_sm:eq_for("bright", 0.7).params, 1e-5)
      assert.are.equal(j.settings[1].params[1], j.settings[1].named.ls_gain)
      -- a variation is the decoding of its own code, and differs from the centre
      close(j.settings[2].params, safe_sm:eq_for(require("semeq.tensor").new(j.settings[2].code), 0.7).params, 1e-5)
      assert.is_false(j.settings[2].code[1] == j.settings[1].code[1])
      -- the same seed gives the same variations; spread 0 gives the centre
      script("generate.lua", ("--model %s --term bright --intensity 0.7 --variations 3 --spread 0.5 --json %s")
        :format(safe, dir .. "/g2.json"))
      assert.are.same(j.settings, json(dir .. "/g2.json").settings)
      script("generate.lua", ("--model %s --term bright --variations 2 --spread 0 --json %s"):format(safe, dir .. "/g0.json"))
      local z = json(dir .. "/g0.json").settings
      close(z[3].params, z[1].params, 1e-6)
    end)

    it("gives 40 gains for a 40-band model", function()
      local _, _, code = script("generate.lua", ("--model %s --term warm --json %s"):format(sfx, dir .. "/g40.json"))
      assert.are.equal(0, code)
      local s = json(dir .. "/g40.json").settings[1]
      assert.are.equal("graphic40", s.kind)
      close(s.gains, sfx_sm:eq_for("warm").gains, 1e-5)
      assert.are.equal(64, #s.response_db)
    end)

    it("lists the known terms for an unknown one", function()
      local _, err, code = script("generate.lua", ("--model %s --term hot"):format(safe))
      assert.are.same({2, "generate.lua: unknown term 'hot'; this model knows: bright, warm (see --help)\n"}, {code, err})
      local out
      out, err, code = script("generate.lua", "--term cold")  -- the shipped model's words
      assert.are.equal(2, code, out)
      assert.truthy(err:match("^generate%.lua: unknown term 'cold'; this model knows: [^\n]*warm"), err)
      _, err, code = script("generate.lua", ("--model %s"):format(safe))
      assert.are.same({2, "generate.lua: --term WORD is required (see --help)\n"}, {code, err})
    end)
  end)

  describe("explore.lua", function()
    it("decodes a k x k grid spanning the training codes of a 2-D model, and draws a map", function()
      local out, err, code = script("explore.lua", ("--model %s --grid 3 --json %s --map %s --svg %s")
        :format(safe, dir .. "/e.json", dir .. "/map.svg", dir .. "/c.svg"))
      assert.are.same({0, ""}, {code, err})
      assert.truthy(out:find("9 grid points of a 2-D latent space", 1, true), out)
      local pts = json(dir .. "/e.json").points
      assert.are.equal(9, #pts)
      local codes = safe_sm.train_codes
      close(pts[1].code, {codes:select(2, 1):min(), codes:select(2, 2):min()}, 1e-5)
      close(pts[9].code, {codes:select(2, 1):max(), codes:select(2, 2):max()}, 1e-5)
      close(pts[5].params, safe_sm:eq_for(require("semeq.tensor").new(pts[5].code)).params, 1e-5)
      for _, p in ipairs(pts) do assert.truthy(p.nearest_term == "warm" or p.nearest_term == "bright") end
      assert.truthy(read(dir .. "/map.svg"):find(">decoded points (9)<", 1, true))
      assert.are.equal(9, count(read(dir .. "/c.svg"), "<polyline"))
    end)

    it("samples N codes around the training codes of any model", function()
      local out, _, code = script("explore.lua", ("--model %s --samples 5 --json %s"):format(sfx, dir .. "/s.json"))
      assert.are.equal(0, code)
      assert.truthy(out:find("5 sampled points of a 4-D latent space (graphic40 model", 1, true), out)
      local pts = json(dir .. "/s.json").points
      assert.are.equal(5, #pts)
      local known = {}
      for _, t in ipairs(sfx_sm.terms) do known[t] = true end
      for _, p in ipairs(pts) do
        assert.are.equal(4, #p.code)
        assert.is_true(known[p.nearest_term])
      end
    end)

    it("refuses a grid on a 4-D model and needs exactly one mode", function()
      local _, err, code = script("explore.lua", ("--model %s --grid 3"):format(sfx))
      assert.are.same({2, "explore.lua: --grid needs a 2-D latent space; this model's has 4 dimensions (use --samples) (see --help)\n"},
        {code, err})
      _, err, code = script("explore.lua", ("--model %s"):format(safe))
      assert.are.same({2, "explore.lua: give one of --samples N or --grid K (see --help)\n"}, {code, err})
      local out
      out, err, code = script("explore.lua", "--samples 3")  -- the shipped model
      assert.are.equal(0, code, err)
      assert.truthy(out:find("3 sampled points", 1, true), out)
    end)
  end)
end)
