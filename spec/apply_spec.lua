-- scripts/apply.lua end to end, through the semeq binary (SEMEQ_BIN, set by ctest).
local T = require "semeq.tensor"
local audio = require "semeq.audio"

local BIN = os.getenv("SEMEQ_BIN") or "build/semeq"
local P = "6,100,-4,400,1,5,1500,2,-2,3000,0.7,6,3500"

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs apply.lua with the given argument string; returns stdout, stderr, exit code.
local function apply(args)
  local errf = os.tmpname()
  local p = io.popen(("%s scripts/apply.lua %s 2>%s"):format(q(BIN), args, q(errf)))
  local out = p:read("a")
  local _, _, code = p:close()
  local f = io.open(errf, "rb")
  local err = f:read("a")
  f:close()
  os.remove(errf)
  return out, err, code
end

local function tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("l")
  p:close()
  return d
end

local function files_under(dir)
  local p, list = io.popen("cd " .. q(dir) .. " && find . -type f | sort"), {}
  for l in p:lines() do list[#list + 1] = l:sub(3) end
  p:close()
  return list
end

local function tree_bytes(dir)
  local parts = {}
  for _, rel in ipairs(files_under(dir)) do
    local f = io.open(dir .. "/" .. rel, "rb")
    parts[#parts + 1] = rel .. "\0" .. f:read("a")
    f:close()
  end
  return table.concat(parts, "\0")
end

describe("scripts/apply.lua", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  -- 100 files in a small tree: 97 sound files and 3 corrupt ones
  local function make_tree()
    T.manualSeed(2)
    local corrupt = {["a/07.wav"] = true, ["b/c/50.wav"] = true, ["99.flac"] = true}
    local names = {}
    for i = 1, 100 do
      local sub = i % 3 == 0 and "a/" or i % 3 == 1 and "b/c/" or ""
      names[i] = ("%s%02d.%s"):format(sub, i - 1, i % 5 == 0 and "flac" or "wav")
    end
    names[8], names[51], names[100] = "a/07.wav", "b/c/50.wav", "99.flac"
    os.execute("mkdir -p " .. q(dir .. "/in/a") .. " " .. q(dir .. "/in/b/c"))
    for _, name in ipairs(names) do
      local path = dir .. "/in/" .. name
      if corrupt[name] then
        local f = io.open(path, "wb")
        f:write(name:match("wav$") and "RIFF\36\0\0\0WAVEjunk" or "fLaC broken")
        f:close()
      else
        audio.write(path, T.randn(800, 1 + #name % 2):mul(0.1), {samplerate = 8000, subtype = "pcm_16"})
      end
    end
    return names, corrupt
  end

  it("processes a folder of 100 files with 3 corrupt ones: 97 done, 3 reported, exit 1, inputs intact", function()
    local names, corrupt = make_tree()
    local before = tree_bytes(dir .. "/in")
    local out, err, code = apply(("--in %s --out %s --params %s"):format(q(dir .. "/in"), q(dir .. "/out"), P))
    local _
    assert.are.equal(1, code)
    assert.truthy(out:find("summary: 97 processed, 0 skipped, 3 failed", 1, true), out)
    for name in pairs(corrupt) do
      assert.truthy(out:find("  failed: " .. name .. ": " .. dir .. "/in/" .. name .. ": ", 1, true), out)
    end
    assert.truthy(err:find("[100/100]", 1, true), "progress lines")
    assert.are.equal(before, tree_bytes(dir .. "/in"))
    local want = {}
    for _, name in ipairs(names) do
      if not corrupt[name] then want[#want + 1] = name end
    end
    table.sort(want)
    assert.are.same(want, files_under(dir .. "/out"))  -- mirrored, and no temporary files left
    local y, info = audio.read(dir .. "/out/a/02.wav")
    assert.are.same({800, "pcm_16"}, {y:size(1), info.subtype})

    -- a second run skips what exists; --force redoes it
    local code2
    out, _, code2 = apply(("--in %s --out %s --params %s"):format(q(dir .. "/in"), q(dir .. "/out"), P))
    assert.are.equal(1, code2)
    assert.truthy(out:find("summary: 0 processed, 97 skipped, 3 failed", 1, true), out)
    out = apply(("--in %s --out %s --params %s --force --jobs 1"):format(q(dir .. "/in"), q(dir .. "/out"), P))
    assert.truthy(out:find("summary: 97 processed, 0 skipped, 3 failed", 1, true), out)
  end)

  it("splits the files into disjoint shards that cover the folder", function()
    make_tree()
    local seen = 0
    for k = 1, 3 do
      local out = apply(("--in %s --out %s --params %s --shard %d/3"):format(q(dir .. "/in"), q(dir .. "/out"), P, k))
      local ok, skip, fail = out:match("summary: (%d+) processed, (%d+) skipped, (%d+) failed")
      assert.are.equal("0", skip)
      seen = seen + tonumber(ok) + tonumber(fail)
    end
    assert.are.equal(100, seen)
    assert.are.equal(97, #files_under(dir .. "/out"))
    -- a bad share, or a share of one file, is a usage error before anything is read
    local _, err, code = apply(("--in %s --out %s --params %s --shard 0/0"):format(q(dir .. "/in"), q(dir .. "/out"), P))
    assert.are.same({2, "apply.lua: --shard expects K/N with 1 <= K <= N, got '0/0' (see --help)\n"}, {code, err})
    _, err, code = apply(("%s %s --params %s --shard 2/3"):format(q(dir .. "/in/a.wav"), q(dir .. "/x.wav"), P))
    assert.are.same({2, "apply.lua: --shard shares the files of --in/--out (see --help)\n"}, {code, err})
  end)

  it("equalises one file with --params or --curve and refuses to overwrite", function()
    local src = dir .. "/in.wav"
    audio.write(src, T.randn(1000, 2):mul(0.1), {samplerate = 16000})
    local out, _, code = apply(("%s %s --params %s"):format(q(src), q(dir .. "/p.wav"), P))
    assert.are.equal(0, code)
    assert.truthy(out:find(" -> " .. dir .. "/p.wav", 1, true))
    local curve = {}
    for i = 1, 40 do curve[i] = math.sin(i / 6) end
    _, _, code = apply(("%s %s --curve %s --amount 0.5"):format(q(src), q(dir .. "/c.flac"), table.concat(curve, ",")))
    assert.are.equal(0, code)
    assert.are.equal("flac", select(2, audio.read(dir .. "/c.flac")).format)
    local _, err
    _, err, code = apply(("%s %s --params %s --force"):format(q(src), q(dir .. "/./in.wav"), P))
    assert.are.same({2, "apply.lua: OUT must not be IN (inputs are never modified) (see --help)\n"}, {code, err})
    _, err, code = apply(("--in %s --out %s/ --params %s --force"):format(q(dir), q(dir), P))
    assert.are.same({2, "apply.lua: --out must not be the input folder (inputs are never modified) (see --help)\n"}, {code, err})
    _, err, code = apply(("%s %s --params %s"):format(q(src), q(dir .. "/p.wav"), P))
    assert.are.equal(1, code)
    assert.are.equal("apply.lua: not writing " .. dir .. "/p.wav: " .. dir .. "/p.wav exists (--force replaces it)\n", err)
  end)

  it("reports bad arguments and unreadable models clearly", function()
    local _, err, code = apply("a.wav b.wav --params 1,2,3")
    assert.are.same({2, "apply.lua: --params needs 13 values, got 3 (see --help)\n"}, {code, err})
    _, err, code = apply("a.wav b.wav --params " .. P .. " --curve " .. string.rep("1,", 39) .. "1")
    assert.are.same({2, "apply.lua: give only one of --params, --curve (see --help)\n"}, {code, err})
    _, err, code = apply("a.wav b.wav --term warm --model m.safetensors --intensity 0.7")
    assert.are.same({1, "apply.lua: m.safetensors: no such file (leave out --model for the shipped model, "
      .. require("semeq.util.paths").model() .. ")\n"}, {code, err})
    local out
    out, err, code = apply("a.wav b.wav --params " .. P)
    assert.are.same({1, "", "apply.lua: a.wav: no such file\n"}, {code, out, err})
    _, err, code = apply("a.wav b.wav --from warm --model m.safetensors")
    assert.are.same({2, "apply.lua: --from needs --to (see --help)\n"}, {code, err})
    _, err, code = apply("a.wav --params " .. P .. " --bogus")
    assert.are.same({2, "apply.lua: unknown option --bogus (see --help)\n"}, {code, err})
    _, err, code = apply("a.wav b.wav --params " .. P .. " --modle x")
    assert.are.same({2, "apply.lua: unknown option --modle (did you mean --model?) (see --help)\n"}, {code, err})
    out, _, code = apply("--help")
    assert.are.equal(0, code)
    assert.truthy(out:find("--shard <string>", 1, true))
  end)
end)

-- --term and --from/--to with a model: the same audio as the EQ the model gives,
-- passed explicitly (--params for a SAFE model, --curve for a 40-band one).
describe("scripts/apply.lua with a semantic model", function()
  local tiny = require "spec.support.tiny_models"
  local dir, safe, sfx, safe_sm, sfx_sm, src
  setup(function()
    dir = tmpdir()
    safe, sfx = dir .. "/safe.safetensors", dir .. "/sfx.safetensors"
    safe_sm = tiny.train(safe, "safe", 2)
    sfx_sm = tiny.train(sfx, "socialfx", 4)
    T.manualSeed(5)
    src = dir .. "/in.wav"
    audio.write(src, T.randn(3000, 2):mul(0.1), {samplerate = 44100, subtype = "float"})
  end)
  teardown(function() os.execute("rm -rf " .. q(dir)) end)

  local function list(values)
    local out = {}
    for i, v in ipairs(values) do out[i] = ("%.17g"):format(v) end
    return table.concat(out, ",")
  end

  local function same_audio(a, b, tol)
    local x, y = audio.read(a), audio.read(b)
    assert.is_true(T.allclose(x, y, 0, tol), a .. " vs " .. b)
  end

  it("--term applies the term's SAFE setting at the intensity", function()
    local out, err, code = apply(("%s %s --term warm --intensity 0.7 --model %s"):format(q(src), q(dir .. "/t.wav"), q(safe)))
    assert.are.same({0, ""}, {code, err})
    assert.truthy(out:find(" -> " .. dir .. "/t.wav", 1, true))
    apply(("%s %s --params %s"):format(q(src), q(dir .. "/p.wav"), list(safe_sm:eq_for("warm", 0.7).params)))
    same_audio(dir .. "/t.wav", dir .. "/p.wav", 1e-6)
    assert.is_false(T.allclose(audio.read(src), audio.read(dir .. "/t.wav"), 0, 1e-3))
  end)

  it("--from/--to/--alpha applies the interpolated setting", function()
    local _, err, code = apply(("%s %s --from warm --to bright --alpha 0.3 --intensity 1 --model %s")
      :format(q(src), q(dir .. "/f.wav"), q(safe)))
    assert.are.equal(0, code, err)  -- a clipping warning is allowed: the same happens to --params below
    local setting = safe_sm:eq_for(safe_sm:interpolate("warm", "bright", 0.3), 1)
    apply(("%s %s --params %s"):format(q(src), q(dir .. "/fp.wav"), list(setting.params)))
    same_audio(dir .. "/f.wav", dir .. "/fp.wav", 1e-6)
  end)

  it("a 40-band model gives the curve it decodes, scaled like Audealize's amount", function()
    local _, err, code = apply(("%s %s --term cold --intensity 0.6 --model %s"):format(q(src), q(dir .. "/g.wav"), q(sfx)))
    assert.are.same({0, ""}, {code, err})
    local curve = sfx_sm:decode(sfx_sm:term_code("cold"):view(1, -1))[1]:totable()
    apply(("%s %s --curve %s --amount 0.6"):format(q(src), q(dir .. "/gc.wav"), list(curve)))
    same_audio(dir .. "/g.wav", dir .. "/gc.wav", 1e-5)
  end)

  it("processes a folder with two workers, each loading the model", function()
    os.execute("mkdir -p " .. q(dir .. "/tree/sub"))
    for i = 1, 3 do audio.write(dir .. ("/tree/sub/%d.wav"):format(i), T.randn(500, 1):mul(0.1), {samplerate = 22050}) end
    local out, _, code = apply(("--in %s --out %s --term bright --model %s --jobs 2"):format(q(dir .. "/tree"),
      q(dir .. "/tree_out"), q(safe)))
    assert.are.equal(0, code)
    assert.truthy(out:find("summary: 3 processed, 0 skipped, 0 failed", 1, true), out)
  end)

  it("an absurd --intensity is refused with one line before any output", function()
    local setting = safe_sm:eq_for("warm", 100)
    local biggest = 0
    for _, j in ipairs {1, 3, 6, 9, 12} do biggest = math.max(biggest, math.abs(setting.params[j])) end
    assert.is_true(biggest > 60, "the spec needs a term whose gains pass 60 dB at intensity 100")
    local _, err, code = apply(("%s %s --term warm --intensity 100 --model %s"):format(q(src), q(dir .. "/i.wav"), q(safe)))
    assert.are.equal(1, code)
    assert.truthy(err:find("^apply.lua: the EQ's [%a%d ]+ gain is %-?[%d.]+ dB; semeq applies gains within %+%-60 dB "
      .. "%(lower %-%-intensity%)\n$"), err)
    assert.is_nil(io.open(dir .. "/i.wav"))
  end)

  it("an unknown term is a usage error that lists the model's terms", function()
    local _, err, code = apply(("%s %s --term hot --model %s"):format(q(src), q(dir .. "/x.wav"), q(safe)))
    assert.are.same({2, "apply.lua: unknown term 'hot'; this model knows: bright, warm (see --help)\n"}, {code, err})
    _, err, code = apply(("%s %s --from warm --to hot --model %s"):format(q(src), q(dir .. "/x.wav"), q(safe)))
    assert.are.same({2, "apply.lua: unknown term 'hot'; this model knows: bright, warm (see --help)\n"}, {code, err})
  end)
end)
