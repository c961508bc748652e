-- Text helpers shared by the loaders: normalised term keys and strict numbers.
local M = {}

-- Lower case of the Latin-1 capitals in UTF-8 (U+00C0..U+00DE except U+00D7 "×"):
-- "CARIÑOSO" and "cariñoso" must be one term. Other bytes are kept as they are.
local function lower_latin1(c)
  local b = c:byte(2)
  if b == 0x97 then return c end
  return "\xC3" .. string.char(b + 0x20)
end

-- Lower case (ASCII and Latin-1 letters), trimmed, inner white space collapsed.
function M.key(s)
  if type(s) ~= "string" then error("text.key: expected a string, got " .. type(s), 2) end
  s = s:lower():gsub("\xC3[\x80-\x9E]", lower_latin1)
  return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
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
