-- Shared helpers for specs that run the semeq binary as a separate process.
local M = {}

-- The binary under test: ctest sets SEMEQ_BIN; a manual busted run falls back to build/.
M.bin = os.getenv("SEMEQ_BIN") or "build/semeq"
if M.bin:sub(1, 1) ~= "/" then
  M.bin = os.getenv("PWD") .. "/" .. M.bin
end

function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Runs a shell command line; returns combined stdout+stderr and the exit code.
function M.run(cmdline)
  local p = assert(io.popen(cmdline .. " 2>&1; echo \"__rc=$?\""))
  local out = p:read("a")
  p:close()
  local rc = tonumber(out:match("__rc=(%d+)%s*$"))
  return out:gsub("__rc=%d+%s*$", ""), rc
end

-- Runs semeq with the given argument string.
function M.semeq(args)
  return M.run(M.bin .. " " .. args)
end

-- Runs scripts/<name> with the given argument string; returns stdout, stderr and the
-- exit code apart.
function M.script(name, args)
  local errf = os.tmpname()
  local p = io.popen(("%s scripts/%s %s 2>%s"):format(M.quote(M.bin), name, args, M.quote(errf)))
  local out = p:read("a")
  local _, _, code = p:close()
  local err = M.read(errf) or ""
  os.remove(errf)
  return out, err, code
end

function M.tmpdir()
  local p = assert(io.popen("mktemp -d"))
  local dir = p:read("l")
  p:close()
  return dir
end

-- A semeq in a prefix of its own, as `cmake --install` lays it out: PREFIX/bin/semeq (a
-- copy of the binary under test: semeq finds its home from its own location) and
-- PREFIX/share/semeq/{lua,scripts,models} linked to this tree. Its home has no data
-- beside it. Returns the prefix and the binary; remove the prefix when done.
function M.relocated()
  local prefix = M.tmpdir()
  local p = assert(io.popen("pwd -P"))
  local here = p:read("l")
  p:close()
  local cmd = ("mkdir -p %s/bin %s/share/semeq && cp %s %s/bin/semeq"):format(M.quote(prefix), M.quote(prefix),
    M.quote(M.bin), M.quote(prefix))
  for _, d in ipairs {"lua", "scripts", "models"} do
    cmd = cmd .. (" && ln -s %s %s"):format(M.quote(here .. "/" .. d), M.quote(prefix .. "/share/semeq/" .. d))
  end
  assert(os.execute(cmd), cmd)
  return prefix, prefix .. "/bin/semeq"
end

-- Whether Debian's Python (the peers' and oracles' interpreter) imports these modules,
-- e.g. "sklearn, scipy": specs that compare with it are pending without them.
function M.python_has(modules)
  return os.execute("/usr/bin/python3 -c " .. M.quote("import " .. modules) .. " >/dev/null 2>&1") == true
end

-- a equals b within tol, relative to |b| when |b| > 1.
function M.close(a, b, tol)
  return math.abs(a - b) <= tol * math.max(1, math.abs(b))
end

function M.write(path, content)
  local f = assert(io.open(path, "wb"))
  f:write(content)
  f:close()
end

function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

return M
