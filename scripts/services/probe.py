#!/usr/bin/env python3
"""Readiness probes that speak each server's own wire protocol (Python standard library only).

    probe.py kafka HOST:PORT [SECURITY_ENV]
                                  ApiVersions + Metadata round trip; ready when the broker lists itself
                                  and a controller is known. With SECURITY_ENV (the file up.sh writes),
                                  the same on the secured listeners it names, after logging in: SASL
                                  PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; SASL over TLS (checked against
                                  the CA); TLS with the client certificate
    probe.py cql HOST:PORT        CQL native protocol v4: STARTUP + SELECT release_version FROM system.local
    probe.py mongo HOST:PORT      MongoDB OP_MSG: ping + buildInfo

Exit status 0 and one line on stdout when the server answered correctly, 1 otherwise (reason on stderr).
"""
import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
import sys

TIMEOUT = 5.0


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by server")
        buf += chunk
    return bytes(buf)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated response")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt):
        vals = struct.unpack(fmt, self.take(struct.calcsize(fmt)))
        return vals[0] if len(vals) == 1 else vals

    def i8(self): return self.unpack(">b")
    def i16(self): return self.unpack(">h")
    def u16(self): return self.unpack(">H")
    def i32(self): return self.unpack(">i")

    def str16(self):  # Kafka / CQL [string]: int16 length + UTF-8; Kafka nullable when length is -1
        n = self.i16()
        return None if n < 0 else self.take(n).decode()


# ----------------------------------------------------------------------------------------- Kafka
def kafka_request(sock, api_key, api_version, corr, body=b""):
    client = b"ci-probe"
    header = struct.pack(">hhih", api_key, api_version, corr, len(client)) + client
    msg = header + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    r = Reader(recv_exact(sock, size))
    if r.i32() != corr:
        raise ValueError("correlation id mismatch")
    return r


def kafka_metadata(s):
    r = kafka_request(s, 18, 0, 1)  # ApiVersions v0
    err = r.i16()
    if err:
        raise ValueError(f"ApiVersions error code {err}")
    apis = {}
    for _ in range(r.i32()):
        key, lo, hi = r.unpack(">hhh")
        apis[key] = (lo, hi)
    if 3 not in apis or not apis[3][0] <= 1 <= apis[3][1]:
        raise ValueError(f"broker does not offer Metadata v1: {apis.get(3)}")
    r = kafka_request(s, 3, 1, 2, struct.pack(">i", -1))  # Metadata v1, all topics
    brokers = []
    for _ in range(r.i32()):
        node, bhost, bport, _rack = r.i32(), r.str16(), r.i32(), r.str16()
        brokers.append((node, bhost, bport))
    controller = r.i32()
    topics = []
    for _ in range(r.i32()):
        terr, name, _internal = r.i16(), r.str16(), r.i8()
        for _ in range(r.i32()):
            r.i16(); r.i32(); r.i32()
            r.take(4 * r.i32())
            r.take(4 * r.i32())
        topics.append((name, terr))
    if not brokers:
        raise ValueError("metadata lists no broker yet")
    if controller < 0:
        raise ValueError("no active controller yet")
    return brokers, controller, topics


def kafka_bytes(b):
    return struct.pack(">i", len(b)) + b


def kafka_str(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def kafka_sasl_step(s, corr, payload):
    r = kafka_request(s, 36, 0, corr, kafka_bytes(payload))  # SaslAuthenticate v0
    err, message = r.i16(), r.str16()
    if err:
        raise ValueError(f"SASL authentication failed (error code {err}): {message}")
    n = r.i32()
    return r.take(n) if n > 0 else b""


def kafka_scram(s, digest, user, password):
    """RFC 5802 client: client-first, client-final; checks the server signature."""
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f"n={user},r={nonce}"
    server_first = kafka_sasl_step(s, 11, ("n,," + first_bare).encode()).decode()
    fields = dict(kv.split("=", 1) for kv in server_first.split(","))
    if not fields["r"].startswith(nonce):
        raise ValueError("SCRAM: server nonce does not extend ours")
    salted = hashlib.pbkdf2_hmac(digest, password.encode(), base64.b64decode(fields["s"]), int(fields["i"]))
    client_key = hmac.digest(salted, b"Client Key", digest)
    final_bare = f"c=biws,r={fields['r']}"
    auth = f"{first_bare},{server_first},{final_bare}".encode()
    signature = hmac.digest(hashlib.new(digest, client_key).digest(), auth, digest)
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
    server_final = kafka_sasl_step(s, 12, f"{final_bare},p={proof}".encode()).decode()
    expected = base64.b64encode(hmac.digest(hmac.digest(salted, b"Server Key", digest), auth, digest)).decode()
    if server_final != f"v={expected}":
        raise ValueError("SCRAM: wrong server signature")


def kafka_login(s, mechanism, user, password):
    r = kafka_request(s, 17, 1, 10, kafka_str(mechanism))  # SaslHandshake v1
    err = r.i16()
    offered = [r.str16() for _ in range(r.i32())]
    if err:
        raise ValueError(f"SaslHandshake {mechanism}: error code {err}, broker offers {offered}")
    if mechanism == "PLAIN":
        kafka_sasl_step(s, 11, f"\0{user}\0{password}".encode())
    else:
        kafka_scram(s, "sha256" if mechanism == "SCRAM-SHA-256" else "sha512", user, password)


def probe_kafka_once(host, port, tls=None, sasl=None):
    with socket.create_connection((host, port), timeout=TIMEOUT) as raw:
        s = tls.wrap_socket(raw, server_hostname=host) if tls else raw
        if sasl:
            kafka_login(s, *sasl)
        return kafka_metadata(s)


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                env[k] = v
    return env


def probe_kafka_secured(path):
    env = read_env(path)
    user, password = env["KAFKA_SASL_USERNAME"], env["KAFKA_SASL_PASSWORD"]

    def hostport(key):
        h, _, p = env[key].rpartition(":")
        return h, int(p)

    def tls(with_cert):
        ctx = ssl.create_default_context(cafile=env["KAFKA_TLS_CA_FILE"])
        if with_cert:
            ctx.load_cert_chain(env["KAFKA_TLS_CERT_FILE"], env["KAFKA_TLS_KEY_FILE"])
        return ctx

    done = []
    for mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
        try:
            probe_kafka_once(*hostport("KAFKA_SASL_PLAINTEXT_BROKERS"), sasl=(mechanism, user, password))
        except (OSError, ValueError) as e:
            raise ValueError(f"SASL_PLAINTEXT {env['KAFKA_SASL_PLAINTEXT_BROKERS']} {mechanism}: {e}") from e
    done.append("sasl_plaintext(plain,scram-sha-256,scram-sha-512)")
    for mechanism in ("PLAIN", "SCRAM-SHA-512"):
        try:
            probe_kafka_once(*hostport("KAFKA_SASL_SSL_BROKERS"), tls=tls(False), sasl=(mechanism, user, password))
        except (OSError, ValueError) as e:
            raise ValueError(f"SASL_SSL {env['KAFKA_SASL_SSL_BROKERS']} {mechanism}: {e}") from e
    done.append("sasl_ssl(plain,scram-sha-512)")
    try:
        probe_kafka_once(*hostport("KAFKA_SSL_BROKERS"), tls=tls(True))
    except (OSError, ValueError) as e:
        raise ValueError(f"SSL {env['KAFKA_SSL_BROKERS']} with client certificate: {e}") from e
    done.append("ssl(client certificate)")
    return " ".join(done)


def probe_kafka(host, port, security_env=None):
    brokers, controller, topics = probe_kafka_once(host, port)
    secured = f" + {probe_kafka_secured(security_env)}" if security_env else ""
    return f"kafka ok: brokers={[f'{n}@{h}:{p}' for n, h, p in brokers]} controller={controller} topics={len(topics)}{secured}"


# ------------------------------------------------------------------------------------------- CQL
CQL_V4 = 0x04


def cql_frame(stream, opcode, body):
    return struct.pack(">BBhBi", CQL_V4, 0, stream, opcode, len(body)) + body


def cql_read(sock):
    version, _flags, _stream, opcode, length = struct.unpack(">BBhBi", recv_exact(sock, 9))
    body = Reader(recv_exact(sock, length))
    if opcode == 0x00:  # ERROR
        code = body.i32()
        raise ValueError(f"CQL error 0x{code:04x}: {body.str16()}")
    return opcode, body


def cql_string(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def cql_skip_type(r):
    tid = r.u16()
    if tid == 0x0000:
        r.str16()
    elif tid in (0x0020, 0x0022):
        cql_skip_type(r)
    elif tid == 0x0021:
        cql_skip_type(r); cql_skip_type(r)
    elif tid in (0x0030, 0x0031):
        raise ValueError("unexpected UDT/tuple column")
    return tid


def probe_cql(host, port):
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        s.sendall(cql_frame(1, 0x01, struct.pack(">H", 1) + cql_string("CQL_VERSION") + cql_string("3.0.0")))
        op, _ = cql_read(s)
        if op != 0x02:
            raise ValueError(f"expected READY after STARTUP, got opcode 0x{op:02x}")
        query = "SELECT release_version FROM system.local".encode()
        # [long string] query, [short] consistency ONE, [byte] flags 0
        s.sendall(cql_frame(2, 0x07, struct.pack(">i", len(query)) + query + struct.pack(">HB", 0x0001, 0)))
        op, r = cql_read(s)
        if op != 0x08 or r.i32() != 0x0002:
            raise ValueError("expected a ROWS result")
        flags, ncols = r.i32(), r.i32()
        if flags & 0x0002:
            r.take(r.i32())
        if not flags & 0x0004:
            if flags & 0x0001:
                r.str16(); r.str16()
            for _ in range(ncols):
                if not flags & 0x0001:
                    r.str16(); r.str16()
                r.str16(); cql_skip_type(r)
        nrows = r.i32()
        if nrows < 1:
            raise ValueError("system.local returned no row")
        n = r.i32()
        version = r.take(n).decode() if n >= 0 else None
    return f"cql ok: release_version={version}"


# ----------------------------------------------------------------------------------------- Mongo
def bson_encode(doc):
    out = bytearray()
    for k, v in doc.items():
        key = k.encode() + b"\x00"
        if isinstance(v, bool):
            out += b"\x08" + key + (b"\x01" if v else b"\x00")
        elif isinstance(v, int):
            out += b"\x10" + key + struct.pack("<i", v)
        elif isinstance(v, str):
            b = v.encode() + b"\x00"
            out += b"\x02" + key + struct.pack("<i", len(b)) + b
        else:
            raise TypeError(type(v))
    return struct.pack("<i", len(out) + 5) + bytes(out) + b"\x00"


def bson_decode(data, pos=0):
    (size,) = struct.unpack_from("<i", data, pos)
    end, pos, doc = pos + size - 1, pos + 4, {}
    while pos < end:
        t = data[pos]
        k_end = data.index(b"\x00", pos + 1)
        key, pos = data[pos + 1:k_end].decode(), k_end + 1
        if t == 0x01:
            doc[key], pos = struct.unpack_from("<d", data, pos)[0], pos + 8
        elif t in (0x02, 0x0D, 0x0E):
            (n,) = struct.unpack_from("<i", data, pos)
            doc[key], pos = data[pos + 4:pos + 3 + n].decode(), pos + 4 + n
        elif t in (0x03, 0x04):
            (n,) = struct.unpack_from("<i", data, pos)
            sub = bson_decode(data, pos)
            doc[key], pos = (list(sub.values()) if t == 0x04 else sub), pos + n
        elif t == 0x05:
            (n,) = struct.unpack_from("<i", data, pos)
            doc[key], pos = data[pos + 5:pos + 5 + n], pos + 5 + n
        elif t == 0x07:
            doc[key], pos = data[pos:pos + 12].hex(), pos + 12
        elif t == 0x08:
            doc[key], pos = bool(data[pos]), pos + 1
        elif t in (0x0A, 0x06, 0x7F, 0xFF):
            doc[key] = None
        elif t == 0x10:
            doc[key], pos = struct.unpack_from("<i", data, pos)[0], pos + 4
        elif t in (0x09, 0x11, 0x12):
            doc[key], pos = struct.unpack_from("<q", data, pos)[0], pos + 8
        elif t == 0x13:
            doc[key], pos = data[pos:pos + 16], pos + 16
        else:
            raise ValueError(f"unsupported BSON type 0x{t:02x}")
    return doc


def mongo_command(sock, req_id, cmd):
    body = struct.pack("<I", 0) + b"\x00" + bson_encode(cmd)
    sock.sendall(struct.pack("<iiii", 16 + len(body), req_id, 0, 2013) + body)
    length, _rid, response_to, opcode = struct.unpack("<iiii", recv_exact(sock, 16))
    data = recv_exact(sock, length - 16)
    if opcode != 2013 or response_to != req_id or data[4] != 0:
        raise ValueError("unexpected reply")
    reply = bson_decode(data, 5)
    if reply.get("ok") != 1:
        raise ValueError(f"command {next(iter(cmd))} failed: {reply}")
    return reply


def probe_mongo(host, port):
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        mongo_command(s, 1, {"ping": 1, "$db": "admin"})
        info = mongo_command(s, 2, {"buildInfo": 1, "$db": "admin"})
    extra = f" ferretdb={info['ferretdbVersion']}" if "ferretdbVersion" in info else ""
    return f"mongo ok: version={info.get('version')}{extra}"


PROBES = {"kafka": probe_kafka, "cql": probe_cql, "mongo": probe_mongo}


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in PROBES or (len(argv) == 4 and argv[1] != "kafka"):
        print(__doc__, file=sys.stderr)
        return 2
    host, _, port = argv[2].rpartition(":")
    try:
        print(PROBES[argv[1]](host or "127.0.0.1", int(port), *argv[3:]))
        return 0
    except (OSError, ValueError, KeyError, ConnectionError, struct.error) as e:
        print(f"{argv[1]} not ready: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
