/* fuzz-inifile.c - inifile_parse_buffer() on arbitrary bytes.
 *
 * Properties checked on every delivered entry (inifile.h): the value is
 * NUL-terminated at value_len with no NUL inside and is valid UTF-8 with no
 * CR; key and section are at most 150 bytes, the key is not empty; lines
 * grow in file order and stay within the input. Every diagnostic is an
 * error naming "fuzz.ini:LINE", never an "internal" one (the shadow
 * file and inih disagreeing), but for a file taken to be in another
 * encoding, which is one error naming "fuzz.ini" and nothing else. A handler that stops (every 7th
 * key when the input's first byte is odd) exercises the early exit. */
#include "fuzz.h"

#include "inifile.h"
#include "util.h"

#include <string.h>

struct fuzz_ini_state {
	size_t size;
	unsigned max_line;
	unsigned last_line;
	unsigned keys;
	int stop_every;
};

static int fuzz_ini_handler(void *user, const struct inifile_entry *e, struct diags *d)
{
	struct fuzz_ini_state *st = user;
	(void)d;
	FUZZ_CHECK(e->key && e->section && e->value && e->file, "NULL member");
	FUZZ_CHECK(strcmp(e->file, "fuzz.ini") == 0, "file %s", e->file);
	FUZZ_CHECK(strlen(e->value) == e->value_len, "value_len %zu, strlen %zu", e->value_len,
	           strlen(e->value));
	FUZZ_CHECK(e->value_len <= st->size, "value longer than the input");
	FUZZ_CHECK(utf8_valid(e->value, e->value_len, NULL), "value not UTF-8");
	FUZZ_CHECK(!memchr(e->value, '\r', e->value_len), "CR in a value");
	size_t klen = strlen(e->key);
	FUZZ_CHECK(klen > 0 && klen <= 150, "key length %zu", klen);
	FUZZ_CHECK(strlen(e->section) <= 150, "section length %zu", strlen(e->section));
	FUZZ_CHECK(e->line >= 1 && e->line <= st->max_line, "line %u of %u", e->line, st->max_line);
	FUZZ_CHECK(e->line > st->last_line, "line %u after %u", e->line, st->last_line);
	st->last_line = e->line;
	st->keys++;
	if (st->stop_every && st->keys % (unsigned)st->stop_every == 0)
		return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_ini_state st = {.size = size, .max_line = 1};
	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n' || data[i] == '\r')
			st.max_line++;
	st.stop_every = size > 0 && (data[0] & 1) ? 7 : 0;
	struct diags d;
	diags_init(&d);
	enum inifile_status r =
	    inifile_parse_buffer("fuzz.ini", (const char *)data, size, fuzz_ini_handler, &st, &d);
	FUZZ_CHECK(r == INIFILE_OK || r == INIFILE_ESYNTAX || r == INIFILE_EENCODING, "status %d",
	           (int)r);
	size_t errors = diags_count(&d, DIAG_ERROR);
	FUZZ_CHECK((r != INIFILE_OK) == (errors > 0) || st.stop_every, "status %d with %zu errors",
	           (int)r, errors);
	FUZZ_CHECK((r == INIFILE_EENCODING) ==
	               (d.n == 1 && d.v[0].kind && strcmp(d.v[0].kind, "encoding") == 0),
	           "status %d, %zu diagnostics", (int)r, d.n);
	if (r == INIFILE_EENCODING) {
		FUZZ_CHECK(d.v[0].where && strcmp(d.v[0].where, "fuzz.ini") == 0, "where %s",
		           d.v[0].where ? d.v[0].where : "(null)");
		FUZZ_CHECK(st.keys == 0, "%u keys delivered from a file in another encoding",
		           st.keys);
		diags_finish(&d);
		return 0;
	}
	for (size_t i = 0; i < d.n; i++) {
		FUZZ_CHECK(d.v[i].message != NULL, "diag without message");
		FUZZ_CHECK(!d.v[i].kind || strcmp(d.v[i].kind, "internal") != 0, "%s",
		           d.v[i].message);
		FUZZ_CHECK(d.v[i].where && strncmp(d.v[i].where, "fuzz.ini:", 9) == 0, "where %s",
		           d.v[i].where ? d.v[i].where : "(null)");
	}
	diags_finish(&d);
	return 0;
}
