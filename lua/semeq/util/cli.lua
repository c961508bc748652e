--- semeq.util.cli: the one command-line parser of the scripts.
--
--   local cli = require "semeq.util.cli"
--   local p = cli.parser{
--     name = "apply.lua", usage = "IN OUT [options]",
--     description = "Equalise sound files.",
--     flags = {
--       {"params", "numbers", nil, "13 SAFE parameters g,f,g,f,q,...", count = 13},
--       {"intensity", "number", 0.7, "how strongly to apply the term", min = 0, max = 1},
--       {"input", "string", "params", "input representation", choices = {"params", "curve40"}},
--       {"force", "boolean", false, "replace existing outputs"},
--     },
--   }
--   local opts, args = p:parse(arg)      -- nil, message on bad input
--   local opts, args = p:parse_or_exit(arg)
--       -- --help prints the help and exits 0; bad input raises a usage error
--       -- (semeq.util.errors: "name: message (see --help)", exit 2)
--
-- Flags are `--name value`, `--name=value`, or `--name` alone for booleans. Types:
-- "string", "number", "integer", "boolean", and the comma-separated lists "strings",
-- "numbers", "integers". A flag may declare what it accepts: `choices` (strings, or the
-- items of a list), `min`/`max` (numbers, or each item of a list), `count` (list length);
-- --help shows them. A number is always finite ("1e999" is refused), and a default that
-- its own declaration refuses is a bug in the script (raised when the parser is built).
-- Every flag has its default (nil if none) in opts; dashes in names are kept
-- ("peak-safe" -> opts["peak-safe"]). "--" ends the flags; everything else is a
-- positional argument, in order, in args. Every parser also takes --debug (tracebacks
-- for bugs, as SEMEQ_DEBUG=1 does).
local errors = require "semeq.util.errors"

local M = {}

local Parser = {}
Parser.__index = Parser

local SCALAR = {string = true, number = true, integer = true, boolean = true}
local ITEM = {strings = "string", numbers = "number", integers = "integer"}

local check_default  -- below, after the value checks it uses

local function check_spec(flag)
  if not (SCALAR[flag.type] or ITEM[flag.type]) then
    error("cli.parser: unknown type " .. tostring(flag.type) .. " for --" .. tostring(flag.name), 3)
  end
end

function M.parser(spec)
  if type(spec) ~= "table" then error("cli.parser: spec must be a table", 2) end
  local p = setmetatable({name = spec.name or "script", usage = spec.usage or "",
                          description = spec.description, flags = {}, by_name = {}}, Parser)
  local all = {}
  for _, f in ipairs(spec.flags or {}) do all[#all + 1] = f end
  all[#all + 1] = {"debug", "boolean", false, "show a traceback when semeq itself fails (as SEMEQ_DEBUG=1)"}
  for _, f in ipairs(all) do
    local flag = {name = f[1] or f.name, type = f[2] or f.type or "string", default = f[3],
                  help = f[4] or f.help or "", choices = f.choices, min = f.min, max = f.max, count = f.count}
    if f.default ~= nil then flag.default = f.default end
    check_spec(flag)
    check_default(flag)
    p.flags[#p.flags + 1] = flag
    p.by_name[flag.name] = flag
  end
  return p
end

-- Edit distance with transpositions (optimal string alignment), for "did you mean":
-- "inptu" is one step from "input".
local function distance(a, b)
  local d = {}
  for i = 0, #a do d[i] = {[0] = i} end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      d[i][j] = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and a:sub(i, i) == b:sub(j - 1, j - 1) and a:sub(i - 1, i - 1) == b:sub(j, j) then
        d[i][j] = math.min(d[i][j], d[i - 2][j - 2] + 1)
      end
    end
  end
  return d[#a][#b]
end

-- The closest of names to word, if it is close enough to be a likely typo.
function M.closest(word, names)
  local best, best_d
  for _, n in ipairs(names) do
    local d = distance(word:lower(), n:lower())
    if n:sub(1, #word) == word and #word >= 3 then d = math.min(d, 1) end
    if not best_d or d < best_d then best, best_d = n, d end
  end
  if best and best_d <= (#word <= 4 and 1 or 2) then return best end
  return nil
end

local function one_of(flag, v, what)
  local list = table.concat(flag.choices, ", ")
  local guess = type(v) == "string" and M.closest(v, flag.choices)
  return ("--%s: %s must be one of %s, got '%s'%s"):format(flag.name, what, list, tostring(v),
    guess and (" (did you mean '%s'?)"):format(guess) or "")
end

-- Checks one value (a scalar, or an item of a list) against choices, min and max.
local function check_value(flag, v, what)
  if flag.choices then
    for _, c in ipairs(flag.choices) do
      if c == v then return v end
    end
    return nil, one_of(flag, v, what)
  end
  if type(v) == "number" then
    if v ~= v then return nil, ("--%s: %s is not a number"):format(flag.name, what) end
    if v == math.huge or v == -math.huge then
      return nil, ("--%s: %s must be a finite number, got %s"):format(flag.name, what, v)
    end
    if flag.min and v < flag.min then return nil, ("--%s: %s must be >= %s, got %s"):format(flag.name, what, flag.min, v) end
    if flag.max and v > flag.max then return nil, ("--%s: %s must be <= %s, got %s"):format(flag.name, what, flag.max, v) end
  end
  return v
end

local ARTICLE = {integer = "an integer", number = "a number", string = "a string"}

-- text as a value of kind; what is "the value" for a flag or "an item" of a list.
local function convert_scalar(flag, kind, text, what)
  if kind == "string" then return text end
  if kind == "boolean" then
    if text == "true" or text == "yes" or text == "1" then return true end
    if text == "false" or text == "no" or text == "0" then return false end
    return nil, ("--%s expects true or false, got '%s'"):format(flag.name, text)
  end
  local n = tonumber(text)
  if not n or (kind == "integer" and math.tointeger(n) == nil) then
    if what == "the value" then return nil, ("--%s expects %s, got '%s'"):format(flag.name, ARTICLE[kind], text) end
    return nil, ("--%s: %s must be %s, got '%s'"):format(flag.name, what, ARTICLE[kind], text)
  end
  return kind == "integer" and math.tointeger(n) or n
end

--- The items of "a,b,c" converted to kind ("string", "number", "integer"); nil, message
-- on an empty item or one that is not of that kind.
function M.list(text, kind, name)
  local flag = {name = name or "list"}
  local out = {}
  for item in (text .. ","):gmatch("([^,]*),") do
    item = item:match("^%s*(.-)%s*$")
    if item == "" then return nil, ("--%s: empty item in '%s'"):format(flag.name, text) end
    local v, err = convert_scalar(flag, kind or "string", item, "item " .. (#out + 1))
    if v == nil then return nil, err end
    out[#out + 1] = v
  end
  return out
end

local function convert(flag, text)
  local kind = ITEM[flag.type]
  if not kind then
    local v, err = convert_scalar(flag, flag.type, text, "the value")
    if v == nil then return nil, err end
    return check_value(flag, v, "the value")
  end
  local items, err = M.list(text, kind, flag.name)
  if not items then return nil, err end
  if flag.count and #items ~= flag.count then
    return nil, ("--%s needs %d values, got %d"):format(flag.name, flag.count, #items)
  end
  for i, v in ipairs(items) do
    local ok, why = check_value(flag, v, "item " .. i)
    if ok == nil then return nil, why end
  end
  return items
end

-- A default its own declaration refuses (a range, a choice) is a bug in the script.
function check_default(flag)
  if flag.default == nil then return end
  local items = type(flag.default) == "table" and flag.default or {flag.default}
  for i, v in ipairs(items) do
    local ok, why = check_value(flag, v, ITEM[flag.type] and ("item " .. i) or "the value")
    if ok == nil then error("cli.parser: the default of --" .. flag.name .. " is refused: " .. why, 3) end
  end
end

local function names_of(flags)
  local out = {}
  for _, f in ipairs(flags) do out[#out + 1] = f.name end
  return out
end

--- Parses a list of strings (e.g. the global arg); returns opts, positional or nil, message.
function Parser:parse(argv)
  local opts, args = {}, {}
  for _, f in ipairs(self.flags) do opts[f.name] = f.default end
  local i, n = 1, #argv
  while i <= n do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, n do args[#args + 1] = argv[j] end
      break
    elseif a == "--help" or a == "-h" then
      opts.help = true
    elseif a:sub(1, 2) == "--" then
      local name, value = a:match("^%-%-([^=]+)=(.*)$")
      name = name or a:sub(3)
      local flag = self.by_name[name]
      if not flag then
        local guess = M.closest(name, names_of(self.flags))
        return nil, ("unknown option --%s%s"):format(name, guess and (" (did you mean --%s?)"):format(guess) or "")
      end
      if value == nil then
        if flag.type == "boolean" then
          value = "true"
        else
          i = i + 1
          value = argv[i]
          if value == nil then return nil, ("--%s needs a value"):format(name) end
        end
      end
      local v, err = convert(flag, value)
      if v == nil then return nil, err end
      opts[name] = v
    else
      args[#args + 1] = a
    end
    i = i + 1
  end
  return opts, args
end

local function show_default(v)
  if type(v) == "table" then return table.concat(v, ",") end
  return tostring(v)
end

-- "[1..10]", "[>= 0]" or "[<= 0]": a flag's declared range, as --help shows it.
-- A list's length comes first: "[13 values]", "[2 values, >= 0]".
local function range_of(f)
  local parts = {}
  if f.count then parts[#parts + 1] = ("%d values"):format(f.count) end
  if f.min and f.max then parts[#parts + 1] = ("%s..%s"):format(f.min, f.max)
  elseif f.min then parts[#parts + 1] = (">= %s"):format(f.min)
  elseif f.max then parts[#parts + 1] = ("<= %s"):format(f.max) end
  return #parts > 0 and (" [" .. table.concat(parts, ", ") .. "]") or ""
end

--- The --help text: usage, description and every flag with its type, accepted values
-- and default.
function Parser:help()
  local lines = {("usage: %s %s"):format(self.name, self.usage)}
  if self.description then lines[#lines + 1] = self.description end
  lines[#lines + 1] = "options:"
  local function left(f)
    return ("--%s %s"):format(f.name, f.type == "boolean" and "" or ("<" .. f.type .. ">"))
  end
  local width = 6
  for _, f in ipairs(self.flags) do width = math.max(width, #left(f)) end
  for _, f in ipairs(self.flags) do
    local accepts = f.choices and (" [" .. table.concat(f.choices, "|") .. "]") or range_of(f)
    local default = f.default ~= nil and (" (default: %s)"):format(show_default(f.default)) or ""
    lines[#lines + 1] = ("  %-" .. width .. "s  %s%s%s"):format(left(f), f.help, accepts, default)
  end
  lines[#lines + 1] = ("  %-" .. width .. "s  %s"):format("--help", "show this help")
  return table.concat(lines, "\n")
end

--- parse() for a script: --help prints the help and exits 0; bad input is a usage
-- error (see semeq.util.errors); otherwise returns opts, positional.
function Parser:parse_or_exit(argv)
  local opts, args = self:parse(argv)
  if not opts then errors.usage(args) end
  if opts.help then
    print(self:help())
    os.exit(0)
  end
  return opts, args
end

--- A usage error about this script's command line (exit 2 under errors.main).
function Parser:die(message) errors.usage(message) end

return M
