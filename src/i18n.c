/* i18n.c - locale and catalog set-up. */
#include "i18n.h"

#include "paths.h"
#include "util.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *i18n_current = "en";

/* Names of the two languages as people write them, matched whole; ASCII
 * letters in any case. */
static const struct {
	const char *name;
	const char *lang;
} i18n_names[] = {
    {"chinese", "zh_CN"}, {"中文", "zh_CN"}, {"简体中文", "zh_CN"}, {"汉语", "zh_CN"},
    {"english", "en"},    {"英文", "en"},    {"英语", "en"},
};

static bool i18n_prefix(const char *s, const char *prefix)
{
	return util_ascii_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

const char *i18n_normalise(const char *lang)
{
	if (!lang || !*lang)
		return NULL;
	for (size_t i = 0; i < sizeof i18n_names / sizeof i18n_names[0]; i++)
		if (util_ascii_casecmp(lang, i18n_names[i].name) == 0)
			return i18n_names[i].lang;
	/* Locale and tag spellings: zh, zh_CN.UTF-8, zh-Hans, EN, en_US, C. */
	if (i18n_prefix(lang, "zh"))
		return "zh_CN";
	if (i18n_prefix(lang, "en") || strcmp(lang, "C") == 0 || strncmp(lang, "C.", 2) == 0 ||
	    strcmp(lang, "POSIX") == 0)
		return "en";
	return NULL;
}

int i18n_is_zh(const char *lang)
{
	return lang && strncmp(lang, "zh", 2) == 0;
}

/* The first language the environment asks for, as gettext would see it. */
static const char *i18n_env_lang(void)
{
	static const char *const vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

void i18n_init(const char *lang_override)
{
	if (!setlocale(LC_ALL, "")) {
		/* The named locale is not generated here: keep UTF-8 I/O. */
		setlocale(LC_ALL, "C.UTF-8");
	}
	const char *want = lang_override ? i18n_normalise(lang_override) : NULL;
	if (!want) {
		const char *env = i18n_env_lang();
		/* LANGUAGE may be a list: "zh_CN:en". */
		want = i18n_normalise(env);
		if (!want)
			want = "en";
	}
	i18n_current = want;
	/* gettext ignores LANGUAGE only in the "C" locale; C.UTF-8 honours
	 * it, which is how Chinese appears on a machine without zh_CN. */
	if (strcmp(want, "zh_CN") == 0) {
		setenv("LANGUAGE", "zh_CN", 1);
		const char *cur = setlocale(LC_MESSAGES, NULL);
		if (cur && strcmp(cur, "C") == 0)
			setlocale(LC_ALL, "C.UTF-8");
	} else {
		setenv("LANGUAGE", "en", 1);
	}
	bindtextdomain("ticketmail", paths_locale_dir());
	bind_textdomain_codeset("ticketmail", "UTF-8");
	textdomain("ticketmail");
}

const char *i18n_lang(void)
{
	return i18n_current;
}
