/* fuzz-textenc.c - textenc_detect() and the decoders on arbitrary bytes.
 *
 * Properties: the BOM length fits the input and matches the encoding; the
 * UTF-16 / UTF-32 decoding of anything is valid UTF-8 without NUL bytes,
 * its length as reported and NUL-terminated, at most 3 bytes for 2 in (and
 * 3 for a partial unit at the end), the size its buffer was made for;
 * GB18030 decoding is
 * valid UTF-8, NUL-terminated, counts at most one bad byte per input byte;
 * textenc_utf8_errors() is 0 exactly when utf8_valid() says so. */
#include "fuzz.h"

#include "textenc.h"
#include "util.h"

#include <string.h>

static void fuzz_check_utf8(const char *u, size_t n, bool nul_free, const char *what)
{
	FUZZ_CHECK(u[n] == '\0', "%s: not NUL-terminated", what);
	FUZZ_CHECK(utf8_valid(u, n, NULL), "%s: not valid UTF-8", what);
	if (nul_free)
		FUZZ_CHECK(memchr(u, 0, n) == NULL, "%s: NUL inside", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t bom = 99;
	enum textenc enc = textenc_detect(data, size, &bom);
	FUZZ_CHECK(enc <= TEXTENC_UTF32BE, "encoding %d", (int)enc);
	FUZZ_CHECK(bom <= size, "BOM of %zu in %zu bytes", bom, size);
	FUZZ_CHECK(bom == 0 || bom == (enc == TEXTENC_BYTES                               ? 3
	                               : enc == TEXTENC_UTF16LE || enc == TEXTENC_UTF16BE ? 2
	                                                                                  : 4),
	           "BOM of %zu for encoding %d", bom, (int)enc);
	for (int e = TEXTENC_UTF16LE; e <= TEXTENC_UTF32BE; e++) {
		size_t n = (size_t)-1;
		char *u = textenc_to_utf8(data, size, (enum textenc)e, &n);
		FUZZ_CHECK(u != NULL, "no output for encoding %d", e);
		fuzz_check_utf8(u, n, true, "UTF-16/32");
		FUZZ_CHECK(n <= size / 2 * 3 + 3, "%zu bytes out of %zu", n, size);
		free(u);
	}
	FUZZ_CHECK(textenc_to_utf8(data, size, TEXTENC_BYTES, &(size_t){0}) == NULL,
	           "TEXTENC_BYTES decoded");
	size_t n, bad;
	char *g = textenc_gb18030_to_utf8(data, size, &n, &bad);
	if (g) {
		fuzz_check_utf8(g, n, false, "GB18030");
		FUZZ_CHECK(bad <= size, "%zu bad bytes of %zu", bad, size);
		free(g);
	}
	FUZZ_CHECK((textenc_utf8_errors(data, size) == 0) ==
	               utf8_valid((const char *)data, size, NULL),
	           "textenc_utf8_errors() and utf8_valid() disagree");
	return 0;
}
