/* SPDX-License-Identifier: MIT */
/*
 * Landlock through its system calls (no library): a ruleset that handles
 * every write-like filesystem right, TCP bind and, where the kernel knows
 * them, scopes — with no rule granting any of them back.  Rights the
 * running kernel does not know are left out, so one binary works from ABI
 * 1 upwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "log.h"
#include "sandbox.h"

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
#ifdef LANDLOCK_ACCESS_FS_REFER
	{ 2, LANDLOCK_ACCESS_FS_REFER },
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	{ 3, LANDLOCK_ACCESS_FS_TRUNCATE },
#endif
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
	struct landlock_ruleset_attr	 attr;
	int				 abi, fd;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi <= 0) {
		smw_log(SMW_LOG_INFO, "sandbox: Landlock not available (%s)",
		    strerror(errno));
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	for (size_t i = 0; i < sizeof(fs_rights) / sizeof(fs_rights[0]); i++)
		if (fs_rights[i].abi <= abi)
			attr.handled_access_fs |= fs_rights[i].rights;
#ifdef LANDLOCK_ACCESS_NET_BIND_TCP
	if (abi >= 4)
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
#endif
#ifdef LANDLOCK_SCOPE_SIGNAL
	if (abi >= 6)
		attr.scoped = LANDLOCK_SCOPE_SIGNAL |
		    LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
#endif
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
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
