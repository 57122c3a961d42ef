// The knot version printed by --version and recorded in reports.
export const KNOT_VERSION = "0.1.0";
