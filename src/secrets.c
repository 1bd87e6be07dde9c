/* secrets.c - the secret-leak scanner.
 *
 * Every rule looks for something that is a secret beyond reasonable doubt
 * (a checksum that verifies, a PEM armour line, a value written right after
 * "password:") and blocks it; where only the shape matches (a run of BIP39
 * words whose checksum fails, an unlabelled 64-hex string) it warns. The
 * checksums are what keep false positives away: ordinary text is full of
 * BIP39 words, hex and Base58-looking tokens, but they almost never verify.
 */
#include "secrets.h"

#include "i18n.h"
#include "paths.h"
#include "sha256.h"
#include "textenc.h"
#include "ticket.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SECRETS_WORDS     2048
#define SECRETS_MAX_WORDS 24

enum secrets_list {
	SECRETS_LIST_EN,
	SECRETS_LIST_ZH_HANS,
	SECRETS_LIST_ZH_HANT,
	SECRETS_LIST_COUNT
};

static const char *const secrets_list_files[SECRETS_LIST_COUNT] = {
    [SECRETS_LIST_EN] = "bip39-english.txt",
    [SECRETS_LIST_ZH_HANS] = "bip39-chinese_simplified.txt",
    [SECRETS_LIST_ZH_HANT] = "bip39-chinese_traditional.txt",
};

struct secrets_word {
	char text[9]; /* English words are 3-8 letters */
	uint16_t index;
};

struct secrets_char {
	uint32_t cp;
	uint16_t index;
};

struct secrets {
	struct secrets_word en[SECRETS_WORDS];    /* sorted by text */
	struct secrets_char zh[2][SECRETS_WORDS]; /* [0] simplified, [1] traditional; by cp */
};

static const char *const secrets_kind_names[SECRETS_KIND_COUNT] = {
    [SECRETS_SEED_PHRASE] = "seed-phrase",
    [SECRETS_SEED_PHRASE_UNVERIFIED] = "seed-phrase-unverified",
    [SECRETS_WIF_KEY] = "wif-key",
    [SECRETS_XPRV] = "xprv",
    [SECRETS_PEM_PRIVATE_KEY] = "pem-private-key",
    [SECRETS_OPENSSH_PRIVATE_KEY] = "openssh-private-key",
    [SECRETS_HEX_PRIVATE_KEY] = "hex-private-key",
    [SECRETS_HEX_64] = "hex-64",
    [SECRETS_API_SECRET] = "api-secret",
    [SECRETS_PASSWORD] = "password",
    [SECRETS_OTP_CODE] = "otp-code",
    [SECRETS_SMTP_SECRET] = "smtp-secret",
};

/* What the user is told the secret is, after "contains". */
static const char *const secrets_kind_what[SECRETS_KIND_COUNT] = {
    [SECRETS_SEED_PHRASE] = N_("a wallet seed phrase (mnemonic words)"),
    [SECRETS_SEED_PHRASE_UNVERIFIED] = N_("what looks like a wallet seed phrase (mnemonic words)"),
    [SECRETS_WIF_KEY] = N_("a wallet private key (WIF)"),
    [SECRETS_XPRV] = N_("an extended private key (xprv)"),
    [SECRETS_PEM_PRIVATE_KEY] = N_("a private key (PEM block)"),
    [SECRETS_OPENSSH_PRIVATE_KEY] = N_("an OpenSSH private key"),
    [SECRETS_HEX_PRIVATE_KEY] = N_("a private key (64 hex digits)"),
    [SECRETS_HEX_64] = N_("a 64-digit hex string that may be a private key"),
    [SECRETS_API_SECRET] = N_("an API key, secret key or passphrase"),
    [SECRETS_PASSWORD] = N_("a password"),
    [SECRETS_OTP_CODE] = N_("a verification code (SMS, e-mail, Google Authenticator or 2FA)"),
    [SECRETS_SMTP_SECRET] = N_("the password or token of your mail account"),
};

/* SHA-256 of data[0..len) (sha256.h) into digest_out. */
static void secrets_sha256(const void *data, size_t len, uint8_t digest_out[SHA256_DIGEST_LEN])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, digest_out);
}

/* ---- Word lists ---------------------------------------------------------- */

static int secrets_word_cmp(const void *a, const void *b)
{
	return strcmp(((const struct secrets_word *)a)->text,
	              ((const struct secrets_word *)b)->text);
}

static int secrets_char_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct secrets_char *)a)->cp, y = ((const struct secrets_char *)b)->cp;
	return x < y ? -1 : x > y;
}

/* Sorts v by code point: two stable passes on 11 bits each (code points
 * are below 2^21, Unicode's 0x10FFFF included). */
static void secrets_char_sort(struct secrets_char *v, size_t n)
{
	enum { BITS = 11, BUCKETS = 1 << BITS };
	struct secrets_char *tmp = xmalloc(n * sizeof *tmp);
	size_t *count = xmalloc(BUCKETS * sizeof *count);
	struct secrets_char *from = v, *to = tmp;
	for (int pass = 0; pass < 2; pass++) {
		int shift = pass * BITS;
		memset(count, 0, BUCKETS * sizeof *count);
		for (size_t i = 0; i < n; i++)
			count[(from[i].cp >> shift) & (BUCKETS - 1)]++;
		size_t sum = 0;
		for (size_t b = 0; b < BUCKETS; b++) {
			size_t c = count[b];
			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[(from[i].cp >> shift) & (BUCKETS - 1)]++] = from[i];
		struct secrets_char *t = from;
		from = to;
		to = t;
	}
	/* Two passes: the result is back in v. */
	free(tmp);
	free(count);
}

/* Stores line number n (0-based, the BIP39 index) of list l; false when the
 * line is not a word of that list's shape. */
static bool secrets_store_word(struct secrets *s, enum secrets_list l, size_t n, const char *w,
                               size_t wlen)
{
	if (l == SECRETS_LIST_EN) {
		if (wlen < 3 || wlen > 8)
			return false;
		for (size_t i = 0; i < wlen; i++)
			if (w[i] < 'a' || w[i] > 'z')
				return false;
		memcpy(s->en[n].text, w, wlen);
		s->en[n].text[wlen] = '\0';
		s->en[n].index = (uint16_t)n;
		return true;
	}
	uint32_t cp;
	if (utf8_decode(w, wlen, &cp) != wlen || cp < 0x80)
		return false;
	struct secrets_char *c = &s->zh[l - SECRETS_LIST_ZH_HANS][n];
	c->cp = cp;
	c->index = (uint16_t)n;
	return true;
}

static int secrets_load_list(struct secrets *s, enum secrets_list l, char **errstr)
{
	char *path = xasprintf("%s/wordlists/%s", paths_share_dir(), secrets_list_files[l]);
	char *data = NULL;
	size_t len = 0, n = 0;
	int rc = SECRETS_EOK;
	int err = util_read_file(path, 1 << 20, &data, &len);
	if (err) {
		*errstr = xasprintf(_("cannot read the word list %s: %s"), path, strerror(err));
		rc = SECRETS_EIO;
		goto out;
	}
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		if (n >= SECRETS_WORDS || !secrets_store_word(s, l, n, data + pos, end - pos)) {
			*errstr = xasprintf(_("%s:%zu: not a BIP39 word list of 2048 entries"),
			                    path, n + 1);
			rc = SECRETS_EFORMAT;
			goto out;
		}
		n++;
		pos = end + 1;
	}
	if (n != SECRETS_WORDS) {
		*errstr = xasprintf(_("%s: has %zu entries, not 2048"), path, n);
		rc = SECRETS_EFORMAT;
	}
out:
	free(data);
	free(path);
	return rc;
}

int secrets_load(struct secrets **out, char **errstr)
{
	struct secrets *s = xcalloc(1, sizeof *s);
	*out = NULL;
	*errstr = NULL;
	for (int l = 0; l < SECRETS_LIST_COUNT; l++) {
		int rc = secrets_load_list(s, l, errstr);
		if (rc != SECRETS_EOK) {
			free(s);
			return rc;
		}
	}
	/* Sorted for bsearch(). The official English list is in order already
	 * (checked, not assumed); the Chinese ones are radix-sorted by code
	 * point: qsort() of the three lists was a twentieth of a dry run. */
	bool sorted = true;
	for (size_t i = 1; i < SECRETS_WORDS && sorted; i++)
		sorted = secrets_word_cmp(&s->en[i - 1], &s->en[i]) < 0;
	if (!sorted)
		qsort(s->en, SECRETS_WORDS, sizeof s->en[0], secrets_word_cmp);
	for (int z = 0; z < 2; z++)
		secrets_char_sort(s->zh[z], SECRETS_WORDS);
	*out = s;
	return SECRETS_EOK;
}

void secrets_free(struct secrets *s)
{
	free(s);
}

/* The index of English word w (any case), or -1. */
static int secrets_en_index(const struct secrets *s, const char *w, size_t wlen)
{
	struct secrets_word key;
	if (wlen < 3 || wlen > 8)
		return -1;
	for (size_t i = 0; i < wlen; i++)
		key.text[i] = (char)(w[i] | 0x20);
	key.text[wlen] = '\0';
	const struct secrets_word *hit =
	    bsearch(&key, s->en, SECRETS_WORDS, sizeof key, secrets_word_cmp);
	return hit ? hit->index : -1;
}

/* The index of cp in Chinese list z (0 simplified, 1 traditional), or -1. */
static int secrets_zh_index(const struct secrets *s, int z, uint32_t cp)
{
	struct secrets_char key = {.cp = cp};
	const struct secrets_char *hit =
	    bsearch(&key, s->zh[z], SECRETS_WORDS, sizeof key, secrets_char_cmp);
	return hit ? hit->index : -1;
}

/* ---- Findings ------------------------------------------------------------ */

struct secrets_found {
	struct secrets_finding *v;
	size_t n;
};

static void secrets_add(struct secrets_found *f, enum secrets_kind kind, size_t off, size_t len)
{
	f->v = xrealloc(f->v, (f->n + 1) * sizeof *f->v);
	f->v[f->n++] = (struct secrets_finding){
	    .kind = kind,
	    .action = kind == SECRETS_SEED_PHRASE_UNVERIFIED || kind == SECRETS_HEX_64
	                  ? SECRETS_WARN
	                  : SECRETS_BLOCK,
	    .offset = off,
	    .length = len,
	    .kind_name = secrets_kind_names[kind],
	};
}

static int secrets_finding_cmp(const void *a, const void *b)
{
	const struct secrets_finding *x = a, *y = b;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->action != y->action)
		return x->action == SECRETS_BLOCK ? -1 : 1;
	return x->length > y->length ? -1 : x->length < y->length;
}

/* Sorts by offset and keeps one finding per overlapping range, a block
 * rather than a warning (a key labelled "secret key:" is found twice). */
static void secrets_dedupe(struct secrets_found *f)
{
	if (f->n == 0)
		return;
	qsort(f->v, f->n, sizeof *f->v, secrets_finding_cmp);
	size_t kept = 1;
	for (size_t i = 1; i < f->n; i++) {
		struct secrets_finding *last = &f->v[kept - 1];
		if (f->v[i].offset < last->offset + last->length) {
			if (f->v[i].action == SECRETS_BLOCK && last->action == SECRETS_WARN)
				*last = f->v[i];
			continue;
		}
		f->v[kept++] = f->v[i];
	}
	f->n = kept;
}

/* ---- Character classes --------------------------------------------------- */

static bool secrets_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool secrets_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool secrets_is_alnum(char c)
{
	return secrets_is_alpha(c) || secrets_is_digit(c);
}

static bool secrets_is_hex(char c)
{
	return secrets_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* The code point at text[i], its byte length in *n (1 for an invalid byte,
 * which decodes as U+FFFD). */
static uint32_t secrets_cp_at(const char *text, size_t len, size_t i, size_t *n)
{
	uint32_t cp;
	*n = utf8_decode(text + i, len - i, &cp);
	if (*n == 0) {
		*n = 1;
		cp = 0xFFFD;
	}
	return cp;
}

/* Characters allowed between the words of a seed phrase: white space,
 * numbering ("1." "1)" "(1)" "#1"), and list punctuation. */
static bool secrets_is_word_sep(uint32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == ',' ||
		       cp == '.' || cp == ';' || cp == ':' || cp == '(' || cp == ')' || cp == '-' ||
		       cp == '#' || cp == '|' || cp == '/' || (cp >= '0' && cp <= '9');
	return cp == 0x3001 /* 、 */ || cp == 0xFF0C /* , */ ||
	       cp == 0x3000 /* ideographic space */ || cp == 0xFF1B /* ; */ ||
	       cp == 0xFF1A /* : */ || cp == 0xFF08 || cp == 0xFF09 || cp == 0x3002 /* 。 */ ||
	       cp == 0x00A0;
}

/* ---- Seed phrases (BIP39) ------------------------------------------------ */

/* BIP39: the words carry ENT bits of entropy and ENT/32 checksum bits, the
 * first bits of SHA-256(entropy). n is 12, 15, 18, 21 or 24. */
static bool secrets_bip39_valid(const uint16_t *idx, size_t n)
{
	uint8_t bits[33] = {0};
	size_t pos = 0;
	for (size_t i = 0; i < n; i++)
		for (int b = 10; b >= 0; b--, pos++)
			if ((idx[i] >> b) & 1)
				bits[pos / 8] |= (uint8_t)(0x80 >> (pos % 8));
	size_t cs = n / 3, ent_bytes = 4 * cs;
	uint8_t h[32];
	secrets_sha256(bits, ent_bytes, h);
	uint8_t mask = (uint8_t)(0xFF << (8 - cs));
	return (h[0] & mask) == (bits[ent_bytes] & mask);
}

static bool secrets_bip39_length(size_t n)
{
	return n == 12 || n == 15 || n == 18 || n == 21 || n == 24;
}

/* One word of a run: its byte range, its index in each list (-1 if absent),
 * and whether separators stood between it and the previous word. */
struct secrets_tok {
	size_t start, end;
	int idx[SECRETS_LIST_COUNT];
	bool spaced;
};

/* true when tokens t[0..n) are a valid phrase in list l (into *ok_list). */
static bool secrets_phrase_valid(const struct secrets_tok *t, size_t n, int *ok_list)
{
	uint16_t idx[SECRETS_MAX_WORDS];
	if (!secrets_bip39_length(n))
		return false;
	for (int l = 0; l < SECRETS_LIST_COUNT; l++) {
		size_t i;
		for (i = 0; i < n && t[i].idx[l] >= 0; i++)
			idx[i] = (uint16_t)t[i].idx[l];
		if (i == n && secrets_bip39_valid(idx, n)) {
			*ok_list = l;
			return true;
		}
	}
	return false;
}

/* A generated phrase rarely repeats a word; a list in a log ("Unknown-2
 * Unknown-3 ...") does. true when at most one word in three is a repeat. */
static bool secrets_mostly_distinct(const struct secrets_tok *t, size_t n)
{
	size_t repeats = 0;
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(t[i].idx, t[j].idx, sizeof t[i].idx) == 0) {
				repeats++;
				break;
			}
	return repeats * 3 <= n;
}

/* Words written apart (English, or Chinese with separators). The run is
 * the phrase as written, maybe with a few list words around it ("please
 * check: ..."). Windows of every phrase length that leave out at most
 * SECRETS_MAX_EXTRA words are verified, longest first; the first that
 * verifies blocks. Looking further would find chance hits: any 12 words
 * verify 1 time in 16. A run of 12 or more without one warns. */
#define SECRETS_MAX_EXTRA 4

static void secrets_eval_spaced(const struct secrets_tok *t, size_t n, struct secrets_found *f)
{
	static const size_t lens[] = {24, 21, 18, 15, 12};
	int l;
	for (size_t k = 0; k < UTIL_ARRAY_LEN(lens); k++) {
		if (lens[k] > n || n - lens[k] > SECRETS_MAX_EXTRA)
			continue;
		for (size_t i = 0; i + lens[k] <= n; i++)
			if (secrets_phrase_valid(t + i, lens[k], &l)) {
				secrets_add(f, SECRETS_SEED_PHRASE, t[i].start,
				            t[i + lens[k] - 1].end - t[i].start);
				return;
			}
	}
	if (n >= 12 && secrets_mostly_distinct(t, n))
		secrets_add(f, SECRETS_SEED_PHRASE_UNVERIFIED, t[0].start,
		            t[n - 1].end - t[0].start);
}

/* Chinese written without separators: each character is a word, and the
 * list holds 2048 of the commonest characters, so ordinary sentences are
 * made of list words. Only a segment of exactly a phrase length, bounded by
 * non-list characters or punctuation, counts, and only when it verifies; but
 * that still lets 1 in 16 such clauses through. The list is in frequency
 * order: a real phrase draws its indices uniformly, a sentence mostly from
 * the first few hundred. Each character scores log2(share of prose
 * characters / share of random ones) for its index bucket floor(log2(i+1)),
 * x100, measured on 2.2 MB of Chinese prose (the zh_CN / zh_TW translations
 * of a Debian system). A segment scoring above 0 per 12 characters reads as
 * prose: that refuses 99.5% of prose segments and keeps 98% of random
 * 12-word phrases (more of longer ones). */
static bool secrets_zh_segment_plausible(const struct secrets_tok *t, size_t n, int l)
{
	static const int weight[12] = {624, 357, 416, 298, 278, 221, 113, 167, 78, -47, -235, -443};
	long score = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v = (unsigned)t[i].idx[l] + 1, bucket = 0;
		while (v >>= 1)
			bucket++;
		score += weight[bucket];
	}
	return score <= 0;
}

/* true when t[i] stands alone: separators before and after it. */
static bool secrets_zh_single(const struct secrets_tok *t, size_t n, size_t i)
{
	return (i == 0 || t[i].spaced) && (i + 1 >= n || t[i + 1].spaced);
}

/* true when t[0..n) is two or more segments of one length (above 1). */
static bool secrets_zh_equal_groups(const struct secrets_tok *t, size_t n)
{
	size_t first = 0, seg = 0, groups = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || (i > 0 && t[i].spaced)) {
			if (groups == 0)
				first = seg;
			else if (seg != first)
				return false;
			groups++;
			seg = 0;
		}
		seg++;
	}
	return groups >= 2 && first > 1;
}

/* Words that name a seed phrase. */
static const char *const secrets_zh_seed_words[] = {
    "助记词",   "助記詞",   "种子短语", "種子短語",        "种子词", "種子詞",
    "恢复短语", "恢復短語", "备份短语", "備份短語",        "seed",   "Seed",
    "SEED",     "mnemonic", "Mnemonic", "recovery phrase",
};

/* The end of the last seed word in text[from, to), or (size_t)-1. */
static size_t secrets_zh_seed_word_end(const char *text, size_t from, size_t to)
{
	size_t best = (size_t)-1;
	for (size_t i = from; i < to; i++)
		for (size_t k = 0; k < UTIL_ARRAY_LEN(secrets_zh_seed_words); k++) {
			size_t n = strlen(secrets_zh_seed_words[k]);
			if (i + n <= to && memcmp(text + i, secrets_zh_seed_words[k], n) == 0)
				best = i + n;
		}
	return best;
}

/* A phrase glued into a sentence ("我的助记词是……，谢谢") makes one long
 * segment of list characters. Where a seed word stands in it or just
 * before it, the rest of the segment after the seed word (and after one
 * "是"/"为" between) is checked as a phrase. Only that one window, ending
 * at the segment's end: windows anywhere would let ordinary prose, or a
 * mistyped phrase shifted by a character, verify by chance. */
static void secrets_eval_zh_labelled(const char *text, const struct secrets_tok *t, size_t n,
                                     struct secrets_found *f)
{
	size_t from = t[0].start > 48 ? t[0].start - 48 : 0;
	size_t kend = secrets_zh_seed_word_end(text, from, t[n - 1].end);
	if (kend == (size_t)-1)
		return;
	size_t k = 0;
	while (k < n && t[k].start < kend)
		k++;
	for (size_t a = k; a <= k + 1 && a < n; a++) {
		int l;
		if (secrets_phrase_valid(t + a, n - a, &l) &&
		    secrets_zh_segment_plausible(t + a, n - a, l)) {
			secrets_add(f, SECRETS_SEED_PHRASE, t[a].start, t[n - 1].end - t[a].start);
			return;
		}
	}
}

static void secrets_eval_zh(const char *text, const struct secrets_tok *t, size_t n,
                            struct secrets_found *f)
{
	/* Segments: maximal sub-runs joined without separators. */
	size_t i = 0;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && !t[j].spaced)
			j++;
		int l;
		if (j - i > 1 && secrets_phrase_valid(t + i, j - i, &l) &&
		    secrets_zh_segment_plausible(t + i, j - i, l))
			secrets_add(f, SECRETS_SEED_PHRASE, t[i].start, t[j - 1].end - t[i].start);
		else if (j - i > 12)
			secrets_eval_zh_labelled(text, t + i, j - i, f);
		i = j;
	}
	/* Groups of single characters written apart: like English. */
	i = 0;
	while (i < n) {
		if (!secrets_zh_single(t, n, i)) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && secrets_zh_single(t, n, j))
			j++;
		secrets_eval_spaced(t + i, j - i, f);
		i = j;
	}
	/* The whole run written in equal groups ("的一是在 不了有和 ..."). */
	int l;
	if (n <= SECRETS_MAX_WORDS && secrets_zh_equal_groups(t, n) &&
	    secrets_phrase_valid(t, n, &l) && secrets_zh_segment_plausible(t, n, l))
		secrets_add(f, SECRETS_SEED_PHRASE, t[0].start, t[n - 1].end - t[0].start);
}

static void secrets_eval_run(const char *text, const struct secrets_tok *t, size_t n, bool zh,
                             struct secrets_found *f)
{
	if (n == 0)
		return;
	if (zh)
		secrets_eval_zh(text, t, n, f);
	else
		secrets_eval_spaced(t, n, f);
}

/* Splits the text into runs of list words of one script (English or
 * Chinese) separated only by secrets_is_word_sep() characters. */
static void secrets_scan_seeds(const struct secrets *s, const char *text, size_t len,
                               struct secrets_found *f)
{
	struct secrets_tok *run = NULL;
	size_t n = 0, cap = 0;
	bool zh = false, gap = false;
	size_t i = 0;
	while (i <= len) {
		struct secrets_tok tok = {.start = i};
		bool is_word = false, tok_zh = false, breaks = i == len;
		size_t step = 1;
		if (i < len && secrets_is_alpha(text[i])) {
			size_t j = i;
			while (j < len && secrets_is_alpha(text[j]))
				j++;
			step = j - i;
			tok.idx[SECRETS_LIST_EN] = secrets_en_index(s, text + i, j - i);
			tok.idx[SECRETS_LIST_ZH_HANS] = tok.idx[SECRETS_LIST_ZH_HANT] = -1;
			is_word = tok.idx[SECRETS_LIST_EN] >= 0;
			breaks = !is_word;
		} else if (i < len) {
			uint32_t cp = secrets_cp_at(text, len, i, &step);
			tok.idx[SECRETS_LIST_EN] = -1;
			tok.idx[SECRETS_LIST_ZH_HANS] =
			    cp >= 0x80 ? secrets_zh_index(s, 0, cp) : -1;
			tok.idx[SECRETS_LIST_ZH_HANT] =
			    cp >= 0x80 ? secrets_zh_index(s, 1, cp) : -1;
			is_word = tok.idx[SECRETS_LIST_ZH_HANS] >= 0 ||
			          tok.idx[SECRETS_LIST_ZH_HANT] >= 0;
			tok_zh = true;
			if (!is_word) {
				if (secrets_is_word_sep(cp))
					gap = true;
				else
					breaks = true;
			}
		}
		tok.end = i + step;
		if (breaks || (is_word && n > 0 && tok_zh != zh)) {
			secrets_eval_run(text, run, n, zh, f);
			n = 0;
		}
		if (is_word) {
			if (n == cap) {
				cap = cap ? 2 * cap : 32;
				run = xrealloc(run, cap * sizeof *run);
			}
			tok.spaced = n > 0 && gap;
			run[n++] = tok;
			zh = tok_zh;
			gap = false;
		} else if (breaks) {
			gap = false;
		}
		i += step;
	}
	free(run);
}

/* ---- Base58Check keys ---------------------------------------------------- */

static int secrets_b58_digit(char c)
{
	static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Decodes Base58 s[0..n) into out (big-endian, leading '1' = zero byte).
 * Returns the byte length, or 0 when s is not Base58 or does not fit. */
static size_t secrets_b58_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	uint8_t num[128] = {0}; /* the value, big-endian, right-aligned */
	size_t zeros = 0;
	if (cap > sizeof num)
		return 0;
	while (zeros < n && s[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < n; i++) {
		int d = secrets_b58_digit(s[i]);
		if (d < 0)
			return 0;
		unsigned carry = (unsigned)d;
		for (size_t j = sizeof num; j-- > 0;) {
			carry += 58u * num[j];
			num[j] = (uint8_t)carry;
			carry >>= 8;
		}
		if (carry)
			return 0;
	}
	size_t first = 0;
	while (first < sizeof num && num[first] == 0)
		first++;
	size_t total = zeros + (sizeof num - first);
	if (total > cap)
		return 0;
	memset(out, 0, zeros);
	memcpy(out + zeros, num + first, sizeof num - first);
	return total;
}

/* true when the last 4 bytes of b[0..n) are the first 4 of SHA256d of the rest. */
static bool secrets_b58check_ok(const uint8_t *b, size_t n)
{
	uint8_t h1[32], h2[32];
	if (n < 5)
		return false;
	secrets_sha256(b, n - 4, h1);
	secrets_sha256(h1, sizeof h1, h2);
	return memcmp(h2, b + n - 4, 4) == 0;
}

/* WIF: 0x80 (mainnet) or 0xEF (testnet), 32 key bytes, optionally 0x01
 * (compressed public key), 4 checksum bytes. */
static bool secrets_is_wif(const char *s, size_t n)
{
	uint8_t b[64];
	if (n != 51 && n != 52)
		return false;
	size_t m = secrets_b58_decode(s, n, b, sizeof b);
	if (m != 37 && m != 38)
		return false;
	if (b[0] != 0x80 && b[0] != 0xEF)
		return false;
	if (m == 38 && b[33] != 0x01)
		return false;
	return secrets_b58check_ok(b, m);
}

/* BIP32 extended private key: 78-byte payload + 4 checksum bytes; the
 * version bytes make the text start with one of these prefixes. */
static bool secrets_is_xprv(const char *s, size_t n)
{
	static const char *const prefixes[] = {"xprv", "yprv", "zprv", "tprv", "uprv",
	                                       "vprv", "Yprv", "Zprv", "Uprv", "Vprv"};
	uint8_t b[96];
	if (n < 100 || n > 115)
		return false;
	bool prefix = false;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(prefixes); i++)
		if (memcmp(s, prefixes[i], 4) == 0)
			prefix = true;
	if (!prefix)
		return false;
	/* Byte 45 of a private key's key data is 0x00 (BIP32 serialization). */
	return secrets_b58_decode(s, n, b, sizeof b) == 82 && b[45] == 0x00 &&
	       secrets_b58check_ok(b, 82);
}

/* ---- 64-hex strings ------------------------------------------------------ */

static bool secrets_window_has(const char *w, size_t wlen, const char *needle, size_t *pos_out)
{
	size_t nl = strlen(needle);
	bool found = false;
	for (size_t i = 0; i + nl <= wlen; i++)
		if (util_ascii_ncasecmp(w + i, needle, nl) == 0) {
			*pos_out = i; /* keep the last one */
			found = true;
		}
	return found;
}

/* How the 30 characters before a 64-hex string label it: 1 a key, -1 a
 * transaction (txid, hash), 0 nothing. Whichever label is nearer wins. */
static int secrets_hex_label(const char *text, size_t start)
{
	static const char *const key_labels[] = {
	    "private key", "private_key", "privatekey", "privkey", "secret", "私钥",  "密钥",
	    "秘钥",        "key:",        "key=",       "key :",   "key:",   "key is"};
	static const char *const tx_labels[] = {"txid",    "tx id", "tx hash",    "txhash",
	                                        "tx_hash", "hash",  "交易",       "哈希",
	                                        "区块",    "block", "transaction"};
	size_t from = start, chars = 0;
	while (from > 0 && chars < 30) {
		from--;
		if (((unsigned char)text[from] & 0xC0) != 0x80)
			chars++;
	}
	const char *w = text + from;
	size_t wlen = start - from;
	long key_at = -1, tx_at = -1;
	size_t pos;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(key_labels); i++)
		if (secrets_window_has(w, wlen, key_labels[i], &pos) && (long)pos > key_at)
			key_at = (long)pos;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(tx_labels); i++)
		if (secrets_window_has(w, wlen, tx_labels[i], &pos) && (long)pos > tx_at)
			tx_at = (long)pos;
	if (key_at > tx_at)
		return 1;
	return tx_at >= 0 ? -1 : 0;
}

/* Alphanumeric tokens: WIF and extended keys, 64-hex strings. */
static void secrets_scan_tokens(const char *text, size_t len, enum secrets_context ctx,
                                struct secrets_found *f)
{
	size_t i = 0;
	while (i < len) {
		if (!secrets_is_alnum(text[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && secrets_is_alnum(text[j]))
			j++;
		const char *tok = text + i;
		size_t n = j - i;
		size_t hex_off = (n == 66 && tok[0] == '0' && (tok[1] | 0x20) == 'x') ? 2 : 0;
		bool hex = n - hex_off == 64;
		for (size_t k = hex_off; hex && k < n; k++)
			hex = secrets_is_hex(tok[k]);
		if (hex && ctx != SECRETS_CTX_TXID) {
			int label = secrets_hex_label(text, i);
			if (label > 0)
				secrets_add(f, SECRETS_HEX_PRIVATE_KEY, i, n);
			else if (label == 0)
				secrets_add(f, SECRETS_HEX_64, i, n);
		} else if (secrets_is_wif(tok, n)) {
			secrets_add(f, SECRETS_WIF_KEY, i, n);
		} else if (secrets_is_xprv(tok, n)) {
			secrets_add(f, SECRETS_XPRV, i, n);
		}
		i = j;
	}
}

/* ---- PEM and OpenSSH private keys (RFC 7468) ----------------------------- */

static const char *secrets_memmem(const char *h, size_t hlen, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= hlen; i++)
		if (memcmp(h + i, needle, nl) == 0)
			return h + i;
	return NULL;
}

static void secrets_scan_pem(const char *text, size_t len, struct secrets_found *f)
{
	size_t i = 0;
	const char *b;
	while ((b = secrets_memmem(text + i, len - i, "-----BEGIN ")) != NULL) {
		size_t start = (size_t)(b - text), lstart = start + 11;
		const char *dash = secrets_memmem(text + lstart, len - lstart, "-----");
		const char *nl = memchr(text + lstart, '\n', len - lstart);
		i = lstart;
		if (!dash || (nl && nl < dash))
			continue;
		size_t label_len = (size_t)(dash - (text + lstart));
		const char *label = text + lstart;
		bool priv =
		    (label_len >= 11 && memcmp(label + label_len - 11, "PRIVATE KEY", 11) == 0) ||
		    (label_len == 21 && memcmp(label, "PGP PRIVATE KEY BLOCK", 21) == 0);
		if (!priv)
			continue;
		enum secrets_kind kind =
		    label_len == 19 && memcmp(label, "OPENSSH PRIVATE KEY", 19) == 0
		        ? SECRETS_OPENSSH_PRIVATE_KEY
		        : SECRETS_PEM_PRIVATE_KEY;
		/* The block runs to its END line, or to the end of the text. */
		size_t end = len;
		const char *e =
		    secrets_memmem(dash + 5, len - (size_t)(dash + 5 - text), "-----END ");
		if (e) {
			const char *close =
			    secrets_memmem(e + 9, len - (size_t)(e + 9 - text), "-----");
			end = close ? (size_t)(close + 5 - text) : len;
		}
		secrets_add(f, kind, start, end - start);
		i = end;
	}
}

/* ---- Values next to a keyword -------------------------------------------- */

enum secrets_value {
	SECRETS_VALUE_API,      /* UUID or a long random token */
	SECRETS_VALUE_PASSWORD, /* a non-space token that is not a common word */
	SECRETS_VALUE_LABELLED, /* the same, only after ":" or "=" (a short keyword
	                           that is also an English word: "pass") */
	SECRETS_VALUE_CODE,     /* 4 to 8 digits */
};

struct secrets_keyword {
	const char *text; /* ASCII ones match case-insensitively, as words */
	enum secrets_kind kind;
	enum secrets_value value;
};

/* Longer keywords first: the first match at a position wins. */
static const struct secrets_keyword secrets_keywords[] = {
    {"google authenticator code", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"authenticator code", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"verification code", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"google code", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"2fa code", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"otp code", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"sms code", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"email code", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"code is", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"2fa", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"otp", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"短信验证码", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"邮箱验证码", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"谷歌验证码", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"验证码", SECRETS_OTP_CODE, SECRETS_VALUE_CODE},
    {"api secret key", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"api secret", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"api_secret", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"apisecret", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"secret key", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"secret_key", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"secretkey", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"api key", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"api-key", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"api_key", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"apikey", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"api 密钥", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"api密钥", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"密钥", SECRETS_API_SECRET, SECRETS_VALUE_API},
    {"passphrase", SECRETS_API_SECRET, SECRETS_VALUE_PASSWORD},
    {"password", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"passwd", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"pwd", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"p@ssword", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"p@ssw0rd", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"passw0rd", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    /* "I could not pass KYC2", "pw reset": prose, unless written as a
     * label ("pass: ...", "pw=..."). "passed", "bypass", "passport" are
     * other words (keywords match whole words only). */
    {"pass", SECRETS_PASSWORD, SECRETS_VALUE_LABELLED},
    {"pw", SECRETS_PASSWORD, SECRETS_VALUE_LABELLED},
    /* "PIN: 483920" is one; "the PIN was reset", "PIN码错误" are prose. */
    {"pin", SECRETS_PASSWORD, SECRETS_VALUE_LABELLED},
    {"登录密码", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"資金密碼", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"资金密码", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"交易密码", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"密碼", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"密码", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
    {"口令", SECRETS_PASSWORD, SECRETS_VALUE_PASSWORD},
};

/* Words that follow "password:" in support stories without being one. */
static const char *const secrets_common_words[] = {
    "reset",    "incorrect", "wrong",     "error",    "invalid",   "correct",    "right",
    "forgot",   "forgotten", "changed",   "change",   "expired",   "locked",     "blocked",
    "failed",   "failure",   "required",  "unknown",  "none",      "null",       "hidden",
    "removed",  "redacted",  "omitted",   "same",     "updated",   "update",     "rejected",
    "accepted", "lost",      "missing",   "empty",    "disabled",  "enabled",    "sent",
    "received", "resent",    "correctly", "never",    "not",       "still",      "again",
    "already",  "attempts",  "attempt",   "twice",    "times",     "retrieval",  "recovery",
    "manager",  "policy",    "strength",  "length",   "field",     "login",      "page",
    "button",   "screen",    "prompt",    "setting",  "settings",  "permission", "permissions",
    "working",  "works",     "valid",     "verified", "unchanged", "modified",   "mismatch",
    "timeout",  "pending",   "private",   "public",   "ignored",   "needed",     "unavailable",
    "https",    "http",      "with",      "from",     "that",      "this",       "when",
};

static bool secrets_common_word(const char *v, size_t n)
{
	for (size_t i = 0; i < UTIL_ARRAY_LEN(secrets_common_words); i++)
		if (strlen(secrets_common_words[i]) == n &&
		    util_ascii_ncasecmp(v, secrets_common_words[i], n) == 0)
			return true;
	return false;
}

static bool secrets_starts(const char *text, size_t len, size_t i, const char *s)
{
	size_t n = strlen(s);
	return i + n <= len && memcmp(text + i, s, n) == 0;
}

/* Matches keyword k at text[i]: ASCII keywords ignore case and must stand
 * as a word. Returns the end offset, or 0. */
static size_t secrets_match_keyword(const char *text, size_t len, size_t i,
                                    const struct secrets_keyword *k)
{
	size_t n = strlen(k->text);
	if (i + n > len || util_ascii_ncasecmp(text + i, k->text, n) != 0)
		return 0;
	bool ascii_start = (unsigned char)k->text[0] < 0x80;
	bool ascii_end = (unsigned char)k->text[n - 1] < 0x80;
	/* "update-passwd", "/etc/passwd", "$(pwd -P)" name programs and files. */
	if (ascii_start && i > 0 &&
	    (secrets_is_alnum(text[i - 1]) || (text[i - 1] && strchr("-_./$%(", text[i - 1]))))
		return 0;
	if (ascii_end && i + n < len && (secrets_is_alnum(text[i + n]) || text[i + n] == '_'))
		return 0;
	return i + n;
}

/* Skips what may stand between a keyword and its value: spaces and ":",
 * "=", "是", "为", "is", "was". *strong is set by an explicit separator. */
static size_t secrets_skip_separator(const char *text, size_t len, size_t i, bool *any,
                                     bool *strong)
{
	/* Full-width forms written as escapes so no editor can turn them
	 * into their ASCII look-alikes: "：" U+FF1A, "＝" U+FF1D, "﹕" U+FE55. */
	static const char *const strong_seps[] = {
	    ":", "=", "\xEF\xBC\x9A", "\xEF\xBC\x9D", "\xEF\xB9\x95", "是", "为", "為"};
	static const char *const weak_words[] = {"is", "was", "are"};
	size_t start = i;
	for (int rounds = 0; rounds < 8 && i < len && i - start < 24; rounds++) {
		if (text[i] == ' ' || text[i] == '\t') {
			*any = true;
			i++;
			continue;
		}
		if (secrets_starts(text, len, i, "\xE3\x80\x80")) { /* ideographic space */
			*any = true;
			i += 3;
			continue;
		}
		bool matched = false;
		for (size_t k = 0; !matched && k < UTIL_ARRAY_LEN(strong_seps); k++)
			if (secrets_starts(text, len, i, strong_seps[k])) {
				*any = *strong = matched = true;
				i += strlen(strong_seps[k]);
			}
		for (size_t k = 0; !matched && k < UTIL_ARRAY_LEN(weak_words); k++) {
			size_t n = strlen(weak_words[k]);
			if (i + n < len && util_ascii_ncasecmp(text + i, weak_words[k], n) == 0 &&
			    !secrets_is_alnum(text[i + n]) && *any) {
				matched = true;
				i += n;
			}
		}
		if (!matched)
			break;
	}
	return i;
}

/* A code: 4-8 digits ("123 456" as shown by authenticator apps too), not
 * part of a date, a time, an amount or a longer number. Returns its end. */
static size_t secrets_code_value(const char *text, size_t len, size_t i)
{
	size_t j = i;
	while (j < len && secrets_is_digit(text[j]))
		j++;
	if (j - i == 3 && j + 4 <= len && text[j] == ' ' && secrets_is_digit(text[j + 1]) &&
	    secrets_is_digit(text[j + 2]) && secrets_is_digit(text[j + 3]) &&
	    (j + 4 == len || !secrets_is_digit(text[j + 4])))
		j += 4;
	size_t digits = j - i == 7 ? 6 : j - i;
	if (digits < 4 || digits > 8)
		return 0;
	if (j < len) {
		static const char *const after[] = {"-",  "/",  ":",  "%",  "年", "月",
		                                    "日", "号", "点", "时", "分", "秒",
		                                    "位", "次", "个", "元", "天"};
		if (secrets_is_alpha(text[j]) || text[j] == '_')
			return 0;
		for (size_t k = 0; k < UTIL_ARRAY_LEN(after); k++)
			if (secrets_starts(text, len, j, after[k]))
				return 0;
		/* "123456." ends a sentence; "2024.11" is a date, "1,000" an amount. */
		if ((text[j] == '.' || text[j] == ',') && j + 1 < len &&
		    secrets_is_digit(text[j + 1]))
			return 0;
	}
	return j;
}

static bool secrets_date_like(const char *v, size_t n)
{
	size_t digits = 0, seps = 0;
	for (size_t i = 0; i < n; i++) {
		if (secrets_is_digit(v[i]))
			digits++;
		else if (v[i] == '-' || v[i] == '/' || v[i] == ':' || v[i] == '.')
			seps++;
	}
	if (n > 0 && (v[0] == 'v' || v[0] == 'V') && digits + seps == n - 1 && seps > 0)
		return true; /* a version: v2.3.1 */
	return seps > 0 && digits + seps == n;
}

/* A password: printable ASCII without spaces, quotes stripped, at least 4
 * characters, not masked, not a path, date or common word. After an explicit
 * separator (":", "=", "是") that is enough, but a word made only of letters
 * must mix case ("Password: Incorrect" is a message, "hunTer" a password).
 * After a space or "is" it must look made up: letters with digits or
 * symbols, or 6+ digits ("password is wrong", "password 3 times").
 * Returns the end or 0; the value's start goes to *vstart. */
static size_t secrets_password_value(const char *text, size_t len, size_t i, bool strong,
                                     size_t *vstart)
{
	static const char *const open_quotes[] = {"\"", "'", "`", "“", "「", "『", "‘"};
	for (size_t k = 0; k < UTIL_ARRAY_LEN(open_quotes); k++)
		if (secrets_starts(text, len, i, open_quotes[k])) {
			i += strlen(open_quotes[k]);
			break;
		}
	size_t j = i;
	while (j < len && text[j] > 0x20 && text[j] < 0x7F && text[j] != '"' && text[j] != '\'' &&
	       text[j] != '`')
		j++;
	while (j > i && strchr(".,;!?)]", text[j - 1]))
		j--;
	size_t n = j - i;
	const char *v = text + i;
	/* Not an option, a path, a label ("file:") or a call ("pam_start("). */
	if (n < 4 || n > 128 || (v[0] && strchr("([{</~-_", v[0])) ||
	    (v[n - 1] && strchr(":(", v[n - 1])))
		return 0;
	bool letters = false, digits = false, other = false, masked = true, inner_upper = false,
	     lower = false;
	for (size_t k = 0; k < n; k++) {
		letters |= secrets_is_alpha(v[k]);
		digits |= secrets_is_digit(v[k]);
		/* "single-threaded", "SOME_CONSTANT": joiners are not symbols. */
		other |= !secrets_is_alnum(v[k]) && v[k] != '-' && v[k] != '_';
		if (v[k] == '%' || v[k] == '\\')
			return 0; /* escaped text, not typed */
		lower |= v[k] >= 'a' && v[k] <= 'z';
		inner_upper |= k > 0 && v[k] >= 'A' && v[k] <= 'Z';
		masked &= v[k] == '*' || v[k] == 'x' || v[k] == 'X' || v[k] == '.';
	}
	if (masked || secrets_common_word(v, n) || secrets_date_like(v, n) ||
	    util_ascii_ncasecmp(v, "http", 4) == 0)
		return 0;
	bool made_up = (letters && (digits || other)) || (digits && !letters && !other && n >= 6);
	if (!made_up) {
		if (!strong)
			return 0;
		if (letters && !digits && !other && !(inner_upper && lower))
			return 0;
	}
	*vstart = i;
	return j;
}

/* An API key or secret: a UUID, or 16+ characters of a random-looking token
 * (letters and digits, maybe - _ + / =). */
static size_t secrets_api_value(const char *text, size_t len, size_t i)
{
	size_t j = i;
	bool letters = false, digits = false;
	while (j < len && (secrets_is_alnum(text[j]) || (text[j] && strchr("-_+/=", text[j])))) {
		letters |= secrets_is_alpha(text[j]);
		digits |= secrets_is_digit(text[j]);
		j++;
	}
	while (j > i && strchr("-_/", text[j - 1]))
		j--;
	if (j - i < 16 || !letters || !digits)
		return 0;
	return j;
}

/* true when "code is" belongs to an error code ("error code is 50001"). */
static bool secrets_error_code(const char *text, size_t i)
{
	static const char *const before[] = {"error ",  "err ", "status ", "response ",
	                                     "return ", "错误", "reason ", "fault "};
	for (size_t k = 0; k < UTIL_ARRAY_LEN(before); k++) {
		size_t n = strlen(before[k]);
		if (i >= n && util_ascii_ncasecmp(text + i - n, before[k], n) == 0)
			return true;
	}
	return false;
}

static void secrets_scan_keywords(const char *text, size_t len, struct secrets_found *f)
{
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80)
			continue;
		for (size_t k = 0; k < UTIL_ARRAY_LEN(secrets_keywords); k++) {
			const struct secrets_keyword *kw = &secrets_keywords[k];
			size_t kend = secrets_match_keyword(text, len, i, kw);
			if (!kend)
				continue;
			if (kw->value == SECRETS_VALUE_CODE && strcmp(kw->text, "code is") == 0 &&
			    secrets_error_code(text, i))
				break;
			/* Chinese is written without spaces: "验证码123456". */
			bool cjk = (unsigned char)kw->text[strlen(kw->text) - 1] >= 0x80;
			bool any = false, strong = false;
			size_t v = secrets_skip_separator(text, len, kend, &any, &strong);
			if ((!any && !cjk) || (kw->value == SECRETS_VALUE_LABELLED && !strong))
				break;
			size_t vstart = v, vend = 0;
			if (kw->value == SECRETS_VALUE_CODE)
				vend = secrets_code_value(text, len, v);
			else if (kw->value == SECRETS_VALUE_API)
				vend = secrets_api_value(text, len, v);
			else
				vend = secrets_password_value(text, len, v, strong, &vstart);
			if (vend)
				secrets_add(f, kw->kind, vstart, vend - vstart);
			break;
		}
	}
}

/* ---- The configured credentials ------------------------------------------ */

static void secrets_scan_extra(const char *text, size_t len, const char *const *extra,
                               struct secrets_found *f)
{
	for (; extra && *extra; extra++) {
		size_t n = strlen(*extra);
		if (n < 4)
			continue;
		for (size_t i = 0; i + n <= len; i++)
			if (memcmp(text + i, *extra, n) == 0) {
				secrets_add(f, SECRETS_SMTP_SECRET, i, n);
				i += n - 1;
			}
	}
}

/* ---- Public interface ---------------------------------------------------- */

size_t secrets_scan(const struct secrets *s, const char *text, size_t len, enum secrets_context ctx,
                    const char *const *extra_secrets, struct secrets_finding **out)
{
	struct secrets_found f = {NULL, 0};
	secrets_scan_extra(text, len, extra_secrets, &f);
	secrets_scan_pem(text, len, &f);
	secrets_scan_tokens(text, len, ctx, &f);
	secrets_scan_seeds(s, text, len, &f);
	secrets_scan_keywords(text, len, &f);
	secrets_dedupe(&f);
	if (f.n == 0) {
		free(f.v);
		f.v = NULL;
	}
	*out = f.v;
	return f.n;
}

void secrets_line_col(const char *text, size_t len, size_t offset, size_t *line_out,
                      size_t *col_out)
{
	size_t line = 1, col = 1;
	if (offset > len)
		offset = len;
	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	*line_out = line;
	*col_out = col;
}

/* true when text[off..off+n) is the TxID known (case and 0x ignored). */
static bool secrets_is_known_txid(const char *text, size_t off, size_t n, const char *known)
{
	if (!known)
		return false;
	const char *a = text + off;
	if (n >= 2 && a[0] == '0' && (a[1] | 0x20) == 'x') {
		a += 2;
		n -= 2;
	}
	if (known[0] == '0' && (known[1] | 0x20) == 'x')
		known += 2;
	return strlen(known) == n && util_ascii_ncasecmp(a, known, n) == 0;
}

/* A finding to report: where it is, and the secret's bytes in the text
 * read (to tell whether two readings of a file found the same one). */
struct secrets_report {
	enum secrets_kind kind;
	enum secrets_action action;
	size_t line, col;
	const char *at;
	size_t len;
};

struct secrets_reports {
	struct secrets_report *v;
	size_t n;
};

/* Adds the findings of text[0..len) to r, but an unlabelled 64-hex string
 * that is the ticket's TxID. */
static void secrets_collect(const struct secrets *s, const char *text, size_t len,
                            enum secrets_context ctx, const char *const *extra_secrets,
                            const char *known_txid, struct secrets_reports *r)
{
	struct secrets_finding *f;
	size_t n = secrets_scan(s, text, len, ctx, extra_secrets, &f);
	for (size_t i = 0; i < n; i++) {
		if (f[i].kind == SECRETS_HEX_64 &&
		    secrets_is_known_txid(text, f[i].offset, f[i].length, known_txid))
			continue;
		struct secrets_report e = {.kind = f[i].kind,
		                           .action = f[i].action,
		                           .at = text + f[i].offset,
		                           .len = f[i].length};
		secrets_line_col(text, len, f[i].offset, &e.line, &e.col);
		r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
		r->v[r->n++] = e;
	}
	free(f);
}

/* Adds to r the findings of another reading of the same file (in more):
 * one that r has already (the same bytes on the same line) is dropped,
 * but a block replaces a warning ("私钥: <hex>" in GBK read as bytes is
 * only an unlabelled hex string). */
static void secrets_merge(struct secrets_reports *r, const struct secrets_reports *more)
{
	size_t had = r->n;
	for (size_t i = 0; i < more->n; i++) {
		const struct secrets_report *m = &more->v[i];
		bool dup = false;
		for (size_t j = 0; j < had && !dup; j++) {
			struct secrets_report *e = &r->v[j];
			if (e->line != m->line || e->len != m->len ||
			    memcmp(e->at, m->at, m->len) != 0)
				continue;
			dup = true;
			if (e->action == SECRETS_WARN && m->action == SECRETS_BLOCK)
				*e = *m;
		}
		if (dup)
			continue;
		r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
		r->v[r->n++] = *m;
	}
}

static int secrets_report_cmp(const void *a, const void *b)
{
	const struct secrets_report *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/* One diagnostic per report, in the order of the text; name is what the
 * messages call the field or file. Returns the number of errors. */
static size_t secrets_emit(const struct secrets_reports *r, int field, const char *where,
                           const char *name, struct diags *d)
{
	size_t errors = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct secrets_report *e = &r->v[i];
		const char *what = _(secrets_kind_what[e->kind]);
		const char *kind_name = secrets_kind_names[e->kind];
		if (e->action == SECRETS_BLOCK) {
			diags_add(d, DIAG_ERROR, field, where, kind_name,
			          _("%s, line %zu, column %zu: contains %s; remove it. Official "
			            "support never asks for it; anyone who does is a phisher."),
			          name, e->line, e->col, what);
			errors++;
		} else {
			diags_add(
			    d, DIAG_WARNING, field, where, kind_name,
			    _("%s, line %zu, column %zu: contains %s. Official support never "
			      "asks for secrets; anyone who does is a phisher. Remove it, or if "
			      "it is not a secret, accept it with --allow %s."),
			    name, e->line, e->col, what, kind_name);
		}
	}
	return errors;
}

static void secrets_free_text(char *text, size_t len)
{
	if (text)
		explicit_bzero(text, len);
	free(text);
}

/* true when valid UTF-8 text[0..len) has non-ASCII characters but none
 * from U+0800 up: no Chinese at all, only Latin accents, Greek, Cyrillic
 * and the like. Short GBK text may be such UTF-8 by chance ("私钥" in GBK
 * is CB BD D4 BF, which is UTF-8 for two unrelated letters). */
static bool secrets_utf8_without_cjk(const char *text, size_t len)
{
	bool other = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 0xE0)
			return false;
		other |= c >= 0x80;
	}
	return other;
}

/* An attachment is read as the text its reader sees: UTF-16 and UTF-32
 * decoded (textenc.h), a UTF-8 byte order mark skipped. Text that may be
 * GBK / GB18030 (Chinese Windows) is read that way too: text that is not
 * valid UTF-8 when GB18030 fits it clearly better (a quarter of the
 * undecodable bytes or fewer), and valid UTF-8 without Chinese when
 * GB18030 decodes all of it. Then both readings are scanned (a Latin-1 log
 * is best read as bytes), and a secret found in both is reported once, at
 * its place in the likelier reading. UTF-16 and UTF-32 files are scanned
 * as bytes as well. */
static void secrets_collect_file(const struct secrets *s, const char *text, size_t len,
                                 const char *const *extra_secrets, const char *known_txid,
                                 struct secrets_reports *r, char **decoded, size_t *decoded_len)
{
	enum secrets_context ctx = SECRETS_CTX_ATTACHMENT;
	size_t bom;
	enum textenc enc = textenc_detect(text, len, &bom);
	if (enc != TEXTENC_BYTES) {
		*decoded = textenc_to_utf8(text, len, enc, decoded_len);
		secrets_collect(s, *decoded, *decoded_len, ctx, extra_secrets, known_txid, r);
		/* The bytes too: a UTF-16 log that something later appended plain
		 * ASCII to ("echo ... >> log") holds that tail only as bytes. */
		struct secrets_reports raw = {NULL, 0};
		secrets_collect(s, text, len, ctx, extra_secrets, known_txid, &raw);
		secrets_merge(r, &raw);
		free(raw.v);
		return;
	}
	text += bom;
	len -= bom;
	size_t bad = textenc_utf8_errors(text, len), gb_bad = 0, n = 0;
	bool try_gb = bad > 0 || secrets_utf8_without_cjk(text, len);
	char *gb = try_gb ? textenc_gb18030_to_utf8(text, len, &n, &gb_bad) : NULL;
	if (!gb || (bad > 0 && gb_bad * 4 >= bad) || (bad == 0 && gb_bad > 0)) {
		secrets_free_text(gb, n);
		secrets_collect(s, text, len, ctx, extra_secrets, known_txid, r);
		return;
	}
	*decoded = gb;
	*decoded_len = n;
	struct secrets_reports more = {NULL, 0};
	secrets_collect(s, bad ? gb : text, bad ? n : len, ctx, extra_secrets, known_txid, r);
	secrets_collect(s, bad ? text : gb, bad ? len : n, ctx, extra_secrets, known_txid, &more);
	secrets_merge(r, &more);
	free(more.v);
}

size_t secrets_diagnose(const struct secrets *s, const char *text, size_t len,
                        enum secrets_context ctx, const char *const *extra_secrets,
                        const char *known_txid, int field, const char *where, struct diags *d)
{
	const char *name = field >= 0 && field < TF_COUNT ? ticket_field_label(field, i18n_lang())
	                   : where                        ? where
	                                                  : _("text");
	struct secrets_reports r = {NULL, 0};
	char *decoded = NULL;
	size_t decoded_len = 0;
	if (ctx == SECRETS_CTX_ATTACHMENT)
		secrets_collect_file(s, text, len, extra_secrets, known_txid, &r, &decoded,
		                     &decoded_len);
	else
		secrets_collect(s, text, len, ctx, extra_secrets, known_txid, &r);
	if (r.n > 1)
		qsort(r.v, r.n, sizeof *r.v, secrets_report_cmp);
	size_t errors = secrets_emit(&r, field, where, name, d);
	free(r.v);
	secrets_free_text(decoded, decoded_len);
	return errors;
}

char *secrets_mask(const struct secrets *s, const char *text, size_t len, enum secrets_context ctx,
                   const char *const *extra_secrets, const char *known_txid, bool warnings,
                   size_t *count_out)
{
	struct secrets_finding *f;
	size_t n = secrets_scan(s, text, len, ctx, extra_secrets, &f);
	struct strbuf sb;
	strbuf_init(&sb);
	size_t pos = 0, count = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i].kind == SECRETS_HEX_64 &&
		    secrets_is_known_txid(text, f[i].offset, f[i].length, known_txid))
			continue;
		if (f[i].action != SECRETS_BLOCK && !warnings)
			continue;
		size_t end = f[i].offset + f[i].length;
		if (end <= pos)
			continue;
		if (f[i].offset > pos)
			strbuf_add(&sb, text + pos, f[i].offset - pos);
		/* Overlapping ranges share one mask. */
		if (f[i].offset >= pos)
			strbuf_adds(&sb, SECRETS_MASK);
		pos = end;
		count++;
	}
	strbuf_add(&sb, text + pos, len - pos);
	free(f);
	if (count_out)
		*count_out = count;
	return strbuf_take(&sb);
}

const char *secrets_kind_name(enum secrets_kind kind)
{
	return (unsigned)kind < SECRETS_KIND_COUNT ? secrets_kind_names[kind] : "unknown";
}

int secrets_kind_lookup(const char *name)
{
	if (!name)
		return -1;
	for (int k = 0; k < SECRETS_KIND_COUNT; k++)
		if (strcmp(name, secrets_kind_names[k]) == 0)
			return k;
	if (strcmp(name, "hex-64-unlabelled") == 0)
		return SECRETS_HEX_64;
	if (strcmp(name, "seed-phrase-bad-checksum") == 0)
		return SECRETS_SEED_PHRASE_UNVERIFIED;
	return -1;
}
