/* SPDX-License-Identifier: MIT */
/*
 * Landlock through its system calls (no library): a ruleset that handles
 * every write-like filesystem right, TCP bind and, where the kernel knows
 * it, the signal scope, with no rule granting any of them back.  Rights the
 * running kernel does not know are left out, so one binary works from ABI
 * 1 upwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "log.h"
#include "sandbox.h"

/*
 * What the running kernel offers is asked at run time, but the build
 * machine's <linux/landlock.h> may be older than the kernel (Debian 12's
 * names ABI 1 and 2 only): the later rights and scopes are named here with
 * the kernel's values, which are a stable ABI.
 */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP	(1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL		(1ULL << 1)
#endif

/*
 * struct landlock_ruleset_attr as of ABI 6; a kernel of an older ABI is
 * given only the fields it knows (the size says which).
 */
struct ruleset_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;	/* ABI 4 */
	uint64_t	 scoped;		/* ABI 6 */
};

/* Filesystem rights denied, by the ABI version that introduced them. */
static const struct {
	int		 abi;
	unsigned long long	 rights;
} fs_rights[] = {
	{ 1, LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	    LANDLOCK_ACCESS_FS_MAKE_SYM },
	{ 2, LANDLOCK_ACCESS_FS_REFER },
	{ 3, LANDLOCK_ACCESS_FS_TRUNCATE },
};

/*
 * Let the spool directory be written: the write-like rights of files
 * beneath it that the ruleset handles, nothing that makes directories,
 * links of other kinds or executes.
 */
static int
allow_spool(int ruleset, unsigned long long handled, const char *dir)
{
	struct landlock_path_beneath_attr	 rule;
	int					 rc;

	memset(&rule, 0, sizeof(rule));
	rule.allowed_access = handled & (LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	    | LANDLOCK_ACCESS_FS_TRUNCATE
#endif
	    );
	if ((rule.parent_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
	    0) {
		smw_log(SMW_LOG_ERR, "sandbox: spool %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	rc = (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
	if (rc != 0)
		smw_log(SMW_LOG_ERR, "sandbox: spool %s: landlock_add_rule: "
		    "%s", dir, strerror(errno));
	close(rule.parent_fd);
	return rc;
}

int
smw_sandbox_enter(const char *spool)
{
	struct ruleset_attr	 attr;
	size_t			 size;
	int			 abi, fd;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi <= 0) {
		smw_log(SMW_LOG_INFO, "sandbox: Landlock not available (%s)",
		    strerror(errno));
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	size = offsetof(struct ruleset_attr, handled_access_net);
	for (size_t i = 0; i < sizeof(fs_rights) / sizeof(fs_rights[0]); i++)
		if (fs_rights[i].abi <= abi)
			attr.handled_access_fs |= fs_rights[i].rights;
	if (abi >= 4) {
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
		size = offsetof(struct ruleset_attr, scoped);
	}
	/*
	 * Signals only: scoping abstract unix sockets too would forbid
	 * connecting to a PostgreSQL that listens on one
	 * (unix_socket_directories = '@name', PostgreSQL 14 and later).
	 */
	if (abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0) {
		smw_log(SMW_LOG_ERR, "sandbox: landlock_create_ruleset: %s",
		    strerror(errno));
		return -1;
	}
	/* Without its rule the spool answers 500; the sandbox still holds. */
	if (spool != NULL)
		(void)allow_spool(fd, attr.handled_access_fs, spool);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) != 0) {
		smw_log(SMW_LOG_ERR, "sandbox: landlock_restrict_self: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return abi;
}
