-- Hostile and corrupt model files (issue 13, "Model files"): non-finite weights are refused at
-- load, a config or graph that asks for more than the file holds fails before anything large
-- is allocated, and corrupt metadata gives one line naming the file and the field — on both
-- load paths: the C runtime (semeq.runtime, src/semeq.h) and the Lua side (models.io.load,
-- semantic.load). Each variant is the shipped VAE model (or a small contrastive autoencoder) with one thing broken.
local T = require "semeq.tensor"
local json = require "semeq.util.json"
local mio = require "semeq.models.io"
local safetensors = require "semeq.safetensors"
local runtime = require "semeq.runtime"
local semantic = require "semeq.semantic"
local bench = require "semeq.bench"
local H = require "spec.helpers"

local models = require "semeq.models"

local VAE = "models/safe_vae2d.safetensors"
local VAE_ROWS = #json.decode(select(3, assert(safetensors.load(VAE))).train_codes)  -- its training rows

-- A contrastive autoencoder's file (the kind whose config has widths), saved once.
local function contrastive_file(dir)
  local path = dir .. "/contrastive.safetensors"
  assert(mio.save(models.contrastive_ae {input = 40, latent = 8, widths = {16, 16}}, path))
  return path
end

-- Writes a copy of src with mutate(tensors {name = tensor}, meta) applied.
local function variant(dir, name, src, mutate)
  local tensors, names, meta = assert(safetensors.load(src))
  mutate(tensors, meta)
  local list, known = {}, {}
  for i, n in ipairs(names) do list[i], known[n] = tensors[n], true end
  for n, t in pairs(tensors) do  -- tensors the mutation added
    if not known[n] then names[#names + 1], list[#list + 1] = n, t end
  end
  local path = dir .. "/" .. name .. ".safetensors"
  assert(safetensors.save(path, names, list, meta))
  return path
end

local function edit_json(key, fn)
  return function(_, meta)
    local v = json.decode(meta[key])
    meta[key] = fn(v) or v
    if type(meta[key]) == "table" then meta[key] = json.encode(meta[key]) end
  end
end

local function one_line(msg)
  assert.is_string(msg)
  assert.is_nil(msg:find("\n"), "more than one line: " .. msg)
  assert.is_nil(msg:find("traceback", 1, true), msg)
  assert.is_nil(msg:find("%.lua:%d+:"), "a source position: " .. msg)
end

-- Every way of loading path fails; returns the runtime's and semantic.load's messages.
-- lua_only: a field only the Lua side reads (training rows, config, info): the runtime
-- loads the file, semantic.load refuses it.
local function refused(path, lua_only)
  local rt, rerr = runtime.load(path)
  if lua_only then
    assert.is_truthy(rt, rerr)
  else
    assert.is_nil(rt, "the runtime loaded " .. path)
    one_line(rerr)
  end
  local sm, serr = semantic.load(path)
  assert.is_nil(sm, "semantic.load loaded " .. path)
  one_line(serr)
  return rerr, serr
end

describe("model files", function()
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  describe("with non-finite weights", function()
    for _, case in ipairs {{"nan", 0 / 0, "NaN"}, {"inf", math.huge, "infinity"}, {"-inf", -math.huge, "infinity"}} do
      it("refuses " .. case[1] .. " on every path, naming the tensor and the element", function()
        local path = variant(dir, "w" .. case[1], VAE, function(t) t["decoder.2.weight"][4][7] = case[2] end)
        local want = string.format("%s: tensor 'decoder.2.weight' holds a non-finite value (%s) at element %d", path,
          case[3], 3 * 1024 + 7)
        local rerr, serr = refused(path)
        assert.are.equal(want, rerr)
        assert.are.equal(want, serr)
        assert.are.same({nil, want}, {mio.load(path)})
      end)
    end
  end)

  it("name a tensor with a newline in one line (found by fuzz_model)", function()
    local path = variant(dir, "newline", VAE, function(t) t["bad\nname"] = T.new {0 / 0} end)
    local want = path .. ": tensor 'bad?name' holds a non-finite value (NaN) at element 1"
    assert.are.equal(want, (refused(path)))
    assert.are.same({nil, want}, {mio.load(path)})
  end)

  describe("asking for more than they hold", function()
    it("fails fast on a config with huge widths, without allocating them (issue 13's 1.5 MB file)", function()
      -- unchecked, 6000-wide layers would need about 0.5 GB of parameters and gradients
      local path = variant(dir, "wide", contrastive_file(dir), edit_json("config", function(c) c.widths = {6000, 6000} end))
      local before = bench.children_maxrss()
      local t0 = bench.now()
      local out, code = H.semeq("-e " .. H.quote(string.format(
        "local m, e = require('semeq.models.io').load(%q) io.write(e) os.exit(m and 0 or 1)", path)))
      local seconds = bench.now() - t0
      assert.are.equal(1, code)
      assert.are.equal(string.format("%s: config asks for a layer of 36006000 parameters, more than the file could hold",
        path), out)
      assert.is_true(seconds < 5, seconds .. " s")
      local rss_mb = math.max(before, bench.children_maxrss()) / 1024
      assert.is_true(rss_mb < 400, string.format("peak RSS %.0f MB", rss_mb))
    end)

    it("refuses sizes larger than the file before building anything", function()
      local path = variant(dir, "latent", VAE, edit_json("config", function(c) c.latent = 1e9 end))
      assert.are.same({nil, string.format("%s: __metadata__.config.latent = 1000000000 is larger than the file's 34833 weights",
        path)}, {mio.load(path)})
    end)

    it("checks a graph's widths against the tensors", function()
      local path = variant(dir, "graphwide", VAE, edit_json("graph", function(g)
        g.decode.children[3].input, g.decode.children[3].output = 100000000, 100000000
      end))
      local rerr = refused(path)
      assert.are.equal(path .. ": metadata 'graph': decode.children[2] (Linear): takes 100000000 inputs but receives 1024", rerr)
      path = variant(dir, "narrow", VAE, edit_json("graph", function(g)
        table.insert(g.encode.children, {type = "Narrow", dim = 2, offset = 2, length = 2147483647})
      end))
      assert.are.equal(path .. ": metadata 'graph': encode.children[2] (Narrow): takes columns 2..2147483648 of 2",
        (refused(path)))
    end)
  end)

  describe("with corrupt metadata", function()
    local rows = {
      {"centroid of the wrong length", edit_json("centroids", function(c) c.warm = {1, 2, 3} end),
        "metadata 'centroids': 'warm' has 3 numbers, expected 2"},
      {"null inside a centroid", function(_, m) m.centroids = m.centroids:gsub("%[%-?[%d.e-]+", "[null", 1) end,
        "metadata 'centroids': 'bright' element 1 is null, expected a number"},
      {"centroids of the wrong type", function(_, m) m.centroids = '"warm"' end,
        "metadata 'centroids': is a string, expected an object of term -> code"},
      {"a term missing its centroid", edit_json("centroids", function(c) c.warm = nil end),
        "metadata 'centroids': no entry for term 'warm'"},
      {"null among the terms", function(_, m) m.terms = '["bright", null]' end,
        "metadata 'terms': word 2 is null, expected a non-empty string"},
      {"a term listed twice", function(_, m) m.terms = '["warm", "warm"]' end, "metadata 'terms': 'warm' is listed twice"},
      {"an unknown representation", function(_, m) m.representation = '{"kind": 5}' end,
        "metadata 'representation': 'kind' must be safe13, floweq13, curve40 or graphic40"},
      {"a short normaliser", edit_json("representation", function(r) r.normaliser.lo = {0, 1} end),
        "metadata 'representation': normaliser 'lo' has 2 numbers, expected 13"},
      {"a short column mean", edit_json("representation", function(r) r.column_mean, r.column_std = {0, 1}, {1, 1} end),
        "metadata 'representation': 'column_mean' must be a list of 13 finite numbers", lua_only = true},
      {"graph that is not JSON", function(_, m) m.graph = "{" end, "metadata 'graph': not valid JSON"},
      {"graph of an unknown layer", edit_json("graph", function(g) g.decode.children[2].type = "Swish" end),
        "metadata 'graph': decode.children[1]: unknown node type 'Swish'"},
      {"graph naming a tensor the file lacks", function(_, m) m.graph = m.graph:gsub("mu%.weight", "nu.weight") end,
        "metadata 'graph': encode.children[1] (Linear): weight 'nu.weight' is not a tensor of the file"},
      {"ragged training codes", function(_, m) m.train_codes = "[[1, 2], [3]]" end,
        "metadata 'train_codes': row 2 is not a list of 2 numbers", lua_only = true},
      {"null in the training codes", function(_, m) m.train_codes = m.train_codes:gsub("%[%-?[%d.e-]+", "[null", 1) end,
        "metadata 'train_codes': row 1 value 1 is not a finite number", lua_only = true},
      {"training labels of the wrong count", function(_, m) m.train_labels = '["warm"]' end,
        "metadata 'train_labels': expected one word per row of 'train_codes' (" .. VAE_ROWS .. ")", lua_only = true},
      {"training settings of the wrong count", function(_, m) m.train_params = "[[1, 2]]" end,
        "metadata 'train_params': has 1 rows, 'train_codes' has " .. VAE_ROWS, lua_only = true},
      {"info that is not an object", function(_, m) m.info = "7" end, "metadata 'info': expected an object", lua_only = true},
      {"training users of the wrong count", function(_, m) m.train_users = '["u1"]' end,
        "metadata 'train_users': expected one user id per row of 'train_codes' (" .. VAE_ROWS .. ")", lua_only = true},
      {"a training user that is not an id", edit_json("train_users", function(u) u[2] = true end),
        "metadata 'train_users': expected one user id per row of 'train_codes' (" .. VAE_ROWS .. ")", lua_only = true},
      {"a config that is not an object", function(_, m) m.config = "[1]" end, "__metadata__.config: expected a JSON object", lua_only = true},
      {"a config of the wrong types", edit_json("config", function(c) c.hidden = "wide" end),
        "beta_vae: hidden must be a positive integer", lua_only = true},
    }
    for _, row in ipairs(rows) do
      it(row[1] .. ": one line naming the file and the field", function()
        local path = variant(dir, row[1]:gsub("%W", "_"), VAE, row[2])
        local _, serr = refused(path, row.lua_only)
        assert(serr:find(path, 1, true), serr)
        assert(serr:find(row[3], 1, true), ("expected '%s' in '%s'"):format(row[3], serr))
      end)
    end

    it("and the Lua model classes check their configs too (contrastive_ae)", function()
      local path = variant(dir, "widths", contrastive_file(dir), edit_json("config", function(c) c.widths = {256, "x"} end))
      assert.are.same({nil, string.format("%s: contrastive_ae: widths[2] must be a positive integer", path)},
        {mio.load(path)})
    end)
  end)

  it("loads the unchanged file on every path", function()
    local path = variant(dir, "same", VAE, function() end)
    assert.is_truthy(runtime.load(path))
    assert.are.same(semantic.load(VAE):eq_for("warm"), semantic.load(path):eq_for("warm"))
    assert.are.equal(T.isTensor(semantic.load(path).train_codes), true)
  end)
end)
