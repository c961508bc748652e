--- semeq.train.checkpoint: what a training run needs to stop and resume bit for bit.
--
-- A snapshot holds the flat parameters, the optimiser state (its tensors and counters),
-- the loss history, the epoch and the random generator's state at the end of that epoch.
-- On disk it is a safetensors file ("params", "state.<key>" tensors; the rest as JSON
-- strings in __metadata__), written to a temporary name and renamed.
--
-- A checkpoint also records the run that wrote it (a table the recipe builds: the flags
-- that shape training, the model's config, the data and its split): a resume from it
-- is refused unless the run resuming is that run, so that the result is what an
-- uninterrupted run with these flags gives and is labelled as such.
local T = require "semeq.tensor"
local json = require "semeq.util.json"
local safetensors = require "semeq.safetensors"

local checkpoint = {}

local function same_shape(a, b)
  if a:dim() ~= b:dim() then return false end
  for d = 1, a:dim() do if a:size(d) ~= b:size(d) then return false end end
  return true
end

-- A copy of t, written into `into` when that is a tensor of t's shape (no allocation).
local function copy_tensor(t, into)
  if T.isTensor(into) and into:isContiguous() and same_shape(into, t) then return into:copy(t) end
  return t:clone()
end

local function copy_state(state, into)
  local out = {}
  for k, v in pairs(state) do out[k] = T.isTensor(v) and copy_tensor(v, into and into[k]) or v end
  return out
end

--- A snapshot of the run at the end of `epoch` (copies, not references). With `reuse`, an
-- older snapshot that is no longer needed, its tensors are written over instead of
-- allocating new ones (a training loop snapshots every epoch; it reuses the one before
-- its last, so that an interrupt while this runs leaves the last one whole).
function checkpoint.snapshot(params, state, history, epoch, reuse)
  local losses = {}
  for i, l in pairs(history.loss) do losses[i] = l end
  return {params = copy_tensor(params, reuse and reuse.params), state = copy_state(state, reuse and reuse.state),
          loss = losses, epoch = epoch, rng = T.rngState()}
end

--- Puts params, optimiser state and generator back as they were in snap.
function checkpoint.rollback(snap, params, state)
  params:copy(snap.params)
  for k in pairs(state) do state[k] = nil end
  for k, v in pairs(copy_state(snap.state)) do state[k] = v end
  T.setRngState(snap.rng)
end

local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local function unhex(s) return (s:gsub("..", function(h) return string.char(tonumber(h, 16)) end)) end

--- Writes snap to path (atomically, through the safetensors writer), with run (a table
-- of plain values, or nil) describing the run: true, or nil and a message.
function checkpoint.write(path, snap, run)
  local names, tensors, scalars = {"params"}, {snap.params}, {}
  local keys = {}
  for k in pairs(snap.state) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = snap.state[k]
    if T.isTensor(v) then
      names[#names + 1], tensors[#tensors + 1] = "state." .. k, v:contiguous()
    else
      scalars[k] = v
    end
  end
  -- The losses go in as the hex of their IEEE doubles: cJSON prints a number with 15
  -- digits whenever that reads back within a relative epsilon, which can change the last
  -- bit, and a resumed run must return the same history as an uninterrupted one.
  local losses = {}
  for i = 1, snap.epoch do losses[i] = string.pack("<d", snap.loss[i] or 0) end
  return safetensors.save(path, names, tensors, {
    format = "semeq-checkpoint",
    epoch = tostring(snap.epoch),
    rng = hex(snap.rng),
    loss = hex(table.concat(losses)),
    state = json.encode(scalars),
    run = run ~= nil and json.encode(run) or nil,
  })
end

-- The differences between two values read from JSON: {"path: a there, b here"}.
local function differences(there, here, path, out)
  if type(there) == "table" and type(here) == "table" then
    local keys, seen = {}, {}
    for k in pairs(there) do keys[#keys + 1] = k; seen[k] = true end
    for k in pairs(here) do if not seen[k] then keys[#keys + 1] = k end end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local sub = type(k) == "number" and ("%s[%d]"):format(path, k) or (path == "" and k or path .. " " .. k)
      differences(there[k], here[k], sub, out)
    end
  elseif there ~= here then
    local function show(v)
      if type(v) == "table" then return json.encode(v) end
      return v == nil and "absent" or tostring(v)
    end
    out[#out + 1] = ("%s: %s there, %s here"):format(path, show(there), show(here))
  end
  return out
end

--- Nil when the run recorded in a checkpoint's metadata is `run`; otherwise why not.
function checkpoint.check_run(path, meta, run)
  if meta.run == nil then
    return ("%s records no run (written by an older semeq or by train.fit without one): it cannot be checked "
      .. "against this run"):format(path)
  end
  local there = json.decode(meta.run)
  if type(there) ~= "table" then return ("%s: bad run description"):format(path) end
  local diff = differences(there, json.decode(json.encode(run)), "", {})
  if #diff == 0 then return nil end
  return ("%s was written by another run (%s%s); resume with the settings it was written with")
    :format(path, diff[1], #diff > 1 and ("; and %d more difference%s"):format(#diff - 1, #diff > 2 and "s" or "") or "")
end

-- Losses written by checkpoint.write (hex of doubles); a JSON array from older files. A
-- list of `count` numbers, or nil.
local function decode_losses(text, count)
  local out
  if type(text) ~= "string" then return nil end
  if text:sub(1, 1) == "[" then
    out = json.decode(text)
  elseif #text == 16 * count and not text:find("%X") then
    local bytes = unhex(text)
    out = {}
    for i = 1, count do out[i] = string.unpack("<d", bytes, 8 * i - 7) end
  end
  if type(out) ~= "table" or #out ~= count then return nil end
  for i = 1, count do if type(out[i]) ~= "number" then return nil end end
  return out
end

-- The optimiser's tensors of a checkpoint ({key = tensor} from its "state.<key>" tensors),
-- or nil and the first that is not one value per parameter (what every optimiser keeps).
local function state_tensors(tensors, count)
  local out = {}
  for name, t in pairs(tensors) do
    local key = name:match("^state%.(.+)$")
    if key then
      if t:numel() ~= count then return nil, name end
      out[key] = t
    end
  end
  return out
end

-- Everything restore puts back, read and checked before anything is changed: {params,
-- scalars, tensors, loss, rng, epoch}, or nil and a message naming the file and the entry.
local function read(path, params, run)
  local tensors, err, meta = safetensors.load(path)
  if not tensors then return nil, err end
  if meta.format ~= "semeq-checkpoint" then
    return nil, string.format("%s is not a semeq training checkpoint", path)
  end
  if run ~= nil then
    local why = checkpoint.check_run(path, meta, run)
    if why then return nil, why end
  end
  local saved = tensors.params
  if not saved or saved:numel() ~= params:numel() then
    return nil, string.format("%s holds %d parameters, the model has %d", path,
      saved and saved:numel() or 0, params:numel())
  end
  local function bad(what) return nil, string.format("%s: bad %s", path, what) end
  local epoch = math.tointeger(tonumber(meta.epoch or ""))
  if not epoch or epoch < 0 then return bad("epoch") end
  local scalars = json.decode(meta.state or "")
  if type(scalars) ~= "table" then return bad("optimiser state") end
  for k, v in pairs(scalars) do
    if type(v) ~= "number" then return bad(string.format("optimiser state: '%s' is not a number", tostring(k))) end
  end
  local state, wrong = state_tensors(tensors, params:numel())
  if not state then return bad("optimiser state: tensor '" .. wrong .. "' is not one value per parameter") end
  local loss = decode_losses(meta.loss, epoch)
  if not loss then return bad("loss history (expected one number per epoch)") end
  local rng = type(meta.rng) == "string" and not meta.rng:find("%X") and #meta.rng % 2 == 0 and unhex(meta.rng)
  local current = T.rngState()
  if not (rng and pcall(T.setRngState, rng)) then return bad("random generator state") end
  T.setRngState(current)
  return {params = saved, scalars = scalars, tensors = state, loss = loss, rng = rng, epoch = epoch}
end

--- Reads a checkpoint into params, state and history; returns its epoch, or nil and a
-- message naming the file and what is wrong with it (nothing is changed then). With run,
-- the checkpoint must have been written by that run (checkpoint.check_run).
function checkpoint.restore(path, params, state, history, run)
  local c, err = read(path, params, run)
  if not c then return nil, err end
  params:copy(c.params)
  for k, v in pairs(c.scalars) do state[k] = v end
  for k, t in pairs(c.tensors) do state[k] = t end
  history.loss = c.loss
  T.setRngState(c.rng)
  return c.epoch
end

return checkpoint
