#!/usr/bin/env python3
"""Write the fuzz seed corpora (fuzz/README.md).

- fuzz/seeds/<target>/ (committed, ~60 KB): made here from a fixed test PKI (P-256 and Ed25519
  keys from fixed scalars, deterministic ECDSA): passes (vaccination, test, recovery, kid only
  unprotected, tag 61, float iat/exp, 1.0-style nulls, EdDSA) as HC1 text and COSE bytes;
  CSCA, DSC and list-signer certificates; trust-list, rule-set and revocation payloads and
  signed envelopes; EU-gateway JSON; CertLogic expressions for every operator and the shipped
  VN rules (certlogic/rules); QR images of two passes rendered with `qrencode` (Debian package
  qrencode; skipped with a note when it is missing).
- fuzz/corpus/<target>/ (not committed): the same kinds of input taken from ../shared
  ($VAXCERT_SHARED) when it is there: EU conformance vectors, their signing certificates and
  QR codes, the smallest quality-assurance PNGs, the official CertLogic test suite. shared/ is
  third-party data that is read in place, never copied into the repository.
- fuzz/hangs/: the known slow qr_image input (README.md §Known slow input), never a seed.

Needs python3 with the `cryptography` module. Deterministic: a second run rewrites the same
bytes (the QR images depend on the installed qrencode).
"""

import base64
import datetime
import glob
import hashlib
import json
import os
import shutil
import struct
import subprocess
import zlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.environ.get("VAXCERT_SHARED", os.path.join(os.path.dirname(REPO), "shared"))
VECTORS = os.path.join(SHARED, "conformance", "dgc-testdata")
QA = os.path.join(SHARED, "conformance", "dcc-quality-assurance")
SEEDS = os.path.join(HERE, "seeds")
CORPUS = os.path.join(HERE, "corpus")

# Vectors copied into corpus/ (not committed): plain, kid only unprotected (CZ, DE), float
# iat/exp (ES), test and recovery payloads, and a few negatives.
VECTOR_FILES = [
    "common/2DCode/raw/CO1.json",
    "common/2DCode/raw/CO15.json",
    "common/2DCode/raw/CO20.json",
    "CZ/2DCode/raw/1.json",
    "DE/2DCode/raw/3.json",
    "ES/2DCode/raw/1101.json",
    "LU/2DCode/raw/INCERT_R_DCC_Recovery.json",
    "LU/2DCode/raw/INCERT_R_DCC_RAT.json",
    "AT/2DCode/raw/1.json",
    "common/2DCode/raw/CO2.json",
    "common/2DCode/raw/CO6.json",
    "common/2DCode/raw/CBO1.json",
]


def write(root, target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def seed(target, name, data):
    write(SEEDS, target, name, data)


# --- minimal CBOR encoder (definite lengths, shortest heads) --------------------------------
class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor(v):
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return head(3, len(b)) + b
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    if isinstance(v, Tag):
        return head(6, v.tag) + cbor(v.value)
    raise TypeError(type(v))


class Float:
    """A CBOR double (iat/exp as floats, as some issuers write them)."""

    def __init__(self, value):
        self.value = value


def cbor_any(v):
    if isinstance(v, Float):
        return b"\xfb" + struct.pack(">d", v.value)
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor_any(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor_any(k) + cbor_any(x) for k, x in v.items())
    if isinstance(v, Tag):
        return head(6, v.tag) + cbor_any(v.value)
    return cbor(v)


# --- the test PKI ----------------------------------------------------------------------------
NOT_BEFORE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2034, 1, 1, tzinfo=datetime.timezone.utc)
CSCA_KEY = ec.derive_private_key(0xC5CA, ec.SECP256R1())
DSC_KEY = ec.derive_private_key(0xD5C, ec.SECP256R1())
LIST_KEY = ec.derive_private_key(0x1157, ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vaxcert fuzz seeds"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def certificate(cn, key, serial, issuer_cn=None, issuer_key=None, ca=False, eku=None):
    builder = (x509.CertificateBuilder()
               .subject_name(name(cn))
               .issuer_name(name(issuer_cn or cn))
               .public_key(key.public_key())
               .serial_number(serial)
               .not_valid_before(NOT_BEFORE)
               .not_valid_after(NOT_AFTER)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None),
                              critical=True))
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in eku]), critical=False)
    signer = issuer_key or key
    if isinstance(signer, ed25519.Ed25519PrivateKey):
        cert = builder.sign(signer, None)
    else:
        cert = builder.sign(signer, hashes.SHA256(), ecdsa_deterministic=True)
    return cert.public_bytes(serialization.Encoding.DER)


CSCA = certificate("VN fuzz CSCA", CSCA_KEY, 1, ca=True)
DSC = certificate("VN fuzz DSC", DSC_KEY, 2, "VN fuzz CSCA", CSCA_KEY,
                  eku=["1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.1847.2021.1.2",
                       "1.3.6.1.4.1.0.1847.2021.1.3"])
ED_DSC = certificate("VN fuzz EdDSA DSC", ED_KEY, 3, "VN fuzz CSCA", CSCA_KEY)
LIST_SIGNER = certificate("VN fuzz list signer", LIST_KEY, 4, "VN fuzz CSCA", CSCA_KEY,
                          eku=["2.23.136.1.1.3"])


def kid_of(der):
    return hashlib.sha256(der).digest()[:8]


def sign(key, message):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256(),
                                                           deterministic_signing=True)))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def cose_sign1(payload, key, protected, unprotected=None, tags=(18,)):
    sig_structure = cbor(["Signature1", protected, b"", payload])
    value = [protected, unprotected or {}, payload, sign(key, sig_structure)]
    for tag in reversed(tags):
        value = Tag(tag, value)
    return cbor_any(value)


def envelope(payload, content_type):
    """A signed list in the trust-list envelope: protected {alg, content type, kid, x5chain}."""
    protected = cbor({1: -7, 3: content_type, 4: kid_of(LIST_SIGNER), 33: LIST_SIGNER})
    return cose_sign1(payload, LIST_KEY, protected)


B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45(data):
    out = []
    for i in range(0, len(data), 2):
        chunk = data[i:i + 2]
        if len(chunk) == 2:
            n = chunk[0] * 256 + chunk[1]
            out += [B45[n % 45], B45[n // 45 % 45], B45[n // 2025]]
        else:
            n = chunk[0]
            out += [B45[n % 45], B45[n // 45]]
    return "".join(out)


def hc1(cose):
    return "HC1:" + b45(zlib.compress(cose, 9))


# --- passes ----------------------------------------------------------------------------------
IAT, EXP = 1_709_000_000, 1_740_536_000
NAM = {"fn": "Nguyễn", "gn": "Văn An", "fnt": "NGUYEN", "gnt": "VAN<AN"}
VAC = {"ver": "1.3.0", "nam": NAM, "dob": "1990-01-31",
       "v": [{"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
              "dn": 2, "sd": 2, "dt": "2024-01-05", "co": "VN", "is": "MoH Viet Nam",
              "ci": "URN:UVCI:01:VN:ABC123#K"}]}
TEST = {"ver": "1.3.0", "nam": NAM, "dob": "1990-01",
        "t": [{"tg": "840539006", "tt": "LP217198-3", "ma": "1232", "sc": "2024-03-09T08:00:00Z",
               "tr": "260415000", "tc": "Bach Mai", "co": "VN", "is": "MoH Viet Nam",
               "ci": "URN:UVCI:01:VN:TEST42"}]}
REC = {"ver": "1.3.0", "nam": NAM, "dob": "1990",
       "r": [{"tg": "840539006", "fr": "2024-01-10", "co": "VN", "is": "MoH Viet Nam",
              "df": "2024-01-21", "du": "2024-07-08", "ci": "URN:UVCI:01:VN:REC7"}]}
OLD = {"ver": "1.0.0", "nam": {"fnt": "NGUYEN", "gnt": None}, "dob": "1990-01-31T00:00:00",
       "v": [dict(VAC["v"][0], dt="2021-06-01T10:00:00Z")], "t": None, "r": None}


def claims(dcc, iat=IAT, exp=EXP):
    return cbor_any({1: "VN", 4: exp, 6: iat, -260: {1: dcc}})


def passes():
    es_protected = cbor({1: -7, 4: kid_of(DSC)})
    out = {
        "vac": cose_sign1(claims(VAC), DSC_KEY, es_protected),
        "test": cose_sign1(claims(TEST), DSC_KEY, es_protected),
        "rec": cose_sign1(claims(REC), DSC_KEY, es_protected),
        "kid-unprotected": cose_sign1(claims(VAC), DSC_KEY, cbor({1: -7}), {4: kid_of(DSC)}),
        "tag61": cose_sign1(claims(VAC), DSC_KEY, es_protected, tags=(61, 18)),
        "untagged": cose_sign1(claims(VAC), DSC_KEY, es_protected, tags=()),
        "float-times": cose_sign1(claims(VAC, Float(IAT + 0.5), Float(EXP + 0.25)), DSC_KEY,
                                  es_protected),
        "schema-1.0-nulls": cose_sign1(claims(OLD), DSC_KEY, es_protected),
        "eddsa": cose_sign1(claims(REC), ED_KEY, cbor({1: -8, 4: kid_of(ED_DSC)})),
    }
    return out


def qr_png(text, name, module, margin, kind="PNG"):
    if shutil.which("qrencode") is None:
        return False
    png = subprocess.run(["qrencode", "-t", kind, "-l", "Q", "-s", str(module), "-m",
                          str(margin), "-o", "-", text], check=True, capture_output=True).stdout
    seed("qr_image", name, png)
    return True


def self_made():
    cose = passes()
    for n, c in cose.items():
        seed("decode_cose", f"{n}.cose", c)
        seed("decode_text", f"{n}.cose", c)  # read as HC1 + base45(zlib(bytes))
        seed("decode_text", f"{n}.txt", hc1(c))
        seed("verify_text", f"{n}.txt", hc1(c))
    seed("decode_text", "small-zlib.txt",
         hc1(cbor(Tag(18, [cbor({1: -7, 4: b"12345678"}), {}, cbor({}), b""]))))
    if not (qr_png(hc1(cose["vac"]), "vac-m1.png", 1, 1)
            and qr_png(hc1(cose["test"]), "test-m2-rgba.png", 2, 4, "PNG32")):
        print("qrencode not found: no QR image seeds written (apt-get install qrencode)")

    # Certificates as DER, PEM and base64 (Dsc::from_any).
    seed("trust_list_load", "dsc.der", DSC)
    seed("trust_list_load", "csca.pem", x509.load_der_x509_certificate(CSCA).public_bytes(
        serialization.Encoding.PEM))
    seed("trust_list_load", "ed-dsc.b64", base64.b64encode(ED_DSC))

    # Trust list, rule set, revocation list and delta: payloads (signed by the targets with
    # their own list signer) and envelopes signed with the seed list signer.
    dsc_spki = x509.load_der_x509_certificate(DSC).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    trust_list = {
        "kind": "vaxcert-trust-list", "version": 1, "sequence": 3,
        "issued_at": 1710000000, "valid_until": 1710604800,
        "entries": [
            {"kid": kid_of(DSC), "country": "VN", "dsc": DSC, "types": ["v", "t", "r"],
             "not_before": 1704067200, "not_after": 1900000000},
            {"kid": kid_of(ED_DSC), "country": "VN", "dsc": ED_DSC, "types": ["r"],
             "not_before": 1704067200, "not_after": 1900000000},
            {"kid": b"\x01" * 8, "country": "XX", "spki": dsc_spki, "types": ["v"],
             "not_before": 0, "not_after": 1900000000},
        ],
        "cscas": [CSCA],
    }
    seed("trust_list_load", "list-payload.cbor", cbor(trust_list))
    seed("trust_list_load", "list-payload-next-anchor.cbor",
         cbor(dict(trust_list, entries=trust_list["entries"][:1], next_anchor=CSCA)))
    seed("trust_list_load", "list-signed.cose",
         envelope(cbor(trust_list), "application/vnd.vaxcert.trust-list+cbor"))
    rules_text = json.dumps([{
        "Identifier": "VR-VN-0001", "Type": "Acceptance", "Country": "VN", "Version": "1.0.0",
        "SchemaVersion": "1.3.0", "Engine": "CERTLOGIC", "EngineVersion": "1.3.3",
        "CertificateType": "Vaccination", "Description": [{"lang": "en", "desc": "dose"}],
        "ValidFrom": "2021-01-01T00:00:00Z", "ValidTo": "2030-01-01T00:00:00Z",
        "AffectedFields": ["v.0.dn"], "Logic": {"<=": [1, {"var": "payload.v.0.dn"}]}}])
    rule_set = {"kind": "vaxcert-rule-set", "version": 1, "name": "vn-venue", "sequence": 1,
                "issued_at": 1710000000, "valid_until": 1710604800, "rules": rules_text}
    seed("trust_list_load", "ruleset-payload.cbor", cbor(rule_set))
    seed("trust_list_load", "ruleset-signed.cose",
         envelope(cbor(rule_set), "application/vnd.vaxcert.rule-set+cbor"))

    hashes = b"".join(hashlib.sha256(str(i).encode()).digest()[:16] for i in range(4))
    groups = [{"kid": kid_of(DSC), "hash_type": t, "expires": 1900000000, "hashes": hashes}
              for t in ("UCI", "COUNTRYCODEUCI", "SIGNATURE")]
    full = {"kind": "vaxcert-revocation-list", "version": 1, "sequence": 5,
            "issued_at": 1710000000, "valid_until": 1710604800, "groups": groups}
    delta = {"kind": "vaxcert-revocation-delta", "version": 1, "sequence": 6,
             "issued_at": 1710003600, "valid_until": 1710604800, "base_sequence": 5,
             "groups": groups[:1], "removed": [dict(groups[1], hashes=hashes[:16]),
                                               dict(groups[2], hashes=b"")]}
    seed("revocation_load", "full-payload.cbor", cbor(full))
    seed("revocation_load", "delta-payload.cbor", cbor(delta))
    seed("revocation_load", "full-signed.cose",
         envelope(cbor(full), "application/vnd.vaxcert.revocation-list+cbor"))

    # EU gateway JSON: CSCA + chained DSCs (+ an UPLOAD entry), DSCs only, bad entries.
    def gw(der, ty):
        return {"kid": base64.b64encode(kid_of(der)).decode(), "country": "VN",
                "certificateType": ty, "thumbprint": hashlib.sha256(der).hexdigest(),
                "timestamp": "2024-01-01T00:00:00Z", "rawData": base64.b64encode(der).decode()}

    seed("gateway_import", "csca-and-dsc.json", json.dumps(
        [gw(CSCA, "CSCA"), gw(DSC, "DSC"), gw(ED_DSC, "DSC"),
         dict(gw(LIST_SIGNER, "UPLOAD"), signature="AAAA")], indent=1))
    seed("gateway_import", "dsc-only.json", json.dumps([gw(DSC, "DSC"), gw(ED_DSC, "dsc")]))
    seed("gateway_import", "bad-entries.json", json.dumps([
        {"rawData": "not base64!"}, {"rawData": ""}, dict(gw(DSC, "DSC"), thumbprint="00"),
        dict(gw(DSC, "DSC"), kid="AAAAAAAAAAA="), gw(DSC, "DSC")]))
    seed("gateway_import", "not-entries.json", json.dumps([{"rawData": "", "kid": 5}]))

    # CertLogic: an expression per operator (expression NUL data), and each shipped VN rule as
    # a rule document over a sample payload, plus two-rule sets over a bare payload.
    data = {"payload": VAC,
            "external": {"validationClock": "2024-03-10T12:00:00.000Z", "countryCode": "VN",
                         "valueSets": {"covid-19-lab-test-type": ["LP6464-4", "LP217198-3"]}}}
    exprs = {
        "if": {"if": [{"var": "payload.v"}, "v", "none"]},
        "and": {"and": [True, {"var": "payload.dob"}, 1]},
        "not": {"!": [{"var": "payload.missing"}]},
        "equal": {"===": [{"var": "payload.v.0.dn"}, {"var": "payload.v.0.sd"}]},
        "in": {"in": [{"var": "payload.v.0.mp"}, ["EU/1/20/1528", "EU/1/20/1507"]]},
        "plus": {"+": [{"var": "payload.v.0.dn"}, 9007199254740991]},
        "compare": {"<": [0, {"var": "payload.v.0.dn"}, 3]},
        "times": {"not-after": [{"plusTime": [{"var": "payload.v.0.dt"}, 14, "day"]},
                                {"plusTime": [{"var": "external.validationClock"}, -1, "month"]}]},
        "dob": {"after": [{"dccDateOfBirth": [{"var": "payload.dob"}]},
                          {"plusTime": [{"var": "external.validationClock"}, -18, "year"]}]},
        "uvci": {"extractFromUVCI": [{"var": "payload.v.0.ci"}, 1]},
        "reduce": {"reduce": [{"var": "payload.v"},
                              {"+": [{"var": "accumulator"}, {"var": "current.dn"}]}, 0]},
        "literals": [1, "a", [True, False], {"var": ""}],
    }
    for n, e in exprs.items():
        seed("certlogic_eval", f"op-{n}.txt", json.dumps(e) + "\0" + json.dumps(data))
    for rules_file in sorted(glob.glob(os.path.join(REPO, "certlogic", "rules", "*.json"))):
        with open(rules_file) as f:
            doc = json.load(f)
        rules = doc["rules"] if isinstance(doc, dict) else doc
        base = os.path.basename(rules_file)[:-5]
        for i, rule in enumerate(rules[:6]):
            seed("certlogic_eval", f"{base}-rule{i}.txt", json.dumps(rule) + "\0" + json.dumps(data))
        seed("certlogic_eval", f"{base}-set.txt", json.dumps(rules[:2]) + "\0" + json.dumps(VAC))


def from_shared():
    """Inputs read from ../shared into corpus/ (not committed)."""
    if not os.path.isdir(SHARED):
        print(f"{SHARED} not found: corpus/ gets no inputs from shared/")
        return

    def corpus(target, name, data):
        write(CORPUS, target, name, data)

    certs = []
    for rel in VECTOR_FILES:
        path = os.path.join(VECTORS, rel)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            v = json.load(f)
        n = "shared-" + rel.replace("/2DCode/raw/", "-").replace("/", "-")[:-5]
        if v.get("PREFIX"):
            corpus("decode_text", f"{n}.txt", v["PREFIX"])
            corpus("verify_text", f"{n}.txt", v["PREFIX"])
        try:
            cose = bytes.fromhex(v.get("COSE") or "")
        except ValueError:
            cose = b""
        if cose:
            corpus("decode_cose", f"{n}.cose", cose)
            corpus("decode_text", f"{n}.cose", cose)
        cert = (v.get("TESTCTX") or {}).get("CERTIFICATE")
        if cert:
            try:
                der = base64.b64decode(cert)
                corpus("trust_list_load", f"{n}.der", der)
                certs.append(der)
            except ValueError:
                pass
        if v.get("2DCODE") and rel.startswith("LU"):
            corpus("qr_image", f"{n}.png", base64.b64decode(v["2DCODE"]))
    if certs:
        corpus("gateway_import", "shared-dscs.json", json.dumps([{
            "kid": base64.b64encode(kid_of(c)).decode(), "country": "XX",
            "certificateType": "DSC", "rawData": base64.b64encode(c).decode()} for c in certs]))
    for p in sorted(glob.glob(os.path.join(QA, "**", "*.png"), recursive=True),
                    key=os.path.getsize)[:3]:
        with open(p, "rb") as f:
            corpus("qr_image", "shared-" + os.path.relpath(p, QA).replace("/", "-"), f.read())
    for path in sorted(glob.glob(os.path.join(SHARED, "certlogic", "testSuite", "*.json"))):
        with open(path) as f:
            doc = json.load(f)
        base = "shared-" + os.path.basename(path)[:-5]
        n = 0
        for case in doc.get("cases", []):
            for a in case.get("assertions", []):
                if n < 3:
                    expr = a.get("certLogicExpression", case.get("certLogicExpression"))
                    corpus("certlogic_eval", f"{base}-{n}.txt",
                           json.dumps(expr) + "\0" + json.dumps(a.get("data", {})))
                    n += 1


def main():
    self_made()
    from_shared()


def finder_grid_png(side=192, module=2):
    """A greyscale PNG tiled with 7-module QR finder patterns (and a light module between them):
    the known slow input of qr_image (README.md §Known slow input). Written to hangs/, never
    to seeds/."""
    tile = []
    for y in range(8):
        row = []
        for x in range(8):
            dark = x < 7 and y < 7 and (x in (0, 6) or y in (0, 6) or (2 <= x <= 4 and 2 <= y <= 4))
            row += [0 if dark else 255] * module
        tile += [row] * module
    n = len(tile)
    raw = b"".join(b"\0" + bytes(tile[y % n][x % n] for x in range(side)) for y in range(side))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))



if __name__ == "__main__":
    main()
    os.makedirs(os.path.join(HERE, "hangs"), exist_ok=True)
    with open(os.path.join(HERE, "hangs", "qr_image-finder-grid-192.png"), "wb") as f:
        f.write(finder_grid_png())
