--- semeq.data.split: splits of a dataset into train/test (and k folds), shuffled with the
-- interpreter's RNG (semeq.util.list.permutation; opts.seed calls T.manualSeed first).
--
--   s = split.stratified(ds, {test = 0.2, seed = 1})  -- per term, the same fraction
--   s = split.by_user(ds, {test = 0.2, seed = 1})     -- no user in both train and test
--   folds = split.kfold(ds, 5, {seed = 1, by = "term"|"user"|"row"})
--   train, test = split.apply(ds, s)
--   assert(split.save(s, "split.json")); s = split.load("split.json")   -- or nil, message
--
-- A split is {train = {ids}, test = {ids}, method = ..., seed = ...}.
local T = require "semeq.tensor"
local core = require "semeq.data.core"
local atomic = require "semeq.util.atomic"
local json = require "semeq.util.json"
local list = require "semeq.util.list"

local M = {}

local function seed(opts)
  if opts and opts.seed ~= nil then T.manualSeed(opts.seed) end
end

local function shuffled(items)
  return list.take(items, list.permutation(#items))
end

-- Every split reads ds.records: a nil or a plain table fails here, naming the function.
local function check_dataset(ds, fn)
  if not require("semeq.data.dataset").is_dataset(ds) then
    error(string.format("%s: expected a dataset, got %s", fn, type(ds)), 3)
  end
end

local function check_fraction(f, fn)
  if type(f) ~= "number" or f <= 0 or f >= 1 then
    error(string.format("%s: test fraction must be in (0, 1), got %s", fn, tostring(f)), 3)
  end
end

-- Groups record ids by group_of(record); groups in order of first appearance. A record
-- without a group (a dataset without user ids) gives nil and a message.
local function groups(ds, group_of, fn)
  local by, order = {}, {}
  for _, r in ipairs(ds.records) do
    local g = group_of(r)
    if g == nil then
      return nil, string.format("%s: record %s has no user id (split this dataset by rows)", fn, tostring(r.id))
    end
    if not by[g] then
      by[g] = {}
      order[#order + 1] = g
    end
    local ids = by[g]
    ids[#ids + 1] = r.id
  end
  return by, order
end

-- Within each term, round(test * n) records go to test (at least one when the term
-- has two or more, so every term of the test set is also seen in training).
function M.stratified(ds, opts)
  check_dataset(ds, "split.stratified")
  opts = opts or {}
  local frac = opts.test or 0.2
  check_fraction(frac, "split.stratified")
  seed(opts)
  local by, order = groups(ds, function(r) return r.key end, "split.stratified")
  table.sort(order)
  local train, test = {}, {}
  for _, key in ipairs(order) do
    local ids = shuffled(by[key])
    local ntest = math.floor(frac * #ids + 0.5)
    if ntest == 0 and #ids >= 2 then ntest = 1 end
    if ntest >= #ids then ntest = #ids - 1 end
    for i, id in ipairs(ids) do
      if i <= ntest then test[#test + 1] = id else train[#train + 1] = id end
    end
  end
  return {train = train, test = test, method = "stratified", seed = opts.seed}
end

-- Whole users go to test, in shuffled order, until it holds at least test * n records
-- (nil and a message when the users cannot make such a split).
-- A user whose records would push the test side past `slack` (1.2) times that target is
-- skipped and trains: on SAFE one user wrote 47% of the warm/bright rows, and holding
-- them out would leave the test side twice the size asked for and training half-empty.
function M.by_user(ds, opts)
  check_dataset(ds, "split.by_user")
  opts = opts or {}
  local frac = opts.test or 0.2
  check_fraction(frac, "split.by_user")
  seed(opts)
  local by, order = groups(ds, function(r) return r.user end, "split.by_user")
  if not by then return nil, order end
  if #order < 2 then return nil, "split.by_user: needs at least 2 users, got " .. #order end
  table.sort(order)
  order = shuffled(order)
  local want = frac * ds:size()
  local limit = want * (opts.slack or 1.2)
  local train, test = {}, {}
  for i, u in ipairs(order) do
    -- the last user always trains, so neither side is empty
    local fits = #test + #by[u] <= limit
    local to_test = #test < want and i < #order and fits
    local dst = to_test and test or train
    for _, id in ipairs(by[u]) do dst[#dst + 1] = id end
  end
  if #test == 0 then
    return nil, string.format("split.by_user: no user fits in a test side of %d records (slack %.2f)",
      math.floor(limit), opts.slack or 1.2)
  end
  return {train = train, test = test, method = "by_user", seed = opts.seed}
end

-- k folds; fold i tests on group set i and trains on the rest. by = "term" (stratified:
-- each term's records dealt round-robin after shuffling), "user" (grouped k-fold: whole
-- users, largest first, dealt to the fold with the fewest records) or "row" (plain
-- shuffle). A dataset whose users
-- cannot fill the folds gives nil and a message.
function M.kfold(ds, k, opts)
  check_dataset(ds, "split.kfold")
  opts = opts or {}
  if math.type(k) ~= "integer" or k < 2 or k > ds:size() then
    error(string.format("split.kfold: k must be an integer in [2, %d], got %s", ds:size(), tostring(k)), 2)
  end
  seed(opts)
  local by = opts.by or "term"
  local fold_of = {} -- id -> fold
  local size = {}
  for f = 1, k do size[f] = 0 end
  if by == "user" then
    local groups_by, order = groups(ds, function(r) return r.user end, "split.kfold")
    if not groups_by then return nil, order end
    if #order < k then return nil, string.format("split.kfold: %d users cannot fill %d folds", #order, k) end
    -- Largest users first, each to the fold with the fewest rows so far (ties among
    -- users of one size in a seeded order): the folds are as even as the users allow,
    -- and every user, the largest included, is held out exactly once.
    table.sort(order)
    local rank = {}
    for i, u in ipairs(shuffled(order)) do rank[u] = i end
    table.sort(order, function(a, b)
      if #groups_by[a] ~= #groups_by[b] then return #groups_by[a] > #groups_by[b] end
      return rank[a] < rank[b]
    end)
    for _, u in ipairs(order) do
      local best = 1
      for f = 2, k do if size[f] < size[best] then best = f end end
      for _, id in ipairs(groups_by[u]) do fold_of[id] = best end
      size[best] = size[best] + #groups_by[u]
    end
  elseif by == "term" or by == "row" then
    local groups_by, order = groups(ds, function(r) return by == "term" and r.key or 1 end, "split.kfold")
    table.sort(order, function(a, b) return tostring(a) < tostring(b) end)
    local next_fold = 0
    for _, g in ipairs(order) do
      for _, id in ipairs(shuffled(groups_by[g])) do
        fold_of[id] = next_fold % k + 1
        next_fold = next_fold + 1
      end
    end
  else
    error("split.kfold: by must be 'term', 'user' or 'row', got " .. tostring(by), 2)
  end
  local folds = {}
  for f = 1, k do folds[f] = {train = {}, test = {}, method = "kfold-" .. by, fold = f, seed = opts.seed} end
  for _, r in ipairs(ds.records) do
    for f = 1, k do
      local side = fold_of[r.id] == f and folds[f].test or folds[f].train
      side[#side + 1] = r.id
    end
  end
  return folds
end

-- The train and test datasets of a split (records in the dataset's order).
function M.apply(ds, s)
  check_dataset(ds, "split.apply")
  local side = {}
  for _, id in ipairs(s.train) do side[id] = "train" end
  for _, id in ipairs(s.test) do
    if side[id] then error("split.apply: id " .. tostring(id) .. " is in both train and test", 2) end
    side[id] = "test"
  end
  local train = ds:subset(function(r) return side[r.id] == "train" end, "split train")
  local test = ds:subset(function(r) return side[r.id] == "test" end, "split test")
  return train, test
end

local function check_ids(ids)
  for _, id in ipairs(ids) do
    if math.type(id) ~= "integer" and type(id) ~= "string" then
      error("split.save: ids must be integers or strings, got " .. type(id), 3)
    end
  end
end

--- Writes split s to path (atomically): true, or nil and a message.
function M.save(s, path)
  if type(s) ~= "table" or type(s.train) ~= "table" or type(s.test) ~= "table" then
    error("split.save: expected a split {train =, test =}, got " .. type(s), 2)
  end
  if type(path) ~= "string" then error("split.save: path must be a string, got " .. type(path), 2) end
  check_ids(s.train)
  check_ids(s.test)
  local doc = {format = "semeq.split", version = 1, method = s.method, train = s.train, test = s.test,
               seed = math.type(s.seed) == "integer" and s.seed or nil}
  return atomic.write(path, json.encode(doc) .. "\n")
end

--- The split saved in path, or nil and a message.
function M.load(path)
  local doc, err = core.read_json(path)
  if doc == nil then return nil, err end
  if type(doc) ~= "table" or doc.format ~= "semeq.split" or type(doc.train) ~= "table" or type(doc.test) ~= "table" then
    return nil, "split.load: " .. path .. ": not a semeq split file (needs format, train and test)"
  end
  local side = {}
  for _, name in ipairs {"train", "test"} do
    for i, id in ipairs(doc[name]) do
      if math.type(id) ~= "integer" and type(id) ~= "string" then
        return nil, string.format("split.load: %s: %s[%d] is not a row id (an integer or a string)", path, name, i)
      end
      if side[id] and side[id] ~= name then
        return nil, string.format("split.load: %s: id %s is in both train and test", path, tostring(id))
      end
      side[id] = name
    end
  end
  return {train = doc.train, test = doc.test, method = doc.method, seed = doc.seed}
end

return M
