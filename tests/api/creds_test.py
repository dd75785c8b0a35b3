#!/usr/bin/python3
"""TAP: xrtop's credential providers and their order, against the X-Ray
emulator and the credential stubs (all on 127.0.0.1).

Environment keys, session tokens, the shared credentials file, [profile x]
in the config file, credential_process, container credentials with a token
or a token file (CloudShell), IMDSv2, background refresh, expired and
missing credentials, the wrong region, the region from IMDS when nothing else
names one — and no secret in any output."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (AKID, SECRET, TMP_AKID, TMP_SECRET, TOKEN,  # noqa
                     Tap, Workdir, api_args, clean_env, emulator, fixture_ids, header, key_env,
                     free_port, leaked, ndjson_ids, run_requests, stub, xrtop, PYTHON, WINDOW)

t = Tap()
work = Workdir()
ALL = fixture_ids()
STUB_KEYS = [("ASIASTUB%010d" % n, "stub-secret-%04d" % n, "stub-token-%04d" % n)
             for n in range(1, 9)]
SECRETS = [SECRET, TMP_SECRET, TOKEN] + [k[1] for k in STUB_KEYS] + [k[2] for k in STUB_KEYS]
emu = emulator(keys=[(AKID, SECRET), (TMP_AKID, TMP_SECRET, TOKEN), ("AKIDEXPIRED", "old-secret")]
               + STUB_KEYS, *["--expired-key", "AKIDEXPIRED"])
outputs = []


def run(env, *extra, region="us-east-1"):
    emu.reset()
    r = xrtop(api_args(emu, region=region) + ["-o", "ndjson"] + list(extra), env)
    outputs.extend([r.out, r.err])
    return r


def used_keys():
    return sorted({e["signature"].get("access_key") for e in run_requests(emu)})


def all_valid():
    log = run_requests(emu)
    return bool(log) and all(e["signature"]["result"] == "valid" for e in log)


def works(r, name, akid):
    t.ok(r.rc == 0 and sorted(ndjson_ids(r.out)) == ALL, name + ": lists the window", r)
    t.ok(all_valid() and used_keys() == [akid], name + ": signed with " + akid,
         json.dumps(run_requests(emu)[:1]))


def write_config(config="", credentials=""):
    work.file("config", config)
    work.file("credentials", credentials)


try:
    # -- environment -------------------------------------------------------------------
    write_config()
    works(run(key_env(work)), "environment keys", AKID)
    r = run(key_env(work, TMP_AKID, TMP_SECRET, TOKEN))
    works(r, "environment keys with AWS_SESSION_TOKEN", TMP_AKID)
    e = run_requests(emu)[0]
    t.is_(header(e, "X-Amz-Security-Token"), "<redacted %d chars>" % len(TOKEN),
          "the session token is sent as X-Amz-Security-Token")
    t.ok("x-amz-security-token" in header(e, "Authorization"), "... and it is signed")
    t.is_(header(e, "Content-Type"), "application/json", "Content-Type: application/json")
    r = run(clean_env(work, AWS_ACCESS_KEY_ID=AKID))
    t.ok(r.rc == 1 and "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not" in r.err,
         "half of the environment keys: a clear error", r)

    # -- files ----------------------------------------------------------------------------
    write_config(credentials="[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                 % (AKID, SECRET))
    works(run(clean_env(work)), "credentials file [default]", AKID)
    write_config(credentials="# keys\n[dev]\naws_access_key_id=%s\naws_secret_access_key=%s\n"
                 "aws_session_token = %s\n" % (TMP_AKID, TMP_SECRET, TOKEN))
    works(run(clean_env(work), "--profile", "dev"), "--profile dev from the credentials file",
          TMP_AKID)
    write_config(config="[default]\nregion = eu-west-1\n\n[profile cfg]\nregion = us-east-1\n"
                 "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (AKID, SECRET))
    works(run(clean_env(work, AWS_PROFILE="cfg")), "AWS_PROFILE=cfg from [profile cfg] in config",
          AKID)
    r = xrtop(["-b", "--endpoint-url", emu.base] + api_args(emu)[5:] + ["-o", "ndjson"],
              clean_env(work, AWS_PROFILE="cfg"))
    t.ok(r.rc == 0, "the region comes from the profile when no --region is given", r)
    r = run(clean_env(work), "--profile", "nosuch")
    t.ok(r.rc == 2 and "profile 'nosuch'" in r.err and "cfg" in r.err,
         "an unknown --profile: usage error naming the profiles that exist", r)

    # -- order ------------------------------------------------------------------------------
    write_config(credentials="[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                 "[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                 % (AKID, "wrong-secret", AKID, SECRET))
    works(run(key_env(work)), "environment keys come before the credentials file", AKID)
    r = run(key_env(work, AKID, "wrong-secret"))
    t.ok(r.rc == 1 and "InvalidSignatureException" in r.err,
         "... so bad environment keys are used, not the file's", r)
    works(run(key_env(work, AKID, "wrong-secret"), "--profile", "dev"),
          "--profile skips the environment keys (as the AWS CLI does)", AKID)
    write_config(config="[default]\ncredential_process = /bin/false\n"
                 "aws_access_key_id = %s\naws_secret_access_key = wrong\n" % AKID,
                 credentials="[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                 % (AKID, SECRET))
    works(run(clean_env(work)), "the credentials file comes before credential_process", AKID)

    # -- credential_process -------------------------------------------------------------------
    argv_file = os.path.join(work.path, "argv.json")
    script = work.file("my creds.py", (
        "import json, sys\n"
        "json.dump(sys.argv[1:], open(%r, 'w'))\n"
        "mode = sys.argv[1]\n"
        "if mode == 'fail':\n"
        "    sys.stderr.write('boom: no session\\n'); sys.exit(3)\n"
        "if mode == 'garbage':\n"
        "    print('not json'); sys.exit(0)\n"
        "exp = '2020-01-01T00:00:00Z' if mode == 'expired' else '2099-01-01T00:00:00Z'\n"
        "print(json.dumps({'Version': 1, 'AccessKeyId': %r, 'SecretAccessKey': %r,\n"
        "                  'SessionToken': %r, 'Expiration': exp}))\n")
        % (argv_file, TMP_AKID, TMP_SECRET, TOKEN))

    def process_profile(mode):
        write_config(config="[profile proc]\ncredential_process = %s \"%s\" %s 'two words'\n"
                     % (PYTHON, script, mode))
    process_profile("ok")
    r = run(clean_env(work), "--profile", "proc")
    works(r, "credential_process", TMP_AKID)
    with open(argv_file) as f:
        t.is_(json.load(f), ["ok", "two words"], "credential_process: split like shlex, no shell")
    t.ok(header(run_requests(emu)[0], "X-Amz-Security-Token") is not None,
         "credential_process: its SessionToken is sent")
    process_profile("fail")
    r = run(clean_env(work), "--profile", "proc")
    t.ok(r.rc == 1 and "exited with status 3: boom: no session" in r.err,
         "credential_process failing: its status and stderr are shown", r)
    process_profile("garbage")
    r = run(clean_env(work), "--profile", "proc")
    t.ok(r.rc == 1 and "credential_process" in r.err and "invalid JSON" in r.err,
         "credential_process printing garbage: a clear error", r)
    process_profile("expired")
    r = run(clean_env(work), "--profile", "proc")
    t.ok(r.rc == 1 and "expired at 2020-01-01" in r.err,
         "credential_process returning expired keys: said so", r)

    # -- container credentials (ECS, CloudShell) -------------------------------------------------
    write_config()
    box = stub("--mode", "container", "--token", "Bearer c10udsh3ll",
               "--credentials", ":".join((TMP_AKID, TMP_SECRET, TOKEN)), "--static")
    uri = box.base + "/v2/credentials/stub"
    works(run(clean_env(work, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri,
                        AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer c10udsh3ll")),
          "container credentials with AWS_CONTAINER_AUTHORIZATION_TOKEN", TMP_AKID)
    token_file = work.file("token", "Bearer c10udsh3ll\n")
    works(run(clean_env(work, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri,
                        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_file)),
          "container credentials with a token file (CloudShell)", TMP_AKID)
    seen = box.control("GET", "/__stub/requests")
    t.ok(seen and all(header(x, "Authorization") for x in seen),
         "the container endpoint got the Authorization header")
    r = run(clean_env(work, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer wrong"))
    t.ok(r.rc == 1 and "answered HTTP 401" in r.err, "a wrong container token: HTTP 401 shown", r)
    r = run(clean_env(work, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.10/creds"))
    t.ok(r.rc == 1 and "only allowed to loopback" in r.err,
         "AWS_CONTAINER_CREDENTIALS_FULL_URI over http to another host: refused", r)
    box.stop()

    # -- EC2 instance metadata (IMDSv2) ------------------------------------------------------------
    imds = stub("--mode", "imds", "--credentials", ":".join((TMP_AKID, TMP_SECRET, TOKEN)),
                "--static")
    imds_env = clean_env(work, AWS_EC2_METADATA_DISABLED=None,
                         AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.base)
    works(run(imds_env), "IMDSv2 credentials", TMP_AKID)
    seen = [(x["method"], x["path"]) for x in imds.control("GET", "/__stub/requests")]
    t.is_(seen[:3], [("PUT", "/latest/api/token"),
                     ("GET", "/latest/meta-data/iam/security-credentials/"),
                     ("GET", "/latest/meta-data/iam/security-credentials/xrtop-stub-role")],
          "IMDSv2: token, role, then credentials")
    t.ok(all(header(x, "X-aws-ec2-metadata-token") for x in
             imds.control("GET", "/__stub/requests")[1:3]), "IMDSv2: the GETs carry the token")
    imds.stop()

    # -- the region from IMDS, when nothing else names one (AWS CLI v2) ----------------------------
    imds = stub("--mode", "imds", "--credentials", ":".join((TMP_AKID, TMP_SECRET, TOKEN)),
                "--static", "--region", "us-east-1")
    no_region = ["-b", "--endpoint-url", emu.base, "-o", "ndjson"] + WINDOW

    def region_run(env, *extra):
        emu.reset()
        r = xrtop(no_region + list(extra), env)
        outputs.extend([r.out, r.err])
        return r

    def region_asks():
        log = imds.control("GET", "/__stub/requests")
        return [x for x in log if x["path"] == "/latest/meta-data/placement/region"]

    works(region_run(imds_env := clean_env(work, AWS_EC2_METADATA_DISABLED=None,
                                           AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.base)),
          "region from IMDS", TMP_AKID)
    asks = region_asks()
    t.ok(len(asks) == 1 and header(asks[0], "X-aws-ec2-metadata-token"),
         "region from IMDS: GET /latest/meta-data/placement/region with the IMDSv2 token")
    write_config("[default]\nec2_metadata_service_endpoint = %s\n" % imds.base)
    works(region_run(clean_env(work, AWS_EC2_METADATA_DISABLED=None)),
          "region from IMDS at the profile's ec2_metadata_service_endpoint", TMP_AKID)
    write_config("[default]\nregion = us-east-1\n")
    before = len(region_asks())
    works(region_run(imds_env), "the profile's region before IMDS", TMP_AKID)
    t.is_(len(region_asks()), before, "... IMDS is not asked for the region")
    write_config("[default]\nregion = ap-south-1\n")
    works(region_run(dict(imds_env, AWS_REGION="us-east-1")),
          "AWS_REGION before the profile's region", TMP_AKID)
    t.is_(len(region_asks()), before, "... nor then")
    write_config()
    r = region_run(dict(imds_env, AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE="IPv5"))
    t.ok(r.rc == 2 and "'IPv5' is neither IPv4 nor IPv6" in r.err,
         "an endpoint mode that is neither IPv4 nor IPv6: a usage error naming it", r)
    imds.stop()
    odd = stub("--mode", "imds", "--region", "us east 1")
    r = region_run(clean_env(work, AWS_EC2_METADATA_DISABLED=None,
                             AWS_EC2_METADATA_SERVICE_ENDPOINT=odd.base))
    t.ok(r.rc == 2 and "no AWS region" in r.err and "is not a region name" in r.err,
         "IMDS answering something that is not a region name: refused", r)
    odd.stop()
    r = region_run(clean_env(work))
    t.ok(r.rc == 2 and "no AWS region: use --region REGION" in r.err and
         "AWS_EC2_METADATA_DISABLED=true" in r.err,
         "no region anywhere, IMDS disabled: says how to set one and that IMDS was not asked", r)
    port = free_port()
    r = region_run(clean_env(work, AWS_EC2_METADATA_DISABLED=None,
                             AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:%d" % port))
    t.ok(r.rc == 2 and "no AWS region: use --region REGION" in r.err and
         "no EC2 instance metadata service at http://127.0.0.1:%d" % port in r.err and
         r.elapsed < 10,
         "no region anywhere, not on EC2: says how to set one and that IMDS did not answer", r)

    # -- nothing found ----------------------------------------------------------------------------
    write_config()
    r = run(clean_env(work))
    t.is_(r.rc, 1, "no credentials: exit 1")
    t.ok("no AWS credentials found" in r.err and all(
        p in r.err for p in ("environment:", "shared credentials file:", "credential_process:",
                             "config file:", "container endpoint:", "EC2 instance metadata:")),
        "no credentials: every provider tried is listed with its reason", r)

    # -- refresh and expiry ------------------------------------------------------------------------
    box = stub("--mode", "container", "--expires-in", "4")
    renv = clean_env(work, AWS_CONTAINER_CREDENTIALS_FULL_URI=box.base + "/v2/credentials/stub")
    r = run(renv, "-d", "1", "-n", "6")
    keys = used_keys()
    t.ok(r.rc == 0 and all_valid(), "refreshing credentials: every request valid", r)
    t.ok(len(keys) >= 2, "refreshing credentials: new keys used as they came (%s)" % keys)
    box.stop()

    r = run(key_env(work, "AKIDEXPIRED", "old-secret"))
    t.is_(r.rc, 1, "expired credentials: exit 1")
    t.ok("ExpiredTokenException" in r.err and "have expired" in r.err and
         "environment variables" in r.err, "expired credentials: said clearly, with the source", r)
    t.is_(len(r.err.strip().splitlines()) <= 4, True, "expired credentials: a short message")

    box = stub("--mode", "container")  # serves ASIASTUB...1, then ...2
    emu.stop()
    emu = emulator(*["--expired-key", STUB_KEYS[0][0]], keys=STUB_KEYS)
    r = run(clean_env(work, AWS_CONTAINER_CREDENTIALS_FULL_URI=box.base + "/v2/credentials/stub"))
    t.ok(r.rc == 0 and sorted(ndjson_ids(r.out)) == ALL,
         "ExpiredTokenException with refreshable credentials: refreshed and retried", r)
    t.ok(STUB_KEYS[1][0] in used_keys(), "... with the new key")
    box.stop()

    # -- the wrong region -----------------------------------------------------------------------
    r = run(key_env(work, STUB_KEYS[2][0], STUB_KEYS[2][1], STUB_KEYS[2][2]),
            region="ap-northeast-2")
    t.is_(r.rc, 1, "wrong region: exit 1")
    t.ok("scoped to a valid region" in r.err and "ap-northeast-2" in r.err and "hint" in r.err,
         "wrong region: the signature scope error and the region used", r)

    # -- each run's requests carry its marker: AWS_SDK_UA_APP_ID ------------------------------
    stub_env = key_env(work, STUB_KEYS[2][0], STUB_KEYS[2][1], STUB_KEYS[2][2])
    works(run(stub_env), "a run's requests are told apart", STUB_KEYS[2][0])
    t.ok(all(e["path"] for e in run_requests(emu)) and run_requests(emu)
         and all(" app/xrtop-test-run-" in dict((k.lower(), v) for k, v in e["headers"])
                 ["user-agent"] for e in run_requests(emu)),
         "User-Agent ends in app/AWS_SDK_UA_APP_ID")
    bad = dict(stub_env, AWS_SDK_UA_APP_ID="two words")
    r = run(bad)
    t.ok(r.rc == 2 and "AWS_SDK_UA_APP_ID" in r.err, "an app id that is not a token: exit 2", r)

    # -- no secret anywhere ---------------------------------------------------------------------
    log = os.path.join(work.path, "debug.log")
    run(key_env(work, STUB_KEYS[2][0], STUB_KEYS[2][1], STUB_KEYS[2][2]), "--debug-log", log)
    with open(log) as f:
        outputs.append(f.read())
    t.ok("credentials: using environment variables" in outputs[-1], "the debug log names the source")
    t.is_(leaked(outputs, SECRETS), [], "no secret or session token in any output or log")
finally:
    emu.stop()
    work.cleanup()
t.done()
