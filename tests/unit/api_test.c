/* Unit tests for the X-Ray API source below the network: the INI parser,
 * the shared config and region rules, the credential provider order,
 * command splitting, credential JSON, backoff and the adaptive rate
 * limiter (against botocore's numbers), window slicing, the error
 * classification, request bodies, the service graph decoder and the
 * redaction of secrets in the debug log. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/awsconfig.h"
#include "aws/creds.h"
#include "aws/decode_creds.h"
#include "aws/ini.h"
#include "aws/retry.h"
#include "loop.h"
#include "fakeenv.h"
#include "tap.h"
#include "fixture.h"
#include "util/dlog.h"
#include "util/timefmt.h"
#include "util/secret.h"
#include "util/xmalloc.h"
#include "xray/api.h"
#include "xray/decode_graph.h"
#include "source/fetch.h"

/* ---- INI ---- */

static void
test_ini(void)
{
	const char *text = "\xEF\xBB\xBF# comment\n"
	                   "[default]\n"
	                   "region = us-east-1 # not a comment\n"
	                   "Aws_Access_Key_Id=AKID\n"
	                   "; another comment\n"
	                   "[profile   dev]\n"
	                   "region: eu-west-1\n"
	                   "s3 =\n"
	                   "  max_concurrent_requests = 10\n"
	                   "  signature_version = s3v4\n"
	                   "output = json\n"
	                   "[profile \"quoted name\"]\n"
	                   "x = 1\n"
	                   "[default]\n"
	                   "region = ap-northeast-2\n";
	struct xr_err err = {0};
	struct ini *ini = ini_parse("config", text, strlen(text), &err);
	ok(ini != NULL, "INI: parses (%s)", err.msg);
	is_str(ini_get(ini, "default", "region"), "ap-northeast-2",
	       "INI: a repeated key: the last wins");
	is_str(ini_get(ini, "default", "aws_access_key_id"), "AKID", "INI: keys are lower-cased");
	is_str(ini_get(ini, "profile dev", "region"), "eu-west-1",
	       "INI: '[profile   dev]' and 'key: value'");
	is_str(ini_get(ini, "profile dev", "s3"),
	       "\nmax_concurrent_requests = 10\nsignature_version = s3v4",
	       "INI: indented continuation lines join with newlines");
	is_str(ini_get(ini, "profile dev", "output"), "json",
	       "INI: the next key after a continuation");
	is_str(ini_get(ini, "profile quoted name", "x"), "1", "INI: a quoted profile name");
	is_int(ini_section_count(ini), 3, "INI: three distinct sections");
	ok(!ini_get(ini, "profile dev", "nothere"), "INI: a missing key is NULL");
	ini_free(ini);

	const char *inline_comment = "[default]\nregion = us-east-1 # x\n";
	ini = ini_parse("c", inline_comment, strlen(inline_comment), &err);
	is_str(ini_get(ini, "default", "region"), "us-east-1 # x",
	       "INI: inline comments stay (as botocore)");
	ini_free(ini);

	static const struct {
		const char *text, *error;
	} bad[] = {
	    {"region = x\n", "c:1: key before the first [section]"},
	    {"[default]\njust words\n", "c:2: expected [section], key = value or a comment"},
	    {"[default\nx = 1\n", "c:1: section header has no closing ']'"},
	    {"[]\n", "c:1: section header has no closing ']'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		xr_err_clear(&err);
		ini = ini_parse("c", bad[i].text, strlen(bad[i].text), &err);
		ok(!ini && strcmp(err.msg, bad[i].error) == 0, "INI error: %s (%s)", bad[i].error,
		   err.msg);
		ini_free(ini);
	}
	/* A value cut by a NUL, then continued many times, overran the pool. */
	struct buf nul = BUF_INIT;
	buf_puts(&nul, "[default]\nk = v");
	buf_append(&nul, "\0x", 2);
	for (int i = 0; i < 2000; i++)
		buf_puts(&nul, "\n  more");
	xr_err_clear(&err);
	ini = ini_parse("c", nul.data, nul.len, &err);
	ok(!ini && strcmp(err.msg, "c:2: contains a NUL byte: not a text file") == 0,
	   "INI: a NUL byte is refused with its line (%s)", err.msg);
	ini_free(ini);
	buf_free(&nul);
	bool missing;
	ok(!ini_load("/nonexistent/xrtop/config", &missing, &err) && missing,
	   "INI: a missing file is not an error");
}

/* ---- shared config, region, endpoint ---- */

static void
test_config(void)
{
	struct awsconfig c;
	struct xr_err err = {0};
	env_clear();
	env_set("AWS_CONFIG_FILE", write_file("config", "[default]\nregion = eu-north-1\n"
	                                                "[profile dev]\nregion = sa-east-1\n"
	                                                "credential_process = /bin/true\n"));
	env_set("AWS_SHARED_CREDENTIALS_FILE",
	        write_file("credentials", "[dev]\nregion = ca-central-1\n[other]\nx = 1\n"));
	ok(awsconfig_load(&c, NULL, env_get, &err) == 0, "config: loads (%s)", err.msg);
	const char *source;
	char *r = awsconfig_region(&c, NULL, &source, &err);
	is_str(r, "eu-north-1", "region: from the default profile");
	free(r);
	env_set("AWS_DEFAULT_REGION", "us-west-1");
	r = awsconfig_region(&c, NULL, &source, &err);
	is_str(r, "us-west-1", "region: AWS_DEFAULT_REGION before the profile");
	free(r);
	env_set("AWS_REGION", "us-west-2");
	r = awsconfig_region(&c, NULL, &source, &err);
	is_str(r, "us-west-2", "region: AWS_REGION before AWS_DEFAULT_REGION");
	is_str(source, "AWS_REGION", "region: its source");
	free(r);
	r = awsconfig_region(&c, "ap-south-1", &source, &err);
	is_str(r, "ap-south-1", "region: --region first");
	free(r);
	r = awsconfig_region(&c, "us-east-1/../x", &source, &err);
	ok(!r && err.status == XR_EUSAGE, "region: a non-region is a usage error (%s)", err.msg);
	awsconfig_free(&c);

	env_clear();
	env_set("AWS_CONFIG_FILE", write_file("config", "[profile dev]\nregion = sa-east-1\n"));
	env_set("AWS_SHARED_CREDENTIALS_FILE",
	        write_file("credentials", "[dev]\nregion = ca-central-1\n"));
	env_set("AWS_PROFILE", "dev");
	ok(awsconfig_load(&c, NULL, env_get, &err) == 0 && !c.profile_explicit && c.profile_named,
	   "config: AWS_PROFILE names the profile");
	is_str(awsconfig_get(&c, "region"), "ca-central-1",
	       "config: the credentials file's value wins over the config file's (botocore merge)");
	is_str(awsconfig_config_get(&c, "region"), "sa-east-1",
	       "config: the config file's own value");
	awsconfig_free(&c);
	ok(awsconfig_load(&c, "nosuch", env_get, &err) < 0 && err.status == XR_EUSAGE &&
	       strstr(err.msg, "profile 'nosuch'") && strstr(err.msg, "dev"),
	   "config: an unknown --profile names the ones there are (%s)", err.msg);
	awsconfig_free(&c);
	env_clear();
	env_set("HOME", tmpdir);
	ok(awsconfig_load(&c, NULL, env_get, &err) == 0, "config: no files at all is fine");
	ok(strstr(c.config_path, tmpdir) && strstr(c.config_path, "/.aws/config"),
	   "config: ~/.aws/config by default");
	r = awsconfig_region(&c, NULL, &source, &err);
	ok(!r && strstr(err.msg, "no AWS region"), "region: none is a clear error (%s)", err.msg);
	awsconfig_free(&c);

	struct aws_endpoint e;
	ok(awsconfig_endpoint("us-east-1", NULL, false, &e, &err) == 0, "endpoint: default");
	is_str(e.url, "https://xray.us-east-1.amazonaws.com",
	       "endpoint: xray.REGION.amazonaws.com");
	awsconfig_endpoint_free(&e);
	awsconfig_endpoint("cn-north-1", NULL, false, &e, &err);
	is_str(e.url, "https://xray.cn-north-1.amazonaws.com.cn", "endpoint: .com.cn in China");
	awsconfig_endpoint_free(&e);
	awsconfig_endpoint("us-gov-west-1", NULL, true, &e, &err);
	is_str(e.url, "https://xray-fips.us-gov-west-1.amazonaws.com", "endpoint: FIPS");
	awsconfig_endpoint_free(&e);
	static const struct {
		const char *url;
		bool ok;
		const char *want;
	} urls[] = {
	    {"http://127.0.0.1:4566/", true, "http://127.0.0.1:4566"},
	    {"http://127.8.9.10", true, "http://127.8.9.10"},
	    {"http://[::1]:8080", true, "http://[::1]:8080"},
	    {"http://localhost:1234", true, "http://localhost:1234"},
	    {"HTTP://LOCALHOST", true, "HTTP://LOCALHOST"},
	    {"https://vpce-1.xray.us-east-1.vpce.amazonaws.com", true,
	     "https://vpce-1.xray.us-east-1.vpce.amazonaws.com"},
	    {"http://10.0.0.1", false, NULL},
	    {"http://127.0.0.1.nip.io", false, NULL},
	    {"http://[::2]", false, NULL},
	    {"http://2130706433", false, NULL},
	    {"ftp://127.0.0.1", false, NULL},
	    {"https://user:pw@example.com", false, NULL},
	    {"https://example.com/?a=1", false, NULL},
	    {"https://exa mple.com", false, NULL},
	    {"https://example.com:99999", false, NULL},
	    {"https://[::1", false, NULL},
	};
	for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
		xr_err_clear(&err);
		int rc = awsconfig_endpoint("us-east-1", urls[i].url, false, &e, &err);
		if (urls[i].ok)
			ok(rc == 0 && strcmp(e.url, urls[i].want) == 0, "endpoint %s accepted",
			   urls[i].url);
		else
			ok(rc < 0 && err.status == XR_EUSAGE, "endpoint %s refused (%s)",
			   urls[i].url, err.msg);
		awsconfig_endpoint_free(&e);
	}
	ok(awsconfig_is_loopback("::ffff:127.0.0.1") && !awsconfig_is_loopback("::ffff:10.0.0.1"),
	   "loopback: IPv4-mapped addresses");
}

/* ---- credential providers ---- */

static void
base_env(void)
{
	env_clear();
	env_set("HOME", tmpdir);
	env_set("AWS_EC2_METADATA_DISABLED", "true");
	env_set("AWS_CONFIG_FILE", write_file("config", ""));
	env_set("AWS_SHARED_CREDENTIALS_FILE", write_file("credentials", ""));
}

/* Which provider the chain picks, or -1. */
static int
chain(const char *profile, char *msg, size_t size)
{
	struct awsconfig c;
	struct xr_err err = {0};
	int rc = -1;
	if (awsconfig_load(&c, profile, env_get, &err) == 0) {
		struct aws_creds cr;
		if (creds_resolve(&c, &cr, &err) == 0) {
			rc = (int)cr.provider;
			snprintf(msg, size, "%s:%s", cr.access_key_id,
			         cr.session_token ? cr.session_token : "");
			creds_clear(&cr);
		}
	}
	if (rc < 0)
		snprintf(msg, size, "%s", err.msg);
	awsconfig_free(&c);
	return rc;
}

static void
test_creds_order(void)
{
	char msg[1100];
	base_env();
	is_int(chain(NULL, msg, sizeof msg), -1, "chain: nothing configured");
	ok(strstr(msg, "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set") &&
	       strstr(msg, "shared credentials file:") && strstr(msg, "credential_process:") &&
	       strstr(msg, "config file:") && strstr(msg, "container endpoint:") &&
	       strstr(msg, "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED=true"),
	   "chain: every provider tried is listed");

	env_set("AWS_CONFIG_FILE", write_file("config", "[default]\naws_access_key_id = CFG\n"
	                                                "aws_secret_access_key = s\n"
	                                                "[profile p]\naws_access_key_id = CFGP\n"
	                                                "aws_secret_access_key = s\n"));
	is_int(chain(NULL, msg, sizeof msg), CREDS_CONFIG_FILE, "chain: config file keys");
	is_str(msg, "CFG:", "chain: [default] of the config file");
	is_int(chain("p", msg, sizeof msg), CREDS_CONFIG_FILE,
	       "chain: [profile p] of the config file");
	is_str(msg, "CFGP:", "chain: ... its keys");

	env_set("AWS_SHARED_CREDENTIALS_FILE",
	        write_file("credentials",
	                   "[default]\naws_access_key_id = FILE\naws_secret_access_key = s\n"
	                   "aws_session_token = tok\n"));
	is_int(chain(NULL, msg, sizeof msg), CREDS_SHARED_FILE,
	       "chain: credentials file before config file");
	is_str(msg, "FILE:tok", "chain: with its session token");

	env_set("AWS_ACCESS_KEY_ID", "ENV");
	env_set("AWS_SECRET_ACCESS_KEY", "s");
	is_int(chain(NULL, msg, sizeof msg), CREDS_ENV, "chain: environment first");
	is_int(chain("p", msg, sizeof msg), CREDS_CONFIG_FILE,
	       "chain: --profile skips the environment");
	env_set("AWS_PROFILE", "p");
	is_int(chain(NULL, msg, sizeof msg), CREDS_ENV, "chain: AWS_PROFILE does not skip it");
	env_set("AWS_PROFILE", NULL);

	env_set("AWS_SECRET_ACCESS_KEY", "");
	is_int(chain(NULL, msg, sizeof msg), -1,
	       "chain: half the environment keys stops the chain");
	ok(strstr(msg, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not") != NULL,
	   "... saying so");
	env_set("AWS_ACCESS_KEY_ID", NULL);
	env_set("AWS_SECRET_ACCESS_KEY", NULL);

	const char *script =
	    write_file("proc.sh", "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"PROC\", "
	                          "\"SecretAccessKey\": \"s\", \"SessionToken\": \"pt\", "
	                          "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
	chmod(script, 0700);
	char config[1200];
	snprintf(config, sizeof config,
	         "[default]\ncredential_process = %s\naws_access_key_id = "
	         "CFG\naws_secret_access_key = s\n",
	         script);
	env_set("AWS_CONFIG_FILE", write_file("config", config));
	is_int(chain(NULL, msg, sizeof msg), CREDS_SHARED_FILE,
	       "chain: credentials file before credential_process");
	env_set("AWS_SHARED_CREDENTIALS_FILE", write_file("credentials", ""));
	is_int(chain(NULL, msg, sizeof msg), CREDS_PROCESS,
	       "chain: credential_process before config keys");
	is_str(msg, "PROC:pt", "chain: credential_process keys and token");

	env_set("AWS_CONFIG_FILE",
	        write_file("config", "[default]\nrole_arn = arn:aws:iam::1:role/x\n"));
	is_int(chain(NULL, msg, sizeof msg), -1, "chain: an assume-role profile with no source");
	ok(strstr(msg, "assume role: profile 'default' has role_arn but neither source_profile "
	               "nor credential_source"),
	   "... says what is missing");

	env_set("AWS_CONFIG_FILE", write_file("config", ""));
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.1.2.3/creds");
	is_int(chain(NULL, msg, sizeof msg), -1,
	       "chain: a container URI over http to another host");
	ok(strstr(msg, "only allowed to loopback") != NULL, "... is refused before any request");
}

static void
test_split(void)
{
	static const struct {
		const char *cmd;
		const char *want; /* words joined with '|' */
	} cases[] = {
	    {"aws configure export-credentials --profile x",
	     "aws|configure|export-credentials|--profile|x"},
	    {"  /usr/bin/my\\ tool  'a b'  \"c \\\"d\\\" \\\\ \\n\"",
	     "/usr/bin/my tool|a b|c \"d\" \\ \\n"},
	    {"a''b \"\" ''", "ab||"},
	    {"x\t y", "x|y"},
	    {"a\\$b 'it''s'", "a$b|its"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct xr_err err = {0};
		char **argv = creds_split_command(cases[i].cmd, &err);
		char got[256] = "";
		for (size_t k = 0; argv && argv[k]; k++) {
			if (k)
				strcat(got, "|");
			strcat(got, argv[k]);
		}
		is_str(got, cases[i].want, "split: %s", cases[i].cmd);
		creds_argv_free(argv);
	}
	struct xr_err err = {0};
	ok(!creds_split_command("a 'b", &err) && strstr(err.msg, "no closing quotation"),
	   "split: unclosed quote");
	ok(!creds_split_command("a \\", &err), "split: a final backslash");
	ok(!creds_split_command("   ", &err), "split: nothing to run");
}

static void
test_decode_creds(void)
{
	struct decoded_creds d;
	struct xr_err err = {0};
	const char *proc = "{\"Version\": 1, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"SK\", "
	                   "\"SessionToken\": \"ST\", \"Expiration\": \"2026-11-27T08:00:00Z\"}";
	ok(decode_creds(proc, strlen(proc), &d, &err) == 0, "creds JSON: credential_process shape");
	ok(d.version == 1 && !strcmp(d.access_key_id, "AK") && !strcmp(d.secret_access_key, "SK") &&
	       !strcmp(d.session_token, "ST") && d.expiration == 1795766400.0,
	   "creds JSON: every field");
	decode_creds_free(&d);
	const char *imds =
	    "{\"Code\": \"Success\", \"Type\": \"AWS-HMAC\", \"AccessKeyId\": \"AK\", "
	    "\"SecretAccessKey\": \"SK\", \"Token\": \"T\", \"Expiration\": "
	    "\"2026-11-27T08:00:00Z\"}";
	ok(decode_creds(imds, strlen(imds), &d, &err) == 0 && !strcmp(d.session_token, "T") &&
	       !strcmp(d.code, "Success"),
	   "creds JSON: metadata shape (Token)");
	decode_creds_free(&d);
	const char *failed = "{\"Code\": \"AssumeRoleUnauthorizedAccess\", \"Message\": \"nope\"}";
	ok(decode_creds(failed, strlen(failed), &d, &err) < 0 &&
	       strstr(err.msg, "AssumeRoleUnauthorizedAccess: nope"),
	   "creds JSON: a failure code (%s)", err.msg);
	const char *half = "{\"AccessKeyId\": \"AK\"}";
	ok(decode_creds(half, strlen(half), &d, &err) < 0 && strstr(err.msg, "SecretAccessKey"),
	   "creds JSON: no secret");
	const char *typed = "{\"AccessKeyId\": \"AK\", \"SecretAccessKey\": 5}";
	ok(decode_creds(typed, strlen(typed), &d, &err) < 0 && !strstr(err.msg, "5"),
	   "creds JSON: a wrong type (%s)", err.msg);
	ok(decode_creds("{\"A", 3, &d, &err) < 0 && strstr(err.msg, "invalid JSON"),
	   "creds JSON: invalid");
	const char *secret_in_bad = "{\"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"TOPSECRET\", "
	                            "\"Expiration\": \"soon\"}";
	ok(decode_creds(secret_in_bad, strlen(secret_in_bad), &d, &err) < 0 &&
	       !strstr(err.msg, "TOPSECRET"),
	   "creds JSON: errors never quote the secret (%s)", err.msg);
}

/* ---- retrying ---- */

static void
test_backoff(void)
{
	is_num(retry_backoff(1, 0.5), 0.1, "backoff: first retry, half of 0.2 s");
	is_num(retry_backoff(2, 1.0), 0.4, "backoff: doubles");
	is_num(retry_backoff(4, 0.25), 0.4, "backoff: full jitter scales the whole range");
	is_num(retry_backoff(8, 1.0), 20.0, "backoff: capped at 20 s");
	is_num(retry_backoff(1000, 0.5), 10.0, "backoff: no overflow for huge attempts");
	is_num(retry_backoff(3, 0.0), 0.0, "backoff: can be zero");
}

static void
test_ratelim(void)
{
	/* The same events fed to botocore 1.29's adaptive ClientRateLimiter
	 * (fake clock); its token bucket rates after each one. */
	static const struct {
		double t;
		bool throttled;
		double fill;
	} ev[] = {
	    {102.0, true, 6.997760000},  {102.5, false, 7.198720000}, {103.0, false, 4.639744000},
	    {104.0, false, 2.527948800}, {105.0, true, 0.736956416},  {106.0, false, 1.052968564},
	    {110.0, false, 0.804223590},
	};
	struct retry_ratelim r;
	retry_ratelim_init(&r, 100.0);
	is_num(retry_ratelim_acquire(&r, 100.0), 0,
	       "rate limiter: out of the way before any throttling");
	for (int i = 0; i < 20; i++)
		retry_ratelim_response(&r, 100.0 + 0.1 * i, false);
	ok(fabs(r.fill_rate - 2.7436) < 1e-6 && isinf(retry_ratelim_rate(&r)),
	   "rate limiter: CUBIC growth tracked while disabled (%.6f)", r.fill_rate);
	for (size_t i = 0; i < sizeof ev / sizeof *ev; i++) {
		retry_ratelim_response(&r, ev[i].t, ev[i].throttled);
		ok(fabs(r.fill_rate - ev[i].fill) < 1e-6,
		   "rate limiter at t=%.1f%s: %.6f/s as botocore (%.9f)", ev[i].t,
		   ev[i].throttled ? " (throttled)" : "", ev[i].fill, r.fill_rate);
	}
	ok(r.enabled && fabs(retry_ratelim_rate(&r) - 0.80422359) < 1e-6,
	   "rate limiter: engaged after a throttle");
	/* token bucket: capacity 1 at most below 1 req/s */
	double now = 200.0;
	retry_ratelim_acquire(&r, now);
	double wait = retry_ratelim_acquire(&r, now);
	ok(wait > 0 && fabs(wait - 1 / r.fill_rate) < 1e-6,
	   "token bucket: the next token in 1/rate s");
	is_num(retry_ratelim_acquire(&r, now + wait), 0, "token bucket: then it may send");
}

/* ---- slicing and texts ---- */

static void
test_slices(void)
{
	double *b;
	size_t n = fetch_slices(0, 900, 0, &b);
	ok(n == 15 && b[0] == 0 && b[1] == 60 && b[15] == 900,
	   "slices: 15 min = 15 slices of 1 min");
	free(b);
	n = fetch_slices(1000, 1030, 0, &b);
	ok(n == 1 && b[0] == 1000 && b[1] == 1030, "slices: a short window is one slice");
	free(b);
	n = fetch_slices(0, 21600, 0, &b);
	ok(n == FETCH_MAX_SLICES && b[1] == 338 && b[n] == 21600 && b[n - 1] < 21600,
	   "slices: 6 h = 64 slices of 338 s (%zu, %g)", n, b[1]);
	free(b);
	n = fetch_slices(0, 30 * 86400, 0, &b);
	ok(n == FETCH_MAX_SLICES, "slices: 30 days, still 64");
	bool ascending = true;
	for (size_t i = 0; i < n; i++)
		ascending &= b[i] < b[i + 1] && b[i] == floor(b[i]);
	ok(ascending && b[n] == 30 * 86400, "slices: ascending whole seconds, ending at the end");
	free(b);
	n = fetch_slices(0, 3601, 600, &b);
	ok(n == 7 && b[6] == 3600 && b[7] == 3601, "slices: a fixed size, the last one short");
	free(b);
	n = fetch_slices(5, 5, 0, &b);
	ok(n == 1, "slices: an empty window is one slice");
	free(b);

	char text[80];
	fetch_window_text(1795766400, 1795766700, text, sizeof text);
	is_str(text, "2026-11-27T08:00Z..08:05Z", "window text: minutes");
	fetch_window_text(1795766400, 1795766430, text, sizeof text);
	is_str(text, "2026-11-27T08:00:00Z..08:00:30Z", "window text: seconds");
	fetch_window_text(1795766400, 1795766400 + 86400, text, sizeof text);
	is_str(text, "2026-11-27T08:00Z..2026-11-28T08:00Z", "window text: across days");
	fetch_duration_text(120, text, sizeof text);
	is_str(text, "2m", "duration: 2m");
	fetch_duration_text(90, text, sizeof text);
	is_str(text, "1m30s", "duration: 1m30s");
	fetch_duration_text(45, text, sizeof text);
	is_str(text, "45s", "duration: 45s");
	fetch_duration_text(2.5, text, sizeof text);
	is_str(text, "2.5s", "duration: 2.5s");
}

/* ---- replies and bodies ---- */

static enum xray_verdict
classify(long status, const char *error_type, const char *body, enum http_failure failure,
         struct xray_reply *rep)
{
	struct http_response r = {0};
	r.failure = failure;
	r.status = status;
	snprintf(r.error_type, sizeof r.error_type, "%s", error_type);
	buf_puts(&r.body, body);
	xray_classify(&r, rep);
	buf_free(&r.body);
	return rep->verdict;
}

static void
test_classify(void)
{
	struct xray_reply rep;
	is_int(classify(200, "", "{}", HTTP_FAIL_NONE, &rep), XRAY_OK, "classify: 200");
	is_int(classify(429, "ThrottledException", "{\"message\":\"Rate exceeded\"}", 0, &rep),
	       XRAY_THROTTLED, "classify: 429 ThrottledException");
	is_str(rep.message, "Rate exceeded", "classify: the message");
	is_int(classify(400, "",
	                "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", 0,
	                &rep),
	       XRAY_THROTTLED, "classify: 400 ThrottlingException in __type");
	is_str(rep.code, "ThrottlingException", "classify: the code from __type");
	is_int(classify(400, "", "{\"__type\":\"com.amazon.coral#ThrottlingException\"}", 0, &rep),
	       XRAY_THROTTLED, "classify: a namespaced __type");
	is_int(classify(400, "InvalidRequestException", "{\"message\":\"bad filter\"}", 0, &rep),
	       XRAY_FAILED, "classify: InvalidRequestException is not retried");
	is_int(classify(403, "ExpiredTokenException", "{}", 0, &rep), XRAY_EXPIRED,
	       "classify: expired token");
	is_int(classify(403, "InvalidSignatureException", "{}", 0, &rep), XRAY_FATAL,
	       "classify: bad signature");
	is_int(classify(403, "", "", 0, &rep), XRAY_FATAL, "classify: a bare 403");
	is_int(classify(500, "", "<html>oops</html>", 0, &rep), XRAY_TRANSIENT,
	       "classify: 500 with HTML");
	is_str(rep.code, "HTTP 500", "classify: no code: the status");
	is_int(classify(503, "ServiceUnavailable", "", 0, &rep), XRAY_TRANSIENT, "classify: 503");
	is_int(classify(404, "UnknownOperationException", "", 0, &rep), XRAY_FAILED,
	       "classify: 404");
	is_int(classify(0, "", "", HTTP_FAIL_TIMEOUT, &rep), XRAY_TRANSIENT, "classify: timeout");
	is_int(classify(0, "", "", HTTP_FAIL_TRUNCATED, &rep), XRAY_TRANSIENT,
	       "classify: cut short");
	is_int(classify(0, "", "", HTTP_FAIL_RESET, &rep), XRAY_TRANSIENT, "classify: reset");
	is_int(classify(0, "", "", HTTP_FAIL_TLS, &rep), XRAY_FATAL, "classify: TLS");
	is_int(classify(0, "", "", HTTP_FAIL_TOO_LARGE, &rep), XRAY_FAILED, "classify: too large");

	struct buf b = BUF_INIT;
	xray_body_trace_summaries(&b, 1795766400, 1795766700, "Event",
	                          "service(\"a\\b\") AND fault", NULL);
	is_str(b.data,
	       "{\"StartTime\":1795766400,\"EndTime\":1795766700,\"TimeRangeType\":\"Event\","
	       "\"FilterExpression\":\"service(\\\"a\\\\b\\\") AND fault\"}",
	       "body: GetTraceSummaries");
	buf_reset(&b);
	char a[] = "1-a", bb[] = "1-b";
	char *ids[] = {a, bb};
	xray_body_batch_get_traces(&b, ids, 2, "tok");
	is_str(b.data, "{\"TraceIds\":[\"1-a\",\"1-b\"],\"NextToken\":\"tok\"}",
	       "body: BatchGetTraces");
	buf_reset(&b);
	xray_body_service_graph(&b, 10, 20, "g", NULL);
	is_str(b.data, "{\"StartTime\":10,\"EndTime\":20,\"GroupName\":\"g\"}",
	       "body: GetServiceGraph");
	buf_reset(&b);
	xray_body_groups(&b, NULL);
	is_str(b.data, "{}", "body: GetGroups sends {}");
	buf_free(&b);
}

static void
test_graph(void)
{
	size_t len;
	char *json = read_fixture("devguide-servicegraph.json", &len);
	struct xr_service_graph *g = svcgraph_new();
	char *token = (char *)"x";
	struct xr_err err = {0};
	ok(decode_service_graph_response(json, len, g, &token, &err) == 0,
	   "graph: the devguide example (%s)", err.msg);
	ok(g->n_services == 4 && token == NULL, "graph: 4 services, no NextToken");
	const struct xr_graph_service *s = svcgraph_find(g, 2);
	ok(s && s->root && !strcmp(s->type, "AWS::EC2::Instance") && s->n_edges == 2,
	   "graph: the EC2 root with its 2 edges");
	ok(s && s->stats.ok == 3 && s->stats.error_other == 1 && s->stats.total == 4 &&
	       fabs(s->stats.total_response_time - 0.273) < 1e-9 && s->n_response_times == 4,
	   "graph: service statistics and histogram");
	ok(s && s->edges[0].reference_id == 1 && s->edges[0].stats.ok == 2,
	   "graph: edge statistics");
	ok(svcgraph_find(g, 1) && svcgraph_find(g, 1)->n_edges == 0, "graph: a leaf");
	const char *page2 =
	    "{\"Services\":[{\"ReferenceId\":9,\"Name\":\"x\",\"Edges\":[]}],\"NextToken\":\"t2\"}";
	ok(decode_service_graph_response(page2, strlen(page2), g, &token, &err) == 0 &&
	       g->n_services == 5 && token && !strcmp(token, "t2"),
	   "graph: a second page appends");
	free(token);
	const char *bad = "{\"Services\":[{\"ReferenceId\":\"nine\"}]}";
	ok(decode_service_graph_response(bad, strlen(bad), g, &token, &err) < 0 &&
	       g->n_services == 5 && strstr(err.msg, "Services[0].ReferenceId"),
	   "graph: a wrong type adds nothing (%s)", err.msg);
	ok(decode_service_graph_response("{\"Services\": 7}", 15, g, &token, &err) < 0,
	   "graph: Services not a list");
	svcgraph_free(g);
	free(json);
}

/* ---- secrets ---- */

static void
test_redact(void)
{
	dlog_secret("wJalrXUtnFEMI/K7MDENG");
	dlog_secret("IQoJb3JpZ2luX2VjEXAMPLETOKEN");
	dlog_secret("abc"); /* too short to redact safely */
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"secret wJalrXUtnFEMI/K7MDENG here", "secret <redacted> here"},
	    {"x-amz-security-token: IQoJb3JpZ2luX2VjEXAMPLETOKEN",
	     "x-amz-security-token: <redacted>"},
	    {"Authorization: AWS4-HMAC-SHA256 "
	     "Credential=AKID/20261127/us-east-1/xray/aws4_request, "
	     "SignedHeaders=content-type;host;x-amz-date, Signature=5bc60655aa00bd",
	     "Authorization: AWS4-HMAC-SHA256 "
	     "Credential=AKID/20261127/us-east-1/xray/aws4_request, "
	     "SignedHeaders=content-type;host;x-amz-date, Signature=<redacted>"},
	    {"Authorization: Bearer c10udsh3ll", "Authorization: <redacted>"},
	    {"{\"SecretAccessKey\": \"zzz\", \"Token\": \"ttt\", \"AccessKeyId\": \"AKID\"}",
	     "{\"SecretAccessKey\": \"<redacted>\", \"Token\": \"<redacted>\", \"AccessKeyId\": "
	     "\"AKID\"}"},
	    {"aws_secret_access_key = qqq\n", "aws_secret_access_key = <redacted> "},
	    {"NextToken abc and Tokens are fine", "NextToken abc and Tokens are fine"},
	    {"bell \x07 and \x1b[31m", "bell ^G and ^[[31m"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct buf b = BUF_INIT;
		dlog_redact(&b, cases[i].in, strlen(cases[i].in));
		is_str(b.data, cases[i].out, "redact: %s", cases[i].out);
		buf_free(&b);
	}

	char path[300];
	snprintf(path, sizeof path, "%s/debug.log", tmpdir);
	struct xr_err err = {0};
	ok(dlog_open(path, &err) == 0, "debug log: opens");
	dlog("credentials: key %s token %s", "wJalrXUtnFEMI/K7MDENG",
	     "IQoJb3JpZ2luX2VjEXAMPLETOKEN");
	dlog_close();
	size_t len;
	FILE *f = fopen(path, "r");
	char text[512] = "";
	len = fread(text, 1, sizeof text - 1, f);
	text[len] = '\0';
	fclose(f);
	struct stat st;
	stat(path, &st);
	ok(strstr(text, "key <redacted> token <redacted>") && !strstr(text, "K7MDENG") &&
	       !strstr(text, "EXAMPLETOKEN"),
	   "debug log: secrets redacted in the file");
	is_int(st.st_mode & 0777, 0600, "debug log: created 0600");
	dlog("not open: %s", "nothing happens");

	char *s = secret_strdup("hush");
	is_str(s, "hush", "secret memory: holds the text");
	secret_free(s);
	secret_free(NULL);
	ok(secret_strdup(NULL) == NULL, "secret memory: NULL stays NULL");
}

/* ---- credentials resolved inside the loop ---- */

struct loop_creds {
	struct creds *c;
	int timer_runs;
	bool timer_before_ready;
};

static double
tick_creds(void *ctx)
{
	struct loop_creds *lc = ctx;
	return creds_tick(lc->c);
}

static bool
creds_settled(void *ctx)
{
	struct loop_creds *lc = ctx;
	return creds_ready(lc->c) || creds_failure(lc->c);
}

static void
count_timer(void *ctx)
{
	struct loop_creds *lc = ctx;
	lc->timer_runs++;
	if (!creds_ready(lc->c))
		lc->timer_before_ready = true;
}

/* Runs creds_start() for the current environment in a loop; returns the
 * seconds creds_start() itself took. */
static double
creds_in_loop(struct awsconfig *cfg, struct http *h, struct loop *l, struct loop_creds *lc)
{
	double t0 = timefmt_monotonic();
	lc->c = creds_start(cfg, h);
	double took = timefmt_monotonic() - t0;
	loop_add_tick(l, tick_creds, lc);
	uint64_t timer = loop_add_timer(l, timefmt_monotonic() + 0.05, 0.05, count_timer, lc);
	struct xr_err err = {0};
	loop_run(l, creds_settled, lc, &err);
	loop_cancel_timer(l, timer);
	loop_remove_tick(l, tick_creds, lc);
	return took;
}

static void
test_creds_in_loop(void)
{
	base_env();
	char exp[40];
	timefmt_iso(timefmt_now() + 3600, exp, sizeof exp);
	char config[600];
	snprintf(config, sizeof config,
	         "[default]\ncredential_process = sh -c \"sleep 0.4; echo "
	         "'{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIDLOOP\\\", "
	         "\\\"SecretAccessKey\\\": \\\"s\\\", \\\"SessionToken\\\": \\\"t\\\", "
	         "\\\"Expiration\\\": \\\"%s\\\"}'\"\n",
	         exp);
	env_set("AWS_CONFIG_FILE", write_file("config", config));
	struct awsconfig cfg;
	struct xr_err err = {0};
	ok(awsconfig_load(&cfg, NULL, env_get, &err) == 0, "loop creds: config loads (%s)",
	   err.msg);
	struct http *h = http_new(2);
	struct loop *l = loop_new(h);
	struct loop_creds lc = {0};
	double t0 = timefmt_monotonic();
	double took = creds_in_loop(&cfg, h, l, &lc);
	double total = timefmt_monotonic() - t0;
	ok(took < 0.3, "loop creds: creds_start() returns at once (%.3f s) while the process runs",
	   took);
	ok(creds_ready(lc.c) && !creds_failure(lc.c), "loop creds: ready once the process ended");
	is_str(creds_current(lc.c)->access_key_id, "AKIDLOOP", "loop creds: its access key");
	ok(total >= 0.35, "loop creds: the process's 0.4 s were waited for in the loop (%.3f s)",
	   total);
	ok(lc.timer_before_ready && lc.timer_runs >= 3,
	   "loop creds: the loop ran timers meanwhile (%d runs)", lc.timer_runs);
	ok(creds_refreshable(lc.c) && !creds_refreshing(lc.c),
	   "loop creds: refreshable, no refresh running");
	ok(creds_refresh_now(lc.c, creds_generation(lc.c)),
	   "loop creds: a refresh can be asked for");
	creds_tick(lc.c);
	ok(creds_refreshing(lc.c),
	   "loop creds: the next tick starts the refresh, without blocking");
	unsigned gen = creds_generation(lc.c);
	struct xr_err e2 = {0};
	loop_add_tick(l, tick_creds, &lc);
	for (int i = 0; i < 200 && creds_generation(lc.c) == gen; i++)
		loop_once(l, 0.05, &e2);
	loop_remove_tick(l, tick_creds, &lc);
	ok(creds_generation(lc.c) == gen + 1 && !creds_refreshing(lc.c),
	   "loop creds: the refresh finished in the loop, new generation");
	creds_free(lc.c);

	env_set("AWS_CONFIG_FILE",
	        write_file("config", "[default]\ncredential_process = sh -c \"sleep 0.2; "
	                             "echo nope >&2; exit 4\"\n"));
	awsconfig_free(&cfg);
	ok(awsconfig_load(&cfg, NULL, env_get, &err) == 0, "loop creds: second config loads");
	struct loop_creds bad = {0};
	creds_in_loop(&cfg, h, l, &bad);
	const struct xr_err *f = creds_failure(bad.c);
	ok(f && !creds_ready(bad.c) && f->status == XR_EAUTH &&
	       strstr(f->msg, "exited with status 4: nope"),
	   "loop creds: a failing process is the failure (%s)", f ? f->msg : "none");
	creds_free(bad.c);
	loop_free(l);
	http_free(h);
	awsconfig_free(&cfg);
}

int
main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/xrtop-api-test-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_ini();
	test_config();
	test_creds_order();
	test_creds_in_loop();
	test_split();
	test_decode_creds();
	test_backoff();
	test_ratelim();
	test_slices();
	test_classify();
	test_graph();
	test_redact();
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
