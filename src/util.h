/* util.h - memory, string building and UTF-8 helpers shared by every stage.
 *
 * The x* allocators never return NULL: on out-of-memory they print a message
 * and exit with EX_OSERR (the one place library code may exit).
 */
#ifndef TICKETMAIL_UTIL_H
#define TICKETMAIL_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UTIL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Allocated copies; caller frees. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new allocated string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable byte buffer, always NUL-terminated after strbuf_init(). */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *sb);
/* Frees the buffer and resets it to empty. */
void strbuf_finish(struct strbuf *sb);
/* Takes the buffer out (allocated, caller frees) and resets sb. */
char *strbuf_take(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_reset(struct strbuf *sb);

/* Decodes one UTF-8 code point at s (at most len bytes), strict RFC 3629:
 * no overlongs, no surrogates, nothing above U+10FFFF. Returns the number of
 * bytes used (1-4) and stores the code point, or 0 if the sequence is invalid. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp_out);
/* Appends the UTF-8 encoding of cp. */
void utf8_encode(struct strbuf *sb, uint32_t cp);
/* true when all of s[0..len) is valid UTF-8; on false, *bad_offset_out (if
 * not NULL) gets the byte offset of the first invalid sequence. */
bool utf8_valid(const char *s, size_t len, size_t *bad_offset_out);
/* Number of code points in valid UTF-8 text. */
size_t utf8_length(const char *s, size_t len);

/* Characters refused in user text: C0 controls (TAB, and LF/CR where
 * allow_newlines, excepted), DEL, C1 controls, and the bidirectional
 * override/isolate controls U+202A-202E, U+2066-2069, U+200E/200F, U+061C.
 * Returns true if cp is forbidden. */
bool util_forbidden_char(uint32_t cp, bool allow_newlines);

/* Writes s to a new string with control characters made visible
 * (\r, \n, \t, \xHH, \u{202E}); for echoing untrusted text (server replies,
 * refused input) safely. Allocated, caller frees. */
char *util_visible(const char *s, size_t len);

/* A size for people: "827 B", "18.2 KiB", "8.0 MiB". Allocated. */
char *util_human_size(uint64_t n);

/* Returns the final path component of path (points into path; not allocated). */
const char *util_basename(const char *path);

/* Reads a whole file (at most max bytes; ERANGE beyond). Returns 0, or an
 * errno value. *data_out is allocated and NUL-terminated, caller frees. */
int util_read_file(const char *path, size_t max, char **data_out, size_t *len_out);

/* ASCII-only case-insensitive comparison helpers (locale-independent). */
int util_ascii_casecmp(const char *a, const char *b);
int util_ascii_ncasecmp(const char *a, const char *b, size_t n);

/* Edit distance (optimal string alignment: insert, delete, replace, swap
 * neighbours) between two ASCII strings of at most 64 bytes; (size_t)-1 for
 * longer ones. */
size_t util_edit_distance(const char *a, const char *b);

/* A library opened at run time (libcurl, libmagic, GNU readline): each
 * symbol's address is copied into *dst, a function or object pointer
 * (POSIX gives them the representation of dlsym()'s void *). */
struct util_sym {
	const char *name;
	void *dst;
};
/* dlopen(file, flags) and every symbol of syms[0..n). Returns the handle;
 * or NULL with *why_out saying why (dlerror()'s text, in a buffer of this
 * thread's that the next failing call overwrites) and nothing left open. */
void *util_dlopen_syms(const char *file, int flags, const struct util_sym *syms, size_t n,
                       const char **why_out);

/* Reads up to want bytes of fd at off with pread(), retrying short reads
 * and EINTR; returns the count (less only at the end of the file), or -1
 * with errno set. */
ssize_t util_pread_full(int fd, void *buf, size_t want, off_t off);

/* pthread_create() for a worker that must never run a signal handler: the
 * thread starts with every signal blocked, so that SIGINT and friends reach
 * the main thread, whose prompts wait for them (a handler run on a worker
 * would leave the main thread asleep in its wait). Returns 0 or an errno. */
int util_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
