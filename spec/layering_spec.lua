-- The Lua library's structure: one folder per concept, dependencies that only point
-- down (lua/semeq/README.md), and a registry (semeq.modules) that lists every module.
local H = require "spec.helpers"
local layers = require "spec.support.layers"

local function lines_of(cmd)
  local out = {}
  for line in H.run(cmd):gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

-- Every Lua file of the library, with its text.
local function library_files()
  local files = {}
  for _, name in ipairs(lines_of("find lua/semeq -name '*.lua' | sort")) do
    files[#files + 1] = {name = name, text = H.read(name)}
  end
  return files
end

-- The C modules (their "// module:" lines).
local function c_modules()
  local set = {}
  for _, line in ipairs(lines_of("grep -h '^// module: ' src/lua/*.c")) do set[line:match("semeq[%w_.]*")] = true end
  return set
end

local function module_name(path)
  return (path:gsub("^lua/", ""):gsub("/init%.lua$", ""):gsub("%.lua$", ""):gsub("/", "."))
end

describe("lua/semeq layering", function()
  local order = layers.read_order(H.read("lua/semeq/README.md"))

  it("reads the layer order from the README", function()
    assert.are.same({1, 2, 3, 4, 5, 6, 7}, {order.util, order.nn, order.models, order.train, order.semantic,
      order.eval, order.recipes})
  end)

  it("has no require that points up", function()
    assert.are.same({}, layers.violations(library_files(), order, c_modules()))
  end)

  it("fails on an upward require, and accepts same-folder, downward and C requires", function()
    local c = c_modules()
    local bad = {{name = "lua/semeq/nn/Foo.lua", text = 'local m = require "semeq.models"\n'}}
    local v = layers.violations(bad, order, c)
    assert.are.equal(1, #v)
    assert.truthy(v[1]:find("lua/semeq/nn/Foo.lua (layer 2, nn) requires semeq.models (layer 3, models): it points up", 1, true))
    local good = {{name = "lua/semeq/train/x.lua",
      text = 'require "semeq.train.optim"; require("semeq.nn"); require "semeq.tensor"; require "semeq.util.json"'}}
    assert.are.same({}, layers.violations(good, order, c))
    local stray = {{name = "lua/semeq/misc/x.lua", text = ""}}
    assert.are.same({"lua/semeq/misc/x.lua: folder 'misc' is not in the layer list"}, layers.violations(stray, order, c))
  end)

  it("keeps no file beside the folders but init.lua and the README", function()
    assert.are.same({"lua/semeq/README.md", "lua/semeq/init.lua"},
      lines_of("find lua/semeq -maxdepth 1 -type f | sort"))
  end)
end)

describe("the registry (semeq.modules)", function()
  local listed = {}
  for _, name in ipairs(require("semeq").modules) do listed[name] = true end

  it("lists every module of the tree but the nn layer classes and the C halves", function()
    local missing = {}
    for _, f in ipairs(library_files()) do
      local name = module_name(f.name)
      local nn_class = name:match("^semeq%.nn%.%u")
      if name ~= "semeq" and not nn_class and not listed[name] then missing[#missing + 1] = name end
    end
    for name in pairs(c_modules()) do
      if not name:match("%.core$") and not listed[name] then missing[#missing + 1] = name end
    end
    table.sort(missing)
    assert.are.same({}, missing)
  end)

  it("lists only modules that load", function()
    for name in pairs(listed) do
      local ok, err = pcall(require, name)
      assert.is_true(ok, name .. ": " .. tostring(err))
    end
  end)
end)
