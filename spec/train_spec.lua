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

describe("the training recipe (scripts/train_filtered.lua)", function()
  it("resumed from a checkpoint writes the same model, bit for bit, as an uninterrupted run", function()
    local found = pcall(require("semeq.data").find, "socialfx_eq_contributions.csv")
    if not found then return pending("the SocialFX data is not on the search path") end
    local common = " --data socialfx --bootstrap 0 --quiet"
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
