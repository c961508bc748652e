-- semeq.settings.format: EQ settings as tables, responses and JSON, and the settings
-- constants every module shares (semeq.settings).
local T = require "semeq.tensor"
local eq = require "semeq.eq"
local settings = require "semeq.settings"
local format = require "semeq.settings.format"

local SAFE = {kind = "safe", params = {6, 100, -3, 400, 0.7, 0, 1000, 1, 2, 3000, 2, -4, 9000}}
local G40 = {kind = "graphic40", gains = {}}
for i = 1, 40 do G40.gains[i] = i <= 10 and 3 or (i > 30 and -2 or 0) end

describe("semeq.settings", function()
  it("holds one SAFE layout and the graphic EQ's centres from semeq.eq", function()
    assert.are.equal(13, #settings.safe.names)
    assert.are.equal(13, eq.nparams("safe"))
    for _, j in ipairs(settings.safe.gain_columns) do assert.are.equal("gain", settings.safe.roles[j]) end
    assert.are.same({22, 1000}, settings.safe.ranges[2])
    assert.are.same(eq.g40_freqs():totable(), settings.graphic.centres)
    assert.are.same({44100, 48000}, {settings.safe.fs, settings.graphic.fs})
    assert.are.equal(64, settings.grid():numel())
    assert.are.equal(settings.grid(), settings.grid())  -- one shared tensor
    assert.are.equal(10, settings.grid(10):numel())
    assert.are.equal(settings.graphic, settings.of("graphic40"))
    assert.has_error(function() settings.of("fir") end, "settings.of: unknown EQ kind 'fir' (safe, graphic40)")
  end)
end)

describe("semeq.settings.format", function()
  it("prints SAFE parameters with units by role and a 40-band summary by region", function()
    local t = format.settings({{label = "warm", eq = SAFE}})
    assert.truthy(t:find("^label%s+ls_gain%s+ls_freq"), t)
    assert.truthy(t:find("warm%s+6%.00%s+100%s+%-3%.00%s+400%s+0%.70"), t)
    local g = format.settings({{label = "dark", eq = G40}})
    assert.truthy(g:find("low%s+low_mid%s+high_mid%s+high%s+max%s+min"), g)
    assert.truthy(g:find("dark%s+3%.00"), g)
    assert.are.equal("", format.settings({}))
  end)

  it("draws responses on the shared grid at each kind's own sample rate", function()
    local r = format.response(SAFE)
    assert.are.same({64}, r:size())
    assert.is_true(T.allclose(r, eq.response("safe", SAFE.params, settings.grid(), {fs = 44100}), 0, 0))
    assert.is_true(T.allclose(format.response(G40), eq.response("graphic40", G40.gains, settings.grid(), {fs = 48000}), 0, 0))
    local text = format.responses({{label = "warm", eq = SAFE}})
    assert.truthy(text:find("dB at Hz", 1, true))
    assert.has_error(function() format.response({kind = "fir"}) end, "format.response: unknown EQ kind 'fir'")
  end)

  it("gives plain JSON-ready tables and plot curves", function()
    local j = format.json(SAFE, {label = "warm"})
    assert.are.same({"safe", 6, 400, "warm"}, {j.kind, j.named.ls_gain, j.named.p1_freq, j.label})
    assert.are.equal(64, #j.response_db)
    local g = format.json(G40)
    assert.is_true(math.abs(g.summary.max - 3) < 1e-9 and math.abs(g.summary.min + 2) < 1e-9)
    local curves = format.curves({{label = "warm", eq = SAFE}})
    -- pictures use the dense grid; the tables and JSON keep the 64-point one
    assert.are.same({"warm", 1024, 1024}, {curves[1].label, curves[1].db:numel(), curves[1].freqs:numel()})
    assert.are.equal(64, format.curves({{label = "given", db = format.response(SAFE)}})[1].db:numel())
    assert.are.equal(64, #format.grid_list())
  end)

  it("prints each setting's largest boost and cut on the dense grid: a narrow peak between columns shows", function()
    -- +14 dB at 62 Hz with Q 10 (issue 12's example): the 8 columns see under 2 dB of it
    local narrow = {kind = "safe", params = {0, 100, 14, 62, 10, 0, 1000, 1, 0, 5000, 1, 0, 10000}}
    local text = format.responses({{label = "narrow", eq = narrow}})
    local header, row = text:match("^([^\n]+)\n([^\n]+)")
    assert.truthy(header:find("max dB@Hz", 1, true), text)
    local peak, at = row:match("%+([%d.]+)@(%d+) ")
    assert.is_true(tonumber(peak) > 13.5 and tonumber(at) >= 60 and tonumber(at) <= 64, row)
    for v in row:gmatch(" (%-?[%d.]+) ") do assert.is_true(tonumber(v) < 2) end
  end)
end)
