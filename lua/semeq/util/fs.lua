--- semeq.util.fs: what the scripts need of the file system that Lua's io does not give —
-- real paths, the kind of a file, and the listing of a tree — through the POSIX tools
-- (GNU realpath and find), one process per question, never one per file of a tree; the
-- kind of one path and whether two name one file through stat(2) (semeq.util.fs.core).
--
--   local fs = require "semeq.util.fs"
--   fs.quote("it's")                 --> 'it'\''s'   (for a shell command line)
--   fs.realpath("link/out")          --> "/data/out" (symbolic links resolved; the last
--                                        parts need not exist), or nil, message
--   fs.same_file(a, b)              --> true when both name one existing file (links and
--                                        hard links included)
--   fs.identity(path)                --> "device:inode" of the file, or nil if there is none
--   fs.kind("in.wav")                --> "file" | "directory" | "pipe (FIFO)" | "socket" |
--                                        "character device" | "block device" |
--                                        "broken link" | "link loop" | "missing"
--   local entries, problems = fs.walk("/data/in", {prune = "/data/out"})
--       -- every entry under the root, symbolic links followed: {path=, kind=, id=
--       -- "device:inode"}; folders that cannot be read and anything find reports
--       -- (a link loop) come back as problems {path=, reason=}; entries under a
--       -- folder that is prune (the same folder, reached by any path) are left out
--       -- and the folder is a problem with reason "pruned". nil, message if find fails.
local core = require "semeq.util.fs.core"

local M = {}

function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Runs a command; returns its stdout and its stderr (read from a temporary file).
local function capture(cmd)
  local errf = os.tmpname()
  local p = io.popen(cmd .. " 2>" .. M.quote(errf), "r")
  local out = p:read("a")
  p:close()
  local f = io.open(errf, "rb")
  local err = f and f:read("a") or ""
  if f then f:close() end
  os.remove(errf)
  return out, err
end

function M.realpath(path)
  if type(path) ~= "string" then error("fs.realpath: path must be a string", 2) end
  local out, err = capture("realpath -m -z -- " .. M.quote(path))
  local real = out:match("^([^%z]+)%z$")
  if not real then return nil, ("%s: %s"):format(path, (err:gsub("^realpath: ", ""):gsub("\n.*", ""))) end
  return real
end

function M.same_file(a, b) return core.same_file(a, b) end
function M.identity(path) return core.identity(path) end

-- find's %Y letters (the type after following links) in words.
local KIND = {f = "file", d = "directory", p = "pipe (FIFO)", s = "socket", c = "character device",
              b = "block device", N = "broken link", L = "link loop", l = "broken link"}

function M.kind(path)
  if type(path) ~= "string" then error("fs.kind: path must be a string", 2) end
  return core.kind(path)
end

-- A folder find may not be able to read: reported, pruned, never silently absent.
local UNREADABLE = "\\( -type d \\( ! -readable -o ! -executable \\) -printf 'U%p\\0' -prune \\)"

function M.walk(root, opts)
  if type(root) ~= "string" then error("fs.walk: root must be a string", 2) end
  opts = opts or {}
  local prune = ""
  if opts.prune and M.kind(opts.prune) == "directory" then
    prune = " -o \\( -samefile " .. M.quote(opts.prune) .. " -printf 'P%p\\0' -prune \\)"
  end
  -- "./" keeps a name that starts with "-" from being read as an option of find.
  local start = root:sub(1, 1) == "/" and root or "./" .. root
  local cmd = ("LC_ALL=C find -L %s %s%s -o -printf '%%Y%%D:%%i %%p\\0'"):format(M.quote(start), UNREADABLE, prune)
  local out, err = capture(cmd)
  if out == "" and err ~= "" then return nil, (err:gsub("^find: ", ""):gsub("\n$", "")) end
  local entries, problems = {}, {}
  local strip = start == root and 0 or 2
  for rec in out:gmatch("([^%z]*)%z") do
    local tag = rec:sub(1, 1)
    if tag == "U" or tag == "P" then
      problems[#problems + 1] = {path = rec:sub(2 + strip), reason = tag == "U" and "unreadable" or "pruned"}
    else
      local id, path = rec:match("^.(%d+:%d+) (.*)$")
      entries[#entries + 1] = {path = path:sub(1 + strip), kind = KIND[tag] or "unknown", id = id}
    end
  end
  for line in err:gmatch("[^\n]+") do
    problems[#problems + 1] = {reason = (line:gsub("^find: ", ""))}
  end
  return entries, problems
end

return M
