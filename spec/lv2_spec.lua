-- semeq-eq.lv2 from an install, with Debian's lilv tools: `cmake --install` gives
-- P/lib/lv2/semeq-eq.lv2 (its Turtle, the .so, the model); with LV2_PATH=P/lib/lv2,
-- `lv2ls` lists both plug-ins and the README's `lv2apply` line, run exactly as printed,
-- writes what scripts/apply.lua writes for the same question (to 1e-5). The plug-in's own
-- tests in a host are spec/lv2/test_lv2.c (ctest lv2.host).
local T = require "semeq.tensor"
local audio = require "semeq.audio"
local helpers = require "spec.helpers"

local q = helpers.quote
local BUILD = helpers.bin:match("^(.*)/[^/]*$")
local MODEL = "models/safe_warm_bright.safetensors"

local function have(tool) return os.execute("command -v " .. tool .. " >/dev/null 2>&1") end

-- The code line(s) of the README's LV2 section that start with `lv2apply`.
local function readme_lv2apply_lines()
  local readme = assert(helpers.read("README.md"))
  local section = readme:match("\n## Use it in your DAW.-\n## ")
  assert(section, "README has no 'Use it in your DAW' section")
  local lines = {}
  for block in section:gmatch("```sh\n(.-)```") do
    for line in block:gmatch("[^\n]+") do
      if line:match("^lv2apply ") then lines[#lines + 1] = line end
    end
  end
  return lines
end

-- Whether the build has the plug-in and this machine the tools; else why not.
local function missing()
  if not have("lv2ls") or not have("lv2apply") then return "lilv-utils (lv2ls, lv2apply) is not installed" end
  if not helpers.read(BUILD .. "/lv2/semeq-eq.lv2/manifest.ttl") then return "the build has no semeq-eq.lv2" end
  return nil
end

-- What the lilv tools need in front of them: nothing, or for a plug-in built with
-- AddressSanitizer its runtime preloaded (lv2ls and lv2apply are not instrumented, and
-- ASan must be the first library loaded).
local function tool_env()
  local ldd = helpers.run("ldd " .. q(BUILD .. "/lv2/semeq-eq.lv2/semeq-eq.so"))
  local asan = ldd:match("libasan[^%s]* => (%S+)")
  return asan and ("LD_PRELOAD=" .. q(asan) .. " ") or ""
end

describe("semeq-eq.lv2 installed", function()
  local prefix, why, env

  setup(function()
    why = missing()
    if why then return end
    env = tool_env() .. "LV2_PATH="
    prefix = helpers.tmpdir()
    local out, rc = helpers.run(("cmake --install %s --prefix %s"):format(q(BUILD), q(prefix)))
    assert(rc == 0, out)
  end)

  teardown(function()
    if prefix then os.execute("rm -rf " .. q(prefix)) end
  end)

  it("puts the bundle under lib/lv2 with its model, and lv2ls lists both plug-ins", function()
    if why then return pending(why) end
    for _, f in ipairs({"manifest.ttl", "semeq-eq.ttl", "semeq-eq.so", "safe_warm_bright.safetensors"}) do
      assert.is_truthy(helpers.read(prefix .. "/lib/lv2/semeq-eq.lv2/" .. f), "missing " .. f)
    end
    local out, rc = helpers.run(("%s%s lv2ls"):format(env, q(prefix .. "/lib/lv2")))
    assert.are.equal(0, rc, out)
    assert.is_truthy(out:find("urn:semeq:lv2:eq-mono", 1, true), out)
    assert.is_truthy(out:find("urn:semeq:lv2:eq-stereo", 1, true), out)
  end)

  it("labels from and to with the bundled model's words", function()
    if why then return pending(why) end
    local rt = assert(require("semeq.runtime").load(MODEL))
    local out = helpers.run(("%s%s lv2info urn:semeq:lv2:eq-mono"):format(env, q(prefix .. "/lib/lv2")))
    for i, term in ipairs(rt:terms()) do
      assert.is_truthy(out:find(('%d = "%s"'):format(i - 1, term), 1, true), out)
    end
  end)

  it("runs the README's lv2apply line as printed, with apply.lua's result", function()
    if why then return pending(why) end
    local lines = readme_lv2apply_lines()
    assert.are.equal(1, #lines)
    local dir = helpers.tmpdir()
    local x = T.rand(24000, 2):mul(2):add(-1):mul(0.5)
    assert(audio.write(dir .. "/in.wav", x, {samplerate = 48000, subtype = "float"}))
    local out, rc = helpers.run(("cd %s && %s%s %s"):format(q(dir), env, q(prefix .. "/lib/lv2"), lines[1]))
    assert.are.equal(0, rc, out)
    -- the plug-in's defaults: from the first word, to the last, intensity 0.7
    local terms = assert(require("semeq.runtime").load(MODEL)):terms()
    out, rc = helpers.semeq(("scripts/apply.lua %s %s --model %s --from %s --to %s --alpha 1 --intensity 0.7"):format(
      q(dir .. "/in.wav"), q(dir .. "/want.wav"), MODEL, terms[1], terms[#terms]))
    assert.are.equal(0, rc, out)
    local got, want = assert(audio.read(dir .. "/out.wav")), assert(audio.read(dir .. "/want.wav"))
    assert.are.same(want:size(), got:size())
    assert.is_true((got - want):abs():max() <= 1e-5)
    assert.is_true((got - x):abs():max() > 1e-3)   -- and it did equalise
    os.execute("rm -rf " .. q(dir))
  end)
end)
