-- The front door for audio: a word EQs a file without naming a model, the settings used
-- are printed with units, any sample rate works with the shipped model (a band the rate
-- cannot carry is dropped, with one line), clipping is reported with its remedy, and
-- every mistake of the issue is one line naming the cause and the fix. Each run is the
-- semeq binary in a temp folder.
local H = require "spec.helpers"
local T = require "semeq.tensor"
local audio = require "semeq.audio"
local paths = require "semeq.util.paths"
local semantic = require "semeq.semantic"

local q = H.quote

-- Runs `semeq --run apply ARGS` in dir: stdout, stderr, exit code.
local function apply(dir, args)
  local errf = dir .. "/.stderr"
  local p = io.popen(("cd %s && %s --run apply %s 2>%s"):format(q(dir), H.bin, args, q(errf)))
  local out = p:read("a")
  local _, _, code = p:close()
  local err = H.read(errf) or ""
  os.remove(errf)
  return out, err, code
end

local function sine(path, rate, hz, amp, seconds)
  local n = math.floor(rate * (seconds or 0.5))
  local x = T.arange(0, n):mul(2 * math.pi * hz / rate):sin():mul(amp):view(n, 1)
  assert(audio.write(path, x, {samplerate = rate}))
end

-- The lines of apply.lua's own messages on stderr (libmpg123 writes notes of its own).
local function own_lines(err)
  local out = {}
  for l in err:gmatch("[^\n]+") do
    if l:match("^apply%.lua: ") then out[#out + 1] = l end
  end
  return out
end

local SAFE_BANDS = {{"low shelf", 1, 2}, {"peak 1", 3, 4}, {"peak 2", 6, 7}, {"peak 3", 9, 10}, {"high shelf", 12, 13}}

describe("apply.lua, the front door", function()
  local dir, sm
  setup(function() sm = assert(semantic.load(paths.model())) end)
  before_each(function() dir = H.tmpdir() end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  it("EQs a file with a word and the shipped model, printing the settings it used with units", function()
    sine(dir .. "/in.wav", 44100, 440, 0.3)
    local out, err, code = apply(dir, "in.wav out.wav --term warm")
    assert.are.equal(0, code, err)
    local want = sm:eq_for("warm", 0.7).params
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.are.equal(("EQ: 'warm' at intensity 0.7 of %s (SAFE 5-band parametric)"):format(paths.model()), lines[1])
    assert.truthy(lines[2]:match("^  band +gain +frequency +Q$"), lines[2])
    for k, b in ipairs(SAFE_BANDS) do
      local line = lines[2 + k]
      local gain, freq, unit = line:match("^  " .. b[1] .. " +([-+][%d.]+) dB +([%d.]+) (k?Hz)")
      assert.truthy(gain, line)
      assert.near(want[b[2]], tonumber(gain), 0.006, line)
      local hz = tonumber(freq) * (unit == "kHz" and 1000 or 1)
      assert.near(want[b[3]], hz, unit == "kHz" and 6 or 0.6, line)
    end
    assert.truthy(lines[8]:match("^in%.wav %-> out%.wav %(peak [-+][%d.]+ dBFS%)$"), lines[8])
    assert.are.equal(8, #lines, out)
    assert.are.equal(22050, audio.read(dir .. "/out.wav"):size(1))
  end)

  it("folds case and spaces in a word as training did", function()
    sine(dir .. "/in.wav", 44100, 440, 0.3)
    local _, err, code = apply(dir, "in.wav a.wav --term warm")
    assert.are.equal(0, code, err)
    _, err, code = apply(dir, "in.wav b.wav --term ' Warm '")
    assert.are.equal(0, code, err)
    assert.are.equal(H.read(dir .. "/a.wav"), H.read(dir .. "/b.wav"))
  end)

  it("lists the model's terms", function()
    local out, err, code = apply(dir, "--list-terms")
    assert.are.equal(0, code, err)
    assert.truthy(out:find(paths.model() .. " knows " .. #sm.terms .. " terms", 1, true), out)
    for _, term in ipairs(sm.terms) do assert.truthy(out:find("\n  " .. term .. " +%d+ training rows"), out) end
  end)

  it("the shipped model has bands above the Nyquist frequency of low rates (what the next tests are about)", function()
    for _, term in ipairs {"warm", "bright"} do
      local p, above = sm:eq_for(term, 0.7).params, false
      for _, j in ipairs {2, 4, 7, 10, 13} do above = above or p[j] >= 8000 / 2 end
      assert.is_true(above, term)
    end
  end)

  for _, rate in ipairs {8000, 16000, 22050} do
    for _, term in ipairs {"warm", "bright"} do
      it(("works at %d Hz with '%s': the bands the rate cannot carry are dropped, with one line"):format(rate, term),
        function()
        sine(dir .. "/in.wav", rate, rate / 8, 0.2)
        local out, err, code = apply(dir, "in.wav out.wav --term " .. term)
        assert.are.equal(0, code, err)
        assert.are.equal("", err)
        local p = sm:eq_for(term, 0.7).params
        local dropped, kept = {}, {}
        for k = 1, #p do kept[k] = p[k] end
        for _, b in ipairs(SAFE_BANDS) do
          if p[b[3]] >= rate / 2 then
            dropped[#dropped + 1] = ("%s (%.0f Hz, %+.1f dB)"):format(b[1], p[b[3]], p[b[2]])
            kept[b[2]], kept[b[3]] = 0, rate / 4
          end
        end
        if #dropped > 0 then
          assert.truthy(out:find(("\n  %d Hz: dropped %s: at or above Nyquist (%d Hz)\n"):format(rate,
            table.concat(dropped, ", "), rate // 2), 1, true), out)
        else
          assert.is_nil(out:find("dropped", 1, true), out)
        end
        -- the audio is the EQ without those bands, and nothing else changed
        assert(require("semeq.process").process(dir .. "/in.wav", dir .. "/ref.wav", {kind = "safe", params = kept}))
        assert.are.equal(H.read(dir .. "/ref.wav"), H.read(dir .. "/out.wav"))
      end)
    end
  end

  it("leaves out the graphic bands a rate cannot carry, with one line", function()
    sine(dir .. "/in.wav", 16000, 1000, 0.2)
    local curve = {}
    for i = 1, 40 do curve[i] = i % 7 end
    local out, err, code = apply(dir, "in.wav out.wav --curve " .. table.concat(curve, ","))
    assert.are.equal(0, code, err)
    local eq = require "semeq.eq"
    local freqs, n, first = eq.g40_freqs():totable(), 0, nil
    local gains = eq.audealize_gains(curve, 1):totable()  -- a band at 0 dB is left out silently: it does nothing
    for i, f in ipairs(freqs) do
      if f >= 8000 and gains[i] ~= 0 then n, first = n + 1, first or f end
    end
    assert.truthy(out:find(("\n  16000 Hz: %d bands from %.0f Hz up left out (at or above Nyquist, 8000 Hz)\n")
      :format(n, first), 1, true), out)
  end)

  it("reports clipping with the remedy, and --peak-safe keeps the peak under the ceiling", function()
    sine(dir .. "/hot.wav", 44100, 3381, 0.9)
    local out, err, code = apply(dir, "hot.wav out.wav --term bright")
    assert.are.equal(0, code, err)
    local peak = tonumber(out:match("hot%.wav %-> out%.wav %(peak %+([%d.]+) dBFS%)"))
    assert.truthy(peak and peak > 0, out)
    assert.are.same({("apply.lua: out.wav clipped: peak +%.2f dBFS above 0 dBFS; rerun with --peak-safe --force to turn "
      .. "the output down under --ceiling (-0.1 dBFS), or lower --intensity"):format(peak)}, own_lines(err))
    out, err, code = apply(dir, "hot.wav out.wav --term bright --peak-safe --force")
    assert.are.equal(0, code, err)
    assert.are.equal("", err)
    assert.truthy(out:find("(peak -0.10 dBFS)", 1, true), out)
    local x = audio.read(dir .. "/out.wav")
    assert.truthy(x:abs():max() <= 10 ^ (-0.1 / 20) + 1e-4)
  end)

  it("says in the summary why files were skipped, which clipped and which are not sound files", function()
    os.execute("mkdir -p " .. q(dir .. "/in/sub"))
    sine(dir .. "/in/a.wav", 44100, 440, 0.2)
    sine(dir .. "/in/sub/b.wav", 8000, 440, 0.2)
    sine(dir .. "/in/hot.wav", 44100, 3381, 0.9)
    H.write(dir .. "/in/notes.txt", "x")
    H.write(dir .. "/in/cover.jpg", "x")
    local out, err, code = apply(dir, "--in in --out out --term bright --jobs 2")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("summary: 3 processed, 0 skipped, 0 failed (of 3 files", 1, true), out)
    assert.truthy(out:find("\n  1 file at 8000 Hz: dropped ", 1, true), out)
    assert.truthy(out:find("\n  clipped 1: hot%.wav %(%+%d+%.%d+ dBFS%); peaks above 0 dBFS; rerun with %-%-peak%-safe"), out)
    assert.truthy(out:find("\n  not sound files (left alone): 2 files (.jpg 1, .txt 1)\n", 1, true), out)
    out, err, code = apply(dir, "--in in --out out --term bright")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("summary: 0 processed, 3 skipped, 0 failed", 1, true), out)
    assert.truthy(out:find("\n  skipped 3: the output exists (--force redoes it)\n", 1, true), out)
  end)

  describe("every mistake of the issue is one line naming the cause and the fix", function()
    it("a JSON file given as the model", function()
      sine(dir .. "/in.wav", 44100, 440, 0.2)
      local json = paths.home() .. "/models/safe_warm_bright.json"
      local _, err, code = apply(dir, "in.wav out.wav --term warm --model " .. q(json))
      assert.are.same({1, ("apply.lua: %s is JSON (a report?), not a model; give the model's .safetensors file: "
        .. "%s\n"):format(json, paths.model())}, {code, err})
    end)

    it("an output semeq cannot write (out.mp3)", function()
      sine(dir .. "/in.wav", 44100, 440, 0.2)
      local out, err, code = apply(dir, "in.wav out.mp3 --term warm")
      assert.are.same({2, "", "apply.lua: out.mp3: semeq cannot write MP3 files; name the output out.wav or out.flac "
        .. "(formats: wav, flac, aiff, au, caf, w64) (see --help)\n"}, {code, out, err})
    end)

    it("a corrupt MP3", function()
      local f = assert(io.open("/dev/urandom", "rb"))
      H.write(dir .. "/bad.mp3", f:read(3000))
      f:close()
      local _, err, code = apply(dir, "bad.mp3 out.wav --term warm")
      assert.are.equal(1, code)
      local own = own_lines(err)
      assert.are.equal(1, #own, err)
      assert.truthy(own[1]:match("^apply%.lua: failed: bad%.mp3: cannot be decoded.*convert it to WAV or FLAC%)?$"), own[1])
      assert.is_nil(own[1]:find("does not exist", 1, true))
    end)

    it("an MP3 input gives a WAV output", function()
      assert(audio.write(dir .. "/in.mp3", T.randn(8820, 1):mul(0.1), {samplerate = 44100, format = "mp3",
        subtype = "mpeg_layer_iii"}))
      local out, err, code = apply(dir, "in.mp3 out.wav --term warm")
      assert.are.equal(0, code, err .. out)
      assert.are.equal("wav", select(2, audio.read(dir .. "/out.wav")).format)
    end)

    it("a folder as the positional input", function()
      os.execute("mkdir " .. q(dir .. "/music"))
      local out, err, code = apply(dir, "music out.wav --term warm")
      assert.are.same({2, "", "apply.lua: music is a folder: give --in music --out OUTDIR to equalise every sound file "
        .. "in it (see --help)\n"}, {code, out, err})
    end)

    it("a word the model does not know, and a mistyped flag", function()
      local _, err, code = apply(dir, "in.wav out.wav --term cold")
      assert.are.same({2, "apply.lua: unknown term 'cold'; this model knows: " .. table.concat(sm.terms, ", ")
        .. " (see --help)\n"}, {code, err})
      _, err, code = apply(dir, "in.wav out.wav --term warm --intesity 2")
      assert.are.same({2, "apply.lua: unknown option --intesity (did you mean --intensity?) (see --help)\n"}, {code, err})
    end)
  end)
end)
