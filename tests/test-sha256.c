/* test-sha256.c - SHA-256 against the NIST FIPS 180-4 example vectors. */
#include "sha256.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static void hex_of(const char *s, char out[SHA256_HEX_LEN + 1])
{
	sha256_hex_of(s, strlen(s), out);
}

START_TEST(test_nist_short)
{
	char hex[SHA256_HEX_LEN + 1];
	hex_of("abc", hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("", hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* 448 bits: padding needs a second block. */
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
	       "nopqrl"
	       "mnopqrsmnopqrstnopqrstu",
	       hex);
	ck_assert_str_eq(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

/* Lengths around the padding boundary: 55 bytes still fit one block, 64 need
 * a second (vectors moved here from test-secrets.c with secrets.c's own copy
 * of SHA-256). */
START_TEST(test_padding_boundaries)
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 55, hex);
	ck_assert_str_eq(hex, "aa353e009edbaebfc6e494c8d847696896cb8b398e0173a4b5c1b636292d87c7");
	char a64[64];
	memset(a64, 'a', sizeof a64);
	sha256_hex_of(a64, sizeof a64, hex);
	ck_assert_str_eq(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}
END_TEST

START_TEST(test_nist_million_a)
{
	/* One million 'a', fed in uneven pieces to exercise the block buffer. */
	struct sha256 c;
	sha256_init(&c);
	char buf[997];
	memset(buf, 'a', sizeof buf);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof buf ? left : sizeof buf;
		sha256_update(&c, buf, n);
		left -= n;
	}
	unsigned char d[SHA256_DIGEST_LEN];
	char hex[SHA256_HEX_LEN + 1];
	sha256_final(&c, d);
	sha256_hex(d, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(test_split_equals_whole)
{
	/* Every split point of a 130-byte input gives the one-shot digest. */
	char data[130];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(i * 7 + 1);
	char whole[SHA256_HEX_LEN + 1];
	sha256_hex_of(data, sizeof data, whole);
	for (size_t cut = 0; cut <= sizeof data; cut++) {
		struct sha256 c;
		unsigned char d[SHA256_DIGEST_LEN];
		char hex[SHA256_HEX_LEN + 1];
		sha256_init(&c);
		sha256_update(&c, data, cut);
		sha256_update(&c, data + cut, sizeof data - cut);
		sha256_final(&c, d);
		sha256_hex(d, hex);
		ck_assert_str_eq(hex, whole);
	}
}
END_TEST

/* The same vectors through the portable code, whatever the CPU has (the
 * tests above use the SHA extensions where there are any). */
START_TEST(test_portable_and_hardware_agree)
{
	unsigned char data[4096 + 63];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 7));
	for (size_t len = 0; len <= sizeof data; len += 61) {
		char hw[SHA256_HEX_LEN + 1], sw[SHA256_HEX_LEN + 1];
		sha256_force_portable(false);
		sha256_hex_of(data, len, hw);
		sha256_force_portable(true);
		sha256_hex_of(data, len, sw);
		ck_assert_str_eq(hw, sw);
	}
	char hex[SHA256_HEX_LEN + 1];
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	sha256_force_portable(false);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_nist_short);
	tcase_add_test(tc, test_padding_boundaries);
	tcase_add_test(tc, test_nist_million_a);
	tcase_add_test(tc, test_split_equals_whole);
	tcase_add_test(tc, test_portable_and_hardware_agree);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
