local H = require "spec.helpers"

describe("the semeq interpreter", function()
  it("prints the versions of its libraries", function()
    local out, rc = H.semeq("-v")
    assert.are.equal(0, rc)
    assert.truthy(out:match("^semeq %d+%.%d+%.%d+\n"))
    assert.truthy(out:match("Lua 5%.4"))
    assert.truthy(out:match("OpenBLAS"))
    assert.truthy(out:match("libsndfile%-1%."))
    assert.truthy(out:match("cJSON 1%."))
  end)

  it("runs -e code and prints expression values in the REPL", function()
    local out, rc = H.run("printf 'x = T.ones(2,3):sum()\\nprint(x)\\nx + 1, \"a\"\\n' | "
      .. H.bin .. " -i -e 'T = require \"semeq.tensor\"'")
    assert.are.equal(0, rc)
    assert.are.equal("6.0\n7.0\ta\n", out)
  end)

  it("continues incomplete statements in the REPL", function()
    local out, rc = H.run("printf 'for i = 1, 2 do\\nprint(i)\\nend\\n' | " .. H.bin .. " -i")
    assert.are.equal(0, rc)
    assert.are.equal("1\n2\n", out)
  end)

  it("reports a result that print cannot show, without a program name (as lua's REPL), and goes on", function()
    local out, rc = H.run("printf 'setmetatable({}, {__tostring = function() error(\"boom\") end})\nprint(\"after\")\n' | "
      .. H.bin .. " -i")
    assert.are.equal(0, rc)
    assert.truthy(out:find("^error calling 'print' %(stdin:1: boom%)\n"), out)
    assert.truthy(out:find("\nafter\n$"), out)
  end)

  it("edits lines with readline on a terminal, keeps the history, and loads readline only there", function()
    if not H.run("command -v script"):find("script") then return pending("no script(1) for a terminal") end
    local home = H.tmpdir()
    H.write(home .. "/in.txt", "x = 6 * 7\nx\nfor i = 1, 2 do\nprint(i)\nend\n")
    -- script(1) gives the REPL a pseudo-terminal: what a user at a terminal gets
    local out = H.run("cd " .. H.quote(home) .. " && HOME=" .. H.quote(home) .. " script -qec "
      .. H.quote(H.bin) .. " /dev/null < in.txt")
    assert.truthy(out:find("42", 1, true))
    assert.truthy(out:find(">> ", 1, true))  -- the continuation prompt
    assert.are.equal("x = 6 * 7\nx\nfor i = 1, 2 do\nprint(i)\nend\n", H.read(home .. "/.semeq_history"))
    local maps = H.semeq([[-e 'for l in io.lines("/proc/self/maps") do if l:find("libreadline", 1, true) then print(l) end end']])
    assert.are.equal("", maps)  -- a script run does not map it
    os.execute("rm -rf " .. H.quote(home))
  end)

  it("exits 1 with a traceback on a script error, without crashing", function()
    local out, rc = H.semeq("-e 'local T=require\"semeq.tensor\"; T.mm(T.ones(2,3), T.ones(2,3))'")
    assert.are.equal(1, rc)
    assert.truthy(out:find("mm: size mismatch, [2x3] @ [2x3]", 1, true))
    assert.truthy(out:find("stack traceback:", 1, true))
  end)

  it("passes arguments to scripts in arg and as ...", function()
    local dir = H.tmpdir()
    H.write(dir .. "/s.lua", "print(arg[0], arg[1], arg[2], select('#', ...))")
    local out, rc = H.semeq(dir .. "/s.lua one two")
    assert.are.equal(0, rc)
    assert.are.equal(dir .. "/s.lua\tone\ttwo\t2\n", out)
    os.execute("rm -rf " .. H.quote(dir))
  end)

  it("runs a script from stdin with -", function()
    local out, rc = H.run("echo 'print(1 + 1)' | " .. H.bin .. " -")
    assert.are.equal(0, rc)
    assert.are.equal("2\n", out)
  end)

  it("loads a module with -l", function()
    local out, rc = H.semeq("-l semeq.tensor -e 'print(type(_G[\"semeq.tensor\"].zeros))'")
    assert.are.equal(0, rc)
    assert.are.equal("function\n", out)
  end)

  it("finds its Lua modules from any working directory", function()
    local out, rc = H.run("cd / && " .. H.bin .. " -e 'print(require(\"semeq\").version, type(require(\"semeq.tensor\").zeros))'")
    assert.are.equal(0, rc)
    assert.are.equal("0.1.0\tfunction\n", out)
  end)

  it("turns Ctrl-C into an error with a traceback", function()
    -- The signal goes once the chunk runs: sent at a fixed time, it could come before semeq
    -- has a handler (a slow start on a loaded machine) and kill it with SIGINT's default.
    -- A semeq that ignored it is killed after 30 s (exit 137).
    local out, rc = H.run([[(f=$(mktemp)
      ]] .. H.bin .. [[ -e 'print("running") io.stdout:flush() while true do end' >"$f" 2>&1 & p=$!
      n=0; until grep -q running "$f" || [ $n -ge 600 ]; do sleep 0.05; n=$((n+1)); done
      kill -INT $p
      n=0; while kill -0 $p 2>/dev/null && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done
      kill -KILL $p 2>/dev/null; wait $p; rc=$?; cat "$f"; rm -f "$f"; exit $rc)]])
    assert.are.equal(1, rc)
    assert.truthy(out:find("interrupted!", 1, true))
    assert.truthy(out:find("stack traceback:", 1, true))
  end)

  it("rejects unknown options, pointing to --help", function()
    local out, rc = H.semeq("-Z")
    assert.are.equal(1, rc)
    assert.truthy(out:find("unrecognized option '-Z'", 1, true))
    assert.truthy(out:find("--help", 1, true))
  end)
end)
