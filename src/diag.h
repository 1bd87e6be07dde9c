/* diag.h - a list of diagnostics (errors, warnings, notes) collected by a
 * stage so that every problem is reported at once, not only the first. */
#ifndef TICKETMAIL_DIAG_H
#define TICKETMAIL_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE, DIAG_SEVERITY_COUNT };

struct diag {
	enum diag_severity severity;
	int field;     /* enum ticket_field, or -1 */
	char *where;   /* "file:line", a field key, or NULL; allocated */
	char *kind;    /* short machine name ("txid", "seed-phrase"), or NULL; allocated */
	char *message; /* localised text; allocated */
};

struct diags {
	struct diag *v;
	size_t n;
};

void diags_init(struct diags *d);
/* Frees every entry; d can be reused after diags_init(). */
void diags_finish(struct diags *d);
/* Adds an entry; where and kind are copied (may be NULL). */
void diags_add(struct diags *d, enum diag_severity sev, int field, const char *where,
               const char *kind, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
size_t diags_count(const struct diags *d, enum diag_severity sev);
/* Prints each entry as "ticketmail: WHERE: error: MESSAGE", in order. */
void diags_print(FILE *out, const struct diags *d);
/* Prints every entry, then empties d (it stays usable). */
void diags_flush(FILE *out, struct diags *d);
/* Appends copies of every entry of src to dst. */
void diags_append(struct diags *dst, const struct diags *src);

#endif
