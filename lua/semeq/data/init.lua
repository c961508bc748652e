--- semeq.data: loading the datasets, filters and splits.
--
--   local data = require "semeq.data"
--   local ds = assert(data.load("safe"))          -- or "audealize", "socialfx"; path optional
--                                                 -- (nil, message if it cannot be read)
--   print(ds:summary())
--   local f = data.filters
--   ds = f.chain(f.stoplist(), f.min_examples(10))(ds)
--   local s = data.split.by_user(ds, {test = 0.2, seed = 1})
--   local train, test = data.split.apply(ds, s)
--
-- Datasets are found through a search path: $SEMEQ_DATA (colon-separated), then
-- ./data and ../shared/data (relative to the working directory), then data/ and
-- ../shared/data beside semeq's home (the source tree or the install's share/semeq;
-- semeq.util.paths), so a recipe finds them from any working directory.
local M = {}

local loaders = {
  safe = "semeq.data.safe",
  audealize = "semeq.data.audealize",
  socialfx = "semeq.data.socialfx",
}

M.filters = require "semeq.data.filters"
M.split = require "semeq.data.split"
M.is_dataset = require("semeq.data.dataset").is_dataset

-- The directories searched, in order.
function M.search_path() return require("semeq.util.paths").data_dirs() end

local function readable(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- The first directory of the search path that holds filename, or nil and a message
-- naming the directories searched and where to get the data.
function M.find(filename, source)
  if type(filename) ~= "string" then error("data.find: filename must be a string, got " .. type(filename), 2) end
  local dirs = M.search_path()
  for _, d in ipairs(dirs) do
    local p = d .. "/" .. filename
    if readable(p) then return p end
  end
  return nil, string.format("%s not found; searched %s (set SEMEQ_DATA to its directory). Get it from %s",
    filename, table.concat(dirs, ", "), source or "its publisher")
end

--- The dataset of a kind ("safe", "audealize", "socialfx") from path (default: found
-- on the search path); nil and a message naming the file if it cannot be read.
function M.load(kind, path)
  local modname = loaders[kind]
  if not modname then
    error(string.format("data.load: unknown kind '%s' (expected safe, audealize or socialfx)", tostring(kind)), 2)
  end
  local loader = require(modname)
  if path == nil then
    local err
    path, err = M.find(loader.filename, loader.source)
    if not path then return nil, err end
  elseif type(path) ~= "string" then
    error("data.load: path must be a string or nil, got " .. type(path), 2)
  elseif not readable(path) then
    return nil, string.format("cannot open %s dataset '%s'", kind, path)
  end
  return loader.load(path)
end

return M
