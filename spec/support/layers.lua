-- The layering rule of lua/semeq (see its README): the folder order is read from the
-- README's list, and a require may point to the same folder, a lower one, or a C module.
local M = {}

--- {folder = layer number} from the README's "<!-- layers -->" list.
function M.read_order(readme_text)
  local block = readme_text:match("<!%-%- layers.-%-%->(.-)<!%-%- end layers %-%->")
  assert(block, "README has no <!-- layers --> ... <!-- end layers --> list")
  local layer = {}
  for n, names in block:gmatch("\n(%d+)%. ([^\n]+)") do
    for name in names:gmatch("[%w_]+") do layer[name] = tonumber(n) end
  end
  return layer
end

--- The folder a module name belongs to ("semeq.data.split" -> "data"), or nil for the
-- registry itself.
function M.folder_of(modname)
  return modname:match("^semeq%.([%w_]+)")
end

--- The upward requires in files {{name = "lua/semeq/x/y.lua", text = ...}}: a list of
-- "file requires module (folder layer m) from layer n" lines. c_modules: the set of C
-- module names (allowed everywhere).
function M.violations(files, order, c_modules)
  local out = {}
  for _, f in ipairs(files) do
    local own = f.name:match("lua/semeq/([%w_]+)/")
    local from = own and order[own]
    if own and not from then
      out[#out + 1] = string.format("%s: folder '%s' is not in the layer list", f.name, own)
    end
    for target in f.text:gmatch("require%s*%(?%s*[\"'](semeq[%w_.]*)[\"']") do
      local folder = M.folder_of(target)
      if from and folder and folder ~= own and not c_modules[target] then
        local to = order[folder]
        if not to then
          out[#out + 1] = string.format("%s requires %s: folder '%s' is not in the layer list", f.name, target, folder)
        elseif to > from then
          out[#out + 1] = string.format("%s (layer %d, %s) requires %s (layer %d, %s): it points up",
            f.name, from, own, target, to, folder)
        end
      end
    end
  end
  return out
end

return M
