/* diag.c - collected diagnostics. */
#include "diag.h"

#include "i18n.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>

void diags_init(struct diags *d)
{
	d->v = NULL;
	d->n = 0;
}

void diags_finish(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].where);
		free(d->v[i].kind);
		free(d->v[i].message);
	}
	free(d->v);
	diags_init(d);
}

void diags_add(struct diags *d, enum diag_severity sev, int field, const char *where,
               const char *kind, const char *fmt, ...)
{
	d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
	struct diag *e = &d->v[d->n++];
	e->severity = sev;
	e->field = field;
	e->where = where ? xstrdup(where) : NULL;
	e->kind = kind ? xstrdup(kind) : NULL;
	va_list ap;
	va_start(ap, fmt);
	e->message = xvasprintf(fmt, ap);
	va_end(ap);
}

size_t diags_count(const struct diags *d, enum diag_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == sev)
			n++;
	return n;
}

void diags_print(FILE *out, const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *e = &d->v[i];
		const char *sev = e->severity == DIAG_ERROR     ? _("error")
		                  : e->severity == DIAG_WARNING ? _("warning")
		                                                : _("note");
		if (e->where)
			fprintf(out, "ticketmail: %s: %s: %s\n", e->where, sev, e->message);
		else
			fprintf(out, "ticketmail: %s: %s\n", sev, e->message);
	}
}

void diags_flush(FILE *out, struct diags *d)
{
	diags_print(out, d);
	diags_finish(d);
}

void diags_append(struct diags *dst, const struct diags *src)
{
	for (size_t i = 0; i < src->n; i++)
		diags_add(dst, src->v[i].severity, src->v[i].field, src->v[i].where, src->v[i].kind,
		          "%s", src->v[i].message);
}
