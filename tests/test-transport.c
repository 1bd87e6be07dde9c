/* test-transport.c - the SMTP and sendmail transports against a real SMTP
 * server on 127.0.0.1 (tests/smtpd.py, aiosmtpd) that each test starts. */
#include "transport.h"
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define PYTHON  "/usr/bin/python3"
#define SMTPD   TOP_DIR "/tests/smtpd.py"
#define CERTGEN TOP_DIR "/tests/gen-certs.sh"

#define FROM   "ticket@example.org"
#define TO     "support@example.com"
#define USER   "alice"
#define SECRET "s3cret pass+word"

/* Lines starting with "." (and one that is only a dot) must survive
 * RFC 5321 4.5.2 dot-stuffing both ways. */
static const char small_message[] = "From: <" FROM ">\r\n"
                                    "To: <" TO ">\r\n"
                                    "Subject: transport test\r\n"
                                    "MIME-Version: 1.0\r\n"
                                    "\r\n"
                                    ".leading dot\r\n"
                                    "..two dots\r\n"
                                    ".\r\n"
                                    "last line\r\n";

static char work_dir[1024]; /* everything the tests write */
static char certs[PATH_MAX];
static char small_path[PATH_MAX];
static char big_path[PATH_MAX];

struct smtpd {
	pid_t pid;
	int port;
	char maildir[PATH_MAX];
	char url[128];
};

static struct smtpd srv;

struct smtpd_opts {
	const char *mode;  /* "--starttls", "--smtps", "--plain" */
	const char *cert;  /* "server", "selfsigned", "wrong" */
	bool auth;         /* offer AUTH for USER/SECRET */
	const char *mechs; /* NULL: all */
	const char *fault; /* NULL: none */
	const char *host;  /* in the URL; NULL: 127.0.0.1 */
};

static void smtpd_start(const struct smtpd_opts *o)
{
	char portfile[PATH_MAX + 8], cert[PATH_MAX + 32], key[PATH_MAX + 32];
	/* unique per test: with CK_FORK every test starts from the same state */
	snprintf(srv.maildir, sizeof srv.maildir, "%s/mailXXXXXX", work_dir);
	ck_assert_ptr_nonnull(mkdtemp(srv.maildir));
	snprintf(portfile, sizeof portfile, "%s/port", srv.maildir);
	snprintf(cert, sizeof cert, "%s/%s.pem", certs, o->cert ? o->cert : "server");
	snprintf(key, sizeof key, "%s/%s.key", certs, o->cert ? o->cert : "server");
	const char *argv[32];
	size_t n = 0;
	argv[n++] = PYTHON;
	argv[n++] = SMTPD;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--portfile";
	argv[n++] = portfile;
	argv[n++] = "--maildir";
	argv[n++] = srv.maildir;
	argv[n++] = "--lifetime";
	argv[n++] = "60";
	argv[n++] = o->mode;
	if (strcmp(o->mode, "--plain") != 0) {
		argv[n++] = "--tls-cert";
		argv[n++] = cert;
		argv[n++] = "--tls-key";
		argv[n++] = key;
	}
	if (o->auth) {
		argv[n++] = "--auth-user";
		argv[n++] = USER;
		argv[n++] = "--auth-pass";
		argv[n++] = SECRET;
	}
	if (o->mechs) {
		argv[n++] = "--auth-mechs";
		argv[n++] = o->mechs;
	}
	if (o->fault) {
		argv[n++] = "--fault";
		argv[n++] = o->fault;
	}
	argv[n] = NULL;

	pid_t parent = getpid();
	srv.pid = fork();
	ck_assert_int_ge(srv.pid, 0);
	if (srv.pid == 0) {
		/* never outlive the test */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		execv(PYTHON, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		char *data;
		size_t len;
		if (util_read_file(portfile, 64, &data, &len) == 0) {
			srv.port = (int)strtol(data, NULL, 10);
			free(data);
			break;
		}
		int status;
		ck_assert_msg(waitpid(srv.pid, &status, WNOHANG) == 0, "smtpd.py exited early");
		usleep(20 * 1000);
	}
	ck_assert_int_gt(srv.port, 0);
	snprintf(srv.url, sizeof srv.url, "%s://%s:%d",
	         strcmp(o->mode, "--smtps") == 0 ? "smtps" : "smtp",
	         o->host ? o->host : "127.0.0.1", srv.port);
}

static void smtpd_stop(void)
{
	if (srv.pid > 0) {
		kill(srv.pid, SIGTERM);
		int status;
		waitpid(srv.pid, &status, 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		              "smtpd.py did not stop cleanly");
	}
	memset(&srv, 0, sizeof srv);
}

static void teardown(void)
{
	if (srv.pid > 0) {
		kill(srv.pid, SIGTERM);
		waitpid(srv.pid, NULL, 0);
	}
	memset(&srv, 0, sizeof srv);
	unsetenv("TICKETMAIL_SMTP_TIMEOUT");
}

/* The maildir file NAME in sub (new/, envelope/), or the command log;
 * NULL when missing. Allocated. */
static char *smtpd_file(const char *sub, size_t *len_out)
{
	char path[PATH_MAX + 300];
	char *data = NULL;
	size_t len = 0;
	if (strcmp(sub, "commands.log") == 0) {
		snprintf(path, sizeof path, "%s/commands.log", srv.maildir);
		if (util_read_file(path, 1 << 20, &data, &len) != 0)
			return NULL;
	} else {
		snprintf(path, sizeof path, "%s/%s", srv.maildir, sub);
		DIR *d = opendir(path);
		if (!d)
			return NULL;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s/%s", srv.maildir, sub, e->d_name);
			ck_assert_int_eq(util_read_file(path, 64 << 20, &data, &len), 0);
			break;
		}
		closedir(d);
	}
	if (len_out)
		*len_out = len;
	return data;
}

static size_t count_new(void)
{
	char path[PATH_MAX + 8];
	snprintf(path, sizeof path, "%s/new", srv.maildir);
	DIR *d = opendir(path);
	size_t n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void config_init(struct transport_config *c, bool auth)
{
	memset(c, 0, sizeof *c);
	c->url = srv.url;
	c->ca_file = NULL;
	if (auth) {
		c->user = USER;
		c->secret = SECRET;
	}
	static char ca[PATH_MAX + 8];
	snprintf(ca, sizeof ca, "%s/ca.pem", certs);
	c->ca_file = ca;
}

static enum transport_status send_file(const struct transport_config *c, const char *path,
                                       struct transport_result *res)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	enum transport_status st = transport_send(c, FROM, TO, fd, res);
	close(fd);
	return st;
}

/* The delivered message equals the file byte for byte, with its envelope. */
static void assert_delivered(const char *path)
{
	char *want, *got, *env;
	size_t wlen, glen;
	ck_assert_int_eq(util_read_file(path, 64 << 20, &want, &wlen), 0);
	got = smtpd_file("new", &glen);
	ck_assert_msg(got != NULL, "no message delivered");
	ck_assert_uint_eq(glen, wlen);
	ck_assert_msg(memcmp(got, want, wlen) == 0, "delivered bytes differ");
	env = smtpd_file("envelope", NULL);
	ck_assert_ptr_nonnull(env);
	ck_assert_ptr_nonnull(strstr(env, "\"mail_from\": \"" FROM "\""));
	ck_assert_ptr_nonnull(strstr(env, "\"" TO "\""));
	free(want);
	free(got);
	free(env);
}

/* No AUTH (nor MAIL, when mail is false) went over an unencrypted link. */
static void assert_no_plain_auth(void)
{
	char *log = smtpd_file("commands.log", NULL);
	if (!log) /* no command at all */
		return;
	ck_assert_ptr_null(strstr(log, " plain AUTH"));
	ck_assert_ptr_null(strstr(log, " plain MAIL"));
	free(log);
}

static void assert_log_lacks(const char *what)
{
	char *log = smtpd_file("commands.log", NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, what) == NULL, "%s found in the command log:\n%s", what, log);
	free(log);
}

static void assert_log_has(const char *what)
{
	char *log = smtpd_file("commands.log", NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, what) != NULL, "%s missing from the command log:\n%s", what, log);
	free(log);
}

/* ---- delivery ---------------------------------------------------------- */

START_TEST(test_smtps_auth_plain)
{
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps", .auth = true, .mechs = "PLAIN"});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_OK);
	ck_assert_int_eq(r.reply_code, 250);
	ck_assert_ptr_null(r.message);
	assert_delivered(small_path);
	assert_log_has("1 tls AUTH PLAIN");
	char *env = smtpd_file("envelope", NULL);
	ck_assert_ptr_nonnull(strstr(env, "\"auth_login\": \"" USER "\""));
	ck_assert_ptr_nonnull(strstr(env, "\"tls\": true"));
	free(env);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_starttls_auth_login)
{
	smtpd_start(&(struct smtpd_opts){
	    .mode = "--starttls", .auth = true, .mechs = "LOGIN", .host = "localhost"});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_OK);
	assert_delivered(small_path);
	assert_log_has("1 plain STARTTLS");
	assert_log_has("1 tls AUTH LOGIN");
	assert_no_plain_auth();
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_starttls_xoauth2)
{
	smtpd_start(&(struct smtpd_opts){.mode = "--starttls", .auth = true, .mechs = "XOAUTH2"});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	c.oauth2 = true;
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_OK);
	assert_delivered(small_path);
	assert_log_has("1 tls AUTH XOAUTH2");
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

/* The before_dot hook: called once, with the whole message handed over;
 * one that fails stops the send before the final dot, so the server keeps
 * nothing and the failure is temporary. */
static int hook_calls;
static int hook_result;

static size_t hook_saw_new;

/* Waits a little before looking: had the final dot gone out already, the
 * server would have filed the message by then (so a hook called after the
 * dot fails the test, barring a very slow machine; one called before it
 * never does). */
static int count_hook(void *ctx)
{
	(void)ctx;
	hook_calls++;
	usleep(300 * 1000);
	hook_saw_new += count_new();
	return hook_result;
}

START_TEST(test_before_dot_hook)
{
	const char *paths[] = {small_path, big_path};
	for (size_t i = 0; i < 2; i++) {
		smtpd_start(&(struct smtpd_opts){.mode = "--smtps", .auth = true});
		struct transport_config c;
		struct transport_result r;
		config_init(&c, true);
		c.before_dot = count_hook;
		hook_calls = 0;
		hook_result = 0;
		hook_saw_new = 0;
		transport_result_init(&r);
		ck_assert_int_eq(send_file(&c, paths[i], &r), TRANSPORT_OK);
		ck_assert_int_eq(hook_calls, 1);
		ck_assert_msg(hook_saw_new == 0, "the hook ran after the final dot");
		assert_delivered(paths[i]);
		transport_result_finish(&r);
		smtpd_stop();

		smtpd_start(&(struct smtpd_opts){.mode = "--smtps", .auth = true});
		config_init(&c, true);
		c.before_dot = count_hook;
		hook_calls = 0;
		hook_result = -1;
		transport_result_init(&r);
		ck_assert_int_eq(send_file(&c, paths[i], &r), TRANSPORT_ELOST_BEFORE_DOT);
		ck_assert(r.temporary);
		ck_assert_int_eq(hook_calls, 1);
		ck_assert_ptr_nonnull(strstr(r.message, "journal"));
		ck_assert_uint_eq(count_new(), 0);
		transport_result_finish(&r);
		smtpd_stop();
	}
}
END_TEST

START_TEST(test_big_message)
{
	/* several 64 KiB chunks, byte-exact */
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps", .auth = true});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	c.progress = true; /* stderr is no tty here: must stay quiet and work */
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, big_path, &r), TRANSPORT_OK);
	assert_delivered(big_path);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_plain_loopback)
{
	smtpd_start(&(struct smtpd_opts){.mode = "--plain"});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, false);
	transport_result_init(&r);

	/* without the permission, smtp:// needs STARTTLS */
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ETLS);
	ck_assert(!r.temporary);
	ck_assert_ptr_nonnull(strstr(r.message, "STARTTLS"));
	ck_assert_uint_eq(count_new(), 0);

	c.allow_plain_loopback = true;
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_OK);
	assert_delivered(small_path);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_plain_loopback_starttls)
{
	/* Plain SMTP allowed on loopback does not turn TLS down: a server that
	 * offers STARTTLS, and AUTH only inside it, gets both. */
	smtpd_start(&(struct smtpd_opts){.mode = "--starttls", .auth = true});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	c.allow_plain_loopback = true;
	transport_result_init(&r);
	ck_assert_msg(send_file(&c, small_path, &r) == TRANSPORT_OK, "%s",
	              r.message ? r.message : "");
	assert_delivered(small_path);
	assert_log_has("1 plain STARTTLS");
	assert_log_has("1 tls AUTH");
	assert_no_plain_auth();
	char *env = smtpd_file("envelope", NULL);
	ck_assert_ptr_nonnull(strstr(env, "\"tls\": true"));
	free(env);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_plain_loopback_bad_certificate)
{
	/* ... and TLS, once offered, is checked as always: no quiet fallback
	 * to plain text when the certificate is wrong. */
	smtpd_start(&(struct smtpd_opts){.mode = "--starttls", .cert = "selfsigned", .auth = true});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	c.allow_plain_loopback = true;
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ETLS);
	ck_assert_uint_eq(count_new(), 0);
	assert_log_lacks("AUTH");
	assert_log_lacks("MAIL");
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

/* ---- refusals and losses ----------------------------------------------- */

struct fault_case {
	const char *fault;
	enum transport_status status;
	bool temporary;
	int code;
	const char *reply; /* substring of the masked reply, or NULL */
	bool big;          /* send the big message */
	size_t delivered;  /* messages in new/ afterwards */
	int exitcode;      /* transport_exitcode() */
};

/* A refusal for good is EX_UNAVAILABLE, as ticketmail(1) promises; never
 * EX_DATAERR, which says the ticket is invalid. */
static const struct fault_case fault_cases[] = {
    {"greet-421", TRANSPORT_ECONNECT, true, 421, "Service not available", false, 0, EX_TEMPFAIL},
    {"mail-451", TRANSPORT_ESENDER, true, 451, "4.3.0 Sender check", false, 0, EX_TEMPFAIL},
    {"mail-550", TRANSPORT_ESENDER, false, 550, "5.7.1 Sender address rejected", false, 0,
     EX_UNAVAILABLE},
    {"rcpt-451", TRANSPORT_ERECIPIENT, true, 451, "mailbox busy", false, 0, EX_TEMPFAIL},
    {"rcpt-550", TRANSPORT_ERECIPIENT, false, 550, "5.1.1 No such user here", false, 0,
     EX_UNAVAILABLE},
    {"data-cmd-554", TRANSPORT_EMESSAGE, false, 554, "Message too big", false, 0, EX_UNAVAILABLE},
    {"data-451", TRANSPORT_EMESSAGE, true, 451, "Queue write failed", false, 0, EX_TEMPFAIL},
    {"data-554", TRANSPORT_EMESSAGE, false, 554, "5.6.0 Message content rejected", false, 0,
     EX_UNAVAILABLE},
    {"drop-during-data", TRANSPORT_ELOST_BEFORE_DOT, true, 0, NULL, true, 0, EX_TEMPFAIL},
    {"drop-after-dot", TRANSPORT_EUNKNOWN, false, 0, NULL, false, 1, EX_UNAVAILABLE},
    {"auth-fail", TRANSPORT_EAUTH, false, 535, "5.7.8", false, 0, EX_NOPERM},
    {"no-starttls", TRANSPORT_ETLS, false, 0, NULL, false, 0, EX_PROTOCOL},
};

START_TEST(test_fault)
{
	const struct fault_case *f = &fault_cases[_i];
	smtpd_start(&(struct smtpd_opts){.mode = "--starttls", .auth = true, .fault = f->fault});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	enum transport_status st = send_file(&c, f->big ? big_path : small_path, &r);
	ck_assert_msg(st == f->status, "%s: got %s (%s), want %s", f->fault,
	              transport_status_name(st), r.message ? r.message : "",
	              transport_status_name(f->status));
	ck_assert_int_eq(r.status, f->status);
	ck_assert_msg(r.temporary == f->temporary, "%s: temporary", f->fault);
	ck_assert_msg(transport_exitcode(&r) == f->exitcode, "%s: exit status %d, want %d",
	              f->fault, transport_exitcode(&r), f->exitcode);
	ck_assert_ptr_nonnull(r.message);
	if (f->code) {
		ck_assert_int_eq(r.reply_code, f->code);
		ck_assert_ptr_nonnull(r.reply);
		ck_assert_msg(strstr(r.reply, f->reply) != NULL, "reply \"%s\"", r.reply);
		/* the message shows the server's reply */
		ck_assert_ptr_nonnull(strstr(r.message, f->reply));
	} else {
		ck_assert_int_eq(r.reply_code, 0);
		ck_assert_ptr_null(r.reply);
	}
	ck_assert_uint_eq(count_new(), f->delivered);
	ck_assert_ptr_null(strstr(r.message, SECRET));
	if (strcmp(f->fault, "no-starttls") == 0) {
		/* refused before AUTH, and before MAIL FROM */
		assert_log_lacks("AUTH");
		assert_log_lacks("MAIL");
	}
	assert_no_plain_auth();
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_no_auth_offered)
{
	/* credentials configured, encrypted server offering no AUTH: libcurl
	 * would send without logging in; transport must stop before MAIL */
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps"});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_EAUTH);
	ck_assert(!r.temporary);
	ck_assert_ptr_nonnull(strstr(r.message, "AUTH"));
	assert_log_lacks("MAIL");
	ck_assert_uint_eq(count_new(), 0);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_no_auth_offered_starttls)
{
	smtpd_start(&(struct smtpd_opts){.mode = "--starttls"});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_EAUTH);
	assert_log_has("1 tls EHLO");
	assert_log_lacks("MAIL");
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_login_required)
{
	/* no credentials configured, server requires a login */
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps", .auth = true});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, false);
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_EAUTH);
	ck_assert_int_eq(r.reply_code, 530);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

static const struct {
	const char *mode;
	const char *cert;
} bad_certs[] = {
    {"--smtps", "selfsigned"},
    {"--starttls", "selfsigned"},
    {"--smtps", "wrong"},
    {"--starttls", "wrong"},
};

START_TEST(test_bad_certificate)
{
	smtpd_start(&(struct smtpd_opts){
	    .mode = bad_certs[_i].mode, .cert = bad_certs[_i].cert, .auth = true});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ETLS);
	ck_assert(!r.temporary);
	ck_assert_ptr_nonnull(r.message);
	ck_assert_uint_eq(count_new(), 0);
	char *log = smtpd_file("commands.log", NULL);
	if (log) /* STARTTLS: only EHLO and STARTTLS went out */
		ck_assert_ptr_null(strstr(log, "AUTH"));
	free(log);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_stall)
{
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps", .auth = true, .fault = "stall"});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	setenv("TICKETMAIL_SMTP_TIMEOUT", "2", 1);
	time_t t0 = time(NULL);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ECONNECT);
	ck_assert_int_le(time(NULL) - t0, 6);
	ck_assert(r.temporary);

	setenv("TICKETMAIL_SMTP_TIMEOUT", "2x", 1);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ECONFIG);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_connect_refused)
{
	/* a port nobody listens on: start and stop a server to find one */
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps"});
	char url[128];
	snprintf(url, sizeof url, "%s", srv.url);
	smtpd_stop();
	struct transport_config c;
	struct transport_result r;
	config_init(&c, false);
	c.url = url;
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ECONNECT);
	ck_assert(r.temporary);
	ck_assert_int_eq(transport_exitcode(&r), EX_TEMPFAIL);
	transport_result_finish(&r);
}
END_TEST

/* ---- refused before connecting ----------------------------------------- */

START_TEST(test_bad_envelope)
{
	static const char *const bad[] = {
	    "a@example.org\r\nRCPT TO:<evil@example.net>",
	    "a@example.org\nX",
	    "a@example.org\r",
	    "a b@example.org",
	    "<a@example.org>",
	    "a@example.org>",
	    "a\t@example.org",
	    "a@example.org\x7f",
	    "noat",
	    "@example.org",
	    "a@",
	    "",
	    "a@exa\xe2\x80\xaemple.org", /* RLO */
	    "a@\xff.org",
	};
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps"});
	struct transport_config c;
	struct transport_result r;
	config_init(&c, false);
	transport_result_init(&r);
	int fd = open(small_path, O_RDONLY);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(bad); i++) {
		ck_assert_int_eq(transport_send(&c, bad[i], TO, fd, &r), TRANSPORT_ECONFIG);
		ck_assert_ptr_null(strchr(r.message, '\r'));
		ck_assert_ptr_null(strchr(r.message, '\n'));
		ck_assert_int_eq(transport_send(&c, FROM, bad[i], fd, &r), TRANSPORT_ECONFIG);
		ck_assert(!r.temporary);
	}
	close(fd);
	/* nothing connected at all */
	char *log = smtpd_file("commands.log", NULL);
	ck_assert_ptr_null(log);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_bad_config)
{
	struct transport_config c;
	struct transport_result r;
	transport_result_init(&r);
	config_init(&c, false);
	c.url = "http://127.0.0.1:1/";
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ECONFIG);
	c.url = "smtps://alice:pw@127.0.0.1:1/";
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ECONFIG);
	ck_assert_ptr_null(strstr(r.message, "pw"));
	c.url = "smtps://127.0.0.1:1";
	c.user = USER; /* without a secret */
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ECONFIG);
	c.user = NULL;
	c.ca_file = "/nonexistent/ca.pem";
	ck_assert_int_eq(send_file(&c, small_path, &r), TRANSPORT_ECONFIG);
	ck_assert_int_eq(transport_exitcode(&r), EX_CONFIG);
	transport_result_finish(&r);
}
END_TEST

START_TEST(test_bare_lf)
{
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps", .auth = true});
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/bare-lf.eml", work_dir);
	FILE *f = fopen(path, "wb");
	fputs("Subject: x\r\n\r\nline\n.\r\nsmuggled\r\n", f);
	fclose(f);
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	ck_assert_int_eq(send_file(&c, path, &r), TRANSPORT_EINPUT);
	ck_assert_uint_eq(count_new(), 0);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

/* The line-end check across the read callback's chunks (64 KiB): a bare
 * CR or LF anywhere, also on either side of a chunk boundary, stops the
 * send; a CRLF split by a boundary does not. */
static char *crlf_message(size_t size, size_t *len_out)
{
	char *m = malloc(size + 80);
	size_t n = (size_t)sprintf(m, "Subject: x\r\n\r\n");
	while (n < size) {
		memset(m + n, 'A', 76);
		memcpy(m + n + 76, "\r\n", 2);
		n += 78;
	}
	*len_out = n;
	return m;
}

static enum transport_status crlf_send(const char *m, size_t len, struct transport_result *r)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/crlf.eml", work_dir);
	FILE *f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(m, 1, len, f), len);
	fclose(f);
	struct transport_config c;
	config_init(&c, true);
	return send_file(&c, path, r);
}

START_TEST(test_bare_cr_lf_at_chunk_edges)
{
	smtpd_start(&(struct smtpd_opts){.mode = "--smtps", .auth = true});
	const size_t chunk = 64 * 1024;
	const size_t at[] = {20, chunk - 1, chunk, chunk + 1, 2 * chunk};
	struct transport_result r;
	transport_result_init(&r);
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		for (int cr = 0; cr < 2; cr++) {
			size_t len;
			char *m = crlf_message(3 * chunk, &len);
			ck_assert(m[at[i] - 1] == 'A' && m[at[i]] == 'A' && m[at[i] + 1] == 'A');
			m[at[i]] = cr ? '\r' : '\n';
			ck_assert_msg(crlf_send(m, len, &r) == TRANSPORT_EINPUT, "bare %s at %zu",
			              cr ? "CR" : "LF", at[i]);
			free(m);
		}
	}
	/* A lone CR as the very last byte. */
	size_t len;
	char *m = crlf_message(chunk, &len);
	m[len - 1] = 'A';
	ck_assert_int_eq(crlf_send(m, len - 1, &r), TRANSPORT_EINPUT);
	ck_assert_uint_eq(count_new(), 0);
	/* CRLF with the CR last in one chunk and the LF first in the next. */
	size_t n = 14;
	while (n + 78 < chunk - 1)
		n += 78;
	memset(m + n, 'B', chunk - 1 - n);
	memcpy(m + chunk - 1, "\r\n", 2);
	memset(m + chunk + 1, 'C', 40);
	memcpy(m + chunk + 41, "\r\n", 2);
	ck_assert_int_eq(crlf_send(m, chunk + 43, &r), TRANSPORT_OK);
	ck_assert_uint_eq(count_new(), 1);
	free(m);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

START_TEST(test_debug_masks_secret)
{
	smtpd_start(&(struct smtpd_opts){.mode = "--starttls", .auth = true, .mechs = "PLAIN"});
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/debug.log", work_dir);
	int log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int saved = dup(STDERR_FILENO);
	struct transport_config c;
	struct transport_result r;
	config_init(&c, true);
	transport_result_init(&r);
	setenv("TICKETMAIL_SMTP_DEBUG", "1", 1);
	dup2(log, STDERR_FILENO);
	enum transport_status st = send_file(&c, small_path, &r);
	dup2(saved, STDERR_FILENO);
	unsetenv("TICKETMAIL_SMTP_DEBUG");
	close(saved);
	close(log);
	ck_assert_int_eq(st, TRANSPORT_OK);
	char *text;
	size_t len;
	ck_assert_int_eq(util_read_file(path, 1 << 20, &text, &len), 0);
	ck_assert_ptr_nonnull(strstr(text, "smtp> AUTH ***"));
	ck_assert_ptr_nonnull(strstr(text, "smtp> MAIL FROM:<" FROM ">"));
	ck_assert_ptr_null(strstr(text, SECRET));
	/* base64("\0alice\0s3cret pass+word") starts with AGFsaWNlAHMzY3JldCBw */
	ck_assert_ptr_null(strstr(text, "AGFsaWNlAHMzY3Jl"));
	free(text);
	transport_result_finish(&r);
	smtpd_stop();
}
END_TEST

/* ---- sendmail ---------------------------------------------------------- */

static char sendmail_dir[PATH_MAX];

static void sendmail_setup(void)
{
	snprintf(sendmail_dir, sizeof sendmail_dir, "%s/sendmailXXXXXX", work_dir);
	ck_assert_ptr_nonnull(mkdtemp(sendmail_dir));
	setenv("FAKE_SENDMAIL_DIR", sendmail_dir, 1);
	unsetenv("FAKE_SENDMAIL_EXIT");
}

static char *sendmail_file(const char *name)
{
	char path[PATH_MAX + 16];
	char *data;
	size_t len;
	snprintf(path, sizeof path, "%s/%s", sendmail_dir, name);
	ck_assert_int_eq(util_read_file(path, 1 << 20, &data, &len), 0);
	return data;
}

/* A descriptor on the big test message, closed at exit. */
static int big_fd_for_test(void)
{
	static int fd = -1;
	if (fd < 0)
		fd = open(big_path, O_RDONLY | O_CLOEXEC);
	return fd;
}

START_TEST(test_sendmail)
{
	sendmail_setup();
	struct transport_result r;
	transport_result_init(&r);
	int fd = open(small_path, O_RDONLY);
	ck_assert_int_eq(transport_sendmail(TEST_DATA "/fake-sendmail.sh  -oi", FROM, TO, fd, &r),
	                 TRANSPORT_OK);
	char *argv = sendmail_file("argv");
	ck_assert_str_eq(argv, "-oi\n-i\n-f\n" FROM "\n--\n" TO "\n");
	free(argv);
	/* CRLF became LF, dots untouched */
	char *in = sendmail_file("stdin");
	ck_assert_str_eq(in, "From: <" FROM ">\n"
	                     "To: <" TO ">\n"
	                     "Subject: transport test\n"
	                     "MIME-Version: 1.0\n"
	                     "\n"
	                     ".leading dot\n"
	                     "..two dots\n"
	                     ".\n"
	                     "last line\n");
	free(in);

	/* the big one, streamed across chunk boundaries */
	int big = open(big_path, O_RDONLY);
	ck_assert_int_eq(transport_sendmail(TEST_DATA "/fake-sendmail.sh", FROM, TO, big, &r),
	                 TRANSPORT_OK);
	close(big);
	char *want, *got;
	size_t wlen, glen;
	ck_assert_int_eq(util_read_file(big_path, 64 << 20, &want, &wlen), 0);
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/stdin", sendmail_dir);
	ck_assert_int_eq(util_read_file(path, 64 << 20, &got, &glen), 0);
	size_t o = 0;
	for (size_t i = 0; i < wlen; i++)
		if (!(want[i] == '\r' && i + 1 < wlen && want[i + 1] == '\n'))
			want[o++] = want[i];
	ck_assert_uint_eq(glen, o);
	ck_assert(memcmp(want, got, o) == 0);
	free(want);
	free(got);

	setenv("FAKE_SENDMAIL_EXIT", "75", 1);
	ck_assert_int_eq(transport_sendmail(TEST_DATA "/fake-sendmail.sh", FROM, TO, fd, &r),
	                 TRANSPORT_EMESSAGE);
	ck_assert(r.temporary);
	ck_assert_int_eq(r.reply_code, 75);
	ck_assert_int_eq(transport_exitcode(&r), EX_TEMPFAIL);

	/* Anything but EX_TEMPFAIL is a failure for good (EX_UNAVAILABLE),
	 * whatever the command's own status says, and the message gives it. */
	static const char *const permanent[] = {"1", "67", "69", "78"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(permanent); i++) {
		setenv("FAKE_SENDMAIL_EXIT", permanent[i], 1);
		ck_assert_int_eq(
		    transport_sendmail(TEST_DATA "/fake-sendmail.sh", FROM, TO, fd, &r),
		    TRANSPORT_EMESSAGE);
		ck_assert(!r.temporary);
		ck_assert_int_eq(r.reply_code, atoi(permanent[i]));
		ck_assert_int_eq(transport_exitcode(&r), EX_UNAVAILABLE);
		char said[64];
		snprintf(said, sizeof said, "exit status %s", permanent[i]);
		ck_assert_msg(strstr(r.message, said) != NULL, "\"%s\" lacks \"%s\"", r.message,
		              said);
	}
	unsetenv("FAKE_SENDMAIL_EXIT");

	/* 127 and 126: the wrapper could not run the real program */
	setenv("FAKE_SENDMAIL_EXIT", "127", 1);
	ck_assert_int_eq(transport_sendmail(TEST_DATA "/fake-sendmail.sh", FROM, TO, fd, &r),
	                 TRANSPORT_ECONFIG);
	ck_assert_int_eq(transport_exitcode(&r), EX_CONFIG);
	unsetenv("FAKE_SENDMAIL_EXIT");

	/* exits 0 without reading the message: it may have sent part of it */
	ck_assert_int_eq(transport_sendmail("/bin/true", FROM, TO, big_fd_for_test(), &r),
	                 TRANSPORT_EUNKNOWN);
	ck_assert(!r.temporary);

	ck_assert_int_eq(transport_sendmail(TEST_DATA "/fake-sendmail.sh -t", FROM, TO, fd, &r),
	                 TRANSPORT_ECONFIG);
	ck_assert_int_eq(transport_sendmail("/nonexistent/sendmail", FROM, TO, fd, &r),
	                 TRANSPORT_ECONFIG);
	ck_assert_int_eq(transport_sendmail("   ", FROM, TO, fd, &r), TRANSPORT_ECONFIG);
	/* an option smuggled in as the recipient */
	ck_assert_int_eq(transport_sendmail(TEST_DATA "/fake-sendmail.sh", FROM, "-bv", fd, &r),
	                 TRANSPORT_ECONFIG);
	ck_assert_int_eq(transport_sendmail(TEST_DATA "/fake-sendmail.sh", FROM, "a@b\nc", fd, &r),
	                 TRANSPORT_ECONFIG);
	close(fd);
	transport_result_finish(&r);
}
END_TEST

/* ---- set-up ------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(EXIT_FAILURE);
	}
}

/* About 6 MiB of base64-like lines with dotted lines in between. */
static void make_big_message(void)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "Subject: big\r\nMIME-Version: 1.0\r\n\r\n");
	unsigned x = 12345;
	for (int line = 0; line < 80000; line++) {
		if (line % 1000 == 0)
			strbuf_adds(&sb, ".\r\n..dot\r\n");
		for (int i = 0; i < 76; i++) {
			x = x * 1103515245u + 12345u;
			strbuf_addc(
			    &sb, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
			             [(x >> 16) & 63]);
		}
		strbuf_adds(&sb, "\r\n");
	}
	write_file(big_path, sb.buf, sb.len);
	strbuf_finish(&sb);
}

static Suite *transport_suite(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("smtp");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_smtps_auth_plain);
	tcase_add_test(tc, test_starttls_auth_login);
	tcase_add_test(tc, test_starttls_xoauth2);
	tcase_add_test(tc, test_big_message);
	tcase_add_test(tc, test_before_dot_hook);
	tcase_add_test(tc, test_plain_loopback);
	tcase_add_test(tc, test_plain_loopback_starttls);
	tcase_add_test(tc, test_plain_loopback_bad_certificate);
	tcase_add_loop_test(tc, test_fault, 0, UTIL_ARRAY_LEN(fault_cases));
	tcase_add_test(tc, test_no_auth_offered);
	tcase_add_test(tc, test_no_auth_offered_starttls);
	tcase_add_test(tc, test_login_required);
	tcase_add_loop_test(tc, test_bad_certificate, 0, UTIL_ARRAY_LEN(bad_certs));
	tcase_add_test(tc, test_stall);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_bad_envelope);
	tcase_add_test(tc, test_bad_config);
	tcase_add_test(tc, test_bare_lf);
	tcase_add_test(tc, test_bare_cr_lf_at_chunk_edges);
	tcase_add_test(tc, test_debug_masks_secret);
	suite_add_tcase(s, tc);

	TCase *tsm = tcase_create("sendmail");
	tcase_add_test(tsm, test_sendmail);
	suite_add_tcase(s, tsm);
	return s;
}

int main(void)
{
	if (access(PYTHON, X_OK) != 0) {
		fprintf(stderr, "test-transport: %s missing\n", PYTHON);
		return 77;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(work_dir, sizeof work_dir, "%s/test-transport-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work_dir)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	snprintf(certs, sizeof certs, "%s/certs", work_dir);
	snprintf(small_path, sizeof small_path, "%s/small.eml", work_dir);
	snprintf(big_path, sizeof big_path, "%s/big.eml", work_dir);
	char cmd[2 * PATH_MAX];
	snprintf(cmd, sizeof cmd, "sh '%s' '%s'", CERTGEN, certs);
	if (system(cmd) != 0) {
		fprintf(stderr, "test-transport: %s failed\n", CERTGEN);
		return EXIT_FAILURE;
	}
	write_file(small_path, small_message, sizeof small_message - 1);
	make_big_message();

	SRunner *sr = srunner_create(transport_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(work_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
