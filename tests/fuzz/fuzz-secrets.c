/* fuzz-secrets.c - secrets_scan() and secrets_diagnose() on arbitrary text
 * in each context. The word lists are loaded once from the source tree's
 * share/ (TICKETMAIL_DATADIR, unless already set).
 *
 * Properties: findings are sorted by offset and lie inside the text, with a
 * known kind, an action and kind_name == secrets_kind_name(kind);
 * secrets_diagnose() adds one diagnostic per finding it keeps (never more
 * than the scan found, unless an attachment's bytes are read in another
 * encoding too), errors only for blocking findings, and no message
 * contains a secret of 12 bytes or more; secrets_line_col() gives 1-based
 * positions. */
#include "fuzz.h"

#include "diag.h"
#include "secrets.h"
#include "ticket.h"

#include <stdbool.h>
#include <string.h>

static struct secrets *fuzz_secrets;

static void fuzz_secrets_init(void)
{
	if (fuzz_secrets)
		return;
	fuzz_use_source_share();
	char *err = NULL;
	int r = secrets_load(&fuzz_secrets, &err);
	FUZZ_CHECK(r == SECRETS_EOK && fuzz_secrets, "secrets_load: %s", err ? err : "?");
}

static bool fuzz_contains(const char *hay, const char *needle, size_t n)
{
	size_t hl = strlen(hay);
	for (size_t i = 0; i + n <= hl; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

static const char *const fuzz_extra[] = {"hunter2-smtp", "tok_", NULL};

static void fuzz_one(const char *text, size_t len, enum secrets_context ctx)
{
	struct secrets_finding *f = NULL;
	size_t n = secrets_scan(fuzz_secrets, text, len, ctx, fuzz_extra, &f);
	FUZZ_CHECK((n == 0) == (f == NULL), "%zu findings, array %p", n, (void *)f);
	size_t blocks = 0;
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(f[i].kind < SECRETS_KIND_COUNT, "kind %d", (int)f[i].kind);
		FUZZ_CHECK(f[i].action < SECRETS_ACTION_COUNT, "action %d", (int)f[i].action);
		FUZZ_CHECK(f[i].offset <= len && f[i].length <= len - f[i].offset,
		           "finding %zu+%zu outside %zu bytes", f[i].offset, f[i].length, len);
		FUZZ_CHECK(f[i].length > 0, "empty finding");
		FUZZ_CHECK(f[i].kind_name &&
		               strcmp(f[i].kind_name, secrets_kind_name(f[i].kind)) == 0,
		           "kind_name");
		FUZZ_CHECK(secrets_kind_lookup(f[i].kind_name) == (int)f[i].kind, "kind lookup %s",
		           f[i].kind_name);
		if (i > 0)
			FUZZ_CHECK(f[i - 1].offset <= f[i].offset, "findings not sorted");
		size_t line, col;
		secrets_line_col(text, len, f[i].offset, &line, &col);
		FUZZ_CHECK(line >= 1 && col >= 1, "line %zu col %zu", line, col);
		if (f[i].action == SECRETS_BLOCK)
			blocks++;
	}

	struct diags d;
	diags_init(&d);
	const char *txid = len >= 64 ? "" : NULL;
	char txbuf[65];
	if (len >= 64) {
		memcpy(txbuf, text, 64);
		txbuf[64] = '\0';
		txid = txbuf;
	}
	size_t errs = secrets_diagnose(fuzz_secrets, text, len, ctx, fuzz_extra, txid,
	                               ctx == SECRETS_CTX_TXID ? TF_TXID : -1, "fuzz.txt", &d);
	FUZZ_CHECK(errs == diags_count(&d, DIAG_ERROR), "returned %zu, added %zu errors", errs,
	           diags_count(&d, DIAG_ERROR));
	/* An attachment may be read in another encoding too (UTF-16, GBK...),
	 * which finds what the bytes do not show: only ASCII is read as is. */
	bool ascii = true;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = text[i] > 0 && (unsigned char)text[i] < 0x80;
	if (ctx != SECRETS_CTX_ATTACHMENT || ascii) {
		FUZZ_CHECK(d.n <= n, "%zu diagnostics for %zu findings", d.n, n);
		FUZZ_CHECK(errs <= blocks, "%zu errors for %zu blocking findings", errs, blocks);
	}
	for (size_t k = 0; k < d.n; k++) {
		const char *msg = d.v[k].message;
		FUZZ_CHECK(msg && *msg, "diagnostic without message");
		for (size_t i = 0; i < n; i++)
			if (f[i].length >= 12)
				FUZZ_CHECK(!fuzz_contains(msg, text + f[i].offset, f[i].length),
				           "message \"%s\" contains the %s", msg, f[i].kind_name);
	}
	diags_finish(&d);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_secrets_init();
	/* An exact-size copy with no terminator: the scanner must stay in range. */
	for (int ctx = 0; ctx < SECRETS_CTX_COUNT; ctx++)
		fuzz_one((const char *)data, size, (enum secrets_context)ctx);
	size_t line, col;
	secrets_line_col((const char *)data, size, size, &line, &col);
	FUZZ_CHECK(line >= 1 && col >= 1, "end: line %zu col %zu", line, col);
	return 0;
}
