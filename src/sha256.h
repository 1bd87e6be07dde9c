/* sha256.h - SHA-256 (FIPS 180-4), for fingerprints and attachment digests.
 *
 * Not for passwords or keys: it is a plain digest with no secret input.
 */
#ifndef TICKETMAIL_SHA256_H
#define TICKETMAIL_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN    64 /* without the NUL */

/* Embedded state; sha256_init() before use, no _finish needed. */
struct sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	unsigned char block[64];
	size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest and leaves c unusable until the next sha256_init(). */
void sha256_final(struct sha256 *c, unsigned char digest_out[SHA256_DIGEST_LEN]);
/* Lower-case hex of a digest into hex_out (SHA256_HEX_LEN + 1 bytes, NUL-terminated). */
void sha256_hex(const unsigned char digest[SHA256_DIGEST_LEN], char hex_out[SHA256_HEX_LEN + 1]);
/* One-shot: hex digest of data into hex_out. */
void sha256_hex_of(const void *data, size_t len, char hex_out[SHA256_HEX_LEN + 1]);
/* The x86 SHA extensions are used when the CPU has them (checked once).
 * For tests: true forces the portable code, false restores the choice. */
void sha256_force_portable(bool on);

#endif
