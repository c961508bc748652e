--- semeq.util.errors: how a script ends — one clear line and an exit status.
--
-- Library functions follow Lua's own convention: a programming error (a bad argument)
-- raises with the caller's position (`error(msg, 2)`); an environment failure (a missing
-- or corrupt file, a full disk) returns `nil, message`, as io.open does. A script runs
-- its body under errors.main, which turns what reaches it into what a person can act on:
--
--   local errors = require "semeq.util.errors"
--   errors.main("train.lua", function()
--     local sm = errors.check(semantic.load(path))   -- nil, msg -> "train.lua: msg", exit 1
--     if steps < 2 then errors.usage("--steps must be >= 2") end   -- "... (see --help)", exit 2
--     return 0                                        -- the exit status (default 0)
--   end)
--
-- Anything else that is raised inside main is a bug in semeq or in the script: it is
-- reported on one line too, and SEMEQ_DEBUG=1 (or the --debug flag, see util.cli) adds
-- the traceback. Ctrl-C exits 130 with "interrupted" (or the message of errors.interrupted).
local M = {}

-- An expected failure: {kind = "usage" | "fail", message = text}.
local Failure = {}
Failure.__index = Failure
Failure.__tostring = function(f) return f.message end

local function raise(kind, message)
  error(setmetatable({kind = kind, message = tostring(message)}, Failure), 0)
end

--- A failure of the environment or of the data: exit status 1. Does not return.
function M.fail(message) raise("fail", message) end

--- A mistake on the command line: exit status 2, with a pointer to --help. Does not return.
function M.usage(message) raise("usage", message) end

--- Ctrl-C, with what a person should know about the work it stopped: exit status 130,
-- "name: message". Does not return.
function M.interrupted(message) raise("interrupted", message) end

--- True for the error Ctrl-C raises ("interrupted!", from the interpreter's SIGINT hook)
-- and for errors.interrupted: the work must stop, not go on to the next item.
function M.is_interrupt(e)
  if getmetatable(e) == Failure then return e.kind == "interrupted" end
  return type(e) == "string" and e:find("interrupted!", 1, true) ~= nil
end

--- Returns all of `...` when the first value is not nil/false; otherwise fails with the
-- second (the message of a function that returns nil, message).
function M.check(...)
  local ok, message = ...
  if ok == nil or ok == false then M.fail(message or "failed") end
  return ...
end

--- True for the errors raised by fail, usage and check.
function M.is_failure(e) return getmetatable(e) == Failure end

--- True when tracebacks are wanted: SEMEQ_DEBUG set to anything but 0, or --debug among
-- the script's arguments.
function M.debug_wanted()
  local v = os.getenv("SEMEQ_DEBUG")
  if v ~= nil and v ~= "" and v ~= "0" then return true end
  for _, a in ipairs(rawget(_G, "arg") or {}) do
    if a == "--debug" then return true end
  end
  return false
end

local function handler(e)
  if M.is_failure(e) then return e end
  local text = tostring(e)
  if M.is_interrupt(text) then return {kind = "interrupted", message = "interrupted"} end
  return {kind = "bug", message = text, traceback = debug.traceback(text, 2)}
end

local STATUS = {fail = 1, usage = 2, bug = 1, interrupted = 130}

--- Runs fn(...) and exits: with fn's return value (an integer, default 0), or with the
-- status of what it raised after printing "name: message" to stderr.
function M.main(name, fn, ...)
  local ok, result = xpcall(fn, handler, ...)
  io.stdout:flush()
  if ok then os.exit(math.tointeger(result) or 0, true) end
  local line = string.format("%s: %s", name, result.message)
  if result.kind == "usage" then line = line .. " (see --help)" end
  io.stderr:write(line, "\n")
  if result.kind == "bug" then
    if M.debug_wanted() then
      io.stderr:write(result.traceback, "\n")
    else
      io.stderr:write("(this is a bug, not a problem with your input; SEMEQ_DEBUG=1 shows where it happened)\n")
    end
  end
  os.exit(STATUS[result.kind], true)
end

return M
