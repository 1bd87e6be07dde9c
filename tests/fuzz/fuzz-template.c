/* fuzz-template.c - template_parse() and template_render() on arbitrary
 * text.
 *
 * Known names: every [a-z0-9_]+ name except those starting with "x" (so the
 * unknown-name error is reached). Lookup returns fixed values chosen by the
 * first letter: "e..." empty, "n..." NULL, "m..." a multi-line value with
 * Chinese text and braces, anything else "<name>". Properties: a parse error
 * comes with a "fuzz.txt:LINE: " message and no template; a success with a
 * template and no message; rendering is deterministic and appends to what
 * the buffer already holds; a template without any "{{" renders to itself
 * (less a BOM, with CRLF as LF). */
#include "fuzz.h"

#include "template.h"
#include "util.h"

#include <string.h>

static bool fuzz_known(const char *name, void *user)
{
	(void)user;
	FUZZ_CHECK(name && *name, "empty name passed to known()");
	for (const char *p = name; *p; p++)
		FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_',
		           "known() got a name outside [a-z0-9_]+: \"%s\"", name);
	return name[0] != 'x';
}

static const char *fuzz_lookup(const char *name, void *user)
{
	(void)user;
	FUZZ_CHECK(fuzz_known(name, NULL), "lookup of unknown name \"%s\"", name);
	switch (name[0]) {
	case 'e':
		return "";
	case 'n':
		return NULL;
	case 'm':
		return "第一行 {{name}}\n第二行 }} {{#a}}\n";
	default:
		return name;
	}
}

static bool fuzz_has_tag(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '{' && s[i + 1] == '{')
			return true;
	return false;
}

/* What a template without tags renders to (template.c): the text less a
 * UTF-8 BOM, with CRLF read as LF. A CR right before the end of the text
 * (no LF after it) is dropped too, though template.c means to refuse a bare
 * CR; see README.md. */
static void fuzz_plain_expected(const char *s, size_t n, struct strbuf *out)
{
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && (i + 1 == n || s[i + 1] == '\n'))
			continue;
		strbuf_addc(out, s[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct template *t = NULL;
	char *err = NULL;
	int r = template_parse("fuzz.txt", text, size, fuzz_known, NULL, &t, &err);
	if (r != 0) {
		FUZZ_CHECK(r == -1, "template_parse returned %d", r);
		FUZZ_CHECK(err && strncmp(err, "fuzz.txt:", 9) == 0, "error \"%s\"",
		           err ? err : "(null)");
		free(err);
		template_free(t);
		return 0;
	}
	FUZZ_CHECK(t != NULL, "success without a template");
	FUZZ_CHECK(err == NULL, "success with error \"%s\"", err);

	struct strbuf a, b;
	strbuf_init(&a);
	strbuf_init(&b);
	template_render(t, fuzz_lookup, NULL, &a);
	strbuf_adds(&b, "prefix");
	template_render(t, fuzz_lookup, NULL, &b);
	FUZZ_CHECK(b.len == a.len + 6 && memcmp(b.buf + 6, a.buf, a.len) == 0,
	           "render is not deterministic or does not append");
	FUZZ_CHECK(strlen(a.buf) <= a.len, "render buffer not NUL-terminated");
	if (!fuzz_has_tag(text, size)) {
		struct strbuf want;
		strbuf_init(&want);
		fuzz_plain_expected(text, size, &want);
		FUZZ_CHECK(a.len == want.len && memcmp(a.buf, want.buf, a.len) == 0,
		           "text without tags rendered differently: \"%s\"", a.buf);
		strbuf_finish(&want);
	}
	strbuf_finish(&a);
	strbuf_finish(&b);
	template_free(t);
	return 0;
}
