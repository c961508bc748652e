-- Audealize / SocialEQ word curves (audealize_eqdescriptors.json): one entry per word
-- with a 40-band mean curve. Each record: id (entry number), term, key, params (40
-- values, relative units), lang, num (sessions), agreement, x, y. There is no user.
-- An entry that cannot be used is dropped as {entry=, reason=} (JSON has no rows).
local T = require "semeq.tensor"
local core = require "semeq.data.core"
local dataset = require "semeq.data.dataset"
local text = require "semeq.data.text"
local settings = require "semeq.settings"

local M = {}

M.filename = "audealize_eqdescriptors.json"
M.source = "the Audealize API (Seetharaman & Pardo, Interactive Audio Lab, Northwestern University), "
  .. "or the project's shared copy in ../shared/data"

local function number_or_nil(v) return type(v) == "number" and v or nil end

local function parse_entry(e, i)
  if type(e) ~= "table" then return nil, "not an object" end
  if type(e.word) ~= "string" then return nil, "no 'word'" end
  local key = text.key(e.word)
  if key == "" then return nil, "empty word" end
  local s = e.settings
  if type(s) ~= "table" or #s ~= 40 then
    return nil, string.format("'settings' must hold 40 numbers, got %s", type(s) == "table" and #s or type(s))
  end
  for j = 1, 40 do
    if type(s[j]) ~= "number" then return nil, string.format("settings[%d] is not a number", j) end
    -- JSON has no inf: 1e999 overflows to it when decoded, and is no usable curve value
    if s[j] ~= s[j] or math.abs(s[j]) == math.huge then
      return nil, string.format("settings[%d] = %s is not finite", j, tostring(s[j]))
    end
  end
  return {
    id = i, term = e.word, key = key, params = T.new(s),
    lang = type(e.lang) == "string" and e.lang or nil,
    num = number_or_nil(e.num), agreement = number_or_nil(e.agreement),
    x = number_or_nil(e.x), y = number_or_nil(e.y),
  }
end

--- The dataset in path, or nil and a message naming the file.
function M.load(path)
  local doc, err = core.read_json(path)
  if doc == nil then return nil, err end
  -- JSON objects and arrays both decode to tables: an object has keys beyond 1..#doc
  -- (and would otherwise load as an empty dataset).
  local nkeys = 0
  if type(doc) == "table" then for _ in pairs(doc) do nkeys = nkeys + 1 end end
  if type(doc) ~= "table" or nkeys ~= #doc then
    return nil, string.format("%s: expected a JSON array of words", path)
  end
  if #doc == 0 then return nil, string.format("%s: expected a non-empty JSON array of words", path) end
  local records, dropped = {}, {}
  for i, e in ipairs(doc) do
    local rec, why = parse_entry(e, i)
    if rec then records[#records + 1] = rec else dropped[#dropped + 1] = {entry = i, reason = why} end
  end
  local names = {}
  for j, f in ipairs(settings.graphic.centres) do names[j] = string.format("band_%dHz", f) end
  return dataset.new {kind = "audealize", path = path, records = records, dropped = dropped, read = #doc,
                      param_names = names, notes = "one aggregated curve per word; no user ids"}
end

return M
