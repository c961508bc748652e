--- Moves every EQ setting of a SAFE-format file towards a word, keeping what is not the word.
--
--   semeq scripts/edit.lua --model M --data IN.csv --term bright [--amount 1] --out OUT.csv
--
-- Each row's setting is encoded, its word moved `amount` of the way to the term (0: the
-- row as the model reconstructs it; 1: fully the term, at the term's typical intensity;
-- a setting already further into the term stays where it is), decoded, and realised as a
-- setting a person could dial in (inside SAFE's ranges). OUT has the input's format: all
-- 25 columns, rows in input order, the descriptor set to the term and the 13 parameters
-- replaced; every other field is copied. A malformed row is an error naming the file
-- and line (nothing is written). OUT is written atomically; IN is only read.
local T = require "semeq.tensor"
local errors = require "semeq.util.errors"
local atomic = require "semeq.util.atomic"
local rm = require "semeq.recipes.model"
local core = require "semeq.data.core"
local text = require "semeq.data.text"
local settings = require "semeq.settings"

local NAME = "edit.lua"
local FIRST_PARAM = 6 -- 1-based field of the low-shelf gain

-- A CSV field as the SAFE file would hold it: quoted when it has to be.
local function field(s)
  if s:find('[,"\n\r]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- The settings [n x 13] of the rows, or a failure naming file and line.
local function settings_of(path, rows, lines, bad)
  local P = {}
  for i, row in ipairs(rows) do
    if bad[i] then errors.fail(string.format("%s:%d: %s", path, lines[i], bad[i])) end
    if #row ~= 25 then errors.fail(string.format("%s:%d: %d fields, expected 25", path, lines[i], #row)) end
    local p = {}
    for j = 1, 13 do
      p[j] = text.number(row[FIRST_PARAM + j - 1])
      if not p[j] or p[j] ~= p[j] or math.abs(p[j]) == math.huge then
        errors.fail(string.format("%s:%d: %s is not a finite number: '%s'", path, lines[i], settings.safe.names[j],
          row[FIRST_PARAM + j - 1]))
      end
    end
    P[i] = p
  end
  return T.new(P)
end

errors.main(NAME, function()
  local o = rm.parse{name = NAME, usage = "--model FILE --data IN.csv --term WORD [--amount A] --out OUT.csv",
    description = "Move every setting of a SAFE-format file towards a word, keeping what is not the word.",
    flags = {
      {"data", "string", nil, "the settings to edit (SAFE-format CSV)"},
      {"term", "string", nil, "the word to move them towards"},
      {"amount", "number", 1, "how far: 0 (the reconstruction) to 1 (fully the word)", min = 0, max = 1},
      {"out", "string", nil, "where to write the edited settings (SAFE-format CSV)"},
    }}
  for _, flag in ipairs {"data", "term", "out"} do
    if not o[flag] then errors.usage("--" .. flag .. " is required") end
  end
  local sm = rm.load(o)
  if sm.rep.kind == "graphic40" then errors.usage(o.model .. " is a 40-band model; edit.lua edits SAFE settings") end
  local term = rm.term(sm, o.term)
  errors.check(atomic.check_writable(o.out))
  local rows, lines, bad = core.read_csv(o.data)
  if not rows then errors.fail(lines) end
  if #rows == 0 then errors.fail(o.data .. ": no rows") end
  local P = settings_of(o.data, rows, lines, bad)
  local edited = sm:realise(sm:edit(sm.rep:input(P), term, o.amount)):totable()
  local out = {}
  for i, row in ipairs(rows) do
    local f = {}
    for j, v in ipairs(row) do f[j] = v end
    f[2] = term
    for j = 1, 13 do f[FIRST_PARAM + j - 1] = string.format("%.7g", edited[i][j]) end
    for j, v in ipairs(f) do f[j] = field(v) end
    out[i] = table.concat(f, ",")
  end
  errors.check(atomic.write(o.out, table.concat(out, "\n") .. "\n"))
  print(string.format("%d settings moved %.2f of the way to '%s' written to %s", #rows, o.amount, term, o.out))
end)
