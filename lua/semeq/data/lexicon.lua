-- A small Spanish -> English lexicon of sound words, for the SocialFX vocabulary (which
-- is half Spanish): "claro" and "clear" describe the same thing, and a word with few
-- contributions can borrow the curves of its translations.
--
--   lexicon.related(keys)   -- {key = {other keys}}: translation links among the given
--                           -- keys, both directions (a link to a word not in keys is dropped)
--   lexicon.fold(key)       -- the key without accents ("frío" -> "frio"), for lookups
--   lexicon.unseen(keys)    -- {key = {keys}}: lexicon words missing from keys whose
--                           -- translations are present (e.g. "cálido" -> {"warm", ...})
--
-- Written by hand from dictionary knowledge (one entry per Spanish word, English
-- words in the order of closeness), not from the curves: using it cannot leak held-out
-- contributions into training. Spanish words of SocialFX with two or more contributions
-- are covered where English has a plain equivalent; a few common words SocialFX does not
-- contain ("cálido", "nítido", ...) are added so that the model can answer them through
-- their translations.
local M = {}

M.es_en = {
  ["claro"] = {"clear", "bright", "light"},
  ["suave"] = {"soft", "smooth", "gentle"},
  ["fuerte"] = {"loud", "strong", "powerful"},
  ["tranquilo"] = {"calm", "peaceful", "quiet"},
  ["frío"] = {"cold"},
  ["caliente"] = {"hot", "warm"},
  ["dulce"] = {"sweet"},
  ["pesado"] = {"heavy"},
  ["alto"] = {"loud", "high"},
  ["triste"] = {"sad"},
  ["fresco"] = {"fresh", "cool"},
  ["profundo"] = {"deep"},
  ["ligero"] = {"light"},
  ["musica"] = {"music"},
  ["agudo"] = {"sharp", "high-pitched", "shrill"},
  ["bajo"] = {"low", "bassy"},
  ["brillante"] = {"bright"},
  ["alegre"] = {"happy", "cheerful", "joyous"},
  ["feliz"] = {"happy"},
  ["divertido"] = {"fun"},
  ["rápido"] = {"fast", "quick"},
  ["relajante"] = {"relaxing", "soothing"},
  ["elegante"] = {"elegant"},
  ["limpio"] = {"clean"},
  ["apagado"] = {"muffled", "dull"},
  ["grande"] = {"big", "large", "grand"},
  ["oscuro"] = {"dark"},
  ["duro"] = {"hard", "tough"},
  ["ruidoso"] = {"noisy", "loud"},
  ["bello"] = {"beautiful", "pretty"},
  ["áspero"] = {"harsh", "raspy"},
  ["melancólico"] = {"wistful", "sad", "somber"},
  ["seco"] = {"dry"},
  ["emocionante"] = {"exciting"},
  ["mojado"] = {"wet"},
  ["rico"] = {"rich"},
  ["grueso"] = {"fat", "chunky"},
  ["tibio"] = {"warm"},
  ["armonioso"] = {"harmonious", "melodious"},
  ["agradable"] = {"pleasant", "nice"},
  ["potente"] = {"powerful", "strong"},
  ["amable"] = {"kind"},
  ["agresivo"] = {"aggressive"},
  ["húmedo"] = {"humid", "damp", "wet"},
  ["cristalino"] = {"clear", "crisp"},
  ["pacifico"] = {"peaceful"},
  ["calmado"] = {"calm"},
  ["resplandeciente"] = {"bright"},
  ["calmante"] = {"soothing", "calm"},
  ["estruendoso"] = {"loud", "roar"},
  ["luminoso"] = {"bright"},
  ["molesto"] = {"annoying"},
  ["miedoso"] = {"scary"},
  ["terror"] = {"scary"},
  ["miedo"] = {"scary"},
  ["afilado"] = {"sharp"},
  ["crujiente"] = {"crunchy", "crisp"},
  ["arcaico"] = {"archaic"},
  ["viejo"] = {"vintage"},
  ["feroz"] = {"wild", "vicious"},
  ["energético"] = {"energetic"},
  ["lento"] = {"slow"},
  ["cariñoso"] = {"caring"},
  ["tristeza"] = {"sad"},
  ["enojado"] = {"angry"},
  ["irritante"] = {"annoying", "aggravating"},
  ["hermoso"] = {"beautiful"},
  ["relajado"] = {"relaxing"},
  ["dramático"] = {"dramatic"},
  ["bueno"] = {"good"},
  ["luz"] = {"light"},
  ["nostálgico"] = {"wistful"},
  -- common words SocialFX does not contain
  ["cálido"] = {"warm"},
  ["caluroso"] = {"hot", "warm"},
  ["nítido"] = {"clear", "crisp"},
  ["grave"] = {"deep", "low"},
  ["opaco"] = {"dull", "muffled"},
  ["delicado"] = {"gentle", "soft"},
  ["metálico"] = {"metallic", "tinny"},
  ["sereno"] = {"serene", "calm"},
}

local FOLD = {["á"] = "a", ["é"] = "e", ["í"] = "i", ["ó"] = "o", ["ú"] = "u", ["ü"] = "u", ["ñ"] = "n"}

--- key without accents (á é í ó ú ü ñ, lower case, as keys are).
function M.fold(key)
  if type(key) ~= "string" then error("lexicon.fold: key must be a string", 2) end
  return (key:gsub("\xC3[\x80-\xBF]", function(c) return FOLD[c] or c end))
end

local function set_of(keys)
  if type(keys) ~= "table" then error("lexicon: keys must be a list of strings", 3) end
  local s = {}
  for _, k in ipairs(keys) do s[k] = true end
  return s
end

-- Appends b to list[a] unless it is there.
local function link(out, a, b)
  local l = out[a] or {}
  out[a] = l
  for _, x in ipairs(l) do if x == b then return end end
  l[#l + 1] = b
end

--- {key = {related keys}} among keys: each translation pair both ways; lists sorted.
function M.related(keys)
  local have = set_of(keys)
  local out = {}
  for es, ens in pairs(M.es_en) do
    if have[es] then
      for _, en in ipairs(ens) do
        if have[en] and en ~= es then link(out, es, en); link(out, en, es) end
      end
    end
  end
  for _, l in pairs(out) do table.sort(l) end
  return out
end

--- {word = {keys}}: lexicon words absent from keys whose translations are present.
function M.unseen(keys)
  local have = set_of(keys)
  local out = {}
  for es, ens in pairs(M.es_en) do
    if not have[es] then
      local present = {}
      for _, en in ipairs(ens) do if have[en] then present[#present + 1] = en end end
      if #present > 0 then out[es] = present end
    end
  end
  return out
end

return M
