/* test-account.c - config.ini parsing, validation, presets and secrets. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* posix_openpt() */
#endif
#include "account.h"

#include "diag.h"
#include "util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

static char tmpdir[64];
static struct diags d;

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test-account-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	diags_init(&d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	diags_finish(&d);
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to <tmp>/<name> with mode; returns the path (allocated). */
static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/* All diagnostics as one text, for matching. */
static char *diag_text(void)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < d.n; i++)
		strbuf_addf(&sb, "%s: %s\n", d.v[i].where ? d.v[i].where : "-", d.v[i].message);
	return strbuf_take(&sb);
}

static void assert_diag(const char *needle)
{
	char *text = diag_text();
	ck_assert_msg(strstr(text, needle), "'%s' not in diagnostics:\n%s", needle, text);
	free(text);
}

static void assert_no_diag(const char *needle)
{
	char *text = diag_text();
	ck_assert_msg(!strstr(text, needle), "'%s' must not be in diagnostics:\n%s", needle, text);
	free(text);
}

static struct account *load_ok(const char *text, mode_t mode)
{
	char *path = write_file("config.ini", text, mode);
	struct account *a = NULL;
	int rc = account_load(path, &a, &d);
	char *t = diag_text();
	ck_assert_msg(rc == 0, "load failed (%d):\n%s", rc, t);
	free(t);
	ck_assert_str_eq(account_path(a), path);
	free(path);
	return a;
}

static void load_bad(const char *text, mode_t mode)
{
	char *path = write_file("config.ini", text, mode);
	struct account *a = NULL;
	ck_assert_int_eq(account_load(path, &a, &d), -2);
	ck_assert_ptr_null(a);
	ck_assert_uint_gt(diags_count(&d, DIAG_ERROR), 0);
	ck_assert_int_eq(account_exitcode(-2, true), EX_CONFIG);
	free(path);
}

START_TEST(test_preset_from_alone)
{
	struct account *a = load_ok("[account]\nfrom = me@qq.com\n", 0600);
	ck_assert_str_eq(account_from(a), "me@qq.com");
	ck_assert_str_eq(account_smtp_url(a), "smtps://smtp.qq.com:465");
	ck_assert_str_eq(account_user(a), "me@qq.com");
	ck_assert_str_eq(account_preset_id(a), "qq");
	ck_assert_ptr_nonnull(strstr(account_preset_hint(a, "zh_CN"), "授权码"));
	ck_assert_ptr_nonnull(strstr(account_preset_hint(a, "en"), "authorization code"));
	ck_assert_int_eq(account_preset_auth(a), ACCOUNT_AUTH_PASSWORD);
	ck_assert_int_eq(account_secret_source(a), ACCOUNT_SECRET_PROMPT);
	ck_assert_int_eq(account_transport(a), ACCOUNT_TRANSPORT_SMTP);
	ck_assert_ptr_null(account_sendmail_command(a));
	ck_assert(!account_oauth2(a));
	ck_assert(!account_allow_plain_loopback(a));
	ck_assert_ptr_null(account_name(a));
	ck_assert_ptr_null(account_ca_file(a));
	ck_assert_uint_eq(d.n, 0);
	account_free(a);
}
END_TEST

START_TEST(test_presets_by_domain)
{
	static const struct {
		const char *from, *url, *id;
		enum account_auth auth;
	} cases[] = {
	    {"Me@Foxmail.COM", "smtps://smtp.qq.com:465", "qq", ACCOUNT_AUTH_PASSWORD},
	    {"me@163.com", "smtps://smtp.163.com:465", "163", ACCOUNT_AUTH_PASSWORD},
	    {"me@126.com", "smtps://smtp.126.com:465", "126", ACCOUNT_AUTH_PASSWORD},
	    {"me@yeah.net", "smtps://smtp.yeah.net:465", "yeah", ACCOUNT_AUTH_PASSWORD},
	    {"me@googlemail.com", "smtps://smtp.gmail.com:465", "gmail", ACCOUNT_AUTH_EITHER},
	    {"me@hotmail.com", "smtp://smtp-mail.outlook.com:587", "outlook", ACCOUNT_AUTH_OAUTH2},
	    {"me@yahoo.com", "smtps://smtp.mail.yahoo.com:465", "yahoo", ACCOUNT_AUTH_PASSWORD},
	    {"me@mac.com", "smtp://smtp.mail.me.com:587", "icloud", ACCOUNT_AUTH_PASSWORD},
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		char *text = xasprintf("[account]\nfrom = %s\noauth2_token_command = printf tok\n",
		                       cases[i].from);
		struct account *a = load_ok(text, 0600);
		ck_assert_str_eq(account_smtp_url(a), cases[i].url);
		ck_assert_str_eq(account_preset_id(a), cases[i].id);
		ck_assert_int_eq(account_preset_auth(a), cases[i].auth);
		ck_assert(account_oauth2(a));
		ck_assert_ptr_nonnull(account_preset_hint(a, "en"));
		account_free(a);
		free(text);
	}
	/* The password presets warn about an OAuth2 token, OAuth2-only ones
	 * about a password. */
	assert_diag("takes a password, not OAuth2");
	diags_finish(&d);
	struct account *a = load_ok("[account]\nfrom = me@outlook.com\n"
	                            "password_command = printf pw\n",
	                            0600);
	assert_diag("OAuth2 only");
	account_free(a);
}
END_TEST

START_TEST(test_explicit_settings_override_preset)
{
	struct account *a = load_ok("[account]\n"
	                            "from = me@qq.com\n"
	                            "name = 张三\n"
	                            "smtp = smtp://127.0.0.1:2525\n"
	                            "user = login-name\n"
	                            "ca_file = /etc/passwd\n"
	                            "password_command = printf pw\n"
	                            "allow_plain_loopback = yes\n",
	                            0600);
	ck_assert_str_eq(account_smtp_url(a), "smtp://127.0.0.1:2525");
	ck_assert_str_eq(account_user(a), "login-name");
	ck_assert_str_eq(account_name(a), "张三");
	ck_assert_str_eq(account_ca_file(a), "/etc/passwd");
	ck_assert(account_allow_plain_loopback(a));
	/* Another server than the preset's: its hint does not apply. */
	ck_assert_ptr_null(account_preset_hint(a, "en"));
	ck_assert_ptr_null(account_preset_id(a));
	account_free(a);

	/* Plain SMTP is allowed only to loopback. */
	a = load_ok("[account]\nfrom = me@example.org\nsmtp = smtp://mail.example.org:587\n"
	            "password_command = printf pw\nallow_plain_loopback = yes\n",
	            0600);
	ck_assert(!account_allow_plain_loopback(a));
	assert_diag("[account].allow_plain_loopback: ignored");
	ck_assert_ptr_null(account_preset_hint(a, "zh_CN"));
	account_free(a);
}
END_TEST

START_TEST(test_login_no)
{
	/* A sink or relay on loopback: no AUTH, no secret asked or run. */
	struct account *a = load_ok("[account]\nfrom = me@example.org\n"
	                            "smtp = smtp://127.0.0.1:2525\nallow_plain_loopback = yes\n"
	                            "login = no\n",
	                            0600);
	ck_assert(!account_login(a));
	char *err = NULL;
	const char *secret = account_secret(a, &err);
	ck_assert_ptr_null(err);
	ck_assert_ptr_nonnull(secret);
	ck_assert_str_eq(secret, "");
	assert_no_diag("login");
	account_free(a);

	/* The default logs in. */
	a = load_ok("[account]\nfrom = me@example.org\nsmtp = smtp://127.0.0.1:2525\n"
	            "allow_plain_loopback = yes\npassword_command = printf pw\n",
	            0600);
	ck_assert(account_login(a));
	account_free(a);

	/* Anywhere but an allowed plain loopback URL it is ignored. */
	a = load_ok("[account]\nfrom = me@example.org\nsmtp = smtps://mail.example.org:465\n"
	            "password_command = printf pw\nlogin = no\n",
	            0600);
	ck_assert(account_login(a));
	assert_diag("[account].login: ignored");
	ck_assert_str_eq(account_secret(a, &err), "pw");
	account_free(a);

	load_bad("[account]\nfrom = me@example.org\nsmtp = smtp://127.0.0.1:2525\n"
	         "allow_plain_loopback = yes\nlogin = maybe\n",
	         0600);
	assert_diag("[account].login: must be yes or no");
}
END_TEST

START_TEST(test_no_preset_needs_smtp)
{
	load_bad("[account]\nfrom = me@example.org\n", 0600);
	assert_diag("[account].smtp: missing; there is no preset for example.org");
}
END_TEST

START_TEST(test_password_permissions)
{
	load_bad("[account]\nfrom = me@qq.com\npassword = hunter2\n", 0644);
	assert_diag("chmod 600");
	assert_diag("config.ini:3: [account].password:");
	assert_no_diag("hunter2");
	diags_finish(&d);
	load_bad("[account]\nfrom = me@qq.com\npassword = hunter2\n", 0640);
	diags_finish(&d);

	struct account *a = load_ok("[account]\nfrom = me@qq.com\npassword = hunter2\n", 0600);
	ck_assert_int_eq(account_secret_source(a), ACCOUNT_SECRET_PASSWORD);
	char *err = NULL;
	ck_assert_str_eq(account_secret(a, &err), "hunter2");
	account_free(a);
}
END_TEST

START_TEST(test_password_command)
{
	struct account *a =
	    load_ok("[account]\nfrom = me@qq.com\npassword_command = printf 's3cr3t\\n'\n", 0600);
	char *err = NULL;
	const char *s = account_secret(a, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "s3cr3t");
	account_free(a);

	/* Fetched once, then kept. */
	char *count = xasprintf("%s/count", tmpdir);
	char *text = xasprintf("[account]\nfrom = me@qq.com\n"
	                       "password_command = echo run >> %s; printf tok\n",
	                       count);
	a = load_ok(text, 0600);
	ck_assert_str_eq(account_secret(a, &err), "tok");
	ck_assert_str_eq(account_secret(a, &err), "tok");
	char *data;
	size_t len;
	ck_assert_int_eq(util_read_file(count, 1024, &data, &len), 0);
	ck_assert_str_eq(data, "run\n");
	free(data);
	free(text);
	free(count);
	account_free(a);
}
END_TEST

static void command_fails(const char *cmd, const char *want, const char *leak)
{
	char *text = xasprintf("[account]\nfrom = me@qq.com\npassword_command = %s\n", cmd);
	struct account *a = load_ok(text, 0600);
	char *err = NULL;
	ck_assert_ptr_null(account_secret(a, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, want), "'%s' not in '%s'", want, err);
	if (leak)
		ck_assert_msg(!strstr(err, leak), "secret leaked into '%s'", err);
	free(err);
	account_free(a);
	free(text);
}

START_TEST(test_password_command_failures)
{
	command_fails("printf leaked; exit 3", "exit status 3", "leaked");
	command_fails("true", "printed nothing", NULL);
	command_fails("printf '\\n'", "printed nothing", NULL);
	command_fails("printf 'alpha\\nbeta\\n'", "more than one line", "alpha");
	command_fails("kill -9 $$", "signal 9", NULL);
	command_fails("/nonexistent/pass show x", "exit status 127", NULL);
}
END_TEST

START_TEST(test_unknown_key_did_you_mean)
{
	load_bad("[account]\nfrom = me@qq.com\npasswrod = x\n", 0600);
	assert_diag("config.ini:3: [account].passwrod: unknown key; did you mean 'password'?");
	diags_finish(&d);
	load_bad("[account]\nfrom = me@qq.com\n[smtp]\nhost = x\n", 0600);
	assert_diag("config.ini:4: [smtp]: unknown section");
	diags_finish(&d);
	load_bad("[account]\nfrom = me@qq.com\nfrom = you@qq.com\n", 0600);
	assert_diag("config.ini:3: [account].from: given twice (first on line 2)");
}
END_TEST

START_TEST(test_from_required_and_valid)
{
	load_bad("[account]\nname = 张三\n", 0600);
	assert_diag("[account].from: missing");
	diags_finish(&d);
	load_bad("[account]\nfrom = not-an-address\n", 0600);
	assert_diag("config.ini:2: [account].from: 'not-an-address' is not a valid email address");
}
END_TEST

START_TEST(test_every_problem_reported)
{
	load_bad("[account]\n"
	         "from = me@qq.com\n"
	         "smtp = http://smtp.qq.com\n"
	         "password_command = pass show x\n"
	         "oauth2_token_command = oama access me\n"
	         "transport = carrier-pigeon\n"
	         "ca_file = relative.pem\n",
	         0600);
	assert_diag("config.ini:3: [account].smtp: 'http://smtp.qq.com' is not an smtps://");
	assert_diag("config.ini:5: [account].oauth2_token_command: give only one of");
	assert_diag("config.ini:6: [account].transport: must be smtp or sendmail");
	assert_diag("config.ini:7: [account].ca_file:");
	ck_assert_uint_eq(diags_count(&d, DIAG_ERROR), 4);
}
END_TEST

START_TEST(test_bad_urls)
{
	const char *bad[] = {"smtps://user:pw@smtp.qq.com:465",
	                     "smtps://",
	                     "smtps://host:0",
	                     "smtps://host:99999",
	                     "smtps://host:465/path",
	                     "smtps://ho st"};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(bad); i++) {
		char *text = xasprintf("[account]\nfrom = me@qq.com\nsmtp = %s\n", bad[i]);
		load_bad(text, 0600);
		assert_diag("[account].smtp:");
		diags_finish(&d);
		free(text);
	}
	struct account *a =
	    load_ok("[account]\nfrom = me@x.org\nsmtp = SMTPS://[::1]:465/\n", 0600);
	ck_assert_str_eq(account_smtp_url(a), "SMTPS://[::1]:465/");
	account_free(a);
}
END_TEST

START_TEST(test_sendmail_transport)
{
	struct account *a = load_ok("[account]\nfrom = me@example.org\ntransport = sendmail\n"
	                            "sendmail_command = /usr/bin/msmtp -t --read-envelope-from\n",
	                            0600);
	ck_assert_int_eq(account_transport(a), ACCOUNT_TRANSPORT_SENDMAIL);
	ck_assert_str_eq(account_sendmail_command(a), "/usr/bin/msmtp --read-envelope-from");
	ck_assert_ptr_null(account_smtp_url(a));
	assert_diag("-t is not used");
	account_free(a);
	a = load_ok("[account]\nfrom = me@example.org\ntransport = sendmail\n", 0600);
	ck_assert_str_eq(account_sendmail_command(a), "/usr/sbin/sendmail");
	account_free(a);
	load_bad("[account]\nfrom = me@example.org\ntransport = sendmail\n"
	         "sendmail_command = msmtp -a 'my account'\n",
	         0600);
}
END_TEST

START_TEST(test_missing_file)
{
	struct account *a = NULL;
	ck_assert_int_eq(account_load(NULL, &a, &d), -1);
	ck_assert_int_eq(account_exitcode(-1, false), EX_CONFIG);
	assert_diag("ticketmail/config.ini");
	assert_diag("[account]\n  from = ");
	diags_finish(&d);

	char *path = xasprintf("%s/nope.ini", tmpdir);
	ck_assert_int_eq(account_load(path, &a, &d), -1);
	ck_assert_int_eq(account_exitcode(-1, true), EX_NOINPUT);
	assert_diag("nope.ini");
	free(path);

	/* The default file is found under $XDG_CONFIG_HOME/ticketmail. */
	char *dir = xasprintf("%s/ticketmail", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	char *file = xasprintf("%s/config.ini", dir);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[account]\nfrom = me@gmail.com\n", f);
	fclose(f);
	ck_assert_int_eq(account_load(NULL, &a, &d), 0);
	ck_assert_str_eq(account_path(a), file);
	ck_assert_str_eq(account_smtp_url(a), "smtps://smtp.gmail.com:465");
	account_free(a);
	free(file);
	free(dir);
}
END_TEST

START_TEST(test_prompt_needs_terminal)
{
	int saved = dup(STDIN_FILENO);
	int null = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(null, 0);
	dup2(null, STDIN_FILENO);
	close(null);
	char *err = NULL;
	ck_assert_ptr_null(account_prompt_secret("Password: ", &err));
	ck_assert_ptr_nonnull(strstr(err, "not a terminal"));
	free(err);
	err = NULL;
	struct account *a = load_ok("[account]\nfrom = me@qq.com\n", 0600);
	ck_assert_ptr_null(account_secret(a, &err));
	ck_assert_ptr_nonnull(strstr(err, "password_command"));
	free(err);
	account_free(a);
	dup2(saved, STDIN_FILENO);
	close(saved);
}
END_TEST

static void on_int(int sig)
{
	(void)sig;
}

/* Starts a child whose stdin is the slave side of a new pty and which runs
 * the prompt (with a, account a's password question instead: its preset
 * hint, its prompt and its retries); the answer goes to the pipe res. The child starts from the
 * default dispositions (Check's own SIGTERM handler kills the whole process
 * group), or, with catch_int, with a SIGINT handler that returns, as a
 * program's own handler would. Returns the child's pid. */
static pid_t prompt_child(int *master_out, int *slave_out, int res[2], bool catch_int,
                          struct account *a)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	char *name = ptsname(master);
	ck_assert_ptr_nonnull(name);
	int slave = open(name, O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);
	ck_assert_int_eq(pipe(res), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, catch_int ? on_int : SIG_DFL);
		dup2(slave, STDIN_FILENO);
		dup2(slave, STDERR_FILENO);
		char *err = NULL;
		const char *s =
		    a ? account_secret(a, &err) : account_prompt_secret("Password: ", &err);
		const char *out = s ? s : err;
		if (write(res[1], out, strlen(out)) < 0)
			_exit(2);
		_exit(s ? 0 : 1);
	}
	close(res[1]);
	*master_out = master;
	*slave_out = slave;
	return pid;
}

/* Waits up to ten seconds for fd to have input: a child that failed would
 * otherwise leave the test blocked on a terminal whose slave side it holds. */
static void wait_input(int fd, const char *what)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, 10000);
	while (r < 0 && errno == EINTR);
	ck_assert_msg(r > 0, "nothing from the prompt child within 10 s (waiting for %s)", what);
}

/* Reads what the child printed on the terminal until the prompt shows. */
static char *read_until(int master, const char *want)
{
	struct strbuf sb;
	strbuf_init(&sb);
	while (!strstr(sb.buf, want)) {
		char buf[256];
		wait_input(master, want);
		ssize_t n = read(master, buf, sizeof buf);
		ck_assert_int_gt(n, 0);
		strbuf_add(&sb, buf, (size_t)n);
	}
	return strbuf_take(&sb);
}

/* waitpid() for a prompt child, which must be gone within ten seconds: a
 * prompt that missed its signal would otherwise hang the whole test. */
static void wait_child(pid_t pid, int *status, const char *what)
{
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);
		ck_assert_int_ge(r, 0);
		if (r == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	ck_abort_msg("the prompt was still waiting 10 s after %s", what);
}

/* After a prompt child: the terminal echoes again, and its descriptors
 * are closed. */
static void end_child(int master, int slave, int res[2])
{
	struct termios tio;
	ck_assert_int_eq(tcgetattr(slave, &tio), 0);
	ck_assert(tio.c_lflag & ECHO);
	close(master);
	close(slave);
	close(res[0]);
}

START_TEST(test_prompt_no_echo)
{
	int master, slave, res[2];
	pid_t pid = prompt_child(&master, &slave, res, false, NULL);
	free(read_until(master, "Password: "));
	ck_assert_int_eq(write(master, "hunter2\n", 8), 8);
	char got[64] = "";
	wait_input(res[0], "the answer");
	ck_assert_int_eq(read(res[0], got, sizeof got - 1), 7);
	ck_assert_str_eq(got, "hunter2");
	int status;
	wait_child(pid, &status, "the answer");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Nothing typed was echoed, and the echo is back on afterwards. */
	char *rest = read_until(master, "\n");
	ck_assert_ptr_null(strstr(rest, "hunter2"));
	free(rest);
	end_child(master, slave, res);
}
END_TEST

START_TEST(test_prompt_restores_on_signal)
{
	int master, slave, res[2];
	pid_t pid = prompt_child(&master, &slave, res, false, NULL);
	free(read_until(master, "Password: "));
	struct termios tio;
	ck_assert_int_eq(tcgetattr(slave, &tio), 0);
	ck_assert(!(tio.c_lflag & ECHO)); /* asking now */
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	int status;
	wait_child(pid, &status, "SIGTERM");
	/* The signal still ends the process, and the echo is back. */
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGTERM);
	end_child(master, slave, res);
}
END_TEST

/* The signal is sent as soon as the prompt shows, which is often before the
 * child has started to wait for input; a prompt that checks for the signal
 * and then blocks in read() sleeps through it (it did, in CI). Thirty
 * rounds make that window likely to be hit. */
START_TEST(test_prompt_interrupted_by_handled_signal)
{
	for (int round = 0; round < 30; round++) {
		int master, slave, res[2];
		pid_t pid = prompt_child(&master, &slave, res, true, NULL);
		free(read_until(master, "Password: "));
		ck_assert_int_eq(kill(pid, SIGINT), 0);
		int status;
		wait_child(pid, &status, "SIGINT");
		/* The program's handler ran and returned: the prompt gives up. */
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 1);
		char got[64] = "";
		wait_input(res[0], "the result");
		ck_assert_int_gt(read(res[0], got, sizeof got - 1), 0);
		ck_assert_str_eq(got, "interrupted");
		end_child(master, slave, res);
	}
}
END_TEST

/* An Enter pressed too soon at the account's password prompt asks again
 * (twice), instead of ending the run. */
START_TEST(test_prompt_empty_asks_again)
{
	for (int empties = 1; empties <= 3; empties++) {
		struct account *a = load_ok("[account]\nfrom = me@qq.com\n", 0600);
		int master, slave, res[2];
		pid_t pid = prompt_child(&master, &slave, res, false, a);
		for (int i = 0; i < empties; i++) {
			free(read_until(master, "Password for"));
			ck_assert_int_eq(write(master, "\n", 1), 1);
		}
		if (empties < 3) {
			free(read_until(master, "Password for"));
			ck_assert_int_eq(write(master, "hunter2\n", 8), 8);
		}
		int status;
		wait_child(pid, &status, "the answers");
		char got[128] = "";
		wait_input(res[0], "the result");
		ck_assert_int_gt(read(res[0], got, sizeof got - 1), 0);
		if (empties < 3) {
			ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			ck_assert_str_eq(got, "hunter2");
		} else {
			/* Three empty answers: given up, saying why. */
			ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
			ck_assert_str_eq(got, "no password given");
		}
		end_child(master, slave, res);
		account_free(a);
	}
}
END_TEST

int main(void)
{
	setenv("TICKETMAIL_DATADIR", TOP_DIR "/share", 1);
	Suite *s = suite_create("account");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_preset_from_alone);
	tcase_add_test(tc, test_presets_by_domain);
	tcase_add_test(tc, test_explicit_settings_override_preset);
	tcase_add_test(tc, test_login_no);
	tcase_add_test(tc, test_no_preset_needs_smtp);
	tcase_add_test(tc, test_password_permissions);
	tcase_add_test(tc, test_password_command);
	tcase_add_test(tc, test_password_command_failures);
	tcase_add_test(tc, test_unknown_key_did_you_mean);
	tcase_add_test(tc, test_from_required_and_valid);
	tcase_add_test(tc, test_every_problem_reported);
	tcase_add_test(tc, test_bad_urls);
	tcase_add_test(tc, test_sendmail_transport);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_prompt_needs_terminal);
	/* The pseudo-terminal cases race a forked child against signals; under
	 * valgrind's slow start-up the child misses them. They run in the
	 * normal and ASan+UBSan runs. */
	const char *vg = getenv("TICKETMAIL_UNDER_VALGRIND");
	if (!vg || !*vg) {
		tcase_add_test(tc, test_prompt_no_echo);
		tcase_add_test(tc, test_prompt_restores_on_signal);
		tcase_add_test(tc, test_prompt_interrupted_by_handled_signal);
		tcase_add_test(tc, test_prompt_empty_asks_again);
	}
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
