/* SPDX-License-Identifier: MIT */
/*
 * A minimal Test Anything Protocol producer for the unit tests: plan, ok,
 * is_int, is_str, done.  Output goes to stdout for automake's TAP driver.
 */
#ifndef SMW_TAP_H
#define SMW_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void
plan(int n)
{
	printf("1..%d\n", n);
}

static inline int
ok(int cond, const char *fmt, ...)
{
	va_list	 ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

static inline int
is_int(long long got, long long want, const char *name)
{
	if (!ok(got == want, "%s", name))
		printf("#   got %lld, want %lld\n", got, want);
	return got == want;
}

static inline int
is_str(const char *got, const char *want, const char *name)
{
	int	 same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!ok(same, "%s", name))
		printf("#   got \"%s\", want \"%s\"\n", got ? got : "(null)",
		    want ? want : "(null)");
	return same;
}

/* Plan at the end, for table-driven tests; exit status for the driver. */
static inline int
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif
