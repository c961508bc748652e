-- Atomic file writes: the text goes to a temporary file in the same directory, which
-- is then renamed over the target, so a reader never sees half a file.
local M = {}

function M.write(path, text, fn)
  fn = fn or "write"
  local tmp = string.format("%s.tmp%d", path, math.random(1, 1 << 30))
  local f, err = io.open(tmp, "wb")
  if not f then
    -- io.open says "<tmp name>: <reason>"; the reason is what matters to the user
    if err:sub(1, #tmp + 2) == tmp .. ": " then err = err:sub(#tmp + 3) end
    error(string.format("%s: cannot write %s: %s", fn, path, err), 0)
  end
  local ok, werr = f:write(text)
  local cok, cerr = f:close()
  if not ok or not cok then
    os.remove(tmp)
    error(string.format("%s: cannot write %s: %s", fn, path, tostring(werr or cerr)), 0)
  end
  local rok, rerr = os.rename(tmp, path)
  if not rok then
    os.remove(tmp)
    error(string.format("%s: cannot rename %s to %s: %s", fn, tmp, path, tostring(rerr)), 0)
  end
end

return M
