#!/usr/bin/python3
"""TAP: xrtop's assume-role, web-identity and IAM Identity Center (SSO)
providers and the endpoint settings, against loopback stubs of STS, the SSO
portal and SSO OIDC (tests/emulator/stub_aws.py) and the X-Ray emulator.

What each request carries (the STS form, its SigV4 signature checked with
botocore, the bearer token header), the services' errors (AccessDenied,
ExpiredToken, RegionDisabledException, Throttling, UnauthorizedException,
ForbiddenException, InvalidIdentityToken), MFA codes asked on the terminal
(a pseudo-terminal here) and refused without one, refresh in live mode (the
web identity token file read again), the SSO token renewed and written back,
the endpoint variables and sections - and no secret, token or MFA code in
any output, log or saved file."""

import fcntl
import json
import os
import select
import stat
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (AKID, SECRET, TOP, XRTOP, Tap, Workdir, api_args, clean_env,  # noqa
                     emulator, fixture_ids, header, leaked, ndjson_ids, xrtop)
sys.path.insert(0, os.path.join(TOP, "tests", "emulator"))
from childserver import Server  # noqa: E402
import derivedkeys  # noqa: E402

t = Tap()
work = Workdir()
ALL = fixture_ids()
STUB = os.path.join(TOP, "tests", "emulator", "stub_aws.py")
ARN = "arn:aws:iam::123456789012:role/"
MFA = "arn:aws:iam::123456789012:mfa/alice"
MFA_CODE = "493027"
WEB1 = "eyJhbGciOiJSUzI1NiJ9.first-projected-token.sig1"
WEB2 = "eyJhbGciOiJSUzI1NiJ9.rotated-projected-token.sig2"
SSO_TOKEN = "sso-access-token-roles-test-0001"
REFRESH = "sso-refresh-token-roles-test-0001"
CLIENT_SECRET = "sso-client-secret-roles-test"
EXPIRED_KEY, EXPIRED_SECRET = "AKIDXRTOPOLD", "old-secret/ABCD0000"
SECRETS = [SECRET, EXPIRED_SECRET, WEB1, WEB2, SSO_TOKEN, REFRESH, CLIENT_SECRET, MFA_CODE,
           "derived-secret-", "derived-token-"]
STATIC = "aws_access_key_id = %s\naws_secret_access_key = %s\n"
START = "https://d-9999999999.awsapps.com/start"
outputs = []


def new_stub(*extra):
    return Server(STUB, "--credentials", "%s:%s" % (AKID, SECRET),
                  "--credentials", "%s:%s" % (EXPIRED_KEY, EXPIRED_SECRET),
                  "--expired-key", EXPIRED_KEY, "--mfa-code", MFA_CODE,
                  "--web-token", WEB1, "--web-token", WEB2, "--sso-token", SSO_TOKEN,
                  "--refresh-token", REFRESH, *extra)


stub = new_stub("--disabled-region", "ap-east-1")
emu = emulator("--derived-keys")


def env_for(s=None, **extra):
    s = s or stub
    urls = {"AWS_ENDPOINT_URL_STS": s.base, "AWS_ENDPOINT_URL_SSO": s.base,
            "AWS_ENDPOINT_URL_SSO_OIDC": s.base}
    urls.update(extra)
    return clean_env(work, **urls)


def run(env, *extra, region="us-east-1", emulator_=None):
    e = emulator_ or emu
    e.reset()
    r = xrtop(api_args(e, region=region) + ["-o", "ndjson"] + list(extra), env)
    outputs.extend([r.out, r.err])
    return r


def calls(s=None, action=None):
    log = (s or stub).control("GET", "/__stub/requests")
    return [e for e in log if action is None or e.get("action") == action]


def used_keys(e=None):
    return sorted({x["signature"].get("access_key") for x in (e or emu).requests()})


def all_valid(e=None):
    log = (e or emu).requests()
    return bool(log) and all(x["signature"]["result"] == "valid" for x in log)


def works(r, name, akid=None, e=None):
    t.ok(r.rc == 0 and sorted(ndjson_ids(r.out)) == ALL, name + ": lists the window", r)
    keys = used_keys(e)
    t.ok(all_valid(e) and len(keys) == 1 and (akid is None or keys == [akid]),
         name + ": every X-Ray request signed with the role's key %s" % keys)


def config(text, credentials=""):
    work.file("config", text)
    work.file("credentials", credentials)


def sso_cache(name, token, expires_in, refresh=None):
    import hashlib
    d = os.path.join(work.path, ".aws", "sso", "cache")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(name.encode()).hexdigest() + ".json")
    doc = {"startUrl": START, "region": "us-east-1", "accessToken": token,
           "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in))}
    if refresh:
        doc.update({"refreshToken": refresh, "clientId": "client-1",
                    "clientSecret": CLIENT_SECRET,
                    "registrationExpiresAt": "2099-01-01T00:00:00Z"})
    with open(path, "w") as f:
        json.dump(doc, f)
    os.chmod(path, 0o600)
    return path


def with_terminal(args, env, answer=None, timeout=60, interrupt=False):
    """Runs xrtop with a pseudo-terminal as its controlling terminal; types
    answer after the MFA prompt (or sends SIGINT with interrupt).  Returns
    (rc, stdout, stderr, terminal text, echo on at the end)."""
    master, slave = os.openpty()

    def own_terminal():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    p = subprocess.Popen([XRTOP] + args, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=own_terminal, pass_fds=(slave,))
    os.close(slave)
    seen = b""
    deadline = time.time() + timeout

    def drain(wait):
        nonlocal seen
        ready, _, _ = select.select([master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(master, 4096)
        except OSError:
            return None
        seen += chunk
        return bool(chunk) or None

    # Until the prompt (then answer) or the end; stdout is read by communicate().
    while time.time() < deadline and p.poll() is None:
        if drain(0.2) is None:
            break
        if b"Enter MFA code" in seen and interrupt:
            p.send_signal(2)
            break
        if answer is not None and b"Enter MFA code" in seen:
            os.write(master, answer.encode() + b"\n")
            break
    out, err = p.communicate(timeout=timeout)
    while drain(0) is True:
        pass
    echo = bool(termios.tcgetattr(master)[3] & termios.ECHO)
    os.close(master)
    return p.returncode, out.decode(), err.decode(), seen.decode("utf-8", "replace"), echo


try:
    # -- AssumeRole: the request -------------------------------------------------------
    config("[profile base]\n" + STATIC % (AKID, SECRET) +
           "[profile ops]\nrole_arn = %sops\nsource_profile = base\nexternal_id = ext-7\n"
           "role_session_name = alice@example.com\nduration_seconds = 1800\n" % ARN +
           "[profile prod]\nrole_arn = %sprod\nsource_profile = ops\n" % ARN)
    r = run(env_for(), "--profile", "ops")
    works(r, "assume role")
    c = calls(action="AssumeRole")
    t.is_(len(c), 1, "assume role: one AssumeRole call")
    t.is_(c[0]["params"], {"Action": "AssumeRole", "Version": "2011-06-15",
                           "RoleArn": ARN + "ops", "RoleSessionName": "alice@example.com",
                           "ExternalId": "ext-7", "DurationSeconds": "1800"},
          "assume role: the Query API form (role, session name, external id, duration)")
    t.is_(c[0]["content_type"], "application/x-www-form-urlencoded; charset=utf-8",
          "assume role: form Content-Type")
    t.is_(c[0]["signature"], {"result": "valid", "access_key": AKID},
          "assume role: SigV4 (service sts) valid per botocore, by the source profile's key")
    works(run(env_for(), "--profile", "prod"), "a chain of two roles")
    c = calls(action="AssumeRole")[1:]
    t.ok(len(c) == 2 and c[1]["signature"]["result"] == "valid" and
         c[1]["signature"]["access_key"] == c[0]["issued"] and
         header(c[1], "X-Amz-Security-Token"),
         "a chain: the second AssumeRole is signed by the first role's key and token")

    # the profile's region: STS is called in it
    stub_eu = new_stub("--region", "eu-west-1")
    emu_eu = emulator("--derived-keys", "--region", "eu-west-1")
    config("[profile base]\n" + STATIC % (AKID, SECRET) +
           "[profile ops]\nregion = eu-west-1\nrole_arn = %sops\nsource_profile = base\n" % ARN)
    emu_eu.reset()
    args = ["-b", "--endpoint-url", emu_eu.base, "--profile", "ops", "-o", "ndjson",
            "--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T11:00:00Z"]
    r = xrtop(args, env_for(stub_eu))
    outputs.extend([r.out, r.err])
    works(r, "the profile's region (eu-west-1)", e=emu_eu)
    c = calls(stub_eu, "AssumeRole")
    t.ok(c and c[0]["signature"]["result"] == "valid",
         "the profile's region: STS signed for eu-west-1 (the stub checks the scope)")
    stub_eu.stop()
    emu_eu.stop()

    # -- AssumeRole: the service's errors -------------------------------------------------
    config("[profile base]\n" + STATIC % (AKID, SECRET) +
           "[profile old]\n" + STATIC % (EXPIRED_KEY, EXPIRED_SECRET) +
           "[profile denied]\nrole_arn = %sdenied\nsource_profile = base\n" % ARN +
           "[profile expired]\nrole_arn = %sr\nsource_profile = old\n" % ARN +
           "[profile ops]\nrole_arn = %sops\nsource_profile = base\n" % ARN)
    r = run(env_for(), "--profile", "denied")
    t.ok(r.rc == 1 and "STS AssumeRole (region us-east-1) for role %sdenied of profile "
         "'denied': AccessDenied: User: " % ARN in r.err and "trust policy" in r.err,
         "AccessDenied: the service's code and message, and a hint", r)
    r = run(env_for(), "--profile", "expired")
    t.ok(r.rc == 1 and "ExpiredToken: The security token included in the request is expired"
         in r.err and "source credentials have expired" in r.err,
         "ExpiredToken: said, blaming the source credentials", r)
    r = run(env_for(), "--profile", "ops", region="ap-east-1")
    t.ok(r.rc == 1 and "RegionDisabledException" in r.err and "ap-east-1" in r.err and
         "activate STS" in r.err, "RegionDisabledException: the region and what to do", r)
    busy = new_stub("--throttle", "2")
    before = time.time()
    works(run(env_for(busy), "--profile", "ops"), "Throttling twice: retried")
    t.is_(len(calls(busy, "AssumeRole")), 3, "Throttling twice: three AssumeRole calls")
    busy.stop()
    busy = new_stub("--throttle", "10")
    r = run(env_for(busy), "--profile", "ops")
    t.ok(r.rc == 1 and "Throttling: Rate exceeded" in r.err and
         len(calls(busy, "AssumeRole")) == 3, "Throttling throughout: gives up after 3", r)
    busy.stop()
    r = run(env_for(AWS_ENDPOINT_URL_STS="http://192.0.2.7"), "--profile", "ops")
    t.ok(r.rc == 1 and "AWS_ENDPOINT_URL_STS http://192.0.2.7: plain http:// is only allowed"
         in r.err, "an STS endpoint over http to another host: refused", r)

    # credential_source: the container endpoint and the instance metadata service
    box_key = ("ASIAXRTOPBOX", "box-secret/EFGH5678", "box-session-token-0001")
    SECRETS.extend(box_key[1:])
    creds_stub = os.path.join(TOP, "tests", "emulator", "stub_credentials.py")
    src_stub = new_stub("--credentials", ":".join(box_key))
    config("[profile ecs]\nrole_arn = %secs\ncredential_source = EcsContainer\n" % ARN +
           "[profile ec2]\nrole_arn = %sec2\ncredential_source = Ec2InstanceMetadata\n" % ARN)
    for mode, profile, var in (("container", "ecs", "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                               ("imds", "ec2", "AWS_EC2_METADATA_SERVICE_ENDPOINT")):
        box = Server(creds_stub, "--mode", mode, "--credentials", ":".join(box_key), "--static")
        url = box.base + ("/v2/credentials/stub" if mode == "container" else "")
        env = env_for(src_stub, **{var: url})
        if mode == "imds":
            env.pop("AWS_EC2_METADATA_DISABLED")
        works(run(env, "--profile", profile), "credential_source %s" % (
            "EcsContainer" if mode == "container" else "Ec2InstanceMetadata"),
            derivedkeys.mint("AssumeRole", ARN + profile, box_key[0], "")[0])
        c = calls(src_stub, "AssumeRole")
        t.ok(c and c[-1]["signature"] == {"result": "valid", "access_key": box_key[0]},
             "... AssumeRole signed with the %s's key and token" % mode)
        box.stop()
    src_stub.stop()

    # keys that would inject a header are refused, at the end of a chain or inside it
    config("[profile base]\n" + STATIC % (AKID, SECRET) +
           "[profile bad]\nrole_arn = %sinject-crlf\nsource_profile = base\n" % ARN +
           "[profile above]\nrole_arn = %sabove\nsource_profile = bad\n" % ARN)
    r = run(env_for(), "--profile", "bad")
    t.ok(r.rc == 1 and "role %sinject-crlf" % ARN in r.err and
         "not printable ASCII" in r.err and not emu.requests(),
         "a session token with CR LF from STS: refused, nothing sent to X-Ray", r)
    n = len(calls(action="AssumeRole"))
    r = run(env_for(), "--profile", "above")
    t.ok(r.rc == 1 and "not printable ASCII" in r.err and
         len(calls(action="AssumeRole")) == n + 1,
         "... and inside a chain, before it signs the next AssumeRole", r)

    # -- MFA ------------------------------------------------------------------------------
    config("[profile base]\n" + STATIC % (AKID, SECRET) +
           "[profile mfa]\nrole_arn = %smfa\nsource_profile = base\nmfa_serial = %s\n"
           % (ARN, MFA))
    env = env_for()
    before = len(calls(action="AssumeRole"))
    p = subprocess.run([XRTOP] + api_args(emu) + ["--profile", "mfa"], env=env,
                       capture_output=True, timeout=60, start_new_session=True)
    err = p.stderr.decode()
    outputs.append(err)
    t.ok(p.returncode == 1 and "mfa_serial %s" % MFA in err and
         "no terminal to ask for it on" in err and len(calls(action="AssumeRole")) == before,
         "MFA without a terminal: refused clearly, nothing sent", err)
    before = len(calls(action="AssumeRole"))
    emu.reset()
    rc, out, err, tty, _ = with_terminal(api_args(emu) + ["-o", "ndjson", "--profile", "mfa"],
                                      env, MFA_CODE)
    outputs.extend([out, err, tty])
    t.ok(rc == 0 and sorted(ndjson_ids(out)) == ALL and all_valid(),
         "MFA: the code typed on the terminal gets the role", err + tty)
    t.ok("Enter MFA code for %s: " % MFA in tty and MFA_CODE not in tty,
         "MFA: the prompt names the device; the code is not echoed", tty)
    c = calls(action="AssumeRole")[before:]
    t.ok(len(c) == 1 and c[0]["params"].get("SerialNumber") == MFA and
         c[0]["params"].get("TokenCode") == "<redacted>" and c[0]["status"] == 200,
         "MFA: SerialNumber and TokenCode sent (the stub checked the code)", c)
    rc, out, err, tty, _ = with_terminal(api_args(emu) + ["--profile", "mfa"], env, "000000")
    outputs.extend([out, err, tty])
    t.ok(rc == 1 and "MultiFactorAuthentication failed" in err, "MFA: a wrong code: refused", err)
    rc, out, err, tty, _ = with_terminal(api_args(emu) + ["--profile", "mfa"], env, "12ab")
    outputs.extend([out, err, tty])
    t.ok(rc == 1 and "an MFA code is 6 digits" in err, "MFA: not 6 digits: refused", err)
    rc, out, err, tty, echo = with_terminal(api_args(emu) + ["--profile", "mfa"], env,
                                            interrupt=True)
    t.ok(rc == -2 and echo, "MFA: ^C at the prompt ends xrtop with the terminal's echo back on",
         "rc=%s echo=%s" % (rc, echo))

    # -- web identity ------------------------------------------------------------------------
    config("")
    token_file = work.file("eks-token", WEB1)
    wenv = env_for(AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_ARN=ARN + "pod",
                   AWS_ROLE_SESSION_NAME="pod-42")
    works(run(wenv), "web identity from the environment",
          derivedkeys.mint("AssumeRoleWithWebIdentity", ARN + "pod", WEB1)[0])
    c = calls(action="AssumeRoleWithWebIdentity")
    t.ok(c and c[-1]["params"]["RoleSessionName"] == "pod-42" and
         c[-1]["params"]["WebIdentityToken"] == "<redacted>" and
         header(c[-1], "Authorization") is None, "web identity: unsigned, with the session name",
         c[-1:])
    work.file("eks-token", "not-a-token-the-idp-knows")
    r = run(wenv)
    t.ok(r.rc == 1 and "InvalidIdentityToken" in r.err, "web identity: InvalidIdentityToken", r)
    work.file("eks-token", "expired")
    r = run(wenv)
    t.ok(r.rc == 1 and "ExpiredTokenException: Token expired" in r.err and
         "web identity token has expired" in r.err, "web identity: an expired token", r)

    # the token file is read again at each refresh (EKS rotates it)
    short = new_stub("--expires-in", "4")
    work.file("eks-token", WEB1)
    renv = dict(wenv, AWS_ENDPOINT_URL_STS=short.base)
    emu.reset()
    p = subprocess.Popen([XRTOP] + api_args(emu) + ["-o", "ndjson", "-d", "1", "-n", "7"],
                         env=renv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    work.file("eks-token", WEB2)
    out, err = p.communicate(timeout=90)
    outputs.extend([out.decode(), err.decode()])
    keys = used_keys()
    k1 = derivedkeys.mint("AssumeRoleWithWebIdentity", ARN + "pod", WEB1)[0]
    k2 = derivedkeys.mint("AssumeRoleWithWebIdentity", ARN + "pod", WEB2)[0]
    t.ok(p.returncode == 0 and all_valid() and k1 in keys and k2 in keys,
         "web identity refresh: the rotated token file was read again (%s)" % keys,
         err.decode())
    short.stop()

    # assume role: refreshed before expiry, live
    short = new_stub("--expires-in", "4")
    config("[profile base]\n" + STATIC % (AKID, SECRET) +
           "[profile ops]\nrole_arn = %sops\nsource_profile = base\n" % ARN)
    r = run(env_for(short), "--profile", "ops", "-d", "1", "-n", "6")
    t.ok(r.rc == 0 and all_valid() and len(calls(short, "AssumeRole")) >= 2,
         "assume role refresh: new credentials before the old expire (%d calls)"
         % len(calls(short, "AssumeRole")), r)
    short.stop()

    # a slow renewal does not hold the loop: while the second AssumeRole
    # waits 3 s for its answer, live mode goes on asking X-Ray (the renewal
    # starts 10 s before expiry, so the fetcher has no reason to wait)
    slow = new_stub("--expires-in", "20", "--slow-after", "1", "--slow", "3")
    r = run(env_for(slow), "--profile", "ops", "-d", "1", "-n", "14")
    sts = calls(slow, "AssumeRole")
    t0 = sts[1]["time"] if len(sts) >= 2 else 0
    during = [x["time"] for x in emu.requests() if t0 + 0.3 < x["time"] < t0 + 2.7]
    t.ok(r.rc == 0 and all_valid() and len(sts) >= 2 and len(during) >= 2,
         "a slow AssumeRole renewal (3 s): X-Ray requests went on meanwhile (%d, %d calls)"
         % (len(during), len(sts)), r)
    slow.stop()

    # -- IAM Identity Center ---------------------------------------------------------------------
    sso_config = ("[sso-session corp]\nsso_start_url = %s\nsso_region = us-east-1\n"
                  "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
                  "sso_role_name = ReadOnly\n"
                  "[profile legacy]\nsso_start_url = %s\nsso_region = us-east-1\n"
                  "sso_account_id = 111122223333\nsso_role_name = Legacy\n"
                  "[profile nope]\nsso_session = corp\nsso_account_id = 111122223333\n"
                  "sso_role_name = denied-role\n"
                  "[profile prod]\nregion = us-east-1\nrole_arn = %sprod\nsource_profile = dev\n"
                  % (START, START, ARN))
    config(sso_config)
    cache = sso_cache("corp", SSO_TOKEN, 3600)
    works(run(env_for(), "--profile", "dev"), "SSO (sso_session)",
          derivedkeys.mint("GetRoleCredentials", "111122223333", "ReadOnly")[0])
    c = calls(action="GetRoleCredentials")
    t.ok(c and c[-1]["params"] == {"account_id": "111122223333", "role_name": "ReadOnly"} and
         header(c[-1], "x-amz-sso_bearer_token") == "<redacted %d chars>" % len(SSO_TOKEN),
         "SSO: GetRoleCredentials with the account, role and bearer token", c[-1:])
    r = run(env_for(), "--profile", "legacy")
    t.ok(r.rc == 1 and "no IAM Identity Center (SSO) sign-in for start URL %s" % START in r.err
         and "run 'aws sso login --profile legacy'" in r.err,
         "SSO legacy without a sign-in: names the login command", r)
    sso_cache(START, SSO_TOKEN, 3600)
    works(run(env_for(), "--profile", "legacy"), "SSO (legacy sso_start_url)")
    sso_cache(START, "sso-token-the-portal-forgot", 3600)
    r = run(env_for(), "--profile", "legacy")
    t.ok(r.rc == 1 and "UnauthorizedException" in r.err and
         "run 'aws sso login --profile legacy'" in r.err,
         "SSO: a token the portal refuses: UnauthorizedException and the login command", r)
    sso_cache("corp", SSO_TOKEN + "\r\nX-Injected: yes", 3600)
    n = len(calls(action="GetRoleCredentials"))
    r = run(env_for(), "--profile", "dev")
    t.ok(r.rc == 1 and "SSO access token" in r.err and "not printable ASCII" in r.err and
         len(calls(action="GetRoleCredentials")) == n,
         "SSO: a cached token with CR LF is refused, nothing sent", r)
    sso_cache("corp", SSO_TOKEN, 3600)
    r = run(env_for(), "--profile", "nope")
    t.ok(r.rc == 1 and "ForbiddenException: No access" in r.err and "denied-role" in r.err,
         "SSO: ForbiddenException names the role", r)
    busy = new_stub("--throttle", "2")
    works(run(env_for(busy), "--profile", "dev"), "SSO: TooManyRequestsException retried")
    busy.stop()

    # renewal with the refresh token, written back for the AWS CLI
    cache = sso_cache("corp", "sso-access-token-stale", 120, refresh=REFRESH)
    works(run(env_for(), "--profile", "dev"), "SSO: a token near expiry is renewed")
    with open(cache) as f:
        doc = json.load(f)
    t.ok(doc["accessToken"].startswith("sso-access-") and doc["accessToken"] !=
         "sso-access-token-stale" and doc["refreshToken"] != REFRESH and
         doc["clientSecret"] == CLIENT_SECRET and doc["expiresAt"].endswith("Z"),
         "SSO renewal: the cache file holds the new token and refresh token", doc.keys())
    t.is_(stat.S_IMODE(os.stat(cache).st_mode), 0o600, "SSO renewal: the cache file stays 0600")
    t.ok(len(calls(action="CreateToken")) == 1, "SSO renewal: one CreateToken call")
    sso_cache("corp", "sso-access-token-stale", -60, refresh="a-refresh-token-revoked")
    r = run(env_for(), "--profile", "dev")
    t.ok(r.rc == 1 and "InvalidGrantException: Invalid refresh token" in r.err and
         "run 'aws sso login --sso-session corp' (or 'aws sso login --profile dev')" in r.err,
         "SSO: expired and not renewable: the OIDC error and the login command", r)

    # done means: an SSO profile and a role to assume, `xrtop --profile prod --since 1h`
    now_emu = emulator("--derived-keys", "--shift-to-now")
    sso_cache("corp", SSO_TOKEN, 3600)
    log = os.path.join(work.path, "debug.log")
    saved = os.path.join(work.path, "saved.json")
    env = env_for(AWS_ENDPOINT_URL_XRAY=now_emu.base)
    r = xrtop(["-b", "--profile", "prod", "--since", "1h", "--debug-log", log, "--save", saved],
              env)
    outputs.extend([r.out, r.err])
    with open(log) as f:
        outputs.append(f.read())
    with open(saved) as f:
        outputs.append(f.read())
    prod_key = derivedkeys.mint("AssumeRole", ARN + "prod",
                                derivedkeys.mint("GetRoleCredentials", "111122223333",
                                                 "ReadOnly")[0], "")[0]
    t.ok(r.rc == 0 and len(r.out.splitlines()) > 3 and used_keys(now_emu) == [prod_key] and
         all_valid(now_emu),
         "xrtop -b --profile prod --since 1h: traces, through SSO then AssumeRole", r)
    t.ok("role %sprod of profile 'prod' (from IAM Identity Center (SSO): role ReadOnly in "
         "account 111122223333 of profile 'dev')" % ARN in outputs[-2],
         "the debug log names the whole chain")
    now_emu.stop()

    # -- endpoints ---------------------------------------------------------------------------
    config("[default]\n" + STATIC % (AKID, SECRET) + "services = loop\n"
           "[services loop]\nxray =\n  endpoint_url = %s\n" % emu.base +
           "[profile viaprofile]\n" + STATIC % (AKID, SECRET) + "endpoint_url = %s\n" % emu.base)
    base_args = ["-b", "--region", "us-east-1", "-o", "ndjson",
                 "--start", "2026-11-20T10:00:00Z", "--end", "2026-11-20T11:00:00Z"]
    for name, env, extra in [
            ("AWS_ENDPOINT_URL_XRAY", clean_env(work, AWS_ENDPOINT_URL_XRAY=emu.base,
                                                AWS_ENDPOINT_URL="https://192.0.2.9"), []),
            ("AWS_ENDPOINT_URL", clean_env(work, AWS_ENDPOINT_URL=emu.base), []),
            ("a [services] section", clean_env(work), []),
            ("a profile's endpoint_url", clean_env(work), ["--profile", "viaprofile"])]:
        emu.reset()
        r = xrtop(base_args + extra, env)
        outputs.extend([r.out, r.err])
        t.ok(r.rc == 0 and sorted(ndjson_ids(r.out)) == ALL, "X-Ray endpoint from %s" % name, r)
    r = xrtop(base_args, clean_env(work, AWS_ENDPOINT_URL_XRAY="http://192.0.2.9:80"))
    t.ok(r.rc == 2 and "AWS_ENDPOINT_URL_XRAY http://192.0.2.9:80: plain http://" in r.err,
         "AWS_ENDPOINT_URL_XRAY over http to another host: a usage error naming it", r)
    r = xrtop(base_args + ["--endpoint-url", emu.base],
              clean_env(work, AWS_ENDPOINT_URL_XRAY="http://192.0.2.9:80"))
    t.ok(r.rc == 0, "--endpoint-url wins over AWS_ENDPOINT_URL_XRAY", r)

    # -- nothing secret anywhere ----------------------------------------------------------------
    t.is_(leaked(outputs, SECRETS), [], "no secret, token or MFA code in any output, log or "
          "saved file (%d texts)" % len(outputs))
finally:
    stub.stop()
    emu.stop()
    work.cleanup()
t.done()
