/* hashtap.h - the attachments read ahead and hashed on a second thread,
 * as the source of mime_write()'s attachment bytes.
 *
 * The fingerprint needs a SHA-256 of every attachment; the message needs
 * every attachment read and base64-encoded. A hashtap does both reads as
 * one: its thread reads each attachment in order into a few buffers and
 * hashes each piece while mime_write() encodes and writes the piece before
 * it. The digests are of exactly the bytes that were encoded. Without a
 * thread (none could be made) the same happens in turn on the caller's.
 */
#ifndef TICKETMAIL_HASHTAP_H
#define TICKETMAIL_HASHTAP_H

#include "mime.h"
#include "sha256.h"

#include <stdbool.h>
#include <stddef.h>

struct hashtap;

/* For n attachments read from fds[0..n) with pread() from offset 0 to
 * their end (the descriptors stay the caller's). Allocated; hashtap_finish()
 * frees it. */
struct hashtap *hashtap_start(const int *fds, size_t n);
/* The source to put in struct mime_message; valid until hashtap_finish(). */
const struct mime_source *hashtap_source(struct hashtap *h);
/* Stops the thread and frees h. Returns true with digests[i] set for each
 * attachment when every one was read to its end and handed over; false
 * when the write stopped early or a read failed (digests not set). */
bool hashtap_finish(struct hashtap *h, unsigned char (*digests)[SHA256_DIGEST_LEN]);

#endif
