/* SPDX-License-Identifier: MIT */
/*
 * Field tables of the delivery (doc/design.md, "The delivery") and the
 * checks on field values that must hold before anything reaches the
 * database.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

const struct smw_field_def smw_ev_fields[SMW_EV__MAX] = {
	[SMW_EV_ID] = { "id", SMW_T_ID },
	[SMW_EV_ACTION] = { "action", SMW_T_STRING },
	[SMW_EV_ACTOR] = { "actor", SMW_T_STRING },
	[SMW_EV_TEAM_MEMBER_NAME] = { "team_member_name", SMW_T_STRING },
	[SMW_EV_TEAM_MEMBER_UID] = { "team_member_uid", SMW_T_ID },
	[SMW_EV_CREATED_AT] = { "created_at", SMW_T_TIME },
	[SMW_EV_SHOWING] = { "showing", SMW_T_OBJECT },
};

const struct smw_field_def smw_sh_fields[SMW_SH__MAX] = {
	[SMW_SH_UID] = { "uid", SMW_T_ID },
	[SMW_SH_CREATED_AT] = { "created_at", SMW_T_TIME },
	[SMW_SH_SHOWTIME] = { "showtime", SMW_T_TIME },
	[SMW_SH_TIME_ZONE] = { "showing_time_zone", SMW_T_STRING },
	[SMW_SH_TIME_ZONE_UTC_OFFSET] =
	    { "showing_time_zone_utc_offset", SMW_T_INT },
	[SMW_SH_NAME] = { "name", SMW_T_STRING },
	[SMW_SH_PHONE] = { "phone", SMW_T_STRING },
	[SMW_SH_EMAIL] = { "email", SMW_T_STRING },
	[SMW_SH_NOTES] = { "notes", SMW_T_STRING },
	[SMW_SH_LISTING_UID] = { "listing_uid", SMW_T_ID },
	[SMW_SH_LISTING_FULL_ADDRESS] =
	    { "listing_full_address", SMW_T_STRING },
	[SMW_SH_IS_SELF_SHOW] = { "is_self_show", SMW_T_BOOL },
	[SMW_SH_CONFIRMED_AT] = { "confirmed_at", SMW_T_TIME },
	[SMW_SH_CANCELED_AT] = { "canceled_at", SMW_T_TIME },
	[SMW_SH_SELF_SHOW_CODE_DISTRIBUTED_AT] =
	    { "self_show_code_distributed_at", SMW_T_TIME },
};

const char *const smw_json_names[SMW_J__MAX] = {
	[SMW_J_NULL] = "null",
	[SMW_J_BOOL] = "a boolean",
	[SMW_J_NUMBER] = "a number",
	[SMW_J_STRING] = "a string",
	[SMW_J_OBJECT] = "an object",
	[SMW_J_ARRAY] = "an array",
};

/* What the document's letter says each type is, and its JSON type. */
static const struct {
	const char	*name;
	enum smw_json	 json;
} letter[SMW_T__MAX] = {
	[SMW_T_STRING] = { "a string", SMW_J_STRING },
	[SMW_T_ID] = { "a string", SMW_J_STRING },
	[SMW_T_TIME] = { "an ISO 8601 string", SMW_J_STRING },
	[SMW_T_INT] = { "an integer", SMW_J_NUMBER },
	[SMW_T_BOOL] = { "a boolean", SMW_J_BOOL },
	[SMW_T_OBJECT] = { "an object", SMW_J_OBJECT },
};

void
smw_event_init(struct smw_event *e)
{
	memset(e, 0, sizeof(*e));
}

void
smw_value_clear(struct smw_value *v)
{
	smw_free(v->text);
	v->text = NULL;
	v->len = 0;
	v->state = SMW_ABSENT;
}

void
smw_event_free(struct smw_event *e)
{
	size_t	 i;

	if (e == NULL)
		return;
	for (i = 0; i < SMW_EV__MAX; i++)
		smw_value_clear(&e->ev[i]);
	for (i = 0; i < SMW_SH__MAX; i++)
		smw_value_clear(&e->sh[i]);
}

enum smw_err
smw_value_set(struct smw_value *v, const char *text, size_t len)
{
	char	*copy = NULL;

	if (text != NULL && (copy = smw_strndup(text, len)) == NULL)
		return SMW_ENOMEM;
	smw_value_clear(v);
	v->text = copy;
	v->len = text != NULL ? len : 0;
	v->state = text != NULL ? SMW_VALUE : SMW_NULL;
	return SMW_OK;
}

/* Read exactly n decimal digits at *p into *out within [lo, hi]. */
static bool
digits(const char **p, const char *end, int n, int lo, int hi, int *out)
{
	int	 v = 0;

	if (end - *p < n)
		return false;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	if (v < lo || v > hi)
		return false;
	if (out != NULL)
		*out = v;
	return true;
}

/* True when *p points at c; advances past it. */
static bool
accept(const char **p, const char *end, char c)
{
	if (*p < end && **p == c) {
		(*p)++;
		return true;
	}
	return false;
}

/* Days in month m (1-12) of year y, Gregorian calendar as PostgreSQL's. */
static int
month_days(int y, int m)
{
	static const int	 days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/*
 * ISO 8601 / RFC 3339 date-time: YYYY-MM-DD, 'T' or ' ', HH:MM[:SS[.f]]
 * (1 to 9 fraction digits: PostgreSQL rounds them to microseconds), then
 * Z, +HH, +HH:MM or +HHMM, or nothing (read as UTC: ingest() reads times
 * in UTC).  Ruby's Time#to_s puts a space before the offset and writes
 * UTC as " UTC"; those are accepted too, with *ruby set.  Only forms
 * PostgreSQL reads the same way are accepted, so that "now" or "epoch" can
 * never turn into a time that depends on the day of arrival; a day its
 * month does not have (February 30) is refused, as PostgreSQL refuses it.
 */
static bool
check_time(const char *s, size_t len, bool *ruby)
{
	const char	*p = s, *end = s + len;
	int		 n, y, m;

	*ruby = false;
	if (!digits(&p, end, 4, 1, 9999, &y) || !accept(&p, end, '-') ||
	    !digits(&p, end, 2, 1, 12, &m) || !accept(&p, end, '-') ||
	    !digits(&p, end, 2, 1, month_days(y, m), NULL))
		return false;
	if (!accept(&p, end, 'T') && !accept(&p, end, ' '))
		return false;
	if (!digits(&p, end, 2, 0, 23, NULL) || !accept(&p, end, ':') ||
	    !digits(&p, end, 2, 0, 59, NULL))
		return false;
	if (accept(&p, end, ':')) {
		if (!digits(&p, end, 2, 0, 59, NULL))
			return false;
		if (accept(&p, end, '.')) {
			for (n = 0; p < end && *p >= '0' && *p <= '9'; n++)
				p++;
			if (n == 0 || n > 9)
				return false;
		}
	}
	if (p == end)
		return true;
	if (accept(&p, end, 'Z'))
		return p == end;
	if (accept(&p, end, ' ')) {
		*ruby = true;
		if (end - p == 3 && memcmp(p, "UTC", 3) == 0)
			return true;
	}
	if (!accept(&p, end, '+') && !accept(&p, end, '-'))
		return false;
	if (!digits(&p, end, 2, 0, 15, NULL))
		return false;
	if (p == end)
		return true;
	(void)accept(&p, end, ':');
	return digits(&p, end, 2, 0, 59, NULL) && p == end;
}

/* A JSON integer (no fraction, no exponent) that fits in 32 bits. */
static bool
check_int(const char *s, size_t len)
{
	char	 buf[16];
	char	*end;
	long	 v;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strspn(buf + (buf[0] == '-'), "0123456789") !=
	    len - (buf[0] == '-'))
		return false;
	errno = 0;
	v = strtol(buf, &end, 10);
	return errno == 0 && *end == '\0' && v >= INT_MIN && v <= INT_MAX;
}

bool
smw_value_check(enum smw_type type, const char *text, size_t len,
    const char **why)
{
	bool	 ruby;

	switch (type) {
	case SMW_T_TIME:
		if (!check_time(text, len, &ruby)) {
			*why = "not an ISO 8601 date-time";
			return false;
		}
		break;
	case SMW_T_INT:
		if (!check_int(text, len)) {
			*why = "not a 32-bit integer";
			return false;
		}
		break;
	case SMW_T_BOOL:
		if (!(len == 4 && memcmp(text, "true", 4) == 0) &&
		    !(len == 5 && memcmp(text, "false", 5) == 0)) {
			*why = "not true or false";
			return false;
		}
		break;
	case SMW_T_STRING:
	case SMW_T_ID:
	case SMW_T_OBJECT:
	case SMW_T__MAX:
		break;
	}
	return true;
}

/* s (len bytes) is the word w. */
static bool
is_word(const char *s, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(s, w, len) == 0;
}

/* A JSON number token that is digits only: no sign, fraction, exponent. */
static bool
is_digits(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		continue;
	return len > 0 && i == len;
}

/*
 * Refuse: r->why is "is <what>" or "is <what>, not <want>", the value
 * quoted after it when quote.
 */
static bool
refuse(struct smw_reading *r, bool quote, const char *what,
    const char *want)
{
	snprintf(r->why, sizeof(r->why), "is %s%s%s", what,
	    want != NULL ? ", not " : "", want != NULL ? want : "");
	r->quote = quote;
	if (r->letter[0] == '\0')
		snprintf(r->letter, sizeof(r->letter), "%s", r->why);
	return false;
}

/* The document's letter, as the program read it before it read more. */
static void
read_letter(enum smw_type type, enum smw_json j, const char *s, size_t len,
    struct smw_reading *r)
{
	const char	*why;
	bool		 ruby;

	r->letter[0] = '\0';
	if (j == SMW_J_NULL)
		return;
	if (j != letter[type].json)
		snprintf(r->letter, sizeof(r->letter), "is %s, not %s",
		    smw_json_names[j], letter[type].name);
	else if (type == SMW_T_TIME && (!check_time(s, len, &ruby) || ruby))
		snprintf(r->letter, sizeof(r->letter),
		    "is not an ISO 8601 date-time");
	else if (type == SMW_T_INT && !smw_value_check(type, s, len, &why))
		snprintf(r->letter, sizeof(r->letter), "is %s", why);
}

bool
smw_value_read(enum smw_type type, enum smw_json j, const char *s,
    size_t len, struct smw_reading *r)
{
	const char	*why;
	bool		 ruby;

	r->state = SMW_VALUE;
	r->text = s;
	r->len = len;
	r->why[0] = '\0';
	r->quote = false;
	read_letter(type, j, s, len, r);
	if (j == SMW_J_NULL) {
		r->state = SMW_NULL;
		r->text = NULL;
		r->len = 0;
		return true;
	}
	/* An empty string where a time or the offset belongs: null. */
	if (j == SMW_J_STRING && len == 0 &&
	    (type == SMW_T_TIME || type == SMW_T_INT)) {
		r->state = SMW_NULL;
		r->text = NULL;
		return true;
	}
	switch (type) {
	case SMW_T_ID:
		if (j == SMW_J_NUMBER)
			return is_digits(s, len) ? true : refuse(r, true,
			    "a number", "a non-negative integer");
		break;
	case SMW_T_TIME:
		if (j == SMW_J_STRING)
			return check_time(s, len, &ruby) ? true :
			    refuse(r, true, "not an ISO 8601 date-time",
			    NULL);
		break;
	case SMW_T_INT:
		if (j == SMW_J_NUMBER || j == SMW_J_STRING)
			return smw_value_check(type, s, len, &why) ? true :
			    refuse(r, true, why, NULL);
		break;
	case SMW_T_BOOL:
		if (j == SMW_J_BOOL)
			return true;
		r->text = NULL;
		if (j == SMW_J_STRING && is_word(s, len, "true"))
			r->text = "true";
		else if (j == SMW_J_STRING && is_word(s, len, "false"))
			r->text = "false";
		else if (j == SMW_J_NUMBER && is_word(s, len, "1"))
			r->text = "true";
		else if (j == SMW_J_NUMBER && is_word(s, len, "0"))
			r->text = "false";
		else if (j == SMW_J_STRING || j == SMW_J_NUMBER)
			return refuse(r, true, "not a boolean", NULL);
		if (r->text != NULL) {
			r->len = strlen(r->text);
			return true;
		}
		break;
	case SMW_T_STRING:
	case SMW_T_OBJECT:
	case SMW_T__MAX:
		break;
	}
	if (j != letter[type].json)
		return refuse(r, false, smw_json_names[j], letter[type].name);
	return true;
}

enum smw_err
smw_event_validate(const struct smw_event *e, const char **why)
{
	const struct smw_value	*id = &e->ev[SMW_EV_ID];

	if (id->state == SMW_ABSENT) {
		*why = "event.id is missing";
		return SMW_EINPUT;
	}
	if (id->state == SMW_NULL) {
		*why = "event.id is null";
		return SMW_EINPUT;
	}
	if (id->len == 0) {
		*why = "event.id is empty";
		return SMW_EINPUT;
	}
	if (id->len > SMW_EVENT_ID_MAX) {
		*why = "event.id is longer than 200 bytes";
		return SMW_EINPUT;
	}
	return SMW_OK;
}
