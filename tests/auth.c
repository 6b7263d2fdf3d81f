/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/auth.c (the bearer token check, RFC 6750 and RFC 7235)
 * with configurations built here, and of lib/config.c reading SHOWMOJO_*
 * from the environment and tokens from a file.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "sha256.h"
#include "util.h"

#include "tap.h"

static const char *const env_names[] = {
	"SHOWMOJO_DB", "SHOWMOJO_TOKENS", "SHOWMOJO_TOKEN_FILE",
	"SHOWMOJO_AUTH", "SHOWMOJO_MAX_BODY", "SHOWMOJO_ON_INVALID",
	"SHOWMOJO_SCHEMA", "SHOWMOJO_TIMEOUT_MS", "SHOWMOJO_SQLDIR",
};

static void
env_clear(void)
{
	for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
		unsetenv(env_names[i]);
}

/* A configuration holding the given tokens (NULL-terminated list). */
static void
config_with(struct smw_config *c, const char *const *tokens, bool none)
{
	smw_config_init(c);
	c->auth_none = none;
	for (; tokens != NULL && *tokens != NULL; tokens++)
		if ((c->tokens[c->ntokens] = smw_strndup(*tokens,
		    strlen(*tokens))) != NULL)
			c->ntokens++;
}

/* The check, with the refusal's details checked for consistency. */
static enum smw_err
auth(const struct smw_config *c, const char *header)
{
	struct smw_auth_refusal	 why;
	enum smw_err		 err = smw_auth_check(c, header, &why);

	if (err != SMW_EAUTH && (why.offered || why.fingerprint[0] != '\0'))
		return SMW_ERR__MAX;	/* details without a refusal */
	if (why.offered != (why.fingerprint[0] != '\0'))
		return SMW_ERR__MAX;
	return err;
}

/* SHA-256 against FIPS 180-4's examples and lengths around a block. */
static void
test_sha256(void)
{
	static const struct {
		const char	*in;
		size_t		 reps;	/* in repeated; 0: once */
		const char	*hex;
	} cases[] = {
		{ "", 0, "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855" },
		{ "abc", 0, "ba7816bf8f01cfea414140de5dae2223"
		    "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0,
		    "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
		{ "a", 55, "9f4390f8d30c2dd92ec9f095b65e2b9a"
		    "e9b0a925a5258e241c9f1e910f734318" },
		{ "a", 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f"
		    "590ce20f1bde7090ef7970686ec6738a" },
		{ "a", 64, "ffe054fe7ae0cb6dc65c3af9b61d5209"
		    "f439851db43d0ba5997337df154668eb" },
		{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67"
		    "f1809a48a497200e046d39ccc7112cd0" },
	};
	uint8_t	 d[SMW_SHA256_LEN];
	char	 hex[2 * SMW_SHA256_LEN + 1], fp[SMW_FINGERPRINT_LEN + 1];
	char	 name[64];
	char	*buf;
	size_t	 len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].reps ? cases[i].reps : strlen(cases[i].in);
		if ((buf = malloc(len + 1)) == NULL)
			abort();
		if (cases[i].reps)
			memset(buf, cases[i].in[0], len);
		else
			memcpy(buf, cases[i].in, len);
		smw_sha256(buf, len, d);
		for (int j = 0; j < SMW_SHA256_LEN; j++)
			snprintf(hex + 2 * j, 3, "%02x", d[j]);
		snprintf(name, sizeof(name), "sha256 of %zu bytes", len);
		is_str(hex, cases[i].hex, name);
		smw_fingerprint(buf, len, fp);
		ok(strncmp(fp, cases[i].hex, SMW_FINGERPRINT_LEN) == 0 &&
		    strlen(fp) == SMW_FINGERPRINT_LEN,
		    "fingerprint of %zu bytes: the digest's first 8 hex "
		    "digits", len);
		free(buf);
	}
}

/* What a refusal says: no credential, or the fingerprint of the token. */
static void
test_refusal(void)
{
	static const char *const one[] = { "s3cr3t-Token_42", NULL };
	struct smw_auth_refusal	 why;
	struct smw_config	 c;
	char			 fp[SMW_FINGERPRINT_LEN + 1];

	config_with(&c, one, false);
	smw_fingerprint("wrong", 5, fp);
	is_int(smw_auth_check(&c, "Bearer  wrong\t", &why), SMW_EAUTH,
	    "refusal: wrong token");
	ok(why.offered && strcmp(why.fingerprint, fp) == 0,
	    "refusal: the fingerprint of the token offered, blanks trimmed");
	is_int(smw_auth_check(&c, "Basic wrong", &why), SMW_EAUTH,
	    "refusal: another scheme");
	ok(why.offered, "refusal: another scheme's credential is offered");
	smw_fingerprint("Basic wrong", 11, fp);
	is_str(why.fingerprint, fp, "refusal: its fingerprint covers the "
	    "whole credential");
	is_int(smw_auth_check(&c, NULL, &why), SMW_EAUTH, "refusal: no header");
	ok(!why.offered && why.fingerprint[0] == '\0',
	    "refusal: no header: nothing offered");
	is_int(smw_auth_check(&c, "Bearer \t", &why), SMW_EAUTH,
	    "refusal: blank token");
	ok(!why.offered, "refusal: blank token: nothing offered");
	is_int(smw_auth_check(&c, "Bearer s3cr3t-Token_42", &why), SMW_OK,
	    "accepted");
	ok(!why.offered && why.fingerprint[0] == '\0',
	    "accepted: no refusal details");
	smw_config_free(&c);
}

static void
test_check(void)
{
	static const char *const one[] = { "s3cr3t-Token_42", NULL };
	static const char *const two[] = { "old-token", "new-token", NULL };
	static const struct {
		const char	*header;
		enum smw_err	 err;
		const char	*name;
	} cases[] = {
		{ "Bearer s3cr3t-Token_42", SMW_OK, "right token" },
		{ "bearer s3cr3t-Token_42", SMW_OK, "scheme in lower case" },
		{ "BEARER s3cr3t-Token_42", SMW_OK, "scheme in upper case" },
		{ "bEaReR s3cr3t-Token_42", SMW_OK, "scheme in mixed case" },
		{ "Bearer   s3cr3t-Token_42", SMW_OK, "several spaces" },
		{ "Bearer\ts3cr3t-Token_42", SMW_OK, "tab after the scheme" },
		{ "Bearer \t s3cr3t-Token_42", SMW_OK, "spaces and tabs" },
		{ "  Bearer s3cr3t-Token_42", SMW_OK, "leading spaces" },
		{ "\tBearer s3cr3t-Token_42", SMW_OK, "leading tab" },
		{ "Bearer s3cr3t-Token_42  ", SMW_OK, "trailing spaces" },
		{ "Bearer s3cr3t-Token_42\t", SMW_OK, "trailing tab" },
		{ NULL, SMW_EAUTH, "no Authorization header" },
		{ "", SMW_EAUTH, "empty header" },
		{ "   ", SMW_EAUTH, "blank header" },
		{ "Basic czNjcjN0LVRva2VuXzQy", SMW_EAUTH, "Basic scheme" },
		{ "Basic s3cr3t-Token_42", SMW_EAUTH, "Basic with the token" },
		{ "Token s3cr3t-Token_42", SMW_EAUTH, "other scheme word" },
		{ "s3cr3t-Token_42", SMW_EAUTH, "token without a scheme" },
		{ "Bearers3cr3t-Token_42", SMW_EAUTH, "no space after scheme" },
		{ "Bearer", SMW_EAUTH, "scheme only" },
		{ "Bearer ", SMW_EAUTH, "empty token" },
		{ "Bearer \t  ", SMW_EAUTH, "blank token" },
		{ "Bear s3cr3t-Token_42", SMW_EAUTH, "scheme cut short" },
		{ "Bearer wrong", SMW_EAUTH, "wrong token" },
		{ "Bearer s3cr3t-Token_4", SMW_EAUTH, "prefix of the token" },
		{ "Bearer 3cr3t-Token_42", SMW_EAUTH, "suffix of the token" },
		{ "Bearer s3cr3t-Token_42x", SMW_EAUTH, "token plus a byte" },
		{ "Bearer xs3cr3t-Token_42", SMW_EAUTH, "byte plus the token" },
		{ "Bearer S3CR3T-TOKEN_42", SMW_EAUTH, "token case matters" },
		{ "Bearer s3cr3t-Token_42 s3cr3t-Token_42", SMW_EAUTH,
		    "token twice" },
		{ "Bearer s3cr3t-Token_42,x", SMW_EAUTH, "token and more" },
		{ "Bearer \"s3cr3t-Token_42\"", SMW_EAUTH, "quoted token" },
	};
	struct smw_config	 c;

	config_with(&c, one, false);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(auth(&c, cases[i].header), cases[i].err,
		    cases[i].name);
	smw_config_free(&c);

	config_with(&c, two, false);
	is_int(auth(&c, "Bearer old-token"), SMW_OK,
	    "rotation: old token");
	is_int(auth(&c, "Bearer new-token"), SMW_OK,
	    "rotation: new token");
	is_int(auth(&c, "Bearer old-token,new-token"), SMW_EAUTH,
	    "rotation: both in one header");
	is_int(auth(&c, "Bearer token"), SMW_EAUTH,
	    "rotation: common suffix");
	is_int(auth(&c, NULL), SMW_EAUTH, "rotation: no header");
	smw_config_free(&c);

	config_with(&c, NULL, true);
	is_int(auth(&c, NULL), SMW_OK, "auth none: no header");
	is_int(auth(&c, ""), SMW_OK, "auth none: empty header");
	is_int(auth(&c, "Basic eDp5"), SMW_OK,
	    "auth none: any header");
	smw_config_free(&c);

	config_with(&c, one, true);
	is_int(auth(&c, "Bearer wrong"), SMW_OK,
	    "auth none with tokens: accepts anything");
	smw_config_free(&c);

	config_with(&c, NULL, false);
	is_int(auth(&c, NULL), SMW_ECONFIG,
	    "nothing configured: no header");
	is_int(auth(&c, "Bearer x"), SMW_ECONFIG,
	    "nothing configured: a token");
	smw_config_free(&c);
	smw_config_free(&c);
	smw_config_free(NULL);
	ok(c.ntokens == 0 && c.schema == NULL,
	    "config free twice and with NULL");
}

/* The configured tokens, in order, are exactly want (NULL-terminated). */
static bool
tokens_are(const struct smw_config *c, const char *const *want)
{
	size_t	 n = 0;

	for (; want[n] != NULL; n++)
		if (n >= c->ntokens || strcmp(c->tokens[n], want[n]) != 0) {
			printf("#   token %zu: \"%s\"\n", n, n < c->ntokens ?
			    c->tokens[n] : "(none)");
			return false;
		}
	if (n != c->ntokens)
		printf("#   %zu tokens, want %zu\n", c->ntokens, n);
	return n == c->ntokens;
}

/* Load the configuration from the environment as it is now. */
static enum smw_err
load(struct smw_config *c)
{
	smw_config_init(c);
	return smw_config_load(c);
}

/* A temporary file holding len bytes of s; its path in path. */
static bool
temp_file(char *path, size_t sz, const char *s, size_t len)
{
	const char	*dir = getenv("TMPDIR");
	int		 fd;
	bool		 good;

	snprintf(path, sz, "%s/smw-auth.XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return false;
	good = write(fd, s, len) == (ssize_t)len;
	close(fd);
	return good;
}

/* SHOWMOJO_<name>=value alone is refused with SMW_ECONFIG. */
static void
refused(const char *name, const char *value)
{
	struct smw_config	 c;

	env_clear();
	setenv(name, value, 1);
	is_int(load(&c), SMW_ECONFIG, value);
	smw_config_free(&c);
}

/* SHOWMOJO_<name>=value alone loads. */
static void
loads(const char *name, const char *value, struct smw_config *c)
{
	env_clear();
	setenv(name, value, 1);
	is_int(load(c), SMW_OK, value);
}

static void
test_load(void)
{
	static const char	 file[] =
	    "# tokens for the ShowMojo webhook\r\n"
	    "\r\n"
	    "file-one\r\n"
	    "  file-two  \r\n"
	    "\t# an indented comment\n"
	    "#file-commented\n"
	    "\n"
	    "   \n"
	    "\t\r\n"
	    "file-three";
	static const char *const env_tokens[] = { "a", "b", "c d", NULL };
	static const char *const file_tokens[] = {
		"file-one", "file-two", "file-three", NULL
	};
	static const char *const both_tokens[] = {
		"env-one", "file-one", "file-two", "file-three", NULL
	};
	struct smw_config	 c;
	const char		*why = NULL;
	char			 path[512], big[70000], many[512];

	env_clear();
	is_int(load(&c), SMW_OK, "defaults: load");
	ok(c.ntokens == 0 && !c.auth_none && c.db == NULL &&
	    c.max_body == SMW_DEFAULT_MAX_BODY &&
	    c.on_invalid == SMW_ON_INVALID_QUARANTINE &&
	    c.timeout_ms == SMW_DEFAULT_TIMEOUT_MS, "defaults: values");
	is_str(c.schema, SMW_DEFAULT_SCHEMA, "defaults: schema");
	ok(!smw_config_accepts(&c, &why) && why != NULL &&
	    strstr(why, "SHOWMOJO_TOKENS") != NULL &&
	    strstr(why, "SHOWMOJO_AUTH=none") != NULL,
	    "defaults: no delivery accepted, and why");
	smw_config_free(&c);

	loads("SHOWMOJO_TOKENS", " a , ,b,,\tc d\t,", &c);
	ok(tokens_are(&c, env_tokens), "SHOWMOJO_TOKENS: split and trimmed");
	ok(smw_config_accepts(&c, &why), "tokens: deliveries accepted");
	is_int(auth(&c, "Bearer b"), SMW_OK,
	    "SHOWMOJO_TOKENS: a token authenticates");
	is_int(auth(&c, "Bearer c d"), SMW_OK,
	    "SHOWMOJO_TOKENS: inner blank kept");
	is_int(auth(&c, "Bearer  b , c"), SMW_EAUTH,
	    "SHOWMOJO_TOKENS: the list is no token");
	smw_config_free(&c);
	loads("SHOWMOJO_TOKENS", " , ,", &c);
	is_int(c.ntokens, 0, "SHOWMOJO_TOKENS: only separators");
	smw_config_free(&c);
	loads("SHOWMOJO_TOKENS", "", &c);
	is_int(c.ntokens, 0, "SHOWMOJO_TOKENS: empty");
	smw_config_free(&c);

	many[0] = '\0';
	for (int i = 0; i < SMW_MAX_TOKENS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "%st%d", i ? "," : "", i);
	loads("SHOWMOJO_TOKENS", many, &c);
	is_int(c.ntokens, SMW_MAX_TOKENS, "SHOWMOJO_TOKENS: the most tokens");
	smw_config_free(&c);
	snprintf(many + strlen(many), sizeof(many) - strlen(many), ",extra");
	refused("SHOWMOJO_TOKENS", many);

	if (!temp_file(path, sizeof(path), file, sizeof(file) - 1)) {
		ok(0, "temporary token file");
		return;
	}
	loads("SHOWMOJO_TOKEN_FILE", path, &c);
	ok(tokens_are(&c, file_tokens),
	    "token file: comments, blank lines and CRLF skipped");
	is_int(auth(&c, "Bearer file-two"), SMW_OK,
	    "token file: a token authenticates");
	is_int(auth(&c, "Bearer # an indented comment"), SMW_EAUTH,
	    "token file: a comment is no token");
	is_int(auth(&c, "Bearer file-three"), SMW_OK,
	    "token file: last line without a newline");
	smw_config_free(&c);

	env_clear();
	setenv("SHOWMOJO_TOKENS", "env-one", 1);
	setenv("SHOWMOJO_TOKEN_FILE", path, 1);
	is_int(load(&c), SMW_OK, "tokens from both");
	ok(tokens_are(&c, both_tokens), "tokens from both: all kept");
	smw_config_free(&c);
	unlink(path);

	refused("SHOWMOJO_TOKEN_FILE", path);
	refused("SHOWMOJO_TOKEN_FILE", "/nonexistent/smw-tokens");

	if (temp_file(path, sizeof(path), "", 0)) {
		loads("SHOWMOJO_TOKEN_FILE", path, &c);
		is_int(c.ntokens, 0, "empty token file: no token");
		smw_config_free(&c);
		unlink(path);
	} else
		ok(0, "temporary empty file");
	memset(big, 'x', sizeof(big));
	if (temp_file(path, sizeof(path), big, sizeof(big))) {
		refused("SHOWMOJO_TOKEN_FILE", path);
		unlink(path);
	} else
		ok(0, "temporary large file");

	loads("SHOWMOJO_AUTH", "none", &c);
	ok(c.auth_none && smw_config_accepts(&c, &why),
	    "SHOWMOJO_AUTH=none accepts deliveries");
	is_int(auth(&c, NULL), SMW_OK,
	    "SHOWMOJO_AUTH=none: no token");
	smw_config_free(&c);
	loads("SHOWMOJO_AUTH", "token", &c);
	ok(!c.auth_none, "SHOWMOJO_AUTH=token");
	smw_config_free(&c);
	refused("SHOWMOJO_AUTH", "None");
	refused("SHOWMOJO_AUTH", "off");
	refused("SHOWMOJO_AUTH", "none ");

	loads("SHOWMOJO_MAX_BODY", "2048", &c);
	is_int(c.max_body, 2048, "SHOWMOJO_MAX_BODY=2048");
	smw_config_free(&c);
	loads("SHOWMOJO_MAX_BODY", "16777216", &c);
	is_int(c.max_body, SMW_MAX_BODY_CAP,
	    "SHOWMOJO_MAX_BODY at its largest");
	smw_config_free(&c);
	refused("SHOWMOJO_MAX_BODY", "abc");
	refused("SHOWMOJO_MAX_BODY", "0");
	refused("SHOWMOJO_MAX_BODY", "-1");
	refused("SHOWMOJO_MAX_BODY", "12k");
	refused("SHOWMOJO_MAX_BODY", "1e6");
	refused("SHOWMOJO_MAX_BODY", "16777217");
	refused("SHOWMOJO_MAX_BODY", "1073741824");
	refused("SHOWMOJO_MAX_BODY", "99999999999999999999999");
	refused("SHOWMOJO_MAX_BODY", "2048 ");

	loads("SHOWMOJO_ON_INVALID", "reject", &c);
	is_int(c.on_invalid, SMW_ON_INVALID_REJECT, "on invalid: reject");
	smw_config_free(&c);
	loads("SHOWMOJO_ON_INVALID", "quarantine", &c);
	is_int(c.on_invalid, SMW_ON_INVALID_QUARANTINE,
	    "on invalid: quarantine");
	smw_config_free(&c);
	refused("SHOWMOJO_ON_INVALID", "drop");
	refused("SHOWMOJO_ON_INVALID", "Reject");
	refused("SHOWMOJO_ON_INVALID", "400");

	loads("SHOWMOJO_SCHEMA", "smw_test", &c);
	is_str(c.schema, "smw_test", "SHOWMOJO_SCHEMA");
	smw_config_free(&c);
	loads("SHOWMOJO_DB", "dbname=smw host=/tmp", &c);
	is_str(c.db, "dbname=smw host=/tmp", "SHOWMOJO_DB");
	smw_config_free(&c);
	refused("SHOWMOJO_TIMEOUT_MS", "soon");
	env_clear();
}

/*
 * The label of the token a header matched: "(none)" when unlabelled,
 * "(refused)" when it was not accepted.
 */
static const char *
source_of(const struct smw_config *c, const char *header)
{
	struct smw_auth_refusal	 why;

	if (smw_auth_check(c, header, &why) != SMW_OK)
		return why.source == NULL ? "(refused)" : "(refused, labelled)";
	return why.source != NULL ? why.source : "(none)";
}

/* The labels of the configured tokens, in order, are want (NULL: none). */
static bool
labels_are(const struct smw_config *c, const char *const *want, size_t n)
{
	if (c->ntokens != n) {
		printf("#   %zu tokens, want %zu\n", c->ntokens, n);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if ((want[i] == NULL) != (c->labels[i] == NULL) ||
		    (want[i] != NULL && strcmp(want[i], c->labels[i]) != 0)) {
			printf("#   label %zu: \"%s\"\n", i, c->labels[i] ?
			    c->labels[i] : "(none)");
			return false;
		}
	return true;
}

/* Labelled tokens: "LABEL:TOKEN" in SHOWMOJO_TOKENS and the token file. */
static void
test_labels(void)
{
	static const char	 file[] =
	    "# two accounts\n"
	    "north:file-north\n"
	    "  south : not-a-label\r\n"
	    "\tsouth:file-south \r\n"
	    "#east:commented\n"
	    "file-plain\n";
	static const char *const env_tokens[] = {
		"tok-n", "tok-s", "plain", "a:b", NULL
	};
	static const char *const env_labels[] = {
		"north", "south", NULL, "west"
	};
	static const char *const odd_tokens[] = {
		"bad label:t1", "a/b:t2", ":t3", NULL
	};
	static const char *const odd_labels[] = { NULL, NULL, NULL };
	static const char *const file_tokens[] = {
		"file-north", "south : not-a-label", "file-south", "file-plain",
		NULL
	};
	static const char *const file_labels[] = {
		"north", NULL, "south", NULL
	};
	static const char *const rot_labels[] = { "north", "north", "south" };
	struct smw_config	 c;
	char			 path[512], v[256], label[80];

	loads("SHOWMOJO_TOKENS", "north:tok-n, south: tok-s ,plain,west:a:b",
	    &c);
	ok(tokens_are(&c, env_tokens), "labels: the tokens without labels");
	ok(labels_are(&c, env_labels, 4), "labels: each token's label");
	is_str(source_of(&c, "Bearer tok-n"), "north",
	    "labels: the first token's label on a match");
	is_str(source_of(&c, "Bearer tok-s"), "south",
	    "labels: the second token's label on a match");
	is_str(source_of(&c, "Bearer plain"), "(none)",
	    "labels: an unlabelled token gives no label");
	is_str(source_of(&c, "Bearer a:b"), "west",
	    "labels: a colon after the label is the token's");
	is_str(source_of(&c, "Bearer north:tok-n"), "(refused)",
	    "labels: the label is no part of the token");
	is_str(source_of(&c, "Bearer tok-x"), "(refused)",
	    "labels: a refusal gives no label");
	smw_config_free(&c);
	ok(c.labels[0] == NULL && c.labels[1] == NULL,
	    "labels: freed with the tokens");

	loads("SHOWMOJO_TOKENS", "bad label:t1,a/b:t2,:t3", &c);
	ok(tokens_are(&c, odd_tokens) && labels_are(&c, odd_labels, 3),
	    "labels: what is not a label before ':' is part of a token");
	smw_config_free(&c);

	/* The longest label, and one character more. */
	memset(label, 'L', SMW_LABEL_MAX + 1);
	snprintf(v, sizeof(v), "%.*s:t1,%.*s:t2", SMW_LABEL_MAX, label,
	    SMW_LABEL_MAX + 1, label);
	loads("SHOWMOJO_TOKENS", v, &c);
	ok(c.ntokens == 2 && c.labels[0] != NULL &&
	    strlen(c.labels[0]) == SMW_LABEL_MAX && c.labels[1] == NULL &&
	    strlen(c.tokens[1]) == SMW_LABEL_MAX + 4,
	    "labels: %d characters at most", SMW_LABEL_MAX);
	smw_config_free(&c);
	loads("SHOWMOJO_TOKENS", "A-z_0.9:t", &c);
	is_str(c.labels[0], "A-z_0.9", "labels: letters, digits, _ . -");
	smw_config_free(&c);

	/* Rotation: two tokens of one account, each with its label. */
	loads("SHOWMOJO_TOKENS", "north:old,north:new,south:s", &c);
	ok(labels_are(&c, rot_labels, 3), "rotation: both tokens labelled");
	is_str(source_of(&c, "Bearer old"), "north",
	    "rotation: the old token keeps the label");
	is_str(source_of(&c, "Bearer new"), "north",
	    "rotation: the new token has the label");
	smw_config_free(&c);
	loads("SHOWMOJO_TOKENS", "north:t,north:t", &c);
	smw_config_free(&c);

	refused("SHOWMOJO_TOKENS", "north:");
	refused("SHOWMOJO_TOKENS", "north: \t,south:s");
	refused("SHOWMOJO_TOKENS", "north:t,south:t");
	refused("SHOWMOJO_TOKENS", "north:t,t");

	if (!temp_file(path, sizeof(path), file, sizeof(file) - 1)) {
		ok(0, "temporary token file");
		return;
	}
	loads("SHOWMOJO_TOKEN_FILE", path, &c);
	ok(tokens_are(&c, file_tokens), "token file: labelled tokens");
	ok(labels_are(&c, file_labels, 4), "token file: their labels");
	is_str(source_of(&c, "Bearer file-south"), "south",
	    "token file: the label on a match");
	is_str(source_of(&c, "Bearer file-plain"), "(none)",
	    "token file: an unlabelled token");
	smw_config_free(&c);
	unlink(path);
	if (temp_file(path, sizeof(path), "north:\n", 7)) {
		refused("SHOWMOJO_TOKEN_FILE", path);
		unlink(path);
	} else
		ok(0, "temporary token file");

	config_with(&c, NULL, true);
	is_str(source_of(&c, NULL), "(none)",
	    "SHOWMOJO_AUTH=none: no label");
	smw_config_free(&c);
}

/* Each allocation of a full load in turn fails: SMW_ENOMEM, no leak. */
static void
test_load_alloc_failures(void)
{
	struct smw_config	 c;
	enum smw_err		 err;
	unsigned long		 n, left;
	int			 bad = 0, failed = 0;
	char			 path[512];

	if (!temp_file(path, sizeof(path), "t1\nsouth:t2\n", 12)) {
		ok(0, "temporary token file");
		return;
	}
	env_clear();
	setenv("SHOWMOJO_DB", "dbname=smw", 1);
	setenv("SHOWMOJO_TOKENS", "a,north:b", 1);
	setenv("SHOWMOJO_TOKEN_FILE", path, 1);
	setenv("SHOWMOJO_SQLDIR", "/usr/share/showmojo-webhook/sql", 1);
	for (n = 1; n < 1000; n++) {
		smw_alloc_fail_at = n;
		err = load(&c);
		left = smw_alloc_fail_at;
		smw_alloc_fail_at = 0;
		if (err == SMW_ENOMEM)
			failed++;
		else if (err != SMW_OK || left == 0 || c.ntokens != 4 ||
		    c.labels[1] == NULL || c.labels[3] == NULL) {
			printf("#   n=%lu: %s\n", n, smw_err_name(err));
			bad++;
		}
		smw_config_free(&c);
		if (left > 0)
			break;
	}
	unlink(path);
	env_clear();
	ok(failed > 0, "config load: some allocations failed (%d runs)",
	    failed);
	is_int(bad, 0, "config load: ENOMEM or complete");
}

int
main(void)
{
	/* The refusals are logged on purpose; keep the test log short. */
	smw_log_max = SMW_LOG_ERR;
	test_check();
	test_sha256();
	test_refusal();
	test_load();
	test_labels();
	test_load_alloc_failures();
	return done();
}
