-- semeq.data: loaders on the shared data and on small fixtures written here, filters,
-- splits; semeq.settings.represent: representations of settings.
local T = require "semeq.tensor"
local data = require "semeq.data"
local settings = require "semeq.settings"
local f = data.filters
local sp = data.split
local rep = require "semeq.settings.represent"

local function write(path, text)
  local fh = assert(io.open(path, "wb"))
  fh:write(text)
  fh:close()
end

local function have(kind)
  local ds, err = data.load(kind)
  if not ds then return false, err end
  return true, ds
end

-- A SAFE row with the given id, term, user and 13 parameter strings.
local function safe_row(id, term, user, params)
  return string.format("%s,%s,%s,2,2,%s,,,,,,,h%s", id, term, user, table.concat(params, ","), id)
end

local P0 = {"0", "100", "3", "1000", "1", "0", "2000", "1", "0", "5000", "1", "0", "8000"}

describe("semeq.data loaders", function()
  it("loads the shared SAFE data and accounts for every row", function()
    local ok, ds = have("safe")
    if not ok then return pending(ds) end
    -- count the lines of the file independently of the CSV parser
    local lines = 0
    for l in io.lines(ds.path) do if l:match("%S") then lines = lines + 1 end end
    assert.are.equal(lines, ds.read) -- no field of this file holds a line break
    assert.are.equal(ds.read, ds:size() + #ds.dropped)
    local r = ds.records[1]
    assert.are.equal(13, r.params:numel())
    assert.are.equal(r.term:lower():match("^%s*(.-)%s*$"), r.key)
    assert.is_string(r.user)
    assert.matches("rows read: " .. ds.read .. ", kept: " .. ds:size() .. ", dropped: " .. #ds.dropped, ds:summary())
  end)

  it("loads the 394 Audealize words", function()
    local ok, ds = have("audealize")
    if not ok then return pending(ds) end
    assert.are.equal(394, ds:size())
    assert.are.equal(394, #ds:terms())
    assert.are.equal(40, ds.records[1].params:numel())
  end)

  it("loads 1,595 SocialFX rows and 765 words; >= 10 examples leaves 24 terms / 458 rows", function()
    local ok, ds = have("socialfx")
    if not ok then return pending(ds) end
    assert.are.equal(1595, ds:size())
    assert.are.equal(0, #ds.dropped)
    assert.are.equal(765, #ds:terms())
    local kept = f.min_examples(10)(ds)
    assert.are.equal(24, #kept:terms())
    assert.are.equal(458, kept:size())
    assert.are.same({key = "warm", count = 64}, kept:terms()[1])
    local r = ds.records[1]
    assert.are.equal("hot", r.key)
    assert.are.equal("English", r.lang)
    assert.is_nil(r.user)
  end)

  it("skips malformed SAFE rows, counting them with their line and reason", function()
    local path = os.tmpname()
    local bad = {table.unpack(P0)}
    bad[4] = "abc"
    write(path, "\xEF\xBB\xBF" .. table.concat({
      safe_row(1, '"Warm, Thick"', "user0001", P0),
      safe_row(2, "bright ", "user0002", bad),
      "3,short,row",
      safe_row(4, "x\"y", "user0003", P0),
      "",
      safe_row(5, "  BRIGHT   Air ", "", P0),
      safe_row(1, "again", "user0009", P0),
    }, "\r\n") .. "\r\n")
    local ds = data.load("safe", path)
    os.remove(path)
    assert.are.equal(6, ds.read)
    assert.are.equal(2, ds:size())
    assert.are.equal("Warm, Thick", ds.records[1].term)
    assert.are.equal("warm, thick", ds.records[1].key)
    assert.are.equal("bright air", ds.records[2].key)
    assert.is_nil(ds.records[2].user)
    assert.are.same({
      {line = 2, reason = "column 8 (p1_freq) is not a number: 'abc'"},
      {line = 3, reason = "3 fields, expected 25"},
      {line = 4, reason = "quote inside an unquoted field"},
      {line = 7, reason = "duplicate id 1 (first on line 1)"},
    }, ds.dropped)
    local s = ds:summary()
    assert.matches("rows read: 6, kept: 2, dropped: 4", s, 1, true)
    assert.matches("1 × 3 fields, expected 25 (line 3)", s, 1, true)
  end)

  it("loads the HuggingFace JSON Lines export, ordering bands by their keys", function()
    local path = os.tmpname() .. ".jsonl"
    local keys, vals, rkeys, rvals = {}, {}, {}, {}
    local centres = settings.graphic.centres
    for j = 1, 40 do
      keys[j] = string.format('"RSC_%dHz_band"', centres[j])
      vals[j] = tostring(j / 10)
      rkeys[41 - j], rvals[41 - j] = keys[j], vals[j]
    end
    local function line(id, text, k, v, extra)
      return string.format('{"id": %s, "text": "%s", "param_keys": [%s], "param_values": [%s], "extra": %s}',
        id, text, table.concat(k, ","), table.concat(v, ","), extra)
    end
    write(path, table.concat({
      line(10, "Warm", keys, vals, '{"lang": "English", "audio_id": 8, "ratings_consistency": 0.5}'),
      line(11, "c\\u00e1lido", rkeys, rvals, '"{\\"lang\\": \\"Espa\\u00f1ol\\"}"'),
      '{"id": 12, "text": ',
      line(13, "thin", keys, {"1", "2"}, "null"),
    }, "\n") .. "\n")
    local ds = data.load("socialfx", path)
    os.remove(path)
    assert.are.equal(4, ds.read)
    assert.are.equal(2, ds:size())
    assert.are.same({10, 11}, ds:ids())
    assert.are.equal("warm", ds.records[1].key)
    assert.are.equal("cálido", ds.records[2].key)
    assert.are.equal("Español", ds.records[2].lang)
    assert.are.equal(8, ds.records[1].audio_id)
    -- the reversed keys and values come back in frequency order
    assert.is_true(T.allclose(ds.records[1].params, ds.records[2].params))
    assert.are.equal(3, ds.dropped[1].line)
    assert.matches("^malformed JSON at byte", ds.dropped[1].reason)
    assert.are.same({line = 4, reason = "'param_values' must hold 40 numbers"}, ds.dropped[2])
  end)

  it("names the file and line of a malformed JSON file", function()
    local path = os.tmpname()
    write(path, '[\n {"word": "x",\n  oops}\n]')
    local ds, err = data.load("audealize", path)
    assert.is_nil(ds)
    -- the third line is "  oops}"; cJSON stops within it
    assert.matches("^" .. path:gsub("%p", "%%%0") .. ":3: malformed JSON at byte 2[0-5]$", err)
    os.remove(path)
  end)

  it("rejects a SocialFX file without the documented header", function()
    local path = os.tmpname()
    write(path, "word,lang\nwarm,English\n")
    local ds, err = data.load("socialfx", path)
    assert.is_nil(ds)
    assert.are.equal(path .. ":1: expected the SocialFX header of 43 names starting with 'descriptor', "
      .. "got 2 names starting with 'word'", err)
    os.remove(path)
  end)

  it("searches $SEMEQ_DATA first and names the paths searched when the data is missing", function()
    local pw = io.popen("pwd")
    local cwd = pw:read("l")
    pw:close()
    local bin = os.getenv("SEMEQ_BIN") or "build/semeq"
    if not bin:match("^/") then bin = cwd .. "/" .. bin end
    local ok, ds = have("safe")
    if not ok then return pending(ds) end
    local dir = ds.path:match("^(.*)/[^/]+$")
    if not dir:match("^/") then dir = cwd .. "/" .. dir end
    local code = [[print(require("semeq.data").load("safe").path)]]
    local p = io.popen(string.format("cd / && SEMEQ_DATA=/nonexistent:%s %s -e '%s' 2>&1", dir, bin, code))
    assert.are.equal(dir .. "/SAFEEqualiserUserData.csv\n", p:read("a"))
    p:close()
    -- a semeq whose home has no data beside it (this tree's has: ../shared/data)
    local H = require "spec.helpers"
    local prefix, moved = H.relocated()
    code = [[local ds, e = require("semeq.data").load("safe") print(e)]]
    p = io.popen(string.format("cd / && SEMEQ_DATA=/nonexistent %s -e '%s' 2>&1", moved, code))
    local msg = p:read("a")
    p:close()
    local home = prefix .. "/share/semeq"
    assert.are.equal(("SAFEEqualiserUserData.csv not found; searched /nonexistent, ./data, ../shared/data, %s/data, "
      .. "%s/share/shared/data (set SEMEQ_DATA to its directory). Get it from the SAFE project"):format(home, prefix),
      msg:sub(1, #msg - #(msg:match("Get it from the SAFE project(.*)$"))))
    os.execute("rm -rf " .. H.quote(prefix))
  end)

  it("finds the data beside semeq's home from any working directory", function()
    local ok, ds = have("safe")
    if not ok then return pending(ds) end
    local H = require "spec.helpers"
    local home = require("semeq.util.paths").home()
    local want = home:match("^(.*)/[^/]+$") .. "/shared/data/SAFEEqualiserUserData.csv"
    local shared = io.open(want, "rb")
    if not shared then return pending("no ../shared/data beside " .. home) end
    shared:close()
    local out = H.run("cd / && env -u SEMEQ_DATA " .. H.bin .. [[ -e 'print(require("semeq.data").load("safe").path)']])
    assert.are.equal(want .. "\n", out)
  end)

  it("says where it looked for a missing dataset", function()
    local path, err = data.find("no_such_dataset.csv", "nowhere")
    assert.is_nil(path)
    assert.matches("^no_such_dataset.csv not found; searched .*%./data, %.%./shared/data", err)
    assert.matches("Get it from nowhere$", err)
    assert.are.same({nil, "cannot open safe dataset '/nonexistent/x.csv'"}, {data.load("safe", "/nonexistent/x.csv")})
    assert.has_error(function() data.load("midi") end,
      "data.load: unknown kind 'midi' (expected safe, audealize or socialfx)")
  end)
end)

-- A small in-memory dataset: terms a (6, users u1..u3), b (4, users u4, u5), test (2), c (1).
local function toy()
  local dataset = require "semeq.data.dataset"
  local recs = {}
  local function add(key, user, lang, p1)
    local p = {0, 100, p1, 1000, 1, 0, 2000, 1, 0, 5000, 1, 0, 8000}
    recs[#recs + 1] = {id = #recs + 1, term = key, key = key, user = user, lang = lang, params = T.new(p)}
  end
  for i = 1, 6 do add("a", "u" .. (i % 3 + 1), "English", i) end
  for i = 1, 4 do add("b", "u" .. (i % 2 + 4), "Español", -i) end
  add("test", "u1", "English", 0)
  add("test", "u2", nil, 0)
  add("c", "u6", "english", 1)
  return dataset.new {kind = "toy", records = recs}
end

describe("semeq.data filters", function()
  it("keeps terms with enough examples and drops stop words", function()
    local ds = f.chain(f.stoplist(), f.min_examples(4))(toy())
    assert.are.same({{key = "a", count = 6}, {key = "b", count = 4}}, ds:terms())
    assert.are.equal(2, #ds.history)
    assert.are.equal(2, ds.history[1].removed)
    assert.are.equal(1, ds.history[2].removed)
    assert.matches("filter min_examples%(4%): removed 1", ds:summary())
  end)

  it("filters by language, optionally keeping records without one", function()
    assert.are.equal(8, f.language("en")(toy()):size()) -- 6 a, 1 test, 1 c ("english")
    assert.are.equal(9, f.language("English", true)(toy()):size())
    assert.are.equal(4, f.language({"es"})(toy()):size())
  end)

  it("renames through aliases and stems only into existing terms", function()
    assert.are.equal("bright", f.stem_word("brighter"))
    assert.are.equal("bright", f.stem_word("brightest"))
    assert.are.equal("thin", f.stem_word("thinner"))
    assert.are.equal("heavy", f.stem_word("heavier"))
    assert.are.equal("full", f.stem_word("fuller"))
    local ds = f.aliases({c = "a", b = "brighter"})(toy())
    assert.are.equal(7, ds:terms()[1].count)
    ds = f.stem()(ds)
    assert.are.equal("brighter", ds:terms()[2].key) -- no "bright" term to join
  end)

  it("drops non-finite and out-of-range settings", function()
    local ds = toy()
    ds.records[1].params[3] = 0 / 0
    ds.records[2].params[3] = math.huge
    ds.records[3].params[4] = 50000 -- band 1 above FlowEQ's 3900 Hz
    assert.are.equal(11, f.finite()(ds):size())
    assert.are.equal(10, f.finite("safe")(ds):size())
  end)

  it("refuses things that are not filters", function()
    assert.has_error(function() f.chain(f.stoplist(), 3) end, "filters.chain: argument 2 is a number, not a filter")
    assert.has_error(function() f.min_examples(0) end, "filters.min_examples: n must be a positive integer")
  end)
end)

describe("semeq.data splits", function()
  it("draws seeded permutations and resamples from the interpreter's RNG", function()
    local list = require "semeq.util.list"
    T.manualSeed(42)
    local a = list.permutation(50)
    T.manualSeed(42)
    assert.are.same(a, list.permutation(50))
    T.manualSeed(42)
    assert.are.same(a, T.randperm(50):totable()) -- one permutation: the tensor's
    local sorted = {table.unpack(a)}
    table.sort(sorted)
    for i = 1, 50 do assert.are.equal(i, sorted[i]); assert.are.equal("integer", math.type(a[i])) end
    local s = T.randint(3, 100):totable()
    for _, v in ipairs(s) do assert.is_true(v >= 1 and v <= 3 and v == math.floor(v)) end
    assert.has_error(function() T.randint(0, 1) end)
  end)

  local function set(list)
    local s = {}
    for _, v in ipairs(list) do s[v] = true end
    return s
  end

  it("stratifies by term, covers every record once and is reproducible", function()
    local ds = f.min_examples(2)(toy())
    local s = sp.stratified(ds, {test = 0.25, seed = 5})
    assert.are.equal(ds:size(), #s.train + #s.test)
    local tr, te = sp.apply(ds, s)
    for _, r in ipairs(te.records) do assert.is_nil(set(s.train)[r.id]) end
    local seen = {}
    for _, r in ipairs(tr.records) do seen[r.key] = true end
    for _, r in ipairs(te.records) do assert.is_true(seen[r.key]) end
    assert.are.same(s, sp.stratified(ds, {test = 0.25, seed = 5}))
  end)

  it("keeps users disjoint", function()
    local ds = toy()
    local s = sp.by_user(ds, {test = 0.3, seed = 2})
    local tr, te = sp.apply(ds, s)
    local users = {}
    for _, r in ipairs(tr.records) do users[r.user] = true end
    for _, r in ipairs(te.records) do assert.is_nil(users[r.user]) end
    assert.is_true(te:size() >= 0.3 * ds:size())
    assert.are.equal(ds:size(), tr:size() + te:size())
  end)

  it("keeps a user too large for the test side in training", function()
    local dataset = require "semeq.data.dataset"
    local recs = {}
    local p = T.new{0, 100, 0, 1000, 1, 0, 2000, 1, 0, 5000, 1, 0, 8000}
    for i = 1, 50 do recs[i] = {id = i, key = "a", user = "big", params = p} end
    for i = 51, 100 do recs[i] = {id = i, key = "a", user = "u" .. i, params = p} end
    local ds = dataset.new {kind = "toy", records = recs}
    for seed = 1, 5 do
      local tr, te = sp.apply(ds, sp.by_user(ds, {test = 0.25, seed = seed}))
      assert.are.equal(25, te:size()) -- 25 one-row users, never the 50-row one
      for _, r in ipairs(te.records) do assert.are_not.equal("big", r.user) end
      assert.are.equal(75, tr:size())
    end
  end)

  it("refuses a user split of data without users", function()
    local ds = toy()
    ds.records[3].user = nil
    assert.are.same({nil, "split.by_user: record 3 has no user id (split this dataset by rows)"},
      {sp.by_user(ds, {test = 0.2})})
  end)

  it("makes k folds whose test sets partition the data", function()
    local ds = toy()
    for _, by in ipairs {"term", "user", "row"} do
      local folds = sp.kfold(ds, 3, {seed = 1, by = by})
      local count = {}
      for _, fold in ipairs(folds) do
        assert.are.equal(ds:size(), #fold.train + #fold.test)
        for _, id in ipairs(fold.test) do count[id] = (count[id] or 0) + 1 end
      end
      for _, r in ipairs(ds.records) do assert.are.equal(1, count[r.id]) end
    end
    assert.has_error(function() sp.kfold(ds, 1) end, "split.kfold: k must be an integer in [2, 13], got 1")
  end)

  it("saves and loads a split atomically", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. dir))
    local path = dir .. "/split.json"
    local s = sp.stratified(f.min_examples(2)(toy()), {seed = 9})
    s.train[#s.train + 1] = "id \"quoted\""
    assert.is_true(sp.save(s, path))
    assert.are.same(s, sp.load(path))
    local p = io.popen("ls " .. dir)
    assert.are.equal("split.json\n", p:read("a"))
    p:close()
    os.remove(path)
    os.remove(dir)
    assert.are.same({nil, "/nonexistent/split.json: No such file or directory"},
      {sp.load("/nonexistent/split.json")})
  end)
end)

describe("semeq.data representations", function()
  local flat = T.new {{0, 100, 0, 1000, 1, 0, 2000, 1, 0, 5000, 1, 0, 8000}}

  it("gives 0 dB for a flat setting and the band gain at a band's centre", function()
    assert.is_true(rep.response(flat):abs():max() < 1e-9)
    local p = flat:clone()
    p[1][3] = 6
    local r = rep.response(p, {1000})
    assert.is_true(math.abs(r[1][1] - 6) < 1e-4)
    local shelf = flat:clone()
    shelf[1][1] = -9
    assert.is_true(math.abs(rep.response(shelf, {20})[1][1] + 9) < 0.05)
  end)

  it("agrees with an independent evaluation of the cookbook formulas", function()
    local oracle = require "spec.support.cookbook"
    local p = {6, 80, -4, 300, 0.7, 3, 2000, 2, -6, 6000, 4, 5, 9000}
    local a, grid = rep.response(T.new {p}), settings.grid()
    local designed = oracle.design(oracle.safe(p), 44100)
    for k = 1, grid:numel() do
      assert.is_true(math.abs(a[1][k] - oracle.db_designed(designed, 44100, grid[k])) < 1e-3)
    end
  end)

  it("builds the default 64-point grid and the 40-band curve", function()
    local g = settings.grid()
    assert.are.equal(64, g:numel())
    assert.is_true(math.abs(g[1] - 20) < 1e-4 and math.abs(g[64] - 20000) < 1e-2)
    assert.are.same({1, 40}, rep.curve40(flat):size())
    assert.are.same({1, 64}, rep.response(flat):size())
  end)

  it("sorts the peaking bands by frequency", function()
    local p = T.new {1, 100, 1, 3000, 2, 2, 200, 3, 3, 1000, 4, 5, 9000}
    assert.are.same({1, 100, 2, 200, 3, 3, 1000, 4, 1, 3000, 2, 5, 9000}, rep.sort_bands(p):totable())
  end)

  it("normalises with ranges fitted on training data and inverts exactly", function()
    local ds = toy()
    local P = ds:params()
    local N = rep.fit_normaliser(P, {sort = true})
    local Z = N:transform(P)
    assert.is_true(Z:min() >= -1 and Z:max() <= 1)
    assert.is_true(T.allclose(N:inverse(Z), rep.sort_bands(P), 1e-5, 1e-4))
    local N2 = rep.normaliser_from_state(N:state())
    assert.is_true(T.allclose(N2:transform(P), Z))
    assert.has_error(function() rep.fit_normaliser(T.zeros(2, 5)) end,
      "fit_normaliser: SAFE settings have 13 parameters, row 1 has 5")
  end)

  it("realises Audealize curves in dB", function()
    local d = rep.curve_db(T.new {{-2, 0, 2}}, 2)
    assert.are.same({-10, 0, 10}, d[1]:totable())
  end)

  it("computes the graphic EQ response: flat is 0 dB, one band peaks at its centre", function()
    local g = T.zeros(40)
    assert.are.equal(0, rep.graphic_response(g):abs():max())
    g[12] = 4 -- 628 Hz
    local r = rep.graphic_response(g, {628, 20, 19000})
    assert.is_true(math.abs(r[1] - 4) < 1e-4)
    assert.is_true(math.abs(r[2]) < 0.01 and math.abs(r[3]) < 0.01)
    assert.has_error(function() rep.graphic_response(T.zeros(2, 3)) end,
      "graphic_response: row 1 has 3 gains, expected 40")
  end)
end)

describe("grouped k-fold over users", function()
  -- 1 user with 40 rows, 2 with 20, 10 with 2: the folds can be balanced only so far.
  local function lumpy()
    local dataset = require "semeq.data.dataset"
    local recs = {}
    local function add(user, n)
      for _ = 1, n do
        recs[#recs + 1] = {id = #recs + 1, term = "t", key = #recs % 2 == 0 and "warm" or "bright", user = user,
                           params = T.zeros(13)}
      end
    end
    add("big", 40); add("mid1", 20); add("mid2", 20)
    for u = 1, 10 do add("small" .. u, 2) end
    return dataset.new {kind = "safe", records = recs}
  end

  it("holds out every user exactly once, the largest included, and never one user in two folds", function()
    local ds = lumpy()
    for seed = 1, 3 do
      local folds = assert(sp.kfold(ds, 5, {by = "user", seed = seed}))
      local held = {}
      for k, fold in ipairs(folds) do
        local users = {}
        for _, id in ipairs(fold.test) do users[ds.records[id].user] = true end
        for u in pairs(users) do
          assert.is_nil(held[u], u .. " held out twice")
          held[u] = k
        end
        for _, id in ipairs(fold.train) do assert.is_nil(users[ds.records[id].user]) end
      end
      assert.is_not_nil(held.big)
      local n = 0
      for _ in pairs(held) do n = n + 1 end
      assert.are.equal(13, n)
    end
  end)

  it("balances the folds by rows as far as the users allow", function()
    local sizes = {}
    for _, fold in ipairs(assert(sp.kfold(lumpy(), 4, {by = "user", seed = 1}))) do sizes[#sizes + 1] = #fold.test end
    table.sort(sizes)
    assert.are.same({20, 20, 20, 40}, sizes) -- the 40-row user alone; the rest dealt evenly
  end)

  it("resamples whole users for a confidence interval", function()
    local metrics = require "semeq.metrics"
    local groups, values = {}, {}
    for i = 1, 30 do groups[i] = "u" .. (i % 3); values[i] = i % 3 end
    local function mean(idx)
      local s = 0
      for _, i in ipairs(idx) do s = s + values[i] end
      return s / #idx
    end
    local est, lo, hi = metrics.bootstrap_groups(mean, groups, {reps = 300, seed = 2})
    assert.are.equal(1, est)
    assert.is_true(lo < 0.8 and hi > 1.2) -- three users: the interval is wide, as it should be
    local _, lo2, hi2 = metrics.bootstrap(mean, 30, {reps = 300, seed = 2})
    assert.is_true(hi2 - lo2 < hi - lo)    -- rows as if independent: falsely narrow
  end)
end)
