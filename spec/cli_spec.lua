-- semeq.cli: the small flag parser shared by the recipes.
local cli = require "semeq.cli"

local function parser()
  return cli.parser{name = "t.lua", usage = "IN OUT", flags = {
    {"rate", "number", 44100, "sample rate"},
    {"n", "integer", nil, "count"},
    {"force", "boolean", false, "replace"},
    {"name", "string", "x", "a name"},
  }}
end

describe("semeq.cli", function()
  it("parses flags in both forms, booleans alone, defaults, and positionals", function()
    local o, a = parser():parse{"in.wav", "--rate", "48000", "--n=3", "--force", "out.wav", "--", "--rate"}
    assert.are.same({48000, 3, true, "x"}, {o.rate, o.n, o.force, o.name})
    assert.are.same({"in.wav", "out.wav", "--rate"}, a)
    assert.are.equal("integer", math.type(o.n))
    o = parser():parse{}
    assert.are.same({44100, false, "x"}, {o.rate, o.force, o.name})
    assert.is_nil(o.n)
  end)

  it("returns nil and a message for bad input", function()
    assert.are.same({nil, "unknown option --speed"}, {parser():parse{"--speed", "2"}})
    assert.are.same({nil, "--rate needs a value"}, {parser():parse{"--rate"}})
    assert.are.same({nil, "--rate expects a number, got 'fast'"}, {parser():parse{"--rate", "fast"}})
    assert.are.same({nil, "--n expects an integer, got '2.5'"}, {parser():parse{"--n=2.5"}})
    assert.are.same({nil, "--force expects true or false, got 'maybe'"}, {parser():parse{"--force=maybe"}})
  end)

  it("lists every flag with its default in --help", function()
    local p = parser()
    assert.is_true(p:parse{"--help"}.help)
    local h = p:help()
    assert.truthy(h:find("usage: t.lua IN OUT", 1, true))
    assert.truthy(h:find("--rate <number>%s+sample rate %(default: 44100%)"))
    assert.truthy(h:find("--force%s+replace %(default: false%)"))
    assert.truthy(h:find("--help", 1, true))
  end)

  it("splits comma lists into numbers", function()
    assert.are.same({1, -2.5, 300}, cli.numbers("1,-2.5,300"))
    assert.are.same({nil, "--params: 'x' is not a number"}, {cli.numbers("1,x", "--params")})
  end)
end)
