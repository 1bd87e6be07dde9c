/* prompt.c - the guided interview. */
#include "prompt.h"

#include "attach.h"
#include "i18n.h"
#include "paths.h"
#include "secrets.h"
#include "ticket_ini.h"
#include "util.h"
#include "validate.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

/* ---- presentation ---------------------------------------------------- */

static bool prompt_colour(void)
{
	static int cached = -1;
	if (cached < 0) {
		const char *nc = getenv("NO_COLOR");
		const char *term = getenv("TERM");
		cached = isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
	}
	return cached;
}

static const char *prompt_sgr(const char *code)
{
	return prompt_colour() ? code : "";
}

#define PROMPT_BOLD   prompt_sgr("\033[1m")
#define PROMPT_RED    prompt_sgr("\033[31m")
#define PROMPT_GREEN  prompt_sgr("\033[32m")
#define PROMPT_DIM    prompt_sgr("\033[2m")
#define PROMPT_YELLOW prompt_sgr("\033[33m")
#define PROMPT_RESET  prompt_sgr("\033[0m")

static const char *prompt_pick(const char *zh, const char *en)
{
	return i18n_is_zh(i18n_lang()) && zh ? zh : en;
}

bool prompt_available(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

/* ---- reading a line --------------------------------------------------- */

/* GNU readline (and libtinfo) is opened with dlopen() when the interview
 * first reads a line, not linked: a send with --yes or a dry run never
 * maps it (tests/bench/run's peak RSS). The headers give the types. */
static struct {
	void *handle;
	void (*callback_handler_install)(const char *, rl_vcpfunc_t *);
	void (*callback_handler_remove)(void);
	void (*callback_read_char)(void);
	void (*callback_sigcleanup)(void);
	void (*free_line_state)(void);
	void (*add_history)(const char *);
	void (*using_history)(void);
	char *(*tilde_expand)(const char *);
	int *attempted_completion_over;
	int *catch_signals;
	int *catch_sigwinch;
	rl_completion_func_t **attempted_completion_function;
	FILE **instream;
} prompt_rl;

const char *prompt_load_readline(void)
{
	if (prompt_rl.handle)
		return NULL;
	const struct util_sym syms[] = {
	    {"rl_callback_handler_install", &prompt_rl.callback_handler_install},
	    {"rl_callback_handler_remove", &prompt_rl.callback_handler_remove},
	    {"rl_callback_read_char", &prompt_rl.callback_read_char},
	    {"rl_callback_sigcleanup", &prompt_rl.callback_sigcleanup},
	    {"rl_free_line_state", &prompt_rl.free_line_state},
	    {"add_history", &prompt_rl.add_history},
	    {"using_history", &prompt_rl.using_history},
	    {"tilde_expand", &prompt_rl.tilde_expand},
	    {"rl_attempted_completion_over", &prompt_rl.attempted_completion_over},
	    {"rl_catch_signals", &prompt_rl.catch_signals},
	    {"rl_catch_sigwinch", &prompt_rl.catch_sigwinch},
	    {"rl_attempted_completion_function", &prompt_rl.attempted_completion_function},
	    {"rl_instream", &prompt_rl.instream},
	};
	const char *why = NULL;
	void *h = util_dlopen_syms("libreadline.so.8", RTLD_NOW | RTLD_LOCAL, syms,
	                           UTIL_ARRAY_LEN(syms), &why);
	if (!h) {
		memset(&prompt_rl, 0, sizeof prompt_rl);
		return why;
	}
	prompt_rl.handle = h;
	return NULL;
}

/* Loads readline, saying why when it cannot be. */
static bool prompt_rl_ready(void)
{
	const char *e = prompt_load_readline();
	if (e)
		fprintf(stderr, _("ticketmail: %s: %s\n"), "GNU readline", e);
	return !e;
}

static volatile sig_atomic_t prompt_signalled;
static char *prompt_got;
static bool prompt_done;

static void prompt_on_signal(int sig)
{
	(void)sig;
	prompt_signalled = 1;
}

static void prompt_line_cb(char *line)
{
	prompt_got = line;
	prompt_done = true;
	prompt_rl.callback_handler_remove();
}

static char **prompt_no_completion(const char *text, int start, int end)
{
	(void)text;
	(void)start;
	(void)end;
	*prompt_rl.attempted_completion_over = 1;
	return NULL;
}

/* Blocks the signals the interview handles (SIGINT, SIGTERM, SIGHUP) in
 * this thread; the mask before goes to *old. */
static void prompt_block_signals(sigset_t *old)
{
	sigset_t ours;
	sigemptyset(&ours);
	sigaddset(&ours, SIGINT);
	sigaddset(&ours, SIGTERM);
	sigaddset(&ours, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ours, old);
}

static void prompt_install_signals(struct sigaction *old_int, struct sigaction *old_term,
                                   struct sigaction *old_hup)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = prompt_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: pselect() must return EINTR. */
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
	sigaction(SIGHUP, &sa, old_hup);
}

static void prompt_remember(const char *line);

/* Reads one line with readline's callback interface, so that a signal
 * interrupts the wait and the terminal is restored by readline itself.
 * Returns an allocated line, or NULL on EOF or interruption. */
static char *prompt_readline(const char *text, bool complete_paths)
{
	struct sigaction oi, ot, oh;
	if (!prompt_rl_ready())
		return NULL;
	*prompt_rl.catch_signals = 0;
	*prompt_rl.catch_sigwinch = 1;
	*prompt_rl.attempted_completion_function = complete_paths ? NULL : prompt_no_completion;
	prompt_signalled = 0;
	prompt_install_signals(&oi, &ot, &oh);
	/* Blocked except inside pselect(): a signal that comes just before the
	 * wait would otherwise go unseen until the next key. */
	sigset_t waitmask;
	prompt_block_signals(&waitmask);
	prompt_done = false;
	prompt_got = NULL;
	fflush(stdout);
	prompt_rl.callback_handler_install(text, prompt_line_cb);
	while (!prompt_done) {
		fd_set fds;
		FD_ZERO(&fds);
		FILE *in = *prompt_rl.instream ? *prompt_rl.instream : stdin;
		FD_SET(fileno(in), &fds);
		int r = pselect(fileno(in) + 1, &fds, NULL, NULL, NULL, &waitmask);
		if (prompt_signalled) {
			prompt_rl.free_line_state();
			prompt_rl.callback_sigcleanup();
			prompt_rl.callback_handler_remove();
			fputc('\n', stdout);
			break;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			prompt_rl.callback_handler_remove();
			break;
		}
		prompt_rl.callback_read_char();
	}
	sigaction(SIGINT, &oi, NULL);
	sigaction(SIGTERM, &ot, NULL);
	sigaction(SIGHUP, &oh, NULL);
	pthread_sigmask(SIG_SETMASK, &waitmask, NULL);
	if (prompt_signalled) {
		free(prompt_got);
		return NULL;
	}
	if (!prompt_got)
		fputc('\n', stdout);
	else if (*prompt_got)
		prompt_remember(prompt_got);
	return prompt_got;
}

/* ---- helpers ---------------------------------------------------------- */

static void prompt_trim(char *s)
{
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	size_t lead = strspn(s, " \t");
	if (lead)
		memmove(s, s + lead, len - lead + 1);
}

static char *prompt_default_os(void)
{
	char *data = NULL;
	size_t len = 0;
	if (util_read_file("/etc/os-release", 65536, &data, &len) == 0) {
		char *line = strstr(data, "PRETTY_NAME=");
		if (line) {
			line += strlen("PRETTY_NAME=");
			if (*line == '"')
				line++;
			size_t n = strcspn(line, "\"\n");
			char *r = xstrndup(line, n);
			free(data);
			return r;
		}
		free(data);
	}
	struct utsname u;
	if (uname(&u) == 0)
		return xasprintf("%s %s", u.sysname, u.release);
	return NULL;
}

static void prompt_show_error(const char *msg)
{
	printf("  %s✗ %s%s\n", PROMPT_RED, msg, PROMPT_RESET);
}

static void prompt_show_warning(const char *msg)
{
	printf("  %s⚠ %s%s\n", PROMPT_YELLOW, msg, PROMPT_RESET);
}

/* ---- the secret guard -------------------------------------------------- */

/* The scanner of src/secrets.c, loaded on first use; the batch path scans
 * with the same one (main.c). */
static struct secrets *prompt_sec;
static bool prompt_sec_tried;
static const char *prompt_extra[2]; /* the mail account's secret, once known */

/* Warnings answered "not a secret" in this run: a field, or an attachment
 * by its file name. */
struct prompt_accepted {
	int field;
	char *where;
	char *kind;
};
static struct prompt_accepted *prompt_acc;
static size_t prompt_nacc;

void prompt_set_secret(const char *smtp_secret)
{
	prompt_extra[0] = smtp_secret;
}

void prompt_cleanup(void)
{
	prompt_extra[0] = NULL;
	secrets_free(prompt_sec);
	prompt_sec = NULL;
	prompt_sec_tried = false;
	for (size_t i = 0; i < prompt_nacc; i++) {
		free(prompt_acc[i].where);
		free(prompt_acc[i].kind);
	}
	free(prompt_acc);
	prompt_acc = NULL;
	prompt_nacc = 0;
}

/* The loaded scanner, or NULL when its word lists cannot be read (said
 * once; the check before sending stops on it too). */
static const struct secrets *prompt_guard(void)
{
	if (!prompt_sec_tried) {
		prompt_sec_tried = true;
		char *err = NULL;
		if (secrets_load(&prompt_sec, &err) != SECRETS_EOK) {
			fprintf(stderr, "ticketmail: %s\n", err ? err : "");
			free(err);
			prompt_sec = NULL;
		}
	}
	return prompt_sec;
}

static const char *const *prompt_extras(void)
{
	return prompt_extra[0] ? prompt_extra : NULL;
}

static enum secrets_context prompt_ctx(int f)
{
	return f == TF_TXID ? SECRETS_CTX_TXID : f < 0 ? SECRETS_CTX_ATTACHMENT : SECRETS_CTX_TEXT;
}

/* value (of field f) with what the guard finds replaced by SECRETS_MASK:
 * every finding with warnings, else only what blocks sending. Allocated;
 * *n_out (may be NULL) gets the count. */
static char *prompt_mask(const struct ticket *t, int f, const char *value, bool warnings,
                         size_t *n_out)
{
	const struct secrets *s = prompt_guard();
	if (!s) {
		if (n_out)
			*n_out = 0;
		return xstrdup(value);
	}
	return secrets_mask(s, value, strlen(value), prompt_ctx(f), prompt_extras(),
	                    ticket_get(t, TF_TXID), warnings, n_out);
}

/* Adds a line to readline's history (the Up arrow) with whatever the guard
 * finds in it masked: a refused answer must not come back on the screen.
 * Without the scanner nothing is added. */
static void prompt_remember(const char *line)
{
	const struct secrets *s = prompt_guard();
	if (!s)
		return;
	char *m = secrets_mask(s, line, strlen(line), SECRETS_CTX_TEXT, prompt_extras(), NULL, true,
	                       NULL);
	prompt_rl.add_history(m);
	free(m);
}

static bool prompt_acc_match(const struct prompt_accepted *a, int field, const char *where)
{
	if (field >= 0)
		return a->field == field;
	return a->field < 0 && where && a->where && strcmp(a->where, where) == 0;
}

static void prompt_forget(int field, const char *where)
{
	size_t kept = 0;
	for (size_t i = 0; i < prompt_nacc; i++) {
		if (prompt_acc_match(&prompt_acc[i], field, where)) {
			free(prompt_acc[i].where);
			free(prompt_acc[i].kind);
		} else {
			prompt_acc[kept++] = prompt_acc[i];
		}
	}
	prompt_nacc = kept;
}

bool prompt_warning_accepted(int field, const char *where, const char *kind)
{
	for (size_t i = 0; kind && i < prompt_nacc; i++)
		if (prompt_acc_match(&prompt_acc[i], field, where) &&
		    strcmp(prompt_acc[i].kind, kind) == 0)
			return true;
	return false;
}

enum prompt_verdict {
	PROMPT_CLEAN,   /* nothing found, or each warning answered "not a secret" */
	PROMPT_REFUSED, /* a secret: explained, to be asked again */
	PROMPT_STOPPED, /* Ctrl-C or EOF at the question about a warning */
};

/* Scans an answer for field f (or, with f < 0, the text attachment named
 * where) with the guard the batch path uses, as soon as it is entered.
 * What blocks sending is refused at once and explained, without echoing
 * it; a warning is explained and the user says whether it is a secret. On
 * refusal *clean_out (may be NULL) gets the text with what was refused
 * replaced by SECRETS_MASK (allocated), so that the rest can be kept. */
static enum prompt_verdict prompt_check_secrets(const struct ticket *t, int f, const char *where,
                                                const char *text, size_t len, char **clean_out)
{
	if (clean_out)
		*clean_out = NULL;
	const struct secrets *s = prompt_guard();
	if (!s)
		return PROMPT_CLEAN;
	struct diags d;
	diags_init(&d);
	const char *txid = ticket_get(t, TF_TXID);
	size_t errors =
	    secrets_diagnose(s, text, len, prompt_ctx(f), prompt_extras(), txid, f, where, &d);
	prompt_forget(f, where);
	enum prompt_verdict v = PROMPT_CLEAN;
	for (size_t i = 0; i < d.n; i++) {
		if (d.v[i].severity == DIAG_ERROR)
			prompt_show_error(d.v[i].message);
		else if (!errors)
			prompt_show_warning(d.v[i].message);
	}
	if (errors) {
		v = PROMPT_REFUSED;
	} else if (d.n) {
		bool intr = false;
		if (prompt_confirm(_("Are you sure none of the warnings above is a secret?"),
		                   &intr)) {
			for (size_t i = 0; i < d.n; i++) {
				prompt_acc =
				    xrealloc(prompt_acc, (prompt_nacc + 1) * sizeof *prompt_acc);
				prompt_acc[prompt_nacc++] = (struct prompt_accepted){
				    f, where ? xstrdup(where) : NULL, xstrdup(d.v[i].kind)};
			}
		} else {
			v = intr ? PROMPT_STOPPED : PROMPT_REFUSED;
		}
	}
	diags_finish(&d);
	if (v == PROMPT_REFUSED && clean_out) {
		char *copy = xstrndup(text, len);
		*clean_out = secrets_mask(s, copy, len, prompt_ctx(f), prompt_extras(), txid,
		                          errors == 0, NULL);
		free(copy);
	}
	return v;
}

/* How much a field is needed, for its header. */
enum prompt_need {
	PROMPT_NEED_REQUIRED,
	PROMPT_NEED_OPTIONAL,
	PROMPT_NEED_ONE_OF, /* one of a group; the others are named */
};

static void prompt_header(enum ticket_field f, enum prompt_need need, const char *others)
{
	const struct ticket_field_def *d = &ticket_fields[f];
	char *what;
	if (need == PROMPT_NEED_REQUIRED)
		what = xstrdup(_("(required)"));
	else if (need == PROMPT_NEED_ONE_OF)
		what = xasprintf(_("(this or %s is needed; Enter skips this one)"), others);
	else if (d->kind == TICKET_KIND_TEXT)
		what = xstrdup(_("(optional; leave it empty to skip)"));
	else
		what = xstrdup(_("(optional, Enter skips)"));
	printf("\n%s%s%s %s%s%s\n", PROMPT_BOLD, prompt_pick(d->label_zh, d->label_en),
	       PROMPT_RESET, PROMPT_DIM, what, PROMPT_RESET);
	free(what);
	printf("  %s\n", prompt_pick(d->why_zh, d->why_en));
	printf("  %s%s %s%s\n", PROMPT_DIM, _("Format, for example:"),
	       prompt_pick(d->example, d->example_en ? d->example_en : d->example), PROMPT_RESET);
}

/* Shows text the user typed that was refused, with every control character
 * and escape sequence made visible, so that nothing pasted is interpreted
 * by the terminal. */
static void prompt_show_refused(const struct ticket *t, enum ticket_field f, const char *answer)
{
	bool control = false;
	for (const unsigned char *c = (const unsigned char *)answer; *c; c++)
		control = control || *c < 0x20 || *c == 0x7f;
	if (!control)
		return;
	char *m = prompt_mask(t, f, answer, true, NULL);
	char *v = util_visible(m, strlen(m));
	printf("  %s%s %s%s\n", PROMPT_DIM, _("You typed:"), v, PROMPT_RESET);
	free(v);
	free(m);
}

/* ---- multi-line text --------------------------------------------------- */

/* Reads lines until one holding only ".". Returns the text (allocated), or
 * NULL when interrupted; then *partial_out gets what was typed so far
 * (allocated, or NULL when nothing was), so that the draft keeps it. */
static char *prompt_text_inline(bool has_current, bool required, char **partial_out)
{
	*partial_out = NULL;
	printf("  %s%s%s\n", PROMPT_DIM, _("Type the text; end with a line holding only \".\"."),
	       PROMPT_RESET);
	if (has_current)
		printf("  %s%s%s\n", PROMPT_DIM,
		       required ? _("A \".\" on the first line keeps the current text.")
		                : _("A \".\" on the first line keeps the current text; \"-\" and "
		                    "then \".\" clear it."),
		       PROMPT_RESET);
	struct strbuf sb;
	strbuf_init(&sb);
	for (;;) {
		char *line = prompt_readline("  | ", false);
		if (!line) {
			if (sb.len)
				*partial_out = strbuf_take(&sb);
			strbuf_finish(&sb);
			return NULL;
		}
		if (strcmp(line, ".") == 0) {
			free(line);
			break;
		}
		if (sb.len)
			strbuf_addc(&sb, '\n');
		strbuf_adds(&sb, line);
		free(line);
	}
	return strbuf_take(&sb);
}

/* Runs $VISUAL or $EDITOR on a commented template, as git commit does.
 * note (may be NULL) is one more comment line. Returns the text without
 * comment lines, with CRLF line ends made LF (allocated), or NULL when the
 * editor failed (message printed; *failed_out set). */
static char *prompt_text_editor(const char *editor, enum ticket_field f, const char *current,
                                bool required, const char *note, bool *failed_out)
{
	*failed_out = false;
	const char *tmpdir = getenv("TMPDIR");
	char *path = xasprintf("%s/ticketmail-%s-XXXXXX.txt", tmpdir && *tmpdir ? tmpdir : "/tmp",
	                       ticket_fields[f].key);
	int fd = mkstemps(path, 4);
	if (fd < 0) {
		prompt_show_error(strerror(errno));
		free(path);
		*failed_out = true;
		return NULL;
	}
	FILE *fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		unlink(path);
		free(path);
		*failed_out = true;
		return NULL;
	}
	if (current && *current)
		fprintf(fp, "%s\n", current);
	else
		fputc('\n', fp);
	/* "##" marks our lines, so the user's own "#2 ..." lines stay. */
	const struct ticket_field_def *d = &ticket_fields[f];
	fprintf(fp, "## %s: %s\n", prompt_pick(d->label_zh, d->label_en),
	        prompt_pick(d->why_zh, d->why_en));
	if (note)
		fprintf(fp, "## %s\n", note);
	fprintf(fp, "## %s\n",
	        required ? _("Lines starting with '##' are ignored. Save and close the "
	                     "editor to continue; this field cannot be left empty.")
	                 : _("Lines starting with '##' are ignored. Save and close the "
	                     "editor to continue; an empty text leaves the field empty."));
	/* A short write would have the user edit a cut-off copy. */
	if (ferror(fp) | fclose(fp)) {
		prompt_show_error(strerror(errno));
		unlink(path);
		free(path);
		*failed_out = true;
		return NULL;
	}

	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $TICKETMAIL_EDITOR \"$1\"", "sh", path,
		      (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid > 0) {
		/* The editor owns the terminal and its signals until it exits. */
		struct sigaction ign, oi;
		memset(&ign, 0, sizeof ign);
		ign.sa_handler = SIG_IGN;
		sigaction(SIGINT, &ign, &oi);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		sigaction(SIGINT, &oi, NULL);
	}
	char *data = NULL;
	size_t len = 0;
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    util_read_file(path, 1 << 20, &data, &len) != 0) {
		printf("  %s✗ %s (%s)%s\n", PROMPT_RED, _("the editor failed"), editor,
		       PROMPT_RESET);
		unlink(path);
		free(path);
		free(data);
		*failed_out = true;
		return NULL;
	}
	unlink(path);
	free(path);
	struct strbuf sb;
	strbuf_init(&sb);
	const char *p = data;
	while (p < data + len) {
		const char *nl = memchr(p, '\n', (size_t)(data + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
		/* Editors set to DOS line ends write CRLF, and may end the
		 * file with a CR alone: the line end, not a character. */
		size_t keep = n && p[n - 1] == '\r' ? n - 1 : n;
		if (!(keep > 1 && p[0] == '#' && p[1] == '#')) {
			strbuf_add(&sb, p, keep);
			strbuf_addc(&sb, '\n');
		}
		p += n + (nl ? 1 : 0);
	}
	free(data);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == ' '))
		sb.buf[--sb.len] = '\0';
	size_t lead = 0;
	while (lead < sb.len && sb.buf[lead] == '\n')
		lead++;
	char *r = xstrdup(sb.buf + lead);
	strbuf_finish(&sb);
	return r;
}

static const char *prompt_editor(void)
{
	const char *e = getenv("VISUAL");
	if (!e || !*e)
		e = getenv("EDITOR");
	return e && *e ? e : NULL;
}

/* ---- one field --------------------------------------------------------- */

static char *prompt_field_default(const struct ticket *t, enum ticket_field f,
                                  const char *default_email)
{
	if (ticket_has(t, f))
		return xstrdup(ticket_get(t, f));
	if (f == TF_EMAIL && default_email)
		return xstrdup(default_email);
	if (f == TF_OS_VERSION)
		return prompt_default_os();
	return NULL;
}

/* Text from a file or a draft, shown with control characters made visible
 * (line breaks kept when multi-line). Allocated. */
static char *prompt_visible(const char *s, bool multi_line)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (;;) {
		size_t n = multi_line ? strcspn(s, "\n") : strlen(s);
		char *v = util_visible(s, n);
		strbuf_adds(&sb, v);
		free(v);
		if (!s[n])
			break;
		strbuf_addc(&sb, '\n');
		s += n + 1;
	}
	return strbuf_take(&sb);
}

/* Set when an answer changed the ticket. */
static bool prompt_edits;

bool prompt_changed(void)
{
	return prompt_edits;
}

/* Stores an answer; prompt_changed() is true from the first one that
 * changes the ticket. */
static void prompt_store(struct ticket *t, enum ticket_field f, const char *value)
{
	const char *old = ticket_get(t, f);
	if (strcmp(old ? old : "", value ? value : "") != 0)
		prompt_edits = true;
	struct ticket_origin o = {NULL, 0};
	ticket_set(t, f, value, value ? strlen(value) : 0, &o);
}

/* A field's value as the interview shows it: whatever the guard flags is
 * masked. Allocated. */
static char *prompt_shown(const struct ticket *t, enum ticket_field f, const char *value,
                          bool multi_line)
{
	char *m = prompt_mask(t, f, value, true, NULL);
	char *vis = prompt_visible(m, multi_line);
	free(m);
	return vis;
}

/* Reads one answer for f: a line, or a text (editor or inline). Returns
 * NULL when interrupted; a partial inline text is stored in t first.
 * note (may be NULL) goes into the editor's template. */
static char *prompt_read_answer(struct ticket *t, enum ticket_field f, const char *def,
                                bool required, const char *note)
{
	if (ticket_fields[f].kind != TICKET_KIND_TEXT) {
		char *vis = def ? prompt_shown(t, f, def, false) : NULL;
		char *ptext = vis ? xasprintf("[%s] > ", vis) : xstrdup("> ");
		char *answer = prompt_readline(ptext, false);
		free(ptext);
		free(vis);
		if (answer)
			prompt_trim(answer);
		return answer;
	}
	if (def) {
		char *vis = prompt_shown(t, f, def, true);
		printf("  %s%s%s\n%s\n", PROMPT_DIM, _("Current text:"), PROMPT_RESET, vis);
		free(vis);
	}
	const char *editor = prompt_editor();
	if (editor) {
		bool failed = false;
		setenv("TICKETMAIL_EDITOR", editor, 1);
		char *answer = prompt_text_editor(editor, f, def, required, note, &failed);
		if (!failed)
			return answer;
	}
	char *partial = NULL;
	char *answer = prompt_text_inline(def != NULL, required, &partial);
	if (!answer && partial)
		prompt_store(t, f, partial);
	free(partial);
	return answer;
}

/* How to keep the current value. A multi-line text shows it above the
 * entry, not in brackets; the inline entry and the editor say themselves
 * how it is kept. */
static void prompt_keep_hint(bool text, bool required)
{
	if (text)
		return;
	printf("  %s%s%s\n", PROMPT_DIM,
	       required ? _("Enter keeps the value in brackets.")
	                : _("Enter keeps the value in brackets; \"-\" clears it."),
	       PROMPT_RESET);
}

/* Asks for field f until the answer is valid, skipped (optional) or the
 * user interrupts. others names the rest of its group (PROMPT_NEED_ONE_OF). */
static enum prompt_status prompt_ask_field(struct ticket *t, enum ticket_field f,
                                           enum prompt_need need, const char *others,
                                           const char *default_email)
{
	prompt_header(f, need, others);
	char *def = prompt_field_default(t, f, default_email);
	bool required = need == PROMPT_NEED_REQUIRED;
	bool text = ticket_fields[f].kind == TICKET_KIND_TEXT;
	bool editor = text && prompt_editor();
	/* A secret in the current value (a ticket file, a draft) is never
	 * shown and never offered back: the rest of the value is. */
	char *note = NULL;
	if (def) {
		size_t n = 0;
		char *clean = prompt_mask(t, f, def, false, &n);
		free(def);
		def = clean;
		if (n)
			note = xasprintf(_("What looked like a secret is taken out of the current "
			                   "value; %s marks where it was."),
			                 SECRETS_MASK);
	}
	if (note)
		printf("  %s%s%s\n", PROMPT_DIM, note, PROMPT_RESET);
	if (def)
		prompt_keep_hint(text, required);
	enum prompt_status st = PROMPT_OK;
	for (;;) {
		char *answer = prompt_read_answer(t, f, def, required, note);
		if (!answer) {
			st = PROMPT_INTERRUPTED;
			break;
		}
		if (!*answer && def && !editor) {
			free(answer);
			answer = xstrdup(def);
		}
		if (!required && (!*answer || strcmp(answer, "-") == 0)) {
			free(answer);
			prompt_store(t, f, NULL);
			break;
		}
		if (!*answer) {
			free(answer);
			prompt_show_error(_("this field is required"));
			continue;
		}
		/* Secrets first, the same scan as before sending: refused at
		 * once, and what else was typed is offered again. */
		char *clean = NULL;
		enum prompt_verdict v = prompt_check_secrets(t, f, ticket_fields[f].key, answer,
		                                             strlen(answer), &clean);
		if (v == PROMPT_STOPPED) {
			/* Kept for the draft, which never holds what blocks. */
			prompt_store(t, f, answer);
			free(answer);
			st = PROMPT_INTERRUPTED;
			break;
		}
		if (v == PROMPT_REFUSED) {
			free(answer);
			free(def);
			def = clean;
			free(note);
			note =
			    xasprintf(_("What looked like a secret is taken out of your answer; %s "
			                "marks where it was. Keep the rest or change it."),
			              SECRETS_MASK);
			printf("  %s%s%s\n", PROMPT_DIM, note, PROMPT_RESET);
			prompt_keep_hint(text, required);
			continue;
		}
		char *err = validate_field(f, answer, strlen(answer), t);
		if (err) {
			prompt_show_error(err);
			prompt_show_refused(t, f, answer);
			free(err);
			free(answer);
			continue;
		}
		prompt_store(t, f, answer);
		free(answer);
		break;
	}
	free(note);
	free(def);
	return st;
}

/* Asks for a group of fields of which at least one is needed
 * ("txid|order_id", or the account identifiers uid|email): each in turn,
 * until one holds a value; the last one is required when none does. */
static enum prompt_status prompt_ask_group(struct ticket *t, const enum ticket_field *fields,
                                           size_t n, const char *default_email)
{
	if (n == 1)
		return prompt_ask_field(t, fields[0], PROMPT_NEED_REQUIRED, NULL, default_email);
	for (size_t k = 0; k < n; k++) {
		bool earlier = false;
		for (size_t j = 0; j < k; j++)
			earlier = earlier || ticket_has(t, fields[j]);
		if (earlier && !ticket_has(t, fields[k]))
			continue; /* an earlier one answered for the group */
		struct strbuf sb;
		strbuf_init(&sb);
		for (size_t j = 0; j < n; j++) {
			if (j == k)
				continue;
			if (sb.len)
				strbuf_adds(&sb, " / ");
			strbuf_adds(&sb, prompt_pick(ticket_fields[fields[j]].label_zh,
			                             ticket_fields[fields[j]].label_en));
		}
		enum prompt_need need = earlier     ? PROMPT_NEED_OPTIONAL
		                        : k + 1 < n ? PROMPT_NEED_ONE_OF
		                                    : PROMPT_NEED_REQUIRED;
		enum prompt_status st = prompt_ask_field(t, fields[k], need, sb.buf, default_email);
		strbuf_finish(&sb);
		if (st != PROMPT_OK)
			return st;
	}
	return PROMPT_OK;
}

/* ---- menus ------------------------------------------------------------ */

/* Reads a number 1..n (or text matching one of ids). Returns the index, or
 * -1 when interrupted. With text_out, any other text that is not a number
 * is returned there (allocated) with -2: the user wrote their own. */
static int prompt_menu(const char *const *labels, const char *const *ids, size_t n, int def,
                       char **text_out)
{
	for (size_t i = 0; i < n; i++)
		printf("  %s%2zu)%s %s\n", PROMPT_BOLD, i + 1, PROMPT_RESET, labels[i]);
	for (;;) {
		char *ptext = def >= 0 ? xasprintf("[%d] > ", def + 1) : xstrdup("> ");
		char *answer = prompt_readline(ptext, false);
		free(ptext);
		if (!answer)
			return -1;
		prompt_trim(answer);
		if (!*answer && def >= 0) {
			free(answer);
			return def;
		}
		char *end;
		long v = strtol(answer, &end, 10);
		if (*answer && *end == '\0' && v >= 1 && (size_t)v <= n) {
			free(answer);
			return (int)v - 1;
		}
		for (size_t i = 0; ids && i < n; i++) {
			if (strcmp(answer, ids[i]) == 0) {
				free(answer);
				return (int)i;
			}
		}
		if (text_out && *answer && *end != '\0') {
			*text_out = answer;
			return -2;
		}
		char *msg = xasprintf(_("please answer with a number from 1 to %zu"), n);
		prompt_show_error(msg);
		free(msg);
		free(answer);
	}
}

static enum prompt_status prompt_ask_category(struct ticket *t, const struct provider *p)
{
	size_t n = provider_category_count(p);
	const char **labels = xcalloc(n, sizeof *labels);
	const char **ids = xcalloc(n, sizeof *ids);
	int def = -1;
	for (size_t i = 0; i < n; i++) {
		const struct provider_category *c = provider_category_at(p, i);
		labels[i] = provider_category_name(c, i18n_lang());
		ids[i] = c->id;
		if (ticket_has(t, TF_CATEGORY) && strcmp(ticket_get(t, TF_CATEGORY), c->id) == 0)
			def = (int)i;
	}
	printf("\n%s%s%s\n", PROMPT_BOLD, _("What is the problem about?"), PROMPT_RESET);
	int k = prompt_menu(labels, ids, n, def, NULL);
	free(labels);
	free(ids);
	if (k < 0)
		return PROMPT_INTERRUPTED;
	const struct provider_category *c = provider_category_at(p, (size_t)k);
	prompt_store(t, TF_CATEGORY, c->id);
	const char *guide = prompt_pick(c->guidance_zh, c->guidance_en);
	if (guide)
		printf("\n%s%s%s\n%s\n", PROMPT_YELLOW, _("Before you write:"), PROMPT_RESET,
		       guide);
	return PROMPT_OK;
}

static enum prompt_status prompt_ask_subject(struct ticket *t, const struct provider *p)
{
	const struct provider_category *c =
	    provider_category_find(p, ticket_has(t, TF_CATEGORY) ? ticket_get(t, TF_CATEGORY) : "");
	const char *lang = ticket_has(t, TF_LANGUAGE) ? ticket_get(t, TF_LANGUAGE) : i18n_lang();
	const char *const *subjects = NULL;
	if (c)
		subjects = i18n_is_zh(lang) ? c->subjects_zh : c->subjects_en;
	size_t n = 0;
	while (subjects && subjects[n])
		n++;
	if (n == 0)
		return prompt_ask_field(t, TF_SUBJECT, PROMPT_NEED_REQUIRED, NULL, NULL);
	const struct ticket_field_def *d = &ticket_fields[TF_SUBJECT];
	printf("\n%s%s%s %s%s%s\n  %s\n  %s%s%s\n", PROMPT_BOLD,
	       prompt_pick(d->label_zh, d->label_en), PROMPT_RESET, PROMPT_DIM, _("(required)"),
	       PROMPT_RESET, prompt_pick(d->why_zh, d->why_en), PROMPT_DIM,
	       _("Pick a suggestion by its number, or write your own (short and exact)."),
	       PROMPT_RESET);
	/* The current subject, from a file or a draft, is offered as it is
	 * only when it is valid, and never with a secret in it. */
	char *cur = ticket_get(t, TF_SUBJECT)
	                ? prompt_mask(t, TF_SUBJECT, ticket_get(t, TF_SUBJECT), false, NULL)
	                : NULL;
	const char **labels = xcalloc(n + 2, sizeof *labels);
	char *keep_label = NULL;
	bool keep = false;
	int k;
	for (;;) {
		int def = -1;
		for (size_t i = 0; i < n; i++)
			if (cur && strcmp(cur, subjects[i]) == 0)
				def = (int)i;
		char *err = cur && def < 0 ? validate_field(TF_SUBJECT, cur, strlen(cur), t) : NULL;
		keep = cur && *cur && def < 0 && !err;
		free(err);
		for (size_t i = 0; i < n; i++)
			labels[i] = subjects[i];
		free(keep_label);
		keep_label = NULL;
		if (keep) {
			char *shown = prompt_shown(t, TF_SUBJECT, cur, false);
			keep_label = xasprintf("%s: %s", _("Keep"), shown);
			free(shown);
		}
		size_t m = n;
		if (keep) {
			def = (int)m;
			labels[m++] = keep_label;
		}
		labels[m++] = _("Write my own subject");
		char *own = NULL;
		k = prompt_menu(labels, NULL, m, def >= 0 ? def : 0, &own);
		if (k != -2)
			break;
		char *clean = NULL;
		enum prompt_verdict v = prompt_check_secrets(
		    t, TF_SUBJECT, ticket_fields[TF_SUBJECT].key, own, strlen(own), &clean);
		if (v == PROMPT_STOPPED) {
			prompt_store(t, TF_SUBJECT, own);
			free(own);
			k = -1;
			break;
		}
		if (v == PROMPT_REFUSED) {
			/* The rest of it is offered as "Keep". */
			free(cur);
			cur = clean;
			free(own);
			continue;
		}
		char *verr = validate_field(TF_SUBJECT, own, strlen(own), t);
		if (!verr) {
			prompt_store(t, TF_SUBJECT, own);
			free(own);
			break;
		}
		prompt_show_error(verr);
		prompt_show_refused(t, TF_SUBJECT, own);
		free(verr);
		free(own);
	}
	free(labels);
	free(keep_label);
	enum prompt_status st = PROMPT_OK;
	if (k == -2) {
		/* written at the menu */
	} else if (k < 0)
		st = PROMPT_INTERRUPTED;
	else if ((size_t)k < n)
		prompt_store(t, TF_SUBJECT, subjects[k]);
	else if (keep && (size_t)k == n)
		prompt_store(t, TF_SUBJECT, cur);
	else
		st = prompt_ask_field(t, TF_SUBJECT, PROMPT_NEED_REQUIRED, NULL, NULL);
	free(cur);
	return st;
}

/* ---- attachments -------------------------------------------------------- */

/* Opens and checks one attachment completely as it is entered: that it
 * can be attached, its type by content, its size against the limits, and a
 * text file's content with the secret guard. Prints the verdict; on
 * success *size_out gets the size. */
static enum prompt_verdict prompt_check_attachment(const struct ticket *t, const char *path,
                                                   size_t number, const struct provider *p,
                                                   uint64_t total, uint64_t *size_out)
{
	struct attach *a = NULL;
	char *err = NULL;
	if (attach_open(path, &a, &err) != ATTACH_OK) {
		prompt_show_error(err);
		free(err);
		return PROMPT_REFUSED;
	}
	uint64_t size = attach_size(a);
	char *hs = util_human_size(size);
	enum prompt_verdict v = PROMPT_CLEAN;
	if (!provider_type_allowed(p, attach_mime_type(a))) {
		char *msg =
		    xasprintf(_("%s is %s by its content, which support does not accept "
		                "(allowed: %s)"),
		              attach_filename(a), attach_mime_type(a), provider_allowed_types(p));
		prompt_show_error(msg);
		free(msg);
		v = PROMPT_REFUSED;
	} else if (size > provider_max_file_size(p) || total + size > provider_max_total_size(p)) {
		char *max = util_human_size(provider_max_file_size(p));
		char *tmax = util_human_size(provider_max_total_size(p));
		char *msg = xasprintf(_("%s is %s: over the limit (%s per file, %s in all)"),
		                      attach_filename(a), hs, max, tmax);
		prompt_show_error(msg);
		free(msg);
		free(max);
		free(tmax);
		v = PROMPT_REFUSED;
	} else if (strcmp(attach_mime_type(a), "text/plain") == 0) {
		/* A log is read as it will be sent, and scanned as before sending. */
		char *buf = xmalloc(size + 1);
		ssize_t nread = util_pread_full(attach_fd(a), buf, size, 0);
		size_t got = nread > 0 ? (size_t)nread : 0;
		v = prompt_check_secrets(t, -1, attach_filename(a), buf, got, NULL);
		explicit_bzero(buf, size);
		free(buf);
	}
	if (v == PROMPT_CLEAN) {
		printf("  %s✓%s %zu) %s — %s, %s\n", PROMPT_GREEN, PROMPT_RESET, number,
		       attach_filename(a), attach_mime_type(a), hs);
		*size_out = size;
	}
	free(hs);
	attach_free(a);
	return v;
}

static void prompt_show_total(size_t n, uint64_t total, const struct provider *p)
{
	char *ht = util_human_size(total);
	char *hm = util_human_size(provider_max_total_size(p));
	printf("  ");
	printf(_("%zu attachment(s), %s of %s allowed\n"), n, ht, hm);
	free(ht);
	free(hm);
}

/* "-N": the number N (1-based) of an attachment to remove, or 0. */
static size_t prompt_removal(const char *answer)
{
	if (answer[0] != '-' || answer[1] < '1' || answer[1] > '9')
		return 0;
	char *end;
	unsigned long v = strtoul(answer + 1, &end, 10);
	return *end == '\0' ? (size_t)v : 0;
}

static enum prompt_status prompt_ask_attachments(struct ticket *t, const struct provider *p)
{
	const struct ticket_field_def *d = &ticket_fields[TF_ATTACHMENT];
	printf("\n%s%s%s %s%s%s\n  %s\n  %s%s%s\n", PROMPT_BOLD,
	       prompt_pick(d->label_zh, d->label_en), PROMPT_RESET, PROMPT_DIM,
	       _("(optional, Enter finishes)"), PROMPT_RESET, prompt_pick(d->why_zh, d->why_en),
	       PROMPT_DIM, _("Type a file path; Tab completes it."), PROMPT_RESET);
	/* The ones already there (a ticket file, -a, a draft) are checked as
	 * a typed one is; one that cannot be sent is taken out, and says why. */
	uint64_t total = 0;
	uint64_t *sizes = xcalloc(ticket_attach_count(t) + 1, sizeof *sizes);
	for (size_t i = 0; i < ticket_attach_count(t);) {
		enum prompt_verdict v = prompt_check_attachment(t, ticket_attach_path(t, i), i + 1,
		                                                p, total, &sizes[i]);
		if (v == PROMPT_STOPPED) {
			free(sizes);
			return PROMPT_INTERRUPTED;
		}
		if (v == PROMPT_REFUSED) {
			printf("  %s%s %s%s\n", PROMPT_DIM, _("Taken out of the attachments:"),
			       ticket_attach_path(t, i), PROMPT_RESET);
			ticket_attach_remove(t, i);
			prompt_edits = true;
			continue;
		}
		total += sizes[i++];
	}
	if (ticket_attach_count(t) > 0) {
		prompt_show_total(ticket_attach_count(t), total, p);
		printf("  %s%s%s\n", PROMPT_DIM,
		       _("To take one out, type - and its number (for example -1)."), PROMPT_RESET);
	}
	enum prompt_status st = PROMPT_OK;
	for (;;) {
		size_t count = ticket_attach_count(t);
		bool full = count >= provider_max_attachments(p);
		if (full)
			printf("  %s%s%s\n", PROMPT_DIM,
			       _("That is as many as support accepts: Enter finishes, -N takes one "
			         "out."),
			       PROMPT_RESET);
		char *answer = prompt_readline(_("file> "), true);
		if (!answer) {
			st = PROMPT_INTERRUPTED;
			break;
		}
		prompt_trim(answer);
		if (!*answer) {
			free(answer);
			break;
		}
		size_t gone = prompt_removal(answer);
		if (gone) {
			if (gone > count) {
				char *msg = xasprintf(_("there is no attachment %zu"), gone);
				prompt_show_error(msg);
				free(msg);
			} else {
				printf("  %s%s %s%s\n", PROMPT_DIM,
				       _("Taken out of the attachments:"),
				       ticket_attach_path(t, gone - 1), PROMPT_RESET);
				ticket_attach_remove(t, gone - 1);
				total -= sizes[gone - 1];
				memmove(&sizes[gone - 1], &sizes[gone],
				        (count - gone) * sizeof *sizes);
				prompt_edits = true;
				prompt_show_total(count - 1, total, p);
			}
			free(answer);
			continue;
		}
		if (full) {
			char *msg =
			    xasprintf(_("%s accepts at most %zu attachments"),
			              provider_name(p, i18n_lang()), provider_max_attachments(p));
			prompt_show_error(msg);
			free(msg);
			free(answer);
			continue;
		}
		/* readline's completion may leave a quoted or escaped path. */
		size_t len = strlen(answer);
		if (len >= 2 && (answer[0] == '\'' || answer[0] == '"') &&
		    answer[len - 1] == answer[0]) {
			memmove(answer, answer + 1, len - 2);
			answer[len - 2] = '\0';
		}
		if (answer[0] == '~') {
			char *expanded = prompt_rl.tilde_expand(answer);
			free(answer);
			answer = expanded;
		}
		uint64_t size = 0;
		enum prompt_verdict v =
		    prompt_check_attachment(t, answer, count + 1, p, total, &size);
		if (v == PROMPT_CLEAN) {
			/* Absolute, so that a draft written anywhere still finds it. */
			char real[PATH_MAX];
			const char *keep = realpath(answer, real) ? real : answer;
			ticket_attach_add(t, keep, NULL);
			prompt_edits = true;
			sizes = xrealloc(sizes, (count + 2) * sizeof *sizes);
			sizes[count] = size;
			total += size;
			prompt_show_total(ticket_attach_count(t), total, p);
		}
		free(answer);
		if (v == PROMPT_STOPPED) {
			st = PROMPT_INTERRUPTED;
			break;
		}
	}
	free(sizes);
	return st;
}

/* ---- the interview ------------------------------------------------------ */

static bool prompt_in(const enum ticket_field *v, size_t n, enum ticket_field f)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == f)
			return true;
	return false;
}

static void prompt_push(enum ticket_field *v, size_t *n, enum ticket_field f)
{
	if (!prompt_in(v, *n, f))
		v[(*n)++] = f;
}

static enum prompt_status prompt_fields(struct ticket *t, const struct provider *p,
                                        const char *default_email)
{
	const struct provider_category *c =
	    provider_category_find(p, ticket_has(t, TF_CATEGORY) ? ticket_get(t, TF_CATEGORY) : "");
	enum ticket_field asked[TF_COUNT];
	size_t n = 0;
	/* Required first: the category's groups, the time and the account,
	 * the description last, once the facts are in. */
	for (size_t g = 0; c && g < c->nrequired; g++) {
		const struct provider_requirement *r = &c->required[g];
		bool seen = false;
		for (size_t k = 0; k < r->n; k++)
			seen = seen || prompt_in(asked, n, r->fields[k]);
		if (seen)
			continue;
		enum prompt_status st = prompt_ask_group(t, r->fields, r->n, default_email);
		if (st != PROMPT_OK)
			return st;
		for (size_t k = 0; k < r->n; k++)
			prompt_push(asked, &n, r->fields[k]);
	}
	static const enum ticket_field who[] = {TF_UID, TF_EMAIL};
	static const enum ticket_field table[] = {TF_OCCURRED_AT, TF_DESCRIPTION};
	enum prompt_status st = PROMPT_OK;
	if (!prompt_in(asked, n, TF_OCCURRED_AT))
		st = prompt_ask_field(t, TF_OCCURRED_AT, PROMPT_NEED_REQUIRED, NULL, default_email);
	prompt_push(asked, &n, TF_OCCURRED_AT);
	if (st == PROMPT_OK && !prompt_in(asked, n, TF_UID) && !prompt_in(asked, n, TF_EMAIL))
		st = prompt_ask_group(t, who, UTIL_ARRAY_LEN(who), default_email);
	prompt_push(asked, &n, TF_UID);
	prompt_push(asked, &n, TF_EMAIL);
	if (st == PROMPT_OK && !prompt_in(asked, n, TF_DESCRIPTION))
		st = prompt_ask_field(t, TF_DESCRIPTION, PROMPT_NEED_REQUIRED, NULL, default_email);
	for (size_t i = 0; i < UTIL_ARRAY_LEN(table); i++)
		prompt_push(asked, &n, table[i]);
	/* Then what the category recommends, then what helps any ticket. */
	for (size_t i = 0; st == PROMPT_OK && c && i < c->nrecommended; i++) {
		if (prompt_in(asked, n, c->recommended[i]))
			continue;
		prompt_push(asked, &n, c->recommended[i]);
		st = prompt_ask_field(t, c->recommended[i], PROMPT_NEED_OPTIONAL, NULL,
		                      default_email);
	}
	static const enum ticket_field optional[] = {TF_STEPS, TF_ERROR_MESSAGE, TF_NAME, TF_PHONE,
	                                             TF_TELEGRAM};
	for (size_t i = 0; st == PROMPT_OK && i < UTIL_ARRAY_LEN(optional); i++) {
		if (prompt_in(asked, n, optional[i]))
			continue;
		prompt_push(asked, &n, optional[i]);
		st = prompt_ask_field(t, optional[i], PROMPT_NEED_OPTIONAL, NULL, default_email);
	}
	return st;
}

static void prompt_show_provider(const struct provider *p)
{
	printf("%s%s%s %s <%s>\n", PROMPT_BOLD, _("Provider:"), PROMPT_RESET,
	       provider_name(p, i18n_lang()), provider_support_address(p));
	printf("  %s%s %s%s\n", PROMPT_DIM, _("Official address; verify it at"),
	       provider_verify_url(p), PROMPT_RESET);
	const char *reply = provider_reply_time(p, i18n_lang());
	if (reply)
		printf("  %s%s %s%s\n", PROMPT_DIM, _("Email replies usually take"), reply,
		       PROMPT_RESET);
}

static int prompt_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The provider ids: the names of <share>/providers/<id>.ini, sorted.
 * Allocated, NULL-terminated; *n_out gets the count. */
static char **prompt_provider_ids(size_t *n_out)
{
	char *dir = xasprintf("%s/providers", paths_share_dir());
	DIR *dp = opendir(dir);
	free(dir);
	char **ids = xcalloc(1, sizeof *ids);
	size_t n = 0;
	struct dirent *e;
	while (dp && (e = readdir(dp)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".ini") != 0 || e->d_name[0] == '.')
			continue;
		ids = xrealloc(ids, (n + 2) * sizeof *ids);
		ids[n++] = xstrndup(e->d_name, len - 4);
		ids[n] = NULL;
	}
	if (dp)
		closedir(dp);
	qsort(ids, n, sizeof *ids, prompt_strcmp);
	*n_out = n;
	return ids;
}

/* Which exchange: a menu of the installed profiles, the current one (okx
 * unless the ticket names another) as the default. *p is replaced when
 * another is picked. */
static enum prompt_status prompt_ask_provider(struct ticket *t, struct provider **p)
{
	size_t n = 0;
	char **ids = prompt_provider_ids(&n);
	const char **labels = xcalloc(n + 1, sizeof *labels);
	struct provider **loaded = xcalloc(n + 1, sizeof *loaded);
	size_t m = 0;
	int def = -1;
	for (size_t i = 0; i < n; i++) {
		struct diags d;
		diags_init(&d);
		if (provider_load(ids[i], &loaded[m], &d) == 0) {
			labels[m] = provider_name(loaded[m], i18n_lang());
			if (strcmp(ids[i], provider_id(*p)) == 0)
				def = (int)m;
			ids[m++] = ids[i];
		} else {
			free(ids[i]);
		}
		diags_finish(&d);
	}
	enum prompt_status st = PROMPT_OK;
	printf(
	    "\n%s%s%s %s%s%s\n  %s\n", PROMPT_BOLD,
	    prompt_pick(ticket_fields[TF_PROVIDER].label_zh, ticket_fields[TF_PROVIDER].label_en),
	    PROMPT_RESET, PROMPT_DIM, _("(Enter keeps the default)"), PROMPT_RESET,
	    _("The exchange whose support you write to; its official address comes with it."));
	if (m > 0 && def >= 0) {
		int k = prompt_menu(labels, (const char *const *)ids, m, def, NULL);
		if (k < 0) {
			st = PROMPT_INTERRUPTED;
		} else if (k != def) {
			provider_free(*p);
			*p = loaded[k];
			loaded[k] = NULL;
		}
	}
	if (st == PROMPT_OK)
		prompt_store(t, TF_PROVIDER, provider_id(*p));
	for (size_t i = 0; i < m; i++) {
		provider_free(loaded[i]);
		free(ids[i]);
	}
	free(loaded);
	free(labels);
	free(ids);
	return st;
}

/* true when f must hold a value: the table says so, or the ticket's
 * category requires it alone. */
static bool prompt_required(const struct ticket *t, const struct provider *p, enum ticket_field f)
{
	if (ticket_fields[f].flags & TICKET_F_REQUIRED)
		return true;
	const struct provider_category *c =
	    provider_category_find(p, ticket_has(t, TF_CATEGORY) ? ticket_get(t, TF_CATEGORY) : "");
	for (size_t g = 0; c && g < c->nrequired; g++)
		if (c->required[g].n == 1 && c->required[g].fields[0] == f)
			return true;
	return false;
}

/* Asks again for the fields named by validation errors, in table order; a
 * missing group ("txid|order_id", "uid|email") is asked as a group. */
static enum prompt_status prompt_problems(struct ticket *t, struct provider **p,
                                          const struct diags *d, const char *default_email)
{
	bool want[TF_COUNT] = {false};
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == DIAG_ERROR && d->v[i].field >= 0 &&
		    d->v[i].field < TF_COUNT)
			want[d->v[i].field] = true;
	for (int f = 0; f < TF_COUNT; f++) {
		if (!want[f])
			continue;
		enum prompt_status st;
		const struct provider_category *c = provider_category_find(
		    *p, ticket_has(t, TF_CATEGORY) ? ticket_get(t, TF_CATEGORY) : "");
		const struct provider_requirement *group = NULL;
		for (size_t g = 0; c && g < c->nrequired; g++)
			if (c->required[g].n > 1 && (int)c->required[g].fields[0] == f)
				group = &c->required[g];
		static const enum ticket_field who[] = {TF_UID, TF_EMAIL};
		if (f == TF_PROVIDER)
			st = prompt_ask_provider(t, p);
		else if (f == TF_CATEGORY)
			st = prompt_ask_category(t, *p);
		else if (f == TF_SUBJECT)
			st = prompt_ask_subject(t, *p);
		else if (f == TF_ATTACHMENT)
			st = prompt_ask_attachments(t, *p);
		else if (f == TF_UID && !ticket_has(t, TF_UID) && !ticket_has(t, TF_EMAIL))
			st = prompt_ask_group(t, who, UTIL_ARRAY_LEN(who), default_email);
		else if (group && !ticket_has(t, f))
			st = prompt_ask_group(t, group->fields, group->n, default_email);
		else
			st = prompt_ask_field(t, f,
			                      prompt_required(t, *p, f) ? PROMPT_NEED_REQUIRED
			                                                : PROMPT_NEED_OPTIONAL,
			                      NULL, default_email);
		if (st != PROMPT_OK)
			return st;
	}
	return PROMPT_OK;
}

enum prompt_status prompt_interview(struct ticket *t, struct provider **p,
                                    const struct diags *only_problems, const char *default_email)
{
	if (!prompt_rl_ready())
		return PROMPT_ERROR;
	prompt_rl.using_history();
	if (!ticket_has(t, TF_LANGUAGE)) {
		struct ticket_origin o = {NULL, 0};
		ticket_set(t, TF_LANGUAGE, i18n_lang(), strlen(i18n_lang()), &o);
	}
	if (only_problems) {
		printf("%s%s%s\n", PROMPT_BOLD,
		       _("Some fields are missing or invalid; please answer for them."),
		       PROMPT_RESET);
		return prompt_problems(t, p, only_problems, default_email);
	}
	printf("%s%s%s\n", PROMPT_BOLD,
	       _("ticketmail — a support email your exchange can act on, in a few questions."),
	       PROMPT_RESET);
	printf("%s\n", _("Press Ctrl-C at any time to stop; your answers are kept as a draft."));
	enum prompt_status st = prompt_ask_provider(t, p);
	if (st == PROMPT_OK) {
		prompt_show_provider(*p);
		st = prompt_ask_category(t, *p);
	}
	if (st == PROMPT_OK)
		st = prompt_fields(t, *p, default_email);
	if (st == PROMPT_OK)
		st = prompt_ask_subject(t, *p);
	if (st == PROMPT_OK)
		st = prompt_ask_attachments(t, *p);
	return st;
}

/* ---- review ---------------------------------------------------------- */

void prompt_show_review(const struct compose *c, const struct provider *p, const struct ticket *t,
                        bool foreign_to)
{
	printf("\n%s══ %s ══%s\n", PROMPT_BOLD, _("Review: the email as support will see it"),
	       PROMPT_RESET);
	printf("%s %s\n", _("From:"), compose_from(c));
	if (foreign_to)
		printf("%s %s%s%s  %s⚠ %s%s\n", _("To:"), PROMPT_RED, compose_to(c), PROMPT_RESET,
		       PROMPT_RED, _("NOT the official address"), PROMPT_RESET);
	else
		printf("%s %s%s%s  (%s)\n", _("To:"), PROMPT_GREEN, compose_to(c), PROMPT_RESET,
		       _("official address"));
	/* Scanned as a whole: a field's text as it stands in the body. */
	size_t masked_subject = 0, masked_body = 0;
	char *subject = prompt_mask(t, TF_SUBJECT, compose_subject(c), true, &masked_subject);
	char *body = prompt_mask(t, TF_DESCRIPTION, compose_body(c), true, &masked_body);
	printf("%s %s\n", _("Subject:"), subject);
	printf("%s\n%s", "────────", body);
	size_t body_len = strlen(body);
	if (body_len && body[body_len - 1] != '\n')
		putchar('\n');
	printf("%s\n", "────────");
	if (masked_subject + masked_body) {
		printf("%s⚠ ", PROMPT_YELLOW);
		printf(_("What the safety check flagged is shown as %s here; it is sent as "
		         "written, since you said it is not a secret."),
		       SECRETS_MASK);
		printf("%s\n", PROMPT_RESET);
	}
	free(subject);
	free(body);
	uint64_t total = 0;
	size_t n = compose_attachment_count(c);
	for (size_t i = 0; i < n; i++) {
		char *hs = util_human_size(compose_attachment_size(c, i));
		printf("📎 %s — %s, %s\n", compose_attachment_name(c, i),
		       compose_attachment_type(c, i), hs);
		free(hs);
		total += compose_attachment_size(c, i);
	}
	char *ht = util_human_size(total);
	char *hm = util_human_size(provider_max_total_size(p));
	printf(_("%zu attachment(s), %s of %s allowed\n"), n, ht, hm);
	free(ht);
	free(hm);
}

enum prompt_choice prompt_review_choice(bool can_send)
{
	for (;;) {
		printf("\n%s\n", can_send
		                     ? _("[s] send   [e] edit a field   [d] save draft   [q] quit")
		                     : _("[e] edit a field   [d] save draft   [q] quit"));
		char *answer = prompt_readline("> ", false);
		if (!answer)
			return PROMPT_CHOICE_INTERRUPTED;
		prompt_trim(answer);
		enum prompt_choice ch = PROMPT_CHOICE_INTERRUPTED;
		bool ok = true;
		if (!strcmp(answer, "s") || !strcmp(answer, "send") || !strcmp(answer, _("send")))
			ch = PROMPT_CHOICE_SEND;
		else if (!strcmp(answer, "e") || !strcmp(answer, "edit"))
			ch = PROMPT_CHOICE_EDIT;
		else if (!strcmp(answer, "d") || !strcmp(answer, "draft"))
			ch = PROMPT_CHOICE_DRAFT;
		else if (!strcmp(answer, "q") || !strcmp(answer, "quit"))
			ch = PROMPT_CHOICE_QUIT;
		else
			ok = false;
		free(answer);
		if (ok && ch == PROMPT_CHOICE_SEND && !can_send) {
			prompt_show_error(
			    _("nothing can be sent until the problems above are fixed: "
			      "answer e to edit a field, d or q"));
			continue;
		}
		if (ok)
			return ch;
		prompt_show_error(can_send ? _("please answer s, e, d or q")
		                           : _("please answer e, d or q"));
	}
}

enum prompt_status prompt_edit_field(struct ticket *t, const struct provider *p)
{
	/* Every field but the provider: another provider means another
	 * profile, which the review cannot swap (start again with
	 * --provider). */
	const char *labels[TF_COUNT];
	const char *ids[TF_COUNT];
	enum ticket_field which[TF_COUNT];
	size_t n = 0;
	for (int f = 0; f < TF_COUNT; f++) {
		if (f == TF_PROVIDER)
			continue;
		labels[n] = prompt_pick(ticket_fields[f].label_zh, ticket_fields[f].label_en);
		ids[n] = ticket_fields[f].key;
		which[n++] = (enum ticket_field)f;
	}
	printf("\n%s%s%s\n", PROMPT_BOLD, _("Which field?"), PROMPT_RESET);
	int k = prompt_menu(labels, ids, n, -1, NULL);
	if (k < 0)
		return PROMPT_INTERRUPTED;
	enum ticket_field f = which[k];
	if (f == TF_CATEGORY)
		return prompt_ask_category(t, p);
	if (f == TF_SUBJECT)
		return prompt_ask_subject(t, p);
	if (f == TF_ATTACHMENT)
		return prompt_ask_attachments(t, p);
	return prompt_ask_field(
	    t, f, prompt_required(t, p, f) ? PROMPT_NEED_REQUIRED : PROMPT_NEED_OPTIONAL, NULL,
	    NULL);
}

bool prompt_confirm(const char *question, bool *interrupted_out)
{
	if (interrupted_out)
		*interrupted_out = false;
	for (;;) {
		printf("%s %s ", question, _("[yes/no]"));
		char *answer = prompt_readline("> ", false);
		if (!answer) {
			if (interrupted_out)
				*interrupted_out = true;
			return false;
		}
		prompt_trim(answer);
		bool yes = !strcmp(answer, "y") || !strcmp(answer, "yes") ||
		           !strcmp(answer, "是") || !strcmp(answer, _("yes"));
		bool no = !strcmp(answer, "n") || !strcmp(answer, "no") || !strcmp(answer, "否") ||
		          !strcmp(answer, _("no"));
		free(answer);
		if (yes || no)
			return yes;
		prompt_show_error(_("please answer yes or no"));
	}
}

/* ---- drafts ------------------------------------------------------------ */

static char *prompt_drafts_dir(void)
{
	char *state = paths_state_dir();
	char *dir = xasprintf("%s/drafts", state);
	free(state);
	return dir;
}

bool prompt_is_draft(const char *path)
{
	char *dir = prompt_drafts_dir();
	char rdir[PATH_MAX], rpath[PATH_MAX];
	bool r = realpath(dir, rdir) && realpath(path, rpath) &&
	         strncmp(rpath, rdir, strlen(rdir)) == 0 && rpath[strlen(rdir)] == '/';
	free(dir);
	return r;
}

/* A copy of t whose attachment paths are absolute: the draft lives in
 * another directory, and the reader takes relative paths as relative to
 * the file. What the guard blocks is masked (and said so on stderr): a
 * draft never holds a password, a code or a key, wherever it came from. */
static struct ticket *prompt_draft_copy(const struct ticket *t)
{
	struct ticket *c = ticket_new();
	for (int f = 0; f < TF_COUNT; f++) {
		const char *v = f == TF_ATTACHMENT ? NULL : ticket_get(t, f);
		if (!v)
			continue;
		size_t n = 0;
		char *m = prompt_mask(t, f, v, false, &n);
		ticket_set(c, f, m, strlen(m), NULL);
		free(m);
		if (n)
			fprintf(stderr,
			        _("ticketmail: %s: what looked like a secret is left out of the "
			          "draft; %s marks where it was\n"),
			        ticket_field_label(f, i18n_lang()), SECRETS_MASK);
	}
	char cwd[PATH_MAX];
	bool have_cwd = getcwd(cwd, sizeof cwd) != NULL;
	for (size_t i = 0; i < ticket_attach_count(t); i++) {
		const char *a = ticket_attach_path(t, i);
		char real[PATH_MAX];
		if (realpath(a, real)) {
			ticket_attach_add(c, real, NULL);
		} else if (a[0] != '/' && have_cwd) {
			char *abs = xasprintf("%s/%s", cwd, a);
			ticket_attach_add(c, abs, NULL);
			free(abs);
		} else {
			ticket_attach_add(c, a, NULL);
		}
	}
	return c;
}

int prompt_save_draft(const struct ticket *t, const char *path, char **path_out)
{
	char *dir = NULL;
	char *final = NULL;
	if (path) {
		final = xstrdup(path);
	} else {
		dir = prompt_drafts_dir();
		int err = paths_mkdir_p(dir);
		if (err) {
			fprintf(stderr, _("ticketmail: %s: cannot create: %s\n"), dir,
			        strerror(err));
			free(dir);
			return -1;
		}
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		char stamp[32];
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
		final = xasprintf("%s/draft-%s-%ld.ini", dir, stamp, (long)getpid());
	}
	/* A second Ctrl-C must not leave the temporary file behind. */
	sigset_t old_mask;
	prompt_block_signals(&old_mask);
	char *tmp = xasprintf("%s.tmpXXXXXX", final);
	int fd = mkstemp(tmp);
	int rc = -1;
	if (fd < 0) {
		fprintf(stderr, _("ticketmail: %s: cannot create: %s\n"), final, strerror(errno));
		goto out;
	}
	fchmod(fd, 0600);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, _("ticketmail: %s: cannot write the draft: %s\n"), final,
		        strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	struct ticket *copy = prompt_draft_copy(t);
	bool ok = ticket_ini_write(copy, f) == 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ticket_free(copy);
	if (fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, final) != 0) {
		fprintf(stderr, _("ticketmail: %s: cannot write the draft: %s\n"), final,
		        strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* Make the rename durable. */
	char *slash = strrchr(final, '/');
	char *parent = slash ? xstrndup(final, (size_t)(slash - final)) : xstrdup(".");
	int dfd = open(parent, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(parent);
	*path_out = final;
	final = NULL;
	rc = 0;
out:
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	free(tmp);
	free(final);
	free(dir);
	return rc;
}
