/* SPDX-License-Identifier: MIT */
/*
 * yajl callbacks → struct smw_event.  The document is walked with a small
 * amount of state: which of the three known objects (root, event, showing)
 * we are in, how deep inside values we ignore, and which known field the
 * next value belongs to.  Unknown keys are walked over (their text stays in
 * the body, which is stored whole) but still checked for what PostgreSQL
 * refuses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "log.h"
#include "parse.h"

/* What the next value is: a known field index, or one of these. */
#define PEND_NONE	(-1)	/* an unknown key's value */
#define PEND_EVENT	(-2)	/* the root's "event" */
#define PEND_SH_BASE	64	/* showing field i is PEND_SH_BASE + i */

enum jtype {
	J_NULL,
	J_BOOL,
	J_NUMBER,
	J_STRING,
	J_OBJECT,
	J_ARRAY
};

static const char *const jtype_names[] = {
	[J_NULL] = "null",
	[J_BOOL] = "a boolean",
	[J_NUMBER] = "a number",
	[J_STRING] = "a string",
	[J_OBJECT] = "an object",
	[J_ARRAY] = "an array",
};

static const char *const type_names[SMW_T__MAX] = {
	[SMW_T_STRING] = "a string",
	[SMW_T_TIME] = "an ISO 8601 string",
	[SMW_T_INT] = "an integer",
	[SMW_T_BOOL] = "a boolean",
	[SMW_T_OBJECT] = "an object",
};

/* Which JSON type each field type takes (besides null). */
static const enum jtype type_json[SMW_T__MAX] = {
	[SMW_T_STRING] = J_STRING,
	[SMW_T_TIME] = J_STRING,
	[SMW_T_INT] = J_NUMBER,
	[SMW_T_BOOL] = J_BOOL,
	[SMW_T_OBJECT] = J_OBJECT,
};

/*
 * Record the first failure and its reason (trailing white space, which
 * yajl's messages end with, removed); returns 0 to stop yajl.
 */
static int
fail(struct smw_parse *p, enum smw_err err, const char *fmt, ...)
    SMW_PRINTF(3, 4);

static int
fail(struct smw_parse *p, enum smw_err err, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;

	if (p->err != SMW_OK)
		return 0;
	p->err = err;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	n = strlen(p->why);
	while (n > 0 && (p->why[n - 1] == '\n' || p->why[n - 1] == ' '))
		p->why[--n] = '\0';
	return 0;
}

/* Field definition and storage for a pending known field. */
static const struct smw_field_def *
pending_field(struct smw_parse *p, struct smw_value **v, const char **obj)
{
	if (p->pending >= PEND_SH_BASE) {
		*v = &p->ev->sh[p->pending - PEND_SH_BASE];
		*obj = "event.showing";
		return &smw_sh_fields[p->pending - PEND_SH_BASE];
	}
	*v = &p->ev->ev[p->pending];
	*obj = "event";
	return &smw_ev_fields[p->pending];
}

/* Forget every showing field: a new "showing" replaces an earlier one. */
static void
reset_showing(struct smw_event *ev)
{
	for (size_t i = 0; i < SMW_SH__MAX; i++)
		smw_value_clear(&ev->sh[i]);
}

/*
 * A value (scalar, or the start of a container) arrives.  Checks it against
 * the position; for a known scalar field stores it.  Returns 1 to go on.
 */
static int
value(struct smw_parse *p, enum jtype t, const char *s, size_t len)
{
	const struct smw_field_def	*def;
	struct smw_value		*v;
	const char			*obj, *why;
	int				 pend = p->pending;

	p->pending = PEND_NONE;
	if (p->skip > 0)
		return 1;
	if (p->level == 0) {
		if (t != J_OBJECT)
			return fail(p, SMW_EINPUT,
			    "top level is %s, not an object", jtype_names[t]);
		return 1;
	}
	if (pend == PEND_NONE)
		return 1;
	if (pend == PEND_EVENT) {
		if (t != J_OBJECT)
			return fail(p, SMW_EINPUT,
			    "event is %s, not an object", jtype_names[t]);
		return 1;
	}
	p->pending = pend;
	def = pending_field(p, &v, &obj);
	p->pending = PEND_NONE;
	if (t != J_NULL && t != type_json[def->type])
		return fail(p, SMW_EINPUT, "%s.%s is %s, not %s", obj,
		    def->name, jtype_names[t], type_names[def->type]);
	if (def->type == SMW_T_OBJECT) {
		reset_showing(p->ev);
		v->state = t == J_NULL ? SMW_NULL : SMW_VALUE;
		return 1;
	}
	if (t != J_NULL && !smw_value_check(def->type, s, len, &why))
		return fail(p, SMW_EINPUT, "%s.%s is %s", obj, def->name, why);
	if (smw_value_set(v, t == J_NULL ? NULL : s, len) != SMW_OK)
		return fail(p, SMW_ENOMEM, "out of memory");
	return 1;
}

static int
cb_null(void *ctx)
{
	return value(ctx, J_NULL, NULL, 0);
}

static int
cb_boolean(void *ctx, int b)
{
	return b ? value(ctx, J_BOOL, "true", 4) :
	    value(ctx, J_BOOL, "false", 5);
}

/*
 * Numbers arrive as their text.  jsonb keeps them as numeric, which refuses
 * huge exponents; cap the token and its exponent before the database sees
 * it.
 */
static int
cb_number(void *ctx, const char *s, size_t len)
{
	struct smw_parse	*p = ctx;
	const char		*e;
	long			 ex = 0;

	if (len > SMW_PARSE_MAX_NUMBER)
		return fail(p, SMW_EINPUT, "number longer than %d characters",
		    SMW_PARSE_MAX_NUMBER);
	if ((e = memchr(s, 'e', len)) != NULL ||
	    (e = memchr(s, 'E', len)) != NULL) {
		e++;
		if (e < s + len && (*e == '+' || *e == '-'))
			e++;
		for (; e < s + len && ex <= SMW_PARSE_MAX_EXPONENT; e++)
			ex = ex * 10 + (*e - '0');
		if (ex > SMW_PARSE_MAX_EXPONENT)
			return fail(p, SMW_EINPUT,
			    "number exponent beyond %d",
			    SMW_PARSE_MAX_EXPONENT);
	}
	return value(p, J_NUMBER, s, len);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return value(ctx, J_STRING, (const char *)s, len);
}

/* One more open container; refuses nesting past SMW_PARSE_MAX_DEPTH. */
static int
enter(struct smw_parse *p)
{
	if (++p->depth > SMW_PARSE_MAX_DEPTH)
		return fail(p, SMW_EINPUT, "nested deeper than %d levels",
		    SMW_PARSE_MAX_DEPTH);
	return 1;
}

static int
cb_start_map(void *ctx)
{
	struct smw_parse	*p = ctx;
	int			 pend = p->pending;

	if (!enter(p) || !value(p, J_OBJECT, NULL, 0))
		return 0;
	if (p->skip > 0 || (p->level > 0 && pend == PEND_NONE)) {
		p->skip++;
		return 1;
	}
	if (p->level == 1) {
		/* A repeated "event" replaces the earlier one, as in jsonb. */
		smw_event_free(p->ev);
		smw_event_init(p->ev);
		p->seen_event = true;
	}
	p->level++;
	return 1;
}

static int
cb_end_map(void *ctx)
{
	struct smw_parse	*p = ctx;

	p->depth--;
	if (p->skip > 0)
		p->skip--;
	else
		p->level--;
	return 1;
}

static int
cb_start_array(void *ctx)
{
	struct smw_parse	*p = ctx;

	if (!enter(p) || !value(p, J_ARRAY, NULL, 0))
		return 0;
	p->skip++;
	return 1;
}

static int
cb_end_array(void *ctx)
{
	struct smw_parse	*p = ctx;

	p->depth--;
	p->skip--;
	return 1;
}

/* Index of key in a field table, or -1. */
static int
lookup(const struct smw_field_def *defs, size_t n, const unsigned char *k,
    size_t len)
{
	if (len == 0)
		return -1;
	/* The first byte rules out most names before strlen runs. */
	for (size_t i = 0; i < n; i++)
		if (defs[i].name[0] == (char)k[0] &&
		    strlen(defs[i].name) == len &&
		    memcmp(defs[i].name, k, len) == 0)
			return (int)i;
	return -1;
}

static int
cb_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct smw_parse	*p = ctx;
	int			 i;

	p->pending = PEND_NONE;
	if (p->skip > 0)
		return 1;
	switch (p->level) {
	case 1:
		if (len == 5 && memcmp(k, "event", 5) == 0)
			p->pending = PEND_EVENT;
		break;
	case 2:
		p->pending = lookup(smw_ev_fields, SMW_EV__MAX, k, len);
		break;
	case 3:
		if ((i = lookup(smw_sh_fields, SMW_SH__MAX, k, len)) >= 0)
			p->pending = PEND_SH_BASE + i;
		break;
	default:
		break;
	}
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

/*
 * yajl 2.1 uses what its allocator returns without checking it (yajl_alloc
 * writes through the new handle at once), so a failed allocation must
 * never be handed back to it: the process stops instead of letting yajl
 * write through NULL.  For the same reason these allocations bypass the
 * smw_alloc_fail_at test hook.
 */
static void *
y_malloc(void *ctx, size_t n)
{
	void	*p;

	(void)ctx;
	if ((p = malloc(n == 0 ? 1 : n)) == NULL) {
		smw_log(SMW_LOG_ERR, "out of memory in the JSON parser");
		abort();
	}
	return p;
}

static void *
y_realloc(void *ctx, void *ptr, size_t n)
{
	void	*p;

	(void)ctx;
	if ((p = realloc(ptr, n == 0 ? 1 : n)) == NULL) {
		smw_log(SMW_LOG_ERR, "out of memory in the JSON parser");
		abort();
	}
	return p;
}

static void
y_free(void *ctx, void *ptr)
{
	(void)ctx;
	smw_free(ptr);
}

static yajl_alloc_funcs alloc_funcs = {
	.malloc = y_malloc,
	.realloc = y_realloc,
	.free = y_free,
};

enum smw_err
smw_parse_init(struct smw_parse *p, struct smw_event *ev)
{
	memset(p, 0, sizeof(*p));
	p->ev = ev;
	p->pending = PEND_NONE;
	if ((p->y = yajl_alloc(&callbacks, &alloc_funcs, p)) == NULL)
		return SMW_ENOMEM;
	return SMW_OK;
}

/* Four hex digits of a \u escape are complete: check what they name. */
static bool
escape_done(struct smw_parse *p)
{
	uint32_t	 u = p->hex;

	if (p->sur == 3) {
		p->sur = 0;
		if (u < 0xDC00 || u > 0xDFFF) {
			fail(p, SMW_EINPUT, "unpaired UTF-16 surrogate escape "
			    "at byte %llu", (unsigned long long)p->offset);
			return false;
		}
		return true;
	}
	if (u == 0) {
		fail(p, SMW_EINPUT, "\\u0000 at byte %llu (PostgreSQL text "
		    "cannot hold NUL)", (unsigned long long)p->offset);
		return false;
	}
	if (u >= 0xDC00 && u <= 0xDFFF) {
		fail(p, SMW_EINPUT, "unpaired UTF-16 surrogate escape at byte "
		    "%llu", (unsigned long long)p->offset);
		return false;
	}
	if (u >= 0xD800 && u <= 0xDBFF)
		p->sur = 1;
	return true;
}

/* One byte inside or outside a JSON string: escape bookkeeping. */
static bool
scan_json(struct smw_parse *p, unsigned char c)
{
	if (p->hex_left > 0) {
		int d = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0) {
			/* yajl reports the bad escape. */
			p->hex_left = 0;
			return true;
		}
		p->hex = p->hex << 4 | (uint32_t)d;
		if (--p->hex_left == 0)
			return escape_done(p);
		return true;
	}
	if (p->sur == 1 || p->sur == 2) {
		/* After a high surrogate only "\u" + a low one may follow. */
		if ((p->sur == 1 && c == '\\') || (p->sur == 2 && c == 'u')) {
			if (++p->sur == 3) {
				p->hex_left = 4;
				p->hex = 0;
				p->esc = false;
			} else
				p->esc = true;
			return true;
		}
		fail(p, SMW_EINPUT, "unpaired UTF-16 surrogate escape at byte "
		    "%llu", (unsigned long long)p->offset);
		return false;
	}
	if (!p->in_str) {
		if (c == '"')
			p->in_str = true;
		else if (c == '\f' || c == '\v') {
			/* White space to yajl, not to RFC 8259. */
			fail(p, SMW_EINPUT, "not JSON: form feed or vertical "
			    "tab at byte %llu", (unsigned long long)p->offset);
			return false;
		}
		return true;
	}
	if (p->esc) {
		p->esc = false;
		if (c == 'u') {
			p->hex_left = 4;
			p->hex = 0;
		}
		return true;
	}
	if (c == '\\')
		p->esc = true;
	else if (c == '"')
		p->in_str = false;
	return true;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, surrogates or > U+10FFFF. */
static bool
scan_utf8(struct smw_parse *p, unsigned char c)
{
	if (p->u8_need == 0) {
		if (c < 0x80)
			return true;
		if (c >= 0xC2 && c <= 0xDF) {
			p->u8_need = 1, p->u8_cp = c & 0x1F, p->u8_min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			p->u8_need = 2, p->u8_cp = c & 0x0F, p->u8_min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			p->u8_need = 3, p->u8_cp = c & 0x07,
			    p->u8_min = 0x10000;
		} else
			goto bad;
		return true;
	}
	if ((c & 0xC0) != 0x80)
		goto bad;
	p->u8_cp = p->u8_cp << 6 | (c & 0x3F);
	if (--p->u8_need > 0)
		return true;
	if (p->u8_cp < p->u8_min || p->u8_cp > 0x10FFFF ||
	    (p->u8_cp >= 0xD800 && p->u8_cp <= 0xDFFF))
		goto bad;
	return true;
bad:
	fail(p, SMW_EINPUT, "invalid UTF-8 at byte %llu",
	    (unsigned long long)p->offset);
	return false;
}

/* Neither scanner is inside an escape or a UTF-8 sequence. */
static bool
scanners_idle(const struct smw_parse *p)
{
	return p->u8_need == 0 && p->hex_left == 0 && p->sur == 0 && !p->esc;
}

enum smw_err
smw_parse_feed(struct smw_parse *p, const void *data, size_t len)
{
	const unsigned char	*s = data;
	uint64_t		 base = p->offset;
	yajl_status		 st;
	unsigned char		*msg;
	bool			 quiet;

	if (p->err != SMW_OK)
		return p->err;
	/*
	 * Outside an escape and a UTF-8 sequence, a printable ASCII byte
	 * other than '\\' changes nothing but, for '"', whether we are in a
	 * string: most bytes take this short way past the scanners.
	 */
	quiet = scanners_idle(p);
	for (size_t i = 0; i < len; i++) {
		if (quiet && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '\\') {
			if (s[i] == '"')
				p->in_str = !p->in_str;
			continue;
		}
		p->offset = base + i;
		if (!scan_utf8(p, s[i]) || !scan_json(p, s[i]))
			return p->err;
		quiet = scanners_idle(p);
	}
	p->offset = base + len;
	st = yajl_parse(p->y, s, len);
	if (st == yajl_status_ok)
		return SMW_OK;
	if (st == yajl_status_client_canceled)
		return p->err;
	msg = yajl_get_error(p->y, 0, s, len);
	fail(p, SMW_EINPUT, "not JSON: %s", msg != NULL ? (char *)msg : "?");
	if (msg != NULL)
		yajl_free_error(p->y, msg);
	return p->err;
}

enum smw_err
smw_parse_finish(struct smw_parse *p)
{
	yajl_status		 st;
	unsigned char		*msg;
	const char		*why;

	if (p->err != SMW_OK)
		return p->err;
	if (p->u8_need > 0) {
		fail(p, SMW_EINPUT, "invalid UTF-8 at byte %llu",
		    (unsigned long long)p->offset);
		return p->err;
	}
	if (p->offset == 0) {
		fail(p, SMW_EINPUT, "empty body");
		return p->err;
	}
	st = yajl_complete_parse(p->y);
	if (st == yajl_status_client_canceled)
		return p->err;
	if (st != yajl_status_ok) {
		msg = yajl_get_error(p->y, 0, NULL, 0);
		fail(p, SMW_EINPUT, "not JSON: %s",
		    msg != NULL ? (char *)msg : "?");
		if (msg != NULL)
			yajl_free_error(p->y, msg);
		return p->err;
	}
	/*
	 * yajl never finishes lexing a string still open at the end, so a
	 * document followed by '"' and more passes it as complete.
	 */
	if (p->in_str) {
		fail(p, SMW_EINPUT, "not JSON: unterminated string after the "
		    "document");
		return p->err;
	}
	if (!p->seen_event) {
		fail(p, SMW_EINPUT, "no \"event\" object");
		return p->err;
	}
	if (smw_event_validate(p->ev, &why) != SMW_OK)
		fail(p, SMW_EINPUT, "%s", why);
	return p->err;
}

const char *
smw_parse_why(const struct smw_parse *p)
{
	return p->why;
}

void
smw_parse_free(struct smw_parse *p)
{
	if (p == NULL)
		return;
	if (p->y != NULL)
		yajl_free(p->y);
	p->y = NULL;
}

enum smw_err
smw_parse_buffer(struct smw_event *ev, const void *data, size_t len,
    char *why, size_t whysz)
{
	struct smw_parse	 p;
	enum smw_err		 err;

	if ((err = smw_parse_init(&p, ev)) != SMW_OK) {
		snprintf(why, whysz, "out of memory");
		return err;
	}
	if ((err = smw_parse_feed(&p, data, len)) == SMW_OK)
		err = smw_parse_finish(&p);
	snprintf(why, whysz, "%s", smw_parse_why(&p));
	smw_parse_free(&p);
	return err;
}
