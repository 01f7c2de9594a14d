// Starts a real `theta-net serve` (QUIC plus the stream port, which speaks WebSocket) for a test,
// and reads the stream port from its "also on TCP" line.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const ROOT = resolve(WEB, "..");
export const CLI = process.env.THETA_NET_CLI ?? resolve(WEB, "../.venv/bin/theta-net");

export function referenceSchemaToml(): string {
  return readFileSync(resolve(ROOT, "schemas/data/reference_game.toml"), "utf8");
}

export interface Server {
  port: number;
  url: string;
  process: ChildProcess;
  stop(): void;
}

export function startServer(seconds = 30, extra: string[] = []): Promise<Server> {
  const child = spawn(CLI, ["serve", "--port", "0", "--stream-port", "0", "--duration", String(seconds), ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolvePromise, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no "also on TCP" line from ${CLI}: ${out}`)), 15000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /also on TCP [\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolvePromise({ port, url: `ws://127.0.0.1:${port}/`, process: child, stop: () => {
            child.stdout!.destroy();
            child.stderr!.destroy();
            child.kill("SIGKILL");
          } });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("error", reject);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, polling; fails after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
