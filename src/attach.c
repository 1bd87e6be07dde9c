/* attach.c - opening and typing an attachment, defensively.
 *
 * The descriptor opened here is the one typed and the one sent, so what is
 * checked is what is sent (no reopen by name, no race with a rename).
 * O_NOFOLLOW refuses a symlink as the last component; O_NONBLOCK keeps a
 * FIFO or a device from blocking the open before fstat() refuses it.
 */
#include "attach.h"

#include "i18n.h"
#include "paths.h"
#include "textenc.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <magic.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct attach {
	char *path;
	char *filename;
	char *mime_type;
	const char *charset; /* static; NULL but for UTF-16 / UTF-32 text */
	uint64_t size;
	int fd;
};

/* libmagic is loaded with dlopen() on the first attachment, not linked:
 * a send without attachments (and every dry run without) then never maps
 * it, nor liblzma and libbz2 which it pulls in (tests/bench/run's peak RSS).
 * <magic.h> still gives the types and constants. */
static struct {
	void *handle;
	magic_t (*open)(int);
	void (*close)(magic_t);
	int (*load)(magic_t, const char *);
	int (*setparam)(magic_t, int, const void *);
	const char *(*descriptor)(magic_t, int);
	const char *(*error)(magic_t);
	int (*version)(void);
} attach_lib;

/* Loads libmagic once. Returns NULL, or why it cannot be (see util_dlopen_syms()). */
static const char *attach_lib_load(void)
{
	if (attach_lib.handle)
		return NULL;
	const struct util_sym syms[] = {
	    {"magic_open", &attach_lib.open},
	    {"magic_close", &attach_lib.close},
	    {"magic_load", &attach_lib.load},
	    {"magic_setparam", &attach_lib.setparam},
	    {"magic_descriptor", &attach_lib.descriptor},
	    {"magic_error", &attach_lib.error},
	    {"magic_version", &attach_lib.version},
	};
	const char *why = NULL;
	void *h = util_dlopen_syms("libmagic.so.1", RTLD_NOW | RTLD_LOCAL, syms,
	                           UTIL_ARRAY_LEN(syms), &why);
	if (!h) {
		memset(&attach_lib, 0, sizeof attach_lib);
		return why;
	}
	attach_lib.handle = h;
	return NULL;
}

/* One database for the process, loaded on the first attachment. */
static magic_t attach_magic;

/* libmagic limits: typing a screenshot needs none of the deep recursion,
 * huge ELF tables or megabytes of text that a crafted file could demand.
 * BYTES_MAX is how much of the file libmagic reads and examines: the
 * accepted image and PDF types are known by their first bytes, text by
 * the encoding of the first 16 KiB (a browser sniffs less). libmagic keeps
 * several times that in memory while typing, so 1 MiB was most of a
 * send's peak memory growth with large attachments (tests/bench/run). */
static const struct {
	int param;
	size_t value;
} attach_magic_limits[] = {
    {MAGIC_PARAM_INDIR_MAX, 5},        {MAGIC_PARAM_NAME_MAX, 40},
    {MAGIC_PARAM_ELF_PHNUM_MAX, 256},  {MAGIC_PARAM_ELF_SHNUM_MAX, 1024},
    {MAGIC_PARAM_ELF_NOTES_MAX, 64},   {MAGIC_PARAM_REGEX_MAX, 8192},
    {MAGIC_PARAM_BYTES_MAX, 16 << 10},
};

static void attach_err(char **errstr, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "attachment 'PATH': detail", the path with control characters made
 * visible. */
static void attach_err(char **errstr, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *detail = xvasprintf(fmt, ap);
	va_end(ap);
	char *vis = util_visible(path, strlen(path));
	char *msg = xasprintf(_("attachment '%s': %s"), vis, detail);
	free(vis);
	free(detail);
	if (errstr)
		*errstr = msg;
	else
		free(msg);
}

/* The mode refused, in words; NULL for a regular file. */
static const char *attach_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return NULL;
	if (S_ISDIR(mode))
		return _("is a directory, not a file");
	if (S_ISLNK(mode))
		return _("is a symbolic link; attach the file it points to instead");
	if (S_ISFIFO(mode))
		return _("is a FIFO (named pipe), not a regular file");
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return _("is a device, not a regular file");
	if (S_ISSOCK(mode))
		return _("is a socket, not a regular file");
	return _("is not a regular file");
}

/* What refusing a file of that mode means: a directory is not an input
 * file at all, like a missing one (EX_NOINPUT, as for a directory given
 * as the ticket); the other kinds are refused by policy (EX_DATAERR). */
static enum attach_status attach_kind_status(mode_t mode)
{
	return S_ISDIR(mode) ? ATTACH_ENOENT : ATTACH_EREFUSED;
}

/* The name for the email: the basename, valid UTF-8, no control or bidi
 * characters (a U+202E can make "gpj.exe" read as "exe.jpg"). */
static bool attach_check_name(const char *path, const char *name, char **errstr)
{
	size_t len = strlen(name);
	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		attach_err(errstr, path, _("does not name a file"));
		return false;
	}
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(name + i, len - i, &cp);
		if (n == 0) {
			attach_err(errstr, path, _("the file name is not valid UTF-8; rename it"));
			return false;
		}
		if (util_forbidden_char(cp, false)) {
			attach_err(errstr, path,
			           _("the file name contains a control or direction character; "
			             "rename it"));
			return false;
		}
		i += n;
	}
	return true;
}

/* dir resolved when it exists, else as given (so a directory created
 * later is still matched by name). Allocated. */
static char *attach_resolve(const char *dir)
{
	char *r = realpath(dir, NULL);
	return r ? r : xstrdup(dir);
}

static bool attach_under(const char *real, const char *root)
{
	char *r = attach_resolve(root);
	size_t n = strlen(r);
	while (n > 1 && r[n - 1] == '/')
		n--;
	bool under = strncmp(real, r, n) == 0 && (real[n] == '\0' || real[n] == '/' || n == 1);
	free(r);
	return under;
}

/* Directories whose files are never attached: SSH and GnuPG keys, and
 * ticketmail's own configuration (which holds the account). */
static const char *attach_forbidden(const char *real)
{
	const char *homes[2] = {getenv("HOME"), NULL};
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_dir)
		homes[1] = pw->pw_dir;
	static const char *const subdirs[] = {".ssh", ".gnupg", ".config/ticketmail"};
	for (size_t h = 0; h < UTIL_ARRAY_LEN(homes); h++) {
		if (!homes[h] || homes[h][0] != '/')
			continue;
		for (size_t s = 0; s < UTIL_ARRAY_LEN(subdirs); s++) {
			char *dir = xasprintf("%s/%s", homes[h], subdirs[s]);
			bool under = attach_under(real, dir);
			free(dir);
			if (under)
				return s == 2 ? _("ticketmail's configuration")
				              : _("a key directory");
		}
	}
	const char *gnupg = getenv("GNUPGHOME");
	if (gnupg && gnupg[0] == '/' && attach_under(real, gnupg))
		return _("a key directory");
	char *conf = paths_config_dir();
	bool under = conf[0] == '/' && attach_under(real, conf);
	free(conf);
	return under ? _("ticketmail's configuration") : NULL;
}

/* Refuses a file in a forbidden directory, judged by where its directory
 * really is (symlinked directories resolved). */
static bool attach_check_location(const char *path, char **errstr)
{
	const char *base = util_basename(path);
	char *dir = base == path ? xstrdup(".") : xstrndup(path, (size_t)(base - path));
	char *rdir = realpath(dir, NULL);
	free(dir);
	if (!rdir) {
		attach_err(errstr, path, _("cannot resolve its directory: %s"), strerror(errno));
		return false;
	}
	char *real = xasprintf("%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir, base);
	free(rdir);
	const char *what = attach_forbidden(real);
	free(real);
	if (what) {
		attach_err(errstr, path, _("is inside %s and is never attached"), what);
		return false;
	}
	return true;
}

static enum attach_status attach_open_fd(const char *path, int *fd_out, struct stat *st,
                                         char **errstr)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP) {
			attach_err(errstr, path, "%s", attach_kind(S_IFLNK));
			return ATTACH_EREFUSED;
		}
		attach_err(errstr, path, "%s", strerror(e));
		return ATTACH_ENOENT;
	}
	if (fstat(fd, st) != 0) {
		attach_err(errstr, path, "%s", strerror(errno));
		close(fd);
		return ATTACH_ENOENT;
	}
	const char *kind = attach_kind(st->st_mode);
	if (kind) {
		attach_err(errstr, path, "%s", kind);
		close(fd);
		return attach_kind_status(st->st_mode);
	}
	/* Regular file: reads may block again (a slow network file system). */
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		attach_err(errstr, path, "%s", strerror(errno));
		close(fd);
		return ATTACH_ENOENT;
	}
	*fd_out = fd;
	return ATTACH_OK;
}

static magic_t attach_magic_get(char **errstr, const char *path)
{
	if (attach_magic)
		return attach_magic;
	const char *lerr = attach_lib_load();
	if (lerr) {
		attach_err(errstr, path, _("libmagic: %s"), lerr);
		return NULL;
	}
	/* MIME type only; no looking inside compressed files or tar archives.
	 * ELF checks stay on so an executable is recognised as one. */
	magic_t m = attach_lib.open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR |
	                            MAGIC_ERROR);
	if (!m) {
		attach_err(errstr, path, _("libmagic: %s"), strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < UTIL_ARRAY_LEN(attach_magic_limits); i++) {
		size_t v = attach_magic_limits[i].value;
		if (attach_lib.setparam(m, attach_magic_limits[i].param, &v) != 0) {
			attach_err(errstr, path, _("libmagic: cannot set limit %d"),
			           attach_magic_limits[i].param);
			attach_lib.close(m);
			return NULL;
		}
	}
	if (attach_lib.load(m, NULL) != 0) {
		const char *e = attach_lib.error(m);
		attach_err(errstr, path, _("libmagic: cannot load the database: %s"),
		           e ? e : "unknown error");
		attach_lib.close(m);
		return NULL;
	}
	attach_magic = m;
	return m;
}

/* The encoding of fd's first bytes (textenc_detect()); *bom_out gets the
 * length of its byte order mark. */
static enum textenc attach_head_encoding(int fd, size_t *bom_out)
{
	/* Two bytes more than textenc_detect() looks at tell it that the file
	 * goes on (a surrogate pair may be cut at the end of what it sees). */
	enum { WANT = TEXTENC_SNIFF_BYTES + 2 };
	char *buf = xmalloc(WANT);
	ssize_t nread = util_pread_full(fd, buf, WANT, 0);
	size_t got = nread > 0 ? (size_t)nread : 0;
	enum textenc enc = textenc_detect(buf, got, bom_out);
	explicit_bzero(buf, got);
	free(buf);
	return enc;
}

/* true when fd's first bytes are UTF-16 text without a byte order mark,
 * which libmagic calls application/octet-stream: a log written that way is
 * text, typed (and scanned for secrets) as such. */
static bool attach_is_utf16(int fd)
{
	struct stat st;
	/* UTF-16 text has an even length. */
	if (fstat(fd, &st) != 0 || st.st_size % 2 != 0)
		return false;
	enum textenc enc = attach_head_encoding(fd, NULL);
	return enc == TEXTENC_UTF16LE || enc == TEXTENC_UTF16BE;
}

/* Text files larger than this are not read whole to name their charset
 * (the profiles' limits are far below it). */
#define ATTACH_CHARSET_READ_MAX ((off_t)32 << 20)

/* The charset of 8-bit text: "utf-8" for valid UTF-8 beyond ASCII,
 * "gb18030" for text shaped like GBK / GB18030 (Chinese Windows), NULL
 * for ASCII (the default) or when it cannot be told. */
static const char *attach_8bit_charset(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > ATTACH_CHARSET_READ_MAX)
		return NULL;
	size_t size = (size_t)st.st_size;
	char *buf = xmalloc(size);
	ssize_t nread = util_pread_full(fd, buf, size, 0);
	size_t got = nread > 0 ? (size_t)nread : 0;
	bool high = false;
	for (size_t i = 0; i < got && !high; i++)
		high = (unsigned char)buf[i] >= 0x80;
	const char *cs = NULL;
	if (high && textenc_utf8_errors(buf, got) == 0)
		cs = "utf-8";
	else if (high && textenc_looks_gb18030(buf, got))
		cs = "gb18030";
	/* A log may hold what it must not; leave no copy behind. */
	explicit_bzero(buf, got);
	free(buf);
	return cs;
}

/* The charset parameter a text/plain part needs, so that support's mail
 * reader shows the text: for UTF-16 and UTF-32 (RFC 2781: "utf-16" when a
 * byte order mark says the order, else the order in the name), UTF-8 and
 * GB18030; NULL for ASCII and for 8-bit text it cannot tell. */
static const char *attach_text_charset(int fd)
{
	size_t bom = 0;
	switch (attach_head_encoding(fd, &bom)) {
	case TEXTENC_UTF16LE:
		return bom ? "utf-16" : "utf-16le";
	case TEXTENC_UTF16BE:
		return bom ? "utf-16" : "utf-16be";
	case TEXTENC_UTF32LE:
		return bom ? "utf-32" : "utf-32le";
	case TEXTENC_UTF32BE:
		return bom ? "utf-32" : "utf-32be";
	case TEXTENC_BYTES:
		break;
	}
	return attach_8bit_charset(fd);
}

/* Types the content of fd. libmagic reads from the current offset and
 * may move it, so it gets a dup() at offset 0 and the MIME writer uses
 * pread() anyway. *type_out is allocated, lower case. */
static enum attach_status attach_type(const char *path, int fd, char **type_out, char **errstr)
{
	magic_t m = attach_magic_get(errstr, path);
	if (!m)
		return ATTACH_EMAGIC;
	int dfd = dup(fd);
	if (dfd < 0 || lseek(dfd, 0, SEEK_SET) != 0) {
		attach_err(errstr, path, "%s", strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return ATTACH_ENOENT;
	}
	const char *r = attach_lib.descriptor(m, dfd);
	/* The result lives in m until the next magic_* call: copy it now. */
	char *type = r ? xstrdup(r) : NULL;
	const char *e = r ? NULL : attach_lib.error(m);
	char *emsg = e ? xstrdup(e) : NULL;
	close(dfd);
	if (!type || !strchr(type, '/') || strchr(type, ' ')) {
		attach_err(errstr, path, _("libmagic cannot tell its type: %s"),
		           emsg ? emsg : (type ? type : "unknown error"));
		free(type);
		free(emsg);
		return ATTACH_EMAGIC;
	}
	free(emsg);
	for (char *p = type; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (strcmp(type, "application/octet-stream") == 0 && attach_is_utf16(fd)) {
		free(type);
		type = xstrdup("text/plain");
	}
	*type_out = type;
	return ATTACH_OK;
}

enum attach_status attach_open(const char *path, struct attach **out, char **errstr)
{
	*out = NULL;
	if (errstr)
		*errstr = NULL;
	if (!path || !*path) {
		attach_err(errstr, "", _("no file given"));
		return ATTACH_ENOENT;
	}
	/* Refuse by path before opening: opening a device can have effects.
	 * The fstat() after open() is what counts; this only avoids the open. */
	struct stat st;
	if (lstat(path, &st) != 0) {
		attach_err(errstr, path, "%s", strerror(errno));
		return ATTACH_ENOENT;
	}
	if (attach_kind(st.st_mode)) {
		attach_err(errstr, path, "%s", attach_kind(st.st_mode));
		return attach_kind_status(st.st_mode);
	}
	const char *name = util_basename(path);
	if (!attach_check_name(path, name, errstr))
		return ATTACH_EREFUSED;
	if (!attach_check_location(path, errstr))
		return ATTACH_EREFUSED;
	int fd;
	enum attach_status rc = attach_open_fd(path, &fd, &st, errstr);
	if (rc != ATTACH_OK)
		return rc;
	char *type = NULL;
	rc = attach_type(path, fd, &type, errstr);
	if (rc != ATTACH_OK) {
		close(fd);
		return rc;
	}
	struct attach *a = xcalloc(1, sizeof *a);
	a->path = xstrdup(path);
	a->filename = xstrdup(name);
	a->mime_type = type;
	a->charset = strcmp(type, "text/plain") == 0 ? attach_text_charset(fd) : NULL;
	a->size = (uint64_t)st.st_size;
	a->fd = fd;
	/* The whole file is read soon (to hash, encode and send it): let the
	 * kernel fetch what is not cached while the rest is prepared, rather
	 * than stall on each missing page then. Advice only; errors ignored. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
	*out = a;
	return ATTACH_OK;
}

void attach_free(struct attach *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->path);
	free(a->filename);
	free(a->mime_type);
	free(a);
}

const char *attach_path(const struct attach *a)
{
	return a->path;
}

const char *attach_filename(const struct attach *a)
{
	return a->filename;
}

const char *attach_mime_type(const struct attach *a)
{
	return a->mime_type;
}

const char *attach_charset(const struct attach *a)
{
	return a->charset;
}

uint64_t attach_size(const struct attach *a)
{
	return a->size;
}

int attach_fd(const struct attach *a)
{
	return a->fd;
}

void attach_cleanup(void)
{
	if (attach_magic)
		attach_lib.close(attach_magic);
	attach_magic = NULL;
	/* And the library itself (with liblzma and libbz2): nothing of it is
	 * used while the message is written and sent. The next attachment
	 * opens it again. */
	if (attach_lib.handle)
		dlclose(attach_lib.handle);
	memset(&attach_lib, 0, sizeof attach_lib);
}

int attach_magic_version(void)
{
	return attach_lib_load() ? -1 : attach_lib.version();
}
