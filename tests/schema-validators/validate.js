#!/usr/bin/env node
// ajv over jumio-bridge's schemas/: strict mode, ajv-formats ("full": date and date-time checked as
// real dates), draft-04 through ajv-draft-04. Used by tests/unit/schema_validators_test.cpp.
//
// Usage: node validate.js SCHEMA_DIR CASES.jsonl
// Each line of CASES is {"name", "schema", "expect": "valid"|"invalid", "by": "schema"|"consistency",
// "consistency", "document"}. A case expected valid must be valid against schemas/<schema> and,
// for events with "consistency" true, its envelope must agree with data; a case expected invalid
// must be rejected by the schema itself ("by": "schema") or by the envelope rule ("consistency"). Prints one JSON summary line; exit 0 when
// every case passed, 1 when one did not, 2 when a schema does not compile.
"use strict";

const fs = require("fs");
const path = require("path");
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");

// The rules of docs/schemas.md that JSON Schema cannot state: the envelope repeats data.
const ENVELOPE_SOURCES = {
  NETVERIFYID: {
    reference: "jumioIdScanReference",
    merchantReference: "merchantIdScanReference",
    customerId: "customerId",
    transactionDate: "transactionDate",
    callbackDate: "callbackDate",
  },
  NETVERIFY_AUTHENTICATION: {
    reference: "transactionReference",
    merchantReference: null,
    customerId: "userReference",
    transactionDate: "transactionDate",
    callbackDate: "callbackDate",
  },
  DOCUMENT_VERIFICATION: {
    reference: "scanReference",
    merchantReference: "transaction.merchantScanReference",
    customerId: "transaction.customerId",
    transactionDate: "transaction.date",
    callbackDate: "timestamp",
  },
  // reference, merchantReference and customerId come from the details answer's workflow object,
  // which data does not repeat: not checked.
  WORKFLOW: {
    transactionDate: "createdAt",
    callbackDate: "completedAt",
  },
};

// Empty when the envelope agrees with data; otherwise what disagrees.
function consistencyError(event) {
  const sources = event && ENVELOPE_SOURCES[event.callbackType];
  if (!sources || typeof event.data !== "object" || event.data === null) return "no callbackType or data";
  for (const [member, source] of Object.entries(sources)) {
    let expected = null;
    if (source !== null) {
      let value = event.data;
      for (const name of source.split(".")) {
        value = value !== null && typeof value === "object" && !Array.isArray(value) ? value[name] : undefined;
      }
      expected = typeof value === "string" ? value : null;
    }
    if (event[member] !== expected) return `envelope ${member} is not ${source === null ? "null" : "data." + source}`;
  }
  return "";
}

function main() {
  const [schemaDir, casesFile] = process.argv.slice(2);
  const ajv = new Ajv({strict: true, allErrors: true});
  addFormats(ajv);
  const files = fs.readdirSync(schemaDir).filter((f) => f.endsWith(".schema.json")).sort();
  const validators = {};
  try {
    for (const file of files) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, file), "utf8")));
    for (const file of files) validators[file] = ajv.compile({$ref: file + "#"});
  } catch (error) {
    console.log(JSON.stringify({validator: "ajv", compiled: false, error: error.message}));
    return 2;
  }
  const summary = {
    validator: `ajv ${require("ajv/package.json").version} (ajv-draft-04, ajv-formats ${require("ajv-formats/package.json").version}, strict)`,
    compiled: files.length,
    valid: 0,
    invalid: 0,
    rejected_by_schema: 0,
    rejected_by_consistency: 0,
    mismatches: 0,
  };
  const lines = fs.readFileSync(casesFile, "utf8").split("\n").filter((line) => line !== "");
  for (const line of lines) {
    const test = JSON.parse(line);
    // "file.json#/definitions/x" names a definition on its own.
    if (!validators[test.schema] && test.schema.includes("#") && files.includes(test.schema.split("#")[0])) {
      validators[test.schema] = ajv.compile({$ref: test.schema});
    }
    const validate = validators[test.schema];
    if (!validate) {
      console.error(`${test.name}: no schema ${test.schema}`);
      summary.mismatches++;
      continue;
    }
    const schemaOk = validate(test.document);
    const schemaErrors = schemaOk ? "" : ajv.errorsText(validate.errors, {separator: "; "});
    const isEvent = test.schema.startsWith("event.");
    const consistency = isEvent && test.consistency !== false ? consistencyError(test.document) : "";
    let ok;
    if (test.expect === "valid") {
      summary.valid++;
      ok = schemaOk && consistency === "";
    } else {
      summary.invalid++;
      ok = test.by === "schema" ? !schemaOk : consistency !== "";
      if (!schemaOk) summary.rejected_by_schema++;
      else if (consistency !== "") summary.rejected_by_consistency++;
    }
    if (!ok) {
      summary.mismatches++;
      console.error(`${test.name}: expected ${test.expect}${test.expect === "invalid" ? " by " + test.by : ""}; ` +
                    `schema: ${schemaOk ? "valid" : schemaErrors}; consistency: ${consistency || "holds"}`);
    }
  }
  console.log(JSON.stringify(summary));
  return summary.mismatches === 0 ? 0 : 1;
}

process.exitCode = main();
