// Counts packages and edges of a yarn.lock v1 with yarn 1's own parser
// (npm package @yarnpkg/lockfile), independently of the Go parser: see
// count.py. Usage, from a folder where `npm install @yarnpkg/lockfile@1`
// ran: node count-yarn1.js FILE   # prints "packages edges"
const fs = require('fs');
const lockfile = require('@yarnpkg/lockfile');
const parsed = lockfile.parse(fs.readFileSync(process.argv[2], 'utf8'));
if (parsed.type !== 'success') throw new Error(parsed.type);
const entries = parsed.object; // descriptor → entry; descriptors of one entry share it
const nameOf = (descriptor) => {
  let name = descriptor.slice(0, descriptor.indexOf('@', 1));
  const range = descriptor.slice(name.length + 1);
  if (range.startsWith('npm:') && range.indexOf('@', 5) > 0) name = range.slice(4, range.indexOf('@', 5));
  return name;
};
const id = (descriptor) => nameOf(descriptor) + '@' + entries[descriptor].version;
const packages = new Set(Object.keys(entries).map(id));
const edges = new Set();
for (const d of Object.keys(entries)) {
  const e = entries[d];
  for (const deps of [e.dependencies || {}, e.optionalDependencies || {}]) {
    for (const [name, range] of Object.entries(deps)) {
      const to = name + '@' + range;
      if (entries[to] && id(to) !== id(d)) edges.add(id(d) + ' ' + id(to));
    }
  }
}
console.log(packages.size, edges.size);
