-- README's front door ("EQ a sound file with a word") is run exactly as printed, in a
-- temp folder that holds a song.wav, a music/ folder and build/ (a link to the build under
-- test), and what README shows of the output is what the commands print.
local H = require "spec.helpers"
local T = require "semeq.tensor"
local audio = require "semeq.audio"
local paths = require "semeq.util.paths"

local README = assert(H.read(paths.home() .. "/README.md"))

-- The commands of the front-door block: each line of its ```sh fence.
local function front_door()
  local block = README:match("<!%-%- front door %-%->\n```sh\n(.-)```\n<!%-%- end front door %-%->")
  assert(block, "README has no front-door block")
  local cmds = {}
  for line in block:gmatch("[^\n]+") do cmds[#cmds + 1] = line end
  return cmds
end

-- The sample output README shows after the front door: the fence that starts with "EQ:".
local function sample_output()
  local block = README:match("\n```\n(EQ: .-)```\n")
  assert(block, "README shows no sample output")
  local lines = {}
  for line in block:gmatch("[^\n]+") do lines[#lines + 1] = line end
  return lines
end

local function noise(path, rate, amp)
  T.manualSeed(3)
  assert(audio.write(path, T.randn(rate // 2, 2):mul(amp), {samplerate = rate}))
end

describe("README's front door", function()
  local dir
  setup(function()
    dir = H.tmpdir()
    local build = H.bin:match("^(.*)/[^/]+$")
    os.execute(("ln -s %s %s/build && mkdir -p %s/music/live"):format(H.quote(build), H.quote(dir), H.quote(dir)))
    noise(dir .. "/song.wav", 44100, 0.1)
    noise(dir .. "/music/a.wav", 44100, 0.1)
    noise(dir .. "/music/live/b.wav", 22050, 0.1)
    noise(dir .. "/music/hot.wav", 48000, 0.45)
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("has the four commands the issue asks for", function()
    local cmds = front_door()
    assert.are.equal(4, #cmds)
    assert.truthy(cmds[1]:find("--term warm", 1, true))
    assert.truthy(cmds[2]:find("--list-terms", 1, true))
    assert.truthy(cmds[3]:find("--from warm --to bright", 1, true))
    assert.truthy(cmds[4]:find("--in music --out", 1, true))
  end)

  it("runs every command as printed, and each does what README says", function()
    local outputs = {}
    for i, cmd in ipairs(front_door()) do
      local out, rc = H.run("cd " .. H.quote(dir) .. " && " .. cmd)
      assert.are.equal(0, rc, cmd .. "\n" .. out)
      outputs[i] = out
    end
    assert.truthy(audio.read(dir .. "/song_warm.wav"))
    assert.truthy(audio.read(dir .. "/song_wb.wav"))
    assert.truthy(outputs[2]:find("\n  warm ", 1, true) and outputs[2]:find("\n  bright ", 1, true), outputs[2])
    assert.truthy(outputs[4]:find("summary: 3 processed, 0 skipped, 0 failed", 1, true), outputs[4])
    for _, f in ipairs {"a.wav", "live/b.wav", "hot.wav"} do
      local x = assert(audio.read(dir .. "/music_bright/" .. f))
      assert.truthy(x:abs():max() <= 10 ^ (-0.1 / 20) + 1e-4, f .. " peaks under the ceiling (--peak-safe)")
    end
    -- the sample output is the first command's, but for the peak, which depends on the song
    local want, got = sample_output(), {}
    local shown = outputs[1]:gsub(paths.home():gsub("%p", "%%%0") .. "/", "")
    for line in shown:gmatch("[^\n]+") do got[#got + 1] = line end
    assert.are.equal(#want, #got, shown)
    for i = 1, #want - 1 do assert.are.equal(want[i], got[i]) end
    assert.truthy(want[#want]:match("^song%.wav %-> song_warm%.wav %(peak %-[%d.]+ dBFS%)$"), want[#want])
    assert.truthy(got[#got]:match("^song%.wav %-> song_warm%.wav %(peak %-[%d.]+ dBFS%)$"), got[#got])
  end)

  it("quotes the line a low sample rate really gives", function()
    local quoted = README:match("so it is dropped and a line says so %(`(.-)`%)")
    assert.truthy(quoted, "README quotes the line")
    quoted = quoted:gsub("%s+", " ")
    noise(dir .. "/low.wav", 16000, 0.1)
    local out, rc = H.run("cd " .. H.quote(dir) .. " && build/semeq --run apply low.wav low_warm.wav --term warm")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("\n  " .. quoted .. "\n", 1, true), quoted .. "\n" .. out)
  end)
end)
