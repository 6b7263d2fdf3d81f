/* SPDX-License-Identifier: MIT */
/*
 * The spool's files: writing an entry durably, listing, claiming, reading
 * and checking one, removing it, counting what is there.  The entry
 * format and the claim protocol are described in spool.h.
 */
#define _GNU_SOURCE	/* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"

/*
 * Format 2 has the entry's retry schedule on its second line, of fixed
 * width so that it is rewritten in place, outside the checksum.  Format 1
 * (no schedule) is still read.
 */
#define FORMAT_LINE	"showmojo-spool 2\n"
#define FORMAT_LINE_1	"showmojo-spool 1\n"
#define SCHEDULE_FMT	"tries %02u next %010lld\n"
#define SCHEDULE_LEN	25
/* The most a header takes beyond the body. */
#define HEADER_MAX	(16 * SMW_SPOOL_META_MAX)
/* A temporary file no process holds and untouched this long is debris. */
#define TMP_STALE_S	60

/*
 * The metadata fields, in the order the header holds them.  The last,
 * source (the label of the token), is written only when the delivery has
 * one: an entry without it reads as one without a source, as entries
 * written before it existed do.
 */
#define META_FIELDS	5
#define META_SOURCE	4
static const char *const meta_keys[META_FIELDS] = {
	"remote_addr", "content_type", "user_agent", "request_uri", "source"
};

/* FNV-1a, 64 bits, continued from h. */
static uint64_t
fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*s = p;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_START 0xcbf29ce484222325ULL

/* The checksum of a header of len bytes, its schedule line left out. */
static uint64_t
header_sum(const char *h, size_t len)
{
	size_t	 skip = strlen(FORMAT_LINE);

	if (len < skip || memcmp(h, FORMAT_LINE, skip) != 0)
		return fnv1a(FNV_START, h, len);	/* format 1 */
	return fnv1a(fnv1a(FNV_START, h, skip), h + skip + SCHEDULE_LEN,
	    len - skip - SCHEDULE_LEN);
}

static const char **
meta_field(struct smw_request_meta *m, int i)
{
	const char	**f[META_FIELDS] = { &m->remote_addr, &m->content_type,
	    &m->user_agent, &m->request_uri, &m->source };

	return f[i];
}

enum smw_err
smw_spool_header(struct smw_buf *b, const struct timespec *now,
    const struct smw_request_meta *m, const char *body, size_t len)
{
	struct smw_request_meta	 copy = *m;
	char			 line[128];
	const char		*v;
	size_t			 n;
	enum smw_err		 err;

	snprintf(line, sizeof(line), FORMAT_LINE SCHEDULE_FMT
	    "received %lld.%06ld\n", 0u, 0LL, (long long)now->tv_sec,
	    now->tv_nsec / 1000);
	err = smw_buf_append(b, line, strlen(line));
	for (int i = 0; i < META_FIELDS && err == SMW_OK; i++) {
		v = *meta_field(&copy, i);
		if (i == META_SOURCE && v == NULL)
			break;
		n = v == NULL ? 0 : strnlen(v, SMW_SPOOL_META_MAX - 1);
		if (v == NULL)
			snprintf(line, sizeof(line), "%s -\n", meta_keys[i]);
		else
			snprintf(line, sizeof(line), "%s %zu:", meta_keys[i],
			    n);
		if ((err = smw_buf_append(b, line, strlen(line))) == SMW_OK &&
		    v != NULL && (err = smw_buf_append(b, v, n)) == SMW_OK)
			err = smw_buf_append(b, "\n", 1);
	}
	snprintf(line, sizeof(line), "length %zu\n", len);
	if (err != SMW_OK ||
	    (err = smw_buf_append(b, line, strlen(line))) != SMW_OK)
		return err;
	/* The checksum: the header above but the schedule, and the body. */
	snprintf(line, sizeof(line), "checksum %016llx\n",
	    (unsigned long long)fnv1a(header_sum(b->data, b->len), body, len));
	return smw_buf_append(b, line, strlen(line));
}

/* Write all of p, or fail with errno set. */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Move tmp to a new entry name, never over an existing one. */
static int
place(const char *dir, const char *tmp, const struct timespec *now,
    unsigned *seq)
{
	char	 path[4096];

	for (int tries = 0; tries < 100; tries++) {
		snprintf(path, sizeof(path), "%s/e-%010lld.%06ld-%ld-%u", dir,
		    (long long)now->tv_sec, now->tv_nsec / 1000,
		    (long)getpid(), (*seq)++);
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
		    RENAME_NOREPLACE) == 0)
			return 0;
		/* A file system without RENAME_NOREPLACE: names are unique. */
		if (errno == EINVAL)
			return rename(tmp, path);
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/*
 * The spool's usage, kept in ".usage" so that a delivery spooled checks
 * the cap without reading the directory: the bytes of every file there
 * (entries, set aside, being written), the entries waiting, and those set
 * aside, on one line of fixed width rewritten in place under flock().  A
 * writer reserves its entry's whole size (the temporary file is extended
 * to it) under the lock, so writers racing cannot overshoot the cap.  A
 * crash can leave the figures high; they are counted anew from the
 * directory when the file is new and by every drain.
 */
#define USAGE_NAME	".usage"
#define USAGE_FMT	"%020llu %012lu %012lu\n"
#define USAGE_LEN	47

static enum smw_err count(const char *, struct smw_spool_usage *);
static int usage_put(int, const struct smw_spool_usage *);

/* Open and lock the usage file of dir; -1 (logged) when it cannot. */
static int
usage_lock(const char *dir, struct smw_spool_usage *u)
{
	char		 path[4096], line[USAGE_LEN + 1];
	struct stat	 st;
	int		 fd;

	memset(u, 0, sizeof(*u));
	if ((size_t)snprintf(path, sizeof(path), "%s/" USAGE_NAME, dir) >=
	    sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0600)) < 0 || flock(fd, LOCK_EX) != 0 ||
	    fstat(fd, &st) != 0) {
		smw_log(SMW_LOG_ERR, "spool %s: %s: %s", dir, USAGE_NAME,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	line[0] = '\0';
	if (st.st_size != USAGE_LEN ||
	    pread(fd, line, USAGE_LEN, 0) != USAGE_LEN ||
	    sscanf(line, "%llu %lu %lu", &u->bytes, &u->entries,
	    &u->aside) != 3) {
		/* New, or not ours to trust: count anew. */
		if (count(dir, u) != SMW_OK || usage_put(fd, u) != 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Write *u into the locked usage file fd; -1 when it cannot. */
static int
usage_put(int fd, const struct smw_spool_usage *u)
{
	char	 line[80];

	if (snprintf(line, sizeof(line), USAGE_FMT, u->bytes, u->entries,
	    u->aside) != USAGE_LEN)
		return -1;	/* past a trillion entries */
	return pwrite(fd, line, USAGE_LEN, 0) == USAGE_LEN ? 0 : -1;
}

/* Add to the usage of dir (signed amounts); logged when it cannot. */
static void
usage_add(const char *dir, long long bytes, long entries, long aside)
{
	struct smw_spool_usage	 u;
	int			 fd;

	if ((fd = usage_lock(dir, &u)) < 0)
		return;
	u.bytes = bytes < 0 && (unsigned long long)-bytes > u.bytes ? 0 :
	    u.bytes + (unsigned long long)bytes;
	u.entries = entries < 0 && (unsigned long)-entries > u.entries ? 0 :
	    u.entries + (unsigned long)entries;
	u.aside = aside < 0 && (unsigned long)-aside > u.aside ? 0 :
	    u.aside + (unsigned long)aside;
	(void)usage_put(fd, &u);
	close(fd);
}

/* Count what dir holds into *u, from the directory itself. */
static enum smw_err
count(const char *dir, struct smw_spool_usage *u)
{
	struct smw_spool_figures	 f;
	enum smw_err			 err;

	memset(u, 0, sizeof(*u));
	if ((err = smw_spool_figures(dir, &f)) != SMW_OK)
		return err;
	u->bytes = f.bytes;
	u->entries = f.entries;
	u->aside = f.bad;
	return SMW_OK;
}

enum smw_err
smw_spool_usage(const char *dir, struct smw_spool_usage *u)
{
	int	 fd;

	if ((fd = usage_lock(dir, u)) < 0)
		return SMW_ESYS;
	close(fd);
	return SMW_OK;
}

enum smw_err
smw_spool_recount(const char *dir)
{
	struct smw_spool_usage	 u;
	int			 fd;
	enum smw_err		 err;

	if ((fd = usage_lock(dir, &u)) < 0)
		return SMW_ESYS;
	if ((err = count(dir, &u)) == SMW_OK && usage_put(fd, &u) != 0)
		err = SMW_ESYS;
	close(fd);
	return err;
}

enum smw_err
smw_spool_put(const struct smw_config *cfg, const char *body, size_t len,
    const struct smw_request_meta *m)
{
	static unsigned			 seq;
	struct smw_spool_usage		 u;
	struct smw_buf			 hdr;
	struct timespec			 now;
	char				 tmp[4096];
	const char			*what = "create";
	unsigned long long		 size = 0;
	int				 fd = -1, dfd = -1, ufd;
	enum smw_err			 err;

	tmp[0] = '\0';
	smw_buf_init(&hdr, HEADER_MAX);
	clock_gettime(CLOCK_REALTIME, &now);
	if ((err = smw_spool_header(&hdr, &now, m, body, len)) != SMW_OK)
		goto out;
	size = hdr.len + len;
	err = SMW_ESYS;
	/* Reserve the entry's room under the usage lock (see above). */
	if ((ufd = usage_lock(cfg->spool, &u)) < 0) {
		size = 0;
		goto out;
	}
	if (u.bytes + size > cfg->spool_max) {
		smw_log(SMW_LOG_ERR, "spool %s: full (%llu bytes, "
		    "SHOWMOJO_SPOOL_MAX %llu)", cfg->spool, u.bytes,
		    cfg->spool_max);
		close(ufd);
		size = 0;
		err = SMW_ETOOBIG;
		goto out;
	}
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s/tmp-%ld-%u-%ld",
		    cfg->spool, (long)getpid(), seq++, now.tv_nsec) >=
		    sizeof(tmp)) {
			errno = ENAMETOOLONG;
			break;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0 || flock(fd, LOCK_EX) != 0 ||
	    ftruncate(fd, (off_t)size) != 0) {
		close(ufd);
		if (fd < 0)
			tmp[0] = '\0';
		size = 0;
		goto fail;
	}
	u.bytes += size;
	u.entries++;
	if (usage_put(ufd, &u) != 0)
		smw_log(SMW_LOG_WARN, "spool %s: %s not updated: %s",
		    cfg->spool, USAGE_NAME, strerror(errno));
	close(ufd);
	what = "write";
	if (write_all(fd, hdr.data, hdr.len) != 0 ||
	    write_all(fd, body, len) != 0 || fsync(fd) != 0)
		goto fail;
	what = "rename";
	if (place(cfg->spool, tmp, &now, &seq) != 0)
		goto fail;
	tmp[0] = '\0';
	size = 0;
	/* The entry is in place; only its name's durability is left. */
	what = "sync directory";
	if ((dfd = open(cfg->spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) != 0)
		goto fail;
	err = SMW_OK;
	goto out;
fail:
	smw_log(SMW_LOG_ERR, "spool %s: %s: %s", cfg->spool, what,
	    strerror(errno));
out:
	if (tmp[0] != '\0')
		unlink(tmp);
	if (size > 0)	/* reserved, not kept */
		usage_add(cfg->spool, -(long long)size, -1, 0);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	smw_buf_free(&hdr);
	return err;
}

static int
entry_filter(const struct dirent *d)
{
	return strncmp(d->d_name, "e-", 2) == 0;
}

/* Remove dir/name when it is a temporary file whose writer is gone. */
static void
sweep(const char *dir, const char *name)
{
	struct stat	 st;
	char		 path[4096];
	int		 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
	    st.st_nlink > 0 && st.st_mtime + TMP_STALE_S < time(NULL) &&
	    unlink(path) == 0) {
		smw_log(SMW_LOG_WARN, "spool %s: removed %s, left by a writer "
		    "that did not finish", dir, name);
		if (strncmp(name, "tmp-outage-", 11) != 0)
			usage_add(dir, -(long long)st.st_size, -1, 0);
	}
	close(fd);
}

enum smw_err
smw_spool_list(const char *dir, struct smw_spool_list *l)
{
	DIR		*d;
	struct dirent	*de;
	struct dirent	**names = NULL;
	int		 n;

	l->names = NULL;
	l->n = 0;
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, "tmp-", 4) == 0)
				sweep(dir, de->d_name);
		closedir(d);
	}
	if ((n = scandir(dir, &names, entry_filter, alphasort)) < 0) {
		smw_log(SMW_LOG_ERR, "spool %s: %s", dir, strerror(errno));
		return errno == ENOMEM ? SMW_ENOMEM : SMW_ESYS;
	}
	if ((l->names = smw_malloc((n > 0 ? n : 1) * sizeof(char *))) ==
	    NULL) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return SMW_ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		l->names[l->n] = smw_strndup(names[i]->d_name,
		    strlen(names[i]->d_name));
		if (l->names[l->n] != NULL)
			l->n++;
		free(names[i]);
	}
	free(names);
	if (l->n == n)
		return SMW_OK;
	smw_spool_list_free(l);
	return SMW_ENOMEM;
}

void
smw_spool_list_free(struct smw_spool_list *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < l->n; i++)
		smw_free(l->names[i]);
	smw_free(l->names);
	l->names = NULL;
	l->n = 0;
}

/* The text after "key " at *p up to the end of its line; advances *p. */
static const char *
field(const char **p, const char *end, const char *key)
{
	size_t	 klen = strlen(key);

	if ((size_t)(end - *p) <= klen || memcmp(*p, key, klen) != 0 ||
	    (*p)[klen] != ' ')
		return NULL;
	*p += klen + 1;
	return *p;
}

/* Parse and check the entry read into e->file; false when damaged. */
static bool
parse(struct smw_spool_entry *e)
{
	const char		*p = e->file.data, *end = p + e->file.len, *v;
	char			*num_end;
	unsigned long long	 n, sum;
	size_t			 hdr_len;

	if ((size_t)(end - p) >= strlen(FORMAT_LINE) + SCHEDULE_LEN &&
	    memcmp(p, FORMAT_LINE, strlen(FORMAT_LINE)) == 0)
		p += strlen(FORMAT_LINE) + SCHEDULE_LEN;
	else if ((size_t)(end - p) >= strlen(FORMAT_LINE_1) &&
	    memcmp(p, FORMAT_LINE_1, strlen(FORMAT_LINE_1)) == 0)
		p += strlen(FORMAT_LINE_1);
	else
		return false;
	if ((v = field(&p, end, "received")) == NULL)
		return false;
	e->received = strtod(v, &num_end);
	if (*num_end != '\n')
		return false;
	p = num_end + 1;
	e->meta.source = NULL;
	for (int i = 0; i < META_FIELDS; i++) {
		if ((v = field(&p, end, meta_keys[i])) == NULL &&
		    i == META_SOURCE)
			break;
		if (v == NULL)
			return false;
		if (end - v >= 2 && v[0] == '-' && v[1] == '\n') {
			*meta_field(&e->meta, i) = NULL;
			p = v + 2;
			continue;
		}
		n = strtoull(v, &num_end, 10);
		if (num_end == v || *num_end != ':' ||
		    n >= SMW_SPOOL_META_MAX ||
		    (unsigned long long)(end - num_end) < n + 2 ||
		    num_end[1 + n] != '\n')
			return false;
		memcpy(e->meta_text[i], num_end + 1, n);
		e->meta_text[i][n] = '\0';
		*meta_field(&e->meta, i) = e->meta_text[i];
		p = num_end + 2 + n;
		if (i == META_SOURCE && !smw_config_label_valid(e->meta_text[i],
		    n))
			return false;
	}
	if ((v = field(&p, end, "length")) == NULL)
		return false;
	n = strtoull(v, &num_end, 10);
	if (num_end == v || *num_end != '\n')
		return false;
	hdr_len = (size_t)(num_end + 1 - e->file.data);
	p = num_end + 1;
	if ((v = field(&p, end, "checksum")) == NULL)
		return false;
	sum = strtoull(v, &num_end, 16);
	if (num_end != v + 16 || *num_end != '\n' ||
	    (unsigned long long)(end - num_end - 1) != n)
		return false;
	e->body = num_end + 1;
	e->len = (size_t)n;
	return sum == fnv1a(header_sum(e->file.data, hdr_len), e->body,
	    e->len);
}

void
smw_spool_set_aside(const char *dir, const char *name, const char *why)
{
	char	 path[4096], bad[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(bad, sizeof(bad), "%s/bad-%s",
	    dir, name) >= sizeof(bad))
		smw_log(SMW_LOG_ERR, "spool %s: %s (%s): name too long to set "
		    "aside", dir, name, why);
	else if (rename(path, bad) != 0)
		smw_log(SMW_LOG_ERR, "spool %s: %s (%s) could not be set "
		    "aside: %s", dir, name, why, strerror(errno));
	else {
		smw_log(SMW_LOG_ERR, "spool %s: %s set aside as bad-%s: %s",
		    dir, name, name, why);
		if (strncmp(name, "e-", 2) == 0)
			usage_add(dir, 0, -1, 1);
	}
}

/* The schedule of the entry open on fd; false when it has none. */
static bool
schedule(int fd, unsigned *tries, long long *next)
{
	char	 h[64];
	ssize_t	 n;
	size_t	 skip = strlen(FORMAT_LINE);

	if ((n = pread(fd, h, sizeof(h) - 1, 0)) < (ssize_t)(skip +
	    SCHEDULE_LEN) || memcmp(h, FORMAT_LINE, skip) != 0)
		return false;
	h[n] = '\0';
	return sscanf(h + skip, "tries %u next %lld\n", tries, next) == 2;
}

enum smw_err
smw_spool_claim(const char *dir, const char *name, size_t max_body,
    struct smw_spool_entry *e, enum smw_claim *claim)
{
	struct stat	 st;
	char		 chunk[65536], why[128];
	long long	 next;
	ssize_t		 n;
	enum smw_err	 err = SMW_OK;

	*claim = SMW_CLAIM_NONE;
	memset(e, 0, sizeof(*e));
	e->dir = dir;
	smw_buf_init(&e->file, max_body + HEADER_MAX);
	if ((size_t)snprintf(e->path, sizeof(e->path), "%s/%s", dir, name) >=
	    sizeof(e->path)) {
		e->fd = -1;
		smw_spool_set_aside(dir, name, "name too long");
		return SMW_OK;
	}
	/* Never blocks: no symbolic link, and a FIFO opens at once. */
	if ((e->fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0) {
		if (errno == ENOENT)	/* taken and finished meanwhile */
			return SMW_OK;
		snprintf(why, sizeof(why), "cannot be opened: %s",
		    strerror(errno));
		goto aside;
	}
	if (flock(e->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK) {
			snprintf(why, sizeof(why), "cannot be locked: %s",
			    strerror(errno));
			goto aside;
		}
		smw_spool_release(e);	/* another process has it */
		return SMW_OK;
	}
	if (fstat(e->fd, &st) != 0) {
		err = SMW_ESYS;
		goto fail;
	}
	if (st.st_nlink == 0) {		/* done between open and lock */
		smw_spool_release(e);
		return SMW_OK;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, sizeof(why), "not a regular file");
		goto aside;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, sizeof(why), "owned by uid %lu, not by this "
		    "program's user", (unsigned long)st.st_uid);
		goto aside;
	}
	if ((unsigned long long)st.st_size > max_body + HEADER_MAX) {
		snprintf(why, sizeof(why), "%lld bytes, more than a body of "
		    "SHOWMOJO_MAX_BODY and its header", (long long)st.st_size);
		goto aside;
	}
	if (schedule(e->fd, &e->tries, &next) && next > time(NULL)) {
		smw_spool_release(e);
		*claim = SMW_CLAIM_LATER;
		return SMW_OK;
	}
	while ((n = read(e->fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = SMW_ESYS;
			goto fail;
		}
		if ((err = smw_buf_append(&e->file, chunk, (size_t)n)) !=
		    SMW_OK)
			break;
	}
	if (err == SMW_ENOMEM) {
		smw_spool_release(e);
		return err;
	}
	if (err == SMW_ETOOBIG || !parse(e)) {
		snprintf(why, sizeof(why), "damaged (format, length or "
		    "checksum)");
		goto aside;
	}
	*claim = SMW_CLAIM_TAKEN;
	return SMW_OK;
aside:
	smw_spool_set_aside(dir, name, why);
	smw_spool_release(e);
	return SMW_OK;
fail:
	smw_log(SMW_LOG_ERR, "spool: %s: %s", e->path, strerror(errno));
	smw_spool_release(e);
	return err;
}

enum smw_err
smw_spool_retry(struct smw_spool_entry *e, long long next)
{
	char	 line[SCHEDULE_LEN + 1];
	int	 fd;

	e->tries++;
	snprintf(line, sizeof(line), SCHEDULE_FMT, e->tries > 99 ? 99 :
	    e->tries, next);
	/* The claim's descriptor is read-only: write through a new one. */
	if (e->file.len < strlen(FORMAT_LINE) + SCHEDULE_LEN ||
	    memcmp(e->file.data, FORMAT_LINE, strlen(FORMAT_LINE)) != 0)
		return SMW_OK;		/* format 1: no schedule kept */
	if ((fd = open(e->path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0 || pwrite(fd, line, SCHEDULE_LEN,
	    (off_t)strlen(FORMAT_LINE)) != SCHEDULE_LEN) {
		smw_log(SMW_LOG_ERR, "spool: %s: keeping its retry schedule: "
		    "%s", e->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SMW_ESYS;
	}
	close(fd);
	return SMW_OK;
}

enum smw_err
smw_spool_done(struct smw_spool_entry *e)
{
	if (unlink(e->path) != 0) {
		smw_log(SMW_LOG_ERR, "spool: remove %s: %s", e->path,
		    strerror(errno));
		return SMW_ESYS;
	}
	usage_add(e->dir, -(long long)e->file.len, -1, 0);
	return SMW_OK;
}

void
smw_spool_release(struct smw_spool_entry *e)
{
	if (e == NULL)
		return;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	smw_buf_free(&e->file);
	e->body = NULL;
	e->len = 0;
}

enum smw_err
smw_spool_figures(const char *dir, struct smw_spool_figures *f)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	double		 t;

	memset(f, 0, sizeof(*f));
	if ((d = opendir(dir)) == NULL) {
		smw_log(SMW_LOG_ERR, "spool %s: %s", dir, strerror(errno));
		return SMW_ESYS;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
		    0)
			continue;
		if (S_ISREG(st.st_mode))
			f->bytes += (unsigned long long)st.st_size;
		if (strncmp(de->d_name, "bad-", 4) == 0)
			f->bad++;
		if (strncmp(de->d_name, "e-", 2) != 0)
			continue;
		f->entries++;
		t = strtod(de->d_name + 2, NULL);
		if (f->oldest == 0 || t < f->oldest)
			f->oldest = t;
		if (t > f->newest)
			f->newest = t;
	}
	closedir(d);
	return SMW_OK;
}

bool
smw_spool_can_take(const char *dir, unsigned long long max, char *why,
    size_t whysz)
{
	struct smw_spool_usage	 u;
	char			 path[4096];
	int			 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/tmp-probe-%ld", dir,
	    (long)getpid()) >= sizeof(path)) {
		snprintf(why, whysz, "path too long");
		return false;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(why, whysz, "cannot create a file there: %s",
		    strerror(errno));
		return false;
	}
	close(fd);
	unlink(path);
	if (smw_spool_usage(dir, &u) != SMW_OK) {
		snprintf(why, whysz, "its usage cannot be read");
		return false;
	}
	if (u.bytes >= max) {
		snprintf(why, whysz, "full: %llu bytes, SHOWMOJO_SPOOL_MAX "
		    "%llu", u.bytes, max);
		return false;
	}
	return true;
}

/* Whether name is a file of deliveries: waiting, set aside, half-written. */
static bool
holds_deliveries(const char *name)
{
	return strncmp(name, "e-", 2) == 0 || strncmp(name, "bad-", 4) == 0 ||
	    (strncmp(name, "tmp-", 4) == 0 &&
	    strncmp(name, "tmp-outage-", 11) != 0 &&
	    strncmp(name, "tmp-probe-", 10) != 0);
}

/* Offer one file of dir to match; see smw_spool_erase_if(). */
static enum smw_err
offer(const char *dir, const char *name, size_t max_body,
    smw_spool_match match, void *ctx, bool dry_run, unsigned long *n)
{
	struct smw_spool_entry	 e;
	struct stat		 st;
	char			 chunk[65536];
	ssize_t			 r;
	const char		*body, *source = NULL;
	size_t			 len;
	double			 received;
	enum smw_err		 err = SMW_OK;
	bool			 hit = false;

	memset(&e, 0, sizeof(e));
	e.dir = dir;
	smw_buf_init(&e.file, max_body + HEADER_MAX);
	if ((size_t)snprintf(e.path, sizeof(e.path), "%s/%s", dir, name) >=
	    sizeof(e.path))
		return SMW_OK;
	/*
	 * The lock waits for a drain or a writer that holds the file: what
	 * it stores is then in the database before the erasure there.
	 */
	if ((e.fd = open(e.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0 || fstat(e.fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || flock(e.fd, LOCK_EX) != 0 ||
	    fstat(e.fd, &st) != 0 || st.st_nlink == 0)
		goto out;
	while ((r = read(e.fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || smw_buf_append(&e.file, chunk, (size_t)r) !=
		    SMW_OK)
			break;
	}
	if (smw_buf_err(&e.file) == SMW_ENOMEM) {
		err = SMW_ENOMEM;
		goto out;
	}
	/* A whole entry: its body; anything else: every byte of it. */
	if (smw_buf_err(&e.file) == SMW_OK && parse(&e)) {
		body = e.body;
		len = e.len;
		received = e.received;
		source = e.meta.source;
	} else {
		body = e.file.data != NULL ? e.file.data : "";
		len = e.file.len;
		received = (double)st.st_mtime;
	}
	if ((err = match(ctx, name, body, len, received, source, &hit)) !=
	    SMW_OK ||
	    !hit)
		goto out;
	if (!dry_run) {
		if (unlink(e.path) != 0) {
			smw_log(SMW_LOG_ERR, "spool %s: erase %s: %s", dir,
			    name, strerror(errno));
			err = SMW_ESYS;
			goto out;
		}
		usage_add(dir, -(long long)st.st_size,
		    strncmp(name, "bad-", 4) == 0 ? 0 : -1,
		    strncmp(name, "bad-", 4) == 0 ? -1 : 0);
	}
	(*n)++;
out:
	smw_spool_release(&e);
	return err;
}

enum smw_err
smw_spool_erase_if(const char *dir, size_t max_body, smw_spool_match match,
    void *ctx, bool dry_run, unsigned long *erased)
{
	struct smw_spool_list	 l = { NULL, 0 };
	DIR			*d;
	struct dirent		*de;
	char			**names;
	enum smw_err		 err = SMW_OK;
	int			 dfd;

	*erased = 0;
	if ((d = opendir(dir)) == NULL) {
		smw_log(SMW_LOG_ERR, "spool %s: %s", dir, strerror(errno));
		return SMW_ESYS;
	}
	/* The names first: files are removed on the way. */
	while ((de = readdir(d)) != NULL && err == SMW_OK) {
		if (!holds_deliveries(de->d_name))
			continue;
		if ((names = realloc(l.names, (l.n + 1) * sizeof(char *))) ==
		    NULL) {
			err = SMW_ENOMEM;
			break;
		}
		l.names = names;
		if ((l.names[l.n] = smw_strndup(de->d_name,
		    strlen(de->d_name))) == NULL)
			err = SMW_ENOMEM;
		else
			l.n++;
	}
	closedir(d);
	for (int i = 0; i < l.n && err == SMW_OK; i++)
		err = offer(dir, l.names[i], max_body, match, ctx, dry_run,
		    erased);
	for (int i = 0; i < l.n; i++)
		smw_free(l.names[i]);
	free(l.names);
	/* The erasures are durable before they are recorded. */
	if (*erased > 0 && !dry_run &&
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) != 0 && err == SMW_OK)
			err = SMW_ESYS;
		close(dfd);
	}
	return err;
}
