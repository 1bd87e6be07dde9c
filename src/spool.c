/* spool.c - outbox and sent Maildirs, journal, locks, duplicate history.
 *
 * Why it is built this way:
 * - A message reaches outbox/new only by rename(2) from outbox/tmp after
 *   fsync, so a reader (us, mutt) never sees half a message; the directory
 *   is fsync'd so the rename survives a power cut.
 * - The journal is the memory of what happened on the wire. "sending" is
 *   written before the first SMTP byte, "ending" once the whole message
 *   went out and before its end (the final dot) does, and the outcome after
 *   the reply, all fsync'd. After a crash, "sending" without a live lock
 *   holder means the end never went out, so the server kept nothing (RFC
 *   5321 4.1.1.4) and the message is queued again; "ending" means nobody
 *   can tell whether the server took it, so we never resend it on our own
 *   (GUIDE.md: send once). The sendmail transport journals "ending" before
 *   the command starts: a command that loses its input may still send.
 * - "sent" is journaled before the move to sent/, so the only crash window
 *   leaves a message the journal calls sent in the outbox; spool_open()
 *   finishes the move.
 * - Locks are flock(2) on the open message file: they follow the file
 *   across the rename to sent/ and vanish with the process, so a crash
 *   never leaves a stale lock behind.
 */
/* fopencookie() and sync_file_range() are GNU extensions. */
#define _GNU_SOURCE
#include "spool.h"

#include "i18n.h"
#include "paths.h"
#include "sha256.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

/* Maildir convention: tmp files older than this are abandoned. */
#define SPOOL_TMP_MAX_AGE (36 * 60 * 60)
#define SPOOL_MAX_FILE    (64u * 1024 * 1024) /* journal, history */
#define SPOOL_MAX_HEADER  (64u * 1024)        /* read for the subject */

static const char *const spool_state_names[SPOOL_STATE_COUNT] = {
    [SPOOL_STATE_QUEUED] = "queued",   [SPOOL_STATE_SENDING] = "sending",
    [SPOOL_STATE_ENDING] = "ending",   [SPOOL_STATE_SENT] = "sent",
    [SPOOL_STATE_UNKNOWN] = "unknown", [SPOOL_STATE_FAILED] = "failed",
    [SPOOL_STATE_DROPPED] = "dropped",
};

/* Delay before attempt n+1 after n temporary failures (index n-1). */
static const time_t spool_backoff[SPOOL_MAX_ATTEMPTS - 1] = {60, 5 * 60, 30 * 60, 2 * 60 * 60};

time_t spool_now(void)
{
	/* TICKETMAIL_NOW pins the clock, as in validate.c, so tests can reach a
	 * retry's next try without waiting for it. */
	const char *pin = getenv("TICKETMAIL_NOW");
	if (pin && *pin) {
		char *end;
		errno = 0;
		long long v = strtoll(pin, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0)
			return (time_t)v;
	}
	return time(NULL);
}

struct spool {
	char *root;
	char *outbox; /* <root>/outbox */
	char *sent;   /* <root>/sent */
	char *journal;
	char *history;
	char *lock_path;
	int lock_fd; /* flush lock, -1 when not held */
};

struct spool_draft {
	FILE *f; /* writes through spool_draft_write() to fd */
	int fd;
	off_t written; /* bytes handed to the kernel */
	off_t started; /* bytes whose write-back has been started */
	char *id;
	char *tmp_path;
};

/* Large messages: start the disk write-back every few MiB while the message
 * is still being written, so that the fsync before sending (which stays:
 * the outbox copy is on disk before any network traffic) finds most of it
 * done. SYNC_FILE_RANGE_WRITE only starts I/O; it promises nothing. */
enum { SPOOL_WRITEBACK_STEP = 1 << 20 };

static ssize_t spool_draft_write(void *cookie, const char *buf, size_t size)
{
	struct spool_draft *d = cookie;
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(d->fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)n;
	}
	d->written += (off_t)done;
	if (d->written - d->started >= SPOOL_WRITEBACK_STEP) {
		sync_file_range(d->fd, d->started, d->written - d->started, SYNC_FILE_RANGE_WRITE);
		d->started = d->written;
	}
	return (ssize_t)done;
}

struct spool_claim {
	struct spool *s;
	int fd;
	char *id;
	char *path;
	char *message_id;
	int attempt;
};

/* One parsed journal line. */
struct spool_jrec {
	time_t time;
	char *id;
	enum spool_state state;
	int attempts;
	time_t next;
	char *message_id; /* NULL for "-" */
	char *reply;      /* NULL when empty */
};

struct spool_journal {
	struct spool_jrec *v;
	size_t n;
};

/* --- small helpers ------------------------------------------------------- */

static void spool_err(char **errstr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void spool_err(char **errstr, const char *fmt, ...)
{
	if (!errstr)
		return;
	va_list ap;
	va_start(ap, fmt);
	*errstr = xvasprintf(fmt, ap);
	va_end(ap);
}

const char *spool_state_name(enum spool_state st)
{
	return (unsigned)st < SPOOL_STATE_COUNT ? spool_state_names[st] : "?";
}

int spool_state_parse(const char *word)
{
	for (int i = 0; i < SPOOL_STATE_COUNT; i++)
		if (strcmp(word, spool_state_names[i]) == 0)
			return i;
	return -1;
}

int spool_exitcode(enum spool_status st)
{
	switch (st) {
	case SPOOL_EOK:
		return EX_OK;
	case SPOOL_EIO:
		return EX_CANTCREAT;
	case SPOOL_EBUSY:
		return EX_TEMPFAIL;
	case SPOOL_ENOENT:
		return EX_NOINPUT;
	case SPOOL_ESTATE:
	case SPOOL_EINVAL:
		return EX_DATAERR;
	case SPOOL_STATUS_COUNT:
		break;
	}
	return EX_SOFTWARE;
}

static int spool_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int err = fsync(fd) == 0 ? 0 : errno;
	close(fd);
	return err;
}

/* Directory part of path (allocated). */
static char *spool_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

static int spool_write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ISO 8601 local time with offset: 2024-05-01T12:00:00+0800. */
static void spool_format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;
	if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		snprintf(buf, size, "-");
}

static bool spool_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Parses what spool_format_time() writes; 0 for "-" or garbage. */
static time_t spool_parse_time(const char *s)
{
	int y, mo, d, h, mi, se, oh, om;
	if (strlen(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || (s[19] != '+' && s[19] != '-'))
		return 0;
	if (!spool_digits(s, 4, &y) || !spool_digits(s + 5, 2, &mo) ||
	    !spool_digits(s + 8, 2, &d) || !spool_digits(s + 11, 2, &h) ||
	    !spool_digits(s + 14, 2, &mi) || !spool_digits(s + 17, 2, &se) ||
	    !spool_digits(s + 20, 2, &oh) || !spool_digits(s + 22, 2, &om))
		return 0;
	struct tm tm = {.tm_year = y - 1900,
	                .tm_mon = mo - 1,
	                .tm_mday = d,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_sec = se};
	long off = (oh * 60L + om) * 60L;
	return timegm(&tm) - (s[19] == '-' ? -off : off);
}

/* A message id names a file: no path separators, no Maildir info part, no
 * blanks or controls (it is also a journal field). */
static bool spool_id_valid(const char *id)
{
	size_t len = strlen(id);
	if (len == 0 || len > 200 || id[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c <= ' ' || c == 0x7F || c == '/' || c == ':')
			return false;
	}
	return true;
}

/* The id part of a Maildir file name ("<id>:2,S" -> "<id>"); allocated. */
static char *spool_name_to_id(const char *name)
{
	const char *colon = strchr(name, ':');
	return colon ? xstrndup(name, (size_t)(colon - name)) : xstrdup(name);
}

/* --- journal ------------------------------------------------------------- */

static void spool_journal_finish(struct spool_journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->v[i].id);
		free(j->v[i].message_id);
		free(j->v[i].reply);
	}
	free(j->v);
	j->v = NULL;
	j->n = 0;
}

/* Splits line (modified in place) at tabs into at most max fields; the last
 * field keeps the rest. Returns the count. */
static size_t spool_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	fields[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == '\t') {
			*p = '\0';
			fields[n++] = p + 1;
		}
	}
	return n;
}

static bool spool_jrec_parse(char *line, struct spool_jrec *r)
{
	char *f[7];
	if (spool_split(line, f, 7) != 7)
		return false;
	int st = spool_state_parse(f[2]);
	char *end;
	errno = 0;
	long attempts = strtol(f[3], &end, 10);
	if (st < 0 || !spool_id_valid(f[1]) || errno || *end || end == f[3] || attempts < 0 ||
	    attempts > 1000000)
		return false;
	r->time = spool_parse_time(f[0]);
	r->id = xstrdup(f[1]);
	r->state = (enum spool_state)st;
	r->attempts = (int)attempts;
	r->next = spool_parse_time(f[4]);
	r->message_id = strcmp(f[5], "-") == 0 ? NULL : xstrdup(f[5]);
	r->reply = f[6][0] ? xstrdup(f[6]) : NULL;
	return true;
}

/* Reads path and parses each whole line with parse() into an array of
 * records of size bytes, grown by doubling (a long file is read in linear
 * time). A missing file gives none; a torn last line (no LF, from a crash)
 * and lines that parse() refuses are skipped. */
static enum spool_status spool_load_records(const char *path, size_t size,
                                            bool (*parse)(char *line, void *rec), void **v_out,
                                            size_t *n_out, char **errstr)
{
	*v_out = NULL;
	*n_out = 0;
	char *data;
	size_t len;
	int err = util_read_file(path, SPOOL_MAX_FILE, &data, &len);
	if (err == ENOENT)
		return SPOOL_EOK;
	if (err) {
		spool_err(errstr, _("cannot read %s: %s"), path, strerror(err));
		return SPOOL_EIO;
	}
	unsigned char *v = NULL;
	size_t n = 0, cap = 0;
	char *line = data;
	for (char *nl; (nl = memchr(line, '\n', len - (size_t)(line - data))); line = nl + 1) {
		*nl = '\0';
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * size);
		}
		if (parse(line, v + n * size))
			n++;
	}
	free(data);
	*v_out = v;
	*n_out = n;
	return SPOOL_EOK;
}

static bool spool_jrec_parse_any(char *line, void *rec)
{
	return spool_jrec_parse(line, rec);
}

/* Reads the whole journal (see spool_load_records()). */
static enum spool_status spool_journal_load(struct spool *s, struct spool_journal *j, char **errstr)
{
	void *v;
	enum spool_status rc =
	    spool_load_records(s->journal, sizeof *j->v, spool_jrec_parse_any, &v, &j->n, errstr);
	j->v = v;
	return rc;
}

/* The latest record for id, or NULL. Belongs to j. */
static const struct spool_jrec *spool_journal_latest(const struct spool_journal *j, const char *id)
{
	for (size_t i = j->n; i-- > 0;)
		if (strcmp(j->v[i].id, id) == 0)
			return &j->v[i];
	return NULL;
}

static void spool_add_masked(struct strbuf *sb, const char *text)
{
	if (!text || !*text) {
		strbuf_addc(sb, '-');
		return;
	}
	char *v = util_visible(text, strlen(text));
	strbuf_adds(sb, v);
	free(v);
}

/* Appends one line to a journal-like file in a single write(2), then
 * fsyncs it. If a crash left a torn last line, a LF closes it first so the
 * new line stays whole. */
static int spool_append_line(struct spool *s, const char *path, const char *line, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	struct stat st;
	int err = 0;
	if (fstat(fd, &st) != 0) {
		err = errno;
		goto out;
	}
	char last = '\n';
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	struct strbuf sb;
	strbuf_init(&sb);
	if (last != '\n')
		strbuf_addc(&sb, '\n');
	strbuf_add(&sb, line, len);
	err = spool_write_all(fd, sb.buf, sb.len);
	strbuf_finish(&sb);
	if (!err && fsync(fd) != 0)
		err = errno;
	if (!err && st.st_size == 0)
		err = spool_fsync_dir(s->root);
out:
	close(fd);
	return err;
}

static enum spool_status spool_journal_append(struct spool *s, const char *id,
                                              enum spool_state state, int attempts, time_t next,
                                              const char *message_id, const char *reply,
                                              char **errstr)
{
	char now[40], nextbuf[40] = "-";
	spool_format_time(spool_now(), now, sizeof now);
	if (next)
		spool_format_time(next, nextbuf, sizeof nextbuf);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s\t%s\t%s\t%d\t%s\t", now, id, spool_state_name(state), attempts,
	            nextbuf);
	spool_add_masked(&sb, message_id);
	strbuf_addc(&sb, '\t');
	if (reply && *reply)
		spool_add_masked(&sb, reply);
	strbuf_addc(&sb, '\n');
	int err = spool_append_line(s, s->journal, sb.buf, sb.len);
	strbuf_finish(&sb);
	if (err) {
		spool_err(errstr, _("cannot write %s: %s"), s->journal, strerror(err));
		return SPOOL_EIO;
	}
	return SPOOL_EOK;
}

/* --- opening ------------------------------------------------------------- */

static int spool_make_dir(const char *dir)
{
	int err = paths_mkdir_p(dir);
	if (err)
		return err;
	struct stat st;
	if (stat(dir, &st) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;
	/* Our own directories: tighten them if something loosened them. */
	if ((st.st_mode & 077) && chmod(dir, 0700) != 0)
		return errno;
	return 0;
}

static enum spool_status spool_make_dirs(struct spool *s, char **errstr)
{
	const char *boxes[] = {s->outbox, s->sent};
	int err = spool_make_dir(s->root);
	if (err) {
		spool_err(errstr, _("cannot create %s: %s"), s->root, strerror(err));
		return SPOOL_EIO;
	}
	for (size_t b = 0; b < UTIL_ARRAY_LEN(boxes); b++) {
		const char *subs[] = {"", "/tmp", "/new", "/cur"};
		for (size_t i = 0; i < UTIL_ARRAY_LEN(subs); i++) {
			char *dir = xasprintf("%s%s", boxes[b], subs[i]);
			err = spool_make_dir(dir);
			if (err) {
				spool_err(errstr, _("cannot create %s: %s"), dir, strerror(err));
				free(dir);
				return SPOOL_EIO;
			}
			free(dir);
		}
	}
	return SPOOL_EOK;
}

/* Maildir: a tmp file older than 36 hours was abandoned by a dead writer. */
static void spool_clean_tmp(const char *box)
{
	char *dir = xasprintf("%s/tmp", box);
	DIR *d = opendir(dir);
	if (!d) {
		free(dir);
		return;
	}
	time_t now = time(NULL);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && now - st.st_mtime > SPOOL_TMP_MAX_AGE)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	free(dir);
}

static char *spool_sent_path(const struct spool *s, const char *id)
{
	return xasprintf("%s/cur/%s:2,S", s->sent, id);
}

/* Moves a message whose outcome is journaled as sent into sent/cur. */
static enum spool_status spool_move_to_sent(struct spool *s, const char *id, const char *path,
                                            char **sent_path_out, char **errstr)
{
	char *dest = spool_sent_path(s, id);
	enum spool_status rc = SPOOL_EOK;
	if (rename(path, dest) != 0) {
		spool_err(errstr, _("cannot move %s to %s: %s"), path, dest, strerror(errno));
		rc = SPOOL_EIO;
		goto out;
	}
	char *from_dir = spool_dirname(path);
	char *to_dir = spool_dirname(dest);
	int err = spool_fsync_dir(to_dir);
	if (!err)
		err = spool_fsync_dir(from_dir);
	if (err) {
		spool_err(errstr, _("cannot sync %s: %s"), to_dir, strerror(err));
		rc = SPOOL_EIO;
	}
	free(from_dir);
	free(to_dir);
out:
	if (rc == SPOOL_EOK && sent_path_out)
		*sent_path_out = dest;
	else
		free(dest);
	return rc;
}

/* What a "sending" or "ending" state means once its sender is gone: the
 * end of the message never went out (queued again), or it may have. Other
 * states are as they are. */
static enum spool_state spool_orphan_state(enum spool_state st)
{
	if (st == SPOOL_STATE_SENDING)
		return SPOOL_STATE_QUEUED;
	if (st == SPOOL_STATE_ENDING)
		return SPOOL_STATE_UNKNOWN;
	return st;
}

/* Opens path and takes its lock without waiting. Returns the fd, or -1
 * with errno (EWOULDBLOCK when someone else holds it). */
static int spool_lock_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Calls fn for each message file (not dot files) of box/sub. */
static void spool_each_file(const char *box, const char *sub,
                            void (*fn)(void *user, const char *path, const char *name), void *user)
{
	char *dir = xasprintf("%s/%s", box, sub);
	DIR *d = opendir(dir);
	if (d) {
		for (struct dirent *e; (e = readdir(d));) {
			if (e->d_name[0] == '.')
				continue;
			char *path = xasprintf("%s/%s", dir, e->d_name);
			fn(user, path, e->d_name);
			free(path);
		}
		closedir(d);
	}
	free(dir);
}

struct spool_recover_ctx {
	struct spool *s;
	const struct spool_journal *j;
};

static void spool_recover_one(void *user, const char *path, const char *name)
{
	struct spool_recover_ctx *ctx = user;
	char *id = spool_name_to_id(name);
	const struct spool_jrec *r = spool_journal_latest(ctx->j, id);
	if (!r || (r->state != SPOOL_STATE_SENDING && r->state != SPOOL_STATE_ENDING &&
	           r->state != SPOOL_STATE_SENT))
		goto out;
	int fd = spool_lock_file(path);
	if (fd < 0)
		goto out; /* being sent right now, or gone */
	/* The snapshot was taken before the lock: a sender may have finished
	 * with this message in between (put it back in the queue after a 4xx,
	 * say), so its state is read again now that no one else can change it. */
	struct spool_journal now;
	if (spool_journal_load(ctx->s, &now, NULL) != SPOOL_EOK) {
		close(fd);
		goto out;
	}
	r = spool_journal_latest(&now, id);
	if (!r || (r->state != SPOOL_STATE_SENDING && r->state != SPOOL_STATE_ENDING &&
	           r->state != SPOOL_STATE_SENT)) {
		spool_journal_finish(&now);
		close(fd);
		goto out;
	}
	if (r->state == SPOOL_STATE_SENDING)
		spool_journal_append(ctx->s, id, SPOOL_STATE_QUEUED, r->attempts, 0, r->message_id,
		                     "interrupted before the end of the message went out: the "
		                     "server has nothing; queued again",
		                     NULL);
	else if (r->state == SPOOL_STATE_ENDING)
		spool_journal_append(ctx->s, id, SPOOL_STATE_UNKNOWN, r->attempts, 0, r->message_id,
		                     "interrupted at the end of the message: the server may or may "
		                     "not have it",
		                     NULL);
	else
		spool_move_to_sent(ctx->s, id, path, NULL, NULL);
	spool_journal_finish(&now);
	close(fd);
out:
	free(id);
}

/* Best effort: anything left undone is still reported correctly by
 * spool_list() and retried at the next open. */
static void spool_recover(struct spool *s)
{
	spool_clean_tmp(s->outbox);
	spool_clean_tmp(s->sent);
	struct spool_journal j;
	if (spool_journal_load(s, &j, NULL) != SPOOL_EOK)
		return;
	struct spool_recover_ctx ctx = {s, &j};
	spool_each_file(s->outbox, "new", spool_recover_one, &ctx);
	spool_each_file(s->outbox, "cur", spool_recover_one, &ctx);
	spool_journal_finish(&j);
}

enum spool_status spool_open(const char *root, struct spool **out, char **errstr)
{
	struct spool *s = xcalloc(1, sizeof *s);
	s->root = root ? xstrdup(root) : paths_data_dir();
	s->outbox = xasprintf("%s/outbox", s->root);
	s->sent = xasprintf("%s/sent", s->root);
	s->journal = xasprintf("%s/journal", s->root);
	s->history = xasprintf("%s/history", s->root);
	s->lock_path = xasprintf("%s/lock", s->root);
	s->lock_fd = -1;
	enum spool_status rc = spool_make_dirs(s, errstr);
	if (rc != SPOOL_EOK) {
		spool_free(s);
		return rc;
	}
	spool_recover(s);
	*out = s;
	return SPOOL_EOK;
}

void spool_free(struct spool *s)
{
	if (!s)
		return;
	spool_unlock_flush(s);
	free(s->root);
	free(s->outbox);
	free(s->sent);
	free(s->journal);
	free(s->history);
	free(s->lock_path);
	free(s);
}

const char *spool_root(const struct spool *s)
{
	return s->root;
}

/* --- writing ------------------------------------------------------------- */

/* Maildir host part: "/" and ":" are written as \057 and \072; other
 * bytes that cannot be in an id become "_". */
static void spool_add_host(struct strbuf *sb)
{
	char host[256];
	if (gethostname(host, sizeof host) != 0 || !host[0])
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	for (const char *p = host; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '/')
			strbuf_adds(sb, "\\057");
		else if (c == ':')
			strbuf_adds(sb, "\\072");
		else if (c <= ' ' || c >= 0x7F)
			strbuf_addc(sb, '_');
		else
			strbuf_addc(sb, (char)c);
	}
}

static char *spool_unique_name(void)
{
	static unsigned counter;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	uint64_t r;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = ((uint64_t)tv.tv_usec << 32) ^ (uint64_t)getpid() ^ ++counter;
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%lld.M%06ldP%ldR%016llx.", (long long)tv.tv_sec, (long)tv.tv_usec,
	            (long)getpid(), (unsigned long long)r);
	spool_add_host(&sb);
	return strbuf_take(&sb);
}

enum spool_status spool_enqueue(struct spool *s, struct spool_draft **draft_out, char **errstr)
{
	int err = EEXIST;
	for (int tries = 0; tries < 8 && err == EEXIST; tries++) {
		char *id = spool_unique_name();
		char *path = xasprintf("%s/tmp/%s", s->outbox, id);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		err = fd < 0 ? errno : 0;
		struct spool_draft *d = NULL;
		FILE *f = NULL;
		if (fd >= 0) {
			d = xcalloc(1, sizeof *d);
			d->fd = fd;
			cookie_io_functions_t io = {.write = spool_draft_write};
			errno = 0;
			f = fopencookie(d, "w", io);
			/* Large writes reach spool_draft_write() in large pieces. */
			if (f && setvbuf(f, NULL, _IOFBF, 1 << 16) != 0) {
				fclose(f);
				f = NULL;
			}
			if (!f) {
				err = errno ? errno : ENOMEM;
				close(fd);
				unlink(path);
				free(d);
				d = NULL;
			}
		}
		if (f) {
			d->f = f;
			d->id = id;
			d->tmp_path = path;
			*draft_out = d;
			return SPOOL_EOK;
		}
		if (err != EEXIST)
			spool_err(errstr, _("cannot create %s: %s"), path, strerror(err));
		free(id);
		free(path);
	}
	if (err == EEXIST)
		spool_err(errstr, _("cannot create a unique file in %s/tmp"), s->outbox);
	return SPOOL_EIO;
}

FILE *spool_draft_file(struct spool_draft *d)
{
	return d->f;
}

const char *spool_draft_id(const struct spool_draft *d)
{
	return d->id;
}

void spool_abort(struct spool_draft *d)
{
	if (!d)
		return;
	if (d->f)
		fclose(d->f);
	if (d->fd >= 0)
		close(d->fd);
	unlink(d->tmp_path);
	free(d->id);
	free(d->tmp_path);
	free(d);
}

/* Data on disk before the name: fflush, fsync, then a checked fclose. */
static int spool_draft_sync(struct spool_draft *d)
{
	int err = 0;
	if (ferror(d->f))
		err = EIO;
	if (!err && fflush(d->f) != 0)
		err = errno;
	if (!err && fsync(d->fd) != 0)
		err = errno;
	if (fclose(d->f) != 0 && !err)
		err = errno;
	d->f = NULL;
	if (close(d->fd) != 0 && !err)
		err = errno;
	d->fd = -1;
	return err;
}

enum spool_status spool_commit(struct spool *s, struct spool_draft *d, const char *message_id,
                               char **id_out, char **path_out, char **errstr)
{
	char *dest = xasprintf("%s/new/%s", s->outbox, d->id);
	char *newdir = xasprintf("%s/new", s->outbox);
	enum spool_status rc = SPOOL_EIO;
	int err = spool_draft_sync(d);
	if (err) {
		spool_err(errstr, _("cannot write %s: %s"), d->tmp_path, strerror(err));
		goto out;
	}
	if (rename(d->tmp_path, dest) != 0) {
		spool_err(errstr, _("cannot move %s to %s: %s"), d->tmp_path, dest,
		          strerror(errno));
		goto out;
	}
	err = spool_fsync_dir(newdir);
	if (err)
		spool_err(errstr, _("cannot sync %s: %s"), newdir, strerror(err));
	else
		rc = spool_journal_append(s, d->id, SPOOL_STATE_QUEUED, 0, 0, message_id, NULL,
		                          errstr);
	if (rc != SPOOL_EOK) {
		/* All or nothing: the caller was told it failed. */
		unlink(dest);
		spool_fsync_dir(newdir);
	}
out:
	if (rc == SPOOL_EOK) {
		if (id_out)
			*id_out = xstrdup(d->id);
		if (path_out)
			*path_out = xstrdup(dest);
	}
	free(dest);
	free(newdir);
	spool_abort(d);
	return rc;
}

/* --- finding and locking one outbox message ------------------------------ */

/* Path of outbox message id: new/<id>, or cur/<id>:2,... when a mail reader
 * moved it. Allocated, or NULL when absent. */
static char *spool_find_outbox(struct spool *s, const char *id)
{
	char *path = xasprintf("%s/new/%s", s->outbox, id);
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		return path;
	free(path);
	char *dir = xasprintf("%s/cur", s->outbox);
	DIR *d = opendir(dir);
	path = NULL;
	size_t idlen = strlen(id);
	for (struct dirent *e; d && !path && (e = readdir(d));) {
		if (strncmp(e->d_name, id, idlen) == 0 &&
		    (e->d_name[idlen] == '\0' || e->d_name[idlen] == ':'))
			path = xasprintf("%s/%s", dir, e->d_name);
	}
	if (d)
		closedir(d);
	free(dir);
	return path;
}

/* A locked outbox message with its latest journal record. */
struct spool_locked {
	int fd;
	char *path;
	struct spool_journal j;
	const struct spool_jrec *rec; /* in j; NULL: never journaled */
};

static void spool_locked_finish(struct spool_locked *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	spool_journal_finish(&l->j);
}

/* Finds and locks outbox message id, then reads its state under the lock
 * (another process may have finished with it just before). */
static enum spool_status spool_lock_message(struct spool *s, const char *id, struct spool_locked *l,
                                            char **errstr)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
	if (!spool_id_valid(id)) {
		spool_err(errstr, _("invalid message id: %s"), id);
		return SPOOL_EINVAL;
	}
	l->path = spool_find_outbox(s, id);
	if (l->path)
		l->fd = spool_lock_file(l->path);
	if (l->fd < 0 && l->path && errno == EWOULDBLOCK) {
		spool_err(errstr, _("message %s is being sent by another process"), id);
		return SPOOL_EBUSY;
	}
	struct stat a, b;
	if (l->fd < 0 || fstat(l->fd, &a) != 0 || lstat(l->path, &b) != 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev) {
		/* Absent, or moved to sent/ while we waited for the lock. */
		spool_err(errstr, _("no message %s in the outbox"), id);
		return SPOOL_ENOENT;
	}
	enum spool_status rc = spool_journal_load(s, &l->j, errstr);
	if (rc == SPOOL_EOK)
		l->rec = spool_journal_latest(&l->j, id);
	return rc;
}

/* State of a message whose lock we hold: a "sending" or "ending" line then
 * belongs to a dead sender. */
static enum spool_state spool_locked_state(const struct spool_locked *l)
{
	if (!l->rec)
		return SPOOL_STATE_QUEUED;
	return spool_orphan_state(l->rec->state);
}

/* --- sending ------------------------------------------------------------- */

enum spool_status spool_claim(struct spool *s, const char *id, struct spool_claim **claim_out,
                              char **errstr)
{
	struct spool_locked l;
	enum spool_status rc = spool_lock_message(s, id, &l, errstr);
	if (rc != SPOOL_EOK)
		goto out;
	enum spool_state st = spool_locked_state(&l);
	if (st != SPOOL_STATE_QUEUED) {
		spool_err(errstr, _("message %s is %s, not queued"), id, spool_state_name(st));
		rc = SPOOL_ESTATE;
		goto out;
	}
	int attempt = (l.rec ? l.rec->attempts : 0) + 1;
	const char *msgid = l.rec ? l.rec->message_id : NULL;
	rc = spool_journal_append(s, id, SPOOL_STATE_SENDING, attempt, 0, msgid, NULL, errstr);
	if (rc != SPOOL_EOK)
		goto out;
	struct spool_claim *c = xcalloc(1, sizeof *c);
	c->s = s;
	c->fd = l.fd;
	l.fd = -1;
	c->id = xstrdup(id);
	c->path = l.path;
	l.path = NULL;
	c->message_id = msgid ? xstrdup(msgid) : NULL;
	c->attempt = attempt;
	*claim_out = c;
out:
	spool_locked_finish(&l);
	return rc;
}

int spool_claim_fd(const struct spool_claim *c)
{
	return c->fd;
}

const char *spool_claim_id(const struct spool_claim *c)
{
	return c->id;
}

const char *spool_claim_path(const struct spool_claim *c)
{
	return c->path;
}

const char *spool_claim_message_id(const struct spool_claim *c)
{
	return c->message_id;
}

int spool_claim_attempt(const struct spool_claim *c)
{
	return c->attempt;
}

void spool_claim_free(struct spool_claim *c)
{
	if (!c)
		return;
	close(c->fd); /* releases the flock */
	free(c->id);
	free(c->path);
	free(c->message_id);
	free(c);
}

enum spool_status spool_mark_sent(struct spool_claim *c, const char *reply, char **sent_path_out,
                                  char **errstr)
{
	enum spool_status rc = spool_journal_append(c->s, c->id, SPOOL_STATE_SENT, c->attempt, 0,
	                                            c->message_id, reply, errstr);
	if (rc == SPOOL_EOK)
		rc = spool_move_to_sent(c->s, c->id, c->path, sent_path_out, errstr);
	spool_claim_free(c);
	return rc;
}

enum spool_status spool_mark_retry(struct spool_claim *c, const char *reply,
                                   enum spool_state *state_out, char **errstr)
{
	enum spool_state st = SPOOL_STATE_FAILED;
	time_t next = 0;
	if (c->attempt >= 1 && c->attempt < SPOOL_MAX_ATTEMPTS) {
		st = SPOOL_STATE_QUEUED;
		next = spool_now() + spool_backoff[c->attempt - 1];
	}
	enum spool_status rc =
	    spool_journal_append(c->s, c->id, st, c->attempt, next, c->message_id, reply, errstr);
	if (state_out)
		*state_out = st;
	spool_claim_free(c);
	return rc;
}

static enum spool_status spool_mark(struct spool_claim *c, enum spool_state st, const char *reply,
                                    char **errstr)
{
	enum spool_status rc =
	    spool_journal_append(c->s, c->id, st, c->attempt, 0, c->message_id, reply, errstr);
	spool_claim_free(c);
	return rc;
}

enum spool_status spool_mark_failed(struct spool_claim *c, const char *reply, char **errstr)
{
	return spool_mark(c, SPOOL_STATE_FAILED, reply, errstr);
}

enum spool_status spool_mark_unknown(struct spool_claim *c, const char *reply, char **errstr)
{
	return spool_mark(c, SPOOL_STATE_UNKNOWN, reply, errstr);
}

enum spool_status spool_mark_ending(struct spool_claim *c, char **errstr)
{
	return spool_journal_append(c->s, c->id, SPOOL_STATE_ENDING, c->attempt, 0, c->message_id,
	                            NULL, errstr);
}

enum spool_status spool_resend_unknown(struct spool *s, const char *id, char **errstr)
{
	struct spool_locked l;
	enum spool_status rc = spool_lock_message(s, id, &l, errstr);
	if (rc != SPOOL_EOK)
		goto out;
	enum spool_state st = spool_locked_state(&l);
	if (st != SPOOL_STATE_UNKNOWN && st != SPOOL_STATE_FAILED) {
		spool_err(errstr,
		          _("message %s is %s; only unknown or failed messages can be sent again"),
		          id, spool_state_name(st));
		rc = SPOOL_ESTATE;
		goto out;
	}
	rc = spool_journal_append(s, id, SPOOL_STATE_QUEUED, 0, 0, l.rec ? l.rec->message_id : NULL,
	                          "requeued by the user", errstr);
out:
	spool_locked_finish(&l);
	return rc;
}

enum spool_status spool_drop(struct spool *s, const char *id, char **errstr)
{
	struct spool_locked l;
	enum spool_status rc = spool_lock_message(s, id, &l, errstr);
	if (rc != SPOOL_EOK)
		goto out;
	/* Unlink first: a crash before the journal line leaves nothing to list. */
	if (unlink(l.path) != 0) {
		spool_err(errstr, _("cannot remove %s: %s"), l.path, strerror(errno));
		rc = SPOOL_EIO;
		goto out;
	}
	char *dir = spool_dirname(l.path);
	spool_fsync_dir(dir);
	free(dir);
	rc = spool_journal_append(s, id, SPOOL_STATE_DROPPED, l.rec ? l.rec->attempts : 0, 0,
	                          l.rec ? l.rec->message_id : NULL, "dropped by the user", errstr);
out:
	spool_locked_finish(&l);
	return rc;
}

enum spool_status spool_lock_flush(struct spool *s, char **errstr)
{
	if (s->lock_fd >= 0)
		return SPOOL_EOK;
	int fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		spool_err(errstr, _("cannot create %s: %s"), s->lock_path, strerror(errno));
		return SPOOL_EIO;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		int err = errno;
		close(fd);
		if (err == EWOULDBLOCK) {
			spool_err(errstr, _("another ticketmail is flushing the outbox (lock %s)"),
			          s->lock_path);
			return SPOOL_EBUSY;
		}
		spool_err(errstr, _("cannot lock %s: %s"), s->lock_path, strerror(err));
		return SPOOL_EIO;
	}
	s->lock_fd = fd;
	return SPOOL_EOK;
}

void spool_unlock_flush(struct spool *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

/* --- listing ------------------------------------------------------------- */

/* The Subject header of a message file, unfolded and trimmed (RFC 5322
 * section 2.2.3); allocated, or NULL. Encoded words are left as they are. */
static char *spool_read_subject(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = xmalloc(SPOOL_MAX_HEADER + 1);
	size_t len = fread(buf, 1, SPOOL_MAX_HEADER, f);
	fclose(f);
	buf[len] = '\0';
	struct strbuf sb;
	strbuf_init(&sb);
	bool in_subject = false, found = false;
	for (char *line = buf; *line;) {
		char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line);
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break; /* end of the header */
		if (line[0] == ' ' || line[0] == '\t') {
			if (in_subject)
				strbuf_add(&sb, line, n);
		} else {
			in_subject =
			    !found && n >= 8 && util_ascii_ncasecmp(line, "Subject:", 8) == 0;
			if (in_subject) {
				found = true;
				strbuf_add(&sb, line + 8, n - 8);
			}
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	free(buf);
	if (!found) {
		strbuf_finish(&sb);
		return NULL;
	}
	size_t a = 0, b = sb.len;
	while (a < b && (sb.buf[a] == ' ' || sb.buf[a] == '\t'))
		a++;
	while (b > a && (sb.buf[b - 1] == ' ' || sb.buf[b - 1] == '\t'))
		b--;
	char *subject = xstrndup(sb.buf + a, b - a);
	strbuf_finish(&sb);
	return subject;
}

/* true when nobody holds the lock of path (so "sending" is stale). */
static bool spool_lock_free(const char *path)
{
	int fd = spool_lock_file(path);
	if (fd < 0)
		return errno != EWOULDBLOCK;
	close(fd);
	return true;
}

static void spool_fill_entry(struct spool_entry *e, const char *path, const char *name,
                             const struct spool_journal *j, enum spool_box box)
{
	memset(e, 0, sizeof *e);
	e->id = spool_name_to_id(name);
	e->path = xstrdup(path);
	const struct spool_jrec *r = spool_journal_latest(j, e->id);
	e->state = box == SPOOL_SENT ? SPOOL_STATE_SENT : SPOOL_STATE_QUEUED;
	if (r) {
		if (box == SPOOL_OUTBOX)
			e->state = r->state;
		e->attempts = r->attempts;
		e->next_try = r->next;
		e->updated = r->time;
		e->message_id = r->message_id ? xstrdup(r->message_id) : NULL;
		e->last_reply = r->reply ? xstrdup(r->reply) : NULL;
	}
	if (e->state == SPOOL_STATE_SENDING || e->state == SPOOL_STATE_ENDING)
		e->state =
		    spool_lock_free(path) ? spool_orphan_state(e->state) : SPOOL_STATE_SENDING;
	e->subject = spool_read_subject(path);
}

struct spool_list_ctx {
	const struct spool_journal *j;
	enum spool_box box;
	struct spool_entry *v;
	size_t n;
};

static void spool_list_one(void *user, const char *path, const char *name)
{
	struct spool_list_ctx *ctx = user;
	char *id = spool_name_to_id(name);
	bool ok = spool_id_valid(id);
	free(id);
	if (!ok)
		return;
	ctx->v = xrealloc(ctx->v, (ctx->n + 1) * sizeof *ctx->v);
	spool_fill_entry(&ctx->v[ctx->n++], path, name, ctx->j, ctx->box);
}

static int spool_entry_cmp(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;
	return strcmp(x->id, y->id);
}

enum spool_status spool_list(struct spool *s, enum spool_box box, struct spool_entry **entries_out,
                             size_t *n_out, char **errstr)
{
	struct spool_journal j;
	enum spool_status rc = spool_journal_load(s, &j, errstr);
	if (rc != SPOOL_EOK)
		return rc;
	struct spool_list_ctx ctx = {&j, box, NULL, 0};
	const char *dir = box == SPOOL_SENT ? s->sent : s->outbox;
	spool_each_file(dir, "new", spool_list_one, &ctx);
	spool_each_file(dir, "cur", spool_list_one, &ctx);
	spool_journal_finish(&j);
	if (ctx.n)
		qsort(ctx.v, ctx.n, sizeof *ctx.v, spool_entry_cmp);
	*entries_out = ctx.v;
	*n_out = ctx.n;
	return SPOOL_EOK;
}

enum spool_status spool_lookup(struct spool *s, const char *id, struct spool_entry **entry_out,
                               char **errstr)
{
	if (!spool_id_valid(id)) {
		spool_err(errstr, _("invalid message id: %s"), id);
		return SPOOL_EINVAL;
	}
	char *path = spool_find_outbox(s, id);
	if (!path) {
		spool_err(errstr, _("no message %s in the outbox"), id);
		return SPOOL_ENOENT;
	}
	struct spool_journal j;
	enum spool_status rc = spool_journal_load(s, &j, errstr);
	if (rc == SPOOL_EOK) {
		*entry_out = xmalloc(sizeof **entry_out);
		spool_fill_entry(*entry_out, path, util_basename(path), &j, SPOOL_OUTBOX);
		spool_journal_finish(&j);
	}
	free(path);
	return rc;
}

bool spool_entry_due(const struct spool_entry *e, time_t now)
{
	return e->state == SPOOL_STATE_QUEUED && e->attempts < SPOOL_MAX_ATTEMPTS &&
	       e->next_try <= now;
}

void spool_entries_free(struct spool_entry *entries, size_t n)
{
	if (!entries)
		return;
	for (size_t i = 0; i < n; i++) {
		free(entries[i].id);
		free(entries[i].path);
		free(entries[i].message_id);
		free(entries[i].subject);
		free(entries[i].last_reply);
	}
	free(entries);
}

/* --- history ------------------------------------------------------------- */

static bool spool_fingerprint_valid(const char *fp)
{
	if (!fp || strlen(fp) != SHA256_HEX_LEN)
		return false;
	for (const char *p = fp; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

enum spool_status spool_history_add(struct spool *s, const struct spool_history_entry *e,
                                    char **errstr)
{
	if (!spool_fingerprint_valid(e->fingerprint)) {
		spool_err(errstr, _("invalid ticket fingerprint"));
		return SPOOL_EINVAL;
	}
	char date[40];
	spool_format_time(e->date ? e->date : time(NULL), date, sizeof date);
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s\t%s\t", e->fingerprint, date);
	const char *rest[] = {e->provider, e->category, e->subject, e->message_id, e->state};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(rest); i++) {
		spool_add_masked(&sb, rest[i]);
		strbuf_addc(&sb, i + 1 < UTIL_ARRAY_LEN(rest) ? '\t' : '\n');
	}
	int err = spool_append_line(s, s->history, sb.buf, sb.len);
	strbuf_finish(&sb);
	if (err) {
		spool_err(errstr, _("cannot write %s: %s"), s->history, strerror(err));
		return SPOOL_EIO;
	}
	return SPOOL_EOK;
}

static char *spool_dash_null(const char *v)
{
	return strcmp(v, "-") == 0 ? NULL : xstrdup(v);
}

static bool spool_history_parse(char *line, struct spool_history_entry *e)
{
	char *f[7];
	if (spool_split(line, f, 7) != 7 || !spool_fingerprint_valid(f[0]))
		return false;
	e->fingerprint = xstrdup(f[0]);
	e->date = spool_parse_time(f[1]);
	e->provider = spool_dash_null(f[2]);
	e->category = spool_dash_null(f[3]);
	e->subject = spool_dash_null(f[4]);
	e->message_id = spool_dash_null(f[5]);
	e->state = spool_dash_null(f[6]);
	e->id = NULL;
	return true;
}

static void spool_history_entry_finish(struct spool_history_entry *e)
{
	free(e->fingerprint);
	free(e->provider);
	free(e->category);
	free(e->subject);
	free(e->message_id);
	free(e->state);
	free(e->id);
}

void spool_history_free(struct spool_history_entry *entries, size_t n)
{
	if (!entries)
		return;
	for (size_t i = 0; i < n; i++)
		spool_history_entry_finish(&entries[i]);
	free(entries);
}

static bool spool_history_parse_any(char *line, void *rec)
{
	return spool_history_parse(line, rec);
}

static enum spool_status spool_history_load(struct spool *s, struct spool_history_entry **v_out,
                                            size_t *n_out, char **errstr)
{
	void *v;
	enum spool_status rc = spool_load_records(s->history, sizeof **v_out,
	                                          spool_history_parse_any, &v, n_out, errstr);
	*v_out = v;
	return rc;
}

static bool spool_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The journal's records with a Message-ID, sorted by it (and by position
 * in the file among equals), to find each message's latest record. */
struct spool_msgid_index {
	const struct spool_jrec **v;
	size_t n;
};

static int spool_jrec_msgid_cmp(const void *a, const void *b)
{
	const struct spool_jrec *x = *(const struct spool_jrec *const *)a;
	const struct spool_jrec *y = *(const struct spool_jrec *const *)b;
	int c = strcmp(x->message_id, y->message_id);
	if (c)
		return c;
	return (x > y) - (x < y);
}

static void spool_msgid_index_build(struct spool_msgid_index *ix, const struct spool_journal *j)
{
	ix->v = xcalloc(j->n ? j->n : 1, sizeof *ix->v);
	ix->n = 0;
	for (size_t i = 0; i < j->n; i++)
		if (j->v[i].message_id)
			ix->v[ix->n++] = &j->v[i];
	if (ix->n)
		qsort(ix->v, ix->n, sizeof *ix->v, spool_jrec_msgid_cmp);
}

/* The last journal record with this Message-ID, or NULL. */
static const struct spool_jrec *spool_msgid_index_latest(const struct spool_msgid_index *ix,
                                                         const char *message_id)
{
	size_t lo = 0, hi = ix->n; /* first record with a larger Message-ID */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->v[mid]->message_id, message_id) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || strcmp(ix->v[lo - 1]->message_id, message_id) != 0)
		return NULL;
	return ix->v[lo - 1];
}

/* Gives each history entry its message's current state. The journal is
 * the record of what happened on the wire and is always written first, so
 * its latest line for the entry's Message-ID wins over the history's (it
 * also corrects history files written before --drop was recorded there);
 * "sending" with nobody holding the message's lock is unknown, as
 * spool_list() shows it. Entries the journal does not know keep their
 * state. Sets each entry's spool id from the journal. */
static enum spool_status spool_history_current(struct spool *s, struct spool_history_entry *v,
                                               size_t n, char **errstr)
{
	struct spool_journal j;
	enum spool_status rc = spool_journal_load(s, &j, errstr);
	if (rc != SPOOL_EOK)
		return rc;
	struct spool_msgid_index ix;
	spool_msgid_index_build(&ix, &j);
	for (size_t i = 0; i < n; i++) {
		const struct spool_jrec *r =
		    v[i].message_id ? spool_msgid_index_latest(&ix, v[i].message_id) : NULL;
		if (!r)
			continue;
		enum spool_state st = r->state;
		if (st == SPOOL_STATE_SENDING || st == SPOOL_STATE_ENDING) {
			char *path = spool_find_outbox(s, r->id);
			st = !path || spool_lock_free(path) ? spool_orphan_state(st)
			                                    : SPOOL_STATE_SENDING;
			free(path);
		}
		free(v[i].state);
		v[i].state = xstrdup(spool_state_name(st));
		free(v[i].id);
		v[i].id = xstrdup(r->id);
	}
	free(ix.v);
	spool_journal_finish(&j);
	return SPOOL_EOK;
}

enum spool_status spool_history_list(struct spool *s, struct spool_history_entry **entries_out,
                                     size_t *n_out, char **errstr)
{
	struct spool_history_entry *v;
	size_t n;
	enum spool_status rc = spool_history_load(s, &v, &n, errstr);
	if (rc != SPOOL_EOK)
		return rc;
	/* Collapse lines of one ticket (same fingerprint and Message-ID) into
	 * the first slot, keeping the latest values. */
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < out && !(strcmp(v[k].fingerprint, v[i].fingerprint) == 0 &&
		                    spool_str_eq(v[k].message_id, v[i].message_id)))
			k++;
		if (k < out)
			spool_history_entry_finish(&v[k]);
		else
			k = out++;
		v[k] = v[i];
	}
	rc = spool_history_current(s, v, out, errstr);
	if (rc != SPOOL_EOK) {
		spool_history_free(v, out);
		return rc;
	}
	*entries_out = v;
	*n_out = out;
	return SPOOL_EOK;
}

/* What one message (a history entry with its current state) says. */
static enum spool_duplicate spool_duplicate_of(struct spool *s, const struct spool_history_entry *e)
{
	int st = e->state ? spool_state_parse(e->state) : -1;
	switch (st) {
	case SPOOL_STATE_SENT:
		return SPOOL_DUP_SENT;
	case SPOOL_STATE_UNKNOWN:
		return SPOOL_DUP_UNKNOWN;
	case SPOOL_STATE_QUEUED:
	case SPOOL_STATE_SENDING:
	case SPOOL_STATE_ENDING: {
		/* Waiting only while it is there to be sent: a file deleted
		 * by hand (without --drop), or one the journal has lost track
		 * of, will never leave. */
		if (!e->id)
			return SPOOL_DUP_NONE;
		char *path = spool_find_outbox(s, e->id);
		free(path);
		return path ? SPOOL_DUP_WAITING : SPOOL_DUP_NONE;
	}
	case SPOOL_STATE_FAILED:
	case SPOOL_STATE_DROPPED:
		return SPOOL_DUP_NONE;
	default:
		/* A state this version does not know: assume it was sent. */
		return SPOOL_DUP_SENT;
	}
}

enum spool_status spool_history_duplicate(struct spool *s, const char *fingerprint,
                                          enum spool_duplicate *dup_out,
                                          struct spool_history_entry **entry_out, char **errstr)
{
	*dup_out = SPOOL_DUP_NONE;
	*entry_out = NULL;
	struct spool_history_entry *v;
	size_t n;
	enum spool_status rc = spool_history_list(s, &v, &n, errstr);
	if (rc != SPOOL_EOK)
		return rc;
	size_t best = n;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].fingerprint, fingerprint) != 0)
			continue;
		enum spool_duplicate d = spool_duplicate_of(s, &v[i]);
		/* The enum is in order of strength; on a tie the later
		 * message is the one to name. */
		if (d != SPOOL_DUP_NONE && d >= *dup_out) {
			*dup_out = d;
			best = i;
		}
	}
	if (best < n) {
		*entry_out = xmalloc(sizeof **entry_out);
		**entry_out = v[best];
		memset(&v[best], 0, sizeof v[best]);
	}
	spool_history_free(v, n);
	return SPOOL_EOK;
}

/* --- fingerprints -------------------------------------------------------- */

struct spool_fingerprint {
	struct sha256 ctx;
};

static void spool_fp_add(struct spool_fingerprint *fp, const char *s, size_t len)
{
	sha256_update(&fp->ctx, s, len);
}

/* value with "\\" -> "\\\\" and LF -> "\\n", so it cannot end its line. */
static void spool_fp_value(struct spool_fingerprint *fp, const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\\')
			spool_fp_add(fp, "\\\\", 2);
		else if (v[i] == '\n')
			spool_fp_add(fp, "\\n", 2);
		else
			spool_fp_add(fp, v + i, 1);
	}
}

/* Length of a blank at s: ASCII white space, U+00A0 or U+3000 (the
 * ideographic space a Chinese input method types); 0 when none. */
static size_t spool_blank_len(const char *s, size_t len)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	uint32_t cp;
	size_t n = utf8_decode(s, len, &cp);
	return n && (cp == 0xA0 || cp == 0x3000) ? n : 0;
}

/* Trimmed (leading and trailing blanks removed); with collapse, each inner
 * run of blanks becomes one space. ASCII letters are lowered. Allocated. */
static char *spool_normalise(const char *s, bool collapse)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t len = strlen(s), keep = 0;
	bool pending = false;
	for (size_t i = 0; i < len;) {
		size_t b = spool_blank_len(s + i, len - i);
		if (b) {
			if (collapse)
				pending = sb.len > 0;
			else if (sb.len > 0)
				strbuf_add(&sb, s + i, b);
			i += b;
			continue;
		}
		if (pending)
			strbuf_addc(&sb, ' ');
		pending = false;
		char c = s[i++];
		strbuf_addc(&sb, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
		keep = sb.len;
	}
	sb.len = keep; /* drop trailing blanks */
	sb.buf[keep] = '\0';
	return strbuf_take(&sb);
}

static void spool_fp_line(struct spool_fingerprint *fp, const char *key, const char *value)
{
	spool_fp_add(fp, key, strlen(key));
	spool_fp_add(fp, "=", 1);
	spool_fp_value(fp, value, strlen(value));
	spool_fp_add(fp, "\n", 1);
}

struct spool_fingerprint *spool_fingerprint_new(const char *recipient, const char *subject)
{
	struct spool_fingerprint *fp = xmalloc(sizeof *fp);
	sha256_init(&fp->ctx);
	char *to = spool_normalise(recipient ? recipient : "", false);
	char *subj = spool_normalise(subject ? subject : "", true);
	spool_fp_line(fp, "to", to);
	spool_fp_line(fp, "subject", subj);
	free(to);
	free(subj);
	return fp;
}

/* A field's value as the fingerprint takes it: without the blanks at both
 * ends of each line, nor the empty lines at its start and end, so that a
 * blank typed or pasted after a description does not make the same ticket
 * a new one. A value without such blanks is taken as it is. Allocated. */
static char *spool_trim_lines(const char *v)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t len = strlen(v), pos = 0, empty = 0;
	for (;;) {
		const char *nl = memchr(v + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - v) : len;
		size_t start = end, stop = pos;
		for (size_t i = pos; i < end;) {
			size_t b = spool_blank_len(v + i, end - i);
			if (b) {
				i += b;
				continue;
			}
			if (start == end)
				start = i;
			stop = ++i;
		}
		if (start == end) {
			empty++;
		} else {
			if (sb.len > 0)
				for (size_t k = 0; k <= empty; k++)
					strbuf_addc(&sb, '\n');
			strbuf_add(&sb, v + start, stop - start);
			empty = 0;
		}
		if (!nl)
			break;
		pos = end + 1;
	}
	return strbuf_take(&sb);
}

void spool_fingerprint_field(struct spool_fingerprint *fp, const char *key, const char *value)
{
	char *v = spool_trim_lines(value ? value : "");
	spool_fp_line(fp, key, v);
	free(v);
}

void spool_fingerprint_attachment_digest(struct spool_fingerprint *fp,
                                         const unsigned char digest[SHA256_DIGEST_LEN])
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(digest, hex);
	spool_fp_line(fp, "attachment", hex);
}

void spool_fingerprint_attachment(struct spool_fingerprint *fp, const void *data, size_t len)
{
	struct sha256 c;
	unsigned char d[SHA256_DIGEST_LEN];
	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, d);
	spool_fingerprint_attachment_digest(fp, d);
}

void spool_fingerprint_finish(struct spool_fingerprint *fp, char hex_out[65])
{
	unsigned char d[SHA256_DIGEST_LEN];
	sha256_final(&fp->ctx, d);
	sha256_hex(d, hex_out);
	free(fp);
}

void spool_fingerprint_free(struct spool_fingerprint *fp)
{
	free(fp);
}
