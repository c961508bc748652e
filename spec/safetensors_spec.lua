-- Model files: safetensors round trip, rejection of damaged files, and a PyTorch-side reader.
local T = require "semeq.tensor"
local nn = require "semeq.nn"
local models = require "semeq.models"
local mio = require "semeq.models.io"
local json = require "semeq.util.json"
local H = require "spec.helpers"
local safetensors = require "semeq.safetensors"

local function tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p .. ".safetensors"
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

describe("models.io.save / models.io.load", function()
  local path
  before_each(function() T.manualSeed(31); path = tmpname() end)
  after_each(function() os.remove(path) end)

  it("round-trips a zoo model bitwise, with its metadata", function()
    local m = models.contrastive_ae{input = 13, latent = 4, widths = {16, 8}}
    m:evaluate()
    local x = T.rand(5, 13)
    local want = m:forward(x):clone()
    assert.is_true(mio.save(m, path, {vocabulary = {"warm", "bright"}, note = "hi"}))
    local back, meta = mio.load(path)
    back:evaluate()
    assert.is_true(T.allclose(back:forward(x), want, 0, 0))
    assert.are.equal("hi", meta.note)
    assert.are.same({"warm", "bright"}, json.decode(meta.vocabulary))
    assert.are.same(m.config, json.decode(meta.config))
  end)

  it("uses PyTorch state-dict names and an 8-byte aligned header", function()
    local m = nn.Sequential():add(nn.Linear(3, 2)):add(nn.ReLU()):add(nn.LayerNorm(2))
    mio.save(m, path)
    local s = read(path)
    local n = string.unpack("<I8", s)
    assert.are.equal(0, n % 8)
    local header = json.decode(s:sub(9, 8 + n))
    assert.are.same({2, 3}, header["0.weight"].shape)
    assert.are.equal("F32", header["2.bias"].dtype)
    assert.is_nil(header["1.weight"])
    local tensors = mio.load(path)
    assert.is_true(T.allclose(tensors["0.weight"], m:get(1).weight, 0, 0))
  end)

  it("rejects a truncated file, naming the file and the byte offset", function()
    mio.save(nn.Linear(3, 2), path)
    local s = read(path)
    write(path, s:sub(1, #s - 3))
    local back, err = mio.load(path)
    assert.is_nil(back)
    assert.is_truthy(err:find(path, 1, true))
    assert.is_truthy(err:find("byte %d+: tensor 'bias' data_offsets"))
    write(path, s:sub(1, 4))
    assert.are.same({nil, path .. ": byte 0: file has 4 bytes, less than the 8-byte header length"},
      {mio.load(path)})
  end)

  it("rejects a corrupted header and a wrong shape", function()
    mio.save(nn.Linear(3, 2), path)
    local s = read(path)
    write(path, s:sub(1, 8) .. "x" .. s:sub(10))
    local back, err = mio.load(path)
    assert.is_nil(back)
    assert.is_truthy(err:find(path .. ": byte %d+: header is not valid JSON"))
    write(path, (s:gsub("%[2,3%]", "[3,2]", 1)))
    local tensors = mio.load(path) -- still a valid file: the shape changed, the bytes did not
    assert.are.same({3, 2}, tensors.weight:size())
  end)

  it("returns the raw tensors of a file without a model config", function()
    assert.is_true(safetensors.save(path, {"a", "b"}, {T.ones(2, 2), T.zeros(3)}, {note = "raw"}))
    local tensors, meta = mio.load(path)
    assert.are.same({{1, 1}, {1, 1}}, tensors.a:totable())
    assert.are.same({3}, tensors.b:size())
    assert.are.equal("raw", meta.note)
  end)

  it("names a missing file and an unwritable one", function()
    assert.are.same({nil, "/nonexistent/m.safetensors: cannot open (not a readable file)"},
      {mio.load("/nonexistent/m.safetensors")})
    local ok, err = mio.save(nn.Linear(2, 2), "/nonexistent/m.safetensors")
    assert.is_nil(ok)
    assert.truthy(err:find("/nonexistent/m.safetensors", 1, true), err)
  end)

  it("raises on arguments that are not a model or a path", function()
    assert.has_error(function() mio.save({}, path) end, "models.io.save: expected an nn model (with stateDict), got table")
    assert.has_error(function() mio.save(nn.Linear(2, 2), 5) end, "models.io.save: path must be a string")
    assert.has_error(function() mio.load(5) end, "models.io.load: path must be a string")
  end)

  it("refuses weights that do not fit the model of the config", function()
    local m = models.classifier{latent = 4, classes = 3}
    assert.is_true(mio.save(m, path, {config = {kind = "classifier", latent = 5, classes = 3}}))
    assert.are.same({nil, path .. ": tensor '0.weight' has shape [3x4], the model needs [3x5]"}, {mio.load(path)})
    assert.is_true(mio.save(m, path, {config = {kind = "zzz"}}))
    assert.are.same({nil, path .. ": unknown model kind 'zzz' (known: beta_vae, classifier, contrastive_ae, semantic_axis, word_mixture)"},
      {mio.load(path)})
  end)

  it("writes through a temporary file and leaves no temporary behind", function()
    mio.save(nn.Linear(2, 2), path)
    local dir, base = path:match("^(.*)/([^/]*)$")
    local p = io.popen("ls '" .. dir .. "'")
    local listing = p:read("a")
    p:close()
    assert.is_nil(listing:find(base:gsub("%p", "%%%0") .. "%.", 1))
  end)

  it("can be read by a plain struct + json + numpy reader", function()
    if not H.python_has("numpy") then
      pending("/usr/bin/python3 with numpy is not available")
      return
    end
    local m = models.classifier{latent = 3, classes = 2, hidden = 4}
    mio.save(m, path)
    local script = [[
import json, struct, sys, numpy as np
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
for k in sorted(h):
    if k == "__metadata__": continue
    s, e = h[k]["data_offsets"]
    a = np.frombuffer(b[8 + n + s:8 + n + e], dtype="<f4").reshape(h[k]["shape"])
    print(k, "x".join(map(str, a.shape)), "%.9g" % float(a.astype(np.float64).sum()))
]]
    local sp = tmpname() .. ".py"
    write(sp, script)
    local p = io.popen("/usr/bin/python3 " .. sp .. " " .. path)
    local out = p:read("a")
    p:close()
    os.remove(sp)
    local dict = m:stateDict()
    local names = {}
    for k in pairs(dict) do names[#names + 1] = k end
    table.sort(names)
    local lines = {}
    for _, k in ipairs(names) do
      lines[#lines + 1] = string.format("%s %s %.9g", k, table.concat(dict[k]:size(), "x"), dict[k]:sum())
    end
    -- sums agree to float32 rounding of the summation order
    local got = {}
    for line in out:gmatch("[^\n]+") do got[#got + 1] = line end
    assert.are.equal(#lines, #got)
    for i, line in ipairs(lines) do
      local n1, s1, v1 = line:match("^(%S+) (%S+) (%S+)$")
      local n2, s2, v2 = got[i]:match("^(%S+) (%S+) (%S+)$")
      assert.are.equal(n1, n2)
      assert.are.equal(s1, s2)
      assert.is_true(math.abs(tonumber(v1) - tonumber(v2)) < 1e-5)
    end
  end)

  it("loads into an equivalent PyTorch model with strict state-dict names and the same outputs", function()
    if not H.python_has("numpy, torch") then
      pending("/usr/bin/python3 with numpy and torch is not available")
      return
    end
    T.manualSeed(33)
    local m = models.contrastive_ae{input = 13, latent = 4, widths = {16, 16, 8}, proj = 8}
    m:evaluate()
    local x = T.rand(3, 13)
    local want = m:forward(x):view(-1):totable()
    mio.save(m, path)
    local xpath = tmpname()
    assert.is_true(safetensors.save(xpath, {"x"}, {x}))
    local p = io.popen("/usr/bin/python3 spec/support/torch_ae.py " .. path .. " " .. xpath .. " 2>&1")
    local out = p:read("a")
    p:close()
    os.remove(xpath)
    local got = {}
    for v in out:gmatch("%S+") do got[#got + 1] = tonumber(v) end
    assert.are.equal(#want, #got, out)
    for i = 1, #want do assert.is_true(math.abs(want[i] - got[i]) < 1e-5) end
  end)
end)
