#!/usr/bin/env bash
# README.md against the real binary: its complete ticket example works as
# shown (saved on its own, it dry-runs), and is the example file it says it
# is; its exit-status table and --help list every status ticketmail(1)
# does; the rule for TICKETMAIL_BOUNDARY is documented and is the one the
# binary applies.
. "$TOP_DIR/tests/tap.sh"
set -e
readme="$TOP_DIR/README.md"
man1="$TOP_DIR/doc/ticketmail.1"

# 1. The complete example: the first ```ini block after "A complete example".
awk '/A complete example/ { found = 1 }
     found && /^```ini$/ { inblock = 1; next }
     inblock && /^```$/ { exit }
     inblock { print }' "$readme" >"$TMP/readme-example.ini"
if [ -s "$TMP/readme-example.ini" ]; then pass "README has a complete ticket example"; else
  fail "README has a complete ticket example"; fi
if cmp -s "$TMP/readme-example.ini" "$TOP_DIR/share/examples/withdrawal-en.ini"; then
  pass "it is share/examples/withdrawal-en.ini, as README says"
else
  fail "it is share/examples/withdrawal-en.ini, as README says" \
    "$(diff "$TOP_DIR/share/examples/withdrawal-en.ini" "$TMP/readme-example.ini" | head -20)"
fi
mkdir "$TMP/copy"
cp "$TMP/readme-example.ini" "$TMP/copy/my-ticket.ini"
run env TICKETMAIL_DATE=1795500000 TICKETMAIL_MESSAGE_ID='<20261125.readme@example.com>' \
  "$TICKETMAIL" --lang en --dry-run --ticket "$TMP/copy/my-ticket.ini" -o "$TMP/copy/out.eml"
is_rc 0 "the example, copied on its own as README shows it, dry-runs"
if [ -n "${MIMECHECK:-}" ]; then
  mimeok "$TMP/copy/out.eml" --expect-subject "Deposit not credited" "... into a message the oracle accepts"
fi

# 2. Exit statuses: ticketmail(1)'s EXIT STATUS section is the list.
man_codes=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$man1" | sed -n 's/^\.BR\{0,1\} \([0-9][0-9]*\)\( .*\)\{0,1\}$/\1/p' | sort -n | tr '\n' ' ')
readme_codes=$(sed -n '/^## Exit status/,/^## /p' "$readme" | sed -n 's/^| \([0-9][0-9]*\) |.*/\1/p' | sort -n | tr '\n' ' ')
run env LC_ALL=C.UTF-8 LANGUAGE= "$TICKETMAIL" --lang en --help
help_codes=$(printf '%s\n' "$out" | sed -n '/^Exit status:/,/^See /p' | sed '$d' | grep -oE '(^|[ ;:])[0-9]+ ' | tr -dc '0-9 \n' | tr -s ' \n' '\n\n' | grep . | sort -n | tr '\n' ' ')
if [ "$(echo $man_codes | wc -w)" -ge 12 ]; then pass "ticketmail(1) lists $(echo $man_codes | wc -w) exit statuses"; else
  fail "read ticketmail(1)'s exit statuses" "got: $man_codes"; fi
if [ "$readme_codes" = "$man_codes" ]; then pass "README's exit-status table lists the same statuses ($readme_codes)"; else
  fail "README's exit-status table lists the same statuses" "man: $man_codes" "README: $readme_codes"; fi
if [ "$help_codes" = "$man_codes" ]; then pass "--help lists the same statuses ($help_codes)"; else
  fail "--help lists the same statuses" "man: $man_codes" "--help: $help_codes"; fi
for where in "$readme" "$man1"; do
  if grep -q '74' "$where" && grep -qiE 'full disk|/dev/full' "$where"; then pass "$(basename "$where") says when 74 happens"; else
    fail "$(basename "$where") says when 74 happens"; fi
done

# 3. TICKETMAIL_BOUNDARY must contain "=_": documented, and so it is.
has "$(sed -n '/TICKETMAIL_BOUNDARY/,/^$/p' "$readme")" '`=_`' "README gives TICKETMAIL_BOUNDARY's '=_' rule"
has "$(sed -n '/^\.B TICKETMAIL_BOUNDARY/,/^\.TP/p' "$man1")" '=_' "ticketmail(1) gives TICKETMAIL_BOUNDARY's '=_' rule"
ex="$TOP_DIR/share/examples/withdrawal-en.ini"
run env TICKETMAIL_BOUNDARY='tm_no_marker_0123' "$TICKETMAIL" --lang en --dry-run --ticket "$ex"
is_rc 65 "a boundary without =_ is refused with 65"
has "$err" '=_' "... and the message says why"
run env TICKETMAIL_BOUNDARY='tm=_marker 0123' "$TICKETMAIL" --lang en --dry-run --ticket "$ex" -a "$TOP_DIR/share/examples/shots/error-page.png"
is_rc 0 "a boundary with =_ and a space is used"
has "$out" 'boundary="tm=_marker 0123"' "... as given"

done_testing
