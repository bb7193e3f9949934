// Run by the Go test TestAmountFormatter (or: node --test console/jstest/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatUnits, parseDecimal, sumUnits } from "../assets/amount.js";

test("formats base units exactly", () => {
  const cases = [
    ["0", 2, "0.00"],
    ["1", 2, "0.01"],
    ["150075", 2, "1,500.75"],
    ["-150075", 2, "-1,500.75"],
    ["100", 0, "100"],
    ["1000000", 6, "1.00"],
    ["1234567", 6, "1.234567"],
    ["000120", 2, "1.20"],
    ["-0", 2, "0.00"],
    // 2^256-1 wei: far past 2^53, every digit kept.
    ["115792089237316195423570985008687907853269984665640564039457584007913129639935", 18,
      "115,792,089,237,316,195,423,570,985,008,687,907,853,269,984,665,640,564,039,457.584007913129639935"],
    ["1000000000000000001", 18, "1.000000000000000001"],
    ["9007199254740993", 0, "9,007,199,254,740,993"],
  ];
  for (const [units, d, want] of cases) assert.equal(formatUnits(units, d), want, `${units} with ${d} decimals`);
});

test("refuses what is not base units", () => {
  for (const bad of ["", "-", "1.5", "1e3", " 1", "abc"]) assert.throws(() => formatUnits(bad, 2), /base units/, bad);
});

test("parses typed decimals without rounding", () => {
  assert.equal(parseDecimal("12.5", 2), "1250");
  assert.equal(parseDecimal("1,500.25", 2), "150025");
  assert.equal(parseDecimal(".5", 2), "50");
  assert.equal(parseDecimal("0", 2), "0");
  assert.equal(parseDecimal("1.000000000000000001", 18), "1000000000000000001");
  assert.throws(() => parseDecimal("1.001", 2), /3 decimals/);
  assert.throws(() => parseDecimal("-1", 2), /not an amount/);
  assert.throws(() => parseDecimal("", 2), /not an amount/);
});

test("round trip: parse(format(u)) is u", () => {
  let u = 1n;
  for (let i = 0; i < 80; i++) {
    u = u * 7n + BigInt(i);
    for (const d of [0, 2, 6, 18]) assert.equal(parseDecimal(formatUnits(u.toString(), d), d), u.toString());
  }
});

test("sums exactly", () => {
  assert.equal(sumUnits(["9007199254740993", "1"]), "9007199254740994");
  assert.equal(sumUnits([]), "0");
});
