-- Text helpers shared by the loaders: normalised term keys and strict numbers.
local M = {}

-- Lower case (ASCII letters; other UTF-8 bytes are kept as they are), trimmed,
-- inner white space collapsed to one space.
function M.key(s)
  return (s:lower():gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

-- A decimal number (no hex, no surrounding junk), or nil. "nan"/"inf" are not
-- numbers here; "1e999" is (it overflows to inf, which filters.finite drops).
function M.number(s)
  if type(s) ~= "string" then return nil end
  local t = s:match("^%s*(.-)%s*$")
  if not t:match("^[-+]?%d*%.?%d*[eE]?[-+]?%d*$") or not t:match("%d") then return nil end
  return tonumber(t)
end

return M
