-- semeq.process.batch and semeq.util.fs: the plan of a folder run and its guarantees
-- (issue 13: data loss and miscounts in batch mode), on real trees in a temp folder.
local batch = require "semeq.process.batch"
local fs = require "semeq.util.fs"
local helpers = require "spec.helpers"

local q = helpers.quote

local function sh(cmd) assert(os.execute(cmd), cmd) end

local function touch(path, text)
  sh("mkdir -p " .. q(path:match("^(.*)/[^/]*$")))
  helpers.write(path, text or "x")
end

local function rels(items)
  local out = {}
  for i, item in ipairs(items) do out[i] = item.rel end
  return out
end

describe("semeq.util.fs", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  it("tells the kind of a path, following links", function()
    touch(dir .. "/f.wav")
    sh("mkfifo " .. q(dir .. "/p.wav") .. " && ln -s f.wav " .. q(dir .. "/l.wav") .. " && ln -s nowhere "
      .. q(dir .. "/b.wav") .. " && ln -s . " .. q(dir .. "/here"))
    assert.are.same({"file", "directory", "pipe (FIFO)", "file", "broken link", "missing", "directory"},
      {fs.kind(dir .. "/f.wav"), fs.kind(dir), fs.kind(dir .. "/p.wav"), fs.kind(dir .. "/l.wav"),
       fs.kind(dir .. "/b.wav"), fs.kind(dir .. "/none"), fs.kind(dir .. "/here")})
    assert.are.equal("character device", fs.kind("/dev/null"))
  end)

  it("resolves real paths through links, also of paths that do not exist yet", function()
    sh("mkdir -p " .. q(dir .. "/a/b") .. " && ln -s a/b " .. q(dir .. "/link"))
    local real = fs.realpath(dir)
    assert.are.equal(real .. "/a/b", fs.realpath(dir .. "/link"))
    assert.are.equal(real .. "/a/b/new/x", fs.realpath(dir .. "/link/new/x"))
    assert.are.equal(real .. "/a", fs.realpath(dir .. "/link/.."))  -- the link's target's parent
    assert.is_true(fs.same_file(dir .. "/link", dir .. "/a/b"))
    assert.is_false(fs.same_file(dir .. "/a", dir .. "/a/b"))
  end)

  it("walks a tree once, names with tabs and newlines intact, links followed, loops reported", function()
    touch(dir .. "/t/a\tb.wav")
    touch(dir .. "/t/c\nd.wav")
    touch(dir .. "/t/-e.wav")
    sh("ln -s .. " .. q(dir .. "/t/loop"))
    local entries, problems = fs.walk(dir .. "/t")
    local names = {}
    for _, e in ipairs(entries) do
      if e.kind == "file" then names[#names + 1] = e.path:sub(#dir + 4) end
    end
    table.sort(names)
    assert.are.same({"-e.wav", "a\tb.wav", "c\nd.wav"}, names)
    assert.are.equal(1, #problems)
    assert.truthy(problems[1].reason:find("loop", 1, true), problems[1].reason)
  end)
end)

describe("semeq.process.batch", function()
  local dir
  before_each(function()
    dir = fs.realpath(helpers.tmpdir())
  end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  local function plan_of(input, output, opts)
    local roots = assert(batch.roots(input, output))
    assert.is_nil(batch.overlap(roots))
    return batch.plan(roots, opts)
  end

  it("names outputs: writable formats keep their name, others become .wav; shows names on one line", function()
    assert.are.same({"a/x.flac", "a/x.wav", "y.AIFF", "z.wav", "noext.wav"},
      {batch.output_name("a/x.flac"), batch.output_name("a/x.mp3"), batch.output_name("y.AIFF"),
       batch.output_name("z.ogg"), batch.output_name("noext")})
    assert.are.equal("a\\tb\\nc\\\\d\\027.wav", batch.show("a\tb\nc\\d\27.wav"))
  end)

  it("refuses trees that overlap in either direction, after resolving links", function()
    sh("mkdir -p " .. q(dir .. "/in/sub") .. " " .. q(dir .. "/other") .. " " .. q(dir .. "/in2"))
    sh("ln -s in " .. q(dir .. "/in_link") .. " && ln -s in/sub " .. q(dir .. "/sub_link"))
    local function why(i, o) return batch.overlap(assert(batch.roots(dir .. "/" .. i, dir .. "/" .. o))) end
    assert.are.equal("--out must not be the input folder (inputs are never modified)", why("in", "in/"))
    assert.are.equal("--out must not be the input folder (inputs are never modified)", why("in_link", "in"))
    assert.truthy(why("in", "in/out"):find("is inside --in", 1, true))
    assert.truthy(why("in", "in/sub/new/out"):find("is inside --in", 1, true))  -- not there yet
    assert.truthy(why("in_link", "sub_link/out"):find("is inside --in", 1, true))
    assert.truthy(why("in/sub", "in"):find("--in " .. dir .. "/in/sub is inside --out", 1, true))
    assert.truthy(why("sub_link", "in_link"):find("is inside --out", 1, true))
    assert.is_nil(why("in", "in2"))       -- a common prefix is not a parent
    assert.is_nil(why("in", "other/out"))
    -- one file: its own folder may not be the output folder, any other may
    touch(dir .. "/in/a.wav")
    assert.truthy(why("in/a.wav", "in"))
    assert.is_nil(why("in/a.wav", "in/sub"))
    assert.has_error(function() batch.plan(assert(batch.roots(dir .. "/in", dir .. "/in/o"))) end)
  end)

  it("refuses an input tree that reaches into the output tree through a link or a hard link", function()
    touch(dir .. "/in/a.wav")
    touch(dir .. "/out/old.wav")
    sh("ln -s ../out " .. q(dir .. "/in/to_out"))
    local plan, err = plan_of(dir .. "/in", dir .. "/out")
    assert.is_nil(plan)
    assert.are.equal(dir .. "/in/to_out leads into the output folder", err)
    sh("rm " .. q(dir .. "/in/to_out") .. " && ln " .. q(dir .. "/out/old.wav") .. " " .. q(dir .. "/in/b.wav"))
    plan, err = plan_of(dir .. "/in", dir .. "/out")
    assert.is_nil(plan)
    assert.are.equal(dir .. "/in/b.wav is " .. dir .. "/out/old.wav of the output folder", err)
  end)

  it("reports every output name that more than one input maps to, before any work", function()
    for _, n in ipairs {"song.wav", "song.ogg", "a/x.mp3", "a/x.wav", "b.opus", "b.oga", "c.wav", "c.WAV"} do
      touch(dir .. "/in/" .. n)
    end
    local plan, err = plan_of(dir .. "/in", dir .. "/out")
    assert.is_nil(plan)
    assert.are.equal("3 outputs would each be written by more than one input: a/x.wav <- a/x.mp3, a/x.wav; "
      .. "b.wav <- b.oga, b.opus; song.wav <- song.ogg, song.wav; nothing was processed (rename them)", err)
    assert.are.equal("missing", fs.kind(dir .. "/out"))
    sh("rm " .. q(dir .. "/in/song.ogg") .. " " .. q(dir .. "/in/a/x.mp3") .. " " .. q(dir .. "/in/b.oga"))
    plan = assert(plan_of(dir .. "/in", dir .. "/out"))
    assert.are.same({"a/x.wav", "b.opus", "c.WAV", "c.wav", "song.wav"}, rels(plan.items))
    assert.are.equal("b.wav", plan.items[2].out_rel)
  end)

  it("lists links to folders and files, one file given as --in, and reports what it cannot use", function()
    touch(dir .. "/real/a.wav")
    touch(dir .. "/real/sub/b.flac")
    touch(dir .. "/elsewhere/c.wav")
    touch(dir .. "/real/notes.txt")
    sh("ln -s real " .. q(dir .. "/in") .. " && ln -s ../elsewhere/c.wav " .. q(dir .. "/real/c.wav")
      .. " && ln -s ../elsewhere " .. q(dir .. "/real/linked") .. " && mkfifo " .. q(dir .. "/real/fifo.wav")
      .. " && ln -s nowhere.wav " .. q(dir .. "/real/broken.wav"))
    local plan = assert(plan_of(dir .. "/in", dir .. "/out"))
    assert.are.same({"a.wav", "c.wav", "linked/c.wav", "sub/b.flac"}, rels(plan.items))
    assert.are.equal(dir .. "/real/a.wav", plan.items[1].src)
    assert.are.equal(dir .. "/out/linked/c.wav", plan.items[3].dst)
    assert.are.same({{rel = "broken.wav", reason = "a broken link, not a regular file"},
                     {rel = "fifo.wav", reason = "a pipe (FIFO), not a regular file"}}, plan.problems)
    assert.are.equal(6, plan.total)

    plan = assert(plan_of(dir .. "/in/sub/b.flac", dir .. "/out"))
    assert.are.same({"b.flac"}, rels(plan.items))
    assert.are.equal(dir .. "/out/b.flac", plan.items[1].dst)
    assert.are.same({nil, dir .. "/real/fifo.wav: a pipe (FIFO), not a folder or a file (a stream cannot be read "
      .. "twice; save it to a file first)"}, {batch.roots(dir .. "/real/fifo.wav", dir .. "/out")})
    assert.are.same({nil, dir .. "/nothing: no such file or folder"}, {batch.roots(dir .. "/nothing", dir .. "/out")})
    assert.are.same({nil, "--out " .. dir .. "/real/a.wav: a file, not a folder"},
      {batch.roots(dir .. "/in", dir .. "/real/a.wav")})
  end)

  it("shards the sorted list of the whole tree; problems of listing go to every shard", function()
    for i = 1, 7 do touch(("%s/in/%02d.wav"):format(dir, i)) end
    sh("ln -s . " .. q(dir .. "/in/loop"))
    local seen = {}
    for k = 1, 3 do
      local plan = assert(plan_of(dir .. "/in", dir .. "/out", {shard = {k, 3}}))
      for _, item in ipairs(plan.items) do seen[#seen + 1] = item.rel end
      assert.are.equal(7, plan.total)
      assert.are.equal(1, #plan.problems)
      assert.are.equal("(listing)", plan.problems[1].rel)
    end
    table.sort(seen)
    assert.are.same({"01.wav", "02.wav", "03.wav", "04.wav", "05.wav", "06.wav", "07.wav"}, seen)
  end)

  it("finds the writer's temporary files next to this shard's outputs, and nothing else", function()
    touch(dir .. "/in/a.wav")
    touch(dir .. "/in/b.mp3")
    touch(dir .. "/in/c.wav")
    local stale = {"a.wav.tmpAb12Cd", "c.wav.tmpQQQQQQ", "b.wav.tmpZZZZZZ"}
    local kept = {"a.wav.tmp", "a.wav.tmpAb12C", "a.wav.tmpAb12Cde", "a.wav.tmp-b12Cd", "notes.tmpAb12Cd",
                  "b.mp3.tmpAb12Cd", "x.wav.tmpAb12Cd", "c.wav.tmpAb12Cd/x"}
    for _, n in ipairs(stale) do touch(dir .. "/out/" .. n) end
    for _, n in ipairs(kept) do touch(dir .. "/out/" .. n) end
    local plan = assert(plan_of(dir .. "/in", dir .. "/out", {shard = {1, 2}}))  -- a.wav and c.wav
    assert.are.same({"a.wav", "c.wav"}, rels(plan.items))
    assert.are.same({dir .. "/out/a.wav.tmpAb12Cd", dir .. "/out/c.wav.tmpQQQQQQ"}, plan.stale)
    assert.are.equal(2, batch.clean(plan))
    assert.are.equal("missing", fs.kind(dir .. "/out/c.wav.tmpQQQQQQ"))
    plan = assert(plan_of(dir .. "/in", dir .. "/out", {shard = {2, 2}}))  -- b.mp3 -> b.wav
    assert.are.same({dir .. "/out/b.wav.tmpZZZZZZ"}, plan.stale)
    batch.clean(plan)
    for _, n in ipairs(kept) do assert.are.equal("file", fs.kind(dir .. "/out/" .. n), n) end
  end)

  it("hands workers the list, names with tabs and newlines intact", function()
    local items = {{src = "/a/x\ty.wav", dst = "/o/x\ty.wav"}, {src = "/a/new\nline.wav", dst = "/o/new\nline.wav"}}
    local path = assert(batch.write_list(items))
    local back = assert(batch.read_list(path))
    os.remove(path)
    assert.are.same({{index = 1, src = "/a/x\ty.wav", dst = "/o/x\ty.wav"},
                     {index = 2, src = "/a/new\nline.wav", dst = "/o/new\nline.wav"}}, back)
  end)

  it("runs the items in this process and counts each once", function()
    for i = 1, 5 do touch(("%s/in/%d.wav"):format(dir, i)) end
    local plan = assert(plan_of(dir .. "/in", dir .. "/out"))
    local reported = {}
    local counts = batch.run(plan, {jobs = 1,
      process = function(item) return item.rel == "3.wav" and "fail" or "ok", "because" end,
      report = function(status, item) reported[#reported + 1] = status .. " " .. item.rel end})
    assert.are.same({ok = 4, skip = 0, fail = 1, done = 5, interrupted = false}, counts)
    assert.are.same({"ok 1.wav", "ok 2.wav", "fail 3.wav", "ok 4.wav", "ok 5.wav"}, reported)
  end)

  -- Ctrl-C between an output's rename into place and its report: the file is whole, so it
  -- counts; an item interrupted before its rename leaves nothing and does not.
  for _, case in ipairs {{"after", true}, {"before", false}} do
    it(("counts an item whose output was written just %s the interrupt came"):format(case[1]), function()
      for i = 1, 3 do touch(("%s/in/%d.wav"):format(dir, i)) end
      local plan = assert(plan_of(dir .. "/in", dir .. "/out"))
      os.execute("mkdir -p " .. dir .. "/out")
      local reported = {}
      local counts = batch.run(plan, {jobs = 1,
        process = function(item)
          if item.rel == "2.wav" then
            if case[2] then touch(item.dst) end
            error("interrupted!", 0)
          end
          touch(item.dst)
          return "ok", "done"
        end,
        report = function(status, item, detail) reported[#reported + 1] = status .. " " .. item.rel .. " " .. detail end})
      assert.is_true(counts.interrupted)
      local want = {"ok 1.wav done"}
      if case[2] then want[2] = "ok 2.wav written as the interrupt came" end
      assert.are.same(want, reported)
      assert.are.equal(#want, counts.done)
    end)
  end
end)
