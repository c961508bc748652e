-- Training faults (semeq.train + semeq.checkpoint): a non-finite loss stops training with
-- the last good parameters; a run resumed from a checkpoint in a fresh process ends
-- bitwise identical to an uninterrupted one; an interrupt (an "interrupted!" error or a
-- real SIGINT to the semeq process) writes a checkpoint of the last complete epoch.
local T = require "semeq.tensor"
local h = require "spec.helpers"

local has_nn = pcall(require, "semeq.nn")
if not has_nn then
  describe("semeq.train", function()
    it("needs semeq.nn", function() pending("semeq.nn is not in this build") end)
  end)
  return
end

local nn = require "semeq.nn"
local train = require "semeq.train"
local checkpoint = require "semeq.train.checkpoint"

local dir = h.tmpdir()

-- A small regression task and model; the same seed gives the same data and weights.
-- Kept as source text so that separate semeq processes build exactly the same thing.
local TASK = [[
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local task = {}
function task.build(seed)
  T.manualSeed(seed)
  local X = T.randn(48, 4)
  local Y = T.mm(X, T.randn(4, 1)):tanh()
  local model = nn.Sequential():add(nn.Linear(4, 8)):add(nn.Tanh()):add(nn.Linear(8, 1))
  local crit = nn.MSECriterion()
  -- fault(epoch) may return a loss to report instead of the real one, or raise
  local function step(idx, epoch, fault)
    local x, y = X:index_select(1, idx), Y:index_select(1, idx)
    local out = model:forward(x)
    local loss = crit:forward(out, y)
    model:backward(x, crit:backward(out, y))
    if fault then return fault(epoch) or loss end
    return loss
  end
  return model, step
end
-- Parameters as hex of their float32 bytes, and losses as exact hex floats.
function task.dump(model, history)
  local p = model:flat():totable()
  local parts = {}
  for i, v in ipairs(p) do parts[i] = string.format("%08x", string.unpack("<I4", string.pack("<f", v))) end
  local losses = {}
  for i, l in ipairs(history and history.loss or {}) do losses[i] = string.format("%a", l) end
  return "params " .. table.concat(parts, "") .. "\nloss " .. table.concat(losses, ",") .. "\n"
end
return task
]]
h.write(dir .. "/task.lua", TASK)
local task = assert(load(TASK))()

-- A recipe run in its own semeq process: mode "plain" (6 epochs), "crash" (checkpoint
-- every 2 epochs, an error in epoch 5), "resume" (from the checkpoint, with the
-- generator deliberately reseeded so only the checkpoint can restore it), "long"
-- (many epochs with checkpoints, for a real SIGINT).
local RECIPE = [[
package.path = arg[1] .. "/?.lua;" .. package.path
local T = require "semeq.tensor"
local train = require "semeq.train"
local task = require "task"
local mode, ckpt = arg[2], arg[3]
local model, step = task.build(7)
local opts = {model = model, n = 48, batch = 8, epochs = 6, quiet = true,
              optimizer = "adam", config = {learningRate = 1e-2}}
opts.step = function(idx, epoch) return step(idx, epoch) end
if mode == "crash" then
  opts.checkpoint_path, opts.checkpoint_every = ckpt, 2
  opts.step = function(idx, epoch)
    if epoch == 5 then error("simulated crash in epoch 5", 0) end
    return step(idx, epoch)
  end
elseif mode == "resume" then
  T.manualSeed(12345)
  opts.resume = ckpt
elseif mode == "long" then
  opts.epochs, opts.checkpoint_path, opts.checkpoint_every = 10000000, ckpt, 1000
  opts.on_epoch = function(epoch) if epoch == 1 then io.stdout:write("started\n"); io.stdout:flush() end end
end
local history = train.fit(opts)
io.write(task.dump(model, history))
]]
h.write(dir .. "/recipe.lua", RECIPE)

local function recipe(mode, ckpt)
  return h.semeq(h.quote(dir .. "/recipe.lua") .. " " .. h.quote(dir) .. " " .. mode .. " " .. h.quote(ckpt or "-"))
end

local function fit(model, step, opts)
  local o = {model = model, n = 48, batch = 8, epochs = 6, quiet = true, optimizer = "adam",
             config = {learningRate = 1e-2}, step = step}
  for k, v in pairs(opts or {}) do o[k] = v end
  return train.fit(o)
end

-- The parameters after each completed epoch.
local function recorder(model, into)
  return function(epoch) into[epoch] = model:flat():clone() end
end

local function same_bits(a, b)
  return task.dump({flat = function() return a end}) == task.dump({flat = function() return b end})
end

describe("semeq.train faults", function()
  it("stops on a NaN loss with a clear message and the parameters of the last good epoch", function()
    local model, step = task.build(3)
    local seen = {}
    local history, err = fit(model, function(idx, epoch)
      return step(idx, epoch, function(e) if e == 3 then return 0 / 0 end end)
    end, {on_epoch = recorder(model, seen)})
    assert.is_nil(history)
    assert.truthy(err:find("^the loss became %-?nan in epoch 3; training stopped with the parameters of epoch 2$"), err)
    assert.is_nil(seen[3])
    assert.is_true(same_bits(seen[2], model:flat()))
    assert.is_true(model:flat():sum() == model:flat():sum()) -- no NaN left in the weights
  end)

  it("stops on an infinite loss in the first epoch with the initial parameters", function()
    local model, step = task.build(3)
    local initial = model:flat():clone()
    local history, err = fit(model, function(idx, epoch)
      return step(idx, epoch, function() return math.huge end)
    end)
    assert.is_nil(history)
    assert.are.equal("the loss became inf in epoch 1; training stopped with the parameters of epoch 0", err)
    assert.is_true(same_bits(initial, model:flat()))
  end)

  it("writes a checkpoint of the last complete epoch when a step raises 'interrupted!'", function()
    local model, step = task.build(5)
    local seen, ckpt = {}, dir .. "/interrupted.safetensors"
    local said = {}
    local real_stderr = io.stderr
    io.stderr = {write = function(_, ...) for _, s in ipairs {...} do said[#said + 1] = s end end} -- luacheck: ignore 122
    local ok, err = pcall(fit, model, function(idx, epoch)
      if epoch == 3 then error("interrupted!") end
      return step(idx, epoch)
    end, {checkpoint_path = ckpt, on_epoch = recorder(model, seen)})
    io.stderr = real_stderr -- luacheck: ignore 122
    assert.is_false(ok)
    assert.are.equal("interrupted: epoch 2 saved to " .. ckpt .. " (resume with --resume)\n", table.concat(said))
    assert.truthy(tostring(err):find("interrupted!", 1, true))
    assert.is_true(same_bits(seen[2], model:flat()))
    -- the checkpoint holds epoch 2 and restores into a fresh model
    local fresh = task.build(99)
    local params, state, history = fresh:flat(), {}, {}
    assert.are.equal(2, checkpoint.restore(ckpt, params, state, history))
    assert.is_true(same_bits(seen[2], params))
    assert.are.equal(2, #history.loss)
    assert.are.equal(2 * 6, state.t) -- adam's step counter: 6 batches per epoch
  end)

  it("writes no checkpoint for other errors, but rolls back to the last complete epoch", function()
    local model, step = task.build(5)
    local seen, ckpt = {}, dir .. "/not_written.safetensors"
    local ok, err = pcall(fit, model, function(idx, epoch)
      if epoch == 2 then error("disk on fire", 0) end
      return step(idx, epoch)
    end, {checkpoint_path = ckpt, on_epoch = recorder(model, seen)})
    assert.is_false(ok)
    assert.are.equal("disk on fire", err)
    assert.is_nil(h.read(ckpt))
    assert.is_true(same_bits(seen[1], model:flat()))
  end)

  it("refuses a checkpoint for a model of another size", function()
    local model, step = task.build(5)
    local ckpt = dir .. "/small.safetensors"
    fit(model, step, {epochs = 2, checkpoint_path = ckpt, checkpoint_every = 1})
    local other = nn.Sequential():add(nn.Linear(4, 3))
    local history, err = fit(other, function() return 0 end, {resume = ckpt})
    assert.is_nil(history)
    assert.are.equal(string.format("%s holds %d parameters, the model has 15", ckpt, model:nparams()), err)
  end)

  it("refuses a corrupt checkpoint, naming the entry, and changes nothing", function()
    local safetensors = require "semeq.safetensors"
    local model, step = task.build(6)
    local ckpt = dir .. "/whole.safetensors"
    fit(model, step, {epochs = 2, checkpoint_path = ckpt, checkpoint_every = 1})
    local tensors, _, meta = safetensors.load(ckpt)
    local rows = {
      {"epoch", function(m) m.epoch = "two" end},
      {"optimiser state: 't' is not a number", function(m) m.state = '{"t": "two"}' end},
      {"loss history %(expected one number per epoch%)", function(m) m.loss = m.loss:sub(1, 16) end},
      {"loss history %(expected one number per epoch%)", function(m) m.loss = nil end},
      {"random generator state", function(m) m.rng = m.rng:sub(1, 20) end},
      {"random generator state", function(m) m.rng = nil end},
      {"optimiser state: tensor 'state%.m' is not one value per parameter", function(_, t) t["state.m"] = T.zeros(3) end},
    }
    for i, row in ipairs(rows) do
      local m, t, names, list = {}, {}, {}, {}
      for k, v in pairs(meta) do m[k] = v end
      for k, v in pairs(tensors) do t[k] = v end
      row[2](m, t)
      for k, v in pairs(t) do names[#names + 1], list[#list + 1] = k, v end
      local path = string.format("%s/corrupt%d.safetensors", dir, i)
      assert(safetensors.save(path, names, list, m))
      local params, state, history = T.zeros(model:nparams()), {t = 0}, {loss = {7}}
      local rng = T.rngState()
      local epoch, err = checkpoint.restore(path, params, state, history)
      assert.is_nil(epoch)
      assert.is_truthy(err:find("^" .. path:gsub("%p", "%%%0") .. ": bad " .. row[1] .. "$"), err)
      assert.are.equal(0, params:abs():sum())
      assert.are.same({t = 0}, state)
      assert.are.same({loss = {7}}, history)
      assert.are.equal(rng, T.rngState())
    end
  end)
end)

describe("resuming from a checkpoint", function()
  it("ends bitwise identical to an uninterrupted run (separate processes)", function()
    local ckpt = dir .. "/resume.safetensors"
    local plain, rc1 = recipe("plain")
    assert.are.equal(0, rc1, plain)
    local crashed, rc2 = recipe("crash", ckpt)
    assert.are_not.equal(0, rc2)
    assert.truthy(crashed:find("simulated crash in epoch 5", 1, true), crashed)
    local resumed, rc3 = recipe("resume", ckpt)
    assert.are.equal(0, rc3, resumed)
    assert.truthy(plain:find("^params %x+\nloss [^\n]+\n$"), plain)
    assert.are.equal(plain, resumed)
    -- the resumed process really started from epoch 4 (the last checkpoint before the crash)
    local fresh = task.build(1)
    assert.are.equal(4, checkpoint.restore(ckpt, fresh:flat(), {}, {}))
  end)

  it("in one process too: crash, resume, compare", function()
    local ckpt = dir .. "/resume_inproc.safetensors"
    local a, step_a = task.build(11)
    local ha = fit(a, step_a)
    local b, step_b = task.build(11)
    pcall(fit, b, function(idx, epoch)
      if epoch == 4 then error("crash", 0) end
      return step_b(idx, epoch)
    end, {checkpoint_path = ckpt, checkpoint_every = 3})
    local c, step_c = task.build(11)
    T.manualSeed(4242)
    local hc = fit(c, step_c, {resume = ckpt})
    assert.are.equal(task.dump(a, ha), task.dump(c, hc))
  end)
end)

describe("resuming checks the checkpoint against the run", function()
  local RUN = {["--latent"] = 8, ["--lambda"] = 0.5, ["--widths"] = {16, 32},
               model = {input = 4, hidden = 8}, data = {kind = "safe", train = {rows = 48, checksum = "1.5/9"}}}
  local function copy(t)
    local out = {}
    for k, v in pairs(t) do out[k] = type(v) == "table" and copy(v) or v end
    return out
  end

  local function written(name, run, epochs)
    local model, step = task.build(21)
    local ckpt = dir .. "/" .. name
    assert(fit(model, step, {epochs = epochs or 4, checkpoint_path = ckpt, checkpoint_every = 2, run = run}))
    return ckpt
  end

  it("resumes when the run is the same, and the history says it was resumed", function()
    local ckpt = written("same.safetensors", RUN)
    local model, step = task.build(21)
    local history = assert(fit(model, step, {epochs = 6, resume = ckpt, run = copy(RUN)}))
    assert.are.same({path = ckpt, epoch = 4}, history.resumed)
    assert.are.equal(6, #history.loss)
    local plain_model, plain_step = task.build(21)
    assert.is_nil(assert(fit(plain_model, plain_step)).resumed)
  end)

  it("refuses a checkpoint of another run and says what differs", function()
    local ckpt = written("other.safetensors", RUN)
    local cases = {
      {function(r) r["--latent"] = 32 end, "--latent: 8 there, 32 here"},
      {function(r) r["--widths"][2] = 64 end, "--widths[2]: 32 there, 64 here"},
      {function(r) r.model.hidden = 16; r["--lambda"] = 0.1 end, "--lambda: 0.5 there, 0.1 here; and 1 more difference"},
      {function(r) r.data.kind = "socialfx" end, "data kind: safe there, socialfx here"},
      {function(r) r.data.train.checksum = "1.5/9.5" end, "data train checksum: 1.5/9 there, 1.5/9.5 here"},
      {function(r) r["--loss"] = "supcon" end, "--loss: absent there, supcon here"},
    }
    for _, c in ipairs(cases) do
      local run = copy(RUN)
      c[1](run)
      local model, step = task.build(21)
      local before = model:flat():clone()
      local history, err = fit(model, step, {epochs = 6, resume = ckpt, run = run})
      assert.is_nil(history)
      assert.are.equal(ckpt .. " was written by another run (" .. c[2] .. "); resume with the settings it was "
        .. "written with", err)
      assert.is_true(same_bits(before, model:flat()), "nothing restored")
    end
  end)

  it("refuses a checkpoint that records no run when the run is known", function()
    local ckpt = written("norun.safetensors", nil)
    local model, step = task.build(21)
    local history, err = fit(model, step, {epochs = 6, resume = ckpt, run = RUN})
    assert.is_nil(history)
    assert.are.equal(ckpt .. " records no run (written by an older semeq or by train.fit without one): it cannot "
      .. "be checked against this run", err)
  end)

  it("refuses a checkpoint of an epoch later than the run's last", function()
    local ckpt = written("late.safetensors", RUN, 4)
    local model, step = task.build(21)
    local history, err = fit(model, step, {epochs = 3, resume = ckpt, run = RUN})
    assert.is_nil(history)
    assert.are.equal(ckpt .. " holds epoch 4, later than the last epoch of this run (3)", err)
    -- the last epoch itself: nothing left to train, and that is no error
    history = assert(fit(model, step, {epochs = 4, resume = ckpt, run = RUN}))
    assert.are.equal(4, history.resumed.epoch)
  end)
end)

describe("a real SIGINT to a training semeq process", function()
  it("writes a checkpoint and says how to resume", function()
    local ckpt, started, stderr = dir .. "/sigint.safetensors", dir .. "/started", dir .. "/stderr"
    -- start training, wait until the first epoch is done, interrupt, report its stderr
    local script = table.concat({
      h.bin .. " " .. h.quote(dir .. "/recipe.lua") .. " " .. h.quote(dir) .. " long " .. h.quote(ckpt)
        .. " > " .. h.quote(started) .. " 2> " .. h.quote(stderr) .. " & pid=$!",
      "for i in $(seq 200); do [ -s " .. h.quote(started) .. " ] && break; sleep 0.1; done",
      "sleep 0.5; kill -INT $pid; wait $pid; rc=$?",
      "cat " .. h.quote(stderr) .. "; exit $rc",
    }, "\n")
    local out, rc = h.run("sh -c " .. h.quote(script))
    assert.are_not.equal(0, rc)
    local text = out
    local epoch = text:match("interrupted: epoch (%d+) saved to " .. ckpt:gsub("%p", "%%%0") .. " %(resume with %-%-resume%)")
    assert.truthy(epoch, text)
    local fresh = task.build(1)
    assert.are.equal(tonumber(epoch), checkpoint.restore(ckpt, fresh:flat(), {}, {}))
    assert.is_true(tonumber(epoch) >= 1)
  end)
end)

describe("--resume in the training recipes", function()
  local common = " --data socialfx --folds 0 --bootstrap 0 --quiet --widths 16,16"
  local ckpt
  setup(function()
    local found = pcall(require("semeq.data").find, "socialfx_eq_contributions.csv")
    if not found then return end
    ckpt = dir .. "/recipe_check.ckpt"
    local out, rc = h.semeq("scripts/train_filtered.lua" .. common .. " --epochs 2 --checkpoint " .. h.quote(ckpt)
      .. " --checkpoint-every 2")
    assert.are.equal(0, rc, out)
  end)

  -- Each: the flags of the resuming run, and the start of its refusal after the path.
  local rows = {
    {"scripts/train_filtered.lua" .. common .. " --epochs 4 --latent 8", "was written by another run (--latent: 32 there, 8 here"},
    {"scripts/train_filtered.lua" .. common .. " --epochs 4 --blocks mlp", "was written by another run (--blocks: residual there, mlp here"},
    {"scripts/train_filtered.lua" .. common .. " --epochs 4 --test 0.3", "was written by another run (--test: 0.25 there, 0.3 here"},
    {"scripts/train_filtered.lua" .. common .. " --epochs 4 --seed 2", "was written by another run (--seed: 1 there, 2 here"},
    {"scripts/train_filtered.lua --data safe --folds 0 --bootstrap 0 --quiet --widths 16,16 --epochs 4",
     "was written by another run (--data: socialfx there, safe here"},
    {"scripts/train_full.lua" .. common .. " --epochs 4", "was written by another run (--lambda: 0.5 there, 0.1 here"},
    {"scripts/train_vae.lua --data socialfx --folds 0 --bootstrap 0 --quiet --epochs 4", "was written by another run ("},
    {"scripts/train_filtered.lua" .. common .. " --epochs 1", "holds epoch 2, later than the last epoch of this run (1)"},
  }
  for _, row in ipairs(rows) do
    it("refuses " .. row[1]:gsub(common, " ..."), function()
      if not ckpt then return pending("the SocialFX data is not on the search path") end
      local out, rc = h.semeq(row[1] .. " --resume " .. h.quote(ckpt))
      local name = row[1]:match("([%w_]+%.lua)")
      assert.are.equal(1, rc, out)
      assert.are.equal(name .. ": " .. ckpt .. " " .. row[2], out:sub(1, #name + #ckpt + 3 + #row[2]))
      assert.are.equal(1, select(2, out:gsub("\n", "")), out)
    end)
  end

  it("resumes its own run and labels the result as resumed", function()
    if not ckpt then return pending("the SocialFX data is not on the search path") end
    local report = dir .. "/resumed.json"
    local out, rc = h.semeq("scripts/train_filtered.lua" .. common .. " --epochs 3 --threads 2 --resume "
      .. h.quote(ckpt) .. " --json " .. h.quote(report))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("resumed from " .. ckpt .. " after epoch 2 (a checkpoint of this same run)", 1, true), out)
    local result = require("semeq.util.json").decode(h.read(report))
    assert.are.same({path = ckpt, epoch = 2}, result.model.resumed_from)
    assert.are.equal(3, result.model.epochs)
  end)
end)

describe("the training recipe (scripts/train_filtered.lua)", function()
  it("resumed from a checkpoint writes the same model, bit for bit, as an uninterrupted run", function()
    local found = pcall(require("semeq.data").find, "socialfx_eq_contributions.csv")
    if not found then return pending("the SocialFX data is not on the search path") end
    local common = " --data socialfx --folds 0 --bootstrap 0 --quiet"
    local a, c, ckpt = dir .. "/recipe_a.safetensors", dir .. "/recipe_c.safetensors", dir .. "/recipe.ckpt"
    local out, rc = h.semeq("scripts/train_filtered.lua" .. common .. " --epochs 4 --out " .. h.quote(a))
    assert.are.equal(0, rc, out)
    out, rc = h.semeq("scripts/train_filtered.lua" .. common .. " --epochs 2 --checkpoint " .. h.quote(ckpt)
      .. " --checkpoint-every 2")
    assert.are.equal(0, rc, out)
    out, rc = h.semeq("scripts/train_filtered.lua" .. common .. " --epochs 4 --resume " .. h.quote(ckpt)
      .. " --out " .. h.quote(c))
    assert.are.equal(0, rc, out)
    local mio = require "semeq.models.io"
    local ma, mc = mio.load(a), mio.load(c)
    assert.is_true(ma:nparams() > 0)
    assert.is_true(same_bits(ma:flat(), mc:flat()))
  end)
end)
