/* test-hashtap.c - attachments read ahead and hashed on a second thread:
 * the pieces handed to mime_write(), the digests, and how reading stops. */
#define _GNU_SOURCE /* sched_setaffinity */
#include "hashtap.h"
#include "mime.h"
#include "sha256.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char *t_random(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
	return p;
}

/* An unlinked temporary file holding data. */
static int t_file(const unsigned char *data, size_t n)
{
	char path[] = "/tmp/test-hashtap.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert(write(fd, data, n) == (ssize_t)n);
	return fd;
}

/* Reads every attachment through the source as mime_write() does and checks
 * the pieces (whole lines but the last, never too long, the bytes of the
 * file in order) and the digests. */
static void t_read_all(const size_t *sizes, size_t n)
{
	int *fds = calloc(n ? n : 1, sizeof *fds);
	uint64_t *sz = calloc(n ? n : 1, sizeof *sz);
	unsigned char **data = calloc(n ? n : 1, sizeof *data);
	for (size_t a = 0; a < n; a++) {
		data[a] = t_random(sizes[a], (unsigned)(a * 7 + 1));
		fds[a] = t_file(data[a], sizes[a]);
		sz[a] = sizes[a];
	}
	struct hashtap *h = hashtap_start(fds, sz, n);
	const struct mime_source *src = hashtap_source(h);
	for (size_t a = 0; a < n; a++) {
		size_t got = 0;
		bool last = false;
		for (;;) {
			const void *p = NULL;
			ssize_t len = src->next(src->ctx, a, &p);
			ck_assert_int_ge(len, 0);
			if (len == 0)
				break;
			ck_assert_msg(!last, "attachment %zu: a piece after a short one", a);
			ck_assert_int_le(len, MIME_SOURCE_MAX);
			if (len % MIME_SOURCE_UNIT)
				last = true;
			ck_assert_uint_le(got + (size_t)len, sizes[a]);
			ck_assert(memcmp(p, data[a] + got, (size_t)len) == 0);
			got += (size_t)len;
		}
		ck_assert_uint_eq(got, sizes[a]);
	}
	unsigned char(*d)[SHA256_DIGEST_LEN] = calloc(n ? n : 1, SHA256_DIGEST_LEN);
	ck_assert(hashtap_finish(h, d));
	for (size_t a = 0; a < n; a++) {
		unsigned char want[SHA256_DIGEST_LEN];
		struct sha256 c;
		sha256_init(&c);
		sha256_update(&c, data[a], sizes[a]);
		sha256_final(&c, want);
		ck_assert_msg(memcmp(d[a], want, sizeof want) == 0, "attachment %zu: wrong digest",
		              a);
		close(fds[a]);
		free(data[a]);
	}
	free(d);
	free(data);
	free(fds);
	free(sz);
}

static const size_t t_sizes[] = {0,
                                 1,
                                 57,
                                 56,
                                 58,
                                 MIME_SOURCE_MAX - 1,
                                 MIME_SOURCE_MAX,
                                 MIME_SOURCE_MAX + 1,
                                 3 * MIME_SOURCE_MAX,
                                 3 * 1024 * 1024 + 17,
                                 0,
                                 5};

START_TEST(test_pieces_and_digests)
{
	t_read_all(t_sizes, sizeof t_sizes / sizeof t_sizes[0]);
	size_t four[] = {8 * MIME_SOURCE_MAX + 3, 8 * MIME_SOURCE_MAX + 3, 8 * MIME_SOURCE_MAX + 3,
	                 8 * MIME_SOURCE_MAX + 3};
	t_read_all(four, 4);
}
END_TEST

/* On one CPU the two sides do not spin; the result is the same. */
START_TEST(test_one_cpu)
{
	cpu_set_t old, one;
	ck_assert_int_eq(sched_getaffinity(0, sizeof old, &old), 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &old)) {
			CPU_SET(c, &one);
			break;
		}
	ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
	t_read_all(t_sizes, sizeof t_sizes / sizeof t_sizes[0]);
	ck_assert_int_eq(sched_setaffinity(0, sizeof old, &old), 0);
}
END_TEST

START_TEST(test_no_attachments)
{
	struct hashtap *h = hashtap_start(NULL, NULL, 0);
	unsigned char d[1][SHA256_DIGEST_LEN];
	ck_assert(hashtap_finish(h, d));
}
END_TEST

/* A write that stops early gives no digests, and the thread (which may be
 * waiting for room) still stops. */
START_TEST(test_stopped_early)
{
	size_t n = 4 * MIME_SOURCE_MAX;
	unsigned char *data = t_random(n, 9);
	int fds[2] = {t_file(data, n), t_file(data, 10)};
	uint64_t sz[2] = {n, 10};
	unsigned char d[2][SHA256_DIGEST_LEN];
	struct hashtap *h = hashtap_start(fds, sz, 2);
	const void *p;
	ck_assert_int_eq(hashtap_source(h)->next(hashtap_source(h)->ctx, 0, &p), MIME_SOURCE_MAX);
	usleep(20000); /* let the thread fill every slot and wait */
	ck_assert(!hashtap_finish(h, d));
	h = hashtap_start(fds, sz, 2);
	ck_assert(!hashtap_finish(h, d)); /* nothing taken at all */
	close(fds[0]);
	close(fds[1]);
	free(data);
}
END_TEST

/* A read error reaches next() with its errno; asking for the wrong
 * attachment is refused, not waited on. */
START_TEST(test_errors)
{
	unsigned char d[2][SHA256_DIGEST_LEN];
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dir, 0);
	int fds[2] = {dir, dir};
	uint64_t sz[2] = {10, 10};
	struct hashtap *h = hashtap_start(fds, sz, 2);
	const struct mime_source *src = hashtap_source(h);
	const void *p;
	errno = 0;
	ck_assert_int_eq(src->next(src->ctx, 0, &p), -1);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert(!hashtap_finish(h, d));
	close(dir);

	unsigned char data[100] = {1, 2, 3};
	fds[0] = t_file(data, sizeof data);
	fds[1] = t_file(data, sizeof data);
	sz[0] = sz[1] = sizeof data;
	h = hashtap_start(fds, sz, 2);
	src = hashtap_source(h);
	errno = 0;
	ck_assert_int_eq(src->next(src->ctx, 1, &p), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert(!hashtap_finish(h, d));
	/* Past the last attachment. */
	h = hashtap_start(fds, sz, 1);
	src = hashtap_source(h);
	ck_assert_int_eq(src->next(src->ctx, 0, &p), 100);
	ck_assert_int_eq(src->next(src->ctx, 0, &p), 0);
	ck_assert_int_eq(src->next(src->ctx, 1, &p), -1);
	ck_assert(!hashtap_finish(h, d));
	/* Shorter than when it was accepted: a short piece, then the end; no
	 * digests. */
	sz[0] = 2 * MIME_SOURCE_MAX;
	h = hashtap_start(fds, sz, 1);
	src = hashtap_source(h);
	ck_assert_int_eq(src->next(src->ctx, 0, &p), 100);
	ck_assert_int_eq(src->next(src->ctx, 0, &p), 0);
	ck_assert(!hashtap_finish(h, d));
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* mime_write() with a hashtap as its source writes the same bytes as with
 * its own reads. */
START_TEST(test_mime_same_bytes)
{
	size_t sizes[3] = {500000, 0, 200000};
	struct mime_attachment att[3];
	unsigned char *data[3];
	int fds[3];
	uint64_t sz[3];
	for (int i = 0; i < 3; i++) {
		data[i] = t_random(sizes[i], (unsigned)(i + 3));
		fds[i] = t_file(data[i], sizes[i]);
		sz[i] = sizes[i];
		att[i] = (struct mime_attachment){.fd = fds[i],
		                                  .filename = "a.png",
		                                  .content_type = "image/png",
		                                  .size = sizes[i]};
	}
	struct mime_message m = {
	    .from_addr = "a@example.com",
	    .to_addr = "support@okx.com",
	    .subject = "s",
	    .date = 0,
	    .message_id = "<x@example.com>",
	    .body = "b\n",
	    .body_len = 2,
	    .attachments = att,
	    .nattachments = 3,
	    .boundary = "=_fixed",
	};
	char *plain = NULL, *tapped = NULL;
	size_t plain_len = 0, tapped_len = 0;
	FILE *out = open_memstream(&plain, &plain_len);
	char *err = NULL;
	ck_assert_int_eq(mime_write(out, &m, &err), MIME_EOK);
	fclose(out);
	struct hashtap *h = hashtap_start(fds, sz, 3);
	m.source = hashtap_source(h);
	out = open_memstream(&tapped, &tapped_len);
	ck_assert_int_eq(mime_write(out, &m, &err), MIME_EOK);
	fclose(out);
	unsigned char d[3][SHA256_DIGEST_LEN];
	ck_assert(hashtap_finish(h, d));
	ck_assert_uint_eq(plain_len, tapped_len);
	ck_assert(memcmp(plain, tapped, plain_len) == 0);
	free(plain);
	free(tapped);
	/* The first file expected longer than it is: mime_write() says it
	 * shrank, and there are no digests. */
	att[0].size = sz[0] = sizes[0] + 1000;
	h = hashtap_start(fds, sz, 3);
	m.source = hashtap_source(h);
	out = open_memstream(&tapped, &tapped_len);
	ck_assert_int_eq(mime_write(out, &m, &err), MIME_EIO);
	fclose(out);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "shrank") != NULL, "%s", err);
	free(err);
	free(tapped);
	ck_assert(!hashtap_finish(h, d));
	for (int i = 0; i < 3; i++) {
		close(fds[i]);
		free(data[i]);
	}
}
END_TEST

static Suite *hashtap_suite(void)
{
	Suite *s = suite_create("hashtap");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pieces_and_digests);
	tcase_add_test(tc, test_one_cpu);
	tcase_add_test(tc, test_no_attachments);
	tcase_add_test(tc, test_stopped_early);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_mime_same_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hashtap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
