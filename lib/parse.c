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
pending_field(struct smw_parse *p, struct smw_parse_pending pend,
    struct smw_value **v, const char **obj)
{
	if (pend.next == SMW_NEXT_SH_FIELD) {
		*v = &p->ev->sh[pend.field];
		*obj = "event.showing";
		return &smw_sh_fields[pend.field];
	}
	*v = &p->ev->ev[pend.field];
	*obj = "event";
	return &smw_ev_fields[pend.field];
}

/*
 * The value a refusal names, for the reason: at most 40 bytes, cut at a
 * character, control characters as '?', a string in double quotes.
 */
static void
quote(char *dst, size_t dstsz, enum smw_json t, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, o = 0, n;
	const char		*q = t == SMW_J_STRING ? "\"" : "";

	o = (size_t)snprintf(dst, dstsz, ": %s", q);
	while (i < len && i < 40 && o + 8 < dstsz) {
		if (smw_utf8_seq(u + i, len - i, &n) != SMW_UTF8_OK ||
		    i + n > 40)
			break;
		if (n == 1 && (u[i] < 0x20 || u[i] == 0x7f))
			dst[o++] = '?';
		else
			for (size_t k = 0; k < n; k++)
				dst[o++] = s[i + k];
		i += n;
	}
	snprintf(dst + o, dstsz - o, "%s%s", i < len ? "..." : "", q);
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
 * the position; for a known scalar field stores it as smw_value_read reads
 * it, noting where the document's letter first broke.  Returns 1 to go on.
 */
static int
value(struct smw_parse *p, enum smw_json t, const char *s, size_t len)
{
	const struct smw_field_def	*def;
	struct smw_value		*v;
	struct smw_reading		 r;
	struct smw_parse_pending	 pend = p->pending;
	const char			*obj;
	char				 found[96];

	p->pending.next = SMW_NEXT_UNKNOWN;
	if (p->skip > 0)
		return 1;
	if (p->level == 0) {
		if (t != SMW_J_OBJECT)
			return fail(p, SMW_EINPUT,
			    "top level is %s, not an object",
			    smw_json_names[t]);
		return 1;
	}
	switch (pend.next) {
	case SMW_NEXT_UNKNOWN:
		return 1;
	case SMW_NEXT_EVENT:
		if (t != SMW_J_OBJECT)
			return fail(p, SMW_EINPUT,
			    "event is %s, not an object", smw_json_names[t]);
		return 1;
	case SMW_NEXT_EV_FIELD:
	case SMW_NEXT_SH_FIELD:
		break;
	}
	def = pending_field(p, pend, &v, &obj);
	if (!smw_value_read(def->type, t, s, len, &r)) {
		found[0] = '\0';
		if (r.quote)
			quote(found, sizeof(found), t, s, len);
		if (p->letter[0] == '\0')
			snprintf(p->letter, sizeof(p->letter), "%s.%s %s",
			    obj, def->name, r.letter);
		return fail(p, SMW_EINPUT, "%s.%s %s%s", obj, def->name,
		    r.why, found);
	}
	if (r.letter[0] != '\0' && p->letter[0] == '\0')
		snprintf(p->letter, sizeof(p->letter), "%s.%s %s", obj,
		    def->name, r.letter);
	if (def->type == SMW_T_OBJECT) {
		reset_showing(p->ev);
		v->state = r.state;
		return 1;
	}
	if (smw_value_set(v, r.state == SMW_NULL ? NULL : r.text, r.len) !=
	    SMW_OK)
		return fail(p, SMW_ENOMEM, "out of memory");
	return 1;
}

static int
cb_null(void *ctx)
{
	return value(ctx, SMW_J_NULL, NULL, 0);
}

static int
cb_boolean(void *ctx, int b)
{
	return b ? value(ctx, SMW_J_BOOL, "true", 4) :
	    value(ctx, SMW_J_BOOL, "false", 5);
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
	return value(p, SMW_J_NUMBER, s, len);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return value(ctx, SMW_J_STRING, (const char *)s, len);
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
	enum smw_parse_next	 next = p->pending.next;

	if (!enter(p) || !value(p, SMW_J_OBJECT, NULL, 0))
		return 0;
	if (p->skip > 0 || (p->level > 0 && next == SMW_NEXT_UNKNOWN)) {
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

	if (!enter(p) || !value(p, SMW_J_ARRAY, NULL, 0))
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

/* Index of key in a field table, or n when it is not there. */
static unsigned
lookup(const struct smw_field_def *defs, unsigned n, const unsigned char *k,
    size_t len)
{
	if (len == 0)
		return n;
	/* The first byte rules out most names before strlen runs. */
	for (unsigned i = 0; i < n; i++)
		if (defs[i].name[0] == (char)k[0] &&
		    strlen(defs[i].name) == len &&
		    memcmp(defs[i].name, k, len) == 0)
			return i;
	return n;
}

static int
cb_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct smw_parse	*p = ctx;
	unsigned		 i;

	p->pending.next = SMW_NEXT_UNKNOWN;
	if (p->skip > 0)
		return 1;
	switch (p->level) {
	case 1:
		if (len == 5 && memcmp(k, "event", 5) == 0)
			p->pending.next = SMW_NEXT_EVENT;
		break;
	case 2:
		if ((i = lookup(smw_ev_fields, SMW_EV__MAX, k, len)) <
		    SMW_EV__MAX) {
			p->pending.next = SMW_NEXT_EV_FIELD;
			p->pending.field = i;
		}
		break;
	case 3:
		if ((i = lookup(smw_sh_fields, SMW_SH__MAX, k, len)) <
		    SMW_SH__MAX) {
			p->pending.next = SMW_NEXT_SH_FIELD;
			p->pending.field = i;
		}
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
	p->pending.next = SMW_NEXT_UNKNOWN;
	/* Never more than the body fed, which the caller caps. */
	smw_buf_init(&p->hold, SIZE_MAX);
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

/*
 * The UTF-8 character that starts at s (left bytes there; p->offset is
 * where s is in the body), or the rest of one a chunk boundary cut: check
 * it with the one validator (smw_utf8_seq), keep a character cut again,
 * and hand its first byte to scan_json.  Returns the bytes of s used, 0
 * when the body is not UTF-8.
 */
static size_t
scan_utf8(struct smw_parse *p, const unsigned char *s, size_t left)
{
	unsigned char		 seq[sizeof(p->u8)];
	const unsigned char	*c = s;
	size_t			 have = p->u8_have, take = left, n;
	uint64_t		 lead = p->offset - have;
	enum smw_utf8		 r;

	if (have > 0) {
		take = left < sizeof(seq) - have ? left : sizeof(seq) - have;
		memcpy(seq, p->u8, have);
		memcpy(seq + have, s, take);
		c = seq;
	}
	r = smw_utf8_seq(c, have + take, &n);
	if (r == SMW_UTF8_BAD && n == 0)
		goto bad;
	if (have == 0 && !scan_json(p, c[0]))
		return 0;
	switch (r) {
	case SMW_UTF8_OK:
		p->u8_have = 0;
		return n - have;
	case SMW_UTF8_SHORT:
		memcpy(p->u8 + have, s, take);
		p->u8_have = have + take;
		return take;
	case SMW_UTF8_BAD:
		break;
	}
bad:
	p->offset = lead + n;
	fail(p, SMW_EINPUT, "invalid UTF-8 at byte %llu",
	    (unsigned long long)p->offset);
	return 0;
}

/* Neither scanner is inside an escape or a UTF-8 sequence. */
static bool
scanners_idle(const struct smw_parse *p)
{
	return p->u8_have == 0 && p->hex_left == 0 && p->sur == 0 && !p->esc;
}

/* Hand n bytes to yajl; its refusal becomes the failure. */
static enum smw_err
give(struct smw_parse *p, const void *s, size_t n)
{
	yajl_status	 st;
	unsigned char	*msg;

	if (n == 0)
		return SMW_OK;
	st = yajl_parse(p->y, s, n);
	if (st == yajl_status_ok)
		return SMW_OK;
	if (st == yajl_status_client_canceled)
		return p->err;
	msg = yajl_get_error(p->y, 0, s, n);
	fail(p, SMW_EINPUT, "not JSON: %s", msg != NULL ? (char *)msg : "?");
	if (msg != NULL)
		yajl_free_error(p->y, msg);
	return p->err;
}

/* Hold n more bytes back from yajl. */
static enum smw_err
hold(struct smw_parse *p, const void *s, size_t n)
{
	if (n == 0)
		return SMW_OK;
	p->visited += n;
	if (smw_buf_append(&p->hold, s, n) != SMW_OK)
		fail(p, SMW_ENOMEM, "out of memory");
	return p->err;
}

/*
 * What a byte is to the short way past the scanners (smw_parse_feed),
 * outside a string and in one: one that changes nothing, a '"', one of
 * JSON's one-byte tokens outside strings (a call to yajl that starts at
 * one is cheap), or one for the scanners: controls and white space other
 * than ' ', '\\', and all of UTF-8's.
 */
enum byte_class { B_PLAIN, B_QUOTE, B_TOKEN, B_SCAN };

#define B_SCAN8 B_SCAN, B_SCAN, B_SCAN, B_SCAN, B_SCAN, B_SCAN, B_SCAN, B_SCAN
#define B_SCAN32 B_SCAN8, B_SCAN8, B_SCAN8, B_SCAN8
static const unsigned char byte_classes[2][256] = { {
	B_SCAN32,
	['"'] = B_QUOTE, [','] = B_TOKEN, [':'] = B_TOKEN, ['['] = B_TOKEN,
	['\\'] = B_SCAN, [']'] = B_TOKEN, ['{'] = B_TOKEN, ['}'] = B_TOKEN,
	[0x7f] = B_PLAIN,
	B_SCAN32, B_SCAN32, B_SCAN32, B_SCAN32
}, {
	B_SCAN32,
	['"'] = B_QUOTE, ['\\'] = B_SCAN,
	[0x7f] = B_PLAIN,
	B_SCAN32, B_SCAN32, B_SCAN32, B_SCAN32
} };

enum smw_err
smw_parse_feed(struct smw_parse *p, const void *data, size_t len)
{
	const unsigned char	*s = data;
	uint64_t		 base = p->offset;
	const unsigned char	*cls;
	size_t			 first = len, last = len;
	bool			 quiet, in;

	if (p->err != SMW_OK || len == 0)
		return p->err;
	/*
	 * Outside an escape and a UTF-8 sequence, a printable ASCII byte
	 * other than '\\' changes nothing but, for '"', whether we are in a
	 * string, and outside one notes where the one-byte tokens are: most
	 * bytes take this short way past the scanners.
	 */
	quiet = scanners_idle(p);
	in = p->in_str;
	cls = byte_classes[in];
	for (size_t i = 0, n; i < len; i += n) {
		n = 1;
		if (quiet) {
			while (i < len && cls[s[i]] == B_PLAIN)
				i++;
			if (i == len)
				break;
			if (cls[s[i]] == B_QUOTE) {
				in = !in;
				cls = byte_classes[in];
				continue;
			}
			if (cls[s[i]] == B_TOKEN) {
				first = first == len ? i : first;
				last = i;
				continue;
			}
		}
		p->in_str = in;
		p->offset = base + i;
		if (p->u8_have > 0 || s[i] >= 0x80)
			n = scan_utf8(p, s + i, len - i);
		else if (!scan_json(p, s[i]))
			n = 0;
		if (n == 0)
			return p->err;
		in = p->in_str;
		cls = byte_classes[in];
		quiet = scanners_idle(p);
	}
	p->in_str = in;
	p->offset = base + len;
	p->visited += len;
	/*
	 * yajl gets whole tokens, each call starting at a one-byte token:
	 * what is held with the rest of the token it ends in (up to the
	 * first one-byte token here), then up to the last one; the rest is
	 * held.  With no one-byte token here, all of it is held.
	 */
	if (last == len)
		return hold(p, s, len);
	if (hold(p, s, first) != SMW_OK ||
	    give(p, p->hold.data, p->hold.len) != SMW_OK)
		return p->err;
	smw_buf_reset(&p->hold);
	if (give(p, s + first, last - first) != SMW_OK)
		return p->err;
	return hold(p, s + last, len - last);
}

enum smw_err
smw_parse_finish(struct smw_parse *p)
{
	yajl_status		 st;
	unsigned char		*msg;
	const char		*why;

	/* yajl gets what is held, as if it had come before the end. */
	if (p->err == SMW_OK && give(p, p->hold.data, p->hold.len) == SMW_OK)
		smw_buf_reset(&p->hold);
	/* Where the letter broke first, strict mode stops there. */
	if (p->strict && p->letter[0] != '\0' && p->err != SMW_ENOMEM) {
		p->err = SMW_OK;
		fail(p, SMW_EINPUT, "%s", p->letter);
	}
	if (p->err != SMW_OK)
		return p->err;
	if (p->u8_have > 0) {
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

void
smw_parse_strict(struct smw_parse *p, bool strict)
{
	p->strict = strict;
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
	smw_buf_free(&p->hold);
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
