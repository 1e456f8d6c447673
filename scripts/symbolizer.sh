# Sourced by fuzz.sh and sanitize.sh: readable stack traces in sanitizer reports when llvm-symbolizer is
# around (Debian's llvm-14; not a requirement).
for s in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
  if command -v "$s" >/dev/null 2>&1; then
    ASAN_SYMBOLIZER_PATH="$(command -v "$s")"
    export ASAN_SYMBOLIZER_PATH
    break
  fi
done
