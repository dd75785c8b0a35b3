#!/usr/bin/python3
"""TAP: credentials holding control characters are refused by every provider.

A session token such as "...\\r\\nX-Evil: 1" would add a header to every
request.  From the environment, the credentials and config files,
credential_process (also with a \\u0000 escape), the container endpoint (and
its authorization token) and IMDS (and its session token): xrtop exits 1
with an error that names the provider and never prints the value, and the
X-Ray emulator never sees a request, let alone an X-Evil header."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (AKID, SECRET, TMP_AKID, TMP_SECRET, TOKEN,  # noqa
                     Tap, Workdir, api_args, clean_env, emulator, key_env, stub, xrtop)

t = Tap()
work = Workdir()
EVIL = TOKEN + "\r\nX-Evil: 1"
emu = emulator(keys=[(AKID, SECRET), (TMP_AKID, TMP_SECRET, TOKEN)])
outputs = []


def run(env, *extra):
    emu.reset()
    r = xrtop(api_args(emu) + ["-o", "ndjson"] + list(extra), env)
    outputs.extend([r.out, r.err])
    return r


def evil_seen():
    return any(k.lower() == "x-evil" for e in emu.requests() for k, _ in e["headers"])


def refused(r, name, provider, what="control character"):
    t.ok(r.rc == 1 and provider in r.err and what in r.err and "refused" in r.err,
         name + ": refused with a clear error naming " + provider, r)
    t.ok(not evil_seen() and not emu.requests(), name + ": nothing reached the X-Ray service",
         json.dumps(emu.requests()[:2]))
    t.ok(TOKEN not in r.err and TMP_SECRET not in r.err and SECRET not in r.err,
         name + ": the secret is not printed", r)


def write_config(config="", credentials=""):
    work.file("config", config)
    work.file("credentials", credentials)


try:
    write_config()
    # -- the environment ------------------------------------------------------------------
    refused(run(key_env(work, TMP_AKID, TMP_SECRET, EVIL)), "AWS_SESSION_TOKEN with CR LF",
            "environment")
    refused(run(key_env(work, TMP_AKID, TMP_SECRET + "\x01", TOKEN)),
            "AWS_SECRET_ACCESS_KEY with a control character", "environment")
    refused(run(key_env(work, AKID + " x", SECRET)), "AWS_ACCESS_KEY_ID with a space",
            "environment", "a space")
    refused(run(key_env(work, TMP_AKID, TMP_SECRET, TOKEN + "\u00e9")),
            "AWS_SESSION_TOKEN with a non-ASCII character", "environment", "not ASCII")

    # -- the files (a line cannot hold LF; CR and other controls can) -------------------------
    write_config(credentials="[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                 "aws_session_token = %s\rX-Evil: 1\n" % (TMP_AKID, TMP_SECRET, TOKEN))
    refused(run(clean_env(work)), "credentials file token with CR", "shared credentials file")
    write_config(config="[default]\naws_access_key_id = %s\naws_secret_access_key = %s\x0bX\n"
                 % (TMP_AKID, TMP_SECRET))
    refused(run(clean_env(work)), "config file secret with a vertical tab", "config file")

    # -- credential_process ---------------------------------------------------------------------
    doc = {"Version": 1, "AccessKeyId": TMP_AKID, "SecretAccessKey": TMP_SECRET}
    crlf = work.file("crlf.json", json.dumps(dict(doc, SessionToken=EVIL)))
    nul = work.file("nul.json", json.dumps(dict(doc, SessionToken=TOKEN + "\x00tail")))
    write_config(config="[default]\ncredential_process = /bin/cat %s\n" % crlf)
    refused(run(clean_env(work)), "credential_process SessionToken with CR LF",
            "credential_process")
    write_config(config="[default]\ncredential_process = /bin/cat %s\n" % nul)
    refused(run(clean_env(work)), "credential_process SessionToken with \\u0000",
            "credential_process", "\\u0000")

    # -- the container endpoint -------------------------------------------------------------------
    write_config()
    box = stub("--mode", "container", "--credentials", ":".join((TMP_AKID, TMP_SECRET, EVIL)),
               "--static")
    uri = box.base + "/v2/credentials/stub"
    refused(run(clean_env(work, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri)),
            "container credentials with CR LF in the token", "container endpoint")
    box.stop()
    box = stub("--mode", "container", "--credentials", ":".join((TMP_AKID, TMP_SECRET, TOKEN)),
               "--static")
    uri = box.base + "/v2/credentials/stub"
    r = run(clean_env(work, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer x\x1b[2J"))
    refused(r, "a container authorization token with ESC", "container")
    t.ok(not box.control("GET", "/__stub/requests"),
         "... and the container endpoint was not asked")
    box.stop()

    # -- IMDS ----------------------------------------------------------------------------------
    imds = stub("--mode", "imds", "--credentials", ":".join((TMP_AKID, TMP_SECRET, EVIL)),
                "--static")
    refused(run(clean_env(work, AWS_EC2_METADATA_DISABLED=None,
                          AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.base)),
            "IMDS credentials with CR LF in the token", "EC2 instance metadata")
    imds.stop()
    imds = stub("--mode", "imds", "--credentials", ":".join((TMP_AKID, TMP_SECRET, TOKEN)),
                "--static", "--role", "bad role\x01")
    refused(run(clean_env(work, AWS_EC2_METADATA_DISABLED=None,
                          AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.base)),
            "an IMDS role name with a space and a control character", "EC2 instance metadata",
            "not an IAM role name")
    imds.stop()

    # -- good credentials still work ------------------------------------------------------------
    r = run(key_env(work, TMP_AKID, TMP_SECRET, TOKEN))
    t.ok(r.rc == 0 and emu.requests() and not evil_seen(), "clean credentials still work", r)
finally:
    emu.stop()
    work.cleanup()
t.done()
