#!/usr/bin/env bash
# Side-by-side, whole-process benchmarks of keyfob against other tools on this machine.
#
#   benches/compare.sh            # builds target/release/keyfob if missing, then measures
#   KEYFOB=path/to/keyfob benches/compare.sh
#   RUNS=50 IDLE_SECONDS=90 benches/compare.sh
#   ROUNDS=10 benches/compare.sh   # keyfob and oathtool take turns this many times (default 5)
#
# Needs: hyperfine, oathtool (Debian packages), /usr/bin/time (package 'time'). Optional:
# tmux (for the TUI measurement), cotp (`cargo install cotp`) — its columns say "n/a" when absent;
# `keyfob ui` — "n/a" while the TUI is not built. Nothing here touches your own vault: every
# vault is made in a temporary folder with the test identity in tests/fixtures/keys.
#
# Reports (with the date and the machine), against keyfob's targets, like with like:
#   agent path, 1,000 entries          <= 1.5x oathtool, whole process, whatever protects the
#                                      vault (a passphrase vault unlocked once by an agent)
#   identity path, 1,000 entries       <= 3x oathtool (key file in the clear, no agent)
#   passphrase path, 1,000 entries     against cotp's password path (Argon2) when cotp is
#                                      installed (no agent: one scrypt at 2^18 per command)
#                                      (medians over all runs: this shared VM has slow spells
#                                      that a mean turns into swings of +-10 %; both shown)
#   code lookup, 10,000-entry vault    open (decrypt + parse + look up) <= 30 ms
#   peak memory, code on 10,000        <= 25 MiB (maximum resident set size)
#   agent idle, 10,000 entries         <= 0.1 % of a core, resident memory <= 20 MiB
#   idle TUI output, 100x30, 20 accts  <= 0.5x cotp's bytes per second
# (The engine's micro-benchmarks are benches/engine.rs, run with `cargo bench`.)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-30}
IDLE_SECONDS=${IDLE_SECONDS:-60}  # a multiple of 30 s: shorter windows swing with the code changes
AGENT_IDLE_SECONDS=${AGENT_IDLE_SECONDS:-60}
PASS_RUNS=${PASS_RUNS:-10}        # the passphrase path costs about a second a run
AT=1700000000
ID=tests/fixtures/keys/age_identity.txt

need() { command -v "$1" >/dev/null || { echo "compare.sh: '$1' is needed ($2)" >&2; exit 1; }; }
need hyperfine "apt-get install hyperfine"
need oathtool "apt-get install oathtool"
[ -x /usr/bin/time ] || { echo "compare.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

KEYFOB=${KEYFOB:-target/release/keyfob}
if [ ! -x "$KEYFOB" ]; then
  echo "building keyfob (release)..." >&2
  cargo build --release --quiet
fi
KEYFOB=$(realpath "$KEYFOB")
COTP=$(command -v cotp || true)

work=$(mktemp -d)
# Agents listen in a folder of this run only; the other measurements use an empty one, so no
# agent answers them.
mkdir -m 700 "$work/run" "$work/norun"
export XDG_RUNTIME_DIR="$work/norun" XDG_STATE_HOME="$work/state"
agent() { XDG_RUNTIME_DIR="$work/run" "$@"; }
cleanup() {
  for v in "$work"/v*/vault.age "$work"/p1000/vault.age; do
    [ -f "$v" ] && XDG_RUNTIME_DIR="$work/run" "$KEYFOB" --vault "$v" lock >/dev/null 2>&1
  done
  tmux -L "keyfob-bench-$$" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# N otpauth lines with deterministic 160-bit secrets; entry i is Issuer<i>:user<i>@example.com.
otpauth_lines() {
  awk -v n="$1" 'BEGIN {
    a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; x = 12345
    for (i = 0; i < n; i++) {
      s = ""
      for (j = 0; j < 32; j++) { x = (x * 1103515245 + 12345) % 2147483648; s = s substr(a, int(x / 65536) % 32 + 1, 1) }
      printf "otpauth://totp/Issuer%d:user%d%%40example.com?secret=%s&issuer=Issuer%d\n", i, i, s, i
    }
  }'
}

# make_vault N -> path of an identity vault with N entries
make_vault() {
  local n=$1 dir="$work/v$1"
  mkdir -p "$dir"
  otpauth_lines "$n" >"$dir/lines.txt"
  "$KEYFOB" --vault "$dir/vault.age" --identity "$ID" init >/dev/null
  "$KEYFOB" --vault "$dir/vault.age" --identity "$ID" import "$dir/lines.txt" >/dev/null
  echo "$dir/vault.age"
}

secret_of() { sed -n "$(($1 + 1))p" "$work/v$2/lines.txt" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/'; }

V1K=$(make_vault 1000)
V10K=$(make_vault 10000)
V20=$(make_vault 20)
S500=$(secret_of 500 1000)

# The same 1,000 accounts in a passphrase vault (scrypt at 2^18, as new vaults are sealed).
mkdir -p "$work/p1000"
P1K="$work/p1000/vault.age"
echo "benchmark passphrase $$" >"$work/p1000/pass.txt"
"$KEYFOB" --vault "$P1K" --passphrase-file "$work/p1000/pass.txt" init >/dev/null 2>&1
"$KEYFOB" --vault "$P1K" --passphrase-file "$work/p1000/pass.txt" import "$work/v1000/lines.txt" >/dev/null
# Its agent: unlocked once (one scrypt), then the client decrypts nothing.
agent "$KEYFOB" --vault "$P1K" --passphrase-file "$work/p1000/pass.txt" unlock >/dev/null

# Sanity: both tools give the same code.
k=$("$KEYFOB" --vault "$V1K" --identity "$ID" code Issuer500 --at $AT)
o=$(oathtool --totp -b "$S500" --now "@$AT")
[ "$k" = "$o" ] || { echo "compare.sh: keyfob says $k, oathtool says $o" >&2; exit 1; }
a=$(agent "$KEYFOB" --vault "$P1K" code Issuer500 --at $AT)
[ "$a" = "$o" ] || { echo "compare.sh: keyfob's agent says $a, oathtool says $o" >&2; exit 1; }

json() { # json FILE -> "mean stddev" in ms
  awk '/"mean"/ { gsub(/[",]/, ""); m = $2 } /"stddev"/ { gsub(/[",]/, ""); s = $2 } END { printf "%.2f %.2f\n", m * 1000, s * 1000 }' "$1"
}

# pooled FILE... -> "mean stddev median" in ms over every run in the hyperfine JSON files
pooled() {
  awk '/"times"/ { on = 1; next } on && /\]/ { on = 0 } on { gsub(/[ ,]/, ""); t[n++] = $0 * 1000 }
    END {
      for (i = 0; i < n; i++) sum += t[i]; mean = sum / n
      for (i = 0; i < n; i++) ss += (t[i] - mean) ^ 2
      for (i = 1; i < n; i++) { v = t[i]; for (j = i - 1; j >= 0 && t[j] > v; j--) t[j + 1] = t[j]; t[j + 1] = v }
      median = (n % 2) ? t[int(n / 2)] : (t[n / 2 - 1] + t[n / 2]) / 2
      printf "%.2f %.2f %.2f\n", mean, sqrt(ss / (n > 1 ? n - 1 : 1)), median
    }' "$@"
}

# keyfob and oathtool take turns, ROUNDS times, so that a slow spell of this shared machine
# falls on both rather than on one of them.
ROUNDS=${ROUNDS:-5}
per_round=$(((RUNS + ROUNDS - 1) / ROUNDS))
echo "== hyperfine ($ROUNDS rounds of $per_round runs each, taking turns) ==" >&2
for round in $(seq "$ROUNDS"); do
  hyperfine -N --warmup 3 --runs "$per_round" --export-json "$work/oath-$round.json" \
    "oathtool --totp -b $S500 --now @$AT" >&2
  hyperfine -N --warmup 3 --runs "$per_round" --export-json "$work/k1k-$round.json" \
    "$KEYFOB --vault $V1K --identity $ID code Issuer500 --at $AT" >&2
  agent hyperfine -N --warmup 3 --runs "$per_round" --export-json "$work/agent-$round.json" \
    "$KEYFOB --vault $P1K code Issuer500 --at $AT" >&2
done
# The passphrase path: no agent, one scrypt per command.
hyperfine -N --warmup 1 --runs "$PASS_RUNS" --export-json "$work/pass.json" \
  "$KEYFOB --vault $P1K --passphrase-file $work/p1000/pass.txt code Issuer500 --at $AT" >&2
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$work/k10k.json" \
  "$KEYFOB --vault $V10K --identity $ID code Issuer5000 --at $AT" >&2
# cotp keeps its own encrypted database (Argon2 password). Its first run asks for a new
# password twice on the terminal, so the database is made inside tmux; later runs read the
# password with --password-stdin.
TMUX_SOCKET="keyfob-bench-$$"
COTP_PASSWORD=benchpassword123
cotp_db() { # cotp_db N -> path of a cotp database holding the same N entries
  local n=$1 db="$work/cotp$1.db"
  awk 'BEGIN { printf "{\"items\": [" } { printf "%s\"%s\"", (NR > 1 ? "," : ""), $0 } END { print "]}" }' \
    "$work/v$n/lines.txt" >"$work/cotp$n.json"
  tmux -L "$TMUX_SOCKET" -f /dev/null new-session -d -s "make$n" -x 100 -y 30 \
    "$COTP -d $db import --path $work/cotp$n.json --otp-uri > $work/cotp$n.log 2>&1"
  sleep 1
  tmux -L "$TMUX_SOCKET" send-keys -t "make$n" "$COTP_PASSWORD" Enter
  sleep 0.5
  tmux -L "$TMUX_SOCKET" send-keys -t "make$n" "$COTP_PASSWORD" Enter
  for _ in $(seq 120); do
    tmux -L "$TMUX_SOCKET" has-session -t "make$n" 2>/dev/null || break
    sleep 0.5
  done
  echo "$db"
}
cotp_code="n/a"
if [ -n "$COTP" ] && command -v tmux >/dev/null; then
  C1K=$(cotp_db 1000)
  C20=$(cotp_db 20)
  c=$(echo "$COTP_PASSWORD" | "$COTP" --password-stdin -d "$C1K" extract --issuer Issuer500 2>/dev/null || true)
  k=$("$KEYFOB" --vault "$V1K" --identity "$ID" code Issuer500)
  if [ "$c" = "$k" ]; then
    hyperfine --warmup 2 --runs "$RUNS" --export-json "$work/cotp.json" \
      "echo $COTP_PASSWORD | $COTP --password-stdin -d $C1K extract --issuer Issuer500" >&2
    read -r cotp_ms cotp_sd < <(json "$work/cotp.json")
    cotp_code="${cotp_ms} ± ${cotp_sd} ms"
  else
    echo "compare.sh: cotp could not be set up ('$c' vs keyfob's '$k'); skipping it" >&2
    COTP=""
  fi
fi

read -r oath_ms oath_sd oath_med < <(pooled "$work"/oath-*.json)
read -r k1k_ms k1k_sd k1k_med < <(pooled "$work"/k1k-*.json)
read -r agent_ms agent_sd agent_med < <(pooled "$work"/agent-*.json)
read -r pass_ms pass_sd pass_med < <(pooled "$work/pass.json")
read -r k10k_ms k10k_sd < <(json "$work/k10k.json")

# The agent at rest with 10,000 entries: CPU over a window, resident memory before and after
# a `list --json` of every entry (the largest answer it gives).
agent "$KEYFOB" --vault "$V10K" --identity "$ID" unlock >/dev/null
apid=$(agent "$KEYFOB" --vault "$V10K" agent --status | awk '{ print $2 }')
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
sleep 2
agent_rss_idle=$(rss_kib "$apid")
agent "$KEYFOB" --vault "$V10K" list --json >/dev/null
agent_rss_list=$(rss_kib "$apid")
t0=$(ticks "$apid")
sleep "$AGENT_IDLE_SECONDS"
t1=$(ticks "$apid")
agent_cpu=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v s="$AGENT_IDLE_SECONDS" 'BEGIN { printf "%.3f\n", 100 * t / hz / s }')
agent_rss_mib=$(awk -v k="$agent_rss_list" 'BEGIN { printf "%.1f\n", k / 1024 }')

peak_kib() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'; }
mem10k=$(peak_kib "$KEYFOB" --vault "$V10K" --identity "$ID" code Issuer5000 --at $AT)
mem1k=$(peak_kib "$KEYFOB" --vault "$V1K" --identity "$ID" code Issuer500 --at $AT)
memoath=$(peak_kib oathtool --totp -b "$S500" --now "@$AT")

# Idle TUI output: bytes a program writes to its 100x30 terminal per second while nobody
# touches it, from second 3 (after the first full draw) for IDLE_SECONDS. The program runs in
# a private tmux server; `pipe-pane` copies everything it writes to a file.
idle_rate() { # idle_rate LABEL KEYS COMMAND... -> bytes/s or n/a (KEYS typed first, e.g. a password)
  local label=$1 keys=$2 out="$work/idle-$1.bytes"
  shift 2
  tmux -L "$TMUX_SOCKET" -f /dev/null new-session -d -s "$label" -x 100 -y 30 "$*" 2>/dev/null || { echo "n/a"; return; }
  if [ -n "$keys" ]; then sleep 1; tmux -L "$TMUX_SOCKET" send-keys -t "$label" "$keys" Enter; fi
  sleep 3
  if ! tmux -L "$TMUX_SOCKET" has-session -t "$label" 2>/dev/null; then echo "n/a"; return; fi
  tmux -L "$TMUX_SOCKET" pipe-pane -t "$label" -o "cat > '$out'"
  sleep "$IDLE_SECONDS"
  tmux -L "$TMUX_SOCKET" pipe-pane -t "$label"
  local alive=1
  tmux -L "$TMUX_SOCKET" has-session -t "$label" 2>/dev/null || alive=0
  tmux -L "$TMUX_SOCKET" kill-session -t "$label" 2>/dev/null || true
  if [ "$alive" = 0 ]; then echo "n/a"; return; fi
  awk -v b="$(stat -c %s "$out" 2>/dev/null || echo 0)" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.0f\n", b / s }'
}
tui_keyfob="n/a"
if command -v tmux >/dev/null; then
  tui_keyfob=$(idle_rate keyfob "" "$KEYFOB" --vault "$V20" --identity "$ID" ui)
fi
tui_cotp="n/a"
if [ -n "$COTP" ] && command -v tmux >/dev/null; then
  tui_cotp=$(idle_rate cotp "$COTP_PASSWORD" "$COTP" -d "$C20")
fi
tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "n/a" || a == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2fx\n", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "n/a") print "n/a"; else if (v + 0 <= t + 0) print "met"; else print "MISSED" }'; }

r1k=$(ratio "$k1k_ms" "$oath_ms")
r1k_med=$(ratio "$k1k_med" "$oath_med")
ragent=$(ratio "$agent_ms" "$oath_ms")
ragent_med=$(ratio "$agent_med" "$oath_med")
rtui=$(ratio "$tui_keyfob" "$tui_cotp")
cat <<EOF

keyfob side-by-side benchmarks
date:    $(date -u '+%Y-%m-%d %H:%M UTC')
machine: $(uname -srm); $(nproc) cores; $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); load $(cut -d' ' -f1-3 /proc/loadavg)
keyfob:  $("$KEYFOB" --version) ($KEYFOB)
others:  $(oathtool --version | head -1); cotp: ${COTP:-not installed}

| measurement                                   | keyfob              | other                      | ratio  | target          | verdict |
|-----------------------------------------------|---------------------|----------------------------|--------|-----------------|---------|
| agent path, 1,000 entries (median)            | ${agent_med} ms | oathtool ${oath_med} ms | ${ragent_med} | <= 1.5x oathtool | $(verdict "$(echo "$ragent_med" | tr -d x)" 1.5) |
| agent path, 1,000 entries (mean ± sd)         | ${agent_ms} ± ${agent_sd} ms | oathtool ${oath_ms} ± ${oath_sd} ms | ${ragent} | <= 1.5x oathtool | $(verdict "$(echo "$ragent" | tr -d x)" 1.5) |
| identity path, 1,000 entries (median)         | ${k1k_med} ms | oathtool ${oath_med} ms | ${r1k_med} | <= 3x oathtool  | $(verdict "$(echo "$r1k_med" | tr -d x)" 3) |
| identity path, 1,000 entries (mean ± sd)      | ${k1k_ms} ± ${k1k_sd} ms | oathtool ${oath_ms} ± ${oath_sd} ms | ${r1k} | <= 3x oathtool  | $(verdict "$(echo "$r1k" | tr -d x)" 3) |
| passphrase path, 1,000 entries, scrypt 2^18   | ${pass_ms} ± ${pass_sd} ms | cotp ${cotp_code} | $(ratio "$pass_ms" "${cotp_ms:-n/a}") | (none)          |         |
| code lookup, 10,000-entry vault (open+lookup) | ${k10k_ms} ± ${k10k_sd} ms |                            |        | <= 30 ms        | $(verdict "$k10k_ms" 30) |
| peak memory, code on 10,000 entries           | $((mem10k / 1024)) MiB (${mem10k} KiB) | oathtool ${memoath} KiB |        | <= 25 MiB       | $(verdict "$mem10k" 25600) |
| peak memory, code on 1,000 entries            | $((mem1k / 1024)) MiB (${mem1k} KiB) |                            |        |                 |         |
| agent idle CPU, 10,000 entries (${AGENT_IDLE_SECONDS} s)        | ${agent_cpu} % |                            |        | <= 0.1 %        | $(verdict "$agent_cpu" 0.1) |
| agent resident memory, 10,000 entries         | ${agent_rss_mib} MiB after list --json (${agent_rss_idle} KiB before) | |  | <= 20 MiB       | $(verdict "$agent_rss_list" 20480) |
| idle TUI output, 100x30, 20 accounts          | ${tui_keyfob} B/s    | cotp ${tui_cotp} B/s        | ${rtui} | <= 0.5x cotp    | $(verdict "$(echo "$rtui" | tr -d x)" 0.5) |
EOF
