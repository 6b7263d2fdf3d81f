/* SPDX-License-Identifier: MIT */
/*
 * spool-fill DIR N PREFIX [AGE]: put N entries into spool directory DIR,
 * each a delivery of its own (event ids PREFIX-1 ... PREFIX-N, a showing
 * each among a thousand) that arrived AGE seconds ago (default 0), in the
 * spool's own format but without the fsyncs
 * of smw_spool_put(), as a long outage leaves them: for the tests that
 * need a spool with many entries.  Exit status 0 when all were written.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

int
main(int argc, char *argv[])
{
	struct smw_request_meta	 m = { "127.0.0.1", "application/json",
	    "spool-fill", "/showmojo", NULL };
	struct smw_buf		 b;
	struct timespec		 now;
	char			 path[4096], body[256];
	long			 n;
	int			 fd, len;

	if ((argc != 4 && argc != 5) || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: spool-fill DIR N PREFIX [AGE]\n");
		return 2;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (argc == 5)
		now.tv_sec -= strtol(argv[4], NULL, 10);
	smw_buf_init(&b, 1 << 16);
	for (long i = 1; i <= n; i++) {
		len = snprintf(body, sizeof(body), "{\"event\":{\"id\":"
		    "\"%s-%ld\",\"action\":\"update\",\"showing\":{\"uid\":"
		    "\"%s-s%ld\"}}}", argv[3], i, argv[3], i % 1000);
		smw_buf_reset(&b);
		snprintf(path, sizeof(path), "%s/e-%010lld.%06ld-%ld-%ld",
		    argv[1], (long long)now.tv_sec, now.tv_nsec / 1000,
		    (long)getpid(), i);
		if (smw_spool_header(&b, &now, &m, body, (size_t)len) !=
		    SMW_OK || smw_buf_append(&b, body, (size_t)len) != SMW_OK ||
		    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
		    write(fd, b.data, b.len) != (ssize_t)b.len ||
		    close(fd) != 0) {
			perror(path);
			return 1;
		}
	}
	smw_buf_free(&b);
	return 0;
}
