--- semeq.recipes.model: what the scripts that read a trained model share — their flags,
-- loading the model with one clear line when it cannot be read, and turning a word the
-- model does not know into a usage error that lists the words it knows.
--
--   local rm = require "semeq.recipes.model"
--   errors.main("generate.lua", function()
--     local o, args = rm.parse{name = "generate.lua", usage = "--model FILE --term WORD",
--                              description = "...", flags = {...}}
--     local sm = rm.load(o)                 -- --model, else the shipped model; unreadable: exit 1
--     local key = rm.term(sm, o.term)       -- unknown word: exit 2, listing the model's words
--   end)
--   local m, kind = rm.load_any(o)          -- kind "generator" (a SocialFX word generator,
--                                           -- semeq.models.word_mixture) or "semantic"
--   local w = rm.word(m, o.term)            -- a generator's word (case, spaces, accents folded)
local cli = require "semeq.util.cli"
local errors = require "semeq.util.errors"
local paths = require "semeq.util.paths"

local M = {}

--- The flags every script that reads a model takes: --model (default: the shipped
-- model, found beside semeq's install or source tree) and --list-terms.
function M.model_flags()
  return {
    {"model", "string", nil, "trained semantic model file (.safetensors; default: the shipped model, "
      .. paths.DEFAULT_MODEL .. ")"},
    {"list-terms", "boolean", false, "print the words the model knows and exit"},
  }
end

--- Parses arg; --help prints and exits 0, bad flags are usage errors. Adds --model,
-- --list-terms and --seed.
function M.parse(spec)
  local flags = M.model_flags()
  for _, f in ipairs(spec.flags or {}) do flags[#flags + 1] = f end
  flags[#flags + 1] = {"seed", "integer", 1, "random seed (for sampled codes)", min = 0}
  local p = cli.parser{name = spec.name, usage = spec.usage, description = spec.description, flags = flags}
  local o, args = p:parse_or_exit(spec.argv or arg)
  if o["list-terms"] then M.load(o) end  -- prints the words and exits, whatever else is missing
  return o, args
end

-- Why path is not a model file, in words a person can act on; nil when it may be one
-- (the loader then checks everything).
local function not_a_model(path)
  local kind = require("semeq.util.fs").kind(path)
  if kind == "missing" then
    return string.format("%s: no such file (leave out --model for the shipped model, %s)", path, paths.model())
  elseif kind == "directory" then
    return string.format("%s: a folder, not a model file (give a .safetensors file, e.g. %s)", path, paths.model())
  end
  local f = io.open(path, "rb")
  if not f then return nil end
  local head, size = f:read(8) or "", f:seek("end")
  f:close()
  local first = head:match("^%s*(.)")
  if first == "{" or first == "[" then
    local sibling = path:gsub("%.[^./]*$", "") .. ".safetensors"
    local g = sibling ~= path and io.open(sibling, "rb")
    if g then g:close() end
    return string.format("%s is JSON (a report?), not a model; give the model's .safetensors file%s", path,
      g and (": " .. sibling) or "")
  end
  if #head == 8 and string.unpack("<I8", head) > size - 8 then
    return string.format("%s is not a model file (byte 0: header length %d exceeds the %d bytes that follow; "
      .. "semeq models are .safetensors files, written by a training recipe's --out)", path,
      string.unpack("<I8", head), size - 8)
  end
  return nil
end

--- The path of the model a script should read: --model, or the shipped model.
function M.model_path(o) return o.model or paths.model() end

--- Prints the words sm knows, with the training rows behind each.
function M.list_terms(sm, path)
  local count = {}
  for _, key in ipairs(sm.train_labels or {}) do count[key] = (count[key] or 0) + 1 end
  print(string.format("%s knows %d term%s (case and spaces are ignored: ' Warm ' is warm):", path, #sm.terms,
    #sm.terms == 1 and "" or "s"))
  for _, key in ipairs(sm.terms) do
    print(string.format("  %-16s %s", key, count[key] and (count[key] .. " training rows") or ""))
  end
end

--- The semantic model of --model, or of the shipped model without it (seeding the RNG
-- with --seed); a failure naming the file and the fix if it cannot be read. With
-- --list-terms, prints the model's words and exits 0.
function M.load(o)
  local path = M.model_path(o)
  local why = not_a_model(path)
  if why then errors.fail(why) end
  local sm = errors.check(require("semeq.semantic").load(path))
  o.model = path
  if o["list-terms"] then
    M.list_terms(sm, path)
    os.exit(0, true)
  end
  require("semeq.tensor").manualSeed(o.seed or 1)
  return sm
end

--- The model's key for a word (case and spaces folded), or a usage error that lists
-- the words the model knows.
function M.term(sm, word)
  local key, err = sm:term(word)
  if not key then errors.usage(err) end
  return key
end

--- The model of --model (or the shipped one) as it is: a word generator (kind
-- "generator") or a semantic model (kind "semantic", as M.load gives it). Seeds the RNG
-- with --seed.
function M.load_any(o)
  local path = M.model_path(o)
  local why = not_a_model(path)
  if why then errors.fail(why) end
  local model = errors.check(require("semeq.models.io").load(path))
  if type(model) == "table" and model.config and model.config.kind == "word_mixture" then
    require("semeq.tensor").manualSeed(o.seed or 1)
    return model, "generator"
  end
  return M.load(o), "semantic"
end

--- A generator's word for what the user typed (lower case, trimmed; accents optional),
-- or a usage error naming the model's most frequent words.
function M.word(gen, word)
  local key = require("semeq.data.text").key(word)
  local w = gen:word(key) or gen:word(require("semeq.data.lexicon").fold(key))
  if w then return w end
  local counts = gen.config.fit and gen.config.fit.counts or {}
  local words = {}
  for _, v in ipairs(gen:words()) do words[#words + 1] = v end
  table.sort(words, function(a, b)
    local ca, cb = counts[a] or 0, counts[b] or 0
    if ca ~= cb then return ca > cb end
    return a < b
  end)
  errors.usage(string.format("unknown term '%s'; this model knows %d words, the most frequent: %s", word, #words,
    table.concat(words, ", ", 1, math.min(12, #words))))
end

--- Prints the settings of rows ({label=, eq=, db=}) and their responses, and draws
-- the response curves to svg (a path, or nil) under title: on one plot, or as small
-- multiples (panels = {cols =, group = the row field that colours them, note =}) when
-- there are too many to tell apart on one.
function M.show(rows, svg, title, panels)
  local format = require "semeq.settings.format"
  print(format.settings(rows))
  print()
  print(format.responses(rows))
  if svg then
    local plot = require "semeq.eval.plot"
    if panels or #rows > 8 then
      panels = panels or {}
      errors.check(plot.response_panels(format.curves(rows, {group = panels.group}), svg,
        {title = title, cols = panels.cols, note = panels.note}))
    else
      errors.check(plot.responses(format.curves(rows), svg, {title = title}))
    end
    print("response curves written to " .. svg)
  end
end

--- Writes value as JSON to path (atomically) and says so; a failure otherwise.
function M.write_json(path, value)
  errors.check(require("semeq.eval.report").write_json(path, value))
  print("JSON written to " .. path)
end

return M
