export const SECRET_NAMES: readonly string[];
export const SECRETS_FILE_MODE: number;
export function loadSecrets(dataDir: string, options?: { log?: (line: string) => void }): Record<string, string>;
export function writeFileAtomic(file: string, text: string, mode: number): void;
