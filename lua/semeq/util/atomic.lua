--- semeq.util.atomic: files written whole or not at all. The text goes to a temporary
-- file in the same directory, which is then renamed over the target, so a reader never
-- sees half a file and a failure leaves the previous version in place.
--
--   local ok, err = atomic.write("report.json", text)      -- true, or nil, message
--   local ok, err = atomic.check_writable("out/model.safetensors")
local M = {}

local function strip_name(err, name)
  -- io.open says "<name>: <reason>"; the reason is what matters to the user
  if err and err:sub(1, #name + 2) == name .. ": " then return err:sub(#name + 3) end
  return err
end

--- Writes text to path atomically; true, or nil and "cannot write PATH: reason".
function M.write(path, text)
  if type(path) ~= "string" then error("atomic.write: path must be a string", 2) end
  if type(text) ~= "string" then error("atomic.write: text must be a string", 2) end
  local tmp = string.format("%s.tmp%d", path, math.random(1, 1 << 30))
  local f, err = io.open(tmp, "wb")
  if not f then return nil, string.format("cannot write %s: %s", path, strip_name(err, tmp)) end
  local ok, werr = f:write(text)
  local cok, cerr = f:close()
  if not ok or not cok then
    os.remove(tmp)
    return nil, string.format("cannot write %s: %s", path, tostring(werr or cerr))
  end
  local rok, rerr = os.rename(tmp, path)
  if not rok then
    os.remove(tmp)
    return nil, string.format("cannot rename %s to %s: %s", tmp, path, tostring(rerr))
  end
  return true
end

--- Whether path can be written later (its folder exists and takes a new file): true, or
-- nil and why. Checked before long work, so that hours of training are not lost to a typo.
function M.check_writable(path)
  if type(path) ~= "string" then error("atomic.check_writable: path must be a string", 2) end
  local tmp = string.format("%s.tmp%d", path, math.random(1, 1 << 30))
  local f, err = io.open(tmp, "wb")
  if not f then return nil, string.format("cannot write %s: %s", path, strip_name(err, tmp)) end
  f:close()
  os.remove(tmp)
  return true
end

return M
