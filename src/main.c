/* main.c - argv → stages → exit code.
 *
 * The stages follow the data: input (INI, --set, -a) → ticket → provider
 * profile → validation → template → MIME message → output. Only this file
 * picks exit statuses (sysexits.h).
 */
#include "compose.h"
#include "config.h"
#include "diag.h"
#include "i18n.h"
#include "provider.h"
#include "ticket.h"
#include "ticket_ini.h"
#include "util.h"
#include "validate.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

struct main_opts {
	const char *ticket_path;
	const char **sets;
	size_t nsets;
	const char **attach;
	size_t nattach;
	bool dry_run;
	const char *output;
	const char *lang;
	const char *provider;
};

enum {
	MAIN_OPT_LANG = 0x100,
	MAIN_OPT_PROVIDER,
};

static void main_usage(FILE *out)
{
	fprintf(out, _("Usage: ticketmail [OPTION]... [--ticket FILE]\n"
	               "Write one complete, safe support email to your exchange's official "
	               "address.\n"
	               "\n"
	               "  -t, --ticket FILE      read the ticket from an INI file\n"
	               "  -s, --set KEY=VALUE    set a field (e.g. --set txid=...)\n"
	               "  -a, --attach FILE      attach a screenshot or log (repeatable)\n"
	               "      --provider ID      provider profile (default: okx)\n"
	               "  -n, --dry-run          print the message instead of sending it\n"
	               "  -o, --output FILE      with --dry-run, write the message to FILE\n"
	               "      --lang LANG        interface language: zh_CN or en\n"
	               "  -h, --help             show this help and exit\n"
	               "  -V, --version          show version information and exit\n"
	               "\n"
	               "Exit status: 0 sent or written; 64 usage; 65 invalid ticket; 66 missing "
	               "file;\n"
	               "70 internal error; 73 cannot write output; 74 I/O error; 78 bad "
	               "configuration.\n"
	               "See ticketmail(1) and ticketmail.ini(5).\n"));
}

static void main_push(const char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = s;
}

/* Returns -1 to go on, or an exit status. */
static int main_parse_args(int argc, char **argv, struct main_opts *o)
{
	static const struct option longopts[] = {
	    {"ticket", required_argument, NULL, 't'},
	    {"set", required_argument, NULL, 's'},
	    {"attach", required_argument, NULL, 'a'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"output", required_argument, NULL, 'o'},
	    {"lang", required_argument, NULL, MAIN_OPT_LANG},
	    {"provider", required_argument, NULL, MAIN_OPT_PROVIDER},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "t:s:a:no:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->ticket_path = optarg;
			break;
		case 's':
			main_push(&o->sets, &o->nsets, optarg);
			break;
		case 'a':
			main_push(&o->attach, &o->nattach, optarg);
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case MAIN_OPT_LANG:
			o->lang = optarg;
			break;
		case MAIN_OPT_PROVIDER:
			o->provider = optarg;
			break;
		case 'h':
			main_usage(stdout);
			return EX_OK;
		case 'V':
			printf("ticketmail %s\n", TICKETMAIL_VERSION);
			return EX_OK;
		default:
			fprintf(stderr, _("Try 'ticketmail --help' for more information.\n"));
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, _("ticketmail: unexpected argument '%s'\n"), argv[optind]);
		return EX_USAGE;
	}
	if (o->output && !o->dry_run) {
		fprintf(stderr, _("ticketmail: --output needs --dry-run\n"));
		return EX_USAGE;
	}
	return -1;
}

/* The language given to --lang must be one we have. */
static int main_check_lang(const char *lang)
{
	if (lang && !i18n_normalise(lang)) {
		fprintf(stderr, _("ticketmail: --lang %s: unknown language; use zh_CN or en\n"),
		        lang);
		return EX_USAGE;
	}
	return -1;
}

/* Reads the ticket from the file, --set and -a, in that order. */
static int main_read_ticket(const struct main_opts *o, struct ticket *t, struct diags *d)
{
	if (o->ticket_path) {
		int r = ticket_ini_read(t, o->ticket_path, d);
		if (r == -1)
			return EX_NOINPUT;
		if (r == -2)
			return EX_DATAERR;
	}
	int status = -1;
	for (size_t i = 0; i < o->nsets; i++)
		if (ticket_ini_set(t, o->sets[i], d) != 0)
			status = EX_USAGE;
	if (o->provider) {
		struct ticket_origin org = {NULL, 0};
		ticket_set(t, TF_PROVIDER, o->provider, strlen(o->provider), &org);
	}
	for (size_t i = 0; i < o->nattach; i++)
		ticket_attach_add(t, o->attach[i], NULL);
	return status;
}

static int main_load_provider(const struct ticket *t, struct provider **p, struct diags *d)
{
	const char *id = ticket_has(t, TF_PROVIDER) ? ticket_get(t, TF_PROVIDER) : "okx";
	int r = provider_load(id, p, d);
	if (r == -1)
		return EX_DATAERR;
	if (r != 0)
		return EX_CONFIG;
	return -1;
}

static int main_compose_status(enum compose_status st)
{
	switch (st) {
	case COMPOSE_OK:
		return EX_OK;
	case COMPOSE_ENOINPUT:
		return EX_NOINPUT;
	case COMPOSE_EDATA:
		return EX_DATAERR;
	case COMPOSE_ECONFIG:
		return EX_CONFIG;
	case COMPOSE_EIO:
		return EX_IOERR;
	case COMPOSE_ESOFTWARE:
		break;
	}
	return EX_SOFTWARE;
}

/* Pinned values for reproducible output (tests, golden files). */
static void main_pins(struct compose_options *co)
{
	const char *date = getenv("TICKETMAIL_DATE");
	if (date && *date) {
		char *end;
		errno = 0;
		long long v = strtoll(date, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0)
			co->date = (time_t)v;
	}
	const char *mid = getenv("TICKETMAIL_MESSAGE_ID");
	if (mid && *mid)
		co->message_id = mid;
	const char *boundary = getenv("TICKETMAIL_BOUNDARY");
	if (boundary && *boundary)
		co->boundary = boundary;
}

/* Writes the message to path through a temporary file and a rename, so a
 * failed run leaves no partial file. */
static int main_write_file(const struct compose *c, const char *path)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, _("ticketmail: %s: cannot create: %s\n"), path, strerror(errno));
		free(tmp);
		return EX_CANTCREAT;
	}
	FILE *f = fdopen(fd, "wb");
	char *err = NULL;
	enum compose_status st = compose_write(c, f, &err);
	int status = main_compose_status(st);
	if (st == COMPOSE_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
		fprintf(stderr, _("ticketmail: %s: write failed: %s\n"), path, strerror(errno));
		status = EX_IOERR;
	}
	if (fclose(f) != 0 && status == EX_OK) {
		fprintf(stderr, _("ticketmail: %s: write failed: %s\n"), path, strerror(errno));
		status = EX_IOERR;
	}
	if (err) {
		fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
	}
	if (status == EX_OK && rename(tmp, path) != 0) {
		fprintf(stderr, _("ticketmail: %s: cannot create: %s\n"), path, strerror(errno));
		status = EX_CANTCREAT;
	}
	if (status != EX_OK)
		unlink(tmp);
	free(tmp);
	return status;
}

static int main_write_stdout(const struct compose *c)
{
	char *err = NULL;
	enum compose_status st = compose_write(c, stdout, &err);
	if (err) {
		fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
	}
	if (st == COMPOSE_OK && fflush(stdout) != 0) {
		fprintf(stderr, _("ticketmail: standard output: %s\n"), strerror(errno));
		return EX_IOERR;
	}
	return main_compose_status(st);
}

static int main_run(const struct main_opts *o)
{
	struct ticket *t = ticket_new();
	struct provider *p = NULL;
	struct compose *c = NULL;
	struct diags d;
	diags_init(&d);
	int status = main_read_ticket(o, t, &d);
	if (status != -1)
		goto out;
	status = main_load_provider(t, &p, &d);
	if (status != -1)
		goto out;
	if (validate_ticket(t, p, &d) > 0) {
		status = EX_DATAERR;
		goto out;
	}
	struct compose_options co = {0};
	main_pins(&co);
	enum compose_status st = compose_prepare(t, p, &co, &c, &d);
	if (st != COMPOSE_OK) {
		status = main_compose_status(st);
		goto out;
	}
	if (!o->dry_run) {
		diags_add(&d, DIAG_ERROR, -1, NULL, NULL,
		          _("sending is not available yet in this build; use --dry-run"));
		status = EX_UNAVAILABLE;
		goto out;
	}
	diags_print(stderr, &d);
	diags_finish(&d);
	status = o->output ? main_write_file(c, o->output) : main_write_stdout(c);
out:
	diags_print(stderr, &d);
	diags_finish(&d);
	compose_free(c);
	provider_free(p);
	ticket_free(t);
	return status;
}

int main(int argc, char **argv)
{
	struct main_opts o = {0};
	/* --lang must take effect before any message, including usage errors. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			o.lang = argv[i + 1];
		else if (strncmp(argv[i], "--lang=", 7) == 0)
			o.lang = argv[i] + 7;
	}
	i18n_init(o.lang && i18n_normalise(o.lang) ? o.lang : NULL);
	int status = main_parse_args(argc, argv, &o);
	if (status == -1)
		status = main_check_lang(o.lang);
	if (status == -1)
		status = main_run(&o);
	free(o.sets);
	free(o.attach);
	return status;
}
