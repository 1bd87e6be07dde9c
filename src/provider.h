/* provider.h - a provider profile (the exchange's support channel), as data.
 *
 * Profiles live in <share>/providers/<id>.ini; a new provider is a new file,
 * no C code. See share/providers/okx.ini for the format.
 */
#ifndef TICKETMAIL_PROVIDER_H
#define TICKETMAIL_PROVIDER_H

#include "diag.h"
#include "ticket.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct provider;

/* One group of required fields: at least one of fields[0..n) must be set
 * ("txid|order_id"). */
struct provider_requirement {
	enum ticket_field fields[4];
	size_t n;
};

struct provider_category {
	const char *id; /* "deposit-withdrawal" */
	const char *name_zh;
	const char *name_en;
	const char *guidance_zh; /* what support will need; may be NULL */
	const char *guidance_en;
	const char *const *subjects_zh; /* suggestions, NULL-terminated */
	const char *const *subjects_en;
	const struct provider_requirement *required;
	size_t nrequired;
	const enum ticket_field *recommended; /* asked for, not required */
	size_t nrecommended;
};

/* Loads <share>/providers/<id>.ini. id must match [a-z0-9-]+. Returns 0,
 * -1 (no such provider / unreadable: EX_NOINPUT) or -2 (bad profile:
 * EX_CONFIG); problems go to d. *out is allocated; provider_free() it. */
int provider_load(const char *id, struct provider **out, struct diags *d);
/* Same, from an explicit file. */
int provider_load_file(const char *path, struct provider **out, struct diags *d);
/* NULL is safe. */
void provider_free(struct provider *p);

/* All strings below belong to the provider; don't free. */
const char *provider_id(const struct provider *p);
const char *provider_name(const struct provider *p, const char *lang);
const char *provider_support_address(const struct provider *p);
const char *provider_official_domain(const struct provider *p);
/* Where the user can verify the official address (help-center URL). */
const char *provider_verify_url(const struct provider *p);
/* The help center to read before writing ([provider] help_center_url;
 * verify_url when the profile has none). */
const char *provider_help_center_url(const struct provider *p);
/* Typical reply time, as text in the given language; may be NULL. */
const char *provider_reply_time(const struct provider *p, const char *lang);

size_t provider_category_count(const struct provider *p);
const struct provider_category *provider_category_at(const struct provider *p, size_t i);
/* By id; NULL when unknown. */
const struct provider_category *provider_category_find(const struct provider *p, const char *id);
/* Name of a category in the given language. */
const char *provider_category_name(const struct provider_category *c, const char *lang);

/* Attachment policy. MIME types are lower case ("image/png"). */
bool provider_type_allowed(const struct provider *p, const char *mime_type);
/* Space-separated allowlist, for messages. */
const char *provider_allowed_types(const struct provider *p);
uint64_t provider_max_file_size(const struct provider *p);
uint64_t provider_max_total_size(const struct provider *p);
size_t provider_max_attachments(const struct provider *p);

#endif
