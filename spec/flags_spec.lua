-- Every flag of every script declares what it accepts (issue 13, "silent wrong
-- configuration"): read from each script's own --help, so a flag added later without a
-- declaration fails here. Numbers and integers show a range or a set; strings show a set
-- unless they are free text by nature (paths, words, dataset names), listed below with
-- who checks them.
local helpers = require "spec.helpers"

-- Free-text string flags and where their value is checked.
local FREE = {
  model = "a model file: semantic.load names it when it cannot be read",
  data = "a dataset name or file: data.prepare names it when it cannot be read",
  json = "an output path: checked writable before the work", svg = "an output path",
  out = "an output path or folder", map = "an output path", checkpoint = "an output path",
  resume = "a checkpoint: checkpoint.restore checks it against the run",
  ["runs-out"] = "internal path", list = "internal path",
  term = "a word: the model lists the words it knows", from = "a word", to = "a word",
  terms = "words: filtering names what is left",
  ["in"] = "an input file or folder",
  shard = "K/N, checked by apply.lua and sweep.lua", worker = "J/M, internal, checked by the script",
  merge = "a folder of a sharded sweep: sweep.load_runs names what is wrong with it",
}
local NUMERIC = {number = true, integer = true, numbers = true, integers = true}

local function scripts()
  local p, list = io.popen("ls scripts/*.lua scripts/bench/*.lua"), {}
  for path in p:lines() do
    -- no flags: report.lua LOG OUT, resave_model.lua IN [OUT]
    if path ~= "scripts/bench/report.lua" and path ~= "scripts/resave_model.lua" then list[#list + 1] = path end
  end
  p:close()
  return list
end

-- {name, type, rest of the line} of every "--name <type>" line of the help.
local function flags_of(help)
  local out = {}
  for line in help:gmatch("[^\n]+") do
    local name, kind, rest = line:match("^%s+%-%-(%S+) <(%a+)>%s+(.*)$")
    if name then out[#out + 1] = {name = name, type = kind, text = rest} end
  end
  return out
end

describe("the flags of every script", function()
  it("declare a range or a set for numbers, and a set for strings that are not free text", function()
    local checked = 0
    for _, script in ipairs(scripts()) do
      local help, rc = helpers.semeq(script .. " --help")
      assert.are.equal(0, rc, script .. ": " .. help)
      local flags = flags_of(help)
      assert.is_true(#flags > 0, script)
      for _, f in ipairs(flags) do
        local declared = f.text:find("%[[^%]]+%]") ~= nil
        local where = script .. " --" .. f.name .. " <" .. f.type .. ">"
        if NUMERIC[f.type] then
          assert.is_true(declared, where .. " declares no range")
        else
          assert.is_true(declared or FREE[f.name] ~= nil, where .. " declares no set and is not free text")
        end
        checked = checked + 1
      end
    end
    assert.is_true(checked > 150, "flags read: " .. checked)
  end)

  -- The instances the issue names, and more of the same class: each refused with one
  -- line and exit 2, before any data is read.
  local rows = {
    {"scripts/train_filtered.lua --input zzz", "--input: the value must be one of params, curve40, seed, got 'zzz'"},
    {"scripts/train_filtered.lua --loss zzz", "--loss: the value must be one of seed, seed_v2, supcon, got 'zzz'"},
    {"scripts/train_semantic.lua --style 40", "--style: the value must be <= 38, got 40"},
    {"scripts/train_filtered.lua --epochs 0", "--epochs: the value must be >= 1, got 0"},
    {"scripts/train_full.lua --epochs -1", "--epochs: the value must be >= 1, got -1"},
    {"scripts/train_vae.lua --loss zzz", "--loss: the value must be one of mae, mse, got 'zzz'"},
    {"scripts/train_vae.lua --hidden 100000000", "--hidden: the value must be <= 65536, got 100000000"},
    {"scripts/train_filtered.lua --widths 64,1e9", "--widths: item 2 must be <= 8192, got 1000000000"},
    {"scripts/train_filtered.lua --lr 1e999", "--lr: the value must be a finite number, got inf"},
    {"scripts/train_filtered.lua --seed -3", "--seed: the value must be >= 0, got -3"},
    {"scripts/vocabulary.lua --min-accuracy 2", "--min-accuracy: the value must be <= 1, got 2"},
    {"scripts/explore.lua --samples 1000000000", "--samples: the value must be <= 100000, got 1000000000"},
    {"scripts/apply.lua a.wav b.wav --amount -1e999", "--amount: the value must be a finite number, got -inf"},
    {"scripts/apply.lua a.wav b.wav --intensity -1", "--intensity: the value must be >= 0, got -1"},
    {"scripts/apply.lua a.wav b.wav --alpha 1.5", "--alpha: the value must be <= 1, got 1.5"},
    {"scripts/apply.lua a.wav b.wav --block 1e9", "--block: the value must be <= 1048576, got 1000000000"},
    {"scripts/apply.lua a.wav b.wav --jobs 100000", "--jobs: the value must be <= 256, got 100000"},
    {"scripts/apply.lua a.wav b.wav --ceiling 3", "--ceiling: the value must be <= 0, got 3"},
    {"scripts/bench/metrics.lua --sizes 10,-5", "--sizes: item 2 must be >= 2, got -5"},
  }
  for _, row in ipairs(rows) do
    it("refuses " .. row[1]:match("%-%-.*$"), function()
      local out, rc = helpers.semeq(row[1])
      local name = row[1]:match("([%w_]+%.lua)")
      assert.are.same({2, name .. ": " .. row[2] .. " (see --help)\n"}, {rc, out})
    end)
  end
end)
