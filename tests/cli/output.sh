#!/usr/bin/env bash
# -o PATH against what PATH already is: "-" is standard output; a new path
# or a regular file is replaced whole; a symbolic link stays and the file it
# names is replaced; a FIFO, a character device or /dev/fd/N is written to
# and stays what it is; a directory is refused (73). Devices are private
# copies made with mknod in the test's own directory, never the machine's.
. "$TOP_DIR/tests/tap.sh"
set -e
ex="$TOP_DIR/share/examples"
export TICKETMAIL_DATE=1795500000 TICKETMAIL_MESSAGE_ID='<20261125.output@example.com>'
export TICKETMAIL_BOUNDARY='=_tm_output_boundary_0123456789'
tm() { run timeout 20 "$TICKETMAIL" --lang en --dry-run --ticket "$ex/withdrawal-en.ini" "$@"; }
# same FILE NAME: FILE holds exactly the message.
same() { if cmp -s "$1" "$TMP/want.eml"; then pass "$2"; else fail "$2" "$(ls -l "$1" 2>&1)"; fi; }

"$TICKETMAIL" --lang en --dry-run --ticket "$ex/withdrawal-en.ini" >"$TMP/want.eml"
mkdir "$TMP/w"
cd "$TMP/w"

# 1. "-" is standard output, not a file named "-".
tm -o -
is_rc 0 "-o - exits 0"
same "$TMP/out" "-o - writes the message to standard output"
if [ -e "$TMP/w/-" ]; then fail "-o - creates no file named '-'"; else pass "-o - creates no file named '-'"; fi

# 2. A regular file is replaced whole.
echo old >"$TMP/w/plain.eml"
tm -o "$TMP/w/plain.eml"
is_rc 0 "-o over a regular file exits 0"
same "$TMP/w/plain.eml" "the regular file now holds the message"

# 3. A symbolic link stays a link; the file it names gets the message.
echo old >"$TMP/w/real.eml"
ln -s real.eml "$TMP/w/link.eml"
tm -o "$TMP/w/link.eml"
is_rc 0 "-o through a symbolic link exits 0"
if [ -L "$TMP/w/link.eml" ] && [ "$(readlink "$TMP/w/link.eml")" = real.eml ]; then
  pass "the symbolic link is kept, pointing where it did"
else fail "the symbolic link is kept" "$(ls -l "$TMP/w" 2>&1)"; fi
same "$TMP/w/real.eml" "the link's target holds the message"
ln -s new.eml "$TMP/w/dangling.eml"
tm -o "$TMP/w/dangling.eml"
is_rc 0 "-o through a link to a missing file exits 0"
if [ -L "$TMP/w/dangling.eml" ]; then pass "... the link is kept"; else fail "... the link is kept"; fi
same "$TMP/w/new.eml" "... and the file it names is created with the message"

# 4. A FIFO with a reader: the reader gets the message, the FIFO stays.
mkfifo "$TMP/w/fifo"
timeout 20 cat "$TMP/w/fifo" >"$TMP/w/from-fifo" &
reader=$!
tm -o "$TMP/w/fifo"
is_rc 0 "-o into a FIFO exits 0"
wait "$reader" || true
same "$TMP/w/from-fifo" "the FIFO's reader received the message"
if [ -p "$TMP/w/fifo" ]; then pass "the FIFO is still a FIFO"; else fail "the FIFO is still a FIFO" "$(ls -l "$TMP/w/fifo" 2>&1)"; fi

# 5. /dev/fd/N from a process substitution.
tm -o >(cat >"$TMP/w/from-fd")
is_rc 0 "-o into a process substitution exits 0"
for _ in $(seq 1 50); do cmp -s "$TMP/w/from-fd" "$TMP/want.eml" && break; sleep 0.1; done
same "$TMP/w/from-fd" "the process substitution received the message"

# 6. A directory is refused, named, and left alone.
mkdir "$TMP/w/dir"
tm -o "$TMP/w/dir"
is_rc 73 "-o naming a directory exits 73"
has "$err" "$TMP/w/dir: is a directory" "the message names the directory"
if [ -d "$TMP/w/dir" ] && [ -z "$(ls -A "$TMP/w/dir")" ]; then pass "the directory is untouched and empty"; else
  fail "the directory is untouched" "$(ls -la "$TMP/w/dir" 2>&1)"; fi

# 7. Character devices, as root: private copies of /dev/null (1,3) and
#    /dev/full (1,7), which must stay character devices.
if [ "$(id -u)" != 0 ]; then
  for t in "a copy of /dev/null stays a character device" "a copy of /dev/full: exit 74"; do
    tap_n=$((tap_n + 1)); echo "ok $tap_n - $t # SKIP not root (mknod)"; done
elif ! mknod "$TMP/w/null" c 1 3 2>/dev/null || ! mknod "$TMP/w/full" c 1 7 2>/dev/null ||
  ! : >"$TMP/w/null" 2>/dev/null; then
  for t in "a copy of /dev/null stays a character device" "a copy of /dev/full: exit 74"; do
    tap_n=$((tap_n + 1)); echo "ok $tap_n - $t # SKIP cannot make or open device nodes here"; done
else
  tm -o "$TMP/w/null"
  is_rc 0 "-o into a copy of /dev/null exits 0"
  if [ -c "$TMP/w/null" ] && [ "$(stat -c '%t,%T' "$TMP/w/null")" = 1,3 ]; then
    pass "a copy of /dev/null stays a character device"
  else fail "a copy of /dev/null stays a character device" "$(ls -l "$TMP/w/null" 2>&1)"; fi
  tm -o "$TMP/w/full"
  is_rc 74 "a copy of /dev/full: exit 74 (EX_IOERR)"
  has "$err" "$TMP/w/full: " "the write error names the file"
  if [ -c "$TMP/w/full" ] && [ "$(stat -c '%t,%T' "$TMP/w/full")" = 1,7 ]; then
    pass "a copy of /dev/full stays a character device"
  else fail "a copy of /dev/full stays a character device" "$(ls -l "$TMP/w/full" 2>&1)"; fi
fi
if ls "$TMP/w" | grep -q '\.tmp'; then fail "no temporary file is left behind" "$(ls "$TMP/w")"; else
  pass "no temporary file is left behind"; fi

done_testing
