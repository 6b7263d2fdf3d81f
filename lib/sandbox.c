/* SPDX-License-Identifier: MIT */
/*
 * Landlock through its system calls (no library): a ruleset that handles
 * every write-like filesystem right, TCP bind and, where the kernel knows
 * them, scopes — with no rule granting any of them back.  Rights the
 * running kernel does not know are left out, so one binary works from ABI
 * 1 upwards.
 */
#include <errno.h>
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

int
smw_sandbox_enter(void)
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
