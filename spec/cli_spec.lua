-- semeq.util.cli: the one flag parser of the scripts.
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"

local function parser()
  return cli.parser{name = "t.lua", usage = "IN OUT", flags = {
    {"rate", "number", 44100, "sample rate", min = 1},
    {"n", "integer", nil, "count", min = 0, max = 10},
    {"force", "boolean", false, "replace"},
    {"name", "string", "x", "a name"},
    {"input", "string", "params", "input", choices = {"params", "curve40"}},
    {"widths", "integers", {8, 8}, "widths", min = 1},
    {"params", "numbers", nil, "three numbers", count = 3},
    {"terms", "strings", nil, "words"},
  }}
end

describe("semeq.util.cli", function()
  it("parses flags in both forms, booleans alone, defaults, and positionals", function()
    local o, a = parser():parse{"in.wav", "--rate", "48000", "--n=3", "--force", "out.wav", "--", "--rate"}
    assert.are.same({48000, 3, true, "x"}, {o.rate, o.n, o.force, o.name})
    assert.are.same({"in.wav", "out.wav", "--rate"}, a)
    assert.are.equal("integer", math.type(o.n))
    o = parser():parse{}
    assert.are.same({44100, false, "x", "params", {8, 8}}, {o.rate, o.force, o.name, o.input, o.widths})
    assert.is_nil(o.n)
  end)

  it("parses comma-separated lists into typed items", function()
    local o = parser():parse{"--widths", "256,128", "--params=1,-2.5,300", "--terms", "warm, bright"}
    assert.are.same({256, 128}, o.widths)
    assert.are.equal("integer", math.type(o.widths[1]))
    assert.are.same({1, -2.5, 300}, o.params)
    assert.are.same({"warm", "bright"}, o.terms)
    assert.are.same({1, -2.5}, cli.list("1,-2.5", "number"))
    assert.are.same({nil, "--params: item 2 must be a number, got 'x'"}, {cli.list("1,x", "number", "params")})
    assert.are.same({nil, "--params: empty item in '1,,2'"}, {cli.list("1,,2", "number", "params")})
  end)

  it("returns nil and a message for bad input", function()
    local p = parser()
    assert.are.same({nil, "unknown option --speed"}, {p:parse{"--speed", "2"}})
    assert.are.same({nil, "--rate needs a value"}, {p:parse{"--rate"}})
    assert.are.same({nil, "--rate expects a number, got 'fast'"}, {p:parse{"--rate", "fast"}})
    assert.are.same({nil, "--n expects an integer, got '2.5'"}, {p:parse{"--n=2.5"}})
    assert.are.same({nil, "--force expects true or false, got 'maybe'"}, {p:parse{"--force=maybe"}})
  end)

  it("refuses values outside a flag's declared set and range", function()
    local p = parser()
    assert.are.same({nil, "--input: the value must be one of params, curve40, got 'zzz'"}, {p:parse{"--input", "zzz"}})
    assert.are.same({nil, "--n: the value must be >= 0, got -1"}, {p:parse{"--n", "-1"}})
    assert.are.same({nil, "--n: the value must be <= 10, got 11"}, {p:parse{"--n", "11"}})
    assert.are.same({nil, "--rate: the value must be >= 1, got 0"}, {p:parse{"--rate", "0"}})
    assert.are.same({nil, "--widths: item 2 must be >= 1, got 0"}, {p:parse{"--widths", "4,0"}})
    assert.are.same({nil, "--widths: item 1 must be an integer, got '1.5'"}, {p:parse{"--widths", "1.5"}})
    assert.are.same({nil, "--params needs 3 values, got 2"}, {p:parse{"--params", "1,2"}})
    assert.are.same({nil, "--rate expects a number, got 'nan'"}, {p:parse{"--rate", "nan"}})
  end)

  it("refuses numbers that are not finite, whatever the flag declares", function()
    local p = parser()
    assert.are.same({nil, "--rate: the value must be a finite number, got inf"}, {p:parse{"--rate", "1e999"}})
    assert.are.same({nil, "--params: item 2 must be a finite number, got -inf"}, {p:parse{"--params", "1,-1e400,3"}})
    assert.are.same({nil, "--n expects an integer, got '1e999'"}, {p:parse{"--n", "1e999"}})
    local free = cli.parser{flags = {{"x", "number", 0, "no range"}}}
    assert.are.same({nil, "--x: the value must be a finite number, got inf"}, {free:parse{"--x=1e309"}})
  end)

  it("refuses, when the parser is built, a default its own declaration refuses", function()
    assert.has_error(function() cli.parser{flags = {{"n", "integer", 0, "count", min = 1}}} end,
      "cli.parser: the default of --n is refused: --n: the value must be >= 1, got 0")
    assert.has_error(function() cli.parser{flags = {{"w", "integers", {4, 0}, "widths", min = 1}}} end,
      "cli.parser: the default of --w is refused: --w: item 2 must be >= 1, got 0")
    assert.has_error(function() cli.parser{flags = {{"k", "string", "zzz", "kind", choices = {"a", "b"}}}} end,
      "cli.parser: the default of --k is refused: --k: the value must be one of a, b, got 'zzz'")
  end)

  it("suggests the flag or value that was probably meant", function()
    local p = parser()
    assert.are.same({nil, "unknown option --inptu (did you mean --input?)"}, {p:parse{"--inptu", "x"}})
    assert.are.same({nil, "unknown option --forse (did you mean --force?)"}, {p:parse{"--forse"}})
    assert.are.same({nil, "--input: the value must be one of params, curve40, got 'curve4' (did you mean 'curve40'?)"},
      {p:parse{"--input", "curve4"}})
    assert.are.equal("input", cli.closest("imput", {"input", "name"}))
    assert.is_nil(cli.closest("zzzzzz", {"input", "name"}))
  end)

  it("turns bad input into a usage error for scripts (exit 2 under errors.main)", function()
    local ok, err = pcall(parser().parse_or_exit, parser(), {"--n", "x"})
    assert.is_false(ok)
    assert.is_true(errors.is_failure(err))
    assert.are.same({"usage", "--n expects an integer, got 'x'"}, {err.kind, err.message})
  end)

  it("lists every flag with its accepted values and default in --help", function()
    local p = parser()
    assert.is_true(p:parse{"--help"}.help)
    local h = p:help()
    assert.truthy(h:find("usage: t.lua IN OUT", 1, true))
    assert.truthy(h:find("--rate <number>%s+sample rate %[>= 1%] %(default: 44100%)"))
    assert.truthy(h:find("--n <integer>%s+count %[0..10%]\n"))
    assert.truthy(h:find("--params <numbers>%s+three numbers %[3 values%]\n"))
    assert.truthy(h:find("--force%s+replace %(default: false%)"))
    assert.truthy(h:find("--input <string>%s+input %[params|curve40%] %(default: params%)"))
    assert.truthy(h:find("--widths <integers>%s+widths %[>= 1%] %(default: 8,8%)"))
    assert.truthy(h:find("--debug", 1, true))
    assert.truthy(h:find("--help", 1, true))
  end)

  it("refuses a flag type it does not know when the parser is built", function()
    assert.has_error(function() cli.parser{flags = {{"x", "float", 1, "?"}}} end)
  end)
end)
