// What the browser tests share: required environment variables, named
// checks that print PASS/FAIL lines, and the exit status they add up to.
export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const tally = { passed: 0, failed: 0 };

export async function check(description, body) {
  try {
    const detail = await body();
    tally.passed += 1;
    console.log(`PASS: ${description}${detail ? ` (${detail})` : ""}`);
  } catch (error) {
    tally.failed += 1;
    console.log(`FAIL: ${description}: ${error.message.split("\n")[0]}`);
  }
}

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// Prints the totals and exits non-zero if any check failed.
export function finish(name) {
  console.log(`${name}: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed === 0 ? 0 : 1);
}
