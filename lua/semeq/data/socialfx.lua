-- SocialFX individual EQ contributions: 40 z-scored band values per row.
--
-- The CSV (socialfx_eq_contributions.csv) has a header of 43 names but rows of 44
-- fields: the first, unnamed field is the word and the header name "descriptor" sits
-- over the language (see the data README). We map by position, not by header name,
-- and check that the header has that documented shape.
--
-- The same data exported from HuggingFace (socialfx-original, eq split) as JSON Lines:
-- one object per line with id, text, param_keys, param_values, extra (an object or a
-- JSON string; its lang/language, audio_id, ratings_consistency fields are kept).
--
-- Records: id, term, key, params (40 values), lang, audio_id, consistency, line. There
-- is no user id in this data: split it by rows (stratified), not by user.
local T = require "semeq.tensor"
local core = require "semeq.data.core"
local dataset = require "semeq.data.dataset"
local text = require "semeq.data.text"
local json = require "semeq.util.json"
local settings = require "semeq.settings"

local M = {}

M.filename = "socialfx_eq_contributions.csv"
M.source = "the SocialFX data (Zheng, Seetharaman & Pardo 2016; HuggingFace dataset socialfx-original, "
  .. "eq split), or the project's shared copy in ../shared/data"

local NBANDS = 40
local NFIELDS = NBANDS + 4
local NOTE = "no user ids in SocialFX: split by rows (stratified)"

local function band_names()
  local names = {}
  for j, f in ipairs(settings.graphic.centres) do names[j] = string.format("RSC_%dHz_band", f) end
  return names
end

local function parse_csv_row(row, line, id)
  if #row ~= NFIELDS then return nil, string.format("%d fields, expected %d", #row, NFIELDS) end
  local key = text.key(row[1])
  if key == "" then return nil, "empty descriptor" end
  local values = {}
  for j = 1, NBANDS do
    local v = text.number(row[4 + j])
    if v == nil then return nil, string.format("band %d is not a number: '%s'", j, row[4 + j]) end
    values[j] = v
  end
  return {
    id = id, term = row[1], key = key, params = T.new(values),
    lang = row[2] ~= "" and row[2] or nil,
    audio_id = text.number(row[3]),
    consistency = text.number(row[4]),
    line = line,
  }
end

local function load_csv(path)
  local rows, lines, errors = core.read_csv(path)
  if not rows then return nil, lines end
  if #rows == 0 then return nil, string.format("%s: empty file", path) end
  local header = rows[1]
  if header[1] ~= "descriptor" or #header ~= NFIELDS - 1 then
    return nil, string.format("%s:%d: expected the SocialFX header of %d names starting with "
      .. "'descriptor', got %d names starting with '%s'", path, lines[1], NFIELDS - 1, #header,
      tostring(header[1]))
  end
  local records, dropped = {}, {}
  for i = 2, #rows do
    local rec, why
    if errors[i] then why = errors[i] else rec, why = parse_csv_row(rows[i], lines[i], i - 1) end
    if rec then records[#records + 1] = rec else dropped[#dropped + 1] = {line = lines[i], reason = why} end
  end
  return dataset.new {kind = "socialfx", path = path, records = records, dropped = dropped,
                      read = #rows - 1, param_names = band_names(), notes = NOTE}
end

-- Frequency in a band key like "RSC_843Hz_band" or "843", for ordering the values.
local function key_frequency(k)
  return tonumber(tostring(k):match("(%d+%.?%d*)%s*[Hh]z")) or tonumber(k)
end

local function parse_hf(v, line)
  if type(v) ~= "table" then return nil, "not a JSON object" end
  if type(v.text) ~= "string" then return nil, "no 'text'" end
  local key = text.key(v.text)
  if key == "" then return nil, "empty text" end
  local keys, vals = v.param_keys, v.param_values
  if type(vals) ~= "table" or #vals ~= NBANDS then
    return nil, string.format("'param_values' must hold %d numbers", NBANDS)
  end
  local order = {}
  for j = 1, NBANDS do order[j] = j end
  if type(keys) == "table" and #keys == NBANDS then
    local freq = {}
    for j = 1, NBANDS do
      freq[j] = key_frequency(keys[j])
      if not freq[j] then return nil, string.format("param_keys[%d] names no frequency: '%s'", j, tostring(keys[j])) end
    end
    table.sort(order, function(a, b) return freq[a] < freq[b] end)
  elseif keys ~= nil then
    return nil, string.format("'param_keys' must hold %d names", NBANDS)
  end
  local values = {}
  for j = 1, NBANDS do
    local x = vals[order[j]]
    if type(x) ~= "number" then return nil, string.format("param_values[%d] is not a number", order[j]) end
    values[j] = x
  end
  local extra = v.extra
  if type(extra) == "string" then extra = json.decode(extra) end
  if type(extra) ~= "table" then extra = {} end
  return {
    id = v.id ~= nil and v.id ~= json.null and v.id or line,
    term = v.text, key = key, params = T.new(values),
    lang = extra.lang or extra.language,
    audio_id = tonumber(extra.audio_id),
    consistency = tonumber(extra.ratings_consistency),
    line = line,
  }
end

local function load_jsonl(path)
  local items, err = core.read_jsonl(path)
  if not items then return nil, err end
  local records, dropped = {}, {}
  for _, it in ipairs(items) do
    local rec, why
    if it.error then why = it.error else rec, why = parse_hf(it.value, it.line) end
    if rec then records[#records + 1] = rec else dropped[#dropped + 1] = {line = it.line, reason = why} end
  end
  records = dataset.unique_ids(records, dropped)
  return dataset.new {kind = "socialfx", path = path, records = records, dropped = dropped,
                      read = #items, param_names = band_names(), notes = NOTE}
end

--- The dataset in path (CSV, or JSON Lines by extension), or nil and a message naming the file.
function M.load(path)
  if type(path) ~= "string" then error("socialfx.load: path must be a string, got " .. type(path), 2) end
  if path:match("%.jsonl$") or path:match("%.ndjson$") then return load_jsonl(path) end
  return load_csv(path)
end

return M
