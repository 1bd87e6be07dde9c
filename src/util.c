/* util.c - memory, string building and UTF-8 helpers. */
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static void util_oom(void)
{
	fputs("ticketmail: out of memory\n", stderr);
	exit(EX_OSERR);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		util_oom();
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		util_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		util_oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char small[256];
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(small, sizeof small, fmt, aq);
	va_end(aq);
	if (n < 0)
		util_oom();
	char *p = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof small)
		memcpy(p, small, (size_t)n + 1);
	else
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void strbuf_init(struct strbuf *sb)
{
	sb->cap = 64;
	sb->len = 0;
	sb->buf = xmalloc(sb->cap);
	sb->buf[0] = '\0';
}

void strbuf_finish(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *strbuf_take(struct strbuf *sb)
{
	char *p = sb->buf;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

static void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (!sb->buf)
		strbuf_init(sb);
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap * 2;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addc(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_adds(sb, p);
	free(p);
}

void strbuf_reset(struct strbuf *sb)
{
	if (!sb->buf) {
		strbuf_init(sb);
		return;
	}
	sb->len = 0;
	sb->buf[0] = '\0';
}

size_t utf8_decode(const char *str, size_t len, uint32_t *cp_out)
{
	const unsigned char *s = (const unsigned char *)str;
	if (len == 0)
		return 0;
	uint32_t cp;
	size_t n;
	uint32_t min;
	if (s[0] < 0x80) {
		*cp_out = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		cp = s[0] & 0x1F;
		n = 2;
		min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		cp = s[0] & 0x0F;
		n = 3;
		min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		cp = s[0] & 0x07;
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*cp_out = cp;
	return n;
}

void utf8_encode(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

bool utf8_valid(const char *s, size_t len, size_t *bad_offset_out)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			if (bad_offset_out)
				*bad_offset_out = i;
			return false;
		}
		i += n;
	}
	return true;
}

size_t utf8_length(const char *s, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

bool util_forbidden_char(uint32_t cp, bool allow_newlines)
{
	if (cp == '\t')
		return false;
	if (cp == '\n' || cp == '\r')
		return !allow_newlines;
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
		return true;
	if (cp == 0x200E || cp == 0x200F || cp == 0x061C)
		return true;
	if (cp >= 0x202A && cp <= 0x202E)
		return true;
	if (cp >= 0x2066 && cp <= 0x2069)
		return true;
	return false;
}

char *util_visible(const char *s, size_t len)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			strbuf_addf(&sb, "\\x%02X", (unsigned char)s[i]);
			i++;
			continue;
		}
		if (cp == '\n')
			strbuf_adds(&sb, "\\n");
		else if (cp == '\r')
			strbuf_adds(&sb, "\\r");
		else if (cp == '\t')
			strbuf_adds(&sb, "\\t");
		else if (cp == '\\')
			strbuf_adds(&sb, "\\\\");
		else if (cp < 0x20 || cp == 0x7F)
			strbuf_addf(&sb, "\\x%02X", (unsigned)cp);
		else if (util_forbidden_char(cp, false))
			strbuf_addf(&sb, "\\u{%04X}", (unsigned)cp);
		else
			strbuf_add(&sb, s + i, n);
		i += n;
	}
	return strbuf_take(&sb);
}

const char *util_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int util_read_file(const char *path, size_t max, char **data_out, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	struct strbuf sb;
	strbuf_init(&sb);
	int err = 0;
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > max) {
			err = ERANGE;
			break;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	/* Files read here may hold a password (an account file): leave no
	 * stray copy on the stack or in a discarded buffer. */
	explicit_bzero(buf, sizeof buf);
	if (err) {
		explicit_bzero(sb.buf, sb.len);
		strbuf_finish(&sb);
		return err;
	}
	*len_out = sb.len;
	*data_out = strbuf_take(&sb);
	return 0;
}

static int util_ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int util_ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = util_ascii_lower((unsigned char)*a);
		int cb = util_ascii_lower((unsigned char)*b);
		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

int util_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ca = util_ascii_lower((unsigned char)a[i]);
		int cb = util_ascii_lower((unsigned char)b[i]);
		if (ca != cb || ca == 0)
			return ca - cb;
	}
	return 0;
}

size_t util_edit_distance(const char *a, const char *b)
{
	/* Optimal string alignment: a swap of two neighbours is one edit,
	 * the commonest typo ("tixd" for "txid"). */
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (size_t)-1;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

char *util_human_size(uint64_t n)
{
	if (n < 1024)
		return xasprintf("%" PRIu64 " B", n);
	if (n < 1024 * 1024)
		return xasprintf("%.1f KiB", (double)n / 1024.0);
	return xasprintf("%.1f MiB", (double)n / (1024.0 * 1024.0));
}

void *util_dlopen_syms(const char *file, int flags, const struct util_sym *syms, size_t n,
                       const char **why_out)
{
	/* dlerror()'s text does not outlive the dlclose() below: a copy. */
	static _Thread_local char why[256];
	void *h = dlopen(file, flags);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, sizeof why, "%s", e ? e : "cannot be loaded");
		*why_out = why;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(h, syms[i].name);
		if (!p) {
			const char *e = dlerror();
			snprintf(why, sizeof why, "%s", e ? e : "a symbol is missing");
			*why_out = why;
			dlclose(h);
			return NULL;
		}
		memcpy(syms[i].dst, &p, sizeof p);
	}
	return h;
}

int util_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	int e = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (e)
		return e;
	e = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e;
}

ssize_t util_pread_full(int fd, void *buf, size_t want, off_t off)
{
	unsigned char *p = buf;
	size_t got = 0;
	while (got < want) {
		ssize_t n = pread(fd, p + got, want - got, off + (off_t)got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}
