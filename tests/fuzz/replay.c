/* SPDX-License-Identifier: MIT */
/*
 * Runs a fuzz target's function over its corpora without libFuzzer, so
 * that "make check" (gcc, ASan+UBSan) replays every seed and every
 * crasher ever found, with the target's checks, on each run.  Built once
 * per target with FUZZ_TARGET naming it; the directories are under
 * $top_srcdir/tests/fuzz.  TAP: one line per input; a broken property
 * aborts the program, which fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Seeds shared by both targets, then this target's crashers. */
static const char *const dirs[] = {
	"corpus/deliveries",
	"corpus/invalid",
	"corpus/request",
	"regress/" FUZZ_TARGET,
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whole file into a new buffer; NULL on failure. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf = NULL, *nbuf;
	size_t	 cap = 0, n;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nbuf;
		}
		if ((n = fread(buf + *len, 1, cap - *len, f)) == 0)
			break;
		*len += n;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* Every input of one directory; a regression directory may be absent. */
static void
replay_dir(const char *top, const char *dir)
{
	char		 path[4096], **names = NULL, **nn;
	struct dirent	*e;
	DIR		*d;
	size_t		 n = 0, len;
	uint8_t		*buf;

	snprintf(path, sizeof(path), "%s/tests/fuzz/%s", top, dir);
	if ((d = opendir(path)) == NULL) {
		ok(strncmp(dir, "regress/", 8) == 0, "%s: no such directory",
		    dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0)
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (nn[n] = strdup(e->d_name)) == NULL) {
			ok(0, "%s: out of memory", dir);
			names = nn != NULL ? nn : names;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/tests/fuzz/%s/%s", top, dir,
		    names[i]);
		if ((buf = slurp(path, &len)) == NULL)
			ok(0, "%s/%s: cannot be read", dir, names[i]);
		else {
			/* Named first: a broken property aborts the program. */
			printf("# %s/%s\n", dir, names[i]);
			fflush(stdout);
			(void)LLVMFuzzerTestOneInput(buf, len);
			ok(1, "%s/%s (%zu bytes)", dir, names[i], len);
		}
		free(buf);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char *argv[])
{
	const char	*top = getenv("top_srcdir");

	if (top == NULL)
		top = ".";
	(void)LLVMFuzzerInitialize(&argc, &argv);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		replay_dir(top, dirs[i]);
	return done();
}
