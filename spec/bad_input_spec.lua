-- Bad input to every public Lua entry point: wrong types, wrong shapes, negative or
-- huge sizes, NaN/Inf, empty tensors, released handles. Each must raise a Lua error
-- whose message names the function and the argument — never crash, hang or trip a
-- sanitizer (CI runs this spec under ASan/UBSan).
--
-- The table is data: {name, fn, args, pattern}. fn is called with table.unpack(args)
-- (args.n counts trailing or leading nils);
-- pattern is a Lua pattern the error message must match. Rows marked `fails = true` are
-- environment failures (a missing or unreadable file): the call must not raise but
-- return nil and a message that matches. Rows marked `known = "..."`
-- are bugs in files this spec's owner may not edit: they are still run (so a crash
-- would fail the spec) but reported as pending with the reason until fixed.
local T = require "semeq.tensor"
local data = require "semeq.data"
local datacore = require "semeq.data.core"
local json = require "semeq.util.json"
local list = require "semeq.util.list"
local settings = require "semeq.settings"
local metrics = require "semeq.metrics"
local metricscore = require "semeq.metrics.core"
local plot = require "semeq.eval.plot"
local represent = require "semeq.settings.represent"
local split = require "semeq.data.split"
local filters = require "semeq.data.filters"

local nan, inf = 0 / 0, math.huge
local h = require "spec.helpers"

-- semeq.audio and semeq.eq arrived with the eq branch; their rows run when they load.
local has_audio, audio = pcall(require, "semeq.audio")
local has_eq, eq = pcall(require, "semeq.eq")
-- semeq.nn, semeq.optim and semeq.sampler arrived with the nn branch.
local has_nn, nn = pcall(require, "semeq.nn")
local optim = has_nn and require "semeq.train.optim"
local sampler = has_nn and require "semeq.train.sampler"
local models = has_nn and require "semeq.models"
local mio = has_nn and require "semeq.models.io"
local nncore = has_nn and require "semeq.nn.core"

-- A tensor whose storage has been dropped (what a to-be-closed variable leaves behind).
local function released()
  local t = T.zeros(2)
  getmetatable(t).__close(t)
  return t
end

-- A real method call t:name(...) (as users write it, so the error says "to 'name'"),
-- wrapped as a plain function so that rows stay uniform. Not a tail call: the
-- parentheses keep this frame, so Lua can name the method.
local function method(name)
  return assert(load("return function(t, ...) return (t:" .. name .. "(...)) end"))()
end

local tensor_cases = {
  -- constructors: sizes
  {"zeros negative size", T.zeros, {-1}, "bad argument #1 to 'zeros' %(size must be >= 0, got %-1%)"},
  {"zeros string size", T.zeros, {"a"}, "bad argument #1 to 'zeros' %(number expected, got string%)"},
  {"zeros NaN size", T.zeros, {nan}, "bad argument #1 to 'zeros' %(number has no integer representation%)"},
  {"zeros fractional size", T.zeros, {1.5}, "bad argument #1 to 'zeros' %(number has no integer representation%)"},
  {"zeros non-integer in size table", T.zeros, {{2, "x"}}, "bad argument #1 to 'zeros' %(sizes must be integers%)"},
  {"zeros too many dims", T.zeros, {1, 1, 1, 1, 1, 1, 1, 1, 1}, "bad argument #9 to 'zeros' %(too many dimensions%)"},
  {"zeros huge (overflowing numel)", T.zeros, {1 << 40, 1 << 40}, "bad argument #2 to 'zeros' %(sizes give more than 2%^40 elements: size 2 is 1099511627776%)"},
  {"zeros huge", T.zeros, {1 << 62}, "bad argument #1 to 'zeros' %(sizes give more than 2%^40 elements: size 1 is 4611686018427387904%)"},
  {"zeros product wraps to 0", T.zeros, {1 << 32, 1 << 32}, "bad argument #2 to 'zeros' %(sizes give more than 2%^40 elements"},
  {"zeros huge sizes hidden by a 0", T.zeros, {0, 1 << 40, 1 << 40}, "bad argument #3 to 'zeros' %(sizes give more than 2%^40 elements"},
  {"zeros huge in a size table", T.zeros, {{4, 1 << 39}}, "bad argument #1 to 'zeros' %(sizes give more than 2%^40 elements: size 2"},
  {"ones huge", T.ones, {1 << 41}, "bad argument #1 to 'ones' %(sizes give more than 2%^40 elements"},
  {"full huge", T.full, {1 << 20, 1 << 21, 1}, "bad argument #2 to 'full' %(sizes give more than 2%^40 elements"},
  {"rand huge", T.rand, {1 << 45}, "bad argument #1 to 'rand' %(sizes give more than 2%^40 elements"},
  {"new huge", T.new, {1 << 50}, "bad argument #1 to 'new' %(sizes give more than 2%^40 elements"},
  {"ones negative size", T.ones, {-3}, "bad argument #1 to 'ones' %(size must be >= 0, got %-3%)"},
  {"rand negative size", T.rand, {-1}, "bad argument #1 to 'rand' %(size must be >= 0"},
  {"randn huge", T.randn, {1 << 50}, "bad argument #1 to 'randn' %(sizes give more than 2%^40 elements"},
  {"randperm negative", T.randperm, {-1}, "bad argument #1 to 'randperm' %(size must be >= 0"},
  {"randperm past exact float indices", T.randperm, {(1 << 24) + 1}, "bad argument #1 to 'randperm' %(n = 16777217 is more than 2%^24"},
  {"randperm huge", T.randperm, {1 << 62}, "bad argument #1 to 'randperm' %(n = 4611686018427387904 is more than 2%^24"},
  {"full string value", T.full, {{2}, "x"}, "bad argument #2 to 'full' %(number expected, got string%)"},
  {"new ragged", T.new, {{{1, 2}, {3}}}, "bad argument #1 to 'new' %(table is not rectangular%)"},
  {"new string element", T.new, {{1, "a"}}, "bad argument #1 to 'new' %(expected a number in the table, got string%)"},
  {"new nested 100 deep", T.new, {(function() local t = {1} for _ = 1, 100 do t = {t} end return t end)()},
    "bad argument #1 to 'new' %(table nested too deeply%)"},
  {"arange infinite", T.arange, {inf}, "arange: bounds must be finite and step non%-zero"},
  {"arange NaN", T.arange, {nan}, "arange: bounds must be finite and step non%-zero"},
  {"arange zero step", T.arange, {1, 5, 0}, "arange: bounds must be finite and step non%-zero"},
  {"arange huge", T.arange, {1e18}, "arange: 1e%+18 elements are more than the limit of 2%^40"},
  {"arange past int64 (undefined cast)", T.arange, {0, 1e300}, "arange: 1e%+300 elements are more than the limit of 2%^40"},
  {"arange overflowing span", T.arange, {-1e308, 1e308}, "arange: inf elements are more than the limit of 2%^40"},
  {"manualSeed string", T.manualSeed, {"x"}, "bad argument #1 to 'manualSeed' %(number expected, got string%)"},
  {"manualSeed NaN", T.manualSeed, {nan}, "bad argument #1 to 'manualSeed' %(number has no integer representation%)"},
  {"setRngState garbage", T.setRngState, {"xx"}, "bad argument #1 to 'setRngState' %(not a random generator state%)"},
  {"setRngState number", T.setRngState, {5}, "bad argument #1 to 'setRngState' %(not a random generator state%)"},
  -- functions of several tensors
  {"cat empty list", T.cat, {{}, 1}, "bad argument #1 to 'cat' %(expected a non%-empty list of tensors%)"},
  {"cat shape mismatch", T.cat, {{T.zeros(2, 3), T.zeros(2, 4)}, 1}, "cat: size mismatch, %[2x3%] and %[2x4%]"},
  {"cat dim out of range", T.cat, {{T.zeros(2), T.zeros(2)}, 5}, "bad argument #2 to 'cat' %(dimension 5 out of range"},
  {"cat non-tensor element", T.cat, {{T.zeros(2), 3}, 1}, "bad argument #1 to 'cat' %(element 2 is not a tensor%)"},
  {"cat tensor instead of list", T.cat, {T.zeros(2), 1}, "bad argument #1 to 'cat' %(table expected, got semeq.Tensor%)"},
  {"mm shape mismatch", T.mm, {T.zeros(2, 3), T.zeros(2, 3)}, "mm: size mismatch, %[2x3%] @ %[2x3%]"},
  {"mm 1-d", T.mm, {T.zeros(3), T.zeros(3)}, "bad argument #1 to 'mm' %(mm: expected a 2%-d tensor, got %[3%]%)"},
  {"mm nil", T.mm, {nil, T.zeros(3), n = 2}, "bad argument #1 to 'mm' %(semeq.Tensor expected, got nil%)"},
  {"allclose string", T.allclose, {"a", T.zeros(3)}, "bad argument #1 to 'allclose' %(semeq.Tensor or table expected, got string%)"},
  -- methods
  {"size dim out of range", method "size", {T.zeros(2), 3}, "bad argument #1 to 'size' %(dimension 3 out of range for a 1%-d tensor%)"},
  {"size string dim", method "size", {T.zeros(2), "x"}, "bad argument #1 to 'size' %(number expected, got string%)"},
  {"method on a plain table", function(x) return (T.zeros(2).size(x)) end, {{}}, "bad argument #1 to 'size' %(semeq.Tensor expected, got table%)"},
  {"item of 2 elements", method "item", {T.zeros(2)}, "item: expected a tensor with one element, got %[2%]"},
  {"item of empty", method "item", {T.zeros(0)}, "item: expected a tensor with one element, got %[0%]"},
  {"narrow out of bounds", method "narrow", {T.zeros(3), 1, 3, 2}, "narrow: range 3%.%.4 out of bounds for dimension 1 of size 3"},
  {"narrow negative length", method "narrow", {T.zeros(3), 1, 1, -1}, "narrow: range 1%.%.%-1 out of bounds"},
  {"narrow bad dim", method "narrow", {T.zeros(3), 2, 1, 1}, "bad argument #1 to 'narrow' %(dimension 2 out of range"},
  {"narrow start + length overflows", method "narrow", {T.zeros(4), 1, math.maxinteger, math.maxinteger},
    "narrow: range of 9223372036854775807 elements from 9223372036854775807 out of bounds for dimension 1 of size 4"},
  {"narrow length wraps past the end", method "narrow", {T.zeros(4), 1, 3, math.maxinteger - 1},
    "narrow: range of 9223372036854775806 elements from 3 out of bounds for dimension 1 of size 4"},
  {"narrow length mininteger (fuzz_tensor)", method "narrow", {T.zeros(4), 1, 1, math.mininteger},
    "narrow: range of %-9223372036854775808 elements from 1 out of bounds for dimension 1 of size 4"},
  {"narrow huge start", method "narrow", {T.zeros(4), 1, math.maxinteger, 1}, "narrow: range 9223372036854775807%.%.9223372036854775807 out of bounds"},
  {"narrow of a narrow past the storage", function() return T.zeros(10):narrow(1, 3, 4):narrow(1, 2, 4) end, {},
    "narrow: range 2%.%.5 out of bounds for dimension 1 of size 4"},
  {"select huge negative index", method "select", {T.zeros(3), 1, math.mininteger}, "select: index %-9223372036854775808 out of bounds"},
  {"select past the end", method "select", {T.zeros(3), 1, 4}, "select: index 4 out of bounds for dimension 1 of size 3"},
  {"select index 0", method "select", {T.zeros(3), 1, 0}, "select: index 0 out of bounds"},
  {"transpose bad dim", method "transpose", {T.zeros(3, 2), 1, 3}, "bad argument #2 to 'transpose' %(dimension 3 out of range"},
  {"view wrong numel", method "view", {T.zeros(6), 4, 2}, "view: cannot view %[6%] as %[4x2%]"},
  {"view two -1", method "view", {T.zeros(6), -1, -1}, "view: cannot view %[6%] as %[%-1x%-1%]"},
  {"view negative sizes", method "view", {T.zeros(6), -2, -3}, "view: cannot view %[6%] as %[%-2x%-3%]"},
  {"view non-contiguous", method "view", {T.zeros(2, 3):t(), 6}, "view: tensor %[3x2%] is not contiguous"},
  {"view product wraps to numel", method "view", {T.zeros(0), 1 << 32, 1 << 32, 0}, "view: cannot view %[0%] as %[4294967296x4294967296x0%]: more than 2%^40 elements"},
  {"view huge sizes of an empty tensor", method "view", {T.zeros(0), 0, 1 << 40, 1 << 40}, "view: cannot view %[0%] as %[0x1099511627776x1099511627776%]: more than 2%^40 elements"},
  {"view product wraps to 4", method "view", {T.zeros(4), 4, 1 << 62, 4}, "view: cannot view %[4%] as %[4x4611686018427387904x4%]"},
  {"reshape product wraps", method "reshape", {T.zeros(2, 2):t(), 1 << 32, 1 << 32, 0}, "reshape: cannot view %[2x2%] as %[4294967296x4294967296x0%]"},
  {"view -1 with a huge size", method "view", {T.zeros(0), -1, 1 << 62, 2}, "view: cannot view %[0%] as %[%-1x4611686018427387904x2%]"},
  {"reshape wrong numel", method "reshape", {T.zeros(6), 5}, "reshape: cannot view %[6%] as %[5%]"},
  {"unsqueeze bad dim", method "unsqueeze", {T.zeros(2), 5}, "bad argument #1 to 'unsqueeze' %(dimension out of range%)"},
  {"squeeze bad dim", method "squeeze", {T.zeros(2), 3}, "bad argument #1 to 'squeeze' %(dimension 3 out of range"},
  {"expand incompatible", method "expand", {T.zeros(2), 3}, "expand: cannot expand %[2%] to %[3%]"},
  {"expand negative", method "expand", {T.zeros(1), -3}, "expand: cannot expand %[1%] to %[%-3%]"},
  {"expand to 2^62 elements", method "expand", {T.zeros(1), 1 << 62}, "expand: cannot expand %[1%] to %[4611686018427387904%]: more than 2%^40 elements"},
  {"expand whose product wraps", method "expand", {T.zeros(1, 1), 1 << 32, 1 << 32}, "expand: cannot expand %[1x1%] to %[4294967296x4294967296%]: more than 2%^40 elements"},
  {"expand with a hidden 0", method "expand", {T.zeros(1, 1, 1), 0, 1 << 40, 1 << 40}, "expand: cannot expand %[1x1x1%] to %[0x1099511627776x1099511627776%]: more than 2%^40"},
  {"unsqueeze past the limit of a big view", function() return T.zeros(1):expand(1 << 40):unsqueeze(1):expand(2, 1 << 40) end, {},
    "expand: cannot expand %[1x1099511627776%] to %[2x1099511627776%]: more than 2%^40 elements"},
  {"add of two views broadcasting past the limit", function(a, b) return a + b end,
    {T.zeros(1, 1):expand(1 << 30, 1), T.zeros(1, 1):expand(1, 1 << 30)}, "add: %[1073741824x1%] and %[1x1073741824%] broadcast to more than 2%^40 elements"},
  {"reshape copying a 2^40-element view", method "reshape", {T.zeros(1, 1):expand(1 << 20, 1 << 20):t(), -1},
    "reshape: cannot allocate a %[1048576x1048576%] tensor: out of memory"},
  {"cat along a dim past the limit", T.cat, {{T.zeros(1):expand(1 << 39), T.zeros(1):expand(1 << 39), T.zeros(1):expand(1 << 39)}},
    "cat: the 3 tensors have more than 2%^40 elements along dimension 1"},
  {"totable of a huge view", method "totable", {T.zeros(1):expand(1 << 40)}, "totable: %[1099511627776%] would make 1099511627776 table entries, more than Lua tables should hold %(2%^26%)"},
  {"totable of an empty tensor of huge extent", method "totable", {T.zeros(1 << 26, 0, 1 << 13)},
    "totable: %[67108864x0x8192%] would make 549755813888 table entries, more than Lua tables should hold %(2%^26%)"},
  {"mm of a huge expanded view", T.mm, {T.zeros(1, 1):expand(1 << 32, 1), T.zeros(1, 1)}, "mm: %[4294967296x1%] @ %[1x1%] has a size beyond BLAS's 2%^31 %- 1"},
  {"copy shape mismatch", method "copy", {T.zeros(2), T.zeros(3)}, "copy: cannot broadcast %[3%] to %[2%]"},
  {"copy from a number", method "copy", {T.zeros(2), 3}, "bad argument #1 to 'copy' %(semeq.Tensor or table expected, got number%)"},
  {"fill string", method "fill", {T.zeros(2), "x"}, "bad argument #1 to 'fill' %(number expected, got string%)"},
  {"clamp string bound", method "clamp", {T.zeros(2), "a", 1}, "bad argument #1 to 'clamp' %(number expected, got string%)"},
  {"clamp NaN bound", method "clamp", {T.zeros(2), nan, 1}, "bad argument #2 to 'clamp' %(upper bound must be >= lower bound%)"},
  {"clamp inverted bounds", method "clamp", {T.zeros(2), 2, 1}, "bad argument #2 to 'clamp' %(upper bound must be >= lower bound%)"},
  {"add shape mismatch", function(a, b) return a + b end, {T.zeros(2), T.zeros(3)}, "add: size mismatch, %[2%] and %[3%] do not broadcast"},
  {"add a string", function(a, b) return a + b end, {T.zeros(2), "x"}, "bad argument #2 to 'add' %(semeq.Tensor or table expected, got string%)"},
  {"add an empty table", function(a, b) return a + b end, {T.zeros(2), {}}, "add: size mismatch, %[2%] and %[0%]"},
  {"add_ shape mismatch", method "add_", {T.zeros(2), T.zeros(3)}, "add_: size mismatch, cannot broadcast %[3%] to %[2%]"},
  {"add_ broadcasting into the target", method "add_", {T.zeros(1), T.zeros(3)}, "add_: size mismatch, cannot broadcast %[3%] to %[1%]"},
  {"add_ string alpha", method "add_", {T.zeros(2), T.zeros(2), "x"}, "bad argument #2 to 'add_' %(number expected, got string%)"},
  {"mul shape mismatch", function(a, b) return a * b end, {T.zeros(2, 3), T.zeros(3, 2)}, "mul: size mismatch, %[2x3%] and %[3x2%]"},
  {"pow string", method "pow", {T.zeros(2), "x"}, "bad argument #1 to 'pow' %(semeq.Tensor or table expected, got string%)"},
  {"sum bad dim", method "sum", {T.zeros(2), 3}, "bad argument #1 to 'sum' %(dimension 3 out of range"},
  {"max of empty", method "max", {T.zeros(0)}, "max: empty tensor"},
  {"min of empty", method "min", {T.zeros(0)}, "min: empty tensor"},
  {"mean of empty", method "mean", {T.zeros(0)}, "mean: empty tensor"},
  {"argmax of empty", method "argmax", {T.zeros(0)}, "argmax: empty tensor"},
  {"max bad dim", method "max", {T.zeros(2), 4}, "bad argument #1 to 'max' %(dimension 4 out of range"},
  {"addmm shape mismatch", method "addmm", {T.zeros(2, 2), T.zeros(2, 3), T.zeros(2, 2)}, "addmm: size mismatch, %[2x2%] %+ %[2x3%] @ %[2x2%]"},
  {"index_select past the end", method "index_select", {T.zeros(3), 1, {4}}, "bad argument #2 to 'index_select' %(index 4%.0 at position 1 out of range 1%.%.3%)"},
  {"index_select 0", method "index_select", {T.zeros(3), 1, {0}}, "bad argument #2 to 'index_select' %(index 0%.0 at position 1"},
  {"index_select NaN", method "index_select", {T.zeros(3), 1, T.new {nan}}, "bad argument #2 to 'index_select' %(index %-?nan at position 1"},
  {"index_select fraction", method "index_select", {T.zeros(3), 1, {1.5}}, "bad argument #2 to 'index_select' %(index 1%.5 at position 1"},
  {"index_select string", method "index_select", {T.zeros(3), 1, {"a"}}, "bad argument #2 to 'index_select' %(index 'a' at position 1 is not a number%)"},
  {"index_select numeric string", method "index_select", {T.zeros(3), 1, {"2"}}, "bad argument #2 to 'index_select' %(index '2' at position 1 is not a number%)"},
  {"index_select with a 2^40-long index view", method "index_select", {T.zeros(3, 2), 1, T.ones(1):expand(1 << 40)},
    "bad argument #2 to 'index_select' %(1099511627776 indices give a result of more than 2%^40 elements%)"},
  {"index_select boolean", method "index_select", {T.zeros(3), 1, {1, true}}, "bad argument #2 to 'index_select' %(index at position 2 is a boolean, not a number%)"},
  {"t[i] past the end", function(t) return t[4] end, {T.zeros(3)}, "index 4 out of bounds for dimension 1 of size 3"},
  {"t[0]", function(t) return t[0] end, {T.zeros(3)}, "index 0 out of bounds for dimension 1 of size 3"},
  {"t[i] = v past the end", function(t) t[5] = 1 end, {T.zeros(3)}, "index 5 out of bounds for dimension 1 of size 3"},
  {"t[i] = string", function(t) t[1] = "x" end, {T.zeros(3)}, "bad argument #3 to 'newindex' %(semeq.Tensor or table expected, got string%)"},
  {"t[i] = wrong shape", function(t) t[1] = T.zeros(4) end, {T.zeros(2, 3)}, "index assignment: cannot broadcast %[4%] to %[3%]"},
  -- released handles
  {"size of a released tensor", method "size", {released()}, "tensor has been released"},
  {"add to a released tensor", function(a) return a + 1 end, {released()}, "bad argument #1 to 'add' %(tensor has been released%)"},
  {"clone of a released tensor", method "clone", {released()}, "tensor has been released"},
  {"released tensor as mm argument", T.mm, {T.zeros(2, 2), released()}, "bad argument #2 to 'mm' %(tensor has been released%)"},
  {"released tensor names the method", method "size", {released()}, "calling 'size' on bad self %(tensor has been released%)"},
  {"released tensor names another method", method "narrow", {released(), 1, 1, 1}, "calling 'narrow' on bad self %(tensor has been released%)"},
  {"t[i] of a released tensor", function(t) return t[1] end, {released()}, "bad argument #1 to 'index' %(tensor has been released%)"},
}

local data_cases = {
  {"read_csv nil path", datacore.read_csv, {nil, n = 1}, "bad argument #1 to 'read_csv' %(string expected, got nil%)"},
  {"read_csv missing file", datacore.read_csv, {"/nonexistent/x.csv"}, "^/nonexistent/x%.csv: No such file or directory$", fails = true},
  {"read_csv directory", datacore.read_csv, {"/tmp"}, "^/tmp: Is a directory$", fails = true},
  {"read_json missing file", datacore.read_json, {"/nonexistent/x.json"}, "^/nonexistent/x%.json: No such file or directory$", fails = true},
  {"read_jsonl missing file", datacore.read_jsonl, {"/nonexistent/x.jsonl"}, "^/nonexistent/x%.jsonl: No such file", fails = true},
  {"json.decode truncated list", json.decode, {'{"a": [1, 2'}, "^bad JSON at byte 10$", fails = true},
  {"json.decode of a table", json.decode, {{}}, "bad argument #1 to 'decode' %(string expected, got table%)"},
  {"json.decode empty", json.decode, {""}, "^bad JSON at byte 0$", fails = true},
  {"permutation negative", list.permutation, {-1}, "^list%.permutation: n must be a non%-negative integer$"},
  {"permutation NaN", list.permutation, {nan}, "^list%.permutation: n must be a non%-negative integer$"},
  {"randint n = 0", T.randint, {0, 1}, "bad argument #1 to 'randint' %(n must be in %[1, 2%^24%]%)"},
  {"randint negative count", T.randint, {3, -1}, "bad argument #2 to 'randint' %(size must be >= 0, got %-1%)"},
  {"load unknown kind", data.load, {"nope"}, "^data%.load: unknown kind 'nope'"},
  {"load numeric path", data.load, {"safe", 3}, "^data%.load: path must be a string or nil, got number$"},
  {"load missing file", data.load, {"safe", "/nonexistent.csv"}, "^cannot open safe dataset '/nonexistent%.csv'$", fails = true},
  {"load a directory", data.load, {"safe", "/tmp"}, "/tmp: Is a directory", fails = true},
  {"split.kfold k = 0", split.kfold, {nil, 0, n = 2}, "^split%.kfold: expected a dataset, got nil$"},
  {"split.kfold a plain table", split.kfold, {{records = {}}, 2}, "^split%.kfold: expected a dataset, got table$"},
  {"split.stratified nil", split.stratified, {nil, n = 1}, "^split%.stratified: expected a dataset, got nil$"},
  {"split.by_user a number", split.by_user, {3}, "^split%.by_user: expected a dataset, got number$"},
  {"split.apply nil", split.apply, {nil, {train = {}, test = {}}, n = 2}, "^split%.apply: expected a dataset, got nil$"},
  {"split.load missing", split.load, {"/nonexistent/split.json"}, "^/nonexistent/split%.json: No such file or directory$", fails = true},
  {"filters.min_examples string", filters.min_examples, {"x"}, "^filters%.min_examples: n must be a positive integer$"},
  {"filters.stoplist a number", filters.stoplist, {3}, "^filters%.stoplist: words must be a list of strings, got number$"},
  {"filters.stoplist a number word", filters.stoplist, {{"x", 3}}, "^filters%.stoplist: words%[2%] is a number, not a string$"},
  {"filters.language a number", filters.language, {3}, "^filters%.language: expected a language or a list of them, got number$"},
  {"filters.stem_word a table", filters.stem_word, {{}}, "^filters%.stem_word: expected a word %(a string%), got table$"},
  {"text.key a number", require("semeq.data.text").key, {3}, "^text%.key: expected a string, got number$"},
  {"data.find a table", data.find, {{}}, "^data%.find: filename must be a string, got table$"},
  {"socialfx.load a number", require("semeq.data.socialfx").load, {3}, "^socialfx%.load: path must be a string, got number$"},
  {"split.save a number", split.save, {3, "x.json"}, "^split%.save: expected a split {train =, test =}, got number$"},
  {"split.save a table path", split.save, {{train = {}, test = {}}, {}}, "^split%.save: path must be a string, got table$"},
  {"represent.response wrong width", represent.response, {T.zeros(2, 5)}, "response.*13.*5%]?"},
  {"settings.grid negative", settings.grid, {-4}, "bad argument #1 to 'log_grid' %(size must be >= 0, got %-4%)"},
}

local metrics_cases = {
  {"encode a number", metrics.encode, {{"a"}, 3}, "^encode: argument 2 must be a list of labels, got number$"},
  {"percentile empty", metrics.percentile, {{}, 50}, "^percentile: expected a non%-empty sorted list of numbers$"},
  {"percentile q NaN", metrics.percentile, {{1, 2}, nan}, "^percentile: q must be a number in %[0, 100%], got %-?nan$"},
  {"silhouette X not a tensor", metrics.silhouette, {"x", {1}}, "^silhouette: X must be a tensor %[n x d%]$"},
  {"silhouette 1-d X", metrics.silhouette, {T.zeros(3), {1, 1, 2}}, "^silhouette: X must be a 2%-D tensor %[n x d%], got 1 dims$"},
  {"silhouette label count", metrics.silhouette, {T.zeros(3, 2), {1, 2}}, "^silhouette: 2 labels for 3 rows$"},
  {"silhouette one class", metrics.silhouette, {T.zeros(3, 2), {1, 1, 1}}, "silhouette: the number of labels is 1; it must be between 2 and n %- 1 = 2"},
  {"silhouette empty", metrics.silhouette, {T.zeros(0, 2), {}}, "silhouette: the number of labels is 0"},
  {"silhouette boolean labels", metrics.silhouette, {T.zeros(2, 2), {true, false}}, "^silhouette: labels%[1%] is a boolean; labels are strings or integers$"},
  {"silhouette unknown metric", metrics.silhouette, {T.rand(4, 2), {1, 1, 2, 2}, "manhattan"}, "silhouette: unknown metric 'manhattan' %(euclidean or cosine%)$"},
  {"silhouette_samples X a number", metrics.silhouette_samples, {42, {1, 2, 1}}, "^silhouette_samples: X must be a tensor %[n x d%]$"},
  {"silhouette_samples label count", metrics.silhouette_samples, {T.zeros(3, 2), {1, 2}}, "^silhouette_samples: 2 labels for 3 rows$"},
  {"silhouette_samples labels a number", metrics.silhouette_samples, {T.zeros(3, 2), 7}, "^silhouette_samples: labels must be a table or a tensor of labels$"},
  {"silhouette_samples unknown metric", metrics.silhouette_samples, {T.rand(4, 2), {1, 1, 2, 2}, "manhattan"}, "silhouette_samples: unknown metric 'manhattan' %(euclidean or cosine%)$"},
  {"silhouette_samples NaN in X", metrics.silhouette_samples, {T.new {{0, 0}, {1, inf}, {2, 2}}, {1, 2, 1}}, "silhouette_samples: X%[2%]%[2%] = inf is not finite$"},
  {"silhouette NaN in X", metrics.silhouette, {T.new {{nan, 0}, {1, 1}, {2, 2}}, {1, 2, 1}}, "silhouette: X%[1%]%[1%] = %-?nan is not finite$"},
  {"davies_bouldin Inf in X", metrics.davies_bouldin, {T.new {{0, 0}, {1, 1}, {2, inf}}, {1, 2, 1}}, "davies_bouldin: X%[3%]%[2%] = inf is not finite$"},
  {"davies_bouldin NaN in X, word labels", metrics.davies_bouldin, {T.new {{0, 0}, {nan, 1}, {2, 2}}, {"a", "b", "a"}}, "davies_bouldin: X%[2%]%[1%] = %-?nan is not finite$"},
  {"calinski_harabasz -Inf in X", metrics.calinski_harabasz, {T.new {{0, 0}, {1, 1}, {2, -inf}}, {1, 2, 1}}, "calinski_harabasz: X%[3%]%[2%] = %-inf is not finite$"},
  {"knn NaN in test X", metrics.knn_accuracy, {T.rand(4, 2), {1, 1, 2, 2}, T.new {{0, 0}, {0, nan}}, {1, 2}, 1}, "knn: X%[2%]%[2%] = %-?nan is not finite$"},
  {"pca NaN in X", metrics.pca, {T.new {{1, 2}, {nan, 0}, {3, 1}}, 1}, "pca: X%[2%]%[1%] = %-?nan is not finite$"},
  {"davies_bouldin one class", metrics.davies_bouldin, {T.zeros(3, 2), {1, 1, 1}}, "davies_bouldin: the number of labels is 1"},
  {"calinski_harabasz empty", metrics.calinski_harabasz, {T.zeros(0, 2), {}}, "calinski_harabasz: the number of labels is 0"},
  {"knn k = 0", metrics.knn_accuracy, {T.rand(4, 2), {1, 1, 2, 2}, T.rand(2, 2), {1, 2}, 0}, "knn: k = 0 must be between 1 and the number of train rows %(4%)"},
  {"knn huge k", metrics.knn_accuracy, {T.rand(4, 2), {1, 1, 2, 2}, T.rand(2, 2), {1, 2}, 1e9}, "knn: k = 1000000000 must be between 1"},
  {"knn column mismatch", metrics.knn_accuracy, {T.rand(4, 2), {1, 1, 2, 2}, T.rand(2, 3), {1, 2}, 1}, "knn: train X has 2 columns but test X has 3"},
  {"knn string k", metrics.knn_accuracy, {T.rand(4, 2), {1, 1, 2, 2}, T.rand(2, 2), {1, 2}, "x"}, "bad argument #5 to 'knn_predict' %(number expected, got string%)"},
  {"knn_loo k = n", metrics.knn_loo, {T.rand(4, 2), {1, 1, 2, 2}, 4}, "knn: k = 4 must be between 1 and the number of train rows %- 1 %(3%)"},
  {"knn_loo one row", metrics.knn_loo, {T.rand(1, 2), {1}, 1}, "knn: k = 1 must be between 1 and the number of train rows %- 1 %(0%)"},
  {"confusion length mismatch", metrics.confusion, {{1, 2}, {1}}, "^confusion: 2 true labels, 1 predicted$"},
  {"macro_f1 of nothing", metrics.macro_f1, {{}, {}}, "^macro_f1: no labels %(y_true and y_pred are empty%)$"},
  {"rms_db shapes", metrics.rms_db, {T.zeros(2, 13), T.zeros(3, 13)}, "^rms_db: expected two %[n x m%] tensors of the same shape, got %[2x13%] and %[3x13%]$"},
  {"rms_db 1-d", metrics.rms_db, {T.zeros(5), T.zeros(5)}, "^rms_db: expected two %[n x m%] tensors"},
  {"rms_db not tensors", metrics.rms_db, {{}, {}}, "^rms_db: expected two tensors of dB curves$"},
  {"bootstrap n = 0", metrics.bootstrap, {function() return 1 end, 0}, "^bootstrap: n must be a positive integer$"},
  {"bootstrap stat not a function", metrics.bootstrap, {3, 2}, "^bootstrap: stat must be a function of an index list$"},
  {"pca too many components", metrics.pca, {T.rand(4, 2), 5}, "pca: ncomp = 5 must be between 1 and d = 2"},
  {"pca zero components", metrics.pca, {T.rand(4, 2), 0}, "pca: ncomp = 0 must be between 1 and d = 2"},
  {"pca one row", metrics.pca, {T.rand(1, 2), 1}, "pca: X needs at least 2 rows, got 1"},
  {"pca empty", metrics.pca, {T.zeros(0, 2), 1}, "pca: X needs at least 2 rows, got 0"},
  {"pca 1-d", metrics.pca, {T.zeros(4), 1}, "^pca: X must be a 2%-D tensor %[n x d%]$"},
  {"core silhouette label past k", metricscore.silhouette, {T.rand(3, 2), {1, 2, 5}, 2}, "silhouette: label code .* is not an integer in 1%.%.2"},
  {"core silhouette label count", metricscore.silhouette, {T.rand(3, 2), {1, 2}, 2}, "silhouette: 2 labels for 3 rows"},
  {"core silhouette names the bad code", metricscore.silhouette, {T.rand(3, 2), {1, 2, 0}, 2}, "^silhouette: label code 0 at position 3 is not an integer in 1%.%.2$"},
  {"core silhouette string code", metricscore.silhouette, {T.rand(3, 2), {1, 2, "x"}, 2}, "^silhouette: label code x at position 3 is not an integer in 1%.%.2$"},
  {"core silhouette unknown metric", metricscore.silhouette, {T.rand(3, 2), {1, 2, 1}, 2, "l1"}, "^silhouette: unknown metric 'l1' %(euclidean or cosine%)$"},
  {"core silhouette X past BLAS's int sizes", metricscore.silhouette, {T.zeros(1, 1):expand((1 << 31) + 1, 1), {}, 2},
    "^silhouette: X %[2147483649x1%] has more rows or columns than BLAS's 2%^31 %- 1$"},
  {"core knn test X past BLAS's int sizes", metricscore.knn_predict, {T.rand(3, 1), {1, 2, 1}, 2, T.zeros(1, 1):expand(1, (1 << 31) + 7), 1, false},
    "^knn: X %[1x2147483655%] has more rows or columns than BLAS's 2%^31 %- 1$"},
  {"pca with more columns than it takes", metrics.pca, {T.rand(3, 4096), 1}, "pca: X has 4096 columns, more than the 2048 PCA takes"},
  {"core knn label past k", metricscore.knn_predict, {T.rand(3, 2), {1, 2, 9}, 2, T.rand(2, 2), 1, false}, "knn: label code .* is not an integer in 1%.%.2"},
}

-- The shipped model's words, through semeq.semantic and the runtime it runs on.
local sm = assert(require("semeq.semantic").load("models/safe_warm_bright.safetensors"))
local latent = require "semeq.semantic.latent"
local format = require "semeq.settings.format"
local function nan_at(rows, cols, i, j)
  local X = T.zeros(rows, cols)
  X[i][j] = nan
  return X
end
local function sm_method(name) return function(...) return sm[name](sm, ...) end end
local function rt_method(name) return function(...) return sm.runtime[name](sm.runtime, ...) end end
local semantic_cases = {
  {"interpolate alpha a string", sm_method("interpolate"), {"warm", "bright", "a"},
   "semantic:interpolate: alpha must be a finite number, got a$"},
  {"interpolate alpha NaN", sm_method("interpolate"), {"warm", "bright", nan},
   "semantic:interpolate: alpha must be a finite number, got %-?nan$"},
  {"interpolate alpha inf", sm_method("interpolate"), {"warm", "bright", inf},
   "semantic:interpolate: alpha must be a finite number, got inf$"},
  {"edit amount NaN", sm_method("edit"), {T.zeros(1, 40), "warm", nan},
   "semantic:edit: amount must be a number in %[0, 1%], got %-?nan$"},
  {"realise a number", sm_method("realise"), {42}, "semantic:realise: X must be a tensor of rows, got number$"},
  {"format.bands of a number", format.bands, {42}, "^format%.bands: expected a setting {kind =, params = | gains =}, got number$"},
  {"format.json short params", format.json, {{kind = "safe", params = {1, 2}}}, "^format%.json: a safe setting needs params of 13 values$"},
  {"format.response unknown kind", format.response, {{kind = "fir"}}, "^format%.response: unknown EQ kind 'fir'$"},
  {"format.settings a number", format.settings, {3}, "^format%.settings: expected a list of rows, got number$"},
  {"format.curves a row without eq", format.curves, {{{label = "x"}}}, "^format%.curves: row 1 must be a table {label =, eq = | db =}$"},
  {"format.summary40 short", format.summary40, {{1, 2}}, "^format%.summary40: expected 40 gains %(dB%)$"},
  {"latent.sample of a number", latent.sample, {42, 3}, "^latent%.sample: expected a semantic model %(semantic%.load%), got number$"},
  {"latent.sample n = 0", latent.sample, {sm, 0}, "^latent%.sample: n must be an integer >= 1, got 0$"},
  {"latent.variations spread NaN", latent.variations, {sm, "warm", 2, nan}, "^latent%.variations: spread must be a finite number, got %-?nan$"},
  {"latent.nearest_term short code", latent.nearest_term, {sm, T.zeros(3)}, "^latent%.nearest_term: z must be a code of 17 values$"},
  {"runtime encode NaN in a row", rt_method("encode"), {nan_at(2, 40, 2, 3)},
   "runtime:encode: input%[2%]%[3%] = %-?nan is not finite$"},
  {"runtime decode inf in one code", rt_method("decode"), {T.zeros(17):fill(inf)},
   "runtime:decode: input%[1%] = inf is not finite$"},
}

local plot_cases = {
  {"ticks a string", plot.ticks, {"a", 1}, "^ticks: expected finite numbers lo, hi %[, n%], got a$"},
  {"ticks infinite", plot.ticks, {0, inf}, "^ticks: expected finite numbers lo, hi %[, n%], got inf$"},
  {"scale NaN", plot.scale, {nan}, "^scale: expected a number in %[0, 1%], got %-?nan$"},
  {"latent_map X not a tensor", plot.latent_map, {"x", {}}, "^latent_map: X must be a 2%-D tensor %[n x d%]$"},
  {"latent_map label count", plot.latent_map, {T.rand(3, 2), {"a"}}, "^latent_map: expected 3 labels, got 1$"},
  {"latent_map labels not a table", plot.latent_map, {T.rand(3, 2), 7}, "^latent_map: expected 3 labels, got number$"},
  {"latent_map one column", plot.latent_map, {T.rand(3, 1), {"a", "b", "c"}}, "^latent_map: X needs at least 2 columns, got 1$"},
  {"latent_map unwritable path", plot.latent_map, {T.rand(2, 2), {"a", "b"}, "/nonexistent/dir/x.svg"}, "^cannot write /nonexistent/dir/x%.svg: No such file or directory$", fails = true},
  {"responses empty", plot.responses, {{}}, "^responses: expected a non%-empty array of {label=, db=}$"},
  {"responses length mismatch", plot.responses, {{{db = {1, 2}}}, nil, {freqs = {1}}}, "^responses: curve 1 has 2 values for 1 frequencies$"},
  {"responses db a string", plot.responses, {{{db = "x"}}}, "^responses: expected a tensor or a table of numbers$"},
  {"responses negative frequency", plot.responses, {{{db = {1, 2}, freqs = {-1, 0}}}}, "^responses: curve 1 frequency 1 = %-1 must be a positive finite number$"},
  {"responses zero frequency", plot.responses, {{{db = {1, 2}, freqs = {10, 0}}}}, "^responses: curve 1 frequency 2 = 0 must be a positive finite number$"},
  {"responses NaN frequency", plot.responses, {{{db = {1}, freqs = {nan}}}}, "^responses: curve 1 frequency 1 = %-?nan must be a positive finite number$"},
  {"responses string frequency", plot.responses, {{{db = {1}, freqs = {"x"}}}}, "^responses: curve 1 frequency 1 = x must be a positive finite number$"},
  {"responses string gain", plot.responses, {{{db = {1, "x"}, freqs = {10, 20}}}}, "^responses: curve 1 value 2 is a string, not a number$"},
  {"loss not a table", plot.loss, {"x"}, "^loss: expected a table of loss series$"},
  {"loss empty", plot.loss, {{}}, "^loss: no series to draw$"},
  {"loss empty series", plot.loss, {{a = {}}}, "^loss: series 1 is empty$"},
  {"loss log_y with zero", plot.loss, {{a = {1, 0}}, nil, {log_y = true}}, "^loss: log_y needs positive losses$"},
  {"loss string values", plot.loss, {{a = {"x"}}}, "^loss: series 1 value 1 is a string, not a number$"},
  {"loss boolean value in the second series", plot.loss, {{{label = "a", values = {1}}, {label = "b", values = {2, false}}}}, "^loss: series 2 value 2 is a boolean, not a number$"},
}

-- Sound-file fixtures: a valid 16-bit WAV (written by semeq itself), an empty file, a
-- text file named .wav, and the WAV cut inside its data chunk and inside its header.
local dir = h.tmpdir()
local wav = dir .. "/ok.wav"
if has_audio then
  audio.write(wav, T.rand(64, 1) - 0.5, {samplerate = 8000, subtype = "pcm_16"})
  local bytes = h.read(wav)
  h.write(dir .. "/empty.wav", "")
  h.write(dir .. "/text.wav", "hello, not a sound\n")
  h.write(dir .. "/cut_header.wav", bytes:sub(1, 30))
  h.write(dir .. "/cut_data.wav", bytes:sub(1, #bytes - 40))
end
local function closed(path, opts)
  local f = opts and audio.create(path, opts) or audio.open(path)
  f:close()
  return f
end
local P = {0, 100, 0, 1000, 1, 0, 2000, 1, 0, 4000, 1, 0, 8000} -- a valid SAFE setting
local function with(i, v)
  local p = {table.unpack(P)}
  p[i] = v
  return p
end

local audio_cases = not has_audio and {} or {
  {"open nil", audio.open, {nil, n = 1}, "bad argument #1 to 'open' %(string expected, got nil%)"},
  {"open missing file", audio.open, {dir .. "/none.wav"}, "^" .. dir:gsub("%p", "%%%0") .. "/none%.wav: No such file or directory$", fails = true},
  {"open a folder", audio.open, {dir}, "^" .. dir:gsub("%p", "%%%0") .. ": a folder, not a sound file$", fails = true},
  {"open zero-length file", audio.open, {dir .. "/empty.wav"}, "^.*/empty%.wav: an empty file$", fails = true},
  {"open text with a .wav name", audio.open, {dir .. "/text.wav"}, "^.*/text%.wav: Format not recognised", fails = true},
  {"open header cut short", audio.open, {dir .. "/cut_header.wav"}, "^.*/cut_header%.wav: ", fails = true},
  {"open a directory", audio.open, {dir}, "^" .. dir:gsub("%p", "%%%0") .. ": ", fails = true},
  {"read block 0", method "read", {audio.open(wav), 0}, "bad argument #1 to 'read' %(block size must be >= 1%)"},
  {"read negative block", method "read", {audio.open(wav), -1}, "bad argument #1 to 'read' %(size must be >= 0, got %-1%)"},
  {"open with an unknown nonfinite mode", audio.open, {wav, {nonfinite = "drop"}}, "bad argument #2 to 'open' %(option 'nonfinite' must be \"error\" or \"zero\"%)"},
  {"open with a string for options", audio.open, {wav, "zero"}, "bad argument #2 to 'open' %(table expected, got string%)"},
  {"read with an unknown nonfinite mode", audio.read, {wav, {nonfinite = 1}}, "bad argument #2 to 'read' %(option 'nonfinite' must be"},
  {"audio.write a NaN", audio.write, {dir .. "/nan.wav", T.new {{0}, {nan}}, {samplerate = 8000}},
    "^.*/nan%.wav: sample nan at frame 1 of the block, channel 1: refusing to write a non%-finite sample$", fails = true},
  {"audio.write an Inf to FLAC", audio.write, {dir .. "/inf.flac", T.new {{0, 0}, {0, -inf}}, {samplerate = 8000}},
    "^.*/inf%.flac: sample %-inf at frame 1 of the block, channel 2: refusing", fails = true},
  {"writer:write a NaN", function(w, x) return w:write(x) end, {audio.create(dir .. "/nan2.wav", {samplerate = 8000, channels = 1}), T.new {1, nan}},
    "^.*/nan2%.wav: sample nan at frame 1 of the block", fails = true},
  {"read string block", method "read", {audio.open(wav), "x"}, "bad argument #1 to 'read' %(number expected, got string%)"},
  {"read a closed file", method "read", {closed(wav), 10}, "calling 'read' on bad self %(attempt to use a closed sound file%)"},
  {"info of a closed file", method "info", {closed(wav)}, "calling 'info' on bad self %(attempt to use a closed sound file%)"},
  {"write to a closed writer", method "write", {closed(dir .. "/w.wav", {samplerate = 8000, channels = 1}), T.zeros(4)},
    "calling 'write' on bad self %(attempt to use a closed sound file%)"},
  {"write to a reader", method "write", {audio.open(wav), T.zeros(4)}, "calling 'write' on bad self %(sound file is open for reading%)"},
  {"create without samplerate", audio.create, {dir .. "/x.wav", {channels = 1}}, "bad argument #2 to 'create' %(samplerate is required%)"},
  {"create samplerate 0", audio.create, {dir .. "/x.wav", {samplerate = 0, channels = 1}}, "bad argument #2 to 'create' %(option 'samplerate' must be a positive integer%)"},
  {"create samplerate NaN", audio.create, {dir .. "/x.wav", {samplerate = nan, channels = 1}}, "bad argument #2 to 'create' %(option 'samplerate' must be a positive integer%)"},
  {"create 0 channels", audio.create, {dir .. "/x.wav", {samplerate = 8000, channels = 0}}, "bad argument #2 to 'create' %(option 'channels' must be a positive integer%)"},
  {"create 2^20 channels", audio.create, {dir .. "/x.wav", {samplerate = 8000, channels = 1 << 20}}, "^.*/x%.wav: libsndfile cannot write format .* with 1048576 channels", fails = true},
  {"create unknown extension", audio.create, {dir .. "/x.xyz", {samplerate = 8000, channels = 1}}, "^.*/x%.xyz: cannot tell the sound format from the file name", fails = true},
  {"create unknown format", audio.create, {dir .. "/x.wav", {samplerate = 8000, channels = 1, format = "zzz"}}, "bad argument #2 to 'create' %(unknown format 'zzz'%)"},
  {"create FLAC float (unsupported)", audio.create, {dir .. "/x.flac", {samplerate = 8000, channels = 1, subtype = "float"}}, "^.*/x%.flac: libsndfile cannot write", fails = true},
  {"create in a missing folder", audio.create, {"/nonexistent/x.wav", {samplerate = 8000, channels = 1}}, "^/nonexistent/x%.wav: cannot create a temporary file: No such file or directory$", fails = true},
  {"create with string options", audio.create, {dir .. "/x.wav", "x"}, "bad argument #2 to 'create' %(table expected, got string%)"},
  {"audio.write nil data", audio.write, {dir .. "/z.wav", nil, {samplerate = 8000}, n = 3}, "bad argument #2 to 'write' %(semeq.Tensor expected, got nil%)"},
  {"audio.write 3-d data", audio.write, {dir .. "/z.wav", T.zeros(2, 2, 2), {samplerate = 8000}}, "bad argument #2 to 'write' %(expected %[frames x 1%] audio, got %[2x2x2%]%)"},
  {"audio.write channels mismatch", audio.write, {dir .. "/z2.wav", T.zeros(4, 1), {samplerate = 8000, channels = 2}}, "bad argument #2 to 'write' %(expected %[frames x 2%] audio, got %[4x1%]%)"},
  {"read a WAV cut inside its data", audio.read, {dir .. "/cut_data.wav"}, "^.*/cut_data%.wav: truncated: 44 of 64 frames$", fails = true},
}

local eq_cases = not has_eq and {} or {
  {"nparams unknown kind", eq.nparams, {"zzz"}, "bad argument #1 to 'nparams' %(unknown filterbank 'zzz' %(safe, graphic40%)%)"},
  {"log_grid negative", eq.log_grid, {-1}, "bad argument #1 to 'log_grid' %(size must be >= 0, got %-1%)"},
  {"log_grid huge", eq.log_grid, {(1 << 40) + 1}, "bad argument #1 to 'log_grid' %(n = 1099511627777 is more than"},
  {"log_grid lo > hi", eq.log_grid, {10, 100, 10}, "bad argument #2 to 'log_grid' %(need 0 < lo <= hi%)"},
  {"log_grid lo = 0", eq.log_grid, {10, 0, 10}, "bad argument #2 to 'log_grid' %(need 0 < lo <= hi%)"},
  {"response unknown kind", eq.response, {"zzz", P, T.new {100}}, "bad argument #1 to 'response' %(unknown filterbank 'zzz'"},
  {"response 3 params", eq.response, {"safe", {1, 2, 3}, T.new {100}}, "bad argument #2 to 'response' %(safe needs %[batch x 13%] or %[13%] parameters, got %[3%]%)"},
  {"response NaN gain", eq.response, {"safe", with(1, nan), T.new {100}}, "^eq%.response: low shelf gain = %-?nan is not finite$"},
  {"response above Nyquist", eq.response, {"safe", with(7, 30000), T.new {100}}, "^eq%.response: peak 2 frequency = 30000 must be below Nyquist %(22050 Hz%)$"},
  {"response Q = 0", eq.response, {"safe", with(5, 0), T.new {100}}, "^eq%.response: peak 1 Q = 0 must be above 0$"},
  {"response NaN frequency", eq.response, {"safe", P, T.new {nan}}, "^eq%.response: frequency grid frequency = %-?nan must be a finite number >= 0$"},
  {"response negative frequency", eq.response, {"safe", P, T.new {-5}}, "^eq%.response: frequency grid frequency = %-5 must be a finite number >= 0$"},
  {"response 2-d frequencies", eq.response, {"safe", P, T.zeros(2, 2)}, "bad argument #3 to 'response' %(frequencies must be 1%-d, got %[2x2%]%)"},
  {"response fs = 0", eq.response, {"safe", P, T.new {100}, {fs = 0}}, "bad argument #4 to 'response' %(fs must be a positive number up to 1e7 Hz, got 0"},
  {"response fs = 1e300", eq.response, {"safe", P, T.new {100}, {fs = 1e300}}, "bad argument #4 to 'response' %(fs must be a positive number up to 1e7 Hz, got 1e%+300%)"},
  {"response gain beyond 60 dB", eq.response, {"safe", with(3, 61), T.new {100}}, "^eq%.response: peak 1 gain = 61 is beyond %+%-60 dB$"},
  {"response gain that overflows the filter", eq.response, {"graphic40", T.full({40}, 1e6), T.new {100}}, "^eq%.response: band 1 %(20 Hz%) gain = 1e%+06 is beyond %+%-60 dB$"},
  {"biquad Q so small the coefficients overflow", eq.biquad, {"peak", {freq = 1000, gain = 60, q = 1e-309}}, "^eq%.biquad: peak needs .*finite coefficients %(got freq=1000%.0 gain=60%.0 q=1e%-309"},
  {"biquad gain beyond 60 dB", eq.biquad, {"peak", {freq = 1000, gain = 1e6}}, "^eq%.biquad: peak needs |gain| <= 60 dB.*gain=1000000%.0"},
  {"biquad_response NaN frequency", eq.biquad_response, {"peak", {freq = 1000, gain = 6}, T.new {100, nan}}, "^eq%.biquad_response: frequency 2 = %-?nan must be a finite number >= 0$"},
  {"biquad_response negative frequency", eq.biquad_response, {"peak", {freq = 1000, gain = 6}, T.new {-1}}, "^eq%.biquad_response: frequency 1 = %-1%.0 must be a finite number >= 0$"},
  {"audealize_gains absurd amount", eq.audealize_gains, {T.arange(40), 1e6}, "bad argument #2 to 'audealize_gains' %(amount 1000000%.0 gives gains of %+%-5000000%.0 dB, beyond %+%-60 dB %(|amount| <= 12%)%)"},
  {"audealize_gains amount just past the limit", eq.audealize_gains, {T.arange(40), -12.5}, "bad argument #2 to 'audealize_gains' %(amount %-12%.5 gives gains of %+%-62%.5 dB"},
  {"new with fs and smoothing past int64 frames", eq.new, {"safe", P, {fs = 1e300, smooth_ms = 1}}, "bad argument #3 to 'new' %(fs must be a positive number up to 1e7 Hz, got 1e%+300%)"},
  {"new with a 200 dB gain", eq.new, {"safe", with(3, 200)}, "^eq%.new: peak 1 gain = 200 is beyond %+%-60 dB$"},
  {"set a 1e6 dB gain", method "set", {eq.new("graphic40", T.zeros(40)), T.full({40}, -1e6)}, "filter:set: band 1 %(20 Hz%) gain = %-1e%+06 is beyond %+%-60 dB$"},
  {"process a NaN sample", function(f, x) return f:process(x) end, {eq.new("safe", P, {channels = 2}), T.new {{0, 0}, {0, nan}, {0, 0}}},
    "^the output at frame 1 %(row 2 of the block%), channel 2 is not finite", fails = true},
  {"process an Inf sample", function(f, x) return f:process(x) end, {eq.new("safe", P), T.new {1, 2, inf}},
    "^the output at frame 2 %(row 3 of the block%), channel 1 is not finite", fails = true},
  {"process a finite sample too large for the gain", function(f, x) return f:process(x) end, {eq.new("safe", with(1, 12)), T.full({64}, 3e38)},
    "^the output at frame %d+ %(row %d+ of the block%), channel 1 is not finite", fails = true},
  {"biquad unknown kind", eq.biquad, {"zzz", {freq = 100}}, "bad argument #1 to 'biquad' %(unknown biquad kind 'zzz'"},
  {"biquad without freq", eq.biquad, {"peak", {}}, "^eq%.biquad: peak needs |gain| <= 60 dB, 0 < freq < fs/2 and q > 0, and finite coefficients %(got freq=%-?nan"},
  {"biquad infinite freq", eq.biquad, {"peak", {freq = inf}}, "^eq%.biquad: peak needs |gain| <= 60 dB, 0 < freq < fs/2 and q > 0, and finite coefficients %(got freq=inf"},
  {"audealize_gains 3 values", eq.audealize_gains, {T.zeros(3), 1}, "bad argument #1 to 'audealize_gains' %(curve must be %[40%] or %[batch x 40%], got %[3%]%)"},
  {"audealize_gains NaN curve", eq.audealize_gains, {T.full({40}, nan), 1}, "^eq%.audealize_gains: curve value 1 %(band 1%) = %-?nan is not finite$"},
  {"audealize_gains NaN amount", eq.audealize_gains, {T.zeros(40), nan}, "bad argument #2 to 'audealize_gains' %(amount must be finite, got %-?nan%)"},
  {"audealize_gains infinite amount", eq.audealize_gains, {T.zeros(40), -inf}, "bad argument #2 to 'audealize_gains' %(amount must be finite, got %-inf%)"},
  {"audealize_gains Inf in the second row", eq.audealize_gains, {(function() local c = T.zeros(2, 40); c[2][3] = inf; return c end)(), 1},
    "^eq%.audealize_gains: curve value 43 %(band 3%) = inf is not finite$"},
  {"fit_safe length mismatch", eq.fit_safe, {T.zeros(5), T.new {100, 200}}, "^eq%.fit_safe: target and freqs must be 1%-d of the same length %(1%.%.100000%)$"},
  {"fit_safe empty", eq.fit_safe, {T.zeros(0), T.zeros(0)}, "^eq%.fit_safe: target and freqs must be 1%-d of the same length"},
  {"fit_safe NaN target", eq.fit_safe, {T.new {nan, 0}, T.new {100, 200}}, "^eq%.fit_safe: target 1 is not finite$"},
  {"new unknown kind", eq.new, {"zzz", P}, "bad argument #1 to 'new' %(unknown filterbank 'zzz'"},
  {"new 0 channels", eq.new, {"safe", P, {channels = 0}}, "bad argument #3 to 'new' %(channels must be an integer in 1%.%.1024%)"},
  {"new negative fs", eq.new, {"safe", P, {fs = -1}}, "bad argument #3 to 'new' %(fs must be a positive number up to 1e7 Hz, got %-1"},
  {"new NaN smoothing", eq.new, {"safe", P, {smooth_ms = nan}}, "bad argument #3 to 'new' %(smooth_ms must be in %[0, 60000%]%)"},
  {"process wrong channels", method "process", {eq.new("safe", P, {channels = 2}), T.zeros(4, 3)}, "bad argument #1 to 'process' %(expected %[frames x 2%] audio, got %[4x3%]%)"},
  {"process a string", method "process", {eq.new("safe", P), "x"}, "bad argument #1 to 'process' %(semeq.Tensor expected, got string%)"},
  {"process 3-d audio", method "process", {eq.new("safe", P), T.zeros(2, 2, 2)}, "bad argument #1 to 'process' %(expected %[frames x 1%] audio, got %[2x2x2%]%)"},
  {"set 2 params", method "set", {eq.new("safe", P), {1, 2}}, "bad argument #1 to 'set' %(expected 13 parameters, got 2%)"},
}

local function trained(layer, x) layer:forward(x); return layer end

local nn_cases = not has_nn and {} or {
  {"Linear negative size", nn.Linear, {-1, 2}, "nn%.Linear: inputSize must be a positive integer"},
  {"Linear string size", nn.Linear, {"a", 2}, "nn%.Linear: inputSize must be a positive integer"},
  {"Linear size 0", nn.Linear, {0, 2}, "nn%.Linear: inputSize must be a positive integer"},
  {"Linear huge", nn.Linear, {1 << 30, 1 << 30}, "sizes give more than 2%^40 elements"},
  {"Linear forward wrong width", method "forward", {nn.Linear(3, 2), T.zeros(4, 5)}, "^nn%.Linear: expected input %[N x 3%], got %[4x5%]$"},
  {"Linear forward nil", method "forward", {nn.Linear(3, 2), nil, n = 2}, "^nn%.Linear: expected input %[N x 3%], got nil$"},
  {"Linear forward 3-d", method "forward", {nn.Linear(3, 2), T.zeros(2, 2, 3)}, "^nn%.Linear: expected input %[N x 3%], got %[2x2x3%]$"},
  {"Linear backward wrong gradOutput", method "backward", {trained(nn.Linear(3, 2), T.zeros(4, 3)), T.zeros(4, 3), T.zeros(4, 5)},
    "^nn%.Linear:backward: gradOutput %[4x5%] does not match the output %[4x2%]$"},
  {"Linear backward number gradOutput", method "backward", {trained(nn.Linear(3, 2), T.zeros(4, 3)), T.zeros(4, 3), 42},
    "^nn%.Linear:backward: gradOutput must be a tensor like the output %[4x2%], got number$"},
  {"ReLU backward nil gradOutput", method "backward", {trained(nn.ReLU(), T.zeros(4, 3)), T.zeros(4, 3), nil, n = 3},
    "^nn%.ReLU:backward: gradOutput must be a tensor like the output %[4x3%], got nil$"},
  {"Residual backward wrong gradOutput", method "backward", {trained(nn.Residual(3, 2), T.zeros(4, 3)), T.zeros(4, 3), T.zeros(3, 2)},
    "^nn%.Residual:backward: gradOutput %[3x2%] does not match the output %[4x2%]$"},
  {"Residual string size", nn.Residual, {"a", 2}, "^nn%.Residual: inputSize must be a positive integer$"},
  {"Residual one size", nn.Residual, {4}, "^nn%.Residual: outputSize must be a positive integer$"},
  {"Sequential names the failing child", method "forward", {nn.Sequential():add(nn.Linear(3, 2)):add(nn.Linear(4, 1)), T.zeros(2, 3)},
    "^Sequential: module 2 %(nn%.Linear%): nn%.Linear: expected input %[N x 4%], got %[2x2%]$"},
  {"Sequential add a number", method "add", {nn.Sequential(), 3}, "add: argument must be an nn module"},
  {"MSE size mismatch", method "forward", {nn.MSECriterion(), T.zeros(2, 3), T.zeros(2, 4)}, "MSECriterion: size mismatch, input %[2x3%] vs target %[2x4%]"},
  {"MSE nil target", method "forward", {nn.MSECriterion(), T.zeros(2, 3), nil, n = 3}, "^nn%.MSECriterion: target must be a tensor, got nil$"},
  {"MSE nil input", method "forward", {nn.MSECriterion(), nil, T.zeros(2, 3), n = 3}, "^nn%.MSECriterion: input must be a tensor, got nil$"},
  {"L1 table target", method "forward", {nn.L1Criterion(), T.zeros(2), {0, 0}}, "^nn%.L1Criterion: target must be a tensor, got table$"},
  {"SmoothL1 string target", method "forward", {nn.SmoothL1Criterion(), T.zeros(2), "x"}, "^nn%.SmoothL1Criterion: target must be a tensor, got string$"},
  {"SupCon nil labels", method "forward", {nn.SupConCriterion(), T.zeros(2, 3), nil, n = 3}, "^nn%.SupConCriterion: target must be a tensor or a table of class labels, got nil$"},
  {"CrossEntropy label past the classes", method "forward", {nn.CrossEntropyCriterion(), T.zeros(2, 3), T.new {1, 7}}, "label 7%.0 at row 2 is not a class in 1%.%.3"},
  {"CrossEntropy label 0", method "forward", {nn.CrossEntropyCriterion(), T.zeros(2, 3), T.new {0, 1}}, "label 0%.0 at row 1 is not a class in 1%.%.3"},
  {"CrossEntropy NaN label", method "forward", {nn.CrossEntropyCriterion(), T.zeros(2, 3), T.new {nan, 1}}, "label %-?nan at row 1 is not a class in 1%.%.3"},
  {"CrossEntropy table target with a string label", method "forward", {nn.CrossEntropyCriterion(), T.zeros(2, 3), {1, "x"}}, "^nn%.CrossEntropyCriterion: target must be a tensor or a flat table of class labels$"},
  {"CrossEntropy nested table target", method "forward", {nn.CrossEntropyCriterion(), T.zeros(2, 3), {{1}, {2}}}, "^nn%.CrossEntropyCriterion: target must be a tensor or a flat table of class labels$"},
  {"CrossEntropy table label past the classes", method "forward", {nn.CrossEntropyCriterion(), T.zeros(2, 3), {1, 7}}, "label 7%.0 at row 2 is not a class in 1%.%.3"},
  {"supcon rows whose square wraps int64", nncore and nncore.supcon, {T.zeros(1 << 32, 0), T.zeros(1 << 32, 0), 0.1, 1},
    "bad argument #1 to 'supcon' %(4294967296 rows need a 4294967296 x 4294967296 similarity matrix, more than 2%^40 elements%)"},
  {"supcon rows past the scratch limit", nncore and nncore.supcon, {T.zeros(1 << 21, 0), T.zeros(1 << 21, 0), 0.1, 1},
    "bad argument #1 to 'supcon' %(2097152 rows need"},
  {"Dropout p = 2", nn.Dropout, {2}, "nn%.Dropout: p must be in %[0, 1%)"},
  {"Dropout p = NaN", nn.Dropout, {nan}, "nn%.Dropout: p must be in %[0, 1%)"},
  {"LeakyReLU string slope", nn.LeakyReLU, {"x"}, "^nn%.LeakyReLU: negativeSlope must be a finite number, got x$"},
  {"LeakyReLU NaN slope", nn.LeakyReLU, {nan}, "^nn%.LeakyReLU: negativeSlope must be a finite number, got %-?nan$"},
  {"LeakyReLU infinite slope", nn.LeakyReLU, {inf}, "^nn%.LeakyReLU: negativeSlope must be a finite number, got inf$"},
  {"BatchNorm size 0", nn.BatchNorm, {0}, "nn%.BatchNorm: size must be a positive integer"},
  {"BatchNorm wrong width", method "forward", {nn.BatchNorm(3), T.zeros(4, 5)}, "^nn%.BatchNorm: expected input %[N x 3%], got %[4x5%]$"},
  {"LayerNorm wrong width", method "forward", {nn.LayerNorm(3), T.zeros(4, 5)}, "^nn%.LayerNorm: expected input %[%.%.%. x 3%], got %[4x5%]$"},
  {"adam gradient size", optim.adam, {function() return 1, T.zeros(3) end, T.zeros(2), {}, {}}, "bad argument #2 to 'adam' %(expected 2 elements, got 3%)"},
  {"adam NaN learning rate", optim.adam, {function() return 1, T.zeros(2) end, T.zeros(2), {learningRate = nan}, {}}, "bad argument #5 to 'adam' %(number must be finite%)"},
  {"adam parameters not a tensor", optim.adam, {function() return 1, T.zeros(2) end, "x", {}, {}}, "^optim%.adam: x must be a tensor of parameters, got string$"},
  {"adamw parameters nil", optim.adamw, {function() return 1, T.zeros(2) end, nil, {}, {}, n = 4}, "^optim%.adamw: x must be a tensor of parameters, got nil$"},
  {"sgd parameters a table", optim.sgd, {function() return 1, T.zeros(2) end, {1, 2}, {}, {}}, "^optim%.sgd: x must be a tensor of parameters, got table$"},
  {"sgd nil gradient", optim.sgd, {function() return 1, nil end, T.zeros(2), {}, {}}, "bad argument #2 to 'sgd' %(semeq.Tensor expected, got nil%)"},
  {"clipGradNorm not a tensor", optim.clipGradNorm, {3, 1}, "bad argument #1 to 'norm' %(semeq.Tensor expected, got number%)"},
  {"clipGradNorm negative norm", optim.clipGradNorm, {T.ones(2), -1}, "^optim%.clipGradNorm: maxNorm must be a number >= 0, got %-1$"},
  {"clipGradNorm NaN norm", optim.clipGradNorm, {T.ones(2), nan}, "^optim%.clipGradNorm: maxNorm must be a number >= 0, got %-?nan$"},
  {"clipGradNorm string norm", optim.clipGradNorm, {T.ones(2), "1"}, "^optim%.clipGradNorm: maxNorm must be a number >= 0, got 1$"},
  {"sampler negative n", sampler.shuffled, {-1, 2}, "sampler%.shuffled: n must be a non%-negative integer"},
  {"sampler batch 0", sampler.shuffled, {4, 0}, "sampler%.shuffled: batchSize must be a positive integer"},
  {"sampler balanced too many terms", sampler.balanced, {{1, 1, 2}, 5, 1}, "sampler%.balanced: 5 terms per batch but only 2 terms"},
  {"save numeric path", mio.save, {nn.Linear(2, 2), 5}, "models%.io%.save: path must be a string"},
  {"save into a missing folder", mio.save, {nn.Linear(2, 2), "/nonexistent/x.safetensors"}, "^/nonexistent/x%.safetensors: cannot create a temporary file next to it: No such file or directory", fails = true},
  {"save a non-model", mio.save, {{}, dir .. "/x.safetensors"}, "models%.io%.save: expected an nn model %(with stateDict%), got table$"},
  {"save nil", mio.save, {nil, dir .. "/x.safetensors", n = 2}, "models%.io%.save: expected an nn model %(with stateDict%), got nil$"},
  {"models.io.load numeric path", mio.load, {5}, "models%.io%.load: path must be a string"},
  {"loadStateDict missing tensor", mio.loadStateDict, {nn.Linear(2, 2), {}}, "loadStateDict: missing tensor 'weight'$"},
  {"loadStateDict wrong shape", mio.loadStateDict, {nn.Linear(2, 2), {weight = T.zeros(7), bias = T.zeros(2)}}, "loadStateDict: tensor 'weight' has shape %[7%], the model needs %[2x2%]$"},
  {"models.build unknown kind", models.build, {{kind = "zzz"}}, "models%.build: unknown model kind 'zzz' %(known: beta_vae, classifier, contrastive_ae, semantic_axis, word_mixture%)$"},
  {"models.build nil", models.build, {nil, n = 1}, "models%.build: config must be a table"},
  {"models.semantic_axis a number", models.semantic_axis, {3}, "^models%.semantic_axis: config must be a table, got number$"},
  {"models.contrastive_ae nil", models.contrastive_ae, {nil, n = 1}, "^models%.contrastive_ae: config must be a table, got nil$"},
  {"json.decode truncated", json.decode, {"{"}, "^bad JSON at byte 0$", fails = true},
  {"json.encode a function", require("semeq.util.json").encode, {{f = print}}, "json%.encode: cannot encode a function"},
  {"json.encode a cycle", require("semeq.util.json").encode, {(function() local t = {} t.t = t return t end)()}, "json%.encode: nesting too deep %(a cycle%?%)"},
  {"sampler.balanced a number", sampler.balanced, {42, 2, 2}, "^sampler%.balanced: labels must be a table or a tensor, got number$"},
  {"sampler.balanced no perClass", sampler.balanced, {{1, 2}, 2}, "^sampler%.balanced: perClass must be an integer >= 1, got nil$"},
  {"models.io.graph a table", mio.graph, {{}}, "^models%.io%.graph: expected an nn model %(with graphNode%), got table$"},
}

-- The library's other entry points that a script calls with what a user gave.
local process = require "semeq.process"
local prepare = require "semeq.data.prepare"
local paths = require "semeq.util.paths"
local SAFE_PARAMS = {0, 100, 0, 500, 1, 0, 1000, 1, 0, 3000, 1, 0, 8000}
local library_cases = {
  {"process.check_eq a number", process.check_eq, {"safe", 42}, "^process%.check_eq: params must be 13 numbers %(a table or a 1%-D tensor%) for safe, got number$"},
  {"process.check_gains unknown kind", process.check_gains, {"bogus", SAFE_PARAMS}, "^process%.check_gains: unknown kind 'bogus' %(safe, graphic40%)$"},
  {"process.fit_rate short tensor", process.fit_rate, {"safe", T.zeros(12), 44100}, "^process%.fit_rate: params must be 13 numbers %(a table or a 1%-D tensor%) for safe, got a tensor of 12$"},
  {"process.check_gains a string param", process.check_gains, {"safe", {0, 100, "x", 500, 1, 0, 1000, 1, 0, 3000, 1, 0, 8000}}, "^process%.check_gains: params%[3%] must be a number, got string$"},
  {"process.fit_rate no rate", process.fit_rate, {"safe", SAFE_PARAMS}, "^process%.fit_rate: rate must be a positive number of Hz, got nil$"},
  {"linear.standardizer a table", require("semeq.linear").standardizer, {{1, 2}}, "^linear%.standardizer: X must be a 2%-D tensor %[n x d%], got table$"},
  {"semantic.from_training a number", require("semeq.semantic").from_training, {42}, "^semantic%.from_training: model must be a trained model with encode %(semeq%.models%), got number$"},
  {"prepare.prepare opts a number", prepare.prepare, {42}, "^prepare%.prepare: opts must be a table, got number$"},
  {"prepare.dataset data a table", prepare.dataset, {{data = {}}}, "^prepare%.dataset: opts%.data must be a dataset name or a path, got table$"},
  {"prepare.represent no dataset", prepare.represent, {nil, "safe", n = 2}, "^prepare%.represent: ds must be a dataset %(semeq%.data%), got nil$"},
  {"prepare.kind_of a number", prepare.kind_of, {42}, "^prepare%.kind_of: name must be a dataset name or a path, got number$"},
  {"paths.model a table", paths.model, {{}}, "^paths%.model: name must be a string, got table$"},
  {"paths.shown nil", paths.shown, {nil, n = 1}, "^paths%.shown: path must be a string, got nil$"},
  {"evaluate.model a number", require("semeq.eval").model, {42}, "^evaluate%.model: ex must be an experiment from semeq%.data%.prepare, got number$"},
  {"evaluate.scores labels a number", require("semeq.eval").scores, {T.zeros(3, 2), 42, T.zeros(3, 2), {}}, "^scores%.of: train_y must be a list of labels, got number$"},
  {"vocabulary.merge_path a number", require("semeq.semantic.vocabulary").merge_path, {42}, "^vocabulary%.merge_path: ex must be an experiment from semeq%.data%.prepare, got number$"},
  {"vocabulary.choose no thresholds", require("semeq.semantic.vocabulary").choose, {{}, {}}, "^vocabulary%.choose: opts must give min_accuracy and min_silhouette %(numbers%)$"},
  {"vocabulary.relabel a number", require("semeq.semantic.vocabulary").relabel, {42, {}}, "^vocabulary%.relabel: keys must be a list of term keys and groups a list of groups of them$"},
  {"pca_reconstruction other widths", require("semeq.eval").pca_reconstruction, {T.zeros(3, 2), T.zeros(3, 3), 1}, "^pca_reconstruction: X_train and X_test must be 2%-D tensors with the same columns$"},
}

-- "Huge" sizes are past the tensor cap (2^40 elements), so they fail before any
-- allocation: a request below the cap but above ASan's 1 TB limit would abort an ASan
-- run (allocator_may_return_null=0) even though a release build reports it cleanly.

-- Runs one row: the call must fail with a string that matches the pattern.
-- A C function called through pcall is named by its module path
-- ('semeq.tensor.zeros'); a Lua call site names it 'zeros'. Compare the short name.
local function check_fails(row)
  local name, fn, args, pattern = row[1], row[2], row[3], row[4]
  local r = table.pack(pcall(fn, table.unpack(args, 1, args.n or #args)))
  assert.is_true(r[1], name .. ": an environment failure must not raise: " .. tostring(r[2]))
  assert.is_nil(r[2], name .. ": expected nil")
  assert.are.equal("string", type(r[3]), name .. ": expected a message after nil")
  if not r[3]:find(pattern) then error(string.format("%s: message %q does not match %q", name, r[3], pattern)) end
end

local function check(row)
  if row.fails then return check_fails(row) end
  local name, fn, args, pattern = row[1], row[2], row[3], row[4]
  local ok, err = pcall(fn, table.unpack(args, 1, args.n or #args))
  if not ok and type(err) == "string" then
    err = err:gsub("to 'semeq%.[%w_.]-%.([%w_]+)'", "to '%1'")
  end
  if row.known then
    -- still called above: a crash would have ended the run
    if ok or type(err) ~= "string" or not err:find(pattern) then
      pending("known bug: " .. row.known .. " (got " .. (ok and "no error" or tostring(err)) .. ")")
      return
    end
  end
  assert.is_false(ok, name .. ": expected an error")
  assert.are.equal("string", type(err), name .. ": the error is a string")
  -- Lua's own runtime errors mean the function did not check its input
  for _, internal in ipairs {"attempt to index", "attempt to call", "attempt to compare",
                             "attempt to perform arithmetic", "attempt to concatenate", "attempt to get length"} do
    assert.is_nil(err:find(internal, 1, true), name .. ": an internal error leaked out: " .. err)
  end
  if not err:find(pattern) then
    error(string.format("%s: message %q does not match %q", name, err, pattern))
  end
end

local groups = {["semeq.tensor"] = tensor_cases, ["semeq.data"] = data_cases,
                ["semeq.metrics"] = metrics_cases, ["semeq.eval.plot"] = plot_cases,
                ["semeq.audio"] = audio_cases, ["semeq.eq"] = eq_cases, ["semeq.nn/optim"] = nn_cases,
                ["semeq.semantic"] = semantic_cases, ["the library's other entry points"] = library_cases}
for group, cases in pairs(groups) do
  describe("bad input to " .. group, function()
    for _, row in ipairs(cases) do
      it(row[1], function() check(row) end)
    end
  end)
end

describe("bad input tables", function()
  it("name every case uniquely", function()
    local seen = {}
    for _, cases in pairs(groups) do
      for _, row in ipairs(cases) do
        assert.is_nil(seen[row[1]], "duplicate case " .. row[1])
        seen[row[1]] = true
      end
    end
  end)

  it("accept the good call of each kind (the harness can tell success from failure)", function()
    -- the same functions with valid arguments: no error
    assert.are.same({2, 3}, T.zeros(2, 3):size())
    assert.are.equal(2, #list.permutation(2))
    assert.are.equal("string", type(plot.loss({a = {1, 2}})))
    local ok = pcall(check, {"a call that succeeds", T.zeros, {2}, "^x$"})
    assert.is_false(ok)
  end)
end)
