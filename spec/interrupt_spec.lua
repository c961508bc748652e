-- Ctrl-C stops long work inside the C core. Each case runs a semeq process that prints
-- "started" and then enters one long C loop (over a view far larger than memory, a big
-- matrix product, a metric over many rows, ...); `timeout -s INT` sends SIGINT one second
-- later. The process must exit on its own within a few seconds (the -k SIGKILL fallback
-- would make the case fail), with status 1 and an "interrupted" message whose traceback
-- shows that the signal arrived inside the C function named in the case.
-- --foreground: otherwise timeout signals the child and then its whole process group, and
-- the second SIGINT, if it comes after the first was handled, kills semeq as a second
-- Ctrl-C is meant to.
local H = require "spec.helpers"
local now = require("semeq.bench.core").now

-- Lua code for the process: setup, then the marker, then the long call.
local function script(setup, call)
  return ("local T = require 'semeq.tensor'; %s; io.stderr:write('started\\n'); %s")
    :format(setup, call)
end

local GRACE = 6  -- seconds after the SIGINT before the case counts as stuck

local function run_interrupted(code)
  local t0 = now()
  local out, rc = H.run(("timeout --foreground --preserve-status -s INT -k %d 1 %s -e %s")
    :format(GRACE, H.bin, H.quote(code)))
  return out, rc, now() - t0
end

local cases = {
  {"a sum over a 2^40-element expanded view", "", "T.ones(1):expand(1 << 40):sum()", "sum"},
  {"a fill of a 2^40-element expanded view", "", "T.zeros(1):expand(1 << 40):fill(2)", "fill"},
  {"a max along a 2^38-element dim", "", "T.ones(1, 1):expand(4, 1 << 38):max(2)", "max"},
  {"a sum along dim 1 of many short lines", "", "T.ones(1, 1):expand(1 << 20, 1 << 20):sum(2)", "sum"},
  {"a broadcast add_ over a 2^40-element view", "local b = T.ones(1 << 20)",
   "T.zeros(1, 1):expand(1 << 20, 1 << 20):add_(b)", "add_"},
  {"a matrix product of 8192 x 8192 x 8192", "local a = T.ones(1, 1):expand(8192, 8192)", "T.mm(a, a)", "mm"},
  {"a silhouette over 300000 rows", "local X = T.rand(300000, 2); local c = {}; for i = 1, 300000 do c[i] = i % 2 + 1 end",
   "require('semeq.metrics.core').silhouette(X, c, 2)", "silhouette"},
  {"40-band responses of 3000 settings on 20000 frequencies",
   "local eq = require 'semeq.eq'; local p, f = T.rand(3000, 40), eq.log_grid(20000)",
   "eq.response('graphic40', p, f)", "response"},
  {"40-band filtering of 2^25 frames", "local eq = require 'semeq.eq'; local f = eq.new('graphic40', T.zeros(40)); "
   .. "local x = T.zeros(1 << 25)", "f:process(x)", "process"},
  -- one fit takes about a second: twenty make sure the signal lands inside one
  {"SAFE fits to 100000 noisy points",
   "local eq = require 'semeq.eq'; T.manualSeed(1); local f, t = eq.log_grid(100000), T.randn(100000) * 6",
   "for _ = 1, 20 do eq.fit_safe(t, f) end", "fit_safe"},
}

describe("Ctrl-C (SIGINT) during a long C loop", function()
  for _, case in ipairs(cases) do
    local name, setup, call, fn = case[1], case[2], case[3], case[4]
    it("stops " .. name, function()
      local out, rc, elapsed = run_interrupted(script(setup, call))
      assert.truthy(out:find("started", 1, true), "the setup finished before the signal: " .. out)
      assert.are.equal(1, rc, "exit status; output: " .. out)
      assert.truthy(out:find("interrupted", 1, true), "an interrupted message: " .. out)
      -- "in method 'sum'" or "in function 'semeq.tensor.mm'"
      assert.truthy(out:find("[.']" .. fn .. "'"), "the traceback names '" .. fn .. "': " .. out)
      assert.is_true(elapsed < 1 + GRACE - 1, ("stopped %.1f s after the start"):format(elapsed))
    end)
  end

  it("clears the interrupt before the next chunk of a REPL session", function()
    -- the C kernels would otherwise refuse every later loop as "interrupted"
    local lines = "T = require 'semeq.tensor'\nT.ones(1):expand(1 << 40):sum()\n"
      .. "print(T.ones(1):expand(1 << 20):sum())\n"
    local out, rc = H.run(("printf %s | timeout --foreground --preserve-status -s INT -k %d 1 %s -i")
      :format(H.quote(lines), GRACE, H.bin))
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("interrupted", 1, true), out)
    assert.truthy(out:find("1048576.0", 1, true), out)
  end)
end)
