--- A small command-line parser shared by the recipes in scripts/.
--
--   local cli = require "semeq.cli"
--   local p = cli.parser{
--     name = "apply.lua", usage = "IN OUT [options]",
--     description = "Equalise sound files.",
--     flags = {
--       {"params", "string", nil, "13 SAFE parameters g,f,g,f,q,..."},
--       {"intensity", "number", 0.7, "how strongly to apply the term"},
--       {"force", "boolean", false, "replace existing outputs"},
--     },
--   }
--   local opts, args = p:parse(arg)      -- nil, message on bad input
--   if not opts then p:die(args) end     -- prints the message and "see --help", exits 2
--   if opts.help then print(p:help()) os.exit(0) end
--   local opts, args = p:parse_or_exit(arg)   -- the three lines above in one
--
-- Flags are `--name value`, `--name=value`, or `--name` alone for booleans. Types:
-- "string", "number", "integer", "boolean". Every flag has a default (nil if none given)
-- in opts. Dashes in names are kept as given ("peak-safe" -> opts["peak-safe"]).
-- "--" ends the flags; everything else is a positional argument, in order, in args.
local M = {}

local Parser = {}
Parser.__index = Parser

function M.parser(spec)
  local p = setmetatable({name = spec.name or "script", usage = spec.usage or "",
                          description = spec.description, flags = {}, by_name = {}}, Parser)
  for _, f in ipairs(spec.flags or {}) do
    local flag = {name = f[1] or f.name, type = f[2] or f.type or "string", default = f[3],
                  help = f[4] or f.help or ""}
    if f.default ~= nil then flag.default = f.default end
    assert(({string = 1, number = 1, integer = 1, boolean = 1})[flag.type],
           "cli.parser: unknown type " .. tostring(flag.type))
    p.flags[#p.flags + 1] = flag
    p.by_name[flag.name] = flag
  end
  return p
end

local function convert(flag, text)
  if flag.type == "string" then return text end
  if flag.type == "boolean" then
    if text == "true" or text == "yes" or text == "1" then return true end
    if text == "false" or text == "no" or text == "0" then return false end
    return nil, ("--%s expects true or false, got '%s'"):format(flag.name, text)
  end
  local n = tonumber(text)
  if not n or (flag.type == "integer" and math.type(n) ~= "integer" and n ~= math.floor(n)) then
    return nil, ("--%s expects %s %s, got '%s'"):format(flag.name,
      flag.type == "integer" and "an" or "a", flag.type, text)
  end
  return flag.type == "integer" and math.tointeger(n) or n
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
      if not flag then return nil, ("unknown option --%s"):format(name) end
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

--- The --help text: usage, description and every flag with its type and default.
function Parser:help()
  local lines = {("usage: %s %s"):format(self.name, self.usage)}
  if self.description then lines[#lines + 1] = self.description end
  lines[#lines + 1] = "options:"
  local width = 4
  for _, f in ipairs(self.flags) do width = math.max(width, #f.name + #f.type + 5) end
  for _, f in ipairs(self.flags) do
    local left = ("--%s %s"):format(f.name, f.type == "boolean" and "" or ("<" .. f.type .. ">"))
    local default = f.default ~= nil and (" (default: %s)"):format(tostring(f.default)) or ""
    lines[#lines + 1] = ("  %-" .. (width + 2) .. "s %s%s"):format(left, f.help, default)
  end
  lines[#lines + 1] = ("  %-" .. (width + 2) .. "s %s"):format("--help", "show this help")
  return table.concat(lines, "\n")
end

--- parse(), for a script: a bad flag exits 2 with the message (die), --help prints the
-- help and exits 0; otherwise returns opts, positional.
function Parser:parse_or_exit(argv)
  local opts, args = self:parse(argv)
  if not opts then self:die(args) end
  if opts.help then
    print(self:help())
    os.exit(0)
  end
  return opts, args
end

--- Prints "name: message" and a hint to stderr and exits with status 2.
function Parser:die(message)
  io.stderr:write(("%s: %s (see --help)\n"):format(self.name, message))
  os.exit(2)
end

--- Splits "a,b,c" into numbers; nil, message if any item is not a number.
function M.numbers(text, what)
  local out = {}
  for item in (text .. ","):gmatch("([^,]*),") do
    local v = tonumber(item)
    if not v then return nil, ("%s: '%s' is not a number"):format(what or "list", item) end
    out[#out + 1] = v
  end
  return out
end

return M
