-- SAFE-DB equaliser settings: 25 columns, no header (see ../shared/data/README.md).
-- Each record: id (column 0), term, key, user (anonymised id), params (13 values:
-- low shelf gain/freq, three peaking bands gain/freq/Q, high shelf gain/freq),
-- channels_in/out, genre, instrument, experience, language, hash, line.
local T = require "semeq.tensor"
local core = require "semeq.data.core"
local dataset = require "semeq.data.dataset"
local text = require "semeq.data.text"
local settings = require "semeq.settings"

local M = {}

M.filename = "SAFEEqualiserUserData.csv"
M.source = "the SAFE project (Stables et al., ISMIR 2014; semanticaudio.co.uk), "
  .. "or the project's shared copy in ../shared/data"

M.param_names = settings.safe.names

local NCOLS = 25
local FIRST_PARAM = 6 -- 1-based column of the low-shelf gain (column 5 in the README)

local function empty_nil(s)
  if s == nil then return nil end
  s = s:match("^%s*(.-)%s*$")
  return s ~= "" and s or nil
end

-- The record for one row, or nil and why it cannot be used.
local function parse_row(row, line)
  if #row ~= NCOLS then return nil, string.format("%d fields, expected %d", #row, NCOLS) end
  local values = {}
  for j = 1, #M.param_names do
    local s = row[FIRST_PARAM + j - 1]
    local v = text.number(s)
    if v == nil then
      return nil, string.format("column %d (%s) is not a number: '%s'", FIRST_PARAM + j - 2, M.param_names[j], s)
    end
    values[j] = v
  end
  local key = text.key(row[2])
  if key == "" then return nil, "empty descriptor" end
  return {
    id = math.tointeger(text.number(row[1])) or row[1],
    term = row[2],
    key = key,
    user = empty_nil(row[3]),
    params = T.new(values),
    channels_in = text.number(row[4]),
    channels_out = text.number(row[5]),
    genre = empty_nil(row[19]),
    instrument = empty_nil(row[20]),
    experience = empty_nil(row[22]),
    language = empty_nil(row[24]),
    hash = empty_nil(row[25]),
    line = line,
  }
end

--- The dataset in path, or nil and a message naming the file.
function M.load(path)
  local rows, lines, errors = core.read_csv(path)
  if not rows then return nil, lines end
  -- an empty dataset would only fail later, far from the file (as SocialFX does)
  if #rows == 0 then return nil, string.format("%s: empty file", path) end
  local records, dropped = {}, {}
  for i, row in ipairs(rows) do
    local rec, why
    if errors[i] then
      why = errors[i]
    else
      rec, why = parse_row(row, lines[i])
    end
    if rec then
      records[#records + 1] = rec
    else
      dropped[#dropped + 1] = {line = lines[i], reason = why}
    end
  end
  records = dataset.unique_ids(records, dropped)
  return dataset.new {kind = "safe", path = path, records = records, dropped = dropped, read = #rows,
                      param_names = M.param_names}
end

return M
