#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the project's test fixtures, so every run starts
# from real inputs (and new importer fixtures under tests/fixtures/ are picked up by
# themselves). libFuzzer adds what it finds to the same folders; they are not committed.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../tests/fixtures
seed() { # seed TARGET NAME < bytes
  mkdir -p "corpus/$1"
  cat >"corpus/$1/seed-$2"
}
lines() { # lines TARGET FILE: one seed per non-empty line
  local n=0
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] || continue
    n=$((n + 1))
    printf '%s' "$line" | seed "$1" "$(basename "$2")-$n"
  done <"$2"
}

for f in "$fixtures"/secrets.txt; do lines secret "$f"; done
for f in "$fixtures"/otpauth/*; do
  lines otpauth_uri "$f"
  lines entra_csv "$f"
done
# Every fixture that is not a key is some importer's input.
find "$fixtures" -type f ! -path '*/keys/*' -print0 | while IFS= read -r -d '' f; do
  name=$(echo "${f#"$fixtures"/}" | tr '/' '_')
  seed importers "$name" <"$f"
  case "$f" in
    *.csv) seed entra_csv "$name" <"$f" ;;
    *.ron) seed vault_ron "$name" <"$f" ;;
  esac
done
printf 'helga@contoso.com\n1234567\n2234567abcdef2234567abcdef\nContoso\nToken 1' | seed entra_csv fields
echo "seeded: $(for d in corpus/*; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
