--- semeq.process.batch: a folder tree (or one file) equalised into an output folder
-- that mirrors it — the plan, the guarantees, and the work shared by worker processes.
--
--   local batch = require "semeq.process.batch"
--   local roots = assert(batch.roots("in", "out"))  -- real paths; --in may be one file
--   local why = batch.overlap(roots)        -- a message when one tree holds the other
--   local plan, err = batch.plan(roots, {shard = {1, 1}})
--   batch.clean(plan)                       -- the writer's temporary files a killed run left
--   batch.make_folders(plan)
--   local counts = batch.run(plan, {jobs = 2, process = fn, command = fn, report = fn})
--
-- What the plan guarantees, before any work:
-- * The trees do not overlap: the output folder is not inside the input folder nor the
--   input inside the output, compared after resolving symbolic links (batch.overlap);
--   no folder or file of the input tree is a folder or file of the output tree, however
--   it is reached (a link, a hard link): plan() returns nil and a message.
-- * No two inputs map to one output (song.wav and song.ogg both give song.wav): plan()
--   returns nil and a message naming them; nothing is processed.
-- * Everything is listed once, in the parent; workers get the list (never their own).
--   Links to files and folders are followed; a folder that cannot be read, a link that
--   leads nowhere or in a loop, and a sound file that is not a regular file (a FIFO, a
--   device) are problems, reported as failed, never silently absent.
-- * Outputs of this plan whose writer was killed left "<output>.tmpXXXXXX" (the writer's
--   own pattern: six letters or digits); plan.stale lists them and clean() removes
--   them. Nothing else is touched.
local fs = require "semeq.util.fs"
local errors = require "semeq.util.errors"

local M = {}

--- Extensions (lower case) read as sound files, and those written as they are (semeq.process's).
M.AUDIO_EXT = {wav = true, flac = true, aif = true, aiff = true, ogg = true, oga = true, au = true,
               caf = true, w64 = true, mp3 = true, opus = true, snd = true, rf64 = true}
M.WRITABLE_EXT = require("semeq.process").WRITABLE_EXT

-- The writer's temporary name: the output's name, ".tmp" and mkstemp's six characters.
local TEMP_SUFFIX = "%.tmp" .. ("[%w]"):rep(6) .. "$"

local function is_audio(rel)
  local ext = rel:match("%.([^./]+)$")
  return ext ~= nil and M.AUDIO_EXT[ext:lower()] == true
end

--- The output's path relative to the output folder: the same name when the format can
-- be written, else the name with ".wav".
function M.output_name(rel)
  local stem, ext = rel:match("^(.*)%.([^./]+)$")
  if ext and M.WRITABLE_EXT[ext:lower()] then return rel end
  return (stem or rel) .. ".wav"
end

--- A name as a person reads it on one line: tabs, newlines and other control
-- characters escaped (\t, \n, \ddd).
function M.show(name)
  return (name:gsub("[%c\\]", function(c)
    if c == "\t" then return "\\t" elseif c == "\n" then return "\\n" elseif c == "\\" then return "\\\\" end
    return ("\\%03d"):format(c:byte())
  end))
end

--- The real paths of the input (a folder, or one file) and of the output folder:
-- {input=, output=, single=} (single: the input is one file, its folder is the root);
-- nil and a message when the input is missing or neither a folder nor a file, or the
-- output exists and is not a folder.
function M.roots(input, output)
  if type(input) ~= "string" or type(output) ~= "string" then error("batch.roots: paths must be strings", 2) end
  local kind = fs.kind(input)
  if kind ~= "directory" and kind ~= "file" then
    if kind == "missing" then return nil, ("%s: no such file or folder"):format(input) end
    return nil, ("%s: a %s, not a folder or a file (a stream cannot be read twice; save it to a file first)")
      :format(input, kind)
  end
  local out_kind = fs.kind(output)
  if out_kind ~= "directory" and out_kind ~= "missing" then
    return nil, ("--out %s: a %s, not a folder"):format(output, out_kind)
  end
  local real_in, err = fs.realpath(input)
  if not real_in then return nil, err end
  local real_out, oerr = fs.realpath(output)
  if not real_out then return nil, oerr end
  return {input = real_in, output = real_out, single = kind == "file", given = {input, output}}
end

local function inside(path, folder)
  return folder == "/" or path:sub(1, #folder + 1) == folder .. "/"
end

--- A message when the trees overlap (after resolving links), or nil.
function M.overlap(roots)
  local i, o = roots.input, roots.output
  local in_dir = roots.single and i:match("^(.*)/[^/]*$") or i
  if in_dir == "" then in_dir = "/" end
  if i == o or in_dir == o then
    return "--out must not be the input folder (inputs are never modified)"
  end
  if roots.single then return nil end
  if inside(o, i) then
    return ("--out %s is inside --in %s (%s is under %s): outputs would become inputs")
      :format(roots.given[2], roots.given[1], o, i)
  end
  if inside(i, o) then
    return ("--in %s is inside --out %s (%s is under %s): outputs could replace inputs")
      :format(roots.given[1], roots.given[2], i, o)
  end
  return nil
end

-- The entries of the output folder: ids of its folders and files, and its files by path.
local function output_tree(out_root)
  local ids, files = {}, {}
  if fs.kind(out_root) ~= "directory" then return ids, files end
  local entries = fs.walk(out_root) or {}
  for _, e in ipairs(entries) do
    ids[e.id] = e.path
    if e.kind == "file" then files[#files + 1] = e.path end
  end
  return ids, files
end

-- Sorted sound-file entries of the input, the problems of the listing, the root, every
-- entry, and the names of the other files (not sound files by their extension).
local function input_entries(roots)
  local entries, problems = fs.walk(roots.input, {prune = roots.output})
  if not entries then return nil, problems end
  local base = roots.single and roots.input:match("^(.*)/[^/]*$") or roots.input
  local list, others = {}, {}
  for _, e in ipairs(entries) do
    e.rel = e.path:sub(#base + 2)
    if e.kind ~= "directory" then
      if is_audio(e.rel) then list[#list + 1] = e else others[#others + 1] = e.rel end
    end
  end
  table.sort(list, function(a, b) return a.rel < b.rel end)
  table.sort(others)
  return list, problems, base, entries, others
end

--- "3 files (.txt 2, .jpg 1)": the files a plan left alone because their extension is
-- not a sound file's (plan.ignored), counted by extension; nil when there are none.
function M.ignored_summary(names)
  if #names == 0 then return nil end
  local count, order = {}, {}
  for _, rel in ipairs(names) do
    local ext = rel:match("%.([^./]+)$")
    ext = ext and ("." .. ext:lower()) or "no extension"
    if not count[ext] then order[#order + 1] = ext end
    count[ext] = (count[ext] or 0) + 1
  end
  table.sort(order, function(a, b) if count[a] ~= count[b] then return count[a] > count[b] end return a < b end)
  local parts = {}
  for i, ext in ipairs(order) do
    if i > 6 then parts[#parts + 1] = "..." break end
    parts[#parts + 1] = ("%s %d"):format(ext, count[ext])
  end
  return ("%d file%s (%s)"):format(#names, #names == 1 and "" or "s", table.concat(parts, ", "))
end

-- Nil, or a message naming the outputs that several inputs map to.
local function collisions(list)
  local by_out, order = {}, {}
  for _, e in ipairs(list) do
    local out = M.output_name(e.rel)
    if not by_out[out] then by_out[out] = {}; order[#order + 1] = out end
    table.insert(by_out[out], e.rel)
  end
  local clashes = {}
  for _, out in ipairs(order) do
    if #by_out[out] > 1 then clashes[#clashes + 1] = ("%s <- %s"):format(M.show(out), M.show(table.concat(by_out[out], ", "))) end
  end
  if #clashes == 0 then return nil end
  local shown = {table.unpack(clashes, 1, math.min(3, #clashes))}
  return ("%s written by more than one input: %s%s; nothing was processed (rename them)")
    :format(#clashes == 1 and "an output would be" or (#clashes .. " outputs would each be"), table.concat(shown, "; "),
      #clashes > 3 and ("; and %d more"):format(#clashes - 3) or "")
end

-- Nil, or a message when an input folder or file is also one of the output tree.
local function shared_with_output(entries, problems, out_ids)
  for _, p in ipairs(problems) do
    if p.reason == "pruned" then return ("%s leads into the output folder"):format(M.show(p.path)) end
  end
  for _, e in ipairs(entries) do
    if out_ids[e.id] then
      return ("%s is %s of the output folder"):format(M.show(e.path), M.show(out_ids[e.id]))
    end
  end
  return nil
end

local REASON = {unreadable = "folder cannot be read (permission denied)"}

--- The plan of a run: {items = {{rel=, src=, dst=, out_rel=}} of this shard (sorted by
-- rel), problems = {{rel=, reason=}}, stale = {paths}, total = sound files of all
-- shards, ignored = {rel of every file that is not a sound file by its extension},
-- roots}; nil and a message when inputs collide or share files or folders with
-- the output tree. opts.shard = {k, n}: every n-th file starting at the k-th.
function M.plan(roots, opts)
  local why = M.overlap(roots)
  if why then error("batch.plan: " .. why, 2) end
  opts = opts or {}
  local k, n = table.unpack(opts.shard or {1, 1})
  local list, problems, base, entries, others = input_entries(roots)
  if not list then return nil, ("%s: %s"):format(roots.given[1], problems) end
  local out_ids, out_files = output_tree(roots.output)
  why = shared_with_output(entries, problems, out_ids) or collisions(list)
  if why then return nil, why end
  local plan = {roots = roots, items = {}, problems = {}, stale = {}, total = #list, ignored = others}
  for _, p in ipairs(problems) do
    local rel = p.path and (p.path == base and "." or p.path:sub(#base + 2)) or nil
    plan.problems[#plan.problems + 1] = {rel = rel and (rel .. "/") or "(listing)", reason = REASON[p.reason] or p.reason}
  end
  local dsts = {}
  for i, e in ipairs(list) do
    if (i - 1) % n == k - 1 then
      if e.kind ~= "file" then
        plan.problems[#plan.problems + 1] = {rel = e.rel, reason = ("a %s, not a regular file"):format(e.kind)}
      else
        local out_rel = M.output_name(e.rel)
        local item = {rel = e.rel, src = e.path, out_rel = out_rel, dst = roots.output .. "/" .. out_rel}
        plan.items[#plan.items + 1] = item
        dsts[item.dst] = true
      end
    end
  end
  for _, path in ipairs(out_files) do
    local s, e = path:find(TEMP_SUFFIX)
    if s and e == #path and dsts[path:sub(1, s - 1)] then plan.stale[#plan.stale + 1] = path end
  end
  table.sort(plan.stale)
  return plan
end

--- Removes the plan's stale temporary files; returns how many.
function M.clean(plan)
  local n = 0
  for _, path in ipairs(plan.stale) do
    if os.remove(path) then n = n + 1 end
  end
  return n
end

--- Creates the output folders of the plan's items (mkdir -p, 200 at a time).
function M.make_folders(plan)
  local seen, list = {}, {}
  for _, item in ipairs(plan.items) do
    local d = item.dst:match("^(.*)/[^/]*$")
    if d and not seen[d] then seen[d] = true; list[#list + 1] = fs.quote(d) end
  end
  for i = 1, #list, 200 do
    os.execute("mkdir -p -- " .. table.concat(list, " ", i, math.min(#list, i + 199)) .. " 2>/dev/null")
  end
end

-- ---- the work, in this process or in workers ----

--- Writes items for workers: "index\0src\0dst\0" each. The path, or nil and a message.
function M.write_list(items)
  local path = os.tmpname()
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  for i, item in ipairs(items) do f:write(i, "\0", item.src, "\0", item.dst, "\0") end
  local ok, werr = f:close()
  if not ok then os.remove(path) return nil, werr end
  return path
end

--- The items of a list written by write_list: {{index=, src=, dst=}}, or nil, message.
function M.read_list(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  local items = {}
  for i, src, dst in text:gmatch("(%d+)%z([^%z]*)%z([^%z]*)%z") do
    items[#items + 1] = {index = math.tointeger(tonumber(i)), src = src, dst = dst}
  end
  return items
end

-- Ctrl-C can land after an item's output was renamed into place and before its result
-- was recorded. Outputs are written whole or not at all, so an output whose identity
-- changed while its item ran is a finished one: it is counted, not lost from the summary.
-- `recorded` is the count of results when the item started; one more means it was recorded.
local WRITTEN_AT_INTERRUPT = "written as the interrupt came"
local function watch(item, recorded) return {item = item, before = fs.identity(item.dst), recorded = recorded} end
local function written(w, recorded)
  local now = fs.identity(w.item.dst)
  return recorded == w.recorded and now ~= nil and now ~= w.before
end

-- One line about one item, for the parent: the detail on one line.
local function result_line(status, index, detail)
  return ("%s\t%d\t%s\n"):format(status, index, (tostring(detail):gsub("[\r\n]", " ")))
end

--- A worker's loop: items of the list whose index is j modulo m, processed in order;
-- one line per item on stdout. Returns true, or false when interrupted (the file being
-- written is removed by its writer; nothing else is started). At the end, interrupted
-- or not, every line is written again: the parent, blocked reading, is interrupted as
-- a line arrives and loses that one line; the second copy restores it.
function M.serve(list_path, j, m, process)
  local items = errors.check(M.read_list(list_path))
  local lines = {}
  local current
  local ok, err = pcall(function()
    for _, item in ipairs(items) do
      if (item.index - 1) % m == j - 1 then
        current = watch(item, #lines)
        local status, detail = process(item)
        lines[#lines + 1] = result_line(status, item.index, detail)
        io.stdout:write(lines[#lines])
        io.stdout:flush()
      end
    end
  end)
  if not ok and not errors.is_interrupt(err) then error(err, 0) end
  if current and written(current, #lines) then
    lines[#lines + 1] = result_line("ok", current.item.index, WRITTEN_AT_INTERRUPT)
  end
  io.stdout:write(table.concat(lines))
  io.stdout:flush()
  return ok
end

-- Where worker j's stderr goes: a worker that Ctrl-C catches while it is still starting
-- (loading its modules) dies with the interpreter's traceback, which is not news to the
-- user; the parent shows a worker's stderr only when the run was not interrupted.
local function stderr_path(list_path, j) return ("%s.worker%d.err"):format(list_path, j) end

-- The shell line that starts m workers on one pipe: each says "pid J PID" first (the
-- shell execs the worker, so that is the worker's own process) and its subshell says
-- "exit J STATUS" when it ends.
local function workers_command(command, list_path, m)
  local parts = {}
  for j = 1, m do
    local inner = ("echo pid %d $$; exec %s 2>%s"):format(j, command(list_path, j, m),
      fs.quote(stderr_path(list_path, j)))
    parts[#parts + 1] = ("(sh -c %s; echo exit %d $?) &"):format(fs.quote(inner), j)
  end
  return table.concat(parts, " ") .. " wait"
end

-- After an interrupt: the temporary file of the item each worker was writing. A worker
-- removes its own when Ctrl-C stops it, but a worker that also gets the parent's SIGINT
-- (Ctrl-C reaches the whole process group) dies at the second one before it can. Worker j
-- takes the items j, j + m, ... in order, so its unfinished one is the first not reported.
local function remove_unfinished(plan, seen, m)
  local globs = {}
  for j = 1, m do
    for i = j, #plan.items, m do
      if not seen[plan.items[i]] then
        globs[#globs + 1] = fs.quote(plan.items[i].dst) .. ".tmp??????"
        break
      end
    end
  end
  if #globs > 0 then os.execute("rm -f -- " .. table.concat(globs, " ") .. " 2>/dev/null") end
end

-- Runs the items in m workers; calls report for each result line. Returns the index set
-- reported, and the exit status of each worker; on an interrupt, the workers are
-- interrupted too and their last lines read before it returns (interrupted = true).
local function run_workers(plan, o, m, report)
  local list_path = errors.check(M.write_list(plan.items))
  local pipe = io.popen(workers_command(o.command, list_path, m), "r")
  local pids, exits, seen = {}, {}, {}
  local interrupted = false
  local function stop(j)
    if pids[j] and not exits[j] then os.execute("kill -INT " .. pids[j] .. " 2>/dev/null") end
  end
  local function handle(line)
    local j, pid = line:match("^pid (%d+) (%d+)$")
    if j then
      pids[tonumber(j)] = pid
      if interrupted then stop(tonumber(j)) end
      return
    end
    local k, code = line:match("^exit (%d+) (%d+)$")
    if k then exits[tonumber(k)] = tonumber(code) return end
    local status, index, detail = line:match("^(%a+)\t(%d+)\t(.*)$")
    local item = index and plan.items[tonumber(index)]
    if item and not seen[item] then
      seen[item] = true
      report(status, item, detail)
    end
  end
  local ok, err = pcall(function()
    for line in pipe:lines() do handle(line) end
  end)
  if not ok then
    if not errors.is_interrupt(err) then os.remove(list_path) error(err, 0) end
    interrupted = true
    for j = 1, m do stop(j) end
    for line in pipe:lines() do handle(line) end  -- the workers stop within one file
  end
  pipe:close()
  if interrupted then remove_unfinished(plan, seen, m) end
  os.remove(list_path)
  for j = 1, m do
    local f = io.open(stderr_path(list_path, j), "rb")
    if f then
      local text = f:read("a")
      f:close()
      if not interrupted and text ~= "" then io.stderr:write(("worker %d of %d: %s"):format(j, m, text)) end
      os.remove(stderr_path(list_path, j))
    end
  end
  return seen, exits, interrupted
end

--- Processes the plan's items: in this process (jobs 1) or in min(jobs, #items)
-- workers, each started by the shell command o.command(list_path, j, m) (which runs
-- batch.serve). o.process(item) -> status ("ok" | "skip" | "fail"), detail; o.report(
-- status, item, detail) is called once per item, in the parent, as results arrive.
-- Returns {ok=, skip=, fail=, done=, interrupted=}: on Ctrl-C (or SIGINT to the parent)
-- the workers are interrupted too, the file each was writing is removed, and the
-- remaining items are left for a rerun.
function M.run(plan, o)
  local counts = {ok = 0, skip = 0, fail = 0, done = 0, interrupted = false}
  local function report(status, item, detail)
    counts.done = counts.done + 1  -- first: what an interrupt check reads as "recorded"
    counts[status] = (counts[status] or 0) + 1
    o.report(status, item, detail)
  end
  local m = math.max(1, math.min(o.jobs or 1, #plan.items))
  if m == 1 then
    local current
    local ok, err = pcall(function()
      for _, item in ipairs(plan.items) do
        current = watch(item, counts.done)
        local status, detail = o.process(item)
        report(status, item, detail)
      end
    end)
    if not ok then
      if not errors.is_interrupt(err) then error(err, 0) end
      counts.interrupted = true
      if current and written(current, counts.done) then report("ok", current.item, WRITTEN_AT_INTERRUPT) end
    end
    return counts
  end
  local seen, exits, interrupted = run_workers(plan, o, m, function(status, item, detail)
    report(status, item, detail)
  end)
  counts.interrupted = interrupted
  if not interrupted then
    -- A worker that died leaves its items unreported: say so rather than lose them.
    for i, item in ipairs(plan.items) do
      if not seen[item] then
        local j = (i - 1) % m + 1
        report("fail", item, ("not processed: worker %d exited with status %s"):format(j, tostring(exits[j])))
      end
    end
  end
  return counts
end

return M
