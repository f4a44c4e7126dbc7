// Run Mozilla's HTTP Observatory scanner (npm @mdn/mdn-http-observatory) on the lab portals,
// under a loopback guard. Two uses:
//
//   node bench/run_observatory.mjs PACKAGE_DIR HOSTS.json OUT.json CONCURRENCY
//       every host of HOSTS.json ({"host": "127.x.y.z", ...}) through the package's scan()
//       (what its CLI, src/scan.js, calls), CONCURRENCY scans at a time, in this one process;
//       writes {"host": {"scan": ..., "tests": ...} | {"error": "..."}} to OUT.json.
//
//   OBSERVATORY_HOSTS=HOSTS.json node --import ./bench/run_observatory.mjs PACKAGE_DIR/src/scan.js HOST
//       the package's own CLI for one host, with the same guard installed first.
//
// The guard: the scanner resolves host names with the system resolver (dns.lookup) and would
// connect wherever they point. Here dns.lookup answers from HOSTS.json only (every address in
// it must be loopback) and fails for any other name, and every socket connect to an address
// literal that is not loopback is refused. /etc/hosts is not touched.

import dns from "node:dns";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

function isLoopback(address) {
  return /^127\.\d+\.\d+\.\d+$/.test(address) || address === "::1";
}

function installGuard(hostsFile) {
  const hosts = JSON.parse(fs.readFileSync(hostsFile, "utf8"));
  for (const [name, address] of Object.entries(hosts)) {
    if (!isLoopback(address)) {
      throw new Error(`loopback guard: ${name} -> ${address} is not a loopback address`);
    }
  }
  const answer = (hostname) => {
    const name = String(hostname).toLowerCase().replace(/\.$/, "");
    if (net.isIP(name)) {
      return isLoopback(name) ? name : null;
    }
    return hosts[name] ?? null;
  };
  const lookup = (hostname, options, callback) => {
    if (typeof options === "function") {
      callback = options;
      options = {};
    }
    const address = answer(hostname);
    const family = address && net.isIP(address);
    process.nextTick(() => {
      if (!address) {
        const err = new Error(`loopback guard: refusing to resolve ${hostname}`);
        err.code = "ENOTFOUND";
        err.hostname = hostname;
        callback(err);
      } else if (options && options.all) {
        callback(null, [{ address, family }]);
      } else {
        callback(null, address, family);
      }
    });
  };
  dns.lookup = lookup;
  dns.promises.lookup = (hostname, options = {}) =>
    new Promise((resolve, reject) =>
      lookup(hostname, options, (err, address, family) =>
        err ? reject(err) : resolve(options.all ? address : { address, family })
      )
    );
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const host = typeof first === "object" && first !== null ? first.host : args[1];
    if (typeof first === "object" && first !== null && first.path) {
      return connect.apply(this, args); // a Unix socket
    }
    if (host && net.isIP(host) && !isLoopback(host)) {
      throw new Error(`loopback guard: refusing to contact ${host}`);
    }
    if (host && !net.isIP(host) && !answer(host)) {
      throw new Error(`loopback guard: refusing to contact ${host}`);
    }
    return connect.apply(this, args);
  };
}

async function runAll(packageDir, hostsFile, outFile, concurrency) {
  installGuard(hostsFile);
  const { scan } = await import(
    pathToFileURL(path.join(packageDir, "src", "scanner", "index.js")).href
  );
  const hosts = Object.keys(JSON.parse(fs.readFileSync(hostsFile, "utf8")));
  const results = {};
  let next = 0;
  async function worker() {
    while (next < hosts.length) {
      const host = hosts[next++];
      try {
        const r = await scan(host);
        const tests = Object.fromEntries(
          Object.entries(r.tests).map(([key, test]) => {
            const { scoreDescription, ...rest } = test;
            return [key, rest];
          })
        );
        results[host] = { scan: r.scan, tests };
      } catch (e) {
        results[host] = { error: e instanceof Error ? e.message : String(e) };
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  fs.writeFileSync(outFile, JSON.stringify(results));
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const [packageDir, hostsFile, outFile, concurrency] = process.argv.slice(2);
  await runAll(packageDir, hostsFile, outFile, Number(concurrency || 16));
} else if (process.env.OBSERVATORY_HOSTS) {
  installGuard(process.env.OBSERVATORY_HOSTS);
} else {
  throw new Error("run_observatory.mjs: set OBSERVATORY_HOSTS when used with --import");
}
