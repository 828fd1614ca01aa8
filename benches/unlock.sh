#!/usr/bin/env bash
# What each way of unlocking costs, whole process, on the same 1,000 accounts: `keyfob code`
# and `keyfob edit` (a read-modify-write) with a plain identity, a passphrase-protected identity
# and a passphrase vault, both scrypt ones at the work factor new seals use (2^18) — without an
# agent, then with one (each vault unlocked once; the commands pass no key at all).
#
#   benches/unlock.sh                 # builds target/release/keyfob if missing
#   RUNS=20 KEYFOB=path/to/keyfob benches/unlock.sh
#
# Needs: hyperfine, /usr/bin/time (Debian packages). Everything is made in a temporary folder
# with the test identity in tests/fixtures/keys; nothing touches your own vault.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
AT=1700000000
ID=tests/fixtures/keys/age_identity.txt
LOG_N=${LOG_N:-18}

need() { command -v "$1" >/dev/null || { echo "unlock.sh: '$1' is needed ($2)" >&2; exit 1; }; }
need hyperfine "apt-get install hyperfine"
[ -x /usr/bin/time ] || { echo "unlock.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

KEYFOB=${KEYFOB:-target/release/keyfob}
if [ ! -x "$KEYFOB" ]; then
  echo "building keyfob (release)..." >&2
  cargo build --release --quiet
fi
KEYFOB=$(realpath "$KEYFOB")

work=$(mktemp -d)
# No agent answers the first measurements (an empty runtime folder); the agents of the second
# live in a folder of their own and are locked at the end.
mkdir -m 700 "$work/norun" "$work/run"
export XDG_RUNTIME_DIR="$work/norun" XDG_STATE_HOME="$work/state"
cleanup() {
  for v in plain protected passphrase; do
    XDG_RUNTIME_DIR="$work/run" "$KEYFOB" --vault "$work/$v.age" lock >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

awk -v n=1000 'BEGIN {
  a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; x = 12345
  for (i = 0; i < n; i++) {
    s = ""
    for (j = 0; j < 32; j++) { x = (x * 1103515245 + 12345) % 2147483648; s = s substr(a, int(x / 65536) % 32 + 1, 1) }
    printf "otpauth://totp/Issuer%d:user%d%%40example.com?secret=%s&issuer=Issuer%d\n", i, i, s, i
  }
}' >"$work/lines.txt"
echo "benchmark passphrase" >"$work/pass.txt"

# The three vaults, each holding the same 1,000 entries.
export KEYFOB_SCRYPT_LOG_N=$LOG_N XDG_DATA_HOME="$work/data"
plain=(--vault "$work/plain.age" --identity "$ID")
protected=(--vault "$work/protected.age" --identity "$work/identity.age" --passphrase-file "$work/pass.txt")
passphrase=(--vault "$work/passphrase.age" --passphrase-file "$work/pass.txt")
"$KEYFOB" "${plain[@]}" init >/dev/null
"$KEYFOB" --vault "$work/protected.age" --passphrase-file "$work/pass.txt" init --new-identity "$work/identity.age" >/dev/null 2>&1
"$KEYFOB" "${passphrase[@]}" init >/dev/null
for how in plain protected passphrase; do
  declare -n args=$how
  "$KEYFOB" "${args[@]}" import "$work/lines.txt" >/dev/null
  # Sanity: every vault gives the same code.
  "$KEYFOB" "${args[@]}" code Issuer500 --at $AT >"$work/$how.code"
  unset -n args
done
cmp -s "$work/plain.code" "$work/protected.code" && cmp -s "$work/plain.code" "$work/passphrase.code" \
  || { echo "unlock.sh: the vaults disagree" >&2; exit 1; }
unset KEYFOB_SCRYPT_LOG_N

mean() { # mean FILE -> "mean stddev" in ms
  awk '/"mean"/ { gsub(/[",]/, ""); m = $2 } /"stddev"/ { gsub(/[",]/, ""); s = $2 } END { printf "%.1f ± %.1f ms", m * 1000, s * 1000 }' "$1"
}
peak() { # peak ARGS... -> maximum resident set size in MiB
  /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.1f MiB", $1 / 1024 }'
}

q() { printf '%q ' "$@"; }
echo "== hyperfine, $RUNS runs each ==" >&2
for how in plain protected passphrase; do
  declare -n args=$how
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$work/code-$how.json" \
    "$(q "$KEYFOB" "${args[@]}" code Issuer500 --at $AT)" >&2
  # A change: read, modify, seal and write under the lock (the same edit each time).
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$work/edit-$how.json" \
    "$(q "$KEYFOB" "${args[@]}" edit Issuer500 --note bench)" >&2
  printf '%s\t%s\t%s\t%s\n' "$how" "$(mean "$work/code-$how.json")" \
    "$(peak "$KEYFOB" "${args[@]}" code Issuer500 --at $AT)" "$(mean "$work/edit-$how.json")" >>"$work/table"
  unset -n args
done

# With an agent: unlocked once (one scrypt for the scrypt kinds), then no key is passed.
for how in plain protected passphrase; do
  declare -n args=$how
  XDG_RUNTIME_DIR="$work/run" "$KEYFOB" "${args[@]}" unlock >/dev/null
  bare=(--vault "$work/$how.age")
  XDG_RUNTIME_DIR="$work/run" hyperfine -N --warmup 3 --runs "$((RUNS * 5))" \
    --export-json "$work/acode-$how.json" "$(q "$KEYFOB" "${bare[@]}" code Issuer500 --at $AT)" >&2
  XDG_RUNTIME_DIR="$work/run" hyperfine -N --warmup 1 --runs "$RUNS" \
    --export-json "$work/aedit-$how.json" "$(q "$KEYFOB" "${bare[@]}" edit Issuer500 --note bench)" >&2
  printf '%s\t%s\t%s\n' "$how" "$(mean "$work/acode-$how.json")" "$(mean "$work/aedit-$how.json")" >>"$work/agent-table"
  unset -n args
done

echo
echo "keyfob unlock costs, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -sr), scrypt 2^$LOG_N, 1,000 entries, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| unlocking | \`keyfob code\` | peak memory | \`keyfob edit\` (a save) | \`code\` with an agent | \`edit\` with an agent |"
echo "|---|---|---|---|---|---|"
while IFS=$'\t' read -r how code mem edit; do
  IFS=$'\t' read -r _ acode aedit < <(grep "^$how"$'\t' "$work/agent-table")
  case $how in
    plain) label="age identity (key in the clear)" ;;
    protected) label="protected identity (\`age -p\`, one scrypt)" ;;
    passphrase) label="vault passphrase (scrypt to open, scrypt to save)" ;;
  esac
  echo "| $label | $code | $mem | $edit | $acode | $aedit |"
done <"$work/table"
