#!/usr/bin/env bash
# Peak memory of `keyfob import` on big otpauth and Entra CSV files (issue 12), measured with
# GNU time, next to what merely opening and saving the resulting vault takes.
#
#   benches/import_memory.sh            # 15 MB files (the default)
#   SIZE_MB=10 benches/import_memory.sh
#   KEYFOB_BIN=/tmp/keyfob-old benches/import_memory.sh   # another build, for before/after
#
# keyfob reads import files and vaults of at most 64 MiB, and a save refuses to write a vault
# past that: an Entra CSV's vault is about 3.4 times the CSV, so above about 18 MB the CSV's
# import is refused (the script says so).
#
# Needs /usr/bin/time (Debian package `time`) and a release build (it builds one unless
# KEYFOB_BIN names a binary).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${SIZE_MB:-15}
if [ -n "${KEYFOB_BIN:-}" ]; then
  keyfob=$KEYFOB_BIN
else
  cargo build --release --quiet
  keyfob=$PWD/target/release/keyfob
fi
identity=$PWD/tests/fixtures/keys/age_identity.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Files of about SIZE_MB MB: distinct 160-bit secrets, realistic names.
awk -v bytes=$((size_mb * 1024 * 1024)) 'BEGIN {
  srand(1); b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
  for (n = 0; size < bytes; n++) {
    s = ""; for (i = 0; i < 32; i++) s = s substr(b32, int(rand() * 32) + 1, 1)
    line = sprintf("otpauth://totp/Issuer%d:user%d@example.com?secret=%s&issuer=Issuer%d", n % 1000, n, s, n % 1000)
    print line; size += length(line) + 1
  } }' > "$work/uris.txt"
awk -v bytes=$((size_mb * 1024 * 1024)) 'BEGIN {
  srand(2); b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
  print "upn,serial number,secret key,time interval,manufacturer,model"
  for (n = 0; size < bytes; n++) {
    s = ""; for (i = 0; i < 32; i++) s = s substr(b32, int(rand() * 32) + 1, 1)
    line = sprintf("user%d@contoso.com,KF%08d,%s,30,Contoso,KF-1", n, n, s)
    print line; size += length(line) + 1
  } }' > "$work/tokens.csv"

peak() { # peak KB of a command
  /usr/bin/time -f '%M' -o "$work/peak" "$@" > /dev/null 2>&1 || true
  cat "$work/peak"
}
printf '%-10s %8s %8s %12s %14s %14s\n' file "MB" entries "import KB" "open KB" "open+save KB"
for file in uris.txt tokens.csv; do
  vault=$work/vault-$file.age
  "$keyfob" --vault "$vault" --identity "$identity" init > /dev/null
  mb=$(( $(stat -c %s "$work/$file") / 1024 / 1024 ))
  import=$(peak "$keyfob" --vault "$vault" --identity "$identity" import "$work/$file")
  entries=$("$keyfob" --vault "$vault" --identity "$identity" list --json 2>/dev/null | grep -c '"issuer"' || true)
  if [ "$entries" = 0 ]; then
    printf '%-10s %8s  import refused (the vault would pass the 64 MiB cap): use a smaller SIZE_MB\n' "$file" "$mb"
    continue
  fi
  open=$(peak "$keyfob" --vault "$vault" --identity "$identity" list)
  query=Issuer1:user1@example.com; [ "$file" = tokens.csv ] && query=KF00000001
  save=$(peak "$keyfob" --vault "$vault" --identity "$identity" edit "$query" --note x)
  printf '%-10s %8s %8s %12s %14s %14s\n' "$file" "$mb" "$entries" "$import" "$open" "$save"
done
