-- semeq.recipes (flags and closing steps shared by the training scripts) and
-- semeq.recipes.model (reading a model for the scripts that use one).
local H = require "spec.helpers"
local recipes = require "semeq.recipes"
local rm = require "semeq.recipes.model"
local errors = require "semeq.util.errors"

-- The kind and message of the failure fn raises (semeq.util.errors).
local function failure(fn, ...)
  local ok, e = pcall(fn, ...)
  assert.is_false(ok)
  assert.is_true(errors.is_failure(e), tostring(e))
  return e.kind, e.message
end

describe("semeq.recipes", function()
  it("declares the allowed values of its flags, so the parser refuses the rest", function()
    local flags = recipes.training_flags{}
    local p = require("semeq.util.cli").parser{name = "t", flags = flags}
    assert.are.same({nil, "--input: the value must be one of params, curve40, seed, got 'zzz'"}, {p:parse{"--input", "zzz"}})
    assert.are.same({nil, "--epochs: the value must be >= 1, got 0"}, {p:parse{"--epochs", "0"}})
    assert.are.same({nil, "--test: the value must be <= 0.99, got 1"}, {p:parse{"--test", "1"}})
    assert.are.same({nil, "--latent: the value must be >= 1, got 0"}, {p:parse{"--latent", "0"}})
    assert.are.same({"warm", "bright"}, (p:parse{"--terms", "warm,bright"}).terms)
  end)

  it("checks every output path before any work", function()
    local dir = H.tmpdir()
    recipes.check_outputs({out = dir .. "/m.safetensors", json = dir .. "/r.json"})
    assert.are.same({"fail", "--svg: cannot write /nonexistent/m.svg: No such file or directory (the folder "
      .. "/nonexistent does not exist: create it first)"},
      {failure(recipes.check_outputs, {out = dir .. "/m.safetensors", svg = "/nonexistent/m.svg"})})
    assert.are.equal("", H.run("ls -A " .. H.quote(dir)))  -- the check leaves nothing behind
    os.execute("rm -rf " .. H.quote(dir))
  end)
end)

describe("semeq.recipes.model", function()
  local dir, path, sm
  setup(function()
    dir = H.tmpdir()
    path = dir .. "/tiny.safetensors"
    sm = require("spec.support.tiny_models").train(path, "safe", 2)
  end)
  teardown(function() os.execute("rm -rf " .. H.quote(dir)) end)

  it("loads --model, or says what is wrong with the command line or the file", function()
    assert.are.same(sm.terms, rm.load({model = path}).terms)
    local shipped = require("semeq.util.paths").model()
    local o = {}
    assert.are.same({"bright", "warm"}, rm.load(o).terms, "without --model: the shipped model")
    assert.are.equal(shipped, o.model, "which the options then name")
    local kind, msg = failure(rm.load, {model = dir .. "/none.safetensors"})
    assert.are.same({"fail", dir .. "/none.safetensors: no such file (leave out --model for the shipped model, "
      .. shipped .. ")"}, {kind, msg})
    kind, msg = failure(rm.load, {model = dir})
    assert.are.same({"fail", dir .. ": a folder, not a model file (give a .safetensors file, e.g. " .. shipped .. ")"},
      {kind, msg})
  end)

  it("folds a word as training did, and lists the model's words for an unknown one", function()
    assert.are.equal("warm", rm.term(sm, " Warm "))
    assert.are.same({"usage", "unknown term 'hot'; this model knows: bright, warm"}, {failure(rm.term, sm, "hot")})
  end)

  it("parses the flags it adds to a script's own", function()
    local o = rm.parse{name = "x.lua", argv = {"--model", path, "--seed", "4", "--steps", "3"},
      flags = {{"steps", "integer", 5, "steps", min = 2}}}
    assert.are.same({path, 4, 3}, {o.model, o.seed, o.steps})
    assert.are.same({"usage", "--steps: the value must be >= 2, got 1"},
      {failure(rm.parse, {name = "x.lua", argv = {"--steps", "1"}, flags = {{"steps", "integer", 5, "steps", min = 2}}})})
  end)
end)
