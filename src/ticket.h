/* ticket.h - the ticket model: one table of fields and the values of one ticket.
 *
 * ticket_fields[] is the single source of truth for every stage: the INI
 * reader maps section/key to a field, --set maps key=value, the validator
 * dispatches on kind, templates name fields by key, and the interview walks
 * the table for labels, reasons and examples.
 *
 * Per-category requirements come from the provider profile (provider.h);
 * the table only marks what every ticket needs (TICKET_F_REQUIRED).
 */
#ifndef TICKETMAIL_TICKET_H
#define TICKETMAIL_TICKET_H

#include <stdbool.h>
#include <stddef.h>

enum ticket_kind {
	TICKET_KIND_LINE,     /* one line of free text */
	TICKET_KIND_TEXT,     /* multi-line free text (LF allowed) */
	TICKET_KIND_TOKEN,    /* short identifier: coin ticker, category, provider */
	TICKET_KIND_LANGUAGE, /* zh_CN or en */
	TICKET_KIND_EMAIL,    /* RFC 5321 mailbox */
	TICKET_KIND_UID,      /* exchange user id: digits */
	TICKET_KIND_DATETIME, /* date and time with a zone */
	TICKET_KIND_AMOUNT,   /* positive decimal number */
	TICKET_KIND_NETWORK,  /* chain name: TRC20, ERC20, BTC, SOL, ... */
	TICKET_KIND_ADDRESS,  /* on-chain address */
	TICKET_KIND_TXID,     /* transaction hash, checked against the network */
	TICKET_KIND_ORDER_ID, /* order or withdrawal id */
	TICKET_KIND_PHONE,    /* E.164-style phone number */
	TICKET_KIND_TELEGRAM, /* @handle */
	TICKET_KIND_PATH,     /* attachment path (repeatable) */
	TICKET_KIND_COUNT
};

enum ticket_field {
	TF_PROVIDER,
	TF_CATEGORY,
	TF_LANGUAGE,
	TF_SUBJECT,
	TF_OCCURRED_AT,
	TF_DESCRIPTION,
	TF_STEPS,
	TF_ERROR_MESSAGE,
	TF_UID,
	TF_EMAIL,
	TF_NAME,
	TF_COIN,
	TF_NETWORK,
	TF_AMOUNT,
	TF_ADDRESS,
	TF_MEMO,
	TF_TXID,
	TF_ORDER_ID,
	TF_DEVICE_MODEL,
	TF_OS_VERSION,
	TF_APP_VERSION,
	TF_PHONE,
	TF_TELEGRAM,
	TF_ATTACHMENT,
	TF_COUNT
};

#define TICKET_F_REQUIRED (1u << 0) /* every ticket needs it */
#define TICKET_F_REPEAT   (1u << 1) /* may appear several times (attachments) */

struct ticket_field_def {
	const char *key;     /* INI key and --set key, unique over all sections */
	const char *section; /* INI section */
	enum ticket_kind kind;
	unsigned flags;
	const char *label_zh;
	const char *label_en;
	const char *why_zh; /* one line: why support needs it */
	const char *why_en;
	const char *example;    /* expected format, by example (Chinese) */
	const char *example_en; /* in English, when it differs; else NULL */
};

/* Indexed by enum ticket_field. */
extern const struct ticket_field_def ticket_fields[TF_COUNT];

/* Where a value came from, for messages ("file.ini:12" or "--set"). */
struct ticket_origin {
	const char *file; /* belongs to the ticket (interned copy); NULL = command line */
	unsigned line;    /* 0 when not from a file */
};

struct ticket;

/* Returns a new empty ticket; free with ticket_free(). */
struct ticket *ticket_new(void);
/* Frees t and every value it holds; NULL is safe. */
void ticket_free(struct ticket *t);

/* Looks a field up by key ("txid") or section.key ("transaction.txid").
 * Returns the field, or -1 when unknown. */
int ticket_field_lookup(const char *key);
/* Looks a field up by section and key; -1 when the pair is unknown. */
int ticket_field_lookup_in(const char *section, const char *key);
/* true if name is a section of the table. */
bool ticket_section_known(const char *section);
/* The closest known key (or section, with want_section) to name, for a
 * did-you-mean hint, or NULL when nothing is close. Static string. */
const char *ticket_suggest_key(const char *name);
const char *ticket_suggest_section(const char *name);

/* The value of a field (not TF_ATTACHMENT): NULL when unset. The string
 * belongs to the ticket and lives until the field is set again or freed. */
const char *ticket_get(const struct ticket *t, enum ticket_field f);
/* true when the field holds a non-empty value. */
bool ticket_has(const struct ticket *t, enum ticket_field f);
/* Sets a field (not TF_ATTACHMENT) to a copy of value[0..len) (exact bytes,
 * NUL excluded; embedded NULs are kept out by the caller's validation).
 * origin may be NULL. A NULL value clears the field. */
void ticket_set(struct ticket *t, enum ticket_field f, const char *value, size_t len,
                const struct ticket_origin *origin);
/* The origin recorded for a field, or one with file NULL, line 0. */
struct ticket_origin ticket_origin_of(const struct ticket *t, enum ticket_field f);

/* Attachments, in order of addition. Paths are copied. */
void ticket_attach_add(struct ticket *t, const char *path, const struct ticket_origin *origin);
size_t ticket_attach_count(const struct ticket *t);
/* Removes attachment i (< ticket_attach_count()); the later ones move up. */
void ticket_attach_remove(struct ticket *t, size_t i);
const char *ticket_attach_path(const struct ticket *t, size_t i);
struct ticket_origin ticket_attach_origin(const struct ticket *t, size_t i);

/* Label of a field in the given language ("zh" prefix means Chinese). */
const char *ticket_field_label(enum ticket_field f, const char *lang);

#endif
