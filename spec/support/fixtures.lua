-- Small data files the specs write for themselves.
local H = require "spec.helpers"

local M = {}

--- A SAFE-format CSV at path: `users` users (user01, ...), each with `per_user` warm rows
-- (low shelf boost) and as many bright rows (high shelf boost), so that any sensible
-- space separates the two terms; `extra` rows of the stop-listed term "test" follow.
function M.safe_csv(path, users, per_user, extra)
  local lines, id = {}, 0
  local function row(term, user, p)
    id = id + 1
    for j, v in ipairs(p) do p[j] = string.format("%g", v) end
    lines[#lines + 1] = string.format("%d,%s,%s,2,2,%s,,,,,,,h%d", id, term, user, table.concat(p, ","), id)
  end
  for u = 1, users do
    for k = 1, per_user do
      for _, term in ipairs {"warm", "bright"} do
        local g = 3 + (k % 4)
        local ls, hs = term == "warm" and g or -g / 2, term == "bright" and g or -g / 2
        row(term, string.format("user%02d", u), {ls, 120 + 10 * k, 0, 500, 1, 0, 1500, 1, 0, 5000, 1, hs, 6000 + 100 * u})
      end
    end
  end
  for k = 1, extra or 0 do row("test", "user01", {0, 100, 0, 500, 1, 0, 1500, 1, 0, 5000, 1, 0, 8000 + k}) end
  H.write(path, table.concat(lines, "\n") .. "\n")
  return path
end

return M
