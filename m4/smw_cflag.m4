# SPDX-License-Identifier: MIT
# SMW_CHECK_CFLAG(FLAG, [ACTION-IF-ACCEPTED], [ACTION-IF-NOT])
# Whether the C compiler accepts FLAG without a warning (tried with
# -Werror, so that a flag it merely ignores counts as refused).  The
# project's own, so that ./bootstrap needs autoconf, automake and
# pkg-config alone.
AC_DEFUN([SMW_CHECK_CFLAG], [
	AS_VAR_PUSHDEF([smw_var], [smw_cv_cflag_$1])
	AC_CACHE_CHECK([whether $CC accepts $1], [smw_var], [
		smw_save_CFLAGS=$CFLAGS
		CFLAGS="$CFLAGS -Werror $1"
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
			[AS_VAR_SET([smw_var], [yes])],
			[AS_VAR_SET([smw_var], [no])])
		CFLAGS=$smw_save_CFLAGS])
	AS_VAR_IF([smw_var], [yes], [$2], [$3])
	AS_VAR_POPDEF([smw_var])
])
