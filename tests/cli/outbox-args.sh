#!/usr/bin/env bash
# The command line of the subcommands: -c and --lang may stand before
# "outbox" and "history" as well as after them (and -c FILE before outbox
# is the account the flush uses); the outbox's --flush, --resend ID and
# --drop ID exclude each other; a ticket's options do not apply to the
# subcommands. Every refusal is a usage error (64) that names the option,
# and leaves the outbox as it was.
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"
sed "s#= shots/#= $ex/shots/#" "$ex/withdrawal-zh.ini" >"$TMP/w.ini"
spool="$XDG_DATA_HOME/ticketmail"

# The account lives outside the default place: only -c finds it.
sendmail_account "$TMP/alt.ini" "$TMP/fs"

# 1. A message waiting in the outbox: the command exits 75 (EX_TEMPFAIL).
run env FAKE_SENDMAIL_EXIT=75 "$TICKETMAIL" --lang en -c "$TMP/alt.ini" --yes --ticket "$TMP/w.ini"
is_rc 75 "sendmail exiting 75: queued (75)"
has "$err" "need the same account file: ticketmail -c $TMP/alt.ini outbox" \
  "the retry hint names the -c file the send used"
id=$(ls "$spool/outbox/new")
if [ -n "$id" ]; then pass "one message waits in the outbox"; else fail "one message waits in the outbox"; fi
journal_lines() { wc -l <"$spool/journal"; }
lines=$(journal_lines)

# 2. Options that exclude each other, or that belong to a ticket.
refused() { # refused NAME WANT-IN-STDERR ARGS...
  local name=$1 want=$2
  shift 2
  run "$TICKETMAIL" "$@" --lang en
  is_rc 64 "$name: usage error (64)"
  has "$err" "$want" "$name: says '$want'"
}
refused "outbox --flush --drop ID" "exclude each other" outbox --flush --drop "$id"
refused "outbox --drop ID --flush" "exclude each other" outbox --drop "$id" --flush
refused "outbox --flush --resend ID" "exclude each other" outbox --flush --resend "$id"
refused "outbox --resend ID --drop ID" "exclude each other" outbox --resend "$id" --drop "$id"
refused "outbox --resend without an id" "needs the id of a message" outbox --resend
refused "outbox --yes" "--yes does not apply to 'ticketmail outbox'" outbox --yes
refused "--ticket FILE outbox" "--ticket does not apply to 'ticketmail outbox'" --ticket "$TMP/w.ini" outbox
refused "history --flush" "--flush does not apply to 'ticketmail history'" history --flush
refused "history --dry-run" "--dry-run does not apply to 'ticketmail history'" history --dry-run
refused "outbox ID" "unexpected argument '$id'" outbox "$id"
if [ -e "$spool/outbox/new/$id" ] && [ "$(journal_lines)" = "$lines" ]; then
  pass "the refusals left the message and the journal as they were"
else
  fail "the refusals left the message and the journal as they were" "$(ls -R "$spool/outbox")"
fi

# 3. Options before the subcommand.
run "$TICKETMAIL" --lang zh_CN history
is_rc 0 "--lang zh_CN history: exit 0"
has "$out" "排队中" "--lang zh_CN history: in Chinese"
run "$TICKETMAIL" --lang=en outbox
is_rc 0 "--lang=en outbox: exit 0"
has "$out" "$id  queued" "--lang=en outbox: lists the message"
run "$TICKETMAIL" -c "$TMP/alt.ini" history
is_rc 0 "-c FILE history: exit 0 (history needs no account)"

# Without -c there is no account: the flush cannot send.
run env TICKETMAIL_NOW=$(($(date +%s) + 3 * 3600)) "$TICKETMAIL" --lang en outbox --flush
is_rc 78 "outbox --flush without the account: 78"
run env TICKETMAIL_NOW=$(($(date +%s) + 3 * 3600)) "$TICKETMAIL" --lang en -c "$TMP/alt.ini" outbox --flush
is_rc 0 "-c FILE outbox --flush: sent with that account (0)"
has "$out" "Sent." "-c FILE outbox --flush: says Sent."
has "$(cat "$FAKE_SENDMAIL_DIR/argv" 2>/dev/null)" "support@okx.com" "-c FILE outbox --flush: sendmail ran"
if [ -z "$(ls "$spool/outbox/new")" ]; then pass "the outbox is empty"; else fail "the outbox is empty"; fi

done_testing
