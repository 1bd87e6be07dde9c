/* hashtap.h - SHA-256 of each attachment, taken from the bytes mime_write()
 * reads, on a second thread.
 *
 * The fingerprint needs a digest of every attachment; the message needs
 * every attachment read and base64-encoded. A hashtap is the mime_tap
 * that lets both share one read: the writer reads a chunk, hands it over,
 * and encodes it while this thread hashes it. Without a thread (none could
 * be made) the chunks are hashed as they are handed over.
 */
#ifndef TICKETMAIL_HASHTAP_H
#define TICKETMAIL_HASHTAP_H

#include "mime.h"
#include "sha256.h"

#include <stdbool.h>
#include <stddef.h>

struct hashtap;

/* For n attachments (allocated; hashtap_finish() frees it). */
struct hashtap *hashtap_start(size_t n);
/* The tap to put in struct mime_message; valid until hashtap_finish(). */
const struct mime_tap *hashtap_mime(struct hashtap *h);
/* Stops the thread and frees h. Returns true with digests[i] set for each
 * attachment when every one was seen to its end, in order; false when the
 * write stopped early (the digests are then not set). */
bool hashtap_finish(struct hashtap *h, unsigned char (*digests)[SHA256_DIGEST_LEN]);

#endif
