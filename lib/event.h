/* SPDX-License-Identifier: MIT */
/*
 * The delivery as plain data: the event, and the showing it may carry.
 * Every known field is absent (not sent), null (sent as null) or a value,
 * kept as the text it arrived as.  Knows nothing of yajl or libpq.
 */
#ifndef SMW_EVENT_H
#define SMW_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * What JSON type a known field must have, and what its text must look like,
 * to the document's letter; smw_value_read says what else is read.
 */
enum smw_type {
	SMW_T_STRING,	/* any string */
	SMW_T_ID,	/* a string (also a JSON integer, digits only) */
	SMW_T_TIME,	/* ISO 8601 date-time string */
	SMW_T_INT,	/* JSON number that is an integer in 32 bits */
	SMW_T_BOOL,	/* true or false */
	SMW_T_OBJECT,	/* a JSON object (the showing) */
	SMW_T__MAX
};

/* The JSON type of a value as it arrived. */
enum smw_json {
	SMW_J_NULL,
	SMW_J_BOOL,
	SMW_J_NUMBER,
	SMW_J_STRING,
	SMW_J_OBJECT,
	SMW_J_ARRAY,
	SMW_J__MAX
};

/* "null", "a boolean", "a number", ... */
extern const char *const smw_json_names[SMW_J__MAX];

enum smw_presence {
	SMW_ABSENT = 0,
	SMW_NULL,
	SMW_VALUE
};

/* Known fields of "event". */
enum smw_ev_field {
	SMW_EV_ID,
	SMW_EV_ACTION,
	SMW_EV_ACTOR,
	SMW_EV_TEAM_MEMBER_NAME,
	SMW_EV_TEAM_MEMBER_UID,
	SMW_EV_CREATED_AT,
	SMW_EV_SHOWING,
	SMW_EV__MAX
};

/* Known fields of "event.showing". */
enum smw_sh_field {
	SMW_SH_UID,
	SMW_SH_CREATED_AT,
	SMW_SH_SHOWTIME,
	SMW_SH_TIME_ZONE,
	SMW_SH_TIME_ZONE_UTC_OFFSET,
	SMW_SH_NAME,
	SMW_SH_PHONE,
	SMW_SH_EMAIL,
	SMW_SH_NOTES,
	SMW_SH_LISTING_UID,
	SMW_SH_LISTING_FULL_ADDRESS,
	SMW_SH_IS_SELF_SHOW,
	SMW_SH_CONFIRMED_AT,
	SMW_SH_CANCELED_AT,
	SMW_SH_SELF_SHOW_CODE_DISTRIBUTED_AT,
	SMW_SH__MAX
};

struct smw_field_def {
	const char	*name;
	enum smw_type	 type;
};

extern const struct smw_field_def smw_ev_fields[SMW_EV__MAX];
extern const struct smw_field_def smw_sh_fields[SMW_SH__MAX];

/* One field: its presence and, for SMW_VALUE, its text (NUL-terminated). */
struct smw_value {
	enum smw_presence	 state;
	char			*text;
	size_t			 len;
};

/* Longest event.id accepted; longer ones are not a ShowMojo id. */
#define SMW_EVENT_ID_MAX 200

struct smw_event {
	/* ev[SMW_EV_SHOWING]: whether "showing" came; its text is unused. */
	struct smw_value	 ev[SMW_EV__MAX];
	struct smw_value	 sh[SMW_SH__MAX];
};

/* Empty event: every field absent. */
void smw_event_init(struct smw_event *);

/* Release every field's text; accepts NULL, may be called twice. */
void smw_event_free(struct smw_event *);

/* Back to absent, releasing the text. */
void smw_value_clear(struct smw_value *);

/*
 * Set a field to a value (copying len bytes of text) or to null (text NULL).
 * A field set twice (a duplicate key) keeps the last value, as jsonb does.
 */
enum smw_err smw_value_set(struct smw_value *, const char *text, size_t len)
    SMW_MUSTCHECK;

/*
 * Check that the text of a value of the given type, as smw_value_read
 * leaves it, is acceptable: an ISO 8601 date-time for SMW_T_TIME, a 32-bit
 * integer for SMW_T_INT, true or false for SMW_T_BOOL.  On failure returns
 * false and points *why at a static reason.
 */
bool smw_value_check(enum smw_type, const char *text, size_t len,
    const char **why);

/* How a value of a known field reads; see smw_value_read. */
struct smw_reading {
	enum smw_presence	 state;		/* SMW_VALUE or SMW_NULL */
	const char		*text;		/* SMW_VALUE: normalised text */
	size_t			 len;
	/* Why the document's letter refuses it ("": it does not). */
	char			 letter[64];
	/* Refused: why, and whether the value is worth quoting after it. */
	char			 why[64];
	bool			 quote;
};

/*
 * Read a value (JSON type j, text s of len bytes: a string's contents or a
 * number's token; NULL for the others) of a known field of a type, as a
 * Rails sender plausibly writes it where the meaning is beyond doubt:
 *   SMW_T_ID: a string, or a JSON integer without sign, fraction or
 *     exponent (its decimal text: 12345 and "12345" are the same id);
 *   SMW_T_TIME: a string holding an ISO 8601 / RFC 3339 date-time, 'T' or
 *     a space between date and time, seconds optional, up to 9 fraction
 *     digits, offset Z, +hh:mm, +hhmm, +hh, " +hhmm" or " UTC" (Ruby's
 *     Time#to_s), or none (UTC); the empty string is null;
 *   SMW_T_INT: a 32-bit integer as a JSON number or as a string ("-18000");
 *     the empty string is null;
 *   SMW_T_BOOL: true/false, "true"/"false", 0/1 (text "true" or "false");
 *   SMW_T_STRING: a string.
 *   SMW_T_OBJECT: an object (its text is not kept).
 * null is null for every type.  Returns true with r->state and r->text
 * (pointing into s, or at a static string) set; r->letter says whether the
 * document's letter (SHOWMOJO_STRICT=1) refuses it all the same ("is a
 * number, not a string").  Returns false when the value cannot be read:
 * r->why says why ("is not an ISO 8601 date-time", to follow the field's
 * name), r->quote whether s is worth quoting after it, and r->letter is
 * set too.
 */
bool smw_value_read(enum smw_type, enum smw_json j, const char *s,
    size_t len, struct smw_reading *r);

/*
 * Check what only the whole event can tell: event.id present, a string,
 * non-empty, not longer than SMW_EVENT_ID_MAX.  On failure SMW_EINPUT and
 * a static reason in *why.
 */
enum smw_err smw_event_validate(const struct smw_event *, const char **why)
    SMW_MUSTCHECK;

#endif
