-- semeq.audio (libsndfile streaming, safe writes) and semeq.eqfile (file processing).
local T = require "semeq.tensor"
local audio = require "semeq.audio"
local eqfile = require "semeq.process"

local function tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("l")
  p:close()
  return d
end

local function ls(dir)
  local names, p = {}, io.popen("ls -A '" .. dir .. "'")
  for l in p:lines() do names[#names + 1] = l end
  p:close()
  table.sort(names)
  return names
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

describe("semeq.audio", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("round-trips WAV and FLAC in several sample formats", function()
    T.manualSeed(1)
    local x = T.rand(1000, 2):mul(1.8):sub(0.9)
    for _, case in ipairs({{"a.wav", "float", 0}, {"b.wav", "pcm_16", 1 / 32768}, {"c.wav", "pcm_24", 1 / 2 ^ 23},
                           {"d.flac", "pcm_16", 1 / 32768}, {"e.flac", "pcm_24", 1 / 2 ^ 23}}) do
      local path = dir .. "/" .. case[1]
      audio.write(path, x, {samplerate = 22050, subtype = case[2]})
      local y, info = audio.read(path)
      assert.are.same({1000, 2}, y:size())
      assert.are.same({1000, 22050, 2, case[2]}, {info.frames, info.samplerate, info.channels, info.subtype})
      assert.are.equal(case[1]:match("%.(%a+)$"), info.format)
      assert.is_true((y - x):abs():max() <= case[3], case[1])
    end
  end)

  it("keeps the input's sample format by default, or the nearest the container can hold", function()
    audio.write(dir .. "/in16.wav", T.zeros(10, 1), {samplerate = 8000, subtype = "pcm_16"})
    audio.write(dir .. "/inf.wav", T.zeros(10, 1), {samplerate = 8000, subtype = "float"})
    local _, i16 = audio.read(dir .. "/in16.wav")
    local _, ifl = audio.read(dir .. "/inf.wav")
    audio.write(dir .. "/o1.wav", T.zeros(10, 1), {like = i16})
    audio.write(dir .. "/o2.flac", T.zeros(10, 1), {like = i16})
    audio.write(dir .. "/o3.flac", T.zeros(10, 1), {like = ifl})
    assert.are.equal("pcm_16", select(2, audio.read(dir .. "/o1.wav")).subtype)
    assert.are.equal("pcm_16", select(2, audio.read(dir .. "/o2.flac")).subtype)
    assert.are.equal("pcm_24", select(2, audio.read(dir .. "/o3.flac")).subtype)
  end)

  it("streams blocks and returns nil at the end", function()
    audio.write(dir .. "/s.wav", T.arange(1000):div(1000):view(500, 2), {samplerate = 8000})
    local r <close> = audio.open(dir .. "/s.wav")
    local n, blocks = 0, 0
    while true do
      local x = r:read(128)
      if not x then break end
      assert.are.equal(2, x:size(2))
      if n == 0 then assert.is_true(math.abs(x[1][2] - 0.001) < 1e-7) end
      n, blocks = n + x:size(1), blocks + 1
    end
    assert.are.same({500, 4}, {n, blocks})
    assert.is_nil(r:read(128))
    assert.has_error(function() r:read(0) end, "bad argument #1 to 'read' (block size must be >= 1)")
  end)

  it("writes under a temporary name; only close publishes, abort and gc remove", function()
    local path = dir .. "/out.wav"
    local w = audio.create(path, {samplerate = 8000, channels = 1})
    w:write(T.zeros(100))
    assert.is_false(eqfile.exists(path))
    assert.are.equal(1, #ls(dir))
    assert.truthy(ls(dir)[1]:match("^out%.wav%.tmp"))
    w:close()
    w:close()  -- idempotent
    assert.are.same({"out.wav"}, ls(dir))
    assert.has_error(function() w:write(T.zeros(1)) end,
      "calling 'write' on bad self (attempt to use a closed sound file)")

    local a = audio.create(dir .. "/aborted.wav", {samplerate = 8000})
    a:write(T.zeros(10))
    a:abort()
    do
      local c <close> = audio.create(dir .. "/scoped.wav", {samplerate = 8000})
      c:write(T.zeros(10))
    end
    audio.create(dir .. "/dropped.wav", {samplerate = 8000})
    collectgarbage()
    collectgarbage()
    assert.are.same({"out.wav"}, ls(dir))
  end)

  it("leaves an existing file untouched when writing fails", function()
    local path = dir .. "/keep.wav"
    audio.write(path, T.ones(10, 1):mul(0.5), {samplerate = 8000})
    local before = slurp(path)
    assert.has_error(function() audio.write(path, T.zeros(10, 3), {samplerate = 8000, channels = 2}) end,
      "bad argument #2 to 'write' (expected [frames x 2] audio, got [10x3])")
    assert.are.equal(before, slurp(path))
    assert.are.same({"keep.wav"}, ls(dir))
  end)

  it("names the file in errors", function()
    local bad = dir .. "/bad.wav"
    local f = io.open(bad, "wb")
    f:write("RIFF not really a wave file")
    f:close()
    local r, msg = audio.open(bad)
    assert.is_nil(r)
    assert.are.equal(bad .. ": ", msg:sub(1, #bad + 2))
    r, msg = audio.read(dir .. "/missing.flac")
    assert.is_nil(r)
    assert.truthy(msg:find(dir .. "/missing.flac: ", 1, true))
    assert.are.same({nil, dir .. "/x.xyz: cannot tell the sound format from the file name; end it in .wav, .flac, "
      .. ".aiff, .au, .caf or .w64"}, {audio.create(dir .. "/x.xyz", {samplerate = 8000})})
    assert.has_error(function() audio.open({}) end)
    assert.has_error(function() audio.create(dir .. "/x.wav", {samplerate = 8000, subtype = "pcm_17"}) end,
      "bad argument #2 to 'create' (unknown subtype 'pcm_17')")
  end)
end)

describe("semeq.process", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)
  local P = {6, 100, -4, 400, 1, 5, 1500, 2, -2, 3000, 0.7, 6, 3500}

  it("gives the same 10-minute output whatever the block size", function()
    local fs, minutes = 8000, 10
    local src = dir .. "/long.wav"
    T.manualSeed(5)
    local w = audio.create(src, {samplerate = fs, channels = 1, subtype = "float"})
    for _ = 1, minutes * 60 do w:write(T.randn(fs, 1):mul(0.1)) end
    w:close()
    local _, info = pcall(function() local r <close> = audio.open(src); return r:info() end)
    assert.are.equal(minutes * 60 * fs, info.frames)
    local s1 = eqfile.process(src, dir .. "/b4096.wav", {params = P, block = 4096})
    local s2 = eqfile.process(src, dir .. "/b777.wav", {params = P, block = 777})
    local s3 = eqfile.process(src, dir .. "/b65536.wav", {params = P, block = 65536})
    assert.are.equal(s1.peak, s2.peak)
    assert.are.equal(s1.peak, s3.peak)
    local a = slurp(dir .. "/b4096.wav")
    assert.are.equal(#slurp(src), #a)
    assert.is_true(a == slurp(dir .. "/b777.wav"))
    assert.is_true(a == slurp(dir .. "/b65536.wav"))
    assert.is_false(a == slurp(src))
  end)

  it("peak-safe mode turns the output down to the ceiling and reports the peak", function()
    local fs = 8000
    local x = T.zeros(fs, 2)
    for i = 1, fs do
      x[i][1] = 0.9 * math.sin(2 * math.pi * 1500 * i / fs)
      x[i][2] = 0.9 * math.sin(2 * math.pi * 100 * i / fs)
    end
    audio.write(dir .. "/in.wav", x, {samplerate = fs, subtype = "pcm_16"})
    local loud = eqfile.process(dir .. "/in.wav", dir .. "/loud.wav", {params = P, subtype = "float"})
    assert.is_true(loud.peak > 1.2)
    local safe = eqfile.process(dir .. "/in.wav", dir .. "/safe.wav", {params = P, peak_safe = true, ceiling_db = -1})
    assert.is_true(math.abs(safe.peak - 10 ^ (-1 / 20)) < 1e-4, "peak " .. safe.peak)
    assert.is_true(safe.gain_db < 0)
    local y, info = audio.read(dir .. "/safe.wav")
    assert.are.equal("pcm_16", info.subtype)
    assert.is_true(y:abs():max() <= 10 ^ (-1 / 20) + 1 / 32768)
  end)

  it("does not overwrite an existing output unless forced", function()
    audio.write(dir .. "/in.wav", T.zeros(100, 1), {samplerate = 8000})
    audio.write(dir .. "/out.wav", T.ones(5, 1):mul(0.25), {samplerate = 8000})
    assert.are.same({nil, dir .. "/out.wav exists (use force to replace it)"},
      {eqfile.process(dir .. "/in.wav", dir .. "/out.wav", {params = P})})
    assert.are.equal(5, select(2, audio.read(dir .. "/out.wav")).frames)
    eqfile.process(dir .. "/in.wav", dir .. "/out.wav", {params = P, force = true})
    assert.are.equal(100, select(2, audio.read(dir .. "/out.wav")).frames)
  end)
end)
