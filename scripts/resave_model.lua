--- Re-saves a model file with this version's nn.save: the same tensors (checked bit for bit)
-- and the same metadata, plus what nn.save adds now (the inference graph that the C model
-- runtime and semeq.semantic need: files written before it have none).
--
--   semeq scripts/resave_model.lua IN [OUT]      OUT defaults to IN (replaced only after the check)
local cli = require "semeq.cli"
local nn = require "semeq.nn"
local io_core = require "semeq.nn.io"

local p = cli.parser{name = "resave_model.lua", usage = "IN [OUT]",
  description = "Re-save a model file with the current nn.save (adds the inference graph); weights stay bit-identical."}
local _, args = p:parse_or_exit(arg)
if #args < 1 or #args > 2 then p:die("expected IN [OUT]") end
local src, dst = args[1], args[2] or args[1]

local function fail(msg)
  io.stderr:write("resave_model.lua: " .. msg .. "\n")
  os.exit(1)
end

local function bits(t)
  local out = {}
  for i, v in ipairs(t:contiguous():view(-1):totable()) do out[i] = string.pack("<f", v) end
  return table.concat(out)
end

local ok, model, meta = pcall(nn.load, src)
if not ok then fail(tostring(model)) end
if type(model) ~= "table" or not model.stateDict then fail(src .. " holds no model config (nothing to rebuild)") end
local tmp = dst .. ".resave-tmp"
local saved, err = pcall(nn.save, model, tmp, meta)
if not saved then fail(tostring(err)) end

local before, names_before, meta_before = io_core.load(src)
local after, names_after, meta_after = io_core.load(tmp)
local function check(cond, msg)
  if not cond then os.remove(tmp); fail(msg) end
end
check(#names_before == #names_after, "the tensor count changed")
for i, name in ipairs(names_before) do
  check(names_after[i] == name, "tensor " .. i .. " is named differently")
  check(table.concat(before[name]:size(), "x") == table.concat(after[name]:size(), "x"), name .. ": shape changed")
  check(bits(before[name]) == bits(after[name]), name .. ": weights are not bit-identical")
end
for k, v in pairs(meta_before) do check(meta_after[k] == v, "metadata '" .. k .. "' changed") end
check(meta_after.graph ~= nil, "no inference graph could be written (a layer without graphNode)")
local moved, merr = os.rename(tmp, dst)
if not moved then os.remove(tmp); fail(merr) end
print(string.format("%s: %d tensors bit-identical, metadata kept, graph %s -> %s", src, #names_before,
  meta_before.graph and "kept" or "added", dst))
