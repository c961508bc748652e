#!/bin/sh
# The installed C library works for someone who only has the install: `cmake --install`
# into a fresh prefix gives include/semeq.h, lib/libsemeq.so and lib/pkgconfig/semeq.pc;
# examples/embed.c builds with `pkg-config --cflags --libs semeq`, runs on a shipped model,
# and prints the EQ that semeq's Lua side gives for the same question.
#   spec/install_test.sh BUILD_DIR SEMEQ_BIN      (ctest runs it from the source tree)
set -eu
build=$1
semeq=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/semeq.h lib/libsemeq.so lib/pkgconfig/semeq.pc; do
  [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs semeq)
# EMBED_CFLAGS: the sanitizer flags when libsemeq was built with them (CMakeLists.txt)
${CC:-cc} -std=c11 -Wall -Wextra -Werror ${EMBED_CFLAGS:-} examples/embed.c $flags -o "$prefix/embed"
# only the public API is exported
if nm -D --defined-only "$prefix/lib/libsemeq.so" | awk '{print $3}' | grep -v '^semeq_' | grep -q .; then
  echo "libsemeq.so exports symbols outside the semeq_ API:"
  nm -D --defined-only "$prefix/lib/libsemeq.so" | awk '{print $3}' | grep -v '^semeq_' | head
  exit 1
fi
model=models/safe_warm_bright.safetensors
LD_LIBRARY_PATH="$prefix/lib" "$prefix/embed" "$model" warm bright 0.3 0.7 >"$prefix/c.txt"
"$semeq" -e "
local sm = require('semeq.semantic').load('$model')
local e = sm:eq_for(sm:interpolate('warm', 'bright', 0.3), 0.7)
print(e.kind .. ' ' .. #e.params)
for _, v in ipairs(e.params) do print(string.format('%.9g', v)) end" >"$prefix/lua.txt"
awk 'NR == FNR { want[FNR] = $0; n = FNR; next }
     FNR == 1 { if ($0 != want[1]) { print "kind: C " $0 ", Lua " want[1]; bad = 1 }; next }
     { d = $1 - want[FNR]; if (d < 0) d = -d; s = want[FNR] < 0 ? -want[FNR] : want[FNR]
       if (d > 1e-5 * (1 + s)) { print "line " FNR ": C " $1 ", Lua " want[FNR]; bad = 1 } }
     END { if (FNR != n) { print "C printed " FNR " lines, Lua " n; bad = 1 }; exit bad }' \
  "$prefix/lua.txt" "$prefix/c.txt"
echo "installed libsemeq: embed.c built with pkg-config, same EQ as the Lua side ($(head -1 "$prefix/c.txt"))"
