/* prompt.c - the guided interview. */
#include "prompt.h"

#include "attach.h"
#include "i18n.h"
#include "paths.h"
#include "ticket_ini.h"
#include "util.h"
#include "validate.h"

#include <dirent.h>
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
	rl_callback_handler_remove();
}

static char **prompt_no_completion(const char *text, int start, int end)
{
	(void)text;
	(void)start;
	(void)end;
	rl_attempted_completion_over = 1;
	return NULL;
}

static void prompt_install_signals(struct sigaction *old_int, struct sigaction *old_term,
                                   struct sigaction *old_hup)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = prompt_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: select() must return EINTR. */
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
	sigaction(SIGHUP, &sa, old_hup);
}

/* Reads one line with readline's callback interface, so that a signal
 * interrupts the wait and the terminal is restored by readline itself.
 * Returns an allocated line, or NULL on EOF or interruption. */
static char *prompt_readline(const char *text, bool complete_paths)
{
	struct sigaction oi, ot, oh;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 1;
	rl_attempted_completion_function = complete_paths ? NULL : prompt_no_completion;
	prompt_signalled = 0;
	prompt_install_signals(&oi, &ot, &oh);
	prompt_done = false;
	prompt_got = NULL;
	fflush(stdout);
	rl_callback_handler_install(text, prompt_line_cb);
	while (!prompt_done) {
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(fileno(rl_instream ? rl_instream : stdin), &fds);
		int r =
		    select(fileno(rl_instream ? rl_instream : stdin) + 1, &fds, NULL, NULL, NULL);
		if (prompt_signalled) {
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_callback_handler_remove();
			fputc('\n', stdout);
			break;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rl_callback_handler_remove();
			break;
		}
		rl_callback_read_char();
	}
	sigaction(SIGINT, &oi, NULL);
	sigaction(SIGTERM, &ot, NULL);
	sigaction(SIGHUP, &oh, NULL);
	if (prompt_signalled) {
		free(prompt_got);
		return NULL;
	}
	if (!prompt_got)
		fputc('\n', stdout);
	else if (*prompt_got)
		add_history(prompt_got);
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

static void prompt_header(enum ticket_field f, bool required)
{
	const struct ticket_field_def *d = &ticket_fields[f];
	printf("\n%s%s%s %s%s%s\n", PROMPT_BOLD, prompt_pick(d->label_zh, d->label_en),
	       PROMPT_RESET, PROMPT_DIM, required ? _("(required)") : _("(optional, Enter skips)"),
	       PROMPT_RESET);
	printf("  %s\n", prompt_pick(d->why_zh, d->why_en));
	printf("  %s%s %s%s\n", PROMPT_DIM, _("Format, for example:"), d->example, PROMPT_RESET);
}

/* ---- multi-line text --------------------------------------------------- */

static char *prompt_text_inline(void)
{
	printf("  %s%s%s\n", PROMPT_DIM, _("Type the text; end with a line holding only \".\"."),
	       PROMPT_RESET);
	struct strbuf sb;
	strbuf_init(&sb);
	for (;;) {
		char *line = prompt_readline("  | ", false);
		if (!line) {
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
 * Returns the text without comment lines (allocated), or NULL when the
 * editor failed (message printed; *failed_out set). */
static char *prompt_text_editor(const char *editor, enum ticket_field f, const char *current,
                                bool *failed_out)
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
	if (current && *current)
		fprintf(fp, "%s\n", current);
	else
		fputc('\n', fp);
	const struct ticket_field_def *d = &ticket_fields[f];
	fprintf(fp, "# %s: %s\n", prompt_pick(d->label_zh, d->label_en),
	        prompt_pick(d->why_zh, d->why_en));
	fprintf(fp, "# %s\n",
	        _("Lines starting with '#' are ignored. Save and close the "
	          "editor to continue; an empty text skips the field."));
	fclose(fp);

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
	char *save = NULL;
	(void)save;
	const char *p = data;
	while (p < data + len) {
		const char *nl = memchr(p, '\n', (size_t)(data + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
		if (!(n > 0 && p[0] == '#')) {
			strbuf_add(&sb, p, n);
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

/* Asks for field f until the answer is valid, skipped (optional) or the
 * user interrupts. */
static enum prompt_status prompt_ask_field(struct ticket *t, enum ticket_field f, bool required,
                                           const char *default_email)
{
	prompt_header(f, required);
	char *def = prompt_field_default(t, f, default_email);
	bool text = ticket_fields[f].kind == TICKET_KIND_TEXT;
	for (;;) {
		char *answer = NULL;
		if (text) {
			const char *editor = prompt_editor();
			bool failed = false;
			if (def)
				printf("  %s%s%s\n%s\n", PROMPT_DIM, _("Current text:"),
				       PROMPT_RESET, def);
			if (editor) {
				setenv("TICKETMAIL_EDITOR", editor, 1);
				answer = prompt_text_editor(editor, f, def, &failed);
				if (failed) {
					answer = prompt_text_inline();
					if (!answer) {
						free(def);
						return PROMPT_INTERRUPTED;
					}
				}
			} else {
				answer = prompt_text_inline();
				if (!answer) {
					free(def);
					return PROMPT_INTERRUPTED;
				}
			}
		} else {
			char *ptext = def ? xasprintf("[%s] > ", def) : xstrdup("> ");
			answer = prompt_readline(ptext, false);
			free(ptext);
			if (!answer) {
				free(def);
				return PROMPT_INTERRUPTED;
			}
			prompt_trim(answer);
		}
		if (!*answer) {
			free(answer);
			if (def && !(text && prompt_editor())) {
				answer = xstrdup(def);
			} else if (required) {
				prompt_show_error(_("this field is required"));
				continue;
			} else {
				ticket_set(t, f, NULL, 0, NULL);
				free(def);
				return PROMPT_OK;
			}
		} else if (!required && strcmp(answer, "-") == 0) {
			free(answer);
			ticket_set(t, f, NULL, 0, NULL);
			free(def);
			return PROMPT_OK;
		}
		char *err = validate_field(f, answer, strlen(answer), t);
		if (err) {
			prompt_show_error(err);
			free(err);
			free(answer);
			continue;
		}
		struct ticket_origin o = {NULL, 0};
		ticket_set(t, f, answer, strlen(answer), &o);
		free(answer);
		free(def);
		return PROMPT_OK;
	}
}

/* ---- menus ------------------------------------------------------------ */

/* Reads a number 1..n (or text matching one of ids). Returns the index, or
 * -1 when interrupted. */
static int prompt_menu(const char *const *labels, const char *const *ids, size_t n, int def)
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
	int k = prompt_menu(labels, ids, n, def);
	free(labels);
	free(ids);
	if (k < 0)
		return PROMPT_INTERRUPTED;
	const struct provider_category *c = provider_category_at(p, (size_t)k);
	struct ticket_origin o = {NULL, 0};
	ticket_set(t, TF_CATEGORY, c->id, strlen(c->id), &o);
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
		return prompt_ask_field(t, TF_SUBJECT, true, NULL);
	printf("\n%s%s%s\n  %s\n", PROMPT_BOLD,
	       prompt_pick(ticket_fields[TF_SUBJECT].label_zh, ticket_fields[TF_SUBJECT].label_en),
	       PROMPT_RESET,
	       prompt_pick(ticket_fields[TF_SUBJECT].why_zh, ticket_fields[TF_SUBJECT].why_en));
	const char **labels = xcalloc(n + 1, sizeof *labels);
	int def = -1;
	for (size_t i = 0; i < n; i++) {
		labels[i] = subjects[i];
		if (ticket_has(t, TF_SUBJECT) &&
		    strcmp(ticket_get(t, TF_SUBJECT), subjects[i]) == 0)
			def = (int)i;
	}
	char *own = ticket_has(t, TF_SUBJECT) && def < 0
	                ? xasprintf("%s: %s", _("Keep"), ticket_get(t, TF_SUBJECT))
	                : xstrdup(_("Write my own subject"));
	labels[n] = own;
	if (ticket_has(t, TF_SUBJECT) && def < 0)
		def = (int)n;
	int k = prompt_menu(labels, NULL, n + 1, def >= 0 ? def : 0);
	free(labels);
	bool keep = ticket_has(t, TF_SUBJECT) && strncmp(own, _("Keep"), strlen(_("Keep"))) == 0;
	free(own);
	if (k < 0)
		return PROMPT_INTERRUPTED;
	if ((size_t)k < n) {
		struct ticket_origin o = {NULL, 0};
		ticket_set(t, TF_SUBJECT, subjects[k], strlen(subjects[k]), &o);
		return PROMPT_OK;
	}
	if (keep)
		return PROMPT_OK;
	return prompt_ask_field(t, TF_SUBJECT, true, NULL);
}

/* ---- attachments -------------------------------------------------------- */

static char *prompt_human_size(uint64_t n)
{
	if (n < 1024)
		return xasprintf("%" PRIu64 " B", n);
	if (n < 1024 * 1024)
		return xasprintf("%.1f KiB", (double)n / 1024.0);
	return xasprintf("%.1f MiB", (double)n / (1024.0 * 1024.0));
}

/* Opens and checks one attachment as it is entered. Returns its size, or
 * prints why not and returns UINT64_MAX. */
static uint64_t prompt_check_attachment(const char *path, const struct provider *p, uint64_t total)
{
	struct attach *a = NULL;
	char *err = NULL;
	if (attach_open(path, &a, &err) != ATTACH_OK) {
		prompt_show_error(err);
		free(err);
		return UINT64_MAX;
	}
	uint64_t size = attach_size(a);
	char *hs = prompt_human_size(size);
	uint64_t r = size;
	if (!provider_type_allowed(p, attach_mime_type(a))) {
		char *msg =
		    xasprintf(_("%s is %s by its content, which support does not accept "
		                "(allowed: %s)"),
		              attach_filename(a), attach_mime_type(a), provider_allowed_types(p));
		prompt_show_error(msg);
		free(msg);
		r = UINT64_MAX;
	} else if (size > provider_max_file_size(p) || total + size > provider_max_total_size(p)) {
		char *max = prompt_human_size(provider_max_file_size(p));
		char *tmax = prompt_human_size(provider_max_total_size(p));
		char *msg = xasprintf(_("%s is %s: over the limit (%s per file, %s in all)"),
		                      attach_filename(a), hs, max, tmax);
		prompt_show_error(msg);
		free(msg);
		free(max);
		free(tmax);
		r = UINT64_MAX;
	} else {
		printf("  %s✓%s %s — %s, %s\n", PROMPT_GREEN, PROMPT_RESET, attach_filename(a),
		       attach_mime_type(a), hs);
	}
	free(hs);
	attach_free(a);
	return r;
}

static enum prompt_status prompt_ask_attachments(struct ticket *t, const struct provider *p)
{
	const struct ticket_field_def *d = &ticket_fields[TF_ATTACHMENT];
	printf("\n%s%s%s %s%s%s\n  %s\n  %s%s%s\n", PROMPT_BOLD,
	       prompt_pick(d->label_zh, d->label_en), PROMPT_RESET, PROMPT_DIM,
	       _("(optional, Enter finishes)"), PROMPT_RESET, prompt_pick(d->why_zh, d->why_en),
	       PROMPT_DIM, _("Type a file path; Tab completes it."), PROMPT_RESET);
	uint64_t total = 0;
	for (size_t i = 0; i < ticket_attach_count(t); i++) {
		uint64_t s = prompt_check_attachment(ticket_attach_path(t, i), p, total);
		if (s != UINT64_MAX)
			total += s;
	}
	for (;;) {
		if (ticket_attach_count(t) >= provider_max_attachments(p))
			return PROMPT_OK;
		char *answer = prompt_readline(_("file> "), true);
		if (!answer)
			return PROMPT_INTERRUPTED;
		prompt_trim(answer);
		if (!*answer) {
			free(answer);
			return PROMPT_OK;
		}
		/* readline's completion may leave a quoted or escaped path. */
		size_t len = strlen(answer);
		if (len >= 2 && (answer[0] == '\'' || answer[0] == '"') &&
		    answer[len - 1] == answer[0]) {
			memmove(answer, answer + 1, len - 2);
			answer[len - 2] = '\0';
		}
		uint64_t s = prompt_check_attachment(answer, p, total);
		if (s != UINT64_MAX) {
			char real[PATH_MAX];
			const char *keep = realpath(answer, real) ? real : answer;
			ticket_attach_add(t, keep, NULL);
			total += s;
		}
		free(answer);
	}
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
	enum ticket_field order[TF_COUNT];
	size_t n = 0;
	/* Who: at least one account identifier. */
	enum prompt_status st = prompt_ask_field(t, TF_UID, false, default_email);
	if (st != PROMPT_OK)
		return st;
	st = prompt_ask_field(t, TF_EMAIL, !ticket_has(t, TF_UID), default_email);
	if (st != PROMPT_OK)
		return st;
	/* Required: the table's, then the category's groups. */
	prompt_push(order, &n, TF_OCCURRED_AT);
	prompt_push(order, &n, TF_DESCRIPTION);
	for (size_t g = 0; c && g < c->nrequired; g++) {
		const struct provider_requirement *r = &c->required[g];
		for (size_t k = 0; k < r->n; k++) {
			bool last = k + 1 == r->n;
			bool any = false;
			for (size_t j = 0; j < r->n; j++)
				any = any || ticket_has(t, r->fields[j]);
			if (prompt_in(order, n, r->fields[k]))
				continue;
			if (!any || ticket_has(t, r->fields[k])) {
				st = prompt_ask_field(t, r->fields[k],
				                      last && !any ? true : r->n == 1,
				                      default_email);
				if (st != PROMPT_OK)
					return st;
			}
			prompt_push(order, &n, r->fields[k]);
		}
	}
	for (size_t i = 0; i < 2; i++) {
		st = prompt_ask_field(t, order[i], true, default_email);
		if (st != PROMPT_OK)
			return st;
	}
	/* Recommended by the category, then the generally useful ones. */
	for (size_t i = 0; c && i < c->nrecommended; i++) {
		if (prompt_in(order, n, c->recommended[i]))
			continue;
		prompt_push(order, &n, c->recommended[i]);
		st = prompt_ask_field(t, c->recommended[i], false, default_email);
		if (st != PROMPT_OK)
			return st;
	}
	static const enum ticket_field optional[] = {TF_STEPS, TF_ERROR_MESSAGE, TF_NAME, TF_PHONE,
	                                             TF_TELEGRAM};
	for (size_t i = 0; i < UTIL_ARRAY_LEN(optional); i++) {
		if (prompt_in(order, n, optional[i]))
			continue;
		prompt_push(order, &n, optional[i]);
		st = prompt_ask_field(t, optional[i], false, default_email);
		if (st != PROMPT_OK)
			return st;
	}
	return PROMPT_OK;
}

static void prompt_show_provider(const struct provider *p)
{
	printf("%s%s%s %s <%s>\n", PROMPT_BOLD, _("Provider:"), PROMPT_RESET,
	       provider_name(p, i18n_lang()), provider_support_address(p));
	printf("  %s%s %s%s\n", PROMPT_DIM, _("Official address; verify it at"),
	       provider_verify_url(p), PROMPT_RESET);
}

/* The fields named by validation errors, in table order. */
static enum prompt_status prompt_problems(struct ticket *t, struct provider *p,
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
		if (f == TF_CATEGORY)
			st = prompt_ask_category(t, p);
		else if (f == TF_ATTACHMENT)
			st = prompt_ask_attachments(t, p);
		else
			st = prompt_ask_field(t, f, true, default_email);
		if (st != PROMPT_OK)
			return st;
	}
	return PROMPT_OK;
}

enum prompt_status prompt_interview(struct ticket *t, struct provider **p,
                                    const struct diags *only_problems, const char *default_email)
{
	using_history();
	if (!ticket_has(t, TF_LANGUAGE)) {
		struct ticket_origin o = {NULL, 0};
		ticket_set(t, TF_LANGUAGE, i18n_lang(), strlen(i18n_lang()), &o);
	}
	if (only_problems) {
		printf("%s%s%s\n", PROMPT_BOLD,
		       _("Some fields are missing or invalid; please answer for them."),
		       PROMPT_RESET);
		return prompt_problems(t, *p, only_problems, default_email);
	}
	printf("%s%s%s\n", PROMPT_BOLD,
	       _("ticketmail — a support email your exchange can act on, in a few questions."),
	       PROMPT_RESET);
	printf("%s\n", _("Press Ctrl-C at any time to stop; your answers are kept as a draft."));
	prompt_show_provider(*p);
	enum prompt_status st = prompt_ask_category(t, *p);
	if (st == PROMPT_OK)
		st = prompt_fields(t, *p, default_email);
	if (st == PROMPT_OK)
		st = prompt_ask_subject(t, *p);
	if (st == PROMPT_OK)
		st = prompt_ask_attachments(t, *p);
	return st;
}

/* ---- review ---------------------------------------------------------- */

void prompt_show_review(const struct compose *c, const struct provider *p, bool foreign_to)
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
	printf("%s %s\n", _("Subject:"), compose_subject(c));
	printf("%s\n%s", "────────", compose_body(c));
	size_t body_len = strlen(compose_body(c));
	if (body_len && compose_body(c)[body_len - 1] != '\n')
		putchar('\n');
	printf("%s\n", "────────");
	uint64_t total = 0;
	size_t n = compose_attachment_count(c);
	for (size_t i = 0; i < n; i++) {
		char *hs = prompt_human_size(compose_attachment_size(c, i));
		printf("📎 %s — %s, %s\n", compose_attachment_name(c, i),
		       compose_attachment_type(c, i), hs);
		free(hs);
		total += compose_attachment_size(c, i);
	}
	char *ht = prompt_human_size(total);
	char *hm = prompt_human_size(provider_max_total_size(p));
	printf(_("%zu attachment(s), %s of %s allowed\n"), n, ht, hm);
	free(ht);
	free(hm);
}

enum prompt_choice prompt_review_choice(void)
{
	for (;;) {
		printf("\n%s\n", _("[s] send   [e] edit a field   [d] save draft   [q] quit"));
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
		if (ok)
			return ch;
		prompt_show_error(_("please answer s, e, d or q"));
	}
}

enum prompt_status prompt_edit_field(struct ticket *t, const struct provider *p)
{
	const char *labels[TF_COUNT];
	const char *ids[TF_COUNT];
	for (int f = 0; f < TF_COUNT; f++) {
		labels[f] = prompt_pick(ticket_fields[f].label_zh, ticket_fields[f].label_en);
		ids[f] = ticket_fields[f].key;
	}
	printf("\n%s%s%s\n", PROMPT_BOLD, _("Which field?"), PROMPT_RESET);
	int k = prompt_menu(labels, ids, TF_COUNT, -1);
	if (k < 0)
		return PROMPT_INTERRUPTED;
	if (k == TF_CATEGORY)
		return prompt_ask_category(t, p);
	if (k == TF_SUBJECT)
		return prompt_ask_subject(t, p);
	if (k == TF_ATTACHMENT)
		return prompt_ask_attachments(t, p);
	return prompt_ask_field(t, (enum ticket_field)k,
	                        (ticket_fields[k].flags & TICKET_F_REQUIRED) != 0, NULL);
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
	char *tmp = xasprintf("%s.tmpXXXXXX", final);
	int fd = mkstemp(tmp);
	int rc = -1;
	if (fd < 0) {
		fprintf(stderr, _("ticketmail: %s: cannot create: %s\n"), final, strerror(errno));
		goto out;
	}
	fchmod(fd, 0600);
	FILE *f = fdopen(fd, "w");
	bool ok = ticket_ini_write(t, f) == 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
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
	free(tmp);
	free(final);
	free(dir);
	return rc;
}
