#!/usr/bin/python3
"""Differential oracle: RequestParser (through request_parser_dump) against Python's h11.

Each input file is a connection's bytes. request_parser_dump prints what RequestParser makes of
them, one JSON line per request; this script runs h11 (as a server) over the same bytes, request
by request, and compares: accepted or rejected, method, target, HTTP version, fields, body,
request_bytes, keep_alive and expect_continue. Both must agree, except where a difference is one
of the deliberate ones listed below (DIFFERENCES), each with the RFC text that allows it. Almost
all of them are places where RequestParser is stricter than h11; the few where h11 is stricter
are marked so. After an explained difference the rest of that file is not compared (the two
parsers no longer look at the same request).

Two adjustments are made before comparing, both where RequestParser follows the RFC and h11 does
not: empty lines (CRLF) before a request line are skipped before h11 sees them (RFC 9112 §2.2;
h11 refuses them), and an HTTP/1.0 request with "Connection: keep-alive" is expected to keep the
connection (RFC 9112 Appendix C.2.2; h11 always closes HTTP/1.0).

Usage: /usr/bin/python3 fuzz/h11_oracle.py --dump BUILD/fuzz/request_parser_dump
           [--verbose] FILE_OR_DIR...
Exit status: 0 all agree or differ only as documented; 1 an unexplained difference; 77 h11 is
not installed (CTest SKIP_RETURN_CODE; Debian: apt-get install python3-h11).
"""

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter

try:
    import h11
except ImportError:  # pragma: no cover
    print("h11_oracle: SKIP, Python's h11 is not installed (python3-h11)")
    sys.exit(77)
try:
    from h11._connection import _keep_alive  # the rule h11 applies to a request
except ImportError:  # pragma: no cover
    def _keep_alive(request):
        """h11 0.14's rule: close when Connection has "close", or below HTTP/1.1."""
        return (b"close" not in h11_comma_values(request, b"connection") and
                request.http_version >= b"1.1")


def bytes_of(text):
    """A dump string (bytes above 0x7f written as \\u00XX) back to bytes."""
    return text.encode("latin-1")


# --------------------------------------------------------------------------------------------
# h11's side.


def h11_requests(data):
    """What h11 makes of `data`, as records shaped like request_parser_dump's."""
    records = []
    offset = 0
    while offset < len(data):
        # RFC 9112 §2.2: "a server that is expecting to receive and parse a request-line SHOULD
        # ignore at least one empty line (CRLF) received prior to the request-line". h11 rejects
        # them ("no request line received"), RequestParser ignores them; they are skipped here
        # and counted in the request's bytes, so the comparison goes on past them.
        skipped = 0
        while data.startswith(b"\r\n", offset + skipped):
            skipped += 2
        if offset + skipped == len(data):  # receive_data(b"") would mean the peer closed
            records.append({"outcome": "incomplete", "head": False})
            return records
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=1 << 40)
        conn.receive_data(data[offset + skipped:])
        request = None
        body = b""
        expect_continue = False
        try:
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    records.append({"outcome": "incomplete", "head": request is not None})
                    return records
                if isinstance(event, h11.Request):
                    request = event
                    expect_continue = conn.client_is_waiting_for_100_continue
                elif isinstance(event, h11.Data):
                    body += bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    raise AssertionError("unexpected h11 event %r" % (event,))
        except h11.RemoteProtocolError as error:
            records.append({"outcome": "error", "h11_error": str(error),
                            "head": request is not None})
            return records
        trailing, _ = conn.trailing_data
        used = len(data) - offset - len(trailing)
        keep_alive = _keep_alive(request)
        records.append({
            "outcome": "complete",
            "method": request.method,
            "target": request.target,
            "minor_version": 0 if request.http_version == b"1.0" else 1,
            "http_version": request.http_version,
            "fields": [(bytes(n), bytes(v)) for n, v in request.headers.raw_items()],
            "body": body,
            "request_bytes": used,
            "keep_alive": keep_alive,
            "expect_continue": expect_continue,
            "http_1_0_keep_alive": http_1_0_keep_alive(request),
        })
        offset += used
        if not keep_alive and not http_1_0_keep_alive(request):
            return records
    return records


def h11_comma_values(request, name):
    values = []
    for field_name, value in request.headers:
        if field_name == name:
            values += [v.strip() for v in value.lower().split(b",") if v.strip()]
    return values


def http_1_0_keep_alive(request):
    """An HTTP/1.0 request asking for a persistent connection, which h11 does not support."""
    connection = h11_comma_values(request, b"connection")
    return (request.http_version == b"1.0" and b"keep-alive" in connection and
            b"close" not in connection)


# --------------------------------------------------------------------------------------------
# RequestParser's side.


def our_requests(dump, path):
    result = subprocess.run([dump, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError("%s %s: exit %d: %s" % (dump, path, result.returncode,
                                                  result.stderr.decode(errors="replace")))
    records = []
    for line in result.stdout.decode("ascii").splitlines():
        record = json.loads(line)
        if record["outcome"] == "complete":
            record["method"] = bytes_of(record["method"])
            record["target"] = bytes_of(record["target"])
            record["fields"] = [(bytes_of(n), bytes_of(v)) for n, v in record["fields"]]
            record["body"] = bytes.fromhex(record["body"])
        records.append(record)
    return records


# --------------------------------------------------------------------------------------------
# The deliberate differences. Each is (name, what and why, test); the test gets the request's
# bytes (from where it starts to the end of the input), our record and h11's, and says whether
# this difference explains them. Where RequestParser refuses, the test also looks for the
# offending bytes itself (a "witness", independent of both parsers), so that a wrong refusal is
# not excused by its reason code alone.

TOKEN = rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+"
QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]+)((?:[ \t]*;[ \t]*" + TOKEN + rb"(?:[ \t]*=[ \t]*(?:" +
                        TOKEN + rb"|" + QUOTED + rb"))?)*)")
HOST = re.compile(rb"(?:\[[0-9A-Fa-f:.vV]+\]|(?:[-A-Za-z0-9._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)"
                  rb"(?::[0-9]{0,5})?")
ORIGIN_FORM = re.compile(rb"/[\x21-\x22\x24-\x7e]*")
ABSOLUTE_FORM = re.compile(rb"(?i:https?)://([^/?#]*)[\x21-\x22\x24-\x7e]*")


class Head:
    """A request's head as the RFC spells it, read here without either parser: the request
    line, the fields (lower-case name, trimmed value), the lines, and the bytes after it."""

    def __init__(self, data):
        data = data.lstrip(b"\r\n")
        end = data.find(b"\r\n\r\n")
        text = data if end < 0 else data[:end]
        self.complete = end >= 0
        self.size = len(text) + 4
        self.lines = text.split(b"\r\n")
        self.request_line = self.lines[0]
        parts = self.request_line.split(b" ")
        self.method, self.target, self.version = parts if len(parts) == 3 else (b"", b"", b"")
        self.fields = []
        for line in self.lines[1:]:
            name, colon, value = line.partition(b":")
            if colon:
                self.fields.append((name.lower(), value.strip(b" \t")))
        self.body = data[end + 4:] if end >= 0 else b""

    def values(self, name):
        return [value for field, value in self.fields if field == name]

    def elements(self, name):
        return [e.strip(b" \t") for value in self.values(name) for e in value.split(b",")]


def chunks(body):
    """The chunk-size lines, decoded size and trailer lines of a chunked body, read by the RFC
    9112 §7.1 grammar; stops at the first line that does not fit it."""
    result = {"lines": [], "size": 0, "bad_line": None, "trailers": []}
    position = 0
    while True:
        end = body.find(b"\r\n", position)
        if end < 0:
            return result
        line = body[position:end]
        result["lines"].append(line)
        match = CHUNK_LINE.fullmatch(line)
        if not match:
            result["bad_line"] = line
            return result
        size = int(match.group(1), 16)
        position = end + 2
        if size == 0:
            while True:
                end = body.find(b"\r\n", position)
                if end <= position:
                    return result
                result["trailers"].append(body[position:end])
                position = end + 2
        result["size"] += size
        position += size + 2


def we_reject(reasons, witness):
    """RequestParser refuses (with one of `reasons`) what h11 accepts or is still reading, and
    `witness(data)` finds what RFC 9112 / 9110 text makes it refusable."""
    return lambda data, ours, theirs: (ours["outcome"] == "error" and ours["reason"] in reasons
                                       and theirs["outcome"] != "error" and witness(data))


def has_bare_lf(data):
    return re.search(rb"(?<!\r)\n", data) is not None


def has_bare_cr(data):
    return re.search(rb"\r(?!\n)", data) is not None


def has_folding(data):
    return re.search(rb"\r\n[ \t]", data.lstrip(b"\r\n")) is not None


def other_major_version(data):
    return re.fullmatch(rb"HTTP/[02-9]\.[0-9]", Head(data).version) is not None


def is_named_host(text):
    return HOST.fullmatch(text) is not None and not text.startswith(b":")


def invalid_target(data):
    head = Head(data)
    method, target = head.method, head.target
    if method == b"CONNECT":
        return not (b":" in target and is_named_host(target))
    if method == b"OPTIONS" and target == b"*":
        return False
    if ORIGIN_FORM.fullmatch(target):
        return False
    absolute = ABSOLUTE_FORM.fullmatch(target)
    return not (absolute and is_named_host(absolute.group(1)))


def invalid_host(data):
    hosts = Head(data).values(b"host")
    return len(hosts) == 1 and hosts[0] != b"" and not is_named_host(hosts[0])


def missing_host_above_1_1(data):
    head = Head(data)
    return re.fullmatch(rb"HTTP/1\.[2-9]", head.version) and not head.values(b"host")


def control_byte(data):
    return any(re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", line)
               for line in data.lstrip(b"\r\n").split(b"\r\n"))


def odd_content_length(data):
    lengths = Head(data).values(b"content-length")
    return len(lengths) > 1 or any(not re.fullmatch(rb"[0-9]{1,19}", v) for v in lengths)


def length_and_coding(data):
    head = Head(data)
    return bool(head.values(b"content-length")) and bool(head.values(b"transfer-encoding"))


def coding_in_http_1_0(data):
    head = Head(data)
    return head.version == b"HTTP/1.0" and bool(head.values(b"transfer-encoding"))


def odd_connection(data):
    return any(e and not re.fullmatch(TOKEN, e) for e in Head(data).elements(b"connection"))


def other_expectation(data):
    return any(e and e.lower() != b"100-continue" for e in Head(data).elements(b"expect"))


def repeated_singleton(data):
    head = Head(data)
    return len(head.values(b"content-type")) > 1 or len(head.values(b"authorization")) > 1


def odd_chunk_line(data):
    return chunks(Head(data).body)["bad_line"] is not None


def chunk_line_with_bws(data, ours, theirs):
    return (ours["outcome"] == "complete" and theirs["outcome"] == "error" and
            "illegal chunk header" in theirs["h11_error"] and
            any(re.match(rb"[0-9A-Fa-f]+[ \t]+;", line)
                for line in chunks(Head(data).body)["lines"]))


def framing_field_in_trailer(data, ours, theirs):
    trailers = chunks(Head(data).body)["trailers"]
    return (ours["outcome"] == "complete" and theirs["outcome"] == "error" and
            any(re.match(rb"(?i)(content-length|transfer-encoding)[ \t]*:", t) for t in trailers))


def early_control_byte(data, ours, theirs):
    return (ours["outcome"] == "incomplete" and theirs["outcome"] == "error" and
            "illegal request line" in theirs["h11_error"] and len(data) > 0 and data[0] < 0x21)


def refused_sooner(data, ours, theirs):
    """We refuse a request h11 is still reading, and h11 refuses it too once its head (or
    trailer section) ends."""
    if ours["outcome"] != "error" or theirs["outcome"] != "incomplete":
        return False
    completed = h11_requests(data + b"\r\n\r\n")
    return bool(completed) and completed[0]["outcome"] == "error"


def long_method(data):
    """A request line that starts with 33 token characters: a method longer than 32 bytes."""
    return re.match(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]{33}", data.lstrip(b"\r\n")) is not None


def over_a_limit(data):
    """Over one of FramingLimits' defaults (daemon/http/request_parser.h)."""
    head = Head(data)
    body = chunks(head.body)
    lengths = [int(v) for v in head.values(b"content-length") if re.fullmatch(rb"[0-9]+", v)]
    return (len(head.request_line) > 8192 + 62 or len(head.target) > 8192 or
            head.size > 16384 or len(head.lines) > 65 or
            any(n > 262144 for n in lengths) or body["size"] > 262144 or
            any(len(line) > 1022 for line in body["lines"]) or
            any(re.match(rb"[0-9A-Fa-f]{17}", line) for line in body["lines"]) or
            len(body["trailers"]) > 64 or len(head.body) > 65536)


DIFFERENCES = [
    ("bare line feed",
     "RFC 9112 §2.2: a recipient MAY recognise a single LF as a line terminator. h11 does in the "
     "head and the trailers; RequestParser does not (bare_line_feed), so that no LF-only line "
     "can mean one thing here and another to a proxy in front.",
     we_reject({"bare_line_feed"}, has_bare_lf)),
    ("bare carriage return",
     "RFC 9112 §2.2: a recipient of a bare CR MUST consider that element invalid (or replace "
     "it). RequestParser refuses it at once; h11 waits for a blank line, and accepts a CR inside "
     "a chunk extension (its chunk-ext is ';.*').",
     we_reject({"bare_carriage_return"}, has_bare_cr)),
    ("obsolete line folding",
     "RFC 9112 §5.2: a server that receives obs-fold in a request MUST either reject it with 400 "
     "or replace each obs-fold with SP. RequestParser rejects (also in trailers); h11 unfolds.",
     we_reject({"obsolete_line_folding", "whitespace_before_first_field"}, has_folding)),
    ("HTTP version",
     "RFC 9110 §6.2, §15.6.6 and RFC 9112 §2.3: the major version is 1 here; other majors get "
     "505. h11 accepts any HTTP/d.d.",
     we_reject({"http_version_not_supported"}, other_major_version)),
    ("request-target form",
     "RFC 9112 §3.2: the target is origin-form, absolute-form (http/https, with a host: RFC 9110 "
     "§4.2.1), authority-form (only CONNECT) or asterisk-form (only OPTIONS); a fragment ('#') "
     "is not part of it. h11 takes any visible characters.",
     we_reject({"malformed_target"}, invalid_target)),
    ("Host field value",
     "RFC 9112 §3.2: a server MUST respond 400 to a request with an invalid Host field value "
     "(uri-host [':' port], RFC 3986 §3.2.2; a port without a host is not one). h11 does not "
     "check the value.",
     we_reject({"invalid_host"}, invalid_host)),
    ("Host in HTTP/1.x above 1.1",
     "RFC 9110 §6.2: a recipient of HTTP/1.x (x > 1) processes it as HTTP/1.1, and RFC 9112 §3.2 "
     "requires Host in HTTP/1.1. h11 requires Host only for exactly '1.1'.",
     we_reject({"missing_host"}, missing_host_above_1_1)),
    ("control bytes in field values",
     "RFC 9110 §5.5: field values are VCHAR, obs-text, SP and HTAB; other CTLs are invalid (a "
     "recipient MAY retain them). RequestParser refuses every CTL but HTAB; h11 only NUL and "
     "whitespace controls.",
     we_reject({"control_byte_in_field"}, control_byte)),
    ("repeated or list Content-Length",
     "RFC 9110 §8.6 and RFC 9112 §6.3: a recipient MAY accept a list or repeated fields of "
     "identical values; RequestParser does not (repeated_content_length, "
     "malformed_content_length), h11 does. RequestParser also refuses more than 19 digits, which "
     "h11 takes (RFC 9110 §8.6: anticipate large numbers and prevent overflow).",
     we_reject({"repeated_content_length", "malformed_content_length"}, odd_content_length)),
    ("Content-Length with Transfer-Encoding",
     "RFC 9112 §6.1: a server MAY reject a request with both, or process it by Transfer-Encoding "
     "alone (as h11 does); RequestParser rejects it.",
     we_reject({"conflicting_framing"}, length_and_coding)),
    ("Transfer-Encoding in HTTP/1.0",
     "RFC 9112 §6.1: a server that receives an HTTP/1.0 message with Transfer-Encoding MUST "
     "treat its framing as faulty. h11 reads it as chunked.",
     we_reject({"transfer_encoding_in_http_1_0"}, coding_in_http_1_0)),
    ("Connection syntax",
     "RFC 9110 §7.6.1: Connection = #connection-option, each a token. RequestParser refuses a "
     "value that is not a list of tokens (empty elements are ignored, RFC 9110 §5.6.1.2); h11 "
     "does not check.",
     we_reject({"malformed_connection"}, odd_connection)),
    ("expectations",
     "RFC 9110 §10.1.1: a server that receives an Expect field value other than 100-continue "
     "MAY respond 417. h11 ignores other expectations.",
     we_reject({"unsupported_expectation"}, other_expectation)),
    ("repeated singleton fields",
     "RFC 9110 §5.3: a sender MUST NOT generate repeated fields that are not lists; "
     "Content-Type (§8.3) and Authorization (§11.6.2) are singletons, and RequestParser refuses "
     "them repeated. h11 keeps both.",
     we_reject({"repeated_field"}, repeated_singleton)),
    ("chunk extensions",
     "RFC 9112 §7.1.1: chunk-ext = *( BWS ';' BWS name [ BWS '=' BWS value ] ), value a token or "
     "quoted-string, no trailing whitespace. h11 takes ';' and anything after it, and trailing "
     "whitespace.",
     we_reject({"malformed_chunk_extension"}, odd_chunk_line)),
    ("chunk extensions: BWS before ';' (h11 stricter)",
     "RFC 9112 §7.1.1 allows BWS before a chunk extension's ';' (\"5 ;a\"); h11 refuses it.",
     chunk_line_with_bws),
    ("framing fields in trailers (h11 stricter)",
     "RFC 9110 §6.5.1: framing fields in a trailer section are not used; RequestParser discards "
     "trailers. h11 validates Content-Length and Transfer-Encoding in them as if they were "
     "header fields.",
     framing_field_in_trailer),
    ("early refusal of a request line (h11 earlier)",
     "h11 refuses a request that starts with a control byte or a space before its line ends; "
     "RequestParser waits for the line and refuses it then (or ignores it, for CRLF).",
     early_control_byte),
    ("refused sooner (same verdict)",
     "RequestParser refuses a line as soon as that line is complete; h11 reads a whole head or "
     "trailer section before it checks the lines. Given the end of the section, h11 refuses the "
     "request too.",
     refused_sooner),
    ("method longer than any method",
     "RFC 9110 §9.1: a server that receives a method it does not implement SHOULD respond 501. "
     "RequestParser refuses a method longer than 32 bytes (the longest registered one, "
     "UPDATEREDIRECTREF, has 17) with 501 as soon as its 33rd byte arrives (method_too_long), "
     "without waiting for the line. h11 takes a token of any length.",
     we_reject({"method_too_long"}, long_method)),
    ("limits",
     "RFC 9110 §15.5.14 (413), §15.5.15 (414), RFC 6585 §5 (431), RFC 9112 §7.1.1 (limits on "
     "chunk extensions): RequestParser has FramingLimits (head 16 KiB, target 8 KiB, 64 fields, "
     "body 256 KiB, chunk lines 1 KiB, chunk framing 64 KiB, chunk size at most 16 hex digits); "
     "the oracle runs h11 without its limit.",
     we_reject({"target_too_long", "head_too_large", "too_many_header_fields",
                "too_many_trailer_fields", "body_too_large", "chunk_line_too_long",
                "chunk_framing_too_large", "chunk_size_too_large"}, over_a_limit)),
]


def explain(data, ours, theirs):
    for name, _, test in DIFFERENCES:
        if test(data, ours, theirs):
            return name
    return None


# --------------------------------------------------------------------------------------------
# Comparison.


def same_fields(ours, theirs):
    if len(ours) != len(theirs):
        return False
    for (our_name, our_value), (their_name, their_value) in zip(ours, theirs):
        if our_name != their_name:
            return False
        if our_name.lower() == b"transfer-encoding":  # h11 stores it lower-cased
            our_value = our_value.lower()
        if our_value != their_value:
            return False
    return True


def compare_complete(ours, theirs):
    """The fields on which two accepted requests differ (HTTP/1.0 keep-alive aside)."""
    differences = []
    for key in ("method", "target", "minor_version", "body", "request_bytes",
                "expect_continue"):
        if ours[key] != theirs[key]:
            differences.append(key)
    if not same_fields(ours["fields"], theirs["fields"]):
        differences.append("fields")
    # RFC 9112 Appendix C.2.2: an HTTP/1.0 client may ask for a persistent connection with
    # "Connection: keep-alive"; RequestParser honours it, h11 never keeps HTTP/1.0 open.
    expected_keep_alive = theirs["keep_alive"] or theirs["http_1_0_keep_alive"]
    if ours["keep_alive"] != expected_keep_alive:
        differences.append("keep_alive")
    return differences


def compare_file(dump, path, verbose):
    """(requests agreed, explained difference or None, unexplained difference text or None)."""
    with open(path, "rb") as f:
        data = f.read()
    ours = our_requests(dump, path)
    theirs = h11_requests(data)
    offset = 0
    agreed = 0
    for index in range(max(len(ours), len(theirs))):
        our = ours[index] if index < len(ours) else {"outcome": "none"}
        their = theirs[index] if index < len(theirs) else {"outcome": "none"}
        rest = data[offset:]
        if our["outcome"] == "complete" and their["outcome"] == "complete":
            differences = compare_complete(our, their)
            if differences:
                return agreed, None, "request %d differs in %s:\n  ours %r\n  h11  %r" % (
                    index, ", ".join(differences), our, their)
            agreed += 1
            offset += our["request_bytes"]
            continue
        if our["outcome"] == their["outcome"] and our["outcome"] in ("error", "incomplete", "none"):
            if our["outcome"] == "incomplete" and our["head"] != their["head"]:
                return agreed, None, "request %d: incomplete, head %s here, %s in h11" % (
                    index, our["head"], their["head"])
            if verbose and our["outcome"] == "error":
                print("%s: both refuse request %d: %s / %s" % (
                    os.path.basename(path), index, our["reason"], their["h11_error"]))
            return agreed + (our["outcome"] != "none"), None, None
        reason = explain(rest, our, their)
        if reason is None:
            return agreed, None, "request %d: ours %r, h11 %r" % (index, our, their)
        return agreed, reason, None
    return agreed, None, None


def input_files(arguments):
    for argument in arguments:
        if os.path.isdir(argument):
            for root, _, names in os.walk(argument):
                for name in sorted(names):
                    yield os.path.join(root, name)
        else:
            yield argument


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", required=True, help="the request_parser_dump executable")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("inputs", nargs="+")
    arguments = parser.parse_args()

    files = sorted(input_files(arguments.inputs))
    if not files:
        print("h11_oracle: no input files")
        return 1
    explained = Counter()
    unexplained = []
    requests = 0
    for path in files:
        agreed, reason, failure = compare_file(arguments.dump, path, arguments.verbose)
        requests += agreed
        if failure is not None:
            unexplained.append("%s: %s" % (path, failure))
        elif reason is not None:
            explained[reason] += 1
            if arguments.verbose:
                print("%s: deliberate difference: %s" % (os.path.basename(path), reason))
    print("h11_oracle (h11 %s): %d files, %d requests agreed, %d files end in a documented "
          "difference, %d unexplained" % (h11.__version__, len(files), requests,
                                          sum(explained.values()), len(unexplained)))
    for name, count in sorted(explained.items()):
        print("  %4d  %s" % (count, name))
    for failure in unexplained:
        print("UNEXPLAINED " + failure)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
