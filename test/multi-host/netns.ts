import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';

/**
 * Several computers on one machine: Linux network namespaces on one virtual LAN. A namespace
 * `<prefix>-lan` holds a bridge; each host is a namespace `<prefix>-<host>` with its own loopback
 * and one interface `eth0` on that bridge, at 10.77.0.<10+i>/24. Nothing is added to the root
 * namespace (the test process reaches the hosts only by running commands inside them), and
 * `remove()` deletes every namespace it made, which also deletes their interfaces.
 */
export interface Host {
  name: string;
  /** The namespace's name, for `ip netns exec`. */
  netns: string;
  address: string;
  /** This host's end of its cable, on the bridge side (`setLink` takes it down and up). */
  cable: string;
}

export interface Lan {
  hosts: Record<string, Host>;
  /** Unplugs (false) or plugs back (true) a host's cable: its interface stays, packets stop. */
  setLink(host: Host, up: boolean): void;
  /** Deletes the namespaces; safe to call twice. */
  remove(): void;
}

/** Why this machine cannot make namespaces (not root, no `ip`), or null when it can. */
export function namespacesUnavailable(): string | null {
  if (process.getuid?.() !== 0)
    return 'network namespaces need root (CI runs as root); run as root to include this test';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return "the 'ip' command (Debian's iproute2) is missing";
  }
  return null;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function existingNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Deletes namespaces left by an earlier run that was killed before its teardown. */
export function removeStale(prefix: string): void {
  for (const name of existingNamespaces()) if (name.startsWith(`${prefix}-`)) ip('netns', 'del', name);
}

export function createLan(prefix: string, hostNames: readonly string[]): Lan {
  removeStale(prefix);
  const made: string[] = [];
  const lan = `${prefix}-lan`;
  const remove = () => {
    for (const name of made.splice(0).reverse()) {
      try {
        ip('netns', 'del', name);
      } catch {
        // Already gone.
      }
    }
  };
  try {
    ip('netns', 'add', lan);
    made.push(lan);
    ip('-n', lan, 'link', 'set', 'lo', 'up');
    ip('-n', lan, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', lan, 'link', 'set', 'br0', 'up');
    const hosts: Record<string, Host> = {};
    hostNames.forEach((name, i) => {
      const netns = `${prefix}-${name}`;
      ip('netns', 'add', netns);
      made.push(netns);
      const cable = `c${i}`;
      ip('-n', lan, 'link', 'add', cable, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      ip('-n', lan, 'link', 'set', cable, 'master', 'br0');
      ip('-n', lan, 'link', 'set', cable, 'up');
      const address = `10.77.0.${10 + i}`;
      ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', netns, 'link', 'set', 'eth0', 'up');
      ip('-n', netns, 'link', 'set', 'lo', 'up');
      hosts[name] = { name, netns, address, cable };
    });
    return {
      hosts,
      setLink: (host, up) => ip('-n', lan, 'link', 'set', host.cable, up ? 'up' : 'down'),
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Starts a command inside a host's namespace (`ip netns exec`), in its own process group. */
export function spawnIn(host: Host, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn('ip', ['netns', 'exec', host.netns, command, ...args], { detached: true, ...options });
}

/** Runs a command inside a host's namespace and returns its standard output. */
export function runIn(host: Host, command: string, args: string[], options: { timeoutMs?: number } = {}): string {
  return execFileSync('ip', ['netns', 'exec', host.netns, command, ...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Stops a process group started by spawnIn: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // The group is gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
