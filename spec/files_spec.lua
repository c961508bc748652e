-- Outputs are written to a temporary file in the same directory and renamed; a failed
-- write (a full disk) reports the error and leaves neither a partial file nor a
-- temporary one, and an existing file under that name survives; inputs are opened
-- read-only and stay byte-identical, also when a batch meets corrupt files or the
-- output path names the input.
--
-- The full disk is a 64 KB tmpfs mounted for this spec (needs root). Where mounting is
-- not allowed, a non-root run uses a read-only directory instead; as root without
-- mount rights those cases are pending (root ignores directory permissions).
local T = require "semeq.tensor"
local atomic = require "semeq.util.atomic"
local plot = require "semeq.eval.plot"
local split = require "semeq.data.split"
local h = require "spec.helpers"

local has_audio, audio = pcall(require, "semeq.audio")
local has_nn, nn = pcall(require, "semeq.nn")
local mio = require "semeq.models.io"

local dir = h.tmpdir()

local function sh(cmd)
  local out, rc = h.run(cmd)
  return rc == 0, out
end

-- Names in a directory (sorted), to prove nothing was left behind.
local function listing(d)
  local out = h.run("ls -A " .. h.quote(d))
  local names = {}
  for n in out:gmatch("[^\n]+") do names[#names + 1] = n end
  table.sort(names)
  return names
end

-- sha256 of every file under d, as "hash  relative/path" lines.
local function checksums(d)
  local out, rc = h.run("cd " .. h.quote(d) .. " && find . -type f -print0 | sort -z | xargs -0 sha256sum")
  assert(rc == 0, out)
  return out
end

-- A directory where writes fail: {path=, reason=, fill=function(leave_bytes)} or nil.
local function failing_dir()
  local d = dir .. "/full"
  assert(os.execute("mkdir -p " .. h.quote(d)))
  if sh("mount -t tmpfs -o size=64k tmpfs " .. h.quote(d)) then
    return {path = d, reason = "No space left on device", mounted = true,
      -- leaves about `leave` bytes free so that a small write fails part way
      fill = function(leave)
        local f = assert(io.open(d .. "/filler", "wb"))
        f:write(string.rep("\0", 64 * 1024 - (leave or 0)))
        f:close()
      end,
      empty = function() os.execute("rm -f " .. h.quote(d) .. "/*") end}
  end
  if sh("test $(id -u) -ne 0") then
    assert(os.execute("chmod 555 " .. h.quote(d)))
    return {path = d, reason = "Permission denied", fill = function() end, empty = function() end}
  end
end

describe("writing files", function()
  local full

  setup(function() full = failing_dir() end)
  teardown(function()
    if full and full.mounted then os.execute("umount " .. h.quote(full.path)) end
  end)
  before_each(function() if full then full.empty() end end)

  local function need_full()
    if not full then
      pending("cannot simulate a failing disk here (no tmpfs mount as root)")
      return false
    end
    return true
  end

  it("atomic.write publishes the whole text and leaves no temporary file", function()
    local d = dir .. "/ok"
    os.execute("mkdir -p " .. h.quote(d))
    h.write(d .. "/out.txt", "old")
    atomic.write(d .. "/out.txt", string.rep("new line\n", 1000))
    assert.are.equal(string.rep("new line\n", 1000), h.read(d .. "/out.txt"))
    assert.are.same({"out.txt"}, listing(d))
  end)

  it("atomic.write into a full disk fails, keeps the old file and leaves no partial file", function()
    if not need_full() then return end
    local target = full.path .. "/data.json"
    if full.mounted then
      h.write(target, "previous version")
      full.fill(8 * 1024)
    end
    local ok, err = atomic.write(target, string.rep("x", 256 * 1024))
    assert.is_nil(ok)
    assert.are.equal("cannot write " .. target .. ": " .. full.reason, err)
    if full.mounted then
      assert.are.equal("previous version", h.read(target))
      assert.are.same({"data.json", "filler"}, listing(full.path))
    else
      assert.are.same({}, listing(full.path))
    end
  end)

  it("outputs get ordinary permissions (0666 minus the umask), not mkstemp's 0600", function()
    local d = dir .. "/modes"
    os.execute("mkdir -p " .. h.quote(d))
    local function mode(p) return (h.run("stat -c %a " .. h.quote(p)):gsub("%s+$", "")) end
    local umask = tonumber((h.run("umask"):gsub("%s+$", "")), 8)
    local want = string.format("%o", 438 & ~umask) -- 438 = 0666
    atomic.write(d .. "/a.txt", "x")
    assert.are.equal(want, mode(d .. "/a.txt"))
    if has_audio then
      audio.write(d .. "/a.wav", T.zeros(8), {samplerate = 8000})
      assert.are.equal(want, mode(d .. "/a.wav"))
    end
    if has_nn then
      assert.is_true(mio.save(nn.Linear(2, 2), d .. "/m.safetensors"))
      assert.are.equal(want, mode(d .. "/m.safetensors"))
    end
  end)

  it("atomic.write names a missing directory", function()
    assert.are.same({nil, "cannot write " .. dir .. "/no/such/dir/x.txt: No such file or directory"},
      {atomic.write(dir .. "/no/such/dir/x.txt", "x")})
  end)

  it("a plot SVG that does not fit fails cleanly", function()
    if not need_full() then return end
    full.fill(2 * 1024)
    local values = {}
    for i = 1, 2000 do values[i] = 1 / i end
    local target = full.path .. "/loss.svg"
    local ok, err = plot.loss({train = values}, target)
    assert.is_nil(ok)
    assert.truthy(err:find("^cannot write " .. target:gsub("%p", "%%%0")), err)
    assert.is_nil(h.read(target))
    assert.are.same(full.mounted and {"filler"} or {}, listing(full.path))
  end)

  it("a split file that does not fit fails cleanly, a damaged one is named, and a good one round-trips", function()
    local ids = {}
    for i = 1, 5000 do ids[i] = i end
    local s = {train = ids, test = {"a", "b"}, method = "stratified", seed = 3}
    assert.is_true(split.save(s, dir .. "/split.json"))
    assert.are.same({train = ids, test = {"a", "b"}, method = "stratified", seed = 3}, split.load(dir .. "/split.json"))
    for _, bad in ipairs {
      {'{"format": "semeq.split", "train": [1, 2.5], "test": []}', "train%[2%] is not a row id %(an integer or a string%)"},
      {'{"format": "semeq.split", "train": [1], "test": [null]}', "test%[1%] is not a row id"},
      {'{"format": "semeq.split", "train": [1, "a"], "test": ["a"]}', "id a is in both train and test"},
    } do
      h.write(dir .. "/bad_split.json", bad[1])
      local none, err = split.load(dir .. "/bad_split.json")
      assert.is_nil(none)
      assert.truthy(err:find("^split%.load: " .. (dir .. "/bad_split.json"):gsub("%p", "%%%0") .. ": " .. bad[2]), err)
    end
    if not need_full() then return end
    full.fill(4 * 1024)
    local ok, err = split.save(s, full.path .. "/split.json")
    assert.is_nil(ok)
    assert.truthy(err:find("^cannot write " .. (full.path .. "/split.json"):gsub("%p", "%%%0")), err)
    assert.are.same(full.mounted and {"filler"} or {}, listing(full.path))
  end)

  it("an audio file that does not fit fails cleanly (writer and audio.write)", function()
    if not has_audio then return pending("semeq.audio is not in this build") end
    if not need_full() then return end
    full.fill(8 * 1024)
    local target = full.path .. "/tone.wav"
    local x = T.rand(22050, 2) - 0.5 -- 1 s of 16-bit stereo: 88 KB
    local ok, err = audio.write(target, x, {samplerate = 22050, subtype = "pcm_16"})
    assert.is_nil(ok)
    assert.truthy(err:find(target, 1, true), err)
    assert.are.same(full.mounted and {"filler"} or {}, listing(full.path))
  end)

  it("a model file (models.io.save) that does not fit fails cleanly and keeps the previous model", function()
    if not has_nn then return pending("semeq.nn is not in this build") end
    if not need_full() then return end
    local target = full.path .. "/model.safetensors"
    local small = nn.Linear(2, 2)
    if full.mounted then
      assert.is_true(mio.save(small, target))
      full.fill(8 * 1024)
    end
    local before = h.read(target)
    local big = nn.Linear(64, 256) -- 66 KB of floats
    local ok, err = mio.save(big, target)
    assert.is_nil(ok)
    assert.truthy(err:find(target, 1, true), err)
    assert.are.equal(before, h.read(target))
    assert.are.same(full.mounted and {"filler", "model.safetensors"} or {}, listing(full.path))
    if full.mounted then
      local again = mio.load(target)
      assert.are.same(small.weight:totable(), again.weight:totable())
    end
  end)

  it("apply.lua writing into a full disk exits 1 with the reason and leaves no output", function()
    if not has_audio then return pending("semeq.audio is not in this build") end
    if not need_full() then return end
    local src = dir .. "/apply_src.wav"
    audio.write(src, (T.rand(22050, 2) - 0.5) * 0.5, {samplerate = 22050, subtype = "pcm_16"})
    local sum = h.run("sha256sum " .. h.quote(src))
    full.fill(8 * 1024)
    local target = full.path .. "/out.wav"
    local out, rc = h.semeq("scripts/apply.lua " .. h.quote(src) .. " " .. h.quote(target)
      .. " --params 3,100,2,500,1,0,1000,1,-2,2000,1,1,3000")
    assert.are.equal(1, rc, out)
    assert.truthy(out:find("apply.lua: failed: ", 1, true), out)
    assert.truthy(out:find(target, 1, true), out)
    assert.are.same(full.mounted and {"filler"} or {}, listing(full.path))
    assert.are.equal(sum, h.run("sha256sum " .. h.quote(src)))
  end)
end)

-- Short test sounds and a folder with corrupt ones next to them.
local function make_tree(root)
  os.execute("mkdir -p " .. h.quote(root .. "/sub/deeper"))
  local good = {"a.wav", "sub/b.flac", "sub/deeper/c.wav"}
  for i, rel in ipairs(good) do
    T.manualSeed(i)
    audio.write(root .. "/" .. rel, (T.rand(2205, i % 2 + 1) - 0.5) * 0.5, {samplerate = 22050, subtype = "pcm_16"})
  end
  local wav = h.read(root .. "/a.wav")
  local corrupt = {
    ["empty.wav"] = "",                                -- zero length
    ["notes.wav"] = "these are notes, not a sound\n",  -- wrong content for the extension
    ["sub/cut.wav"] = wav:sub(1, 30),                  -- cut inside the header
    ["sub/noise.flac"] = string.rep("\x13\x37", 500),  -- unsupported bytes
  }
  for rel, bytes in pairs(corrupt) do h.write(root .. "/" .. rel, bytes) end
  h.write(root .. "/readme.txt", "not a sound file: ignored by extension\n")
  return good, corrupt
end

local PARAMS = "3,100,2,500,1,0,1000,1,-2,2000,1,1,3000"

local function apply(args)
  return h.semeq("scripts/apply.lua " .. args)
end

describe("batch processing a folder with corrupt and valid audio", function()
  if not has_audio then
    it("needs semeq.audio", function() pending("semeq.audio is not in this build") end)
    return
  end

  it("processes every valid file, lists each failure with its reason, exits 1, inputs byte-identical", function()
    local root, out = dir .. "/batch_in", dir .. "/batch_out"
    local good, corrupt = make_tree(root)
    local before = checksums(root)
    local text, rc = apply("--in " .. h.quote(root) .. " --out " .. h.quote(out) .. " --params " .. PARAMS .. " --jobs 2")
    assert.are.equal(1, rc, text)
    assert.are.equal(before, checksums(root))
    assert.truthy(text:find("summary: 3 processed, 0 skipped, 4 failed", 1, true), text)
    for rel in pairs(corrupt) do
      local line = text:match("failed: " .. rel:gsub("%p", "%%%0") .. ": ([^\n]+)")
      assert.truthy(line, "no failure line for " .. rel .. " in:\n" .. text)
      assert.truthy(line:find(root .. "/" .. rel, 1, true), "the reason names the file: " .. line)
    end
    for _, rel in ipairs(good) do
      local x, info = audio.read(out .. "/" .. rel)
      local y = audio.read(root .. "/" .. rel)
      assert.are.equal(y:size(1), x:size(1))
      assert.are.equal(22050, info.samplerate)
    end
    -- nothing else in the output: no outputs for failed inputs, no temporary files
    local found = h.run("cd " .. h.quote(out) .. " && find . -type f | sort")
    assert.are.equal("./a.wav\n./sub/b.flac\n./sub/deeper/c.wav\n", found)
  end)

  it("a second run skips what exists and still reports the corrupt files", function()
    local root, out = dir .. "/again_in", dir .. "/again_out"
    make_tree(root)
    local before = checksums(root)
    apply("--in " .. h.quote(root) .. " --out " .. h.quote(out) .. " --params " .. PARAMS .. " --jobs 1")
    local text, rc = apply("--in " .. h.quote(root) .. " --out " .. h.quote(out) .. " --params " .. PARAMS .. " --jobs 1")
    assert.are.equal(1, rc)
    assert.truthy(text:find("summary: 0 processed, 3 skipped, 4 failed", 1, true), text)
    assert.are.equal(before, checksums(root))
  end)

  it("refuses an output that is the input (same name, a link to it, or the input folder)", function()
    local root = dir .. "/same"
    make_tree(root)
    local before = checksums(root)
    local a = root .. "/a.wav"
    os.execute("ln -s a.wav " .. h.quote(root .. "/link.wav"))
    for _, target in ipairs {a, root .. "/link.wav", root .. "/./a.wav"} do
      local text, rc = apply(h.quote(a) .. " " .. h.quote(target) .. " --params " .. PARAMS .. " --force")
      assert.are_not.equal(0, rc)
      assert.truthy(text:find("OUT must not be IN (inputs are never modified)", 1, true), text)
    end
    local text, rc = apply("--in " .. h.quote(root) .. " --out " .. h.quote(root .. "/") .. " --params " .. PARAMS)
    assert.are_not.equal(0, rc)
    assert.truthy(text:find("--out must not be the input folder", 1, true), text)
    os.remove(root .. "/link.wav")
    assert.are.equal(before, checksums(root))
  end)
end)
