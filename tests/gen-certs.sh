#!/bin/sh
# gen-certs.sh DIR - makes the TLS material for the SMTP tests in DIR:
#   ca.pem                      a private test CA (the client's CURLOPT_CAINFO)
#   server.pem, server.key      signed by the CA for localhost, 127.0.0.1, ::1
#   wrong.pem, wrong.key        signed by the CA, but for "wrong.example" only
#   selfsigned.pem, selfsigned.key  for localhost/127.0.0.1/::1, not signed by the CA
# Keys are P-256 (fast to make); certificates last two days.
set -eu
dir=${1:?usage: gen-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

key ca.key
openssl req -new -x509 -key ca.key -days 2 -subj "/CN=ticketmail test CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out ca.pem

# leaf NAME CN SAN: a server certificate signed by the test CA.
leaf() {
	key "$1.key"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	printf '%s\n' "subjectAltName=$3" "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
		-days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

leaf server localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
leaf wrong wrong.example "DNS:wrong.example"

key selfsigned.key
openssl req -new -x509 -key selfsigned.key -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
	-addext "basicConstraints=critical,CA:FALSE" \
	-addext "extendedKeyUsage=serverAuth" \
	-out selfsigned.pem
