/* Unit tests (no network) for the STS, web identity and SSO providers'
 * pure parts: the SSO cache names (as botocore's hashlib.sha1 gives them), the STS XML reader, the
 * SSO JSON readers, the endpoint settings and the providers' refusals that need no call. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/awsconfig.h"
#include "aws/creds.h"
#include "aws/decode_sso.h"
#include "aws/roles.h"
#include "aws/sso.h"
#include "aws/sts.h"
#include "fakeenv.h"
#include "tap.h"
#include "util/buf.h"

#define OK_REPLY                                                                                   \
	"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"               \
	"  <AssumeRoleResult>\n    <SourceIdentity>x</SourceIdentity>\n"                           \
	"    <AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"                          \
	"<AssumedRoleId>ARO:s</AssumedRoleId></AssumedRoleUser>\n"                                 \
	"    <Credentials>\n      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"                        \
	"      <SecretAccessKey>wJalr/EXAMPLE&amp;KEY</SecretAccessKey>\n"                         \
	"      <SessionToken>\n        FwoGZXIvYXdzEXAMPLE\n      </SessionToken>\n"               \
	"      <Expiration>2026-12-03T09:00:00Z</Expiration>\n    </Credentials>\n"                \
	"  </AssumeRoleResult>\n  <ResponseMetadata><RequestId>c6104cbe</RequestId>"               \
	"</ResponseMetadata>\n</AssumeRoleResponse>\n"

static void
test_sts_parse(void)
{
	struct decoded_creds d;
	struct xr_err err = {0};
	char code[64];
	ok(sts_parse("AssumeRole", OK_REPLY, strlen(OK_REPLY), &d, code, sizeof code, &err) == 0,
	   "sts: a reply parses (%s)", err.msg);
	is_str(d.access_key_id, "ASIAEXAMPLE", "sts: AccessKeyId");
	is_str(d.secret_access_key, "wJalr/EXAMPLE&KEY", "sts: SecretAccessKey, entity decoded");
	is_str(d.session_token, "FwoGZXIvYXdzEXAMPLE", "sts: SessionToken, whitespace trimmed");
	is_num(d.expiration, 1796288400.0, "sts: Expiration");
	decode_creds_free(&d);

	const char *e = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	                "<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: x is "
	                "not\nauthorized</Message></Error><RequestId>1</RequestId></ErrorResponse>";
	xr_err_clear(&err);
	ok(sts_parse("AssumeRole", e, strlen(e), &d, code, sizeof code, &err) < 0,
	   "sts: an error reply fails");
	is_str(code, "AccessDenied", "sts: its Code");
	is_str(err.msg, "AccessDenied: User: x is not authorized", "sts: its Message, one line");

	const char *sig = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The "
	                  "request signature we calculated does not match.\n\nThe Canonical String "
	                  "for this request should have been\n'POST\n/\n\nx-amz-security-token:"
	                  "SECRETTOKEN'</Message></Error></ErrorResponse>";
	xr_err_clear(&err);
	ok(sts_parse("AssumeRole", sig, strlen(sig), &d, code, sizeof code, &err) < 0 &&
	       strcmp(err.msg, "SignatureDoesNotMatch: The request signature we calculated does "
	                       "not match.") == 0,
	   "sts: the canonical request (with the token) is cut from a message (%s)", err.msg);

	struct {
		const char *xml, *want;
	} bad[] = {
	    {"", "not XML"},
	    {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>",
	     "not XML"},
	    {"<GetCallerIdentityResponse/>", "neither the action's Response"},
	    {"<!DOCTYPE x [<!ENTITY a \"b\">]><AssumeRoleResponse/>", "document type declaration"},
	    {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
	     "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken></Credentials>"
	     "</AssumeRoleResult></AssumeRoleResponse>",
	     "no Credentials/Expiration"},
	    {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
	     "<AccessKeyId>B</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>",
	     "appears twice"},
	    {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId><b>A</b>"
	     "</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>",
	     "an element inside"},
	    {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
	     "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
	     "<Expiration>soon</Expiration></Credentials></AssumeRoleResult>"
	     "</AssumeRoleResponse>",
	     "Expiration"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		xr_err_clear(&err);
		int rc = sts_parse("AssumeRole", bad[i].xml, strlen(bad[i].xml), &d, code,
		                   sizeof code, &err);
		ok(rc < 0 && strstr(err.msg, bad[i].want), "sts: refused: %s (%s)", bad[i].want,
		   err.msg);
	}
	const char *wi = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
	                 "<Credentials><AccessKeyId>W</AccessKeyId><SecretAccessKey>s"
	                 "</SecretAccessKey><SessionToken>t</SessionToken><Expiration>"
	                 "2026-12-03T09:00:00.000Z</Expiration></Credentials>"
	                 "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
	ok(sts_parse("AssumeRoleWithWebIdentity", wi, strlen(wi), &d, code, sizeof code, &err) ==
	           0 &&
	       strcmp(d.access_key_id, "W") == 0,
	   "sts: an AssumeRoleWithWebIdentity reply");
	decode_creds_free(&d);
	ok(sts_parse("AssumeRole", wi, strlen(wi), &d, code, sizeof code, &err) < 0,
	   "sts: another action's reply is refused");

	struct buf b = BUF_INIT;
	sts_form_encode(&b, "arn:aws:iam::1:role/a b+c~d_e.f-g/é");
	is_str(b.data, "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc~d_e.f-g%2F%C3%A9",
	       "sts: form encoding as botocore's");
	buf_free(&b);
}

static void
test_sso_json(void)
{
	struct sso_token t;
	struct xr_err err = {0};
	const char *cache = "{\"startUrl\": \"https://d.awsapps.com/start\", \"region\": "
	                    "\"eu-west-1\", \"accessToken\": \"tok\", \"expiresAt\": "
	                    "\"2026-12-03T09:00:00UTC\", \"refreshToken\": \"r\", \"clientId\": "
	                    "\"c\", \"clientSecret\": \"cs\", \"registrationExpiresAt\": "
	                    "\"2027-01-01T00:00:00Z\"}";
	ok(decode_sso_token(cache, strlen(cache), &t, &err) == 0, "sso: a cache file (%s)",
	   err.msg);
	is_num(t.expires_at, 1796288400.0, "sso: expiresAt in the old 'UTC' form");
	is_str(t.refresh_token, "r", "sso: refreshToken");
	const char *ct = "{\"accessToken\": \"new\", \"expiresIn\": 3600, \"tokenType\": "
	                 "\"Bearer\"}";
	ok(decode_sso_create_token(ct, strlen(ct), 1000, &t, &err) == 0 &&
	       strcmp(t.access_token, "new") == 0 && t.expires_at == 4600 &&
	       strcmp(t.refresh_token, "r") == 0,
	   "sso: CreateToken keeps the refresh token it does not replace");
	decode_sso_token_free(&t);
	const char *nok = "{\"accessToken\": \"x\"}";
	ok(decode_sso_token(nok, strlen(nok), &t, &err) < 0 && strstr(err.msg, "expiresAt"),
	   "sso: a cache file without expiresAt is refused");
	const char *nul =
	    "{\"accessToken\": \"ab\\u0000cd\", \"expiresAt\": \"2026-12-03T10:00:00Z\"}";
	ok(decode_sso_token(nul, strlen(nul), &t, &err) < 0 && strstr(err.msg, "NUL"),
	   "sso: a token cut by \\u0000 is refused, not shortened (%s)", err.msg);
	struct decoded_creds d;
	const char *rc = "{\"roleCredentials\": {\"accessKeyId\": \"ASIA\", \"secretAccessKey\": "
	                 "\"s\", \"sessionToken\": \"t\", \"expiration\": 1796288400000}}";
	ok(decode_sso_role_credentials(rc, strlen(rc), &d, &err) == 0 &&
	       strcmp(d.access_key_id, "ASIA") == 0 && d.expiration == 1796288400.0,
	   "sso: GetRoleCredentials, expiration in milliseconds");
	decode_creds_free(&d);
	const char *bad = "{\"roleCredentials\": {\"accessKeyId\": \"ASIA\"}}";
	ok(decode_sso_role_credentials(bad, strlen(bad), &d, &err) < 0 &&
	       strstr(err.msg, "secretAccessKey"),
	   "sso: GetRoleCredentials without a secret is refused");
	char code[64], msg[200];
	const char *e =
	    "{\"error\": \"invalid_grant\", \"error_description\": \"Invalid\\nrefresh\"}";
	decode_sso_error(e, strlen(e), code, sizeof code, msg, sizeof msg);
	ok(strcmp(code, "invalid_grant") == 0 && strcmp(msg, "Invalid refresh") == 0,
	   "sso: an OIDC error, control characters replaced");
}

static int
load(struct awsconfig *c, const char *profile, struct xr_err *err)
{
	return awsconfig_load(c, profile, env_get, err);
}

static void
test_endpoints(void)
{
	env_clear();
	env_set("HOME", tmpdir);
	env_set("AWS_SHARED_CREDENTIALS_FILE", write_file("credentials", ""));
	env_set("AWS_CONFIG_FILE",
	        write_file("config", "[default]\nendpoint_url = https://global.example\n"
	                             "services = local\n[services local]\nsts =\n"
	                             "  endpoint_url = http://127.0.0.1:9/sts\nxray =\n"
	                             "  region = x\n[profile bad]\nservices = missing\n"
	                             "[profile plain]\nregion = us-east-1\n"));
	struct awsconfig c;
	struct xr_err err = {0};
	char *url, src[300];
	ok(load(&c, NULL, &err) == 0, "endpoints: config loads");
	awsconfig_service_endpoint(&c, "sts", &url, src, sizeof src, &err);
	ok(url && strcmp(url, "http://127.0.0.1:9/sts") == 0 && strstr(src, "[services local]"),
	   "endpoints: the services section's sts endpoint_url (%s)", src);
	free(url);
	awsconfig_service_endpoint(&c, "xray", &url, src, sizeof src, &err);
	ok(url && strcmp(url, "https://global.example") == 0 && strstr(src, "endpoint_url of"),
	   "endpoints: else the profile's endpoint_url");
	free(url);
	env_set("AWS_ENDPOINT_URL", "https://env-global.example");
	awsconfig_service_endpoint(&c, "sts", &url, src, sizeof src, &err);
	ok(url && strcmp(url, "https://env-global.example") == 0 &&
	       strcmp(src, "AWS_ENDPOINT_URL") == 0,
	   "endpoints: AWS_ENDPOINT_URL before the config file");
	free(url);
	env_set("AWS_ENDPOINT_URL_SSO_OIDC", "https://oidc.example");
	awsconfig_service_endpoint(&c, "sso_oidc", &url, src, sizeof src, &err);
	ok(url && strcmp(src, "AWS_ENDPOINT_URL_SSO_OIDC") == 0,
	   "endpoints: AWS_ENDPOINT_URL_SSO_OIDC first");
	free(url);
	env_set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE");
	awsconfig_service_endpoint(&c, "sso_oidc", &url, src, sizeof src, &err);
	ok(!url, "endpoints: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores them all");
	env_set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", NULL);
	env_set("AWS_ENDPOINT_URL", NULL);
	env_set("AWS_ENDPOINT_URL_SSO_OIDC", NULL);
	awsconfig_free(&c);

	ok(load(&c, "bad", &err) == 0, "endpoints: profile bad loads");
	ok(awsconfig_service_endpoint(&c, "sts", &url, src, sizeof src, &err) < 0 &&
	       strstr(err.msg, "[services missing]"),
	   "endpoints: a missing services section is an error (%s)", err.msg);
	awsconfig_free(&c);

	struct aws_endpoint ep;
	ok(awsconfig_service_url("sts", "eu-west-3", NULL, "x", false, &ep, &err) == 0 &&
	       strcmp(ep.url, "https://sts.eu-west-3.amazonaws.com") == 0,
	   "endpoints: the regional STS endpoint");
	awsconfig_endpoint_free(&ep);
	ok(awsconfig_service_url("sts", "cn-north-1", NULL, "x", false, &ep, &err) == 0 &&
	       strcmp(ep.url, "https://sts.cn-north-1.amazonaws.com.cn") == 0,
	   "endpoints: STS in China");
	awsconfig_endpoint_free(&ep);
	xr_err_clear(&err);
	ok(awsconfig_service_url("sts", "us-east-1", "http://192.0.2.1", "AWS_ENDPOINT_URL_STS",
	                         false, &ep, &err) < 0 &&
	       strstr(err.msg, "AWS_ENDPOINT_URL_STS http://192.0.2.1: plain http://"),
	   "endpoints: plain http to another host refused, naming the setting");

	/* the SSO cache file name: SHA-1 of the session name, or of the start URL */
	ok(load(&c, "plain", &err) == 0, "sso: profile loads");
	char *p = sso_cache_path(&c, "my-sso", NULL);
	char want[600];
	/* the names Python's hashlib.sha1(name).hexdigest() gives, as botocore's */
	snprintf(want, sizeof want,
	         "%s/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json", tmpdir);
	is_str(p, want, "sso: cache named by the session name's SHA-1");
	free(p);
	p = sso_cache_path(&c, NULL, "https://d-123.awsapps.com/start");
	const char *hex = "2b829a45f04c9828cb45b7d092d8e4aa30818393";
	ok(strstr(p, hex) != NULL, "sso: legacy cache named by the start URL's SHA-1");
	free(p);
	awsconfig_free(&c);
}

static enum creds_status
try_profile(const char *config, const char *profile, enum creds_provider p, char *msg, size_t size)
{
	env_set("AWS_CONFIG_FILE", write_file("config", config));
	struct awsconfig c;
	struct xr_err err = {0};
	enum creds_status st = CREDS_FAILED;
	if (load(&c, profile, &err) == 0) {
		c.region = "us-east-1";
		struct aws_creds out = {0};
		st = creds_try(&c, p, &out, NULL, &err);
		creds_clear(&out);
	}
	snprintf(msg, size, "%s", err.msg);
	awsconfig_free(&c);
	return st;
}

static void
test_refusals(void)
{
	char msg[1100];
	env_clear();
	env_set("HOME", tmpdir);
	env_set("AWS_SHARED_CREDENTIALS_FILE", write_file("credentials", ""));
	is_int(try_profile("[profile a]\nregion = x\n", "a", CREDS_ASSUME_ROLE, msg, sizeof msg),
	       CREDS_ABSENT, "roles: no role_arn: absent");
	is_int(try_profile("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\n",
	                   "a", CREDS_ASSUME_ROLE, msg, sizeof msg),
	       CREDS_FAILED, "roles: a profile naming itself without keys");
	ok(strstr(msg, "chain 'a' -> 'a' is a cycle"), "... is a cycle (%s)", msg);
	is_int(try_profile("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
	                   "duration_seconds = 12h\n[profile b]\nx = 1\n",
	                   "a", CREDS_ASSUME_ROLE, msg, sizeof msg),
	       CREDS_FAILED, "roles: a bad duration_seconds");
	ok(strstr(msg, "duration_seconds '12h' of profile 'a'"), "... named (%s)", msg);
	is_int(try_profile("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
	                   "[profile b]\nregion = x\n",
	                   "a", CREDS_ASSUME_ROLE, msg, sizeof msg),
	       CREDS_FAILED, "roles: a source profile without credentials");
	ok(strstr(msg, "the source profile 'b' has no credentials"), "... said (%s)", msg);
	/* a chain longer than the limit */
	struct buf b = BUF_INIT;
	for (int i = 0; i <= ROLES_MAX_CHAIN; i++)
		buf_printf(
		    &b, "[profile p%d]\nrole_arn = arn:aws:iam::1:role/p\nsource_profile = p%d\n",
		    i, i + 1);
	buf_printf(&b, "[profile p%d]\naws_access_key_id = A\naws_secret_access_key = s\n",
	           ROLES_MAX_CHAIN + 1);
	is_int(try_profile(b.data, "p0", CREDS_ASSUME_ROLE, msg, sizeof msg), CREDS_FAILED,
	       "roles: a chain over %d profiles", ROLES_MAX_CHAIN);
	ok(strstr(msg, "longer than"), "... said (%s)", msg);
	buf_free(&b);

	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token");
	env_set("AWS_ROLE_ARN", "arn:aws:iam::1:role/w");
	is_int(try_profile("[default]\n", NULL, CREDS_WEB_IDENTITY, msg, sizeof msg), CREDS_FAILED,
	       "web identity: a missing token file");
	ok(strstr(msg, "AWS_WEB_IDENTITY_TOKEN_FILE") && strstr(msg, "/nonexistent/token"),
	   "... names the variable and the file (%s)", msg);
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", write_file("empty-token", ""));
	try_profile("[default]\n", NULL, CREDS_WEB_IDENTITY, msg, sizeof msg);
	ok(strstr(msg, "the file is empty"), "web identity: an empty token file (%s)", msg);
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", NULL);
	env_set("AWS_ROLE_ARN", NULL);

	is_int(try_profile("[profile s]\nsso_session = nope\nsso_account_id = 1\n"
	                   "sso_role_name = r\n",
	                   "s", CREDS_SSO, msg, sizeof msg),
	       CREDS_FAILED, "sso: a missing sso-session section");
	ok(strstr(msg, "[sso-session nope]"), "... named (%s)", msg);
	is_int(try_profile("[sso-session x]\nsso_start_url = https://a\nsso_region = us-east-1\n"
	                   "[profile s]\nsso_session = x\nsso_start_url = https://b\n"
	                   "sso_account_id = 1\nsso_role_name = r\n",
	                   "s", CREDS_SSO, msg, sizeof msg),
	       CREDS_FAILED, "sso: profile and session disagree");
	ok(strstr(msg, "sso_start_url differs"), "... said (%s)", msg);
	try_profile("[sso-session x]\nsso_start_url = https://a\nsso_region = us-east-1\n"
	            "[profile s]\nsso_session = x\nsso_account_id = 1\nsso_role_name = r\n",
	            "s", CREDS_SSO, msg, sizeof msg);
	ok(strstr(msg, "run 'aws sso login --sso-session x' (or 'aws sso login --profile s')"),
	   "sso: no sign-in: the login command (%s)", msg);
}

int
main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/xrtop-roles-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_sts_parse();
	test_sso_json();
	test_endpoints();
	test_refusals();
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
