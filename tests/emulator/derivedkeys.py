"""Keys that the test stubs issue and the test servers accept without being
told each one: an access key id ASIADRV<13 upper-case hex digits> has the
secret "derived-secret-<id>" and the session token "derived-token-<id>".

The stubs for STS and IAM Identity Center (stub_aws.py) mint such keys from
what a request asks for (the same role from the same caller always gets the
same key), so botocore and xrtop, given the same configuration, get the same
access key id, and the X-Ray emulator (--derived-keys) checks the signatures
made with them."""

import hashlib

PREFIX = "ASIADRV"


def mint(*parts):
    """(akid, secret, token) for the request described by parts."""
    digest = hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:13].upper()
    akid = PREFIX + digest
    return akid, "derived-secret-" + akid, "derived-token-" + akid


def is_derived(akid):
    return (isinstance(akid, str) and len(akid) == len(PREFIX) + 13
            and akid.startswith(PREFIX)
            and all(c in "0123456789ABCDEF" for c in akid[len(PREFIX):]))


class KeyTable(dict):
    """akid -> key object; derived keys appear on demand through make(akid,
    secret, token)."""

    def __init__(self, keys, make):
        super().__init__(keys)
        self._make = make

    def get(self, akid, default=None):
        if akid in self:
            return dict.__getitem__(self, akid)
        if is_derived(akid):
            key = self._make(akid, "derived-secret-" + akid, "derived-token-" + akid)
            self[akid] = key
            return key
        return default

    def __missing__(self, akid):
        key = self.get(akid)
        if key is None:
            raise KeyError(akid)
        return key
