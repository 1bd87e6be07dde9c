/* test-hashtap.c - the attachment hashing thread, and mime_write()'s side
 * of the tap contract: every byte seen once, in order, each piece left
 * untouched until its wait(). */
#include "hashtap.h"
#include "mime.h"
#include "sha256.h"

#include <check.h>
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

/* Feeds n attachments of the given sizes through a hashtap the way
 * mime_write() does: two buffers taking turns, a wait() before a buffer is
 * reused, the buffer scribbled over right after (which a thread still
 * hashing it would turn into a wrong digest). */
static void t_feed(const size_t *sizes, size_t n, size_t chunk)
{
	struct hashtap *h = hashtap_start(n);
	const struct mime_tap *tap = hashtap_mime(h);
	unsigned char *buf[2] = {malloc(chunk), malloc(chunk)};
	uint64_t held[2] = {0, 0};
	bool used[2] = {false, false};
	uint64_t seq = 0;
	int next = 0;
	unsigned char(*want)[SHA256_DIGEST_LEN] = calloc(n ? n : 1, SHA256_DIGEST_LEN);
	for (size_t a = 0; a < n; a++) {
		unsigned char *data = t_random(sizes[a], (unsigned)(a * 7 + 1));
		struct sha256 c;
		sha256_init(&c);
		sha256_update(&c, data, sizes[a]);
		sha256_final(&c, want[a]);
		for (size_t off = 0; off < sizes[a]; off += chunk) {
			size_t len = sizes[a] - off < chunk ? sizes[a] - off : chunk;
			if (used[next])
				tap->wait(tap->ctx, held[next]);
			memset(buf[next], 0xA5, chunk); /* the old content is gone */
			memcpy(buf[next], data + off, len);
			tap->chunk(tap->ctx, a, buf[next], len);
			held[next] = seq++;
			used[next] = true;
			next ^= 1;
		}
		tap->chunk(tap->ctx, a, NULL, 0);
		seq++;
		free(data);
	}
	if (seq)
		tap->wait(tap->ctx, seq - 1);
	memset(buf[0], 0, chunk);
	memset(buf[1], 0, chunk);
	unsigned char(*got)[SHA256_DIGEST_LEN] = calloc(n ? n : 1, SHA256_DIGEST_LEN);
	ck_assert(hashtap_finish(h, got));
	for (size_t a = 0; a < n; a++)
		ck_assert_msg(memcmp(got[a], want[a], SHA256_DIGEST_LEN) == 0,
		              "attachment %zu: wrong digest", a);
	free(got);
	free(want);
	free(buf[0]);
	free(buf[1]);
}

START_TEST(test_digests_match)
{
	size_t sizes[] = {0, 1, 64, 65535, 65536, 200003, 3 * 1024 * 1024 + 17, 0, 5};
	t_feed(sizes, sizeof sizes / sizeof sizes[0], 65536);
	t_feed(sizes, sizeof sizes / sizeof sizes[0], 1000);
	size_t one[] = {1024 * 1024};
	t_feed(one, 1, 196536);
}
END_TEST

START_TEST(test_no_attachments)
{
	struct hashtap *h = hashtap_start(0);
	unsigned char d[1][SHA256_DIGEST_LEN];
	ck_assert(hashtap_finish(h, d));
}
END_TEST

/* A write that stops early (an attachment not ended) or chunks out of order
 * give no digests. */
START_TEST(test_incomplete_refused)
{
	unsigned char d[2][SHA256_DIGEST_LEN];
	struct hashtap *h = hashtap_start(2);
	const struct mime_tap *tap = hashtap_mime(h);
	tap->chunk(tap->ctx, 0, "abc", 3);
	tap->chunk(tap->ctx, 0, NULL, 0);
	tap->chunk(tap->ctx, 1, "de", 2);
	tap->wait(tap->ctx, 2);
	ck_assert(!hashtap_finish(h, d));

	h = hashtap_start(2);
	tap = hashtap_mime(h);
	tap->chunk(tap->ctx, 1, "abc", 3);
	tap->chunk(tap->ctx, 1, NULL, 0);
	tap->chunk(tap->ctx, 0, NULL, 0);
	ck_assert(!hashtap_finish(h, d));
}
END_TEST

/* mime_write() with a recording tap: the pieces are the attachments'
 * bytes in order, each attachment ends with a NULL mark, and a buffer
 * handed over as piece j comes back as a later piece only after a wait()
 * for j or later. */
struct t_live {
	const void *p;
	uint64_t seq;
};

struct t_rec {
	unsigned char *seen[3];
	size_t len[3];
	size_t ends;
	uint64_t seq, waited; /* waited: pieces 0..waited-1 released */
	struct t_live live[64];
	size_t nlive;
	bool violated;
};

static void t_rec_chunk(void *ctx, size_t att, const void *data, size_t len)
{
	struct t_rec *r = ctx;
	if (!data) {
		ck_assert_uint_eq(att, r->ends);
		r->ends++;
		r->seq++;
		return;
	}
	ck_assert_uint_eq(att, r->ends);
	for (size_t i = 0; i < r->nlive; i++)
		if (r->live[i].p == data && r->live[i].seq >= r->waited)
			r->violated = true;
	if (r->nlive < 64)
		r->live[r->nlive++] = (struct t_live){data, r->seq};
	r->seen[att] = realloc(r->seen[att], r->len[att] + len);
	memcpy(r->seen[att] + r->len[att], data, len);
	r->len[att] += len;
	r->seq++;
}

static void t_rec_wait(void *ctx, uint64_t seq)
{
	struct t_rec *r = ctx;
	if (seq + 1 > r->waited)
		r->waited = seq + 1;
}

START_TEST(test_mime_tap_contract)
{
	size_t sizes[3] = {500000, 0, 200000};
	struct mime_attachment att[3];
	unsigned char *data[3];
	char path[] = "/tmp/test-hashtap.XXXXXX";
	for (int i = 0; i < 3; i++) {
		data[i] = t_random(sizes[i], (unsigned)(i + 3));
		int fd = mkstemp(path);
		ck_assert_int_ge(fd, 0);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
		ck_assert(write(fd, data[i], sizes[i]) == (ssize_t)sizes[i]);
		att[i] = (struct mime_attachment){
		    .fd = fd, .filename = "a.png", .content_type = "image/png", .size = sizes[i]};
	}
	struct t_rec rec = {0};
	struct mime_tap tap = {.chunk = t_rec_chunk, .wait = t_rec_wait, .ctx = &rec};
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
	    .tap = &tap,
	};
	FILE *out = fopen("/dev/null", "w");
	char *err = NULL;
	ck_assert_int_eq(mime_write(out, &m, &err), MIME_EOK);
	fclose(out);
	ck_assert(!rec.violated);
	ck_assert_uint_eq(rec.ends, 3);
	ck_assert_uint_eq(rec.waited, rec.seq); /* everything released at the end */
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(rec.len[i], sizes[i]);
		ck_assert(sizes[i] == 0 || memcmp(rec.seen[i], data[i], sizes[i]) == 0);
		free(rec.seen[i]);
		free(data[i]);
		close(att[i].fd);
	}
}
END_TEST

static Suite *hashtap_suite(void)
{
	Suite *s = suite_create("hashtap");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_digests_match);
	tcase_add_test(tc, test_no_attachments);
	tcase_add_test(tc, test_incomplete_refused);
	tcase_add_test(tc, test_mime_tap_contract);
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
