/* attach.h - opening and typing an attachment, defensively.
 *
 * A file is opened once with O_NOFOLLOW and O_NONBLOCK; only a regular file
 * is accepted; the same descriptor is typed (libmagic, MIME type only, no
 * decompression, limited parsing) and later read by the MIME writer, so the
 * file checked is the file sent. libmagic's database is loaded once, on the
 * first attachment.
 */
#ifndef TICKETMAIL_ATTACH_H
#define TICKETMAIL_ATTACH_H

#include <stdint.h>

struct attach;

enum attach_status {
	ATTACH_OK,
	ATTACH_ENOENT,   /* missing, unreadable or a directory: EX_NOINPUT */
	ATTACH_EREFUSED, /* a symlink, FIFO, device or socket, a forbidden path, a
	                    bad name: EX_DATAERR */
	ATTACH_EMAGIC,   /* libmagic failed: EX_SOFTWARE */
};

/* Opens path. On failure *errstr gets an allocated message naming the
 * file. On success *out is allocated; attach_free() it. */
enum attach_status attach_open(const char *path, struct attach **out, char **errstr);
/* NULL is safe; closes the descriptor. */
void attach_free(struct attach *a);

/* The path as given; belongs to a. */
const char *attach_path(const struct attach *a);
/* The file name for the email: the basename, valid UTF-8 without control
 * or bidi characters (checked by attach_open); belongs to a. */
const char *attach_filename(const struct attach *a);
/* Lower-case MIME type detected from content ("image/png"); belongs to a.
 * UTF-16 text without a byte order mark, which libmagic calls
 * application/octet-stream, is text/plain (textenc_detect()). */
const char *attach_mime_type(const struct attach *a);
/* For text/plain, the charset parameter its part needs: "utf-16" (with a
 * byte order mark; else "utf-16le" ...), "utf-32", "utf-8" (beyond ASCII)
 * or "gb18030"; NULL for ASCII, other types, or text it cannot tell.
 * Static. */
const char *attach_charset(const struct attach *a);
uint64_t attach_size(const struct attach *a);
/* The open descriptor; belongs to a. Readers use pread() from offset 0. */
int attach_fd(const struct attach *a);

/* Releases the libmagic database and unloads the library (once every
 * attachment is typed, and at exit; optional). The next attachment loads
 * them again. */
void attach_cleanup(void);

/* libmagic's version (e.g. 545 for 5.45), loading the library (it is
 * opened with dlopen() on the first attachment, not linked); -1 when it
 * cannot be loaded. */
int attach_magic_version(void);

#endif
