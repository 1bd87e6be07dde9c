# tap.sh - a tiny TAP producer for the command-line tests (sourced).
# Each test script: . "$TOP_DIR/tests/tap.sh"; checks...; done_testing (prints the plan last).
set -u
: "${TICKETMAIL:?TICKETMAIL must name the binary}"
: "${TOP_DIR:?}"
tap_n=0
tap_failed=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export XDG_CONFIG_HOME="$TMP/config" XDG_DATA_HOME="$TMP/data" XDG_STATE_HOME="$TMP/state"
export HOME="$TMP/home"
mkdir -p "$HOME"
export TZ=Asia/Shanghai
unset TICKETMAIL_DATADIR

pass() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
fail() {
  tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
  echo "not ok $tap_n - $1"
  shift
  for l in "$@"; do printf '#   %s\n' "$l"; done
}
# run CMD...: runs and captures stdout, stderr, status in $out $err $rc
run() {
  set +e
  "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  set -e
  out=$(cat "$TMP/out")
  err=$(cat "$TMP/err")
}
# is_rc WANT NAME
is_rc() {
  if [ "$rc" = "$1" ]; then pass "$2"; else fail "$2" "exit status $rc, want $1" "stderr: $err"; fi
}
# has HAYSTACK NEEDLE NAME: fixed-string match
has() {
  if printf '%s' "$1" | grep -qF -- "$2"; then pass "$3"; else fail "$3" "missing: $2" "in: $(printf '%s' "$1" | head -c 2000)"; fi
}
hasnt() {
  if printf '%s' "$1" | grep -qF -- "$2"; then fail "$3" "unexpected: $2"; else pass "$3"; fi
}
# mimeok FILE ARGS... NAME(last): the GMime oracle and raw lint
mimeok() {
  local name=${!#}
  local args=("${@:1:$#-1}")
  if [ -z "${MIMECHECK:-}" ]; then fail "$name" "MIMECHECK not built"; return; fi
  local res
  if res=$("$MIMECHECK" "${args[@]}" 2>&1); then pass "$name"; else fail "$name" "$res"; fi
}
done_testing() {
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}

# sendmail_account FILE DIR: writes FILE (0600), an account that sends with
# tests/data/fake-sendmail.sh, which keeps what it is given in DIR.
sendmail_account() {
  mkdir -p "$(dirname "$1")" "$2"
  cat >"$1" <<INI
[account]
from = zhang.wei@example.com
name = Zhang Wei
transport = sendmail
sendmail_command = $TOP_DIR/tests/data/fake-sendmail.sh
INI
  chmod 600 "$1"
  export FAKE_SENDMAIL_DIR="$2"
}
