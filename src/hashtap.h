/* hashtap.h - the attachments read ahead and hashed on a second thread,
 * as the source of mime_write()'s attachment bytes.
 *
 * The fingerprint needs a SHA-256 of every attachment; the message needs
 * every attachment read and base64-encoded. A hashtap does both from one
 * read: each piece is read into one of a few buffers (by whichever thread
 * is free), hashed by its thread and then encoded and written by
 * mime_write(). The digests are of exactly the bytes that were encoded.
 * Without a thread (none could be made) all of it happens in turn on the
 * caller's.
 */
#ifndef TICKETMAIL_HASHTAP_H
#define TICKETMAIL_HASHTAP_H

#include "mime.h"
#include "sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashtap;

/* For n attachments read from fds[0..n) with pread(), each sizes[i] bytes
 * from offset 0 (the sizes they had when accepted; the arrays stay the
 * caller's and must outlive the hashtap). Allocated; hashtap_finish() frees
 * it. */
struct hashtap *hashtap_start(const int *fds, const uint64_t *sizes, size_t n);
/* The source to put in struct mime_message; valid until hashtap_finish(). */
const struct mime_source *hashtap_source(struct hashtap *h);
/* Stops the thread and frees h. Returns true with digests[i] set for each
 * attachment when every one was read whole and handed over; false when the
 * write stopped early, a read failed or a file was shorter than expected
 * (digests not set). */
bool hashtap_finish(struct hashtap *h, unsigned char (*digests)[SHA256_DIGEST_LEN]);

#endif
