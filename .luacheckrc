-- luacheck configuration (Debian lua-check); CI runs `luacheck lua scripts spec examples`.
std = "lua54"
max_line_length = 140
-- Methods need not use self; `not (x > y)` is how the code says "or NaN" (581).
self = false
ignore = {"581"}
-- The interpreter sets `arg` for scripts, as lua does.
read_globals = {"arg"}
-- Specs hold data tables on long lines.
files["spec"] = {std = "+busted", max_line_length = false}
exclude_files = {"build*/**"}
