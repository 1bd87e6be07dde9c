/* test-spool.c - outbox, sent archive, journal, locks, history, fingerprints. */
#include "spool.h"
#include "sha256.h"

#include "util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];
static char *root; /* $XDG_DATA_HOME/ticketmail */

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test-spool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("XDG_DATA_HOME", tmpdir, 1);
	root = xasprintf("%s/ticketmail", tmpdir);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
	root = NULL;
}

static struct spool *open_spool(void)
{
	struct spool *s = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_open(NULL, &s, &err), SPOOL_EOK);
	ck_assert_str_eq(spool_root(s), root);
	return s;
}

static size_t count_files(const char *sub)
{
	char *dir = xasprintf("%s/%s", root, sub);
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	free(dir);
	return n;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

static const char message[] = "From: me@example.org\r\n"
                              "To: support@example.com\r\n"
                              "Subject: =?UTF-8?B?VVNEVOaPkOW4geacquWIsOi0pg==?=\r\n"
                              " (TxID 0xabc)\r\n"
                              "Message-ID: <1.2@example.org>\r\n"
                              "\r\n"
                              "Subject: not this one\r\n";

/* Spools message; returns its id (allocated). */
static char *enqueue(struct spool *s, const char *msgid)
{
	struct spool_draft *d = NULL;
	char *err = NULL, *id = NULL, *path = NULL;
	ck_assert_int_eq(spool_enqueue(s, &d, &err), SPOOL_EOK);
	fputs(message, spool_draft_file(d));
	ck_assert_int_eq(spool_commit(s, d, msgid, &id, &path, &err), SPOOL_EOK);
	char *expect = xasprintf("%s/outbox/new/%s", root, id);
	ck_assert_str_eq(path, expect);
	free(expect);
	free(path);
	return id;
}

/* The last journal line for id, as text (allocated), or NULL. */
static char *journal_last(const char *id)
{
	char *path = xasprintf("%s/journal", root), *data = NULL;
	size_t len;
	ck_assert_int_eq(util_read_file(path, 1 << 20, &data, &len), 0);
	free(path);
	char *last = NULL;
	for (char *line = data, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		if (strstr(line, id)) {
			free(last);
			last = xstrdup(line);
		}
	}
	free(data);
	return last;
}

/* The state field of a journal line. */
static void assert_journal_state(const char *id, const char *state)
{
	char *line = journal_last(id);
	ck_assert_ptr_nonnull(line);
	char *want = xasprintf("\t%s\t%s\t", id, state);
	ck_assert_msg(strstr(line, want), "journal line '%s' lacks '%s'", line, want);
	free(want);
	free(line);
}

static struct spool_entry *lookup(struct spool *s, const char *id)
{
	struct spool_entry *e = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_lookup(s, id, &e, &err), SPOOL_EOK);
	return e;
}

START_TEST(test_enqueue_layout)
{
	struct spool *s = open_spool();
	const char *dirs[] = {"",      "/outbox",   "/outbox/tmp", "/outbox/new", "/outbox/cur",
	                      "/sent", "/sent/tmp", "/sent/new",   "/sent/cur"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(dirs); i++) {
		char *dir = xasprintf("%s%s", root, dirs[i]);
		ck_assert_msg(mode_of(dir) == 0700, "%s is %o", dir, (unsigned)mode_of(dir));
		free(dir);
	}
	char *id = enqueue(s, "<1.2@example.org>");
	/* Maildir unique name: time.MusecPpidRrandom.host */
	ck_assert_ptr_nonnull(strstr(id, ".M"));
	char *pid = xasprintf("P%ldR", (long)getpid());
	ck_assert_ptr_nonnull(strstr(id, pid));
	free(pid);
	ck_assert(id[0] >= '1' && id[0] <= '9');

	char *path = xasprintf("%s/outbox/new/%s", root, id);
	ck_assert_uint_eq(mode_of(path), 0600);
	char *data;
	size_t len;
	ck_assert_int_eq(util_read_file(path, 1 << 20, &data, &len), 0);
	ck_assert_str_eq(data, message);
	free(data);
	free(path);
	ck_assert_uint_eq(count_files("outbox/tmp"), 0);
	ck_assert_uint_eq(count_files("outbox/new"), 1);

	char *jpath = xasprintf("%s/journal", root);
	ck_assert_uint_eq(mode_of(jpath), 0600);
	free(jpath);
	assert_journal_state(id, "queued");

	struct spool_entry *v;
	size_t n;
	char *err = NULL;
	ck_assert_int_eq(spool_list(s, SPOOL_OUTBOX, &v, &n, &err), SPOOL_EOK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].id, id);
	ck_assert_int_eq(v[0].state, SPOOL_STATE_QUEUED);
	ck_assert_int_eq(v[0].attempts, 0);
	ck_assert_str_eq(v[0].message_id, "<1.2@example.org>");
	ck_assert_str_eq(v[0].subject, "=?UTF-8?B?VVNEVOaPkOW4geacquWIsOi0pg==?= (TxID 0xabc)");
	ck_assert(spool_entry_due(&v[0], time(NULL)));
	spool_entries_free(v, n);

	/* Two messages never share a name. */
	char *id2 = enqueue(s, NULL);
	ck_assert_str_ne(id, id2);
	ck_assert_int_eq(spool_list(s, SPOOL_OUTBOX, &v, &n, &err), SPOOL_EOK);
	ck_assert_uint_eq(n, 2);
	/* One has a Message-ID, the one committed with NULL has none. */
	ck_assert((v[0].message_id == NULL) != (v[1].message_id == NULL));
	spool_entries_free(v, n);
	free(id2);
	free(id);
	spool_free(s);
}
END_TEST

START_TEST(test_abort_and_failed_commit_leave_nothing)
{
	struct spool *s = open_spool();
	struct spool_draft *d = NULL;
	char *err = NULL, *id = NULL;
	ck_assert_int_eq(spool_enqueue(s, &d, &err), SPOOL_EOK);
	fputs(message, spool_draft_file(d));
	ck_assert_uint_eq(count_files("outbox/tmp"), 1);
	spool_abort(d);
	ck_assert_uint_eq(count_files("outbox/tmp"), 0);
	ck_assert_uint_eq(count_files("outbox/new"), 0);

	/* The rename fails (outbox/new vanished): the tmp file goes too. */
	ck_assert_int_eq(spool_enqueue(s, &d, &err), SPOOL_EOK);
	fputs(message, spool_draft_file(d));
	char *newdir = xasprintf("%s/outbox/new", root);
	ck_assert_int_eq(rmdir(newdir), 0);
	ck_assert_int_eq(spool_commit(s, d, "<x@y>", &id, NULL, &err), SPOOL_EIO);
	ck_assert_ptr_null(id);
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_nonnull(strstr(err, "outbox/new"));
	free(err);
	ck_assert_uint_eq(count_files("outbox/tmp"), 0);
	char *jpath = xasprintf("%s/journal", root);
	ck_assert_int_eq(access(jpath, F_OK), -1);
	free(jpath);
	free(newdir);
	spool_free(s);

	/* Reopening recreates the Maildir. */
	s = open_spool();
	ck_assert_uint_eq(count_files("outbox/new"), 0);
	spool_free(s);
}
END_TEST

START_TEST(test_mark_sent)
{
	struct spool *s = open_spool();
	char *id = enqueue(s, "<1.2@example.org>");
	struct spool_claim *c = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_claim_attempt(c), 1);
	ck_assert_str_eq(spool_claim_id(c), id);
	ck_assert_str_eq(spool_claim_message_id(c), "<1.2@example.org>");
	char buf[sizeof message];
	ck_assert_int_eq(pread(spool_claim_fd(c), buf, sizeof buf - 1, 0), sizeof message - 1);
	buf[sizeof message - 1] = '\0';
	ck_assert_str_eq(buf, message);
	assert_journal_state(id, "sending");

	char *sent_path = NULL;
	ck_assert_int_eq(
	    spool_mark_sent(c, "250 2.0.0 OK\r\nqueued as\tX\x1b[2J", &sent_path, &err), SPOOL_EOK);
	char *want = xasprintf("%s/sent/cur/%s:2,S", root, id);
	ck_assert_str_eq(sent_path, want);
	ck_assert_uint_eq(mode_of(want), 0600);
	free(want);
	free(sent_path);
	ck_assert_uint_eq(count_files("outbox/new"), 0);
	ck_assert_uint_eq(count_files("sent/cur"), 1);

	/* The reply is journaled with its control characters masked. */
	char *line = journal_last(id);
	ck_assert_ptr_nonnull(strstr(line, "\tsent\t1\t-\t<1.2@example.org>\t"
	                                   "250 2.0.0 OK\\r\\nqueued as\\tX\\x1B[2J"));
	free(line);

	struct spool_entry *v;
	size_t n;
	ck_assert_int_eq(spool_list(s, SPOOL_SENT, &v, &n, &err), SPOOL_EOK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].id, id);
	ck_assert_int_eq(v[0].state, SPOOL_STATE_SENT);
	ck_assert_str_eq(v[0].message_id, "<1.2@example.org>");
	spool_entries_free(v, n);
	ck_assert_int_eq(spool_list(s, SPOOL_OUTBOX, &v, &n, &err), SPOOL_EOK);
	ck_assert_uint_eq(n, 0);
	spool_entries_free(v, n);

	/* Sent is final: it cannot be claimed again. */
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_ENOENT);
	free(err);
	free(id);
	spool_free(s);
}
END_TEST

START_TEST(test_retry_backoff_and_states)
{
	struct spool *s = open_spool();
	char *id = enqueue(s, "<r@x>");
	char *err = NULL;
	const time_t delays[] = {60, 300, 1800, 7200};
	for (int attempt = 1; attempt <= SPOOL_MAX_ATTEMPTS; attempt++) {
		struct spool_claim *c = NULL;
		ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
		ck_assert_int_eq(spool_claim_attempt(c), attempt);
		time_t before = time(NULL);
		enum spool_state st;
		ck_assert_int_eq(spool_mark_retry(c, "421 try later", &st, &err), SPOOL_EOK);
		struct spool_entry *e = lookup(s, id);
		ck_assert_int_eq(e->attempts, attempt);
		ck_assert_str_eq(e->last_reply, "421 try later");
		if (attempt < SPOOL_MAX_ATTEMPTS) {
			ck_assert_int_eq(st, SPOOL_STATE_QUEUED);
			ck_assert_int_eq(e->state, SPOOL_STATE_QUEUED);
			ck_assert_int_ge(e->next_try, before + delays[attempt - 1]);
			ck_assert_int_le(e->next_try, time(NULL) + delays[attempt - 1]);
			ck_assert(!spool_entry_due(e, time(NULL)));
			ck_assert(spool_entry_due(e, e->next_try));
			assert_journal_state(id, "queued");
		} else {
			ck_assert_int_eq(st, SPOOL_STATE_FAILED);
			ck_assert_int_eq(e->state, SPOOL_STATE_FAILED);
			ck_assert(!spool_entry_due(e, time(NULL) + 86400));
			assert_journal_state(id, "failed");
		}
		spool_entries_free(e, 1);
	}
	struct spool_claim *c = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_ESTATE);
	free(err);
	err = NULL;

	/* The user sends it again: attempts start over. */
	ck_assert_int_eq(spool_resend_unknown(s, id, &err), SPOOL_EOK);
	struct spool_entry *e = lookup(s, id);
	ck_assert_int_eq(e->state, SPOOL_STATE_QUEUED);
	ck_assert_int_eq(e->attempts, 0);
	ck_assert(spool_entry_due(e, time(NULL)));
	spool_entries_free(e, 1);
	/* A queued message is not "unknown". */
	ck_assert_int_eq(spool_resend_unknown(s, id, &err), SPOOL_ESTATE);
	free(err);
	err = NULL;

	/* 5xx: failed. */
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_mark_failed(c, "550 no such user", &err), SPOOL_EOK);
	e = lookup(s, id);
	ck_assert_int_eq(e->state, SPOOL_STATE_FAILED);
	spool_entries_free(e, 1);
	ck_assert_int_eq(spool_resend_unknown(s, id, &err), SPOOL_EOK);

	/* Connection lost after the dot: unknown, never picked again. */
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_mark_unknown(c, NULL, &err), SPOOL_EOK);
	e = lookup(s, id);
	ck_assert_int_eq(e->state, SPOOL_STATE_UNKNOWN);
	ck_assert(!spool_entry_due(e, time(NULL) + 86400));
	spool_entries_free(e, 1);
	assert_journal_state(id, "unknown");
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_ESTATE);
	free(err);
	err = NULL;

	/* The user drops it instead. */
	ck_assert_int_eq(spool_drop(s, id, &err), SPOOL_EOK);
	ck_assert_uint_eq(count_files("outbox/new"), 0);
	assert_journal_state(id, "dropped");
	ck_assert_int_eq(spool_lookup(s, id, &e, &err), SPOOL_ENOENT);
	free(err);
	free(id);
	spool_free(s);
}
END_TEST

START_TEST(test_bad_ids)
{
	struct spool *s = open_spool();
	struct spool_claim *c = NULL;
	char *err = NULL;
	const char *bad[] = {"", "../journal", "a/b", "x:2,S", ".hidden", "a b", "a\tb"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(bad); i++) {
		ck_assert_int_eq(spool_claim(s, bad[i], &c, &err), SPOOL_EINVAL);
		free(err);
		err = NULL;
	}
	ck_assert_int_eq(spool_claim(s, "1700000000.M1P1R1.host", &c, &err), SPOOL_ENOENT);
	free(err);
	ck_assert_int_eq(spool_exitcode(SPOOL_EIO), 73);
	ck_assert_int_eq(spool_exitcode(SPOOL_EBUSY), 75);
	ck_assert_int_eq(spool_state_parse("unknown"), SPOOL_STATE_UNKNOWN);
	ck_assert_int_eq(spool_state_parse("bogus"), -1);
	spool_free(s);
}
END_TEST

static void read_byte(int fd, char want)
{
	char c = 0;
	ck_assert_int_eq(read(fd, &c, 1), 1);
	ck_assert_int_eq(c, want);
}

START_TEST(test_lock_contention)
{
	struct spool *s = open_spool();
	char *id = enqueue(s, "<lock@x>");
	int up[2], down[2];
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* The other run: claims the message and takes the flush lock. */
		struct spool *cs = NULL;
		struct spool_claim *c = NULL;
		char b;
		int code = 0;
		if (spool_open(NULL, &cs, NULL) != SPOOL_EOK ||
		    spool_lock_flush(cs, NULL) != SPOOL_EOK ||
		    spool_claim(cs, id, &c, NULL) != SPOOL_EOK)
			code = 2;
		else if (write(up[1], "L", 1) != 1 || read(down[0], &b, 1) != 1)
			code = 3;
		else
			code = spool_mark_sent(c, "250 ok", NULL, NULL) == SPOOL_EOK ? 0 : 4;
		if (code == 3)
			spool_claim_free(c);
		/* Free what the child holds, so that valgrind sees no leak. */
		spool_free(cs);
		spool_free(s);
		free(id);
		_exit(code);
	}
	read_byte(up[0], 'L');
	struct spool_claim *c = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EBUSY);
	ck_assert_ptr_nonnull(err);
	free(err);
	err = NULL;
	ck_assert_int_eq(spool_drop(s, id, &err), SPOOL_EBUSY);
	free(err);
	err = NULL;
	ck_assert_int_eq(spool_resend_unknown(s, id, &err), SPOOL_EBUSY);
	free(err);
	err = NULL;
	ck_assert_int_eq(spool_lock_flush(s, &err), SPOOL_EBUSY);
	free(err);
	err = NULL;
	/* Held by a live process: really "sending", not unknown. */
	struct spool_entry *e = lookup(s, id);
	ck_assert_int_eq(e->state, SPOOL_STATE_SENDING);
	spool_entries_free(e, 1);
	/* Recovery at open leaves a message someone is sending alone. */
	struct spool *s2 = open_spool();
	assert_journal_state(id, "sending");
	spool_free(s2);

	ck_assert_int_eq(write(down[1], "G", 1), 1);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_ENOENT);
	free(err);
	err = NULL;
	ck_assert_int_eq(spool_lock_flush(s, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_lock_flush(s, &err), SPOOL_EOK);
	spool_unlock_flush(s);
	for (int i = 0; i < 2; i++) {
		close(up[i]);
		close(down[i]);
	}
	free(id);
	spool_free(s);
}
END_TEST

/* A sender that claims id, journals "ending" too when asked, and dies by
 * SIGKILL before any outcome. */
static void crash_sender(const char *id, bool ending)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct spool *cs = NULL;
		struct spool_claim *c = NULL;
		if (spool_open(NULL, &cs, NULL) != SPOOL_EOK ||
		    spool_claim(cs, id, &c, NULL) != SPOOL_EOK)
			_exit(2);
		if (ending && spool_mark_ending(c, NULL) != SPOOL_EOK)
			_exit(4);
		raise(SIGKILL);
		_exit(3);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	assert_journal_state(id, ending ? "ending" : "sending");
}

/* Dead between "sending" and "ending": the end of the message never went
 * out, so the server has nothing and the message is simply queued again. */
START_TEST(test_crash_before_the_end_is_queued)
{
	struct spool *s = open_spool();
	char *id = enqueue(s, "<crash-early@x>");
	crash_sender(id, false);
	/* Listed as queued, and due, even before any recovery ran. */
	struct spool_entry *e = lookup(s, id);
	ck_assert_int_eq(e->state, SPOOL_STATE_QUEUED);
	ck_assert_int_eq(e->attempts, 1);
	ck_assert(spool_entry_due(e, time(NULL)));
	spool_entries_free(e, 1);
	spool_free(s);

	/* The next run journals it queued; it may be claimed at once. */
	s = open_spool();
	assert_journal_state(id, "queued");
	struct spool_claim *c = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_claim_attempt(c), 2);
	/* Released without an outcome before "ending": queued again too. */
	spool_claim_free(c);
	e = lookup(s, id);
	ck_assert_int_eq(e->state, SPOOL_STATE_QUEUED);
	spool_entries_free(e, 1);
	free(id);
	spool_free(s);
}
END_TEST

/* Dead after "ending": the server may have the message; it is unknown and
 * never resent without the user. */
START_TEST(test_crash_at_the_end_is_unknown)
{
	struct spool *s = open_spool();
	char *id = enqueue(s, "<crash@x>");
	crash_sender(id, true);

	/* Listed as unknown even before any recovery ran. */
	struct spool_entry *v;
	size_t n;
	char *err = NULL;
	ck_assert_int_eq(spool_list(s, SPOOL_OUTBOX, &v, &n, &err), SPOOL_EOK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].state, SPOOL_STATE_UNKNOWN);
	ck_assert_int_eq(v[0].attempts, 1);
	ck_assert(!spool_entry_due(&v[0], time(NULL) + 86400));
	spool_entries_free(v, n);
	spool_free(s);

	/* The next run journals it as unknown and never resends it itself. */
	s = open_spool();
	assert_journal_state(id, "unknown");
	ck_assert_uint_eq(count_files("outbox/new"), 1);
	struct spool_claim *c = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_ESTATE);
	free(err);
	err = NULL;
	ck_assert_int_eq(spool_resend_unknown(s, id, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_claim_attempt(c), 1);
	/* Released without an outcome after "ending": unknown too. */
	ck_assert_int_eq(spool_mark_ending(c, &err), SPOOL_EOK);
	spool_claim_free(c);
	struct spool_entry *e = lookup(s, id);
	ck_assert_int_eq(e->state, SPOOL_STATE_UNKNOWN);
	spool_entries_free(e, 1);
	free(id);
	spool_free(s);
}
END_TEST

START_TEST(test_crash_after_sent_journaled)
{
	struct spool *s = open_spool();
	char *id = enqueue(s, "<moved@x>");
	struct spool_claim *c = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	/* The sender journaled "sent" and died before the rename. */
	char *jpath = xasprintf("%s/journal", root);
	FILE *j = fopen(jpath, "a");
	ck_assert_ptr_nonnull(j);
	fprintf(j, "2024-05-01T12:00:00+0800\t%s\tsent\t1\t-\t<moved@x>\t250 ok\n", id);
	fclose(j);
	free(jpath);
	spool_claim_free(c);
	spool_free(s);

	s = open_spool();
	ck_assert_uint_eq(count_files("outbox/new"), 0);
	char *want = xasprintf("%s/sent/cur/%s:2,S", root, id);
	ck_assert_int_eq(access(want, F_OK), 0);
	free(want);
	free(id);
	spool_free(s);
}
END_TEST

START_TEST(test_torn_journal_line)
{
	struct spool *s = open_spool();
	char *id = enqueue(s, "<torn@x>");
	char *jpath = xasprintf("%s/journal", root);
	FILE *j = fopen(jpath, "a");
	ck_assert_ptr_nonnull(j);
	fprintf(j, "2024-05-01T12:00:00+0800\t%s\tsent\t1", id); /* no LF: torn */
	fclose(j);
	free(jpath);
	struct spool_entry *e = lookup(s, id);
	ck_assert_int_eq(e->state, SPOOL_STATE_QUEUED);
	spool_entries_free(e, 1);
	struct spool_claim *c = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	assert_journal_state(id, "sending");
	spool_claim_free(c);
	free(id);
	spool_free(s);
}
END_TEST

START_TEST(test_old_tmp_cleaned)
{
	struct spool *s = open_spool();
	spool_free(s);
	char *old = xasprintf("%s/outbox/tmp/1.M1P1R1.old", root);
	char *fresh = xasprintf("%s/outbox/tmp/2.M1P1R1.fresh", root);
	int fd = open(old, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	struct timespec ts[2] = {{time(NULL) - 37 * 3600, 0}, {time(NULL) - 37 * 3600, 0}};
	ck_assert_int_eq(futimens(fd, ts), 0);
	close(fd);
	fd = open(fresh, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	s = open_spool();
	ck_assert_int_eq(access(old, F_OK), -1);
	ck_assert_int_eq(access(fresh, F_OK), 0);
	free(old);
	free(fresh);
	spool_free(s);
}
END_TEST

START_TEST(test_mail_reader_moved_to_cur)
{
	/* mutt moves seen messages from new/ to cur/ with an info suffix. */
	struct spool *s = open_spool();
	char *id = enqueue(s, "<cur@x>");
	char *from = xasprintf("%s/outbox/new/%s", root, id);
	char *to = xasprintf("%s/outbox/cur/%s:2,S", root, id);
	ck_assert_int_eq(rename(from, to), 0);
	struct spool_entry *e = lookup(s, id);
	ck_assert_str_eq(e->path, to);
	ck_assert_int_eq(e->state, SPOOL_STATE_QUEUED);
	spool_entries_free(e, 1);
	struct spool_claim *c = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_mark_sent(c, "250 ok", NULL, &err), SPOOL_EOK);
	ck_assert_uint_eq(count_files("outbox/cur"), 0);
	ck_assert_uint_eq(count_files("sent/cur"), 1);
	free(from);
	free(to);
	free(id);
	spool_free(s);
}
END_TEST

START_TEST(test_history)
{
	struct spool *s = open_spool();
	char fp1[65], fp2[65];
	struct spool_fingerprint *f = spool_fingerprint_new("support@okx.com", "USDT提币未到账");
	spool_fingerprint_finish(f, fp1);
	f = spool_fingerprint_new("support@okx.com", "账户登录异常");
	spool_fingerprint_finish(f, fp2);

	struct spool_history_entry *e = NULL;
	char *err = NULL;
	enum spool_duplicate d;
	ck_assert_int_eq(spool_history_duplicate(s, fp1, &d, &e, &err), SPOOL_EOK);
	ck_assert_int_eq(d, SPOOL_DUP_NONE);
	ck_assert_ptr_null(e);

	struct spool_history_entry add = {
	    .fingerprint = fp1,
	    .date = 1714536000,
	    .provider = "okx",
	    .category = "deposit-withdrawal",
	    .subject = "USDT提币未到账\t(2)",
	    .message_id = "<h1@x>",
	    .state = "queued",
	};
	ck_assert_int_eq(spool_history_add(s, &add, &err), SPOOL_EOK);
	add.state = "sent";
	ck_assert_int_eq(spool_history_add(s, &add, &err), SPOOL_EOK);

	ck_assert_int_eq(spool_history_duplicate(s, fp1, &d, &e, &err), SPOOL_EOK);
	ck_assert_int_eq(d, SPOOL_DUP_SENT);
	ck_assert_str_eq(e->fingerprint, fp1);
	ck_assert_int_eq(e->date, 1714536000);
	ck_assert_str_eq(e->provider, "okx");
	ck_assert_str_eq(e->category, "deposit-withdrawal");
	ck_assert_str_eq(e->subject, "USDT提币未到账\\t(2)");
	ck_assert_str_eq(e->message_id, "<h1@x>");
	ck_assert_str_eq(e->state, "sent");
	ck_assert_ptr_null(e->id); /* the journal does not know <h1@x> */
	spool_history_free(e, 1);
	ck_assert_int_eq(spool_history_duplicate(s, fp2, &d, &e, &err), SPOOL_EOK);
	ck_assert_int_eq(d, SPOOL_DUP_NONE);

	struct spool_history_entry other = {.fingerprint = fp2, .state = "sent"};
	ck_assert_int_eq(spool_history_add(s, &other, &err), SPOOL_EOK);
	struct spool_history_entry *v;
	size_t n;
	ck_assert_int_eq(spool_history_list(s, &v, &n, &err), SPOOL_EOK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].fingerprint, fp1);
	ck_assert_str_eq(v[0].state, "sent");
	ck_assert_str_eq(v[1].fingerprint, fp2);
	ck_assert_ptr_null(v[1].provider);
	ck_assert_ptr_null(v[1].message_id);
	spool_history_free(v, n);

	struct spool_history_entry bad = {.fingerprint = "abc"};
	ck_assert_int_eq(spool_history_add(s, &bad, &err), SPOOL_EINVAL);
	free(err);
	char *hpath = xasprintf("%s/history", root);
	ck_assert_uint_eq(mode_of(hpath), 0600);
	free(hpath);
	spool_free(s);
}
END_TEST

/* One history line for fp, as main.c writes it. */
static void history_line(struct spool *s, char *fp, char *msgid, char *state)
{
	struct spool_history_entry h = {
	    .fingerprint = fp, .date = 1714536000, .message_id = msgid, .state = state};
	char *err = NULL;
	ck_assert_int_eq(spool_history_add(s, &h, &err), SPOOL_EOK);
}

static enum spool_duplicate duplicate(struct spool *s, const char *fp, const char *want_msgid)
{
	enum spool_duplicate d;
	struct spool_history_entry *e = NULL;
	char *err = NULL;
	ck_assert_int_eq(spool_history_duplicate(s, fp, &d, &e, &err), SPOOL_EOK);
	if (d == SPOOL_DUP_NONE) {
		ck_assert_ptr_null(e);
	} else {
		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e->message_id, want_msgid);
	}
	spool_history_free(e, 1);
	return d;
}

/* A ticket is refused again only when one of its messages was sent, may
 * have arrived, or still waits in the outbox; a failed or dropped one does
 * not block it, and the journal (what happened on the wire) wins over a
 * history line that lags behind it. */
START_TEST(test_history_duplicate)
{
	struct spool *s = open_spool();
	char fp[65];
	spool_fingerprint_finish(spool_fingerprint_new("support@okx.com", "USDT"), fp);
	char *err = NULL;
	ck_assert_int_eq(duplicate(s, fp, NULL), SPOOL_DUP_NONE);

	/* queued, in the outbox: waiting, with its spool id */
	char *id = enqueue(s, "<d1@x>");
	history_line(s, fp, "<d1@x>", "queued");
	enum spool_duplicate d;
	struct spool_history_entry *e = NULL;
	ck_assert_int_eq(spool_history_duplicate(s, fp, &d, &e, &err), SPOOL_EOK);
	ck_assert_int_eq(d, SPOOL_DUP_WAITING);
	ck_assert_str_eq(e->id, id);
	ck_assert_str_eq(e->state, "queued");
	spool_history_free(e, 1);

	/* dropped, as older versions did it: the journal says dropped, the
	 * history still says queued; the history list shows the journal's */
	ck_assert_int_eq(spool_drop(s, id, &err), SPOOL_EOK);
	ck_assert_int_eq(duplicate(s, fp, NULL), SPOOL_DUP_NONE);
	struct spool_history_entry *v;
	size_t n;
	ck_assert_int_eq(spool_history_list(s, &v, &n, &err), SPOOL_EOK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].state, "dropped");
	spool_history_free(v, n);
	free(id);

	/* failed (5xx): does not block */
	id = enqueue(s, "<d2@x>");
	history_line(s, fp, "<d2@x>", "queued");
	struct spool_claim *c = NULL;
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_mark_failed(c, "554 no", &err), SPOOL_EOK);
	history_line(s, fp, "<d2@x>", "failed");
	ck_assert_int_eq(duplicate(s, fp, NULL), SPOOL_DUP_NONE);
	free(id);

	/* unknown: blocks; the journal's word wins over a stale "queued" */
	id = enqueue(s, "<d3@x>");
	history_line(s, fp, "<d3@x>", "queued");
	ck_assert_int_eq(spool_claim(s, id, &c, &err), SPOOL_EOK);
	ck_assert_int_eq(spool_mark_unknown(c, NULL, &err), SPOOL_EOK);
	ck_assert_int_eq(duplicate(s, fp, "<d3@x>"), SPOOL_DUP_UNKNOWN);
	/* requeued by the user (outbox --resend): waiting again */
	ck_assert_int_eq(spool_resend_unknown(s, id, &err), SPOOL_EOK);
	ck_assert_int_eq(duplicate(s, fp, "<d3@x>"), SPOOL_DUP_WAITING);
	free(id);

	/* a queued message whose file is gone (deleted by hand) never leaves */
	id = enqueue(s, "<d4@x>");
	history_line(s, fp, "<d4@x>", "queued");
	char *path = xasprintf("%s/outbox/new/%s", root, id);
	ck_assert_int_eq(unlink(path), 0);
	free(path);
	ck_assert_int_eq(duplicate(s, fp, "<d3@x>"), SPOOL_DUP_WAITING);
	free(id);

	/* sent wins over everything, whichever message came last */
	history_line(s, fp, "<d0@x>", "sent");
	ck_assert_int_eq(duplicate(s, fp, "<d0@x>"), SPOOL_DUP_SENT);

	/* another ticket is not concerned */
	char other[65];
	spool_fingerprint_finish(spool_fingerprint_new("support@okx.com", "other"), other);
	ck_assert_int_eq(duplicate(s, other, NULL), SPOOL_DUP_NONE);
	spool_free(s);
}
END_TEST

static void fingerprint(const char *to, const char *subject, const char *const *kv, size_t nkv,
                        const char *attachment, char out[65])
{
	struct spool_fingerprint *f = spool_fingerprint_new(to, subject);
	for (size_t i = 0; i + 1 < nkv; i += 2)
		spool_fingerprint_field(f, kv[i], kv[i + 1]);
	if (attachment)
		spool_fingerprint_attachment(f, attachment, strlen(attachment));
	spool_fingerprint_finish(f, out);
}

START_TEST(test_fingerprint)
{
	const char *kv[] = {"uid", "12345678", "txid", "0xabc"};
	char a[65], b[65];
	fingerprint("support@okx.com", "USDT 提币 未到账", kv, 4, "PNG1", a);
	ck_assert_uint_eq(strlen(a), 64);

	/* Stable under blanks and ASCII case in the subject, case of the address. */
	fingerprint(" Support@OKX.com ", "  usdt\t提币\u3000 未到账\n", kv, 4, "PNG1", b);
	ck_assert_str_eq(a, b);

	/* Different attachment content, subject words, field value, field order. */
	fingerprint("support@okx.com", "USDT 提币 未到账", kv, 4, "PNG2", b);
	ck_assert_str_ne(a, b);
	fingerprint("support@okx.com", "USDT 提币未到账", kv, 4, "PNG1", b);
	ck_assert_str_ne(a, b);
	fingerprint("support@okx.com", "USDT 提币 未到账", kv, 2, "PNG1", b);
	ck_assert_str_ne(a, b);
	const char *swapped[] = {"txid", "0xabc", "uid", "12345678"};
	fingerprint("support@okx.com", "USDT 提币 未到账", swapped, 4, "PNG1", b);
	ck_assert_str_ne(a, b);

	/* Blanks at both ends of a value's lines (ASCII, U+00A0, U+3000) and
	 * empty lines around it do not count; inside a line and between lines
	 * they do. */
	const char *desc[] = {"description", "到账慢\nline 2 two", "uid", "12345678"};
	char x[65], y[65];
	fingerprint("support@okx.com", "s", desc, 4, NULL, x);
	static const char *const same[] = {"到账慢 \nline 2 two", " 到账慢\t\nline 2 two\u3000",
	                                   "\n \n到账慢\r\n line 2 two \n\n",
	                                   "\u00a0到账慢\nline 2 two\u00a0\u3000"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(same); i++) {
		desc[1] = same[i];
		fingerprint("support@okx.com", "s", desc, 4, NULL, y);
		ck_assert_msg(strcmp(x, y) == 0, "\"%s\" fingerprints differently", same[i]);
	}
	static const char *const other[] = {"到账慢\nline 2  two", "到账慢\n\nline 2 two",
	                                    "到账慢 line 2 two", "到账慢\nline 2 two."};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(other); i++) {
		desc[1] = other[i];
		fingerprint("support@okx.com", "s", desc, 4, NULL, y);
		ck_assert_msg(strcmp(x, y) != 0, "\"%s\" fingerprints the same", other[i]);
	}

	/* A value cannot forge another field's line. */
	const char *forged[] = {"uid", "12345678\ntxid=0xabc"};
	fingerprint("support@okx.com", "USDT 提币 未到账", forged, 2, "PNG1", b);
	ck_assert_str_ne(a, b);

	/* A digest taken elsewhere (the hashtap's) fingerprints like the same
	 * bytes in memory. */
	unsigned char digest[SHA256_DIGEST_LEN];
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, "PNG1", 4);
	sha256_final(&h, digest);
	struct spool_fingerprint *f = spool_fingerprint_new("support@okx.com", "USDT 提币 未到账");
	for (size_t i = 0; i < 4; i += 2)
		spool_fingerprint_field(f, kv[i], kv[i + 1]);
	spool_fingerprint_attachment_digest(f, digest);
	spool_fingerprint_finish(f, b);
	ck_assert_str_eq(a, b);

	/* The canonical text is what the header documents. */
	fingerprint("s@x", " A  b ", kv, 2, NULL, a);
	char c[65];
	/* sha256("to=s@x\nsubject=a b\nuid=12345678\n") */
	struct spool_fingerprint *g = spool_fingerprint_new("s@x", "a b");
	spool_fingerprint_field(g, "uid", "12345678");
	spool_fingerprint_finish(g, c);
	ck_assert_str_eq(a, c);
	ck_assert_str_eq(a, "6a18a2b441bb6a80912d9c118b230f7f582c033d55a3ad8d0ff21828b3010307");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_enqueue_layout);
	tcase_add_test(tc, test_abort_and_failed_commit_leave_nothing);
	tcase_add_test(tc, test_mark_sent);
	tcase_add_test(tc, test_retry_backoff_and_states);
	tcase_add_test(tc, test_bad_ids);
	tcase_add_test(tc, test_lock_contention);
	tcase_add_test(tc, test_crash_before_the_end_is_queued);
	tcase_add_test(tc, test_crash_at_the_end_is_unknown);
	tcase_add_test(tc, test_crash_after_sent_journaled);
	tcase_add_test(tc, test_torn_journal_line);
	tcase_add_test(tc, test_old_tmp_cleaned);
	tcase_add_test(tc, test_mail_reader_moved_to_cur);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_history_duplicate);
	tcase_add_test(tc, test_fingerprint);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
