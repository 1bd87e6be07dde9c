/* main.c - argv → stages → exit code.
 *
 * The stages follow the data: input (INI, --set, -a, the interview) →
 * ticket → provider profile → validation and safety guards → templates →
 * MIME message → outbox → transport → sent archive. Only this file picks
 * exit statuses (sysexits.h).
 */
#include "account.h"
#include "attach.h"
#include "compose.h"
#include "config.h"
#include "deliver.h"
#include "diag.h"
#include "guard.h"
#include "hashtap.h"
#include "i18n.h"
#include "mime.h"
#include "paths.h"
#include "prompt.h"
#include "provider.h"
#include "secrets.h"
#include "spool.h"
#include "ticket.h"
#include "ticket_ini.h"
#include "transport.h"
#include "util.h"
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

struct main_opts {
	const char *ticket_path;
	const char **sets;
	size_t nsets;
	const char **attach;
	size_t nattach;
	const char **allow;
	size_t nallow;
	bool dry_run;
	bool yes;
	bool resend;
	const char *output;
	const char *lang;
	const char *provider;
	const char *to;
	const char *config;
	/* outbox subcommand */
	bool flush;
	const char *resend_id;
	const char *drop_id;
};

enum {
	MAIN_OPT_LANG = 0x100,
	MAIN_OPT_PROVIDER,
	MAIN_OPT_TO,
	MAIN_OPT_RESEND,
	MAIN_OPT_ALLOW,
	MAIN_OPT_FLUSH,
	MAIN_OPT_DROP,
};

/* A run's state, freed in one place. */
struct main_run {
	const struct main_opts *o;
	struct ticket *t;
	struct provider *p;
	struct account *acct;
	struct compose *c;
	struct diags d;
	bool interactive;
	const char *secret; /* the SMTP secret (belongs to acct), for the scan */
	char *draft_path;   /* the draft this run resumed, if any */
	bool stopped;       /* main_interrupted() ended the run */
};

static void main_usage(FILE *out)
{
	fputs(_("Usage: ticketmail [OPTION]...\n"
	        "       ticketmail [-c FILE] [--lang LANG] outbox [--flush | --resend ID |\n"
	        "                  --drop ID]\n"
	        "       ticketmail [--lang LANG] history\n"
	        "Write one complete, safe support email to your exchange's official address\n"
	        "and send it. On a terminal with no ticket file, ticketmail asks for\n"
	        "everything step by step.\n"
	        "\n"
	        "  -t, --ticket FILE      read the ticket from an INI file\n"
	        "  -s, --set KEY=VALUE    set a field (e.g. --set txid=...); repeatable\n"
	        "  -a, --attach FILE      attach a screenshot, PDF or text log; repeatable\n"
	        "      --provider ID      provider profile (default: okx)\n"
	        "      --to ADDRESS       send to ADDRESS instead of the official address\n"
	        "                         (confirm it, or --yes; look-alikes are refused)\n"
	        "  -n, --dry-run          print the message instead of sending it\n"
	        "  -o, --output FILE      with --dry-run, write the message to FILE\n"
	        "                         (- is standard output)\n"
	        "  -y, --yes              send without asking (needed without a terminal)\n"
	        "      --resend           send even though this ticket was sent before\n"
	        "      --allow KIND       accept a warning of this kind (e.g. hex-64)\n"
	        "  -c, --config FILE      account configuration file\n"
	        "      --lang LANG        interface language: zh_CN or en\n"
	        "  -h, --help             show this help and exit\n"
	        "  -V, --version          show version information and exit\n"
	        "\n"
	        "Exit status: 0 done; 64 usage; 65 invalid ticket, refused by a safety\n"
	        "check, or sent before; 66 missing or unreadable file; 69 refused by the\n"
	        "server or delivery unknown; 70 internal error; 73 cannot create a file;\n"
	        "74 cannot write the message (e.g. a full disk); 75 not sent yet (queued,\n"
	        "or the interview ended and its draft was kept); 76 TLS failure; 77 login\n"
	        "refused; 78 bad configuration.\n"
	        "See ticketmail(1) and ticketmail.ini(5).\n"),
	      out);
}

static void main_version(void)
{
	const char *tls = NULL;
	const char *cv = transport_curl_version(&tls);
	int mv = attach_magic_version();
	printf("ticketmail %s\n", TICKETMAIL_VERSION);
	if (cv)
		printf("libcurl %s (%s)\n", cv, tls ? tls : "no TLS");
	else
		printf("libcurl (libcurl.so.4 cannot be loaded)\n");
	if (mv >= 0)
		printf("libmagic %d.%02d\n", mv / 100, mv % 100);
	else
		printf("libmagic (libmagic.so.1 cannot be loaded)\n");
	printf("inih (Debian libinih, r%d)\n", TICKETMAIL_INIH_VERSION);
}

static void main_push(const char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = s;
}

/* The commands: the ticket (no subcommand), and the subcommands. */
enum main_cmd { MAIN_CMD_TICKET, MAIN_CMD_OUTBOX, MAIN_CMD_HISTORY, MAIN_CMD_COUNT };

static const char *const main_cmd_names[MAIN_CMD_COUNT] = {
    [MAIN_CMD_TICKET] = "ticketmail",
    [MAIN_CMD_OUTBOX] = "outbox",
    [MAIN_CMD_HISTORY] = "history",
};

#define MAIN_FOR(cmd) (1u << (cmd))
#define MAIN_FOR_ALL  (MAIN_FOR(MAIN_CMD_COUNT) - 1)

/* An option given on the command line, by its long name, and the commands
 * it applies to. */
struct main_given {
	const char *name;
	unsigned cmds;
};

#define MAIN_SHORTOPTS "t:s:a:no:yc:hV"

static const struct option main_longopts[] = {
    {"ticket", required_argument, NULL, 't'},
    {"set", required_argument, NULL, 's'},
    {"attach", required_argument, NULL, 'a'},
    {"dry-run", no_argument, NULL, 'n'},
    {"output", required_argument, NULL, 'o'},
    {"yes", no_argument, NULL, 'y'},
    {"config", required_argument, NULL, 'c'},
    {"lang", required_argument, NULL, MAIN_OPT_LANG},
    {"provider", required_argument, NULL, MAIN_OPT_PROVIDER},
    {"to", required_argument, NULL, MAIN_OPT_TO},
    {"resend", optional_argument, NULL, MAIN_OPT_RESEND},
    {"allow", required_argument, NULL, MAIN_OPT_ALLOW},
    {"flush", no_argument, NULL, MAIN_OPT_FLUSH},
    {"drop", required_argument, NULL, MAIN_OPT_DROP},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* What the option getopt_long() returned as c is called and applies to.
 * -c and --lang apply everywhere, so that they can stand before any
 * subcommand (an alias "ticketmail -c FILE"); history ignores -c. */
static struct main_given main_given_of(int c)
{
	struct main_given g = {"?", MAIN_FOR(MAIN_CMD_TICKET)};
	for (const struct option *lo = main_longopts; lo->name; lo++)
		if (lo->val == c)
			g.name = lo->name;
	switch (c) {
	case 'c':
	case MAIN_OPT_LANG:
		g.cmds = MAIN_FOR_ALL;
		break;
	case MAIN_OPT_RESEND:
		g.cmds = MAIN_FOR(MAIN_CMD_TICKET) | MAIN_FOR(MAIN_CMD_OUTBOX);
		break;
	case MAIN_OPT_FLUSH:
	case MAIN_OPT_DROP:
		g.cmds = MAIN_FOR(MAIN_CMD_OUTBOX);
		break;
	default:
		break;
	}
	return g;
}

/* One getopt_long() pass over argv into o, recording each option in
 * given[*ngiven]. Returns -1 to go on, or an exit status. */
static int main_getopt(int argc, char **argv, const char *shortopts, struct main_opts *o,
                       struct main_given *given, size_t *ngiven)
{
	int c;
	optind = 0; /* GNU getopt: start afresh, this runs twice */
	while ((c = getopt_long(argc, argv, shortopts, main_longopts, NULL)) != -1) {
		if (c != '?')
			given[(*ngiven)++] = main_given_of(c);
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
		case 'y':
			o->yes = true;
			break;
		case 'c':
			o->config = optarg;
			break;
		case MAIN_OPT_LANG:
			o->lang = optarg;
			break;
		case MAIN_OPT_PROVIDER:
			o->provider = optarg;
			break;
		case MAIN_OPT_TO:
			o->to = optarg;
			break;
		case MAIN_OPT_RESEND:
			o->resend = true;
			o->resend_id = optarg;
			break;
		case MAIN_OPT_ALLOW:
			main_push(&o->allow, &o->nallow, optarg);
			break;
		case MAIN_OPT_FLUSH:
			o->flush = true;
			break;
		case MAIN_OPT_DROP:
			o->drop_id = optarg;
			break;
		case 'h':
			main_usage(stdout);
			return EX_OK;
		case 'V':
			main_version();
			return EX_OK;
		default:
			fprintf(stderr, _("Try 'ticketmail --help' for more information.\n"));
			return EX_USAGE;
		}
	}
	return -1;
}

/* The checks once every option is read (argv and optind as the last
 * getopt pass left them). Returns -1 to go on, or an exit status. */
static int main_check_args(int argc, char **argv, struct main_opts *o, enum main_cmd cmd,
                           const struct main_given *given, size_t ngiven)
{
	/* "outbox --resend ID": the id may follow as its own word. */
	if (cmd == MAIN_CMD_OUTBOX && o->resend && !o->resend_id && optind < argc)
		o->resend_id = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, _("ticketmail: unexpected argument '%s'\n"), argv[optind]);
		return EX_USAGE;
	}
	if (o->lang && !i18n_normalise(o->lang)) {
		fprintf(stderr, _("ticketmail: --lang %s: unknown language; use zh_CN or en\n"),
		        o->lang);
		return EX_USAGE;
	}
	if (o->output && !o->dry_run) {
		fprintf(stderr, _("ticketmail: --output needs --dry-run\n"));
		return EX_USAGE;
	}
	if (cmd == MAIN_CMD_TICKET && (o->flush || o->drop_id || o->resend_id)) {
		fprintf(stderr, _("ticketmail: --flush, --drop and --resend ID belong to "
		                  "'ticketmail outbox'\n"));
		return EX_USAGE;
	}
	for (size_t i = 0; cmd != MAIN_CMD_TICKET && i < ngiven; i++) {
		if (!(given[i].cmds & MAIN_FOR(cmd))) {
			fprintf(stderr, _("ticketmail: --%s does not apply to 'ticketmail %s'\n"),
			        given[i].name, main_cmd_names[cmd]);
			return EX_USAGE;
		}
	}
	if (cmd == MAIN_CMD_OUTBOX && o->resend && !o->resend_id) {
		fprintf(stderr, _("ticketmail: 'ticketmail outbox --resend' needs the id of a "
		                  "message (see 'ticketmail outbox')\n"));
		return EX_USAGE;
	}
	if (cmd == MAIN_CMD_OUTBOX && o->flush + o->resend + (o->drop_id != NULL) > 1) {
		fprintf(stderr, _("ticketmail: outbox: --flush, --resend ID and --drop ID exclude "
		                  "each other\n"));
		return EX_USAGE;
	}
	for (size_t i = 0; i < o->nallow; i++) {
		if (secrets_kind_lookup(o->allow[i]) < 0) {
			fprintf(stderr, _("ticketmail: --allow %s: unknown kind of warning\n"),
			        o->allow[i]);
			return EX_USAGE;
		}
	}
	return -1;
}

/* Reads the command line into o and *cmd_out. Options may stand before a
 * subcommand ("ticketmail -c FILE outbox", "ticketmail --lang zh_CN
 * history") as well as after it: a first pass stops at the first word
 * that is not an option, and when that word names a subcommand a second
 * pass reads the words after it. Returns -1 to go on, or an exit status. */
static int main_parse_args(int argc, char **argv, struct main_opts *o, enum main_cmd *cmd_out)
{
	struct main_given *given = xcalloc((size_t)argc + 1, sizeof *given);
	size_t ngiven = 0;
	char **words = NULL;
	enum main_cmd cmd = MAIN_CMD_TICKET;
	int status = main_getopt(argc, argv, "+" MAIN_SHORTOPTS, o, given, &ngiven);
	for (int k = MAIN_CMD_TICKET + 1; status == -1 && optind < argc && k < MAIN_CMD_COUNT; k++)
		if (strcmp(argv[optind], main_cmd_names[k]) == 0)
			cmd = (enum main_cmd)k;
	if (status == -1 && cmd != MAIN_CMD_TICKET) {
		/* The words after the subcommand, behind argv[0] for getopt's
		 * messages. */
		int first = optind + 1, n = argc - first;
		words = xcalloc((size_t)n + 2, sizeof *words);
		words[0] = argv[0];
		memcpy(words + 1, argv + first, (size_t)n * sizeof *words);
		argc = n + 1;
		argv = words;
		status = main_getopt(argc, argv, MAIN_SHORTOPTS, o, given, &ngiven);
	}
	if (status == -1)
		status = main_check_args(argc, argv, o, cmd, given, ngiven);
	free(given);
	free(words);
	*cmd_out = cmd;
	return status;
}

/* ---- input --------------------------------------------------------------- */

/* Keeps the exit status of the first problem found (-1: none yet). */
static void main_first(int *status, int s)
{
	if (*status == -1)
		*status = s;
}

/* Reads the ticket from the file, --set and -a, in that order, reporting
 * every problem; returns the status of the first. *usable is false when
 * there is nothing to check further (the ticket file cannot be read). A
 * file with unknown keys or bad lines still gives the fields it does hold. */
static int main_read_ticket(struct main_run *r, bool *usable)
{
	const struct main_opts *o = r->o;
	int status = -1;
	*usable = true;
	if (o->ticket_path) {
		int rc = ticket_ini_read(r->t, o->ticket_path, &r->d);
		if (rc == -1) {
			status = EX_NOINPUT;
			*usable = false;
		} else if (rc == -2) {
			status = EX_DATAERR;
		} else if (rc == -3) {
			status = EX_DATAERR; /* one error says it all */
			*usable = false;
		} else if (prompt_is_draft(o->ticket_path)) {
			r->draft_path = xstrdup(o->ticket_path);
		}
	}
	for (size_t i = 0; i < o->nsets; i++)
		if (ticket_ini_set(r->t, o->sets[i], &r->d) != 0)
			main_first(&status, EX_USAGE);
	if (o->provider)
		ticket_set(r->t, TF_PROVIDER, o->provider, strlen(o->provider), NULL);
	for (size_t i = 0; i < o->nattach; i++)
		ticket_attach_add(r->t, o->attach[i], NULL);
	return status;
}

static int main_load_provider(struct main_run *r)
{
	const char *id = ticket_has(r->t, TF_PROVIDER) ? ticket_get(r->t, TF_PROVIDER) : "okx";
	int rc = provider_load(id, &r->p, &r->d);
	if (rc == -1)
		return EX_DATAERR;
	if (rc != 0)
		return EX_CONFIG;
	return -1;
}

/* The account is needed to send; for a dry run it is used when present. */
static int main_load_account(struct main_run *r)
{
	if (r->o->dry_run && !r->o->config) {
		char *dir = paths_config_dir();
		char *path = xasprintf("%s/config.ini", dir);
		bool exists = access(path, F_OK) == 0;
		free(dir);
		free(path);
		if (!exists)
			return -1;
	}
	int rc = account_load(r->o->config, &r->acct, &r->d);
	if (rc != 0)
		return account_exitcode(rc, r->o->config != NULL);
	return -1;
}

/* The command that resumes a draft, quoted for the shell when needed,
 * keeping the interface language. Allocated. */
static char *main_resume_command(const struct main_run *r, const char *path)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "ticketmail --ticket ");
	if (strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+") ==
	    strlen(path)) {
		strbuf_adds(&sb, path);
	} else {
		strbuf_addc(&sb, '\'');
		for (const char *p = path; *p; p++) {
			if (*p == '\'')
				strbuf_adds(&sb, "'\\''");
			else
				strbuf_addc(&sb, *p);
		}
		strbuf_addc(&sb, '\'');
	}
	if (r->o->lang)
		strbuf_addf(&sb, " --lang %s", i18n_normalise(r->o->lang));
	return strbuf_take(&sb);
}

/* Saves what was typed so far and says how to resume. */
/* Keeps the answers in a draft, says how to resume, and returns status
 * (EX_CANTCREAT when the draft cannot be written). */
static int main_keep_answers(struct main_run *r, int status)
{
	r->stopped = true;
	char *path = NULL;
	if (prompt_save_draft(r->t, r->draft_path, &path) != 0)
		return EX_CANTCREAT;
	char *cmd = main_resume_command(r, path);
	fprintf(stderr,
	        _("ticketmail: nothing was sent. Your answers are saved; resume with:\n  %s\n"),
	        cmd);
	free(cmd);
	free(path);
	return status;
}

static int main_interrupted(struct main_run *r)
{
	return main_keep_answers(r, EX_TEMPFAIL);
}

static volatile sig_atomic_t main_signalled;

static void main_on_signal(int sig)
{
	(void)sig;
	main_signalled = 1;
}

/* The mail password, looked up after the interview: on a terminal a
 * Ctrl-C at its prompt (or during password_command) ends the lookup, not
 * the process, so that the answers can still be kept. NULL with *err. */
static const char *main_lookup_secret(struct main_run *r, char **err, bool *interrupted)
{
	*interrupted = false;
	if (!r->interactive)
		return account_secret(r->acct, err);
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa, old[UTIL_ARRAY_LEN(sigs)];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	main_signalled = 0;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
	const char *secret = account_secret(r->acct, err);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	*interrupted = main_signalled != 0;
	return secret;
}

/* Validates; on a terminal, asks again for every field with a problem
 * until the ticket is valid. */
static int main_validate(struct main_run *r, bool full_interview)
{
	const char *email = r->acct ? account_from(r->acct) : NULL;
	if (full_interview) {
		if (prompt_interview(r->t, &r->p, NULL, email) != PROMPT_OK)
			return main_interrupted(r);
	}
	for (;;) {
		struct diags vd;
		diags_init(&vd);
		size_t errors = validate_ticket(r->t, r->p, &vd);
		if (errors == 0 || !r->interactive) {
			diags_append(&r->d, &vd);
			diags_finish(&vd);
			return errors ? EX_DATAERR : -1;
		}
		diags_print(stdout, &vd);
		enum prompt_status st = prompt_interview(r->t, &r->p, &vd, email);
		diags_finish(&vd);
		if (st != PROMPT_OK)
			return main_interrupted(r);
	}
}

/* ---- safety guards -------------------------------------------------------- */

static bool main_allowed(const struct main_opts *o, const char *kind)
{
	for (size_t i = 0; i < o->nallow; i++)
		if (kind && secrets_kind_lookup(o->allow[i]) == secrets_kind_lookup(kind))
			return true;
	return false;
}

/* --allow KIND, or a warning answered "not a secret" in the interview (not
 * asked about again). */
static bool main_warning_accepted(const struct main_run *r, const struct diag *e)
{
	return main_allowed(r->o, e->kind) || prompt_warning_accepted(e->field, e->where, e->kind);
}

/* Scans every text field and every text attachment for secrets. Blocks
 * are errors; warnings need --allow KIND or a yes on the terminal, which is
 * asked only when may_ask (nothing else is wrong). */
static int main_scan_secrets(struct main_run *r, const char *smtp_secret, bool may_ask)
{
	struct secrets *s = NULL;
	char *err = NULL;
	if (secrets_load(&s, &err) != SECRETS_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
		return EX_CONFIG;
	}
	const char *extra[] = {smtp_secret, NULL};
	const char *const *extras = smtp_secret ? extra : NULL;
	struct diags sd;
	diags_init(&sd);
	const char *txid = ticket_get(r->t, TF_TXID);
	for (int f = 0; f < TF_COUNT; f++) {
		const char *v = ticket_get(r->t, f);
		if (f == TF_ATTACHMENT || !v || !*v)
			continue;
		enum secrets_context ctx = f == TF_TXID ? SECRETS_CTX_TXID : SECRETS_CTX_TEXT;
		secrets_diagnose(s, v, strlen(v), ctx, extras, txid, f, ticket_fields[f].key, &sd);
	}
	for (size_t i = 0; r->c && i < compose_attachment_count(r->c); i++) {
		if (strcmp(compose_attachment_type(r->c, i), "text/plain") != 0)
			continue;
		uint64_t size = compose_attachment_size(r->c, i);
		char *buf = xmalloc(size + 1);
		ssize_t nread = util_pread_full(compose_attachment_fd(r->c, i), buf, size, 0);
		size_t got = nread > 0 ? (size_t)nread : 0;
		secrets_diagnose(s, buf, got, SECRETS_CTX_ATTACHMENT, extras, txid, -1,
		                 compose_attachment_name(r->c, i), &sd);
		/* A log may hold what it must not; leave no copy behind. */
		explicit_bzero(buf, size);
		free(buf);
	}
	secrets_free(s);
	int status = -1;
	bool ask = false;
	for (size_t i = 0; i < sd.n; i++) {
		struct diag *e = &sd.v[i];
		bool accepted = e->severity == DIAG_WARNING && main_warning_accepted(r, e);
		if (e->severity == DIAG_ERROR)
			status = EX_DATAERR;
		else if (e->severity == DIAG_WARNING && !accepted)
			ask = true;
		else if (e->severity == DIAG_WARNING)
			continue;
		diags_add(&r->d, e->severity, e->field, e->where, e->kind, "%s", e->message);
	}
	if (!ask) {
		diags_finish(&sd);
		return status;
	}
	if (!r->interactive) {
		diags_finish(&sd);
		diags_flush(stderr, &r->d);
		fprintf(stderr, _("ticketmail: not sent: accept each warning above with --allow "
		                  "KIND once you are sure it is not a secret\n"));
		return EX_DATAERR;
	}
	/* On a terminal the warnings are asked about once the rest is fixed. */
	if (status != -1 || !may_ask) {
		diags_finish(&sd);
		return status;
	}
	diags_flush(stderr, &r->d);
	bool intr = false;
	if (prompt_confirm(_("Are you sure none of the warnings above is a secret?"), &intr)) {
		diags_finish(&sd);
		return -1;
	}
	/* "No": each place a warning points at is asked for again. */
	for (size_t i = 0; !intr && i < sd.n; i++) {
		struct diag *e = &sd.v[i];
		if (e->severity != DIAG_WARNING || main_warning_accepted(r, e))
			continue;
		const char *name = e->field >= 0 && e->field < TF_COUNT
		                       ? ticket_field_label(e->field, i18n_lang())
		                       : e->where;
		diags_add(&r->d, DIAG_ERROR, e->field, e->where, e->kind,
		          _("%s: not sent: you said what the warning points at may be a secret; "
		            "take it out"),
		          name ? name : "");
	}
	diags_finish(&sd);
	return intr ? main_interrupted(r) : EX_DATAERR;
}

/* The recipient: the official address, or --to after the phishing guard. */
static int main_check_recipient(struct main_run *r, bool *foreign_out)
{
	*foreign_out = false;
	if (!r->o->to)
		return -1;
	struct guard_result g;
	guard_check_recipient(r->o->to, provider_support_address(r->p),
	                      provider_official_domain(r->p), &g);
	int status = -1;
	switch (g.verdict) {
	case GUARD_OFFICIAL:
		break;
	case GUARD_INVALID:
	case GUARD_LOOKALIKE:
		diags_add(&r->d, DIAG_ERROR, -1, "--to", "recipient", "%s", g.reason);
		status = EX_DATAERR;
		break;
	case GUARD_SAME_DOMAIN:
	case GUARD_FOREIGN:
	case GUARD_VERDICT_COUNT:
		*foreign_out = true;
		diags_add(&r->d, DIAG_WARNING, -1, "--to", "recipient", "%s", g.reason);
		if (r->interactive && !r->o->dry_run) {
			diags_flush(stderr, &r->d);
			bool intr = false;
			if (!prompt_confirm(_("Send to this address instead of the official one?"),
			                    &intr))
				status = intr ? main_interrupted(r) : EX_DATAERR;
		}
		break;
	}
	guard_result_finish(&g);
	return status;
}

/* ---- message ------------------------------------------------------------ */

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

/* Composes the message; with check_only (an earlier check failed, perhaps
 * validation, which the templates need) only the sender and the
 * attachments are checked. */
static int main_compose(struct main_run *r, bool check_only)
{
	compose_free(r->c);
	r->c = NULL;
	struct compose_options co = {.check_only = check_only};
	main_pins(&co);
	if (r->acct) {
		co.from_addr = account_from(r->acct);
		co.from_name = account_name(r->acct);
		co.account_file = account_path(r->acct);
	}
	co.to_addr = r->o->to;
	enum compose_status st = compose_prepare(r->t, r->p, &co, &r->c, &r->d);
	/* Every attachment is typed now: libmagic's database need not stay in
	 * memory while the message is written and sent; libcurl can load. */
	attach_cleanup();
	if (!r->o->dry_run)
		transport_preload();
	if (st != COMPOSE_OK)
		return main_compose_status(st);
	/* The guide: write from the registered address, so support can match
	 * the account. */
	if (r->acct && ticket_has(r->t, TF_EMAIL) &&
	    util_ascii_casecmp(account_from(r->acct), ticket_get(r->t, TF_EMAIL)) != 0)
		diags_add(&r->d, DIAG_WARNING, TF_EMAIL, "email", "sender",
		          _("you send from %s, not from the registered email %s; support "
		            "matches accounts faster when you write from the registered one"),
		          account_from(r->acct), ticket_get(r->t, TF_EMAIL));
	return -1;
}

/* Composes and scans the message; the scan runs even when composing found
 * a problem (the sender, an attachment), so that every problem is listed.
 * On a terminal, a field that holds a secret is explained and asked again,
 * and the ticket is checked again, until it is clean: a secret must never
 * cost the user their answers. With report_only (another problem was
 * already found, which asking cannot fix), nothing is asked. */
static int main_guarded_compose(struct main_run *r, bool report_only)
{
	for (;;) {
		int status = main_compose(r, report_only);
		main_first(&status, main_scan_secrets(r, r->secret, !report_only && status == -1));
		if ((status != EX_DATAERR && status != EX_NOINPUT) || !r->interactive ||
		    report_only || r->stopped)
			return status;
		/* The attachments step too: it checks each file again, takes
		 * out one that cannot be sent, and can take out any. */
		struct diags ask;
		diags_init(&ask);
		for (size_t i = 0; i < r->d.n; i++) {
			const struct diag *e = &r->d.v[i];
			/* A text attachment's secret is named by its file. */
			int field = e->field < 0 && e->kind && secrets_kind_lookup(e->kind) >= 0
			                ? TF_ATTACHMENT
			                : e->field;
			if (e->severity == DIAG_ERROR && field >= 0)
				diags_add(&ask, DIAG_ERROR, field, e->where, e->kind, "%s",
				          e->message);
		}
		if (ask.n == 0) {
			diags_finish(&ask);
			return status;
		}
		diags_flush(stdout, &r->d);
		enum prompt_status st = prompt_interview(r->t, &r->p, &ask, NULL);
		diags_finish(&ask);
		if (st != PROMPT_OK)
			return main_interrupted(r);
		status = main_validate(r, false);
		if (status != -1)
			return status;
	}
}

static int main_write_stdout(const struct compose *c)
{
	char *err = NULL;
	enum compose_status st = compose_write(c, stdout, &err);
	if (err) {
		if (st == COMPOSE_EIO)
			fprintf(stderr, _("ticketmail: standard output: %s\n"), err);
		else
			fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
	}
	if (st == COMPOSE_OK && fflush(stdout) != 0) {
		fprintf(stderr, _("ticketmail: standard output: %s\n"), strerror(errno));
		return EX_IOERR;
	}
	return main_compose_status(st);
}

/* Writes the message to a new file beside path and renames it over path, so
 * a failed run leaves no partial file. shown is the name the user gave. */
static int main_write_replace(const struct compose *c, const char *path, const char *shown)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, _("ticketmail: %s: cannot create: %s\n"), shown, strerror(errno));
		free(tmp);
		return EX_CANTCREAT;
	}
	FILE *f = fdopen(fd, "wb");
	if (!f) {
		fprintf(stderr, _("ticketmail: %s: cannot create: %s\n"), shown, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return EX_CANTCREAT;
	}
	char *err = NULL;
	enum compose_status st = compose_write(c, f, &err);
	int status = main_compose_status(st);
	if (st == COMPOSE_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
		fprintf(stderr, _("ticketmail: %s: write failed: %s\n"), shown, strerror(errno));
		status = EX_IOERR;
	}
	if (fclose(f) != 0 && status == EX_OK) {
		fprintf(stderr, _("ticketmail: %s: write failed: %s\n"), shown, strerror(errno));
		status = EX_IOERR;
	}
	if (err) {
		/* A failed write names the file; other errors name their cause. */
		if (st == COMPOSE_EIO)
			fprintf(stderr, "ticketmail: %s: %s\n", shown, err);
		else
			fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
	}
	if (status == EX_OK && rename(tmp, path) != 0) {
		fprintf(stderr, _("ticketmail: %s: cannot create: %s\n"), shown, strerror(errno));
		status = EX_CANTCREAT;
	}
	if (status != EX_OK)
		unlink(tmp);
	free(tmp);
	return status;
}

/* Writes the message into what path already names (a FIFO, a terminal,
 * /dev/null, a descriptor): it cannot be replaced, only written to. */
static int main_write_into(const struct compose *c, const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, _("ticketmail: %s: cannot open for writing: %s\n"), path,
		        strerror(errno));
		return EX_CANTCREAT;
	}
	FILE *f = fdopen(fd, "ab");
	if (!f) {
		fprintf(stderr, _("ticketmail: %s: cannot open for writing: %s\n"), path,
		        strerror(errno));
		close(fd);
		return EX_CANTCREAT;
	}
	char *err = NULL;
	enum compose_status st = compose_write(c, f, &err);
	int status = main_compose_status(st);
	if (st == COMPOSE_OK && fflush(f) != 0) {
		fprintf(stderr, _("ticketmail: %s: write failed: %s\n"), path, strerror(errno));
		status = EX_IOERR;
	}
	if (fclose(f) != 0 && status == EX_OK) {
		fprintf(stderr, _("ticketmail: %s: write failed: %s\n"), path, strerror(errno));
		status = EX_IOERR;
	}
	if (err) {
		if (st == COMPOSE_EIO)
			fprintf(stderr, "ticketmail: %s: %s\n", path, err);
		else
			fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
	}
	return status;
}

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* Follows path's symbolic links one at a time. *target is what the last
 * one names (allocated; path itself when it is no link), or NULL when a
 * link lives in /proc: /dev/stdout and /dev/fd/N lead to a descriptor's
 * link there, whose text ("pipe:[123]") is not a path but which open()
 * follows. Returns 0, or an errno value. */
static int main_follow_links(const char *path, char **target)
{
	char *cur = xstrdup(path);
	for (int hops = 0; hops < 40; hops++) {
		struct stat st;
		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
			*target = cur;
			return 0;
		}
		char *dir = xstrndup(cur, (size_t)(util_basename(cur) - cur));
		struct statfs fs;
		if (statfs(*dir ? dir : ".", &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC) {
			free(dir);
			free(cur);
			*target = NULL;
			return 0;
		}
		char link[PATH_MAX];
		ssize_t n = readlink(cur, link, sizeof link);
		if (n < 0 || (size_t)n >= sizeof link) {
			int e = n < 0 ? errno : ENAMETOOLONG;
			free(dir);
			free(cur);
			return e;
		}
		link[n] = '\0';
		char *next = link[0] == '/' ? xstrdup(link) : xasprintf("%s%s", dir, link);
		free(dir);
		free(cur);
		cur = next;
	}
	free(cur);
	return ELOOP;
}

/* -o PATH. "-" is standard output. A new path or a regular file is
 * replaced whole; through a symbolic link, the file it names is, and the
 * link stays. What cannot be replaced (a FIFO, a character device,
 * /dev/stdout, /dev/fd/N) is written to; a directory is refused. */
static int main_write_file(const struct compose *c, const char *path)
{
	if (strcmp(path, "-") == 0)
		return main_write_stdout(c);
	char *target = NULL;
	int e = main_follow_links(path, &target);
	if (e) {
		fprintf(stderr, _("ticketmail: %s: cannot follow the symbolic link: %s\n"), path,
		        strerror(e));
		return EX_CANTCREAT;
	}
	if (!target)
		return main_write_into(c, path);
	struct stat st;
	int status;
	if (lstat(target, &st) != 0 || S_ISREG(st.st_mode)) {
		/* Missing (also a link's missing target), or a file. */
		status = main_write_replace(c, target, path);
	} else if (S_ISDIR(st.st_mode)) {
		fprintf(stderr,
		        _("ticketmail: %s: is a directory; give the name of a file for the "
		          "message\n"),
		        path);
		status = EX_CANTCREAT;
	} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		status = main_write_into(c, path);
	} else {
		fprintf(stderr,
		        _("ticketmail: %s: not a file, a FIFO or a character device; the "
		          "message is not written there\n"),
		        path);
		status = EX_CANTCREAT;
	}
	free(target);
	return status;
}

/* ---- review and sending ------------------------------------------------- */

/* true when this run holds something the user gave it beyond a ticket file
 * that is unchanged: answers, --set, -a, --provider. */
static bool main_typed(const struct main_run *r)
{
	const struct main_opts *o = r->o;
	return !o->ticket_path || o->nsets || o->nattach || o->provider || prompt_changed();
}

/* Shows the review and loops on edits. Returns -1 to send, or a status.
 * Leaving without sending keeps what was typed: d saves a draft, and so
 * does q unless there is nothing to keep; both exit 75 (not sent yet). An
 * edit that cannot be sent brings the user back here, not out. */
static int main_review(struct main_run *r, bool foreign_to)
{
	bool can_send = true;
	for (;;) {
		if (can_send)
			prompt_show_review(r->c, r->p, r->t, foreign_to);
		diags_flush(stdout, &r->d);
		switch (prompt_review_choice(can_send)) {
		case PROMPT_CHOICE_SEND:
			return -1;
		case PROMPT_CHOICE_INTERRUPTED:
			return main_interrupted(r);
		case PROMPT_CHOICE_QUIT:
			if (main_typed(r))
				return main_interrupted(r);
			{
				char *cmd = main_resume_command(r, r->o->ticket_path);
				fprintf(
				    stderr,
				    _("ticketmail: nothing was sent. The ticket file is unchanged; "
				      "send it later with:\n  %s\n"),
				    cmd);
				free(cmd);
			}
			return EX_TEMPFAIL;
		case PROMPT_CHOICE_DRAFT: {
			char *path = NULL;
			if (prompt_save_draft(r->t, r->draft_path, &path) != 0)
				return EX_CANTCREAT;
			char *cmd = main_resume_command(r, path);
			printf(_("Draft saved. Resume with:\n  %s\n"), cmd);
			free(cmd);
			free(path);
			return EX_TEMPFAIL;
		}
		case PROMPT_CHOICE_EDIT:
			if (prompt_edit_field(r->t, r->p) != PROMPT_OK)
				return main_interrupted(r);
			/* An edited field is checked and scanned again:
			 * what is sent is always what passed the guards. */
			int status = main_validate(r, false);
			if (status == -1)
				status = main_guarded_compose(r, false);
			if (status == -1) {
				can_send = true;
				break;
			}
			if (r->stopped)
				return status;
			/* Refused: the edit stays; edit again, or keep it all
			 * in a draft. */
			can_send = false;
			diags_flush(stdout, &r->d);
			printf("%s\n",
			       _("This cannot be sent as it is (see above). Nothing is lost: "
			         "edit a field again, or save a draft."));
			break;
		}
	}
}

/* The fingerprint: recipient, subject, every field, every attachment.
 * The attachments are hashed on a second thread (a hashtap) from the same
 * pieces that the encoder writes to the outbox: each file is read once,
 * and the hash is of the bytes sent. */
static struct spool_fingerprint *main_fingerprint_text(const struct main_run *r)
{
	struct spool_fingerprint *fp =
	    spool_fingerprint_new(compose_to(r->c), ticket_get(r->t, TF_SUBJECT));
	for (int f = 0; f < TF_COUNT; f++) {
		if (f == TF_ATTACHMENT || f == TF_SUBJECT || f == TF_LANGUAGE)
			continue;
		spool_fingerprint_field(fp, ticket_fields[f].key,
		                        ticket_has(r->t, f) ? ticket_get(r->t, f) : "");
	}
	return fp;
}

/* Adds the attachments' digests and finishes the fingerprint into hex.
 * False when the tap did not see every attachment whole (the write failed,
 * and says why). */
static bool main_fingerprint_finish(const struct main_run *r, struct spool_fingerprint *fp,
                                    struct hashtap *tap, char hex[65])
{
	size_t n = compose_attachment_count(r->c);
	unsigned char(*d)[SHA256_DIGEST_LEN] = xcalloc(n ? n : 1, sizeof *d);
	bool ok = hashtap_finish(tap, d);
	if (ok) {
		for (size_t i = 0; i < n; i++)
			spool_fingerprint_attachment_digest(fp, d[i]);
		spool_fingerprint_finish(fp, hex);
	} else {
		spool_fingerprint_free(fp);
	}
	free(d);
	return ok;
}

static const char *main_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void main_time(time_t t, char *buf, size_t size)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S %z", &tm);
}

/* true when outbox message id is still there. */
static bool main_in_outbox(struct spool *s, const char *id)
{
	struct spool_entry *e = NULL;
	if (spool_lookup(s, id, &e, NULL) != SPOOL_EOK)
		return false;
	spool_entries_free(e, 1);
	return true;
}

/* Refuses a ticket that was sent before, may have arrived, or still waits
 * in the outbox; one whose earlier messages failed or were dropped goes. */
static int main_refuse_duplicate(struct main_run *r, struct spool *s, const char *fp)
{
	enum spool_duplicate dup;
	struct spool_history_entry *h = NULL;
	char *err = NULL;
	enum spool_status st = spool_history_duplicate(s, fp, &dup, &h, &err);
	if (st != SPOOL_EOK) {
		/* Never skip the duplicate check silently. */
		diags_add(&r->d, DIAG_ERROR, -1, NULL, "history",
		          _("cannot check whether this ticket was sent before: %s (use --resend "
		            "to send anyway)"),
		          err ? err : "");
		free(err);
		return spool_exitcode(st);
	}
	if (dup == SPOOL_DUP_NONE)
		return -1;
	char when[64];
	main_time(h->date, when, sizeof when);
	const char *msgid = main_or_dash(h->message_id);
	const char *id = main_or_dash(h->id);
	switch (dup) {
	case SPOOL_DUP_WAITING:
		diags_add(&r->d, DIAG_ERROR, -1, NULL, "duplicate",
		          _("this ticket is already waiting in the outbox as %s (Message-ID %s, "
		            "queued on %s), so nothing new was queued: send it with "
		            "'ticketmail outbox --flush', or remove it with 'ticketmail outbox "
		            "--drop %s' before sending the ticket again"),
		          id, msgid, when, id);
		break;
	case SPOOL_DUP_UNKNOWN:
		if (h->id && main_in_outbox(s, h->id))
			diags_add(
			    &r->d, DIAG_ERROR, -1, NULL, "duplicate",
			    _("this ticket was sent on %s (Message-ID %s), but the connection "
			      "was lost after the whole message went out, so it may have "
			      "arrived. Check your sent mail and support's reply first; if it "
			      "did not arrive, send the same message again with 'ticketmail "
			      "outbox --resend %s', or a new one with --resend"),
			    when, msgid, id);
		else
			diags_add(
			    &r->d, DIAG_ERROR, -1, NULL, "duplicate",
			    _("this ticket was sent on %s (Message-ID %s), but the connection "
			      "was lost after the whole message went out, so it may have "
			      "arrived. Check your sent mail and support's reply first; if it "
			      "did not arrive, send it again with --resend"),
			    when, msgid);
		break;
	default:
		diags_add(&r->d, DIAG_ERROR, -1, NULL, "duplicate",
		          _("this ticket was already sent on %s (Message-ID %s, %s). Sending the "
		            "same email again slows support down: reply in that thread instead, or "
		            "use --resend if you really mean to send it again"),
		          when, msgid, main_or_dash(h->state));
		break;
	}
	spool_history_free(h, 1);
	return EX_DATAERR;
}

static void main_history_add(struct main_run *r, struct spool *s, const char *fp, const char *state)
{
	struct spool_history_entry h = {
	    .fingerprint = (char *)fp,
	    .date = time(NULL),
	    .provider = (char *)provider_id(r->p),
	    .category = (char *)ticket_get(r->t, TF_CATEGORY),
	    .subject = (char *)compose_subject(r->c),
	    .message_id = (char *)compose_message_id(r->c),
	    .state = (char *)state,
	};
	char *err = NULL;
	if (spool_history_add(s, &h, &err) != SPOOL_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
	}
}

/* The outcome of one delivery, and what to do next; config is the -c file,
 * which the commands given must name too. */
static void main_report(const struct deliver_outcome *out, const char *id, const char *msgid,
                        const char *config)
{
	if (out->state != SPOOL_STATE_SENT && config)
		fprintf(stderr,
		        _("ticketmail: (the commands below need the same account file: "
		          "ticketmail -c %s outbox ...)\n"),
		        config);
	switch (out->state) {
	case SPOOL_STATE_SENT:
		printf(_("Sent. Message-ID %s\n"), msgid);
		if (out->sent_path)
			printf(_("A copy is kept in %s\n"), out->sent_path);
		else if (out->message)
			fprintf(stderr, "ticketmail: %s\n", out->message);
		printf("%s\n", _("Watch your inbox and your spam folder for the reply; to follow "
		                 "up, reply in the same thread rather than sending a new email."));
		break;
	case SPOOL_STATE_QUEUED:
		fprintf(stderr, "ticketmail: %s\n", out->message ? out->message : "");
		fprintf(stderr,
		        _("ticketmail: not sent yet; the message waits in the outbox as %s.\n"
		          "Retry with: ticketmail outbox --flush\n"),
		        id);
		break;
	case SPOOL_STATE_UNKNOWN:
		fprintf(stderr, "ticketmail: %s\n", out->message ? out->message : "");
		fprintf(stderr,
		        _("ticketmail: the connection was lost after the whole message was "
		          "sent, so it may have arrived. It will not be resent automatically.\n"
		          "Check your sent mail, then either: ticketmail outbox --resend %s\n"
		          "or: ticketmail outbox --drop %s\n"),
		        id, id);
		break;
	default:
		fprintf(stderr, "ticketmail: %s\n", out->message ? out->message : "");
		fprintf(stderr,
		        _("ticketmail: not sent, and not retried automatically: the message "
		          "is kept in the outbox as %s.\n"),
		        id);
		/* A TLS, login or configuration failure is fixed on our side;
		 * say how to send the kept message then. */
		fprintf(stderr,
		        _("After fixing the cause, send it with: ticketmail outbox --resend %s\n"
		          "or remove it with: ticketmail outbox --drop %s\n"),
		        id, id);
		break;
	}
}

static int main_send(struct main_run *r, bool *queued)
{
	*queued = false;
	struct spool *s = NULL;
	char *err = NULL;
	enum spool_status st = spool_open(NULL, &s, &err);
	if (st != SPOOL_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
		return spool_exitcode(st);
	}
	/* The fingerprint is taken while the message is written to the
	 * outbox's tmp/; a duplicate is refused before anything is committed,
	 * so nothing is queued or sent, exactly as when it was checked first. */
	struct spool_fingerprint *fpr = main_fingerprint_text(r);
	size_t natt = compose_attachment_count(r->c);
	int *fds = xcalloc(natt ? natt : 1, sizeof *fds);
	uint64_t *sizes = xcalloc(natt ? natt : 1, sizeof *sizes);
	for (size_t i = 0; i < natt; i++) {
		fds[i] = compose_attachment_fd(r->c, i);
		sizes[i] = compose_attachment_size(r->c, i);
	}
	struct hashtap *tap = hashtap_start(fds, sizes, natt);
	struct spool_draft *draft = NULL;
	st = spool_enqueue(s, &draft, &err);
	enum compose_status cs = COMPOSE_OK;
	char *werr = NULL;
	if (st == SPOOL_EOK)
		cs = compose_write_from(r->c, spool_draft_file(draft), hashtap_source(tap), &werr);
	char fp[65];
	bool have_fp = main_fingerprint_finish(r, fpr, tap, fp);
	free(fds);
	free(sizes);
	int status = -1;
	if (st == SPOOL_EOK && cs != COMPOSE_OK) {
		fprintf(stderr, "ticketmail: %s\n", werr ? werr : "");
		status = main_compose_status(cs);
	}
	free(werr);
	if (status == -1 && st == SPOOL_EOK && !have_fp) {
		/* Cannot happen when the write succeeded; refuse rather than
		 * record a fingerprint of half the ticket. */
		fprintf(stderr, _("ticketmail: the attachments could not be fingerprinted\n"));
		status = EX_SOFTWARE;
	}
	if (status == -1 && st == SPOOL_EOK && !r->o->resend)
		status = main_refuse_duplicate(r, s, fp);
	if (status != -1) {
		spool_abort(draft);
		free(err);
		spool_free(s);
		return status;
	}
	char *id = NULL;
	if (st == SPOOL_EOK)
		st = spool_commit(s, draft, compose_message_id(r->c), &id, NULL, &err);
	if (st != SPOOL_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err);
		free(err);
		spool_free(s);
		return spool_exitcode(st);
	}
	*queued = true;
	main_history_add(r, s, fp, "queued");
	/* A resumed draft has become a message: it is no longer a draft. */
	if (r->draft_path)
		unlink(r->draft_path);
	struct deliver_outcome out;
	deliver_spooled(s, r->acct, id, isatty(STDERR_FILENO), &out);
	if (out.state != SPOOL_STATE_QUEUED)
		main_history_add(r, s, fp, spool_state_name(out.state));
	main_report(&out, id, compose_message_id(r->c), r->o->config);
	status = out.exit_status;
	deliver_outcome_finish(&out);
	free(id);
	spool_free(s);
	return status;
}

/* Runs every check whose input is usable, even after a problem was found,
 * so that one run lists every problem; the exit status is that of the
 * first problem listed (README "Exit status", ticketmail(1)). */
static int main_run(struct main_run *r)
{
	bool usable = true;
	int status = main_read_ticket(r, &usable);
	/* A run that may send loads libcurl on a thread of its own (with
	 * sendmail as the transport it is not used, as when it was linked):
	 * now, unless attachments are to be typed first. libmagic is opened
	 * with dlopen() too, and would wait for the loader's lock. */
	if (!r->o->dry_run && ticket_attach_count(r->t) == 0)
		transport_preload();
	/* Without the ticket file there is nothing to check; on a terminal, a
	 * file or --set that cannot be read as written is not asked about. */
	if (!usable || (status != -1 && r->interactive))
		return status;
	/* Without the provider profile the fields cannot be checked. */
	int provider_status = main_load_provider(r);
	if (provider_status != -1) {
		main_first(&status, provider_status);
		return status;
	}
	/* Without a usable account the interview still runs: what the user
	 * types is kept as a draft until the account is set up. Without a
	 * terminal the ticket is still checked. */
	int account_status = main_load_account(r);
	if (account_status != -1 && !r->interactive)
		main_first(&status, account_status);
	else if (account_status != -1)
		diags_flush(stdout, &r->d);
	bool full = r->interactive && !r->o->ticket_path && r->o->nsets == 0;
	int valid_status = main_validate(r, full);
	if (valid_status != -1 && r->interactive)
		return valid_status;
	main_first(&status, valid_status);
	/* A draft is often cut off before its screenshots: offer that step
	 * again when resuming one that has none. */
	if (r->interactive && r->draft_path && ticket_attach_count(r->t) == 0) {
		struct diags ask;
		diags_init(&ask);
		diags_add(&ask, DIAG_ERROR, TF_ATTACHMENT, "attachments", NULL, "%s",
		          _("no attachment yet"));
		enum prompt_status st = prompt_interview(r->t, &r->p, &ask, NULL);
		diags_finish(&ask);
		if (st != PROMPT_OK)
			return main_interrupted(r);
	}
	if (account_status != -1 && r->interactive) {
		char *path = NULL;
		if (prompt_save_draft(r->t, r->draft_path, &path) != 0)
			return EX_CANTCREAT;
		char *cmd = main_resume_command(r, path);
		fprintf(stderr,
		        _("ticketmail: nothing was sent: set up your account first (see "
		          "above), then send the saved ticket with:\n  %s\n"),
		        cmd);
		free(cmd);
		free(path);
		return account_status;
	}
	bool foreign = false;
	int recipient_status = main_check_recipient(r, &foreign);
	/* On a terminal the recipient may have been asked about: the answer
	 * (no, or Ctrl-C) ends the run. */
	if (recipient_status != -1 && r->interactive)
		return recipient_status;
	main_first(&status, recipient_status);
	/* The mail password is looked up (a command run, or a question on the
	 * terminal) only for a ticket that can be sent. */
	bool secret_failed = false;
	if (status == -1 && !r->o->dry_run && r->acct &&
	    account_transport(r->acct) == ACCOUNT_TRANSPORT_SMTP) {
		char *err = NULL;
		bool interrupted = false;
		r->secret = main_lookup_secret(r, &err, &interrupted);
		prompt_set_secret(r->secret);
		if (interrupted) {
			free(err);
			return main_interrupted(r);
		}
		if (!r->secret) {
			diags_add(&r->d, DIAG_ERROR, -1, account_path(r->acct), "secret", "%s",
			          err);
			free(err);
			status = EX_CONFIG;
			secret_failed = true;
		}
	}
	main_first(&status, main_guarded_compose(r, status != -1));
	if (status != -1 && secret_failed && r->interactive) {
		/* What was typed must survive a password that cannot be had. */
		diags_flush(stderr, &r->d);
		return main_keep_answers(r, status);
	}
	if (status != -1)
		return status;
	if (r->o->dry_run) {
		diags_flush(stderr, &r->d);
		return r->o->output ? main_write_file(r->c, r->o->output) : main_write_stdout(r->c);
	}
	if (r->interactive) {
		status = main_review(r, foreign);
		if (status != -1)
			return status;
	} else if (!r->o->yes) {
		diags_add(&r->d, DIAG_ERROR, -1, NULL, NULL,
		          _("no terminal to confirm on: add --yes to send, or --dry-run to see "
		            "the message"));
		return EX_USAGE;
	}
	diags_flush(stderr, &r->d);
	bool queued = false;
	status = main_send(r, &queued);
	/* Refused before the outbox had it (a duplicate, a spool that cannot
	 * be written): on a terminal, what was reviewed is kept as a draft. */
	if (status != EX_OK && !queued && r->interactive)
		return main_keep_answers(r, status);
	return status;
}

static int main_ticket(const struct main_opts *o)
{
	struct main_run r = {.o = o};
	r.t = ticket_new();
	diags_init(&r.d);
	r.interactive = prompt_available() && !o->yes && !o->dry_run;
	/* GNU readline is opened only for the interview (src/prompt.c); when
	 * it cannot be, say so before anything is asked. */
	const char *rl_err = r.interactive ? prompt_load_readline() : NULL;
	if (rl_err)
		fprintf(stderr, _("ticketmail: %s: %s\n"), "GNU readline", rl_err);
	int status = rl_err ? EX_SOFTWARE : main_run(&r);
	if (status == -1)
		status = EX_OK;
	diags_print(stderr, &r.d);
	diags_finish(&r.d);
	prompt_cleanup();
	compose_free(r.c);
	account_free(r.acct);
	provider_free(r.p);
	ticket_free(r.t);
	free(r.draft_path);
	return status;
}

/* ---- subcommands -------------------------------------------------------- */

/* The localised word for a spool state, for listings. */
static const char *main_state_label(enum spool_state st)
{
	switch (st) {
	case SPOOL_STATE_QUEUED:
		return _("queued");
	case SPOOL_STATE_SENDING:
	case SPOOL_STATE_ENDING:
		return _("sending");
	case SPOOL_STATE_SENT:
		return _("sent");
	case SPOOL_STATE_UNKNOWN:
		return _("unknown");
	case SPOOL_STATE_FAILED:
		return _("failed");
	case SPOOL_STATE_DROPPED:
	case SPOOL_STATE_COUNT:
		break;
	}
	return _("dropped");
}

/* Records a new state for the ticket whose message has msgid, so that
 * `ticketmail history` follows retries and resends. */
static void main_history_mark(struct spool *s, const char *msgid, enum spool_state st)
{
	struct spool_history_entry *h = NULL;
	size_t n = 0;
	if (!msgid || spool_history_list(s, &h, &n, NULL) != SPOOL_EOK)
		return;
	for (size_t i = n; i-- > 0;) {
		if (h[i].message_id && strcmp(h[i].message_id, msgid) == 0) {
			struct spool_history_entry e = h[i];
			e.date = spool_now();
			e.state = (char *)spool_state_name(st);
			char *err = NULL;
			if (spool_history_add(s, &e, &err) != SPOOL_EOK) {
				fprintf(stderr, "ticketmail: %s\n", err ? err : "");
				free(err);
			}
			break;
		}
	}
	spool_history_free(h, n);
}

/* Sends what is due (or the one message given to --resend). */
static int main_outbox_flush(struct spool *s, const struct main_opts *o)
{
	char *err = NULL;
	enum spool_status st = spool_lock_flush(s, &err);
	if (st != SPOOL_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err ? err : "");
		free(err);
		return spool_exitcode(st);
	}
	struct account *a = NULL;
	struct diags d;
	diags_init(&d);
	int rc = account_load(o->config, &a, &d);
	diags_flush(stderr, &d);
	if (rc != 0)
		return account_exitcode(rc, o->config != NULL);
	if (account_transport(a) == ACCOUNT_TRANSPORT_SMTP)
		transport_preload();
	struct spool_entry *e = NULL;
	size_t n = 0;
	st = spool_list(s, SPOOL_OUTBOX, &e, &n, &err);
	if (st != SPOOL_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err ? err : "");
		free(err);
		account_free(a);
		return spool_exitcode(st);
	}
	int status = EX_OK;
	bool waiting = false;
	size_t unknown = 0, failed = 0;
	time_t now = spool_now();
	for (size_t i = 0; i < n; i++) {
		bool chosen =
		    o->resend_id ? strcmp(e[i].id, o->resend_id) == 0 : spool_entry_due(&e[i], now);
		if (!chosen) {
			if (!o->resend_id && e[i].state == SPOOL_STATE_QUEUED) {
				char when[64];
				main_time(e[i].next_try, when, sizeof when);
				printf(_("%s: not due yet; next try at %s\n"), e[i].id, when);
				waiting = true;
			} else if (!o->resend_id && e[i].state == SPOOL_STATE_UNKNOWN) {
				printf(_("%s: delivery unknown; left alone\n"), e[i].id);
				unknown++;
			} else if (!o->resend_id && e[i].state == SPOOL_STATE_FAILED) {
				printf(_("%s: refused for good; left alone\n"), e[i].id);
				failed++;
			}
			continue;
		}
		struct deliver_outcome out;
		deliver_spooled(s, a, e[i].id, isatty(STDERR_FILENO), &out);
		main_report(&out, e[i].id, e[i].message_id ? e[i].message_id : "-", o->config);
		if (out.state != SPOOL_STATE_QUEUED)
			main_history_mark(s, e[i].message_id, out.state);
		if (out.exit_status != EX_OK && status == EX_OK)
			status = out.exit_status;
		deliver_outcome_finish(&out);
	}
	spool_entries_free(e, n);
	account_free(a);
	/* A flush never sends these by itself; say what is left to decide. */
	if (unknown)
		fprintf(stderr,
		        _("ticketmail: messages left alone because their delivery is unknown: %zu. "
		          "They may have arrived: check your sent mail, then send each again with "
		          "'ticketmail outbox --resend ID' or remove it with 'ticketmail outbox "
		          "--drop ID'.\n"),
		        unknown);
	if (failed)
		fprintf(
		    stderr,
		    _("ticketmail: messages left alone because they were refused for good: %zu. "
		      "Once the cause is fixed, send each again with 'ticketmail outbox "
		      "--resend ID', or remove it with 'ticketmail outbox --drop ID'.\n"),
		    failed);
	if (status != EX_OK)
		return status;
	/* Only the user can tell whether an unknown message arrived: that
	 * needs them more than a retry that is not due yet. A failed one was
	 * reported with its own status when it failed. */
	if (unknown)
		return EX_UNAVAILABLE;
	/* Something still waits for its turn: not everything is sent. */
	return waiting ? EX_TEMPFAIL : EX_OK;
}

static int main_outbox_list(struct spool *s)
{
	struct spool_entry *e = NULL;
	size_t n = 0;
	char *err = NULL;
	enum spool_status st = spool_list(s, SPOOL_OUTBOX, &e, &n, &err);
	if (st != SPOOL_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err ? err : "");
		free(err);
		return spool_exitcode(st);
	}
	if (n == 0)
		printf("%s\n", _("The outbox is empty."));
	for (size_t i = 0; i < n; i++) {
		char when[64] = "-";
		if (e[i].next_try)
			main_time(e[i].next_try, when, sizeof when);
		char *subject = e[i].subject ? mime_decode_header(e[i].subject) : NULL;
		printf("%s  %s  %s %d  %s %s\n    %s %s\n", e[i].id, main_state_label(e[i].state),
		       _("attempts"), e[i].attempts, _("next try"), when,
		       main_or_dash(e[i].message_id), subject ? subject : "");
		free(subject);
		if (e[i].last_reply)
			printf("    %s %s\n", _("last reply:"), e[i].last_reply);
	}
	printf(_("Outbox: %s/outbox (a Maildir: mutt -f %s/outbox)\n"), spool_root(s),
	       spool_root(s));
	spool_entries_free(e, n);
	return EX_OK;
}

/* Drops a message and records it in the history too: `ticketmail history`
 * then shows it as dropped, and the ticket may be sent again. */
static enum spool_status main_outbox_drop(struct spool *s, const char *id, char **err)
{
	struct spool_entry *e = NULL;
	char *msgid = NULL;
	if (spool_lookup(s, id, &e, NULL) == SPOOL_EOK && e->message_id)
		msgid = xstrdup(e->message_id);
	spool_entries_free(e, 1);
	enum spool_status st = spool_drop(s, id, err);
	if (st == SPOOL_EOK)
		main_history_mark(s, msgid, SPOOL_STATE_DROPPED);
	free(msgid);
	return st;
}

static int main_outbox(const struct main_opts *o)
{
	struct spool *s = NULL;
	char *err = NULL;
	enum spool_status st = spool_open(NULL, &s, &err);
	if (st == SPOOL_EOK && o->drop_id)
		st = main_outbox_drop(s, o->drop_id, &err);
	else if (st == SPOOL_EOK && o->resend_id)
		st = spool_resend_unknown(s, o->resend_id, &err);
	if (st != SPOOL_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err ? err : "");
		free(err);
		spool_free(s);
		return spool_exitcode(st);
	}
	int status;
	if (o->drop_id) {
		printf(_("Dropped %s from the outbox.\n"), o->drop_id);
		status = EX_OK;
	} else if (o->flush || o->resend_id) {
		status = main_outbox_flush(s, o);
	} else {
		status = main_outbox_list(s);
	}
	spool_free(s);
	return status;
}

static int main_history(void)
{
	struct spool *s = NULL;
	char *err = NULL;
	enum spool_status st = spool_open(NULL, &s, &err);
	struct spool_history_entry *h = NULL;
	size_t n = 0;
	if (st == SPOOL_EOK)
		st = spool_history_list(s, &h, &n, &err);
	if (st != SPOOL_EOK) {
		fprintf(stderr, "ticketmail: %s\n", err ? err : "");
		free(err);
		spool_free(s);
		return spool_exitcode(st);
	}
	if (n == 0)
		printf("%s\n", _("No ticket has been sent yet."));
	for (size_t i = 0; i < n; i++) {
		char when[64];
		main_time(h[i].date, when, sizeof when);
		int hs = h[i].state ? spool_state_parse(h[i].state) : -1;
		printf("%s  %s  %s/%s  %s\n    %s\n", when,
		       hs >= 0 ? main_state_label((enum spool_state)hs) : main_or_dash(h[i].state),
		       main_or_dash(h[i].provider), main_or_dash(h[i].category),
		       main_or_dash(h[i].message_id), main_or_dash(h[i].subject));
	}
	printf(_("Sent copies: %s/sent (a Maildir: mutt -f %s/sent)\n"), spool_root(s),
	       spool_root(s));
	spool_history_free(h, n);
	spool_free(s);
	return EX_OK;
}

/* Ends the process: stdio flushed and libcurl's loading thread joined (what
 * exit() would do for ticketmail), then _exit(), which skips the libraries'
 * exit handlers: OpenSSL's clean-up alone touched about 0.1 MiB of code and
 * data pages to free memory that the kernel frees anyway. Under a sanitizer
 * the ordinary exit() runs, so that leak checking still happens. */
#if defined(__SANITIZE_ADDRESS__)
#define MAIN_ORDINARY_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAIN_ORDINARY_EXIT 1
#endif
#endif
static _Noreturn void main_exit(int status)
{
#ifdef MAIN_ORDINARY_EXIT
	exit(status);
#else
	fflush(NULL);
	transport_preload_wait();
	_exit(status);
#endif
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
	enum main_cmd cmd = MAIN_CMD_TICKET;
	int status = main_parse_args(argc, argv, &o, &cmd);
	if (status == -1 && cmd == MAIN_CMD_OUTBOX)
		status = main_outbox(&o);
	else if (status == -1 && cmd == MAIN_CMD_HISTORY)
		status = main_history();
	else if (status == -1)
		status = main_ticket(&o);
	free(o.sets);
	free(o.attach);
	free(o.allow);
	main_exit(status);
}
