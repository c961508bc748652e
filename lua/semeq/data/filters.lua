-- Filters: small functions dataset -> dataset, composed with chain(). Each records
-- in ds.history how many records it removed, so ds:summary() tells the whole story.
--
--   local f = require "semeq.data.filters"
--   local clean = f.chain(f.finite(), f.stoplist(), f.min_examples(10))
--   ds = clean(ds)
local settings = require "semeq.settings"

local M = {}

-- Words that name no sound (the SAFE plug-in's test presets and defaults).
M.default_stoplist = {"test", "default", "none", "nothing", "preset", "untitled", "init", "reset", "asdf", "x"}

-- Applies the filters left to right.
function M.chain(...)
  local fs = {...}
  for i, f in ipairs(fs) do
    if type(f) ~= "function" then error(string.format("filters.chain: argument %d is a %s, not a filter", i, type(f)), 2) end
  end
  return function(ds)
    for _, f in ipairs(fs) do ds = f(ds) end
    return ds
  end
end

-- Keeps the records for which pred(record) is true.
function M.where(pred, name)
  return function(ds) return ds:subset(pred, name or "where") end
end

-- Keeps terms (by key) with at least n examples.
function M.min_examples(n)
  if math.type(n) ~= "integer" or n < 1 then error("filters.min_examples: n must be a positive integer", 2) end
  return function(ds)
    local count = {}
    for _, r in ipairs(ds.records) do count[r.key] = (count[r.key] or 0) + 1 end
    return ds:subset(function(r) return count[r.key] >= n end, string.format("min_examples(%d)", n))
  end
end

-- Drops terms in the stop-list (matched on the normalised key).
function M.stoplist(words)
  words = words or M.default_stoplist
  if type(words) ~= "table" then error("filters.stoplist: words must be a list of strings, got " .. type(words), 2) end
  for i, w in ipairs(words) do
    if type(w) ~= "string" then error(string.format("filters.stoplist: words[%d] is a %s, not a string", i, type(w)), 2) end
  end
  local set = {}
  for _, w in ipairs(words) do set[w:lower()] = true end
  return function(ds)
    return ds:subset(function(r) return not set[r.key] end, "stoplist(" .. table.concat(words, ",") .. ")")
  end
end

-- Spellings of a language as the datasets write it ("English", "english", "Español").
local LANG = {english = "en", en = "en", ["español"] = "es", espanol = "es", spanish = "es", es = "es"}

local function lang_code(s)
  if type(s) ~= "string" then return nil end
  local k = s:lower():match("^%s*(.-)%s*$")
  return LANG[k] or k
end

-- Keeps records whose language (lang or language field) is one of langs ("en",
-- "English", {"en", "es"}); records without a language are dropped unless keep_unknown.
function M.language(langs, keep_unknown)
  if type(langs) == "string" then langs = {langs} end
  if type(langs) ~= "table" then error("filters.language: expected a language or a list of them, got " .. type(langs), 2) end
  local set = {}
  for _, l in ipairs(langs) do set[lang_code(l)] = true end
  return function(ds)
    return ds:subset(function(r)
      local c = lang_code(r.lang or r.language)
      if c == nil then return keep_unknown == true end
      return set[c] == true
    end, "language(" .. table.concat(langs, ",") .. ")")
  end
end

-- Rewrites keys through a table of aliases (e.g. {brighter = "bright"}).
function M.aliases(map)
  return function(ds)
    local out, changed = {}, 0
    for i, r in ipairs(ds.records) do
      local to = map[r.key]
      if to then
        local c = {}
        for k, v in pairs(r) do c[k] = v end
        c.key = to
        out[i] = c
        changed = changed + 1
      else
        out[i] = r
      end
    end
    local ds2 = ds:with_records(out, "aliases")
    ds2.history[#ds2.history].renamed = changed
    return ds2
  end
end

-- A deliberately small English suffix stripper for one-word terms: comparatives and
-- superlatives ("brighter", "brightest" -> "bright", "warmer" -> "warm", "thinner" ->
-- "thin", "heavier" -> "heavy") and "-ness" nouns ("brightness" -> "bright").
function M.stem_word(w)
  if type(w) ~= "string" then error("filters.stem_word: expected a word (a string), got " .. type(w), 2) end
  if w:find(" ") or #w < 5 then return w end
  for _, suffix in ipairs {"ness", "est", "er"} do
    local base = w:match("^(.-)" .. suffix .. "$")
    if base and #base >= 3 then
      if base:match("i$") then return base:sub(1, -2) .. "y" end
      -- "thinner" -> "thinn" -> "thin": undo a doubled final consonant.
      local a, b = base:sub(-2, -2), base:sub(-1)
      if a == b and not a:match("[aeiouls]") then return base:sub(1, -2) end
      return base
    end
  end
  return w
end

-- Merges a term into its stem only when the stem is itself a term of the dataset
-- (so "brighter" joins "bright", but "water" never becomes "wat").
function M.stem()
  return function(ds)
    local present, map = {}, {}
    for _, r in ipairs(ds.records) do present[r.key] = true end
    for _, r in ipairs(ds.records) do
      local s = M.stem_word(r.key)
      if s ~= r.key and present[s] then map[r.key] = s end
    end
    local out = M.aliases(map)(ds)
    out.history[#out.history].step = "stem"
    return out
  end
end

-- Drops records with a non-finite parameter or, given ranges ({lo, hi} per parameter;
-- "safe" for semeq.settings.safe.ranges), a parameter outside its range; a small
-- tolerance absorbs float32 rounding.
function M.finite(ranges)
  if ranges == "safe" then ranges = settings.safe.ranges end
  return function(ds)
    return ds:subset(function(r)
      local v = r.params:totable()
      for j, x in ipairs(v) do
        if x ~= x or x == math.huge or x == -math.huge then return false end
        local rg = ranges and ranges[j]
        if rg then
          local tol = 1e-6 * math.max(1, math.abs(rg[1]), math.abs(rg[2]))
          if x < rg[1] - tol or x > rg[2] + tol then return false end
        end
      end
      return true
    end, ranges and "finite+range" or "finite")
  end
end

return M
