-- Training never loses work and says what it does: every output path is checked before
-- the first epoch, the run is described first (data file, rows kept, split, seed, model
-- and size, outputs), the progress line shows the parts of the loss and an ETA, and a
-- saved model comes with the command that uses it. Each CLI runs in a temp folder.
local H = require "spec.helpers"

local function have_safe()
  local ok, ds = pcall(function() return require("semeq.data").load("safe") end)
  return ok and ds ~= nil
end

-- Runs a recipe by name from dir: stdout and stderr apart, and the exit code.
local function recipe(dir, args)
  local errf = dir .. "/stderr"
  local p = io.popen(("cd %s && SEMEQ_PLAIN=1 %s --run %s 2>%s"):format(H.quote(dir), H.bin, args, H.quote(errf)))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, H.read(errf) or "", code
end

local function lines_of(text)
  local out = {}
  for l in text:gmatch("[^\n]+") do out[#out + 1] = l end
  return out
end

describe("training recipes", function()
  local dir
  before_each(function() dir = H.tmpdir() end)
  after_each(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("refuse every output they cannot write before any work, with one line saying why", function()
    local cases = {
      {"train_semantic", "--out"}, {"train_semantic", "--json"}, {"train_semantic", "--svg"},
      {"train_filtered", "--out"}, {"train_filtered", "--json"}, {"train_filtered", "--svg"},
      {"train_filtered", "--checkpoint"}, {"train_full", "--out"}, {"train_vae", "--checkpoint"},
      {"train_vae", "--svg"}, {"generate", "--svg"}, {"generate", "--json"}, {"interpolate", "--svg"},
      {"explore", "--map"}, {"explore", "--json"}, {"evaluate", "--json"}, {"sweep", "--json"},
      {"vocabulary", "--svg"}, {"vocabulary", "--json"},
    }
    local extra = {generate = "--term warm", interpolate = "--from warm --to bright", explore = "--samples 2",
                   evaluate = "--model m --data d"}
    for _, c in ipairs(cases) do
      local name, flag = c[1], c[2]
      local out, err, code = recipe(dir, ("%s %s nodir/x.out %s"):format(name, flag, extra[name] or ""))
      assert.are.equal(1, code, name .. " " .. flag .. ": " .. err)
      assert.are.equal("", out, name .. " " .. flag .. " printed before failing: " .. out)
      assert.are.equal(("%s.lua: %s: cannot write nodir/x.out: No such file or directory (the folder nodir does not "
        .. "exist: create it first)\n"):format(name, flag), err)
    end
  end)

  it("refuse impossible settings with one line, not a traceback", function()
    for _, c in ipairs {
      {"train_filtered --latent 0", "train_filtered.lua: --latent: the value must be >= 1, got 0 (see --help)\n"},
      {"train_filtered --test 1", "train_filtered.lua: --test: the value must be <= 0.99, got 1 (see --help)\n"},
      {"train_vae --latnet 3", "train_vae.lua: unknown option --latnet (did you mean --latent?) (see --help)\n"},
      {"train_semantic --folds 0", "train_semantic.lua: --folds 0 evaluates nothing: give --out FILE to save a model "
        .. "(see --help)\n"},
    } do
      local out, err, code = recipe(dir, c[1])
      assert.are.same({2, "", c[2]}, {code, out, err}, c[1])
    end
  end)

  it("fold --terms as the data's terms were, and name the data's terms for one it lacks", function()
    if not have_safe() then return pending("SAFE data not found") end
    local out, err, code = recipe(dir, "train_semantic --folds 0 --out m.safetensors --terms ' Warm,BRIGHT'")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("2 terms (warm 436, bright 422)", 1, true), out)
    out, err, code = recipe(dir, "train_filtered --data safe --terms wram --epochs 1")
    assert.are.equal(1, code)
    assert.are.equal("", out)
    assert.truthy(err:match("^train_filtered%.lua: %-%-terms: 'wram' is not a term of [^\n]*SAFEEqualiserUserData%.csv "
      .. "%(its most frequent: warm %(436%), bright %(422%)[^\n]*%)\n$"), err)
    out, err, code = recipe(dir, "train_semantic --folds 0 --out m.safetensors --terms Warm")
    assert.are.same({2, "train_semantic.lua: the model tells terms apart: it needs at least 2, and --terms leaves only "
      .. "'warm' (see --help)\n"}, {code, err}, out)
    out, err, code = recipe(dir, "train_filtered --data safe --terms thin --epochs 1")
    assert.are.equal(1, code, out)
    assert.truthy(err:match("^train_filtered%.lua: no rows of [^\n]* are left after filtering: min_examples%(10%) "
      .. "removed the last 6 %(lower %-%-min%-examples, or keep other %-%-terms%)\n$"), err)
  end)

  it("train_semantic says what it runs first, saves the model and prints the command that uses it", function()
    if not have_safe() then return pending("SAFE data not found") end
    local out, err, code = recipe(dir, "train_semantic --folds 0 --out m.safetensors --seed 3")
    assert.are.equal(0, code, err)
    local l = lines_of(out)
    assert.truthy(l[1]:match("^data:     %S+/SAFEEqualiserUserData%.csv: 858 of 1348 rows kept, 2 terms"), out)
    assert.are.equal("split:    none (--folds 0): fitted on all rows", l[2])
    assert.are.equal("seed:     3", l[3])
    assert.truthy(l[4]:match("^model:    semantic_axis: .* latent 17$"), out)
    assert.are.equal("outputs:  model m.safetensors", l[5])
    assert.are.equal("model fitted on all 858 rows written to m.safetensors", l[6])
    local cmd = l[7]:match("^use it: (.-)  %(its words: %-%-list%-terms%)$")
    assert.truthy(cmd, out)
    -- the printed command works as printed, with a real sound file for IN and OUT
    require("semeq.audio").write(dir .. "/in.wav", require("semeq.tensor").randn(4410, 1):mul(0.1),
      {samplerate = 44100})
    cmd = cmd:gsub("IN%.wav", "in.wav"):gsub("OUT%.wav", "out.wav")
    local aout, rc = H.run("cd " .. H.quote(dir) .. " && " .. cmd)
    assert.are.equal(0, rc, aout)
    assert.truthy(aout:find("in.wav -> out.wav (peak", 1, true), aout)
  end)

  it("the gradient-trained recipes describe the run first and show the loss parts and an ETA", function()
    if not have_safe() then return pending("SAFE data not found") end
    local out, err, code = recipe(dir, "train_filtered --data safe --folds 0 --epochs 2 --bootstrap 0 --checkpoint c.ckpt --checkpoint-every 1")
    assert.are.equal(0, code, err)
    local l = lines_of(out)
    assert.truthy(l[1]:match("^data:     %S+/SAFEEqualiserUserData%.csv: 858 of 1348 rows kept, 2 terms"), out)
    assert.truthy(l[2]:match("^split:    held%-out users, 25 %%: %d+ training rows, %d+ held out$"), out)
    assert.are.equal("seed:     1", l[3])
    assert.truthy(l[4]:match("^model:    contrastive autoencoder .* %d+ parameters$"), out)
    assert.are.equal("training: 2 epochs, batch 16, Adam lr 0.001", l[5])
    assert.are.equal("outputs:  checkpoints c.ckpt; the model is not saved (--out FILE.safetensors keeps it)", l[6])
    assert.truthy(err:match("epoch 1/2  loss [%d.]+  %(recon [%d.e-]+, 0%.5 x contrastive [%d.e-]+%)  ETA %d+s\n"), err)
    out, err, code = recipe(dir, "train_vae --folds 0 --epochs 2 --bootstrap 0")
    assert.are.equal(0, code, err)
    assert.truthy(out:match("^data:     "), out)
    assert.truthy(err:match("epoch 2/2  loss [%d.]+  %(recon [%d.e-]+, beta 0 x KL 0%)  ETA %d+s\n"), err)
  end)
end)
