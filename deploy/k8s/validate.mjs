// Validates Kubernetes documents against the Kubernetes API schemas and the Strimzi, CloudNativePG
// and KEDA CRD schemas (kubernetes-models, deploy/k8s/package.json). Reads a JSON array of
// documents on stdin; prints a JSON array with, per document, null (valid) or its errors. A
// document of a kind no package knows is an error: nothing passes unchecked.
//   node deploy/k8s/validate.mjs < documents.json
import * as core from "kubernetes-models";
import * as strimzi from "@kubernetes-models/strimzi-kafka-operator";
import * as cnpg from "@kubernetes-models/cloudnative-pg";
import * as keda from "@kubernetes-models/keda";

// Every model class the packages export, by apiVersion and kind.
const models = new Map();
function collect(namespace) {
  for (const value of Object.values(namespace)) {
    if (typeof value === "function" && value.apiVersion && value.kind) {
      models.set(`${value.apiVersion}/${value.kind}`, value);
    } else if (value && typeof value === "object") {
      collect(value);
    }
  }
}
for (const pkg of [core, strimzi, cnpg, keda]) collect(pkg);

function check(document) {
  const Model = models.get(`${document.apiVersion}/${document.kind}`);
  if (!Model) return [`no schema for ${document.apiVersion} ${document.kind}`];
  try {
    new Model(document).validate();
    return null;
  } catch (error) {
    return (error.errors || [{ message: error.message }]).map(
      (e) => (e.instancePath ? `${e.instancePath}: ` : "") + e.message);
  }
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(JSON.stringify(JSON.parse(input).map(check)) + "\n");
