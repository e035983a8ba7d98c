import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The processes a benchmark measures from outside: the built service, and the baselines it is compared with. */
export const SERVICE_MAIN = join(__dirname, '..', 'src', 'main.js'); // built next to this file by tsconfig.bench.json
export const BEARER_TOKEN = 'bench-bearer-token';
export const SYNC_API_TOKEN = randomBytes(32).toString('hex');

export interface BenchProcess {
  url: string;
  /** From spawning the process to the first 200 of its ready path. */
  startUpSeconds: number;
  /** The CPU time the process has used so far (user and system), or null where /proc is missing. */
  cpuSeconds(): number | null;
  /** Resident memory now and at its peak so far (VmRSS, VmHWM), in MB; null where /proc is missing. */
  memory(): { rssMb: number; peakRssMb: number } | null;
  stop(): Promise<void>;
}

// Linux counts a process's CPU time in /proc/<pid>/stat in ticks of 1/100 s (USER_HZ).
const TICKS_PER_SECOND = 100;

function processCpuSeconds(pid: number | undefined): number | null {
  try {
    // Fields after the command name (in parentheses, may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function processMemory(pid: number | undefined): { rssMb: number; peakRssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
    return { rssMb: kilobytes('VmRSS') / 1024, peakRssMb: kilobytes('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Runs `node main` with `environment` (and PORT) and waits until `readyPath` answers 200. */
export async function startProcess(
  main: string,
  environment: Record<string, string>,
  { readyPath = '/health', nodeOptions = [] as string[] } = {},
): Promise<BenchProcess> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child: ChildProcess = spawn(process.execPath, [...nodeOptions, main], {
    cwd: tmpdir(), // no .env is read there
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Kept short: a request log would otherwise grow for the whole benchmark.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${main} exited with ${child.exitCode}: ${output}`);
    const ready = await fetch(`${url}${readyPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${main} did not answer ${readyPath} in 60 s: ${output}`);
    }
    await sleep(10);
  }
  return {
    url,
    startUpSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    cpuSeconds: () => processCpuSeconds(child.pid),
    memory: () => processMemory(child.pid),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The built service as production runs it, once /health answers. */
export function startService(environment: Record<string, string>, nodeOptions: string[] = []): Promise<BenchProcess> {
  return startProcess(
    SERVICE_MAIN,
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SCHEDULER_ENABLED: 'false',
      SYNC_API_TOKEN,
      TWITTER_BEARER_TOKEN: BEARER_TOKEN,
      ...environment,
    },
    { nodeOptions },
  );
}

export async function withService<T>(
  environment: Record<string, string>,
  work: (service: BenchProcess) => Promise<T>,
): Promise<T> {
  const service = await startService(environment);
  try {
    return await work(service);
  } finally {
    await service.stop();
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
