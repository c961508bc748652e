-- Calls every function of semeq's C modules, and every method of the objects they make
-- (tensors, EQ filters, runtimes, sound files), with random junk arguments: wrong types,
-- NaN, huge and negative sizes, empty and wrongly shaped tensors, released handles.
-- A call may raise, but only a string; a crash, a hang or a sanitizer report ends the
-- process, which junk_calls_spec.lua sees. Run in an empty folder: junk paths are relative.
--   semeq spec/support/junk_calls.lua ROOT SEED CALLS_PER_FUNCTION
-- ROOT is the source tree (for the shipped model and a sound file it writes first).
-- Prints one line per call that raised something other than a string, then
-- "N calls, N raised, N not strings".
local T = require "semeq.tensor"
local audio = require "semeq.audio"
local eq = require "semeq.eq"
local runtime = require "semeq.runtime"

local root, seed, per = arg[1], tonumber(arg[2]), tonumber(arg[3])
math.randomseed(seed)

-- Programs and waits: a junk argument would start a process or sleep.
local SKIP = {["semeq.bench.core.spawn"] = true}

local wav = "junk_source.wav"
do
  local w = assert(audio.create(wav, {samplerate = 44100, channels = 2}))
  w:write(T.randn(4410, 2):mul(0.1))
  w:close()
end

local makers = {
  tensor = function() return T.randn(3, 4) end,
  eq_safe = function()
    return eq.new("safe", {6, 120, -5, 350, 1.4, 4, 1800, 2.5, -3, 6500, 0.8, -4, 9000}, {fs = 44100, channels = 2})
  end,
  eq_graphic = function() return eq.new("graphic40", T.zeros(40), {fs = 44100}) end,
  runtime = function() return assert(runtime.load(root .. "/models/safe_warm_bright.safetensors")) end,
  file_read = function() return assert(audio.open(wav)) end,
  file_write = function() return assert(audio.create("junk_out.wav", {samplerate = 44100, channels = 2})) end,
}

-- A fresh pool for each function: methods change their arguments in place and close handles.
local function junk_pool()
  local released = makers.file_read()
  released:close()
  return {
    true, false, 0, 1, 2, 3, -1, 0.5, 0 / 0, math.huge, -math.huge, 2 ^ 53, math.mininteger, math.maxinteger, 2 ^ 40,
    "", "x", "warm", "junk.wav", "junk.json", "junk.safetensors", "junk.csv", wav,
    {}, {1, 2, 3}, {"a", "b"}, {{1, 2}, {3, 4}}, {x = 1}, {0 / 0}, {1.5, 2},
    T.zeros(0), T.zeros(3), T.zeros(2, 3), T.ones(3, 2), T.zeros(2, 3, 4), T.zeros(1, 1), T.randn(4, 40),
    T.randn(5, 5):t(), T.zeros(3):fill(0 / 0), T.zeros(4, 1):expand(4, 3), released, print, io.stdout,
    coroutine.create(print), makers.eq_safe(), makers.runtime(), n = 48,
  }
end

-- {name, function, maker of its self or false}
local targets = {}
local function add_functions(prefix, t, maker)
  local keys = {}
  for k, v in pairs(t) do
    if type(v) == "function" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for _, k in ipairs(keys) do targets[#targets + 1] = {prefix .. k, t[k], maker} end
end
local modules = {}
for name in pairs(package.preload) do modules[#modules + 1] = name end
table.sort(modules)
for _, name in ipairs(modules) do add_functions(name .. ".", require(name), false) end
local kinds = {}
for kind in pairs(makers) do kinds[#kinds + 1] = kind end
table.sort(kinds)
for _, kind in ipairs(kinds) do
  local index = kind == "tensor" and T.methods or getmetatable(makers[kind]()).__index
  add_functions(kind .. ":", index, makers[kind])
end

local function show(v)
  if T.isTensor(v) then return "T[" .. table.concat(v:size(), "x") .. "]" end
  return type(v) == "string" and ("%q"):format(v) or tostring(v)
end

local calls, raised, bad = 0, 0, 0
for _, t in ipairs(targets) do
  if not SKIP[t[1]] then
    local pool = junk_pool()
    for _ = 1, per do
      local args = {n = math.random(0, 5)}
      for i = 1, args.n do args[i] = pool[math.random(0, pool.n)] end  -- 0: nil
      if t[3] and math.random() < 0.8 then args[1], args.n = t[3](), math.max(args.n, 1) end
      calls = calls + 1
      local ok, err = pcall(t[2], table.unpack(args, 1, args.n))
      if not ok then
        raised = raised + 1
        if type(err) ~= "string" or err == "" then
          bad = bad + 1
          local shown = {}
          for i = 1, args.n do shown[i] = show(args[i]) end
          print(("%s(%s) raised %s"):format(t[1], table.concat(shown, ", "), show(err)))
        end
      end
    end
  end
end
print(("%d calls, %d raised, %d not strings"):format(calls, raised, bad))
