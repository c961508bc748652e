--- semeq.util.paths: where semeq's own files are, wherever it runs from.
--
--   local paths = require "semeq.util.paths"
--   paths.home()                 --> "/usr/local/share/semeq" (an install) or the source tree
--   paths.model()                --> the shipped model: HOME/models/safe_warm_bright.safetensors
--   paths.script("apply")        --> HOME/scripts/apply.lua
--   paths.data_dirs()            --> the dataset search path (semeq.data uses it)
--
-- HOME is the folder that holds lua/, scripts/ and models/: the interpreter puts
-- HOME/lua first on package.path (src/main.c finds HOME beside an installed binary, or
-- uses the source tree it was built from), so this file's own location names it. Never
-- the working directory: a recipe run from elsewhere finds the same model and data.
local M = {}

-- This file is HOME/lua/semeq/util/paths.lua.
local SUFFIX = "/lua/semeq/util/paths.lua"

-- The working directory as the system knows it ($PWD may be stale: a parent process
-- may chdir without updating it, as ctest does).
local function cwd()
  local p = io.popen("pwd -P")
  local dir = p and p:read("l")
  if p then p:close() end
  return dir
end

-- path made absolute against the working directory, without "." parts. Only a module
-- path put first by the caller (busted's relative lpath) is relative: the interpreter's
-- own entry on package.path is absolute.
local function absolute(path)
  if path:sub(1, 1) ~= "/" then
    local dir = cwd()
    if not dir then return path end
    path = dir .. "/" .. path
  end
  path = path:gsub("/%./", "/"):gsub("/%./", "/"):gsub("/%.$", "")
  return path
end

local cached

--- The folder that holds semeq's lua/, scripts/ and models/.
function M.home()
  if cached then return cached end
  local source = debug.getinfo(1, "S").source
  local file = source:sub(1, 1) == "@" and source:sub(2) or source
  if file:sub(-#SUFFIX) == SUFFIX then
    local dir = file:sub(1, -#SUFFIX - 1)
    cached = absolute(dir == "" and "/" or dir)
  else
    cached = absolute(".")
  end
  return cached
end

--- path as a person in the working directory would type it: relative when it lies
-- under the working directory (models/x.safetensors from the repository), else as given.
function M.shown(path)
  if type(path) ~= "string" then error("paths.shown: path must be a string, got " .. type(path), 2) end
  for _, dir in ipairs {os.getenv("PWD"), cwd()} do
    if dir and dir ~= "/" and path:sub(1, #dir + 1) == dir .. "/" then return path:sub(#dir + 2) end
  end
  return path
end

--- The model that ships with semeq: what --model means when it is not given.
M.DEFAULT_MODEL = "safe_warm_bright.safetensors"

--- HOME/models/NAME (default: the shipped model).
function M.model(name)
  if name ~= nil and type(name) ~= "string" then error("paths.model: name must be a string, got " .. type(name), 2) end
  return M.home() .. "/models/" .. (name or M.DEFAULT_MODEL)
end

--- HOME/scripts/NAME.lua (NAME may end in .lua).
function M.script(name)
  if type(name) ~= "string" then error("paths.script: name must be a string", 2) end
  if not name:match("%.lua$") then name = name .. ".lua" end
  return M.home() .. "/scripts/" .. name
end

--- The dataset search path, in order: $SEMEQ_DATA (colon-separated), ./data and
-- ../shared/data of the working directory, then HOME/data and HOME/../shared/data, so
-- that a recipe run from another folder (or an installed semeq whose data sits
-- beside its share/semeq) still finds the data.
function M.data_dirs()
  local dirs = {}
  local env = os.getenv("SEMEQ_DATA")
  if env then
    for d in env:gmatch("[^:]+") do dirs[#dirs + 1] = d end
  end
  local home = M.home()
  local parent = home:match("^(.*)/[^/]+$") or ""
  for _, d in ipairs {"./data", "../shared/data", home .. "/data", parent .. "/shared/data"} do
    dirs[#dirs + 1] = d
  end
  return dirs
end

return M
