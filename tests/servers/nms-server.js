#!/usr/bin/env node
// Starts node-media-server 4 (from tests/servers/nms/node_modules) for the integration
// tests: RTMP on 127.0.0.1 only, optional HTTP-FLV, no admin API, no recording.
// Usage: node nms-server.js --dir DIR [--rtmp-port N] [--http-port N] [--log-level L]
//          [--rtmps-port N --tls-cert PEM --tls-key PEM] [--auth-secret-file FILE]
//   --http-port 0 disables the HTTP listener; rtmps (NMS's own TLS listener) is on only
//   with --rtmps-port and both TLS files. --auth-secret-file turns on NMS 4's play and
//   publish auth with the secret in FILE's first line: a client must add
//   ?sign=EXPIRY-md5hex("/app/stream-EXPIRY-SECRET") to the stream name (EXPIRY: Unix
//   seconds, not in the past); NMS answers Start and then closes a wrong one.
// Env: RTMPKIT_NMS_GRACE_MS shortens the 30 s publisher grace window of NMS 4.4
//   (unset: NMS's own default, so tests see the real peer's behaviour).
// Logs go to stdout (servers.sh redirects them to DIR/nms.log).
"use strict";

const path = require("path");
const fs = require("fs");
const { parseArgs } = require("util");

const { values: opt } = parseArgs({
  options: {
    dir: { type: "string" },
    "rtmp-port": { type: "string", default: "19351" },
    "http-port": { type: "string", default: "18001" },
    "log-level": { type: "string", default: "info" },
    "rtmps-port": { type: "string", default: "0" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "auth-secret-file": { type: "string" },
  },
  strict: true,
});
if (!opt.dir) {
  console.error("nms-server.js: --dir DIR is required");
  process.exit(2);
}
const dir = path.resolve(opt.dir);
fs.mkdirSync(dir, { recursive: true });

const pkg = path.join(__dirname, "nms", "node_modules", "node-media-server");
const NodeMediaServer = require(pkg);
const logger = require(path.join(pkg, "src", "core", "logger.js"));
const Context = require(path.join(pkg, "src", "core", "context.js"));

const rtmpPort = Number(opt["rtmp-port"]);
const httpPort = Number(opt["http-port"]);
const rtmpsPort = Number(opt["rtmps-port"]);
// NMS 4 only starts a listener whose port is set; omitting a section disables it.
// No auth.jwt section: the admin API stays off. No record section: no recorder.
const config = {
  bind: "127.0.0.1",
  rtmp: { port: rtmpPort },
  store: { path: path.join(dir, "nms-data") },
  webadmin: { enable: false },
  auth: { play: false, publish: false, secret: "" },
  notify: { url: "" },
};
if (opt["auth-secret-file"]) {
  const secret = fs.readFileSync(path.resolve(opt["auth-secret-file"]), "utf8").split(/\r?\n/)[0];
  if (!secret) {
    console.error("nms-server.js: the auth secret file is empty");
    process.exit(2);
  }
  config.auth = { play: true, publish: true, secret };
}
if (httpPort > 0) {
  config.http = { port: httpPort };
}
if (rtmpsPort > 0) {
  if (!opt["tls-cert"] || !opt["tls-key"]) {
    console.error("nms-server.js: --rtmps-port needs --tls-cert and --tls-key");
    process.exit(2);
  }
  config.rtmps = { port: rtmpsPort, cert: path.resolve(opt["tls-cert"]), key: path.resolve(opt["tls-key"]) };
}

const nms = new NodeMediaServer(config, null);
logger.level = opt["log-level"];  // the constructor forces "debug"

const graceMs = process.env.RTMPKIT_NMS_GRACE_MS;
if (graceMs !== undefined && graceMs !== "") {
  // BroadcastServer copies its grace constant into each instance; set it as each
  // broadcast is registered.
  const set = Context.broadcasts.set.bind(Context.broadcasts);
  Context.broadcasts.set = (k, v) => {
    v.publishGraceMs = Number(graceMs);
    return set(k, v);
  };
}

nms.run();

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  try {
    await nms.stop();
  } finally {
    process.exit(0);
  }
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
