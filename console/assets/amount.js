// Amounts arrive as strings of base units ("150075" is 1500.75 USD) and
// may exceed 2^53, so they are formatted by string arithmetic on their
// digits, never through a JavaScript number.

/**
 * formatUnits returns base units (an optionally signed string of digits)
 * as a decimal with the currency's decimals: exact, with thousands grouped
 * by commas, and trailing zeros after the second decimal dropped.
 */
export function formatUnits(units, decimals) {
  const s = String(units);
  const m = /^(-?)0*([0-9]*)$/.exec(s);
  if (!m || s === "" || s === "-") throw new Error(`amount ${JSON.stringify(s)}: want a string of base units`);
  const sign = m[2] === "" ? "" : m[1];
  const digits = m[2].padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  let frac = decimals > 0 ? digits.slice(digits.length - decimals) : "";
  const keep = Math.min(decimals, 2);
  frac = frac.replace(/0+$/, "");
  if (frac.length < keep) frac = frac.padEnd(keep, "0");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return sign + grouped + (frac ? "." + frac : "");
}

/** formatAmount is formatUnits followed by the currency's code. */
export function formatAmount(units, currency, decimalsOf) {
  const d = decimalsOf(currency);
  return d === undefined ? `${units} base units of ${currency}` : `${formatUnits(units, d)} ${currency}`;
}

/**
 * parseDecimal returns a decimal typed by a person ("1,500.25") as base
 * units with the currency's decimals, refusing more decimals than the
 * currency has rather than rounding.
 */
export function parseDecimal(text, decimals) {
  const s = String(text).trim().replace(/,/g, "");
  const m = /^([0-9]*)(?:\.([0-9]*))?$/.exec(s);
  if (!m || (m[1] === "" && !m[2])) throw new Error(`"${text}" is not an amount; type digits, such as 12.50`);
  const frac = m[2] || "";
  if (frac.length > decimals) throw new Error(`"${text}" has ${frac.length} decimals; this currency has ${decimals}`);
  const units = ((m[1] || "0") + frac.padEnd(decimals, "0")).replace(/^0+(?=[0-9])/, "");
  return units;
}

/** sumUnits adds strings of base units exactly. */
export function sumUnits(list) {
  let t = 0n;
  for (const u of list) t += BigInt(u);
  return t.toString();
}
