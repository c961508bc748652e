-- An independent evaluation of the Audio EQ Cookbook for specs: the formulas with a0
-- kept, evaluated as complex H(e^jw) in double precision. semeq.eq (C) is checked
-- against it in eq_spec; semeq.data.represent's responses in data_spec.
local oracle = {}

function oracle.coefs(kind, fs, f0, gain, q)
  local A = 10 ^ (gain / 40)
  local w0 = 2 * math.pi * f0 / fs
  local cs, sn = math.cos(w0), math.sin(w0)
  local al = sn / (2 * q)
  local sA = math.sqrt(A)
  if kind == "peak" then
    return {1 + al * A, -2 * cs, 1 - al * A}, {1 + al / A, -2 * cs, 1 - al / A}
  elseif kind == "lowshelf" then
    return {A * ((A + 1) - (A - 1) * cs + 2 * sA * al), 2 * A * ((A - 1) - (A + 1) * cs),
            A * ((A + 1) - (A - 1) * cs - 2 * sA * al)},
           {(A + 1) + (A - 1) * cs + 2 * sA * al, -2 * ((A - 1) + (A + 1) * cs),
            (A + 1) + (A - 1) * cs - 2 * sA * al}
  elseif kind == "highshelf" then
    return {A * ((A + 1) + (A - 1) * cs + 2 * sA * al), -2 * A * ((A - 1) + (A + 1) * cs),
            A * ((A + 1) + (A - 1) * cs - 2 * sA * al)},
           {(A + 1) - (A - 1) * cs + 2 * sA * al, 2 * ((A - 1) - (A + 1) * cs),
            (A + 1) - (A - 1) * cs - 2 * sA * al}
  elseif kind == "lowpass" then
    return {(1 - cs) / 2, 1 - cs, (1 - cs) / 2}, {1 + al, -2 * cs, 1 - al}
  elseif kind == "highpass" then
    return {(1 + cs) / 2, -(1 + cs), (1 + cs) / 2}, {1 + al, -2 * cs, 1 - al}
  elseif kind == "bandpass" then
    return {al, 0, -al}, {1 + al, -2 * cs, 1 - al}
  elseif kind == "notch" then
    return {1, -2 * cs, 1}, {1 + al, -2 * cs, 1 - al}
  end
  error("oracle: unknown kind " .. kind)
end

-- |sum c_k e^{-jkw}|^2 by explicit real and imaginary parts
local function poly_mag2(c, w)
  local re, im = 0, 0
  for k = 1, 3 do
    re = re + c[k] * math.cos((k - 1) * w)
    im = im - c[k] * math.sin((k - 1) * w)
  end
  return re * re + im * im
end

-- Coefficients of every section, designed once for many frequencies.
function oracle.design(sections, fs)
  local d = {}
  for i, s in ipairs(sections) do
    local b, a = oracle.coefs(s[1], fs, s[2], s[3], s[4])
    d[i] = {b, a}
  end
  return d
end

function oracle.db_designed(designed, fs, f)
  local w, total = 2 * math.pi * f / fs, 0
  for _, ba in ipairs(designed) do
    total = total + 10 * math.log(poly_mag2(ba[1], w) / poly_mag2(ba[2], w), 10)
  end
  return total
end

function oracle.db(sections, fs, f)
  return oracle.db_designed(oracle.design(sections, fs), fs, f)
end

local SHELF_Q = 1 / math.sqrt(2)
local G40 = {20, 50, 83, 120, 161, 208, 259, 318, 383, 455, 537, 628, 729, 843, 971, 1114, 1273,
  1452, 1652, 1875, 2126, 2406, 2719, 3070, 3462, 3901, 4392, 4941, 5556, 6244, 7014, 7875, 8839,
  9917, 11124, 12474, 13984, 15675, 17566, 19682}

function oracle.safe(p)
  return {{"lowshelf", p[2], p[1], SHELF_Q}, {"peak", p[4], p[3], p[5]}, {"peak", p[7], p[6], p[8]},
          {"peak", p[10], p[9], p[11]}, {"highshelf", p[13], p[12], SHELF_Q}}
end

function oracle.graphic40(g, fs)
  local s = {}
  for i, f in ipairs(G40) do
    if f < fs / 2 then s[#s + 1] = {"peak", f, g[i], 4.31} end
  end
  return s
end

return oracle
