/* i18n.h - interface language (gettext) and the email language.
 *
 * The interface follows LANGUAGE / LC_ALL / LC_MESSAGES / LANG, and --lang
 * overrides them. Chinese must work on a machine with only C.UTF-8, so when
 * the requested locale does not exist we fall back to C.UTF-8 for the
 * character set and steer gettext with LANGUAGE.
 */
#ifndef TICKETMAIL_I18N_H
#define TICKETMAIL_I18N_H

#include <libintl.h>

#define _(s)  gettext(s)
#define N_(s) (s)

/* Sets the locale and the message catalog. lang_override is "zh_CN", "en",
 * or NULL to follow the environment. Call once, early in main(). */
void i18n_init(const char *lang_override);
/* "zh_CN" or "en": the interface language in effect (static string). */
const char *i18n_lang(void);
/* Maps any spelling (zh, zh_CN.UTF-8, zh-Hans, EN, en_US, English, 中文,
 * 简体中文, 英文, 英语, C), ASCII letters in any case, to "zh_CN" or "en";
 * NULL when it names neither. Static string. */
const char *i18n_normalise(const char *lang);
/* true when lang (normalised) is Chinese. */
int i18n_is_zh(const char *lang);

#endif
