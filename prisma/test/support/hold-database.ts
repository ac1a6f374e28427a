/**
 * A child process for the lock tests: opens the embedded database in argv[2] the way the web
 * server does (lock, migrate, close on SIGINT/SIGTERM), writes one row, prints `ready <pid>`,
 * and waits to be signalled.
 */
import { openDatabase } from '../../src/client';
import { closeOnSignals } from '../../src/close-on-signals';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: hold-database.ts <dataDir>');
const log = (msg: string, fields?: Record<string, unknown>) => console.log(JSON.stringify({ msg, ...fields }));
const db = await openDatabase({ kind: 'pglite', dataDir }, { log });
closeOnSignals(db, { log });
await db.prisma.user.create({ data: { id: `held_${process.pid}`, displayName: 'Held' } });
console.log(`ready ${process.pid}`);
setInterval(() => {}, 60_000);
