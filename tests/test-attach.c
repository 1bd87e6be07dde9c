/* test-attach.c - opening attachments: only regular files, never keys or
 * the account, names checked, type from content. */
#include "attach.h"

#include "util.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char t_dir[] = "/tmp/test-attach-XXXXXX";

static char *t_path(const char *name)
{
	return xasprintf("%s/%s", t_dir, name);
}

static char *t_write(const char *name, const void *data, size_t len)
{
	char *p = t_path(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return p;
}

static void t_mkdir(const char *name)
{
	char *p = t_path(name);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
}

static void t_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(t_dir));
	t_mkdir("home");
	char *home = t_path("home");
	setenv("HOME", home, 1);
	free(home);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("GNUPGHOME");
}

static void t_teardown(void)
{
	attach_cleanup();
	char *cmd = xasprintf("rm -rf '%s'", t_dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	strcpy(t_dir, "/tmp/test-attach-XXXXXX");
}

/* attach_open must fail with want; the message names the file. */
static void t_refused(const char *path, enum attach_status want, const char *needle)
{
	struct attach *a = (struct attach *)1;
	char *err = NULL;
	enum attach_status st = attach_open(path, &a, &err);
	ck_assert_msg(st == want, "%s: status %d, want %d (%s)", path, st, want, err ? err : "");
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(err);
	if (needle)
		ck_assert_msg(strstr(err, needle) != NULL, "message \"%s\" lacks \"%s\"", err,
		              needle);
	free(err);
}

static struct attach *t_open_ok(const char *path)
{
	struct attach *a = NULL;
	char *err = NULL;
	enum attach_status st = attach_open(path, &a, &err);
	if (st != ATTACH_OK)
		ck_abort_msg("%s: %s", path, err ? err : "(no message)");
	ck_assert_ptr_null(err);
	ck_assert_ptr_nonnull(a);
	return a;
}

START_TEST(test_regular_file)
{
	const char *text = "Withdrawal log\nline two\n";
	char *p = t_write("notes.txt", text, strlen(text));
	struct attach *a = t_open_ok(p);
	ck_assert_str_eq(attach_path(a), p);
	ck_assert_str_eq(attach_filename(a), "notes.txt");
	ck_assert_str_eq(attach_mime_type(a), "text/plain");
	ck_assert_uint_eq(attach_size(a), strlen(text));
	int fd = attach_fd(a);
	/* blocking again, close-on-exec, and readable from offset 0 */
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	char buf[64];
	ck_assert_int_eq(pread(fd, buf, sizeof buf, 0), (ssize_t)strlen(text));
	ck_assert(memcmp(buf, text, strlen(text)) == 0);
	attach_free(a);
	attach_free(NULL);
	free(p);
}
END_TEST

START_TEST(test_not_regular_refused)
{
	char *target = t_write("real.txt", "x", 1);
	char *link = t_path("link.txt");
	ck_assert_int_eq(symlink(target, link), 0);
	t_refused(link, ATTACH_EREFUSED, "symbolic link");
	ck_assert_ptr_nonnull(strstr(link, "link.txt"));

	char *fifo = t_path("pipe");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	t_refused(fifo, ATTACH_EREFUSED, "FIFO");

	char *dir = t_path("home");
	/* A directory is no input file, like a missing one (EX_NOINPUT). */
	t_refused(dir, ATTACH_ENOENT, "directory");
	t_refused(dir, ATTACH_ENOENT, dir);
	char *slash = xasprintf("%s/", dir);
	t_refused(slash, ATTACH_ENOENT, "directory");

	t_refused("/dev/null", ATTACH_EREFUSED, "device");
	t_refused("/dev/null", ATTACH_EREFUSED, "'/dev/null'");

	char *missing = t_path("missing.png");
	t_refused(missing, ATTACH_ENOENT, "missing.png");
	t_refused("", ATTACH_ENOENT, NULL);

	free(target);
	free(link);
	free(fifo);
	free(dir);
	free(slash);
	free(missing);
}
END_TEST

START_TEST(test_symlink_to_dir_then_file_ok)
{
	/* O_NOFOLLOW applies to the last component only; a symlinked
	 * directory on the way is fine (and its real place is checked). */
	t_mkdir("real");
	char *p = t_write("real/a.txt", "hello\n", 6);
	char *target = t_path("real");
	char *link = t_path("via");
	ck_assert_int_eq(symlink(target, link), 0);
	char *through = t_path("via/a.txt");
	struct attach *a = t_open_ok(through);
	ck_assert_str_eq(attach_filename(a), "a.txt");
	attach_free(a);
	free(p);
	free(target);
	free(link);
	free(through);
}
END_TEST

START_TEST(test_forbidden_directories)
{
	t_mkdir("home/.ssh");
	t_mkdir("home/.gnupg");
	t_mkdir("home/.config");
	t_mkdir("home/.config/ticketmail");
	t_mkdir("xdg");
	t_mkdir("xdg/ticketmail");
	char *key = t_write("home/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36);
	t_refused(key, ATTACH_EREFUSED, "id_ed25519");
	char *gpg = t_write("home/.gnupg/secring.gpg", "x", 1);
	t_refused(gpg, ATTACH_EREFUSED, "secring.gpg");
	char *conf = t_write("home/.config/ticketmail/config.ini", "[account]\n", 10);
	t_refused(conf, ATTACH_EREFUSED, "config.ini");
	char *other = t_write("home/.config/ticketmail/notes.txt", "x\n", 2);
	t_refused(other, ATTACH_EREFUSED, "notes.txt");

	/* $XDG_CONFIG_HOME/ticketmail too, and ~/.config/ticketmail still */
	char *xdg = t_path("xdg");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	char *xconf = t_write("xdg/ticketmail/config.ini", "[account]\n", 10);
	t_refused(xconf, ATTACH_EREFUSED, "config.ini");
	t_refused(conf, ATTACH_EREFUSED, "config.ini");

	/* reached through a symlinked directory and a relative path */
	char *sshdir = t_path("home/.ssh");
	char *link = t_path("innocent");
	ck_assert_int_eq(symlink(sshdir, link), 0);
	char *via = t_path("innocent/id_ed25519");
	t_refused(via, ATTACH_EREFUSED, "id_ed25519");
	char *cwd = getcwd(NULL, 0);
	ck_assert_int_eq(chdir(sshdir), 0);
	t_refused("id_ed25519", ATTACH_EREFUSED, "id_ed25519");
	t_refused("./../.ssh/id_ed25519", ATTACH_EREFUSED, "id_ed25519");
	ck_assert_int_eq(chdir(cwd), 0);

	/* a file next to them is fine */
	char *fine = t_write("home/screenshot.txt", "ok\n", 3);
	attach_free(t_open_ok(fine));

	free(cwd);
	free(key);
	free(gpg);
	free(conf);
	free(other);
	free(xdg);
	free(xconf);
	free(sshdir);
	free(link);
	free(via);
	free(fine);
}
END_TEST

START_TEST(test_bad_names_refused)
{
	const char *names[] = {
	    "invoice\xE2\x80\xAEgnp.exe", /* U+202E right-to-left override */
	    "line\nbreak.txt",
	    "bell\x07.txt",
	    "latin1-\xE9.txt",
	    "zero\xE2\x81\xA6width.txt", /* U+2066 isolate */
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(names); i++) {
		char *p = t_write(names[i], "x", 1);
		t_refused(p, ATTACH_EREFUSED, "rename");
		free(p);
	}
	/* Chinese and spaces are fine */
	char *p = t_write("提现 截图.txt", "x\n", 2);
	struct attach *a = t_open_ok(p);
	ck_assert_str_eq(attach_filename(a), "提现 截图.txt");
	attach_free(a);
	free(p);
}
END_TEST

static const unsigned char t_png[] = {
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};

static void t_expect_type(const char *name, const void *data, size_t len, const char *type)
{
	char *p = t_write(name, data, len);
	struct attach *a = t_open_ok(p);
	ck_assert_msg(strcmp(attach_mime_type(a), type) == 0, "%s: %s, want %s", name,
	              attach_mime_type(a), type);
	attach_free(a);
	free(p);
}

START_TEST(test_type_from_content)
{
	/* the name says text, the bytes say PNG */
	t_expect_type("shot.txt", t_png, sizeof t_png, "image/png");
	t_expect_type("shot.png", t_png, sizeof t_png, "image/png");
	const char *html = "<!DOCTYPE html>\n<html><head><title>x</title></head>"
	                   "<body><p>hi</p></body></html>\n";
	t_expect_type("page.png", html, strlen(html), "text/html");
	const char *svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
	                  "<rect width=\"10\" height=\"10\"/></svg>\n";
	t_expect_type("logo.png", svg, strlen(svg), "image/svg+xml");
	t_expect_type("empty.png", "", 0, "application/x-empty");
}
END_TEST

START_TEST(test_elf_renamed_png)
{
	char *data;
	size_t len;
	int rc = util_read_file("/bin/true", 16 << 20, &data, &len);
	ck_assert_msg(rc == 0, "/bin/true: %s", strerror(rc));
	char *p = t_write("shot.png", data, len);
	struct attach *a = t_open_ok(p);
	const char *type = attach_mime_type(a);
	ck_assert_str_ne(type, "image/png");
	ck_assert_msg(strcmp(type, "application/x-executable") == 0 ||
	                  strcmp(type, "application/x-pie-executable") == 0 ||
	                  strcmp(type, "application/x-sharedlib") == 0,
	              "ELF typed as %s", type);
	/* the descriptor still reads the whole file from offset 0 */
	char head[4];
	ck_assert_int_eq(pread(attach_fd(a), head, 4, 0), 4);
	ck_assert(memcmp(head,
	                 "\x7F"
	                 "ELF",
	                 4) == 0);
	ck_assert_uint_eq(attach_size(a), len);
	attach_free(a);
	free(p);
	free(data);
}
END_TEST

/* UTF-16 without a byte order mark, which libmagic calls binary: a log
 * written that way is text/plain (and so scanned for secrets). Data with
 * NUL bytes that is not such text stays binary. */
START_TEST(test_utf16_without_bom)
{
	/* "INFO start\n提币 pending\r\n" in UTF-16LE, and in UTF-16BE */
	static const unsigned char le[] = {'I',  0,    'N', 0, 'F', 0, 'O',  0, ' ',  0, 's',  0,
	                                   't',  0,    'a', 0, 'r', 0, 't',  0, '\n', 0, 0xD0, 0x63,
	                                   0x01, 0x5E, ' ', 0, 'p', 0, 'e',  0, 'n',  0, 'd',  0,
	                                   'i',  0,    'n', 0, 'g', 0, '\r', 0, '\n', 0};
	unsigned char be[sizeof le];
	for (size_t i = 0; i < sizeof le; i += 2) {
		be[i] = le[i + 1];
		be[i + 1] = le[i];
	}
	t_expect_type("le.log", le, sizeof le, "text/plain");
	t_expect_type("be.log", be, sizeof be, "text/plain");
	/* one byte more: no longer UTF-16 */
	unsigned char odd[sizeof le + 1];
	memcpy(odd, le, sizeof le);
	odd[sizeof le] = 'x';
	t_expect_type("odd.log", odd, sizeof odd, "application/octet-stream");
	/* the same with a control character (U+0001) in it: binary */
	unsigned char ctl[sizeof le];
	memcpy(ctl, le, sizeof le);
	ctl[8] = 0x01;
	t_expect_type("ctl.log", ctl, sizeof ctl, "application/octet-stream");
	/* the PNG is still a PNG */
	t_expect_type("shot.log", t_png, sizeof t_png, "image/png");
}
END_TEST

START_TEST(test_magic_reloads_after_cleanup)
{
	t_expect_type("a.png", t_png, sizeof t_png, "image/png");
	attach_cleanup();
	attach_cleanup();
	t_expect_type("b.png", t_png, sizeof t_png, "image/png");
}
END_TEST

static Suite *attach_suite(void)
{
	Suite *s = suite_create("attach");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_regular_file);
	tcase_add_test(tc, test_not_regular_refused);
	tcase_add_test(tc, test_symlink_to_dir_then_file_ok);
	tcase_add_test(tc, test_forbidden_directories);
	tcase_add_test(tc, test_bad_names_refused);
	tcase_add_test(tc, test_type_from_content);
	tcase_add_test(tc, test_elf_renamed_png);
	tcase_add_test(tc, test_utf16_without_bom);
	tcase_add_test(tc, test_magic_reloads_after_cleanup);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(attach_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
