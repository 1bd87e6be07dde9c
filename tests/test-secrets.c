/* test-secrets.c - the secret-leak scanner.
 *
 * Seed phrases and keys are generated fresh on every run by independent code
 * (python3-mnemonic, Python's hashlib), so the scanner's own SHA-256 and
 * Base58 are checked against other implementations, not against themselves.
 */
#include "secrets.h"

#include "diag.h"
#include "ticket.h"
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PYTHON "/usr/bin/python3"

static struct secrets *sec;

static void setup(void)
{
	char *err = NULL;
	setenv("TICKETMAIL_DATADIR", TOP_DIR "/share", 1);
	int rc = secrets_load(&sec, &err);
	if (rc != SECRETS_EOK)
		fprintf(stderr, "secrets_load: %s\n", err);
	ck_assert_int_eq(rc, SECRETS_EOK);
	ck_assert_ptr_nonnull(sec);
	free(err);
}

static void teardown(void)
{
	secrets_free(sec);
	sec = NULL;
}

static size_t scan(const char *text, enum secrets_context ctx, const char *const *extra,
                   struct secrets_finding **f)
{
	return secrets_scan(sec, text, strlen(text), ctx, extra, f);
}

/* Runs a Python program and returns its output lines (allocated). */
static char **python_lines(const char *program, size_t *n_out)
{
	char *cmd = xasprintf("%s -c '%s'", PYTHON, program);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char **lines = NULL;
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, p)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		lines = xrealloc(lines, (n + 1) * sizeof *lines);
		lines[n++] = xstrdup(line);
	}
	free(line);
	ck_assert_int_eq(pclose(p), 0);
	free(cmd);
	ck_assert_uint_gt(n, 0);
	*n_out = n;
	return lines;
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Splits s at sep (in place); returns up to max pieces. */
static size_t split(char *s, const char *sep, char **out, size_t max)
{
	size_t n = 0;
	size_t sl = strlen(sep);
	while (n < max) {
		out[n++] = s;
		char *e = strstr(s, sep);
		if (!e)
			break;
		*e = '\0';
		s = e + sl;
	}
	return n;
}

/* Returns the line at *cur (NUL-terminated in place) and moves past it. */
static char *next_line(char **cur)
{
	char *line = *cur;
	if (!line || !*line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = NULL;
	}
	return line;
}

/* ---- Seed phrases from python3-mnemonic --------------------------------- */

/* Prints: list TAB words(valid) TAB words(bad checksum), space-separated.
 * The bad phrase has its last word replaced so that neither it nor any
 * window the scanner looks at (at most 4 words left out) verifies; when a
 * window without the last word verifies by chance, a new phrase is drawn. */
static const char *const mnemonic_program =
    "from mnemonic import Mnemonic\n"
    "def verifies(m, w):\n"
    "    L = len(w)\n"
    "    return any(m.check(\" \".join(w[i:i + n])) for n in (12, 15, 18, 21, 24)\n"
    "               if n <= L and L - n <= 4 for i in range(L - n + 1))\n"
    "for lang in (\"english\", \"chinese_simplified\", \"chinese_traditional\"):\n"
    "    m = Mnemonic(lang)\n"
    "    for strength in (128, 160, 256) * 6:\n"
    "        bad = None\n"
    "        while bad is None:\n"
    "            w = m.generate(strength).split(\" \")\n"
    "            for c in m.wordlist:\n"
    "                if not verifies(m, w[:-1] + [c]):\n"
    "                    bad = w[:-1] + [c]\n"
    "                    break\n"
    "        print(lang, \" \".join(w), \" \".join(bad), sep=\"\\t\")\n";

/* Joins words with sep; numbered adds "1. " before each. The byte range of
 * the words goes to *start / *end. */
static char *join_words(const char *prefix, char **w, size_t n, const char *sep, bool numbered,
                        const char *suffix, size_t *start, size_t *end)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, prefix);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strbuf_adds(&sb, sep);
		if (numbered)
			strbuf_addf(&sb, "%zu. ", i + 1);
		if (i == 0)
			*start = sb.len;
		strbuf_adds(&sb, w[i]);
	}
	*end = sb.len;
	strbuf_adds(&sb, suffix);
	return strbuf_take(&sb);
}

/* Scans text; checks it holds exactly one finding of kind over [start,end). */
static void expect_one(const char *text, enum secrets_kind kind, size_t start, size_t end)
{
	struct secrets_finding *f;
	size_t n = scan(text, SECRETS_CTX_TEXT, NULL, &f);
	if (n != 1 || f[0].kind != kind || f[0].offset != start || f[0].length != end - start)
		fprintf(stderr, "unexpected findings (%zu, first %s) in: %s\n", n,
		        n ? f[0].kind_name : "-", text);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(f[0].kind, kind);
	ck_assert_uint_eq(f[0].offset, start);
	ck_assert_uint_eq(f[0].length, end - start);
	free(f);
}

START_TEST(test_seed_phrases)
{
	size_t nl;
	char **lines = python_lines(mnemonic_program, &nl);
	size_t zh_unspaced = 0, zh_unspaced_blocked = 0;
	for (size_t li = 0; li < nl; li++) {
		char *col[3];
		ck_assert_uint_eq(split(lines[li], "\t", col, 3), 3);
		bool zh = strncmp(col[0], "chinese", 7) == 0;
		char *good[24], *bad[24];
		size_t n = split(col[1], " ", good, 24);
		ck_assert_uint_eq(split(col[2], " ", bad, 24), n);
		ck_assert(n == 12 || n == 15 || n == 24);
		const char *prefix = zh ? "我的助记词:" : "My wallet backup words are: ";
		const char *suffix = zh ? "。谢谢" : " (thanks)";
		const char *seps[] = {" ", ", ", "\n", zh ? "、" : " ,", zh ? "," : "  "};
		size_t s, e;
		for (size_t k = 0; k < UTIL_ARRAY_LEN(seps); k++) {
			char *t = join_words(prefix, good, n, seps[k], false, suffix, &s, &e);
			expect_one(t, SECRETS_SEED_PHRASE, s, e);
			free(t);
			t = join_words(prefix, bad, n, seps[k], false, suffix, &s, &e);
			expect_one(t, SECRETS_SEED_PHRASE_UNVERIFIED, s, e);
			free(t);
		}
		char *t = join_words(prefix, good, n, "\n", true, suffix, &s, &e);
		expect_one(t, SECRETS_SEED_PHRASE, s, e);
		free(t);
		if (!zh) {
			/* Case does not hide a phrase. */
			for (size_t i = 0; i < n; i++)
				good[i][0] = (char)(good[i][0] - 'a' + 'A');
			t = join_words(prefix, good, n, " ", false, suffix, &s, &e);
			expect_one(t, SECRETS_SEED_PHRASE, s, e);
			free(t);
			continue;
		}
		/* Chinese without separators: blocks when it verifies (most
		 * of the time; see secrets_zh_segment_plausible), and never
		 * warns; a bad checksum is ordinary text. */
		struct secrets_finding *f;
		t = join_words(prefix, good, n, "", false, suffix, &s, &e);
		size_t m = scan(t, SECRETS_CTX_TEXT, NULL, &f);
		ck_assert_uint_le(m, 1);
		if (m == 1) {
			ck_assert_int_eq(f[0].kind, SECRETS_SEED_PHRASE);
			ck_assert_uint_eq(f[0].offset, s);
			ck_assert_uint_eq(f[0].length, e - s);
			zh_unspaced_blocked++;
		}
		zh_unspaced++;
		free(f);
		free(t);
		t = join_words(prefix, bad, n, "", false, suffix, &s, &e);
		ck_assert_uint_eq(scan(t, SECRETS_CTX_TEXT, NULL, &f), 0);
		free(t);
	}
	/* 36 phrases; the filter keeps 98% of 12-word ones and more of longer. */
	ck_assert_uint_eq(zh_unspaced, 36);
	ck_assert_uint_ge(zh_unspaced_blocked, 32);
	free_lines(lines, nl);
}
END_TEST

/* Known BIP39 test vector (trezor/python-mnemonic vectors.json). */
START_TEST(test_seed_vector)
{
	const char *p =
	    "legal winner thank year wave sausage worth useful legal winner thank yellow";
	expect_one(p, SECRETS_SEED_PHRASE, 0, strlen(p));
	/* One word changed: the checksum fails. */
	const char *q = "legal winner thank year wave sausage worth useful legal winner thank year";
	expect_one(q, SECRETS_SEED_PHRASE_UNVERIFIED, 0, strlen(q));
	/* Eleven words are not a phrase. */
	struct secrets_finding *f;
	ck_assert_uint_eq(
	    scan("legal winner thank year wave sausage worth useful legal winner thank", 0, NULL,
	         &f),
	    0);
}
END_TEST

/* ---- Base58Check keys from Python's hashlib ------------------------------ */

static const char *const keys_program =
    "import hashlib, os\n"
    "A = \"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz\"\n"
    "def b58(b):\n"
    "    n = int.from_bytes(b, \"big\"); s = \"\"\n"
    "    while n:\n"
    "        n, r = divmod(n, 58); s = A[r] + s\n"
    "    return \"1\" * (len(b) - len(b.lstrip(bytes(1)))) + s\n"
    "def chk(p):\n"
    "    return b58(p + hashlib.sha256(hashlib.sha256(p).digest()).digest()[:4])\n"
    "for i in range(20):\n"
    "    k = os.urandom(32)\n"
    "    print(\"wif\", chk(bytes([0x80]) + k))\n"
    "    print(\"wif\", chk(bytes([0x80]) + k + bytes([1])))\n"
    "    print(\"wif\", chk(bytes([0xef]) + k + bytes([1])))\n"
    "    for v in (\"0488ade4\", \"04358394\", \"049d7878\", \"04b2430c\", \"044a4e28\"):\n"
    "        print(\"xprv\", chk(bytes.fromhex(v) + os.urandom(41) + bytes(1) + k))\n"
    "    print(\"xpub\", chk(bytes.fromhex(\"0488b21e\") + os.urandom(41) + bytes([2]) + k))\n"
    "    print(\"address\", chk(bytes([0x41]) + os.urandom(20)))\n"
    "    print(\"address\", chk(bytes([0]) + os.urandom(20)))\n";

/* Changes one character in the middle to another Base58 character. */
static void corrupt(char *s)
{
	size_t mid = strlen(s) / 2;
	s[mid] = s[mid] == 'z' ? 'y' : 'z';
}

START_TEST(test_base58_keys)
{
	size_t nl;
	char **lines = python_lines(keys_program, &nl);
	ck_assert_uint_eq(nl, 20 * 11);
	for (size_t i = 0; i < nl; i++) {
		char *col[2];
		ck_assert_uint_eq(split(lines[i], " ", col, 2), 2);
		char *text = xasprintf("导出的密文 %s 请查收", col[1]);
		size_t start = strlen("导出的密文 ");
		struct secrets_finding *f;
		if (strcmp(col[0], "wif") == 0)
			expect_one(text, SECRETS_WIF_KEY, start, start + strlen(col[1]));
		else if (strcmp(col[0], "xprv") == 0)
			expect_one(text, SECRETS_XPRV, start, start + strlen(col[1]));
		else /* public keys and addresses are not secrets */
			ck_assert_uint_eq(scan(text, SECRETS_CTX_TEXT, NULL, &f), 0);
		free(text);
		/* A broken checksum is not a key. */
		corrupt(col[1]);
		text = xasprintf("导出的密文 %s 请查收", col[1]);
		ck_assert_uint_eq(scan(text, SECRETS_CTX_TEXT, NULL, &f), 0);
		free(text);
	}
	free_lines(lines, nl);
}
END_TEST

/* ---- 64-hex strings ------------------------------------------------------ */

#define HEX64 "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d1f"

START_TEST(test_hex64)
{
	struct secrets_finding *f;
	/* In the TxID field a 64-hex string is a TxID, with or without 0x. */
	ck_assert_uint_eq(scan(HEX64, SECRETS_CTX_TXID, NULL, &f), 0);
	ck_assert_uint_eq(scan("0x" HEX64, SECRETS_CTX_TXID, NULL, &f), 0);
	/* Labelled as a transaction in free text: nothing. */
	ck_assert_uint_eq(scan("交易哈希 0x" HEX64, SECRETS_CTX_TEXT, NULL, &f), 0);
	/* Labelled as a key: block, even far behind the label (30 chars). */
	expect_one("私钥 " HEX64, SECRETS_HEX_PRIVATE_KEY, strlen("私钥 "), strlen("私钥 " HEX64));
	expect_one("my secret, as exported: 0x" HEX64, SECRETS_HEX_PRIVATE_KEY,
	           strlen("my secret, as exported: "), strlen("my secret, as exported: 0x" HEX64));
	/* The nearer label wins. */
	ck_assert_uint_eq(scan("no secret here; txid " HEX64, SECRETS_CTX_TEXT, NULL, &f), 0);
	/* A label beyond 30 characters does not count. */
	expect_one("private key is not something I would share, see " HEX64, SECRETS_HEX_64,
	           strlen("private key is not something I would share, see "),
	           strlen("private key is not something I would share, see " HEX64));
	/* 63 and 65 digits are something else. */
	ck_assert_uint_eq(scan("see " HEX64 "a", SECRETS_CTX_TEXT, NULL, &f), 0);
	ck_assert_uint_eq(
	    scan("see 9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d1",
	         SECRETS_CTX_TEXT, NULL, &f),
	    0);

	/* Unlabelled: a warning, unless it is the ticket's TxID. */
	struct diags d;
	diags_init(&d);
	const char *text = "please check 0x" HEX64 " thanks";
	ck_assert_uint_eq(secrets_diagnose(sec, text, strlen(text), SECRETS_CTX_TEXT, NULL, HEX64,
	                                   TF_DESCRIPTION, "description", &d),
	                  0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(
	    secrets_diagnose(sec, text, strlen(text), SECRETS_CTX_TEXT, NULL,
	                     "0x1111111111111111111111111111111111111111111111111111111111111111",
	                     TF_DESCRIPTION, "description", &d),
	    0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].severity, DIAG_WARNING);
	ck_assert_str_eq(d.v[0].kind, "hex-64");
	diags_finish(&d);
}
END_TEST

/* ---- Corpus files -------------------------------------------------------- */

static char *read_data(const char *name, size_t *len)
{
	char *path = xasprintf("%s/secrets/%s", TEST_DATA, name);
	char *data = NULL;
	int err = util_read_file(path, 1 << 20, &data, len);
	free(path);
	if (err != 0 || !data)
		ck_abort_msg("cannot read %s: %s", name, strerror(err));
	return data;
}

/* Where needle starts in hay (it must be there). Not inlined: gcc 12 at -O3
 * otherwise mistakes the pointer difference for a dangling pointer. */
__attribute__((noinline)) static size_t offset_of(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	ck_assert_ptr_nonnull(p);
	return (size_t)(p - hay);
}

START_TEST(test_block_lines)
{
	size_t len, cases = 0;
	char *data = read_data("block-lines.txt", &len);
	for (char *cur = data, *line; (line = next_line(&cur)) != NULL;) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *col[3];
		ck_assert_uint_eq(split(line, "\t", col, 3), 3);
		int kind = secrets_kind_lookup(col[0]);
		ck_assert_int_ge(kind, 0);
		const char *at = strstr(col[2], col[1]);
		ck_assert_ptr_nonnull(at);
		size_t start = (size_t)(at - col[2]);
		expect_one(col[2], kind, start, start + strlen(col[1]));
		cases++;
	}
	ck_assert_uint_ge(cases, 30);
	free(data);
}
END_TEST

START_TEST(test_negative_lines)
{
	size_t len, cases = 0;
	char *data = read_data("negative-lines.txt", &len);
	for (char *cur = data, *line; (line = next_line(&cur)) != NULL;) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		struct secrets_finding *f;
		size_t n = scan(line, SECRETS_CTX_TEXT, NULL, &f);
		if (n)
			fprintf(stderr, "false positive %s in: %s\n", f[0].kind_name, line);
		ck_assert_uint_eq(n, 0);
		cases++;
	}
	ck_assert_uint_ge(cases, 40);
	free(data);
}
END_TEST

/* Every file in dir whose name starts with prefix must scan clean. */
static size_t expect_clean_dir(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	size_t files = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		char *data;
		size_t len;
		if (util_read_file(path, 1 << 22, &data, &len) == 0) {
			struct secrets_finding *f;
			size_t n = secrets_scan(sec, data, len, SECRETS_CTX_TEXT, NULL, &f);
			for (size_t i = 0; i < n; i++) {
				size_t l, c;
				secrets_line_col(data, len, f[i].offset, &l, &c);
				fprintf(stderr, "%s:%zu:%zu: false positive %s\n", path, l, c,
				        f[i].kind_name);
			}
			ck_assert_uint_eq(n, 0);
			free(data);
			files++;
		}
		free(path);
	}
	closedir(d);
	return files;
}

START_TEST(test_clean_corpus)
{
	ck_assert_uint_ge(expect_clean_dir(TEST_DATA "/secrets", "clean-"), 9);
	/* The example tickets shipped for users, when present. */
	expect_clean_dir(TOP_DIR "/share/examples", "");
}
END_TEST

START_TEST(test_pem_blocks)
{
	static const struct {
		const char *file;
		enum secrets_kind kind;
		const char *begin;
		const char *end; /* NULL: runs to the end of the text */
	} cases[] = {
	    {"block-pem-rsa.txt", SECRETS_PEM_PRIVATE_KEY, "-----BEGIN RSA",
	     "-----END RSA PRIVATE KEY-----"},
	    {"block-pem-plain.txt", SECRETS_PEM_PRIVATE_KEY, "-----BEGIN PRIVATE",
	     "-----END PRIVATE KEY-----"},
	    {"block-pem-ec.txt", SECRETS_PEM_PRIVATE_KEY, "-----BEGIN EC",
	     "-----END EC PRIVATE KEY-----"},
	    {"block-pem-encrypted.txt", SECRETS_PEM_PRIVATE_KEY, "-----BEGIN ENCRYPTED",
	     "-----END ENCRYPTED PRIVATE KEY-----"},
	    {"block-pem-dsa.txt", SECRETS_PEM_PRIVATE_KEY, "-----BEGIN DSA", NULL},
	    {"block-openssh.txt", SECRETS_OPENSSH_PRIVATE_KEY, "-----BEGIN OPENSSH",
	     "-----END OPENSSH PRIVATE KEY-----"},
	};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		size_t len;
		char *data = read_data(cases[i].file, &len);
		size_t start = offset_of(data, cases[i].begin);
		size_t end =
		    cases[i].end ? offset_of(data, cases[i].end) + strlen(cases[i].end) : len;
		expect_one(data, cases[i].kind, start, end);
		free(data);
	}
}
END_TEST

/* ---- The configured SMTP credential --------------------------------------- */

START_TEST(test_smtp_secret)
{
	const char *const extra[] = {"app-token-7F3k", "abc", NULL};
	struct secrets_finding *f;
	const char *text = "我的邮箱授权码 app-token-7F3k 可能泄露了,abc 不算";
	size_t n = scan(text, SECRETS_CTX_TEXT, extra, &f);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(f[0].kind, SECRETS_SMTP_SECRET);
	ck_assert_int_eq(f[0].action, SECRETS_BLOCK);
	ck_assert_uint_eq(f[0].offset, (size_t)(strstr(text, "app-token") - text));
	ck_assert_uint_eq(f[0].length, strlen("app-token-7F3k"));
	free(f);
	/* Found in the TxID field too, and absent without the configuration. */
	ck_assert_uint_eq(scan("xx app-token-7F3k", SECRETS_CTX_TXID, extra, &f), 1);
	free(f);
	ck_assert_uint_eq(scan(text, SECRETS_CTX_TEXT, NULL, &f), 0);
}
END_TEST

/* ---- Diagnostics ---------------------------------------------------------- */

START_TEST(test_diagnose)
{
	struct diags d;
	diags_init(&d);
	const char *text = "第一行\n我的登录密码是 Qwe!rty9,验证码:654321";
	size_t errors = secrets_diagnose(sec, text, strlen(text), SECRETS_CTX_TEXT, NULL, NULL,
	                                 TF_DESCRIPTION, "description", &d);
	ck_assert_uint_eq(errors, 2);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_int_eq(d.v[0].severity, DIAG_ERROR);
	ck_assert_str_eq(d.v[0].kind, "password");
	ck_assert_str_eq(d.v[0].where, "description");
	ck_assert_int_eq(d.v[0].field, TF_DESCRIPTION);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "Description"));
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "line 2, column 9"));
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "phisher"));
	ck_assert_str_eq(d.v[1].kind, "otp-code");
	ck_assert_ptr_nonnull(strstr(d.v[1].message, "line 2, column 22"));
	for (size_t i = 0; i < d.n; i++) {
		ck_assert_ptr_null(strstr(d.v[i].message, "Qwe!rty9"));
		ck_assert_ptr_null(strstr(d.v[i].message, "654321"));
	}
	diags_finish(&d);

	/* A warning names the kind for --allow; an attachment names its file. */
	const char *log = "ok\nok\nlegal winner thank year wave sausage worth useful legal winner "
	                  "thank year\n";
	ck_assert_uint_eq(secrets_diagnose(sec, log, strlen(log), SECRETS_CTX_ATTACHMENT, NULL,
	                                   NULL, -1, "app.log", &d),
	                  0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].severity, DIAG_WARNING);
	ck_assert_str_eq(d.v[0].kind, "seed-phrase-unverified");
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "app.log, line 3, column 1"));
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "--allow seed-phrase-unverified"));
	ck_assert_ptr_null(strstr(d.v[0].message, "sausage"));
	diags_finish(&d);
}
END_TEST

/* diagnose() of an attachment's bytes: exactly one diagnostic, an error of
 * kind, at "app.log, line L, column C". */
static void expect_file_error(const char *data, size_t len, const char *kind, const char *at)
{
	struct diags d;
	diags_init(&d);
	size_t errors =
	    secrets_diagnose(sec, data, len, SECRETS_CTX_ATTACHMENT, NULL, NULL, -1, "app.log", &d);
	for (size_t i = 0; d.n != 1 && i < d.n; i++)
		fprintf(stderr, "%s: %s\n", d.v[i].kind, d.v[i].message);
	ck_assert_uint_eq(errors, 1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].kind, kind);
	ck_assert_msg(strstr(d.v[0].message, at) != NULL, "\"%s\" lacks \"%s\"", d.v[0].message,
	              at);
	diags_finish(&d);
}

/* A text attachment is scanned as the text it holds, whatever its
 * encoding (textenc.h); ticket fields are UTF-8 and scanned as they are. */
START_TEST(test_diagnose_encodings)
{
	const char *text = "ok\n\xF0\x9F\x98\x80 password: Qwe!rty9\n";
	size_t tlen = strlen(text);
	expect_file_error(text, tlen, "password", "app.log, line 2, column 13");
	/* UTF-16LE with and without a BOM, UTF-16BE: the emoji is a surrogate
	 * pair, one column */
	static const char le[] = "\xFF\xFEo\0k\0\n\0\x3D\xD8\x00\xDE \0p\0a\0s\0s\0w\0o\0r\0d\0:\0 "
	                         "\0Q\0w\0e\0!\0r\0t\0y\0\x39\0\n\0";
	expect_file_error(le, sizeof le - 1, "password", "app.log, line 2, column 13");
	expect_file_error(le + 2, sizeof le - 3, "password", "app.log, line 2, column 13");
	char be[sizeof le];
	for (size_t i = 0; i + 1 < sizeof le; i += 2) {
		be[i] = le[i + 1];
		be[i + 1] = le[i];
	}
	expect_file_error(be, sizeof le - 1, "password", "app.log, line 2, column 13");
	/* the same UTF-16 bytes in a field: not decoded, nothing found */
	struct secrets_finding *f;
	ck_assert_uint_eq(secrets_scan(sec, le, sizeof le - 1, SECRETS_CTX_TEXT, NULL, &f), 0);
	/* a UTF-8 BOM does not count as a column */
	const char *bom = "\xEF\xBB\xBFpassword: Qwe!rty9";
	expect_file_error(bom, strlen(bom), "password", "app.log, line 1, column 11");
	/* GBK: "备注\n密码：Qwe!rty9" */
	const char *gbk = "\xB1\xB8\xD7\xA2\n\xC3\xDC\xC2\xEB\xA3\xBAQwe!rty9";
	expect_file_error(gbk, strlen(gbk), "password", "app.log, line 2, column 4");
	/* GBK "私钥: <hex>" is valid UTF-8 by chance; read as GBK too, it is a
	 * labelled key (an error), reported once, not also as a bare hex-64 */
	const char *gbk_key = "\xCB\xBD\xD4\xBF: " HEX64;
	expect_file_error(gbk_key, strlen(gbk_key), "hex-private-key", "app.log, line 1, column 5");
	/* UTF-16 with plain ASCII appended ("echo ... >> log"): the tail is
	 * found in the bytes */
	static const char mixed[] = "\xFF\xFEo\0k\0\r\0\n\0password: Qwe!rty9\r\n";
	expect_file_error(mixed, sizeof mixed - 1, "password", "app.log, line 2, column");
	/* Latin-1: read as bytes */
	const char *latin = "caf\xE9 ol\xE9\npassword: Qwe!rty9";
	expect_file_error(latin, strlen(latin), "password", "app.log, line 2, column 11");
}
END_TEST

START_TEST(test_mask)
{
	/* Blocks only: the password and the code go, the warning stays. */
	const char *text =
	    "My password: Hunter2isgood\n验证码 583920\nlegal winner thank year wave "
	    "sausage worth useful legal winner thank year";
	size_t n = 0;
	char *m = secrets_mask(sec, text, strlen(text), SECRETS_CTX_TEXT, NULL, NULL, false, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(strstr(m, "Hunter2isgood"));
	ck_assert_ptr_null(strstr(m, "583920"));
	ck_assert_ptr_nonnull(
	    strstr(m, "My password: " SECRETS_MASK "\n验证码 " SECRETS_MASK "\n"));
	ck_assert_ptr_nonnull(strstr(m, "sausage"));
	/* The mask is not itself a secret. */
	char *again = secrets_mask(sec, m, strlen(m), SECRETS_CTX_TEXT, NULL, NULL, false, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(again, m);
	free(again);
	free(m);
	/* With warnings: the unverified phrase goes too. */
	m = secrets_mask(sec, text, strlen(text), SECRETS_CTX_TEXT, NULL, NULL, true, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_null(strstr(m, "sausage"));
	free(m);
	/* The ticket's own TxID is not a secret; another 64-hex string is. */
	const char *txid = "6cee4e90ff512f94a4f52f8d9cbe0d9efb65b33f556279aee07a0d11b8e2d97f";
	const char *t2 = "TxID 0x6cee4e90ff512f94a4f52f8d9cbe0d9efb65b33f556279aee07a0d11b8e2d97f, "
	                 "then 1111111111111111111111111111111111111111111111111111111111111111";
	m = secrets_mask(sec, t2, strlen(t2), SECRETS_CTX_TEXT, NULL, txid, true, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(m, txid));
	ck_assert_ptr_nonnull(strstr(m, "then " SECRETS_MASK));
	free(m);
	/* The configured mail secret, wherever it is. */
	const char *extra[] = {"tm-S3cret-9d41q", NULL};
	const char *t3 = "pasted tm-S3cret-9d41q by mistake";
	m = secrets_mask(sec, t3, strlen(t3), SECRETS_CTX_TEXT, extra, NULL, false, NULL);
	ck_assert_str_eq(m, "pasted " SECRETS_MASK " by mistake");
	free(m);
	m = secrets_mask(sec, "", 0, SECRETS_CTX_TEXT, NULL, NULL, true, &n);
	ck_assert_str_eq(m, "");
	ck_assert_uint_eq(n, 0);
	free(m);
}
END_TEST

START_TEST(test_names)
{
	for (int k = 0; k < SECRETS_KIND_COUNT; k++)
		ck_assert_int_eq(secrets_kind_lookup(secrets_kind_name(k)), k);
	ck_assert_int_eq(secrets_kind_lookup("hex-64-unlabelled"), SECRETS_HEX_64);
	ck_assert_int_eq(secrets_kind_lookup("seed-phrase-bad-checksum"),
	                 SECRETS_SEED_PHRASE_UNVERIFIED);
	ck_assert_int_eq(secrets_kind_lookup("nonsense"), -1);
	size_t l, c;
	secrets_line_col("a\nb中c", strlen("a\nb中c"), strlen("a\nb中"), &l, &c);
	ck_assert_uint_eq(l, 2);
	ck_assert_uint_eq(c, 3);
}
END_TEST

static Suite *secrets_suite(void)
{
	Suite *s = suite_create("secrets");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_seed_phrases);
	tcase_add_test(tc, test_seed_vector);
	tcase_add_test(tc, test_base58_keys);
	tcase_add_test(tc, test_hex64);
	tcase_add_test(tc, test_block_lines);
	tcase_add_test(tc, test_negative_lines);
	tcase_add_test(tc, test_clean_corpus);
	tcase_add_test(tc, test_pem_blocks);
	tcase_add_test(tc, test_smtp_secret);
	tcase_add_test(tc, test_diagnose);
	tcase_add_test(tc, test_diagnose_encodings);
	tcase_add_test(tc, test_mask);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(secrets_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
