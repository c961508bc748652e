--- semeq.train: the training loop that every recipe shares.
--
--   local history = train.fit{
--     model = model, n = #records, epochs = 100, batch = 16,
--     step = function(idx, epoch) ... return loss end,  -- forward + backward of one mini-batch
--     optimizer = "adam", config = {learningRate = 1e-3},
--   }
--
-- `step(indices, epoch)` runs forward and backward for the rows `indices` (1-based) and
-- returns the loss (and, optionally, its parts {{name, value}, ...}, which the progress
-- line shows as epoch means); gradients accumulate into the model's flat gradient buffer, which
-- fit zeroes before each step. What lives here: mini-batches from the seeded sampler,
-- the optimiser over the flat buffer, gradient clipping, a learning-rate schedule, a
-- progress line, a stop on a non-finite loss that keeps the last good epoch, and
-- checkpoints (every N epochs, and on Ctrl-C) that resume to a bitwise-identical result.
local optim = require "semeq.train.optim"
local sampler = require "semeq.train.sampler"
local checkpoint = require "semeq.train.checkpoint"
local now = require("semeq.bench.core").now  -- a monotonic wall clock, in seconds

local train = {}

local function stderr_is_tty()
  return os.getenv("SEMEQ_PLAIN") == nil and os.execute("test -t 2") == true
end

local function format_eta(seconds)
  if seconds >= 60 then return string.format("%dm%02ds", math.floor(seconds / 60), math.floor(seconds % 60)) end
  return string.format("%.0fs", seconds)
end

-- "recon 0.01234, 0.5 x contrastive 0.98765": the parts of an epoch's loss, in order.
local function format_parts(parts)
  if not parts or #parts < 2 then return "" end
  local out = {}
  for i, p in ipairs(parts) do out[i] = string.format("%s %.5g", p[1], p[2]) end
  return "  (" .. table.concat(out, ", ") .. ")"
end

-- Progress: one rewritten line on a terminal, a plain line every tenth of the run otherwise.
-- The ETA is from wall-clock time, which is what a person waits for.
local function progress(first, epochs, quiet)
  if quiet then return function() end, function() end end
  local tty, started = stderr_is_tty(), os.time()
  local clock = now()
  local every = math.max(1, epochs // 10)
  local function show(epoch, loss, parts)
    local done_epochs = epoch - first + 1
    local eta = (now() - clock) / done_epochs * (epochs - epoch)
    local line = string.format("epoch %d/%d  loss %.5f%s  ETA %s", epoch, epochs, loss, format_parts(parts),
      format_eta(eta))
    if tty then
      io.stderr:write("\r\027[K", line)
    elseif epoch % every == 0 or epoch == epochs then
      io.stderr:write(line, "\n")
    end
  end
  local function finish()
    if tty then io.stderr:write("\n") end
    return os.time() - started
  end
  return show, finish
end

local function is_finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

-- One step of ReduceLROnPlateau after an epoch whose mean batch loss was `loss`; its
-- counters live in the optimiser state so that checkpoints carry them.
local function plateau_step(p, state, config, loss)
  if state.plateau_best == nil or loss < state.plateau_best * (1 - 1e-4) then
    state.plateau_best, state.plateau_bad = loss, 0
  else
    state.plateau_bad = state.plateau_bad + 1
  end
  if state.plateau_bad > p.patience then
    local lr = config.learningRate * p.factor
    if config.learningRate - lr > 1e-8 then config.learningRate = lr end
    state.plateau_bad = 0
  end
  state.plateau_lr = config.learningRate
end

--- Trains in place; returns the history {loss = {mean loss of each epoch}, lr = {the
-- learning rate of each epoch}, epochs = n}.
-- opts: model, n (rows), step, epochs (100), batch (16), batches (function(epoch) ->
-- iterator of index lists; default: shuffled over 1..n), optimizer ("adam" | "adamw" |
-- "sgd"), config (optimiser config; default learningRate 1e-3), clip (max gradient norm),
-- schedule (function(epoch) -> learning rate), plateau ({patience =, factor =}: PyTorch's
-- ReduceLROnPlateau — mode min, relative threshold 1e-4, no cooldown — on each epoch's mean
-- of the batch losses), on_epoch (function(epoch, loss)),
-- checkpoint_path, checkpoint_every (N epochs), resume (a checkpoint path), run (what
-- the run is, recorded in every checkpoint and checked on resume; see
-- semeq.train.checkpoint), on_start (called once the run can start: after a resume
-- was checked, before the first epoch), quiet. A resumed run's history says so: resumed = {path=,
-- epoch=}.
-- A run that cannot go on — a non-finite loss (the parameters of the last good epoch are
-- kept), a checkpoint that cannot be read or written, is of another run or of an epoch
-- past `epochs` — returns nil and a message.
function train.fit(opts)
  if type(opts) ~= "table" then error("train.fit: expected a table of options", 2) end
  local model, step = opts.model, opts.step
  if type(model) ~= "table" then error("train.fit: model is required", 2) end
  if type(step) ~= "function" then error("train.fit: step is required (a function)", 2) end
  local epochs = opts.epochs or 100
  local update = optim[opts.optimizer or "adam"]
  if not update then error("train.fit: unknown optimizer '" .. tostring(opts.optimizer) .. "'", 2) end
  local config = {}
  for k, v in pairs(opts.config or {learningRate = 1e-3}) do config[k] = v end
  local params, grads = model:flat()
  local state, history = {}, {loss = {}, lr = {}}
  local first = 1
  if opts.resume then
    local epoch, err = checkpoint.restore(opts.resume, params, state, history, opts.run)
    if not epoch then return nil, err end
    if epoch > epochs then
      return nil, string.format("%s holds epoch %d, later than the last epoch of this run (%d)", opts.resume, epoch, epochs)
    end
    first = epoch + 1
    history.resumed = {path = opts.resume, epoch = epoch}
  end
  if opts.on_start then opts.on_start() end
  -- The last complete epoch: what a non-finite loss rolls back to and Ctrl-C saves.
  local last = checkpoint.snapshot(params, state, history, first - 1)
  local spare  -- the snapshot before `last`, whose tensors the next one reuses
  local show, finish = progress(first, epochs, opts.quiet)
  local batch_size = opts.batch or 16
  local function batches(epoch)
    if opts.batches then return opts.batches(epoch) end
    return sampler.shuffled(opts.n, batch_size)
  end

  model:training()
  local function run_epoch(epoch)
    if opts.schedule then config.learningRate = opts.schedule(epoch) end
    if opts.plateau and state.plateau_lr then config.learningRate = state.plateau_lr end
    local sum, count, batch_sum, nbatches, part_sums = 0, 0, 0, 0, nil
    for idx in batches(epoch) do
      local parts
      local _, fx = update(function()
        grads:zero()
        local loss
        loss, parts = step(idx, epoch)
        if opts.clip then optim.clipGradNorm(grads, opts.clip) end
        return loss, grads
      end, params, config, state)
      if not is_finite(fx[1]) then error({nonfinite = fx[1], epoch = epoch}) end
      sum, count = sum + fx[1] * #idx, count + #idx
      batch_sum, nbatches = batch_sum + fx[1], nbatches + 1
      if parts then
        part_sums = part_sums or {}
        for i, p in ipairs(parts) do
          part_sums[i] = {p[1], (part_sums[i] and part_sums[i][2] or 0) + p[2] * #idx}
        end
      end
    end
    history.loss[epoch] = sum / math.max(1, count)
    for _, p in ipairs(part_sums or {}) do p[2] = p[2] / math.max(1, count) end
    history.lr[epoch] = config.learningRate
    if opts.plateau then plateau_step(opts.plateau, state, config, batch_sum / math.max(1, nbatches)) end
    local snap = checkpoint.snapshot(params, state, history, epoch, spare)
    spare, last = last, snap
    show(epoch, history.loss[epoch], part_sums)
    if opts.on_epoch then opts.on_epoch(epoch, history.loss[epoch]) end
    if opts.checkpoint_path and opts.checkpoint_every and epoch % opts.checkpoint_every == 0 then
      local ok, err = checkpoint.write(opts.checkpoint_path, last, opts.run)
      if not ok then error({stop = err}) end
    end
  end
  -- The whole loop runs protected, bookkeeping included: Ctrl-C raises "interrupted!" at
  -- whatever Lua instruction runs next, which may be the snapshot or the progress line.
  local ok, err = pcall(function()
    for epoch = first, epochs do run_epoch(epoch) end
  end)
  if not ok then
    finish()
    checkpoint.rollback(last, params, state)
    for e in pairs(history.loss) do
      if e > last.epoch then history.loss[e], history.lr[e] = nil, nil end
    end
    if type(err) == "table" and err.nonfinite then
      return nil, string.format("the loss became %s in epoch %d; training stopped with the parameters of epoch %d",
        tostring(err.nonfinite), err.epoch, last.epoch)
    end
    if type(err) == "table" and err.stop then return nil, err.stop end
    if opts.checkpoint_path and tostring(err):find("interrupted!", 1, true) then
      local saved, why = checkpoint.write(opts.checkpoint_path, last, opts.run)
      io.stderr:write(saved and string.format("interrupted: epoch %d saved to %s (resume with --resume)\n",
        last.epoch, opts.checkpoint_path) or string.format("interrupted; the checkpoint was not saved: %s\n", why))
    end
    error(err, 0)
  end
  history.seconds = finish()
  model:evaluate()
  history.epochs = epochs
  return history
end

return train
