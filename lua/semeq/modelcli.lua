--- semeq.modelcli: what the scripts that read a trained model share — parsing their
-- flags, loading the model with a clear message, and turning a bad word into a usage
-- error that lists the words the model knows.
--
--   local mc = require "semeq.modelcli"
--   local o, args, p = mc.parse{name = "generate.lua", usage = "--model FILE --term WORD",
--                               description = "...", flags = {...}}
--   local sm = mc.load(p, o)                      -- needs --model; exit 2 if missing
--   local z = mc.guard(p, sm.term_code, sm, o.term) -- unknown term: exit 2 with the list
local cli = require "semeq.cli"

local M = {}

--- Parses arg; --help prints and exits 0, bad flags exit 2. Adds --model and --seed.
function M.parse(spec)
  local flags = {{"model", "string", nil, "trained semantic model file (.safetensors)"}}
  for _, f in ipairs(spec.flags or {}) do flags[#flags + 1] = f end
  flags[#flags + 1] = {"seed", "integer", 1, "random seed (for sampled codes)"}
  local p = cli.parser{name = spec.name, usage = spec.usage, description = spec.description, flags = flags}
  local o, args = p:parse_or_exit(spec.argv or arg)
  return o, args, p
end

--- The semantic model of --model: a usage error (exit 2) without it, exit 1 with the
-- loader's message if the file cannot be read.
function M.load(p, o)
  if not o.model then p:die("--model FILE is required") end
  local ok, sm = pcall(require("semeq.semantic").load, o.model)
  if not ok then
    io.stderr:write(string.format("%s: %s\n", p.name, tostring(sm)))
    os.exit(1)
  end
  require("semeq.tensor").manualSeed(o.seed or 1)
  return sm
end

--- Calls fn(...); an error (an unknown term, a grid on a 3-D model) becomes a usage
-- error naming the script (exit 2).
function M.guard(p, fn, ...)
  local res = table.pack(pcall(fn, ...))
  if not res[1] then p:die((tostring(res[2]):gsub("^[^\n]-%.lua:%d+: ", ""))) end
  return table.unpack(res, 2, res.n)
end

--- Writes value as JSON to path (atomically) and says so.
function M.write_json(path, value)
  require("semeq.report").write_json(path, value)
  print("JSON written to " .. path)
end

return M
