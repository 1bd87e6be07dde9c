/* secrets.h - finds secrets that must never reach a support mailbox.
 *
 * Official support never asks for a seed phrase, a private key, a password,
 * a one-time code or an API secret; anyone who does is a phisher. This module
 * scans free text (ticket fields, text attachments) for them:
 *
 *   - BIP39 seed phrases, English and Chinese (simplified, traditional),
 *     12/15/18/21/24 words, checked with their SHA-256 checksum;
 *   - WIF private keys and extended private keys (xprv, yprv, zprv, tprv,
 *     uprv, vprv), checked with their Base58Check checksum;
 *   - PEM and OpenSSH private key blocks;
 *   - 64-digit hex strings labelled as a key, and unlabelled ones;
 *   - passwords, API keys and secrets, SMS / authenticator / 2FA codes
 *     written next to their keyword (English and Chinese);
 *   - the configured SMTP password or token.
 *
 * A finding either blocks sending (SECRETS_BLOCK: certainly a secret) or
 * warns (SECRETS_WARN: may be one; the user can accept it by kind name).
 * Findings give a byte range; nothing here ever copies or prints the secret.
 */
#ifndef TICKETMAIL_SECRETS_H
#define TICKETMAIL_SECRETS_H

#include "diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes of secrets_load(). */
enum secrets_error {
	SECRETS_EOK,     /* success */
	SECRETS_EIO,     /* a word list cannot be read */
	SECRETS_EFORMAT, /* a word list is not a 2048-entry BIP39 list */
	SECRETS_ERROR_COUNT
};

enum secrets_kind {
	SECRETS_SEED_PHRASE,            /* BIP39 phrase with a valid checksum */
	SECRETS_SEED_PHRASE_UNVERIFIED, /* 12+ list words, checksum fails */
	SECRETS_WIF_KEY,                /* Base58Check WIF private key */
	SECRETS_XPRV,                   /* BIP32 extended private key */
	SECRETS_PEM_PRIVATE_KEY,        /* -----BEGIN ... PRIVATE KEY----- */
	SECRETS_OPENSSH_PRIVATE_KEY,    /* -----BEGIN OPENSSH PRIVATE KEY----- */
	SECRETS_HEX_PRIVATE_KEY,        /* 64 hex digits labelled as a key */
	SECRETS_HEX_64,                 /* 64 hex digits, unlabelled */
	SECRETS_API_SECRET,             /* API key, secret key or passphrase value */
	SECRETS_PASSWORD,               /* login / fund / trading password value */
	SECRETS_OTP_CODE,               /* SMS, e-mail, authenticator or 2FA code */
	SECRETS_SMTP_SECRET,            /* the configured SMTP password or token */
	SECRETS_KIND_COUNT
};

enum secrets_action {
	SECRETS_BLOCK, /* refuse to send */
	SECRETS_WARN,  /* warn; may be accepted by kind name */
	SECRETS_ACTION_COUNT
};

/* What the scanned text is; it changes what a 64-hex string means. */
enum secrets_context {
	SECRETS_CTX_TEXT,       /* free text: description, steps, subject, ... */
	SECRETS_CTX_TXID,       /* the TxID field: 64 hex digits are a TxID */
	SECRETS_CTX_ATTACHMENT, /* a text attachment (log); same rules as text */
	SECRETS_CTX_COUNT
};

struct secrets_finding {
	enum secrets_kind kind;
	enum secrets_action action;
	size_t offset; /* byte range of the secret in the scanned text */
	size_t length;
	const char *kind_name; /* secrets_kind_name(kind); static string */
};

/* The loaded word lists; opaque. */
struct secrets;

/* Loads the three BIP39 lists from
 * paths_share_dir()/wordlists/bip39-{english,chinese_simplified,
 * chinese_traditional}.txt. Call once and share the result; scanning does not
 * modify it. On success returns SECRETS_EOK and *out gets an object to free
 * with secrets_free(). On failure returns SECRETS_EIO or SECRETS_EFORMAT,
 * *out is NULL and *errstr gets an allocated message (caller frees). */
int secrets_load(struct secrets **out, char **errstr);
/* Frees s; NULL is safe. */
void secrets_free(struct secrets *s);

/* Scans text[0..len) (UTF-8; invalid bytes are only separators). Each
 * extra_secrets entry (a NULL-terminated array, or NULL) is a configured
 * credential, reported as SECRETS_SMTP_SECRET wherever it occurs when it is at
 * least 4 bytes long. Returns the number of findings, sorted by offset;
 * *out is allocated (caller frees with free()), or NULL when there are none.
 * An unlabelled 64-hex string is reported as SECRETS_HEX_64 even if it is the
 * ticket's TxID; secrets_diagnose() drops that case. */
size_t secrets_scan(const struct secrets *s, const char *text, size_t len, enum secrets_context ctx,
                    const char *const *extra_secrets, struct secrets_finding **out);

/* Scans text[0..len) like secrets_scan() and adds one diagnostic per finding
 * to d: severity DIAG_ERROR for SECRETS_BLOCK, DIAG_WARNING for SECRETS_WARN,
 * kind = the kind name, where = the given where (a field key or a file name;
 * may be NULL). The message names the field (field is an enum ticket_field,
 * or -1 to name `where` instead), the kind of secret, its line and column,
 * and why it must go; it never contains the secret. known_txid (may be NULL)
 * is the ticket's TxID: an unlabelled 64-hex string equal to it (ignoring
 * case and a 0x prefix) is not reported. Returns the number of errors added.
 *
 * With SECRETS_CTX_ATTACHMENT, text is a file's bytes in whatever encoding
 * (textenc.h): UTF-16 and UTF-32 are decoded to UTF-8 first, a UTF-8 BOM is
 * skipped, and a file that is not valid UTF-8 is also read as GB18030 when
 * that fits it clearly better; lines and columns are those of the decoded
 * text, and a secret found in both readings is reported once. So it may
 * report secrets that secrets_scan() of the same bytes does not find. */
size_t secrets_diagnose(const struct secrets *s, const char *text, size_t len,
                        enum secrets_context ctx, const char *const *extra_secrets,
                        const char *known_txid, int field, const char *where, struct diags *d);

/* What a shown or saved value has in place of a secret: the same for every
 * kind and length, so that it tells nothing about the secret. */
#define SECRETS_MASK "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2"

/* A copy of text[0..len) (allocated, NUL-terminated) in which the range of
 * every finding that secrets_diagnose() would report (the same arguments)
 * is replaced by SECRETS_MASK: every finding when warnings is true, only
 * the blocking ones otherwise. *count_out (may be NULL) gets the number of
 * ranges replaced. */
char *secrets_mask(const struct secrets *s, const char *text, size_t len, enum secrets_context ctx,
                   const char *const *extra_secrets, const char *known_txid, bool warnings,
                   size_t *count_out);

/* The 1-based line and column (in code points) of byte offset in text. */
void secrets_line_col(const char *text, size_t len, size_t offset, size_t *line_out,
                      size_t *col_out);

/* "seed-phrase", "wif-key", ...: the machine name of a kind (static string). */
const char *secrets_kind_name(enum secrets_kind kind);
/* The kind named name ("hex-64"; also the aliases "hex-64-unlabelled" and
 * "seed-phrase-bad-checksum"), or -1 when unknown. */
int secrets_kind_lookup(const char *name);

#endif
