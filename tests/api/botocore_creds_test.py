#!/usr/bin/python3
"""TAP: the same config and credentials files, profile by profile, given to
botocore's own credential resolver (Debian's python3-botocore) and to
xrtop resolve to the same access key id - or both refuse.

Both talk to the same loopback stubs (tests/emulator/stub_aws.py: STS, the
IAM Identity Center portal, SSO OIDC), which mint keys from what each call
asks (derivedkeys.py), so equal keys mean equal calls: the same role, from
the same caller, with the same external id.  xrtop is pointed at the stubs
with AWS_ENDPOINT_URL_STS/_SSO/_SSO_OIDC; Debian's botocore (1.29) predates
those variables, so its clients get the same URLs through create_client's
endpoint_url.  Which key xrtop resolved is read from the X-Ray emulator's
log (the access key id of the Authorization header), never printed."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (AKID, SECRET, TOP, PYTHON, Tap, Workdir, api_args, clean_env,  # noqa
                     emulator, leaked, xrtop)
sys.path.insert(0, os.path.join(TOP, "tests", "emulator"))
from childserver import Server  # noqa: E402
import derivedkeys  # noqa: E402

t = Tap()
work = Workdir()
STUB = os.path.join(TOP, "tests", "emulator", "stub_aws.py")
KEY2, SECRET2 = "AKIDXRTOPSECOND", "second-secret/QRST5678"
KEY3, SECRET3 = "AKIDXRTOPTHIRD", "third-secret/MNOP9012"
ENV_KEY, ENV_SECRET = "AKIDXRTOPENVIRON", "environ-secret/IJKL3456"
WEB_TOKEN = "eyJraWQiOiJ3ZWItdG9rZW4tMSJ9.web-identity-payload.signature"
SSO_TOKEN = "sso-access-token-valid-0001"
REFRESH = {"botocore": "sso-refresh-for-botocore", "xrtop": "sso-refresh-for-xrtop"}
SECRETS = [SECRET, SECRET2, SECRET3, ENV_SECRET, WEB_TOKEN, SSO_TOKEN] + list(REFRESH.values())
ARN = "arn:aws:iam::123456789012:role/"

stub = Server(STUB, "--credentials", "%s:%s" % (AKID, SECRET),
              "--credentials", "%s:%s" % (KEY2, SECRET2),
              "--credentials", "%s:%s" % (KEY3, SECRET3),
              "--credentials", "%s:%s" % (ENV_KEY, ENV_SECRET),
              "--web-token", WEB_TOKEN, "--sso-token", SSO_TOKEN,
              *sum((["--refresh-token", r] for r in REFRESH.values()), []))
emu = emulator("--derived-keys", keys=[(AKID, SECRET), (KEY2, SECRET2), (KEY3, SECRET3),
                                       (ENV_KEY, ENV_SECRET)])
outputs = []

BOTOCORE = r"""
import json, sys
import botocore.session
endpoint, profile = sys.argv[1], sys.argv[2] or None
s = botocore.session.Session(profile=profile)
create = s.create_client
def create_client(name, *a, **kw):
    kw["endpoint_url"] = endpoint
    return create(name, *a, **kw)
s.create_client = create_client
try:
    c = s.get_credentials()
    print(json.dumps({"akid": c.access_key if c else None}))
except Exception as e:
    print(json.dumps({"error": type(e).__name__, "message": str(e)[:300]}))
"""

STATIC = "aws_access_key_id = %s\naws_secret_access_key = %s\n"


def sso_cache(key, expires_in, refresh=None, start_url=None, session=None):
    """Writes the AWS CLI's token cache file for a session name or start URL."""
    import hashlib
    d = os.path.join(work.path, ".aws", "sso", "cache")
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1((session or start_url).encode()).hexdigest() + ".json"
    doc = {"startUrl": start_url or "https://d-1234567890.awsapps.com/start",
           "region": "us-east-1", "accessToken": key,
           "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in))}
    if refresh:
        doc.update({"refreshToken": refresh, "clientId": "client-id-1",
                    "clientSecret": "client-secret-1",
                    "registrationExpiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                           time.gmtime(time.time() + 86400))})
    with open(os.path.join(d, name), "w") as f:
        json.dump(doc, f)


def clear_sso_cache():
    d = os.path.join(work.path, ".aws", "sso", "cache")
    if os.path.isdir(d):
        for n in os.listdir(d):
            os.unlink(os.path.join(d, n))


START = "https://d-1234567890.awsapps.com/start"
SSO_SESSION = ("[sso-session corp]\nsso_start_url = %s\nsso_region = us-east-1\n"
               "sso_registration_scopes = sso:account:access\n" % START)


def sso_valid(who):
    sso_cache(SSO_TOKEN, 3600, session="corp")
    sso_cache(SSO_TOKEN, 3600, start_url=START)


def sso_refresh(who):
    sso_cache("sso-access-token-stale", 60, refresh=REFRESH[who], session="corp")


def sso_expired_legacy(who):
    sso_cache("sso-access-token-stale", -60, start_url=START)


# name, config, credentials, profile, explicit (--profile), extra env, setup(who)
CASES = [
    ("static keys, credentials file [default]", "", "[default]\n" + STATIC % (AKID, SECRET),
     None, False, {}, None),
    ("credentials file before config file", "[default]\n" + STATIC % (KEY2, SECRET2),
     "[default]\n" + STATIC % (AKID, SECRET), None, False, {}, None),
    ("role from a source_profile with keys", "[profile r]\nrole_arn = %sone\n"
     "source_profile = base\n" % ARN, "[base]\n" + STATIC % (AKID, SECRET), "r", True, {}, None),
    ("role via AWS_PROFILE", "[profile r]\nrole_arn = %sone\nsource_profile = base\n" % ARN,
     "[base]\n" + STATIC % (KEY2, SECRET2), "r", False, {}, None),
    ("chain of 3 roles", "[profile a]\nrole_arn = %sa\nsource_profile = b\n"
     "[profile b]\nrole_arn = %sb\nsource_profile = c\n[profile c]\nrole_arn = %sc\n"
     "source_profile = base\n" % (ARN, ARN, ARN), "[base]\n" + STATIC % (AKID, SECRET),
     "a", True, {}, None),
    ("chain of 6 roles", "".join("[profile p%d]\nrole_arn = %sp%d\nsource_profile = p%d\n"
                                 % (i, ARN, i, i + 1) for i in range(5))
     + "[profile p5]\nrole_arn = %sp5\nsource_profile = base\n" % ARN,
     "[base]\n" + STATIC % (KEY3, SECRET3), "p0", True, {}, None),
    ("a profile that is its own source (role and keys together)",
     "[profile self]\nrole_arn = %sself\nsource_profile = self\n" % ARN + STATIC % (AKID, SECRET),
     "", "self", True, {}, None),
    ("external_id, role_session_name and duration_seconds",
     "[profile r]\nrole_arn = %sext\nsource_profile = base\nexternal_id = ext-42\n"
     "role_session_name = alice\nduration_seconds = 1800\n" % ARN,
     "[base]\n" + STATIC % (AKID, SECRET), "r", True, {}, None),
    ("role_arn in the credentials file", "", "[base]\n" + STATIC % (AKID, SECRET)
     + "[r]\nrole_arn = %scredfile\nsource_profile = base\n" % ARN, "r", True, {}, None),
    ("a cycle of two profiles", "[profile x]\nrole_arn = %sx\nsource_profile = y\n"
     "[profile y]\nrole_arn = %sy\nsource_profile = x\n" % (ARN, ARN), "", "x", True, {}, None),
    ("a cycle of three profiles", "[profile x]\nrole_arn = %sx\nsource_profile = y\n"
     "[profile y]\nrole_arn = %sy\nsource_profile = z\n[profile z]\nrole_arn = %sz\n"
     "source_profile = x\n" % (ARN, ARN, ARN), "", "x", True, {}, None),
    ("a source_profile that does not exist", "[profile r]\nrole_arn = %sr\n"
     "source_profile = nowhere\n" % ARN, "", "r", True, {}, None),
    ("role_arn with no source", "[profile r]\nrole_arn = %sr\n" % ARN, "", "r", True, {}, None),
    ("both source_profile and credential_source", "[profile r]\nrole_arn = %sr\n"
     "source_profile = base\ncredential_source = Environment\n" % ARN,
     "[base]\n" + STATIC % (AKID, SECRET), "r", True, {}, None),
    ("credential_source = Environment", "[profile r]\nrole_arn = %senv\n"
     "credential_source = Environment\n" % ARN, "", "r", True,
     {"AWS_ACCESS_KEY_ID": ENV_KEY, "AWS_SECRET_ACCESS_KEY": ENV_SECRET}, None),
    ("credential_source not one of the three", "[profile r]\nrole_arn = %senv\n"
     "credential_source = Somewhere\n" % ARN, "", "r", True, {}, None),
    ("environment keys before a role (AWS_PROFILE)", "[profile r]\nrole_arn = %sr\n"
     "source_profile = base\n" % ARN, "[base]\n" + STATIC % (AKID, SECRET), "r", False,
     {"AWS_ACCESS_KEY_ID": ENV_KEY, "AWS_SECRET_ACCESS_KEY": ENV_SECRET}, None),
    ("--profile skips environment keys for the role", "[profile r]\nrole_arn = %sr\n"
     "source_profile = base\n" % ARN, "[base]\n" + STATIC % (AKID, SECRET), "r", True,
     {"AWS_ACCESS_KEY_ID": ENV_KEY, "AWS_SECRET_ACCESS_KEY": ENV_SECRET}, None),
    ("a role that may not be assumed (AccessDenied)", "[profile r]\nrole_arn = %sdenied\n"
     "source_profile = base\n" % ARN, "[base]\n" + STATIC % (AKID, SECRET), "r", True, {}, None),
    ("web identity from the environment", "", "", None, False,
     {"AWS_WEB_IDENTITY_TOKEN_FILE": "@token", "AWS_ROLE_ARN": ARN + "web",
      "AWS_ROLE_SESSION_NAME": "pod-1"}, None),
    ("web identity from a profile", "[profile w]\nweb_identity_token_file = @token\n"
     "role_arn = %sweb-profile\n" % ARN, "", "w", True, {}, None),
    ("--profile ignores the web identity environment", "[profile w]\n"
     "web_identity_token_file = @token\nrole_arn = %sweb-profile\n" % ARN, "", "w", True,
     {"AWS_WEB_IDENTITY_TOKEN_FILE": "@token", "AWS_ROLE_ARN": ARN + "web-env"}, None),
    ("web identity without a role ARN", "[profile w]\nweb_identity_token_file = @token\n",
     "", "w", True, {}, None),
    ("a role whose source profile uses web identity", "[profile r]\nrole_arn = %sabove-web\n"
     "source_profile = w\n[profile w]\nweb_identity_token_file = @token\n"
     "role_arn = %sweb-profile\n" % (ARN, ARN), "", "r", True, {}, None),
    ("IAM Identity Center, sso_session form", SSO_SESSION + "[profile s]\nsso_session = corp\n"
     "sso_account_id = 111122223333\nsso_role_name = ReadOnly\n", "", "s", True, {}, sso_valid),
    ("IAM Identity Center, legacy sso_start_url form", "[profile s]\nsso_start_url = %s\n"
     "sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Legacy\n" % START,
     "", "s", True, {}, sso_valid),
    ("SSO token near expiry renewed with the refresh token", SSO_SESSION +
     "[profile s]\nsso_session = corp\nsso_account_id = 111122223333\n"
     "sso_role_name = Renewed\n", "", "s", True, {}, sso_refresh),
    ("SSO legacy token expired", "[profile s]\nsso_start_url = %s\nsso_region = us-east-1\n"
     "sso_account_id = 111122223333\nsso_role_name = Legacy\n" % START, "", "s", True, {},
     sso_expired_legacy),
    ("SSO without a sign-in (no cache file)", SSO_SESSION + "[profile s]\nsso_session = corp\n"
     "sso_account_id = 111122223333\nsso_role_name = ReadOnly\n", "", "s", True, {}, None),
    ("SSO profile missing sso_role_name", SSO_SESSION + "[profile s]\nsso_session = corp\n"
     "sso_account_id = 111122223333\n", "", "s", True, {}, sso_valid),
    ("a role from an SSO (legacy) source profile", "[profile r]\nrole_arn = %sfrom-sso\n"
     "source_profile = s\n[profile s]\nsso_start_url = %s\nsso_region = us-east-1\n"
     "sso_account_id = 111122223333\nsso_role_name = Base\n" % (ARN, START), "", "r", True, {},
     sso_valid),
    ("a role from a credential_process source profile", "[profile r]\nrole_arn = %sfrom-proc\n"
     "source_profile = p\n[profile p]\ncredential_process = @process\n" % ARN, "", "r", True,
     {}, None),
    ("web_identity_token_file wins over role_arn's assume role", "[profile w]\n"
     "web_identity_token_file = @token\nrole_arn = %sweb-profile\nsource_profile = base\n" % ARN,
     "[base]\n" + STATIC % (AKID, SECRET), "w", True, {}, None),
]


# What xrtop's message must say where both refuse.
WHY = {
    "a cycle of two profiles": "chain 'x' -> 'y' -> 'x' is a cycle",
    "a cycle of three profiles": "chain 'x' -> 'y' -> 'z' -> 'x' is a cycle",
    "a source_profile that does not exist": "source_profile 'nowhere' of profile 'r' is in "
                                            "neither",
    "role_arn with no source": "neither source_profile nor credential_source",
    "both source_profile and credential_source": "both source_profile and credential_source",
    "credential_source not one of the three": "credential_source 'Somewhere' of profile 'r' "
                                              "is not valid",
    "a role that may not be assumed (AccessDenied)": "AccessDenied: User: ",
    "web identity without a role ARN": "no role ARN to assume",
    "SSO legacy token expired": "run 'aws sso login --profile s'",
    "SSO without a sign-in (no cache file)": "run 'aws sso login --sso-session corp'",
    "SSO profile missing sso_role_name": "has no sso_role_name",
}


def materialise(text):
    token = work.file("web-token", WEB_TOKEN)
    proc = work.file("process.py", "import json\nprint(json.dumps({'Version': 1, "
                     "'AccessKeyId': %r, 'SecretAccessKey': %r}))\n" % (KEY2, SECRET2))
    return text.replace("@token", token).replace("@process", "%s %s" % (PYTHON, proc))


def environment(extra, profile, explicit):
    env = clean_env(work, AWS_DEFAULT_REGION="us-east-1",
                    AWS_ENDPOINT_URL_STS=stub.base, AWS_ENDPOINT_URL_SSO=stub.base,
                    AWS_ENDPOINT_URL_SSO_OIDC=stub.base)
    for k, v in extra.items():
        env[k] = materialise(v)
    if profile and not explicit:
        env["AWS_PROFILE"] = profile
    return env


def run_botocore(env, profile, explicit):
    p = subprocess.run([PYTHON, "-c", BOTOCORE, stub.base, profile if explicit else ""],
                       env=env, capture_output=True, timeout=120)
    outputs.append(p.stderr.decode())
    try:
        return json.loads(p.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "crash", "message": p.stderr.decode()[-300:]}


def run_xrtop(env, profile, explicit):
    emu.reset()
    args = api_args(emu) + ["-o", "ndjson"] + (["--profile", profile] if explicit else [])
    r = xrtop(args, env)
    outputs.extend([r.out, r.err])
    log = emu.requests()
    keys = sorted({e["signature"].get("access_key") for e in log})
    valid = bool(log) and all(e["signature"]["result"] == "valid" for e in log)
    if r.rc == 0 and valid and len(keys) == 1:
        return {"akid": keys[0]}, r
    return {"error": "exit %d" % r.rc, "message": r.err.strip()[-400:]}, r


try:
    agree = 0
    for name, config, credentials, profile, explicit, extra, setup in CASES:
        work.file("config", materialise(config))
        work.file("credentials", credentials)
        env = environment(extra, profile, explicit)
        clear_sso_cache()
        if setup:
            setup("botocore")
        b = run_botocore(env, profile, explicit)
        clear_sso_cache()
        if setup:
            setup("xrtop")
        x, r = run_xrtop(env, profile, explicit)
        same = (b.get("akid") is not None and b.get("akid") == x.get("akid")) or \
            ("error" in b and "error" in x) or (b.get("akid") is None and "akid" not in b
                                                 and "error" in x)
        agree += same
        t.ok(same, "%s: botocore %s, xrtop %s" % (
            name, b.get("akid") or b.get("error"), x.get("akid") or x.get("error")),
            "botocore: %s\nxrtop: %s" % (json.dumps(b), json.dumps(x)))
        if "akid" in x and b.get("akid"):
            t.ok(derivedkeys.is_derived(x["akid"]) or x["akid"] in (AKID, KEY2, KEY3, ENV_KEY),
                 "%s: a key the stubs or the files gave" % name)
        if "error" in x:
            t.ok(r.rc == 1 and WHY.get(name, "?") in r.err and
                 len(r.err.strip().splitlines()) <= 8,
                 "%s: xrtop says why, briefly" % name, r)
    t.ok(agree >= 20 and len(CASES) >= 20, "%d of %d configurations agree" % (agree, len(CASES)))
    t.is_(leaked(outputs, SECRETS), [], "no secret or token in any output")
finally:
    stub.stop()
    emu.stop()
    work.cleanup()
t.done()
