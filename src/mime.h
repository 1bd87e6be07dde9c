/* mime.h - writes one RFC 5322 / MIME message to a FILE*.
 *
 * The bytes written are exactly what is spooled, sent and archived: CRLF
 * line ends only, no line over 998 octets, 7-bit headers (RFC 2047 encoded
 * words for non-ASCII), text/plain UTF-8 body in quoted-printable or base64
 * (whichever is smaller), attachments in base64 streamed from their
 * descriptors in fixed-size chunks.
 */
#ifndef TICKETMAIL_MIME_H
#define TICKETMAIL_MIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

enum mime_status {
	MIME_EOK,
	MIME_EINVAL, /* a header value with CR/LF/control, or bad UTF-8 */
	MIME_EIO,    /* reading an attachment or writing out failed */
};

struct mime_attachment {
	int fd;                   /* read with pread() from offset 0 */
	const char *filename;     /* UTF-8, no control characters */
	const char *content_type; /* "image/png" */
	const char *charset;      /* NULL, or a text part's charset ("utf-16") */
	uint64_t size;            /* expected size; a change is an error */
};

/* Optional: where the attachments' bytes come from, instead of pread() on
 * each descriptor; for a caller that reads them ahead and hashes them on
 * another thread. next() gives the next piece of attachment `attachment`
 * (attachments are asked for in order, each to its end): sets *data and
 * returns the length, 0 at the end of that attachment, or -1 with errno
 * set. Every piece but an attachment's last is a whole number of
 * MIME_SOURCE_UNIT-byte lines, and none is longer than MIME_SOURCE_MAX. A
 * piece stays valid until the next call. */
#define MIME_SOURCE_UNIT 57
#define MIME_SOURCE_MAX  116736 /* the longest piece: 2048 lines */
struct mime_source {
	ssize_t (*next)(void *ctx, size_t attachment, const void **data);
	void *ctx;
};

struct mime_message {
	const char *from_name;  /* UTF-8 display name, may be NULL */
	const char *from_addr;  /* validated addr-spec */
	const char *to_addr;    /* validated addr-spec */
	const char *subject;    /* UTF-8, one line */
	time_t date;            /* written in the local time zone */
	const char *message_id; /* "<...@domain>" */
	const char *user_agent; /* may be NULL */
	const char *body;       /* UTF-8, LF (or CRLF) line ends */
	size_t body_len;
	const struct mime_attachment *attachments;
	size_t nattachments;
	const char *boundary;             /* NULL: a random one; must contain "=_" */
	const struct mime_source *source; /* NULL: pread() the descriptors */
};

/* Writes the message. Returns MIME_EOK, or an error with *errstr set to an
 * allocated message. */
enum mime_status mime_write(FILE *out, const struct mime_message *m, char **errstr);

/* Decodes RFC 2047 encoded words (UTF-8 or US-ASCII charset, B or Q) in
 * an unfolded header value for display; white space between two encoded
 * words is dropped (RFC 2047 6.2). Undecodable words and other charsets
 * are kept as they are. Allocated, caller frees. */
char *mime_decode_header(const char *value);

/* Base64 as attachments are written: n bytes as lines of 76 characters
 * and CRLF, the last line padded. out holds at least
 * ((n + 56) / 57) * 78 bytes. Returns the length written. MIME_B64_BEST
 * uses the CPU's vector instructions when it has them (AVX2);
 * MIME_B64_PORTABLE never does (for tests and the benchmark). */
enum mime_b64_impl { MIME_B64_BEST, MIME_B64_PORTABLE };
size_t mime_base64_lines(const void *data, size_t n, char *out, enum mime_b64_impl impl);

/* A new Message-ID "<time.random@domain>" (allocated, caller frees). */
char *mime_make_message_id(const char *domain);
/* A new random boundary containing "=_", which no base64 or
 * quoted-printable text can contain (allocated, caller frees). */
char *mime_make_boundary(void);

#endif
