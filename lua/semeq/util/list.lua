--- semeq.util.list: small operations on Lua arrays that several layers need.
--
--   list.take({"a", "b", "c"}, {3, 1})      --> {"c", "a"}
--   list.distinct({"a", "b", "a"})          --> 2
--   list.permutation(5)                      --> e.g. {3, 1, 5, 2, 4} (the interpreter's RNG)
--   list.sorted_keys({b = 1, a = 2})         --> {"a", "b"}
local T = require "semeq.tensor"

local M = {}

--- The items of list at positions idx, in that order.
function M.take(list, idx)
  local out = {}
  for i, j in ipairs(idx) do out[i] = list[j] end
  return out
end

--- How many different values list holds.
function M.distinct(list)
  local seen, n = {}, 0
  for _, v in ipairs(list) do
    if not seen[v] then seen[v], n = true, n + 1 end
  end
  return n
end

--- A random permutation of 1..n as integers, from semeq.tensor.randperm (the one
-- permutation of semeq, drawn from the interpreter's RNG).
function M.permutation(n)
  if math.type(n) ~= "integer" or n < 0 then error("list.permutation: n must be a non-negative integer", 2) end
  if n == 0 then return {} end
  local p = T.randperm(n):totable()
  for i = 1, n do p[i] = math.tointeger(p[i]) end
  return p
end

--- The string keys of t, sorted.
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

return M
