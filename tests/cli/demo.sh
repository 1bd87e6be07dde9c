#!/usr/bin/env bash
# ./run-demo without its install and build steps: it delivers the example
# ticket over STARTTLS + AUTH to tests/smtpd.py on 127.0.0.1, shows the
# delivered message, and stops the server.
. "$TOP_DIR/tests/tap.sh"

if bash -n "$TOP_DIR/run-demo"; then pass "run-demo parses (bash -n)"; else fail "run-demo parses (bash -n)"; fi

run env TICKETMAIL_DEMO_NO_BUILD=1 TMPDIR="$TMP" "$TOP_DIR/run-demo"
is_rc 0 "run-demo exits 0"
has "$out" "Sent. Message-ID <" "prints Sent. and the Message-ID"
has "$out" "Subject: USDT提币未到账" "shows the delivered subject, decoded"
has "$out" 'attachment "withdrawal-record.png"' "shows the attachments"
has "$out" "1 tls AUTH PLAIN" "the dialogue shows AUTH inside TLS"
hasnt "$out" "plain AUTH" "no AUTH before STARTTLS"
has "$out" "byte for byte the same" "server copy and sent copy are identical"

demo=$(ls -d "$TMP"/ticketmail-demo.* 2>/dev/null | head -n 1)
server_copy=$(printf '%s\n' "$out" | sed -n 's/^== Server.s copy: *//p')
sent_copy=$(printf '%s\n' "$out" | sed -n 's/^== Your sent copy: *//p')
if [ -n "$server_copy" ] && [ -f "$server_copy" ]; then pass "the server's copy exists"; else fail "the server's copy exists" "$server_copy"; fi
if [ -n "$sent_copy" ] && cmp -s "$server_copy" "$sent_copy"; then pass "the sent copy exists and matches"; else fail "the sent copy exists and matches" "$sent_copy"; fi
mimeok "$server_copy" --expect-subject "USDT提币未到账" \
  --expect-attachment "withdrawal-record.png=$TOP_DIR/share/examples/shots/withdrawal-record.png" \
  "the GMime oracle accepts the delivered message"
secret=$(cat "$demo/smtp-password" 2>/dev/null || echo missing)
hasnt "$out$err" "$secret" "the password is not printed"

# The server is gone: its port refuses connections.
port=$(cat "$demo/port" 2>/dev/null || echo 1)
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "the server was stopped" "port $port still open"; else pass "the server was stopped"; fi

done_testing
