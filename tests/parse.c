/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the streaming parser (lib/parse.c) and of the field checks
 * it relies on (lib/event.c).  Most cases are fixtures in
 * tests/data/parse/, each listed in the table below with the outcome it
 * must have; the cases tied to a limit of the parser (nesting depth,
 * number length, event.id length) and the per-field matrix are built here
 * so that they follow the constants.  Every fixture is also fed split in
 * two at every byte offset and one byte at a time, and the sample delivery
 * is parsed with each allocation in turn failing.  Bodies made of one long
 * string, number or run of white space are parsed with work linear in
 * their size: the parser's own loops are counted, and the calls it makes
 * to yajl are seen through the linker (-Wl,--wrap=yajl_parse) and costed
 * as yajl's lexer works.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "event.h"
#include "parse.h"
#include "util.h"

#include "tap.h"

/* One field the parsed event must hold: 'e' event, 's' showing. */
struct want {
	char			 obj;
	int			 field;
	enum smw_presence	 state;
	const char		*text;
};

struct fixture {
	const char	*file;
	enum smw_err	 err;
	const char	*why;		/* substring of the reason */
	bool		 only;		/* fields not in want are absent */
	struct want	 want[24];
};

#define EV(f, s, t)	{ 'e', SMW_EV_##f, SMW_##s, t }
#define SH(f, s, t)	{ 's', SMW_SH_##f, SMW_##s, t }
#define BAD(file, why)	{ file, SMW_EINPUT, why, false, { { 0, 0, 0, NULL } } }

static const struct fixture fixtures[] = {
	{ "ok-minimal.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1") } },
	{ "ok-whitespace.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "2"), EV(ACTION, VALUE, "lead_created") } },
	{ "ok-showing-null.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "3"), EV(ACTION, VALUE, "lead_created"),
		EV(ACTOR, VALUE, "prospect"), EV(SHOWING, NULL, NULL) } },
	{ "ok-showing-empty.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "4"), EV(SHOWING, VALUE, NULL) } },
	{ "ok-showing-first.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "5"), EV(SHOWING, VALUE, NULL),
		EV(CREATED_AT, VALUE, "2026-01-02T03:04:05Z"),
		SH(UID, VALUE, "sh-5"), SH(IS_SELF_SHOW, VALUE, "true") } },
	{ "ok-event-last.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "6"), EV(ACTION, VALUE, "showing_canceled") } },
	{ "ok-unknown-keys.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "7"), EV(ACTOR, VALUE, "agent"),
		EV(SHOWING, VALUE, NULL), SH(UID, VALUE, "sh-7"),
		SH(NAME, VALUE, "Jordan") } },
	{ "ok-unicode-escapes.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1001"), EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "sh-1"),
		SH(NAME, VALUE, "Ren\xc3\xa9" "e \xc3\x89"),
		SH(NOTES, VALUE, "cat \xf0\x9f\x90\xb1 dog \xf0\x9f\x90\xb6"),
		SH(EMAIL, VALUE, "A\xc3\xa9\xe2\x82\xac\xf0\x90\x80\x80"
		    "\xf4\x8f\xbf\xbf"),
		SH(PHONE, VALUE, "\"q\" \\ / \b\f\n\r\t"),
		SH(LISTING_FULL_ADDRESS, VALUE, "a\\u0000b"),
		SH(LISTING_UID, VALUE, "\\\xc3\xa9") } },
	{ "ok-raw-utf8.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1001"), EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "sh-1"),
		SH(NAME, VALUE, "Zo\xc3\xab \xc3\x9cnal"),
		SH(NOTES, VALUE, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
		    "\xf0\x9f\x90\xb1 \xe2\x82\xbf \xc2\x80\xdf\xbf\xe0\xa0\x80"
		    "\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf") } },
	{ "ok-duplicate-keys.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "8"), EV(ACTION, VALUE, "second"),
		EV(ACTOR, VALUE, "agent"), EV(TEAM_MEMBER_NAME, NULL, NULL),
		EV(SHOWING, VALUE, NULL), SH(UID, VALUE, "sh-c") } },
	{ "ok-duplicate-event.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "10"), EV(ACTOR, VALUE, "system") } },
	{ "ok-showing-then-null.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "11"), EV(SHOWING, NULL, NULL) } },
	{ "ok-null-then-showing.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "12"), EV(SHOWING, VALUE, NULL),
		SH(NAME, VALUE, "m") } },
	{ "ok-time-forms.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "13"), EV(SHOWING, VALUE, NULL),
		EV(CREATED_AT, VALUE, "2024-02-29T23:59:59.123456Z"),
		SH(CREATED_AT, VALUE, "2024-01-01 00:00:00"),
		SH(SHOWTIME, VALUE, "2026-11-22T14:30-05:00"),
		SH(CONFIRMED_AT, VALUE, "2000-02-29T12:00:00.5+0530"),
		SH(CANCELED_AT, VALUE, "1999-12-31T23:59:59+14"),
		SH(SELF_SHOW_CODE_DISTRIBUTED_AT, VALUE,
		    "2026-03-08T02:30:00.123456789-00:00") } },
	{ "ok-int-edges.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "14"), EV(SHOWING, VALUE, NULL),
		SH(TIME_ZONE_UTC_OFFSET, VALUE, "-2147483648"),
		SH(IS_SELF_SHOW, VALUE, "false") } },
	{ "ok-int-max.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "15"), EV(SHOWING, VALUE, NULL),
		SH(TIME_ZONE_UTC_OFFSET, VALUE, "2147483647") } },
	{ "ok-int-zero.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "16"), EV(SHOWING, VALUE, NULL),
		SH(TIME_ZONE_UTC_OFFSET, VALUE, "-0") } },
	{ "ok-numbers-unknown.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "17") } },
	{ "ok-real-lead.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "2001"),
		EV(ACTION, VALUE, "showing_denied_custome_question"),
		EV(ACTOR, VALUE, "system"), EV(TEAM_MEMBER_NAME, NULL, NULL),
		EV(TEAM_MEMBER_UID, NULL, NULL),
		EV(CREATED_AT, VALUE, "2026-11-21T08:00:00-06:00"),
		EV(SHOWING, VALUE, NULL), SH(SHOWTIME, NULL, NULL),
		SH(TIME_ZONE, VALUE, "Central Time (US & Canada)"),
		SH(TIME_ZONE_UTC_OFFSET, VALUE, "-21600"),
		SH(NAME, VALUE, "Ana Mar\xc3\xad" "a P\xc3\xa9rez"),
		SH(PHONE, NULL, NULL),
		SH(NOTES, VALUE, "Line one\nLine two\t\"quoted\""),
		SH(IS_SELF_SHOW, VALUE, "true"), SH(CONFIRMED_AT, NULL, NULL),
		SH(CANCELED_AT, NULL, NULL), SH(UID, VALUE, "sh-77"),
		SH(CREATED_AT, VALUE, "2026-11-21T07:59:00-06:00"),
		SH(EMAIL, VALUE, "ana@example.com"),
		SH(LISTING_UID, VALUE, "lst-3"),
		SH(LISTING_FULL_ADDRESS, VALUE, "5 Oak Ave, Austin, TX 78701"),
		SH(SELF_SHOW_CODE_DISTRIBUTED_AT, VALUE,
		    "2026-11-21T08:00:00-06:00") } },

	/* What a Rails sender plausibly sends, read as what it means. */
	{ "ok-id-number.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1001") } },
	{ "ok-uid-number.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1001"), EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "42") } },
	{ "ok-self-show-string.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1001"), EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "sh-1"), SH(IS_SELF_SHOW, VALUE, "true") } },
	{ "ok-self-show-number.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1001"), EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "sh-1"), SH(IS_SELF_SHOW, VALUE, "true") } },
	{ "ok-time-empty.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1001"), EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "sh-1"), SH(CANCELED_AT, NULL, NULL) } },
	{ "ok-offset-empty.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1003"), EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "sh-1"),
		SH(TIME_ZONE_UTC_OFFSET, NULL, NULL) } },
	{ "ok-rails-forms.json", SMW_OK, NULL, true, {
		EV(ID, VALUE, "1002"), EV(TEAM_MEMBER_UID, VALUE, "7"),
		EV(CREATED_AT, VALUE, "2026-12-01 15:00:00 -0500"),
		EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "123456789012345678901234567890"),
		SH(LISTING_UID, VALUE, "0"),
		SH(SHOWTIME, VALUE, "2026-12-01 20:00:00 UTC"),
		SH(CONFIRMED_AT, VALUE,
		    "2026-12-01 15:00:00.123456789 +05:30"),
		SH(CANCELED_AT, NULL, NULL),
		SH(TIME_ZONE_UTC_OFFSET, VALUE, "-18000"),
		SH(IS_SELF_SHOW, VALUE, "false"),
		SH(SELF_SHOW_CODE_DISTRIBUTED_AT, VALUE,
		    "2026-12-01 15:00 -05") } },

	/* What PostgreSQL refuses in text and jsonb, caught before it. */
	BAD("bad-nul-escape.json", "\\u0000 at byte 61 (PostgreSQL text"),
	BAD("bad-nul-escape-key.json", "\\u0000 at byte"),
	BAD("bad-nul-escape-unknown.json", "\\u0000 at byte"),
	BAD("bad-lone-high.json", "unpaired UTF-16 surrogate escape at byte"),
	BAD("bad-lone-high-text.json", "unpaired UTF-16 surrogate escape"),
	BAD("bad-lone-low.json", "unpaired UTF-16 surrogate escape at byte 59"),
	BAD("bad-low-high.json", "unpaired UTF-16 surrogate escape"),
	BAD("bad-high-high.json", "unpaired UTF-16 surrogate escape"),
	BAD("bad-high-escape.json", "unpaired UTF-16 surrogate escape"),
	BAD("bad-high-ascii-escape.json", "unpaired UTF-16 surrogate escape"),
	BAD("bad-high-nul-escape.json", "unpaired UTF-16 surrogate escape"),
	BAD("bad-utf8-ff.json", "invalid UTF-8 at byte 55"),
	BAD("bad-utf8-fe.json", "invalid UTF-8 at byte 54"),
	BAD("bad-utf8-continuation.json", "invalid UTF-8 at byte 55"),
	BAD("bad-utf8-short.json", "invalid UTF-8 at byte 58"),
	BAD("bad-utf8-short-4.json", "invalid UTF-8 at byte 57"),
	BAD("bad-overlong-c0.json", "invalid UTF-8 at byte"),
	BAD("bad-overlong-c1.json", "invalid UTF-8 at byte"),
	BAD("bad-overlong-e0.json", "invalid UTF-8 at byte"),
	BAD("bad-overlong-e0-9f.json", "invalid UTF-8 at byte"),
	BAD("bad-overlong-f0.json", "invalid UTF-8 at byte"),
	BAD("bad-surrogate-utf8.json", "invalid UTF-8 at byte"),
	BAD("bad-surrogate-utf8-low.json", "invalid UTF-8 at byte"),
	BAD("bad-beyond-10ffff.json", "invalid UTF-8 at byte"),
	BAD("bad-utf8-f5.json", "invalid UTF-8 at byte"),
	BAD("bad-utf8-key.json", "invalid UTF-8 at byte"),
	BAD("bad-utf8-unknown.json", "invalid UTF-8 at byte"),
	BAD("bad-utf8-truncated-end.json", "invalid UTF-8 at byte 33"),
	BAD("bad-utf8-truncated-end-3.json", "invalid UTF-8 at byte 32"),

	/* Known fields of the wrong type or form. */
	BAD("bad-id-fraction.json",
	    "event.id is a number, not a non-negative integer: 1.5"),
	BAD("bad-id-exponent.json",
	    "event.id is a number, not a non-negative integer: 1e3"),
	BAD("bad-id-negative.json",
	    "event.id is a number, not a non-negative integer: -5"),
	BAD("bad-listing-uid-fraction.json", "event.showing.listing_uid is "
	    "a number, not a non-negative integer: 7.0"),
	BAD("bad-id-object.json", "event.id is an object, not a string"),
	BAD("bad-id-missing.json", "event.id is missing"),
	BAD("bad-id-null.json", "event.id is null"),
	BAD("bad-id-empty.json", "event.id is empty"),
	BAD("bad-action-number.json", "event.action is a number, not a string"),
	BAD("bad-actor-array.json", "event.actor is an array, not a string"),
	BAD("bad-team-member-bool.json",
	    "event.team_member_uid is a boolean, not a string"),
	BAD("bad-showing-string.json",
	    "event.showing is a string, not an object"),
	BAD("bad-showing-array.json",
	    "event.showing is an array, not an object"),
	BAD("bad-showing-number.json",
	    "event.showing is a number, not an object"),
	BAD("bad-showing-bool.json",
	    "event.showing is a boolean, not an object"),
	BAD("bad-self-show-yes.json",
	    "event.showing.is_self_show is not a boolean: \"yes\""),
	BAD("bad-self-show-two.json",
	    "event.showing.is_self_show is not a boolean: 2"),
	BAD("bad-self-show-empty.json",
	    "event.showing.is_self_show is not a boolean: \"\""),
	BAD("bad-offset-fraction.json", "event.showing."
	    "showing_time_zone_utc_offset is not a 32-bit integer: 1.5"),
	BAD("bad-offset-string.json", "event.showing."
	    "showing_time_zone_utc_offset is not a 32-bit integer: \"x\""),
	BAD("bad-offset-string-fraction.json", "event.showing."
	    "showing_time_zone_utc_offset is not a 32-bit integer: "
	    "\"-18000.5\""),
	BAD("bad-offset-big.json", "event.showing."
	    "showing_time_zone_utc_offset is not a 32-bit integer"),
	BAD("bad-offset-small.json", "event.showing."
	    "showing_time_zone_utc_offset is not a 32-bit integer"),
	BAD("bad-offset-huge.json", "event.showing."
	    "showing_time_zone_utc_offset is not a 32-bit integer"),
	BAD("bad-offset-exponent.json", "event.showing."
	    "showing_time_zone_utc_offset is not a 32-bit integer"),
	BAD("bad-offset-bool.json", "event.showing."
	    "showing_time_zone_utc_offset is a boolean, not an integer"),
	BAD("bad-time-now.json",
	    "event.created_at is not an ISO 8601 date-time: \"now\""),
	BAD("bad-time-epoch.json",
	    "event.showing.showtime is not an ISO 8601 date-time"),
	BAD("bad-time-month.json",
	    "event.showing.confirmed_at is not an ISO 8601 date-time"),
	BAD("bad-time-feb30-space.json", "event.showing.showtime is not an "
	    "ISO 8601 date-time: \"2026-02-30 10:00:00\""),
	BAD("bad-time-utc-no-space.json", "event.showing.showtime is not an "
	    "ISO 8601 date-time: \"2026-12-01 15:00:00UTC\""),
	BAD("bad-time-fraction-10.json", "event.showing.showtime is not an "
	    "ISO 8601 date-time: \"2026-12-01T15:00:00.1234567890Z\""),
	BAD("bad-time-quoted.json", "event.showing.showtime is not an ISO "
	    "8601 date-time: \"2026-12-01?15:00:00 ok \xc3\xa9 a long tail "
	    "th...\""),
	BAD("bad-time-number.json",
	    "event.created_at is a number, not an ISO 8601 string"),
	BAD("bad-time-infinity.json", "event.showing."
	    "self_show_code_distributed_at is not an ISO 8601 date-time"),
	BAD("bad-time-feb30.json",
	    "event.showing.created_at is not an ISO 8601 date-time"),
	BAD("bad-time-zone.json",
	    "event.created_at is not an ISO 8601 date-time"),

	/* Not a delivery at all. */
	BAD("bad-empty.json", "empty body"),
	BAD("bad-blank.json", "not JSON: parse error: premature EOF"),
	BAD("bad-top-array.json", "top level is an array, not an object"),
	BAD("bad-top-string.json", "top level is a string, not an object"),
	BAD("bad-top-null.json", "top level is null, not an object"),
	BAD("bad-top-number.json", "top level is a number, not an object"),
	BAD("bad-no-event.json", "no \"event\" object"),
	BAD("bad-empty-object.json", "no \"event\" object"),
	BAD("bad-event-null.json", "event is null, not an object"),
	BAD("bad-event-string.json", "event is a string, not an object"),
	BAD("bad-event-array.json", "event is an array, not an object"),
	BAD("bad-event-then-null.json", "event is null, not an object"),
	BAD("bad-truncated.json", "not JSON: parse error: premature EOF"),
	BAD("bad-truncated-object.json",
	    "not JSON: parse error: premature EOF"),
	BAD("bad-truncated-escape.json",
	    "not JSON: lexical error: invalid (non-hex)"),
	BAD("bad-trailing-garbage.json",
	    "not JSON: parse error: trailing garbage"),
	BAD("bad-two-documents.json",
	    "not JSON: parse error: trailing garbage"),
	BAD("bad-comment-block.json", "comments are not enabled"),
	BAD("bad-comment-line.json", "not JSON: parse error: trailing garbage"),
	BAD("bad-trailing-comma.json",
	    "not JSON: parse error: invalid object key"),
	BAD("bad-single-quotes.json", "not JSON: lexical error: invalid char"),
	BAD("bad-raw-newline.json", "invalid character inside string"),
	BAD("bad-bad-escape.json", "not JSON: lexical error: inside a string"),
	BAD("bad-bad-hex.json", "not JSON: lexical error: invalid (non-hex)"),
	BAD("bad-nan.json", "not JSON: lexical error: invalid char"),
	BAD("bad-leading-zero.json",
	    "not JSON: parse error: after key and value"),
	BAD("bad-bom.json", "not JSON: lexical error: invalid char"),
};

#define NFIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

/*
 * With SHOWMOJO_STRICT=1, the fixtures whose verdict or reason differs:
 * refused, with this reason (the program's reason before it read what a
 * Rails sender plausibly sends).  Every other fixture has the same outcome
 * in both modes.
 */
static const struct {
	const char	*file;
	const char	*why;
} strict_fixtures[] = {
	{ "ok-id-number.json", "event.id is a number, not a string" },
	{ "ok-uid-number.json",
	    "event.showing.uid is a number, not a string" },
	{ "ok-self-show-string.json",
	    "event.showing.is_self_show is a string, not a boolean" },
	{ "ok-self-show-number.json",
	    "event.showing.is_self_show is a number, not a boolean" },
	{ "ok-time-empty.json",
	    "event.showing.canceled_at is not an ISO 8601 date-time" },
	{ "ok-offset-empty.json", "event.showing."
	    "showing_time_zone_utc_offset is a string, not an integer" },
	{ "ok-rails-forms.json",
	    "event.team_member_uid is a number, not a string" },
	{ "bad-id-fraction.json", "event.id is a number, not a string" },
	{ "bad-id-exponent.json", "event.id is a number, not a string" },
	{ "bad-id-negative.json", "event.id is a number, not a string" },
	{ "bad-listing-uid-fraction.json",
	    "event.showing.listing_uid is a number, not a string" },
	{ "bad-self-show-yes.json",
	    "event.showing.is_self_show is a string, not a boolean" },
	{ "bad-self-show-two.json",
	    "event.showing.is_self_show is a number, not a boolean" },
	{ "bad-self-show-empty.json",
	    "event.showing.is_self_show is a string, not a boolean" },
	{ "bad-offset-string.json", "event.showing."
	    "showing_time_zone_utc_offset is a string, not an integer" },
	{ "bad-offset-string-fraction.json", "event.showing."
	    "showing_time_zone_utc_offset is a string, not an integer" },
};

#define NSTRICT (sizeof(strict_fixtures) / sizeof(strict_fixtures[0]))

/* tests/data and tests/data/parse under $top_srcdir. */
static char datadir[1024], parsedir[1024];

/* Whole file dir/name in a malloc'd buffer (NUL-terminated), or NULL. */
static char *
slurp(const char *dir, const char *name, size_t *len)
{
	char	 path[1024];
	FILE	*f;
	char	*buf = NULL;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) != NULL) {
		if (fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = n;
		}
	}
	fclose(f);
	return buf;
}

/* The outcome of parsing one body. */
struct outcome {
	enum smw_err		 err;
	char			 why[256];
	struct smw_event	 ev;
};

/*
 * Parse len bytes of body: a first chunk of cut bytes (none when cut is
 * SIZE_MAX; an empty one is fed when cut is 0), then the rest in chunks of
 * step bytes (all at once when step is 0).  o->ev is the caller's to free.
 */
/* Parse as SHOWMOJO_STRICT=1 does. */
static bool strict;

static void
parse_body(struct outcome *o, const char *body, size_t len, size_t cut,
    size_t step)
{
	struct smw_parse	 p;
	size_t			 off = 0, n;

	smw_event_init(&o->ev);
	o->why[0] = '\0';
	if ((o->err = smw_parse_init(&p, &o->ev)) != SMW_OK) {
		snprintf(o->why, sizeof(o->why), "smw_parse_init failed");
		return;
	}
	if (cut != SIZE_MAX) {
		o->err = smw_parse_feed(&p, body, cut);
		off = cut;
	}
	while (o->err == SMW_OK && off < len) {
		n = step == 0 || step > len - off ? len - off : step;
		o->err = smw_parse_feed(&p, body + off, n);
		off += n;
	}
	smw_parse_strict(&p, strict);
	if (o->err == SMW_OK || strict)
		o->err = smw_parse_finish(&p);
	snprintf(o->why, sizeof(o->why), "%s", smw_parse_why(&p));
	smw_parse_free(&p);
}

static bool
same_value(const struct smw_value *a, const struct smw_value *b)
{
	if (a->state != b->state || a->len != b->len)
		return false;
	if (a->text == NULL || b->text == NULL)
		return a->text == b->text;
	return memcmp(a->text, b->text, a->len + 1) == 0;
}

/* True when a and b hold the same fields; else names the first in *diff. */
static bool
same_event(const struct smw_event *a, const struct smw_event *b,
    const char **diff)
{
	for (size_t i = 0; i < SMW_EV__MAX; i++)
		if (!same_value(&a->ev[i], &b->ev[i])) {
			*diff = smw_ev_fields[i].name;
			return false;
		}
	for (size_t i = 0; i < SMW_SH__MAX; i++)
		if (!same_value(&a->sh[i], &b->sh[i])) {
			*diff = smw_sh_fields[i].name;
			return false;
		}
	*diff = "";
	return true;
}

static const char *const state_names[] = { "absent", "null", "value" };

/* A field's state and text as the parser left them. */
static const struct smw_value *
field(const struct smw_event *ev, char obj, int i)
{
	return obj == 'e' ? &ev->ev[i] : &ev->sh[i];
}

static const char *
field_name(char obj, int i)
{
	return obj == 'e' ? smw_ev_fields[i].name : smw_sh_fields[i].name;
}

/* The value's text matches want (NULL: no text) exactly, length included. */
static bool
text_is(const struct smw_value *v, const char *want)
{
	if (want == NULL)
		return v->text == NULL && v->len == 0;
	return v->text != NULL && v->len == strlen(want) &&
	    strcmp(v->text, want) == 0;
}

/* Every fixture, parsed whole, has the outcome its table entry says. */
static void
test_fixtures(void)
{
	for (size_t i = 0; i < NFIXTURES; i++) {
		const struct fixture	*f = &fixtures[i];
		struct outcome		 o;
		char			*body;
		size_t			 len = 0;
		bool			 listed[2][SMW_SH__MAX + SMW_EV__MAX];

		if ((body = slurp(parsedir, f->file, &len)) == NULL) {
			ok(0, "%s: readable", f->file);
			continue;
		}
		parse_body(&o, body, len, SIZE_MAX, 0);
		if (!is_int(o.err, f->err, f->file))
			printf("#   reason: %s\n", o.why);
		if (f->err != SMW_OK) {
			if (!ok(strstr(o.why, f->why) != NULL &&
			    strchr(o.why, '\n') == NULL, "%s: reason", f->file))
				printf("#   got \"%s\"\n#   want \"%s\"\n",
				    o.why, f->why);
		} else {
			is_str(o.why, "", "no reason");
			memset(listed, 0, sizeof(listed));
			for (const struct want *w = f->want; w->obj != 0; w++) {
				const struct smw_value *v = field(&o.ev,
				    w->obj, w->field);
				listed[w->obj == 's'][w->field] = true;
				if (!ok(v->state == w->state &&
				    text_is(v, w->text), "%s: %s %s", f->file,
				    field_name(w->obj, w->field),
				    state_names[w->state]))
					printf("#   got %s \"%s\"\n",
					    state_names[v->state],
					    v->text ? v->text : "(null)");
			}
			if (f->only) {
				int	 extra = 0;

				for (int k = 0; k < SMW_EV__MAX; k++)
					extra += !listed[0][k] &&
					    o.ev.ev[k].state != SMW_ABSENT;
				for (int k = 0; k < SMW_SH__MAX; k++)
					extra += !listed[1][k] &&
					    o.ev.sh[k].state != SMW_ABSENT;
				is_int(extra, 0, "other fields absent");
			}
		}
		smw_event_free(&o.ev);
		free(body);
	}
}

/*
 * The same fixtures as SHOWMOJO_STRICT=1 reads them: those listed in
 * strict_fixtures are refused with exactly the reason given there, every
 * other one has the outcome of the default mode and its fields; its
 * reason is the same, or the same without the value quoted after it (the
 * program's reason before it read more).
 */
static void
test_fixtures_strict(void)
{
	int	 unknown = 0;

	for (size_t i = 0; i < NFIXTURES; i++) {
		const char	*file = fixtures[i].file, *want = NULL;
		const char	*diff = "";
		struct outcome	 t, o;
		char		*body;
		size_t		 len = 0;

		if ((body = slurp(parsedir, file, &len)) == NULL) {
			ok(0, "%s: readable", file);
			continue;
		}
		for (size_t k = 0; k < NSTRICT; k++)
			if (strcmp(strict_fixtures[k].file, file) == 0)
				want = strict_fixtures[k].why;
		strict = false;
		parse_body(&t, body, len, SIZE_MAX, 0);
		strict = true;
		parse_body(&o, body, len, SIZE_MAX, 0);
		strict = false;
		if (want != NULL) {
			if (!ok(o.err == SMW_EINPUT && strcmp(o.why, want) ==
			    0, "strict: %s refused, reason", file))
				printf("#   got %d \"%s\"\n#   want \"%s\"\n",
				    o.err, o.why, want);
		} else if (!ok(o.err == t.err &&
		    strncmp(o.why, t.why, strlen(o.why)) == 0 &&
		    (t.why[strlen(o.why)] == '\0' ||
		    strncmp(t.why + strlen(o.why), ": ", 2) == 0) &&
		    (t.err != SMW_OK || same_event(&o.ev, &t.ev, &diff)),
		    "strict: %s as by default", file))
			printf("#   strict %d \"%s\", default %d \"%s\" (%s)\n",
			    o.err, o.why, t.err, t.why, diff);
		smw_event_free(&t.ev);
		smw_event_free(&o.ev);
		free(body);
	}
	for (size_t k = 0; k < NSTRICT; k++) {
		size_t	 i;

		for (i = 0; i < NFIXTURES; i++)
			if (strcmp(fixtures[i].file, strict_fixtures[k].file) ==
			    0)
				break;
		unknown += i == NFIXTURES;
	}
	is_int(unknown, 0, "strict: every entry names a fixture");
}

/* Every *.json in the fixture directory has a table entry. */
static void
test_fixtures_listed(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 files = 0, unlisted = 0;

	if ((d = opendir(parsedir)) == NULL) {
		ok(0, "open %s", parsedir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t	 n = strlen(de->d_name), i;

		if (n < 5 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		files++;
		for (i = 0; i < NFIXTURES; i++)
			if (strcmp(fixtures[i].file, de->d_name) == 0)
				break;
		if (i == NFIXTURES) {
			printf("# %s has no table entry\n", de->d_name);
			unlisted++;
		}
	}
	closedir(d);
	is_int(unlisted, 0, "every fixture has an expected outcome");
	is_int(files, NFIXTURES, "every table entry has a fixture");
}

/*
 * The outcome of body does not depend on how it is cut into chunks: split
 * in two at every offset, and one byte at a time.  On success the events
 * are equal field by field; on failure code and reason are.
 */
static void
test_chunks_of(const char *name, const char *body, size_t len)
{
	struct outcome	 whole, o;
	const char	*diff = "";
	size_t		 bad = SIZE_MAX;

	parse_body(&whole, body, len, SIZE_MAX, 0);
	for (size_t cut = 0; cut <= len && bad == SIZE_MAX; cut++) {
		parse_body(&o, body, len, cut, 0);
		if (o.err != whole.err || strcmp(o.why, whole.why) != 0 ||
		    (whole.err == SMW_OK && !same_event(&o.ev, &whole.ev,
		    &diff)))
			bad = cut;
		smw_event_free(&o.ev);
	}
	if (!ok(bad == SIZE_MAX, "%s: split in two at every offset", name))
		printf("#   differs when cut at %zu (field \"%s\")\n", bad,
		    diff);
	parse_body(&o, body, len, SIZE_MAX, 1);
	if (!ok(o.err == whole.err && strcmp(o.why, whole.why) == 0 &&
	    (whole.err != SMW_OK || same_event(&o.ev, &whole.ev, &diff)),
	    "%s: one byte at a time", name))
		printf("#   got %d \"%s\", whole %d \"%s\" (field \"%s\")\n",
		    o.err, o.why, whole.err, whole.why, diff);
	smw_event_free(&o.ev);
	smw_event_free(&whole.ev);
}

static void
test_chunks(const char *sample, size_t samplelen)
{
	test_chunks_of("sample.json", sample, samplelen);
	for (size_t i = 0; i < NFIXTURES; i++) {
		char	*body;
		size_t	 len = 0;

		if ((body = slurp(parsedir, fixtures[i].file, &len)) == NULL) {
			ok(0, "%s: readable", fixtures[i].file);
			continue;
		}
		test_chunks_of(fixtures[i].file, body, len);
		free(body);
	}
}

/* The real-shaped sample delivery, field by field. */
static void
test_sample(const char *sample, size_t len)
{
	static const struct want want[] = {
		EV(ID, VALUE, "1001"), EV(ACTION, VALUE, "confirm"),
		EV(ACTOR, VALUE, "prospect"),
		EV(TEAM_MEMBER_NAME, VALUE, "Dana Reyes"),
		EV(TEAM_MEMBER_UID, VALUE, "tm-7"),
		EV(CREATED_AT, VALUE, "2026-11-20T15:04:05-05:00"),
		EV(SHOWING, VALUE, NULL),
		SH(UID, VALUE, "sh-42"),
		SH(CREATED_AT, VALUE, "2026-11-19T09:00:00-05:00"),
		SH(SHOWTIME, VALUE, "2026-11-22T14:30:00-05:00"),
		SH(TIME_ZONE, VALUE, "Eastern Time (US & Canada)"),
		SH(TIME_ZONE_UTC_OFFSET, VALUE, "-18000"),
		SH(NAME, VALUE, "Jordan Smith"),
		SH(PHONE, VALUE, "+1 555 0100"),
		SH(EMAIL, VALUE, "jordan@example.com"),
		SH(NOTES, VALUE,
		    "Caf\xc3\xa9 owner, two cats \xf0\x9f\x90\xb1"),
		SH(LISTING_UID, VALUE, "lst-9"),
		SH(LISTING_FULL_ADDRESS, VALUE,
		    "12 Elm St, Springfield, IL 62701"),
		SH(IS_SELF_SHOW, VALUE, "false"),
		SH(CONFIRMED_AT, VALUE, "2026-11-20T15:04:05-05:00"),
		SH(CANCELED_AT, NULL, NULL),
		SH(SELF_SHOW_CODE_DISTRIBUTED_AT, NULL, NULL),
	};
	struct smw_event	 ev;
	char			 why[64];

	smw_event_init(&ev);
	is_int(smw_parse_buffer(&ev, sample, len, why, sizeof(why)), SMW_OK,
	    "sample.json parses");
	is_str(why, "", "sample.json: no reason");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct smw_value *v = field(&ev, want[i].obj,
		    want[i].field);
		if (!ok(v->state == want[i].state && text_is(v, want[i].text),
		    "sample.json: %s", field_name(want[i].obj, want[i].field)))
			printf("#   got %s \"%s\"\n", state_names[v->state],
			    v->text ? v->text : "(null)");
	}
	smw_event_free(&ev);
	smw_event_free(&ev);
	is_int(ev.ev[SMW_EV_ID].state, SMW_ABSENT, "event free twice");
}

/*
 * Per-field matrix.  A plan says the state of every known field; the body
 * is written from it and the parsed event compared with it.
 */
struct plan {
	enum smw_presence	 ev[SMW_EV__MAX];
	enum smw_presence	 sh[SMW_SH__MAX];
};

/* The text a field carries when it is a value: distinct per field. */
static void
field_text(char obj, int i, char *buf, size_t sz)
{
	const struct smw_field_def *d = obj == 'e' ? &smw_ev_fields[i] :
	    &smw_sh_fields[i];

	switch (d->type) {
	case SMW_T_TIME:
		snprintf(buf, sz, "2025-%02d-%02dT10:20:30%s",
		    obj == 'e' ? 1 : 2 + i % 10, 1 + i, obj == 'e' ? "Z" :
		    "-05:00");
		break;
	case SMW_T_INT:
		snprintf(buf, sz, "%d", -18000 - i);
		break;
	case SMW_T_BOOL:
		snprintf(buf, sz, "true");
		break;
	case SMW_T_STRING:
	case SMW_T_ID:
	case SMW_T_OBJECT:
	case SMW_T__MAX:
		snprintf(buf, sz, "%c-%s \xc3\xa9", obj, d->name);
		break;
	}
}

/* Append printf output to b (size sz). */
static void
put(char *b, size_t sz, const char *fmt, ...) SMW_PRINTF(3, 4);

static void
put(char *b, size_t sz, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n = strlen(b);

	va_start(ap, fmt);
	vsnprintf(b + n, sz - n, fmt, ap);
	va_end(ap);
}

static void
put_field(char *b, size_t sz, char obj, int i, enum smw_presence st,
    bool *first)
{
	const struct smw_field_def *d = obj == 'e' ? &smw_ev_fields[i] :
	    &smw_sh_fields[i];
	char	 text[128];

	if (st == SMW_ABSENT)
		return;
	put(b, sz, "%s\"%s\":", *first ? "" : ",", d->name);
	*first = false;
	if (st == SMW_NULL) {
		put(b, sz, "null");
		return;
	}
	field_text(obj, i, text, sizeof(text));
	if (d->type == SMW_T_STRING || d->type == SMW_T_ID ||
	    d->type == SMW_T_TIME)
		put(b, sz, "\"%s\"", text);
	else
		put(b, sz, "%s", text);
}

static void
plan_body(const struct plan *pl, char *b, size_t sz)
{
	bool	 first = true, shfirst = true;

	b[0] = '\0';
	put(b, sz, "{\"event\":{");
	for (int i = 0; i < SMW_EV__MAX; i++) {
		if (i != SMW_EV_SHOWING) {
			put_field(b, sz, 'e', i, pl->ev[i], &first);
			continue;
		}
		if (pl->ev[i] == SMW_ABSENT)
			continue;
		put(b, sz, "%s\"showing\":", first ? "" : ",");
		first = false;
		if (pl->ev[i] == SMW_NULL) {
			put(b, sz, "null");
			continue;
		}
		put(b, sz, "{");
		for (int k = 0; k < SMW_SH__MAX; k++)
			put_field(b, sz, 's', k, pl->sh[k], &shfirst);
		put(b, sz, "}");
	}
	put(b, sz, "}}");
}

/* Fields that differ from the plan, other than the one under test. */
static int
plan_mismatches(const struct plan *pl, const struct smw_event *ev,
    char tobj, int tidx)
{
	char	 text[128];
	int	 bad = 0;

	for (int i = 0; i < SMW_EV__MAX + SMW_SH__MAX; i++) {
		char obj = i < SMW_EV__MAX ? 'e' : 's';
		int k = i < SMW_EV__MAX ? i : i - SMW_EV__MAX;
		const struct smw_value *v = field(ev, obj, k);
		enum smw_presence st = obj == 'e' ? pl->ev[k] : pl->sh[k];

		if (obj == tobj && k == tidx)
			continue;
		field_text(obj, k, text, sizeof(text));
		if (v->state != st || !text_is(v, st != SMW_VALUE ||
		    (obj == 'e' && k == SMW_EV_SHOWING) ? NULL : text)) {
			printf("#   %s is %s\n", field_name(obj, k),
			    state_names[v->state]);
			bad++;
		}
	}
	return bad;
}

/*
 * Plan with the field under test in state st and every other field a
 * value (others) or absent; event.id is always a value and the showing
 * an object when a showing field is under test.
 */
static void
plan_make(struct plan *pl, char obj, int idx, enum smw_presence st,
    bool others)
{
	enum smw_presence o = others ? SMW_VALUE : SMW_ABSENT;

	for (int i = 0; i < SMW_EV__MAX; i++)
		pl->ev[i] = o;
	for (int i = 0; i < SMW_SH__MAX; i++)
		pl->sh[i] = o;
	pl->ev[SMW_EV_ID] = SMW_VALUE;
	if (obj == 'e')
		pl->ev[idx] = st;
	else {
		pl->sh[idx] = st;
		pl->ev[SMW_EV_SHOWING] = SMW_VALUE;
	}
	if (pl->ev[SMW_EV_SHOWING] != SMW_VALUE)
		for (int i = 0; i < SMW_SH__MAX; i++)
			pl->sh[i] = SMW_ABSENT;
}

static void
test_matrix_one(char obj, int idx, enum smw_presence st)
{
	struct plan	 pl;
	struct outcome	 o;
	char		 body[4096], text[128];
	const char	*want;

	/* A value alone among absent fields; null or absent among values. */
	plan_make(&pl, obj, idx, st, st != SMW_VALUE);
	plan_body(&pl, body, sizeof(body));
	parse_body(&o, body, strlen(body), SIZE_MAX, 0);
	if (obj == 'e' && idx == SMW_EV_ID && st != SMW_VALUE) {
		is_int(o.err, SMW_EINPUT, st == SMW_NULL ? "event.id null" :
		    "event.id absent");
		is_str(o.why, st == SMW_NULL ? "event.id is null" :
		    "event.id is missing", "event.id: reason");
		smw_event_free(&o.ev);
		return;
	}
	if (!is_int(o.err, SMW_OK, "body parses"))
		printf("#   %s\n#   %s\n", o.why, body);
	field_text(obj, idx, text, sizeof(text));
	want = st == SMW_VALUE && !(obj == 'e' && idx == SMW_EV_SHOWING) ?
	    text : NULL;
	if (!ok(field(&o.ev, obj, idx)->state == st, "%s%s as %s",
	    obj == 'e' ? "event." : "event.showing.", field_name(obj, idx),
	    state_names[st]))
		printf("#   got %s\n",
		    state_names[field(&o.ev, obj, idx)->state]);
	if (!ok(text_is(field(&o.ev, obj, idx), want), "%s%s as %s: text",
	    obj == 'e' ? "event." : "event.showing.", field_name(obj, idx),
	    state_names[st]))
		printf("#   got \"%s\"\n", field(&o.ev, obj, idx)->text ?
		    field(&o.ev, obj, idx)->text : "(null)");
	is_int(plan_mismatches(&pl, &o.ev, obj, idx), 0,
	    st == SMW_VALUE ? "every other field absent" :
	    "every other field as sent");
	smw_event_free(&o.ev);
}

static void
test_matrix(void)
{
	static const enum smw_presence states[] = {
		SMW_VALUE, SMW_NULL, SMW_ABSENT
	};
	struct plan	 pl;
	struct outcome	 o;
	char		 body[4096];

	for (size_t s = 0; s < 3; s++) {
		for (int i = 0; i < SMW_EV__MAX; i++)
			test_matrix_one('e', i, states[s]);
		for (int i = 0; i < SMW_SH__MAX; i++)
			test_matrix_one('s', i, states[s]);
	}

	/* Every field a value at once. */
	plan_make(&pl, 'e', SMW_EV_ID, SMW_VALUE, true);
	plan_body(&pl, body, sizeof(body));
	parse_body(&o, body, strlen(body), SIZE_MAX, 0);
	is_int(o.err, SMW_OK, "all fields: parses");
	is_int(plan_mismatches(&pl, &o.ev, 0, -1), 0, "all fields: values");
	smw_event_free(&o.ev);
}

/* Parse a body built here; check the code and the reason (when why). */
static void
check_str(const char *body, enum smw_err err, const char *why,
    const char *name)
{
	struct outcome	 o;

	parse_body(&o, body, strlen(body), SIZE_MAX, 0);
	if (!is_int(o.err, err, name))
		printf("#   reason: %s\n", o.why);
	if (why != NULL && !ok(strstr(o.why, why) != NULL, "%s: reason",
	    name))
		printf("#   got \"%s\"\n#   want \"%s\"\n", o.why, why);
	smw_event_free(&o.ev);
}

/*
 * Nesting: an unknown value that brings the document to exactly
 * SMW_PARSE_MAX_DEPTH open containers is accepted, one more is refused.
 * base is how many containers are open where the value sits.
 */
static void
test_depth_at(const char *pre, const char *post, int base, char open,
    const char *name)
{
	char		 body[8192];
	char		 close = open == '[' ? ']' : '}';
	struct outcome	 o;

	for (int extra = 0; extra <= 1; extra++) {
		int	 n = SMW_PARSE_MAX_DEPTH - base + extra;

		body[0] = '\0';
		put(body, sizeof(body), "%s", pre);
		for (int i = 0; i < n; i++)
			put(body, sizeof(body), open == '[' ? "[" :
			    "{\"a\":");
		put(body, sizeof(body), "1");
		for (int i = 0; i < n; i++)
			put(body, sizeof(body), "%c", close);
		put(body, sizeof(body), "%s", post);
		parse_body(&o, body, strlen(body), SIZE_MAX, 0);
		if (extra == 0) {
			if (!ok(o.err == SMW_OK, "%s: %d levels accepted",
			    name, SMW_PARSE_MAX_DEPTH))
				printf("#   %s\n", o.why);
			is_str(o.ev.ev[SMW_EV_ACTION].text, "after",
			    "field after the deep value is read");
		} else {
			char	 want[64];

			snprintf(want, sizeof(want),
			    "nested deeper than %d levels",
			    SMW_PARSE_MAX_DEPTH);
			is_int(o.err, SMW_EINPUT, "one level more refused");
			is_str(o.why, want, "reason");
		}
		smw_event_free(&o.ev);
	}
}

static void
test_depth(void)
{
	test_depth_at("{\"x\":", ",\"event\":{\"id\":\"1\",\"action\":"
	    "\"after\"}}", 1, '[', "arrays at the root");
	test_depth_at("{\"event\":{\"id\":\"1\",\"x\":", ",\"action\":"
	    "\"after\"}}", 2, '{', "objects in event");
	test_depth_at("{\"event\":{\"id\":\"1\",\"showing\":{\"x\":",
	    "},\"action\":\"after\"}}", 3, '[', "arrays in showing");
}

/* Numbers: the length and exponent limits, for unknown and known keys. */
static void
test_numbers(void)
{
	char	 body[512], num[256], want[64];

	memset(num, '7', SMW_PARSE_MAX_NUMBER);
	num[SMW_PARSE_MAX_NUMBER] = '\0';
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"n\":%s}}",
	    num);
	check_str(body, SMW_OK, NULL,
	    "number of the longest length accepted");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"n\":%s7}}",
	    num);
	snprintf(want, sizeof(want), "number longer than %d characters",
	    SMW_PARSE_MAX_NUMBER);
	check_str(body, SMW_EINPUT, want, "number too long");
	snprintf(body, sizeof(body), "{\"n\":-0.%s,\"event\":{\"id\":\"1\"}}",
	    num);
	check_str(body, SMW_EINPUT, want,
	    "fraction too long");

	snprintf(want, sizeof(want), "number exponent beyond %d",
	    SMW_PARSE_MAX_EXPONENT);
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"n\":1e%d}}",
	    SMW_PARSE_MAX_EXPONENT);
	check_str(body, SMW_OK, NULL, "largest exponent");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"n\":1e%d}}",
	    SMW_PARSE_MAX_EXPONENT + 1);
	check_str(body, SMW_EINPUT, want, "exponent too big");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"n\":"
	    "[2.5E+%d]}}", SMW_PARSE_MAX_EXPONENT + 1);
	check_str(body, SMW_EINPUT, want,
	    "exponent too big, E+");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"n\":"
	    "1e-%d}}", SMW_PARSE_MAX_EXPONENT);
	check_str(body, SMW_OK, NULL,
	    "smallest negative exponent");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"n\":"
	    "1e99999999999999999999}}");
	check_str(body, SMW_EINPUT, want,
	    "exponent past any integer type");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"n\":"
	    "1e0000000000000000000001}}");
	check_str(body, SMW_OK, NULL,
	    "exponent with leading zeros");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"1\",\"showing\":{"
	    "\"showing_time_zone_utc_offset\":1e%d}}}",
	    SMW_PARSE_MAX_EXPONENT + 1);
	check_str(body, SMW_EINPUT, want,
	    "exponent too big in a known field");
}

/* event.id: up to SMW_EVENT_ID_MAX bytes (not characters). */
static void
test_id_length(void)
{
	char	 body[1024], id[512];
	size_t	 i;

	memset(id, 'x', SMW_EVENT_ID_MAX);
	id[SMW_EVENT_ID_MAX] = '\0';
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"%s\"}}", id);
	check_str(body, SMW_OK, NULL, "event.id of 200 bytes");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"%sx\"}}", id);
	check_str(body, SMW_EINPUT,
	    "event.id is longer than 200 bytes", "event.id of 201 bytes");
	for (i = 0; i + 2 <= SMW_EVENT_ID_MAX; i += 2)
		memcpy(id + i, "\xc3\xa9", 2);
	id[i] = '\0';
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"%s\"}}", id);
	check_str(body, SMW_OK, NULL,
	    "event.id of 100 two-byte characters");
	snprintf(body, sizeof(body), "{\"event\":{\"id\":\"%s\\u00e9\"}}", id);
	check_str(body, SMW_EINPUT,
	    "event.id is longer than 200 bytes",
	    "event.id of 101 two-byte characters");
	check_str("{\"event\":{\"id\":\" \"}}", SMW_OK, NULL,
	    "event.id of one blank");
	check_str("{\"event\":{\"id\":\"1\",\"id\":\"\"}}", SMW_EINPUT,
	    "event.id is empty", "event.id repeated, last empty");
	check_str("{\"event\":{\"id\":\"\",\"id\":\"2\"}}", SMW_OK, NULL,
	    "event.id repeated, last set");
}

/* The checks of lib/event.c on their own. */
static void
test_value_check(void)
{
	static const struct {
		enum smw_type	 type;
		const char	*text;
		bool		 good;
	} cases[] = {
		{ SMW_T_TIME, "2024-01-01T00:00:00Z", true },
		{ SMW_T_TIME, "2024-01-01T00:00Z", true },
		{ SMW_T_TIME, "2024-01-01 00:00:00", true },
		{ SMW_T_TIME, "2024-12-31T23:59:59.999999999+15:59", true },
		{ SMW_T_TIME, "2024-01-01T00:00:00-0500", true },
		{ SMW_T_TIME, "2024-01-01T00:00:00+05", true },
		{ SMW_T_TIME, "0001-01-01T00:00:00Z", true },
		{ SMW_T_TIME, "2024-02-29T00:00:00Z", true },
		{ SMW_T_TIME, "2000-02-29T00:00:00Z", true },
		{ SMW_T_TIME, "2024-01-31T00:00:00Z", true },
		{ SMW_T_TIME, "2024-04-30T00:00:00Z", true },
		{ SMW_T_TIME, "2024-12-31T00:00:00Z", true },
		{ SMW_T_TIME, "now", false },
		{ SMW_T_TIME, "epoch", false },
		{ SMW_T_TIME, "infinity", false },
		{ SMW_T_TIME, "today", false },
		{ SMW_T_TIME, "", false },
		{ SMW_T_TIME, "2024-13-01T00:00:00Z", false },
		{ SMW_T_TIME, "2024-00-01T00:00:00Z", false },
		{ SMW_T_TIME, "2024-01-00T00:00:00Z", false },
		{ SMW_T_TIME, "2024-01-32T00:00:00Z", false },
		{ SMW_T_TIME, "2024-02-30T00:00:00Z", false },
		{ SMW_T_TIME, "2023-02-29T00:00:00Z", false },
		{ SMW_T_TIME, "1900-02-29T00:00:00Z", false },
		{ SMW_T_TIME, "2024-04-31T00:00:00Z", false },
		{ SMW_T_TIME, "2024-06-31T00:00:00Z", false },
		{ SMW_T_TIME, "2024-09-31T00:00:00Z", false },
		{ SMW_T_TIME, "2024-11-31T00:00:00Z", false },
		{ SMW_T_TIME, "0000-01-01T00:00:00Z", false },
		{ SMW_T_TIME, "2024-01-01T24:00:00Z", false },
		{ SMW_T_TIME, "2024-01-01T00:60:00Z", false },
		{ SMW_T_TIME, "2024-01-01T00:00:60Z", false },
		{ SMW_T_TIME, "2024-01-01T00:00:00.Z", false },
		{ SMW_T_TIME, "2024-01-01T00:00:00.1234567890Z", false },
		{ SMW_T_TIME, "2024-01-01T00:00:00+16:00", false },
		{ SMW_T_TIME, "2024-01-01T00:00:00+05:", false },
		{ SMW_T_TIME, "2024-01-01T00:00:00+5", false },
		{ SMW_T_TIME, "2024-01-01T00:00:00Zjunk", false },
		{ SMW_T_TIME, "2024-01-01T00:00:00 Z", false },
		{ SMW_T_TIME, "2024-1-01T00:00:00Z", false },
		{ SMW_T_TIME, "2024-01-01", false },
		{ SMW_T_TIME, "2024-01-01T00", false },
		{ SMW_T_TIME, " 2024-01-01T00:00:00Z", false },
		{ SMW_T_TIME, "20240101T000000Z", false },
		{ SMW_T_TIME, "2024-01-01T00:00:00 America/New_York", false },
		{ SMW_T_TIME, "2024-01-01 00:00:00 -0500", true },
		{ SMW_T_TIME, "2024-01-01 00:00:00 +05:30", true },
		{ SMW_T_TIME, "2024-01-01 00:00:00 -05", true },
		{ SMW_T_TIME, "2024-01-01 00:00:00 UTC", true },
		{ SMW_T_TIME, "2024-01-01T00:00:00.5 UTC", true },
		{ SMW_T_TIME, "2024-01-01 00:00 UTC", true },
		{ SMW_T_TIME, "2024-01-01 00:00:00UTC", false },
		{ SMW_T_TIME, "2024-01-01 00:00:00 utc", false },
		{ SMW_T_TIME, "2024-01-01 00:00:00 GMT", false },
		{ SMW_T_TIME, "2024-01-01 00:00:00  -0500", false },
		{ SMW_T_TIME, "2024-01-01 00:00:00 UTC ", false },
		{ SMW_T_TIME, "2024-01-01 00:00:00 ", false },
		{ SMW_T_TIME, "2024-01-01 00:00:00 +1600", false },
		{ SMW_T_INT, "0", true },
		{ SMW_T_INT, "-0", true },
		{ SMW_T_INT, "-18000", true },
		{ SMW_T_INT, "2147483647", true },
		{ SMW_T_INT, "-2147483648", true },
		{ SMW_T_INT, "2147483648", false },
		{ SMW_T_INT, "-2147483649", false },
		{ SMW_T_INT, "99999999999999999999", false },
		{ SMW_T_INT, "1.5", false },
		{ SMW_T_INT, "1e3", false },
		{ SMW_T_INT, "", false },
		{ SMW_T_INT, "-", false },
		{ SMW_T_INT, "+1", false },
		{ SMW_T_INT, " 1", false },
		{ SMW_T_STRING, "", true },
		{ SMW_T_ID, "", true },
		{ SMW_T_BOOL, "true", true },
		{ SMW_T_BOOL, "false", true },
		{ SMW_T_BOOL, "1", false },
	};
	const char	*why;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		ok(smw_value_check(cases[i].type, cases[i].text,
		    strlen(cases[i].text), &why) == cases[i].good &&
		    (cases[i].good || why != NULL), "%s \"%s\" %s",
		    cases[i].type == SMW_T_TIME ? "time" :
		    cases[i].type == SMW_T_INT ? "integer" :
		    cases[i].type == SMW_T_BOOL ? "boolean" : "value",
		    cases[i].text, cases[i].good ? "accepted" : "refused");
	}
	/* Only len bytes are read: a valid prefix of a longer buffer. */
	ok(smw_value_check(SMW_T_TIME, "2024-01-01T00:00:00Zjunk", 20, &why),
	    "time: length respected");
	ok(smw_value_check(SMW_T_INT, "123456", 3, &why),
	    "integer: length respected");
}

/*
 * smw_value_read: each field type with each JSON type and form it may
 * arrive as; what it reads as (SMW_ABSENT here: refused) and whether the
 * document's letter accepts it too.
 */
static void
test_reading(void)
{
	static const struct {
		enum smw_type		 type;
		enum smw_json		 j;
		const char		*in;
		enum smw_presence	 state;
		const char		*out;
		bool			 letter;
	} cases[] = {
		{ SMW_T_ID, SMW_J_STRING, "12345", SMW_VALUE, "12345", true },
		{ SMW_T_ID, SMW_J_STRING, "12345abc", SMW_VALUE, "12345abc",
		    true },
		{ SMW_T_ID, SMW_J_STRING, "", SMW_VALUE, "", true },
		{ SMW_T_ID, SMW_J_NUMBER, "12345", SMW_VALUE, "12345", false },
		{ SMW_T_ID, SMW_J_NUMBER, "0", SMW_VALUE, "0", false },
		{ SMW_T_ID, SMW_J_NUMBER, "98765432109876543210987654321",
		    SMW_VALUE, "98765432109876543210987654321", false },
		{ SMW_T_ID, SMW_J_NUMBER, "1.5", SMW_ABSENT, NULL, false },
		{ SMW_T_ID, SMW_J_NUMBER, "10.0", SMW_ABSENT, NULL, false },
		{ SMW_T_ID, SMW_J_NUMBER, "1e3", SMW_ABSENT, NULL, false },
		{ SMW_T_ID, SMW_J_NUMBER, "1E3", SMW_ABSENT, NULL, false },
		{ SMW_T_ID, SMW_J_NUMBER, "-5", SMW_ABSENT, NULL, false },
		{ SMW_T_ID, SMW_J_NUMBER, "-0", SMW_ABSENT, NULL, false },
		{ SMW_T_ID, SMW_J_BOOL, "true", SMW_ABSENT, NULL, false },
		{ SMW_T_ID, SMW_J_OBJECT, NULL, SMW_ABSENT, NULL, false },
		{ SMW_T_ID, SMW_J_NULL, NULL, SMW_NULL, NULL, true },
		{ SMW_T_TIME, SMW_J_STRING, "2026-12-01T15:00:00-05:00",
		    SMW_VALUE, "2026-12-01T15:00:00-05:00", true },
		{ SMW_T_TIME, SMW_J_STRING, "2026-12-01 15:00:00 -0500",
		    SMW_VALUE, "2026-12-01 15:00:00 -0500", false },
		{ SMW_T_TIME, SMW_J_STRING, "2026-12-01 15:00:00 UTC",
		    SMW_VALUE, "2026-12-01 15:00:00 UTC", false },
		{ SMW_T_TIME, SMW_J_STRING, "", SMW_NULL, NULL, false },
		{ SMW_T_TIME, SMW_J_STRING, " ", SMW_ABSENT, NULL, false },
		{ SMW_T_TIME, SMW_J_STRING, "2026-02-30 10:00:00", SMW_ABSENT,
		    NULL, false },
		{ SMW_T_TIME, SMW_J_NUMBER, "1764601200", SMW_ABSENT, NULL,
		    false },
		{ SMW_T_TIME, SMW_J_NULL, NULL, SMW_NULL, NULL, true },
		{ SMW_T_INT, SMW_J_NUMBER, "-18000", SMW_VALUE, "-18000",
		    true },
		{ SMW_T_INT, SMW_J_STRING, "-18000", SMW_VALUE, "-18000",
		    false },
		{ SMW_T_INT, SMW_J_STRING, "0", SMW_VALUE, "0", false },
		{ SMW_T_INT, SMW_J_STRING, "", SMW_NULL, NULL, false },
		{ SMW_T_INT, SMW_J_STRING, "-18000.5", SMW_ABSENT, NULL,
		    false },
		{ SMW_T_INT, SMW_J_STRING, " -18000", SMW_ABSENT, NULL, false },
		{ SMW_T_INT, SMW_J_STRING, "+18000", SMW_ABSENT, NULL, false },
		{ SMW_T_INT, SMW_J_STRING, "-18000s", SMW_ABSENT, NULL, false },
		{ SMW_T_INT, SMW_J_STRING, "2147483648", SMW_ABSENT, NULL,
		    false },
		{ SMW_T_INT, SMW_J_STRING, "-1e3", SMW_ABSENT, NULL, false },
		{ SMW_T_INT, SMW_J_NUMBER, "1.5", SMW_ABSENT, NULL, false },
		{ SMW_T_INT, SMW_J_BOOL, "true", SMW_ABSENT, NULL, false },
		{ SMW_T_BOOL, SMW_J_BOOL, "true", SMW_VALUE, "true", true },
		{ SMW_T_BOOL, SMW_J_BOOL, "false", SMW_VALUE, "false", true },
		{ SMW_T_BOOL, SMW_J_STRING, "true", SMW_VALUE, "true", false },
		{ SMW_T_BOOL, SMW_J_STRING, "false", SMW_VALUE, "false",
		    false },
		{ SMW_T_BOOL, SMW_J_NUMBER, "1", SMW_VALUE, "true", false },
		{ SMW_T_BOOL, SMW_J_NUMBER, "0", SMW_VALUE, "false", false },
		{ SMW_T_BOOL, SMW_J_STRING, "True", SMW_ABSENT, NULL, false },
		{ SMW_T_BOOL, SMW_J_STRING, "1", SMW_ABSENT, NULL, false },
		{ SMW_T_BOOL, SMW_J_STRING, "t", SMW_ABSENT, NULL, false },
		{ SMW_T_BOOL, SMW_J_STRING, "", SMW_ABSENT, NULL, false },
		{ SMW_T_BOOL, SMW_J_NUMBER, "2", SMW_ABSENT, NULL, false },
		{ SMW_T_BOOL, SMW_J_NUMBER, "1.0", SMW_ABSENT, NULL, false },
		{ SMW_T_BOOL, SMW_J_NUMBER, "-0", SMW_ABSENT, NULL, false },
		{ SMW_T_STRING, SMW_J_STRING, "x", SMW_VALUE, "x", true },
		{ SMW_T_STRING, SMW_J_NUMBER, "5550100", SMW_ABSENT, NULL,
		    false },
		{ SMW_T_OBJECT, SMW_J_OBJECT, NULL, SMW_VALUE, NULL, true },
		{ SMW_T_OBJECT, SMW_J_STRING, "", SMW_ABSENT, NULL, false },
	};
	struct smw_reading	 r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool	 got, want = cases[i].state != SMW_ABSENT;

		memset(&r, 0, sizeof(r));
		got = smw_value_read(cases[i].type, cases[i].j, cases[i].in,
		    cases[i].in != NULL ? strlen(cases[i].in) : 0, &r);
		if (!ok(got == want && (!want || (r.state == cases[i].state &&
		    (r.state != SMW_VALUE || cases[i].out == NULL ||
		    (r.len == strlen(cases[i].out) &&
		    memcmp(r.text, cases[i].out, r.len) == 0)))) &&
		    (want || r.why[0] != '\0') &&
		    (r.letter[0] == '\0') == cases[i].letter,
		    "read type %d from %s \"%s\": %s%s", cases[i].type,
		    smw_json_names[cases[i].j], cases[i].in ? cases[i].in : "",
		    want ? "read" : "refused",
		    cases[i].letter ? "" : ", not by the letter"))
			printf("#   got %d state %d \"%.*s\" why \"%s\" letter "
			    "\"%s\"\n", got, r.state, (int)r.len,
			    r.text ? r.text : "", r.why, r.letter);
	}
}

/*
 * The one UTF-8 validator (lib/util.c), which the parser and the
 * quarantine's text both use: the verdict, and the length, the index of
 * the offending byte or the bytes there.
 */
static void
test_utf8_seq(void)
{
	static const struct {
		const char	*s;
		size_t		 len;
		enum smw_utf8	 r;
		size_t		 n;
	} cases[] = {
		{ "a", 1, SMW_UTF8_OK, 1 },
		{ "", 0, SMW_UTF8_SHORT, 0 },
		{ "\xc3\xa9", 2, SMW_UTF8_OK, 2 },
		{ "\xe2\x82\xac", 3, SMW_UTF8_OK, 3 },
		{ "\xf0\x9f\x90\xb1", 4, SMW_UTF8_OK, 4 },
		{ "\xf4\x8f\xbf\xbf", 4, SMW_UTF8_OK, 4 },
		{ "\xf0\x9f\x90\xb1", 3, SMW_UTF8_SHORT, 3 },
		{ "\xe2\x82", 2, SMW_UTF8_SHORT, 2 },
		{ "\xc3", 1, SMW_UTF8_SHORT, 1 },
		{ "\x80", 1, SMW_UTF8_BAD, 0 },
		{ "\xc0\xaf", 2, SMW_UTF8_BAD, 0 },
		{ "\xc1\xbf", 2, SMW_UTF8_BAD, 0 },
		{ "\xf5\x80\x80\x80", 4, SMW_UTF8_BAD, 0 },
		{ "\xff", 1, SMW_UTF8_BAD, 0 },
		{ "\xc3(", 2, SMW_UTF8_BAD, 1 },
		{ "\xe2\x82(", 3, SMW_UTF8_BAD, 2 },
		{ "\xe0\x80\x80", 3, SMW_UTF8_BAD, 2 },
		{ "\xed\xa0\x80", 3, SMW_UTF8_BAD, 2 },
		{ "\xf0\x80\x80\x80", 4, SMW_UTF8_BAD, 3 },
		{ "\xf4\x90\x80\x80", 4, SMW_UTF8_BAD, 3 },
	};
	size_t	 n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum smw_utf8 r = smw_utf8_seq((const unsigned char *)
		    cases[i].s, cases[i].len, &n);
		if (!ok(r == cases[i].r && n == cases[i].n,
		    "smw_utf8_seq case %zu", i))
			printf("#   got %d %zu, want %d %zu\n", r, n,
			    cases[i].r, cases[i].n);
	}
}

/* After a failure, feeding and finishing change nothing. */
static void
test_sticky(void)
{
	struct smw_event	 ev;
	struct smw_parse	 p;
	char			 why[256];
	static const char	 bad[] =
	    "{\"event\":{\"id\":\"1\",\"x\":\"\\u0000";
	static const char	 rest[] = "\"},\"more\":1}";

	smw_event_init(&ev);
	if (smw_parse_init(&p, &ev) != SMW_OK) {
		ok(0, "smw_parse_init");
		return;
	}
	is_str(smw_parse_why(&p), "", "no reason before a failure");
	is_int(smw_parse_feed(&p, bad, sizeof(bad) - 1), SMW_EINPUT,
	    "failure");
	snprintf(why, sizeof(why), "%s", smw_parse_why(&p));
	is_int(smw_parse_feed(&p, rest, sizeof(rest) - 1), SMW_EINPUT,
	    "feed after failure: same code");
	is_str(smw_parse_why(&p), why, "feed after failure: same reason");
	is_int(smw_parse_finish(&p), SMW_EINPUT,
	    "finish after failure: same code");
	is_str(smw_parse_why(&p), why, "finish after failure: same reason");
	smw_parse_free(&p);
	ok(p.y == NULL, "smw_parse_free: the yajl handle is released");
	smw_parse_free(&p);
	smw_parse_free(NULL);
	ok(p.y == NULL && p.err == SMW_EINPUT,
	    "smw_parse_free twice and with NULL: nothing freed twice, "
	    "the failure still recorded");
	smw_event_free(&ev);
	smw_event_free(NULL);

	/* A short why buffer gets a truncated, terminated reason. */
	smw_event_init(&ev);
	memset(why, 'z', sizeof(why));
	is_int(smw_parse_buffer(&ev, "[]", 2, why, 8), SMW_EINPUT,
	    "smw_parse_buffer: failure");
	is_str(why, "top lev", "smw_parse_buffer: reason cut to its buffer");
	smw_event_free(&ev);
}

/*
 * Every call lib/parse.c makes to yajl_parse comes here first (the test is
 * linked with -Wl,--wrap=yajl_parse); while calls.on, the offset in the
 * body where each call ends is noted.
 */
static struct {
	bool	 on;
	size_t	 given;		/* bytes handed to yajl */
	size_t	*ends;
	size_t	 n, cap;
} calls;

yajl_status __real_yajl_parse(yajl_handle, const unsigned char *, size_t);
yajl_status __wrap_yajl_parse(yajl_handle, const unsigned char *, size_t);

yajl_status
__wrap_yajl_parse(yajl_handle h, const unsigned char *s, size_t len)
{
	if (calls.on) {
		if (calls.n == calls.cap) {
			calls.cap = calls.cap == 0 ? 1024 : calls.cap * 2;
			if ((calls.ends = realloc(calls.ends,
			    calls.cap * sizeof(*calls.ends))) == NULL)
				abort();
		}
		calls.given += len;
		calls.ends[calls.n++] = calls.given;
	}
	return __real_yajl_parse(h, s, len);
}

static bool
space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * What the noted calls cost yajl's lexer (yajl_lex.c): each byte once, and
 * at every call after the first, the whole token the previous call ended
 * in or before (yajl copies a call's first token into its buffer, and a
 * token a call ends in is lexed again from its start by the next).  The
 * tokens are found here, not by lib/parse.c: strings with their escapes,
 * one-byte tokens, and runs of other bytes.
 */
static size_t
yajl_cost(const char *b, size_t len)
{
	size_t	 cost = len, j = 0, i = 0, start;

	while (i < len && j < calls.n) {
		if (space(b[i])) {
			i++;
			continue;
		}
		start = i;
		if (b[i] == '"') {
			for (i++; i < len && b[i] != '"'; i++)
				if (b[i] == '\\')
					i++;
			i = i < len ? i + 1 : len;
		} else if (strchr(",:{}[]", b[i]) != NULL)
			i++;
		else
			while (i < len && !space(b[i]) && b[i] != '"' &&
			    strchr(",:{}[]", b[i]) == NULL)
				i++;
		for (; j < calls.n && calls.ends[j] < i; j++)
			cost += i - start;
	}
	return cost;
}

/*
 * body (len bytes) fed in chunks of step bytes: the outcome is err (and
 * the reason contains why), every byte reaches yajl once, and both the
 * parser's loops and yajl's lexer do at most 3 * len bytes of work.  The
 * event is left in ev for the caller to check and free.
 */
static void
test_linear_one(const char *name, const char *body, size_t len, size_t step,
    enum smw_err err, const char *why, struct smw_event *ev)
{
	struct smw_parse	 p;
	enum smw_err		 got;
	size_t			 cost;

	calls.on = true;
	calls.n = calls.given = 0;
	smw_event_init(ev);
	got = smw_parse_init(&p, ev);
	for (size_t off = 0, n; got == SMW_OK && off < len; off += n) {
		n = len - off < step ? len - off : step;
		got = smw_parse_feed(&p, body + off, n);
	}
	if (got == SMW_OK)
		got = smw_parse_finish(&p);
	calls.on = false;
	cost = yajl_cost(body, len);
	if (!ok(got == err && strstr(smw_parse_why(&p), why) != NULL,
	    "%s, %zu-byte chunks: %s", name, step, smw_err_name(err)))
		printf("#   got %s \"%s\"\n", smw_err_name(got),
		    smw_parse_why(&p));
	if (err == SMW_OK && !ok(calls.given == len, "%s, %zu-byte chunks: "
	    "every byte reaches yajl once", name, step))
		printf("#   %zu bytes for %zu\n", calls.given, len);
	ok(p.visited <= 3 * (uint64_t)len, "%s, %zu-byte chunks: the "
	    "parser's loops visit at most 3 bytes a byte", name, step);
	ok(cost <= 3 * len, "%s, %zu-byte chunks: yajl lexes at most 3 "
	    "bytes a byte", name, step);
	printf("#   %zu bytes: the parser visited %llu, yajl lexed %zu in %zu "
	    "calls\n", len, (unsigned long long)p.visited, cost, calls.n);
	smw_parse_free(&p);
}

/*
 * Bodies that are one string, or carry one long string (a known field
 * with escapes and UTF-8, an unknown key), one long number or a long run
 * of white space: of 256 KiB fed as the request reader feeds them (16 KiB)
 * and in odd chunks, of 16 KiB a byte at a time.  Before the parser held
 * cut tokens back, yajl lexed a string again from its start at every
 * chunk, which yajl_cost counts as 16 bytes a byte at 16 KiB, 65 at 4093
 * and 16384 at 1.
 */
static void
test_linear(const char *sample, size_t samplelen)
{
	static const struct {
		size_t	 size, step;
	} runs[] = { { 256 << 10, 16384 }, { 256 << 10, 4093 },
	    { 16 << 10, 1 } };
	static const char	 piece[] = "Caf\xc3\xa9 \\u00e9\\n\\\"";
	static const char	 text[] = "Caf\xc3\xa9 \xc3\xa9\n\"";
	const char		*notes = strstr(sample, "\"notes\": \"");
	const char		*rest = strchr(notes + 10, '"');
	char			*b, *want;
	size_t			 len, big, reps, wl;
	struct smw_event	 ev;

	if ((b = malloc((256 << 10) + samplelen + 64)) == NULL ||
	    (want = malloc(256 << 10)) == NULL)
		abort();
	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		big = runs[k].size;
		reps = big / (sizeof(piece) - 1);
		/* The body is one string. */
		b[0] = '"';
		memset(b + 1, 'x', big - 2);
		b[big - 1] = '"';
		test_linear_one("one string", b, big, runs[k].step, SMW_EINPUT,
		    "top level is a string, not an object", &ev);
		smw_event_free(&ev);

		/* showing.notes: escapes and UTF-8, read whole. */
		len = (size_t)(notes - sample) + 10;
		memcpy(b, sample, len);
		wl = 0;
		for (size_t r = 0; r < reps; r++) {
			memcpy(b + len, piece, sizeof(piece) - 1);
			len += sizeof(piece) - 1;
			memcpy(want + wl, text, sizeof(text) - 1);
			wl += sizeof(text) - 1;
		}
		memcpy(b + len, rest, samplelen - (size_t)(rest - sample));
		len += samplelen - (size_t)(rest - sample);
		test_linear_one("a long showing.notes", b, len, runs[k].step,
		    SMW_OK, "", &ev);
		ok(ev.sh[SMW_SH_NOTES].len == wl &&
		    memcmp(ev.sh[SMW_SH_NOTES].text, want, wl) == 0,
		    "a long showing.notes: its %zu bytes, unescaped", wl);
		smw_event_free(&ev);

		/* The same value under a key no one reads. */
		memcpy(b + (notes - sample) + 1, "nXtes", 5);
		test_linear_one("a long unknown value", b, len, runs[k].step,
		    SMW_OK, "", &ev);
		is_int(ev.sh[SMW_SH_NOTES].state, SMW_ABSENT,
		    "a long unknown value: notes absent");
		smw_event_free(&ev);

		/* A number of 256 KiB digits. */
		len = (size_t)sprintf(b, "{\"event\":{\"id\":\"1\",\"n\":");
		memset(b + len, '7', big);
		len += big;
		len += (size_t)sprintf(b + len, "}}");
		test_linear_one("a long number", b, len, runs[k].step,
		    SMW_EINPUT, "number longer than", &ev);
		smw_event_free(&ev);

		/* White space between two values. */
		len = (size_t)sprintf(b, "{\"event\":{\"id\":\"1\",\"n\":");
		memset(b + len, ' ', big);
		len += big;
		len += (size_t)sprintf(b + len, "1}}");
		test_linear_one("a long run of white space", b, len,
		    runs[k].step, SMW_OK, "", &ev);
		smw_event_free(&ev);
	}
	free(want);
	free(b);
	free(calls.ends);
	calls.ends = NULL;
	calls.cap = 0;
}

/*
 * Each allocation in turn fails: the parse ends in SMW_ENOMEM with nothing
 * leaked (ASan and valgrind see leaks), or succeeds with the whole event.
 * Runs until the failure point lies past the last allocation.
 */
static void
test_alloc_failures(const char *sample, size_t len, size_t step,
    const char *name)
{
	struct outcome	 ref, o;
	const char	*diff = "";
	unsigned long	 n, left;
	int		 bad = 0, failed = 0;

	parse_body(&ref, sample, len, SIZE_MAX, step);
	for (n = 1; n < 100000; n++) {
		smw_alloc_fail_at = n;
		parse_body(&o, sample, len, SIZE_MAX, step);
		left = smw_alloc_fail_at;
		smw_alloc_fail_at = 0;
		if (o.err == SMW_ENOMEM) {
			failed++;
			if (strcmp(o.why, "out of memory") != 0) {
				printf("#   n=%lu: reason \"%s\"\n", n, o.why);
				bad++;
			}
		} else if (o.err != SMW_OK || left == 0 ||
		    !same_event(&o.ev, &ref.ev, &diff)) {
			printf("#   n=%lu: %s \"%s\" (field \"%s\")\n", n,
			    smw_err_name(o.err), o.why, diff);
			bad++;
		}
		smw_event_free(&o.ev);
		if (left > 0)
			break;
	}
	smw_event_free(&ref.ev);
	ok(failed > 0, "%s: some allocations failed (%d runs)", name, failed);
	is_int(bad, 0, name);
}

int
main(void)
{
	const char	*top = getenv("top_srcdir");
	char		*sample;
	size_t		 samplelen = 0;

	snprintf(datadir, sizeof(datadir), "%s/tests/data", top ? top : ".");
	snprintf(parsedir, sizeof(parsedir), "%s/tests/data/parse",
	    top ? top : ".");
	if ((sample = slurp(datadir, "sample.json", &samplelen)) == NULL) {
		printf("Bail out! cannot read %s/sample.json "
		    "(set top_srcdir)\n", datadir);
		return 1;
	}

	test_sample(sample, samplelen);
	test_fixtures_listed();
	test_fixtures();
	test_fixtures_strict();
	test_matrix();
	test_depth();
	test_numbers();
	test_id_length();
	test_value_check();
	test_reading();
	test_utf8_seq();
	test_sticky();
	test_chunks(sample, samplelen);
	test_linear(sample, samplelen);
	test_alloc_failures(sample, samplelen, 0, "allocation failures");
	test_alloc_failures(sample, samplelen, 3,
	    "allocation failures, 3-byte chunks");
	free(sample);
	return done();
}
