-- scripts/apply.lua against issue 13's classes, through the semeq binary in a temp folder:
-- data loss and miscounts in batch mode (overlapping trees, name collisions, links, one
-- file as --in, unreadable folders, odd names, one listing, Ctrl-C, stale temporary
-- files, FIFOs and /dev/stdin) and silent wrong audio (non-finite output, absurd gains).
local T = require "semeq.tensor"
local audio = require "semeq.audio"
local helpers = require "spec.helpers"
local fs = require "semeq.util.fs"

local BIN = helpers.bin
local P = "6,100,-4,400,1,5,1500,2,-2,3000,0.7,6,3500"
local q = helpers.quote

local function sh(cmd) assert(os.execute(cmd), cmd) end

-- Runs apply.lua; returns stdout, stderr, exit code. prefix: e.g. "timeout 30" or a user switch.
local function apply(args, prefix)
  local errf = os.tmpname()
  local p = io.popen(("%s %s scripts/apply.lua %s 2>%s"):format(prefix or "", q(BIN), args, q(errf)))
  local out = p:read("a")
  local _, _, code = p:close()
  local err = helpers.read(errf)
  os.remove(errf)
  return out, err, code
end

local function sleep(s) os.execute("sleep " .. s) end

local function files_under(dir)
  local p, list = io.popen("cd " .. q(dir) .. " 2>/dev/null && find . -type f -print0"), {}
  for l in p:read("a"):gmatch("([^%z]+)%z") do list[#list + 1] = l:sub(3) end
  p:close()
  table.sort(list)
  return list
end

local function sound(path, frames, channels)
  sh("mkdir -p " .. q(path:match("^(.*)/[^/]*$")))
  audio.write(path, T.randn(frames or 800, channels or 1):mul(0.1), {samplerate = 8000, subtype = "pcm_16"})
end

local function only_line(err)
  local n = select(2, err:gsub("\n", ""))
  assert.are.equal(1, n, "one line expected, got: " .. err)
  return err
end

describe("apply.lua batch mode: what is refused before any work", function()
  local dir
  before_each(function()
    dir = fs.realpath(helpers.tmpdir())
    T.manualSeed(3)
  end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  it("refuses an output folder inside the input, or the input inside the output, links resolved", function()
    sound(dir .. "/in/a.wav")
    sound(dir .. "/in/sub/b.wav")
    sh("ln -s in " .. q(dir .. "/in_link") .. " && ln -s in/sub " .. q(dir .. "/sub_link"))
    local before = files_under(dir .. "/in")
    local cases = {
      {"in", "in/out", "--out " .. dir .. "/in/out is inside --in " .. dir .. "/in"},
      {"in_link", "sub_link/eq", "--out " .. dir .. "/sub_link/eq is inside --in " .. dir .. "/in_link"},
      {"in/sub", "in", "--in " .. dir .. "/in/sub is inside --out " .. dir .. "/in"},
      {"sub_link", "in_link", "--in " .. dir .. "/sub_link is inside --out " .. dir .. "/in_link"},
      {"in_link", "in", "--out must not be the input folder"},
      {"in/a.wav", "in", "--out must not be the input folder"},
    }
    for _, c in ipairs(cases) do
      for _, force in ipairs {"", " --force"} do
        local _, err, code = apply(("--in %s --out %s --params %s%s"):format(q(dir .. "/" .. c[1]), q(dir .. "/" .. c[2]),
          P, force))
        assert.are.equal(2, code, err)
        assert.truthy(only_line(err):find("apply.lua: " .. c[3], 1, true), err)
      end
    end
    assert.are.same(before, files_under(dir .. "/in"))
    assert.are.equal("missing", fs.kind(dir .. "/in/out"))
  end)

  it("refuses an input tree that leads into the output folder through a link", function()
    sound(dir .. "/in/a.wav")
    sh("mkdir -p " .. q(dir .. "/out") .. " && ln -s ../out " .. q(dir .. "/in/o"))
    local _, err, code = apply(("--in %s --out %s --params %s --force"):format(q(dir .. "/in"), q(dir .. "/out"), P))
    assert.are.same({1, "apply.lua: " .. dir .. "/in/o leads into the output folder\n"}, {code, err})
    assert.are.same({}, files_under(dir .. "/out"))
  end)

  it("reports two inputs that map to one output name and processes nothing", function()
    sound(dir .. "/in/song.wav")
    sh("cp " .. q(dir .. "/in/song.wav") .. " " .. q(dir .. "/in/song.ogg"))  -- its name is what matters
    sound(dir .. "/in/other.wav")
    for _, jobs in ipairs {1, 2} do
      local out, err, code = apply(("--in %s --out %s --params %s --jobs %d"):format(q(dir .. "/in"),
        q(dir .. "/out"), P, jobs))
      assert.are.same({1, "", "apply.lua: an output would be written by more than one input: song.wav <- song.ogg, "
        .. "song.wav; nothing was processed (rename them)\n"}, {code, out, err})
      assert.are.equal("missing", fs.kind(dir .. "/out"))
    end
  end)

  it("refuses an absurd --amount or gain with one line, before any file is touched", function()
    sound(dir .. "/in/a.wav")
    local curve = {}
    for i = 1, 40 do curve[i] = i % 7 end
    local c = table.concat(curve, ",")
    -- an Audealize curve spans +-5 amount dB: past 12, gains past +-60 dB
    local _, err, code = apply(("--in %s --out %s --curve %s --amount 30"):format(q(dir .. "/in"), q(dir .. "/out"), c))
    assert.are.same({2, "apply.lua: --amount: the value must be <= 12, got 30 (see --help)\n"}, {code, err})
    assert.are.equal("missing", fs.kind(dir .. "/out"))
    _, err, code = apply(("%s %s --params 6,100,-4,400,1,5,1500,2,-2,3000,0.7,600,3500"):format(q(dir .. "/in/a.wav"),
      q(dir .. "/x.wav")))
    assert.are.same({1, "apply.lua: the EQ's high shelf gain is 600 dB; semeq applies gains within +-60 dB\n"},
      {code, err})
    -- every gain within the limit, but five bands stacked at one frequency
    _, err, code = apply(("%s %s --params 40,1000,40,1000,1,40,1000,1,40,1000,1,40,1000"):format(
      q(dir .. "/in/a.wav"), q(dir .. "/x.wav")))
    assert.are.equal(1, code)
    assert.truthy(only_line(err):find("^apply.lua: the EQ boosts %d+ Hz by 1%d%d%.%d dB, more than the 60 dB semeq applies\n$"),
      err)
    assert.are.equal("missing", fs.kind(dir .. "/x.wav"))
  end)

  it("does not refuse up front what only some sample rates cannot carry: those files drop the band", function()
    sh("mkdir -p " .. q(dir .. "/mixed"))
    audio.write(dir .. "/mixed/hi.wav", T.randn(2000, 1):mul(0.1), {samplerate = 96000})
    audio.write(dir .. "/mixed/lo.wav", T.randn(2000, 1):mul(0.1), {samplerate = 44100})
    -- a high shelf at 30 kHz: fine at 96 kHz, past Nyquist at 44.1 kHz
    local out, _, code = apply(("--in %s --out %s --params 6,100,-4,400,1,5,1500,2,-2,3000,0.7,6,30000")
      :format(q(dir .. "/mixed"), q(dir .. "/out")))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("summary: 2 processed, 0 skipped, 0 failed", 1, true), out)
    assert.truthy(out:find("\n  1 file at 44100 Hz: dropped high shelf (30000 Hz, +6.0 dB): at or above Nyquist "
      .. "(22050 Hz)\n", 1, true), out)
    assert.are.same({"hi.wav", "lo.wav"}, files_under(dir .. "/out"))
  end)
end)

describe("apply.lua batch mode: what is listed, processed and reported", function()
  local dir
  before_each(function()
    dir = fs.realpath(helpers.tmpdir())
    T.manualSeed(4)
  end)
  after_each(function() os.execute("chmod -R u+rwx " .. q(dir) .. "; rm -rf " .. q(dir)) end)

  it("follows a linked input folder and linked files; takes one file as --in", function()
    sound(dir .. "/real/a.wav")
    sound(dir .. "/real/sub/b.wav")
    sound(dir .. "/elsewhere/c.wav")
    sh("ln -s real " .. q(dir .. "/in") .. " && ln -s ../elsewhere/c.wav " .. q(dir .. "/real/c.wav")
      .. " && ln -s ../elsewhere " .. q(dir .. "/real/more"))
    for _, jobs in ipairs {1, 2} do
      local o = ("%s/out%d"):format(dir, jobs)
      local out, _, code = apply(("--in %s --out %s --params %s --jobs %d"):format(q(dir .. "/in"), q(o), P, jobs))
      assert.are.equal(0, code)
      assert.truthy(out:find("summary: 4 processed, 0 skipped, 0 failed (of 4 files", 1, true), out)
      assert.are.same({"a.wav", "c.wav", "more/c.wav", "sub/b.wav"}, files_under(o))
    end
    local out, _, code = apply(("--in %s --out %s --params %s"):format(q(dir .. "/in/c.wav"), q(dir .. "/one"), P))
    assert.are.equal(0, code)
    assert.truthy(out:find("summary: 1 processed, 0 skipped, 0 failed (of 1 files", 1, true), out)
    assert.are.same({"c.wav"}, files_under(dir .. "/one"))
  end)

  it("processes names with tabs and newlines and reports each on one line", function()
    sound(dir .. "/in/a\tb.wav")
    sound(dir .. "/in/c\nd.wav")
    helpers.write(dir .. "/in/bad\nname.wav", "RIFF\36\0\0\0WAVEjunk")
    for _, jobs in ipairs {1, 2} do
      local o = ("%s/out%d"):format(dir, jobs)
      local out, err, code = apply(("--in %s --out %s --params %s --jobs %d"):format(q(dir .. "/in"), q(o), P, jobs))
      assert.are.equal(1, code)
      assert.truthy(out:find("summary: 2 processed, 0 skipped, 1 failed (of 3 files", 1, true), out)
      assert.truthy(out:find("\n  failed: bad\\nname.wav: [^\n]+\n$"), out)
      assert.truthy(err:find("[3/3]", 1, true), err)
      assert.are.same({"a\tb.wav", "c\nd.wav"}, files_under(o))
    end
  end)

  it("reports a folder it cannot read instead of leaving it out", function()
    sound(dir .. "/in/a.wav")
    sound(dir .. "/in/locked/b.wav")
    sh("mkdir -p " .. q(dir .. "/out") .. " && chmod 755 " .. q(dir) .. " " .. q(dir .. "/in")
      .. " && chmod 644 " .. q(dir .. "/in/a.wav") .. " && chmod 777 " .. q(dir .. "/out")
      .. " && chmod 000 " .. q(dir .. "/in/locked"))
    -- root reads every folder: run as nobody then
    local prefix = ""
    if helpers.run("id -u") == "0\n" then
      prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups"
      if not os.execute("command -v setpriv >/dev/null") then return pending("needs setpriv to test as non-root") end
    end
    for _, jobs in ipairs {1, 2} do
      local out, _, code = apply(("--in %s --out %s --params %s --jobs %d --force"):format(q(dir .. "/in"),
        q(dir .. "/out"), P, jobs), prefix)
      assert.are.equal(1, code, out)
      assert.truthy(out:find("summary: 1 processed, 0 skipped, 1 failed (of 2 files", 1, true), out)
      assert.truthy(out:find("\n  failed: locked/: folder cannot be read (permission denied)\n", 1, true), out)
    end
  end)

  it("refuses a FIFO in a folder or as the input, and /dev/stdin from a pipe, without hanging", function()
    sound(dir .. "/in/a.wav")
    sh("mkfifo " .. q(dir .. "/in/f.wav"))
    local out, _, code = apply(("--in %s --out %s --params %s"):format(q(dir .. "/in"), q(dir .. "/out"), P), "timeout 60")
    assert.are.equal(1, code)
    assert.truthy(out:find("summary: 1 processed, 0 skipped, 1 failed", 1, true), out)
    assert.truthy(out:find("  failed: f.wav: a pipe (FIFO), not a regular file\n", 1, true), out)
    local err
    _, err, code = apply(("%s %s --params %s"):format(q(dir .. "/in/f.wav"), q(dir .. "/x.wav"), P), "timeout 60")
    assert.are.same({1, "apply.lua: failed: " .. dir .. "/in/f.wav: a pipe (FIFO), not a regular file (semeq reads "
      .. "its input more than once; save it to a file first)\n"}, {code, err})
    _, err, code = apply(("/dev/stdin %s --params %s"):format(q(dir .. "/x.wav"), P),
      "cat " .. q(dir .. "/in/a.wav") .. " | timeout 60")
    assert.are.same({1, "apply.lua: failed: /dev/stdin: a pipe (FIFO), not a regular file (semeq reads its input "
      .. "more than once; save it to a file first)\n"}, {code, err})
    _, err, code = apply(("--in /dev/stdin --out %s --params %s"):format(q(dir .. "/o2"), P),
      "cat " .. q(dir .. "/in/a.wav") .. " | timeout 60")
    assert.are.same({1, "apply.lua: /dev/stdin: a pipe (FIFO), not a folder or a file (a stream cannot be read "
      .. "twice; save it to a file first)\n"}, {code, err})
    assert.are.equal("missing", fs.kind(dir .. "/x.wav"))
    -- /dev/stdin from a file is a file: processed as the file itself is
    _, err, code = apply(("/dev/stdin %s --params %s < %s"):format(q(dir .. "/s.wav"), P, q(dir .. "/in/a.wav")),
      "timeout 60")
    assert.are.same({0, ""}, {code, err})
    apply(("%s %s --params %s"):format(q(dir .. "/in/a.wav"), q(dir .. "/d.wav"), P))
    assert.are.equal(helpers.read(dir .. "/d.wav"), helpers.read(dir .. "/s.wav"))
  end)

  it("workers process the parent's list, not a listing of their own", function()
    sound(dir .. "/in/a.wav")
    sound(dir .. "/in/b.wav")
    sh("mkdir -p " .. q(dir .. "/out"))
    local batch = require "semeq.process.batch"
    local list = assert(batch.write_list({{src = dir .. "/in/b.wav", dst = dir .. "/out/b.wav"}}))
    local out, _, code = apply(("--in %s --out %s --params %s --worker 1/1 --list %s"):format(q(dir .. "/in"),
      q(dir .. "/out"), P, q(list)))
    os.remove(list)
    assert.are.equal(0, code)
    for line in out:gmatch("[^\n]+") do assert.truthy(line:find("^ok\t1\tpeak "), line) end
    assert.are.same({"b.wav"}, files_under(dir .. "/out"))
  end)
end)

describe("apply.lua batch mode: Ctrl-C and killed runs", function()
  local dir
  before_each(function()
    dir = fs.realpath(helpers.tmpdir())
    T.manualSeed(5)
    -- files long enough, and a block small enough, that a run takes seconds
    for i = 1, 12 do sound(("%s/in/%02d.wav"):format(dir, i), 3 * 8000, 2) end
  end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  -- Starts apply.lua in the background (in its own process group with group = true);
  -- returns its pid. stdout, stderr and the exit status go to files in dir.
  local function start(args, group)
    local inner = ("echo $$ > %s; exec %s%s scripts/apply.lua %s"):format(q(dir .. "/pid"), group and "setsid " or "",
      q(BIN), args)
    os.remove(dir .. "/pid")
    os.remove(dir .. "/rc")
    sh(("(sh -c %s >%s 2>%s; echo $? >%s) &"):format(q(inner), q(dir .. "/stdout"), q(dir .. "/stderr"),
      q(dir .. "/rc")))
    for _ = 1, 600 do
      local pid = helpers.read(dir .. "/pid")
      if pid and pid:match("%d+") then return pid:match("%d+") end
      sleep(0.05)
    end
    error("apply.lua did not start")
  end

  local function wait_for(path, pattern)
    for _ = 1, 1200 do
      local text = helpers.read(path)
      if text and text:find(pattern) then return text end
      sleep(0.05)
    end
    error("timed out waiting for " .. pattern .. " in " .. path)
  end

  local function processes_left()
    local p = io.popen("ps -eo args")
    local n = 0
    for line in p:lines() do
      if line:find(dir, 1, true) and line:find("apply.lua", 1, true) then n = n + 1 end
    end
    p:close()
    return n
  end

  local function run_and_interrupt(jobs, group)
    local args = ("--in %s --out %s --params %s --jobs %d --block 2"):format(q(dir .. "/in"), q(dir .. "/out"), P, jobs)
    local pid = start(args, group)
    wait_for(dir .. "/stderr", "%[1/12%]")
    sh("kill -INT " .. (group and "-" or "") .. pid)  -- dash's kill takes no "--"
    local rc = tonumber((wait_for(dir .. "/rc", "%d+")))
    return rc, helpers.read(dir .. "/stdout"), helpers.read(dir .. "/stderr")
  end

  for _, case in ipairs {{1, false}, {2, false}, {1, true}, {2, true}} do
    local jobs, group = case[1], case[2]
    it(("stops parent and workers on %s (--jobs %d): one line, exit 130, no partial output"):format(
        group and "Ctrl-C (SIGINT to the process group)" or "SIGINT to the parent", jobs), function()
      local rc, out, err = run_and_interrupt(jobs, group)
      assert.are.equal(130, rc, err)
      local done = tonumber(err:match("apply.lua: interrupted: (%d+) of 12 files done, no partial output left; "
        .. "a rerun skips what exists\n$"))
      assert.truthy(done, err)
      assert.are.equal(1, select(2, err:gsub("apply%.lua:", "")), err)   -- workers end quietly
      assert.is_true(done < 12, "it stopped")
      assert.truthy(out:find(("summary: %d processed, 0 skipped, 0 failed, %d not started"):format(done, 12 - done),
        1, true), out)
      local outputs = files_under(dir .. "/out")
      assert.are.equal(done, #outputs, table.concat(outputs, " "))      -- no temporary file either
      for _, name in ipairs(outputs) do
        assert.are.equal(3 * 8000, audio.read(dir .. "/out/" .. name):size(1), name)
      end
      assert.are.equal(0, processes_left())
      -- a rerun does the rest
      local out2, _, code2 = apply(("--in %s --out %s --params %s"):format(q(dir .. "/in"), q(dir .. "/out"), P))
      assert.are.equal(0, code2)
      assert.truthy(out2:find(("summary: %d processed, %d skipped, 0 failed"):format(12 - done, done), 1, true), out2)
    end)
  end

  it("a rerun removes the temporary files a killed run left, and only those", function()
    local pid = start(("--in %s --out %s --params %s --jobs 2 --block 2"):format(q(dir .. "/in"), q(dir .. "/out"), P),
      true)
    wait_for(dir .. "/stderr", "%[1/12%]")
    sh("kill -KILL -" .. pid)
    wait_for(dir .. "/rc", "%d+")
    helpers.write(dir .. "/out/12.wav.tmpAAAAAA", "left by a run killed earlier")
    local user = {"12.wav.tmp", "notes.tmpAAAAAA", "12.wav.tmpAAAAA", "12.wav.tmpAAAAAAA"}
    for _, n in ipairs(user) do helpers.write(dir .. "/out/" .. n, "mine") end
    local out, _, code = apply(("--in %s --out %s --params %s"):format(q(dir .. "/in"), q(dir .. "/out"), P))
    assert.are.equal(0, code)
    local removed = tonumber(out:match("^removed (%d+) temporary files? left by an interrupted run\n"))
    assert.truthy(removed and removed >= 1, out)
    local want = {}
    for i = 1, 12 do want[#want + 1] = ("%02d.wav"):format(i) end
    for _, n in ipairs(user) do want[#want + 1] = n end
    table.sort(want)
    assert.are.same(want, files_under(dir .. "/out"))
    for i = 1, 12 do assert.are.equal(3 * 8000, audio.read(("%s/out/%02d.wav"):format(dir, i)):size(1)) end
  end)
end)

describe("apply.lua: no non-finite sample is written", function()
  local dir
  before_each(function() dir = fs.realpath(helpers.tmpdir()) end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  it("refuses output that the EQ takes past the float range, naming the file and frame", function()
    local x = T.zeros(1000, 1)
    x[10][1] = 3e38
    audio.write(dir .. "/big.wav", x, {samplerate = 44100, subtype = "float"})
    for _, ext in ipairs {"wav", "flac"} do
      local _, err, code = apply(("%s %s --params %s"):format(q(dir .. "/big.wav"), q(dir .. "/o." .. ext), P))
      assert.are.same({1, "apply.lua: failed: " .. dir .. "/big.wav: the output at frame 9 (row 10 of the block), "
        .. "channel 1 is not finite (NaN or infinity): a NaN or Inf input sample, or one too large for the gain; "
        .. "nothing written\n"}, {code, err})
      assert.are.equal("missing", fs.kind(dir .. "/o." .. ext))
    end
  end)

  it("never writes a NaN read from the input", function()
    -- audio.write refuses a NaN, so one is patched into the file (frame 1499 counted from
    -- 0, channel 2): the float samples follow the "data" chunk's 8-byte header
    local x = T.randn(2000, 2):mul(0.1)
    assert(audio.write(dir .. "/nan.wav", x, {samplerate = 44100, subtype = "float"}))
    local bytes = helpers.read(dir .. "/nan.wav")
    local at = bytes:find("data", 1, true) + 7 + (1499 * 2 + 1) * 4
    helpers.write(dir .. "/nan.wav", bytes:sub(1, at) .. string.pack("<I4", 0x7FC00000) .. bytes:sub(at + 5))
    for _, ext in ipairs {"wav", "flac"} do
      local _, err, code = apply(("%s %s --params %s"):format(q(dir .. "/nan.wav"), q(dir .. "/o." .. ext), P))
      assert.are.equal(1, code)
      assert.truthy(only_line(err):find("sample nan at frame 1499 (0.034 s), channel 2", 1, true), err)
      assert.is_nil(err:find("No Error", 1, true))
      assert.are.equal("missing", fs.kind(dir .. "/o." .. ext))
    end
    -- asked for explicitly, the sample is read as 0, counted, and the output is finite
    local out, err, code = apply(("%s %s --params %s --nonfinite zero"):format(q(dir .. "/nan.wav"),
      q(dir .. "/z.wav"), P))
    assert.are.equal(0, code, err)
    assert.truthy(out:find("1 non-finite input samples read as 0", 1, true), out)
    local y = assert(audio.read(dir .. "/z.wav"))
    assert.are.equal(y:abs():max(), y:abs():max())  -- not NaN
    assert.is_true(y:abs():max() < math.huge)
  end)
end)
