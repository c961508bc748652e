-- A dataset: records (tables) plus the log of what was read and dropped.
--
--   ds:size()            number of records
--   ds.records           array of records {id, term, key, params (tensor), user, ...}
--   ds.dropped           array of {line=, reason=} for rows that could not be parsed
--   ds.history           array of {step=, removed=} written by filters
--   ds:summary()         a readable account of rows read, kept and dropped, and why
--   ds:subset(pred)      new dataset with the records for which pred(rec) is true
--   ds:terms()           array of {key=, count=} by decreasing count (ties: alphabetical)
--   ds:params()          [n x p] tensor stacking every record's params
--   ds:labels()          array of record keys, in record order
local T = require "semeq.tensor"

local Dataset = {}
Dataset.__index = Dataset

local M = {}

-- fields: kind, path, records, dropped, read (rows read), param_names, notes.
function M.new(fields)
  local ds = setmetatable({}, Dataset)
  for k, v in pairs(fields) do ds[k] = v end
  ds.records = ds.records or {}
  ds.dropped = ds.dropped or {}
  ds.history = ds.history or {}
  ds.read = ds.read or #ds.records
  return ds
end

-- Splits and saved splits name records by id, so ids must be unique: a later record
-- with an id already seen is moved to dropped (the first one is kept).
function M.unique_ids(records, dropped)
  local seen, out = {}, {}
  for _, r in ipairs(records) do
    local first = seen[r.id]
    if first then
      dropped[#dropped + 1] = {line = r.line, reason = string.format("duplicate id %s (first on line %s)",
        tostring(r.id), tostring(first.line))}
    else
      seen[r.id] = r
      out[#out + 1] = r
    end
  end
  table.sort(dropped, function(a, b) return (a.line or a.entry or 0) < (b.line or b.entry or 0) end)
  return out
end

function M.is_dataset(x) return getmetatable(x) == Dataset end

function Dataset:size() return #self.records end

-- A copy of this dataset's descriptive fields with other records.
function Dataset:with_records(records, step)
  local out = M.new {kind = self.kind, path = self.path, records = records, dropped = self.dropped,
                     read = self.read, param_names = self.param_names, notes = self.notes}
  for i, h in ipairs(self.history) do out.history[i] = h end
  if step then out.history[#out.history + 1] = {step = step, removed = #self.records - #records} end
  return out
end

function Dataset:subset(pred, step)
  local keep = {}
  for _, r in ipairs(self.records) do
    if pred(r) then keep[#keep + 1] = r end
  end
  return self:with_records(keep, step)
end

function Dataset:terms()
  local count = {}
  for _, r in ipairs(self.records) do count[r.key] = (count[r.key] or 0) + 1 end
  local list = {}
  for k, c in pairs(count) do list[#list + 1] = {key = k, count = c} end
  table.sort(list, function(a, b)
    if a.count ~= b.count then return a.count > b.count end
    return a.key < b.key
  end)
  return list
end

function Dataset:labels()
  local out = {}
  for i, r in ipairs(self.records) do out[i] = r.key end
  return out
end

function Dataset:params()
  local n = #self.records
  if n == 0 then error("params: the dataset is empty", 2) end
  local rows = {}
  for i, r in ipairs(self.records) do rows[i] = r.params:view(1, -1) end
  return T.cat(rows, 1)
end

function Dataset:ids()
  local out = {}
  for i, r in ipairs(self.records) do out[i] = r.id end
  return out
end

-- Dropped rows grouped by reason, most frequent first.
local function reasons(dropped)
  local by, order = {}, {}
  for _, d in ipairs(dropped) do
    local why = d.reason:gsub("'.*'", "'…'")  -- group "not a number: 'x'" with "'y'"
    if not by[why] then
      by[why] = {}
      order[#order + 1] = why
    end
    local where = by[why]
    where[#where + 1] = d.line and ("line " .. d.line) or ("entry " .. tostring(d.entry))
  end
  table.sort(order, function(a, b) return #by[a] > #by[b] end)
  return by, order
end

function Dataset:summary()
  local lines = {}
  local function add(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
  add("%s dataset from %s", self.kind or "?", self.path or "(memory)")
  local kept_at_load = self.read - #self.dropped
  add("  rows read: %d, kept: %d, dropped: %d", self.read, kept_at_load, #self.dropped)
  local by, order = reasons(self.dropped)
  for _, why in ipairs(order) do
    local where = by[why]
    local shown = {}
    for i = 1, math.min(#where, 8) do shown[i] = tostring(where[i]) end
    add("    %d × %s (%s%s)", #where, why, table.concat(shown, ", "), #where > 8 and ", …" or "")
  end
  for _, h in ipairs(self.history) do add("  filter %s: removed %d", h.step, h.removed) end
  local terms = self:terms()
  add("  records now: %d, distinct terms: %d", #self.records, #terms)
  if self.notes then add("  note: %s", self.notes) end
  return table.concat(lines, "\n")
end

Dataset.__tostring = Dataset.summary

return M
