--- Re-saves a model file with this version's models.io.save: the same tensors (checked bit
-- for bit) and the same metadata, plus what saving adds now (the inference graph that the C
-- model runtime and semeq.semantic need: files written before it have none).
--
--   semeq scripts/resave_model.lua IN [OUT]      OUT defaults to IN (replaced only after the check)
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local mio = require "semeq.models.io"
local safetensors = require "semeq.safetensors"

local function bits(t)
  local out = {}
  for i, v in ipairs(t:contiguous():view(-1):totable()) do out[i] = string.pack("<f", v) end
  return table.concat(out)
end

errors.main("resave_model.lua", function()
  local p = cli.parser{name = "resave_model.lua", usage = "IN [OUT]",
    description = "Re-save a model file (adds the inference graph); weights stay bit-identical."}
  local _, args = p:parse_or_exit(arg)
  if #args < 1 or #args > 2 then errors.usage("expected IN [OUT]") end
  local src, dst = args[1], args[2] or args[1]
  local model, meta = errors.check(mio.load(src))
  if type(model) ~= "table" or not model.stateDict then errors.fail(src .. " holds no model config (nothing to rebuild)") end
  local tmp = dst .. ".resave-tmp"
  errors.check(mio.save(model, tmp, meta))
  local before, names_before, meta_before = errors.check(safetensors.load(src))
  local after, names_after, meta_after = errors.check(safetensors.load(tmp))
  local function check(cond, msg)
    if not cond then os.remove(tmp); errors.fail(msg) end
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
  if not moved then os.remove(tmp); errors.fail(merr) end
  print(string.format("%s: %d tensors bit-identical, metadata kept, graph %s -> %s", src, #names_before,
    meta_before.graph and "kept" or "added", dst))
end)
