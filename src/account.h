/* account.h - the sender's account: who sends and how.
 *
 * Read from $XDG_CONFIG_HOME/ticketmail/config.ini (paths_config_dir()) or
 * an explicit --config path, with the project's INI reader:
 *
 *   [account]
 *   from = me@qq.com                  required; an RFC 5321 mailbox
 *   name = 张三                        optional display name
 *   smtp = smtps://smtp.qq.com:465    smtps:// (TLS) or smtp:// (STARTTLS);
 *                                     default: the preset for from's domain
 *   user = me@qq.com                  login; default: from
 *   password_command = pass show mail/qq      run by /bin/sh -c
 *   oauth2_token_command = ...        run by /bin/sh -c; AUTH XOAUTH2
 *   password = ...                    only in a file that is yours and 0600
 *   ca_file = /path/ca.pem            trust this bundle instead of the system's
 *   transport = smtp | sendmail       default smtp
 *   sendmail_command = /usr/sbin/sendmail    for transport = sendmail
 *   allow_plain_loopback = yes        plain smtp:// to 127.0.0.1, ::1 or
 *                                     localhost (tests and demos only)
 *   login = no                        no AUTH; only with allow_plain_loopback
 *                                     (a local relay, a benchmark sink)
 *
 * At most one of password, password_command and oauth2_token_command; with
 * none, account_secret() asks on the terminal. With login = no (which needs
 * an allowed plain loopback URL, else it is ignored with a warning) none of
 * them is used and nothing is asked. Presets for common providers
 * (smtp URL, what secret they want) are data in
 * <share>/smtp-presets.ini, keyed by the sender's domain.
 *
 * The secret lives only in memory, is wiped when the account is freed, and
 * never appears in a message.
 */
#ifndef TICKETMAIL_ACCOUNT_H
#define TICKETMAIL_ACCOUNT_H

#include "diag.h"

#include <stdbool.h>

struct account;

enum account_transport {
	ACCOUNT_TRANSPORT_SMTP,
	ACCOUNT_TRANSPORT_SENDMAIL,
	ACCOUNT_TRANSPORT_COUNT
};

/* Where the secret comes from. */
enum account_secret_source {
	ACCOUNT_SECRET_PROMPT, /* none configured: asked on the terminal */
	ACCOUNT_SECRET_PASSWORD,
	ACCOUNT_SECRET_COMMAND,
	ACCOUNT_SECRET_OAUTH2_COMMAND,
	ACCOUNT_SECRET_SOURCE_COUNT
};

/* What a provider accepts, from its preset. */
enum account_auth {
	ACCOUNT_AUTH_PASSWORD,
	ACCOUNT_AUTH_OAUTH2,
	ACCOUNT_AUTH_EITHER,
	ACCOUNT_AUTH_COUNT
};

/* Reads and validates the account. path NULL means the default file.
 * Parses first (unknown sections and keys are errors with "did you
 * mean"), then validates every key in a separate pass; every problem goes
 * to d as "path:line" errors, questionable settings as warnings.
 * Returns 0 with *out allocated (account_free() it);
 *   -1 when the file is missing or unreadable (for the default file, d
 *      says how to create one);
 *   -2 when it is invalid (or the presets file is).
 * account_exitcode() turns this into the exit status. */
int account_load(const char *path, struct account **out, struct diags *d);
/* EX_OK for 0; for -1 EX_NOINPUT when the path was given explicitly and
 * EX_CONFIG for the default file; EX_CONFIG for -2. */
int account_exitcode(int load_rc, bool explicit_path);
/* Wipes the secret and frees a. NULL is safe. */
void account_free(struct account *a);

/* The secret (password or OAuth2 bearer token), fetched on first use and
 * then kept: the password from the file, the first line of the command's
 * output (one trailing newline removed; must be non-empty, exit status 0;
 * the command's stderr goes to ours), or typed at a no-echo prompt when
 * stdin is a terminal. Belongs to a (wiped by account_free()). Returns NULL
 * on failure with *errstr allocated (caller frees; it never contains the
 * secret); main exits EX_CONFIG then. With login = no it is "" and
 * account_login() is false. */
const char *account_secret(struct account *a, char **errstr);

/* Asks for a secret on the terminal on stdin without echo, printing prompt
 * to stderr. The terminal settings are restored on every path: normal
 * return, error, and SIGINT/SIGTERM/SIGHUP/SIGQUIT (restored, then the
 * signal is re-raised to its previous disposition); SIGTSTP is ignored while
 * asking. Returns an allocated string (caller wipes with explicit_bzero()
 * and frees), or NULL with *errstr allocated: stdin is not a terminal, end
 * of input, interrupted, or longer than 4096 bytes. */
char *account_prompt_secret(const char *prompt, char **errstr);

/* Accessors. Strings belong to a; don't free. */
const char *account_path(const struct account *a);
const char *account_from(const struct account *a);
/* NULL when not set. */
const char *account_name(const struct account *a);
/* The effective URL (configured or from the preset); NULL for sendmail. */
const char *account_smtp_url(const struct account *a);
/* The login name (configured, else from). */
const char *account_user(const struct account *a);
/* NULL when not set. */
const char *account_ca_file(const struct account *a);
enum account_transport account_transport(const struct account *a);
/* For ACCOUNT_TRANSPORT_SENDMAIL: the words of the command, without -t
 * (transport_sendmail() gives the envelope itself); NULL otherwise. */
const char *account_sendmail_command(const struct account *a);
/* true when the secret is an OAuth2 token (oauth2_token_command). */
bool account_oauth2(const struct account *a);
/* true only when asked for and the URL is smtp:// to a loopback host. */
bool account_allow_plain_loopback(const struct account *a);
/* false only with login = no on an allowed plain loopback URL: send
 * without AUTH (transport_config.user and .secret NULL). */
bool account_login(const struct account *a);
enum account_secret_source account_secret_source(const struct account *a);
/* The matching preset ("qq", "gmail", ...) when from's domain has one and
 * its server is the one in use; else NULL. */
const char *account_preset_id(const struct account *a);
/* What secret that provider wants, in lang ("zh_CN" or "en"); NULL
 * without a preset. */
const char *account_preset_hint(const struct account *a, const char *lang);
/* What the preset's provider accepts; ACCOUNT_AUTH_EITHER without one. */
enum account_auth account_preset_auth(const struct account *a);

#endif
