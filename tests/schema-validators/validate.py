#!/usr/bin/python3
"""python-jsonschema (Debian's python3-jsonschema) over jumio-bridge's schemas/: Draft4Validator,
every file checked against the draft-04 meta-schema, with a FormatChecker that checks date and
date-time as real RFC 3339 dates (Debian's jsonschema has no date-time checker without
rfc3339-validator, and its date checker uses datetime, which has no year 0000). Used by
tests/unit/schema_validators_test.cpp.

Usage: /usr/bin/python3 validate.py SCHEMA_DIR CASES.jsonl
Same cases, rules, summary line and exit codes as validate.js.
"""
import json
import os
import re
import sys

import jsonschema
from jsonschema import Draft4Validator, FormatChecker, RefResolver

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))\Z",
                   re.IGNORECASE)


def _real_date(text):
    match = _DATE.match(text)
    if not match:
        return False
    year, month, day = (int(part) for part in match.groups())
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= month <= 12 and 1 <= day <= days[month - 1]


def _real_time(text):
    match = _TIME.match(text)
    if not match:
        return False
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if match.group(6) is not None and (int(match.group(6)) > 23 or int(match.group(7)) > 59):
        return False
    return hour <= 23 and minute <= 59 and second <= 60  # RFC 3339 allows a leap second


def format_checker():
    """FormatChecker() with date and date-time checked as real RFC 3339 dates."""
    checker = FormatChecker()

    @checker.checks("date")
    def is_date(instance):
        return not isinstance(instance, str) or _real_date(instance)

    @checker.checks("date-time")
    def is_date_time(instance):
        if not isinstance(instance, str):
            return True
        date, separator, time = instance[:10], instance[10:11], instance[11:]
        return separator in ("T", "t") and _real_date(date) and _real_time(time)

    return checker


ENVELOPE_SOURCES = {
    "NETVERIFYID": {
        "reference": "jumioIdScanReference",
        "merchantReference": "merchantIdScanReference",
        "customerId": "customerId",
        "transactionDate": "transactionDate",
        "callbackDate": "callbackDate",
    },
    "NETVERIFY_AUTHENTICATION": {
        "reference": "transactionReference",
        "merchantReference": None,
        "customerId": "userReference",
        "transactionDate": "transactionDate",
        "callbackDate": "callbackDate",
    },
    "DOCUMENT_VERIFICATION": {
        "reference": "scanReference",
        "merchantReference": "transaction.merchantScanReference",
        "customerId": "transaction.customerId",
        "transactionDate": "transaction.date",
        "callbackDate": "timestamp",
    },
    # reference, merchantReference and customerId come from the details answer's workflow object,
    # which data does not repeat: not checked.
    "WORKFLOW": {
        "transactionDate": "createdAt",
        "callbackDate": "completedAt",
    },
}


def consistency_error(event):
    """The rules of docs/schemas.md that JSON Schema cannot state: the envelope repeats data."""
    sources = ENVELOPE_SOURCES.get(event.get("callbackType")) if isinstance(event, dict) else None
    if sources is None or not isinstance(event.get("data"), dict):
        return "no callbackType or data"
    for member, source in sources.items():
        expected = None
        if source is not None:
            value = event["data"]
            for name in source.split("."):
                value = value.get(name) if isinstance(value, dict) else None
            expected = value if isinstance(value, str) else None
        if member not in event or event[member] != expected:
            return "envelope %s is not %s" % (member, "null" if source is None else "data." + source)
    return ""


def main():
    schema_dir, cases_file = sys.argv[1:3]
    files = sorted(f for f in os.listdir(schema_dir) if f.endswith(".schema.json"))
    store = {}
    try:
        for file in files:
            with open(os.path.join(schema_dir, file), encoding="utf-8") as text:
                schema = json.load(text)
            Draft4Validator.check_schema(schema)
            store[file] = schema
    except (jsonschema.exceptions.SchemaError, ValueError) as error:
        print(json.dumps({"validator": "python-jsonschema", "compiled": False, "error": str(error)}))
        return 2
    checker = format_checker()
    validators = {
        file: Draft4Validator(schema, resolver=RefResolver(file, schema, store=store),
                              format_checker=checker)
        for file, schema in store.items()
    }
    summary = {
        "validator": "python-jsonschema %s (Draft4Validator, FormatChecker)" % _version(),
        "compiled": len(files),
        "valid": 0,
        "invalid": 0,
        "rejected_by_schema": 0,
        "rejected_by_consistency": 0,
        "mismatches": 0,
    }
    with open(cases_file, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            case = json.loads(line)
            name = case["schema"]
            if name not in validators and "#" in name and name.split("#")[0] in store:
                # "file.json#/definitions/x" names a definition on its own.
                validators[name] = Draft4Validator({"$ref": name},
                                                   resolver=RefResolver("", {}, store=store),
                                                   format_checker=checker)
            validator = validators.get(name)
            if validator is None:
                print("%s: no schema %s" % (case["name"], case["schema"]), file=sys.stderr)
                summary["mismatches"] += 1
                continue
            errors = [error.message for error in validator.iter_errors(case["document"])]
            schema_ok = not errors
            is_event = case["schema"].startswith("event.")
            checked = is_event and case.get("consistency", True)
            consistency = consistency_error(case["document"]) if checked else ""
            if case["expect"] == "valid":
                summary["valid"] += 1
                ok = schema_ok and not consistency
            else:
                summary["invalid"] += 1
                ok = not schema_ok if case["by"] == "schema" else bool(consistency)
                if not schema_ok:
                    summary["rejected_by_schema"] += 1
                elif consistency:
                    summary["rejected_by_consistency"] += 1
            if not ok:
                summary["mismatches"] += 1
                print("%s: expected %s%s; schema: %s; consistency: %s" % (
                    case["name"], case["expect"],
                    " by " + case["by"] if case["expect"] == "invalid" else "",
                    "valid" if schema_ok else "; ".join(errors[:3]), consistency or "holds"),
                      file=sys.stderr)
    print(json.dumps(summary))
    return 0 if summary["mismatches"] == 0 else 1


def _version():
    try:
        from importlib.metadata import version
        return version("jsonschema")
    except Exception:  # pylint: disable=broad-except
        return "?"


if __name__ == "__main__":
    sys.exit(main())
