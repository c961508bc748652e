-- `cmake --install` gives a working semeq anywhere: the interpreter, its Lua modules, the
-- recipes and the shipped models under PREFIX/share/semeq; `semeq --run NAME` runs a
-- recipe from any folder; the default model and the data are found beside the install,
-- not in the working directory. Installs the build under test into a temp prefix.
local H = require "spec.helpers"
local T = require "semeq.tensor"
local audio = require "semeq.audio"

local q = H.quote
local build = H.bin:match("^(.*)/[^/]+$")

-- Runs a shell command in folder `cwd` with the installed semeq first on PATH and no
-- SEMEQ_DATA: combined output and exit code.
local function installed(prefix, cwd, args)
  return H.run(("cd %s && env -u SEMEQ_DATA PATH=%s/bin:$PATH semeq %s"):format(q(cwd), q(prefix), args))
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

describe("an installed semeq", function()
  local prefix, elsewhere
  setup(function()
    prefix, elsewhere = H.tmpdir(), H.tmpdir()
    local out, rc = H.run(("cmake --install %s --prefix %s"):format(q(build), q(prefix)))
    assert.are.equal(0, rc, out)
  end)
  teardown(function() os.execute("rm -rf " .. q(prefix) .. " " .. q(elsewhere)) end)

  it("has the interpreter, the modules, the recipes and the shipped models", function()
    for _, f in ipairs {"bin/semeq", "share/semeq/lua/semeq/init.lua", "share/semeq/lua/semeq/util/paths.lua",
                        "share/semeq/scripts/apply.lua", "share/semeq/scripts/train_semantic.lua",
                        "share/semeq/models/safe_warm_bright.safetensors"} do
      assert.is_true(exists(prefix .. "/" .. f), f)
    end
    assert.is_false(exists(prefix .. "/share/semeq/scripts/bench/run_all.sh"), "benchmarks are not installed")
  end)

  it("knows its home from where it is installed, not from the source tree", function()
    local out, rc = installed(prefix, elsewhere, [[-e 'print(require("semeq.util.paths").home())']])
    assert.are.equal(0, rc, out)
    assert.are.equal(prefix .. "/share/semeq\n", out)
  end)

  it("runs a recipe by name from another folder, with the installed model by default", function()
    assert(audio.write(elsewhere .. "/in.wav", T.randn(4410, 1):mul(0.1), {samplerate = 44100}))
    local out, rc = installed(prefix, elsewhere, "--run apply in.wav out.wav --term warm")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("of " .. prefix .. "/share/semeq/models/safe_warm_bright.safetensors", 1, true), out)
    assert.truthy(out:find("in.wav -> out.wav (peak", 1, true), out)
    out, rc = installed(prefix, elsewhere, "--run apply --list-terms")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("\n  warm ", 1, true), out)
    out, rc = installed(prefix, elsewhere, "--run")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("recipes in " .. prefix .. "/share/semeq/scripts", 1, true), out)
  end)

  it("runs batch mode's workers from the install", function()
    os.execute("mkdir -p " .. q(elsewhere .. "/music"))
    for i = 1, 3 do
      assert(audio.write(("%s/music/%d.wav"):format(elsewhere, i), T.randn(2205, 1):mul(0.1), {samplerate = 22050}))
    end
    local out, rc = installed(prefix, elsewhere, "--run apply --in music --out music_eq --term bright --jobs 2")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("summary: 3 processed, 0 skipped, 0 failed", 1, true), out)
  end)

  it("finds the data beside the install, and says where it looked when there is none", function()
    local out, rc = installed(prefix, elsewhere, "--run train_semantic --folds 0 --out m.safetensors")
    assert.are.equal(1, rc, out)
    assert.truthy(out:find(prefix .. "/share/semeq/data", 1, true), out)
    assert.is_false(exists(elsewhere .. "/m.safetensors"))
    local ok, ds = pcall(function() return require("semeq.data").load("safe") end)
    if not (ok and ds) then return pending("SAFE data not found") end
    local data_dir = assert(require("semeq.util.fs").realpath(ds.path:match("^(.*)/[^/]+$")))
    os.execute(("ln -s %s %s/share/semeq/data"):format(q(data_dir), q(prefix)))
    out, rc = installed(prefix, elsewhere, "--run train_semantic --folds 0 --out m.safetensors")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("data:     " .. prefix .. "/share/semeq/data/SAFEEqualiserUserData.csv", 1, true), out)
    assert.is_true(exists(elsewhere .. "/m.safetensors"))
    os.remove(prefix .. "/share/semeq/data")
  end)
end)
