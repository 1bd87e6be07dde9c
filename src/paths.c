/* paths.c - data and XDG directories. */
#include "paths.h"

#include "config.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* true when the running binary lives in the build tree it was built in. */
static int paths_in_build_tree(void)
{
	static int cached = -1;
	if (cached >= 0)
		return cached;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	cached = 0;
	if (n > 0) {
		exe[n] = '\0';
		size_t blen = strlen(TICKETMAIL_BUILD_ROOT);
		if ((size_t)n > blen && strncmp(exe, TICKETMAIL_BUILD_ROOT, blen) == 0 &&
		    exe[blen] == '/')
			cached = 1;
	}
	return cached;
}

static const char *paths_override(void)
{
	const char *d = getenv("TICKETMAIL_DATADIR");
	return d && *d ? d : NULL;
}

const char *paths_share_dir(void)
{
	static char *dir;
	if (dir)
		return dir;
	const char *o = paths_override();
	if (o)
		dir = xstrdup(o);
	else if (paths_in_build_tree())
		dir = xstrdup(TICKETMAIL_SOURCE_ROOT "/share");
	else
		dir = xstrdup(TICKETMAIL_DATADIR);
	return dir;
}

const char *paths_templates_dir(void)
{
	static char *dir;
	if (dir)
		return dir;
	const char *o = paths_override();
	if (o)
		dir = xasprintf("%s/templates", o);
	else if (paths_in_build_tree())
		dir = xstrdup(TICKETMAIL_SOURCE_ROOT "/templates");
	else
		dir = xstrdup(TICKETMAIL_DATADIR "/templates");
	return dir;
}

const char *paths_locale_dir(void)
{
	static char *dir;
	if (dir)
		return dir;
	const char *o = getenv("TICKETMAIL_LOCALEDIR");
	if (o && *o)
		dir = xstrdup(o);
	else if (paths_in_build_tree())
		dir = xstrdup(TICKETMAIL_BUILD_ROOT "/po");
	else
		dir = xstrdup(TICKETMAIL_LOCALEDIR);
	return dir;
}

static char *paths_xdg(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	/* The spec says relative paths are invalid and must be ignored. */
	if (v && v[0] == '/')
		return xasprintf("%s/ticketmail", v);
	const char *home = getenv("HOME");
	if (!home || !*home)
		home = "/";
	return xasprintf("%s/%s/ticketmail", home, fallback);
}

char *paths_config_dir(void)
{
	return paths_xdg("XDG_CONFIG_HOME", ".config");
}

char *paths_data_dir(void)
{
	return paths_xdg("XDG_DATA_HOME", ".local/share");
}

char *paths_state_dir(void)
{
	return paths_xdg("XDG_STATE_HOME", ".local/state");
}

int paths_mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	int err = 0;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				err = errno;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return err;
}
