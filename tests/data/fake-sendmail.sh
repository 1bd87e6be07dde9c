#!/bin/sh
# A stand-in for sendmail in test-transport: records its arguments (one a
# line) in $FAKE_SENDMAIL_DIR/argv and its standard input in
# $FAKE_SENDMAIL_DIR/stdin, then exits with $FAKE_SENDMAIL_EXIT (default 0).
set -eu
dir=${FAKE_SENDMAIL_DIR:?}
: >"$dir/argv"
for a in "$@"; do
	printf '%s\n' "$a" >>"$dir/argv"
done
cat >"$dir/stdin"
exit "${FAKE_SENDMAIL_EXIT:-0}"
