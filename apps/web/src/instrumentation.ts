/**
 * Runs once when the Next server starts. The work is in a Node-only module (configuration is
 * read and checked there, the database opened and migrated before traffic arrives).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') await import('./server/startup');
}
