#!/usr/bin/env bash
# Every example ticket composes through the real binary without a warning,
# to the official address, with its own subject; and a second provider works
# from a data directory alone, no code.
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"
export TICKETMAIL_DATE=1795500000 TICKETMAIL_MESSAGE_ID='<20261125.examples@example.com>'
export TICKETMAIL_BOUNDARY='=_tm_examples_boundary_0123456789'

# 1. The ten examples.
for f in account trading withdrawal api other; do
  for lang in zh en; do
    name="$f-$lang"
    subject=$(sed -n 's/^subject = //p' "$ex/$name.ini")
    run "$TICKETMAIL" --dry-run --ticket "$ex/$name.ini" -o "$TMP/$name.eml"
    is_rc 0 "$name composes"
    hasnt "$err" "warning" "$name: no warning"
    hasnt "$err" "error" "$name: no error"
    has "$(head -c 4000 "$TMP/$name.eml")" "To: support@okx.com" "$name goes to the official address"
    mimeok "$TMP/$name.eml" --expect-subject "$subject" "$name passes the oracle with its subject"
  done
done

# 2. A second provider is a file: a data directory holding the real data and
#    tests/data/providers/examplex.ini.
share="$TMP/share"
mkdir -p "$share/providers"
for d in "$TOP_DIR"/share/*; do
  [ "$(basename "$d")" = providers ] || ln -s "$d" "$share/"
done
ln -s "$TOP_DIR/templates" "$share/templates"
cp "$TOP_DIR/share/providers/okx.ini" "$TOP_DIR/tests/data/providers/examplex.ini" "$share/providers/"
cat >"$TMP/examplex.ini" <<'INI'
[ticket]
provider = examplex
category = withdrawal
language = en
subject = Withdrawal not received
[problem]
occurred_at = 2026-11-20 14:32 +08:00
description = A withdrawal shows as completed but never arrived.
[account]
uid = 4471029384756102
email = jordan.lee@example.com
[transaction]
coin = USDT
network = TRC20
amount = 500
order_id = 108734562
INI
run env TICKETMAIL_DATADIR="$share" "$TICKETMAIL" --dry-run --ticket "$TMP/examplex.ini" -o "$TMP/x.eml"
is_rc 0 "examplex ticket composes"
has "$(head -c 4000 "$TMP/x.eml" 2>/dev/null)" "To: help.desk@examplex.test" "examplex goes to its own address"

# Its own requirements apply: examplex's withdrawal type needs an amount.
sed '/^amount = /d' "$TMP/examplex.ini" >"$TMP/examplex-noamount.ini"
run env TICKETMAIL_DATADIR="$share" "$TICKETMAIL" --dry-run --ticket "$TMP/examplex-noamount.ini" -o "$TMP/y.eml"
is_rc 65 "examplex without amount is refused (EX_DATAERR)"
has "$err" "amount" "the message names the missing field"

# 3. A broken profile stops with EX_CONFIG and names file:line.
cp "$TOP_DIR/tests/data/providers/bad-address.ini" "$share/providers/"
sed 's/^provider = examplex/provider = bad-address/; s/^category = withdrawal/category = other/' \
  "$TMP/examplex.ini" >"$TMP/bad.ini"
run env TICKETMAIL_DATADIR="$share" "$TICKETMAIL" --dry-run --ticket "$TMP/bad.ini"
is_rc 78 "a broken profile is EX_CONFIG"
has "$err" "bad-address.ini:6:" "the error names the profile's line"

done_testing
