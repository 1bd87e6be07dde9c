#!/usr/bin/env bash
# One run reports every problem it can find: the ticket file's structure,
# --set, the fields, the recipient, the sender, the attachments and the
# secrets, each stage running even when an earlier one found something; the
# exit status is that of the first problem listed (README "Exit status").
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"
export TICKETMAIL_DATE=1795500000 TICKETMAIL_MESSAGE_ID='<20261125.problems@example.com>'
mkdir "$TMP/w"
cd "$TMP/w"
# The English example with one misspelt key, and a file that is no image.
sed 's/^name = /nmae = /' "$ex/withdrawal-en.ini" >bad-key.ini
grep -v '^email = ' "$ex/withdrawal-en.ini" >no-email.ini
printf 'MZ\220\0\3\0\0\0\4\0\0\0\377\377\0\0not an image\n' >evil.png
tm() { run "$TICKETMAIL" --lang en --dry-run -o "$TMP/w/out.eml" "$@"; }
# line_of TEXT: the line of $err that holds TEXT (0: none).
line_of() { printf '%s\n' "$err" | grep -nF -- "$1" | head -n1 | cut -d: -f1 | grep . || echo 0; }
# in_order NAME TEXT...: each TEXT is in $err, each on a later line than the one before.
in_order() {
  local name=$1 prev=0 n t
  shift
  for t in "$@"; do
    n=$(line_of "$t")
    if [ "$n" -le "$prev" ]; then fail "$name" "'$t' missing or out of order" "stderr: $err"; return; fi
    prev=$n
  done
  pass "$name"
}
nothing_written() {
  if [ -e "$TMP/w/out.eml" ]; then fail "$1: nothing written"; rm -f "$TMP/w/out.eml"; else pass "$1: nothing written"; fi
}

# 1. Every kind of problem at once, in the order the stages run.
tm -t bad-key.ini --set uid=abc -a evil.png -a nope.png --to support@0kx.com \
  --set 'description=password: hunter2hunter2'
is_rc 65 "all problems: exit 65, the status of the first (the unknown key)"
in_order "one run lists the key, the UID, the recipient, both attachments and the password, in order" \
  "bad-key.ini:27: error: [account].nmae: unknown key" \
  "uid: error: uid (User ID (UID)): must be digits only" \
  "--to: error: the domain 0kx.com imitates the official domain okx.com" \
  "evil.png: error: evil.png is application/octet-stream by its content" \
  "nope.png: error: attachment 'nope.png': No such file or directory" \
  "description: error: Description, line 1, column 11: contains a password"
hasnt "$err" "hunter2hunter2" "the password is not repeated"
nothing_written "all problems"

# 2. The missing sender no longer hides the password.
tm -t no-email.ini --set 'description=password: hunter2hunter2'
is_rc 65 "no sender and a password: exit 65"
in_order "no sender and a password: both listed" \
  "email: error: no sender address" \
  "description: error: Description, line 1, column 11: contains a password"
nothing_written "no sender and a password"

# 3. A warning to accept is listed, with how to accept it, beside an error.
hex=$(printf 'not a key' | sha256sum | cut -c1-64)
tm -t "$ex/withdrawal-en.ini" --set uid=abc --set "description=the page showed $hex"
is_rc 65 "a field error and a hex-64 warning: exit 65"
in_order "the field error, the warning and the --allow hint are all listed" \
  "uid: error:" "description: warning:" "accept each warning above with --allow KIND"
has "$err" "accept it with --allow hex-64" "the warning names its kind for --allow"

# 4. The exit status is that of the first problem listed.
tm -t "$ex/withdrawal-en.ini" -a nope.png -a evil.png
is_rc 66 "a missing attachment listed first: 66"
has "$err" "evil.png: error:" "... and the refused one after it is listed too"
tm -t "$ex/withdrawal-en.ini" -a evil.png -a nope.png
is_rc 65 "a refused attachment listed first: 65"
has "$err" "nope.png: error:" "... and the missing one after it is listed too"
tm -t "$ex/withdrawal-en.ini" --set nosuch=1 -a nope.png
is_rc 64 "a bad --set listed first: 64"
in_order "... then the missing attachment" "--set nosuch=1: unknown key" "nope.png: error:"
tm -t missing.ini --set nosuch=1
is_rc 66 "a missing ticket file: 66"
in_order "... and the bad --set is listed after it" "missing.ini: error:" "--set nosuch=1: unknown key"
nothing_written "first problem"

# 5. A clean ticket still goes through.
tm -t "$ex/withdrawal-en.ini"
is_rc 0 "the example itself has no problem"
if [ -s "$TMP/w/out.eml" ]; then pass "... and is written"; else fail "... and is written"; fi

done_testing
