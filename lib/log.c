/* SPDX-License-Identifier: MIT */
/*
 * stderr logging.  A line is formatted into a stack buffer and written with
 * one write(2) so that lines of concurrent workers sharing the web server's
 * error log do not interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

enum smw_log_level smw_log_max = SMW_LOG_INFO;
bool smw_log_quiet;

static const char *const level_names[SMW_LOG__MAX] = {
	[SMW_LOG_ERR] = "error",
	[SMW_LOG_WARN] = "warning",
	[SMW_LOG_INFO] = "info",
	[SMW_LOG_DEBUG] = "debug",
};

void
smw_log(enum smw_log_level level, const char *fmt, ...)
{
	char	 line[2048];
	va_list	 ap;
	int	 n, m;
	size_t	 i, len;
	ssize_t	 w;

	if (smw_log_quiet || level > smw_log_max ||
	    (unsigned)level >= SMW_LOG__MAX)
		return;
	n = snprintf(line, sizeof(line), "showmojo-webhook[%ld]: %s: ",
	    (long)getpid(), level_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	len = strlen(line);
	for (i = n; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	w = write(STDERR_FILENO, line, len);
	(void)w;
}

const char *
smw_log_clip(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t	 n;

	if (dstsz == 0)
		return dst;
	if (src == NULL) {
		snprintf(dst, dstsz, "-");
		return dst;
	}
	n = len < dstsz - 1 ? len : dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	if (n < len && dstsz > 4)
		memcpy(dst + dstsz - 4, "...", 4);
	for (size_t i = 0; i < n; i++)
		if (dst[i] == '\0')
			dst[i] = '?';
	return dst;
}
