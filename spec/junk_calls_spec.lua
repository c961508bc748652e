-- Random junk to every C entry point (spec/support/junk_calls.lua): bad_input_spec.lua
-- checks the message of each case someone thought of; this checks that no case, thought
-- of or not, crashes, hangs or trips a sanitizer (CI runs it under ASan/UBSan too), and
-- that whatever is raised is a message. Seeded: a failure names its seed and repeats.
local H = require "spec.helpers"

describe("junk arguments to every function of the C modules and their objects", function()
  for _, seed in ipairs({1, 2}) do
    it("never crash, and raise only messages (seed " .. seed .. ")", function()
      local dir = H.tmpdir()
      local out, rc = H.run(('root="$(pwd)" && cd %s && %s "$root/spec/support/junk_calls.lua" "$root" %d 40')
        :format(H.quote(dir), H.quote(H.bin), seed))
      os.execute("rm -rf " .. H.quote(dir))
      local calls, bad = out:match("(%d+) calls, %d+ raised, (%d+) not strings\n$")
      assert.are.equal(0, rc, out)
      assert.is_truthy(calls, out)
      assert.is_true(tonumber(calls) > 5000, out)
      assert.are.equal("0", bad, out)
    end)
  end
end)
