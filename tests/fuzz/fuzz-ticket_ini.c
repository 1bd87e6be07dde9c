/* fuzz-ticket_ini.c - ticket_ini_read() on an arbitrary file, then the
 * draft round trip of ticket_ini.h: when the file reads without errors,
 * ticket_ini_write() must produce a file that ticket_ini_read() reads back
 * without errors to the same values and attachment paths. validate_ticket()
 * then runs on what was read (no provider), for coverage of the
 * validators on realistic tickets. */
#include "fuzz.h"

#include "ticket.h"
#include "ticket_ini.h"
#include "validate.h"

#include <string.h>
#include <unistd.h>

static char fuzz_dir[64];
static char fuzz_path[96];
static char fuzz_path2[96];

static void fuzz_ticket_ini_cleanup(void)
{
	unlink(fuzz_path);
	unlink(fuzz_path2);
	rmdir(fuzz_dir);
}

static void fuzz_ticket_ini_init(void)
{
	if (fuzz_dir[0])
		return;
	fuzz_use_source_share();
	snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/fuzz-ticket_ini.XXXXXX");
	if (!mkdtemp(fuzz_dir)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(fuzz_path, sizeof fuzz_path, "%s/in.ini", fuzz_dir);
	snprintf(fuzz_path2, sizeof fuzz_path2, "%s/draft.ini", fuzz_dir);
	atexit(fuzz_ticket_ini_cleanup);
}

static void fuzz_write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	FUZZ_CHECK(f != NULL, "cannot create %s", path);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
}

static void fuzz_print_diags(const struct diags *d)
{
	diags_print(stderr, d);
}

static void fuzz_round_trip(const struct ticket *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	FUZZ_CHECK(mem != NULL, "open_memstream");
	FUZZ_CHECK(ticket_ini_write(t, mem) == 0, "ticket_ini_write failed");
	fclose(mem);
	fuzz_write_file(fuzz_path2, buf, len);

	struct ticket *t2 = ticket_new();
	struct diags d;
	diags_init(&d);
	int r = ticket_ini_read(t2, fuzz_path2, &d);
	if (r != 0) {
		fprintf(stderr, "--- draft written:\n%.*s--- read back:\n", (int)len, buf);
		fuzz_print_diags(&d);
	}
	FUZZ_CHECK(r == 0, "the written draft reads back with status %d", r);
	for (int f = 0; f < TF_COUNT; f++) {
		if (f == TF_ATTACHMENT)
			continue;
		const char *a = ticket_get(t, (enum ticket_field)f);
		const char *b = ticket_get(t2, (enum ticket_field)f);
		bool a_empty = !a || !*a, b_empty = !b || !*b;
		if (a_empty && b_empty)
			continue;
		if (a_empty != b_empty || strcmp(a, b) != 0)
			fprintf(stderr, "--- draft written:\n%.*s---\n", (int)len, buf);
		FUZZ_CHECK(a_empty == b_empty && strcmp(a, b) == 0,
		           "field %s: read \"%s\", read back \"%s\"", ticket_fields[f].key,
		           a ? a : "(unset)", b ? b : "(unset)");
	}
	size_t na = ticket_attach_count(t);
	FUZZ_CHECK(na == ticket_attach_count(t2), "%zu attachments, %zu read back", na,
	           ticket_attach_count(t2));
	for (size_t i = 0; i < na; i++)
		FUZZ_CHECK(strcmp(ticket_attach_path(t, i), ticket_attach_path(t2, i)) == 0,
		           "attachment %zu: \"%s\" read back as \"%s\"", i,
		           ticket_attach_path(t, i), ticket_attach_path(t2, i));
	diags_finish(&d);
	ticket_free(t2);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ticket_ini_init();
	fuzz_write_file(fuzz_path, data, size);
	struct ticket *t = ticket_new();
	struct diags d;
	diags_init(&d);
	int r = ticket_ini_read(t, fuzz_path, &d);
	FUZZ_CHECK(r == 0 || r == -2, "status %d for a readable file", r);
	FUZZ_CHECK((r == 0) == (diags_count(&d, DIAG_ERROR) == 0), "status %d with %zu errors", r,
	           diags_count(&d, DIAG_ERROR));
	for (size_t i = 0; i < d.n; i++)
		FUZZ_CHECK(d.v[i].message && *d.v[i].message, "diagnostic without message");
	if (r == 0) {
		fuzz_round_trip(t);
		struct diags vd;
		diags_init(&vd);
		validate_ticket(t, NULL, &vd);
		for (size_t i = 0; i < vd.n; i++)
			FUZZ_CHECK(vd.v[i].message && *vd.v[i].message,
			           "validation diagnostic without message");
		diags_finish(&vd);
	}
	diags_finish(&d);
	ticket_free(t);
	return 0;
}
