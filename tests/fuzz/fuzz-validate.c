/* fuzz-validate.c - the validators of validate.h on arbitrary values.
 *
 * The input is the value. validate_field() runs for every field, with a
 * context ticket whose network is each of the known networks (and none);
 * validate_txid() runs with each network spelling; validate_email() and
 * validate_datetime() on the input as a C string. Properties: messages are
 * non-empty; an accepted date-time has fields in range; a TxID normalised
 * by validate_txid() is accepted again as it is (the normalisation is
 * idempotent); a TxID that validate_field() accepts, validate_txid() accepts
 * with the same network; an accepted e-mail has an "@" with text on both
 * sides and is at most 254 bytes (RFC 5321 4.5.3.1.3). */
#include "fuzz.h"

#include "ticket.h"
#include "util.h"
#include "validate.h"

#include <string.h>

static const char *const fuzz_networks[] = {
    NULL,           "BTC",          "Bitcoin",  "ERC20",         "eth",
    "TRC20",        "tron",         "BEP20",    "BSC",           "Polygon",
    "Arbitrum One", "arbitrum-one", "Optimism", "Base",          "Avalanche C-Chain",
    "Solana",       "SOL",          "X Layer",  "unknown-chain", "",
};

static void fuzz_check_msg(const char *m, const char *what)
{
	if (m)
		FUZZ_CHECK(*m, "%s: empty message", what);
}

static void fuzz_datetime(const char *s)
{
	struct validate_datetime dt;
	if (!validate_datetime(s, &dt))
		return;
	FUZZ_CHECK(dt.month >= 1 && dt.month <= 12, "month %d", dt.month);
	FUZZ_CHECK(dt.day >= 1 && dt.day <= 31, "day %d", dt.day);
	FUZZ_CHECK(dt.hour >= 0 && dt.hour <= 23, "hour %d", dt.hour);
	FUZZ_CHECK(dt.minute >= 0 && dt.minute <= 59, "minute %d", dt.minute);
	FUZZ_CHECK(dt.second >= 0 && dt.second <= 60, "second %d", dt.second);
	FUZZ_CHECK(dt.has_seconds || dt.second == 0, "seconds %d without has_seconds", dt.second);
	FUZZ_CHECK(dt.offset_minutes >= -24 * 60 && dt.offset_minutes <= 24 * 60, "offset %d",
	           dt.offset_minutes);
}

static void fuzz_txid(const char *s, const char *network)
{
	char *norm = NULL;
	char *m = validate_txid(s, network, &norm);
	fuzz_check_msg(m, "validate_txid");
	if (m) {
		FUZZ_CHECK(norm == NULL, "a refused TxID was normalised");
		free(m);
		return;
	}
	if (norm) {
		FUZZ_CHECK(strcmp(norm, s) != 0, "normalised form equal to the input");
		char *norm2 = NULL;
		char *m2 = validate_txid(norm, network, &norm2);
		FUZZ_CHECK(m2 == NULL, "normalised TxID \"%s\" refused: %s", norm, m2);
		FUZZ_CHECK(norm2 == NULL, "normalising \"%s\" again gives \"%s\"", norm, norm2);
		free(norm);
	}
}

static void fuzz_email(const char *s)
{
	if (!validate_email(s))
		return;
	size_t len = strlen(s);
	const char *at = strrchr(s, '@');
	FUZZ_CHECK(at && at != s && at[1], "accepted e-mail \"%s\" without local@domain", s);
	FUZZ_CHECK(len <= 254, "accepted e-mail of %zu bytes", len);
	FUZZ_CHECK(!strpbrk(s, "\r\n"), "accepted e-mail with a line break");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	bool has_nul = strlen(s) != size;
	/* A blank value is "not given": validate_field() accepts it for an
	 * optional field, validate_txid() calls it empty. */
	bool blank = strspn(s, " \t\r\n") == size;

	struct ticket *ctx = ticket_new();
	for (size_t n = 0; n < UTIL_ARRAY_LEN(fuzz_networks); n++) {
		const char *net = fuzz_networks[n];
		ticket_set(ctx, TF_NETWORK, net, net ? strlen(net) : 0, NULL);
		for (int f = 0; f < TF_COUNT; f++) {
			/* With another network only the network-dependent fields
			 * can give other results. */
			if (n > 0 && f != TF_TXID && f != TF_ADDRESS && f != TF_MEMO)
				continue;
			char *m = validate_field((enum ticket_field)f, s, size, ctx);
			fuzz_check_msg(m, ticket_fields[f].key);
			if (f == TF_TXID && !m && !has_nul && !blank) {
				char *m2 = validate_txid(s, net, NULL);
				FUZZ_CHECK(m2 == NULL,
				           "validate_field accepts the TxID, validate_txid "
				           "(network %s) refuses: %s",
				           net ? net : "(none)", m2);
			}
			free(m);
		}
		fuzz_txid(s, net);
	}
	char *m = validate_field(TF_TXID, s, size, NULL);
	fuzz_check_msg(m, "txid without context");
	free(m);
	ticket_free(ctx);

	fuzz_datetime(s);
	fuzz_email(s);
	free(s);
	return 0;
}
