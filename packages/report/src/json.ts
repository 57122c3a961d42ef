// A check report as one JSON document (shape: docs/json.md).
import type { CheckReport } from "./check-report.js";

export function renderCheckJson(r: CheckReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}
