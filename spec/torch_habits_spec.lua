-- The REPL answers a Torch7 user's first questions: sizes print as sizes, the familiar
-- method names exist, a model prints its layers and its parameter count, and
-- `semeq --help` / `semeq --run` say how to start.
local H = require "spec.helpers"
local T = require "semeq.tensor"
local nn = require "semeq.nn"

-- Runs lines in the REPL (stdin not a terminal: values are printed, no prompt).
local function repl(lines)
  local dir = H.tmpdir()
  H.write(dir .. "/in.lua", table.concat(lines, "\n") .. "\n")
  local out, rc = H.run(H.bin .. " -i < " .. H.quote(dir .. "/in.lua"))
  os.execute("rm -rf " .. H.quote(dir))
  return out, rc
end

describe("tensors answer like Torch7's", function()
  it("size() prints as a size and still works as a list", function()
    local a = T.zeros(3, 4)
    local s = a:size()
    assert.are.equal("3x4", tostring(s))
    assert.are.equal(3, s[1])
    assert.are.equal(2, #s)
    assert.are.equal("3x4", table.concat(s, "x"))
    assert.are.equal("2x5x1", tostring(T.zeros(2, 5, 1):size()))
    assert.are.equal("3x4", tostring(T.zeros(s):size()), "a size makes a tensor of that size")
    assert.is_true(s == T.ones(3, 4):size(), "sizes compare by value")
    assert.is_false(s == T.ones(4, 3):size())
  end)

  it("has nElement, nDimension, dim, type, stride and isSameSizeAs", function()
    local a = T.zeros(3, 4)
    assert.are.equal(12, a:nElement())
    assert.are.equal(a:numel(), a:nElement())
    assert.are.equal(2, a:nDimension())
    assert.are.equal(2, a:dim())
    assert.are.equal("semeq.Tensor", a:type())
    assert.are.equal(a, a:type("torch.FloatTensor"), "asking for the type it has returns the tensor")
    assert.are.equal("4x1", tostring(a:stride()))
    assert.are.equal("1x4", tostring(a:t():stride()))
    assert.are.equal(4, a:stride(1))
    assert.is_true(a:isSameSizeAs(T.ones(3, 4)))
    assert.is_false(a:isSameSizeAs(T.ones(4, 3)))
  end)

  it("refuses another element type instead of ignoring it", function()
    local ok, err = pcall(function() return T.zeros(2):type("torch.DoubleTensor") end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("float32 only", 1, true), err)
  end)

  it("prints sizes and counts in the REPL", function()
    local out, rc = repl{"T = require 'semeq.tensor'", "a = T.rand(3, 4)", "a:size()", "a:nElement()", "a:dim()",
                         "a:type()"}
    assert.are.equal(0, rc)
    assert.are.equal("3x4\n12\n2\nsemeq.Tensor\n", out)
  end)
end)

describe("models print like Torch7's, with their parameter count", function()
  it("a container shows its layers and, at the top, how many parameters it has", function()
    local m = nn.Sequential():add(nn.Linear(4, 8)):add(nn.ReLU()):add(nn.Linear(8, 2))
    local text = tostring(m)
    assert.truthy(text:find("(0): nn.Linear(4 -> 8)", 1, true), text)
    assert.truthy(text:find("(2): nn.Linear(8 -> 2)", 1, true), text)
    assert.are.equal(4 * 8 + 8 + 8 * 2 + 2, m:nparams())
    assert.truthy(text:match("\n58 parameters$"), text)
  end)

  it("a child inside a model prints without a count of its own", function()
    local inner = nn.Sequential():add(nn.Linear(2, 3))
    local outer = nn.Sequential():add(inner):add(nn.Linear(3, 1))
    local text = tostring(outer)
    local _, counts = text:gsub("parameters", "")
    assert.are.equal(1, counts, text)
    assert.truthy(text:match("\n13 parameters$"), text)
  end)

  it("a big model's count has thousands separators", function()
    local m = nn.Sequential():add(nn.Linear(1000, 1000))
    assert.truthy(tostring(m):match("\n1,001,000 parameters$"), tostring(m))
  end)

  it("a semantic model prints what it reads and gives, its terms and its size", function()
    local sm = assert(require("semeq.semantic").load("models/safe_warm_bright.safetensors"))
    local text = tostring(sm)
    assert.truthy(text:find("models/safe_warm_bright.safetensors", 1, true), text)
    for _, term in ipairs(sm.terms) do assert.truthy(text:find(term .. " (", 1, true), text) end
    assert.truthy(text:find(string.format("latent size %d", sm:latent_size()), 1, true), text)
    local count = tostring(sm.model):match("\n([%d,]+) parameters$")
    assert.truthy(count and text:find(count .. " parameters", 1, true), text)
  end)
end)

describe("semeq --help and --run", function()
  it("--help and -h print the options and exit 0", function()
    for _, flag in ipairs {"--help", "-h"} do
      local out, rc = H.semeq(flag)
      assert.are.equal(0, rc, out)
      assert.truthy(out:find("--run NAME", 1, true), out)
      assert.truthy(out:find("-e code", 1, true), out)
      assert.truthy(out:find("--run apply in.wav out.wav --term warm", 1, true), out)
    end
  end)

  it("an unknown option is one line that points to --help, exit 1", function()
    local out, rc = H.semeq("--frobnicate")
    assert.are.equal(1, rc)
    assert.truthy(out:match("^[^\n]*unrecognized option '%-%-frobnicate' %([^\n]*%-%-help[^\n]*%)\n$"), out)
  end)

  it("--run alone lists the recipes with what each does", function()
    local out, rc = H.semeq("--run")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("\n  apply +Equalise one sound file"), out)
    assert.truthy(out:find("\n  train_semantic "), out)
  end)

  it("--run NAME runs scripts/NAME.lua from any folder, with its arguments", function()
    local out, rc = H.run("cd / && " .. H.bin .. " --run apply --help")
    assert.are.equal(0, rc, out)
    assert.truthy(out:match("^usage: apply%.lua"), out)
    out, rc = H.run("cd / && " .. H.bin .. " --run generate.lua --term warm")
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("'warm'", 1, true), out)
  end)

  it("--run with an unknown name says so and lists the recipes, exit 1", function()
    local out, rc = H.semeq("--run aply")
    assert.are.equal(1, rc)
    assert.truthy(out:find("no recipe 'aply'", 1, true), out)
    assert.truthy(out:find("\n  apply ", 1, true), out)
  end)

  it("a recipe name given as a script points to --run", function()
    local out, rc = H.run("cd / && " .. H.bin .. " apply")
    assert.are.equal(1, rc)
    assert.truthy(out:find("cannot open apply", 1, true), out)
    assert.truthy(out:find("--run apply", 1, true), out)
  end)
end)
