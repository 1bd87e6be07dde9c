/* paths.h - where ticketmail finds its data and keeps its state.
 *
 * Data (providers, presets, word lists, examples, templates):
 *   $TICKETMAIL_DATADIR if set; else the source tree when the binary runs
 *   from its build tree; else the installed datadir.
 * User files follow the XDG base directory specification.
 */
#ifndef TICKETMAIL_PATHS_H
#define TICKETMAIL_PATHS_H

/* Directory holding providers/, examples/, ... (static string). */
const char *paths_share_dir(void);
/* Directory holding zh_CN/ and en/ templates (static string). */
const char *paths_templates_dir(void);
/* Directory holding <lang>/LC_MESSAGES/ticketmail.mo (static string). */
const char *paths_locale_dir(void);
/* $XDG_CONFIG_HOME/ticketmail, $XDG_DATA_HOME/ticketmail,
 * $XDG_STATE_HOME/ticketmail (allocated, caller frees; not created). */
char *paths_config_dir(void);
char *paths_data_dir(void);
char *paths_state_dir(void);
/* Creates dir and its parents with mode 0700. Returns 0 or an errno. */
int paths_mkdir_p(const char *dir);

#endif
